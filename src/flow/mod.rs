//! State across frames: TCP conversations (who is client, decided once in
//! [`client`]; ISNs, the handshake and teardown, in [`tcp`]), per-direction
//! stream reassembly in sequence order, the application decoders fed from
//! it behind one seam (DNS over TCP, TLS, HTTP/1.x, WebSocket, in
//! [`streams`]) and DNS query/response matching.
//!
//! Everything that grows with the input is bounded by [`Limits`]; what a
//! bound drops is counted in [`FlowStats`], never hidden.

pub mod analysis;
pub mod client;
pub mod conversations;
pub mod decrypt;
pub mod defrag;
pub mod quic;
mod quic_app;
mod reassembly;
mod streams;
mod tcp;

use crate::decode::dns::DnsMessage;
use crate::decode::Packet;
use foldhash::HashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use tcp::Conn;

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
            // With 50,000 conversations of state (about 30 MB), 64 MiB
            // held keeps `packets` and `conversations` under 150 MB.
            max_total_buffer: 64 << 20,
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
    /// IP datagrams reassembled from fragments, and what reassembly gave up.
    #[serde(skip_serializing_if = "defrag::DefragStats::is_empty")]
    pub fragments: defrag::DefragStats,
    /// TLS decryption with the key log (absent when no key log was given).
    #[serde(skip_serializing_if = "decrypt::DecryptStats::is_empty")]
    pub decrypt: decrypt::DecryptStats,
}

/// How many frames a conversation may run ahead of its place in the idle
/// index before it is filed again.
const REINDEX_FRAMES: u64 = 1024;

/// Endpoint: address and port.
pub type Endpoint = (IpAddr, u16);

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
    /// IP fragments waiting for the rest of their datagram.
    defrag: defrag::IpDefrag,
    /// The user's key log, when one was given (`--keylog` or the
    /// capture's Decryption Secrets Block).
    keys: Option<Arc<decrypt::KeyLog>>,
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
            defrag: defrag::IpDefrag::default(),
            keys: None,
        }
    }

    /// Gives the tracker the user's key log; connections whose client
    /// random it names are decrypted from then on.
    pub fn set_keys(&mut self, keys: Arc<decrypt::KeyLog>) {
        self.quic.set_keys(keys.clone());
        self.keys = Some(keys);
    }

    /// The key log in use, if any (the QUIC tracker reads its secrets too).
    pub fn keys(&self) -> Option<&Arc<decrypt::KeyLog>> {
        self.keys.as_ref()
    }

    pub fn stats(&self) -> &FlowStats {
        &self.stats
    }

    /// Lends out the IP reassembler for decoding one frame (the decoded
    /// payload may borrow it while the tracker takes the frame); give it
    /// back with [`Tracker::restore_defragmenter`].
    pub fn take_defragmenter(&mut self) -> defrag::IpDefrag {
        std::mem::take(&mut self.defrag)
    }

    /// Takes the IP reassembler back after a frame.
    pub fn restore_defragmenter(&mut self, defrag: defrag::IpDefrag) {
        self.stats.fragments = defrag.stats();
        self.defrag = defrag;
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
        self.held = self.held.saturating_sub(conn.held());
    }
}
