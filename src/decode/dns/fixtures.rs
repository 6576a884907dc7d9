//! Fixtures: DNS payloads that dig sent to and received from dnsmasq on
//! 127.0.0.1 (src/decode/testdata/dns/README.txt says how). The expected
//! values in the tests are what tshark 4.0 shows for the same frames of
//! testdata/dns/dns-loopback.pcap, and dig's presentation form where
//! tshark has none.

use super::{parse_message, Class, DnsMessage, DnsProtocol, DnsQuestion, DnsRecord, RType};

/// Every fixture; TCP ones without their two-byte length prefix.
pub fn all_messages() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("a-query", fixture!("a-query")),
        ("a-response", fixture!("a-response")),
        ("aaaa-response", fixture!("aaaa-response")),
        ("cname-response", fixture!("cname-response")),
        ("mx-response", fixture!("mx-response")),
        ("txt-response", fixture!("txt-response")),
        ("txt-malformed-response", fixture!("txt-malformed-response")),
        ("txt-escapes-response", fixture!("txt-escapes-response")),
        ("srv-response", fixture!("srv-response")),
        ("ptr-response", fixture!("ptr-response")),
        ("https-query", fixture!("https-query")),
        ("https-response", fixture!("https-response")),
        ("svcb-response", fixture!("svcb-response")),
        ("svcb-alias-response", fixture!("svcb-alias-response")),
        ("soa-response", fixture!("soa-response")),
        ("ns-response", fixture!("ns-response")),
        ("dname-response", fixture!("dname-response")),
        ("caa-response", fixture!("caa-response")),
        ("type65280-response", fixture!("type65280-response")),
        ("nxdomain-response", fixture!("nxdomain-response")),
        ("dnssec-query", fixture!("dnssec-query")),
        ("dnssec-response", fixture!("dnssec-response")),
        ("ecs-query", fixture!("ecs-query")),
        ("odd-name-query", fixture!("odd-name-query")),
        ("odd-name-response", fixture!("odd-name-response")),
        ("edns1-query", fixture!("edns1-query")),
        ("noedns-response", fixture!("noedns-response")),
        ("tcp-a-query", &fixture!("tcp-a-query")[2..]),
        ("tcp-a-response", &fixture!("tcp-a-response")[2..]),
        ("tcp-mx-query", &fixture!("tcp-mx-query")[2..]),
        ("tcp-mx-response", &fixture!("tcp-mx-response")[2..]),
    ]
}

pub fn parse(bytes: &[u8]) -> DnsMessage {
    parse_message(bytes, DnsProtocol::Dns).unwrap()
}

pub fn q(name: &str, qtype: RType) -> Vec<DnsQuestion> {
    vec![DnsQuestion {
        name: name.into(),
        qtype,
        class: Class::IN,
    }]
}

pub fn rr(name: &str, rtype: RType, ttl: u32, data: &str) -> DnsRecord {
    DnsRecord {
        name: name.into(),
        rtype,
        ttl,
        data: data.into(),
    }
}

/// The OPT record dnsmasq puts in every answer to an EDNS query.
pub fn opt(data: &str) -> DnsRecord {
    rr("<root>", RType::OPT, 0, data)
}

/// A header of `response` 0x9969 with one question and nothing else,
/// followed by `rest`.
pub fn crafted(rest: &[u8]) -> Vec<u8> {
    let mut b = fixture!("a-response")[..12].to_vec();
    b[4..12].copy_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(rest);
    b
}
