//! LINKTYPE_* values (tcpdump.org link-layer header types) that the
//! decoders understand, and names for the summary. A new link type is a
//! constant here, a line in [`name`] and [`is_supported`], and its decoder
//! in `decode::link::LINK_TYPES`.

pub const NULL: u32 = 0;
pub const ETHERNET: u32 = 1;
pub const RAW: u32 = 101;
pub const LOOP: u32 = 108;
pub const LINUX_SLL: u32 = 113;
pub const IPV4: u32 = 228;
pub const IPV6: u32 = 229;
pub const LINUX_SLL2: u32 = 276;
/// Some systems wrote DLT_RAW with its BSD value.
pub const RAW_BSD_12: u32 = 12;
pub const RAW_BSD_14: u32 = 14;
pub const PPP: u32 = 9;
pub const PPP_HDLC: u32 = 50;
pub const NFLOG: u32 = 239;

/// Human name of a link type, as tcpdump spells it.
pub fn name(linktype: u32) -> String {
    match linktype {
        NULL => "NULL (BSD loopback)".into(),
        ETHERNET => "EN10MB (Ethernet)".into(),
        RAW | RAW_BSD_12 | RAW_BSD_14 => "RAW (raw IP)".into(),
        LOOP => "LOOP (OpenBSD loopback)".into(),
        LINUX_SLL => "LINUX_SLL (Linux cooked v1)".into(),
        IPV4 => "IPV4 (raw IPv4)".into(),
        IPV6 => "IPV6 (raw IPv6)".into(),
        LINUX_SLL2 => "LINUX_SLL2 (Linux cooked v2)".into(),
        PPP => "PPP".into(),
        PPP_HDLC => "PPP_HDLC (PPP in HDLC-like framing)".into(),
        NFLOG => "NFLOG (Linux netfilter log)".into(),
        other => format!("LINKTYPE {other}"),
    }
}

/// Whether the decoders understand this link type.
pub fn is_supported(linktype: u32) -> bool {
    matches!(
        linktype,
        NULL | ETHERNET
            | RAW
            | RAW_BSD_12
            | RAW_BSD_14
            | LOOP
            | LINUX_SLL
            | IPV4
            | IPV6
            | LINUX_SLL2
            | PPP
            | PPP_HDLC
            | NFLOG
    )
}
