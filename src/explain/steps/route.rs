//! A capture taken on both sides of a router (one pcapng file, two
//! interfaces): the same packet seen twice, before and after forwarding.
//! The router gives it a new Ethernet header for the next link and lowers
//! the IPv4 TTL (RFC 791 §3.2, RFC 1812 §5.3.1) or the IPv6 hop limit (RFC
//! 8200 §3) by one, and keeps the IP addresses.

use super::{new_step, Ctx};
use crate::explain::evidence::FrameRec;
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;

/// The far-side copies of this load's packets, and what forwarding changed
/// in its first packet each way; None on a capture of one interface.
pub(super) fn route(ctx: &Ctx) -> Option<Step> {
    if ctx.ev.interfaces.len() < 2 {
        return None;
    }
    let c = ctx.first_conn()?;
    // The load's own address pairs: its connections' and its lookups'.
    let mut pairs: Vec<(std::net::IpAddr, std::net::IpAddr)> =
        ctx.conns.iter().map(|c| (c.client.0, c.server.0)).collect();
    pairs.extend(ctx.load.dns.iter().map(|&i| {
        let d = &ctx.ev.dns[i];
        (d.src, d.dst)
    }));
    let ours = |f: &FrameRec| {
        let (Some(s), Some(d)) = (f.src, f.dst) else {
            return false;
        };
        pairs
            .iter()
            .any(|&(a, b)| (s, d) == (a, b) || (s, d) == (b, a))
    };
    let (from, to) = (ctx.load.start - 1.0, ctx.load.end + 1.0);
    let window = ctx
        .ev
        .frames
        .iter()
        .filter(|f| f.ts >= from && f.ts <= to && f.proto != "arp" && f.proto != "ndp");
    let copies: Vec<&FrameRec> = window
        .clone()
        .filter(|f| f.interface != c.interface && ours(f))
        .collect();
    if copies.is_empty() {
        return None;
    }
    let near = |frame: u64| ctx.ev.frames.iter().find(|f| f.frame == frame);
    // The client's SYN and the server's SYN-ACK, each with its copy: the
    // first packet of the same direction on the other interface.
    let twin = |a: &FrameRec| {
        copies
            .iter()
            .copied()
            .find(|b| b.src == a.src && b.dst == a.dst && b.proto == a.proto)
    };
    let syn = c.syns.first().and_then(|s| near(s.frame))?;
    let syn_copy = twin(syn)?;
    let reply = c.syn_ack.as_ref().and_then(|s| near(s.frame));
    let reply_copy = reply.and_then(twin);
    let mut s = new_step("route", ctx.lang, Status::Observed);
    s.cite(&[4]);
    s.frames.extend(copies.iter().map(|f| f.frame));
    s.frames.push(syn.frame);
    s.fact("interfaces", ctx.ev.interfaces.clone());
    s.fact("copies", copies.iter().map(|f| f.frame).collect::<Vec<_>>());
    let mac = |m: Option<crate::decode::Mac>| m.map_or_else(|| "?".to_string(), |m| m.to_string());
    let ttl = |f: &FrameRec| f.ttl.map_or_else(|| "?".to_string(), |t| t.to_string());
    let hop_en = if c.client.0.is_ipv6() {
        "hop limit"
    } else {
        "TTL"
    };
    let hop_zh = if c.client.0.is_ipv6() {
        "跳数限制"
    } else {
        "TTL"
    };
    s.fact(
        "forwarded",
        json!({
            "frame": syn.frame, "copy": syn_copy.frame,
            "macs": [mac(syn.src_mac), mac(syn.dst_mac)],
            "copy_macs": [mac(syn_copy.src_mac), mac(syn_copy.dst_mac)],
            "ttl": syn.ttl, "copy_ttl": syn_copy.ttl,
        }),
    );
    let kept = syn.src == syn_copy.src && syn.dst == syn_copy.dst;
    let rewritten = syn.src_mac != syn_copy.src_mac && syn.dst_mac != syn_copy.dst_mac;
    let src = syn.src.map(|a| a.to_string()).unwrap_or_default();
    let dst = syn.dst.map(|a| a.to_string()).unwrap_or_default();
    s.line(match ctx.lang {
        Lang::En => format!(
            "This capture holds both sides of a router (interfaces {}): the SYN from {src} to {dst} is frame {} on the client's link, \
             MAC {} → {} with {hop_en} {}, and frame {} on the far link, MAC {} → {} with {hop_en} {}.",
            ctx.ev.interfaces.iter().map(u32::to_string).collect::<Vec<_>>().join(" and "),
            syn.frame, mac(syn.src_mac), mac(syn.dst_mac), ttl(syn),
            syn_copy.frame, mac(syn_copy.src_mac), mac(syn_copy.dst_mac), ttl(syn_copy)
        ),
        Lang::Zh => format!(
            "这个抓包同时记录了一台路由器的两侧（接口 {}）：从 {src} 到 {dst} 的 SYN 在客户端所在链路上是帧 {}，\
             MAC {} → {}，{hop_zh} 为 {}；在另一侧链路上是帧 {}，MAC {} → {}，{hop_zh} 为 {}。",
            ctx.ev.interfaces.iter().map(u32::to_string).collect::<Vec<_>>().join(" 和 "),
            syn.frame, mac(syn.src_mac), mac(syn.dst_mac), ttl(syn),
            syn_copy.frame, mac(syn_copy.src_mac), mac(syn_copy.dst_mac), ttl(syn_copy)
        ),
    });
    if let (Some(r), Some(rc)) = (reply, reply_copy) {
        s.frames.push(r.frame);
        s.line(match ctx.lang {
            Lang::En => format!(
                "The SYN-ACK goes the other way: it leaves the server's side with {hop_en} {} (frame {}) and reaches the client's link with {hop_en} {} (frame {}).",
                ttl(rc), rc.frame, ttl(r), r.frame
            ),
            Lang::Zh => format!(
                "SYN-ACK 方向相反：它在服务器一侧的 {hop_zh} 为 {}（帧 {}），到达客户端所在链路时为 {}（帧 {}）。",
                ttl(rc), rc.frame, ttl(r), r.frame
            ),
        });
    }
    let dropped = matches!((syn.ttl, syn_copy.ttl), (Some(a), Some(b)) if b + 1 == a);
    if kept && rewritten && dropped {
        s.line(ctx.t(
            "The router gave the packet a new Ethernet header for the next link and lowered the TTL by one (RFC 791 §3.2; RFC 1812 §5.3.1), \
             but kept both IP addresses: the IP addresses name the two ends for the whole path, a MAC address only the current link.",
            "路由器为下一段链路换上了新的以太网头部，并把 TTL 减一（RFC 791 §3.2；RFC 1812 §5.3.1），但源、目的 IP 地址都没有变：\
             IP 地址标识整条路径的两端，MAC 地址只标识当前这一段链路。",
        ).to_string());
    }
    let clean = ctx.conns.iter().all(|c| c.loss.retransmissions == [0, 0]);
    s.line(match ctx.lang {
        Lang::En => format!(
            "{} frames are this page load's packets seen again on the far link (same addresses): the story tells each packet once. \
             tshark, reading both interfaces as one stream, calls most of the TCP copies retransmissions{}.",
            copies.len(),
            if clean { "; on the client's link no segment was sent twice" } else { "" }
        ),
        Lang::Zh => format!(
            "另一侧链路上有 {} 个帧是这次页面加载的报文再次被抓到（地址相同）：每个报文只讲一次。\
             tshark 把两个接口当作一条流来读，会把其中大多数 TCP 副本标为重传{}。",
            copies.len(),
            if clean { "；在客户端所在链路上没有报文段被发送两次" } else { "" }
        ),
    });
    Some(s)
}
