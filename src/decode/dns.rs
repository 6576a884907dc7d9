//! DNS messages (RFC 1034/1035) over UDP and TCP, decoded with hickory-proto
//! and shown in presentation form (RFC 1035 §5.1, RFC 3597 for unknown
//! types, RFC 9460 for SVCB/HTTPS).

use hickory_proto::op::Message;
use hickory_proto::rr::rdata::svcb::{SvcParamValue, SVCB};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use serde::Serialize;
use std::fmt::Write as _;

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

/// The DNS flavour spoken on a UDP or TCP port: unicast DNS (RFC 1035),
/// multicast DNS (RFC 6762) or LLMNR (RFC 4795).
pub fn is_dns_port(port: u16) -> Option<&'static str> {
    match port {
        53 => Some("dns"),
        5353 => Some("mdns"),
        5355 => Some("llmnr"),
        _ => None,
    }
}

const HEADER_LEN: usize = 12;

/// Decodes one DNS message. On a message hickory cannot decode the header
/// is still read; the error names what went wrong.
pub fn parse_message(bytes: &[u8], protocol: &'static str) -> Result<DnsMessage, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "DNS: message of {} bytes is shorter than the 12-byte header",
            bytes.len()
        ));
    }
    let msg = Message::from_vec(bytes).map_err(|e| {
        let h = header_only(bytes, protocol);
        format!(
            "DNS: id 0x{:04x} {}: cannot decode the message: {e}",
            h.id,
            if h.response { "response" } else { "query" }
        )
    })?;
    let mdns = protocol == "mdns";
    let md = &msg.metadata;
    // RFC 6891 §6.1.3: the OPT record carries the upper 8 bits of a
    // 12-bit RCODE.
    let low = u16::from(bytes[3] & 0x0f);
    let high = msg.edns.as_ref().map_or(0, |e| u16::from(e.rcode_high()));
    let mut flags = Vec::new();
    for (on, name) in [
        (md.authoritative, "AA"),
        (md.truncation, "TC"),
        (md.recursion_desired, "RD"),
        (md.recursion_available, "RA"),
        (md.authentic_data, "AD"),
        (md.checking_disabled, "CD"),
    ] {
        if on {
            flags.push(name);
        }
    }
    let mut additional: Vec<DnsRecord> = msg.additionals.iter().map(record).collect();
    if let Some(e) = &msg.edns {
        let mut data = format!(
            "udp={} do={} version={}",
            e.max_payload(),
            u8::from(e.flags().dnssec_ok),
            e.version()
        );
        for (code, _) in e.options().as_ref() {
            let _ = write!(data, " option{}", u16::from(*code));
        }
        additional.push(DnsRecord {
            name: "<root>".to_string(),
            rtype: "OPT".to_string(),
            ttl: 0,
            data,
        });
    }
    Ok(DnsMessage {
        id: md.id,
        response: bytes[2] & 0x80 != 0,
        opcode: opcode_name(bytes[2] >> 3 & 0x0f),
        rcode: rcode_name(high << 4 | low),
        flags,
        questions: msg
            .queries
            .iter()
            .map(|q| DnsQuestion {
                name: name_text(&q.name),
                qtype: type_name(q.query_type),
                class: class_name(q.query_class, mdns),
            })
            .collect(),
        answers: msg.answers.iter().map(record).collect(),
        authority: msg.authorities.iter().map(record).collect(),
        additional,
        protocol,
        latency_ms: None,
        query_frame: None,
    })
}

/// The header alone, for the error message of an undecodable message.
fn header_only(bytes: &[u8], protocol: &'static str) -> DnsMessage {
    DnsMessage {
        id: u16::from_be_bytes([bytes[0], bytes[1]]),
        response: bytes[2] & 0x80 != 0,
        opcode: opcode_name(bytes[2] >> 3 & 0x0f),
        rcode: rcode_name(u16::from(bytes[3] & 0x0f)),
        flags: Vec::new(),
        questions: Vec::new(),
        answers: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
        protocol,
        latency_ms: None,
        query_frame: None,
    }
}

/// RFC 1035 §4.1.1 and the IANA registry.
fn opcode_name(op: u8) -> String {
    match op {
        0 => "QUERY".into(),
        1 => "IQUERY".into(),
        2 => "STATUS".into(),
        4 => "NOTIFY".into(),
        5 => "UPDATE".into(),
        6 => "DSO".into(),
        n => format!("OPCODE{n}"),
    }
}

fn rcode_name(rc: u16) -> String {
    let name = match rc {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        23 => "BADCOOKIE",
        n => return format!("RCODE{n}"),
    };
    name.to_string()
}

fn type_name(t: RecordType) -> String {
    match t {
        RecordType::Unknown(n) => format!("TYPE{n}"),
        t => t.to_string(),
    }
}

/// Class name; in mDNS the top bit is the unicast-response (questions) or
/// cache-flush (records) flag, not part of the class (RFC 6762 §5.4, §10.2).
fn class_name(c: DNSClass, mdns: bool) -> String {
    let mut v = u16::from(c);
    if mdns {
        v &= 0x7fff;
    }
    match v {
        1 => "IN".into(),
        3 => "CH".into(),
        4 => "HS".into(),
        254 => "NONE".into(),
        255 => "ANY".into(),
        n => format!("CLASS{n}"),
    }
}

/// A domain name in presentation form without the trailing dot: bytes
/// outside printable ASCII as `\DDD`, a dot or backslash inside a label
/// escaped (RFC 1035 §5.1). The root is shown as `<root>`.
pub fn name_text(name: &Name) -> String {
    if name.is_root() || name.num_labels() == 0 {
        return "<root>".to_string();
    }
    let mut out = String::new();
    for (i, label) in name.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        for &b in label {
            match b {
                b'.' | b'\\' | b'"' => {
                    out.push('\\');
                    out.push(b as char);
                }
                0x21..=0x7e => out.push(b as char),
                _ => {
                    let _ = write!(out, "\\{b:03}");
                }
            }
        }
    }
    out
}

/// A character-string in presentation form: quoted, with `"` and `\`
/// escaped and bytes outside printable ASCII as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// RFC 9460 §2.1: "priority target key=value …"; the root target is ".".
fn svcb_text(s: &SVCB) -> String {
    let target = if s.target_name.is_root() {
        ".".to_string()
    } else {
        name_text(&s.target_name)
    };
    let mut out = format!("{} {target}", s.svc_priority);
    for (key, value) in &s.svc_params {
        let v = match value {
            SvcParamValue::Mandatory(m) => {
                let keys: Vec<String> = m.0.iter().map(ToString::to_string).collect();
                format!("mandatory={}", keys.join(","))
            }
            SvcParamValue::Alpn(a) => format!("alpn={}", a.0.join(",")),
            SvcParamValue::NoDefaultAlpn => "no-default-alpn".to_string(),
            SvcParamValue::Port(p) => format!("port={p}"),
            SvcParamValue::Ipv4Hint(h) => {
                let v: Vec<String> = h.0.iter().map(|a| a.0.to_string()).collect();
                format!("ipv4hint={}", v.join(","))
            }
            SvcParamValue::Ipv6Hint(h) => {
                let v: Vec<String> = h.0.iter().map(|a| a.0.to_string()).collect();
                format!("ipv6hint={}", v.join(","))
            }
            SvcParamValue::EchConfigList(e) => format!("ech=<{} bytes>", e.0.len()),
            SvcParamValue::Unknown(u) => format!("{key}={}", hex(&u.0)),
        };
        out.push(' ');
        out.push_str(&v);
    }
    out
}

fn rdata_text(data: &RData) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(n) => name_text(&n.0),
        RData::NS(n) => name_text(&n.0),
        RData::PTR(n) => name_text(&n.0),
        RData::ANAME(n) => name_text(&n.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name_text(&mx.exchange)),
        RData::SRV(s) => format!(
            "{} {} {} {}",
            s.priority,
            s.weight,
            s.port,
            name_text(&s.target)
        ),
        RData::SOA(s) => format!(
            "{} {} {} {} {} {} {}",
            name_text(&s.mname),
            name_text(&s.rname),
            s.serial,
            s.refresh,
            s.retry,
            s.expire,
            s.minimum
        ),
        RData::TXT(t) => t
            .txt_data
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        RData::CAA(c) => format!(
            "{} {} {}",
            if c.issuer_critical { 128 } else { 0 } | c.reserved_flags,
            c.tag,
            quoted(&c.value)
        ),
        RData::HTTPS(h) => svcb_text(&h.0),
        RData::SVCB(s) => svcb_text(s),
        RData::NULL(n) => unknown_text(&n.anything),
        RData::Unknown { rdata, .. } => unknown_text(&rdata.anything),
        RData::Update0(_) => String::new(),
        other => other.to_string(),
    }
}

/// RFC 3597 §5: `\# length hex`.
fn unknown_text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "\\# 0".to_string()
    } else {
        format!("\\# {} {}", bytes.len(), hex(bytes))
    }
}

fn record(r: &Record) -> DnsRecord {
    DnsRecord {
        name: name_text(&r.name),
        rtype: type_name(r.record_type()),
        ttl: r.ttl,
        data: rdata_text(&r.data),
    }
}

/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded
/// by its length in two bytes; a segment may hold several messages or part
/// of one.
pub struct DnsTcpStream {
    buf: Vec<u8>,
    max_buffer: usize,
    /// Framing was lost (a gap, or a bound); nothing more is decoded.
    lost: bool,
}

impl DnsTcpStream {
    pub fn new(max_buffer: usize) -> Self {
        DnsTcpStream {
            buf: Vec::new(),
            max_buffer,
            lost: false,
        }
    }

    /// Takes the next in-order bytes of one direction; completed messages
    /// go to `out`, problems to `errors`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<DnsMessage>, errors: &mut Vec<String>) {
        if self.lost {
            return;
        }
        if self.buf.len() + data.len() > self.max_buffer {
            errors.push(format!(
                "DNS over TCP: {} bytes waiting exceed the {}-byte bound; this stream is no longer decoded",
                self.buf.len() + data.len(),
                self.max_buffer
            ));
            self.buf = Vec::new();
            self.lost = true;
            return;
        }
        self.buf.extend_from_slice(data);
        let mut at = 0;
        while self.buf.len() - at >= 2 {
            let len = usize::from(u16::from_be_bytes([self.buf[at], self.buf[at + 1]]));
            if self.buf.len() - at - 2 < len {
                break;
            }
            match parse_message(&self.buf[at + 2..at + 2 + len], "dns") {
                Ok(m) => out.push(m),
                Err(e) => errors.push(e),
            }
            at += 2 + len;
        }
        self.buf.drain(..at);
    }

    /// Bytes of this direction were not captured: the length prefixes can
    /// no longer be found, so decoding stops.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.lost {
            errors.push(
                "DNS over TCP: bytes missing from the capture; the message framing is lost and the rest of this stream is not decoded"
                    .to_string(),
            );
        }
        self.buf = Vec::new();
        self.lost = true;
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex from samples/dns-types.pcapng (dig against dnsmasq), UDP or TCP
    /// payload of the frame named in each test.
    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    // Frame 7: query A www.google.com with EDNS and a cookie option.
    const QUERY_A: &str = "6903012000010000000000010377777706676f6f676c6503636f6d000001000100002904d000000000000c000a0008538202e6ca2919c7";
    // Frame 8: its answer, a CNAME chain.
    const CNAME_CHAIN: &str = "6903858000010002000000010377777706676f6f676c6503636f6d0000010001c00c000500010000012c00130477777733016c06676f6f676c6503636f6d00c02c000100010000012c0004cb00716400002904d0000000000000";
    // Frame 18: HTTPS record, priority 1, target ".", alpn h2,h3.
    const HTTPS: &str = "12e0858000010001000000010477777733016c06676f6f676c6503636f6d0000410001c00c004100010000012c000d0001000001000602683202683300002904d0000000000000";
    // Frame 20: NXDOMAIN.
    const NXDOMAIN: &str = "478481830001000000000001066e6f7375636806676f6f676c6503636f6d000001000100002904d0000000000000";
    // Frame 22: truncated answer without EDNS.
    const TRUNCATED: &str = "a2d0878000010000000000000362696706676f6f676c6503636f6d0000100001";
    // Frames 36 and 38: DNS over TCP, with the two-byte length prefix.
    const TCP_QUERY: &str = "003a9b42012000010000000000010673746174696306676f6f676c6503636f6d000001000100002904d000000000000c000a00080264dccd52bc8f08";
    const TCP_ANSWER: &str = "003e9b42858000010001000000010673746174696306676f6f676c6503636f6d0000010001c00c000100010000012c0004cb00716400002904d0000000000000";

    #[test]
    fn query_fields_match_tshark() {
        let m = parse_message(&bytes(QUERY_A), "dns").unwrap();
        assert_eq!(m.id, 0x6903);
        assert!(!m.response);
        assert_eq!(m.opcode, "QUERY");
        assert_eq!(m.flags, vec!["RD", "AD"]);
        assert_eq!(
            m.questions,
            vec![DnsQuestion {
                name: "www.google.com".into(),
                qtype: "A".into(),
                class: "IN".into()
            }]
        );
        assert_eq!(m.additional.len(), 1);
        assert_eq!(m.additional[0].rtype, "OPT");
        assert_eq!(m.additional[0].data, "udp=1232 do=0 version=0 option10");
    }

    #[test]
    fn cname_chain_answer() {
        let m = parse_message(&bytes(CNAME_CHAIN), "dns").unwrap();
        assert!(m.response);
        assert_eq!(m.rcode, "NOERROR");
        assert_eq!(m.flags, vec!["AA", "RD", "RA"]);
        let a: Vec<(&str, &str, u32, &str)> = m
            .answers
            .iter()
            .map(|r| (r.name.as_str(), r.rtype.as_str(), r.ttl, r.data.as_str()))
            .collect();
        assert_eq!(
            a,
            vec![
                ("www.google.com", "CNAME", 300, "www3.l.google.com"),
                ("www3.l.google.com", "A", 300, "203.0.113.100"),
            ]
        );
    }

    #[test]
    fn https_record_in_presentation_form() {
        let m = parse_message(&bytes(HTTPS), "dns").unwrap();
        assert_eq!(m.questions[0].qtype, "HTTPS");
        assert_eq!(m.answers[0].data, "1 . alpn=h2,h3");
    }

    #[test]
    fn nxdomain_and_truncation() {
        let m = parse_message(&bytes(NXDOMAIN), "dns").unwrap();
        assert_eq!(m.rcode, "NXDOMAIN");
        assert!(m.answers.is_empty());
        let t = parse_message(&bytes(TRUNCATED), "dns").unwrap();
        assert_eq!(t.flags, vec!["AA", "TC", "RD", "RA"]);
        assert_eq!(t.questions[0].qtype, "TXT");
    }

    #[test]
    fn tcp_framing_across_and_within_feeds() {
        let q = bytes(TCP_QUERY);
        let a = bytes(TCP_ANSWER);
        // Both messages in one feed.
        let mut s = DnsTcpStream::new(65537);
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        let both: Vec<u8> = q.iter().chain(&a).copied().collect();
        s.feed(&both, &mut out, &mut errors);
        assert_eq!(out.len(), 2);
        assert!(errors.is_empty());
        assert_eq!(out[1].answers[0].data, "203.0.113.100");
        // One message split in three, the first split inside the prefix.
        let mut s = DnsTcpStream::new(65537);
        out.clear();
        s.feed(&a[..1], &mut out, &mut errors);
        s.feed(&a[1..20], &mut out, &mut errors);
        assert!(out.is_empty());
        assert_eq!(s.buffered(), 20);
        s.feed(&a[20..], &mut out, &mut errors);
        assert_eq!(out.len(), 1);
        assert_eq!(s.buffered(), 0);
        // A gap ends decoding, said once.
        s.gap(&mut errors);
        s.gap(&mut errors);
        s.feed(&q, &mut out, &mut errors);
        assert_eq!(out.len(), 1);
        assert_eq!(errors.len(), 1);
        // The bound.
        let mut s = DnsTcpStream::new(10);
        s.feed(&q, &mut out, &mut errors);
        assert!(errors[1].contains("exceed the 10-byte bound"));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for hex in [QUERY_A, CNAME_CHAIN, HTTPS, NXDOMAIN] {
            let full = bytes(hex);
            for n in 0..full.len() {
                let _ = parse_message(&full[..n], "dns");
            }
        }
        assert!(parse_message(&[0; 5], "dns")
            .unwrap_err()
            .contains("shorter than the 12-byte header"));
    }

    #[test]
    fn compression_loop_and_long_label_are_refused() {
        // The answer's name points at itself (offset 12 → 12).
        let mut m = bytes(NXDOMAIN)[..12].to_vec();
        m[5] = 1; // one question
        m[11] = 0; // no additional records
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        let e = parse_message(&m, "dns").unwrap_err();
        assert!(
            e.starts_with("DNS: id 0x4784 response: cannot decode"),
            "{e}"
        );
        // A 64-byte label.
        let mut m = bytes(NXDOMAIN)[..12].to_vec();
        m[5] = 1;
        m[11] = 0;
        m.push(64);
        m.extend_from_slice(&[b'a'; 64]);
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert!(parse_message(&m, "dns").is_err());
    }

    #[test]
    fn odd_bytes_in_names_are_escaped_and_mdns_class_bit_is_stripped() {
        // The query of frame 7 with its first label changed to ".\x1bw" and
        // its class to 0x8001 (mDNS unicast-response bit).
        let mut m = bytes(QUERY_A);
        m[13] = b'.';
        m[14] = 0x1b;
        let at = 12 + 16 + 2; // after the name and the type
        m[at] = 0x80;
        let d = parse_message(&m, "mdns").unwrap();
        assert_eq!(d.questions[0].name, "\\.\\027w.google.com");
        assert_eq!(d.questions[0].class, "IN");
        assert_eq!(
            parse_message(&m, "dns").unwrap().questions[0].class,
            "CLASS32769"
        );
    }
}
