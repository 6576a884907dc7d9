//! The HTML report rendered by a real browser: headless Chromium loads the
//! page and the DOM it builds must hold every step and one arrow per packet
//! the JSON story lists; choosing a step must highlight exactly its packets.
//! `report_browser.rs` checks layout, keyboard, address and print.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (NETEXPLAIN_REQUIRE_CHROMIUM is set) but not installed"
        );
        eprintln!("chromium not installed: HTML DOM test skipped (apt-get install chromium)");
    }
    found
}

fn dump_dom(browser: &str, url: &str, profile: &std::path::Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn report_renders_steps_and_ladder_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = std::env::temp_dir().join(format!("netexplain-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = sample("curl-redirect.pcapng");
    let report = dir.join("report.html");
    let out = netexplain(&[
        "explain",
        sample.to_str().unwrap(),
        "--lang",
        "en",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = netexplain(&[
        "explain",
        sample.to_str().unwrap(),
        "--lang",
        "en",
        "--format",
        "json",
    ]);
    let story: Value = serde_json::from_slice(&json.stdout).unwrap();
    let load = &story["page_loads"][0];
    let arrows = load["ladder"]["arrows"].as_array().unwrap();
    let dns_arrows = arrows
        .iter()
        .filter(|a| a["steps"].as_array().unwrap().iter().any(|s| s == "dns"))
        .count();
    assert!(dns_arrows >= 2, "the DNS step has packets in the diagram");

    let url = format!("file://{}#step=dns", report.display());
    let dom = dump_dom(browser, &url, &dir.join("profile"));
    for id in [
        "url",
        "cache",
        "dns",
        "arp",
        "tcp_handshake",
        "tls_handshake",
        "http",
        "render",
        "tcp_teardown",
    ] {
        assert!(
            dom.contains(&format!("data-step=\"{id}\"")),
            "step {id} is in the DOM"
        );
    }
    // Every step of every page load, and every arrow, made it into the DOM.
    let steps: usize = story["page_loads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["steps"].as_array().unwrap().len())
        .sum();
    assert_eq!(count(&dom, "class=\"step "), steps);
    let all_arrows: usize = story["page_loads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ladder"]["arrows"].as_array().unwrap().len())
        .sum();
    assert_eq!(count(&dom, "<g class=\"arrow"), all_arrows);
    // The script ran: the chosen step is active and only its packets are
    // highlighted in the first page load's diagram.
    assert!(dom.contains("class=\"step observed active\" data-step=\"dns\""));
    let first_load = dom.split("<section class=\"load\"").nth(1).unwrap();
    // Arrows to a broadcast or multicast group are drawn as a bus.
    let marked = |state: &str| {
        count(first_load, &format!("class=\"arrow {state}\""))
            + count(first_load, &format!("class=\"arrow bus {state}\""))
    };
    assert_eq!(marked("hl"), dns_arrows);
    assert_eq!(marked("dim"), arrows.len() - dns_arrows);
    std::fs::remove_dir_all(&dir).ok();
}
