//! QUIC on the http3 sample (headless Chromium and an aioquic HTTP/3
//! server, see samples/README.md): headers, Initial decryption, CRYPTO
//! reassembly and the hellos checked against tshark, which decrypts QUIC
//! Initials too; the decoder and tracker on the sample's own bytes; and the
//! story `explain` tells about an HTTP/3 page load.

mod common;

use common::*;
use netexplain::capture::{CaptureReader, Frame};
use netexplain::decode::quic::{self, Context, QuicFrame};
use netexplain::flow::Tracker;
use netexplain::pipeline::decode_and_track;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SAMPLE: &str = "http3.pcapng";

/// Every frame of a capture, owned.
struct OwnedFrame {
    index: u64,
    ts_sec: i64,
    ts_nsec: u32,
    linktype: u32,
    data: Vec<u8>,
}

impl OwnedFrame {
    fn frame(&self) -> Frame<'_> {
        Frame {
            index: self.index,
            ts_sec: self.ts_sec,
            ts_nsec: self.ts_nsec,
            interface: 0,
            linktype: self.linktype,
            caplen: self.data.len() as u32,
            len: self.data.len() as u32,
            data: &self.data,
        }
    }
}

fn frames() -> Vec<OwnedFrame> {
    let mut r = CaptureReader::open(&sample(SAMPLE)).expect("the sample opens");
    let mut out = Vec::new();
    while let Some(f) = r.next_frame().expect("the sample reads") {
        out.push(OwnedFrame {
            index: f.index,
            ts_sec: f.ts_sec,
            ts_nsec: f.ts_nsec,
            linktype: f.linktype,
            data: f.data.to_vec(),
        });
    }
    out
}

/// The UDP payload of a frame (Ethernet, IPv6 without extension headers).
fn udp_payload(f: &OwnedFrame) -> &[u8] {
    assert_eq!(&f.data[12..14], &[0x86, 0xdd], "frame {} is IPv6", f.index);
    assert_eq!(f.data[14 + 6], 17, "frame {} is UDP", f.index);
    &f.data[14 + 40 + 8..]
}

/// All QUIC packets of a frame's JSON, in datagram order.
fn quic_packets(p: &Value) -> Vec<&Value> {
    let mut v: Vec<&Value> = Vec::new();
    if !p["quic"].is_null() {
        v.push(&p["quic"]);
    }
    v.extend(p["quic_more"].as_array().into_iter().flatten());
    v
}

fn split(field: &str) -> Vec<String> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split(',').map(str::to_string).collect()
    }
}

const TSHARK_FIELDS: [&str; 14] = [
    "frame.number",
    "quic.header_form",
    "quic.fixed_bit",
    "quic.long.packet_type",
    "quic.version",
    "quic.dcid",
    "quic.scid",
    "quic.packet_number",
    "quic.crypto.offset",
    "quic.crypto.length",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str",
    "udp.srcport",
];

/// tshark's QUIC fields by frame number.
fn tshark_quic() -> BTreeMap<u64, BTreeMap<&'static str, Vec<String>>> {
    tshark_fields(
        &sample(SAMPLE),
        &["-Y", "quic", "-E", "occurrence=a"],
        &TSHARK_FIELDS,
    )
    .into_iter()
    .map(|cols| {
        let n: u64 = cols[0].parse().unwrap();
        let map = TSHARK_FIELDS
            .iter()
            .zip(&cols)
            .skip(1)
            .map(|(k, v)| (*k, split(v)))
            .collect();
        (n, map)
    })
    .collect()
}

#[test]
fn headers_initials_and_hellos_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    let theirs = tshark_quic();
    let packets = packets_json(&sample(SAMPLE));
    let ours: BTreeMap<u64, &Value> = packets
        .iter()
        .filter(|p| !p["quic"].is_null())
        .map(|p| (p["frame"].as_u64().unwrap(), p))
        .collect();
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "frames decoded as QUIC"
    );
    let mut initials = 0;
    let mut crypto_frames = 0;
    for (n, t) in &theirs {
        let p = ours[n];
        let qs = quic_packets(p);
        let at = format!("frame {n}");
        // tshark also lists the zero padding after coalesced packets as a
        // "short header" packet with the fixed bit cleared; RFC 9000 §12.2
        // makes it no packet at all.
        let forms: Vec<&str> = t["quic.header_form"]
            .iter()
            .zip(&t["quic.fixed_bit"])
            .filter(|(_, fixed)| *fixed == "1" || *fixed == "True")
            .map(|(f, _)| if f == "1" { "long" } else { "short" })
            .collect();
        let our_forms: Vec<&str> = qs.iter().map(|q| q["header"].as_str().unwrap()).collect();
        assert_eq!(our_forms, forms, "{at}: header forms");
        let types: Vec<&str> = t["quic.long.packet_type"]
            .iter()
            .map(|x| match x.as_str() {
                "0" => "initial",
                "1" => "0rtt",
                "2" => "handshake",
                "3" => "retry",
                other => panic!("{at}: type {other}"),
            })
            .collect();
        let our_types: Vec<&str> = qs.iter().filter_map(|q| q["long_type"].as_str()).collect();
        assert_eq!(our_types, types, "{at}: long packet types");
        let versions: Vec<String> = t["quic.version"]
            .iter()
            .map(|v| {
                let v = u32::from_str_radix(v.trim_start_matches("0x"), 16).unwrap();
                v.to_string()
            })
            .collect();
        let our_versions: Vec<String> = qs
            .iter()
            .filter_map(|q| q["version"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(our_versions, versions, "{at}: versions");
        // tshark leaves zero-length connection IDs out.
        let cids = |k: &str| -> Vec<String> {
            qs.iter()
                .filter_map(|q| q[k].as_str())
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(cids("dcid"), t["quic.dcid"], "{at}: DCIDs");
        assert_eq!(cids("scid"), t["quic.scid"], "{at}: SCIDs");
        let pns: Vec<String> = qs
            .iter()
            .filter_map(|q| q["packet_number"].as_u64())
            .map(|n| n.to_string())
            .collect();
        assert_eq!(pns, t["quic.packet_number"], "{at}: packet numbers");
        initials += pns.len();
        let mut offsets = Vec::new();
        let mut lengths = Vec::new();
        for q in &qs {
            for f in q["frames"].as_array().into_iter().flatten() {
                if f["type"] == "crypto" {
                    offsets.push(f["offset"].to_string());
                    lengths.push(f["length"].to_string());
                }
            }
        }
        assert_eq!(offsets, t["quic.crypto.offset"], "{at}: CRYPTO offsets");
        assert_eq!(lengths, t["quic.crypto.length"], "{at}: CRYPTO lengths");
        crypto_frames += offsets.len();
        let hellos: Vec<&Value> = qs
            .iter()
            .flat_map(|q| q["handshakes"].as_array().into_iter().flatten())
            .collect();
        let kinds: Vec<String> = hellos
            .iter()
            .map(|h| match h["type"].as_str().unwrap() {
                "client_hello" => "1".to_string(),
                "server_hello" => "2".to_string(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(kinds, t["tls.handshake.type"], "{at}: TLS handshake types");
        let snis: Vec<String> = hellos
            .iter()
            .filter_map(|h| h["sni"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(snis, t["tls.handshake.extensions_server_name"], "{at}: SNI");
        let alpn: Vec<String> = hellos
            .iter()
            .flat_map(|h| h["alpn"].as_array().into_iter().flatten())
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(alpn, t["tls.handshake.extensions_alpn_str"], "{at}: ALPN");
    }
    // What the sample is for: Initials from both sides, a ClientHello over
    // several of them, and the checks above did compare something.
    assert_eq!(initials, 5, "Initial packets decrypted");
    assert_eq!(crypto_frames, 15, "CRYPTO frames");
}

#[test]
fn the_sample_packets_in_json() {
    let packets = packets_json(&sample(SAMPLE));
    // Chromium's first Initial: no hello yet, its CRYPTO frames scattered
    // (out of order on purpose) with PING and PADDING between them.
    let first = &frame(&packets, 106)["quic"];
    assert_eq!(first["header"], "long");
    assert_eq!(first["long_type"], "initial");
    assert_eq!(first["version"], "1");
    assert_eq!(first["dcid"], "fd80fe1ac5a30b7e");
    assert_eq!(first["scid"], "");
    assert_eq!(first["token_length"], 0);
    assert_eq!(first["packet_number"], 1);
    assert_eq!(first["size"], 1230);
    assert_eq!(
        first["frames"][0],
        json!({"type": "crypto", "offset": 32, "length": 47})
    );
    assert!(first["handshakes"].is_null());
    // The second completes the ClientHello, reassembled from both.
    let second = &frame(&packets, 107)["quic"];
    assert_eq!(second["packet_number"], 2);
    let ch = &second["handshakes"][0];
    assert_eq!(ch["type"], "client_hello");
    assert_eq!(ch["frames"], json!([106, 107]));
    assert_eq!(ch["sni"], "www.google.com");
    assert_eq!(ch["alpn"], json!(["h3"]));
    assert_eq!(ch["supported_versions"], json!(["TLS 1.3"]));
    assert_eq!(ch["key_share_groups"], json!([0x11ec, 0x001d]));
    assert_eq!(ch["cipher_suites"], json!([0x1301, 0x1302, 0x1303]));
    // 57: quic_transport_parameters (RFC 9001 §8.2), only in QUIC.
    assert!(ch["extensions"].as_array().unwrap().contains(&json!(57)));
    // The CRYPTO frames of both Initials cover the message exactly once.
    let mut spans: Vec<(u64, u64)> = [106, 107]
        .iter()
        .flat_map(|n| {
            frame(&packets, *n)["quic"]["frames"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["type"] == "crypto")
                .map(|f| (f["offset"].as_u64().unwrap(), f["length"].as_u64().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    spans.sort_unstable();
    let mut end = 0;
    for (offset, length) in spans {
        assert_eq!(
            offset, end,
            "CRYPTO frames leave no hole and do not overlap"
        );
        end += length;
    }
    assert_eq!(end, ch["length"].as_u64().unwrap() + 4);
    // The server's second datagram: Initial with the ServerHello, then a
    // Handshake packet and a 1-RTT packet coalesced after it.
    let p = frame(&packets, 109);
    assert_eq!(p["quic"]["scid"], "846046a2e86c7d48");
    assert_eq!(p["quic"]["dcid"], "");
    let sh = &p["quic"]["handshakes"][0];
    assert_eq!(sh["type"], "server_hello");
    assert_eq!(sh["supported_versions"], json!(["TLS 1.3"]));
    assert_eq!(sh["cipher_suite"], 0x1302);
    assert_eq!(sh["frames"], json!([109]));
    let more = p["quic_more"].as_array().unwrap();
    assert_eq!(more.len(), 2);
    assert_eq!(more[0]["long_type"], "handshake");
    assert!(
        more[0]["packet_number"].is_null(),
        "Handshake packets stay encrypted"
    );
    assert_eq!(more[1]["header"], "short");
    // The sizes of the three packets add up to the datagram.
    let sizes: u64 = quic_packets(p)
        .iter()
        .map(|q| q["size"].as_u64().unwrap())
        .sum();
    assert_eq!(sizes, p["udp"]["length"].as_u64().unwrap() - 8);
    // Short headers: the client writes the server's 8-byte connection ID,
    // the server the client's empty one.
    assert_eq!(frame(&packets, 111)["quic"]["dcid"], "846046a2e86c7d48");
    assert_eq!(frame(&packets, 112)["quic"]["dcid"], "");
    for p in &packets {
        assert!(
            p["errors"].is_null(),
            "frame {}: {}",
            p["frame"],
            p["errors"]
        );
    }
}

#[test]
fn the_decoder_on_the_sample_bytes() {
    let all = frames();
    let by_number = |n: u64| all.iter().find(|f| f.index == n).unwrap();
    let client_dcid = [0xfd, 0x80, 0xfe, 0x1a, 0xc5, 0xa3, 0x0b, 0x7e];
    // The server's Initial decrypts only with keys from the client's DCID
    // (RFC 9001 §5.2): not without context, and not with another DCID.
    let server = udp_payload(by_number(109));
    let (packets, errors) = quic::decode_datagram(server, &Context::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!packets[0].decrypted);
    let wrong = [0u8; 8];
    let (packets, errors) = quic::decode_datagram(
        server,
        &Context {
            initial_dcid: Some(&wrong),
            keys_known: true,
            ..Context::default()
        },
    );
    assert!(!packets[0].decrypted);
    assert_eq!(
        errors,
        ["QUIC: Initial packet does not decrypt with keys from DCID 0000000000000000 (RFC 9001 §5.2)"]
    );
    let (packets, errors) = quic::decode_datagram(
        server,
        &Context {
            initial_dcid: Some(&client_dcid),
            keys_known: true,
            ..Context::default()
        },
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(packets[0].packet_number, Some(1));
    assert_eq!(
        packets[0].frames[1],
        QuicFrame::Crypto {
            offset: 0,
            length: 90
        }
    );
    // The ServerHello is the whole CRYPTO frame: type 2, length 86.
    assert_eq!(&packets[0].crypto[0].1[..4], &[2, 0, 0, 86]);
    // The server's first datagram: an Initial with only ACK and PING, then
    // zero padding to the datagram's end, which is no packet.
    let (packets, errors) = quic::decode_datagram(
        udp_payload(by_number(108)),
        &Context {
            initial_dcid: Some(&client_dcid),
            keys_known: true,
            ..Context::default()
        },
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(packets.len(), 1);
    assert_eq!(packets[0].frames.len(), 2);
    assert_eq!(packets[0].frames[1], QuicFrame::Ping);
    // Every prefix of the client's big Initial decodes without a panic.
    let client = udp_payload(by_number(106));
    for n in 0..client.len() {
        let _ = quic::decode_datagram(
            &client[..n],
            &Context {
                from_client: true,
                keys_known: true,
                ..Context::default()
            },
        );
    }
}

#[test]
fn the_client_hello_is_reassembled_whichever_initial_comes_first() {
    let all = frames();
    let run = |order: &[u64]| {
        let mut tracker = Tracker::default();
        let mut hellos = Vec::new();
        for n in order {
            let f = all.iter().find(|f| f.index == *n).unwrap();
            let p = decode_and_track(&f.frame(), &mut tracker);
            assert!(p.errors.is_empty(), "frame {n}: {:?}", p.errors);
            for q in p.quic.as_deref().into_iter().chain(&p.quic_more) {
                for h in &q.handshakes {
                    hellos.push((*n, h.kind.to_string(), h.sni.clone(), h.frames.clone()));
                }
            }
        }
        (hellos, tracker)
    };
    let (in_order, tracker) = run(&[106, 107, 108, 109]);
    assert_eq!(
        in_order,
        [
            (
                107,
                "client_hello".to_string(),
                Some("www.google.com".to_string()),
                vec![106, 107]
            ),
            (109, "server_hello".to_string(), None, vec![109]),
        ]
    );
    assert_eq!(tracker.stats().quic.connections, 1);
    assert_eq!(tracker.stats().quic.initials_decrypted, 4);
    assert!(tracker.stats().quic.cids_dropped == 0);
    assert_eq!(tracker.stats().quic.crypto_bytes_dropped, 0);
    // The second Initial first (as after a loss and reordering): the
    // ClientHello is complete only with the first.
    let (reversed, _) = run(&[107, 106, 108, 109]);
    assert_eq!(reversed[0].0, 106);
    assert_eq!(reversed[0].3, vec![106, 107]);
    assert_eq!(reversed[0].2.as_deref(), Some("www.google.com"));
    // A retransmitted Initial completes nothing twice.
    let (twice, _) = run(&[106, 107, 107, 106, 108, 109]);
    assert_eq!(twice.len(), 2);
}

fn lines(step: &Value) -> String {
    step["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(step["reason"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .chain(step["reason"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_http3_story() {
    let s = story(SAMPLE, &["--lang", "en"]);
    let loads = s["page_loads"].as_array().unwrap();
    assert_eq!(loads.len(), 1, "background lookups are not page loads");
    let l = &loads[0];
    assert_eq!(l["host"], "www.google.com");
    assert_eq!(l["client"], "2001:db8:1::10");
    assert_eq!(l["server"], "2001:db8:2::100");

    let url = step(l, "url");
    assert_eq!(url["facts"]["transport"], "udp");
    assert_eq!(url["facts"]["url"], "https://www.google.com/");
    assert_eq!(url["frames"], json!([106]));

    let arp = step(l, "arp");
    assert_eq!(arp["frames"], json!([5, 6, 104, 105]));
    let arp_text = lines(arp);
    assert!(
        arp_text.contains("The QUIC Initial to 2001:db8:2::100 (frame 106)"),
        "{arp_text}"
    );
    assert!(
        arp_text.contains("Frame 5: 198.51.100.10 asks who has 198.51.100.1 (ARP request"),
        "{arp_text}"
    );
    assert!(
        arp_text.contains("(NDP neighbour solicitation)"),
        "{arp_text}"
    );
    assert!(!arp_text.contains("SYN"), "{arp_text}");

    let tcp = step(l, "tcp_handshake");
    assert_eq!(tcp["status"], "not_applicable");
    assert_eq!(tcp["notes_check"][0]["section"], "01");

    let tls = step(l, "tls_handshake");
    assert_eq!(tls["status"], "observed");
    let f = &tls["facts"];
    assert_eq!(f["transport"], "quic");
    assert_eq!(f["quic_version"], "1");
    assert_eq!(f["quic_initial_dcid"], "fd80fe1ac5a30b7e");
    assert_eq!(f["client_hello_frames"], json!([106, 107]));
    assert_eq!(f["sni"], "www.google.com");
    assert_eq!(f["alpn_offered"], json!(["h3"]));
    // RFC 9001 §4.2: QUIC offers TLS 1.3 and nothing older.
    assert_eq!(f["versions_offered"], json!(["TLS 1.3"]));
    assert_eq!(f["version"], "TLS 1.3");
    assert_eq!(f["cipher_suite"], "TLS_AES_256_GCM_SHA384");
    assert_eq!(f["post_quantum_key_share"], json!(["X25519MLKEM768"]));
    assert_eq!(f["server_hello_frame"], 109);
    assert_eq!(f["encrypted_from_frame"], 109);
    assert_eq!(f["round_trips"], 1);
    assert_eq!(
        f["messages"],
        json!([
            {"type": "client_hello", "frame": 107},
            {"type": "server_hello", "frame": 109},
            {"type": "encrypted_handshake_message", "frame": 109},
            {"type": "encrypted_handshake_message", "frame": 110},
        ])
    );
    // From the ClientHello's last Initial to the client's Handshake packet
    // that carries its Finished.
    assert_eq!(tls["frames"], json!([106, 107, 109, 110]));
    let tls_text = lines(tls);
    assert!(
        tls_text.contains("reassembled from the CRYPTO frames of 2 QUIC Initial packets"),
        "{tls_text}"
    );
    assert!(!tls_text.contains("TCP segment"), "{tls_text}");
    assert!(tls_text.contains("RFC 9001 §5.2"), "{tls_text}");
    assert!(
        tls_text.contains("the client's Finished goes out in frame 110"),
        "{tls_text}"
    );
    assert_eq!(sections_of(&tls["notes_check"]), ["07"]);

    let http = step(l, "http");
    let https = &http["facts"]["https"][0];
    assert_eq!(https["sni"], "www.google.com");
    assert_eq!(https["alpn_offered"], json!(["h3"]));
    // 1-RTT packets per direction, against tshark's count of short headers.
    if have_tshark() {
        let count = |filter: &str| -> u64 {
            tshark_fields(
                &sample(SAMPLE),
                &["-Y", filter],
                &["quic.header_form", "quic.fixed_bit"],
            )
            .into_iter()
            .map(|cols| {
                split(&cols[0])
                    .iter()
                    .zip(split(cols.get(1).map_or("", String::as_str)))
                    .filter(|(form, fixed)| *form == "0" && (fixed == "1" || fixed == "True"))
                    .count() as u64
            })
            .sum()
        };
        assert_eq!(
            https["quic_1rtt_packets"],
            json!([
                count("quic && udp.dstport==443"),
                count("quic && udp.srcport==443")
            ])
        );
    }
    // No request is claimed where the encryption hides which packet holds one.
    assert!(https["request_frame"].is_null());
    assert!(lines(http).contains("HTTP/3 over QUIC"));

    let teardown = step(l, "tcp_teardown");
    assert_eq!(teardown["status"], "not_applicable");
    assert!(
        lines(teardown).contains("CONNECTION_CLOSE"),
        "{}",
        lines(teardown)
    );
}

fn sections_of(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|n| n["section"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_packet_lines_summarise_quic() {
    let path = sample(SAMPLE);
    let out = netexplain(&["packets", path.to_str().unwrap(), "--no-summary"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |n: u64| -> &str {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(&n.to_string()))
            .unwrap_or_else(|| panic!("no line for frame {n}"))
    };
    let ch = line(107);
    assert!(
        ch.contains(" QUIC Initial v1 DCID=fd80fe1ac5a30b7e PKN=2 [CRYPTO 957+56, PING, "),
        "{ch}"
    );
    assert!(
        ch.contains("ClientHello SNI=www.google.com ALPN=h3, offers TLS 1.3"),
        "{ch}"
    );
    assert!(ch.contains("(reassembled from frames 106–107)"), "{ch}");
    let sh = line(109);
    assert!(
        sh.contains("QUIC Initial v1 DCID=- SCID=846046a2e86c7d48 PKN=1 [ACK 2, CRYPTO 0+90] + Handshake v1 DCID=- SCID=846046a2e86c7d48 + 1-RTT DCID=-; ServerHello chooses TLS 1.3, TLS_AES_256_GCM_SHA384"),
        "{sh}"
    );
    assert!(line(111).contains("QUIC 1-RTT DCID=846046a2e86c7d48"));
}
