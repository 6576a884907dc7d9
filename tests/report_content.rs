//! What the report's diagram and waterfall say, checked against tshark on
//! the Chromium, curl, HTTP/3 and WebSocket samples: hosts grouped by MAC
//! are the addresses tshark shows with one MAC (in ARP/NDP or as the
//! client's own source), bus arrows go to broadcast or multicast
//! addresses, connection ports are tshark's, and every waterfall phase
//! lasts what tshark's timestamps of its two frames say. Then the
//! Markdown table, and escaping of hostile names.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const SAMPLES: [&str; 4] = [
    "chromium-pageload.pcapng",
    "curl-redirect.pcapng",
    "http3.pcapng",
    "websocket.pcapng",
];

struct Wire {
    /// Frame → (relative time, eth.src, eth.dst, ip/ipv6 dst, srcport, dstport).
    frames: BTreeMap<u64, (f64, String, String, String, String, String)>,
    /// Address → MAC as ARP and neighbour discovery announce it.
    announced: BTreeMap<String, String>,
}

fn wire(name: &str) -> Wire {
    let path = sample(name);
    let rows = tshark_fields(
        &path,
        &[],
        &[
            "frame.number",
            "frame.time_relative",
            "eth.src",
            "eth.dst",
            "ip.dst",
            "ipv6.dst",
            "tcp.srcport",
            "udp.srcport",
            "tcp.dstport",
            "udp.dstport",
            "arp.src.proto_ipv4",
            "arp.src.hw_mac",
            "icmpv6.nd.na.target_address",
            "icmpv6.opt.linkaddr",
            "ipv6.src",
        ],
    );
    let mut frames = BTreeMap::new();
    let mut announced = BTreeMap::new();
    for r in rows {
        let n: u64 = r[0].parse().unwrap();
        let t: f64 = r[1].parse().unwrap();
        let dst = if r[4].is_empty() { &r[5] } else { &r[4] };
        let sport = if r[6].is_empty() { &r[7] } else { &r[6] };
        let dport = if r[8].is_empty() { &r[9] } else { &r[8] };
        frames.insert(
            n,
            (
                t,
                r[2].clone(),
                r[3].clone(),
                dst.clone(),
                sport.clone(),
                dport.clone(),
            ),
        );
        if !r[10].is_empty() {
            announced.insert(r[10].clone(), r[11].clone());
        }
        if !r[12].is_empty() && !r[13].is_empty() {
            announced.insert(r[12].clone(), r[13].clone());
        }
        // A solicitation names its sender with its source link-layer
        // address option.
        if r[12].is_empty() && !r[13].is_empty() && !r[14].is_empty() && r[14] != "::" {
            announced.entry(r[14].clone()).or_insert(r[13].clone());
        }
    }
    Wire { frames, announced }
}

#[test]
fn diagram_and_waterfall_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    for s in SAMPLES {
        let w = wire(s);
        let story = story(s, &["--lang", "en"]);
        let load = &story["page_loads"][0];
        let d = &load["diagram"];
        let arrows = load["ladder"]["arrows"].as_array().unwrap();
        let lanes = load["ladder"]["lanes"].as_array().unwrap();
        // The client's MAC is the source of its first connection's SYN.
        let conns = d["connections"].as_array().unwrap();
        let first_conn_frame = arrows
            .iter()
            .zip(d["arrows"].as_array().unwrap())
            .find(|(_, wire)| wire["conn"] == 0)
            .map(|(a, _)| a["frame"].as_u64().unwrap())
            .unwrap();
        let client_mac = w.frames[&first_conn_frame].1.clone();
        // Every lane is in one host or is a group address.
        let hosts = d["hosts"].as_array().unwrap();
        let mut in_host = BTreeSet::new();
        for h in hosts {
            let addrs: Vec<&str> = h["addrs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            for l in h["lanes"].as_array().unwrap() {
                assert!(
                    in_host.insert(l.as_u64().unwrap()),
                    "{s}: lane in two hosts"
                );
            }
            if addrs.len() > 1 && h["role"] != "server" {
                // Grouped by MAC: tshark shows each address with one MAC.
                let macs: BTreeSet<String> = addrs
                    .iter()
                    .map(|a| {
                        w.announced.get(*a).cloned().unwrap_or_else(|| {
                            // The client's own addresses: its frames from them
                            // carry its MAC.
                            assert_eq!(h["role"], "client", "{s}: {a} has no announced MAC");
                            client_mac.clone()
                        })
                    })
                    .collect();
                assert_eq!(macs.len(), 1, "{s}: {addrs:?} share one MAC: {macs:?}");
            }
        }
        for (i, l) in lanes.iter().enumerate() {
            let addr: std::net::IpAddr = l["addr"].as_str().unwrap().parse().unwrap();
            let group = addr.is_multicast() || addr.to_string() == "255.255.255.255";
            assert_eq!(!in_host.contains(&(i as u64)), group, "{s}: lane {addr}");
        }
        // The client and the gateway are each one host, whatever address
        // family they used.
        assert_eq!(
            hosts.iter().filter(|h| h["role"] == "client").count(),
            1,
            "{s}"
        );
        assert!(
            hosts.iter().all(|h| h["role"] != "other"),
            "{s}: every host has a role: {hosts:?}"
        );
        // Bus arrows: to a broadcast or multicast address, as tshark sees
        // the destination (Ethernet group bit).
        for (a, wa) in arrows.iter().zip(d["arrows"].as_array().unwrap()) {
            let f = a["frame"].as_u64().unwrap();
            let (_, _, eth_dst, ip_dst, sport, dport) = &w.frames[&f];
            let first_octet = u8::from_str_radix(&eth_dst[..2], 16).unwrap();
            assert_eq!(
                wa["bus"] == true,
                first_octet & 1 == 1 || ip_dst.starts_with("ff"),
                "{s}: frame {f}"
            );
            // Ports of the arrow's connection are the frame's ports.
            if let Some(c) = wa["conn"].as_u64() {
                let c = &conns[c as usize];
                let ports: BTreeSet<String> =
                    [c["client_port"].to_string(), c["server_port"].to_string()].into();
                let seen: BTreeSet<String> = [sport.clone(), dport.clone()].into();
                assert_eq!(ports, seen, "{s}: frame {f}");
            }
        }
        // Each phase lasts what tshark's timestamps of its frames say, and
        // starts where the first of them is from the page load's start.
        let t0 =
            w.frames[&arrows[0]["frame"].as_u64().unwrap()].0 - arrows[0]["t"].as_f64().unwrap();
        for row in d["waterfall"].as_array().unwrap() {
            let mut last_end = 0.0;
            for ph in row["phases"].as_array().unwrap() {
                let f = |i: usize| ph["frames"][i].as_u64().unwrap();
                let (a, b) = (w.frames[&f(0)].0, w.frames[&f(1)].0);
                let dur = ph["end_ms"].as_f64().unwrap() - ph["start_ms"].as_f64().unwrap();
                assert!(
                    (dur - (b - a) * 1000.0).abs() < 0.002,
                    "{s}: {ph} lasts {dur} ms; tshark says {}",
                    (b - a) * 1000.0
                );
                let start = ph["start_ms"].as_f64().unwrap();
                assert!(
                    (start - (a - t0) * 1000.0).abs() < 1.0,
                    "{s}: {ph} starts at {start} ms"
                );
                // Phases follow one another.
                assert!(
                    start + 0.002 >= last_end || ph["kind"] == "dns",
                    "{s}: {ph}"
                );
                last_end = ph["end_ms"].as_f64().unwrap();
            }
        }
    }
}

#[test]
fn markdown_has_the_waterfall_table() {
    for s in SAMPLES {
        for lang in ["en", "zh"] {
            let story = story(s, &["--lang", lang]);
            let path = sample(s);
            let out = netexplain(&[
                "explain",
                path.to_str().unwrap(),
                "--lang",
                lang,
                "--format",
                "md",
            ]);
            let md = String::from_utf8(out.stdout).unwrap();
            let heading = if lang == "en" {
                "### Where the time went"
            } else {
                "### 时间花在哪里"
            };
            let table = md
                .split(heading)
                .nth(1)
                .unwrap_or_else(|| panic!("{s} {lang}: the waterfall table"));
            let rows: Vec<&str> = table
                .lines()
                .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
                .take_while(|l| l.starts_with("| "))
                .collect();
            let expected = story["page_loads"][0]["diagram"]["waterfall"]
                .as_array()
                .unwrap();
            assert_eq!(rows.len(), expected.len(), "{s} {lang}");
            for (r, e) in rows.iter().zip(expected) {
                let cells: Vec<&str> = r.split(" | ").collect();
                // # | connection | DNS | connect | TLS | wait | download | end
                assert_eq!(cells.len(), 8, "{r}");
                for (k, cell) in ["dns", "connect", "tls", "wait", "download"]
                    .iter()
                    .zip(&cells[2..7])
                {
                    match e["phases"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["kind"] == *k)
                    {
                        Some(p) => {
                            let start = p["start_ms"].as_f64().unwrap();
                            let dur = p["end_ms"].as_f64().unwrap() - start;
                            assert_eq!(*cell, format!("{start:.2} + {dur:.2}"), "{s} {k}");
                        }
                        None => assert_eq!(*cell, "–", "{s} {k}"),
                    }
                }
            }
        }
    }
}

#[test]
fn hostile_names_stay_text_in_the_diagram_and_waterfall() {
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile.pcap");
    let f = f.to_str().unwrap();
    let out = netexplain(&["explain", f, "--format", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let waterfall = html.split("class=\"waterfall\"").nth(1).unwrap();
    let waterfall = waterfall.split("<div class=\"cols\">").next().unwrap();
    assert!(waterfall.contains("www.\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}.example.com"));
    let legend = html.split("<ul class=\"conns\">").nth(1).unwrap();
    assert!(legend.contains("www.\\x1b]0;pwned"));
    assert!(!html.contains('\u{1b}') && !html.contains('\u{202e}'));
    assert_eq!(html.matches("<script").count(), 1);
    let out = netexplain(&["explain", f, "--format", "md"]);
    let md = String::from_utf8(out.stdout).unwrap();
    let table = md.split("### Where the time went").nth(1).unwrap();
    assert!(table.contains("www.\\\\x1b\\]0;pwned"), "{table}");
    assert!(!md.contains('\u{1b}'));
    let v: Value =
        serde_json::from_slice(&netexplain(&["explain", f, "--format", "json"]).stdout).unwrap();
    assert!(v["page_loads"][0]["diagram"]["connections"].is_array());
}
