//! What a key log opens of a QUIC connection: the Handshake and 1-RTT
//! packet keys of each direction from the TLS traffic secrets the log holds
//! for the ClientHello's random (RFC 9001 §5.1, with the cipher suite the
//! ServerHello chose), key updates (§6), and HTTP/3 (RFC 9114) on the
//! decrypted streams, each stream's STREAM data put back in order (RFC 9000
//! §2.2) before it is read. Everything is bounded; the secrets are never
//! printed.

use super::decrypt::{KeyLog, Secret};
use crate::decode::http3::{H3Frame, H3Side, H3Stream};
use crate::decode::quic::{Aead, AppKeys, PacketKeys, StreamData};
use crate::decode::tls::{HandshakeKind, TlsHandshake};
use std::collections::BTreeMap;

/// Streams followed per connection; a later stream is not read.
pub const MAX_STREAMS: usize = 256;
/// Out-of-order STREAM bytes held per connection.
pub const MAX_STREAM_HELD: usize = 256 << 10;

/// The key log's keys for one connection.
#[derive(Default)]
pub struct Protection {
    random: Option<[u8; 32]>,
    suite: Option<u16>,
    version: u32,
    /// Keys were looked up (once both hellos were read).
    looked_up: bool,
    /// [client, server] Handshake keys.
    pub handshake: [Option<PacketKeys>; 2],
    /// [client, server] 1-RTT keys.
    pub app: [Option<AppKeys>; 2],
    /// Largest packet numbers, [Handshake, application][direction].
    pub largest: [[Option<u64>; 2]; 2],
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Protection {
    /// Whether the key log gave keys for this connection.
    pub fn keyed(&self) -> bool {
        self.handshake.iter().any(Option::is_some) || self.app.iter().any(Option::is_some)
    }

    /// Learns from a hello of the Initial CRYPTO stream; once both are
    /// known, looks the secrets up. Returns whether keys were found now.
    pub fn learn(&mut self, h: &TlsHandshake, version: u32, log: Option<&KeyLog>) -> bool {
        match h.kind {
            HandshakeKind::ClientHello => {
                self.random = h.random.as_deref().and_then(unhex32);
                self.version = version;
            }
            HandshakeKind::ServerHello => self.suite = h.cipher_suite,
            _ => return false,
        }
        let (Some(log), Some(random), Some(suite)) = (log, self.random, self.suite) else {
            return false;
        };
        if self.looked_up {
            return false;
        }
        self.looked_up = true;
        let Some(aead) = Aead::from_suite(suite) else {
            return false;
        };
        let keys = |which| {
            log.get(&random, which)
                .and_then(|s| PacketKeys::from_secret(aead, self.version, s))
        };
        self.handshake = [keys(Secret::ClientHandshake), keys(Secret::ServerHandshake)];
        self.app = [
            keys(Secret::ClientTraffic0).map(AppKeys::new),
            keys(Secret::ServerTraffic0).map(AppKeys::new),
        ];
        self.keyed()
    }
}

/// STREAM data of one direction of one stream, put back in order.
#[derive(Default)]
struct Reorder {
    next: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    held: usize,
}

impl Reorder {
    /// Takes a piece; returns the bytes now in order.
    fn take(&mut self, offset: u64, data: &[u8], room: usize) -> Vec<u8> {
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.next {
            return Vec::new();
        }
        if offset > self.next {
            if data.len() <= room
                && self
                    .pending
                    .get(&offset)
                    .is_none_or(|old| old.len() < data.len())
            {
                if let Some(old) = self.pending.insert(offset, data.to_vec()) {
                    self.held -= old.len();
                }
                self.held += data.len();
            }
            return Vec::new();
        }
        let skip = usize::try_from(self.next - offset).unwrap_or(usize::MAX);
        let mut out = data[skip..].to_vec();
        self.next = end;
        while let Some((&at, _)) = self.pending.first_key_value() {
            if at > self.next {
                break;
            }
            let Some(piece) = self.pending.remove(&at) else {
                break;
            };
            self.held -= piece.len();
            let skip = usize::try_from(self.next - at).unwrap_or(usize::MAX);
            if skip < piece.len() {
                out.extend_from_slice(&piece[skip..]);
                self.next = at + piece.len() as u64;
            }
        }
        out
    }
}

/// HTTP/3 on one connection.
#[derive(Default)]
pub struct H3Conn {
    /// By (direction, stream ID).
    streams: BTreeMap<(usize, u64), (Reorder, H3Stream)>,
    /// [client, server].
    sides: [H3Side; 2],
    held: usize,
    /// Streams not followed because of [`MAX_STREAMS`].
    pub streams_dropped: u64,
}

impl H3Conn {
    /// Takes one STREAM frame sent in direction `d` (0: the client);
    /// returns the HTTP/3 frames it completes.
    pub fn feed(&mut self, d: usize, piece: &StreamData) -> Vec<H3Frame> {
        let key = (d, piece.stream_id);
        if !self.streams.contains_key(&key) {
            if self.streams.len() >= MAX_STREAMS {
                self.streams_dropped += 1;
                return Vec::new();
            }
            self.streams
                .insert(key, (Reorder::default(), H3Stream::new(piece.stream_id)));
        }
        let room = MAX_STREAM_HELD.saturating_sub(self.held);
        let Some((order, stream)) = self.streams.get_mut(&key) else {
            return Vec::new();
        };
        let before = order.held;
        let bytes = order.take(piece.offset, &piece.data, room);
        self.held = (self.held + order.held).saturating_sub(before);
        if bytes.is_empty() {
            return Vec::new();
        }
        let mut settings = Vec::new();
        let out = stream.feed(&bytes, &mut self.sides[d], &mut settings);
        // RFC 9204 §5: the capacity a side allows is what the other side's
        // encoder may use.
        for (id, v) in settings {
            if id == 0x01 {
                self.sides[1 - d].peer_max_capacity = v;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_pieces_out_of_order() {
        let mut r = Reorder::default();
        assert!(r.take(3, b"def", 100).is_empty());
        assert_eq!(r.take(0, b"abc", 100), b"abcdef");
        assert!(r.take(1, b"bc", 100).is_empty());
        assert_eq!(r.take(5, b"fgh", 100), b"gh");
        assert_eq!(r.held, 0);
        // No room: the piece beyond a hole is not kept.
        assert!(r.take(20, b"xyz", 2).is_empty());
        assert_eq!(r.held, 0);
    }

    #[test]
    fn the_client_random_is_read_from_hex() {
        let mut s = "00".repeat(31);
        s.push_str("ff");
        assert_eq!(unhex32(&s).map(|r| r[31]), Some(0xff));
        assert!(unhex32("00").is_none());
    }
}
