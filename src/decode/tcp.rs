//! TCP header summary and options (RFC 9293 §3.1–3.2, RFC 7323 window
//! scale and timestamps, RFC 2018 SACK, RFC 7413 Fast Open).

use serde::Serialize;

pub use super::stream::Side;

/// Flag names in bit order, as Wireshark lists them ("[SYN, ACK]").
const FLAG_NAMES: [(u8, &str); 8] = [
    (0x01, "FIN"),
    (0x02, "SYN"),
    (0x04, "RST"),
    (0x08, "PSH"),
    (0x10, "ACK"),
    (0x20, "URG"),
    (0x40, "ECE"),
    (0x80, "CWR"),
];

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const ACK: u8 = 0x10;

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct TcpInfo {
    pub src_port: u16,
    pub dst_port: u16,
    pub flags: TcpFlags,
    /// The raw flag byte, for code that tests bits.
    #[serde(skip)]
    pub flag_bits: u8,
    pub seq: u32,
    pub ack: u32,
    /// Sequence number relative to the sender's ISN (0 on the SYN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel_seq: Option<u32>,
    /// Acknowledgement number relative to the peer's ISN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel_ack: Option<u32>,
    /// The window field as sent (not scaled).
    pub window: u16,
    /// Payload bytes on the wire (which may be more than were captured).
    pub payload_len: u32,
    pub options: TcpOptions,
    /// The capture's snap length cut the options: those listed are the
    /// ones captured whole.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub options_truncated: bool,
    /// Conversation index, 0-based, in order of first appearance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u64>,
    /// Which end sent this segment, as the flow layer decided it once per
    /// conversation: "client" (the side that sent the first SYN, or the
    /// first segment seen) or "server".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Side>,
    /// The segment's part in the connection's life (see [`TcpRole`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<TcpRole>,
    /// What Wireshark's TCP analysis would flag on this segment (see
    /// [`TcpAnalysis`]), in the order the flags are listed there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub analysis: Vec<TcpAnalysis>,
    /// For a duplicate ACK: the frame whose acknowledgement it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_ack_of: Option<u64>,
    /// For a duplicate ACK: how many times that acknowledgement has now
    /// been repeated (1 for the first duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_ack_number: Option<u32>,
    /// The sender's RFC 9293 state after this segment, as the wire shows
    /// it: "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    /// "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    /// "CLOSED". Never [`TcpState::Unknown`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_state_name"
    )]
    pub state: Option<TcpState>,
    /// Both ends' states after this segment, [client, server], for the
    /// conversation table.
    #[serde(skip)]
    pub sides: Option<[TcpState; 2]>,
}

/// A side's state in the RFC 9293 state machine (§3.3.2), as far as the
/// segments on the wire show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TcpState {
    /// Nothing seen from this side yet (the capture began mid-connection).
    Unknown,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
    Closed,
}

impl TcpState {
    /// The RFC's name with underscores, as `tcp.state` shows it; `None`
    /// while unknown.
    pub fn name(self) -> Option<&'static str> {
        use TcpState::*;
        Some(match self {
            Unknown => return None,
            Listen => "LISTEN",
            SynSent => "SYN_SENT",
            SynReceived => "SYN_RECEIVED",
            Established => "ESTABLISHED",
            FinWait1 => "FIN_WAIT_1",
            FinWait2 => "FIN_WAIT_2",
            CloseWait => "CLOSE_WAIT",
            Closing => "CLOSING",
            LastAck => "LAST_ACK",
            TimeWait => "TIME_WAIT",
            Closed => "CLOSED",
        })
    }

    /// The state, unless it is still unknown.
    pub fn known(self) -> Option<TcpState> {
        (self != TcpState::Unknown).then_some(self)
    }
}

/// `tcp.state` as the RFC's name with underscores ("FIN_WAIT_1"), which
/// the conversation table's serde names ("FIN_WAIT1") do not follow.
fn serialize_state_name<S: serde::Serializer>(
    state: &Option<TcpState>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match state.and_then(TcpState::name) {
        Some(name) => s.serialize_str(name),
        None => s.serialize_none(),
    }
}

/// Declares a label enum whose values serialise and display as the given
/// names, with the list of all values in declaration order.
macro_rules! labels {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$doc:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum $name {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name output carries.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

labels! {
    /// The part a segment plays in its connection's life: the three-way
    /// handshake (RFC 9293 §3.5), the close (§3.6), a reset (§3.10.7), or a
    /// repeat of one of them, as `tcp.role` names it.
    pub enum TcpRole {
        /// The opener's SYN.
        Syn = "handshake 1/3",
        /// The answer's SYN-ACK.
        SynAck = "handshake 2/3",
        /// The opener's ACK of the answer's ISN + 1.
        HandshakeAck = "handshake 3/3",
        /// A SYN with the ISN already seen.
        SynRetransmission = "syn retransmission",
        /// A SYN-ACK with the ISN already seen.
        SynAckRetransmission = "syn-ack retransmission",
        /// The first FIN of the conversation.
        FirstFin = "close (first FIN)",
        /// The other side's FIN.
        SecondFin = "close (second FIN)",
        /// The first closer's acknowledgement of the second FIN.
        LastAck = "close (last ACK)",
        /// A FIN from a side whose FIN was already seen.
        FinRetransmission = "fin retransmission",
        Reset = "reset",
    }
}

labels! {
    /// One flag of Wireshark's TCP analysis (Wireshark User's Guide, "TCP
    /// Analysis"), as `tcp.analysis` names it; [`TcpAnalysis::ALL`] is the
    /// order it lists them in.
    pub enum TcpAnalysis {
        Retransmission = "retransmission",
        FastRetransmission = "fast_retransmission",
        SpuriousRetransmission = "spurious_retransmission",
        OutOfOrder = "out_of_order",
        /// A segment before this one was not captured.
        LostSegment = "lost_segment",
        /// This segment acknowledges bytes not captured.
        AckLostSegment = "ack_lost_segment",
        DupAck = "dup_ack",
        ZeroWindow = "zero_window",
        ZeroWindowProbe = "zero_window_probe",
        ZeroWindowProbeAck = "zero_window_probe_ack",
        WindowUpdate = "window_update",
        WindowFull = "window_full",
        KeepAlive = "keep_alive",
        KeepAliveAck = "keep_alive_ack",
    }
}

impl TcpInfo {
    pub fn has(&self, bit: u8) -> bool {
        self.flag_bits & bit == bit
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Timestamps {
    pub tsval: u32,
    pub tsecr: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct TcpOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mss: Option<u16>,
    /// Window scale shift count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wscale: Option<u8>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sack_permitted: bool,
    /// SACK blocks as [left edge, right edge] (raw sequence numbers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sack: Vec<[u32; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<Timestamps>,
    /// TCP Fast Open: "request" for an empty cookie, else the cookie in hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfo: Option<String>,
    /// Kinds of other options, in wire order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<u8>,
}

/// Names the flags set in a flag byte.
pub fn flag_names(bits: u8) -> impl Iterator<Item = &'static str> {
    FLAG_NAMES
        .iter()
        .filter(move |(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
}

/// The flag byte, serialised as the list of names ("SYN", "ACK") and shown
/// as "SYN, ACK": kept as the byte, so no list is built per segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u8);

impl Serialize for TcpFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(flag_names(self.0))
    }
}

impl std::fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, name) in flag_names(self.0).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// Parses the options area of a TCP header. Malformed options stop the
/// walk; what was read so far is kept and the problem is returned.
pub fn parse_options(mut b: &[u8]) -> (TcpOptions, Option<String>) {
    let mut o = TcpOptions::default();
    let mut at = 0usize;
    while let Some(&kind) = b.first() {
        match kind {
            0 => break,
            1 => {
                b = &b[1..];
                at += 1;
                continue;
            }
            _ => {}
        }
        let Some(&len) = b.get(1) else {
            return (
                o,
                Some(format!("TCP option {kind} at byte {at} has no length")),
            );
        };
        let len = usize::from(len);
        if len < 2 {
            return (
                o,
                Some(format!("TCP option {kind} at byte {at} has length {len}")),
            );
        }
        if len > b.len() {
            return (
                o,
                Some(format!(
                    "TCP option {kind} at byte {at} claims {len} bytes, {} left",
                    b.len()
                )),
            );
        }
        let v = &b[2..len];
        match (kind, v.len()) {
            (2, 2) => o.mss = Some(u16::from_be_bytes([v[0], v[1]])),
            (3, 1) => o.wscale = Some(v[0]),
            (4, 0) => o.sack_permitted = true,
            (5, n) if n % 8 == 0 => {
                o.sack = v
                    .chunks_exact(8)
                    .map(|c| {
                        [
                            u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                            u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
                        ]
                    })
                    .collect()
            }
            (8, 8) => {
                o.timestamps = Some(Timestamps {
                    tsval: u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
                    tsecr: u32::from_be_bytes([v[4], v[5], v[6], v[7]]),
                })
            }
            (34, 0) => o.tfo = Some("request".into()),
            (34, _) => o.tfo = Some(v.iter().map(|x| format!("{x:02x}")).collect()),
            (2 | 3 | 4 | 5 | 8, n) => {
                return (
                    o,
                    Some(format!(
                        "TCP option {kind} at byte {at} has {n} value bytes"
                    )),
                )
            }
            _ => o.other.push(kind),
        }
        b = &b[len..];
        at += len;
    }
    (o, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_syn_options() {
        // Options of a Linux SYN: MSS 1460, SACK permitted, timestamps,
        // NOP, window scale 7.
        let b = [
            2, 4, 5, 0xb4, 4, 2, 8, 10, 0x9a, 0x2b, 0x3c, 0x4d, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        let (o, err) = parse_options(&b);
        assert_eq!(err, None);
        assert_eq!(o.mss, Some(1460));
        assert!(o.sack_permitted);
        assert_eq!(o.wscale, Some(7));
        assert_eq!(o.timestamps.unwrap().tsval, 0x9a2b3c4d);
    }

    #[test]
    fn lengths_zero_and_one_stop_the_walk() {
        for bad in [[2u8, 0, 0, 0], [2, 1, 0, 0]] {
            let (_, err) = parse_options(&bad);
            assert!(err.unwrap().contains("length"));
        }
        let (o, err) = parse_options(&[1, 1, 3, 3, 7, 5, 40]);
        assert_eq!(o.wscale, Some(7));
        assert!(err.unwrap().contains("claims 40"));
    }

    #[test]
    fn labels_serialise_as_their_names() {
        assert_eq!(json(&TcpRole::LastAck), r#""close (last ACK)""#);
        for r in TcpRole::ALL {
            assert_eq!(json(r), format!("\"{r}\""));
        }
        assert_eq!(json(&TcpAnalysis::DupAck), r#""dup_ack""#);
        for (i, &a) in TcpAnalysis::ALL.iter().enumerate() {
            assert_eq!(json(&a), format!("\"{a}\""));
            // The flow layer's bit set keys each flag by its place here.
            assert_eq!(a as usize, i);
        }
        assert_eq!(json(&Side::Server), r#""server""#);
        let t = TcpInfo {
            state: Some(TcpState::FinWait1),
            ..TcpInfo::default()
        };
        assert!(serde_json::to_string(&t)
            .unwrap()
            .contains(r#""state":"FIN_WAIT_1""#));
    }

    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn flags_in_wireshark_order() {
        assert_eq!(flag_names(0x12).collect::<Vec<_>>(), vec!["SYN", "ACK"]);
        assert_eq!(TcpFlags(0x19).to_string(), "FIN, PSH, ACK");
        assert_eq!(
            serde_json::to_string(&TcpFlags(0x12)).unwrap(),
            r#"["SYN","ACK"]"#
        );
    }
}
