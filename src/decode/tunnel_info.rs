//! What each tunnel header says, as the [`super::Encap`] layers and the
//! packet fields that hold it: the identifiers (VNI, GRE key, ERSPAN
//! session, TEID, labels, PPPoE session id). Their decoders are in
//! [`super::tunnel`]; the types live apart so that [`super::packet`] can
//! hold them without importing the decoders.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VxlanInfo {
    /// The VXLAN network identifier.
    pub vni: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneveInfo {
    pub vni: u32,
    /// The EtherType of the payload (0x6558: Ethernet).
    pub protocol: u16,
    /// Bytes of options skipped.
    #[serde(skip_serializing_if = "is_zero")]
    pub options_len: usize,
    /// The O bit: a control packet.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub oam: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GreInfo {
    /// 0 (RFC 2784) or 1 (PPTP).
    pub version: u8,
    /// The EtherType of the payload.
    pub protocol: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// Version 1's acknowledgment number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErspanInfo {
    /// ERSPAN type: 1, 2 or 3.
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u16>,
    /// The mirrored frame's VLAN, as the header records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GtpInfo {
    /// The tunnel endpoint identifier.
    pub teid: u32,
    /// 255 for a G-PDU; 1/2 echo request/response, 26 error indication,
    /// 254 end marker.
    pub message_type: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u16>,
    /// The extension header types in wire order (0x85: PDU session
    /// container, 0xc0: PDCP PDU number, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<u8>,
}

/// One label stack entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MplsLabel {
    pub label: u32,
    /// Traffic class (RFC 5462).
    pub tc: u8,
    pub ttl: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MplsInfo {
    /// The stack, top first.
    pub labels: Vec<MplsLabel>,
    /// A pseudowire control word came after the stack.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub control_word: bool,
}

/// A PPPoE session packet's identifiers, as a layer outside the packet it
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppoeSession {
    pub session_id: u16,
    /// The PPP protocol of the payload.
    pub ppp_protocol: u16,
}

/// A PPPoE packet that carries no IP packet: a discovery stage packet
/// (PADI, PADO, PADR, PADS, PADT) or a session packet of a PPP control
/// protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppoeInfo {
    pub code: u8,
    /// "PADI", "PADO", "PADR", "PADS", "PADT", "session" or "".
    pub name: &'static str,
    pub session_id: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ac_name: Option<String>,
}
