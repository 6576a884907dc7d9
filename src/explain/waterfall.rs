//! What the report draws beside the ladder's lanes and arrows: the lanes
//! grouped into hosts (one machine may send from an IPv4 and an IPv6
//! address), which arrows go to a broadcast or multicast group, which
//! connection each arrow belongs to, and a waterfall of where each
//! connection's time went, like a browser's network panel.

use super::evidence::{Conn, FrameLabel, FrameRec, FrameSort};
use super::steps::{ms, Ctx};
use super::{Ladder, LaneRole};
use crate::decode::{tcp, Mac};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The report's view of a page load's ladder and timing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagram {
    /// One entry per machine; every ladder lane that is not a broadcast
    /// or multicast group belongs to exactly one host.
    pub hosts: Vec<Host>,
    /// One entry per ladder arrow, in the same order.
    pub arrows: Vec<ArrowWire>,
    /// The page load's connections, in order of their first packet.
    pub connections: Vec<Connection>,
    /// Where the time went, one row per connection (or per HTTP request
    /// on a connection that carries several in the clear).
    pub waterfall: Vec<WaterfallRow>,
    /// Rows beyond the first [`MAX_ROWS`], left out of the waterfall.
    #[serde(skip_serializing_if = "is_zero")]
    pub rows_not_shown: usize,
}

/// The waterfall draws at most this many rows per page load (a client
/// that sends thousands of requests on one connection would otherwise
/// make thousands).
pub const MAX_ROWS: usize = 200;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Lanes that are one machine: addresses that the link layer shows with
/// the same MAC (ARP, neighbour discovery, the client's own frames), or
/// servers known by the same name.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// The most telling role among its lanes.
    pub role: LaneRole,
    pub label: String,
    pub addrs: Vec<String>,
    /// Indices into the ladder's lanes.
    pub lanes: Vec<usize>,
}

/// What the report needs to know about an arrow beyond its lanes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArrowWire {
    /// Index into `connections`, when the packet belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<usize>,
    /// Sent to a broadcast or multicast group (link or network layer)
    /// rather than to one host.
    pub bus: bool,
    /// The frame's destination address, for a bus arrow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A segment carrying data (or a bare acknowledgement) with no
    /// handshake, teardown or message of its own: a run of them can be
    /// drawn as one arrow.
    pub bulk: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub stream: u64,
    /// "tcp" or "quic".
    pub transport: &'static str,
    pub client: String,
    pub client_port: u16,
    pub server: String,
    pub server_port: u16,
    /// The server's name (SNI, Host, resolved name, else its address).
    pub name: String,
}

/// One bar of the waterfall.
#[derive(Debug, Clone, Serialize)]
pub struct WaterfallRow {
    /// Index into `connections`.
    pub conn: usize,
    /// The request line when the connection is in the clear, else the
    /// server's name.
    pub label: String,
    pub phases: Vec<Phase>,
}

/// What a waterfall span measures, in the order a connection goes through
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    /// Query → the answer that gave the server's address.
    Dns,
    /// SYN → SYN-ACK.
    Connect,
    /// ClientHello → the client's first encrypted or ChangeCipherSpec
    /// record.
    Tls,
    /// Request → the first byte of the answer.
    Wait,
    /// First → last byte of the answer.
    Download,
}

impl PhaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Dns => "dns",
            PhaseKind::Connect => "connect",
            PhaseKind::Tls => "tls",
            PhaseKind::Wait => "wait",
            PhaseKind::Download => "download",
        }
    }
}

/// A span of a waterfall row, measured between two frames.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub kind: PhaseKind,
    /// Milliseconds from the start of the page load.
    pub start_ms: f64,
    pub end_ms: f64,
    /// The frames it is measured between.
    pub frames: [u64; 2],
}

/// Builds the diagram of a page load whose ladder is already drawn.
pub(super) fn diagram(ctx: &Ctx, ladder: &Ladder) -> Diagram {
    let conns = &ctx.conns;
    let mut conn_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, c) in conns.iter().enumerate() {
        for f in &c.frames {
            conn_of.entry(*f).or_insert(i);
        }
    }
    let arrows = ladder
        .arrows
        .iter()
        .map(|a| {
            let rec = ctx.ev.frame(a.frame);
            let dst = ladder.lanes.get(a.to).and_then(|l| l.addr.parse().ok());
            let group_ip = dst.filter(is_group);
            let group_mac = rec.and_then(|r| r.dst_mac).filter(mac_is_group);
            let group = group_ip
                .map(|ip| ip.to_string())
                .or_else(|| group_mac.map(|m| m.to_string()));
            ArrowWire {
                conn: conn_of.get(&a.frame).copied(),
                bus: group.is_some(),
                group,
                bulk: rec.is_some_and(is_bulk),
            }
        })
        .collect();
    let connections = conns
        .iter()
        .map(|c| Connection {
            stream: c.stream,
            transport: if c.quic { "quic" } else { "tcp" },
            client: c.client.0.to_string(),
            client_port: c.client.1,
            server: c.server.0.to_string(),
            server_port: c.server.1,
            name: ctx.server_name(c),
        })
        .collect();
    let mut waterfall = Vec::new();
    let mut rows_not_shown = 0;
    for (i, c) in conns.iter().enumerate() {
        rows_not_shown += rows(ctx, i, c, &mut waterfall);
        if waterfall.len() > MAX_ROWS {
            rows_not_shown += waterfall.len() - MAX_ROWS;
            waterfall.truncate(MAX_ROWS);
        }
    }
    Diagram {
        hosts: hosts(ctx, ladder),
        arrows,
        connections,
        waterfall,
        rows_not_shown,
    }
}

/// Broadcast (RFC 919) or multicast (RFC 1112, RFC 4291 §2.7).
fn is_group(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_multicast() || a.is_broadcast(),
        IpAddr::V6(a) => a.is_multicast(),
    }
}

/// The group bit of an Ethernet address (IEEE 802: the lowest bit of the
/// first octet), which broadcast and multicast addresses set.
fn mac_is_group(m: &Mac) -> bool {
    m.0[0] & 1 == 1
}

fn is_bulk(r: &FrameRec) -> bool {
    match &r.label {
        FrameLabel::Tcp { flags, .. } => flags.0 & (tcp::SYN | tcp::FIN | tcp::RST) == 0,
        FrameLabel::Text(_) => r.sort == FrameSort::Bulk,
    }
}

/// Groups lanes into hosts.
fn hosts(ctx: &Ctx, ladder: &Ladder) -> Vec<Host> {
    let lanes = &ladder.lanes;
    let ips: Vec<Option<IpAddr>> = lanes.iter().map(|l| l.addr.parse().ok()).collect();
    // Which MAC each address is known by on the client's link: ARP and
    // neighbour discovery say so, and the client's own frames carry its
    // MAC whatever address they are sent from. A router's MAC on frames
    // it forwards says nothing about their source address, so no other
    // frame counts.
    let mut mac_of: BTreeMap<IpAddr, Mac> = BTreeMap::new();
    for a in &ctx.ev.arp {
        if !a.sender_ip.is_unspecified() && a.sender_mac != Mac::ZERO {
            mac_of.entry(a.sender_ip).or_insert(a.sender_mac);
        }
    }
    if let Some(m) = ctx.load.client_mac {
        mac_of.insert(ctx.load.client, m);
        for a in &ladder.arrows {
            if let Some(r) = ctx.ev.frame(a.frame) {
                if let (Some(src), Some(sm)) = (r.src, r.src_mac) {
                    if sm == m && !src.is_unspecified() {
                        mac_of.insert(src, m);
                    }
                }
            }
        }
    }
    let names = |i: usize| -> BTreeSet<&str> {
        if lanes[i].role == LaneRole::Server {
            lanes[i].label.split(", ").collect()
        } else {
            BTreeSet::new()
        }
    };
    // Union-find over lanes, small enough to do by hand.
    let mut parent: Vec<usize> = (0..lanes.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..lanes.len() {
        for j in 0..i {
            let (Some(a), Some(b)) = (ips[i], ips[j]) else {
                continue;
            };
            if is_group(&a) || is_group(&b) {
                continue;
            }
            let same_mac = matches!((mac_of.get(&a), mac_of.get(&b)), (Some(x), Some(y)) if x == y);
            let same_name = !names(i).is_disjoint(&names(j));
            if same_mac || same_name {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut hosts: Vec<Host> = Vec::new();
    let mut host_of_root: BTreeMap<usize, usize> = BTreeMap::new();
    for i in 0..lanes.len() {
        if ips[i].as_ref().is_some_and(is_group) {
            continue;
        }
        let r = root(&mut parent, i);
        let h = *host_of_root.entry(r).or_insert_with(|| {
            hosts.push(Host {
                role: lanes[i].role,
                label: String::new(),
                addrs: Vec::new(),
                lanes: Vec::new(),
            });
            hosts.len() - 1
        });
        let host = &mut hosts[h];
        host.lanes.push(i);
        host.addrs.push(lanes[i].addr.clone());
        if lanes[i].role < host.role {
            host.role = lanes[i].role;
        }
    }
    for h in &mut hosts {
        // Labels of the lanes, each once; an "other" lane's label is its
        // address, already listed.
        let mut labels: Vec<&str> = Vec::new();
        let mut ordered = h.lanes.clone();
        ordered.sort_by_key(|&i| lanes[i].role);
        for i in ordered {
            if lanes[i].role == LaneRole::Other {
                continue;
            }
            for part in lanes[i].label.split(", ") {
                if !labels.contains(&part) {
                    labels.push(part);
                }
            }
        }
        h.label = if labels.is_empty() {
            h.addrs.join(", ")
        } else {
            labels.join(", ")
        };
    }
    hosts
}

/// A frame of a connection, as the waterfall reads it.
struct Pkt<'a> {
    frame: u64,
    ts: f64,
    from_client: bool,
    payload: bool,
    label: &'a FrameLabel,
    sort: FrameSort,
}

fn packets<'a>(ctx: &'a Ctx, c: &Conn) -> Vec<Pkt<'a>> {
    c.frames
        .iter()
        .filter_map(|f| ctx.ev.frame(*f))
        .map(|r| Pkt {
            frame: r.frame,
            ts: r.ts,
            from_client: r.src == Some(c.client.0),
            payload: match &r.label {
                FrameLabel::Tcp { len, .. } => *len > 0,
                FrameLabel::Text(_) => true,
            },
            label: &r.label,
            sort: r.sort,
        })
        .collect()
}

fn phase(ctx: &Ctx, kind: PhaseKind, a: (u64, f64), b: (u64, f64)) -> Phase {
    Phase {
        kind,
        start_ms: ms(ctx.t0, a.1),
        end_ms: ms(ctx.t0, b.1.max(a.1)),
        frames: [a.0, b.0],
    }
}

/// The rows of one connection; returns how many requests it left out.
fn rows(ctx: &Ctx, i: usize, c: &Conn, out: &mut Vec<WaterfallRow>) -> usize {
    let pkts = packets(ctx, c);
    let mut lead = Vec::new();
    // RFC 1034 §5: the answer that gave the client this server's address,
    // and the query it answers.
    if let Some(r) = super::resolving_response(ctx.ev, c) {
        let resp = &ctx.ev.dns[r];
        let query = ctx.ev.dns[..r].iter().rev().find(|q| {
            !q.msg.response && q.msg.id == resp.msg.id && q.dst == resp.src && q.ts <= resp.ts
        });
        if let Some(q) = query {
            lead.push(phase(
                ctx,
                PhaseKind::Dns,
                (q.frame, q.ts),
                (resp.frame, resp.ts),
            ));
        }
    }
    // RFC 9293 §3.5: SYN → SYN-ACK.
    if let (Some(s), Some(sa)) = (c.syns.first(), c.syn_ack) {
        lead.push(phase(
            ctx,
            PhaseKind::Connect,
            (s.frame, s.ts),
            (sa.frame, sa.ts),
        ));
    }
    // The handshake: from the ClientHello to the client's first record
    // after the server's hello that is no longer a plaintext handshake
    // message (its ChangeCipherSpec or its encrypted Finished).
    let mut ready = c.handshake_ack.or(c.syn_ack).map(|s| (s.frame, s.ts));
    if let Some(ch) = c.client_hello() {
        let after = c.server_hello().map_or(ch.seg.ts, |s| s.seg.ts);
        let end = pkts.iter().find(|p| {
            p.from_client
                && p.ts >= after
                && p.frame > ch.seg.frame
                && matches!(p.label, FrameLabel::Text(_))
                && p.sort != FrameSort::Hello
        });
        if let Some(e) = end {
            lead.push(phase(
                ctx,
                PhaseKind::Tls,
                (ch.seg.frame, ch.seg.ts),
                (e.frame, e.ts),
            ));
            ready = Some((e.frame, e.ts));
        }
    }
    let requests: Vec<_> = c.http.iter().filter(|h| h.msg.method.is_some()).collect();
    if c.is_tls() || c.quic || requests.is_empty() {
        // Encrypted: the first record the client sends once the handshake
        // is done carries (or is followed by) the request; the answer
        // is what the server sends after it.
        let start = ready.map_or(c.first.ts, |r| r.1);
        let req = pkts.iter().find(|p| {
            p.from_client && p.payload && p.ts >= start && Some(p.frame) >= ready.map(|r| r.0)
        });
        let mut phases = lead;
        if let Some(q) = req {
            answer(ctx, &pkts, (q.frame, q.ts), f64::INFINITY, &mut phases);
        }
        out.push(WaterfallRow {
            conn: i,
            label: ctx.server_name(c),
            phases,
        });
        return 0;
    }
    for (n, r) in requests.iter().enumerate().take(MAX_ROWS) {
        let next = requests.get(n + 1).map_or(f64::INFINITY, |x| x.seg.ts);
        let mut phases = if n == 0 { lead.clone() } else { Vec::new() };
        answer(ctx, &pkts, (r.seg.frame, r.seg.ts), next, &mut phases);
        out.push(WaterfallRow {
            conn: i,
            label: format!(
                "{} {}",
                r.msg.method.as_deref().unwrap_or(""),
                r.msg.target.as_deref().unwrap_or("")
            ),
            phases,
        });
    }
    requests.len().saturating_sub(MAX_ROWS)
}

/// Waiting (request → the server's first byte after it) and download
/// (first → last byte the server sends before `until`).
fn answer(ctx: &Ctx, pkts: &[Pkt], req: (u64, f64), until: f64, phases: &mut Vec<Phase>) {
    let from_server: Vec<&Pkt> = pkts
        .iter()
        .filter(|p| !p.from_client && p.payload && p.frame > req.0 && p.ts < until)
        .collect();
    if let (Some(first), Some(last)) = (from_server.first(), from_server.last()) {
        phases.push(phase(ctx, PhaseKind::Wait, req, (first.frame, first.ts)));
        phases.push(phase(
            ctx,
            PhaseKind::Download,
            (first.frame, first.ts),
            (last.frame, last.ts),
        ));
    }
}
