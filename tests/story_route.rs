//! two-interfaces.pcapng holds both sides of the lab's router: the story
//! tells forwarding (new MACs, TTL one lower, the same IP addresses) from
//! the SYN and its copy, and counts the far-side copies as told, not left
//! out — every number compared with tshark's reading of the same frames.

mod common;

use common::*;

#[test]
fn the_router_rewrites_macs_lowers_ttl_and_keeps_addresses() {
    let name = "two-interfaces.pcapng";
    let s = story(name, &[]);
    let r = step(&s["page_loads"][0], "route");
    assert_eq!(r["status"], "observed");
    let f = &r["facts"]["forwarded"];
    assert_eq!(f["frame"], 5);
    assert_eq!(f["copy"], 21);
    assert_eq!(f["ttl"], 64);
    assert_eq!(f["copy_ttl"], 63);
    let copies: Vec<u64> = r["facts"]["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    // The copies are told: nothing of TCP or DNS is left out.
    let left = &s["left_out"];
    assert!(
        left.get("tcp").is_none() && left.get("dns").is_none(),
        "{left}"
    );
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "ip"],
            &[
                "frame.number",
                "frame.interface_id",
                "eth.src",
                "eth.dst",
                "ip.src",
                "ip.dst",
                "ip.ttl",
            ],
        );
        let row = |n: u64| rows.iter().find(|r| r[0] == n.to_string()).unwrap();
        let (a, b) = (row(5), row(21));
        assert_eq!((a[1].as_str(), b[1].as_str()), ("0", "1"));
        assert_eq!(f["macs"][0], a[2]);
        assert_eq!(f["macs"][1], a[3]);
        assert_eq!(f["copy_macs"][0], b[2]);
        assert_eq!(f["copy_macs"][1], b[3]);
        assert_ne!(a[2], b[2]);
        assert_ne!(a[3], b[3]);
        assert_eq!((&a[4], &a[5]), (&b[4], &b[5]), "the addresses are kept");
        assert_eq!(f["ttl"].to_string(), a[6]);
        assert_eq!(f["copy_ttl"].to_string(), b[6]);
        // Every IP frame on interface 1 is a copy of this load's packets.
        let far: Vec<u64> = rows
            .iter()
            .filter(|r| r[1] == "1")
            .map(|r| r[0].parse().unwrap())
            .collect();
        assert_eq!(copies, far);
        // The SYN-ACK: TTL 64 at the server's side (22), 63 on the client's (6).
        assert_eq!((row(22)[6].as_str(), row(6)[6].as_str()), ("64", "63"));
    }
    let en = step_lines(&s, "route");
    assert!(
        en.contains("with TTL 64, and frame 21 on the far link"),
        "{en}"
    );
    assert!(en.contains("leaves the server's side with TTL 64 (frame 22) and reaches the client's link with TTL 63 (frame 6)"), "{en}");
    assert!(en.contains("kept both IP addresses"), "{en}");
    assert!(
        en.contains("12 frames are this page load's packets seen again"),
        "{en}"
    );
    let zh = step_lines(&story(name, &["--lang", "zh"]), "route");
    assert!(zh.contains("在另一侧链路上是帧 21"), "{zh}");
    assert!(zh.contains("并把 TTL 减一"), "{zh}");
    assert!(zh.contains("源、目的 IP 地址都没有变"), "{zh}");
    // One interface: no such step.
    let one = story("curl-redirect.pcapng", &[]);
    assert!(one["page_loads"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["id"] != "route"));
}
