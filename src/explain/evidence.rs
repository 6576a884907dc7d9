//! What the story needs from the decoded packets, gathered frame by frame:
//! DNS exchanges, ARP and neighbour discovery, TCP connections with their
//! handshake, TLS hellos, HTTP messages and teardown, and a short label
//! per frame for the ladder diagram. Everything kept here is bounded.

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

#[derive(Debug, Clone)]
pub struct DnsRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// "udp" or "tcp".
    pub transport: Transport,
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    pub msg: DnsMessage,
    pub interface: u32,
}

/// A DHCP message (RFC 2131).
#[derive(Debug, Clone)]
pub struct DhcpRec {
    pub frame: u64,
    pub ts: f64,
    pub msg: DhcpMessage,
}

#[derive(Debug, Clone)]
pub struct ArpRec {
    pub frame: u64,
    pub ts: f64,
    pub reply: bool,
    pub sender_mac: Mac,
    pub sender_ip: IpAddr,
    pub target_ip: IpAddr,
    /// "probe", "gratuitous" or none.
    pub kind: Option<ArpKind>,
    /// True for IPv6 neighbour discovery (NS/NA), false for ARP.
    pub ndp: bool,
}

/// An ICMP message (RFC 792, RFC 4443), with the packet an error quotes.
#[derive(Debug, Clone)]
pub struct IcmpRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// Echo identifier and sequence number.
    pub echo: Option<(u16, u16)>,
    pub quoted: Option<crate::decode::icmp::Quoted>,
}

/// A UDP datagram that no other story tells (RFC 768).
#[derive(Debug, Clone)]
pub struct UdpRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub length: u16,
    pub ttl: u8,
}

/// ICMP messages and lone UDP datagrams kept for their stories.
pub const MAX_ICMP: usize = 512;

/// A TCP segment's place in the story.
#[derive(Debug, Clone, Copy)]
pub struct Seg {
    pub frame: u64,
    pub ts: f64,
    /// Sent by the client.
    pub from_client: bool,
}

#[derive(Debug, Clone)]
pub struct TlsRec {
    pub seg: Seg,
    pub hs: HandshakeSummary,
}

#[derive(Debug, Clone)]
pub struct HttpRec {
    pub seg: Seg,
    pub msg: HttpMessage,
}

/// The part of a handshake message the story tells: a connection keeps
/// only this, not the fingerprints, certificates and raw lists of the
/// decoded message, so that evidence for thousands of connections stays
/// small.
#[derive(Debug, Clone, Default)]
pub struct HandshakeSummary {
    pub kind: HandshakeKind,
    pub version: Option<TlsVersion>,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub supported_versions: Vec<TlsVersion>,
    pub cipher_suites: Vec<u16>,
    pub cipher_suite: Option<u16>,
    pub key_share_groups: Vec<u16>,
    pub session_id: Option<String>,
    pub pre_shared_key: bool,
    pub encrypted_client_hello: bool,
    pub grease: Vec<u16>,
    pub length: u32,
    pub frames: Vec<u64>,
    /// A Certificate message's chain as (subject, issuer), sender's first;
    /// None for a certificate that could not be read.
    pub chain: Vec<Option<(String, String)>>,
}

fn story_view(h: &TlsHandshake) -> HandshakeSummary {
    HandshakeSummary {
        kind: h.kind,
        version: h.version,
        sni: h.sni.clone(),
        alpn: h.alpn.clone(),
        supported_versions: h.supported_versions.clone(),
        cipher_suites: h.cipher_suites.clone(),
        cipher_suite: h.cipher_suite,
        key_share_groups: h.key_share_groups.clone(),
        session_id: h.session_id.clone(),
        pre_shared_key: h.pre_shared_key,
        encrypted_client_hello: h.encrypted_client_hello,
        grease: h.grease.clone(),
        length: h.length,
        frames: h.frames.clone(),
        chain: h
            .certificates
            .iter()
            .map(|c| match c {
                crate::decode::tls::Certificate::Parsed(p) => {
                    Some((p.subject.clone(), p.issuer.clone()))
                }
                crate::decode::tls::Certificate::Unreadable { .. } => None,
            })
            .collect(),
    }
}

/// Segments sent again, duplicate ACKs and segments out of order on one
/// connection, with the first retransmissions matched to the segment they
/// repeat.
#[derive(Debug, Clone, Default)]
pub struct LossEvidence {
    /// Per direction (client, server).
    pub retransmissions: [u64; 2],
    pub fast_retransmissions: [u64; 2],
    pub spurious_retransmissions: [u64; 2],
    pub dup_acks: [u64; 2],
    pub out_of_order: [u64; 2],
    /// The first few retransmissions: the segment, and the earlier frame
    /// that carried the same bytes, when it is among the recent ones.
    pub repeats: Vec<Repeat>,
    /// Recent data segments per direction: (relative sequence, frame, time).
    recent: [VecDeque<(u32, u64, f64)>; 2],
}

#[derive(Debug, Clone)]
pub struct Repeat {
    pub seg: Seg,
    pub len: u32,
    pub kind: &'static str,
    pub original: Option<(u64, f64)>,
}

/// Retransmissions told per connection, and data segments remembered per
/// direction to find what a retransmission repeats.
const MAX_REPEATS: usize = 8;
const RECENT_SEGMENTS: usize = 32;

impl LossEvidence {
    pub fn any(&self) -> bool {
        self.retransmissions
            .iter()
            .chain(&self.dup_acks)
            .chain(&self.out_of_order)
            .any(|n| *n > 0)
    }

    fn observe(&mut self, t: &tcp::TcpInfo, seg: Seg, dir: usize) {
        let has = |name: TcpAnalysis| t.analysis.contains(&name);
        let rel = t.rel_seq.unwrap_or(t.seq);
        if has(TcpAnalysis::Retransmission) {
            self.retransmissions[dir] += 1;
            let kind = if has(TcpAnalysis::FastRetransmission) {
                self.fast_retransmissions[dir] += 1;
                "fast"
            } else if has(TcpAnalysis::SpuriousRetransmission) {
                self.spurious_retransmissions[dir] += 1;
                "spurious"
            } else {
                "timeout"
            };
            if self.repeats.len() < MAX_REPEATS {
                let original = self.recent[dir]
                    .iter()
                    .find(|(s, _, _)| *s == rel)
                    .map(|(_, f, ts)| (*f, *ts));
                self.repeats.push(Repeat {
                    seg,
                    len: t.payload_len,
                    kind,
                    original,
                });
            }
        } else if t.payload_len > 0 {
            let recent = &mut self.recent[dir];
            if recent.len() == RECENT_SEGMENTS {
                recent.pop_front();
            }
            recent.push_back((rel, seg.frame, seg.ts));
        }
        if has(TcpAnalysis::DupAck) {
            self.dup_acks[dir] += 1;
        }
        if has(TcpAnalysis::OutOfOrder) {
            self.out_of_order[dir] += 1;
        }
    }
}

/// A data segment of a transfer and the first ACK that covered it.
#[derive(Debug, Clone, Copy)]
pub struct DataSeg {
    pub seg: Seg,
    /// Sequence number relative to the sender's ISN (the first data byte
    /// is 1).
    pub rel_seq: u32,
    pub len: u32,
    /// Sent again: no RTT sample may be taken from it (RFC 6298 §3, Karn).
    pub retransmitted: bool,
    pub acked: Option<Seg>,
}

/// What a TCP transfer shows, for the `tcp_transfer` story: the first
/// data segments of each direction with their ACKs, the smallest window
/// each side advertised, and how much each new acknowledgement covered.
#[derive(Debug, Clone, Default)]
pub struct TransferEvidence {
    /// The first [`TRANSFER_SEGMENTS`] data segments per direction.
    pub data: [Vec<DataSeg>; 2],
    /// Smallest window each side advertised (scaled, RFC 7323 §2.3), with
    /// the frame; SYNs are not counted (their window is never scaled).
    pub min_window: [Option<(u64, u64)>; 2],
    /// ACKs that acknowledged new data, and the bytes they covered, per
    /// acknowledging side.
    pub new_acks: [u64; 2],
    pub bytes_acked: [u64; 2],
    last_ack: [Option<u32>; 2],
    /// First and last data segment times per direction.
    pub data_span: [Option<(f64, f64)>; 2],
    /// Data segments per direction (all of them).
    pub data_segments: [u64; 2],
    /// Largest segment per direction.
    pub max_len: [u32; 2],
    /// Times of the first [`TRANSFER_TIMES`] data segments per direction,
    /// for the segments sent per round trip.
    pub times: [Vec<f64>; 2],
}

/// Data segments per direction kept with their ACKs, and segment times
/// kept for counting segments per round trip.
pub const TRANSFER_SEGMENTS: usize = 12;
const TRANSFER_TIMES: usize = 512;

impl TransferEvidence {
    fn observe(&mut self, t: &tcp::TcpInfo, seg: Seg, dir: usize, shift: u8) {
        let other = 1 - dir;
        if t.has(tcp::ACK) {
            if let Some(ack) = t.rel_ack {
                for d in self.data[other].iter_mut() {
                    if d.acked.is_none() && ack >= d.rel_seq.wrapping_add(d.len) {
                        d.acked = Some(seg);
                    }
                }
                if let Some(prev) = self.last_ack[dir] {
                    if ack > prev && !t.has(tcp::SYN) {
                        self.new_acks[dir] += 1;
                        self.bytes_acked[dir] += u64::from(ack - prev);
                    }
                }
                if self.last_ack[dir].is_none_or(|p| ack > p) {
                    self.last_ack[dir] = Some(ack);
                }
            }
            if !t.has(tcp::SYN) && !t.has(tcp::RST) {
                let w = u64::from(t.window) << shift;
                if self.min_window[dir].is_none_or(|(m, _)| w < m) {
                    self.min_window[dir] = Some((w, seg.frame));
                }
            }
        }
        if t.payload_len == 0 {
            return;
        }
        let retransmitted = t.analysis.contains(&TcpAnalysis::Retransmission);
        self.data_segments[dir] += 1;
        self.max_len[dir] = self.max_len[dir].max(t.payload_len);
        self.data_span[dir] = Some(match self.data_span[dir] {
            Some((a, b)) => (a.min(seg.ts), b.max(seg.ts)),
            None => (seg.ts, seg.ts),
        });
        if self.times[dir].len() < TRANSFER_TIMES {
            self.times[dir].push(seg.ts);
        }
        if let Some(rel) = t.rel_seq {
            if let Some(d) = self.data[dir].iter_mut().find(|d| d.rel_seq == rel) {
                d.retransmitted = true;
            } else if self.data[dir].len() < TRANSFER_SEGMENTS {
                self.data[dir].push(DataSeg {
                    seg,
                    rel_seq: rel,
                    len: t.payload_len,
                    retransmitted,
                    acked: None,
                });
            }
        }
    }
}

/// WebSocket frames of a connection: the first few kept, all counted.
#[derive(Debug, Clone, Default)]
pub struct WsEvidence {
    pub frames: Vec<(Seg, WsFrame)>,
    /// Frames per direction (client, server).
    pub count: [u64; 2],
}

/// One TCP connection (or, with `quic`, one UDP 443 flow).
#[derive(Debug, Clone)]
pub struct Conn {
    pub stream: u64,
    /// The capture interface the connection was first seen on; copies of
    /// its packets seen on other interfaces (a capture on both sides of a
    /// router) are not counted twice.
    pub interface: u32,
    pub quic: bool,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub client_mac: Option<Mac>,
    /// Destination MAC of the client's first packet: the next hop.
    pub next_hop_mac: Option<Mac>,
    pub first: Seg,
    pub last_ts: f64,
    pub syns: Vec<Seg>,
    pub syn_ack: Option<Seg>,
    pub handshake_ack: Option<Seg>,
    pub client_isn: Option<u32>,
    pub server_isn: Option<u32>,
    /// QUIC: the version of the client's first Initial, and its
    /// Destination Connection ID (hex), from which Initial keys derive.
    pub quic_version: Option<String>,
    pub quic_dcid: Option<String>,
    /// QUIC 1-RTT (short-header) packets per direction (client, server):
    /// application data, but also acknowledgements and HTTP/3 control
    /// streams, which the encryption does not let us tell apart.
    pub quic_short: [u64; 2],
    /// Acknowledgement numbers of the SYN-ACK and of the third segment.
    pub syn_ack_ack: Option<u32>,
    pub third_ack: Option<u32>,
    pub syn_options: Option<TcpOptions>,
    pub syn_ack_options: Option<TcpOptions>,
    pub syn_window: u16,
    pub syn_ack_window: u16,
    pub packets: [u64; 2],
    pub payload_bytes: [u64; 2],
    /// First segment carrying payload, per direction (client, server).
    pub first_data: [Option<Seg>; 2],
    pub tls: Vec<TlsRec>,
    /// Frames of TLS application-data records, per direction (first few).
    pub app_data: [Vec<Seg>; 2],
    /// The length of each of those records, in the same order.
    pub app_data_len: [Vec<u16>; 2],
    pub app_data_count: [u64; 2],
    pub ccs: [Option<Seg>; 2],
    pub alerts: Vec<(Seg, String)>,
    pub http: Vec<HttpRec>,
    pub websocket: WsEvidence,
    pub fins: Vec<Seg>,
    pub rsts: Vec<Seg>,
    /// What TCP's analysis of the segments found: loss and its repair.
    pub loss: LossEvidence,
    pub transfer: TransferEvidence,
    /// The first segment from the other side after the first FIN: its
    /// acknowledgement, alone or together with that side's own FIN.
    pub fin_answer: Option<Seg>,
    /// The side that did not close first sent data after the first FIN.
    pub half_close_data: bool,
    /// The ACK that completed the close.
    pub last_ack: Option<Seg>,
    /// Frames the ladder should draw for this connection (bounded).
    pub frames: Vec<u64>,
}

impl Conn {
    fn new(stream: u64, quic: bool, client: (IpAddr, u16), server: (IpAddr, u16), s: Seg) -> Conn {
        Conn {
            stream,
            interface: 0,
            quic,
            client,
            server,
            client_mac: None,
            next_hop_mac: None,
            first: s,
            last_ts: s.ts,
            syns: Vec::new(),
            syn_ack: None,
            handshake_ack: None,
            client_isn: None,
            server_isn: None,
            quic_version: None,
            quic_dcid: None,
            quic_short: [0; 2],
            syn_ack_ack: None,
            third_ack: None,
            syn_options: None,
            syn_ack_options: None,
            syn_window: 0,
            syn_ack_window: 0,
            packets: [0; 2],
            payload_bytes: [0; 2],
            first_data: [None; 2],
            tls: Vec::new(),
            app_data: [Vec::new(), Vec::new()],
            app_data_len: [Vec::new(), Vec::new()],
            app_data_count: [0; 2],
            ccs: [None; 2],
            alerts: Vec::new(),
            http: Vec::new(),
            websocket: WsEvidence::default(),
            fins: Vec::new(),
            rsts: Vec::new(),
            loss: LossEvidence::default(),
            transfer: TransferEvidence::default(),
            fin_answer: None,
            half_close_data: false,
            last_ack: None,
            frames: Vec::new(),
        }
    }

    pub fn client_hello(&self) -> Option<&TlsRec> {
        self.tls
            .iter()
            .find(|t| t.hs.kind == HandshakeKind::ClientHello)
    }

    pub fn server_hello(&self) -> Option<&TlsRec> {
        self.tls
            .iter()
            .find(|t| t.hs.kind == HandshakeKind::ServerHello)
    }

    pub fn sni(&self) -> Option<&str> {
        self.client_hello().and_then(|c| c.hs.sni.as_deref())
    }

    pub fn first_request(&self) -> Option<&HttpRec> {
        self.http.iter().find(|h| h.msg.method.is_some())
    }

    pub fn is_tls(&self) -> bool {
        !self.tls.is_empty() || (!self.quic && self.server.1 == 443)
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
            let (proto, label) = label(p);
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
            });
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

    fn tcp(&mut self, p: &Packet, t: &tcp::TcpInfo, s: IpAddr, d: IpAddr, room: bool) {
        let Some(stream) = t.stream else { return };
        let (peers, side) = Peers::of_segment((s, t.src_port), (d, t.dst_port), t.from);
        let from_client = side == Side::Client;
        let seg = Seg {
            frame: p.frame,
            ts: p.ts,
            from_client,
        };
        let (client, server) = (peers.client, peers.server);
        if !self.conns.contains_key(&stream) {
            if !room {
                self.items_dropped += 1;
                return;
            }
            let mut c = Conn::new(stream, false, client, server, seg);
            c.interface = p.interface;
            self.conns.insert(stream, c);
        }
        let Some(c) = self.conns.get_mut(&stream) else {
            return;
        };
        if c.interface != p.interface {
            return;
        }
        let dir = usize::from(!from_client);
        c.last_ts = c.last_ts.max(p.ts);
        c.packets[dir] += 1;
        c.payload_bytes[dir] += u64::from(t.payload_len);
        if c.frames.len() < MAX_PER_CONN {
            c.frames.push(p.frame);
        }
        if let Some(e) = &p.eth {
            if from_client {
                c.client_mac.get_or_insert(e.src);
                c.next_hop_mac.get_or_insert(e.dst);
            }
        }
        if t.payload_len > 0 && c.first_data[dir].is_none() {
            c.first_data[dir] = Some(seg);
        }
        c.loss.observe(t, seg, dir);
        // RFC 7323 §2.2: the window is scaled only when both SYNs carried
        // the option, by the shift the sender announced.
        let shift = match (&c.syn_options, &c.syn_ack_options) {
            (Some(a), Some(b)) if a.wscale.is_some() && b.wscale.is_some() => {
                if from_client { a.wscale } else { b.wscale }
                    .unwrap_or(0)
                    .min(14)
            }
            _ => 0,
        };
        c.transfer.observe(t, seg, dir, shift);
        // RFC 9293 §3.5: the three-way handshake.
        if t.has(tcp::SYN) && !t.has(tcp::ACK) {
            c.syns.push(seg);
            c.client_isn.get_or_insert(t.seq);
            if c.syn_options.is_none() {
                c.syn_options = Some(t.options.clone());
                c.syn_window = t.window;
            }
        } else if t.has(tcp::SYN) && t.has(tcp::ACK) {
            if c.syn_ack.is_none() {
                c.syn_ack = Some(seg);
                c.server_isn = Some(t.seq);
                c.syn_ack_ack = Some(t.ack);
                c.syn_ack_options = Some(t.options.clone());
                c.syn_ack_window = t.window;
            }
        } else if t.role == Some(TcpRole::HandshakeAck) && c.handshake_ack.is_none() {
            c.handshake_ack = Some(seg);
            c.third_ack = Some(t.ack);
        }
        // RFC 9293 §3.6: closing, each direction by its own FIN.
        if let Some(first_fin) = c.fins.first() {
            if first_fin.from_client != from_client {
                c.fin_answer.get_or_insert(seg);
                if t.payload_len > 0 {
                    c.half_close_data = true;
                }
            }
        }
        if t.has(tcp::FIN) {
            c.fins.push(seg);
        }
        if t.has(tcp::RST) {
            c.rsts.push(seg);
        }
        if t.role == Some(TcpRole::LastAck) {
            c.last_ack = Some(seg);
        }
        if let Some(tls) = &p.tls {
            for r in &tls.records {
                match r.content_type {
                    ContentType::ApplicationData => {
                        c.app_data_count[dir] += 1;
                        if c.app_data[dir].len() < 64 {
                            c.app_data[dir].push(seg);
                            c.app_data_len[dir].push(r.length);
                        }
                    }
                    ContentType::ChangeCipherSpec => {
                        c.ccs[dir].get_or_insert(seg);
                    }
                    _ => {}
                }
            }
            for h in &tls.handshakes {
                if c.tls.len() < MAX_PER_CONN {
                    c.tls.push(TlsRec {
                        seg,
                        hs: story_view(h),
                    });
                }
            }
            for a in &tls.alerts {
                if c.alerts.len() < MAX_PER_CONN {
                    c.alerts
                        .push((seg, format!("{} {}", a.level, a.description)));
                }
            }
        }
        for h in &p.http {
            if c.http.len() < MAX_PER_CONN {
                c.http.push(HttpRec {
                    seg,
                    msg: h.clone(),
                });
            }
        }
        for f in &p.websocket {
            let side = usize::from(!seg.from_client);
            c.websocket.count[side] += 1;
            if c.websocket.frames.len() < MAX_PER_CONN {
                c.websocket.frames.push((seg, f.clone()));
            }
        }
    }

    fn quic(&mut self, p: &Packet, src: (IpAddr, u16), dst: (IpAddr, u16), room: bool) {
        // Port 443 names the server; on any other port, the side that sent
        // a flow's first packet is its client (RFC 9000 §7: the client's
        // Initial opens the connection).
        let from_client = if dst.1 == 443 {
            true
        } else if src.1 == 443 {
            false
        } else {
            !self.quic_flows.contains_key(&(dst, src))
        };
        let (client, server) = if from_client { (src, dst) } else { (dst, src) };
        let seg = Seg {
            frame: p.frame,
            ts: p.ts,
            from_client,
        };
        let next = QUIC_BASE + self.quic_flows.len() as u64;
        let id = match self.quic_flows.get(&(client, server)) {
            Some(id) => *id,
            None if room => {
                self.quic_flows.insert((client, server), next);
                self.conns
                    .insert(next, Conn::new(next, true, client, server, seg));
                next
            }
            None => {
                self.items_dropped += 1;
                return;
            }
        };
        if let Some(c) = self.conns.get_mut(&id) {
            let dir = usize::from(!from_client);
            c.last_ts = c.last_ts.max(p.ts);
            c.packets[dir] += 1;
            c.payload_bytes[dir] +=
                u64::from(p.udp.as_ref().map_or(0, |u| u.length)).saturating_sub(8);
            if c.frames.len() < MAX_PER_CONN {
                c.frames.push(p.frame);
            }
            if from_client {
                if let Some(e) = &p.eth {
                    c.client_mac.get_or_insert(e.src);
                    c.next_hop_mac.get_or_insert(e.dst);
                }
            }
            if c.first_data[dir].is_none() {
                c.first_data[dir] = Some(seg);
            }
            for q in p.quic.as_deref().into_iter().chain(&p.quic_more) {
                if from_client && q.long_type == Some(LongType::Initial) && c.quic_version.is_none()
                {
                    c.quic_version = q.version.clone();
                    c.quic_dcid = q.dcid.clone();
                }
                // RFC 9001 §4: the hellos travel in CRYPTO frames of
                // Initial packets; the rest of the handshake in Handshake
                // packets, encrypted, the way TLS 1.3 over TCP sends it in
                // encrypted records.
                for h in &q.handshakes {
                    if c.tls.len() < MAX_PER_CONN {
                        c.tls.push(TlsRec {
                            seg,
                            hs: story_view(h),
                        });
                    }
                }
                if q.long_type == Some(LongType::Handshake) && c.tls.len() < MAX_PER_CONN {
                    c.tls.push(TlsRec {
                        seg,
                        hs: HandshakeSummary {
                            kind: HandshakeKind::EncryptedHandshakeMessage,
                            length: u32::try_from(q.length.unwrap_or(0)).unwrap_or(u32::MAX),
                            frames: vec![p.frame],
                            ..HandshakeSummary::default()
                        },
                    });
                }
                // RFC 9000 §17.3: 1-RTT packets carry the application's
                // data, and acknowledgements; they are not counted as
                // application-data records, which would pass every ACK off
                // as a request or response.
                if q.header == HeaderForm::Short {
                    c.quic_short[dir] += 1;
                }
            }
        }
    }

    fn push_arp(&mut self, a: ArpRec) {
        let i = self.arp.len();
        self.arp_by_ip.entry(a.sender_ip).or_default().push(i);
        self.arp_by_mac.entry(a.sender_mac).or_default().push(i);
        self.arp.push(a);
    }

    fn push_dns(&mut self, d: DnsRec) {
        let i = self.dns.len();
        let (host, mac) = if d.msg.response {
            (d.dst, d.dst_mac)
        } else {
            (d.src, d.src_mac)
        };
        if self.dns.last().is_some_and(|last| last.ts > d.ts) {
            self.dns_out_of_time_order = true;
        }
        self.dns_by_host.entry(host).or_default().push(i);
        if let Some(m) = mac {
            self.dns_by_mac.entry(m).or_default().push(i);
        }
        if d.msg.response {
            for a in &d.msg.answers {
                if let Some(addr) = a.addr() {
                    let list = self.dns_by_answer.entry(addr).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        self.dns.push(d);
    }

    /// Indices of the DNS messages sent or received by a host, known by
    /// its address and, where the capture has it, its MAC; in order.
    pub fn dns_of(&self, host: IpAddr, mac: Option<Mac>) -> Vec<usize> {
        let mut v: Vec<usize> = self.dns_by_host.get(&host).cloned().unwrap_or_default();
        if let Some(m) = mac.and_then(|m| self.dns_by_mac.get(&m)) {
            v.extend(m);
            v.sort_unstable();
            v.dedup();
        }
        v
    }

    pub fn frame(&self, n: u64) -> Option<&FrameRec> {
        let i = self.frames.partition_point(|f| f.frame < n);
        self.frames.get(i).filter(|f| f.frame == n)
    }
}

/// A short label for the ladder, and the protocol it belongs to. Labels
/// use protocol terms, the same in every language.
fn label(p: &Packet) -> (&'static str, FrameLabel) {
    if let Some(a) = &p.arp {
        return if a.op == ArpOp::Reply {
            (
                "arp",
                FrameLabel::from(format!("ARP {} is-at {}", a.sender_ip, a.sender_mac)),
            )
        } else {
            (
                "arp",
                FrameLabel::from(format!("ARP who-has {}", a.target_ip)),
            )
        };
    }
    if let Some(n) = &p.ndp {
        let what = match n.kind {
            NdpKind::NeighborSolicitation => "NS",
            NdpKind::NeighborAdvertisement => "NA",
            NdpKind::RouterSolicitation => "RS",
            NdpKind::RouterAdvertisement => "RA",
        };
        let target = n.target.map(|t| format!(" {t}")).unwrap_or_default();
        return ("ndp", FrameLabel::from(format!("{what}{target}")));
    }
    if let Some(d) = &p.dns {
        let q = d
            .questions
            .first()
            .map(|q| format!("{} {}", q.qtype, q.name))
            .unwrap_or_default();
        let text = if d.response {
            let first = d
                .answers
                .iter()
                .find(|a| a.rtype.is_address())
                .or(d.answers.first())
                .map(|a| format!(" {} {}", a.rtype, a.data))
                .unwrap_or_default();
            format!("DNS {} {q}{first}", d.rcode)
        } else {
            format!("DNS query {q}")
        };
        return ("dns", FrameLabel::from(text));
    }
    if let Some(h) = p.http.first() {
        let text = match (&h.method, h.status) {
            (Some(m), _) => format!("{m} {}", h.target.as_deref().unwrap_or("")),
            (None, Some(s)) => format!("{} {s} {}", h.version, h.reason.as_deref().unwrap_or("")),
            _ => "HTTP".to_string(),
        };
        return ("http", FrameLabel::from(text));
    }
    if let Some(t) = &p.tls {
        let names: Vec<String> = if t.handshakes.is_empty() {
            t.records
                .iter()
                .map(|r| r.content_type.to_string())
                .collect()
        } else {
            t.handshakes.iter().map(|h| h.kind.to_string()).collect()
        };
        if !names.is_empty() {
            let mut text = format!("TLS {}", names.join(", "));
            if let Some(sni) = t.handshakes.iter().find_map(|h| h.sni.as_ref()) {
                text.push_str(&format!(" SNI={sni}"));
            }
            return ("tls", FrameLabel::from(text));
        }
    }
    if let Some(t) = &p.tcp {
        return (
            "tcp",
            FrameLabel::Tcp {
                flags: t.flags,
                len: t.payload_len,
            },
        );
    }
    if let Some(q) = &p.quic {
        let mut kinds: Vec<&str> = Vec::new();
        for q in std::iter::once(&**q).chain(&p.quic_more) {
            let kind = q.kind().label();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let mut text = format!("QUIC {}", kinds.join("+"));
        for h in p
            .quic
            .as_deref()
            .into_iter()
            .chain(&p.quic_more)
            .flat_map(|q| &q.handshakes)
        {
            text.push_str(&format!(", {}", h.kind));
            if let Some(sni) = &h.sni {
                text.push_str(&format!(" SNI={sni}"));
            }
        }
        return ("quic", FrameLabel::from(text));
    }
    if let Some(u) = &p.udp {
        if u.dst_port == 443 || u.src_port == 443 {
            return (
                "quic",
                FrameLabel::from(format!("UDP {} B", u.length.saturating_sub(8))),
            );
        }
        return (
            "udp",
            FrameLabel::from(format!("UDP {}→{}", u.src_port, u.dst_port)),
        );
    }
    if let Some(i) = &p.icmp {
        return ("icmp", FrameLabel::from(i.summary.clone()));
    }
    ("other", FrameLabel::Text(Box::default()))
}
