//! Stories for the traffic of a capture that belongs to no page load: a
//! lookup made alone (dig, nslookup), a TCP transfer of another
//! application, ping and traceroute, ARP, DHCP and lone UDP datagrams.
//! Each is told with the steps it shows, like the page load's.

use super::{assemble, dhcp, dns, icmp, neighbours, tcp, tcp_loss, tcp_transfer, udp, Ctx};
use crate::explain::evidence::{Conn, Evidence};
use crate::explain::{Load, PageLoad, StoryKind};
use crate::notes::{Lang, Notes};
use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;

/// TCP transfers told in full; the others are counted in the closing
/// lines with the frames left out.
pub const MAX_TRANSFERS_TOLD: usize = 8;
/// DNS messages told by the story of lookups made alone.
const MAX_DNS_TOLD: usize = 64;

pub(in crate::explain) fn other_stories(
    ev: &Evidence,
    loads: &[Load],
    lang: Lang,
    notes: &Notes,
) -> Vec<PageLoad> {
    let used_dns: HashSet<usize> = loads.iter().flat_map(|l| l.dns.iter().copied()).collect();
    let used_arp: HashSet<usize> = loads.iter().flat_map(|l| l.arp.iter().copied()).collect();
    let used_dhcp: HashSet<usize> = loads.iter().flat_map(|l| l.dhcp.iter().copied()).collect();
    let used_conns: HashSet<u64> = loads.iter().flat_map(|l| l.conns.iter().copied()).collect();
    let mut out = Vec::new();

    // Lookups made alone.
    let dns_alone: Vec<usize> = (0..ev.dns.len())
        .filter(|i| !used_dns.contains(i))
        .take(MAX_DNS_TOLD)
        .collect();
    if let Some(&first) = dns_alone.first() {
        let d = &ev.dns[first];
        let (client, mac, resolver) = if d.msg.response {
            (d.dst, d.dst_mac, d.src)
        } else {
            (d.src, d.src_mac, d.dst)
        };
        let names: BTreeSet<String> = dns_alone
            .iter()
            .filter_map(|&i| ev.dns[i].msg.questions.first())
            .map(|q| q.name.trim_end_matches('.').to_ascii_lowercase())
            .collect();
        let host = names.iter().next().cloned().unwrap_or_default();
        let mut load = Load::empty(client, mac, d.ts, host);
        load.names = names;
        load.dns = dns_alone;
        load.end = load.dns.iter().map(|&i| ev.dns[i].ts).fold(d.ts, f64::max);
        let ctx = ctx(ev, &load, lang, Vec::new());
        let mut step = dns::dns(&ctx);
        step.title = lang
            .t("Name lookups (DNS) made alone", "单独的域名查询（DNS）")
            .to_string();
        let mut story = assemble(
            &ctx,
            StoryKind::Dns,
            vec![step],
            BTreeSet::new(),
            notes,
            true,
        );
        // A lookup has no connection: its server is the resolver asked.
        story.server = resolver.to_string();
        out.push(story);
    }

    // TCP transfers of other applications.
    let transfers: Vec<&Conn> = ev
        .conns
        .values()
        .filter(|c| !c.quic && !used_conns.contains(&c.stream))
        .take(MAX_TRANSFERS_TOLD)
        .collect();
    for c in transfers {
        let mut load = Load::empty(c.client.0, c.client_mac, c.first.ts, c.server.0.to_string());
        load.conns = vec![c.stream];
        load.servers.insert(c.server.0);
        load.end = c.last_ts;
        let ctx = ctx(ev, &load, lang, vec![c]);
        let mut steps = vec![tcp::handshake(&ctx), tcp_transfer::transfer(&ctx)];
        if let Some(l) = tcp_loss::loss(&ctx) {
            steps.push(l);
        }
        if c.syn_ack.is_some() || !c.fins.is_empty() {
            steps.push(tcp::teardown(&ctx));
        }
        let frames: BTreeSet<u64> = c.frames.iter().copied().collect();
        out.push(assemble(
            &ctx,
            StoryKind::TcpTransfer,
            steps,
            frames,
            notes,
            true,
        ));
    }

    // A DHCP server's ARP requests and ping to the address it is about to
    // offer belong to the DHCP story, which tells them.
    let checks = dhcp::address_checks(ev);
    // ICMP: ping, traceroute, errors.
    let told_icmp = ev
        .icmp
        .iter()
        .filter(|r| !checks.contains(&r.frame))
        .find(|r| r.echo.is_some() || r.quoted.is_some());
    if let Some(first) = told_icmp {
        // The host that pinged, or that an error was sent to.
        let client = if first.quoted.is_some() {
            first.dst
        } else {
            first.src
        };
        let load = Load::empty(client, None, first.ts, first.dst.to_string());
        let ctx = ctx(ev, &load, lang, Vec::new());
        if let Some(step) = icmp::icmp(&ctx, &checks) {
            let mut story = assemble(
                &ctx,
                StoryKind::Icmp,
                vec![step],
                BTreeSet::new(),
                notes,
                true,
            );
            // The other end: the host pinged, or the one that sent the error.
            story.server = if first.quoted.is_some() {
                first.src
            } else {
                first.dst
            }
            .to_string();
            out.push(story);
        }
    }

    // ARP and neighbour discovery outside every page load.
    let arp: Vec<usize> = (0..ev.arp.len())
        .filter(|i| {
            !used_arp.contains(i) && !ev.arp[*i].claimed && !checks.contains(&ev.arp[*i].frame)
        })
        .collect();
    if let Some(&first) = arp.first() {
        let a = &ev.arp[first];
        let mut load = Load::empty(
            a.sender_ip,
            Some(a.sender_mac),
            a.ts,
            a.target_ip.to_string(),
        );
        load.arp = arp;
        let ctx = ctx(ev, &load, lang, Vec::new());
        let step = neighbours::neighbours(&ctx);
        out.push(assemble(
            &ctx,
            StoryKind::Arp,
            vec![step],
            BTreeSet::new(),
            notes,
            true,
        ));
    }

    // DHCP outside every page load.
    let dhcp_alone: Vec<usize> = (0..ev.dhcp.len())
        .filter(|i| !used_dhcp.contains(i))
        .take(64)
        .collect();
    if let Some(&first) = dhcp_alone.first() {
        let r = &ev.dhcp[first];
        let client = dhcp_alone
            .iter()
            .find_map(|&i| ev.dhcp[i].msg.your_ip)
            .map_or(IpAddr::from([0, 0, 0, 0]), IpAddr::V4);
        let mut load = Load::empty(client, Some(r.msg.client_mac), r.ts, client.to_string());
        load.dhcp = dhcp_alone;
        let ctx = ctx(ev, &load, lang, Vec::new());
        if let Some(mut step) = dhcp::dhcp(&ctx) {
            step.title = lang
                .t("Get and keep an address (DHCP)", "获取并维持地址（DHCP）")
                .to_string();
            super::dhcp_renewal::renewals(&ctx, &mut step);
            let mut story = assemble(
                &ctx,
                StoryKind::Dhcp,
                vec![step],
                BTreeSet::new(),
                notes,
                true,
            );
            // The DHCP server names itself in option 54 (RFC 2132 §9.7).
            if let Some(id) = load.dhcp.iter().find_map(|&i| ev.dhcp[i].msg.server_id) {
                story.server = id.to_string();
            }
            out.push(story);
        }
    }

    // UDP datagrams no other story tells.
    if let Some(first) = ev.udp.first() {
        let load = Load::empty(first.src, None, first.ts, first.dst.to_string());
        let ctx = ctx(ev, &load, lang, Vec::new());
        let step = udp::udp(&ctx);
        out.push(assemble(
            &ctx,
            StoryKind::Udp,
            vec![step],
            BTreeSet::new(),
            notes,
            true,
        ));
    }
    // Numbered within their kind: "TCP connection 1", "TCP connection 2".
    let mut seen: Vec<StoryKind> = Vec::new();
    for p in out.iter_mut() {
        // A story with no connection has no server of its own: ping's,
        // ARP's and a datagram's other end is the address it was built on.
        if p.server.is_empty() && p.host.parse::<IpAddr>().is_ok() && p.kind != StoryKind::Dhcp {
            p.server = p.host.clone();
        }
        seen.push(p.kind);
        p.index = seen.iter().filter(|k| **k == p.kind).count();
    }
    out
}

fn ctx<'a>(ev: &'a Evidence, load: &'a Load, lang: Lang, conns: Vec<&'a Conn>) -> Ctx<'a> {
    Ctx {
        ev,
        load,
        lang,
        t0: load.start,
        conns,
    }
}
