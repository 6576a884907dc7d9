//! The handshake messages after the hellos that a key log makes readable
//! in TLS 1.3 (and some TLS 1.2 sends in the clear): EncryptedExtensions
//! (RFC 8446 §4.3.1), CertificateRequest (§4.3.2; RFC 5246 §7.4.4),
//! CertificateVerify (§4.4.3; RFC 5246 §7.4.8) and NewSessionTicket
//! (§4.6.1; RFC 5077 §3.3). Finished (§4.4.4) holds only its verify_data,
//! whose length the message length already says.

use super::handshake::TlsHandshake;
use super::hello::{extensions, u16s};
use super::TlsError;
use crate::decode::cursor::Cursor;

/// The early_data extension (RFC 8446 §4.2.10).
const EARLY_DATA: u16 = 42;

/// EncryptedExtensions: the server's extensions that are not needed to
/// set the keys up; the ALPN protocol it chose is here in TLS 1.3, and an
/// empty early_data says it accepted the client's 0-RTT data.
pub(super) fn encrypted_extensions(body: &[u8], h: &mut TlsHandshake) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    extensions(c.vec16("extensions")?, h, false)?;
    h.early_data_accepted = h.extensions.contains(&EARLY_DATA);
    Ok(())
}

/// CertificateRequest: in TLS 1.3 a context and extensions (of which
/// signature_algorithms is required); in TLS 1.2 the certificate types,
/// the signature algorithms and the acceptable authorities.
pub(super) fn certificate_request(
    body: &[u8],
    tls13: bool,
    h: &mut TlsHandshake,
) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    if tls13 {
        c.vec8("certificate_request_context")?;
        extensions(c.vec16("extensions")?, h, false)?;
    } else {
        h.certificate_types = c.vec8("certificate_types")?.to_vec();
        h.signature_algorithms = u16s(c.vec16("supported_signature_algorithms")?);
        c.vec16("certificate_authorities")?;
    }
    Ok(())
}

/// CertificateVerify (and TLS 1.2's, the same layout): the signature
/// scheme, then the signature.
pub(super) fn certificate_verify(body: &[u8], h: &mut TlsHandshake) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    h.signature_scheme = Some(c.u16("algorithm")?);
    c.vec16("signature")?;
    Ok(())
}

/// NewSessionTicket: TLS 1.3's lifetime, age_add, nonce, ticket and
/// extensions (early_data giving max_early_data_size), or RFC 5077's
/// lifetime hint and ticket.
pub(super) fn new_session_ticket(
    body: &[u8],
    tls13: bool,
    h: &mut TlsHandshake,
) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    h.ticket_lifetime = Some(c.u32("ticket_lifetime")?);
    if tls13 {
        c.u32("ticket_age_add")?;
        c.vec8("ticket_nonce")?;
    }
    h.ticket_length = Some(c.vec16("ticket")?.len() as u32);
    if tls13 {
        let mut ext = Cursor::new(c.vec16("extensions")?);
        while ext.left() > 0 {
            let t = ext.u16("extension type")?;
            h.extensions.push(t);
            let data = ext
                .vec16("extension")
                .map_err(|e| TlsError::from(e).in_extension(t))?;
            if t == EARLY_DATA {
                h.max_early_data = Some(
                    Cursor::new(data)
                        .u32("max_early_data_size")
                        .map_err(|e| TlsError::from(e).in_extension(t))?,
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls13_ticket_with_early_data() {
        // lifetime 7200, age_add, nonce [0], ticket of 3 bytes, early_data 16384.
        let body = [
            0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 0, 0, 3, 9, 9, 9, 0, 8, 0, 42, 0, 4, 0, 0, 0x40, 0,
        ];
        let mut h = TlsHandshake::default();
        new_session_ticket(&body, true, &mut h).unwrap();
        assert_eq!(h.ticket_lifetime, Some(7200));
        assert_eq!(h.ticket_length, Some(3));
        assert_eq!(h.max_early_data, Some(16384));
        // The extension list cut by one byte: an error naming the list.
        let mut h = TlsHandshake::default();
        let e = new_session_ticket(&body[..body.len() - 1], true, &mut h).unwrap_err();
        assert_eq!(h.ticket_lifetime, Some(7200));
        assert_eq!(
            e.to_string(),
            "extensions length 8 exceeds the 7 bytes left"
        );
        // The list's length says 7: the early_data value itself is short.
        let mut short = body[..body.len() - 1].to_vec();
        short[16] = 7;
        let e = new_session_ticket(&short, true, &mut h).unwrap_err();
        assert_eq!(
            e.to_string(),
            "extension 0x002a: extension length 4 exceeds the 3 bytes left"
        );
    }

    #[test]
    fn encrypted_extensions_with_alpn_and_early_data() {
        // ALPN "h2", early_data (empty).
        let body = [0, 13, 0, 16, 0, 5, 0, 3, 2, b'h', b'2', 0, 42, 0, 0];
        let mut h = TlsHandshake::default();
        encrypted_extensions(&body, &mut h).unwrap();
        assert_eq!(h.alpn, ["h2"]);
        assert!(h.early_data_accepted);
        assert_eq!(h.extensions, [16, 42]);
    }

    #[test]
    fn certificate_verify_and_request() {
        let mut h = TlsHandshake::default();
        certificate_verify(&[4, 3, 0, 2, 0xaa, 0xbb], &mut h).unwrap();
        assert_eq!(h.signature_scheme, Some(0x0403));
        // TLS 1.3: empty context, signature_algorithms [0x0804, 0x0403].
        let body = [0, 0, 10, 0, 13, 0, 6, 0, 4, 8, 4, 4, 3];
        let mut h = TlsHandshake::default();
        certificate_request(&body, true, &mut h).unwrap();
        assert_eq!(h.signature_algorithms, [0x0804, 0x0403]);
        // TLS 1.2: types [rsa_sign, ecdsa_sign], one algorithm, no CAs.
        let body = [2, 1, 64, 0, 2, 4, 3, 0, 0];
        let mut h = TlsHandshake::default();
        certificate_request(&body, false, &mut h).unwrap();
        assert_eq!(h.certificate_types, [1, 64]);
        assert_eq!(h.signature_algorithms, [0x0403]);
    }
}
