//! The record layer (RFC 8446 §5.1, RFC 5246 §6.2): content types, the
//! five-byte record header, and alerts (RFC 8446 §6).

use super::names::alert_name;
use super::version::TlsVersion;
use serde::{Serialize, Serializer};
use std::fmt;

/// Bytes of a record header: type (1), version (2), length (2).
pub const RECORD_HEADER: usize = 5;

/// Records longer than 2^14 + 256 bytes are illegal in every version
/// (RFC 8446 §5.2 allows 2^14 + 256 for ciphertext; RFC 5246 §6.2.3
/// 2^14 + 2048 for TLS 1.2 ciphertext, which no implementation sends).
pub const MAX_RECORD: usize = (1 << 14) + 256;

/// A record's content type, displayed and serialised as
/// "change_cipher_spec", "alert", "handshake", "application_data",
/// "heartbeat", or "unknown(N)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentType {
    ChangeCipherSpec,
    Alert,
    Handshake,
    ApplicationData,
    Heartbeat,
    Unknown(u8),
}

impl From<u8> for ContentType {
    fn from(t: u8) -> Self {
        match t {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            24 => ContentType::Heartbeat,
            n => ContentType::Unknown(n),
        }
    }
}

impl ContentType {
    /// The type byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            ContentType::ChangeCipherSpec => 20,
            ContentType::Alert => 21,
            ContentType::Handshake => 22,
            ContentType::ApplicationData => 23,
            ContentType::Heartbeat => 24,
            ContentType::Unknown(n) => n,
        }
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContentType::ChangeCipherSpec => "change_cipher_spec",
            ContentType::Alert => "alert",
            ContentType::Handshake => "handshake",
            ContentType::ApplicationData => "application_data",
            ContentType::Heartbeat => "heartbeat",
            ContentType::Unknown(n) => return write!(f, "unknown({n})"),
        })
    }
}

impl Serialize for ContentType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlsRecord {
    pub content_type: ContentType,
    /// Record-layer version, e.g. "TLS 1.2".
    pub version: TlsVersion,
    pub length: u16,
    /// The record is the SSL 2.0-compatible ClientHello form (RFC 5246
    /// Appendix E.2): a two-byte header with the high bit set, no content
    /// type; `length` is its two-byte length.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sslv2: bool,
}

/// A record header as read from the first [`RECORD_HEADER`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RecordHeader {
    pub content_type: u8,
    pub version: u16,
    pub length: usize,
}

impl RecordHeader {
    /// `h` holds at least [`RECORD_HEADER`] bytes.
    pub fn read(h: &[u8]) -> Self {
        RecordHeader {
            content_type: h[0],
            version: u16::from_be_bytes([h[1], h[2]]),
            length: usize::from(u16::from_be_bytes([h[3], h[4]])),
        }
    }

    /// Content type 20–24 and major version 3: something a TLS stack
    /// sends.
    pub fn is_plausible(&self) -> bool {
        (20..=24).contains(&self.content_type) && self.version >> 8 == 3
    }

    pub fn record(&self) -> TlsRecord {
        TlsRecord {
            content_type: ContentType::from(self.content_type),
            version: TlsVersion::from(self.version),
            length: self.length as u16,
            sslv2: false,
        }
    }
}

/// Whether the first bytes of a stream look like a TLS record header:
/// content type 20–24, major version 3, minor 0–4 (SSL 3.0 to TLS 1.3).
/// Also the SSL 2.0-compatible ClientHello that opens a stream (RFC 5246
/// Appendix E.2): the high bit of the first byte set, message type 1
/// (CLIENT-HELLO), and a version of SSL 3.0 or later.
pub fn looks_like_tls(first: &[u8]) -> bool {
    first.len() >= 3 && (20..=24).contains(&first[0]) && first[1] == 3 && first[2] <= 4
        || sslv2_client_hello_header(first).is_some()
}

/// The length of an SSL 2.0-compatible ClientHello's body (after its
/// two-byte header) when `b` begins one.
pub fn sslv2_client_hello_header(b: &[u8]) -> Option<usize> {
    if b.len() < 5 || b[0] & 0x80 == 0 || b[2] != 1 || b[3] != 3 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([b[0] & 0x7f, b[1]]));
    // version (2), three lengths (6), at least one cipher spec (3).
    (len >= 2 + 6 + 3).then_some(len)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlsAlert {
    /// "warning" | "fatal" | "encrypted"
    pub level: String,
    /// e.g. "handshake_failure"; "encrypted" when the alert is encrypted.
    pub description: String,
}

impl TlsAlert {
    /// The alert an alert record's body holds, or an encrypted one when the
    /// body is encrypted or not the two bytes of a plaintext alert.
    pub(super) fn read(body: &[u8], encrypted: bool) -> Self {
        match body {
            [level, description] if !encrypted => TlsAlert {
                level: match level {
                    1 => "warning".into(),
                    2 => "fatal".into(),
                    n => format!("unknown({n})"),
                },
                description: alert_name(*description),
            },
            _ => TlsAlert {
                level: "encrypted".into(),
                description: "encrypted".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_display_as_their_names() {
        for t in 0..=255u8 {
            let c = ContentType::from(t);
            assert_eq!(c.code(), t);
            assert_eq!(serde_json::to_value(c).unwrap(), c.to_string());
        }
        assert_eq!(ContentType::from(23).to_string(), "application_data");
        assert_eq!(ContentType::from(99).to_string(), "unknown(99)");
        assert!(looks_like_tls(&[22, 3, 1]) && !looks_like_tls(b"GET"));
    }

    #[test]
    fn alerts() {
        assert_eq!(
            TlsAlert::read(&[2, 40], false).description,
            "handshake_failure"
        );
        assert_eq!(TlsAlert::read(&[7, 0], false).level, "unknown(7)");
        assert_eq!(TlsAlert::read(&[1, 0], true).level, "encrypted");
        assert_eq!(TlsAlert::read(&[1, 0, 0], false).description, "encrypted");
    }
}
