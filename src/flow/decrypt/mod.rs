//! Decryption with the user's key log: the NSS key log format the
//! browsers and curl write when `SSLKEYLOGFILE` is set ([`keylog`]), and
//! the TLS 1.3 key schedule's HKDF-Expand-Label that turns a logged
//! secret into a traffic key and IV (RFC 8446 §7.1, §7.3), shared with
//! QUIC's packet protection (RFC 9001 §5.1) ([`schedule`]).

pub mod keylog;
pub mod schedule;

pub use keylog::{KeyLog, KeyLogError, Secret};
pub use schedule::{expand_label, traffic_key_iv, Hash};
