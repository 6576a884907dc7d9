//! The waterfall of a page load, like a browser's network panel: one bar
//! per connection (or per request in the clear) on one time axis, split
//! into DNS, connect, TLS, waiting for the first byte and download. As
//! HTML for the report and as a table for Markdown.

use super::html::html;
use crate::explain::waterfall::{Phase, PhaseKind, WaterfallRow};
use crate::explain::PageLoad;
use crate::notes::Lang;
use std::fmt::Write as _;

/// The phases in the order they happen, with their colours.
const KINDS: [(PhaseKind, &str); 5] = [
    (PhaseKind::Dns, "#1b7c83"),
    (PhaseKind::Connect, "#bc4c00"),
    (PhaseKind::Tls, "#8250df"),
    (PhaseKind::Wait, "#1a7f37"),
    (PhaseKind::Download, "#0969da"),
];

fn name(kind: PhaseKind, lang: Lang) -> &'static str {
    match kind {
        PhaseKind::Dns => "DNS",
        PhaseKind::Connect => lang.t("connect", "建立连接"),
        PhaseKind::Tls => "TLS",
        PhaseKind::Wait => lang.t("waiting (first byte)", "等待首字节"),
        PhaseKind::Download => lang.t("download", "下载"),
    }
}

/// What each phase is measured between, so that no bar claims more than
/// the frames show.
fn meaning(kind: PhaseKind, lang: Lang) -> &'static str {
    match kind {
        PhaseKind::Dns => lang.t(
            "query → the answer that gave the server's address",
            "查询 → 给出服务器地址的应答",
        ),
        PhaseKind::Connect => lang.t("SYN → SYN-ACK", "SYN → SYN-ACK"),
        PhaseKind::Tls => lang.t(
            "ClientHello → the client's first record after the server's hello that is not a hello",
            "ClientHello → 服务器 Hello 之后客户端发出的第一个非 Hello 记录",
        ),
        PhaseKind::Wait => lang.t(
            "the request (or the client's first data once ready) → the server's first data after it",
            "请求（或就绪后客户端的第一段数据）→ 其后服务器的第一段数据",
        ),
        PhaseKind::Download => lang.t(
            "the server's first → last data segment",
            "服务器第一段 → 最后一段数据",
        ),
    }
}

fn row_end(r: &WaterfallRow) -> f64 {
    r.phases.iter().map(|p| p.end_ms).fold(0.0, f64::max)
}

/// The track's scale: the last bar ends at 86% of it, leaving room for
/// its label.
fn total(p: &PageLoad) -> f64 {
    p.diagram
        .waterfall
        .iter()
        .map(row_end)
        .fold(p.duration_ms, f64::max)
        .max(0.001)
        / 0.86
}

fn conn_tag(p: &PageLoad, r: &WaterfallRow) -> String {
    match p.diagram.connections.get(r.conn) {
        Some(c) => format!(
            "{} :{} → :{}",
            c.transport.to_uppercase(),
            c.client_port,
            c.server_port
        ),
        None => String::new(),
    }
}

/// A round number of milliseconds for the axis ticks.
fn tick_step(total: f64) -> f64 {
    let raw = total / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

fn bar(ph: &Phase, total: f64, lang: Lang, out: &mut String) {
    let colour = KINDS
        .iter()
        .find(|(k, _)| *k == ph.kind)
        .map_or("#57606a", |(_, c)| c);
    let left = ph.start_ms / total * 100.0;
    let width = (ph.end_ms - ph.start_ms) / total * 100.0;
    let _ = write!(
        out,
        r#"<span class="phase {}" style="left:{left:.3}%;width:{width:.3}%;background:{colour}" title="{}: {:.3} ms ({} {}–{})" data-frames="{} {}"></span>"#,
        ph.kind.as_str(),
        html(name(ph.kind, lang)),
        ph.end_ms - ph.start_ms,
        lang.t("frames", "帧"),
        ph.frames[0],
        ph.frames[1],
        ph.frames[0],
        ph.frames[1],
    );
}

/// The waterfall as HTML: an element of class `waterfall`.
pub fn html_waterfall(p: &PageLoad, lang: Lang, out: &mut String) {
    let rows = &p.diagram.waterfall;
    if rows.is_empty() {
        return;
    }
    let total = total(p);
    let _ = write!(
        out,
        r#"<div class="waterfall" data-total-ms="{total:.3}"><h3>{}</h3><div class="wf-axis"><span class="wf-name"></span><span class="wf-track">"#,
        lang.t("Where the time went", "时间花在哪里")
    );
    let step = tick_step(total * 0.86);
    let mut t = 0.0;
    while t <= total * 0.9 {
        let _ = write!(
            out,
            r#"<span class="tick" style="left:{:.3}%">{}</span>"#,
            t / total * 100.0,
            if step >= 1.0 {
                format!("{t:.0} ms")
            } else {
                format!("{t:.1} ms")
            }
        );
        t += step;
    }
    out.push_str("</span></div>");
    for r in rows {
        let c = super::html::ladder::colour(r.conn);
        let _ = write!(
            out,
            r#"<div class="wf-row" data-conn="{}"><span class="wf-name" title="{}"><i style="background:{c}"></i>{} <small>{}</small></span><span class="wf-track">"#,
            r.conn,
            html(&r.label),
            html(&r.label),
            html(&conn_tag(p, r)),
        );
        for ph in &r.phases {
            bar(ph, total, lang, out);
        }
        let _ = write!(
            out,
            r#"<span class="wf-end" style="left:{:.3}%">{:.1} ms</span></span></div>"#,
            row_end(r) / total * 100.0,
            row_end(r)
        );
    }
    if p.diagram.rows_not_shown > 0 {
        let _ = write!(
            out,
            r#"<p class="meta">{} {}</p>"#,
            p.diagram.rows_not_shown,
            lang.t("more requests are not drawn.", "个请求未画出。")
        );
    }
    out.push_str(r#"<ul class="wf-legend">"#);
    for (k, colour) in KINDS {
        let _ = write!(
            out,
            r#"<li><i style="background:{colour}"></i><b>{}</b>: {}</li>"#,
            html(name(k, lang)),
            html(meaning(k, lang))
        );
    }
    out.push_str("</ul></div>\n");
}

/// The waterfall as a Markdown table: when each phase starts and how long
/// it lasts, in milliseconds from the start of the page load.
pub fn markdown(p: &PageLoad, lang: Lang, md: impl Fn(&str) -> String, out: &mut String) {
    let rows = &p.diagram.waterfall;
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### {}\n",
        lang.t(
            "Where the time went (ms from the start: start + duration)",
            "时间花在哪里（从开始起的毫秒数：开始 + 时长）"
        )
    );
    let _ = write!(out, "| # | {} |", lang.t("connection", "连接"));
    for (k, _) in KINDS {
        let _ = write!(out, " {} |", md(name(k, lang)));
    }
    let _ = writeln!(out, " {} |", lang.t("end", "结束"));
    out.push_str("|---|---|");
    for _ in KINDS {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    for (n, r) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "| {} | {} ({}) |",
            n + 1,
            md(&r.label),
            md(&conn_tag(p, r))
        );
        for (k, _) in KINDS {
            match r.phases.iter().find(|ph| ph.kind == k) {
                Some(ph) => {
                    let _ = write!(
                        out,
                        " {:.2} + {:.2} |",
                        ph.start_ms,
                        ph.end_ms - ph.start_ms
                    );
                }
                None => out.push_str(" – |"),
            }
        }
        let _ = writeln!(out, " {:.2} |", row_end(r));
    }
    out.push('\n');
    for (k, _) in KINDS {
        let _ = writeln!(out, "- **{}**: {}", md(name(k, lang)), md(meaning(k, lang)));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::tick_step;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(253.0), 100.0);
        assert_eq!(tick_step(6.6), 2.0);
        assert_eq!(tick_step(40.0), 10.0);
    }
}
