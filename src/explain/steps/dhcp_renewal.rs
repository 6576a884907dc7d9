//! DHCP after the address is leased (RFC 2131 §4.4.5): the client renews
//! it, and gives it back with a release.

use super::{round3, Ctx};
use crate::decode::dhcp::DhcpMessageType;
use crate::explain::Step;
use crate::notes::Lang;
use serde_json::json;

/// Adds the renewals of a DHCP-alone story: each DHCPREQUEST that carries
/// the client's address in ciaddr (RFC 2131 §4.3.2: only a client in the
/// RENEWING or REBINDING state fills it in), with the time since the ACK
/// before it and the ACK that answers it.
pub(super) fn renewals(ctx: &Ctx, s: &mut Step) {
    let recs: Vec<_> = ctx.load.dhcp.iter().map(|&i| &ctx.ev.dhcp[i]).collect();
    let mut told = Vec::new();
    for (n, r) in recs.iter().enumerate() {
        let (Some(DhcpMessageType::Request), Some(addr)) = (r.msg.message_type, r.msg.client_ip)
        else {
            continue;
        };
        let ack_before = recs[..n]
            .iter()
            .rev()
            .find(|a| a.msg.message_type == Some(DhcpMessageType::Ack));
        let answer = recs[n + 1..].iter().find(|a| {
            a.msg.xid == r.msg.xid
                && matches!(
                    a.msg.message_type,
                    Some(DhcpMessageType::Ack | DhcpMessageType::Nak)
                )
        });
        s.frames.push(r.frame);
        s.timing([r.ts].into_iter());
        if let Some(a) = answer {
            s.frames.push(a.frame);
            s.timing([a.ts].into_iter());
        }
        let after = ack_before.map(|a| round3(r.ts - a.ts));
        told.push(json!({
            "frame": r.frame,
            "address": addr.to_string(),
            "seconds_after_ack": after,
            "ack_before": ack_before.map(|a| a.frame),
            "answer": answer.map(|a| a.frame),
            "answer_type": answer.and_then(|a| a.msg.message_type),
        }));
        let since = match (after, ack_before, ctx.lang) {
            (Some(t), Some(a), Lang::En) => {
                format!(", {t:.3} s after the ACK of frame {}", a.frame)
            }
            (Some(t), Some(a), Lang::Zh) => format!("，距帧 {} 的 ACK {t:.3} 秒", a.frame),
            _ => String::new(),
        };
        let reply = match (answer, ctx.lang) {
            (Some(a), Lang::En) => format!(
                " The server answers with DHCP{} (frame {}).",
                a.msg
                    .message_type
                    .map_or("", |t| t.as_str())
                    .to_ascii_uppercase(),
                a.frame
            ),
            (Some(a), Lang::Zh) => format!(
                "服务器以 DHCP{} 回答（帧 {}）。",
                a.msg
                    .message_type
                    .map_or("", |t| t.as_str())
                    .to_ascii_uppercase(),
                a.frame
            ),
            (None, Lang::En) => " No answer to it was captured.".to_string(),
            (None, Lang::Zh) => "抓包中没有对它的回答。".to_string(),
        };
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: DHCPREQUEST with ciaddr {addr}{since}: the client already holds the address and asks to extend its lease — a renewal (RFC 2131 §4.4.5: at T1 it asks the server that leased it, at T2 any server).{reply}",
                r.frame
            ),
            Lang::Zh => format!(
                "帧 {}：DHCPREQUEST，ciaddr 为 {addr}{since}：客户端已持有该地址，请求延长租期——这是续租（RFC 2131 §4.4.5：到 T1 时向原服务器请求，到 T2 时向任意服务器请求）。{reply}",
                r.frame
            ),
        });
    }
    if !told.is_empty() {
        s.fact("renewals", told);
    }
}
