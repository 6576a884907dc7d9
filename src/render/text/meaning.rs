//! Per protocol, the summary a packet line shows and what the packet
//! means in the page-load story: ARP, neighbour discovery, DNS, TCP, QUIC,
//! TLS, HTTP, DHCP, WebSocket.

use super::*;

pub(super) fn arp_summary(a: &crate::decode::arp::ArpInfo) -> String {
    match a.op {
        ArpOp::Request => format!("who-has {}? tell {}", a.target_ip, a.sender_ip),
        ArpOp::Reply => format!("{} is-at {}", a.sender_ip, a.sender_mac),
        other => format!("{other} {} → {}", a.sender_ip, a.target_ip),
    }
}

pub(super) fn arp_meaning(a: &crate::decode::arp::ArpInfo, l: Lang) -> Option<String> {
    Some(match (a.kind, a.op) {
        (Some(ArpKind::Probe), _) => l
            .t(
                "address conflict probe: is anyone using this IP?",
                "地址冲突探测：有没有别的主机在用这个 IP？",
            )
            .into(),
        (Some(ArpKind::Gratuitous), _) => l
            .t(
                "gratuitous ARP: announces its own address",
                "免费 ARP：主机宣告自己的地址",
            )
            .into(),
        (_, ArpOp::Request) => l
            .t(
                "next-hop lookup: which MAC address has this IP?",
                "下一跳查询：哪个 MAC 地址拥有这个 IP？",
            )
            .into(),
        (_, ArpOp::Reply) => l
            .t(
                "next-hop answer: frames for this IP go to this MAC",
                "下一跳应答：发往这个 IP 的帧交给这个 MAC 地址",
            )
            .into(),
        _ => return None,
    })
}

pub(super) fn ndp_summary(n: &crate::decode::ndp::NdpInfo) -> String {
    let target = n.target.map(|t| t.to_string()).unwrap_or_default();
    let ll = n.lladdr.map(|m| format!(" ({m})")).unwrap_or_default();
    match n.kind {
        NdpKind::NeighborSolicitation => format!("who has {target}?{ll}"),
        NdpKind::NeighborAdvertisement => {
            let flags = if n.flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", n.flags.join(", "))
            };
            format!("{target} is at{ll}{flags}")
        }
        NdpKind::RouterSolicitation => format!("router solicitation{ll}"),
        _ => {
            let mut s = format!("router advertisement{ll}");
            if !n.prefixes.is_empty() {
                let _ = write!(s, " prefixes {}", n.prefixes.join(", "));
            }
            s
        }
    }
}

pub(super) fn ndp_meaning(n: &crate::decode::ndp::NdpInfo, l: Lang) -> String {
    match n.kind {
        NdpKind::NeighborSolicitation => l
            .t(
                "IPv6 next-hop lookup (the IPv6 ARP request)",
                "IPv6 下一跳查询（相当于 IPv6 的 ARP 请求）",
            )
            .into(),
        NdpKind::NeighborAdvertisement => l
            .t(
                "IPv6 next-hop answer (the IPv6 ARP reply)",
                "IPv6 下一跳应答（相当于 IPv6 的 ARP 应答）",
            )
            .into(),
        NdpKind::RouterSolicitation => l
            .t(
                "asks routers on the link to announce themselves",
                "请本链路上的路由器通告自己",
            )
            .into(),
        _ => l
            .t(
                "a router announces itself and the link's prefixes",
                "路由器通告自己和本链路的前缀",
            )
            .into(),
    }
}

pub(super) fn record_data(r: &DnsRecord) -> String {
    format!("{} {}", r.rtype, escape(&r.data))
}

pub(super) fn dns_summary(d: &DnsMessage) -> String {
    let q = d
        .questions
        .first()
        .map(|q| format!("{} {}", q.qtype, escape(&q.name)))
        .unwrap_or_else(|| "(no question)".into());
    if !d.response {
        return format!("query {q} (id {:#06x})", d.id);
    }
    let mut s = format!("response {q}");
    if d.rcode != Rcode::NOERROR {
        let _ = write!(s, " {}", d.rcode.to_string().red());
    }
    let answers: Vec<String> = d.answers.iter().map(record_data).collect();
    if !answers.is_empty() {
        let _ = write!(s, " → {}", answers.join(", "));
    } else if d.rcode == Rcode::NOERROR {
        s.push_str(" → no answer records");
    }
    if d.flags.has(Flag::Tc) {
        s.push_str(" [truncated: retry over TCP]");
    }
    if let Some(ms) = d.latency_ms {
        let _ = write!(s, " in {ms:.1} ms");
    }
    let _ = write!(s, " (id {:#06x})", d.id);
    s
}

pub(super) fn dns_meaning(d: &DnsMessage, l: Lang) -> Option<String> {
    if d.protocol != DnsProtocol::Dns {
        return Some(
            l.t(
                "local-link name discovery, not part of a page load",
                "本地链路上的名字发现，不属于页面加载",
            )
            .into(),
        );
    }
    if !d.response {
        return Some(if d.flags.has(Flag::Rd) {
            l.t(
                "name lookup: asks the resolver to do the whole search (recursion desired)",
                "域名查询：请解析器完成整个查找（期望递归）",
            )
            .into()
        } else {
            l.t(
                "name lookup without recursion: a resolver walking the hierarchy",
                "不要求递归的域名查询：解析器正在逐级查找",
            )
            .into()
        });
    }
    Some(match d.rcode {
        // RFC 1035 §4.2.1, RFC 7766 §5: too big for UDP, ask over TCP.
        _ if d.flags.has(Flag::Tc) => {
            l.t("the answer did not fit in a UDP datagram (truncated): the client asks again over TCP", "应答太大，一个 UDP 数据报装不下（已截断）：客户端改用 TCP 再问一次")
                .into()
        }
        Rcode::NXDOMAIN => l.t("the name does not exist", "这个域名不存在").into(),
        Rcode::NOERROR if d.answers.is_empty() => {
            l.t("the name exists but has no record of this type", "域名存在，但没有这种类型的记录").into()
        }
        Rcode::NOERROR => {
            let cname = d.answers.iter().any(|r| r.rtype == RType::CNAME);
            let min_ttl = d.answers.iter().map(|r| r.ttl).min().unwrap_or(0);
            let alias = if cname {
                l.t(" through an alias (CNAME)", "（经过别名 CNAME）")
            } else {
                ""
            };
            match l {
                Lang::En => format!("name resolved{alias}; cacheable for {min_ttl} s"),
                Lang::Zh => format!("域名解析成功{alias}；可缓存 {min_ttl} 秒"),
            }
        }
        other => match l {
            Lang::En => format!("lookup failed ({other})"),
            Lang::Zh => format!("查询失败（{other}）"),
        },
    })
}

pub(super) fn tcp_meaning(p: &Packet, l: Lang) -> Option<String> {
    let t = p.tcp.as_ref()?;
    let role = t.role?;
    // Who sent it, in the words of the language.
    let side = |en: &'static str, zh: &'static str| match t.from {
        Some(Side::Client) => l.t("client", "客户端"),
        Some(Side::Server) => l.t("server", "服务器"),
        None => l.t(en, zh),
    };
    Some(match (role, l) {
        (TcpRole::Syn, Lang::En) => format!("handshake 1/3: client opens, ISN {}", t.seq),
        (TcpRole::Syn, Lang::Zh) => format!("握手 1/3：客户端发起连接，初始序号 {}", t.seq),
        (TcpRole::SynAck, Lang::En) => format!(
            "handshake 2/3: server accepts, ISN {}, ack = client ISN + 1",
            t.seq
        ),
        (TcpRole::SynAck, Lang::Zh) => format!(
            "握手 2/3：服务器接受，初始序号 {}，确认号 = 客户端初始序号 + 1",
            t.seq
        ),
        (TcpRole::HandshakeAck, _) => l
            .t(
                "handshake 3/3: connection established",
                "握手 3/3：连接建立",
            )
            .into(),
        (TcpRole::SynRetransmission, _) => l
            .t("SYN sent again: no answer yet", "重发 SYN：还没有收到应答")
            .into(),
        (TcpRole::SynAckRetransmission, _) => l.t("SYN-ACK sent again", "重发 SYN-ACK").into(),
        (TcpRole::FirstFin, Lang::En) => {
            format!("teardown: {} closes first", side("one side", "一方"))
        }
        (TcpRole::FirstFin, Lang::Zh) => format!("断开：{}先关闭", side("one side", "一方")),
        (TcpRole::SecondFin, Lang::En) => {
            format!("teardown: {} closes too", side("the other side", "另一方"))
        }
        (TcpRole::SecondFin, Lang::Zh) => {
            format!("断开：{}也关闭", side("the other side", "另一方"))
        }
        (TcpRole::LastAck, Lang::En) => format!(
            "teardown: last ACK; the {} waits in TIME_WAIT",
            side("first closer", "先关闭的一方")
        ),
        (TcpRole::LastAck, Lang::Zh) => format!(
            "断开：最后一个 ACK；{}进入 TIME_WAIT 等待",
            side("first closer", "先关闭的一方")
        ),
        (TcpRole::FinRetransmission, _) => l.t("FIN sent again", "重发 FIN").into(),
        (TcpRole::Reset, Lang::En) => {
            format!("{} aborts the connection (RST)", side("one side", "一方"))
        }
        (TcpRole::Reset, Lang::Zh) => format!("{}中止连接（RST）", side("one side", "一方")),
    })
}

/// A datagram's QUIC packets; the hellos its CRYPTO frames completed.
pub(super) fn quic_line(
    first: &crate::decode::quic::QuicPacket,
    more: &[crate::decode::quic::QuicPacket],
    l: Lang,
) -> (&'static str, String, Option<String>) {
    let all: Vec<&crate::decode::quic::QuicPacket> = std::iter::once(first).chain(more).collect();
    let mut s = crate::decode::quic::summary(&all);
    let hellos: Vec<&TlsHandshake> = all.iter().flat_map(|q| &q.handshakes).collect();
    for h in &hellos {
        s.push_str("; ");
        s.push_str(&handshake_summary(h));
    }
    // HTTP/3 frames the packets completed (with a key log): a request's
    // method and path, a response's status, each value escaped.
    for f in all.iter().flat_map(|q| &q.http3) {
        let _ = write!(
            s,
            "; HTTP/3 {} stream {}",
            f.kind.name().to_uppercase(),
            f.stream
        );
        for [n, v] in f.headers.iter().flatten() {
            if matches!(n.as_str(), ":method" | ":path" | ":status") {
                let _ = write!(s, " {}", escape(v));
            }
        }
        if f.headers.is_none() {
            let _ = write!(s, " {} B", f.length);
        }
    }
    let meaning = if let Some(h) = hellos.first() {
        Some(match h.kind {
            HandshakeKind::ClientHello => l.t("QUIC and TLS 1.3 handshakes start together: the ClientHello travels in CRYPTO frames of Initial packets", "QUIC 握手与 TLS 1.3 握手同时开始：ClientHello 放在 Initial 包的 CRYPTO 帧里传送"),
            HandshakeKind::ServerHello => l.t("the server's Initial carries its ServerHello; what follows is encrypted with handshake keys", "服务器的 Initial 包带着 ServerHello；此后的内容用握手密钥加密"),
            _ => l.t("a TLS handshake message in CRYPTO frames", "CRYPTO 帧里的一条 TLS 握手消息"),
        })
    } else if all
        .iter()
        .any(|q| q.long_type == Some(LongType::VersionNegotiation))
    {
        Some(l.t(
            "the server does not speak the client's QUIC version and lists the ones it does",
            "服务器不支持客户端的 QUIC 版本，列出它支持的版本",
        ))
    } else if all.iter().any(|q| q.long_type == Some(LongType::Retry)) {
        Some(l.t(
            "the server asks the client to prove its address and send its Initial again",
            "服务器要求客户端证明自己的地址，并重发 Initial 包",
        ))
    } else if all.iter().all(|q| q.header == HeaderForm::Short) {
        Some(l.t(
            "1-RTT packet: encrypted application data and acknowledgements",
            "1-RTT 包：加密的应用数据和确认",
        ))
    } else if all.iter().any(|q| q.long_type == Some(LongType::Handshake)) {
        Some(l.t(
            "Handshake packet: the rest of the TLS handshake, encrypted",
            "Handshake 包：TLS 握手的其余部分，已加密",
        ))
    } else {
        None
    };
    ("QUIC", s, meaning.map(str::to_string))
}

pub(super) fn version_list(h: &TlsHandshake) -> String {
    tls::join_versions(&h.supported_versions, ", ")
}

pub(super) fn frames_span(frames: &[u64]) -> Option<String> {
    match frames {
        [] | [_] => None,
        [first, .., last] => Some(format!("reassembled from frames {first}–{last}")),
    }
}

pub(super) fn handshake_summary(h: &TlsHandshake) -> String {
    let mut s = match h.kind {
        HandshakeKind::ClientHello => "ClientHello".to_string(),
        HandshakeKind::ServerHello => "ServerHello".to_string(),
        HandshakeKind::HelloRetryRequest => "HelloRetryRequest".to_string(),
        other => other.to_string().replace('_', " "),
    };
    if let Some(sni) = &h.sni {
        let _ = write!(s, " SNI={}", escape(sni));
    }
    if !h.alpn.is_empty() {
        let alpn: Vec<String> = h.alpn.iter().map(|a| escape(a).into_owned()).collect();
        let _ = write!(s, " ALPN={}", alpn.join(","));
    }
    match h.kind {
        HandshakeKind::ClientHello => {
            if !h.supported_versions.is_empty() {
                let _ = write!(s, ", offers {}", version_list(h));
            } else if let Some(v) = &h.version {
                let _ = write!(s, ", offers up to {v}");
            }
            let pq: Vec<&str> = h
                .key_share_groups
                .iter()
                .filter(|g| tls::is_post_quantum_group(**g))
                .filter_map(|g| tls::group_name(*g))
                .collect();
            if !pq.is_empty() {
                let _ = write!(s, ", post-quantum key share {}", pq.join(","));
            }
        }
        HandshakeKind::ServerHello | HandshakeKind::HelloRetryRequest => {
            let version = h
                .supported_versions
                .first()
                .cloned()
                .or(h.version)
                .map_or_else(String::new, |v| v.to_string());
            let _ = write!(s, " chooses {version}");
            if let Some(cs) = h.cipher_suite {
                match tls::cipher_suite_name(cs) {
                    Some(n) => {
                        let _ = write!(s, ", {n}");
                    }
                    None => {
                        let _ = write!(s, ", suite {cs:#06x}");
                    }
                }
            }
            if let Some(g) = h.key_share_groups.first() {
                let name = tls::group_name(*g).map_or_else(|| format!("{g:#06x}"), str::to_owned);
                let _ = write!(s, ", key share {name}");
            }
        }
        HandshakeKind::Certificate => {
            if let Some(tls::Certificate::Parsed(c)) = h.certificates.first() {
                // The common name alone keeps the line short; the full
                // subject is in the JSON and the verbose view.
                let name = c
                    .subject
                    .split(", ")
                    .find_map(|rdn| rdn.strip_prefix("CN="))
                    .unwrap_or(&c.subject);
                let _ = write!(s, " {}", escape(name));
                if let Some(first) = c.san.first() {
                    let _ = write!(s, ", SAN {}", escape(first));
                    if c.san.len() > 1 {
                        let _ = write!(s, " +{}", c.san.len() - 1);
                    }
                }
            }
        }
        HandshakeKind::EncryptedExtensions if h.early_data_accepted => {
            s.push_str(", early data accepted");
        }
        HandshakeKind::CertificateVerify => {
            if let Some(n) = h.signature_scheme {
                match tls::signature_scheme_name(n) {
                    Some(name) => {
                        let _ = write!(s, " {name}");
                    }
                    None => {
                        let _ = write!(s, " scheme {n:#06x}");
                    }
                }
            }
        }
        HandshakeKind::NewSessionTicket => {
            if let Some(t) = h.ticket_lifetime {
                let _ = write!(s, " lifetime {t} s");
            }
            if let Some(n) = h.max_early_data {
                let _ = write!(s, ", early data up to {n} bytes");
            }
        }
        HandshakeKind::ServerKeyExchange => {
            if let Some(curve) = h
                .server_key_exchange
                .as_ref()
                .and_then(|k| k.curve.as_ref())
            {
                let _ = write!(s, " {curve}");
            }
        }
        _ => {}
    }
    if let Some(span) = frames_span(&h.frames) {
        let _ = write!(s, " ({span})");
    }
    s
}

pub(super) fn tls_meaning(t: &crate::decode::tls::TlsInfo, l: Lang) -> Option<String> {
    if let Some(h) = t.handshakes.first() {
        return Some(match h.kind {
            HandshakeKind::ClientHello => l.t("TLS handshake starts: the client names the site (SNI) and offers what it supports", "TLS 握手开始：客户端说出网站名（SNI），并列出自己支持的选项").into(),
            HandshakeKind::ServerHello if h.supported_versions.contains(&TlsVersion::Tls13) => {
                l.t("server picks TLS 1.3: keys come from the key shares; everything after this is encrypted", "服务器选定 TLS 1.3：密钥由双方的密钥共享算出；此后的一切都加密").into()
            }
            HandshakeKind::ServerHello => l.t("server picks version and cipher suite", "服务器选定版本和密码套件").into(),
            HandshakeKind::HelloRetryRequest => l.t("server asks the client to retry with another key share group", "服务器要求客户端换一个密钥共享组重试").into(),
            HandshakeKind::Certificate => l.t("server proves its identity with a certificate (public key inside)", "服务器用证书证明自己的身份（证书里有公钥）").into(),
            HandshakeKind::ServerKeyExchange => l.t("server's (EC)DHE key share, signed with its certificate's key", "服务器的 (EC)DHE 密钥共享，用证书对应的私钥签名").into(),
            HandshakeKind::ClientKeyExchange => l.t("client's key share: both sides can now derive the session keys", "客户端的密钥共享：双方现在都能推导出会话密钥").into(),
            HandshakeKind::EncryptedHandshakeMessage => l.t("Finished, encrypted: the handshake is verified", "加密的 Finished：握手得到验证").into(),
            HandshakeKind::NewSessionTicket => l.t("a ticket for resuming the session later", "供以后恢复会话用的票据").into(),
            HandshakeKind::EncryptedExtensions => l.t("the server's other extensions (the ALPN protocol it chose among them), already encrypted", "服务器其余的扩展（其中有它选定的 ALPN 协议），已经加密发送").into(),
            HandshakeKind::CertificateRequest => l.t("the server asks the client for a certificate of its own", "服务器要求客户端也出示证书").into(),
            HandshakeKind::CertificateVerify => l.t("a signature over the handshake so far, made with the certificate's private key", "对到此为止的握手消息的签名，用证书对应的私钥签出").into(),
            HandshakeKind::Finished => l.t("Finished: a MAC over the handshake messages before it, so both sides know they saw the same handshake", "Finished：对它之前全部握手消息的 MAC，双方借此确认看到的是同一场握手").into(),
            _ => return None,
        });
    }
    if let Some(a) = t.alerts.first() {
        return Some(if a.description == "close_notify" {
            l.t("TLS session closes cleanly", "TLS 会话正常关闭").into()
        } else {
            l.t("TLS alert", "TLS 告警").into()
        });
    }
    if t.records
        .iter()
        .any(|r| r.content_type == ContentType::ApplicationData)
    {
        return Some(
            l.t(
                "encrypted data: only sizes and timing are visible",
                "加密数据：只能看到大小和时间",
            )
            .into(),
        );
    }
    if t.records
        .iter()
        .any(|r| r.content_type == ContentType::ChangeCipherSpec)
    {
        return Some(
            l.t("switches to the negotiated keys", "切换到协商好的密钥")
                .into(),
        );
    }
    None
}

pub(super) fn http_summary(h: &HttpMessage) -> String {
    if let Some(method) = &h.method {
        let mut s = format!(
            "{} {}",
            escape(method),
            escape(h.target.as_deref().unwrap_or(""))
        );
        if let Some(host) = &h.host {
            let _ = write!(s, " Host: {}", escape(host));
        }
        s
    } else {
        let mut s = format!(
            "{} {}",
            h.status.unwrap_or(0),
            escape(h.reason.as_deref().unwrap_or(""))
        );
        if let Some(loc) = &h.location {
            let _ = write!(s, " → {}", escape(loc));
        }
        s
    }
}

pub(super) fn dhcp_summary(d: &DhcpMessage) -> String {
    let mut s = d.message_type.map_or("BOOTP", |t| t.as_str()).to_string();
    if let Some(ip) = d.your_ip {
        let _ = write!(s, " {ip}");
    } else if let Some(ip) = d.requested_ip {
        let _ = write!(s, " {ip}?");
    }
    let _ = write!(s, " for {}", d.client_mac);
    if let Some(ip) = d.server_id {
        let _ = write!(s, " server {ip}");
    }
    if let Some(m) = d.subnet_mask {
        let _ = write!(s, " mask {m}");
    }
    if let Some(r) = d.router.first() {
        let _ = write!(s, " router {r}");
    }
    if !d.dns_servers.is_empty() {
        let dns: Vec<String> = d.dns_servers.iter().map(|i| i.to_string()).collect();
        let _ = write!(s, " dns {}", dns.join(","));
    }
    if let Some(l) = d.lease_time {
        let _ = write!(s, " lease {l}s");
    }
    if let Some(m) = &d.message {
        let _ = write!(s, " \"{}\"", escape(m));
    }
    let _ = write!(s, " (xid 0x{})", d.xid);
    s
}

pub(super) fn dhcp_meaning(d: &DhcpMessage, l: Lang) -> Option<String> {
    Some(
        match d.message_type? {
            DhcpMessageType::Discover => l.t(
                "a client with no address looks for a DHCP server",
                "还没有地址的客户端寻找 DHCP 服务器",
            ),
            DhcpMessageType::Offer => l.t(
                "a server offers an address, with the gateway and resolvers to use",
                "服务器提供一个地址，以及要用的网关和 DNS 服务器",
            ),
            DhcpMessageType::Request if d.server_id.is_some() => l.t(
                "the client takes one server's offer (and tells the others no)",
                "客户端接受其中一个服务器的提供（也就告诉了其他服务器不用了）",
            ),
            DhcpMessageType::Request => l.t(
                "the client asks to keep (renew) its address",
                "客户端请求继续使用（续租）自己的地址",
            ),
            DhcpMessageType::Ack => l.t(
                "the server confirms: the client may now use the address",
                "服务器确认：客户端现在可以使用这个地址",
            ),
            DhcpMessageType::Nak => l.t(
                "the server refuses: the client must start over",
                "服务器拒绝：客户端必须从头开始",
            ),
            DhcpMessageType::Release => {
                l.t("the client gives its address back", "客户端归还自己的地址")
            }
            DhcpMessageType::Decline => l.t(
                "the client found the address already in use",
                "客户端发现这个地址已经有人在用",
            ),
            DhcpMessageType::Inform => l.t(
                "a client with an address asks only for settings",
                "已有地址的客户端只请求配置参数",
            ),
            _ => return None,
        }
        .into(),
    )
}

pub(super) fn websocket_summary(f: &WsFrame) -> String {
    let mut s = String::from(f.kind);
    if !f.fin {
        s.push_str(" (not FIN)");
    }
    if f.masked {
        s.push_str(" masked");
    }
    if f.compressed {
        s.push_str(" compressed");
    }
    let _ = write!(s, " len={}", f.payload_len);
    if let Some(code) = f.close_code {
        let _ = write!(s, " code={code}");
        if let Some(m) = f.close_meaning {
            let _ = write!(s, " ({m})");
        }
    }
    if let Some(r) = &f.close_reason {
        let _ = write!(s, " reason=\"{}\"", escape(r));
    }
    if let Some(t) = &f.text {
        let _ = write!(s, " \"{}\"", escape(t));
    }
    s
}

pub(super) fn websocket_meaning(f: &WsFrame, l: Lang) -> Option<String> {
    Some(
        match f.opcode {
            0x8 => l.t(
                "closing handshake: the side that receives it answers with its own close",
                "关闭握手：收到的一方用自己的关闭帧回答",
            ),
            0x9 => l.t(
                "ping: the peer must answer with a pong",
                "ping：对方必须回一个 pong",
            ),
            0xa => l.t(
                "pong: the answer to a ping (or a heartbeat)",
                "pong：对 ping 的回答（或心跳）",
            ),
            0x0 => l.t("continues a fragmented message", "分片消息的后续部分"),
            _ if !f.fin => l.t("first fragment of a message", "消息的第一个分片"),
            _ => return None,
        }
        .into(),
    )
}

pub(super) fn http_meaning(h: &HttpMessage, l: Lang) -> Option<String> {
    if let Some(m) = &h.method {
        if h.websocket_key.is_some() {
            return Some(
                l.t(
                    "asks to switch the connection to WebSocket",
                    "请求把连接切换到 WebSocket",
                )
                .into(),
            );
        }
        return Some(match m.as_str() {
            "GET" => l
                .t(
                    "asks for a resource (safe, idempotent)",
                    "请求一个资源（安全、幂等）",
                )
                .into(),
            "HEAD" => l.t("asks for the headers only", "只请求首部").into(),
            "POST" => l
                .t(
                    "sends data to be processed (not idempotent)",
                    "提交数据供服务器处理（非幂等）",
                )
                .into(),
            _ => match l {
                Lang::En => format!("{} request", escape(m)),
                Lang::Zh => format!("{} 请求", escape(m)),
            },
        });
    }
    let status = h.status?;
    Some(match status {
        101 => match h.websocket_accept_valid {
            Some(true) => l
                .t(
                    "switches to WebSocket; the accept value matches the key",
                    "切换到 WebSocket；accept 值与 key 相符",
                )
                .into(),
            Some(false) => l
                .t(
                    "switches to WebSocket, but the accept value does not match the key",
                    "切换到 WebSocket，但 accept 值与 key 不符",
                )
                .into(),
            None => l
                .t(
                    "switches protocols (e.g. to WebSocket)",
                    "切换协议（例如切换到 WebSocket）",
                )
                .into(),
        },
        200..=299 => l.t("success", "成功").into(),
        301 | 308 => l
            .t(
                "moved permanently: the client follows the new location",
                "永久移动：客户端跟随新的位置",
            )
            .into(),
        302 | 303 | 307 => l
            .t(
                "moved temporarily: the client follows the new location",
                "临时移动：客户端跟随新的位置",
            )
            .into(),
        304 => l
            .t(
                "not modified: the cached copy is still good",
                "未修改：缓存的副本仍然有效",
            )
            .into(),
        400..=499 => l.t("client error", "客户端错误").into(),
        500..=599 => l.t("server error", "服务器错误").into(),
        _ => return None,
    })
}

/// One HTTP/2 frame: its type and stream, a request's method, authority
/// and path or a response's status (escaped), a DATA frame's length.
pub(super) fn http2_summary(f: &crate::decode::http2::H2Frame) -> String {
    use crate::decode::http2::H2FrameType;
    let mut s = format!("{} stream {}", f.kind.name().to_uppercase(), f.stream);
    for [n, v] in f.headers.iter().flatten() {
        if matches!(n.as_str(), ":method" | ":authority" | ":path" | ":status") {
            let _ = write!(s, " {}", escape(v));
        }
    }
    match f.kind {
        H2FrameType::Data => {
            let _ = write!(s, " {} B", f.length);
        }
        H2FrameType::Settings if f.flags & crate::decode::http2::ACK != 0 => s.push_str(" ACK"),
        H2FrameType::WindowUpdate => {
            if let Some(i) = f.increment {
                let _ = write!(s, " +{i}");
            }
        }
        _ => {}
    }
    if f.ends_stream() {
        s.push_str(" END_STREAM");
    }
    if let Some(e) = &f.error_code {
        let _ = write!(s, " {}", escape(e));
    }
    s
}

/// What the first HTTP/2 frame of a TCP frame means, when it says more
/// than its type.
pub(super) fn http2_meaning(frames: &[crate::decode::http2::H2Frame], l: Lang) -> Option<String> {
    use crate::decode::http2::H2FrameType;
    let headers = frames.iter().find(|f| f.headers.is_some());
    if let Some(h) = headers {
        if h.header(":method").is_some() {
            return Some(
                l.t(
                    "a request on its own HTTP/2 stream, its fields compressed with HPACK",
                    "一个请求，占用自己的 HTTP/2 流，字段用 HPACK 压缩",
                )
                .into(),
            );
        }
        if h.header(":status").is_some() {
            return Some(
                l.t(
                    "the response's head, on the stream of its request",
                    "响应头，走在对应请求的同一条流上",
                )
                .into(),
            );
        }
    }
    let first = frames.first()?;
    Some(
        match first.kind {
            H2FrameType::Settings if first.flags & crate::decode::http2::ACK != 0 => l.t(
                "the peer acknowledges the settings it received",
                "对方确认收到了设置",
            ),
            H2FrameType::Settings => l.t(
                "connection settings for HTTP/2 (stream 0)",
                "HTTP/2 的连接设置（流 0）",
            ),
            H2FrameType::WindowUpdate => l.t(
                "flow control: the receiver lets the sender send more",
                "流量控制：接收方允许对方多发一些数据",
            ),
            H2FrameType::Goaway => l.t(
                "the sender will open no new streams on this connection",
                "发送方不会再在这条连接上处理新的流",
            ),
            H2FrameType::RstStream => l.t(
                "one stream is cancelled; the connection stays",
                "取消一条流，连接保留",
            ),
            H2FrameType::Ping => l.t(
                "a PING, to be answered with an ACK",
                "PING，对方要回一个 ACK",
            ),
            H2FrameType::Data => l.t(
                "response or request body bytes on a stream",
                "流上的正文数据",
            ),
            _ => return None,
        }
        .into(),
    )
}
