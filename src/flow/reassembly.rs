//! One direction of a TCP byte stream put back in sequence order
//! (RFC 9293 §3.4, §3.10.7.4): in-order bytes are delivered at once,
//! segments ahead of a hole wait in a bounded buffer, bytes seen before are
//! dropped, and a hole the capture never fills is reported as a gap.

use std::collections::BTreeMap;

/// In-order bytes, with the frame that carried them.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub data: Vec<u8>,
    pub frame: u64,
}

/// What one segment produced.
#[derive(Debug, Default)]
pub struct Delivery {
    pub chunks: Vec<Chunk>,
    /// Bytes not kept because a bound was reached.
    pub dropped: u64,
    /// Bytes that the capture does not hold (cut by the snap length) lie
    /// in the delivered range: the stream has a hole from here on.
    pub gap: bool,
}

/// One segment's bytes, as the reassembly takes them.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// Sequence number of the first byte.
    pub seq: u32,
    /// What the capture holds of the payload.
    pub data: &'a [u8],
    /// The payload's length on the wire (more than `data` when the frame
    /// was cut by the snap length).
    pub wire_len: u32,
    pub frame: u64,
}

/// What the reassembly of one direction may hold.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The stream is being decoded: bytes are delivered and held. When
    /// false, only the position is followed.
    pub keep: bool,
    /// Bytes this direction may hold ahead of a hole.
    pub max_held: usize,
    /// Bytes the total bound still allows this direction.
    pub room: usize,
}

struct Pending {
    data: Vec<u8>,
    /// Bytes on the wire (more than `data` when the frame was cut).
    wire_len: u64,
    frame: u64,
}

/// Sequence space is tracked as 64-bit offsets from the first byte, so
/// streams longer than 4 GiB and sequence wrap-around are handled.
#[derive(Default)]
pub struct Reassembler {
    /// Sequence number of offset 0.
    start: Option<u32>,
    /// Offset of the next byte expected.
    next_off: u64,
    /// Segments waiting ahead of a hole; `None` (no allocation) whenever
    /// the direction is in order, which it is most of the time.
    /// Boxed: one pointer in every direction instead of the map's three
    /// words, the map itself allocated only while segments wait.
    #[allow(clippy::box_collection)]
    pending: Option<Box<BTreeMap<u64, Pending>>>,
    held: usize,
}

impl Reassembler {
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    pub fn started(&self) -> bool {
        self.start.is_some()
    }

    /// Fixes the sequence number of the first data byte.
    pub fn start(&mut self, seq: u32) {
        self.start = Some(seq);
        self.next_off = 0;
    }

    /// Bytes waiting ahead of a hole.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Every byte before sequence number `seq` has been delivered and
    /// nothing waits ahead of a hole.
    pub fn complete_to(&self, seq: u32) -> bool {
        self.started() && self.pending.is_none() && self.next_seq() == seq
    }

    fn next_seq(&self) -> u32 {
        self.start.unwrap_or(0).wrapping_add(self.next_off as u32)
    }

    /// Offset of a sequence number, taking the nearest interpretation
    /// (within 2 GiB either side of the next expected byte).
    fn offset_of(&self, seq: u32) -> i64 {
        self.next_off as i64 + i64::from(seq.wrapping_sub(self.next_seq()) as i32)
    }

    /// Takes one segment, within `bounds`.
    pub fn segment(&mut self, seg: Incoming<'_>, bounds: Bounds) -> Delivery {
        let Incoming {
            seq,
            data,
            wire_len,
            frame,
        } = seg;
        let Bounds {
            keep,
            max_held,
            room,
        } = bounds;
        let mut out = Delivery::default();
        if self.start.is_none() {
            self.start(seq);
        }
        let off = self.offset_of(seq);
        let end = off + i64::from(wire_len);
        let next = self.next_off as i64;
        // Every byte was seen before: a retransmission (the TCP analysis
        // names it); nothing to deliver.
        if end <= next {
            return out;
        }
        // Beyond the next expected byte: held until the hole fills.
        if off > next {
            if !keep {
                return out;
            }
            let off = off as u64;
            if self.held + data.len() > max_held || data.len() > room {
                out.dropped = data.len() as u64;
                return out;
            }
            let pending = self.pending.get_or_insert_with(Box::default);
            let replace = pending
                .get(&off)
                .is_none_or(|p| p.wire_len < u64::from(wire_len));
            if replace {
                if let Some(old) = pending.insert(
                    off,
                    Pending {
                        data: data.to_vec(),
                        wire_len: u64::from(wire_len),
                        frame,
                    },
                ) {
                    self.held -= old.data.len();
                }
                self.held += data.len();
            }
            return out;
        }
        self.deliver(off, data, u64::from(wire_len), frame, keep, &mut out);
        self.drain(keep, &mut out);
        out
    }

    /// Delivers the part of a segment at `off` that lies beyond `next_off`.
    fn deliver(
        &mut self,
        off: i64,
        data: &[u8],
        wire_len: u64,
        frame: u64,
        keep: bool,
        out: &mut Delivery,
    ) {
        let skip = (self.next_off as i64 - off).max(0) as u64;
        let end = off as u64 + wire_len;
        if keep && (skip as usize) < data.len() {
            out.chunks.push(Chunk {
                data: data[skip as usize..].to_vec(),
                frame,
            });
        }
        if (data.len() as u64) < wire_len {
            out.gap = true;
        }
        self.next_off = self.next_off.max(end);
    }

    /// Delivers waiting segments that the stream has now reached.
    fn drain(&mut self, keep: bool, out: &mut Delivery) {
        let Some(mut pending) = self.pending.take() else {
            return;
        };
        while let Some(entry) = pending.first_entry() {
            let off = *entry.key();
            if off > self.next_off {
                break;
            }
            let p = entry.remove();
            self.held -= p.data.len();
            if off + p.wire_len > self.next_off {
                self.deliver(off as i64, &p.data, p.wire_len, p.frame, keep, out);
            }
        }
        // In order again: the map and its nodes are freed.
        if !pending.is_empty() {
            self.pending = Some(pending);
        }
    }

    /// The offset of the first segment waiting ahead of a hole.
    fn first_pending(&self) -> Option<u64> {
        self.pending
            .as_ref()?
            .first_key_value()
            .map(|(&off, _)| off)
    }

    /// Whether an acknowledgement from the peer covers the whole hole
    /// before the first waiting segment: those bytes reached the peer but
    /// not the capture, so they will never be filled in.
    pub fn hole_acked(&self, ack: u32) -> bool {
        match (self.start, self.first_pending()) {
            (Some(_), Some(first)) => {
                let acked = self.offset_of(ack);
                acked > self.next_off as i64 && acked >= first as i64
            }
            _ => false,
        }
    }

    /// Gives up on the hole before the first waiting segment and delivers
    /// what follows it.
    pub fn skip_hole(&mut self) -> Vec<Chunk> {
        let mut out = Delivery::default();
        if let Some(off) = self.first_pending() {
            self.next_off = off;
            self.drain(true, &mut out);
        }
        out.chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: usize = 1 << 20;

    fn seg(r: &mut Reassembler, seq: u32, data: &[u8], frame: u64) -> Delivery {
        cut(r, seq, data, data.len() as u32, frame, (BIG, BIG))
    }

    #[test]
    fn the_waiting_buffer_is_freed_when_the_hole_is_filled() {
        let mut r = Reassembler::new();
        r.start(1000);
        assert!(r.pending.is_none());
        assert!(seg(&mut r, 1005, b"world", 2).chunks.is_empty());
        assert!(r.pending.is_some());
        assert_eq!(r.held(), 5);
        assert!(!r.complete_to(1010));
        let d = seg(&mut r, 1000, b"hello", 3);
        assert_eq!(bytes(&d), b"helloworld");
        assert!(r.pending.is_none());
        assert_eq!(r.held(), 0);
        assert!(r.complete_to(1010));
    }

    /// A segment of `wire_len` bytes of which `data` was captured, with
    /// (max_held, room).
    fn cut(
        r: &mut Reassembler,
        seq: u32,
        data: &[u8],
        wire_len: u32,
        frame: u64,
        (max_held, room): (usize, usize),
    ) -> Delivery {
        let seg = Incoming {
            seq,
            data,
            wire_len,
            frame,
        };
        let bounds = Bounds {
            keep: true,
            max_held,
            room,
        };
        r.segment(seg, bounds)
    }

    fn bytes(d: &Delivery) -> Vec<u8> {
        d.chunks.iter().flat_map(|c| c.data.clone()).collect()
    }

    #[test]
    fn out_of_order_then_fill() {
        let mut r = Reassembler::new();
        r.start(1000);
        let d = seg(&mut r, 1003, b"def", 2);
        // Ahead of the hole: held, not delivered.
        assert!(d.chunks.is_empty());
        assert_eq!(r.held(), 3);
        let d = seg(&mut r, 1000, b"abc", 3);
        assert_eq!(bytes(&d), b"abcdef");
        assert_eq!(
            d.chunks.iter().map(|c| c.frame).collect::<Vec<_>>(),
            vec![3, 2]
        );
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn retransmission_and_overlap() {
        let mut r = Reassembler::new();
        r.start(u32::MAX - 1); // wraps inside the stream
        assert_eq!(bytes(&seg(&mut r, u32::MAX - 1, b"abcd", 1)), b"abcd");
        // The same bytes again: nothing delivered, nothing held.
        let again = seg(&mut r, u32::MAX - 1, b"abcd", 2);
        assert!(again.chunks.is_empty() && !again.gap && again.dropped == 0);
        assert_eq!(r.held(), 0);
        // "cd" sits at offsets 2..4 (sequence numbers 0 and 1 after the wrap)
        assert_eq!(bytes(&seg(&mut r, 0, b"cdef", 3)), b"ef");
    }

    #[test]
    fn bound_drops_and_counts() {
        let mut r = Reassembler::new();
        r.start(0);
        let d = cut(&mut r, 10, &[0; 8], 8, 1, (4, BIG));
        assert_eq!(d.dropped, 8);
        assert_eq!(r.held(), 0);
        let d = cut(&mut r, 10, &[0; 8], 8, 1, (BIG, 4));
        assert_eq!(d.dropped, 8);
    }

    #[test]
    fn acked_hole_is_skipped() {
        let mut r = Reassembler::new();
        r.start(100);
        seg(&mut r, 110, b"later", 5);
        assert!(!r.hole_acked(105));
        assert!(r.hole_acked(115));
        let chunks = r.skip_hole();
        assert_eq!(chunks[0].data, b"later");
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn truncated_segment_is_a_gap() {
        let mut r = Reassembler::new();
        r.start(0);
        let d = cut(&mut r, 0, b"ab", 10, 1, (BIG, BIG));
        assert!(d.gap);
        assert_eq!(bytes(&d), b"ab");
        assert_eq!(bytes(&seg(&mut r, 10, b"x", 2)), b"x");
    }
}
