//! What can go wrong decoding a QUIC datagram, worded as `packet.errors`
//! shows it (after the "QUIC: " prefix that [`QuicError::report`] adds).

use super::packet::{LongType, MAX_CID_LEN};
use super::MAX_PACKETS_PER_DATAGRAM;
use crate::decode::cursor::Short;
use thiserror::Error;

/// A problem with one packet of a datagram, or with the datagram itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuicError {
    /// A field runs past the end of the bytes.
    #[error("{what}: {needed} bytes needed, {left} left")]
    Short {
        what: &'static str,
        needed: usize,
        left: usize,
    },
    /// RFC 9000 §17.2: version 1 connection IDs are at most 20 bytes.
    #[error("connection ID of {0} bytes is longer than {MAX_CID_LEN} (RFC 9000 §17.2)")]
    CidTooLong(usize),
    #[error("Retry of {0} bytes has no room for its integrity tag")]
    RetryWithoutTag(usize),
    #[error("{kind} packet Length {length} exceeds the {left} bytes left")]
    LengthOverrun {
        kind: LongType,
        length: u64,
        left: usize,
    },
    #[error("Version Negotiation ends with {0} stray bytes")]
    VersionNegotiationStray(usize),
    #[error("no Initial keys for version {0}")]
    NoInitialKeys(String),
    #[error("Initial of {0} bytes too short for the header-protection sample")]
    NoSample(usize),
    /// The packet number is not named: with the wrong keys it is noise.
    #[error("Initial packet does not decrypt with keys from DCID {dcid} (RFC 9001 §5.2)")]
    DoesNotDecrypt { dcid: String },
    #[error("the header-protection key does not fit its cipher")]
    NoKeys,
    /// A Handshake, 0-RTT or 1-RTT packet whose key-log keys do not open it.
    #[error("packet {pn} does not decrypt with the key log's secrets (RFC 9001 §5.3); its frames are not read")]
    DoesNotOpen { pn: u64 },
    #[error("frame type 0x{kind:02x} at payload offset {at} is not allowed in a {space} packet (RFC 9000 §12.4)")]
    FrameNotInSpace {
        kind: u64,
        at: usize,
        space: &'static str,
    },
    #[error("unknown frame type 0x{kind:02x} at payload offset {at} (RFC 9000 §12.4)")]
    UnknownFrame { kind: u64, at: usize },
    #[error("Initial packet {0} has reserved header bits set (RFC 9000 §17.2)")]
    ReservedBits(u64),
    /// A decrypted packet's frames do not parse.
    #[error("{kind} packet {pn}: {error}")]
    InFrames {
        kind: &'static str,
        pn: u64,
        error: Box<QuicError>,
    },
    /// RFC 9000 §12.4: a packet carries at least one frame.
    #[error("no frames (RFC 9000 §12.4)")]
    NoFrames,
    #[error("ACK range count {ranges} exceeds the {left} bytes left")]
    AckRanges { ranges: u64, left: usize },
    #[error("frame type 0x{kind:02x} at payload offset {at} is not allowed in an Initial packet (RFC 9000 §17.2.2)")]
    FrameNotInInitial { kind: u64, at: usize },
    #[error("more than {MAX_PACKETS_PER_DATAGRAM} packets in one datagram; {0} bytes not decoded")]
    TooManyPackets(usize),
    /// A packet whose header does not parse ends the datagram's decoding.
    #[error("{error} at datagram offset {offset}")]
    At {
        error: Box<QuicError>,
        offset: usize,
    },
}

impl From<Short> for QuicError {
    fn from(s: Short) -> Self {
        QuicError::Short {
            what: s.what,
            needed: s.needed,
            left: s.left,
        }
    }
}

impl QuicError {
    /// The line for `packet.errors`.
    pub fn report(&self) -> String {
        format!("QUIC: {self}")
    }
}
