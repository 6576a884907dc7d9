//! Reading from pipes as tcpdump does (each frame shown when its record
//! arrives; SIGINT still prints what was read and the summary), damaged
//! and compressed input, the `-o` guard, notes files with a BOM and CRLF,
//! and NO_COLOR.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn tmp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netexplain-pipes-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The 24-byte header and each record of a little-endian classic pcap.
fn pcap_records(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut at = 24;
    let mut records = Vec::new();
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        records.push(bytes[at..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    (bytes[..24].to_vec(), records)
}

fn spawn_packets(extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args(["packets", "-"])
        .args(extra)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Lines of the child's standard output, as they arrive.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let timed = lines_as_they_come(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (_, line) in timed {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn frame_number(line: &str) -> Option<u64> {
    line.split_whitespace().next()?.parse().ok()
}

#[test]
fn a_slow_pipe_shows_each_frame_before_the_writer_closes() {
    // nano-vlan.pcap was written by tcpdump in the namespace lab.
    let (header, records) = pcap_records(&std::fs::read(sample("nano-vlan.pcap")).unwrap());
    assert!(records.len() >= 5);
    let mut child = spawn_packets(&[]);
    let mut stdin = child.stdin.take().unwrap();
    let lines = lines_of(&mut child);
    stdin.write_all(&header).unwrap();
    stdin.flush().unwrap();
    for (i, record) in records.iter().take(5).enumerate() {
        // Half a record first: nothing may be shown for it yet.
        let half = record.len() / 2;
        stdin.write_all(&record[..half]).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
        assert!(
            lines.try_recv().is_err(),
            "frame {} shown before its record was complete",
            i + 1
        );
        stdin.write_all(&record[half..]).unwrap();
        stdin.flush().unwrap();
        // The writer keeps the pipe open; the frame must arrive anyway.
        let line = lines
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("frame {} not shown while the pipe is open", i + 1));
        assert_eq!(frame_number(&line), Some(i as u64 + 1), "{line}");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn sigint_on_an_open_pipe_prints_the_frames_read_and_the_summary() {
    let bytes = std::fs::read(sample("nano-vlan.pcap")).unwrap();
    let (_, records) = pcap_records(&bytes);
    for signal in ["INT", "TERM"] {
        let mut child = spawn_packets(&[]);
        let mut stdin = child.stdin.take().unwrap();
        let lines = lines_of(&mut child);
        stdin.write_all(&bytes).unwrap();
        stdin.flush().unwrap();
        let mut seen = Vec::new();
        while seen.len() < records.len() {
            seen.push(lines.recv_timeout(Duration::from_secs(5)).unwrap());
        }
        let sent = Instant::now();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let status = child.wait().unwrap();
        let waited = sent.elapsed();
        // stdin is still open: only the signal ended the reading.
        assert!(
            waited < Duration::from_millis(500),
            "SIG{signal}: reading ended after {waited:?}"
        );
        assert!(status.success(), "SIG{signal}: {status:?}");
        let rest: Vec<String> = lines.iter().collect();
        let all = [seen, rest].concat().join("\n");
        assert!(all.contains("Summary"), "{all}");
        assert!(all.contains("reading stopped by a signal"), "{all}");
        assert!(
            all.contains(&format!("  {} frames, ", records.len())),
            "{all}"
        );
        drop(stdin);
    }
}

#[test]
fn a_cut_gzip_capture_yields_the_frames_tshark_shows() {
    if !have_tshark() {
        eprintln!("skipped: no tshark");
        return;
    }
    let dir = tmp("gz");
    let cap = sample("chromium-pageload.pcapng");
    let gz = Command::new("gzip").arg("-c").arg(&cap).output().unwrap();
    assert!(gz.status.success());
    let cut = dir.join("cut.pcapng.gz");
    std::fs::write(&cut, &gz.stdout[..gz.stdout.len() / 2]).unwrap();
    let tshark = Command::new("tshark")
        .args([
            "-r",
            cut.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "frame.len",
        ])
        .output()
        .unwrap();
    let theirs: Vec<u64> = String::from_utf8_lossy(&tshark.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert!(theirs.len() > 10, "tshark reads frames before the cut");
    let out = netexplain(&["packets", cut.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let ours: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["len"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(ours, theirs, "the frames before the cut, length by length");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut.pcapng.gz") && err.contains("gzip stream is damaged or cut short"),
        "{err}"
    );
    assert!(!err.contains("offset 0;"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_record_length_and_a_cut_section_header_are_named() {
    let dir = tmp("corrupt");
    let mut bytes = std::fs::read(sample("nano-vlan.pcap")).unwrap();
    let (_, records) = pcap_records(&bytes);
    let second = 24 + records[0].len();
    bytes[second + 8..second + 12].copy_from_slice(&1_000_000u32.to_le_bytes());
    let bad = dir.join("badlen.pcap");
    std::fs::write(&bad, &bytes).unwrap();
    let out = netexplain(&["packets", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains(&format!(
            "corrupt record length at byte offset {second}: the pcap record claims 1000000 bytes"
        )),
        "{err}"
    );
    assert!(!err.contains("truncated"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| frame_number(l) == Some(1)));

    let ng = std::fs::read(sample("dns-types.pcapng")).unwrap();
    let cut = dir.join("shb.pcapng");
    std::fs::write(&cut, &ng[..20]).unwrap();
    let out = netexplain(&["packets", cut.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("shb.pcapng: the capture ends at byte offset 20, inside its pcapng section header block"),
        "{err}"
    );

    let missing = dir.join("missing.pcap");
    let out = netexplain(&["packets", missing.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("No such file or directory").count(),
        1,
        "said once: {err}"
    );

    let md = dir.join("notes.md");
    std::fs::write(&md, "## 01 — HTTP 和 HTTPS\n正文\n").unwrap();
    let out = netexplain(&["packets", md.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("text, not a capture"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn output_onto_an_input_is_refused_and_the_input_is_unchanged() {
    let dir = tmp("out");
    let cap = dir.join("trace.pcapng");
    std::fs::copy(sample("curl-redirect.pcapng"), &cap).unwrap();
    let before = std::fs::read(&cap).unwrap();
    let c = cap.to_str().unwrap();
    // The same file by another name, too.
    let other = format!("{}/./trace.pcapng", dir.display());
    for target in [c, other.as_str()] {
        let out = netexplain(&["explain", c, "-o", target]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing to write the report"), "{err}");
        assert_eq!(std::fs::read(&cap).unwrap(), before, "input unchanged");
    }
    let notes = dir.join("notes.md");
    std::fs::write(&notes, "## 04 - typing a name\nsteps\n").unwrap();
    let n = notes.to_str().unwrap();
    let out = netexplain(&["explain", c, "--notes", n, "-o", n]);
    assert_eq!(out.status.code(), Some(2));

    // The format follows the extension when --format is absent.
    let html = dir.join("report.html");
    let out = netexplain(&["explain", c, "-o", html.to_str().unwrap()]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.starts_with("<!DOCTYPE html>"),
        "{}",
        &text[..40.min(text.len())]
    );
    let json = dir.join("report.json");
    let out = netexplain(&["explain", c, "-o", json.to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(v["page_loads"].is_array());
    let md = dir.join("report.md");
    let out = netexplain(&["explain", c, "-o", md.to_str().unwrap()]);
    assert!(out.status.success());
    let from_ext = std::fs::read_to_string(&md).unwrap();
    let asked = netexplain(&["explain", c, "--format", "md"]);
    assert_eq!(from_ext, String::from_utf8_lossy(&asked.stdout));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn notes_with_a_bom_and_crlf_line_ends_load() {
    let dir = tmp("notes");
    let builtin = netexplain(&["notes", "--lang", "en"]);
    let lf = String::from_utf8(builtin.stdout).unwrap();
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let (a, b) = (dir.join("lf.md"), dir.join("bom-crlf.md"));
    std::fs::write(&a, &lf).unwrap();
    std::fs::write(&b, &crlf).unwrap();
    let cap = sample("curl-redirect.pcapng");
    let run = |notes: &Path| {
        let out = netexplain(&[
            "explain",
            cap.to_str().unwrap(),
            "--lang",
            "en",
            "--format",
            "json",
            "--notes",
            notes.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sections = (v["missing_sections"].take(), v["uncited_sections"].take());
        (sections, v["page_loads"].take())
    };
    let (sa, pa) = run(&a);
    let (sb, pb) = run(&b);
    assert_eq!(sa.0.as_array().map(Vec::len), Some(0), "no section missing");
    assert!(
        pa.to_string().contains("\"notes_check\""),
        "the story checks the notes"
    );
    assert_eq!(sa, sb, "the same sections and titles");
    assert_eq!(pa, pb, "the same story");
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs `packets` under a pseudo-terminal (util-linux `script`), so that
/// `--color auto` sees a terminal.
fn on_a_terminal(no_color: Option<&str>) -> String {
    let cmd = format!(
        "{} packets {} -c 3",
        env!("CARGO_BIN_EXE_netexplain"),
        sample("curl-redirect.pcapng").display()
    );
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &cmd, "/dev/null"]);
    c.env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn no_color_set_but_empty_keeps_colour() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no script(1)");
        return;
    }
    assert!(
        on_a_terminal(None).contains("\x1b["),
        "colour on a terminal"
    );
    assert!(
        on_a_terminal(Some("")).contains("\x1b["),
        "NO_COLOR= keeps it"
    );
    assert!(
        !on_a_terminal(Some("1")).contains("\x1b["),
        "NO_COLOR=1 ends it"
    );
}

#[test]
fn count_zero_says_so() {
    let out = netexplain(&[
        "packets",
        sample("curl-redirect.pcapng").to_str().unwrap(),
        "-c",
        "0",
    ]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("-c) is 0"), "{s}");
    assert!(!s.contains("holds no frames"), "{s}");
}

#[test]
fn a_host_matching_nothing_lists_the_hosts_there_are() {
    // chromium-pageload.pcapng: Chromium loading www.google.com in the lab.
    let out = netexplain(&[
        "explain",
        sample("chromium-pageload.pcapng").to_str().unwrap(),
        "--host",
        "nothing.example",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no page load matches --host nothing.example; the page loads here are of: ")
            && err.contains("www.google.com"),
        "{err}"
    );
}

#[test]
fn a_report_from_a_damaged_capture_says_so() {
    let dir = tmp("damaged");
    let bytes = std::fs::read(sample("curl-redirect.pcapng")).unwrap();
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
    for ext in ["html", "md", "json"] {
        let report = dir.join(format!("report.{ext}"));
        let out = netexplain(&[
            "explain",
            cut.to_str().unwrap(),
            "-o",
            report.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(
            text.contains("cut.pcapng is damaged: the capture ends in the middle of a block"),
            "{ext}: {text}"
        );
        if ext == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(v["capture_error"].as_str().unwrap().contains("byte offset"));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
