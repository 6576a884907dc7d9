//! QUIC packet headers (RFC 9000 §17; RFC 9369 §3.2 for version 2): the
//! long and short header forms, the long packet types, versions, and where
//! each packet of a datagram ends. Everything here is read without keys or
//! connection state.

use super::error::QuicError;
use super::QuicPacket;
use crate::decode::cursor::{hex, Cursor};
use serde::Serialize;
use std::fmt;

/// RFC 9000 §17.2: connection IDs of version 1 are at most 20 bytes.
pub const MAX_CID_LEN: usize = 20;
/// At most this many supported versions of a Version Negotiation packet
/// are listed.
const MAX_VERSIONS_LISTED: usize = super::MAX_FRAMES_LISTED;
/// RFC 9001 §5.3 and §5.8: AEAD_AES_128_GCM's tag, which also ends a Retry.
pub(super) const TAG_LEN: usize = 16;

pub const VERSION_1: u32 = 0x0000_0001;
pub const VERSION_2: u32 = 0x6b33_43cf;

/// RFC 9000 §17: the header form bit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderForm {
    /// §17.2: a long header (form bit 1).
    #[default]
    Long,
    /// §17.3: a short header (form bit 0), the 1-RTT packets.
    Short,
}

/// RFC 9000 §17.2 (and §17.2.1 for Version Negotiation): the type of a
/// long-header packet. Serialises and displays as "initial", "0rtt",
/// "handshake", "retry", "version_negotiation".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LongType {
    #[serde(rename = "initial")]
    Initial,
    #[serde(rename = "0rtt")]
    ZeroRtt,
    #[serde(rename = "handshake")]
    Handshake,
    #[serde(rename = "retry")]
    Retry,
    #[serde(rename = "version_negotiation")]
    VersionNegotiation,
}

impl LongType {
    /// The name as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            LongType::Initial => "initial",
            LongType::ZeroRtt => "0rtt",
            LongType::Handshake => "handshake",
            LongType::Retry => "retry",
            LongType::VersionNegotiation => "version_negotiation",
        }
    }
}

impl fmt::Display for LongType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a packet is, from its header form and long type: the label the
/// terminal and the explanation give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// A short header (RFC 9000 §17.3.1).
    OneRtt,
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
    VersionNegotiation,
    /// A long header of a version whose layout is not known here.
    UnknownLong,
}

impl PacketKind {
    /// "1-RTT", "Initial", "0-RTT", "Handshake", "Retry", "Version
    /// Negotiation" or "long header".
    pub fn label(self) -> &'static str {
        match self {
            PacketKind::OneRtt => "1-RTT",
            PacketKind::Initial => "Initial",
            PacketKind::ZeroRtt => "0-RTT",
            PacketKind::Handshake => "Handshake",
            PacketKind::Retry => "Retry",
            PacketKind::VersionNegotiation => "Version Negotiation",
            PacketKind::UnknownLong => "long header",
        }
    }
}

impl fmt::Display for PacketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl QuicPacket {
    /// What the packet is, from its header.
    pub fn kind(&self) -> PacketKind {
        match (self.header, self.long_type) {
            (HeaderForm::Short, _) => PacketKind::OneRtt,
            (_, Some(LongType::Initial)) => PacketKind::Initial,
            (_, Some(LongType::ZeroRtt)) => PacketKind::ZeroRtt,
            (_, Some(LongType::Handshake)) => PacketKind::Handshake,
            (_, Some(LongType::Retry)) => PacketKind::Retry,
            (_, Some(LongType::VersionNegotiation)) => PacketKind::VersionNegotiation,
            (_, None) => PacketKind::UnknownLong,
        }
    }
}

/// Names of the versions whose Initial protection is known here.
pub fn version_name(v: u32) -> Option<String> {
    match v {
        VERSION_1 => Some("1".into()),
        VERSION_2 => Some("2".into()),
        0xff00_0017..=0xff00_0022 => Some(format!("draft-{}", v & 0xff)),
        _ => None,
    }
}

/// "1", "2", "draft-29", else hex ("0x…"); "0" for Version Negotiation.
pub(super) fn version_label(v: u32) -> String {
    if v == 0 {
        return "0".into();
    }
    version_name(v).unwrap_or_else(|| format!("0x{v:08x}"))
}

/// RFC 9000 §17.2 (v1 and drafts) and RFC 9369 §3.2 (v2): the long packet
/// type from its two bits.
fn long_type(version: u32, bits: u8) -> LongType {
    use LongType::*;
    if version == VERSION_2 {
        // RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
        [Retry, Initial, ZeroRtt, Handshake][usize::from(bits & 3)]
    } else {
        [Initial, ZeroRtt, Handshake, Retry][usize::from(bits & 3)]
    }
}

/// Bytes that look like the start of a QUIC long-header packet of a known
/// version, or a Version Negotiation packet: for datagrams on other ports
/// than 443.
pub fn looks_like_long_header(b: &[u8]) -> bool {
    if b.len() < 7 || b[0] & 0x80 == 0 {
        return false;
    }
    let v = u32::from_be_bytes([b[1], b[2], b[3], b[4]]);
    (v == 0 || version_name(v).is_some()) && usize::from(b[5]) <= MAX_CID_LEN
}

/// A packet's header as read without keys.
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// The packet with its header fields and size filled.
    pub packet: QuicPacket,
    /// Where the protected packet number begins (long headers that have
    /// one).
    pub pn_offset: usize,
    /// Something odd that does not stop the decoding.
    pub problem: Option<QuicError>,
}

/// The header of the packet at the start of `b`.
pub(super) fn parse(b: &[u8]) -> Result<Header, QuicError> {
    if b.first().is_some_and(|f| f & 0x80 != 0) {
        long(b)
    } else {
        short(b).map(|packet| Header {
            packet,
            pn_offset: 0,
            problem: None,
        })
    }
}

fn long(b: &[u8]) -> Result<Header, QuicError> {
    let mut r = Cursor::new(b);
    let first = r.u8("first byte")?;
    let version = r.u32("version")?;
    let dcid_len = usize::from(r.u8("DCID length")?);
    let dcid = r.take(dcid_len, "DCID")?;
    let scid_len = usize::from(r.u8("SCID length")?);
    let scid = r.take(scid_len, "SCID")?;
    let mut p = QuicPacket {
        header: HeaderForm::Long,
        version: Some(version_label(version)),
        version_number: Some(version),
        dcid: Some(hex(dcid)),
        scid: Some(hex(scid)),
        dcid_bytes: Some(dcid.to_vec()),
        scid_bytes: Some(scid.to_vec()),
        ..QuicPacket::default()
    };
    // RFC 9000 §17.2.1: Version Negotiation fills the datagram with the
    // versions the server supports.
    if version == 0 {
        p.long_type = Some(LongType::VersionNegotiation);
        while r.left() >= 4 {
            let v = r.u32("supported version")?;
            if p.supported_versions.len() < MAX_VERSIONS_LISTED {
                p.supported_versions.push(version_label(v));
            }
        }
        p.size = b.len();
        let odd = (r.left() > 0).then(|| QuicError::VersionNegotiationStray(r.left()));
        return Ok(Header {
            packet: p,
            pn_offset: 0,
            problem: odd,
        });
    }
    let whole = |p: QuicPacket| Header {
        packet: QuicPacket { size: b.len(), ..p },
        pn_offset: 0,
        problem: None,
    };
    if (dcid.len() > MAX_CID_LEN || scid.len() > MAX_CID_LEN) && version_name(version).is_some() {
        return Err(QuicError::CidTooLong(dcid.len().max(scid.len())));
    }
    // A version not known here: its layout past the connection IDs is
    // unknown (RFC 8999 §5.1), so the rest of the datagram is this packet.
    if version_name(version).is_none() {
        return Ok(whole(p));
    }
    let kind = long_type(version, (first >> 4) & 3);
    p.long_type = Some(kind);
    // RFC 9000 §17.2 sets the fixed bit to 1, but RFC 9287 §3 lets a
    // sender clear it in any long header (an Initial too, when a client
    // remembers the server's grease_quic_bit from an earlier connection):
    // it is named, and the packet is read as any other.
    p.fixed_bit_cleared = first & 0x40 == 0;
    if kind == LongType::Retry {
        // RFC 9000 §17.2.5: a token, then the 16-byte integrity tag.
        let token_len = r
            .left()
            .checked_sub(TAG_LEN)
            .ok_or(QuicError::RetryWithoutTag(b.len()))?;
        p.retry_token_length = Some(token_len);
        return Ok(whole(p));
    }
    if kind == LongType::Initial {
        let token_len = r.varint("token length")?;
        p.token_length = Some(token_len);
        r.take(usize::try_from(token_len).unwrap_or(usize::MAX), "token")?;
    }
    let length = r.varint("Length")?;
    p.length = Some(length);
    let pn_offset = r.pos();
    let end = usize::try_from(length)
        .ok()
        .and_then(|l| pn_offset.checked_add(l))
        .filter(|&e| e <= b.len());
    // A packet cut short (by the snap length, or a datagram cut on the
    // way) still names its version and connection IDs: it is kept as the
    // rest of the datagram, with the problem, and is not opened.
    let problem = match end {
        Some(e) => {
            p.size = e;
            None
        }
        None => {
            p.size = b.len();
            Some(QuicError::LengthOverrun {
                kind,
                length,
                left: b.len() - pn_offset,
            })
        }
    };
    Ok(Header {
        packet: p,
        pn_offset,
        problem,
    })
}

/// RFC 9000 §17.3: a short header runs to the end of the datagram; its
/// DCID length is known only to the receiver.
/// Its fixed bit may be cleared (RFC 9287 §3); zero padding after
/// coalesced packets is told apart before this (RFC 9000 §12.2).
fn short(b: &[u8]) -> Result<QuicPacket, QuicError> {
    Ok(QuicPacket {
        header: HeaderForm::Short,
        fixed_bit_cleared: b.first().is_some_and(|f| f & 0x40 == 0),
        size: b.len(),
        ..QuicPacket::default()
    })
}
