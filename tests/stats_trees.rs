//! `stats --format json`'s HTTP and DNS trees against tshark's
//! `-z http,tree` and `-z dns,tree` on every sample, and the records in
//! each DNS section against the header counts tshark reads
//! (`dns.count.*`), and the expert findings of the TCP analysis against
//! `-z expert` (same severity group, same frames). One tshark run per
//! sample gives all four.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// A tree's rows: (depth, name, count), depth from the leading spaces.
fn rows(section: &str) -> Vec<(usize, String, u64)> {
    let mut v = Vec::new();
    for l in section.lines() {
        let depth = l.len() - l.trim_start().len();
        let t = l.trim_start();
        // The name ends where two spaces begin; the count follows.
        let Some(end) = t.find("  ") else { continue };
        let (name, rest) = t.split_at(end);
        let Some(Ok(n)) = rest.split_whitespace().next().map(str::parse::<u64>) else {
            continue;
        };
        v.push((depth, name.to_string(), n));
    }
    v
}

/// tshark's output for one sample: the per-frame header counts and the
/// text of both trees.
fn tshark(path: &std::path::Path) -> (u64, u64, u64, u64, String, String, Expert) {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-n", "-T", "fields"])
        .args(["-e", "dns.count.queries", "-e", "dns.count.answers"])
        .args(["-e", "dns.count.auth_rr", "-e", "dns.count.add_rr"])
        .args(["-e", "icmp.type", "-e", "icmpv6.type"])
        .args(["-z", "http,tree", "-z", "dns,tree", "-z", "expert"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut sums = [0u64; 4];
    let mut http = String::new();
    let mut dns = String::new();
    let mut section = 0;
    let mut expert = Expert::new();
    let mut severity = "";
    for l in text.lines() {
        for (title, group) in [
            ("Errors (", "errors"),
            ("Warns (", "warnings"),
            ("Notes (", "notes"),
            ("Chats (", "chats"),
        ] {
            if l.starts_with(title) {
                severity = group;
            }
        }
        // "   Frequency  Group  Protocol  Summary" rows of TCP's findings.
        let cells: Vec<&str> = l.split_whitespace().collect();
        if cells.len() > 3 && cells[2] == "TCP" && cells[0].parse::<u64>().is_ok() {
            let summary = cells[3..].join(" ");
            if let Some(key) = expert_key(&summary) {
                *expert.entry((severity, key)).or_default() += cells[0].parse::<u64>().unwrap();
            }
            continue;
        }
        if l.starts_with("HTTP/Packet Counter:") {
            section = 1;
        } else if l == "DNS:" {
            section = 2;
        } else if l.starts_with("====") {
            section = 3;
        }
        match section {
            // A DNS message quoted inside an ICMP error is decoded by tshark
            // but is no message of the capture's own (nor in its tree).
            0 if l.split('\t').skip(4).any(|c| !c.is_empty()) => {}
            // A frame's line has its six fields; anything else is a title.
            0 if l.matches('\t').count() == 5 => {
                for (i, cell) in l.split('\t').enumerate().take(4) {
                    // Several DNS messages on one frame: one value each.
                    for n in cell.split(',').filter(|c| !c.is_empty()) {
                        sums[i] += n.parse::<u64>().unwrap();
                    }
                }
            }
            1 => http.push_str(&format!("{l}\n")),
            2 => dns.push_str(&format!("{l}\n")),
            _ => {}
        }
    }
    (sums[0], sums[1], sums[2], sums[3], http, dns, expert)
}

type Expert = BTreeMap<(&'static str, &'static str), u64>;

/// Our key for tshark's summary of a TCP finding; None for what the TCP
/// analysis here does not look for (D-SACK, "initiates the connection
/// closing", …).
fn expert_key(summary: &str) -> Option<&'static str> {
    const KEYS: &[(&str, &str)] = &[
        ("Previous segment(s) not captured", "lost_segment"),
        ("out-of-order segment", "out_of_order"),
        ("ACKed segment that wasn't captured", "ack_lost_segment"),
        ("TCP Zero Window segment", "zero_window"),
        ("completely full", "window_full"),
        ("Connection reset (RST)", "reset"),
        ("(suspected) fast retransmission", "fast_retransmission"),
        (
            "(suspected) spurious retransmission",
            "spurious_retransmission",
        ),
        ("(suspected) retransmission", "retransmission"),
        ("Duplicate ACK (#", "dup_ack"),
        ("TCP Zero Window Probe", "zero_window_probe"),
        ("Ack to zero window probe", "zero_window_probe_ack"),
        ("ACK to a TCP keep-alive segment", "keep_alive_ack"),
        ("TCP keep-alive segment", "keep_alive"),
        ("TCP window update", "window_update"),
        ("Connection establish request (SYN)", "syn"),
        ("Connection establish acknowledge (SYN+ACK)", "syn_ack"),
        ("Connection finish (FIN)", "fin"),
    ];
    KEYS.iter()
        .find(|(t, _)| summary.contains(t))
        .map(|(_, k)| *k)
}

fn ours(path: &std::path::Path) -> Value {
    let out = netexplain(&["stats", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

/// tshark's names of RCODEs and OPCODEs (its `dns_rcode_vals`,
/// `opcode_vals`) as the RFC 1035 / RFC 6895 mnemonics.
fn mnemonic(name: &str) -> String {
    match name {
        "No error" => "NOERROR",
        "Format error" => "FORMERR",
        "Server failure" => "SERVFAIL",
        "No such name" => "NXDOMAIN",
        "Not implemented" => "NOTIMP",
        "Refused" => "REFUSED",
        "Standard query" => "QUERY",
        "Inverse query" => "IQUERY",
        "Server status request" => "STATUS",
        "Notify" => "NOTIFY",
        "Dynamic update" => "UPDATE",
        // "A (Host Address)": the type's mnemonic before its description.
        other => other.split(" (").next().unwrap(),
    }
    .to_string()
}

/// The children of the row named `parent` (at any depth), nonzero only.
fn children(rows: &[(usize, String, u64)], parent: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    let Some(i) = rows.iter().position(|r| r.1 == parent) else {
        return m;
    };
    let depth = rows[i].0;
    for r in &rows[i + 1..] {
        if r.0 <= depth {
            break;
        }
        if r.0 == depth + 1 && r.2 > 0 {
            m.insert(r.1.clone(), r.2);
        }
    }
    m
}

fn top(rows: &[(usize, String, u64)], name: &str) -> u64 {
    rows.iter().find(|r| r.1 == name).map_or(0, |r| r.2)
}

#[cfg_attr(feature = "live", ignore)]
#[test]
fn http_and_dns_trees_agree_with_tshark_on_every_sample() {
    if !have_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut compared = (0, 0, 0);
    for path in all_samples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let s = ours(&path);
        let (queries, answers, auth, add, http, dns, expert) = tshark(&path);
        let mut check = |what: &str, theirs: &dyn std::fmt::Debug, ours: &dyn std::fmt::Debug| {
            let (t, o) = (format!("{theirs:?}"), format!("{ours:?}"));
            if t != o {
                failures.push(format!("{name} {what}: tshark {t}, ours {o}"));
            }
        };
        // HTTP.
        let h = rows(&http);
        let t = &s["http_tree"];
        let other = top(&h, "Other HTTP Packets");
        check("http other", &other, &0u64);
        check(
            "http total",
            &top(&h, "Total HTTP Packets"),
            &t["total"].as_u64().unwrap(),
        );
        check(
            "http responses",
            &top(&h, "HTTP Response Packets"),
            &t["responses"].as_u64().unwrap(),
        );
        check(
            "http requests",
            &top(&h, "HTTP Request Packets"),
            &t["requests"].as_u64().unwrap(),
        );
        let classes: BTreeMap<String, u64> = children(&h, "HTTP Response Packets")
            .into_iter()
            .map(|(k, n)| (k.split(':').next().unwrap().to_string(), n))
            .collect();
        check("http classes", &classes, &count(&t["classes"]));
        let mut codes = BTreeMap::new();
        for class in children(&h, "HTTP Response Packets").keys() {
            for (k, n) in children(&h, class) {
                codes.insert(k.split(' ').next().unwrap().to_string(), n);
            }
        }
        check("http codes", &codes, &count(&t["codes"]));
        // tshark 4.0's http tree cuts SSDP's M-SEARCH at the hyphen
        // ("SEARCH"); the method token is M-SEARCH (UPnP 1.1 §1.3.2).
        let mut theirs_methods = children(&h, "HTTP Request Packets");
        if name == "ssdp.pcapng" {
            if let Some(n) = theirs_methods.remove("SEARCH") {
                theirs_methods.insert("M-SEARCH".to_string(), n);
            }
        }
        check("http methods", &theirs_methods, &count(&t["methods"]));
        // DNS.
        let d = rows(&dns);
        let t = &s["dns_tree"];
        let u = |k: &str| t[k].as_u64().unwrap();
        check("dns total", &top(&d, "Total Packets"), &u("total"));
        let qr = children(&d, "Query/Response");
        check(
            "dns queries",
            &qr.get("Query").copied().unwrap_or(0),
            &u("queries"),
        );
        check(
            "dns responses",
            &qr.get("Response").copied().unwrap_or(0),
            &u("responses"),
        );
        for (tree, json) in [
            ("rcode", "rcodes"),
            ("opcodes", "opcodes"),
            ("Query Type", "query_types"),
            ("Class", "classes"),
        ] {
            let theirs: BTreeMap<String, u64> = children(&d, tree)
                .into_iter()
                .map(|(k, n)| (mnemonic(&k), n))
                .collect();
            check(json, &theirs, &count(&t[json]));
        }
        check(
            "dns answered",
            &top(&d, "request-response time (msec)"),
            &u("answered"),
        );
        // The sections: tshark's tree averages them oddly (4.0 shows the
        // same average for answers and additionals), so the header counts
        // of its dissector are compared instead.
        check("dns questions", &queries, &u("questions"));
        check("dns answers", &answers, &u("answers"));
        check("dns authorities", &auth, &u("authorities"));
        check("dns additionals", &add, &u("additionals"));
        // Expert: every TCP finding tshark has a key for, in its group.
        let mut mine: Expert = BTreeMap::new();
        for group in ["warnings", "notes", "chats"] {
            for (k, n) in s["expert"][group].as_object().unwrap() {
                let k: &'static str = Box::leak(k.clone().into_boxed_str());
                mine.insert((group, k), n.as_u64().unwrap());
            }
        }
        check("expert", &expert, &mine);
        compared.2 += expert.values().sum::<u64>();
        compared.0 += u("total");
        compared.1 += s["http_tree"]["total"].as_u64().unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The samples hold hundreds of DNS messages and dozens of HTTP heads.
    assert!(
        compared.0 > 100 && compared.1 > 20 && compared.2 > 250,
        "{compared:?}"
    );
}

#[test]
fn the_trees_read_as_text() {
    let out = netexplain(&["stats", sample("http-keepalive.pcapng").to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    // tshark -z http,tree on this capture: 3 × 200, 1 × 404, 3 GET, 1 HEAD.
    let rows = [
        ("total", 8),
        ("  responses", 4),
        ("    2xx", 3),
        ("      200", 3),
        ("    4xx", 1),
        ("      404", 1),
        ("  requests", 4),
        ("    GET", 3),
        ("    HEAD", 1),
    ];
    let mut http = String::from("\nHTTP (message heads, as tshark -z http,tree)\n");
    for (name, n) in rows {
        http.push_str(&format!("{:<32} {n:>8}\n", format!("  {name}")));
    }
    assert!(text.contains(&http), "{text}");
    assert!(text.contains("\nDNS (messages, as tshark -z dns,tree)\n  total "));
}
