//! Packet protection with keys from TLS traffic secrets (RFC 9001 §5.1):
//! the Handshake, 0-RTT and 1-RTT packet keys ("quic key", "quic iv",
//! "quic hp"; "quicv2 …" for version 2, RFC 9369 §3.3.2) for the three
//! AEADs of TLS 1.3 (§5.3), header protection with AES (§5.4.3) or
//! ChaCha20 (§5.4.4), and the next key phase ("quic ku", §6.1). The secrets
//! come from a key log; nothing here prints or serialises them.

use super::error::QuicError;
use super::packet::VERSION_2;
use super::protection::decode_packet_number;
use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use aes_gcm::aead::{Aead as _, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::{Sha256, Sha384};

/// RFC 9001 §5.4.2: the header-protection sample.
const SAMPLE_LEN: usize = 16;

/// The AEAD of a TLS 1.3 cipher suite (RFC 8446 §B.4) as QUIC uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Aead {
    /// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
    /// TLS_CHACHA20_POLY1305_SHA256; RFC 9001 §5.3 excludes
    /// TLS_AES_128_CCM_8_SHA256 and this decoder does not do CCM.
    pub fn from_suite(suite: u16) -> Option<Aead> {
        match suite {
            0x1301 => Some(Aead::Aes128Gcm),
            0x1302 => Some(Aead::Aes256Gcm),
            0x1303 => Some(Aead::ChaCha20Poly1305),
            _ => None,
        }
    }

    fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
        }
    }

    fn sha384(self) -> bool {
        self == Aead::Aes256Gcm
    }
}

/// RFC 8446 §7.1 HKDF-Expand-Label with an empty context, under the
/// suite's hash.
fn expand_label(sha384: bool, secret: &[u8], label: &str, len: usize) -> Option<Vec<u8>> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(u8::try_from(full.len()).ok()?);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0u8; len];
    if sha384 {
        Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?;
    } else {
        Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?;
    }
    Some(out)
}

/// The keys of one direction and one key phase.
#[derive(Clone)]
pub struct PacketKeys {
    aead: Aead,
    prefix: &'static str,
    secret: Vec<u8>,
    key: Vec<u8>,
    iv: [u8; 12],
    hp: Vec<u8>,
}

impl std::fmt::Debug for PacketKeys {
    /// Names the AEAD only: key material never reaches any output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PacketKeys({:?})", self.aead)
    }
}

impl PacketKeys {
    /// RFC 9001 §5.1: the packet protection keys from a traffic secret.
    pub fn from_secret(aead: Aead, version: u32, secret: &[u8]) -> Option<PacketKeys> {
        let prefix = if version == VERSION_2 {
            "quicv2"
        } else {
            "quic"
        };
        let s = aead.sha384();
        let key = expand_label(s, secret, &format!("{prefix} key"), aead.key_len())?;
        let iv = expand_label(s, secret, &format!("{prefix} iv"), 12)?;
        let hp = expand_label(s, secret, &format!("{prefix} hp"), aead.key_len())?;
        Some(PacketKeys {
            aead,
            prefix,
            secret: secret.to_vec(),
            key,
            iv: iv.try_into().ok()?,
            hp,
        })
    }

    /// RFC 9001 §6.1: the keys of the next key phase. The secret is
    /// updated with "quic ku"; the header protection key is not (§6).
    pub fn next_phase(&self) -> Option<PacketKeys> {
        let s = self.aead.sha384();
        let secret = expand_label(
            s,
            &self.secret,
            &format!("{} ku", self.prefix),
            self.secret.len(),
        )?;
        let key = expand_label(
            s,
            &secret,
            &format!("{} key", self.prefix),
            self.aead.key_len(),
        )?;
        let iv = expand_label(s, &secret, &format!("{} iv", self.prefix), 12)?;
        Some(PacketKeys {
            secret,
            key,
            iv: iv.try_into().ok()?,
            ..self.clone()
        })
    }

    /// RFC 9001 §5.4.3 (AES) and §5.4.4 (ChaCha20): the first five bytes
    /// of the header-protection mask.
    fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> Option<[u8; 5]> {
        let mut out = [0u8; 5];
        match self.aead {
            Aead::Aes128Gcm | Aead::Aes256Gcm => {
                let mut block = GenericArray::clone_from_slice(sample);
                if self.aead == Aead::Aes128Gcm {
                    aes::Aes128::new_from_slice(&self.hp)
                        .ok()?
                        .encrypt_block(&mut block);
                } else {
                    aes::Aes256::new_from_slice(&self.hp)
                        .ok()?
                        .encrypt_block(&mut block);
                }
                out.copy_from_slice(&block[..5]);
            }
            Aead::ChaCha20Poly1305 => {
                let counter = u32::from_le_bytes([sample[0], sample[1], sample[2], sample[3]]);
                let mut c = chacha20::ChaCha20::new(
                    GenericArray::from_slice(&self.hp),
                    GenericArray::from_slice(&sample[4..]),
                );
                c.seek(u64::from(counter) * 64);
                c.apply_keystream(&mut out);
            }
        }
        Some(out)
    }

    /// RFC 9001 §5.3: opens a payload with the header as associated data.
    fn open(&self, pn: u64, header: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = self.iv;
        for (i, b) in pn.to_be_bytes().iter().enumerate() {
            nonce[4 + i] ^= b;
        }
        let nonce = GenericArray::from_slice(&nonce);
        let p = Payload {
            msg: payload,
            aad: header,
        };
        match self.aead {
            Aead::Aes128Gcm => Aes128Gcm::new_from_slice(&self.key)
                .ok()?
                .decrypt(nonce, p)
                .ok(),
            Aead::Aes256Gcm => Aes256Gcm::new_from_slice(&self.key)
                .ok()?
                .decrypt(nonce, p)
                .ok(),
            Aead::ChaCha20Poly1305 => ChaCha20Poly1305::new_from_slice(&self.key)
                .ok()?
                .decrypt(nonce, p)
                .ok(),
        }
    }
}

/// The 1-RTT keys of one direction as the flow holds them: the current
/// key phase, the one after it and the one before it (RFC 9001 §6.3, §6.5:
/// packets of the previous phase may still arrive after an update).
#[derive(Debug, Clone)]
pub struct AppKeys {
    /// Key updates so far; its low bit is the Key Phase bit of the
    /// current keys (§6.1).
    pub generation: u64,
    pub current: PacketKeys,
    pub next: Option<PacketKeys>,
    pub previous: Option<PacketKeys>,
}

impl AppKeys {
    pub fn new(first: PacketKeys) -> AppKeys {
        AppKeys {
            generation: 0,
            next: first.next_phase(),
            current: first,
            previous: None,
        }
    }

    /// Moves to the next key phase, once a packet has opened with it.
    pub fn advance(&mut self) {
        if let Some(next) = self.next.take() {
            self.next = next.next_phase();
            self.previous = Some(std::mem::replace(&mut self.current, next));
            self.generation += 1;
        }
    }
}

/// Which keys opened a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Handshake or 0-RTT keys, or the current 1-RTT phase.
    Current,
    /// The 1-RTT phase after the current one: the sender updated its keys.
    Next,
    Previous,
}

/// What removing protection found: the packet number, the Key Phase bit
/// (short headers), which keys opened it, and the payload.
pub struct Opened {
    pub pn: u64,
    pub key_phase: Option<bool>,
    pub phase: Phase,
    pub plain: Vec<u8>,
}

/// Removes header protection and opens a packet (RFC 9001 §5.3–5.4) with
/// the given keys; for a short header (`short`), the Key Phase bit chooses
/// among the current, next and previous keys of `app`.
pub fn open_packet(
    packet: &[u8],
    pn_offset: usize,
    keys: &PacketKeys,
    app: Option<&AppKeys>,
    largest_pn: Option<u64>,
) -> Result<Opened, QuicError> {
    let sample_at = pn_offset + 4;
    let sample: [u8; SAMPLE_LEN] = packet
        .get(sample_at..sample_at + SAMPLE_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(QuicError::NoSample(packet.len()))?;
    let mask = keys.mask(&sample).ok_or(QuicError::NoKeys)?;
    let short = packet[0] & 0x80 == 0;
    // §5.4.1: four bits of a long header's first byte are protected, five
    // of a short header's.
    let first = packet[0] ^ (mask[0] & if short { 0x1f } else { 0x0f });
    let pn_len = usize::from(first & 3) + 1;
    let end = pn_offset + pn_len;
    if packet.len() < end {
        return Err(QuicError::NoSample(packet.len()));
    }
    let mut header = packet[..end].to_vec();
    header[0] = first;
    let mut truncated = 0u64;
    for i in 0..pn_len {
        header[pn_offset + i] ^= mask[1 + i];
        truncated = (truncated << 8) | u64::from(header[pn_offset + i]);
    }
    let pn = decode_packet_number(largest_pn, truncated, pn_len);
    let payload = &packet[end..];
    let key_phase = short.then_some(first & 0x04 != 0);
    let mut tries: Vec<(&PacketKeys, Phase)> = vec![];
    match (app, key_phase) {
        (Some(app), Some(bit)) => {
            if bit == (app.generation % 2 == 1) {
                tries.push((&app.current, Phase::Current));
            } else {
                tries.extend(app.next.as_ref().map(|k| (k, Phase::Next)));
                tries.extend(app.previous.as_ref().map(|k| (k, Phase::Previous)));
            }
        }
        _ => tries.push((keys, Phase::Current)),
    }
    for (k, phase) in tries {
        if let Some(plain) = k.open(pn, &header, payload) {
            // RFC 9000 §17.2, §17.3.1: the reserved bits are zero once
            // protection is off.
            let reserved = if short { 0x18 } else { 0x0c };
            if first & reserved != 0 {
                return Err(QuicError::ReservedBits(pn));
            }
            return Ok(Opened {
                pn,
                key_phase,
                phase,
                plain,
            });
        }
    }
    Err(QuicError::DoesNotOpen { pn })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9001 §A.5: a ChaCha20-Poly1305 short header packet, its keys
    /// from the given secret, the key update of §A.5's "quic ku".
    #[test]
    fn rfc9001_a5_chacha20_short_header() {
        let secret = hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        let k = PacketKeys::from_secret(Aead::ChaCha20Poly1305, 1, &secret).unwrap();
        assert_eq!(
            k.key,
            hex("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8")
        );
        assert_eq!(k.iv.to_vec(), hex("e0459b3474bdd0e44a41c144"));
        assert_eq!(
            k.hp,
            hex("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4")
        );
        let ku = k.next_phase().unwrap();
        assert_eq!(
            ku.secret,
            hex("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9")
        );
        let packet = hex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb");
        let app = AppKeys::new(k.clone());
        let o = open_packet(&packet, 1, &k, Some(&app), Some(654_360_563)).unwrap();
        assert_eq!(o.pn, 654_360_564);
        assert_eq!(o.plain, [0x01]);
        assert_eq!(o.key_phase, Some(false));
        assert_eq!(o.phase, Phase::Current);
    }

    #[test]
    fn a_packet_that_does_not_open_is_an_error() {
        let k = PacketKeys::from_secret(Aead::Aes128Gcm, 1, &[7u8; 32]).unwrap();
        let packet = [0x41u8; 40];
        assert!(matches!(
            open_packet(&packet, 1, &k, None, None),
            Err(QuicError::DoesNotOpen { .. })
        ));
        assert!(open_packet(&packet[..10], 1, &k, None, None).is_err());
        assert_eq!(format!("{k:?}"), "PacketKeys(Aes128Gcm)");
    }
}
