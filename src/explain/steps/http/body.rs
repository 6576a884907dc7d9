//! Where a message body travelled, and connections that carried no request.

use super::*;

/// Whether a connection carried no request at all: no HTTP request in the
/// clear, and, under TLS, nothing from the client after its Finished
/// (records::Records::unused); a TCP connection whose client sent no byte.
pub(super) fn carried_no_request(c: &Conn) -> bool {
    if c.quic || c.http.iter().any(|h| h.msg.method.is_some()) {
        return false;
    }
    match super::records::classify(c) {
        Some(r) => r.unused(),
        None => c.client_hello().is_none() && c.payload_bytes[0] == 0,
    }
}

/// Where a message's body travelled when it did not fit in its head's
/// segment (RFC 9112 §6), and for a request with `Expect: 100-continue`
/// how long the client held the body back (RFC 9110 §10.1.1).
pub(super) fn body_line(
    ctx: &Ctx,
    c: &Conn,
    h: &HttpRec,
    s: &mut crate::explain::Step,
) -> Option<String> {
    let expect = h.msg.method.is_some()
        && h.msg
            .expect
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"));
    let (first, last) = h.body?;
    s.frames.push(first);
    s.frames.push(last.frame);
    let size = match (h.msg.content_length, ctx.lang) {
        (Some(n), Lang::En) => format!("{n}-byte body (Content-Length)"),
        (Some(n), Lang::Zh) => format!("{n} 字节的消息体（Content-Length）"),
        (None, Lang::En) => "body".to_string(),
        (None, Lang::Zh) => "消息体".to_string(),
    };
    let span = if first == last.frame {
        match ctx.lang {
            Lang::En => format!("frame {first}"),
            Lang::Zh => format!("帧 {first}"),
        }
    } else {
        match ctx.lang {
            Lang::En => format!("frames {first}–{}", last.frame),
            Lang::Zh => format!("帧 {first}–{}", last.frame),
        }
    };
    let mut t = match ctx.lang {
        Lang::En => format!(
            "Its head is in frame {}; its {size} follows in {span}, so the message is complete only with frame {} (where Wireshark lists it).",
            h.seg.frame, last.frame
        ),
        Lang::Zh => format!(
            "它的首部在帧 {}；{size}随后在{span} 中传送，所以整条消息到帧 {} 才完整（Wireshark 把它列在这一帧）。",
            h.seg.frame, last.frame
        ),
    };
    if expect {
        let body_ts = ctx.ev.frame(first).map(|r| r.ts);
        let interim = c.http.iter().find(|r| {
            r.msg.status == Some(100)
                && r.seg.ts >= h.seg.ts
                && body_ts.is_none_or(|b| r.seg.ts <= b)
        });
        let wait = body_ts.map(|b| b - h.seg.ts).unwrap_or(0.0);
        let curl = h
            .msg
            .user_agent
            .as_deref()
            .is_some_and(|u| u.starts_with("curl/"));
        t.push_str(&match (ctx.lang, interim) {
            (Lang::En, Some(r)) => format!(
                " The request carries Expect: 100-continue, so the client held the body back until the server's interim 100 Continue (frame {}) said it would take it (RFC 9110 §10.1.1).",
                r.seg.frame
            ),
            (Lang::Zh, Some(r)) => format!(
                "请求带有 Expect: 100-continue，所以客户端先扣住消息体，等服务器的临时响应 100 Continue（帧 {}）表示愿意接收后才发送（RFC 9110 §10.1.1）。",
                r.seg.frame
            ),
            (Lang::En, None) => format!(
                " The request carries Expect: 100-continue: the client held the body back, waiting for an interim 100 Continue (RFC 9110 §10.1.1). None came, and the body's first segment left {} after the head{}.",
                wait_text(wait, ctx.lang),
                if curl { ": curl stops waiting after 1 s unless told otherwise (--expect100-timeout)" } else { ", when the client stopped waiting" }
            ),
            (Lang::Zh, None) => format!(
                "请求带有 Expect: 100-continue：客户端先扣住消息体，等待临时响应 100 Continue（RFC 9110 §10.1.1）。服务器没有发送它，消息体的第一个报文段在首部之后 {}才发出{}。",
                wait_text(wait, ctx.lang),
                if curl { "：curl 默认最多等 1 秒（--expect100-timeout）" } else { "，即客户端不再等待之时" }
            ),
        });
        s.fact("expect_continue", json!({"head_frame": h.seg.frame, "body_first_frame": first, "interim_frame": interim.map(|r| r.seg.frame), "wait_s": super::super::round3(wait)}));
    }
    Some(t)
}

pub(super) fn wait_text(secs: f64, lang: Lang) -> String {
    match (secs < 1.0, lang) {
        (true, Lang::En) => format!("{:.1} ms", secs * 1000.0),
        (true, Lang::Zh) => format!("{:.1} 毫秒", secs * 1000.0),
        (false, Lang::En) => format!("{secs:.3} s"),
        (false, Lang::Zh) => format!("{secs:.3} 秒"),
    }
}
