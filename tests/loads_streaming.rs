//! Page loads closed as they end: every load listed even when fewer are
//! told, `--load K` telling exactly one, boundaries read against tshark,
//! nothing of a closed load leaking into a later one, and WebSocket
//! sessions told as sessions, not page loads. Samples are those recorded
//! by samples/record.sh.

mod common;
use common::{have_tshark, sample, step, story, story_text, tshark_fields};
use serde_json::Value;
use std::collections::BTreeMap;

fn frames(v: &Value) -> Vec<u64> {
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap())
        .collect()
}

fn rows(s: &Value) -> &Vec<Value> {
    s["loads"].as_array().unwrap()
}

/// Every frame any step of a story cites.
fn cited(l: &Value) -> Vec<u64> {
    let mut all: Vec<u64> = l["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(frames)
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[test]
fn more_loads_than_told_are_all_listed() {
    // repeated-visits: three curl runs (lookups 4, 20, 35).
    let s = story(
        "repeated-visits.pcapng",
        &["--lang", "en", "--max-told", "1"],
    );
    let r = rows(&s);
    assert_eq!(r.len(), 3);
    let told: Vec<bool> = r.iter().map(|r| r["told"].as_bool().unwrap()).collect();
    // All equally complete: the earliest is told.
    assert_eq!(told, vec![true, false, false]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0]["index"], 1);
    assert_eq!(frames(step(&loads[0], "dns")), vec![4, 5]);
    assert_eq!(s["page_loads_not_told"], 2);
    // The text lists the three, one told.
    let t = story_text(
        "repeated-visits.pcapng",
        &["--lang", "en", "--max-told", "1"],
    );
    assert!(t.contains("Page loads found: 3"), "{t}");
    assert!(t.contains("Page load 1: www.google.com"));
    assert!(!t.contains("Page load 2:"));
    let zh = story_text(
        "repeated-visits.pcapng",
        &["--lang", "zh", "--max-told", "1"],
    );
    assert!(zh.contains("页面加载 1：www.google.com"));
    assert!(!zh.contains("页面加载 2："));
}

#[test]
fn load_k_tells_exactly_that_one() {
    let s = story("repeated-visits.pcapng", &["--lang", "en", "--load", "2"]);
    assert_eq!(rows(&s).len(), 3);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0]["index"], 2);
    // Its own lookup and connection only.
    assert_eq!(frames(step(&loads[0], "dns")), vec![20, 21]);
    assert_eq!(frames(step(&loads[0], "tcp_handshake"))[0], 22);
    let told: Vec<usize> = rows(&s)
        .iter()
        .filter(|r| r["told"] == true)
        .map(|r| r["index"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(told, vec![2]);
    // A load that does not exist: listed, none told.
    let s = story("repeated-visits.pcapng", &["--lang", "en", "--load", "4"]);
    assert_eq!(rows(&s).len(), 3);
    assert!(s["page_loads"].as_array().unwrap().is_empty());
}

#[test]
fn load_boundaries_match_tshark() {
    if !have_tshark() {
        eprintln!("skipped: no tshark");
        return;
    }
    // One tshark run: each frame's time and TCP stream, and the DNS
    // queries that begin the loads.
    let t = tshark_fields(
        &sample("repeated-visits.pcapng"),
        &[],
        &[
            "frame.number",
            "frame.time_epoch",
            "tcp.stream",
            "dns.flags.response",
        ],
    );
    let mut time: BTreeMap<u64, f64> = BTreeMap::new();
    let mut queries = Vec::new();
    let mut stream_end: BTreeMap<u64, f64> = BTreeMap::new();
    for f in &t {
        let n: u64 = f[0].parse().unwrap();
        let ts: f64 = f[1].parse().unwrap();
        time.insert(n, ts);
        if f[3] == "False" || f[3] == "0" {
            queries.push(n);
        }
        if let Ok(s) = f[2].parse::<u64>() {
            let e = stream_end.entry(s).or_insert(ts);
            *e = e.max(ts);
        }
    }
    // One A query per run (4, 20, 35), each answered at once.
    assert_eq!(queries, vec![4, 20, 35]);
    let ends: Vec<f64> = stream_end.values().copied().collect();
    let s = story("repeated-visits.pcapng", &["--lang", "en"]);
    let r = rows(&s);
    assert_eq!(r.len(), queries.len());
    assert_eq!(r.len(), ends.len());
    let loads = s["page_loads"].as_array().unwrap();
    for ((row, q), end) in r.iter().zip(&queries).zip(&ends) {
        let l = loads.iter().find(|l| l["index"] == row["index"]).unwrap();
        // It begins at its first frame (its ARP or its lookup) and ends
        // with the last frame of its connection.
        let first = cited(l)[0];
        assert!(first <= *q);
        let start = time[&first];
        let got = row["start"].as_f64().unwrap();
        assert!((got - start).abs() < 1e-6, "start {got} vs tshark {start}");
        let d = row["duration_s"].as_f64().unwrap();
        assert!(
            (d - (end - start)).abs() < 2e-6,
            "duration {d} vs tshark {}",
            end - start
        );
    }
}

#[test]
fn a_closed_load_leaves_nothing_to_the_next() {
    // The third run comes 40 s after the second: the first two are closed
    // and dropped while the file is read. The third cites only its own
    // frames (35 on), the first two only theirs.
    let s = story("repeated-visits.pcapng", &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    let by_index = |k: u64| loads.iter().find(|l| l["index"] == k).unwrap();
    let (a, b, c) = (cited(by_index(1)), cited(by_index(2)), cited(by_index(3)));
    assert!(a.iter().all(|f| *f < 20), "{a:?}");
    assert!(b.iter().all(|f| (20..35).contains(f)), "{b:?}");
    assert!(c.iter().all(|f| *f >= 35), "{c:?}");
    // The same in Chinese: the numbering does not move.
    let zh = story("repeated-visits.pcapng", &["--lang", "zh"]);
    let idx: Vec<u64> = rows(&zh)
        .iter()
        .map(|r| r["index"].as_u64().unwrap())
        .collect();
    assert_eq!(idx, vec![1, 2, 3]);
}

#[test]
fn websocket_sessions_are_not_page_loads() {
    // Each of the two sessions: A and AAAA, a SYN to the IPv6 address
    // refused (13/14, 42/43), then the IPv4 connection (15, 44) that
    // upgrades.
    let s = story("websocket.pcapng", &["--lang", "en"]);
    let r = rows(&s);
    assert_eq!(r.len(), 2);
    for row in r {
        assert_eq!(row["kind"], "websocket");
        assert_eq!(row["protocol"], "ws");
        assert_eq!(row["connections"], 2);
        assert_eq!(row["client"], "198.51.100.10");
    }
    let loads = s["page_loads"].as_array().unwrap();
    // The url step shows the first connection that opened and, before it,
    // the refused attempt.
    for (l, (refused, first)) in loads.iter().zip([(13, 15), (42, 44)]) {
        let url = step(l, "url");
        assert!(frames(url).contains(&first), "{url}");
        assert_eq!(url["facts"]["refused_before"][0]["syn_frame"], refused);
    }
    for l in loads {
        assert_eq!(l["kind"], "websocket");
        assert_eq!(
            step(l, "url")["facts"]["url"],
            "ws://www.google.com:8080/chat"
        );
    }
    if have_tshark() {
        // As many sessions as upgrades answered 101, as many refused
        // attempts as RSTs to SYNs.
        let t = tshark_fields(
            &sample("websocket.pcapng"),
            &["-Y", "http.response.code == 101 || (tcp.flags.reset == 1 && tcp.flags.ack == 1 && tcp.seq == 1 && tcp.len == 0 && tcp.srcport == 8080 && !tcp.analysis.flags)"],
            &["frame.number", "http.response.code"],
        );
        let upgrades = t.iter().filter(|f| f[1] == "101").count();
        assert_eq!(upgrades, r.len());
    }
    let en = story_text("websocket.pcapng", &["--lang", "en"]);
    assert!(en.contains("WebSocket session 1: www.google.com"), "{en}");
    assert!(!en.contains("Page load 1:"));
    let zh = story_text("websocket.pcapng", &["--lang", "zh"]);
    assert!(zh.contains("WebSocket 会话 1：www.google.com"));
    assert!(!zh.contains("页面加载 1："));
}

#[test]
fn redirects_and_parallel_visits_keep_their_count() {
    // curl -L: the http connection and the https one it is sent to are one
    // load; two runs at once are two.
    let s = story("curl-redirect.pcapng", &["--lang", "en"]);
    assert_eq!(rows(&s).len(), 1);
    assert_eq!(rows(&s)[0]["connections"], 2);
    assert_eq!(rows(&s)[0]["kind"], "page_load");
    let s = story("parallel-visits.pcapng", &["--lang", "en"]);
    assert_eq!(rows(&s).len(), 2);
    assert!(rows(&s).iter().all(|r| r["kind"] == "page_load"));
}
