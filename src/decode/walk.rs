//! The state of one walk down a frame's layers ([`Walk`]) and what each
//! step hands to the next ([`Next`], [`IpPayload`]). The steps (link, IP,
//! ICMP, transport, tunnels) read these types; the tables that choose the
//! next step are in [`super::dispatch`], which imports the steps, so no
//! step imports the tables.

use super::defrag::{Defragmenter, PassThrough};
use super::error::DecodeError;
use super::layer::Layer;
use super::link;
use super::packet::{Packet, UdpInfo};
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
    /// A UDP payload, routed by its ports or by what it looks like.
    Udp(UdpInfo, &'a [u8]),
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

    /// Bytes the frame held on the wire from the start of `bytes` on, when
    /// `bytes` are the frame's own and its length on the wire is known.
    pub fn on_wire_from(&self, bytes: &[u8]) -> Option<usize> {
        let start = self.frame.as_ptr() as usize;
        let at = bytes.as_ptr() as usize;
        let len = self.packet.len as usize;
        (len > 0 && at >= start && at <= start + self.frame.len())
            .then(|| len.saturating_sub(at - start))
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
        if link.ppp.is_some() {
            self.packet.ppp = link.ppp;
        }
        if let Some(n) = link.nflog {
            self.packet.nflog = Some(Box::new(n));
        }
        if link.llc.is_some() {
            self.packet.llc = link.llc;
        }
        if let Some(error) = link.error {
            let offset = self.offset_of(data);
            self.fail(DecodeError::Link { error, offset });
        }
        match link.ether_type {
            Some(t) => Next::EtherType(t, link.payload),
            None => Next::Done,
        }
    }
}
