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

use super::error::DecodeError;
use super::link::{ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use super::packet::UdpInfo;
use super::tls::dtls;
use super::tunnel::{gre, gtp, mpls, ppp, vxlan};
pub use super::walk::{IpPayload, Next, Walk, MAX_TUNNELS};
use super::{arp, dhcp, dns, icmp, ip, quic, ssdp, transport};

impl<'a> Walk<'a, '_> {
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
                Next::Udp(info, payload) => udp_payload(self, &info, payload),
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
    (arp::ETHERTYPE_RARP, arp_step),
    (mpls::ETHERTYPE_MPLS, mpls::step),
    (mpls::ETHERTYPE_MPLS_MULTICAST, mpls::step),
    (ppp::ETHERTYPE_PPPOE_DISCOVERY, ppp::discovery_step),
    (ppp::ETHERTYPE_PPPOE_SESSION, ppp::session_step),
];

/// IP protocol number → step (IANA protocol numbers).
pub const IP_PROTOCOLS: &[(u8, IpStep)] = &[
    (1, icmp::step_v4),
    (2, transport::igmp),
    (4, ip::ip_in_ip),
    (6, transport::tcp),
    (17, transport::udp),
    (41, ip::ip_in_ip),
    (47, gre::step),
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
    UdpRoute {
        ports: &[vxlan::VXLAN_PORT],
        accepts: any_ports,
        step: vxlan::vxlan_step,
    },
    UdpRoute {
        ports: &[vxlan::GENEVE_PORT],
        accepts: any_ports,
        step: vxlan::geneve_step,
    },
    UdpRoute {
        ports: &[gtp::GTP_U_PORT],
        accepts: any_ports,
        step: gtp::step,
    },
    UdpRoute {
        ports: &[ssdp::SSDP_PORT],
        accepts: any_ports,
        step: ssdp_step,
    },
];

/// A test of whether a UDP payload looks like one protocol.
pub type Looks = fn(&[u8]) -> bool;

/// For UDP on no known port: payload test → step.
pub const UDP_HEURISTICS: &[(Looks, UdpStep)] = &[
    (quic::looks_like_long_header, quic_step),
    (dtls::looks_like_dtls, dtls_step),
];

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
    match arp::parse_any(bytes) {
        Ok(arp::Arp::EthernetIpv4(a)) => w.packet.arp = Some(a),
        Ok(arp::Arp::Generic(a)) => w.packet.arp_generic = Some(Box::new(a)),
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
    match dns::parse_message_partial(payload, proto) {
        Ok((m, error)) => {
            w.packet.dns = Some(Box::new(m));
            if let Some(e) = error {
                w.packet.errors.push(format!("{proto}: {e}"));
            }
        }
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

/// HTTP over UDP on port 1900 (SSDP): one message head per datagram.
fn ssdp_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, payload: &'a [u8]) -> Next<'a> {
    match ssdp::parse(payload, w.packet.frame) {
        Ok(m) => w.packet.http.push(m),
        Err(e) => w.packet.errors.push(e),
    }
    Next::Done
}

/// DTLS records, recognised by their header on any port.
fn dtls_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, payload: &'a [u8]) -> Next<'a> {
    let (info, error) = dtls::parse(payload);
    w.packet.dtls = Some(Box::new(info));
    w.packet.errors.extend(error);
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
