//! Steps 7 and 8 and the WebSocket upgrade: HTTP semantics from RFC 9110
//! (methods §9, status codes §15), HTTP/1.1 persistence from RFC 9112 §9.3,
//! the WebSocket opening handshake from RFC 6455 §4.

use super::{ms, new_step, records, Ctx};
use crate::explain::evidence::{Conn, H2Rec, HttpRec, Seg};
use crate::explain::{url_host, Status, Step};
use crate::notes::claims;
use crate::notes::Lang;
use serde_json::json;

mod body;
mod h2;
mod meaning;
mod websocket;
use body::*;
use h2::*;
use meaning::*;
use websocket::*;

/// The request and its first response on a TLS connection, estimated:
/// for TLS 1.3 the first records no rule of `records` names; for TLS 1.2
/// (whose Finished messages are handshake records) the first
/// application-data record each way after the ServerHello.
fn https_exchange(c: &Conn) -> Option<(Seg, Seg)> {
    if let Some(r) = records::classify(c) {
        return r.exchange();
    }
    let sh_ts = c.server_hello()?.seg.ts;
    let request = c.app_data[0].iter().find(|x| x.ts >= sh_ts)?;
    let response = c.app_data[1].iter().find(|x| x.ts >= request.ts)?;
    Some((*request, *response))
}

/// Bytes of the application-data records the evidence kept in one
/// direction, with their 5-byte headers.
fn record_bytes(c: &Conn, dir: usize) -> u64 {
    c.app_data_len[dir].iter().map(|l| u64::from(*l) + 5).sum()
}

/// Application-data records per direction (client, server): without the
/// handshake, tickets and control records when they can be told apart.
fn app_records(c: &Conn) -> [Vec<Seg>; 2] {
    match records::classify(c) {
        Some(r) => {
            let side = |client: bool| {
                r.recs
                    .iter()
                    .filter(|x| x.seg.from_client == client && x.kind.is_app())
                    .map(|x| x.seg)
                    .collect()
            };
            [side(true), side(false)]
        }
        None => c.app_data.clone(),
    }
}

pub(super) fn http(ctx: &Ctx) -> Step {
    let mut s = new_step("http", ctx.lang, Status::Observed);
    s.cite(&[1, 10]);
    let cleartext: Vec<(&Conn, &HttpRec)> = ctx
        .conns
        .iter()
        .flat_map(|c| c.http.iter().map(move |h| (*c, h)))
        .collect();
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    // RFC 9112 §9.3: on one connection responses come in request order.
    let mut pending: std::collections::BTreeMap<u64, std::collections::VecDeque<&str>> =
        std::collections::BTreeMap::new();
    for (c, h) in &cleartext {
        if let Some(m) = &h.msg.method {
            pending.entry(c.stream).or_default().push_back(m.as_str());
        }
        let answered = if h.msg.status.is_some_and(|st| st >= 200) {
            pending.get_mut(&c.stream).and_then(|q| q.pop_front())
        } else {
            None
        };
        s.frames.extend(h.msg.frames.iter().copied());
        s.frames.push(h.seg.frame);
        s.timing([h.seg.ts].into_iter());
        if let Some(m) = &h.msg.method {
            s.cite(&[2]);
            if m == "GET" || m == "POST" {
                s.cite(&[3]);
            }
            requests.push(json!({
                "frame": h.seg.frame, "stream": c.stream, "method": m,
                "target": h.msg.target, "host": h.msg.host, "version": h.msg.version,
            }));
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: {m} {} {} with Host {} — {}.",
                    h.seg.frame,
                    h.msg.target.as_deref().unwrap_or(""),
                    h.msg.version,
                    h.msg.host.as_deref().unwrap_or("(none)"),
                    request_meaning(m, h.msg.upgrade.as_deref(), ctx.lang)
                ),
                Lang::Zh => format!(
                    "帧 {}：{m} {} {}，Host 为 {}——{}。",
                    h.seg.frame,
                    h.msg.target.as_deref().unwrap_or(""),
                    h.msg.version,
                    h.msg.host.as_deref().unwrap_or("（无）"),
                    request_meaning(m, h.msg.upgrade.as_deref(), ctx.lang)
                ),
            });
            if let Some(t) = body_line(ctx, c, h, &mut s) {
                s.line(t);
            }
        } else if let Some(code) = h.msg.status {
            responses.push(json!({
                "frame": h.seg.frame, "stream": c.stream, "status": code,
                "reason": h.msg.reason, "location": h.msg.location,
            }));
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: {} {} {} — {}{}.",
                    h.seg.frame,
                    h.msg.version,
                    code,
                    h.msg.reason.as_deref().unwrap_or(""),
                    response_meaning(code, answered, ctx.lang),
                    h.msg
                        .location
                        .as_deref()
                        .map(|l| format!("; Location: {l}"))
                        .unwrap_or_default()
                ),
                Lang::Zh => format!(
                    "帧 {}：{} {} {}——{}{}。",
                    h.seg.frame,
                    h.msg.version,
                    code,
                    h.msg.reason.as_deref().unwrap_or(""),
                    response_meaning(code, answered, ctx.lang),
                    h.msg
                        .location
                        .as_deref()
                        .map(|l| format!("；Location：{l}"))
                        .unwrap_or_default()
                ),
            });
            if let Some(t) = body_line(ctx, c, h, &mut s) {
                s.line(t);
            }
            if let Some(loc_host) = h.msg.location.as_deref().and_then(url_host) {
                let next = ctx.conns.iter().find(|o| {
                    o.first.ts > h.seg.ts && ctx.server_name(o).eq_ignore_ascii_case(&loc_host)
                });
                if let Some(n) = next {
                    let syn = n.syns.first().copied().unwrap_or(n.first);
                    s.fact(
                        "redirect_connection",
                        json!({"stream": n.stream, "syn_frame": syn.frame, "host": loc_host}),
                    );
                    s.line(match ctx.lang {
                        Lang::En => format!(
                            "The redirect makes the client open a new connection to {loc_host} port {} (SYN, frame {}).",
                            n.server.1, syn.frame
                        ),
                        Lang::Zh => format!(
                            "重定向使客户端向 {loc_host} 的 {} 端口建立新连接（SYN，帧 {}）。",
                            n.server.1, syn.frame
                        ),
                    });
                }
            }
        }
    }
    s.fact("requests", requests.clone());
    s.fact("responses", responses);
    keep_alive_check(ctx, &mut s, &cleartext);
    // HTTP/2 decrypted with the key log: the real frames.
    let h2_told = h2_lines(ctx, &mut s);
    // HTTPS: only sizes, timing and the ALPN offer are visible.
    let secure: Vec<&Conn> = ctx
        .conns
        .iter()
        .copied()
        .filter(|c| c.client_hello().is_some())
        // A connection decrypted with the key log told its real requests
        // and responses above: nothing is estimated for it.
        .filter(|c| !c.http_decrypted())
        .collect();
    let mut https = Vec::new();
    let mut estimated = 0usize;
    let mut rules_used: Vec<(records::Kind, u16)> = Vec::new();
    let mut quic_failed = 0usize;
    for c in &secure {
        let offered = c
            .client_hello()
            .map(|t| t.hs.alpn.clone())
            .unwrap_or_default();
        let sh = c.server_hello();
        let chosen = sh.and_then(|t| t.hs.alpn.first().cloned());
        let tls13 = sh.is_some_and(|t| t.hs.supported_versions.iter().any(|v| v.is_tls13()));
        let classified = records::classify(c);
        let exchange = https_exchange(c);
        if let Some((req, resp)) = exchange {
            s.frames.extend([req.frame, resp.frame]);
            s.timing([req.ts, resp.ts].into_iter());
            estimated += 1;
        }
        let unused = classified.as_ref().is_some_and(records::Records::unused);
        let (app, other) = match &classified {
            Some(r) => (
                [r.bytes(true).0, r.bytes(false).0],
                [r.bytes(true).1, r.bytes(false).1],
            ),
            None => ([0, 0], [0, 0]),
        };
        https.push(json!({
            "stream": c.stream,
            "sni": c.sni(),
            "alpn_offered": offered,
            "alpn": chosen,
            "client_bytes": c.payload_bytes[0],
            "server_bytes": c.payload_bytes[1],
            "client_records": c.app_data_count[0],
            "server_records": c.app_data_count[1],
            "application_bytes": classified.as_ref().map(|_| app),
            "classified_bytes": classified.as_ref().map(|_| other),
            "records": classified.as_ref().map(|r| r.groups().iter().map(|(k, f)| json!({"kind": k.id(), "frames": f})).collect::<Vec<_>>()),
            "opened_and_never_used": unused,
            "request_frame": exchange.map(|e| e.0.frame),
            "first_response_frame": exchange.map(|e| e.1.frame),
            "ttfb_ms": exchange.map(|(a, b)| ms(a.ts, b.ts)),
            "quic_1rtt_packets": c.quic.then_some(c.quic_short),
        }));
        if let Some(f) = super::quic::failure(ctx, c) {
            s.frames.extend(f.frames.iter().copied());
            s.line(f.text(ctx.lang));
            quic_failed += 1;
            continue;
        }
        if c.quic {
            // RFC 9114 §4: HTTP/3 requests and responses are frames on QUIC
            // streams, inside 1-RTT packets that also carry acknowledgements.
            s.line(match ctx.lang {
                Lang::En => format!(
                    "HTTP/3 over QUIC: requests and responses are frames on QUIC streams inside encrypted 1-RTT packets — {} from the client, {} from the server — which also carry acknowledgements, so which packet holds a request cannot be told.",
                    c.quic_short[0], c.quic_short[1]
                ),
                Lang::Zh => format!(
                    "HTTP/3 运行于 QUIC 之上：请求和响应是 QUIC 流上的帧，装在加密的 1-RTT 包里——客户端 {} 个，服务器 {} 个——这些包也携带确认，所以看不出哪个包里是请求。",
                    c.quic_short[0], c.quic_short[1]
                ),
            });
            continue;
        }
        let name = ctx.server_name(c);
        // RFC 7301 §3.1: the server answers ALPN in its ServerHello (TLS
        // 1.2) or EncryptedExtensions (TLS 1.3), or not at all.
        let alpn = match (ctx.lang, offered.is_empty(), &chosen, tls13, sh.is_some()) {
            (Lang::En, true, _, _, _) => "The client offered no ALPN.".to_string(),
            (Lang::Zh, true, _, _, _) => "客户端没有提供 ALPN。".to_string(),
            (Lang::En, false, Some(a), _, _) => format!("ALPN offered {}; the ServerHello chose {a}.", offered.join(", ")),
            (Lang::Zh, false, Some(a), _, _) => format!("ALPN 提供 {}；ServerHello 选择了 {a}。", offered.join("、")),
            (Lang::En, false, None, true, _) => format!("ALPN offered {}; in TLS 1.3 the server's choice travels encrypted (EncryptedExtensions).", offered.join(", ")),
            (Lang::Zh, false, None, true, _) => format!("ALPN 提供 {}；TLS 1.3 中服务器的选择加密传输（EncryptedExtensions）。", offered.join("、")),
            (Lang::En, false, None, false, true) => format!("ALPN offered {}; the TLS 1.2 ServerHello carries no ALPN, so the server ignored the offer and the protocol is HTTP/1.1 by default.", offered.join(", ")),
            (Lang::Zh, false, None, false, true) => format!("ALPN 提供 {}；TLS 1.2 的 ServerHello 不含 ALPN，说明服务器忽略了该提议，默认使用 HTTP/1.1。", offered.join("、")),
            (Lang::En, false, None, false, false) => format!("ALPN offered {}; no ServerHello was captured.", offered.join(", ")),
            (Lang::Zh, false, None, false, false) => format!("ALPN 提供 {}；没有抓到 ServerHello。", offered.join("、")),
        };
        if let Some(r) = &classified {
            let groups = r.groups();
            let list: Vec<String> = groups
                .iter()
                .map(|(kind, frames)| {
                    s.frames.extend(frames.iter().copied());
                    if !rules_used.iter().any(|(k, _)| k == kind) {
                        rules_used.push((*kind, r.finished_len));
                    }
                    let f = frames.iter().map(u64::to_string).collect::<Vec<_>>();
                    match ctx.lang {
                        Lang::En => format!(
                            "{} ({} {})",
                            kind.name(ctx.lang),
                            if f.len() > 1 { "frames" } else { "frame" },
                            f.join(", ")
                        ),
                        Lang::Zh => format!("{}（帧 {}）", kind.name(ctx.lang), f.join("、")),
                    }
                })
                .collect();
            if !list.is_empty() {
                s.line(match ctx.lang {
                    Lang::En => format!(
                        "{name} (stream {}): encrypted records named by their position, direction and size (the rules follow): {}.",
                        c.stream,
                        list.join("; ")
                    ),
                    Lang::Zh => format!(
                        "{name}（流 {}）：按位置、方向和大小认出的加密记录（规则见下）：{}。",
                        c.stream,
                        list.join("；")
                    ),
                });
            }
        }
        if unused {
            let fin = classified
                .as_ref()
                .and_then(|r| r.finished())
                .map(|f| f.seg.frame);
            let close = c.fins.first().or(c.rsts.first()).map(|x| x.frame);
            s.line(match ctx.lang {
                Lang::En => format!(
                    "{name} (stream {}): opened and never used — after its Finished{} the client sent no request before closing{}. Browsers open such connections ahead of need (preconnect) and close the spares. {alpn}",
                    c.stream,
                    fin.map(|f| format!(" (frame {f})")).unwrap_or_default(),
                    close.map(|f| format!(" (frame {f})")).unwrap_or_default()
                ),
                Lang::Zh => format!(
                    "{name}（流 {}）：建立后从未使用——客户端在 Finished{}之后没有发送任何请求就关闭了连接{}。浏览器会提前建立这种连接（预连接），用不上的再关闭。{alpn}",
                    c.stream,
                    fin.map(|f| format!("（帧 {f}）")).unwrap_or_default(),
                    close.map(|f| format!("（帧 {f}）")).unwrap_or_default()
                ),
            });
            continue;
        }
        let sizes = match (&classified, ctx.lang) {
            (Some(_), Lang::En) => format!(
                "application records {} bytes from the client and {} from the server; the handshake, tickets and control records above {} and {}",
                app[0], app[1], other[0], other[1]
            ),
            (Some(_), Lang::Zh) => format!(
                "应用数据记录：客户端 {} 字节，服务器 {} 字节；上面的握手、票据和控制记录：{} 字节和 {} 字节",
                app[0], app[1], other[0], other[1]
            ),
            // TLS 1.2: application-data records are what they say; the
            // handshake and alerts have their own record types.
            (None, Lang::En) => format!(
                "application-data records {} bytes from the client and {} from the server, of {} and {} bytes of TCP payload (the rest is the handshake and alerts)",
                record_bytes(c, 0), record_bytes(c, 1), c.payload_bytes[0], c.payload_bytes[1]
            ),
            (None, Lang::Zh) => format!(
                "应用数据记录：客户端 {} 字节，服务器 {} 字节；TCP 负载共 {} 和 {} 字节（其余是握手和告警）",
                record_bytes(c, 0), record_bytes(c, 1), c.payload_bytes[0], c.payload_bytes[1]
            ),
        };
        s.line(match (ctx.lang, exchange) {
            (Lang::En, Some((a, b))) => format!(
                "{name}: the request and response are encrypted, so they are estimated: the first client record {} (frame {}) is taken as the request and the first server record after it (frame {}) as the response, {:.3} ms later. Sizes: {sizes}. {alpn}",
                if classified.is_some() { "no rule names" } else { "of application data" },
                a.frame, b.frame, ms(a.ts, b.ts)
            ),
            (Lang::Zh, Some((a, b))) => format!(
                "{name}：请求和响应都是加密的，只能估计：把{}第一个客户端记录（帧 {}）当作请求，其后服务器的第一个这样的记录（帧 {}）当作响应，相隔 {:.3} 毫秒。大小：{sizes}。{alpn}",
                if classified.is_some() { "不符合任何规则的" } else { "应用数据中的" },
                a.frame, b.frame, ms(a.ts, b.ts)
            ),
            (Lang::En, None) => format!(
                "{name}: no request and response can be found on this connection: the handshake did not complete in the capture, or no application data followed it. Sizes: {sizes}. {alpn}"
            ),
            (Lang::Zh, None) => format!(
                "{name}：这个连接上找不到请求和响应：握手在抓包中没有完成，或者之后没有应用数据。大小：{sizes}。{alpn}"
            ),
        });
    }
    s.fact("https", https);
    // RFC 9113 §4, RFC 9114 §7: HTTP/2 and HTTP/3 messages are binary
    // frames. Told only where the wire shows the protocol: a TLS 1.2
    // ServerHello choosing h2, or QUIC whose only offer is h3.
    let decrypted_h2 = ctx
        .conns
        .iter()
        .find_map(|c| c.h2.iter().find(|r| r.headers.is_some()))
        .map(|r| ("HTTP/2", r.seg.frame));
    let binary = decrypted_h2.or_else(|| {
        secure.iter().find_map(|c| {
            let ch = c.client_hello()?;
            if c.quic && !ch.hs.alpn.is_empty() && ch.hs.alpn.iter().all(|a| a.starts_with("h3")) {
                c.server_hello().map(|sh| ("HTTP/3", sh.seg.frame))
            } else {
                let sh = c.server_hello()?;
                (sh.hs.alpn.first().map(String::as_str) == Some("h2"))
                    .then_some(("HTTP/2", sh.seg.frame))
            }
        })
    });
    if let Some((proto, frame)) = binary {
        s.check(
            ctx.lang,
            &claims::HTTP_IS_TEXT,
            match ctx.lang {
                Lang::En => format!("Here the protocol is {proto} (frame {frame}): its messages are binary frames with compressed headers (HPACK/QPACK), not lines of text; only HTTP/1.x is text."),
                Lang::Zh => format!("这里使用的是 {proto}（帧 {frame}）：它的报文是二进制帧，首部经过压缩（HPACK/QPACK），而不是文本行；只有 HTTP/1.x 是文本。"),
            },
            vec![frame],
        );
    }
    spare_lines(ctx, &mut s, &cleartext);
    for (kind, finished_len) in rules_used {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Rule — {}: {}.",
                kind.name(ctx.lang),
                kind.rule(ctx.lang, finished_len)
            ),
            Lang::Zh => format!(
                "规则——{}：{}。",
                kind.name(ctx.lang),
                kind.rule(ctx.lang, finished_len)
            ),
        });
    }
    let told = !cleartext.is_empty() || h2_told;
    if !told && !secure.is_empty() && quic_failed == secure.len() {
        s.status = Status::NotApplicable;
        s.reason(ctx.t(
            "The QUIC connection was never set up, so no HTTP/3 request travelled on it.",
            "QUIC 连接从未建立，所以上面没有传输任何 HTTP/3 请求。",
        ));
    } else if !told && !secure.is_empty() && secure.iter().all(|c| c.quic) {
        s.status = Status::Inferred;
        s.reason(ctx.t(
            "The requests and responses travel inside encrypted QUIC 1-RTT packets: their existence is inferred from those packets, their content and boundaries cannot be seen.",
            "请求和响应装在加密的 QUIC 1-RTT 包里：只能从这些包推断它们存在，看不到内容和边界。",
        ));
    }
    if !told && !secure.is_empty() && !secure.iter().any(|c| c.quic) {
        if estimated == 0 {
            s.status = Status::NotVisible;
            s.reason(ctx.t(
                "No connection carried application data past its TLS handshake in this capture.",
                "抓包中没有哪个连接在 TLS 握手之后传输了应用数据。",
            ));
        } else {
            s.status = Status::Inferred;
            s.reason(ctx.t(
                "Without the keys the requests and responses cannot be read; they are estimated from the records left once the handshake, tickets and control records are named by their position, direction and size.",
                "没有密钥就读不到请求和响应；先按位置、方向和大小认出握手、票据和控制记录，再用剩下的记录估计请求和响应。",
            ));
        }
    }
    if !told && secure.is_empty() {
        s.status = if ctx.conns.iter().any(|c| c.quic) {
            s.reason(ctx.t(
                "HTTP/3 over QUIC: requests and responses are inside encrypted QUIC packets.",
                "HTTP/3 运行于 QUIC 之上：请求和响应都在加密的 QUIC 包里。",
            ));
            Status::Inferred
        } else {
            s.reason(ctx.t(
                "No HTTP message or TLS application data was captured on this page load's connections.",
                "这次页面加载的连接上没有抓到 HTTP 消息或 TLS 应用数据。",
            ));
            Status::NotVisible
        };
    }
    s
}

/// Plain TCP connections of the page load that opened and carried no
/// byte either way, to the server and port of a connection that carried a
/// request: a browser's spare connection, opened so that a fetch need not
/// wait for a handshake, and closed unused. The wire shows that it was
/// opened and never used; it cannot show why.
fn spare_lines(ctx: &Ctx, s: &mut Step, cleartext: &[(&Conn, &HttpRec)]) {
    for c in ctx
        .conns
        .iter()
        .filter(|c| crate::explain::loads::unused(c) && c.tls.is_empty() && c.http.is_empty())
    {
        let Some((used, req)) = cleartext
            .iter()
            .filter(|(o, h)| o.server == c.server && h.msg.method.is_some())
            .map(|(o, h)| (*o, h.seg.frame))
            .min_by_key(|x| x.1)
        else {
            continue;
        };
        let hs: Vec<u64> = std::iter::once(c.first.frame)
            .chain(c.syn_ack.map(|x| x.frame))
            .collect();
        let close = c
            .fins
            .iter()
            .chain(c.rsts.iter())
            .min_by_key(|x| x.frame)
            .map(|x| {
                (
                    x.frame,
                    x.from_client,
                    c.rsts.iter().any(|r| r.frame == x.frame),
                )
            });
        let client = super::endpoint(c.client.0, c.client.1);
        let when = if c.first.frame < req {
            ctx.t("before", "之前")
        } else {
            ctx.t("after", "之后")
        };
        let hs_text = crate::explain::frame_list_in(&hs, ctx.lang);
        s.frames.extend(hs.iter().copied());
        s.line(match (ctx.lang, close) {
            (Lang::En, Some((f, by_client, rst))) => format!(
                "{client} (stream {}, SYN and SYN-ACK in frames {hs_text}): another connection to the same server and port, opened {when} the request went out on stream {} (frame {req}); it carried no byte either way and was closed unused ({} from the {}, frame {f}). A browser opens such a spare connection so that a next fetch need not wait for a handshake; the wire shows it unused, not why.",
                c.stream,
                used.stream,
                if rst { "RST" } else { "FIN" },
                if by_client { "client" } else { "server" },
            ),
            (Lang::Zh, Some((f, by_client, rst))) => format!(
                "{client}（流 {}，SYN 和 SYN-ACK 在帧 {hs_text}）：到同一服务器同一端口的另一个连接，在流 {} 发出请求（帧 {req}）{when}打开；双方都没有发送任何数据，最后未被使用就关闭了（{}一方发出 {}，帧 {f}）。浏览器会打开这样的备用连接，好让下一次请求不必等待握手；线路上只能看出它没被使用，看不出原因。",
                c.stream,
                used.stream,
                if by_client { "客户端" } else { "服务器" },
                if rst { "RST" } else { "FIN" },
            ),
            (Lang::En, None) => format!(
                "{client} (stream {}, SYN and SYN-ACK in frames {hs_text}): another connection to the same server and port, opened {when} the request went out on stream {} (frame {req}); it carried no byte either way; its close was not captured. A browser opens such a spare connection so that a next fetch need not wait for a handshake; the wire shows it unused, not why.",
                c.stream, used.stream,
            ),
            (Lang::Zh, None) => format!(
                "{client}（流 {}，SYN 和 SYN-ACK 在帧 {hs_text}）：到同一服务器同一端口的另一个连接，在流 {} 发出请求（帧 {req}）{when}打开；双方都没有发送任何数据；没有抓到它的关闭。浏览器会打开这样的备用连接，好让下一次请求不必等待握手；线路上只能看出它没被使用，看不出原因。",
                c.stream, used.stream,
            ),
        });
    }
}

/// The notes call HTTP connectionless (one request per connection). With
/// HTTP/1.1 connections persist by default (RFC 9112 §9.3).
fn keep_alive_check(ctx: &Ctx, s: &mut Step, cleartext: &[(&Conn, &HttpRec)]) {
    // HTTP/2 decrypted with the key log: the requests are real streams.
    for c in ctx.conns.iter() {
        let ex = h2_exchanges(c);
        if ex.len() > 1 {
            let streams: Vec<String> = ex.iter().map(|x| x.stream.to_string()).collect();
            let frames: Vec<u64> = ex.iter().map(|x| x.request.seg.frame).collect();
            s.check(
                ctx.lang,
                &claims::CONNECTIONLESS,
                match ctx.lang {
                    Lang::En => format!(
                        "{} requests travelled on one HTTP/2 connection to {}, as its streams {}: the connection stays open and carries many requests.",
                        ex.len(),
                        ctx.server_name(c),
                        streams.join(", ")
                    ),
                    Lang::Zh => format!(
                        "{} 个请求走在到 {} 的同一个 HTTP/2 连接上，分别是它的流 {}：连接保持打开，承载多个请求。",
                        ex.len(),
                        ctx.server_name(c),
                        streams.join("、")
                    ),
                },
                frames,
            );
            return;
        }
    }
    for c in ctx.conns.iter() {
        let reqs: Vec<&HttpRec> = c.http.iter().filter(|h| h.msg.method.is_some()).collect();
        if reqs.len() > 1 {
            let frames: Vec<u64> = reqs.iter().map(|r| r.seg.frame).collect();
            s.check(
                ctx.lang,
                &claims::CONNECTIONLESS,
                match ctx.lang {
                    Lang::En => format!("{} requests travelled on one connection: HTTP/1.1 keeps connections open and reuses them.", reqs.len()),
                    Lang::Zh => format!("{} 个请求在同一个连接上传输：HTTP/1.1 保持连接并复用。", reqs.len()),
                },
                frames,
            );
            return;
        }
    }
    // One request: did the server close after answering?
    if let Some((c, resp)) = cleartext
        .iter()
        .find(|(_, h)| h.msg.status.is_some() && h.msg.version == "HTTP/1.1")
    {
        if let Some(fin) = c.fins.first().filter(|f| f.from_client) {
            s.check(
                ctx.lang,
                &claims::CONNECTIONLESS,
                match ctx.lang {
                    Lang::En => format!(
                        "After its response (frame {}) the server left the HTTP/1.1 connection open; it was the client that closed it (FIN, frame {}).",
                        resp.seg.frame, fin.frame
                    ),
                    Lang::Zh => format!(
                        "服务器发送响应（帧 {}）后没有关闭 HTTP/1.1 连接；是客户端关闭了它（FIN，帧 {}）。",
                        resp.seg.frame, fin.frame
                    ),
                },
                vec![resp.seg.frame, fin.frame],
            );
            return;
        }
    }
    // HTTPS: more client records after the first response on one connection.
    for c in ctx.conns.iter() {
        let Some((_, resp)) = https_exchange(c) else {
            continue;
        };
        let [client, server] = app_records(c);
        let later: Vec<u64> = client
            .iter()
            .filter(|x| x.ts > resp.ts)
            .map(|x| x.frame)
            .collect();
        let server_after = server
            .iter()
            .any(|x| later.first().is_some_and(|f| x.frame > *f));
        if !later.is_empty() && server_after {
            let shown: Vec<u64> = later.iter().take(5).copied().collect();
            s.check(
                ctx.lang,
                &claims::CONNECTIONLESS,
                match ctx.lang {
                    Lang::En => format!(
                        "On the connection to {} the client kept sending encrypted requests after the first response and the server kept answering: further requests reused the connection.",
                        c.sni().unwrap_or("?")
                    ),
                    Lang::Zh => format!(
                        "在到 {} 的连接上，客户端在收到第一个响应后继续发送加密请求，服务器也继续回答：后续请求复用了这个连接。",
                        c.sni().unwrap_or("?")
                    ),
                },
                shown,
            );
            return;
        }
    }
}

/// Client application-data records after `ts` that the server answered
/// with application data of its own: further requests. A last record
/// with no answer is the encrypted close_notify alert (RFC 8446 §6.1).
fn requests_after(c: &Conn, ts: f64) -> Vec<Seg> {
    let [client, server] = app_records(c);
    let answered = |x: &Seg| server.iter().any(|r| r.ts > x.ts);
    let mut out: Vec<Seg> = Vec::new();
    for x in client.iter().filter(|x| x.ts > ts && answered(x)) {
        // One burst of records sent together is one request round.
        if out
            .last()
            .is_none_or(|l| server.iter().any(|r| r.ts > l.ts && r.ts < x.ts))
        {
            out.push(*x);
        }
    }
    out
}

/// Step 8: what follows the first response — subresource requests on the
/// same connection and new connections, with a timeline.
pub(super) fn render(ctx: &Ctx) -> Step {
    let mut s = new_step("render", ctx.lang, Status::Observed);
    s.cite(&[4]);
    s.reason(ctx.t(
        "Parsing HTML, building the DOM and CSSOM, layout and paint happen inside the browser; the wire shows only the fetches they cause.",
        "解析 HTML、构建 DOM 和 CSSOM、布局和绘制都在浏览器内部进行；线路上只能看到它们引起的资源请求。",
    ));
    // The document: the last response of the first connection that served
    // a 2xx, or the first HTTPS exchange.
    let first_response_ts = ctx.conns.iter().find_map(|c| {
        c.http
            .iter()
            .find(|h| h.msg.status.is_some_and(|st| (200..300).contains(&st)))
            .map(|h| h.seg.ts)
            .or_else(|| h2_document(c))
            .or_else(|| https_exchange(c).map(|(_, r)| r.ts))
    });
    let Some(doc_ts) = first_response_ts else {
        s.status = Status::NotVisible;
        return s;
    };
    let mut timeline = Vec::new();
    let mut more_requests = 0usize;
    for c in &ctx.conns {
        let reqs_after: Vec<&HttpRec> = c
            .http
            .iter()
            .filter(|h| h.msg.method.is_some() && h.seg.ts > doc_ts)
            .collect();
        for r in &reqs_after {
            more_requests += 1;
            s.frames.push(r.seg.frame);
            s.timing([r.seg.ts].into_iter());
            timeline.push(json!({"t": super::round3(r.seg.ts - ctx.t0), "frame": r.seg.frame, "stream": c.stream,
                "what": format!("{} {}", r.msg.method.as_deref().unwrap_or(""), r.msg.target.as_deref().unwrap_or(""))}));
        }
        // HTTP/2 decrypted with the key log: each request by path and stream.
        for x in h2_exchanges(c)
            .into_iter()
            .filter(|x| x.request.seg.ts > doc_ts)
        {
            let r = x.request;
            more_requests += 1;
            s.frames.push(r.seg.frame);
            s.timing([r.seg.ts].into_iter());
            let status = x.response.and_then(|v| v.header(":status"));
            timeline.push(json!({"t": super::round3(r.seg.ts - ctx.t0), "frame": r.seg.frame, "stream": c.stream,
                "h2_stream": x.stream,
                "what": match ctx.lang {
                    Lang::En => format!("{} {} on HTTP/2 stream {}{}", r.header(":method").unwrap_or(""), r.header(":path").unwrap_or(""), x.stream,
                        status.map(|v| format!(" → {v}, {} byte{}", x.body[1], if x.body[1] == 1 { "" } else { "s" })).unwrap_or_default()),
                    Lang::Zh => format!("HTTP/2 流 {} 上的 {} {}{}", x.stream, r.header(":method").unwrap_or(""), r.header(":path").unwrap_or(""),
                        status.map(|v| format!(" → {v}，{} 字节", x.body[1])).unwrap_or_default()),
                }}));
        }
        let encrypted = c.http.is_empty() && c.h2.is_empty();
        let encrypted_after = requests_after(c, doc_ts);
        if encrypted {
            more_requests += encrypted_after.len();
        }
        if let (Some(first), true) = (encrypted_after.first(), encrypted) {
            s.frames.push(first.frame);
            s.timing([first.ts].into_iter());
            timeline.push(json!({"t": super::round3(first.ts - ctx.t0), "frame": first.frame, "stream": c.stream,
                "what": match ctx.lang {
                    Lang::En => format!("{} encrypted request(s) from the client to {} (estimated)", encrypted_after.len(), ctx.server_name(c)),
                    Lang::Zh => format!("客户端向 {} 发出 {} 个加密请求（估计）", ctx.server_name(c), encrypted_after.len()),
                }}));
        }
        if c.first.ts > doc_ts {
            let syn = c.syns.first().copied().unwrap_or(c.first);
            s.frames.push(syn.frame);
            s.timing([syn.ts].into_iter());
            let idle = carried_no_request(c);
            timeline.push(json!({"t": super::round3(syn.ts - ctx.t0), "frame": syn.frame, "stream": c.stream,
                "unused": idle,
                "what": match (ctx.lang, idle) {
                    (Lang::En, false) => format!("new connection to {} ({})", ctx.server_name(c), super::endpoint(c.server.0, c.server.1)),
                    (Lang::Zh, false) => format!("新建到 {} 的连接（{}）", ctx.server_name(c), super::endpoint(c.server.0, c.server.1)),
                    (Lang::En, true) => format!("new connection to {} ({}), which carried no request", ctx.server_name(c), super::endpoint(c.server.0, c.server.1)),
                    (Lang::Zh, true) => format!("新建到 {} 的连接（{}），没有承载任何请求", ctx.server_name(c), super::endpoint(c.server.0, c.server.1)),
                }}));
        }
    }
    timeline.sort_by(|a, b| a["frame"].as_u64().cmp(&b["frame"].as_u64()));
    let new_conns: Vec<&Conn> = ctx
        .conns
        .iter()
        .copied()
        .filter(|c| c.first.ts > doc_ts)
        .collect();
    let hosts: std::collections::BTreeSet<String> =
        new_conns.iter().map(|c| ctx.server_name(c)).collect();
    let reused = ctx.conns.iter().filter(|c| c.first.ts <= doc_ts).any(|c| {
        (c.h2.is_empty() && !requests_after(c, doc_ts).is_empty())
            || h2_exchanges(c).iter().any(|x| x.request.seg.ts > doc_ts)
            || c.http
                .iter()
                .any(|h| h.msg.method.is_some() && h.seg.ts > doc_ts)
    });
    s.fact("requests_after_document", more_requests);
    s.fact("connections_after_document", new_conns.len());
    s.fact("other_hosts", hosts.iter().cloned().collect::<Vec<_>>());
    s.fact("reused_connection", reused);
    s.fact("timeline", timeline.clone());
    if timeline.is_empty() {
        s.status = Status::NotVisible;
        s.frames.clear();
        s.reason(ctx.t(
            "Nothing follows the first response: the client does not render pages (curl, wget), or every subresource came from a cache. Rendering itself happens inside the browser.",
            "第一个响应之后没有别的请求：客户端不渲染页面（如 curl、wget），或者所有子资源都来自缓存。渲染本身在浏览器内部进行。",
        ));
        return s;
    }
    // Connections opened after the document that carried no request: the
    // client fetched nothing over them (a preconnect), so they are not
    // told as fetches.
    let idle: Vec<&Conn> = new_conns
        .iter()
        .copied()
        .filter(|c| carried_no_request(c))
        .collect();
    s.fact("unused_connections_after_document", idle.len());
    if more_requests == 0 && idle.len() == new_conns.len() {
        let idle_hosts: std::collections::BTreeSet<String> =
            idle.iter().map(|c| ctx.server_name(c)).collect();
        let names = idle_hosts.iter().cloned().collect::<Vec<_>>();
        s.line(match ctx.lang {
            Lang::En => format!(
                "After the first response the client fetched nothing more: it opened {} connection(s) to {} that carried no request before closing. \
                 A browser opens connections like these ahead of need — from a <link rel=\"preconnect\"> hint in the page or its own prediction; the wire cannot tell which — \
                 so that a later fetch skips the handshakes; here none came.",
                idle.len(),
                names.join(", ")
            ),
            Lang::Zh => format!(
                "第一个响应之后客户端没有再请求任何东西：它打开了 {} 个到 {} 的连接，关闭前都没有承载请求。\
                 浏览器会提前打开这样的连接（预连接：来自页面里的 <link rel=\"preconnect\"> 提示或浏览器自己的预测，线路上分辨不出是哪一种），\
                 好让以后的请求省去握手；这里没有等到这样的请求。",
                idle.len(),
                names.join("、")
            ),
        });
        for t in timeline.iter().take(12) {
            s.line(format!(
                "+{:.3} {}  {} {}  {}",
                t["t"].as_f64().unwrap_or(0.0),
                ctx.t("s", "秒"),
                ctx.t("frame", "帧"),
                t["frame"],
                t["what"].as_str().unwrap_or("")
            ));
        }
        return s;
    }
    s.line(match ctx.lang {
        Lang::En => format!(
            "After the first response the client fetched more (a browser loading subresources, or a client given several URLs: the wire cannot tell which): {} new connection(s){}{}.",
            new_conns.len(),
            if hosts.is_empty() {
                String::new()
            } else {
                format!(
                    " to {}",
                    hosts.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            },
            if reused {
                ", and it reused an open connection for further requests"
            } else {
                ""
            }
        ),
        Lang::Zh => format!(
            "第一个响应之后客户端继续请求（可能是浏览器在加载子资源，也可能是客户端被给了多个 URL：线路上分辨不出）：新建 {} 个连接{}{}。",
            new_conns.len(),
            if hosts.is_empty() {
                String::new()
            } else {
                format!(
                    "，连接到 {}",
                    hosts.iter().cloned().collect::<Vec<_>>().join("、")
                )
            },
            if reused {
                "，并复用已打开的连接发送后续请求"
            } else {
                ""
            }
        ),
    });
    // RFC 9113 §5: one connection carries many streams at once.
    if let Some((c, (a, b, frame, span))) = ctx
        .conns
        .iter()
        .find_map(|c| h2_interleaved(c).map(|m| (c, m)))
    {
        s.fact(
            "http2_multiplexed",
            json!({"stream": c.stream, "h2_streams": [a, b], "frame": frame}),
        );
        s.frames.push(frame);
        s.line(match ctx.lang {
            Lang::En => format!(
                "HTTP/2 multiplexing on the connection to {} (TCP stream {}): a frame of HTTP/2 stream {b} (frame {frame}) travels between the first and last frames of stream {a} (frames {}–{}): several requests share one connection at the same time, without waiting for each other's responses.",
                ctx.server_name(c), c.stream, span.0, span.1
            ),
            Lang::Zh => format!(
                "到 {} 的连接（TCP 流 {}）上的 HTTP/2 多路复用：HTTP/2 流 {b} 的一个帧（帧 {frame}）夹在流 {a} 的首尾帧（帧 {}–{}）之间：多个请求同时共用一条连接，不必等前一个响应结束。",
                ctx.server_name(c), c.stream, span.0, span.1
            ),
        });
    }
    for t in timeline.iter().take(12) {
        s.line(format!(
            "+{:.3} {}  {} {}  {}",
            t["t"].as_f64().unwrap_or(0.0),
            ctx.t("s", "秒"),
            ctx.t("frame", "帧"),
            t["frame"],
            t["what"].as_str().unwrap_or("")
        ));
    }
    s
}

/// The WebSocket opening handshake (RFC 6455 §4.1–4.2): GET with
/// Upgrade: websocket, answered by 101.
pub(super) fn websocket(ctx: &Ctx) -> Option<Step> {
    let (c, req) = ctx.conns.iter().find_map(|c| {
        c.http
            .iter()
            .find(|h| {
                h.msg.method.is_some()
                    && h.msg
                        .upgrade
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
            })
            .map(|h| (*c, h))
    })?;
    let mut s = new_step("websocket", ctx.lang, Status::Observed);
    s.cite(&[13]);
    s.frames.push(req.seg.frame);
    s.timing([req.seg.ts].into_iter());
    s.fact("request_frame", req.seg.frame);
    s.line(match ctx.lang {
        Lang::En => format!(
            "Frame {}: {} {} asks to switch the connection to WebSocket (Upgrade: websocket).",
            req.seg.frame,
            req.msg.method.as_deref().unwrap_or(""),
            req.msg.target.as_deref().unwrap_or("")
        ),
        Lang::Zh => format!(
            "帧 {}：{} {} 请求把连接切换为 WebSocket（Upgrade: websocket）。",
            req.seg.frame,
            req.msg.method.as_deref().unwrap_or(""),
            req.msg.target.as_deref().unwrap_or("")
        ),
    });
    if let Some(resp) = c.http.iter().find(|h| h.msg.status == Some(101)) {
        s.frames.push(resp.seg.frame);
        s.timing([resp.seg.ts].into_iter());
        s.fact("switching_frame", resp.seg.frame);
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: 101 Switching Protocols — from here on the same TCP connection carries WebSocket frames in both directions.",
                resp.seg.frame
            ),
            Lang::Zh => format!("帧 {}：101 Switching Protocols——此后同一个 TCP 连接双向传输 WebSocket 帧。", resp.seg.frame),
        });
        if let (Some(key), Some(valid)) = (
            req.msg.websocket_key.as_deref(),
            resp.msg.websocket_accept_valid,
        ) {
            s.fact("accept_valid", valid);
            s.line(match (valid, ctx.lang) {
                    (true, Lang::En) => format!(
                        "Its Sec-WebSocket-Accept is the base64 SHA-1 of the request's key {key} and the protocol's fixed GUID: the server proves it read a WebSocket handshake, not some other request."
                    ),
                    (true, Lang::Zh) => format!(
                        "响应中的 Sec-WebSocket-Accept 正是请求的 key {key} 加上协议固定 GUID 后 SHA-1 再 base64 的结果：服务器借此证明它读懂的是 WebSocket 握手。"
                    ),
                    (false, Lang::En) => format!(
                        "Its Sec-WebSocket-Accept is not the value the request's key {key} calls for: a client must fail this connection."
                    ),
                    (false, Lang::Zh) => format!(
                        "响应中的 Sec-WebSocket-Accept 与请求的 key {key} 不符：客户端必须放弃这个连接。"
                    ),
                });
        }
        websocket_frames(ctx, c, &mut s);
    } else {
        s.line(
            ctx.t("No 101 answer was captured.", "没有抓到 101 回答。")
                .to_string(),
        );
    }
    Some(s)
}
