//! Handshake messages (RFC 8446 §4): their types, the framing of a
//! handshake byte stream into messages (a type byte, a 24-bit length, the
//! body), and what a decoded message holds.
//!
//! The framing is independent of where the bytes come from: TLS records
//! over TCP (`stream.rs`) and QUIC CRYPTO frames (RFC 9001 §4) both carry
//! the same message stream, and [`split_messages`] reads either.

use super::certificate::Certificate;
use super::is_zero;
use super::key_exchange::ServerKeyExchange;
use super::version::TlsVersion;
use super::TlsError;
use serde::{Serialize, Serializer};
use std::fmt;

/// Bytes before a handshake message's body: type (1) and length (3).
pub const HANDSHAKE_HEADER: usize = 4;

/// The type of a handshake message (RFC 8446 §4 and the IANA registry),
/// with the two kinds this decoder tells apart beyond the type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HandshakeKind {
    /// Type 0, what a zeroed header says.
    #[default]
    HelloRequest,
    ClientHello,
    ServerHello,
    HelloVerifyRequest,
    NewSessionTicket,
    EndOfEarlyData,
    EncryptedExtensions,
    Certificate,
    ServerKeyExchange,
    CertificateRequest,
    ServerHelloDone,
    CertificateVerify,
    ClientKeyExchange,
    Finished,
    CertificateUrl,
    CertificateStatus,
    KeyUpdate,
    CompressedCertificate,
    MessageHash,
    /// A ServerHello whose random is the HelloRetryRequest value (RFC 8446
    /// §4.1.3); type 2 on the wire.
    HelloRetryRequest,
    /// A handshake record read after encryption started: its type is not
    /// visible.
    EncryptedHandshakeMessage,
    /// A type byte with no name, displayed as "unknown(N)".
    Unknown(u8),
}

/// Every named kind, its type byte and its name. ServerHello comes before
/// HelloRetryRequest, which shares its type byte.
const KINDS: [(HandshakeKind, Option<u8>, &str); 21] = [
    (HandshakeKind::HelloRequest, Some(0), "hello_request"),
    (HandshakeKind::ClientHello, Some(1), "client_hello"),
    (HandshakeKind::ServerHello, Some(2), "server_hello"),
    (
        HandshakeKind::HelloVerifyRequest,
        Some(3),
        "hello_verify_request",
    ),
    (
        HandshakeKind::NewSessionTicket,
        Some(4),
        "new_session_ticket",
    ),
    (HandshakeKind::EndOfEarlyData, Some(5), "end_of_early_data"),
    (
        HandshakeKind::EncryptedExtensions,
        Some(8),
        "encrypted_extensions",
    ),
    (HandshakeKind::Certificate, Some(11), "certificate"),
    (
        HandshakeKind::ServerKeyExchange,
        Some(12),
        "server_key_exchange",
    ),
    (
        HandshakeKind::CertificateRequest,
        Some(13),
        "certificate_request",
    ),
    (
        HandshakeKind::ServerHelloDone,
        Some(14),
        "server_hello_done",
    ),
    (
        HandshakeKind::CertificateVerify,
        Some(15),
        "certificate_verify",
    ),
    (
        HandshakeKind::ClientKeyExchange,
        Some(16),
        "client_key_exchange",
    ),
    (HandshakeKind::Finished, Some(20), "finished"),
    (HandshakeKind::CertificateUrl, Some(21), "certificate_url"),
    (
        HandshakeKind::CertificateStatus,
        Some(22),
        "certificate_status",
    ),
    (HandshakeKind::KeyUpdate, Some(24), "key_update"),
    (
        HandshakeKind::CompressedCertificate,
        Some(25),
        "compressed_certificate",
    ),
    (HandshakeKind::MessageHash, Some(254), "message_hash"),
    (
        HandshakeKind::HelloRetryRequest,
        Some(2),
        "hello_retry_request",
    ),
    (
        HandshakeKind::EncryptedHandshakeMessage,
        None,
        "encrypted_handshake_message",
    ),
];

impl HandshakeKind {
    /// The kind a type byte names.
    pub fn from_code(t: u8) -> Self {
        KINDS
            .iter()
            .find(|(_, code, _)| *code == Some(t))
            .map_or(HandshakeKind::Unknown(t), |(kind, _, _)| *kind)
    }

    /// The type byte on the wire; `None` for an encrypted message, whose
    /// type is not visible.
    pub fn code(self) -> Option<u8> {
        match self {
            HandshakeKind::Unknown(t) => Some(t),
            kind => KINDS.iter().find(|(k, _, _)| *k == kind)?.1,
        }
    }

    /// The kind whose display is `label` ("client_hello", "unknown(7)").
    pub fn from_name(label: &str) -> Option<Self> {
        if let Some((kind, _, _)) = KINDS.iter().find(|(_, _, name)| *name == label) {
            return Some(*kind);
        }
        let n = label.strip_prefix("unknown(")?.strip_suffix(')')?;
        n.parse().ok().map(HandshakeKind::Unknown)
    }

    /// One of the hellos: ClientHello, ServerHello, HelloRetryRequest,
    /// HelloRequest, HelloVerifyRequest.
    pub fn is_hello(self) -> bool {
        matches!(
            self,
            HandshakeKind::ClientHello
                | HandshakeKind::ServerHello
                | HandshakeKind::HelloRetryRequest
                | HandshakeKind::HelloRequest
                | HandshakeKind::HelloVerifyRequest
        )
    }

    /// Either hello a server sends: a ServerHello or a HelloRetryRequest.
    pub fn is_server_hello(self) -> bool {
        matches!(
            self,
            HandshakeKind::ServerHello | HandshakeKind::HelloRetryRequest
        )
    }
}

impl fmt::Display for HandshakeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeKind::Unknown(t) => write!(f, "unknown({t})"),
            kind => {
                let name = KINDS.iter().find(|(k, _, _)| k == kind).map(|k| k.2);
                f.write_str(name.unwrap_or_default())
            }
        }
    }
}

impl Serialize for HandshakeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One complete handshake message of a byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    /// The type byte.
    pub msg_type: u8,
    pub body: &'a [u8],
    /// Where its header starts in the bytes it was read from.
    pub offset: usize,
}

impl HandshakeMessage<'_> {
    /// The kind its type byte names (a ServerHello that is a
    /// HelloRetryRequest is told apart only by parsing it).
    pub fn kind(&self) -> HandshakeKind {
        HandshakeKind::from_code(self.msg_type)
    }

    /// Bytes it takes in the stream, header included.
    pub fn wire_len(&self) -> usize {
        HANDSHAKE_HEADER + self.body.len()
    }
}

/// The handshake message at the start of `bytes`: `Ok(None)` while it is
/// incomplete, an error when its header claims more than `bound` bytes
/// (a stream that will never hold it whole).
pub fn read_message(bytes: &[u8], bound: usize) -> Result<Option<HandshakeMessage<'_>>, TlsError> {
    let Some(header) = bytes.get(..HANDSHAKE_HEADER) else {
        return Ok(None);
    };
    let length = u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
    if length > bound {
        return Err(TlsError::MessageOverBound { length, bound });
    }
    Ok(bytes
        .get(HANDSHAKE_HEADER..HANDSHAKE_HEADER + length)
        .map(|body| HandshakeMessage {
            msg_type: header[0],
            body,
            offset: 0,
        }))
}

/// The complete handshake messages at the start of `bytes`, in order
/// (messages may span records or CRYPTO frames, and one record may hold
/// several). Iteration ends at an incomplete message, or after the error
/// of a message longer than `bound`; [`Messages::consumed`] then says how
/// many bytes the complete messages took.
pub fn split_messages(bytes: &[u8], bound: usize) -> Messages<'_> {
    Messages {
        bytes,
        at: 0,
        bound,
        failed: false,
    }
}

/// The iterator of [`split_messages`].
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    bytes: &'a [u8],
    at: usize,
    bound: usize,
    failed: bool,
}

impl Messages<'_> {
    /// Bytes of the complete messages yielded so far.
    pub fn consumed(&self) -> usize {
        self.at
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<HandshakeMessage<'a>, TlsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match read_message(&self.bytes[self.at..], self.bound) {
            Ok(Some(mut m)) => {
                m.offset = self.at;
                self.at += m.wire_len();
                Some(Ok(m))
            }
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// A decoded handshake message.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TlsHandshake {
    /// Serialised as "type": "client_hello", "hello_retry_request",
    /// "encrypted_handshake_message", …
    #[serde(rename = "type")]
    pub kind: HandshakeKind,
    /// Legacy version of a hello, e.g. "TLS 1.2".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<TlsVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<TlsVersion>,
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
    /// The certificates of a Certificate message, sender's own first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    /// Certificates past [`MAX_CERTIFICATES`](super::MAX_CERTIFICATES) that were not decoded.
    #[serde(skip_serializing_if = "is_zero")]
    pub certificates_dropped: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_key_exchange: Option<ServerKeyExchange>,
    /// The signature scheme of a CertificateVerify (RFC 8446 §4.4.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_scheme: Option<u16>,
    /// An EncryptedExtensions with early_data: the server accepted the
    /// client's 0-RTT data (RFC 8446 §4.2.10).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub early_data_accepted: bool,
    /// A NewSessionTicket's lifetime in seconds (TLS 1.3 ticket_lifetime,
    /// RFC 8446 §4.6.1; TLS 1.2 ticket_lifetime_hint, RFC 5077 §3.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_lifetime: Option<u32>,
    /// The ticket's length in bytes (its content is the server's secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_length: Option<u32>,
    /// A TLS 1.3 ticket's max_early_data_size: 0-RTT bytes it allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_early_data: Option<u32>,
    /// A TLS 1.2 CertificateRequest's certificate types (RFC 5246 §7.4.4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificate_types: Vec<u8>,
    /// The message was read from a record decrypted with the key log.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decrypted: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_code_and_name() {
        for t in 0..=255u8 {
            let kind = HandshakeKind::from_code(t);
            assert_eq!(kind.code(), Some(t));
            assert_eq!(HandshakeKind::from_name(&kind.to_string()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.to_string());
        }
        assert_eq!(HandshakeKind::from_code(2), HandshakeKind::ServerHello);
        assert_eq!(HandshakeKind::HelloRetryRequest.code(), Some(2));
        assert_eq!(HandshakeKind::EncryptedHandshakeMessage.code(), None);
        assert_eq!(
            HandshakeKind::EncryptedHandshakeMessage.to_string(),
            "encrypted_handshake_message"
        );
        assert_eq!(HandshakeKind::from_code(7).to_string(), "unknown(7)");
        assert_eq!(
            HandshakeKind::from_name("hello_retry_request"),
            Some(HandshakeKind::HelloRetryRequest)
        );
        assert!(HandshakeKind::HelloRetryRequest.is_server_hello());
    }

    #[test]
    fn messages_are_split_where_their_lengths_say() {
        // A ClientHello of 2 bytes, a Finished of 0, then 3 bytes of a
        // certificate that claims 5.
        let bytes = [1, 0, 0, 2, 0xaa, 0xbb, 20, 0, 0, 0, 11, 0, 0, 5, 1, 2, 3];
        let mut messages = split_messages(&bytes, 1 << 10);
        let got: Vec<_> = messages.by_ref().map(Result::unwrap).collect();
        assert_eq!(
            got,
            [
                HandshakeMessage {
                    msg_type: 1,
                    body: &[0xaa, 0xbb],
                    offset: 0
                },
                HandshakeMessage {
                    msg_type: 20,
                    body: &[],
                    offset: 6
                }
            ]
        );
        assert_eq!(got[1].kind(), HandshakeKind::Finished);
        assert_eq!(messages.consumed(), 10);
        // A header alone is incomplete; a length past the bound is an error
        // that ends the iteration.
        assert_eq!(read_message(&bytes[..4], 1 << 10), Ok(None));
        assert_eq!(read_message(&bytes[..3], 1 << 10), Ok(None));
        let mut over = split_messages(&[1, 0, 1, 0, 0], 255);
        assert_eq!(
            over.next().map(|m| m.unwrap_err().to_string()),
            Some(
                "TLS handshake message of 256 bytes exceeds the 255-byte bound; its body is skipped unread and the messages after it are decoded"
                    .to_string()
            )
        );
        assert_eq!(over.next(), None);
        assert_eq!(over.consumed(), 0);
    }
}
