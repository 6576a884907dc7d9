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

/// Whether UTF-8 text may hold one of those characters: all of them start
/// with the byte 0xC2 (C1 controls), 0xD8 (U+061C) or 0xE2 (the rest).
fn may_reorder(utf8: &[u8]) -> bool {
    memchr::memchr3(0xc2, 0xd8, 0xe2, utf8).is_some()
}

/// Copies `s` with those characters escaped as `\uXXXX`.
fn escape_reordering(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    for c in s.chars() {
        if reorders(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// Serialises `value` as JSON with those characters escaped. Inside JSON
/// text they can only occur within strings, where `\uXXXX` means the same.
pub fn to_string<T: Serialize>(value: &T, pretty: bool) -> serde_json::Result<String> {
    let s = if pretty {
        serde_json::to_string_pretty(value)?
    } else {
        serde_json::to_string(value)?
    };
    if !may_reorder(s.as_bytes()) {
        return Ok(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    escape_reordering(&s, &mut out);
    Ok(out)
}

/// Writes packets as NDJSON, one line each, through a buffer kept between
/// packets so that a line costs no allocation.
#[derive(Default)]
pub struct PacketWriter {
    buf: Vec<u8>,
    escaped: String,
}

impl PacketWriter {
    pub fn write<W: Write>(&mut self, p: &Packet, w: &mut W) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, p)?;
        self.buf.push(b'\n');
        if !may_reorder(&self.buf) {
            return w.write_all(&self.buf);
        }
        // serde_json writes valid UTF-8.
        let text = std::str::from_utf8(&self.buf).map_err(io::Error::other)?;
        self.escaped.clear();
        escape_reordering(text, &mut self.escaped);
        w.write_all(self.escaped.as_bytes())
    }
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
        // Every character of the set is caught by the byte scan.
        for c in ('\u{80}'..='\u{2100}').filter(|c| super::reorders(*c)) {
            let mut b = [0u8; 4];
            assert!(
                super::may_reorder(c.encode_utf8(&mut b).as_bytes()),
                "{c:?}"
            );
        }
        assert!(!super::may_reorder("plain ascii, é, 中文".as_bytes()));
    }
}
