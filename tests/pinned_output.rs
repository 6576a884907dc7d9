//! Pins the output of every committed capture byte for byte: the NDJSON of
//! `packets --format json`, the `packets -v` text, and the story of
//! `explain` as JSON and as text, in both languages. A change to the decoders' structure must leave
//! these files as they are; a change meant to alter the output rewrites them
//! with `NETEXPLAIN_BLESS=1 cargo test --test pinned_output` and shows the
//! difference in review.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn pinned(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pinned")
        .join(name)
}

/// Runs the binary from the crate's root with a relative capture path, so
/// the output does not depend on where the tree is checked out.
fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("NETEXPLAIN_NOTES")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn check(cases: &[(String, Vec<String>)]) {
    let bless = std::env::var_os("NETEXPLAIN_BLESS").is_some();
    let mut differ = Vec::new();
    for (file, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(&args);
        let path = pinned(file);
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (bless to create it)", path.display()));
        if got != want {
            let line = got
                .split(|&b| b == b'\n')
                .zip(want.split(|&b| b == b'\n'))
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            differ.push(format!("{file}: differs from line {line}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

fn captures() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = common::all_samples()
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name.clone(), format!("samples/{name}"))
        })
        .collect();
    v.push(("hostile.pcap".into(), "tests/data/hostile.pcap".into()));
    v
}

#[test]
fn packets_json_is_pinned() {
    let cases: Vec<(String, Vec<String>)> = captures()
        .into_iter()
        .map(|(name, path)| {
            (
                format!("{name}.packets.ndjson"),
                vec!["packets".into(), path, "--format".into(), "json".into()],
            )
        })
        .collect();
    check(&cases);
}

#[test]
fn explain_json_is_pinned_in_both_languages() {
    let mut cases = Vec::new();
    for (name, path) in captures() {
        for lang in ["en", "zh"] {
            cases.push((
                format!("{name}.explain.{lang}.json"),
                vec![
                    "explain".into(),
                    path.clone(),
                    "--format".into(),
                    "json".into(),
                    "--lang".into(),
                    lang.into(),
                ],
            ));
        }
    }
    check(&cases);
}

#[test]
fn packets_verbose_text_is_pinned() {
    let cases: Vec<(String, Vec<String>)> = captures()
        .into_iter()
        .map(|(name, path)| {
            (
                format!("{name}.packets.txt"),
                vec![
                    "packets".into(),
                    path,
                    "-v".into(),
                    "--color".into(),
                    "never".into(),
                ],
            )
        })
        .collect();
    check(&cases);
}

#[test]
fn explain_text_is_pinned_in_both_languages() {
    let mut cases = Vec::new();
    for (name, path) in captures() {
        for lang in ["en", "zh"] {
            cases.push((
                format!("{name}.explain.{lang}.txt"),
                vec![
                    "explain".into(),
                    path.clone(),
                    "--color".into(),
                    "never".into(),
                    "--width".into(),
                    "100".into(),
                    "--lang".into(),
                    lang.into(),
                ],
            ));
        }
    }
    check(&cases);
}
