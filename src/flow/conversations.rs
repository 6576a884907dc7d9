//! The conversation table: one row per TCP connection and per UDP flow,
//! with both sides' TCP state as the wire shows it (RFC 9293 §3.3.2), a
//! Zeek-style history, packets and bytes each way, and the application.
//! Built from packets the tracker has already numbered (`tcp.stream`).

use super::client::Peers;
use super::Endpoint;
use crate::decode::stream::Side;
use crate::decode::tcp::{ACK, FIN, RST, SYN};
use crate::decode::tls::HandshakeKind;
use crate::decode::Packet;
use foldhash::HashMap;
use serde::{Serialize, Serializer};
use std::fmt;

/// Both sides' states come from the tracker's state machine
/// ([`super::analysis::Sides`]), the same one that gives each packet its
/// `tcp.state`, so the table and the packets cannot disagree.
pub use crate::decode::tcp::TcpState;

#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    /// "tcp" or "udp".
    pub proto: &'static str,
    /// The TCP conversation index (`tcp.stream` in `packets`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u64>,
    /// The side that opened the conversation (sent the SYN, or the first
    /// datagram), shown as address:port.
    pub client: EndpointName,
    pub server: EndpointName,
    /// DNS name, TLS SNI, HTTP Host, or the protocol by port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_state: Option<TcpState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_state: Option<TcpState>,
    /// Zeek's history letters, upper case for the client, lower case for
    /// the server, each the first time it happens: S SYN, H SYN-ACK, A ACK,
    /// D data, F FIN, R RST.
    #[serde(skip_serializing_if = "History::is_empty")]
    pub history: History,
    /// The capture began after the conversation did (no SYN seen).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    pub client_packets: u64,
    pub server_packets: u64,
    /// Bytes on the wire (frame lengths), as tshark's conversation table counts.
    pub client_bytes: u64,
    pub server_bytes: u64,
    /// Epoch seconds of the first frame.
    pub start: f64,
    pub duration: f64,
    pub first_frame: u64,
}

/// An address and port, kept as numbers and shown as `192.0.2.1:80` or
/// `[2001:db8::1]:443` (RFC 3986 §3.2.2 brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointName(pub Endpoint);

impl fmt::Display for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ip, port) = self.0;
        // Through `pad`, so that widths and alignment apply to the whole.
        f.pad(&match ip {
            std::net::IpAddr::V4(a) => format!("{a}:{port}"),
            std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
        })
    }
}

impl EndpointName {
    /// Characters of the shown form.
    pub fn len(&self) -> usize {
        self.to_string().len()
    }

    /// Never: an endpoint always shows an address and a port.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Serialize for EndpointName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Zeek-style history letters, kept inline: each of the twelve letters
/// (six events, two sides) is noted at most once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    letters: [u8; 12],
    len: u8,
}

impl History {
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Notes `letter` (ASCII) unless it is there already.
    fn note(&mut self, letter: u8) {
        let len = usize::from(self.len);
        if len < self.letters.len() && !self.letters[..len].contains(&letter) {
            self.letters[len] = letter;
            self.len += 1;
        }
    }
}

impl std::ops::Deref for History {
    type Target = str;
    fn deref(&self) -> &str {
        std::str::from_utf8(&self.letters[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl Serialize for History {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// Rows kept by default (`conversations --max-rows`): about 470 bytes
/// each with its index entry, so the table's share stays near 47 MB.
pub const MAX_ROWS: usize = 100_000;

/// What the table did not list once it held its bound of rows: counted and
/// summed, never silently left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NotListed {
    /// TCP conversations (distinct `tcp.stream` numbers) without a row.
    pub tcp_conversations: u64,
    /// UDP datagrams of flows without a row (flows are not told apart once
    /// the table is full: that would take a set growing with the input).
    pub udp_datagrams: u64,
    /// Packets and bytes on the wire of everything not listed.
    pub packets: u64,
    pub bytes: u64,
}

impl NotListed {
    pub fn is_empty(&self) -> bool {
        self.packets == 0
    }
}

pub struct Conversations {
    rows: Vec<Conversation>,
    tcp: HashMap<u64, usize>,
    udp: HashMap<(Endpoint, Endpoint), usize>,
    max_rows: usize,
    /// The highest `tcp.stream` counted in `not_listed`: streams are
    /// numbered in the order they open, so a stream without a row above
    /// it is a new one.
    highest_unlisted: Option<u64>,
    /// What was not listed because the table was full.
    pub not_listed: NotListed,
}

impl Default for Conversations {
    fn default() -> Self {
        Self::with_max_rows(MAX_ROWS)
    }
}

fn port_app(port: u16) -> Option<&'static str> {
    Some(match port {
        53 => "DNS",
        5353 => "mDNS",
        5355 => "LLMNR",
        67 | 68 => "DHCP",
        80 | 8080 => "HTTP",
        123 => "NTP",
        443 => "HTTPS",
        _ => return None,
    })
}

impl Conversations {
    /// A table of at most `max_rows` rows (the first conversations seen);
    /// later ones are counted in [`Conversations::not_listed`].
    pub fn with_max_rows(max_rows: usize) -> Self {
        Conversations {
            rows: Vec::new(),
            tcp: HashMap::default(),
            udp: HashMap::default(),
            max_rows,
            highest_unlisted: None,
            not_listed: NotListed::default(),
        }
    }

    pub fn rows(&self) -> &[Conversation] {
        &self.rows
    }

    /// The bound of rows this table was made with.
    pub fn max_rows(&self) -> usize {
        self.max_rows
    }

    /// A packet of a conversation without a row, counted.
    fn unlisted(&mut self, p: &Packet) {
        self.not_listed.packets += 1;
        self.not_listed.bytes += u64::from(p.len);
    }

    pub fn observe(&mut self, p: &Packet) {
        if p.tcp.is_some() {
            self.observe_tcp(p);
        } else if p.udp.is_some() {
            self.observe_udp(p);
        }
    }

    /// A TCP segment, on the row of its `tcp.stream`.
    fn observe_tcp(&mut self, p: &Packet) {
        let (Some(ip), Some(t)) = (&p.ip, &p.tcp) else {
            return;
        };
        let Some(stream) = t.stream else { return };
        // The ends as the tracker decided them for `tcp.from`.
        let (peers, side) = Peers::of_segment((ip.src, t.src_port), (ip.dst, t.dst_port), t.from);
        let from_client = side == Side::Client;
        let i = match self.tcp.get(&stream) {
            Some(i) => *i,
            None => {
                let (c, s) = (peers.client, peers.server);
                let Some(i) = self.push(p, "tcp", Some(stream), c, s) else {
                    if self.highest_unlisted.is_none_or(|h| stream > h) {
                        self.highest_unlisted = Some(stream);
                        self.not_listed.tcp_conversations += 1;
                    }
                    self.unlisted(p);
                    return;
                };
                self.tcp.insert(stream, i);
                let row = &mut self.rows[i];
                // Only a pure SYN opens a conversation the capture saw begin.
                row.partial = !t.has(SYN) || t.has(ACK);
                row.client_state = Some(TcpState::Unknown);
                row.server_state = Some(TcpState::Unknown);
                i
            }
        };
        let row = &mut self.rows[i];
        row.count(p, from_client);
        tcp_segment(row, p, from_client);
        name_tcp_app(row, p);
    }

    /// A UDP datagram: the flow's first sender is its client.
    fn observe_udp(&mut self, p: &Packet) {
        let (Some(ip), Some(u)) = (&p.ip, &p.udp) else {
            return;
        };
        let a = (ip.src, u.src_port);
        let b = (ip.dst, u.dst_port);
        let key = if a <= b { (a, b) } else { (b, a) };
        let i = match self.udp.get(&key) {
            Some(i) => *i,
            None => {
                let Some(i) = self.push(p, "udp", None, a, b) else {
                    self.not_listed.udp_datagrams += 1;
                    self.unlisted(p);
                    return;
                };
                self.udp.insert(key, i);
                i
            }
        };
        let row = &mut self.rows[i];
        let from_client = row.client.0 == a;
        row.count(p, from_client);
        if row.app.is_none() || row.app.as_deref() == Some("DNS") {
            if let Some(q) = p.dns.as_ref().and_then(|d| d.questions.first()) {
                row.app = Some(format!("DNS {}", q.name));
            }
        }
        // The SNI of a ClientHello carried in QUIC Initial packets.
        let quic_sni = p
            .quic
            .as_deref()
            .into_iter()
            .chain(&p.quic_more)
            .flat_map(|q| &q.handshakes)
            .find_map(|h| h.sni.as_deref());
        if let Some(sni) = quic_sni {
            row.app = Some(format!("QUIC {sni}"));
        }
    }

    fn push(
        &mut self,
        p: &Packet,
        proto: &'static str,
        stream: Option<u64>,
        client: Endpoint,
        server: Endpoint,
    ) -> Option<usize> {
        if self.rows.len() >= self.max_rows {
            return None;
        }
        let app = port_app(server.1).or_else(|| port_app(client.1)).map(|s| {
            if proto == "udp" && s == "HTTPS" {
                "QUIC".to_string()
            } else {
                s.to_string()
            }
        });
        self.rows.push(Conversation {
            proto,
            stream,
            client: EndpointName(client),
            server: EndpointName(server),
            app,
            client_state: None,
            server_state: None,
            history: History::default(),
            partial: false,
            client_packets: 0,
            server_packets: 0,
            client_bytes: 0,
            server_bytes: 0,
            start: p.ts,
            duration: 0.0,
            first_frame: p.frame,
        });
        Some(self.rows.len() - 1)
    }
}

impl Conversation {
    fn count(&mut self, p: &Packet, from_client: bool) {
        if from_client {
            self.client_packets += 1;
            self.client_bytes += u64::from(p.len);
        } else {
            self.server_packets += 1;
            self.server_bytes += u64::from(p.len);
        }
        self.duration = (p.ts - self.start).max(self.duration);
    }

    fn note(&mut self, letter: u8, from_client: bool) {
        let l = if from_client {
            letter
        } else {
            letter.to_ascii_lowercase()
        };
        self.history.note(l);
    }
}

/// One segment's effect on the history and on both sides' states.
fn tcp_segment(row: &mut Conversation, p: &Packet, from_client: bool) {
    let Some(t) = &p.tcp else { return };
    if t.has(RST) {
        row.note(b'R', from_client);
    } else if t.has(SYN) && !t.has(ACK) {
        row.note(b'S', from_client);
    } else if t.has(SYN) {
        row.note(b'H', from_client);
    } else {
        if t.payload_len > 0 {
            row.note(b'D', from_client);
        } else if t.has(ACK) && !t.has(FIN) {
            row.note(b'A', from_client);
        }
        if t.has(FIN) {
            row.note(b'F', from_client);
        }
    }
    if let Some([client, server]) = t.sides {
        row.client_state = Some(client);
        row.server_state = Some(server);
    }
}

/// Names a TCP row's application from what its packets carried: a TLS
/// SNI wins over an HTTP Host, which wins over a DNS question.
fn name_tcp_app(row: &mut Conversation, p: &Packet) {
    let sni = p.tls.as_ref().and_then(|t| {
        t.handshakes
            .iter()
            .find(|h| h.kind == HandshakeKind::ClientHello)
            .and_then(|h| h.sni.clone())
    });
    let host = p.http.iter().find_map(|h| h.host.clone());
    let dns = p
        .dns
        .as_ref()
        .and_then(|d| d.questions.first())
        .map(|q| q.name.clone());
    if let Some(sni) = sni {
        row.app = Some(format!("TLS {sni}"));
    } else if let (Some(host), false) = (
        host,
        row.app.as_deref().is_some_and(|a| a.starts_with("TLS ")),
    ) {
        if !row.app.as_deref().is_some_and(|a| a.starts_with("HTTP ")) {
            row.app = Some(format!("HTTP {host}"));
        }
    } else if let Some(name) = dns {
        if !row.app.as_deref().is_some_and(|a| a.starts_with("DNS ")) {
            row.app = Some(format!("DNS {name}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_each_letter_once_in_order() {
        let mut h = History::default();
        for l in b"SSHhAADdFfRrFS" {
            h.note(*l);
        }
        assert_eq!(&*h, "SHhADdFfRr");
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"SHhADdFfRr\"");
        assert!(History::default().is_empty());
    }

    #[test]
    fn endpoints_show_as_address_and_port_and_take_a_width() {
        let v4 = EndpointName(("192.0.2.7".parse().unwrap(), 80));
        let v6 = EndpointName(("2001:db8::1".parse().unwrap(), 443));
        assert_eq!(format!("{v4:<16}|"), "192.0.2.7:80    |");
        assert_eq!(v6.to_string(), "[2001:db8::1]:443");
        assert_eq!(v6.len(), 17);
        assert_eq!(serde_json::to_string(&v4).unwrap(), "\"192.0.2.7:80\"");
    }
}
