//! Why a QUIC connection of a page load carried no request: the server
//! never answered the client's Initials (RFC 9002 §6.2: the client sends
//! them again, each time after a longer probe timeout), the server's host
//! answered with ICMP port unreachable (RFC 4443 §3.1, RFC 1122 §3.2.2.1),
//! or a CONNECTION_CLOSE, readable in an Initial without keys, ended the
//! connection before the handshake finished (RFC 9000 §10.2, §19.19).

use super::Ctx;
use crate::explain::evidence::Conn;
use crate::explain::Lang;
use std::net::IpAddr;

/// What ended a QUIC connection that never carried a request.
pub(super) struct Failure {
    pub en: String,
    pub zh: String,
    pub frames: Vec<u64>,
}

impl Failure {
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.en.clone(),
            Lang::Zh => self.zh.clone(),
        }
    }
}

/// RFC 8446 §6 alert descriptions a CRYPTO_ERROR may carry (RFC 9001 §4.8).
fn alert_name(a: u64) -> Option<&'static str> {
    Some(match a {
        10 => "unexpected_message",
        40 => "handshake_failure",
        42 => "bad_certificate",
        46 => "certificate_unknown",
        48 => "unknown_ca",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        80 => "internal_error",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => return None,
    })
}

/// Frame numbers as a list, in English and in Chinese punctuation.
fn frame_list(frames: &[u64]) -> (String, String) {
    let v: Vec<String> = frames.iter().map(u64::to_string).collect();
    (v.join(", "), v.join("、"))
}

fn ports_unreachable(ctx: &Ctx, c: &Conn) -> Vec<u64> {
    ctx.ev
        .icmp
        .iter()
        .filter(|r| {
            (!r.v6 && r.icmp_type == 3 && r.code == 3) || (r.v6 && r.icmp_type == 1 && r.code == 4)
        })
        .filter(|r| {
            r.quoted.as_ref().is_some_and(|q| {
                q.proto == 17
                    && q.src == c.client.0
                    && q.dst == c.server.0
                    && q.dst_port == Some(c.server.1)
            })
        })
        .map(|r| r.frame)
        .collect()
}

/// The failure of a QUIC connection that got no further than its Initials,
/// or `None` when the server answered and no early close ended it.
pub(super) fn failure(ctx: &Ctx, c: &Conn) -> Option<Failure> {
    if !c.quic || c.quic_short[1] > 0 {
        return None;
    }
    let initials: Vec<u64> = c.quic_initials.iter().map(|s| s.frame).collect();
    let unreachable = ports_unreachable(ctx, c);
    if !unreachable.is_empty() {
        let port = c.server.1;
        let (shown, shown_zh) = frame_list(&unreachable);
        return Some(Failure {
            en: format!("The server's host answered the client's Initial with ICMP port unreachable (frames {shown}): the datagram arrived, but nothing listens on UDP port {port} there, so there is no QUIC server to talk to; no connection was set up and no request was sent."),
            zh: format!("服务器主机对客户端的 Initial 回复了 ICMP 端口不可达（帧 {shown_zh}）：数据报到达了，但那里没有程序监听 UDP 端口 {port}，没有 QUIC 服务器可以交谈；连接没有建立，也没有发出请求。"),
            frames: unreachable,
        });
    }
    if let Some((seg, code, error, application)) = &c.quic_close {
        let (who_en, who_zh) = if seg.from_client {
            ("client", "客户端")
        } else {
            ("server", "服务器")
        };
        let (what_en, what_zh) = match (code, application) {
            (0x100..=0x1ff, false) => {
                let alert = code & 0xff;
                let name = alert_name(alert)
                    .map(|n| format!(", {n}"))
                    .unwrap_or_default();
                let extra_en = if alert == 120 {
                    ": the server supports none of the application protocols the client offered in ALPN (RFC 7301 §3.2)"
                } else {
                    ""
                };
                let extra_zh = if alert == 120 {
                    "：服务器不支持客户端在 ALPN 中提供的任何应用协议（RFC 7301 §3.2）"
                } else {
                    ""
                };
                (
                    format!("CRYPTO_ERROR 0x{code:x}, the TLS alert {alert}{name}{extra_en}"),
                    format!("CRYPTO_ERROR 0x{code:x}，即 TLS 告警 {alert}{name}{extra_zh}"),
                )
            }
            (_, true) => (
                format!("application error 0x{code:x}"),
                format!("应用层错误 0x{code:x}"),
            ),
            (_, false) => {
                let e = error.clone().unwrap_or_else(|| format!("0x{code:x}"));
                (e.clone(), e)
            }
        };
        let frame = seg.frame;
        return Some(Failure {
            en: format!("The {who_en} ended the connection in frame {frame} with a CONNECTION_CLOSE ({what_en}) before the handshake finished (RFC 9000 §10.2): no connection was set up and no request was sent."),
            zh: format!("{who_zh}在帧 {frame} 用 CONNECTION_CLOSE（{what_zh}）在握手完成之前结束了连接（RFC 9000 §10.2）：连接没有建立，也没有发出请求。"),
            frames: vec![frame],
        });
    }
    if c.packets[1] > 0 || initials.is_empty() {
        return None;
    }
    let n = initials.len();
    let (shown, shown_zh) = frame_list(&initials);
    let ts: Vec<f64> = c.quic_initials.iter().map(|s| s.ts).collect();
    let waits: Vec<f64> = ts.windows(2).map(|w| (w[1] - w[0]) * 1000.0).collect();
    let growing = waits.len() >= 2 && waits.windows(2).all(|w| w[1] > w[0]);
    let waits_shown: Vec<String> = waits.iter().map(|w| format!("{w:.0}")).collect();
    let (again_en, again_zh) = if growing {
        (
            format!(", sending it again each time after a longer wait ({} ms): the probe timeout backs off exponentially (RFC 9002 §6.2.1)", waits_shown.join(", ")),
            format!("，每次重发前等待得更久（{} 毫秒）：探测超时按指数退避（RFC 9002 §6.2.1）", waits_shown.join("、")),
        )
    } else {
        (String::new(), String::new())
    };
    let server: IpAddr = c.server.0;
    Some(Failure {
        en: format!("The server never answered: the client sent its Initial {n} time(s) to {server} port {} (frames {shown}){again_en}, and no packet came back in this capture. Without an answer there is no handshake and no connection, so no request was sent.", c.server.1),
        zh: format!("服务器始终没有应答：客户端向 {server} 端口 {} 发送了 {n} 次 Initial（帧 {shown_zh}）{again_zh}，抓包中没有任何回包。没有应答就没有握手，也就没有建立连接，所以没有发出任何请求。", c.server.1),
        frames: initials,
    })
}

/// RFC 9000 §8.1: until the client's address is validated (here by its
/// first Handshake packet, which only the holder of the Initial keys from
/// the server's reply can send), a server sends at most three times the
/// bytes it received. Told when the server's bytes before that packet reach
/// the limit (within one datagram of it) and it then paused.
pub(super) fn amplification(ctx: &Ctx, c: &Conn) -> Option<String> {
    let d = &c.quic_datagrams;
    let validated = d.iter().position(|x| x.2)?;
    let received: u64 = d[..validated]
        .iter()
        .filter(|x| x.0.from_client)
        .map(|x| x.1)
        .sum();
    let sent: u64 = d[..validated]
        .iter()
        .filter(|x| !x.0.from_client)
        .map(|x| x.1)
        .sum();
    let largest = d[..validated]
        .iter()
        .filter(|x| !x.0.from_client)
        .map(|x| x.1)
        .max()?;
    let limit = 3 * received;
    if sent > limit || sent + largest <= limit {
        return None;
    }
    // The server's last datagram before the client's Handshake packet, and
    // its next one after it: the pause the limit made.
    let last = d[..validated].iter().rev().find(|x| !x.0.from_client)?;
    let next = d[validated..].iter().find(|x| !x.0.from_client)?;
    let frame = d[validated].0.frame;
    let pause = (next.0.ts - last.0.ts) * 1000.0;
    let after = next.0.frame;
    Some(match ctx.lang {
        Lang::En => format!("Before frame {frame} the server had sent {sent} bytes for the client's {received}, close to three times as much: the anti-amplification limit (RFC 9000 §8.1) forbids more until the client's address is validated, which its Handshake packet in frame {frame} does; the server's next datagram (frame {after}) came {pause:.1} ms after its previous one."),
        Lang::Zh => format!("在帧 {frame} 之前，服务器针对客户端的 {received} 字节已发送 {sent} 字节，接近三倍：抗放大限制（RFC 9000 §8.1）规定在客户端地址通过验证之前不得再多发，而帧 {frame} 中客户端的 Handshake 包完成了验证；服务器的下一个数据报（帧 {after}）与上一个相隔 {pause:.1} 毫秒。"),
    })
}
