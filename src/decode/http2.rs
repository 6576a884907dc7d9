//! HTTP/2 (RFC 9113) in the decrypted application data of a TLS
//! connection: the client's connection preface (§3.4), the frame layout
//! (§4.1) and every frame type of §6 plus PRIORITY_UPDATE (RFC 9218 §7.1),
//! with HEADERS, PUSH_PROMISE and CONTINUATION field blocks decoded by
//! HPACK (RFC 7541) through the `loona-hpack` decoder.
//!
//! [`H2Stream`] takes one direction's bytes in order and returns the frames
//! they complete. A DATA frame's payload is counted, never held. Frames,
//! field blocks and field lists are bounded; a frame past a bound is
//! reported and skipped, and an HPACK error ends the decoding of that
//! direction's field blocks (its dynamic table can no longer be trusted).

use serde::{Serialize, Serializer};
use std::borrow::Cow;

/// RFC 9113 §3.4: the client's connection preface.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// A non-DATA frame held whole before it is decoded; a larger one is
/// reported and skipped.
pub const MAX_FRAME: usize = 64 << 10;
/// A field block, with its CONTINUATION frames, held before it is decoded.
pub const MAX_BLOCK: usize = 64 << 10;
/// Fields listed per field block.
pub const MAX_FIELDS: usize = 128;
/// The decoded size of a field block's fields (name and value bytes plus
/// 32 per field, as RFC 9113 §6.5.2's SETTINGS_MAX_HEADER_LIST_SIZE counts).
pub const MAX_LIST_SIZE: usize = 256 << 10;
/// The largest dynamic table an encoder may ask for (RFC 7541 §4.2).
pub const MAX_TABLE: usize = 64 << 10;

/// An HTTP/2 frame type (RFC 9113 §6, RFC 9218 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2FrameType {
    Data,
    Headers,
    Priority,
    RstStream,
    Settings,
    PushPromise,
    Ping,
    Goaway,
    WindowUpdate,
    Continuation,
    PriorityUpdate,
    /// A type not known here (§5.5: ignored).
    Unknown(u8),
}

impl H2FrameType {
    pub fn from_code(t: u8) -> H2FrameType {
        match t {
            0x0 => H2FrameType::Data,
            0x1 => H2FrameType::Headers,
            0x2 => H2FrameType::Priority,
            0x3 => H2FrameType::RstStream,
            0x4 => H2FrameType::Settings,
            0x5 => H2FrameType::PushPromise,
            0x6 => H2FrameType::Ping,
            0x7 => H2FrameType::Goaway,
            0x8 => H2FrameType::WindowUpdate,
            0x9 => H2FrameType::Continuation,
            0x10 => H2FrameType::PriorityUpdate,
            other => H2FrameType::Unknown(other),
        }
    }

    /// The type's code on the wire.
    pub fn code(self) -> u8 {
        match self {
            H2FrameType::Data => 0x0,
            H2FrameType::Headers => 0x1,
            H2FrameType::Priority => 0x2,
            H2FrameType::RstStream => 0x3,
            H2FrameType::Settings => 0x4,
            H2FrameType::PushPromise => 0x5,
            H2FrameType::Ping => 0x6,
            H2FrameType::Goaway => 0x7,
            H2FrameType::WindowUpdate => 0x8,
            H2FrameType::Continuation => 0x9,
            H2FrameType::PriorityUpdate => 0x10,
            H2FrameType::Unknown(t) => t,
        }
    }

    pub fn name(self) -> String {
        match self {
            H2FrameType::Data => "data".into(),
            H2FrameType::Headers => "headers".into(),
            H2FrameType::Priority => "priority".into(),
            H2FrameType::RstStream => "rst_stream".into(),
            H2FrameType::Settings => "settings".into(),
            H2FrameType::PushPromise => "push_promise".into(),
            H2FrameType::Ping => "ping".into(),
            H2FrameType::Goaway => "goaway".into(),
            H2FrameType::WindowUpdate => "window_update".into(),
            H2FrameType::Continuation => "continuation".into(),
            H2FrameType::PriorityUpdate => "priority_update".into(),
            H2FrameType::Unknown(t) => format!("unknown(0x{t:02x})"),
        }
    }
}

impl Serialize for H2FrameType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// Flag bits (RFC 9113 §6).
pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;
pub const PADDED: u8 = 0x8;
pub const PRIORITY: u8 = 0x20;

/// One HTTP/2 frame, on the TCP frame whose bytes completed it. Serialised
/// under `http2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct H2Frame {
    pub stream: u32,
    #[serde(rename = "type")]
    pub kind: H2FrameType,
    pub flags: u8,
    pub length: u32,
    /// The field block a HEADERS or PUSH_PROMISE frame began, decoded, in
    /// wire order; on the frame that ends the block (END_HEADERS), which
    /// is a CONTINUATION when the block spans several frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<[String; 2]>>,
    /// SETTINGS: (identifier, value) pairs, identifiers named where known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, u32)>,
    /// WINDOW_UPDATE: the window size increment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increment: Option<u32>,
    /// RST_STREAM and GOAWAY: the error code, named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// GOAWAY: the last stream the sender may have processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_stream: Option<u32>,
    /// PUSH_PROMISE: the stream it reserves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promised_stream: Option<u32>,
    /// PRIORITY_UPDATE: the stream it reprioritises and its Priority
    /// field value (RFC 9218 §4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prioritized_stream: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Why the frame or its field block was not decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl H2Frame {
    fn new(kind: H2FrameType, flags: u8, stream: u32, length: u32) -> H2Frame {
        H2Frame {
            stream,
            kind,
            flags,
            length,
            headers: None,
            settings: Vec::new(),
            increment: None,
            error_code: None,
            last_stream: None,
            promised_stream: None,
            prioritized_stream: None,
            priority: None,
            error: None,
        }
    }

    /// The value of the field `name` in a decoded field block.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .flatten()
            .find(|[n, _]| n == name)
            .map(|[_, v]| v.as_str())
    }

    pub fn ends_stream(&self) -> bool {
        matches!(self.kind, H2FrameType::Data | H2FrameType::Headers)
            && self.flags & END_STREAM != 0
    }
}

/// RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1.
fn setting_name(id: u16) -> String {
    match id {
        0x1 => "HEADER_TABLE_SIZE".into(),
        0x2 => "ENABLE_PUSH".into(),
        0x3 => "MAX_CONCURRENT_STREAMS".into(),
        0x4 => "INITIAL_WINDOW_SIZE".into(),
        0x5 => "MAX_FRAME_SIZE".into(),
        0x6 => "MAX_HEADER_LIST_SIZE".into(),
        0x8 => "ENABLE_CONNECT_PROTOCOL".into(),
        0x9 => "NO_RFC7540_PRIORITIES".into(),
        _ => format!("0x{id:x}"),
    }
}

/// RFC 9113 §7.
fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    NAMES
        .get(code as usize)
        .map(|n| n.to_string())
        .unwrap_or_else(|| format!("0x{code:x}"))
}

/// Where a direction's byte stream stands.
enum State {
    /// The client's preface is still to be read (this many bytes of it
    /// were).
    Preface(usize),
    /// A 9-byte frame header is being read.
    Header,
    /// A frame's payload is being held whole.
    Body { head: [u8; 9], len: usize },
    /// A DATA frame's or an oversized frame's payload is skipped.
    Skip { left: usize },
    /// Nothing more is decoded.
    Stopped,
}

/// A field block waiting for its CONTINUATION frames.
struct Block {
    stream: u32,
    bytes: Vec<u8>,
}

/// One direction of an HTTP/2 connection.
pub struct H2Stream {
    state: State,
    buf: Vec<u8>,
    hpack: loona_hpack::Decoder<'static>,
    /// The HPACK state was lost (an error, or a block past a bound): later
    /// field blocks are not decoded.
    hpack_lost: bool,
    block: Option<Block>,
}

impl std::fmt::Debug for H2Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("H2Stream")
    }
}

impl H2Stream {
    /// The client's direction (which begins with the preface) or the
    /// server's.
    pub fn new(client: bool) -> H2Stream {
        let mut hpack = loona_hpack::Decoder::new();
        hpack.set_max_allowed_table_size(MAX_TABLE);
        H2Stream {
            state: if client {
                State::Preface(0)
            } else {
                State::Header
            },
            buf: Vec::new(),
            hpack,
            hpack_lost: false,
            block: None,
        }
    }

    /// Bytes held waiting for the rest of a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len() + self.block.as_ref().map_or(0, |b| b.bytes.len())
    }

    /// Takes the next in-order bytes; the frames they complete go to
    /// `frames`, problems to `errors`.
    pub fn feed(&mut self, mut data: &[u8], frames: &mut Vec<H2Frame>, errors: &mut Vec<String>) {
        while !data.is_empty() {
            match &mut self.state {
                State::Stopped => return,
                State::Preface(seen) => {
                    let take = (PREFACE.len() - *seen).min(data.len());
                    if data[..take] != PREFACE[*seen..*seen + take] {
                        errors.push(
                            "HTTP/2: the client's bytes do not begin with the connection preface"
                                .into(),
                        );
                        self.state = State::Stopped;
                        return;
                    }
                    *seen += take;
                    data = &data[take..];
                    if *seen == PREFACE.len() {
                        self.state = State::Header;
                    }
                }
                State::Skip { left } => {
                    let take = (*left).min(data.len());
                    *left -= take;
                    data = &data[take..];
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
                State::Header => {
                    let take = (9 - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.buf.len() < 9 {
                        continue;
                    }
                    let head: [u8; 9] = self.buf[..9].try_into().expect("nine bytes");
                    self.buf.clear();
                    let len = usize::from(head[0]) << 16
                        | usize::from(head[1]) << 8
                        | usize::from(head[2]);
                    let kind = H2FrameType::from_code(head[3]);
                    let flags = head[4];
                    let stream =
                        u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
                    if kind == H2FrameType::Data {
                        // The payload is counted, not held.
                        frames.push(H2Frame::new(kind, flags, stream, len as u32));
                        self.state = skip(len);
                    } else if len > MAX_FRAME {
                        let mut f = H2Frame::new(kind, flags, stream, len as u32);
                        f.error = Some(format!(
                            "a {} frame of {len} bytes is larger than the {MAX_FRAME} bytes decoded here",
                            kind.name().to_uppercase()
                        ));
                        if matches!(
                            kind,
                            H2FrameType::Headers
                                | H2FrameType::PushPromise
                                | H2FrameType::Continuation
                        ) {
                            self.lose_hpack();
                        }
                        errors.push(format!(
                            "HTTP/2: {}",
                            f.error.as_deref().unwrap_or_default()
                        ));
                        frames.push(f);
                        self.state = skip(len);
                    } else if len == 0 {
                        self.frame(head, &[], frames, errors);
                    } else {
                        self.state = State::Body { head, len };
                    }
                }
                State::Body { head, len } => {
                    let (head, len) = (*head, *len);
                    let take = (len - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.buf.len() == len {
                        let body = std::mem::take(&mut self.buf);
                        self.state = State::Header;
                        self.frame(head, &body, frames, errors);
                    }
                }
            }
        }
    }

    fn lose_hpack(&mut self) {
        self.hpack_lost = true;
        self.block = None;
    }

    /// A whole non-DATA frame.
    fn frame(
        &mut self,
        head: [u8; 9],
        body: &[u8],
        frames: &mut Vec<H2Frame>,
        errors: &mut Vec<String>,
    ) {
        let kind = H2FrameType::from_code(head[3]);
        let flags = head[4];
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut f = H2Frame::new(kind, flags, stream, body.len() as u32);
        let u32_at = |i: usize| -> Option<u32> {
            body.get(i..i + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let malformed = |what: &str| {
            format!(
                "a {} frame of {} bytes is malformed: {what}",
                kind.name().to_uppercase(),
                body.len()
            )
        };
        if self.block.is_some() && kind != H2FrameType::Continuation {
            // §6.10: a field block is followed only by its CONTINUATION frames.
            f.error = Some(malformed("a field block was left without its CONTINUATION"));
            self.lose_hpack();
        }
        match kind {
            H2FrameType::Headers | H2FrameType::PushPromise => {
                let mut at = 0;
                let mut end = body.len();
                if flags & PADDED != 0 {
                    match body.first() {
                        Some(&pad) if usize::from(pad) < body.len() => {
                            at = 1;
                            end -= usize::from(pad);
                        }
                        _ => {
                            f.error = Some(malformed("its padding is longer than the frame"));
                        }
                    }
                }
                if kind == H2FrameType::Headers && flags & PRIORITY != 0 {
                    at += 5;
                }
                if kind == H2FrameType::PushPromise {
                    f.promised_stream = u32_at(at).map(|s| s & 0x7fff_ffff);
                    at += 4;
                }
                if f.error.is_none() && at > end {
                    f.error = Some(malformed("its fixed fields are longer than the frame"));
                }
                if f.error.is_none() {
                    self.block = Some(Block {
                        stream,
                        bytes: body[at..end].to_vec(),
                    });
                    if flags & END_HEADERS != 0 {
                        self.end_block(&mut f);
                    }
                } else {
                    self.lose_hpack();
                }
            }
            H2FrameType::Continuation => match self.block.as_mut() {
                Some(b) if b.stream == stream && b.bytes.len() + body.len() <= MAX_BLOCK => {
                    b.bytes.extend_from_slice(body);
                    if flags & END_HEADERS != 0 {
                        self.end_block(&mut f);
                    }
                }
                Some(b) if b.stream == stream => {
                    f.error = Some(format!(
                        "a field block is larger than the {MAX_BLOCK} bytes decoded here"
                    ));
                    self.lose_hpack();
                }
                _ => {
                    f.error = Some(malformed("no field block of this stream waits for it"));
                    self.lose_hpack();
                }
            },
            H2FrameType::Settings => {
                if flags & ACK == 0 {
                    if body.len() % 6 != 0 {
                        f.error = Some(malformed("not a multiple of 6 bytes"));
                    }
                    for s in body.chunks_exact(6) {
                        let id = u16::from_be_bytes([s[0], s[1]]);
                        let value = u32::from_be_bytes([s[2], s[3], s[4], s[5]]);
                        f.settings.push((setting_name(id), value));
                    }
                }
            }
            H2FrameType::WindowUpdate => match u32_at(0) {
                Some(v) if body.len() == 4 => f.increment = Some(v & 0x7fff_ffff),
                _ => f.error = Some(malformed("not 4 bytes")),
            },
            H2FrameType::RstStream => match u32_at(0) {
                Some(v) if body.len() == 4 => f.error_code = Some(error_name(v)),
                _ => f.error = Some(malformed("not 4 bytes")),
            },
            H2FrameType::Goaway => match (u32_at(0), u32_at(4)) {
                (Some(last), Some(code)) => {
                    f.last_stream = Some(last & 0x7fff_ffff);
                    f.error_code = Some(error_name(code));
                }
                _ => f.error = Some(malformed("shorter than 8 bytes")),
            },
            H2FrameType::Ping => {
                if body.len() != 8 {
                    f.error = Some(malformed("not 8 bytes"));
                }
            }
            H2FrameType::Priority => {
                if body.len() != 5 {
                    f.error = Some(malformed("not 5 bytes"));
                }
            }
            H2FrameType::PriorityUpdate => match u32_at(0) {
                Some(s) => {
                    f.prioritized_stream = Some(s & 0x7fff_ffff);
                    f.priority = Some(String::from_utf8_lossy(&body[4..]).into_owned());
                }
                None => f.error = Some(malformed("shorter than 4 bytes")),
            },
            H2FrameType::Data | H2FrameType::Unknown(_) => {}
        }
        if let Some(e) = &f.error {
            errors.push(format!("HTTP/2: {e}"));
        }
        frames.push(f);
    }

    /// The field block is whole: HPACK decodes it onto `f`.
    fn end_block(&mut self, f: &mut H2Frame) {
        let Some(block) = self.block.take() else {
            return;
        };
        if self.hpack_lost {
            f.error = Some(
                "its field block is not decoded: an earlier one was lost, and with it the HPACK dynamic table".into(),
            );
            return;
        }
        let mut fields: Vec<[String; 2]> = Vec::new();
        let mut size = 0usize;
        let mut over = false;
        let result = self
            .hpack
            .decode_with_cb(&block.bytes, |n: Cow<[u8]>, v: Cow<[u8]>| {
                size += n.len() + v.len() + 32;
                if fields.len() < MAX_FIELDS && size <= MAX_LIST_SIZE {
                    fields.push([
                        String::from_utf8_lossy(&n).into_owned(),
                        String::from_utf8_lossy(&v).into_owned(),
                    ]);
                } else {
                    over = true;
                }
            });
        match result {
            Ok(()) => {
                if over {
                    f.error = Some(format!(
                        "its field list is longer than the {MAX_FIELDS} fields or {MAX_LIST_SIZE} bytes listed here; the rest is left out"
                    ));
                }
                f.headers = Some(fields);
            }
            Err(e) => {
                f.error = Some(format!("HPACK could not decode its field block: {e}"));
                self.hpack_lost = true;
            }
        }
    }
}

fn skip(len: usize) -> State {
    if len == 0 {
        State::Header
    } else {
        State::Skip { left: len }
    }
}

/// Whether a server's first decrypted bytes begin as its connection
/// preface does (RFC 9113 §3.4): a SETTINGS frame on stream 0.
pub fn looks_like_server_preface(b: &[u8]) -> bool {
    b.len() >= 9 && b[3] == 0x4 && b[5..9] == [0, 0, 0, 0] && (b[4] & ACK) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_be_bytes()[1..].to_vec();
        v.push(kind);
        v.push(flags);
        v.extend_from_slice(&stream.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn request_split_over_continuation_byte_by_byte() {
        // RFC 7541 C.3.1: :method GET, :scheme http, :path /, :authority
        // www.example.com, split after its fourth byte.
        let block = [
            0x82, 0x86, 0x84, 0x41, 0x0f, 0x77, 0x77, 0x77, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70,
            0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d,
        ];
        let mut bytes = PREFACE.to_vec();
        bytes.extend(frame(4, 0, 0, &[0, 3, 0, 0, 0, 100]));
        bytes.extend(frame(1, END_STREAM, 1, &block[..4]));
        bytes.extend(frame(9, END_HEADERS, 1, &block[4..]));
        bytes.extend(frame(0, END_STREAM, 3, b"hello"));
        let mut s = H2Stream::new(true);
        let (mut frames, mut errors) = (Vec::new(), Vec::new());
        for b in &bytes {
            s.feed(std::slice::from_ref(b), &mut frames, &mut errors);
        }
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<String> = frames.iter().map(|f| f.kind.name()).collect();
        assert_eq!(kinds, ["settings", "headers", "continuation", "data"]);
        assert_eq!(
            frames[0].settings,
            [("MAX_CONCURRENT_STREAMS".to_string(), 100)]
        );
        assert_eq!(frames[1].headers, None);
        assert_eq!(frames[2].header(":method"), Some("GET"));
        assert_eq!(frames[2].header(":authority"), Some("www.example.com"));
        assert_eq!(frames[2].headers.as_ref().unwrap().len(), 4);
        assert_eq!((frames[3].stream, frames[3].length), (3, 5));
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn bad_frames_are_reported_and_bounded() {
        let mut s = H2Stream::new(false);
        let (mut frames, mut errors) = (Vec::new(), Vec::new());
        let mut bytes = frame(8, 0, 1, &[0, 0, 1]);
        bytes.extend(frame(9, END_HEADERS, 5, &[0x82]));
        // A HEADERS frame larger than MAX_FRAME is skipped, not held.
        let mut big = ((MAX_FRAME + 1) as u32).to_be_bytes()[1..].to_vec();
        big.extend([1, END_HEADERS, 0, 0, 0, 7]);
        bytes.extend(&big);
        s.feed(&bytes, &mut frames, &mut errors);
        s.feed(&vec![0; MAX_FRAME + 1], &mut frames, &mut errors);
        assert!(s.buffered() < 16);
        bytes = frame(1, END_HEADERS, 9, &[0x82]);
        s.feed(&bytes, &mut frames, &mut errors);
        assert_eq!(frames.len(), 4);
        assert!(frames[0].error.as_deref().unwrap().contains("not 4 bytes"));
        assert!(frames[1]
            .error
            .as_deref()
            .unwrap()
            .contains("no field block"));
        assert!(frames[2].error.as_deref().unwrap().contains("larger than"));
        assert!(frames[3]
            .error
            .as_deref()
            .unwrap()
            .contains("HPACK dynamic table"));
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn a_client_without_the_preface_stops() {
        let mut s = H2Stream::new(true);
        let (mut frames, mut errors) = (Vec::new(), Vec::new());
        s.feed(b"GET / HTTP/1.1\r\n\r\n", &mut frames, &mut errors);
        assert!(frames.is_empty());
        assert_eq!(errors.len(), 1);
    }
}
