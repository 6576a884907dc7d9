//! Evaluation of a parsed filter over one decoded frame.

use super::parse::{Expr, Lit, Op};
use crate::decode::{Encap, Mac, Packet};
use std::cmp::Ordering;
use std::net::IpAddr;

/// One value of a field in a frame.
enum Val<'a> {
    Int(u64),
    Ip(IpAddr),
    Mac(Mac),
    Str(&'a str),
}

pub fn eval(e: &Expr, p: &Packet) -> bool {
    match e {
        Expr::And(a, b) => eval(a, p) && eval(b, p),
        Expr::Or(a, b) => eval(a, p) || eval(b, p),
        Expr::Not(a) => !eval(a, p),
        Expr::Present(name) => present(name, p),
        Expr::Cmp(name, op, lit) => {
            let vals = values(name, p);
            if vals.is_empty() {
                return false;
            }
            match op {
                // Wireshark 4: `a != b` is `!(a == b)`.
                Op::Ne => !vals.iter().any(|v| test(v, Op::Eq, lit)),
                op => vals.iter().any(|v| test(v, *op, lit)),
            }
        }
        Expr::Contains(name, s) => values(name, p)
            .iter()
            .any(|v| matches!(v, Val::Str(t) if t.contains(s.as_str()))),
        Expr::Matches(name, re) => values(name, p)
            .iter()
            .any(|v| matches!(v, Val::Str(t) if re.is_match(t))),
    }
}

fn ordered(o: Ordering, op: Op) -> bool {
    match op {
        Op::Eq => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
    }
}

/// Whether the first `bits` bits of two addresses of one family agree.
fn in_net(a: IpAddr, net: IpAddr, bits: u8) -> Option<bool> {
    let (x, y, len) = match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u128::from(u32::from(a)), u128::from(u32::from(n)), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128),
        _ => return None,
    };
    let shift = len - u32::from(bits);
    Some(shift >= 128 || x >> shift == y >> shift)
}

fn test(v: &Val, op: Op, lit: &Lit) -> bool {
    match (v, lit) {
        (Val::Int(a), Lit::Int(b)) => ordered(a.cmp(b), op),
        (Val::Ip(a), Lit::Net(n, bits)) => {
            let full = u32::from(*bits) == if n.is_ipv4() { 32 } else { 128 };
            match op {
                Op::Eq | Op::Ne if !full => {
                    in_net(*a, *n, *bits).unwrap_or(false) == (op == Op::Eq)
                }
                _ => a.is_ipv4() == n.is_ipv4() && ordered(a.cmp(n), op),
            }
        }
        (Val::Mac(a), Lit::Mac(b)) => ordered(a.cmp(b), op),
        (Val::Str(a), Lit::Str(b)) => ordered((*a).cmp(b.as_str()), op),
        _ => false,
    }
}

fn has_v4(p: &Packet) -> bool {
    p.ip.as_ref().is_some_and(|i| i.version == 4) || outer_ips(p).any(|i| i.version == 4)
}

fn has_v6(p: &Packet) -> bool {
    p.ip.as_ref().is_some_and(|i| i.version == 6) || outer_ips(p).any(|i| i.version == 6)
}

/// The outer layers of a tunnelled frame: Wireshark's fields match every
/// layer of the stack, so a field of the outer Ethernet, IP, UDP or TCP
/// header matches as the inner packet's does.
fn outer_eths(p: &Packet) -> impl Iterator<Item = &crate::decode::EthInfo> {
    p.encap.iter().filter_map(|e| match e {
        Encap::Ethernet(e) => Some(e),
        _ => None,
    })
}

fn outer_ips(p: &Packet) -> impl Iterator<Item = &crate::decode::IpInfo> {
    p.encap.iter().filter_map(|e| match e {
        Encap::Ipv4(i) | Encap::Ipv6(i) => Some(i),
        _ => None,
    })
}

fn outer_udps(p: &Packet) -> impl Iterator<Item = &crate::decode::UdpInfo> {
    p.encap.iter().filter_map(|e| match e {
        Encap::Udp(u) => Some(u),
        _ => None,
    })
}

fn outer_tcps(p: &Packet) -> impl Iterator<Item = &crate::decode::tcp::TcpInfo> {
    p.encap.iter().filter_map(|e| match e {
        Encap::Tcp(t) => Some(&**t),
        _ => None,
    })
}

fn dns_messages(p: &Packet) -> impl Iterator<Item = &crate::decode::dns::DnsMessage> {
    p.dns.as_deref().into_iter().chain(p.dns_more.iter())
}

fn handshakes(p: &Packet) -> impl Iterator<Item = &crate::decode::tls::TlsHandshake> {
    let tls = p.tls.iter().flat_map(|t| t.handshakes.iter());
    let quic = p
        .quic
        .as_deref()
        .into_iter()
        .chain(p.quic_more.iter())
        .flat_map(|q| q.handshakes.iter());
    tls.chain(quic)
}

fn quoted_proto(p: &Packet) -> Option<u8> {
    p.icmp.as_ref()?.quoted.as_ref().map(|q| q.proto)
}

fn present(name: &str, p: &Packet) -> bool {
    match name {
        "frame" => true,
        "eth" => p.eth.is_some() || outer_eths(p).next().is_some(),
        "vlan" => !p.vlan.is_empty(),
        "sll" => p.sll.is_some(),
        "arp" => p.arp.is_some(),
        "ip" => has_v4(p),
        "ipv6" => has_v6(p),
        "icmp" => p.icmp.as_ref().is_some_and(|i| i.version == 4),
        "icmpv6" => p.icmp.as_ref().is_some_and(|i| i.version == 6) || p.ndp.is_some(),
        // An ICMP error's quoted header is decoded as Wireshark does.
        "tcp" => p.tcp.is_some() || quoted_proto(p) == Some(6) || outer_tcps(p).next().is_some(),
        "udp" => p.udp.is_some() || quoted_proto(p) == Some(17) || outer_udps(p).next().is_some(),
        "dns" | "mdns" | "llmnr" => dns_messages(p).any(|m| m.protocol.as_str() == name),
        "dhcp" => p.dhcp.is_some(),
        "tls" => {
            p.tls_record_start
                || p.tls.as_ref().is_some_and(|t| !t.records.is_empty())
                || handshakes(p).next().is_some()
        }
        "http" => !p.http.is_empty(),
        "http.request" => p.http.iter().any(|m| m.method.is_some()),
        "http.response" => p.http.iter().any(|m| m.status.is_some()),
        "websocket" => !p.websocket.is_empty(),
        "quic" => p.quic.is_some(),
        field => !values(field, p).is_empty(),
    }
}

/// The IANA number of a response code name.
fn rcode(name: &str) -> Option<u64> {
    const NAMES: &[&str] = &[
        "NOERROR",
        "FORMERR",
        "SERVFAIL",
        "NXDOMAIN",
        "NOTIMP",
        "REFUSED",
        "YXDOMAIN",
        "YXRRSET",
        "NXRRSET",
        "NOTAUTH",
        "NOTZONE",
        "DSOTYPENI",
    ];
    if let Some(i) = NAMES.iter().position(|n| *n == name) {
        return Some(i as u64);
    }
    name.strip_prefix("RCODE")?.parse().ok()
}

fn values<'a>(name: &str, p: &'a Packet) -> Vec<Val<'a>> {
    let mut v = Vec::new();
    let ip = p.ip.as_ref();
    let quoted = p.icmp.as_ref().and_then(|i| i.quoted.as_ref());
    let tcp = p.tcp.as_ref();
    let udp = p.udp.as_ref();
    match name {
        "frame.number" => v.push(Val::Int(p.frame)),
        "frame.len" => v.push(Val::Int(u64::from(p.len))),
        "eth.addr" | "eth.src" | "eth.dst" => {
            for e in p.eth.iter().chain(outer_eths(p)) {
                if name != "eth.dst" {
                    v.push(Val::Mac(e.src));
                }
                if name != "eth.src" {
                    v.push(Val::Mac(e.dst));
                }
            }
        }
        "ip.addr" | "ip.src" | "ip.dst" | "ipv6.addr" | "ipv6.src" | "ipv6.dst" => {
            let want_v4 = name.starts_with("ip.");
            let mut pair = |src: IpAddr, dst: IpAddr| {
                if src.is_ipv4() != want_v4 {
                    return;
                }
                if !name.ends_with(".dst") {
                    v.push(Val::Ip(src));
                }
                if !name.ends_with(".src") {
                    v.push(Val::Ip(dst));
                }
            };
            for i in ip.into_iter().chain(outer_ips(p)) {
                pair(i.src, i.dst);
            }
            // An ICMP error quotes the header of the packet it is about,
            // and Wireshark decodes that header's fields too.
            if let Some(q) = quoted {
                pair(q.src, q.dst);
            }
        }
        "ip.ttl" | "ip.proto" | "ipv6.hlim" => {
            for i in ip
                .into_iter()
                .chain(outer_ips(p))
                .filter(|i| (i.version == 4) == name.starts_with("ip."))
            {
                v.push(Val::Int(u64::from(if name == "ip.proto" {
                    i.proto
                } else {
                    i.ttl
                })));
            }
        }
        "tcp.port" | "tcp.srcport" | "tcp.dstport" | "udp.port" | "udp.srcport" | "udp.dstport" => {
            let is_tcp = name.starts_with("tcp");
            let mut pair = |s: u16, d: u16| {
                if !name.ends_with("dstport") {
                    v.push(Val::Int(u64::from(s)));
                }
                if !name.ends_with("srcport") {
                    v.push(Val::Int(u64::from(d)));
                }
            };
            if is_tcp {
                for t in tcp.into_iter().chain(outer_tcps(p)) {
                    pair(t.src_port, t.dst_port);
                }
            } else {
                for u in udp.into_iter().chain(outer_udps(p)) {
                    pair(u.src_port, u.dst_port);
                }
            }
            if let Some(q) = quoted {
                if let (Some(s), Some(d)) = (q.src_port, q.dst_port) {
                    if q.proto == if is_tcp { 6 } else { 17 } {
                        pair(s, d);
                    }
                }
            }
        }
        "tcp.stream" => v.extend(tcp.and_then(|t| t.stream).map(Val::Int)),
        "tcp.len" => v.extend(tcp.map(|t| Val::Int(u64::from(t.payload_len)))),
        "tcp.flags.syn" | "tcp.flags.ack" | "tcp.flags.fin" | "tcp.flags.reset"
        | "tcp.flags.push" => {
            let bit = match name {
                "tcp.flags.fin" => 0x01,
                "tcp.flags.syn" => 0x02,
                "tcp.flags.reset" => 0x04,
                "tcp.flags.push" => 0x08,
                _ => 0x10,
            };
            v.extend(
                tcp.into_iter()
                    .chain(outer_tcps(p))
                    .map(|t| Val::Int(u64::from(t.flag_bits & bit != 0))),
            );
        }
        "dns.id" => v.extend(dns_messages(p).map(|m| Val::Int(u64::from(m.id)))),
        "dns.flags.response" => v.extend(dns_messages(p).map(|m| Val::Int(u64::from(m.response)))),
        "dns.flags.rcode" => {
            v.extend(dns_messages(p).filter_map(|m| rcode(&m.rcode.name()).map(Val::Int)))
        }
        "dns.qry.name" => v.extend(
            dns_messages(p)
                .flat_map(|m| m.questions.iter())
                .map(|q| Val::Str(if q.name.is_empty() { "<Root>" } else { &q.name })),
        ),
        "tls.handshake.type" => {
            v.extend(handshakes(p).filter_map(|h| h.kind.code().map(|t| Val::Int(t.into()))))
        }
        "tls.handshake.extensions_server_name" => {
            v.extend(handshakes(p).filter_map(|h| h.sni.as_deref().map(Val::Str)))
        }
        "http.request.method" => v.extend(
            p.http
                .iter()
                .filter_map(|m| m.method.as_deref().map(Val::Str)),
        ),
        "http.request.uri" => v.extend(
            p.http
                .iter()
                .filter_map(|m| m.target.as_deref().map(Val::Str)),
        ),
        "http.host" => v.extend(
            p.http
                .iter()
                .filter_map(|m| m.host.as_deref().map(Val::Str)),
        ),
        "http.response.code" => v.extend(
            p.http
                .iter()
                .filter_map(|m| m.status.map(|s| Val::Int(u64::from(s)))),
        ),
        _ => {}
    }
    v
}
