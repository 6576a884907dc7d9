//! Live capture ends promptly on SIGINT and SIGTERM on a quiet interface,
//! and tells a page load about two seconds after it goes idle with no
//! further packet arriving. Each test makes a network namespace of its
//! own (only its loopback device, up): nothing else sends there. Needs
//! root and the `live` feature; skipped with a message otherwise.
#![cfg(feature = "live")]

mod common;

use common::{lines_as_they_come, root_with};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A namespace with its loopback up; deleted on drop.
struct Ns(String);

impl Ns {
    fn new(tag: &str) -> Option<Ns> {
        if !root_with(&["ip", "curl", "python3"]) {
            return None;
        }
        let name = format!("nxsig{tag}{}", std::process::id() % 100_000);
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("live signal tests skipped: `ip netns add` is not permitted here");
            return None;
        }
        let ns = Ns(name);
        assert!(ns
            .cmd(&["ip", "link", "set", "lo", "up"])
            .status()
            .unwrap()
            .success());
        Some(ns)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).args(args);
        c
    }

    fn live(&self, args: &[&str]) -> Child {
        self.cmd(&[env!("CARGO_BIN_EXE_netexplain"), "live", "-i", "lo"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        Command::new("ip")
            .args(["netns", "del", &self.0])
            .status()
            .ok();
    }
}

fn wait_for(
    rx: &mpsc::Receiver<(Instant, String)>,
    what: &str,
    within: Duration,
) -> (Instant, String) {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok((t, l)) if l.contains(what) => return (t, l),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("no line with {what:?} within {within:?}");
}

#[test]
fn a_quiet_capture_ends_within_a_second_of_sigint_and_of_sigterm() {
    let Some(ns) = Ns::new("q") else { return };
    for signal in ["INT", "TERM"] {
        // A filter nothing matches: no packet ever arrives.
        let mut child = ns.live(&["-f", "tcp port 9", "--explain"]);
        let err = lines_as_they_come(child.stderr.take().unwrap());
        let out = lines_as_they_come(child.stdout.take().unwrap());
        wait_for(&err, "capturing on lo", Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(500));
        let sent = Instant::now();
        assert!(Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap()
            .success());
        let status = child.wait().unwrap();
        let took = sent.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "SIG{signal}: ended after {took:?}"
        );
        assert!(status.success(), "SIG{signal}: {status:?}");
        let summary: Vec<String> = err.iter().map(|(_, l)| l).collect();
        let summary = summary.join("\n");
        assert!(summary.contains("reading stopped by a signal"), "{summary}");
        assert!(summary.contains("0 frames"), "{summary}");
        assert!(
            !summary.contains(", \n") && !summary.ends_with(", "),
            "{summary}"
        );
        // The closing story is printed too.
        let story: Vec<String> = out.iter().map(|(_, l)| l).collect();
        assert!(story.join("\n").contains("No page load found"), "{story:?}");
    }
}

#[test]
fn a_page_load_on_loopback_is_told_two_seconds_after_it_ends() {
    let Some(ns) = Ns::new("p") else { return };
    let dir = std::env::temp_dir().join(format!("netexplain-sig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>lab</h1>\n").unwrap();
    let mut web = ns
        .cmd(&[
            "python3",
            "-m",
            "http.server",
            "80",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the server listens.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let ss = ns.cmd(&["ss", "-lnt"]).output().unwrap();
        if String::from_utf8_lossy(&ss.stdout).contains("127.0.0.1:80") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut child = ns.live(&["-f", "tcp port 80", "--explain", "--lang", "en"]);
    let err = lines_as_they_come(child.stderr.take().unwrap());
    let out = lines_as_they_come(child.stdout.take().unwrap());
    wait_for(&err, "capturing on lo", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let fetch = ns
        .cmd(&[
            "curl",
            "-sS",
            "--max-time",
            "5",
            "http://127.0.0.1/",
            "-o",
            "/dev/null",
        ])
        .status()
        .unwrap();
    assert!(fetch.success());
    let ended = Instant::now();
    // The last packet of the load (the final ACK of the teardown) came
    // before curl returned; no packet comes after it.
    let (told, heading) = wait_for(&out, "Page load 1:", Duration::from_secs(6));
    let after = told.duration_since(ended);
    assert!(
        after >= Duration::from_millis(1500) && after < Duration::from_millis(3500),
        "told {after:?} after the load ended: {heading}"
    );
    assert!(heading.contains("server 127.0.0.1"), "{heading}");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let rest: Vec<String> = out.iter().map(|(_, l)| l).collect();
    // The closing story numbers the load as it was told.
    assert!(
        rest.iter().any(|l| l.starts_with("Page load 1:")),
        "{rest:?}"
    );
    let summary: Vec<String> = err.iter().map(|(_, l)| l).collect();
    assert!(
        summary.iter().any(|l| l.contains("TCP conversations: 1")),
        "{summary:?}"
    );
    web.kill().ok();
    web.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
