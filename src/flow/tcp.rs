//! One TCP segment through the tracker, in named steps: find or open its
//! conversation (a new SYN on a closed one starts a new incarnation,
//! RFC 9293 §3.10.7.4), number it relative to the ISNs and name its role
//! in the handshake and close (§3.5, §3.6), run the Wireshark-style
//! analysis and the state machine (§3.3.2), reassemble the direction
//! (§3.4) and feed its decoder, and file the conversation for eviction.

use super::analysis::{Analyzer, Flags, Segment, Sides};
use super::client::Peers;
use super::reassembly::{Bounds, Delivery, Incoming, Reassembler};
use super::streams::{Decoder, FeedCtx};
use super::{ConnKey, Endpoint, FlowStats, Limits, Tracker, REINDEX_FRAMES};
use crate::decode::stream::{Shared, Side, StreamOutput};
use crate::decode::tcp::{TcpAnalysis, TcpInfo, TcpRole, ACK, FIN, RST, SYN};
use crate::decode::Packet;
use std::collections::BTreeMap;

/// One direction of a TCP conversation.
pub(super) struct Direction {
    /// Base for relative numbers: the ISN, or the first sequence number
    /// seen when the SYN was not captured.
    base: Option<u32>,
    /// Sequence number of this side's SYN (its ISN), when seen.
    isn: Option<u32>,
    /// Sequence number of this side's FIN, when seen.
    fin_seq: Option<u32>,
    reassembly: Reassembler,
    decoder: Decoder,
}

impl Direction {
    fn new() -> Direction {
        Direction {
            base: None,
            isn: None,
            fin_seq: None,
            reassembly: Reassembler::new(),
            decoder: Decoder::Undecided,
        }
    }

    fn held(&self) -> usize {
        self.reassembly.held() + self.decoder.buffered()
    }
}

/// TCP conversation as seen from the wire.
pub(super) struct Conn {
    stream: u64,
    peers: Peers,
    /// [client → server, server → client]
    dirs: [Direction; 2],
    handshake_done: bool,
    /// The side that sent the first FIN.
    first_fin: Option<Side>,
    reset: bool,
    /// What the two directions' decoders share (HTTP/1.x requests).
    shared: Shared,
    pub(super) last_frame: u64,
    /// The frame under which the conversation is filed in the idle index,
    /// and in which half (open or closed). Re-filed only every
    /// [`REINDEX_FRAMES`] frames or when it closes, so a busy conversation
    /// does not touch the index on every segment; eviction checks
    /// `last_frame` before it believes the index.
    pub(super) indexed: u64,
    pub(super) indexed_closed: bool,
    /// Wireshark-style analysis of each segment.
    analysis: Analyzer,
    /// Both ends' RFC 9293 states.
    sides: Sides,
    /// Decryption with the key log, when one was given.
    pub(super) decrypt: Option<Box<super::decrypt::ConnDecrypt>>,
}

impl Conn {
    fn new(stream: u64, peers: Peers, frame: u64) -> Conn {
        Conn {
            stream,
            peers,
            dirs: [Direction::new(), Direction::new()],
            handshake_done: false,
            first_fin: None,
            reset: false,
            shared: Shared::default(),
            last_frame: frame,
            indexed: frame,
            indexed_closed: false,
            analysis: Analyzer::new(),
            sides: Sides::new(),
            decrypt: None,
        }
    }

    pub(super) fn closed(&self) -> bool {
        self.reset || (self.dirs[0].fin_seq.is_some() && self.dirs[1].fin_seq.is_some())
    }

    /// Bytes held for reassembly and by the decoders.
    pub(super) fn held(&self) -> usize {
        self.dirs.iter().map(Direction::held).sum::<usize>()
            + self.decrypt.as_ref().map_or(0, |d| d.buffered())
    }

    fn dir(&mut self, side: Side) -> &mut Direction {
        &mut self.dirs[side.index()]
    }

    /// Relative numbers, the role, the analysis and the states of one
    /// segment sent by `side`, written into `tcp`. `fragment`: the segment
    /// came in an IP fragment, whose length is not the segment's, so it
    /// is not analysed.
    fn annotate(&mut self, side: Side, tcp: &mut TcpInfo, at: (u64, i64), fragment: bool) -> Flags {
        let d = side.index();
        tcp.stream = Some(self.stream);
        tcp.from = Some(side);
        let (seq, flags) = (tcp.seq, tcp.flag_bits);
        let role = self.role(side, seq, tcp.ack, flags);
        let dir = &mut self.dirs[d];
        if tcp.has(SYN) {
            if dir.isn.is_none() {
                dir.isn = Some(seq);
                dir.base = Some(seq);
            }
        } else if dir.base.is_none() {
            dir.base = Some(seq);
        }
        tcp.rel_seq = dir.base.map(|b| seq.wrapping_sub(b));
        if tcp.has(ACK) {
            tcp.rel_ack = self.dirs[1 - d].base.map(|b| tcp.ack.wrapping_sub(b));
        }
        tcp.role = role;
        if tcp.has(RST) {
            self.reset = true;
        }
        let segment = Segment {
            seq,
            ack: tcp.ack,
            len: tcp.payload_len,
            flags,
            window: tcp.window,
            wscale: tcp.options.wscale,
        };
        let mut found = Flags::default();
        if !fragment {
            // A SYN with a new ISN on a conversation not seen closing: the
            // old connection is gone (its end was not captured); sequence
            // analysis and states start again.
            if self.analysis.is_new_incarnation(d, &segment) {
                self.analysis = Analyzer::new();
                self.sides = Sides::new();
            }
            let verdict = self.analysis.segment(d, &segment, at.0, at.1);
            found = verdict.flags;
            tcp.analysis = found.labels();
            if let Some((of, n)) = verdict.dup_ack {
                tcp.dup_ack_of = Some(of);
                tcp.dup_ack_number = Some(n);
            }
        }
        self.sides.segment(d, &segment);
        tcp.state = self.sides.states[d].known();
        tcp.sides = Some(self.sides.states);
        found
    }

    /// The segment's part in the conversation (RFC 9293 §3.5 and §3.6),
    /// judged before the segment moves any state.
    fn role(&mut self, side: Side, seq: u32, ack: u32, flags: u8) -> Option<TcpRole> {
        let has = |b: u8| flags & b == b;
        let (me, peer) = (&self.dirs[side.index()], &self.dirs[side.peer().index()]);
        if has(RST) {
            return Some(TcpRole::Reset);
        }
        if has(SYN) {
            let again = me.isn == Some(seq);
            return Some(match (has(ACK), again) {
                (false, true) => TcpRole::SynRetransmission,
                (false, false) => TcpRole::Syn,
                (true, true) => TcpRole::SynAckRetransmission,
                (true, false) => TcpRole::SynAck,
            });
        }
        if has(FIN) {
            return Some(if me.fin_seq.is_some() {
                TcpRole::FinRetransmission
            } else if self.first_fin.is_none() {
                TcpRole::FirstFin
            } else {
                TcpRole::SecondFin
            });
        }
        // The client's first ACK of the server's ISN + 1 completes the
        // three-way handshake (§3.5).
        if side == Side::Client && !self.handshake_done && has(ACK) {
            if let Some(server_isn) = peer.isn {
                if ack == server_isn.wrapping_add(1) {
                    self.handshake_done = true;
                    return Some(TcpRole::HandshakeAck);
                }
            }
        }
        // The ACK of the second FIN, from the side that closed first (§3.6).
        if has(ACK) && self.first_fin == Some(side) {
            if let Some(peer_fin) = peer.fin_seq {
                if ack == peer_fin.wrapping_add(1) && me.fin_seq.is_some() {
                    return Some(TcpRole::LastAck);
                }
            }
        }
        None
    }
}

/// What one segment carries into the stream step.
struct Carried<'a> {
    side: Side,
    tcp: &'a TcpInfo,
    /// The captured payload.
    payload: &'a [u8],
    frame: u64,
}

impl Tracker {
    /// One TCP segment: its conversation, its annotations (`tcp.stream`,
    /// `from`, `role`, relative numbers, `analysis`, `state`), and what the
    /// direction's decoder completed with it, put into `packet`.
    pub(super) fn tcp(&mut self, packet: &mut Packet, payload: &[u8], ts_ns: i64) {
        let (Some(ip), Some(tcp)) = (&packet.ip, &packet.tcp) else {
            return;
        };
        let fragment = ip.fragment;
        let src = (ip.src, tcp.src_port);
        let dst = (ip.dst, tcp.dst_port);
        let key = super::conn_key(src, dst);
        let frame = packet.frame;
        self.open(key, src, dst, tcp, frame);
        let Some(conn) = self.conns.get_mut(&key) else {
            return;
        };
        conn.last_frame = frame;
        let side = conn.peers.side_of(src);
        let held_before = conn.held();
        let tcp = packet.tcp.as_mut().expect("checked above");
        let found = conn.annotate(side, tcp, (frame, ts_ns), fragment);
        count_analysis(&mut self.stats, found);
        let mut out = StreamOutput::default();
        let carried = Carried {
            side,
            tcp: &*tcp,
            payload,
            frame,
        };
        let room = self.limits.max_total_buffer.saturating_sub(self.held);
        if let (Some(keys), None) = (&self.keys, &conn.decrypt) {
            conn.decrypt = Some(Box::new(super::decrypt::ConnDecrypt::new(
                keys.clone(),
                self.limits.max_tls_message,
            )));
        }
        stream(
            conn,
            &carried,
            &self.limits,
            room,
            &mut self.stats,
            &mut out,
        );
        self.held = (self.held + conn.held()).saturating_sub(held_before);
        refile(conn, &mut self.idle_open, &mut self.idle_closed, key, frame);
        put_output(packet, out);
    }

    /// Finds the segment's conversation, or opens it: a SYN on a closed
    /// conversation with a different ISN starts a new incarnation of the
    /// 4-tuple (RFC 9293 §3.10.7.4).
    fn open(&mut self, key: ConnKey, src: Endpoint, dst: Endpoint, tcp: &TcpInfo, frame: u64) {
        let syn_only = tcp.has(SYN) && !tcp.has(ACK);
        let restart = syn_only
            && self.conns.get(&key).is_some_and(|c| {
                c.closed() && c.dirs[c.peers.side_of(src).index()].isn != Some(tcp.seq)
            });
        if restart {
            if let Some(old) = self.conns.remove(&key) {
                self.forget(&old);
                self.release(&old);
            }
        }
        if self.conns.contains_key(&key) {
            return;
        }
        self.make_room();
        let peers = Peers::decide(src, dst, tcp.flag_bits);
        let stream = self.next_stream;
        self.next_stream += 1;
        self.stats.tcp_conversations += 1;
        self.conns
            .insert(key, Box::new(Conn::new(stream, peers, frame)));
        self.idle_open.insert(frame, key);
    }
}

/// Files the conversation again in the idle index when it closed or has
/// run [`REINDEX_FRAMES`] ahead of where it is filed.
fn refile(
    conn: &mut Conn,
    idle_open: &mut BTreeMap<u64, ConnKey>,
    idle_closed: &mut BTreeMap<u64, ConnKey>,
    key: ConnKey,
    frame: u64,
) {
    let closed = conn.closed();
    if closed == conn.indexed_closed && frame - conn.indexed < REINDEX_FRAMES {
        return;
    }
    if conn.indexed_closed {
        idle_closed.remove(&conn.indexed);
    } else {
        idle_open.remove(&conn.indexed);
    }
    if closed {
        idle_closed.insert(frame, key);
    } else {
        idle_open.insert(frame, key);
    }
    conn.indexed = frame;
    conn.indexed_closed = closed;
}

/// The analysis flags that [`FlowStats`] counts.
fn count_analysis(stats: &mut FlowStats, f: Flags) {
    stats.out_of_order_segments += u64::from(f.has(TcpAnalysis::OutOfOrder));
    stats.retransmitted_segments += u64::from(f.any_retransmission());
    stats.duplicate_acks += u64::from(f.has(TcpAnalysis::DupAck));
    stats.zero_windows += u64::from(f.has(TcpAnalysis::ZeroWindow));
}

/// Reassembles the segment's direction and feeds its decoder; learns from
/// the acknowledgement that a hole of the other direction will never be
/// filled. `room`: bytes the total bound still allows.
fn stream(
    conn: &mut Conn,
    seg: &Carried<'_>,
    limits: &Limits,
    room: usize,
    stats: &mut FlowStats,
    out: &mut StreamOutput,
) {
    let tcp = seg.tcp;
    let delivery = reassemble(conn.dir(seg.side), seg, limits, room);
    if tcp.has(FIN) && conn.dir(seg.side).fin_seq.is_none() {
        conn.dir(seg.side).fin_seq = Some(tcp.seq.wrapping_add(tcp.payload_len));
        conn.first_fin.get_or_insert(seg.side);
    }
    // The peer acknowledging bytes that were never captured means the hole
    // will not be filled; the bytes after it cannot be framed.
    if tcp.has(ACK) {
        let peer = conn.dir(seg.side.peer());
        if peer.reassembly.hole_acked(tcp.ack) {
            stats.stream_gaps += 1;
            peer.decoder.gap(&mut out.errors);
            peer.reassembly.skip_hole();
            if let Some(d) = conn.decrypt.as_mut() {
                d.gap(seg.side.peer());
            }
        }
    }
    let Conn {
        dirs,
        shared,
        decrypt,
        ..
    } = conn;
    let dir = &mut dirs[seg.side.index()];
    stats.bytes_dropped_at_bounds += delivery.dropped;
    if delivery.dropped > 0 {
        out.errors.push(format!(
            "TCP: {} bytes not reassembled (stream or total buffer bound reached)",
            delivery.dropped
        ));
        dir.decoder.gap(&mut out.errors);
    }
    if let Some(first) = delivery.chunks.first() {
        let d = super::streams::Dir {
            sport: tcp.src_port,
            dport: tcp.dst_port,
            from_client: seg.side == Side::Client,
        };
        dir.decoder
            .choose(d, &first.data, shared, limits.max_tls_message);
    }
    dir.decoder
        .feed(&delivery.chunks, &mut FeedCtx { shared, out });
    if let Some(d) = decrypt.as_mut() {
        if delivery.dropped > 0 {
            d.gap(seg.side);
        }
        for chunk in &delivery.chunks {
            d.feed(seg.side, &chunk.data, chunk.frame, out);
        }
        if delivery.gap {
            d.gap(seg.side);
        }
        stats.decrypt.add(&d.take_stats());
    }
    if delivery.gap {
        stats.stream_gaps += 1;
        dir.decoder.gap(&mut out.errors);
    }
    retire_finished(conn);
}

/// Once both directions are delivered in order up to their FINs, no byte
/// can reach a decoder again (nothing follows a FIN in the sequence
/// space, RFC 9293 §3.4 and §3.6; a retransmission of earlier bytes is
/// dropped by the reassembly as seen before): the decoders and what they
/// share are dropped, so that a finished conversation keeps only its
/// numbers and states.
fn retire_finished(conn: &mut Conn) {
    let finished = conn
        .dirs
        .iter()
        .all(|d| d.fin_seq.is_some_and(|fin| d.reassembly.complete_to(fin)));
    if finished {
        for d in &mut conn.dirs {
            d.decoder = Decoder::Done;
        }
        conn.shared = Shared::default();
    }
}

/// Puts the segment into its direction's reassembly: data starts after the
/// SYN's sequence number.
fn reassemble(dir: &mut Direction, seg: &Carried<'_>, limits: &Limits, room: usize) -> Delivery {
    let tcp = seg.tcp;
    let data_seq = if tcp.has(SYN) {
        tcp.seq.wrapping_add(1)
    } else {
        tcp.seq
    };
    if !dir.reassembly.started() && (tcp.has(SYN) || tcp.payload_len > 0) {
        dir.reassembly.start(data_seq);
    }
    let wire_len = tcp.payload_len;
    if wire_len == 0 {
        return Delivery::default();
    }
    let incoming = Incoming {
        seq: data_seq,
        data: &seg.payload[..seg.payload.len().min(wire_len as usize)],
        wire_len,
        frame: seg.frame,
    };
    let bounds = Bounds {
        keep: dir.decoder.wants_bytes(),
        max_held: limits.max_stream_buffer,
        room: room.saturating_add(dir.reassembly.held()),
    };
    dir.reassembly.segment(incoming, bounds)
}

/// What the decoders completed goes into the packet, as `packets` shows it.
fn put_output(packet: &mut Packet, mut out: StreamOutput) {
    packet.errors.append(&mut out.errors);
    packet.tls_record_start = out.tls.starts_record;
    if !out.tls.is_empty() {
        packet.tls = Some(out.tls);
    }
    packet.http = out.http;
    packet.http_bodies = out.http_bodies;
    packet.http2 = out.http2;
    packet.websocket = out.websocket;
    packet.socks = out.socks;
    packet.lines = out.lines;
    let mut dns = out.dns.into_iter();
    if let Some(first) = dns.next() {
        packet.dns = Some(Box::new(first));
        packet.dns_more = dns.collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every conversation of a capture, run through the tracker.
    fn tracked(sample: &str) -> Tracker {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(sample);
        let mut reader = crate::capture::CaptureReader::open(&path).unwrap();
        let mut tracker = Tracker::default();
        while let Some(frame) = reader.next_frame().unwrap() {
            crate::pipeline::decode_and_track(&frame, &mut tracker);
        }
        tracker
    }

    #[test]
    fn conversations_closed_by_both_fins_keep_no_decoder() {
        // curl-redirect.pcapng: curl's HTTP/1.1 fetches, each connection
        // closed by a FIN from both ends (recorded by samples/record.sh).
        let tracker = tracked("curl-redirect.pcapng");
        let mut finished = 0;
        for conn in tracker.conns.values() {
            let both_fins = conn.dirs.iter().all(|d| d.fin_seq.is_some());
            if !both_fins {
                continue;
            }
            finished += 1;
            for d in &conn.dirs {
                assert!(matches!(d.decoder, Decoder::Done), "stream {}", conn.stream);
                assert_eq!(d.held(), 0);
            }
        }
        assert!(finished >= 2, "{finished} conversations closed by FINs");
    }

    /// The in-memory size of a conversation's state, for the benchmark's
    /// per-connection figure (`cargo test sizes -- --nocapture`).
    #[test]
    fn sizes() {
        eprintln!(
            "Conn {} (Direction {}, Analyzer {}, Sides {}, Shared {}, Peers {}), key {}, Conversation row {}",
            size_of::<Conn>(),
            size_of::<Direction>(),
            size_of::<Analyzer>(),
            size_of::<Sides>(),
            size_of::<Shared>(),
            size_of::<Peers>(),
            size_of::<ConnKey>(),
            size_of::<super::super::conversations::Conversation>()
        );
        assert!(size_of::<Conn>() <= 512);
    }
}
