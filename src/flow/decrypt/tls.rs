//! Decryption of one TLS-over-TCP connection with the key log: each
//! direction's records are framed again (RFC 8446 §5.1), the connection's
//! ClientHello.random names its secrets in the log, the ServerHello's
//! cipher suite decides the keys, and every protected record is opened.
//!
//! TLS 1.3 (RFC 8446 §7.3): the handshake traffic keys from the
//! `*_HANDSHAKE_TRAFFIC_SECRET`s protect the flight after the ServerHello
//! up to each side's Finished; the application keys from
//! `*_TRAFFIC_SECRET_0` follow, and a KeyUpdate moves a direction to the
//! next secret (§7.2). The inner content type is the last non-zero byte
//! of the plaintext (§5.4). TLS 1.2 (RFC 5246 §6.3): the key block from
//! the `CLIENT_RANDOM` master secret; each direction is protected from its
//! ChangeCipherSpec on, with an AEAD or with AES-CBC and HMAC (§6.2.3.2;
//! encrypt-then-MAC when the ServerHello echoes RFC 7366's extension).
//!
//! Decrypted handshake messages and alerts are read by the cleartext TLS
//! decoder and marked `decrypted`; application data goes to HTTP/1.x. A
//! record that fails authentication is counted and reported, and that
//! direction's decryption stops.

use super::cipher::{self, DirectionKeys, RecordCipher, Suite};
use super::keylog::{KeyLog, Secret};
use super::schedule::{next_traffic_secret, traffic_key_iv};
use crate::decode::http::{looks_like_http, HttpConn, HttpStream};
use crate::decode::http2::{looks_like_server_preface, H2Stream, PREFACE};
use crate::decode::stream::Side;
use crate::decode::stream::StreamOutput;
use crate::decode::tls::{looks_like_tls, HandshakeKind, TlsInfo, TlsStream};
use std::sync::Arc;

/// The largest record body: 2^14 plaintext plus 256 bytes of expansion
/// (RFC 8446 §5.2).
const MAX_BODY: usize = (1 << 14) + 256;

/// Where one direction's protection stands.
#[derive(Default)]
enum Phase {
    /// Not a TLS stream, or not yet known to be one.
    #[default]
    Unknown,
    /// Records are read in the clear.
    Clear,
    /// Records are opened with this cipher.
    Protected(RecordCipher),
    /// Nothing more is decrypted in this direction.
    Stopped,
}

#[derive(Default)]
struct Direction {
    buf: Vec<u8>,
    /// Frames that carried bytes of the record in `buf`.
    frames: Vec<u64>,
    phase: Phase,
    /// TLS 1.3: the current traffic secret (for KeyUpdate), and whether
    /// the application keys are in use.
    secret: Vec<u8>,
    application: bool,
    /// The cleartext decoder of the decrypted handshake and alerts.
    inner: Option<TlsStream>,
    /// HTTP/1.x in the decrypted application data, once its first bytes
    /// said so; `http_decided` once they were seen.
    http: Option<HttpStream>,
    http_decided: bool,
    /// HTTP/2 in the decrypted application data, once the client's
    /// preface, the server's first SETTINGS or the ALPN choice said so.
    http2: Option<H2Stream>,
}

/// The decryption state of one connection.
pub struct ConnDecrypt {
    keys: Arc<KeyLog>,
    max_message: usize,
    client_random: Option<[u8; 32]>,
    suite: Option<Suite>,
    /// TLS 1.2 keys, waiting for each side's ChangeCipherSpec:
    /// [client, server].
    tls12: Option<[DirectionKeys; 2]>,
    /// The ServerHello agreed encrypt_then_mac (RFC 7366 §2).
    encrypt_then_mac: bool,
    dirs: [Direction; 2],
    http: HttpConn,
    /// The server chose `h2` by ALPN (RFC 7301) in its decrypted
    /// EncryptedExtensions or its ServerHello.
    alpn_h2: bool,
    /// What happened since the tracker last took the counts.
    stats: DecryptStats,
}

/// What decryption counted; the tracker sums it over connections.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DecryptStats {
    /// TLS connections whose ClientHello.random the key log names.
    pub connections_keyed: u64,
    /// TLS connections whose ClientHello.random it does not name.
    pub connections_unkeyed: u64,
    pub records_decrypted: u64,
    /// Records that failed authentication (that direction then stops).
    pub records_failed: u64,
}

impl DecryptStats {
    pub fn is_empty(&self) -> bool {
        *self == DecryptStats::default()
    }

    pub fn add(&mut self, other: &DecryptStats) {
        self.connections_keyed += other.connections_keyed;
        self.connections_unkeyed += other.connections_unkeyed;
        self.records_decrypted += other.records_decrypted;
        self.records_failed += other.records_failed;
    }
}

impl std::fmt::Debug for ConnDecrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConnDecrypt({:?})", self.stats)
    }
}

impl ConnDecrypt {
    pub fn new(keys: Arc<KeyLog>, max_message: usize) -> ConnDecrypt {
        ConnDecrypt {
            keys,
            max_message,
            client_random: None,
            suite: None,
            tls12: None,
            encrypt_then_mac: false,
            dirs: Default::default(),
            http: HttpConn::default(),
            alpn_h2: false,
            stats: DecryptStats::default(),
        }
    }

    /// The counts since the last call.
    pub fn take_stats(&mut self) -> DecryptStats {
        std::mem::take(&mut self.stats)
    }

    /// Bytes of the direction were lost: its records cannot be framed.
    pub fn gap(&mut self, side: Side) {
        let d = &mut self.dirs[side.index()];
        d.phase = Phase::Stopped;
        d.buf = Vec::new();
    }

    /// Bytes held waiting for the rest of a record.
    pub fn buffered(&self) -> usize {
        self.dirs
            .iter()
            .map(|d| d.buf.len() + d.http2.as_ref().map_or(0, H2Stream::buffered))
            .sum()
    }

    /// Takes the next in-order bytes of `side`, carried by `frame`.
    pub fn feed(&mut self, side: Side, data: &[u8], frame: u64, out: &mut StreamOutput) {
        let d = &mut self.dirs[side.index()];
        if matches!(d.phase, Phase::Unknown) {
            d.phase = if looks_like_tls(data) {
                Phase::Clear
            } else {
                Phase::Stopped
            };
        }
        if matches!(d.phase, Phase::Stopped) || data.is_empty() {
            return;
        }
        d.buf.extend_from_slice(data);
        if d.frames.last() != Some(&frame) {
            d.frames.push(frame);
        }
        let mut at = 0;
        loop {
            let d = &mut self.dirs[side.index()];
            let Some(head) = d.buf.get(at..at + 5) else {
                break;
            };
            let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
            if len > MAX_BODY {
                d.phase = Phase::Stopped;
                d.buf = Vec::new();
                return;
            }
            if d.buf.len() < at + 5 + len {
                break;
            }
            let header: [u8; 5] = d.buf[at..at + 5].try_into().expect("five bytes");
            let body = d.buf[at + 5..at + 5 + len].to_vec();
            at += 5 + len;
            let frames = std::mem::replace(&mut d.frames, vec![frame]);
            self.record(side, header, &body, &frames, out);
            if matches!(self.dirs[side.index()].phase, Phase::Stopped) {
                self.dirs[side.index()].buf = Vec::new();
                return;
            }
        }
        let d = &mut self.dirs[side.index()];
        d.buf.drain(..at);
        if d.buf.is_empty() {
            d.frames.clear();
        }
    }

    fn record(
        &mut self,
        side: Side,
        header: [u8; 5],
        body: &[u8],
        frames: &[u64],
        out: &mut StreamOutput,
    ) {
        let ctype = header[0];
        let last = *frames.last().unwrap_or(&0);
        let tls13 = self.suite.is_some_and(|s| s.tls13);
        let d = &mut self.dirs[side.index()];
        match (&mut d.phase, ctype) {
            (Phase::Clear, 22) => self.clear_handshake(side, body),
            // RFC 5246 §7.1: this side protects its records from here on.
            (Phase::Clear, 20) if !tls13 => {
                let Some(keys) = &self.tls12 else {
                    d.phase = Phase::Stopped;
                    return;
                };
                let suite = self.suite.expect("keys imply a suite");
                let keys = &keys[side.index()];
                let cipher = if suite.mac.is_some() {
                    RecordCipher::cbc(suite, keys, self.encrypt_then_mac)
                } else {
                    RecordCipher::new(suite.algorithm, &keys.key, &keys.iv, false)
                };
                d.phase = match cipher {
                    Some(c) => Phase::Protected(c),
                    None => Phase::Stopped,
                };
            }
            // TLS 1.3's compatibility ChangeCipherSpec (RFC 8446 §D.4).
            (Phase::Protected(_), 20) if tls13 => {}
            (Phase::Protected(c), _) => match c.open(&header, body) {
                Some(plain) => {
                    self.stats.records_decrypted += 1;
                    self.plaintext(side, ctype, plain, frames, last, out);
                }
                None => {
                    self.stats.records_failed += 1;
                    d.phase = Phase::Stopped;
                    out.errors.push(format!(
                        "TLS: a record from the {side} failed authentication with the key log's \
                         secrets (frame {last}); decryption of this direction stops"
                    ));
                }
            },
            _ => {}
        }
    }

    /// A cleartext handshake record: the ClientHello's random, the
    /// ServerHello's random and suite (RFC 8446 §4.1.2, §4.1.3).
    fn clear_handshake(&mut self, side: Side, body: &[u8]) {
        // type(1) length(3) legacy_version(2) random(32)
        let Some(random) = body.get(6..38) else {
            return;
        };
        let random: [u8; 32] = random.try_into().expect("32 bytes");
        match (side, body[0]) {
            (Side::Client, 1) if self.client_random.is_none() => {
                self.client_random = Some(random);
                if self.keys.knows(&random) {
                    self.stats.connections_keyed += 1;
                } else {
                    self.stats.connections_unkeyed += 1;
                }
            }
            (Side::Server, 2) => self.server_hello(random, body),
            _ => {}
        }
    }

    fn server_hello(&mut self, server_random: [u8; 32], body: &[u8]) {
        // RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello with this random.
        const HRR: [u8; 8] = [0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11];
        if server_random.starts_with(&HRR) {
            return;
        }
        let Some(client_random) = self.client_random else {
            return;
        };
        let Some(&sid_len) = body.get(38) else {
            return;
        };
        let at = 39 + usize::from(sid_len);
        let Some(code) = body.get(at..at + 2) else {
            return;
        };
        let Some(suite) = cipher::suite(u16::from_be_bytes([code[0], code[1]])) else {
            return;
        };
        // A CBC suite is read only under TLS 1.2: TLS 1.0's IV is implicit
        // and TLS 1.0 and 1.1 have another PRF (RFC 4346 §5).
        if suite.mac.is_some() && body.get(4..6) != Some(&[3, 3][..]) {
            return;
        }
        self.suite = Some(suite);
        self.encrypt_then_mac = suite.mac.is_some() && has_extension(&body[at + 2..], 22);
        if suite.tls13 {
            for (side, which) in [
                (Side::Client, Secret::ClientHandshake),
                (Side::Server, Secret::ServerHandshake),
            ] {
                if let Some(secret) = self.keys.get(&client_random, which) {
                    let secret = secret.to_vec();
                    self.protect13(side, secret);
                }
            }
        } else if let Some(master) = self.keys.get(&client_random, Secret::Master12) {
            self.tls12 = cipher::tls12_keys(suite, master, &client_random, &server_random);
        }
    }

    /// TLS 1.3: `side` protects its records with `secret` from now on.
    fn protect13(&mut self, side: Side, secret: Vec<u8>) {
        let Some(suite) = self.suite else { return };
        let (key, iv) = traffic_key_iv(suite.hash, &secret, suite.algorithm.key_len());
        let d = &mut self.dirs[side.index()];
        d.phase = match RecordCipher::new(suite.algorithm, &key, &iv, true) {
            Some(c) => Phase::Protected(c),
            None => Phase::Stopped,
        };
        d.secret = secret;
    }

    fn plaintext(
        &mut self,
        side: Side,
        outer: u8,
        mut plain: Vec<u8>,
        frames: &[u64],
        last: u64,
        out: &mut StreamOutput,
    ) {
        let tls13 = self.suite.is_some_and(|s| s.tls13);
        let ctype = if tls13 {
            // RFC 8446 §5.4: zero padding, then the real content type.
            while plain.last() == Some(&0) {
                plain.pop();
            }
            match plain.pop() {
                Some(t) => t,
                None => return,
            }
        } else {
            outer
        };
        match ctype {
            21 | 22 => {
                let max = self.max_message;
                let d = &mut self.dirs[side.index()];
                let inner = d
                    .inner
                    .get_or_insert_with(|| TlsStream::decrypted(max, tls13));
                let mut record = vec![ctype, 3, 3];
                record.extend_from_slice(&(plain.len() as u16).to_be_bytes());
                record.extend_from_slice(&plain);
                let mut info = TlsInfo::default();
                inner.feed(&record, last, &mut info, &mut out.errors);
                // What the cleartext decoder could only call encrypted is
                // replaced by what the decryption read.
                if !info.handshakes.is_empty() {
                    if let Some(i) = out
                        .tls
                        .handshakes
                        .iter()
                        .position(|h| h.kind == HandshakeKind::EncryptedHandshakeMessage)
                    {
                        out.tls.handshakes.remove(i);
                    }
                }
                if !info.alerts.is_empty() {
                    if let Some(i) = out.tls.alerts.iter().position(|a| a.level == "encrypted") {
                        out.tls.alerts.remove(i);
                    }
                }
                let mut finished = false;
                let mut key_update = false;
                for mut h in info.handshakes {
                    if side == Side::Server && h.alpn.iter().any(|a| a == "h2") {
                        self.alpn_h2 = true;
                    }
                    finished |= h.kind == HandshakeKind::Finished;
                    key_update |= h.kind == HandshakeKind::KeyUpdate;
                    for f in frames {
                        if !h.frames.contains(f) {
                            h.frames.push(*f);
                        }
                    }
                    h.frames.sort_unstable();
                    out.tls.handshakes.push(h);
                }
                out.tls.alerts.extend(info.alerts);
                if tls13 {
                    self.after_handshake(side, finished, key_update);
                }
            }
            23 => {
                let d = &mut self.dirs[side.index()];
                let client = side == Side::Client;
                if !d.http_decided && !plain.is_empty() {
                    d.http_decided = true;
                    // RFC 9113 §3.4: HTTP/2 begins with the client's
                    // preface and the server's SETTINGS.
                    let h2 = if client {
                        plain.starts_with(&PREFACE[..plain.len().min(PREFACE.len())])
                    } else {
                        self.alpn_h2 || looks_like_server_preface(&plain)
                    };
                    if h2 {
                        d.http2 = Some(H2Stream::new(client));
                    } else if looks_like_http(&plain) {
                        d.http = Some(HttpStream::new(client));
                    }
                }
                if let Some(h2) = d.http2.as_mut() {
                    h2.feed(&plain, &mut out.http2, &mut out.errors);
                } else if let Some(http) = d.http.as_mut() {
                    http.feed(&plain, last, &mut self.http, &mut out.http, &mut out.errors);
                }
            }
            _ => {}
        }
    }

    /// TLS 1.3: after its Finished a side uses its application traffic
    /// secret (RFC 8446 §7.1); after a KeyUpdate, the next one (§7.2).
    fn after_handshake(&mut self, side: Side, finished: bool, key_update: bool) {
        let Some(suite) = self.suite else { return };
        let Some(random) = self.client_random else {
            return;
        };
        let d = &self.dirs[side.index()];
        if finished && !d.application {
            let which = match side {
                Side::Client => Secret::ClientTraffic0,
                Side::Server => Secret::ServerTraffic0,
            };
            match self.keys.get(&random, which) {
                Some(s) => {
                    let s = s.to_vec();
                    self.protect13(side, s);
                    self.dirs[side.index()].application = true;
                }
                None => self.dirs[side.index()].phase = Phase::Stopped,
            }
        } else if key_update && d.application {
            let next = next_traffic_secret(suite.hash, &d.secret);
            self.protect13(side, next);
        }
    }
}

/// Whether the extensions after a ServerHello's cipher suite
/// (compression method, then the 16-bit-length list, RFC 5246 §7.4.1.3)
/// hold one of type `wanted`.
fn has_extension(rest: &[u8], wanted: u16) -> bool {
    let Some(len) = rest.get(1..3) else {
        return false;
    };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let Some(mut list) = rest.get(3..3 + len) else {
        return false;
    };
    while let Some(head) = list.get(..4) {
        let kind = u16::from_be_bytes([head[0], head[1]]);
        let n = usize::from(u16::from_be_bytes([head[2], head[3]]));
        if kind == wanted {
            return true;
        }
        list = list.get(4 + n..).unwrap_or_default();
    }
    false
}
