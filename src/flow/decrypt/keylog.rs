//! The NSS key log format (as written by NSS, OpenSSL, BoringSSL and curl
//! when `SSLKEYLOGFILE` is set, and as carried by a pcapng Decryption
//! Secrets Block of type "TLSK"): one secret a line,
//! `LABEL <client_random hex> <secret hex>`; `#` starts a comment.
//!
//! `CLIENT_RANDOM` holds a TLS 1.2 master secret (48 bytes, RFC 5246
//! §8.1); the TLS 1.3 labels hold the secrets of RFC 8446 §7.1. Lines with
//! labels this module does not use (e.g. `RSA`) are skipped, as Wireshark
//! skips them. The text read is bounded by [`MAX_KEYLOG_BYTES`].

use foldhash::HashMap;
use std::path::Path;
use thiserror::Error;

/// The largest key log read (a browser session logs a few hundred bytes a
/// connection; 64 MiB is some hundred thousand connections).
pub const MAX_KEYLOG_BYTES: usize = 64 << 20;

/// The longest secret accepted: a SHA-384 secret is 48 bytes.
const MAX_SECRET: usize = 64;

/// One kind of secret in the log, by its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Secret {
    /// `CLIENT_RANDOM`: the TLS 1.2 master secret.
    Master12,
    /// `CLIENT_EARLY_TRAFFIC_SECRET` (TLS 1.3 0-RTT).
    ClientEarly,
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    ClientHandshake,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    ServerHandshake,
    /// `CLIENT_TRAFFIC_SECRET_0`.
    ClientTraffic0,
    /// `SERVER_TRAFFIC_SECRET_0`.
    ServerTraffic0,
    /// `EXPORTER_SECRET`.
    Exporter,
}

impl Secret {
    const ALL: [Secret; 7] = [
        Secret::Master12,
        Secret::ClientEarly,
        Secret::ClientHandshake,
        Secret::ServerHandshake,
        Secret::ClientTraffic0,
        Secret::ServerTraffic0,
        Secret::Exporter,
    ];

    /// The label that names it in the log.
    pub fn label(self) -> &'static str {
        match self {
            Secret::Master12 => "CLIENT_RANDOM",
            Secret::ClientEarly => "CLIENT_EARLY_TRAFFIC_SECRET",
            Secret::ClientHandshake => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            Secret::ServerHandshake => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            Secret::ClientTraffic0 => "CLIENT_TRAFFIC_SECRET_0",
            Secret::ServerTraffic0 => "SERVER_TRAFFIC_SECRET_0",
            Secret::Exporter => "EXPORTER_SECRET",
        }
    }

    fn from_label(label: &[u8]) -> Option<Secret> {
        Secret::ALL
            .into_iter()
            .find(|s| s.label().as_bytes() == label)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What is wrong with a key log; each names where.
#[derive(Debug, Error)]
pub enum KeyLogError {
    #[error("{source_name}: cannot read the key log: {error}")]
    Io {
        source_name: String,
        error: std::io::Error,
    },
    #[error("{source_name}: the key log is larger than {max} bytes")]
    TooLarge { source_name: String, max: usize },
    #[error("{source_name}:{line}: malformed key log line: {reason}")]
    Malformed {
        source_name: String,
        line: usize,
        reason: &'static str,
    },
}

/// The secrets of a key log, by client random (the handshake's
/// ClientHello.random, which names the connection, RFC 8446 §4.1.2).
#[derive(Default, Clone)]
pub struct KeyLog {
    by_random: HashMap<[u8; 32], [Option<Box<[u8]>>; 7]>,
}

impl std::fmt::Debug for KeyLog {
    /// Never prints a secret: only how many connections the log names.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLog({} connections)", self.by_random.len())
    }
}

fn hex_decode(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    if text.len() % 2 != 0 {
        return None;
    }
    out.clear();
    for pair in text.chunks_exact(2) {
        let digit = |c: u8| (c as char).to_digit(16);
        out.push((digit(pair[0])? * 16 + digit(pair[1])?) as u8);
    }
    Some(())
}

impl KeyLog {
    /// Parses key log text; `source` names it in errors (a path, or
    /// "the capture's Decryption Secrets Block").
    pub fn parse(text: &[u8], source: &str) -> Result<KeyLog, KeyLogError> {
        if text.len() > MAX_KEYLOG_BYTES {
            return Err(KeyLogError::TooLarge {
                source_name: source.to_string(),
                max: MAX_KEYLOG_BYTES,
            });
        }
        let mut log = KeyLog::default();
        let mut buf = Vec::with_capacity(MAX_SECRET);
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = raw.trim_ascii();
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let bad = |reason| KeyLogError::Malformed {
                source_name: source.to_string(),
                line: i + 1,
                reason,
            };
            let mut fields = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty());
            let (Some(label), Some(random), Some(secret), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("expected three fields: label, client random, secret"));
            };
            let Some(which) = Secret::from_label(label) else {
                if label
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || *b == b'_' || b.is_ascii_digit())
                {
                    // A label of the format this tool does not use (RSA, …).
                    continue;
                }
                return Err(bad("the label is not a key log label"));
            };
            hex_decode(random, &mut buf).ok_or_else(|| bad("the client random is not hex"))?;
            let random: [u8; 32] = buf
                .as_slice()
                .try_into()
                .map_err(|_| bad("the client random is not 32 bytes"))?;
            hex_decode(secret, &mut buf).ok_or_else(|| bad("the secret is not hex"))?;
            if buf.is_empty() || buf.len() > MAX_SECRET {
                return Err(bad("the secret's length is not that of a TLS secret"));
            }
            if which == Secret::Master12 && buf.len() != 48 {
                return Err(bad("a CLIENT_RANDOM master secret is 48 bytes"));
            }
            log.by_random.entry(random).or_default()[which.index()] =
                Some(buf.clone().into_boxed_slice());
        }
        Ok(log)
    }

    /// Reads and parses a key log file.
    pub fn load(path: &Path) -> Result<KeyLog, KeyLogError> {
        let source_name = path.display().to_string();
        let io = |error| KeyLogError::Io {
            source_name: source_name.clone(),
            error,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_KEYLOG_BYTES as u64 {
            return Err(KeyLogError::TooLarge {
                source_name,
                max: MAX_KEYLOG_BYTES,
            });
        }
        let text = std::fs::read(path).map_err(io)?;
        KeyLog::parse(&text, &source_name)
    }

    /// Adds another log's secrets; where both name the same secret, the
    /// other's wins (it was read later).
    pub fn merge(&mut self, other: KeyLog) {
        for (random, secrets) in other.by_random {
            let mine = self.by_random.entry(random).or_default();
            for (slot, s) in mine.iter_mut().zip(secrets) {
                if s.is_some() {
                    *slot = s;
                }
            }
        }
    }

    /// The secret `which` of the connection whose ClientHello carried
    /// `client_random`.
    pub fn get(&self, client_random: &[u8; 32], which: Secret) -> Option<&[u8]> {
        self.by_random.get(client_random)?[which.index()].as_deref()
    }

    /// Whether the log names this client random at all.
    pub fn knows(&self, client_random: &[u8; 32]) -> bool {
        self.by_random.contains_key(client_random)
    }

    /// Connections (client randoms) the log holds secrets for.
    pub fn len(&self) -> usize {
        self.by_random.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_random.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "8f3b4cd0a1c2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c";

    #[test]
    fn parses_tls13_and_tls12_lines() {
        let text = format!(
            "# comment\nSERVER_HANDSHAKE_TRAFFIC_SECRET {R} {}\nCLIENT_RANDOM {R} {}\r\nRSA 0011 2233\n",
            "ab".repeat(32),
            "cd".repeat(48)
        );
        let log = KeyLog::parse(text.as_bytes(), "keys.log").unwrap();
        let mut v = Vec::new();
        hex_decode(R.as_bytes(), &mut v).unwrap();
        let r: [u8; 32] = v.try_into().unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log.get(&r, Secret::ServerHandshake), Some(&[0xab; 32][..]));
        assert_eq!(log.get(&r, Secret::Master12), Some(&[0xcd; 48][..]));
        assert_eq!(log.get(&r, Secret::ClientHandshake), None);
        assert_eq!(format!("{log:?}"), "KeyLog(1 connections)");
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let text = format!(
            "\nCLIENT_RANDOM {R} {}\nCLIENT_RANDOM zz {}\n",
            "cd".repeat(48),
            "cd".repeat(48)
        );
        let e = KeyLog::parse(text.as_bytes(), "keys.log").unwrap_err();
        assert_eq!(
            e.to_string(),
            "keys.log:3: malformed key log line: the client random is not hex"
        );
        let e = KeyLog::parse(b"CLIENT_RANDOM 00\n", "k").unwrap_err();
        assert_eq!(
            e.to_string(),
            "k:1: malformed key log line: expected three fields: label, client random, secret"
        );
        let short = format!("CLIENT_RANDOM {R} {}\n", "cd".repeat(32));
        assert!(KeyLog::parse(short.as_bytes(), "k").is_err());
    }

    #[test]
    fn merge_keeps_both_and_later_wins() {
        let a = format!("CLIENT_TRAFFIC_SECRET_0 {R} {}\n", "01".repeat(32));
        let b = format!(
            "CLIENT_TRAFFIC_SECRET_0 {R} {}\nEXPORTER_SECRET {R} {}\n",
            "02".repeat(32),
            "03".repeat(32)
        );
        let mut log = KeyLog::parse(a.as_bytes(), "a").unwrap();
        log.merge(KeyLog::parse(b.as_bytes(), "b").unwrap());
        let mut v = Vec::new();
        hex_decode(R.as_bytes(), &mut v).unwrap();
        let r: [u8; 32] = v.try_into().unwrap();
        assert_eq!(log.get(&r, Secret::ClientTraffic0), Some(&[2u8; 32][..]));
        assert_eq!(log.get(&r, Secret::Exporter), Some(&[3u8; 32][..]));
    }
}
