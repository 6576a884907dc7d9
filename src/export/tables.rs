//! The exported tables: their columns, each read from the tool's own JSON
//! (`packets`, `conversations` and `explain --format json`). The README's
//! schema table is printed from these lists (`export --schema`).

use super::columns::{Col, Kind};

const fn c(
    name: &'static str,
    path: &'static [&'static str],
    kind: Kind,
    doc: &'static str,
) -> Col {
    Col {
        name,
        path,
        kind,
        doc,
    }
}

const STR: Kind = Kind::Str;
const INT: Kind = Kind::Int;
const F64: Kind = Kind::Float;
const BOOL: Kind = Kind::Bool;
const FLAG: Kind = Kind::Flag;
const JSON: Kind = Kind::Json;
const STRS: Kind = Kind::List(&Kind::Str);
const INTS: Kind = Kind::List(&Kind::Int);

/// Columns of `packets`: one row per frame, as `packets --format json`.
pub const PACKETS: &[Col] = &[
    c("frame", &["frame"], INT, "1-based frame number"),
    c("ts", &["ts"], F64, "epoch seconds"),
    c("caplen", &["caplen"], INT, "bytes captured"),
    c("len", &["len"], INT, "bytes on the wire"),
    c("interface", &["interface"], INT, "pcapng interface id"),
    c("linktype", &["linktype"], INT, "LINKTYPE_ value"),
    c(
        "truncated",
        &["truncated"],
        FLAG,
        "cut short by the snap length",
    ),
    c("eth_src", &["eth", "src"], STR, "Ethernet source"),
    c("eth_dst", &["eth", "dst"], STR, "Ethernet destination"),
    c("vlan", &["vlan"], INTS, "802.1Q VLAN ids, outer first"),
    c("sll", &["sll"], JSON, "Linux cooked header"),
    c("arp", &["arp"], Kind::Struct(ARP), "ARP message"),
    c("ndp", &["ndp"], JSON, "IPv6 neighbour discovery"),
    c("ip_version", &["ip", "version"], INT, "4 or 6"),
    c("ip_src", &["ip", "src"], STR, "source address"),
    c("ip_dst", &["ip", "dst"], STR, "destination address"),
    c("ip_ttl", &["ip", "ttl"], INT, "TTL or hop limit"),
    c(
        "ip_proto",
        &["ip", "proto"],
        INT,
        "transport protocol number",
    ),
    c("ip_id", &["ip", "id"], INT, "IPv4 identification"),
    c("ip_fragment", &["ip", "fragment"], FLAG, "a fragment"),
    c(
        "ip_ext_headers",
        &["ip", "ext_headers"],
        INTS,
        "IPv6 extension headers",
    ),
    c("tcp_src_port", &["tcp", "src_port"], INT, ""),
    c("tcp_dst_port", &["tcp", "dst_port"], INT, ""),
    c("tcp_flags", &["tcp", "flags"], STRS, "e.g. [SYN, ACK]"),
    c("tcp_seq", &["tcp", "seq"], INT, ""),
    c("tcp_ack", &["tcp", "ack"], INT, ""),
    c(
        "tcp_rel_seq",
        &["tcp", "rel_seq"],
        INT,
        "relative to the ISN",
    ),
    c("tcp_rel_ack", &["tcp", "rel_ack"], INT, ""),
    c(
        "tcp_window",
        &["tcp", "window"],
        INT,
        "window field, unscaled",
    ),
    c("tcp_payload_len", &["tcp", "payload_len"], INT, ""),
    c(
        "tcp_options",
        &["tcp", "options"],
        JSON,
        "mss, wscale, sack, timestamps",
    ),
    c("tcp_stream", &["tcp", "stream"], INT, "connection number"),
    c("tcp_from", &["tcp", "from"], STR, "client or server"),
    c("tcp_role", &["tcp", "role"], STR, "e.g. handshake 1/3"),
    c(
        "tcp_state",
        &["tcp", "state"],
        STR,
        "state after this segment",
    ),
    c(
        "tcp_analysis",
        &["tcp", "analysis"],
        STRS,
        "retransmission, dup_ack, …",
    ),
    c("udp_src_port", &["udp", "src_port"], INT, ""),
    c("udp_dst_port", &["udp", "dst_port"], INT, ""),
    c("udp_length", &["udp", "length"], INT, ""),
    c("icmp", &["icmp"], JSON, "ICMP or ICMPv6 message"),
    c("dns", &["dns"], JSON, "first DNS message (table dns)"),
    c("dns_more", &["dns_more"], JSON, "further DNS messages"),
    c("dhcp", &["dhcp"], JSON, "DHCP message"),
    c(
        "tls",
        &["tls"],
        JSON,
        "TLS records and handshakes (table tls)",
    ),
    c("http", &["http"], JSON, "HTTP message heads (table http)"),
    c("websocket", &["websocket"], JSON, "WebSocket frames"),
    c("quic", &["quic"], JSON, "first QUIC packet"),
    c("quic_more", &["quic_more"], JSON, "coalesced QUIC packets"),
    c("errors", &["errors"], STRS, "what could not be decoded"),
];

const ARP: &[Col] = &[
    c("op", &["op"], STR, ""),
    c("sender_mac", &["sender_mac"], STR, ""),
    c("sender_ip", &["sender_ip"], STR, ""),
    c("target_mac", &["target_mac"], STR, ""),
    c("target_ip", &["target_ip"], STR, ""),
];

/// Columns of `conversations`, as `conversations --format json`.
pub const CONVERSATIONS: &[Col] = &[
    c("proto", &["proto"], STR, "tcp or udp"),
    c("stream", &["stream"], INT, "TCP connection number"),
    c("client", &["client"], STR, "address:port"),
    c("server", &["server"], STR, "address:port"),
    c("app", &["app"], STR, "application seen"),
    c(
        "client_state",
        &["client_state"],
        STR,
        "TCP state at the end",
    ),
    c("server_state", &["server_state"], STR, ""),
    c("history", &["history"], STR, "Zeek-style history"),
    c("partial", &["partial"], FLAG, "started before the capture"),
    c("client_packets", &["client_packets"], INT, ""),
    c("server_packets", &["server_packets"], INT, ""),
    c("client_bytes", &["client_bytes"], INT, ""),
    c("server_bytes", &["server_bytes"], INT, ""),
    c("start", &["start"], F64, "epoch seconds"),
    c("duration", &["duration"], F64, "seconds"),
    c("first_frame", &["first_frame"], INT, ""),
];

const RR: &[Col] = &[
    c("name", &["name"], STR, ""),
    c("type", &["type"], STR, ""),
    c("ttl", &["ttl"], INT, ""),
    c("data", &["data"], STR, ""),
];

const QUESTION: &[Col] = &[
    c("name", &["name"], STR, ""),
    c("type", &["type"], STR, ""),
    c("class", &["class"], STR, ""),
];

/// Columns of `dns`: one row per message (`dns` and `dns_more` of a frame).
pub const DNS: &[Col] = &[
    c(
        "frame",
        &["frame"],
        INT,
        "frame that carried or completed it",
    ),
    c("ts", &["ts"], F64, ""),
    c("src", &["src"], STR, "IP source"),
    c("dst", &["dst"], STR, "IP destination"),
    c("id", &["msg", "id"], INT, "transaction id"),
    c("response", &["msg", "response"], BOOL, ""),
    c("opcode", &["msg", "opcode"], STR, ""),
    c("rcode", &["msg", "rcode"], STR, ""),
    c("flags", &["msg", "flags"], STRS, ""),
    c("protocol", &["msg", "protocol"], STR, "dns, mdns, llmnr"),
    c(
        "questions",
        &["msg", "questions"],
        Kind::List(&Kind::Struct(QUESTION)),
        "",
    ),
    c(
        "answers",
        &["msg", "answers"],
        Kind::List(&Kind::Struct(RR)),
        "",
    ),
    c(
        "authority",
        &["msg", "authority"],
        Kind::List(&Kind::Struct(RR)),
        "",
    ),
    c(
        "additional",
        &["msg", "additional"],
        Kind::List(&Kind::Struct(RR)),
        "",
    ),
    c("latency_ms", &["msg", "latency_ms"], F64, "since its query"),
    c(
        "query_frame",
        &["msg", "query_frame"],
        INT,
        "frame of its query",
    ),
];

const CERT: &[Col] = &[
    c("subject", &["subject"], STR, ""),
    c("issuer", &["issuer"], STR, ""),
    c("san", &["san"], STRS, ""),
    c("not_before", &["not_before"], STR, ""),
    c("not_after", &["not_after"], STR, ""),
    c("serial", &["serial"], STR, ""),
];

/// Columns of `tls`: one row per handshake message (TLS over TCP, and the
/// CRYPTO frames of QUIC Initial packets).
pub const TLS: &[Col] = &[
    c("frame", &["frame"], INT, "frame that completed it"),
    c("ts", &["ts"], F64, ""),
    c("transport", &["transport"], STR, "tcp or quic"),
    c("stream", &["stream"], INT, "TCP connection number"),
    c("src", &["src"], STR, "IP source"),
    c("dst", &["dst"], STR, "IP destination"),
    c(
        "type",
        &["hs", "type"],
        STR,
        "client_hello, server_hello, certificate, …",
    ),
    c("version", &["hs", "version"], STR, ""),
    c("length", &["hs", "length"], INT, ""),
    c("sni", &["hs", "sni"], STR, ""),
    c("alpn", &["hs", "alpn"], STRS, ""),
    c("cipher_suites", &["hs", "cipher_suites"], INTS, "offered"),
    c("cipher_suite", &["hs", "cipher_suite"], INT, "chosen"),
    c(
        "supported_versions",
        &["hs", "supported_versions"],
        STRS,
        "",
    ),
    c("supported_groups", &["hs", "supported_groups"], INTS, ""),
    c("key_share_groups", &["hs", "key_share_groups"], INTS, ""),
    c(
        "signature_algorithms",
        &["hs", "signature_algorithms"],
        INTS,
        "",
    ),
    c("extensions", &["hs", "extensions"], INTS, ""),
    c(
        "encrypted_client_hello",
        &["hs", "encrypted_client_hello"],
        FLAG,
        "",
    ),
    c("ja3", &["hs", "ja3"], STR, ""),
    c("ja3_string", &["hs", "ja3_string"], STR, ""),
    c("ja3s", &["hs", "ja3s"], STR, ""),
    c("ja3s_string", &["hs", "ja3s_string"], STR, ""),
    c("ja4", &["hs", "ja4"], STR, ""),
    c("ja4_r", &["hs", "ja4_r"], STR, ""),
    c("ja4s", &["hs", "ja4s"], STR, ""),
    c("ja4s_r", &["hs", "ja4s_r"], STR, ""),
    c(
        "certificates",
        &["hs", "certificates"],
        Kind::List(&Kind::Struct(CERT)),
        "",
    ),
    c("frames", &["hs", "frames"], INTS, "frames it spans"),
];

/// Columns of `http`: one row per HTTP/1.x message head.
pub const HTTP: &[Col] = &[
    c("frame", &["frame"], INT, "frame that completed the head"),
    c("ts", &["ts"], F64, ""),
    c("stream", &["stream"], INT, "TCP connection number"),
    c("src", &["src"], STR, "IP source"),
    c("dst", &["dst"], STR, "IP destination"),
    c("method", &["msg", "method"], STR, "requests"),
    c("target", &["msg", "target"], STR, ""),
    c("version", &["msg", "version"], STR, ""),
    c("status", &["msg", "status"], INT, "responses"),
    c("reason", &["msg", "reason"], STR, ""),
    c("host", &["msg", "host"], STR, ""),
    c("user_agent", &["msg", "user_agent"], STR, ""),
    c("content_length", &["msg", "content_length"], INT, ""),
    c("chunked", &["msg", "chunked"], FLAG, ""),
    c("connection", &["msg", "connection"], STR, ""),
    c("location", &["msg", "location"], STR, ""),
    c("upgrade", &["msg", "upgrade"], STR, ""),
    c("frames", &["msg", "frames"], INTS, "frames the head spans"),
];

/// Columns of `page_loads`, from `explain --format json`.
pub const PAGE_LOADS: &[Col] = &[
    c(
        "page_load",
        &["page_load"],
        INT,
        "0-based index in the story",
    ),
    c("host", &["pl", "host"], STR, "name asked for"),
    c("client", &["pl", "client"], STR, ""),
    c("server", &["pl", "server"], STR, ""),
    c("start", &["pl", "start"], F64, "epoch seconds"),
    c("duration_ms", &["pl", "duration_ms"], F64, ""),
    c("names", &["pl", "names"], STRS, "every name seen"),
    c(
        "connections_not_told",
        &["pl", "connections_not_told"],
        Kind::Count,
        "",
    ),
    c("steps", &["steps"], INT, "number of steps"),
    c(
        "ttfb_ms",
        &["ttfb_ms"],
        F64,
        "first request to first response byte",
    ),
];

const NOTE: &[Col] = &[
    c("section", &["section"], STR, ""),
    c("title", &["title"], STR, ""),
];

/// Columns of `steps`: one row per step of a page load.
pub const STEPS: &[Col] = &[
    c("page_load", &["page_load"], INT, "index in page_loads"),
    c("step", &["step"], INT, "0-based position"),
    c("id", &["s", "id"], STR, "dns, tcp_handshake, …"),
    c("title", &["s", "title"], STR, ""),
    c(
        "status",
        &["s", "status"],
        STR,
        "observed, inferred, not_visible, not_applicable",
    ),
    c("reason", &["s", "reason"], STR, ""),
    c("frames", &["s", "frames"], INTS, ""),
    c(
        "start",
        &["s", "start"],
        F64,
        "seconds from the page load's start",
    ),
    c("duration_ms", &["s", "duration_ms"], F64, ""),
    c("facts", &["s", "facts"], JSON, "language-neutral facts"),
    c("lines", &["s", "lines"], STRS, "the story's sentences"),
    c(
        "notes",
        &["s", "notes"],
        Kind::List(&Kind::Struct(NOTE)),
        "sections cited",
    ),
];

/// Every table, by name, in the order they are written.
pub const ALL: &[(&str, &[Col])] = &[
    ("packets", PACKETS),
    ("conversations", CONVERSATIONS),
    ("dns", DNS),
    ("tls", TLS),
    ("http", HTTP),
    ("page_loads", PAGE_LOADS),
    ("steps", STEPS),
];
