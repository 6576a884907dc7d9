//! The step before the story: how the client got its IPv4 address, its
//! gateway and its resolver from DHCP (RFC 2131 §3.1: DISCOVER, OFFER,
//! REQUEST, ACK), when the capture holds it.

use super::{new_step, Ctx};
use crate::decode::dhcp::DhcpMessageType;
use crate::explain::evidence::{DhcpRec, Evidence};
use crate::explain::{Status, Step};
use crate::notes::claims;
use crate::notes::Lang;
use std::collections::HashSet;
use std::net::IpAddr;

pub(super) fn dhcp(ctx: &Ctx) -> Option<Step> {
    let recs: Vec<&DhcpRec> = ctx.load.dhcp.iter().map(|i| &ctx.ev.dhcp[*i]).collect();
    if recs.is_empty() {
        return None;
    }
    let mut s = new_step("dhcp", ctx.lang, Status::Observed);
    s.cite(&[4]);
    let of = |kind: DhcpMessageType| {
        recs.iter()
            .copied()
            .find(|d| d.msg.message_type == Some(kind))
    };
    for d in &recs {
        s.frames.push(d.frame);
    }
    let (discover, offer, request, ack) = (
        of(DhcpMessageType::Discover),
        of(DhcpMessageType::Offer),
        of(DhcpMessageType::Request),
        of(DhcpMessageType::Ack),
    );
    s.timing(
        [discover, offer, request, ack]
            .into_iter()
            .flatten()
            .map(|d| d.ts),
    );
    let client_mac = recs[0].msg.client_mac;
    s.fact("client_mac", client_mac.to_string());
    if let Some(d) = discover {
        s.fact("discover_frame", d.frame);
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: DHCPDISCOVER from {client_mac}, sent from 0.0.0.0 to the broadcast address 255.255.255.255: the client has no IPv4 address yet and does not know any server, so it asks everyone on the link.",
                d.frame
            ),
            Lang::Zh => format!(
                "帧 {}：{client_mac} 发出 DHCPDISCOVER，源地址 0.0.0.0、目的地址 255.255.255.255：客户端还没有 IPv4 地址，也不认识任何服务器，只能向整个链路广播。",
                d.frame
            ),
        });
    }
    if let Some(o) = offer {
        probe_lines(ctx, &mut s, discover, o);
        let what = settings(ctx.lang, o);
        s.fact("offer_frame", o.frame);
        s.line(match ctx.lang {
            Lang::En => format!("Frame {}: DHCPOFFER from {}: {what}.", o.frame, server(o)),
            Lang::Zh => format!("帧 {}：{} 发来 DHCPOFFER：{what}。", o.frame, server(o)),
        });
    }
    if let Some(r) = request {
        s.fact("request_frame", r.frame);
        s.line(match (ctx.lang, r.msg.server_id) {
            (Lang::En, Some(id)) => format!(
                "Frame {}: DHCPREQUEST, still broadcast, naming server {id}: it accepts that offer, and any other server that offered learns it was not chosen.",
                r.frame
            ),
            (Lang::Zh, Some(id)) => format!(
                "帧 {}：DHCPREQUEST，仍然是广播，其中写明服务器 {id}：接受这个服务器的提议，其他提供过地址的服务器也由此得知没有被选中。",
                r.frame
            ),
            (Lang::En, None) => format!(
                "Frame {}: DHCPREQUEST without a server identifier: the client asks to keep an address it already had.",
                r.frame
            ),
            (Lang::Zh, None) => format!(
                "帧 {}：不带服务器标识的 DHCPREQUEST：客户端请求继续使用已有的地址。",
                r.frame
            ),
        });
    }
    if let Some(nak) = of(DhcpMessageType::Nak) {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: DHCPNAK: the server refuses the address; the client must start over with a DISCOVER.",
                nak.frame
            ),
            Lang::Zh => format!(
                "帧 {}：DHCPNAK：服务器拒绝该地址，客户端必须重新从 DISCOVER 开始。",
                nak.frame
            ),
        });
    }
    let Some(a) = ack else {
        if offer.is_none() {
            s.status = Status::Inferred;
            s.reason(ctx.t(
                "The client looked for a DHCP server, but no answer was captured.",
                "客户端在寻找 DHCP 服务器，但抓包中没有回应。",
            ));
        }
        return Some(s);
    };
    s.fact("ack_frame", a.frame);
    if let Some(ip) = a.msg.your_ip {
        s.fact("address", ip.to_string());
    }
    if let Some(m) = a.msg.subnet_mask {
        s.fact("subnet_mask", m.to_string());
    }
    s.fact(
        "routers",
        a.msg
            .router
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
    );
    s.fact(
        "dns_servers",
        a.msg
            .dns_servers
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
    );
    if let Some(l) = a.msg.lease_time {
        s.fact("lease_seconds", l);
    }
    // RFC 2131 §4.4.5: T1 defaults to half the lease, T2 to 7/8 of it.
    let t1 = a.msg.renewal_time.or(a.msg.lease_time.map(|l| l / 2));
    let t2 = a.msg.rebinding_time.or(a.msg.lease_time.map(|l| l / 8 * 7));
    s.fact("renewal_seconds", t1);
    s.fact("rebinding_seconds", t2);
    let lease_en = a.msg.lease_time.map(|l| {
        format!(
            " for {l} s: at T1 = {} s{} it asks its server to renew, at T2 = {} s{} it asks any server (rebinding), and at {l} s, unless renewed, it stops using the address (RFC 2131 §4.4.5)",
            t1.unwrap_or_default(),
            if a.msg.renewal_time.is_some() { " (option 58)" } else { " (half the lease, the default)" },
            t2.unwrap_or_default(),
            if a.msg.rebinding_time.is_some() { " (option 59)" } else { " (7/8 of the lease, the default)" },
        )
    });
    let lease_zh = a.msg.lease_time.map(|l| {
        format!(
            "，租期 {l} 秒：到 T1 = {} 秒{}时向原服务器续约，到 T2 = {} 秒{}时向任意服务器重新绑定，到 {l} 秒仍未续约就停止使用该地址（RFC 2131 §4.4.5）",
            t1.unwrap_or_default(),
            if a.msg.renewal_time.is_some() { "（选项 58）" } else { "（默认为租期的一半）" },
            t2.unwrap_or_default(),
            if a.msg.rebinding_time.is_some() { "（选项 59）" } else { "（默认为租期的 7/8）" },
        )
    });
    let took = discover.map(|d| (a.ts - d.ts) * 1000.0);
    s.line(match ctx.lang {
        Lang::En => format!(
            "Frame {}: DHCPACK: the address is the client's{}{}.",
            a.frame,
            lease_en.unwrap_or_default(),
            took.map(|t| format!(" — {t:.1} ms after the DISCOVER"))
                .unwrap_or_default()
        ),
        Lang::Zh => format!(
            "帧 {}：DHCPACK：地址归客户端使用{}{}。",
            a.frame,
            lease_zh.unwrap_or_default(),
            took.map(|t| format!("——距 DISCOVER {t:.1} 毫秒"))
                .unwrap_or_default()
        ),
    });
    if let Some(rel) = of(DhcpMessageType::Release) {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: DHCPRELEASE: the client gives the address back when it is done.",
                rel.frame
            ),
            Lang::Zh => format!("帧 {}：DHCPRELEASE：客户端用完后归还地址。", rel.frame),
        });
    }
    tie_to_story(ctx, &mut s, a);
    Some(s)
}

/// "198.51.100.1" (the server identifier, else the sender is unknown).
fn server(d: &DhcpRec) -> String {
    d.msg
        .server_id
        .map_or_else(|| "a server".to_string(), |ip| ip.to_string())
}

/// The settings an OFFER or ACK carries, in words.
fn settings(lang: Lang, d: &DhcpRec) -> String {
    let m = &d.msg;
    let list = |v: &[std::net::Ipv4Addr]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(lang.t(", ", "、"))
    };
    let mut parts = Vec::new();
    if let Some(ip) = m.your_ip {
        parts.push(match lang {
            Lang::En => format!("address {ip}"),
            Lang::Zh => format!("地址 {ip}"),
        });
    }
    if let Some(mask) = m.subnet_mask {
        parts.push(match lang {
            Lang::En => format!("subnet mask {mask}"),
            Lang::Zh => format!("子网掩码 {mask}"),
        });
    }
    if !m.router.is_empty() {
        parts.push(match lang {
            Lang::En => format!("gateway {}", list(&m.router)),
            Lang::Zh => format!("网关 {}", list(&m.router)),
        });
    }
    if !m.dns_servers.is_empty() {
        parts.push(match lang {
            Lang::En => format!("DNS resolver {}", list(&m.dns_servers)),
            Lang::Zh => format!("DNS 服务器 {}", list(&m.dns_servers)),
        });
    }
    if let Some(dn) = &m.domain_name {
        parts.push(match lang {
            Lang::En => format!("domain {dn}"),
            Lang::Zh => format!("域名 {dn}"),
        });
    }
    parts.join(match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    })
}

/// The ARP requests and pings to the offered address between `from` (the
/// DISCOVER) and the OFFER.
fn probes(ev: &Evidence, from: f64, o: &DhcpRec) -> Vec<u64> {
    let Some(offered) = o.msg.your_ip.map(IpAddr::V4) else {
        return Vec::new();
    };
    ev.frames
        .iter()
        .filter(|f| f.ts >= from && f.ts < o.ts && f.frame < o.frame)
        .filter(|f| f.dst == Some(offered) && matches!(f.proto, "arp" | "icmp"))
        .map(|f| f.frame)
        .take(16)
        .collect()
}

/// Frames of every server's address checks before its OFFER: the DHCP
/// step tells them, so the ARP and ICMP stories leave them out.
pub(super) fn address_checks(ev: &Evidence) -> HashSet<u64> {
    let mut out = HashSet::new();
    for (n, o) in ev.dhcp.iter().enumerate() {
        if o.msg.message_type != Some(DhcpMessageType::Offer) {
            continue;
        }
        let discover = ev.dhcp[..n].iter().rev().find(|d| {
            d.msg.message_type == Some(DhcpMessageType::Discover) && d.msg.xid == o.msg.xid
        });
        out.extend(probes(ev, discover.map_or(o.ts - 10.0, |d| d.ts), o));
    }
    out
}

/// Before offering, a server may check that nobody uses the address
/// (RFC 2131 §3.1 item 2 suggests an ICMP echo; dnsmasq also sends ARP).
fn probe_lines(ctx: &Ctx, s: &mut Step, discover: Option<&DhcpRec>, o: &DhcpRec) {
    let Some(offered) = o.msg.your_ip.map(IpAddr::V4) else {
        return;
    };
    let from = discover.map_or(o.ts - 10.0, |d| d.ts);
    let probes = probes(ctx.ev, from, o);
    if probes.is_empty() {
        return;
    }
    s.frames.extend(&probes);
    let list = probes
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(ctx.t(", ", "、"));
    let wait = (o.ts - from) * 1000.0;
    let answered = ctx
        .ev
        .arp
        .iter()
        .any(|a| a.reply && a.sender_ip == offered && a.ts >= from && a.ts < o.ts);
    s.line(match (ctx.lang, answered) {
        (Lang::En, false) => format!(
            "Frames {list}: before offering {offered}, the server checks that no one already uses it (ARP requests or a ping to the address, and no answer); that is why the offer comes {wait:.0} ms after the DISCOVER."
        ),
        (Lang::Zh, false) => format!(
            "帧 {list}：在提供 {offered} 之前，服务器先确认没有人在用这个地址（向该地址发 ARP 请求或 ping，没有回应）；所以 OFFER 在 DISCOVER 之后 {wait:.0} 毫秒才到。"
        ),
        (Lang::En, true) => format!(
            "Frames {list}: before offering {offered}, the server checked whether anyone uses it, and something answered — yet the address was offered."
        ),
        (Lang::Zh, true) => format!(
            "帧 {list}：在提供 {offered} 之前，服务器检查过是否有人在用这个地址，并且有回应——但仍然提供了这个地址。"
        ),
    });
}

/// The notes begin with an address, a mask and a gateway already in
/// place; the capture shows where they came from and that the later steps
/// use them.
fn tie_to_story(ctx: &Ctx, s: &mut Step, a: &DhcpRec) {
    let m = &a.msg;
    let mut used = Vec::new();
    let mut frames = vec![a.frame];
    if let Some((hop, _)) = super::link::next_hop(ctx) {
        if m.router.iter().any(|r| IpAddr::V4(*r) == hop) {
            used.push(match ctx.lang {
                Lang::En => format!("the gateway {hop} is the next hop the ARP step looks up"),
                Lang::Zh => format!("网关 {hop} 正是 ARP 步骤查找的下一跳"),
            });
        }
    }
    let first_query = ctx
        .load
        .dns
        .iter()
        .map(|i| &ctx.ev.dns[*i])
        .find(|d| !d.msg.response);
    if let Some(q) = first_query {
        if m.dns_servers.iter().any(|r| IpAddr::V4(*r) == q.dst) {
            frames.push(q.frame);
            used.push(match ctx.lang {
                Lang::En => format!(
                    "the resolver {} is where the DNS query of frame {} goes",
                    q.dst, q.frame
                ),
                Lang::Zh => format!(
                    "DNS 服务器 {} 正是帧 {} 的 DNS 查询发往之处",
                    q.dst, q.frame
                ),
            });
        }
    }
    // Only a story with connections has a page load to come from.
    if let Some(ip) = m
        .your_ip
        .filter(|ip| !ctx.conns.is_empty() && ctx.load.client == IpAddr::V4(*ip))
    {
        used.insert(
            0,
            match ctx.lang {
                Lang::En => format!("the address {ip} is the one the page load comes from"),
                Lang::Zh => format!("地址 {ip} 就是这次页面加载使用的源地址"),
            },
        );
    }
    if used.is_empty() {
        return;
    }
    let sep = ctx.t("; ", "；");
    s.check(
        ctx.lang,
        &claims::ADDRESS_GIVEN,
        match ctx.lang {
            Lang::En => format!(
                "Before any of it, DHCP handed them out (frame {}): {}.",
                a.frame,
                used.join(sep)
            ),
            Lang::Zh => format!(
                "在这一切之前，是 DHCP 分配了它们（帧 {}）：{}。",
                a.frame,
                used.join(sep)
            ),
        },
        frames,
    );
}
