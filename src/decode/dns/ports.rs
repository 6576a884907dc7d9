//! Which DNS flavour a port speaks — unicast DNS (RFC 1035 §4.2), multicast
//! DNS (RFC 6762) or LLMNR (RFC 4795) — and the transport a message came
//! over (RFC 1035 §4.2.1 UDP, §4.2.2 TCP).

use serde::Serialize;
use std::fmt;

/// The DNS flavour of a message, set from the port it used: "dns",
/// "mdns" or "llmnr".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsProtocol {
    /// Unicast DNS, port 53 (RFC 1035).
    Dns,
    /// Multicast DNS, port 5353 (RFC 6762).
    Mdns,
    /// Link-Local Multicast Name Resolution, port 5355 (RFC 4795).
    Llmnr,
}

impl DnsProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsProtocol::Dns => "dns",
            DnsProtocol::Mdns => "mdns",
            DnsProtocol::Llmnr => "llmnr",
        }
    }
}

impl fmt::Display for DnsProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The DNS flavour spoken on a UDP or TCP port: unicast DNS (RFC 1035),
/// multicast DNS (RFC 6762) or LLMNR (RFC 4795).
pub fn is_dns_port(port: u16) -> Option<DnsProtocol> {
    match port {
        53 => Some(DnsProtocol::Dns),
        5353 => Some(DnsProtocol::Mdns),
        5355 => Some(DnsProtocol::Llmnr),
        _ => None,
    }
}

/// TCP ports whose streams are DNS (RFC 1035 §4.2.2): 53, and 5353 as in
/// tshark's DNS TCP port range, decoded as plain DNS.
pub fn is_dns_tcp_port(port: u16) -> bool {
    matches!(port, 53 | 5353)
}

/// How a DNS message was carried: "udp" or "tcp".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// One message per datagram (RFC 1035 §4.2.1).
    Udp,
    /// Length-prefixed messages on a stream (RFC 1035 §4.2.2).
    Tcp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_ports() {
        assert_eq!(is_dns_port(53), Some(DnsProtocol::Dns));
        assert_eq!(is_dns_port(5353).unwrap().to_string(), "mdns");
        assert_eq!(
            serde_json::to_string(&is_dns_port(5355)).unwrap(),
            r#""llmnr""#
        );
        assert_eq!(is_dns_port(80), None);
        assert_eq!(serde_json::to_string(&Transport::Tcp).unwrap(), r#""tcp""#);
    }
}
