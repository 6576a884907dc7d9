//! Batch mode: several captures into a directory with an index, a damaged
//! capture among them, and `--merge` against mergecap.

mod common;

use common::{all_samples, damaged_inputs, fresh_dir, netexplain, packets_json, sample};
use netexplain::export::capture_name;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn run(args: &[String]) -> std::process::Output {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    netexplain(&a)
}

fn args(head: &[&str], files: &[PathBuf], tail: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = head.iter().map(|s| s.to_string()).collect();
    v.extend(files.iter().map(|p| p.display().to_string()));
    v.extend(tail.iter().map(|s| s.to_string()));
    v
}

fn stdout_of(args: &[String]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_batch_of_the_samples_writes_each_report_as_a_single_run_does_and_an_index() {
    let dir = fresh_dir("batch-json");
    let out_dir = format!("{}/", dir.join("out").display());
    let samples = all_samples();
    let out = run(&args(
        &["explain", "--lang", "en", "--format", "json"],
        &samples,
        &["-o", &out_dir],
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/index.json")).unwrap())
            .unwrap();
    let caps = index["captures"].as_array().unwrap();
    assert_eq!(caps.len(), samples.len());
    for (s, c) in samples.iter().zip(caps) {
        let name = capture_name(s);
        assert_eq!(c["capture"], name.as_str());
        assert_eq!(c["output"], format!("{name}.json").as_str());
        assert!(c["error"].is_null());
        // The report is byte for byte what `explain FILE` prints.
        let single = stdout_of(&args(
            &["explain", "--lang", "en", "--format", "json"],
            std::slice::from_ref(s),
            &[],
        ));
        let report = std::fs::read_to_string(dir.join("out").join(format!("{name}.json"))).unwrap();
        assert_eq!(report, single, "{name}");
        // The index rows are the story's page loads and step statuses.
        let story: Value = serde_json::from_str(&single).unwrap();
        let loads = story["page_loads"].as_array().unwrap();
        let rows = c["page_loads"].as_array().unwrap();
        assert_eq!(rows.len(), loads.len(), "{name}");
        for (r, pl) in rows.iter().zip(loads) {
            assert_eq!(r["host"], pl["host"]);
            assert_eq!(r["duration_ms"], pl["duration_ms"]);
            let steps: Vec<(String, String)> = pl["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap().into(),
                        s["status"].as_str().unwrap().into(),
                    )
                })
                .collect();
            let got: Vec<(String, String)> = r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect();
            assert_eq!(got, steps, "{name}");
        }
    }
}

#[test]
fn time_to_first_byte_is_the_first_request_to_its_response() {
    let dir = fresh_dir("batch-ttfb");
    let out_dir = format!("{}/", dir.display());
    let files = [sample("http-keepalive.pcapng"), sample("curl-tls12.pcapng")];
    let out = run(&args(
        &["explain", "--format", "json"],
        &files,
        &["-o", &out_dir],
    ));
    assert!(out.status.success());
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    // Cleartext: the first request's frame to the first response on its connection.
    let frames = packets_json(&files[0]);
    let req = frames
        .iter()
        .find(|p| p["http"][0]["method"].is_string())
        .unwrap();
    let resp = frames
        .iter()
        .find(|p| p["http"][0]["status"].is_number() && p["tcp"]["stream"] == req["tcp"]["stream"])
        .unwrap();
    let want = ((resp["ts"].as_f64().unwrap() - req["ts"].as_f64().unwrap()) * 1e6).round() / 1e3;
    assert_eq!(
        index["captures"][0]["page_loads"][0]["ttfb_ms"].as_f64(),
        Some(want)
    );
    // HTTPS: the story's own measure.
    let story = common::story("curl-tls12.pcapng", &[]);
    let https = &common::step(&story["page_loads"][0], "http")["facts"]["https"][0]["ttfb_ms"];
    assert_eq!(index["captures"][1]["page_loads"][0]["ttfb_ms"], *https);
}

#[test]
fn a_damaged_capture_is_listed_and_the_rest_are_written() {
    let dir = fresh_dir("batch-damaged");
    let (cut, junk) = damaged_inputs(&dir);
    let files = vec![
        sample("curl-ipv6.pcapng"),
        cut,
        junk,
        sample("websocket.pcapng"),
    ];
    let out_dir = format!("{}/", dir.join("out").display());
    let out = run(&args(
        &["explain", "--format", "html"],
        &files,
        &["-o", &out_dir],
    ));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut.pcapng: the capture ends in the middle of a block at byte offset 2868"),
        "{err}"
    );
    assert!(
        err.contains("junk.pcap: not a pcap or pcapng capture"),
        "{err}"
    );
    assert!(err.contains("3 of 4 capture(s) written"), "{err}");
    let index = std::fs::read_to_string(dir.join("out/index.html")).unwrap();
    for name in ["curl-ipv6", "cut", "websocket"] {
        assert!(
            index.contains(&format!("<a href=\"{name}.html\">{name}</a>")),
            "{name}"
        );
        assert!(dir.join("out").join(format!("{name}.html")).exists());
    }
    assert!(index.contains("<td class=\"damaged\">damaged: the capture ends in the middle of a block at byte offset 2868"));
    assert!(index.contains("<td>junk</td>"));
    assert!(index.contains("<td class=\"unreadable\">unreadable: not a pcap or pcapng capture"));
    assert!(!dir.join("out/junk.html").exists());
    // Each step is a coloured cell; websocket.pcapng has a websocket step,
    // which the other captures' loads do not have: it does not apply to
    // them, and nothing is called missing.
    assert!(index.contains("<th>websocket</th>"));
    assert!(index.contains("<td class=\"not_applicable\">not_applicable</td>"));
    assert!(!index.contains("missing"));
    assert!(index.contains("<td class=\"observed\">observed</td>"));
}

#[test]
fn packets_and_conversations_batches_equal_single_runs() {
    let dir = fresh_dir("batch-packets");
    let files = vec![sample("curl-tls12.pcapng"), sample("dns-types.pcapng")];
    for (cmd, extra) in [("packets", vec!["--no-summary"]), ("conversations", vec![])] {
        let out_dir = format!("{}/", dir.join(cmd).display());
        let out = run(&args(&[cmd, "--format", "json"], &files, &["-o", &out_dir]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in &files {
            let mut single = vec![cmd, "--format", "json"];
            single.extend(extra.iter().copied());
            let want = stdout_of(&args(&single, std::slice::from_ref(f), &[]));
            let got =
                std::fs::read_to_string(dir.join(cmd).join(format!("{}.json", capture_name(f))))
                    .unwrap();
            assert_eq!(got, want, "{cmd} {}", f.display());
        }
        assert!(!dir.join(cmd).join("index.json").exists());
    }
    // Text output too, with the closing summary in the file.
    let out_dir = format!("{}/", dir.join("text").display());
    let out = run(&args(&["packets"], &files[..1], &["-o", &out_dir]));
    assert!(out.status.success());
    let got = std::fs::read_to_string(dir.join("text/curl-tls12.txt")).unwrap();
    let want = stdout_of(&args(&["packets", "--color", "never"], &files[..1], &[]));
    assert_eq!(got, want);
}

#[test]
fn several_captures_without_a_directory_or_merge_are_refused() {
    let out = run(&args(
        &["explain"],
        &[sample("curl-tls12.pcapng"), sample("curl-ipv6.pcapng")],
        &[],
    ));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("several captures need -o DIR/"));
}

fn have_mergecap() -> bool {
    let ok = Command::new("mergecap").arg("-h").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_TSHARK").is_none(),
            "mergecap (Wireshark) is required but not installed"
        );
        eprintln!("skipped: mergecap is not installed");
    }
    ok
}

#[test]
fn merge_reads_the_files_in_timestamp_order_as_mergecap_does() {
    if !have_mergecap() {
        return;
    }
    let dir = fresh_dir("batch-merge");
    // Two captures recorded at different times, plus one with two interfaces.
    let files = vec![
        sample("curl-ipv6.pcapng"),
        sample("curl-tls12.pcapng"),
        sample("two-interfaces.pcapng"),
    ];
    let merged = dir.join("merged.pcapng");
    let st = Command::new("mergecap")
        .arg("-w")
        .arg(&merged)
        .args(&files)
        .status()
        .unwrap();
    assert!(st.success());
    let ours: Vec<Value> = stdout_of(&args(
        &["packets", "--format", "json", "--no-summary", "--merge"],
        &files,
        &[],
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let theirs = packets_json(&merged);
    let total: usize = files.iter().map(|f| packets_json(f).len()).sum();
    assert_eq!(ours.len(), total);
    assert_eq!(theirs.len(), total);
    for (a, b) in ours.iter().zip(&theirs) {
        // Frame by frame the same packet: number, time, sizes, interface,
        // addresses, ports, and what was decoded from it.
        for k in [
            "frame",
            "ts",
            "caplen",
            "len",
            "interface",
            "linktype",
            "ip",
            "udp",
            "dns",
            "arp",
        ] {
            assert_eq!(a[k], b[k], "frame {} {k}", a["frame"]);
        }
        assert_eq!(a["tcp"]["seq"], b["tcp"]["seq"]);
        assert_eq!(a["tcp"]["stream"], b["tcp"]["stream"]);
    }
    // The story of the merged capture tells both page loads.
    let story: Value = serde_json::from_str(&stdout_of(&args(
        &["explain", "--format", "json", "--merge"],
        &files[..2],
        &[],
    )))
    .unwrap();
    assert_eq!(story["page_loads"].as_array().unwrap().len(), 2);
}
