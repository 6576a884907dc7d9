//! Per-frame decoding: pure functions from bytes to owned summaries.
//!
//! Nothing here prints, and nothing here panics on any input: what cannot be
//! decoded becomes a string in [`Packet::errors`] (from a typed
//! [`DecodeError`] for the link, network and transport layers).
//!
//! A frame is decoded as a walk down its layers ([`dispatch`]): the link
//! decoder of its link type ([`link`]), then steps looked up by EtherType
//! (ARP, IP), by IP protocol (TCP, UDP, ICMP, ICMPv6, IGMP, IP in IP) and by
//! UDP port (DNS, DHCP, QUIC). Tunnels recurse, with their outer layers
//! kept in [`Packet::encap`].
//!
//! Reassembly plugs in between IP and transport: [`ip::step`] offers every
//! fragment to a [`defrag::Defragmenter`] and continues to the transport
//! step only with the datagram it returns. [`decode_frame`] uses
//! [`defrag::PassThrough`], which keeps nothing (a fragment is marked
//! `ip.fragment` and decoded no further); a reassembler passes itself to
//! [`decode_frame_with`], or decodes a datagram it completed with
//! [`decode_transport`].

pub mod arp;
pub mod cursor;
pub mod defrag;
pub mod dhcp;
pub mod dispatch;
pub mod dns;
pub mod error;
pub mod fingerprint;
pub mod http;
pub mod http2;
pub mod http3;
pub mod icmp;
pub mod ip;
pub mod layer;
pub mod link;
pub mod ndp;
pub mod nflog;
pub mod packet;
pub mod ppp;
pub mod quic;
pub mod socks;
pub mod ssdp;
pub mod starttls;
pub mod stream;
pub mod tcp;
pub mod tls;
pub mod transport;
pub mod tunnel;
pub mod tunnel_error;
pub mod tunnel_info;
pub mod walk;
pub mod websocket;

pub use dispatch::IpPayload;
pub use error::DecodeError;
pub use layer::Layer;
pub use link::{EthInfo, Mac, SllInfo, SllPacketType};
pub use packet::{Decoded, Encap, FragInfo, IcmpInfo, IpInfo, Packet, Reassembled, UdpInfo};

use dispatch::{Next, Walk};

/// Decodes one frame from the link layer to the transport layer, plus the
/// protocols that fit in one datagram (ARP, neighbour discovery, DNS over
/// UDP). Never panics; problems go to `packet.errors`.
pub fn decode_frame<'a>(frame: &crate::capture::Frame<'a>) -> Decoded<'a> {
    decode(frame, None)
}

/// [`decode_frame`] with fragments offered to `defrag`, which is borrowed
/// while the result lives: the payload may be a datagram it holds.
pub fn decode_frame_with<'a>(
    frame: &crate::capture::Frame<'a>,
    defrag: &'a mut dyn defrag::Defragmenter,
) -> Decoded<'a> {
    decode(frame, Some(defrag))
}

fn decode<'a>(
    frame: &crate::capture::Frame<'a>,
    defrag: Option<&'a mut dyn defrag::Defragmenter>,
) -> Decoded<'a> {
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
    let mut walk = Walk::new(&mut packet, frame.data, defrag);
    let next = walk.link(frame.linktype, frame.data);
    walk.run(next);
    let payload = walk.payload;
    Decoded { packet, payload }
}

/// Decodes an IP payload from the transport layer up into `packet` (whose
/// `ip` describes the datagram), as for a datagram reassembled from
/// fragments; returns the TCP or UDP payload for the stream decoders.
pub fn decode_transport<'a>(payload: IpPayload<'a>, packet: &mut Packet) -> &'a [u8] {
    let mut walk = Walk::new(packet, payload.bytes, None);
    walk.run(Next::Ip(payload));
    walk.payload
}

#[cfg(test)]
mod tests;
