//! HTTP/1.x message heads (RFC 9112) parsed with httparse.

use serde::Serialize;

/// One HTTP/1.x request or response head.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HttpMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// "HTTP/1.0" or "HTTP/1.1".
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub chunked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Frames the head was reassembled from.
    pub frames: Vec<u64>,
}
