//! ClientHello and ServerHello bodies (RFC 8446 §4.1.2, §4.1.3) and the
//! extensions the story and the fingerprints need (RFC 8446 §4.2, RFC 6066
//! §3, RFC 7301 §3.1, RFC 8422 §5.1.2), parsed by hand rather than with
//! tls-parser's grammar because the story needs what a typed parse folds
//! away: every extension's type number in wire order (GREASE and unknown
//! ones included), key-share groups, and the exact length that overruns
//! when a message is malformed.
//!
//! A parsed hello carries no fingerprint: the caller computes JA3/JA4 from
//! it with `fingerprint.rs`, which knows which transport carried it.

use super::handshake::{HandshakeKind, TlsHandshake};
use super::names::is_grease;
use super::version::TlsVersion;
use super::TlsError;
use crate::decode::cursor::{hex, Cursor};

/// SHA-256("HelloRetryRequest"): the random of a ServerHello that is in
/// fact a HelloRetryRequest (RFC 8446 §4.1.3).
pub(super) const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

pub(super) fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

fn note_grease(h: &mut TlsHandshake, values: impl IntoIterator<Item = u16>) {
    for v in values {
        if is_grease(v) && !h.grease.contains(&v) {
            h.grease.push(v);
        }
    }
}

/// Parses the body of a ClientHello (1) or ServerHello (2) into `h`, for
/// handshake bytes that do not come in TLS records (QUIC CRYPTO frames,
/// RFC 9001 §4). Other message types are left as they are.
pub fn parse_hello(kind: u8, body: &[u8], h: &mut TlsHandshake) -> Result<(), TlsError> {
    match kind {
        1 => client_hello(body, h),
        2 => server_hello(body, h),
        _ => Ok(()),
    }
}

/// RFC 8446 §4.1.2.
pub(super) fn client_hello(body: &[u8], h: &mut TlsHandshake) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    h.raw.legacy_version = c.u16("legacy_version")?;
    h.version = Some(TlsVersion::from(h.raw.legacy_version));
    h.random = Some(hex(c.take(32, "random")?));
    h.session_id = Some(hex(c.vec8("legacy_session_id")?));
    h.cipher_suites = u16s(c.vec16("cipher_suites")?);
    note_grease(h, h.cipher_suites.clone());
    h.compression_methods = c.vec8("compression_methods")?.to_vec();
    if c.left() == 0 {
        return Ok(());
    }
    let ext = c.vec16("extensions")?;
    extensions(ext, h, true)
}

/// RFC 8446 §4.1.3 (and §4.1.4 for the HelloRetryRequest).
pub(super) fn server_hello(body: &[u8], h: &mut TlsHandshake) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    h.raw.legacy_version = c.u16("legacy_version")?;
    h.version = Some(TlsVersion::from(h.raw.legacy_version));
    let random = c.take(32, "random")?;
    if random == HRR_RANDOM {
        h.kind = HandshakeKind::HelloRetryRequest;
    }
    h.random = Some(hex(random));
    h.session_id = Some(hex(c.vec8("legacy_session_id_echo")?));
    h.cipher_suite = Some(c.u16("cipher_suite")?);
    h.compression_methods = vec![c.u8("legacy_compression_method")?];
    if c.left() == 0 {
        return Ok(());
    }
    let ext = c.vec16("extensions")?;
    extensions(ext, h, false)
}

pub(super) fn extensions(b: &[u8], h: &mut TlsHandshake, client: bool) -> Result<(), TlsError> {
    let mut c = Cursor::new(b);
    while c.left() > 0 {
        let t = c.u16("extension type")?;
        h.extensions.push(t);
        note_grease(h, [t]);
        let data = c
            .vec16("extension")
            .map_err(|e| TlsError::from(e).in_extension(t))?;
        extension(t, data, h, client).map_err(|e| e.in_extension(t))?;
    }
    Ok(())
}

fn extension(t: u16, data: &[u8], h: &mut TlsHandshake, client: bool) -> Result<(), TlsError> {
    let mut c = Cursor::new(data);
    match t {
        // RFC 6066 §3: server_name.
        0 if client => {
            let mut list = Cursor::new(c.vec16("server_name_list")?);
            while list.left() > 0 {
                let kind = list.u8("name_type")?;
                let name = list.vec16("host_name")?;
                if kind == 0 && h.sni.is_none() {
                    h.sni = Some(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
        // RFC 7301 §3.1: ALPN (a list in the ClientHello, one name in a
        // TLS 1.2 ServerHello).
        16 => {
            let mut list = Cursor::new(c.vec16("protocol_name_list")?);
            while list.left() > 0 {
                let name = list.vec8("protocol_name")?;
                if h.raw.first_alpn.is_none() {
                    h.raw.first_alpn = Some(name.to_vec());
                }
                h.alpn.push(String::from_utf8_lossy(name).into_owned());
            }
        }
        // RFC 8446 §4.2.1.
        43 => {
            let versions = if client {
                u16s(c.vec8("supported_versions")?)
            } else {
                vec![c.u16("selected_version")?]
            };
            note_grease(h, versions.iter().copied());
            h.supported_versions = versions.iter().copied().map(TlsVersion::from).collect();
            h.raw.supported_versions = versions;
        }
        // RFC 8446 §4.2.7.
        10 => {
            h.supported_groups = u16s(c.vec16("named_group_list")?);
            note_grease(h, h.supported_groups.clone());
        }
        // RFC 8446 §4.2.8: one entry per offered group; the ServerHello
        // holds the chosen one; a HelloRetryRequest only names a group.
        51 => {
            if client {
                let mut list = Cursor::new(c.vec16("client_shares")?);
                while list.left() > 0 {
                    let g = list.u16("group")?;
                    list.vec16("key_exchange")?;
                    h.key_share_groups.push(g);
                }
            } else {
                h.key_share_groups.push(c.u16("selected_group")?);
            }
            note_grease(h, h.key_share_groups.clone());
        }
        // RFC 8422 §5.1.2.
        11 => h.ec_point_formats = c.vec8("ec_point_format_list")?.to_vec(),
        // RFC 8446 §4.2.3.
        13 => h.signature_algorithms = u16s(c.vec16("supported_signature_algorithms")?),
        // RFC 8446 §4.2.9.
        45 => h.psk_key_exchange_modes = c.vec8("ke_modes")?.to_vec(),
        // RFC 8446 §4.2.11.
        41 => h.pre_shared_key = true,
        // draft-ietf-tls-esni: encrypted_client_hello.
        0xfe0d => h.encrypted_client_hello = true,
        _ => {}
    }
    Ok(())
}
