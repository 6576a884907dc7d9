//! QUIC connections across datagrams: which connection IDs each side chose
//! (so that short headers can be read), the client's original Destination
//! Connection ID (whose keys protect both sides' Initial packets, RFC 9001
//! §5.2), and each direction's CRYPTO stream in the Initial packet number
//! space, reassembled across packets and out of order (RFC 9000 §19.6) and
//! handed to the TLS hello parser.
//!
//! With a key log, the Handshake and 1-RTT packets are opened too
//! ([`super::quic_app`]): the server's Handshake flight and the client's
//! Finished are put on the packets whose CRYPTO frames complete them, and
//! HTTP/3 is read from the streams.
//!
//! Connections are keyed by the client's address and port and the original
//! DCID; a 4-tuple points at its newest connection. Migration to a new path
//! (RFC 9000 §9) is not followed. Everything is bounded, and what a bound
//! drops is counted in [`QuicStats`] and said in the frame's errors.

use super::decrypt::KeyLog;
use super::quic_app::{H3Conn, Protection};
use super::{client, Endpoint};
use crate::decode::cursor::hex;
use crate::decode::fingerprint::{self, Transport};
use crate::decode::quic::{self, Context, HeaderForm, LongType, Phase, QuicPacket, Step};
use crate::decode::stream::Side;
use crate::decode::tls::{self, TlsError, TlsHandshake};
use crate::decode::Packet;
use foldhash::HashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

/// QUIC connections tracked at once.
pub const MAX_CONNECTIONS: usize = 10_000;
/// CRYPTO bytes held per direction while waiting for a hole to fill, and
/// the largest handshake message reassembled. A ClientHello with a
/// post-quantum key share is under 2 KB; RFC 9000 §7.5 asks for at least
/// 4096 bytes of buffering.
pub const MAX_CRYPTO_BUFFER: usize = 64 << 10;
/// CRYPTO bytes held across all connections.
pub const MAX_TOTAL_CRYPTO: usize = 16 << 20;
/// Connection IDs remembered per side.
const MAX_CIDS: usize = 8;

/// What the QUIC flow layer counted, including what its bounds dropped.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QuicStats {
    pub connections: u64,
    /// Connections dropped from the table because it was full.
    pub connections_evicted: u64,
    pub initials_decrypted: u64,
    /// Handshake, 0-RTT and 1-RTT packets opened with the key log.
    #[serde(skip_serializing_if = "is_zero")]
    pub packets_decrypted: u64,
    /// Connections whose secrets the key log held.
    #[serde(skip_serializing_if = "is_zero")]
    pub connections_keyed: u64,
    /// CRYPTO bytes not kept because a direction's buffer was full.
    pub crypto_bytes_dropped: u64,
    /// Connection IDs not remembered because a side had too many.
    pub cids_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

type ConnId = (Endpoint, Vec<u8>);

/// What the QUIC flow layer reports in a frame's errors, after "QUIC: ".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlowError {
    #[error("{bytes} CRYPTO bytes at offset {offset} dropped: the {MAX_CRYPTO_BUFFER}-byte buffer of this direction (or the {MAX_TOTAL_CRYPTO}-byte total) is full; its handshake is not decoded further")]
    CryptoDropped { bytes: usize, offset: u64 },
    #[error("TLS handshake message of {0} bytes exceeds the {MAX_CRYPTO_BUFFER}-byte bound; this direction's handshake is not decoded further")]
    MessageTooLarge(usize),
    /// A hello on the CRYPTO stream does not parse.
    #[error("TLS {kind}: {error}")]
    Hello { kind: String, error: String },
    /// Any other problem framing the handshake messages.
    #[error("{0}")]
    Framing(TlsError),
    /// RFC 9001 §5.8.
    #[error(
        "Retry integrity tag does not match DCID {dcid} (RFC 9001 §5.8); a client discards it"
    )]
    RetryTag { dcid: String },
}

impl FlowError {
    /// The line for `packet.errors`.
    pub fn report(&self) -> String {
        format!("QUIC: {self}")
    }
}

/// One direction's CRYPTO stream in the Initial packet number space.
#[derive(Default)]
struct CryptoStream {
    /// Pieces beyond the next expected offset, by offset, with the frame
    /// that carried them.
    pending: BTreeMap<u64, (Vec<u8>, u64)>,
    pending_bytes: usize,
    /// Contiguous bytes not yet formed into a whole message, from `start`.
    buf: Vec<u8>,
    start: u64,
    /// (stream offset where a piece ends, its frame), for naming the frames
    /// a message came from.
    pieces: Vec<(u64, u64, u64)>,
    /// Decoding stopped (a bound was hit or a message was malformed).
    stopped: bool,
}

impl CryptoStream {
    fn held(&self) -> usize {
        self.pending_bytes + self.buf.len()
    }

    /// Takes one CRYPTO frame's data; returns the handshake messages it
    /// completed.
    /// `room`: bytes the total bound still allows to be held.
    fn feed(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        room: usize,
        stats: &mut QuicStats,
        errors: &mut Vec<FlowError>,
    ) -> Vec<TlsHandshake> {
        if self.stopped || data.is_empty() {
            return Vec::new();
        }
        let end = self.start + self.buf.len() as u64;
        let piece_end = offset.saturating_add(data.len() as u64);
        if piece_end <= end {
            // Every byte already seen: a retransmission.
            return Vec::new();
        }
        if self.held() + data.len() > MAX_CRYPTO_BUFFER || data.len() > room {
            stats.crypto_bytes_dropped += data.len() as u64;
            errors.push(FlowError::CryptoDropped {
                bytes: data.len(),
                offset,
            });
            self.stopped = true;
            self.pending.clear();
            self.pending_bytes = 0;
            self.buf = Vec::new();
            return Vec::new();
        }
        // RFC 9000 §19.6: CRYPTO frames may arrive in any order and
        // overlap; keep the longest piece at each offset.
        let keep = self
            .pending
            .get(&offset)
            .is_none_or(|(old, _)| old.len() < data.len());
        if keep {
            if let Some((old, _)) = self.pending.insert(offset, (data.to_vec(), frame)) {
                self.pending_bytes -= old.len();
            }
            self.pending_bytes += data.len();
        }
        // Move every piece that now touches the contiguous end.
        let mut end = self.start + self.buf.len() as u64;
        while let Some((&at, _)) = self.pending.first_key_value() {
            if at > end {
                break;
            }
            let Some((bytes, f)) = self.pending.remove(&at) else {
                break;
            };
            self.pending_bytes -= bytes.len();
            let skip = usize::try_from(end - at).unwrap_or(usize::MAX);
            if skip < bytes.len() {
                self.buf.extend_from_slice(&bytes[skip..]);
                let new_end = end + (bytes.len() - skip) as u64;
                self.pieces.push((end, new_end, f));
                end = new_end;
            }
        }
        self.messages(errors)
    }

    /// The whole handshake messages at the start of the contiguous bytes,
    /// parsed (the hellos) and named by the frames they came in.
    fn messages(&mut self, errors: &mut Vec<FlowError>) -> Vec<TlsHandshake> {
        let mut out = Vec::new();
        // RFC 9001 §4: handshake messages sit straight on the CRYPTO
        // stream, framed as in TLS (RFC 8446 §4) but without records.
        let mut messages = tls::split_messages(&self.buf, MAX_CRYPTO_BUFFER);
        for m in messages.by_ref() {
            let m = match m {
                Ok(m) => m,
                Err(TlsError::MessageOverBound { length, .. }) => {
                    errors.push(FlowError::MessageTooLarge(length));
                    self.stopped = true;
                    break;
                }
                Err(e) => {
                    errors.push(FlowError::Framing(e));
                    self.stopped = true;
                    break;
                }
            };
            let from = self.start + m.offset as u64;
            let to = from + m.wire_len() as u64;
            let mut frames: Vec<u64> = self
                .pieces
                .iter()
                .filter(|(s, e, _)| *e > from && *s < to)
                .map(|(_, _, f)| *f)
                .collect();
            frames.sort_unstable();
            frames.dedup();
            let mut h = TlsHandshake {
                kind: m.kind(),
                length: m.body.len() as u32,
                frames,
                ..TlsHandshake::default()
            };
            match tls::parse_hello(m.msg_type, m.body, &mut h) {
                // JA4's first character says the hello came over QUIC.
                Ok(()) => fingerprint::fingerprint(&mut h, Transport::Quic),
                Err(e) => errors.push(FlowError::Hello {
                    kind: h.kind.to_string(),
                    error: e.to_string(),
                }),
            }
            out.push(h);
        }
        let at = messages.consumed();
        if self.stopped {
            self.buf = Vec::new();
            self.pieces.clear();
            return out;
        }
        self.buf.drain(..at);
        self.start += at as u64;
        let start = self.start;
        self.pieces.retain(|(_, e, _)| *e > start);
        out
    }
}

struct QuicConn {
    client: Endpoint,
    server: Endpoint,
    /// The client's first DCID: part of the key, never changes.
    original_dcid: Vec<u8>,
    /// The DCID Initial keys come from: the original one, or the Source
    /// Connection ID of a Retry (RFC 9000 §7.2).
    key_dcid: Vec<u8>,
    /// Connection IDs each side chose for itself ([client, server]), from
    /// the Source Connection IDs of its long headers: the peer's short
    /// headers carry them.
    cids: [Vec<Vec<u8>>; 2],
    largest_initial_pn: [Option<u64>; 2],
    crypto: [CryptoStream; 2],
    /// The CRYPTO streams of the Handshake and 1-RTT spaces, read once the
    /// key log opens them: [space][direction].
    crypto_keyed: [[CryptoStream; 2]; 2],
    keys: Protection,
    h3: Option<Box<H3Conn>>,
    last_frame: u64,
}

impl QuicConn {
    fn held(&self) -> usize {
        self.crypto.iter().map(CryptoStream::held).sum::<usize>()
            + self
                .crypto_keyed
                .iter()
                .flatten()
                .map(CryptoStream::held)
                .sum::<usize>()
    }

    fn learn_cid(&mut self, side: usize, cid: &[u8], stats: &mut QuicStats) {
        if self.cids[side].iter().any(|c| c == cid) {
            return;
        }
        if self.cids[side].len() < MAX_CIDS {
            self.cids[side].push(cid.to_vec());
        } else {
            stats.cids_dropped += 1;
        }
    }
}

/// QUIC state across datagrams.
#[derive(Default)]
pub struct QuicTracker {
    conns: HashMap<ConnId, QuicConn>,
    /// (client, server) → its newest connection.
    by_path: HashMap<(Endpoint, Endpoint), ConnId>,
    /// Connections by the frame that last touched them, for eviction.
    idle: BTreeMap<u64, ConnId>,
    /// CRYPTO bytes held across connections.
    held: usize,
    stats: QuicStats,
    /// The user's key log, when one was given.
    keylog: Option<Arc<KeyLog>>,
}

impl QuicTracker {
    pub fn stats(&self) -> &QuicStats {
        &self.stats
    }

    /// Gives the tracker the key log: connections whose ClientHello random
    /// it names are decrypted from their ServerHello on.
    pub fn set_keys(&mut self, keys: Arc<KeyLog>) {
        self.keylog = Some(keys);
    }

    /// CRYPTO bytes held now across connections.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Decodes a UDP datagram, once, with what earlier datagrams taught:
    /// the keys of server Initials and of the client's later Initials,
    /// short-header connection IDs, and the TLS hellos the CRYPTO frames
    /// complete. A datagram that frame decoding took for QUIC but that
    /// belongs to no known connection is decoded without one; any other
    /// datagram of no known connection is left alone.
    pub fn process(&mut self, packet: &mut Packet, payload: &[u8]) {
        // What frame decoding read without state: the first packet's
        // unprotected header, and that the datagram is QUIC.
        let first = packet.quic.take();
        let pending = first.as_ref().and_then(|q| q.pending);
        match self.connection(packet, payload, first.as_deref()) {
            Some((id, from_client)) => self.decode(&id, from_client, packet, payload),
            None => match pending {
                Some(p) => quic::decode_without_connection(packet, payload, p.to_server),
                None => packet.quic = first,
            },
        }
    }

    /// The connection a datagram belongs to, opening one for a client's
    /// new first Initial, and whether the client sent it.
    fn connection(
        &mut self,
        packet: &Packet,
        payload: &[u8],
        first: Option<&QuicPacket>,
    ) -> Option<(ConnId, bool)> {
        let (Some(ip), Some(udp)) = (&packet.ip, &packet.udp) else {
            return None;
        };
        if payload.is_empty() {
            return None;
        }
        let src = (ip.src, udp.src_port);
        let dst = (ip.dst, udp.dst_port);
        let (id, from_client) = match (self.by_path.get(&(src, dst)), self.by_path.get(&(dst, src)))
        {
            (Some(id), _) => (Some(id.clone()), true),
            (None, Some(id)) => (Some(id.clone()), false),
            (None, None) => (
                None,
                client::quic_sent_by_client(udp.src_port, udp.dst_port),
            ),
        };
        // A client's Initial whose DCID is neither the connection's
        // original one nor one the server chose starts a new connection
        // (RFC 9000 §7.2).
        let client_initial = first
            .filter(|p| p.long_type == Some(LongType::Initial))
            .and_then(|p| {
                let dcid = p.dcid_bytes.as_ref()?;
                let conn = id.as_ref().and_then(|id| self.conns.get(id));
                let known = conn.is_some_and(|c| {
                    *dcid == c.original_dcid || *dcid == c.key_dcid || c.cids[1].contains(dcid)
                });
                (from_client && !known).then(|| dcid.clone())
            });
        let id = match (client_initial, id) {
            (Some(dcid), _) => self.open(src, dst, dcid, packet.frame),
            (None, id) => id?,
        };
        self.conns.contains_key(&id).then_some((id, from_client))
    }

    /// Decodes a datagram of a known connection and learns from it.
    fn decode(&mut self, id: &ConnId, from_client: bool, packet: &mut Packet, payload: &[u8]) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let previous = conn.last_frame;
        conn.last_frame = packet.frame;
        self.idle.remove(&previous);
        self.idle.insert(packet.frame, id.clone());

        let d = usize::from(!from_client);
        let sender = if from_client {
            Side::Client
        } else {
            Side::Server
        };
        let mut packets = Vec::new();
        let mut errors = Vec::new();
        let mut at = 0usize;
        // Packet by packet: a ServerHello in the first packet of a
        // datagram gives the keys of the Handshake packet after it.
        while let Some(conn) = self.conns.get(id) {
            let ctx = Context {
                from_client,
                initial_dcid: Some(&conn.key_dcid),
                // Short headers carry a connection ID the receiver chose.
                short_dcids: &conn.cids[1 - d],
                largest_initial_pn: conn.largest_initial_pn[d],
                keys_known: true,
                handshake: conn.keys.handshake[d].as_ref(),
                early: None,
                app: conn.keys.app[d].as_ref(),
                largest_handshake_pn: conn.keys.largest[0][d],
                largest_app_pn: conn.keys.largest[1][d],
            };
            match quic::decode_at(payload, at, packets.len(), &ctx) {
                None => break,
                Some(Step::End(e)) => {
                    packet.errors.push(e.report());
                    break;
                }
                Some(Step::Packet(mut p, problem)) => {
                    packet.errors.extend(problem.map(|e| e.report()));
                    let bytes = payload.get(at..at + p.size).unwrap_or_default();
                    at += p.size.max(1);
                    p.sender = Some(sender);
                    self.account(id, d, &mut p, bytes, packet.frame, &mut errors);
                    packets.push(*p);
                }
            }
        }
        packet.errors.extend(errors.iter().map(FlowError::report));
        quic::set_packets(packet, packets);
    }

    fn open(&mut self, client: Endpoint, server: Endpoint, dcid: Vec<u8>, frame: u64) -> ConnId {
        let id = (client, dcid.clone());
        if !self.conns.contains_key(&id) {
            if self.conns.len() >= MAX_CONNECTIONS {
                if let Some((_, victim)) = self.idle.pop_first() {
                    if let Some(old) = self.conns.remove(&victim) {
                        self.held = self.held.saturating_sub(old.held());
                        if self.by_path.get(&(old.client, old.server)) == Some(&victim) {
                            self.by_path.remove(&(old.client, old.server));
                        }
                        self.stats.connections_evicted += 1;
                    }
                }
            }
            self.stats.connections += 1;
            self.conns.insert(
                id.clone(),
                QuicConn {
                    client,
                    server,
                    original_dcid: dcid.clone(),
                    key_dcid: dcid,
                    cids: [Vec::new(), Vec::new()],
                    largest_initial_pn: [None, None],
                    crypto: [CryptoStream::default(), CryptoStream::default()],
                    crypto_keyed: Default::default(),
                    keys: Protection::default(),
                    h3: None,
                    last_frame: frame,
                },
            );
            self.idle.insert(frame, id.clone());
        }
        self.by_path.insert((client, server), id.clone());
        id
    }

    /// What one packet teaches about its connection.
    fn account(
        &mut self,
        id: &ConnId,
        d: usize,
        p: &mut QuicPacket,
        bytes: &[u8],
        frame: u64,
        errors: &mut Vec<FlowError>,
    ) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        if let Some(scid) = &p.scid_bytes {
            if p.long_type != Some(LongType::VersionNegotiation) {
                conn.learn_cid(d, scid, &mut self.stats);
            }
        }
        // RFC 9000 §17.2.5.2: after a Retry the client sends to the Retry's
        // SCID, and the Initial keys come from it (§7.2).
        if p.long_type == Some(LongType::Retry) && d == 1 {
            // RFC 9001 §5.8: a Retry is authentic only with the tag over
            // the client's original DCID; a client discards one without.
            let valid = p
                .version_number
                .and_then(|v| quic::retry_tag_valid(v, &conn.key_dcid, bytes));
            p.retry_tag_valid = valid;
            if valid == Some(false) {
                errors.push(FlowError::RetryTag {
                    dcid: hex(&conn.key_dcid),
                });
                return;
            }
            if let Some(scid) = &p.scid_bytes {
                conn.key_dcid = scid.clone();
                self.held = self.held.saturating_sub(conn.crypto[0].held());
                conn.crypto[0] = CryptoStream::default();
                conn.largest_initial_pn = [None, None];
            }
        }
        if !p.decrypted {
            return;
        }
        if p.long_type == Some(LongType::Initial) {
            self.stats.initials_decrypted += 1;
            if let Some(pn) = p.packet_number {
                let largest = &mut conn.largest_initial_pn[d];
                *largest = Some(largest.map_or(pn, |l| l.max(pn)));
            }
            for (offset, data) in std::mem::take(&mut p.crypto) {
                let before = conn.crypto[d].held();
                let room = MAX_TOTAL_CRYPTO.saturating_sub(self.held);
                let done = conn.crypto[d].feed(offset, &data, frame, room, &mut self.stats, errors);
                self.held = (self.held + conn.crypto[d].held()).saturating_sub(before);
                let version = p.version_number.unwrap_or_default();
                for h in &done {
                    if conn.keys.learn(h, version, self.keylog.as_deref()) {
                        self.stats.connections_keyed += 1;
                    }
                }
                p.handshakes.extend(done);
            }
            return;
        }
        // A packet the key log opened: Handshake, or the application space.
        self.stats.packets_decrypted += 1;
        let space =
            usize::from(p.header == HeaderForm::Short || p.long_type == Some(LongType::ZeroRtt));
        if let Some(pn) = p.packet_number {
            let largest = &mut conn.keys.largest[space][d];
            *largest = Some(largest.map_or(pn, |l| l.max(pn)));
        }
        // RFC 9001 §6.2: the peer opened the next key phase.
        if p.phase == Some(Phase::Next) {
            if let Some(app) = conn.keys.app[d].as_mut() {
                app.advance();
            }
        }
        // NEW_CONNECTION_ID: IDs the sender will be reached at.
        for cid in std::mem::take(&mut p.new_cids) {
            conn.learn_cid(d, &cid, &mut self.stats);
        }
        for (offset, data) in std::mem::take(&mut p.crypto) {
            let stream = &mut conn.crypto_keyed[space][d];
            let before = stream.held();
            let room = MAX_TOTAL_CRYPTO.saturating_sub(self.held);
            let done = stream.feed(offset, &data, frame, room, &mut self.stats, errors);
            self.held = (self.held + stream.held()).saturating_sub(before);
            p.handshakes.extend(done.into_iter().map(|h| TlsHandshake {
                decrypted: true,
                ..h
            }));
        }
        for piece in std::mem::take(&mut p.stream_data) {
            let h3 = conn.h3.get_or_insert_with(Box::default);
            p.http3.extend(h3.feed(d, &piece));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_pieces_out_of_order_and_overlapping() {
        let mut stats = QuicStats::default();
        let mut errors = Vec::new();
        let mut s = CryptoStream::default();
        // A ServerHello-sized message cut in three, sent last piece first,
        // with the middle one sent twice (a retransmission that overlaps).
        // RFC 8446 §4.1.3: version, random, empty session id, suite,
        // compression, no extensions.
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[7u8; 32]);
        body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 0]);
        let mut fix = vec![2u8, 0, 0, body.len() as u8];
        fix.extend_from_slice(&body);
        let total = fix.len() as u64;
        let out = s.feed(30, &fix[30..], 3, usize::MAX, &mut stats, &mut errors);
        assert!(out.is_empty());
        let out = s.feed(10, &fix[10..35], 2, usize::MAX, &mut stats, &mut errors);
        assert!(out.is_empty());
        let out = s.feed(10, &fix[10..35], 2, usize::MAX, &mut stats, &mut errors);
        assert!(out.is_empty());
        let out = s.feed(0, &fix[..12], 1, usize::MAX, &mut stats, &mut errors);
        assert_eq!(out.len(), 1, "{errors:?}");
        assert_eq!(out[0].kind, tls::HandshakeKind::ServerHello);
        assert_eq!(out[0].cipher_suite, Some(0x1301));
        assert_eq!(out[0].frames, [1, 2, 3]);
        assert_eq!(s.held(), 0);
        assert_eq!(s.start, total);
    }

    use crate::decode::quic::{seal_initial, VERSION_1};
    use crate::decode::{IpInfo, UdpInfo};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn datagram(tracker: &mut QuicTracker, frame: u64, to_server: bool, bytes: &[u8]) -> Packet {
        let client: std::net::IpAddr = "2001:db8:1::10".parse().unwrap();
        let server: std::net::IpAddr = "2001:db8:2::100".parse().unwrap();
        let (src, dst, sport, dport) = if to_server {
            (client, server, 50000, 443)
        } else {
            (server, client, 443, 50000)
        };
        let mut p = Packet {
            frame,
            ip: Some(IpInfo {
                version: 6,
                src,
                dst,
                ttl: 64,
                proto: 17,
                id: None,
                fragment: false,
                ext_headers: Vec::new(),
                frag: None,
                reassembled: None,
            }),
            udp: Some(UdpInfo {
                src_port: sport,
                dst_port: dport,
                length: bytes.len() as u16 + 8,
            }),
            ..Packet::default()
        };
        quic::decode_into(&mut p, bytes, to_server);
        tracker.process(&mut p, bytes);
        p
    }

    /// A CRYPTO frame, then PADDING to 1162 bytes (RFC 9000 §14.1).
    fn crypto(offset: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![
            0x06,
            offset,
            0x40 | (data.len() >> 8) as u8,
            data.len() as u8,
        ];
        v.extend_from_slice(data);
        v.resize(1162, 0);
        v
    }

    #[test]
    fn retry_changes_the_initial_keys() {
        // RFC 9001 §A: the ClientHello body of A.2 and the Retry of A.4
        // (SCID f067a5502a4262b5, sent to the client's empty SCID).
        let hello = &hex(concat!(
            "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47",
            "f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c",
            "652e636f6dff01000100000a00080006001d0017001800100007000504616c70",
            "6e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559f",
            "edba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d001000",
            "0e0403050306030203080408050806002d00020101001c000240010039003204",
            "08ffffffffffffffff05048000ffff07048000ffff0801100104800075300901",
            "100f088394c8f03e51570806048000ffff"
        ));
        assert_eq!(hello.len(), 241);
        let odcid = hex("8394c8f03e515708");
        let retry_scid = hex("f067a5502a4262b5");
        let mut t = QuicTracker::default();
        // The first Initial holds only the first 100 bytes of the hello.
        let first = seal_initial(
            VERSION_1,
            &odcid,
            true,
            &odcid,
            &[],
            &[],
            0,
            &crypto(0, &hello[..100]),
        );
        let p = datagram(&mut t, 1, true, &first);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.quic.as_ref().unwrap().decrypted);
        let retry = hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
        // A Retry whose tag does not match is reported and changes nothing.
        let mut forged = retry.clone();
        forged[20] ^= 1;
        let p = datagram(&mut t, 2, false, &forged);
        assert_eq!(p.quic.as_ref().unwrap().retry_tag_valid, Some(false));
        assert!(p.errors[0].contains("RFC 9001 §5.8"), "{:?}", p.errors);
        let p = datagram(&mut t, 2, false, &retry);
        assert_eq!(p.quic.as_ref().unwrap().long_type, Some(LongType::Retry));
        assert_eq!(p.quic.as_ref().unwrap().retry_tag_valid, Some(true));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        // RFC 9000 §17.2.5.2: the client starts over, to the Retry's SCID
        // and with keys from it; the hello is sent again from offset 0.
        let again = seal_initial(
            VERSION_1,
            &retry_scid,
            true,
            &retry_scid,
            &[],
            b"token",
            1,
            &crypto(0, hello),
        );
        let p = datagram(&mut t, 3, true, &again);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let q = p.quic.as_ref().unwrap();
        assert_eq!(q.token_length, Some(5));
        assert_eq!(q.packet_number, Some(1));
        assert_eq!(q.handshakes.len(), 1);
        assert_eq!(q.handshakes[0].sni.as_deref(), Some("example.com"));
        assert_eq!(q.handshakes[0].frames, [3]);
        assert_eq!(t.stats().connections, 1);
        // The server's Initial after the Retry: keys from the Retry's SCID.
        let server = seal_initial(
            VERSION_1,
            &retry_scid,
            false,
            &[],
            &retry_scid,
            &[],
            0,
            &[0x01; 1],
        );
        let p = datagram(&mut t, 4, false, &server);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.quic.as_ref().unwrap().frames, [quic::QuicFrame::Ping]);
        // Short headers now carry the server's connection ID: found.
        let mut short = vec![0x40];
        short.extend_from_slice(&retry_scid);
        short.extend_from_slice(&[0u8; 30]);
        let p = datagram(&mut t, 5, true, &short);
        assert_eq!(
            p.quic.as_ref().unwrap().dcid.as_deref(),
            Some("f067a5502a4262b5")
        );
        // A new first Initial on the same path is a new connection.
        let other = hex("0102030405060708");
        let p = datagram(
            &mut t,
            6,
            true,
            &seal_initial(
                VERSION_1,
                &other,
                true,
                &other,
                &[],
                &[],
                0,
                &crypto(0, hello),
            ),
        );
        assert_eq!(p.quic.as_ref().unwrap().handshakes.len(), 1);
        assert_eq!(t.stats().connections, 2);
        assert_eq!(t.held_bytes(), 0);
    }

    #[test]
    fn datagrams_of_no_connection() {
        let mut t = QuicTracker::default();
        // A server's Initial of a connection not seen: decoded, but with
        // no keys to try, and no connection opened.
        let dcid = hex("8394c8f03e515708");
        let server = seal_initial(VERSION_1, &dcid, false, &[], &dcid, &[], 0, &[0x01]);
        let p = datagram(&mut t, 1, false, &server);
        let q = p.quic.as_deref().unwrap();
        assert_eq!(q.long_type, Some(LongType::Initial));
        assert!(!q.decrypted && q.pending.is_none());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(t.stats().connections, 0);
        // A datagram frame decoding did not take for QUIC is left alone.
        let mut p = datagram(&mut t, 2, true, &[0x40; 30]);
        p.quic = None;
        t.process(&mut p, &[0x40; 30]);
        assert!(p.quic.is_none() && p.errors.is_empty());
    }

    #[test]
    fn the_crypto_bound_drops_and_counts() {
        let mut stats = QuicStats::default();
        let mut errors = Vec::new();
        let mut s = CryptoStream::default();
        let chunk = vec![0u8; 1000];
        // A hole at offset 0 and data beyond it, more than the bound holds.
        let mut offset = 1;
        while !s.stopped {
            s.feed(offset, &chunk, 1, usize::MAX, &mut stats, &mut errors);
            offset += 1000;
            assert!(offset < 200_000);
        }
        assert_eq!(stats.crypto_bytes_dropped, 1000);
        assert_eq!(s.held(), 0);
        assert!(
            errors[0]
                .report()
                .contains("-byte buffer of this direction"),
            "{errors:?}"
        );
        // The total bound: no room left across connections.
        let mut s = CryptoStream::default();
        let dropped_before = stats.crypto_bytes_dropped;
        s.feed(0, &[1, 0, 0], 1, 2, &mut stats, &mut errors);
        assert_eq!(stats.crypto_bytes_dropped, dropped_before + 3);
        assert!(s.stopped);
        // A message claiming more than the bound stops decoding.
        let mut s = CryptoStream::default();
        s.feed(
            0,
            &[1, 0xff, 0xff, 0xff, 0, 0],
            1,
            usize::MAX,
            &mut stats,
            &mut errors,
        );
        assert!(s.stopped);
    }
}
