//! Tunnels: the headers that wrap a whole packet in another one. Each file
//! reads one header with [`super::cursor::Cursor`], records its
//! identifiers as an [`super::Encap`] layer, and hands the inner packet
//! back to the walk ([`super::dispatch`] chooses the step by UDP port, IP
//! protocol or EtherType):
//!
//! - [`vxlan`]: VXLAN (RFC 7348, UDP 4789) and Geneve (RFC 8926, UDP 6081);
//! - [`gre`]: GRE (RFC 2784, RFC 2890 key and sequence number), its
//!   transparent Ethernet bridging (0x6558) and ERSPAN types I, II and III;
//! - [`gtp`]: GTP-U (3GPP TS 29.281, UDP 2152) with its extension headers;
//! - [`mpls`]: MPLS label stacks (RFC 3032) and the pseudowire control
//!   word (RFC 4385);
//! - [`ppp`]: PPPoE discovery and session (RFC 2516) and the PPP protocol
//!   field (RFC 1661), shared with the PPP link types.

pub mod gre;
pub mod gtp;
pub mod mpls;
pub mod ppp;
pub mod vxlan;

use super::cursor::Short;
use super::error::DecodeError;
use super::layer::Layer;
use super::packet::Encap;
pub use super::tunnel_error::TunnelError;
use super::walk::{Next, Walk};
use crate::capture::linktype;

/// A [`Short`] read inside a tunnel header, as a [`TunnelError`].
pub(crate) fn short(layer: Layer) -> impl Fn(Short) -> TunnelError {
    move |short| TunnelError::Short { layer, short }
}

/// Records a tunnel header that could not be read at `bytes`; the bytes
/// stay the outer packet's payload.
pub(crate) fn failed<'a>(w: &mut Walk<'a, '_>, bytes: &[u8], error: TunnelError) -> Next<'a> {
    let offset = w.offset_of(bytes);
    let cut = matches!(error, TunnelError::Short { .. });
    w.fail(DecodeError::Tunnel { error, offset });
    if cut {
        w.packet.truncated = true;
    }
    Next::Done
}

/// What a tunnel header says comes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inner {
    /// An Ethernet frame.
    Ethernet,
    /// A payload of this EtherType (IPv4, IPv6, MPLS, …).
    EtherType(u16),
    /// An IPv4 or IPv6 packet, its version nibble says which.
    Ip,
}

/// Starts the inner packet of a tunnel whose header reads as `encap`:
/// the outer layers move to [`super::Packet::encap`], then `encap`, and
/// the walk goes on at `inner`.
pub(crate) fn enter<'a>(
    w: &mut Walk<'a, '_>,
    layer: Layer,
    encap: Encap,
    kind: Inner,
    inner: &'a [u8],
) -> Next<'a> {
    let ether_type = match kind {
        Inner::Ethernet => None,
        Inner::EtherType(t) => Some(t),
        Inner::Ip => match ip_ether_type(inner) {
            Some(t) => Some(t),
            // Not an IP header: the bytes stay the outer packet's payload.
            None => return Next::Done,
        },
    };
    if !w.enter_tunnel(layer, inner, ether_type.is_none()) {
        return Next::Done;
    }
    w.packet.encap.push(encap);
    match ether_type {
        None => w.link(linktype::ETHERNET, inner),
        Some(t) => Next::EtherType(t, inner),
    }
}

/// The EtherType of an IP packet by its version nibble.
pub(crate) fn ip_ether_type(bytes: &[u8]) -> Option<u16> {
    match bytes.first().map(|b| b >> 4) {
        Some(4) => Some(super::link::ETHERTYPE_IPV4),
        Some(6) => Some(super::link::ETHERTYPE_IPV6),
        _ => None,
    }
}

/// An EtherType (or the protocol type GRE and Geneve carry, which are
/// EtherTypes) as the inner packet: 0x6558 is Ethernet itself.
pub(crate) fn by_protocol(protocol: u16) -> Inner {
    match protocol {
        TRANSPARENT_ETHERNET => Inner::Ethernet,
        t => Inner::EtherType(t),
    }
}

/// Transparent Ethernet bridging (RFC 1701's protocol type registry).
pub const TRANSPARENT_ETHERNET: u16 = 0x6558;
