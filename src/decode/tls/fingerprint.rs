//! TLS hello fingerprints: JA3 and JA3S (Salesforce), JA4 and JA4S
//! (FoxIO's JA4+ specification, `technical_details/JA4.md` and `JA4S.md`).
//!
//! They are computed from the values the hello parser keeps, so a hello
//! carried by TCP, QUIC CRYPTO frames or DTLS gets the same treatment; only
//! JA4's first character says which transport carried it.

use super::handshake::{HandshakeKind, TlsHandshake};
use super::names::is_grease;
use crate::decode::cursor::hex;
use md5::Md5;
use sha2::{Digest, Sha256};

/// What carried the hello: JA4's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TLS over TCP: `t`.
    Tcp,
    /// TLS in QUIC CRYPTO frames (RFC 9001): `q`.
    Quic,
    /// DTLS over UDP: `d`.
    Dtls,
}

impl Transport {
    fn marker(self) -> char {
        match self {
            Transport::Tcp => 't',
            Transport::Quic => 'q',
            Transport::Dtls => 'd',
        }
    }
}

/// Extension numbers JA4 treats specially (RFC 6066 §3, RFC 7301 §3.1).
const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_ALPN: u16 = 0x0010;

/// JA4's stand-in for a hash over an empty list: it shows that the list
/// was empty rather than hashing nothing.
const EMPTY_HASH: &str = "000000000000";

/// Fills the fingerprints of a parsed hello: `ja3`, `ja3_string`, `ja4`
/// and `ja4_r` on a ClientHello; `ja3s`, `ja3s_string`, `ja4s` and
/// `ja4s_r` on a ServerHello or HelloRetryRequest (which is a ServerHello
/// on the wire, RFC 8446 §4.1.4). Other messages are left alone.
pub fn fingerprint(h: &mut TlsHandshake, transport: Transport) {
    match h.kind {
        HandshakeKind::ClientHello => {
            let ja3 = ja3_string(h);
            h.ja3 = Some(md5_hex(&ja3));
            h.ja3_string = Some(ja3);
            let (ja4, raw) = ja4(h, transport);
            h.ja4 = Some(ja4);
            h.ja4_r = Some(raw);
        }
        HandshakeKind::ServerHello | HandshakeKind::HelloRetryRequest => {
            let ja3s = ja3s_string(h);
            h.ja3s = Some(md5_hex(&ja3s));
            h.ja3s_string = Some(ja3s);
            let (ja4s, raw) = ja4s(h, transport);
            h.ja4s = Some(ja4s);
            h.ja4s_r = Some(raw);
        }
        _ => {}
    }
}

fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

/// The first 12 hex characters of SHA-256, or `000000000000` for an empty
/// list (JA4.md, "Cipher hash" and "Extension hash").
fn hash12(s: &str) -> String {
    if s.is_empty() {
        return EMPTY_HASH.to_string();
    }
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

fn decimal_list<T: ToString>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

fn hex4_list(values: impl IntoIterator<Item = u16>) -> String {
    values
        .into_iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn without_grease(values: &[u16]) -> impl Iterator<Item = u16> + '_ {
    values.iter().copied().filter(|v| !is_grease(*v))
}

/// JA3: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
/// decimal values joined by `-`, GREASE (RFC 8701) left out; the version is
/// the hello's legacy_version and extensions keep their wire order.
pub fn ja3_string(h: &TlsHandshake) -> String {
    format!(
        "{},{},{},{},{}",
        h.raw.legacy_version,
        decimal_list(without_grease(&h.cipher_suites)),
        decimal_list(without_grease(&h.extensions)),
        decimal_list(without_grease(&h.supported_groups)),
        decimal_list(h.ec_point_formats.iter().copied()),
    )
}

/// JA3S: `SSLVersion,Cipher,Extensions` of a ServerHello.
pub fn ja3s_string(h: &TlsHandshake) -> String {
    format!(
        "{},{},{}",
        h.raw.legacy_version,
        h.cipher_suite.unwrap_or(0),
        decimal_list(without_grease(&h.extensions)),
    )
}

/// Newest first: DTLS numbers count down (0xfeff is DTLS 1.0, 0xfefc
/// DTLS 1.3, RFC 9147 §5.3), TLS numbers count up.
fn version_rank(v: u16) -> u32 {
    if v >> 8 == 0xfe {
        0x1_0000 + u32::from(0xffff - v)
    } else {
        u32::from(v)
    }
}

/// JA4's two version characters: the newest non-GREASE value of
/// supported_versions when the extension is present, else the legacy
/// version; the record-layer version is never used (JA4.md, "TLS and DTLS
/// Version").
fn ja4_version(h: &TlsHandshake) -> &'static str {
    let v = if h.extensions.contains(&43) {
        without_grease(&h.raw.supported_versions).max_by_key(|v| version_rank(*v))
    } else {
        Some(h.raw.legacy_version)
    };
    match v {
        Some(0x0304) => "13",
        Some(0x0303) => "12",
        Some(0x0302) => "11",
        Some(0x0301) => "10",
        Some(0x0300) => "s3",
        Some(0x0002) => "s2",
        Some(0xfeff) => "d1",
        Some(0xfefd) => "d2",
        Some(0xfefc) => "d3",
        _ => "00",
    }
}

/// The first and last characters of the first ALPN value: `00` when there
/// is none or it is empty; when its first or last byte is not an ASCII
/// letter or digit, the first and last characters of its hex form instead
/// (JA4.md, "ALPN Extension Value").
pub fn alpn_chars(first: Option<&[u8]>) -> String {
    let Some(value) = first.filter(|v| !v.is_empty()) else {
        return "00".to_string();
    };
    let (a, z) = (value[0], value[value.len() - 1]);
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        [char::from(a), char::from(z)].iter().collect()
    } else {
        let hex = hex(value);
        let mut out = String::with_capacity(2);
        out.push(hex.chars().next().unwrap_or('0'));
        out.push(hex.chars().last().unwrap_or('0'));
        out
    }
}

fn count2(n: usize) -> String {
    format!("{:02}", n.min(99))
}

/// JA4 of a ClientHello and its raw (unhashed, sorted) form `ja4_r`.
///
/// a: transport, version, `d` when the server_name extension is present
/// (else `i`), the number of cipher suites and of extensions (GREASE left
/// out, SNI and ALPN counted, at most 99), the ALPN characters;
/// b: the cipher suites as 4-digit hex, sorted, comma-separated;
/// c: the extensions likewise, without SNI and ALPN, then `_` and the
/// signature algorithms in wire order (no `_` when there are none).
/// b and c are hashed to 12 hex characters of SHA-256.
pub fn ja4(h: &TlsHandshake, transport: Transport) -> (String, String) {
    let mut ciphers: Vec<u16> = without_grease(&h.cipher_suites).collect();
    let extensions: Vec<u16> = without_grease(&h.extensions).collect();
    let a = format!(
        "{}{}{}{}{}{}",
        transport.marker(),
        ja4_version(h),
        if h.extensions.contains(&EXT_SERVER_NAME) {
            'd'
        } else {
            'i'
        },
        count2(ciphers.len()),
        count2(extensions.len()),
        alpn_chars(h.raw.first_alpn.as_deref()),
    );
    ciphers.sort_unstable();
    let mut hashed: Vec<u16> = extensions
        .into_iter()
        .filter(|e| *e != EXT_SERVER_NAME && *e != EXT_ALPN)
        .collect();
    hashed.sort_unstable();
    let b = hex4_list(ciphers);
    let mut c = hex4_list(hashed);
    let sigs = hex4_list(without_grease(&h.signature_algorithms));
    if !sigs.is_empty() {
        c.push('_');
        c.push_str(&sigs);
    }
    (
        format!("{a}_{}_{}", hash12(&b), hash12(&c)),
        format!("{a}_{b}_{c}"),
    )
}

/// JA4S of a ServerHello and its raw form `ja4s_r`: transport, version,
/// the number of extensions, the chosen ALPN's characters; the chosen
/// cipher suite as 4-digit hex; the extensions in wire order (servers do
/// not shuffle them), hashed (JA4S.md).
pub fn ja4s(h: &TlsHandshake, transport: Transport) -> (String, String) {
    let extensions: Vec<u16> = without_grease(&h.extensions).collect();
    let ab = format!(
        "{}{}{}{}_{:04x}",
        transport.marker(),
        ja4_version(h),
        count2(extensions.len()),
        alpn_chars(h.raw.first_alpn.as_deref()),
        h.cipher_suite.unwrap_or(0),
    );
    let c = hex4_list(extensions);
    (format!("{ab}_{}", hash12(&c)), format!("{ab}_{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tls::testdata::bytes;
    use crate::decode::tls::{parse_hello, HelloValues};

    fn u16s(hex4: &str) -> Vec<u16> {
        hex4.split(',')
            .map(|v| u16::from_str_radix(v, 16).unwrap())
            .collect()
    }

    /// The worked example of JA4.md (FoxIO-LLC/ja4,
    /// technical_details/JA4.md, "Example" and "Raw Output"): its cipher
    /// suites, extensions and signature algorithms in wire order, with
    /// GREASE put back where Chrome sends it to show it is ignored.
    fn ja4_md_example() -> TlsHandshake {
        let mut ciphers = vec![0x2a2a];
        ciphers.extend(u16s(
            "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
        ));
        let mut extensions = vec![0x7a7a];
        extensions.extend(u16s(
            "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
        ));
        extensions.push(0x3a3a);
        TlsHandshake {
            kind: HandshakeKind::ClientHello,
            cipher_suites: ciphers,
            extensions,
            signature_algorithms: u16s("0403,0804,0401,0503,0805,0501,0806,0601"),
            raw: HelloValues {
                legacy_version: 0x0303,
                supported_versions: vec![0x8a8a, 0x0304, 0x0303],
                first_alpn: Some(b"h2".to_vec()),
            },
            ..TlsHandshake::default()
        }
    }

    #[test]
    fn ja4_md_worked_example() {
        let h = ja4_md_example();
        let (hashed, raw) = ja4(&h, Transport::Tcp);
        assert_eq!(hashed, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_eq!(
            raw,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
        // JA4.md: without signature algorithms the string ends without an
        // underscore and hashes to 6d807ffa2a79.
        let mut no_sigs = h.clone();
        no_sigs.signature_algorithms.clear();
        assert!(ja4_of(&no_sigs).ends_with("_6d807ffa2a79"));
        // No SNI: `i`; QUIC: `q`; nothing to hash: twelve zeros.
        let mut bare = h.clone();
        bare.extensions.retain(|e| *e != 0);
        assert!(ja4_of(&bare).starts_with("t13i1515h2_"));
        assert!(ja4(&h, Transport::Quic).0.starts_with("q13d1516h2_"));
        assert!(ja4(&h, Transport::Dtls).0.starts_with("d13d"));
        let empty = TlsHandshake {
            kind: HandshakeKind::ClientHello,
            raw: HelloValues {
                legacy_version: 0x0303,
                ..HelloValues::default()
            },
            ..TlsHandshake::default()
        };
        assert_eq!(ja4_of(&empty), "t12i000000_000000000000_000000000000");
    }

    fn ja4_of(h: &TlsHandshake) -> String {
        ja4(h, Transport::Tcp).0
    }

    /// FoxIO-LLC/ja4 python/test/testdata/sigalg-grease.pcapng.json and
    /// rust/ja4/src/snapshots/ja4__insta@sigalg-grease.pcapng.snap: a
    /// Chrome hello with ECH and ML-DSA signature schemes, given there in
    /// wire order without GREASE (`JA4_ro`), and the server's answer
    /// (`JA4S_r`). GREASE goes back in at Chrome's places, one of them in
    /// the signature algorithms, which is what the capture is about.
    #[test]
    fn sigalg_grease_vector() {
        let mut ciphers = vec![0xdada];
        ciphers.extend(u16s(
            "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
        ));
        let mut extensions = vec![0x1a1a];
        extensions.extend(u16s(
            "fe0d,0010,0017,0033,44cd,ff01,000a,000d,0023,002b,000b,ca34,002d,0000,0005,001b,0012",
        ));
        extensions.push(0x4a4a);
        let mut sigs = vec![0x0a0a];
        sigs.extend(u16s(
            "0904,0905,0906,0403,0804,0401,0503,0805,0501,0806,0601",
        ));
        let h = TlsHandshake {
            kind: HandshakeKind::ClientHello,
            cipher_suites: ciphers,
            extensions,
            signature_algorithms: sigs,
            raw: HelloValues {
                legacy_version: 0x0303,
                supported_versions: vec![0x5a5a, 0x0304, 0x0303],
                first_alpn: Some(b"h2".to_vec()),
            },
            ..TlsHandshake::default()
        };
        let (hashed, raw) = ja4(&h, Transport::Tcp);
        assert_eq!(hashed, "t13d1517h2_8daaf6152771_cb7bf5808d99");
        assert_eq!(
            raw,
            "t13d1517h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,ca34,fe0d,ff01_0904,0905,0906,0403,0804,0401,0503,0805,0501,0806,0601"
        );
        let sh = TlsHandshake {
            kind: HandshakeKind::ServerHello,
            cipher_suite: Some(0x1302),
            extensions: vec![0x0033, 0x002b],
            raw: HelloValues {
                legacy_version: 0x0303,
                supported_versions: vec![0x0304],
                first_alpn: None,
            },
            ..TlsHandshake::default()
        };
        assert_eq!(
            ja4s(&sh, Transport::Tcp),
            (
                "t130200_1302_234ea6891581".to_string(),
                "t130200_1302_0033,002b".to_string()
            )
        );
    }

    /// JA4S.md's example: a TLS 1.2 ServerHello choosing c030 with the
    /// extensions 0005,0017,ff01,0000 and no ALPN.
    #[test]
    fn ja4s_md_example() {
        let sh = TlsHandshake {
            kind: HandshakeKind::ServerHello,
            cipher_suite: Some(0xc030),
            extensions: vec![0x0005, 0x0017, 0xff01, 0x0000],
            raw: HelloValues {
                legacy_version: 0x0303,
                ..HelloValues::default()
            },
            ..TlsHandshake::default()
        };
        let (hashed, raw) = ja4s(&sh, Transport::Tcp);
        assert_eq!(hashed, "t120400_c030_4e8089b08790");
        assert_eq!(raw, "t120400_c030_0005,0017,ff01,0000");
    }

    /// JA4.md, "ALPN Extension Value": its five examples of values whose
    /// first or last byte is not alphanumeric, and the plain cases.
    #[test]
    fn alpn_characters() {
        assert_eq!(alpn_chars(Some(&[0xab])), "ab");
        assert_eq!(alpn_chars(Some(&[0xab, 0xcd])), "ad");
        assert_eq!(alpn_chars(Some(&[0x30, 0xab])), "3b");
        assert_eq!(alpn_chars(Some(&[0x30, 0x31, 0xab, 0xcd])), "3d");
        assert_eq!(alpn_chars(Some(&[0x30, 0xab, 0xcd, 0x31])), "01");
        assert_eq!(alpn_chars(Some(b"http/1.1")), "h1");
        assert_eq!(alpn_chars(Some(b"h2")), "h2");
        assert_eq!(alpn_chars(Some(b"x")), "xx");
        assert_eq!(alpn_chars(Some(b"")), "00");
        assert_eq!(alpn_chars(None), "00");
    }

    #[test]
    fn versions_and_counts() {
        let mut h = ja4_md_example();
        // Only GREASE in supported_versions: unknown.
        h.raw.supported_versions = vec![0x0a0a];
        assert!(ja4_of(&h).starts_with("t00"));
        // No supported_versions extension: the legacy version.
        h.extensions.retain(|e| *e != 43);
        h.raw.legacy_version = 0x0301;
        assert!(ja4_of(&h).starts_with("t10d1515"));
        // DTLS 1.3 is newer than DTLS 1.2 although its number is smaller.
        let mut d = ja4_md_example();
        d.raw.supported_versions = vec![0xfefd, 0xfefc];
        assert!(ja4(&d, Transport::Dtls).0.starts_with("dd3d"));
        // Counts stop at 99.
        let mut many = ja4_md_example();
        many.cipher_suites = (1..=150).collect();
        assert!(ja4_of(&many).starts_with("t13d9916"));
    }

    /// The JA3 string of the JA4.md hello, spelt out by hand from its
    /// values: decimal, GREASE gone, wire order kept.
    #[test]
    fn ja3_of_the_example() {
        let mut h = ja4_md_example();
        h.supported_groups = vec![0x2a2a, 0x001d, 0x0017, 0x0018];
        h.ec_point_formats = vec![0];
        assert_eq!(
            ja3_string(&h),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0"
        );
        // md5("") is the well-known d41d8cd98f00b204e9800998ecf8427e.
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    /// The ClientHello of FoxIO-LLC/ja4 pcap/quic-tls-handshake.pcapng
    /// (Chrome's QUIC CRYPTO stream, the handshake message alone). FoxIO's
    /// published JA4 for this Chrome QUIC hello is
    /// q13d0310h3_55b375c5d22e_cd85d2d88918
    /// (rust/ja4/src/snapshots/ja4__insta@chrome-cloudflare-quic-with-secrets.pcapng.snap,
    /// UDP stream). As there are no records, the message body goes to the
    /// hello parser directly, as QUIC's decoder does.
    #[test]
    fn foxio_quic_client_hello_vector() {
        let msg = bytes(include_str!("../testdata/tls/foxio-quic-client-hello.hex"));
        assert_eq!(msg[0], 1);
        let mut h = TlsHandshake {
            kind: HandshakeKind::ClientHello,
            ..TlsHandshake::default()
        };
        parse_hello(msg[0], &msg[4..], &mut h).unwrap();
        assert_eq!(h.sni.as_deref(), Some("www.google.com"));
        assert_eq!(h.alpn, ["h3"]);
        fingerprint(&mut h, Transport::Quic);
        assert_eq!(
            h.ja4.as_deref(),
            Some("q13d0310h3_55b375c5d22e_cd85d2d88918")
        );
        assert_eq!(
            h.ja4_r.as_deref(),
            Some("q13d0310h3_1301,1302,1303_000a,000d,001b,002b,002d,0033,0039,4469_0403,0804,0401,0503,0805,0501,0806,0601,0201")
        );
        // The same hello over TCP differs only in the first character.
        fingerprint(&mut h, Transport::Tcp);
        assert_eq!(
            h.ja4.as_deref(),
            Some("t13d0310h3_55b375c5d22e_cd85d2d88918")
        );
    }
}
