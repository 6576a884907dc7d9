//! DTLS over UDP (RFC 6347 for 1.0 and 1.2, RFC 9147 §4 for the plaintext
//! records 1.3 keeps): each datagram holds one or more records of 13-byte
//! headers — type, version, epoch, 48-bit sequence number, length — and
//! handshake messages with a 12-byte header (type, length, message_seq,
//! fragment_offset, fragment_length). Records of epoch 0 are in the clear:
//! their handshake messages are named, and a ClientHello or ServerHello
//! that fits in one fragment is read as TLS's is (the ClientHello's cookie
//! taken out, RFC 6347 §4.2.1), with its JA4 (`d` for DTLS).

use super::fingerprint::{self, Transport};
use super::handshake::{HandshakeKind, TlsHandshake};
use super::hello::parse_hello;
use super::record::ContentType;
use serde::Serialize;

/// Bytes of a DTLS record header.
pub const DTLS_RECORD_HEADER: usize = 13;
/// Bytes of a DTLS handshake message header.
pub const DTLS_HANDSHAKE_HEADER: usize = 12;

/// What one datagram's DTLS records hold.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DtlsInfo {
    pub records: Vec<DtlsRecord>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handshakes: Vec<DtlsHandshake>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DtlsRecord {
    pub content_type: ContentType,
    /// "DTLS 1.0", "DTLS 1.2", "DTLS 1.3", or the number in hex.
    pub version: String,
    pub epoch: u16,
    pub seq: u64,
    pub length: u16,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DtlsHandshake {
    /// "client_hello", "hello_verify_request", "server_hello", …
    #[serde(rename = "type")]
    pub kind: HandshakeKind,
    pub length: u32,
    pub message_seq: u16,
    pub fragment_offset: u32,
    pub fragment_length: u32,
    /// The cookie's length in a ClientHello or HelloVerifyRequest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_length: Option<u8>,
    /// A hello whole in this fragment, read as TLS's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello: Option<Box<TlsHandshake>>,
    /// The index of its record in [`DtlsInfo::records`].
    #[serde(skip)]
    pub record: usize,
}

/// The name of a DTLS version number (RFC 6347 §4.1: 1's complement of
/// the TLS version; RFC 9147 §5.3 for 1.3).
pub fn dtls_version_name(v: u16) -> String {
    match v {
        0xfeff => "DTLS 1.0".into(),
        0xfefd => "DTLS 1.2".into(),
        0xfefc => "DTLS 1.3".into(),
        0x0100 => "DTLS 1.0 (OpenSSL pre-0.9.8f)".into(),
        v => format!("{v:#06x}"),
    }
}

/// Whether a UDP payload starts with a DTLS record header: a content type
/// 20–25, a DTLS version, and a length that fits in the datagram.
pub fn looks_like_dtls(p: &[u8]) -> bool {
    p.len() >= DTLS_RECORD_HEADER
        && (20..=25).contains(&p[0])
        && matches!(u16::from_be_bytes([p[1], p[2]]), 0xfeff | 0xfefd | 0xfefc)
        && DTLS_RECORD_HEADER + usize::from(u16::from_be_bytes([p[11], p[12]])) <= p.len()
}

/// Reads the records of one datagram. What does not parse ends the
/// reading with an error; what was read before it is kept.
pub fn parse(p: &[u8]) -> (DtlsInfo, Option<String>) {
    let mut info = DtlsInfo::default();
    let mut at = 0;
    while at < p.len() {
        let Some(h) = p.get(at..at + DTLS_RECORD_HEADER) else {
            return (
                info,
                Some(format!(
                    "DTLS: {} bytes at offset {at} are too few for a record header",
                    p.len() - at
                )),
            );
        };
        let len = usize::from(u16::from_be_bytes([h[11], h[12]]));
        let mut seq = [0u8; 8];
        seq[2..].copy_from_slice(&h[5..11]);
        let record = DtlsRecord {
            content_type: ContentType::from(h[0]),
            version: dtls_version_name(u16::from_be_bytes([h[1], h[2]])),
            epoch: u16::from_be_bytes([h[3], h[4]]),
            seq: u64::from_be_bytes(seq),
            length: len as u16,
        };
        let Some(body) = p.get(at + DTLS_RECORD_HEADER..at + DTLS_RECORD_HEADER + len) else {
            return (
                info,
                Some(format!(
                    "DTLS: record at offset {at} claims {len} bytes, {} remain",
                    p.len() - at - DTLS_RECORD_HEADER
                )),
            );
        };
        let (epoch, ctype) = (record.epoch, h[0]);
        info.records.push(record);
        if ctype == 22 && epoch == 0 {
            if let Err(e) = handshakes(body, info.records.len() - 1, &mut info.handshakes) {
                return (info, Some(e));
            }
        } else if ctype == 22 {
            info.handshakes.push(DtlsHandshake {
                kind: HandshakeKind::EncryptedHandshakeMessage,
                length: len as u32,
                message_seq: 0,
                fragment_offset: 0,
                fragment_length: len as u32,
                cookie_length: None,
                hello: None,
                record: info.records.len() - 1,
            });
        }
        at += DTLS_RECORD_HEADER + len;
    }
    (info, None)
}

fn u24(b: &[u8]) -> u32 {
    u32::from_be_bytes([0, b[0], b[1], b[2]])
}

/// The handshake fragments of one plaintext record.
fn handshakes(mut body: &[u8], record: usize, out: &mut Vec<DtlsHandshake>) -> Result<(), String> {
    while !body.is_empty() {
        let Some(h) = body.get(..DTLS_HANDSHAKE_HEADER) else {
            return Err("DTLS: handshake header cut short".into());
        };
        let (length, frag_off, frag_len) = (u24(&h[1..4]), u24(&h[6..9]), u24(&h[9..12]));
        let Some(frag) = body.get(DTLS_HANDSHAKE_HEADER..DTLS_HANDSHAKE_HEADER + frag_len as usize)
        else {
            return Err(format!(
                "DTLS: handshake fragment of {frag_len} bytes runs past its record"
            ));
        };
        let mut m = DtlsHandshake {
            kind: HandshakeKind::from_code(h[0]),
            length,
            message_seq: u16::from_be_bytes([h[4], h[5]]),
            fragment_offset: frag_off,
            fragment_length: frag_len,
            cookie_length: None,
            hello: None,
            record,
        };
        let whole = frag_off == 0 && frag_len == length;
        match h[0] {
            // HelloVerifyRequest (RFC 6347 §4.2.1): version, cookie.
            3 => m.cookie_length = frag.get(2).copied(),
            1 if whole => {
                // version (2), random (32), session id, cookie, the rest.
                let sid_end = 35 + usize::from(*frag.get(34).unwrap_or(&0));
                if let Some(&clen) = frag.get(sid_end) {
                    m.cookie_length = Some(clen);
                    let rest = frag.get(sid_end + 1 + usize::from(clen)..).unwrap_or(&[]);
                    let tls_form = [&frag[..sid_end], rest].concat();
                    m.hello = hello(1, &tls_form);
                }
            }
            2 if whole => m.hello = hello(2, frag),
            _ => {}
        }
        out.push(m);
        body = &body[DTLS_HANDSHAKE_HEADER + frag_len as usize..];
    }
    Ok(())
}

fn hello(kind: u8, body: &[u8]) -> Option<Box<TlsHandshake>> {
    let mut h = TlsHandshake {
        kind: HandshakeKind::from_code(kind),
        length: body.len() as u32,
        ..TlsHandshake::default()
    };
    parse_hello(kind, body, &mut h).ok()?;
    fingerprint::fingerprint(&mut h, Transport::Dtls);
    Some(Box::new(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_verify_request_and_any_bytes() {
        // RFC 6347 §4.2.1: HelloVerifyRequest with a 4-byte cookie, in a
        // DTLS 1.0 record of epoch 0, sequence 1.
        let mut p = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 19];
        p.extend_from_slice(&[
            3, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 7, 0xfe, 0xff, 4, 1, 2, 3, 4,
        ]);
        assert!(looks_like_dtls(&p));
        let (info, err) = parse(&p);
        assert_eq!(err, None);
        assert_eq!(info.records[0].version, "DTLS 1.0");
        assert_eq!(info.records[0].seq, 1);
        assert_eq!(info.handshakes[0].kind, HandshakeKind::HelloVerifyRequest);
        assert_eq!(info.handshakes[0].cookie_length, Some(4));
        for n in 0..p.len() {
            parse(&p[..n]);
            let mut bad = p.clone();
            bad[n] = 0xff;
            parse(&bad);
        }
    }
}
