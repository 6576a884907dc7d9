//! The one-line view of a frame: time, endpoints, protocol, summary and
//! what it means in the page-load story, and tshark's TCP analysis labels.

use super::meaning::*;
use super::*;
use crate::decode::socks::SocksMessage;
use crate::decode::starttls::TextProto;
use crate::decode::tls::dtls::DtlsInfo;

/// How a packet line is laid out: the time column, the width of the
/// frame-number column and the language of the meanings.
#[derive(Debug, Clone, Copy)]
pub struct LineStyle {
    pub time: TimeFormat,
    /// At least this many columns for the frame number, so the columns
    /// after it do not shift when the numbers grow (see `frame_width`).
    pub frame_width: usize,
    /// The language of the explanatory words (the meaning after "—" and
    /// the markers); field values are never translated.
    pub lang: Lang,
}

impl Default for LineStyle {
    fn default() -> LineStyle {
        LineStyle {
            time: TimeFormat::Relative,
            frame_width: MIN_FRAME_WIDTH,
            lang: Lang::En,
        }
    }
}

/// The frame-number column is never narrower than this (frames up to
/// 999,999).
pub const MIN_FRAME_WIDTH: usize = 6;

/// The frame-number width for a capture of `bytes` bytes: wide enough for
/// the most frames such a file can hold (a pcap record is at least its
/// 16-byte header, a pcapng block at least 12 bytes), so no line of the
/// file shifts mid-way; never below `MIN_FRAME_WIDTH`. Unknown sizes
/// (pipes, live captures) keep the minimum.
pub fn frame_width(bytes: Option<u64>) -> usize {
    digits(bytes.map_or(0, |b| b / 12)).max(MIN_FRAME_WIDTH)
}

/// How many decimal digits `n` has.
pub fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Writes the one-line view of a packet. `t0` is the first frame's time.
/// Written straight into `out`: this runs once per frame.
pub fn packet_line(p: &Packet, t0: f64, out: &mut String) {
    packet_line_styled(p, &LineStyle::default(), t0, out)
}

/// A packet line laid out as `style` says; `t0` is the first frame's
/// time (relative) or the previous frame's (delta).
pub fn packet_line_styled(p: &Packet, style: &LineStyle, t0: f64, out: &mut String) {
    let color = colored::control::SHOULD_COLORIZE.should_colorize();
    let w = style.frame_width;
    let _ = match style.time {
        TimeFormat::Relative | TimeFormat::Delta => {
            write!(out, "{:>w$} {:>10.6} ", p.frame, (p.ts - t0).max(0.0))
        }
        TimeFormat::None => write!(out, "{:>w$} ", p.frame),
        TimeFormat::Epoch => write!(out, "{:>w$} {:.6} ", p.frame, p.ts),
        TimeFormat::Date => write!(out, "{:>w$} {} ", p.frame, utc_date(p.ts)),
    };
    write_endpoints(p, out);
    let l = style.lang;
    let (proto, summary, meaning) = describe(p, l);
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
    for label in [super::tunnel::encap_label(p), super::tunnel::nflog_label(p)]
        .into_iter()
        .flatten()
    {
        out.push(' ');
        out.push_str(&label);
    }
    if p.truncated {
        out.push(' ');
        push_styled(out, l.t("[truncated]", "[已截断]"), color, |s| {
            s.yellow()
        });
    }
    if !p.errors.is_empty() {
        out.push(' ');
        let problems = match l {
            Lang::En => format!("[{} problem(s)]", p.errors.len()),
            Lang::Zh => format!("[{} 个问题]", p.errors.len()),
        };
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
    let has = |name: TcpAnalysis| t.analysis.contains(&name);
    let mut labels: Vec<String> = Vec::new();
    if has(TcpAnalysis::ZeroWindowProbe) {
        labels.push("[TCP ZeroWindowProbe]".into());
    }
    if has(TcpAnalysis::ZeroWindowProbeAck) {
        labels.push("[TCP ZeroWindowProbeAck]".into());
    }
    if has(TcpAnalysis::KeepAlive) {
        labels.push("[TCP Keep-Alive]".into());
    }
    if has(TcpAnalysis::KeepAliveAck) {
        labels.push("[TCP Keep-Alive ACK]".into());
    }
    if has(TcpAnalysis::WindowUpdate) {
        labels.push("[TCP Window Update]".into());
    }
    if has(TcpAnalysis::WindowFull) {
        labels.push("[TCP Window Full]".into());
    }
    if has(TcpAnalysis::ZeroWindow) {
        labels.push("[TCP ZeroWindow]".into());
    }
    if has(TcpAnalysis::LostSegment) {
        labels.push("[TCP Previous segment not captured]".into());
    }
    if has(TcpAnalysis::AckLostSegment) {
        labels.push("[TCP ACKed unseen segment]".into());
    }
    if has(TcpAnalysis::DupAck) {
        match (t.dup_ack_of, t.dup_ack_number) {
            (Some(of), Some(n)) => labels.push(format!("[TCP Dup ACK {of}#{n}]")),
            _ => labels.push("[TCP Dup ACK]".into()),
        }
    }
    if has(TcpAnalysis::FastRetransmission) {
        labels.push("[TCP Fast Retransmission]".into());
    } else if has(TcpAnalysis::SpuriousRetransmission) {
        labels.push("[TCP Spurious Retransmission]".into());
    } else if has(TcpAnalysis::Retransmission) {
        labels.push("[TCP Retransmission]".into());
    }
    if has(TcpAnalysis::OutOfOrder) {
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
fn describe(p: &Packet, l: Lang) -> (&'static str, String, Option<String>) {
    if let Some(d) = &p.dns {
        let mut s = dns_summary(d);
        for more in &p.dns_more {
            s.push_str("; ");
            s.push_str(&dns_summary(more));
        }
        let label = match d.protocol {
            DnsProtocol::Mdns => "MDNS",
            DnsProtocol::Llmnr => "LLMNR",
            _ => "DNS",
        };
        return (label, s, dns_meaning(d, l));
    }
    if let Some(t) = &p.tls {
        if !t.handshakes.is_empty() || !t.alerts.is_empty() {
            let mut parts: Vec<String> = t.handshakes.iter().map(handshake_summary).collect();
            parts.extend(
                t.alerts
                    .iter()
                    .map(|a| format!("Alert {} {}", escape(&a.level), escape(&a.description))),
            );
            return ("TLS", parts.join("; "), tls_meaning(t, l));
        }
        // Records whose decrypted content is HTTP/2 or HTTP/1.x are shown
        // as such.
        if !p.http2.is_empty() {
            let parts: Vec<String> = p.http2.iter().map(http2_summary).collect();
            return ("HTTP/2", parts.join("; "), http2_meaning(&p.http2, l));
        }
        if !t.records.is_empty() && p.http.is_empty() {
            let kinds: Vec<String> = t
                .records
                .iter()
                .map(|r| {
                    format!(
                        "{} ({} bytes)",
                        r.content_type.to_string().replace('_', " "),
                        r.length
                    )
                })
                .collect();
            return ("TLS", kinds.join(", "), tls_meaning(t, l));
        }
    }
    if let Some(q) = &p.quic {
        return quic_line(q, &p.quic_more, l);
    }
    if let Some(h) = p.http.first() {
        let parts: Vec<String> = p.http.iter().map(http_summary).collect();
        return ("HTTP", parts.join("; "), http_meaning(h, l));
    }
    if let Some(d) = &p.dhcp {
        return ("DHCP", dhcp_summary(d), dhcp_meaning(d, l));
    }
    if let Some(f) = p.websocket.first() {
        let parts: Vec<String> = p.websocket.iter().map(websocket_summary).collect();
        return ("WebSocket", parts.join("; "), websocket_meaning(f, l));
    }
    if !p.socks.is_empty() {
        let parts: Vec<String> = p.socks.iter().map(socks_summary).collect();
        return ("SOCKS", parts.join("; "), None);
    }
    if let Some(first) = p.lines.first() {
        let parts: Vec<String> = p
            .lines
            .iter()
            .map(|x| escape(&x.text).into_owned())
            .collect();
        let mut s = parts.join(" | ");
        if p.lines.iter().any(|x| x.starts_tls) {
            s.push_str(" (TLS starts next)");
        }
        let label = match first.protocol {
            TextProto::Smtp => "SMTP",
            TextProto::Imap => "IMAP",
            TextProto::Pop3 => "POP3",
            TextProto::Ftp => "FTP",
        };
        return (label, s, None);
    }
    if let Some(d) = &p.dtls {
        return ("DTLS", dtls_summary(d), None);
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
        return ("TCP", s, tcp_meaning(p, l));
    }
    if let Some(n) = &p.ndp {
        return ("NDP", ndp_summary(n), Some(ndp_meaning(n, l)));
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
        return ("ARP", arp_summary(a), arp_meaning(a, l));
    }
    if let Some(ip) = &p.ip {
        if let Some(f) = &ip.frag {
            let more = if f.more {
                ", more follow"
            } else {
                ", the last"
            };
            return (
                "IP",
                format!(
                    "fragment of protocol {} (id {:#x}, offset {}{})",
                    ip.proto, f.id, f.offset, more
                ),
                None,
            );
        }
        return ("IP", format!("protocol {}", ip.proto), None);
    }
    if let Some((proto, summary)) = super::tunnel::describe_link(p) {
        return (proto, summary, None);
    }
    ("?", format!("{} bytes", p.caplen), None)
}

/// "v5 request connect www.google.com:443", "v4 reply 90 (request granted)".
fn socks_summary(m: &SocksMessage) -> String {
    let mut s = format!("v{} {}", m.version, m.message.replace('_', " "));
    if !m.methods.is_empty() {
        let methods: Vec<String> = m.methods.iter().map(|x| format!("{x:#04x}")).collect();
        let _ = write!(s, " methods {}", methods.join(","));
    }
    if let Some(x) = m.method {
        let _ = write!(s, " method {x:#04x}");
    }
    if let Some(c) = m.command {
        let _ = write!(s, " {c}");
    }
    if let (Some(h), Some(port)) = (&m.host, m.port) {
        if h.contains(':') {
            let _ = write!(s, " [{}]:{port}", escape(h));
        } else {
            let _ = write!(s, " {}:{port}", escape(h));
        }
    }
    if let (Some(r), Some(t)) = (m.reply, m.reply_text()) {
        let _ = write!(s, " {r} ({t})");
    }
    s
}

/// Records and handshake messages of a DTLS datagram, in wire order.
fn dtls_summary(d: &DtlsInfo) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, r) in d.records.iter().enumerate() {
        if r.content_type.code() != 22 {
            parts.push(format!(
                "{} ({} bytes)",
                r.content_type.to_string().replace('_', " "),
                r.length
            ));
        }
        for h in d.handshakes.iter().filter(|h| h.record == i) {
            let mut s = h.kind.to_string();
            if h.fragment_length != h.length {
                let _ = write!(
                    s,
                    " (fragment {}+{} of {})",
                    h.fragment_offset, h.fragment_length, h.length
                );
            }
            if let Some(sni) = h.hello.as_ref().and_then(|x| x.sni.as_ref()) {
                let _ = write!(s, " SNI={}", escape(sni));
            }
            parts.push(s);
        }
    }
    match d.records.first() {
        Some(r) => format!("{} [{}, epoch {}]", parts.join(", "), r.version, r.epoch),
        None => String::new(),
    }
}
