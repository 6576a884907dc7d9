//! Decoding bugs that public captures showed, each on bytes recorded in the
//! lab or built from them: DNS over TCP on port 5353 (checked against
//! tshark), and a pcap header whose link-type field has the FCS bits set.

mod common;

use common::*;
use std::collections::BTreeMap;

/// Frame → (response, question name, A answers), from DNS over TCP.
type Dns = BTreeMap<u64, (bool, String, Vec<String>)>;

#[test]
fn dns_over_tcp_on_5353_matches_tshark() {
    if !have_tshark() {
        return;
    }
    let path = sample("dns-tcp-5353.pcapng");
    let mut want = Dns::new();
    let rows = tshark_fields(
        &path,
        &[
            "-Y",
            "tcp.port==5353 && dns",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ],
        &[
            "frame.number",
            "dns.flags.response",
            "dns.qry.name",
            "dns.a",
        ],
    );
    for r in rows {
        let a = r[3]
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        want.insert(
            r[0].parse().unwrap(),
            (r[1] == "1" || r[1] == "True", r[2].clone(), a),
        );
    }
    assert_eq!(want.len(), 2, "a query and its answer");
    let mut got = Dns::new();
    for p in packets_json(&path) {
        let d = &p["dns"];
        if d.is_null() {
            continue;
        }
        assert!(p["tcp"].is_object(), "{p}");
        let a = d["answers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"] == "A")
            .map(|r| r["data"].as_str().unwrap().to_string())
            .collect();
        got.insert(
            p["frame"].as_u64().unwrap(),
            (
                d["response"].as_bool().unwrap(),
                d["questions"][0]["name"].as_str().unwrap().into(),
                a,
            ),
        );
    }
    assert_eq!(got, want);
}

#[test]
fn pcap_link_type_with_fcs_bits_is_masked() {
    // nano-vlan.pcap (Ethernet) with the link-type field's FCS length set
    // to 1 and its "present" bit clear: still Ethernet, as tshark and
    // libpcap's LT_LINKTYPE read it (tshark 4.0 reads this file as
    // Ethernet).
    let original = sample("nano-vlan.pcap");
    let mut bytes = std::fs::read(&original).unwrap();
    assert_eq!(bytes[20..24], 1u32.to_le_bytes());
    bytes[20..24].copy_from_slice(&0x1000_0001u32.to_le_bytes());
    let dir = fresh_dir("wire_fcs_bits");
    let changed = dir.join("fcs-bits.pcap");
    std::fs::write(&changed, &bytes).unwrap();
    let (a, b) = (packets_json(&original), packets_json(&changed));
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
        assert_eq!(y["linktype"], 1);
    }
}
