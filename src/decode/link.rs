//! Link layers: Ethernet (with 802.1Q / 802.1ad tags, and IEEE 802.2
//! LLC/SNAP under an 802.3 length field), Linux cooked SLL and SLL2, BSD
//! NULL/LOOP, raw IP, PPP (RFC 1661) and PPP in HDLC-like framing (RFC 1662,
//! or Cisco HDLC), and Linux NFLOG ([`super::nflog`]). Each yields an EtherType and the bytes
//! after the link header, which [`super::dispatch`] looks up in its
//! EtherType table.
//!
//! A new link type is one decoder here (or in a file of its own) and one
//! line in [`LINK_TYPES`].

use super::layer::Layer;
use super::nflog::{self, NflogError, NflogInfo};
use super::ppp::{self, PppInfo};
use crate::capture::linktype;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
/// How many stacked VLAN tags are followed before giving up.
const MAX_VLAN_TAGS: usize = 8;

/// A 48-bit hardware address, shown and serialised as `aa:bb:cc:dd:ee:ff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Formatted on the stack: every Ethernet frame serialises two.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b':'; 17];
        for (i, b) in self.0.iter().enumerate() {
            text[i * 3] = HEX[usize::from(b >> 4)];
            text[i * 3 + 1] = HEX[usize::from(b & 0xf)];
        }
        s.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl Mac {
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    pub const ZERO: Mac = Mac([0; 6]);

    pub fn from_slice(b: &[u8]) -> Option<Mac> {
        b.get(..6)
            .and_then(|s| <[u8; 6]>::try_from(s).ok())
            .map(Mac)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EthInfo {
    pub src: Mac,
    pub dst: Mac,
}

/// Linux cooked capture header (SLL / SLL2), as written by `tcpdump -i any`.
#[derive(Debug, Clone, Serialize)]
pub struct SllInfo {
    /// "host", "broadcast", "multicast", "otherhost", "outgoing", …
    pub packet_type: SllPacketType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    pub protocol: u16,
}

/// The SLL packet type: where the frame was going, from the capturing
/// host's point of view (Linux `PACKET_*`), serialised as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SllPacketType {
    Host,
    Broadcast,
    Multicast,
    Otherhost,
    Outgoing,
    Loopback,
    Fastroute,
    Unknown,
}

impl SllPacketType {
    pub fn from_code(t: u16) -> SllPacketType {
        match t {
            0 => SllPacketType::Host,
            1 => SllPacketType::Broadcast,
            2 => SllPacketType::Multicast,
            3 => SllPacketType::Otherhost,
            4 => SllPacketType::Outgoing,
            5 => SllPacketType::Loopback,
            6 => SllPacketType::Fastroute,
            _ => SllPacketType::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SllPacketType::Host => "host",
            SllPacketType::Broadcast => "broadcast",
            SllPacketType::Multicast => "multicast",
            SllPacketType::Otherhost => "otherhost",
            SllPacketType::Outgoing => "outgoing",
            SllPacketType::Loopback => "loopback",
            SllPacketType::Fastroute => "fastroute",
            SllPacketType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for SllPacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link header that is cut short or not understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LinkError {
    #[error("{what} header needs {need} bytes, frame has {have}")]
    Short {
        layer: Layer,
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("link type {0} is not decoded")]
    UnknownLinkType(u32),
    #[error("VLAN tag cut short")]
    VlanCutShort,
    #[error("cooked protocol {0:#06x} is not decoded")]
    CookedProtocol(u16),
    #[error("loopback address family {0} is not decoded")]
    LoopbackFamily(u32),
    #[error("raw IP frame with IP version {0}")]
    RawIpVersion(u8),
    #[error("{0}")]
    Nflog(NflogError),
    #[error("LLC header needs {need} bytes, frame has {have}")]
    LlcShort { need: usize, have: usize },
}

impl LinkError {
    /// The link layer at fault.
    pub fn layer(&self) -> Layer {
        match self {
            LinkError::Short { layer, .. } => *layer,
            LinkError::UnknownLinkType(_) => Layer::Ethernet,
            LinkError::VlanCutShort => Layer::Vlan,
            LinkError::CookedProtocol(_) => Layer::LinuxSll,
            LinkError::LoopbackFamily(_) => Layer::Loopback,
            LinkError::RawIpVersion(_) => Layer::RawIp,
            LinkError::Nflog(_) => Layer::Nflog,
            LinkError::LlcShort { .. } => Layer::Llc,
        }
    }
}

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

/// [`Link`] with its error typed: what [`split`] returns.
#[derive(Debug, Default)]
pub struct LinkFrame<'a> {
    pub eth: Option<EthInfo>,
    pub vlan: Vec<u16>,
    pub sll: Option<SllInfo>,
    pub ether_type: Option<u16>,
    pub payload: &'a [u8],
    pub error: Option<LinkError>,
    /// A PPP frame that is not IP.
    pub ppp: Option<PppInfo>,
    pub nflog: Option<NflogInfo>,
    pub llc: Option<LlcInfo>,
}

/// An IEEE 802.2 LLC header (with its SNAP extension when DSAP and SSAP
/// are 0xaa), under an 802.3 length field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LlcInfo {
    pub dsap: u8,
    pub ssap: u8,
    pub control: u16,
    /// SNAP's organisation code; 0 means the protocol id is an EtherType.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oui: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u16>,
}

/// A link decoder: the frame's link type and bytes to its link layer.
pub type LinkDecoder = fn(u32, &[u8]) -> LinkFrame<'_>;

/// Link type (LINKTYPE_*) → decoder.
pub const LINK_TYPES: &[(u32, LinkDecoder)] = &[
    (linktype::ETHERNET, ethernet),
    (linktype::LINUX_SLL, sll1),
    (linktype::LINUX_SLL2, sll2),
    (linktype::NULL, bsd_loopback),
    (linktype::LOOP, bsd_loopback),
    (linktype::RAW, raw_ip),
    (linktype::RAW_BSD_12, raw_ip),
    (linktype::RAW_BSD_14, raw_ip),
    (linktype::IPV4, raw_ipv4),
    (linktype::IPV6, raw_ipv6),
    (linktype::PPP, ppp_link),
    (linktype::PPP_HDLC, ppp_hdlc),
    (linktype::NFLOG, nflog_link),
];

/// Splits off the link header of a frame of the given link type.
pub fn split(linktype: u32, data: &[u8]) -> LinkFrame<'_> {
    match LINK_TYPES.iter().find(|(t, _)| *t == linktype) {
        Some((_, decode)) => decode(linktype, data),
        None => LinkFrame {
            error: Some(LinkError::UnknownLinkType(linktype)),
            ..LinkFrame::default()
        },
    }
}

/// [`split`], with the error as text.
pub fn parse(linktype: u32, data: &[u8]) -> Link<'_> {
    let l = split(linktype, data);
    Link {
        eth: l.eth,
        vlan: l.vlan,
        sll: l.sll,
        ether_type: l.ether_type,
        payload: l.payload,
        error: l.error.map(|e| e.to_string()),
    }
}

fn with_type(ether_type: u16, payload: &[u8]) -> LinkFrame<'_> {
    LinkFrame {
        ether_type: Some(ether_type),
        payload,
        ..LinkFrame::default()
    }
}

fn failed(error: LinkError) -> LinkFrame<'static> {
    LinkFrame {
        error: Some(error),
        ..LinkFrame::default()
    }
}

fn short(layer: Layer, what: &'static str, need: usize, have: usize) -> LinkFrame<'static> {
    failed(LinkError::Short {
        layer,
        what,
        need,
        have,
    })
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn ethernet(_: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 14 {
        return short(Layer::Ethernet, "Ethernet", 14, data.len());
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
    // They are part of the Ethernet header (IEEE 802.1Q §9), so they are
    // read here rather than through the EtherType table: cooked and
    // loopback captures carry no tags of their own.
    while matches!(
        ether_type,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    ) {
        if rest.len() < 4 || vlan.len() == MAX_VLAN_TAGS {
            return LinkFrame {
                eth: Some(eth),
                vlan,
                error: Some(LinkError::VlanCutShort),
                ..LinkFrame::default()
            };
        }
        vlan.push(be16(rest, 0) & 0x0fff);
        ether_type = be16(rest, 2);
        rest = &rest[4..];
    }
    if ether_type < 0x0600 {
        // An IEEE 802.3 length field: LLC (and SNAP) follows.
        let body = &rest[..usize::from(ether_type).min(rest.len())];
        return LinkFrame {
            eth: Some(eth),
            vlan,
            ..llc(body)
        };
    }
    LinkFrame {
        eth: Some(eth),
        vlan,
        ether_type: Some(ether_type),
        payload: rest,
        ..LinkFrame::default()
    }
}

/// IEEE 802.2 LLC: DSAP, SSAP, and a control field of one byte for
/// unnumbered frames (its low two bits set) or two; SNAP (DSAP and SSAP
/// 0xaa, RFC 1042) adds a 3-byte OUI and a 2-byte protocol id, an
/// EtherType when the OUI is 0 (or 0x0000f8, IEEE 802.1H).
fn llc(b: &[u8]) -> LinkFrame<'_> {
    let fail = |need| {
        failed(LinkError::LlcShort {
            need,
            have: b.len(),
        })
    };
    if b.len() < 3 {
        return fail(3);
    }
    let (dsap, ssap) = (b[0], b[1]);
    let (control, mut at) = if b[2] & 3 == 3 {
        (u16::from(b[2]), 3)
    } else if b.len() >= 4 {
        (be16(b, 2), 4)
    } else {
        return fail(4);
    };
    let mut info = LlcInfo {
        dsap,
        ssap,
        control,
        oui: None,
        pid: None,
    };
    let mut ether_type = None;
    if dsap == 0xaa && ssap == 0xaa {
        if b.len() < at + 5 {
            return fail(at + 5);
        }
        let oui = u32::from_be_bytes([0, b[at], b[at + 1], b[at + 2]]);
        let pid = be16(b, at + 3);
        info.oui = Some(oui);
        info.pid = Some(pid);
        at += 5;
        if oui == 0 || oui == 0xf8 {
            ether_type = Some(pid);
        }
    }
    LinkFrame {
        ether_type,
        payload: &b[at..],
        llc: Some(info),
        ..LinkFrame::default()
    }
}

/// A PPP frame's protocol field: IPv4 and IPv6 go on by EtherType, other
/// protocols (LCP, IPCP, …) are named.
fn ppp_frame(info: PppInfo, rest: &[u8]) -> LinkFrame<'_> {
    match info.ether_type() {
        Some(t) => with_type(t, rest),
        None => LinkFrame {
            ppp: Some(info),
            payload: rest,
            ..LinkFrame::default()
        },
    }
}

/// LINKTYPE_PPP (9): the protocol field, after the RFC 1662 address and
/// control bytes when the capture kept them.
fn ppp_link(_: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 2 {
        return short(Layer::Ppp, "PPP", 2, data.len());
    }
    let (info, rest) = ppp::parse_ppp(data, true);
    ppp_frame(info, rest)
}

/// LINKTYPE_PPP_HDLC (50): 0xff 0x03 then PPP's protocol field, or Cisco
/// HDLC (0x0f or 0x8f, 0x00, an EtherType).
fn ppp_hdlc(_: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 4 {
        return short(Layer::Ppp, "PPP in HDLC framing", 4, data.len());
    }
    match data[0] {
        0x0f | 0x8f => with_type(be16(data, 2), &data[4..]),
        _ => {
            let (info, rest) = ppp::parse_ppp(data, true);
            ppp_frame(info, rest)
        }
    }
}

/// LINKTYPE_NFLOG (239).
fn nflog_link(_: u32, data: &[u8]) -> LinkFrame<'_> {
    match nflog::parse(data) {
        Ok((info, ether_type, payload)) => LinkFrame {
            ether_type,
            payload,
            nflog: Some(info),
            ..LinkFrame::default()
        },
        Err(e) => failed(LinkError::Nflog(e)),
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
fn sll1(_: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 16 {
        return short(Layer::LinuxSll, "Linux cooked (SLL)", 16, data.len());
    }
    let protocol = be16(data, 14);
    sll_payload(
        SllInfo {
            packet_type: SllPacketType::from_code(be16(data, 0)),
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
fn sll2(_: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 20 {
        return short(Layer::LinuxSll, "Linux cooked (SLL2)", 20, data.len());
    }
    let protocol = be16(data, 0);
    sll_payload(
        SllInfo {
            packet_type: SllPacketType::from_code(u16::from(data[10])),
            ifindex: Some(u32::from_be_bytes([data[4], data[5], data[6], data[7]])),
            addr: sll_addr(&data[12..20], data[11] as usize),
            protocol,
        },
        be16(data, 8),
        &data[20..],
    )
}

fn sll_payload(sll: SllInfo, arphrd: u16, payload: &[u8]) -> LinkFrame<'_> {
    let protocol = sll.protocol;
    // ARPHRD_NETLINK (824) and the like carry no EtherType; protocol
    // values below 0x0600 are Linux pseudo-protocols (802.2, 802.3, CAN).
    let ether_type = (protocol >= 0x0600 && arphrd != 824).then_some(protocol);
    LinkFrame {
        sll: Some(sll),
        ether_type,
        payload,
        error: ether_type
            .is_none()
            .then_some(LinkError::CookedProtocol(protocol)),
        ..LinkFrame::default()
    }
}

/// BSD loopback: a 4-byte address family, host byte order for NULL,
/// network byte order for LOOP. IPv6 is 24, 28 or 30 depending on the BSD.
fn bsd_loopback(lt: u32, data: &[u8]) -> LinkFrame<'_> {
    if data.len() < 4 {
        return short(Layer::Loopback, "loopback", 4, data.len());
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
        other => failed(LinkError::LoopbackFamily(other)),
    }
}

fn raw_ip(_: u32, data: &[u8]) -> LinkFrame<'_> {
    match data.first().map(|b| b >> 4) {
        Some(4) => with_type(ETHERTYPE_IPV4, data),
        Some(6) => with_type(ETHERTYPE_IPV6, data),
        Some(v) => failed(LinkError::RawIpVersion(v)),
        None => short(Layer::RawIp, "raw IP", 1, 0),
    }
}

fn raw_ipv4(_: u32, data: &[u8]) -> LinkFrame<'_> {
    with_type(ETHERTYPE_IPV4, data)
}

fn raw_ipv6(_: u32, data: &[u8]) -> LinkFrame<'_> {
    with_type(ETHERTYPE_IPV6, data)
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
    fn snap_carries_an_ether_type() {
        // 802.3 length 13: LLC aa aa 03, SNAP OUI 0, ARP; then padding.
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x00, 0x0d]);
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06, 1, 2, 3, 4, 5]);
        f.extend_from_slice(&[0; 4]);
        let l = split(linktype::ETHERNET, &f);
        assert_eq!(l.ether_type, Some(ETHERTYPE_ARP));
        assert_eq!(l.payload, &[1, 2, 3, 4, 5]);
        assert_eq!(l.llc.map(|i| (i.control, i.oui)), Some((3, Some(0))));
        // Spanning tree: LLC only, nothing after it is decoded.
        let mut f = f[..12].to_vec();
        f.extend_from_slice(&[0x00, 0x07, 0x42, 0x42, 0x03, 0, 0, 0, 0]);
        let l = split(linktype::ETHERNET, &f);
        assert_eq!((l.ether_type, l.llc.map(|i| i.dsap)), (None, Some(0x42)));
    }

    #[test]
    fn ppp_links_name_their_protocol() {
        let l = split(linktype::PPP, &[0xff, 0x03, 0x00, 0x21, 0x45]);
        assert_eq!(
            (l.ether_type, l.payload),
            (Some(ETHERTYPE_IPV4), &[0x45][..])
        );
        let l = split(linktype::PPP_HDLC, &[0xff, 0x03, 0xc0, 0x21, 9]);
        assert_eq!(l.ppp.map(|p| (p.name, p.code)), Some(("LCP", Some(9))));
        let l = split(linktype::PPP_HDLC, &[0x0f, 0x00, 0x86, 0xdd, 0x60]);
        assert_eq!(l.ether_type, Some(ETHERTYPE_IPV6));
        assert!(split(linktype::PPP_HDLC, &[0xff]).error.is_some());
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
