//! `-v`: every decoded field of a packet, layer by layer, TLS code points
//! with their IANA names.

use super::*;

/// Writes every decoded field, layer by layer; the layer titles in `l`,
/// the field names and values as the JSON has them.
pub fn packet_verbose(p: &Packet, l: Lang, out: &mut String) {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(p) else {
        return;
    };
    // Layers in the order they are on the wire, not alphabetically.
    const WIRE_ORDER: &[&str] = &[
        "eth",
        "vlan",
        "sll",
        "encap",
        "nflog",
        "llc",
        "pppoe",
        "ppp",
        "arp",
        "arp_generic",
        "ndp",
        "ip",
        "icmp",
        "tcp",
        "udp",
        "dhcp",
        "dns",
        "dns_more",
        "quic",
        "quic_more",
        "tls",
        "dtls",
        "socks",
        "lines",
        "http",
        "http2",
        "websocket",
        "errors",
    ];
    let rank = |k: &str| {
        // Outer layers that have their own link header come first.
        if k == "encap" && super::tunnel::encap_starts_with_link(p) {
            return 0;
        }
        WIRE_ORDER
            .iter()
            .position(|w| *w == k)
            .unwrap_or(WIRE_ORDER.len())
    };
    let mut layers: Vec<(&String, &serde_json::Value)> = map.iter().collect();
    layers.sort_by_key(|(k, _)| rank(k));
    for (key, value) in layers {
        if key == "encap" {
            super::tunnel::write_encap(p, out);
        } else if value.is_object() || value.is_array() {
            let _ = writeln!(out, "    {}", layer_title(key, l).bold());
            write_value(value, 3, out);
        }
    }
}

fn layer_title(key: &str, l: Lang) -> String {
    match key {
        "eth" => "Ethernet".into(),
        "vlan" => l.t("VLAN tags", "VLAN 标签").into(),
        "sll" => l.t("Linux cooked header", "Linux cooked 首部").into(),
        "ip" => "IP".into(),
        "dns" => "DNS".into(),
        "dns_more" => l.t("More DNS messages", "更多 DNS 消息").into(),
        "quic_more" => l
            .t(
                "More QUIC packets (coalesced)",
                "更多 QUIC 包（合并在同一个数据报里）",
            )
            .into(),
        "errors" => l.t("Problems", "问题").into(),
        "arp_generic" => "ARP".into(),
        "pppoe" => "PPPoE".into(),
        "http2" => "HTTP/2".into(),
        "lines" => l.t("Command and reply lines", "命令与应答行").into(),
        other => other.to_uppercase(),
    }
}

/// The fields of one layer, indented under its title.
pub(super) fn write_fields(v: &serde_json::Value, out: &mut String) {
    write_value(v, 3, out);
}

fn write_value(v: &serde_json::Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if let Some(fields) = field_lines(k, v) {
                    // HTTP/2 and HTTP/3 field blocks: one field a line.
                    let _ = writeln!(out, "{pad}{k}:");
                    for [n, v] in fields {
                        let _ = writeln!(out, "{pad}  {}: {}", escape(n), escape(v));
                    }
                } else if v.is_object()
                    || (v.is_array()
                        && v.as_array()
                            .is_some_and(|a| a.iter().any(|x| x.is_object())))
                {
                    let _ = writeln!(out, "{pad}{k}:");
                    write_value(v, depth + 1, out);
                } else if let Some(named) = named_numbers(k, v) {
                    let _ = writeln!(out, "{pad}{k}: {named}");
                } else {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(v));
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    let _ = writeln!(out, "{pad}[{i}]");
                    write_value(item, depth + 1, out);
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

/// A `headers` list of [name, value] pairs.
fn field_lines<'a>(key: &str, v: &'a serde_json::Value) -> Option<Vec<[&'a str; 2]>> {
    if key != "headers" {
        return None;
    }
    v.as_array()?
        .iter()
        .map(|nv| match nv.as_array()?.as_slice() {
            [n, v] => Some([n.as_str()?, v.as_str()?]),
            _ => None,
        })
        .collect()
}

/// TLS code points written with their IANA names: "0x1301
/// TLS_AES_128_GCM_SHA256", "x25519 (0x001d)"; unknown ones as hex.
fn named_numbers(key: &str, v: &serde_json::Value) -> Option<String> {
    let name: fn(u16) -> Option<&'static str> = match key {
        "cipher_suites" | "cipher_suite" => tls::cipher_suite_name,
        "supported_groups" | "key_share_groups" => tls::group_name,
        "signature_algorithms" | "signature_scheme" => tls::signature_scheme_name,
        "extensions" => tls::extension_name,
        _ => return None,
    };
    let one = |x: &serde_json::Value| -> Option<String> {
        let n = u16::try_from(x.as_u64()?).ok()?;
        Some(match name(n) {
            Some(s) => format!("{s} (0x{n:04x})"),
            None if tls::is_grease(n) => format!("GREASE (0x{n:04x})"),
            None => format!("0x{n:04x}"),
        })
    };
    match v {
        serde_json::Value::Array(a) => a
            .iter()
            .map(one)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(", ")),
        x => one(x),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => escape(s).into_owned(),
        serde_json::Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
