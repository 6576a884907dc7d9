//! The typed layer stack: which layer a decoding step is in ([`Layer`]).
//! The summaries of the layers outside a tunnel are [`super::Encap`]
//! values, which a frame keeps in [`super::Packet::encap`] while its other
//! fields describe the innermost packet.

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
    Vxlan,
    Geneve,
    Gre,
    Erspan,
    GtpU,
    Mpls,
    Pppoe,
    Ppp,
    /// Linux NFLOG (LINKTYPE_NFLOG).
    Nflog,
    /// IEEE 802.2 LLC, with SNAP when it carries an EtherType.
    Llc,
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
            Layer::Vxlan => "VXLAN",
            Layer::Geneve => "Geneve",
            Layer::Gre => "GRE",
            Layer::Erspan => "ERSPAN",
            Layer::GtpU => "GTP-U",
            Layer::Mpls => "MPLS",
            Layer::Pppoe => "PPPoE",
            Layer::Ppp => "PPP",
            Layer::Nflog => "NFLOG",
            Layer::Llc => "LLC",
        })
    }
}
