//! What the closing lines count and which story tells a frame: a DHCP
//! server's address checks belong to the DHCP step alone, the frames a
//! step tells are not "left out", and a story with no connection names its
//! other end (the resolver of a lookup made alone) — checked against tshark.

mod common;

use common::*;
use serde_json::Value;

fn frames_of(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap())
        .collect()
}

#[test]
fn dhcp_address_checks_are_told_once() {
    let name = "dhcp-pageload.pcapng";
    let s = story(name, &[]);
    let dhcp = step(&s["page_loads"][0], "dhcp");
    let told = frames_of(&dhcp["frames"]);
    let kinds: Vec<&str> = s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.contains(&"icmp") && !kinds.contains(&"arp"),
        "{kinds:?}"
    );
    // Nothing DHCP, ARP or IPv4 ICMP is left out: the step told them all.
    let left = &s["left_out"];
    for p in ["udp", "arp", "dhcp"] {
        assert!(left.get(p).is_none(), "{p} left out: {left}");
    }
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "(arp.dst.proto_ipv4 == 198.51.100.128 && arp.opcode == 1) || icmp.type == 8 || dhcp"],
            &["frame.number", "ip.src"],
        );
        let checks: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
        assert_eq!(checks, vec![2, 3, 7, 8, 9, 10, 11, 12, 36]);
        for f in &checks {
            assert!(
                told.contains(f),
                "frame {f} (tshark) not told by the DHCP step {told:?}"
            );
        }
        // The three ARP probes and the ping come before the OFFER (10).
        assert_eq!(
            told.iter().filter(|f| (3..=9).contains(*f)).count(),
            4,
            "{told:?}"
        );
    }
}

#[test]
fn a_lookup_made_alone_names_its_resolver() {
    let name = "dig-only.pcapng";
    let s = story(name, &[]);
    let dns = s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "dns")
        .expect("a DNS story");
    assert_eq!(dns["server"], "203.0.113.53");
    assert_eq!(dns["client"], "198.51.100.10");
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "dns.flags.response == 0"],
            &["ip.src", "ip.dst"],
        );
        assert_eq!(
            rows,
            vec![vec![
                "198.51.100.10".to_string(),
                "203.0.113.53".to_string()
            ]]
        );
    }
    // Ping, an ICMP error, ARP, DHCP and a datagram name their other end:
    // the host pinged, the error's sender, the address asked for, the
    // DHCP server (option 54), the datagram's destination.
    for (name, kind, server) in [
        ("ping-traceroute.pcapng", "icmp", "192.0.2.200"),
        ("ping-traceroute.pcapng", "udp", "192.0.2.200"),
        ("ping-traceroute.pcapng", "arp", "198.51.100.1"),
        ("refused.pcapng", "icmp", "203.0.113.100"),
        ("dhcp-renewal.pcapng", "dhcp", "198.51.100.1"),
    ] {
        let s = story(name, &[]);
        let o = s["other_stories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("{name}: no {kind} story"));
        assert_eq!(o["server"], server, "{name} {kind}");
    }
}
