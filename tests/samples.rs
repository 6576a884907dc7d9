//! `packets --format json` on every bundled sample, asserted field by
//! field against what the recorded programs sent (values cross-checked with
//! tshark on the same files; see samples/README.md for what each shows).

mod common;

use common::*;
use serde_json::{json, Value};

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn flags(p: &[Value], n: u64) -> Vec<String> {
    strs(&frame(p, n)["tcp"]["flags"])
}

#[test]
fn every_sample_decodes_without_errors() {
    for path in all_samples() {
        for p in packets_json(&path) {
            assert!(
                p.get("errors").is_none(),
                "{} frame {}: {}",
                path.display(),
                p["frame"],
                p["errors"]
            );
        }
    }
}

#[test]
fn curl_redirect_arp_dns_tcp_http_tls() {
    let p = packets_json(&sample("curl-redirect.pcapng"));
    assert_eq!(p.len(), 37);
    // ARP for the gateway, and its answer.
    let req = &frame(&p, 3)["arp"];
    assert_eq!(req["op"], "request");
    assert_eq!(req["sender_ip"], "198.51.100.10");
    assert_eq!(req["sender_mac"], "c2:72:6c:00:51:d8");
    assert_eq!(req["target_ip"], "198.51.100.1");
    let rep = &frame(&p, 4)["arp"];
    assert_eq!(rep["op"], "reply");
    assert_eq!(rep["sender_ip"], "198.51.100.1");
    assert_eq!(rep["sender_mac"], "52:74:10:ce:1b:31");
    assert_eq!(rep["target_mac"], "c2:72:6c:00:51:d8");
    // DNS: the query, the answer matched to it with its latency.
    let q = &frame(&p, 5)["dns"];
    assert_eq!(q["response"], false);
    assert_eq!(strs(&q["flags"]), ["RD"]);
    assert_eq!(
        q["questions"],
        json!([{"name": "google.com", "type": "A", "class": "IN"}])
    );
    let a = &frame(&p, 6)["dns"];
    assert_eq!(a["id"], q["id"]);
    assert_eq!(a["rcode"], "NOERROR");
    assert_eq!(strs(&a["flags"]), ["AA", "RD", "RA"]);
    assert_eq!(
        a["answers"],
        json!([{"name": "google.com", "type": "A", "ttl": 300, "data": "203.0.113.100"}])
    );
    assert_eq!(a["query_frame"], 5);
    let latency = a["latency_ms"].as_f64().unwrap();
    assert!((latency - 1.184).abs() < 0.002, "{latency}");
    let chain = &frame(&p, 15)["dns"]["answers"];
    assert_eq!(chain[0]["type"], "CNAME");
    assert_eq!(chain[0]["data"], "www3.l.google.com");
    assert_eq!(chain[1]["name"], "www3.l.google.com");
    assert_eq!(chain[1]["data"], "203.0.113.100");
    // The handshake to port 80: flags, relative numbers, options.
    assert_eq!(flags(&p, 7), ["SYN"]);
    assert_eq!(flags(&p, 8), ["SYN", "ACK"]);
    assert_eq!(flags(&p, 9), ["ACK"]);
    let syn = &frame(&p, 7)["tcp"];
    assert_eq!(syn["rel_seq"], 0);
    assert_eq!(syn["dst_port"], 80);
    assert_eq!(syn["options"]["mss"], 1460);
    assert_eq!(syn["options"]["wscale"], 10);
    assert_eq!(syn["options"]["sack_permitted"], true);
    assert_eq!(syn["role"], "handshake 1/3");
    let synack = &frame(&p, 8)["tcp"];
    assert_eq!(synack["rel_seq"], 0);
    assert_eq!(synack["rel_ack"], 1);
    assert_eq!(
        synack["ack"].as_u64().unwrap(),
        syn["seq"].as_u64().unwrap() + 1
    );
    let ack = &frame(&p, 9)["tcp"];
    assert_eq!(
        (ack["rel_seq"].as_u64(), ack["rel_ack"].as_u64()),
        (Some(1), Some(1))
    );
    // HTTP: GET and the redirect.
    let get = &frame(&p, 10)["http"][0];
    assert_eq!(get["method"], "GET");
    assert_eq!(get["target"], "/");
    assert_eq!(get["host"], "google.com");
    let moved = &frame(&p, 12)["http"][0];
    assert_eq!(moved["status"], 301);
    assert_eq!(moved["location"], "https://www.google.com/");
    // TLS 1.3 to www.google.com.
    let ch = &frame(&p, 19)["tls"]["handshakes"][0];
    assert_eq!(ch["type"], "client_hello");
    assert_eq!(ch["version"], "TLS 1.2");
    assert_eq!(ch["sni"], "www.google.com");
    assert_eq!(strs(&ch["alpn"]), ["http/1.1"]);
    assert_eq!(
        strs(&ch["supported_versions"]),
        ["TLS 1.3", "TLS 1.2", "TLS 1.1", "TLS 1.0"]
    );
    let suites = ch["cipher_suites"].as_array().unwrap();
    assert_eq!(suites.len(), 31);
    assert_eq!(
        suites[..4],
        [json!(0x1302), json!(0x1303), json!(0x1301), json!(0xc02c)]
    );
    assert_eq!(ch["frames"], json!([19]));
    let sh = &frame(&p, 21)["tls"]["handshakes"][0];
    assert_eq!(sh["type"], "server_hello");
    assert_eq!(strs(&sh["supported_versions"]), ["TLS 1.3"]);
    assert_eq!(sh["cipher_suite"], 0x1302);
    assert_eq!(sh["key_share_groups"], json!([0x1d]));
    // Teardown of the port-80 connection, closed by the client.
    assert_eq!(flags(&p, 28), ["FIN", "ACK"]);
    assert_eq!(frame(&p, 28)["tcp"]["from"], "client");
    assert_eq!(frame(&p, 29)["tcp"]["role"], "close (second FIN)");
    assert_eq!(frame(&p, 30)["tcp"]["role"], "close (last ACK)");
}

#[test]
fn chromium_client_hello_reassembled_from_two_segments() {
    let p = packets_json(&sample("chromium-pageload.pcapng"));
    // The first segment holds only part of the ClientHello.
    assert!(frame(&p, 72)["tls"]["handshakes"].is_null());
    assert_eq!(frame(&p, 72)["tcp"]["payload_len"], 1428);
    let ch = &frame(&p, 73)["tls"]["handshakes"][0];
    assert_eq!(ch["type"], "client_hello");
    assert_eq!(ch["frames"], json!([72, 73]));
    assert_eq!(ch["sni"], "www.google.com");
    assert_eq!(strs(&ch["alpn"]), ["h2", "http/1.1"]);
    assert_eq!(
        strs(&ch["supported_versions"]),
        ["GREASE 0x0a0a", "TLS 1.3", "TLS 1.2"]
    );
    // Suites as tshark lists them, GREASE first.
    assert_eq!(
        ch["cipher_suites"],
        json!([
            0x6a6a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035
        ])
    );
    // A GREASE key share, the post-quantum hybrid X25519MLKEM768, x25519.
    assert_eq!(ch["key_share_groups"], json!([0x6a6a, 0x11ec, 0x1d]));
    assert_eq!(ch["grease"].as_array().unwrap().len(), 3);
    // The third connection names another host on the same address.
    let ch3 = &frame(&p, 119)["tls"]["handshakes"][0];
    assert_eq!(ch3["sni"], "static.google.com");
    assert_eq!(ch3["frames"], json!([118, 119]));
    assert_eq!(frame(&p, 119)["ip"]["dst"], frame(&p, 73)["ip"]["dst"]);
    // Neighbour discovery for the IPv6 gateway.
    assert_eq!(frame(&p, 67)["ndp"]["type"], "neighbor_solicitation");
    assert_eq!(frame(&p, 67)["ndp"]["target"], "2001:db8:1::1");
    assert_eq!(frame(&p, 68)["ndp"]["type"], "neighbor_advertisement");
    assert_eq!(frame(&p, 68)["ndp"]["lladdr"], "52:74:10:ce:1b:31");
    // HTTPS, AAAA and A asked together; the HTTPS answer follows the CNAME.
    let types: Vec<Value> = (61..=63)
        .map(|n| frame(&p, n)["dns"]["questions"][0]["type"].clone())
        .collect();
    assert_eq!(types, [json!("HTTPS"), json!("AAAA"), json!("A")]);
    let https = &frame(&p, 64)["dns"]["answers"];
    assert_eq!(https[0]["data"], "www3.l.google.com");
    assert_eq!(https[1]["type"], "HTTPS");
    assert_eq!(https[1]["data"], "1 . alpn=h2,h3");
}

#[test]
fn dns_record_types_truncation_and_tcp() {
    let p = packets_json(&sample("dns-types.pcapng"));
    let answer = |n: u64| frame(&p, n)["dns"]["answers"][0].clone();
    assert_eq!(answer(6)["data"], "2001:db8:2::100");
    assert_eq!(answer(10)["type"], "MX");
    assert_eq!(answer(10)["data"], "10 smtp.google.com");
    // The MX answer brings the exchange's address as additional data,
    // then the OPT pseudo-record.
    let extra = &frame(&p, 10)["dns"]["additional"];
    assert_eq!(extra[0]["data"], "203.0.113.25");
    assert_eq!(extra[1]["type"], "OPT");
    assert_eq!(answer(12)["data"], "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    assert_eq!(answer(14)["data"], "5 0 5269 xmpp.google.com");
    assert_eq!(
        frame(&p, 15)["dns"]["questions"][0]["name"],
        "100.113.0.203.in-addr.arpa"
    );
    assert_eq!(answer(16)["type"], "PTR");
    assert_eq!(answer(16)["data"], "www.google.com");
    assert_eq!(answer(18)["data"], "1 . alpn=h2,h3");
    assert_eq!(frame(&p, 20)["dns"]["rcode"], "NXDOMAIN");
    // Truncated over UDP, then the same question over TCP.
    let tc = &frame(&p, 22)["dns"];
    assert!(strs(&tc["flags"]).contains(&"TC".to_string()));
    assert!(tc["answers"].as_array().unwrap().is_empty());
    assert_eq!(frame(&p, 26)["tcp"]["dst_port"], 53);
    assert_eq!(
        frame(&p, 26)["dns"]["questions"][0]["name"],
        "big.google.com"
    );
    let big = &frame(&p, 28)["dns"];
    assert_eq!(big["answers"][0]["type"], "TXT");
    let txt = big["answers"][0]["data"].as_str().unwrap();
    assert_eq!(txt.len(), 3 * 253 + 2);
    assert!(txt.starts_with("\"axxx") && txt.contains("\" \"bxxx"));
    assert_eq!(big["query_frame"], 26);
    assert_eq!(frame(&p, 38)["dns"]["answers"][0]["data"], "203.0.113.100");
}

#[test]
fn ipv6_tls12_and_link_types() {
    let v6 = packets_json(&sample("curl-ipv6.pcapng"));
    assert_eq!(frame(&v6, 3)["ip"]["version"], 6);
    assert_eq!(frame(&v6, 3)["dns"]["questions"][0]["type"], "A");
    assert_eq!(frame(&v6, 4)["dns"]["questions"][0]["type"], "AAAA");
    assert_eq!(frame(&v6, 7)["tcp"]["options"]["mss"], 1440);

    let t12 = packets_json(&sample("curl-tls12.pcapng"));
    let kinds = |n: u64| -> Vec<String> {
        frame(&t12, n)["tls"]["handshakes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["type"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        kinds(10),
        [
            "server_hello",
            "certificate",
            "server_key_exchange",
            "server_hello_done"
        ]
    );
    assert_eq!(
        frame(&t12, 10)["tls"]["handshakes"][0]["cipher_suite"],
        0xc02c
    );
    assert_eq!(
        kinds(12),
        ["client_key_exchange", "encrypted_handshake_message"]
    );
    assert_eq!(kinds(13), ["encrypted_handshake_message"]);
    assert_eq!(frame(&t12, 16)["tls"]["alerts"][0]["level"], "encrypted");

    let sll = packets_json(&sample("any-sll2.pcap"));
    assert!(sll.iter().all(|p| p["linktype"] == 276));
    assert_eq!(frame(&sll, 3)["sll"]["packet_type"], "outgoing");
    assert_eq!(frame(&sll, 4)["dns"]["answers"][0]["data"], "203.0.113.100");

    let vlan = packets_json(&sample("nano-vlan.pcap"));
    assert!(vlan.iter().all(|p| p["vlan"] == json!([100])));
    assert_eq!(frame(&vlan, 12)["http"][0]["method"], "GET");

    let two = packets_json(&sample("two-interfaces.pcapng"));
    let on = |i: u32| two.iter().filter(|p| p["interface"] == i).count();
    assert_eq!((on(0), on(1)), (14, 18));
}

#[test]
fn websocket_upgrade_and_switch() {
    let p = packets_json(&sample("websocket.pcapng"));
    let req = &frame(&p, 18)["http"][0];
    assert_eq!(req["method"], "GET");
    assert_eq!(req["target"], "/chat");
    assert_eq!(req["upgrade"], "websocket");
    assert_eq!(req["websocket_key"], "+2NbRbAsAweQgdSrCwyuEg==");
    let resp = &frame(&p, 20)["http"][0];
    assert_eq!(resp["status"], 101);
    assert_eq!(resp["upgrade"], "websocket");
    assert_eq!(resp["websocket_accept"], "I3DS+uvlJpbxwGTYVnFOl+Rv8Xk=");
    assert_eq!(resp["websocket_accept_valid"], true);
    // After the switch the bytes are WebSocket frames, not HTTP.
    assert!((21..=34).all(|n| frame(&p, n)["http"].is_null()));
    let ws = |n: u64| frame(&p, n)["websocket"][0].clone();
    assert_eq!(
        ws(22),
        json!({"opcode": 1, "kind": "text", "fin": true, "masked": true,
               "payload_len": 5, "text": "hello", "frames": [22]})
    );
    assert_eq!(ws(23)["masked"], false);
    assert_eq!(ws(24)["fin"], false);
    assert_eq!(ws(25)["kind"], "continuation");
    assert_eq!(ws(26)["payload_len"], 0);
    assert_eq!(ws(28)["text"], "fragmented");
    assert_eq!(ws(29)["payload_len"], 1024);
    assert_eq!(ws(31)["kind"], "ping");
    assert_eq!(ws(32)["kind"], "pong");
    assert_eq!(ws(33)["close_code"], 1000);
    assert_eq!(ws(33)["close_reason"], "bye");
    assert_eq!(ws(51)["compressed"], true);
    assert!(ws(51)["text"].is_null(), "no preview of compressed text");
}

#[test]
fn keep_alive_carries_several_requests_on_one_connection() {
    let p = packets_json(&sample("http-keepalive.pcapng"));
    let http = |n: u64| frame(&p, n)["http"][0].clone();
    let requests: Vec<(u64, &str, &str)> = vec![
        (12, "GET", "/"),
        (16, "GET", "/style.css"),
        (18, "GET", "/missing"),
        (20, "HEAD", "/app.js"),
    ];
    for (n, method, target) in requests {
        let h = http(n);
        assert_eq!(h["method"], method, "frame {n}");
        assert_eq!(h["target"], target, "frame {n}");
        assert_eq!(h["host"], "www.google.com:8000", "frame {n}");
        assert_eq!(frame(&p, n)["tcp"]["stream"], 0, "frame {n}");
    }
    // Chunked (gzip) bodies are skipped to find the next response; the
    // answer to HEAD announces a length but carries no body.
    let responses: Vec<(u64, u64, Value)> = vec![
        (14, 200, json!(true)),
        (17, 200, json!(true)),
        (19, 404, json!(true)),
        (21, 200, Value::Null),
    ];
    for (n, status, chunked) in responses {
        let h = http(n);
        assert_eq!(h["status"], status, "frame {n}");
        assert_eq!(h["chunked"], chunked, "frame {n}");
        assert_eq!(h["connection"], "keep-alive", "frame {n}");
    }
    assert_eq!(http(21)["content_length"], 36);
    assert!(
        p.iter().all(|f| f["errors"].is_null()),
        "no decoding errors"
    );
    assert!(p
        .iter()
        .filter_map(|f| f["tcp"]["stream"].as_u64())
        .all(|s| s == 0));
}
