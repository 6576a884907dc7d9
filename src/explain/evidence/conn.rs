//! One connection as the story keeps it: its segments' places, its TLS
//! handshake messages (the summary the story tells) and HTTP messages,
//! its WebSocket frames.

use super::*;

/// A TCP segment's place in the story.
#[derive(Debug, Clone, Copy)]
pub struct Seg {
    pub frame: u64,
    pub ts: f64,
    /// Sent by the client.
    pub from_client: bool,
}

#[derive(Debug, Clone)]
pub struct TlsRec {
    pub seg: Seg,
    pub hs: HandshakeSummary,
}

/// An HTTP/2 frame of a decrypted connection the story tells: one that
/// ends a field block (its fields decoded), or DATA (its length).
#[derive(Debug, Clone)]
pub struct H2Rec {
    pub seg: Seg,
    pub stream: u32,
    pub headers: Option<Vec<[String; 2]>>,
    /// DATA: the payload length, padding included (RFC 9113 §6.1).
    pub data: u32,
    pub end_stream: bool,
}

impl H2Rec {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .flatten()
            .find(|[n, _]| n == name)
            .map(|[_, v]| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct HttpRec {
    pub seg: Seg,
    pub msg: HttpMessage,
    /// Where its body travelled: the first frame and the last segment
    /// carrying it, when they are not the head's own segment alone.
    pub body: Option<(u64, Seg)>,
}

/// The part of a handshake message the story tells: a connection keeps
/// only this, not the fingerprints, certificates and raw lists of the
/// decoded message, so that evidence for thousands of connections stays
/// small.
#[derive(Debug, Clone, Default)]
pub struct HandshakeSummary {
    pub kind: HandshakeKind,
    pub version: Option<TlsVersion>,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub supported_versions: Vec<TlsVersion>,
    pub cipher_suites: Vec<u16>,
    pub cipher_suite: Option<u16>,
    pub key_share_groups: Vec<u16>,
    pub session_id: Option<String>,
    pub pre_shared_key: bool,
    pub encrypted_client_hello: bool,
    pub grease: Vec<u16>,
    pub length: u32,
    pub frames: Vec<u64>,
    /// A Certificate message's chain as (subject, issuer), sender's first;
    /// None for a certificate that could not be read.
    pub chain: Vec<Option<(String, String)>>,
    /// The signature algorithm of each certificate of the chain, as read.
    pub chain_signatures: Vec<String>,
    /// Read from a record decrypted with the key log.
    pub decrypted: bool,
}

pub(super) fn story_view(h: &TlsHandshake) -> HandshakeSummary {
    HandshakeSummary {
        kind: h.kind,
        version: h.version,
        sni: h.sni.clone(),
        alpn: h.alpn.clone(),
        supported_versions: h.supported_versions.clone(),
        cipher_suites: h.cipher_suites.clone(),
        cipher_suite: h.cipher_suite,
        key_share_groups: h.key_share_groups.clone(),
        session_id: h.session_id.clone(),
        pre_shared_key: h.pre_shared_key,
        encrypted_client_hello: h.encrypted_client_hello,
        grease: h.grease.clone(),
        length: h.length,
        frames: h.frames.clone(),
        decrypted: h.decrypted,
        chain_signatures: h
            .certificates
            .iter()
            .filter_map(|c| match c {
                crate::decode::tls::Certificate::Parsed(p) => Some(p.signature_algorithm.clone()),
                _ => None,
            })
            .collect(),
        chain: h
            .certificates
            .iter()
            .map(|c| match c {
                crate::decode::tls::Certificate::Parsed(p) => {
                    Some((p.subject.clone(), p.issuer.clone()))
                }
                crate::decode::tls::Certificate::Unreadable { .. } => None,
            })
            .collect(),
    }
}
/// WebSocket frames of a connection: the first few kept, all counted.
#[derive(Debug, Clone, Default)]
pub struct WsEvidence {
    pub frames: Vec<(Seg, WsFrame)>,
    /// Frames per direction (client, server).
    pub count: [u64; 2],
}

/// One TCP connection (or, with `quic`, one UDP 443 flow).
#[derive(Debug, Clone)]
pub struct Conn {
    pub stream: u64,
    /// The capture interface the connection was first seen on; copies of
    /// its packets seen on other interfaces (a capture on both sides of a
    /// router) are not counted twice.
    pub interface: u32,
    pub quic: bool,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub client_mac: Option<Mac>,
    /// Destination MAC of the client's first packet: the next hop.
    pub next_hop_mac: Option<Mac>,
    /// The layers outside the tunnel the client's first tunnelled packet
    /// came through (empty without a tunnel).
    pub encap: Vec<crate::decode::Encap>,
    pub first: Seg,
    pub last_ts: f64,
    pub syns: Vec<Seg>,
    pub syn_ack: Option<Seg>,
    pub handshake_ack: Option<Seg>,
    pub client_isn: Option<u32>,
    pub server_isn: Option<u32>,
    /// QUIC: the version of the client's first Initial, and its
    /// Destination Connection ID (hex), from which Initial keys derive.
    pub quic_version: Option<String>,
    pub quic_dcid: Option<String>,
    /// QUIC 1-RTT (short-header) packets per direction (client, server):
    /// application data, but also acknowledgements and HTTP/3 control
    /// streams, which the encryption does not let us tell apart.
    pub quic_short: [u64; 2],
    /// QUIC: the client's datagrams that carried an Initial (the first one
    /// and those sent again), up to a bound.
    pub quic_initials: Vec<Seg>,
    /// QUIC: the first readable CONNECTION_CLOSE (RFC 9000 §19.19): where,
    /// its error code, its transport error name when known, and whether
    /// it was the application's (0x1d).
    pub quic_close: Option<(Seg, u64, Option<String>, bool)>,
    /// QUIC: the first datagrams of the connection with their UDP payload
    /// bytes and whether they held a client Handshake packet, for the
    /// anti-amplification limit (RFC 9000 §8.1).
    pub quic_datagrams: Vec<(Seg, u64, bool)>,
    /// Acknowledgement numbers of the SYN-ACK and of the third segment.
    pub syn_ack_ack: Option<u32>,
    pub third_ack: Option<u32>,
    pub syn_options: Option<TcpOptions>,
    pub syn_ack_options: Option<TcpOptions>,
    pub syn_window: u16,
    pub syn_ack_window: u16,
    pub packets: [u64; 2],
    pub payload_bytes: [u64; 2],
    /// First segment carrying payload, per direction (client, server).
    pub first_data: [Option<Seg>; 2],
    pub tls: Vec<TlsRec>,
    /// Frames of TLS application-data records, per direction (first few).
    pub app_data: [Vec<Seg>; 2],
    /// The length of each of those records, in the same order.
    pub app_data_len: [Vec<u16>; 2],
    pub app_data_count: [u64; 2],
    pub ccs: [Option<Seg>; 2],
    pub alerts: Vec<(Seg, String)>,
    pub http: Vec<HttpRec>,
    /// HTTP/2 field blocks and DATA frames, decrypted with the key log.
    pub h2: Vec<H2Rec>,
    pub websocket: WsEvidence,
    pub fins: Vec<Seg>,
    pub rsts: Vec<Seg>,
    /// What TCP's analysis of the segments found: loss and its repair.
    pub loss: LossEvidence,
    pub transfer: TransferEvidence,
    /// The first segment from the other side after the first FIN: its
    /// acknowledgement, alone or together with that side's own FIN.
    pub fin_answer: Option<Seg>,
    /// The side that did not close first sent data after the first FIN.
    pub half_close_data: bool,
    /// The ACK that completed the close.
    pub last_ack: Option<Seg>,
    /// Frames the ladder should draw for this connection (bounded).
    pub frames: Vec<u64>,
}

impl Conn {
    pub(super) fn new(
        stream: u64,
        quic: bool,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
        s: Seg,
    ) -> Conn {
        Conn {
            stream,
            interface: 0,
            quic,
            client,
            server,
            client_mac: None,
            next_hop_mac: None,
            encap: Vec::new(),
            first: s,
            last_ts: s.ts,
            syns: Vec::new(),
            syn_ack: None,
            handshake_ack: None,
            client_isn: None,
            server_isn: None,
            quic_version: None,
            quic_dcid: None,
            quic_short: [0; 2],
            quic_initials: Vec::new(),
            quic_close: None,
            quic_datagrams: Vec::new(),
            syn_ack_ack: None,
            third_ack: None,
            syn_options: None,
            syn_ack_options: None,
            syn_window: 0,
            syn_ack_window: 0,
            packets: [0; 2],
            payload_bytes: [0; 2],
            first_data: [None; 2],
            tls: Vec::new(),
            app_data: [Vec::new(), Vec::new()],
            app_data_len: [Vec::new(), Vec::new()],
            app_data_count: [0; 2],
            ccs: [None; 2],
            alerts: Vec::new(),
            http: Vec::new(),
            h2: Vec::new(),
            websocket: WsEvidence::default(),
            fins: Vec::new(),
            rsts: Vec::new(),
            loss: LossEvidence::default(),
            transfer: TransferEvidence::default(),
            fin_answer: None,
            half_close_data: false,
            last_ack: None,
            frames: Vec::new(),
        }
    }

    pub fn client_hello(&self) -> Option<&TlsRec> {
        self.tls
            .iter()
            .find(|t| t.hs.kind == HandshakeKind::ClientHello)
    }

    /// Whether the key log opened this connection's TLS and its HTTP was
    /// read inside it: a head after the ClientHello on a connection with a
    /// decrypted handshake message (a CONNECT before the ClientHello is
    /// cleartext, not decrypted).
    pub fn http_decrypted(&self) -> bool {
        let Some(hello) = self.client_hello() else {
            return false;
        };
        self.tls.iter().any(|t| t.hs.decrypted)
            && (self.http.iter().any(|h| h.seg.frame > hello.seg.frame)
                || self.h2.iter().any(|h| h.headers.is_some()))
    }

    pub fn server_hello(&self) -> Option<&TlsRec> {
        self.tls
            .iter()
            .find(|t| t.hs.kind == HandshakeKind::ServerHello)
    }

    pub fn sni(&self) -> Option<&str> {
        self.client_hello().and_then(|c| c.hs.sni.as_deref())
    }

    pub fn first_request(&self) -> Option<&HttpRec> {
        self.http.iter().find(|h| h.msg.method.is_some())
    }

    pub fn is_tls(&self) -> bool {
        !self.tls.is_empty() || (!self.quic && self.server.1 == 443)
    }
}
