//! The OPT pseudo-record (RFC 6891 §6.1.2–6.1.4) and its options (IANA
//! "DNS EDNS0 Option Codes"), read here rather than through hickory-proto,
//! whose decoder drops every option when one is malformed.

use super::rdata::quoted;
use crate::decode::cursor::{hex, Cursor};
use std::fmt::Write as _;

/// The OPT pseudo-record (RFC 6891 §6.1.2–6.1.4): "udp=<size> do=<0|1>
/// version=<n>", then each option. The extended RCODE bits go into the
/// message's rcode instead.
pub fn opt_text(class: u16, ttl: u32, rdata: &[u8]) -> String {
    let mut out = format!(
        "udp={class} do={} version={}",
        (ttl >> 15) & 1,
        (ttl >> 16) & 0xff
    );
    let z = ttl & 0x7fff;
    if z != 0 {
        let _ = write!(out, " z=0x{z:04x}");
    }
    let mut c = Cursor::new(rdata);
    while c.left() > 0 {
        let stray = c.left();
        let (Ok(code), Ok(len)) = (c.u16("option code"), c.u16("option length")) else {
            let _ = write!(out, " ; {stray} stray bytes after the last option");
            break;
        };
        let Ok(value) = c.take(usize::from(len), "option value") else {
            let _ = write!(
                out,
                " ; option {code} claims {len} bytes, {} are left",
                c.left()
            );
            break;
        };
        out.push(' ');
        out.push_str(&edns_option(code, value));
    }
    out
}

/// One EDNS option (IANA "DNS EDNS0 Option Codes").
pub fn edns_option(code: u16, v: &[u8]) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{opt, parse, rr};
    use super::super::RType;

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
        assert_eq!(
            m.answers,
            [rr("www.example.test", RType::A, 300, "192.0.2.10")]
        );
        assert!(m.additional.is_empty());
    }
}
