//! DNS messages (RFC 1034/1035) over UDP and TCP, decoded with hickory-proto
//! and shown in presentation form (RFC 1035 §5.1; RFC 3597 §5 for types
//! without a known form; RFC 9460 §2.1 for SVCB and HTTPS).
//!
//! The message is walked section by section: hickory-proto reads every
//! domain name (with compression, RFC 1035 §4.1.4) and every record's data,
//! while the fixed-size fields (header, type, class, TTL, length) are read
//! here so that each problem can be placed at a byte offset. This also
//! lets a message survive one record hickory cannot decode:
//!
//! - A record whose data hickory rejects (a TXT string running past the
//!   record, an SVCB ALPN that is not UTF-8, …) keeps its name, type and
//!   TTL; its data is given in the generic form `\# <len> <hex>` followed
//!   by a master-file comment saying why, e.g.
//!   `\# 19 0b62… ; malformed TXT data: decoding stopped at byte 13 of 19`.
//!   The rest of the message is decoded as usual. (`Message::from_vec`
//!   would reject the whole message instead.)
//! - A broken name, or a message that ends inside a question or a record,
//!   makes the whole message an error: the record boundaries after it are
//!   unknown.
//! - The OPT pseudo-record (RFC 6891) is read here rather than through
//!   hickory, whose decoder drops every option when one is malformed and
//!   moves the record out of the additional section.
//!
//! Names are shown without the trailing dot, with bytes outside printable
//! ASCII as `\DDD` and the characters `. \ " ( ) ; @ $` escaped with a
//! backslash, as BIND does. An owner or question name that is the root is
//! shown as `<root>`; a root name inside record data (an SVCB target, a
//! null MX) as `.`.

use hickory_proto::rr::rdata::svcb::{SvcParamKey, SvcParamValue, SVCB};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, DecodeError, Restrict};
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

/// The fixed header (RFC 1035 §4.1.1).
const HEADER_LEN: usize = 12;
/// The OPT pseudo-record (RFC 6891 §6.1.2).
const TYPE_OPT: u16 = 41;

/// Decodes one DNS message. `protocol` is "dns", "mdns" or "llmnr"; it is
/// copied into the result and changes how some bits are read:
///
/// - mDNS (RFC 6762 §5.4, §10.2) uses the top bit of a question's class as
///   the unicast-response bit and that of a record's class as the
///   cache-flush bit; both are removed before the class is named.
/// - LLMNR (RFC 4795 §2.1.1) puts its C and T bits where DNS has AA and
///   RD, and reserves RA, AD and CD; of the DNS flags only TC is reported.
///
/// The error names what is wrong and where, e.g. "DNS: name compression
/// loop at offset 12: …".
pub fn parse_message(bytes: &[u8], protocol: &'static str) -> Result<DnsMessage, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "DNS: message of {} bytes is shorter than the 12-byte header",
            bytes.len()
        ));
    }
    let id = u16::from_be_bytes([bytes[0], bytes[1]]);
    let bits = u16::from_be_bytes([bytes[2], bytes[3]]);
    let count = |i: usize| u16::from_be_bytes([bytes[4 + 2 * i], bytes[5 + 2 * i]]);
    let response = bits & 0x8000 != 0;
    let fail = |problem: String, place: String| {
        let kind = if response { "response" } else { "query" };
        format!("DNS: {problem} (in {place} of {kind} 0x{id:04x})")
    };

    let mut walk = Walk {
        bytes,
        pos: HEADER_LEN,
        mdns: protocol == "mdns",
    };
    let mut questions = Vec::with_capacity(usize::from(count(0)).min(16));
    for i in 1..=count(0) {
        let q = walk
            .question()
            .map_err(|e| fail(e, format!("question {i}")))?;
        questions.push(q);
    }
    let mut sections: [Vec<DnsRecord>; 3] = Default::default();
    // The TTL field of the first OPT record in the additional section.
    let mut opt_ttl = None;
    for (s, section) in ["answer", "authority", "additional"].iter().enumerate() {
        let n = count(s + 1);
        sections[s].reserve(usize::from(n).min(16));
        for i in 1..=n {
            let (record, opt) = walk
                .record()
                .map_err(|e| fail(e, format!("{section} record {i}")))?;
            if s == 2 && opt_ttl.is_none() {
                opt_ttl = opt;
            }
            sections[s].push(record);
        }
    }
    let [answers, authority, additional] = sections;

    // RFC 6891 §6.1.3: the OPT record's TTL field carries the upper 8 bits
    // of a 12-bit RCODE; the header holds the lower 4.
    let rcode = u16::from(bytes[3] & 0x0f) | (opt_ttl.map_or(0, |ttl| (ttl >> 24) as u16) << 4);
    let llmnr = protocol == "llmnr";
    let flags = [
        (0x0400, "AA"),
        (0x0200, "TC"),
        (0x0100, "RD"),
        (0x0080, "RA"),
        (0x0020, "AD"),
        (0x0010, "CD"),
    ]
    .into_iter()
    .filter(|&(mask, name)| bits & mask != 0 && (!llmnr || name == "TC"))
    .map(|(_, name)| name)
    .collect();
    Ok(DnsMessage {
        id,
        response,
        opcode: opcode_name(((bits >> 11) & 0x0f) as u8),
        rcode: rcode_name(rcode),
        flags,
        questions,
        answers,
        authority,
        additional,
        protocol,
        latency_ms: None,
        query_frame: None,
    })
}

/// A position in a message being decoded.
struct Walk<'a> {
    bytes: &'a [u8],
    pos: usize,
    mdns: bool,
}

impl<'a> Walk<'a> {
    /// A domain name, read by hickory (which follows compression pointers).
    fn name(&mut self) -> Result<Name, String> {
        let start = self.pos;
        let mut d = decoder_at(self.bytes, start);
        match Name::read(&mut d) {
            Ok(name) => {
                self.pos = d.index();
                Ok(name)
            }
            Err(e) => Err(name_problem(self.bytes, start)
                .unwrap_or_else(|| format!("bad name at offset {start}: {e}"))),
        }
    }

    /// The next `n` bytes, which hold `what`.
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let have = self.bytes.len() - self.pos;
        if have < n {
            return Err(format!(
                "message ends at offset {} inside the {what} at offset {} ({n} bytes needed, {have} left)",
                self.bytes.len(),
                self.pos
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// RFC 1035 §4.1.2.
    fn question(&mut self) -> Result<DnsQuestion, String> {
        let name = self.name()?;
        let f = self.take(4, "question's type and class")?;
        let mut class = u16::from_be_bytes([f[2], f[3]]);
        if self.mdns {
            // RFC 6762 §5.4: the unicast-response bit.
            class &= 0x7fff;
        }
        Ok(DnsQuestion {
            name: owner_text(&name),
            qtype: type_name(u16::from_be_bytes([f[0], f[1]])),
            class: class_name(class),
        })
    }

    /// RFC 1035 §4.1.3. For an OPT record, also its raw TTL field.
    fn record(&mut self) -> Result<(DnsRecord, Option<u32>), String> {
        let name = self.name()?;
        let f = self.take(10, "record's type, class, TTL and length")?;
        let code = u16::from_be_bytes([f[0], f[1]]);
        // The class is not part of DnsRecord; in mDNS its top bit is the
        // cache-flush bit (RFC 6762 §10.2), for OPT it is the UDP size.
        let class = u16::from_be_bytes([f[2], f[3]]);
        let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
        let len = usize::from(u16::from_be_bytes([f[8], f[9]]));
        let start = self.pos;
        let rdata = self.take(len, &format!("{} record's data", type_name(code)))?;
        if code == TYPE_OPT {
            let record = DnsRecord {
                name: owner_text(&name),
                rtype: "OPT".to_string(),
                // RFC 6891 §6.1.3: the TTL field holds the extended RCODE,
                // version and flags, which go into `data`.
                ttl: 0,
                data: opt_text(class, ttl, rdata),
            };
            return Ok((record, Some(ttl)));
        }
        let record = DnsRecord {
            name: owner_text(&name),
            rtype: type_name(code),
            ttl,
            data: rdata_text(&self.bytes[..start + len], start, code),
        };
        Ok((record, None))
    }
}

/// A hickory decoder over `buf`, positioned at `at` (at most `buf.len()`).
/// Compression pointers only lead backwards, so names inside `buf` can be
/// read even when `buf` stops at the end of a record.
fn decoder_at(buf: &[u8], at: usize) -> BinDecoder<'_> {
    let mut d = BinDecoder::new(buf);
    let _ = d.read_slice(at.min(buf.len()));
    d
}

/// Why the name at `start` cannot be read, with the offset of the bad byte
/// (hickory's errors do not say where). Follows the rules hickory applies:
/// labels of at most 63 bytes, names of at most 255, and compression
/// pointers that lead to data before the part of the name being read
/// (RFC 1035 §2.3.4, §4.1.4). None when no problem is found here.
fn name_problem(bytes: &[u8], start: usize) -> Option<String> {
    let mut pos = start;
    // Where the run of labels being read began; a pointer must lead before it.
    let mut run_start = start;
    // After a pointer, reading must stop before the run that held it.
    let mut limit = usize::MAX;
    let mut encoded = 0usize;
    loop {
        if pos >= limit {
            return Some(format!(
                "name compression loop at offset {limit}: the labels its pointer leads to run on into it"
            ));
        }
        let Some(&b) = bytes.get(pos) else {
            return Some(format!(
                "the name at offset {start} runs past the end of the message at offset {}",
                bytes.len()
            ));
        };
        match b >> 6 {
            0 if b == 0 => return None,
            0 => {
                let end = pos + 1 + usize::from(b);
                if end > bytes.len() {
                    return Some(format!(
                        "the {b}-byte label at offset {pos} runs past the end of the message at offset {}",
                        bytes.len()
                    ));
                }
                encoded += 1 + usize::from(b);
                if encoded + 1 > 255 {
                    return Some(format!(
                        "the name at offset {start} is longer than 255 bytes"
                    ));
                }
                pos = end;
            }
            3 => {
                let Some(&low) = bytes.get(pos + 1) else {
                    return Some(format!(
                        "the compression pointer at offset {pos} is cut off by the end of the message"
                    ));
                };
                let ptr = usize::from(u16::from_be_bytes([b & 0x3f, low]));
                if ptr >= run_start {
                    return Some(if ptr <= pos {
                        format!(
                            "name compression loop at offset {pos}: the pointer there leads back to offset {ptr}, within the same name"
                        )
                    } else {
                        format!(
                            "the compression pointer at offset {pos} leads forward to offset {ptr}; pointers must lead to earlier data (RFC 1035 §4.1.4)"
                        )
                    });
                }
                limit = run_start;
                run_start = ptr;
                pos = ptr;
            }
            _ => {
                return Some(format!(
                    "label length byte 0x{b:02x} at offset {pos}: a label holds at most 63 bytes and the 0x40 and 0x80 label types are not defined (RFC 1035 §4.1.4, RFC 6891 §5)"
                ))
            }
        }
    }
}

/// RFC 1035 §4.1.1 and the IANA "DNS OpCodes" registry.
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

/// The IANA "DNS RCODEs" registry. 17–22 only appear in TSIG and TKEY
/// records, but are named all the same.
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
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        n => return format!("RCODE{n}"),
    };
    name.to_string()
}

/// The mnemonic of a type (hickory's names, plus assigned types hickory
/// does not know), else "TYPE<n>" (RFC 3597 §5).
fn type_name(code: u16) -> String {
    let name = match code {
        // hickory calls these ZERO and ANAME; neither is an assigned type.
        0 | 65305 => None,
        _ => match RecordType::from(code) {
            RecordType::Unknown(_) => other_type_name(code),
            rt => Some(<&'static str>::from(rt)),
        },
    };
    name.map_or_else(|| format!("TYPE{code}"), str::to_string)
}

/// Assigned types (IANA "Resource Record (RR) TYPEs") hickory has no name for.
fn other_type_name(code: u16) -> Option<&'static str> {
    Some(match code {
        3 => "MD",
        4 => "MF",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        11 => "WKS",
        14 => "MINFO",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        26 => "PX",
        27 => "GPOS",
        29 => "LOC",
        30 => "NXT",
        36 => "KX",
        38 => "A6",
        42 => "APL",
        45 => "IPSECKEY",
        49 => "DHCID",
        55 => "HIP",
        63 => "ZONEMD",
        99 => "SPF",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        253 => "MAILB",
        254 => "MAILA",
        256 => "URI",
        32768 => "TA",
        32769 => "DLV",
        _ => return None,
    })
}

/// RFC 1035 §3.2.4, RFC 2136 §1.3 (NONE).
fn class_name(class: u16) -> String {
    match class {
        1 => "IN".into(),
        3 => "CH".into(),
        4 => "HS".into(),
        254 => "NONE".into(),
        255 => "ANY".into(),
        n => format!("CLASS{n}"),
    }
}

/// An owner or question name; the root is "<root>".
fn owner_text(name: &Name) -> String {
    if name.iter().next().is_none() {
        "<root>".to_string()
    } else {
        name_text(name)
    }
}

/// A name inside record data; the root is ".".
fn target_text(name: &Name) -> String {
    if name.iter().next().is_none() {
        ".".to_string()
    } else {
        name_text(name)
    }
}

/// Presentation form without the trailing dot (RFC 1035 §5.1): bytes
/// outside printable ASCII as `\DDD`; a dot, backslash or any of `"();@$`
/// inside a label escaped with a backslash, as BIND writes them.
fn name_text(name: &Name) -> String {
    let mut out = String::new();
    for (i, label) in name.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        for &b in label {
            match b {
                b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                0x21..=0x7e => out.push(char::from(b)),
                _ => {
                    let _ = write!(out, "\\{b:03}");
                }
            }
        }
    }
    out
}

/// A character-string (RFC 1035 §5.1): quoted, with `"` and `\` escaped
/// and bytes outside printable ASCII as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// A character-string left unquoted when nothing in it needs quoting
/// (RFC 9460 Appendix A), as in `alpn=h2,h3`.
fn bare_or_quoted(bytes: &[u8]) -> String {
    let plain = !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && !b"\"\\();".contains(&b));
    if plain {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        quoted(bytes)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Base 64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 3597 §5: `\# <length> <hex>`.
fn generic(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "\\# 0".to_string()
    } else {
        format!("\\# {} {}", bytes.len(), hex(bytes))
    }
}

/// The data of the record whose data spans `buf[start..]`, in presentation
/// form. `buf` holds the message up to the end of this record, so that
/// compressed names in the data can be followed.
fn rdata_text(buf: &[u8], start: usize, code: u16) -> String {
    let data = &buf[start..];
    if data.is_empty() {
        // Also what RFC 2136 §2.5 deletions carry.
        return generic(data);
    }
    let mut d = decoder_at(buf, start);
    let decoded: Result<Option<String>, String> = match code {
        // Not record data: ZERO, the meta-types IXFR, AXFR, ANY, and
        // hickory's private ANAME code.
        0 | 251 | 252 | 255 | 65305 => Ok(None),
        // DNAME (RFC 6672 §2.1): one name, which hickory has no type for.
        39 => match Name::read(&mut d) {
            Ok(_) if d.index() != buf.len() => Err(format!(
                "{} bytes after the target name",
                buf.len() - d.index()
            )),
            Ok(name) => Ok(Some(target_text(&name))),
            Err(e) => Err(decode_problem(e, d.index() - start, data.len())),
        },
        _ => {
            // SPF (RFC 7208 §3.1) has the format of TXT.
            let rt = RecordType::from(if code == 99 { 16 } else { code });
            // The length fits: it came from a 16-bit field.
            let len = Restrict::new(data.len() as u16);
            RData::read(&mut d, rt, len)
                .map(|rd| rdata_form(&rd))
                .map_err(|e| decode_problem(e, d.index() - start, data.len()))
        }
    };
    match decoded {
        Ok(Some(text)) => text,
        Ok(None) => generic(data),
        // A master-file comment (RFC 1035 §5.1) says why.
        Err(why) => format!(
            "{} ; malformed {} data: {why}",
            generic(data),
            type_name(code)
        ),
    }
}

/// Why hickory could not decode a record's `len` bytes of data, having
/// reached byte `at` of them. hickory reports a shortfall inside the data as
/// a length mismatch, which is put in plainer words here.
fn decode_problem(e: DecodeError, at: usize, len: usize) -> String {
    match e {
        DecodeError::IncorrectRDataLengthRead {
            read, len: want, ..
        } if read == at && want == len => {
            if read < len {
                format!("decoding stopped at byte {read} of {len}")
            } else {
                format!("its fields take {read} bytes, but it has {len}")
            }
        }
        e => format!("{e} (at byte {at} of {len})"),
    }
}

/// The presentation form of the data hickory decoded, or None for types
/// shown in the generic form.
fn rdata_form(rd: &RData) -> Option<String> {
    Some(match rd {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(n) => target_text(&n.0),
        RData::NS(n) => target_text(&n.0),
        RData::PTR(n) => target_text(&n.0),
        RData::MX(mx) => format!("{} {}", mx.preference, target_text(&mx.exchange)),
        // RFC 2782.
        RData::SRV(s) => format!(
            "{} {} {} {}",
            s.priority,
            s.weight,
            s.port,
            target_text(&s.target)
        ),
        // hickory keeps refresh, retry and expire as i32; on the wire they
        // are unsigned 32-bit numbers, as BIND shows them.
        RData::SOA(s) => format!(
            "{} {} {} {} {} {} {}",
            target_text(&s.mname),
            target_text(&s.rname),
            s.serial,
            s.refresh as u32,
            s.retry as u32,
            s.expire as u32,
            s.minimum
        ),
        RData::TXT(t) => t
            .txt_data
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        // RFC 8659 §4.1.1.
        RData::CAA(c) => format!(
            "{} {} {}",
            (u8::from(c.issuer_critical) << 7) | c.reserved_flags,
            c.tag,
            quoted(&c.value)
        ),
        RData::HTTPS(h) => svcb_text(&h.0),
        RData::SVCB(s) => svcb_text(s),
        RData::HINFO(h) => format!("{} {}", quoted(&h.cpu), quoted(&h.os)),
        // RFC 3403 §4.1.
        RData::NAPTR(n) => format!(
            "{} {} {} {} {} {}",
            n.order,
            n.preference,
            quoted(&n.flags),
            quoted(&n.services),
            quoted(&n.regexp),
            target_text(&n.replacement)
        ),
        // RFC 4255 §3.2.
        RData::SSHFP(s) => format!(
            "{} {} {}",
            u8::from(s.algorithm),
            u8::from(s.fingerprint_type),
            hex(&s.fingerprint)
        ),
        // RFC 6698 §2.2, RFC 8162 §2.
        RData::TLSA(t) | RData::SMIMEA(hickory_proto::rr::rdata::SMIMEA(t)) => format!(
            "{} {} {} {}",
            u8::from(t.cert_usage),
            u8::from(t.selector),
            u8::from(t.matching),
            hex(&t.cert_data)
        ),
        // RFC 7929 §2.3.
        RData::OPENPGPKEY(k) => base64(&k.public_key),
        _ => return None,
    })
}

/// The name of a SvcParamKey (IANA "Service Parameter Keys"), else
/// "key<n>" (RFC 9460 §2.1).
fn svc_key_name(key: SvcParamKey) -> String {
    match u16::from(key) {
        0 => "mandatory".into(),
        1 => "alpn".into(),
        2 => "no-default-alpn".into(),
        3 => "port".into(),
        4 => "ipv4hint".into(),
        5 => "ech".into(),
        6 => "ipv6hint".into(),
        7 => "dohpath".into(),
        8 => "ohttp".into(),
        n => format!("key{n}"),
    }
}

/// RFC 9460 §2.1: "priority target key=value …", lists comma-separated
/// (Appendix A.1), values quoted only when they need it; ech in base 64
/// (draft-ietf-tls-svcb-ech §2).
fn svcb_text(s: &SVCB) -> String {
    let mut out = format!("{} {}", s.svc_priority, target_text(&s.target_name));
    for (key, value) in &s.svc_params {
        out.push(' ');
        let param = match value {
            SvcParamValue::Mandatory(m) => {
                let keys: Vec<String> = m.0.iter().map(|k| svc_key_name(*k)).collect();
                format!("mandatory={}", keys.join(","))
            }
            SvcParamValue::Alpn(a) => {
                // Appendix A.1: a comma or backslash inside an item is
                // escaped before the list is written as a char-string.
                let mut list = Vec::new();
                for (i, id) in a.0.iter().enumerate() {
                    if i > 0 {
                        list.push(b',');
                    }
                    for &b in id.as_bytes() {
                        if b == b',' || b == b'\\' {
                            list.push(b'\\');
                        }
                        list.push(b);
                    }
                }
                format!("alpn={}", bare_or_quoted(&list))
            }
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
            SvcParamValue::EchConfigList(e) => format!("ech={}", base64(&e.0)),
            SvcParamValue::Unknown(u) if u.0.is_empty() => svc_key_name(*key),
            SvcParamValue::Unknown(u) => format!("{}={}", svc_key_name(*key), bare_or_quoted(&u.0)),
        };
        out.push_str(&param);
    }
    out
}

/// The OPT pseudo-record (RFC 6891 §6.1.2–6.1.4): "udp=<size> do=<0|1>
/// version=<n>", then each option. The extended RCODE bits go into the
/// message's rcode instead.
fn opt_text(class: u16, ttl: u32, rdata: &[u8]) -> String {
    let mut out = format!(
        "udp={class} do={} version={}",
        (ttl >> 15) & 1,
        (ttl >> 16) & 0xff
    );
    let z = ttl & 0x7fff;
    if z != 0 {
        let _ = write!(out, " z=0x{z:04x}");
    }
    let mut at = 0;
    while at < rdata.len() {
        let rest = &rdata[at..];
        if rest.len() < 4 {
            let _ = write!(out, " ; {} stray bytes after the last option", rest.len());
            break;
        }
        let code = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        let Some(value) = rest.get(4..4 + len) else {
            let _ = write!(
                out,
                " ; option {code} claims {len} bytes, {} are left",
                rest.len() - 4
            );
            break;
        };
        out.push(' ');
        out.push_str(&edns_option(code, value));
        at += 4 + len;
    }
    out
}

/// One EDNS option (IANA "DNS EDNS0 Option Codes").
fn edns_option(code: u16, v: &[u8]) -> String {
    let u16s = |v: &[u8]| -> Option<Vec<String>> {
        (v.len() % 2 == 0).then(|| {
            v.chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]).to_string())
                .collect()
        })
    };
    let text = match code {
        // RFC 5001.
        3 if !v.is_empty() => Some(format!("nsid={}", hex(v))),
        3 => Some("nsid".to_string()),
        // RFC 6975: algorithm numbers.
        5..=7 => {
            let name = ["dau", "dhu", "n3u"][usize::from(code - 5)];
            let algs: Vec<String> = v.iter().map(u8::to_string).collect();
            Some(format!("{name}={}", algs.join(",")))
        }
        // RFC 7871 §6: family, source and scope prefix lengths, address.
        8 => ecs_text(v),
        // RFC 7314.
        9 if v.len() == 4 => Some(format!(
            "expire={}",
            u32::from_be_bytes([v[0], v[1], v[2], v[3]])
        )),
        9 if v.is_empty() => Some("expire".to_string()),
        // RFC 7873 §4: client cookie, then any server cookie.
        10 => Some(format!("cookie={}", hex(v))),
        // RFC 7828 §3.1: a timeout in units of 100 ms.
        11 if v.len() == 2 => {
            let t = u16::from_be_bytes([v[0], v[1]]);
            Some(format!("keepalive={}.{}s", t / 10, t % 10))
        }
        11 if v.is_empty() => Some("keepalive".to_string()),
        // RFC 7830.
        12 => Some(format!("padding={}", v.len())),
        // RFC 8145 §4: key tags.
        14 => u16s(v).map(|t| format!("key-tag={}", t.join(","))),
        // RFC 8914 §2: info code, then optional UTF-8 text.
        15 if v.len() >= 2 => {
            let info = u16::from_be_bytes([v[0], v[1]]);
            Some(if v.len() == 2 {
                format!("ede={info}")
            } else {
                format!("ede={info}:{}", quoted(&v[2..]))
            })
        }
        _ => None,
    };
    text.unwrap_or_else(|| {
        if v.is_empty() {
            format!("option{code}")
        } else {
            format!("option{code}={}", hex(v))
        }
    })
}

/// EDNS Client Subnet as "address/source/scope" (RFC 7871 §6).
fn ecs_text(v: &[u8]) -> Option<String> {
    if v.len() < 4 {
        return None;
    }
    let (source, scope, addr) = (v[2], v[3], &v[4..]);
    let ip = match u16::from_be_bytes([v[0], v[1]]) {
        1 if addr.len() <= 4 => {
            let mut a = [0u8; 4];
            a[..addr.len()].copy_from_slice(addr);
            std::net::IpAddr::from(a)
        }
        2 if addr.len() <= 16 => {
            let mut a = [0u8; 16];
            a[..addr.len()].copy_from_slice(addr);
            std::net::IpAddr::from(a)
        }
        _ => return None,
    };
    Some(format!("ecs={ip}/{source}/{scope}"))
}

/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded
/// by its length in two bytes, big-endian. A segment may hold several
/// messages, or part of one — even half of a length prefix.
pub struct DnsTcpStream {
    /// An incomplete message, its length prefix included.
    buf: Vec<u8>,
    /// The most bytes `buf` may hold.
    max_buffer: usize,
    /// Bytes still to pass over of a message too large for `max_buffer`.
    skip: usize,
    /// Bytes went missing, so message boundaries are unknown; nothing
    /// more is decoded.
    lost: bool,
}

impl DnsTcpStream {
    /// `max_buffer` bounds the bytes held for an incomplete message
    /// (prefix included); 65537 fits any message. It is at least 2, so
    /// that a length prefix can always be read.
    pub fn new(max_buffer: usize) -> Self {
        DnsTcpStream {
            buf: Vec::new(),
            max_buffer: max_buffer.max(2),
            skip: 0,
            lost: false,
        }
    }

    /// Takes the next in-order bytes of one direction. Completed messages
    /// go to `out`; messages that do not decode, and messages larger than
    /// the bound (passed over, keeping the framing), go to `errors`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<DnsMessage>, errors: &mut Vec<String>) {
        if self.lost {
            return;
        }
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            // Whole messages straight from `data`, without copying.
            if self.buf.is_empty() && data.len() >= 2 {
                let total = 2 + usize::from(u16::from_be_bytes([data[0], data[1]]));
                if total <= data.len() && total <= self.max_buffer {
                    push_message(&data[2..total], out, errors);
                    data = &data[total..];
                    continue;
                }
            }
            // The length prefix, which may come a byte at a time.
            if self.buf.len() < 2 {
                let n = (2 - self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..n]);
                data = &data[n..];
                if self.buf.len() < 2 {
                    break;
                }
                let len = usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
                if 2 + len > self.max_buffer {
                    errors.push(format!(
                        "DNS over TCP: a {len}-byte message is larger than the {}-byte buffer and is passed over",
                        self.max_buffer
                    ));
                    self.buf.clear();
                    self.skip = len;
                    continue;
                }
            }
            let total = 2 + usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
            let n = (total - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == total {
                push_message(&self.buf[2..], out, errors);
                self.buf.clear();
            }
        }
    }

    /// Bytes of this direction were not captured. The length prefixes that
    /// delimit messages can no longer be found (a prefix is any two bytes),
    /// so the partial message is dropped and decoding stops; this is said
    /// once.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.lost {
            errors.push(
                "DNS over TCP: bytes are missing from the capture, so the message boundaries are lost; the rest of this stream is not decoded"
                    .to_string(),
            );
            self.lost = true;
        }
        self.buf = Vec::new();
        self.skip = 0;
    }

    /// Bytes held for an incomplete message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

fn push_message(bytes: &[u8], out: &mut Vec<DnsMessage>, errors: &mut Vec<String>) {
    match parse_message(bytes, "dns") {
        Ok(m) => out.push(m),
        Err(e) => errors.push(e),
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures: DNS payloads that dig sent to and received from dnsmasq on
    //! 127.0.0.1 (src/decode/testdata/dns/README.txt says how). The expected
    //! values are what tshark 4.0 shows for the same frames of
    //! testdata/dns/dns-loopback.pcap, and dig's presentation form where
    //! tshark has none.
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("testdata/dns/", $name, ".bin")).as_slice()
        };
    }

    /// Every fixture; TCP ones without their two-byte length prefix.
    fn all_messages() -> Vec<(&'static str, &'static [u8])> {
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

    fn parse(bytes: &[u8]) -> DnsMessage {
        parse_message(bytes, "dns").unwrap()
    }

    fn q(name: &str, qtype: &str) -> Vec<DnsQuestion> {
        vec![DnsQuestion {
            name: name.into(),
            qtype: qtype.into(),
            class: "IN".into(),
        }]
    }

    fn rr(name: &str, rtype: &str, ttl: u32, data: &str) -> DnsRecord {
        DnsRecord {
            name: name.into(),
            rtype: rtype.into(),
            ttl,
            data: data.into(),
        }
    }

    /// The OPT record dnsmasq puts in every answer to an EDNS query.
    fn opt(data: &str) -> DnsRecord {
        rr("<root>", "OPT", 0, data)
    }

    #[test]
    fn query_with_edns_cookie() {
        // Frame 1. tshark: Transaction ID 0x9969, Flags 0x0120 (RD, AD),
        // www.example.test type A class IN; OPT UDP payload size 1232,
        // EDNS0 version 0, DO 0, Option COOKIE b52110749ee319b8.
        let m = parse(fixture!("a-query"));
        assert_eq!(m.id, 0x9969);
        assert!(!m.response);
        assert_eq!(m.opcode, "QUERY");
        assert_eq!(m.rcode, "NOERROR");
        assert_eq!(m.flags, ["RD", "AD"]);
        assert_eq!(m.questions, q("www.example.test", "A"));
        assert!(m.answers.is_empty() && m.authority.is_empty());
        assert_eq!(
            m.additional,
            [opt("udp=1232 do=0 version=0 cookie=b52110749ee319b8")]
        );
        assert_eq!(m.protocol, "dns");
        assert_eq!((m.latency_ms, m.query_frame), (None, None));
    }

    #[test]
    fn a_response() {
        // Frame 2. tshark: 0x9969, Flags 0x8580 (QR AA RD RA), No error;
        // www.example.test A IN TTL 300 addr 192.0.2.10; OPT 1232, no options.
        let m = parse(fixture!("a-response"));
        assert_eq!(m.id, 0x9969);
        assert!(m.response);
        assert_eq!(m.rcode, "NOERROR");
        assert_eq!(m.flags, ["AA", "RD", "RA"]);
        assert_eq!(m.questions, q("www.example.test", "A"));
        assert_eq!(m.answers, [rr("www.example.test", "A", 300, "192.0.2.10")]);
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
    }

    #[test]
    fn record_types_in_presentation_form() {
        // (fixture, id, question name and type, answers) as tshark shows
        // them; data in dig's presentation form without trailing dots.
        type Case = (
            &'static [u8],
            u16,
            &'static str,
            &'static str,
            Vec<DnsRecord>,
        );
        let cases: Vec<Case> = vec![
            (
                fixture!("aaaa-response"),
                0x2c42,
                "www.example.test",
                "AAAA",
                vec![rr("www.example.test", "AAAA", 300, "2001:db8::10")],
            ),
            (
                fixture!("cname-response"),
                0x87f7,
                "alias.example.test",
                "A",
                vec![
                    rr("alias.example.test", "CNAME", 300, "www.example.test"),
                    rr("www.example.test", "A", 300, "192.0.2.10"),
                ],
            ),
            (
                fixture!("mx-response"),
                0x64a7,
                "example.test",
                "MX",
                vec![rr("example.test", "MX", 300, "10 mail.example.test")],
            ),
            (
                // tshark: TXT "v=spf1 -all", TXT "say "hi" \ ok".
                fixture!("txt-response"),
                0x7626,
                "example.test",
                "TXT",
                vec![rr(
                    "example.test",
                    "TXT",
                    300,
                    r#""v=spf1 -all" "say \"hi\" \\ ok""#,
                )],
            ),
            (
                // tshark: "bell\atab\tend" plus byte 0xff, and a"b\c; dig:
                // "bell\007tab\009end\255" "a\"b\\c".
                fixture!("txt-escapes-response"),
                0x9804,
                "txt.example.test",
                "TXT",
                vec![rr(
                    "txt.example.test",
                    "TXT",
                    300,
                    r#""bell\007tab\009end\255" "a\"b\\c""#,
                )],
            ),
            (
                fixture!("ptr-response"),
                0x31ec,
                "11.2.0.192.in-addr.arpa",
                "PTR",
                vec![rr(
                    "11.2.0.192.in-addr.arpa",
                    "PTR",
                    300,
                    "mail.example.test",
                )],
            ),
            (
                // tshark: SvcPriority 1, TargetName <Root>, mandatory=alpn,ipv4hint,
                // alpn=h2,h3, port=8443, ipv4hint=192.0.2.10,192.0.2.11,
                // echconfig=AAb+DQACq80=, ipv6hint=2001:db8::10.
                fixture!("https-response"),
                0xe356,
                "www.example.test",
                "HTTPS",
                vec![rr(
                    "www.example.test",
                    "HTTPS",
                    300,
                    "1 . mandatory=alpn,ipv4hint alpn=h2,h3 port=8443 \
                     ipv4hint=192.0.2.10,192.0.2.11 ech=AAb+DQACq80= ipv6hint=2001:db8::10",
                )],
            ),
            (
                // tshark: 16 svc.example.test alpn=h3 no-default-alpn key65280=hi.
                fixture!("svcb-response"),
                0x9afc,
                "_8443._https.example.test",
                "SVCB",
                vec![rr(
                    "_8443._https.example.test",
                    "SVCB",
                    300,
                    "16 svc.example.test alpn=h3 no-default-alpn key65280=hi",
                )],
            ),
            (
                fixture!("svcb-alias-response"),
                0x64be,
                "alias-svcb.example.test",
                "SVCB",
                vec![rr(
                    "alias-svcb.example.test",
                    "SVCB",
                    300,
                    "0 svc.example.test",
                )],
            ),
            (
                fixture!("soa-response"),
                0x49e0,
                "example.test",
                "SOA",
                vec![rr(
                    "example.test",
                    "SOA",
                    300,
                    "ns1.example.test hostmaster.example.test 2024010101 3600 900 604800 300",
                )],
            ),
            (
                fixture!("ns-response"),
                0x9587,
                "example.test",
                "NS",
                vec![rr("example.test", "NS", 300, "ns1.example.test")],
            ),
            (
                fixture!("dname-response"),
                0x1b7a,
                "old.example.test",
                "DNAME",
                vec![rr("old.example.test", "DNAME", 300, "example.test")],
            ),
            (
                // tshark: CAA Flags 0x00, Tag issue, Value ca.example.net.
                fixture!("caa-response"),
                0x74fd,
                "example.test",
                "CAA",
                vec![rr(
                    "example.test",
                    "CAA",
                    300,
                    r#"0 issue "ca.example.net""#,
                )],
            ),
            (
                // tshark: type Unknown (65280), Data deadbeef.
                fixture!("type65280-response"),
                0x6852,
                "www.example.test",
                "TYPE65280",
                vec![rr("www.example.test", "TYPE65280", 300, r"\# 4 deadbeef")],
            ),
        ];
        for (bytes, id, qname, qtype, answers) in cases {
            let m = parse(bytes);
            assert_eq!(m.id, id, "{qname} {qtype}");
            assert!(m.response);
            assert_eq!(m.rcode, "NOERROR");
            assert_eq!(m.flags, ["AA", "RD", "RA"]);
            assert_eq!(m.questions, q(qname, qtype));
            assert_eq!(m.answers, answers, "{qname} {qtype}");
            assert!(m.authority.is_empty());
            assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
        }
    }

    #[test]
    fn srv_with_additional_addresses() {
        // Frame 16: the target's A and AAAA come as additional records,
        // before the OPT record, in wire order.
        let m = parse(fixture!("srv-response"));
        assert_eq!(m.id, 0xf3f1);
        assert_eq!(m.questions, q("_http._tcp.example.test", "SRV"));
        assert_eq!(
            m.answers,
            [rr(
                "_http._tcp.example.test",
                "SRV",
                300,
                "1 5 80 www.example.test"
            )]
        );
        assert_eq!(
            m.additional,
            [
                rr("www.example.test", "A", 300, "192.0.2.10"),
                rr("www.example.test", "AAAA", 300, "2001:db8::10"),
                opt("udp=1232 do=0 version=0"),
            ]
        );
    }

    #[test]
    fn nxdomain_without_aa() {
        // Frame 36. tshark: Flags 0x8183, No such name.
        let m = parse(fixture!("nxdomain-response"));
        assert_eq!(m.id, 0x20f5);
        assert_eq!(m.rcode, "NXDOMAIN");
        assert_eq!(m.flags, ["RD", "RA"]);
        assert_eq!(m.questions, q("nothere.example.test", "A"));
        assert!(m.answers.is_empty() && m.authority.is_empty());
    }

    #[test]
    fn edns_variants() {
        // Frames 37/38 (dig +dnssec): tshark DO bit 1 in both.
        let m = parse(fixture!("dnssec-query"));
        assert_eq!(m.id, 0x197f);
        assert_eq!(
            m.additional,
            [opt("udp=1232 do=1 version=0 cookie=78517056e5e7bdde")]
        );
        let m = parse(fixture!("dnssec-response"));
        assert_eq!(m.additional, [opt("udp=1232 do=1 version=0")]);
        // Frame 39 (dig +subnet=192.0.2.0/24): tshark CSUBNET family 1,
        // source 24, scope 0, 192.0.2.0; then COOKIE.
        let m = parse(fixture!("ecs-query"));
        assert_eq!(m.id, 0x1407);
        assert_eq!(
            m.additional,
            [opt(
                "udp=1232 do=0 version=0 ecs=192.0.2.0/24/0 cookie=b33e7c7dbde1f153"
            )]
        );
        // Frame 43 (dig +edns=1): tshark EDNS0 version 1.
        let m = parse(fixture!("edns1-query"));
        assert_eq!(
            m.additional,
            [opt("udp=1232 do=0 version=1 cookie=9c0cd48f18ea3922")]
        );
        // Frame 46 (dig +noedns): no additional records at all.
        let m = parse(fixture!("noedns-response"));
        assert_eq!(m.id, 0xeda9);
        assert_eq!(m.answers, [rr("www.example.test", "A", 300, "192.0.2.10")]);
        assert!(m.additional.is_empty());
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
        assert_eq!(m.rcode, "BADVERS");
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
        // Without an OPT record only the header's 4 bits count.
        let mut b = fixture!("noedns-response").to_vec();
        b[3] |= 0x05;
        assert_eq!(parse(&b).rcode, "REFUSED");
    }

    #[test]
    fn names_with_odd_bytes_are_escaped() {
        // Frames 41/42: dig 'we\007ird\.na\255me.example.test' — a BEL byte,
        // a dot inside a label and byte 255. tshark prints the raw bytes
        // ("we\aird.na\xffme"); the presentation form escapes them.
        for (bytes, response) in [
            (fixture!("odd-name-query"), false),
            (fixture!("odd-name-response"), true),
        ] {
            let m = parse(bytes);
            assert_eq!(m.id, 0x3b80);
            assert_eq!(m.response, response);
            assert_eq!(m.questions, q(r"we\007ird\.na\255me.example.test", "A"));
            assert!(m.questions[0].name.chars().all(|c| c.is_ascii_graphic()));
        }
        assert_eq!(parse(fixture!("odd-name-response")).rcode, "NXDOMAIN");
        // The first label of frame 1 changed to a space, a quote and NUL.
        let mut b = fixture!("a-query").to_vec();
        b[13..16].copy_from_slice(b" \"\0");
        assert_eq!(parse(&b).questions[0].name, r#"\032\"\000.example.test"#);
        // The root as a question name (". NS").
        let mut b = fixture!("a-query")[..12].to_vec();
        b[11] = 0; // no additional records
        b.extend_from_slice(&[0, 0, 2, 0, 1]);
        assert_eq!(parse(&b).questions, q("<root>", "NS"));
    }

    #[test]
    fn record_data_hickory_rejects_is_kept_in_generic_form() {
        // Frame 12: dnsmasq served a TXT record whose first string claims 11
        // bytes where 12 follow, so the next "length" byte is 'd' (100) and
        // runs past the 19-byte record. tshark: "Malformed Packet".
        // hickory rejects the record; its bytes are kept, and the OPT record
        // after it is still read.
        let m = parse(fixture!("txt-malformed-response"));
        assert_eq!(m.id, 0x920e);
        assert_eq!(m.questions, q("bin.example.test", "TXT"));
        assert_eq!(
            m.answers,
            [rr(
                "bin.example.test",
                "TXT",
                300,
                r"\# 19 0b62656c6c0774616209656e64056122625c63 ; malformed TXT data: decoding stopped at byte 13 of 19"
            )]
        );
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
        // Frame 20 with the ALPN "h2" made "\xff2", which is not UTF-8:
        // hickory refuses the whole HTTPS record.
        let mut b = fixture!("https-response").to_vec();
        let at = b.windows(3).position(|w| w == b"\x02h2").unwrap();
        b[at + 1] = 0xff;
        let m = parse(&b);
        assert_eq!(m.answers[0].rtype, "HTTPS");
        assert!(m.answers[0].data.starts_with(r"\# 71 00010000"));
        assert!(
            m.answers[0]
                .data
                .ends_with("; malformed HTTPS data: decoding stopped at byte 21 of 71"),
            "{}",
            m.answers[0].data
        );
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
        // "h2" made "h,": the comma is escaped within the list (RFC 9460
        // Appendix A.1), which then needs quoting.
        b[at + 1] = b'h';
        b[at + 2] = b',';
        assert!(parse(&b).answers[0]
            .data
            .starts_with(r#"1 . mandatory=alpn,ipv4hint alpn="h\\,,h3" port=8443"#));
    }

    #[test]
    fn mdns_class_bits_are_stripped() {
        // Frame 1's question with the unicast-response bit (RFC 6762 §5.4):
        // class 0x8001.
        let mut b = fixture!("a-query").to_vec();
        let class_at = 12 + 18 + 2; // header, www.example.test, type
        assert_eq!(b[class_at..class_at + 2], [0, 1]);
        b[class_at] = 0x80;
        let m = parse_message(&b, "mdns").unwrap();
        assert_eq!(m.protocol, "mdns");
        assert_eq!(m.questions, q("www.example.test", "A"));
        assert_eq!(parse(&b).questions[0].class, "CLASS32769");
        // Frame 2's answer with the cache-flush bit (RFC 6762 §10.2): the
        // record reads the same; the OPT class (the UDP size) is untouched.
        let mut b = fixture!("a-response").to_vec();
        let rclass_at = 12 + 18 + 4 + 2 + 2; // question, pointer, type
        assert_eq!(b[rclass_at..rclass_at + 2], [0, 1]);
        b[rclass_at] = 0x80;
        let m = parse_message(&b, "mdns").unwrap();
        assert_eq!(m.answers, [rr("www.example.test", "A", 300, "192.0.2.10")]);
        assert_eq!(m.additional, [opt("udp=1232 do=0 version=0")]);
    }

    #[test]
    fn header_fields() {
        let mut b = fixture!("a-query").to_vec();
        // Opcode 5 (UPDATE), then 3 (unassigned); CD set.
        b[2] = (b[2] & 0x87) | 5 << 3;
        b[3] |= 0x10;
        let m = parse(&b);
        assert_eq!(m.opcode, "UPDATE");
        assert_eq!(m.flags, ["RD", "AD", "CD"]);
        b[2] = (b[2] & 0x87) | 3 << 3;
        assert_eq!(parse(&b).opcode, "OPCODE3");
        // LLMNR's C and T bits sit where AA and RD are; only TC is named.
        let mut b = fixture!("a-response").to_vec();
        assert!(parse_message(&b, "llmnr").unwrap().flags.is_empty());
        b[2] |= 0x02;
        assert_eq!(parse_message(&b, "llmnr").unwrap().flags, ["TC"]);
        assert_eq!(rcode_name(9), "NOTAUTH");
        assert_eq!(rcode_name(23), "BADCOOKIE");
        assert_eq!(rcode_name(15), "RCODE15");
        assert_eq!(type_name(29), "LOC");
        assert_eq!(type_name(65305), "TYPE65305");
        assert_eq!(type_name(0), "TYPE0");
        assert_eq!(class_name(3), "CH");
        assert_eq!(class_name(7), "CLASS7");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }

    /// A header of `response` 0x9969 with one question and nothing else,
    /// followed by `rest`.
    fn crafted(rest: &[u8]) -> Vec<u8> {
        let mut b = fixture!("a-response")[..12].to_vec();
        b[4..12].copy_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(rest);
        b
    }

    #[test]
    fn compression_loops_are_errors() {
        // The question's name is a pointer to itself.
        let e = parse_message(&crafted(&[0xc0, 12, 0, 1, 0, 1]), "dns").unwrap_err();
        assert_eq!(
            e,
            "DNS: name compression loop at offset 12: the pointer there leads back to offset 12, \
             within the same name (in question 1 of response 0x9969)"
        );
        // A label, then a pointer back to that label.
        let e = parse_message(&crafted(&[1, b'a', 0xc0, 12, 0, 1, 0, 1]), "dns").unwrap_err();
        assert!(
            e.starts_with("DNS: name compression loop at offset 14: "),
            "{e}"
        );
        // A pointer to later data.
        let e = parse_message(&crafted(&[0xc0, 20, 0, 1, 0, 1, 0, 0, 0]), "dns").unwrap_err();
        assert!(e.contains("leads forward to offset 20"), "{e}");
        // A record of type 65280 whose data is the label "z", then a record
        // whose name (offset 33) points back at that label: reading it runs
        // on into the pointer again.
        let mut b = crafted(&[1, b'a', 0, 0, 1, 0, 1]);
        b[7] = 2; // two answers
        b.extend_from_slice(&[0xc0, 12, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 2, 1, b'z']);
        b.extend_from_slice(&[0xc0, 31, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        let e = parse_message(&b, "dns").unwrap_err();
        assert_eq!(
            e,
            "DNS: name compression loop at offset 33: the labels its pointer leads to run on \
             into it (in answer record 2 of response 0x9969)"
        );
        // A bad byte behind a pointer is placed where it is.
        let mut b = crafted(&[1, b'a', 0, 0, 1, 0, 1]);
        b[7] = 1;
        b.extend_from_slice(&[0xc0, 13, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        let e = parse_message(&b, "dns").unwrap_err();
        assert!(
            e.starts_with("DNS: label length byte 0x61 at offset 13: "),
            "{e}"
        );
    }

    #[test]
    fn long_label_and_name_are_errors() {
        let mut rest = vec![64];
        rest.extend_from_slice(&[b'a'; 64]);
        rest.extend_from_slice(&[0, 0, 1, 0, 1]);
        let e = parse_message(&crafted(&rest), "dns").unwrap_err();
        assert!(
            e.starts_with(
                "DNS: label length byte 0x40 at offset 12: a label holds at most 63 bytes"
            ),
            "{e}"
        );
        // Five labels of 63 bytes: 320 bytes, more than 255.
        let mut rest = Vec::new();
        for _ in 0..5 {
            rest.push(63);
            rest.extend_from_slice(&[b'a'; 63]);
        }
        rest.extend_from_slice(&[0, 0, 1, 0, 1]);
        let e = parse_message(&crafted(&rest), "dns").unwrap_err();
        assert!(e.contains("longer than 255 bytes"), "{e}");
    }

    #[test]
    fn every_truncation_is_an_error() {
        assert_eq!(
            parse_message(&[0; 5], "dns").unwrap_err(),
            "DNS: message of 5 bytes is shorter than the 12-byte header"
        );
        for (name, full) in all_messages() {
            assert!(parse_message(full, "dns").is_ok(), "{name}");
            for n in 0..full.len() {
                assert!(
                    parse_message(&full[..n], "dns").is_err(),
                    "{name} cut to {n} bytes"
                );
            }
        }
        // Where a cut lands is said.
        let b = fixture!("a-response");
        let e = parse_message(&b[..b.len() - 13], "dns").unwrap_err();
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
                    for protocol in ["dns", "mdns", "llmnr"] {
                        let _ = parse_message(&b, protocol);
                    }
                }
                b[i] = keep;
            }
        }
    }

    /// Fed in the given pieces: (messages, errors, bytes buffered after each).
    fn feed_pieces(
        s: &mut DnsTcpStream,
        pieces: &[&[u8]],
    ) -> (Vec<DnsMessage>, Vec<String>, Vec<usize>) {
        let (mut out, mut errors, mut held) = (Vec::new(), Vec::new(), Vec::new());
        for p in pieces {
            s.feed(p, &mut out, &mut errors);
            held.push(s.buffered());
        }
        (out, errors, held)
    }

    #[test]
    fn tcp_several_messages_in_one_feed() {
        // Frames 50 and 60 (dig +tcp): tshark Length 57, id 0x7cea; Length
        // 53, id 0xff35.
        let (q1, q2) = (fixture!("tcp-a-query"), fixture!("tcp-mx-query"));
        assert_eq!(q1[..2], [0, 57]);
        let both = [q1, q2].concat();
        let (out, errors, held) = feed_pieces(&mut DnsTcpStream::new(65537), &[&both]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(held, [0]);
        let got: Vec<_> = out
            .iter()
            .map(|m| (m.id, m.questions[0].qtype.as_str()))
            .collect();
        assert_eq!(got, [(0x7cea, "A"), (0xff35, "MX")]);
        assert!(out.iter().all(|m| m.protocol == "dns" && !m.response));
    }

    #[test]
    fn tcp_message_split_across_feeds() {
        // Frame 62 (Length 74) in three pieces, the first inside the prefix,
        // then frame 52 with the next message's first byte.
        let a = fixture!("tcp-mx-response");
        let b = fixture!("tcp-a-response");
        let tail = [&a[30..], &b[..1]].concat();
        let mut s = DnsTcpStream::new(65537);
        let (out, errors, held) = feed_pieces(&mut s, &[&a[..1], &a[1..30], &tail, &b[1..]]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(held, [1, 30, 1, 0]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id, 0xff35);
        assert_eq!(
            out[0].answers,
            [rr("example.test", "MX", 300, "10 mail.example.test")]
        );
        assert_eq!(out[1].id, 0x7cea);
        assert_eq!(
            out[1].answers,
            [rr("www.example.test", "A", 300, "192.0.2.10")]
        );
        // One byte at a time.
        let mut s = DnsTcpStream::new(65537);
        let pieces: Vec<&[u8]> = a.chunks(1).collect();
        let (out, errors, _) = feed_pieces(&mut s, &pieces);
        assert_eq!((out.len(), errors.len(), s.buffered()), (1, 0, 0));
    }

    #[test]
    fn tcp_gap_stops_decoding() {
        let a = fixture!("tcp-a-response");
        let mut s = DnsTcpStream::new(65537);
        let (mut out, mut errors, _) = feed_pieces(&mut s, &[&a[..20]]);
        s.gap(&mut errors);
        assert_eq!(s.buffered(), 0);
        s.gap(&mut errors);
        s.feed(a, &mut out, &mut errors);
        assert!(out.is_empty());
        assert_eq!(s.buffered(), 0);
        assert_eq!(
            errors,
            ["DNS over TCP: bytes are missing from the capture, so the message boundaries are lost; \
              the rest of this stream is not decoded"]
        );
    }

    #[test]
    fn tcp_buffer_bound() {
        // A 61-byte message (63 with its prefix) does not fit 60 bytes: it
        // is passed over, arriving in pieces, and the 53-byte one after it
        // (55 with its prefix) is decoded.
        let big = fixture!("tcp-a-response");
        let small = fixture!("tcp-mx-query");
        let rest = [&big[40..], small].concat();
        let mut s = DnsTcpStream::new(60);
        let (out, errors, held) = feed_pieces(&mut s, &[&big[..1], &big[1..40], &rest]);
        assert_eq!(
            errors,
            ["DNS over TCP: a 61-byte message is larger than the 60-byte buffer and is passed over"]
        );
        assert_eq!(held, [1, 0, 0]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, 0xff35);
        // Held bytes never pass the bound.
        let mut s = DnsTcpStream::new(60);
        for c in small.chunks(7) {
            s.feed(c, &mut Vec::new(), &mut Vec::new());
            assert!(s.buffered() <= 60);
        }
        // An empty message (length 0) is an error; the next one is read.
        let framed = [&[0u8, 0][..], small].concat();
        let (out, errors, _) = feed_pieces(&mut DnsTcpStream::new(65537), &[&framed]);
        assert_eq!(out.len(), 1);
        assert_eq!(
            errors,
            ["DNS: message of 0 bytes is shorter than the 12-byte header"]
        );
    }
}
