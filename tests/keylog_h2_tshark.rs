//! HTTP/2 in decrypted TLS against tshark with `-o tls.keylog_file:…` on
//! every keyed sample of TLS over TCP that carries HTTP/2 (recorded by
//! samples/lab/keylog.sh with SSLKEYLOGFILE set): per TCP frame, the
//! HTTP/2 frames in order with their stream, type, flags and length, and
//! for each field block its fields in wire order (`:method`, `:path` and
//! `:status` among them), are equal. tshark's PDML-like JSON
//! (`-T json -J http2 --no-duplicate-keys`) keeps each HTTP/2 frame's
//! fields together, so a field block is compared on its own stream.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One HTTP/2 frame: stream, type code, flags, length, and the fields of
/// the block it ends (empty for other frames).
type H2Row = (u64, u64, u64, u64, Vec<(String, String)>);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ours(pcap: &Path, keys: &Path) -> BTreeMap<u64, Vec<H2Row>> {
    let packets = ndjson(&[
        "packets",
        s(pcap),
        "--format",
        "json",
        "--no-summary",
        "--keylog",
        s(keys),
    ]);
    let mut rows = BTreeMap::new();
    for p in packets {
        let Some(frames) = p["http2"].as_array() else {
            continue;
        };
        let v: Vec<H2Row> = frames
            .iter()
            .map(|f| {
                let code = code_of(f["type"].as_str().unwrap());
                let headers = f["headers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|nv| {
                        (
                            nv[0].as_str().unwrap().to_string(),
                            nv[1].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                (
                    f["stream"].as_u64().unwrap(),
                    code,
                    f["flags"].as_u64().unwrap(),
                    f["length"].as_u64().unwrap(),
                    headers,
                )
            })
            .collect();
        rows.insert(p["frame"].as_u64().unwrap(), v);
    }
    rows
}

/// The wire code of a type name in our JSON.
fn code_of(name: &str) -> u64 {
    let names = [
        "data",
        "headers",
        "priority",
        "rst_stream",
        "settings",
        "push_promise",
        "ping",
        "goaway",
        "window_update",
        "continuation",
    ];
    if name == "priority_update" {
        return 0x10;
    }
    names
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("an unknown type {name}")) as u64
}

/// A value that tshark writes once as an object and several times as an
/// array.
fn each(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn num(v: &Value) -> u64 {
    let t = v.as_str().unwrap();
    match t.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
        None => t.parse().unwrap(),
    }
}

fn theirs(pcap: &Path, keys: &Path) -> BTreeMap<u64, Vec<H2Row>> {
    let out = Command::new("tshark")
        .args(["-n", "-r", s(pcap), "-o"])
        .arg(format!("tls.keylog_file:{}", s(keys)))
        .args(["-Y", "http2", "-T", "json", "-J", "frame http2"])
        .arg("--no-duplicate-keys")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows = BTreeMap::new();
    for p in all.as_array().unwrap() {
        let layers = &p["_source"]["layers"];
        let frame = num(&layers["frame"]["frame.number"]);
        let mut v = Vec::new();
        for layer in each(&layers["http2"]) {
            for f in each(&layer["http2.stream"]) {
                // The client's preface (http2.magic) is no frame.
                if f.get("http2.type").is_none() {
                    continue;
                }
                let headers = each(&f["http2.header"])
                    .into_iter()
                    .map(|h| {
                        (
                            h["http2.header.name"].as_str().unwrap().to_string(),
                            h["http2.header.value"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                v.push((
                    num(&f["http2.streamid"]),
                    num(&f["http2.type"]),
                    num(&f["http2.flags"]),
                    num(&f["http2.length"]),
                    headers,
                ));
            }
        }
        rows.insert(frame, v);
    }
    rows
}

/// The keyed samples of TLS over TCP whose decryption carries HTTP/2.
fn keyed_h2() -> Vec<(PathBuf, PathBuf)> {
    all_samples()
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("quic-")
        })
        .filter_map(|p| {
            let k = p.with_extension("keys");
            k.exists().then_some((p, k))
        })
        .filter(|(p, k)| !ours(p, k).is_empty())
        .collect()
}

#[test]
fn http2_frames_and_fields_match_tshark() {
    if !have_tshark() {
        return;
    }
    let samples = keyed_h2();
    assert!(
        samples
            .iter()
            .any(|(p, _)| p.ends_with("keylog-tls13-h2.pcapng")),
        "the curl h2 sample decodes as HTTP/2"
    );
    for (pcap, keys) in samples {
        let ours = ours(&pcap, &keys);
        let theirs = theirs(&pcap, &keys);
        assert_eq!(ours, theirs, "{}", pcap.display());
        // A request and its response were both read.
        let fields: Vec<&(String, String)> = ours.values().flatten().flat_map(|r| &r.4).collect();
        assert!(fields.iter().any(|(n, _)| n == ":method"));
        assert!(fields.iter().any(|(n, _)| n == ":status"));
    }
}

#[test]
fn the_curl_request_and_response_field_by_field() {
    let pcap = sample("keylog-tls13-h2.pcapng");
    let rows = ours(&pcap, &pcap.with_extension("keys"));
    let blocks: Vec<&H2Row> = rows.values().flatten().filter(|r| r.1 == 1).collect();
    assert_eq!(blocks.len(), 2);
    let field = |r: &H2Row, n: &str| {
        r.4.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(blocks[0].0, 1);
    assert_eq!(field(blocks[0], ":method"), "GET");
    assert_eq!(field(blocks[0], ":path"), "/");
    assert_eq!(field(blocks[0], ":authority"), "www.google.com");
    // END_STREAM | END_HEADERS: a GET has no body.
    assert_eq!(blocks[0].2, 0x5);
    assert_eq!(blocks[1].0, 1);
    assert_eq!(field(blocks[1], ":status"), "200");
    assert_eq!(field(blocks[1], "content-type"), "text/html");
    let body: u64 = rows
        .values()
        .flatten()
        .filter(|r| r.1 == 0 && r.0 == 1)
        .map(|r| r.3)
        .sum();
    assert_eq!(
        body.to_string(),
        field(blocks[1], "content-length"),
        "DATA lengths add up to the response's content-length"
    );
}

#[test]
fn http2_is_shown_escaped_in_text_and_verbose() {
    let pcap = sample("keylog-tls13-h2.pcapng");
    let keys = pcap.with_extension("keys");
    let out = netexplain(&["packets", s(&pcap), "--keylog", s(&keys)]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("HTTP/2 HEADERS stream 1 GET / www.google.com END_STREAM"),
        "{text}"
    );
    assert!(text.contains("HTTP/2 HEADERS stream 1 200; DATA stream 1 292 B END_STREAM"));
    let out = netexplain(&["packets", "-v", s(&pcap), "--keylog", s(&keys)]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("HTTP/2"));
    // One field a line, in wire order.
    assert!(text.contains("user-agent: curl/7.88.1\n"), "{text}");
    assert!(text.contains("etag: \"6b0fb71d-124\"\n"), "{text}");
}
