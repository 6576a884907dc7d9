//! MPLS label stacks (RFC 3032 §2.1; EtherTypes 0x8847 and 0x8848): label
//! entries up to the one with the bottom-of-stack bit. What follows has no
//! type field; as tshark does, its first nibble decides: 4 is IPv4, 6 is
//! IPv6, 0 is a pseudowire control word (RFC 4385 §3) before an Ethernet
//! frame (RFC 4448).

use super::{enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::decode::packet::Encap;
pub use crate::decode::tunnel_info::{MplsInfo, MplsLabel};
use crate::decode::walk::{Next, Walk};

pub const ETHERTYPE_MPLS: u16 = 0x8847;
pub const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
/// How many label entries are read before giving up.
const MAX_LABELS: usize = 16;

/// Reads the label stack and what its payload is.
pub fn parse(b: &[u8]) -> Result<(MplsInfo, Inner, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::Mpls);
    let mut labels = Vec::new();
    loop {
        if labels.len() == MAX_LABELS {
            return Err(TunnelError::Invalid {
                layer: Layer::Mpls,
                what: "more than 16 labels without the bottom of the stack",
            });
        }
        let entry = c.u32("MPLS label stack entry").map_err(&e)?;
        labels.push(MplsLabel {
            label: entry >> 12,
            tc: ((entry >> 9) & 0x7) as u8,
            ttl: (entry & 0xff) as u8,
        });
        if entry & 0x100 != 0 {
            break;
        }
    }
    let mut info = MplsInfo {
        labels,
        control_word: false,
    };
    let inner = match c.rest().first().map(|b| b >> 4) {
        Some(4) => Inner::EtherType(ETHERTYPE_IPV4),
        Some(6) => Inner::EtherType(ETHERTYPE_IPV6),
        Some(0) => {
            c.u32("pseudowire control word").map_err(&e)?;
            info.control_word = true;
            Inner::Ethernet
        }
        _ => {
            return Err(TunnelError::Invalid {
                layer: Layer::Mpls,
                what: "payload is neither IP nor a pseudowire control word",
            })
        }
    };
    Ok((info, inner, c.rest()))
}

/// The EtherType step of 0x8847 and 0x8848.
pub fn step<'a>(w: &mut Walk<'a, '_>, b: &'a [u8]) -> Next<'a> {
    match parse(b) {
        Ok((info, inner, rest)) => enter(w, Layer::Mpls, Encap::Mpls(info), inner, rest),
        Err(error) => failed(w, b, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_ends_at_the_bottom_bit() {
        // Label 16 (TC 0, TTL 64), label 17 bottom of stack (TTL 63), IPv6.
        let b = [0x00, 0x01, 0x00, 0x40, 0x00, 0x01, 0x11, 0x3f, 0x60];
        let (m, inner, rest) = parse(&b).unwrap();
        let labels: Vec<_> = m.labels.iter().map(|l| (l.label, l.ttl)).collect();
        assert_eq!(labels, vec![(16, 64), (17, 63)]);
        assert_eq!(inner, Inner::EtherType(ETHERTYPE_IPV6));
        assert_eq!(rest, &[0x60]);
        // A control word, then Ethernet.
        let b = [0x00, 0x01, 0x01, 0x40, 0, 0, 0, 0, 0xaa];
        let (m, inner, rest) = parse(&b).unwrap();
        assert!(m.control_word);
        assert_eq!((inner, rest), (Inner::Ethernet, &[0xaa][..]));
        assert!(parse(&b[..3]).is_err());
        assert!(parse(&[0, 0, 0, 0].repeat(20)).is_err());
    }
}
