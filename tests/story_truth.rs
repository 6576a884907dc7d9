//! The story says only what the wire proves: regressions for sentences
//! that were false, on lab captures, in both languages, and the notes
//! check quoting the loaded notes (or calling a claim a common one).

mod common;

use common::*;
use serde_json::{json, Value};

fn text(name: &str, extra: &[&str]) -> String {
    story_text(name, extra)
}

/// Every line of every step, one string per language.
fn lines(load: &Value) -> String {
    let mut out = String::new();
    for s in load["steps"].as_array().unwrap() {
        for l in s["lines"].as_array().unwrap() {
            out.push_str(l.as_str().unwrap());
            out.push('\n');
        }
        if let Some(r) = s["reason"].as_str() {
            out.push_str(r);
            out.push('\n');
        }
    }
    out
}

fn https(load: &Value, stream: u64) -> Value {
    step(load, "http")["facts"]["https"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["stream"] == stream)
        .unwrap_or_else(|| panic!("no https fact for stream {stream}"))
        .clone()
}

fn kinds(h: &Value) -> Vec<(String, Vec<u64>)> {
    h["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["frames"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_u64().unwrap())
                    .collect(),
            )
        })
        .collect()
}

/// Frames of TLS records of this length in this direction, from tshark.
fn tshark_record_frames(name: &str, filter: &str) -> Vec<u64> {
    tshark_fields(&sample(name), &["-Y", filter], &["frame.number"])
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect()
}

#[test]
fn tickets_are_not_responses_and_records_are_named_by_rule() {
    // dhcp-pageload 25 → 27 and curl-ipv6 15 → 17 were "first response
    // data"; 27/28 and 17/18 are the NewSessionTickets.
    for (name, finished, tickets, request, response, close) in [
        ("dhcp-pageload.pcapng", 24, vec![27, 28], 25, 30, vec![31]),
        ("curl-ipv6.pcapng", 14, vec![17, 18], 15, 19, vec![21]),
        ("tls-hrr.pcapng", 17, vec![18, 19], 20, 25, vec![27, 28]),
    ] {
        let s = story(name, &["--lang", "en"]);
        let l = &s["page_loads"][0];
        let h = https(l, 0);
        let k = kinds(&h);
        assert!(
            k.contains(&("client_finished".into(), vec![finished])),
            "{name}: {k:?}"
        );
        assert!(
            k.contains(&("session_ticket".into(), tickets.clone())),
            "{name}: {k:?}"
        );
        assert!(
            k.contains(&("close_notify".into(), close.clone())),
            "{name}: {k:?}"
        );
        assert_eq!(h["request_frame"], request, "{name}");
        assert_eq!(h["first_response_frame"], response, "{name}");
        assert_eq!(h["opened_and_never_used"], false);
        // Sizes split: application records are far less than the payload.
        let app = h["application_bytes"][1].as_u64().unwrap();
        assert!(app < h["server_bytes"].as_u64().unwrap(), "{name}");
        assert_eq!(step(l, "http")["status"], "inferred");
        // The tickets are the same length, as tshark reads them.
        if tshark_ok() {
            let same: Vec<u64> = tshark_record_frames(
                name,
                &format!(
                    "tls.record.opaque_type==23 && tls.record.length=={}",
                    tshark_fields(
                        &sample(name),
                        &["-Y", &format!("frame.number=={}", tickets[0])],
                        &["tls.record.length"]
                    )[0][0]
                ),
            );
            assert!(tickets.iter().all(|t| same.contains(t)), "{name}: {same:?}");
            // close_notify: 19-byte records, the last of each direction.
            let nineteen = tshark_record_frames(name, "tls.record.length==19");
            assert_eq!(nineteen, close, "{name}");
        }
        let en = lines(l);
        assert!(en.contains("session tickets (NewSessionTicket)"), "{name}");
        assert!(en.contains("so they are estimated"), "{name}");
        assert!(!en.contains("first response data"), "{name}");
        let zh = lines(&story(name, &["--lang", "zh"])["page_loads"][0]);
        assert!(zh.contains("会话票据（NewSessionTicket）"), "{name}");
        assert!(zh.contains("只能估计"), "{name}");
    }
}

fn tshark_ok() -> bool {
    have_tshark()
}

#[test]
fn chromiums_speculative_connection_is_opened_and_never_used() {
    let s = story("chromium-pageload.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let h = https(l, 1);
    assert_eq!(h["opened_and_never_used"], true);
    assert!(h["request_frame"].is_null());
    assert!(h["first_response_frame"].is_null());
    assert!(kinds(&h).contains(&("client_finished".into(), vec![88])));
    let en = lines(l);
    assert!(en.contains("(stream 1): opened and never used — after its Finished (frame 88)"));
    assert!(!en.contains("frames 88 → 93"));
    // The main connection: the h2 prefaces are not the exchange.
    let main = https(l, 0);
    assert_eq!(main["request_frame"], 97);
    assert_eq!(main["first_response_frame"], 100);
    assert!(kinds(&main).contains(&("h2_client_preface".into(), vec![96])));
    assert!(kinds(&main).contains(&("h2_server_settings".into(), vec![92])));
    let zh = lines(&story("chromium-pageload.pcapng", &["--lang", "zh"])["page_loads"][0]);
    assert!(zh.contains("（流 1）：建立后从未使用"));
    // The connection ends with FIN then RST: no TIME_WAIT, and why.
    let teardown = &step(l, "tcp_teardown")["lines"];
    let t = teardown.to_string();
    assert!(t.contains("then the connection was aborted with RST (frame 95)"));
    assert!(t.contains("no TIME_WAIT follows"));
}

#[test]
fn post_quantum_protection_only_when_the_server_hello_chose_it() {
    if tshark_ok() {
        // tshark: the ServerHello's key share group is 29 (x25519).
        let g = tshark_fields(
            &sample("chromium-pageload.pcapng"),
            &["-Y", "tls.handshake.type==2"],
            &["tls.handshake.extensions_key_share_group"],
        );
        assert!(g.iter().all(|r| r[0] == "29"), "{g:?}");
    }
    let en = lines(&story("chromium-pageload.pcapng", &["--lang", "en"])["page_loads"][0]);
    assert!(!en.contains("cannot recover the keys"));
    assert!(en.contains("but the ServerHello (frame 76) chose x25519"));
    let zh = lines(&story("chromium-pageload.pcapng", &["--lang", "zh"])["page_loads"][0]);
    assert!(!zh.contains("未来的量子计算机也无法"));
    assert!(zh.contains("但 ServerHello（帧 76）选择了 x25519"));
}

#[test]
fn tls12_alpn_is_in_the_clear_server_hello_or_absent() {
    for (name, en_want, zh_want) in [
        (
            "curl-tls12.pcapng",
            "ALPN offered http/1.1; the ServerHello chose http/1.1.",
            "ALPN 提供 http/1.1；ServerHello 选择了 http/1.1。",
        ),
        (
            "tls12-noalpn.pcapng",
            "The client offered no ALPN.",
            "客户端没有提供 ALPN。",
        ),
    ] {
        let en = lines(&story(name, &["--lang", "en"])["page_loads"][0]);
        assert!(en.contains(en_want), "{name}: {en}");
        assert!(!en.contains("EncryptedExtensions"), "{name}");
        assert!(!en.contains("ALPN offered ,"), "{name}");
        assert!(!en.contains("key shares for ."), "{name}");
        assert!(en.contains("no key shares"), "{name}");
        let zh = lines(&story(name, &["--lang", "zh"])["page_loads"][0]);
        assert!(zh.contains(zh_want), "{name}: {zh}");
        assert!(!zh.contains("EncryptedExtensions"), "{name}");
    }
    if tshark_ok() {
        let alpn = tshark_fields(
            &sample("tls12-noalpn.pcapng"),
            &["-Y", "tls.handshake.extensions_alpn_str"],
            &["frame.number"],
        );
        assert!(alpn.is_empty());
    }
}

#[test]
fn certificates_are_chains_signed_by_their_issuer_and_verified_by_the_client() {
    let s = story("curl-tls12.pcapng", &["--lang", "en"]);
    let tls = step(&s["page_loads"][0], "tls_handshake");
    let all = tls.to_string();
    assert!(all.contains("It is a chain of 1 certificate; it is CN=www.google.com, self-signed"));
    assert!(!all.contains("carries the public key and the CA's signature only"));
    assert!(all.contains("it skipped the check (curl -k"));
    let s = story("chromium-pageload.pcapng", &["--lang", "en"]);
    let all = step(&s["page_loads"][0], "tls_handshake").to_string();
    assert!(!all.contains("the certificate only signs the handshake"));
    assert!(all.contains("CertificateVerify, RFC 8446 §4.4.3"));
    let s = story("curl-tls12.pcapng", &["--lang", "zh"]);
    let all = step(&s["page_loads"][0], "tls_handshake").to_string();
    assert!(all.contains("它是由 1 张证书组成的证书链"));
    assert!(all.contains("自签名"));
}

#[test]
fn a_hello_retry_request_is_followed_to_the_real_server_hello() {
    let s = story("tls-hrr.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let tls = step(l, "tls_handshake");
    let f = &tls["facts"];
    assert_eq!(f["hello_retry_request_frame"], 13);
    assert_eq!(f["second_client_hello_frame"], 15);
    assert_eq!(f["server_hello_frame"], 16);
    assert_eq!(f["key_share_group"], "secp384r1");
    assert_eq!(f["round_trips"], 2);
    assert_eq!(f["version"], "TLS 1.3");
    if tshark_ok() {
        let hellos = tshark_fields(
            &sample("tls-hrr.pcapng"),
            &["-Y", "tls.handshake.type==1 || tls.handshake.type==2"],
            &[
                "frame.number",
                "tls.handshake.extensions_key_share_group",
                "tls.handshake.extensions_key_share_selected_group",
            ],
        );
        let got: Vec<(&str, &str)> = hellos
            .iter()
            .map(|r| {
                (
                    r[0].as_str(),
                    if r[1].is_empty() {
                        r[2].as_str()
                    } else {
                        r[1].as_str()
                    },
                )
            })
            .collect();
        // tshark: the HelloRetryRequest names 24 (secp384r1).
        assert_eq!(
            got,
            [("11", "29"), ("13", "24"), ("15", "24"), ("16", "24")]
        );
    }
    let en = lines(l);
    assert!(!en.contains("No ServerHello was captured"));
    assert!(en.contains("Frame 15: the second ClientHello, now with a key share for secp384r1"));
    assert!(en.contains("TLS 1.3: 2 round trips, one more for the HelloRetryRequest"));
    let zh = lines(&story("tls-hrr.pcapng", &["--lang", "zh"])["page_loads"][0]);
    assert!(!zh.contains("没有抓到 ServerHello"));
    assert!(zh.contains("帧 15：第二个 ClientHello，这次带有 secp384r1 的密钥共享"));
    assert!(zh.contains("TLS 1.3：2 个往返"));
}

#[test]
fn head_has_no_body_and_an_upgrade_is_not_a_cacheable_fetch() {
    let s = story("http-keepalive.pcapng", &["--lang", "en"]);
    let en = lines(&s["page_loads"][0]);
    let f21 = en.lines().find(|l| l.starts_with("Frame 21:")).unwrap();
    assert!(f21.contains("a response to HEAD has no body"), "{f21}");
    assert!(!f21.contains("the body is the requested resource"));
    let zh = lines(&story("http-keepalive.pcapng", &["--lang", "zh"])["page_loads"][0]);
    let f21 = zh.lines().find(|l| l.starts_with("帧 21：")).unwrap();
    assert!(f21.contains("对 HEAD 的响应没有响应体"), "{f21}");
    if tshark_ok() {
        let m = tshark_fields(
            &sample("http-keepalive.pcapng"),
            &["-Y", "frame.number==21"],
            &["http.request_in", "http.response.code"],
        );
        assert_eq!(m[0], ["20", "200"]);
    }
    let s = story("websocket.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let en = lines(l);
    assert!(!en.contains("safe and idempotent, so it may be cached"));
    assert!(en.contains("GET with Upgrade: websocket asks the server to switch"));
    assert_eq!(
        step(l, "url")["facts"]["url"],
        "ws://www.google.com:8080/chat"
    );
}

#[test]
fn dhcp_lease_is_told_with_t1_t2_and_expiry() {
    let s = story("dhcp-pageload.pcapng", &["--lang", "en"]);
    let d = step(&s["page_loads"][0], "dhcp");
    let (mut t1, mut t2, mut lease) = (1800, 3150, 3600);
    if tshark_ok() {
        let v = tshark_fields(
            &sample("dhcp-pageload.pcapng"),
            &["-Y", "dhcp.option.dhcp==5"],
            &[
                "dhcp.option.renewal_time_value",
                "dhcp.option.rebinding_time_value",
                "dhcp.option.ip_address_lease_time",
            ],
        );
        t1 = v[0][0].parse().unwrap();
        t2 = v[0][1].parse().unwrap();
        lease = v[0][2].parse().unwrap();
    }
    assert_eq!(d["facts"]["renewal_seconds"], t1);
    assert_eq!(d["facts"]["rebinding_seconds"], t2);
    assert_eq!(d["facts"]["lease_seconds"], lease);
    let en = d["lines"].to_string();
    assert!(!en.contains("after which it must renew"));
    assert!(en.contains(&format!(
        "at T1 = {t1} s (option 58) it asks its server to renew"
    )));
    let zh = step(
        &story("dhcp-pageload.pcapng", &["--lang", "zh"])["page_loads"][0],
        "dhcp",
    )["lines"]
        .to_string();
    assert!(zh.contains(&format!("到 T1 = {t1} 秒（选项 58）时向原服务器续约")));
}

#[test]
fn steps_that_do_not_apply_say_so() {
    let s = story("any-sll2.pcap", &["--lang", "en"]);
    assert_eq!(
        step(&s["page_loads"][0], "tls_handshake")["status"],
        "not_applicable"
    );
    let s = story("http3.pcapng", &["--lang", "en"]);
    let l = s["page_loads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| step(l, "tcp_handshake")["status"] == "not_applicable")
        .expect("the HTTP/3 load has no TCP handshake");
    assert!(step(l, "tcp_handshake")["reason"]
        .as_str()
        .unwrap()
        .contains("QUIC"));
    let t = text("any-sll2.pcap", &["--lang", "zh"]);
    assert!(t.contains("[不适用]"));
    let t = text("any-sll2.pcap", &["--lang", "en"]);
    assert!(t.contains("[not applicable]"));
}

#[test]
fn syn_options_are_read_as_a_teacher_reads_them() {
    let s = story("curl-ipv6.pcapng", &["--lang", "en"]);
    let en = step(&s["page_loads"][0], "tcp_handshake")["lines"].to_string();
    assert!(en.contains("MSS 1440 = 1500-byte Ethernet MTU − 40 (IPv6 header) − 20 (TCP header)"));
    assert!(en.contains("window scaling is on (client shift 10, server 10"));
    let s = story("tls-hrr.pcapng", &["--lang", "en"]);
    let en = step(&s["page_loads"][0], "tcp_handshake")["lines"].to_string();
    assert!(en.contains("MSS 1460 = 1500-byte Ethernet MTU − 20 (IPv4 header) − 20 (TCP header)"));
    assert!(en.contains("ephemeral"));
    let s = story("curl-ipv6.pcapng", &["--lang", "zh"]);
    let zh = step(&s["page_loads"][0], "tcp_handshake")["lines"].to_string();
    assert!(zh.contains("窗口扩大因子 10、允许 SACK、时间戳"));
    assert!(!zh.contains("window scale"));
    assert!(!zh.contains("SACK permitted"));
}

const BUILTIN_EN: &str = include_str!("../src/notes/en.md");
const BUILTIN_ZH: &str = include_str!("../src/notes/zh.md");

fn checks(s: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for l in s["page_loads"].as_array().unwrap() {
        for st in l["steps"].as_array().unwrap() {
            out.extend(st["notes_check"].as_array().unwrap().iter().cloned());
        }
    }
    out
}

fn check<'a>(all: &'a [Value], id: &str) -> &'a Value {
    all.iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {all:?}"))
}

#[test]
fn the_notes_check_quotes_notes_that_make_the_claim() {
    let claims =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/notes-claims.md");
    let n = claims.to_str().unwrap();
    let hrr = checks(&story("tls-hrr.pcapng", &["--lang", "en", "--notes", n]));
    for (id, quote) in [
        ("rsa_key_transport", "The client makes a third random number, encrypts it with the public key from the certificate, and both sides compute the session key from the three random numbers."),
        ("handshake_state_names", "During the handshake the client is in SYN_SEND and the server in SYN_REVD."),
        ("ack_in_sequence_field", "The answering side puts the other side's sequence number plus one in its own sequence number field."),
        ("close_takes_four_segments", "Closing a connection always takes four segments: FIN, ACK, FIN, ACK."),
        ("https_slow", "HTTPS is slow because every connection needs a long handshake."),
        ("mac_after_dns", "The browser parses the URL, then DNS gives the server's IP, and only then is the MAC looked up."),
    ] {
        let c = check(&hrr, id);
        assert_eq!(c["quote"], quote, "{id}");
    }
    let tls12 = checks(&story("curl-tls12.pcapng", &["--lang", "en", "--notes", n]));
    assert_eq!(
        check(&tls12, "certificate_holds_private_key")["quote"],
        "A certificate contains the subject's public key and the subject's private key."
    );
    assert_eq!(
        check(&tls12, "both_send_public_keys")["quote"],
        "Both sides send each other their public keys."
    );
    let ka = checks(&story(
        "http-keepalive.pcapng",
        &["--lang", "en", "--notes", n],
    ));
    assert_eq!(
        check(&ka, "http_connectionless")["quote"],
        "HTTP is connectionless: each connection carries one request and is closed by the server after the answer."
    );
    let t = text("curl-tls12.pcapng", &["--lang", "en", "--notes", n]);
    assert!(
        t.contains("the notes (§09) say: “A certificate contains the subject's public key and the")
    );
    // Chinese notes, Chinese story.
    let zh = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/notes-claims.zh.md");
    let z = zh.to_str().unwrap();
    let c = checks(&story("curl-tls12.pcapng", &["--lang", "zh", "--notes", z]));
    assert_eq!(
        check(&c, "certificate_holds_private_key")["quote"],
        "证书中包括使用者的公钥和使用者的私钥。"
    );
    assert_eq!(
        check(&c, "rsa_key_transport")["quote"],
        "客户端再生成一个随机数，用证书中的公钥加密这个随机数，双方用三个随机数生成会话密钥。"
    );
    let c = checks(&story("tls-hrr.pcapng", &["--lang", "zh", "--notes", z]));
    assert_eq!(
        check(&c, "ack_in_sequence_field")["quote"],
        "服务端收到 FIN 之后发送 ACK 报文，且把客户端的序列号值 +1 作为 ACK 报文的序列号值。"
    );
    assert_eq!(
        check(&c, "handshake_state_names")["quote"],
        "第一次握手后客户端处于 SYN_SEND 状态。"
    );
    let t = text("curl-tls12.pcapng", &["--lang", "zh", "--notes", z]);
    assert!(t.contains("笔记（§09）写道：“证书中包括使用者的公钥和使用者的私钥。”"));
}

#[test]
fn notes_that_say_the_opposite_or_say_nothing_are_never_quoted() {
    let opposite =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/notes-opposite.md");
    let o = opposite.to_str().unwrap();
    for name in [
        "tls-hrr.pcapng",
        "curl-tls12.pcapng",
        "http-keepalive.pcapng",
        "websocket.pcapng",
        "chromium-pageload.pcapng",
    ] {
        for args in [
            vec!["--lang", "en", "--notes", o],
            vec!["--lang", "en"],
            vec!["--lang", "zh"],
        ] {
            let s = story(name, &args);
            let all = checks(&s);
            assert!(!all.is_empty(), "{name}");
            // The opposite notes deny each claim: nothing is quoted. The
            // built-in notes make few; what is quoted is their own words.
            let builtin = if args.contains(&"zh") {
                BUILTIN_ZH
            } else {
                BUILTIN_EN
            };
            for c in &all {
                if let Some(q) = c["quote"].as_str() {
                    assert!(
                        !args.contains(&"--notes"),
                        "{name}: quoted the opposite notes: {c}"
                    );
                    let q = q.trim_end_matches('…');
                    assert!(
                        builtin.contains(q),
                        "{name}: {q} is not in the built-in notes"
                    );
                }
            }
            let t = text(name, &args);
            assert!(!t.contains("the notes say"), "{name}");
            assert!(!t.contains("笔记说"), "{name}");
            if args.contains(&"zh") {
                assert!(t.contains("常见的说法是："), "{name}");
            } else {
                assert!(t.contains("a common claim is: "), "{name}");
            }
        }
    }
    // A notes file without the cited section: a common claim, no quote.
    let s = story("curl-tls12.pcapng", &["--lang", "en", "--notes", o]);
    let c = checks(&s);
    assert!(check(&c, "certificate_holds_private_key")["quote"].is_null());
    assert_eq!(
        check(&c, "certificate_holds_private_key")["claim"],
        json!("A certificate contains the subject's public key and private key.")
    );
}

#[test]
fn close_notify_before_fin_and_sni_in_the_clear_are_told() {
    let s = story("tls-hrr.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let t = step(l, "tcp_teardown")["lines"].to_string();
    assert!(t.contains("the client sent close_notify (frame 28) before its FIN (frame 30)"));
    assert!(t.contains("the server sent close_notify (frame 27) before its FIN (frame 29)"));
    // curl-tls12: nginx closes without close_notify; tshark sees one alert
    // record, the client's, in frame 16.
    let s = story("curl-tls12.pcapng", &["--lang", "zh"]);
    let t = step(&s["page_loads"][0], "tcp_teardown")["lines"].to_string();
    assert!(
        t.contains("客户端在 FIN（帧 18）之前发送了 close_notify（帧 16）"),
        "{t}"
    );
    assert!(
        t.contains("服务器发送 FIN（帧 17）之前没有看到 close_notify"),
        "{t}"
    );
    if tshark_ok() {
        assert_eq!(
            tshark_record_frames("curl-tls12.pcapng", "tls.record.content_type==21"),
            [16]
        );
    }
    let tls = step(l, "tls_handshake")["lines"].to_string();
    assert!(tls.contains("The server name www.google.com travels in the clear (SNI, RFC 6066 §3)"));
}

#[test]
fn quic_on_another_port_is_one_load_with_the_right_client() {
    // samples/quic-port.pcapng: Chromium to an aioquic server on UDP 4433.
    let s = story("quic-port.pcapng", &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1, "one QUIC connection is one page load");
    let l = &loads[0];
    assert_eq!(l["client"], "2001:db8:1::10");
    assert_eq!(l["server"], "2001:db8:2::100");
    let tls = step(l, "tls_handshake");
    if tshark_ok() {
        let sh = tshark_fields(
            &sample("quic-port.pcapng"),
            &["-Y", "tls.handshake.type==2"],
            &["frame.number", "udp.srcport"],
        );
        assert_eq!(sh[0][1], "4433");
        assert_eq!(
            tls["facts"]["server_hello_frame"],
            sh[0][0].parse::<u64>().unwrap()
        );
    }
    let en = lines(l);
    assert!(!en.contains("No ServerHello"));
    assert!(!en.contains("UDP 443"));
    assert!(en.contains("The page came over QUIC (UDP port 4433)"));
    // Chromium's ECH extension with no published configuration is GREASE.
    assert!(en.contains("it is most likely GREASE ECH"));
    assert_eq!(step(l, "tcp_handshake")["status"], "not_applicable");
    assert_eq!(step(l, "tcp_teardown")["status"], "not_applicable");
    assert_eq!(step(l, "http")["status"], "inferred");
    let zh = lines(&story("quic-port.pcapng", &["--lang", "zh"])["page_loads"][0]);
    assert!(zh.contains("页面通过 QUIC（UDP 端口 4433）传输"));
    assert!(zh.contains("很可能是 GREASE ECH"));
}

#[test]
fn tls12_sizes_are_application_records_as_tshark_counts_them() {
    let s = story("curl-tls12.pcapng", &["--lang", "en"]);
    let en = lines(&s["page_loads"][0]);
    let (mut c, mut sv) = (107, 559);
    if tshark_ok() {
        // Record lengths plus their 5-byte headers, per direction.
        let rows = tshark_fields(
            &sample("curl-tls12.pcapng"),
            &["-Y", "tls.record.content_type==23"],
            &["tcp.srcport", "tls.record.length"],
        );
        let sum = |client: bool| -> u64 {
            rows.iter()
                .filter(|r| (r[0] != "443") == client)
                .map(|r| r[1].parse::<u64>().unwrap() + 5)
                .sum()
        };
        c = sum(true);
        sv = sum(false);
    }
    assert!(
        en.contains(&format!(
            "application-data records {c} bytes from the client and {sv} from the server"
        )),
        "{en}"
    );
    assert!(en.contains("the first client record of application data (frame 14)"));
}

#[test]
fn later_requests_are_not_claimed_as_a_browsers_and_the_timeline_is_chinese() {
    let s = story("http-keepalive.pcapng", &["--lang", "en"]);
    let r = step(&s["page_loads"][0], "render")["lines"].to_string();
    assert!(r.contains("the wire cannot tell which"), "{r}");
    assert!(!r.contains("the browser fetched more"));
    let s = story("http-keepalive.pcapng", &["--lang", "zh"]);
    let r = step(&s["page_loads"][0], "render")["lines"].to_string();
    assert!(r.contains("秒  帧 16  GET /style.css"), "{r}");
    assert!(!r.contains("frame 16"));
}
