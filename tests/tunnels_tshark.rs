//! Tunnels and link types, compared with tshark 4.0 (one tshark run per
//! file, `-T fields`): the inner addresses, ports, TCP flags and sequence
//! numbers, DNS names and answers, TLS SNI, JA3 and JA4's counted prefix
//! through the tunnel, and each tunnel's identifiers (VNI, GRE key and
//! sequence number, ERSPAN session, TEID, MPLS labels, PPPoE session).
//!
//! Two captures are recorded from real programs (samples/lab/tunnels.sh):
//! a curl page load inside a Linux VXLAN device and `tcpdump -i nflog:5`
//! under iptables NFLOG rules. The lab's kernel has no GRE, Geneve, IPIP,
//! SIT, ip6tnl, ERSPAN or MPLS drivers and no PPP, so those frames are
//! built by hand below, following each RFC's header layout, written to
//! pcap files and read by tshark, which must decode them to the same
//! values; a frame tshark reads differently fails the test.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const FIELDS: &[&str] = &[
    "frame.number",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.flags",
    "tcp.seq_raw",
    "udp.srcport",
    "udp.dstport",
    "dns.qry.name",
    "dns.a",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ja3",
    "vxlan.vni",
    "geneve.vni",
    "gre.key",
    "gre.sequence_number",
    "erspan.spanid",
    "gtp.teid",
    "mpls.label",
    "pppoe.session_id",
    "pppoe.code",
    "arp.opcode",
    "arp.src.proto_ipv4",
    "arp.dst.proto_ipv4",
    "arp.hw.type",
    "arp.src.hw",
    "nflog.prefix",
    "nflog.uid",
    "nflog.gid",
    "tls.handshake.ciphersuite",
    "tls.handshake.extension.type",
];

/// One row per frame, each field split into its occurrences (tshark lists
/// an outer and an inner `ip.src` as "outer,inner").
fn tshark_rows(path: &Path, decode_as: &[&str]) -> Vec<Vec<Vec<String>>> {
    tshark_occurrences(path, decode_as, FIELDS)
}

fn field<'a>(row: &'a [Vec<String>], name: &str) -> &'a [String] {
    &row[FIELDS.iter().position(|f| *f == name).unwrap()]
}

fn num(s: &str) -> u64 {
    tshark_num(s)
}

fn flag_bits(names: &Value) -> u64 {
    let bit = |n: &str| match n {
        "FIN" => 0x01,
        "SYN" => 0x02,
        "RST" => 0x04,
        "PSH" => 0x08,
        "ACK" => 0x10,
        "URG" => 0x20,
        "ECE" => 0x40,
        "CWR" => 0x80,
        _ => 0,
    };
    names
        .as_array()
        .unwrap()
        .iter()
        .map(|v| bit(v.as_str().unwrap()))
        .sum()
}

/// The encapsulation layer of `kind` in a packet's `encap`.
fn encap<'a>(p: &'a Value, kind: &str) -> Option<&'a Value> {
    p["encap"].as_array()?.iter().find(|e| e["layer"] == kind)
}

/// What tshark and netexplain must agree on, frame by frame; returns how
/// many tunnel identifiers were compared.
fn compare(path: &Path, decode_as: &[&str]) -> usize {
    let ours = packets_json(path);
    let theirs = tshark_rows(path, decode_as);
    assert_eq!(ours.len(), theirs.len(), "{}: frame count", path.display());
    let mut ids = 0;
    for (p, t) in ours.iter().zip(&theirs) {
        let at = format!("{} frame {}", path.display(), p["frame"]);
        assert!(p["errors"].is_null(), "{at}: {}", p["errors"]);
        let last = |name| field(t, name).last().map(String::as_str);
        // Inner addresses: the last of tshark's occurrences.
        let v6 = p["ip"]["version"] == 6;
        let (src, dst) = if v6 {
            ("ipv6.src", "ipv6.dst")
        } else {
            ("ip.src", "ip.dst")
        };
        if !p["ip"].is_null() {
            assert_eq!(p["ip"]["src"].as_str(), last(src), "{at}: inner source");
            assert_eq!(
                p["ip"]["dst"].as_str(),
                last(dst),
                "{at}: inner destination"
            );
        }
        if !p["tcp"].is_null() {
            let tcp = &p["tcp"];
            assert_eq!(
                tcp["src_port"].to_string(),
                last("tcp.srcport").unwrap(),
                "{at}"
            );
            assert_eq!(
                tcp["dst_port"].to_string(),
                last("tcp.dstport").unwrap(),
                "{at}"
            );
            assert_eq!(
                flag_bits(&tcp["flags"]),
                num(last("tcp.flags").unwrap()) & 0xff,
                "{at}"
            );
            assert_eq!(
                tcp["seq"].to_string(),
                last("tcp.seq_raw").unwrap(),
                "{at}: seq"
            );
        }
        if !p["udp"].is_null() {
            assert_eq!(
                p["udp"]["src_port"].to_string(),
                last("udp.srcport").unwrap(),
                "{at}"
            );
            assert_eq!(
                p["udp"]["dst_port"].to_string(),
                last("udp.dstport").unwrap(),
                "{at}"
            );
        }
        if let Some(name) = field(t, "dns.qry.name").first() {
            assert_eq!(
                p["dns"]["questions"][0]["name"],
                name.as_str(),
                "{at}: DNS name"
            );
            let ours_a: Vec<&str> = p["dns"]["answers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["type"] == "A")
                .map(|r| r["data"].as_str().unwrap())
                .collect();
            assert_eq!(ours_a, field(t, "dns.a"), "{at}: A answers");
        }
        if let Some(sni) = field(t, "tls.handshake.extensions_server_name").first() {
            let hello = &p["tls"]["handshakes"][0];
            assert_eq!(hello["sni"], sni.as_str(), "{at}: SNI");
            assert_eq!(
                hello["ja3"],
                field(t, "tls.handshake.ja3")[0].as_str(),
                "{at}: JA3"
            );
            // JA4's first part counts what tshark lists (GREASE excluded).
            let grease = |v: &&String| num(v) & 0x0f0f == 0x0a0a;
            let ciphers = field(t, "tls.handshake.ciphersuite")
                .iter()
                .filter(|v| !grease(v))
                .count();
            let exts = field(t, "tls.handshake.extension.type")
                .iter()
                .filter(|v| !grease(v))
                .count();
            let ja4 = hello["ja4"].as_str().unwrap();
            assert_eq!(
                &ja4[4..8],
                format!("{ciphers:02}{exts:02}"),
                "{at}: JA4 counts"
            );
        }
        let ident = |kind: &str, key: &str, tfield: &str| -> usize {
            let Some(theirs) = field(t, tfield).first() else {
                assert!(encap(p, kind).is_none(), "{at}: {kind} tshark does not see");
                return 0;
            };
            let e = encap(p, kind).unwrap_or_else(|| panic!("{at}: no {kind} layer"));
            assert_eq!(e[key].as_u64(), Some(num(theirs)), "{at}: {kind} {key}");
            1
        };
        ids += ident("vxlan", "vni", "vxlan.vni");
        ids += ident("geneve", "vni", "geneve.vni");
        ids += ident("gtp_u", "teid", "gtp.teid");
        ids += ident("erspan", "session_id", "erspan.spanid");
        if let Some(key) = field(t, "gre.key").first() {
            assert_eq!(
                encap(p, "gre").unwrap()["key"].as_u64(),
                Some(num(key)),
                "{at}"
            );
            ids += 1;
        }
        if let Some(seq) = field(t, "gre.sequence_number").first() {
            assert_eq!(
                encap(p, "gre").unwrap()["seq"].as_u64(),
                Some(num(seq)),
                "{at}"
            );
        }
        let labels = field(t, "mpls.label");
        if !labels.is_empty() {
            let ours: Vec<u64> = encap(p, "mpls").unwrap()["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["label"].as_u64().unwrap())
                .collect();
            let theirs: Vec<u64> = labels.iter().map(|l| num(l)).collect();
            assert_eq!(ours, theirs, "{at}: MPLS labels");
            ids += 1;
        }
        if let Some(session) = field(t, "pppoe.session_id").first() {
            let ours = encap(p, "pppoe")
                .map(|e| &e["session_id"])
                .unwrap_or(&p["pppoe"]["session_id"]);
            assert_eq!(ours.as_u64(), Some(num(session)), "{at}: PPPoE session");
            if let Some(code) = field(t, "pppoe.code").first() {
                if num(code) != 0 {
                    assert_eq!(p["pppoe"]["code"].as_u64(), Some(num(code)), "{at}");
                }
            }
            ids += 1;
        }
        if let Some(op) = field(t, "arp.opcode").first() {
            let arp = if p["arp"].is_null() {
                &p["arp_generic"]
            } else {
                &p["arp"]
            };
            let name = match num(op) {
                1 => "request",
                2 => "reply",
                3 => "reverse request",
                4 => "reverse reply",
                _ => "",
            };
            assert_eq!(arp["op"], name, "{at}: ARP op");
            if let Some(ip) = field(t, "arp.src.proto_ipv4").first() {
                let ours = arp.get("sender_ip").unwrap_or(&arp["sender_proto"]);
                assert_eq!(ours, ip.as_str(), "{at}: ARP sender");
            }
            if !p["arp_generic"].is_null() {
                let hw = field(t, "arp.src.hw")[0].as_str();
                // tshark's fields print bytes without separators.
                let ours = arp["sender_hw"].as_str().unwrap().replace(':', "");
                assert_eq!(ours, hw, "{at}: ARP hardware address");
                assert_eq!(
                    arp["hardware_type"].as_u64(),
                    Some(num(&field(t, "arp.hw.type")[0]))
                );
            }
        }
        if let Some(prefix) = field(t, "nflog.prefix").first() {
            assert_eq!(p["nflog"]["prefix"], prefix.as_str(), "{at}: NFLOG prefix");
            for (key, f) in [("uid", "nflog.uid"), ("gid", "nflog.gid")] {
                let theirs = field(t, f).first().map(|v| num(v));
                assert_eq!(p["nflog"][key].as_u64(), theirs, "{at}: NFLOG {key}");
            }
        }
    }
    ids
}

#[test]
fn recorded_vxlan_page_load_agrees_with_tshark() {
    if !have_tshark() {
        return;
    }
    let path = sample("vxlan-pageload.pcapng");
    assert_eq!(compare(&path, &[]), 22, "a VNI on every frame");
    // The conversation table sees the inner flows only.
    let out = netexplain(&["conversations", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("192.0.2.10:46158 203.0.113.100:443"),
        "{text}"
    );
    assert!(!text.contains("4789"), "{text}");
}

#[test]
fn recorded_nflog_agrees_with_tshark() {
    if !have_tshark() {
        return;
    }
    let path = sample("nflog-ping.pcap");
    compare(&path, &[]);
    let ours = packets_json(&path);
    assert_eq!(ours[0]["nflog"]["prefix"], "nx-ping");
    assert_eq!(ours[2]["dns"]["questions"][0]["name"], "www.google.com");
}

// ---- frames built by hand --------------------------------------------

fn be16(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend(be16(20 + payload.len() as u16));
    h.extend([0x12, 0x34, 0x40, 0, 64, proto, 0, 0]);
    h.extend(src);
    h.extend(dst);
    let c = checksum(&h);
    h[10..12].copy_from_slice(&be16(c));
    h.extend(payload);
    h
}

fn v6(last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    a[15] = last;
    a
}

fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend(be16(payload.len() as u16));
    h.extend([next, 64]);
    h.extend(src);
    h.extend(dst);
    h.extend(payload);
    h
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(be16(sport));
    h.extend(be16(dport));
    h.extend(be16(8 + payload.len() as u16));
    h.extend([0, 0]);
    h.extend(payload);
    h
}

fn tcp_syn(sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(be16(sport));
    h.extend(be16(dport));
    h.extend(seq.to_be_bytes());
    h.extend([0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0]);
    h
}

fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = be16(id).to_vec();
    m.extend([0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend(label.as_bytes());
    }
    m.extend([0, 0, 1, 0, 1]);
    m
}

const C: [u8; 4] = [192, 0, 2, 10];
const S: [u8; 4] = [203, 0, 113, 100];
const OUT_A: [u8; 4] = [198, 51, 100, 1];
const OUT_B: [u8; 4] = [198, 51, 100, 2];

fn eth(ether_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    f.extend(be16(ether_type));
    f.extend(payload);
    f
}

fn dns_v4(id: u16, name: &str) -> Vec<u8> {
    ipv4(
        C,
        [203, 0, 113, 53],
        17,
        &udp(40000 + id, 53, &dns_query(id, name)),
    )
}

fn syn_v4(port: u16) -> Vec<u8> {
    ipv4(C, S, 6, &tcp_syn(port, 443, 1000 + u32::from(port)))
}

fn syn_v6(port: u16) -> Vec<u8> {
    ipv6(
        v6(0x10),
        v6(0x64),
        6,
        &tcp_syn(port, 443, 7000 + u32::from(port)),
    )
}

fn gre(flags: u16, protocol: u16, opts: &[u32], inner: &[u8]) -> Vec<u8> {
    let mut g = be16(flags).to_vec();
    g.extend(be16(protocol));
    for o in opts {
        g.extend(o.to_be_bytes());
    }
    g.extend(inner);
    ipv4(OUT_A, OUT_B, 47, &g)
}

fn tunnel_frames() -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    // GRE with key 1234 and sequence number 7 (RFC 2890), IPv4 inside.
    frames.push(eth(
        0x0800,
        &gre(0x3000, 0x0800, &[1234, 7], &dns_v4(1, "gre.example")),
    ));
    // GRE transparent Ethernet bridging, key 5.
    let inner = eth(0x0800, &syn_v4(40001));
    frames.push(eth(0x0800, &gre(0x2000, 0x6558, &[5], &inner)));
    // ERSPAN type II: GRE with a sequence number, VLAN 10, session 0x155.
    let mut erspan = vec![0x10, 0x0a, 0x01, 0x55, 0, 0, 0, 9];
    erspan.extend(eth(0x0800, &dns_v4(2, "erspan2.example")));
    frames.push(eth(0x0800, &gre(0x1000, 0x88be, &[3], &erspan)));
    // ERSPAN type III: session 7, timestamp, SGT, no platform subheader.
    let mut erspan = vec![0x20, 0x00, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 0];
    erspan.extend(eth(0x86dd, &syn_v6(40002)));
    frames.push(eth(0x0800, &gre(0x1000, 0x22eb, &[4], &erspan)));
    // Geneve (UDP 6081) with one 8-byte option, Ethernet inside, VNI 0xabc.
    let mut geneve = vec![0x02, 0x00, 0x65, 0x58, 0x00, 0x0a, 0xbc, 0x00];
    geneve.extend([0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef]);
    geneve.extend(eth(0x0800, &syn_v4(40003)));
    frames.push(eth(
        0x0800,
        &ipv4(OUT_A, OUT_B, 17, &udp(50000, 6081, &geneve)),
    ));
    // VXLAN (UDP 4789), VNI 77.
    let mut vxlan = vec![0x08, 0, 0, 0, 0, 0, 77, 0];
    vxlan.extend(eth(0x0800, &dns_v4(3, "vxlan.example")));
    frames.push(eth(
        0x0800,
        &ipv4(OUT_A, OUT_B, 17, &udp(50001, 4789, &vxlan)),
    ));
    // GTP-U G-PDU with a sequence number and a PDU session container.
    let inner = dns_v4(4, "gtp.example");
    let mut gtp = vec![0x36, 0xff];
    gtp.extend(be16(8 + inner.len() as u16));
    gtp.extend(0x0102_0304u32.to_be_bytes());
    gtp.extend([0, 9, 0, 0x85, 1, 0x10, 0x01, 0]);
    gtp.extend(&inner);
    frames.push(eth(0x0800, &ipv4(OUT_A, OUT_B, 17, &udp(2152, 2152, &gtp))));
    // MPLS: labels 16 and 17, IPv4 inside.
    let mut mpls = vec![0x00, 0x01, 0x00, 0x40, 0x00, 0x01, 0x11, 0x3f];
    mpls.extend(syn_v4(40004));
    frames.push(eth(0x8847, &mpls));
    // MPLS pseudowire: label 18, control word, Ethernet (RFC 4448).
    let mut mpls = vec![0x00, 0x01, 0x21, 0x40, 0, 0, 0, 0];
    mpls.extend(eth(0x0800, &dns_v4(5, "pw.example")));
    frames.push(eth(0x8847, &mpls));
    // PPPoE session 0x0011 carrying IPv6 (PPP protocol 0x0057).
    let inner = ipv6(
        v6(0x10),
        v6(0x35),
        17,
        &udp(40006, 53, &dns_query(6, "pppoe.example")),
    );
    let mut pppoe = vec![0x11, 0x00, 0x00, 0x11];
    pppoe.extend(be16(2 + inner.len() as u16));
    pppoe.extend([0x00, 0x57]);
    pppoe.extend(&inner);
    frames.push(eth(0x8864, &pppoe));
    // PPPoE discovery: a PADI with an empty Service-Name tag.
    frames.push(eth(0x8863, &[0x11, 0x09, 0, 0, 0, 4, 0x01, 0x01, 0, 0]));
    // IP in IP, 6in4, IPv4 in IPv6, IPv6 in IPv6.
    frames.push(eth(0x0800, &ipv4(OUT_A, OUT_B, 4, &syn_v4(40007))));
    frames.push(eth(0x0800, &ipv4(OUT_A, OUT_B, 41, &syn_v6(40008))));
    frames.push(eth(0x86dd, &ipv6(v6(1), v6(2), 4, &syn_v4(40009))));
    frames.push(eth(0x86dd, &ipv6(v6(1), v6(2), 41, &syn_v6(40010))));
    // 802.3 length field, LLC/SNAP, ARP request.
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1];
    arp.extend(C);
    arp.extend([0; 6]);
    arp.extend([192, 0, 2, 1]);
    let mut snap = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06];
    snap.extend(&arp);
    let mut f = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1];
    f.extend(be16(snap.len() as u16));
    f.extend(&snap);
    frames.push(f);
    // RARP request (RFC 903): who am I?
    let mut rarp = vec![0, 1, 8, 0, 6, 4, 0, 3, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    rarp.extend([2, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    frames.push(eth(0x8035, &rarp));
    // ARP over IEEE 1394 (hardware type 24, 16-byte hardware addresses).
    let mut arp = vec![0, 24, 8, 0, 16, 4, 0, 2];
    arp.extend([0x11; 16]);
    arp.extend(C);
    arp.extend([0x22; 16]);
    arp.extend([192, 0, 2, 1]);
    frames.push(eth(0x0806, &arp));
    frames
}

fn write_pcap(path: &Path, linktype: u32, frames: &[Vec<u8>]) {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    f.extend(65535u32.to_le_bytes());
    f.extend(linktype.to_le_bytes());
    for (i, frame) in frames.iter().enumerate() {
        f.extend((1_700_000_000u32 + i as u32).to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((frame.len() as u32).to_le_bytes());
        f.extend((frame.len() as u32).to_le_bytes());
        f.extend(frame);
    }
    std::fs::write(path, f).unwrap();
}

#[test]
fn hand_built_tunnels_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    let dir = fresh_dir("tunnels_tshark");
    let path = dir.join("tunnels.pcap");
    let frames = tunnel_frames();
    write_pcap(&path, 1, &frames);
    // VXLAN, Geneve, GTP-U, two ERSPAN, two GRE keys, MPLS (2), PPPoE (2).
    // A first nibble of 0 after the stack is read as the pseudowire
    // control word (RFC 4385 §3); tshark 4.0 guesses between that and an
    // Ethernet frame without one, and is told which label carries one.
    assert_eq!(compare(&path, &["-d", "mpls.label==18,pwethcw"]), 11);
    let ours = packets_json(&path);
    // Each tunnelled frame's inner packet is decoded.
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15] {
        let p = &ours[n - 1];
        assert!(
            p["tcp"].is_object() || p["dns"].is_object(),
            "frame {n}: {p}"
        );
    }
    let kinds = |n: usize| -> Vec<String> {
        ours[n - 1]["encap"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["layer"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(kinds(2), ["ethernet", "ipv4", "gre"]);
    assert_eq!(kinds(3), ["ethernet", "ipv4", "gre", "erspan"]);
    assert_eq!(kinds(9), ["ethernet", "mpls"]);
    assert_eq!(kinds(10), ["pppoe"]);
    assert_eq!(kinds(13), ["ipv4"]);
    assert_eq!(ours[2]["encap"][3]["type"], 2);
    assert_eq!(ours[3]["encap"][3]["type"], 3);
    assert_eq!(ours[10]["pppoe"]["name"], "PADI");
    assert_eq!(ours[15]["llc"]["pid"], 0x0806);
    // The packet line names the tunnel once, with its identifiers.
    let out = netexplain(&["packets", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("[in GRE key 1234, 198.51.100.1 → 198.51.100.2]"),
        "{}",
        lines[0]
    );
    assert!(lines[6].contains("[in GTP-U TEID 0x01020304, 198.51.100.1 → 198.51.100.2]"));
    assert!(lines[7].contains("[in MPLS label 16/17]"), "{}", lines[7]);
    assert!(lines[12].contains("[in IPv6 in IPv4, 198.51.100.1 → 198.51.100.2]"));
}

#[test]
fn ppp_link_types_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    let dir = fresh_dir("tunnels_ppp");
    // LINKTYPE_PPP: address and control bytes kept, then compressed ones.
    let mut a = vec![0xff, 0x03, 0x00, 0x21];
    a.extend(syn_v4(40020));
    let mut b = vec![0x00, 0x57];
    b.extend(syn_v6(40021));
    let lcp = vec![0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0];
    let ppp = dir.join("ppp.pcap");
    write_pcap(&ppp, 9, &[a.clone(), b, lcp.clone()]);
    compare(&ppp, &[]);
    // LINKTYPE_PPP_HDLC: PPP in HDLC-like framing, and Cisco HDLC.
    let mut cisco = vec![0x0f, 0x00, 0x08, 0x00];
    cisco.extend(dns_v4(21, "hdlc.example"));
    let hdlc = dir.join("hdlc.pcap");
    write_pcap(&hdlc, 50, &[a, cisco, lcp]);
    compare(&hdlc, &[]);
    let theirs = tshark_fields(&hdlc, &[], &["lcp.opt.magic_number", "ppp.protocol"]);
    let ours = packets_json(&hdlc);
    assert_eq!(ours[2]["ppp"]["name"], "LCP");
    assert_eq!(ours[2]["ppp"]["code"], 9);
    assert_eq!(num(&theirs[2][1]), 0xc021);
}
