//! Steps 5 and 9: opening and closing TCP connections (RFC 9293 §3.5 and
//! §3.6; options from RFC 9293 §3.7.1 MSS, RFC 7323 window scale and
//! timestamps, RFC 2018 SACK).

use super::{endpoint, ms, new_step, Ctx};
use crate::decode::tcp::TcpOptions;
use crate::explain::evidence::{Conn, Seg};
use crate::explain::{Status, Step};
use crate::notes::claims;
use crate::notes::Lang;
use serde_json::{json, Value};

fn options_json(o: &TcpOptions) -> Value {
    json!({
        "mss": o.mss,
        "wscale": o.wscale,
        "sack_permitted": o.sack_permitted,
        "timestamps": o.timestamps.is_some(),
        "tfo": o.tfo,
    })
}

fn options_text(o: &TcpOptions, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(m) = o.mss {
        parts.push(format!("MSS {m}"));
    }
    if let Some(w) = o.wscale {
        parts.push(match lang {
            Lang::En => format!("window scale {w}"),
            Lang::Zh => format!("窗口扩大因子 {w}"),
        });
    }
    if o.sack_permitted {
        parts.push(lang.t("SACK permitted", "允许 SACK").to_string());
    }
    if o.timestamps.is_some() {
        parts.push(lang.t("timestamps", "时间戳").to_string());
    }
    if let Some(t) = &o.tfo {
        parts.push(match lang {
            Lang::En => format!("Fast Open {t}"),
            Lang::Zh => format!("快速打开 {t}"),
        });
    }
    if parts.is_empty() {
        lang.t("no options", "无选项").to_string()
    } else {
        parts.join(lang.t(", ", "、"))
    }
}

/// What a teacher reads in the SYN's options: MSS against the MTU (RFC
/// 9293 §3.7.1: MSS = MTU − IP header − TCP header), window scaling (RFC
/// 7323 §2), SACK (RFC 2018) and timestamps (RFC 7323 §3), each in force
/// only when both SYNs carry it; and the client's ephemeral port.
fn options_lesson(ctx: &Ctx, c: &Conn) -> Option<String> {
    let a = c.syn_options.as_ref()?;
    let b = c.syn_ack_options.as_ref()?;
    let v6 = c.server.0.is_ipv6();
    let ip_header = if v6 { 40 } else { 20 };
    let mss = a.mss.map(|m| {
        let mtu = u32::from(m) + ip_header + 20;
        match (ctx.lang, mtu) {
            (Lang::En, 1500) => format!("MSS {m} = 1500-byte Ethernet MTU − {ip_header} ({}) − 20 (TCP header)", if v6 { "IPv6 header" } else { "IPv4 header" }),
            (Lang::Zh, 1500) => format!("MSS {m} = 以太网 MTU 1500 字节 − {ip_header}（{}）− 20（TCP 首部）", if v6 { "IPv6 首部" } else { "IPv4 首部" }),
            (Lang::En, 65535) => format!("MSS {m} = the loopback interface's 65535-byte MTU − {ip_header} − 20"),
            (Lang::Zh, 65535) => format!("MSS {m} = 回环接口的 MTU 65535 字节 − {ip_header} − 20"),
            (Lang::En, t) if t < 1500 => format!("MSS {m} means an MTU of {t} on the client's link, below Ethernet's 1500: a tunnel, VPN or PPPoE link takes its headers from each packet"),
            (Lang::Zh, t) if t < 1500 => format!("MSS {m} 对应客户端链路的 MTU 为 {t}，小于以太网的 1500：隧道、VPN 或 PPPoE 链路要占用每个包的一部分首部"),
            (Lang::En, t) => format!("MSS {m} means an MTU of {t} on the client's link"),
            (Lang::Zh, t) => format!("MSS {m} 对应客户端链路的 MTU 为 {t}"),
        }
    });
    let both = |x: bool, y: bool| x && y;
    let peer = tcp_side(ctx, c, false);
    let ws = match (a.wscale, b.wscale, ctx.lang) {
        (Some(x), Some(y), Lang::En) => format!("window scaling is on (client shift {x}, {peer} {y}: the 16-bit window field is multiplied by 2^{x} and 2^{y}, RFC 7323 §2)"),
        (Some(x), Some(y), Lang::Zh) => format!("窗口扩大生效（客户端因子 {x}，{peer} {y}：16 位窗口字段分别乘以 2^{x} 和 2^{y}，RFC 7323 §2）"),
        (_, _, Lang::En) => "window scaling is off: only one side, or neither, offered it (RFC 7323 §2.2)".to_string(),
        (_, _, Lang::Zh) => "窗口扩大未生效：只有一方或双方都没有提出（RFC 7323 §2.2）".to_string(),
    };
    let sack = match (both(a.sack_permitted, b.sack_permitted), ctx.lang) {
        (true, Lang::En) => "SACK is allowed both ways, so a receiver can report which blocks arrived after a loss (RFC 2018)",
        (true, Lang::Zh) => "双方都允许 SACK，丢包后接收方可以告知哪些数据块已收到（RFC 2018）",
        (false, Lang::En) => "SACK is not in use (both SYNs must carry SACK-permitted, RFC 2018)",
        (false, Lang::Zh) => "没有使用 SACK（两个 SYN 都要带允许 SACK 选项，RFC 2018）",
    };
    let ts = match (a.timestamps.is_some() && b.timestamps.is_some(), ctx.lang) {
        (true, Lang::En) => "timestamps are on, for RTT measurement and protection against wrapped sequence numbers (RFC 7323 §3–4)",
        (true, Lang::Zh) => "时间戳生效，用于测量 RTT 和防止序列号回绕（RFC 7323 §3–4）",
        (false, Lang::En) => "timestamps are off",
        (false, Lang::Zh) => "时间戳未生效",
    };
    let port = match ctx.lang {
        Lang::En => format!("the client's port {} is an ephemeral one its system picked for this connection (Linux picks from 32768–60999 by default; IANA suggests 49152–65535)", c.client.1),
        Lang::Zh => format!("客户端端口 {} 是系统为这个连接临时挑选的临时端口（Linux 默认从 32768–60999 中选，IANA 建议 49152–65535）", c.client.1),
    };
    let mut parts: Vec<String> = mss.into_iter().collect();
    parts.extend([ws, sack.to_string(), ts.to_string(), port]);
    Some(match ctx.lang {
        Lang::En => format!("What the SYNs agree: {}.", parts.join("; ")),
        Lang::Zh => format!("两个 SYN 协商的结果：{}。", parts.join("；")),
    })
}

/// The connection whose handshake the step tells: the first one that was
/// seen opening.
fn opened<'a>(ctx: &Ctx<'a>) -> Option<&'a Conn> {
    ctx.conns
        .iter()
        .copied()
        .find(|c| !c.quic && !c.syns.is_empty())
}

pub(super) fn handshake(ctx: &Ctx) -> Step {
    let mut s = new_step("tcp_handshake", ctx.lang, Status::Observed);
    s.cite(&[12, 4]);
    let Some(c) = opened(ctx) else {
        if ctx.conns.iter().any(|c| c.quic) && ctx.conns.iter().all(|c| c.quic) {
            s.status = Status::NotApplicable;
            let port = ctx.conns.first().map_or(443, |c| c.server.1);
            // HTTP/3 only when every protocol the client offered is h3.
            let h3 = ctx.conns.iter().any(|c| {
                c.client_hello().is_some_and(|ch| {
                    !ch.hs.alpn.is_empty() && ch.hs.alpn.iter().all(|a| a.starts_with("h3"))
                })
            });
            s.reason(&match ctx.lang {
                Lang::En => format!("The page came over QUIC (UDP port {port}): there is no TCP handshake; QUIC sets up the connection and TLS together."),
                Lang::Zh => format!("页面通过 QUIC（UDP 端口 {port}）传输：没有 TCP 握手，QUIC 同时建立连接和 TLS。"),
            });
            s.check(
                ctx.lang,
                &claims::HTTP_OVER_TCP,
                match (ctx.lang, h3) {
                    (Lang::En, true) => format!("HTTP/3 (the only protocol the client's ALPN offers) runs over QUIC, which is carried in UDP datagrams, here to port {port}; no SYN appears."),
                    (Lang::Zh, true) => format!("HTTP/3（客户端 ALPN 只提供了它）运行在 QUIC 之上，QUIC 使用 UDP 数据报，这里发往 {port} 端口；抓包中没有 SYN。"),
                    (Lang::En, false) => format!("This connection runs over QUIC, which is carried in UDP datagrams, here to port {port}; no SYN appears."),
                    (Lang::Zh, false) => format!("这个连接运行在 QUIC 之上，QUIC 使用 UDP 数据报，这里发往 {port} 端口；抓包中没有 SYN。"),
                },
                ctx.conns.iter().map(|c| c.first.frame).collect(),
            );
        } else {
            s.status = Status::Inferred;
            s.reason(ctx.t(
                "No SYN was captured: the connection was already open when the capture began.",
                "没有抓到 SYN：抓包开始时连接已经建立。",
            ));
        }
        return s;
    };
    // Through a proxy the TCP peer is the proxy, not the site's server.
    let peer = if super::proxy::proxied(c).is_some() {
        "proxy"
    } else {
        "server"
    };
    let peer_zh = if super::proxy::proxied(c).is_some() {
        "代理"
    } else {
        "服务器"
    };
    let syn = c.syns[0];
    s.fact("stream", c.stream);
    s.fact("client", endpoint(c.client.0, c.client.1));
    s.fact("server", endpoint(c.server.0, c.server.1));
    s.fact("syn_frame", syn.frame);
    s.fact("client_isn", c.client_isn);
    if let Some(o) = &c.syn_options {
        s.fact("client_options", options_json(o));
    }
    let mut segs = c.syns.clone();
    s.line(match ctx.lang {
        Lang::En => {
            format!(
            "Frame {}: SYN from {} to {}, the client's initial sequence number (ISN) is {} — {}.",
            syn.frame,
            endpoint(c.client.0, c.client.1),
            endpoint(c.server.0, c.server.1),
            c.client_isn.unwrap_or(0),
            options_text(c.syn_options.as_ref().unwrap_or(&TcpOptions::default()), ctx.lang)
        )
        }
        Lang::Zh => format!(
            "帧 {}：{} 向 {} 发送 SYN，客户端初始序列号（ISN）为 {}——{}。",
            syn.frame,
            endpoint(c.client.0, c.client.1),
            endpoint(c.server.0, c.server.1),
            c.client_isn.unwrap_or(0),
            options_text(
                c.syn_options.as_ref().unwrap_or(&TcpOptions::default()),
                ctx.lang
            )
        ),
    });
    if c.syns.len() > 1 {
        let retries: Vec<u64> = c.syns[1..].iter().map(|x| x.frame).collect();
        s.fact("syn_retries", retries.clone());
        s.line(match ctx.lang {
            Lang::En => format!(
                "The SYN was sent again in frames {:?}: no answer came in time, so the client retransmitted it.",
                retries
            ),
            Lang::Zh => format!("SYN 在帧 {:?} 中重发：没有及时收到回答，客户端重传了它。", retries),
        });
    }
    match c.syn_ack {
        Some(sa) => {
            segs.push(sa);
            s.fact("syn_ack_frame", sa.frame);
            s.fact("server_isn", c.server_isn);
            if let Some(o) = &c.syn_ack_options {
                s.fact("server_options", options_json(o));
            }
            // RFC 9293 §3.4: the SYN consumes one sequence number, so the
            // acknowledgement of a SYN is ISN + 1.
            let ok = c.syn_ack_ack == c.client_isn.map(|i| i.wrapping_add(1));
            s.fact("syn_ack_acks_client_isn_plus_1", ok);
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: SYN-ACK, the {peer}'s ISN is {} and it acknowledges {} = client ISN + 1{} — {}.",
                    sa.frame,
                    c.server_isn.unwrap_or(0),
                    c.syn_ack_ack.unwrap_or(0),
                    if ok { "" } else { " (it does NOT match)" },
                    options_text(c.syn_ack_options.as_ref().unwrap_or(&TcpOptions::default()), ctx.lang)
                ),
                Lang::Zh => format!(
                    "帧 {}：SYN-ACK，{peer_zh} ISN 为 {}，确认号 {} = 客户端 ISN + 1{}——{}。",
                    sa.frame,
                    c.server_isn.unwrap_or(0),
                    c.syn_ack_ack.unwrap_or(0),
                    if ok { "" } else { "（不相符）" },
                    options_text(c.syn_ack_options.as_ref().unwrap_or(&TcpOptions::default()), ctx.lang)
                ),
            });
            let rtt = ms(syn.ts.max(c.syns.last().map_or(syn.ts, |x| x.ts)), sa.ts);
            s.fact("rtt_ms", rtt);
            s.line(match ctx.lang {
                Lang::En => format!(
                    "SYN to SYN-ACK took {rtt:.3} ms: one round trip between client and {peer}."
                ),
                Lang::Zh => {
                    format!(
                        "从 SYN 到 SYN-ACK 用了 {rtt:.3} 毫秒：客户端与{peer_zh}之间的一个往返。"
                    )
                }
            });
            if let (Some(a), Some(b)) = (&c.syn_options, &c.syn_ack_options) {
                // Window scaling, SACK and timestamps are in force only
                // when both sides offered them (RFC 7323 §2.2, RFC 2018 §2).
                let negotiated = json!({
                    "mss": [a.mss, b.mss],
                    "window_scale": a.wscale.is_some() && b.wscale.is_some(),
                    "sack": a.sack_permitted && b.sack_permitted,
                    "timestamps": a.timestamps.is_some() && b.timestamps.is_some(),
                });
                s.fact("negotiated", negotiated);
            }
        }
        None => {
            let refused = c.rsts.iter().find(|r| !r.from_client);
            if let Some(r) = refused {
                segs.push(*r);
                s.fact("refused", true);
                s.line(match ctx.lang {
                    Lang::En => format!(
                        "Frame {}: the {peer} answered the SYN with RST: nothing listens on port {}, the connection is refused.",
                        r.frame, c.server.1
                    ),
                    Lang::Zh => format!("帧 {}：{peer_zh}用 RST 回应 SYN：端口 {} 上没有服务监听，连接被拒绝。", r.frame, c.server.1),
                });
            } else {
                s.line(
                    ctx.t("No SYN-ACK was captured.", "没有抓到 SYN-ACK。")
                        .to_string(),
                );
            }
        }
    }
    if let Some(a) = c.handshake_ack {
        segs.push(a);
        s.fact("ack_frame", a.frame);
        let ok = c.third_ack == c.server_isn.map(|i| i.wrapping_add(1));
        s.fact("ack_acks_server_isn_plus_1", ok);
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: ACK {} = {peer} ISN + 1{}. Both sides are now ESTABLISHED.",
                a.frame,
                c.third_ack.unwrap_or(0),
                if ok { "" } else { " (it does NOT match)" }
            ),
            Lang::Zh => format!(
                "帧 {}：ACK {} = {peer_zh} ISN + 1{}。双方进入 ESTABLISHED 状态。",
                a.frame,
                c.third_ack.unwrap_or(0),
                if ok { "" } else { "（不相符）" }
            ),
        });
        if ok {
            s.check(
                ctx.lang,
                &claims::ACK_IN_SEQUENCE,
                match ctx.lang {
                    Lang::En => format!(
                        "In frame {} the acknowledgment number field holds {} = the {peer}'s ISN + 1; the SYN-ACK (frame {}) likewise acknowledges the client's ISN + 1 in its acknowledgment number. The sequence number field carries each side's own numbering, never the other side's (RFC 9293 §3.1).",
                        a.frame, c.third_ack.unwrap_or(0), c.syn_ack.map_or(0, |x| x.frame)
                    ),
                    Lang::Zh => format!(
                        "帧 {} 的确认号字段是 {} = {peer_zh} ISN + 1；SYN-ACK（帧 {}）同样在确认号中确认客户端 ISN + 1。序列号字段只放各自一方自己的编号，从不放对方的（RFC 9293 §3.1）。",
                        a.frame, c.third_ack.unwrap_or(0), c.syn_ack.map_or(0, |x| x.frame)
                    ),
                },
                vec![a.frame],
            );
        }
        if let Some(sa) = c.syn_ack {
            let syn = c.syns.first().copied().unwrap_or(c.first);
            s.check(
                ctx.lang,
                &claims::STATE_NAMES,
                match ctx.lang {
                    Lang::En => format!(
                        "RFC 9293 §3.3.2 names the states SYN-SENT (the client, after its SYN in frame {}) and SYN-RECEIVED (the {peer}, after its SYN-ACK in frame {}); both reach ESTABLISHED with frame {}. \"SYN_SEND\" and \"SYN_REVD\" are not states of TCP.",
                        syn.frame, sa.frame, a.frame
                    ),
                    Lang::Zh => format!(
                        "RFC 9293 §3.3.2 把这两个状态叫作 SYN-SENT（客户端发出 SYN 后，帧 {}）和 SYN-RECEIVED（{peer_zh}发出 SYN-ACK 后，帧 {}）；帧 {} 之后双方都进入 ESTABLISHED。“SYN_SEND”和“SYN_REVD”不是 TCP 的状态名。",
                        syn.frame, sa.frame, a.frame
                    ),
                },
                vec![syn.frame, sa.frame, a.frame],
            );
        }
    }
    if let Some(l) = options_lesson(ctx, c) {
        s.line(l);
    }
    s.segs(&segs);
    let others: Vec<Value> = ctx
        .conns
        .iter()
        .filter(|o| o.stream != c.stream && !o.quic)
        .map(|o| {
            json!({
                "stream": o.stream,
                "server": endpoint(o.server.0, o.server.1),
                "syn_frame": o.syns.first().map(|x| x.frame),
                "rtt_ms": o.syns.first().zip(o.syn_ack).map(|(a, b)| ms(a.ts, b.ts)),
            })
        })
        .collect();
    // Only a connection whose SYN was answered by a SYN-ACK opened "the
    // same way"; a SYN answered by RST never opened (RFC 9293 §3.10.7.1).
    let rest: Vec<&&Conn> = ctx
        .conns
        .iter()
        .filter(|o| o.stream != c.stream && !o.quic)
        .collect();
    let opened = rest.iter().filter(|o| o.syn_ack.is_some()).count();
    let refused: Vec<u64> = rest
        .iter()
        .filter(|o| crate::explain::loads::refused(o))
        .filter_map(|o| o.syns.first().map(|x| x.frame))
        .collect();
    if opened > 0 {
        s.line(match ctx.lang {
            Lang::En => format!("{opened} more connection(s) in this page load open the same way."),
            Lang::Zh => format!("这次页面加载中另有 {opened} 个连接以同样方式建立。"),
        });
    }
    if !refused.is_empty() {
        let list = crate::explain::frame_list_in(&refused, ctx.lang);
        s.line(match ctx.lang {
            Lang::En if refused.len() == 1 => format!(
                "1 attempt never opened: its SYN (frame {list}) was answered by RST, not SYN-ACK (told in the teardown step)."
            ),
            Lang::En => format!(
                "{} attempts never opened: their SYNs (frames {list}) were answered by RST, not SYN-ACK (told in the teardown step).",
                refused.len()
            ),
            Lang::Zh => format!(
                "另有 {} 次尝试没有建立连接：SYN（帧 {list}）得到的回答是 RST 而不是 SYN-ACK（见“TCP 连接释放”一步）。",
                refused.len()
            ),
        });
    }
    s.fact("other_connections", others);
    s
}

/// "198.51.100.10:40000 → www.google.com:443"
fn conn_label(ctx: &Ctx, c: &Conn) -> String {
    // Through a proxy the TCP peer is the proxy, named by its address.
    if super::proxy::proxied(c).is_some() {
        let proxy = match ctx.lang {
            Lang::En => "the proxy",
            Lang::Zh => "代理",
        };
        return format!(
            "{} → {proxy} {}",
            endpoint(c.client.0, c.client.1),
            endpoint(c.server.0, c.server.1)
        );
    }
    format!(
        "{} → {}",
        endpoint(c.client.0, c.client.1),
        endpoint_name(&ctx.server_name(c), c.server.1)
    )
}

fn endpoint_name(name: &str, port: u16) -> String {
    if name.contains(':') {
        format!("[{name}]:{port}")
    } else {
        format!("{name}:{port}")
    }
}

/// The side of a TCP connection: through a proxy the peer is the proxy.
pub(super) fn tcp_side(ctx: &Ctx, c: &Conn, from_client: bool) -> &'static str {
    if !from_client && super::proxy::proxied(c).is_some() {
        return ctx.t("proxy", "代理");
    }
    ctx.side(from_client)
}

/// What one connection's end looked like.
fn close_of(ctx: &Ctx, c: &Conn) -> (Value, Option<String>, Vec<u64>) {
    let mut frames = Vec::new();
    if let Some(first) = c.fins.first() {
        frames.push(first.frame);
        let closer = tcp_side(ctx, c, first.from_client);
        let other_fin = c.fins.iter().find(|f| f.from_client != first.from_client);
        // RFC 9293 §3.6: the other side may acknowledge the FIN at once and
        // send its own FIN later (four segments), or send its FIN with the
        // acknowledgement (three segments).
        let combined = match (c.fin_answer, other_fin) {
            (Some(a), Some(f)) => a.frame == f.frame,
            _ => false,
        };
        if let Some(a) = c.fin_answer {
            frames.push(a.frame);
        }
        if let Some(f) = other_fin {
            frames.push(f.frame);
        }
        if let Some(l) = c.last_ack {
            frames.push(l.frame);
        }
        let reset_after = c.rsts.iter().find(|r| r.ts >= first.ts).copied();
        if let Some(r) = reset_after.filter(|_| other_fin.is_none()) {
            frames.push(r.frame);
        }
        // RFC 9293 §3.6: the closer's last ACK puts it in TIME-WAIT; a RST
        // from it after the other FIN, with no last ACK, leaves no TIME-WAIT.
        let rst_instead_of_ack = other_fin.and_then(|f| {
            c.rsts
                .iter()
                .find(|r| r.ts >= f.ts && r.from_client == first.from_client)
                .filter(|_| c.last_ack.is_none())
                .copied()
        });
        if let Some(r) = rst_instead_of_ack {
            frames.push(r.frame);
        }
        let simultaneous = other_fin.is_some_and(|f| {
            c.fin_answer.is_some_and(|a| a.frame == f.frame) && f.ts - first.ts < 1e-6
        });
        let segments = if other_fin.is_none() {
            None
        } else if combined {
            Some(3)
        } else {
            Some(4)
        };
        // RFC 9293 §3.6: the side that closes first (active close) waits
        // in TIME-WAIT for 2×MSL after its last ACK.
        let fact = json!({
            "stream": c.stream,
            "server": endpoint(c.server.0, c.server.1),
            "closed_by": if first.from_client { "client" } else { "server" },
            "first_fin_frame": first.frame,
            "second_fin_frame": other_fin.map(|f| f.frame),
            "last_ack_frame": c.last_ack.map(|l| l.frame),
            "segments": segments,
            "time_wait": if rst_instead_of_ack.is_some() || (other_fin.is_none() && reset_after.is_some()) { None } else if first.from_client { Some("client") } else { Some("server") },
            "reset_instead_of_last_ack": rst_instead_of_ack.map(|r| r.frame),
            "half_close_data": c.half_close_data,
            "reset_frame": reset_after.map(|r| r.frame),
            "simultaneous": simultaneous,
        });
        let text = match (ctx.lang, other_fin) {
            (Lang::En, Some(f)) if rst_instead_of_ack.is_some() => format!(
                "{}: the {closer} closes first (FIN, frame {}); the other side's FIN is frame {}; the {closer} answers it with RST (frame {}) instead of the last ACK, so no TIME_WAIT follows. A host sends RST like this when its socket is already gone (closed with SO_LINGER 0, or data arrived that the application will never read, RFC 2525 §2.17).",
                conn_label(ctx, c),
                first.frame,
                f.frame,
                rst_instead_of_ack.map_or(0, |r| r.frame)
            ),
            (Lang::Zh, Some(f)) if rst_instead_of_ack.is_some() => format!(
                "{}：{closer}先关闭（FIN，帧 {}）；另一方的 FIN 是帧 {}；{closer}用 RST（帧 {}）代替最后的 ACK 作答，所以不会进入 TIME_WAIT。套接字已不存在时（以 SO_LINGER 0 关闭，或收到应用再也不会读取的数据，RFC 2525 §2.17），主机就会这样回 RST。",
                conn_label(ctx, c),
                first.frame,
                f.frame,
                rst_instead_of_ack.map_or(0, |r| r.frame)
            ),
            (Lang::En, Some(f)) => format!(
                "{}: the {closer} closes first (FIN, frame {}); the other side {} (frame {}){}; \
                 the {closer} then waits in TIME_WAIT for 2 × MSL (RFC 9293 §3.6; 60 s on Linux), so that it can repeat a lost last ACK and old segments of this connection die out.",
                conn_label(ctx, c),
                first.frame,
                if combined {
                    "acknowledges it and sends its own FIN in one segment"
                } else {
                    "acknowledges it, then later sends its own FIN"
                },
                f.frame,
                c.last_ack
                    .map(|l| format!(", and the last ACK is frame {}", l.frame))
                    .unwrap_or_default()
            ),
            (Lang::Zh, Some(f)) => format!(
                "{}：{closer}先关闭（FIN，帧 {}）；另一方{}（帧 {}）{}；之后{closer}进入 TIME_WAIT，等待 2 × MSL（RFC 9293 §3.6；Linux 上为 60 秒），以便重发丢失的最后一个 ACK，并让这个连接的旧报文段在网络中消失。",
                conn_label(ctx, c),
                first.frame,
                if combined { "在同一个报文段中确认并发送自己的 FIN" } else { "先确认，稍后再发送自己的 FIN" },
                f.frame,
                c.last_ack.map(|l| format!("，最后的 ACK 是帧 {}{}", l.frame, if combined { "" } else { "，共四个报文段，即四次挥手" })).unwrap_or_default()
            ),
            (Lang::En, None) if reset_after.is_some() => format!(
                "{}: the {closer} sent FIN (frame {}), then the connection was aborted with RST (frame {}){}; no TIME_WAIT follows.",
                conn_label(ctx, c),
                first.frame,
                reset_after.map_or(0, |r| r.frame),
                match (c.half_close_data, reset_after.is_some_and(|r| r.from_client == first.from_client)) {
                    (true, true) => format!(
                        ": the other side still sent data after the FIN{}, and a socket its application has closed answers data with RST (RFC 2525 §2.17)",
                        c.fin_answer.map(|a| format!(" (from frame {})", a.frame)).unwrap_or_default()
                    ),
                    // The side that received the FIN answered with RST
                    // instead of a FIN of its own.
                    (_, false) => format!(
                        ": the {} answered the FIN{} with RST instead of its own FIN. A TCP does that when its application closes the socket \
                         with received data still unread (RFC 1122 §4.2.2.13), or aborts the connection on purpose (SO_LINGER with a zero timeout); \
                         the wire cannot show which. The RST ends the connection at once on both sides",
                        tcp_side(ctx, c, !first.from_client),
                        c.fin_answer.map(|a| format!(" (acknowledged in frame {})", a.frame)).unwrap_or_default()
                    ),
                    _ => String::new(),
                }
            ),
            (Lang::Zh, None) if reset_after.is_some() => format!(
                "{}：{closer}发送了 FIN（帧 {}），随后连接被 RST（帧 {}）中止{}；不会进入 TIME_WAIT。",
                conn_label(ctx, c),
                first.frame,
                reset_after.map_or(0, |r| r.frame),
                match (c.half_close_data, reset_after.is_some_and(|r| r.from_client == first.from_client)) {
                    (true, true) => format!(
                        "：FIN 之后另一方仍发来数据{}，而应用已关闭的套接字对数据一律回 RST（RFC 2525 §2.17）",
                        c.fin_answer.map(|a| format!("（从帧 {} 起）", a.frame)).unwrap_or_default()
                    ),
                    (_, false) => format!(
                        "：{}对这个 FIN{}回的是 RST，而不是自己的 FIN。应用在还有已收到但未读的数据时关闭套接字（RFC 1122 §4.2.2.13），\
                         或有意中止连接（SO_LINGER 超时设为 0）时，TCP 就会这样做；从线路上看不出是哪一种。RST 让双方立即结束连接",
                        tcp_side(ctx, c, !first.from_client),
                        c.fin_answer.map(|a| format!("（已在帧 {} 确认）", a.frame)).unwrap_or_default()
                    ),
                    _ => String::new(),
                }
            ),
            (Lang::En, None) => format!(
                "{}: the {closer} sent FIN (frame {}) but the other side had not closed when the capture ended (half-closed).",
                conn_label(ctx, c),
                first.frame
            ),
            (Lang::Zh, None) => format!(
                "{}：{closer}发送了 FIN（帧 {}），但到抓包结束时另一方还没有关闭（半关闭）。",
                conn_label(ctx, c),
                first.frame
            ),
        };
        return (fact, Some(text), frames);
    }
    // RFC 9293 §3.10.7.1: a SYN answered by RST was refused (nothing
    // listens there); the connection never opened, so nothing is torn down.
    if crate::explain::loads::refused(c) {
        if let (Some(syn), Some(r)) = (c.syns.first(), c.rsts.iter().find(|r| !r.from_client)) {
            frames.push(syn.frame);
            frames.push(r.frame);
            // Happy Eyeballs (RFC 8305 §5): the client moves on to another
            // address of the same name and port.
            let next = ctx
                .conns
                .iter()
                .filter(|o| {
                    !o.quic
                        && o.server.1 == c.server.1
                        && o.server.0 != c.server.0
                        && o.syn_ack.is_some()
                })
                .filter_map(|o| o.syns.first().map(|s| (o, *s)))
                .find(|(_, s)| s.ts >= r.ts);
            let fact = json!({
                "stream": c.stream,
                "server": endpoint(c.server.0, c.server.1),
                "refused": true,
                "syn_frame": syn.frame,
                "reset_frame": r.frame,
                "next_attempt_frame": next.map(|(_, s)| s.frame),
            });
            let then = match (ctx.lang, next) {
                (Lang::En, Some((o, s))) => format!(
                    " The client then tried {} (SYN, frame {}), the next address of the same name: falling back from one address to the next is what Happy Eyeballs does (RFC 8305).",
                    endpoint(o.server.0, o.server.1),
                    s.frame
                ),
                (Lang::Zh, Some((o, s))) => format!(
                    "客户端随后改连 {}（SYN，帧 {}），即同一名字的下一个地址：在地址之间依次回退正是 Happy Eyeballs 的做法（RFC 8305）。",
                    endpoint(o.server.0, o.server.1),
                    s.frame
                ),
                _ => String::new(),
            };
            let text = match ctx.lang {
                Lang::En => format!(
                    "{}: refused — the SYN (frame {}) was answered with RST (frame {}): nothing was listening on port {} at that address (RFC 9293 §3.10.7.1). The connection never opened, so there is no teardown and no TIME_WAIT.{then}",
                    conn_label(ctx, c),
                    syn.frame,
                    r.frame,
                    c.server.1
                ),
                Lang::Zh => format!(
                    "{}：被拒绝——SYN（帧 {}）得到的回答是 RST（帧 {}）：该地址的 {} 端口上没有程序在监听（RFC 9293 §3.10.7.1）。连接从未建立，所以没有挥手，也没有 TIME_WAIT。{then}",
                    conn_label(ctx, c),
                    syn.frame,
                    r.frame,
                    c.server.1
                ),
            };
            return (fact, Some(text), frames);
        }
    }
    if let Some(r) = c.rsts.first() {
        frames.push(r.frame);
        let fact = json!({
            "stream": c.stream,
            "server": endpoint(c.server.0, c.server.1),
            "reset_by": if r.from_client { "client" } else { "server" },
            "reset_frame": r.frame,
        });
        let text = match ctx.lang {
            Lang::En => format!(
                "{}: the {} aborted the connection with RST (frame {}) instead of FIN; no TIME_WAIT follows.",
                conn_label(ctx, c),
                tcp_side(ctx, c, r.from_client),
                r.frame
            ),
            Lang::Zh => format!(
                "{}：{}用 RST（帧 {}）而不是 FIN 中止了连接；不会进入 TIME_WAIT。",
                conn_label(ctx, c),
                tcp_side(ctx, c, r.from_client),
                r.frame
            ),
        };
        return (fact, Some(text), frames);
    }
    let fact = json!({
        "stream": c.stream,
        "server": endpoint(c.server.0, c.server.1),
        "still_open": true,
    });
    let text = match ctx.lang {
        Lang::En => format!("{}: still open when the capture ended.", conn_label(ctx, c)),
        Lang::Zh => format!("{}：抓包结束时仍未关闭。", conn_label(ctx, c)),
    };
    (fact, Some(text), frames)
}

/// RFC 8446 §6.1: each side ends its TLS session with close_notify before
/// closing TCP, so a peer can tell a finished response from a cut one.
/// TLS 1.2 shows the alert as an alert record; TLS 1.3 hides its type, and
/// `records` names it by size and position.
fn close_notify_before_fin(ctx: &Ctx, c: &Conn) -> Option<String> {
    c.client_hello()?;
    let notify: Vec<Seg> = match super::records::classify(c) {
        Some(r) => r
            .recs
            .iter()
            .filter(|x| x.kind == super::records::Kind::CloseNotify)
            .map(|x| x.seg)
            .collect(),
        None => c.alerts.iter().map(|(seg, _)| *seg).collect(),
    };
    let mut parts = Vec::new();
    for from_client in [true, false] {
        let Some(fin) = c.fins.iter().find(|f| f.from_client == from_client) else {
            continue;
        };
        let side = ctx.side(from_client);
        parts.push(
            match (
                notify
                    .iter()
                    .find(|x| x.from_client == from_client && x.ts <= fin.ts),
                ctx.lang,
            ) {
                (Some(n), Lang::En) => format!(
                    "the {side} sent close_notify (frame {}) before its FIN (frame {})",
                    n.frame, fin.frame
                ),
                (Some(n), Lang::Zh) => format!(
                    "{side}在 FIN（帧 {}）之前发送了 close_notify（帧 {}）",
                    fin.frame, n.frame
                ),
                (None, Lang::En) => format!(
                    "the {side} sent its FIN (frame {}) with no close_notify seen before it",
                    fin.frame
                ),
                (None, Lang::Zh) => format!(
                    "{side}发送 FIN（帧 {}）之前没有看到 close_notify",
                    fin.frame
                ),
            },
        );
    }
    if parts.is_empty() {
        return None;
    }
    Some(match ctx.lang {
        Lang::En => format!(
            "How TLS ended: {}. A close_notify alert before the FIN (RFC 8446 §6.1) lets the other side tell a complete response from one cut short by a forged FIN.",
            parts.join("; ")
        ),
        Lang::Zh => format!(
            "TLS 如何结束：{}。在 FIN 之前发送 close_notify 告警（RFC 8446 §6.1）能让对方分辨完整的响应和被伪造的 FIN 截断的响应。",
            parts.join("；")
        ),
    })
}

pub(super) fn teardown(ctx: &Ctx) -> Step {
    let mut s = new_step("tcp_teardown", ctx.lang, Status::Observed);
    s.cite(&[12, 4]);
    let tcp: Vec<&Conn> = ctx.conns.iter().copied().filter(|c| !c.quic).collect();
    if tcp.is_empty() {
        s.status = if ctx.conns.iter().any(|c| c.quic) {
            Status::NotApplicable
        } else {
            Status::NotVisible
        };
        s.reason(if ctx.conns.iter().any(|c| c.quic) {
            // RFC 9000 §10: a QUIC connection ends by idle timeout, by a
            // CONNECTION_CLOSE frame (encrypted after the handshake), or by
            // a stateless reset; none of them is a FIN.
            ctx.t(
                "No TCP connection in this page load: QUIC connections have no FIN. They end with a CONNECTION_CLOSE frame inside an encrypted packet, or silently after an idle timeout (RFC 9000 §10).",
                "这次页面加载中没有 TCP 连接：QUIC 连接没有 FIN。它以加密包中的 CONNECTION_CLOSE 帧结束，或在空闲超时后静默关闭（RFC 9000 §10）。",
            )
        } else {
            ctx.t(
                "No TCP connection in this page load.",
                "这次页面加载中没有 TCP 连接。",
            )
        });
        return s;
    }
    let mut facts = Vec::new();
    let mut closed = 0;
    for c in &tcp {
        let (fact, text, frames) = close_of(ctx, c);
        if !c.fins.is_empty() || !c.rsts.is_empty() {
            closed += 1;
        }
        for f in &frames {
            if let Some(r) = ctx.ev.frame(*f) {
                s.timing([r.ts].into_iter());
            }
        }
        s.frames.extend(frames);
        if let Some(t) = text {
            s.line(t);
        }
        if let Some(t) = close_notify_before_fin(ctx, c) {
            s.line(t);
        }
        facts.push(fact);
    }
    if closed == 0 {
        s.status = Status::Inferred;
        s.reason(ctx.t(
            "No connection of this page load closed before the capture ended.",
            "抓包结束前，这次页面加载的连接都没有关闭。",
        ));
    }
    // The notes count four segments; a FIN sent together with the ACK of
    // the peer's FIN makes it three.
    if let Some((c, f)) = tcp.iter().find_map(|c| {
        let v = facts.iter().find(|f| f["stream"] == c.stream)?;
        (v["segments"] == 3).then_some((c, v))
    }) {
        let frames: Vec<u64> = [
            &f["first_fin_frame"],
            &f["second_fin_frame"],
            &f["last_ack_frame"],
        ]
        .iter()
        .filter_map(|v| v.as_u64())
        .collect();
        s.check(
            ctx.lang,
            &claims::FOUR_SEGMENTS,
            match ctx.lang {
                Lang::En => format!(
                    "The connection to {} closed in three segments: the side that received the first FIN had nothing left to send, so its ACK and its own FIN travelled together.",
                    ctx.server_name(c)
                ),
                Lang::Zh => format!(
                    "到 {} 的连接用三个报文段关闭（常说的四次挥手在这里只有三次）：收到第一个 FIN 的一方已无数据要发，它的 ACK 和自己的 FIN 合在一个报文段里发出。",
                    ctx.server_name(c)
                ),
            },
            frames,
        );
    }
    s.fact("connections", facts);
    s
}
