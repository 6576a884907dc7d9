//! The claims a notes check tests against the capture. Each names the
//! notes section that would make it and the words (English or Chinese)
//! that find it there: the check quotes the notes only when a sentence of
//! that section holds every word of one pattern and none of `unless`.

use super::Lang;

pub struct Claim {
    pub id: &'static str,
    pub section: u8,
    /// The claim in the words a common textbook uses, for when the loaded
    /// notes do not make it.
    pub en: &'static str,
    pub zh: &'static str,
    /// Alternatives; each is a set of words that must all appear in one
    /// sentence (compared lowercased, whitespace ignored).
    pub patterns: &'static [&'static [&'static str]],
    /// A sentence holding any of these says something else (a negation,
    /// or the opposite claim), and is not quoted.
    pub unless: &'static [&'static str],
}

impl Claim {
    pub fn text(&self, lang: Lang) -> &'static str {
        lang.t(self.en, self.zh)
    }
}

const NEGATIONS_EN: [&str; 6] = [
    "not ",
    "never",
    "n't",
    "no longer",
    "only the public",
    "instead",
];

pub const HTTP_OVER_TCP: Claim = Claim {
    id: "http_always_tcp",
    section: 1,
    en: "HTTP always runs over TCP.",
    zh: "HTTP 总是跑在 TCP 之上。",
    patterns: &[
        &["http", "over tcp"],
        &["http", "使用", "tcp"],
        &["http", "基于", "tcp"],
    ],
    unless: &["quic", "udp"],
};

pub const HTTP_RELIABLE: Claim = Claim {
    id: "tcp_makes_http_reliable",
    section: 1,
    en: "HTTP runs over TCP, which makes the transfer reliable.",
    zh: "HTTP 建立在 TCP 之上，由 TCP 负责把数据可靠地送到。",
    patterns: &[&["tcp", "reliab"], &["tcp", "可靠"]],
    unless: &NEGATIONS_EN,
};

pub const CONNECTIONLESS: Claim = Claim {
    id: "http_connectionless",
    section: 1,
    en: "HTTP is connectionless: each connection carries one request, and the server closes it after responding.",
    zh: "HTTP 一次连接只服务一个请求，回应之后由服务器断开。",
    patterns: &[
        &["connectionless"],
        &["one request", "connection", "close"],
        &["无连接"],
        &["只处理一个请求"],
    ],
    unless: &["keep-alive", "persistent", "持久", "复用"],
};

pub const HTTP_IS_TEXT: Claim = Claim {
    id: "http_is_text",
    section: 1,
    en: "HTTP messages are text.",
    zh: "HTTP 报文是文本形式的。",
    patterns: &[&["messages", "text"], &["plain text"], &["报文", "文本"]],
    unless: &["binary", "二进制"],
};

pub const MAC_AFTER_DNS: Claim = Claim {
    id: "mac_after_dns",
    section: 4,
    en: "The MAC address is looked up after DNS has resolved the server's IP address.",
    zh: "先由 DNS 得到服务器的 IP 地址，之后才获取 MAC 地址。",
    patterns: &[
        &["dns", "link-layer address"],
        &["dns", "mac"],
        &["ip地址后", "mac"],
        &["得到ip", "mac"],
    ],
    unless: &[],
};

pub const ADDRESS_GIVEN: Claim = Claim {
    id: "address_given",
    section: 4,
    en: "The steps start from the URL; the host's own address, subnet mask and gateway are taken as given.",
    zh: "步骤从解析 URL 开始；本机的地址、子网掩码和网关被当作已知。",
    patterns: &[&["parses the url"], &["解析url"]],
    unless: &["dhcp"],
};

pub const KEY_TRANSPORT: Claim = Claim {
    id: "rsa_key_transport",
    section: 7,
    en: "The client generates a third random, encrypts it with the public key from the server's certificate, and both sides derive the session key from the three randoms.",
    zh: "客户端再造一个随机数，用证书里的公钥加密后交给服务器，双方凭这三个随机数算出会话密钥。",
    patterns: &[
        &["random", "public key", "encrypt"],
        &["three random"],
        &["随机数", "公钥", "加密"],
        &["三个随机数"],
    ],
    unless: &["diffie", "ecdhe", "key share", "密钥共享"],
};

pub const BOTH_PUBLIC_KEYS: Claim = Claim {
    id: "both_send_public_keys",
    section: 9,
    en: "Both sides send each other their public keys.",
    zh: "通信双方互相发送各自的公钥。",
    patterns: &[
        &["both", "public key"],
        &["each other", "public key"],
        &["双方", "公钥"],
        &["对方", "公钥"],
    ],
    unless: &["only the server", "只有服务器"],
};

pub const HTTPS_SLOW: Claim = Claim {
    id: "https_slow",
    section: 8,
    en: "HTTPS is slow: every connection pays for a full handshake with several round trips.",
    zh: "HTTPS 慢：每个连接都要经过多次往返的完整握手。",
    patterns: &[
        &["extra round trips"],
        &["slow"],
        &["handshake", "time"],
        &["握手", "耗时"],
        &["握手", "延迟"],
        &["慢"],
    ],
    unless: &["resum", "恢复", "0-rtt"],
};

pub const CERT_PRIVATE_KEY: Claim = Claim {
    id: "certificate_holds_private_key",
    section: 9,
    en: "A certificate contains the subject's public key and private key.",
    zh: "证书里既有使用者的公钥，也有它的私钥。",
    patterns: &[&["certificate", "private key"], &["证书", "私钥"]],
    unless: &[
        "not ",
        "never",
        "n't",
        "without",
        "only the public",
        "不包含",
        "不含",
        "没有私钥",
        "不会",
        "签名",
        "signature",
        "sign",
    ],
};

pub const SIGNATURE_IS_ENCRYPTION: Claim = Claim {
    id: "signature_is_private_key_encryption",
    section: 9,
    en: "A digital signature is the hash of the certificate encrypted with the CA's private key.",
    zh: "数字签名就是用 CA 的私钥加密证书内容的摘要。",
    patterns: &[
        &["signature", "encrypt", "private key"],
        &["签名", "私钥加密"],
        &["签名", "私钥", "加密", "摘要"],
    ],
    unless: &["not ", "never", "n't", "不是", "并非", "而不是"],
};

pub const CERT_BOUND_IP: Claim = Claim {
    id: "certificate_bound_to_ip",
    section: 8,
    en:
        "An SSL certificate is bound to an IP address, so one IP cannot serve several domain names.",
    zh: "证书与 IP 地址绑定，所以一个 IP 只能对应一个域名。",
    patterns: &[
        &["certificate", "ip address"],
        &["certificate", "one ip"],
        &["证书", "绑定", "ip"],
    ],
    unless: &["sni", "name, not", "not to", "而不是"],
};

pub const FOUR_SEGMENTS: Claim = Claim {
    id: "close_takes_four_segments",
    section: 12,
    en: "Closing a connection always takes four segments (FIN, ACK, FIN, ACK).",
    zh: "断开连接总是需要四个报文段（FIN、ACK、FIN、ACK）。",
    patterns: &[&["four", "close"], &["four", "fin"], &["四次挥手"]],
    unless: &["three", "三个报文", "三次挥手", "合并"],
};

pub const ACK_IN_SEQUENCE: Claim = Claim {
    id: "ack_in_sequence_field",
    section: 12,
    en: "The acknowledging segment puts the other side's sequence number plus one in its own sequence number field.",
    zh: "确认报文把对方的序列号 + 1 作为自己的序列号。",
    patterns: &[
        &["sequence number", "plus one", "its own sequence"],
        &["+1", "ack报文的序列号"],
        &["+1", "作为自己ack报文的序列号"],
    ],
    unless: &["acknowledgment number", "acknowledgement number", "确认号"],
};

pub const STATE_NAMES: Claim = Claim {
    id: "handshake_state_names",
    section: 12,
    en: "During the handshake the client is in SYN_SEND and the server in SYN_REVD.",
    zh: "握手时客户端处于 SYN_SEND 状态，服务器处于 SYN_REVD 状态。",
    patterns: &[&["syn_send"], &["syn_revd"], &["syn_rcvd"], &["syn-send"]],
    unless: &[],
};

pub const WS_LIGHT: Claim = Claim {
    id: "websocket_light",
    section: 13,
    en: "WebSocket's data format is light, with little overhead.",
    zh: "WebSocket 的数据格式轻量，开销小。",
    patterns: &[&["lightweight"], &["light", "overhead"], &["轻量"]],
    unless: &[],
};

pub const WS_PORTS: Claim = Claim {
    id: "websocket_ports",
    section: 13,
    en: "WebSocket uses the default ports 80 and 443.",
    zh: "WebSocket 默认端口也是 80 和 443。",
    patterns: &[&["80", "443"]],
    unless: &[],
};

/// Every claim, for tests and documentation.
pub const ALL: [&Claim; 17] = [
    &HTTP_OVER_TCP,
    &HTTP_RELIABLE,
    &CONNECTIONLESS,
    &HTTP_IS_TEXT,
    &MAC_AFTER_DNS,
    &ADDRESS_GIVEN,
    &KEY_TRANSPORT,
    &BOTH_PUBLIC_KEYS,
    &HTTPS_SLOW,
    &CERT_PRIVATE_KEY,
    &SIGNATURE_IS_ENCRYPTION,
    &CERT_BOUND_IP,
    &FOUR_SEGMENTS,
    &ACK_IN_SEQUENCE,
    &STATE_NAMES,
    &WS_LIGHT,
    &WS_PORTS,
];

/// Longest quote, in characters.
const MAX_QUOTE: usize = 240;

/// Splits a section into sentences: list items, paragraphs and sentence
/// ends (。！？ and . ! ? before a space) each end one; wrapped lines join.
fn sentences(body: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut cur = String::new();
    for line in body.lines() {
        let t = line.trim();
        let starts_item = t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with('#')
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if t.is_empty() || starts_item {
            if !cur.trim().is_empty() {
                blocks.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
        if !t.is_empty() {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(t);
        }
    }
    if !cur.trim().is_empty() {
        blocks.push(cur);
    }
    let mut out = Vec::new();
    for b in blocks {
        let mut s = String::new();
        let mut chars = b.chars().peekable();
        while let Some(c) = chars.next() {
            s.push(c);
            let end = matches!(c, '。' | '！' | '？' | '；')
                || (matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()));
            if end {
                out.push(std::mem::take(&mut s));
            }
        }
        if !s.trim().is_empty() {
            out.push(s);
        }
    }
    out
}

/// A sentence made safe and short for quoting: markup and control
/// characters removed, whitespace collapsed, at most `MAX_QUOTE` characters.
fn clean(sentence: &str) -> String {
    let t = sentence.trim();
    let t = t.trim_start_matches(['-', '*', '#', ' ']);
    let t = t
        .split_once(". ")
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(t, |(_, rest)| rest);
    let mut out = String::new();
    for w in t.replace("**", "").replace('`', "").split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().filter(|c| !c.is_control()));
    }
    if out.chars().count() > MAX_QUOTE {
        out = out.chars().take(MAX_QUOTE - 1).collect::<String>();
        out.push('…');
    }
    out
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The first sentence of `body` that makes the claim, cleaned for quoting.
pub fn find(claim: &Claim, body: &str) -> Option<String> {
    sentences(body).into_iter().find_map(|s| {
        let low = s.to_lowercase();
        let flat = squash(&s);
        let holds = claim
            .patterns
            .iter()
            .any(|p| p.iter().all(|w| flat.contains(&squash(w))));
        let denies = claim
            .unless
            .iter()
            .any(|u| low.contains(u) || flat.contains(&squash(u)));
        (holds && !denies).then(|| clean(&s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_list_item_is_one_sentence_and_markup_is_dropped() {
        let body = "- **无连接**：每次连接只处理一个请求。服务器处理完后\n  即断开连接。\n- 下一项";
        let s = sentences(body);
        assert_eq!(s[0], "- **无连接**：每次连接只处理一个请求。");
        assert_eq!(s[1], "服务器处理完后 即断开连接。");
        assert_eq!(
            find(&CONNECTIONLESS, body).unwrap(),
            "无连接：每次连接只处理一个请求。"
        );
    }

    #[test]
    fn a_negated_sentence_is_not_quoted() {
        let body = "A certificate never holds the private key. It holds the public key.";
        assert_eq!(find(&CERT_PRIVATE_KEY, body), None);
        let body = "A certificate holds the public key and the private key of its subject.";
        assert_eq!(
            find(&CERT_PRIVATE_KEY, body).unwrap(),
            "A certificate holds the public key and the private key of its subject."
        );
    }

    #[test]
    fn control_characters_are_removed_and_long_sentences_cut() {
        let body = format!("HTTP is connectionless\u{1b}[31m {}.", "x".repeat(400));
        let q = find(&CONNECTIONLESS, &body).unwrap();
        assert!(!q.contains('\u{1b}'));
        assert_eq!(q.chars().count(), MAX_QUOTE);
        assert!(q.ends_with('…'));
    }
}
