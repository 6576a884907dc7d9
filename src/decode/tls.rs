//! TLS record layer and handshake messages (RFC 8446 for TLS 1.3, RFC 5246
//! for TLS 1.2), read from one direction of a reassembled TCP stream.
//!
//! The hellos are parsed here rather than with tls-parser's grammar because
//! the story needs what a typed parse folds away: every extension's type
//! number in wire order (GREASE and unknown ones included), key-share groups,
//! and the exact length that overruns when a message is malformed.
//! tls-parser's IANA table still names the cipher suites.
//!
//! Each hello gets its JA3/JA4 fingerprints (`fingerprint.rs`); the
//! certificates of a plaintext (TLS 1.2 or earlier) Certificate message are
//! read with x509-parser, and an ECDHE or DHE ServerKeyExchange names its
//! group and signature scheme.

use super::fingerprint::{self, Transport};
use serde::Serialize;
use std::fmt::Write as _;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// What TLS a frame carried or completed.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TlsInfo {
    /// Records whose last byte arrived in this frame, in stream order.
    pub records: Vec<TlsRecord>,
    /// Handshake messages whose last byte arrived in this frame.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handshakes: Vec<TlsHandshake>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<TlsAlert>,
    /// This frame's bytes begin a record (at a record boundary of the
    /// stream), complete or not: Wireshark shows TLS on such a frame.
    #[serde(skip)]
    pub starts_record: bool,
}

impl TlsInfo {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.handshakes.is_empty() && self.alerts.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlsRecord {
    /// "change_cipher_spec", "alert", "handshake", "application_data",
    /// "heartbeat", or "unknown(N)".
    pub content_type: String,
    /// Record-layer version, e.g. "TLS 1.2".
    pub version: String,
    pub length: u16,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlsAlert {
    /// "warning" | "fatal" | "encrypted"
    pub level: String,
    /// e.g. "handshake_failure"; "encrypted" when the alert is encrypted.
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TlsHandshake {
    /// "client_hello", "server_hello", "hello_retry_request", "certificate",
    /// "server_key_exchange", "server_hello_done", "client_key_exchange",
    /// "finished", "new_session_ticket", "encrypted_handshake_message", …
    #[serde(rename = "type")]
    pub kind: String,
    /// Legacy version of a hello, e.g. "TLS 1.2".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_groups: Vec<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_share_groups: Vec<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature_algorithms: Vec<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psk_key_exchange_modes: Vec<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compression_methods: Vec<u8>,
    /// Extension types in wire order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<u16>,
    /// Hex of the 32-byte random (hellos).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub random: Option<String>,
    /// Hex of the legacy session id (hellos).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pre_shared_key: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted_client_hello: bool,
    /// GREASE values (RFC 8701) seen anywhere in the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grease: Vec<u16>,
    /// EC point formats (RFC 8422 §5.1.2), for JA3.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ec_point_formats: Vec<u8>,
    /// JA3 of a ClientHello: MD5 of `ja3_string`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3_string: Option<String>,
    /// JA3S of a ServerHello: MD5 of `ja3s_string`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s_string: Option<String>,
    /// JA4 of a ClientHello and its unhashed form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4_r: Option<String>,
    /// JA4S of a ServerHello and its unhashed form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4s: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4s_r: Option<String>,
    /// The certificates of a (TLS 1.2 or earlier) Certificate message,
    /// sender's own first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    /// Certificates past [`MAX_CERTIFICATES`] that were not decoded.
    #[serde(skip_serializing_if = "is_zero")]
    pub certificates_dropped: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_key_exchange: Option<ServerKeyExchange>,
    /// Handshake message length (without its 4-byte header).
    pub length: u32,
    /// Frames the message was reassembled from, in stream order.
    pub frames: Vec<u64>,
    /// Wire values of a hello that the fingerprints need and the
    /// named fields above do not keep.
    #[serde(skip)]
    pub raw: HelloValues,
}

/// Numbers of a hello kept as sent, for the fingerprints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelloValues {
    pub legacy_version: u16,
    /// supported_versions as numbers, GREASE included.
    pub supported_versions: Vec<u16>,
    /// The first ALPN protocol name's bytes (the only one in a ServerHello).
    pub first_alpn: Option<Vec<u8>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One certificate of a Certificate message (RFC 5280 fields), or why it
/// could not be read.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Certificate {
    Parsed(CertificateSummary),
    Unreadable { error: String },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertificateSummary {
    /// RFC 4514 string form, e.g. "CN=www.example.com, O=Example".
    pub subject: String,
    pub issuer: String,
    /// subjectAltName DNS names and IP addresses, in certificate order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub san: Vec<String>,
    /// SAN entries past [`MAX_SAN`] that were not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub san_dropped: u32,
    /// Validity, RFC 3339 UTC, e.g. "2026-11-24T05:25:54Z".
    pub not_before: String,
    pub not_after: String,
    /// Serial number as lowercase hex of its DER content octets.
    pub serial: String,
}

/// What a ServerKeyExchange says about the key exchange (RFC 8422 §5.4 for
/// ECDHE, RFC 5246 §7.4.3 for DHE).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServerKeyExchange {
    /// "ECDHE" or "DHE".
    pub key_exchange: String,
    /// Named group of an ECDHE exchange, e.g. "x25519" (hex when unnamed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Size of a DHE prime in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dh_prime_bits: Option<u32>,
    /// Signature scheme of the signed parameters (TLS 1.2), e.g.
    /// "ecdsa_secp256r1_sha256" (hex when unnamed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<String>,
}

/// Bounds on what one Certificate message adds to a packet.
pub const MAX_CERTIFICATES: usize = 16;
pub const MAX_SAN: usize = 100;

/// Records longer than 2^14 + 256 bytes are illegal in every version
/// (RFC 8446 §5.2 allows 2^14 + 256 for ciphertext; RFC 5246 §6.2.3
/// 2^14 + 2048 for TLS 1.2 ciphertext, which no implementation sends).
const MAX_RECORD: usize = (1 << 14) + 256;
const RECORD_HEADER: usize = 5;

/// SHA-256("HelloRetryRequest"): the random of a ServerHello that is in
/// fact a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// One direction of a TLS connection.
pub struct TlsStream {
    /// Bytes not yet formed into a whole record.
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    buf_start: u64,
    /// (stream offset where a feed ended, its frame), for naming the frames
    /// a record or message came from.
    feeds: Vec<(u64, u64)>,
    /// Handshake bytes not yet formed into a whole message, and the frames
    /// they came from.
    hs: Vec<u8>,
    hs_frames: Vec<u64>,
    /// Handshake records from here on are encrypted (after ChangeCipherSpec,
    /// or after a TLS 1.3 ServerHello).
    encrypted: bool,
    /// This direction sent a ClientHello offering TLS 1.3: a
    /// ChangeCipherSpec from it may be the middlebox-compatibility one
    /// (RFC 8446 Appendix D.4), sent before a second, plaintext ClientHello
    /// after a HelloRetryRequest.
    offered_tls13: bool,
    /// This direction sent a HelloRetryRequest.
    sent_hrr: bool,
    /// Record boundaries are lost; nothing more is decoded.
    lost: bool,
    max_message: usize,
    /// The cipher suite this direction's ServerHello chose: it decides how
    /// a ServerKeyExchange is laid out.
    chosen_suite: Option<u16>,
    /// Body bytes still to come of an application-data record that is
    /// skipped rather than buffered (its content is encrypted), and the
    /// record to report when they have passed.
    skip: usize,
    skipping: Option<TlsRecord>,
}

impl TlsStream {
    /// `max_message` bounds the bytes held for one incomplete record or
    /// handshake message.
    pub fn new(max_message: usize) -> Self {
        TlsStream {
            buf: Vec::new(),
            buf_start: 0,
            feeds: Vec::new(),
            hs: Vec::new(),
            hs_frames: Vec::new(),
            encrypted: false,
            offered_tls13: false,
            sent_hrr: false,
            lost: false,
            max_message,
            chosen_suite: None,
            skip: 0,
            skipping: None,
        }
    }

    /// Marks later handshake records of this direction as encrypted: for a
    /// caller that learnt from the other direction that TLS 1.3 was chosen.
    pub fn set_encrypted(&mut self) {
        self.encrypted = true;
    }

    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    pub fn buffered(&self) -> usize {
        self.buf.len() + self.hs.len()
    }

    /// Bytes of this direction were not captured: record boundaries are
    /// lost, so decoding stops.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.lost {
            errors.push(
                "TLS: bytes missing from the capture; record boundaries are lost and the rest of this direction is not decoded"
                    .to_string(),
            );
        }
        self.lost = true;
        self.buf = Vec::new();
        self.hs = Vec::new();
        self.hs_frames.clear();
        self.feeds.clear();
        self.skip = 0;
        self.skipping = None;
    }

    /// Frames that carried stream bytes in `[from, to)`.
    fn frames_between(&self, from: u64, to: u64) -> Vec<u64> {
        let mut start = self.buf_start;
        let mut out = Vec::new();
        for &(end, frame) in &self.feeds {
            if end > from && start < to && out.last() != Some(&frame) {
                out.push(frame);
            }
            start = end;
        }
        out
    }

    /// Takes the next in-order bytes of this direction, carried by `frame`.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        frame: u64,
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        if self.lost || data.is_empty() {
            return;
        }
        // The rest of a skipped application-data record: counted, not kept.
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            self.buf_start += n as u64;
            data = &data[n..];
            if self.skip == 0 {
                out.records.extend(self.skipping.take());
            }
            if data.is_empty() {
                return;
            }
        }
        if self.buf.is_empty() {
            out.starts_record = true;
        }
        self.buf.extend_from_slice(data);
        let end = self.buf_start + self.buf.len() as u64;
        self.feeds.push((end, frame));
        let mut at = 0usize;
        while self.buf.len() - at >= RECORD_HEADER {
            let h = &self.buf[at..at + RECORD_HEADER];
            let (ctype, version) = (h[0], u16::from_be_bytes([h[1], h[2]]));
            let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
            if !(20..=24).contains(&ctype) || h[1] != 3 {
                errors.push(format!(
                    "TLS: bytes {:02x} {:02x} {:02x} at stream offset {} are not a record header; the rest of this direction is not decoded",
                    h[0],
                    h[1],
                    h[2],
                    self.buf_start + at as u64
                ));
                self.lost = true;
                break;
            }
            if len > MAX_RECORD {
                errors.push(format!(
                    "TLS record length {len} exceeds {MAX_RECORD}; the rest of this direction is not decoded"
                ));
                self.lost = true;
                break;
            }
            let record = TlsRecord {
                content_type: content_type_name(ctype),
                version: version_name(version),
                length: len as u16,
            };
            if self.buf.len() - at < RECORD_HEADER + len {
                // Application data is encrypted and only its size is
                // reported: its body is skipped as it arrives instead of
                // being held until the record is whole.
                if ctype == 23 {
                    self.skip = RECORD_HEADER + len - (self.buf.len() - at);
                    self.skipping = Some(record);
                    at = self.buf.len();
                }
                break;
            }
            out.records.push(record);
            if ctype != 23 {
                let from = self.buf_start + at as u64;
                let to = from + (RECORD_HEADER + len) as u64;
                let frames = self.frames_between(from, to);
                let body = self.buf[at + RECORD_HEADER..at + RECORD_HEADER + len].to_vec();
                self.record(ctype, &body, &frames, out, errors);
            }
            at += RECORD_HEADER + len;
        }
        if self.lost {
            self.buf = Vec::new();
            self.feeds.clear();
            return;
        }
        self.buf.drain(..at);
        self.buf_start += at as u64;
        let start = self.buf_start;
        // Keep only the feeds that still hold buffered bytes.
        let keep_from = self.feeds.iter().position(|(end, _)| *end > start);
        match keep_from {
            Some(i) => {
                self.feeds.drain(..i);
            }
            None => self.feeds.clear(),
        }
        if self.buf.len() > self.max_message {
            errors.push(format!(
                "TLS: {} bytes of an incomplete record exceed the {}-byte bound and were dropped; the rest of this direction is not decoded",
                self.buf.len(),
                self.max_message
            ));
            self.lost = true;
            self.buf = Vec::new();
            self.feeds.clear();
        }
    }

    fn record(
        &mut self,
        ctype: u8,
        body: &[u8],
        frames: &[u64],
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        match ctype {
            // RFC 5246 §7.1: ChangeCipherSpec; what follows is encrypted.
            // Not after a HelloRetryRequest: that server speaks TLS 1.3,
            // whose ChangeCipherSpec is only for middleboxes (RFC 8446
            // Appendix D.4) and whose real ServerHello follows in the clear.
            20 if self.sent_hrr => {}
            20 => self.encrypted = true,
            21 => out.alerts.push(if self.encrypted || body.len() != 2 {
                TlsAlert {
                    level: "encrypted".into(),
                    description: "encrypted".into(),
                }
            } else {
                TlsAlert {
                    level: match body[0] {
                        1 => "warning".into(),
                        2 => "fatal".into(),
                        n => format!("unknown({n})"),
                    },
                    description: alert_name(body[1]),
                }
            }),
            // A whole ClientHello (type 1 with a length that fills the
            // record) after a TLS 1.3 client's ChangeCipherSpec is the second
            // ClientHello of a HelloRetryRequest exchange, sent in the clear:
            // a TLS 1.3 client encrypts only in application-data records, and
            // an encrypted TLS 1.2 Finished does not begin this way by more
            // than chance (1 in 2^32).
            22 if self.encrypted
                && !(self.offered_tls13
                    && body.len() >= 4
                    && body[0] == 1
                    && (usize::from(body[1]) << 16
                        | usize::from(body[2]) << 8
                        | usize::from(body[3]))
                        + 4
                        == body.len()) =>
            {
                out.handshakes.push(TlsHandshake {
                    kind: "encrypted_handshake_message".into(),
                    length: body.len() as u32,
                    frames: frames.to_vec(),
                    ..TlsHandshake::default()
                })
            }
            22 => {
                self.hs.extend_from_slice(body);
                for f in frames {
                    if !self.hs_frames.contains(f) {
                        self.hs_frames.push(*f);
                    }
                }
                self.handshake_messages(frames, out, errors);
            }
            _ => {}
        }
    }

    /// Takes every complete handshake message out of the handshake buffer
    /// (RFC 8446 §4: type, 24-bit length, body; messages may span records
    /// and records may hold several messages).
    fn handshake_messages(
        &mut self,
        last_frames: &[u64],
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        let mut at = 0;
        while self.hs.len() - at >= 4 {
            let kind = self.hs[at];
            let len = (usize::from(self.hs[at + 1]) << 16)
                | (usize::from(self.hs[at + 2]) << 8)
                | usize::from(self.hs[at + 3]);
            if len > self.max_message {
                errors.push(format!(
                    "TLS handshake message of {len} bytes exceeds the {}-byte bound; the rest of this direction's handshake is not decoded",
                    self.max_message
                ));
                self.hs = Vec::new();
                self.hs_frames.clear();
                self.encrypted = true;
                return;
            }
            if self.hs.len() - at - 4 < len {
                break;
            }
            let body = &self.hs[at + 4..at + 4 + len];
            let mut h = TlsHandshake {
                kind: handshake_name(kind),
                length: len as u32,
                frames: self.hs_frames.clone(),
                ..TlsHandshake::default()
            };
            match kind {
                1 => {
                    match client_hello(body, &mut h) {
                        Ok(()) => fingerprint::fingerprint(&mut h, Transport::Tcp),
                        Err(e) => errors.push(format!("TLS ClientHello: {e}")),
                    }
                    if h.supported_versions
                        .iter()
                        .any(|v| v.starts_with("TLS 1.3"))
                    {
                        self.offered_tls13 = true;
                        // Its second ClientHello is in the clear again.
                        self.encrypted = false;
                    }
                }
                2 => {
                    match server_hello(body, &mut h) {
                        Ok(()) => fingerprint::fingerprint(&mut h, Transport::Tcp),
                        Err(e) => errors.push(format!("TLS ServerHello: {e}")),
                    }
                    self.chosen_suite = h.cipher_suite;
                    self.sent_hrr |= h.kind == "hello_retry_request";
                    // RFC 8446 §2: after a TLS 1.3 ServerHello (not a
                    // HelloRetryRequest) everything is encrypted.
                    if h.kind == "server_hello"
                        && h.supported_versions
                            .iter()
                            .any(|v| v.starts_with("TLS 1.3"))
                    {
                        self.encrypted = true;
                    }
                }
                // RFC 5246 §7.4.2.
                11 => {
                    if let Err(e) = certificates(body, &mut h) {
                        errors.push(format!("TLS Certificate: {e}"));
                    }
                }
                12 => match server_key_exchange(body, self.chosen_suite) {
                    Ok(ske) => h.server_key_exchange = ske,
                    Err(e) => errors.push(format!("TLS ServerKeyExchange: {e}")),
                },
                _ => {}
            }
            out.handshakes.push(h);
            at += 4 + len;
            // Later messages start in the record that completed this one.
            self.hs_frames = last_frames.to_vec();
            if self.encrypted {
                // The rest of this record can no longer be read.
                break;
            }
        }
        if self.encrypted && at > 0 {
            self.hs.clear();
        } else {
            self.hs.drain(..at);
        }
        if self.hs.is_empty() {
            self.hs_frames.clear();
        }
    }
}

/// A cursor over a message body whose reads fail with a message naming
/// the field and how far it overran.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cursor { b, at: 0 }
    }
    fn left(&self) -> usize {
        self.b.len() - self.at
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "{what} length {n} exceeds the {} bytes left",
                self.left()
            ));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let s = self.take(2, what)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    /// A vector with a one- or two-byte length prefix.
    fn vec8(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = usize::from(self.u8(what)?);
        self.take(n, what)
    }
    fn vec16(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = usize::from(self.u16(what)?);
        self.take(n, what)
    }
    fn vec24(&mut self, what: &str) -> Result<&'a [u8], String> {
        let l = self.take(3, what)?;
        let n = (usize::from(l[0]) << 16) | (usize::from(l[1]) << 8) | usize::from(l[2]);
        self.take(n, what)
    }
}

fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// RFC 8701: 0x0a0a, 0x1a1a, … 0xfafa.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn note_grease(h: &mut TlsHandshake, values: impl IntoIterator<Item = u16>) {
    for v in values {
        if is_grease(v) && !h.grease.contains(&v) {
            h.grease.push(v);
        }
    }
}

/// Parses the body of a ClientHello (1) or ServerHello (2) into `h`, for
/// handshake bytes that do not come in TLS records (QUIC CRYPTO frames,
/// RFC 9001 §4). Other message types are left as they are.
pub fn parse_hello(kind: u8, body: &[u8], h: &mut TlsHandshake) -> Result<(), String> {
    match kind {
        1 => client_hello(body, h),
        2 => server_hello(body, h),
        _ => Ok(()),
    }
}

/// RFC 8446 §4.1.2.
fn client_hello(body: &[u8], h: &mut TlsHandshake) -> Result<(), String> {
    let mut c = Cursor::new(body);
    h.raw.legacy_version = c.u16("legacy_version")?;
    h.version = Some(version_name(h.raw.legacy_version));
    h.random = Some(hex(c.take(32, "random")?));
    h.session_id = Some(hex(c.vec8("legacy_session_id")?));
    h.cipher_suites = u16s(c.vec16("cipher_suites")?);
    note_grease(h, h.cipher_suites.clone());
    h.compression_methods = c.vec8("compression_methods")?.to_vec();
    if c.left() == 0 {
        return Ok(());
    }
    let ext = c.vec16("extensions")?;
    extensions(ext, h, true)
}

/// RFC 8446 §4.1.3 (and §4.1.4 for the HelloRetryRequest).
fn server_hello(body: &[u8], h: &mut TlsHandshake) -> Result<(), String> {
    let mut c = Cursor::new(body);
    h.raw.legacy_version = c.u16("legacy_version")?;
    h.version = Some(version_name(h.raw.legacy_version));
    let random = c.take(32, "random")?;
    if random == HRR_RANDOM {
        h.kind = "hello_retry_request".into();
    }
    h.random = Some(hex(random));
    h.session_id = Some(hex(c.vec8("legacy_session_id_echo")?));
    h.cipher_suite = Some(c.u16("cipher_suite")?);
    h.compression_methods = vec![c.u8("legacy_compression_method")?];
    if c.left() == 0 {
        return Ok(());
    }
    let ext = c.vec16("extensions")?;
    extensions(ext, h, false)
}

fn extensions(b: &[u8], h: &mut TlsHandshake, client: bool) -> Result<(), String> {
    let mut c = Cursor::new(b);
    while c.left() > 0 {
        let t = c.u16("extension type")?;
        h.extensions.push(t);
        note_grease(h, [t]);
        let data = c
            .vec16("extension")
            .map_err(|e| format!("extension 0x{t:04x}: {e}"))?;
        extension(t, data, h, client).map_err(|e| format!("extension 0x{t:04x}: {e}"))?;
    }
    Ok(())
}

fn extension(t: u16, data: &[u8], h: &mut TlsHandshake, client: bool) -> Result<(), String> {
    let mut c = Cursor::new(data);
    match t {
        // RFC 6066 §3: server_name.
        0 if client => {
            let mut list = Cursor::new(c.vec16("server_name_list")?);
            while list.left() > 0 {
                let kind = list.u8("name_type")?;
                let name = list.vec16("host_name")?;
                if kind == 0 && h.sni.is_none() {
                    h.sni = Some(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
        // RFC 7301 §3.1: ALPN (a list in the ClientHello, one name in a
        // TLS 1.2 ServerHello).
        16 => {
            let mut list = Cursor::new(c.vec16("protocol_name_list")?);
            while list.left() > 0 {
                let name = list.vec8("protocol_name")?;
                if h.raw.first_alpn.is_none() {
                    h.raw.first_alpn = Some(name.to_vec());
                }
                h.alpn.push(String::from_utf8_lossy(name).into_owned());
            }
        }
        // RFC 8446 §4.2.1.
        43 => {
            let versions = if client {
                u16s(c.vec8("supported_versions")?)
            } else {
                vec![c.u16("selected_version")?]
            };
            note_grease(h, versions.iter().copied());
            h.supported_versions = versions.iter().copied().map(version_name).collect();
            h.raw.supported_versions = versions;
        }
        // RFC 8446 §4.2.7.
        10 => {
            h.supported_groups = u16s(c.vec16("named_group_list")?);
            note_grease(h, h.supported_groups.clone());
        }
        // RFC 8446 §4.2.8: one entry per offered group; the ServerHello
        // holds the chosen one; a HelloRetryRequest only names a group.
        51 => {
            if client {
                let mut list = Cursor::new(c.vec16("client_shares")?);
                while list.left() > 0 {
                    let g = list.u16("group")?;
                    list.vec16("key_exchange")?;
                    h.key_share_groups.push(g);
                }
            } else {
                h.key_share_groups.push(c.u16("selected_group")?);
            }
            note_grease(h, h.key_share_groups.clone());
        }
        // RFC 8422 §5.1.2.
        11 => h.ec_point_formats = c.vec8("ec_point_format_list")?.to_vec(),
        // RFC 8446 §4.2.3.
        13 => h.signature_algorithms = u16s(c.vec16("supported_signature_algorithms")?),
        // RFC 8446 §4.2.9.
        45 => h.psk_key_exchange_modes = c.vec8("ke_modes")?.to_vec(),
        // RFC 8446 §4.2.11.
        41 => h.pre_shared_key = true,
        // draft-ietf-tls-esni: encrypted_client_hello.
        0xfe0d => h.encrypted_client_hello = true,
        _ => {}
    }
    Ok(())
}

/// A Certificate message (RFC 5246 §7.4.2): a 24-bit-length list of
/// 24-bit-length DER certificates. Each is read with x509-parser; one that
/// does not parse becomes an error entry and the rest are still read.
fn certificates(body: &[u8], h: &mut TlsHandshake) -> Result<(), String> {
    let mut c = Cursor::new(body);
    let list = c.vec24("certificate_list")?;
    let mut list = Cursor::new(list);
    while list.left() > 0 {
        let der = list.vec24("certificate")?;
        if h.certificates.len() >= MAX_CERTIFICATES {
            h.certificates_dropped += 1;
            continue;
        }
        h.certificates.push(certificate(der));
    }
    Ok(())
}

fn certificate(der: &[u8]) -> Certificate {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            return Certificate::Unreadable {
                error: format!("certificate does not parse: {e}"),
            }
        }
    };
    let mut san = Vec::new();
    let mut san_dropped = 0;
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => {
            for name in &ext.value.general_names {
                let entry = match name {
                    GeneralName::DNSName(dns) => dns.to_string(),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        16 => {
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                                .to_string()
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                if san.len() < MAX_SAN {
                    san.push(entry);
                } else {
                    san_dropped += 1;
                }
            }
        }
        Ok(None) => {}
        Err(e) => {
            return Certificate::Unreadable {
                error: format!("subjectAltName does not parse: {e}"),
            }
        }
    }
    let validity = cert.validity();
    Certificate::Parsed(CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        san,
        san_dropped,
        not_before: rfc3339(&validity.not_before),
        not_after: rfc3339(&validity.not_after),
        serial: hex(cert.raw_serial()),
    })
}

fn rfc3339(t: &x509_parser::time::ASN1Time) -> String {
    let d = t.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month() as u8,
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// The parameters of a ServerKeyExchange, laid out by the key exchange of
/// the chosen suite: ECDHE (RFC 8422 §5.4: curve_type 3 = named_curve, the
/// group, the public point) or DHE (RFC 5246 §7.4.3: p, g, Ys), then, in
/// TLS 1.2, the SignatureAndHashAlgorithm before the signature (RFC 5246
/// §4.7). Without a known suite an ECDHE layout is tried when the first
/// byte says named_curve. Other exchanges (PSK, RSA export) give `None`.
fn server_key_exchange(
    body: &[u8],
    chosen_suite: Option<u16>,
) -> Result<Option<ServerKeyExchange>, String> {
    use tls_parser::TlsCipherKx;
    let kx = chosen_suite
        .and_then(tls_parser::TlsCipherSuite::from_id)
        .map(|s| s.kx);
    let mut c = Cursor::new(body);
    let mut out = ServerKeyExchange::default();
    match kx {
        Some(TlsCipherKx::Ecdhe) => {}
        None if body.first() == Some(&3) => {}
        Some(TlsCipherKx::Dhe) => {
            out.key_exchange = "DHE".into();
            let p = c.vec16("dh_p")?;
            let leading_zeros = p.iter().take_while(|b| **b == 0).count();
            let significant = &p[leading_zeros..];
            out.dh_prime_bits = Some(match significant.first() {
                Some(first) => (significant.len() * 8) as u32 - first.leading_zeros(),
                None => 0,
            });
            c.vec16("dh_g")?;
            c.vec16("dh_Ys")?;
            out.signature_algorithm = signature_algorithm(&mut c)?;
            return Ok(Some(out));
        }
        _ => return Ok(None),
    }
    out.key_exchange = "ECDHE".into();
    let curve_type = c.u8("curve_type")?;
    if curve_type != 3 {
        return Err(format!(
            "curve_type {curve_type} is not named_curve (3), the only type RFC 8422 §5.4 allows"
        ));
    }
    let group = c.u16("named_curve")?;
    out.curve = Some(group_name(group).map_or_else(|| format!("0x{group:04x}"), str::to_owned));
    c.vec8("public")?;
    out.signature_algorithm = signature_algorithm(&mut c)?;
    Ok(Some(out))
}

/// What follows the parameters: `algorithm(2) signature<2>` in TLS 1.2,
/// `signature<2>` alone before it, nothing for anonymous suites; told
/// apart by which layout uses up exactly the bytes left.
fn signature_algorithm(c: &mut Cursor) -> Result<Option<String>, String> {
    let rest = &c.b[c.at..];
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.len() >= 4 && usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 4 == rest.len() {
        let s = u16::from_be_bytes([rest[0], rest[1]]);
        return Ok(Some(
            signature_scheme_name(s).map_or_else(|| format!("0x{s:04x}"), str::to_owned),
        ));
    }
    if rest.len() >= 2 && usize::from(u16::from_be_bytes([rest[0], rest[1]])) + 2 == rest.len() {
        return Ok(None);
    }
    Err(format!(
        "{} bytes after the parameters are neither a TLS 1.2 nor an older signature",
        rest.len()
    ))
}

/// Whether the first bytes of a stream look like a TLS record header:
/// content type 20–24, major version 3, minor 0–4 (SSL 3.0 to TLS 1.3).
pub fn looks_like_tls(first: &[u8]) -> bool {
    first.len() >= 3 && (20..=24).contains(&first[0]) && first[1] == 3 && first[2] <= 4
}

fn content_type_name(t: u8) -> String {
    match t {
        20 => "change_cipher_spec".into(),
        21 => "alert".into(),
        22 => "handshake".into(),
        23 => "application_data".into(),
        24 => "heartbeat".into(),
        n => format!("unknown({n})"),
    }
}

/// "TLS 1.2", "SSL 3.0", "GREASE 0x1a1a", else hex.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        // Drafts of TLS 1.3 used 0x7f00 + the draft number.
        0x7f00..=0x7fff => format!("TLS 1.3 draft {}", v & 0xff),
        v if is_grease(v) => format!("GREASE 0x{v:04x}"),
        v => format!("0x{v:04x}"),
    }
}

/// RFC 8446 §4 and the IANA registry.
fn handshake_name(t: u8) -> String {
    let name = match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        3 => "hello_verify_request",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        21 => "certificate_url",
        22 => "certificate_status",
        24 => "key_update",
        25 => "compressed_certificate",
        254 => "message_hash",
        n => return format!("unknown({n})"),
    };
    name.to_string()
}

/// RFC 8446 §6.
fn alert_name(d: u8) -> String {
    let name = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        n => return format!("unknown({n})"),
    };
    name.to_string()
}

/// Supported-group names (IANA TLS parameters; the ML-KEM hybrids from
/// draft-ietf-tls-ecdhe-mlkem).
pub fn group_name(g: u16) -> Option<&'static str> {
    Some(match g {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "x25519",
        0x001e => "x448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        0x6399 => "X25519Kyber768Draft00",
        g if is_grease(g) => "GREASE",
        _ => return None,
    })
}

/// Groups whose key exchange resists a quantum computer (ML-KEM alone or
/// in a hybrid, and the Kyber draft).
pub fn is_post_quantum_group(g: u16) -> bool {
    matches!(g, 0x0200..=0x0202 | 0x11eb..=0x11ed | 0x6399)
}

/// IANA cipher-suite name, from tls-parser's table.
pub fn cipher_suite_name(cs: u16) -> Option<&'static str> {
    if is_grease(cs) {
        return Some("GREASE");
    }
    match cs {
        0x00ff => Some("TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
        0x5600 => Some("TLS_FALLBACK_SCSV"),
        _ => tls_parser::TlsCipherSuite::from_id(cs).map(|c| c.name),
    }
}

/// IANA extension names.
pub fn extension_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        47 => "certificate_authorities",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        0x4469 | 0x44cd => "application_settings",
        0xfe0d => "encrypted_client_hello",
        0xff01 => "renegotiation_info",
        t if is_grease(t) => "GREASE",
        _ => return None,
    })
}

/// Signature scheme names (RFC 8446 §4.2.3).
pub fn signature_scheme_name(s: u16) -> Option<&'static str> {
    Some(match s {
        0x0401 => "rsa_pkcs1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        0x0201 => "rsa_pkcs1_sha1",
        0x0203 => "ecdsa_sha1",
        s if is_grease(s) => "GREASE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_data_is_counted_not_buffered() {
        // A 4000-byte application-data record, then a close_notify alert,
        // through a stream whose bound (1 KiB) is smaller than the record.
        let mut bytes = vec![23, 3, 3, 0x0f, 0xa0];
        bytes.extend(vec![0xaa; 4000]);
        bytes.extend([21, 3, 3, 0, 2, 1, 0]);
        let mut s = TlsStream::new(1 << 10);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&bytes[..100], 1, &mut out, &mut errors);
        s.feed(&bytes[100..3000], 2, &mut out, &mut errors);
        assert!(out.records.is_empty());
        assert!(s.buffered() < 100, "{} bytes held", s.buffered());
        s.feed(&bytes[3000..], 3, &mut out, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.content_type.as_str(), r.length))
            .collect();
        assert_eq!(got, vec![("application_data", 4000), ("alert", 2)]);
        assert_eq!(out.alerts[0].description, "close_notify");
    }

    fn bytes(hex: &str) -> Vec<u8> {
        let hex = hex.trim();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn client_hello() -> Vec<u8> {
        bytes(include_str!("testdata/tls/chromium-client-hello.hex"))
    }

    fn feed_all(parts: &[(&[u8], u64)]) -> (TlsInfo, Vec<String>) {
        let mut s = TlsStream::new(256 << 10);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        for (data, frame) in parts {
            s.feed(data, *frame, &mut out, &mut errors);
        }
        (out, errors)
    }

    #[test]
    fn chromium_client_hello_matches_tshark() {
        let ch = client_hello();
        let (out, errors) = feed_all(&[(&ch, 73)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].content_type, "handshake");
        assert_eq!(out.records[0].version, "TLS 1.0");
        let h = &out.handshakes[0];
        assert_eq!(h.kind, "client_hello");
        assert_eq!(h.version.as_deref(), Some("TLS 1.2"));
        assert_eq!(h.sni.as_deref(), Some("www.google.com"));
        assert_eq!(h.alpn, ["h2", "http/1.1"]);
        assert_eq!(
            h.supported_versions,
            ["GREASE 0x0a0a", "TLS 1.3", "TLS 1.2"]
        );
        assert_eq!(h.key_share_groups, [0x6a6a, 0x11ec, 0x001d]);
        assert_eq!(h.cipher_suites.len(), 16);
        assert_eq!(h.cipher_suites[..4], [0x6a6a, 0x1301, 0x1302, 0x1303]);
        assert_eq!(h.compression_methods, [0]);
        // Chromium sends GREASE first and last among its extensions.
        assert!(is_grease(h.extensions[0]));
        assert!(h.extensions.contains(&0xfe0d));
        assert!(h.encrypted_client_hello);
        assert_eq!(h.grease, [0x6a6a, 0x0a0a, 0xfafa]);
        assert_eq!(h.random.as_ref().map(String::len), Some(64));
        assert_eq!(h.frames, [73]);
        assert_eq!(h.length as usize, ch.len() - 9);
    }

    #[test]
    fn client_hello_split_anywhere_is_reassembled() {
        let ch = client_hello();
        let (whole, _) = feed_all(&[(&ch, 1)]);
        for cut in 1..ch.len() {
            let (out, errors) = feed_all(&[(&ch[..cut], 1), (&ch[cut..], 2)]);
            assert!(errors.is_empty(), "cut {cut}: {errors:?}");
            let h = &out.handshakes[0];
            assert_eq!(h.frames, [1, 2], "cut {cut}");
            assert_eq!(h.sni, whole.handshakes[0].sni);
            assert_eq!(h.extensions, whole.handshakes[0].extensions);
        }
    }

    #[test]
    fn one_message_over_two_records_and_two_messages_in_one() {
        let ch = client_hello();
        let body = &ch[5..];
        // The same handshake message cut into two records of its own.
        let mut split = Vec::new();
        for part in [&body[..100], &body[100..]] {
            split.extend_from_slice(&[22, 3, 1]);
            split.extend_from_slice(&(part.len() as u16).to_be_bytes());
            split.extend_from_slice(part);
        }
        let (out, errors) = feed_all(&[(&split[..50], 5), (&split[50..], 6)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.handshakes.len(), 1);
        assert_eq!(out.handshakes[0].frames, [5, 6]);
        assert_eq!(out.handshakes[0].sni.as_deref(), Some("www.google.com"));

        // nginx's TLS 1.2 flight: four messages in one record.
        let flight = bytes(include_str!("testdata/tls/tls12-server-flight.hex"));
        let (out, errors) = feed_all(&[(&flight, 10)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<&str> = out.handshakes.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "server_hello",
                "certificate",
                "server_key_exchange",
                "server_hello_done"
            ]
        );
        assert_eq!(out.handshakes[0].cipher_suite, Some(0xc02c));
        assert_eq!(out.handshakes[0].alpn, ["http/1.1"]);
    }

    #[test]
    fn tls13_server_flight_is_encrypted_after_the_server_hello() {
        let flight = bytes(include_str!("testdata/tls/tls13-server-flight.hex"));
        let mut s = TlsStream::new(1 << 16);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&flight, 76, &mut out, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(s.is_encrypted());
        assert_eq!(out.handshakes.len(), 1);
        let sh = &out.handshakes[0];
        assert_eq!(sh.kind, "server_hello");
        assert_eq!(sh.supported_versions, ["TLS 1.3"]);
        assert_eq!(sh.cipher_suite, Some(0x1301));
        assert_eq!(sh.key_share_groups, [0x001d]);
        let types: Vec<&str> = out
            .records
            .iter()
            .map(|r| r.content_type.as_str())
            .collect();
        assert_eq!(
            types[..3],
            ["handshake", "change_cipher_spec", "application_data"]
        );
    }

    #[test]
    fn the_second_client_hello_after_a_compatibility_change_cipher_spec_is_read() {
        // RFC 8446 Appendix D.4: after the HelloRetryRequest curl sends a
        // ChangeCipherSpec and then its second ClientHello, in the clear.
        let first = bytes(include_str!("testdata/tls/hrr-client-frame11.hex"));
        let second = bytes(include_str!("testdata/tls/hrr-client-frame15.hex"));
        let (out, errors) = feed_all(&[(&first, 11), (&second, 15)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<&str> = out.handshakes.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds, ["client_hello", "client_hello"]);
        // tshark: tls.handshake.extensions_key_share_group 29 then 24.
        assert_eq!(out.handshakes[0].key_share_groups, [0x001d]);
        assert_eq!(out.handshakes[1].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].frames, [15]);
        let types: Vec<&str> = out
            .records
            .iter()
            .map(|r| r.content_type.as_str())
            .collect();
        assert_eq!(types, ["handshake", "change_cipher_spec", "handshake"]);
    }

    #[test]
    fn the_server_hello_after_a_hello_retry_request_is_read() {
        // samples/tls-hrr.pcapng frames 13 (HelloRetryRequest and a
        // compatibility ChangeCipherSpec) and 16 (the real ServerHello,
        // then encrypted records).
        let hrr = bytes(include_str!("testdata/tls/hrr-server-frame13.hex"));
        let sh = bytes(include_str!("testdata/tls/hrr-server-frame16.hex"));
        let (out, errors) = feed_all(&[(&hrr, 13), (&sh, 16)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<&str> = out.handshakes.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds[..2], ["hello_retry_request", "server_hello"]);
        assert!(kinds[2..]
            .iter()
            .all(|k| *k == "encrypted_handshake_message"));
        assert_eq!(out.handshakes[0].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].supported_versions, ["TLS 1.3"]);
    }

    #[test]
    fn tls13_draft_versions_are_named() {
        assert_eq!(version_name(0x7f1c), "TLS 1.3 draft 28");
        assert_eq!(version_name(0x0304), "TLS 1.3");
    }

    #[test]
    fn hello_retry_request_is_recognised_by_its_random() {
        let flight = bytes(include_str!("testdata/tls/tls13-server-flight.hex"));
        let mut hrr = flight.clone();
        // The ServerHello's random starts after the record header (5),
        // handshake header (4) and legacy version (2).
        hrr[11..43].copy_from_slice(&HRR_RANDOM);
        let (out, _) = feed_all(&[(&hrr, 1)]);
        assert_eq!(out.handshakes[0].kind, "hello_retry_request");
    }

    #[test]
    fn lengths_beyond_the_data_are_errors_not_panics() {
        // A record header claiming more than a record may hold.
        let (out, errors) = feed_all(&[(&[22, 3, 3, 0x50, 0x00, 1, 2, 3], 1)]);
        assert!(out.records.is_empty());
        assert_eq!(
            errors,
            ["TLS record length 20480 exceeds 16640; the rest of this direction is not decoded"]
        );
        // An extension whose length runs past the ClientHello: the ALPN
        // extension's length is raised by 300.
        let mut ch = client_hello();
        let ext_at = (0..ch.len() - 4)
            .find(|&i| ch[i..i + 2] == [0x00, 0x10] && ch[i + 4..i + 6] == [0x00, 0x0c])
            .expect("the ALPN extension");
        ch[ext_at + 2..ext_at + 4].copy_from_slice(&(0x000e_u16 + 300).to_be_bytes());
        let (out, errors) = feed_all(&[(&ch, 1)]);
        assert_eq!(out.handshakes[0].sni.as_deref(), Some("www.google.com"));
        assert!(
            errors[0]
                .starts_with("TLS ClientHello: extension 0x0010: extension length 314 exceeds the"),
            "{errors:?}"
        );
        // Every prefix of a ClientHello, and every corruption of its length
        // bytes, is read without a panic.
        let ch = client_hello();
        for n in 0..ch.len() {
            feed_all(&[(&ch[..n], 1)]);
        }
        for at in 0..12 {
            let mut bad = ch.clone();
            bad[at] = 0xff;
            feed_all(&[(&bad, 1)]);
        }
    }

    #[test]
    fn the_bound_drops_and_says_so() {
        let ch = client_hello();
        let mut s = TlsStream::new(100);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&ch[..1000], 1, &mut out, &mut errors);
        assert_eq!(s.buffered(), 0);
        assert!(
            errors[0].contains("exceed the 100-byte bound and were dropped"),
            "{errors:?}"
        );
        // A gap stops decoding, said once.
        let mut s = TlsStream::new(1 << 16);
        s.gap(&mut errors);
        s.gap(&mut errors);
        s.feed(&ch, 2, &mut out, &mut errors);
        assert!(out.handshakes.is_empty());
        assert_eq!(errors.len(), 2);
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
        let msg = bytes(include_str!("testdata/tls/foxio-quic-client-hello.hex"));
        assert_eq!(msg[0], 1);
        let mut h = TlsHandshake {
            kind: "client_hello".into(),
            ..TlsHandshake::default()
        };
        super::client_hello(&msg[4..], &mut h).unwrap();
        assert_eq!(h.sni.as_deref(), Some("www.google.com"));
        assert_eq!(h.alpn, ["h3"]);
        fingerprint::fingerprint(&mut h, Transport::Quic);
        assert_eq!(
            h.ja4.as_deref(),
            Some("q13d0310h3_55b375c5d22e_cd85d2d88918")
        );
        assert_eq!(
            h.ja4_r.as_deref(),
            Some("q13d0310h3_1301,1302,1303_000a,000d,001b,002b,002d,0033,0039,4469_0403,0804,0401,0503,0805,0501,0806,0601,0201")
        );
        // The same hello over TCP differs only in the first character.
        fingerprint::fingerprint(&mut h, Transport::Tcp);
        assert_eq!(
            h.ja4.as_deref(),
            Some("t13d0310h3_55b375c5d22e_cd85d2d88918")
        );
    }

    /// samples/curl-tls12.pcapng frame 10; the expected values are what
    /// tshark 4.0 prints for that frame (`-O tls,x509af,x509ce,x509sat`).
    #[test]
    fn tls12_certificate_and_server_key_exchange() {
        let flight = bytes(include_str!("testdata/tls/tls12-server-flight.hex"));
        let (out, errors) = feed_all(&[(&flight, 10)]);
        assert!(errors.is_empty(), "{errors:?}");
        let sh = &out.handshakes[0];
        assert_eq!(
            sh.ja3s_string.as_deref(),
            Some("771,49196,65281-0-11-16-23")
        );
        assert_eq!(sh.ja3s.as_deref(), Some("fe0146829eef1917ba6c2dd4f5c08905"));
        assert_eq!(sh.ec_point_formats, [0, 1, 2]);
        let Certificate::Parsed(cert) = &out.handshakes[1].certificates[0] else {
            panic!("{:?}", out.handshakes[1]);
        };
        assert_eq!(out.handshakes[1].certificates.len(), 1);
        assert_eq!(cert.subject, "CN=www.google.com");
        assert_eq!(cert.issuer, "CN=www.google.com");
        assert_eq!(
            cert.san,
            ["google.com", "www.google.com", "static.google.com"]
        );
        assert_eq!(cert.not_before, "2026-11-24T05:25:54Z");
        assert_eq!(cert.not_after, "2026-12-24T05:25:54Z");
        assert_eq!(cert.serial, "012ace4ab9643741237c917384387525c7c4f41a");
        assert_eq!(
            out.handshakes[2].server_key_exchange,
            Some(ServerKeyExchange {
                key_exchange: "ECDHE".into(),
                curve: Some("x25519".into()),
                dh_prime_bits: None,
                signature_algorithm: Some("ecdsa_secp256r1_sha256".into()),
            })
        );
    }

    /// The same flight with the certificate's DER corrupted: the message
    /// still decodes, the certificate becomes an error entry; a Certificate
    /// message whose list overruns is an error of the packet. Every
    /// corruption of a byte of the certificate is read without a panic.
    #[test]
    fn a_certificate_that_does_not_parse_is_an_error_entry() {
        let flight = bytes(include_str!("testdata/tls/tls12-server-flight.hex"));
        // The DER starts after the ServerHello record (5 + 112), the
        // Certificate record header (5), handshake header (4) and the two
        // 24-bit lengths (3 + 3); its first byte is the SEQUENCE tag.
        let der_at = 5 + 112 + 5 + 4 + 3 + 3;
        assert_eq!(flight[der_at], 0x30);
        let mut bad = flight.clone();
        bad[der_at] = 0x04;
        let (out, errors) = feed_all(&[(&bad, 1)]);
        assert!(errors.is_empty(), "{errors:?}");
        match &out.handshakes[1].certificates[0] {
            Certificate::Unreadable { error } => {
                assert!(error.starts_with("certificate does not parse"), "{error}")
            }
            other => panic!("{other:?}"),
        }
        let json = serde_json::to_value(&out.handshakes[1]).unwrap();
        assert!(json["certificates"][0]["error"].is_string());

        let mut overrun = flight.clone();
        overrun[der_at - 6] = 0x01;
        let (out, errors) = feed_all(&[(&overrun, 1)]);
        assert!(out.handshakes[1].certificates.is_empty());
        assert!(
            errors[0].starts_with("TLS Certificate: certificate_list length"),
            "{errors:?}"
        );
        for at in der_at..der_at + 460 {
            for byte in [0x00, 0xff, 0x81] {
                let mut bad = flight.clone();
                bad[at] = byte;
                feed_all(&[(&bad, 1)]);
            }
        }
    }

    #[test]
    fn certificates_past_the_bound_are_counted() {
        let flight = bytes(include_str!("testdata/tls/tls12-server-flight.hex"));
        let der_at = 5 + 112 + 5 + 4 + 3 + 3;
        let der = &flight[der_at..der_at + 456];
        let mut list = Vec::new();
        for _ in 0..MAX_CERTIFICATES + 3 {
            list.extend_from_slice(&[0, (der.len() >> 8) as u8, der.len() as u8]);
            list.extend_from_slice(der);
        }
        let mut body = vec![0, (list.len() >> 8) as u8, list.len() as u8];
        body.extend_from_slice(&list);
        let mut h = TlsHandshake::default();
        certificates(&body, &mut h).unwrap();
        assert_eq!(h.certificates.len(), MAX_CERTIFICATES);
        assert_eq!(h.certificates_dropped, 3);
    }

    #[test]
    fn server_key_exchange_layouts() {
        // ECDHE with secp256r1 as TLS 1.0 sends it: no signature algorithm.
        let mut ske = vec![3, 0x00, 0x17, 2, 0x04, 0x01];
        ske.extend_from_slice(&[0, 3, 1, 2, 3]);
        let out = server_key_exchange(&ske, Some(0xc013)).unwrap().unwrap();
        assert_eq!(out.curve.as_deref(), Some("secp256r1"));
        assert_eq!(out.signature_algorithm, None);
        // DHE (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256) with a 2048-bit prime
        // and an RSA-PSS signature.
        let mut dhe = vec![0x01, 0x00, 0x80];
        dhe.extend_from_slice(&[0xff; 255]);
        dhe.extend_from_slice(&[0, 1, 2, 0, 1, 7, 0x08, 0x04, 0, 2, 9, 9]);
        let out = server_key_exchange(&dhe, Some(0x009e)).unwrap().unwrap();
        assert_eq!(out.key_exchange, "DHE");
        assert_eq!(out.dh_prime_bits, Some(2048));
        assert_eq!(
            out.signature_algorithm.as_deref(),
            Some("rsa_pss_rsae_sha256")
        );
        // An RSA key exchange has no ServerKeyExchange to read.
        assert_eq!(server_key_exchange(&ske, Some(0x009c)), Ok(None));
        // Not named_curve, and trailing bytes that fit no layout.
        assert!(server_key_exchange(&[1, 0, 0], Some(0xc02c)).is_err());
        let mut junk = ske.clone();
        junk.push(0);
        assert!(server_key_exchange(&junk, Some(0xc013)).is_err());
        for n in 0..ske.len() {
            let _ = server_key_exchange(&ske[..n], None);
        }
    }

    #[test]
    fn names() {
        assert_eq!(group_name(0x11ec), Some("X25519MLKEM768"));
        assert!(is_post_quantum_group(0x11ec) && !is_post_quantum_group(0x001d));
        assert_eq!(cipher_suite_name(0x1301), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(
            cipher_suite_name(0xc02c),
            Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        );
        assert_eq!(cipher_suite_name(0x2a2a), Some("GREASE"));
        assert_eq!(extension_name(0xfe0d), Some("encrypted_client_hello"));
        assert_eq!(signature_scheme_name(0x0804), Some("rsa_pss_rsae_sha256"));
        assert_eq!(version_name(0x0304), "TLS 1.3");
        assert!(looks_like_tls(&[22, 3, 1]) && !looks_like_tls(b"GET"));
    }
}
