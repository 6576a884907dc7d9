//! The sentence of the link step that names a tunnel once: which
//! encapsulation the connection's packets travel in (VXLAN, Geneve, GRE,
//! ERSPAN, GTP-U, MPLS, PPPoE, IP in IP) with its identifiers and outer
//! endpoints, and which layer the story's addresses belong to.

use super::Ctx;
use crate::decode::Encap;
use crate::explain::evidence::Conn;
use crate::notes::Lang;

/// The tunnels of `encap`, innermost first, in `lang`.
fn chain(encap: &[Encap], inner_version: u8, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let mut ends: Option<(String, String)> = None;
    for (i, e) in encap.iter().enumerate() {
        if let Encap::Ipv4(ip) | Encap::Ipv6(ip) = e {
            let next = encap.get(i + 1);
            let ip_inside = match next {
                Some(Encap::Ipv4(_)) => Some(4),
                Some(Encap::Ipv6(_)) => Some(6),
                None => Some(inner_version),
                Some(_) => None,
            };
            let pair = (ip.src.to_string(), ip.dst.to_string());
            match ip_inside {
                Some(v) => out.push(match lang {
                    Lang::En => format!(
                        "IPv{v} in IPv{} between {} and {}",
                        ip.version, pair.0, pair.1
                    ),
                    Lang::Zh => format!(
                        "IPv{v} 封装在 IPv{} 中，在 {} 与 {} 之间",
                        ip.version, pair.0, pair.1
                    ),
                }),
                None => ends = Some(pair),
            }
            continue;
        }
        if !e.is_tunnel() {
            continue;
        }
        let name = match e.identifiers() {
            Some(id) => match lang {
                Lang::En => format!("{} ({id})", e.layer()),
                Lang::Zh => format!("{}（{id}）", e.layer()),
            },
            None => e.layer().to_string(),
        };
        out.push(match (ends.take(), lang) {
            (Some((a, b)), Lang::En) => format!("{name} between {a} and {b}"),
            (Some((a, b)), Lang::Zh) => format!("{name}，在 {a} 与 {b} 之间"),
            (None, _) => name,
        });
    }
    out.reverse();
    out
}

/// The tunnel sentence for the connection, and the chain in English for
/// the step's facts; `None` when its packets are not tunnelled.
pub(super) fn tunnel_line(ctx: &Ctx, c: &Conn) -> Option<(String, String)> {
    if c.encap.is_empty() {
        return None;
    }
    let v = if c.client.0.is_ipv6() { 6 } else { 4 };
    let fact = chain(&c.encap, v, Lang::En).join(", inside ");
    let text = chain(&c.encap, v, ctx.lang);
    // A tunnel that carries a whole Ethernet frame moved the outer one
    // into the encapsulation: the MACs the story shows are the inner ones.
    let inner_link = c.encap.iter().any(|e| matches!(e, Encap::Ethernet(_)));
    let line = match ctx.lang {
        Lang::En => format!(
            "The connection's packets travel inside a tunnel: {}. The addresses and ports in this story are the inner packet's; {}",
            text.join(", inside "),
            if inner_link {
                "the MAC addresses are the inner Ethernet frame's, which the tunnel carries whole."
            } else {
                "the tunnel carries no Ethernet header of its own, so a MAC address shown is the outer frame's."
            }
        ),
        Lang::Zh => format!(
            "该连接的报文在隧道中传输：{}。本故事中的地址和端口都属于内层报文；{}",
            text.join("，其外层是 "),
            if inner_link {
                "MAC 地址属于隧道完整承载的内层以太网帧。"
            } else {
                "隧道内没有自己的以太网头部，所示的 MAC 地址属于外层帧。"
            }
        ),
    };
    Some((fact, line))
}
