//! The application decoder of each direction of a TCP conversation: picked
//! from the direction's first reassembled bytes, fed every in-order chunk
//! after, replaced when it hands the stream over (an HTTP/1.1 Upgrade to
//! WebSocket, a 2xx to CONNECT to TLS), dropped at a gap. The decoders themselves sit behind the
//! [`StreamDecoder`] seam in `decode`.

use super::reassembly::Chunk;
use crate::decode::dns::{self, DnsTcpStream};
use crate::decode::http::{self, HttpStream};
use crate::decode::socks;
use crate::decode::starttls::TextProto;
use crate::decode::stream::{
    FrameRef, Next, Shared, SocksDecoder, StreamDecoder, StreamOutput, TextDecoder,
};
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
    /// `from_client`: the direction is the client's (it sent the SYN).
    pub fn choose(&mut self, dir: Dir, first: &[u8], shared: &Shared, max_tls: usize) {
        if matches!(self, Decoder::Undecided) {
            *self = match first_decoder(dir, first, shared, max_tls) {
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

/// A direction's ports, and whether it is the client's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dir {
    pub sport: u16,
    pub dport: u16,
    pub from_client: bool,
}

/// DNS by its port (RFC 1035 §4.2.2), else TLS by its record header, else
/// SOCKS by its port (1080) or by a client's whole first message (and
/// the server's answer to one), else SMTP/IMAP/POP3/FTP by port (their
/// STARTTLS hands on to TLS), else HTTP/1.x by its request or status line.
fn first_decoder(
    dir: Dir,
    first: &[u8],
    shared: &Shared,
    max_tls: usize,
) -> Option<Box<dyn StreamDecoder>> {
    let (sport, dport) = (dir.sport, dir.dport);
    let socks_port = sport == socks::SOCKS_PORT || dport == socks::SOCKS_PORT;
    if dns::is_dns_tcp_port(sport) || dns::is_dns_tcp_port(dport) {
        Some(Box::new(DnsTcpStream::new(MAX_DNS_TCP_MESSAGE)))
    } else if socks_port && !tls::looks_like_tls(first) && !http::looks_like_http(first)
        || dir.from_client && socks::looks_like_socks_client(first)
        || !dir.from_client && shared.socks.version.is_some()
    {
        Some(Box::new(SocksDecoder::new(dir.from_client, max_tls)))
    } else if tls::looks_like_tls(first) {
        Some(Box::new(TlsStream::new(max_tls)))
    } else if http::looks_like_http(first) {
        // The side whose first bytes are a status line is the server.
        let from_client = !first.starts_with(b"HTTP/");
        Some(Box::new(
            HttpStream::new(from_client).tunnel_tls_bound(max_tls),
        ))
    } else if let Some((proto, _)) = TextProto::by_port(sport, dport) {
        Some(Box::new(TextDecoder::new(proto, dir.from_client, max_tls)))
    } else {
        None
    }
}
