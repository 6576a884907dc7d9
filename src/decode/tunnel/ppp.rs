//! PPPoE (RFC 2516): discovery packets (EtherType 0x8863) are named with
//! their session id and tags; session packets (0x8864) carry a PPP frame
//! ([`crate::decode::ppp`]), whose IPv4 or IPv6 payload is the inner
//! packet.

use super::{enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::packet::Encap;
pub use crate::decode::ppp::{parse_ppp, PppInfo};
pub use crate::decode::tunnel_info::{PppoeInfo, PppoeSession};
use crate::decode::walk::{Next, Walk};

pub const ETHERTYPE_PPPOE_DISCOVERY: u16 = 0x8863;
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

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
