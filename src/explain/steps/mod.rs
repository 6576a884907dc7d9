//! The steps of one page load, each built from the evidence alone, and
//! the ladder diagram that draws its packets.

mod alone;
mod dhcp;
mod dhcp_renewal;
mod dns;
mod http;
mod icmp;
mod link;
mod neighbours;
mod proxy;
mod quic;
mod records;
mod route;
mod tcp;
mod tcp_loss;
mod tcp_transfer;
mod tls;
mod tunnel;
mod udp;

pub(super) use alone::other_stories;

use super::evidence::{Conn, Evidence, Seg};
use super::{
    Arrow, Ladder, Lane, LaneRole, Load, NoteRef, NotesCheck, PageLoad, Status, Step, StoryKind,
};
use crate::notes::claims::{self, Claim};
use crate::notes::{Lang, Notes};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// A page load's steps tell at most this many of its connections (a
/// browser opens a handful; a client that loops opens thousands).
pub const MAX_CONNS_TOLD: usize = 64;

/// The ladder draws at most this many packets per page load.
const MAX_ARROWS: usize = 600;

/// What every step builder reads.
pub(super) struct Ctx<'a> {
    pub ev: &'a Evidence,
    pub load: &'a Load,
    pub lang: Lang,
    /// Epoch seconds of the page load's first frame.
    pub t0: f64,
    /// The page load's connections in order of their first packet.
    pub conns: Vec<&'a Conn>,
}

impl Ctx<'_> {
    pub fn t<'s>(&self, en: &'s str, zh: &'s str) -> &'s str {
        self.lang.t(en, zh)
    }

    pub fn first_conn(&self) -> Option<&Conn> {
        self.conns.first().copied()
    }

    pub fn side(&self, from_client: bool) -> &'static str {
        match (from_client, self.lang) {
            (true, Lang::En) => "client",
            (false, Lang::En) => "server",
            (true, Lang::Zh) => "客户端",
            (false, Lang::Zh) => "服务器",
        }
    }

    /// The best name for a connection's server: SNI, Host, the resolved
    /// name, else the address.
    pub fn server_name(&self, c: &Conn) -> String {
        c.sni()
            .map(str::to_string)
            .or_else(|| {
                c.first_request()
                    .and_then(|r| r.msg.host.as_deref())
                    .map(|h| super::strip_port(h).to_string())
            })
            .or_else(|| {
                super::resolving_response(self.ev, c)
                    .and_then(|i| self.ev.dns[i].msg.questions.first())
                    .map(|q| q.name.clone())
            })
            .unwrap_or_else(|| c.server.0.to_string())
    }
}

impl NotesCheck {
    /// What the notes say, quoted, when the loaded notes make the claim;
    /// otherwise the claim as a common one, never put in the notes' mouth.
    pub fn stated(&self, lang: Lang) -> String {
        match (&self.quote, lang) {
            (Some(q), Lang::En) => format!("the notes (§{}) say: “{q}”", self.section),
            (Some(q), Lang::Zh) => format!("笔记（§{}）写道：“{q}”", self.section),
            (None, Lang::En) => format!("a common claim is: {}", self.claim),
            (None, Lang::Zh) => format!("常见的说法是：{}", self.claim),
        }
    }
}

pub(super) fn new_step(id: &'static str, lang: Lang, status: Status) -> Step {
    let (en, zh) = match id {
        "url" => ("Parse the URL", "解析 URL"),
        "cache" => ("Check the caches", "查缓存"),
        "dns" => ("Resolve the name (DNS)", "DNS 解析"),
        "arp" => (
            "Find the next hop's MAC address (ARP / NDP)",
            "获取下一跳的 MAC 地址（ARP / NDP）",
        ),
        "tcp_handshake" => ("TCP three-way handshake", "TCP 三次握手"),
        "tls_handshake" => ("TLS handshake", "TLS 握手"),
        "http" => ("HTTP request and response", "HTTP 请求与响应"),
        "render" => ("Fetch subresources and render", "加载子资源并渲染页面"),
        "tcp_teardown" => ("TCP connection teardown", "TCP 连接释放（挥手）"),
        "websocket" => ("WebSocket upgrade", "WebSocket 升级"),
        "tcp_loss" => (
            "TCP sends segments again (retransmission)",
            "TCP 重传报文段",
        ),
        "dhcp" => (
            "Before the story: get an address (DHCP)",
            "开始之前：获取地址（DHCP）",
        ),
        "tcp_transfer" => ("TCP data transfer", "TCP 数据传输"),
        "icmp" => ("ICMP messages", "ICMP 报文"),
        "udp" => ("UDP datagrams", "UDP 数据报"),
        "neighbours" => ("Address resolution (ARP / NDP)", "地址解析（ARP / NDP）"),
        "route" => ("Cross the router", "经过路由器转发"),
        other => (other, other),
    };
    Step {
        id,
        title: lang.t(en, zh).to_string(),
        status,
        reason: None,
        frames: Vec::new(),
        start: None,
        duration_ms: None,
        facts: serde_json::Map::new(),
        lines: Vec::new(),
        notes: Vec::new(),
        notes_check: Vec::new(),
        cites: Vec::new(),
        span: None,
    }
}

impl Step {
    pub(super) fn fact(&mut self, key: &str, value: impl Into<Value>) {
        self.facts.insert(key.to_string(), value.into());
    }

    pub(super) fn line(&mut self, text: String) {
        self.lines.push(text);
    }

    pub(super) fn reason(&mut self, text: &str) {
        self.reason = Some(text.to_string());
    }

    pub(super) fn cite(&mut self, sections: &[u8]) {
        for s in sections {
            if !self.cites.contains(s) {
                self.cites.push(*s);
            }
        }
    }

    pub(super) fn check(
        &mut self,
        lang: Lang,
        claim: &'static Claim,
        observed: String,
        frames: Vec<u64>,
    ) {
        self.cite(&[claim.section]);
        self.notes_check.push(NotesCheck {
            section: format!("{:02}", claim.section),
            id: claim.id,
            claim: claim.text(lang).to_string(),
            quote: None,
            observed,
            frames,
        });
    }

    /// Records the segments that prove the step, and its timing from the
    /// first to the last of them.
    pub(super) fn segs(&mut self, segs: &[Seg]) {
        self.frames.extend(segs.iter().map(|s| s.frame));
        self.timing(segs.iter().map(|s| s.ts));
    }

    pub(super) fn timing(&mut self, ts: impl Iterator<Item = f64>) {
        for t in ts {
            self.span = Some(match self.span {
                Some((lo, hi)) => (lo.min(t), hi.max(t)),
                None => (t, t),
            });
        }
    }

    fn finish(&mut self, t0: f64) {
        self.frames.sort_unstable();
        self.frames.dedup();
        if let Some((lo, hi)) = self.span {
            self.start = Some(round3(lo - t0));
            self.duration_ms = Some(ms(lo, hi));
        }
    }
}

/// "198.51.100.10:80" or "[2001:db8::1]:443".
pub(super) fn endpoint(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(super) fn ms(a: f64, b: f64) -> f64 {
    round3((b - a) * 1000.0)
}

/// Builds the page load: its steps in the order of the notes' §04, the
/// notes they cite, and the ladder.
pub(super) fn page_load(
    ev: &Evidence,
    load: &Load,
    lang: Lang,
    notes: &Notes,
    draw: bool,
) -> PageLoad {
    let all: Vec<&Conn> = load.conns.iter().filter_map(|s| ev.conns.get(s)).collect();
    let connections_not_told = all.len().saturating_sub(MAX_CONNS_TOLD);
    let conns: Vec<&Conn> = all.into_iter().take(MAX_CONNS_TOLD).collect();
    let ctx = Ctx {
        ev,
        load,
        lang,
        t0: load.start,
        conns,
    };
    let mut steps = vec![
        link::url(&ctx),
        link::cache(&ctx),
        dns::dns(&ctx),
        link::arp(&ctx),
        tcp::handshake(&ctx),
        tls::handshake(&ctx),
        http::http(&ctx),
        http::render(&ctx),
        tcp::teardown(&ctx),
    ];
    if let Some(l) = tcp_loss::loss(&ctx) {
        // Before the teardown, the last of the nine steps.
        let at = steps.len() - 1;
        steps.insert(at, l);
    }
    if let Some(ws) = http::websocket(&ctx) {
        steps.push(ws);
    }
    if let Some(r) = route::route(&ctx) {
        // After the next hop's address: what that router then does.
        let at = steps
            .iter()
            .position(|s| s.id == "arp")
            .map_or(0, |i| i + 1);
        steps.insert(at, r);
    }
    if let Some(d) = dhcp::dhcp(&ctx) {
        steps.insert(0, d);
    }
    let mut frames: BTreeSet<u64> = BTreeSet::new();
    frames.extend(load.dns.iter().map(|i| ev.dns[*i].frame));
    frames.extend(load.arp.iter().map(|i| ev.arp[*i].frame));
    for c in &ctx.conns {
        frames.extend(c.frames.iter().copied());
    }
    let mut p = assemble(&ctx, StoryKind::PageLoad, steps, frames, notes, draw);
    p.connections_not_told = connections_not_told;
    p
}

/// The story's steps finished and cited, its frames, and (when `draw`)
/// its ladder.
pub(super) fn assemble(
    ctx: &Ctx,
    kind: StoryKind,
    mut steps: Vec<Step>,
    mut frames: BTreeSet<u64>,
    notes: &Notes,
    draw: bool,
) -> PageLoad {
    let load = ctx.load;
    let ev = ctx.ev;
    for s in &mut steps {
        s.finish(load.start);
        s.notes = s
            .cites
            .iter()
            .filter_map(|n| notes.section(*n))
            .map(|sec| NoteRef {
                section: format!("{:02}", sec.number),
                title: sec.title.clone(),
            })
            .collect();
        for c in &mut s.notes_check {
            if let Some(claim) = claims::ALL.iter().find(|k| k.id == c.id) {
                c.quote = notes.quote(claim);
            }
        }
        if kind != StoryKind::PageLoad {
            frames.extend(s.frames.iter().copied());
        }
    }
    let first = ctx.first_conn();
    let end = ctx
        .conns
        .iter()
        .map(|c| c.last_ts)
        .chain(frames.last().and_then(|f| ev.frame(*f)).map(|r| r.ts))
        .fold(load.end, f64::max);
    let ladder = if draw {
        ladder(ctx, &frames, &steps)
    } else {
        Ladder::default()
    };
    PageLoad {
        kind,
        index: 0,
        host: load.host.clone(),
        client: load.client.to_string(),
        server: first.map_or_else(String::new, |c| c.server.0.to_string()),
        start: load.start,
        duration_ms: ms(load.start, end),
        names: load.names.iter().cloned().collect(),
        diagram: super::waterfall::diagram(ctx, &ladder),
        ladder,
        steps,
        connections_not_told: 0,
        frames,
    }
}

/// Lanes for the client, the gateway it sent through, its resolvers and
/// the servers; one arrow per packet.
fn ladder(ctx: &Ctx, frames: &BTreeSet<u64>, steps: &[Step]) -> Ladder {
    let mut lanes: Vec<Lane> = vec![Lane {
        role: LaneRole::Client,
        addr: ctx.load.client.to_string(),
        label: ctx.t("client", "客户端").to_string(),
    }];
    let mut index: BTreeMap<IpAddr, usize> = BTreeMap::new();
    index.insert(ctx.load.client, 0);
    let mut add = |lanes: &mut Vec<Lane>, ip: IpAddr, role: LaneRole, label: String| {
        *index.entry(ip).or_insert_with(|| {
            lanes.push(Lane {
                role,
                addr: ip.to_string(),
                label,
            });
            lanes.len() - 1
        })
    };
    if let Some(gw) = link::next_hop(ctx).filter(|(ip, _)| !ctx.load.servers.contains(ip)) {
        add(
            &mut lanes,
            gw.0,
            LaneRole::Gateway,
            ctx.t("gateway", "网关").to_string(),
        );
    }
    for i in &ctx.load.dns {
        let d = &ctx.ev.dns[*i];
        if !d.msg.response {
            add(
                &mut lanes,
                d.dst,
                LaneRole::Resolver,
                ctx.t("DNS resolver", "DNS 解析器").to_string(),
            );
        }
    }
    let mut named: BTreeSet<IpAddr> = BTreeSet::new();
    for c in &ctx.conns {
        // One lane per server, named once.
        if !named.insert(c.server.0) {
            continue;
        }
        let names: BTreeSet<String> = ctx
            .conns
            .iter()
            .filter(|o| o.server.0 == c.server.0)
            .map(|o| ctx.server_name(o))
            .collect();
        let label = names.into_iter().collect::<Vec<_>>().join(", ");
        add(&mut lanes, c.server.0, LaneRole::Server, label);
    }
    let mut by_frame: BTreeMap<u64, Vec<&'static str>> = BTreeMap::new();
    for s in steps {
        for f in &s.frames {
            by_frame.entry(*f).or_default().push(s.id);
        }
    }
    let mut arrows = Vec::new();
    let mut omitted = 0;
    for f in frames {
        let Some(r) = ctx.ev.frame(*f) else {
            omitted += 1;
            continue;
        };
        let (Some(src), Some(dst)) = (r.src, r.dst) else {
            omitted += 1;
            continue;
        };
        let from = add(&mut lanes, src, LaneRole::Other, src.to_string());
        let to = add(&mut lanes, dst, LaneRole::Other, dst.to_string());
        if arrows.len() >= MAX_ARROWS {
            omitted += 1;
            continue;
        }
        arrows.push(Arrow {
            frame: *f,
            t: round3(r.ts - ctx.t0),
            from,
            to,
            label: r.label.to_string(),
            steps: by_frame.get(f).cloned().unwrap_or_default(),
        });
    }
    Ladder {
        lanes,
        arrows,
        omitted,
    }
}
