//! What each TCP segment means for its connection, from the wire alone:
//!
//! - [`Analyzer`] flags segments the way Wireshark's TCP analysis does
//!   (Wireshark User's Guide, "TCP Analysis"): retransmissions and their
//!   kinds, out-of-order segments, duplicate ACKs, keep-alives, zero windows
//!   and window updates, segments not captured. It keeps, per direction, the
//!   next expected sequence number, the last acknowledgement and window, and
//!   a duplicate-ACK count; nothing that grows with the stream.
//! - [`Sides`] follows both ends through the RFC 9293 §3.3.2 state diagram
//!   as far as the segments show it. The per-packet `tcp.state` and the
//!   conversation table both come from it.
//!
//! Sequence comparisons are modulo 2^32 (RFC 9293 §3.4).

use crate::decode::tcp::{TcpAnalysis, TcpState, ACK, FIN, RST, SYN};

/// `a` comes after `b` in sequence space.
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn seq_le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

/// The analysis flags of one segment, one bit per [`TcpAnalysis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(u16);

impl Flags {
    /// The bit of one flag: its place in [`TcpAnalysis::ALL`].
    const fn bit(f: TcpAnalysis) -> u16 {
        1 << f as u16
    }

    pub fn has(self, f: TcpAnalysis) -> bool {
        self.0 & Flags::bit(f) != 0
    }

    fn set(&mut self, f: TcpAnalysis) {
        self.0 |= Flags::bit(f);
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flags set, for `tcp.analysis`.
    pub fn labels(self) -> Vec<TcpAnalysis> {
        TcpAnalysis::ALL
            .iter()
            .copied()
            .filter(|f| self.has(*f))
            .collect()
    }

    /// The names of the flags set, as `tcp.analysis` serialises them.
    pub fn names(self) -> Vec<&'static str> {
        self.labels().into_iter().map(TcpAnalysis::as_str).collect()
    }

    /// A retransmission of any kind (fast and spurious ones carry
    /// RETRANSMISSION too).
    pub fn any_retransmission(self) -> bool {
        self.has(TcpAnalysis::Retransmission)
    }
}

/// What the analysis needs of one segment.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub seq: u32,
    /// The acknowledgement field as sent, whether or not ACK is set.
    pub ack: u32,
    /// Payload bytes on the wire.
    pub len: u32,
    pub flags: u8,
    /// The window field as sent (not scaled).
    pub window: u16,
    /// The window scale option's shift count, if the segment carries one.
    pub wscale: Option<u8>,
}

impl Segment {
    fn has(&self, bit: u8) -> bool {
        self.flags & bit == bit
    }

    /// SYN, FIN or RST: such segments are never keep-alives, window
    /// updates or duplicate ACKs.
    fn control(&self) -> bool {
        self.flags & (SYN | FIN | RST) != 0
    }
}

/// Window scaling of one direction (RFC 7323 §2.2): unknown until the
/// handshake is seen, then either not used or a shift count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    Unknown,
    NotUsed,
    Shift(u8),
}

/// One direction's analysis state. Sequence numbers of value 0 stand for
/// "not seen yet", as in Wireshark, so that a count that happens to reach
/// 0 behaves there as it does in tshark.
#[derive(Debug, Clone)]
struct Flow {
    /// Where relative numbers start (Wireshark's base_seq): the ISN, or one
    /// before the first sequence number seen, or one before the first
    /// acknowledgement of this direction's data.
    base: Option<u32>,
    /// The highest sequence number expected next.
    next_seq: u32,
    /// When `next_seq` last moved.
    next_seq_time: i64,
    /// The end of the contiguous data seen, for acknowledgements of data
    /// the capture missed.
    max_seq_to_be_acked: u32,
    /// The acknowledgement and window of this direction's last segment.
    last_ack: u32,
    last_ack_time: i64,
    window: u32,
    scale: Scale,
    /// Duplicate ACKs since the acknowledgement last moved.
    dup_acks: u32,
    /// The frame where this direction's acknowledgement last moved.
    last_ack_frame: u64,
    /// The flags of this direction's last segment.
    last_flags: Flags,
}

impl Flow {
    fn new() -> Flow {
        Flow {
            base: None,
            next_seq: 0,
            next_seq_time: 0,
            max_seq_to_be_acked: 0,
            last_ack: 0,
            last_ack_time: 0,
            // No window seen: the first segment's window is always "new".
            window: u32::MAX,
            scale: Scale::Unknown,
            dup_acks: 0,
            last_ack_frame: 0,
            last_flags: Flags::default(),
        }
    }
}

/// Nanoseconds from `then` to `now`. A frame earlier than the reference
/// (files written out of time order, as multi-interface captures may be)
/// counts as infinitely late, as tshark's unsigned arithmetic has it.
fn elapsed(now: i64, then: i64) -> u64 {
    now.wrapping_sub(then) as u64
}

/// The sequence number after a segment: SYN and FIN take one each
/// (RFC 9293 §3.4).
fn next_seq_after(seg: &Segment) -> u32 {
    let control = u32::from(seg.flags & (SYN | FIN) != 0);
    seg.seq.wrapping_add(seg.len).wrapping_add(control)
}

/// Out-of-order threshold when the handshake's round trip is unknown.
const DEFAULT_REORDER_WINDOW_NS: u64 = 3_000_000;
/// A retransmission this soon after the second duplicate ACK is a fast
/// retransmission (RFC 5681 §3.2).
const FAST_RETRANSMIT_WINDOW_NS: u64 = 20_000_000;

/// The analysis of one TCP connection (both directions).
#[derive(Debug, Clone)]
pub struct Analyzer {
    flows: [Flow; 2],
    /// When the most recent SYN (without ACK) was seen.
    last_syn_time: Option<i64>,
    /// SYN to the first pure ACK: the connection's initial round trip
    /// (0 until known).
    initial_rtt: i64,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer {
            flows: [Flow::new(), Flow::new()],
            last_syn_time: None,
            initial_rtt: 0,
        }
    }

    /// A SYN (without ACK) whose sequence number is not this side's base
    /// opens a new sequence space over the same ports: the analysis starts
    /// afresh (Wireshark then reports "port numbers reused").
    pub fn is_new_incarnation(&self, dir: usize, seg: &Segment) -> bool {
        seg.has(SYN) && !seg.has(ACK) && self.flows[dir].base.is_some_and(|b| b != seg.seq)
    }

    /// Analyses one segment sent in direction `dir` (0 or 1) in frame
    /// `frame` at `now` (nanoseconds since the epoch).
    pub fn segment(&mut self, dir: usize, seg: &Segment, frame: u64, now: i64) -> Verdict {
        let (fwd, rev) = if dir == 0 {
            let (a, b) = self.flows.split_at_mut(1);
            (&mut a[0], &mut b[0])
        } else {
            let (a, b) = self.flows.split_at_mut(1);
            (&mut b[0], &mut a[0])
        };
        let (seq, ack) = (seg.seq, seg.ack);
        if fwd.base.is_none() {
            fwd.base = Some(if seg.has(SYN) {
                seq
            } else {
                seq.wrapping_sub(1)
            });
        }
        if rev.base.is_none() && seg.has(ACK) {
            rev.base = Some(ack.wrapping_sub(1));
        }

        let (mut flags, dup_ack) = window_and_ack_checks(fwd, rev, seg);
        if ack != fwd.last_ack {
            fwd.dup_acks = 0;
            fwd.last_ack_frame = frame;
        }
        // An acknowledgement of bytes this capture never saw.
        if rev.max_seq_to_be_acked != 0 && seq_gt(ack, rev.max_seq_to_be_acked) && seg.has(ACK) {
            flags.set(TcpAnalysis::AckLostSegment);
            rev.max_seq_to_be_acked = rev.next_seq;
        }
        let reorder_window = if self.initial_rtt == 0 {
            DEFAULT_REORDER_WINDOW_NS
        } else {
            self.initial_rtt as u64
        };
        repeat_checks(fwd, rev, seg, now, reorder_window, &mut flags);
        advance(fwd, seg, now, flags);
        self.scaling_and_rtt(dir, seg, now);
        Verdict { flags, dup_ack }
    }

    /// RFC 7323 §2.2: scaling is in force only when both SYNs carry the
    /// option; the shift count is at most 14. The SYN and the first pure
    /// ACK after it give the initial round trip.
    fn scaling_and_rtt(&mut self, dir: usize, seg: &Segment, now: i64) {
        let (a, b) = self.flows.split_at_mut(1);
        let (fwd, rev) = if dir == 0 {
            (&mut a[0], &mut b[0])
        } else {
            (&mut b[0], &mut a[0])
        };
        if let Some(shift) = seg.wscale {
            fwd.scale = Scale::Shift(shift.min(14));
        }
        if seg.has(SYN) {
            if fwd.scale == Scale::Unknown {
                fwd.scale = Scale::NotUsed;
                rev.scale = Scale::NotUsed;
            } else if seg.has(ACK) && rev.scale == Scale::NotUsed {
                fwd.scale = Scale::NotUsed;
            }
            if !seg.has(ACK) {
                self.last_syn_time = Some(now);
            }
        }
        if seg.flags & (SYN | ACK) == ACK && self.initial_rtt == 0 {
            if let Some(syn) = self.last_syn_time {
                self.initial_rtt = now.wrapping_sub(syn);
            }
        }
    }
}

/// The checks on the segment's position, window and acknowledgement:
/// zero-window probes and their answers, zero windows, segments not
/// captured, keep-alives and their answers, window updates and full
/// windows, and duplicate ACKs (with the frame and count they repeat).
fn window_and_ack_checks(fwd: &mut Flow, rev: &Flow, seg: &Segment) -> (Flags, Option<(u64, u32)>) {
    let mut flags = Flags::default();
    let (seq, ack, len, window) = (seg.seq, seg.ack, seg.len, u32::from(seg.window));
    // A one-byte segment at the next sequence number into a closed
    // window probes it (RFC 9293 §3.8.6.1).
    if len == 1 && seq == fwd.next_seq && rev.window == 0 {
        flags.set(TcpAnalysis::ZeroWindowProbe);
        return (flags, None);
    }
    // The receiver has no room at all.
    if window == 0 && !seg.control() {
        flags.set(TcpAnalysis::ZeroWindow);
    }
    // Data beyond the next expected byte: something before it was
    // not captured. RSTs may carry any sequence number.
    if fwd.next_seq != 0 && seq_gt(seq, fwd.next_seq) && !seg.has(RST) {
        flags.set(TcpAnalysis::LostSegment);
    }
    // A keep-alive repeats the last byte already acknowledged, with
    // no data or one garbage byte (RFC 9293 §3.8.4).
    if len <= 1 && seq == fwd.next_seq.wrapping_sub(1) && !seg.control() {
        flags.set(TcpAnalysis::KeepAlive);
    }
    let same_position = len == 0 && seq == fwd.next_seq && ack == fwd.last_ack && !seg.control();
    // Nothing new but the window.
    if same_position && window != 0 && window != fwd.window {
        flags.set(TcpAnalysis::WindowUpdate);
    }
    // Data up to the right edge of the peer's advertised window,
    // once the scaling is known.
    if len > 0 && rev.scale != Scale::Unknown && !seg.control() {
        let shift = match rev.scale {
            Scale::Shift(s) => u32::from(s),
            _ => 0,
        };
        let edge = rev.last_ack.wrapping_add(rev.window.wrapping_shl(shift));
        if seq.wrapping_add(len) == edge {
            flags.set(TcpAnalysis::WindowFull);
        }
    }
    if !(same_position && window == fwd.window) {
        return (flags, None);
    }
    // The answer to a keep-alive or a zero-window probe repeats the
    // previous acknowledgement; it is no duplicate ACK.
    if window != 0 && rev.last_flags.has(TcpAnalysis::KeepAlive) {
        flags.set(TcpAnalysis::KeepAliveAck);
        return (flags, None);
    }
    if window == 0 && rev.last_flags.has(TcpAnalysis::ZeroWindowProbe) {
        flags.set(TcpAnalysis::ZeroWindowProbeAck);
        return (flags, None);
    }
    // The same acknowledgement and window again, with no data: the
    // receiver got a segment beyond a hole (RFC 5681 §2).
    let mut dup_ack = None;
    if window != 0 {
        fwd.dup_acks = fwd.dup_acks.saturating_add(1);
        flags.set(TcpAnalysis::DupAck);
        dup_ack = Some((fwd.last_ack_frame, fwd.dup_acks));
    }
    (flags, dup_ack)
}

/// A segment that occupies sequence space but does not advance it is a
/// retransmission of some kind, or arrived out of order.
fn repeat_checks(
    fwd: &Flow,
    rev: &Flow,
    seg: &Segment,
    now: i64,
    reorder_window: u64,
    flags: &mut Flags,
) {
    let (seq, len) = (seg.seq, seg.len);
    if !((len > 0 || seg.flags & (SYN | FIN) != 0) && !flags.has(TcpAnalysis::KeepAlive)) {
        return;
    }
    let mut behind = fwd.next_seq != 0 && seq_lt(seq, fwd.next_seq);
    // Starting one byte early but carrying more: new data after a
    // zero-window probe, not a retransmission.
    if len > 1 && fwd.next_seq.wrapping_sub(1) == seq {
        behind = false;
    }
    if len > 0 && rev.last_ack != 0 && seq_le(seq.wrapping_add(len), rev.last_ack) {
        // Every byte had already been acknowledged: sent again for
        // nothing. Like the other two kinds below, it is also a
        // retransmission.
        flags.set(TcpAnalysis::SpuriousRetransmission);
        flags.set(TcpAnalysis::Retransmission);
    } else if behind
        && rev.dup_acks >= 2
        && rev.last_ack == seq
        && elapsed(now, rev.last_ack_time) < FAST_RETRANSMIT_WINDOW_NS
    {
        // Resent at once for the peer's duplicate ACKs.
        flags.set(TcpAnalysis::FastRetransmission);
        flags.set(TcpAnalysis::Retransmission);
    } else if behind
        && elapsed(now, fwd.next_seq_time) < reorder_window
        && fwd.next_seq != next_seq_after(seg)
    {
        // Sooner after the highest segment than a round trip: the
        // sender cannot have learnt of a loss yet, so the network
        // reordered it.
        flags.set(TcpAnalysis::OutOfOrder);
    } else if behind {
        flags.set(TcpAnalysis::Retransmission);
    }
}

/// Moves the direction's next expected byte and remembers the segment's
/// acknowledgement, window and flags.
fn advance(fwd: &mut Flow, seg: &Segment, now: i64, flags: Flags) {
    let next = next_seq_after(seg);
    let probe = flags.has(TcpAnalysis::ZeroWindowProbe);
    // A zero-window probe does not move the next expected byte.
    if (seq_gt(next, fwd.next_seq) || fwd.next_seq == 0) && !probe {
        fwd.next_seq = next;
        fwd.next_seq_time = now;
    }
    if (seg.seq == fwd.max_seq_to_be_acked || fwd.max_seq_to_be_acked == 0) && !probe {
        fwd.max_seq_to_be_acked = fwd.next_seq;
    }
    fwd.window = u32::from(seg.window);
    fwd.last_ack = seg.ack;
    fwd.last_ack_time = now;
    fwd.last_flags = flags;
}

/// The analysis of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub flags: Flags,
    /// For a duplicate ACK: the frame whose acknowledgement it repeats, and
    /// how many duplicates of it there are now ("Dup ACK 12#3").
    pub dup_ack: Option<(u64, u32)>,
}

/// Both ends of one connection. A segment is taken to reach its receiver
/// as it is seen, so the receiver's state moves with it; what a side itself
/// sends (its SYN, its FIN, what it acknowledges) moves its own.
#[derive(Debug, Clone)]
pub struct Sides {
    pub states: [TcpState; 2],
    isn: [Option<u32>; 2],
    /// Sequence number of each side's FIN.
    fin: [Option<u32>; 2],
}

impl Default for Sides {
    fn default() -> Self {
        Sides::new()
    }
}

impl Sides {
    pub fn new() -> Sides {
        Sides {
            states: [TcpState::Unknown; 2],
            isn: [None; 2],
            fin: [None; 2],
        }
    }

    /// Moves both sides for one segment sent by side `me` (0 or 1).
    pub fn segment(&mut self, me: usize, seg: &Segment) {
        use TcpState::*;
        let peer = 1 - me;
        if seg.has(RST) {
            // RFC 9293 §3.10.7: a reset aborts the connection at both ends.
            self.states = [Closed, Closed];
            return;
        }
        // After a reset only a new SYN opens anything; stray segments
        // (late copies, the peer's last data) leave both ends closed.
        if self.states == [Closed, Closed] && !seg.has(SYN) {
            return;
        }
        if seg.has(SYN) {
            self.syn(me, seg);
            return;
        }
        // A segment without SYN from a side not seen opening: the capture
        // began after the handshake.
        let s = &mut self.states;
        if matches!(s[me], Unknown | Listen) {
            s[me] = Established;
        }
        if s[peer] == Unknown {
            s[peer] = Established;
        }
        if seg.has(ACK) {
            self.ack(me, seg);
        }
        if seg.has(FIN) && self.fin[me].is_none() {
            self.fin(me, seg);
        }
    }

    /// The acknowledgement covers the peer's SYN (or the peer's SYN was
    /// never seen).
    fn acks_peer_syn(&self, me: usize, seg: &Segment) -> bool {
        self.isn[1 - me].is_none_or(|isn| seq_gt(seg.ack, isn))
    }

    /// A SYN or SYN-ACK sent by `me` (§3.5).
    fn syn(&mut self, me: usize, seg: &Segment) {
        use TcpState::*;
        let peer = 1 - me;
        let acks_peer_syn = self.acks_peer_syn(me, seg);
        if self.isn[me].is_none() {
            self.isn[me] = Some(seg.seq);
        }
        let s = &mut self.states;
        if !seg.has(ACK) {
            // §3.5: the opener waits in SYN-SENT; a peer that has sent its
            // own SYN already moves to SYN-RECEIVED on this one
            // (simultaneous open, Figure 7); a silent peer listens.
            if matches!(s[me], Unknown | Listen | Closed | SynSent) {
                s[me] = SynSent;
            }
            s[peer] = match s[peer] {
                Unknown | Closed => Listen,
                SynSent => SynReceived,
                other => other,
            };
        } else {
            // The SYN-ACK's sender has the peer's SYN; the peer's SYN is
            // acknowledged by it, so the peer is established.
            if matches!(s[me], Unknown | Listen | Closed | SynSent) {
                s[me] = SynReceived;
            }
            if acks_peer_syn && matches!(s[peer], SynSent | SynReceived) {
                s[peer] = Established;
            }
        }
    }

    /// The acknowledgement of a segment without SYN sent by `me`.
    fn ack(&mut self, me: usize, seg: &Segment) {
        use TcpState::*;
        let peer = 1 - me;
        let acks_peer_syn = self.acks_peer_syn(me, seg);
        let s = &mut self.states;
        // §3.5: the ACK of the SYN-ACK establishes the passive side.
        if s[peer] == SynReceived && acks_peer_syn {
            s[peer] = Established;
        }
        if matches!(s[me], SynSent | SynReceived) {
            s[me] = Established;
        }
        // §3.6: the acknowledgement of the peer's FIN.
        if self.fin[peer].is_some_and(|f| seg.ack == f.wrapping_add(1)) {
            s[peer] = match s[peer] {
                FinWait1 => FinWait2,
                Closing => TimeWait,
                LastAck => Closed,
                other => other,
            };
        }
    }

    /// The first FIN sent by `me` (§3.6).
    fn fin(&mut self, me: usize, seg: &Segment) {
        use TcpState::*;
        let peer = 1 - me;
        let fin_seq = seg.seq.wrapping_add(seg.len);
        self.fin[me] = Some(fin_seq);
        let acks_peer_fin =
            self.fin[peer].is_some_and(|f| seg.has(ACK) && seg.ack == f.wrapping_add(1));
        let s = &mut self.states;
        match (self.fin[peer].is_some(), acks_peer_fin) {
            // The first FIN: this side closes, the peer is told.
            (false, _) => {
                s[me] = FinWait1;
                s[peer] = CloseWait;
            }
            // The answer to the peer's FIN, acknowledging it.
            (true, true) => {
                s[me] = LastAck;
                s[peer] = match s[peer] {
                    FinWait1 | FinWait2 => TimeWait,
                    Closing => TimeWait,
                    other => other,
                };
            }
            // Both FINs crossed (simultaneous close, Figure 13): each side
            // sent its FIN before it had the other's.
            (true, false) => {
                s[me] = Closing;
                if matches!(s[peer], FinWait1) {
                    s[peer] = Closing;
                } else if s[peer] == FinWait2 {
                    s[peer] = TimeWait;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TcpState::*;

    fn seg(flags: u8, seq: u32, ack: u32, len: u32) -> Segment {
        Segment {
            seq,
            ack,
            len,
            flags,
            window: 500,
            wscale: None,
        }
    }

    #[test]
    fn sequence_comparisons_wrap() {
        assert!(seq_gt(5, u32::MAX - 5));
        assert!(seq_lt(u32::MAX - 5, 5));
        assert!(seq_le(7, 7));
    }

    #[test]
    fn handshake_and_close_by_the_client() {
        let mut s = Sides::new();
        s.segment(0, &seg(SYN, 100, 0, 0));
        assert_eq!(s.states, [SynSent, Listen]);
        s.segment(1, &seg(SYN | ACK, 900, 101, 0));
        assert_eq!(s.states, [Established, SynReceived]);
        s.segment(0, &seg(ACK, 101, 901, 0));
        assert_eq!(s.states, [Established, Established]);
        s.segment(0, &seg(FIN | ACK, 101, 901, 0));
        assert_eq!(s.states, [FinWait1, CloseWait]);
        s.segment(1, &seg(ACK, 901, 102, 0));
        assert_eq!(s.states, [FinWait2, CloseWait]);
        s.segment(1, &seg(FIN | ACK, 901, 102, 0));
        assert_eq!(s.states, [TimeWait, LastAck]);
        s.segment(0, &seg(ACK, 102, 902, 0));
        assert_eq!(s.states, [TimeWait, Closed]);
    }

    #[test]
    fn simultaneous_open_and_close() {
        // RFC 9293 Figure 7 and Figure 13.
        let mut s = Sides::new();
        s.segment(0, &seg(SYN, 100, 0, 0));
        s.segment(1, &seg(SYN, 300, 0, 0));
        assert_eq!(s.states, [SynReceived, SynSent]);
        s.segment(0, &seg(SYN | ACK, 100, 301, 0));
        assert_eq!(s.states, [SynReceived, Established]);
        s.segment(1, &seg(SYN | ACK, 300, 101, 0));
        assert_eq!(s.states, [Established, Established]);
        s.segment(0, &seg(FIN | ACK, 101, 301, 0));
        s.segment(1, &seg(FIN | ACK, 301, 101, 0));
        assert_eq!(s.states, [Closing, Closing]);
        s.segment(0, &seg(ACK, 102, 302, 0));
        assert_eq!(s.states, [Closing, TimeWait]);
        s.segment(1, &seg(ACK, 302, 102, 0));
        assert_eq!(s.states, [TimeWait, TimeWait]);
    }

    #[test]
    fn mid_stream_start_and_reset() {
        let mut s = Sides::new();
        s.segment(1, &seg(ACK, 5000, 70, 100));
        assert_eq!(s.states, [Established, Established]);
        s.segment(0, &seg(RST, 70, 0, 0));
        assert_eq!(s.states, [Closed, Closed]);
    }

    #[test]
    fn nothing_reopens_after_a_reset_but_a_syn() {
        let mut s = Sides::new();
        s.segment(0, &seg(SYN, 100, 0, 0));
        s.segment(1, &seg(SYN | ACK, 900, 101, 0));
        s.segment(0, &seg(RST, 101, 0, 0));
        s.segment(1, &seg(FIN | ACK, 901, 101, 10));
        assert_eq!(s.states, [Closed, Closed]);
        s.segment(0, &seg(SYN, 5000, 0, 0));
        assert_eq!(s.states, [SynSent, Listen]);
    }

    #[test]
    fn window_full_needs_the_scale_from_both_syns() {
        let mut a = Analyzer::new();
        let mut syn = seg(SYN, 1000, 0, 0);
        syn.wscale = Some(7);
        a.segment(0, &syn, 1, 0);
        let mut syn_ack = seg(SYN | ACK, 5000, 1001, 0);
        syn_ack.wscale = Some(2);
        a.segment(1, &syn_ack, 2, 1);
        // The client's window field 10, scaled by its shift of 7: room for
        // 1280 bytes after 5001, which a 1280-byte segment fills.
        let mut ack = seg(ACK, 1001, 5001, 0);
        ack.window = 10;
        a.segment(0, &ack, 3, 2);
        let full = a.segment(1, &seg(ACK, 5001, 1001, 1280), 5, 4);
        assert_eq!(full.flags.names(), ["window_full"]);
        // Without a window scale option in the SYN, the window is taken
        // as it is.
        let mut b = Analyzer::new();
        b.segment(0, &seg(SYN, 1000, 0, 0), 1, 0);
        b.segment(1, &seg(SYN | ACK, 5000, 1001, 0), 2, 1);
        let mut small = seg(ACK, 1001, 5001, 0);
        small.window = 1280;
        b.segment(0, &small, 3, 2);
        let full = b.segment(1, &seg(ACK, 5001, 1001, 1280), 4, 3);
        assert_eq!(full.flags.names(), ["window_full"]);
    }

    #[test]
    fn keep_alive_and_its_answer() {
        let mut a = Analyzer::new();
        a.segment(0, &seg(SYN, 1000, 0, 0), 1, 0);
        a.segment(1, &seg(SYN | ACK, 5000, 1001, 0), 2, 1);
        a.segment(0, &seg(ACK, 1001, 5001, 0), 3, 2);
        let ka = a.segment(0, &seg(ACK, 1000, 5001, 0), 4, 3);
        assert_eq!(ka.flags.names(), ["keep_alive"]);
        let answer = a.segment(1, &seg(ACK, 5001, 1001, 0), 5, 4);
        assert_eq!(answer.flags.names(), ["keep_alive_ack"]);
    }

    #[test]
    fn acknowledgement_of_bytes_never_seen() {
        let mut a = Analyzer::new();
        a.segment(0, &seg(SYN, 1000, 0, 0), 1, 0);
        a.segment(1, &seg(SYN | ACK, 5000, 1001, 0), 2, 1);
        a.segment(0, &seg(ACK, 1001, 5001, 100), 3, 2);
        // The server acknowledges 100 bytes more than the capture holds.
        let unseen = a.segment(1, &seg(ACK, 5001, 1201, 0), 4, 3);
        assert_eq!(unseen.flags.names(), ["ack_lost_segment"]);
    }

    #[test]
    fn refused_syn() {
        let mut s = Sides::new();
        s.segment(0, &seg(SYN, 100, 0, 0));
        s.segment(1, &seg(RST | ACK, 0, 101, 0));
        assert_eq!(s.states, [Closed, Closed]);
    }

    #[test]
    fn duplicate_acks_and_retransmissions() {
        let mut a = Analyzer::new();
        let ms = 1_000_000;
        assert!(a.segment(0, &seg(SYN, 1000, 0, 0), 0, 0).flags.is_empty());
        assert!(a
            .segment(1, &seg(SYN | ACK, 5000, 1001, 0), 0, ms)
            .flags
            .is_empty());
        assert!(a
            .segment(0, &seg(ACK, 1001, 5001, 0), 0, 2 * ms)
            .flags
            .is_empty());
        // Three segments, the first lost.
        let lost = a.segment(0, &seg(ACK, 2001, 5001, 1000), 0, 10 * ms).flags;
        assert_eq!(lost.names(), ["lost_segment"]);
        let third = a.segment(0, &seg(ACK, 3001, 5001, 1000), 0, 10 * ms).flags;
        assert!(third.is_empty());
        // The receiver repeats the acknowledgement of its SYN-ACK (frame 0).
        let dup1 = a.segment(1, &seg(ACK, 5001, 1001, 0), 6, 11 * ms);
        assert_eq!(dup1.flags.names(), ["dup_ack"]);
        assert_eq!(dup1.dup_ack, Some((0, 1)));
        let dup2 = a.segment(1, &seg(ACK, 5001, 1001, 0), 7, 11 * ms);
        assert_eq!(dup2.dup_ack, Some((0, 2)));
        // Resent within 20 ms of the second duplicate ACK.
        let fast = a.segment(0, &seg(ACK, 1001, 5001, 1000), 0, 12 * ms).flags;
        assert_eq!(fast.names(), ["retransmission", "fast_retransmission"]);
        // The same bytes again after they were acknowledged.
        a.segment(1, &seg(ACK, 5001, 4001, 0), 0, 13 * ms);
        let spurious = a.segment(0, &seg(ACK, 1001, 5001, 1000), 0, 400 * ms).flags;
        assert_eq!(
            spurious.names(),
            ["retransmission", "spurious_retransmission"]
        );
        // Data not yet acknowledged, sent again long after.
        a.segment(0, &seg(ACK, 4001, 5001, 1000), 0, 401 * ms);
        let rto = a.segment(0, &seg(ACK, 4001, 5001, 1000), 0, 900 * ms).flags;
        assert_eq!(rto.names(), ["retransmission"]);
        // A keep-alive: one byte before the next, no data.
        let ka = a.segment(0, &seg(ACK, 5000, 5001, 0), 0, 950 * ms).flags;
        assert_eq!(ka.names(), ["keep_alive"]);
    }

    #[test]
    fn out_of_order_within_the_round_trip() {
        let mut a = Analyzer::new();
        let us = 1_000;
        a.segment(0, &seg(SYN, 1000, 0, 0), 0, 0);
        a.segment(1, &seg(SYN | ACK, 5000, 1001, 0), 0, 50 * us);
        a.segment(0, &seg(ACK, 1001, 5001, 0), 0, 100 * us);
        a.segment(0, &seg(ACK, 2001, 5001, 1000), 0, 200 * us);
        // 20 µs later, less than the 100 µs initial round trip.
        let ooo = a.segment(0, &seg(ACK, 1001, 5001, 1000), 0, 220 * us).flags;
        assert_eq!(ooo.names(), ["out_of_order"]);
    }

    #[test]
    fn zero_window_and_update() {
        let mut a = Analyzer::new();
        a.segment(0, &seg(SYN, 1000, 0, 0), 0, 0);
        a.segment(1, &seg(SYN | ACK, 5000, 1001, 0), 0, 1);
        a.segment(0, &seg(ACK, 1001, 5001, 0), 0, 2);
        let mut zero = seg(ACK, 5001, 1001, 0);
        zero.window = 0;
        assert_eq!(a.segment(1, &zero, 0, 3).flags.names(), ["zero_window"]);
        let probe = a.segment(0, &seg(ACK, 1001, 5001, 1), 0, 4).flags;
        assert_eq!(probe.names(), ["zero_window_probe"]);
        assert_eq!(
            a.segment(1, &zero, 0, 5).flags.names(),
            ["zero_window", "zero_window_probe_ack"]
        );
        let update = a.segment(1, &seg(ACK, 5001, 1001, 0), 0, 6).flags;
        assert_eq!(update.names(), ["window_update"]);
    }
}
