//! The page-load story: which connections make up each page load, and the
//! steps of "type the URL and press Enter" that the capture shows, infers
//! or cannot show, each citing the notes it illustrates.
//!
//! The explainer reads decoded packet summaries (never raw bytes): the
//! flow tracker has already put TCP streams back in order and decoded the
//! DNS, TLS and HTTP they carry.

pub mod evidence;
mod labels;
mod steps;
pub mod waterfall;

pub use labels::{LaneRole, StoryKind};
pub use steps::MAX_CONNS_TOLD;

use crate::decode::{Mac, Packet};
use crate::notes::{Lang, Notes};
use evidence::{Conn, Evidence};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

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

    fn observed(&self) -> usize {
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

/// Gathers evidence packet by packet and tells the story on demand.
pub struct Explainer {
    evidence: Evidence,
    options: Options,
    notes: Notes,
}

impl Explainer {
    pub fn new(options: Options, notes: Notes) -> Explainer {
        Explainer {
            evidence: Evidence::default(),
            options,
            notes,
        }
    }

    pub fn observe(&mut self, p: &Packet) {
        self.evidence.observe(p);
    }

    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// The names and server addresses of every page load observed, before
    /// `--host` chooses among them (sorted, without repeats).
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts = BTreeSet::new();
        for load in group(&self.evidence) {
            hosts.extend(load.names.iter().cloned());
            hosts.extend(load.servers.iter().map(|s| s.to_string()));
        }
        hosts.into_iter().collect()
    }

    /// The story of everything observed so far.
    pub fn story(&self) -> Story {
        tell(&self.evidence, &self.options, &self.notes)
    }

    /// The page loads that are over at time `now` (epoch seconds), by the
    /// same rule that separates them in a file: every connection closed,
    /// or idle for `idle` seconds (at most [`IDLE_GAP_SECS`]). For a live
    /// capture, which tells each page load as soon as it is over.
    pub fn completed(&self, now: f64, idle: f64) -> Vec<PageLoad> {
        let idle = idle.min(IDLE_GAP_SECS);
        let mut loads = group(&self.evidence);
        loads.sort_by(|a, b| a.start.total_cmp(&b.start));
        loads
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let h = self.options.host.as_deref();
                h.is_none_or(|h| {
                    l.names.iter().any(|n| name_matches(n, h))
                        || l.servers.iter().any(|s| s.to_string() == h)
                })
            })
            .filter(|(_, l)| {
                l.spans.iter().all(|&(last, closed)| {
                    if closed {
                        now > last + CLOSE_GRACE_SECS
                    } else {
                        now - last >= idle
                    }
                })
            })
            .map(|(i, l)| {
                let mut p =
                    steps::page_load(&self.evidence, l, self.options.lang, &self.notes, true);
                p.index = i + 1;
                p
            })
            .collect()
    }
}

/// A page load while it is being assembled.
pub(crate) struct Load {
    /// The client's address on the first connection.
    pub client: IpAddr,
    /// Its MAC address: the same host may use IPv4 for DNS and IPv6 for
    /// the connection.
    pub client_mac: Option<Mac>,
    /// Connections in order of their first packet.
    pub conns: Vec<u64>,
    pub names: BTreeSet<String>,
    /// Hosts named by redirects (Location) from this page load.
    pub redirects: BTreeSet<String>,
    pub sites: BTreeSet<String>,
    pub servers: BTreeSet<IpAddr>,
    /// Indices into `Evidence::dns` of this page load's DNS messages.
    pub dns: Vec<usize>,
    /// Indices into `Evidence::arp`.
    pub arp: Vec<usize>,
    /// Indices into `Evidence::dhcp`: how the client got its address.
    pub dhcp: Vec<usize>,
    pub start: f64,
    pub end: f64,
    pub first_request_ts: f64,
    pub host: String,
    /// Indices into `Evidence::dns` of the responses that resolved its
    /// connections, and the names they answered.
    pub lookups: BTreeSet<usize>,
    pub asked: BTreeSet<String>,
    /// Per connection: its last packet, and whether it was closed.
    pub spans: Vec<(f64, bool)>,
    /// The end of the same client's page load before this one: its DNS and
    /// ARP are not this one's.
    pub not_before: f64,
}

impl Load {
    /// A story's frame with nothing in it yet.
    pub(crate) fn empty(client: IpAddr, client_mac: Option<Mac>, start: f64, host: String) -> Load {
        Load {
            client,
            client_mac,
            conns: Vec::new(),
            names: BTreeSet::new(),
            redirects: BTreeSet::new(),
            sites: BTreeSet::new(),
            servers: BTreeSet::new(),
            dns: Vec::new(),
            arp: Vec::new(),
            dhcp: Vec::new(),
            start,
            end: start,
            first_request_ts: f64::INFINITY,
            host,
            lookups: BTreeSet::new(),
            asked: BTreeSet::new(),
            spans: Vec::new(),
            not_before: f64::NEG_INFINITY,
        }
    }
}

/// How long before its first connection a DNS exchange may be counted as
/// part of a page load, and how long after the page load's last packet a
/// new connection to the same site still belongs to it.
const DNS_LEAD_SECS: f64 = 10.0;
/// At most this many page loads are assembled (a SYN flood would make
/// every SYN one); connections beyond are left out and counted.
const MAX_LOADS: usize = 10_000;
/// DNS messages told per page load: a page load asks for a handful of
/// names; a client that keeps asking the same ones (a benchmark, a
/// monitoring loop) would otherwise hand every load hundreds.
const MAX_DNS_PER_LOAD: usize = 64;
/// DHCP messages told per page load.
const MAX_DHCP_PER_LOAD: usize = 64;
/// At most this many page loads are told, the most promising first.
pub const MAX_TOLD: usize = 100;
/// A page load whose connections are not closed is over once all of them
/// have been idle this long; a connection opened later is a new visit.
pub const IDLE_GAP_SECS: f64 = 30.0;
/// A connection opened this soon after the page load's last connection
/// closed still belongs to it (a client following a redirect after
/// `Connection: close` opens the next connection at once).
pub const CLOSE_GRACE_SECS: f64 = 0.5;

fn tell(ev: &Evidence, options: &Options, notes: &Notes) -> Story {
    let all = group(ev);
    let others = steps::other_stories(ev, &all, options.lang, notes);
    let mut loads = all;
    if let Some(h) = &options.host {
        loads.retain(|l| {
            l.names.iter().any(|n| name_matches(n, h))
                || l.servers.iter().any(|s| s.to_string() == *h)
        });
    }
    loads.sort_by(|a, b| a.start.total_cmp(&b.start));
    // Every page load gets a row; its steps are built for the statuses and
    // kept only if it is told.
    let mut rows: Vec<(LoadSummary, usize)> = loads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let p = steps::page_load(ev, l, options.lang, notes, false);
            (summary(ev, l, &p, i + 1), p.observed())
        })
        .collect();
    let chosen: Vec<usize> = match options.load {
        Some(k) => (k >= 1 && k <= rows.len())
            .then_some(k - 1)
            .into_iter()
            .collect(),
        None => {
            let mut order: Vec<usize> = (0..rows.len()).collect();
            // Most complete first; ties in time order.
            order.sort_by_key(|&i| std::cmp::Reverse(rows[i].1));
            order.truncate(options.max_told.unwrap_or(MAX_TOLD));
            order
        }
    };
    let mut page_loads: Vec<PageLoad> = chosen
        .iter()
        .map(|&i| {
            rows[i].0.told = true;
            let mut p = steps::page_load(ev, &loads[i], options.lang, notes, true);
            p.index = i + 1;
            p
        })
        .collect();
    let not_told = rows.len() - page_loads.len();
    let rows: Vec<LoadSummary> = rows.into_iter().map(|(r, _)| r).collect();
    page_loads.sort_by(|a, b| {
        b.observed()
            .cmp(&a.observed())
            .then(a.start.total_cmp(&b.start))
    });
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
    let mut left_out = BTreeMap::new();
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
        frames_not_kept: ev.frames_dropped,
        items_not_kept: ev.items_dropped,
        max_items: evidence::MAX_ITEMS,
        flow: None,
    }
}

/// The table row of a page load.
fn summary(ev: &Evidence, l: &Load, p: &PageLoad, index: usize) -> LoadSummary {
    let conns: Vec<&Conn> = l.conns.iter().filter_map(|s| ev.conns.get(s)).collect();
    let first = conns.first();
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
        told: false,
    }
}

/// `name` is `wanted` or a name under it (www.google.com under google.com).
fn name_matches(name: &str, wanted: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let wanted = wanted.trim_end_matches('.').to_ascii_lowercase();
    name == wanted || name.ends_with(&format!(".{wanted}"))
}

/// The last two labels of a name: a rough "site" that groups
/// www.google.com with static.google.com.
fn site(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').rsplitn(3, '.').collect();
    match labels.as_slice() {
        [tld, second, ..] => format!("{second}.{tld}"),
        _ => name.to_string(),
    }
}

/// Host of an absolute URL (`https://www.google.com:443/x` → www.google.com).
pub(crate) fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The DNS response that gave the client this connection's server address
/// most recently before the connection opened (RFC 1034 §5: the stub asks,
/// the resolver answers).
fn resolving_response(ev: &Evidence, c: &Conn) -> Option<usize> {
    let candidates = ev.dns_by_answer.get(&c.server.0)?;
    // Answers are kept in capture order. When that is time order, start
    // from the last one before the connection instead of from the end, so
    // that thousands of connections to one server do not each scan them
    // all.
    let before = if !ev.dns_out_of_time_order {
        candidates.partition_point(|&i| ev.dns[i].ts <= c.first.ts)
    } else {
        candidates.len()
    };
    candidates[..before].iter().rev().copied().find(|&i| {
        let d = &ev.dns[i];
        (d.dst == c.client.0 || (c.client_mac.is_some() && d.dst_mac == c.client_mac))
            && d.ts <= c.first.ts
    })
}

/// Names a connection is known by, the most telling first.
fn conn_names(ev: &Evidence, c: &Conn) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(i) = resolving_response(ev, c) {
        let m = &ev.dns[i].msg;
        names.extend(m.questions.iter().map(|q| q.name.to_ascii_lowercase()));
        for a in &m.answers {
            names.push(a.name.to_ascii_lowercase());
            if let Some(target) = a.target() {
                names.push(target.to_ascii_lowercase());
            }
        }
    }
    if let Some(s) = c.sni() {
        names.push(s.to_ascii_lowercase());
    }
    if let Some(h) = c.first_request().and_then(|r| r.msg.host.as_deref()) {
        names.push(strip_port(h).to_ascii_lowercase());
    }
    let mut seen = BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

pub(crate) fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Whether a connection can be the start of a page load (RFC 9110 §4.2:
/// http and https default to ports 80 and 443; RFC 9114: HTTP/3 on UDP).
///
/// A connection refused at once (a SYN answered by RST, RFC 9293 §3.10.7.1)
/// is a page load that failed: no data ever flows, so nothing says which
/// application tried, and the attempt is told as one.
fn is_web(c: &Conn) -> bool {
    let refused = !c.quic
        && !c.syns.is_empty()
        && c.syn_ack.is_none()
        && c.rsts.iter().any(|r| !r.from_client)
        && c.payload_bytes == [0, 0];
    matches!(c.server.1, 80 | 443) || !c.tls.is_empty() || !c.http.is_empty() || refused
}

/// When a connection is over (RFC 9293 §3.6): both FINs or a RST were
/// seen. The time is its last packet.
fn closed_at(c: &Conn) -> Option<f64> {
    let both_fins = c.fins.iter().any(|f| f.from_client) && c.fins.iter().any(|f| !f.from_client);
    (both_fins || !c.rsts.is_empty()).then_some(c.last_ts)
}

/// Whether a page load is still open at time `t`: one of its connections
/// has not closed by then and has not been idle past [`IDLE_GAP_SECS`], or
/// closed less than [`CLOSE_GRACE_SECS`] before.
fn open_at(l: &Load, t: f64) -> bool {
    l.spans.iter().any(|&(last, closed)| {
        if closed {
            t <= last + CLOSE_GRACE_SECS
        } else {
            t <= last + IDLE_GAP_SECS
        }
    })
}

/// Whether one of a page load's connections is still open at `t` (not
/// closed by then, and not idle past the gap).
fn live_at(l: &Load, t: f64) -> bool {
    l.spans.iter().any(|&(last, closed)| {
        if closed {
            t <= last
        } else {
            t <= last + IDLE_GAP_SECS
        }
    })
}

/// The DNS response that resolved a connection: the latest one before it
/// that no page load has claimed yet (two visits at the same moment each
/// make their own lookup), else the latest.
fn lookup_of(ev: &Evidence, c: &Conn, claimed: &HashMap<usize, usize>) -> Option<usize> {
    let candidates = ev.dns_by_answer.get(&c.server.0)?;
    let before = if !ev.dns_out_of_time_order {
        candidates.partition_point(|&i| ev.dns[i].ts <= c.first.ts)
    } else {
        candidates.len()
    };
    let mine = |i: &usize| {
        let d = &ev.dns[*i];
        (d.dst == c.client.0 || (c.client_mac.is_some() && d.dst_mac == c.client_mac))
            && d.ts <= c.first.ts
            && d.ts >= c.first.ts - DNS_LEAD_SECS
    };
    let recent = candidates[..before].iter().rev().take(64);
    recent
        .clone()
        .copied()
        .find(|i| mine(i) && !claimed.contains_key(i))
        .or_else(|| recent.copied().find(mine))
}

/// The question name of a DNS message.
fn asked(ev: &Evidence, i: usize) -> Option<String> {
    ev.dns[i]
        .msg
        .questions
        .first()
        .map(|q| q.name.trim_end_matches('.').to_ascii_lowercase())
}

/// Groups connections into page loads. A page load begins with the lookup
/// that resolves its first connection (or, with none, that connection) and
/// is over when all its connections are closed or idle past the gap; a
/// connection opened after that is a new page load, even to the same
/// server. While a page load is open, a connection joins it when it goes
/// to the same server, site or redirect target and:
/// - it was resolved by a lookup of this page load, or by a new lookup of
///   a name the page load has not asked for (a subresource, a redirect);
/// - with no lookup, it opened after the page load's first request (a
///   connection opened before it, beside the first, is a parallel visit).
///
/// A lookup of a name the page load already asked for begins another
/// visit.
fn group(ev: &Evidence) -> Vec<Load> {
    let mut conns: Vec<&Conn> = ev.conns.values().filter(|c| is_web(c)).collect();
    conns.sort_by(|a, b| {
        a.first
            .ts
            .total_cmp(&b.first.ts)
            .then(a.first.frame.cmp(&b.first.frame))
    });
    let mut loads: Vec<Load> = Vec::new();
    // Lookups claimed, by the page load that claimed them.
    let mut claimed: HashMap<usize, usize> = HashMap::new();
    // The page loads of each client, by address and by MAC, so that a
    // capture of many clients is grouped in linear time.
    let mut by_ip: HashMap<IpAddr, Vec<usize>> = HashMap::new();
    let mut by_mac: HashMap<Mac, Vec<usize>> = HashMap::new();
    for c in conns {
        let names = conn_names(ev, c);
        let lookup = lookup_of(ev, c, &claimed);
        // Only the latest few page loads of a client can still be open.
        let latest = |v: Option<&Vec<usize>>| -> Vec<usize> {
            v.map_or_else(Vec::new, |v| v[v.len().saturating_sub(16)..].to_vec())
        };
        let mut mine = latest(by_ip.get(&c.client.0));
        mine.extend(latest(c.client_mac.and_then(|m| by_mac.get(&m))));
        mine.sort_unstable();
        mine.dedup();
        let joined = mine.into_iter().rev().find(|&i| {
            let l = &loads[i];
            if !open_at(l, c.first.ts) {
                return false;
            }
            let redirect = names.iter().any(|n| l.redirects.contains(n));
            // In the grace after its last connection closed, only the
            // target of a redirect still joins a page load.
            if !live_at(l, c.first.ts) && !redirect {
                return false;
            }
            let related = redirect
                || l.servers.contains(&c.server.0)
                || names.iter().any(|n| l.sites.contains(&site(n)));
            if !related {
                return false;
            }
            match lookup {
                Some(k) if l.lookups.contains(&k) => true,
                Some(k) if claimed.contains_key(&k) => false,
                // A name asked again is another visit, even a redirect's.
                Some(k) => asked(ev, k).is_none_or(|q| !l.asked.contains(&q)),
                None => redirect || c.first.ts >= l.first_request_ts,
            }
        });
        let i = match joined {
            Some(i) => i,
            None if loads.len() >= MAX_LOADS => continue,
            None => {
                by_ip.entry(c.client.0).or_default().push(loads.len());
                if let Some(m) = c.client_mac {
                    by_mac.entry(m).or_default().push(loads.len());
                }
                let host = names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| c.server.0.to_string());
                let mut l = Load::empty(c.client.0, c.client_mac, c.first.ts, host);
                l.end = c.last_ts;
                loads.push(l);
                loads.len() - 1
            }
        };
        let load = &mut loads[i];
        if let Some(k) = lookup {
            claimed.entry(k).or_insert(i);
            load.lookups.insert(k);
            if let Some(q) = asked(ev, k) {
                load.asked.insert(q);
            }
        }
        load.spans.push((c.last_ts, closed_at(c).is_some()));
        load.conns.push(c.stream);
        load.servers.insert(c.server.0);
        load.end = load.end.max(c.last_ts);
        for n in &names {
            load.sites.insert(site(n));
        }
        load.names.extend(names);
        // The first thing sent on the connection is the request (or the
        // ClientHello that carries it).
        if let Some(d) = c.first_data[0] {
            load.first_request_ts = load.first_request_ts.min(d.ts);
        }
        for h in &c.http {
            if let Some(host) = h.msg.location.as_deref().and_then(url_host) {
                load.redirects.insert(host);
            }
        }
    }
    // A page load's DNS and ARP are looked for no earlier than the end of
    // the same client's page load before it.
    // (A page load still open when this one began does not bound it.)
    let mut ends: HashMap<IpAddr, Vec<f64>> = HashMap::new();
    let mut order: Vec<usize> = (0..loads.len()).collect();
    order.sort_by(|&a, &b| loads[a].start.total_cmp(&loads[b].start));
    for i in order {
        let l = &mut loads[i];
        let mine = ends.entry(l.client).or_default();
        // Only the latest few can matter.
        if let Some(e) = mine
            .iter()
            .rev()
            .take(16)
            .copied()
            .filter(|e| *e <= l.start)
            .reduce(f64::max)
        {
            l.not_before = e;
        }
        mine.push(l.end);
    }
    for l in &mut loads {
        attach_dns(ev, l, &claimed);
        attach_arp(ev, l);
        attach_dhcp(ev, l);
    }
    loads
}

/// The DNS exchanges of a page load: the client's queries for its names
/// in the lead-up to and during the load, and the answers to them.
fn attach_dns(ev: &Evidence, l: &mut Load, claimed: &HashMap<usize, usize>) {
    let me = claimed
        .iter()
        .find(|(k, _)| l.lookups.contains(k))
        .map(|(_, v)| *v);
    // The queries whose answers resolved another page load's connections.
    let others_queries: BTreeSet<u64> = claimed
        .iter()
        .filter(|(_, v)| Some(**v) != me)
        .filter_map(|(k, _)| ev.dns[*k].msg.query_frame)
        .collect();
    let last_conn = l.end;
    let mut names = l.names.clone();
    let mut query_ids = BTreeSet::new();
    for i in ev.dns_of(l.client, l.client_mac) {
        if l.dns.len() >= MAX_DNS_PER_LOAD {
            break;
        }
        let d = &ev.dns[i];
        let Some(q) = d.msg.questions.first() else {
            continue;
        };
        let name = q.name.to_ascii_lowercase();
        let in_window = d.ts >= (l.start - DNS_LEAD_SECS).max(l.not_before)
            && d.ts > l.not_before
            && d.ts <= last_conn;
        let from_client =
            d.src == l.client || (l.client_mac.is_some() && d.src_mac == l.client_mac);
        let to_client = d.dst == l.client || (l.client_mac.is_some() && d.dst_mac == l.client_mac);
        if !d.msg.response
            && from_client
            && in_window
            && names.contains(&name)
            && !others_queries.contains(&d.frame)
        {
            query_ids.insert((d.msg.id, d.dst, name));
            l.dns.push(i);
        } else if d.msg.response
            && to_client
            && query_ids.contains(&(d.msg.id, d.src, name))
            && claimed.get(&i).is_none_or(|o| Some(*o) == me)
        {
            l.dns.push(i);
            // A CNAME answer names the next link of the chain.
            for a in &d.msg.answers {
                if let Some(target) = a.target() {
                    names.insert(target.to_ascii_lowercase());
                }
            }
        }
    }
    if let Some(first) = l.dns.first() {
        l.start = l.start.min(ev.dns[*first].ts);
    }
    l.names = names;
}

/// The DHCP exchanges of the page load's client — by its hardware address,
/// or by the address it was given — up to the end of the load, and the
/// release that may follow it. The step they make comes before the story:
/// the page load does not move its start for them.
fn attach_dhcp(ev: &Evidence, l: &mut Load) {
    let mut macs: BTreeSet<Mac> = l.client_mac.into_iter().collect();
    if let IpAddr::V4(a) = l.client {
        // A capture without Ethernet headers: the client's hardware address
        // is in the messages that carry its IPv4 address.
        for &i in ev.dhcp_by_ip.get(&a).into_iter().flatten() {
            macs.insert(ev.dhcp[i].msg.client_mac);
        }
    }
    let mut mine: Vec<usize> = macs
        .iter()
        .filter_map(|m| ev.dhcp_by_mac.get(m))
        .flatten()
        .copied()
        .collect();
    mine.sort_unstable();
    mine.dedup();
    mine.truncate(MAX_DHCP_PER_LOAD);
    l.dhcp = mine;
}

/// ARP and neighbour discovery by the client, and the answers to it, from
/// shortly before the page load until its first connection opened.
fn attach_arp(ev: &Evidence, l: &mut Load) {
    let first_conn = l
        .conns
        .first()
        .and_then(|s| ev.conns.get(s))
        .map_or(l.end, |c| c.first.ts);
    // Requests the client sent (by its address or its MAC), then the
    // replies from the addresses it asked for.
    let mut requests: Vec<usize> = ev.arp_by_ip.get(&l.client).cloned().unwrap_or_default();
    if let Some(m) = l.client_mac.and_then(|m| ev.arp_by_mac.get(&m)) {
        requests.extend(m);
    }
    requests.retain(|&i| !ev.arp[i].reply);
    let asked: BTreeSet<IpAddr> = requests.iter().map(|&i| ev.arp[i].target_ip).collect();
    let mut mine: Vec<usize> = requests;
    for ip in &asked {
        if let Some(list) = ev.arp_by_ip.get(ip) {
            mine.extend(list.iter().copied().filter(|&i| ev.arp[i].reply));
        }
    }
    mine.sort_unstable();
    mine.dedup();
    l.arp = mine
        .into_iter()
        .filter(|&i| {
            ev.arp[i].ts >= (l.start - 1.0).max(l.not_before) && ev.arp[i].ts <= first_conn
        })
        .collect();
    if let Some(first) = l.arp.first() {
        l.start = l.start.min(ev.arp[*first].ts);
    }
}

#[cfg(test)]
mod tests;
