//! State across frames: TCP conversations (who is client, ISNs, the
//! handshake and teardown), per-direction stream reassembly in sequence
//! order, the application decoders fed from it (DNS over TCP, TLS, HTTP/1.x)
//! and DNS query/response matching.
//!
//! Everything that grows with the input is bounded by [`Limits`]; what a
//! bound drops is counted in [`FlowStats`], never hidden.

pub mod analysis;
pub mod conversations;
pub mod quic;
mod reassembly;

use crate::decode::dns::{self, DnsMessage, DnsTcpStream};
use crate::decode::http::{self, HttpConn, HttpOutput, HttpStream};
use crate::decode::tcp::{ACK, FIN, RST, SYN};
use crate::decode::tls::{self, TlsInfo, TlsStream};
use crate::decode::Packet;
use analysis::{Analyzer, Flags, Segment, Sides};
use foldhash::HashMap;
use reassembly::{Delivery, Reassembler};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Bounds on the state kept across frames.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// TCP conversations tracked at once.
    pub max_conversations: usize,
    /// Out-of-order bytes held per direction while waiting for a hole.
    pub max_stream_buffer: usize,
    /// Bytes held for reassembly across all conversations.
    pub max_total_buffer: usize,
    /// DNS queries waiting for their response.
    pub max_pending_dns: usize,
    /// The largest TLS handshake message reassembled.
    pub max_tls_message: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_conversations: 50_000,
            max_stream_buffer: 1 << 20,
            max_total_buffer: 256 << 20,
            max_pending_dns: 65_536,
            max_tls_message: 256 << 10,
        }
    }
}

/// What the flow layer counted, including everything a bound dropped.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FlowStats {
    pub tcp_conversations: u64,
    /// Conversations dropped from the table because it was full.
    pub conversations_evicted: u64,
    /// Segments flagged "out_of_order" by the TCP analysis.
    pub out_of_order_segments: u64,
    /// Segments flagged "retransmission", "fast_retransmission" or
    /// "spurious_retransmission" by the TCP analysis.
    pub retransmitted_segments: u64,
    /// Segments flagged "dup_ack".
    pub duplicate_acks: u64,
    /// Segments flagged "zero_window".
    pub zero_windows: u64,
    /// Bytes not reassembled because a per-stream or total bound was hit.
    pub bytes_dropped_at_bounds: u64,
    /// Directions whose application decoding stopped at a hole that was
    /// never filled, or bytes the capture did not hold.
    pub stream_gaps: u64,
    pub dns_queries: u64,
    pub dns_responses_matched: u64,
    /// DNS queries not remembered because too many were pending.
    pub dns_pending_dropped: u64,
    /// QUIC connections, decrypted Initials, and what QUIC's bounds dropped.
    pub quic: quic::QuicStats,
}

/// How many frames a conversation may run ahead of its place in the idle
/// index before it is filed again.
const REINDEX_FRAMES: u64 = 1024;

/// Endpoint: address and port.
pub type Endpoint = (IpAddr, u16);

/// Application decoder of one direction, chosen from its first bytes.
enum App {
    Undecided,
    Dns(DnsTcpStream),
    Tls(TlsStream),
    Http(HttpStream),
    /// Not a protocol decoded here, or decoding stopped.
    None,
}

impl App {
    fn buffered(&self) -> usize {
        match self {
            App::Dns(d) => d.buffered(),
            App::Tls(t) => t.buffered(),
            App::Http(h) => h.buffered(),
            App::Undecided | App::None => 0,
        }
    }

    fn gap(&mut self, errors: &mut Vec<String>) {
        match self {
            App::Dns(d) => d.gap(errors),
            App::Tls(t) => t.gap(errors),
            App::Http(h) => h.gap(errors),
            App::Undecided | App::None => {}
        }
        *self = App::None;
    }
}

/// One direction of a TCP conversation.
struct Direction {
    /// Base for relative numbers: the ISN, or the first sequence number
    /// seen when the SYN was not captured.
    base: Option<u32>,
    /// Sequence number of this side's SYN (its ISN), when seen.
    isn: Option<u32>,
    /// Sequence number of this side's FIN, when seen.
    fin_seq: Option<u32>,
    reassembly: Reassembler,
    app: App,
}

impl Direction {
    fn new() -> Direction {
        Direction {
            base: None,
            isn: None,
            fin_seq: None,
            reassembly: Reassembler::new(),
            app: App::Undecided,
        }
    }
}

/// TCP conversation as seen from the wire.
struct Conn {
    stream: u64,
    client: Endpoint,
    /// [client → server, server → client]
    dirs: [Direction; 2],
    handshake_done: bool,
    /// The side that sent the first FIN (0 client, 1 server).
    first_fin: Option<usize>,
    reset: bool,
    /// HTTP/1.x state the two directions share.
    http: HttpConn,
    last_frame: u64,
    /// The frame under which the conversation is filed in the idle index,
    /// and in which half (open or closed). Re-filed only every
    /// [`REINDEX_FRAMES`] frames or when it closes, so a busy conversation
    /// does not touch the index on every segment; eviction checks
    /// `last_frame` before it believes the index.
    indexed: u64,
    indexed_closed: bool,
    /// Wireshark-style analysis of each segment.
    analysis: Analyzer,
    /// Both ends' RFC 9293 states.
    sides: Sides,
}

impl Conn {
    fn closed(&self) -> bool {
        self.reset || (self.dirs[0].fin_seq.is_some() && self.dirs[1].fin_seq.is_some())
    }
}

/// Key of a DNS transaction: client endpoint, server endpoint, id.
type DnsKey = (Endpoint, Endpoint, u16);

type ConnKey = (Endpoint, Endpoint);

pub struct Tracker {
    limits: Limits,
    /// Boxed: a conversation is large, and the table moves its entries.
    conns: HashMap<ConnKey, Box<Conn>>,
    /// Conversations by the frame that last touched them, open and closed
    /// apart, so that making room evicts a closed one, else the one idle
    /// the longest, without scanning the table.
    idle_open: BTreeMap<u64, ConnKey>,
    idle_closed: BTreeMap<u64, ConnKey>,
    next_stream: u64,
    pending_dns: HashMap<DnsKey, (f64, u64)>,
    /// Bytes currently held by reassembly and application decoders.
    held: usize,
    stats: FlowStats,
    quic: quic::QuicTracker,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new(Limits::default())
    }
}

fn conn_key(a: Endpoint, b: Endpoint) -> (Endpoint, Endpoint) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Tracker {
    pub fn new(limits: Limits) -> Tracker {
        Tracker {
            limits,
            conns: HashMap::default(),
            idle_open: BTreeMap::new(),
            idle_closed: BTreeMap::new(),
            next_stream: 0,
            pending_dns: HashMap::default(),
            held: 0,
            stats: FlowStats::default(),
            quic: quic::QuicTracker::default(),
        }
    }

    pub fn stats(&self) -> &FlowStats {
        &self.stats
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Bytes held now for reassembly and application decoding.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Adds what only the flow knows to a decoded packet: TCP relative
    /// numbers, roles, analysis and states, reassembled DNS/TLS/HTTP, DNS
    /// latency. The time of the frame is taken from `packet.ts`; prefer
    /// [`Tracker::process_at`] with the capture's own timestamp.
    pub fn process(&mut self, packet: &mut Packet, payload: &[u8]) {
        let ts_ns = (packet.ts * 1e9).round() as i64;
        self.process_at(packet, payload, ts_ns);
    }

    /// As [`Tracker::process`], with the frame's time in nanoseconds since
    /// the epoch, exactly as captured (the TCP analysis compares delays of
    /// microseconds, finer than `packet.ts` can hold).
    pub fn process_at(&mut self, packet: &mut Packet, payload: &[u8], ts_ns: i64) {
        if packet.tcp.is_some() {
            self.tcp(packet, payload, ts_ns);
        } else if packet.udp.is_some() {
            self.quic.process(packet, payload);
            self.stats.quic = self.quic.stats().clone();
        }
        let mut dns = packet.dns.take();
        if let Some(m) = dns.as_mut() {
            self.match_dns(packet, m);
        }
        packet.dns = dns;
        let mut more = std::mem::take(&mut packet.dns_more);
        for m in &mut more {
            self.match_dns(packet, m);
        }
        packet.dns_more = more;
    }

    /// RFC 1035 §7.3: a response matches the query with the same id sent
    /// from the endpoint it is addressed to, to the endpoint it comes from.
    fn match_dns(&mut self, packet: &Packet, m: &mut DnsMessage) {
        let (Some(ip), Some((sport, dport))) = (&packet.ip, packet.ports()) else {
            return;
        };
        let src = (ip.src, sport);
        let dst = (ip.dst, dport);
        if !m.response {
            self.stats.dns_queries += 1;
            if self.pending_dns.len() >= self.limits.max_pending_dns {
                self.stats.dns_pending_dropped += 1;
                return;
            }
            self.pending_dns
                .entry((src, dst, m.id))
                .or_insert((packet.ts, packet.frame));
        } else if let Some((ts, frame)) = self.pending_dns.remove(&(dst, src, m.id)) {
            self.stats.dns_responses_matched += 1;
            m.latency_ms = Some(((packet.ts - ts) * 1000.0 * 1000.0).round() / 1000.0);
            m.query_frame = Some(frame);
        }
    }

    fn tcp(&mut self, packet: &mut Packet, payload: &[u8], ts_ns: i64) {
        let (Some(ip), Some(tcp)) = (&packet.ip, &packet.tcp) else {
            return;
        };
        // A fragment's length is not the segment's: no sequence analysis.
        let fragment = ip.fragment;
        let src = (ip.src, tcp.src_port);
        let dst = (ip.dst, tcp.dst_port);
        let key = conn_key(src, dst);
        let syn_only = tcp.has(SYN) && !tcp.has(ACK);

        // RFC 9293 §3.10.7.4: a new SYN on a closed conversation with a
        // different ISN starts a new incarnation of the 4-tuple.
        let restart = syn_only
            && self.conns.get(&key).is_some_and(|c| {
                c.closed() && c.dirs[if c.client == src { 0 } else { 1 }].isn != Some(tcp.seq)
            });
        if restart {
            if let Some(old) = self.conns.remove(&key) {
                self.forget(&old);
                self.release(&old);
            }
        }
        if !self.conns.contains_key(&key) {
            self.make_room();
            let client = guess_client(src, dst, tcp.flag_bits);
            let stream = self.next_stream;
            self.next_stream += 1;
            self.stats.tcp_conversations += 1;
            self.conns.insert(
                key,
                Box::new(Conn {
                    stream,
                    client,
                    dirs: [Direction::new(), Direction::new()],
                    handshake_done: false,
                    first_fin: None,
                    reset: false,
                    http: HttpConn::default(),
                    last_frame: packet.frame,
                    indexed: packet.frame,
                    indexed_closed: false,
                    analysis: Analyzer::new(),
                    sides: Sides::new(),
                }),
            );
            self.idle_open.insert(packet.frame, key);
        }
        let Some(conn) = self.conns.get_mut(&key) else {
            return;
        };
        conn.last_frame = packet.frame;
        let d = if conn.client == src { 0 } else { 1 };
        let held_before = held_by(conn);
        let mut errors = Vec::new();
        let mut tls_out = TlsInfo::default();
        let mut dns_out = Vec::new();
        let mut http_out = HttpOutput::default();
        {
            let tcp = packet.tcp.as_mut().expect("checked above");
            tcp.stream = Some(conn.stream);
            tcp.from = Some(if d == 0 { "client" } else { "server" });
            let seq = tcp.seq;
            let flags = tcp.flag_bits;
            let has = |b: u8| flags & b == b;

            // Relative numbers and roles.
            let role = classify(conn, d, tcp.seq, tcp.ack, flags);
            let dir = &mut conn.dirs[d];
            if has(SYN) {
                if dir.isn.is_none() {
                    dir.isn = Some(seq);
                    dir.base = Some(seq);
                }
            } else if dir.base.is_none() {
                dir.base = Some(seq);
            }
            tcp.rel_seq = dir.base.map(|b| seq.wrapping_sub(b));
            if has(ACK) {
                tcp.rel_ack = conn.dirs[1 - d].base.map(|b| tcp.ack.wrapping_sub(b));
            }
            tcp.role = role;
            if has(RST) {
                conn.reset = true;
            }

            let segment = Segment {
                seq,
                ack: tcp.ack,
                len: tcp.payload_len,
                flags,
                window: tcp.window,
                wscale: tcp.options.wscale,
            };
            if !fragment {
                // A SYN with a new ISN on a conversation not seen closing:
                // the old connection is gone (its end was not captured);
                // sequence analysis and states start again.
                if conn.analysis.is_new_incarnation(d, &segment) {
                    conn.analysis = Analyzer::new();
                    conn.sides = Sides::new();
                }
                let verdict = conn.analysis.segment(d, &segment, packet.frame, ts_ns);
                let f = verdict.flags;
                self.stats.out_of_order_segments += u64::from(f.has(Flags::OUT_OF_ORDER));
                self.stats.retransmitted_segments += u64::from(f.any_retransmission());
                self.stats.duplicate_acks += u64::from(f.has(Flags::DUP_ACK));
                self.stats.zero_windows += u64::from(f.has(Flags::ZERO_WINDOW));
                tcp.analysis = f.names();
                if let Some((of, n)) = verdict.dup_ack {
                    tcp.dup_ack_of = Some(of);
                    tcp.dup_ack_number = Some(n);
                }
            }
            conn.sides.segment(d, &segment);
            tcp.state = conn.sides.states[d].name();
            tcp.sides = Some(conn.sides.states);

            // Reassembly: data starts after the SYN's sequence number.
            let dir = &mut conn.dirs[d];
            let data_seq = if has(SYN) { seq.wrapping_add(1) } else { seq };
            if !dir.reassembly.started() && (has(SYN) || tcp.payload_len > 0) {
                dir.reassembly.start(data_seq);
            }
            let wire_len = tcp.payload_len;
            let delivery = if wire_len > 0 {
                let keep = !matches!(dir.app, App::None);
                dir.reassembly.segment(
                    data_seq,
                    &payload[..payload.len().min(wire_len as usize)],
                    wire_len,
                    packet.frame,
                    keep,
                    self.limits.max_stream_buffer,
                    self.limits
                        .max_total_buffer
                        .saturating_sub(self.held)
                        .saturating_add(dir.reassembly.held()),
                )
            } else {
                Delivery::default()
            };
            if has(FIN) && dir.fin_seq.is_none() {
                dir.fin_seq = Some(seq.wrapping_add(wire_len));
                if conn.first_fin.is_none() {
                    conn.first_fin = Some(d);
                }
            }
            // The peer acknowledging bytes that were never captured means
            // the hole will not be filled.
            if has(ACK) {
                let ack = tcp.ack;
                let peer = &mut conn.dirs[1 - d];
                if peer.reassembly.hole_acked(ack) {
                    self.stats.stream_gaps += 1;
                    peer.app.gap(&mut errors);
                    let late = peer.reassembly.skip_hole();
                    feed_app(
                        peer,
                        &mut conn.http,
                        &late,
                        &mut tls_out,
                        &mut dns_out,
                        &mut http_out,
                        &mut errors,
                        self.limits.max_tls_message,
                    );
                }
            }
            let dir = &mut conn.dirs[d];
            self.stats.bytes_dropped_at_bounds += delivery.dropped;
            if delivery.dropped > 0 {
                errors.push(format!(
                    "TCP: {} bytes not reassembled (stream or total buffer bound reached)",
                    delivery.dropped
                ));
                dir.app.gap(&mut errors);
            }
            if !delivery.chunks.is_empty() && matches!(dir.app, App::Undecided) {
                let first = &delivery.chunks[0].data;
                dir.app = choose_app(
                    tcp.src_port,
                    tcp.dst_port,
                    first,
                    self.limits.max_tls_message,
                );
            }
            feed_app(
                dir,
                &mut conn.http,
                &delivery.chunks,
                &mut tls_out,
                &mut dns_out,
                &mut http_out,
                &mut errors,
                self.limits.max_tls_message,
            );
            if delivery.gap {
                self.stats.stream_gaps += 1;
                dir.app.gap(&mut errors);
            }
        }
        let held_after = held_by(conn);
        self.held = (self.held + held_after).saturating_sub(held_before);
        let closed = conn.closed();
        if closed != conn.indexed_closed || packet.frame - conn.indexed >= REINDEX_FRAMES {
            if conn.indexed_closed {
                self.idle_closed.remove(&conn.indexed);
            } else {
                self.idle_open.remove(&conn.indexed);
            }
            if closed {
                self.idle_closed.insert(packet.frame, key);
            } else {
                self.idle_open.insert(packet.frame, key);
            }
            conn.indexed = packet.frame;
            conn.indexed_closed = closed;
        }
        packet.errors.append(&mut errors);
        packet.tls_record_start = tls_out.starts_record;
        if !tls_out.is_empty() {
            packet.tls = Some(tls_out);
        }
        packet.http = http_out.messages;
        packet.websocket = http_out.websocket;
        let mut dns_iter = dns_out.into_iter();
        if let Some(first) = dns_iter.next() {
            packet.dns = Some(Box::new(first));
            packet.dns_more = dns_iter.collect();
        }
    }

    /// Keeps the table under its bound: closed conversations go first,
    /// then the one idle the longest.
    fn make_room(&mut self) {
        if self.conns.len() < self.limits.max_conversations {
            return;
        }
        // The index may be behind: a conversation filed under an old frame
        // that has been active since is filed again under its last frame
        // and the search goes on. Each is re-filed at most once.
        while let Some((filed, k)) = self
            .idle_closed
            .pop_first()
            .or_else(|| self.idle_open.pop_first())
        {
            let Some(conn) = self.conns.get_mut(&k) else {
                continue;
            };
            if conn.last_frame > filed {
                let closed = conn.closed();
                conn.indexed = conn.last_frame;
                conn.indexed_closed = closed;
                if closed {
                    self.idle_closed.insert(conn.last_frame, k);
                } else {
                    self.idle_open.insert(conn.last_frame, k);
                }
                continue;
            }
            if let Some(old) = self.conns.remove(&k) {
                self.release(&old);
                self.stats.conversations_evicted += 1;
            }
            break;
        }
    }

    fn forget(&mut self, conn: &Conn) {
        self.idle_open.remove(&conn.indexed);
        self.idle_closed.remove(&conn.indexed);
    }

    fn release(&mut self, conn: &Conn) {
        self.held = self.held.saturating_sub(held_by(conn));
    }
}

fn held_by(conn: &Conn) -> usize {
    conn.dirs
        .iter()
        .map(|d| d.reassembly.held() + d.app.buffered())
        .sum()
}

/// Which end opened the conversation: the sender of a lone SYN, the
/// receiver of a SYN-ACK; mid-stream, the side on the higher (ephemeral)
/// port, else the first sender.
fn guess_client(src: Endpoint, dst: Endpoint, flags: u8) -> Endpoint {
    let has = |b: u8| flags & b == b;
    let syn_ack = has(SYN) && has(ACK);
    if has(SYN) && !has(ACK) {
        src
    } else if syn_ack || (src.1 < 1024 && dst.1 >= 1024) {
        dst
    } else {
        src
    }
}

/// The segment's part in the conversation (RFC 9293 §3.5 and §3.6).
fn classify(conn: &mut Conn, d: usize, seq: u32, ack: u32, flags: u8) -> Option<&'static str> {
    let has = |b: u8| flags & b == b;
    if has(RST) {
        return Some("reset");
    }
    if has(SYN) && !has(ACK) {
        return Some(match conn.dirs[d].isn {
            Some(isn) if isn == seq => "syn retransmission",
            _ => "handshake 1/3",
        });
    }
    if has(SYN) && has(ACK) {
        return Some(match conn.dirs[d].isn {
            Some(isn) if isn == seq => "syn-ack retransmission",
            _ => "handshake 2/3",
        });
    }
    if has(FIN) {
        let me = &conn.dirs[d];
        if me.fin_seq.is_some() {
            return Some("fin retransmission");
        }
        return Some(if conn.first_fin.is_none() {
            "close (first FIN)"
        } else {
            "close (second FIN)"
        });
    }
    // The client's first ACK of the server's ISN + 1 completes the
    // three-way handshake (§3.5).
    if d == 0 && !conn.handshake_done && has(ACK) {
        if let Some(server_isn) = conn.dirs[1].isn {
            if ack == server_isn.wrapping_add(1) {
                conn.handshake_done = true;
                return Some("handshake 3/3");
            }
        }
    }
    // The ACK of the second FIN, from the side that closed first (§3.6).
    if has(ACK) && conn.first_fin == Some(d) {
        if let Some(peer_fin) = conn.dirs[1 - d].fin_seq {
            if ack == peer_fin.wrapping_add(1) && conn.dirs[d].fin_seq.is_some() {
                return Some("close (last ACK)");
            }
        }
    }
    None
}

fn choose_app(sport: u16, dport: u16, first: &[u8], max_tls: usize) -> App {
    if dns::is_dns_port(sport) == Some(dns::DnsProtocol::Dns)
        || dns::is_dns_port(dport) == Some(dns::DnsProtocol::Dns)
    {
        App::Dns(DnsTcpStream::new(u16::MAX as usize + 2))
    } else if tls::looks_like_tls(first) {
        App::Tls(TlsStream::new(max_tls))
    } else if http::looks_like_http(first) {
        // The side whose first bytes are a status line is the server.
        App::Http(HttpStream::new(!first.starts_with(b"HTTP/")))
    } else {
        App::None
    }
}

#[allow(clippy::too_many_arguments)]
fn feed_app(
    dir: &mut Direction,
    http_conn: &mut HttpConn,
    chunks: &[reassembly::Chunk],
    tls_out: &mut TlsInfo,
    dns_out: &mut Vec<DnsMessage>,
    http_out: &mut HttpOutput,
    errors: &mut Vec<String>,
    _max_tls: usize,
) {
    for chunk in chunks {
        match &mut dir.app {
            App::Dns(d) => d.feed(&chunk.data, dns_out, errors),
            App::Tls(t) => t.feed(&chunk.data, chunk.frame, tls_out, errors),
            App::Http(h) => h.feed(&chunk.data, chunk.frame, http_conn, http_out, errors),
            App::Undecided | App::None => {}
        }
    }
}
