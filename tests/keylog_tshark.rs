//! Decryption with a key log against tshark with `-o tls.keylog_file:…`
//! on every keyed sample (a capture with a `.keys` file beside it, both
//! recorded by samples/lab/keylog.sh from curl with SSLKEYLOGFILE set):
//! per frame, the handshake message types (cleartext and decrypted), the
//! HTTP/1.x request methods and response status codes are equal. Also: no
//! secret of the key log appears in any output format, and the errors of
//! a bad or foreign key log are clear. keylog-embedded.pcapng carries its
//! secrets in a Decryption Secrets Block: both read them with no option.
//! What decryption reveals is compared field by field too: the ALPN
//! protocols (EncryptedExtensions in TLS 1.3), the signature schemes
//! (CertificateVerify), the ticket lifetimes (NewSessionTicket), and each
//! certificate's SAN names, signature algorithm and curve.

mod common;

use common::*;
use netexplain::decode::tls::HandshakeKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The samples of TLS over TCP with a key log beside them (the QUIC
/// ones are compared in tests/quic_keys.rs).
fn keyed() -> Vec<(PathBuf, PathBuf)> {
    let v: Vec<_> = all_samples()
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("quic-")
        })
        .filter_map(|p| {
            let k = p.with_extension("keys");
            k.exists().then_some((p, k))
        })
        .collect();
    assert!(v.len() >= 3, "the keyed samples are committed");
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Per frame: handshake type codes, HTTP methods, HTTP status codes.
type Rows = BTreeMap<u64, (Vec<u8>, Vec<String>, Vec<String>)>;

fn ours(pcap: &Path, keys: Option<&Path>) -> Rows {
    let mut args = vec!["packets", s(pcap), "--format", "json", "--no-summary"];
    if let Some(k) = keys {
        args.extend(["--keylog", s(k)]);
    }
    let packets = ndjson(&args);
    let mut rows = Rows::new();
    for p in packets {
        let frame = p["frame"].as_u64().unwrap();
        let mut row = (Vec::new(), Vec::new(), Vec::new());
        for h in p["tls"]["handshakes"].as_array().into_iter().flatten() {
            let kind = HandshakeKind::from_name(h["type"].as_str().unwrap()).unwrap();
            // tshark shows no type for a message it could not decrypt.
            if let Some(code) = kind
                .code()
                .filter(|_| kind != HandshakeKind::EncryptedHandshakeMessage)
            {
                row.0.push(code);
            }
        }
        for m in p["http"].as_array().into_iter().flatten() {
            if let Some(method) = m["method"].as_str() {
                row.1.push(method.to_string());
            }
            if let Some(status) = m["status"].as_u64() {
                row.2.push(status.to_string());
            }
        }
        if row != Default::default() {
            rows.insert(frame, row);
        }
    }
    rows
}

fn theirs(pcap: &Path, keys: Option<&Path>) -> Rows {
    let option = format!("tls.keylog_file:{}", keys.map_or("", s));
    let fields = tshark_fields(
        pcap,
        &["-o", &option, "-E", "occurrence=a", "-E", "aggregator=,"],
        &[
            "frame.number",
            "tls.handshake.type",
            "http.request.method",
            "http.response.code",
        ],
    );
    let split = |f: &str| -> Vec<String> {
        f.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut rows = Rows::new();
    for f in fields {
        let row = (
            split(&f[1]).iter().map(|t| t.parse().unwrap()).collect(),
            split(&f[2]),
            split(&f[3]),
        );
        if row != Default::default() {
            rows.insert(f[0].parse().unwrap(), row);
        }
    }
    rows
}

/// Per frame: ALPN names, signature schemes, ticket lifetimes, SAN names,
/// certificate signature algorithm and key curve names.
type Revealed = BTreeMap<u64, [Vec<String>; 5]>;

fn revealed_ours(pcap: &Path, keys: Option<&Path>) -> Revealed {
    let mut args = vec!["packets", s(pcap), "--format", "json", "--no-summary"];
    if let Some(k) = keys {
        args.extend(["--keylog", s(k)]);
    }
    let mut rows = Revealed::new();
    for p in ndjson(&args) {
        let mut row: [Vec<String>; 5] = Default::default();
        let handshakes = p["tls"]["handshakes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // tshark's sig_hash_alg also holds a ServerKeyExchange's
        // signature, which this JSON names rather than numbers.
        let ske = handshakes
            .iter()
            .any(|h| h.get("server_key_exchange").is_some());
        for h in &handshakes {
            for a in h["alpn"].as_array().into_iter().flatten() {
                row[0].push(a.as_str().unwrap().to_string());
            }
            if !ske {
                let algs = h["signature_algorithms"].as_array().into_iter().flatten();
                for n in algs.chain(h.get("signature_scheme")) {
                    row[1].push(format!("{:#06x}", n.as_u64().unwrap()));
                }
            }
            if let Some(t) = h.get("ticket_lifetime") {
                row[2].push(t.to_string());
            }
            for c in h["certificates"].as_array().into_iter().flatten() {
                for n in c["san"].as_array().into_iter().flatten() {
                    row[3].push(n.as_str().unwrap().to_string());
                }
                row[4].push(c["signature_algorithm"].as_str().unwrap().to_string());
                let key = c["key_type"].as_str().unwrap();
                if let Some(curve) = key.strip_prefix("EC ") {
                    row[4].push(curve.to_string());
                }
            }
        }
        if row != <[Vec<String>; 5]>::default() {
            rows.insert(p["frame"].as_u64().unwrap(), row);
        }
    }
    rows
}

/// tshark's dotted OID by the registry's short name, as ours are named.
fn oid_name(dotted: &str) -> String {
    use x509_parser::objects::{oid2sn, oid_registry};
    let oid: x509_parser::oid_registry::Oid = dotted.parse().unwrap();
    oid2sn(&oid, oid_registry()).unwrap().to_string()
}

fn revealed_theirs(pcap: &Path, keys: Option<&Path>) -> Revealed {
    let option = format!("tls.keylog_file:{}", keys.map_or("", s));
    let fields = tshark_fields(
        pcap,
        &["-o", &option, "-E", "occurrence=a", "-E", "aggregator=,"],
        &[
            "frame.number",
            "tls.handshake.extensions_alpn_str",
            "tls.handshake.sig_hash_alg",
            "tls.handshake.session_ticket_lifetime_hint",
            "x509ce.dNSName",
            "x509af.algorithm.id",
            "pkcs1.namedCurve",
            "tls.handshake.type",
        ],
    );
    let split = |f: &str| -> Vec<String> {
        f.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut rows = Revealed::new();
    for f in fields {
        // A ServerKeyExchange (12) signs with a scheme ours names only.
        let ske = split(&f[7]).iter().any(|t| t == "12");
        // Each certificate's AlgorithmIdentifiers: the TBS signature, the
        // key's algorithm, the outer signatureAlgorithm; ours keeps the
        // outer one and the curve.
        let algs: Vec<String> = split(&f[5]).iter().map(|o| oid_name(o)).collect();
        let mut certs = Vec::new();
        let curves: Vec<String> = split(&f[6]).iter().map(|o| oid_name(o)).collect();
        for (i, c) in algs.chunks(3).enumerate() {
            certs.push(c[2].clone());
            if c[1] == "id-ecPublicKey" {
                certs.extend(curves.get(i).cloned());
            }
        }
        let row = [
            split(&f[1]),
            if ske { Vec::new() } else { split(&f[2]) },
            split(&f[3]),
            split(&f[4]),
            certs,
        ];
        if row != <[Vec<String>; 5]>::default() {
            rows.insert(f[0].parse().unwrap(), row);
        }
    }
    rows
}

#[test]
fn what_decryption_reveals_matches_tshark() {
    if !have_tshark() {
        return;
    }
    let embedded = (sample("keylog-embedded.pcapng"), None);
    let keyed = keyed().into_iter().map(|(p, k)| (p, Some(k)));
    for (pcap, keys) in keyed.chain([embedded]) {
        let ours = revealed_ours(&pcap, keys.as_deref());
        let theirs = revealed_theirs(&pcap, keys.as_deref());
        assert_eq!(ours, theirs, "{}", pcap.display());
        // Every sample shows a certificate and a ticket lifetime or a
        // CertificateVerify scheme.
        assert!(
            ours.values().any(|r| !r[4].is_empty()),
            "{}",
            pcap.display()
        );
    }
}

#[test]
fn decrypted_handshakes_and_http_match_tshark() {
    if !have_tshark() {
        return;
    }
    let embedded = (sample("keylog-embedded.pcapng"), None);
    let keyed = keyed().into_iter().map(|(p, k)| (p, Some(k)));
    for (pcap, keys) in keyed.chain([embedded]) {
        let ours = ours(&pcap, keys.as_deref());
        let theirs = theirs(&pcap, keys.as_deref());
        assert_eq!(ours, theirs, "{}", pcap.display());
        // The decryption did reveal something: a Finished at least.
        assert!(
            ours.values().any(|r| r.0.contains(&20)),
            "{}: no Finished decrypted",
            pcap.display()
        );
    }
}

/// Every secret of the key log, in hex, both cases.
fn secrets(keys: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(keys).unwrap();
    secrets_of(&text)
}

fn secrets_of(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for line in text.lines() {
        if let Some(secret) = line.split_whitespace().nth(2) {
            v.push(secret.to_ascii_lowercase());
            v.push(secret.to_ascii_uppercase());
        }
    }
    assert!(!v.is_empty());
    v
}

#[test]
fn no_secret_reaches_any_output() {
    let formats: &[&[&str]] = &[
        &["packets"],
        &["packets", "-v"],
        &["packets", "--format", "json"],
        &["conversations"],
        &["conversations", "--format", "json"],
        &["explain"],
        &["explain", "--lang", "zh"],
        &["explain", "--format", "json"],
        &["explain", "--format", "md"],
        &["explain", "--format", "html"],
    ];
    let embedded = sample("keylog-embedded.pcapng");
    let text = netexplain::capture::secrets::tls_key_log(&embedded).unwrap();
    let embedded = (
        embedded,
        None,
        secrets_of(&String::from_utf8(text).unwrap()),
    );
    let keyed = keyed().into_iter().map(|(p, k)| {
        let secrets = secrets(&k);
        (p, Some(k), secrets)
    });
    let cases: Vec<_> = keyed.chain([embedded]).collect();
    // stats, follow and export take no --keylog: they decrypt with a
    // capture's own secrets (keylog-embedded), and are checked on every
    // keyed capture all the same.
    let dir = fresh_dir("keylog-secrets-export");
    for (pcap, _, secrets) in &cases {
        let unkeyed: &[&[&str]] = &[
            &["stats"],
            &["stats", "--format", "json"],
            &["follow", "tcp", "0"],
            &["follow", "tls", "0"],
            &["follow", "tls", "0", "--format", "json"],
        ];
        let mut runs: Vec<Vec<String>> = unkeyed
            .iter()
            .map(|a| {
                let mut v: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                v.insert(3.min(v.len()), s(pcap).to_string());
                v
            })
            .collect();
        let to = dir.join(pcap.file_name().unwrap());
        runs.push(vec![
            "export".into(),
            "--to".into(),
            s(&to).into(),
            s(pcap).into(),
        ]);
        for args in runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = netexplain(&args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = [out.stdout, out.stderr].concat();
            let text = String::from_utf8_lossy(&text);
            for secret in secrets {
                assert!(!text.contains(secret.as_str()), "{args:?} prints a secret");
            }
        }
        // The Parquet files, searched raw: a secret's hex would be a
        // string column value, which Snappy mostly keeps as literals (a
        // weaker check than on text output).
        for entry in walk(&to) {
            let bytes = std::fs::read(&entry).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{} holds a secret",
                    entry.display()
                );
            }
        }
    }
    for (pcap, keys, secrets) in cases {
        for args in formats {
            let mut all: Vec<&str> = args.to_vec();
            all.push(s(&pcap));
            if let Some(k) = &keys {
                all.extend(["--keylog", s(k)]);
            }
            let out = netexplain(&all);
            assert!(
                out.status.success(),
                "{all:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = [out.stdout, out.stderr].concat();
            let text = String::from_utf8_lossy(&text);
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "{all:?} prints a secret");
            }
        }
    }
}

#[test]
fn a_malformed_key_log_names_its_line() {
    let dir = fresh_dir("keylog-malformed");
    let bad = dir.join("bad.keys");
    std::fs::write(&bad, "# lab\n\nCLIENT_RANDOM 00ff 1234\n").unwrap();
    let (pcap, _) = &keyed()[0];
    let out = netexplain(&["packets", s(pcap), "--keylog", s(&bad)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:3: malformed key log line: the client random is not 32 bytes",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn a_key_log_of_another_capture_says_so_and_decrypts_nothing() {
    // Two of curl's captures, one TLS connection each.
    let all: Vec<_> = keyed()
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().contains("chromium"))
        .collect();
    let (pcap, _) = &all[0];
    let (_, other) = &all[1];
    let out = netexplain(&["packets", s(pcap), "--keylog", s(other), "--format", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no secrets for this capture's client randoms (1 TLS connections)"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"decrypted\":true"));
}

#[test]
fn a_wrong_secret_fails_authentication_and_stops_that_direction() {
    let (pcap, keys) = keyed()
        .into_iter()
        .find(|(p, _)| p.ends_with("keylog-tls13-http1.pcapng"))
        .unwrap();
    let text = std::fs::read_to_string(&keys).unwrap();
    // One secret changed in its last hex digit: the server's handshake
    // records no longer authenticate; the client's still do.
    let changed: String = text
        .lines()
        .map(|l| {
            if l.starts_with("SERVER_HANDSHAKE_TRAFFIC_SECRET ") {
                let (head, last) = l.split_at(l.len() - 1);
                format!("{head}{}\n", if last == "0" { "1" } else { "0" })
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let dir = fresh_dir("keylog-wrong");
    let wrong = dir.join("wrong.keys");
    std::fs::write(&wrong, changed).unwrap();
    let out = netexplain(&[
        "packets",
        s(&pcap),
        "--keylog",
        s(&wrong),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 TLS records failed authentication"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .matches("a record from the server failed authentication")
            .count(),
        1
    );
    // The client's Finished is still read with its own secret.
    assert!(stdout.contains("{\"type\":\"finished\",\"decrypted\":true"));
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
