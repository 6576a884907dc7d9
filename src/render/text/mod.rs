//! The per-packet terminal view: one line per frame with what it means in
//! the page-load story, `-v` for every decoded field, and the closing
//! summary.
//!
//! `packet_line` writes the line of a frame, `meaning` the summary and
//! the meaning of each protocol on it, `verbose` the `-v` fields,
//! `summary` the closing summary, `conversations` the conversation table.

mod conversations;
mod meaning;
mod packet_line;
mod summary;
mod tunnel;
mod verbose;

pub use conversations::{conversations, conversations_narrow, conversations_not_listed};
pub use packet_line::{
    digits, frame_width, packet_line, packet_line_styled, LineStyle, MIN_FRAME_WIDTH,
};
pub use summary::{summary, summary_in};
pub use verbose::packet_verbose;

use super::escape;
use crate::decode::arp::{ArpKind, ArpOp};
use crate::decode::dhcp::DhcpMessageType;
use crate::decode::dns::{DnsMessage, DnsProtocol, DnsRecord, Flag, RType, Rcode};
use crate::decode::ndp::NdpKind;
use crate::decode::quic::{HeaderForm, LongType};
use crate::decode::tcp::{Side, TcpAnalysis, TcpRole};
use crate::decode::tls::{self, ContentType, HandshakeKind, TlsHandshake, TlsVersion};
use crate::decode::{dhcp::DhcpMessage, http::HttpMessage, websocket::WsFrame, Packet};
use crate::notes::Lang;
use crate::pipeline::{Stopped, Summary};
use colored::Colorize;
use std::fmt::Write as _;

/// How the time column of a packet line is written, as tcpdump's `-t`
/// options choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the first frame (the default).
    Relative,
    /// No time column (`-t`).
    None,
    /// Seconds since the epoch (`-tt`).
    Epoch,
    /// Seconds since the previous frame shown (`-ttt`); `t0` is that frame's time.
    Delta,
    /// Date and time of day, UTC (`-tttt`).
    Date,
}

/// "2024-05-01 12:34:56.123456" (UTC) for epoch seconds.
pub fn utc_date(ts: f64) -> String {
    let secs = ts.floor() as i64;
    let micros = ((ts - ts.floor()) * 1e6).round().min(999_999.0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
