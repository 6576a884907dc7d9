//! ICMP (RFC 792) and ICMPv6 (RFC 4443, RFC 4861): the steps of the IP
//! protocol table for protocols 1 and 58, the names of the messages, and
//! the packet an error message quotes.

use super::error::DecodeError;
use super::layer::Layer;
use super::ndp;
use super::packet::IcmpInfo;
pub use super::packet::Quoted;
use super::transport::sliced;
use super::walk::{IpPayload, Next, Walk};
use etherparse::{Icmpv4Slice, Icmpv6Slice};
use std::net::IpAddr;

/// Reads the quoted IP header and ports, as far as they were captured.
pub fn quoted(bytes: &[u8]) -> Option<Quoted> {
    let (ip, _) = etherparse::LaxIpSlice::from_slice(bytes).ok()?;
    let payload = ip.payload();
    let proto = payload.ip_number.0;
    let ports = matches!(proto, 6 | 17)
        .then(|| payload.payload.get(..4))
        .flatten()
        .map(|b| {
            (
                u16::from_be_bytes([b[0], b[1]]),
                u16::from_be_bytes([b[2], b[3]]),
            )
        });
    Some(Quoted {
        src: ip.source_addr(),
        dst: ip.destination_addr(),
        proto,
        src_port: ports.map(|p| p.0),
        dst_port: ports.map(|p| p.1),
    })
}

/// Appends ", about UDP 198.51.100.10:5300 → 203.0.113.100:53".
pub fn describe_quoted(q: Option<&Quoted>, out: &mut String) {
    use std::fmt::Write as _;
    let Some(q) = q else {
        return;
    };
    let name = match q.proto {
        6 => "TCP".to_string(),
        17 => "UDP".to_string(),
        1 => "ICMP".to_string(),
        58 => "ICMPv6".to_string(),
        n => format!("protocol {n}"),
    };
    let at = |ip: IpAddr, port: Option<u16>| match (ip, port) {
        (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
        (a, Some(p)) => format!("{a}:{p}"),
        (a, None) => a.to_string(),
    };
    let _ = write!(
        out,
        ", about {name} {} → {}",
        at(q.src, q.src_port),
        at(q.dst, q.dst_port)
    );
}

pub fn summary_v4(t: u8, code: u8, rest: [u8; 4]) -> String {
    let id_seq = || {
        format!(
            "id {:#06x}, seq {}",
            u16::from_be_bytes([rest[0], rest[1]]),
            u16::from_be_bytes([rest[2], rest[3]])
        )
    };
    match (t, code) {
        (0, _) => format!("echo reply, {}", id_seq()),
        (8, _) => format!("echo request, {}", id_seq()),
        (3, 0) => "destination unreachable: network unreachable".into(),
        (3, 1) => "destination unreachable: host unreachable".into(),
        (3, 2) => "destination unreachable: protocol unreachable".into(),
        (3, 3) => "destination unreachable: port unreachable".into(),
        (3, 4) => format!(
            "destination unreachable: fragmentation needed, next-hop MTU {}",
            u16::from_be_bytes([rest[2], rest[3]])
        ),
        (3, 13) => "destination unreachable: administratively prohibited".into(),
        (3, c) => format!("destination unreachable (code {c})"),
        (5, _) => "redirect".into(),
        (11, 0) => "time exceeded: TTL expired in transit".into(),
        (11, 1) => "time exceeded: fragment reassembly".into(),
        (12, _) => "parameter problem".into(),
        (t, c) => format!("type {t} code {c}"),
    }
}

pub fn summary_v6(t: u8, code: u8, rest: [u8; 4]) -> String {
    match (t, code) {
        (1, 0) => "destination unreachable: no route".into(),
        (1, 1) => "destination unreachable: administratively prohibited".into(),
        (1, 3) => "destination unreachable: address unreachable".into(),
        (1, 4) => "destination unreachable: port unreachable".into(),
        (1, c) => format!("destination unreachable (code {c})"),
        (2, _) => format!("packet too big, MTU {}", u32::from_be_bytes(rest)),
        (3, 0) => "time exceeded: hop limit exceeded in transit".into(),
        (3, _) => "time exceeded: fragment reassembly".into(),
        (4, _) => "parameter problem".into(),
        (128, _) => "echo request".into(),
        (129, _) => "echo reply".into(),
        (133, _) => "router solicitation".into(),
        (134, _) => "router advertisement".into(),
        (135, _) => "neighbor solicitation".into(),
        (136, _) => "neighbor advertisement".into(),
        (137, _) => "redirect".into(),
        (143, _) => "multicast listener report v2".into(),
        (t, c) => format!("type {t} code {c}"),
    }
}

/// What differs between ICMP and ICMPv6 for the summary.
struct Version {
    version: u8,
    summary: fn(u8, u8, [u8; 4]) -> String,
    /// Error messages, which quote the packet they are about.
    quotes: fn(u8) -> bool,
    /// Echo request and reply.
    echoes: fn(u8) -> bool,
}

const V4: Version = Version {
    version: 4,
    summary: summary_v4,
    quotes: |t| matches!(t, 3 | 4 | 5 | 11 | 12),
    echoes: |t| matches!(t, 0 | 8),
};

const V6: Version = Version {
    version: 6,
    summary: summary_v6,
    quotes: |t| (1..=4).contains(&t),
    echoes: |t| matches!(t, 128 | 129),
};

/// The summary of a message of type `t`, code `c`, with header bytes 5–8
/// `rest` and the body after them.
fn info(v: &Version, t: u8, c: u8, rest: [u8; 4], body: &[u8]) -> IcmpInfo {
    let quoted = (v.quotes)(t).then(|| quoted(body)).flatten();
    let mut summary = (v.summary)(t, c, rest);
    describe_quoted(quoted.as_ref(), &mut summary);
    IcmpInfo {
        version: v.version,
        icmp_type: t,
        code: c,
        summary,
        quoted,
        echo: (v.echoes)(t).then(|| {
            (
                u16::from_be_bytes([rest[0], rest[1]]),
                u16::from_be_bytes([rest[2], rest[3]]),
            )
        }),
    }
}

/// IP protocol 1.
pub fn step_v4<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let stage = etherparse::err::Layer::Icmpv4;
    let Some(i) = sliced(
        w,
        Icmpv4Slice::from_slice(pl.bytes),
        Layer::Icmpv4,
        stage,
        &pl,
    ) else {
        return Next::Done;
    };
    w.packet.icmp = Some(info(
        &V4,
        i.type_u8(),
        i.code_u8(),
        i.bytes5to8(),
        i.payload(),
    ));
    Next::Done
}

/// IP protocol 58, and neighbour discovery inside it.
pub fn step_v6<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let stage = etherparse::err::Layer::Icmpv6;
    let Some(i) = sliced(
        w,
        Icmpv6Slice::from_slice(pl.bytes),
        Layer::Icmpv6,
        stage,
        &pl,
    ) else {
        return Next::Done;
    };
    w.packet.icmp = Some(info(
        &V6,
        i.type_u8(),
        i.code_u8(),
        i.bytes5to8(),
        i.payload(),
    ));
    match ndp::parse(i.slice()) {
        Some(Ok(n)) => w.packet.ndp = Some(Box::new(n)),
        Some(Err(error)) => {
            let offset = w.offset_of(pl.bytes);
            w.fail(DecodeError::Ndp { error, offset });
        }
        None => {}
    }
    Next::Done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_ipv6_udp_and_a_quote_cut_short() {
        // An IPv6 header (next header UDP) from 2001:db8:1::10 to
        // 2001:db8:2::53, then the UDP ports 5300 → 53.
        let mut b = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
        b.extend([
            0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ]);
        b.extend([
            0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
        ]);
        b.extend([0x14, 0xb4, 0, 53, 0, 8, 0, 0]);
        let q = quoted(&b).unwrap();
        assert_eq!(q.src.to_string(), "2001:db8:1::10");
        assert_eq!(q.dst.to_string(), "2001:db8:2::53");
        assert_eq!(
            (q.proto, q.src_port, q.dst_port),
            (17, Some(5300), Some(53))
        );
        let mut text = String::new();
        describe_quoted(Some(&q), &mut text);
        assert_eq!(
            text,
            ", about UDP [2001:db8:1::10]:5300 → [2001:db8:2::53]:53"
        );
        // Only two bytes of the UDP header: no ports, but the addresses.
        let short = quoted(&b[..42]).unwrap();
        assert_eq!((short.src_port, short.dst_port), (None, None));
        assert!(quoted(&b[..10]).is_none());
    }
}
