//! One direction of a TLS connection over TCP: reassembled bytes in,
//! records (RFC 8446 §5.1) and handshake messages (RFC 8446 §4) out, with
//! the frames each came from. It follows where encryption starts (after a
//! ChangeCipherSpec, RFC 5246 §7.1, or a TLS 1.3 ServerHello, RFC 8446 §2)
//! and gives each hello its JA3/JA4 fingerprints.

use super::certificate::{certificates, certificates13};
use super::fingerprint::{self, Transport};
use super::handshake::{
    read_message, split_messages, HandshakeKind, HandshakeMessage, TlsHandshake, HANDSHAKE_HEADER,
};
use super::hello::{client_hello, server_hello};
use super::key_exchange::server_key_exchange;
use super::messages::{
    certificate_request, certificate_verify, encrypted_extensions, new_session_ticket,
};
use super::record::{
    sslv2_client_hello_header, ContentType, RecordHeader, TlsAlert, TlsRecord, MAX_RECORD,
    RECORD_HEADER,
};
use super::version::TlsVersion;
use super::{TlsError, TlsInfo};

/// One direction of a TLS connection.
pub struct TlsStream {
    /// Bytes not yet formed into a whole record.
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    buf_start: u64,
    /// (stream offset where a feed ended, its frame), for naming the frames
    /// a record or message came from.
    feeds: Vec<(u64, u64)>,
    /// Handshake bytes not yet formed into a whole message, and the frames
    /// they came from.
    hs: Vec<u8>,
    hs_frames: Vec<u64>,
    /// Bytes still to pass of a handshake message longer than the bound:
    /// its body is skipped, not held, and the messages after it are read.
    hs_skip: usize,
    /// Handshake records from here on are encrypted (after ChangeCipherSpec,
    /// or after a TLS 1.3 ServerHello).
    encrypted: bool,
    /// This direction sent a ClientHello offering TLS 1.3: a
    /// ChangeCipherSpec from it may be the middlebox-compatibility one
    /// (RFC 8446 Appendix D.4), sent before a second, plaintext ClientHello
    /// after a HelloRetryRequest.
    offered_tls13: bool,
    /// This direction sent a HelloRetryRequest.
    sent_hrr: bool,
    /// Record boundaries are lost; nothing more is decoded.
    lost: bool,
    max_message: usize,
    /// The cipher suite this direction's ServerHello chose: it decides how
    /// a ServerKeyExchange is laid out.
    chosen_suite: Option<u16>,
    /// Body bytes still to come of an application-data record that is
    /// skipped rather than buffered (its content is encrypted), and the
    /// record to report when they have passed.
    skip: usize,
    skipping: Option<TlsRecord>,
    /// The records fed are decrypted ones: their messages are marked so.
    decrypted: bool,
    /// Their Certificate messages have TLS 1.3's layout (RFC 8446 §4.4.2).
    tls13: bool,
}

impl TlsStream {
    /// `max_message` bounds the bytes held for one incomplete record or
    /// handshake message.
    pub fn new(max_message: usize) -> Self {
        TlsStream {
            buf: Vec::new(),
            buf_start: 0,
            feeds: Vec::new(),
            hs: Vec::new(),
            hs_frames: Vec::new(),
            hs_skip: 0,
            encrypted: false,
            offered_tls13: false,
            sent_hrr: false,
            lost: false,
            max_message,
            chosen_suite: None,
            skip: 0,
            skipping: None,
            decrypted: false,
            tls13: false,
        }
    }

    /// A decoder of the plaintext of decrypted records (fed as cleartext
    /// records of their inner content type): its handshake messages are
    /// marked `decrypted`, and with `tls13` a Certificate is read in the
    /// layout of RFC 8446 §4.4.2.
    pub fn decrypted(max_message: usize, tls13: bool) -> Self {
        TlsStream {
            decrypted: true,
            tls13,
            ..TlsStream::new(max_message)
        }
    }

    /// Marks later handshake records of this direction as encrypted: for a
    /// caller that learnt from the other direction that TLS 1.3 was chosen.
    pub fn set_encrypted(&mut self) {
        self.encrypted = true;
    }

    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    pub fn buffered(&self) -> usize {
        self.buf.len() + self.hs.len()
    }

    /// Bytes of this direction were not captured: record boundaries are
    /// lost, so decoding stops.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.lost {
            errors.push(TlsError::Gap.to_string());
        }
        self.lost = true;
        self.buf = Vec::new();
        self.hs = Vec::new();
        self.hs_frames.clear();
        self.hs_skip = 0;
        self.feeds.clear();
        self.skip = 0;
        self.skipping = None;
    }

    /// Frames that carried stream bytes in `[from, to)`.
    fn frames_between(&self, from: u64, to: u64) -> Vec<u64> {
        let mut start = self.buf_start;
        let mut out = Vec::new();
        for &(end, frame) in &self.feeds {
            if end > from && start < to && out.last() != Some(&frame) {
                out.push(frame);
            }
            start = end;
        }
        out
    }

    /// Takes the next in-order bytes of this direction, carried by `frame`.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        frame: u64,
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        if self.lost || data.is_empty() {
            return;
        }
        // The rest of a skipped application-data record: counted, not kept.
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            self.buf_start += n as u64;
            data = &data[n..];
            if self.skip == 0 {
                out.records.extend(self.skipping.take());
            }
            if data.is_empty() {
                return;
            }
        }
        if self.buf.is_empty() {
            out.starts_record = true;
        }
        self.buf.extend_from_slice(data);
        let end = self.buf_start + self.buf.len() as u64;
        self.feeds.push((end, frame));
        let mut at = 0usize;
        // RFC 5246 Appendix E.2: a client that can also speak SSL 2.0 may
        // open with its ClientHello in SSL 2.0's record form; the records
        // after it are TLS's.
        if self.buf_start == 0 {
            if let Some(len) = sslv2_client_hello_header(&self.buf) {
                if self.buf.len() < 2 + len {
                    if self.buf.len() > self.max_message {
                        self.lost = true;
                    }
                    return;
                }
                let frames = self.frames_between(0, (2 + len) as u64);
                let body = self.buf[2..2 + len].to_vec();
                sslv2_client_hello(&body, &frames, out, errors);
                at = 2 + len;
                self.offered_tls13 = false;
            }
        }
        while self.buf.len() - at >= RECORD_HEADER {
            let h = &self.buf[at..at + RECORD_HEADER];
            let header = RecordHeader::read(h);
            let (ctype, len) = (header.content_type, header.length);
            if !header.is_plausible() {
                errors.push(
                    TlsError::NotARecord {
                        header: [h[0], h[1], h[2]],
                        offset: self.buf_start + at as u64,
                    }
                    .to_string(),
                );
                self.lost = true;
                break;
            }
            if len > MAX_RECORD {
                errors.push(
                    TlsError::RecordTooLong {
                        length: len,
                        max: MAX_RECORD,
                    }
                    .to_string(),
                );
                self.lost = true;
                break;
            }
            let record = header.record();
            if self.buf.len() - at < RECORD_HEADER + len {
                // Application data is encrypted and only its size is
                // reported: its body is skipped as it arrives instead of
                // being held until the record is whole.
                if ctype == 23 {
                    self.skip = RECORD_HEADER + len - (self.buf.len() - at);
                    self.skipping = Some(record);
                    at = self.buf.len();
                }
                break;
            }
            out.records.push(record);
            if ctype != 23 {
                let from = self.buf_start + at as u64;
                let to = from + (RECORD_HEADER + len) as u64;
                let frames = self.frames_between(from, to);
                let body = self.buf[at + RECORD_HEADER..at + RECORD_HEADER + len].to_vec();
                self.record(ctype, &body, &frames, out, errors);
            }
            at += RECORD_HEADER + len;
        }
        if self.lost {
            self.buf = Vec::new();
            self.feeds.clear();
            return;
        }
        self.buf.drain(..at);
        self.buf_start += at as u64;
        let start = self.buf_start;
        // Keep only the feeds that still hold buffered bytes.
        let keep_from = self.feeds.iter().position(|(end, _)| *end > start);
        match keep_from {
            Some(i) => {
                self.feeds.drain(..i);
            }
            None => self.feeds.clear(),
        }
        if self.buf.len() > self.max_message {
            errors.push(
                TlsError::RecordOverBound {
                    held: self.buf.len(),
                    bound: self.max_message,
                }
                .to_string(),
            );
            self.lost = true;
            self.buf = Vec::new();
            self.feeds.clear();
        }
    }

    fn record(
        &mut self,
        ctype: u8,
        body: &[u8],
        frames: &[u64],
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        match ctype {
            // RFC 5246 §7.1: ChangeCipherSpec; what follows is encrypted.
            // Not after a HelloRetryRequest: that server speaks TLS 1.3,
            // whose ChangeCipherSpec is only for middleboxes (RFC 8446
            // Appendix D.4) and whose real ServerHello follows in the clear.
            20 if self.sent_hrr => {}
            20 => self.encrypted = true,
            21 => out.alerts.push(TlsAlert::read(body, self.encrypted)),
            // A whole ClientHello (type 1 with a length that fills the
            // record) after a TLS 1.3 client's ChangeCipherSpec is the second
            // ClientHello of a HelloRetryRequest exchange, sent in the clear:
            // a TLS 1.3 client encrypts only in application-data records, and
            // an encrypted TLS 1.2 Finished does not begin this way by more
            // than chance (1 in 2^32).
            22 if self.encrypted
                && !(self.offered_tls13
                    && matches!(
                        read_message(body, usize::MAX),
                        Ok(Some(m)) if m.msg_type == 1 && m.wire_len() == body.len()
                    )) =>
            {
                out.handshakes.push(TlsHandshake {
                    kind: HandshakeKind::EncryptedHandshakeMessage,
                    length: body.len() as u32,
                    frames: frames.to_vec(),
                    ..TlsHandshake::default()
                })
            }
            22 => {
                // The rest of a message over the bound passes unread.
                let n = self.hs_skip.min(body.len());
                self.hs_skip -= n;
                let body = &body[n..];
                if body.is_empty() {
                    return;
                }
                self.hs.extend_from_slice(body);
                for f in frames {
                    if !self.hs_frames.contains(f) {
                        self.hs_frames.push(*f);
                    }
                }
                self.handshake_messages(frames, out, errors);
            }
            _ => {}
        }
    }

    /// Takes every complete handshake message out of the handshake buffer
    /// (RFC 8446 §4: type, 24-bit length, body; messages may span records
    /// and records may hold several messages).
    fn handshake_messages(
        &mut self,
        last_frames: &[u64],
        out: &mut TlsInfo,
        errors: &mut Vec<String>,
    ) {
        let mut hs = std::mem::take(&mut self.hs);
        let mut messages = split_messages(&hs, self.max_message);
        let mut over = None;
        for m in messages.by_ref() {
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    over = Some(e);
                    break;
                }
            };
            let mut h = TlsHandshake {
                kind: m.kind(),
                length: m.body.len() as u32,
                frames: self.hs_frames.clone(),
                decrypted: self.decrypted,
                ..TlsHandshake::default()
            };
            self.message(m, &mut h, errors);
            out.handshakes.push(h);
            // Later messages start in the record that completed this one.
            self.hs_frames = last_frames.to_vec();
            if self.encrypted {
                // The rest of this record can no longer be read.
                break;
            }
        }
        let at = messages.consumed();
        if let Some(e) = over {
            // A message longer than the bound: it is named with its type
            // and length, its body passes unread, and the messages after
            // it are read as before (the record layer keeps its place, so
            // nothing says encryption started).
            errors.push(e.to_string());
            if let TlsError::MessageOverBound { length, .. } = e {
                out.handshakes.push(TlsHandshake {
                    kind: HandshakeKind::from_code(hs[at]),
                    length: length as u32,
                    frames: self.hs_frames.clone(),
                    decrypted: self.decrypted,
                    ..TlsHandshake::default()
                });
                let wire = HANDSHAKE_HEADER + length;
                let held = hs.len() - at;
                if held >= wire {
                    hs.drain(..at + wire);
                    self.hs = hs;
                    self.hs_frames = last_frames.to_vec();
                    if !self.hs.is_empty() {
                        self.handshake_messages(last_frames, out, errors);
                    }
                } else {
                    self.hs_skip = wire - held;
                }
            }
            if self.hs.is_empty() {
                self.hs_frames.clear();
            }
            return;
        }
        if !(self.encrypted && at > 0) {
            self.hs = hs;
            self.hs.drain(..at);
        }
        if self.hs.is_empty() {
            self.hs_frames.clear();
        }
    }

    /// Reads the body of one message into `h` and notes what it changes in
    /// this direction.
    fn message(&mut self, m: HandshakeMessage, h: &mut TlsHandshake, errors: &mut Vec<String>) {
        match m.msg_type {
            1 => {
                match client_hello(m.body, h) {
                    Ok(()) => fingerprint::fingerprint(h, Transport::Tcp),
                    Err(e) => errors.push(e.in_message("ClientHello").to_string()),
                }
                if h.supported_versions.iter().any(|v| v.is_tls13()) {
                    self.offered_tls13 = true;
                    // Its second ClientHello is in the clear again.
                    self.encrypted = false;
                }
            }
            2 => {
                match server_hello(m.body, h) {
                    Ok(()) => fingerprint::fingerprint(h, Transport::Tcp),
                    Err(e) => errors.push(e.in_message("ServerHello").to_string()),
                }
                self.chosen_suite = h.cipher_suite;
                self.sent_hrr |= h.kind == HandshakeKind::HelloRetryRequest;
                // RFC 8446 §2: after a TLS 1.3 ServerHello (not a
                // HelloRetryRequest) everything is encrypted.
                if h.kind == HandshakeKind::ServerHello
                    && h.supported_versions.iter().any(|v| v.is_tls13())
                {
                    self.encrypted = true;
                }
            }
            // RFC 5246 §7.4.2.
            11 => {
                let read = if self.tls13 {
                    certificates13
                } else {
                    certificates
                };
                if let Err(e) = read(m.body, &mut h.certificates, &mut h.certificates_dropped) {
                    errors.push(e.in_message("Certificate").to_string());
                }
            }
            12 => match server_key_exchange(m.body, self.chosen_suite) {
                Ok(ske) => h.server_key_exchange = ske,
                Err(e) => errors.push(e.in_message("ServerKeyExchange").to_string()),
            },
            4 => {
                if let Err(e) = new_session_ticket(m.body, self.tls13, h) {
                    errors.push(e.in_message("NewSessionTicket").to_string());
                }
            }
            8 => {
                if let Err(e) = encrypted_extensions(m.body, h) {
                    errors.push(e.in_message("EncryptedExtensions").to_string());
                }
            }
            13 => {
                if let Err(e) = certificate_request(m.body, self.tls13, h) {
                    errors.push(e.in_message("CertificateRequest").to_string());
                }
            }
            15 => {
                if let Err(e) = certificate_verify(m.body, h) {
                    errors.push(e.in_message("CertificateVerify").to_string());
                }
            }
            _ => {}
        }
    }
}

/// The SSL 2.0-compatible ClientHello (RFC 5246 Appendix E.2): message
/// type, version, the lengths of the cipher specs, session id and
/// challenge, then those. Its three-byte cipher specs that begin with 0
/// are TLS cipher suites; the challenge, right-aligned in 32 zero bytes,
/// is the random.
fn sslv2_client_hello(body: &[u8], frames: &[u64], out: &mut TlsInfo, errors: &mut Vec<String>) {
    let version = u16::from_be_bytes([body[1], body[2]]);
    out.records.push(TlsRecord {
        content_type: ContentType::Handshake,
        version: TlsVersion::Other(0x0002),
        length: body.len() as u16,
        sslv2: true,
    });
    let n = |i: usize| usize::from(u16::from_be_bytes([body[i], body[i + 1]]));
    let (specs, sid, challenge) = (n(3), n(5), n(7));
    let Some(rest) = body.get(9..9 + specs + sid + challenge) else {
        errors.push(format!(
            "TLS: SSL 2.0-compatible ClientHello lengths ({specs} + {sid} + {challenge}) exceed its {} bytes",
            body.len()
        ));
        return;
    };
    if specs % 3 != 0 || !(16..=32).contains(&challenge) {
        errors.push(format!(
            "TLS: SSL 2.0-compatible ClientHello with cipher specs of {specs} bytes and a {challenge}-byte challenge (RFC 5246 Appendix E.2 wants whole specs, 16 to 32 bytes)"
        ));
    }
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let c = &rest[specs + sid..];
    let mut random = vec![0u8; 32usize.saturating_sub(c.len())];
    random.extend_from_slice(&c[c.len().saturating_sub(32)..]);
    out.handshakes.push(TlsHandshake {
        kind: HandshakeKind::ClientHello,
        version: Some(TlsVersion::from(version)),
        length: body.len() as u32,
        cipher_suites: rest[..specs - specs % 3]
            .chunks(3)
            .filter(|s| s[0] == 0)
            .map(|s| u16::from_be_bytes([s[1], s[2]]))
            .collect(),
        session_id: Some(hex(&rest[specs..specs + sid])),
        random: Some(hex(&random)),
        frames: frames.to_vec(),
        ..TlsHandshake::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tls::hello::HRR_RANDOM;
    use crate::decode::tls::names::is_grease;
    use crate::decode::tls::testdata::{bytes, client_hello, feed_all, tls12_server_flight};
    use crate::decode::tls::{Certificate, ContentType, ServerKeyExchange, TlsVersion};

    #[test]
    fn application_data_is_counted_not_buffered() {
        // A 4000-byte application-data record, then a close_notify alert,
        // through a stream whose bound (1 KiB) is smaller than the record.
        let mut bytes = vec![23, 3, 3, 0x0f, 0xa0];
        bytes.extend(vec![0xaa; 4000]);
        bytes.extend([21, 3, 3, 0, 2, 1, 0]);
        let mut s = TlsStream::new(1 << 10);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&bytes[..100], 1, &mut out, &mut errors);
        s.feed(&bytes[100..3000], 2, &mut out, &mut errors);
        assert!(out.records.is_empty());
        assert!(s.buffered() < 100, "{} bytes held", s.buffered());
        s.feed(&bytes[3000..], 3, &mut out, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.content_type, r.length))
            .collect();
        assert_eq!(
            got,
            vec![
                (ContentType::ApplicationData, 4000),
                (ContentType::Alert, 2)
            ]
        );
        assert_eq!(out.alerts[0].description, "close_notify");
    }

    #[test]
    fn chromium_client_hello_matches_tshark() {
        let ch = client_hello();
        let (out, errors) = feed_all(&[(&ch, 73)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].content_type, ContentType::Handshake);
        assert_eq!(out.records[0].version, TlsVersion::Tls10);
        let h = &out.handshakes[0];
        assert_eq!(h.kind, HandshakeKind::ClientHello);
        assert_eq!(h.version, Some(TlsVersion::Tls12));
        assert_eq!(h.sni.as_deref(), Some("www.google.com"));
        assert_eq!(h.alpn, ["h2", "http/1.1"]);
        assert_eq!(
            h.supported_versions,
            [
                TlsVersion::Grease(0x0a0a),
                TlsVersion::Tls13,
                TlsVersion::Tls12
            ]
        );
        assert_eq!(h.key_share_groups, [0x6a6a, 0x11ec, 0x001d]);
        assert_eq!(h.cipher_suites.len(), 16);
        assert_eq!(h.cipher_suites[..4], [0x6a6a, 0x1301, 0x1302, 0x1303]);
        assert_eq!(h.compression_methods, [0]);
        // Chromium sends GREASE first and last among its extensions.
        assert!(is_grease(h.extensions[0]));
        assert!(h.extensions.contains(&0xfe0d));
        assert!(h.encrypted_client_hello);
        assert_eq!(h.grease, [0x6a6a, 0x0a0a, 0xfafa]);
        assert_eq!(h.random.as_ref().map(String::len), Some(64));
        assert_eq!(h.frames, [73]);
        assert_eq!(h.length as usize, ch.len() - 9);
    }

    #[test]
    fn client_hello_split_anywhere_is_reassembled() {
        let ch = client_hello();
        let (whole, _) = feed_all(&[(&ch, 1)]);
        for cut in 1..ch.len() {
            let (out, errors) = feed_all(&[(&ch[..cut], 1), (&ch[cut..], 2)]);
            assert!(errors.is_empty(), "cut {cut}: {errors:?}");
            let h = &out.handshakes[0];
            assert_eq!(h.frames, [1, 2], "cut {cut}");
            assert_eq!(h.sni, whole.handshakes[0].sni);
            assert_eq!(h.extensions, whole.handshakes[0].extensions);
        }
    }

    #[test]
    fn one_message_over_two_records_and_two_messages_in_one() {
        let ch = client_hello();
        let body = &ch[5..];
        // The same handshake message cut into two records of its own.
        let mut split = Vec::new();
        for part in [&body[..100], &body[100..]] {
            split.extend_from_slice(&[22, 3, 1]);
            split.extend_from_slice(&(part.len() as u16).to_be_bytes());
            split.extend_from_slice(part);
        }
        let (out, errors) = feed_all(&[(&split[..50], 5), (&split[50..], 6)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.handshakes.len(), 1);
        assert_eq!(out.handshakes[0].frames, [5, 6]);
        assert_eq!(out.handshakes[0].sni.as_deref(), Some("www.google.com"));

        // nginx's TLS 1.2 flight: four messages in one record.
        let flight = tls12_server_flight();
        let (out, errors) = feed_all(&[(&flight, 10)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<HandshakeKind> = out.handshakes.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [
                HandshakeKind::ServerHello,
                HandshakeKind::Certificate,
                HandshakeKind::ServerKeyExchange,
                HandshakeKind::ServerHelloDone
            ]
        );
        assert_eq!(out.handshakes[0].cipher_suite, Some(0xc02c));
        assert_eq!(out.handshakes[0].alpn, ["http/1.1"]);
    }

    #[test]
    fn tls13_server_flight_is_encrypted_after_the_server_hello() {
        let flight = bytes(include_str!("../testdata/tls/tls13-server-flight.hex"));
        let mut s = TlsStream::new(1 << 16);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&flight, 76, &mut out, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(s.is_encrypted());
        assert_eq!(out.handshakes.len(), 1);
        let sh = &out.handshakes[0];
        assert_eq!(sh.kind, HandshakeKind::ServerHello);
        assert_eq!(sh.supported_versions, [TlsVersion::Tls13]);
        assert_eq!(sh.cipher_suite, Some(0x1301));
        assert_eq!(sh.key_share_groups, [0x001d]);
        let types: Vec<ContentType> = out.records.iter().map(|r| r.content_type).collect();
        assert_eq!(
            types[..3],
            [
                ContentType::Handshake,
                ContentType::ChangeCipherSpec,
                ContentType::ApplicationData
            ]
        );
    }

    #[test]
    fn the_second_client_hello_after_a_compatibility_change_cipher_spec_is_read() {
        // RFC 8446 Appendix D.4: after the HelloRetryRequest curl sends a
        // ChangeCipherSpec and then its second ClientHello, in the clear.
        let first = bytes(include_str!("../testdata/tls/hrr-client-frame11.hex"));
        let second = bytes(include_str!("../testdata/tls/hrr-client-frame15.hex"));
        let (out, errors) = feed_all(&[(&first, 11), (&second, 15)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<HandshakeKind> = out.handshakes.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [HandshakeKind::ClientHello, HandshakeKind::ClientHello]
        );
        // tshark: tls.handshake.extensions_key_share_group 29 then 24.
        assert_eq!(out.handshakes[0].key_share_groups, [0x001d]);
        assert_eq!(out.handshakes[1].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].frames, [15]);
        let types: Vec<ContentType> = out.records.iter().map(|r| r.content_type).collect();
        assert_eq!(
            types,
            [
                ContentType::Handshake,
                ContentType::ChangeCipherSpec,
                ContentType::Handshake
            ]
        );
    }

    #[test]
    fn the_server_hello_after_a_hello_retry_request_is_read() {
        // samples/tls-hrr.pcapng frames 13 (HelloRetryRequest and a
        // compatibility ChangeCipherSpec) and 16 (the real ServerHello,
        // then encrypted records).
        let hrr = bytes(include_str!("../testdata/tls/hrr-server-frame13.hex"));
        let sh = bytes(include_str!("../testdata/tls/hrr-server-frame16.hex"));
        let (out, errors) = feed_all(&[(&hrr, 13), (&sh, 16)]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<HandshakeKind> = out.handshakes.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds[..2],
            [HandshakeKind::HelloRetryRequest, HandshakeKind::ServerHello]
        );
        assert!(kinds[2..]
            .iter()
            .all(|k| *k == HandshakeKind::EncryptedHandshakeMessage));
        assert_eq!(out.handshakes[0].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].key_share_groups, [0x0018]);
        assert_eq!(out.handshakes[1].supported_versions, [TlsVersion::Tls13]);
    }

    #[test]
    fn hello_retry_request_is_recognised_by_its_random() {
        let flight = bytes(include_str!("../testdata/tls/tls13-server-flight.hex"));
        let mut hrr = flight.clone();
        // The ServerHello's random starts after the record header (5),
        // handshake header (4) and legacy version (2).
        hrr[11..43].copy_from_slice(&HRR_RANDOM);
        let (out, _) = feed_all(&[(&hrr, 1)]);
        assert_eq!(out.handshakes[0].kind, HandshakeKind::HelloRetryRequest);
    }

    #[test]
    fn lengths_beyond_the_data_are_errors_not_panics() {
        // A record header claiming more than a record may hold.
        let (out, errors) = feed_all(&[(&[22, 3, 3, 0x50, 0x00, 1, 2, 3], 1)]);
        assert!(out.records.is_empty());
        assert_eq!(
            errors,
            ["TLS record length 20480 exceeds 16640; the rest of this direction is not decoded"]
        );
        // An extension whose length runs past the ClientHello: the ALPN
        // extension's length is raised by 300.
        let mut ch = client_hello();
        let ext_at = (0..ch.len() - 4)
            .find(|&i| ch[i..i + 2] == [0x00, 0x10] && ch[i + 4..i + 6] == [0x00, 0x0c])
            .expect("the ALPN extension");
        ch[ext_at + 2..ext_at + 4].copy_from_slice(&(0x000e_u16 + 300).to_be_bytes());
        let (out, errors) = feed_all(&[(&ch, 1)]);
        assert_eq!(out.handshakes[0].sni.as_deref(), Some("www.google.com"));
        assert!(
            errors[0]
                .starts_with("TLS ClientHello: extension 0x0010: extension length 314 exceeds the"),
            "{errors:?}"
        );
        // Every prefix of a ClientHello, and every corruption of its length
        // bytes, is read without a panic.
        let ch = client_hello();
        for n in 0..ch.len() {
            feed_all(&[(&ch[..n], 1)]);
        }
        for at in 0..12 {
            let mut bad = ch.clone();
            bad[at] = 0xff;
            feed_all(&[(&bad, 1)]);
        }
    }

    #[test]
    fn the_bound_drops_and_says_so() {
        let ch = client_hello();
        let mut s = TlsStream::new(100);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        s.feed(&ch[..1000], 1, &mut out, &mut errors);
        assert_eq!(s.buffered(), 0);
        assert!(
            errors[0].contains("exceed the 100-byte bound and were dropped"),
            "{errors:?}"
        );
        // A gap stops decoding, said once.
        let mut s = TlsStream::new(1 << 16);
        s.gap(&mut errors);
        s.gap(&mut errors);
        s.feed(&ch, 2, &mut out, &mut errors);
        assert!(out.handshakes.is_empty());
        assert_eq!(errors.len(), 2);
    }

    /// A message over the bound is named and skipped; the messages after it
    /// are read in the clear and a later ChangeCipherSpec still starts
    /// encryption. The flight of samples/curl-tls12.pcapng frame 10 is
    /// re-framed so that its 462-byte Certificate spans two records of a
    /// stream bounded at 300 bytes, fed in 50-byte pieces.
    #[test]
    fn a_message_over_the_bound_is_skipped_not_the_rest() {
        let flight = tls12_server_flight();
        // ServerHello record (5 + 112), then the Certificate record.
        let cert_at = 5 + 112;
        assert_eq!(flight[cert_at], 22);
        let cert_len = usize::from(u16::from_be_bytes([
            flight[cert_at + 3],
            flight[cert_at + 4],
        ]));
        let cert = &flight[cert_at + 5..cert_at + 5 + cert_len];
        let mut bytes = flight[..cert_at].to_vec();
        for half in [&cert[..cert_len / 2], &cert[cert_len / 2..]] {
            bytes.extend([22, 3, 3]);
            bytes.extend((half.len() as u16).to_be_bytes());
            bytes.extend(half);
        }
        bytes.extend(&flight[cert_at + 5 + cert_len..]);
        // The client's ChangeCipherSpec and an encrypted Finished, as a
        // server's would follow.
        bytes.extend([20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 40]);
        bytes.extend([0x5a; 40]);
        let mut s = TlsStream::new(300);
        let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
        for (i, piece) in bytes.chunks(50).enumerate() {
            s.feed(piece, i as u64 + 1, &mut out, &mut errors);
        }
        let kinds: Vec<_> = out.handshakes.iter().map(|h| (h.kind, h.length)).collect();
        assert_eq!(
            kinds,
            [
                (HandshakeKind::ServerHello, 108),
                (HandshakeKind::Certificate, 462),
                (HandshakeKind::ServerKeyExchange, 111),
                (HandshakeKind::ServerHelloDone, 0),
                (HandshakeKind::EncryptedHandshakeMessage, 40),
            ]
        );
        assert!(out.handshakes[1].certificates.is_empty());
        assert!(out.handshakes[2].server_key_exchange.is_some());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("462 bytes exceeds the 300-byte bound"));
        assert!(s.buffered() < 300);
    }

    /// samples/curl-tls12.pcapng frame 10; the expected values are what
    /// tshark 4.0 prints for that frame (`-O tls,x509af,x509ce,x509sat`).
    #[test]
    fn tls12_certificate_and_server_key_exchange() {
        let flight = tls12_server_flight();
        let (out, errors) = feed_all(&[(&flight, 10)]);
        assert!(errors.is_empty(), "{errors:?}");
        let sh = &out.handshakes[0];
        assert_eq!(
            sh.ja3s_string.as_deref(),
            Some("771,49196,65281-0-11-16-23")
        );
        assert_eq!(sh.ja3s.as_deref(), Some("fe0146829eef1917ba6c2dd4f5c08905"));
        assert_eq!(sh.ec_point_formats, [0, 1, 2]);
        let Certificate::Parsed(cert) = &out.handshakes[1].certificates[0] else {
            panic!("{:?}", out.handshakes[1]);
        };
        assert_eq!(out.handshakes[1].certificates.len(), 1);
        assert_eq!(cert.subject, "CN=www.google.com");
        assert_eq!(cert.issuer, "CN=www.google.com");
        assert_eq!(
            cert.san,
            ["google.com", "www.google.com", "static.google.com"]
        );
        assert_eq!(cert.not_before, "2026-11-24T05:25:54Z");
        assert_eq!(cert.not_after, "2026-12-24T05:25:54Z");
        assert_eq!(cert.serial, "012ace4ab9643741237c917384387525c7c4f41a");
        assert_eq!(
            out.handshakes[2].server_key_exchange,
            Some(ServerKeyExchange {
                key_exchange: "ECDHE".into(),
                curve: Some("x25519".into()),
                dh_prime_bits: None,
                signature_algorithm: Some("ecdsa_secp256r1_sha256".into()),
            })
        );
    }

    /// The same flight with the certificate's DER corrupted: the message
    /// still decodes, the certificate becomes an error entry; a Certificate
    /// message whose list overruns is an error of the packet. Every
    /// corruption of a byte of the certificate is read without a panic.
    #[test]
    fn a_certificate_that_does_not_parse_is_an_error_entry() {
        let flight = tls12_server_flight();
        // The DER starts after the ServerHello record (5 + 112), the
        // Certificate record header (5), handshake header (4) and the two
        // 24-bit lengths (3 + 3); its first byte is the SEQUENCE tag.
        let der_at = 5 + 112 + 5 + 4 + 3 + 3;
        assert_eq!(flight[der_at], 0x30);
        let mut bad = flight.clone();
        bad[der_at] = 0x04;
        let (out, errors) = feed_all(&[(&bad, 1)]);
        assert!(errors.is_empty(), "{errors:?}");
        match &out.handshakes[1].certificates[0] {
            Certificate::Unreadable { error } => {
                assert!(error.starts_with("certificate does not parse"), "{error}")
            }
            other => panic!("{other:?}"),
        }
        let json = serde_json::to_value(&out.handshakes[1]).unwrap();
        assert!(json["certificates"][0]["error"].is_string());

        let mut overrun = flight.clone();
        overrun[der_at - 6] = 0x01;
        let (out, errors) = feed_all(&[(&overrun, 1)]);
        assert!(out.handshakes[1].certificates.is_empty());
        assert!(
            errors[0].starts_with("TLS Certificate: certificate_list length"),
            "{errors:?}"
        );
        for at in der_at..der_at + 460 {
            for byte in [0x00, 0xff, 0x81] {
                let mut bad = flight.clone();
                bad[at] = byte;
                feed_all(&[(&bad, 1)]);
            }
        }
    }
}
