//! `explain` on the bundled samples: each step's status, frames and key
//! facts, the notes it cites and the notes checks, in English and Chinese,
//! with the built-in notes and with a notes file of one's own.

mod common;

use common::*;
use serde_json::{json, Value};

fn ids(load: &Value) -> Vec<String> {
    load["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn sections(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["section"].as_str().unwrap().to_string())
        .collect()
}

const STEPS: [&str; 9] = [
    "url",
    "cache",
    "dns",
    "arp",
    "tcp_handshake",
    "tls_handshake",
    "http",
    "render",
    "tcp_teardown",
];

#[test]
fn curl_redirect_story() {
    let s = story("curl-redirect.pcapng", &["--lang", "en"]);
    assert_eq!(s["lang"], "en");
    assert_eq!(s["notes_source"], "built-in (en)");
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    let l = &loads[0];
    assert_eq!(l["host"], "google.com");
    assert_eq!(l["client"], "198.51.100.10");
    assert_eq!(l["server"], "203.0.113.100");
    assert_eq!(ids(l), STEPS);

    let url = step(l, "url");
    assert_eq!(url["status"], "inferred");
    assert_eq!(url["facts"]["scheme"], "http");
    assert_eq!(url["facts"]["port"], 80);
    assert_eq!(
        url["facts"]["redirect_to_https"],
        json!({"frame": 12, "status": 301, "location": "https://www.google.com/"})
    );
    assert_eq!(url["frames"], json!([7, 12]));

    let cache = step(l, "cache");
    assert_eq!(cache["status"], "inferred");
    assert_eq!(cache["facts"]["dns_before_connect"], true);
    assert_eq!(cache["frames"], json!([5]));

    let dns = step(l, "dns");
    assert_eq!(dns["status"], "observed");
    assert_eq!(dns["frames"], json!([5, 6, 14, 15]));
    assert_eq!(dns["facts"]["resolver"], "203.0.113.53");
    assert_eq!(
        dns["facts"]["cname_chain"],
        json!(["www.google.com", "www3.l.google.com"])
    );
    assert_eq!(dns["facts"]["addresses"], json!(["203.0.113.100"]));
    assert_eq!(dns["facts"]["queries"][0]["rd"], true);
    assert_eq!(dns["facts"]["responses"][0]["ra"], true);
    assert_eq!(dns["facts"]["responses"][0]["answers"][0]["ttl"], 300);
    assert_eq!(sections(&dns["notes"]), ["04", "11"]);

    let arp = step(l, "arp");
    assert_eq!(arp["status"], "observed");
    assert_eq!(arp["frames"], json!([3, 4]));
    assert_eq!(arp["facts"]["next_hop_ip"], "198.51.100.1");
    assert_eq!(arp["facts"]["next_hop_mac"], "52:74:10:ce:1b:31");
    assert_eq!(arp["facts"]["server_on_link"], false);
    // ARP comes before DNS here: the notes' order is checked.
    assert_eq!(arp["notes_check"][0]["section"], "04");
    assert_eq!(arp["notes_check"][0]["frames"], json!([3, 5]));

    let tcp = step(l, "tcp_handshake");
    assert_eq!(tcp["status"], "observed");
    assert_eq!(tcp["frames"], json!([7, 8, 9]));
    assert_eq!(tcp["facts"]["client_isn"], 4070690540u64);
    assert_eq!(tcp["facts"]["server_isn"], 224684118);
    assert_eq!(tcp["facts"]["syn_ack_acks_client_isn_plus_1"], true);
    assert_eq!(tcp["facts"]["ack_acks_server_isn_plus_1"], true);
    assert_eq!(tcp["facts"]["negotiated"]["sack"], true);
    assert_eq!(tcp["facts"]["other_connections"][0]["syn_frame"], 16);
    assert_eq!(sections(&tcp["notes"]), ["12", "04"]);

    let tls = step(l, "tls_handshake");
    assert_eq!(tls["status"], "observed");
    assert_eq!(tls["facts"]["sni"], "www.google.com");
    assert_eq!(tls["facts"]["version"], "TLS 1.3");
    assert_eq!(tls["facts"]["cipher_suite"], "TLS_AES_256_GCM_SHA384");
    assert_eq!(tls["facts"]["server_hello_frame"], 21);
    assert_eq!(tls["facts"]["round_trips"], 1);
    // TLS 1.3 contradicts the "three randoms" RSA handshake of the notes.
    assert_eq!(tls["notes_check"][0]["section"], "07");
    assert_eq!(tls["notes_check"][0]["frames"], json!([19, 21]));

    let http = step(l, "http");
    assert_eq!(http["status"], "observed");
    assert_eq!(http["facts"]["requests"][0]["method"], "GET");
    assert_eq!(http["facts"]["responses"][0]["status"], 301);
    assert_eq!(
        http["facts"]["responses"][0]["location"],
        "https://www.google.com/"
    );
    assert_eq!(http["facts"]["redirect_connection"]["syn_frame"], 16);
    assert_eq!(http["facts"]["https"][0]["sni"], "www.google.com");
    // The server left HTTP/1.1 open; the client closed it.
    assert_eq!(http["notes_check"][0]["section"], "01");
    assert_eq!(http["notes_check"][0]["frames"], json!([12, 28]));
    assert_eq!(sections(&http["notes"]), ["01", "10", "02", "03"]);

    // curl renders nothing: nothing follows the document.
    assert_eq!(step(l, "render")["status"], "not_visible");

    let down = step(l, "tcp_teardown");
    assert_eq!(down["status"], "observed");
    assert_eq!(down["frames"], json!([28, 29, 30, 32, 33, 34]));
    let conns = &down["facts"]["connections"];
    assert_eq!(conns[0]["closed_by"], "client");
    assert_eq!(conns[0]["time_wait"], "client");
    assert_eq!(conns[0]["segments"], 3);
    assert_eq!(conns[1]["closed_by"], "server");
    assert_eq!(down["notes_check"][0]["section"], "12");

    assert_eq!(s["left_out"], json!({"icmp": 4, "ndp": 1}));
    assert_eq!(
        sections(&s["uncited_sections"]),
        ["13"],
        "sections this capture does not illustrate"
    );
    // The ladder: client, gateway, resolver, server; an arrow per packet.
    let lanes: Vec<&str> = l["ladder"]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["role"].as_str().unwrap())
        .collect();
    assert_eq!(lanes, ["client", "gateway", "resolver", "server"]);
    assert_eq!(l["ladder"]["arrows"].as_array().unwrap().len(), 32);
}

#[test]
fn chromium_story() {
    let s = story("chromium-pageload.pcapng", &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1, "background lookups are not page loads");
    let l = &loads[0];
    assert_eq!(l["host"], "www.google.com");
    assert_eq!(l["client"], "2001:db8:1::10");
    let dns = step(l, "dns");
    assert_eq!(dns["facts"]["parallel_a_aaaa"], true);
    assert_eq!(dns["facts"]["https_records"], json!(["1 . alpn=h2,h3"]));
    assert_eq!(
        dns["frames"].as_array().unwrap()[..6],
        json!([61, 62, 63, 64, 65, 66]).as_array().unwrap()[..]
    );
    let arp = step(l, "arp");
    assert_eq!(arp["facts"]["protocol"], "NDP");
    assert_eq!(arp["facts"]["next_hop_ip"], "2001:db8:1::1");
    assert_eq!(arp["frames"], json!([1, 2, 67, 68]));
    let tls = step(l, "tls_handshake");
    assert_eq!(tls["facts"]["client_hello_frames"], json!([72, 73]));
    assert_eq!(
        tls["facts"]["post_quantum_key_share"],
        json!(["X25519MLKEM768"])
    );
    assert_eq!(tls["facts"]["key_share_group"], "x25519");
    // One address, two names: SNI, not the address, picks the certificate.
    let checks = sections(&tls["notes_check"]);
    assert_eq!(checks, ["07", "08", "08"]);
    assert_eq!(tls["notes_check"][1]["frames"], json!([119, 73]));
    let render = step(l, "render");
    assert_eq!(render["status"], "observed");
    assert_eq!(render["facts"]["other_hosts"], json!(["static.google.com"]));
    assert_eq!(render["facts"]["connections_after_document"], 1);
    assert_eq!(render["facts"]["reused_connection"], true);
    let http = step(l, "http");
    assert_eq!(http["notes_check"][0]["section"], "01");
    // Chromium's background lookups are not part of the page load; they
    // are told apart, as lookups made alone.
    assert_eq!(s["left_out"], json!({}));
    let others = s["other_stories"].as_array().unwrap();
    assert_eq!(others[0]["kind"], "dns");
    assert_eq!(others[0]["frames"].as_array().map(Vec::len), None);
    assert_eq!(
        others[0]["steps"][0]["frames"].as_array().unwrap().len(),
        58
    );
}

#[test]
fn tls12_story_names_the_key_exchange_and_the_clear_certificate() {
    let s = story("curl-tls12.pcapng", &["--lang", "en"]);
    let tls = step(&s["page_loads"][0], "tls_handshake");
    assert_eq!(tls["facts"]["version"], "TLS 1.2");
    assert_eq!(
        tls["facts"]["cipher_suite"],
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    );
    assert_eq!(tls["facts"]["round_trips"], 2);
    assert_eq!(tls["facts"]["encrypted_from_frame"], 12);
    // §09 three times: the certificate's private key, its ECDSA signature
    // (not an encryption), and who sent public keys.
    assert_eq!(sections(&tls["notes_check"]), ["07", "09", "09", "09"]);
    assert_eq!(tls["notes_check"][0]["frames"], json!([10, 12]));
    assert_eq!(
        tls["notes_check"][2]["id"],
        "signature_is_private_key_encryption"
    );
}

#[test]
fn a_capture_without_page_loads_says_so() {
    let s = story("dns-types.pcapng", &["--lang", "en"]);
    assert!(s["page_loads"].as_array().unwrap().is_empty());
    // The lookups are told as lookups made alone, not left out.
    assert_eq!(s["left_out"]["dns"], json!(null));
    assert_eq!(s["other_stories"][0]["kind"], "dns");
    assert_eq!(
        s["other_stories"][0]["steps"][0]["frames"]
            .as_array()
            .unwrap()
            .len(),
        24
    );
    let out = netexplain(&[
        "explain",
        sample("dns-types.pcapng").to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("No page load found"));
}

#[test]
fn chinese_story_and_notes() {
    let s = story("curl-redirect.pcapng", &["--lang", "zh"]);
    assert_eq!(s["lang"], "zh");
    assert_eq!(s["notes_source"], "built-in (zh)");
    let l = &s["page_loads"][0];
    // Facts do not depend on the language.
    assert_eq!(
        step(l, "tcp_handshake")["facts"]["client_isn"],
        4070690540u64
    );
    assert_eq!(step(l, "tcp_handshake")["title"], "TCP 三次握手");
    assert_eq!(
        step(l, "tcp_handshake")["notes"][0],
        json!({"section": "12", "title": "TCP 三次握手与连接释放"})
    );
    let lines: Vec<&str> = step(l, "tcp_handshake")["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(lines[0].starts_with("帧 7："), "{}", lines[0]);
    assert!(lines.iter().any(|x| x.contains("客户端 ISN + 1")));
    let check = &step(l, "tls_handshake")["notes_check"][0];
    assert!(check["claim"].as_str().unwrap().contains("三个随机数"));
    // LANG picks the language when --lang is absent.
    let out = common::netexplain_env(
        &[
            "explain",
            sample("curl-redirect.pcapng").to_str().unwrap(),
            "--brief",
        ],
        &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", ""), ("LC_MESSAGES", "")],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("页面加载 1：google.com"), "{text}");
    assert!(text.contains("TCP 三次握手"));
}

#[test]
fn own_notes_file_is_cited_and_gaps_are_listed() {
    let notes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lab-notes.md");
    let s = story(
        "curl-redirect.pcapng",
        &["--lang", "en", "--notes", notes.to_str().unwrap()],
    );
    assert_eq!(s["notes_source"], notes.to_str().unwrap());
    let l = &s["page_loads"][0];
    assert_eq!(
        step(l, "tcp_handshake")["notes"],
        json!([
            {"section": "12", "title": "Opening and closing TCP"},
            {"section": "04", "title": "From the address bar to the page"}
        ])
    );
    assert_eq!(
        step(l, "dns")["notes"][1],
        json!({"section": "11", "title": "How a resolver finds an address"})
    );
    // A section no step cites, and steps the file has no section for.
    assert_eq!(sections(&s["uncited_sections"]), ["20"]);
    let missing = s["missing_sections"].as_array().unwrap();
    assert!(missing.contains(&json!({"step": "url", "section": "01"})));
    assert!(missing.contains(&json!({"step": "tls_handshake", "section": "07"})));
    assert!(!missing.iter().any(|m| m["section"] == "12"));
    // The notes checks still appear, without a title from the file.
    assert_eq!(step(l, "tls_handshake")["notes_check"][0]["section"], "07");

    let bad = std::env::temp_dir().join(format!("netexplain-notes-{}.md", std::process::id()));
    std::fs::write(&bad, "# no sections here\n").unwrap();
    let out = netexplain(&[
        "explain",
        sample("curl-redirect.pcapng").to_str().unwrap(),
        "--notes",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no `## NN - title` section headings found"),
        "{err}"
    );
    std::fs::remove_file(&bad).ok();
}

#[test]
fn host_filter_keeps_matching_page_loads() {
    let s = story("chromium-pageload.pcapng", &["--host", "google.com"]);
    assert_eq!(s["page_loads"].as_array().unwrap().len(), 1);
    let s = story("chromium-pageload.pcapng", &["--host", "static.google.com"]);
    assert_eq!(s["page_loads"].as_array().unwrap().len(), 1);
    let s = story("chromium-pageload.pcapng", &["--host", "2001:db8:2::100"]);
    assert_eq!(s["page_loads"].as_array().unwrap().len(), 1);
    let s = story("chromium-pageload.pcapng", &["--host", "example.org"]);
    assert!(s["page_loads"].as_array().unwrap().is_empty());
    assert!(s["left_out"]["tcp"].as_u64().unwrap() > 0);
}

#[test]
fn every_sample_tells_a_story_in_every_format() {
    for path in all_samples() {
        for format in ["text", "md", "json"] {
            let out = netexplain(&["explain", path.to_str().unwrap(), "--format", format]);
            assert!(
                out.status.success(),
                "{} {format}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.contains('\u{1b}'), "no escape sequences when piped");
        }
    }
    let md = netexplain(&[
        "explain",
        sample("curl-redirect.pcapng").to_str().unwrap(),
        "--format",
        "md",
        "--lang",
        "en",
    ]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("# Page-load story\n"));
    assert!(md.contains("### 5. TCP three-way handshake — *observed*"));
    assert!(md.contains("> **Notes check §07**"));
}

#[test]
fn ipv6_cooked_vlan_and_two_interface_stories() {
    // IPv6: neighbour discovery instead of ARP, DNS over IPv6.
    let s = story("curl-ipv6.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    assert_eq!(l["client"], "2001:db8:1::10");
    let arp = step(l, "arp");
    assert_eq!(arp["status"], "observed");
    assert_eq!(arp["facts"]["protocol"], "NDP");
    assert_eq!(arp["frames"], json!([1, 2]));
    assert_eq!(arp["facts"]["next_hop_ip"], "2001:db8:1::1");
    let dns = step(l, "dns");
    assert_eq!(dns["facts"]["resolver"], "2001:db8:2::53");
    assert_eq!(dns["facts"]["parallel_a_aaaa"], true);
    assert_eq!(step(l, "tls_handshake")["facts"]["version"], "TLS 1.3");
    assert_eq!(
        step(l, "tcp_teardown")["facts"]["connections"][0]["closed_by"],
        "server"
    );

    // A Linux cooked capture has ARP but no Ethernet header on the SYN.
    let s = story("any-sll2.pcap", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let arp = step(l, "arp");
    assert_eq!(arp["status"], "observed");
    assert_eq!(arp["frames"], json!([1, 2]));
    assert!(arp["facts"]["next_hop_mac"].is_null());
    assert_eq!(step(l, "tls_handshake")["status"], "not_applicable");
    assert_eq!(step(l, "http")["facts"]["responses"][0]["status"], 301);

    // 802.1Q-tagged frames tell the same story; on VLAN 100 the gateway
    // is 192.0.2.1.
    let s = story("nano-vlan.pcap", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    assert_eq!(step(l, "tcp_handshake")["frames"], json!([9, 10, 11]));
    assert_eq!(step(l, "arp")["frames"], json!([1, 2]));
    assert_eq!(step(l, "arp")["facts"]["next_hop_ip"], "192.0.2.1");

    // Both sides of the gateway: each packet is told once, from the
    // interface the connection was first seen on.
    let s = story("two-interfaces.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    assert_eq!(step(l, "dns")["frames"], json!([3, 4]));
    let tcp = step(l, "tcp_handshake");
    assert_eq!(tcp["frames"], json!([5, 6, 7]));
    assert!(tcp["facts"]["syn_retries"].is_null());
    // The far-side copies are told by the route step, not left out.
    assert!(s["left_out"]["tcp"].is_null(), "{}", s["left_out"]);
    assert_eq!(
        step(l, "route")["facts"]["copies"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

#[test]
fn bounds_are_configurable_and_what_they_drop_is_shown() {
    let s = story(
        "chromium-pageload.pcapng",
        &[
            "--lang",
            "en",
            "--max-conversations",
            "1",
            "--max-tls-message",
            "512",
        ],
    );
    assert!(s["flow"]["conversations_evicted"].as_u64().unwrap() >= 2);
    let out = netexplain(&[
        "explain",
        sample("chromium-pageload.pcapng").to_str().unwrap(),
        "--lang",
        "en",
        "--max-conversations",
        "1",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Tracker bounds reached:"), "{text}");
    let out = netexplain(&[
        "packets",
        sample("chromium-pageload.pcapng").to_str().unwrap(),
        "--max-tls-message",
        "512",
        "--format",
        "json",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("exceed the 512-byte bound and were dropped"),
        "a TLS message over the bound is reported"
    );
}

#[test]
fn websocket_upgrade_is_told_and_cites_the_notes() {
    let s = story("websocket.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    assert_eq!(l["host"], "www.google.com");
    let ws = step(l, "websocket");
    assert_eq!(ws["status"], "observed");
    assert_eq!(ws["frames"], json!([18, 20, 22, 33, 34]));
    assert_eq!(ws["facts"]["request_frame"], 18);
    assert_eq!(ws["facts"]["switching_frame"], 20);
    assert_eq!(ws["facts"]["accept_valid"], true);
    assert_eq!(ws["facts"]["frames_from_client"], 7);
    assert_eq!(ws["facts"]["frames_from_server"], 5);
    // The notes' claims about the format and the ports, checked.
    let checks: Vec<&str> = ws["notes_check"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["observed"].as_str().unwrap())
        .collect();
    assert_eq!(checks.len(), 2, "{checks:?}");
    assert!(checks[0].contains("12 frames carried 2114 payload bytes in 56 bytes"));
    assert!(checks[1].contains("port 8080"));
    assert_eq!(sections(&ws["notes"]), ["13"]);
    assert!(!sections(&s["uncited_sections"]).contains(&"13".to_string()));
    assert_eq!(step(l, "http")["facts"]["responses"][0]["status"], 101);
    let zh = story("websocket.pcapng", &["--lang", "zh"]);
    assert_eq!(
        step(&zh["page_loads"][0], "websocket")["title"],
        "WebSocket 升级"
    );
}

#[test]
fn dhcp_comes_before_the_story_and_feeds_it() {
    let s = story("dhcp-pageload.pcapng", &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    let l = &loads[0];
    assert_eq!(l["client"], "198.51.100.128");
    let mut want = vec!["dhcp"];
    want.extend(STEPS);
    assert_eq!(ids(l), want);
    let d = step(l, "dhcp");
    assert_eq!(d["status"], "observed");
    let f = &d["facts"];
    assert_eq!(f["discover_frame"], 2);
    assert_eq!(f["offer_frame"], 10);
    assert_eq!(f["request_frame"], 11);
    assert_eq!(f["ack_frame"], 12);
    assert_eq!(f["address"], "198.51.100.128");
    assert_eq!(f["subnet_mask"], "255.255.255.0");
    assert_eq!(f["routers"], json!(["198.51.100.1"]));
    assert_eq!(f["dns_servers"], json!(["203.0.113.53"]));
    assert_eq!(f["lease_seconds"], 3600);
    // The server's checks of the address (ARP 3, 7, 8 and ping 9) and the
    // release (36) are part of the step.
    assert_eq!(d["frames"], json!([2, 3, 7, 8, 9, 10, 11, 12, 36]));
    // It happened before the page load's first DNS query.
    assert!(d["start"].as_f64().unwrap() < -3.0);
    let check = &d["notes_check"][0];
    assert_eq!(check["section"], "04");
    assert_eq!(check["frames"], json!([12, 15]));
    let observed = check["observed"].as_str().unwrap();
    assert!(observed.contains("the gateway 198.51.100.1 is the next hop"));
    assert!(observed.contains("the resolver 203.0.113.53 is where the DNS query of frame 15 goes"));
    // The ARP step's next hop is the router DHCP gave.
    assert_eq!(step(l, "arp")["facts"]["replies"][0]["ip"], "198.51.100.1");
    let zh = story("dhcp-pageload.pcapng", &["--lang", "zh"]);
    assert_eq!(
        step(&zh["page_loads"][0], "dhcp")["title"],
        "开始之前：获取地址（DHCP）"
    );
}

#[test]
fn keep_alive_contradicts_one_request_per_connection() {
    let s = story("http-keepalive.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let http = step(l, "http");
    assert_eq!(http["frames"], json!([12, 14, 16, 17, 18, 19, 20, 21]));
    let check = http["notes_check"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["section"] == "01")
        .expect("a §01 check");
    assert_eq!(check["frames"], json!([12, 16, 18, 20]));
    assert!(check["observed"]
        .as_str()
        .unwrap()
        .starts_with("4 requests travelled on one connection"));
}

#[test]
fn a_lost_request_is_told_with_its_retransmission() {
    let s = story("lossy-pageload.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    let ids = ids(l);
    let at = ids
        .iter()
        .position(|i| i == "tcp_loss")
        .expect("a tcp_loss step");
    assert_eq!(ids[at + 1], "tcp_teardown", "{ids:?}");
    let loss = step(l, "tcp_loss");
    assert_eq!(loss["frames"], json!([12, 13]));
    let f = &loss["facts"];
    assert_eq!(f["retransmissions"], 1);
    assert_eq!(f["fast_retransmissions"], 0);
    assert_eq!(f["spurious_retransmissions"], 0);
    // The GET went out in frame 12 and again in frame 13, 207 ms later.
    let delay = f["request_delay_ms"].as_f64().unwrap();
    assert!((200.0..215.0).contains(&delay), "{delay}");
    assert_eq!(sections(&loss["notes"]), ["01", "12"]);
    assert_eq!(step(l, "http")["facts"]["responses"][0]["status"], 200);
}
