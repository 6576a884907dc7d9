//! TLS record layer and handshake messages (RFC 8446, RFC 5246).
//!
//! INTERFACE STUB — to be implemented.

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
    /// Handshake message length (without its 4-byte header).
    pub length: u32,
    /// Frames the message was reassembled from, in stream order.
    pub frames: Vec<u64>,
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub struct TlsStream;
impl TlsStream {
    pub fn new(_m: usize) -> Self {
        TlsStream
    }
    pub fn feed(&mut self, _d: &[u8], _f: u64, _o: &mut TlsInfo, _e: &mut Vec<String>) {}
    pub fn gap(&mut self, _e: &mut Vec<String>) {}
    pub fn buffered(&self) -> usize {
        0
    }
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub fn looks_like_tls(_f: &[u8]) -> bool {
    false
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub fn is_post_quantum_group(_g: u16) -> bool {
    false
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub fn group_name(_g: u16) -> Option<&'static str> {
    None
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub fn cipher_suite_name(_g: u16) -> Option<&'static str> {
    None
}
