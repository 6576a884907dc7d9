//! Display filters in Wireshark's syntax (`-Y`), over the fields this tool
//! decodes: a lexer ([`lex`]), a parser that points at the column of a
//! mistake ([`parse`]), and evaluation over a decoded [`Packet`].
//!
//! The semantics follow Wireshark 4: a field with several values in one
//! frame (`ip.addr`, `tcp.port`) matches `==`, `<`, `contains` and
//! `matches` when any value does, and `a != b` means `!(a == b)`; a
//! relation on a field the frame does not have is false; `matches` is a
//! case-insensitive regular expression; a protocol or field name alone
//! tests its presence. In a tunnelled frame the Ethernet, IP, UDP and TCP
//! fields take their values from the outer headers too, as Wireshark's do
//! from every layer of the stack.

mod eval;
mod lex;
mod parse;

use crate::decode::Packet;
use std::fmt;

pub use parse::Expr;

/// A filter that could not be parsed: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based column, in characters, of the token at fault.
    pub column: usize,
    pub message: String,
}

impl FilterError {
    fn at(column: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            column,
            message: message.into(),
        }
    }

    /// The filter, a caret under the column at fault, and the message, as
    /// three lines for a terminal.
    pub fn pointed(&self, src: &str) -> String {
        let shown = crate::render::escape(src);
        format!(
            "{shown}\n{}^\n{}",
            " ".repeat(self.column.saturating_sub(1)),
            self
        )
    }
}

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
}

impl Filter {
    pub fn parse(src: &str) -> Result<Filter, FilterError> {
        let tokens = lex::lex(src)?;
        let expr = parse::parse(&tokens, src.chars().count())?;
        Ok(Filter { expr })
    }

    /// Whether the frame passes the filter.
    pub fn matches(&self, p: &Packet) -> bool {
        eval::eval(&self.expr, p)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.expr)
    }
}

/// The field names a filter may use, for help text and completions.
pub fn field_names() -> Vec<&'static str> {
    parse::FIELDS.iter().map(|(n, _, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{tcp::TcpInfo, IpInfo, UdpInfo};

    fn tcp_packet(src: &str, dst: &str, sport: u16, dport: u16, flags: u8) -> Packet {
        Packet {
            frame: 7,
            ip: Some(IpInfo {
                version: 4,
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                ttl: 64,
                proto: 6,
                id: None,
                fragment: false,
                ext_headers: vec![],
                frag: None,
                reassembled: None,
            }),
            tcp: Some(TcpInfo {
                src_port: sport,
                dst_port: dport,
                flag_bits: flags,
                ..TcpInfo::default()
            }),
            ..Packet::default()
        }
    }

    fn m(f: &str, p: &Packet) -> bool {
        Filter::parse(f).unwrap().matches(p)
    }

    #[test]
    fn wireshark_semantics() {
        let p = tcp_packet("198.51.100.10", "203.0.113.100", 41020, 443, 0x02);
        assert!(m("tcp.port == 443", &p));
        // `!=` is `!(==)`: one of the two ports is 443, so this is false.
        assert!(!m("tcp.port != 443", &p));
        assert!(m("tcp.port != 80", &p));
        // A relation on a missing field is false, and so is its `!=`.
        assert!(!m("udp.port == 53", &p));
        assert!(!m("udp.port != 53", &p));
        assert!(m("!udp", &p));
        assert!(m(
            "ip.addr == 198.51.100.0/24 && ip.dst == 203.0.113.100",
            &p
        ));
        assert!(!m("ip.src == 203.0.113.0/24", &p));
        assert!(m("tcp.flags.syn == 1 and tcp.flags.ack == 0", &p));
        assert!(m("tcp.flags.syn == true", &p));
        // `and` binds tighter than `or`; `not` tighter than both.
        assert!(m("udp or tcp and frame.number == 7", &p));
        assert!(!m("not tcp or udp", &p));
        assert!(m("frame.number >= 0x7 && frame.number < 8", &p));
        assert!(!m("ipv6", &p));
    }

    #[test]
    fn text_fields_contain_and_match() {
        let mut p = tcp_packet("198.51.100.10", "203.0.113.53", 5353, 53, 0x18);
        p.tcp = None;
        p.udp = Some(UdpInfo {
            src_port: 5353,
            dst_port: 53,
            length: 40,
        });
        let d = crate::decode::dns::DnsMessage {
            id: 1,
            response: true,
            opcode: crate::decode::dns::Opcode::QUERY,
            rcode: crate::decode::dns::Rcode::NXDOMAIN,
            flags: Default::default(),
            questions: vec![crate::decode::dns::DnsQuestion {
                name: "www.Example.com".into(),
                qtype: crate::decode::dns::RType::A,
                class: crate::decode::dns::Class::IN,
            }],
            answers: vec![],
            authority: vec![],
            additional: vec![],
            protocol: crate::decode::dns::DnsProtocol::Dns,
            incomplete: false,
            latency_ms: None,
            query_frame: None,
        };
        p.dns = Some(Box::new(d));
        assert!(m("dns", &p));
        assert!(m("dns.flags.rcode == 3", &p));
        assert!(m("dns.qry.name contains \"Example\"", &p));
        assert!(!m("dns.qry.name contains \"example\"", &p));
        assert!(m("dns.qry.name matches \"^WWW\\\\.example\"", &p));
        assert!(m("dns.qry.name == \"www.Example.com\"", &p));
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = Filter::parse("tcp.port == 80 && ip.adr == 1.2.3.4").unwrap_err();
        assert_eq!(e.column, 19);
        assert_eq!(
            e.pointed("tcp.port == 80 && ip.adr == 1.2.3.4")
                .lines()
                .nth(1),
            Some("                  ^")
        );
        assert_eq!(Filter::parse("").unwrap_err().column, 1);
        assert_eq!(Filter::parse("tcp.port ==").unwrap_err().column, 12);
        assert_eq!(
            Filter::parse("eth.addr < 00:11:22:33:44:55")
                .unwrap_err()
                .column,
            10
        );
        assert_eq!(Filter::parse("tcp.flags.syn == 2").unwrap_err().column, 18);
    }
}
