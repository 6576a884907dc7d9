//! `-Y` display filters against tshark: on every sample, each filter
//! selects the same frames (by number) as `tshark -Y` does. Together the
//! filters use every field and operator the filter language documents.

mod common;

use common::*;
use std::process::Command;

/// Filters, each run on every sample. Addresses are the lab's
/// documentation addresses, so most filters select frames in several
/// samples.
const FILTERS: &[&str] = &[
    "frame.number <= 10",
    "frame.number > 5 && frame.number < 20",
    "eth.addr == ff:ff:ff:ff:ff:ff",
    "ip.addr == 198.51.100.10",
    "ip.src == 198.51.100.0/24 and ip.dst != 203.0.113.53",
    "ip.dst >= 203.0.113.100",
    "ipv6.addr == 2001:db8:1::10",
    "ipv6",
    "tcp.port == 443",
    "tcp.srcport == 80 || tcp.dstport == 80",
    "tcp.port != 443",
    "tcp.flags.syn == 1 and tcp.flags.ack == 0",
    "tcp.flags.fin == 1",
    "tcp.flags.reset == 1",
    "tcp.stream == 1",
    "tcp.stream >= 2 and tcp.flags.ack == 1",
    "udp.port == 53",
    "udp && !dns",
    "arp",
    "arp or icmpv6",
    "dns",
    "dns.qry.name == \"google.com\"",
    "dns.qry.name contains \"google\"",
    "dns.qry.name matches \"^WWW\\\\.\"",
    "dns.flags.rcode == 3",
    "dns.flags.rcode != 0",
    "tls",
    "tls.handshake.type == 1",
    "tls.handshake.type == 2 || tls.handshake.type == 11",
    "tls.handshake.extensions_server_name == \"www.google.com\"",
    "tls.handshake.extensions_server_name contains \"google\"",
    "http",
    "http.request.method == \"GET\"",
    "http.response.code == 301",
    "http.response.code >= 200 && http.response.code < 300",
    "quic",
    "not (tcp or udp)",
    "!(ip.addr == 198.51.100.10) && ip",
];

/// Frames where the two cannot agree, and why. Each is left out of the
/// comparisons on its sample: of every one, or of the one filter named.
/// Frames where tshark and netexplain cannot agree, and why: the sample,
/// its frames (none: every frame), the filter (`None`: every filter; a
/// trailing `*`: every filter that begins so) and the reason.
const KNOWN: &[(&str, &[u64], Option<&str>, &str)] = &[
    (
        "post-upload.pcapng",
        &[8, 78, 80, 82],
        Some("http"),
        "a message whose body follows its head in later segments: tshark lists \
     it on the frame that completes the body (78, 82), netexplain on the frame \
     that completes the head (8, 80), and the story names both",
    ),
    (
        "post-upload.pcapng",
        &[80, 82],
        Some("http.response.code >= 200 && http.response.code < 300"),
        "as for http: the response head is frame 80, its body ends in frame 82",
    ),
    (
        "socks.pcapng",
        &[],
        Some("tcp.stream*"),
        "tshark 4.0's SOCKS dissector takes a TCP stream number for each \
     proxied connection, so its tcp.stream values skip (0, 2, 4); netexplain \
     numbers the connections on the wire without gaps",
    ),
    (
        "ssdp.pcapng",
        &[1, 2, 3],
        Some("http"),
        "tshark names SSDP's HTTP-over-UDP heads ssdp, not http; netexplain \
     decodes them as HTTP heads",
    ),
    (
        "refused.pcapng",
        &[9],
        None,
        "an ICMP port unreachable quoting a DNS query: tshark decodes the quoted \
     DNS message (dns, dns.qry.name match); netexplain reads only the quoted \
     IP and UDP headers",
    ),
    (
        "quic-unreachable.pcapng",
        &[10, 12, 14, 17],
        None,
        "ICMPv6 port unreachables quoting the client's QUIC Initial: tshark \
     decodes the quoted QUIC packet (quic matches); netexplain reads only the \
     quoted IP and UDP headers",
    ),
    (
        "proxy-connect.pcapng",
        &[14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
        Some("http"),
        "the TLS records inside a CONNECT tunnel: tshark stacks them under its \
     http dissector (frame.protocols eth:ip:tcp:http:tls), so `http` matches; \
     netexplain marks http only on the frames that carry an HTTP head",
    ),
    (
        "quic-port.pcapng",
        &[102],
        None,
        "a client Initial whose CRYPTO frames hold only pieces of the \
     ClientHello: tshark marks TLS on this one but not on the same kind of \
     packet in http3.pcapng (frame 106); netexplain marks TLS on the packet \
     that completes the message",
    ),
];

fn tshark_frames(path: &std::path::Path, filter: &str) -> Vec<u64> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark -Y {filter:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

fn our_frames(path: &std::path::Path, filter: &str) -> Vec<u64> {
    let out = netexplain(&[
        "packets",
        path.to_str().unwrap(),
        "-Y",
        filter,
        "--format",
        "json",
        "--no-summary",
    ]);
    assert!(
        out.status.success(),
        "netexplain -Y {filter:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["frame"].as_u64().unwrap()
        })
        .collect()
}

// Display filters do not depend on the `live` feature: the comparison runs
// once, in the default build.
#[cfg_attr(feature = "live", ignore)]
#[test]
fn display_filters_select_the_frames_tshark_selects() {
    if !have_tshark() {
        return;
    }
    // Every sample, the VXLAN one too: a field matches the outer layers
    // of a tunnelled frame as tshark's do.
    let samples = all_samples();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = samples
            .chunks(samples.len().div_ceil(threads))
            .map(|part| scope.spawn(move || compare(part)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let matched: usize = results.iter().map(|r| r.0).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    assert!(
        matched > 1000,
        "the filters select too little to test: {matched}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Frames selected by ours on `paths`, and every disagreement with tshark.
fn compare(paths: &[std::path::PathBuf]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut matched = 0usize;
    for path in paths {
        let path = path.as_path();
        for f in FILTERS {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let known = |n: &u64| {
                !KNOWN.iter().any(|(s, frames, only, _)| {
                    *s == name
                        && (frames.is_empty() || frames.contains(n))
                        && only.is_none_or(|o| {
                            o == *f || o.strip_suffix('*').is_some_and(|p| f.starts_with(p))
                        })
                })
            };
            let theirs: Vec<u64> = tshark_frames(path, f).into_iter().filter(known).collect();
            let ours: Vec<u64> = our_frames(path, f).into_iter().filter(known).collect();
            matched += ours.len();
            if theirs != ours {
                let only_t: Vec<_> = theirs
                    .iter()
                    .filter(|x| !ours.contains(x))
                    .take(8)
                    .collect();
                let only_o: Vec<_> = ours
                    .iter()
                    .filter(|x| !theirs.contains(x))
                    .take(8)
                    .collect();
                failures.push(format!(
                    "{} {f:?}: tshark {} frames, ours {}; only tshark {only_t:?}, only ours {only_o:?}",
                    path.file_name().unwrap().to_string_lossy(),
                    theirs.len(),
                    ours.len()
                ));
            }
        }
    }
    (matched, failures)
}

#[test]
fn a_bad_filter_names_its_column() {
    let path = sample("curl-redirect.pcapng");
    let cases: &[(&str, usize)] = &[
        ("tcp.port == ", 13),
        ("tcp.prot == 80", 1),
        ("ip.addr == 300.1.1.1", 12),
        ("(tcp or udp", 12),
        ("tcp.port contains \"x\"", 10),
        ("dns.qry.name matches \"(\"", 22),
        ("tcp == 1", 5),
        ("tcp.port == 80 udp", 16),
    ];
    for (f, col) in cases {
        let out = netexplain(&["packets", path.to_str().unwrap(), "-Y", f]);
        assert_eq!(out.status.code(), Some(1), "{f}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("column {col}:")), "{f}: {err}");
        // The caret line points at the same column.
        let caret = err.lines().find(|l| l.trim_start() == "^").unwrap();
        assert_eq!(caret.len(), *col, "{f}: {err}");
    }
}

#[test]
fn display_filters_apply_to_conversations_and_the_story() {
    let f = sample("curl-redirect.pcapng");
    let f = f.to_str().unwrap();
    let all = ndjson(&["conversations", f, "--format", "json"]);
    let one = ndjson(&[
        "conversations",
        f,
        "--format",
        "json",
        "-Y",
        "tcp.stream == 1",
    ]);
    assert_eq!(one.len(), 1);
    let full = all.iter().find(|c| c["stream"] == 1).unwrap();
    assert_eq!(&one[0], full, "the row is built from the same frames");
    // The story without the ARP frames: two fewer frames, and the next hop
    // is no longer observed but inferred.
    let s = story("curl-redirect.pcapng", &["--lang", "en"]);
    let filtered = story("curl-redirect.pcapng", &["--lang", "en", "-Y", "not arp"]);
    assert_eq!(s["frames"], 37);
    assert_eq!(filtered["frames"], 35);
    assert_eq!(step(&s["page_loads"][0], "arp")["status"], "observed");
    assert_eq!(
        step(&filtered["page_loads"][0], "arp")["status"],
        "inferred"
    );
}
