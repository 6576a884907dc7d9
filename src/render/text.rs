//! The per-packet terminal view: one line per frame with what it means in
//! the page-load story, `-v` for every decoded field, and the closing
//! summary.

use super::escape;
use crate::decode::dns::{DnsMessage, DnsRecord};
use crate::decode::tls::{self, TlsHandshake};
use crate::decode::{dhcp::DhcpMessage, http::HttpMessage, websocket::WsFrame, Packet};
use crate::pipeline::{Stopped, Summary};
use colored::Colorize;
use std::fmt::Write as _;

/// Writes the one-line view of a packet. `t0` is the first frame's time.
/// Written straight into `out`: this runs once per frame.
pub fn packet_line(p: &Packet, t0: f64, out: &mut String) {
    packet_line_timed(p, TimeFormat::Relative, t0, out)
}

/// How the time column of a packet line is written, as tcpdump's `-t`
/// options choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the first frame (the default).
    Relative,
    /// No time column (`-t`).
    None,
    /// Seconds since the epoch (`-tt`).
    Epoch,
    /// Seconds since the previous frame shown (`-ttt`); `t0` is that frame's time.
    Delta,
    /// Date and time of day, UTC (`-tttt`).
    Date,
}

/// "2024-05-01 12:34:56.123456" (UTC) for epoch seconds.
pub fn utc_date(ts: f64) -> String {
    let secs = ts.floor() as i64;
    let micros = ((ts - ts.floor()) * 1e6).round().min(999_999.0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A packet line with the time column in `time` format; `t0` is the first
/// frame's time (relative) or the previous frame's (delta).
pub fn packet_line_timed(p: &Packet, time: TimeFormat, t0: f64, out: &mut String) {
    let color = colored::control::SHOULD_COLORIZE.should_colorize();
    let _ = match time {
        TimeFormat::Relative | TimeFormat::Delta => {
            write!(out, "{:>6} {:>10.6} ", p.frame, (p.ts - t0).max(0.0))
        }
        TimeFormat::None => write!(out, "{:>6} ", p.frame),
        TimeFormat::Epoch => write!(out, "{:>6} {:.6} ", p.frame, p.ts),
        TimeFormat::Date => write!(out, "{:>6} {} ", p.frame, utc_date(p.ts)),
    };
    write_endpoints(p, out);
    let (proto, summary, meaning) = describe(p);
    out.push(' ');
    push_styled(out, proto, color, |s| s.bold());
    out.push(' ');
    if let Some(labels) = p.tcp.as_ref().and_then(tcp_analysis_labels) {
        push_styled(out, &labels, color, |s| s.yellow());
        out.push(' ');
    }
    out.push_str(&summary);
    if let Some(m) = meaning {
        out.push(' ');
        push_styled(out, &format!("— {m}"), color, |s| s.cyan());
    }
    if p.truncated {
        out.push(' ');
        push_styled(out, "[truncated]", color, |s| s.yellow());
    }
    if !p.errors.is_empty() {
        out.push(' ');
        let problems = format!("[{} problem(s)]", p.errors.len());
        push_styled(out, &problems, color, |s| s.red());
    }
    out.push('\n');
}

/// Appends `text`, styled when colour is on; plain, it is copied as is.
fn push_styled(
    out: &mut String,
    text: &str,
    color: bool,
    style: fn(&str) -> colored::ColoredString,
) {
    if color {
        let _ = write!(out, "{}", style(text));
    } else {
        out.push_str(text);
    }
}

/// The TCP analysis as tshark's packet list shows it: "[TCP Dup ACK 12#1]",
/// "[TCP Retransmission]", … A fast or spurious retransmission is named as
/// such, not also as a plain one.
fn tcp_analysis_labels(t: &crate::decode::tcp::TcpInfo) -> Option<String> {
    let has = |name: &str| t.analysis.contains(&name);
    let mut labels: Vec<String> = Vec::new();
    if has("zero_window_probe") {
        labels.push("[TCP ZeroWindowProbe]".into());
    }
    if has("zero_window_probe_ack") {
        labels.push("[TCP ZeroWindowProbeAck]".into());
    }
    if has("keep_alive") {
        labels.push("[TCP Keep-Alive]".into());
    }
    if has("keep_alive_ack") {
        labels.push("[TCP Keep-Alive ACK]".into());
    }
    if has("window_update") {
        labels.push("[TCP Window Update]".into());
    }
    if has("window_full") {
        labels.push("[TCP Window Full]".into());
    }
    if has("zero_window") {
        labels.push("[TCP ZeroWindow]".into());
    }
    if has("lost_segment") {
        labels.push("[TCP Previous segment not captured]".into());
    }
    if has("ack_lost_segment") {
        labels.push("[TCP ACKed unseen segment]".into());
    }
    if has("dup_ack") {
        match (t.dup_ack_of, t.dup_ack_number) {
            (Some(of), Some(n)) => labels.push(format!("[TCP Dup ACK {of}#{n}]")),
            _ => labels.push("[TCP Dup ACK]".into()),
        }
    }
    if has("fast_retransmission") {
        labels.push("[TCP Fast Retransmission]".into());
    } else if has("spurious_retransmission") {
        labels.push("[TCP Spurious Retransmission]".into());
    } else if has("retransmission") {
        labels.push("[TCP Retransmission]".into());
    }
    if has("out_of_order") {
        labels.push("[TCP Out-Of-Order]".into());
    }
    (!labels.is_empty()).then(|| labels.join(" "))
}

/// "src → dst": addresses with ports, else hardware addresses.
fn write_endpoints(p: &Packet, out: &mut String) {
    if let Some(ip) = &p.ip {
        let _ = match p.ports() {
            Some((s, d)) if ip.version == 6 => {
                write!(out, "[{}]:{s} → [{}]:{d}", ip.src, ip.dst)
            }
            Some((s, d)) => write!(out, "{}:{s} → {}:{d}", ip.src, ip.dst),
            None => write!(out, "{} → {}", ip.src, ip.dst),
        };
    } else if let Some(e) = &p.eth {
        let _ = write!(out, "{} → {}", e.src, e.dst);
    } else {
        out.push_str("? → ?");
    }
}

/// Protocol label, summary of the top layer, and its meaning in the story.
fn describe(p: &Packet) -> (&'static str, String, Option<String>) {
    if let Some(d) = &p.dns {
        let mut s = dns_summary(d);
        for more in &p.dns_more {
            s.push_str("; ");
            s.push_str(&dns_summary(more));
        }
        let label = match d.protocol {
            "mdns" => "MDNS",
            "llmnr" => "LLMNR",
            _ => "DNS",
        };
        return (label, s, dns_meaning(d));
    }
    if let Some(t) = &p.tls {
        if !t.handshakes.is_empty() || !t.alerts.is_empty() {
            let mut parts: Vec<String> = t.handshakes.iter().map(handshake_summary).collect();
            parts.extend(
                t.alerts
                    .iter()
                    .map(|a| format!("Alert {} {}", escape(&a.level), escape(&a.description))),
            );
            return ("TLS", parts.join("; "), tls_meaning(t));
        }
        if !t.records.is_empty() {
            let kinds: Vec<String> = t
                .records
                .iter()
                .map(|r| format!("{} ({} bytes)", r.content_type.replace('_', " "), r.length))
                .collect();
            return ("TLS", kinds.join(", "), tls_meaning(t));
        }
    }
    if let Some(q) = &p.quic {
        return quic_line(q, &p.quic_more);
    }
    if let Some(h) = p.http.first() {
        let parts: Vec<String> = p.http.iter().map(http_summary).collect();
        return ("HTTP", parts.join("; "), http_meaning(h));
    }
    if let Some(d) = &p.dhcp {
        return ("DHCP", dhcp_summary(d), dhcp_meaning(d));
    }
    if let Some(f) = p.websocket.first() {
        let parts: Vec<String> = p.websocket.iter().map(websocket_summary).collect();
        return ("WebSocket", parts.join("; "), websocket_meaning(f));
    }
    if let Some(t) = &p.tcp {
        let mut s = format!("[{}]", t.flags);
        if let Some(r) = t.rel_seq {
            let _ = write!(s, " seq={r}");
        } else {
            let _ = write!(s, " seq={}", t.seq);
        }
        if let Some(a) = t.rel_ack {
            let _ = write!(s, " ack={a}");
        }
        let _ = write!(s, " win={} len={}", t.window, t.payload_len);
        let o = &t.options;
        if let Some(m) = o.mss {
            let _ = write!(s, " MSS={m}");
        }
        if let Some(w) = o.wscale {
            let _ = write!(s, " WS={}", 1u32 << w.min(14));
        }
        if o.sack_permitted {
            s.push_str(" SACK_PERM");
        }
        if !o.sack.is_empty() {
            let _ = write!(s, " SACK×{}", o.sack.len());
        }
        if o.timestamps.is_some() {
            s.push_str(" TS");
        }
        if o.tfo.is_some() {
            s.push_str(" TFO");
        }
        return ("TCP", s, tcp_meaning(p));
    }
    if let Some(n) = &p.ndp {
        return ("NDP", ndp_summary(n), Some(ndp_meaning(n)));
    }
    if let Some(i) = &p.icmp {
        return (
            if i.version == 6 { "ICMPv6" } else { "ICMP" },
            i.summary.clone(),
            None,
        );
    }
    if let Some(u) = &p.udp {
        return ("UDP", format!("len={}", u.length), None);
    }
    if let Some(a) = &p.arp {
        return ("ARP", arp_summary(a), arp_meaning(a));
    }
    if let Some(ip) = &p.ip {
        return ("IP", format!("protocol {}", ip.proto), None);
    }
    ("?", format!("{} bytes", p.caplen), None)
}

fn arp_summary(a: &crate::decode::arp::ArpInfo) -> String {
    match a.op.as_str() {
        "request" => format!("who-has {}? tell {}", a.target_ip, a.sender_ip),
        "reply" => format!("{} is-at {}", a.sender_ip, a.sender_mac),
        other => format!("{other} {} → {}", a.sender_ip, a.target_ip),
    }
}

fn arp_meaning(a: &crate::decode::arp::ArpInfo) -> Option<String> {
    Some(match (a.kind, a.op.as_str()) {
        (Some("probe"), _) => "address conflict probe: is anyone using this IP?".into(),
        (Some("gratuitous"), _) => "gratuitous ARP: announces its own address".into(),
        (_, "request") => "next-hop lookup: which MAC address has this IP?".into(),
        (_, "reply") => "next-hop answer: frames for this IP go to this MAC".into(),
        _ => return None,
    })
}

fn ndp_summary(n: &crate::decode::ndp::NdpInfo) -> String {
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

fn ndp_meaning(n: &crate::decode::ndp::NdpInfo) -> String {
    match n.kind {
        "neighbor_solicitation" => "IPv6 next-hop lookup (the IPv6 ARP request)".into(),
        "neighbor_advertisement" => "IPv6 next-hop answer (the IPv6 ARP reply)".into(),
        "router_solicitation" => "asks routers on the link to announce themselves".into(),
        _ => "a router announces itself and the link's prefixes".into(),
    }
}

fn record_data(r: &DnsRecord) -> String {
    format!("{} {}", r.rtype, escape(&r.data))
}

fn dns_summary(d: &DnsMessage) -> String {
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

fn dns_meaning(d: &DnsMessage) -> Option<String> {
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

fn tcp_meaning(p: &Packet) -> Option<String> {
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
fn quic_line(
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

fn version_list(h: &TlsHandshake) -> String {
    h.supported_versions.join(", ")
}

fn frames_span(frames: &[u64]) -> Option<String> {
    match frames {
        [] | [_] => None,
        [first, .., last] => Some(format!("reassembled from frames {first}–{last}")),
    }
}

fn handshake_summary(h: &TlsHandshake) -> String {
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

fn tls_meaning(t: &crate::decode::tls::TlsInfo) -> Option<String> {
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

fn http_summary(h: &HttpMessage) -> String {
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

fn dhcp_summary(d: &DhcpMessage) -> String {
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

fn dhcp_meaning(d: &DhcpMessage) -> Option<String> {
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

fn websocket_summary(f: &WsFrame) -> String {
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

fn websocket_meaning(f: &WsFrame) -> Option<String> {
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

fn http_meaning(h: &HttpMessage) -> Option<String> {
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

/// Writes every decoded field, layer by layer.
pub fn packet_verbose(p: &Packet, out: &mut String) {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(p) else {
        return;
    };
    // Layers in the order they are on the wire, not alphabetically.
    const WIRE_ORDER: &[&str] = &[
        "eth",
        "vlan",
        "sll",
        "arp",
        "ndp",
        "ip",
        "icmp",
        "tcp",
        "udp",
        "dhcp",
        "dns",
        "dns_more",
        "quic",
        "quic_more",
        "tls",
        "http",
        "websocket",
        "errors",
    ];
    let rank = |k: &str| {
        WIRE_ORDER
            .iter()
            .position(|w| *w == k)
            .unwrap_or(WIRE_ORDER.len())
    };
    let mut layers: Vec<(&String, &serde_json::Value)> = map.iter().collect();
    layers.sort_by_key(|(k, _)| rank(k));
    for (key, value) in layers {
        if value.is_object() || value.is_array() {
            let _ = writeln!(out, "    {}", layer_title(key).bold());
            write_value(value, 3, out);
        }
    }
}

fn layer_title(key: &str) -> String {
    match key {
        "eth" => "Ethernet".into(),
        "vlan" => "VLAN tags".into(),
        "sll" => "Linux cooked header".into(),
        "ip" => "IP".into(),
        "dns" => "DNS".into(),
        "dns_more" => "More DNS messages".into(),
        "quic_more" => "More QUIC packets (coalesced)".into(),
        "errors" => "Problems".into(),
        other => other.to_uppercase(),
    }
}

fn write_value(v: &serde_json::Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if v.is_object()
                    || (v.is_array()
                        && v.as_array()
                            .is_some_and(|a| a.iter().any(|x| x.is_object())))
                {
                    let _ = writeln!(out, "{pad}{k}:");
                    write_value(v, depth + 1, out);
                } else if let Some(named) = named_numbers(k, v) {
                    let _ = writeln!(out, "{pad}{k}: {named}");
                } else {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(v));
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    let _ = writeln!(out, "{pad}[{i}]");
                    write_value(item, depth + 1, out);
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

/// TLS code points written with their IANA names: "0x1301
/// TLS_AES_128_GCM_SHA256", "x25519 (0x001d)"; unknown ones as hex.
fn named_numbers(key: &str, v: &serde_json::Value) -> Option<String> {
    let name: fn(u16) -> Option<&'static str> = match key {
        "cipher_suites" | "cipher_suite" => tls::cipher_suite_name,
        "supported_groups" | "key_share_groups" => tls::group_name,
        "signature_algorithms" => tls::signature_scheme_name,
        "extensions" => tls::extension_name,
        _ => return None,
    };
    let one = |x: &serde_json::Value| -> Option<String> {
        let n = u16::try_from(x.as_u64()?).ok()?;
        Some(match name(n) {
            Some(s) => format!("{s} (0x{n:04x})"),
            None if tls::is_grease(n) => format!("GREASE (0x{n:04x})"),
            None => format!("0x{n:04x}"),
        })
    };
    match v {
        serde_json::Value::Array(a) => a
            .iter()
            .map(one)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(", ")),
        x => one(x),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => escape(s).into_owned(),
        serde_json::Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The closing summary.
pub fn summary(s: &Summary, out: &mut String) {
    let _ = writeln!(out, "{}", "Summary".bold());
    match s.stopped {
        Some(Stopped::Signal) => {
            let _ = writeln!(out, "  reading stopped by a signal (SIGINT or SIGTERM)");
        }
        Some(Stopped::Count) if s.frames == 0 => {
            let _ = writeln!(out, "  no frames read: the frame count asked for (-c) is 0");
        }
        Some(Stopped::Count) => {}
        None if s.frames == 0 => {
            let _ = writeln!(out, "  the capture holds no frames");
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "  {} frames, {} bytes, {:.3} s, {}",
        s.frames,
        s.bytes,
        s.duration(),
        escape(&s.format)
    );
    let lt: Vec<String> = s
        .linktypes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !lt.is_empty() {
        let _ = writeln!(out, "  link types: {}", lt.join(", "));
    }
    for (k, v) in &s.unsupported_linktypes {
        let _ = writeln!(out, "  {v} frames of link type {k} were not decoded");
    }
    if s.frames_with_errors > 0 || s.truncated_frames > 0 {
        let _ = writeln!(
            out,
            "  frames with problems: {}, cut short by the snap length: {}",
            s.frames_with_errors, s.truncated_frames
        );
    }
    let f = &s.flow;
    let _ = writeln!(
        out,
        "  TCP conversations: {}, DNS queries: {} ({} answered)",
        f.tcp_conversations, f.dns_queries, f.dns_responses_matched
    );
    if f.bytes_dropped_at_bounds > 0 || f.conversations_evicted > 0 || f.dns_pending_dropped > 0 {
        let _ = writeln!(
            out,
            "  {} bounds reached: {} bytes not reassembled, {} conversations evicted, {} DNS queries not remembered",
            "!".yellow(),
            f.bytes_dropped_at_bounds,
            f.conversations_evicted,
            f.dns_pending_dropped
        );
    }
    if f.stream_gaps > 0 {
        let _ = writeln!(
            out,
            "  {} stream(s) with bytes the capture does not hold",
            f.stream_gaps
        );
    }
    if s.skipped_blocks > 0 {
        let _ = writeln!(
            out,
            "  {} pcapng blocks without packets skipped",
            s.skipped_blocks
        );
    }
}

/// The conversation table, one row per TCP connection or UDP flow.
pub fn conversations(
    rows: &[&crate::flow::conversations::Conversation],
    t0: f64,
    out: &mut String,
) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "{:<5} {:<4} {:<42} {:<42} {:<23} {:<12} {:>15} {:>21} {:>9} {:>9}  application",
        "#",
        "",
        "client",
        "server",
        "state (client/server)",
        "history",
        "packets →/←",
        "bytes →/←",
        "start",
        "duration",
    );
    for r in rows {
        let state = match (r.client_state, r.server_state) {
            (Some(c), Some(s)) => format!("{}/{}", state_name(c), state_name(s)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<5} {:<4} {:<42} {:<42} {:<23} {:<12} {:>15} {:>21} {:>9.3} {:>9.3}  {}{}",
            r.stream.map(|s| s.to_string()).unwrap_or_default(),
            r.proto,
            r.client,
            r.server,
            state,
            super::escape(&r.history),
            format!("{}/{}", r.client_packets, r.server_packets),
            format!("{}/{}", r.client_bytes, r.server_bytes),
            r.start - t0,
            r.duration,
            super::escape(r.app.as_deref().unwrap_or("")),
            if r.partial {
                " (began before the capture)"
            } else {
                ""
            }
        );
    }
}

/// The table's name for a state: the RFC's, but SYN_RCVD for SYN_RECEIVED
/// so that a pair of states fits the column.
fn state_name(s: crate::flow::conversations::TcpState) -> &'static str {
    use crate::flow::conversations::TcpState;
    match s {
        TcpState::SynReceived => "SYN_RCVD",
        other => other.name().unwrap_or("?"),
    }
}

/// The conversation table in at most 100 columns: client and server
/// columns as wide as the longest address, the TCP states and history left
/// to `--wide`, the application cut to what is left.
pub fn conversations_narrow(
    rows: &[&crate::flow::conversations::Conversation],
    t0: f64,
    out: &mut String,
) {
    const MAX: usize = 100;
    let counts: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r.client_packets, r.server_packets),
                format!("{}/{}", r.client_bytes, r.server_bytes),
            )
        })
        .collect();
    let w = |it: &mut dyn Iterator<Item = usize>, min: usize| it.max().unwrap_or(0).max(min);
    let wn = w(
        &mut rows
            .iter()
            .map(|r| r.stream.map_or(0, |s| s.to_string().len())),
        1,
    );
    let wc = w(&mut rows.iter().map(|r| r.client.len()), 6);
    let ws = w(&mut rows.iter().map(|r| r.server.len()), 6);
    let wp = w(&mut counts.iter().map(|c| c.0.len()), 7);
    let wb = w(&mut counts.iter().map(|c| c.1.len()), 7);
    let fixed = wn + 1 + 4 + 1 + wc + 1 + ws + 1 + wp + 1 + wb + 1 + 8 + 1 + 8 + 2;
    let app_room = MAX.saturating_sub(fixed).max(8);
    let head = format!(
        "{:<wn$} {:<4} {:<wc$} {:<ws$} {:>wp$} {:>wb$} {:>8} {:>8}  {}",
        "#",
        "",
        "client",
        "server",
        "packets",
        "bytes",
        "start",
        "duration",
        if app_room >= 11 { "application" } else { "app" },
    );
    out.push_str(&head);
    out.push('\n');
    for (r, (packets, bytes)) in rows.iter().zip(&counts) {
        let mut app = super::escape(r.app.as_deref().unwrap_or("")).into_owned();
        if r.partial {
            app.push_str(" (partial)");
        }
        // An application that does not fit goes on a line of its own
        // under the row, cut to the width only if even that is too short.
        let indent = wn + 1 + 5;
        let below = textwrap::core::display_width(&app) > app_room;
        let room = if below { MAX - indent } else { app_room };
        if textwrap::core::display_width(&app) > room {
            let mut cut = String::new();
            for c in app.chars() {
                if textwrap::core::display_width(&cut) + 2 > room {
                    break;
                }
                cut.push(c);
            }
            cut.push('…');
            app = cut;
        }
        let (app, under) = if below {
            (String::new(), Some(app))
        } else {
            (app, None)
        };
        let line = format!(
            "{:<wn$} {:<4} {:<wc$} {:<ws$} {:>wp$} {:>wb$} {:>8.3} {:>8.3}  {}",
            r.stream.map(|s| s.to_string()).unwrap_or_default(),
            r.proto,
            r.client,
            r.server,
            packets,
            bytes,
            r.start - t0,
            r.duration,
            app,
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if let Some(u) = under {
            let _ = writeln!(out, "{}{u}", " ".repeat(indent));
        }
    }
}
