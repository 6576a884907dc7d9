//! The story as one self-contained HTML page: per page load a waterfall
//! of where the time went, the steps, and beside them a ladder (sequence)
//! diagram that stays in view. Choosing a step highlights its packets,
//! scrolls them into view and puts the step in the address
//! (`#step=dns`). A print stylesheet makes a handout. No external
//! resources are loaded.

mod assets;
pub mod ladder;

use super::escape;
use super::story::frame_list_in;
use crate::explain::{PageLoad, Status, Step, Story};
use crate::notes::Lang;
use assets::{SCRIPT, STYLE};
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Observed => "observed",
        Status::Inferred => "inferred",
        Status::NotVisible => "not_visible",
        Status::NotApplicable => "not_applicable",
    }
}

fn status_word(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Observed => lang.t("observed", "已观察到"),
        Status::Inferred => lang.t("inferred", "推断"),
        Status::NotVisible => lang.t("not visible", "不可见"),
        Status::NotApplicable => lang.t("not applicable", "不适用"),
    }
}

/// The connections' colours and ports, above the diagram.
fn connections(p: &PageLoad, out: &mut String) {
    let conns = &p.diagram.connections;
    if conns.is_empty() {
        return;
    }
    out.push_str(r#"<ul class="conns">"#);
    for (i, c) in conns.iter().enumerate() {
        let _ = write!(
            out,
            r#"<li data-conn="{i}"><i style="background:{}"></i>{} :{} → {}:{}</li>"#,
            ladder::colour(i),
            c.transport.to_uppercase(),
            c.client_port,
            html(&c.name),
            c.server_port
        );
    }
    out.push_str("</ul>");
}

/// The whole report.
pub fn report(story: &Story, title: &str, out: &mut String) {
    let lang = story.lang;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        lang.t("en", "zh"),
        html(title)
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><div>{}</div></header>",
        html(title),
        html(lang.t(
            "Choose a step (click, or Tab and Enter) to highlight its packets in the diagram; a thick arrow is a run of data segments: choose it to open it.",
            "选择一个步骤（点击，或用 Tab 和回车），图中会高亮它的数据包；粗箭头是一串数据段，选择它即可展开。"
        ))
    );
    loads_table(story, out);
    for (n, p) in story.page_loads.iter().enumerate() {
        // The number the loads table and the text story give it.
        let num = if p.index > 0 { p.index } else { n + 1 };
        let _ = writeln!(
            out,
            "<section class=\"load\" id=\"load-{}\" data-host=\"{}\"><h2>{} {}{}{}</h2><p class=\"meta\">{} {} → {} {} · {:.1} ms</p>",
            num,
            html(&p.host),
            lang.t("Page load", "页面加载"),
            num,
            lang.t(": ", "："),
            html(&p.host),
            lang.t("client", "客户端"),
            html(&p.client),
            lang.t("server", "服务器"),
            html(&p.server),
            p.duration_ms
        );
        super::waterfall::html_waterfall(p, lang, out);
        load_body(p, lang, out);
    }
    if !story.other_stories.is_empty() {
        let _ = writeln!(
            out,
            "<h2 class=\"others\">{}</h2>",
            lang.t("Other traffic (no page load)", "其他流量（不属于页面加载）")
        );
    }
    for (n, p) in story.other_stories.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"load other\" data-kind=\"{}\"><h2>{}</h2>",
            serde_json::to_value(p.kind)
                .ok()
                .and_then(|v| v.as_str().map(html))
                .unwrap_or_default(),
            html(&super::story::heading(p, n + 1, lang))
        );
        load_body(p, lang, out);
    }
    if story.page_loads.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            lang.t(
                "No page load found in this capture.",
                "抓包中没有找到页面加载。"
            )
        );
    }
    let left: Vec<String> = story
        .left_out
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        out,
        "<footer>{}: {} · {}: {}</footer>",
        lang.t("Left out", "未纳入"),
        html(&left.join(", ")),
        lang.t("Notes", "笔记"),
        html(&story.notes_source)
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
}

/// A story's steps beside its ladder, and the ladder again for print.
fn load_body(p: &PageLoad, lang: Lang, out: &mut String) {
    out.push_str("<div class=\"cols\"><div class=\"steps\">");
    for (i, s) in p.steps.iter().enumerate() {
        step(s, i, lang, out);
    }
    out.push_str("</div><div class=\"ladder\">\n");
    connections(p, out);
    ladder::screen(p, lang, out);
    if p.ladder.omitted > 0 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{} {}</p>",
            p.ladder.omitted,
            lang.t("more packets are not drawn.", "个数据包未画出。")
        );
    }
    let _ = write!(
        out,
        "</div></div><div class=\"print-ladder\"><h3>{}</h3>",
        lang.t("Ladder diagram", "时序图")
    );
    connections(p, out);
    ladder::print(p, lang, out);
    out.push_str("</div></section>\n");
}

/// The table of every page load found (the JSON's `loads`): host, start,
/// duration, protocol, connections, bytes, time to first byte and each
/// step's status as a coloured cell; a told load's host links to it.
fn loads_table(story: &Story, out: &mut String) {
    if story.loads.is_empty() {
        return;
    }
    let mut ids: Vec<&str> = Vec::new();
    for l in &story.loads {
        for s in &l.steps {
            if !ids.contains(&s.id) {
                ids.push(s.id);
            }
        }
    }
    let head: [&str; 8] = match story.lang {
        Lang::En => [
            "#", "host", "start", "duration", "protocol", "conns", "bytes", "TTFB",
        ],
        Lang::Zh => [
            "#",
            "主机",
            "开始",
            "时长",
            "协议",
            "连接",
            "字节",
            "首字节",
        ],
    };
    let lang = story.lang;
    let _ = write!(
        out,
        "<section class=\"loads\"><h2>{}</h2><table class=\"loads\"><thead><tr>",
        lang.t("Page loads found", "找到的页面加载")
    );
    for h in head {
        let _ = write!(out, "<th>{h}</th>");
    }
    for id in &ids {
        let _ = write!(out, "<th>{}</th>", html(id));
    }
    out.push_str("</tr></thead><tbody>\n");
    let t0 = story.loads.first().map_or(0.0, |l| l.start);
    let told: Vec<usize> = story.page_loads.iter().map(|p| p.index).collect();
    for l in &story.loads {
        let host = if told.contains(&l.index) {
            format!("<a href=\"#load-{}\">{}</a>", l.index, html(&l.host))
        } else {
            html(&l.host)
        };
        let dur = |s: f64| html(&super::story::duration(s, lang));
        let _ = write!(
            out,
            "<tr data-load=\"{}\"><td>{}</td><td>{host}</td><td>+{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            l.index,
            l.index,
            dur(l.start - t0),
            dur(l.duration_s),
            html(l.protocol),
            l.connections,
            l.bytes,
            l.ttfb_ms.map_or_else(|| "–".to_string(), |t| dur(t / 1000.0))
        );
        for id in &ids {
            // A step the load has no row for does not apply to it.
            let st = l
                .steps
                .iter()
                .find(|s| s.id == *id)
                .map_or(Status::NotApplicable, |s| s.status);
            let _ = write!(
                out,
                "<td class=\"{}\" data-step=\"{}\">{}</td>",
                status_class(st),
                html(id),
                status_word(st, lang)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></section>\n");
}

/// One step, a button that highlights its packets.
fn step(s: &Step, i: usize, lang: Lang, out: &mut String) {
    let _ = write!(
        out,
        "<div class=\"step {}\" data-step=\"{}\" data-frames=\"{}\" role=\"button\" tabindex=\"0\" aria-pressed=\"false\"><h3>{}. {}<span class=\"status\">{}</span></h3>",
        status_class(s.status),
        s.id,
        s.frames.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
        i + 1,
        html(&s.title),
        status_word(s.status, lang)
    );
    if !s.frames.is_empty() || s.start.is_some() {
        let _ = write!(
            out,
            "<div class=\"meta\">{} {}{}</div>",
            lang.t("frames", "帧"),
            frame_list_in(&s.frames, lang),
            s.start.map(|t| format!(" · {t:+.3} s")).unwrap_or_default()
        );
    }
    if !s.lines.is_empty() {
        out.push_str("<ul>");
        for l in &s.lines {
            let _ = write!(out, "<li>{}</li>", html(l));
        }
        out.push_str("</ul>");
    }
    if let Some(r) = &s.reason {
        let _ = write!(
            out,
            "<div class=\"why\">{}{}</div>",
            lang.t("Why: ", "原因："),
            html(r)
        );
    }
    if !s.notes.is_empty() {
        let _ = write!(
            out,
            "<div class=\"cite\">{}{}</div>",
            lang.t("Notes: ", "笔记："),
            super::citations(&s.notes, html, "; ")
        );
    }
    for c in &s.notes_check {
        let _ = write!(
            out,
            "<div class=\"check\" data-section=\"{}\"><b>{} §{}</b><br>{}<br>{}{} ({} {})</div>",
            c.section,
            lang.t("Notes check", "笔记核对"),
            c.section,
            html(&c.stated(lang)),
            lang.t("The capture shows: ", "抓包显示："),
            html(&c.observed),
            lang.t("frames", "帧"),
            frame_list_in(&c.frames, lang)
        );
    }
    out.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_control_characters() {
        assert_eq!(
            html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(html("a\u{1b}[31m"), "a\\x1b[31m");
    }
}
