//! The frames of a decrypted packet payload (RFC 9000 §19; RFC 9221 §4 for
//! DATAGRAM). §12.4 says which frame types each packet type may carry: an
//! Initial or Handshake packet only PADDING, PING, ACK, CRYPTO and
//! CONNECTION_CLOSE (0x1c).

use super::error::QuicError;
use super::{QuicPacket, StreamData, MAX_FRAMES_LISTED};
use crate::decode::cursor::{hex, Cursor};
use serde::Serialize;

/// A frame of a decrypted packet (RFC 9000 §19).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuicFrame {
    /// §19.1: a run of PADDING bytes.
    Padding { length: usize },
    /// §19.2.
    Ping,
    /// §19.3: type 0x02, or 0x03 with ECN counts.
    Ack {
        largest: u64,
        /// Encoded ACK Delay (scaled by the peer's ack_delay_exponent).
        delay: u64,
        first_range: u64,
        /// Further ACK ranges after the first.
        ranges: u64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        ecn: bool,
    },
    /// §19.6.
    Crypto { offset: u64, length: u64 },
    /// §19.4.
    ResetStream {
        stream_id: u64,
        error_code: u64,
        final_size: u64,
    },
    /// §19.5.
    StopSending { stream_id: u64, error_code: u64 },
    /// §19.7: the token's length only.
    NewToken { length: u64 },
    /// §19.8: types 0x08–0x0f.
    Stream {
        stream_id: u64,
        offset: u64,
        length: u64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        fin: bool,
    },
    /// §19.9.
    MaxData { maximum: u64 },
    /// §19.10.
    MaxStreamData { stream_id: u64, maximum: u64 },
    /// §19.11: 0x12 bidirectional, 0x13 unidirectional.
    MaxStreams { bidirectional: bool, maximum: u64 },
    /// §19.12.
    DataBlocked { limit: u64 },
    /// §19.13.
    StreamDataBlocked { stream_id: u64, limit: u64 },
    /// §19.14.
    StreamsBlocked { bidirectional: bool, limit: u64 },
    /// §19.15: the connection ID (public: it travels in short headers);
    /// the stateless reset token is not listed.
    NewConnectionId {
        sequence: u64,
        retire_prior_to: u64,
        connection_id: String,
    },
    /// §19.16.
    RetireConnectionId { sequence: u64 },
    /// §19.17.
    PathChallenge,
    /// §19.18.
    PathResponse,
    /// §19.20.
    HandshakeDone,
    /// RFC 9221 §4: 0x30 (to the end of the packet) or 0x31 (with a length).
    Datagram { length: u64 },
    /// §19.19: 0x1c (transport) or 0x1d (application).
    ConnectionClose {
        error_code: u64,
        /// Transport error name (RFC 9000 §20.1), when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The frame type that caused a transport error.
        #[serde(skip_serializing_if = "Option::is_none")]
        frame_type: Option<u64>,
        application: bool,
        reason: String,
    },
}

/// RFC 9000 §20.1.
fn transport_error_name(code: u64) -> Option<String> {
    let name = match code {
        0x00 => "NO_ERROR",
        0x01 => "INTERNAL_ERROR",
        0x02 => "CONNECTION_REFUSED",
        0x03 => "FLOW_CONTROL_ERROR",
        0x04 => "STREAM_LIMIT_ERROR",
        0x05 => "STREAM_STATE_ERROR",
        0x06 => "FINAL_SIZE_ERROR",
        0x07 => "FRAME_ENCODING_ERROR",
        0x08 => "TRANSPORT_PARAMETER_ERROR",
        0x09 => "CONNECTION_ID_LIMIT_ERROR",
        0x0a => "PROTOCOL_VIOLATION",
        0x0b => "INVALID_TOKEN",
        0x0c => "APPLICATION_ERROR",
        0x0d => "CRYPTO_BUFFER_EXCEEDED",
        0x0e => "KEY_UPDATE_ERROR",
        0x0f => "AEAD_LIMIT_REACHED",
        0x10 => "NO_VIABLE_PATH",
        // §20.1: CRYPTO_ERROR carries a TLS alert in its low byte.
        0x0100..=0x01ff => return Some(format!("CRYPTO_ERROR (TLS alert {})", code & 0xff)),
        _ => return None,
    };
    Some(name.into())
}

/// Lists a frame, or counts it beyond [`MAX_FRAMES_LISTED`].
fn push(p: &mut QuicPacket, f: QuicFrame) {
    if p.frames.len() < MAX_FRAMES_LISTED {
        p.frames.push(f);
    } else {
        p.frames_not_listed += 1;
    }
}

/// The packet number space of a packet, which decides the frames it may
/// carry (RFC 9000 §12.3, §12.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Initial,
    Handshake,
    ZeroRtt,
    OneRtt,
}

impl Space {
    pub fn name(self) -> &'static str {
        match self {
            Space::Initial => "Initial",
            Space::Handshake => "Handshake",
            Space::ZeroRtt => "0-RTT",
            Space::OneRtt => "1-RTT",
        }
    }
}

/// A length field as a slice length.
fn len(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Reads the frames of a decrypted Initial payload (see [`frames_in`]).
pub fn frames(plain: &[u8], p: &mut QuicPacket) -> Result<(), QuicError> {
    frames_in(plain, p, Space::Initial)
}

/// Reads the frames of a decrypted payload into the packet: its frame
/// list, the CRYPTO data and the STREAM data for the flow layer.
pub fn frames_in(plain: &[u8], p: &mut QuicPacket, space: Space) -> Result<(), QuicError> {
    let mut r = Cursor::new(plain);
    if plain.is_empty() {
        // §12.4: a packet carries at least one frame.
        return Err(QuicError::NoFrames);
    }
    while r.left() > 0 {
        let at = r.pos();
        let kind = r.varint("frame type")?;
        match kind {
            0x00 => {
                let run = r.rest().iter().take_while(|&&b| b == 0).count();
                r.take(run, "PADDING")?;
                let n = run + 1;
                match p.frames.last_mut() {
                    Some(QuicFrame::Padding { length }) => *length += n,
                    _ => push(p, QuicFrame::Padding { length: n }),
                }
            }
            0x01 => push(p, QuicFrame::Ping),
            0x02 | 0x03 => {
                let largest = r.varint("ACK largest")?;
                let delay = r.varint("ACK delay")?;
                let ranges = r.varint("ACK range count")?;
                let first_range = r.varint("ACK first range")?;
                // Each range is two varints of at least one byte: a count
                // beyond that is malformed, not a loop to run.
                if ranges > (r.left() / 2) as u64 {
                    return Err(QuicError::AckRanges {
                        ranges,
                        left: r.left(),
                    });
                }
                for _ in 0..ranges {
                    r.varint("ACK gap")?;
                    r.varint("ACK range")?;
                }
                if kind == 0x03 {
                    for what in ["ECT0 count", "ECT1 count", "ECN-CE count"] {
                        r.varint(what)?;
                    }
                }
                push(
                    p,
                    QuicFrame::Ack {
                        largest,
                        delay,
                        first_range,
                        ranges,
                        ecn: kind == 0x03,
                    },
                );
            }
            0x06 => {
                let offset = r.varint("CRYPTO offset")?;
                let length = r.varint("CRYPTO length")?;
                let data = r.take(usize::try_from(length).unwrap_or(usize::MAX), "CRYPTO data")?;
                p.crypto.push((offset, data.to_vec()));
                push(p, QuicFrame::Crypto { offset, length });
            }
            0x1c | 0x1d => {
                let error_code = r.varint("CONNECTION_CLOSE error code")?;
                let frame_type = if kind == 0x1c {
                    Some(r.varint("CONNECTION_CLOSE frame type")?)
                } else {
                    None
                };
                let len = r.varint("CONNECTION_CLOSE reason length")?;
                let reason = r.take(
                    usize::try_from(len).unwrap_or(usize::MAX),
                    "CONNECTION_CLOSE reason",
                )?;
                push(
                    p,
                    QuicFrame::ConnectionClose {
                        error_code,
                        error: if kind == 0x1c {
                            transport_error_name(error_code)
                        } else {
                            None
                        },
                        frame_type,
                        application: kind == 0x1d,
                        reason: String::from_utf8_lossy(reason).into_owned(),
                    },
                );
            }
            _ if matches!(space, Space::Initial | Space::Handshake) => {
                return Err(if space == Space::Initial {
                    QuicError::FrameNotInInitial { kind, at }
                } else {
                    QuicError::FrameNotInSpace {
                        kind,
                        at,
                        space: space.name(),
                    }
                })
            }
            0x04 => {
                let stream_id = r.varint("RESET_STREAM stream")?;
                let error_code = r.varint("RESET_STREAM error code")?;
                let final_size = r.varint("RESET_STREAM final size")?;
                push(
                    p,
                    QuicFrame::ResetStream {
                        stream_id,
                        error_code,
                        final_size,
                    },
                );
            }
            0x05 => {
                let stream_id = r.varint("STOP_SENDING stream")?;
                let error_code = r.varint("STOP_SENDING error code")?;
                push(
                    p,
                    QuicFrame::StopSending {
                        stream_id,
                        error_code,
                    },
                );
            }
            0x07 => {
                let length = r.varint("NEW_TOKEN length")?;
                r.take(len(length), "NEW_TOKEN token")?;
                push(p, QuicFrame::NewToken { length });
            }
            0x08..=0x0f => {
                let stream_id = r.varint("STREAM stream")?;
                let offset = if kind & 0x04 != 0 {
                    r.varint("STREAM offset")?
                } else {
                    0
                };
                let length = if kind & 0x02 != 0 {
                    r.varint("STREAM length")?
                } else {
                    r.left() as u64
                };
                let data = r.take(len(length), "STREAM data")?;
                let fin = kind & 0x01 != 0;
                p.stream_data.push(StreamData {
                    stream_id,
                    offset,
                    data: data.to_vec(),
                    fin,
                });
                push(
                    p,
                    QuicFrame::Stream {
                        stream_id,
                        offset,
                        length,
                        fin,
                    },
                );
            }
            0x10 => {
                let maximum = r.varint("MAX_DATA")?;
                push(p, QuicFrame::MaxData { maximum });
            }
            0x11 => {
                let stream_id = r.varint("MAX_STREAM_DATA stream")?;
                let maximum = r.varint("MAX_STREAM_DATA")?;
                push(p, QuicFrame::MaxStreamData { stream_id, maximum });
            }
            0x12 | 0x13 => {
                let maximum = r.varint("MAX_STREAMS")?;
                push(
                    p,
                    QuicFrame::MaxStreams {
                        bidirectional: kind == 0x12,
                        maximum,
                    },
                );
            }
            0x14 => {
                let limit = r.varint("DATA_BLOCKED")?;
                push(p, QuicFrame::DataBlocked { limit });
            }
            0x15 => {
                let stream_id = r.varint("STREAM_DATA_BLOCKED stream")?;
                let limit = r.varint("STREAM_DATA_BLOCKED")?;
                push(p, QuicFrame::StreamDataBlocked { stream_id, limit });
            }
            0x16 | 0x17 => {
                let limit = r.varint("STREAMS_BLOCKED")?;
                push(
                    p,
                    QuicFrame::StreamsBlocked {
                        bidirectional: kind == 0x16,
                        limit,
                    },
                );
            }
            0x18 => {
                let sequence = r.varint("NEW_CONNECTION_ID sequence")?;
                let retire_prior_to = r.varint("NEW_CONNECTION_ID retire prior to")?;
                let n = r.take(1, "NEW_CONNECTION_ID length")?[0];
                let cid = r.take(usize::from(n), "NEW_CONNECTION_ID connection ID")?;
                r.take(16, "NEW_CONNECTION_ID stateless reset token")?;
                p.new_cids.push(cid.to_vec());
                push(
                    p,
                    QuicFrame::NewConnectionId {
                        sequence,
                        retire_prior_to,
                        connection_id: hex(cid),
                    },
                );
            }
            0x19 => {
                let sequence = r.varint("RETIRE_CONNECTION_ID sequence")?;
                push(p, QuicFrame::RetireConnectionId { sequence });
            }
            0x1a | 0x1b => {
                r.take(8, "PATH_CHALLENGE data")?;
                push(
                    p,
                    if kind == 0x1a {
                        QuicFrame::PathChallenge
                    } else {
                        QuicFrame::PathResponse
                    },
                );
            }
            0x1e => push(p, QuicFrame::HandshakeDone),
            0x30 | 0x31 => {
                let length = if kind == 0x31 {
                    r.varint("DATAGRAM length")?
                } else {
                    r.left() as u64
                };
                r.take(len(length), "DATAGRAM data")?;
                push(p, QuicFrame::Datagram { length });
            }
            other => return Err(QuicError::UnknownFrame { kind: other, at }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_that_overrun_the_payload_are_errors() {
        for f in [
            &[0x06, 0x00, 0x44, 0x00][..],
            &[0x02, 0x00, 0x00, 0x3f, 0x00],
            &[0x1c, 0x0a, 0x06, 0x50],
            &[0x08, 0x00],
            &[],
        ] {
            assert!(frames(f, &mut QuicPacket::default()).is_err(), "{f:?}");
        }
    }

    #[test]
    fn padding_runs_are_one_frame() {
        let mut p = QuicPacket::default();
        frames(&[0, 0, 0, 1, 0, 0], &mut p).unwrap();
        assert_eq!(
            p.frames,
            [
                QuicFrame::Padding { length: 3 },
                QuicFrame::Ping,
                QuicFrame::Padding { length: 2 }
            ]
        );
    }
}
