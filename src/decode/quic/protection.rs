//! Initial packet protection (RFC 9001 §5; RFC 9369 §3.3 for version 2):
//! the Initial keys derived from the client's original Destination
//! Connection ID (§5.2), header protection (§5.4), the AEAD that seals the
//! payload (§5.3), packet-number recovery (RFC 9000 §17.1, §A.3), and the
//! Retry integrity tag (§5.8).

use super::error::QuicError;
use super::keys::{open_packet, Aead as Suite, PacketKeys};
use super::packet::{version_label, TAG_LEN, VERSION_1, VERSION_2};
use crate::decode::cursor::hex;
use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Aes128Gcm;
use hkdf::Hkdf;
use sha2::Sha256;

/// RFC 9001 §5.4.2: the header-protection sample.
const SAMPLE_LEN: usize = 16;

/// Initial packet protection keys for one direction (RFC 9001 §5.1–5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialKeys {
    pub key: [u8; 16],
    pub iv: [u8; 12],
    pub hp: [u8; 16],
}

/// RFC 9001 §5.2 (v1), RFC 9369 §3.3.1 (v2), draft-ietf-quic-tls-23, -29
/// (to -32) and -33 (and -34, the salt of version 1).
fn initial_salt(version: u32) -> Option<[u8; 20]> {
    let hex20 = |s: &str| {
        let mut out = [0u8; 20];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
        out
    };
    Some(match version {
        VERSION_1 => hex20("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        VERSION_2 => hex20("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
        // Drafts 33 and 34 already use version 1's salt.
        0xff00_0021..=0xff00_0022 => hex20("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        0xff00_001d..=0xff00_0020 => hex20("afbfec289993d24c9e9786f19c6111e04390a899"),
        0xff00_0017..=0xff00_001c => hex20("c3eef712c72ebb5a11a7d2432bb46365bef9f502"),
        _ => return None,
    })
}

/// RFC 8446 §7.1 HKDF-Expand-Label with an empty context.
fn expand_label(secret: &Hkdf<Sha256>, label: &str, out: &mut [u8]) -> Option<()> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&u16::try_from(out.len()).ok()?.to_be_bytes());
    info.push(u8::try_from(full.len()).ok()?);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    secret.expand(&info, out).ok()
}

/// The Initial secret of one side, from the client's original Destination
/// Connection ID (RFC 9001 §5.2).
fn initial_secret(version: u32, dcid: &[u8], client: bool) -> Option<[u8; 32]> {
    let salt = initial_salt(version)?;
    let (initial, _) = Hkdf::<Sha256>::extract(Some(&salt), dcid);
    let initial = Hkdf::<Sha256>::from_prk(&initial).ok()?;
    let mut secret = [0u8; 32];
    expand_label(
        &initial,
        if client { "client in" } else { "server in" },
        &mut secret,
    )?;
    Some(secret)
}

/// Keys for the Initial packets of one side, from the client's original
/// Destination Connection ID (RFC 9001 §5.2; RFC 9369 §3.3.2 for the v2
/// labels).
pub fn initial_keys(version: u32, dcid: &[u8], client: bool) -> Option<InitialKeys> {
    let secret = initial_secret(version, dcid, client)?;
    let secret = Hkdf::<Sha256>::from_prk(&secret).ok()?;
    let prefix = if version == VERSION_2 {
        "quicv2"
    } else {
        "quic"
    };
    let mut keys = InitialKeys {
        key: [0; 16],
        iv: [0; 12],
        hp: [0; 16],
    };
    expand_label(&secret, &format!("{prefix} key"), &mut keys.key)?;
    expand_label(&secret, &format!("{prefix} iv"), &mut keys.iv)?;
    expand_label(&secret, &format!("{prefix} hp"), &mut keys.hp)?;
    Some(keys)
}

/// RFC 9001 §5.4.3: the AES-based header protection mask.
pub fn header_mask(hp: &[u8; 16], sample: &[u8; SAMPLE_LEN]) -> [u8; 16] {
    let cipher = aes::Aes128::new(GenericArray::from_slice(hp));
    let mut block = GenericArray::clone_from_slice(sample);
    cipher.encrypt_block(&mut block);
    let mut out = [0u8; 16];
    out.copy_from_slice(&block);
    out
}

/// RFC 9000 §A.3: the full packet number closest to the next one expected.
pub fn decode_packet_number(largest: Option<u64>, truncated: u64, pn_len: usize) -> u64 {
    let expected = largest.map_or(0, |l| l.saturating_add(1));
    let bits = (pn_len * 8) as u32;
    let win = 1u64 << bits;
    let hwin = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate.saturating_add(hwin) <= expected && candidate < (1u64 << 62) - win {
        candidate + win
    } else if candidate > expected.saturating_add(hwin) && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

#[cfg(test)]
/// RFC 9001 §5.3: the AEAD nonce, the IV with the packet number XORed into
/// its last eight bytes.
fn nonce(iv: &[u8; 12], pn: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (i, b) in pn.to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= b;
    }
    nonce
}

/// Removes header protection and decrypts an Initial packet (RFC 9001
/// §5.3–5.4) sent by the client (`from_client`) or the server: returns its
/// packet number and plaintext payload. `largest_pn` is the largest
/// Initial packet number seen in this direction.
pub(super) fn unprotect(
    packet: &[u8],
    pn_offset: usize,
    version: u32,
    key_dcid: &[u8],
    from_client: bool,
    largest_pn: Option<u64>,
) -> Result<(u64, Vec<u8>), QuicError> {
    // §5.2: Initial packets are protected with AEAD_AES_128_GCM and keys
    // from the Initial secret, as any other packet with its own secret.
    let keys = initial_secret(version, key_dcid, from_client)
        .and_then(|s| PacketKeys::from_secret(Suite::Aes128Gcm, version, &s))
        .ok_or_else(|| QuicError::NoInitialKeys(version_label(version)))?;
    match open_packet(packet, pn_offset, &keys, None, largest_pn) {
        Ok(o) => Ok((o.pn, o.plain)),
        Err(QuicError::DoesNotOpen { .. }) => Err(QuicError::DoesNotDecrypt {
            dcid: hex(key_dcid),
        }),
        Err(e) => Err(e),
    }
}

/// Whether a Retry packet's integrity tag is the one RFC 9001 §5.8 (v1) or
/// RFC 9369 §3.3.3 (v2) computes over the client's original Destination
/// Connection ID and the packet; `None` for versions without known keys.
pub fn retry_tag_valid(version: u32, original_dcid: &[u8], retry: &[u8]) -> Option<bool> {
    let (key, nonce): ([u8; 16], [u8; 12]) = match version {
        VERSION_1 => (
            [
                0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68,
                0xc8, 0x4e,
            ],
            [
                0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
            ],
        ),
        VERSION_2 => (
            [
                0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c,
                0xcc, 0x92,
            ],
            [
                0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a,
            ],
        ),
        _ => return None,
    };
    let body_len = retry.len().checked_sub(TAG_LEN)?;
    let mut pseudo = Vec::with_capacity(1 + original_dcid.len() + body_len);
    pseudo.push(u8::try_from(original_dcid.len()).ok()?);
    pseudo.extend_from_slice(original_dcid);
    pseudo.extend_from_slice(&retry[..body_len]);
    let cipher = Aes128Gcm::new(GenericArray::from_slice(&key));
    let tag = cipher
        .encrypt(
            GenericArray::from_slice(&nonce),
            Payload {
                msg: &[],
                aad: &pseudo,
            },
        )
        .ok()?;
    Some(tag[..] == retry[body_len..])
}

/// Builds a protected Initial packet (RFC 9001 §5.3–5.4) with a 4-byte
/// packet number, for tests that need Initials the RFC does not print.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal_initial(
    version: u32,
    key_dcid: &[u8],
    client: bool,
    dcid: &[u8],
    scid: &[u8],
    token: &[u8],
    pn: u32,
    plain: &[u8],
) -> Vec<u8> {
    seal_initial_first(
        0xc3, version, key_dcid, client, dcid, scid, token, pn, plain,
    )
}

/// [`seal_initial`] with the first byte's form, fixed and length bits
/// given (`0x83` greases the fixed bit, RFC 9287).
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal_initial_first(
    first: u8,
    version: u32,
    key_dcid: &[u8],
    client: bool,
    dcid: &[u8],
    scid: &[u8],
    token: &[u8],
    pn: u32,
    plain: &[u8],
) -> Vec<u8> {
    // RFC 9000 §17.2.2 (v1) and RFC 9369 §3.2 (v2): Initial type bits.
    let type_bits = if version == VERSION_2 { 0x10 } else { 0x00 };
    let mut header = vec![first | type_bits];
    header.extend_from_slice(&version.to_be_bytes());
    header.push(dcid.len() as u8);
    header.extend_from_slice(dcid);
    header.push(scid.len() as u8);
    header.extend_from_slice(scid);
    header.push(token.len() as u8);
    header.extend_from_slice(token);
    let length = (4 + plain.len() + TAG_LEN) as u16 | 0x4000;
    header.extend_from_slice(&length.to_be_bytes());
    header.extend_from_slice(&pn.to_be_bytes());
    let keys = initial_keys(version, key_dcid, client).unwrap();
    let cipher = Aes128Gcm::new(GenericArray::from_slice(&keys.key));
    let sealed = cipher
        .encrypt(
            GenericArray::from_slice(&nonce(&keys.iv, u64::from(pn))),
            Payload {
                msg: plain,
                aad: &header,
            },
        )
        .unwrap();
    let pn_offset = header.len() - 4;
    let mut packet = header;
    packet.extend_from_slice(&sealed);
    let sample: [u8; 16] = packet[pn_offset + 4..pn_offset + 20].try_into().unwrap();
    let mask = header_mask(&keys.hp, &sample);
    packet[0] ^= mask[0] & 0x0f;
    for i in 0..4 {
        packet[pn_offset + i] ^= mask[1 + i];
    }
    packet
}

#[cfg(test)]
mod tests {
    use super::super::tests::{bytes, RFC9001_DCID};
    use super::*;

    #[test]
    fn rfc9001_a1_keys() {
        let dcid = bytes(RFC9001_DCID);
        let c = initial_keys(VERSION_1, &dcid, true).unwrap();
        assert_eq!(hex(&c.key), "1f369613dd76d5467730efcbe3b1a22d");
        assert_eq!(hex(&c.iv), "fa044b2f42a3fd3b46fb255c");
        assert_eq!(hex(&c.hp), "9f50449e04a0e810283a1e9933adedd2");
        let s = initial_keys(VERSION_1, &dcid, false).unwrap();
        assert_eq!(hex(&s.key), "cf3a5331653c364c88f0f379b6067e37");
        assert_eq!(hex(&s.iv), "0ac1493ca1905853b0bba03e");
        assert_eq!(hex(&s.hp), "c206b8d9b9f0f37644430b490eeaa314");
    }

    #[test]
    fn rfc9369_a1_keys() {
        let dcid = bytes(RFC9001_DCID);
        let c = initial_keys(VERSION_2, &dcid, true).unwrap();
        assert_eq!(hex(&c.key), "8b1a0bc121284290a29e0971b5cd045d");
        assert_eq!(hex(&c.iv), "91f73e2351d8fa91660e909f");
        assert_eq!(hex(&c.hp), "45b95e15235d6f45a6b19cbcb0294ba9");
        let s = initial_keys(VERSION_2, &dcid, false).unwrap();
        assert_eq!(hex(&s.key), "82db637861d55e1d011f19ea71d5d2a7");
        assert_eq!(hex(&s.iv), "dd13c276499c0249d3310652");
        assert_eq!(hex(&s.hp), "edf6d05c83121201b436e16877593c3a");
    }

    #[test]
    fn rfc9001_header_protection_sample() {
        // RFC 9001 §A.2: sample d1b1c98dd7689fb8ec11d242b123dc9b gives
        // mask 437b9aec36; §A.3: 2cd0991cd25b0aac406a5816b6394100 gives
        // 2ec0d8356a.
        let dcid = bytes(RFC9001_DCID);
        let c = initial_keys(VERSION_1, &dcid, true).unwrap();
        let m = header_mask(
            &c.hp,
            &bytes("d1b1c98dd7689fb8ec11d242b123dc9b")
                .try_into()
                .unwrap(),
        );
        assert_eq!(hex(&m[..5]), "437b9aec36");
        let s = initial_keys(VERSION_1, &dcid, false).unwrap();
        let m = header_mask(
            &s.hp,
            &bytes("2cd0991cd25b0aac406a5816b6394100")
                .try_into()
                .unwrap(),
        );
        assert_eq!(hex(&m[..5]), "2ec0d8356a");
    }

    #[test]
    fn packet_numbers_rfc9000_a3() {
        // RFC 9000 §A.3's example: largest 0xa82f30ea, truncated 0x9b32.
        assert_eq!(
            decode_packet_number(Some(0xa82f_30ea), 0x9b32, 2),
            0xa82f_9b32
        );
        assert_eq!(decode_packet_number(None, 1, 1), 1);
        assert_eq!(decode_packet_number(Some(254), 0, 1), 256);
    }
}
