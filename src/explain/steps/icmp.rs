//! ICMP told on its own (RFC 792, RFC 4443): echo requests and replies
//! with their round-trip times (ping), time exceeded from each router on
//! the path (traceroute, RFC 1393's idea with UDP probes), and the port
//! unreachable with which the destination ends a traceroute.

use super::{ms, new_step, Ctx};
use crate::explain::evidence::IcmpRec;
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;
use std::collections::HashSet;

/// Messages told one by one per kind.
const MAX_TOLD: usize = 16;

fn is_echo_request(r: &IcmpRec) -> bool {
    (!r.v6 && r.icmp_type == 8) || (r.v6 && r.icmp_type == 128)
}
fn is_echo_reply(r: &IcmpRec) -> bool {
    (!r.v6 && r.icmp_type == 0) || (r.v6 && r.icmp_type == 129)
}
fn is_time_exceeded(r: &IcmpRec) -> bool {
    r.code == 0 && r.icmp_type == if r.v6 { 3 } else { 11 }
}
fn is_port_unreachable(r: &IcmpRec) -> bool {
    (!r.v6 && r.icmp_type == 3 && r.code == 3) || (r.v6 && r.icmp_type == 1 && r.code == 4)
}

/// `skip`: frames another story tells (a DHCP server's ping).
pub(super) fn icmp(ctx: &Ctx, skip: &HashSet<u64>) -> Option<Step> {
    let recs: Vec<&IcmpRec> = ctx
        .ev
        .icmp
        .iter()
        .filter(|r| !skip.contains(&r.frame))
        .collect();
    let mut s = new_step("icmp", ctx.lang, Status::Observed);
    let en = ctx.lang == Lang::En;
    // Ping: each request matched with the reply carrying its identifier
    // and sequence number, from the address it was sent to.
    let mut pings = Vec::new();
    for (n, r) in recs.iter().enumerate().filter(|(_, r)| is_echo_request(r)) {
        let reply = recs[n + 1..]
            .iter()
            .find(|a| is_echo_reply(a) && a.echo == r.echo && a.src == r.dst && a.dst == r.src);
        s.frames.push(r.frame);
        s.timing([r.ts].into_iter());
        if let Some(a) = reply {
            s.frames.push(a.frame);
            s.timing([a.ts].into_iter());
        }
        pings.push((r, reply));
    }
    if !pings.is_empty() {
        s.fact(
            "pings",
            pings
                .iter()
                .map(|(r, a)| {
                    json!({
                        "request": r.frame,
                        "dst": r.dst.to_string(),
                        "id": r.echo.map(|e| e.0),
                        "seq": r.echo.map(|e| e.1),
                        "reply": a.map(|a| a.frame),
                        "rtt_ms": a.map(|a| ms(r.ts, a.ts)),
                        "reply_ttl": a.map(|a| a.ttl),
                    })
                })
                .collect::<Vec<_>>(),
        );
        for (r, a) in pings.iter().take(MAX_TOLD) {
            let (id, seq) = r.echo.unwrap_or((0, 0));
            s.line(match (a, en) {
                (Some(a), true) => format!(
                    "Ping {}: echo request id {id:#06x} seq {seq} (frame {}), echo reply (frame {}) after {} ms, reply TTL {}.",
                    r.dst, r.frame, a.frame, ms(r.ts, a.ts), a.ttl
                ),
                (Some(a), false) => format!(
                    "ping {}：回显请求 id {id:#06x}、seq {seq}（帧 {}），{} 毫秒后收到回显应答（帧 {}），应答的 TTL 为 {}。",
                    r.dst, r.frame, ms(r.ts, a.ts), a.frame, a.ttl
                ),
                (None, true) => format!(
                    "Ping {}: echo request id {id:#06x} seq {seq} (frame {}) got no reply in the capture.",
                    r.dst, r.frame
                ),
                (None, false) => format!(
                    "ping {}：回显请求 id {id:#06x}、seq {seq}（帧 {}）在抓包中没有应答。",
                    r.dst, r.frame
                ),
            });
        }
        let rtts: Vec<f64> = pings
            .iter()
            .filter_map(|(r, a)| a.map(|a| ms(r.ts, a.ts)))
            .collect();
        if !rtts.is_empty() {
            let min = rtts.iter().copied().fold(f64::INFINITY, f64::min);
            let max = rtts.iter().copied().fold(0.0, f64::max);
            let avg = rtts.iter().sum::<f64>() / rtts.len() as f64;
            s.fact("rtt_min_ms", min);
            s.fact("rtt_avg_ms", (avg * 1000.0).round() / 1000.0);
            s.fact("rtt_max_ms", max);
            s.line(if en {
                format!(
                    "{} of {} requests answered; round trip min {min:.3} / avg {avg:.3} / max {max:.3} ms.",
                    rtts.len(),
                    pings.len()
                )
            } else {
                format!(
                    "{} 个请求中有 {} 个得到应答；往返时间最小 {min:.3} / 平均 {avg:.3} / 最大 {max:.3} 毫秒。",
                    pings.len(),
                    rtts.len()
                )
            });
        }
    }
    // Traceroute: each time exceeded names the router that dropped a
    // probe whose TTL ran out; the probe is found by the ports the error
    // quotes, and its TTL is the hop number.
    let mut hops = Vec::new();
    for r in recs
        .iter()
        .filter(|r| is_time_exceeded(r) || is_port_unreachable(r))
    {
        let q = r.quoted.as_ref();
        let probe = q.and_then(|q| {
            ctx.ev.udp.iter().rev().find(|u| {
                u.ts <= r.ts
                    && Some(u.src_port) == q.src_port
                    && Some(u.dst_port) == q.dst_port
                    && u.dst == q.dst
            })
        });
        s.frames.push(r.frame);
        s.timing([r.ts].into_iter());
        if let Some(p) = probe {
            s.frames.push(p.frame);
        }
        hops.push((r, probe));
    }
    let traceroute = hops.iter().any(|(r, _)| is_time_exceeded(r));
    if !hops.is_empty() {
        s.fact(
            "errors",
            hops.iter()
                .map(|(r, p)| {
                    json!({
                        "frame": r.frame,
                        "from": r.src.to_string(),
                        "kind": if is_time_exceeded(r) { "time_exceeded" } else { "port_unreachable" },
                        "about_dst": r.quoted.as_ref().map(|q| q.dst.to_string()),
                        "about_dst_port": r.quoted.as_ref().and_then(|q| q.dst_port),
                        "probe": p.map(|p| p.frame),
                        "probe_ttl": p.map(|p| p.ttl),
                        "rtt_ms": p.map(|p| ms(p.ts, r.ts)),
                    })
                })
                .collect::<Vec<_>>(),
        );
    }
    // The first port unreachable ends a traceroute; later ones answer
    // probes it had already sent (it sends several at a time).
    let mut ended: Option<u64> = None;
    for (r, p) in hops.iter().take(MAX_TOLD * 2) {
        let rtt = p.map(|p| ms(p.ts, r.ts));
        let end_note = if !traceroute || is_time_exceeded(r) {
            None
        } else if let Some(first) = ended {
            Some(first)
        } else {
            ended = Some(r.frame);
            Some(0)
        };
        let probe = match (p, en) {
            (Some(p), true) => format!(
                "the UDP probe of frame {} (TTL {}, to port {}), {} ms before",
                p.frame,
                p.ttl,
                p.dst_port,
                rtt.unwrap_or(0.0)
            ),
            (Some(p), false) => format!(
                "帧 {} 的 UDP 探测包（TTL {}，目的端口 {}），{} 毫秒前发出",
                p.frame,
                p.ttl,
                p.dst_port,
                rtt.unwrap_or(0.0)
            ),
            (None, true) => "a packet not in the capture".to_string(),
            (None, false) => "一个不在抓包中的报文".to_string(),
        };
        let about = r
            .quoted
            .as_ref()
            .map(|q| {
                format!(
                    "{} → {}{}",
                    q.src,
                    q.dst,
                    q.dst_port.map(|p| format!(":{p}")).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        s.line(if is_time_exceeded(r) {
            if en {
                format!(
                    "Frame {}: router {} answers time exceeded about {about}: the TTL of {probe} ran out at this router, so it is hop {} of the path.",
                    r.frame,
                    r.src,
                    p.map_or("?".to_string(), |p| p.ttl.to_string())
                )
            } else {
                format!(
                    "帧 {}：路由器 {} 就 {about} 回复超时（time exceeded）：{probe}的 TTL 在这个路由器处耗尽，所以它是路径上的第 {} 跳。",
                    r.frame,
                    r.src,
                    p.map_or("?".to_string(), |p| p.ttl.to_string())
                )
            }
        } else if en {
            format!(
                "Frame {}: {} answers port unreachable about {about}: the datagram arrived, but nothing listens on that UDP port{}.",
                r.frame,
                r.src,
                match end_note {
                    Some(0) => " — the destination itself answered, which ends the traceroute".to_string(),
                    Some(first) => format!(
                        " — an answer to a later probe: the traceroute already ended at frame {first}"
                    ),
                    None => String::new(),
                }
            )
        } else {
            format!(
                "帧 {}：{} 就 {about} 回复端口不可达：数据报已到达，但该 UDP 端口上没有程序监听{}。",
                r.frame,
                r.src,
                match end_note {
                    Some(0) => "——目的主机本身作了回答，traceroute 到此结束".to_string(),
                    Some(first) => format!("——这是对后续探测包的回答：traceroute 已在帧 {first} 结束"),
                    None => String::new(),
                }
            )
        });
    }
    if pings.is_empty() && hops.is_empty() {
        return None;
    }
    if traceroute {
        s.fact("traceroute", true);
        s.line(
            ctx.t(
                "Each router decrements the IP TTL by one and drops a packet whose TTL reaches 0, telling the sender with ICMP time exceeded (RFC 791, RFC 792); traceroute sends probes with TTL 1, 2, 3 … and so learns one router per TTL.",
                "每个路由器把 IP TTL 减一，TTL 变为 0 时丢弃报文并用 ICMP 超时报文告诉发送方（RFC 791、RFC 792）；traceroute 依次发送 TTL 为 1、2、3…… 的探测包，每个 TTL 得知一跳路由器。",
            )
            .to_string(),
        );
    }
    Some(s)
}
