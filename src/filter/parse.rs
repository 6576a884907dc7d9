//! The grammar: `or` binds loosest, then `and`, then `not`; a relation is
//! `FIELD OP VALUE`; a bare field or protocol name tests presence.

use super::lex::{Tok, Token};
use super::FilterError;
use crate::decode::Mac;
use std::net::IpAddr;

/// What a field's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A protocol: only presence can be tested.
    Proto,
    Int,
    Bool,
    Ip,
    Mac,
    Str,
}

/// Every field and protocol name understood, its kind, and what it means.
pub const FIELDS: &[(&str, Kind, &str)] = &[
    ("frame", Kind::Proto, "every frame"),
    ("frame.number", Kind::Int, "1-based frame number"),
    ("frame.len", Kind::Int, "bytes on the wire"),
    ("eth", Kind::Proto, "Ethernet"),
    ("eth.addr", Kind::Mac, "Ethernet source or destination"),
    ("eth.src", Kind::Mac, "Ethernet source"),
    ("eth.dst", Kind::Mac, "Ethernet destination"),
    ("vlan", Kind::Proto, "802.1Q tag"),
    ("sll", Kind::Proto, "Linux cooked header"),
    ("arp", Kind::Proto, "ARP"),
    ("ip", Kind::Proto, "IPv4"),
    ("ip.addr", Kind::Ip, "IPv4 source or destination"),
    ("ip.src", Kind::Ip, "IPv4 source"),
    ("ip.dst", Kind::Ip, "IPv4 destination"),
    ("ip.ttl", Kind::Int, "IPv4 time to live"),
    ("ip.proto", Kind::Int, "IPv4 protocol number"),
    ("ipv6", Kind::Proto, "IPv6"),
    ("ipv6.addr", Kind::Ip, "IPv6 source or destination"),
    ("ipv6.src", Kind::Ip, "IPv6 source"),
    ("ipv6.dst", Kind::Ip, "IPv6 destination"),
    ("ipv6.hlim", Kind::Int, "IPv6 hop limit"),
    ("icmp", Kind::Proto, "ICMP"),
    ("icmpv6", Kind::Proto, "ICMPv6"),
    ("tcp", Kind::Proto, "TCP"),
    ("tcp.port", Kind::Int, "TCP source or destination port"),
    ("tcp.srcport", Kind::Int, "TCP source port"),
    ("tcp.dstport", Kind::Int, "TCP destination port"),
    ("tcp.stream", Kind::Int, "TCP conversation index, from 0"),
    ("tcp.len", Kind::Int, "TCP payload bytes"),
    ("tcp.flags.syn", Kind::Bool, "SYN flag"),
    ("tcp.flags.ack", Kind::Bool, "ACK flag"),
    ("tcp.flags.fin", Kind::Bool, "FIN flag"),
    ("tcp.flags.reset", Kind::Bool, "RST flag"),
    ("tcp.flags.push", Kind::Bool, "PSH flag"),
    ("udp", Kind::Proto, "UDP"),
    ("udp.port", Kind::Int, "UDP source or destination port"),
    ("udp.srcport", Kind::Int, "UDP source port"),
    ("udp.dstport", Kind::Int, "UDP destination port"),
    ("dns", Kind::Proto, "DNS (port 53)"),
    ("mdns", Kind::Proto, "multicast DNS (port 5353)"),
    ("llmnr", Kind::Proto, "LLMNR (port 5355)"),
    ("dns.id", Kind::Int, "DNS transaction id"),
    (
        "dns.flags.response",
        Kind::Bool,
        "DNS message is a response",
    ),
    ("dns.flags.rcode", Kind::Int, "DNS response code"),
    ("dns.qry.name", Kind::Str, "DNS question name"),
    ("dhcp", Kind::Proto, "DHCP"),
    ("tls", Kind::Proto, "TLS"),
    (
        "tls.handshake.type",
        Kind::Int,
        "TLS handshake message type",
    ),
    (
        "tls.handshake.extensions_server_name",
        Kind::Str,
        "TLS server name (SNI)",
    ),
    ("http", Kind::Proto, "HTTP/1.x"),
    ("http.request", Kind::Proto, "an HTTP request"),
    ("http.response", Kind::Proto, "an HTTP response"),
    ("http.request.method", Kind::Str, "HTTP request method"),
    ("http.request.uri", Kind::Str, "HTTP request target"),
    ("http.host", Kind::Str, "HTTP Host header"),
    ("http.response.code", Kind::Int, "HTTP status code"),
    ("websocket", Kind::Proto, "WebSocket"),
    ("quic", Kind::Proto, "QUIC"),
];

/// A literal on the right of a relation, already of its field's kind.
#[derive(Debug, Clone)]
pub enum Lit {
    Int(u64),
    /// An address and the number of leading bits that must match.
    Net(IpAddr, u8),
    Mac(Mac),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Present(&'static str),
    Cmp(&'static str, Op, Lit),
    Contains(&'static str, String),
    Matches(&'static str, regex::Regex),
}

pub fn field(name: &str) -> Option<(&'static str, Kind)> {
    FIELDS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(n, k, _)| (*n, *k))
}

struct Parser<'a> {
    toks: &'a [Token],
    at: usize,
    end_col: usize,
}

pub fn parse(toks: &[Token], len: usize) -> Result<Expr, FilterError> {
    let mut p = Parser {
        toks,
        at: 0,
        end_col: len + 1,
    };
    if toks.is_empty() {
        return Err(FilterError::at(1, "the filter is empty"));
    }
    let e = p.or()?;
    if let Some(t) = p.peek() {
        return Err(FilterError::at(
            t.col,
            "expected \"and\", \"or\" or the end of the filter here",
        ));
    }
    Ok(e)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.at)
    }

    fn col(&self) -> usize {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.eat(&Tok::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while self.eat(&Tok::And) {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.eat(&Tok::Not) {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let col = self.col();
        let Some(t) = self.peek().cloned() else {
            return Err(FilterError::at(
                col,
                "a field or protocol name is missing here",
            ));
        };
        self.at += 1;
        match t.tok {
            Tok::LParen => {
                let e = self.or()?;
                if !self.eat(&Tok::RParen) {
                    return Err(FilterError::at(
                        self.col(),
                        format!("\")\" expected, to close the \"(\" at column {col}"),
                    ));
                }
                Ok(e)
            }
            Tok::Word(w) => {
                let Some((name, kind)) = field(&w) else {
                    return Err(FilterError::at(
                        col,
                        format!(
                            "\"{}\" is not a field or protocol this tool knows",
                            crate::render::escape(&w)
                        ),
                    ));
                };
                self.relation(name, kind)
            }
            _ => Err(FilterError::at(
                col,
                "a field or protocol name is expected here",
            )),
        }
    }

    fn relation(&mut self, name: &'static str, kind: Kind) -> Result<Expr, FilterError> {
        let op = match self.peek().map(|t| &t.tok) {
            Some(Tok::Eq) => Op::Eq,
            Some(Tok::Ne) => Op::Ne,
            Some(Tok::Lt) => Op::Lt,
            Some(Tok::Le) => Op::Le,
            Some(Tok::Gt) => Op::Gt,
            Some(Tok::Ge) => Op::Ge,
            Some(Tok::Word(w)) if w == "contains" || w == "matches" => {
                let word = w.clone();
                let op_col = self.col();
                self.at += 1;
                if kind != Kind::Str {
                    return Err(FilterError::at(
                        op_col,
                        format!("\"{word}\" needs a text field; {name} is not one"),
                    ));
                }
                let (text, col) = self.value()?;
                return if word == "contains" {
                    Ok(Expr::Contains(name, text))
                } else {
                    regex::RegexBuilder::new(&text)
                        .case_insensitive(true)
                        .size_limit(1 << 20)
                        .build()
                        .map(|r| Expr::Matches(name, r))
                        .map_err(|e| FilterError::at(col, format!("not a regular expression: {e}")))
                };
            }
            _ => return Ok(Expr::Present(name)),
        };
        let op_col = self.col();
        self.at += 1;
        if kind == Kind::Proto {
            return Err(FilterError::at(
                op_col,
                format!("{name} is a protocol: it can only be tested for presence"),
            ));
        }
        if matches!(kind, Kind::Bool | Kind::Mac) && !matches!(op, Op::Eq | Op::Ne) {
            return Err(FilterError::at(
                op_col,
                format!("{name} can only be compared with == or !="),
            ));
        }
        let (text, col) = self.value()?;
        let lit = literal(kind, &text).ok_or_else(|| {
            FilterError::at(
                col,
                format!(
                    "\"{}\" is not {} (the kind of value {name} holds)",
                    crate::render::escape(&text),
                    match kind {
                        Kind::Int => "a number",
                        Kind::Bool => "0, 1, true or false",
                        Kind::Ip => "an address or address/prefix",
                        Kind::Mac => "a MAC address",
                        Kind::Str | Kind::Proto => "a string",
                    }
                ),
            )
        })?;
        Ok(Expr::Cmp(name, op, lit))
    }

    fn value(&mut self) -> Result<(String, usize), FilterError> {
        let col = self.col();
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(w)) | Some(Tok::Str(w)) => {
                self.at += 1;
                Ok((w, col))
            }
            _ => Err(FilterError::at(col, "a value is expected here")),
        }
    }
}

fn int(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

fn literal(kind: Kind, s: &str) -> Option<Lit> {
    match kind {
        Kind::Int => int(s).map(Lit::Int),
        Kind::Bool => match s {
            "true" | "True" | "TRUE" => Some(Lit::Int(1)),
            "false" | "False" | "FALSE" => Some(Lit::Int(0)),
            _ => int(s).filter(|v| *v <= 1).map(Lit::Int),
        },
        Kind::Ip => {
            let (addr, bits) = match s.split_once('/') {
                Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
                None => (s, None),
            };
            let a: IpAddr = addr.parse().ok()?;
            let max = if a.is_ipv4() { 32 } else { 128 };
            let bits = bits.unwrap_or(max);
            (bits <= max).then_some(Lit::Net(a, bits))
        }
        Kind::Mac => {
            let parts: Vec<&str> = s.split([':', '-', '.']).collect();
            if parts.len() != 6 {
                return None;
            }
            let mut m = [0u8; 6];
            for (i, p) in parts.iter().enumerate() {
                if p.is_empty() || p.len() > 2 {
                    return None;
                }
                m[i] = u8::from_str_radix(p, 16).ok()?;
            }
            Some(Lit::Mac(Mac(m)))
        }
        Kind::Str | Kind::Proto => Some(Lit::Str(s.to_string())),
    }
}
