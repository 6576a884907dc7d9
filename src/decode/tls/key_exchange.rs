//! The parameters of a TLS 1.2 ServerKeyExchange: the group of an ECDHE
//! exchange (RFC 8422 §5.4), the prime size of a DHE one (RFC 5246
//! §7.4.3), and the signature scheme that signs them (RFC 5246 §4.7).

use super::names::{group_name, signature_scheme_name};
use super::TlsError;
use crate::decode::cursor::Cursor;
use serde::Serialize;

/// What a ServerKeyExchange says about the key exchange (RFC 8422 §5.4 for
/// ECDHE, RFC 5246 §7.4.3 for DHE).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServerKeyExchange {
    /// "ECDHE" or "DHE".
    pub key_exchange: String,
    /// Named group of an ECDHE exchange, e.g. "x25519" (hex when unnamed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Size of a DHE prime in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dh_prime_bits: Option<u32>,
    /// Signature scheme of the signed parameters (TLS 1.2), e.g.
    /// "ecdsa_secp256r1_sha256" (hex when unnamed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<String>,
}

/// The parameters of a ServerKeyExchange, laid out by the key exchange of
/// the chosen suite: ECDHE (RFC 8422 §5.4: curve_type 3 = named_curve, the
/// group, the public point) or DHE (RFC 5246 §7.4.3: p, g, Ys), then, in
/// TLS 1.2, the SignatureAndHashAlgorithm before the signature (RFC 5246
/// §4.7). Without a known suite an ECDHE layout is tried when the first
/// byte says named_curve. Other exchanges (PSK, RSA export) give `None`.
pub(super) fn server_key_exchange(
    body: &[u8],
    chosen_suite: Option<u16>,
) -> Result<Option<ServerKeyExchange>, TlsError> {
    use tls_parser::TlsCipherKx;
    let kx = chosen_suite
        .and_then(tls_parser::TlsCipherSuite::from_id)
        .map(|s| s.kx);
    let mut c = Cursor::new(body);
    let mut out = ServerKeyExchange::default();
    match kx {
        Some(TlsCipherKx::Ecdhe) => {}
        None if body.first() == Some(&3) => {}
        Some(TlsCipherKx::Dhe) => {
            out.key_exchange = "DHE".into();
            let p = c.vec16("dh_p")?;
            let leading_zeros = p.iter().take_while(|b| **b == 0).count();
            let significant = &p[leading_zeros..];
            out.dh_prime_bits = Some(match significant.first() {
                Some(first) => (significant.len() * 8) as u32 - first.leading_zeros(),
                None => 0,
            });
            c.vec16("dh_g")?;
            c.vec16("dh_Ys")?;
            out.signature_algorithm = signature_algorithm(&mut c)?;
            return Ok(Some(out));
        }
        _ => return Ok(None),
    }
    out.key_exchange = "ECDHE".into();
    let curve_type = c.u8("curve_type")?;
    if curve_type != 3 {
        return Err(TlsError::CurveType(curve_type));
    }
    let group = c.u16("named_curve")?;
    out.curve = Some(group_name(group).map_or_else(|| format!("0x{group:04x}"), str::to_owned));
    c.vec8("public")?;
    out.signature_algorithm = signature_algorithm(&mut c)?;
    Ok(Some(out))
}

/// What follows the parameters: `algorithm(2) signature<2>` in TLS 1.2,
/// `signature<2>` alone before it, nothing for anonymous suites; told
/// apart by which layout uses up exactly the bytes left.
fn signature_algorithm(c: &mut Cursor) -> Result<Option<String>, TlsError> {
    let rest = c.rest();
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.len() >= 4 && usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 4 == rest.len() {
        let s = u16::from_be_bytes([rest[0], rest[1]]);
        return Ok(Some(
            signature_scheme_name(s).map_or_else(|| format!("0x{s:04x}"), str::to_owned),
        ));
    }
    if rest.len() >= 2 && usize::from(u16::from_be_bytes([rest[0], rest[1]])) + 2 == rest.len() {
        return Ok(None);
    }
    Err(TlsError::Signature(rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_key_exchange_layouts() {
        // ECDHE with secp256r1 as TLS 1.0 sends it: no signature algorithm.
        let mut ske = vec![3, 0x00, 0x17, 2, 0x04, 0x01];
        ske.extend_from_slice(&[0, 3, 1, 2, 3]);
        let out = server_key_exchange(&ske, Some(0xc013)).unwrap().unwrap();
        assert_eq!(out.curve.as_deref(), Some("secp256r1"));
        assert_eq!(out.signature_algorithm, None);
        // DHE (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256) with a 2048-bit prime
        // and an RSA-PSS signature.
        let mut dhe = vec![0x01, 0x00, 0x80];
        dhe.extend_from_slice(&[0xff; 255]);
        dhe.extend_from_slice(&[0, 1, 2, 0, 1, 7, 0x08, 0x04, 0, 2, 9, 9]);
        let out = server_key_exchange(&dhe, Some(0x009e)).unwrap().unwrap();
        assert_eq!(out.key_exchange, "DHE");
        assert_eq!(out.dh_prime_bits, Some(2048));
        assert_eq!(
            out.signature_algorithm.as_deref(),
            Some("rsa_pss_rsae_sha256")
        );
        // An RSA key exchange has no ServerKeyExchange to read.
        assert_eq!(server_key_exchange(&ske, Some(0x009c)), Ok(None));
        // Not named_curve, and trailing bytes that fit no layout.
        assert!(server_key_exchange(&[1, 0, 0], Some(0xc02c)).is_err());
        let mut junk = ske.clone();
        junk.push(0);
        assert!(server_key_exchange(&junk, Some(0xc013)).is_err());
        for n in 0..ske.len() {
            let _ = server_key_exchange(&ske[..n], None);
        }
    }
}
