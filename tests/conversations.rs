//! `conversations` on every sample, compared with tshark's conversation
//! tables (`-z conv,tcp` and `-z conv,udp`): the same conversations, with
//! the same frames and bytes each way; and the TCP states and histories of
//! the curl sample.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn ours(path: &std::path::Path) -> Vec<Value> {
    ndjson(&["conversations", path.to_str().unwrap(), "--format", "json"])
}

/// "2001:db8::1:443" or "198.51.100.10:80" → (address, port); ours writes
/// IPv6 in brackets.
fn split(ep: &str) -> (String, String) {
    let (a, p) = ep.rsplit_once(':').unwrap();
    (
        a.trim_start_matches('[').trim_end_matches(']').to_string(),
        p.to_string(),
    )
}

/// Bytes as tshark's table prints them: a count and the unit it was
/// divided by (tshark writes 10 000 bytes and more in kB, truncating).
type Shown = (u64, u64);

fn shown(count: &str, unit: &str) -> Shown {
    let divisor = match unit {
        "bytes" => 1,
        "kB" => 1_000,
        "MB" => 1_000_000,
        other => panic!("unit {other}"),
    };
    (count.parse().unwrap(), divisor)
}

/// Our byte count as tshark would print it.
fn as_shown(ours: &serde_json::Value, theirs: Shown) -> Shown {
    (ours.as_u64().unwrap() / theirs.1, theirs.1)
}

/// tshark's rows: (A, B, frames B→A, bytes B→A, frames A→B, bytes A→B).
fn tshark(path: &std::path::Path, proto: &str) -> Vec<(String, String, u64, Shown, u64, Shown)> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-n", "-q", "-z", &format!("conv,{proto}")])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter(|l| l.contains("<->"))
        // A tunnel's outer datagrams (VXLAN, Geneve, GTP-U) are no
        // conversation here: the packets inside them are.
        .filter(|l| ![":4789 ", ":6081 ", ":2152 "].iter().any(|p| l.contains(p)))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // A <-> B f1 b1 unit f2 b2 unit ...
            (
                f[0].to_string(),
                f[2].to_string(),
                f[3].parse().unwrap(),
                shown(f[4], f[5]),
                f[6].parse().unwrap(),
                shown(f[7], f[8]),
            )
        })
        .collect()
}

#[test]
fn every_sample_agrees_with_tsharks_conversation_tables() {
    if !have_tshark() {
        return;
    }
    for path in all_samples() {
        let rows = ours(&path);
        for proto in ["tcp", "udp"] {
            let theirs = tshark(&path, proto);
            let mine: Vec<&Value> = rows.iter().filter(|r| r["proto"] == proto).collect();
            assert_eq!(
                mine.len(),
                theirs.len(),
                "{} {proto}: conversation count",
                path.display()
            );
            for (a, b, ba_frames, ba_bytes, ab_frames, ab_bytes) in &theirs {
                let (a, b) = (split(a), split(b));
                let row = mine
                    .iter()
                    .find(|r| {
                        let (c, s) = (
                            split(r["client"].as_str().unwrap()),
                            split(r["server"].as_str().unwrap()),
                        );
                        (c == a && s == b) || (c == b && s == a)
                    })
                    .unwrap_or_else(|| panic!("{}: no row for {a:?} <-> {b:?}", path.display()));
                let client_is_a = split(row["client"].as_str().unwrap()) == a;
                let (cf, cb, sf, sb) = if client_is_a {
                    (ab_frames, ab_bytes, ba_frames, ba_bytes)
                } else {
                    (ba_frames, ba_bytes, ab_frames, ab_bytes)
                };
                let at = format!("{} {proto} {a:?} <-> {b:?}", path.display());
                assert_eq!(row["client_packets"], *cf, "{at}");
                assert_eq!(as_shown(&row["client_bytes"], *cb), *cb, "{at}");
                assert_eq!(row["server_packets"], *sf, "{at}");
                assert_eq!(as_shown(&row["server_bytes"], *sb), *sb, "{at}");
            }
        }
    }
}

#[test]
fn tcp_states_and_histories() {
    let rows = ours(&sample("curl-redirect.pcapng"));
    let tcp: Vec<&Value> = rows.iter().filter(|r| r["proto"] == "tcp").collect();
    // Port 80: the client closes first and waits in TIME-WAIT.
    assert_eq!(tcp[0]["server"], "203.0.113.100:80");
    assert_eq!(tcp[0]["app"], "HTTP google.com");
    assert_eq!(tcp[0]["history"], "ShADadFf");
    assert_eq!(tcp[0]["client_state"], "TIME_WAIT");
    assert_eq!(tcp[0]["server_state"], "CLOSED");
    // Port 443: after curl's close_notify the server closes first.
    assert_eq!(tcp[1]["app"], "TLS www.google.com");
    assert_eq!(tcp[1]["history"], "ShADadfF");
    assert_eq!(tcp[1]["client_state"], "CLOSED");
    assert_eq!(tcp[1]["server_state"], "TIME_WAIT");
    assert!(tcp.iter().all(|r| r["partial"].is_null()));
    // Chromium's speculative connection ends in a reset.
    let rows = ours(&sample("chromium-pageload.pcapng"));
    let reset = rows.iter().find(|r| r["stream"] == 1).unwrap();
    assert_eq!(reset["history"], "ShADadFR");
    assert_eq!(reset["client_state"], "CLOSED");
    // Sorting by bytes puts the biggest first.
    let out = netexplain(&[
        "conversations",
        sample("chromium-pageload.pcapng").to_str().unwrap(),
        "--sort",
        "bytes",
        "--wide",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().nth(1).unwrap();
    assert!(
        first.contains("57026") && first.contains("TLS www.google.com"),
        "{first}"
    );
}

#[test]
fn quic_and_tls_conversations_name_their_server() {
    let rows = ours(&sample("http3.pcapng"));
    let quic: Vec<&Value> = rows
        .iter()
        .filter(|r| r["proto"] == "udp" && r["server"] == "[2001:db8:2::100]:443")
        .collect();
    assert_eq!(quic.len(), 1);
    // The SNI comes from the ClientHello inside the Initial packets.
    assert_eq!(quic[0]["app"], "QUIC www.google.com");
    let rows = ours(&sample("dhcp-pageload.pcapng"));
    assert!(rows
        .iter()
        .any(|r| r["proto"] == "tcp" && r["app"] == "TLS www.google.com"));
}
