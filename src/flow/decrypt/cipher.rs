//! The record protection of the cipher suites decrypted here, through the
//! RustCrypto AEADs: TLS 1.3 (RFC 8446 §5.2–§5.3: per-record nonce from
//! the IV and the sequence number, the record header as additional data)
//! and TLS 1.2's AEAD suites (RFC 5288 §3 for AES-GCM with its explicit
//! nonce, RFC 7905 §2 for ChaCha20-Poly1305; RFC 5246 §6.2.3.3 for the
//! additional data), with the TLS 1.2 key block of RFC 5246 §5 and §6.3.

use super::schedule::Hash;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

/// The AEAD algorithm of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Algorithm {
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Aes128Gcm => 16,
            Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 => 32,
        }
    }
}

/// What a cipher suite decrypts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub algorithm: Algorithm,
    /// The hash of the key schedule (TLS 1.3) or of the PRF (TLS 1.2).
    pub hash: Hash,
    /// A TLS 1.3 suite (RFC 8446 §B.4).
    pub tls13: bool,
}

/// The suites decrypted here, by their IANA code; `None` for the others
/// (CBC, CCM, export …), which are then not decrypted.
pub fn suite(code: u16) -> Option<Suite> {
    use Algorithm::*;
    let (algorithm, hash, tls13) = match code {
        0x1301 => (Aes128Gcm, Hash::Sha256, true),
        0x1302 => (Aes256Gcm, Hash::Sha384, true),
        0x1303 => (ChaCha20Poly1305, Hash::Sha256, true),
        0xc02b | 0xc02f | 0x009c | 0x009e => (Aes128Gcm, Hash::Sha256, false),
        0xc02c | 0xc030 | 0x009d | 0x009f => (Aes256Gcm, Hash::Sha384, false),
        0xcca8..=0xccaa => (ChaCha20Poly1305, Hash::Sha256, false),
        _ => return None,
    };
    Some(Suite {
        algorithm,
        hash,
        tls13,
    })
}

enum Key {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// One direction's record protection: its key, IV and sequence number.
pub struct RecordCipher {
    key: Key,
    /// TLS 1.3 and ChaCha20: the 12-byte IV; TLS 1.2 AES-GCM: the 4-byte salt.
    iv: Vec<u8>,
    tls13: bool,
    seq: u64,
}

impl std::fmt::Debug for RecordCipher {
    /// Never prints the key or IV.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordCipher(seq {})", self.seq)
    }
}

impl RecordCipher {
    /// `None` when the key or IV has the wrong length.
    pub fn new(algorithm: Algorithm, key: &[u8], iv: &[u8], tls13: bool) -> Option<RecordCipher> {
        let key = match algorithm {
            Algorithm::Aes128Gcm => Key::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Algorithm::Aes256Gcm => Key::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Algorithm::ChaCha20Poly1305 => {
                Key::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        };
        let want = if tls13 || matches!(key, Key::ChaCha(_)) {
            12
        } else {
            4
        };
        if iv.len() != want {
            return None;
        }
        Some(RecordCipher {
            key,
            iv: iv.to_vec(),
            tls13,
            seq: 0,
        })
    }

    /// Decrypts one record (`header`: its 5 bytes; `body`: what follows)
    /// and counts it; `None` when it fails authentication.
    pub fn open(&mut self, header: &[u8; 5], body: &[u8]) -> Option<Vec<u8>> {
        let seq = self.seq;
        self.seq += 1;
        let mut nonce = [0u8; 12];
        let (aad, ciphertext): (Vec<u8>, &[u8]) = if self.tls13 {
            (header.to_vec(), body)
        } else {
            let explicit = matches!(self.key, Key::Aes128(_) | Key::Aes256(_));
            let ct = if explicit { body.get(8..)? } else { body };
            let plain_len = ct.len().checked_sub(16)?;
            let mut aad = seq.to_be_bytes().to_vec();
            aad.extend_from_slice(&header[..3]);
            aad.extend_from_slice(&(plain_len as u16).to_be_bytes());
            if explicit {
                nonce[..4].copy_from_slice(&self.iv);
                nonce[4..].copy_from_slice(&body[..8]);
            }
            (aad, ct)
        };
        if self.iv.len() == 12 {
            nonce.copy_from_slice(&self.iv);
            for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                *n ^= s;
            }
        }
        let payload = Payload {
            msg: ciphertext,
            aad: &aad,
        };
        let nonce = aes_gcm::Nonce::from_slice(&nonce);
        match &self.key {
            Key::Aes128(k) => k.decrypt(nonce, payload).ok(),
            Key::Aes256(k) => k.decrypt(nonce, payload).ok(),
            Key::ChaCha(k) => k.decrypt(nonce, payload).ok(),
        }
    }
}

/// RFC 5246 §5: P_hash(secret, seed), `len` bytes.
fn p_hash<M: Mac + KeyInit + Clone>(secret: &[u8], seed: &[u8], len: usize) -> Option<Vec<u8>> {
    let base = <M as Mac>::new_from_slice(secret).ok()?;
    let mut a = {
        let mut m = base.clone();
        m.update(seed);
        m.finalize().into_bytes().to_vec()
    };
    let mut out = Vec::with_capacity(len + 64);
    while out.len() < len {
        let mut m = base.clone();
        m.update(&a);
        m.update(seed);
        out.extend_from_slice(&m.finalize().into_bytes());
        let mut next = base.clone();
        next.update(&a);
        a = next.finalize().into_bytes().to_vec();
    }
    out.truncate(len);
    Some(out)
}

/// RFC 5246 §6.3: the key block of an AEAD suite from the master secret,
/// split into (client key, server key, client IV, server IV).
pub fn tls12_keys(
    suite: Suite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<[Vec<u8>; 4]> {
    let key_len = suite.algorithm.key_len();
    let iv_len = if suite.algorithm == Algorithm::ChaCha20Poly1305 {
        12
    } else {
        4
    };
    let mut seed = b"key expansion".to_vec();
    seed.extend_from_slice(server_random);
    seed.extend_from_slice(client_random);
    let len = 2 * (key_len + iv_len);
    let block = match suite.hash {
        Hash::Sha256 => p_hash::<Hmac<Sha256>>(master, &seed, len)?,
        Hash::Sha384 => p_hash::<Hmac<Sha384>>(master, &seed, len)?,
    };
    let (ck, rest) = block.split_at(key_len);
    let (sk, rest) = rest.split_at(key_len);
    let (civ, siv) = rest.split_at(iv_len);
    Some([ck.to_vec(), sk.to_vec(), civ.to_vec(), siv.to_vec()])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS 1.2 PRF test vector for P_SHA256 published on the IETF TLS
    /// list (secret 9bbe436ba940f017b17652849a71db35, label "test label").
    #[test]
    fn prf_sha256_vector() {
        let secret = [
            0x9b, 0xbe, 0x43, 0x6b, 0xa9, 0x40, 0xf0, 0x17, 0xb1, 0x76, 0x52, 0x84, 0x9a, 0x71,
            0xdb, 0x35,
        ];
        let mut seed = b"test label".to_vec();
        seed.extend_from_slice(&[
            0xa0, 0xba, 0x9f, 0x93, 0x6c, 0xda, 0x31, 0x18, 0x27, 0xa6, 0xf7, 0x96, 0xff, 0xd5,
            0x19, 0x8c,
        ]);
        let out = p_hash::<Hmac<Sha256>>(&secret, &seed, 16).unwrap();
        assert_eq!(
            out,
            [
                0xe3, 0xf2, 0x29, 0xba, 0x72, 0x7b, 0xe1, 0x7b, 0x8d, 0x12, 0x26, 0x20, 0x55, 0x7c,
                0xd4, 0x53
            ]
        );
    }
}
