//! Linux NFLOG (LINKTYPE_NFLOG, 239), as `tcpdump -i nflog:N` writes the
//! packets an `iptables -j NFLOG` rule logs: a 4-byte header (address
//! family, version, resource id, the group) then TLV attributes, their
//! length and type in the capturing host's byte order, each padded to 4
//! bytes (tcpdump.org's LINKTYPE_NFLOG page; `NFULA_*` of
//! `linux/netfilter/nfnetlink_log.h`). The prefix, uid and gid are kept;
//! the payload attribute is the logged IPv4 or IPv6 packet.

use serde::Serialize;

/// What the NFLOG attributes say about a logged packet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NflogInfo {
    /// AF_INET (2) or AF_INET6 (10).
    pub family: u8,
    /// The NFLOG group the rule logs to (`--nflog-group`).
    pub group: u16,
    /// The rule's `--nflog-prefix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The owner of the local socket, when the kernel knew it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// The netfilter hook (0 pre-routing, 1 input, 2 forward, 3 output,
    /// 4 post-routing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indev: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outdev: Option<u32>,
}

/// Why NFLOG bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NflogError {
    #[error("NFLOG header needs 4 bytes, frame has {0}")]
    Short(usize),
    #[error("NFLOG version {0} is not decoded")]
    Version(u8),
    #[error("NFLOG attribute at offset {0} is cut short")]
    Attribute(usize),
}

// The EtherTypes of IPv4 and IPv6 (the link module imports this one).
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

const PACKET_HDR: u16 = 1;
const IFINDEX_INDEV: u16 = 4;
const IFINDEX_OUTDEV: u16 = 5;
const PAYLOAD: u16 = 9;
const PREFIX: u16 = 10;
const UID: u16 = 11;
const GID: u16 = 14;

/// Reads an NFLOG frame: what the attributes say, the EtherType of the
/// logged packet (by the address family) and the packet itself.
pub fn parse(b: &[u8]) -> Result<(NflogInfo, Option<u16>, &[u8]), NflogError> {
    if b.len() < 4 {
        return Err(NflogError::Short(b.len()));
    }
    if b[1] != 0 {
        return Err(NflogError::Version(b[1]));
    }
    let mut info = NflogInfo {
        family: b[0],
        group: u16::from_be_bytes([b[2], b[3]]),
        ..NflogInfo::default()
    };
    let ether_type = match b[0] {
        2 => Some(ETHERTYPE_IPV4),
        10 => Some(ETHERTYPE_IPV6),
        _ => None,
    };
    // Little-endian hosts write most captures; a length that does not fit
    // either way ends the attributes.
    let big = guess_big_endian(&b[4..]);
    let mut payload: &[u8] = &[];
    let mut at = 4;
    while at + 4 <= b.len() {
        let raw_len = [b[at], b[at + 1]];
        let raw_type = [b[at + 2], b[at + 3]];
        let (len, kind) = if big {
            (u16::from_be_bytes(raw_len), u16::from_be_bytes(raw_type))
        } else {
            (u16::from_le_bytes(raw_len), u16::from_le_bytes(raw_type))
        };
        let len = usize::from(len);
        if len < 4 || at + len > b.len() {
            return Err(NflogError::Attribute(at));
        }
        let value = &b[at + 4..at + len];
        // The high bits of the type are netlink flags (NLA_F_*).
        match kind & 0x3fff {
            PACKET_HDR => info.hook = value.get(2).copied(),
            IFINDEX_INDEV => info.indev = be32(value),
            IFINDEX_OUTDEV => info.outdev = be32(value),
            PAYLOAD => payload = value,
            PREFIX => {
                let text = value.split(|&c| c == 0).next().unwrap_or_default();
                info.prefix = Some(String::from_utf8_lossy(text).into_owned());
            }
            UID => info.uid = be32(value),
            GID => info.gid = be32(value),
            _ => {}
        }
        at += len.div_ceil(4) * 4;
    }
    Ok((info, ether_type, payload))
}

fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn guess_big_endian(tlvs: &[u8]) -> bool {
    let Some(first) = tlvs.get(..2) else {
        return false;
    };
    let le = usize::from(u16::from_le_bytes([first[0], first[1]]));
    let be = usize::from(u16::from_be_bytes([first[0], first[1]]));
    !(4..=tlvs.len()).contains(&le) && (4..=tlvs.len()).contains(&be)
}

/// Unit tests on a frame built from `nfnetlink_log.h`'s layout.
#[cfg(test)]
mod tests {
    use super::*;

    fn frame(prefix: &str, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![2, 0, 0, 5];
        let mut tlv = |kind: u16, value: &[u8]| {
            let len = 4 + value.len() as u16;
            b.extend(len.to_le_bytes());
            b.extend(kind.to_le_bytes());
            b.extend(value);
            while b.len() % 4 != 0 {
                b.push(0);
            }
        };
        tlv(PACKET_HDR, &[0x08, 0x00, 3, 0]);
        let mut p = prefix.as_bytes().to_vec();
        p.push(0);
        tlv(PREFIX, &p);
        tlv(UID, &1000u32.to_be_bytes());
        tlv(GID, &1001u32.to_be_bytes());
        tlv(PAYLOAD, payload);
        b
    }

    #[test]
    fn attributes_are_read() {
        let b = frame("nx ", &[0x45, 0, 0, 20]);
        let (info, t, payload) = parse(&b).unwrap();
        assert_eq!(t, Some(ETHERTYPE_IPV4));
        assert_eq!(info.group, 5);
        assert_eq!(info.prefix.as_deref(), Some("nx "));
        assert_eq!(
            (info.uid, info.gid, info.hook),
            (Some(1000), Some(1001), Some(3))
        );
        assert_eq!(payload, &[0x45, 0, 0, 20]);
        assert_eq!(parse(&b[..3]), Err(NflogError::Short(3)));
        assert_eq!(parse(&b[..10]), Err(NflogError::Attribute(4)));
    }
}
