//! HTTP/1.x message heads (RFC 9112) parsed with httparse, and the
//! framing of one direction of a connection: bodies of known length,
//! chunked bodies, and the switch to another protocol, at which the stream
//! is handed to another decoder: WebSocket after a 101 (RFC 9110 §7.8,
//! RFC 6455 §4.2.2), TLS through the tunnel a 2xx to CONNECT opens
//! (RFC 9110 §9.3.6).
//!
//! Header values and other text from the wire are kept as sent (lossy
//! UTF-8), never escaped here: renderers escape them for the terminal.

use serde::Serialize;

/// One HTTP/1.x request or response head.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HttpMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// "HTTP/1.0" or "HTTP/1.1".
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub chunked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Sec-WebSocket-Key of an opening handshake request (RFC 6455 §4.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_key: Option<String>,
    /// Sec-WebSocket-Accept of a 101 response (RFC 6455 §4.2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_accept: Option<String>,
    /// Whether the accept value is the one the request's key calls for;
    /// absent when the request was not seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_accept_valid: Option<bool>,
    /// Frames the head was reassembled from.
    pub frames: Vec<u64>,
    /// The Expect header of a request (RFC 9110 §10.1.1: "100-continue"
    /// asks the server for an interim answer before the body is sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
}

/// Where a message's body travelled: the frame that completed its head,
/// the first frame carrying body bytes and the frame that completed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BodySpan {
    pub head_frame: u64,
    pub first_frame: u64,
    pub last_frame: u64,
}

/// What a direction's HTTP/1.x decoding says about the bytes after a feed
/// (RFC 9110 §7.8, §9.3.6): they are still HTTP, or the connection
/// switched protocols from offset `consumed` of the bytes just fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Continue,
    /// After `101 Switching Protocols` to a WebSocket Upgrade.
    WebSocket {
        consumed: usize,
    },
    /// TLS through a tunnel a 2xx to CONNECT opened; its handshake
    /// messages are bounded by `max_message` bytes.
    Tls {
        consumed: usize,
        max_message: usize,
    },
}

use super::tls;
use super::websocket;
use std::collections::VecDeque;

/// The largest message head kept while waiting for its end.
pub const MAX_HEAD: usize = 64 << 10;
const MAX_HEADERS: usize = 128;
/// Requests remembered while waiting for their responses (pipelining).
pub const MAX_PENDING_REQUESTS: usize = 1024;

/// A request waiting for its response.
#[derive(Debug)]
struct Pending {
    method: String,
    websocket_key: Option<String>,
}

/// What the two directions of one HTTP/1.x connection share: the requests
/// waiting for their responses (a response to HEAD has no body, a 101
/// answers a WebSocket key), and whether the connection became WebSocket
/// or a tunnel.
#[derive(Debug, Default)]
pub struct HttpConn {
    pending: VecDeque<Pending>,
    /// A `101 Switching Protocols` to `Upgrade: websocket` was seen.
    pub websocket: bool,
    /// A 2xx answered CONNECT (RFC 9110 §9.3.6): after the response's
    /// blank line the connection is a tunnel.
    pub tunnel: bool,
}

/// The largest TLS message held in a CONNECT tunnel unless the caller
/// sets another bound.
const TUNNEL_TLS_MESSAGE: usize = 256 << 10;

/// Whether the first bytes of a stream look like an HTTP/1.x request or
/// response line.
pub fn looks_like_http(first: &[u8]) -> bool {
    const STARTS: [&[u8]; 10] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"TRACE ",
        b"PATCH ",
        b"HTTP/1.",
    ];
    STARTS.iter().any(|s| {
        let n = s.len().min(first.len());
        n >= 4 && first[..n] == s[..n]
    }) || extension_request_line(first)
}

/// A request line with a method not in the list above (RFC 9110 §9.1:
/// any token, such as `CCM_POST`): a token of `tchar` (RFC 9110 §5.6.2),
/// a space, a target, and " HTTP/1." before the line's end, all within the
/// first bytes.
fn extension_request_line(first: &[u8]) -> bool {
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    let Some(sp) = first.iter().position(|&b| b == b' ') else {
        return false;
    };
    let Some(eol) = first.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = first[..eol].strip_suffix(b"\r").unwrap_or(&first[..eol]);
    (1..=32).contains(&sp)
        && first[..sp].iter().all(|&b| is_tchar(b))
        && line.len() >= 9
        // A target between the method's space and the version's.
        && line.len() - 9 > sp
        && line[line.len() - 9..line.len() - 1] == *b" HTTP/1."
}

/// Where a direction of an HTTP/1.x connection is.
#[derive(Debug)]
enum State {
    /// Collecting a message head until the blank line.
    Head,
    /// Skipping a body of known length (RFC 9112 §6.3 rule 6).
    Body(u64),
    /// Reading chunk-size lines and skipping chunks (RFC 9112 §7.1).
    ChunkSize,
    ChunkData(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// Trailer section after the last chunk, up to a blank line.
    Trailers,
    /// The body runs until the connection closes (§6.3 rule 8), or the
    /// connection switched protocols (101) to one not decoded here.
    Opaque,
    /// The connection switched to WebSocket (RFC 6455 §4.2.2): the next
    /// bytes go to the WebSocket decoder.
    WebSocket,
    /// The connection became a tunnel (RFC 9110 §9.3.6): the next bytes
    /// go to the TLS decoder when they begin a TLS record, else they are
    /// opaque.
    Tunnel,
    /// After a malformed head, whose body's length is unknown: lines are
    /// skipped until one begins a request (or, from the server, a status
    /// line), where decoding resumes. `true` while the next byte begins a
    /// line.
    Resync(bool),
}

/// One direction of an HTTP/1.x connection, fed in-order bytes. Requests
/// push their method on the connection's queue; responses pop it to know
/// whether a body follows (a response to HEAD has none).
#[derive(Debug)]
pub struct HttpStream {
    state: State,
    buf: Vec<u8>,
    frames: Vec<u64>,
    stopped: bool,
    from_client: bool,
    /// The bound a TLS decoder in a CONNECT tunnel gets.
    max_tls_message: usize,
    /// The frame that completed the last head, and the first frame of its
    /// body, while the body is being read.
    head_frame: u64,
    body_first: Option<u64>,
    /// Bodies completed since the caller last took them.
    bodies: Vec<BodySpan>,
}

impl HttpStream {
    /// Whether this direction is the one that sends requests.
    pub fn from_client(&self) -> bool {
        self.from_client
    }

    /// `from_client`: this direction is the one that sends requests.
    pub fn new(from_client: bool) -> HttpStream {
        HttpStream {
            state: State::Head,
            buf: Vec::new(),
            frames: Vec::new(),
            stopped: false,
            from_client,
            max_tls_message: TUNNEL_TLS_MESSAGE,
            head_frame: 0,
            body_first: None,
            bodies: Vec::new(),
        }
    }

    /// The bodies completed since the last call, with their frames.
    pub fn take_bodies(&mut self) -> Vec<BodySpan> {
        std::mem::take(&mut self.bodies)
    }

    /// The body being read ended in `frame`.
    fn body_done(&mut self, frame: u64) {
        let first = self.body_first.take().unwrap_or(frame);
        if self.bodies.len() < MAX_PENDING_REQUESTS {
            self.bodies.push(BodySpan {
                head_frame: self.head_frame,
                first_frame: first,
                last_frame: frame,
            });
        }
    }

    /// Bounds the TLS messages held in a CONNECT tunnel, as the TLS
    /// decoder of a stream of its own would be.
    pub fn tunnel_tls_bound(mut self, max_message: usize) -> HttpStream {
        self.max_tls_message = max_message;
        self
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes were lost: framing cannot be trusted any more.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.stopped && !matches!(self.state, State::Opaque) {
            errors.push(
                "HTTP: bytes missing from the stream; stopped decoding this direction".into(),
            );
        }
        self.stop();
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.state = State::Opaque;
        self.buf = Vec::new();
        self.frames.clear();
    }

    /// Takes the next in-order bytes, carried by `frame`. Completed
    /// message heads go to `out`. Once the connection has switched to
    /// WebSocket, the first bytes of the new protocol are handed over.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        frame: u64,
        conn: &mut HttpConn,
        out: &mut Vec<HttpMessage>,
        errors: &mut Vec<String>,
    ) -> Switch {
        let total = data.len();
        // The client's side switches when the server's 101 (or 2xx to
        // CONNECT) has been seen and no request is half-read.
        if self.from_client && matches!(self.state, State::Head) && self.buf.is_empty() {
            if conn.websocket {
                self.state = State::WebSocket;
            } else if conn.tunnel {
                self.state = State::Tunnel;
            }
        }
        while !data.is_empty() && !self.stopped {
            match self.state {
                State::Opaque => break,
                State::WebSocket => {
                    return Switch::WebSocket {
                        consumed: total - data.len(),
                    };
                }
                State::Tunnel if tls::looks_like_tls(data) => {
                    return Switch::Tls {
                        consumed: total - data.len(),
                        max_message: self.max_tls_message,
                    };
                }
                State::Tunnel => self.state = State::Opaque,
                State::Resync(line_start) => {
                    let mut at = if line_start {
                        Some(0)
                    } else {
                        next_line(data, 0)
                    };
                    loop {
                        match at {
                            Some(i) if i < data.len() => {
                                if self.begins_head(&data[i..]) {
                                    data = &data[i..];
                                    self.state = State::Head;
                                    break;
                                }
                                at = next_line(data, i);
                            }
                            end => {
                                self.state = State::Resync(end.is_some());
                                data = &[];
                                break;
                            }
                        }
                    }
                }
                State::Head | State::Trailers => {
                    let Some(used) = self.head_bytes(data, frame, conn, out, errors) else {
                        break;
                    };
                    data = &data[used..];
                }
                State::Body(left) => {
                    let n = (data.len() as u64).min(left);
                    data = &data[n as usize..];
                    self.body_first.get_or_insert(frame);
                    self.state = if left == n {
                        self.body_done(frame);
                        State::Head
                    } else {
                        State::Body(left - n)
                    };
                }
                State::ChunkSize | State::ChunkEnd => {
                    self.body_first.get_or_insert(frame);
                    let Some(used) = self.chunk_line(data, errors) else {
                        break;
                    };
                    data = &data[used..];
                }
                State::ChunkData(left) => {
                    let n = (data.len() as u64).min(left);
                    data = &data[n as usize..];
                    self.state = if left == n {
                        State::ChunkEnd
                    } else {
                        State::ChunkData(left - n)
                    };
                }
            }
        }
        Switch::Continue
    }

    /// Collects a message head (or a trailer section) up to its blank
    /// line; returns the bytes of `data` used, or `None` when all of it was
    /// taken and the head is not complete yet.
    fn head_bytes(
        &mut self,
        data: &[u8],
        frame: u64,
        conn: &mut HttpConn,
        out: &mut Vec<HttpMessage>,
        errors: &mut Vec<String>,
    ) -> Option<usize> {
        let trailers = matches!(self.state, State::Trailers);
        let before = self.buf.len();
        let take = data.len().min(MAX_HEAD + 4 - before);
        self.buf.extend_from_slice(&data[..take]);
        if self.frames.last() != Some(&frame) {
            self.frames.push(frame);
        }
        // Search from a little before the new bytes so a blank line split
        // across segments is found.
        let from = before.saturating_sub(3);
        // An empty trailer section is a lone CRLF right after the last
        // chunk's size line (RFC 9112 §7.1).
        let empty_trailers = if !trailers {
            None
        } else if self.buf.starts_with(b"\r\n") {
            Some(2)
        } else if self.buf.starts_with(b"\n") {
            Some(1)
        } else {
            None
        };
        let Some(end) = empty_trailers.or_else(|| find_blank_line(&self.buf, from)) else {
            if self.buf.len() > MAX_HEAD {
                errors.push(format!(
                    "HTTP: message head longer than {MAX_HEAD} bytes; stopped decoding this direction"
                ));
                self.stop();
            }
            return None;
        };
        if trailers {
            self.state = State::Head;
            self.body_done(frame);
        } else {
            let head = std::mem::take(&mut self.buf);
            let frames = std::mem::take(&mut self.frames);
            self.head_frame = frame;
            self.body_first = None;
            self.take_head(&head[..end], frames, conn, out, errors);
        }
        self.buf.clear();
        self.frames.clear();
        Some(end - before)
    }

    /// Reads a chunk-size line, or the CRLF after a chunk's data (RFC 9112
    /// §7.1); returns the bytes of `data` used, or `None` when the line
    /// has not ended yet.
    fn chunk_line(&mut self, data: &[u8], errors: &mut Vec<String>) -> Option<usize> {
        let Some(nl) = data.iter().position(|&b| b == b'\n') else {
            self.buf.extend_from_slice(data);
            if self.buf.len() > 1024 {
                errors
                    .push("HTTP: chunk-size line too long; stopped decoding this direction".into());
                self.stop();
            }
            return None;
        };
        self.buf.extend_from_slice(&data[..nl]);
        let line = std::mem::take(&mut self.buf);
        if matches!(self.state, State::ChunkEnd) {
            self.state = State::ChunkSize;
            return Some(nl + 1);
        }
        let text = String::from_utf8_lossy(&line);
        let size = text.split(';').next().unwrap_or("").trim();
        match u64::from_str_radix(size, 16) {
            Ok(0) => self.state = State::Trailers,
            Ok(n) => self.state = State::ChunkData(n),
            Err(_) => {
                errors.push(format!("HTTP: bad chunk size \"{size}\""));
                self.stop();
            }
        }
        Some(nl + 1)
    }

    fn take_head(
        &mut self,
        head: &[u8],
        frames: Vec<u64>,
        conn: &mut HttpConn,
        out: &mut Vec<HttpMessage>,
        errors: &mut Vec<String>,
    ) {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let parsed = if head.starts_with(b"HTTP/") {
            let mut res = httparse::Response::new(&mut headers);
            res.parse(head).map(|_| {
                let mut m = message(res.version, res.headers, frames);
                m.status = res.code;
                m.reason = res.reason.map(str::to_owned);
                m
            })
        } else {
            let mut req = httparse::Request::new(&mut headers);
            req.parse(head).map(|_| {
                let mut m = message(req.version, req.headers, frames);
                m.method = req.method.map(str::to_owned);
                m.target = req.path.map(str::to_owned);
                m
            })
        };
        let mut m = match parsed {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!(
                    "HTTP: malformed message head ({e}); decoding resumes at the next line that begins a message"
                ));
                self.state = State::Resync(true);
                return;
            }
        };
        self.state = match (&m.method, m.status) {
            (Some(_), _) => after_request(&m, conn, errors),
            (None, Some(status)) => after_response(&mut m, status, conn, errors),
            (None, None) => State::Head,
        };
        out.push(m);
    }
}

/// Where the line after the one holding `data[from]` begins, if its
/// start is in `data` (it may be `data.len()`).
fn next_line(data: &[u8], from: usize) -> Option<usize> {
    data[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| from + p + 1)
}

impl HttpStream {
    /// Whether `rest`, at a line start, begins a message head this
    /// direction sends: a request line from the client, a status line from
    /// the server.
    fn begins_head(&self, rest: &[u8]) -> bool {
        looks_like_http(rest) && rest.starts_with(b"HTTP/") != self.from_client
    }
}

/// A request waits on the connection for its response; its body follows.
fn after_request(m: &HttpMessage, conn: &mut HttpConn, errors: &mut Vec<String>) -> State {
    if conn.pending.len() >= MAX_PENDING_REQUESTS {
        conn.pending.pop_front();
        errors.push(format!(
            "HTTP: more than {MAX_PENDING_REQUESTS} requests wait for their responses; the oldest is forgotten, so its response is matched to a later request"
        ));
    }
    conn.pending.push_back(Pending {
        method: m.method.clone().unwrap_or_default(),
        websocket_key: m.websocket_key.clone(),
    });
    body_state(m, false)
}

/// What follows a response: its request is answered (unless the response
/// is interim), and the request's method and the status decide whether a
/// body follows (RFC 9112 §6.3) or the connection switched protocols.
fn after_response(
    m: &mut HttpMessage,
    status: u16,
    conn: &mut HttpConn,
    errors: &mut Vec<String>,
) -> State {
    // 1xx are interim: the real response to the request follows.
    let request = if (100..200).contains(&status) && status != 101 {
        None
    } else {
        conn.pending.pop_front()
    };
    let request_method = match &request {
        Some(r) => Some(r.method.as_str()),
        None => conn.pending.front().map(|r| r.method.as_str()),
    };
    // RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304.
    let bodiless = request_method == Some("HEAD")
        || (100..200).contains(&status)
        || status == 204
        || status == 304;
    let websocket = status == 101
        && m.upgrade
            .as_deref()
            .is_some_and(|u| u.trim().eq_ignore_ascii_case("websocket"));
    if websocket {
        let key = request.as_ref().and_then(|r| r.websocket_key.as_deref());
        check_accept(m, key, errors);
        conn.websocket = true;
        State::WebSocket
    } else if request_method == Some("CONNECT") && (200..300).contains(&status) {
        conn.tunnel = true;
        State::Tunnel
    } else if status == 101 {
        State::Opaque
    } else if bodiless {
        State::Head
    } else {
        body_state(m, true)
    }
}

/// RFC 6455 §4.1 item 5.4: the client checks the accept value against its
/// key.
fn check_accept(m: &mut HttpMessage, key: Option<&str>, errors: &mut Vec<String>) {
    let (Some(key), Some(accept)) = (key, m.websocket_accept.as_deref()) else {
        return;
    };
    let expected = websocket::expected_accept(key);
    let valid = expected == accept.trim();
    if !valid {
        errors.push(format!(
            "WebSocket: Sec-WebSocket-Accept \"{accept}\" is not the value for the request's key (expected \"{expected}\"); a client must fail the connection"
        ));
    }
    m.websocket_accept_valid = Some(valid);
}

fn body_state(m: &HttpMessage, response: bool) -> State {
    if m.chunked {
        State::ChunkSize
    } else if let Some(n) = m.content_length {
        if n == 0 {
            State::Head
        } else {
            State::Body(n)
        }
    } else if response {
        State::Opaque
    } else {
        // A request without a length has no body (RFC 9112 §6.3 rule 7).
        State::Head
    }
}

fn message(version: Option<u8>, headers: &[httparse::Header<'_>], frames: Vec<u64>) -> HttpMessage {
    let get = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    HttpMessage {
        host: get("host"),
        user_agent: get("user-agent"),
        location: get("location"),
        version: format!("HTTP/1.{}", version.unwrap_or(1)),
        content_length: get("content-length").and_then(|v| v.trim().parse().ok()),
        chunked,
        upgrade: get("upgrade"),
        connection: get("connection"),
        websocket_key: get("sec-websocket-key"),
        websocket_accept: get("sec-websocket-accept"),
        expect: get("expect"),
        frames,
        ..HttpMessage::default()
    }
}

/// Parses one whole message head that arrives on its own, as HTTP over UDP
/// sends it (SSDP): a request or status line and header fields, ended by a
/// blank line or by the end of the bytes. Anything after the blank line is
/// not read.
pub fn parse_head(bytes: &[u8], frame: u64) -> Result<HttpMessage, String> {
    let mut owned;
    let mut head = match find_blank_line(bytes, 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    };
    if find_blank_line(head, 0).is_none() {
        owned = head.to_vec();
        if !owned.ends_with(b"\n") {
            owned.extend_from_slice(b"\r\n");
        }
        owned.extend_from_slice(b"\r\n");
        head = &owned;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let frames = vec![frame];
    let parsed = if head.starts_with(b"HTTP/") {
        let mut res = httparse::Response::new(&mut headers);
        res.parse(head).map(|s| {
            let mut m = message(res.version, res.headers, frames);
            m.status = res.code;
            m.reason = res.reason.map(str::to_owned);
            (s, m)
        })
    } else {
        let mut req = httparse::Request::new(&mut headers);
        req.parse(head).map(|s| {
            let mut m = message(req.version, req.headers, frames);
            m.method = req.method.map(str::to_owned);
            m.target = req.path.map(str::to_owned);
            (s, m)
        })
    };
    match parsed {
        Ok((httparse::Status::Complete(_), m)) => Ok(m),
        Ok((httparse::Status::Partial, _)) => Err("message head is incomplete".into()),
        Err(e) => Err(format!("malformed message head ({e})")),
    }
}

/// Index just past the first CRLF CRLF (or LF LF) at or after `from`.
fn find_blank_line(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' {
            if buf[i + 1] == b'\n' {
                return Some(i + 2);
            }
            if buf[i + 1] == b'\r' && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(streams: &[(&[u8], bool)]) -> (Vec<HttpMessage>, Vec<String>) {
        let mut client = HttpStream::new(true);
        let mut server = HttpStream::new(false);
        let mut conn = HttpConn::default();
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        for (i, (bytes, from_client)) in streams.iter().enumerate() {
            let s = if *from_client {
                &mut client
            } else {
                &mut server
            };
            s.feed(bytes, i as u64 + 1, &mut conn, &mut out, &mut errors);
        }
        (out, errors)
    }

    #[test]
    fn keep_alive_bodies_are_skipped() {
        let (out, errors) = run(&[
            (b"GET /a HTTP/1.1\r\nHost: www.google.com\r\n\r\nGET /b HTTP/1.1\r\nHost: www.google.com\r\n\r\n", true),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false),
            (b"loHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", false),
            // After a chunked body with no trailers, the next response.
            (b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n", false),
            (b"HTTP/1.1 204 No Content\r\n\r\n", false),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<_> = out
            .iter()
            .map(|m| {
                (
                    m.method.clone(),
                    m.target.clone(),
                    m.status,
                    m.frames.clone(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Some("GET".into()), Some("/a".into()), None, vec![1]),
                (Some("GET".into()), Some("/b".into()), None, vec![1]),
                (None, None, Some(200), vec![2]),
                (None, None, Some(200), vec![3]),
                (None, None, Some(404), vec![4]),
                (None, None, Some(204), vec![5]),
            ]
        );
    }

    #[test]
    fn head_response_has_no_body_and_split_heads_join() {
        let (out, _) = run(&[
            (b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r", false),
            (b"\n\r\nHTTP/1.1 301 Moved\r\nLocation: https://www.google.com/\r\nContent-Length: 0\r\n\r\n", false),
        ]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[1].frames, vec![2, 3]);
        assert_eq!(out[2].status, Some(301));
        assert_eq!(out[2].location.as_deref(), Some("https://www.google.com/"));
    }

    #[test]
    fn requests_waiting_beyond_the_bound_are_reported() {
        let one = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let many: Vec<u8> = one.repeat(MAX_PENDING_REQUESTS + 1);
        let (out, errors) = run(&[(&many, true)]);
        assert_eq!(out.len(), MAX_PENDING_REQUESTS + 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("the oldest is forgotten"));
    }

    #[test]
    fn connect_tunnels_hand_over_to_tls() {
        let hello = b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00";
        let mut client = HttpStream::new(true);
        let mut server = HttpStream::new(false);
        let mut conn = HttpConn::default();
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        let connect = b"CONNECT www.google.com:443 HTTP/1.1\r\nHost: www.google.com:443\r\n\r\n";
        let next = client.feed(connect, 1, &mut conn, &mut out, &mut errors);
        assert!(matches!(next, Switch::Continue));
        let mut answer = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
        let head = answer.len();
        answer.extend_from_slice(hello);
        let next = server.feed(&answer, 2, &mut conn, &mut out, &mut errors);
        assert!(matches!(next, Switch::Tls { consumed, .. } if consumed == head));
        let next = client.feed(hello, 3, &mut conn, &mut out, &mut errors);
        assert!(matches!(next, Switch::Tls { consumed: 0, .. }));
        assert_eq!(out.len(), 2);
        assert!(errors.is_empty(), "{errors:?}");
        // Not TLS inside the tunnel: opaque, as before.
        let mut other = HttpStream::new(true);
        other.state = State::Tunnel;
        let next = other.feed(b"SSH-2.0-x\r\n", 4, &mut conn, &mut out, &mut errors);
        assert!(matches!(next, Switch::Continue));
        assert!(errors.is_empty() && out.len() == 2);
    }

    #[test]
    fn garbage_stops_cleanly() {
        let (out, errors) = run(&[(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", true)]);
        assert!(out.is_empty());
        assert_eq!(errors.len(), 1);
        // After a malformed head (its body, of unknown length, follows),
        // the next line that begins a request is decoded, in this segment
        // or a later one; lines that do not are skipped.
        let (out, errors) = run(&[
            (
                b"POST /a HTTP/1.1\r\nBad Header\r\n\r\nbody line\r\nmore",
                true,
            ),
            (b" body\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", true),
            (b"PUT /c HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("resumes at the next line"), "{errors:?}");
        let targets: Vec<_> = out.iter().map(|m| m.target.as_deref()).collect();
        assert_eq!(targets, [Some("/b"), Some("/c")]);
        assert!(looks_like_http(b"GET /"));
        // RFC 9110 §9.1: any token is a method.
        assert!(looks_like_http(
            b"CCM_POST /cgi-bin/x HTTP/1.1\r\nHost: a\r\n\r\n"
        ));
        assert!(looks_like_http(b"MKCOL /d HTTP/1.0\n"));
        assert!(!looks_like_http(b"CCM_POST /cgi-bin/x"));
        assert!(!looks_like_http(b"SSH-2.0-OpenSSH_9.2 HTTP/1.1\r\n"));
        assert!(!looks_like_http(b"A(B / HTTP/1.1\r\n"));
        let (out, errors) = run(&[(
            b"CCM_POST /cgi-bin/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
            true,
        )]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out[0].method.as_deref(), Some("CCM_POST"));
        assert_eq!(out[0].target.as_deref(), Some("/cgi-bin/x"));
        assert!(!looks_like_http(b"\x16\x03\x01"));
    }
}
