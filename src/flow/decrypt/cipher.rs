//! The record protection of the cipher suites decrypted here, through the
//! RustCrypto AEADs: TLS 1.3 (RFC 8446 §5.2–§5.3: per-record nonce from
//! the IV and the sequence number, the record header as additional data)
//! and TLS 1.2's AEAD suites (RFC 5288 §3 for AES-GCM with its explicit
//! nonce, RFC 7905 §2 for ChaCha20-Poly1305; RFC 5246 §6.2.3.3 for the
//! additional data), with the TLS 1.2 key block of RFC 5246 §5 and §6.3;
//! and TLS 1.2's AES-CBC suites with HMAC (RFC 5246 §6.2.3.2: an explicit
//! IV a record, MAC-then-encrypt, or encrypt-then-MAC when the hellos
//! agreed RFC 7366's extension), through the RustCrypto `cbc` and `hmac`.

use super::schedule::Hash;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha384};

/// The record cipher of a suite: an AEAD, or AES-CBC (TLS 1.2, with the
/// suite's [`MacHash`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    Aes128Cbc,
    Aes256Cbc,
}

impl Algorithm {
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Aes128Gcm | Algorithm::Aes128Cbc => 16,
            Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 | Algorithm::Aes256Cbc => 32,
        }
    }

    fn is_cbc(self) -> bool {
        matches!(self, Algorithm::Aes128Cbc | Algorithm::Aes256Cbc)
    }
}

/// The HMAC hash of a CBC suite (RFC 5246 §6.2.3.2, RFC 5289 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    Sha1,
    Sha256,
    Sha384,
}

impl MacHash {
    /// The MAC's length, which is also its key's (RFC 5246 §6.3).
    pub fn output_len(self) -> usize {
        match self {
            MacHash::Sha1 => 20,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
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
    /// A CBC suite's HMAC.
    pub mac: Option<MacHash>,
}

/// The suites decrypted here, by their IANA code; `None` for the others
/// (CCM, 3DES, export, …), which are then not decrypted. The CBC suites
/// are those of RFC 5246 §A.5, RFC 4492 §6 and RFC 5289 §3.2 with AES;
/// under TLS 1.2 the PRF is SHA-256 except where the suite names SHA-384.
pub fn suite(code: u16) -> Option<Suite> {
    use Algorithm::*;
    let (algorithm, hash, tls13, mac) = match code {
        0x1301 => (Aes128Gcm, Hash::Sha256, true, None),
        0x1302 => (Aes256Gcm, Hash::Sha384, true, None),
        0x1303 => (ChaCha20Poly1305, Hash::Sha256, true, None),
        0xc02b | 0xc02f | 0x009c | 0x009e => (Aes128Gcm, Hash::Sha256, false, None),
        0xc02c | 0xc030 | 0x009d | 0x009f => (Aes256Gcm, Hash::Sha384, false, None),
        0xcca8..=0xccaa => (ChaCha20Poly1305, Hash::Sha256, false, None),
        // *_WITH_AES_128_CBC_SHA: RSA, DHE_RSA, ECDHE_ECDSA, ECDHE_RSA.
        0x002f | 0x0033 | 0xc009 | 0xc013 => (Aes128Cbc, Hash::Sha256, false, Some(MacHash::Sha1)),
        0x0035 | 0x0039 | 0xc00a | 0xc014 => (Aes256Cbc, Hash::Sha256, false, Some(MacHash::Sha1)),
        // *_WITH_AES_128_CBC_SHA256 and AES_256_CBC_SHA256.
        0x003c | 0x0067 | 0xc023 | 0xc027 => {
            (Aes128Cbc, Hash::Sha256, false, Some(MacHash::Sha256))
        }
        0x003d | 0x006b => (Aes256Cbc, Hash::Sha256, false, Some(MacHash::Sha256)),
        // ECDHE_*_WITH_AES_256_CBC_SHA384 (RFC 5289 §3.2).
        0xc024 | 0xc028 => (Aes256Cbc, Hash::Sha384, false, Some(MacHash::Sha384)),
        _ => return None,
    };
    Some(Suite {
        algorithm,
        hash,
        tls13,
        mac,
    })
}

enum Key {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
    /// TLS 1.2 AES-CBC: the AES key, the HMAC key, and whether the MAC
    /// follows the ciphertext (RFC 7366) rather than the plaintext.
    Cbc {
        algorithm: Algorithm,
        key: Box<[u8]>,
        mac: MacHash,
        mac_key: Box<[u8]>,
        encrypt_then_mac: bool,
    },
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
    /// An AEAD suite's record protection; `None` when the key or IV has
    /// the wrong length.
    pub fn new(algorithm: Algorithm, key: &[u8], iv: &[u8], tls13: bool) -> Option<RecordCipher> {
        let key = match algorithm {
            Algorithm::Aes128Gcm => Key::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Algorithm::Aes256Gcm => Key::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Algorithm::ChaCha20Poly1305 => {
                Key::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
            // See [`RecordCipher::cbc`].
            Algorithm::Aes128Cbc | Algorithm::Aes256Cbc => return None,
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

    /// A TLS 1.2 CBC suite's record protection of one direction (RFC 5246
    /// §6.2.3.2); `None` when the suite is not a CBC one or a key has the
    /// wrong length.
    pub fn cbc(suite: Suite, keys: &DirectionKeys, encrypt_then_mac: bool) -> Option<RecordCipher> {
        let mac = suite.mac?;
        if !suite.algorithm.is_cbc()
            || keys.key.len() != suite.algorithm.key_len()
            || keys.mac_key.len() != mac.output_len()
        {
            return None;
        }
        Some(RecordCipher {
            key: Key::Cbc {
                algorithm: suite.algorithm,
                key: keys.key.clone().into_boxed_slice(),
                mac,
                mac_key: keys.mac_key.clone().into_boxed_slice(),
                encrypt_then_mac,
            },
            iv: Vec::new(),
            tls13: false,
            seq: 0,
        })
    }

    /// Decrypts one record (`header`: its 5 bytes; `body`: what follows)
    /// and counts it; `None` when it fails authentication.
    pub fn open(&mut self, header: &[u8; 5], body: &[u8]) -> Option<Vec<u8>> {
        let seq = self.seq;
        self.seq += 1;
        if let Key::Cbc {
            algorithm,
            key,
            mac,
            mac_key,
            encrypt_then_mac,
        } = &self.key
        {
            return open_cbc(
                *algorithm,
                key,
                *mac,
                mac_key,
                *encrypt_then_mac,
                seq,
                header,
                body,
            );
        }
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
            Key::Cbc { .. } => None,
        }
    }
}

/// The AES block, and so the explicit IV's length (RFC 5246 §6.2.3.2).
const BLOCK: usize = 16;

/// RFC 5246 §6.2.3.1: HMAC(MAC_write_key, seq_num + type + version +
/// length + content), compared in constant time by `hmac`.
fn mac_ok(
    mac: MacHash,
    key: &[u8],
    seq: u64,
    header: &[u8; 5],
    content: &[u8],
    tag: &[u8],
) -> bool {
    fn check<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
        let Ok(mut m) = <M as Mac>::new_from_slice(key) else {
            return false;
        };
        for p in parts {
            m.update(p);
        }
        m.verify_slice(tag).is_ok()
    }
    let seq = seq.to_be_bytes();
    let len = (content.len() as u16).to_be_bytes();
    let parts: [&[u8]; 5] = [&seq, &header[..1], &header[1..3], &len, content];
    match mac {
        MacHash::Sha1 => check::<Hmac<Sha1>>(key, &parts, tag),
        MacHash::Sha256 => check::<Hmac<Sha256>>(key, &parts, tag),
        MacHash::Sha384 => check::<Hmac<Sha384>>(key, &parts, tag),
    }
}

/// AES-CBC decryption of whole blocks in place; false on a bad key or IV.
fn cbc_decrypt(algorithm: Algorithm, key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool {
    match algorithm {
        Algorithm::Aes128Cbc => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .ok()
            .and_then(|d| d.decrypt_padded_mut::<NoPadding>(buf).ok())
            .is_some(),
        Algorithm::Aes256Cbc => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .ok()
            .and_then(|d| d.decrypt_padded_mut::<NoPadding>(buf).ok())
            .is_some(),
        _ => false,
    }
}

/// One TLS 1.2 CBC record: `body` is IV, ciphertext and (with
/// encrypt-then-MAC, RFC 7366 §3) the MAC over IV and ciphertext; else
/// the ciphertext holds content, MAC and padding (RFC 5246 §6.2.3.2),
/// whose bytes all equal the padding length. `None` unless the padding
/// and the MAC check.
#[allow(clippy::too_many_arguments)]
fn open_cbc(
    algorithm: Algorithm,
    key: &[u8],
    mac: MacHash,
    mac_key: &[u8],
    encrypt_then_mac: bool,
    seq: u64,
    header: &[u8; 5],
    body: &[u8],
) -> Option<Vec<u8>> {
    let protected = if encrypt_then_mac {
        let (protected, tag) = body.split_at(body.len().checked_sub(mac.output_len())?);
        if !mac_ok(mac, mac_key, seq, header, protected, tag) {
            return None;
        }
        protected
    } else {
        body
    };
    if protected.len() < 2 * BLOCK || protected.len() % BLOCK != 0 {
        return None;
    }
    let (iv, ciphertext) = protected.split_at(BLOCK);
    let mut plain = ciphertext.to_vec();
    if !cbc_decrypt(algorithm, key, iv, &mut plain) {
        return None;
    }
    let pad = usize::from(*plain.last()?);
    let unpadded = plain.len().checked_sub(pad + 1)?;
    if plain[unpadded..].iter().any(|&b| usize::from(b) != pad) {
        return None;
    }
    plain.truncate(unpadded);
    if !encrypt_then_mac {
        let content_len = plain.len().checked_sub(mac.output_len())?;
        let (content, tag) = plain.split_at(content_len);
        if !mac_ok(mac, mac_key, seq, header, content, tag) {
            return None;
        }
        plain.truncate(content_len);
    }
    Some(plain)
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

/// One direction's part of the TLS 1.2 key block: the MAC key (CBC
/// suites), the write key and the implicit IV (AEAD suites).
#[derive(Clone, Default)]
pub struct DirectionKeys {
    pub mac_key: Vec<u8>,
    pub key: Vec<u8>,
    pub iv: Vec<u8>,
}

impl std::fmt::Debug for DirectionKeys {
    /// Never prints a key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DirectionKeys")
    }
}

/// RFC 5246 §6.3: the key block from the master secret, in its order
/// (client MAC key, server MAC key, client key, server key, client IV,
/// server IV), as [client, server]. An AEAD suite has no MAC keys and a
/// 4-byte salt (RFC 5288 §3) or, for ChaCha20-Poly1305, a 12-byte IV
/// (RFC 7905 §2); a CBC suite's IVs are explicit, one a record, and none
/// is taken from the block.
pub fn tls12_keys(
    suite: Suite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<[DirectionKeys; 2]> {
    let key_len = suite.algorithm.key_len();
    let mac_len = suite.mac.map_or(0, MacHash::output_len);
    let iv_len = match suite.algorithm {
        Algorithm::ChaCha20Poly1305 => 12,
        Algorithm::Aes128Gcm | Algorithm::Aes256Gcm => 4,
        Algorithm::Aes128Cbc | Algorithm::Aes256Cbc => 0,
    };
    let mut seed = b"key expansion".to_vec();
    seed.extend_from_slice(server_random);
    seed.extend_from_slice(client_random);
    let len = 2 * (mac_len + key_len + iv_len);
    let block = match suite.hash {
        Hash::Sha256 => p_hash::<Hmac<Sha256>>(master, &seed, len)?,
        Hash::Sha384 => p_hash::<Hmac<Sha384>>(master, &seed, len)?,
    };
    let (cm, rest) = block.split_at(mac_len);
    let (sm, rest) = rest.split_at(mac_len);
    let (ck, rest) = rest.split_at(key_len);
    let (sk, rest) = rest.split_at(key_len);
    let (civ, siv) = rest.split_at(iv_len);
    Some([
        DirectionKeys {
            mac_key: cm.to_vec(),
            key: ck.to_vec(),
            iv: civ.to_vec(),
        },
        DirectionKeys {
            mac_key: sm.to_vec(),
            key: sk.to_vec(),
            iv: siv.to_vec(),
        },
    ])
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
