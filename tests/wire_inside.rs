//! Protocols inside other protocols, compared with tshark 4.0 frame by
//! frame on captures recorded from real programs (samples/lab/inside.sh):
//! SOCKS 5, 4a and 4 handshakes from curl through a Python proxy and the
//! TLS and HTTP inside them; SMTP, IMAP, POP3 and FTP from curl
//! --ssl-reqd, switched to TLS after the server's go-ahead; SSDP from
//! Python sockets; DTLS 1.2 from openssl s_client and s_server. The
//! SSLv2-compatible ClientHello is built by hand (no program here sends
//! one) and checked against tshark too.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// tshark's fields for a file, each split into its occurrences.
fn rows(path: &Path, fields: &[&str]) -> Vec<Vec<Vec<String>>> {
    tshark_occurrences(path, &[], fields)
}

fn col<'a>(fields: &[&str], row: &'a [Vec<String>], name: &str) -> &'a [String] {
    &row[fields.iter().position(|f| *f == name).unwrap()]
}

fn num(s: &str) -> u64 {
    tshark_num(s)
}

/// The ClientHello of a frame, compared with tshark's SNI, JA3 and the
/// counts JA4 starts with; returns whether there was one.
fn hello_agrees(
    p: &Value,
    sni: &[String],
    ja3: &[String],
    ciphers: &[String],
    exts: &[String],
) -> bool {
    let Some(ja3) = ja3.first() else {
        return false;
    };
    let at = format!("frame {}", p["frame"]);
    let hello = p["tls"]["handshakes"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["type"] == "client_hello"))
        .unwrap_or_else(|| panic!("{at}: no ClientHello where tshark has one"));
    assert_eq!(
        hello["sni"].as_str(),
        sni.first().map(String::as_str),
        "{at}: SNI"
    );
    assert_eq!(hello["ja3"].as_str(), Some(ja3.as_str()), "{at}: JA3");
    let grease = |v: &&String| num(v) & 0x0f0f == 0x0a0a;
    let c = ciphers.iter().filter(|v| !grease(v)).count();
    let e = exts.iter().filter(|v| !grease(v)).count();
    let ja4 = hello["ja4"].as_str().unwrap();
    assert!(ja4.starts_with('t'), "{at}: {ja4}");
    assert_eq!(&ja4[4..8], format!("{c:02}{e:02}"), "{at}: JA4 counts");
    true
}

const SOCKS: &[&str] = &[
    "frame.number",
    "socks.version",
    "socks.command",
    "socks.remote_name",
    "socks.v4a_dns_name",
    "socks.dst",
    "socks.dstport",
    "socks.port",
    "socks.results",
    "socks.auth_method",
    "socks.auth_accepted_method",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ja3",
    "tls.handshake.ciphersuite",
    "tls.handshake.extension.type",
    "http.request.method",
    "http.host",
    "http.response.code",
];

#[test]
fn socks_handshakes_and_what_they_tunnel_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    let path = sample("socks.pcapng");
    let ours = packets_json(&path);
    let theirs = rows(&path, SOCKS);
    assert_eq!(ours.len(), theirs.len());
    let f = |t, n| col(SOCKS, t, n);
    let (mut messages, mut hellos, mut http) = (0, 0, 0);
    for (p, t) in ours.iter().zip(&theirs) {
        let at = format!("frame {}", p["frame"]);
        assert!(p["errors"].is_null(), "{at}: {}", p["errors"]);
        for m in p["socks"].as_array().into_iter().flatten() {
            messages += 1;
            let first = |n| f(t, n).first().map(String::as_str);
            match m["message"].as_str().unwrap() {
                "greeting" => {
                    let methods: Vec<u64> =
                        f(t, "socks.auth_method").iter().map(|v| num(v)).collect();
                    let mine: Vec<u64> = m["methods"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect();
                    assert_eq!(mine, methods, "{at}: methods");
                }
                "method_selection" => assert_eq!(
                    m["method"].as_u64(),
                    first("socks.auth_accepted_method").map(num),
                    "{at}: method"
                ),
                "request" => {
                    assert_eq!(
                        m["version"].as_u64(),
                        first("socks.version").map(num),
                        "{at}"
                    );
                    assert_eq!(m["command"], "connect");
                    assert_eq!(first("socks.command"), Some("1"), "{at}: command");
                    let host = if m["version"] == 5 {
                        first("socks.remote_name").or(first("socks.dst"))
                    } else {
                        first("socks.v4a_dns_name").or(first("socks.dst"))
                    };
                    assert_eq!(m["host"].as_str(), host, "{at}: target host");
                    let port = if m["version"] == 5 {
                        "socks.port"
                    } else {
                        "socks.dstport"
                    };
                    assert_eq!(
                        m["port"].as_u64(),
                        f(t, port).first().map(|v| num(v)),
                        "{at}: target port"
                    );
                }
                "reply" => {
                    assert_eq!(
                        m["reply"].as_u64(),
                        first("socks.results").map(num),
                        "{at}: reply"
                    );
                    assert_eq!(
                        m["host"].as_str(),
                        first("socks.dst"),
                        "{at}: bound address"
                    );
                    let port = if m["version"] == 5 {
                        "socks.port"
                    } else {
                        "socks.dstport"
                    };
                    assert_eq!(
                        m["port"].as_u64(),
                        f(t, port).first().map(|v| num(v)),
                        "{at}: bound port"
                    );
                    assert_eq!(m["granted"], true, "{at}");
                }
                other => panic!("{at}: {other}"),
            }
        }
        if hello_agrees(
            p,
            f(t, "tls.handshake.extensions_server_name"),
            f(t, "tls.handshake.ja3"),
            f(t, "tls.handshake.ciphersuite"),
            f(t, "tls.handshake.extension.type"),
        ) {
            hellos += 1;
        }
        if let Some(method) = f(t, "http.request.method").first() {
            let h = &p["http"][0];
            assert_eq!(h["method"].as_str(), Some(method.as_str()), "{at}: method");
            assert_eq!(
                h["host"].as_str(),
                f(t, "http.host").first().map(String::as_str),
                "{at}: host"
            );
            http += 1;
        }
        if let Some(code) = f(t, "http.response.code").first() {
            assert_eq!(
                p["http"][0]["status"].as_u64(),
                Some(num(code)),
                "{at}: status"
            );
            http += 1;
        }
    }
    // SOCKS5: greeting, method, request, reply; 4a and 4: request, reply.
    assert_eq!(messages, 8);
    assert_eq!(hellos, 1);
    assert_eq!(http, 4);
    // The SOCKS5 request names the host for the proxy to resolve.
    let req = &frame(&ours, 8)["socks"][0];
    assert_eq!(req["host_is_name"], true);
    assert_eq!(req["host"], "www.google.com");
}

const STARTTLS: &[&str] = &[
    "frame.number",
    "smtp.req.command",
    "smtp.response.code",
    "imap.request_tag",
    "imap.request.command",
    "imap.response.status",
    "pop.request.command",
    "pop.response.indicator",
    "ftp.request.command",
    "ftp.request.arg",
    "ftp.response.code",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ja3",
    "tls.handshake.ciphersuite",
    "tls.handshake.extension.type",
];

#[test]
fn starttls_hands_the_stream_to_tls_where_tshark_does() {
    if !have_tshark() {
        return;
    }
    let path = sample("starttls.pcapng");
    let ours = packets_json(&path);
    let theirs = rows(&path, STARTTLS);
    assert_eq!(ours.len(), theirs.len());
    let f = |t, n| col(STARTTLS, t, n);
    let (mut lines, mut hellos, mut go_aheads) = (0, 0, Vec::new());
    for (p, t) in ours.iter().zip(&theirs) {
        let at = format!("frame {}", p["frame"]);
        assert!(p["errors"].is_null(), "{at}: {}", p["errors"]);
        let first = |n| f(t, n).first().map(String::as_str);
        if let Some(l) = p["lines"].as_array().and_then(|l| l.first()) {
            lines += 1;
            let text = l["text"].as_str().unwrap();
            let command = l["kind"] == "command";
            match (l["protocol"].as_str().unwrap(), command) {
                // tshark keeps the first four characters of an SMTP verb.
                ("smtp", true) => assert!(
                    text.starts_with(first("smtp.req.command").unwrap()),
                    "{at}: {text}"
                ),
                ("smtp", false) => {
                    assert_eq!(Some(&text[..3]), first("smtp.response.code"), "{at}")
                }
                ("imap", true) => assert_eq!(
                    text,
                    format!(
                        "{} {}",
                        first("imap.request_tag").unwrap(),
                        first("imap.request.command").unwrap()
                    ),
                    "{at}"
                ),
                ("imap", false) => {
                    if let Some(status) = first("imap.response.status") {
                        assert!(
                            p["lines"].as_array().unwrap().iter().any(|l| l["text"]
                                .as_str()
                                .unwrap()
                                .split(' ')
                                .nth(1)
                                == Some(status)),
                            "{at}"
                        );
                    }
                }
                ("pop3", true) => assert_eq!(Some(text), first("pop.request.command"), "{at}"),
                ("pop3", false) => assert!(
                    text.starts_with(first("pop.response.indicator").unwrap()),
                    "{at}"
                ),
                ("ftp", true) => {
                    let verb = first("ftp.request.command").unwrap();
                    let shown = match first("ftp.request.arg") {
                        Some(arg) if verb == "AUTH" => format!("AUTH {arg}"),
                        _ => verb.to_owned(),
                    };
                    assert_eq!(text, shown, "{at}");
                }
                ("ftp", false) => assert_eq!(Some(&text[..3]), first("ftp.response.code"), "{at}"),
                other => panic!("{at}: {other:?}"),
            }
            if p["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["starts_tls"] == true)
            {
                go_aheads.push(p["frame"].as_u64().unwrap());
            }
        }
        // Once TLS starts, tshark and netexplain see the same records.
        if f(t, "tls.handshake.type").is_empty() {
            assert!(
                p["tls"]["handshakes"]
                    .as_array()
                    .is_none_or(|h| h.iter().all(|h| h["type"] == "encrypted_handshake_message")),
                "{at}: TLS tshark does not see"
            );
        }
        if hello_agrees(
            p,
            f(t, "tls.handshake.extensions_server_name"),
            f(t, "tls.handshake.ja3"),
            f(t, "tls.handshake.ciphersuite"),
            f(t, "tls.handshake.extension.type"),
        ) {
            hellos += 1;
        }
    }
    assert!(lines >= 20, "{lines} lines");
    // One go-ahead per protocol (220, A002 OK, +OK, 234), each followed by
    // the client's ClientHello.
    assert_eq!(go_aheads, [10, 43, 68, 97]);
    assert_eq!(hellos, 4);
    // The credentials curl sends are never shown: only the verbs.
    let json = serde_json::to_string(&ours).unwrap();
    assert!(!json.contains("lab lab") && !json.contains("USER lab"));
}

#[test]
fn ssdp_is_read_as_http_over_udp() {
    if !have_tshark() {
        return;
    }
    const F: &[&str] = &[
        "frame.number",
        "http.request.method",
        "http.request.uri",
        "http.response.code",
        "http.host",
        "http.location",
    ];
    let path = sample("ssdp.pcapng");
    let ours = packets_json(&path);
    let theirs = rows(&path, F);
    assert_eq!(ours.len(), 3);
    for (p, t) in ours.iter().zip(&theirs) {
        let h = &p["http"][0];
        let first = |n| col(F, t, n).first().map(String::as_str);
        assert_eq!(h["method"].as_str(), first("http.request.method"));
        assert_eq!(h["target"].as_str(), first("http.request.uri"));
        assert_eq!(h["status"].as_u64(), first("http.response.code").map(num));
        assert_eq!(h["host"].as_str(), first("http.host"));
        assert_eq!(h["location"].as_str(), first("http.location"));
    }
    assert_eq!(frame(&ours, 1)["http"][0]["method"], "M-SEARCH");
    assert_eq!(frame(&ours, 3)["http"][0]["method"], "NOTIFY");
}

#[test]
fn dtls_records_and_handshakes_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    const F: &[&str] = &[
        "frame.number",
        "dtls.record.content_type",
        "dtls.record.version",
        "dtls.record.epoch",
        "dtls.record.sequence_number",
        "dtls.handshake.type",
        "dtls.handshake.message_seq",
        "dtls.handshake.fragment_offset",
        "dtls.handshake.fragment_length",
        "dtls.handshake.extensions_server_name",
        "dtls.handshake.cookie_length",
    ];
    let path = sample("dtls.pcapng");
    let ours = packets_json(&path);
    let theirs = rows(&path, F);
    assert_eq!(ours.len(), theirs.len());
    let version = |v: &str| match v {
        "0xfeff" => "DTLS 1.0",
        "0xfefd" => "DTLS 1.2",
        other => panic!("{other}"),
    };
    let code = |t: &str| match t {
        "change_cipher_spec" => 20,
        "alert" => 21,
        "handshake" => 22,
        "application_data" => 23,
        other => panic!("{other}"),
    };
    let hs_code = |t: &str| match t {
        "client_hello" => 1,
        "server_hello" => 2,
        "hello_verify_request" => 3,
        "new_session_ticket" => 4,
        "certificate" => 11,
        "server_key_exchange" => 12,
        "server_hello_done" => 14,
        "client_key_exchange" => 16,
        other => panic!("{other}"),
    };
    let mut snis = 0;
    for (p, t) in ours.iter().zip(&theirs) {
        let at = format!("frame {}", p["frame"]);
        assert!(p["errors"].is_null(), "{at}: {}", p["errors"]);
        let c = |n| col(F, t, n);
        let d = &p["dtls"];
        let records = d["records"].as_array().unwrap();
        let mine: Vec<(u64, &str, u64, u64)> = records
            .iter()
            .map(|r| {
                (
                    code(r["content_type"].as_str().unwrap()),
                    r["version"].as_str().unwrap(),
                    r["epoch"].as_u64().unwrap(),
                    r["seq"].as_u64().unwrap(),
                )
            })
            .collect();
        let theirs: Vec<(u64, &str, u64, u64)> = (0..c("dtls.record.content_type").len())
            .map(|i| {
                (
                    num(&c("dtls.record.content_type")[i]),
                    version(&c("dtls.record.version")[i]),
                    num(&c("dtls.record.epoch")[i]),
                    num(&c("dtls.record.sequence_number")[i]),
                )
            })
            .collect();
        assert_eq!(mine, theirs, "{at}: records");
        // tshark names the plaintext handshake messages only.
        let hs: Vec<&Value> = d["handshakes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["type"] != "encrypted_handshake_message")
            .collect();
        let mine: Vec<(u64, u64, u64, u64)> = hs
            .iter()
            .map(|h| {
                (
                    hs_code(h["type"].as_str().unwrap()),
                    h["message_seq"].as_u64().unwrap(),
                    h["fragment_offset"].as_u64().unwrap(),
                    h["fragment_length"].as_u64().unwrap(),
                )
            })
            .collect();
        let theirs: Vec<(u64, u64, u64, u64)> = (0..c("dtls.handshake.type").len())
            .map(|i| {
                (
                    num(&c("dtls.handshake.type")[i]),
                    num(&c("dtls.handshake.message_seq")[i]),
                    num(&c("dtls.handshake.fragment_offset")[i]),
                    num(&c("dtls.handshake.fragment_length")[i]),
                )
            })
            .collect();
        assert_eq!(mine, theirs, "{at}: handshake messages");
        if let Some(sni) = c("dtls.handshake.extensions_server_name").first() {
            let hello = hs[0]["hello"].clone();
            assert_eq!(hello["sni"].as_str(), Some(sni.as_str()), "{at}: SNI");
            // JA4: "d" for DTLS, then "d2" for DTLS 1.2, "d" for an SNI.
            assert!(
                hello["ja4"].as_str().unwrap().starts_with("dd2d"),
                "{at}: {}",
                hello["ja4"]
            );
            assert_eq!(
                hs[0]["cookie_length"].as_u64(),
                c("dtls.handshake.cookie_length").first().map(|v| num(v)),
                "{at}: cookie"
            );
            snis += 1;
        }
    }
    assert_eq!(snis, 2);
}

/// An IPv4 header (no options, checksum left 0: tshark does not check it
/// by default) and a TCP header of 20 bytes around `payload`.
fn tcp_packet(client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if client {
        ([192, 0, 2, 10], [192, 0, 2, 20], 40000u16, 443u16)
    } else {
        ([192, 0, 2, 20], [192, 0, 2, 10], 443, 40000)
    };
    let mut tcp = Vec::new();
    tcp.extend(sport.to_be_bytes());
    tcp.extend(dport.to_be_bytes());
    tcp.extend(seq.to_be_bytes());
    tcp.extend(ack.to_be_bytes());
    tcp.extend([0x50, flags]);
    tcp.extend(64240u16.to_be_bytes());
    tcp.extend([0, 0, 0, 0]);
    tcp.extend(payload);
    let mut ip = vec![0x45, 0];
    ip.extend((20 + tcp.len() as u16).to_be_bytes());
    ip.extend([0, 1, 0x40, 0, 64, 6, 0, 0]);
    ip.extend(src);
    ip.extend(dst);
    ip.extend(tcp);
    ip
}

/// A pcap file of raw IPv4 packets (LINKTYPE_IPV4, 228).
fn write_raw_ipv4_pcap(path: &Path, packets: &[Vec<u8>]) {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    f.extend(65535u32.to_le_bytes());
    f.extend(228u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        f.extend((1_700_000_000u32 + i as u32).to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((p.len() as u32).to_le_bytes());
        f.extend((p.len() as u32).to_le_bytes());
        f.extend(p);
    }
    std::fs::write(path, f).unwrap();
}

/// No program here sends the SSL 2.0-compatible ClientHello (RFC 5246
/// Appendix E.2), so it is built by hand: a two-byte header with the high
/// bit set, CLIENT-HELLO (1), version TLS 1.0, three cipher specs (two
/// TLS suites and SSL 2.0's RC4-MD5), no session id, a 16-byte challenge.
/// The server answers with a TLS ServerHello; the client's next record (an
/// alert) must still be read as TLS. tshark reads the same bytes.
#[test]
fn the_sslv2_compatible_client_hello_and_the_records_after_it() {
    if !have_tshark() {
        return;
    }
    let mut v2 = vec![1, 3, 1, 0, 9, 0, 0, 0, 16];
    v2.extend([0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x01, 0x00, 0x80]);
    v2.extend(1..=16u8);
    let mut hello = vec![0x80 | (v2.len() >> 8) as u8, v2.len() as u8];
    hello.extend(&v2);
    let mut sh_body = vec![3, 1];
    sh_body.extend([7u8; 32]);
    sh_body.extend([0, 0x00, 0x2f, 0]);
    let mut sh = vec![
        22,
        3,
        1,
        0,
        (sh_body.len() + 4) as u8,
        2,
        0,
        0,
        sh_body.len() as u8,
    ];
    sh.extend(&sh_body);
    let alert = [21, 3, 1, 0, 2, 2, 40];
    let (c, s) = (1000u32, 5000u32);
    let hl = hello.len() as u32;
    let packets = [
        tcp_packet(true, c, 0, 0x02, &[]),
        tcp_packet(false, s, c + 1, 0x12, &[]),
        tcp_packet(true, c + 1, s + 1, 0x10, &[]),
        tcp_packet(true, c + 1, s + 1, 0x18, &hello),
        tcp_packet(false, s + 1, c + 1 + hl, 0x18, &sh),
        tcp_packet(true, c + 1 + hl, s + 1 + sh.len() as u32, 0x18, &alert),
    ];
    let dir = fresh_dir("wire_inside_sslv2");
    let path = dir.join("sslv2-hello.pcap");
    write_raw_ipv4_pcap(&path, &packets);
    const F: &[&str] = &[
        "frame.number",
        "tls.record.version",
        "tls.handshake.type",
        "tls.handshake.version",
        "tls.handshake.cipherspec",
        "tls.handshake.ciphersuite",
        "tls.handshake.challenge_length",
        "tls.alert_message.desc",
    ];
    let theirs = rows(&path, F);
    let ours = packets_json(&path);
    let c = |n: usize, f: &str| col(F, &theirs[n - 1], f).to_vec();
    // tshark: an SSL 2.0 record holding a CLIENT-HELLO of version 0x0301.
    assert_eq!(c(4, "tls.record.version"), ["0x0002"]);
    assert_eq!(c(4, "tls.handshake.type"), ["1"]);
    let p4 = frame(&ours, 4);
    assert!(p4["errors"].is_null(), "{}", p4["errors"]);
    let rec = &p4["tls"]["records"][0];
    assert_eq!(rec["sslv2"], true);
    assert_eq!(rec["length"].as_u64(), Some(v2.len() as u64));
    let h = &p4["tls"]["handshakes"][0];
    assert_eq!(h["type"], "client_hello");
    assert_eq!(Some(num(&c(4, "tls.handshake.version")[0])), Some(0x0301));
    assert_eq!(h["version"], "TLS 1.0");
    // The TLS suites among the cipher specs: tshark lists all three specs.
    let specs: Vec<u64> = c(4, "tls.handshake.cipherspec")
        .iter()
        .map(|v| num(v))
        .collect();
    assert_eq!(specs, [0x2f, 0x35, 0x010080]);
    let suites: Vec<u64> = h["cipher_suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(suites, [0x2f, 0x35]);
    // The challenge (tshark 4.0 shows only its length), right-aligned in
    // the 32-byte random.
    assert_eq!(c(4, "tls.handshake.challenge_length"), ["16"]);
    let random = h["random"].as_str().unwrap();
    assert_eq!(&random[..32], "0".repeat(32));
    assert_eq!(&random[32..], "0102030405060708090a0b0c0d0e0f10");
    // The server's ServerHello and the client's next record, as tshark.
    assert_eq!(c(5, "tls.handshake.ciphersuite"), ["0x002f"]);
    assert_eq!(
        frame(&ours, 5)["tls"]["handshakes"][0]["cipher_suite"],
        0x2f
    );
    assert_eq!(c(6, "tls.alert_message.desc"), ["40"]);
    let alert = &frame(&ours, 6)["tls"]["alerts"][0];
    assert!(frame(&ours, 6)["errors"].is_null());
    assert_eq!(alert["level"], "fatal");
    assert_eq!(alert["description"], "handshake_failure");
}
