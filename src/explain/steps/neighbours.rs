//! ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861 §7.2) told on
//! their own: who asked for which address, and who answered.

use super::{ms, new_step, Ctx};
use crate::decode::arp::ArpKind;
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;

/// Exchanges told one by one; the rest are counted.
const MAX_TOLD: usize = 16;

pub(super) fn neighbours(ctx: &Ctx) -> Step {
    let mut s = new_step("neighbours", ctx.lang, Status::Observed);
    s.cite(&[4]);
    let recs: Vec<_> = ctx.load.arp.iter().map(|&i| &ctx.ev.arp[i]).collect();
    let mut pairs = Vec::new();
    for (n, r) in recs.iter().enumerate() {
        s.frames.push(r.frame);
        s.timing([r.ts].into_iter());
        if n >= MAX_TOLD {
            continue;
        }
        let proto = if r.ndp { "NDP" } else { "ARP" };
        if r.reply {
            continue;
        }
        // The answer to this request, unless the same question was asked
        // again before it came (then it answers the later one).
        let reply = recs[n + 1..]
            .iter()
            .take_while(|a| {
                a.reply
                    || !(a.sender_ip == r.sender_ip && a.target_ip == r.target_ip && a.ndp == r.ndp)
            })
            .find(|a| a.reply && a.sender_ip == r.target_ip && a.ndp == r.ndp);
        pairs.push(json!({
            "request": r.frame,
            "asker": r.sender_ip.to_string(),
            "target": r.target_ip.to_string(),
            "reply": reply.map(|a| a.frame),
            "mac": reply.map(|a| a.sender_mac.to_string()),
            "kind": r.kind,
        }));
        let kind = match (r.kind, ctx.lang) {
            (Some(ArpKind::Probe), Lang::En) => {
                " (a probe: the sender has no address yet and checks that nobody uses it)"
            }
            (Some(ArpKind::Probe), Lang::Zh) => "（探测：发送方尚无地址，检查是否有人在用）",
            (Some(ArpKind::Gratuitous), Lang::En) => {
                " (gratuitous: the sender announces its own address)"
            }
            (Some(ArpKind::Gratuitous), Lang::Zh) => "（免费 ARP：发送方宣告自己的地址）",
            _ => "",
        };
        let answer = match (reply, ctx.lang) {
            (Some(a), Lang::En) => format!(
                "; frame {}: {} is at {} ({} ms later)",
                a.frame,
                a.sender_ip,
                a.sender_mac,
                ms(r.ts, a.ts)
            ),
            (Some(a), Lang::Zh) => format!(
                "；帧 {}：{} 的 MAC 是 {}（{} 毫秒后）",
                a.frame,
                a.sender_ip,
                a.sender_mac,
                ms(r.ts, a.ts)
            ),
            (None, Lang::En) => "; no answer was captured".to_string(),
            (None, Lang::Zh) => "；抓包中没有回答".to_string(),
        };
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: {proto} {} asks who has {}{kind}{answer}.",
                r.frame, r.sender_ip, r.target_ip
            ),
            Lang::Zh => format!(
                "帧 {}：{proto}，{} 询问谁拥有 {}{kind}{answer}。",
                r.frame, r.sender_ip, r.target_ip
            ),
        });
    }
    s.fact("exchanges", pairs);
    s.fact("packets", recs.len());
    if recs.len() > MAX_TOLD {
        s.line(match ctx.lang {
            Lang::En => format!(
                "{} more ARP/NDP packets are not told one by one.",
                recs.len() - MAX_TOLD
            ),
            Lang::Zh => format!("另有 {} 个 ARP/NDP 报文未逐一讲述。", recs.len() - MAX_TOLD),
        });
    }
    s
}
