//! IPv4 and IPv6 fragment reassembly across frames (RFC 791 §3.2,
//! RFC 8200 §4.5), the stateful [`Defragmenter`] the pipeline passes to
//! decoding.
//!
//! A datagram is named by its addresses, identification and protocol.
//! Overlaps follow Linux (`inet_frag_queue_insert`, the same code for
//! IPv4 and IPv6 since 4.19), which meets RFC 5722 §4 and its erratum
//! 3089: a fragment lying wholly inside bytes already held is a duplicate
//! and ignored, the datagram kept; any other overlap discards the whole
//! datagram. So do a second last fragment that disagrees on the length, a
//! fragment past the known end, and a datagram longer than 65,535 bytes.
//! A fragment other than the last whose length is not a multiple of eight
//! is dropped (RFC 8200 §4.5). Fragments are held for 30 seconds of
//! capture time for IPv4 (Linux's `ipfrag_time`) and 60 for IPv6
//! (RFC 8200 §4.5), counted from the first; the oldest datagram in
//! progress is given up when too many are, or when too many bytes are held.

use crate::decode::defrag::{Datagram, Defragmenter, Dropped, Fragment, Reassembly};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

/// How much reassembly may hold.
#[derive(Debug, Clone, Copy)]
pub struct DefragLimits {
    /// Datagrams in progress at once.
    pub max_datagrams: usize,
    /// Payload bytes held across them (Linux's `ipfrag_high_thresh`).
    pub max_bytes: usize,
}

impl Default for DefragLimits {
    fn default() -> Self {
        DefragLimits {
            max_datagrams: 1024,
            max_bytes: 4 << 20,
        }
    }
}

/// What reassembly did, including what it gave up.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct DefragStats {
    /// Datagrams completed from fragments.
    pub reassembled: u64,
    /// Fragments ignored as duplicates of bytes already held.
    pub duplicates: u64,
    /// Datagrams discarded for an overlap or an inconsistent length.
    pub discarded: u64,
    /// Fragments dropped on their own (a bad length or offset).
    pub bad_fragments: u64,
    /// Datagrams given up unfinished: timed out or pushed out by a bound.
    pub timed_out: u64,
    pub evicted: u64,
}

impl DefragStats {
    /// Nothing was fragmented.
    pub fn is_empty(&self) -> bool {
        *self == DefragStats::default()
    }
}

/// The largest IP payload a datagram can have without jumbograms.
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    proto: u8,
}

#[derive(Debug, Default)]
struct Pending {
    data: Vec<u8>,
    /// Byte ranges held, sorted, merged where they touch.
    ranges: Vec<(u32, u32)>,
    /// The payload's length, once the last fragment came.
    total: Option<u32>,
    /// (offset, frame) of each fragment taken.
    frames: Vec<(u32, u64)>,
    first_ts: f64,
    /// Arrival order, for giving up the oldest.
    serial: u64,
}

/// What one fragment does to the datagram it belongs to.
enum Fit {
    Insert,
    Duplicate,
    Discard,
}

impl Pending {
    fn fit(&self, start: u32, end: u32, last: bool) -> Fit {
        if let Some(total) = self.total {
            if end > total || (last && end != total) {
                return Fit::Discard;
            }
        }
        if last && self.ranges.last().is_some_and(|r| r.1 > end) {
            return Fit::Discard;
        }
        for &(s, e) in &self.ranges {
            if start < e && s < end {
                return if start >= s && end <= e {
                    Fit::Duplicate
                } else {
                    Fit::Discard
                };
            }
        }
        Fit::Insert
    }

    fn insert(&mut self, start: u32, bytes: &[u8]) {
        let end = start + bytes.len() as u32;
        if self.data.len() < end as usize {
            self.data.resize(end as usize, 0);
        }
        self.data[start as usize..end as usize].copy_from_slice(bytes);
        let at = self.ranges.partition_point(|r| r.0 < start);
        self.ranges.insert(at, (start, end));
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(m) if m.1 == s => m.1 = e,
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
    }

    fn complete(&self) -> bool {
        self.total.is_some_and(|t| {
            self.ranges.as_slice() == [(0, t)] || (t == 0 && self.ranges.is_empty())
        })
    }
}

/// Reassembles IP fragments in capture order.
#[derive(Debug, Default)]
pub struct IpDefrag {
    limits: DefragLimits,
    pending: HashMap<Key, Pending>,
    held: usize,
    serial: u64,
    /// Capture time of the last scan for timed-out datagrams.
    last_sweep: f64,
    /// The last completed datagram, lent to the decoder.
    done: Vec<u8>,
    done_frames: Vec<u64>,
    stats: DefragStats,
}

impl IpDefrag {
    pub fn new(limits: DefragLimits) -> IpDefrag {
        IpDefrag {
            limits,
            ..IpDefrag::default()
        }
    }

    pub fn stats(&self) -> DefragStats {
        self.stats
    }

    /// Bytes held by datagrams in progress.
    pub fn held(&self) -> usize {
        self.held
    }

    fn remove(&mut self, key: &Key) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.held -= p.data.len();
        Some(p)
    }

    /// Gives up datagrams whose time ran out by `now`.
    fn sweep(&mut self, now: f64) {
        if now - self.last_sweep < 1.0 && now >= self.last_sweep {
            return;
        }
        self.last_sweep = now;
        let expired: Vec<Key> = self
            .pending
            .iter()
            .filter(|(k, p)| now - p.first_ts > timeout(k))
            .map(|(k, _)| *k)
            .collect();
        for k in expired {
            self.remove(&k);
            self.stats.timed_out += 1;
        }
    }

    /// Gives up the oldest datagram in progress other than `keep`.
    fn evict_oldest(&mut self, keep: &Key) -> bool {
        let oldest = self
            .pending
            .iter()
            .filter(|(k, _)| *k != keep)
            .min_by_key(|(_, p)| p.serial)
            .map(|(k, _)| *k);
        match oldest {
            Some(k) => {
                self.remove(&k);
                self.stats.evicted += 1;
                true
            }
            None => false,
        }
    }
}

/// How long a datagram's fragments are held, in seconds.
fn timeout(k: &Key) -> f64 {
    if k.src.is_ipv4() {
        30.0
    } else {
        60.0
    }
}

impl Defragmenter for IpDefrag {
    fn offer<'s>(&'s mut self, f: &Fragment<'_>) -> Reassembly<'s> {
        self.sweep(f.ts);
        let key = Key {
            src: f.src,
            dst: f.dst,
            id: f.id,
            proto: f.proto,
        };
        let (start, len) = (f.offset, f.len);
        let end = start.saturating_add(len);
        let last = !f.more;
        if end > MAX_DATAGRAM || (f.more && (len == 0 || len % 8 != 0)) {
            self.stats.bad_fragments += 1;
            return Reassembly::Dropped(Dropped::BadLength);
        }
        // What the capture holds of it; a cut fragment leaves a hole that
        // no later fragment fills, so its datagram is never completed.
        let bytes = &f.bytes[..f.bytes.len().min(len as usize)];
        let fit = self
            .pending
            .get(&key)
            .map_or(Fit::Insert, |p| p.fit(start, end, last));
        match fit {
            Fit::Duplicate => {
                self.stats.duplicates += 1;
                return Reassembly::Dropped(Dropped::Duplicate);
            }
            Fit::Discard => {
                self.remove(&key);
                self.stats.discarded += 1;
                return Reassembly::Dropped(Dropped::Overlap);
            }
            Fit::Insert => {}
        }
        if !self.pending.contains_key(&key) {
            while self.pending.len() >= self.limits.max_datagrams.max(1) {
                if !self.evict_oldest(&key) {
                    break;
                }
            }
            self.serial += 1;
            self.pending.insert(
                key,
                Pending {
                    first_ts: f.ts,
                    serial: self.serial,
                    ..Pending::default()
                },
            );
        }
        let grow = {
            let p = &self.pending[&key];
            (start as usize + bytes.len()).saturating_sub(p.data.len())
        };
        while self.held + grow > self.limits.max_bytes {
            if !self.evict_oldest(&key) {
                self.remove(&key);
                self.stats.evicted += 1;
                return Reassembly::Dropped(Dropped::Bound);
            }
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return Reassembly::Held;
        };
        p.insert(start, bytes);
        p.frames.push((start, f.frame));
        if last {
            p.total = Some(end);
        }
        self.held += grow;
        if !p.complete() {
            return Reassembly::Held;
        }
        let Some(mut p) = self.remove(&key) else {
            return Reassembly::Held;
        };
        p.frames.sort_unstable();
        self.done = std::mem::take(&mut p.data);
        self.done_frames.clear();
        self.done_frames
            .extend(p.frames.iter().map(|&(_, frame)| frame));
        self.stats.reassembled += 1;
        Reassembly::Complete(Datagram {
            payload: &self.done,
            frames: &self.done_frames,
        })
    }

    fn reassembles(&self) -> bool {
        true
    }
}

/// Offers the fragments `data` describes, five bytes each (datagram id,
/// offset in 8-byte units, flags: bit 0 more fragments, bit 1 IPv6; length
/// in 8-byte units), to a small reassembler, and checks what it must keep:
/// the bounds, and a completed datagram that holds the fragment that
/// completed it. For the fuzz target and its seeded test.
pub fn fuzz_fragments(data: &[u8]) {
    let limits = DefragLimits {
        max_datagrams: 4,
        max_bytes: 4096,
    };
    let mut d = IpDefrag::new(limits);
    let body = [0x5au8; 2048];
    for (i, c) in data.chunks_exact(5).enumerate() {
        let v6 = c[3] & 2 != 0;
        let (src, dst): (IpAddr, IpAddr) = if v6 {
            (
                "2001:db8::1".parse().unwrap(),
                "2001:db8::2".parse().unwrap(),
            )
        } else {
            ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap())
        };
        let offset = u32::from(u16::from_be_bytes([c[1], c[2]])) * 8;
        let len = usize::from(c[4]) * 8;
        let f = Fragment {
            src,
            dst,
            id: u32::from(c[0]),
            proto: 17,
            offset,
            more: c[3] & 1 != 0,
            len: len as u32,
            bytes: &body[..len.min(body.len())],
            frame: i as u64 + 1,
            ts: i as f64,
        };
        if let Reassembly::Complete(g) = d.offer(&f) {
            assert!(g.payload.len() >= offset as usize + len);
            assert!(g.payload.len() <= MAX_DATAGRAM as usize);
            assert!(g.frames.contains(&(i as u64 + 1)));
        }
        assert!(d.held() <= limits.max_bytes);
        assert!(d.pending.len() <= limits.max_datagrams);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "192.0.2.1";
    const B: &str = "198.51.100.2";

    fn frag(offset: u32, more: bool, bytes: &[u8], frame: u64, ts: f64) -> Fragment<'_> {
        Fragment {
            src: A.parse().unwrap(),
            dst: B.parse().unwrap(),
            id: 0x1234,
            proto: 17,
            offset,
            more,
            len: bytes.len() as u32,
            bytes,
            frame,
            ts,
        }
    }

    fn payload(r: Reassembly<'_>) -> Option<(Vec<u8>, Vec<u64>)> {
        match r {
            Reassembly::Complete(d) => Some((d.payload.to_vec(), d.frames.to_vec())),
            Reassembly::Held | Reassembly::Dropped(_) => None,
        }
    }

    #[test]
    fn random_fragment_trains_keep_the_bounds() {
        // A fixed linear congruential sequence: 64 runs of 200 fragments.
        let mut x: u32 = 0x2545_f491;
        for _ in 0..64 {
            let mut data = Vec::with_capacity(1000);
            for _ in 0..1000 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                data.push((x >> 16) as u8 & [3, 0, 15, 3, 31][data.len() % 5]);
            }
            fuzz_fragments(&data);
        }
        // A train that completes: offsets 0, 16, 32 bytes, the last clear.
        fuzz_fragments(&[1, 0, 0, 1, 2, 1, 0, 2, 1, 2, 1, 0, 4, 0, 2]);
    }

    #[test]
    fn out_of_order_fragments_make_one_datagram() {
        let mut d = IpDefrag::default();
        let body: Vec<u8> = (0..40u8).collect();
        assert!(payload(d.offer(&frag(32, false, &body[32..], 3, 0.2))).is_none());
        assert!(payload(d.offer(&frag(0, true, &body[..16], 4, 0.3))).is_none());
        assert_eq!(d.held(), 40);
        let (got, frames) = payload(d.offer(&frag(16, true, &body[16..32], 5, 0.4))).unwrap();
        assert_eq!(got, body);
        assert_eq!(frames, vec![4, 5, 3]);
        assert_eq!(d.held(), 0);
        assert_eq!(d.stats().reassembled, 1);
    }

    #[test]
    fn a_duplicate_is_ignored_and_an_overlap_discards_the_datagram() {
        let mut d = IpDefrag::default();
        let body = [7u8; 32];
        assert!(payload(d.offer(&frag(0, true, &body[..16], 1, 0.0))).is_none());
        // Wholly inside what is held: a duplicate.
        assert_eq!(
            d.offer(&frag(8, true, &body[..8], 2, 0.0)),
            Reassembly::Dropped(Dropped::Duplicate)
        );
        assert_eq!(d.stats().duplicates, 1);
        // Half over what is held: RFC 5722 §4, the datagram goes.
        assert_eq!(
            d.offer(&frag(8, true, &body[..16], 3, 0.0)),
            Reassembly::Dropped(Dropped::Overlap)
        );
        assert_eq!(d.stats().discarded, 1);
        assert_eq!(d.held(), 0);
        // The last fragment alone does not complete anything.
        assert!(payload(d.offer(&frag(16, false, &body[..16], 4, 0.0))).is_none());
    }

    #[test]
    fn fragments_time_out_in_capture_time() {
        let mut d = IpDefrag::default();
        let body = [1u8; 16];
        assert!(payload(d.offer(&frag(0, true, &body[..8], 1, 100.0))).is_none());
        // 31 s later, past IPv4's 30 s: the first fragment was given up.
        assert!(payload(d.offer(&frag(8, false, &body[8..], 2, 131.0))).is_none());
        assert_eq!(d.stats().timed_out, 1);
    }

    #[test]
    fn bounds_give_up_the_oldest_datagram() {
        let mut d = IpDefrag::new(DefragLimits {
            max_datagrams: 2,
            max_bytes: 1 << 20,
        });
        let body = [0u8; 8];
        for id in 0..3u32 {
            let mut f = frag(0, true, &body, u64::from(id), 0.0);
            f.id = id;
            assert!(payload(d.offer(&f)).is_none());
        }
        assert_eq!(d.stats().evicted, 1);
        let mut last = frag(8, false, &body, 9, 0.0);
        last.id = 0;
        // Datagram 0 was the oldest, so its first half is gone.
        assert!(payload(d.offer(&last)).is_none());
        let mut small = IpDefrag::new(DefragLimits {
            max_datagrams: 8,
            max_bytes: 8,
        });
        assert!(payload(small.offer(&frag(0, true, &body, 1, 0.0))).is_none());
        assert!(payload(small.offer(&frag(8, false, &body, 2, 0.0))).is_none());
        assert!(small.held() <= 8);
    }

    #[test]
    fn bad_lengths_and_cut_fragments_never_complete() {
        let mut d = IpDefrag::default();
        let body = [2u8; 24];
        // Not a multiple of eight, and not the last.
        assert!(payload(d.offer(&frag(0, true, &body[..12], 1, 0.0))).is_none());
        assert_eq!(d.stats().bad_fragments, 1);
        // A first fragment the capture cut: 16 bytes on the wire, 8 held.
        let mut cut = frag(0, true, &body[..8], 2, 0.0);
        cut.len = 16;
        assert!(payload(d.offer(&cut)).is_none());
        assert!(payload(d.offer(&frag(16, false, &body[..8], 3, 0.0))).is_none());
        // Past the largest datagram.
        assert!(payload(d.offer(&frag(65_528, false, &body[..16], 4, 0.0))).is_none());
        assert_eq!(d.stats().bad_fragments, 2);
    }
}
