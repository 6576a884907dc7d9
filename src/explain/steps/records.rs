//! Encrypted TLS records told apart without the keys: by position,
//! direction and size only. Each kind carries the rule that names it, and
//! what no rule names is application data — the requests and responses,
//! which are then only estimated.

use crate::explain::evidence::{Conn, Seg};
use crate::notes::Lang;

/// AEAD tag length of every TLS 1.3 suite but the CCM_8 ones (RFC 8446
/// §5.2), plus the inner content-type byte.
const TLS13_OVERHEAD: u16 = 16 + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The server's encrypted first flight (EncryptedExtensions,
    /// Certificate, CertificateVerify, Finished).
    ServerHandshake,
    ClientFinished,
    /// NewSessionTicket after the client's Finished.
    Ticket,
    /// Sent by the server unprompted on a connection the client never
    /// used: a ticket or an HTTP/2 SETTINGS.
    Unprompted,
    /// The client's HTTP/2 connection preface and SETTINGS.
    H2Preface,
    /// The server's HTTP/2 SETTINGS (its connection preface).
    H2Settings,
    /// A 9-byte HTTP/2 frame with no payload from the client: a SETTINGS
    /// acknowledgment.
    H2Empty,
    CloseNotify,
    /// Nothing above: application data (requests, responses).
    App,
}

impl Kind {
    pub fn is_app(self) -> bool {
        self == Kind::App
    }

    /// The kind's name in the JSON.
    pub fn id(self) -> &'static str {
        match self {
            Kind::ServerHandshake => "server_handshake",
            Kind::ClientFinished => "client_finished",
            Kind::Ticket => "session_ticket",
            Kind::Unprompted => "server_unprompted",
            Kind::H2Preface => "h2_client_preface",
            Kind::H2Settings => "h2_server_settings",
            Kind::H2Empty => "h2_empty_frame",
            Kind::CloseNotify => "close_notify",
            Kind::App => "application_data",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Kind::ServerHandshake => lang.t(
                "the server's encrypted handshake (EncryptedExtensions, Certificate, CertificateVerify, Finished)",
                "服务器加密的握手消息（EncryptedExtensions、Certificate、CertificateVerify、Finished）",
            ),
            Kind::ClientFinished => lang.t("the client's Finished", "客户端的 Finished"),
            Kind::Ticket => lang.t("session tickets (NewSessionTicket)", "会话票据（NewSessionTicket）"),
            Kind::Unprompted => lang.t(
                "records the server sent unprompted (a session ticket, or HTTP/2 SETTINGS)",
                "服务器主动发送的记录（会话票据，或 HTTP/2 SETTINGS）",
            ),
            Kind::H2Preface => lang.t(
                "the client's HTTP/2 connection preface and SETTINGS",
                "客户端的 HTTP/2 连接前言和 SETTINGS",
            ),
            Kind::H2Settings => lang.t("the server's HTTP/2 SETTINGS", "服务器的 HTTP/2 SETTINGS"),
            Kind::H2Empty => lang.t(
                "an empty HTTP/2 frame (a SETTINGS acknowledgment)",
                "空的 HTTP/2 帧（SETTINGS 确认）",
            ),
            Kind::CloseNotify => lang.t("close_notify alerts", "close_notify 告警"),
            Kind::App => lang.t("application data", "应用数据"),
        }
    }

    /// The rule, written beside the kind it names.
    pub fn rule(self, lang: Lang, finished_len: u16) -> String {
        match (self, lang) {
            (Kind::ServerHandshake, Lang::En) => "server records after the ServerHello and before the client's Finished: in TLS 1.3 the rest of the server's handshake is encrypted (RFC 8446 §2)".into(),
            (Kind::ServerHandshake, Lang::Zh) => "ServerHello 之后、客户端 Finished 之前服务器发出的记录：TLS 1.3 中服务器其余的握手消息都已加密（RFC 8446 §2）".into(),
            (Kind::ClientFinished, Lang::En) => format!("the client's first encrypted record after the ServerHello, and its {finished_len} bytes are a Finished's: 4-byte header + verify_data as long as the suite's hash + 1 type byte + 16-byte tag (RFC 8446 §4.4.4)"),
            (Kind::ClientFinished, Lang::Zh) => format!("ServerHello 之后客户端的第一个加密记录，其 {finished_len} 字节正是 Finished 的长度：4 字节头部 + 与套件哈希等长的 verify_data + 1 字节类型 + 16 字节认证标签（RFC 8446 §4.4.4）"),
            (Kind::Ticket, Lang::En) => "the server's first records after the client's Finished, back to back and of equal length: a server sends NewSessionTicket once it has the client's Finished (RFC 8446 §4.6.1), OpenSSL two by default".into(),
            (Kind::Ticket, Lang::Zh) => "客户端 Finished 之后服务器最先发出的、长度相同的连续记录：服务器收到客户端的 Finished 后发送 NewSessionTicket（RFC 8446 §4.6.1），OpenSSL 默认发两张".into(),
            (Kind::Unprompted, Lang::En) => "server records after the client's Finished on a connection where the client sent nothing more: no request preceded them".into(),
            (Kind::Unprompted, Lang::Zh) => "客户端 Finished 之后再没发送任何数据的连接上服务器发出的记录：之前没有任何请求".into(),
            (Kind::H2Preface, Lang::En) => "the client offered h2, and its first record after the Finished is small: an HTTP/2 client must first send the 24-byte preface and a SETTINGS frame (RFC 9113 §3.4)".into(),
            (Kind::H2Preface, Lang::Zh) => "客户端提供了 h2，且 Finished 之后它的第一个记录很小：HTTP/2 客户端必须先发送 24 字节的连接前言和一个 SETTINGS 帧（RFC 9113 §3.4）".into(),
            (Kind::H2Settings, Lang::En) => "the server's first small record after the tickets, when the client offered h2: an HTTP/2 server's preface is a SETTINGS frame (RFC 9113 §3.4)".into(),
            (Kind::H2Settings, Lang::Zh) => "客户端提供 h2 时，票据之后服务器的第一个小记录：HTTP/2 服务器的连接前言就是一个 SETTINGS 帧（RFC 9113 §3.4）".into(),
            (Kind::H2Empty, Lang::En) => "26 bytes from the client = a 9-byte HTTP/2 frame header with no payload + 17 bytes of TLS overhead".into(),
            (Kind::H2Empty, Lang::Zh) => "客户端的 26 字节记录 = 9 字节无负载的 HTTP/2 帧头 + 17 字节 TLS 开销".into(),
            (Kind::CloseNotify, Lang::En) => "the last record of its direction, 19 bytes = a 2-byte alert + 1 type byte + 16-byte tag (RFC 8446 §6.1)".into(),
            (Kind::CloseNotify, Lang::Zh) => "该方向的最后一个记录，19 字节 = 2 字节告警 + 1 字节类型 + 16 字节认证标签（RFC 8446 §6.1）".into(),
            (Kind::App, Lang::En) => "no rule above names it".into(),
            (Kind::App, Lang::Zh) => "不符合以上任何规则".into(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub seg: Seg,
    pub len: u16,
    pub kind: Kind,
}

/// The encrypted records of a TLS 1.3 connection over TCP, classified.
#[derive(Debug, Default)]
pub struct Records {
    /// In capture order (by frame, client before server within a frame).
    pub recs: Vec<Rec>,
    /// The expected length of a Finished record for the chosen suite.
    pub finished_len: u16,
    /// More records were sent than the evidence kept.
    pub truncated: bool,
}

impl Records {
    pub fn finished(&self) -> Option<&Rec> {
        self.recs.iter().find(|r| r.kind == Kind::ClientFinished)
    }

    /// The client sent nothing but handshake and control records after
    /// its Finished: the connection was opened and never used.
    pub fn unused(&self) -> bool {
        self.finished().is_some()
            && !self.truncated
            && !self
                .recs
                .iter()
                .any(|r| r.seg.from_client && r.kind.is_app())
    }

    /// The first application record of the client, and the first of the
    /// server after it: the request and its response, estimated.
    pub fn exchange(&self) -> Option<(Seg, Seg)> {
        let req = self
            .recs
            .iter()
            .find(|r| r.seg.from_client && r.kind.is_app())?;
        let resp = self
            .recs
            .iter()
            .find(|r| !r.seg.from_client && r.kind.is_app() && r.seg.ts >= req.seg.ts)?;
        Some((req.seg, resp.seg))
    }

    /// Record bytes (with 5-byte headers) per direction: (application,
    /// everything else that was classified).
    pub fn bytes(&self, from_client: bool) -> (u64, u64) {
        let mut app = 0;
        let mut other = 0;
        for r in self
            .recs
            .iter()
            .filter(|r| r.seg.from_client == from_client)
        {
            let n = u64::from(r.len) + 5;
            if r.kind.is_app() {
                app += n;
            } else {
                other += n;
            }
        }
        (app, other)
    }

    /// (kind, frames) for each kind other than application data, in
    /// order of first appearance.
    pub fn groups(&self) -> Vec<(Kind, Vec<u64>)> {
        let mut out: Vec<(Kind, Vec<u64>)> = Vec::new();
        for r in self.recs.iter().filter(|r| !r.kind.is_app()) {
            match out.iter_mut().find(|(k, _)| *k == r.kind) {
                Some((_, f)) => {
                    if !f.contains(&r.seg.frame) {
                        f.push(r.seg.frame);
                    }
                }
                None => out.push((r.kind, vec![r.seg.frame])),
            }
        }
        out
    }
}

/// Classifies a TLS 1.3 connection's encrypted records; None for TLS 1.2
/// (whose handshake and alerts are visible as such), for QUIC, or without
/// a ServerHello.
pub fn classify(c: &Conn) -> Option<Records> {
    if c.quic {
        return None;
    }
    let sh = c.server_hello()?;
    if !sh.hs.supported_versions.iter().any(|v| v.is_tls13()) {
        return None;
    }
    let hash = sh
        .hs
        .cipher_suite
        .and_then(crate::decode::tls::cipher_suite_name)
        .map_or(32, |n| if n.ends_with("SHA384") { 48 } else { 32 });
    let finished_len = 4 + hash + TLS13_OVERHEAD;
    let h2_offered = c
        .client_hello()
        .is_some_and(|ch| ch.hs.alpn.iter().any(|a| a == "h2"));
    let mut recs: Vec<(u64, usize, usize, Rec)> = Vec::new();
    for dir in 0..2 {
        for (i, (seg, len)) in c.app_data[dir].iter().zip(&c.app_data_len[dir]).enumerate() {
            if seg.ts >= sh.seg.ts {
                recs.push((
                    seg.frame,
                    dir,
                    i,
                    Rec {
                        seg: *seg,
                        len: *len,
                        kind: Kind::App,
                    },
                ));
            }
        }
    }
    recs.sort_by_key(|(f, d, i, _)| (*f, *d, *i));
    let mut recs: Vec<Rec> = recs.into_iter().map(|(_, _, _, r)| r).collect();
    let truncated = (0..2).any(|d| c.app_data_count[d] > c.app_data[d].len() as u64);
    let Some(fin) = recs.iter().position(|r| r.seg.from_client) else {
        return Some(Records {
            recs,
            finished_len,
            truncated,
        });
    };
    if recs[fin].len != finished_len {
        // A client certificate, or a suite of another size: no rule
        // applies, and nothing is classified.
        return Some(Records {
            recs,
            finished_len,
            truncated,
        });
    }
    recs[fin].kind = Kind::ClientFinished;
    let fin_frame = recs[fin].seg.frame;
    for r in recs.iter_mut().take(fin) {
        if !r.seg.from_client && r.seg.frame <= fin_frame {
            r.kind = Kind::ServerHandshake;
        }
    }
    // close_notify: the last record of each direction, if it is 19 bytes.
    for from_client in [true, false] {
        if let Some(last) = recs
            .iter_mut()
            .rev()
            .find(|r| r.seg.from_client == from_client)
        {
            if last.kind.is_app() && last.len == 2 + TLS13_OVERHEAD {
                last.kind = Kind::CloseNotify;
            }
        }
    }
    let client_used = recs
        .iter()
        .skip(fin + 1)
        .any(|r| r.seg.from_client && r.kind.is_app());
    if !client_used && !truncated {
        for r in recs.iter_mut().skip(fin + 1) {
            if !r.seg.from_client && r.kind.is_app() {
                r.kind = Kind::Unprompted;
            }
        }
        return Some(Records {
            recs,
            finished_len,
            truncated,
        });
    }
    // Tickets: the server's first records after the Finished, back to back
    // and of one length, at least two of them.
    let after: Vec<usize> = (fin + 1..recs.len())
        .filter(|i| !recs[*i].seg.from_client)
        .collect();
    let mut run = 0;
    while run < after.len()
        && recs[after[run]].len == recs[after[0]].len
        && recs[after[run]].kind.is_app()
    {
        run += 1;
    }
    if run >= 2 {
        for i in &after[..run] {
            recs[*i].kind = Kind::Ticket;
        }
    }
    if h2_offered {
        // The server's preface: its first small record after the tickets.
        if let Some(i) = after.get(if run >= 2 { run } else { 0 }).copied() {
            if recs[i].kind.is_app() && recs[i].len <= 100 {
                recs[i].kind = Kind::H2Settings;
            }
        }
        let client_after: Vec<usize> = (fin + 1..recs.len())
            .filter(|i| recs[*i].seg.from_client && recs[*i].kind.is_app())
            .collect();
        // The client's preface: 24 bytes + a SETTINGS frame header (9),
        // at least, and small; only when a request follows it.
        if let (Some(&first), true) = (client_after.first(), client_after.len() > 1) {
            let l = recs[first].len;
            if (24 + 9 + TLS13_OVERHEAD..=120).contains(&l) {
                recs[first].kind = Kind::H2Preface;
            }
        }
        for i in client_after {
            if recs[i].kind.is_app() && recs[i].len == 9 + TLS13_OVERHEAD {
                recs[i].kind = Kind::H2Empty;
            }
        }
    }
    Some(Records {
        recs,
        finished_len,
        truncated,
    })
}
