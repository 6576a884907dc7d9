//! HTTP/3 (RFC 9114) on the streams of a decrypted QUIC connection: the
//! unidirectional stream types (§6.2: control, push, and QPACK's encoder and
//! decoder streams, RFC 9204 §4.2), the frames of control and request
//! streams (§7.2: DATA, HEADERS, SETTINGS, GOAWAY, …, and PRIORITY_UPDATE of
//! RFC 9218), and HEADERS field sections decoded with QPACK ([`qpack`]).
//!
//! [`H3Stream`] takes one stream's bytes in order (the flow layer reorders
//! STREAM frames) and returns the frames they complete. A DATA frame's
//! payload is counted, never held. Everything is bounded.

pub mod qpack;

use qpack::DynamicTable;
use serde::{Serialize, Serializer};

/// A frame held whole before it is decoded (HEADERS, SETTINGS, …); a larger
/// one is reported and skipped.
pub const MAX_FRAME: usize = 64 << 10;
/// Fields listed per field section.
pub const MAX_FIELDS: usize = 128;

/// An HTTP/3 frame type (RFC 9114 §7.2, RFC 9218 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H3FrameType {
    Data,
    Headers,
    CancelPush,
    Settings,
    PushPromise,
    Goaway,
    MaxPushId,
    PriorityUpdate,
    /// A reserved type (§7.2.8: 0x1f × N + 0x21), sent to exercise the
    /// rule that unknown types are ignored.
    Reserved(u64),
    /// A type not known here.
    Unknown(u64),
}

impl H3FrameType {
    fn from_code(t: u64) -> H3FrameType {
        match t {
            0x00 => H3FrameType::Data,
            0x01 => H3FrameType::Headers,
            0x03 => H3FrameType::CancelPush,
            0x04 => H3FrameType::Settings,
            0x05 => H3FrameType::PushPromise,
            0x07 => H3FrameType::Goaway,
            0x0d => H3FrameType::MaxPushId,
            0xf0700 | 0xf0701 => H3FrameType::PriorityUpdate,
            t if t >= 0x21 && (t - 0x21) % 0x1f == 0 => H3FrameType::Reserved(t),
            other => H3FrameType::Unknown(other),
        }
    }

    pub fn name(self) -> String {
        match self {
            H3FrameType::Data => "data".into(),
            H3FrameType::Headers => "headers".into(),
            H3FrameType::CancelPush => "cancel_push".into(),
            H3FrameType::Settings => "settings".into(),
            H3FrameType::PushPromise => "push_promise".into(),
            H3FrameType::Goaway => "goaway".into(),
            H3FrameType::MaxPushId => "max_push_id".into(),
            H3FrameType::PriorityUpdate => "priority_update".into(),
            H3FrameType::Reserved(t) => format!("reserved(0x{t:x})"),
            H3FrameType::Unknown(t) => format!("unknown(0x{t:x})"),
        }
    }
}

impl Serialize for H3FrameType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// One HTTP/3 frame, on the QUIC packet whose STREAM data completed it.
/// Serialised under `quic.http3`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct H3Frame {
    pub stream: u64,
    #[serde(rename = "type")]
    pub kind: H3FrameType,
    pub length: u64,
    /// HEADERS: the decoded field lines, in wire order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<[String; 2]>>,
    /// SETTINGS: (identifier, value) pairs, identifiers named where known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, u64)>,
    /// Why a field section or frame was not decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9220 §3, RFC 9297 §5.1.
fn setting_name(id: u64) -> String {
    match id {
        0x01 => "QPACK_MAX_TABLE_CAPACITY".into(),
        0x06 => "MAX_FIELD_SECTION_SIZE".into(),
        0x07 => "QPACK_BLOCKED_STREAMS".into(),
        0x08 => "ENABLE_CONNECT_PROTOCOL".into(),
        0x33 => "H3_DATAGRAM".into(),
        _ => format!("0x{id:x}"),
    }
}

/// What a stream carries (RFC 9114 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// A client-initiated bidirectional stream: a request and its response.
    Request,
    /// A unidirectional stream whose type byte has not arrived yet.
    UniUntyped,
    Control,
    Push,
    QpackEncoder,
    QpackDecoder,
    /// A reserved or unknown unidirectional type: its bytes are ignored
    /// (§6.2).
    Other,
}

/// RFC 9000 §2.1: the two low bits of a stream ID.
pub fn kind_of(stream_id: u64) -> StreamKind {
    if stream_id & 0x02 == 0 {
        StreamKind::Request
    } else {
        StreamKind::UniUntyped
    }
}

/// A QUIC variable-length integer (RFC 9000 §16) at the start of `b`, and
/// its length; `None` when more bytes are needed.
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let first = *b.first()?;
    let n = 1usize << (first >> 6);
    let bytes = b.get(..n)?;
    let mut v = u64::from(first & 0x3f);
    for x in &bytes[1..] {
        v = (v << 8) | u64::from(*x);
    }
    Some((v, n))
}

/// One side's HTTP/3 state that several streams share: its QPACK encoder's
/// dynamic table, and the table capacity the other side allowed.
#[derive(Default)]
pub struct H3Side {
    pub table: DynamicTable,
    /// SETTINGS_QPACK_MAX_TABLE_CAPACITY sent by the peer (the decoder of
    /// this side's field sections).
    pub peer_max_capacity: u64,
}

/// One stream's HTTP/3 reader.
pub struct H3Stream {
    id: u64,
    kind: StreamKind,
    /// Bytes not yet formed into a frame.
    buf: Vec<u8>,
    /// DATA (or an oversized or ignored frame) payload still to pass.
    skipping: u64,
    /// The frame whose payload is being passed over, listed once it ends.
    open: Option<H3Frame>,
    stopped: bool,
}

impl H3Stream {
    pub fn new(id: u64) -> H3Stream {
        H3Stream {
            id,
            kind: kind_of(id),
            buf: Vec::new(),
            skipping: 0,
            open: None,
            stopped: false,
        }
    }

    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// Bytes held.
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// Takes the stream's next bytes, in order. `own` is the sending side's
    /// state (its encoder stream fills its table); `settings` receives the
    /// SETTINGS values this side sends, to be given to the peer's state.
    pub fn feed(
        &mut self,
        data: &[u8],
        own: &mut H3Side,
        settings: &mut Vec<(u64, u64)>,
    ) -> Vec<H3Frame> {
        let mut out = Vec::new();
        if self.stopped {
            return out;
        }
        if self.skipping > 0 && matches!(self.kind, StreamKind::QpackDecoder | StreamKind::Other) {
            self.skipping = 0;
        }
        let mut data = data;
        if self.skipping > 0 {
            let n = usize::try_from(self.skipping)
                .unwrap_or(usize::MAX)
                .min(data.len());
            self.skipping -= n as u64;
            data = &data[n..];
            if self.skipping == 0 {
                out.extend(self.open.take());
            }
        }
        match self.kind {
            StreamKind::QpackEncoder => {
                if let Err(e) = own.table.feed_encoder(data) {
                    self.stopped = true;
                    out.push(self.problem(H3FrameType::Unknown(0x02), e.to_string()));
                }
                return out;
            }
            StreamKind::QpackDecoder | StreamKind::Other => return out,
            _ => {}
        }
        self.buf.extend_from_slice(data);
        if self.kind == StreamKind::UniUntyped {
            let Some((t, n)) = varint(&self.buf) else {
                return out;
            };
            self.buf.drain(..n);
            self.kind = match t {
                0x00 => StreamKind::Control,
                0x01 => StreamKind::Push,
                0x02 => StreamKind::QpackEncoder,
                0x03 => StreamKind::QpackDecoder,
                _ => StreamKind::Other,
            };
            let rest = std::mem::take(&mut self.buf);
            if self.kind == StreamKind::Push {
                // §4.6: a push stream starts with its Push ID.
                if let Some((_, n)) = varint(&rest) {
                    self.buf = rest[n..].to_vec();
                } else {
                    self.stopped = true;
                    return out;
                }
                return self.frames(own, settings);
            }
            return self.feed(&rest, own, settings);
        }
        out.extend(self.frames(own, settings));
        out
    }

    fn problem(&self, kind: H3FrameType, error: String) -> H3Frame {
        H3Frame {
            stream: self.id,
            kind,
            length: 0,
            headers: None,
            settings: Vec::new(),
            error: Some(error),
        }
    }

    /// The whole frames at the start of the buffer.
    fn frames(&mut self, own: &mut H3Side, settings: &mut Vec<(u64, u64)>) -> Vec<H3Frame> {
        let mut out = Vec::new();
        let mut at = 0usize;
        loop {
            let rest = &self.buf[at..];
            let Some((t, a)) = varint(rest) else { break };
            let Some((len, b)) = varint(&rest[a..]) else {
                break;
            };
            let kind = H3FrameType::from_code(t);
            let head = a + b;
            let whole = matches!(
                kind,
                H3FrameType::Headers | H3FrameType::Settings | H3FrameType::PushPromise
            );
            let mut frame = H3Frame {
                stream: self.id,
                kind,
                length: len,
                headers: None,
                settings: Vec::new(),
                error: None,
            };
            if !whole || len > MAX_FRAME as u64 {
                // DATA and the frames not decoded further: counted, and
                // their payload passed over as it arrives.
                if len > MAX_FRAME as u64 && whole {
                    frame.error = Some(format!(
                        "frame of {len} bytes is over the {MAX_FRAME}-byte bound; not decoded"
                    ));
                }
                let have = (rest.len() - head) as u64;
                let take = have.min(len);
                at += head + take as usize;
                self.skipping = len - take;
                if self.skipping > 0 {
                    self.open = Some(frame);
                    break;
                }
                out.push(frame);
                continue;
            }
            let len = len as usize;
            if rest.len() < head + len {
                break;
            }
            let payload = &rest[head..head + len];
            match kind {
                H3FrameType::Headers => {
                    match own.table.field_section(payload, own.peer_max_capacity) {
                        Ok(mut f) => {
                            f.truncate(MAX_FIELDS);
                            frame.headers = Some(f);
                        }
                        Err(e) => frame.error = Some(e.to_string()),
                    }
                }
                H3FrameType::Settings => {
                    let mut p = payload;
                    while let Some((id, n)) = varint(p) {
                        let Some((v, m)) = varint(&p[n..]) else { break };
                        p = &p[n + m..];
                        settings.push((id, v));
                        frame.settings.push((setting_name(id), v));
                    }
                }
                _ => {}
            }
            at += head + len;
            out.push(frame);
        }
        self.buf.drain(..at);
        if self.buf.len() > MAX_FRAME + 16 {
            self.buf.clear();
            self.stopped = true;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A control stream (type 0, SETTINGS with a QPACK capacity), then a
    /// request stream: HEADERS with a static-only field section, and DATA
    /// split across two pieces.
    #[test]
    fn control_and_request_streams() {
        let mut side = H3Side::default();
        let mut settings = Vec::new();
        let mut control = H3Stream::new(3);
        let out = control.feed(
            &[0x00, 0x04, 0x05, 0x01, 0x40, 0x80, 0x07],
            &mut side,
            &mut settings,
        );
        assert!(out.is_empty());
        let out = control.feed(&[0x10], &mut side, &mut settings);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].kind, H3FrameType::Settings);
        assert_eq!(settings, [(1, 128), (7, 16)]);
        assert_eq!(control.kind(), StreamKind::Control);
        let mut req = H3Stream::new(0);
        // HEADERS: RIC 0, base 0, :method GET (17), :path / (1).
        let out = req.feed(
            &[0x01, 0x04, 0x00, 0x00, 0xd1, 0xc1, 0x00, 0x05, 1, 2],
            &mut side,
            &mut settings,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].headers.as_deref(),
            Some(
                &[
                    [":method".to_string(), "GET".to_string()],
                    [":path".into(), "/".into()]
                ][..]
            )
        );
        // DATA is listed once its last byte arrives; the next frame is read.
        let out = req.feed(&[3, 4, 5, 0x07, 0x01, 0x00], &mut side, &mut settings);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].kind, out[0].length), (H3FrameType::Data, 5));
        assert_eq!(out[1].kind, H3FrameType::Goaway);
        let json = serde_json::to_value(&out[1]).unwrap();
        assert_eq!(json["type"], "goaway");
    }
}
