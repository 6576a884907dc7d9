//! `netexplain stats FILE`: the protocol hierarchy, endpoints,
//! conversations per protocol and I/O per second, as tshark's
//! `-z io,phs`, `-z endpoints,…`, `-z conv,…` and `-z io,stat,1` count
//! them (frames and bytes on the wire), and the HTTP and DNS trees as
//! tshark's `-z http,tree` and `-z dns,tree` count them (one count per
//! message head, several on a frame counted each).

use anyhow::{Context, Result};
use netexplain::capture::CaptureReader;
use netexplain::decode::Packet;
use netexplain::flow::Tracker;
use netexplain::pipeline;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::ExitCode;

#[derive(Default, Serialize, Clone, Copy)]
pub struct Count {
    pub frames: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, len: u32) {
        self.frames += 1;
        self.bytes += u64::from(len);
    }
}

#[derive(Default, Serialize)]
pub struct Endpoint {
    pub packets: u64,
    pub bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub rx_bytes: u64,
}

#[derive(Default, Serialize)]
pub struct Stats {
    pub frames: u64,
    pub bytes: u64,
    /// "eth", "eth/ip", "eth/ip/tcp", "eth/ip/tcp/tls", …
    pub hierarchy: BTreeMap<String, Count>,
    /// Per address (IPv4 and IPv6), as tshark -z endpoints,ip / ipv6.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Distinct conversations per protocol: eth (MAC pairs), ip (address pairs), tcp, udp.
    pub conversations: BTreeMap<&'static str, usize>,
    /// Frames and bytes in each second from the first frame.
    pub io_per_second: Vec<Count>,
    /// HTTP/1.x message heads, as tshark's `-z http,tree`.
    pub http_tree: HttpTree,
    /// DNS, mDNS and LLMNR messages, as tshark's `-z dns,tree`.
    pub dns_tree: DnsTree,
    /// Frames per finding, in tshark's `-z expert` severity groups.
    pub expert: Expert,
}

/// What the TCP analysis and the decoders found, frames per finding, in
/// the severity groups of tshark's `-z expert` (errors, warnings, notes,
/// chats). The keys are the analysis names of the JSON (`dup_ack`, …) and
/// `syn`, `syn_ack`, `fin`, `reset`, `problem`.
#[derive(Default, Serialize)]
pub struct Expert {
    /// Frames with a decoding problem (netexplain's own list: a truncated
    /// or malformed field; tshark's "Malformed" is narrower).
    pub errors: BTreeMap<&'static str, u64>,
    pub warnings: BTreeMap<&'static str, u64>,
    pub notes: BTreeMap<&'static str, u64>,
    pub chats: BTreeMap<&'static str, u64>,
}

impl Expert {
    fn observe(&mut self, p: &Packet) {
        use netexplain::decode::tcp::{TcpAnalysis as A, FIN, RST, SYN};
        if !p.errors.is_empty() {
            *self.errors.entry("problem").or_default() += 1;
        }
        let Some(t) = &p.tcp else { return };
        for a in &t.analysis {
            // As tshark's TCP dissector files each expert item.
            let group = match a {
                A::LostSegment
                | A::OutOfOrder
                | A::AckLostSegment
                | A::ZeroWindow
                | A::WindowFull => &mut self.warnings,
                A::WindowUpdate => &mut self.chats,
                _ => &mut self.notes,
            };
            *group.entry(a.as_str()).or_default() += 1;
        }
        if t.has(RST) {
            *self.warnings.entry("reset").or_default() += 1;
        }
        let chat = if t.has(SYN) {
            Some(if t.has(netexplain::decode::tcp::ACK) {
                "syn_ack"
            } else {
                "syn"
            })
        } else if t.has(FIN) {
            Some("fin")
        } else {
            None
        };
        if let Some(c) = chat {
            *self.chats.entry(c).or_default() += 1;
        }
    }
}

/// HTTP/1.x message heads by kind (RFC 9110 §15: the status classes).
#[derive(Default, Serialize)]
pub struct HttpTree {
    /// Requests and responses.
    pub total: u64,
    pub requests: u64,
    /// Requests per method.
    pub methods: BTreeMap<String, u64>,
    pub responses: u64,
    /// Responses per status class ("2xx"; "???" outside 100–599).
    pub classes: BTreeMap<String, u64>,
    /// Responses per status code.
    pub codes: BTreeMap<u16, u64>,
}

/// DNS messages by header field (RFC 1035 §4.1.1) and first question.
#[derive(Default, Serialize)]
pub struct DnsTree {
    pub total: u64,
    pub queries: u64,
    pub responses: u64,
    /// Messages per RCODE name ("NOERROR", "NXDOMAIN", …).
    pub rcodes: BTreeMap<String, u64>,
    /// Messages per OPCODE name ("QUERY", …).
    pub opcodes: BTreeMap<String, u64>,
    /// Messages per type of their first question ("A", "AAAA", …).
    pub query_types: BTreeMap<String, u64>,
    /// Messages per class of their first question ("IN", …).
    pub classes: BTreeMap<String, u64>,
    /// Records in each section, summed over every message.
    pub questions: u64,
    pub answers: u64,
    pub authorities: u64,
    pub additionals: u64,
    /// Responses matched to their query, and the fastest and slowest.
    pub answered: u64,
    pub min_response_ms: Option<f64>,
    pub max_response_ms: Option<f64>,
}

impl HttpTree {
    fn observe(&mut self, h: &netexplain::decode::http::HttpMessage) {
        self.total += 1;
        if let Some(m) = &h.method {
            self.requests += 1;
            *self.methods.entry(m.clone()).or_default() += 1;
        } else if let Some(code) = h.status {
            self.responses += 1;
            let class = match code {
                100..=599 => format!("{}xx", code / 100),
                _ => "???".into(),
            };
            *self.classes.entry(class).or_default() += 1;
            *self.codes.entry(code).or_default() += 1;
        }
    }
}

impl DnsTree {
    fn observe(&mut self, d: &netexplain::decode::dns::DnsMessage) {
        self.total += 1;
        if d.response {
            self.responses += 1;
        } else {
            self.queries += 1;
        }
        *self.rcodes.entry(d.rcode.to_string()).or_default() += 1;
        *self.opcodes.entry(d.opcode.to_string()).or_default() += 1;
        if let Some(q) = d.questions.first() {
            *self.query_types.entry(q.qtype.to_string()).or_default() += 1;
            *self.classes.entry(q.class.to_string()).or_default() += 1;
        }
        self.questions += d.questions.len() as u64;
        self.answers += d.answers.len() as u64;
        self.authorities += d.authority.len() as u64;
        self.additionals += d.additional.len() as u64;
        if let Some(ms) = d.latency_ms.filter(|_| d.response) {
            self.answered += 1;
            self.min_response_ms = Some(self.min_response_ms.map_or(ms, |m| m.min(ms)));
            self.max_response_ms = Some(self.max_response_ms.map_or(ms, |m| m.max(ms)));
        }
    }
}

/// The layer names of a frame, outermost first.
fn layers(p: &Packet) -> Vec<&'static str> {
    let mut l = vec![];
    if p.eth.is_some() {
        l.push("eth");
    } else if p.sll.is_some() {
        l.push("sll");
    }
    if !p.vlan.is_empty() {
        l.push("vlan");
    }
    if p.arp.is_some() {
        l.push("arp");
    }
    if let Some(ip) = &p.ip {
        l.push(if ip.version == 4 { "ip" } else { "ipv6" });
    }
    if let Some(i) = &p.icmp {
        l.push(if i.version == 4 { "icmp" } else { "icmpv6" });
    }
    if p.tcp.is_some() {
        l.push("tcp");
    }
    if p.udp.is_some() {
        l.push("udp");
    }
    if let Some(d) = &p.dns {
        l.push(d.protocol.as_str());
    }
    if p.dhcp.is_some() {
        l.push("dhcp");
    }
    if p.quic.is_some() {
        l.push("quic");
    }
    // As Wireshark: TLS on a frame that begins a record, complete or not.
    if p.tls_record_start || p.tls.as_ref().is_some_and(|t| !t.records.is_empty()) {
        l.push("tls");
    }
    if !p.http.is_empty() {
        l.push("http");
    }
    if !p.websocket.is_empty() {
        l.push("websocket");
    }
    l
}

impl Stats {
    fn observe(&mut self, p: &Packet, t0: f64, seen: &mut [BTreeSet<String>; 4]) {
        self.frames += 1;
        self.bytes += u64::from(p.len);
        let mut path = String::new();
        for l in layers(p) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(l);
            self.hierarchy.entry(path.clone()).or_default().add(p.len);
        }
        if let Some(ip) = &p.ip {
            let len = u64::from(p.len);
            let s = self.endpoints.entry(ip.src.to_string()).or_default();
            s.packets += 1;
            s.bytes += len;
            s.tx_packets += 1;
            s.tx_bytes += len;
            let d = self.endpoints.entry(ip.dst.to_string()).or_default();
            d.packets += 1;
            d.bytes += len;
            d.rx_packets += 1;
            d.rx_bytes += len;
            let pair = |a: String, b: String| {
                if a < b {
                    format!("{a} {b}")
                } else {
                    format!("{b} {a}")
                }
            };
            seen[1].insert(pair(ip.src.to_string(), ip.dst.to_string()));
            if let Some((sp, dp)) = p.ports() {
                let k = pair(format!("{}:{sp}", ip.src), format!("{}:{dp}", ip.dst));
                seen[if p.tcp.is_some() { 2 } else { 3 }].insert(k);
            }
        }
        if let Some(e) = &p.eth {
            let (a, b) = (e.src.to_string(), e.dst.to_string());
            seen[0].insert(if a < b {
                format!("{a} {b}")
            } else {
                format!("{b} {a}")
            });
        }
        self.expert.observe(p);
        for h in &p.http {
            self.http_tree.observe(h);
        }
        for d in p.dns.as_deref().into_iter().chain(&p.dns_more) {
            self.dns_tree.observe(d);
        }
        let sec = ((p.ts - t0).max(0.0)) as usize;
        if sec < 86_400 * 366 {
            if self.io_per_second.len() <= sec {
                self.io_per_second.resize(sec + 1, Count::default());
            }
            self.io_per_second[sec].add(p.len);
        }
    }
}

pub fn run(
    path: &std::path::Path,
    display_filter: Option<String>,
    json: bool,
    mut tracker: Tracker,
) -> Result<ExitCode> {
    let filter = super::display_filter(display_filter.as_deref())?;
    // The capture's own Decryption Secrets Blocks, as in `packets`.
    crate::cli::keylog::KeylogArgs::default().attach(&mut tracker, path)?;
    let mut reader = CaptureReader::open(path).with_context(|| path.display().to_string())?;
    let mut stats = Stats::default();
    let mut seen: [BTreeSet<String>; 4] = Default::default();
    let mut t0 = None;
    let (_s, failure) = pipeline::run(&mut reader, &mut tracker, None, |p| {
        let start = *t0.get_or_insert(p.ts);
        if filter.as_ref().is_none_or(|f| f.matches(p)) {
            stats.observe(p, start, &mut seen);
        }
        Ok(())
    });
    for (i, name) in ["eth", "ip", "tcp", "udp"].into_iter().enumerate() {
        stats.conversations.insert(name, seen[i].len());
    }
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&stats)?;
        out.push('\n');
    } else {
        text(&stats, &mut out);
    }
    super::write_stdout(&out)?;
    if let Some(e) = failure {
        eprintln!("netexplain: {}: {e}", path.display());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn text(s: &Stats, out: &mut String) {
    let _ = writeln!(
        out,
        "Protocol hierarchy ({} frames, {} bytes)",
        s.frames, s.bytes
    );
    for (path, c) in &s.hierarchy {
        let depth = path.matches('/').count();
        let name = path.rsplit('/').next().unwrap_or(path);
        let pct = if s.frames > 0 {
            100.0 * c.frames as f64 / s.frames as f64
        } else {
            0.0
        };
        let label = format!("{}{name}", "  ".repeat(depth + 1));
        let _ = writeln!(
            out,
            "{label:<24} frames {:>8} ({pct:5.1} %)  bytes {:>10}",
            c.frames, c.bytes
        );
    }
    out.push_str("\nEndpoints (IP)\n");
    let _ = writeln!(
        out,
        "  {:<40} {:>8} {:>10} {:>8} {:>8}",
        "address", "packets", "bytes", "sent", "received"
    );
    let mut eps: Vec<_> = s.endpoints.iter().collect();
    eps.sort_by_key(|(_, e)| std::cmp::Reverse(e.bytes));
    for (a, e) in eps {
        let _ = writeln!(
            out,
            "  {a:<40} {:>8} {:>10} {:>8} {:>8}",
            e.packets, e.bytes, e.tx_packets, e.rx_packets
        );
    }
    out.push_str("\nConversations\n");
    for (k, n) in &s.conversations {
        let _ = writeln!(out, "  {k:<6} {n}");
    }
    http_text(&s.http_tree, out);
    dns_text(&s.dns_tree, out);
    expert_text(&s.expert, out);
    out.push_str("\nI/O per second\n");
    for (i, c) in s.io_per_second.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>4}–{:<4} s  frames {:>8}  bytes {:>10}",
            i,
            i + 1,
            c.frames,
            c.bytes
        );
    }
}

/// One row of a tree: the name indented by its depth, then the count.
fn row(out: &mut String, depth: usize, name: &str, n: u64) {
    let label = format!("{}{name}", "  ".repeat(depth + 1));
    let _ = writeln!(out, "{label:<32} {n:>8}");
}

fn http_text(t: &HttpTree, out: &mut String) {
    out.push_str("\nHTTP (message heads, as tshark -z http,tree)\n");
    row(out, 0, "total", t.total);
    row(out, 1, "responses", t.responses);
    for (class, n) in &t.classes {
        row(out, 2, class, *n);
        for (code, m) in &t.codes {
            let in_class = match class.as_bytes()[0] {
                b @ b'1'..=b'5' => u16::from(b - b'0') == code / 100,
                _ => !(100..=599).contains(code),
            };
            if in_class {
                row(out, 3, &code.to_string(), *m);
            }
        }
    }
    row(out, 1, "requests", t.requests);
    for (m, n) in &t.methods {
        row(out, 2, &netexplain::render::escape(m), *n);
    }
}

fn dns_text(t: &DnsTree, out: &mut String) {
    out.push_str("\nDNS (messages, as tshark -z dns,tree)\n");
    row(out, 0, "total", t.total);
    row(out, 1, "queries", t.queries);
    row(out, 1, "responses", t.responses);
    for (title, map) in [
        ("rcode", &t.rcodes),
        ("opcode", &t.opcodes),
        ("query type", &t.query_types),
        ("class", &t.classes),
    ] {
        row(out, 1, title, map.values().sum());
        for (k, n) in map {
            row(out, 2, k, *n);
        }
    }
    row(out, 1, "questions", t.questions);
    row(out, 1, "answers", t.answers);
    row(out, 1, "authorities", t.authorities);
    row(out, 1, "additionals", t.additionals);
    row(out, 1, "answered", t.answered);
    if let (Some(lo), Some(hi)) = (t.min_response_ms, t.max_response_ms) {
        let _ = writeln!(out, "    response time {lo:.3}–{hi:.3} ms");
    }
}

/// tshark's words for each finding.
fn expert_summary(key: &str) -> &str {
    match key {
        "problem" => "a field could not be decoded (truncated or malformed)",
        "lost_segment" => "previous segment(s) not captured",
        "out_of_order" => "a (suspected) out-of-order segment",
        "ack_lost_segment" => "ACKed segment that was not captured",
        "zero_window" => "zero window: the receiver can take no more data",
        "window_full" => "the receiver's window is now full",
        "reset" => "connection reset (RST)",
        "retransmission" => "a (suspected) retransmission",
        "fast_retransmission" => "a (suspected) fast retransmission",
        "spurious_retransmission" => "a (suspected) spurious retransmission",
        "dup_ack" => "duplicate ACK",
        "zero_window_probe" => "zero window probe",
        "zero_window_probe_ack" => "zero window probe ACK",
        "keep_alive" => "keep-alive",
        "keep_alive_ack" => "keep-alive ACK",
        "window_update" => "window update",
        "syn" => "connection establish request (SYN)",
        "syn_ack" => "connection establish acknowledge (SYN+ACK)",
        "fin" => "connection finish (FIN)",
        other => other,
    }
}

fn expert_text(e: &Expert, out: &mut String) {
    out.push_str("\nExpert information (frames, as tshark -z expert groups them)\n");
    for (group, map) in [
        ("Errors", &e.errors),
        ("Warnings", &e.warnings),
        ("Notes", &e.notes),
        ("Chats", &e.chats),
    ] {
        let _ = writeln!(out, "  {group} ({})", map.values().sum::<u64>());
        for (k, n) in map {
            let proto = if *k == "problem" { "any" } else { "TCP" };
            let _ = writeln!(out, "    {n:>8}  {proto:<4} {}", expert_summary(k));
        }
    }
}
