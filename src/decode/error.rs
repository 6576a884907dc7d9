//! What can go wrong below the application layer, typed: which layer, and
//! where in the frame. [`super::Packet::errors`] holds the `Display` text,
//! converted where the error is recorded.

use super::arp::ArpError;
use super::layer::Layer;
use super::link::LinkError;
use super::ndp::NdpError;
use super::tunnel_error::TunnelError;
use etherparse::err::packet::SliceError;
use thiserror::Error;

/// A link, network or transport layer that could not be decoded.
#[derive(Debug, Clone, Error)]
pub enum DecodeError {
    /// The link header is cut short or not understood.
    #[error("{error}")]
    Link { error: LinkError, offset: usize },
    /// An IP or transport header as etherparse's slicing reports it:
    /// `"{etherparse layer}: {error}"`.
    #[error("{stage}: {error}")]
    Slice {
        layer: Layer,
        stage: etherparse::err::Layer,
        error: SliceError,
        offset: usize,
    },
    #[error("{error}")]
    Arp { error: ArpError, offset: usize },
    #[error("{error}")]
    Ndp { error: NdpError, offset: usize },
    /// A tunnel header cut short or not understood.
    #[error("{error}")]
    Tunnel { error: TunnelError, offset: usize },
    /// A fragment that no reassembler completed.
    #[error("IP fragment: fragments are not reassembled")]
    NotReassembled { offset: usize },
    /// A fragment the reassembler would not take.
    #[error("IP fragment: {reason}")]
    FragmentDropped {
        reason: super::defrag::Dropped,
        offset: usize,
    },
    /// The IP header's length claims more bytes than the frame held on the
    /// wire (not a snap-length cut: the frame's own length is shorter).
    #[error("{layer}: the header's length says {claimed} payload bytes but the frame held {held} on the wire; {held} are used")]
    LengthPastFrame {
        layer: Layer,
        claimed: usize,
        held: usize,
        offset: usize,
    },
    /// Tunnels nested deeper than the walk follows.
    #[error("{layer}: more than {max} nested tunnels, not decoded further")]
    TooDeep {
        layer: Layer,
        max: usize,
        offset: usize,
    },
}

impl DecodeError {
    /// The layer being decoded when this happened.
    pub fn layer(&self) -> Layer {
        match self {
            DecodeError::Link { error, .. } => error.layer(),
            DecodeError::Slice { layer, .. }
            | DecodeError::TooDeep { layer, .. }
            | DecodeError::LengthPastFrame { layer, .. } => *layer,
            DecodeError::Arp { .. } => Layer::Arp,
            DecodeError::Ndp { .. } => Layer::Ndp,
            DecodeError::Tunnel { error, .. } => error.layer(),
            DecodeError::NotReassembled { .. } | DecodeError::FragmentDropped { .. } => {
                Layer::Fragment
            }
        }
    }

    /// Byte offset from the start of the frame of the layer at fault.
    pub fn offset(&self) -> usize {
        match self {
            DecodeError::Link { offset, .. }
            | DecodeError::Slice { offset, .. }
            | DecodeError::Arp { offset, .. }
            | DecodeError::Ndp { offset, .. }
            | DecodeError::Tunnel { offset, .. }
            | DecodeError::NotReassembled { offset }
            | DecodeError::FragmentDropped { offset, .. }
            | DecodeError::TooDeep { offset, .. }
            | DecodeError::LengthPastFrame { offset, .. } => *offset,
        }
    }

    /// The frame holds fewer bytes than its headers say (sets
    /// [`super::Packet::truncated`]).
    pub fn is_cut_short(&self) -> bool {
        matches!(
            self,
            DecodeError::Slice {
                error: SliceError::Len(_),
                ..
            } | DecodeError::Tunnel {
                error: TunnelError::Short { .. },
                ..
            }
        )
    }
}
