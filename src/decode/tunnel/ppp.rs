//! PPP's protocol field (RFC 1661 §2, with RFC 1662's address and control
//! bytes when present) and PPPoE (RFC 2516): discovery packets (EtherType
//! 0x8863) are named with their session id and tags; session packets
//! (0x8864) carry a PPP frame, whose IPv4 or IPv6 payload is the inner
//! packet.

use super::{enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::decode::packet::Encap;
use crate::decode::walk::{Next, Walk};
use serde::Serialize;

pub const ETHERTYPE_PPPOE_DISCOVERY: u16 = 0x8863;
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

/// A PPP frame that is not an IP packet: its protocol, and for the
/// control protocols the code of the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppInfo {
    pub protocol: u16,
    /// The protocol's name, "LCP", "IPCP", … ("" when not known).
    pub name: &'static str,
    /// The control protocol's code (RFC 1661 §5): 1 Configure-Request,
    /// 2 Configure-Ack, 5 Terminate-Request, 9 Echo-Request, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u8>,
}

impl PppInfo {
    /// The EtherType of the payload, for IPv4 and IPv6.
    pub fn ether_type(&self) -> Option<u16> {
        match self.protocol {
            0x0021 => Some(ETHERTYPE_IPV4),
            0x0057 => Some(ETHERTYPE_IPV6),
            _ => None,
        }
    }
}

/// The PPP protocol number's name (IANA PPP DLL protocol numbers).
pub fn protocol_name(protocol: u16) -> &'static str {
    match protocol {
        0x0021 => "IPv4",
        0x0057 => "IPv6",
        0x8021 => "IPCP",
        0x8057 => "IPV6CP",
        0x80fd => "CCP",
        0xc021 => "LCP",
        0xc023 => "PAP",
        0xc223 => "CHAP",
        0xc227 => "EAP",
        _ => "",
    }
}

/// Reads a PPP frame's header: the address and control bytes (0xff 0x03)
/// when `hdlc` allows them, then the protocol field, one byte when
/// compressed (an odd first byte, RFC 1661 §6.5).
pub fn parse_ppp(b: &[u8], hdlc: bool) -> (PppInfo, &[u8]) {
    let b = match b {
        [0xff, 0x03, rest @ ..] if hdlc => rest,
        _ => b,
    };
    let (protocol, rest) = match b {
        [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => (0, &b[b.len()..]),
    };
    let code = (protocol >= 0x8000)
        .then(|| rest.first().copied())
        .flatten();
    let info = PppInfo {
        protocol,
        name: protocol_name(protocol),
        code,
    };
    (info, rest)
}

/// A PPPoE session packet's identifiers, as a layer outside the packet it
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppoeSession {
    pub session_id: u16,
    /// The PPP protocol of the payload.
    pub ppp_protocol: u16,
}

/// A PPPoE packet that carries no IP packet: a discovery stage packet
/// (PADI, PADO, PADR, PADS, PADT) or a session packet of a PPP control
/// protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppoeInfo {
    pub code: u8,
    /// "PADI", "PADO", "PADR", "PADS", "PADT", "session" or "".
    pub name: &'static str,
    pub session_id: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ac_name: Option<String>,
}

fn code_name(code: u8) -> &'static str {
    match code {
        0x00 => "session",
        0x09 => "PADI",
        0x07 => "PADO",
        0x19 => "PADR",
        0x65 => "PADS",
        0xa7 => "PADT",
        _ => "",
    }
}

/// Reads the 6-byte PPPoE header; returns it and its payload, cut to the
/// header's length (Ethernet pads short frames).
pub fn parse_pppoe(b: &[u8]) -> Result<(PppoeInfo, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::Pppoe);
    let vt = c.u8("PPPoE version and type").map_err(&e)?;
    let code = c.u8("PPPoE code").map_err(&e)?;
    let session_id = c.u16("PPPoE session id").map_err(&e)?;
    let length = usize::from(c.u16("PPPoE length").map_err(&e)?);
    if vt != 0x11 {
        return Err(TunnelError::Version {
            layer: Layer::Pppoe,
            version: vt >> 4,
        });
    }
    let payload = c.take(length.min(c.left()), "PPPoE payload").map_err(&e)?;
    let info = PppoeInfo {
        code,
        name: code_name(code),
        session_id,
        service_name: None,
        ac_name: None,
    };
    Ok((info, payload))
}

/// The discovery tags (RFC 2516 Appendix A) the summary names.
fn read_tags(info: &mut PppoeInfo, tags: &[u8]) {
    let mut c = Cursor::new(tags);
    while let (Ok(t), Ok(value)) = (c.u16("tag type"), c.vec16("tag value")) {
        let text = || String::from_utf8_lossy(value).into_owned();
        match t {
            0x0000 => break,
            0x0101 => info.service_name = Some(text()),
            0x0102 => info.ac_name = Some(text()),
            _ => {}
        }
    }
}

/// The EtherType step of 0x8863.
pub fn discovery_step<'a>(w: &mut Walk<'a, '_>, b: &'a [u8]) -> Next<'a> {
    match parse_pppoe(b) {
        Ok((mut info, tags)) => {
            read_tags(&mut info, tags);
            w.packet.pppoe = Some(Box::new(info));
            Next::Done
        }
        Err(error) => failed(w, b, error),
    }
}

/// The EtherType step of 0x8864.
pub fn session_step<'a>(w: &mut Walk<'a, '_>, b: &'a [u8]) -> Next<'a> {
    let (info, payload) = match parse_pppoe(b) {
        Ok(ok) => ok,
        Err(error) => return failed(w, b, error),
    };
    let (ppp, rest) = parse_ppp(payload, false);
    match ppp.ether_type() {
        Some(t) => {
            let session = PppoeSession {
                session_id: info.session_id,
                ppp_protocol: ppp.protocol,
            };
            enter(
                w,
                Layer::Pppoe,
                Encap::Pppoe(session),
                Inner::EtherType(t),
                rest,
            )
        }
        None => {
            w.packet.pppoe = Some(Box::new(info));
            w.packet.ppp = Some(ppp);
            Next::Done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_field_may_be_compressed() {
        let (p, rest) = parse_ppp(&[0xff, 0x03, 0xc0, 0x21, 0x01, 0x07], true);
        assert_eq!((p.protocol, p.name, p.code), (0xc021, "LCP", Some(1)));
        assert_eq!(rest, &[0x01, 0x07]);
        let (p, rest) = parse_ppp(&[0x21, 0x45], false);
        assert_eq!((p.ether_type(), rest), (Some(ETHERTYPE_IPV4), &[0x45][..]));
    }

    #[test]
    fn discovery_names_its_tags() {
        // PADO, session 0, tags: AC-Name "ac", Service-Name "", end.
        let b = [
            0x11, 0x07, 0, 0, 0, 14, 0x01, 0x02, 0, 2, b'a', b'c', 0x01, 0x01, 0, 0, 0, 0, 0, 0,
        ];
        let (mut info, tags) = parse_pppoe(&b).unwrap();
        read_tags(&mut info, tags);
        assert_eq!(info.name, "PADO");
        assert_eq!(info.ac_name.as_deref(), Some("ac"));
        assert_eq!(info.service_name.as_deref(), Some(""));
        assert!(parse_pppoe(&b[..5]).is_err());
    }
}
