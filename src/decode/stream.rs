//! The seam between stream reassembly and the application decoders fed
//! from it: a [`StreamDecoder`] takes the in-order bytes of one direction
//! of a TCP connection (RFC 9293 §3.4: the byte stream put back in sequence
//! order), writes what it completes into a [`StreamOutput`], and may hand
//! the rest of the stream to another decoder ([`Next::Handoff`]): HTTP/1.1
//! after `101 Switching Protocols` to WebSocket (RFC 9110 §7.8, RFC 6455
//! §4.2.2), and in the same way CONNECT (RFC 9110 §9.3.6) or STARTTLS to
//! TLS.
//!
//! Decoders here know nothing of the conversation that feeds them: the
//! caller owns the streams, picks the first decoder of a direction, and
//! keeps the [`Shared`] state of the two directions.

use super::dns::{DnsMessage, DnsTcpStream};
use super::http::{self, HttpConn, HttpMessage, HttpStream, Switch};
use super::socks::{self, SocksConn, SocksMessage, SocksStream};
use super::starttls::{self, StarttlsConn, TextLine, TextStream};
use super::tls::{self, TlsInfo, TlsStream};
use super::websocket::{WsFrame, WsStream};
use serde::Serialize;

/// Which end of a connection: the client opened it (RFC 9293 §3.5: it sent
/// the first SYN), the server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    /// The name output carries: "client" or "server".
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    /// 0 for the client, 1 for the server: the index of per-direction
    /// arrays kept as [client, server].
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }

    /// The other end.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The frame that carried the bytes being fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef {
    /// The frame number, 1-based as in the capture.
    pub frame: u64,
}

/// State the two directions of one connection share, kept by the caller
/// for both decoders of the connection.
#[derive(Debug, Default)]
pub struct Shared {
    /// HTTP/1.x requests waiting for their responses, and whether the
    /// connection switched to WebSocket.
    pub http: HttpConn,
    /// The SOCKS handshake: the client's version, the server's answers.
    pub socks: SocksConn,
    /// Whether STARTTLS (or STLS, AUTH TLS) was asked for and accepted.
    pub starttls: StarttlsConn,
}

/// What the decoders of one frame completed, in stream order.
#[derive(Debug, Default)]
pub struct StreamOutput {
    pub tls: TlsInfo,
    pub dns: Vec<DnsMessage>,
    pub http: Vec<HttpMessage>,
    /// HTTP/1.x bodies completed by this frame.
    pub http_bodies: Vec<super::http::BodySpan>,
    /// HTTP/2 frames in decrypted TLS.
    pub http2: Vec<crate::decode::http2::H2Frame>,
    pub websocket: Vec<WsFrame>,
    pub socks: Vec<SocksMessage>,
    /// SMTP, IMAP, POP3 or FTP command and reply lines.
    pub lines: Vec<TextLine>,
    /// Problems, worded for the packet's `errors`.
    pub errors: Vec<String>,
}

/// What the stream does after a feed.
pub enum Next {
    /// The same decoder takes the next bytes.
    Continue,
    /// The stream switched protocols: the bytes of this feed from offset
    /// `consumed` on, and every later byte, go to `to`.
    Handoff {
        to: Box<dyn StreamDecoder>,
        consumed: usize,
    },
    /// Nothing more of this direction is decoded.
    Stop,
}

/// A decoder of the reassembled bytes of one direction of a connection.
pub trait StreamDecoder: Send {
    /// Takes the next in-order bytes, carried by `at`.
    fn feed(
        &mut self,
        bytes: &[u8],
        at: FrameRef,
        shared: &mut Shared,
        out: &mut StreamOutput,
    ) -> Next;

    /// Bytes were lost from the stream (a hole never filled, or bytes the
    /// capture did not hold): framing cannot be trusted any more, and the
    /// caller stops feeding this decoder.
    fn gap(&mut self, errors: &mut Vec<String>);

    /// Bytes held while waiting for the rest of a record or message.
    fn buffered(&self) -> usize;
}

/// `gap` and `buffered` of an adapter, forwarded to the decoder's own.
macro_rules! forward_gap_and_buffered {
    ($t:ty) => {
        fn gap(&mut self, errors: &mut Vec<String>) {
            <$t>::gap(self, errors);
        }

        fn buffered(&self) -> usize {
            <$t>::buffered(self)
        }
    };
}

/// An adapter for a decoder that never hands its stream on: `$feed` is
/// called with the decoder, the bytes, the frame number and the output.
macro_rules! continuing {
    ($(#[$doc:meta])* $t:ty, |$d:ident, $bytes:ident, $frame:ident, $out:ident| $feed:expr) => {
        $(#[$doc])*
        impl StreamDecoder for $t {
            fn feed(&mut self, $bytes: &[u8], at: FrameRef, _: &mut Shared, $out: &mut StreamOutput) -> Next {
                let ($d, $frame) = (self, at.frame);
                $feed;
                Next::Continue
            }

            forward_gap_and_buffered!($t);
        }
    };
}

continuing!(
    /// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8).
    DnsTcpStream,
    |d, bytes, _frame, out| d.feed(bytes, &mut out.dns, &mut out.errors)
);

continuing!(
    /// TLS records (RFC 8446 §5, RFC 5246 §6.2).
    TlsStream,
    |d, bytes, frame, out| d.feed(bytes, frame, &mut out.tls, &mut out.errors)
);

continuing!(
    /// The rest of a connection after the HTTP/1.1 Upgrade (RFC 6455 §4.2.2).
    WsStream,
    |d, bytes, frame, out| d.feed(bytes, frame, &mut out.websocket, &mut out.errors)
);

/// HTTP/1.x (RFC 9112), handing the stream to WebSocket after a 101 and to
/// TLS through a CONNECT tunnel.
impl StreamDecoder for HttpStream {
    fn feed(
        &mut self,
        bytes: &[u8],
        at: FrameRef,
        shared: &mut Shared,
        out: &mut StreamOutput,
    ) -> Next {
        let switch = HttpStream::feed(
            self,
            bytes,
            at.frame,
            &mut shared.http,
            &mut out.http,
            &mut out.errors,
        );
        out.http_bodies.extend(self.take_bodies());
        match switch {
            Switch::Continue => Next::Continue,
            Switch::WebSocket { consumed } => Next::Handoff {
                to: Box::new(WsStream::new(self.from_client())),
                consumed,
            },
            Switch::Tls {
                consumed,
                max_message,
            } => Next::Handoff {
                to: Box::new(TlsStream::new(max_message)),
                consumed,
            },
        }
    }

    forward_gap_and_buffered!(HttpStream);
}

/// The decoder of a tunnelled stream, chosen by its first bytes: TLS by
/// its record header (or the SSLv2-compatible ClientHello), HTTP/1.x by
/// its request or status line; `None` for anything else.
pub fn tunnelled(first: &[u8], max_tls: usize) -> Option<Box<dyn StreamDecoder>> {
    if tls::looks_like_tls(first) {
        Some(Box::new(TlsStream::new(max_tls)))
    } else if http::looks_like_http(first) {
        let from_client = !first.starts_with(b"HTTP/");
        Some(Box::new(
            HttpStream::new(from_client).tunnel_tls_bound(max_tls),
        ))
    } else {
        None
    }
}

/// A SOCKS handshake (RFC 1928, RFC 1929, SOCKS4/4a), then the tunnel.
pub struct SocksDecoder {
    socks: SocksStream,
    max_tls: usize,
}

impl SocksDecoder {
    pub fn new(from_client: bool, max_tls: usize) -> Self {
        SocksDecoder {
            socks: SocksStream::new(from_client),
            max_tls,
        }
    }
}

impl StreamDecoder for SocksDecoder {
    fn feed(
        &mut self,
        bytes: &[u8],
        at: FrameRef,
        shared: &mut Shared,
        out: &mut StreamOutput,
    ) -> Next {
        let fed = self.socks.feed(
            bytes,
            at.frame,
            &mut shared.socks,
            &mut out.socks,
            &mut out.errors,
        );
        match fed {
            socks::Fed::More => Next::Continue,
            socks::Fed::Stop => Next::Stop,
            // Nothing of the tunnel yet: wait for its first bytes.
            socks::Fed::Tunnel(consumed) if consumed == bytes.len() => Next::Continue,
            socks::Fed::Tunnel(consumed) => match tunnelled(&bytes[consumed..], self.max_tls) {
                Some(to) => Next::Handoff { to, consumed },
                None => Next::Stop,
            },
        }
    }

    fn gap(&mut self, errors: &mut Vec<String>) {
        self.socks.gap(errors);
    }

    fn buffered(&self) -> usize {
        self.socks.buffered()
    }
}

/// SMTP, IMAP, POP3 or FTP lines, then TLS from the byte after the
/// exchange that starts it.
pub struct TextDecoder {
    text: TextStream,
    max_tls: usize,
}

impl TextDecoder {
    pub fn new(proto: starttls::TextProto, from_client: bool, max_tls: usize) -> Self {
        TextDecoder {
            text: TextStream::new(proto, from_client),
            max_tls,
        }
    }
}

impl StreamDecoder for TextDecoder {
    fn feed(
        &mut self,
        bytes: &[u8],
        at: FrameRef,
        shared: &mut Shared,
        out: &mut StreamOutput,
    ) -> Next {
        let fed = self.text.feed(
            bytes,
            at.frame,
            &mut shared.starttls,
            &mut out.lines,
            &mut out.errors,
        );
        match fed {
            starttls::Switch::Continue => Next::Continue,
            starttls::Switch::Stop => Next::Stop,
            starttls::Switch::Tls(consumed) => Next::Handoff {
                to: Box::new(TlsStream::new(self.max_tls)),
                consumed,
            },
        }
    }

    fn gap(&mut self, errors: &mut Vec<String>) {
        self.text.gap(errors);
    }

    fn buffered(&self) -> usize {
        self.text.buffered()
    }
}
