//! Differential test: tshark and netexplain read every sample, and frame by
//! frame they must agree on TCP flags, ARP, DNS names and answers, TLS
//! handshake types, SNI, ALPN and versions, HTTP methods and status codes.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const FIELDS: &[&str] = &[
    "frame.number",
    "tcp.flags",
    "arp.opcode",
    "arp.src.proto_ipv4",
    "arp.dst.proto_ipv4",
    "dns.id",
    "dns.flags.response",
    "dns.qry.name",
    "dns.qry.type",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.flags.rcode",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.ciphersuite",
    "http.request.method",
    "http.response.code",
    "icmp.type",
    "icmpv6.type",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "udp.srcport",
    "udp.dstport",
    "tcp.srcport",
    "tcp.dstport",
    "dhcp.id",
    "dhcp.option.dhcp",
    "dhcp.hw.mac_addr",
    "dhcp.ip.client",
    "dhcp.ip.your",
    "dhcp.option.requested_ip_address",
    "dhcp.option.dhcp_server_id",
    "dhcp.option.subnet_mask",
    "dhcp.option.router",
    "dhcp.option.domain_name_server",
    "dhcp.option.ip_address_lease_time",
    "websocket.opcode",
    "websocket.fin",
    "websocket.mask",
    "websocket.rsv",
    "websocket.payload_length",
    "websocket.payload_length_ext_16",
    "websocket.payload_length_ext_64",
    "websocket.payload.close.status_code",
    "icmpv6.nd.ns.target_address",
    "icmpv6.nd.na.target_address",
];

/// tshark's view: frame number → field → values.
/// HTTP messages whose body follows the head: (sample, the head and body
/// frames of each), placed differently by tshark and netexplain.
const KNOWN_HTTP: &[(&str, &[u64])] = &[("post-upload.pcapng", &[8, 78, 80, 82])];

fn tshark(path: &Path) -> BTreeMap<u64, BTreeMap<&'static str, Vec<String>>> {
    let rows = tshark_fields(path, &["-E", "occurrence=a", "-E", "aggregator=|"], FIELDS);
    let mut frames = BTreeMap::new();
    for cols in rows {
        let n: u64 = cols[0].parse().unwrap();
        let mut m = BTreeMap::new();
        for (i, f) in FIELDS.iter().enumerate().skip(1) {
            let v = cols.get(i).map_or("", String::as_str);
            let vals: Vec<String> = if v.is_empty() {
                Vec::new()
            } else {
                v.split('|').map(str::to_owned).collect()
            };
            m.insert(*f, vals);
        }
        frames.insert(n, m);
    }
    frames
}

fn flag_bits(names: &Value) -> u16 {
    let mut bits = 0;
    for n in names.as_array().into_iter().flatten() {
        bits |= match n.as_str().unwrap() {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            "URG" => 0x20,
            "ECE" => 0x40,
            "CWR" => 0x80,
            other => panic!("unknown flag {other}"),
        };
    }
    bits
}

fn parse_num(s: &str) -> u64 {
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).unwrap()
    } else {
        s.parse().unwrap()
    }
}

fn dns_messages(p: &Value) -> Vec<&Value> {
    let mut v = Vec::new();
    if !p["dns"].is_null() {
        v.push(&p["dns"]);
    }
    if let Some(more) = p["dns_more"].as_array() {
        v.extend(more.iter());
    }
    v
}

fn record_values(msgs: &[&Value], rtype: &str) -> Vec<String> {
    let mut v = Vec::new();
    for m in msgs {
        for section in ["answers", "authority", "additional"] {
            for r in m[section].as_array().into_iter().flatten() {
                if r["type"] == rtype {
                    v.push(r["data"].as_str().unwrap().to_string());
                }
            }
        }
    }
    v
}

fn qtype_number(name: &str) -> String {
    match name {
        "A" => "1",
        "NS" => "2",
        "CNAME" => "5",
        "SOA" => "6",
        "PTR" => "12",
        "MX" => "15",
        "TXT" => "16",
        "AAAA" => "28",
        "SRV" => "33",
        "SVCB" => "64",
        "HTTPS" => "65",
        "ANY" => "255",
        other => return other.trim_start_matches("TYPE").to_string(),
    }
    .to_string()
}

fn handshake_number(kind: &str) -> Option<u64> {
    Some(match kind {
        "hello_request" => 0,
        "client_hello" => 1,
        "server_hello" | "hello_retry_request" => 2,
        "new_session_ticket" => 4,
        "encrypted_extensions" => 8,
        "certificate" => 11,
        "server_key_exchange" => 12,
        "certificate_request" => 13,
        "server_hello_done" => 14,
        "certificate_verify" => 15,
        "client_key_exchange" => 16,
        "finished" => 20,
        // tshark gives encrypted messages no type.
        _ => return None,
    })
}

fn version_value(name: &str) -> Option<u64> {
    Some(match name {
        "TLS 1.3" => 0x0304,
        "TLS 1.2" => 0x0303,
        "TLS 1.1" => 0x0302,
        "TLS 1.0" => 0x0301,
        _ => return None,
    })
}

fn is_grease(v: u64) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// One TLS hello as both tools describe it, for order-based comparison.
#[derive(Debug, PartialEq)]
struct Hello {
    kind: u64,
    sni: Option<String>,
    alpn: Vec<String>,
    versions: Vec<u64>,
}

fn compare(path: &Path) -> (usize, usize) {
    let ours = packets_json(path);
    let theirs = tshark(path);
    assert_eq!(ours.len(), theirs.len(), "{}: frame count", path.display());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut our_types = Vec::new();
    let mut their_types = Vec::new();
    let mut checked_dns = 0;
    let mut ws_frames = 0;
    let mut dhcp_messages = 0;
    let mut quoted = 0;
    for p in &ours {
        let n = p["frame"].as_u64().unwrap();
        let t = &theirs[&n];
        let at = format!("{name} frame {n}");

        // TCP flags
        if let Some(f) = t["tcp.flags"].first() {
            assert_eq!(
                flag_bits(&p["tcp"]["flags"]),
                parse_num(f) as u16 & 0xff,
                "{at}: TCP flags"
            );
        }
        // ARP
        if let Some(op) = t["arp.opcode"].first() {
            let ours_op = match p["arp"]["op"].as_str().unwrap() {
                "request" => "1",
                "reply" => "2",
                other => other,
            };
            assert_eq!(ours_op, op, "{at}: ARP opcode");
            assert_eq!(p["arp"]["sender_ip"], t["arp.src.proto_ipv4"][0], "{at}");
            assert_eq!(p["arp"]["target_ip"], t["arp.dst.proto_ipv4"][0], "{at}");
        }
        // Neighbour discovery
        if let Some(ty) = t["icmpv6.type"].first() {
            if matches!(ty.as_str(), "135" | "136") {
                let target = t["icmpv6.nd.ns.target_address"]
                    .first()
                    .or(t["icmpv6.nd.na.target_address"].first())
                    .unwrap();
                assert_eq!(p["ndp"]["target"], target.as_str(), "{at}: NDP target");
            }
        }
        // DNS. tshark also decodes the datagram an ICMP error quotes (the
        // query in refused.pcapng's port unreachable); that is no DNS
        // message on the wire, and netexplain does not decode it.
        let msgs = dns_messages(p);
        let icmp_error = t["icmp.type"]
            .first()
            .is_some_and(|ty| ty != "0" && ty != "8");
        // The packet an ICMP error quotes: tshark lists its addresses and
        // ports after the outer ones.
        let v6_error = t["icmpv6.type"]
            .first()
            .is_some_and(|ty| matches!(ty.as_str(), "1" | "2" | "3" | "4"));
        let q = &p["icmp"]["quoted"];
        if icmp_error || v6_error {
            let (src, dst) = if v6_error {
                ("ipv6.src", "ipv6.dst")
            } else {
                ("ip.src", "ip.dst")
            };
            assert_eq!(q["src"], t[src][1].as_str(), "{at}: quoted source");
            assert_eq!(q["dst"], t[dst][1].as_str(), "{at}: quoted destination");
            let transport = match q["proto"].as_u64() {
                Some(17) => "udp",
                Some(6) => "tcp",
                _ => "",
            };
            if !transport.is_empty() {
                let port = |k: &str| t[k].last().cloned().unwrap_or_default();
                assert_eq!(
                    q["src_port"].to_string(),
                    port(&format!("{transport}.srcport")),
                    "{at}: quoted source port"
                );
                assert_eq!(
                    q["dst_port"].to_string(),
                    port(&format!("{transport}.dstport")),
                    "{at}: quoted destination port"
                );
            }
            quoted += 1;
        } else {
            assert!(q.is_null(), "{at}: a quoted packet tshark does not see");
        }
        if !t["dns.id"].is_empty() && !icmp_error {
            checked_dns += 1;
            let ids: Vec<u64> = t["dns.id"].iter().map(|s| parse_num(s)).collect();
            let our_ids: Vec<u64> = msgs.iter().map(|m| m["id"].as_u64().unwrap()).collect();
            assert_eq!(our_ids, ids, "{at}: DNS ids");
            let names: Vec<String> = msgs
                .iter()
                .flat_map(|m| m["questions"].as_array().unwrap().iter())
                .map(|q| q["name"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(names, t["dns.qry.name"], "{at}: DNS question names");
            let types: Vec<String> = msgs
                .iter()
                .flat_map(|m| m["questions"].as_array().unwrap().iter())
                .map(|q| qtype_number(q["type"].as_str().unwrap()))
                .collect();
            assert_eq!(types, t["dns.qry.type"], "{at}: DNS question types");
            assert_eq!(record_values(&msgs, "A"), t["dns.a"], "{at}: A records");
            assert_eq!(
                record_values(&msgs, "AAAA"),
                t["dns.aaaa"],
                "{at}: AAAA records"
            );
            assert_eq!(
                record_values(&msgs, "CNAME"),
                t["dns.cname"],
                "{at}: CNAME records"
            );
            // tshark shows the rcode of responses only.
            let rcodes: Vec<String> = msgs
                .iter()
                .filter(|m| m["response"] == true)
                .map(|m| {
                    match m["rcode"].as_str().unwrap() {
                        "NOERROR" => "0",
                        "FORMERR" => "1",
                        "SERVFAIL" => "2",
                        "NXDOMAIN" => "3",
                        "NOTIMP" => "4",
                        "REFUSED" => "5",
                        other => other,
                    }
                    .to_string()
                })
                .collect();
            assert_eq!(rcodes, t["dns.flags.rcode"], "{at}: rcodes");
        } else {
            assert!(msgs.is_empty(), "{at}: DNS that tshark does not see");
        }
        // TLS handshakes, in stream order; over QUIC, in CRYPTO frames.
        let quic_hellos = std::iter::once(&p["quic"])
            .chain(p["quic_more"].as_array().into_iter().flatten())
            .flat_map(|q| q["handshakes"].as_array().into_iter().flatten());
        for h in p["tls"]["handshakes"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(quic_hellos)
        {
            let Some(kind) = handshake_number(h["type"].as_str().unwrap()) else {
                continue;
            };
            let strs = |k: &str| -> Vec<String> {
                h[k].as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            our_types.push((
                n,
                Hello {
                    kind,
                    sni: h["sni"].as_str().map(str::to_owned),
                    alpn: if kind == 1 || kind == 2 {
                        strs("alpn")
                    } else {
                        Vec::new()
                    },
                    versions: strs("supported_versions")
                        .iter()
                        .filter_map(|v| version_value(v))
                        .collect(),
                },
            ));
        }
        if !t["tls.handshake.type"].is_empty() {
            // tshark lists fields of all messages of the frame together;
            // SNI and ALPN belong to the hello messages among them.
            let mut sni = t["tls.handshake.extensions_server_name"].iter();
            let alpn: Vec<String> = t["tls.handshake.extensions_alpn_str"].clone();
            let versions: Vec<u64> = t["tls.handshake.extensions.supported_version"]
                .iter()
                .map(|v| parse_num(v))
                .filter(|v| !is_grease(*v))
                .collect();
            for ty in &t["tls.handshake.type"] {
                let kind = parse_num(ty);
                their_types.push((
                    n,
                    Hello {
                        kind,
                        sni: if kind == 1 { sni.next().cloned() } else { None },
                        alpn: if kind == 1 || kind == 2 {
                            alpn.clone()
                        } else {
                            Vec::new()
                        },
                        versions: if kind == 1 || kind == 2 {
                            versions.clone()
                        } else {
                            Vec::new()
                        },
                    },
                ));
            }
        }
        // HTTP, but where a message's body follows its head in later
        // segments: tshark lists the message on the frame that completes
        // the body, netexplain on the frame that completes the head.
        let split = KNOWN_HTTP
            .iter()
            .any(|(s, frames)| *s == name && frames.contains(&n));
        let methods: Vec<String> = p["http"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["method"].as_str().map(str::to_owned))
            .collect();
        if !split {
            assert_eq!(methods, t["http.request.method"], "{at}: HTTP methods");
        }
        let codes: Vec<String> = p["http"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["status"].as_u64().map(|c| c.to_string()))
            .collect();
        if !split {
            assert_eq!(codes, t["http.response.code"], "{at}: HTTP status codes");
        }
        // DHCP
        let d = &p["dhcp"];
        if let Some(id) = t["dhcp.id"].first() {
            let s = |k: &str| -> Vec<String> {
                match &d[k] {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                    Value::String(v) => vec![v.clone()],
                    v => vec![v.to_string()],
                }
            };
            assert_eq!(
                parse_num(id),
                parse_num(&format!("0x{}", d["xid"].as_str().unwrap())),
                "{at}: DHCP xid"
            );
            let kind = match d["message_type"].as_str().unwrap() {
                "discover" => "1",
                "offer" => "2",
                "request" => "3",
                "decline" => "4",
                "ack" => "5",
                "nak" => "6",
                "release" => "7",
                "inform" => "8",
                other => other,
            };
            assert_eq!(
                vec![kind.to_string()],
                t["dhcp.option.dhcp"],
                "{at}: DHCP type"
            );
            assert_eq!(s("client_mac"), t["dhcp.hw.mac_addr"], "{at}: DHCP chaddr");
            // tshark shows 0.0.0.0 where we leave the address out.
            let addr = |k: &str, f: &str| {
                let theirs: Vec<String> =
                    t[f].iter().filter(|v| *v != "0.0.0.0").cloned().collect();
                assert_eq!(s(k), theirs, "{at}: DHCP {k}");
            };
            addr("client_ip", "dhcp.ip.client");
            addr("your_ip", "dhcp.ip.your");
            assert_eq!(
                s("requested_ip"),
                t["dhcp.option.requested_ip_address"],
                "{at}: option 50"
            );
            assert_eq!(
                s("server_id"),
                t["dhcp.option.dhcp_server_id"],
                "{at}: option 54"
            );
            assert_eq!(
                s("subnet_mask"),
                t["dhcp.option.subnet_mask"],
                "{at}: option 1"
            );
            assert_eq!(s("router"), t["dhcp.option.router"], "{at}: option 3");
            assert_eq!(
                s("dns_servers"),
                t["dhcp.option.domain_name_server"],
                "{at}: option 6"
            );
            assert_eq!(
                s("lease_time"),
                t["dhcp.option.ip_address_lease_time"],
                "{at}: option 51"
            );
            dhcp_messages += 1;
        } else {
            assert!(d.is_null(), "{at}: DHCP that tshark does not see");
        }
        // WebSocket frames completed in this frame, in order.
        let frames: Vec<&Value> = p["websocket"].as_array().into_iter().flatten().collect();
        let field = |f: &Value, k: &str| -> String {
            match &f[k] {
                Value::Bool(b) => u8::from(*b).to_string(),
                v => v.to_string(),
            }
        };
        let pick = |k: &str| -> Vec<String> { frames.iter().map(|f| field(f, k)).collect() };
        assert_eq!(
            pick("opcode"),
            t["websocket.opcode"],
            "{at}: WebSocket opcodes"
        );
        assert_eq!(pick("fin"), t["websocket.fin"], "{at}: WebSocket FIN bits");
        assert_eq!(
            pick("masked"),
            t["websocket.mask"],
            "{at}: WebSocket MASK bits"
        );
        // RSV1 is the highest of tshark's three RSV bits.
        let rsv1: Vec<bool> = t["websocket.rsv"]
            .iter()
            .map(|r| parse_num(r) & 0x4 != 0)
            .collect();
        let compressed: Vec<bool> = frames.iter().map(|f| f["compressed"] == true).collect();
        assert_eq!(compressed, rsv1, "{at}: WebSocket RSV1");
        // tshark splits the length into the 7-bit field and its extension.
        let mut ext16 = t["websocket.payload_length_ext_16"].iter();
        let mut ext64 = t["websocket.payload_length_ext_64"].iter();
        let lengths: Vec<String> = t["websocket.payload_length"]
            .iter()
            .map(|l| match l.as_str() {
                "126" => ext16.next().expect("16-bit length").clone(),
                "127" => ext64.next().expect("64-bit length").clone(),
                _ => l.clone(),
            })
            .collect();
        assert_eq!(
            pick("payload_len"),
            lengths,
            "{at}: WebSocket payload lengths"
        );
        let close_codes: Vec<String> = frames
            .iter()
            .filter_map(|f| f["close_code"].as_u64().map(|c| c.to_string()))
            .collect();
        assert_eq!(
            close_codes, t["websocket.payload.close.status_code"],
            "{at}: WebSocket close codes"
        );
        ws_frames += frames.len();
    }
    // Handshake messages: same sequence; each of ours is reported no later
    // than tshark's (tshark waits for the end of the record, netexplain for
    // the end of the message).
    assert_eq!(
        our_types.iter().map(|(_, h)| h).collect::<Vec<_>>(),
        their_types.iter().map(|(_, h)| h).collect::<Vec<_>>(),
        "{name}: TLS handshake messages"
    );
    for ((ours_at, h), (theirs_at, _)) in our_types.iter().zip(&their_types) {
        assert!(
            ours_at <= theirs_at,
            "{name}: {h:?} at frame {ours_at}, tshark at {theirs_at}"
        );
    }
    if name == "refused.pcapng" {
        assert_eq!(quoted, 1, "{name}: the port unreachable's quoted query");
    }
    if name == "dhcp-pageload.pcapng" {
        assert_eq!(dhcp_messages, 5, "{name}: DHCP messages compared");
    }
    if name == "websocket.pcapng" {
        assert!(
            ws_frames >= 12,
            "{name}: only {ws_frames} WebSocket frames compared"
        );
    }
    (checked_dns, our_types.len())
}

#[test]
fn every_sample_agrees_with_tshark() {
    if !have_tshark() {
        return;
    }
    let samples = cleartext_samples();
    assert!(!samples.is_empty(), "no samples found");
    for s in samples {
        let (dns, tls) = compare(&s);
        eprintln!(
            "{}: agrees with tshark ({dns} DNS frames, {tls} TLS handshake messages)",
            s.display()
        );
    }
}
