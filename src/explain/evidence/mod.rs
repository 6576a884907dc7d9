//! What the story needs from the decoded packets, gathered frame by frame:
//! DNS exchanges, ARP and neighbour discovery, TCP connections with their
//! handshake, TLS hellos, HTTP messages and teardown, and a short label
//! per frame for the ladder diagram. Everything kept here is bounded.
//!
//! What is gathered per protocol: `records` (DNS, DHCP, ARP/NDP, ICMP,
//! UDP), `conn` (a connection and its TLS and HTTP), `segments` (a TCP
//! connection's segments, losses and transfer), `quic` (a QUIC flow),
//! `label` (the ladder's label of every frame).

mod conn;
mod forget;
mod label;
mod quic;
mod records;
mod segments;

pub use conn::{Conn, H2Rec, HandshakeSummary, HttpRec, Seg, TlsRec, WsEvidence};
pub use forget::Forget;
use label::label;
pub use records::{ArpRec, DhcpRec, DnsRec, IcmpRec, UdpRec, MAX_ICMP};
pub use segments::{
    DataSeg, LossEvidence, Repeat, RepeatKind, TransferEvidence, TRANSFER_SEGMENTS,
};

use crate::decode::arp::{ArpKind, ArpOp};
use crate::decode::dhcp::DhcpMessage;
use crate::decode::dns::{DnsMessage, DnsProtocol, Transport};
use crate::decode::http::HttpMessage;
use crate::decode::ndp::NdpKind;
use crate::decode::quic::{HeaderForm, LongType};
use crate::decode::tcp::{self, Side, TcpAnalysis, TcpOptions, TcpRole};
use crate::decode::tls::{ContentType, HandshakeKind, TlsHandshake, TlsVersion};
use crate::decode::websocket::WsFrame;
use crate::decode::{Mac, Packet};
use crate::flow::client::Peers;
use foldhash::HashMap;
use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};

/// At most this many frames are remembered for the ladder diagram.
pub const MAX_FRAMES: usize = 100_000;
/// At most this many DNS messages, ARP/NDP packets or connections.
pub const MAX_ITEMS: usize = 30_000;
/// Per connection, at most this many HTTP messages and TLS handshakes.
pub const MAX_PER_CONN: usize = 1_000;

/// One frame as the ladder draws it.
#[derive(Debug, Clone)]
pub struct FrameRec {
    pub frame: u64,
    pub ts: f64,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    /// "arp", "ndp", "dns", "tcp", "tls", "http", "quic", "udp", "icmp", "other".
    pub proto: &'static str,
    pub label: FrameLabel,
    pub sort: FrameSort,
    /// The capture interface it was read on (pcapng IDB), and its IPv4 TTL
    /// or IPv6 hop limit: what a router changes in a packet it forwards.
    pub interface: u32,
    pub ttl: Option<u8>,
}

/// What a frame's encrypted or handshake content is, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSort {
    /// Anything else.
    Plain,
    /// Only application data: one TLS application_data record, or QUIC
    /// whose first packet is 1-RTT and that completes no handshake message.
    Bulk,
    /// It carries a hello (ClientHello, ServerHello, HelloRetryRequest, …).
    Hello,
}

/// What a ladder arrow says about a frame. Most frames of a large capture
/// are plain TCP segments: they keep only their flags and length, and are
/// put into words when an arrow is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameLabel {
    Tcp { flags: tcp::TcpFlags, len: u32 },
    Text(Box<str>),
}

impl From<String> for FrameLabel {
    fn from(text: String) -> FrameLabel {
        FrameLabel::Text(text.into_boxed_str())
    }
}

impl std::fmt::Display for FrameLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameLabel::Tcp { flags, len: 0 } => write!(f, "[{flags}]"),
            FrameLabel::Tcp { flags, len } => write!(f, "[{flags}] {len} B"),
            FrameLabel::Text(t) => f.write_str(t),
        }
    }
}

/// Everything gathered from a capture for the story.
#[derive(Debug, Default)]
pub struct Evidence {
    pub frames: Vec<FrameRec>,
    pub frames_dropped: u64,
    pub dns: Vec<DnsRec>,
    pub arp: Vec<ArpRec>,
    pub dhcp: Vec<DhcpRec>,
    pub icmp: Vec<IcmpRec>,
    /// The capture interfaces frames were read on, in order of first use.
    pub interfaces: Vec<u32>,
    pub udp: Vec<UdpRec>,
    /// ICMP messages and UDP datagrams beyond [`MAX_ICMP`] each.
    pub icmp_udp_dropped: u64,
    pub conns: BTreeMap<u64, Conn>,
    /// UDP flows to port 443 by (client, server), indexing `conns` with
    /// stream numbers above `QUIC_BASE`.
    quic_flows: BTreeMap<(Endpoint, Endpoint), u64>,
    pub items_dropped: u64,
    /// Indexes into `dns`: responses by the addresses they answer with, and
    /// every message by the client-side address and MAC.
    pub dns_by_answer: HashMap<IpAddr, Vec<usize>>,
    /// A DNS message came earlier than the one before it (a capture of
    /// several interfaces may be out of time order); until one does, the
    /// lists above are in time order and can be binary-searched.
    pub dns_out_of_time_order: bool,
    pub dns_by_host: HashMap<IpAddr, Vec<usize>>,
    pub dns_by_mac: HashMap<Mac, Vec<usize>>,
    /// Indexes into `arp`: by sender address and MAC.
    pub arp_by_ip: HashMap<IpAddr, Vec<usize>>,
    pub arp_by_mac: HashMap<Mac, Vec<usize>>,
    /// DHCP messages by client hardware address, and by the IPv4 address
    /// they give (yiaddr) or show in use (ciaddr).
    pub dhcp_by_mac: HashMap<Mac, Vec<usize>>,
    pub dhcp_by_ip: HashMap<Ipv4Addr, Vec<usize>>,
    pub first_ts: Option<f64>,
    pub last_ts: Option<f64>,
    pub total_frames: u64,
    /// TCP streams whose page load is over and forgotten: their late
    /// packets are not gathered again.
    pub forgotten: foldhash::HashSet<u64>,
}

/// An address and port.
type Endpoint = (IpAddr, u16);

/// QUIC flows are numbered from here so they never meet TCP stream ids.
const QUIC_BASE: u64 = 1 << 48;

impl Evidence {
    pub fn observe(&mut self, p: &Packet) {
        self.total_frames += 1;
        if p.ts > 0.0 {
            self.first_ts.get_or_insert(p.ts);
            self.last_ts = Some(self.last_ts.map_or(p.ts, |t| t.max(p.ts)));
        }
        let src = p.ip.as_ref().map(|i| i.src);
        let dst = p.ip.as_ref().map(|i| i.dst);
        let dst_mac = p.eth.as_ref().map(|e| e.dst);
        if self.frames.len() < MAX_FRAMES {
            let (proto, label, sort) = label(p);
            // Grow by doubling, but not past the bound: the last doubling
            // would leave a third of a large table unused.
            if self.frames.len() == self.frames.capacity() {
                let more = self
                    .frames
                    .capacity()
                    .clamp(1024, MAX_FRAMES - self.frames.len());
                self.frames.reserve_exact(more);
            }
            self.frames.push(FrameRec {
                frame: p.frame,
                ts: p.ts,
                src: src.or_else(|| p.arp.as_ref().map(|a| IpAddr::V4(a.sender_ip))),
                dst: dst.or_else(|| p.arp.as_ref().map(|a| IpAddr::V4(a.target_ip))),
                src_mac: p.eth.as_ref().map(|e| e.src),
                dst_mac,
                proto,
                label,
                sort,
                interface: p.interface,
                ttl: p.ip.as_ref().map(|ip| ip.ttl),
            });
            if !self.interfaces.contains(&p.interface) {
                self.interfaces.push(p.interface);
            }
        } else {
            self.frames_dropped += 1;
        }
        let room = self.dns.len() + self.arp.len() + self.dhcp.len() + self.conns.len() < MAX_ITEMS;
        if let Some(d) = &p.dhcp {
            if room {
                let i = self.dhcp.len();
                self.dhcp_by_mac.entry(d.client_mac).or_default().push(i);
                for ip in [d.your_ip, d.client_ip].into_iter().flatten() {
                    self.dhcp_by_ip.entry(ip).or_default().push(i);
                }
                self.dhcp.push(DhcpRec {
                    frame: p.frame,
                    ts: p.ts,
                    msg: (**d).clone(),
                });
            } else {
                self.items_dropped += 1;
            }
        }
        if let (Some(i), Some(ip)) = (&p.icmp, &p.ip) {
            if self.icmp.len() < MAX_ICMP {
                let echo = i.echo;
                self.icmp.push(IcmpRec {
                    frame: p.frame,
                    ts: p.ts,
                    src: ip.src,
                    dst: ip.dst,
                    ttl: ip.ttl,
                    v6: i.version == 6,
                    icmp_type: i.icmp_type,
                    code: i.code,
                    echo,
                    quoted: i.quoted.clone(),
                });
            } else {
                self.icmp_udp_dropped += 1;
            }
        }
        if let (Some(u), Some(ip)) = (&p.udp, &p.ip) {
            let other = p.dns.is_some()
                || p.dhcp.is_some()
                || p.quic.is_some()
                || u.src_port == 443
                || u.dst_port == 443;
            if !other {
                if self.udp.len() < MAX_ICMP {
                    self.udp.push(UdpRec {
                        frame: p.frame,
                        ts: p.ts,
                        src: ip.src,
                        dst: ip.dst,
                        src_port: u.src_port,
                        dst_port: u.dst_port,
                        length: u.length,
                        ttl: ip.ttl,
                    });
                } else {
                    self.icmp_udp_dropped += 1;
                }
            }
        }
        if let Some(a) = &p.arp {
            if room {
                self.push_arp(ArpRec {
                    frame: p.frame,
                    ts: p.ts,
                    reply: a.op == ArpOp::Reply,
                    sender_mac: a.sender_mac,
                    sender_ip: IpAddr::V4(a.sender_ip),
                    target_ip: IpAddr::V4(a.target_ip),
                    kind: a.kind,
                    ndp: false,
                    claimed: false,
                });
            } else {
                self.items_dropped += 1;
            }
        }
        if let (Some(n), Some(s)) = (&p.ndp, src) {
            // RFC 4861 §4.3/§4.4: a solicitation names its target; an
            // advertisement names itself as the target.
            let reply = n.kind == NdpKind::NeighborAdvertisement;
            if n.kind == NdpKind::NeighborSolicitation || reply {
                if room {
                    let sender_mac = n
                        .lladdr
                        .or_else(|| p.eth.as_ref().map(|e| e.src))
                        .unwrap_or(Mac::ZERO);
                    self.push_arp(ArpRec {
                        frame: p.frame,
                        ts: p.ts,
                        reply,
                        sender_mac,
                        sender_ip: if reply {
                            n.target.map_or(s, IpAddr::V6)
                        } else {
                            s
                        },
                        target_ip: n.target.map_or(s, IpAddr::V6),
                        kind: None,
                        ndp: true,
                        claimed: false,
                    });
                } else {
                    self.items_dropped += 1;
                }
            }
        }
        if let (Some(s), Some(d)) = (src, dst) {
            let transport = if p.tcp.is_some() {
                Transport::Tcp
            } else {
                Transport::Udp
            };
            for m in p.dns.as_deref().into_iter().chain(&p.dns_more) {
                if m.protocol != DnsProtocol::Dns {
                    continue;
                }
                // The same message seen again on another interface.
                let copy = self.dns.iter().rev().take(64).any(|r| {
                    r.interface != p.interface
                        && r.msg.id == m.id
                        && r.msg.response == m.response
                        && r.src == s
                        && r.dst == d
                });
                if copy {
                    continue;
                }
                if room {
                    self.push_dns(DnsRec {
                        frame: p.frame,
                        ts: p.ts,
                        src: s,
                        dst: d,
                        transport,
                        src_mac: p.eth.as_ref().map(|e| e.src),
                        dst_mac,
                        msg: m.clone(),
                        interface: p.interface,
                    });
                } else {
                    self.items_dropped += 1;
                }
            }
            if let Some(t) = &p.tcp {
                self.tcp(p, t, s, d, room);
            } else if let Some(u) = &p.udp {
                // RFC 9000 runs over UDP; HTTP/3 (RFC 9114) uses port 443.
                if u.dst_port == 443 || u.src_port == 443 || p.quic.is_some() {
                    self.quic(p, (s, u.src_port), (d, u.dst_port), room);
                }
            }
        }
    }

    pub fn frame(&self, n: u64) -> Option<&FrameRec> {
        let i = self.frames.partition_point(|f| f.frame < n);
        self.frames.get(i).filter(|f| f.frame == n)
    }
}
