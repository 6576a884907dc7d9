//! Per protocol, the summary a packet line shows and what the packet
//! means in the page-load story: ARP, neighbour discovery, DNS, TCP, QUIC,
//! TLS, HTTP, DHCP, WebSocket.

use super::*;

pub(super) fn arp_summary(a: &crate::decode::arp::ArpInfo) -> String {
    match a.op.as_str() {
        "request" => format!("who-has {}? tell {}", a.target_ip, a.sender_ip),
        "reply" => format!("{} is-at {}", a.sender_ip, a.sender_mac),
        other => format!("{other} {} → {}", a.sender_ip, a.target_ip),
    }
}

pub(super) fn arp_meaning(a: &crate::decode::arp::ArpInfo) -> Option<String> {
    Some(match (a.kind, a.op.as_str()) {
        (Some("probe"), _) => "address conflict probe: is anyone using this IP?".into(),
        (Some("gratuitous"), _) => "gratuitous ARP: announces its own address".into(),
        (_, "request") => "next-hop lookup: which MAC address has this IP?".into(),
        (_, "reply") => "next-hop answer: frames for this IP go to this MAC".into(),
        _ => return None,
    })
}

pub(super) fn ndp_summary(n: &crate::decode::ndp::NdpInfo) -> String {
    let target = n.target.map(|t| t.to_string()).unwrap_or_default();
    let ll = n.lladdr.map(|m| format!(" ({m})")).unwrap_or_default();
    match n.kind {
        "neighbor_solicitation" => format!("who has {target}?{ll}"),
        "neighbor_advertisement" => {
            let flags = if n.flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", n.flags.join(", "))
            };
            format!("{target} is at{ll}{flags}")
        }
        "router_solicitation" => format!("router solicitation{ll}"),
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
        "neighbor_solicitation" => "IPv6 next-hop lookup (the IPv6 ARP request)".into(),
        "neighbor_advertisement" => "IPv6 next-hop answer (the IPv6 ARP reply)".into(),
        "router_solicitation" => "asks routers on the link to announce themselves".into(),
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
    if d.rcode != "NOERROR" {
        let _ = write!(s, " {}", d.rcode.red());
    }
    let answers: Vec<String> = d.answers.iter().map(record_data).collect();
    if !answers.is_empty() {
        let _ = write!(s, " → {}", answers.join(", "));
    } else if d.rcode == "NOERROR" {
        s.push_str(" → no answer records");
    }
    if d.flags.contains(&"TC") {
        s.push_str(" [truncated: retry over TCP]");
    }
    if let Some(ms) = d.latency_ms {
        let _ = write!(s, " in {ms:.1} ms");
    }
    let _ = write!(s, " (id {:#06x})", d.id);
    s
}

pub(super) fn dns_meaning(d: &DnsMessage) -> Option<String> {
    if d.protocol != "dns" {
        return Some("local-link name discovery, not part of a page load".into());
    }
    if !d.response {
        return Some(if d.flags.contains(&"RD") {
            "name lookup: asks the resolver to do the whole search (recursion desired)".into()
        } else {
            "name lookup without recursion: a resolver walking the hierarchy".into()
        });
    }
    Some(match d.rcode.as_str() {
        // RFC 1035 §4.2.1, RFC 7766 §5: too big for UDP, ask over TCP.
        _ if d.flags.contains(&"TC") => {
            "the answer did not fit in a UDP datagram (truncated): the client asks again over TCP"
                .into()
        }
        "NXDOMAIN" => "the name does not exist".into(),
        "NOERROR" if d.answers.is_empty() => {
            "the name exists but has no record of this type".into()
        }
        "NOERROR" => {
            let cname = d.answers.iter().any(|r| r.rtype == "CNAME");
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
        "handshake 1/3" => format!("handshake 1/3: client opens, ISN {}", t.seq),
        "handshake 2/3" => format!(
            "handshake 2/3: server accepts, ISN {}, ack = client ISN + 1",
            t.seq
        ),
        "handshake 3/3" => "handshake 3/3: connection established".into(),
        "syn retransmission" => "SYN sent again: no answer yet".into(),
        "syn-ack retransmission" => "SYN-ACK sent again".into(),
        "close (first FIN)" => format!("teardown: {} closes first", t.from.unwrap_or("one side")),
        "close (second FIN)" => format!(
            "teardown: {} closes too",
            t.from.unwrap_or("the other side")
        ),
        "close (last ACK)" => format!(
            "teardown: last ACK; the {} waits in TIME_WAIT",
            t.from.unwrap_or("first closer")
        ),
        "fin retransmission" => "FIN sent again".into(),
        "reset" => format!(
            "{} aborts the connection (RST)",
            t.from.unwrap_or("one side")
        ),
        other => other.to_string(),
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
    let meaning = if let Some(h) = hellos.first() {
        Some(match h.kind.as_str() {
            "client_hello" => "QUIC and TLS 1.3 handshakes start together: the ClientHello travels in CRYPTO frames of Initial packets",
            "server_hello" => "the server's Initial carries its ServerHello; what follows is encrypted with handshake keys",
            _ => "a TLS handshake message in CRYPTO frames",
        })
    } else if all
        .iter()
        .any(|q| q.long_type == Some("version_negotiation"))
    {
        Some("the server does not speak the client's QUIC version and lists the ones it does")
    } else if all.iter().any(|q| q.long_type == Some("retry")) {
        Some("the server asks the client to prove its address and send its Initial again")
    } else if all.iter().all(|q| q.header == "short") {
        Some("1-RTT packet: encrypted application data and acknowledgements")
    } else if all.iter().any(|q| q.long_type == Some("handshake")) {
        Some("Handshake packet: the rest of the TLS handshake, encrypted")
    } else {
        None
    };
    ("QUIC", s, meaning.map(str::to_string))
}

pub(super) fn version_list(h: &TlsHandshake) -> String {
    h.supported_versions.join(", ")
}

pub(super) fn frames_span(frames: &[u64]) -> Option<String> {
    match frames {
        [] | [_] => None,
        [first, .., last] => Some(format!("reassembled from frames {first}–{last}")),
    }
}

pub(super) fn handshake_summary(h: &TlsHandshake) -> String {
    let mut s = match h.kind.as_str() {
        "client_hello" => "ClientHello".to_string(),
        "server_hello" => "ServerHello".to_string(),
        "hello_retry_request" => "HelloRetryRequest".to_string(),
        other => other.replace('_', " "),
    };
    if let Some(sni) = &h.sni {
        let _ = write!(s, " SNI={}", escape(sni));
    }
    if !h.alpn.is_empty() {
        let alpn: Vec<String> = h.alpn.iter().map(|a| escape(a).into_owned()).collect();
        let _ = write!(s, " ALPN={}", alpn.join(","));
    }
    match h.kind.as_str() {
        "client_hello" => {
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
        "server_hello" | "hello_retry_request" => {
            let version = h
                .supported_versions
                .first()
                .cloned()
                .or_else(|| h.version.clone())
                .unwrap_or_default();
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
        "certificate" => {
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
        "server_key_exchange" => {
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
        return Some(match h.kind.as_str() {
            "client_hello" => "TLS handshake starts: the client names the site (SNI) and offers what it supports".into(),
            "server_hello" if h.supported_versions.iter().any(|v| v == "TLS 1.3") => {
                "server picks TLS 1.3: keys come from the key shares; everything after this is encrypted".into()
            }
            "server_hello" => "server picks version and cipher suite".into(),
            "hello_retry_request" => "server asks the client to retry with another key share group".into(),
            "certificate" => "server proves its identity with a certificate (public key inside)".into(),
            "server_key_exchange" => "server's (EC)DHE key share, signed with its certificate's key".into(),
            "client_key_exchange" => "client's key share: both sides can now derive the session keys".into(),
            "encrypted_handshake_message" => "Finished, encrypted: the handshake is verified".into(),
            "new_session_ticket" => "a ticket for resuming the session later".into(),
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
        .any(|r| r.content_type == "application_data")
    {
        return Some("encrypted data: only sizes and timing are visible".into());
    }
    if t.records
        .iter()
        .any(|r| r.content_type == "change_cipher_spec")
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
    let mut s = d.message_type.unwrap_or("BOOTP").to_string();
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
            "discover" => "a client with no address looks for a DHCP server",
            "offer" => "a server offers an address, with the gateway and resolvers to use",
            "request" if d.server_id.is_some() => {
                "the client takes one server's offer (and tells the others no)"
            }
            "request" => "the client asks to keep (renew) its address",
            "ack" => "the server confirms: the client may now use the address",
            "nak" => "the server refuses: the client must start over",
            "release" => "the client gives its address back",
            "decline" => "the client found the address already in use",
            "inform" => "a client with an address asks only for settings",
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
