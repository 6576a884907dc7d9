//! The conversation table, one row per TCP connection or UDP flow, full
//! width or in at most 100 columns.

use super::*;

/// The conversation table, one row per TCP connection or UDP flow.
pub fn conversations(
    rows: &[&crate::flow::conversations::Conversation],
    t0: f64,
    out: &mut String,
) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "{:<5} {:<4} {:<42} {:<42} {:<23} {:<12} {:>15} {:>21} {:>9} {:>9}  application",
        "#",
        "",
        "client",
        "server",
        "state (client/server)",
        "history",
        "packets →/←",
        "bytes →/←",
        "start",
        "duration",
    );
    for r in rows {
        let state = match (r.client_state, r.server_state) {
            (Some(c), Some(s)) => format!("{}/{}", state_name(c), state_name(s)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<5} {:<4} {:<42} {:<42} {:<23} {:<12} {:>15} {:>21} {:>9.3} {:>9.3}  {}{}",
            r.stream.map(|s| s.to_string()).unwrap_or_default(),
            r.proto,
            r.client,
            r.server,
            state,
            super::escape(&r.history),
            format!("{}/{}", r.client_packets, r.server_packets),
            format!("{}/{}", r.client_bytes, r.server_bytes),
            r.start - t0,
            r.duration,
            super::escape(r.app.as_deref().unwrap_or("")),
            if r.partial {
                " (began before the capture)"
            } else {
                ""
            }
        );
    }
}

/// The table's name for a state: the RFC's, but SYN_RCVD for SYN_RECEIVED
/// so that a pair of states fits the column.
fn state_name(s: crate::flow::conversations::TcpState) -> &'static str {
    use crate::flow::conversations::TcpState;
    match s {
        TcpState::SynReceived => "SYN_RCVD",
        other => other.name().unwrap_or("?"),
    }
}

/// The conversation table in at most 100 columns: client and server
/// columns as wide as the longest address, the TCP states and history left
/// to `--wide`, the application cut to what is left.
pub fn conversations_narrow(
    rows: &[&crate::flow::conversations::Conversation],
    t0: f64,
    out: &mut String,
) {
    const MAX: usize = 100;
    let counts: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r.client_packets, r.server_packets),
                format!("{}/{}", r.client_bytes, r.server_bytes),
            )
        })
        .collect();
    let w = |it: &mut dyn Iterator<Item = usize>, min: usize| it.max().unwrap_or(0).max(min);
    let wn = w(
        &mut rows
            .iter()
            .map(|r| r.stream.map_or(0, |s| s.to_string().len())),
        1,
    );
    let wc = w(&mut rows.iter().map(|r| r.client.len()), 6);
    let ws = w(&mut rows.iter().map(|r| r.server.len()), 6);
    let wp = w(&mut counts.iter().map(|c| c.0.len()), 7);
    let wb = w(&mut counts.iter().map(|c| c.1.len()), 7);
    let fixed = wn + 1 + 4 + 1 + wc + 1 + ws + 1 + wp + 1 + wb + 1 + 8 + 1 + 8 + 2;
    let app_room = MAX.saturating_sub(fixed).max(8);
    let head = format!(
        "{:<wn$} {:<4} {:<wc$} {:<ws$} {:>wp$} {:>wb$} {:>8} {:>8}  {}",
        "#",
        "",
        "client",
        "server",
        "packets",
        "bytes",
        "start",
        "duration",
        if app_room >= 11 { "application" } else { "app" },
    );
    out.push_str(&head);
    out.push('\n');
    for (r, (packets, bytes)) in rows.iter().zip(&counts) {
        let mut app = super::escape(r.app.as_deref().unwrap_or("")).into_owned();
        if r.partial {
            app.push_str(" (partial)");
        }
        // An application that does not fit goes on a line of its own
        // under the row, cut to the width only if even that is too short.
        let indent = wn + 1 + 5;
        let below = textwrap::core::display_width(&app) > app_room;
        let room = if below { MAX - indent } else { app_room };
        if textwrap::core::display_width(&app) > room {
            let mut cut = String::new();
            for c in app.chars() {
                if textwrap::core::display_width(&cut) + 2 > room {
                    break;
                }
                cut.push(c);
            }
            cut.push('…');
            app = cut;
        }
        let (app, under) = if below {
            (String::new(), Some(app))
        } else {
            (app, None)
        };
        let line = format!(
            "{:<wn$} {:<4} {:<wc$} {:<ws$} {:>wp$} {:>wb$} {:>8.3} {:>8.3}  {}",
            r.stream.map(|s| s.to_string()).unwrap_or_default(),
            r.proto,
            r.client,
            r.server,
            packets,
            bytes,
            r.start - t0,
            r.duration,
            app,
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if let Some(u) = under {
            let _ = writeln!(out, "{}{u}", " ".repeat(indent));
        }
    }
}

/// The line that says what a full table left out, and the option that
/// raises its bound; nothing when every conversation has a row.
pub fn conversations_not_listed(
    not: &crate::flow::conversations::NotListed,
    max_rows: usize,
    out: &mut String,
) {
    use std::fmt::Write as _;
    if not.is_empty() {
        return;
    }
    let mut what = Vec::new();
    if not.tcp_conversations > 0 {
        what.push(format!("{} TCP conversation(s)", not.tcp_conversations));
    }
    if not.udp_datagrams > 0 {
        what.push(format!(
            "{} UDP datagram(s) of flows without a row",
            not.udp_datagrams
        ));
    }
    let _ = writeln!(
        out,
        "not listed: {} beyond the table's {max_rows} rows ({} packets, {} bytes); --max-rows N raises the bound",
        what.join(" and "),
        not.packets,
        not.bytes
    );
}
