//! WebSocket (RFC 6455): the opening handshake's accept value (§4.2.2) and
//! the framing (§5.2) of one direction of an upgraded connection.
//!
//! Payloads are skipped, not buffered, except the few bytes a close frame's
//! status code and reason, or a short text preview, need.

use base64::Engine;
use serde::Serialize;
use sha1::{Digest, Sha1};

/// §1.3: the GUID the server appends to the client's key.
const ACCEPT_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Bytes of a text frame shown (unmasked) as a preview.
pub const TEXT_PREVIEW: usize = 64;
/// §5.5: control frames carry at most 125 payload bytes.
const MAX_CONTROL_PAYLOAD: u64 = 125;

/// The Sec-WebSocket-Accept a server must send for `key` (§4.2.2 item 5.4):
/// base64 of the SHA-1 of the key (as sent, trimmed) and the GUID.
pub fn expected_accept(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(ACCEPT_GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// §5.2 opcode names.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0x0 => "continuation",
        0x1 => "text",
        0x2 => "binary",
        0x8 => "close",
        0x9 => "ping",
        0xa => "pong",
        0x3..=0x7 => "reserved (data)",
        _ => "reserved (control)",
    }
}

/// §7.4.1 status code names.
fn close_code_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status received",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1015 => "TLS handshake failure",
        _ => return None,
    })
}

/// One WebSocket frame, reported in the TCP segment that completes it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct WsFrame {
    pub opcode: u8,
    /// "text", "binary", "continuation", "close", "ping", "pong", …
    pub kind: &'static str,
    pub fin: bool,
    /// RSV1: the payload is compressed (permessage-deflate, RFC 7692).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub compressed: bool,
    pub masked: bool,
    pub payload_len: u64,
    /// Bytes of the frame header on the wire (2 to 14, §5.2).
    #[serde(skip)]
    pub header_len: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_meaning: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
    /// The start of an uncompressed text frame's payload, unmasked, lossy
    /// UTF-8, at most [`TEXT_PREVIEW`] bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Frames the WebSocket frame was carried in, in stream order.
    pub frames: Vec<u64>,
}

#[derive(Debug)]
enum State {
    /// Collecting the 2–14 header bytes.
    Header,
    /// Reading or skipping this many payload bytes.
    Payload(u64),
    /// A close frame was sent; nothing may follow (§5.5.1).
    Closed,
    /// Framing was lost.
    Stopped,
}

/// One direction of a WebSocket connection, fed in-order bytes.
#[derive(Debug)]
pub struct WsStream {
    /// Whether frames in this direction must be masked (client to server,
    /// §5.1) — a frame that breaks the rule is flagged.
    from_client: bool,
    state: State,
    header: Vec<u8>,
    current: WsFrame,
    mask: Option<[u8; 4]>,
    /// Payload bytes read of the current frame.
    read: u64,
    /// Payload bytes kept of the current frame (control frames, preview).
    kept: Vec<u8>,
}

impl WsStream {
    pub fn new(from_client: bool) -> WsStream {
        WsStream {
            from_client,
            state: State::Header,
            header: Vec::with_capacity(14),
            current: WsFrame::default(),
            mask: None,
            read: 0,
            kept: Vec::new(),
        }
    }

    pub fn buffered(&self) -> usize {
        self.header.len() + self.kept.len()
    }

    /// Bytes were lost: frame boundaries cannot be found any more.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if matches!(self.state, State::Header | State::Payload(_)) {
            errors.push(
                "WebSocket: bytes missing from the stream; stopped decoding this direction".into(),
            );
        }
        self.stop();
    }

    fn stop(&mut self) {
        self.state = State::Stopped;
        self.header = Vec::new();
        self.kept = Vec::new();
    }

    pub fn feed(
        &mut self,
        mut data: &[u8],
        frame: u64,
        out: &mut Vec<WsFrame>,
        errors: &mut Vec<String>,
    ) {
        while !data.is_empty() {
            match self.state {
                State::Stopped => return,
                State::Closed => {
                    errors.push(format!(
                        "WebSocket: {} bytes after this direction's close frame (RFC 6455 §5.5.1 forbids data after close); not decoded",
                        data.len()
                    ));
                    self.stop();
                    return;
                }
                State::Header => {
                    let need = header_len(&self.header);
                    let take = need.saturating_sub(self.header.len()).min(data.len());
                    self.header.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.current.frames.last() != Some(&frame) {
                        self.current.frames.push(frame);
                    }
                    // The first two bytes may have asked for more.
                    if self.header.len() < header_len(&self.header) {
                        continue;
                    }
                    self.start_frame(errors);
                    if let State::Payload(0) = self.state {
                        self.finish_frame(out);
                    }
                }
                State::Payload(left) => {
                    if self.current.frames.last() != Some(&frame) {
                        self.current.frames.push(frame);
                    }
                    let n = (data.len() as u64).min(left) as usize;
                    self.keep(&data[..n]);
                    self.read += n as u64;
                    data = &data[n..];
                    self.state = State::Payload(left - n as u64);
                    if left == n as u64 {
                        self.finish_frame(out);
                    }
                }
            }
        }
    }

    /// Decodes the complete header in `self.header` (§5.2).
    fn start_frame(&mut self, errors: &mut Vec<String>) {
        let h = &self.header;
        let (b0, b1) = (h[0], h[1]);
        let opcode = b0 & 0x0f;
        let masked = b1 & 0x80 != 0;
        let payload_len = match b1 & 0x7f {
            126 => u64::from(u16::from_be_bytes([h[2], h[3]])),
            127 => u64::from_be_bytes([h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]]),
            n => u64::from(n),
        };
        self.mask = masked.then(|| {
            let k = &h[h.len() - 4..];
            [k[0], k[1], k[2], k[3]]
        });
        self.current.opcode = opcode;
        self.current.kind = opcode_name(opcode);
        self.current.fin = b0 & 0x80 != 0;
        self.current.compressed = b0 & 0x40 != 0;
        self.current.masked = masked;
        self.current.payload_len = payload_len;
        self.current.header_len = h.len() as u8;
        self.read = 0;
        self.kept.clear();
        if masked != self.from_client {
            errors.push(if self.from_client {
                "WebSocket: unmasked frame from the client (RFC 6455 §5.1 requires masking)".into()
            } else {
                "WebSocket: masked frame from the server (RFC 6455 §5.1 forbids masking)".into()
            });
        }
        if opcode >= 0x8 && (payload_len > MAX_CONTROL_PAYLOAD || !self.current.fin) {
            errors.push(format!(
                "WebSocket: {} frame with {} payload bytes{} (RFC 6455 §5.5: control frames are at most 125 bytes and never fragmented)",
                self.current.kind,
                payload_len,
                if self.current.fin { "" } else { ", FIN clear" }
            ));
        }
        if b0 & 0x30 != 0 {
            errors.push("WebSocket: RSV2/RSV3 set without a negotiated extension".into());
        }
        self.header.clear();
        self.state = State::Payload(payload_len);
    }

    fn keep(&mut self, bytes: &[u8]) {
        let limit = match self.current.opcode {
            0x8..=0xf => MAX_CONTROL_PAYLOAD as usize,
            0x1 if !self.current.compressed => TEXT_PREVIEW,
            _ => 0,
        };
        let room = limit.saturating_sub(self.kept.len()).min(bytes.len());
        let offset = self.read as usize;
        for (i, b) in bytes[..room].iter().enumerate() {
            let m = self.mask.map_or(0, |k| k[(offset + i) % 4]);
            self.kept.push(b ^ m);
        }
    }

    fn finish_frame(&mut self, out: &mut Vec<WsFrame>) {
        let mut f = std::mem::take(&mut self.current);
        match f.opcode {
            // §5.5.1: an optional 2-byte status code, then a UTF-8 reason.
            0x8 if self.kept.len() >= 2 => {
                let code = u16::from_be_bytes([self.kept[0], self.kept[1]]);
                f.close_code = Some(code);
                f.close_meaning = close_code_name(code);
                if self.kept.len() > 2 {
                    f.close_reason = Some(String::from_utf8_lossy(&self.kept[2..]).into_owned());
                }
            }
            0x1 if !f.compressed && !self.kept.is_empty() => {
                f.text = Some(String::from_utf8_lossy(&self.kept).into_owned());
            }
            _ => {}
        }
        self.state = if f.opcode == 0x8 {
            State::Closed
        } else {
            State::Header
        };
        self.kept.clear();
        out.push(f);
    }
}

/// Header length (§5.2) implied by the bytes seen so far: 2 until the
/// second byte is known, then 2 + extended length + masking key.
fn header_len(seen: &[u8]) -> usize {
    let Some(&b1) = seen.get(1) else {
        return 2;
    };
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_matches_the_rfc_example() {
        // RFC 6455 §1.3.
        assert_eq!(
            expected_accept("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    fn run(from_client: bool, pieces: &[&[u8]]) -> (Vec<WsFrame>, Vec<String>) {
        let mut s = WsStream::new(from_client);
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        for (i, p) in pieces.iter().enumerate() {
            s.feed(p, i as u64 + 1, &mut out, &mut errors);
        }
        (out, errors)
    }

    #[test]
    fn rfc_examples_decode_split_anywhere() {
        // RFC 6455 §5.7: a masked "Hello", then a fragmented unmasked
        // "Hel" + "lo", an unmasked ping, and a 256-byte binary frame.
        let masked_hello = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        for cut in 0..masked_hello.len() {
            let (out, errors) = run(true, &[&masked_hello[..cut], &masked_hello[cut..]]);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(out.len(), 1, "cut at {cut}");
            assert_eq!(out[0].text.as_deref(), Some("Hello"));
            assert!(out[0].fin && out[0].masked);
            assert_eq!(out[0].payload_len, 5);
            assert_eq!(out[0].header_len, 6, "2 bytes, then the masking key");
        }
        let mut server = vec![0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o'];
        server.extend([0x89, 0x05, b'H', b'e', b'l', b'l', b'o']);
        server.extend([0x82, 0x7e, 0x01, 0x00]);
        server.extend([0u8; 256]);
        let (out, errors) = run(false, &[&server]);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<_> = out.iter().map(|f| (f.kind, f.fin, f.payload_len)).collect();
        assert_eq!(
            got,
            vec![
                ("text", false, 3),
                ("continuation", true, 2),
                ("ping", true, 5),
                ("binary", true, 256)
            ]
        );
    }

    #[test]
    fn close_code_and_reason_and_nothing_after() {
        let mut b = vec![0x88, 0x05, 0x03, 0xe8];
        b.extend(b"bye");
        b.extend([0x81, 0x00]);
        let (out, errors) = run(false, &[&b]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].close_code, Some(1000));
        assert_eq!(out[0].close_meaning, Some("normal closure"));
        assert_eq!(out[0].close_reason.as_deref(), Some("bye"));
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn rule_breaking_frames_are_flagged() {
        // Unmasked from a client, a 200-byte ping, a 64-bit length.
        let (_, errors) = run(true, &[&[0x81, 0x00]]);
        assert!(errors[0].contains("unmasked"), "{errors:?}");
        let mut ping = vec![0x89, 0xfe, 0x00, 0xc8, 1, 2, 3, 4];
        ping.extend([0u8; 200]);
        let (out, errors) = run(true, &[&ping]);
        assert_eq!(out[0].payload_len, 200);
        assert!(errors[0].contains("control frames"), "{errors:?}");
        let big = [0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0];
        let (out, _) = run(false, &[&big, &[0u8; 1000]]);
        assert!(out.is_empty());
    }
}
