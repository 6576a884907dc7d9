//! DNS messages (RFC 1034/1035) over UDP and TCP, decoded with hickory-proto.
//!
//! INTERFACE STUB — to be implemented.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsQuestion {
    /// Without the trailing dot.
    pub name: String,
    /// "A", "AAAA", "HTTPS", … or "TYPE65280" for unknown types.
    #[serde(rename = "type")]
    pub qtype: String,
    /// "IN", "CH", … (mDNS unicast-response bit stripped).
    pub class: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsRecord {
    /// Without the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    /// Presentation form: an address, a target name without the trailing dot,
    /// quoted TXT strings, "10 mail.example.com" for MX, …
    pub data: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsMessage {
    pub id: u16,
    pub response: bool,
    /// "QUERY", "NOTIFY", "UPDATE", …
    pub opcode: String,
    /// "NOERROR", "NXDOMAIN", "SERVFAIL", …
    pub rcode: String,
    /// Subset of "AA","TC","RD","RA","AD","CD" in that order.
    pub flags: Vec<&'static str>,
    pub questions: Vec<DnsQuestion>,
    pub answers: Vec<DnsRecord>,
    pub authority: Vec<DnsRecord>,
    pub additional: Vec<DnsRecord>,
    /// "dns", "mdns" or "llmnr" — set by the caller from the port.
    pub protocol: &'static str,
    /// On a response matched to its query: milliseconds since the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// On a response matched to its query: the query's frame number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_frame: Option<u64>,
}

/// PLACEHOLDER until the real decoder lands.
pub fn is_dns_port(port: u16) -> Option<&'static str> {
    match port {
        53 => Some("dns"),
        5353 => Some("mdns"),
        5355 => Some("llmnr"),
        _ => None,
    }
}
/// PLACEHOLDER until the real decoder lands.
pub fn parse_message(_b: &[u8], _p: &'static str) -> Result<DnsMessage, String> {
    Err("not yet".into())
}
/// PLACEHOLDER until the real decoder lands (delete me).
pub struct DnsTcpStream;
impl DnsTcpStream {
    pub fn new(_m: usize) -> Self {
        DnsTcpStream
    }
    pub fn feed(&mut self, _d: &[u8], _o: &mut Vec<DnsMessage>, _e: &mut Vec<String>) {}
    pub fn gap(&mut self, _e: &mut Vec<String>) {}
    pub fn buffered(&self) -> usize {
        0
    }
}
