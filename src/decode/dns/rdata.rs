//! Each record type's data in presentation form (RFC 1035 §5.1): the
//! types hickory-proto decodes written as dig and BIND write them, the
//! rest in the generic form of RFC 3597 §5, and SVCB and HTTPS as RFC 9460
//! §2.1 gives them.

use super::names::{decoder_at, target_text};
use super::types::RType;
use crate::decode::cursor::hex;
use hickory_proto::rr::rdata::svcb::{SvcParamKey, SvcParamValue, SVCB};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, DecodeError, Restrict};
use std::fmt::Write as _;

/// A character-string (RFC 1035 §5.1): quoted, with `"` and `\` escaped
/// and bytes outside printable ASCII as `\DDD`.
pub fn quoted(bytes: &[u8]) -> String {
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
pub fn rdata_text(buf: &[u8], start: usize, rtype: RType) -> String {
    let data = &buf[start..];
    if data.is_empty() {
        // Also what RFC 2136 §2.5 deletions carry.
        return generic(data);
    }
    let mut d = decoder_at(buf, start);
    let decoded: Result<Option<String>, String> = match rtype {
        // Not record data: ZERO, the meta-types IXFR, AXFR, ANY, and
        // hickory's private ANAME code.
        RType(0 | 251 | 252 | 255 | 65305) => Ok(None),
        // DNAME (RFC 6672 §2.1): one name, which hickory has no type for.
        RType::DNAME => match Name::read(&mut d) {
            Ok(_) if d.index() != buf.len() => Err(format!(
                "{} bytes after the target name",
                buf.len() - d.index()
            )),
            Ok(name) => Ok(Some(target_text(&name))),
            Err(e) => Err(decode_problem(e, d.index() - start, data.len())),
        },
        _ => {
            // SPF (RFC 7208 §3.1) has the format of TXT.
            let rt = if rtype == RType::SPF {
                RecordType::TXT
            } else {
                rtype.record_type()
            };
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
        Err(why) => format!("{} ; malformed {rtype} data: {why}", generic(data)),
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{opt, parse, q, rr};
    use super::super::{DnsRecord, RType, Rcode};
    use super::base64;

    #[test]
    fn record_types_in_presentation_form() {
        // (fixture, id, question name and type, answers) as tshark shows
        // them; data in dig's presentation form without trailing dots.
        type Case = (&'static [u8], u16, &'static str, RType, Vec<DnsRecord>);
        let cases: Vec<Case> = vec![
            (
                fixture!("aaaa-response"),
                0x2c42,
                "www.example.test",
                RType::AAAA,
                vec![rr("www.example.test", RType::AAAA, 300, "2001:db8::10")],
            ),
            (
                fixture!("cname-response"),
                0x87f7,
                "alias.example.test",
                RType::A,
                vec![
                    rr("alias.example.test", RType::CNAME, 300, "www.example.test"),
                    rr("www.example.test", RType::A, 300, "192.0.2.10"),
                ],
            ),
            (
                fixture!("mx-response"),
                0x64a7,
                "example.test",
                RType::MX,
                vec![rr("example.test", RType::MX, 300, "10 mail.example.test")],
            ),
            (
                // tshark: TXT "v=spf1 -all", TXT "say "hi" \ ok".
                fixture!("txt-response"),
                0x7626,
                "example.test",
                RType::TXT,
                vec![rr(
                    "example.test",
                    RType::TXT,
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
                RType::TXT,
                vec![rr(
                    "txt.example.test",
                    RType::TXT,
                    300,
                    r#""bell\007tab\009end\255" "a\"b\\c""#,
                )],
            ),
            (
                fixture!("ptr-response"),
                0x31ec,
                "11.2.0.192.in-addr.arpa",
                RType::PTR,
                vec![rr(
                    "11.2.0.192.in-addr.arpa",
                    RType::PTR,
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
                RType::HTTPS,
                vec![rr(
                    "www.example.test",
                    RType::HTTPS,
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
                RType::SVCB,
                vec![rr(
                    "_8443._https.example.test",
                    RType::SVCB,
                    300,
                    "16 svc.example.test alpn=h3 no-default-alpn key65280=hi",
                )],
            ),
            (
                fixture!("svcb-alias-response"),
                0x64be,
                "alias-svcb.example.test",
                RType::SVCB,
                vec![rr(
                    "alias-svcb.example.test",
                    RType::SVCB,
                    300,
                    "0 svc.example.test",
                )],
            ),
            (
                fixture!("soa-response"),
                0x49e0,
                "example.test",
                RType::SOA,
                vec![rr(
                    "example.test",
                    RType::SOA,
                    300,
                    "ns1.example.test hostmaster.example.test 2024010101 3600 900 604800 300",
                )],
            ),
            (
                fixture!("ns-response"),
                0x9587,
                "example.test",
                RType::NS,
                vec![rr("example.test", RType::NS, 300, "ns1.example.test")],
            ),
            (
                fixture!("dname-response"),
                0x1b7a,
                "old.example.test",
                RType::DNAME,
                vec![rr("old.example.test", RType::DNAME, 300, "example.test")],
            ),
            (
                // tshark: CAA Flags 0x00, Tag issue, Value ca.example.net.
                fixture!("caa-response"),
                0x74fd,
                "example.test",
                RType::CAA,
                vec![rr(
                    "example.test",
                    RType::CAA,
                    300,
                    r#"0 issue "ca.example.net""#,
                )],
            ),
            (
                // tshark: type Unknown (65280), Data deadbeef.
                fixture!("type65280-response"),
                0x6852,
                "www.example.test",
                RType(65280),
                vec![rr("www.example.test", RType(65280), 300, r"\# 4 deadbeef")],
            ),
        ];
        for (bytes, id, qname, qtype, answers) in cases {
            let m = parse(bytes);
            assert_eq!(m.id, id, "{qname} {qtype}");
            assert!(m.response);
            assert_eq!(m.rcode, Rcode::NOERROR);
            assert_eq!(m.flags.names(), ["AA", "RD", "RA"]);
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
        assert_eq!(m.questions, q("_http._tcp.example.test", RType::SRV));
        assert_eq!(
            m.answers,
            [rr(
                "_http._tcp.example.test",
                RType::SRV,
                300,
                "1 5 80 www.example.test"
            )]
        );
        assert_eq!(
            m.additional,
            [
                rr("www.example.test", RType::A, 300, "192.0.2.10"),
                rr("www.example.test", RType::AAAA, 300, "2001:db8::10"),
                opt("udp=1232 do=0 version=0"),
            ]
        );
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
        assert_eq!(m.questions, q("bin.example.test", RType::TXT));
        assert_eq!(
            m.answers,
            [rr(
                "bin.example.test",
                RType::TXT,
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
        assert_eq!(m.answers[0].rtype, RType::HTTPS);
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
    fn base64_pads() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
