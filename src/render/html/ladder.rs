//! The ladder (sequence) diagram as SVG: one column per host, a bus line
//! for broadcast and multicast, one colour per connection, and runs of
//! data segments drawn as one arrow that opens into its packets. The SVG
//! has a `viewBox` and no fixed width, so it scales to its column.

use super::html;
use crate::explain::waterfall::Diagram;
use crate::explain::{Arrow, LaneRole, PageLoad};
use crate::notes::Lang;
use std::fmt::Write as _;

/// Distance between two host columns, the gutter for frame numbers and
/// times, the height of a row, and the width of a character of the
/// diagram's monospace font, in SVG units.
const COL: usize = 210;
const LEFT: usize = 92;
const ROW: usize = 22;
const CHAR: f64 = 7.0;
/// Room above the first row of the scrolling body for its label.
const TOP: usize = 8;
/// A run of at least this many data segments of one connection in a row
/// is drawn as one arrow.
const RUN_MIN: usize = 4;
/// Rows per page when the ladder is printed.
pub const PRINT_ROWS: usize = 46;

/// Colours of connections, told apart also by their ports.
pub const PALETTE: [&str; 8] = [
    "#0969da", "#cf222e", "#1a7f37", "#8250df", "#9a6700", "#1b7c83", "#bc4c00", "#57606a",
];

pub fn colour(conn: usize) -> &'static str {
    PALETTE[conn % PALETTE.len()]
}

/// One row of the diagram: a packet, or the head of a run of packets.
pub enum Row {
    Arrow(usize),
    Run { id: usize, members: Vec<usize> },
}

/// The arrows in order, runs of data segments of one connection gathered.
pub fn rows(p: &PageLoad) -> Vec<Row> {
    let d = &p.diagram;
    let arrows = &p.ladder.arrows;
    let bulk_conn = |i: usize| {
        d.arrows
            .get(i)
            .filter(|w| w.bulk && !w.bus)
            .and_then(|w| w.conn)
    };
    let mut rows = Vec::new();
    let mut i = 0;
    while i < arrows.len() {
        let Some(c) = bulk_conn(i) else {
            rows.push(Row::Arrow(i));
            i += 1;
            continue;
        };
        let mut j = i;
        while j < arrows.len() && bulk_conn(j) == Some(c) {
            j += 1;
        }
        if j - i >= RUN_MIN {
            let id = rows.len();
            rows.push(Row::Run {
                id,
                members: (i..j).collect(),
            });
        } else {
            rows.extend((i..j).map(Row::Arrow));
        }
        i = j;
    }
    rows
}

/// Columns: the host each lane belongs to, `None` for a group address.
fn columns(d: &Diagram, lanes: usize) -> Vec<Option<usize>> {
    let mut col = vec![None; lanes];
    for (h, host) in d.hosts.iter().enumerate() {
        for l in &host.lanes {
            if let Some(c) = col.get_mut(*l) {
                *c = Some(h);
            }
        }
    }
    col
}

fn x(col: usize) -> usize {
    LEFT + COL / 2 + col * COL
}

/// Protocol identifiers as the RFCs write the messages: `client_hello` →
/// ClientHello, `change_cipher_spec` → ChangeCipherSpec.
pub fn readable(label: &str) -> String {
    if !(label.starts_with("TLS ") || label.starts_with("QUIC ")) {
        return label.to_string();
    }
    let mut out = String::with_capacity(label.len());
    let mut named = false;
    for (i, word) in label.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // What follows a server name came from the packet: left as it is.
        named |= word.contains('=');
        if named {
            out.push_str(word);
            continue;
        }
        let (core, tail) = match word.strip_suffix(',') {
            Some(c) => (c, ","),
            None => (word, ""),
        };
        if core.contains('_') && core.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            for part in core.split('_') {
                let mut cs = part.chars();
                if let Some(f) = cs.next() {
                    out.push(f.to_ascii_uppercase());
                    out.push_str(cs.as_str());
                }
            }
        } else if core.bytes().all(|b| b.is_ascii_lowercase()) && core.len() > 3 {
            // "finished", "certificate"
            let mut cs = core.chars();
            if let Some(f) = cs.next() {
                out.push(f.to_ascii_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(core);
        }
        out.push_str(tail);
    }
    out
}

/// Cuts a label to `room` SVG units, marking the cut.
fn fit(text: &str, room: f64) -> String {
    let max = ((room / CHAR) as usize).max(4);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// What an arrow says: the connection's ports in the arrow's direction,
/// then the packet.
fn arrow_text(p: &PageLoad, i: usize, a: &Arrow) -> String {
    let d = &p.diagram;
    let w = d.arrows.get(i);
    let label = readable(&a.label);
    if let Some(c) = w.and_then(|w| w.conn).and_then(|c| d.connections.get(c)) {
        let toward_server = p.ladder.lanes.get(a.to).is_some_and(|l| l.addr == c.server);
        let (s, t) = if toward_server {
            (c.client_port, c.server_port)
        } else {
            (c.server_port, c.client_port)
        };
        return format!("{s}→{t} {label}");
    }
    if let Some(g) = w.and_then(|w| w.group.as_deref()) {
        return format!("{label} → {g}");
    }
    label
}

struct Layout {
    cols: Vec<Option<usize>>,
    ncols: usize,
    head: usize,
}

impl Layout {
    fn width(&self) -> usize {
        LEFT + COL * self.ncols.max(1) + 8
    }
}

fn header_lines(d: &Diagram, h: usize) -> Vec<(String, &'static str)> {
    let host = &d.hosts[h];
    let mut lines: Vec<(String, &'static str)> = host
        .label
        .split(", ")
        .map(|s| (s.to_string(), "name"))
        .collect();
    if host.role == LaneRole::Other {
        lines.clear();
    }
    lines.extend(host.addrs.iter().map(|a| (a.clone(), "addr")));
    lines
}

fn layout(p: &PageLoad) -> Layout {
    let d = &p.diagram;
    let cols = columns(d, p.ladder.lanes.len());
    let lines = (0..d.hosts.len())
        .map(|h| header_lines(d, h).len())
        .max()
        .unwrap_or(1);
    Layout {
        cols,
        ncols: d.hosts.len(),
        head: 10 + 15 * lines + 6,
    }
}

/// The host names and addresses above the lifelines.
fn lane_labels(p: &PageLoad, l: &Layout, lang: Lang, out: &mut String) {
    let d = &p.diagram;
    let _ = write!(
        out,
        r#"<text class="axis" x="4" y="{}">{}</text>"#,
        l.head - 6,
        lang.t("frame · ms", "帧 · 毫秒")
    );
    for (h, host) in d.hosts.iter().enumerate() {
        let cx = x(h);
        let _ = write!(
            out,
            r#"<g class="lane" data-role="{}" data-addrs="{}"><text class="lane-label" x="{cx}" y="0" text-anchor="middle">"#,
            host.role,
            html(&host.addrs.join(" ")),
        );
        for (k, (text, kind)) in header_lines(d, h).iter().enumerate() {
            let _ = write!(
                out,
                r#"<tspan class="{kind}" x="{cx}" y="{}">{}</tspan>"#,
                14 + 15 * k,
                html(&fit(text, (COL - 12) as f64))
            );
        }
        let _ = write!(
            out,
            "<title>{}</title></text></g>",
            html(&host.addrs.join(", "))
        );
    }
}

/// Each host's lifeline from `y1` to `y2`.
fn lifelines(l: &Layout, y1: usize, y2: usize, out: &mut String) {
    for h in 0..l.ncols {
        let cx = x(h);
        let _ = write!(
            out,
            r#"<line class="lifeline" x1="{cx}" y1="{y1}" x2="{cx}" y2="{y2}"/>"#
        );
    }
}

/// One packet's row at local y 0.
fn arrow_row(p: &PageLoad, l: &Layout, i: usize, class: &str, out: &mut String) {
    let a = &p.ladder.arrows[i];
    let w = p.diagram.arrows.get(i);
    let bus = w.is_some_and(|w| w.bus);
    let conn = w.and_then(|w| w.conn);
    let stroke = conn.map_or("#1d2330", colour);
    let y = ROW / 2;
    let text = arrow_text(p, i, a);
    let from = l.cols.get(a.from).copied().flatten();
    let to = l.cols.get(a.to).copied().flatten();
    let conn_attr = conn
        .map(|c| format!(" data-conn=\"{c}\""))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<g class="{class}{}" data-frame="{}" data-steps="{}"{conn_attr} style="color:{stroke}">"#,
        if bus { " bus" } else { "" },
        a.frame,
        a.steps.join(" "),
    );
    let _ = write!(
        out,
        r#"<title>{} {} · {:.3} s</title><text class="frame" x="4" y="{}">#{}</text><text class="time" x="{}" y="{}" text-anchor="end">{:.0}</text>"#,
        html(&format!("{}", a.frame)),
        html(&readable(&a.label)),
        a.t,
        y + 4,
        a.frame,
        LEFT - 6,
        y + 4,
        a.t * 1000.0
    );
    match (from, to, bus) {
        (Some(f), _, true) | (Some(f), None, _) => {
            // A bus: the frame reaches every host on the link.
            let (x0, x1) = (x(0), x(l.ncols.saturating_sub(1)));
            let _ = write!(
                out,
                r#"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke-dasharray="6 3"/><circle cx="{}" cy="{y}" r="4"/>"#,
                x(f)
            );
            for c in (0..l.ncols).filter(|c| *c != f) {
                let _ = write!(
                    out,
                    r#"<polygon points="{},{} {},{} {},{}"/>"#,
                    x(c),
                    y + 5,
                    x(c) - 4,
                    y - 2,
                    x(c) + 4,
                    y - 2
                );
            }
            let room = (COL * l.ncols.max(1)) as f64 - 20.0;
            let _ = write!(
                out,
                r#"<text class="label" x="{}" y="{}" text-anchor="start">{}</text>"#,
                x(f) + 8,
                y - 4,
                html(&fit(&text, room))
            );
        }
        (Some(f), Some(t), false) => {
            let (x1, x2) = (x(f), x(t));
            let dir: i64 = if x2 >= x1 { 1 } else { -1 };
            let head = x2 as i64 - 7 * dir;
            let mid = (x1 + x2) / 2;
            let room = (x1.abs_diff(x2) as f64 - 10.0).max(COL as f64 - 20.0);
            let _ = write!(
                out,
                r#"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/><polygon points="{x2},{y} {head},{} {head},{}"/><text class="label" x="{mid}" y="{}" text-anchor="middle">{}</text>"#,
                y - 4,
                y + 4,
                y - 4,
                html(&fit(&text, room))
            );
        }
        _ => {}
    }
    out.push_str("</g>");
}

/// The head of a run: one thick arrow with the count.
fn run_row(p: &PageLoad, l: &Layout, id: usize, members: &[usize], lang: Lang, out: &mut String) {
    let arrows = &p.ladder.arrows;
    let first = &arrows[members[0]];
    let conn = p.diagram.arrows[members[0]].conn.unwrap_or(0);
    let c = &p.diagram.connections[conn];
    let server_lane = |a: &Arrow| p.ladder.lanes.get(a.to).is_some_and(|l| l.addr == c.server);
    let up = members.iter().filter(|&&i| server_lane(&arrows[i])).count();
    let down = members.len() - up;
    let (cl, sv) = (
        l.cols.get(first.from).copied().flatten(),
        l.cols.get(first.to).copied().flatten(),
    );
    let (Some(a), Some(b)) = (cl, sv) else { return };
    // The client's and the server's columns, whichever way the first
    // packet went.
    let (xc, xs) = if server_lane(first) {
        (x(a), x(b))
    } else {
        (x(b), x(a))
    };
    let mut steps: Vec<&str> = members
        .iter()
        .flat_map(|&i| arrows[i].steps.iter().copied())
        .collect();
    steps.sort_unstable();
    steps.dedup();
    let last = &arrows[*members.last().unwrap_or(&members[0])];
    let y = ROW / 2;
    let text = format!(
        "{}⇄{}: {} {} ({} →, {} ←)",
        c.client_port,
        c.server_port,
        members.len(),
        lang.t("segments of data and ACKs", "个数据/确认段"),
        up,
        down,
    );
    let _ = write!(
        out,
        r#"<g class="run" data-run="{id}" data-count="{}" data-conn="{conn}" data-steps="{}" data-frames="{}–{}" tabindex="0" role="button" aria-expanded="false" style="color:{}">"#,
        members.len(),
        steps.join(" "),
        first.frame,
        last.frame,
        colour(conn)
    );
    let dir: i64 = if xs >= xc { 1 } else { -1 };
    let _ = write!(
        out,
        r#"<title>{} {}–{}</title><text class="frame" x="4" y="{}">#{}</text><text class="time" x="{}" y="{}" text-anchor="end">{:.0}</text><line class="thick" x1="{xc}" y1="{y}" x2="{xs}" y2="{y}"/>"#,
        lang.t("frames", "帧"),
        first.frame,
        last.frame,
        y + 4,
        first.frame,
        LEFT - 6,
        y + 4,
        first.t * 1000.0
    );
    if up > 0 {
        let h = xs as i64 - 8 * dir;
        let _ = write!(
            out,
            r#"<polygon points="{xs},{y} {h},{} {h},{}"/>"#,
            y - 5,
            y + 5
        );
    }
    if down > 0 {
        let h = xc as i64 + 8 * dir;
        let _ = write!(
            out,
            r#"<polygon points="{xc},{y} {h},{} {h},{}"/>"#,
            y - 5,
            y + 5
        );
    }
    let room = xc.abs_diff(xs) as f64 - 10.0;
    let _ = write!(
        out,
        r#"<text class="label" x="{}" y="{}" text-anchor="middle"><tspan class="toggle">▸ </tspan>{}</text></g>"#,
        (xc + xs) / 2,
        y - 5,
        html(&fit(&text, room))
    );
}

/// The diagram on screen: the lane headers, which stay in view, above a
/// scrolling body with every packet in it, those of a run hidden until
/// the run is opened. Rows are placed by `transform`, which the page's
/// script redoes when a run opens or closes.
pub fn screen(p: &PageLoad, lang: Lang, out: &mut String) {
    let l = layout(p);
    let rows = rows(p);
    let height = TOP + ROW * rows.len() + 8;
    let width = l.width();
    let min = width * 6 / 10;
    let _ = write!(
        out,
        r#"<div class="ladder-head"><svg class="diagram-head" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {}" style="min-width:{min}px" aria-hidden="true">"#,
        l.head
    );
    lane_labels(p, &l, lang, out);
    lifelines(&l, l.head - 2, l.head, out);
    let _ = write!(
        out,
        r#"</svg></div><div class="ladder-body"><svg class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" data-top="{TOP}" data-row="{ROW}" style="min-width:{min}px" role="img" aria-label="{}">"#,
        lang.t("Ladder diagram", "时序图")
    );
    lifelines(&l, 0, height, out);
    for (n, r) in rows.iter().enumerate() {
        let ty = TOP + ROW * n;
        match r {
            Row::Arrow(i) => {
                let _ = write!(out, r#"<g class="row" transform="translate(0,{ty})">"#);
                arrow_row(p, &l, *i, "arrow", out);
                out.push_str("</g>\n");
            }
            Row::Run { id, members } => {
                let _ = write!(out, r#"<g class="row" transform="translate(0,{ty})">"#);
                run_row(p, &l, *id, members, lang, out);
                out.push_str("</g>\n");
                for &i in members {
                    let _ = write!(
                        out,
                        r#"<g class="row member" data-run="{id}" transform="translate(0,{ty})" style="display:none">"#
                    );
                    arrow_row(p, &l, i, "arrow", out);
                    out.push_str("</g>\n");
                }
            }
        }
    }
    out.push_str("</svg></div>\n");
}

/// The diagram for paper: the same rows with runs closed, cut into
/// pieces of a page each, every piece with its own lane headers.
pub fn print(p: &PageLoad, lang: Lang, out: &mut String) {
    let l = layout(p);
    let rows = rows(p);
    let width = l.width();
    for chunk in rows.chunks(PRINT_ROWS) {
        let height = l.head + ROW * chunk.len() + 8;
        let _ = write!(
            out,
            r#"<svg class="diagram-page" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img">"#
        );
        lane_labels(p, &l, lang, out);
        lifelines(&l, l.head - 2, height, out);
        for (n, r) in chunk.iter().enumerate() {
            let _ = write!(out, r#"<g transform="translate(0,{})">"#, l.head + ROW * n);
            match r {
                Row::Arrow(i) => arrow_row(p, &l, *i, "p-arrow", out),
                Row::Run { id, members } => run_row(p, &l, *id, members, lang, out),
            }
            out.push_str("</g>");
        }
        out.push_str("</svg>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_read_as_the_rfcs_write_them() {
        assert_eq!(
            readable("TLS change_cipher_spec, application_data"),
            "TLS ChangeCipherSpec, ApplicationData"
        );
        assert_eq!(
            readable("TLS client_hello SNI=www.google.com"),
            "TLS ClientHello SNI=www.google.com"
        );
        assert_eq!(readable("TLS finished"), "TLS Finished");
        assert_eq!(
            readable("QUIC Initial, client_hello"),
            "QUIC Initial, ClientHello"
        );
        assert_eq!(
            readable("TLS client_hello SNI=a b_c"),
            "TLS ClientHello SNI=a b_c"
        );
        // Not TLS: left alone, even a name with an underscore.
        assert_eq!(
            readable("DNS query A my_host.example"),
            "DNS query A my_host.example"
        );
    }

    #[test]
    fn long_labels_are_cut_to_their_room() {
        assert_eq!(fit("abc", 70.0), "abc");
        assert_eq!(fit("abcdefghijkl", 70.0), "abcdefghi…");
    }
}
