//! What a TCP connection's segments show (RFC 9293): the handshake,
//! retransmissions and duplicate ACKs, the transfer's first data segments
//! with their ACKs and the windows advertised.

use super::conn::story_view;
use super::*;

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

/// Why a segment was sent again, as the per-segment analysis judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatKind {
    /// After duplicate ACKs (RFC 5681 §3.2).
    Fast,
    /// The first copy had arrived.
    Spurious,
    /// No acknowledgement before the timer ran out.
    Timeout,
}

#[derive(Debug, Clone)]
pub struct Repeat {
    pub seg: Seg,
    pub len: u32,
    pub kind: RepeatKind,
    pub original: Option<(u64, f64)>,
    /// Its first byte's sequence number as on the wire.
    pub seq: u32,
    /// An ACK from the other side whose first SACK block lies below its
    /// cumulative ACK and covers these bytes: a D-SACK (RFC 2883 §4), the
    /// receiver saying they arrived twice.
    pub dsack: Option<Seg>,
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
        // RFC 2883 §4: a first SACK block at or below the cumulative ACK
        // reports bytes received twice.
        if let Some([left, right]) = t.options.sack.first().copied() {
            if t.has(tcp::ACK) && right.wrapping_sub(t.ack) as i32 <= 0 {
                for r in self.repeats.iter_mut() {
                    if r.dsack.is_none()
                        && r.seg.from_client != seg.from_client
                        && r.seq.wrapping_sub(left) as i32 >= 0
                        && right.wrapping_sub(r.seq.wrapping_add(r.len)) as i32 >= 0
                        && r.seg.ts <= seg.ts
                    {
                        r.dsack = Some(seg);
                    }
                }
            }
        }
        if has(TcpAnalysis::Retransmission) {
            self.retransmissions[dir] += 1;
            let kind = if has(TcpAnalysis::FastRetransmission) {
                self.fast_retransmissions[dir] += 1;
                RepeatKind::Fast
            } else if has(TcpAnalysis::SpuriousRetransmission) {
                self.spurious_retransmissions[dir] += 1;
                RepeatKind::Spurious
            } else {
                RepeatKind::Timeout
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
                    seq: t.seq,
                    dsack: None,
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
impl Evidence {
    pub(super) fn tcp(&mut self, p: &Packet, t: &tcp::TcpInfo, s: IpAddr, d: IpAddr, room: bool) {
        let Some(stream) = t.stream else { return };
        if self.forgotten.contains(&stream) {
            return;
        }
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
        if from_client && c.encap.is_empty() && !p.encap.is_empty() {
            c.encap = p.encap.clone();
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
                    body: None,
                });
            }
        }
        for b in &p.http_bodies {
            if b.first_frame == b.head_frame && b.last_frame == b.head_frame {
                continue;
            }
            if let Some(h) = c
                .http
                .iter_mut()
                .rev()
                .find(|h| h.seg.frame == b.head_frame && h.seg.from_client == seg.from_client)
            {
                h.body = Some((b.first_frame, seg));
            }
        }
        for f in &p.http2 {
            use crate::decode::http2::H2FrameType;
            let data = f.kind == H2FrameType::Data;
            if (data || f.headers.is_some()) && c.h2.len() < 4 * MAX_PER_CONN {
                c.h2.push(H2Rec {
                    seg,
                    stream: f.stream,
                    headers: f.headers.clone(),
                    data: if data { f.length } else { 0 },
                    end_stream: f.ends_stream(),
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
}
