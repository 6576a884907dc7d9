//! DHCP for IPv4 (RFC 2131) and its options (RFC 2132): how a client got
//! its address, its gateway and its resolver — what happens before the
//! first DNS query of a page load.

use super::cursor::hex;
use super::Mac;
use serde::Serialize;
use std::fmt;
use std::net::Ipv4Addr;
use thiserror::Error;

/// UDP ports of the server and the client (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// RFC 2131 §3: the options field starts with this cookie.
const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// op, htype, hlen, hops, xid, secs, flags, four addresses, chaddr, sname,
/// file (RFC 2131 §2, figure 1).
const FIXED_LEN: usize = 236;

#[derive(Debug, Error, PartialEq)]
pub enum DhcpError {
    #[error("DHCP: message of {0} bytes is shorter than the 240-byte fixed part and cookie")]
    Short(usize),
    #[error("DHCP: no magic cookie at offset 236 (BOOTP without options?)")]
    NoCookie,
    #[error("DHCP: option {code} at offset {offset} runs past the end of the message")]
    OptionOverrun { code: u8, offset: usize },
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DhcpMessage {
    /// "request" (client to server, BOOTREQUEST) or "reply".
    pub op: &'static str,
    /// Transaction id, as hex.
    pub xid: String,
    /// Option 53: "discover", "offer", "request", "decline", "ack", "nak",
    /// "release", "inform"; absent for plain BOOTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<DhcpMessageType>,
    pub client_mac: Mac,
    /// ciaddr: the client's current address, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<Ipv4Addr>,
    /// yiaddr: the address offered or assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub your_ip: Option<Ipv4Addr>,
    /// siaddr: next server (boot server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_server: Option<Ipv4Addr>,
    /// giaddr: the relay agent the message went through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<Ipv4Addr>,
    /// The client asked for broadcast replies (flags bit 15).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub broadcast: bool,
    /// Option 50.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 54: which server the client chose, or which answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Ipv4Addr>,
    /// Option 51, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_time: Option<u32>,
    /// Options 58 and 59, seconds: when the client renews with its server
    /// (T1) and when it rebinds with any server (T2), RFC 2131 §4.4.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewal_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebinding_time: Option<u32>,
    /// Option 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_mask: Option<Ipv4Addr>,
    /// Option 3, in order of preference.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub router: Vec<Ipv4Addr>,
    /// Option 6.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 15.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// Option 12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Option 55: option codes the client asks for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameter_request_list: Vec<u8>,
    /// Option 56: why a server refused (NAK) or a client declined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Option codes in wire order.
    pub options: Vec<u8>,
}

/// Option 53, the DHCP message type (RFC 2132 §9.6, RFC 3203 for
/// FORCERENEW, RFC 4388 for the lease queries), serialised as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DhcpMessageType {
    Discover,
    Offer,
    Request,
    Decline,
    Ack,
    Nak,
    Release,
    Inform,
    ForceRenew,
    LeaseQuery,
    LeaseUnassigned,
    LeaseUnknown,
    LeaseActive,
}

impl DhcpMessageType {
    pub fn from_code(t: u8) -> Option<DhcpMessageType> {
        use DhcpMessageType::*;
        Some(match t {
            1 => Discover,
            2 => Offer,
            3 => Request,
            4 => Decline,
            5 => Ack,
            6 => Nak,
            7 => Release,
            8 => Inform,
            9 => ForceRenew,
            10 => LeaseQuery,
            11 => LeaseUnassigned,
            12 => LeaseUnknown,
            13 => LeaseActive,
            _ => return None,
        })
    }

    /// The name, as serialised: "discover", "ack", "force_renew", …
    pub fn as_str(self) -> &'static str {
        use DhcpMessageType::*;
        match self {
            Discover => "discover",
            Offer => "offer",
            Request => "request",
            Decline => "decline",
            Ack => "ack",
            Nak => "nak",
            Release => "release",
            Inform => "inform",
            ForceRenew => "force_renew",
            LeaseQuery => "lease_query",
            LeaseUnassigned => "lease_unassigned",
            LeaseUnknown => "lease_unknown",
            LeaseActive => "lease_active",
        }
    }
}

impl fmt::Display for DhcpMessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn ip_at(b: &[u8], at: usize) -> Option<Ipv4Addr> {
    let o: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    let ip = Ipv4Addr::from(o);
    (!ip.is_unspecified()).then_some(ip)
}

fn ip_list(v: &[u8]) -> Vec<Ipv4Addr> {
    v.chunks_exact(4)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect()
}

/// Whether a UDP datagram between these ports is DHCP or BOOTP.
pub fn is_dhcp_ports(src: u16, dst: u16) -> bool {
    matches!(
        (src, dst),
        (CLIENT_PORT, SERVER_PORT) | (SERVER_PORT, CLIENT_PORT) | (SERVER_PORT, SERVER_PORT)
    )
}

pub fn parse(b: &[u8]) -> Result<DhcpMessage, DhcpError> {
    if b.len() < FIXED_LEN + 4 {
        return Err(DhcpError::Short(b.len()));
    }
    if b[FIXED_LEN..FIXED_LEN + 4] != MAGIC_COOKIE {
        return Err(DhcpError::NoCookie);
    }
    let mut m = DhcpMessage {
        op: if b[0] == 2 { "reply" } else { "request" },
        xid: hex(&b[4..8]),
        broadcast: b[10] & 0x80 != 0,
        client_ip: ip_at(b, 12),
        your_ip: ip_at(b, 16),
        next_server: ip_at(b, 20),
        relay: ip_at(b, 24),
        // htype 1 (Ethernet) with hlen 6 is what every client sends.
        client_mac: Mac::from_slice(&b[28..34]).unwrap_or(Mac::ZERO),
        ..DhcpMessage::default()
    };
    let overload = options(b, FIXED_LEN + 4, &mut m)?;
    // RFC 2132 §9.3: options may continue in the file and sname fields.
    if overload & 1 != 0 {
        options(&b[..236], 108, &mut m)?;
    }
    if overload & 2 != 0 {
        options(&b[..108], 44, &mut m)?;
    }
    Ok(m)
}

/// Reads options from `at` to the end option or the end of `b`; returns
/// the option-overload value (option 52), if any.
fn options(b: &[u8], mut at: usize, m: &mut DhcpMessage) -> Result<u8, DhcpError> {
    let mut overload = 0;
    while at < b.len() {
        let code = b[at];
        match code {
            0 => {
                at += 1;
                continue;
            }
            255 => break,
            _ => {}
        }
        let len = usize::from(
            *b.get(at + 1)
                .ok_or(DhcpError::OptionOverrun { code, offset: at })?,
        );
        let v = b
            .get(at + 2..at + 2 + len)
            .ok_or(DhcpError::OptionOverrun { code, offset: at })?;
        m.options.push(code);
        let text = || {
            String::from_utf8_lossy(v)
                .trim_end_matches('\0')
                .to_string()
        };
        match code {
            1 => m.subnet_mask = ip_at(v, 0),
            3 => m.router = ip_list(v),
            6 => m.dns_servers = ip_list(v),
            12 => m.hostname = Some(text()),
            15 => m.domain_name = Some(text()),
            50 => m.requested_ip = ip_at(v, 0),
            51 if len == 4 => m.lease_time = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            58 if len == 4 => m.renewal_time = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            59 if len == 4 => m.rebinding_time = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            52 if len == 1 => overload = v[0],
            53 if len == 1 => m.message_type = DhcpMessageType::from_code(v[0]),
            54 => m.server_id = ip_at(v, 0),
            55 => m.parameter_request_list = v.to_vec(),
            56 => m.message = Some(text()),
            _ => {}
        }
        at += 2 + len;
    }
    Ok(overload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(options: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; FIXED_LEN];
        b[0] = 2;
        b[4..8].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        b[16..20].copy_from_slice(&[198, 51, 100, 120]);
        b[28..34].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
        b.extend(MAGIC_COOKIE);
        b.extend(options);
        b
    }

    #[test]
    fn offer_options_are_read() {
        let b = message(&[
            53, 1, 2, 54, 4, 198, 51, 100, 1, 51, 4, 0, 0, 0x0e, 0x10, 1, 4, 255, 255, 255, 0, 3,
            4, 198, 51, 100, 1, 6, 8, 203, 0, 113, 53, 203, 0, 113, 54, 0, 15, 3, b'l', b'a', b'b',
            255,
        ]);
        let m = parse(&b).unwrap();
        assert_eq!(m.op, "reply");
        assert_eq!(m.xid, "deadbeef");
        assert_eq!(m.message_type, Some(DhcpMessageType::Offer));
        assert_eq!(m.your_ip, Some(Ipv4Addr::new(198, 51, 100, 120)));
        assert_eq!(m.server_id, Some(Ipv4Addr::new(198, 51, 100, 1)));
        assert_eq!(m.lease_time, Some(3600));
        assert_eq!(m.subnet_mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(m.router, vec![Ipv4Addr::new(198, 51, 100, 1)]);
        assert_eq!(m.dns_servers.len(), 2);
        assert_eq!(m.domain_name.as_deref(), Some("lab"));
        assert_eq!(m.options, vec![53, 54, 51, 1, 3, 6, 15]);
        assert_eq!(m.client_mac.to_string(), "02:00:00:00:00:01");
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        assert_eq!(parse(&[1, 2, 3]), Err(DhcpError::Short(3)));
        let mut no_cookie = message(&[255]);
        no_cookie[236] = 0;
        assert_eq!(parse(&no_cookie), Err(DhcpError::NoCookie));
        assert_eq!(
            parse(&message(&[53, 5, 1])),
            Err(DhcpError::OptionOverrun {
                code: 53,
                offset: 240
            })
        );
        // Overloaded file field: option 53 is found there.
        let mut b = message(&[52, 1, 1, 255]);
        b[108] = 53;
        b[109] = 1;
        b[110] = 5;
        b[111] = 255;
        assert_eq!(parse(&b).unwrap().message_type, Some(DhcpMessageType::Ack));
    }
}
