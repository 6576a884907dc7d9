//! The story as one self-contained HTML page: the steps, and a ladder
//! (sequence) diagram with one arrow per packet. Choosing a step
//! highlights its packets. No external resources are loaded.

use super::escape;
use super::story::frame_list;
use crate::explain::{PageLoad, Status, Story};
use crate::notes::Lang;
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

const STYLE: &str = r#"
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{padding:16px 24px;background:#1d2330;color:#fff}
header h1{margin:0;font-size:20px}
.load{display:flex;gap:16px;padding:16px 24px;align-items:flex-start;border-bottom:1px solid #d0d7de}
.steps{flex:0 0 44%;max-width:44%}
.ladder{flex:1;overflow:auto;max-height:90vh;background:#fff;border:1px solid #d0d7de;border-radius:6px}
.step{background:#fff;border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:6px;margin:0 0 10px;padding:8px 12px;cursor:pointer}
.step.observed{border-left-color:#1a7f37}.step.inferred{border-left-color:#bf8700}.step.not_visible{border-left-color:#8c959f}.step.not_applicable{border-left-color:#d0d7de}
.step.active{outline:3px solid #0969da}
.step h3{margin:0 0 4px;font-size:15px}
.status{font-size:12px;padding:1px 6px;border-radius:10px;background:#eaeef2;margin-left:6px}
.meta{color:#57606a;font-size:12px}
.step ul{margin:6px 0;padding-left:18px;font-size:13px}
.why{font-size:13px;color:#57606a}
.cite{font-size:12px;color:#0969da}
.check{font-size:13px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;padding:6px;margin-top:6px}
svg text{font-size:11px;font-family:ui-monospace,monospace}
.lane line{stroke:#8c959f;stroke-dasharray:4 3}
.arrow line{stroke:#57606a;stroke-width:1.2}
.arrow.hl line{stroke:#0969da;stroke-width:2.5}
.arrow.hl text{fill:#0969da;font-weight:bold}
.arrow.dim{opacity:.25}
footer{padding:12px 24px;color:#57606a;font-size:13px}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('.load').forEach(function(load){
  load.querySelectorAll('.step').forEach(function(step){
    step.addEventListener('click',function(){
      var id=step.dataset.step, on=!step.classList.contains('active');
      load.querySelectorAll('.step').forEach(function(s){s.classList.remove('active')});
      load.querySelectorAll('.arrow').forEach(function(a){
        var mine=(' '+a.dataset.steps+' ').indexOf(' '+id+' ')>=0;
        a.classList.toggle('hl',on&&mine);
        a.classList.toggle('dim',on&&!mine);
      });
      if(on){step.classList.add('active');}
    });
  });
});
// A link such as report.html#step=dns opens with that step chosen.
var chosen=location.hash.match(/step=([a-z_]+)/);
if(chosen){document.querySelectorAll('.load .step[data-step="'+chosen[1]+'"]').forEach(function(s){s.click();});}
"#;

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

const LANE_GAP: usize = 190;
const ROW: usize = 22;
const TOP: usize = 48;

fn ladder(p: &PageLoad, out: &mut String) {
    let lanes = &p.ladder.lanes;
    let width = LANE_GAP * lanes.len().max(1) + 120;
    let height = TOP + ROW * (p.ladder.arrows.len() + 1);
    let x = |i: usize| 60 + LANE_GAP / 2 + i * LANE_GAP;
    let _ = writeln!(
        out,
        r#"<svg class="diagram" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">"#
    );
    for (i, l) in lanes.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<g class="lane" data-role="{}"><text x="{}" y="16" text-anchor="middle">{}</text><text x="{}" y="30" text-anchor="middle">{}</text><line x1="{}" y1="36" x2="{}" y2="{height}"/></g>"#,
            l.role,
            x(i),
            html(&l.label),
            x(i),
            html(&l.addr),
            x(i),
            x(i)
        );
    }
    for (row, a) in p.ladder.arrows.iter().enumerate() {
        let y = TOP + ROW * row + ROW / 2;
        let (x1, x2) = (x(a.from), x(a.to));
        let dir: i64 = if x2 >= x1 { 1 } else { -1 };
        let head = x2 as i64 - 6 * dir;
        let mid = (x1 + x2) / 2;
        let _ = writeln!(
            out,
            r#"<g class="arrow" data-frame="{}" data-steps="{}"><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/><polygon points="{x2},{y} {head},{} {head},{}" fill="currentColor"/><text x="{mid}" y="{}" text-anchor="middle">{} {}</text><text x="4" y="{}">+{:.3}</text></g>"#,
            a.frame,
            a.steps.join(" "),
            y - 4,
            y + 4,
            y - 3,
            a.frame,
            html(&a.label),
            y + 3,
            a.t
        );
    }
    out.push_str("</svg>\n");
}

/// The whole report.
pub fn report(story: &Story, title: &str, out: &mut String) {
    let lang = story.lang;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        lang.t("en", "zh"),
        html(title)
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><div>{}</div></header>",
        html(title),
        html(lang.t(
            "Choose a step to highlight its packets in the diagram.",
            "点击一个步骤，图中会高亮它的数据包。"
        ))
    );
    for (n, p) in story.page_loads.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"load\" data-host=\"{}\"><div class=\"steps\"><h2>{} {}: {}</h2><p class=\"meta\">{} {} → {} {} · {:.1} ms</p>",
            html(&p.host),
            lang.t("Page load", "页面加载"),
            n + 1,
            html(&p.host),
            lang.t("client", "客户端"),
            html(&p.client),
            lang.t("server", "服务器"),
            html(&p.server),
            p.duration_ms
        );
        for (i, s) in p.steps.iter().enumerate() {
            let _ = write!(
                out,
                "<div class=\"step {}\" data-step=\"{}\" data-frames=\"{}\"><h3>{}. {}<span class=\"status\">{}</span></h3>",
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
                    frame_list(&s.frames),
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
                let cites: Vec<String> = s
                    .notes
                    .iter()
                    .map(|n| format!("§{} {}", n.section, html(&n.title)))
                    .collect();
                let _ = write!(
                    out,
                    "<div class=\"cite\">{}{}</div>",
                    lang.t("Notes: ", "笔记："),
                    cites.join("; ")
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
                    frame_list(&c.frames)
                );
            }
            out.push_str("</div>\n");
        }
        out.push_str("</div><div class=\"ladder\">\n");
        ladder(p, out);
        if p.ladder.omitted > 0 {
            let _ = writeln!(
                out,
                "<p class=\"meta\">{} {}</p>",
                p.ladder.omitted,
                lang.t("more packets are not drawn.", "个数据包未画出。")
            );
        }
        out.push_str("</div></section>\n");
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
