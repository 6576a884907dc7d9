//! Steps that happen before and beneath the connection: the URL, the
//! caches, and finding the next hop's link-layer address.

use super::{new_step, Ctx};
use crate::decode::Mac;
use crate::explain::{Status, Step};
use crate::notes::claims;
use serde_json::json;
use std::net::IpAddr;

/// Step 1: the scheme and port come from the first connection (RFC 9110
/// §4.2.1–4.2.2: http defaults to port 80, https to 443; RFC 9114 §3.1:
/// HTTP/3 is found on UDP).
pub(super) fn url(ctx: &Ctx) -> Step {
    let mut s = new_step("url", ctx.lang, Status::Inferred);
    s.cite(&[4, 1]);
    let Some(c) = ctx.first_conn() else {
        s.status = Status::NotVisible;
        s.reason(ctx.t(
            "The URL is parsed inside the browser, and no connection shows which scheme it had.",
            "URL 在浏览器内部解析，抓包中没有连接能说明它使用的协议。",
        ));
        return s;
    };
    // A connection already open when the capture began: no SYN, and the
    // request that named the URL may have gone before the first frame.
    if !c.quic && c.syns.is_empty() && c.syn_ack.is_none() {
        s.status = Status::NotVisible;
        s.fact("open_before_capture", true);
        s.reason(ctx.t(
            "The first connection was already open when the capture began (its SYN is not in the capture), so the URL it was opened for cannot be seen.",
            "第一个连接在抓包开始前就已建立（抓包中没有它的 SYN），看不到它是为哪个 URL 打开的。",
        ));
        return s;
    }
    // RFC 6455 §3: a WebSocket URL is ws:// (or wss:// over TLS); its
    // opening request is an HTTP GET with Upgrade: websocket.
    let websocket = c.first_request().is_some_and(|r| {
        r.msg
            .upgrade
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    });
    // RFC 9114 §3.1: HTTP/3 is the QUIC application whose ALPN token is
    // "h3"; a client offering only other tokens (hq-interop, say) speaks
    // something else over QUIC.
    let quic_alpn: Vec<String> = c
        .client_hello()
        .map(|ch| ch.hs.alpn.clone())
        .unwrap_or_default();
    let quic_other =
        c.quic && !quic_alpn.is_empty() && !quic_alpn.iter().any(|a| a.starts_with("h3"));
    let quic_shown;
    let (scheme, shown) = if quic_other {
        let list = quic_alpn.join(", ");
        quic_shown = match ctx.lang {
            crate::notes::Lang::En => format!(
                "QUIC (UDP) whose ClientHello offers ALPN {list}, not h3: not HTTP/3, and the client's URL scheme is not on the wire; https is assumed"
            ),
            crate::notes::Lang::Zh => format!(
                "QUIC（UDP），其 ClientHello 的 ALPN 提供的是 {list} 而不是 h3：不是 HTTP/3，客户端 URL 的协议名不在线路上，这里假定为 https"
            ),
        };
        ("https", quic_shown.as_str())
    } else if c.quic {
        (
            "https",
            ctx.t("https (HTTP/3 over QUIC)", "https（基于 QUIC 的 HTTP/3）"),
        )
    } else if c.is_tls() {
        ("https", "https")
    } else if websocket {
        (
            "ws",
            ctx.t(
                "ws (WebSocket, whose opening handshake is HTTP)",
                "ws（WebSocket，其开始握手使用 HTTP）",
            ),
        )
    } else {
        ("http", "http")
    };
    let first = c.syns.first().copied().unwrap_or(c.first);
    s.segs(&[first]);
    s.reason(ctx.t(
        "The URL is parsed inside the browser; its scheme and port are read from the first connection it opened.",
        "URL 在浏览器内部解析；协议和端口是从浏览器打开的第一个连接推断出来的。",
    ));
    s.fact("scheme", scheme);
    s.fact("port", c.server.1);
    s.fact("host", ctx.load.host.clone());
    s.fact("transport", if c.quic { "udp" } else { "tcp" });
    if let Some(r) = c.first_request() {
        if let Some(t) = &r.msg.target {
            s.fact("path", t.clone());
        }
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let host = match ctx.load.host.parse::<IpAddr>() {
        Ok(IpAddr::V6(a)) => format!("[{a}]"),
        _ => ctx.load.host.clone(),
    };
    let port = if c.server.1 == default_port {
        String::new()
    } else {
        format!(":{}", c.server.1)
    };
    let path = c
        .first_request()
        .and_then(|r| r.msg.target.clone())
        .unwrap_or_else(|| "/".to_string());
    let proxied = super::proxy::proxied(c);
    let url = match &proxied {
        Some(p) => p.url(),
        None => format!("{scheme}://{host}{port}{path}"),
    };
    s.fact("url", url.clone());
    if let Some(p) = &proxied {
        s.frames.push(p.frame);
        s.fact("proxy", json!({"address": c.server.0.to_string(), "port": c.server.1, "request_frame": p.frame}));
        // The target's port and path, not the proxy's: a tunnel's path is
        // encrypted inside it.
        let (port, path) = p.target_port_path();
        s.fact("port", port);
        match path {
            Some(path) => s.fact("path", path),
            None => {
                s.facts.remove("path");
            }
        }
        s.line(format!(
            "{}{}{}",
            p.told(ctx, c),
            ctx.t(" ", ""),
            match ctx.lang {
                crate::notes::Lang::En => format!("The URL was {url}."),
                crate::notes::Lang::Zh => format!("URL 是 {url}。"),
            }
        ));
    } else {
        s.line(match ctx.lang {
            crate::notes::Lang::En => format!(
            "The first connection (frame {}) goes to {} port {} over {shown}: the URL was {url}.",
            first.frame, c.server.0, c.server.1
        ),
            crate::notes::Lang::Zh => format!(
                "第一个连接（帧 {}）通过 {shown} 发往 {} 的 {} 端口：URL 是 {url}。",
                first.frame, c.server.0, c.server.1
            ),
        });
    }
    // Attempts refused before it (a SYN answered by RST, RFC 9293
    // §3.10.7.1) came first on the wire: the first connection is the
    // first that opened.
    let refused: Vec<(u64, u64, String)> = ctx
        .conns
        .iter()
        .filter(|o| o.stream != c.stream && crate::explain::loads::refused(o))
        .filter_map(|o| {
            let syn = o.syns.first()?;
            let rst = o.rsts.iter().find(|r| !r.from_client)?;
            (syn.ts <= first.ts).then(|| {
                (
                    syn.frame,
                    rst.frame,
                    super::endpoint(o.server.0, o.server.1),
                )
            })
        })
        .collect();
    if !refused.is_empty() {
        for (syn, rst, _) in &refused {
            s.frames.push(*syn);
            s.frames.push(*rst);
        }
        let list = |en: bool| {
            refused
                .iter()
                .map(|(syn, rst, to)| {
                    if en {
                        format!("frame {syn} to {to}, refused by RST in frame {rst}")
                    } else {
                        format!("帧 {syn} 发往 {to}，被帧 {rst} 的 RST 拒绝")
                    }
                })
                .collect::<Vec<_>>()
        };
        s.fact(
            "refused_before",
            refused
                .iter()
                .map(|(syn, rst, to)| json!({"syn_frame": syn, "reset_frame": rst, "server": to}))
                .collect::<Vec<_>>(),
        );
        s.line(match ctx.lang {
            crate::notes::Lang::En => format!(
                "Before it, the client tried {} ({}): the first connection is the first that opened.",
                if refused.len() == 1 { "once" } else { "several times" },
                list(true).join("; ")
            ),
            crate::notes::Lang::Zh => format!(
                "在它之前，客户端先尝试过{}（{}）：这里的第一个连接指第一个建立成功的连接。",
                if refused.len() == 1 { "一次" } else { "多次" },
                list(false).join("；")
            ),
        });
    }
    // A cleartext request answered by a redirect to https: what HSTS
    // (RFC 6797) exists to skip.
    let redirect = ctx.conns.iter().find_map(|c| {
        c.http.iter().find(|h| {
            h.msg.status.is_some_and(|st| (300..400).contains(&st))
                && h.msg
                    .location
                    .as_deref()
                    .is_some_and(|l| l.to_ascii_lowercase().starts_with("https://"))
        })
    });
    if let (Some(r), "http") = (redirect, scheme) {
        let location = r.msg.location.clone().unwrap_or_default();
        s.frames.push(r.seg.frame);
        s.fact(
            "redirect_to_https",
            json!({"frame": r.seg.frame, "status": r.msg.status, "location": location}),
        );
        // HSTS is kept per host name: never for an address (RFC 6797
        // §8.1.1), and a header from the redirect's target covers that
        // host (and its subdomains), not the host of this http:// URL.
        let url_host = crate::explain::loads::strip_port(&ctx.load.host).to_ascii_lowercase();
        let target = crate::explain::loads::url_host(&location)
            .map(|h| crate::explain::loads::strip_port(&h).to_ascii_lowercase());
        let literal = url_host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok();
        let other = target.filter(|t| *t != url_host);
        let status = r.msg.status.unwrap_or(0);
        let frame = r.seg.frame;
        s.line(match (ctx.lang, literal) {
            (crate::notes::Lang::En, true) => format!(
                "The http:// request was answered {status} with Location {location} (frame {frame}): the page lives on https{}. \
                 The URL names an address, and HSTS never covers one (a browser must not note an IP-literal host as an HSTS host, \
                 RFC 6797 §8.1.1), so every visit to this URL takes this redirect; only a host name can be kept or preloaded.",
                other.as_deref().map(|t| format!(", at {t}")).unwrap_or_default()
            ),
            (crate::notes::Lang::Zh, true) => format!(
                "http:// 请求得到 {status} 重定向，Location 为 {location}（帧 {frame}）：页面在 https 上{}。这个 URL 写的是地址，\
                 而 HSTS 从不覆盖地址（浏览器不得把 IP 字面量主机记为 HSTS 主机，RFC 6797 §8.1.1），所以每次访问这个 URL 都要经过这次重定向；\
                 只有主机名才能被记住或预加载。",
                other.as_deref().map(|t| format!("，在 {t}")).unwrap_or_default()
            ),
            (crate::notes::Lang::En, false) => format!(
                "The http:// request was answered {status} with Location {location} (frame {frame}): the page really lives on https{}. \
                 A Strict-Transport-Security header counts only when it arrives over https (RFC 6797 §8.1); a browser \
                 that has received it for {url_host}, or finds {url_host} on its preload list, then goes straight to https without this \
                 extra round trip (HSTS){}. curl keeps HSTS only when asked (--hsts FILE).",
                other.as_deref().map(|t| format!(", at {t}")).unwrap_or_default(),
                other
                    .as_deref()
                    .map(|t| format!("; a header from {t} alone covers {t} and, with includeSubDomains, the names under it, not {url_host}"))
                    .unwrap_or_default()
            ),
            (crate::notes::Lang::Zh, false) => format!(
                "http:// 请求得到 {status} 重定向，Location 为 {location}（帧 {frame}）：页面实际在 https 上{}。Strict-Transport-Security \
                 首部只有通过 https 收到才有效（RFC 6797 §8.1）；浏览器为 {url_host} 收到过它，或在预加载列表中找到 {url_host}，之后就直接使用 https，\
                 省去这次往返（HSTS）{}。curl 只有在指定 --hsts 文件时才会记住。",
                other.as_deref().map(|t| format!("，在 {t}")).unwrap_or_default(),
                other
                    .as_deref()
                    .map(|t| format!("；只来自 {t} 的首部只覆盖 {t}（带 includeSubDomains 时还覆盖它下面的名字），不覆盖 {url_host}"))
                    .unwrap_or_default()
            ),
        });
    }
    s
}

/// Step 2: a DNS query before the first connection means every cache on
/// the host missed (RFC 1034 §5.3.1: the stub resolver asks only when its
/// cache has no answer).
pub(super) fn cache(ctx: &Ctx) -> Step {
    let mut s = new_step("cache", ctx.lang, Status::Inferred);
    s.cite(&[4, 11]);
    let Some(c) = ctx.first_conn() else {
        s.status = Status::NotVisible;
        s.reason(ctx.t(
            "Caches are looked up inside the host; no connection followed.",
            "缓存查找发生在主机内部；之后没有连接。",
        ));
        return s;
    };
    // A URL that names an address has no name to look up in any cache.
    if ctx.load.host.parse::<IpAddr>().is_ok() && ctx.load.dns.is_empty() {
        s.fact("ip_literal", true);
        s.reason(ctx.t(
            "The URL names an address, not a host name, so there is no name to look up in a DNS cache.",
            "URL 中直接写的是地址而不是主机名，没有需要在 DNS 缓存中查找的名字。",
        ));
        return s;
    }
    let query = ctx
        .load
        .dns
        .iter()
        .map(|i| &ctx.ev.dns[*i])
        .find(|d| !d.msg.response && d.ts <= c.first.ts);
    // An IP-literal URL names the address itself: nothing to resolve.
    if ctx.load.host.parse::<IpAddr>().is_ok() && query.is_none() {
        s.fact("dns_before_connect", false);
        s.fact("ip_literal", true);
        s.status = Status::NotApplicable;
        s.reason(ctx.t(
            "The URL names an IP address, so there is no name to look up in any cache or in DNS.",
            "URL 中直接写的是 IP 地址，没有需要在缓存或 DNS 中查找的名字。",
        ));
        return s;
    }
    if let (None, Some(p)) = (query, super::proxy::proxied(c)) {
        s.fact("dns_before_connect", false);
        s.fact("resolved_by_proxy", true);
        s.status = Status::NotApplicable;
        s.reason(ctx.t(
            "Through a proxy the client hands the host name to the proxy; it needs no address for the site, so no cache of its own is asked for one.",
            "经过代理时，客户端把主机名交给代理；它不需要网站的地址，也就不会在自己的缓存中查找。",
        ));
        s.line(match ctx.lang {
            crate::notes::Lang::En => format!(
                "The client sent the name {} to the proxy in its request (frame {}) instead of looking it up: the proxy resolves it.",
                p.host(), p.frame
            ),
            crate::notes::Lang::Zh => format!(
                "客户端没有自己查询 {}，而是在请求中把名字交给代理（帧 {}）：由代理解析。",
                p.host(), p.frame
            ),
        });
        return s;
    }
    match query {
        Some(q) => {
            let name = q
                .msg
                .questions
                .first()
                .map(|q| q.name.clone())
                .unwrap_or_default();
            s.frames.push(q.frame);
            s.timing([q.ts].into_iter());
            s.fact("dns_before_connect", true);
            s.fact("query_frame", q.frame);
            s.reason(ctx.t(
                "Cache lookups happen inside the host; a DNS query going out before the first connection shows they missed.",
                "缓存查找发生在主机内部；第一个连接之前发出的 DNS 查询说明缓存都没有命中。",
            ));
            s.line(match ctx.lang {
                crate::notes::Lang::En => format!(
                    "Frame {} asks the resolver for {name} before the first connection (frame {}): \
                     the browser's and the system's caches (and the hosts file) had no address for it.",
                    q.frame, c.first.frame
                ),
                crate::notes::Lang::Zh => format!(
                    "帧 {} 在第一个连接（帧 {}）之前向解析器查询 {name}：浏览器缓存、系统缓存和 hosts 文件都没有它的地址。",
                    q.frame, c.first.frame
                ),
            });
        }
        None => {
            s.fact("dns_before_connect", false);
            s.reason(ctx.t(
                "No DNS query precedes the first connection, so the address came from a cache (browser, operating system or hosts file), or was looked up before the capture began.",
                "第一个连接之前没有 DNS 查询，所以地址来自缓存（浏览器、操作系统或 hosts 文件），或在抓包开始前就已查询过。",
            ));
            s.line(match ctx.lang {
                crate::notes::Lang::En => format!(
                    "No DNS query for {} was captured before frame {}: a cache answered, or the lookup happened before the capture began.",
                    ctx.load.host, c.first.frame
                ),
                crate::notes::Lang::Zh => format!(
                    "帧 {} 之前没有抓到 {} 的 DNS 查询：缓存给出了答案，或查询发生在抓包开始之前。",
                    c.first.frame, ctx.load.host
                ),
            });
        }
    }
    if let Some(r) = c.first_request() {
        s.line(match ctx.lang {
            crate::notes::Lang::En => format!(
                "The page itself was not taken from the browser's HTTP cache: a request went out (frame {}).",
                r.seg.frame
            ),
            crate::notes::Lang::Zh => format!(
                "页面本身不是从浏览器的 HTTP 缓存取得的：请求已经发出（帧 {}）。",
                r.seg.frame
            ),
        });
    }
    s
}

/// The next hop of the page load's first connection: the IP address whose
/// ARP or neighbour answer gave the MAC the client sent the SYN to.
pub(super) fn next_hop(ctx: &Ctx) -> Option<(IpAddr, Mac)> {
    let c = ctx.first_conn()?;
    let mac = c.next_hop_mac?;
    // The same MAC may answer for the gateway's IPv4 and IPv6 addresses;
    // the one in the server's address family is the next hop.
    let answers = || ctx.ev.arp.iter().filter(|a| a.reply && a.sender_mac == mac);
    answers()
        .find(|a| a.sender_ip.is_ipv6() == c.server.0.is_ipv6())
        .or_else(|| answers().next())
        .map(|a| (a.sender_ip, mac))
}

/// Step 4: ARP (RFC 826) or IPv6 neighbour discovery (RFC 4861 §7.2) for
/// the next hop. A destination off the local link is reached through the
/// gateway, so the client asks for the gateway's MAC, not the server's.
pub(super) fn arp(ctx: &Ctx) -> Step {
    let mut s = new_step("arp", ctx.lang, Status::Observed);
    s.cite(&[4]);
    let Some(c) = ctx.first_conn() else {
        s.status = Status::NotVisible;
        s.reason(ctx.t(
            "No connection to find a next hop for.",
            "没有需要查找下一跳的连接。",
        ));
        return s;
    };
    let records: Vec<_> = ctx.load.arp.iter().map(|i| &ctx.ev.arp[*i]).collect();
    if c.next_hop_mac.is_none() && records.is_empty() {
        s.status = Status::NotVisible;
        s.reason(ctx.t(
            "The capture has no Ethernet addresses (a Linux cooked or raw-IP capture) and no ARP was captured, so which MAC the client sent to cannot be seen.",
            "抓包中没有以太网地址（Linux cooked 或原始 IP 格式），也没有抓到 ARP，看不到客户端发往哪个 MAC。",
        ));
        return s;
    }
    // The next hop of an IPv6 connection is found with NDP, of an IPv4
    // one with ARP; a dual-stack load may show both.
    s.fact("protocol", if c.client.0.is_ipv6() { "NDP" } else { "ARP" });
    if let Some((chain, line)) = super::tunnel::tunnel_line(ctx, c) {
        s.fact("tunnel", chain);
        s.line(line);
    }
    if let Some(m) = c.client_mac {
        s.fact("client_mac", m.to_string());
    }
    if let Some(m) = c.next_hop_mac {
        s.fact("next_hop_mac", m.to_string());
    } else {
        s.line(
            ctx.t(
                "This capture keeps no Ethernet header on the connection's packets (Linux cooked capture), so the MAC the SYN was sent to is not recorded.",
                "该抓包格式（Linux cooked）没有保留连接报文的以太网头部，看不到 SYN 发往的 MAC。",
            )
            .to_string(),
        );
    }
    let hop = next_hop(ctx);
    if let Some((ip, next_hop_mac)) = hop {
        s.fact("next_hop_ip", ip.to_string());
        let on_link = ip == c.server.0;
        s.fact("server_on_link", on_link);
        // A QUIC connection opens with the client's Initial, not a SYN.
        let (opener_en, opener_zh) = if c.quic {
            ("QUIC Initial", "QUIC Initial 包")
        } else {
            ("SYN", "SYN")
        };
        // Through a proxy the peer on the link is the proxy, not the site.
        let (peer_en, peer_zh) = if super::proxy::proxied(c).is_some() {
            ("proxy", "代理")
        } else {
            ("server", "服务器")
        };
        s.line(if on_link {
            match ctx.lang {
                crate::notes::Lang::En => format!(
                    "The {opener_en} (frame {}) is sent to {next_hop_mac}, the {peer_en} {} itself: the {peer_en} is on the local link.",
                    c.first.frame, c.server.0
                ),
                crate::notes::Lang::Zh => format!(
                    "{opener_zh}（帧 {}）直接发往{peer_zh} {} 的 MAC {next_hop_mac}：{peer_zh}在同一链路上。",
                    c.first.frame, c.server.0
                ),
            }
        } else {
            match ctx.lang {
                crate::notes::Lang::En => format!(
                    "The {opener_en} to {} (frame {}) is sent to MAC {next_hop_mac}, which belongs to {ip}: the server is \
                     not on the local link, so frames go to the gateway {ip}, which forwards them.",
                    c.server.0, c.first.frame
                ),
                crate::notes::Lang::Zh => format!(
                    "发往 {} 的 {opener_zh}（帧 {}）的目的 MAC 是 {next_hop_mac}，属于 {ip}：服务器不在本地链路上，\
                     所以帧先交给网关 {ip} 转发。",
                    c.server.0, c.first.frame
                ),
            }
        });
    }
    let requests: Vec<_> = records.iter().filter(|a| !a.reply).collect();
    let replies: Vec<_> = records.iter().filter(|a| a.reply).collect();
    s.fact(
        "requests",
        requests
            .iter()
            .map(|a| json!({"frame": a.frame, "sender_ip": a.sender_ip.to_string(), "target_ip": a.target_ip.to_string()}))
            .collect::<Vec<_>>(),
    );
    s.fact(
        "replies",
        replies
            .iter()
            .map(|a| json!({"frame": a.frame, "ip": a.sender_ip.to_string(), "mac": a.sender_mac.to_string()}))
            .collect::<Vec<_>>(),
    );
    for a in &records {
        let (ndp, proto) = (a.ndp, if a.ndp { "NDP" } else { "ARP" });
        s.frames.push(a.frame);
        s.timing([a.ts].into_iter());
        s.line(match (a.reply, ctx.lang) {
            (false, crate::notes::Lang::En) => format!(
                "Frame {}: {} asks who has {} ({proto}{}).",
                a.frame,
                a.sender_ip,
                a.target_ip,
                if ndp {
                    " neighbour solicitation"
                } else {
                    " request, broadcast"
                }
            ),
            (false, crate::notes::Lang::Zh) => format!(
                "帧 {}：{} 询问谁拥有 {}（{proto}{}）。",
                a.frame,
                a.sender_ip,
                a.target_ip,
                if ndp {
                    " 邻居请求"
                } else {
                    " 请求，广播"
                }
            ),
            (true, crate::notes::Lang::En) => format!(
                "Frame {}: {} answers that it is at {} ({proto} {}).",
                a.frame,
                a.sender_ip,
                a.sender_mac,
                if ndp {
                    "neighbour advertisement"
                } else {
                    "reply"
                }
            ),
            (true, crate::notes::Lang::Zh) => format!(
                "帧 {}：{} 回答它的 MAC 是 {}（{proto} {}）。",
                a.frame,
                a.sender_ip,
                a.sender_mac,
                if ndp { "邻居通告" } else { "应答" }
            ),
        });
    }
    if records.is_empty() {
        s.status = Status::Inferred;
        s.reason(ctx.t(
            "No ARP or neighbour discovery from the client was captured before its first connection: its neighbour cache most likely already held the next hop's MAC (or the exchange happened before the capture began).",
            "在第一个连接之前没有抓到客户端的 ARP 或邻居发现：它的邻居缓存很可能已经有下一跳的 MAC（或者这次交换发生在抓包开始之前）。",
        ));
        return s;
    }
    // The notes put DNS before ARP; on the wire the client must reach the
    // gateway before it can send its first DNS query off the link.
    let first_arp = records[0];
    let proto = if first_arp.ndp { "NDP" } else { "ARP" };
    let first_dns = ctx
        .load
        .dns
        .iter()
        .map(|i| &ctx.ev.dns[*i])
        .find(|d| !d.msg.response);
    // The claim is about the client's first DNS query of the capture: when
    // an earlier lookup (for another name) came first, that one is what
    // the ARP exchange preceded, and this load's own query is named beside it.
    let first_any = ctx
        .ev
        .dns_of(ctx.load.client, ctx.load.client_mac)
        .into_iter()
        .map(|i| &ctx.ev.dns[i])
        .filter(|d| !d.msg.response)
        .min_by_key(|d| d.frame);
    if let (Some(q), Some(first), Some((_, mac))) = (first_dns, first_any, hop) {
        if first_arp.frame < first.frame && first.dst_mac == Some(mac) && q.dst_mac == Some(mac) {
            let own = first.frame == q.frame;
            let other_name = first
                .msg
                .questions
                .first()
                .map(|x| x.name.to_string())
                .unwrap_or_default();
            let text = match (ctx.lang, own) {
                (crate::notes::Lang::En, true) => format!(
                    "The {proto} exchange (frame {}) comes before the client's first DNS query (frame {}): the resolver \
                     {} is off the link too, so the client needs the gateway's MAC before it can even ask DNS. \
                     The lookup is for the next hop, not for the server.",
                    first_arp.frame, q.frame, q.dst
                ),
                (crate::notes::Lang::En, false) => format!(
                    "The {proto} exchange (frame {}) comes before the client's first DNS query of the capture \
                     (frame {}, for {other_name}; this page load's own lookup is frame {}): the resolver {} is off \
                     the link too, so the client needed the gateway's MAC before it could ask DNS at all, and \
                     by frame {} the MAC was already known. The lookup is for the next hop, not for the server.",
                    first_arp.frame, first.frame, q.frame, first.dst, q.frame
                ),
                (crate::notes::Lang::Zh, true) => format!(
                    "{proto} 交换（帧 {}）出现在客户端的第一个 DNS 查询（帧 {}）之前：解析器 {} 也不在本地链路上，\
                     客户端在发出 DNS 查询之前就需要网关的 MAC。查的是下一跳，而不是服务器。",
                    first_arp.frame, q.frame, q.dst
                ),
                (crate::notes::Lang::Zh, false) => format!(
                    "{proto} 交换（帧 {}）出现在客户端在这份抓包里的第一个 DNS 查询（帧 {}，查询 {other_name}；\
                     这次页面加载自己的查询是帧 {}）之前：解析器 {} 也不在本地链路上，客户端要先知道网关的 MAC \
                     才能发出任何 DNS 查询，到帧 {} 时这个 MAC 已经知道了。查的是下一跳，而不是服务器。",
                    first_arp.frame, first.frame, q.frame, first.dst, q.frame
                ),
            };
            let mut frames = vec![first_arp.frame, first.frame];
            if !own {
                frames.push(q.frame);
            }
            s.check(ctx.lang, &claims::MAC_AFTER_DNS, text, frames);
        }
    }
    s
}
