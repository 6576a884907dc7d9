//! ARP (RFC 826) for Ethernet and IPv4, with the RFC 5227 special cases
//! named: probes (sender IP 0.0.0.0) and gratuitous announcements (sender IP
//! equals target IP).

use super::Mac;
use serde::Serialize;
use std::fmt;
use std::net::Ipv4Addr;

/// The ARP operation (RFC 826; IANA ARP operation codes), shown and
/// serialised as "request", "reply", or "op N" for anything else (RARP,
/// InARP, …).
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

/// Decodes an ARP packet (the bytes after the link header).
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
}
