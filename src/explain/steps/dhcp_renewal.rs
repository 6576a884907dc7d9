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
        // When it came against the timers of the ACK before it (options
        // 58 and 59, else half and seven eighths of the lease, RFC 2131
        // §4.4.5).
        let timers = ack_before.and_then(|a| {
            let lease = a.msg.lease_time;
            let t1 = a.msg.renewal_time.or(lease.map(|l| l / 2))?;
            let t2 = a
                .msg
                .rebinding_time
                .or(lease.map(|l| (u64::from(l) * 7 / 8) as u32));
            Some((t1, t2))
        });
        let when = match (after, timers, ctx.lang) {
            (Some(t), Some((t1, _)), Lang::En) if t < f64::from(t1) => format!(
                " That is before T1 ({t1} s in that ACK): an early renewal. RFC 2131 §4.4.5 wants some random \"fuzz\" in these times so that many clients do not renew in step, and clients apply it themselves: ISC dhclient, for one, renews at a random moment between ¾ of T1 and T1."
            ),
            (Some(t), Some((t1, _)), Lang::Zh) if t < f64::from(t1) => format!(
                "这比 T1（该 ACK 中为 {t1} 秒）要早：是提前续租。RFC 2131 §4.4.5 希望这些时间带一点随机偏移，免得大量客户端同时续租，客户端自己也会这样做：例如 ISC dhclient 在 T1 的 ¾ 到 T1 之间随机挑一个时刻续租。"
            ),
            (Some(t), Some((t1, Some(t2))), Lang::En) if t >= f64::from(t2) => format!(
                " That is after T2 ({t2} s in that ACK; T1 was {t1} s): the client is rebinding, and may take an answer from any server."
            ),
            (Some(t), Some((t1, Some(t2))), Lang::Zh) if t >= f64::from(t2) => format!(
                "这已过了 T2（该 ACK 中为 {t2} 秒；T1 为 {t1} 秒）：客户端在重新绑定，任何服务器的回答它都可以接受。"
            ),
            (Some(_), Some((t1, _)), Lang::En) => {
                format!(" That is at T1 ({t1} s in that ACK), as the lease asks.")
            }
            (Some(_), Some((t1, _)), Lang::Zh) => {
                format!("这正是租约要求的 T1（该 ACK 中为 {t1} 秒）。")
            }
            _ => String::new(),
        };
        if let Some((t1, t2)) = timers {
            if let Some(last) = told.last_mut() {
                last["t1"] = json!(t1);
                last["t2"] = json!(t2);
            }
        }
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: DHCPREQUEST with ciaddr {addr}{since}: the client already holds the address and asks to extend its lease — a renewal (RFC 2131 §4.4.5: from T1 it asks the server that leased it, from T2 any server).{when}{reply}",
                r.frame
            ),
            Lang::Zh => format!(
                "帧 {}：DHCPREQUEST，ciaddr 为 {addr}{since}：客户端已持有该地址，请求延长租期——这是续租（RFC 2131 §4.4.5：从 T1 起向原服务器请求，从 T2 起向任意服务器请求）。{when}{reply}",
                r.frame
            ),
        });
    }
    if !told.is_empty() {
        s.fact("renewals", told);
    }
}
