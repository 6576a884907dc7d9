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

pub(super) fn arp_meaning(a: &crate::decode::arp::ArpInfo) -> Option<String> {
    Some(match (a.kind, a.op) {
        (Some(ArpKind::Probe), _) => "address conflict probe: is anyone using this IP?".into(),
        (Some(ArpKind::Gratuitous), _) => "gratuitous ARP: announces its own address".into(),
        (_, ArpOp::Request) => "next-hop lookup: which MAC address has this IP?".into(),
        (_, ArpOp::Reply) => "next-hop answer: frames for this IP go to this MAC".into(),
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

pub(super) fn ndp_meaning(n: &crate::decode::ndp::NdpInfo) -> String {
    match n.kind {
        NdpKind::NeighborSolicitation => "IPv6 next-hop lookup (the IPv6 ARP request)".into(),
        NdpKind::NeighborAdvertisement => "IPv6 next-hop answer (the IPv6 ARP reply)".into(),
        NdpKind::RouterSolicitation => "asks routers on the link to announce themselves".into(),
        _ => "a router announces itself and the link's prefixes".into(),
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

pub(super) fn dns_meaning(d: &DnsMessage) -> Option<String> {
    if d.protocol != DnsProtocol::Dns {
        return Some("local-link name discovery, not part of a page load".into());
    }
    if !d.response {
        return Some(if d.flags.has(Flag::Rd) {
            "name lookup: asks the resolver to do the whole search (recursion desired)".into()
        } else {
            "name lookup without recursion: a resolver walking the hierarchy".into()
        });
    }
    Some(match d.rcode {
        // RFC 1035 §4.2.1, RFC 7766 §5: too big for UDP, ask over TCP.
        _ if d.flags.has(Flag::Tc) => {
            "the answer did not fit in a UDP datagram (truncated): the client asks again over TCP"
                .into()
        }
        Rcode::NXDOMAIN => "the name does not exist".into(),
        Rcode::NOERROR if d.answers.is_empty() => {
            "the name exists but has no record of this type".into()
        }
        Rcode::NOERROR => {
            let cname = d.answers.iter().any(|r| r.rtype == RType::CNAME);
            let min_ttl = d.answers.iter().map(|r| r.ttl).min().unwrap_or(0);
            format!(
                "name resolved{}; cacheable for {min_ttl} s",
                if cname {
                    " through an alias (CNAME)"
                } else {
                    ""
                }
            )
        }
        other => format!("lookup failed ({other})"),
    })
}

pub(super) fn tcp_meaning(p: &Packet) -> Option<String> {
    let t = p.tcp.as_ref()?;
    let role = t.role?;
    Some(match role {
        TcpRole::Syn => format!("handshake 1/3: client opens, ISN {}", t.seq),
        TcpRole::SynAck => format!(
            "handshake 2/3: server accepts, ISN {}, ack = client ISN + 1",
            t.seq
        ),
        TcpRole::HandshakeAck => "handshake 3/3: connection established".into(),
        TcpRole::SynRetransmission => "SYN sent again: no answer yet".into(),
        TcpRole::SynAckRetransmission => "SYN-ACK sent again".into(),
        TcpRole::FirstFin => format!(
            "teardown: {} closes first",
            t.from.map_or("one side", Side::as_str)
        ),
        TcpRole::SecondFin => format!(
            "teardown: {} closes too",
            t.from.map_or("the other side", Side::as_str)
        ),
        TcpRole::LastAck => format!(
            "teardown: last ACK; the {} waits in TIME_WAIT",
            t.from.map_or("first closer", Side::as_str)
        ),
        TcpRole::FinRetransmission => "FIN sent again".into(),
        TcpRole::Reset => format!(
            "{} aborts the connection (RST)",
            t.from.map_or("one side", Side::as_str)
        ),
    })
}

/// A datagram's QUIC packets; the hellos its CRYPTO frames completed.
pub(super) fn quic_line(
    first: &crate::decode::quic::QuicPacket,
    more: &[crate::decode::quic::QuicPacket],
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
            HandshakeKind::ClientHello => "QUIC and TLS 1.3 handshakes start together: the ClientHello travels in CRYPTO frames of Initial packets",
            HandshakeKind::ServerHello => "the server's Initial carries its ServerHello; what follows is encrypted with handshake keys",
            _ => "a TLS handshake message in CRYPTO frames",
        })
    } else if all
        .iter()
        .any(|q| q.long_type == Some(LongType::VersionNegotiation))
    {
        Some("the server does not speak the client's QUIC version and lists the ones it does")
    } else if all.iter().any(|q| q.long_type == Some(LongType::Retry)) {
        Some("the server asks the client to prove its address and send its Initial again")
    } else if all.iter().all(|q| q.header == HeaderForm::Short) {
        Some("1-RTT packet: encrypted application data and acknowledgements")
    } else if all.iter().any(|q| q.long_type == Some(LongType::Handshake)) {
        Some("Handshake packet: the rest of the TLS handshake, encrypted")
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

pub(super) fn tls_meaning(t: &crate::decode::tls::TlsInfo) -> Option<String> {
    if let Some(h) = t.handshakes.first() {
        return Some(match h.kind {
            HandshakeKind::ClientHello => "TLS handshake starts: the client names the site (SNI) and offers what it supports".into(),
            HandshakeKind::ServerHello if h.supported_versions.contains(&TlsVersion::Tls13) => {
                "server picks TLS 1.3: keys come from the key shares; everything after this is encrypted".into()
            }
            HandshakeKind::ServerHello => "server picks version and cipher suite".into(),
            HandshakeKind::HelloRetryRequest => "server asks the client to retry with another key share group".into(),
            HandshakeKind::Certificate => "server proves its identity with a certificate (public key inside)".into(),
            HandshakeKind::ServerKeyExchange => "server's (EC)DHE key share, signed with its certificate's key".into(),
            HandshakeKind::ClientKeyExchange => "client's key share: both sides can now derive the session keys".into(),
            HandshakeKind::EncryptedHandshakeMessage => "Finished, encrypted: the handshake is verified".into(),
            HandshakeKind::NewSessionTicket => "a ticket for resuming the session later".into(),
            _ => return None,
        });
    }
    if let Some(a) = t.alerts.first() {
        return Some(if a.description == "close_notify" {
            "TLS session closes cleanly".into()
        } else {
            "TLS alert".into()
        });
    }
    if t.records
        .iter()
        .any(|r| r.content_type == ContentType::ApplicationData)
    {
        return Some("encrypted data: only sizes and timing are visible".into());
    }
    if t.records
        .iter()
        .any(|r| r.content_type == ContentType::ChangeCipherSpec)
    {
        return Some("switches to the negotiated keys".into());
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

pub(super) fn dhcp_meaning(d: &DhcpMessage) -> Option<String> {
    Some(
        match d.message_type? {
            DhcpMessageType::Discover => "a client with no address looks for a DHCP server",
            DhcpMessageType::Offer => {
                "a server offers an address, with the gateway and resolvers to use"
            }
            DhcpMessageType::Request if d.server_id.is_some() => {
                "the client takes one server's offer (and tells the others no)"
            }
            DhcpMessageType::Request => "the client asks to keep (renew) its address",
            DhcpMessageType::Ack => "the server confirms: the client may now use the address",
            DhcpMessageType::Nak => "the server refuses: the client must start over",
            DhcpMessageType::Release => "the client gives its address back",
            DhcpMessageType::Decline => "the client found the address already in use",
            DhcpMessageType::Inform => "a client with an address asks only for settings",
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

pub(super) fn websocket_meaning(f: &WsFrame) -> Option<String> {
    Some(
        match f.opcode {
            0x8 => "closing handshake: the side that receives it answers with its own close",
            0x9 => "ping: the peer must answer with a pong",
            0xa => "pong: the answer to a ping (or a heartbeat)",
            0x0 => "continues a fragmented message",
            _ if !f.fin => "first fragment of a message",
            _ => return None,
        }
        .into(),
    )
}

pub(super) fn http_meaning(h: &HttpMessage) -> Option<String> {
    if let Some(m) = &h.method {
        if h.websocket_key.is_some() {
            return Some("asks to switch the connection to WebSocket".into());
        }
        return Some(match m.as_str() {
            "GET" => "asks for a resource (safe, idempotent)".into(),
            "HEAD" => "asks for the headers only".into(),
            "POST" => "sends data to be processed (not idempotent)".into(),
            _ => format!("{} request", escape(m)),
        });
    }
    let status = h.status?;
    Some(match status {
        101 => match h.websocket_accept_valid {
            Some(true) => "switches to WebSocket; the accept value matches the key".into(),
            Some(false) => {
                "switches to WebSocket, but the accept value does not match the key".into()
            }
            None => "switches protocols (e.g. to WebSocket)".into(),
        },
        200..=299 => "success".into(),
        301 | 308 => "moved permanently: the client follows the new location".into(),
        302 | 303 | 307 => "moved temporarily: the client follows the new location".into(),
        304 => "not modified: the cached copy is still good".into(),
        400..=499 => "client error".into(),
        500..=599 => "server error".into(),
        _ => return None,
    })
}
