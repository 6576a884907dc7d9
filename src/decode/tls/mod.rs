//! TLS (RFC 8446 for TLS 1.3, RFC 5246 for TLS 1.2), read from one
//! direction of a reassembled TCP stream or, for the hellos, from QUIC
//! CRYPTO frames.
//!
//! - `record.rs`: record framing and content types (RFC 8446 §5.1), alerts;
//! - `handshake.rs`: handshake-message framing (RFC 8446 §4), shared with
//!   QUIC, and the decoded message;
//! - `hello.rs`: ClientHello, ServerHello, HelloRetryRequest, extensions;
//! - `certificate.rs`: the certificates of a Certificate message;
//! - `key_exchange.rs`: an ECDHE or DHE ServerKeyExchange;
//! - `messages.rs`: EncryptedExtensions, CertificateRequest,
//!   CertificateVerify, NewSessionTicket;
//! - `fingerprint.rs`: JA3/JA3S and JA4/JA4S of a parsed hello;
//! - `names.rs`, `version.rs`: names of code points and versions;
//! - `stream.rs`: [`TlsStream`], which ties them together for TCP.

pub mod certificate;
pub mod dtls;
mod error;
pub mod fingerprint;
pub mod handshake;
pub mod hello;
pub mod key_exchange;
mod messages;
pub mod names;
pub mod record;
pub mod stream;
pub mod version;

pub use certificate::{Certificate, CertificateSummary, MAX_CERTIFICATES, MAX_SAN};
pub use error::TlsError;
pub use handshake::{
    read_message, split_messages, HandshakeKind, HandshakeMessage, HelloValues, Messages,
    TlsHandshake, HANDSHAKE_HEADER,
};
pub use hello::parse_hello;
pub use key_exchange::ServerKeyExchange;
pub use names::{
    cipher_suite_name, extension_name, group_name, is_grease, is_post_quantum_group,
    signature_scheme_name,
};
pub use record::{looks_like_tls, ContentType, TlsAlert, TlsRecord};
pub use stream::TlsStream;
pub use version::{join_versions, version_name, TlsVersion};

use serde::Serialize;

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

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Captured TLS bytes and a stream to feed them through, for the tests of
/// the modules.
#[cfg(test)]
mod testdata {
    use super::{TlsInfo, TlsStream};

    pub fn bytes(hex: &str) -> Vec<u8> {
        let hex = hex.trim();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Chromium's ClientHello in one record.
    pub fn client_hello() -> Vec<u8> {
        bytes(include_str!("../testdata/tls/chromium-client-hello.hex"))
    }

    /// nginx's TLS 1.2 flight: ServerHello, Certificate,
    /// ServerKeyExchange, ServerHelloDone.
    pub fn tls12_server_flight() -> Vec<u8> {
        bytes(include_str!("../testdata/tls/tls12-server-flight.hex"))
    }

    pub fn feed_all(parts: &[(&[u8], u64)]) -> (TlsInfo, Vec<String>) {
        let mut s = TlsStream::new(256 << 10);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        for (data, frame) in parts {
            s.feed(data, *frame, &mut out, &mut errors);
        }
        (out, errors)
    }
}
