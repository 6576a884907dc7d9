//! Link layers: Ethernet (with 802.1Q / 802.1ad tags), Linux cooked SLL and
//! SLL2, BSD NULL/LOOP and raw IP. Each yields an EtherType and the bytes
//! after the link header, for etherparse to slice further.

use super::{EthInfo, Mac, SllInfo};
use crate::capture::linktype;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
/// How many stacked VLAN tags are followed before giving up.
const MAX_VLAN_TAGS: usize = 8;

/// The link layer of one frame.
#[derive(Debug, Default)]
pub struct Link<'a> {
    pub eth: Option<EthInfo>,
    pub vlan: Vec<u16>,
    pub sll: Option<SllInfo>,
    /// What the payload is, or `None` when it is not known.
    pub ether_type: Option<u16>,
    pub payload: &'a [u8],
    /// Set when the link header itself is cut short or not understood.
    pub error: Option<String>,
}

/// Splits off the link header of a frame of the given link type.
pub fn parse(linktype: u32, data: &[u8]) -> Link<'_> {
    match linktype {
        linktype::ETHERNET => ethernet(data),
        linktype::LINUX_SLL => sll1(data),
        linktype::LINUX_SLL2 => sll2(data),
        linktype::NULL | linktype::LOOP => bsd_loopback(linktype, data),
        linktype::RAW | linktype::RAW_BSD_12 | linktype::RAW_BSD_14 => raw_ip(data),
        linktype::IPV4 => with_type(ETHERTYPE_IPV4, data),
        linktype::IPV6 => with_type(ETHERTYPE_IPV6, data),
        other => Link {
            error: Some(format!("link type {other} is not decoded")),
            ..Link::default()
        },
    }
}

fn with_type(ether_type: u16, payload: &[u8]) -> Link<'_> {
    Link {
        ether_type: Some(ether_type),
        payload,
        ..Link::default()
    }
}

fn short(what: &str, need: usize, have: usize) -> Link<'static> {
    Link {
        error: Some(format!(
            "{what} header needs {need} bytes, frame has {have}"
        )),
        ..Link::default()
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn ethernet(data: &[u8]) -> Link<'_> {
    if data.len() < 14 {
        return short("Ethernet", 14, data.len());
    }
    let eth = EthInfo {
        dst: Mac::from_slice(&data[0..6]).unwrap_or_default(),
        src: Mac::from_slice(&data[6..12]).unwrap_or_default(),
    };
    let mut ether_type = be16(data, 12);
    let mut rest = &data[14..];
    let mut vlan = Vec::new();
    // 802.1Q (0x8100) and 802.1ad (0x88a8, and the pre-standard 0x9100)
    // tags: TCI (PCP 3 bits, DEI 1 bit, VID 12 bits) then the next type.
    while matches!(
        ether_type,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    ) {
        if rest.len() < 4 || vlan.len() == MAX_VLAN_TAGS {
            return Link {
                eth: Some(eth),
                vlan,
                error: Some("VLAN tag cut short".into()),
                ..Link::default()
            };
        }
        vlan.push(be16(rest, 0) & 0x0fff);
        ether_type = be16(rest, 2);
        rest = &rest[4..];
    }
    if ether_type < 0x0600 {
        // An IEEE 802.3 length field: LLC/SNAP follows (STP, CDP, …).
        return Link {
            eth: Some(eth),
            vlan,
            payload: rest,
            ..Link::default()
        };
    }
    Link {
        eth: Some(eth),
        vlan,
        ether_type: Some(ether_type),
        payload: rest,
        ..Link::default()
    }
}

fn sll_packet_type(t: u16) -> &'static str {
    match t {
        0 => "host",
        1 => "broadcast",
        2 => "multicast",
        3 => "otherhost",
        4 => "outgoing",
        5 => "loopback",
        6 => "fastroute",
        _ => "unknown",
    }
}

fn sll_addr(bytes: &[u8], len: usize) -> Option<String> {
    let n = len.min(8).min(bytes.len());
    (n > 0).then(|| {
        bytes[..n]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// Linux cooked v1: packet type, ARPHRD type, address length, 8 address
/// bytes, protocol (16 bytes in all).
fn sll1(data: &[u8]) -> Link<'_> {
    if data.len() < 16 {
        return short("Linux cooked (SLL)", 16, data.len());
    }
    let protocol = be16(data, 14);
    sll_payload(
        SllInfo {
            packet_type: sll_packet_type(be16(data, 0)),
            ifindex: None,
            addr: sll_addr(&data[6..14], be16(data, 4) as usize),
            protocol,
        },
        be16(data, 2),
        &data[16..],
    )
}

/// Linux cooked v2: protocol, reserved, interface index, ARPHRD type,
/// packet type, address length, 8 address bytes (20 bytes in all).
fn sll2(data: &[u8]) -> Link<'_> {
    if data.len() < 20 {
        return short("Linux cooked (SLL2)", 20, data.len());
    }
    let protocol = be16(data, 0);
    sll_payload(
        SllInfo {
            packet_type: sll_packet_type(u16::from(data[10])),
            ifindex: Some(u32::from_be_bytes([data[4], data[5], data[6], data[7]])),
            addr: sll_addr(&data[12..20], data[11] as usize),
            protocol,
        },
        be16(data, 8),
        &data[20..],
    )
}

fn sll_payload(sll: SllInfo, arphrd: u16, payload: &[u8]) -> Link<'_> {
    let protocol = sll.protocol;
    // ARPHRD_NETLINK (824) and the like carry no EtherType; protocol
    // values below 0x0600 are Linux pseudo-protocols (802.2, 802.3, CAN).
    let ether_type = (protocol >= 0x0600 && arphrd != 824).then_some(protocol);
    Link {
        sll: Some(sll),
        ether_type,
        payload,
        error: ether_type
            .is_none()
            .then(|| format!("cooked protocol {protocol:#06x} is not decoded")),
        ..Link::default()
    }
}

/// BSD loopback: a 4-byte address family, host byte order for NULL,
/// network byte order for LOOP. IPv6 is 24, 28 or 30 depending on the BSD.
fn bsd_loopback(lt: u32, data: &[u8]) -> Link<'_> {
    if data.len() < 4 {
        return short("loopback", 4, data.len());
    }
    let raw = [data[0], data[1], data[2], data[3]];
    let family = if lt == linktype::LOOP {
        u32::from_be_bytes(raw)
    } else {
        // The writer's byte order is unknown: a small value is the right one.
        let le = u32::from_le_bytes(raw);
        if le < 0x100 {
            le
        } else {
            u32::from_be_bytes(raw)
        }
    };
    match family {
        2 => with_type(ETHERTYPE_IPV4, &data[4..]),
        24 | 28 | 30 => with_type(ETHERTYPE_IPV6, &data[4..]),
        other => Link {
            error: Some(format!("loopback address family {other} is not decoded")),
            ..Link::default()
        },
    }
}

fn raw_ip(data: &[u8]) -> Link<'_> {
    match data.first().map(|b| b >> 4) {
        Some(4) => with_type(ETHERTYPE_IPV4, data),
        Some(6) => with_type(ETHERTYPE_IPV6, data),
        Some(v) => Link {
            error: Some(format!("raw IP frame with IP version {v}")),
            ..Link::default()
        },
        None => short("raw IP", 1, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_tags_are_all_read() {
        // dst, src, 0x88a8 tag 200, 0x8100 tag 100, IPv4
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x20, 0x64, 0x08, 0x00]);
        f.push(0x45);
        let l = parse(linktype::ETHERNET, &f);
        assert_eq!(l.vlan, vec![200, 100]);
        assert_eq!(l.ether_type, Some(ETHERTYPE_IPV4));
        assert_eq!(l.payload, &[0x45]);
    }

    #[test]
    fn short_frames_say_what_is_missing() {
        let l = parse(linktype::LINUX_SLL2, &[0; 19]);
        assert!(l.error.unwrap().contains("20 bytes"));
        let l = parse(linktype::ETHERNET, &[]);
        assert!(l.eth.is_none());
    }

    #[test]
    fn null_loopback_either_byte_order() {
        let le = [2, 0, 0, 0, 0x45];
        let be = [0, 0, 0, 30, 0x60];
        assert_eq!(parse(linktype::NULL, &le).ether_type, Some(ETHERTYPE_IPV4));
        assert_eq!(parse(linktype::NULL, &be).ether_type, Some(ETHERTYPE_IPV6));
        assert_eq!(parse(linktype::LOOP, &be).ether_type, Some(ETHERTYPE_IPV6));
    }
}
