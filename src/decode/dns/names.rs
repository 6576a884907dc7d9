//! Domain names (RFC 1035 §3.1, §4.1.4): read through hickory-proto, which
//! follows compression pointers, with each problem placed at the byte it
//! lies in, and written in presentation form (RFC 1035 §5.1).

use super::error::NameProblem;
use hickory_proto::rr::Name;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use std::fmt::Write as _;

/// The name at `start` of `bytes`, and the offset just after it (after the
/// first pointer, when it is compressed).
pub fn read_name(bytes: &[u8], start: usize) -> Result<(Name, usize), NameProblem> {
    let mut d = decoder_at(bytes, start);
    match Name::read(&mut d) {
        Ok(name) => Ok((name, d.index())),
        Err(e) => Err(
            name_problem(bytes, start).unwrap_or(NameProblem::Unreadable {
                at: start,
                why: e.to_string(),
            }),
        ),
    }
}

/// A hickory decoder over `buf`, positioned at `at` (at most `buf.len()`).
/// Compression pointers only lead backwards, so names inside `buf` can be
/// read even when `buf` stops at the end of a record.
pub fn decoder_at(buf: &[u8], at: usize) -> BinDecoder<'_> {
    let mut d = BinDecoder::new(buf);
    let _ = d.read_slice(at.min(buf.len()));
    d
}

/// Why the name at `start` cannot be read, with the offset of the bad byte
/// (hickory's errors do not say where). Follows the rules hickory applies:
/// labels of at most 63 bytes, names of at most 255, and compression
/// pointers that lead to data before the part of the name being read
/// (RFC 1035 §2.3.4, §4.1.4). None when no problem is found here.
fn name_problem(bytes: &[u8], start: usize) -> Option<NameProblem> {
    let mut pos = start;
    // Where the run of labels being read began; a pointer must lead before it.
    let mut run_start = start;
    // After a pointer, reading must stop before the run that held it.
    let mut limit = usize::MAX;
    let mut encoded = 0usize;
    let end = bytes.len();
    loop {
        if pos >= limit {
            return Some(NameProblem::RunsOn { at: limit });
        }
        let Some(&b) = bytes.get(pos) else {
            return Some(NameProblem::PastEnd { start, end });
        };
        match b >> 6 {
            0 if b == 0 => return None,
            0 => {
                let next = pos + 1 + usize::from(b);
                if next > end {
                    return Some(NameProblem::LabelPastEnd {
                        len: b,
                        at: pos,
                        end,
                    });
                }
                encoded += 1 + usize::from(b);
                if encoded + 1 > 255 {
                    return Some(NameProblem::TooLong { start });
                }
                pos = next;
            }
            3 => {
                let Some(&low) = bytes.get(pos + 1) else {
                    return Some(NameProblem::PointerCut { at: pos });
                };
                let ptr = usize::from(u16::from_be_bytes([b & 0x3f, low]));
                if ptr >= run_start {
                    return Some(if ptr <= pos {
                        NameProblem::Loop { at: pos, to: ptr }
                    } else {
                        NameProblem::Forward { at: pos, to: ptr }
                    });
                }
                limit = run_start;
                run_start = ptr;
                pos = ptr;
            }
            _ => return Some(NameProblem::BadLabel { byte: b, at: pos }),
        }
    }
}

/// An owner or question name; the root is "<root>".
pub fn owner_text(name: &Name) -> String {
    if name.iter().next().is_none() {
        "<root>".to_string()
    } else {
        name_text(name)
    }
}

/// A name inside record data; the root is ".".
pub fn target_text(name: &Name) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{crafted, parse, q};
    use super::super::{parse_message, DnsProtocol, RType, Rcode};

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
            assert_eq!(
                m.questions,
                q(r"we\007ird\.na\255me.example.test", RType::A)
            );
            assert!(m.questions[0].name.chars().all(|c| c.is_ascii_graphic()));
        }
        assert_eq!(parse(fixture!("odd-name-response")).rcode, Rcode::NXDOMAIN);
        // The first label of frame 1 changed to a space, a quote and NUL.
        let mut b = fixture!("a-query").to_vec();
        b[13..16].copy_from_slice(b" \"\0");
        assert_eq!(parse(&b).questions[0].name, r#"\032\"\000.example.test"#);
        // The root as a question name (". NS").
        let mut b = fixture!("a-query")[..12].to_vec();
        b[11] = 0; // no additional records
        b.extend_from_slice(&[0, 0, 2, 0, 1]);
        assert_eq!(parse(&b).questions, q("<root>", RType::NS));
    }

    #[test]
    fn compression_loops_are_errors() {
        // The question's name is a pointer to itself.
        let e = parse_message(&crafted(&[0xc0, 12, 0, 1, 0, 1]), DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "DNS: name compression loop at offset 12: the pointer there leads back to offset 12, \
             within the same name (in question 1 of response 0x9969)"
        );
        // A label, then a pointer back to that label.
        let e = parse_message(&crafted(&[1, b'a', 0xc0, 12, 0, 1, 0, 1]), DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DNS: name compression loop at offset 14: "),
            "{e}"
        );
        // A pointer to later data.
        let e = parse_message(&crafted(&[0xc0, 20, 0, 1, 0, 1, 0, 0, 0]), DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
        assert!(e.contains("leads forward to offset 20"), "{e}");
        // A record of type 65280 whose data is the label "z", then a record
        // whose name (offset 33) points back at that label: reading it runs
        // on into the pointer again.
        let mut b = crafted(&[1, b'a', 0, 0, 1, 0, 1]);
        b[7] = 2; // two answers
        b.extend_from_slice(&[0xc0, 12, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 2, 1, b'z']);
        b.extend_from_slice(&[0xc0, 31, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        let e = parse_message(&b, DnsProtocol::Dns).unwrap_err().to_string();
        assert_eq!(
            e,
            "DNS: name compression loop at offset 33: the labels its pointer leads to run on \
             into it (in answer record 2 of response 0x9969)"
        );
        // A bad byte behind a pointer is placed where it is.
        let mut b = crafted(&[1, b'a', 0, 0, 1, 0, 1]);
        b[7] = 1;
        b.extend_from_slice(&[0xc0, 13, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        let e = parse_message(&b, DnsProtocol::Dns).unwrap_err().to_string();
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
        let e = parse_message(&crafted(&rest), DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
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
        let e = parse_message(&crafted(&rest), DnsProtocol::Dns)
            .unwrap_err()
            .to_string();
        assert!(e.contains("longer than 255 bytes"), "{e}");
    }
}
