//! TCP analysis and states.
//!
//! - Every sample, every frame: our `tcp.analysis` flags are exactly the
//!   `tcp.analysis.*` fields tshark sets, and our duplicate-ACK numbering is
//!   tshark's; the flow counters agree with the flags.
//! - `tcp.state` on the handshake and teardown frames of curl-redirect, the
//!   lossy download and the refused connection, against the RFC 9293 state
//!   diagram; the conversation table ends where the packets do.
//!
//! No difference of definition remains on the samples. One exists that
//! they do not exercise: an IP fragment gets no analysis here, where tshark
//! reassembles the datagram and analyses the segment in its last fragment.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Our flag names and the tshark field that sets each. tshark sets
/// `tcp.analysis.retransmission` on fast and spurious retransmissions too,
/// and so do we.
const FLAGS: &[(&str, &str)] = &[
    ("retransmission", "tcp.analysis.retransmission"),
    ("fast_retransmission", "tcp.analysis.fast_retransmission"),
    (
        "spurious_retransmission",
        "tcp.analysis.spurious_retransmission",
    ),
    ("out_of_order", "tcp.analysis.out_of_order"),
    ("lost_segment", "tcp.analysis.lost_segment"),
    ("ack_lost_segment", "tcp.analysis.ack_lost_segment"),
    ("dup_ack", "tcp.analysis.duplicate_ack"),
    ("zero_window", "tcp.analysis.zero_window"),
    ("zero_window_probe", "tcp.analysis.zero_window_probe"),
    (
        "zero_window_probe_ack",
        "tcp.analysis.zero_window_probe_ack",
    ),
    ("window_update", "tcp.analysis.window_update"),
    ("window_full", "tcp.analysis.window_full"),
    ("keep_alive", "tcp.analysis.keep_alive"),
    ("keep_alive_ack", "tcp.analysis.keep_alive_ack"),
];

struct Theirs {
    flags: BTreeSet<&'static str>,
    /// `tcp.analysis.duplicate_ack_frame` and `duplicate_ack_num`.
    dup_ack: Option<(u64, u64)>,
}

/// tshark's analysis of every frame, by frame number.
fn tshark(path: &Path) -> BTreeMap<u64, Theirs> {
    let mut fields = vec!["frame.number"];
    fields.extend(FLAGS.iter().map(|(_, field)| *field));
    fields.extend([
        "tcp.analysis.duplicate_ack_frame",
        "tcp.analysis.duplicate_ack_num",
    ]);
    tshark_fields(path, &[], &fields)
        .into_iter()
        .map(|cols| {
            assert_eq!(cols.len(), FLAGS.len() + 3, "{cols:?}");
            let flags = FLAGS
                .iter()
                .zip(&cols[1..])
                .filter(|(_, v)| !v.is_empty())
                .map(|((name, _), _)| *name)
                .collect();
            let (of, num) = (&cols[FLAGS.len() + 1], &cols[FLAGS.len() + 2]);
            let dup_ack = (!of.is_empty()).then(|| (of.parse().unwrap(), num.parse().unwrap()));
            (cols[0].parse().unwrap(), Theirs { flags, dup_ack })
        })
        .collect()
}

fn analysis(p: &Value) -> BTreeSet<&str> {
    p["tcp"]["analysis"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn state(p: &[Value], n: u64) -> &str {
    frame(p, n)["tcp"]["state"]
        .as_str()
        .unwrap_or_else(|| panic!("frame {n} has no tcp.state"))
}

/// The flow counters of `explain --format json`.
fn flow_stats(path: &Path) -> Value {
    let out = netexplain(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let story: Value = serde_json::from_slice(&out.stdout).unwrap();
    story["flow"].clone()
}

#[test]
fn every_sample_flags_what_tshark_flags() {
    if !have_tshark() {
        return;
    }
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in all_samples() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let theirs = tshark(&path);
        let ours = packets_json(&path);
        assert_eq!(ours.len(), theirs.len(), "{name}: frame count");
        let (mut retransmitted, mut out_of_order, mut dup_acks) = (0u64, 0u64, 0u64);
        for p in &ours {
            let n = p["frame"].as_u64().unwrap();
            let t = &theirs[&n];
            let mine = analysis(p);
            assert_eq!(mine, t.flags, "{name} frame {n}: tcp.analysis");
            // "Dup ACK 34#2": the frame it repeats and its number.
            let dup = p["tcp"]["dup_ack_of"]
                .as_u64()
                .map(|of| (of, p["tcp"]["dup_ack_number"].as_u64().unwrap()));
            assert_eq!(dup, t.dup_ack, "{name} frame {n}: duplicate ACK of");
            retransmitted += u64::from(mine.contains("retransmission"));
            out_of_order += u64::from(mine.contains("out_of_order"));
            dup_acks += u64::from(mine.contains("dup_ack"));
            seen.entry(name.clone())
                .or_default()
                .extend(mine.iter().map(|f| f.to_string()));
        }
        let stats = flow_stats(&path);
        assert_eq!(stats["retransmitted_segments"], retransmitted, "{name}");
        assert_eq!(stats["out_of_order_segments"], out_of_order, "{name}");
        assert_eq!(stats["duplicate_acks"], dup_acks, "{name}");
    }
    // The comparison is not an empty one: the lossy download shows every
    // kind of trouble the relay in record.sh made, and the two-interface
    // capture the copies tshark takes for retransmissions and keep-alives.
    let lossy = &seen["lossy.pcapng"];
    for flag in [
        "retransmission",
        "fast_retransmission",
        "spurious_retransmission",
        "out_of_order",
        "lost_segment",
        "dup_ack",
        "window_update",
    ] {
        assert!(
            lossy.contains(flag),
            "lossy.pcapng has no {flag}: {lossy:?}"
        );
    }
    let slow = &seen["zero-window.pcapng"];
    for flag in [
        "zero_window",
        "window_update",
        "window_full",
        "keep_alive",
        "spurious_retransmission",
        "dup_ack",
    ] {
        assert!(
            slow.contains(flag),
            "zero-window.pcapng has no {flag}: {slow:?}"
        );
    }
    let copies = &seen["two-interfaces.pcapng"];
    assert!(copies.contains("retransmission") && copies.contains("keep_alive"));
    assert!(seen["curl-redirect.pcapng"].is_empty());
}

#[test]
fn lossy_frames_one_by_one() {
    let p = packets_json(&sample("lossy.pcapng"));
    let names = |n: u64| -> Vec<&str> { analysis(frame(&p, n)).into_iter().collect() };
    // The relay dropped the client's first segment of the selector (frame
    // 8, 8 bytes); the server acknowledges only its SYN, with a SACK block
    // for the 2 bytes after the hole and a larger window; the client sends
    // the 8 bytes again 10 ms later.
    assert_eq!(names(10), ["window_update"]);
    assert_eq!(
        frame(&p, 10)["tcp"]["options"]["sack"][0][1]
            .as_u64()
            .unwrap()
            .wrapping_sub(
                frame(&p, 10)["tcp"]["options"]["sack"][0][0]
                    .as_u64()
                    .unwrap()
            ),
        2
    );
    assert_eq!(names(11), ["retransmission"]);
    assert_eq!(frame(&p, 11)["tcp"]["rel_seq"], 1);
    assert_eq!(frame(&p, 11)["tcp"]["payload_len"], 8);
    // The server's twelfth data segment dropped: the next one shows the
    // hole, and the client repeats its acknowledgement of frame 34.
    assert_eq!(names(35), ["lost_segment"]);
    assert_eq!(names(36), ["dup_ack"]);
    assert_eq!(frame(&p, 36)["tcp"]["dup_ack_of"], 34);
    assert_eq!(frame(&p, 36)["tcp"]["dup_ack_number"], 1);
    assert_eq!(frame(&p, 40)["tcp"]["dup_ack_number"], 3);
    // The segment held back behind its successor.
    assert_eq!(names(61), ["out_of_order"]);
    assert_eq!(names(75), ["fast_retransmission", "retransmission"]);
    // The copy delayed 300 ms arrives after the connection closed.
    assert_eq!(names(317), ["retransmission", "spurious_retransmission"]);
}

#[test]
fn states_through_handshake_and_teardown() {
    // curl-redirect, port 80: RFC 9293 §3.5 three-way handshake, then the
    // client closes first (§3.6, Figure 12).
    let p = packets_json(&sample("curl-redirect.pcapng"));
    assert_eq!(state(&p, 7), "SYN_SENT"); // client's SYN
    assert_eq!(state(&p, 8), "SYN_RECEIVED"); // server's SYN-ACK
    assert_eq!(state(&p, 9), "ESTABLISHED"); // client's ACK
    assert_eq!(state(&p, 10), "ESTABLISHED"); // GET
    assert_eq!(state(&p, 11), "ESTABLISHED"); // the server's first ACK
    assert_eq!(state(&p, 28), "FIN_WAIT_1"); // client's FIN
    assert_eq!(state(&p, 29), "LAST_ACK"); // server's FIN, acking the client's
    assert_eq!(state(&p, 30), "TIME_WAIT"); // client's last ACK
                                            // Port 443: the server closes first after curl's close_notify.
    assert_eq!(state(&p, 16), "SYN_SENT");
    assert_eq!(state(&p, 17), "SYN_RECEIVED");
    assert_eq!(state(&p, 18), "ESTABLISHED");
    assert_eq!(state(&p, 31), "ESTABLISHED"); // close_notify
    assert_eq!(state(&p, 32), "FIN_WAIT_1"); // server's FIN
    assert_eq!(state(&p, 33), "LAST_ACK"); // client's FIN-ACK
    assert_eq!(state(&p, 34), "TIME_WAIT"); // server's last ACK
                                            // Frames that are not TCP have no state.
    assert!(frame(&p, 5)["tcp"].is_null());

    // The lossy download: the server's FIN rides on its last data; the
    // late copy finds the client closed, and its reset closes both ends.
    let p = packets_json(&sample("lossy.pcapng"));
    assert_eq!(state(&p, 5), "SYN_SENT");
    assert_eq!(state(&p, 6), "SYN_RECEIVED");
    assert_eq!(state(&p, 7), "ESTABLISHED");
    assert_eq!(state(&p, 313), "FIN_WAIT_1");
    assert_eq!(state(&p, 314), "LAST_ACK");
    assert_eq!(state(&p, 315), "TIME_WAIT");
    assert_eq!(state(&p, 317), "TIME_WAIT");
    assert_eq!(state(&p, 318), "CLOSED");

    // The slow reader: the server closes first, the client acknowledges
    // its FIN and waits in CLOSE-WAIT until it has read everything.
    let p = packets_json(&sample("zero-window.pcapng"));
    assert_eq!(state(&p, 8), "SYN_SENT");
    assert_eq!(state(&p, 18), "ESTABLISHED"); // a zero window changes nothing
    assert_eq!(state(&p, 79), "FIN_WAIT_1");
    assert_eq!(state(&p, 80), "CLOSE_WAIT");
    assert_eq!(state(&p, 81), "LAST_ACK");
    assert_eq!(state(&p, 82), "TIME_WAIT");

    // Refused: SYN to a port with no listener, answered by RST/ACK
    // (§3.10.7.1): both ends closed.
    let p = packets_json(&sample("refused.pcapng"));
    assert_eq!(state(&p, 5), "SYN_SENT");
    assert_eq!(
        frame(&p, 6)["tcp"]["flags"],
        serde_json::json!(["RST", "ACK"])
    );
    assert_eq!(state(&p, 6), "CLOSED");
    // The DNS query to a closed UDP port, answered by ICMP port unreachable.
    assert_eq!(frame(&p, 8)["dns"]["questions"][0]["name"], "google.com");
    assert_eq!(frame(&p, 9)["icmp"]["type"], 3);
    assert_eq!(frame(&p, 9)["icmp"]["code"], 3);
}

#[test]
fn conversation_table_ends_where_the_packets_do() {
    for (file, stream, client, server) in [
        ("curl-redirect.pcapng", 0, "TIME_WAIT", "CLOSED"),
        ("curl-redirect.pcapng", 1, "CLOSED", "TIME_WAIT"),
        ("lossy.pcapng", 0, "CLOSED", "CLOSED"),
        ("refused.pcapng", 0, "CLOSED", "CLOSED"),
        ("zero-window.pcapng", 0, "CLOSED", "TIME_WAIT"),
    ] {
        let path = sample(file);
        let out = netexplain(&["conversations", path.to_str().unwrap(), "--format", "json"]);
        let rows: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let row = rows.iter().find(|r| r["stream"] == stream).unwrap();
        assert_eq!(row["client_state"], client, "{file} stream {stream}");
        assert_eq!(row["server_state"], server, "{file} stream {stream}");
        // The last segment of the stream carries the same state for its
        // sender.
        let packets = packets_json(&path);
        let last = packets
            .iter()
            .rfind(|p| p["tcp"]["stream"] == stream)
            .unwrap();
        let sender = if last["tcp"]["from"] == "client" {
            client
        } else {
            server
        };
        assert_eq!(last["tcp"]["state"], sender, "{file} stream {stream}");
    }
}
