//! HTTP/2 requests and responses read from decrypted frames (RFC 9113).

use super::*;

/// One HTTP/2 request and its response on a decrypted connection, read
/// from the real frames (RFC 9113 §8.1): the request's field block, the
/// first final response's, and the DATA each way on its stream.
pub(super) struct H2Exchange<'a> {
    pub(super) stream: u32,
    pub(super) request: &'a H2Rec,
    pub(super) response: Option<&'a H2Rec>,
    /// DATA payload bytes (client, server), and the frame of the last
    /// server DATA frame.
    pub(super) body: [u64; 2],
    pub(super) last_data: Option<Seg>,
    /// The first and last frame of the stream.
    pub(super) span: (u64, u64),
}

pub(super) fn h2_exchanges(c: &Conn) -> Vec<H2Exchange<'_>> {
    let mut out: Vec<H2Exchange> = Vec::new();
    for r in
        c.h2.iter()
            .filter(|r| r.seg.from_client && r.header(":method").is_some())
    {
        if out.iter().any(|x| x.stream == r.stream) {
            continue;
        }
        let on: Vec<&H2Rec> = c.h2.iter().filter(|x| x.stream == r.stream).collect();
        let response = on.iter().copied().find(|x| {
            !x.seg.from_client
                && x.header(":status")
                    .and_then(|s| s.parse::<u16>().ok())
                    .is_some_and(|s| s >= 200)
        });
        let mut body = [0u64; 2];
        let mut last_data = None;
        for x in on.iter().filter(|x| x.headers.is_none()) {
            body[usize::from(!x.seg.from_client)] += u64::from(x.data);
            if !x.seg.from_client {
                last_data = Some(x.seg);
            }
        }
        let span = (
            on.first().map_or(r.seg.frame, |x| x.seg.frame),
            on.last().map_or(r.seg.frame, |x| x.seg.frame),
        );
        out.push(H2Exchange {
            stream: r.stream,
            request: r,
            response,
            body,
            last_data,
            span,
        });
    }
    out
}

/// When the first 2xx response of a decrypted HTTP/2 connection arrived.
pub(super) fn h2_document(c: &Conn) -> Option<f64> {
    h2_exchanges(c).iter().find_map(|x| {
        let r = x.response?;
        let code: u16 = r.header(":status")?.parse().ok()?;
        (200..300).contains(&code).then_some(r.seg.ts)
    })
}

/// Two streams of one connection whose frames interleave: a frame of
/// the second falls between the first and last frames of the first.
pub(super) fn h2_interleaved(c: &Conn) -> Option<(u32, u32, u64, (u64, u64))> {
    let ex = h2_exchanges(c);
    for a in &ex {
        for b in &ex {
            if a.stream == b.stream {
                continue;
            }
            if let Some(f) = c
                .h2
                .iter()
                .find(|x| x.stream == b.stream && x.seg.frame > a.span.0 && x.seg.frame < a.span.1)
            {
                return Some((a.stream, b.stream, f.seg.frame, a.span));
            }
        }
    }
    None
}

/// Tells each decrypted HTTP/2 exchange of the page load's connections;
/// whether any was told.
pub(super) fn h2_lines(ctx: &Ctx, s: &mut Step) -> bool {
    let mut told = false;
    let mut facts = Vec::new();
    for c in &ctx.conns {
        for x in h2_exchanges(c) {
            told = true;
            let r = x.request;
            let m = r.header(":method").unwrap_or("");
            let path = r.header(":path").unwrap_or("");
            let authority = r.header(":authority").unwrap_or("");
            s.frames.push(r.seg.frame);
            s.timing([r.seg.ts].into_iter());
            s.cite(&[2]);
            if m == "GET" || m == "POST" {
                s.cite(&[3]);
            }
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: {m} {path} for {authority} on HTTP/2 stream {} (its HEADERS frame decrypted with the key log, the fields decompressed with HPACK) — {}.",
                    r.seg.frame,
                    x.stream,
                    request_meaning(m, None, ctx.lang)
                ),
                Lang::Zh => format!(
                    "帧 {}：在 HTTP/2 流 {} 上向 {authority} 发出 {m} {path}（HEADERS 帧用密钥日志解密，字段用 HPACK 解压）——{}。",
                    r.seg.frame,
                    x.stream,
                    request_meaning(m, None, ctx.lang)
                ),
            });
            let mut fact = json!({
                "stream": c.stream, "h2_stream": x.stream, "request_frame": r.seg.frame,
                "method": m, "authority": authority, "path": path,
                "request_body_bytes": x.body[0], "response_body_bytes": x.body[1],
            });
            if let Some(resp) = x.response {
                let code: u16 = resp
                    .header(":status")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                s.frames.push(resp.seg.frame);
                s.timing([resp.seg.ts].into_iter());
                let ttfb = ms(r.seg.ts, resp.seg.ts);
                let ctype = resp.header("content-type");
                let clen = resp.header("content-length");
                fact["status"] = json!(code);
                fact["response_frame"] = json!(resp.seg.frame);
                fact["content_type"] = json!(ctype);
                fact["content_length"] = json!(clen);
                fact["ttfb_ms"] = json!(ttfb);
                let mut detail = Vec::new();
                if let Some(t) = ctype {
                    detail.push(match ctx.lang {
                        Lang::En => format!("content-type {t}"),
                        Lang::Zh => format!("content-type 为 {t}"),
                    });
                }
                match (x.last_data, ctx.lang) {
                    (Some(d), Lang::En) => detail.push(format!(
                        "{} bytes of body in DATA frames, the last in frame {}{}",
                        x.body[1],
                        d.frame,
                        clen.map(|l| format!(" (content-length {l})"))
                            .unwrap_or_default()
                    )),
                    (Some(d), Lang::Zh) => detail.push(format!(
                        "正文 {} 字节，装在 DATA 帧里，最后一个在帧 {}{}",
                        x.body[1],
                        d.frame,
                        clen.map(|l| format!("（content-length 为 {l}）"))
                            .unwrap_or_default()
                    )),
                    (None, Lang::En) => detail.push("no DATA frame on its stream".into()),
                    (None, Lang::Zh) => detail.push("它的流上没有 DATA 帧".into()),
                }
                s.line(match ctx.lang {
                    Lang::En => format!(
                        "Frame {}: status {code} on stream {}, {ttfb:.3} ms after the request's HEADERS (the time to the response's first byte as seen here) — {}; {}.",
                        resp.seg.frame,
                        x.stream,
                        response_meaning(code, Some(m), ctx.lang),
                        detail.join(", ")
                    ),
                    Lang::Zh => format!(
                        "帧 {}：流 {} 上的状态码 {code}，距请求的 HEADERS {ttfb:.3} 毫秒（即在抓包处看到的首字节时间）——{}；{}。",
                        resp.seg.frame,
                        x.stream,
                        response_meaning(code, Some(m), ctx.lang),
                        detail.join("，")
                    ),
                });
            } else {
                s.line(match ctx.lang {
                    Lang::En => format!(
                        "Stream {}: no response HEADERS were captured for this request.",
                        x.stream
                    ),
                    Lang::Zh => format!("流 {}：没有抓到这个请求的响应 HEADERS。", x.stream),
                });
            }
            facts.push(fact);
        }
    }
    if told {
        s.fact("http2", facts);
    }
    told
}
