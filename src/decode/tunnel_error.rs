//! The error of a tunnel header ([`super::tunnel`]), apart from the
//! decoders so that [`super::error`] can name it without an import circle.

use super::cursor::Short;
use super::layer::Layer;
use thiserror::Error;

/// A tunnel header that is cut short or carries what is not decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TunnelError {
    #[error("{layer} header cut short: {short}")]
    Short { layer: Layer, short: Short },
    #[error("{layer} version {version} is not decoded")]
    Version { layer: Layer, version: u8 },
    #[error("{layer}: {what}")]
    Invalid { layer: Layer, what: &'static str },
}

impl TunnelError {
    pub fn layer(&self) -> Layer {
        match self {
            TunnelError::Short { layer, .. }
            | TunnelError::Version { layer, .. }
            | TunnelError::Invalid { layer, .. } => *layer,
        }
    }
}
