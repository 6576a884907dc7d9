//! The ladder's label of every frame: a short text in protocol terms, the
//! protocol it belongs to, and its sort (bulk data, a hello) for the
//! timeline.

use super::*;

/// A short label for the ladder, the protocol it belongs to, and its
/// sort. Labels use protocol terms, the same in every language.
pub(super) fn label(p: &Packet) -> (&'static str, FrameLabel, FrameSort) {
    if let Some(a) = &p.arp {
        return if a.op == ArpOp::Reply {
            (
                "arp",
                FrameLabel::from(format!("ARP {} is-at {}", a.sender_ip, a.sender_mac)),
                FrameSort::Plain,
            )
        } else {
            (
                "arp",
                FrameLabel::from(format!("ARP who-has {}", a.target_ip)),
                FrameSort::Plain,
            )
        };
    }
    if let Some(n) = &p.ndp {
        let what = match n.kind {
            NdpKind::NeighborSolicitation => "NS",
            NdpKind::NeighborAdvertisement => "NA",
            NdpKind::RouterSolicitation => "RS",
            NdpKind::RouterAdvertisement => "RA",
        };
        let target = n.target.map(|t| format!(" {t}")).unwrap_or_default();
        return (
            "ndp",
            FrameLabel::from(format!("{what}{target}")),
            FrameSort::Plain,
        );
    }
    if let Some(d) = &p.dns {
        let q = d
            .questions
            .first()
            .map(|q| format!("{} {}", q.qtype, q.name))
            .unwrap_or_default();
        let text = if d.response {
            let first = d
                .answers
                .iter()
                .find(|a| a.rtype.is_address())
                .or(d.answers.first())
                .map(|a| format!(" {} {}", a.rtype, a.data))
                .unwrap_or_default();
            format!("DNS {} {q}{first}", d.rcode)
        } else {
            format!("DNS query {q}")
        };
        return ("dns", FrameLabel::from(text), FrameSort::Plain);
    }
    if let Some(h) = p.http.first() {
        let text = match (&h.method, h.status) {
            (Some(m), _) => format!("{m} {}", h.target.as_deref().unwrap_or("")),
            (None, Some(s)) => format!("{} {s} {}", h.version, h.reason.as_deref().unwrap_or("")),
            _ => "HTTP".to_string(),
        };
        return ("http", FrameLabel::from(text), FrameSort::Plain);
    }
    if let Some(t) = &p.tls {
        let names: Vec<String> = if t.handshakes.is_empty() {
            t.records
                .iter()
                .map(|r| r.content_type.to_string())
                .collect()
        } else {
            t.handshakes.iter().map(|h| h.kind.to_string()).collect()
        };
        if !names.is_empty() {
            let mut text = format!("TLS {}", names.join(", "));
            if let Some(sni) = t.handshakes.iter().find_map(|h| h.sni.as_ref()) {
                text.push_str(&format!(" SNI={sni}"));
            }
            return ("tls", FrameLabel::from(text), tls_sort(t));
        }
    }
    if let Some(t) = &p.tcp {
        return (
            "tcp",
            FrameLabel::Tcp {
                flags: t.flags,
                len: t.payload_len,
            },
            FrameSort::Plain,
        );
    }
    if let Some(q) = &p.quic {
        let mut kinds: Vec<&str> = Vec::new();
        for q in std::iter::once(&**q).chain(&p.quic_more) {
            let kind = q.kind().label();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let mut text = format!("QUIC {}", kinds.join("+"));
        for h in p
            .quic
            .as_deref()
            .into_iter()
            .chain(&p.quic_more)
            .flat_map(|q| &q.handshakes)
        {
            text.push_str(&format!(", {}", h.kind));
            if let Some(sni) = &h.sni {
                text.push_str(&format!(" SNI={sni}"));
            }
        }
        return ("quic", FrameLabel::from(text), quic_sort(p));
    }
    if let Some(u) = &p.udp {
        if u.dst_port == 443 || u.src_port == 443 {
            return (
                "quic",
                FrameLabel::from(format!("UDP {} B", u.length.saturating_sub(8))),
                FrameSort::Plain,
            );
        }
        return (
            "udp",
            FrameLabel::from(format!("UDP {}→{}", u.src_port, u.dst_port)),
            FrameSort::Plain,
        );
    }
    if let Some(i) = &p.icmp {
        return (
            "icmp",
            FrameLabel::from(i.summary.clone()),
            FrameSort::Plain,
        );
    }
    ("other", FrameLabel::Text(Box::default()), FrameSort::Plain)
}

/// A TLS frame is bulk data when it holds one application_data record and
/// no handshake message.
fn tls_sort(t: &crate::decode::tls::TlsInfo) -> FrameSort {
    if t.handshakes.iter().any(|h| h.kind.is_hello()) {
        FrameSort::Hello
    } else if t.handshakes.is_empty()
        && matches!(&t.records[..], [r] if r.content_type == ContentType::ApplicationData)
    {
        FrameSort::Bulk
    } else {
        FrameSort::Plain
    }
}

/// A QUIC datagram is bulk data when its first packet is 1-RTT and it
/// completes no handshake message.
fn quic_sort(p: &Packet) -> FrameSort {
    let packets = || p.quic.as_deref().into_iter().chain(&p.quic_more);
    if packets()
        .flat_map(|q| &q.handshakes)
        .any(|h| h.kind.is_hello())
    {
        FrameSort::Hello
    } else if p
        .quic
        .as_ref()
        .is_some_and(|q| q.kind() == crate::decode::quic::PacketKind::OneRtt)
        && packets().all(|q| q.handshakes.is_empty())
    {
        FrameSort::Bulk
    } else {
        FrameSort::Plain
    }
}
