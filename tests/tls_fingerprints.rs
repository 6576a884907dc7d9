//! TLS fingerprints and certificates, compared with tshark 4.0:
//! - JA3/JA3S strings and hashes of every hello in every sample, against
//!   tshark's `tls.handshake.ja3*` fields;
//! - JA4/JA4S of the samples' hellos, derived here by hand from the fields
//!   tshark prints (ciphers, extension types, supported versions, ALPN,
//!   signature algorithms), following FoxIO's JA4.md and JA4S.md — tshark
//!   4.0 does not compute JA4 itself;
//! - the certificate and ServerKeyExchange of samples/curl-tls12.pcapng,
//!   field by field against tshark's x509 and TLS fields.
//!
//! The published JA4 vectors of the FoxIO repository are checked by the unit
//! tests in src/decode/fingerprint.rs and src/decode/tls.rs.

mod common;

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// tshark's fields for frames matching `filter`, one row per frame, with
/// multiple occurrences of a field joined by `|` (JA3 strings hold commas).
fn tshark_rows(path: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    tshark_fields(path, &["-Y", filter, "-E", "aggregator=|"], fields)
}

fn split_values(field: &str) -> Vec<String> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split('|').map(str::to_string).collect()
    }
}

/// Our handshakes of one kind, by frame.
fn our_handshakes<'a>(packets: &'a [Value], kinds: &[&str]) -> BTreeMap<u64, Vec<&'a Value>> {
    let mut by_frame: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for p in packets {
        // Hellos over TCP, and hellos carried in QUIC CRYPTO frames.
        let quic = std::iter::once(&p["quic"])
            .chain(p["quic_more"].as_array().into_iter().flatten())
            .filter_map(|q| q["handshakes"].as_array());
        let hs = p["tls"]["handshakes"]
            .as_array()
            .into_iter()
            .chain(quic)
            .flatten();
        for h in hs {
            if kinds.contains(&h["type"].as_str().unwrap_or("")) {
                by_frame
                    .entry(p["frame"].as_u64().unwrap())
                    .or_default()
                    .push(h);
            }
        }
    }
    by_frame
}

#[test]
fn ja3_and_ja3s_of_every_hello_match_tshark() {
    if !have_tshark() {
        return;
    }
    let mut compared = 0;
    for path in cleartext_samples() {
        let packets = packets_json(&path);
        for (kind, filter, hash_field, full_field, ours_hash, ours_full) in [
            (
                "client_hello",
                "tls.handshake.type == 1",
                "tls.handshake.ja3",
                "tls.handshake.ja3_full",
                "ja3",
                "ja3_string",
            ),
            (
                "server_hello",
                "tls.handshake.type == 2",
                "tls.handshake.ja3s",
                "tls.handshake.ja3s_full",
                "ja3s",
                "ja3s_string",
            ),
        ] {
            let theirs = tshark_rows(&path, filter, &["frame.number", hash_field, full_field]);
            // tshark counts a HelloRetryRequest as a ServerHello (type 2).
            let also: &[&str] = if kind == "server_hello" {
                &["hello_retry_request"]
            } else {
                &[]
            };
            let kinds: Vec<&str> = std::iter::once(kind).chain(also.iter().copied()).collect();
            let ours = our_handshakes(&packets, &kinds);
            let at = |frame: &str| format!("{} frame {frame} {kind}", path.display());
            assert_eq!(
                ours.len(),
                theirs.len(),
                "{}: frames with a {kind}: ours {:?}",
                path.display(),
                ours.keys().collect::<Vec<_>>()
            );
            for row in &theirs {
                let frame: u64 = row[0].parse().unwrap();
                let hashes = split_values(&row[1]);
                let strings = split_values(&row[2]);
                let mine = ours
                    .get(&frame)
                    .unwrap_or_else(|| panic!("{}: no {kind} of ours", at(&row[0])));
                let my_hashes: Vec<&str> = mine
                    .iter()
                    .map(|h| h[ours_hash].as_str().unwrap())
                    .collect();
                let my_strings: Vec<&str> = mine
                    .iter()
                    .map(|h| h[ours_full].as_str().unwrap())
                    .collect();
                assert_eq!(my_strings, strings, "{}", at(&row[0]));
                assert_eq!(my_hashes, hashes, "{}", at(&row[0]));
                compared += hashes.len();
            }
        }
    }
    // The samples hold at least the four TLS connections' hellos.
    assert!(compared >= 12, "only {compared} hellos compared");
}

fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn hex_value(s: &str) -> u16 {
    u16::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn version_chars(versions: &[u16], legacy: u16, has_extension: bool) -> &'static str {
    let v = if has_extension {
        versions.iter().copied().filter(|v| !is_grease(*v)).max()
    } else {
        Some(legacy)
    };
    match v {
        Some(0x0304) => "13",
        Some(0x0303) => "12",
        Some(0x0302) => "11",
        Some(0x0301) => "10",
        _ => "00",
    }
}

fn alpn_chars(first: Option<&str>) -> String {
    match first.map(str::as_bytes) {
        Some([]) | None => "00".into(),
        Some(b) => {
            let (a, z) = (b[0], b[b.len() - 1]);
            assert!(a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
            format!("{}{}", a as char, z as char)
        }
    }
}

const HELLO_FIELDS: &[&str] = &[
    "frame.number",
    "tls.handshake.version",
    "tls.handshake.ciphersuite",
    "tls.handshake.extension.type",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_alpn_str",
    "tls.handshake.sig_hash_alg",
];

/// JA4 and JA4S written out from tshark's fields, by the rules of JA4.md
/// and JA4S.md, for a Chrome hello with GREASE (chromium-pageload), curl
/// with TLS 1.3 (curl-ipv6) and curl with TLS 1.2 (curl-tls12).
#[test]
fn ja4_and_ja4s_derived_from_tsharks_fields() {
    if !have_tshark() {
        return;
    }
    let mut checked = 0;
    for name in [
        "chromium-pageload.pcapng",
        "curl-ipv6.pcapng",
        "curl-tls12.pcapng",
        "http3.pcapng",
    ] {
        // JA4's first character: the hello came over TCP or QUIC.
        let proto = if name == "http3.pcapng" { 'q' } else { 't' };
        let path = sample(name);
        let packets = packets_json(&path);
        let clients = our_handshakes(&packets, &["client_hello"]);
        for row in tshark_rows(&path, "tls.handshake.type == 1", HELLO_FIELDS) {
            let at = format!("{name} frame {}", row[0]);
            let legacy = hex_value(&row[1]);
            let ciphers: Vec<u16> = split_values(&row[2])
                .iter()
                .map(|c| hex_value(c))
                .filter(|c| !is_grease(*c))
                .collect();
            let extensions: Vec<u16> = split_values(&row[3])
                .iter()
                .map(|e| e.parse().unwrap())
                .filter(|e| !is_grease(*e))
                .collect();
            // tshark prints sig_hash_alg for signature_algorithms_cert and
            // delegated_credentials too; these hellos send neither.
            assert!(
                !extensions.contains(&50) && !extensions.contains(&34),
                "{at}"
            );
            let versions: Vec<u16> = split_values(&row[4]).iter().map(|v| hex_value(v)).collect();
            let alpn = split_values(&row[5]);
            let sigs: Vec<String> = split_values(&row[6])
                .iter()
                .map(|s| hex_value(s))
                .filter(|s| !is_grease(*s))
                .map(|s| format!("{s:04x}"))
                .collect();

            let mut sorted_ciphers: Vec<String> =
                ciphers.iter().map(|c| format!("{c:04x}")).collect();
            sorted_ciphers.sort();
            let mut sorted_extensions: Vec<String> = extensions
                .iter()
                .filter(|e| **e != 0 && **e != 16)
                .map(|e| format!("{e:04x}"))
                .collect();
            sorted_extensions.sort();
            let mut c = sorted_extensions.join(",");
            if !sigs.is_empty() {
                c = format!("{c}_{}", sigs.join(","));
            }
            let expected = format!(
                "{proto}{}{}{:02}{:02}{}_{}_{}",
                version_chars(&versions, legacy, extensions.contains(&43)),
                if extensions.contains(&0) { 'd' } else { 'i' },
                ciphers.len().min(99),
                extensions.len().min(99),
                alpn_chars(alpn.first().map(String::as_str)),
                hash12(&sorted_ciphers.join(",")),
                hash12(&c),
            );
            let frame: u64 = row[0].parse().unwrap();
            let ours = &clients[&frame];
            assert_eq!(ours.len(), 1, "{at}");
            assert_eq!(ours[0]["ja4"], expected.as_str(), "{at}");
            checked += 1;
        }

        let servers = our_handshakes(&packets, &["server_hello"]);
        for row in tshark_rows(&path, "tls.handshake.type == 2", HELLO_FIELDS) {
            let at = format!("{name} frame {}", row[0]);
            let extensions: Vec<String> = split_values(&row[3])
                .iter()
                .map(|e| format!("{:04x}", e.parse::<u16>().unwrap()))
                .collect();
            let versions: Vec<u16> = split_values(&row[4]).iter().map(|v| hex_value(v)).collect();
            let alpn = split_values(&row[5]);
            let expected = format!(
                "{proto}{}{:02}{}_{:04x}_{}",
                version_chars(&versions, hex_value(&row[1]), !versions.is_empty()),
                extensions.len(),
                alpn_chars(alpn.first().map(String::as_str)),
                hex_value(&row[2]),
                hash12(&extensions.join(",")),
            );
            let frame: u64 = row[0].parse().unwrap();
            assert_eq!(servers[&frame][0]["ja4s"], expected.as_str(), "{at}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} hellos checked");
}

/// Chromium's hellos in the samples (extensions shuffled differently in each
/// connection, GREASE in the signature algorithms) all have the JA4 that
/// FoxIO publish for the Chrome of their sigalg-grease capture (FoxIO-LLC/ja4
/// rust/ja4/src/snapshots/ja4__insta@sigalg-grease.pcapng.snap): sorting
/// makes JA4 stable where JA3 is not.
#[test]
fn chrome_matches_foxios_published_fingerprint() {
    let packets = packets_json(&sample("chromium-pageload.pcapng"));
    let hellos = our_handshakes(&packets, &["client_hello"]);
    assert_eq!(hellos.len(), 3);
    let mut ja3s: Vec<&str> = Vec::new();
    for h in hellos.values().flatten() {
        assert_eq!(h["ja4"], "t13d1517h2_8daaf6152771_cb7bf5808d99");
        ja3s.push(h["ja3"].as_str().unwrap());
    }
    ja3s.dedup();
    assert_eq!(ja3s.len(), 3, "JA3 keeps the shuffled order");
}

/// "2026-11-24 05:25:54 (UTC)" → "2026-11-24T05:25:54Z".
fn tshark_time(s: &str) -> String {
    let s = s.trim_end_matches(" (UTC)");
    format!("{}Z", s.replacen(' ', "T", 1))
}

#[test]
fn tls12_certificate_matches_tsharks_x509_fields() {
    if !have_tshark() {
        return;
    }
    let path = sample("curl-tls12.pcapng");
    let packets = packets_json(&path);
    let rows = tshark_rows(
        &path,
        "tls.handshake.type == 11",
        &[
            "frame.number",
            "x509sat.printableString",
            "x509sat.uTF8String",
            "x509ce.dNSName",
            "x509ce.iPAddress",
            "x509af.utcTime",
            "x509af.serialNumber",
            "tls.handshake.certificate_length",
        ],
    );
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let frame: u64 = row[0].parse().unwrap();
    let ours = &our_handshakes(&packets, &["certificate"])[&frame];
    let certs = ours[0]["certificates"].as_array().unwrap();
    assert_eq!(
        certs.len(),
        split_values(&row[7]).len(),
        "one entry per certificate"
    );
    assert_eq!(certs.len(), 1);
    let cert = &certs[0];

    // Directory strings: tshark lists the issuer's, then the subject's.
    let mut theirs: Vec<String> = split_values(&row[1]);
    theirs.extend(split_values(&row[2]));
    theirs.sort();
    let mut mine: Vec<String> = [&cert["issuer"], &cert["subject"]]
        .iter()
        .flat_map(|dn| {
            dn.as_str()
                .unwrap()
                .split(", ")
                .map(|rdn| rdn.split_once('=').unwrap().1.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    mine.sort();
    assert_eq!(mine, theirs);
    assert_eq!(cert["subject"], "CN=www.google.com");

    let mut san = split_values(&row[3]);
    san.extend(split_values(&row[4]));
    let my_san: Vec<&str> = cert["san"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(my_san, san);
    assert_eq!(san.len(), 3);

    let validity = split_values(&row[5]);
    assert_eq!(validity.len(), 2);
    assert_eq!(cert["not_before"], tshark_time(&validity[0]).as_str());
    assert_eq!(cert["not_after"], tshark_time(&validity[1]).as_str());
    assert_eq!(cert["serial"], row[6].trim_start_matches("0x"));
}

/// tshark's verbose lines "Named Curve: x25519 (0x001d)" and "Signature
/// Algorithm: ecdsa_secp256r1_sha256 (0x0403)" against ours.
#[test]
fn server_key_exchange_matches_tshark() {
    if !have_tshark() {
        return;
    }
    let path = sample("curl-tls12.pcapng");
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-n", "-Y", "tls.handshake.type == 12", "-O", "tls"])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let named = |label: &str| -> String {
        let line = text
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in tshark's output"));
        line.split(" (").next().unwrap().to_string()
    };
    let curve = named("Named Curve: ");
    let signature = named("Signature Algorithm: ");
    let packets = packets_json(&path);
    let ske = our_handshakes(&packets, &["server_key_exchange"]);
    let ske = &ske.values().next().unwrap()[0]["server_key_exchange"];
    assert_eq!(ske["key_exchange"], "ECDHE");
    assert_eq!(ske["curve"], curve.as_str());
    assert_eq!(ske["signature_algorithm"], signature.as_str());
}

/// The packet line names the certificate and the curve; `-v` shows the
/// fingerprints.
#[test]
fn text_lines() {
    let path = sample("curl-tls12.pcapng");
    let out = netexplain(&["packets", path.to_str().unwrap(), "--no-summary"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("10 "))
        .unwrap();
    assert!(
        line.contains(
            "; certificate www.google.com, SAN google.com +2; server key exchange x25519;"
        ),
        "{line}"
    );
    let out = netexplain(&["packets", path.to_str().unwrap(), "--no-summary", "-v"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // tshark's tls.handshake.ja3 of frame 8.
    assert!(
        text.contains("ja3: 87b9bfc7da97115ed2276737b09f8d74"),
        "{text}"
    );
    assert!(text.contains("ja4s: t1205h1_c02c_"), "{text}");
}

/// Every record of every sample — content type and length, on the frame
/// that completes it — and every alert, against tshark's `tls.record.*`
/// and `tls.alert_message.*`. tshark names a TLS 1.3 record's type
/// `opaque_type`; those follow the plaintext records of the same frame.
#[test]
fn records_and_alerts_match_tshark() {
    if !have_tshark() {
        return;
    }
    let type_number = |name: &str| match name {
        "change_cipher_spec" => 20,
        "alert" => 21,
        "handshake" => 22,
        "application_data" => 23,
        "heartbeat" => 24,
        other => panic!("content type {other}"),
    };
    let (mut records, mut alerts) = (0, 0);
    for path in cleartext_samples() {
        let packets = packets_json(&path);
        let mut ours: BTreeMap<u64, &Value> = BTreeMap::new();
        for p in &packets {
            if p["tls"]["records"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
            {
                ours.insert(p["frame"].as_u64().unwrap(), &p["tls"]);
            }
        }
        let rows = tshark_rows(
            &path,
            "tls.record",
            &[
                "frame.number",
                "tls.record.content_type",
                "tls.record.opaque_type",
                "tls.record.length",
                "tls.alert_message.level",
            ],
        );
        assert_eq!(rows.len(), ours.len(), "{}", path.display());
        for row in rows {
            let at = format!("{} frame {}", path.display(), row[0]);
            let tls = ours
                .get(&row[0].parse::<u64>().unwrap())
                .unwrap_or_else(|| panic!("{at}: no records of ours"));
            let mut types: Vec<u8> = split_values(&row[1])
                .iter()
                .map(|t| t.parse().unwrap())
                .collect();
            types.extend(
                split_values(&row[2])
                    .iter()
                    .map(|t| t.parse::<u8>().unwrap()),
            );
            let lengths: Vec<u64> = split_values(&row[3])
                .iter()
                .map(|l| l.parse().unwrap())
                .collect();
            let mine: Vec<(u8, u64)> = tls["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        type_number(r["content_type"].as_str().unwrap()),
                        r["length"].as_u64().unwrap(),
                    )
                })
                .collect();
            let theirs: Vec<(u8, u64)> = types.into_iter().zip(lengths).collect();
            assert_eq!(mine, theirs, "{at}");
            records += mine.len();

            // An alert tshark cannot read is encrypted (after
            // ChangeCipherSpec); a readable one has its level.
            let levels = split_values(&row[4]);
            let my_alerts = tls["alerts"].as_array().map_or(&[][..], Vec::as_slice);
            let alert_records = mine.iter().filter(|(t, _)| *t == 21).count();
            assert_eq!(my_alerts.len(), alert_records, "{at}");
            for (i, alert) in my_alerts.iter().enumerate() {
                let expected = match levels.get(i).map(String::as_str) {
                    None => "encrypted",
                    Some("1") => "warning",
                    Some("2") => "fatal",
                    Some(other) => panic!("{at}: alert level {other}"),
                };
                assert_eq!(alert["level"], expected, "{at}");
                alerts += 1;
            }
        }
    }
    assert!(
        records > 50 && alerts >= 1,
        "{records} records, {alerts} alerts"
    );
}
