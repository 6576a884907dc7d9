//! Packet bytes never drive the terminal. tests/data/hostile.pcap (recorded
//! by tests/data/record-hostile.sh) carries window-title and clear-screen
//! escape sequences, BEL, CR and U+202E in a DNS name, a TLS SNI and ALPN,
//! and HTTP headers; every output format must show them escaped.

mod common;

use common::*;
use serde_json::Value;

fn hostile() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile.pcap")
        .to_string_lossy()
        .into_owned()
}

/// Characters that must not reach a terminal raw: C0 controls other than
/// newline, DEL, C1 controls and the bidirectional formatting characters.
/// `allow_sgr` permits the colour sequences netexplain itself writes.
fn assert_inert(output: &[u8], what: &str, allow_sgr: bool) {
    let text = String::from_utf8(output.to_vec()).expect("output is UTF-8");
    let mut rest = text.as_str();
    if allow_sgr {
        // Remove ESC [ digits/semicolons m, and nothing else.
        let mut cleaned = String::new();
        while let Some(i) = rest.find('\u{1b}') {
            cleaned.push_str(&rest[..i]);
            let tail = &rest[i + 1..];
            let end = tail
                .strip_prefix('[')
                .and_then(|t| {
                    t.find(|c: char| !(c.is_ascii_digit() || c == ';'))
                        .map(|j| (t, j))
                })
                .filter(|(t, j)| t[*j..].starts_with('m'));
            match end {
                Some((_, j)) => rest = &tail[1 + j + 1..],
                None => panic!(
                    "{what}: an escape sequence that is not a colour: {:?}",
                    &rest[i..(i + 12).min(rest.len())]
                ),
            }
        }
        cleaned.push_str(rest);
        return assert_inert(cleaned.as_bytes(), what, false);
    }
    for c in rest.chars() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}');
        assert!(!bad, "{what}: raw {:?} in the output", c);
    }
}

#[test]
fn every_output_format_escapes_packet_strings() {
    let f = hostile();
    let runs: [(&[&str], bool); 9] = [
        (&["packets", &f, "--color", "always"], true),
        (&["packets", &f, "-v", "--color", "always"], true),
        (&["packets", &f, "--format", "json", "--no-summary"], false),
        (&["explain", &f, "--color", "always"], true),
        (&["explain", &f, "--brief", "--color", "always"], true),
        (&["explain", &f, "--format", "md"], false),
        (&["explain", &f, "--format", "json"], false),
        (&["explain", &f, "--format", "html"], false),
        (&["explain", &f, "--lang", "zh", "--color", "always"], true),
    ];
    for (args, sgr) in runs {
        let out = netexplain(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_inert(&out.stdout, &format!("{args:?} stdout"), sgr);
        assert_inert(&out.stderr, &format!("{args:?} stderr"), sgr);
    }
}

#[test]
fn the_hostile_strings_are_decoded_faithfully_and_shown_escaped() {
    let f = hostile();
    let packets = packets_json(std::path::Path::new(&f));
    // JSON keeps the exact text (escaped per RFC 8259).
    let ch = &frame(&packets, 5)["tls"]["handshakes"][0];
    assert_eq!(
        ch["sni"],
        "www.\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}.example.com"
    );
    assert_eq!(ch["alpn"][1], "\u{1b}[31mevil\r");
    let q = &frame(&packets, 1)["dns"]["questions"][0]["name"];
    let name = q.as_str().unwrap();
    assert!(name.starts_with("\\027]0"), "{name}");
    assert!(name.contains("a\\013b"), "CR in presentation form: {name}");
    // The HTTP head with a control character is refused, and says so.
    let errors = frame(&packets, 14)["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains("HTTP")),
        "{errors:?}"
    );

    // The text view shows the escapes as visible text.
    let out = netexplain(&["packets", &f, "--color", "never"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("SNI=www.\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}.example.com"),
        "{text}"
    );
    assert!(text.contains("ALPN=h2,\\x1b[31mevil\\r"));

    // HTML: no markup from the capture, the escape visible as text.
    let out = netexplain(&["explain", &f, "--format", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    // The story's JSON has no raw bidi control but means the same text.
    let out = netexplain(&["explain", &f, "--format", "json"]);
    let raw = String::from_utf8(out.stdout).unwrap();
    assert!(!raw.contains('\u{202e}'));
    assert!(raw.contains("\\u202e"));
    let story: Value = serde_json::from_str(&raw).unwrap();
    assert!(story["page_loads"].is_array());
}
