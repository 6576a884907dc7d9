//! `follow tcp N` against `tshark -z follow,tcp,raw,N` (the bytes tshark's
//! ascii follow prints, in hex so that nothing is lost) on every TCP
//! stream of every sample: once the terminal escaping is undone, each
//! direction carries the same captured bytes. Where the capture lacks
//! bytes (snap length, a segment never captured) tshark sometimes writes
//! "[N bytes missing in capture file]" among the data and ours always
//! says so on a line of its own; those notes are left out of the
//! comparison, which is of the bytes the capture holds. Then the same
//! against `tshark -z follow,tcp,ascii,N` itself, whose dots for
//! non-printable bytes our bytes must give.

mod common;

use common::*;
use std::process::Command;

/// Undoes the escaping of `follow`'s text: display line breaks are
/// dropped, `\n`, `\r`, `\t`, `\\`, `\xNN` (a byte) and `\u{…}` (a
/// character) are decoded.
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut it = s.chars().filter(|c| *c != '\n').peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            continue;
        }
        match it.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let h: String = [it.next().unwrap(), it.next().unwrap()].iter().collect();
                out.push(u8::from_str_radix(&h, 16).unwrap());
            }
            Some('u') => {
                assert_eq!(it.next(), Some('{'));
                let h: String = it.by_ref().take_while(|c| *c != '}').collect();
                let c = char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap();
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            other => panic!("unknown escape \\{other:?}"),
        }
    }
    out
}

/// Each direction's bytes from our text output.
fn ours(path: &std::path::Path, stream: u64) -> [Vec<u8>; 2] {
    let out = netexplain(&["follow", "tcp", &stream.to_string(), path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut dirs = [Vec::new(), Vec::new()];
    let mut node: Option<usize> = None;
    let mut body = String::new();
    let flush = |node: Option<usize>, body: &mut String, dirs: &mut [Vec<u8>; 2]| {
        if let Some(n) = node {
            dirs[n].extend(unescape(body));
        }
        body.clear();
    };
    for l in text.lines().skip(1) {
        if l.starts_with("── frame ") && l.ends_with(" bytes missing in the capture") {
            flush(node, &mut body, &mut dirs);
            node = None;
        } else if let Some(h) = l.strip_prefix("── frame ") {
            flush(node, &mut body, &mut dirs);
            node = Some(if h.contains("node 0 → node 1") {
                0
            } else {
                1
            });
        } else if l.starts_with("node 0 sent ") {
            flush(node, &mut body, &mut dirs);
            node = None;
        } else {
            body.push_str(l);
            body.push('\n');
        }
    }
    dirs
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// tshark's note of bytes the capture lacks, written among the data
/// (with a NUL after it).
fn is_missing_note(b: &[u8]) -> bool {
    let s = String::from_utf8_lossy(b);
    s.trim_end_matches('\0')
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(" bytes missing in capture file]"))
        .is_some_and(|n| n.parse::<u64>().is_ok())
}

fn theirs(path: &std::path::Path, stream: u64) -> [Vec<u8>; 2] {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-q", "-z", &format!("follow,tcp,raw,{stream}")])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut dirs = [Vec::new(), Vec::new()];
    for l in text.lines() {
        if l.starts_with("===") || l.contains(':') || l.trim().is_empty() {
            continue;
        }
        let n = usize::from(l.starts_with('\t'));
        let bytes = hex(l.trim());
        if is_missing_note(&bytes) {
            continue;
        }
        dirs[n].extend(bytes);
    }
    dirs
}

// Independent of the `live` feature: compared once, in the default build.
#[cfg_attr(feature = "live", ignore)]
#[test]
fn follow_gives_the_bytes_tshark_follows() {
    if !have_tshark() {
        return;
    }
    every_stream_agrees(theirs, |b| b.to_vec());
}

#[test]
fn follow_escapes_and_marks_directions() {
    let path = sample("curl-redirect.pcapng");
    let out = netexplain(&["follow", "tcp", "0", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(
        "Follow tcp stream 0: node 0 198.51.100.10:35976 (opened the connection) ↔ node 1 203.0.113.100:80\n"
    ));
    assert!(text.contains(
        "── frame 10 node 0 → node 1 74 bytes\nGET / HTTP/1.1\\r\\n\nHost: google.com\\r\\n\n"
    ));
    assert!(text
        .contains("── frame 12 node 1 → node 0 367 bytes\nHTTP/1.1 301 Moved Permanently\\r\\n\n"));
    assert!(text.ends_with("node 0 sent 74 bytes, node 1 sent 367 bytes\n"));
    let out = netexplain(&["follow", "tcp", "99", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no TCP stream 99"));
}

/// tshark's ascii rendering of bytes: printable ASCII, CR and LF kept,
/// every other byte a dot.
fn ascii(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) || c == b'\n' || c == b'\r' {
                c
            } else {
                b'.'
            }
        })
        .collect()
}

/// Each direction of `tshark -z follow,tcp,ascii,N`: after the header,
/// each chunk is its length (a tab before it for node 1), then that many
/// bytes, then a line break.
fn theirs_ascii(path: &std::path::Path, stream: u64) -> [Vec<u8>; 2] {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-q", "-z", &format!("follow,tcp,ascii,{stream}")])
        .output()
        .unwrap();
    let a = out.stdout;
    let find = |from: usize, pat: &[u8]| {
        a[from..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|p| p + from)
    };
    let mut i = find(0, b"Node 1:").expect("tshark's follow header");
    i = find(i, b"\n").unwrap() + 1;
    let mut dirs = [Vec::new(), Vec::new()];
    loop {
        let j = find(i, b"\n").unwrap();
        let head = &a[i..j];
        if head.starts_with(b"===") {
            break;
        }
        let n: usize = String::from_utf8_lossy(head).trim().parse().unwrap();
        let data = &a[j + 1..j + 1 + n];
        i = j + 1 + n;
        assert_eq!(a[i], b'\n', "stream {stream}: a chunk ends its line");
        i += 1;
        let note = String::from_utf8_lossy(data);
        let note = note.trim_end_matches(['.', '\0']).trim();
        if note
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(" bytes missing in capture file]"))
            .is_some_and(|n| n.parse::<u64>().is_ok())
        {
            continue;
        }
        dirs[usize::from(head.starts_with(b"\t"))].extend_from_slice(data);
    }
    dirs
}

/// The same comparison with tshark's own ascii follow, the form a tshark
/// user reads: our bytes, once unescaped and shown as tshark shows them
/// (non-printable bytes as dots), are tshark's text, direction by
/// direction, on every TCP stream of every sample.
#[cfg_attr(feature = "live", ignore)]
#[test]
fn follow_reads_as_tshark_follow_ascii() {
    if !have_tshark() {
        return;
    }
    every_stream_agrees(theirs_ascii, ascii);
}

/// Every TCP stream of every sample: tshark's bytes per direction (from
/// `theirs`) equal ours shown as `show` shows them.
fn every_stream_agrees(
    theirs: fn(&std::path::Path, u64) -> [Vec<u8>; 2],
    show: fn(&[u8]) -> Vec<u8>,
) {
    let mut streams_checked = 0;
    let mut bytes_checked = 0;
    let mut failures = Vec::new();
    for path in all_samples() {
        let streams: std::collections::BTreeSet<u64> =
            tshark_fields(&path, &["-Y", "tcp"], &["tcp.stream"])
                .into_iter()
                .filter_map(|r| r.first().and_then(|s| s.parse().ok()))
                .collect();
        // Streams are numbered in order of appearance by both; tshark's
        // SOCKS dissector takes numbers for proxied connections too, so
        // its numbers can skip: the nth of tshark's is our nth.
        for (i, s) in streams.into_iter().enumerate() {
            let (t, o) = (theirs(&path, s), ours(&path, i as u64));
            streams_checked += 1;
            bytes_checked += t[0].len() + t[1].len();
            for n in 0..2 {
                if t[n] != show(&o[n]) {
                    failures.push(format!(
                        "{} stream {s} node {n}: tshark {} bytes, ours {}",
                        path.display(),
                        t[n].len(),
                        o[n].len()
                    ));
                }
            }
        }
    }
    assert!(streams_checked > 20, "{streams_checked} streams");
    assert!(bytes_checked > 10_000, "{bytes_checked} bytes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
