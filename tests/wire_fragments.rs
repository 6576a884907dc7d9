//! IP fragment reassembly against tshark on samples/ip-fragments.pcapng
//! (3000-byte pings over IPv4 and IPv6, and a DNS answer fragmented at a
//! 576-byte MTU, recorded by samples/lab/wire.sh): the frames each
//! reassembled datagram lists, its length, and what was decoded from it.

mod common;

use common::*;
use std::collections::BTreeMap;

/// Per reassembled frame: (fragment frames, length, ICMP type, DNS TXT).
type Datagrams = BTreeMap<u64, (Vec<u64>, u64, Option<u64>, Option<String>)>;

fn tshark_datagrams() -> Datagrams {
    let path = sample("ip-fragments.pcapng");
    let rows = tshark_fields(
        &path,
        &["-E", "occurrence=a", "-E", "aggregator=,"],
        &[
            "frame.number",
            "ip.fragment",
            "ip.reassembled.length",
            "ipv6.fragment",
            "ipv6.reassembled.length",
            "icmp.type",
            "icmpv6.type",
            "dns.txt",
        ],
    );
    let mut out = Datagrams::new();
    for r in rows {
        let (frames, len) = if !r[1].is_empty() {
            (&r[1], &r[2])
        } else if !r[3].is_empty() {
            (&r[3], &r[4])
        } else {
            continue;
        };
        let frames = frames.split(',').map(|f| f.parse().unwrap()).collect();
        let icmp = [&r[5], &r[6]]
            .into_iter()
            .find(|t| !t.is_empty())
            .map(|t| t.parse().unwrap());
        let txt = (!r[7].is_empty()).then(|| r[7].replace(',', ""));
        out.insert(
            r[0].parse().unwrap(),
            (frames, len.parse().unwrap(), icmp, txt),
        );
    }
    out
}

#[test]
fn reassembled_datagrams_match_tshark() {
    if !have_tshark() {
        return;
    }
    let want = tshark_datagrams();
    assert_eq!(want.len(), 5, "the sample holds five fragmented datagrams");
    let packets = packets_json(&sample("ip-fragments.pcapng"));
    let mut got = Datagrams::new();
    for p in &packets {
        let Some(r) = p["ip"].get("reassembled") else {
            // A fragment still waiting is decoded no further, and is not a
            // problem: the reassembler holds it.
            if p["ip"].get("frag").is_some() {
                assert!(p["icmp"].is_null() && p["udp"].is_null(), "{p}");
                assert!(
                    p.get("errors")
                        .is_none_or(|e| e.as_array().unwrap().is_empty()),
                    "{p}"
                );
            }
            continue;
        };
        let frames = r["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_u64().unwrap())
            .collect();
        let txt = p["dns"]["answers"].as_array().map(|a| {
            a.iter()
                .filter(|r| r["type"] == "TXT")
                .map(|r| r["data"].as_str().unwrap().replace(['"', ' '], ""))
                .collect::<String>()
        });
        got.insert(
            p["frame"].as_u64().unwrap(),
            (
                frames,
                r["length"].as_u64().unwrap(),
                p["icmp"]["type"].as_u64(),
                txt,
            ),
        );
    }
    assert_eq!(got, want);
}

#[test]
fn fragment_frames_carry_their_place() {
    let packets = packets_json(&sample("ip-fragments.pcapng"));
    // Frame 6: the IPv4 echo request's second fragment, 1480 bytes in.
    let f = &frame(&packets, 6)["ip"]["frag"];
    assert_eq!(
        (f["offset"].as_u64(), f["more"].as_bool()),
        (Some(1480), Some(true))
    );
    assert_eq!(f["id"], frame(&packets, 6)["ip"]["id"]);
    // Frame 14: the IPv6 fragment header's 32-bit identification.
    let f = &frame(&packets, 14)["ip"]["frag"];
    assert_eq!(
        (f["offset"].as_u64(), f["id"].as_u64()),
        (Some(1448), Some(0xea32_e3f2))
    );
    // The summary counts the datagrams.
    let out = netexplain(&["packets", sample("ip-fragments.pcapng").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stdout);
    assert!(
        err.contains("IP datagrams reassembled from fragments: 5; duplicate fragments ignored: 0; datagrams discarded for overlaps: 0; bad fragments: 0; given up unfinished: 0"),
        "{err}"
    );
}
