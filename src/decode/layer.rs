//! The typed layer stack: which layer a decoding step is in ([`Layer`]),
//! and the summaries of the layers outside a tunnel ([`Encap`]), which a
//! frame keeps in [`super::Packet::encap`] while its other fields describe
//! the innermost packet.

use super::link::{EthInfo, SllInfo};
use super::packet::{IpInfo, UdpInfo};
use super::tcp::TcpInfo;
use serde::Serialize;
use std::fmt;

/// One kind of layer a frame can hold, in the order a frame is decoded:
/// link, network, transport, and the tunnels that start another stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Ethernet,
    /// Linux cooked capture, v1 or v2.
    LinuxSll,
    /// BSD NULL and LOOP.
    Loopback,
    RawIp,
    /// An IEEE 802.1Q or 802.1ad tag inside an Ethernet header.
    Vlan,
    Arp,
    Ipv4,
    Ipv6,
    /// An IPv4 fragment, or an IPv6 packet with a fragment header.
    Fragment,
    Tcp,
    Udp,
    Icmpv4,
    Icmpv6,
    Igmp,
    /// IPv6 neighbour discovery, inside ICMPv6.
    Ndp,
    /// IPv4 or IPv6 inside IP (RFC 2003, RFC 4213 §3.5).
    IpInIp,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Ethernet => "Ethernet",
            Layer::LinuxSll => "Linux cooked",
            Layer::Loopback => "loopback",
            Layer::RawIp => "raw IP",
            Layer::Vlan => "VLAN",
            Layer::Arp => "ARP",
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Fragment => "IP fragment",
            Layer::Tcp => "TCP",
            Layer::Udp => "UDP",
            Layer::Icmpv4 => "ICMP",
            Layer::Icmpv6 => "ICMPv6",
            Layer::Igmp => "IGMP",
            Layer::Ndp => "neighbour discovery",
            Layer::IpInIp => "IP-in-IP",
        })
    }
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
    Tcp(Box<TcpInfo>),
}

impl Encap {
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
        }
    }
}
