//! Helpers shared by the integration tests: run the binary, read its NDJSON.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// Every committed capture in samples/.
pub fn all_samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .expect("samples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

/// The samples tshark reads in the clear: all but those carrying their own
/// TLS secrets (a Decryption Secrets Block), which tshark decrypts with no
/// option while netexplain's cleartext comparisons expect the records as
/// sent. Those are compared decrypted in tests/keylog_tshark.rs.
pub fn cleartext_samples() -> Vec<PathBuf> {
    all_samples()
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("embedded")
        })
        .collect()
}

pub fn netexplain(args: &[&str]) -> Output {
    netexplain_env(args, &[])
}

/// Runs the binary with extra environment variables.
pub fn netexplain_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netexplain"));
    cmd.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// Runs the binary, which must succeed, and reads its NDJSON output.
pub fn ndjson(args: &[&str]) -> Vec<Value> {
    let out = netexplain(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// `packets FILE --format json`, one value per frame.
pub fn packets_json(path: &Path) -> Vec<Value> {
    ndjson(&[
        "packets",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--no-summary",
    ])
}

/// `explain SAMPLE --format json` with `extra` arguments: the story.
pub fn story(name: &str, extra: &[&str]) -> Value {
    let path = sample(name);
    let mut args = vec!["explain", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = netexplain(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the story is JSON")
}

/// `explain SAMPLE` with `extra` arguments: the story as text.
pub fn story_text(name: &str, extra: &[&str]) -> String {
    let path = sample(name);
    let mut args = vec!["explain", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = netexplain(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The step of a page load with this id.
pub fn step<'a>(load: &'a Value, id: &str) -> &'a Value {
    load["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

/// `tshark -r FILE -n -T fields` with `options` (a display filter, `-E`
/// settings) and one `-e` per field; one row per frame, split on tabs.
pub fn tshark_fields(path: &Path, options: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-n", "-T", "fields"])
        .args(options);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// tshark's fields for a file with every occurrence of each (`-E
/// occurrence=a`), split into a list per field; `options` go first.
pub fn tshark_occurrences(path: &Path, options: &[&str], fields: &[&str]) -> Vec<Vec<Vec<String>>> {
    let mut all = vec!["-E", "occurrence=a", "-E", "aggregator=|"];
    all.extend(options);
    tshark_fields(path, &all, fields)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|v| match v.as_str() {
                    "" => Vec::new(),
                    _ => v.split('|').map(str::to_owned).collect(),
                })
                .collect()
        })
        .collect()
}

/// A number as tshark prints it: decimal, or hex after `0x`.
pub fn tshark_num(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap(),
    }
}

/// The frame with this number (1-based).
pub fn frame(packets: &[Value], n: u64) -> &Value {
    packets
        .iter()
        .find(|p| p["frame"] == n)
        .unwrap_or_else(|| panic!("no frame {n}"))
}

/// Whether tshark is available; when it is not, the differential tests
/// say so and pass, except where NETEXPLAIN_REQUIRE_TSHARK is set (CI).
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_TSHARK").is_none(),
            "tshark is required (NETEXPLAIN_REQUIRE_TSHARK is set) but not installed"
        );
        eprintln!("tshark not installed: differential test skipped (apt-get install tshark)");
    }
    ok
}

/// An empty directory of this name under the test target's temporary folder.
pub fn fresh_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// In `dir`: `cut.pcapng`, curl-tls12.pcapng cut at byte 3000 (inside a
/// block that starts at 2868), and `junk.pcap`, which is not a capture.
pub fn damaged_inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let whole = std::fs::read(sample("curl-tls12.pcapng")).unwrap();
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &whole[..3000]).unwrap();
    let junk = dir.join("junk.pcap");
    std::fs::write(&junk, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    (cut, junk)
}

/// True when running as root with every one of `tools` on PATH; panics
/// instead when NETEXPLAIN_REQUIRE_LIVE asks for the live tests.
pub fn root_with(tools: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let found = tools.iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !(root && found) {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_LIVE").is_none(),
            "live tests required (NETEXPLAIN_REQUIRE_LIVE) but not root or missing one of {tools:?}"
        );
        eprintln!("skipped: needs root and {tools:?}");
    }
    root && found
}

/// The lines of a stream as they arrive, each with the instant it came.
pub fn lines_as_they_come<R: std::io::Read + Send + 'static>(
    mut r: R,
) -> std::sync::mpsc::Receiver<(std::time::Instant, String)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = r.read(&mut byte) {
            if byte[0] == b'\n' {
                let line = String::from_utf8_lossy(&buf).into_owned();
                tx.send((std::time::Instant::now(), line)).ok();
                buf.clear();
            } else {
                buf.push(byte[0]);
            }
        }
    });
    rx
}

/// The lines of one step of the story's first page load, one a line.
pub fn step_lines(story: &Value, id: &str) -> String {
    step(&story["page_loads"][0], id)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string() + "\n")
        .collect()
}
