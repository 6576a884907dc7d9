//! The layer walk: each decoding step reads one layer and says what comes
//! next ([`Next`]); the next step is looked up in a table keyed by what the
//! outer layer names — [`super::link::LINK_TYPES`] by link type,
//! [`ETHER_TYPES`] by EtherType, [`IP_PROTOCOLS`] by IP protocol number,
//! [`UDP_ROUTES`] by UDP port and, for UDP on no known port,
//! [`UDP_HEURISTICS`] by what the payload looks like.
//!
//! Adding a protocol, a link type or a tunnel is one new file with its step
//! and one line in the table that leads to it. A tunnel's step calls
//! [`Walk::enter_tunnel`] and returns where the inner packet starts:
//! [`Walk::link`] with `linktype::ETHERNET` for Ethernet inside (VXLAN on
//! UDP 4789, Geneve, GRE's transparent Ethernet bridging),
//! `Next::EtherType` with the protocol type GRE names, or
//! `Next::EtherType(ETHERTYPE_IPV4, …)` for IP inside IP ([`ip::ip_in_ip`]).
//! The outer layers move to [`Packet::encap`], the walk recurses, and past
//! [`MAX_TUNNELS`] nested tunnels it stops with an error.

use super::defrag::{Defragmenter, PassThrough};
use super::error::DecodeError;
use super::layer::Layer;
use super::link::{ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use super::packet::{Packet, UdpInfo};
use super::{arp, dhcp, dns, icmp, ip, link, quic, transport};
use etherparse::LenSource;

/// How many tunnels inside tunnels are followed.
pub const MAX_TUNNELS: usize = 8;

/// An IP payload on its way to the transport layer.
#[derive(Debug, Clone, Copy)]
pub struct IpPayload<'a> {
    /// The protocol number after any IPv6 extension headers.
    pub proto: u8,
    /// The payload as captured.
    pub bytes: &'a [u8],
    /// Its length on the wire, from the IP header's own length field.
    pub wire_len: Option<usize>,
    /// Where it starts in its IP packet, and where its length came from
    /// (for the wording of a transport header cut short).
    pub(crate) ip_offset: usize,
    pub(crate) len_source: LenSource,
}

impl<'a> IpPayload<'a> {
    /// A whole reassembled datagram's payload.
    pub fn reassembled(proto: u8, bytes: &'a [u8]) -> IpPayload<'a> {
        IpPayload {
            proto,
            bytes,
            wire_len: Some(bytes.len()),
            ip_offset: 0,
            len_source: LenSource::Slice,
        }
    }
}

/// What a step found the rest of the bytes to be.
#[derive(Debug)]
pub enum Next<'a> {
    /// A payload of this EtherType.
    EtherType(u16, &'a [u8]),
    /// An IP payload.
    Ip(IpPayload<'a>),
    /// Nothing further to decode.
    Done,
}

/// The state of one walk down a frame's layers.
pub struct Walk<'a, 'p> {
    pub packet: &'p mut Packet,
    /// The innermost TCP or UDP payload, for the stream decoders.
    pub payload: &'a [u8],
    frame: &'a [u8],
    tunnels: usize,
    defrag: Option<&'a mut dyn Defragmenter>,
}

impl<'a, 'p> Walk<'a, 'p> {
    pub fn new(
        packet: &'p mut Packet,
        frame: &'a [u8],
        defrag: Option<&'a mut dyn Defragmenter>,
    ) -> Walk<'a, 'p> {
        Walk {
            packet,
            payload: &[],
            frame,
            tunnels: 0,
            defrag,
        }
    }

    /// Offset of `bytes` from the start of the frame (0 for bytes that are
    /// not the frame's own, such as a reassembled datagram).
    pub fn offset_of(&self, bytes: &[u8]) -> usize {
        let start = self.frame.as_ptr() as usize;
        let at = bytes.as_ptr() as usize;
        if at >= start && at <= start + self.frame.len() {
            at - start
        } else {
            0
        }
    }

    /// Records what could not be decoded.
    pub fn fail(&mut self, e: DecodeError) {
        if e.is_cut_short() {
            self.packet.truncated = true;
        }
        self.packet.errors.push(e.to_string());
    }

    /// Starts the layers inside a tunnel: false (and an error) when
    /// tunnels are nested too deep.
    pub fn enter_tunnel(&mut self, layer: Layer, inner: &[u8], inner_has_link: bool) -> bool {
        if self.tunnels == MAX_TUNNELS {
            let offset = self.offset_of(inner);
            self.fail(DecodeError::TooDeep {
                layer,
                max: MAX_TUNNELS,
                offset,
            });
            return false;
        }
        self.tunnels += 1;
        self.packet.enter_tunnel(inner_has_link);
        self.payload = &[];
        true
    }

    /// The reassembler for this walk's fragment: the one given, for the
    /// first fragment of the walk (a datagram it returns stays borrowed
    /// while the walk's payload lives), then [`PassThrough`].
    pub fn defragmenter(&mut self) -> &'a mut dyn Defragmenter {
        match self.defrag.take() {
            Some(d) => d,
            // PassThrough has no size: leaking it allocates nothing.
            None => Box::leak(Box::new(PassThrough)),
        }
    }

    /// Decodes a link header (the frame's own, or one inside a tunnel)
    /// into the packet; the payload goes on by its EtherType.
    pub fn link(&mut self, linktype: u32, data: &'a [u8]) -> Next<'a> {
        let link = link::split(linktype, data);
        self.packet.eth = link.eth;
        self.packet.vlan = link.vlan;
        self.packet.sll = link.sll;
        if let Some(error) = link.error {
            let offset = self.offset_of(data);
            self.fail(DecodeError::Link { error, offset });
        }
        match link.ether_type {
            Some(t) => Next::EtherType(t, link.payload),
            None => Next::Done,
        }
    }

    /// Decodes from `next` to the innermost layer.
    pub fn run(&mut self, mut next: Next<'a>) {
        loop {
            next = match next {
                Next::EtherType(t, bytes) => match lookup(ETHER_TYPES, t) {
                    Some(step) => step(self, bytes),
                    None => Next::Done,
                },
                Next::Ip(payload) => match lookup(IP_PROTOCOLS, payload.proto) {
                    Some(step) => step(self, payload),
                    None => Next::Done,
                },
                Next::Done => return,
            }
        }
    }
}

/// A step keyed by EtherType: the bytes after the link header or tag.
pub type EtherStep = for<'a, 'p> fn(&mut Walk<'a, 'p>, &'a [u8]) -> Next<'a>;
/// A step keyed by IP protocol number.
pub type IpStep = for<'a, 'p> fn(&mut Walk<'a, 'p>, IpPayload<'a>) -> Next<'a>;
/// A step for a UDP payload: the datagram, the port that chose the route,
/// and the payload (never empty).
pub type UdpStep = for<'a, 'p> fn(&mut Walk<'a, 'p>, &UdpInfo, u16, &'a [u8]) -> Next<'a>;

/// EtherType → step (IEEE registry). VLAN tags are read with the Ethernet
/// header, in [`super::link`].
pub const ETHER_TYPES: &[(u16, EtherStep)] = &[
    (ETHERTYPE_ARP, arp_step),
    (ETHERTYPE_IPV4, ip::step),
    (ETHERTYPE_IPV6, ip::step),
];

/// IP protocol number → step (IANA protocol numbers).
pub const IP_PROTOCOLS: &[(u8, IpStep)] = &[
    (1, icmp::step_v4),
    (2, transport::igmp),
    (4, ip::ip_in_ip),
    (6, transport::tcp),
    (17, transport::udp),
    (41, ip::ip_in_ip),
    (58, icmp::step_v6),
];

/// A UDP application route: the ports that name it, and whether a
/// datagram between these two ports is really it.
pub struct UdpRoute {
    pub ports: &'static [u16],
    pub accepts: fn(u16, u16) -> bool,
    pub step: UdpStep,
}

/// UDP port → step, in order of precedence: the first route with either
/// port wins, its source port tried before its destination port.
pub const UDP_ROUTES: &[UdpRoute] = &[
    UdpRoute {
        ports: &[53, 5353, 5355],
        accepts: any_ports,
        step: dns_step,
    },
    UdpRoute {
        ports: &[dhcp::SERVER_PORT, dhcp::CLIENT_PORT],
        accepts: dhcp::is_dhcp_ports,
        step: dhcp_step,
    },
    UdpRoute {
        ports: &[443],
        accepts: any_ports,
        step: quic_step,
    },
];

/// A test of whether a UDP payload looks like one protocol.
pub type Looks = fn(&[u8]) -> bool;

/// For UDP on no known port: payload test → step.
pub const UDP_HEURISTICS: &[(Looks, UdpStep)] = &[(quic::looks_like_long_header, quic_step)];

fn lookup<K: PartialEq + Copy, S: Copy>(table: &[(K, S)], key: K) -> Option<S> {
    table.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The route and port a UDP datagram between these ports takes.
pub fn udp_route(src: u16, dst: u16) -> Option<(&'static UdpRoute, u16)> {
    UDP_ROUTES.iter().find_map(|r| {
        let port = [src, dst].into_iter().find(|p| r.ports.contains(p))?;
        (r.accepts)(src, dst).then_some((r, port))
    })
}

/// Decodes what a UDP datagram carries.
pub fn udp_payload<'a>(w: &mut Walk<'a, '_>, udp: &UdpInfo, payload: &'a [u8]) -> Next<'a> {
    if payload.is_empty() {
        return Next::Done;
    }
    if let Some((route, port)) = udp_route(udp.src_port, udp.dst_port) {
        return (route.step)(w, udp, port, payload);
    }
    match UDP_HEURISTICS.iter().find(|(looks, _)| looks(payload)) {
        Some((_, step)) => step(w, udp, 0, payload),
        None => Next::Done,
    }
}

fn any_ports(_: u16, _: u16) -> bool {
    true
}

fn arp_step<'a>(w: &mut Walk<'a, '_>, bytes: &'a [u8]) -> Next<'a> {
    match arp::parse(bytes) {
        Ok(a) => w.packet.arp = Some(a),
        Err(error) => {
            let offset = w.offset_of(bytes);
            w.fail(DecodeError::Arp { error, offset });
        }
    }
    Next::Done
}

fn dns_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, port: u16, payload: &'a [u8]) -> Next<'a> {
    let Some(proto) = dns::is_dns_port(port) else {
        return Next::Done;
    };
    match dns::parse_message(payload, proto) {
        Ok(m) => w.packet.dns = Some(Box::new(m)),
        Err(e) => w.packet.errors.push(format!("{proto}: {e}")),
    }
    Next::Done
}

fn dhcp_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, payload: &'a [u8]) -> Next<'a> {
    match dhcp::parse(payload) {
        Ok(m) => w.packet.dhcp = Some(Box::new(m)),
        Err(e) => w.packet.errors.push(e.to_string()),
    }
    Next::Done
}

fn quic_step<'a>(w: &mut Walk<'a, '_>, udp: &UdpInfo, _: u16, payload: &'a [u8]) -> Next<'a> {
    quic::decode_into(w.packet, payload, udp.dst_port == 443);
    Next::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::link::LINK_TYPES;

    #[test]
    fn tables_have_one_entry_per_key() {
        fn unique<K: PartialEq + Copy + std::fmt::Debug, S>(t: &[(K, S)]) {
            for (i, (k, _)) in t.iter().enumerate() {
                assert!(t[..i].iter().all(|(o, _)| o != k), "{k:?} twice");
            }
        }
        unique(ETHER_TYPES);
        unique(IP_PROTOCOLS);
        unique(LINK_TYPES);
        assert!(lookup(ETHER_TYPES, ETHERTYPE_IPV6).is_some());
        assert!(lookup(ETHER_TYPES, 0x88cc).is_none());
        assert!(lookup(IP_PROTOCOLS, 6).is_some());
        assert!(lookup(IP_PROTOCOLS, 132).is_none());
    }

    #[test]
    fn udp_routes_keep_their_precedence() {
        let port = |s, d| udp_route(s, d).map(|(_, p)| p);
        // DNS before QUIC, whichever side the port is on.
        assert_eq!(port(443, 53), Some(53));
        // The source port first within a route: mDNS answered from 5353.
        assert_eq!(port(5353, 53), Some(5353));
        // DHCP only between its own two ports.
        assert_eq!(port(68, 67), Some(68));
        assert_eq!(port(67, 40000), None);
        assert_eq!(port(40000, 443), Some(443));
        assert_eq!(port(40000, 40001), None);
    }
}
