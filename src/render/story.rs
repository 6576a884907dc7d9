//! The page-load story as terminal text (full or one line per step) and
//! as Markdown for lab reports.

use super::escape;
use crate::explain::{PageLoad, Status, Step, Story, StoryKind};
use crate::notes::Lang;
use colored::Colorize;
use std::fmt::Write as _;

/// Text is wrapped to this many columns.
pub const WIDTH: usize = 100;

fn status_word(s: Status, lang: Lang) -> &'static str {
    match (s, lang) {
        (Status::Observed, Lang::En) => "observed",
        (Status::Inferred, Lang::En) => "inferred",
        (Status::NotVisible, Lang::En) => "not visible",
        (Status::Observed, Lang::Zh) => "已观察到",
        (Status::Inferred, Lang::Zh) => "推断",
        (Status::NotVisible, Lang::Zh) => "不可见",
        (Status::NotApplicable, Lang::En) => "not applicable",
        (Status::NotApplicable, Lang::Zh) => "不适用",
    }
}

fn status_colored(s: Status, lang: Lang) -> String {
    let w = format!("[{}]", status_word(s, lang));
    match s {
        Status::Observed => w.green().to_string(),
        Status::Inferred => w.yellow().to_string(),
        Status::NotVisible | Status::NotApplicable => w.dimmed().to_string(),
    }
}

/// "frames 3, 5, 7–9" with runs collapsed.
pub fn frame_list(frames: &[u64]) -> String {
    frame_list_in(frames, Lang::En)
}

pub use crate::explain::frame_list_in;

/// "frames 3, 5, 7–9, … and 12 more": at most `max` runs, then a count
/// of the frames left out, so a header line stays short.
pub fn frame_list_short(frames: &[u64], max: usize, lang: Lang) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &f in frames {
        match runs.last_mut() {
            Some((_, end)) if f == *end + 1 => *end = f,
            _ => runs.push((f, f)),
        }
    }
    if runs.len() <= max {
        return frame_list_in(frames, lang);
    }
    let shown: Vec<u64> = runs[..max].iter().flat_map(|&(a, b)| a..=b).collect();
    let more = frames.len() - shown.len();
    match lang {
        Lang::En => format!("{}, … and {more} more", frame_list(&shown)),
        Lang::Zh => format!("{}，… 另 {more} 帧", frame_list_in(&shown, lang)),
    }
}

/// `s` cut to `w` columns, ending in "…" when cut.
fn cut(s: &str, w: usize) -> String {
    if textwrap::core::display_width(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = textwrap::core::display_width(c.encode_utf8(&mut [0; 4]));
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

fn wrap_into(w: Option<usize>, out: &mut String, text: &str, first: &str, rest: &str) {
    let text = escape(text);
    let Some(width) = w else {
        out.push_str(first);
        out.push_str(&text);
        out.push('\n');
        return;
    };
    let opts = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest);
    for l in textwrap::wrap(&text, opts) {
        out.push_str(&l);
        out.push('\n');
    }
}

/// A duration as people read one: "0.8 ms", "2.315 s", "20 min 0.005 s",
/// "1 h 2 min 3.000 s".
pub fn duration(secs: f64, lang: Lang) -> String {
    let secs = secs.max(0.0);
    let (ms, s, min, h) = match lang {
        Lang::En => ("ms", "s", "min", "h"),
        Lang::Zh => ("毫秒", "秒", "分", "小时"),
    };
    if secs < 1.0 {
        return format!("{:.1} {ms}", secs * 1000.0);
    }
    if secs < 60.0 {
        return format!("{secs:.3} {s}");
    }
    // Whole minutes and hours, the rest in seconds to the millisecond.
    let total_ms = (secs * 1000.0).round() as u64;
    let (hours, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (mins, rest) = (rest / 60_000, rest % 60_000);
    let rest = rest as f64 / 1000.0;
    if hours > 0 {
        format!("{hours} {h} {mins} {min} {rest:.3} {s}")
    } else {
        format!("{mins} {min} {rest:.3} {s}")
    }
}

pub(crate) fn heading(p: &PageLoad, n: usize, lang: Lang) -> String {
    let n = if p.index > 0 { p.index } else { n };
    let took = duration(p.duration_ms / 1000.0, lang);
    let (en, zh) = match p.kind {
        StoryKind::PageLoad => ("Page load", "页面加载"),
        StoryKind::WebSocket => ("WebSocket session", "WebSocket 会话"),
        StoryKind::Dns => ("DNS lookups without a page load", "没有页面加载的 DNS 查询"),
        StoryKind::TcpTransfer => ("TCP connection", "TCP 连接"),
        StoryKind::Icmp => ("ICMP", "ICMP"),
        StoryKind::Arp => ("ARP / NDP", "ARP / NDP"),
        StoryKind::Dhcp => ("DHCP", "DHCP"),
        StoryKind::Udp => ("UDP", "UDP"),
    };
    if matches!(
        p.kind,
        StoryKind::PageLoad | StoryKind::WebSocket | StoryKind::TcpTransfer
    ) {
        // Through a proxy the client's peer is the proxy (the url step's
        // fact), not the site's server.
        let proxy = p
            .steps
            .iter()
            .any(|s| s.id == "url" && s.facts.contains_key("proxy"));
        let (peer_en, peer_zh) = if proxy {
            ("proxy", "代理")
        } else {
            ("server", "服务器")
        };
        return match lang {
            Lang::En => format!(
                "{en} {n}: {}  —  client {} → {peer_en} {}  ({took})",
                p.host, p.client, p.server
            ),
            Lang::Zh => format!(
                "{zh} {n}：{}  ——  客户端 {} → {peer_zh} {}（{took}）",
                p.host, p.client, p.server
            ),
        };
    }
    match lang {
        Lang::En => format!("{en}  —  {} ({took})", p.client),
        Lang::Zh => format!("{zh}  ——  {}（{took}）", p.client),
    }
}

/// The table of every page load found.
fn table_rows(story: &Story) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let lang = story.lang;
    let head = match lang {
        Lang::En => vec![
            "#", "start", "duration", "host", "protocol", "conns", "bytes", "TTFB", "steps", "told",
        ],
        Lang::Zh => vec![
            "#",
            "开始",
            "时长",
            "主机",
            "协议",
            "连接",
            "字节",
            "首字节",
            "步骤",
            "详述",
        ],
    };
    let t0 = story.loads.first().map_or(0.0, |l| l.start);
    let rows = story
        .loads
        .iter()
        .map(|l| {
            let count = |st: Status| l.steps.iter().filter(|s| s.status == st).count();
            let mut steps = match lang {
                Lang::En => format!(
                    "{} observed, {} inferred, {} not visible",
                    count(Status::Observed),
                    count(Status::Inferred),
                    count(Status::NotVisible)
                ),
                Lang::Zh => format!(
                    "{} 已观察，{} 推断，{} 不可见",
                    count(Status::Observed),
                    count(Status::Inferred),
                    count(Status::NotVisible)
                ),
            };
            let na = count(Status::NotApplicable);
            if na > 0 {
                let _ = match lang {
                    Lang::En => write!(steps, ", {na} not applicable"),
                    Lang::Zh => write!(steps, "，{na} 不适用"),
                };
            }
            vec![
                l.index.to_string(),
                format!("+{}", duration(l.start - t0, lang)),
                duration(l.duration_s, lang),
                l.host.clone(),
                l.protocol.to_string(),
                l.connections.to_string(),
                l.bytes.to_string(),
                l.ttfb_ms
                    .map_or_else(|| "–".to_string(), |t| duration(t / 1000.0, lang)),
                steps,
                if l.told {
                    lang.t("yes", "是")
                } else {
                    lang.t("no", "否")
                }
                .to_string(),
            ]
        })
        .collect();
    (head, rows)
}

/// The table of every page load found. When it is wider than `w`, the
/// steps column goes on a line of its own under each row.
fn loads_table(story: &Story, w: Option<usize>, out: &mut String) {
    if story.loads.is_empty() {
        return;
    }
    let lang = story.lang;
    let _ = writeln!(
        out,
        "{}",
        match lang {
            Lang::En => format!("Page loads found: {}", story.loads.len()),
            Lang::Zh => format!("找到的页面加载：{} 个", story.loads.len()),
        }
        .bold()
    );
    let (mut head, mut rows) = table_rows(story);
    let width = |s: &str| textwrap::core::display_width(s);
    let full: usize = head
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| width(&escape(&r[i])))
                .fold(width(h), usize::max)
                + 2
        })
        .sum();
    const STEPS: usize = 8;
    let steps_below: Option<Vec<String>> = w.filter(|w| full + 2 > *w).map(|_| {
        head.remove(STEPS);
        rows.iter_mut().map(|r| r.remove(STEPS)).collect()
    });
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(&escape(c)));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut l = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            l.push_str(c);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(widths[i].saturating_sub(width(c)) + 2));
            }
        }
        l
    };
    let _ = writeln!(
        out,
        "{}",
        line(head.iter().map(|h| h.to_string()).collect()).dimmed()
    );
    for (n, r) in rows.into_iter().enumerate() {
        let _ = writeln!(
            out,
            "{}",
            line(r.iter().map(|c| escape(c).into_owned()).collect())
        );
        if let Some(steps) = &steps_below {
            wrap_into(w, out, &escape(&steps[n]), "      ", "      ");
        }
    }
    out.push('\n');
}

fn timing(s: &Step, lang: Lang) -> String {
    let mut t = String::new();
    if !s.frames.is_empty() {
        let _ = write!(
            t,
            "{} {}",
            lang.t("frames", "帧"),
            frame_list_short(&s.frames, 6, lang)
        );
    }
    // Under a minute (a second) to the millisecond (microsecond); longer
    // in minutes and hours.
    match s.start {
        Some(start) if start.abs() < 60.0 => {
            let _ = write!(t, "  {start:+.3} {}", lang.t("s", "秒"));
        }
        Some(start) => {
            let sign = if start < 0.0 { '-' } else { '+' };
            let _ = write!(t, "  {sign}{}", duration(start.abs(), lang));
        }
        None => {}
    }
    match s.duration_ms.filter(|d| *d > 0.0) {
        Some(d) if d < 1000.0 => {
            let _ = write!(t, "  {d:.3} {}", lang.t("ms", "毫秒"));
        }
        Some(d) => {
            let _ = write!(t, "  {}", duration(d / 1000.0, lang));
        }
        None => {}
    }
    t
}

/// One page load's steps, numbered `n`.
pub fn page_load(p: &PageLoad, n: usize, lang: Lang, brief: bool, out: &mut String) {
    page_load_width(p, n, lang, brief, Some(WIDTH), out)
}

/// One page load's steps, wrapped at `w` columns (none: not wrapped).
pub fn page_load_width(
    p: &PageLoad,
    n: usize,
    lang: Lang,
    brief: bool,
    w: Option<usize>,
    out: &mut String,
) {
    let mut head = String::new();
    wrap_into(w, &mut head, &heading(p, n, lang), "", "    ");
    out.push_str(&head.bold().to_string());
    if p.connections_not_told > 0 {
        let note = match lang {
            Lang::En => format!(
                "(the steps tell its first {} connections; {} more are left out)",
                crate::explain::MAX_CONNS_TOLD,
                p.connections_not_told
            ),
            Lang::Zh => format!(
                "（步骤只讲述前 {} 个连接，其余 {} 个从略）",
                crate::explain::MAX_CONNS_TOLD,
                p.connections_not_told
            ),
        };
        wrap_into(w, out, &note, "    ", "    ");
    }
    for (i, s) in p.steps.iter().enumerate() {
        let title = format!("{:>2}. {}", i + 1, s.title);
        if brief {
            // One line per step: title, status and the step's first fact,
            // cut to the width.
            let first = s.lines.first().or(s.reason.as_ref());
            let mut line = format!("{title}  [{}]", status_word(s.status, lang));
            if let Some(l) = first {
                line.push_str(" — ");
                line.push_str(&escape(l));
            }
            if let Some(w) = w {
                line = cut(&line, w);
            }
            let _ = writeln!(out, "{line}");
            continue;
        }
        let when = timing(s, lang);
        let plain = format!("{title}  [{}]  {when}", status_word(s.status, lang));
        if w.is_none_or(|w| textwrap::core::display_width(&plain) <= w) {
            let _ = writeln!(
                out,
                "{}  {}  {}",
                title.bold(),
                status_colored(s.status, lang),
                when.dimmed()
            );
        } else {
            let _ = writeln!(out, "{}  {}", title.bold(), status_colored(s.status, lang));
            let mut tmp = String::new();
            wrap_into(w, &mut tmp, &when, "    ", "      ");
            out.push_str(&tmp.dimmed().to_string());
        }
        if brief {
            continue;
        }
        for l in &s.lines {
            wrap_into(w, out, l, "    • ", "      ");
        }
        if let Some(r) = &s.reason {
            let label = lang.t("why: ", "原因：");
            wrap_into(w, out, &format!("{label}{r}"), "    ", "      ");
        }
        if !s.notes.is_empty() {
            let label = lang.t("notes: ", "笔记：");
            let cites = super::citations(&s.notes, str::to_string, lang.t("; ", "；"));
            let text = format!("{label}{cites}");
            let mut tmp = String::new();
            wrap_into(w, &mut tmp, &text, "    ", "      ");
            out.push_str(&tmp.cyan().to_string());
        }
        for c in &s.notes_check {
            let head = format!("    {} §{}", lang.t("notes check", "笔记核对"), c.section);
            let _ = writeln!(out, "{}", head.magenta().bold());
            wrap_into(w, out, &c.stated(lang), "      ", "        ");
            wrap_into(
                w,
                out,
                &match lang {
                    Lang::En => format!(
                        "the capture shows: {} (frames {})",
                        c.observed,
                        frame_list(&c.frames)
                    ),
                    Lang::Zh => format!(
                        "抓包显示：{}（帧 {}）",
                        c.observed,
                        frame_list_in(&c.frames, lang)
                    ),
                },
                "      ",
                "        ",
            );
        }
    }
    out.push('\n');
}

/// The whole story for a terminal. `brief` prints one line per step.
pub fn text(story: &Story, brief: bool, out: &mut String) {
    text_width(story, brief, Some(WIDTH), out)
}

/// The whole story, wrapped at `w` columns (none: one line per paragraph).
pub fn text_width(story: &Story, brief: bool, w: Option<usize>, out: &mut String) {
    let lang = story.lang;
    if story.loads.is_empty() {
        let none = lang.t(
            "No page load found: no DNS answer followed by a connection, and no connection to TCP 80/443 or UDP 443.",
            "没有找到页面加载：没有“先解析域名再连接”的过程，也没有到 TCP 80/443 或 UDP 443 的连接。",
        );
        wrap_into(w, out, none, "", "");
        if !story.other_stories.is_empty() {
            let shown = lang.t(
                "What the capture does show is told below.",
                "下面讲述抓包中实际出现的内容。",
            );
            wrap_into(w, out, shown, "", "");
        }
        out.push('\n');
    } else if story.loads.len() > 1 || story.page_loads.len() < story.loads.len() {
        loads_table(story, w, out);
    }
    for (n, p) in story.page_loads.iter().enumerate() {
        page_load_width(p, n + 1, lang, brief, w, out);
    }
    for (n, p) in story.other_stories.iter().enumerate() {
        page_load_width(p, n + 1, lang, brief, w, out);
    }
    closing(story, w, out);
}

/// The closing lines: what was left out, and which notes the story did
/// and did not use.
fn closing_lines(story: &Story) -> Vec<String> {
    let lang = story.lang;
    let mut lines = Vec::new();
    let total: u64 = story.left_out.values().sum();
    if total > 0 {
        let parts: Vec<String> = story
            .left_out
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        lines.push(match lang {
            Lang::En => format!(
                "Left out: {total} of {} frames belong to no page load shown ({}).",
                story.frames,
                parts.join(", ")
            ),
            Lang::Zh => format!(
                "未纳入：{} 帧中有 {total} 帧不属于上面的页面加载（{}）。",
                story.frames,
                parts.join("，")
            ),
        });
    }
    if story.page_loads_not_told > 0 {
        lines.push(match lang {
            Lang::En => format!(
                "{} more page loads were found but not told (the {} most complete are); use --host to choose.",
                story.page_loads_not_told,
                story.page_loads.len()
            ),
            Lang::Zh => format!(
                "另有 {} 个页面加载未展开（只展开最完整的 {} 个）；可用 --host 选择。",
                story.page_loads_not_told,
                story.page_loads.len()
            ),
        });
    }
    if story.frames_not_kept + story.items_not_kept > 0 {
        lines.push(match lang {
            Lang::En => format!(
                "Bounds reached: {} frames were not kept for the ladder, and {} packets of DNS, ARP and connections beyond the first {} such records were left out of the story.",
                story.frames_not_kept, story.items_not_kept, story.max_items
            ),
            Lang::Zh => format!(
                "达到上限：{} 帧未纳入时序图；超出前 {} 条 DNS、ARP 与连接记录之后的 {} 个相关报文未纳入故事。",
                story.frames_not_kept, story.max_items, story.items_not_kept
            ),
        });
    }
    if let Some(f) = story
        .flow
        .as_ref()
        .filter(|f| f.bytes_dropped_at_bounds + f.conversations_evicted + f.dns_pending_dropped > 0)
    {
        lines.push(match lang {
            Lang::En => format!(
                "Tracker bounds reached: {} conversations evicted, {} bytes not reassembled, {} DNS queries not remembered.",
                f.conversations_evicted, f.bytes_dropped_at_bounds, f.dns_pending_dropped
            ),
            Lang::Zh => format!(
                "跟踪上限：{} 个会话被逐出，{} 字节未重组，{} 个 DNS 查询未记录。",
                f.conversations_evicted, f.bytes_dropped_at_bounds, f.dns_pending_dropped
            ),
        });
    }
    lines.push(format!(
        "{}{}",
        lang.t("Notes: ", "笔记："),
        match story.notes_source.as_str() {
            "built-in (zh)" if lang == Lang::Zh => "内置（中文）",
            "built-in (en)" if lang == Lang::Zh => "内置（英文）",
            other => other,
        }
    ));
    if !story.uncited_sections.is_empty() {
        lines.push(format!(
            "{}{}",
            lang.t("Not illustrated by this capture: ", "本次抓包未涉及："),
            super::citations(&story.uncited_sections, str::to_string, lang.t("; ", "；"))
        ));
    }
    if !story.missing_sections.is_empty() {
        let list: Vec<String> = story
            .missing_sections
            .iter()
            .map(|m| format!("{} → §{}", m.step, m.section))
            .collect();
        lines.push(format!(
            "{}{}",
            lang.t(
                "Steps without a section in these notes: ",
                "笔记中缺少对应章节的步骤："
            ),
            list.join(", ")
        ));
    }
    lines
}

fn closing(story: &Story, w: Option<usize>, out: &mut String) {
    for l in closing_lines(story) {
        let mut tmp = String::new();
        wrap_into(w, &mut tmp, &l, "", "  ");
        out.push_str(&tmp.dimmed().to_string());
    }
}

/// Escapes text for Markdown so that packet-derived strings cannot add
/// markup.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The story as Markdown.
pub fn markdown(story: &Story, out: &mut String) {
    let lang = story.lang;
    let _ = writeln!(out, "# {}\n", lang.t("Page-load story", "页面加载过程"));
    if !story.loads.is_empty() {
        let (head, rows) = table_rows(story);
        let _ = writeln!(
            out,
            "{}\n",
            match lang {
                Lang::En => format!("Page loads found: {}", story.loads.len()),
                Lang::Zh => format!("找到的页面加载：{} 个", story.loads.len()),
            }
        );
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
        for r in rows {
            let cells: Vec<String> = r.iter().map(|c| md(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    for (n, p) in story
        .page_loads
        .iter()
        .chain(&story.other_stories)
        .enumerate()
    {
        let _ = writeln!(out, "## {}\n", md(&heading(p, n + 1, lang)));
        for (i, s) in p.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "### {}. {} — *{}*\n",
                i + 1,
                md(&s.title),
                status_word(s.status, lang)
            );
            let t = timing(s, lang);
            if !t.is_empty() {
                let _ = writeln!(out, "{}\n", md(&t));
            }
            for l in &s.lines {
                let _ = writeln!(out, "- {}", md(l));
            }
            if !s.lines.is_empty() {
                out.push('\n');
            }
            if let Some(r) = &s.reason {
                let _ = writeln!(out, "{}{}\n", lang.t("*Why:* ", "*原因：*"), md(r));
            }
            if !s.notes.is_empty() {
                let _ = writeln!(
                    out,
                    "{}{}\n",
                    lang.t("*Notes:* ", "*笔记：*"),
                    super::citations(&s.notes, md, "; ")
                );
            }
            for c in &s.notes_check {
                let _ = writeln!(
                    out,
                    "> **{} §{}** — {}  \n> {}{} ({} {})\n",
                    lang.t("Notes check", "笔记核对"),
                    c.section,
                    md(&c.stated(lang)),
                    lang.t("the capture shows: ", "抓包显示："),
                    md(&c.observed),
                    lang.t("frames", "帧"),
                    frame_list_in(&c.frames, lang)
                );
            }
        }
        super::waterfall::markdown(p, lang, md, out);
    }
    for l in closing_lines(story) {
        let _ = writeln!(out, "{}\n", md(&l));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_durations() {
        assert_eq!(duration(1200.005, Lang::En), "20 min 0.005 s");
        assert_eq!(duration(1200.005, Lang::Zh), "20 分 0.005 秒");
        assert_eq!(duration(0.0052, Lang::En), "5.2 ms");
        assert_eq!(duration(2.3154, Lang::En), "2.315 s");
        assert_eq!(duration(3723.0, Lang::En), "1 h 2 min 3.000 s");
    }

    #[test]
    fn frame_runs_are_collapsed() {
        assert_eq!(frame_list(&[1, 2, 3, 5, 7, 8]), "1–3, 5, 7, 8");
        assert_eq!(frame_list(&[]), "");
        assert_eq!(frame_list_in(&[1, 2, 3, 5, 7, 8], Lang::Zh), "1–3、5、7、8");
    }

    #[test]
    fn markdown_cannot_be_injected() {
        assert_eq!(md("*x* [a](b) <script>"), "\\*x\\* \\[a\\](b) \\<script\\>");
    }
}
