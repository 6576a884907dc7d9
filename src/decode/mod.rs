//! Per-frame decoding: pure functions from bytes to owned summaries.
//!
//! Nothing here prints, and nothing here panics on any input: what cannot be
//! decoded becomes a string in [`Packet::errors`].

pub mod arp;
pub mod dns;
pub mod http;
pub mod link;
pub mod ndp;
pub mod tcp;
pub mod tls;

use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// A 48-bit hardware address, shown and serialised as `aa:bb:cc:dd:ee:ff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
        s.collect_str(self)
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

/// Everything decoded about one frame. Serialised as one NDJSON object by
/// `packets --format json`; the README documents the schema.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Packet {
    /// 1-based frame number.
    pub frame: u64,
    /// Epoch seconds.
    pub ts: f64,
    pub caplen: u32,
    pub len: u32,
    /// pcapng interface id (0 for classic pcap).
    pub interface: u32,
    pub linktype: u32,
    /// The frame was cut short by the snap length (caplen < len) or its
    /// headers claim more bytes than were captured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eth: Option<EthInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlan: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sll: Option<SllInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<arp::ArpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ndp: Option<ndp::NdpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<tcp::TcpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<UdpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp: Option<IcmpInfo>,
    /// The first DNS message in this frame (UDP), or the first one this
    /// frame completed (TCP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<dns::DnsMessage>,
    /// Further DNS messages completed by this frame (DNS over TCP may carry
    /// several in one segment).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_more: Vec<dns::DnsMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<tls::TlsInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<http::HttpMessage>,
    /// What could not be decoded: truncation, malformed fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Packet {
    /// Source and destination transport ports, if TCP or UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        if let Some(t) = &self.tcp {
            Some((t.src_port, t.dst_port))
        } else {
            self.udp.as_ref().map(|u| (u.src_port, u.dst_port))
        }
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
    pub packet_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    pub protocol: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct IpInfo {
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// The transport protocol number after any IPv6 extension headers.
    pub proto: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u16>,
    /// IPv4 fragment or IPv6 fragment header present.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fragment: bool,
    /// IPv6 extension headers in wire order, by protocol number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ext_headers: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UdpInfo {
    pub src_port: u16,
    pub dst_port: u16,
    pub length: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct IcmpInfo {
    pub version: u8,
    #[serde(rename = "type")]
    pub icmp_type: u8,
    pub code: u8,
    pub summary: String,
}
