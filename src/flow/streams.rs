//! The application decoder of each direction of a TCP conversation: picked
//! from the direction's first reassembled bytes, fed every in-order chunk
//! after, replaced when it hands the stream over (an HTTP/1.1 Upgrade to
//! WebSocket, a 2xx to CONNECT to TLS), dropped at a gap. The decoders themselves sit behind the
//! [`StreamDecoder`] seam in `decode`.

use super::reassembly::Chunk;
use crate::decode::dns::{self, DnsTcpStream};
use crate::decode::http::{self, HttpStream};
use crate::decode::stream::{FrameRef, Next, Shared, StreamDecoder, StreamOutput};
use crate::decode::tls::{self, TlsStream};

/// The largest DNS message over TCP: a two-byte length prefix and up to
/// 65535 bytes (RFC 1035 §4.2.2).
const MAX_DNS_TCP_MESSAGE: usize = u16::MAX as usize + 2;

/// The decoder of one direction.
#[derive(Default)]
pub(super) enum Decoder {
    /// No bytes yet to choose from.
    #[default]
    Undecided,
    Active(Box<dyn StreamDecoder>),
    /// Not a protocol decoded here, or decoding stopped: the direction's
    /// bytes are followed but not kept.
    Done,
}

/// What a feed writes to, for one frame: the state the two directions
/// share and what they complete.
pub(super) struct FeedCtx<'a> {
    pub shared: &'a mut Shared,
    pub out: &'a mut StreamOutput,
}

impl Decoder {
    pub fn buffered(&self) -> usize {
        match self {
            Decoder::Active(d) => d.buffered(),
            Decoder::Undecided | Decoder::Done => 0,
        }
    }

    /// Whether the direction's bytes are still wanted.
    pub fn wants_bytes(&self) -> bool {
        !matches!(self, Decoder::Done)
    }

    /// Bytes went missing: the decoder says so and stops.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if let Decoder::Active(d) = self {
            d.gap(errors);
        }
        *self = Decoder::Done;
    }

    /// Picks the decoder from the first bytes of a direction between
    /// ports `sport` and `dport`, unless one was picked already.
    pub fn choose(&mut self, sport: u16, dport: u16, first: &[u8], max_tls: usize) {
        if matches!(self, Decoder::Undecided) {
            *self = match first_decoder(sport, dport, first, max_tls) {
                Some(d) => Decoder::Active(d),
                None => Decoder::Done,
            };
        }
    }

    /// Feeds in-order chunks, following handoffs.
    pub fn feed(&mut self, chunks: &[Chunk], ctx: &mut FeedCtx<'_>) {
        for chunk in chunks {
            let at = FrameRef { frame: chunk.frame };
            let mut bytes = &chunk.data[..];
            while let Decoder::Active(d) = self {
                match d.feed(bytes, at, ctx.shared, ctx.out) {
                    Next::Continue => break,
                    Next::Handoff { to, consumed } => {
                        bytes = &bytes[consumed..];
                        *self = Decoder::Active(to);
                    }
                    Next::Stop => *self = Decoder::Done,
                }
            }
        }
    }
}

/// DNS by its port (RFC 1035 §4.2.2), else TLS by its record header, else
/// HTTP/1.x by its request or status line.
fn first_decoder(
    sport: u16,
    dport: u16,
    first: &[u8],
    max_tls: usize,
) -> Option<Box<dyn StreamDecoder>> {
    if dns::is_dns_tcp_port(sport) || dns::is_dns_tcp_port(dport) {
        Some(Box::new(DnsTcpStream::new(MAX_DNS_TCP_MESSAGE)))
    } else if tls::looks_like_tls(first) {
        Some(Box::new(TlsStream::new(max_tls)))
    } else if http::looks_like_http(first) {
        // The side whose first bytes are a status line is the server.
        let from_client = !first.starts_with(b"HTTP/");
        Some(Box::new(
            HttpStream::new(from_client).tunnel_tls_bound(max_tls),
        ))
    } else {
        None
    }
}
