//! The story as it streams: each page load is reduced to its table row as
//! soon as it is over, its full steps are kept only while it is among the
//! loads to be told, and the evidence of every load that is over is
//! dropped. What is kept is then bounded by the loads still open plus the
//! told ones, not by the length of the capture.

use super::evidence::{Evidence, Forget};
use super::loads::{group, name_matches, Load};
use super::{steps, summary, LoadSummary, Options, PageLoad, StoryKind, CLOSE_GRACE_SECS};
use crate::notes::Notes;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// A told load: its story, how many steps the wire shows (what "most
/// complete" ranks by), and its frames by protocol, counted as left out
/// should a more complete load take its place.
#[derive(Debug, Clone)]
struct Told {
    story: PageLoad,
    observed: usize,
    frames: BTreeMap<&'static str, u64>,
}

/// At most this many loads are listed (and their names kept for `--host`):
/// a flood of connections that are each a load of their own stays bounded.
pub(super) const MAX_ROWS: usize = 10_000;

/// Every load found so far, and the told ones in full.
#[derive(Debug, Clone, Default)]
pub(super) struct Tally {
    /// One row per load, in the order they were over (their index), for
    /// the first [`MAX_ROWS`] loads.
    pub rows: Vec<LoadSummary>,
    /// Loads found in all, listed or not.
    pub count: usize,
    /// Loads past [`MAX_ROWS`], counted but not listed.
    pub rows_not_listed: usize,
    told: Vec<Told>,
    /// Frames of loads over and not told, by protocol.
    pub left_out: BTreeMap<&'static str, u64>,
    /// Names and server addresses of every load over (before `--host`).
    pub hosts: BTreeSet<String>,
    /// Per client, the end of its last load over.
    pub ends: HashMap<IpAddr, f64>,
}

/// Whether a load is over at `now`: each connection closed (both FINs or a
/// RST) more than [`CLOSE_GRACE_SECS`] and at least `quiet` seconds before,
/// or idle for `idle` seconds.
pub(super) fn over(l: &Load, now: f64, idle: f64, quiet: f64) -> bool {
    l.spans.iter().all(|&(last, closed)| {
        if closed {
            now > last + CLOSE_GRACE_SECS && now - last >= quiet
        } else {
            now - last >= idle
        }
    })
}

impl Tally {
    /// Adds a load that is over: its row, and its story if it is among the
    /// told. Returns the load's index (0 when `--host` leaves it out) and,
    /// when `full`, its story drawn in full.
    pub fn add(
        &mut self,
        ev: &Evidence,
        l: &Load,
        options: &Options,
        notes: &Notes,
        full: bool,
    ) -> (usize, Option<PageLoad>) {
        if self.hosts.len() < MAX_ROWS {
            self.hosts.extend(l.names.iter().cloned());
            self.hosts.extend(l.servers.iter().map(|s| s.to_string()));
        }
        let end = self.ends.entry(l.client).or_insert(l.end);
        *end = end.max(l.end);
        if let Some(h) = &options.host {
            let mine = l.names.iter().any(|n| name_matches(n, h))
                || l.servers.iter().any(|s| s.to_string() == *h);
            if !mine {
                return (0, None);
            }
        }
        self.count += 1;
        let index = self.count;
        let kind = if l.websocket {
            StoryKind::WebSocket
        } else {
            StoryKind::PageLoad
        };
        let brief = steps::page_load(ev, l, options.lang, notes, false);
        let observed = brief.observed();
        let mut row = summary(ev, l, &brief, index);
        row.kind = kind;
        if self.rows.len() < MAX_ROWS {
            self.rows.push(row);
        } else {
            self.rows_not_listed += 1;
        }
        let tell = match options.load {
            Some(k) => k == index,
            None => {
                let max = options.max_told.unwrap_or(super::MAX_TOLD);
                if self.told.len() < max {
                    true
                } else if let Some((i, _)) = self.least_complete().filter(|(_, o)| observed > *o) {
                    // A more complete load takes the place of the least.
                    let out = self.told.remove(i);
                    for (k, v) in out.frames {
                        *self.left_out.entry(k).or_insert(0) += v;
                    }
                    true
                } else {
                    false
                }
            }
        };
        let story = (tell || full).then(|| {
            let mut p = steps::page_load(ev, l, options.lang, notes, true);
            p.index = index;
            p.kind = kind;
            p
        });
        if let (true, Some(p)) = (tell, &story) {
            self.told.push(Told {
                story: p.clone(),
                observed,
                frames: BTreeMap::new(),
            });
        }
        (index, story.filter(|_| full))
    }

    /// The told load that a more complete one replaces: the fewest
    /// observed steps, the latest among equals.
    fn least_complete(&self) -> Option<(usize, usize)> {
        self.told
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                a.observed
                    .cmp(&b.observed)
                    .then(b.story.index.cmp(&a.story.index))
            })
            .map(|(i, t)| (i, t.observed))
    }

    /// Records the frames of load `index` that were dropped from the
    /// evidence: shown if it is told, left out otherwise.
    fn dropped(&mut self, index: usize, frames: BTreeMap<&'static str, u64>) {
        if let Some(t) = self
            .told
            .iter_mut()
            .find(|t| index > 0 && t.story.index == index)
        {
            t.frames = frames;
        } else {
            for (k, v) in frames {
                *self.left_out.entry(k).or_insert(0) += v;
            }
        }
    }

    /// The told loads' stories, most complete first, ties in time order.
    pub fn told(&self) -> Vec<PageLoad> {
        let mut out: Vec<&Told> = self.told.iter().collect();
        out.sort_by(|a, b| {
            b.observed
                .cmp(&a.observed)
                .then(a.story.start.total_cmp(&b.story.start))
        });
        out.into_iter().map(|t| t.story.clone()).collect()
    }

    pub fn told_indices(&self) -> BTreeSet<usize> {
        self.told.iter().map(|t| t.story.index).collect()
    }
}

/// Closes the loads of `ev` that are over at `now`, in the order they
/// began, adds them to `tally` and drops their evidence. Returns the
/// stories of those closed, in full when `full` (for a live capture).
pub(super) fn close(
    ev: &mut Evidence,
    tally: &mut Tally,
    options: &Options,
    notes: &Notes,
    (now, idle, quiet): (f64, f64, f64),
    full: bool,
) -> Vec<PageLoad> {
    let mut loads = group(ev, &tally.ends);
    loads.sort_by(|a, b| a.start.total_cmp(&b.start));
    let done: Vec<&Load> = loads.iter().filter(|l| over(l, now, idle, quiet)).collect();
    if done.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut gone = Vec::new();
    for l in done {
        let (index, story) = tally.add(ev, l, options, notes, full);
        out.extend(story);
        let mut f = Forget::default();
        f.conns.extend(l.conns.iter().copied());
        f.dns.extend(l.dns.iter().copied());
        f.arp.extend(l.arp.iter().copied());
        f.frames.extend(l.dns.iter().map(|&i| ev.dns[i].frame));
        f.frames.extend(l.arp.iter().map(|&i| ev.arp[i].frame));
        for c in l.conns.iter().filter_map(|s| ev.conns.get(s)) {
            f.frames.extend(c.frames.iter().copied());
        }
        gone.push((index, f));
    }
    // Each load's records are dropped on their own so that its frames are
    // counted as its own.
    let mut all = Forget::default();
    for (index, f) in gone {
        let frames = count(ev, &f.frames);
        tally.dropped(index, frames);
        all.conns.extend(f.conns);
        all.dns.extend(f.dns);
        all.arp.extend(f.arp);
        all.frames.extend(f.frames);
    }
    ev.forget(&all);
    out
}

/// The frames of `frames` still in the evidence, by protocol.
fn count(ev: &Evidence, frames: &std::collections::HashSet<u64>) -> BTreeMap<&'static str, u64> {
    let mut by = BTreeMap::new();
    for n in frames {
        if let Some(r) = ev.frame(*n) {
            *by.entry(r.proto).or_insert(0) += 1;
        }
    }
    by
}
