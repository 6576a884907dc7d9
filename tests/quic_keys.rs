//! QUIC decrypted with the key log recorded beside the capture, compared
//! with tshark (`-o tls.keylog_file:…`, which opens the same packets) and
//! with the aioquic server's own log of the HTTP/3 requests it served
//! (tshark 4.0 has no QPACK). Sample: samples/quic-keys.pcapng, recorded by
//! samples/lab/quic_keys.sh (Chromium over QUIC to an aioquic server).

use netexplain::capture::CaptureReader;
use netexplain::flow::decrypt::KeyLog;
use netexplain::flow::Tracker;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const SAMPLE: &str = "samples/quic-keys.pcapng";
const KEYS: &str = "samples/quic-keys.keys";

/// Every frame's `packets --format json` object, decoded with the key log
/// or without it.
fn decoded(keys: bool) -> Vec<Value> {
    let mut reader = CaptureReader::open(Path::new(SAMPLE)).unwrap();
    let mut tracker = Tracker::default();
    if keys {
        tracker.set_keys(Arc::new(KeyLog::load(Path::new(KEYS)).unwrap()));
    }
    let mut out = Vec::new();
    let (_, err) = netexplain::pipeline::run(&mut reader, &mut tracker, None, |p| {
        out.push(serde_json::to_value(p).unwrap());
        Ok(())
    });
    assert!(err.is_none(), "{err:?}");
    out
}

/// The packets of a frame's datagram: `quic`, then `quic_more`.
fn packets(v: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = v.get("quic").into_iter().collect();
    if let Some(more) = v["quic_more"].as_array() {
        out.extend(more);
    }
    out
}

fn tshark_available() -> bool {
    Command::new("tshark").arg("-v").output().is_ok()
}

/// tshark's fields per frame number, with the key log.
fn tshark(fields: &[&str]) -> BTreeMap<u64, Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r", SAMPLE, "-o", &format!("tls.keylog_file:{KEYS}")])
        .args([
            "-Y",
            "quic",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args(["-e", "frame.number"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut cols = l.split('\t');
            let n = cols.next().unwrap().parse().unwrap();
            (n, cols.map(str::to_string).collect())
        })
        .collect()
}

fn frame_code(f: &Value) -> u64 {
    match f["type"].as_str().unwrap() {
        "padding" => 0x00,
        "ping" => 0x01,
        "ack" if f["ecn"] == true => 0x03,
        "ack" => 0x02,
        "reset_stream" => 0x04,
        "stop_sending" => 0x05,
        "crypto" => 0x06,
        "new_token" => 0x07,
        // tshark shows the type with its OFF, LEN and FIN bits.
        "stream" => 0x08,
        "max_data" => 0x10,
        "max_stream_data" => 0x11,
        "max_streams" => 0x12,
        "new_connection_id" => 0x18,
        "retire_connection_id" => 0x19,
        "connection_close" if f["application"] == true => 0x1d,
        "connection_close" => 0x1c,
        "handshake_done" => 0x1e,
        other => panic!("frame type {other} not in this sample before"),
    }
}

fn handshake_code(t: &str) -> u64 {
    match t {
        "client_hello" => 1,
        "server_hello" => 2,
        "new_session_ticket" => 4,
        "encrypted_extensions" => 8,
        "certificate" => 11,
        "certificate_verify" => 15,
        "finished" => 20,
        other => panic!("handshake {other}"),
    }
}

fn list(s: &str) -> Vec<u64> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.strip_prefix("0x").map_or_else(
                || x.parse().unwrap(),
                |h| u64::from_str_radix(h, 16).unwrap(),
            )
        })
        .collect()
}

/// Per frame: the packet kinds, the frame types of every packet and the
/// handshake message types, as tshark decodes them with the same key log.
#[test]
fn packets_frames_and_handshakes_match_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed; skipped");
        return;
    }
    let theirs = tshark(&[
        "quic.header_form",
        "quic.long.packet_type",
        "quic.frame_type",
        "tls.handshake.type",
    ]);
    let ours = decoded(true);
    let mut compared = 0;
    let mut handshakes = Vec::new();
    for v in &ours {
        let n = v["frame"].as_u64().unwrap();
        let Some(t) = theirs.get(&n) else {
            assert!(
                v.get("quic").is_none(),
                "frame {n}: QUIC here, not in tshark"
            );
            continue;
        };
        let ps = packets(v);
        let forms: Vec<u64> = ps
            .iter()
            .map(|p| u64::from(p["header"] == "long"))
            .collect();
        let mut theirs_forms = list(&t[0]);
        // aioquic pads a datagram with zeros after its last packet, which
        // a receiver ignores (RFC 9000 §12.2); tshark shows the zeros as
        // one more short-header packet that does not decrypt.
        if theirs_forms.len() == forms.len() + 1 && theirs_forms.last() == Some(&0) {
            theirs_forms.pop();
        }
        assert_eq!(forms, theirs_forms, "frame {n}: header forms");
        let long: Vec<u64> = ps
            .iter()
            .filter_map(|p| p["long_type"].as_str())
            .map(|l| match l {
                "initial" => 0,
                "0rtt" => 1,
                "handshake" => 2,
                _ => 3,
            })
            .collect();
        assert_eq!(long, list(&t[1]), "frame {n}: long packet types");
        let frames: Vec<u64> = ps
            .iter()
            .flat_map(|p| p["frames"].as_array().cloned().unwrap_or_default())
            .map(|f| frame_code(&f))
            .collect();
        let tf: Vec<u64> = list(&t[2])
            .into_iter()
            .map(|c| if (0x08..=0x0f).contains(&c) { 0x08 } else { c })
            .collect();
        assert_eq!(frames, tf, "frame {n}: frame types");
        let hs: Vec<u64> = ps
            .iter()
            .flat_map(|p| p["handshakes"].as_array().cloned().unwrap_or_default())
            .map(|h| handshake_code(h["type"].as_str().unwrap()))
            .collect();
        assert_eq!(hs, list(&t[3]), "frame {n}: handshake messages");
        handshakes.extend(hs.iter().map(|h| (n, *h)));
        compared += 1;
    }
    assert!(compared >= 20, "{compared} frames compared");
    // The server's flight and the client's Finished, on the frames whose
    // CRYPTO data completed them.
    let kinds: Vec<u64> = handshakes.iter().map(|h| h.1).collect();
    assert_eq!(kinds, [1, 2, 8, 11, 15, 20, 20]);
}

/// HTTP/3 frame types per frame as tshark reads them, and the requests
/// (method and path) and responses (status) per stream against the
/// server's own log.
#[test]
fn http3_matches_tshark_and_the_servers_log() {
    let ours = decoded(true);
    let mut requests: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut statuses: BTreeMap<u64, String> = BTreeMap::new();
    let mut by_frame: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for v in &ours {
        for p in packets(v) {
            for f in p["http3"].as_array().into_iter().flatten() {
                let n = v["frame"].as_u64().unwrap();
                by_frame
                    .entry(n)
                    .or_default()
                    .push(f["type"].as_str().unwrap().into());
                let Some(h) = f["headers"].as_array() else {
                    continue;
                };
                let get = |name: &str| {
                    h.iter()
                        .find(|kv| kv[0] == name)
                        .and_then(|kv| kv[1].as_str())
                        .map(str::to_string)
                };
                let stream = f["stream"].as_u64().unwrap();
                if let Some(s) = get(":status") {
                    statuses.insert(stream, s);
                } else {
                    requests.insert(stream, (get(":method").unwrap(), get(":path").unwrap()));
                }
            }
        }
    }
    let log = std::fs::read_to_string("samples/quic-keys.requests").unwrap();
    let mut served = 0;
    for line in log.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        let stream: u64 = w[0].parse().unwrap();
        assert_eq!(
            requests.get(&stream),
            Some(&(w[1].to_string(), w[2].to_string())),
            "stream {stream}"
        );
        assert_eq!(
            statuses.get(&stream).map(String::as_str),
            Some(w[3]),
            "stream {stream}"
        );
        served += 1;
    }
    assert_eq!(served, 4);
    assert_eq!(requests.len(), 4);
    if !tshark_available() {
        return;
    }
    let theirs = tshark(&["http3.frame_type"]);
    for (n, t) in &theirs {
        let names: Vec<String> = list(&t[0])
            .into_iter()
            .map(|c| match c {
                0x00 => "data".to_string(),
                0x01 => "headers".into(),
                0x04 => "settings".into(),
                0xf0700 | 0xf0701 => "priority_update".into(),
                c if c >= 0x21 && (c - 0x21) % 0x1f == 0 => format!("reserved(0x{c:x})"),
                c => format!("unknown(0x{c:x})"),
            })
            .collect();
        let mine = by_frame.get(n).cloned().unwrap_or_default();
        assert_eq!(mine, names, "frame {n}: HTTP/3 frames");
    }
}

/// Without the key log only the Initials open; with it, no secret of the
/// log appears in the JSON, nor in the text `packets -v` prints.
#[test]
fn keys_open_the_rest_and_never_reach_the_output() {
    let plain = decoded(false);
    assert!(plain
        .iter()
        .flat_map(packets)
        .all(|p| p["decrypted"] != true || p["long_type"] == "initial"));
    let keyed = decoded(true);
    let opened = keyed
        .iter()
        .flat_map(packets)
        .filter(|p| p["decrypted"] == true && p["long_type"] != "initial")
        .count();
    assert!(opened >= 20, "{opened}");
    let json = serde_json::to_string(&keyed).unwrap().to_lowercase();
    let log = std::fs::read_to_string(KEYS).unwrap();
    let mut secrets = 0;
    for line in log.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() == 3 {
            assert!(!json.contains(&w[2].to_lowercase()), "{} in the JSON", w[0]);
            // Nor a 16-byte run of it (a key is derived, but a careless
            // debug print of the secret would show these).
            assert!(!json.contains(&w[2][..32].to_lowercase()));
            secrets += 1;
        }
    }
    assert!(secrets >= 4, "{secrets}");
}
