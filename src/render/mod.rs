//! Output: per-packet lines and NDJSON. Renderers never decode; every
//! string that came from a packet passes through [`escape`] before it
//! reaches a terminal.

pub mod html;
pub mod json;
pub mod story;
pub mod text;
pub mod waterfall;

use std::borrow::Cow;
use std::fmt::Write as _;

/// The notes sections cited, as "§NN title" joined by `sep`, each title
/// put through `esc` for the output's syntax.
pub fn citations(
    notes: &[crate::explain::NoteRef],
    esc: impl Fn(&str) -> String,
    sep: &str,
) -> String {
    let cites: Vec<String> = notes
        .iter()
        .map(|n| format!("§{} {}", n.section, esc(&n.title)))
        .collect();
    cites.join(sep)
}

/// Makes a string from a packet safe and unambiguous on a terminal:
/// control characters (C0, DEL, C1, so every ESC/CSI/OSC sequence),
/// bidirectional overrides and isolates, and the backslash itself are
/// written as escapes.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(c,
            '\u{200e}' | '\u{200f}' | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_what_could_drive_a_terminal() {
        assert_eq!(escape("www.google.com"), "www.google.com");
        assert_eq!(escape("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escape("evil\u{202e}moc.elgoog"), "evil\\u{202e}moc.elgoog");
        assert_eq!(escape("x\r\ny\\"), "x\\r\\ny\\\\");
        assert_eq!(escape("\u{9b}31m"), "\\x9b31m");
    }
}
