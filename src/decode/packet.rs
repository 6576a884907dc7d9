//! What one frame decodes to: [`Packet`] and the per-layer summaries it
//! holds for the network and transport layers. The link-layer summaries
//! live with their decoders in [`super::link`].

use super::layer::Layer;
use super::link::{EthInfo, SllInfo};
use super::tunnel_info as tunnel;
use super::{arp, dhcp, dns, http, ndp, quic, socks, starttls, tcp, tls, websocket};
use serde::Serialize;
use std::net::IpAddr;

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
    /// The layers outside a tunnel, outermost first, when the frame carries
    /// one: the fields below then describe the innermost packet, the one
    /// flows track.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub encap: Vec<Encap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eth: Option<EthInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlan: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sll: Option<SllInfo>,
    /// The PPP header of a PPP link or a PPPoE session, when the frame is
    /// not an IP packet (LCP, IPCP, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppp: Option<super::ppp::PppInfo>,
    /// A PPPoE discovery packet, or a session packet that carries no IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pppoe: Option<Box<tunnel::PppoeInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nflog: Option<Box<super::nflog::NflogInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llc: Option<super::link::LlcInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<arp::ArpInfo>,
    /// An ARP or RARP packet that is not Ethernet/IPv4 (RFC 826 allows any
    /// hardware and protocol address sizes): addresses in hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp_generic: Option<Box<arp::ArpGeneric>>,
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
    /// HTTP/1.x message heads this frame completed (TCP), or the one its
    /// UDP datagram carries (SSDP on port 1900).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<http::HttpMessage>,
    /// HTTP/1.x bodies completed by this frame (not serialised; the story
    /// reads where each body travelled).
    #[serde(skip)]
    pub http_bodies: Vec<http::BodySpan>,
    /// HTTP/2 frames completed by this frame, in decrypted TLS (RFC 9113).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http2: Vec<super::http2::H2Frame>,
    /// SOCKS handshake messages this frame completed (RFC 1928, SOCKS4/4a).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub socks: Vec<socks::SocksMessage>,
    /// SMTP, IMAP, POP3 or FTP command and reply lines this frame
    /// completed, up to the switch to TLS.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<starttls::TextLine>,
    /// DTLS records and handshake messages of the datagram (RFC 6347).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtls: Option<Box<tls::dtls::DtlsInfo>>,
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
    /// Moves the layers a tunnel's inner packet will describe again into
    /// [`Packet::encap`]: the network and transport layers, and the link
    /// layer too when the inner packet starts with one of its own.
    pub fn enter_tunnel(&mut self, inner_has_link: bool) {
        if inner_has_link {
            if let Some(e) = self.eth.take() {
                self.encap.push(Encap::Ethernet(e));
            }
            for id in std::mem::take(&mut self.vlan) {
                self.encap.push(Encap::Vlan { id });
            }
            if let Some(s) = self.sll.take() {
                self.encap.push(Encap::Sll(s));
            }
        }
        match self.ip.take() {
            Some(ip) if ip.version == 6 => self.encap.push(Encap::Ipv6(ip)),
            Some(ip) => self.encap.push(Encap::Ipv4(ip)),
            None => {}
        }
        if let Some(u) = self.udp.take() {
            self.encap.push(Encap::Udp(u));
        }
        if let Some(t) = self.tcp.take() {
            self.encap.push(Encap::Tcp(Box::new(t)));
        }
    }

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
    /// Where this fragment goes (RFC 791 §3.1, RFC 8200 §4.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frag: Option<FragInfo>,
    /// Set on the frame whose fragment completed a datagram: what was
    /// reassembled (tshark's `ip.fragments` / `ipv6.fragments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassembled: Option<Reassembled>,
}

/// One fragment's place in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FragInfo {
    /// Offset of its bytes in the datagram's payload, in bytes.
    pub offset: u32,
    /// The More Fragments flag (IPv4) or M bit (IPv6).
    pub more: bool,
    /// The identification that names the datagram: IPv4's 16 bits or the
    /// IPv6 fragment header's 32.
    pub id: u32,
}

/// A datagram reassembled from fragments (RFC 791 §3.2, RFC 8200 §4.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reassembled {
    /// The frames whose fragments made it, in offset order.
    pub frames: Vec<u64>,
    /// Its whole IP payload's length in bytes.
    pub length: usize,
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
    pub quoted: Option<Quoted>,
    /// Echo request or reply: identifier and sequence number (RFC 792,
    /// RFC 4443 §4).
    #[serde(skip)]
    pub echo: Option<(u16, u16)>,
}

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

/// A decoded frame: the summary, and the transport payload bytes that
/// stream-level decoders (DNS over TCP, TLS, HTTP) still need.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub packet: Packet,
    /// TCP or UDP payload as captured (may be shorter than on the wire).
    pub payload: &'a [u8],
}

/// A layer outside a tunnel, serialised with its kind in `layer`:
/// `{"layer":"ipv4","version":4,"src":…}`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "layer", rename_all = "snake_case")]
pub enum Encap {
    Ethernet(EthInfo),
    Vlan { id: u16 },
    Sll(SllInfo),
    Ipv4(IpInfo),
    Ipv6(IpInfo),
    Udp(UdpInfo),
    Tcp(Box<tcp::TcpInfo>),
    Vxlan(tunnel::VxlanInfo),
    Geneve(tunnel::GeneveInfo),
    Gre(tunnel::GreInfo),
    Erspan(tunnel::ErspanInfo),
    GtpU(tunnel::GtpInfo),
    Mpls(tunnel::MplsInfo),
    Pppoe(tunnel::PppoeSession),
}

impl Encap {
    /// A tunnel header's identifiers, as the text and the story name them:
    /// "VNI 42", "key 7", "session 5", "TEID 0x01020304", "label 16/17";
    /// `None` for the layers that are not a tunnel's own header.
    pub fn identifiers(&self) -> Option<String> {
        match self {
            Encap::Vxlan(v) => Some(format!("VNI {}", v.vni)),
            Encap::Geneve(g) => Some(format!("VNI {}", g.vni)),
            Encap::Gre(g) => match (g.key, g.seq) {
                (Some(k), _) => Some(format!("key {k}")),
                (None, Some(s)) => Some(format!("seq {s}")),
                (None, None) => None,
            },
            Encap::Erspan(e) => e.session_id.map(|s| format!("session {s}")),
            Encap::GtpU(g) => Some(format!("TEID {:#010x}", g.teid)),
            Encap::Mpls(m) => {
                let l: Vec<String> = m.labels.iter().map(|l| l.label.to_string()).collect();
                Some(format!("label {}", l.join("/")))
            }
            Encap::Pppoe(s) => Some(format!("session {:#06x}", s.session_id)),
            _ => None,
        }
    }

    /// Whether this is a tunnel's own header rather than a link, IP or
    /// transport layer outside it.
    pub fn is_tunnel(&self) -> bool {
        !matches!(
            self,
            Encap::Ethernet(_)
                | Encap::Vlan { .. }
                | Encap::Sll(_)
                | Encap::Ipv4(_)
                | Encap::Ipv6(_)
                | Encap::Udp(_)
                | Encap::Tcp(_)
        )
    }

    /// The kind of layer this is.
    pub fn layer(&self) -> Layer {
        match self {
            Encap::Ethernet(_) => Layer::Ethernet,
            Encap::Vlan { .. } => Layer::Vlan,
            Encap::Sll(_) => Layer::LinuxSll,
            Encap::Ipv4(_) => Layer::Ipv4,
            Encap::Ipv6(_) => Layer::Ipv6,
            Encap::Udp(_) => Layer::Udp,
            Encap::Tcp(_) => Layer::Tcp,
            Encap::Vxlan(_) => Layer::Vxlan,
            Encap::Geneve(_) => Layer::Geneve,
            Encap::Gre(_) => Layer::Gre,
            Encap::Erspan(_) => Layer::Erspan,
            Encap::GtpU(_) => Layer::GtpU,
            Encap::Mpls(_) => Layer::Mpls,
            Encap::Pppoe(_) => Layer::Pppoe,
        }
    }
}
