//! The seam between IP and transport where fragments are reassembled
//! (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6).
//!
//! Decoding is pure: it hands each fragment to a [`Defragmenter`] and goes
//! on to the transport layer only with what that returns. [`PassThrough`],
//! the one [`super::decode_frame`] uses, keeps nothing, so a fragment is
//! marked (`ip.fragment`) and decoded no further. A stateful reassembler
//! (one per capture, in flow) implements the trait and is passed to
//! [`super::decode_frame_with`]; when a fragment completes a datagram it
//! returns the datagram's IP payload, and the walk decodes TCP, UDP or ICMP
//! from it as from an unfragmented packet.

use std::net::IpAddr;

/// One fragment, as the IP layer saw it.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 identification or IPv6 fragment header identification: with
    /// the addresses and protocol, what names the datagram.
    pub id: u32,
    /// The protocol of the reassembled payload.
    pub proto: u8,
    /// Where these bytes go in the datagram's payload, in bytes.
    pub offset: u32,
    /// More fragments follow (the MF flag / M bit).
    pub more: bool,
    /// This fragment's length in the datagram, from the IP header's own
    /// length fields; more than `bytes.len()` when the capture cut it.
    pub len: u32,
    /// This fragment's part of the payload, as captured.
    pub bytes: &'a [u8],
    /// The frame that carried it, and its capture time in seconds.
    pub frame: u64,
    pub ts: f64,
}

/// A datagram a fragment completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'s> {
    /// The whole IP payload.
    pub payload: &'s [u8],
    /// Every frame whose fragment went into it, in offset order.
    pub frames: &'s [u64],
}

/// What a [`Defragmenter`] did with a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reassembly<'s> {
    /// Not (or not yet) a whole datagram: nothing above IP is decoded from
    /// this frame.
    Held,
    /// This fragment completed the datagram.
    Complete(Datagram<'s>),
    /// The fragment was not taken, for this reason.
    Dropped(Dropped),
}

/// Why a reassembler did not take a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    /// Wholly inside bytes already held: ignored, the datagram kept.
    #[error("a duplicate of bytes already held, ignored")]
    Duplicate,
    /// Partly over bytes already held, or disagreeing on the datagram's
    /// end: the whole datagram is discarded (RFC 5722 §4).
    #[error("overlaps the datagram's other fragments, which is discarded (RFC 5722)")]
    Overlap,
    /// Not the last, yet not a multiple of 8 bytes; or past 65,535 bytes.
    #[error("its length or offset is invalid (RFC 8200 §4.5), dropped")]
    BadLength,
    /// The bound on datagrams in progress or bytes held was reached.
    #[error("reassembly's bound on bytes held was reached, dropped")]
    Bound,
}

/// Reassembles IP fragments across frames.
pub trait Defragmenter {
    /// Offered every fragment, in capture order.
    fn offer<'s>(&'s mut self, fragment: &Fragment<'_>) -> Reassembly<'s>;

    /// Whether a held fragment may yet be completed (false: fragments are
    /// not reassembled at all).
    fn reassembles(&self) -> bool {
        false
    }
}

/// Reassembles nothing: every fragment is held back undecoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThrough;

impl Defragmenter for PassThrough {
    fn offer<'s>(&'s mut self, _: &Fragment<'_>) -> Reassembly<'s> {
        Reassembly::Held
    }
}
