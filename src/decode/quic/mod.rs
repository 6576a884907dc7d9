//! QUIC packets (RFC 9000 §17) in one UDP datagram: long and short headers,
//! versions 1 and 2 (RFC 9369) and the late drafts, Version Negotiation,
//! Retry, Initial, 0-RTT and Handshake, coalesced packets (§12.2), and the
//! removal of Initial packet protection (RFC 9001 §5) with keys derived from
//! the client's original Destination Connection ID.
//!
//! Decoding a frame ([`decode_into`]) only takes a datagram for QUIC and
//! reads its first packet's unprotected header. The datagram is decoded
//! once, by the flow layer, with [`decode_datagram`] and a [`Context`] filled
//! from what earlier datagrams taught (which connection IDs exist, whose
//! Initial keys to use), or with [`decode_without_connection`] when it
//! belongs to no known connection. Everything here is a pure function of
//! its input; nothing panics on any input; problems are [`QuicError`]s,
//! reported as strings in `packet.errors`.
//!
//! - [`packet`]: header forms, long packet types, versions (RFC 9000 §17).
//! - [`protection`]: Initial keys, header protection, the AEAD, Retry
//!   integrity (RFC 9001 §5).
//! - [`keys`]: Handshake, 0-RTT and 1-RTT packet protection with keys from
//!   the key log's traffic secrets, key updates (RFC 9001 §5.1, §6).
//! - [`frames`]: the frames of a decrypted packet (RFC 9000 §19).
//! - [`summary`]: the terminal's one-line summary.

mod error;
pub mod frames;
pub mod keys;
pub mod packet;
pub mod protection;
mod summary;
#[cfg(test)]
mod tests;

use super::stream::Side;
pub use error::QuicError;
pub use frames::{frames, frames_in, QuicFrame, Space};
pub use keys::{Aead, AppKeys, PacketKeys, Phase};
pub use packet::{
    looks_like_long_header, version_name, HeaderForm, LongType, PacketKind, MAX_CID_LEN, VERSION_1,
    VERSION_2,
};
pub use protection::{
    decode_packet_number, header_mask, initial_keys, retry_tag_valid, InitialKeys,
};
#[cfg(test)]
pub(crate) use protection::{seal_initial, seal_initial_first};
pub use summary::summary;

use crate::decode::cursor::hex;
use crate::decode::tls::TlsHandshake;
use crate::decode::Packet;
use serde::Serialize;

/// At most this many frames are listed per packet; the rest are counted.
pub const MAX_FRAMES_LISTED: usize = 256;
/// At most this many packets are decoded from one datagram (a datagram of
/// 64 KiB could otherwise hold thousands of tiny coalesced packets).
pub const MAX_PACKETS_PER_DATAGRAM: usize = 16;

/// One QUIC packet of a datagram. Serialised under `quic` (the first packet
/// of the datagram) and `quic_more` (coalesced packets after it).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QuicPacket {
    /// "long" | "short".
    pub header: HeaderForm,
    /// "initial", "0rtt", "handshake", "retry", "version_negotiation".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_type: Option<LongType>,
    /// "1", "2", "draft-29", else hex ("0x…"); "0" for Version Negotiation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Hex; absent for a short header whose connection ID length is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dcid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scid: Option<String>,
    /// The fixed bit (0x40 of the first byte) is 0: a sender greasing it
    /// (RFC 9287), which a packet may do on any packet but Version
    /// Negotiation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fixed_bit_cleared: bool,
    /// Initial: length of the address-validation token (RFC 9000 §17.2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_length: Option<u64>,
    /// Retry: length of the retry token (RFC 9000 §17.2.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_token_length: Option<usize>,
    /// Retry: whether its integrity tag matches the client's original DCID
    /// (RFC 9001 §5.8); known once the flow has seen that DCID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_tag_valid: Option<bool>,
    /// Version Negotiation: the versions the server supports (§17.2.1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<String>,
    /// The Length field of a long header: packet number and payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// Bytes of this packet in the datagram.
    pub size: usize,
    /// Full packet number, once header protection is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_number: Option<u64>,
    /// The payload was decrypted: an Initial with keys from its DCID, any
    /// other packet with keys from the key log.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decrypted: bool,
    /// A short header's Key Phase bit, once header protection is removed
    /// (RFC 9001 §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_phase: Option<bool>,
    /// Frames of a decrypted payload, in order; runs of PADDING are one entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<QuicFrame>,
    /// Frames beyond [`MAX_FRAMES_LISTED`], counted only.
    #[serde(skip_serializing_if = "is_zero")]
    pub frames_not_listed: usize,
    /// TLS handshake messages whose last CRYPTO byte arrived in this packet
    /// (filled by the flow layer; the same shape as `tls.handshakes`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handshakes: Vec<TlsHandshake>,
    /// CRYPTO frame data (offset, bytes), for the flow layer's reassembly.
    #[serde(skip)]
    pub crypto: Vec<(u64, Vec<u8>)>,
    /// STREAM frame data, for the flow layer's HTTP/3.
    #[serde(skip)]
    pub stream_data: Vec<StreamData>,
    /// Connection IDs of NEW_CONNECTION_ID frames, for the flow layer.
    #[serde(skip)]
    pub new_cids: Vec<Vec<u8>>,
    /// Which 1-RTT keys opened the packet (for the flow's key updates).
    #[serde(skip)]
    pub phase: Option<Phase>,
    /// HTTP/3 frames that this packet's STREAM data completed (filled by
    /// the flow layer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http3: Vec<crate::decode::http3::H3Frame>,
    /// The Destination Connection ID as bytes, for the flow layer.
    #[serde(skip)]
    pub dcid_bytes: Option<Vec<u8>>,
    #[serde(skip)]
    pub scid_bytes: Option<Vec<u8>>,
    /// The version number as sent.
    #[serde(skip)]
    pub version_number: Option<u32>,
    /// Set by [`decode_into`]: only the unprotected header of this packet
    /// is read, and the datagram waits for the flow layer's decoding.
    #[serde(skip)]
    pub pending: Option<Pending>,
    /// Which end sent it, when the flow layer knows its connection (set by
    /// flow, never by decoding).
    #[serde(skip)]
    pub sender: Option<Side>,
}

/// The data of one STREAM frame (RFC 9000 §19.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamData {
    pub stream_id: u64,
    pub offset: u64,
    pub data: Vec<u8>,
    pub fin: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A datagram that frame decoding took for QUIC and left for the flow
/// layer to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// Frame decoding's guess at the direction (sent to port 443), which
    /// decides the keys of a datagram of no known connection.
    pub to_server: bool,
}

/// What the flow layer knows about the connection a datagram belongs to.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The datagram was sent by the client.
    pub from_client: bool,
    /// The Destination Connection ID that Initial keys derive from (RFC
    /// 9001 §5.2): the client's first Initial's, or a Retry's Source
    /// Connection ID. `None`: the packet's own DCID when sent by a client
    /// (right for a client's first Initials), none for a server.
    pub initial_dcid: Option<&'a [u8]>,
    /// Connection IDs a short header may carry in this direction (the
    /// receiver chose them); the longest one that matches is taken.
    pub short_dcids: &'a [Vec<u8>],
    /// Largest Initial packet number seen in this direction (RFC 9000
    /// §17.1 decodes a truncated packet number relative to it).
    pub largest_initial_pn: Option<u64>,
    /// Decryption failures are reported as problems: the keys are known to
    /// be the right ones, not guessed.
    pub keys_known: bool,
    /// This direction's Handshake keys, from the key log.
    pub handshake: Option<&'a PacketKeys>,
    /// This direction's 0-RTT keys (the client's early traffic secret).
    pub early: Option<&'a PacketKeys>,
    /// This direction's 1-RTT keys.
    pub app: Option<&'a AppKeys>,
    /// Largest packet numbers seen in this direction: Handshake, and the
    /// application space (0-RTT and 1-RTT share it, RFC 9000 §12.3).
    pub largest_handshake_pn: Option<u64>,
    pub largest_app_pn: Option<u64>,
}

/// The decode-side entry, for a UDP datagram taken for QUIC (by port or by
/// [`looks_like_long_header`]): puts its first packet's unprotected header
/// under `quic`, marked [`Pending`]. No keys are tried and nothing is
/// reported here; the flow layer decodes the whole datagram once, with
/// what it knows of the connection.
pub fn decode_into(packet: &mut Packet, datagram: &[u8], to_server: bool) {
    let header = match packet::parse(datagram) {
        Ok(h) => h.packet,
        Err(_) => QuicPacket {
            header: if datagram.first().is_some_and(|f| f & 0x80 != 0) {
                HeaderForm::Long
            } else {
                HeaderForm::Short
            },
            ..QuicPacket::default()
        },
    };
    packet.quic = Some(Box::new(QuicPacket {
        pending: Some(Pending { to_server }),
        ..header
    }));
    packet.quic_more.clear();
}

/// Decodes a datagram that belongs to no known connection: a client's
/// first Initials decrypt with keys from their own DCID, and problems go
/// after the frame's other errors.
pub fn decode_without_connection(packet: &mut Packet, datagram: &[u8], to_server: bool) {
    let ctx = Context {
        from_client: to_server,
        ..Context::default()
    };
    let (packets, errors) = decode_datagram(datagram, &ctx);
    set_packets(packet, packets);
    packet.errors.extend(errors);
}

/// Decodes every packet of a datagram. Returns the packets and the problems
/// as `packet.errors` words them.
pub fn decode_datagram(datagram: &[u8], ctx: &Context) -> (Vec<QuicPacket>, Vec<String>) {
    let (packets, errors) = decode_packets(datagram, ctx);
    (packets, errors.iter().map(QuicError::report).collect())
}

/// Decodes every packet of a datagram, in order, with the problems in the
/// order they were met.
pub fn decode_packets(datagram: &[u8], ctx: &Context) -> (Vec<QuicPacket>, Vec<QuicError>) {
    let mut packets = Vec::new();
    let mut errors = Vec::new();
    let mut at = 0usize;
    while let Some(step) = decode_at(datagram, at, packets.len(), ctx) {
        match step {
            Step::Packet(p, problem) => {
                at += p.size.max(1);
                packets.push(*p);
                errors.extend(problem);
            }
            Step::End(e) => {
                errors.push(e);
                break;
            }
        }
    }
    (packets, errors)
}

/// One step through a datagram's packets.
pub enum Step {
    /// A packet, and the problem met removing its protection, if any.
    Packet(Box<QuicPacket>, Option<QuicError>),
    /// What ends the datagram's decoding.
    End(QuicError),
}

/// Decodes the packet at offset `at` of a datagram, the `count`th one;
/// `None` at the end of the packets. The flow layer steps through a
/// datagram with it when one packet teaches the keys of the next (a
/// ServerHello before a coalesced Handshake packet).
pub fn decode_at(datagram: &[u8], at: usize, count: usize, ctx: &Context) -> Option<Step> {
    let rest = datagram.get(at..).filter(|r| !r.is_empty())?;
    // RFC 9000 §12.2: a receiver ignores what follows the packets, and
    // senders pad datagrams with zeros.
    if rest.iter().all(|&b| b == 0) && count > 0 {
        return None;
    }
    if count == MAX_PACKETS_PER_DATAGRAM {
        return Some(Step::End(QuicError::TooManyPackets(rest.len())));
    }
    Some(match packet::parse(rest) {
        Ok(header) => {
            let (p, problem) = unprotect(header, rest, ctx);
            Step::Packet(Box::new(p), problem)
        }
        Err(e) => Step::End(QuicError::At {
            error: Box::new(e),
            offset: at,
        }),
    })
}

/// What needs the connection's context once a packet's header is read: an
/// Initial's protection removed and frames read (RFC 9001 §5), a short
/// header's connection ID found among those the flow knows (RFC 9000
/// §17.3).
fn unprotect(header: packet::Header, b: &[u8], ctx: &Context) -> (QuicPacket, Option<QuicError>) {
    let packet::Header {
        packet: mut p,
        pn_offset,
        mut problem,
    } = header;
    // A packet cut short cannot be opened: its header is all there is.
    if matches!(problem, Some(QuicError::LengthOverrun { .. })) {
        return (p, problem);
    }
    match (p.header, p.long_type) {
        (HeaderForm::Short, _) => {
            let found = ctx
                .short_dcids
                .iter()
                .filter(|c| b.len() > c.len() && b[1..1 + c.len()] == c[..])
                .max_by_key(|c| c.len());
            if let Some(c) = found {
                p.dcid = Some(hex(c));
                p.dcid_bytes = Some(c.clone());
                if let Some(app) = ctx.app {
                    let at = 1 + c.len();
                    let size = p.size;
                    problem = open_with(
                        &mut p,
                        &b[..size],
                        at,
                        &app.current,
                        Some(app),
                        ctx,
                        Space::OneRtt,
                    );
                }
            }
        }
        (HeaderForm::Long, Some(LongType::Handshake)) => {
            if let Some(k) = ctx.handshake {
                let size = p.size;
                problem = open_with(
                    &mut p,
                    &b[..size],
                    pn_offset,
                    k,
                    None,
                    ctx,
                    Space::Handshake,
                )
                .or(problem);
            }
        }
        (HeaderForm::Long, Some(LongType::ZeroRtt)) => {
            if let Some(k) = ctx.early {
                let size = p.size;
                problem = open_with(&mut p, &b[..size], pn_offset, k, None, ctx, Space::ZeroRtt)
                    .or(problem);
            }
        }
        (HeaderForm::Long, Some(LongType::Initial)) => {
            let own = p.dcid_bytes.as_deref().unwrap_or_default();
            let key_dcid = match (ctx.initial_dcid, ctx.from_client) {
                (Some(d), _) => Some(d),
                (None, true) => Some(own),
                (None, false) => None,
            };
            let version = p.version_number.unwrap_or_default();
            if let Some(key_dcid) = key_dcid {
                match protection::unprotect(
                    &b[..p.size],
                    pn_offset,
                    version,
                    key_dcid,
                    ctx.from_client,
                    ctx.largest_initial_pn,
                ) {
                    Ok((pn, plain)) => {
                        p.packet_number = Some(pn);
                        p.decrypted = true;
                        if let Err(e) = frames(&plain, &mut p) {
                            problem = Some(QuicError::InFrames {
                                kind: "Initial",
                                pn,
                                error: Box::new(e),
                            });
                        }
                    }
                    Err(e) if ctx.keys_known => problem = Some(e),
                    Err(_) => {}
                }
            }
        }
        _ => {}
    }
    (p, problem)
}

/// Opens a Handshake, 0-RTT or 1-RTT packet with the key log's keys and
/// reads its frames; returns the problem, if any.
fn open_with(
    p: &mut QuicPacket,
    bytes: &[u8],
    pn_offset: usize,
    keys: &PacketKeys,
    app: Option<&AppKeys>,
    ctx: &Context,
    space: Space,
) -> Option<QuicError> {
    let largest = match space {
        Space::Handshake => ctx.largest_handshake_pn,
        _ => ctx.largest_app_pn,
    };
    match keys::open_packet(bytes, pn_offset, keys, app, largest) {
        Ok(o) => {
            p.packet_number = Some(o.pn);
            p.key_phase = o.key_phase;
            p.phase = Some(o.phase);
            p.decrypted = true;
            frames_in(&o.plain, p, space)
                .err()
                .map(|e| QuicError::InFrames {
                    kind: space.name(),
                    pn: o.pn,
                    error: Box::new(e),
                })
        }
        Err(e) => Some(e),
    }
}

/// Puts a datagram's packets on the frame: the first under `quic`, the
/// coalesced ones after it under `quic_more`.
pub fn set_packets(packet: &mut Packet, packets: Vec<QuicPacket>) {
    let mut it = packets.into_iter();
    packet.quic = it.next().map(Box::new);
    packet.quic_more = it.collect();
}
