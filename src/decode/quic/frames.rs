//! The frames of a decrypted Initial payload (RFC 9000 §19; §17.2.2 lists
//! the frame types an Initial may carry): PADDING, PING, ACK, CRYPTO and
//! CONNECTION_CLOSE.

use super::error::QuicError;
use super::{QuicPacket, MAX_FRAMES_LISTED};
use crate::decode::cursor::Cursor;
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

/// Reads the frames of a decrypted Initial payload into the packet: its
/// frame list, and the CRYPTO data for the flow layer's reassembly.
pub fn frames(plain: &[u8], p: &mut QuicPacket) -> Result<(), QuicError> {
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
            other => return Err(QuicError::FrameNotInInitial { kind: other, at }),
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
