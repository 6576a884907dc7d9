//! The TLS hello fingerprints (JA3, JA4 and their server forms), under the
//! path they had before they moved into the TLS module.

pub use super::tls::fingerprint::*;
