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

/// `packets FILE --format json`, one value per frame.
pub fn packets_json(path: &Path) -> Vec<Value> {
    let out = netexplain(&[
        "packets",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--no-summary",
    ]);
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
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
