//! Loss and its repair on a page load's connections: retransmissions,
//! fast retransmits, D-SACK (RFC 9293, RFC 6298, RFC 5681, RFC 2883).

use super::tcp::tcp_side;
use super::{new_step, Ctx};
use crate::explain::evidence::{Conn, RepeatKind};
use crate::explain::{Status, Step};
use crate::notes::claims;
use crate::notes::Lang;

/// Loss and its repair (RFC 9293 §3.10.7 and RFC 6298: a segment not
/// acknowledged in time is sent again; RFC 5681 §3.2: three duplicate
/// ACKs trigger a fast retransmit), as the per-segment analysis found it.
/// Only when the page load's connections show any.
pub(super) fn loss(ctx: &Ctx) -> Option<Step> {
    let lossy: Vec<&Conn> = ctx.conns.iter().copied().filter(|c| c.loss.any()).collect();
    if lossy.is_empty() {
        return None;
    }
    let mut s = new_step("tcp_loss", ctx.lang, Status::Observed);
    s.cite(&[1, 12]);
    let sum =
        |f: fn(&Conn) -> [u64; 2]| -> u64 { lossy.iter().map(|c| f(c).iter().sum::<u64>()).sum() };
    let retransmissions = sum(|c| c.loss.retransmissions);
    let fast = sum(|c| c.loss.fast_retransmissions);
    let spurious = sum(|c| c.loss.spurious_retransmissions);
    let dup_acks = sum(|c| c.loss.dup_acks);
    let out_of_order = sum(|c| c.loss.out_of_order);
    s.fact(
        "connections",
        lossy.iter().map(|c| c.stream).collect::<Vec<_>>(),
    );
    s.fact("retransmissions", retransmissions);
    s.fact("fast_retransmissions", fast);
    s.fact("spurious_retransmissions", spurious);
    s.fact("dup_acks", dup_acks);
    s.fact("out_of_order", out_of_order);
    let timeouts = retransmissions - fast - spurious;
    // Only the kinds that occurred are named.
    let parts: Vec<String> = [
        (
            timeouts,
            "after a timer ran out (the retransmission timer or a tail-loss probe)",
            "因计时器到期而重发（重传计时器或尾部丢失探测）",
        ),
        (
            fast,
            "sent again fast, after duplicate ACKs reported a gap",
            "快速重传（重复 ACK 报告了缺口）",
        ),
        (
            spurious,
            "sent again needlessly (the first copy had arrived)",
            "多余的重传（第一份其实已到达）",
        ),
        (dup_acks, "duplicate ACK(s)", "个重复 ACK"),
        (out_of_order, "segment(s) out of order", "个乱序报文段"),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, en, zh)| match ctx.lang {
        Lang::En => format!("{n} {en}"),
        Lang::Zh => format!("{n} {zh}"),
    })
    .collect();
    s.line(match (ctx.lang, retransmissions) {
        (Lang::En, 0) => format!(
            "On {} connection(s) no segment was sent again; the analysis saw only {}: segments arrived in another order than they were sent, and the receiver put them back in order by sequence number without any loss.",
            lossy.len(),
            parts.join("; ")
        ),
        (Lang::Zh, 0) => format!(
            "{} 个连接上没有报文段被重发；分析只看到{}：报文段到达的顺序与发送顺序不同，接收方按序列号把它们重新排好，并没有丢失。",
            lossy.len(),
            parts.join("；")
        ),
        (Lang::En, _) => format!(
            "On {} connection(s), {retransmissions} segment(s) were sent again: {}.",
            lossy.len(),
            parts.join("; ")
        ),
        (Lang::Zh, _) => format!(
            "{} 个连接上有 {retransmissions} 个报文段被重发：{}。",
            lossy.len(),
            parts.join("；")
        ),
    });
    let mut request_delay = None;
    for c in &lossy {
        for r in c.loss.repeats.iter().take(3) {
            s.frames.push(r.seg.frame);
            s.timing([r.seg.ts].into_iter());
            let who = tcp_side(ctx, c, r.seg.from_client);
            let first = r
                .original
                .map(|(frame, ts)| (frame, (r.seg.ts - ts) * 1000.0));
            if let Some((frame, ts)) = r.original {
                s.frames.push(frame);
                s.timing([ts].into_iter());
            }
            let was_request =
                first.is_some_and(|(f, _)| c.first_data[0].is_some_and(|d| d.frame == f));
            if was_request {
                request_delay = first.map(|(_, d)| d);
            }
            let earlier = match (first, ctx.lang) {
                (Some((f, d)), Lang::En) => {
                    format!(" that first went in frame {f}, {d:.0} ms earlier")
                }
                (Some((f, d)), Lang::Zh) => format!("（第一次在帧 {f} 发出，{d:.0} 毫秒之前）"),
                (None, _) => String::new(),
            };
            let why = match (r.kind, ctx.lang) {
                (RepeatKind::Fast, Lang::En) => "duplicate ACKs told the sender a segment was missing, so it resent without waiting for its timer",
                (RepeatKind::Fast, Lang::Zh) => "重复 ACK 告诉发送方有报文段丢失，它不等计时器超时就重发了",
                (RepeatKind::Spurious, Lang::En) => "the first copy had in fact arrived; its acknowledgement was late or lost",
                (RepeatKind::Spurious, Lang::Zh) => "第一份其实已经到达，只是它的确认来晚了或丢了",
                (_, Lang::En) => "no acknowledgement came before the sender's timer ran out (its retransmission timer, or a tail-loss probe, which fires sooner, RFC 8985 §7)",
                (_, Lang::Zh) => "在发送方的计时器到期之前没有收到确认（重传计时器，或更早触发的尾部丢失探测，RFC 8985 §7）",
            };
            let dsack = match (r.dsack, ctx.lang) {
                (Some(d), Lang::En) => format!(
                    " The receiver's ACK in frame {} reports these bytes in a SACK block below its cumulative ACK — a D-SACK (RFC 2883): they arrived twice, so the first copy was not lost.",
                    d.frame
                ),
                (Some(d), Lang::Zh) => format!(
                    "接收方在帧 {} 的 ACK 中用一个低于累计确认号的 SACK 块报告了这些字节——即 D-SACK（RFC 2883）：它们到达了两次，所以第一份并没有丢。",
                    d.frame
                ),
                (None, _) => String::new(),
            };
            if let Some(d) = r.dsack {
                s.frames.push(d.frame);
            }
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: the {who} sends {} bytes again{earlier}: {why}.{dsack}",
                    r.seg.frame, r.len
                ),
                Lang::Zh => format!(
                    "帧 {}：{who}重发 {} 字节{earlier}：{why}。{dsack}",
                    r.seg.frame, r.len
                ),
            });
        }
    }
    if let Some(d) = request_delay {
        s.fact("request_delay_ms", (d * 1000.0).round() / 1000.0);
        s.line(match ctx.lang {
            Lang::En => format!(
                "The lost segment was the request itself: the page load waited {d:.0} ms for TCP to send it again."
            ),
            Lang::Zh => format!("丢失的正是请求本身：页面加载为此多等了 {d:.0} 毫秒，直到 TCP 重发。"),
        });
    }
    let first = s.frames.iter().min().copied().unwrap_or_default();
    // Every repeat known, and each one needless (a spurious retransmission
    // or one the receiver reported by D-SACK): nothing was lost.
    let none_lost = lossy.iter().all(|c| {
        let told = c.loss.repeats.len() as u64;
        let all = c.loss.retransmissions.iter().sum::<u64>();
        told == all
            && c.loss
                .repeats
                .iter()
                .all(|r| r.kind == RepeatKind::Spurious || r.dsack.is_some())
    }) && lossy.iter().any(|c| !c.loss.repeats.is_empty());
    s.fact("nothing_lost", none_lost);
    if none_lost {
        s.check(
            ctx.lang,
            &claims::HTTP_RELIABLE,
            ctx.t(
                "Borne out, though nothing was lost here: every segment sent again had already arrived (the receiver's D-SACK or its earlier ACK shows it). TCP cannot tell a lost segment from a late acknowledgement, so it repeats itself to be safe; the application saw no error, only the delay.",
                "属实，不过这里其实什么都没丢：每个被重发的报文段第一次就已到达（接收方的 D-SACK 或更早的 ACK 表明了这一点）。TCP 分不清报文段丢了还是确认来晚了，为稳妥起见才重发；应用层没有看到错误，只是多等了时间。",
            )
            .to_string(),
            vec![first],
        );
        return Some(s);
    }
    s.check(
        ctx.lang,
        &claims::HTTP_RELIABLE,
        match ctx.lang {
            Lang::En => "Borne out, and here it shows how: segments were lost on the way, and TCP noticed and sent them again. Reliability is not free — the application saw no error, only the delay.".to_string(),
            Lang::Zh => "属实，而且这里能看到它是怎么做到的：报文段在途中丢失，TCP 发现后重新发送。可靠性是有代价的——应用层没有看到错误，只是多等了时间。".to_string(),
        },
        vec![first],
    );
    Some(s)
}
