//! Decryption with the user's key log: the NSS key log format the
//! browsers and curl write when `SSLKEYLOGFILE` is set ([`keylog`]), and
//! the TLS 1.3 key schedule's HKDF-Expand-Label that turns a logged
//! secret into a traffic key and IV (RFC 8446 §7.1, §7.3), shared with
//! QUIC's packet protection (RFC 9001 §5.1) ([`schedule`]); the record
//! protection of TLS 1.2 and 1.3 ([`cipher`]) and the decryption of a TLS
//! connection over TCP ([`tls`]).

pub mod cipher;
pub mod keylog;
pub mod schedule;
pub mod tls;

pub use keylog::{KeyLog, KeyLogError, Secret};
pub use schedule::{expand_label, next_traffic_secret, traffic_key_iv, Hash};
pub use tls::{ConnDecrypt, DecryptStats};

use std::path::Path;

/// The secrets of a capture file's own Decryption Secrets Blocks (pcapng
/// secrets type "TLSK"), or None when it carries none; `shown` names the
/// file in an error about a malformed line.
pub fn embedded_key_log(path: &Path, shown: &str) -> Result<Option<KeyLog>, KeyLogError> {
    let embedded = crate::capture::secrets::tls_key_log(path).map_err(|error| KeyLogError::Io {
        source_name: shown.to_string(),
        error,
    })?;
    if embedded.is_empty() {
        return Ok(None);
    }
    let source = format!("{shown} (Decryption Secrets Block)");
    KeyLog::parse(&embedded, &source).map(Some)
}

/// Gives `tracker` the secrets of the capture file's own Decryption
/// Secrets Blocks, if it carries any, as a single run does without
/// `--keylog`.
pub fn attach_embedded(tracker: &mut super::Tracker, path: &Path) -> Result<(), KeyLogError> {
    if let Some(log) = embedded_key_log(path, &path.display().to_string())? {
        tracker.set_keys(std::sync::Arc::new(log));
    }
    Ok(())
}
