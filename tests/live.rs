//! Live capture, end to end: two network namespaces joined by a veth pair
//! (documentation addresses only), dnsmasq and a small HTTP server on one
//! side, `netexplain live` on the other side's interface while curl
//! resolves a name and fetches a page. Needs root and the `live` feature;
//! skipped with a message otherwise (CI runs it as root).
#![cfg(feature = "live")]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn can_run() -> bool {
    if !root_with(&["ip", "dnsmasq", "curl", "python3"]) {
        return false;
    }
    // Some containers give root no network namespaces; say so and skip.
    static PROBES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let probe = format!("nxprobe{}-{n}", std::process::id() % 100_000);
    let ok = Command::new("ip")
        .args(["netns", "add", &probe])
        .status()
        .is_ok_and(|s| s.success());
    Command::new("ip")
        .args(["netns", "del", &probe])
        .status()
        .ok();
    if !ok {
        eprintln!("live capture tests skipped: `ip netns add` is not permitted here");
    }
    ok
}

fn sh(cmd: &str) {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two namespaces: `srv` (198.51.100.1: dnsmasq, HTTP on port 80) and
/// `cli` (198.51.100.2, resolver 198.51.100.1). Removed on drop.
struct Lab {
    srv: String,
    cli: String,
    dir: PathBuf,
    servers: Vec<Child>,
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let id = format!("{}{}", tag, std::process::id() % 100_000);
        let (srv, cli) = (format!("nxs{id}"), format!("nxc{id}"));
        let dir = std::env::temp_dir().join(format!("netexplain-live-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut lab = Lab {
            srv: srv.clone(),
            cli: cli.clone(),
            dir: dir.clone(),
            servers: Vec::new(),
        };
        sh(&format!(
            "ip netns add {srv} && ip netns add {cli} && \
             ip link add vs{id} netns {srv} type veth peer name vc{id} netns {cli} && \
             ip -n {srv} addr add 198.51.100.1/24 dev vs{id} && ip -n {srv} link set vs{id} up && \
             ip -n {srv} link set lo up && \
             ip -n {cli} addr add 198.51.100.2/24 dev vc{id} && ip -n {cli} link set vc{id} up && \
             ip -n {cli} link set lo up && \
             mkdir -p /etc/netns/{cli} && echo 'nameserver 198.51.100.1' > /etc/netns/{cli}/resolv.conf && \
             printf '127.0.0.1 localhost\\n' > /etc/netns/{cli}/hosts"
        ));
        std::fs::write(dir.join("index.html"), "<h1>lab</h1>\n").unwrap();
        let dns = Command::new("ip")
            .args([
                "netns",
                "exec",
                &srv,
                "dnsmasq",
                "--no-daemon",
                "--no-resolv",
                "--no-hosts",
            ])
            .args([
                "--bind-interfaces",
                "--listen-address=198.51.100.1",
                "--port=53",
            ])
            .args(["--host-record=www.example.com,198.51.100.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        lab.servers.push(dns);
        let web = Command::new("ip")
            .args(["netns", "exec", &srv, "python3", "-m", "http.server", "80"])
            .args(["--bind", "198.51.100.1", "--directory"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        lab.servers.push(web);
        // Wait until both listen.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let ss = Command::new("ip")
                .args(["netns", "exec", &srv, "ss", "-lntu"])
                .output()
                .unwrap();
            let ss = String::from_utf8_lossy(&ss.stdout);
            if ss.contains("198.51.100.1:53") && ss.contains("198.51.100.1:80") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        lab
    }

    fn iface(&self) -> String {
        self.cli.replacen("nxc", "vc", 1)
    }

    fn live(&self, args: &[&str], env: &[(&str, &str)]) -> Child {
        let mut cmd = Command::new("ip");
        cmd.args([
            "netns",
            "exec",
            &self.cli,
            env!("CARGO_BIN_EXE_netexplain"),
            "live",
        ])
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().unwrap()
    }

    fn fetch(&self) {
        sh(&format!(
            "ip netns exec {} curl -sS --max-time 5 http://www.example.com/ -o /dev/null",
            self.cli
        ));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for s in &mut self.servers {
            s.kill().ok();
            s.wait().ok();
        }
        for ns in [&self.srv, &self.cli] {
            Command::new("ip").args(["netns", "del", ns]).status().ok();
        }
        std::fs::remove_dir_all(format!("/etc/netns/{}", self.cli)).ok();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn finish(child: Child) -> (String, String) {
    let out = child.wait_with_output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "live failed:\n{se}\n{so}");
    (so, se)
}

fn wait_capturing(path: &Path) {
    // The capture file exists once the handle is open.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn live_capture_tells_the_page_load_and_writes_the_same_frames() {
    if !can_run() {
        return;
    }
    let lab = Lab::new("a");
    let file = lab.dir.join("live.pcapng");
    let iface = lab.iface();
    let child = lab.live(
        &[
            "-i",
            &iface,
            "--duration",
            "6",
            "--explain",
            "--lang",
            "en",
            "-w",
            file.to_str().unwrap(),
        ],
        &[],
    );
    wait_capturing(&file);
    lab.fetch();
    let (stdout, stderr) = finish(child);
    assert!(
        stderr.contains(&format!("capturing on {iface}")),
        "{stderr}"
    );
    assert!(stderr.contains("packets received by filter"), "{stderr}");
    // Per-packet lines as they arrived.
    assert!(stdout.contains("DNS query A www.example.com"), "{stdout}");
    assert!(stdout.contains("DNS response A www.example.com → A 198.51.100.1"));
    assert!(stdout.contains("TCP [SYN]"));
    assert!(stdout.contains("GET /"));
    assert!(stdout.contains("200 OK"));
    // The story, told once the page load was over and again at the end.
    assert_eq!(
        stdout.matches("Page load 1: www.example.com").count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("Resolve the name (DNS)  [observed]"));
    assert!(stdout.contains("TCP three-way handshake  [observed]"));
    assert!(stdout.contains("HTTP request and response  [observed]"));

    // The written file tells the same story, frame for frame.
    let replay = netexplain(&[
        "explain",
        file.to_str().unwrap(),
        "--lang",
        "en",
        "--color",
        "never",
    ]);
    assert!(replay.status.success());
    let replay = String::from_utf8(replay.stdout).unwrap();
    assert!(
        stdout.ends_with(&replay),
        "the live story differs from the replayed one:\n{replay}\n---\n{stdout}"
    );
    let frames = packets_json(&file);
    // The closing summary on stderr counts the frames captured.
    let live_frames: usize = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" frames, ")
                .and_then(|(n, _)| n.parse().ok())
        })
        .expect("a frame count in the summary");
    assert_eq!(frames.len(), live_frames, "{stderr}");
    assert!(frames.iter().any(|p| p["http"][0]["status"] == 200));
}

#[test]
fn root_is_dropped_to_the_sudo_user_once_the_device_is_open() {
    if !can_run() {
        return;
    }
    let lab = Lab::new("b");
    let out_dir = lab.dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    sh(&format!(
        "chmod 777 {} {}",
        lab.dir.display(),
        out_dir.display()
    ));
    let file = out_dir.join("as-nobody.pcapng");
    let iface = lab.iface();
    let child = lab.live(
        &[
            "-i",
            &iface,
            "--duration",
            "3",
            "--quiet",
            "-w",
            file.to_str().unwrap(),
        ],
        &[("SUDO_UID", "65534"), ("SUDO_GID", "65534")],
    );
    let (_, stderr) = finish(child);
    assert!(
        stderr.contains("running as uid 65534 gid 65534"),
        "{stderr}"
    );
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid()),
        (65534, 65534),
        "written as that user"
    );
}

#[test]
fn a_bad_filter_fails_with_libpcaps_message() {
    if !can_run() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("netexplain-filter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("never.pcapng");
    let out = netexplain(&[
        "live",
        "-i",
        "lo",
        "-f",
        "tcp port (((",
        "-w",
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad capture filter \"tcp port (((\""), "{err}");
    assert!(err.contains("syntax error"), "libpcap's own message: {err}");
    assert!(!file.exists(), "no capture file is written");
    let out = netexplain(&["live", "-i", "no-such-device0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-device0: no such device; devices here:"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ctrl_c_ends_with_the_story_so_far_and_the_statistics() {
    if !can_run() {
        return;
    }
    let lab = Lab::new("c");
    let file = lab.dir.join("interrupted.pcapng");
    let iface = lab.iface();
    let child = lab.live(
        &[
            "-i",
            &iface,
            "--host",
            "www.example.com",
            "--lang",
            "en",
            "-w",
            file.to_str().unwrap(),
        ],
        &[],
    );
    wait_capturing(&file);
    lab.fetch();
    std::thread::sleep(Duration::from_millis(500));
    sh(&format!("kill -INT {}", child.id()));
    let (stdout, stderr) = finish(child);
    assert!(stdout.contains("Page load 1: www.example.com"), "{stdout}");
    assert!(stderr.contains("packets received by filter"), "{stderr}");
    assert!(stderr.contains("dropped by kernel"));
}
