//! One DNS message (RFC 1035 §4.1): the header, then the question, answer,
//! authority and additional sections, each question and record read at a
//! known byte offset.

use super::edns::opt_text;
use super::error::{DnsError, Place, Problem, Section};
use super::names::{owner_text, read_name};
use super::ports::DnsProtocol;
use super::rdata::rdata_text;
use super::types::{Class, Flag, Flags, Opcode, RType, Rcode};
use crate::decode::cursor::Cursor;
use serde::Serialize;
use std::net::IpAddr;

/// A question (RFC 1035 §4.1.2).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsQuestion {
    /// Without the trailing dot.
    pub name: String,
    /// "A", "AAAA", "HTTPS", … or "TYPE65280" for unknown types.
    #[serde(rename = "type")]
    pub qtype: RType,
    /// "IN", "CH", … (mDNS unicast-response bit stripped).
    pub class: Class,
}

/// A resource record (RFC 1035 §4.1.3).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsRecord {
    /// Without the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: RType,
    pub ttl: u32,
    /// Presentation form: an address, a target name without the trailing dot,
    /// quoted TXT strings, "10 mail.example.com" for MX, …
    pub data: String,
}

impl DnsRecord {
    /// The address an A or AAAA record holds.
    pub fn addr(&self) -> Option<IpAddr> {
        if !self.rtype.is_address() {
            return None;
        }
        self.data.parse().ok()
    }

    /// The canonical name a CNAME record points to (RFC 1034 §3.6.2),
    /// without the trailing dot.
    pub fn target(&self) -> Option<&str> {
        (self.rtype == RType::CNAME).then_some(self.data.as_str())
    }

    /// An HTTPS record that publishes an ECH configuration, its `ech`
    /// parameter (RFC 9460 §14.3.2, draft-ietf-tls-svcb-ech §2).
    pub fn publishes_ech(&self) -> bool {
        self.rtype == RType::HTTPS && self.data.contains("ech=")
    }
}

/// A DNS message, as decoded from one datagram or one TCP message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DnsMessage {
    pub id: u16,
    pub response: bool,
    /// "QUERY", "NOTIFY", "UPDATE", …
    pub opcode: Opcode,
    /// "NOERROR", "NXDOMAIN", "SERVFAIL", …
    pub rcode: Rcode,
    /// Subset of "AA","TC","RD","RA","AD","CD" in that order.
    pub flags: Flags,
    pub questions: Vec<DnsQuestion>,
    pub answers: Vec<DnsRecord>,
    pub authority: Vec<DnsRecord>,
    pub additional: Vec<DnsRecord>,
    /// "dns", "mdns" or "llmnr" — set by the caller from the port.
    pub protocol: DnsProtocol,
    /// A question or record did not decode (cut short or malformed): the
    /// sections hold what decoded before it, as tshark shows them, and the
    /// packet's errors say what was wrong.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// Filled by flow, not by decoding: on a response matched to its
    /// query, milliseconds since the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Filled by flow, not by decoding: on a response matched to its
    /// query, the query's frame number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_frame: Option<u64>,
}

/// The fixed header (RFC 1035 §4.1.1).
const HEADER_LEN: usize = 12;

/// Decodes one DNS message. `protocol` is copied into the result and
/// changes how some bits are read:
///
/// - mDNS (RFC 6762 §5.4, §10.2) uses the top bit of a question's class as
///   the unicast-response bit and that of a record's class as the
///   cache-flush bit; both are removed before the class is named.
/// - LLMNR (RFC 4795 §2.1.1) puts its C and T bits where DNS has AA and
///   RD, and reserves RA, AD and CD; of the DNS flags only TC is reported.
///
/// The error names what is wrong and where, e.g. "DNS: name compression
/// loop at offset 12: …".
pub fn parse_message(bytes: &[u8], protocol: DnsProtocol) -> Result<DnsMessage, DnsError> {
    match parse_message_partial(bytes, protocol)? {
        (m, None) => Ok(m),
        (_, Some(e)) => Err(e),
    }
}

/// Decodes one DNS message as far as it goes, as tshark does: a question
/// or record that does not decode ends the message there, and what decoded
/// before it is kept (marked `incomplete`) with the error of the one that
/// failed. Only a message shorter than its header is an error alone.
pub fn parse_message_partial(
    bytes: &[u8],
    protocol: DnsProtocol,
) -> Result<(DnsMessage, Option<DnsError>), DnsError> {
    let mut cur = Cursor::new(bytes);
    let header = cur
        .take(HEADER_LEN, "header")
        .map_err(|_| DnsError::ShortHeader { len: bytes.len() })?;
    let word = |i: usize| u16::from_be_bytes([header[2 * i], header[2 * i + 1]]);
    let (id, bits) = (word(0), word(1));
    let [qd, an, ns, ar] = [word(2), word(3), word(4), word(5)];
    let response = bits & 0x8000 != 0;
    let fail = |problem: Problem, place: Place| DnsError::Malformed {
        problem,
        place,
        response,
        id,
    };

    let mut walk = Walk {
        bytes,
        cur,
        mdns: protocol == DnsProtocol::Mdns,
    };
    let mut error = None;
    let mut questions = Vec::with_capacity(usize::from(qd).min(16));
    for i in 1..=qd {
        match walk.question() {
            Ok(q) => questions.push(q),
            Err(e) => {
                error = Some(fail(e, Place::Question(i)));
                break;
            }
        }
    }
    let mut sections: [Vec<DnsRecord>; 3] = Default::default();
    // The TTL field of the first OPT record in the additional section.
    let mut opt_ttl = None;
    for ((section, n), records) in Section::ALL
        .into_iter()
        .zip([an, ns, ar])
        .zip(&mut sections)
    {
        if error.is_some() {
            break;
        }
        records.reserve(usize::from(n).min(16));
        for i in 1..=n {
            match walk.record() {
                Ok((record, opt)) => {
                    if section == Section::Additional && opt_ttl.is_none() {
                        opt_ttl = opt;
                    }
                    records.push(record);
                }
                Err(e) => {
                    error = Some(fail(e, Place::Record(section, i)));
                    break;
                }
            }
        }
    }
    let [answers, authority, additional] = sections;

    // RFC 6891 §6.1.3: the OPT record's TTL field carries the upper 8 bits
    // of a 12-bit RCODE; the header holds the lower 4.
    let rcode = (bits & 0x000f) | (opt_ttl.map_or(0, |ttl| (ttl >> 24) as u16) << 4);
    let mut flags = Flags::from_header(bits);
    if protocol == DnsProtocol::Llmnr {
        flags = flags.iter().filter(|&f| f == Flag::Tc).collect();
    }
    let message = DnsMessage {
        id,
        response,
        opcode: Opcode(((bits >> 11) & 0x0f) as u8),
        rcode: Rcode(rcode),
        flags,
        questions,
        answers,
        authority,
        additional,
        protocol,
        incomplete: error.is_some(),
        latency_ms: None,
        query_frame: None,
    };
    Ok((message, error))
}

/// A position in a message being decoded.
struct Walk<'a> {
    bytes: &'a [u8],
    cur: Cursor<'a>,
    mdns: bool,
}

impl<'a> Walk<'a> {
    /// A domain name, read by hickory (which follows compression pointers).
    fn name(&mut self) -> Result<hickory_proto::rr::Name, Problem> {
        let start = self.cur.pos();
        let (name, end) = read_name(self.bytes, start)?;
        self.cur.take(end - start, "name")?;
        Ok(name)
    }

    /// RFC 1035 §4.1.2.
    fn question(&mut self) -> Result<DnsQuestion, Problem> {
        let name = self.name()?;
        let f = self.cur.take(4, "question's type and class")?;
        let mut class = u16::from_be_bytes([f[2], f[3]]);
        if self.mdns {
            // RFC 6762 §5.4: the unicast-response bit.
            class &= 0x7fff;
        }
        Ok(DnsQuestion {
            name: owner_text(&name),
            qtype: RType(u16::from_be_bytes([f[0], f[1]])),
            class: Class(class),
        })
    }

    /// RFC 1035 §4.1.3. For an OPT record, also its raw TTL field.
    fn record(&mut self) -> Result<(DnsRecord, Option<u32>), Problem> {
        let name = self.name()?;
        let f = self.cur.take(10, "record's type, class, TTL and length")?;
        let rtype = RType(u16::from_be_bytes([f[0], f[1]]));
        // The class is not part of DnsRecord; in mDNS its top bit is the
        // cache-flush bit (RFC 6762 §10.2), for OPT it is the UDP size.
        let class = u16::from_be_bytes([f[2], f[3]]);
        let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
        let len = usize::from(u16::from_be_bytes([f[8], f[9]]));
        let start = self.cur.pos();
        let rdata = self
            .cur
            .take(len, "record's data")
            .map_err(|s| Problem::truncated(s, format!("{rtype} record's data")))?;
        if rtype == RType::OPT {
            let record = DnsRecord {
                name: owner_text(&name),
                rtype,
                // RFC 6891 §6.1.3: the TTL field holds the extended RCODE,
                // version and flags, which go into `data`.
                ttl: 0,
                data: opt_text(class, ttl, rdata),
            };
            return Ok((record, Some(ttl)));
        }
        let record = DnsRecord {
            name: owner_text(&name),
            rtype,
            ttl,
            data: rdata_text(&self.bytes[..start + len], start, rtype),
        };
        Ok((record, None))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{all_messages, opt, parse, q, rr};
    use super::*;

    #[test]
    fn query_with_edns_cookie() {
        // Frame 1. tshark: Transaction ID 0x9969, Flags 0x0120 (RD, AD),
        // www.example.test type A class IN; OPT UDP payload size 1232,
        // EDNS0 version 0, DO 0, Option COOKIE b52110749ee319b8.
        let m = parse(fixture!("a-query"));
        assert_eq!(m.id, 0x9969);
        assert!(!m.response);
        assert_eq!(m.opcode, Opcode::QUERY);
        assert_eq!(m.rcode, Rcode::NOERROR);
        assert_eq!(m.flags.names(), ["RD", "AD"]);
        assert_eq!(m.questions, q("www.example.test", RType::A));
        assert!(m.answers.is_empty() && m.authority.is_empty());
        assert_eq!(
            m.additional,
            [opt("udp=1232 do=0 version=0 cookie=b52110749ee319b8")]
        );
        assert_eq!(m.protocol, DnsProtocol::Dns);
        assert_eq!((m.latency_ms, m.query_frame), (None, None));
    }

    #[test]
    fn a_response() {
        // Frame 2. tshark: 0x9969, Flags 0x8580 (QR AA RD RA), No error;
        // www.example.test A IN TTL 300 addr 192.0.2.10; OPT 1232, no options.
        let m = parse(fixture!("a-response"));
        assert_eq!(m.id, 0x9969);
        assert!(m.response);
        assert_eq!(m.rcode, Rcode::NOERROR);
        assert_eq!(m.flags.names(), ["AA", "RD", "RA"]);
        assert_eq!(m.questions, q("www.example.test", RType::A));
        assert_eq!(
            m.answers,
            [rr("www.example.test", RType::A, 300, "192.0.2.10")]
        );
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
    }

    #[test]
    fn nxdomain_without_aa() {
        // Frame 36. tshark: Flags 0x8183, No such name.
        let m = parse(fixture!("nxdomain-response"));
        assert_eq!(m.id, 0x20f5);
        assert_eq!(m.rcode, Rcode::NXDOMAIN);
        assert_eq!(m.flags.names(), ["RD", "RA"]);
        assert_eq!(m.questions, q("nothere.example.test", RType::A));
        assert!(m.answers.is_empty() && m.authority.is_empty());
    }

    #[test]
    fn extended_rcode_from_the_opt_record() {
        // Frame 2 with the OPT TTL's top byte (the upper RCODE bits) set to
        // 1: RCODE 1 << 4 | 0 = 16, BADVERS (RFC 6891 §6.1.3, §7).
        let mut b = fixture!("a-response").to_vec();
        let ttl_at = b.len() - 6;
        assert_eq!(b[ttl_at..ttl_at + 4], [0, 0, 0, 0]);
        b[ttl_at] = 1;
        let m = parse(&b);
        assert_eq!(m.rcode, Rcode::BADVERS);
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
        // Without an OPT record only the header's 4 bits count.
        let mut b = fixture!("noedns-response").to_vec();
        b[3] |= 0x05;
        assert_eq!(parse(&b).rcode, Rcode::REFUSED);
    }

    #[test]
    fn mdns_class_bits_are_stripped() {
        // Frame 1's question with the unicast-response bit (RFC 6762 §5.4):
        // class 0x8001.
        let mut b = fixture!("a-query").to_vec();
        let class_at = 12 + 18 + 2; // header, www.example.test, type
        assert_eq!(b[class_at..class_at + 2], [0, 1]);
        b[class_at] = 0x80;
        let m = parse_message(&b, DnsProtocol::Mdns).unwrap();
        assert_eq!(m.protocol, DnsProtocol::Mdns);
        assert_eq!(m.questions, q("www.example.test", RType::A));
        assert_eq!(parse(&b).questions[0].class, Class(32769));
        // Frame 2's answer with the cache-flush bit (RFC 6762 §10.2): the
        // record reads the same; the OPT class (the UDP size) is untouched.
        let mut b = fixture!("a-response").to_vec();
        let rclass_at = 12 + 18 + 4 + 2 + 2; // question, pointer, type
        assert_eq!(b[rclass_at..rclass_at + 2], [0, 1]);
        b[rclass_at] = 0x80;
        let m = parse_message(&b, DnsProtocol::Mdns).unwrap();
        assert_eq!(
            m.answers,
            [rr("www.example.test", RType::A, 300, "192.0.2.10")]
        );
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
    }

    #[test]
    fn header_fields() {
        let mut b = fixture!("a-query").to_vec();
        // Opcode 5 (UPDATE), then 3 (unassigned); CD set.
        b[2] = (b[2] & 0x87) | 5 << 3;
        b[3] |= 0x10;
        let m = parse(&b);
        assert_eq!(m.opcode, Opcode::UPDATE);
        assert_eq!(m.flags.names(), ["RD", "AD", "CD"]);
        b[2] = (b[2] & 0x87) | 3 << 3;
        assert_eq!(parse(&b).opcode, Opcode(3));
        // LLMNR's C and T bits sit where AA and RD are; only TC is named.
        let mut b = fixture!("a-response").to_vec();
        assert!(parse_message(&b, DnsProtocol::Llmnr)
            .unwrap()
            .flags
            .is_empty());
        b[2] |= 0x02;
        assert_eq!(
            parse_message(&b, DnsProtocol::Llmnr).unwrap().flags.names(),
            ["TC"]
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        assert_eq!(
            parse_message(&[0; 5], DnsProtocol::Dns)
                .unwrap_err()
                .to_string(),
            "DNS: message of 5 bytes is shorter than the 12-byte header"
        );
        for (name, full) in all_messages() {
            assert!(parse_message(full, DnsProtocol::Dns).is_ok(), "{name}");
            for n in 0..full.len() {
                assert!(
                    parse_message(&full[..n], DnsProtocol::Dns).is_err(),
                    "{name} cut to {n} bytes"
                );
            }
        }
        // Where a cut lands is said.
        let b = fixture!("a-response");
        let e = parse_message(&b[..b.len() - 13], DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "DNS: message ends at offset 48 inside the A record's data at offset 46 \
             (4 bytes needed, 2 left) (in answer record 1 of response 0x9969)"
        );
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        for (_, full) in all_messages() {
            let mut b = full.to_vec();
            for i in 0..b.len() {
                let keep = b[i];
                for v in [0x00, 0x01, 0x05, 0x3f, 0x40, 0x80, 0xc0, 0xff, keep ^ 0x20] {
                    b[i] = v;
                    for protocol in [DnsProtocol::Dns, DnsProtocol::Mdns, DnsProtocol::Llmnr] {
                        let _ = parse_message(&b, protocol);
                    }
                }
                b[i] = keep;
            }
        }
    }
}
