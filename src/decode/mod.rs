//! Per-frame decoding: pure functions from bytes to owned summaries.
//!
//! Nothing here prints, and nothing here panics on any input: what cannot be
//! decoded becomes a string in [`Packet::errors`].

pub mod arp;
pub mod cursor;
pub mod dhcp;
pub mod dns;
pub mod fingerprint;
pub mod http;
pub mod link;
pub mod ndp;
pub mod quic;
pub mod stream;
pub mod tcp;
pub mod tls;
pub mod websocket;

use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// A 48-bit hardware address, shown and serialised as `aa:bb:cc:dd:ee:ff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Formatted on the stack: every Ethernet frame serialises two.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b':'; 17];
        for (i, b) in self.0.iter().enumerate() {
            text[i * 3] = HEX[usize::from(b >> 4)];
            text[i * 3 + 1] = HEX[usize::from(b & 0xf)];
        }
        s.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl Mac {
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    pub const ZERO: Mac = Mac([0; 6]);

    pub fn from_slice(b: &[u8]) -> Option<Mac> {
        b.get(..6)
            .and_then(|s| <[u8; 6]>::try_from(s).ok())
            .map(Mac)
    }
}

/// The types of an IPv6 extension-header chain (RFC 8200 §4), walked
/// over the bytes that hold it; stops at anything that does not fit.
fn ipv6_ext_chain(mut next: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while matches!(next, 0 | 43 | 44 | 60 | 51) && at + 2 <= bytes.len() {
        let len = match next {
            44 => 8,
            // RFC 4302 §2.2: AH length is in 4-octet units, minus 2.
            51 => (usize::from(bytes[at + 1]) + 2) * 4,
            _ => (usize::from(bytes[at + 1]) + 1) * 8,
        };
        if at + len > bytes.len() {
            break;
        }
        out.push(next);
        next = bytes[at];
        at += len;
    }
    out
}

/// Everything decoded about one frame. Serialised as one NDJSON object by
/// `packets --format json`; the README documents the schema.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Packet {
    /// 1-based frame number.
    pub frame: u64,
    /// Epoch seconds.
    pub ts: f64,
    pub caplen: u32,
    pub len: u32,
    /// pcapng interface id (0 for classic pcap).
    pub interface: u32,
    pub linktype: u32,
    /// The frame was cut short by the snap length (caplen < len) or its
    /// headers claim more bytes than were captured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eth: Option<EthInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlan: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sll: Option<SllInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<arp::ArpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ndp: Option<Box<ndp::NdpInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<tcp::TcpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<UdpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp: Option<IcmpInfo>,
    /// The first DNS message in this frame (UDP), or the first one this
    /// frame completed (TCP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<Box<dns::DnsMessage>>,
    /// Further DNS messages completed by this frame (DNS over TCP may carry
    /// several in one segment).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_more: Vec<dns::DnsMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp: Option<Box<dhcp::DhcpMessage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<tls::TlsInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<http::HttpMessage>,
    /// WebSocket frames completed by this frame (RFC 6455 §5.2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub websocket: Vec<websocket::WsFrame>,
    /// The first QUIC packet of the datagram; `quic_more` holds the packets
    /// coalesced after it (RFC 9000 §12.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quic: Option<Box<quic::QuicPacket>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quic_more: Vec<quic::QuicPacket>,
    /// The frame's TCP bytes begin a TLS record (not serialised; display
    /// filters read it).
    #[serde(skip)]
    pub tls_record_start: bool,
    /// What could not be decoded: truncation, malformed fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Packet {
    /// Source and destination transport ports, if TCP or UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        if let Some(t) = &self.tcp {
            Some((t.src_port, t.dst_port))
        } else {
            self.udp.as_ref().map(|u| (u.src_port, u.dst_port))
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EthInfo {
    pub src: Mac,
    pub dst: Mac,
}

/// Linux cooked capture header (SLL / SLL2), as written by `tcpdump -i any`.
#[derive(Debug, Clone, Serialize)]
pub struct SllInfo {
    /// "host", "broadcast", "multicast", "otherhost", "outgoing", …
    pub packet_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    pub protocol: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct IpInfo {
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// The transport protocol number after any IPv6 extension headers.
    pub proto: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u16>,
    /// IPv4 fragment or IPv6 fragment header present.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fragment: bool,
    /// IPv6 extension headers in wire order, by protocol number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ext_headers: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UdpInfo {
    pub src_port: u16,
    pub dst_port: u16,
    pub length: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct IcmpInfo {
    pub version: u8,
    #[serde(rename = "type")]
    pub icmp_type: u8,
    pub code: u8,
    pub summary: String,
    /// For an error, the packet it is about: the start of it travels back
    /// inside the ICMP message (RFC 792; RFC 4443 §2.4 c).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted: Option<icmp::Quoted>,
    /// Echo request or reply: identifier and sequence number (RFC 792,
    /// RFC 4443 §4).
    #[serde(skip)]
    pub echo: Option<(u16, u16)>,
}

/// A decoded frame: the summary, and the transport payload bytes that
/// stream-level decoders (DNS over TCP, TLS, HTTP) still need.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub packet: Packet,
    /// TCP or UDP payload as captured (may be shorter than on the wire).
    pub payload: &'a [u8],
}

/// Decodes one frame from the link layer to the transport layer, plus the
/// protocols that fit in one datagram (ARP, neighbour discovery, DNS over
/// UDP). Never panics; problems go to `packet.errors`.
pub fn decode_frame<'a>(frame: &crate::capture::Frame<'a>) -> Decoded<'a> {
    let mut packet = Packet {
        frame: frame.index,
        ts: frame.ts(),
        caplen: frame.caplen,
        len: frame.len,
        interface: frame.interface,
        linktype: frame.linktype,
        truncated: frame.caplen < frame.len,
        ..Packet::default()
    };
    let link = link::parse(frame.linktype, frame.data);
    packet.eth = link.eth;
    packet.vlan = link.vlan;
    packet.sll = link.sll;
    if let Some(e) = link.error {
        packet.errors.push(e);
    }
    let payload = match link.ether_type {
        Some(link::ETHERTYPE_ARP) => {
            match arp::parse(link.payload) {
                Ok(a) => packet.arp = Some(a),
                Err(e) => packet.errors.push(e.to_string()),
            }
            &[][..]
        }
        Some(et @ (link::ETHERTYPE_IPV4 | link::ETHERTYPE_IPV6)) => {
            ip::decode(et, link.payload, &mut packet)
        }
        _ => &[][..],
    };
    if let (Some(udp), false) = (&packet.udp, payload.is_empty()) {
        let proto = dns::is_dns_port(udp.src_port).or_else(|| dns::is_dns_port(udp.dst_port));
        if let Some(proto) = proto {
            match dns::parse_message(payload, proto) {
                Ok(m) => packet.dns = Some(Box::new(m)),
                Err(e) => packet.errors.push(format!("{proto}: {e}")),
            }
        } else if dhcp::is_dhcp_ports(udp.src_port, udp.dst_port) {
            match dhcp::parse(payload) {
                Ok(m) => packet.dhcp = Some(Box::new(m)),
                Err(e) => packet.errors.push(e.to_string()),
            }
        } else if udp.src_port == 443
            || udp.dst_port == 443
            || quic::looks_like_long_header(payload)
        {
            let to_server = udp.dst_port == 443;
            quic::decode_into(&mut packet, payload, to_server);
        }
    }
    Decoded { packet, payload }
}

mod ip {
    //! IP and transport through etherparse's lax slicing, which decodes as
    //! far as a truncated frame's bytes go.
    use super::*;
    use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

    pub(super) fn decode<'a>(ether_type: u16, bytes: &'a [u8], p: &mut Packet) -> &'a [u8] {
        let sliced = LaxSlicedPacket::from_ether_type(EtherType(ether_type), bytes);
        if let Some((err, layer)) = &sliced.stop_err {
            p.errors.push(format!("{layer}: {err}"));
            if matches!(err, etherparse::err::packet::SliceError::Len(_)) {
                p.truncated = true;
            }
        }
        // Bytes of IP payload on the wire, from the IP header's own length.
        let mut wire_payload: Option<usize> = None;
        match &sliced.net {
            Some(LaxNetSlice::Ipv4(v4)) => {
                let h = v4.header();
                let pl = v4.payload();
                if pl.incomplete {
                    p.truncated = true;
                }
                wire_payload = usize::from(h.total_len()).checked_sub(h.slice().len());
                p.ip = Some(IpInfo {
                    version: 4,
                    src: h.source_addr().into(),
                    dst: h.destination_addr().into(),
                    ttl: h.ttl(),
                    proto: pl.ip_number.0,
                    id: Some(h.identification()),
                    fragment: pl.fragmented,
                    ext_headers: Vec::new(),
                });
            }
            Some(LaxNetSlice::Ipv6(v6)) => {
                let h = v6.header();
                let pl = v6.payload();
                if pl.incomplete {
                    p.truncated = true;
                }
                let exts = v6.extensions();
                // etherparse's own iterator over these headers reads past
                // its slice on some inputs (found by fuzzing), so the chain
                // is walked here over the bytes it delimits.
                let ext_headers = ipv6_ext_chain(h.next_header().0, exts.slice());
                wire_payload = usize::from(h.payload_length()).checked_sub(exts.slice().len());
                p.ip = Some(IpInfo {
                    version: 6,
                    src: h.source_addr().into(),
                    dst: h.destination_addr().into(),
                    ttl: h.hop_limit(),
                    proto: pl.ip_number.0,
                    id: None,
                    fragment: pl.fragmented,
                    ext_headers,
                });
            }
            Some(LaxNetSlice::Arp(_)) | None => {}
        }
        if p.ip.as_ref().is_some_and(|ip| ip.fragment) {
            p.errors
                .push("IP fragment: fragments are not reassembled".to_string());
        }
        match &sliced.transport {
            Some(TransportSlice::Tcp(t)) => {
                let header_len = usize::from(t.data_offset()) * 4;
                let (options, opt_err) = tcp::parse_options(t.options());
                if let Some(e) = opt_err {
                    p.errors.push(e);
                }
                let captured = t.payload().len();
                let on_wire = wire_payload
                    .and_then(|n| n.checked_sub(header_len))
                    .unwrap_or(captured)
                    .max(captured);
                let bits = t.header_slice().get(13).copied().unwrap_or(0);
                p.tcp = Some(tcp::TcpInfo {
                    src_port: t.source_port(),
                    dst_port: t.destination_port(),
                    flags: tcp::TcpFlags(bits),
                    flag_bits: bits,
                    seq: t.sequence_number(),
                    ack: t.acknowledgment_number(),
                    window: t.window_size(),
                    payload_len: on_wire as u32,
                    options,
                    ..tcp::TcpInfo::default()
                });
                if captured < on_wire {
                    p.truncated = true;
                }
                t.payload()
            }
            Some(TransportSlice::Udp(u)) => {
                p.udp = Some(UdpInfo {
                    src_port: u.source_port(),
                    dst_port: u.destination_port(),
                    length: u.length(),
                });
                u.payload()
            }
            Some(TransportSlice::Icmpv4(i)) => {
                let (t, c) = (i.type_u8(), i.code_u8());
                let quoted = matches!(t, 3 | 4 | 5 | 11 | 12)
                    .then(|| icmp::quoted(i.payload()))
                    .flatten();
                let mut summary = icmp::summary_v4(t, c, i.bytes5to8());
                icmp::describe_quoted(quoted.as_ref(), &mut summary);
                let r = i.bytes5to8();
                p.icmp = Some(IcmpInfo {
                    version: 4,
                    icmp_type: t,
                    code: c,
                    summary,
                    quoted,
                    echo: matches!(t, 0 | 8).then(|| {
                        (
                            u16::from_be_bytes([r[0], r[1]]),
                            u16::from_be_bytes([r[2], r[3]]),
                        )
                    }),
                });
                &[]
            }
            Some(TransportSlice::Icmpv6(i)) => {
                let (t, c) = (i.type_u8(), i.code_u8());
                let quoted = (1..=4)
                    .contains(&t)
                    .then(|| icmp::quoted(i.payload()))
                    .flatten();
                let mut summary = icmp::summary_v6(t, c, i.bytes5to8());
                icmp::describe_quoted(quoted.as_ref(), &mut summary);
                let r = i.bytes5to8();
                p.icmp = Some(IcmpInfo {
                    version: 6,
                    icmp_type: t,
                    code: c,
                    summary,
                    quoted,
                    echo: matches!(t, 128 | 129).then(|| {
                        (
                            u16::from_be_bytes([r[0], r[1]]),
                            u16::from_be_bytes([r[2], r[3]]),
                        )
                    }),
                });
                match ndp::parse(i.slice()) {
                    Some(Ok(n)) => p.ndp = Some(Box::new(n)),
                    Some(Err(e)) => p.errors.push(e.to_string()),
                    None => {}
                }
                &[]
            }
            Some(TransportSlice::Igmp(_)) | None => &[],
        }
    }
}

pub mod icmp {
    //! Names of ICMP (RFC 792) and ICMPv6 (RFC 4443, RFC 4861) messages,
    //! and the packet an error message quotes.

    use serde::Serialize;
    use std::net::IpAddr;

    /// The header of the packet an ICMP error is about.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Quoted {
        pub src: IpAddr,
        pub dst: IpAddr,
        /// Its transport protocol number.
        pub proto: u8,
        /// TCP or UDP ports: the first four bytes of the transport header,
        /// which every error message carries (RFC 792 asks for 64 bits).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub src_port: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub dst_port: Option<u16>,
    }

    /// Reads the quoted IP header and ports, as far as they were captured.
    pub fn quoted(bytes: &[u8]) -> Option<Quoted> {
        let (ip, _) = etherparse::LaxIpSlice::from_slice(bytes).ok()?;
        let payload = ip.payload();
        let proto = payload.ip_number.0;
        let ports = matches!(proto, 6 | 17)
            .then(|| payload.payload.get(..4))
            .flatten()
            .map(|b| {
                (
                    u16::from_be_bytes([b[0], b[1]]),
                    u16::from_be_bytes([b[2], b[3]]),
                )
            });
        Some(Quoted {
            src: ip.source_addr(),
            dst: ip.destination_addr(),
            proto,
            src_port: ports.map(|p| p.0),
            dst_port: ports.map(|p| p.1),
        })
    }

    /// Appends ", about UDP 198.51.100.10:5300 → 203.0.113.100:53".
    pub fn describe_quoted(q: Option<&Quoted>, out: &mut String) {
        use std::fmt::Write as _;
        let Some(q) = q else {
            return;
        };
        let name = match q.proto {
            6 => "TCP".to_string(),
            17 => "UDP".to_string(),
            1 => "ICMP".to_string(),
            58 => "ICMPv6".to_string(),
            n => format!("protocol {n}"),
        };
        let at = |ip: IpAddr, port: Option<u16>| match (ip, port) {
            (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
            (a, Some(p)) => format!("{a}:{p}"),
            (a, None) => a.to_string(),
        };
        let _ = write!(
            out,
            ", about {name} {} → {}",
            at(q.src, q.src_port),
            at(q.dst, q.dst_port)
        );
    }

    pub fn summary_v4(t: u8, code: u8, rest: [u8; 4]) -> String {
        let id_seq = || {
            format!(
                "id {:#06x}, seq {}",
                u16::from_be_bytes([rest[0], rest[1]]),
                u16::from_be_bytes([rest[2], rest[3]])
            )
        };
        match (t, code) {
            (0, _) => format!("echo reply, {}", id_seq()),
            (8, _) => format!("echo request, {}", id_seq()),
            (3, 0) => "destination unreachable: network unreachable".into(),
            (3, 1) => "destination unreachable: host unreachable".into(),
            (3, 2) => "destination unreachable: protocol unreachable".into(),
            (3, 3) => "destination unreachable: port unreachable".into(),
            (3, 4) => format!(
                "destination unreachable: fragmentation needed, next-hop MTU {}",
                u16::from_be_bytes([rest[2], rest[3]])
            ),
            (3, 13) => "destination unreachable: administratively prohibited".into(),
            (3, c) => format!("destination unreachable (code {c})"),
            (5, _) => "redirect".into(),
            (11, 0) => "time exceeded: TTL expired in transit".into(),
            (11, 1) => "time exceeded: fragment reassembly".into(),
            (12, _) => "parameter problem".into(),
            (t, c) => format!("type {t} code {c}"),
        }
    }

    pub fn summary_v6(t: u8, code: u8, rest: [u8; 4]) -> String {
        match (t, code) {
            (1, 0) => "destination unreachable: no route".into(),
            (1, 1) => "destination unreachable: administratively prohibited".into(),
            (1, 3) => "destination unreachable: address unreachable".into(),
            (1, 4) => "destination unreachable: port unreachable".into(),
            (1, c) => format!("destination unreachable (code {c})"),
            (2, _) => format!("packet too big, MTU {}", u32::from_be_bytes(rest)),
            (3, 0) => "time exceeded: hop limit exceeded in transit".into(),
            (3, _) => "time exceeded: fragment reassembly".into(),
            (4, _) => "parameter problem".into(),
            (128, _) => "echo request".into(),
            (129, _) => "echo reply".into(),
            (133, _) => "router solicitation".into(),
            (134, _) => "router advertisement".into(),
            (135, _) => "neighbor solicitation".into(),
            (136, _) => "neighbor advertisement".into(),
            (137, _) => "redirect".into(),
            (143, _) => "multicast listener report v2".into(),
            (t, c) => format!("type {t} code {c}"),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn quoted_ipv6_udp_and_a_quote_cut_short() {
            // An IPv6 header (next header UDP) from 2001:db8:1::10 to
            // 2001:db8:2::53, then the UDP ports 5300 → 53.
            let mut b = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
            b.extend([
                0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
            ]);
            b.extend([
                0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
            ]);
            b.extend([0x14, 0xb4, 0, 53, 0, 8, 0, 0]);
            let q = quoted(&b).unwrap();
            assert_eq!(q.src.to_string(), "2001:db8:1::10");
            assert_eq!(q.dst.to_string(), "2001:db8:2::53");
            assert_eq!(
                (q.proto, q.src_port, q.dst_port),
                (17, Some(5300), Some(53))
            );
            let mut text = String::new();
            describe_quoted(Some(&q), &mut text);
            assert_eq!(
                text,
                ", about UDP [2001:db8:1::10]:5300 → [2001:db8:2::53]:53"
            );
            // Only two bytes of the UDP header: no ports, but the addresses.
            let short = quoted(&b[..42]).unwrap();
            assert_eq!((short.src_port, short.dst_port), (None, None));
            assert!(quoted(&b[..10]).is_none());
        }
    }
}
