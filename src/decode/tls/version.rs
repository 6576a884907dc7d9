//! Protocol version numbers as the record layer, the hellos' legacy_version
//! and the supported_versions extension carry them (RFC 8446 §4.2.1,
//! RFC 5246 Appendix E, RFC 8701 for GREASE).

use super::names::is_grease;
use serde::{Serialize, Serializer};
use std::fmt;

/// A TLS or SSL version number. It displays and serialises as "TLS 1.2",
/// "SSL 3.0", "TLS 1.3 draft 28", "GREASE 0x1a1a", or the number in hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    Ssl30,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
    /// A draft of TLS 1.3: 0x7f00 + the draft number.
    Tls13Draft(u8),
    /// A GREASE value (RFC 8701), kept as sent.
    Grease(u16),
    /// Any other number, kept as sent.
    Other(u16),
}

impl From<u16> for TlsVersion {
    fn from(v: u16) -> Self {
        match v {
            0x0300 => TlsVersion::Ssl30,
            0x0301 => TlsVersion::Tls10,
            0x0302 => TlsVersion::Tls11,
            0x0303 => TlsVersion::Tls12,
            0x0304 => TlsVersion::Tls13,
            0x7f00..=0x7fff => TlsVersion::Tls13Draft(v as u8),
            v if is_grease(v) => TlsVersion::Grease(v),
            v => TlsVersion::Other(v),
        }
    }
}

impl TlsVersion {
    /// The number on the wire.
    pub fn code(self) -> u16 {
        match self {
            TlsVersion::Ssl30 => 0x0300,
            TlsVersion::Tls10 => 0x0301,
            TlsVersion::Tls11 => 0x0302,
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
            TlsVersion::Tls13Draft(n) => 0x7f00 | u16::from(n),
            TlsVersion::Grease(v) | TlsVersion::Other(v) => v,
        }
    }

    /// TLS 1.3 or one of its drafts.
    pub fn is_tls13(self) -> bool {
        matches!(self, TlsVersion::Tls13 | TlsVersion::Tls13Draft(_))
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TlsVersion::Ssl30 => f.write_str("SSL 3.0"),
            TlsVersion::Tls10 => f.write_str("TLS 1.0"),
            TlsVersion::Tls11 => f.write_str("TLS 1.1"),
            TlsVersion::Tls12 => f.write_str("TLS 1.2"),
            TlsVersion::Tls13 => f.write_str("TLS 1.3"),
            TlsVersion::Tls13Draft(n) => write!(f, "TLS 1.3 draft {n}"),
            TlsVersion::Grease(v) => write!(f, "GREASE 0x{v:04x}"),
            TlsVersion::Other(v) => write!(f, "0x{v:04x}"),
        }
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// "TLS 1.2", "SSL 3.0", "GREASE 0x1a1a", else hex: the display of
/// [`TlsVersion`].
pub fn version_name(v: u16) -> String {
    TlsVersion::from(v).to_string()
}

/// The versions' names joined by `sep`, e.g. "TLS 1.3, TLS 1.2".
pub fn join_versions(versions: &[TlsVersion], sep: &str) -> String {
    versions
        .iter()
        .map(TlsVersion::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_draft_versions_are_named() {
        assert_eq!(version_name(0x7f1c), "TLS 1.3 draft 28");
        assert_eq!(version_name(0x0304), "TLS 1.3");
    }

    #[test]
    fn every_number_round_trips_and_serialises_as_it_displays() {
        for v in [
            0x0300, 0x0301, 0x0303, 0x0304, 0x7f1c, 0x0a0a, 0xfafa, 0x1234,
        ] {
            let t = TlsVersion::from(v);
            assert_eq!(t.code(), v);
            assert_eq!(serde_json::to_value(t).unwrap(), t.to_string());
        }
        assert_eq!(version_name(0x1a1a), "GREASE 0x1a1a");
        assert_eq!(version_name(0x1234), "0x1234");
        assert_eq!(
            join_versions(&[TlsVersion::Grease(0x0a0a), TlsVersion::Tls13], ", "),
            "GREASE 0x0a0a, TLS 1.3"
        );
        assert!(TlsVersion::from(0x7f17).is_tls13() && !TlsVersion::Tls12.is_tls13());
    }
}
