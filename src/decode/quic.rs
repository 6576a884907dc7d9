//! QUIC packets (RFC 9000 §17) in one UDP datagram: long and short headers,
//! versions 1 and 2 (RFC 9369) and the late drafts, Version Negotiation,
//! Retry, Initial, 0-RTT and Handshake, coalesced packets (§12.2), and the
//! removal of Initial packet protection (RFC 9001 §5) with keys derived from
//! the client's original Destination Connection ID.
//!
//! Everything here is a pure function of the datagram and a [`Context`]
//! that the flow layer fills from what it saw earlier (which connection IDs
//! exist, whose Initial keys to use). Nothing panics on any input; problems
//! are returned as strings for `packet.errors`.

use crate::decode::tls::TlsHandshake;
use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Aes128Gcm;
use hkdf::Hkdf;
use serde::Serialize;
use sha2::Sha256;
use std::fmt::Write as _;

/// RFC 9000 §17.2: connection IDs of version 1 are at most 20 bytes.
pub const MAX_CID_LEN: usize = 20;
/// At most this many frames are listed per packet; the rest are counted.
pub const MAX_FRAMES_LISTED: usize = 256;
/// At most this many packets are decoded from one datagram (a datagram of
/// 64 KiB could otherwise hold thousands of tiny coalesced packets).
pub const MAX_PACKETS_PER_DATAGRAM: usize = 16;
/// RFC 9001 §5.3: AEAD_AES_128_GCM's tag.
const TAG_LEN: usize = 16;
/// RFC 9001 §5.4.2: the header-protection sample.
const SAMPLE_LEN: usize = 16;

pub const VERSION_1: u32 = 0x0000_0001;
pub const VERSION_2: u32 = 0x6b33_43cf;

/// One QUIC packet of a datagram. Serialised under `quic` (the first packet
/// of the datagram) and `quic_more` (coalesced packets after it).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QuicPacket {
    /// "long" | "short".
    pub header: &'static str,
    /// "initial", "0rtt", "handshake", "retry", "version_negotiation".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_type: Option<&'static str>,
    /// "1", "2", "draft-29", else hex ("0x…"); "0" for Version Negotiation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Hex; absent for a short header whose connection ID length is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dcid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scid: Option<String>,
    /// Initial: length of the address-validation token (RFC 9000 §17.2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_length: Option<u64>,
    /// Retry: length of the retry token (RFC 9000 §17.2.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_token_length: Option<usize>,
    /// Retry: whether its integrity tag matches the client's original DCID
    /// (RFC 9001 §5.8); known once the flow has seen that DCID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_tag_valid: Option<bool>,
    /// Version Negotiation: the versions the server supports (§17.2.1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<String>,
    /// The Length field of a long header: packet number and payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// Bytes of this packet in the datagram.
    pub size: usize,
    /// Full packet number, once header protection is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_number: Option<u64>,
    /// The payload was decrypted (Initial packets only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decrypted: bool,
    /// Frames of a decrypted payload, in order; runs of PADDING are one entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<QuicFrame>,
    /// Frames beyond [`MAX_FRAMES_LISTED`], counted only.
    #[serde(skip_serializing_if = "is_zero")]
    pub frames_not_listed: usize,
    /// TLS handshake messages whose last CRYPTO byte arrived in this packet
    /// (filled by the flow layer; the same shape as `tls.handshakes`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handshakes: Vec<TlsHandshake>,
    /// CRYPTO frame data (offset, bytes), for the flow layer's reassembly.
    #[serde(skip)]
    pub crypto: Vec<(u64, Vec<u8>)>,
    /// The Destination Connection ID as bytes, for the flow layer.
    #[serde(skip)]
    pub dcid_bytes: Option<Vec<u8>>,
    #[serde(skip)]
    pub scid_bytes: Option<Vec<u8>>,
    /// The version number as sent.
    #[serde(skip)]
    pub version_number: Option<u32>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A frame of a decrypted packet (RFC 9000 §19).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuicFrame {
    /// §19.1: a run of PADDING bytes.
    Padding { length: usize },
    /// §19.2.
    Ping,
    /// §19.3: type 0x02, or 0x03 with ECN counts.
    Ack {
        largest: u64,
        /// Encoded ACK Delay (scaled by the peer's ack_delay_exponent).
        delay: u64,
        first_range: u64,
        /// Further ACK ranges after the first.
        ranges: u64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        ecn: bool,
    },
    /// §19.6.
    Crypto { offset: u64, length: u64 },
    /// §19.19: 0x1c (transport) or 0x1d (application).
    ConnectionClose {
        error_code: u64,
        /// Transport error name (RFC 9000 §20.1), when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The frame type that caused a transport error.
        #[serde(skip_serializing_if = "Option::is_none")]
        frame_type: Option<u64>,
        application: bool,
        reason: String,
    },
}

/// What the flow layer knows about the connection a datagram belongs to.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The datagram was sent by the client.
    pub from_client: bool,
    /// The Destination Connection ID that Initial keys derive from (RFC
    /// 9001 §5.2): the client's first Initial's, or a Retry's Source
    /// Connection ID. `None`: the packet's own DCID when sent by a client
    /// (right for a client's first Initials), none for a server.
    pub initial_dcid: Option<&'a [u8]>,
    /// Connection IDs a short header may carry in this direction (the
    /// receiver chose them); the longest one that matches is taken.
    pub short_dcids: &'a [Vec<u8>],
    /// Largest Initial packet number seen in this direction (RFC 9000
    /// §17.1 decodes a truncated packet number relative to it).
    pub largest_initial_pn: Option<u64>,
    /// Decryption failures are reported as problems: the keys are known to
    /// be the right ones, not guessed.
    pub keys_known: bool,
}

/// Bytes that look like the start of a QUIC long-header packet of a known
/// version, or a Version Negotiation packet: for datagrams on other ports
/// than 443.
pub fn looks_like_long_header(b: &[u8]) -> bool {
    if b.len() < 7 || b[0] & 0x80 == 0 {
        return false;
    }
    let v = u32::from_be_bytes([b[1], b[2], b[3], b[4]]);
    (v == 0 || version_name(v).is_some()) && usize::from(b[5]) <= MAX_CID_LEN
}

/// Decodes every packet of a datagram. Returns the packets and the problems.
pub fn decode_datagram(datagram: &[u8], ctx: &Context) -> (Vec<QuicPacket>, Vec<String>) {
    let mut packets = Vec::new();
    let mut errors = Vec::new();
    let mut at = 0usize;
    while at < datagram.len() {
        let rest = &datagram[at..];
        // RFC 9000 §12.2: a receiver ignores what follows the packets, and
        // senders pad datagrams with zeros.
        if rest.iter().all(|&b| b == 0) && !packets.is_empty() {
            break;
        }
        if packets.len() == MAX_PACKETS_PER_DATAGRAM {
            errors.push(format!(
                "QUIC: more than {MAX_PACKETS_PER_DATAGRAM} packets in one datagram; {} bytes not decoded",
                rest.len()
            ));
            break;
        }
        let result = if rest[0] & 0x80 != 0 {
            long_packet(rest, ctx)
        } else {
            short_packet(rest, ctx)
        };
        match result {
            Ok((p, problem)) => {
                at += p.size.max(1);
                packets.push(p);
                if let Some(e) = problem {
                    errors.push(format!("QUIC: {e}"));
                }
            }
            Err(e) => {
                errors.push(format!("QUIC: {e} at datagram offset {at}"));
                break;
            }
        }
    }
    (packets, errors)
}

/// Decodes a datagram knowing nothing of its connection, as `decode_frame`
/// does: a client's first Initials decrypt with keys from their own DCID;
/// the flow layer decodes the datagram again with what it has learnt.
pub fn decode_into(packet: &mut crate::decode::Packet, datagram: &[u8], from_client: bool) {
    let ctx = Context {
        from_client,
        ..Context::default()
    };
    let (packets, errors) = decode_datagram(datagram, &ctx);
    set_packets(packet, packets);
    packet.errors.extend(errors);
}

/// Puts a datagram's packets on the frame: the first under `quic`, the
/// coalesced ones after it under `quic_more`.
pub fn set_packets(packet: &mut crate::decode::Packet, packets: Vec<QuicPacket>) {
    let mut it = packets.into_iter();
    packet.quic = it.next().map(Box::new);
    packet.quic_more = it.collect();
}

/// RFC 9000 §16: a variable-length integer.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader { b, at: 0 }
    }
    fn left(&self) -> usize {
        self.b.len() - self.at
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!("{what}: {n} bytes needed, {} left", self.left()));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let s = self.take(4, what)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn varint(&mut self, what: &str) -> Result<u64, String> {
        let first = self.u8(what)?;
        let len = 1usize << (first >> 6);
        let mut v = u64::from(first & 0x3f);
        for &b in self.take(len - 1, what)? {
            v = (v << 8) | u64::from(b);
        }
        Ok(v)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// Names of the versions whose Initial protection is known here.
pub fn version_name(v: u32) -> Option<String> {
    match v {
        VERSION_1 => Some("1".into()),
        VERSION_2 => Some("2".into()),
        0xff00_0017..=0xff00_0022 => Some(format!("draft-{}", v & 0xff)),
        _ => None,
    }
}

fn version_label(v: u32) -> String {
    if v == 0 {
        return "0".into();
    }
    version_name(v).unwrap_or_else(|| format!("0x{v:08x}"))
}

/// RFC 9000 §17.2 (v1 and drafts) and RFC 9369 §3.2 (v2): the long packet
/// type from its two bits.
fn long_type(version: u32, bits: u8) -> &'static str {
    let v1 = ["initial", "0rtt", "handshake", "retry"];
    if version == VERSION_2 {
        // RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
        ["retry", "initial", "0rtt", "handshake"][usize::from(bits & 3)]
    } else {
        v1[usize::from(bits & 3)]
    }
}

fn long_packet(b: &[u8], ctx: &Context) -> Result<(QuicPacket, Option<String>), String> {
    let mut r = Reader::new(b);
    let first = r.u8("first byte")?;
    let version = r.u32("version")?;
    let dcid_len = usize::from(r.u8("DCID length")?);
    let dcid = r.take(dcid_len, "DCID")?;
    let scid_len = usize::from(r.u8("SCID length")?);
    let scid = r.take(scid_len, "SCID")?;
    let mut p = QuicPacket {
        header: "long",
        version: Some(version_label(version)),
        version_number: Some(version),
        dcid: Some(hex(dcid)),
        scid: Some(hex(scid)),
        dcid_bytes: Some(dcid.to_vec()),
        scid_bytes: Some(scid.to_vec()),
        ..QuicPacket::default()
    };
    // RFC 9000 §17.2.1: Version Negotiation fills the datagram with the
    // versions the server supports.
    if version == 0 {
        p.long_type = Some("version_negotiation");
        while r.left() >= 4 {
            if p.supported_versions.len() < MAX_FRAMES_LISTED {
                p.supported_versions
                    .push(version_label(r.u32("supported version")?));
            } else {
                r.take(4, "supported version")?;
            }
        }
        p.size = b.len();
        let odd = (r.left() > 0)
            .then(|| format!("Version Negotiation ends with {} stray bytes", r.left()));
        return Ok((p, odd));
    }
    if (dcid_len > MAX_CID_LEN || scid_len > MAX_CID_LEN) && version_name(version).is_some() {
        return Err(format!(
            "connection ID of {} bytes is longer than {MAX_CID_LEN} (RFC 9000 §17.2)",
            dcid_len.max(scid_len)
        ));
    }
    // A version not known here: its layout past the connection IDs is
    // unknown (RFC 8999 §5.1), so the rest of the datagram is this packet.
    if version_name(version).is_none() {
        p.size = b.len();
        return Ok((p, None));
    }
    let kind = long_type(version, (first >> 4) & 3);
    p.long_type = Some(kind);
    if first & 0x40 == 0 {
        // RFC 9000 §17.2: the fixed bit is 1 (RFC 9287 lets a peer grease
        // it only after both sides agreed, never in an Initial).
        if kind == "initial" {
            return Err("Initial with the fixed bit cleared".into());
        }
    }
    if kind == "retry" {
        // RFC 9000 §17.2.5: a token, then the 16-byte integrity tag.
        let token_len = r.left().checked_sub(TAG_LEN).ok_or_else(|| {
            format!(
                "Retry of {} bytes has no room for its integrity tag",
                b.len()
            )
        })?;
        p.retry_token_length = Some(token_len);
        p.size = b.len();
        return Ok((p, None));
    }
    if kind == "initial" {
        let token_len = r.varint("token length")?;
        p.token_length = Some(token_len);
        r.take(usize::try_from(token_len).unwrap_or(usize::MAX), "token")?;
    }
    let length = r.varint("Length")?;
    p.length = Some(length);
    let pn_offset = r.at;
    let end = usize::try_from(length)
        .ok()
        .and_then(|l| pn_offset.checked_add(l))
        .filter(|&e| e <= b.len())
        .ok_or_else(|| {
            format!(
                "{kind} packet Length {length} exceeds the {} bytes left",
                b.len() - pn_offset
            )
        })?;
    p.size = end;
    let mut problem = None;
    if kind == "initial" {
        let key_dcid = match (ctx.initial_dcid, ctx.from_client) {
            (Some(d), _) => Some(d),
            (None, true) => Some(dcid),
            (None, false) => None,
        };
        if let Some(key_dcid) = key_dcid {
            match unprotect(&b[..end], pn_offset, version, key_dcid, ctx) {
                Ok((pn, plain)) => {
                    p.packet_number = Some(pn);
                    p.decrypted = true;
                    if let Err(e) = frames(&plain, &mut p) {
                        problem = Some(format!("Initial packet {pn}: {e}"));
                    }
                }
                Err(e) if ctx.keys_known => problem = Some(e),
                Err(_) => {}
            }
        }
    }
    Ok((p, problem))
}

/// RFC 9000 §17.3: a short header runs to the end of the datagram; its
/// DCID length is known only to the receiver, so the flow's connection IDs
/// are matched against the bytes.
fn short_packet(b: &[u8], ctx: &Context) -> Result<(QuicPacket, Option<String>), String> {
    let mut p = QuicPacket {
        header: "short",
        size: b.len(),
        ..QuicPacket::default()
    };
    if b[0] & 0x40 == 0 {
        return Err("short header with the fixed bit cleared (not QUIC, RFC 9000 §17.3)".into());
    }
    let found = ctx
        .short_dcids
        .iter()
        .filter(|c| b.len() > c.len() && b[1..1 + c.len()] == c[..])
        .max_by_key(|c| c.len());
    if let Some(c) = found {
        p.dcid = Some(hex(c));
        p.dcid_bytes = Some(c.clone());
    }
    Ok((p, None))
}

/// Initial packet protection keys for one direction (RFC 9001 §5.1–5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialKeys {
    pub key: [u8; 16],
    pub iv: [u8; 12],
    pub hp: [u8; 16],
}

/// RFC 9001 §5.2 (v1), RFC 9369 §3.3.1 (v2), draft-ietf-quic-tls-23 and -29.
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
        0xff00_001d..=0xff00_0022 => hex20("afbfec289993d24c9e9786f19c6111e04390a899"),
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

/// Keys for the Initial packets of one side, from the client's original
/// Destination Connection ID (RFC 9001 §5.2; RFC 9369 §3.3.2 for the v2
/// labels).
pub fn initial_keys(version: u32, dcid: &[u8], client: bool) -> Option<InitialKeys> {
    let salt = initial_salt(version)?;
    let (initial, _) = Hkdf::<Sha256>::extract(Some(&salt), dcid);
    let initial = Hkdf::<Sha256>::from_prk(&initial).ok()?;
    let mut secret = [0u8; 32];
    expand_label(
        &initial,
        if client { "client in" } else { "server in" },
        &mut secret,
    )?;
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

/// Removes header protection and decrypts an Initial packet (RFC 9001
/// §5.3–5.4): returns its packet number and plaintext payload.
fn unprotect(
    packet: &[u8],
    pn_offset: usize,
    version: u32,
    key_dcid: &[u8],
    ctx: &Context,
) -> Result<(u64, Vec<u8>), String> {
    let keys = initial_keys(version, key_dcid, ctx.from_client)
        .ok_or_else(|| format!("no Initial keys for version {}", version_label(version)))?;
    // §5.4.2: the sample starts 4 bytes after the packet number's start.
    let sample_at = pn_offset + 4;
    let sample: [u8; SAMPLE_LEN] = packet
        .get(sample_at..sample_at + SAMPLE_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            format!(
                "Initial of {} bytes too short for the header-protection sample",
                packet.len()
            )
        })?;
    let mask = header_mask(&keys.hp, &sample);
    let first = packet[0] ^ (mask[0] & 0x0f);
    let pn_len = usize::from(first & 3) + 1;
    let mut header = packet[..pn_offset + pn_len].to_vec();
    header[0] = first;
    let mut truncated = 0u64;
    for i in 0..pn_len {
        header[pn_offset + i] ^= mask[1 + i];
        truncated = (truncated << 8) | u64::from(header[pn_offset + i]);
    }
    let pn = decode_packet_number(ctx.largest_initial_pn, truncated, pn_len);
    let mut nonce = keys.iv;
    for (i, b) in pn.to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= b;
    }
    let cipher = Aes128Gcm::new(GenericArray::from_slice(&keys.key));
    let plain = cipher
        .decrypt(
            GenericArray::from_slice(&nonce),
            Payload {
                msg: &packet[pn_offset + pn_len..],
                aad: &header,
            },
        )
        .map_err(|_| {
            // The packet number is not named: with the wrong keys it is noise.
            format!(
                "Initial packet does not decrypt with keys from DCID {} (RFC 9001 §5.2)",
                hex(key_dcid)
            )
        })?;
    // §17.2: the reserved bits are zero once protection is off.
    if first & 0x0c != 0 {
        return Err(format!(
            "Initial packet {pn} has reserved header bits set (RFC 9000 §17.2)"
        ));
    }
    Ok((pn, plain))
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

/// RFC 9000 §20.1.
fn transport_error_name(code: u64) -> Option<String> {
    let name = match code {
        0x00 => "NO_ERROR",
        0x01 => "INTERNAL_ERROR",
        0x02 => "CONNECTION_REFUSED",
        0x03 => "FLOW_CONTROL_ERROR",
        0x04 => "STREAM_LIMIT_ERROR",
        0x05 => "STREAM_STATE_ERROR",
        0x06 => "FINAL_SIZE_ERROR",
        0x07 => "FRAME_ENCODING_ERROR",
        0x08 => "TRANSPORT_PARAMETER_ERROR",
        0x09 => "CONNECTION_ID_LIMIT_ERROR",
        0x0a => "PROTOCOL_VIOLATION",
        0x0b => "INVALID_TOKEN",
        0x0c => "APPLICATION_ERROR",
        0x0d => "CRYPTO_BUFFER_EXCEEDED",
        0x0e => "KEY_UPDATE_ERROR",
        0x0f => "AEAD_LIMIT_REACHED",
        0x10 => "NO_VIABLE_PATH",
        // §20.1: CRYPTO_ERROR carries a TLS alert in its low byte.
        0x0100..=0x01ff => return Some(format!("CRYPTO_ERROR (TLS alert {})", code & 0xff)),
        _ => return None,
    };
    Some(name.into())
}

/// The frames of a decrypted Initial payload (RFC 9000 §19; §17.2.2 lists
/// the frame types an Initial may carry).
pub fn frames(plain: &[u8], p: &mut QuicPacket) -> Result<(), String> {
    let mut r = Reader::new(plain);
    let push = |p: &mut QuicPacket, f: QuicFrame| {
        if p.frames.len() < MAX_FRAMES_LISTED {
            p.frames.push(f);
        } else {
            p.frames_not_listed += 1;
        }
    };
    if plain.is_empty() {
        // §12.4: a packet carries at least one frame.
        return Err("no frames (RFC 9000 §12.4)".into());
    }
    while r.left() > 0 {
        let at = r.at;
        let kind = r.varint("frame type")?;
        match kind {
            0x00 => {
                let mut n = 1;
                while r.left() > 0 && r.b[r.at] == 0 {
                    r.at += 1;
                    n += 1;
                }
                match p.frames.last_mut() {
                    Some(QuicFrame::Padding { length }) => *length += n,
                    _ => push(p, QuicFrame::Padding { length: n }),
                }
            }
            0x01 => push(p, QuicFrame::Ping),
            0x02 | 0x03 => {
                let largest = r.varint("ACK largest")?;
                let delay = r.varint("ACK delay")?;
                let ranges = r.varint("ACK range count")?;
                let first_range = r.varint("ACK first range")?;
                // Each range is two varints of at least one byte: a count
                // beyond that is malformed, not a loop to run.
                if ranges > (r.left() / 2) as u64 {
                    return Err(format!(
                        "ACK range count {ranges} exceeds the {} bytes left",
                        r.left()
                    ));
                }
                for _ in 0..ranges {
                    r.varint("ACK gap")?;
                    r.varint("ACK range")?;
                }
                if kind == 0x03 {
                    for what in ["ECT0 count", "ECT1 count", "ECN-CE count"] {
                        r.varint(what)?;
                    }
                }
                push(
                    p,
                    QuicFrame::Ack {
                        largest,
                        delay,
                        first_range,
                        ranges,
                        ecn: kind == 0x03,
                    },
                );
            }
            0x06 => {
                let offset = r.varint("CRYPTO offset")?;
                let length = r.varint("CRYPTO length")?;
                let data = r.take(usize::try_from(length).unwrap_or(usize::MAX), "CRYPTO data")?;
                p.crypto.push((offset, data.to_vec()));
                push(p, QuicFrame::Crypto { offset, length });
            }
            0x1c | 0x1d => {
                let error_code = r.varint("CONNECTION_CLOSE error code")?;
                let frame_type = if kind == 0x1c {
                    Some(r.varint("CONNECTION_CLOSE frame type")?)
                } else {
                    None
                };
                let len = r.varint("CONNECTION_CLOSE reason length")?;
                let reason = r.take(
                    usize::try_from(len).unwrap_or(usize::MAX),
                    "CONNECTION_CLOSE reason",
                )?;
                push(
                    p,
                    QuicFrame::ConnectionClose {
                        error_code,
                        error: if kind == 0x1c {
                            transport_error_name(error_code)
                        } else {
                            None
                        },
                        frame_type,
                        application: kind == 0x1d,
                        reason: String::from_utf8_lossy(reason).into_owned(),
                    },
                );
            }
            other => {
                return Err(format!(
                    "frame type 0x{other:02x} at payload offset {at} is not allowed in an Initial packet (RFC 9000 §17.2.2)"
                ));
            }
        }
    }
    Ok(())
}

/// A one-line summary of a datagram's packets for the terminal: types,
/// versions, connection IDs (hex), packet numbers and frame kinds. No
/// packet-derived text other than hex and numbers.
pub fn summary(packets: &[&QuicPacket]) -> String {
    let parts: Vec<String> = packets
        .iter()
        .map(|p| {
            let mut s = match (p.header, p.long_type) {
                ("short", _) => "1-RTT".to_string(),
                (_, Some("initial")) => "Initial".into(),
                (_, Some("0rtt")) => "0-RTT".into(),
                (_, Some("handshake")) => "Handshake".into(),
                (_, Some("retry")) => "Retry".into(),
                (_, Some("version_negotiation")) => "Version Negotiation".into(),
                _ => "long header".into(),
            };
            if let (Some(v), true) = (&p.version, p.header == "long") {
                if p.long_type != Some("version_negotiation") {
                    let _ = write!(s, " v{v}");
                }
            }
            if let Some(d) = &p.dcid {
                let _ = write!(s, " DCID={}", if d.is_empty() { "-" } else { d });
            }
            if let Some(c) = p.scid.as_ref().filter(|c| !c.is_empty()) {
                let _ = write!(s, " SCID={c}");
            }
            if let Some(pn) = p.packet_number {
                let _ = write!(s, " PKN={pn}");
            }
            if !p.supported_versions.is_empty() {
                let _ = write!(s, " versions {}", p.supported_versions.join(","));
            }
            let mut kinds: Vec<String> = Vec::new();
            for f in &p.frames {
                let k = match f {
                    QuicFrame::Padding { .. } => "PADDING".to_string(),
                    QuicFrame::Ping => "PING".into(),
                    QuicFrame::Ack { largest, .. } => format!("ACK {largest}"),
                    QuicFrame::Crypto { offset, length } => format!("CRYPTO {offset}+{length}"),
                    QuicFrame::ConnectionClose {
                        error_code, error, ..
                    } => format!(
                        "CONNECTION_CLOSE {}",
                        error.clone().unwrap_or_else(|| format!("0x{error_code:x}"))
                    ),
                };
                if kinds.last() != Some(&k) || k.starts_with("CRYPTO") {
                    kinds.push(k);
                }
            }
            if !kinds.is_empty() {
                let _ = write!(s, " [{}]", kinds.join(", "));
            }
            s
        })
        .collect();
    parts.join(" + ")
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
    // RFC 9000 §17.2.2 (v1) and RFC 9369 §3.2 (v2): Initial type bits.
    let type_bits = if version == VERSION_2 { 0x10 } else { 0x00 };
    let mut header = vec![0xc3 | type_bits];
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
    let mut nonce = keys.iv;
    for (i, b) in u64::from(pn).to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= b;
    }
    let cipher = Aes128Gcm::new(GenericArray::from_slice(&keys.key));
    let sealed = cipher
        .encrypt(
            GenericArray::from_slice(&nonce),
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
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    const RFC9001_DCID: &str = "8394c8f03e515708";

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

    /// RFC 9001 §A.3: the server's Initial, protected.
    const RFC9001_A3: &str = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a\
        5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3\
        dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84\
        022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4\
        2158407dd074ee";

    #[test]
    fn rfc9001_a3_server_initial() {
        let dcid = bytes(RFC9001_DCID);
        let ctx = Context {
            from_client: false,
            initial_dcid: Some(&dcid),
            keys_known: true,
            ..Context::default()
        };
        let (packets, errors) = decode_datagram(&bytes(RFC9001_A3), &ctx);
        assert!(errors.is_empty(), "{errors:?}");
        let p = &packets[0];
        assert_eq!(p.long_type, Some("initial"));
        assert_eq!(p.version.as_deref(), Some("1"));
        assert_eq!(p.dcid.as_deref(), Some(""));
        assert_eq!(p.scid.as_deref(), Some("f067a5502a4262b5"));
        assert_eq!(p.packet_number, Some(1));
        assert_eq!(p.length, Some(117));
        assert_eq!(
            p.frames,
            [
                QuicFrame::Ack {
                    largest: 0,
                    delay: 0,
                    first_range: 0,
                    ranges: 0,
                    ecn: false
                },
                QuicFrame::Crypto {
                    offset: 0,
                    length: 90
                }
            ]
        );
        // The CRYPTO data is the ServerHello of §A.3.
        assert_eq!(&p.crypto[0].1[..6], &[0x02, 0x00, 0x00, 0x56, 0x03, 0x03]);
    }

    /// RFC 9001 §A.2 / RFC 9369 §A.2: the client's Initial payload (a
    /// CRYPTO frame with the ClientHello), padded to 1162 bytes.
    const CLIENT_CRYPTO: &str = "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868\
        04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578\
        616d706c652e636f6dff01000100000a00080006001d00170018001000070005\
        04616c706e000500050100000000003300260024001d00209370b2c9caa47fba\
        baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400\
        0d0010000e0403050306030203080408050806002d00020101001c0002400100\
        3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000\
        75300901100f088394c8f03e51570806048000ffff";

    /// Builds the protected client Initial of RFC 9001 §A.2 (v1) or RFC
    /// 9369 §A.2 (v2) from its published parts with the published keys,
    /// so that the decoder is checked against the RFC's own ciphertext.
    fn rfc_client_initial(version: u32, first_byte: u8) -> Vec<u8> {
        let mut plain = bytes(CLIENT_CRYPTO);
        plain.resize(1162, 0);
        let dcid = bytes(RFC9001_DCID);
        let packet = seal_initial(version, &dcid, true, &dcid, &[], &[], 2, &plain);
        assert_eq!(packet[0] & 0xf0, first_byte & 0xf0);
        packet
    }

    #[test]
    fn rfc9001_a2_client_initial() {
        let packet = rfc_client_initial(VERSION_1, 0xc3);
        // The first and last bytes the RFC prints for the protected packet.
        assert_eq!(
            hex(&packet[..32]),
            "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
        );
        assert_eq!(
            hex(&packet[32..64]),
            "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
        );
        assert_eq!(
            hex(&packet[packet.len() - 16..]),
            "e221af44860018ab0856972e194cd934"
        );
        let (packets, errors) = decode_datagram(
            &packet,
            &Context {
                from_client: true,
                ..Context::default()
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let p = &packets[0];
        assert_eq!(p.packet_number, Some(2));
        assert_eq!(p.token_length, Some(0));
        assert_eq!(p.size, 1200);
        assert_eq!(
            p.frames,
            [
                QuicFrame::Crypto {
                    offset: 0,
                    length: 241
                },
                QuicFrame::Padding { length: 917 }
            ]
        );
        let mut h = TlsHandshake::default();
        let body = &p.crypto[0].1[4..];
        crate::decode::tls::parse_hello(1, body, &mut h).unwrap();
        assert_eq!(h.sni.as_deref(), Some("example.com"));
        assert_eq!(h.alpn, ["alpn"]);
    }

    #[test]
    fn rfc9369_a2_client_initial_v2() {
        // RFC 9369 §A.2: first byte 0xd3 (Initial is 0b01 in v2).
        let packet = rfc_client_initial(VERSION_2, 0xd3);
        assert_eq!(
            hex(&packet[..32]),
            "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
        );
        assert_eq!(
            hex(&packet[packet.len() - 16..]),
            "a18b2faa745b6fe189cf772a9f84cbfc"
        );
        let (packets, errors) = decode_datagram(
            &packet,
            &Context {
                from_client: true,
                ..Context::default()
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packets[0].long_type, Some("initial"));
        assert_eq!(packets[0].version.as_deref(), Some("2"));
        assert_eq!(packets[0].packet_number, Some(2));
        assert_eq!(&packets[0].crypto[0].1[..4], &[0x01, 0x00, 0x00, 0xed]);
    }

    #[test]
    fn rfc9369_a3_server_initial_v2() {
        let packet = bytes(
            "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698\
             baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17\
             f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2\
             c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8\
             4bed8521e2e140",
        );
        let dcid = bytes(RFC9001_DCID);
        let ctx = Context {
            from_client: false,
            initial_dcid: Some(&dcid),
            keys_known: true,
            ..Context::default()
        };
        let (packets, errors) = decode_datagram(&packet, &ctx);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packets[0].long_type, Some("initial"));
        assert_eq!(packets[0].version.as_deref(), Some("2"));
        assert_eq!(packets[0].packet_number, Some(1));
        assert_eq!(
            packets[0].frames[1],
            QuicFrame::Crypto {
                offset: 0,
                length: 90
            }
        );
    }

    #[test]
    fn rfc9001_a4_retry_and_version_negotiation() {
        let retry =
            bytes("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
        let (packets, errors) = decode_datagram(&retry, &Context::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packets[0].long_type, Some("retry"));
        assert_eq!(packets[0].scid.as_deref(), Some("f067a5502a4262b5"));
        assert_eq!(packets[0].retry_token_length, Some(5));
        let odcid = bytes(RFC9001_DCID);
        assert_eq!(retry_tag_valid(VERSION_1, &odcid, &retry), Some(true));
        assert_eq!(retry_tag_valid(VERSION_1, &odcid[1..], &retry), Some(false));
        // RFC 9000 §17.2.1 layout, versions 1 and a GREASE one.
        // RFC 9369 §A.4: the v2 Retry, whose type bits are 0b00.
        let retry =
            bytes("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6");
        let (packets, errors) = decode_datagram(&retry, &Context::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packets[0].long_type, Some("retry"));
        assert_eq!(packets[0].version.as_deref(), Some("2"));
        assert_eq!(retry_tag_valid(VERSION_2, &odcid, &retry), Some(true));
        assert_eq!(retry_tag_valid(VERSION_1, &odcid, &retry), Some(false));
        let vn = bytes("80 00000000 04 08090a0b 04 01020304 00000001 0a1a2a3a");
        let (packets, errors) = decode_datagram(&vn, &Context::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(packets[0].long_type, Some("version_negotiation"));
        assert_eq!(packets[0].dcid.as_deref(), Some("08090a0b"));
        assert_eq!(packets[0].supported_versions, ["1", "0x0a1a2a3a"]);
    }

    /// Random datagrams, and the RFC's Initial with random bytes changed,
    /// under every kind of context: never a panic, sizes always add up.
    #[test]
    fn random_datagrams_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let base = rfc_client_initial(VERSION_1, 0xc3);
        let cids = vec![vec![], vec![0x83, 0x94], bytes(RFC9001_DCID)];
        let dcid = bytes(RFC9001_DCID);
        for round in 0..3000 {
            let mut d = if round % 2 == 0 {
                base.clone()
            } else {
                (0..next() % 1500).map(|_| next() as u8).collect()
            };
            for _ in 0..next() % 4 {
                if !d.is_empty() {
                    let at = (next() as usize) % d.len();
                    d[at] = next() as u8;
                }
            }
            if round % 3 == 0 {
                d.truncate((next() as usize) % (d.len() + 1));
            }
            for ctx in [
                Context::default(),
                Context {
                    from_client: true,
                    short_dcids: &cids,
                    largest_initial_pn: Some(next() % 1000),
                    keys_known: true,
                    ..Context::default()
                },
                Context {
                    initial_dcid: Some(&dcid),
                    keys_known: true,
                    ..Context::default()
                },
            ] {
                let (packets, _) = decode_datagram(&d, &ctx);
                let total: usize = packets.iter().map(|p| p.size).sum();
                assert!(total <= d.len());
                assert!(packets.len() <= MAX_PACKETS_PER_DATAGRAM);
            }
        }
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

    #[test]
    fn every_prefix_and_corruption_is_an_error_not_a_panic() {
        let packet = rfc_client_initial(VERSION_1, 0xc3);
        let ctx = Context {
            from_client: true,
            keys_known: true,
            ..Context::default()
        };
        for n in 0..packet.len() {
            let _ = decode_datagram(&packet[..n], &ctx);
        }
        for at in 0..40 {
            for v in [0x00, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff] {
                let mut bad = packet.clone();
                bad[at] = v;
                let _ = decode_datagram(&bad, &ctx);
            }
        }
        // A flipped ciphertext bit fails authentication and says so.
        let mut bad = packet.clone();
        bad[100] ^= 1;
        let (packets, errors) = decode_datagram(&bad, &ctx);
        assert!(!packets[0].decrypted);
        assert!(errors[0].contains("does not decrypt"), "{errors:?}");
        // Frames whose lengths overrun the payload.
        for f in [
            &[0x06, 0x00, 0x44, 0x00][..],
            &[0x02, 0x00, 0x00, 0x3f, 0x00],
            &[0x1c, 0x0a, 0x06, 0x50],
            &[0x08, 0x00],
            &[],
        ] {
            assert!(frames(f, &mut QuicPacket::default()).is_err(), "{f:?}");
        }
    }
}
