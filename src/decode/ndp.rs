//! IPv6 neighbour discovery (RFC 4861): router and neighbour solicitations
//! and advertisements, the IPv6 counterpart of ARP.

use super::Mac;
use serde::Serialize;
use std::fmt;
use std::net::Ipv6Addr;

/// The neighbour discovery message (RFC 4861 §4.1–4.4), serialised as
/// its name: "router_solicitation", …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NdpKind {
    /// ICMPv6 type 133.
    #[default]
    RouterSolicitation,
    /// 134.
    RouterAdvertisement,
    /// 135.
    NeighborSolicitation,
    /// 136.
    NeighborAdvertisement,
}

impl NdpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NdpKind::RouterSolicitation => "router_solicitation",
            NdpKind::RouterAdvertisement => "router_advertisement",
            NdpKind::NeighborSolicitation => "neighbor_solicitation",
            NdpKind::NeighborAdvertisement => "neighbor_advertisement",
        }
    }
}

impl fmt::Display for NdpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct NdpInfo {
    /// "router_solicitation", "router_advertisement",
    /// "neighbor_solicitation", "neighbor_advertisement".
    #[serde(rename = "type")]
    pub kind: NdpKind,
    /// The address asked about (NS) or announced (NA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Ipv6Addr>,
    /// Source (RS, RA, NS) or target (NA) link-layer address option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lladdr: Option<Mac>,
    /// NA: "router", "solicited", "override"; RA: "managed", "other".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<&'static str>,
    /// RA: seconds this router may be used as a default router.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_lifetime: Option<u16>,
    /// RA prefix information options, as "2001:db8::/64".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// RA recursive DNS server option (RFC 8106).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<Ipv6Addr>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum NdpError {
    #[error("{what} needs {need} bytes, got {have}")]
    Short {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("neighbour discovery option at byte {offset} has length 0")]
    ZeroLengthOption { offset: usize },
}

/// Decodes an ICMPv6 message of type 133–136; `msg` starts at the ICMPv6
/// type byte. Returns `None` for other types.
pub fn parse(msg: &[u8]) -> Option<Result<NdpInfo, NdpError>> {
    let (kind, fixed) = match msg.first()? {
        133 => (NdpKind::RouterSolicitation, 8),
        134 => (NdpKind::RouterAdvertisement, 16),
        135 => (NdpKind::NeighborSolicitation, 24),
        136 => (NdpKind::NeighborAdvertisement, 24),
        _ => return None,
    };
    Some(parse_body(kind, fixed, msg))
}

fn parse_body(kind: NdpKind, fixed: usize, msg: &[u8]) -> Result<NdpInfo, NdpError> {
    if msg.len() < fixed {
        return Err(NdpError::Short {
            what: kind.as_str(),
            need: fixed,
            have: msg.len(),
        });
    }
    let mut info = NdpInfo {
        kind,
        ..NdpInfo::default()
    };
    match msg[0] {
        134 => {
            // §4.2: hop limit, M|O flags, router lifetime, reachable, retrans.
            if msg[5] & 0x80 != 0 {
                info.flags.push("managed");
            }
            if msg[5] & 0x40 != 0 {
                info.flags.push("other");
            }
            info.router_lifetime = Some(u16::from_be_bytes([msg[6], msg[7]]));
        }
        135 | 136 => {
            if msg[0] == 136 {
                // §4.4: R, S, O flags.
                for (bit, name) in [(0x80, "router"), (0x40, "solicited"), (0x20, "override")] {
                    if msg[4] & bit != 0 {
                        info.flags.push(name);
                    }
                }
            }
            let t: [u8; 16] = msg[8..24].try_into().unwrap_or_default();
            info.target = Some(Ipv6Addr::from(t));
        }
        _ => {}
    }
    parse_options(&msg[fixed..], fixed, &mut info)?;
    Ok(info)
}

/// §4.6: options are type, length in units of 8 bytes, value.
fn parse_options(mut opts: &[u8], mut offset: usize, info: &mut NdpInfo) -> Result<(), NdpError> {
    while opts.len() >= 2 {
        let len = usize::from(opts[1]) * 8;
        if len == 0 {
            return Err(NdpError::ZeroLengthOption { offset });
        }
        if opts.len() < len {
            return Err(NdpError::Short {
                what: "neighbour discovery option",
                need: len,
                have: opts.len(),
            });
        }
        let body = &opts[..len];
        match body[0] {
            1 | 2 => info.lladdr = Mac::from_slice(&body[2..]),
            3 if len >= 32 => {
                let p: [u8; 16] = body[16..32].try_into().unwrap_or_default();
                info.prefixes
                    .push(format!("{}/{}", Ipv6Addr::from(p), body[2]));
            }
            5 if len >= 8 => {
                info.mtu = Some(u32::from_be_bytes([body[4], body[5], body[6], body[7]]));
            }
            25 => {
                for chunk in body.get(8..).unwrap_or_default().chunks_exact(16) {
                    let a: [u8; 16] = chunk.try_into().unwrap_or_default();
                    info.dns_servers.push(Ipv6Addr::from(a));
                }
            }
            _ => {}
        }
        opts = &opts[len..];
        offset += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_length_option_is_an_error_not_a_loop() {
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        ns.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            parse(&ns),
            Some(Err(NdpError::ZeroLengthOption { offset: 24 }))
        );
        assert!(parse(&[128, 0]).is_none());
        assert!(matches!(
            parse(&[136, 0, 0]),
            Some(Err(NdpError::Short { .. }))
        ));
    }
}
