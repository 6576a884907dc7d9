//! The frames after a WebSocket upgrade (RFC 6455 §5).

use super::*;

/// What the frames after the switch show (RFC 6455 §5): who masks, the
/// kinds of frames, fragmentation, compression, the closing handshake.
pub(super) fn websocket_frames(ctx: &Ctx, c: &Conn, s: &mut Step) {
    let ws = &c.websocket;
    if ws.count == [0, 0] {
        return;
    }
    s.fact("frames_from_client", ws.count[0]);
    s.fact("frames_from_server", ws.count[1]);
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for (_, f) in &ws.frames {
        match kinds.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((f.kind, 1)),
        }
    }
    let kinds_text = kinds
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    let client_masked = ws
        .frames
        .iter()
        .filter(|(g, _)| g.from_client)
        .all(|(_, f)| f.masked);
    let server_unmasked = ws
        .frames
        .iter()
        .filter(|(g, _)| !g.from_client)
        .all(|(_, f)| !f.masked);
    s.line(match ctx.lang {
        Lang::En => format!(
            "{} frames from the client and {} from the server ({kinds_text}). {}",
            ws.count[0],
            ws.count[1],
            if client_masked && server_unmasked {
                "Every client frame is masked and no server frame is, as the protocol requires (masking keeps proxies from mistaking the payload for HTTP)."
            } else {
                "Masking breaks the rule that every client frame, and no server frame, is masked."
            }
        ),
        Lang::Zh => format!(
            "客户端发出 {} 帧，服务器发出 {} 帧（{kinds_text}）。{}",
            ws.count[0],
            ws.count[1],
            if client_masked && server_unmasked {
                "客户端的帧全部加了掩码，服务器的帧都没有，符合协议要求（掩码防止代理把载荷误当成 HTTP）。"
            } else {
                "掩码的使用不符合协议：客户端的帧必须加掩码，服务器的帧不能加。"
            }
        ),
    });
    if let Some((seg, _)) = ws.frames.iter().find(|(_, f)| !f.fin && f.opcode != 0) {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: a message split into fragments (FIN clear, then continuation frames): a sender need not know a message's length before it starts sending.",
                seg.frame
            ),
            Lang::Zh => format!(
                "帧 {}：一条消息被分成多个分片（FIN 为 0，后面是 continuation 帧）：发送方开始发送时不必知道消息的总长度。",
                seg.frame
            ),
        });
    }
    if let Some((seg, _)) = ws.frames.iter().find(|(_, f)| f.compressed) {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: RSV1 set — the payload is compressed with the permessage-deflate extension the handshake negotiated.",
                seg.frame
            ),
            Lang::Zh => format!(
                "帧 {}：RSV1 置位——载荷用握手时协商的 permessage-deflate 扩展压缩。",
                seg.frame
            ),
        });
    }
    if let Some((seg, f)) = ws.frames.iter().find(|(_, f)| f.opcode == 0x8) {
        let who = |client: bool| match (client, ctx.lang) {
            (true, Lang::En) => "client",
            (false, Lang::En) => "server",
            (true, Lang::Zh) => "客户端",
            (false, Lang::Zh) => "服务器",
        };
        let code = f
            .close_code
            .map(|c| format!("{c} {}", f.close_meaning.unwrap_or("")))
            .unwrap_or_default();
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: the {} starts the closing handshake (close {}); the other side answers with its own close before TCP is torn down.",
                seg.frame,
                who(seg.from_client),
                code.trim()
            ),
            Lang::Zh => format!(
                "帧 {}：{}发起关闭握手（close {}）；对方回一个 close 之后才拆除 TCP 连接。",
                seg.frame,
                who(seg.from_client),
                code.trim()
            ),
        });
    }
    // The notes call the format light: measure it.
    let header_bytes: u64 = ws.frames.iter().map(|(_, f)| u64::from(f.header_len)).sum();
    let payload: u64 = ws.frames.iter().map(|(_, f)| f.payload_len).sum();
    let first = ws.frames.first().map(|(g, _)| g.frame);
    for (g, _) in ws.frames.iter().filter(|(_, f)| f.opcode == 0x8) {
        s.frames.push(g.frame);
    }
    s.frames.extend(first);
    s.frames.sort_unstable();
    if let Some(first) = first {
        s.check(
            ctx.lang,
            &claims::WS_LIGHT,
            match ctx.lang {
                Lang::En => format!(
                    "Borne out: {} frames carried {payload} payload bytes in {header_bytes} bytes of frame headers (2 to 14 bytes each), with no HTTP headers after the handshake.",
                    ws.frames.len()
                ),
                Lang::Zh => format!(
                    "属实：{} 个帧用 {header_bytes} 字节的帧头（每帧 2 到 14 字节）承载了 {payload} 字节载荷，握手之后不再有 HTTP 头。",
                    ws.frames.len()
                ),
            },
            vec![first],
        );
    }
    if !matches!(c.server.1, 80 | 443) {
        s.check(
            ctx.lang,
            &claims::WS_PORTS,
            match ctx.lang {
                Lang::En => format!(
                    "Here the server listens on port {}: 80 and 443 are only the defaults of ws:// and wss://, and the URL can name any port.",
                    c.server.1
                ),
                Lang::Zh => format!(
                    "这里服务器监听 {} 端口：80 和 443 只是 ws:// 和 wss:// 的默认端口，URL 里可以写任何端口。",
                    c.server.1
                ),
            },
            vec![c.first.frame],
        );
    }
}
