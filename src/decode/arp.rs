//! ARP (RFC 826) and RARP (RFC 903, EtherType 0x8035). Ethernet/IPv4
//! packets are decoded with the RFC 5227 special cases named: probes
//! (sender IP 0.0.0.0) and gratuitous announcements (sender IP equals
//! target IP). Any other hardware type and address sizes are decoded
//! generically, as RFC 826 allows: the addresses in hex unless they are
//! IPv4 or IPv6 protocol addresses.

use super::Mac;
use serde::Serialize;
use std::fmt;
use std::net::Ipv4Addr;

/// The EtherType of RARP.
pub const ETHERTYPE_RARP: u16 = 0x8035;

/// The ARP operation (RFC 826; IANA ARP operation codes), shown and
/// serialised as "request", "reply", "reverse request" and "reverse
/// reply" (RARP, RFC 903), "inverse request" and "inverse reply" (InARP,
/// RFC 2390), or "op N" for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpOp {
    Request,
    Reply,
    Other(u16),
}

impl ArpOp {
    pub fn from_code(code: u16) -> ArpOp {
        match code {
            1 => ArpOp::Request,
            2 => ArpOp::Reply,
            n => ArpOp::Other(n),
        }
    }
}

impl fmt::Display for ArpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArpOp::Request => f.write_str("request"),
            ArpOp::Reply => f.write_str("reply"),
            ArpOp::Other(3) => f.write_str("reverse request"),
            ArpOp::Other(4) => f.write_str("reverse reply"),
            ArpOp::Other(8) => f.write_str("inverse request"),
            ArpOp::Other(9) => f.write_str("inverse reply"),
            ArpOp::Other(n) => write!(f, "op {n}"),
        }
    }
}

impl Serialize for ArpOp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The role RFC 5227 gives an ARP packet, serialised as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArpKind {
    /// Sender IP 0.0.0.0: is anyone using the target address (§2.1.1)?
    Probe,
    /// Sender IP equals target IP: an announcement (§2.3).
    Gratuitous,
}

impl fmt::Display for ArpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArpKind::Probe => "probe",
            ArpKind::Gratuitous => "gratuitous",
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArpInfo {
    /// "request", "reply", or "op N" for anything else (RARP, InARP, …).
    pub op: ArpOp,
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: Ipv4Addr,
    /// "gratuitous" or "probe" where RFC 5227 gives the packet that role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ArpKind>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ArpError {
    #[error("ARP header needs 8 bytes, got {0}")]
    Short(usize),
    #[error("ARP with hardware type {htype}, protocol {ptype:#06x}, address sizes {hlen}/{plen} is not Ethernet/IPv4")]
    NotEthernetIpv4 {
        htype: u16,
        ptype: u16,
        hlen: u8,
        plen: u8,
    },
    #[error("ARP body needs {need} bytes, got {have}")]
    ShortBody { need: usize, have: usize },
}

/// An ARP packet that is not Ethernet/IPv4.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArpGeneric {
    pub op: ArpOp,
    /// The hardware type (IANA ARP parameters: 1 Ethernet, 6 IEEE 802,
    /// 7 ARCNET, 15 Frame Relay, 32 InfiniBand, …).
    pub hardware_type: u16,
    /// The protocol type, an EtherType.
    pub protocol_type: u16,
    pub sender_hw: String,
    pub sender_proto: String,
    pub target_hw: String,
    pub target_proto: String,
}

/// An ARP packet, as [`parse_any`] decodes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arp {
    EthernetIpv4(ArpInfo),
    Generic(ArpGeneric),
}

/// Decodes an ARP or RARP packet of any hardware and protocol type.
pub fn parse_any(b: &[u8]) -> Result<Arp, ArpError> {
    match parse(b) {
        Ok(a) => Ok(Arp::EthernetIpv4(a)),
        Err(ArpError::NotEthernetIpv4 {
            htype,
            ptype,
            hlen,
            plen,
        }) => {
            let (h, p) = (usize::from(hlen), usize::from(plen));
            let need = 8 + 2 * (h + p);
            if b.len() < need {
                return Err(ArpError::ShortBody {
                    need,
                    have: b.len(),
                });
            }
            let hw = |at: usize| hex_colons(&b[at..at + h]);
            let proto = |at: usize| proto_addr(ptype, &b[at..at + p]);
            Ok(Arp::Generic(ArpGeneric {
                op: ArpOp::from_code(u16::from_be_bytes([b[6], b[7]])),
                hardware_type: htype,
                protocol_type: ptype,
                sender_hw: hw(8),
                sender_proto: proto(8 + h),
                target_hw: hw(8 + h + p),
                target_proto: proto(8 + 2 * h + p),
            }))
        }
        Err(e) => Err(e),
    }
}

fn hex_colons(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, byte) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// A protocol address: dotted or colon notation for IPv4 and IPv6,
/// otherwise hex.
fn proto_addr(ptype: u16, b: &[u8]) -> String {
    if let (0x0800, Ok(a)) = (ptype, <[u8; 4]>::try_from(b)) {
        return Ipv4Addr::from(a).to_string();
    }
    if let (0x86dd, Ok(a)) = (ptype, <[u8; 16]>::try_from(b)) {
        return std::net::Ipv6Addr::from(a).to_string();
    }
    hex_colons(b)
}

/// Decodes an Ethernet/IPv4 ARP packet (the bytes after the link header).
pub fn parse(b: &[u8]) -> Result<ArpInfo, ArpError> {
    if b.len() < 8 {
        return Err(ArpError::Short(b.len()));
    }
    let htype = u16::from_be_bytes([b[0], b[1]]);
    let ptype = u16::from_be_bytes([b[2], b[3]]);
    let (hlen, plen) = (b[4], b[5]);
    // Hardware type 1 is Ethernet; 6 (IEEE 802) is used by some stacks.
    if !matches!(htype, 1 | 6) || ptype != 0x0800 || hlen != 6 || plen != 4 {
        return Err(ArpError::NotEthernetIpv4 {
            htype,
            ptype,
            hlen,
            plen,
        });
    }
    let need = 8 + 2 * (6 + 4);
    if b.len() < need {
        return Err(ArpError::ShortBody {
            need,
            have: b.len(),
        });
    }
    let op_code = u16::from_be_bytes([b[6], b[7]]);
    let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
    let sender_ip = ip(14);
    let target_ip = ip(24);
    let op = ArpOp::from_code(op_code);
    let kind = if op == ArpOp::Request && sender_ip.is_unspecified() {
        Some(ArpKind::Probe)
    } else if sender_ip == target_ip && matches!(op, ArpOp::Request | ArpOp::Reply) {
        Some(ArpKind::Gratuitous)
    } else {
        None
    };
    Ok(ArpInfo {
        op,
        sender_mac: Mac::from_slice(&b[8..14]).unwrap_or_default(),
        sender_ip,
        target_mac: Mac::from_slice(&b[18..24]).unwrap_or_default(),
        target_ip,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_sizes_are_refused_not_misread() {
        let b = [0, 1, 8, 0, 8, 4, 0, 1];
        assert!(matches!(
            parse(&b),
            Err(ArpError::NotEthernetIpv4 { hlen: 8, .. })
        ));
        assert_eq!(parse(&[0, 1]), Err(ArpError::Short(2)));
        let mut b = vec![0, 1, 8, 0, 6, 4, 0, 1];
        b.extend_from_slice(&[0; 10]);
        assert_eq!(parse(&b), Err(ArpError::ShortBody { need: 28, have: 18 }));
    }

    #[test]
    fn other_hardware_is_decoded_in_hex() {
        // ARCNET (7), IPv4, 1-byte hardware addresses, reply.
        let b = [
            0, 7, 8, 0, 1, 4, 0, 2, 0x2a, 192, 0, 2, 1, 0x07, 192, 0, 2, 9,
        ];
        let Ok(Arp::Generic(g)) = parse_any(&b) else {
            panic!("{:?}", parse_any(&b));
        };
        assert_eq!((g.hardware_type, g.op), (7, ArpOp::Reply));
        assert_eq!(
            (g.sender_hw.as_str(), g.sender_proto.as_str()),
            ("2a", "192.0.2.1")
        );
        assert_eq!(
            (g.target_hw.as_str(), g.target_proto.as_str()),
            ("07", "192.0.2.9")
        );
        assert!(matches!(
            parse_any(&b[..17]),
            Err(ArpError::ShortBody { need: 18, .. })
        ));
        // Ethernet/IPv4 stays the typed form; RARP's codes are named.
        let mut e = vec![0, 1, 8, 0, 6, 4, 0, 3];
        e.extend([0; 20]);
        let Ok(Arp::EthernetIpv4(a)) = parse_any(&e) else {
            panic!()
        };
        assert_eq!(a.op.to_string(), "reverse request");
    }
}
