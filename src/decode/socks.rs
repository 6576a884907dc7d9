//! SOCKS proxies: version 5 (RFC 1928, with the username/password
//! sub-negotiation of RFC 1929), version 4 and its 4a extension (a name
//! for the proxy to resolve). The handshake of each direction is decoded
//! message by message; once the proxy has granted a CONNECT, the rest of
//! each direction is the tunnelled stream, handed to the decoder its first
//! bytes call for (TLS or HTTP/1.x, see [`super::stream::tunnelled`]).
//!
//! The username and password of RFC 1929 and SOCKS4's user id are
//! credentials or identities: they are never kept, only that they were
//! sent.

use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The TCP port SOCKS servers listen on (IANA "socks", RFC 1928 §3).
pub const SOCKS_PORT: u16 = 1080;

/// The largest handshake message: a SOCKS5 request with a 255-byte name,
/// or a SOCKS4a request with its two NUL-terminated strings (bounded here).
const MAX_MESSAGE: usize = 1024;

/// One SOCKS handshake message.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SocksMessage {
    /// 4 or 5 (SOCKS4a is version 4 with a name).
    pub version: u8,
    /// "greeting", "method_selection", "auth_request", "auth_status",
    /// "request" or "reply".
    pub message: &'static str,
    /// The authentication methods a SOCKS5 client offers (RFC 1928 §3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<u8>,
    /// The method the server chose (0xff: none acceptable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<u8>,
    /// "connect", "bind" or "udp_associate" (SOCKS5 §4; SOCKS4 has the
    /// first two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<&'static str>,
    /// The target (request) or bound address (reply): a name when the
    /// client left resolving to the proxy (SOCKS5 address type 3, SOCKS4a),
    /// else an IPv4 or IPv6 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Whether `host` is a name rather than an address.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub host_is_name: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The reply code (SOCKS5: 0 succeeded; SOCKS4: 90 granted) or the
    /// RFC 1929 status (0 success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<u8>,
    /// Whether the reply or status grants what was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted: Option<bool>,
    /// The frame that completed the message.
    pub frame: u64,
}

impl SocksMessage {
    /// The reply code's meaning (RFC 1928 §6; SOCKS4's codes 90–93).
    pub fn reply_text(&self) -> Option<&'static str> {
        let r = self.reply?;
        Some(match (self.version, self.message, r) {
            (_, "auth_status", 0) => "success",
            (_, "auth_status", _) => "failure",
            (5, _, 0) => "succeeded",
            (5, _, 1) => "general SOCKS server failure",
            (5, _, 2) => "connection not allowed by ruleset",
            (5, _, 3) => "network unreachable",
            (5, _, 4) => "host unreachable",
            (5, _, 5) => "connection refused",
            (5, _, 6) => "TTL expired",
            (5, _, 7) => "command not supported",
            (5, _, 8) => "address type not supported",
            (4, _, 90) => "request granted",
            (4, _, 91) => "request rejected or failed",
            (4, _, 92) => "rejected: no identd on the client",
            (4, _, 93) => "rejected: identd reports another user id",
            _ => "unassigned",
        })
    }
}

/// What the two directions of a SOCKS connection share.
#[derive(Debug, Default)]
pub struct SocksConn {
    /// The version the client speaks.
    pub version: Option<u8>,
    /// The SOCKS5 method the server chose.
    pub method: Option<u8>,
    /// The server's reply to the request: granted or not.
    pub granted: Option<bool>,
}

/// Where a direction is in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Client: greeting (5) or request (4). Server: method selection (5)
    /// or reply (4).
    First,
    /// Client: RFC 1929 request or SOCKS5 request; server: their answers.
    Auth,
    Request,
    /// The handshake is over: the next bytes are the tunnel's.
    Tunnel,
    /// Not SOCKS, or the proxy refused: nothing more is decoded.
    Stop,
}

/// What a feed found.
pub enum Fed {
    /// Waiting for more bytes of a message, or handshake consumed.
    More,
    /// The tunnel starts at this offset of the bytes fed.
    Tunnel(usize),
    /// Decoding of the direction ends.
    Stop,
}

/// One direction of a SOCKS connection.
pub struct SocksStream {
    from_client: bool,
    buf: Vec<u8>,
    phase: Phase,
}

/// A message read from the front of the buffer: its length, and what it
/// said.
type Read = Result<Option<(usize, SocksMessage)>, String>;

impl SocksStream {
    pub fn new(from_client: bool) -> Self {
        SocksStream {
            from_client,
            buf: Vec::new(),
            phase: Phase::First,
        }
    }

    pub fn from_client(&self) -> bool {
        self.from_client
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if self.phase != Phase::Tunnel && self.phase != Phase::Stop {
            errors.push("SOCKS: bytes missing from the handshake; stopped decoding".into());
        }
        self.phase = Phase::Stop;
        self.buf = Vec::new();
    }

    /// Takes the next in-order bytes, carried by `frame`.
    pub fn feed(
        &mut self,
        data: &[u8],
        frame: u64,
        conn: &mut SocksConn,
        out: &mut Vec<SocksMessage>,
        errors: &mut Vec<String>,
    ) -> Fed {
        let held = self.buf.len();
        self.buf.extend_from_slice(data);
        let mut at: usize = 0;
        loop {
            match self.phase {
                Phase::Stop => {
                    self.buf = Vec::new();
                    return Fed::Stop;
                }
                Phase::Tunnel => {
                    self.buf = Vec::new();
                    if conn.granted == Some(false) {
                        self.phase = Phase::Stop;
                        return Fed::Stop;
                    }
                    // `at` counts from the start of the buffer, which held
                    // `held` bytes of earlier feeds.
                    return Fed::Tunnel(at.saturating_sub(held));
                }
                _ => {}
            }
            if at == self.buf.len() {
                self.buf.drain(..at);
                return Fed::More;
            }
            let bytes = &self.buf[at..];
            let read = if self.from_client {
                client_message(&mut self.phase, bytes, conn)
            } else {
                server_message(&mut self.phase, bytes, conn)
            };
            match read {
                Ok(Some((len, mut m))) => {
                    m.frame = frame;
                    out.push(m);
                    at += len;
                }
                Ok(None) => {
                    self.buf.drain(..at);
                    if self.buf.len() > MAX_MESSAGE {
                        errors.push(format!(
                            "SOCKS: handshake message longer than {MAX_MESSAGE} bytes; stopped decoding"
                        ));
                        self.phase = Phase::Stop;
                        self.buf = Vec::new();
                        return Fed::Stop;
                    }
                    return Fed::More;
                }
                Err(e) => {
                    errors.push(format!("SOCKS: {e}; stopped decoding"));
                    self.phase = Phase::Stop;
                    self.buf = Vec::new();
                    return Fed::Stop;
                }
            }
        }
    }
}

fn client_message(phase: &mut Phase, b: &[u8], conn: &mut SocksConn) -> Read {
    match (*phase, b[0]) {
        (Phase::First, 5) => {
            let Some(&n) = b.get(1) else { return Ok(None) };
            let len = 2 + usize::from(n);
            if b.len() < len {
                return Ok(None);
            }
            conn.version = Some(5);
            *phase = Phase::Auth;
            Ok(Some((
                len,
                SocksMessage {
                    version: 5,
                    message: "greeting",
                    methods: b[2..len].to_vec(),
                    ..SocksMessage::default()
                },
            )))
        }
        (Phase::First, 4) => {
            let Some(r) = socks4_request(b)? else {
                return Ok(None);
            };
            conn.version = Some(4);
            *phase = Phase::Tunnel;
            Ok(Some(r))
        }
        (Phase::First, v) => Err(format!("version {v} is not SOCKS 4 or 5")),
        // RFC 1929 §2: version 1, then the username and password.
        (Phase::Auth, 1) if conn.method == Some(2) => {
            let Some(&ulen) = b.get(1) else {
                return Ok(None);
            };
            let p = 2 + usize::from(ulen);
            let Some(&plen) = b.get(p) else {
                return Ok(None);
            };
            let len = p + 1 + usize::from(plen);
            if b.len() < len {
                return Ok(None);
            }
            *phase = Phase::Request;
            Ok(Some((
                len,
                SocksMessage {
                    version: 5,
                    message: "auth_request",
                    ..SocksMessage::default()
                },
            )))
        }
        (Phase::Auth | Phase::Request, 5) => {
            if b.len() < 4 {
                return Ok(None);
            }
            let Some((alen, host, is_name)) = socks5_address(&b[3..])? else {
                return Ok(None);
            };
            let len = 3 + alen + 2;
            if b.len() < len {
                return Ok(None);
            }
            *phase = Phase::Tunnel;
            Ok(Some((
                len,
                SocksMessage {
                    version: 5,
                    message: "request",
                    command: Some(command_name(b[1])),
                    host: Some(host),
                    host_is_name: is_name,
                    port: Some(u16::from_be_bytes([b[len - 2], b[len - 1]])),
                    ..SocksMessage::default()
                },
            )))
        }
        (_, v) => Err(format!("unexpected client message (first byte {v:#04x})")),
    }
}

fn server_message(phase: &mut Phase, b: &[u8], conn: &mut SocksConn) -> Read {
    let version = conn.version.unwrap_or(if b[0] == 0 { 4 } else { b[0] });
    match (*phase, version) {
        // SOCKS4 reply: VN 0, CD, DSTPORT, DSTIP.
        (Phase::First, 4) => {
            if b.len() < 8 {
                return Ok(None);
            }
            let granted = b[1] == 90;
            conn.granted = Some(granted);
            *phase = if granted { Phase::Tunnel } else { Phase::Stop };
            Ok(Some((
                8,
                SocksMessage {
                    version: 4,
                    message: "reply",
                    host: Some(Ipv4Addr::new(b[4], b[5], b[6], b[7]).to_string()),
                    port: Some(u16::from_be_bytes([b[2], b[3]])),
                    reply: Some(b[1]),
                    granted: Some(granted),
                    ..SocksMessage::default()
                },
            )))
        }
        (Phase::First, 5) => {
            if b.len() < 2 {
                return Ok(None);
            }
            conn.method = Some(b[1]);
            *phase = match b[1] {
                0xff => Phase::Stop,
                2 => Phase::Auth,
                _ => Phase::Request,
            };
            Ok(Some((
                2,
                SocksMessage {
                    version: 5,
                    message: "method_selection",
                    method: Some(b[1]),
                    ..SocksMessage::default()
                },
            )))
        }
        (Phase::Auth, _) => {
            if b.len() < 2 {
                return Ok(None);
            }
            let ok = b[1] == 0;
            *phase = if ok { Phase::Request } else { Phase::Stop };
            Ok(Some((
                2,
                SocksMessage {
                    version: 5,
                    message: "auth_status",
                    reply: Some(b[1]),
                    granted: Some(ok),
                    ..SocksMessage::default()
                },
            )))
        }
        (Phase::Request, _) => {
            if b[0] != 5 {
                return Err(format!("reply version {} is not 5", b[0]));
            }
            if b.len() < 4 {
                return Ok(None);
            }
            let Some((alen, host, is_name)) = socks5_address(&b[3..])? else {
                return Ok(None);
            };
            let len = 3 + alen + 2;
            if b.len() < len {
                return Ok(None);
            }
            let granted = b[1] == 0;
            conn.granted = Some(granted);
            *phase = if granted { Phase::Tunnel } else { Phase::Stop };
            Ok(Some((
                len,
                SocksMessage {
                    version: 5,
                    message: "reply",
                    host: Some(host),
                    host_is_name: is_name,
                    port: Some(u16::from_be_bytes([b[len - 2], b[len - 1]])),
                    reply: Some(b[1]),
                    granted: Some(granted),
                    ..SocksMessage::default()
                },
            )))
        }
        (_, v) => Err(format!("version {v} is not SOCKS 4 or 5")),
    }
}

/// Whether a stream's first bytes are a SOCKS client's first message, as
/// a whole: a SOCKS5 greeting offering 1–9 known methods, or a SOCKS4
/// CONNECT/BIND request ending with its NUL terminators.
pub fn looks_like_socks_client(first: &[u8]) -> bool {
    match first {
        [5, n @ 1..=9, methods @ ..] => {
            methods.len() == usize::from(*n) && methods.iter().all(|m| *m <= 3 || *m >= 0x80)
        }
        [4, 1 | 2, ..] => matches!(socks4_request(first), Ok(Some((n, _))) if n == first.len()),
        _ => false,
    }
}

fn command_name(c: u8) -> &'static str {
    match c {
        1 => "connect",
        2 => "bind",
        3 => "udp_associate",
        _ => "unknown",
    }
}

/// A SOCKS5 address (RFC 1928 §5): its length with the type byte, the
/// text, and whether it is a name. `None` until it is all there.
fn socks5_address(b: &[u8]) -> Result<Option<(usize, String, bool)>, String> {
    let Some(&atyp) = b.first() else {
        return Ok(None);
    };
    let (len, text, is_name) = match atyp {
        1 => {
            let Some(a) = b.get(1..5) else {
                return Ok(None);
            };
            (5, Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string(), false)
        }
        3 => {
            let Some(&n) = b.get(1) else { return Ok(None) };
            let Some(name) = b.get(2..2 + usize::from(n)) else {
                return Ok(None);
            };
            (
                2 + usize::from(n),
                String::from_utf8_lossy(name).into_owned(),
                true,
            )
        }
        4 => {
            let Some(a) = b.get(1..17) else {
                return Ok(None);
            };
            let mut o = [0u8; 16];
            o.copy_from_slice(a);
            (17, Ipv6Addr::from(o).to_string(), false)
        }
        t => return Err(format!("address type {t} is not 1, 3 or 4")),
    };
    Ok(Some((len, text, is_name)))
}

/// A SOCKS4 or 4a request: VN 4, CD, DSTPORT, DSTIP, USERID NUL, and for
/// 4a (DSTIP 0.0.0.x, x ≠ 0) the name NUL.
fn socks4_request(b: &[u8]) -> Read {
    if b.len() < 9 {
        return Ok(None);
    }
    let Some(uid_end) = b[8..].iter().position(|&c| c == 0).map(|p| 8 + p) else {
        return Ok(None);
    };
    let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
    let is_4a = b[4..7] == [0, 0, 0] && b[7] != 0;
    let (len, host) = if is_4a {
        let from = uid_end + 1;
        let Some(end) = b.get(from..).and_then(|r| r.iter().position(|&c| c == 0)) else {
            return Ok(None);
        };
        (
            from + end + 1,
            String::from_utf8_lossy(&b[from..from + end]).into_owned(),
        )
    } else {
        (uid_end + 1, ip.to_string())
    };
    Ok(Some((
        len,
        SocksMessage {
            version: 4,
            message: "request",
            command: Some(command_name(b[1])),
            host: Some(host),
            host_is_name: is_4a,
            port: Some(u16::from_be_bytes([b[2], b[3]])),
            ..SocksMessage::default()
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(parts: &[(bool, &[u8])]) -> (Vec<SocksMessage>, Vec<Option<usize>>) {
        let mut conn = SocksConn::default();
        let (mut c, mut s) = (SocksStream::new(true), SocksStream::new(false));
        let (mut out, mut errors, mut tunnels) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (client, bytes)) in parts.iter().enumerate() {
            let d = if *client { &mut c } else { &mut s };
            match d.feed(bytes, i as u64 + 1, &mut conn, &mut out, &mut errors) {
                Fed::Tunnel(at) => tunnels.push(Some(at)),
                Fed::More => tunnels.push(None),
                Fed::Stop => tunnels.push(Some(usize::MAX)),
            }
        }
        assert!(errors.is_empty(), "{errors:?}");
        (out, tunnels)
    }

    #[test]
    fn socks5_with_a_name_then_the_tunnel() {
        let mut req = vec![5, 1, 0, 3, 14];
        req.extend_from_slice(b"www.google.com");
        req.extend_from_slice(&443u16.to_be_bytes());
        req.extend_from_slice(&[22, 3, 1]);
        let (out, t) = run(&[
            (true, &[5, 1, 0]),
            (false, &[5, 0]),
            (true, &req[..7]),
            (true, &req[7..]),
            (false, &[5, 0, 0, 1, 203, 0, 113, 100, 0x9c, 0x40]),
        ]);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].methods, [0]);
        assert_eq!(out[1].method, Some(0));
        assert_eq!(out[2].host.as_deref(), Some("www.google.com"));
        assert!(out[2].host_is_name);
        assert_eq!(out[2].port, Some(443));
        assert_eq!(out[2].frame, 4);
        assert_eq!(out[3].granted, Some(true));
        assert_eq!(out[3].host.as_deref(), Some("203.0.113.100"));
        assert_eq!(out[3].port, Some(40000));
        // The TLS bytes after the request begin the tunnel, at offset
        // 21 - 7 = 14 of the fourth feed; the reply ends the server's.
        assert_eq!(t, [None, None, None, Some(14), Some(10)]);
    }

    #[test]
    fn socks4a_and_refusals() {
        let mut req = vec![4, 1, 0, 80, 0, 0, 0, 1, b'u', 0];
        req.extend_from_slice(b"www.google.com\0");
        assert!(looks_like_socks_client(&req));
        assert!(!looks_like_socks_client(&req[..req.len() - 1]));
        let (out, t) = run(&[(true, &req), (false, &[0, 91, 0, 0, 0, 0, 0, 0])]);
        assert_eq!(out[0].host.as_deref(), Some("www.google.com"));
        assert_eq!(out[0].version, 4);
        assert_eq!(out[1].granted, Some(false));
        assert_eq!(out[1].reply_text(), Some("request rejected or failed"));
        // The tunnel would start after the request; the refusal stops it.
        assert_eq!(t, [Some(req.len()), Some(usize::MAX)]);
        // RFC 1929: the password is never kept.
        let (out, _) = run(&[
            (true, &[5, 1, 2]),
            (false, &[5, 2]),
            (true, &[1, 1, b'u', 2, b'p', b'w']),
            (false, &[1, 0]),
        ]);
        assert_eq!(out[2].message, "auth_request");
        let json = serde_json::to_string(&out).unwrap();
        assert!(!json.contains("pw"), "{json}");
        assert_eq!(out[3].granted, Some(true));
    }

    #[test]
    fn any_bytes_are_errors_not_panics() {
        for seed in 0u32..2000 {
            let bytes: Vec<u8> = (0..(seed % 40))
                .map(|i| (seed.wrapping_mul(2654435761).rotate_left(i) & 0xff) as u8)
                .collect();
            let mut conn = SocksConn::default();
            for client in [true, false] {
                let mut d = SocksStream::new(client);
                let (mut out, mut errors) = (Vec::new(), Vec::new());
                d.feed(&bytes, 1, &mut conn, &mut out, &mut errors);
                d.feed(&bytes, 2, &mut conn, &mut out, &mut errors);
            }
            looks_like_socks_client(&bytes);
        }
    }
}
