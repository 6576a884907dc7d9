//! The page-load story: which connections make up each page load, and the
//! steps of "type the URL and press Enter" that the capture shows, infers
//! or cannot show, each citing the notes it illustrates.
//!
//! The explainer reads decoded packet summaries (never raw bytes): the
//! flow tracker has already put TCP streams back in order and decoded the
//! DNS, TLS and HTTP they carry.

pub mod evidence;
mod labels;
pub use labels::frame_list_in;
mod loads;
mod steps;
mod tally;
pub mod waterfall;

pub use labels::{LaneRole, StoryKind};
pub use steps::MAX_CONNS_TOLD;

use crate::decode::Packet;
use crate::notes::{Lang, Notes};
use evidence::{Conn, Evidence};
pub(crate) use loads::{resolving_response, strip_port, url_host, Load};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How sure a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The wire shows it.
    Observed,
    /// Deduced from what the wire shows; `reason` says how.
    Inferred,
    /// Happens inside a host; `reason` says why no packet can show it.
    NotVisible,
    /// The step does not exist on this load (TLS on plain http, a TCP
    /// handshake under QUIC); `reason` says why.
    NotApplicable,
}

/// A notes section a step illustrates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteRef {
    /// Two-digit section number, e.g. "12".
    pub section: String,
    pub title: String,
}

/// Where the capture contradicts a common claim, with the frames that
/// prove it.
#[derive(Debug, Clone, Serialize)]
pub struct NotesCheck {
    /// The notes section that would make the claim.
    pub section: String,
    /// Which claim (`notes::claims`), e.g. "rsa_key_transport".
    pub id: &'static str,
    /// The claim in common words.
    pub claim: String,
    /// The sentence of the loaded notes that makes it, when they do.
    pub quote: Option<String>,
    pub observed: String,
    pub frames: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// "url", "cache", "dns", "arp", "tcp_handshake", "tls_handshake",
    /// "http", "render", "tcp_teardown", "websocket".
    pub id: &'static str,
    pub title: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub frames: Vec<u64>,
    /// Seconds from the start of the page load to the step's first frame.
    pub start: Option<f64>,
    pub duration_ms: Option<f64>,
    /// Language-neutral facts, keyed by name.
    pub facts: serde_json::Map<String, serde_json::Value>,
    /// The facts told in the story's language.
    pub lines: Vec<String>,
    pub notes: Vec<NoteRef>,
    pub notes_check: Vec<NotesCheck>,
    /// Section numbers the step would cite (resolved into `notes`).
    #[serde(skip)]
    cites: Vec<u8>,
    /// First and last timestamp of the step's frames.
    #[serde(skip)]
    span: Option<(f64, f64)>,
}

/// One participant drawn as a lane in the ladder diagram.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub role: LaneRole,
    pub addr: String,
    /// Names the participant is known by (server names, "gateway", …).
    pub label: String,
}

/// One packet as an arrow between two lanes.
#[derive(Debug, Clone, Serialize)]
pub struct Arrow {
    pub frame: u64,
    /// Seconds since the page load started.
    pub t: f64,
    pub from: usize,
    pub to: usize,
    pub label: String,
    /// The steps whose frames include this one.
    pub steps: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Ladder {
    pub lanes: Vec<Lane>,
    pub arrows: Vec<Arrow>,
    /// Arrows left out because the page load had more packets than the
    /// diagram draws.
    pub omitted: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLoad {
    /// A page load, or which of a capture's other traffic it tells.
    pub kind: StoryKind,
    /// 1-based place of a page load in [`Story::loads`] (time order); for
    /// other stories, their place among those.
    pub index: usize,
    /// The name the user asked for (the first name resolved), or the
    /// server's SNI, Host or address when no DNS was seen.
    pub host: String,
    pub client: String,
    pub server: String,
    /// Epoch seconds of the first frame.
    pub start: f64,
    pub duration_ms: f64,
    /// Every name seen for this page load (questions, CNAME targets, SNI,
    /// Host, redirect targets).
    pub names: Vec<String>,
    pub steps: Vec<Step>,
    pub ladder: Ladder,
    /// The ladder's lanes grouped into hosts, each arrow's connection,
    /// and the waterfall of where the time went: what the report draws.
    pub diagram: waterfall::Diagram,
    /// Connections of the page load beyond the first
    /// [`steps::MAX_CONNS_TOLD`], which the steps leave out.
    #[serde(skip_serializing_if = "is_zero")]
    pub connections_not_told: usize,
    #[serde(skip)]
    frames: BTreeSet<u64>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl PageLoad {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub(crate) fn observed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == Status::Observed)
            .count()
    }
}

/// A step for which the notes in use have no section.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MissingSection {
    pub step: &'static str,
    pub section: String,
}

/// One step's status, for the table of page loads.
#[derive(Debug, Clone, Serialize)]
pub struct StepStatus {
    pub id: &'static str,
    pub status: Status,
}

/// One row of the table of every page load found.
#[derive(Debug, Clone, Serialize)]
pub struct LoadSummary {
    /// 1-based, in time order; `--load K` tells this one.
    pub index: usize,
    pub host: String,
    pub client: String,
    pub server: String,
    /// Epoch seconds of its first frame.
    pub start: f64,
    /// Seconds from its first to its last frame.
    pub duration_s: f64,
    /// "http", "https", "http/3" (QUIC), "ws", or "refused" when its first
    /// connection was answered by a RST.
    pub protocol: &'static str,
    pub connections: usize,
    /// TCP (or UDP) payload bytes of its connections, both ways.
    pub bytes: u64,
    /// From the first request to the first byte of its response, where the
    /// response can be read (plain HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
    pub steps: Vec<StepStatus>,
    /// A page load, or a WebSocket session no page load opened.
    pub kind: StoryKind,
    /// Whether the story tells it in full.
    pub told: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Story {
    pub lang: Lang,
    /// Where the cited notes come from.
    pub notes_source: String,
    pub page_loads: Vec<PageLoad>,
    /// Every page load found, in time order (told or not).
    pub loads: Vec<LoadSummary>,
    /// Stories of the traffic that belongs to no page load: DNS alone, TCP
    /// transfers, ICMP, ARP, DHCP, UDP.
    pub other_stories: Vec<PageLoad>,
    /// Frames outside every page load shown, counted by protocol.
    pub left_out: BTreeMap<&'static str, u64>,
    /// Sections of the notes that no step cites.
    pub uncited_sections: Vec<NoteRef>,
    /// Sections steps would cite that the notes do not have.
    pub missing_sections: Vec<MissingSection>,
    pub frames: u64,
    /// Page loads found but not told (only the `max_told` most complete are).
    pub page_loads_not_told: usize,
    /// Loads found but not listed in `loads` (only the first 10,000 are).
    #[serde(skip_serializing_if = "is_zero")]
    pub loads_not_listed: usize,
    /// Frames, and packets of DNS/ARP/connection records, not kept because a bound of
    /// the explainer was reached; the story does not cover them.
    pub frames_not_kept: u64,
    pub items_not_kept: u64,
    /// The records the explainer kept at most (what `items_not_kept` counts beyond).
    #[serde(skip)]
    pub max_items: usize,
    /// What the conversation tracker counted, bounds included (set by the
    /// caller that ran the tracker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<crate::flow::FlowStats>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only page loads that involve this name (or address).
    pub host: Option<String>,
    pub lang: Lang,
    /// Tell at most this many page loads in full (default [`MAX_TOLD`]).
    pub max_told: Option<usize>,
    /// Tell only the page load with this index (1-based, time order).
    pub load: Option<usize>,
}

/// Gathers evidence packet by packet, closes each page load as soon as it
/// is over (see [`tally`]) and tells the story on demand.
pub struct Explainer {
    evidence: Evidence,
    options: Options,
    notes: Notes,
    tally: tally::Tally,
    /// Capture time of the next look for loads that are over.
    next_check: Option<f64>,
    /// Connections held just after the last look.
    held_at_check: usize,
}

/// How often, in capture seconds, reading a file looks for loads that are
/// over.
const CHECK_SECS: f64 = 1.0;

/// Connections held in the evidence above which a closed load is over as
/// soon as its grace ([`CLOSE_GRACE_SECS`]) has passed: about 6 KB each
/// (the connection's evidence, its HTTP records and its frames), so 2,000
/// cost some 12 MB.
const PRESSURE_CONNS: usize = 2_000;
/// Connections opened since the last look that bring the next one forward
/// when more than [`PRESSURE_CONNS`] are held: each look regroups what is
/// held, so its cost per connection stays below `MAX_ITEMS / CHECK_GROWTH`.
const CHECK_GROWTH: usize = 4_000;

impl Explainer {
    pub fn new(options: Options, notes: Notes) -> Explainer {
        Explainer {
            evidence: Evidence::default(),
            options,
            notes,
            tally: tally::Tally::default(),
            next_check: None,
            held_at_check: 0,
        }
    }

    /// Gathers a packet. Once a second of capture time, the page loads
    /// over by then (every connection closed, or idle past
    /// [`IDLE_GAP_SECS`], and no packet of theirs for that long) are
    /// reduced to their row and, if told, their story, and their evidence
    /// is dropped.
    pub fn observe(&mut self, p: &Packet) {
        self.evidence.observe(p);
        if p.ts <= 0.0 {
            return;
        }
        // With many connections held, a check also comes once another
        // [`CHECK_GROWTH`] have opened, however short the capture time:
        // a fast capture would otherwise open tens of thousands between
        // two checks.
        let held = self.evidence.conns.len();
        let grown = held > PRESSURE_CONNS && held >= self.held_at_check + CHECK_GROWTH;
        match self.next_check {
            Some(t) if p.ts < t && !grown => {}
            Some(_) => {
                // Closed loads wait for late packets of theirs (a FIN or
                // the last ACK sent again) for the idle gap; with many
                // connections held only for the grace a redirect's next
                // connection gets, so that memory follows the connections
                // open, not those of the last half-minute.
                let pressed = self.evidence.conns.len() > PRESSURE_CONNS;
                let quiet = if pressed {
                    CLOSE_GRACE_SECS
                } else {
                    IDLE_GAP_SECS
                };
                let when = (p.ts, IDLE_GAP_SECS, quiet);
                let ev = &mut self.evidence;
                tally::close(ev, &mut self.tally, &self.options, &self.notes, when, false);
                // Regrouping costs in proportion to the connections still
                // held, so checks grow rarer as they grow (one second per
                // thousand): the work over a capture stays linear in its
                // length, and a load closes at most that much later.
                self.held_at_check = self.evidence.conns.len();
                let held = self.held_at_check as f64 / 1000.0;
                self.next_check = Some(p.ts + CHECK_SECS.max(held));
            }
            None => self.next_check = Some(p.ts + CHECK_SECS),
        }
    }

    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// The names and server addresses of every page load observed, before
    /// `--host` chooses among them (sorted, without repeats).
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts = self.tally.hosts.clone();
        for load in loads::group(&self.evidence, &self.tally.ends) {
            hosts.extend(load.names.iter().cloned());
            hosts.extend(load.servers.iter().map(|s| s.to_string()));
        }
        hosts.into_iter().collect()
    }

    /// The story of everything observed so far: every load found (those
    /// still open counted as over), the told ones in full.
    pub fn story(&self) -> Story {
        tell(
            &self.evidence,
            self.tally.clone(),
            &self.options,
            &self.notes,
        )
    }

    /// Closes the page loads that are over at time `now` (epoch seconds),
    /// by the same rule that separates them in a file: every connection
    /// closed, or idle for `idle` seconds (at most [`IDLE_GAP_SECS`]), and
    /// no packet of theirs for `idle` seconds. Returns each in full, with
    /// the index the closing story gives it; each is returned once. For a
    /// live capture, which tells each page load as soon as it is over.
    pub fn completed(&mut self, now: f64, idle: f64) -> Vec<PageLoad> {
        let idle = idle.min(IDLE_GAP_SECS);
        let ev = &mut self.evidence;
        tally::close(
            ev,
            &mut self.tally,
            &self.options,
            &self.notes,
            (now, idle, idle),
            true,
        )
    }
}

/// How long before its first connection a DNS exchange may be counted as
/// part of a page load, and how long after the page load's last packet a
/// new connection to the same site still belongs to it.
pub(crate) const DNS_LEAD_SECS: f64 = 10.0;
/// At most this many page loads are assembled (a SYN flood would make
/// every SYN one); connections beyond are left out and counted.
pub(crate) const MAX_LOADS: usize = 10_000;
/// DNS messages told per page load: a page load asks for a handful of
/// names; a client that keeps asking the same ones (a benchmark, a
/// monitoring loop) would otherwise hand every load hundreds.
pub(crate) const MAX_DNS_PER_LOAD: usize = 64;
/// DHCP messages told per page load.
pub(crate) const MAX_DHCP_PER_LOAD: usize = 64;
/// At most this many page loads are told, the most promising first.
pub const MAX_TOLD: usize = 100;
/// A page load whose connections are not closed is over once all of them
/// have been idle this long; a connection opened later is a new visit.
pub const IDLE_GAP_SECS: f64 = 30.0;
/// A connection opened this soon after the page load's last connection
/// closed still belongs to it (a client following a redirect after
/// `Connection: close` opens the next connection at once).
pub const CLOSE_GRACE_SECS: f64 = 0.5;

fn tell(ev: &Evidence, mut tally: tally::Tally, options: &Options, notes: &Notes) -> Story {
    let mut open = loads::group(ev, &tally.ends);
    open.sort_by(|a, b| a.start.total_cmp(&b.start));
    let others = steps::other_stories(ev, &open, options.lang, notes);
    // The loads still open are over at the end of the capture.
    for l in &open {
        tally.add(ev, l, options, notes, false);
    }
    let told = tally.told_indices();
    let page_loads = tally.told();
    let rows: Vec<LoadSummary> = std::mem::take(&mut tally.rows)
        .into_iter()
        .map(|mut r| {
            r.told = told.contains(&r.index);
            r
        })
        .collect();
    let not_told = tally.count - page_loads.len();
    let loads_not_listed = tally.rows_not_listed;
    let shown: BTreeSet<u64> = page_loads
        .iter()
        .chain(&others)
        .flat_map(|p| p.frames.iter().copied())
        // Frames a step tells (DHCP's messages and address checks) are not
        // left out even where the ladder does not draw them.
        .chain(
            page_loads
                .iter()
                .flat_map(|p| p.steps.iter().flat_map(|s| s.frames.iter().copied())),
        )
        .collect();
    let mut left_out = tally.left_out;
    for f in &ev.frames {
        if !shown.contains(&f.frame) {
            *left_out.entry(f.proto).or_insert(0) += 1;
        }
    }
    let cited: BTreeSet<u8> = page_loads
        .iter()
        .chain(&others)
        .flat_map(|p| p.steps.iter().flat_map(|s| s.cites.iter().copied()))
        .collect();
    let uncited_sections = notes
        .sections
        .iter()
        .filter(|s| !cited.contains(&s.number))
        .map(|s| NoteRef {
            section: format!("{:02}", s.number),
            title: s.title.clone(),
        })
        .collect();
    let mut missing_sections = Vec::new();
    for p in page_loads.iter().chain(&others) {
        for s in &p.steps {
            for n in &s.cites {
                let m = MissingSection {
                    step: s.id,
                    section: format!("{n:02}"),
                };
                if notes.section(*n).is_none() && !missing_sections.contains(&m) {
                    missing_sections.push(m);
                }
            }
        }
    }
    Story {
        lang: options.lang,
        notes_source: notes.source.clone(),
        page_loads,
        loads: rows,
        other_stories: others,
        left_out,
        uncited_sections,
        missing_sections,
        frames: ev.total_frames,
        page_loads_not_told: not_told,
        loads_not_listed,
        frames_not_kept: ev.frames_dropped,
        items_not_kept: ev.items_dropped,
        max_items: evidence::MAX_ITEMS,
        flow: None,
    }
}

/// The table row of a page load.
pub(crate) fn summary(ev: &Evidence, l: &Load, p: &PageLoad, index: usize) -> LoadSummary {
    let conns: Vec<&Conn> = l.conns.iter().filter_map(|s| ev.conns.get(s)).collect();
    // A refused attempt followed by another address: the one that
    // answered says what the load is.
    let first = conns.iter().find(|c| !loads::refused(c)).or(conns.first());
    let protocol = match first {
        Some(c) if c.syn_ack.is_none() && !c.rsts.is_empty() && !c.quic => "refused",
        Some(c) if c.quic => "http/3",
        Some(c) if !c.websocket.frames.is_empty() => "ws",
        Some(c) if c.is_tls() => "https",
        _ => "http",
    };
    // Plain HTTP: the request's first segment to the response's.
    let ttfb_ms = first.and_then(|c| {
        let req = c.first_request()?;
        let resp = c.http.iter().find(|h| h.msg.status.is_some())?;
        (resp.seg.ts >= req.seg.ts).then(|| steps::ms(req.seg.ts, resp.seg.ts))
    });
    LoadSummary {
        index,
        host: p.host.clone(),
        client: p.client.clone(),
        server: p.server.clone(),
        start: p.start,
        duration_s: (p.duration_ms / 1000.0 * 1e6).round() / 1e6,
        protocol,
        connections: conns.len(),
        bytes: conns
            .iter()
            .map(|c| c.payload_bytes[0] + c.payload_bytes[1])
            .sum(),
        ttfb_ms,
        steps: p
            .steps
            .iter()
            .map(|s| StepStatus {
                id: s.id,
                status: s.status,
            })
            .collect(),
        kind: StoryKind::PageLoad,
        told: false,
    }
}

#[cfg(test)]
mod tests;
