//! Why TLS bytes could not be decoded. Each message is the text a packet's
//! `errors` list shows.

use crate::decode::cursor::Short;
use thiserror::Error;

/// A TLS decoding failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlsError {
    /// A field ran past the end of its message or vector.
    #[error("{} length {} exceeds the {} bytes left", .0.what, .0.needed, .0.left)]
    Short(#[from] Short),
    /// A failure inside one extension of a hello.
    #[error("extension 0x{ext:04x}: {source}")]
    Extension { ext: u16, source: Box<TlsError> },
    /// RFC 8422 §5.4 allows only named curves in a ServerKeyExchange.
    #[error("curve_type {0} is not named_curve (3), the only type RFC 8422 §5.4 allows")]
    CurveType(u8),
    /// Bytes after a ServerKeyExchange's parameters that fit no signature
    /// layout.
    #[error("{0} bytes after the parameters are neither a TLS 1.2 nor an older signature")]
    Signature(usize),
    /// A failure in the body of one handshake message, named as in
    /// "ClientHello", "ServerHello", "Certificate", "ServerKeyExchange".
    #[error("TLS {message}: {source}")]
    Message {
        message: &'static str,
        source: Box<TlsError>,
    },
    /// Bytes of the direction were not captured.
    #[error("TLS: bytes missing from the capture; record boundaries are lost and the rest of this direction is not decoded")]
    Gap,
    /// The bytes at a record boundary are no record header (RFC 8446 §5.1).
    #[error("TLS: bytes {:02x} {:02x} {:02x} at stream offset {offset} are not a record header; the rest of this direction is not decoded", .header[0], .header[1], .header[2])]
    NotARecord { header: [u8; 3], offset: u64 },
    /// A record header claims more than a record may hold (RFC 8446 §5.2).
    #[error("TLS record length {length} exceeds {max}; the rest of this direction is not decoded")]
    RecordTooLong { length: usize, max: usize },
    /// An incomplete record outgrew the bound on held bytes.
    #[error("TLS: {held} bytes of an incomplete record exceed the {bound}-byte bound and were dropped; the rest of this direction is not decoded")]
    RecordOverBound { held: usize, bound: usize },
    /// A handshake message header claims more than the bound.
    #[error("TLS handshake message of {length} bytes exceeds the {bound}-byte bound; its body is skipped unread and the messages after it are decoded")]
    MessageOverBound { length: usize, bound: usize },
}

impl TlsError {
    /// This error as the failure of the body of `message`.
    pub fn in_message(self, message: &'static str) -> TlsError {
        TlsError::Message {
            message,
            source: Box::new(self),
        }
    }

    /// This error as the failure of extension `ext`.
    pub fn in_extension(self, ext: u16) -> TlsError {
        TlsError::Extension {
            ext,
            source: Box::new(self),
        }
    }
}
