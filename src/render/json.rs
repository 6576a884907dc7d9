//! JSON output: NDJSON per frame for `packets`, one object for `explain`
//! (schemas in the README). serde_json escapes strings per RFC 8259,
//! control characters included; the characters that reorder text on a
//! terminal (bidirectional overrides and isolates, line and paragraph
//! separators, C1 controls) are escaped as `\uXXXX` as well, so that
//! `jq` output piped to a terminal stays in order.

use crate::decode::Packet;
use serde::Serialize;
use std::io::{self, Write};

fn reorders(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{061c}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

/// Serialises `value` as JSON with those characters escaped. Inside JSON
/// text they can only occur within strings, where `\uXXXX` means the same.
pub fn to_string<T: Serialize>(value: &T, pretty: bool) -> serde_json::Result<String> {
    let s = if pretty {
        serde_json::to_string_pretty(value)?
    } else {
        serde_json::to_string(value)?
    };
    if !s.chars().any(reorders) {
        return Ok(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if reorders(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

pub fn packet<W: Write>(p: &Packet, w: &mut W) -> io::Result<()> {
    let s = to_string(p, false)?;
    w.write_all(s.as_bytes())?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bidi_controls_are_escaped_and_the_json_means_the_same() {
        let v = serde_json::json!({"sni": "www.\u{202e}moc.example.com\u{1b}"});
        let s = super::to_string(&v, false).unwrap();
        assert_eq!(s, r#"{"sni":"www.\u202emoc.example.com\u001b"}"#);
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
