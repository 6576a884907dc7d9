//! The story of QUIC page loads that failed, in both languages, on captures
//! recorded by samples/lab/quic_keys.sh: the server never answers
//! (quic-noanswer), its host answers ICMP port unreachable
//! (quic-unreachable), the server refuses the ALPN with a CONNECTION_CLOSE
//! in an Initial (quic-refused). Each is told as a failure with its frames,
//! never as a load whose requests hid in encrypted packets.

use serde_json::Value;
use std::process::Command;

fn explain(sample: &str, lang: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args(["explain", "--format", "json", "--lang", lang])
        .arg(format!("samples/{sample}.pcapng"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["page_loads"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
}

fn lines(s: &Value) -> String {
    s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Facts every failed load shares: the HTTP step is not applicable, names
/// the frames, and says nothing of requests in 1-RTT packets.
fn failed(sample: &str, frames: &[u64], en: &[&str], zh: &[&str]) {
    for (lang, words) in [("en", en), ("zh", zh)] {
        let v = explain(sample, lang);
        let http = step(&v, "http");
        assert_eq!(http["status"], "not_applicable", "{sample} {lang}");
        let f: Vec<u64> = http["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(f, frames, "{sample} {lang}");
        let text = lines(http);
        for w in words {
            assert!(text.contains(w), "{sample} {lang}: {w:?} not in {text}");
        }
        assert!(!text.contains("1-RTT"), "{sample} {lang}: {text}");
        let tls = lines(step(&v, "tls_handshake"));
        assert!(
            tls.contains(words[0]),
            "{sample} {lang}: the TLS step says why: {tls}"
        );
    }
}

#[test]
fn a_server_that_never_answers() {
    // tshark: frames 9–12 are the client's Initials (PKN 0–3) at 0, 0.201,
    // 0.602 and 1.404 s; nothing comes from UDP 443.
    failed(
        "quic-noanswer",
        &[9, 10, 11, 12],
        &[
            "never answered",
            "4 time(s)",
            "201, 401, 802 ms",
            "RFC 9002 §6.2.1",
        ],
        &["始终没有应答", "4 次 Initial", "201、401、802 毫秒"],
    );
}

#[test]
fn a_port_that_is_unreachable() {
    // tshark: frames 10, 12, 14, 17 are ICMPv6 type 1 code 4 quoting the
    // client's Initials to UDP 443.
    failed(
        "quic-unreachable",
        &[10, 12, 14, 17],
        &[
            "ICMP port unreachable (frames 10, 12, 14, 17)",
            "UDP port 443",
        ],
        &["ICMP 端口不可达（帧 10、12、14、17）", "UDP 端口 443"],
    );
}

#[test]
fn a_close_in_the_servers_initial() {
    // tshark: frame 10 is the server's Initial with CONNECTION_CLOSE
    // (0x1c), error code 0x178 (CRYPTO_ERROR, alert 120).
    failed(
        "quic-refused",
        &[10],
        &[
            "server ended the connection in frame 10",
            "0x178",
            "no_application_protocol",
        ],
        &["服务器在帧 10", "0x178", "TLS 告警 120"],
    );
}
