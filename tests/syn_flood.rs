//! A capture of 1,000,000 distinct SYNs (the SYN of frame 7 of
//! samples/curl-redirect.pcapng, with the source address and port varied)
//! is read in bounded memory and bounded time by `packets` and `explain`.
//! The peak resident memory is printed (run with --nocapture to see it).

mod common;

use common::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SYNS: u32 = 1_000_000;

fn syn_template() -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args([
            "packets",
            sample("curl-redirect.pcapng").to_str().unwrap(),
            "-c",
            "7",
            "--format",
            "json",
            "--no-summary",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    // The frame's bytes are not in the JSON; read them from the pcapng's
    // seventh enhanced packet block instead.
    sample_frame(7)
}

/// The bytes of frame `n` of samples/curl-redirect.pcapng.
fn sample_frame(n: usize) -> Vec<u8> {
    let file = std::fs::read(sample("curl-redirect.pcapng")).unwrap();
    let mut at = 0;
    let mut packets = 0;
    while at + 12 <= file.len() {
        let kind = u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        if kind == 6 {
            packets += 1;
            if packets == n {
                let caplen =
                    u32::from_le_bytes(file[at + 20..at + 24].try_into().unwrap()) as usize;
                return file[at + 28..at + 28 + caplen].to_vec();
            }
        }
        at += len;
    }
    panic!("no frame {n}");
}

/// Writes a classic pcap of SYNs from 198.51.100.0/24 (all ports) to
/// 203.0.113.100:80.
fn write_flood(path: &std::path::Path) {
    let syn = syn_template();
    assert_eq!(syn.len(), 74);
    assert_eq!(syn[47], 0x02, "the template is a SYN");
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    w.write_all(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ])
    .unwrap();
    let mut frame = syn.clone();
    for i in 0..SYNS {
        // Source address 198.51.100.(i / 65536 + 1), source port i % 65536.
        frame[26..30].copy_from_slice(&[198, 51, 100, (i >> 16) as u8 + 1]);
        frame[34..36].copy_from_slice(&((i & 0xffff) as u16).to_be_bytes());
        let (sec, usec) = (1_700_000_000 + i / 1000, (i % 1000) * 1000);
        for v in [sec, usec, 74, 74] {
            w.write_all(&v.to_le_bytes()).unwrap();
        }
        w.write_all(&frame).unwrap();
    }
    w.flush().unwrap();
}

/// Runs the binary with stdout discarded; returns its peak resident set
/// (VmHWM, KiB) and how long it took.
fn peak(args: &[&str]) -> (u64, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut hwm = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(v) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                hwm = hwm.max(v);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{args:?} failed");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "{args:?} did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (hwm, start.elapsed())
}

#[test]
fn a_million_syns_in_bounded_memory() {
    let path =
        std::env::temp_dir().join(format!("netexplain-syn-flood-{}.pcap", std::process::id()));
    write_flood(&path);
    let file = path.to_str().unwrap();
    for args in [
        vec!["packets", file, "--no-summary"],
        vec!["explain", file, "--format", "json"],
    ] {
        let (kib, took) = peak(&args);
        println!(
            "{:?}: peak RSS {} MiB in {:.1} s",
            args[0],
            kib / 1024,
            took.as_secs_f64()
        );
        // Conversations, reassembly and the story's records are bounded;
        // without bounds a million connections would take several GiB.
        assert!(kib < 300 * 1024, "{}: peak {} MiB", args[0], kib / 1024);
    }
    // The story says what its bounds left out.
    let out = netexplain(&["explain", file, "--format", "json"]);
    let story: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(story["frames"], SYNS);
    assert_eq!(story["page_loads"].as_array().unwrap().len(), 100);
    assert!(story["page_loads_not_told"].as_u64().unwrap() > 0);
    assert!(story["items_not_kept"].as_u64().unwrap() > 0);
    std::fs::remove_file(&path).ok();
}

/// A DNS answer for google.com (frames 5 and 6 of curl-redirect), then
/// seventy connections that each send a GET to the address it gave, within
/// a second: one page load, whose steps tell the first 64 connections and
/// say how many they leave out.
#[test]
fn a_page_load_tells_a_bounded_number_of_connections() {
    let syn = syn_template();
    let path =
        std::env::temp_dir().join(format!("netexplain-70-conns-{}.pcap", std::process::id()));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    w.write_all(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ])
    .unwrap();
    for (i, dns) in [sample_frame(5), sample_frame(6)].iter().enumerate() {
        for v in [
            1_699_999_999,
            i as u32 * 1000,
            dns.len() as u32,
            dns.len() as u32,
        ] {
            w.write_all(&v.to_le_bytes()).unwrap();
        }
        w.write_all(dns).unwrap();
    }
    // Each connection: its SYN (frame 7) and its GET (frame 10), from a
    // port of its own.
    let get = sample_frame(10);
    for i in 0..70u32 {
        for (k, template) in [&syn, &get].into_iter().enumerate() {
            let mut frame = template.clone();
            frame[34..36].copy_from_slice(&(40_000 + i as u16).to_be_bytes());
            let len = frame.len() as u32;
            for v in [1_700_000_000, i * 10_000 + k as u32 * 1000, len, len] {
                w.write_all(&v.to_le_bytes()).unwrap();
            }
            w.write_all(&frame).unwrap();
        }
    }
    w.flush().unwrap();
    drop(w);
    let out = netexplain(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let story: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loads = story["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0]["connections_not_told"], 6);
    let handshake = loads[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "tcp_handshake")
        .unwrap();
    assert_eq!(
        handshake["facts"]["other_connections"]
            .as_array()
            .unwrap()
            .len(),
        63
    );
    std::fs::remove_file(&path).ok();
}
