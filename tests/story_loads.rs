//! Page loads as a model (where each begins and ends, concurrent visits,
//! the table of every load), and the stories of captures that are not
//! page loads: DNS alone, TCP transfers, ICMP, ARP, DHCP, UDP. Every sample
//! is one recorded by samples/record.sh; the frame numbers were read with
//! tshark.

mod common;
use common::{step, story, story_text};
use serde_json::{json, Value};

fn text(name: &str, lang: &str, extra: &[&str]) -> String {
    let mut args = vec!["--lang", lang];
    args.extend_from_slice(extra);
    story_text(name, &args)
}

fn other<'a>(s: &'a Value, kind: &str) -> &'a Value {
    s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} story"))
}

fn frames(v: &Value) -> Vec<u64> {
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap())
        .collect()
}

#[test]
fn repeated_visits_are_separate_page_loads() {
    // curl runs at 0 s, 1 s and 41 s: lookups 4, 20, 35; SYNs 6, 22, 37.
    let s = story("repeated-visits.pcapng", &["--lang", "en"]);
    let rows = s["loads"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 3);
    for (l, (dns, syn)) in loads.iter().zip([(4, 6), (20, 22), (35, 37)]) {
        let d = step(l, "dns");
        // Each load's DNS is its own lookup, not the others'.
        assert_eq!(frames(d), vec![dns, dns + 1]);
        assert_eq!(frames(step(l, "url"))[0], syn);
        assert_eq!(step(l, "tcp_handshake")["frames"][0], syn);
        // curl fetched only the page: nothing is a subresource.
        assert_ne!(step(l, "render")["status"], "observed");
        assert!(l["duration_ms"].as_f64().unwrap() < 100.0);
    }
    for (r, want) in rows.iter().zip(1..) {
        assert_eq!(r["index"], want);
        assert_eq!(r["host"], "www.google.com");
        assert_eq!(r["protocol"], "http");
        assert_eq!(r["connections"], 1);
        assert_eq!(r["told"], true);
        assert!(r["ttfb_ms"].as_f64().unwrap() > 0.0);
    }
    let gap = rows[2]["start"].as_f64().unwrap() - rows[1]["start"].as_f64().unwrap();
    assert!(gap > 40.0, "{gap}");
    for lang in ["en", "zh"] {
        let t = text("repeated-visits.pcapng", lang, &[]);
        let head = if lang == "en" {
            "Page loads found: 3"
        } else {
            "找到的页面加载：3 个"
        };
        assert!(t.contains(head), "{t}");
        assert!(
            t.contains(if lang == "en" {
                "+41.050 s"
            } else {
                "+41.050 秒"
            }),
            "{t}"
        );
        assert!(!t.contains("/missing"));
    }
}

#[test]
fn one_load_told_and_at_most_n() {
    let s = story("repeated-visits.pcapng", &["--lang", "en", "--load", "2"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0]["index"], 2);
    assert_eq!(frames(step(&loads[0], "dns")), vec![20, 21]);
    assert_eq!(s["loads"].as_array().unwrap().len(), 3);
    assert_eq!(s["page_loads_not_told"], 2);
    let told: Vec<bool> = s["loads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["told"].as_bool().unwrap())
        .collect();
    assert_eq!(told, [false, true, false]);
    let s = story(
        "repeated-visits.pcapng",
        &["--lang", "en", "--max-told", "1"],
    );
    assert_eq!(s["page_loads"].as_array().unwrap().len(), 1);
    assert_eq!(s["page_loads_not_told"], 2);
    let t = text("repeated-visits.pcapng", "zh", &["--load", "3"]);
    assert!(t.contains("页面加载 3："), "{t}");
    assert!(!t.contains("页面加载 1："));
}

#[test]
fn parallel_visits_are_told_apart_by_their_lookups() {
    // Two curl runs at once: queries 3 and 10, answers 4 and 11, SYNs 5
    // and 14.
    let s = story("parallel-visits.pcapng", &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 2);
    let mut seen: Vec<(Vec<u64>, u64)> = loads
        .iter()
        .map(|l| {
            (
                frames(step(l, "dns")),
                step(l, "tcp_handshake")["frames"][0].as_u64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(seen, vec![(vec![3, 4], 5), (vec![10, 11], 14)]);
    for l in loads {
        assert_eq!(step(l, "url")["facts"]["url"], "https://www.google.com/");
        assert_eq!(step(l, "tls_handshake")["status"], "observed");
    }
    // No lookup is left over as one made alone.
    assert!(s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] != "dns"));
}

#[test]
fn an_ip_literal_needs_no_dns() {
    let s = story("ip-literal.pcapng", &["--lang", "en"]);
    let l = &s["page_loads"][0];
    assert_eq!(l["host"], "203.0.113.100");
    assert_eq!(step(l, "url")["facts"]["url"], "http://203.0.113.100/");
    assert_eq!(step(l, "dns")["facts"]["ip_literal"], true);
    assert_eq!(step(l, "cache")["facts"]["ip_literal"], true);
    for (lang, want) in [("en", "no DNS is needed"), ("zh", "不需要 DNS")] {
        let z = story("ip-literal.pcapng", &["--lang", lang]);
        let l = &z["page_loads"][0];
        assert!(step(l, "dns")["reason"].as_str().unwrap().contains(want));
        let t = text("ip-literal.pcapng", lang, &[]);
        assert!(!t.contains("a cache answered"), "{t}");
        assert!(!t.contains("came from a cache"), "{t}");
        assert!(!t.contains("缓存回答"), "{t}");
    }
}

#[test]
fn dig_alone_is_told_as_a_lookup() {
    let s = story("dig-only.pcapng", &["--lang", "en"]);
    assert!(s["page_loads"].as_array().unwrap().is_empty());
    assert!(s["loads"].as_array().unwrap().is_empty());
    let d = other(&s, "dns");
    let st = &d["steps"][0];
    assert_eq!(frames(st), vec![3, 4]);
    assert_eq!(st["facts"]["resolver"], "203.0.113.53");
    assert_eq!(st["facts"]["queries"][0]["name"], "www.google.com");
    let a = other(&s, "arp");
    assert_eq!(frames(&a["steps"][0]), vec![1, 2]);
    assert_eq!(a["steps"][0]["facts"]["exchanges"][0]["reply"], 2);
    assert!(s["left_out"].as_object().unwrap().is_empty());
    assert!(s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] != "tcp_transfer"));
    for (lang, want) in [
        ("en", "CNAME www3.l.google.com"),
        ("zh", "www3.l.google.com"),
    ] {
        let t = text("dig-only.pcapng", lang, &[]);
        assert!(t.contains(want), "{t}");
        let told = if lang == "en" {
            "What the capture does show"
        } else {
            "下面讲述抓包中实际出现的内容"
        };
        assert!(t.contains(told), "{t}");
    }
}

#[test]
fn dns_types_tells_the_truncated_answer_retried_over_tcp() {
    let s = story("dns-types.pcapng", &["--lang", "en"]);
    let st = &other(&s, "dns")["steps"][0];
    assert_eq!(st["facts"]["truncated_retry_tcp"], true);
    assert_eq!(frames(st).len(), 24);
    assert!(text("dns-types.pcapng", "zh", &[]).contains("TCP"));
}

#[test]
fn ping_and_traceroute_across_two_routers() {
    // tshark: echo requests 6, 9, 11 and replies 7, 10, 12 (TTL 62); UDP
    // probes 13, 15, 17 with TTL 1, 2, 3; time exceeded 14 from
    // 198.51.100.1 and 16 from 203.0.113.2; port unreachable 18 from
    // 192.0.2.200.
    let s = story("ping-traceroute.pcapng", &["--lang", "en"]);
    let i = &other(&s, "icmp")["steps"][0];
    let pings = i["facts"]["pings"].as_array().unwrap();
    let pairs: Vec<(u64, u64, u64)> = pings
        .iter()
        .map(|p| {
            (
                p["request"].as_u64().unwrap(),
                p["reply"].as_u64().unwrap(),
                p["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs, vec![(6, 7, 1), (9, 10, 2), (11, 12, 3)]);
    assert!(pings.iter().all(|p| p["reply_ttl"] == 62));
    assert!(pings.iter().all(|p| p["rtt_ms"].as_f64().unwrap() > 0.0));
    let errors = i["facts"]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["from"], "198.51.100.1");
    assert_eq!(errors[0]["kind"], "time_exceeded");
    assert_eq!(errors[0]["probe"], 13);
    assert_eq!(errors[0]["probe_ttl"], 1);
    assert_eq!(errors[1]["from"], "203.0.113.2");
    assert_eq!(errors[1]["probe"], 15);
    assert_eq!(errors[1]["probe_ttl"], 2);
    assert_eq!(errors[2]["from"], "192.0.2.200");
    assert_eq!(errors[2]["kind"], "port_unreachable");
    assert_eq!(errors[2]["probe"], 17);
    assert_eq!(i["facts"]["traceroute"], true);
    let u = &other(&s, "udp")["steps"][0];
    assert_eq!(u["facts"]["first"][0]["length"], 40);
    assert_eq!(u["facts"]["first"][0]["dst_port"], 33434);
    let en = text("ping-traceroute.pcapng", "en", &[]);
    assert!(
        en.contains("router 203.0.113.2 answers time exceeded"),
        "{en}"
    );
    assert!(en.contains("so it is hop 2 of the path"), "{en}");
    assert!(en.contains("which ends the traceroute"), "{en}");
    let zh = text("ping-traceroute.pcapng", "zh", &[]);
    assert!(zh.contains("路由器 203.0.113.2"), "{zh}");
    assert!(zh.contains("第 2 跳"), "{zh}");
    assert!(zh.contains("traceroute 到此结束"), "{zh}");
}

#[test]
fn refused_connection_and_port_unreachable() {
    let s = story("refused.pcapng", &["--lang", "en"]);
    let rows = s["loads"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["protocol"], "refused");
    assert_eq!(rows[0]["bytes"], 0);
    let l = &s["page_loads"][0];
    assert_eq!(frames(step(l, "tcp_handshake")), vec![5, 6]);
    assert_ne!(step(l, "http")["status"], "observed");
    let i = &other(&s, "icmp")["steps"][0];
    assert_eq!(i["facts"]["errors"][0]["frame"], 9);
    assert_eq!(i["facts"]["errors"][0]["about_dst_port"], 53);
    assert!(i["facts"].get("traceroute").is_none());
    for lang in ["en", "zh"] {
        let t = text("refused.pcapng", lang, &[]);
        assert!(!t.starts_with("No page load found"), "{t}");
        assert!(!t.contains("traceroute"), "{t}");
    }
}

#[test]
fn lossy_transfer_is_a_tcp_transfer_story() {
    let s = story("lossy.pcapng", &["--lang", "en"]);
    assert!(s["loads"].as_array().unwrap().is_empty());
    let t = other(&s, "tcp_transfer");
    let x = step(t, "tcp_transfer");
    let f = &x["facts"];
    assert_eq!(f["request_frame"], 8);
    assert_eq!(f["request_rel_seq"], 1);
    assert_eq!(f["request_len"], 8);
    assert_eq!(f["sender"], "server");
    assert_eq!(f["bytes_server"], 239391);
    assert_eq!(f["max_segment"], 1448);
    assert_eq!(f["first_segments"][0]["frame"], 13);
    assert_eq!(f["first_segments"][0]["rel_seq"], 1);
    assert_eq!(f["first_segments"][1]["rel_seq"], 1449);
    // At the receiver the ACK delay is no RTT sample.
    assert!(f.get("srtt_ms").is_none());
    assert!(f["throughput_bps"].as_f64().unwrap() > 0.0);
    assert_eq!(step(t, "tcp_loss")["status"], "observed");
    let zh = text("lossy.pcapng", "zh", &[]);
    assert!(zh.contains("相对序号 1（SYN 占用了序号 0）"), "{zh}");
    assert!(zh.contains("不是往返时间"), "{zh}");
}

#[test]
fn zero_window_is_the_smallest_advertised_window() {
    let s = story("zero-window.pcapng", &["--lang", "en"]);
    let t = other(&s, "tcp_transfer");
    let f = &step(t, "tcp_transfer")["facts"];
    assert_eq!(f["min_window_client"], 0);
    assert_eq!(f["request_frame"], 11);
    assert_eq!(f["bytes_server"], 23300);
    let en = text("zero-window.pcapng", "en", &[]);
    assert!(
        en.contains("The smallest window the client advertised: 0 B"),
        "{en}"
    );
    let zh = text("zero-window.pcapng", "zh", &[]);
    assert!(zh.contains("客户端通告的最小窗口：0 字节"), "{zh}");
}

#[test]
fn dhcp_renewal_alone() {
    // tshark: DISCOVER 1, OFFER 7, REQUEST 8, ACK 9; the renewal REQUEST
    // 13 (ciaddr 198.51.100.123) and its ACK 14; RELEASE 19.
    let s = story("dhcp-renewal.pcapng", &["--lang", "en"]);
    let d = &other(&s, "dhcp")["steps"][0];
    assert_eq!(d["facts"]["discover_frame"], 1);
    assert_eq!(d["facts"]["ack_frame"], 9);
    let r = &d["facts"]["renewals"][0];
    assert_eq!(r["frame"], 13);
    assert_eq!(r["address"], "198.51.100.123");
    assert_eq!(r["ack_before"], 9);
    assert_eq!(r["answer"], 14);
    assert_eq!(r["answer_type"], "ack");
    let after = r["seconds_after_ack"].as_f64().unwrap();
    assert!((8.0..12.0).contains(&after), "{after}");
    // The server's address check (ARP 2, 4, 5, ping 6) is the DHCP
    // step's; the ARP story begins with the gateway's unicast request (10),
    // answered by the client (11).
    let told = d["frames"].as_array().unwrap();
    for f in [2, 4, 5, 6] {
        assert!(told.contains(&json!(f)), "{told:?}");
    }
    let a = &other(&s, "arp")["steps"][0]["facts"]["exchanges"];
    assert_eq!(a[0]["request"], 10);
    let en = text("dhcp-renewal.pcapng", "en", &[]);
    assert!(en.contains("a renewal (RFC 2131 §4.4.5"), "{en}");
    let zh = text("dhcp-renewal.pcapng", "zh", &[]);
    assert!(zh.contains("这是续租"), "{zh}");
}

#[test]
fn every_sample_gets_a_story() {
    for p in common::all_samples() {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let s = story(&name, &["--lang", "en"]);
        let told = s["page_loads"].as_array().unwrap().len()
            + s["other_stories"].as_array().unwrap().len();
        assert!(told > 0, "{name} has no story");
    }
}

#[test]
fn durations_read_as_durations() {
    let t = text("zero-window.pcapng", "en", &[]);
    assert!(t.contains("(4.659 s)"), "{t}");
    let t = text("zero-window.pcapng", "zh", &[]);
    assert!(t.contains("（4.659 秒）"), "{t}");
}

#[test]
fn markdown_lists_the_loads() {
    let t = text("repeated-visits.pcapng", "en", &["--format", "md"]);
    assert!(t.contains("| # | start | duration | host |"), "{t}");
    assert_eq!(t.matches("| www.google.com | http |").count(), 3, "{t}");
}
