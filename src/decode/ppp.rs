//! PPP's protocol field (RFC 1661 §2, with RFC 1662's address and control
//! bytes when present), shared by the PPP link types, PPPoE sessions and
//! PPTP's GRE. It imports no other decoder, so the link layer and the
//! tunnels can both use it.

use serde::Serialize;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

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
}
