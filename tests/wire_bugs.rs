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

/// Frame → (record content types, cleartext handshake types), as tshark
/// prints them and as `packets` does (an encrypted handshake message has
/// no visible type, so it is not in the second list).
type Tls = BTreeMap<u64, (Vec<u64>, Vec<u64>)>;

fn tls_from_tshark(path: &std::path::Path) -> Tls {
    let mut want = Tls::new();
    let rows = tshark_fields(
        path,
        &["-Y", "tls", "-E", "occurrence=a", "-E", "aggregator=,"],
        &[
            "frame.number",
            "tls.record.content_type",
            "tls.handshake.type",
            "tls.record.opaque_type",
        ],
    );
    let list = |s: &str| -> Vec<u64> {
        s.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect()
    };
    for r in rows {
        // TLS 1.3 records after the ServerHello carry an opaque type
        // (always 23), and they come after every cleartext record.
        let mut records = list(&r[1]);
        records.extend(list(&r[3]));
        if !records.is_empty() {
            want.insert(r[0].parse().unwrap(), (records, list(&r[2])));
        }
    }
    want
}

fn tls_from_packets(packets: &[serde_json::Value]) -> Tls {
    let record = |name: &str| match name {
        "change_cipher_spec" => 20,
        "alert" => 21,
        "handshake" => 22,
        "application_data" => 23,
        other => panic!("record type {other}"),
    };
    let handshake = |name: &str| match name {
        "client_hello" => Some(1),
        "server_hello" | "hello_retry_request" => Some(2),
        "new_session_ticket" => Some(4),
        "certificate" => Some(11),
        "server_key_exchange" => Some(12),
        "server_hello_done" => Some(14),
        "client_key_exchange" => Some(16),
        "encrypted_handshake_message" => None,
        other => panic!("handshake type {other}"),
    };
    let mut got = Tls::new();
    for p in packets {
        let t = &p["tls"];
        if t.is_null() {
            continue;
        }
        let records = t["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| record(r["content_type"].as_str().unwrap()))
            .collect();
        let handshakes = t["handshakes"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|h| handshake(h["type"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        got.insert(p["frame"].as_u64().unwrap(), (records, handshakes));
    }
    got
}

/// samples/tls-hrr.pcapng (curl's first key share is x25519, which
/// `openssl s_server -groups secp384r1` asks it to change): the server's HelloRetryRequest is followed by its
/// middlebox-compatibility ChangeCipherSpec (RFC 8446 Appendix D.4), and
/// the client's second ClientHello by its own. Neither starts encryption:
/// the second ClientHello and the real ServerHello are read, frame by
/// frame as tshark reads them.
#[test]
fn tls13_change_cipher_spec_after_hello_retry_request_is_not_encryption() {
    let path = sample("tls-hrr.pcapng");
    let got = tls_from_packets(&packets_json(&path));
    // What tshark 4.0 reads, kept here so that the test holds without it.
    assert_eq!(got[&13], (vec![22, 20], vec![2]));
    assert_eq!(got[&15], (vec![20, 22], vec![1]));
    assert_eq!(got[&16].1, vec![2]);
    if have_tshark() {
        assert_eq!(got, tls_from_tshark(&path));
    }
}

/// samples/curl-tls12.pcapng read with a 300-byte bound on handshake
/// messages: the server's 462-byte Certificate is over it and is named with
/// its length, unread; the ServerKeyExchange and ServerHelloDone after it
/// in the same direction are still read in the clear, and only the
/// ChangeCipherSpec starts encryption — as tshark reads the capture
/// (which has no such bound).
#[test]
fn a_tls_message_over_the_bound_does_not_hide_the_messages_after_it() {
    let path = sample("curl-tls12.pcapng");
    let packets = ndjson(&[
        "packets",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--no-summary",
        "--max-tls-message",
        "300",
    ]);
    let f10 = frame(&packets, 10);
    let hs = f10["tls"]["handshakes"].as_array().unwrap();
    assert_eq!(hs[1]["type"], "certificate");
    assert_eq!(hs[1]["length"], 462);
    assert_eq!(hs[2]["type"], "server_key_exchange");
    assert_eq!(hs[2]["server_key_exchange"]["curve"], "x25519");
    assert!(
        f10["errors"][0]
            .as_str()
            .unwrap()
            .contains("462 bytes exceeds the 300-byte bound"),
        "{f10}"
    );
    let got = tls_from_packets(&packets);
    assert_eq!(got[&10], (vec![22, 22, 22, 22], vec![2, 11, 12, 14]));
    assert_eq!(got[&13], (vec![20, 22], vec![]));
    if have_tshark() {
        assert_eq!(got, tls_from_tshark(&path));
    }
}

/// samples/dns-types.pcapng frame 8 (dnsmasq's answer for www.google.com:
/// a CNAME, then an A record, then OPT) with the A record's data length
/// changed to 65535, past the datagram's end. The question and the CNAME
/// decoded before it are kept, as tshark keeps them, and the message is
/// marked incomplete with the error of the second answer.
#[test]
fn a_bad_dns_record_keeps_what_decoded_before_it() {
    let dir = fresh_dir("wire_dns_cut");
    let one = dir.join("one.pcap");
    let st = std::process::Command::new("editcap")
        .args(["-F", "pcap", "-r"])
        .arg(sample("dns-types.pcapng"))
        .arg(&one)
        .arg("8")
        .status()
        .expect("editcap runs");
    assert!(st.success());
    let mut bytes = std::fs::read(&one).unwrap();
    // The A record: type 1, class IN, a TTL, data length 4.
    let at = (0..bytes.len() - 10)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0, 1, 0, 1] && bytes[i + 8..i + 10] == [0, 4])
        .expect("the A record");
    bytes[at + 8..at + 10].copy_from_slice(&[0xff, 0xff]);
    let cut = dir.join("bad-record.pcap");
    std::fs::write(&cut, &bytes).unwrap();
    let p = &packets_json(&cut)[0];
    let d = &p["dns"];
    assert_eq!(d["questions"][0]["name"], "www.google.com", "{p}");
    assert_eq!(d["answers"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(d["answers"][0]["type"], "CNAME");
    assert_eq!(d["incomplete"], true);
    let error = p["errors"][0].as_str().unwrap();
    assert!(error.contains("answer record 2"), "{error}");
    if have_tshark() {
        let r = &tshark_fields(&cut, &[], &["dns.qry.name", "dns.cname", "_ws.malformed"])[0];
        assert_eq!(r[0], "www.google.com");
        assert_eq!(d["answers"][0]["data"].as_str().unwrap(), r[1]);
    }
}

/// The frames of a classic little-endian pcap file: (offset of the frame's
/// bytes, captured length).
fn pcap_frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at + 16, caplen));
        at += 16 + caplen;
    }
    out
}

/// samples/curl-tls12.pcapng with the IPv4 total length of frame 8 (the
/// ClientHello, 274 bytes) raised by 100, past the frame's own length (not
/// a snap-length cut: the frame is whole). The length is clamped to what
/// the frame held and the frame says so; the client's next segment (frame
/// 12, sequence 223) is then not a retransmission of bytes never sent, and
/// every TCP field of every frame is what the unchanged recording gives.
#[test]
fn an_ipv4_total_length_past_the_frame_is_clamped_and_said() {
    let dir = fresh_dir("wire_ip_len");
    let orig = dir.join("orig.pcap");
    let st = std::process::Command::new("editcap")
        .args(["-F", "pcap"])
        .arg(sample("curl-tls12.pcapng"))
        .arg(&orig)
        .status()
        .expect("editcap runs");
    assert!(st.success());
    let mut bytes = std::fs::read(&orig).unwrap();
    let (at, caplen) = pcap_frames(&bytes)[7];
    // Ethernet, then the IPv4 header's total length.
    let ip = at + 14;
    assert_eq!(bytes[ip] >> 4, 4);
    let total = u16::from_be_bytes([bytes[ip + 2], bytes[ip + 3]]);
    assert_eq!((total, caplen), (274, 288));
    bytes[ip + 2..ip + 4].copy_from_slice(&(total + 100).to_be_bytes());
    let changed = dir.join("long.pcap");
    std::fs::write(&changed, &bytes).unwrap();
    let (a, b) = (packets_json(&orig), packets_json(&changed));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["tcp"], y["tcp"], "frame {}", y["frame"]);
        assert_eq!(x["tls"], y["tls"], "frame {}", y["frame"]);
    }
    let f8 = frame(&b, 8);
    assert_eq!(f8["tcp"]["payload_len"], 222);
    assert!(
        f8["truncated"].is_null() || f8["truncated"] == false,
        "{f8}"
    );
    assert_eq!(
        f8["errors"][0],
        "IPv4: the header's length says 354 payload bytes but the frame held 254 on the wire; 254 are used"
    );
    assert!(
        frame(&b, 12)["tcp"]["analysis"].is_null(),
        "{}",
        frame(&b, 12)
    );
}

/// samples/curl-tls12.pcapng cut to a snap length of 64 bytes by editcap:
/// the SYN and SYN-ACK (frames 5 and 6, 40-byte TCP headers) keep 30
/// bytes of their TCP header. The fixed fields are kept — the ports,
/// sequence and acknowledgement numbers, flags and window equal what
/// tshark reads in the whole recording — the options captured whole are
/// read (the MSS comes first), and the options are marked truncated.
#[test]
fn tcp_options_cut_by_the_snap_length_keep_the_header() {
    let dir = fresh_dir("wire_tcp_opts");
    let cut = dir.join("snap64.pcap");
    let st = std::process::Command::new("editcap")
        .args(["-F", "pcap", "-s", "64"])
        .arg(sample("curl-tls12.pcapng"))
        .arg(&cut)
        .status()
        .expect("editcap runs");
    assert!(st.success());
    let packets = packets_json(&cut);
    let whole = tshark_fields(
        &sample("curl-tls12.pcapng"),
        &["-o", "tcp.relative_sequence_numbers:FALSE"],
        &[
            "frame.number",
            "tcp.srcport",
            "tcp.dstport",
            "tcp.seq",
            "tcp.ack",
            "tcp.flags",
            "tcp.window_size_value",
            "tcp.options.mss_val",
        ],
    );
    for n in [5u64, 6] {
        let p = frame(&packets, n);
        let t = &p["tcp"];
        assert_eq!(t["options_truncated"], true, "{p}");
        assert_eq!(p["truncated"], true, "{p}");
        assert!(
            p["errors"][0].as_str().unwrap().starts_with("TCP header"),
            "{p}"
        );
        let r = &whole[n as usize - 1];
        let flags = u8::from_str_radix(r[5].trim_start_matches("0x0"), 16).unwrap();
        assert_eq!(
            (
                t["src_port"].to_string(),
                t["dst_port"].to_string(),
                t["seq"].to_string(),
                t["ack"].to_string(),
                t["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| match f.as_str().unwrap() {
                        "SYN" => 0x02,
                        "ACK" => 0x10,
                        other => panic!("{other}"),
                    })
                    .sum::<u8>(),
                t["window"].to_string(),
                t["options"]["mss"].to_string(),
            ),
            (
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                flags,
                r[6].clone(),
                r[7].clone()
            ),
            "frame {n}"
        );
    }
}
