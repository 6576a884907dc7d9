//! The one-line terminal summary of a datagram's QUIC packets.

use super::{HeaderForm, LongType, QuicFrame, QuicPacket};
use std::fmt::Write as _;

/// A one-line summary of a datagram's packets for the terminal: types,
/// versions, connection IDs (hex), packet numbers and frame kinds. No
/// packet-derived text other than hex and numbers.
pub fn summary(packets: &[&QuicPacket]) -> String {
    let parts: Vec<String> = packets.iter().map(|p| packet(p)).collect();
    parts.join(" + ")
}

fn packet(p: &QuicPacket) -> String {
    let mut s = p.kind().label().to_string();
    if let (Some(v), HeaderForm::Long) = (&p.version, p.header) {
        if p.long_type != Some(LongType::VersionNegotiation) {
            let _ = write!(s, " v{v}");
        }
    }
    if let Some(d) = &p.dcid {
        let _ = write!(s, " DCID={}", if d.is_empty() { "-" } else { d });
    }
    if let Some(c) = p.scid.as_ref().filter(|c| !c.is_empty()) {
        let _ = write!(s, " SCID={c}");
    }
    if let Some(pn) = p.packet_number {
        let _ = write!(s, " PKN={pn}");
    }
    if !p.supported_versions.is_empty() {
        let _ = write!(s, " versions {}", p.supported_versions.join(","));
    }
    let mut kinds: Vec<String> = Vec::new();
    for f in &p.frames {
        let k = match f {
            QuicFrame::Padding { .. } => "PADDING".to_string(),
            QuicFrame::Ping => "PING".into(),
            QuicFrame::Ack { largest, .. } => format!("ACK {largest}"),
            QuicFrame::Crypto { offset, length } => format!("CRYPTO {offset}+{length}"),
            QuicFrame::ConnectionClose {
                error_code, error, ..
            } => format!(
                "CONNECTION_CLOSE {}",
                error.clone().unwrap_or_else(|| format!("0x{error_code:x}"))
            ),
            QuicFrame::Stream {
                stream_id,
                offset,
                length,
                fin,
            } => format!(
                "STREAM {stream_id} {offset}+{length}{}",
                if *fin { " FIN" } else { "" }
            ),
            QuicFrame::ResetStream { stream_id, .. } => format!("RESET_STREAM {stream_id}"),
            QuicFrame::StopSending { stream_id, .. } => format!("STOP_SENDING {stream_id}"),
            QuicFrame::NewToken { .. } => "NEW_TOKEN".into(),
            QuicFrame::MaxData { .. } => "MAX_DATA".into(),
            QuicFrame::MaxStreamData { .. } => "MAX_STREAM_DATA".into(),
            QuicFrame::MaxStreams { .. } => "MAX_STREAMS".into(),
            QuicFrame::DataBlocked { .. } => "DATA_BLOCKED".into(),
            QuicFrame::StreamDataBlocked { .. } => "STREAM_DATA_BLOCKED".into(),
            QuicFrame::StreamsBlocked { .. } => "STREAMS_BLOCKED".into(),
            QuicFrame::NewConnectionId { sequence, .. } => format!("NEW_CONNECTION_ID {sequence}"),
            QuicFrame::RetireConnectionId { sequence } => {
                format!("RETIRE_CONNECTION_ID {sequence}")
            }
            QuicFrame::PathChallenge => "PATH_CHALLENGE".into(),
            QuicFrame::PathResponse => "PATH_RESPONSE".into(),
            QuicFrame::HandshakeDone => "HANDSHAKE_DONE".into(),
            QuicFrame::Datagram { length } => format!("DATAGRAM {length}"),
        };
        if kinds.last() != Some(&k) || k.starts_with("CRYPTO") {
            kinds.push(k);
        }
    }
    if !kinds.is_empty() {
        let _ = write!(s, " [{}]", kinds.join(", "));
    }
    s
}
