//! The certificates of a Certificate message (RFC 5246 §7.4.2 in TLS 1.2
//! and earlier, in the clear; RFC 8446 §4.4.2 in TLS 1.3, read after
//! decryption), read with x509-parser into their RFC 5280 fields.

use super::is_zero;
use super::TlsError;
use crate::decode::cursor::{hex, Cursor};
use serde::Serialize;
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Bounds on what one Certificate message adds to a packet.
pub const MAX_CERTIFICATES: usize = 16;
pub const MAX_SAN: usize = 100;

/// One certificate of a Certificate message (RFC 5280 fields), or why it
/// could not be read.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Certificate {
    Parsed(CertificateSummary),
    Unreadable { error: String },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertificateSummary {
    /// RFC 4514 string form, e.g. "CN=www.example.com, O=Example".
    pub subject: String,
    pub issuer: String,
    /// subjectAltName DNS names and IP addresses, in certificate order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub san: Vec<String>,
    /// SAN entries past [`MAX_SAN`] that were not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub san_dropped: u32,
    /// Validity, RFC 3339 UTC, e.g. "2026-11-24T05:25:54Z".
    pub not_before: String,
    pub not_after: String,
    /// Serial number as lowercase hex of its DER content octets.
    pub serial: String,
    /// The subject public key: "RSA 2048 bits", "EC prime256v1" (the
    /// named curve), or the algorithm's name (RFC 5280 §4.1.2.7).
    pub key_type: String,
    /// The issuer's signature algorithm, e.g. "ecdsa-with-SHA256"
    /// (RFC 5280 §4.1.1.2), as the OID registry names it, or the dotted
    /// OID.
    pub signature_algorithm: String,
}

/// A Certificate message (RFC 5246 §7.4.2): a 24-bit-length list of
/// 24-bit-length DER certificates. Each is read with x509-parser; one that
/// does not parse becomes an error entry and the rest are still read.
///
/// Adds the certificates read to `certificates`, at most
/// [`MAX_CERTIFICATES`], and counts the rest in `dropped`; on an error the
/// ones before it are kept.
pub(super) fn certificates(
    body: &[u8],
    certificates: &mut Vec<Certificate>,
    dropped: &mut u32,
) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    entries(c.vec24("certificate_list")?, false, certificates, dropped)
}

/// The entries of a certificate_list: DER certificates, each followed in
/// TLS 1.3 by its extensions.
fn entries(
    list: &[u8],
    with_extensions: bool,
    certificates: &mut Vec<Certificate>,
    dropped: &mut u32,
) -> Result<(), TlsError> {
    let mut list = Cursor::new(list);
    while list.left() > 0 {
        let der = list.vec24("certificate")?;
        if with_extensions {
            list.vec16("extensions")?;
        }
        if certificates.len() >= MAX_CERTIFICATES {
            *dropped += 1;
            continue;
        }
        certificates.push(certificate(der));
    }
    Ok(())
}

/// A TLS 1.3 Certificate message (RFC 8446 §4.4.2): a request context,
/// then a 24-bit-length list of entries, each a DER certificate and its
/// extensions. Read as [`certificates`] reads the TLS 1.2 one.
pub(super) fn certificates13(
    body: &[u8],
    certificates: &mut Vec<Certificate>,
    dropped: &mut u32,
) -> Result<(), TlsError> {
    let mut c = Cursor::new(body);
    c.vec8("certificate_request_context")?;
    entries(c.vec24("certificate_list")?, true, certificates, dropped)
}

fn certificate(der: &[u8]) -> Certificate {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            return Certificate::Unreadable {
                error: format!("certificate does not parse: {e}"),
            }
        }
    };
    let mut san = Vec::new();
    let mut san_dropped = 0;
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => {
            for name in &ext.value.general_names {
                let entry = match name {
                    GeneralName::DNSName(dns) => dns.to_string(),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        16 => {
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                                .to_string()
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                if san.len() < MAX_SAN {
                    san.push(entry);
                } else {
                    san_dropped += 1;
                }
            }
        }
        Ok(None) => {}
        Err(e) => {
            return Certificate::Unreadable {
                error: format!("subjectAltName does not parse: {e}"),
            }
        }
    }
    let validity = cert.validity();
    Certificate::Parsed(CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        san,
        san_dropped,
        not_before: rfc3339(&validity.not_before),
        not_after: rfc3339(&validity.not_after),
        serial: hex(cert.raw_serial()),
        key_type: key_type(&cert),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
    })
}

/// An OID by its registered short name, else dotted.
fn oid_name(oid: &Oid) -> String {
    oid2sn(oid, oid_registry()).map_or_else(|_| oid.to_id_string(), str::to_string)
}

fn key_type(cert: &X509Certificate) -> String {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {} bits", rsa.key_size()),
        Ok(PublicKey::EC(_)) => {
            // RFC 5480 §2.1.1: the parameters name the curve.
            match spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
            {
                Some(curve) => format!("EC {}", oid_name(&curve)),
                None => "EC".to_string(),
            }
        }
        _ => oid_name(&spki.algorithm.algorithm),
    }
}

fn rfc3339(t: &x509_parser::time::ASN1Time) -> String {
    let d = t.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month() as u8,
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tls::testdata::tls12_server_flight;

    #[test]
    fn certificates_past_the_bound_are_counted() {
        let flight = tls12_server_flight();
        let der_at = 5 + 112 + 5 + 4 + 3 + 3;
        let der = &flight[der_at..der_at + 456];
        let mut list = Vec::new();
        for _ in 0..MAX_CERTIFICATES + 3 {
            list.extend_from_slice(&[0, (der.len() >> 8) as u8, der.len() as u8]);
            list.extend_from_slice(der);
        }
        let mut body = vec![0, (list.len() >> 8) as u8, list.len() as u8];
        body.extend_from_slice(&list);
        let (mut list, mut dropped) = (Vec::new(), 0);
        certificates(&body, &mut list, &mut dropped).unwrap();
        assert_eq!(list.len(), MAX_CERTIFICATES);
        assert_eq!(dropped, 3);
    }
}
