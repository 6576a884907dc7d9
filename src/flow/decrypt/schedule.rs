//! The TLS 1.3 key schedule's expansion step (RFC 8446 §7.1):
//! `HKDF-Expand-Label(Secret, Label, Context, Length)` over SHA-256 or
//! SHA-384, and the traffic key and IV of a traffic secret (§7.3). QUIC's
//! packet protection keys use the same function with the labels
//! "quic key", "quic iv", "quic hp" and "quic ku" (RFC 9001 §5.1, §6.1).

use hkdf::Hkdf;
use sha2::{Sha256, Sha384};

/// The hash of a cipher suite (RFC 8446 §B.4: SHA-384 for
/// TLS_AES_256_GCM_SHA384, SHA-256 for the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    /// The hash's output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }
}

/// RFC 8446 §7.1: HKDF-Expand with the `HkdfLabel` structure
/// (length, "tls13 " + label, context). Returns an empty vector when
/// `secret` is shorter than the hash or `len` exceeds 255 hash lengths
/// (HKDF's limit, RFC 5869 §2.3); callers ask for keys, IVs and secrets,
/// far below it.
pub fn expand_label(hash: Hash, secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = 6 + label.len();
    if len > u16::MAX as usize || full > 255 || context.len() > 255 {
        return Vec::new();
    }
    let mut info = Vec::with_capacity(4 + full + context.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    let mut out = vec![0; len];
    let ok = match hash {
        Hash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()
            .and_then(|h| h.expand(&info, &mut out).ok()),
        Hash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()
            .and_then(|h| h.expand(&info, &mut out).ok()),
    };
    if ok.is_none() {
        out.clear();
    }
    out
}

/// RFC 8446 §7.3: the write key and IV of a traffic secret
/// (`key` of `key_len` bytes, `iv` of 12).
pub fn traffic_key_iv(hash: Hash, secret: &[u8], key_len: usize) -> (Vec<u8>, Vec<u8>) {
    (
        expand_label(hash, secret, "key", &[], key_len),
        expand_label(hash, secret, "iv", &[], 12),
    )
}

/// RFC 8446 §7.2: the next application traffic secret after a KeyUpdate.
pub fn next_traffic_secret(hash: Hash, secret: &[u8]) -> Vec<u8> {
    expand_label(hash, secret, "traffic upd", &[], hash.output_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8448 §3 (Simple 1-RTT Handshake): the server handshake traffic
    /// secret and its write key and IV.
    #[test]
    fn rfc8448_server_handshake_key_and_iv() {
        let secret = hex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
        let (key, iv) = traffic_key_iv(Hash::Sha256, &secret, 16);
        assert_eq!(key, hex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"));
        assert_eq!(iv, hex("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
    }

    /// RFC 9001 §A.1: the client Initial secret's QUIC key, IV and header
    /// protection key.
    #[test]
    fn rfc9001_quic_labels() {
        let secret = hex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
        assert_eq!(
            expand_label(Hash::Sha256, &secret, "quic key", &[], 16),
            hex("1f369613dd76d5467730efcbe3b1a22d")
        );
        assert_eq!(
            expand_label(Hash::Sha256, &secret, "quic iv", &[], 12),
            hex("fa044b2f42a3fd3b46fb255c")
        );
        assert_eq!(
            expand_label(Hash::Sha256, &secret, "quic hp", &[], 16),
            hex("9f50449e04a0e810283a1e9933adedd2")
        );
    }

    #[test]
    fn short_secret_gives_nothing() {
        assert!(expand_label(Hash::Sha384, &[0; 32], "key", &[], 32).is_empty());
    }
}
