//! Tunnels and the link layers beside Ethernet in the terminal view: the
//! encapsulation named on a packet's line ("[in VXLAN VNI 42, 192.0.2.1 →
//! 192.0.2.2]"), the summaries of PPP, PPPoE, LLC and non-Ethernet ARP
//! frames, and the outer layers under `-v`, in wire order.

use super::*;
use crate::decode::tunnel::ppp::PppoeInfo;
use crate::decode::Encap;

/// One tunnel header with its identifiers: "VXLAN VNI 42", "GRE key 7", …
fn tunnel_name(e: &Encap) -> Option<String> {
    if !e.is_tunnel() {
        return None;
    }
    Some(match e.identifiers() {
        Some(ids) => format!("{} {ids}", e.layer()),
        None => e.layer().to_string(),
    })
}

/// The tunnels a packet came through, outermost first, each with the
/// outer IP endpoints it ran between; `None` without a tunnel.
pub(super) fn encap_label(p: &Packet) -> Option<String> {
    if p.encap.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    let mut outer_ip: Option<String> = None;
    let is_ip = |e: Option<&Encap>| matches!(e, Some(Encap::Ipv4(_) | Encap::Ipv6(_)));
    for (i, e) in p.encap.iter().enumerate() {
        if let Encap::Ipv4(ip) | Encap::Ipv6(ip) = e {
            let ends = format!("{} → {}", ip.src, ip.dst);
            // IP directly inside IP: no tunnel header between them.
            let next = p.encap.get(i + 1);
            let inner_ip = next.is_none() && p.ip.is_some();
            if is_ip(next) || inner_ip {
                let inner = match next {
                    Some(Encap::Ipv6(_)) => 6,
                    Some(_) => 4,
                    None => p.ip.as_ref().map_or(4, |ip| ip.version),
                };
                parts.push(format!("IPv{inner} in IPv{}, {ends}", ip.version));
            } else {
                outer_ip = Some(ends);
            }
            continue;
        }
        if let Some(name) = tunnel_name(e) {
            match outer_ip.take() {
                Some(ends) => parts.push(format!("{name}, {ends}")),
                None => parts.push(name),
            }
        }
    }
    (!parts.is_empty()).then(|| format!("[in {}]", parts.join(" in ")))
}

/// The NFLOG group and prefix a logged packet came with.
pub(super) fn nflog_label(p: &Packet) -> Option<String> {
    let n = p.nflog.as_ref()?;
    Some(match &n.prefix {
        Some(prefix) => format!("[NFLOG group {} \"{}\"]", n.group, escape(prefix)),
        None => format!("[NFLOG group {}]", n.group),
    })
}

fn pppoe_summary(d: &PppoeInfo) -> String {
    let mut s = match d.name {
        "" => format!("code {:#04x}", d.code),
        name => name.to_string(),
    };
    let _ = write!(s, " session {:#06x}", d.session_id);
    if let Some(ac) = &d.ac_name {
        let _ = write!(s, " AC-Name \"{}\"", escape(ac));
    }
    if let Some(svc) = d.service_name.as_deref().filter(|s| !s.is_empty()) {
        let _ = write!(s, " Service-Name \"{}\"", escape(svc));
    }
    s
}

/// Protocol label and summary of the frames that are neither IP nor
/// Ethernet/IPv4 ARP: PPP control protocols, PPPoE, LLC, other ARP.
pub(super) fn describe_link(p: &Packet) -> Option<(&'static str, String)> {
    if let Some(a) = &p.arp_generic {
        let s = format!(
            "{} hardware type {} {} ({}) → {} ({})",
            a.op,
            a.hardware_type,
            escape(&a.sender_proto),
            escape(&a.sender_hw),
            escape(&a.target_proto),
            escape(&a.target_hw)
        );
        return Some(("ARP", s));
    }
    if let Some(ppp) = &p.ppp {
        let name = match ppp.name {
            "" => format!("protocol {:#06x}", ppp.protocol),
            n => n.to_string(),
        };
        let s = match ppp.code {
            Some(c) => format!("{name} code {c}"),
            None => name,
        };
        let s = match &p.pppoe {
            Some(d) => format!("{s}, PPPoE session {:#06x}", d.session_id),
            None => s,
        };
        return Some(("PPP", s));
    }
    if let Some(d) = &p.pppoe {
        return Some(("PPPoE", pppoe_summary(d)));
    }
    if let Some(l) = &p.llc {
        let s = format!(
            "DSAP {:#04x} SSAP {:#04x} control {:#04x}",
            l.dsap, l.ssap, l.control
        );
        return Some(("LLC", s));
    }
    None
}

/// `-v`: the layers outside the tunnel, one section each.
pub(super) fn write_encap(p: &Packet, out: &mut String) {
    for e in &p.encap {
        let _ = writeln!(out, "    {}", format!("{} (outer)", e.layer()).bold());
        if let Ok(serde_json::Value::Object(mut map)) = serde_json::to_value(e) {
            map.remove("layer");
            super::verbose::write_fields(&serde_json::Value::Object(map), out);
        }
    }
}

/// Whether the tunnel's outer layers start with a link header of their
/// own (then they come before the packet's Ethernet header on the wire).
pub(super) fn encap_starts_with_link(p: &Packet) -> bool {
    matches!(
        p.encap.first(),
        Some(Encap::Ethernet(_) | Encap::Vlan { .. } | Encap::Sll(_))
    )
}
