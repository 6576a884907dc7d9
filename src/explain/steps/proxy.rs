//! A client that talks to an HTTP proxy instead of the site: a CONNECT
//! request names the target in authority form and asks for a tunnel (RFC
//! 9110 §9.3.6); a request whose target is an absolute URL is sent only to
//! a forward proxy (RFC 9112 §3.2.2). Either way the client's TCP peer is
//! the proxy, and the proxy, not the client, resolves the target's name.

use super::Ctx;
use crate::explain::evidence::Conn;
use crate::notes::Lang;

/// How the client used the proxy on one connection.
pub(super) enum ProxyUse {
    /// CONNECT host:port; `tls` when a TLS handshake ran inside the tunnel.
    Tunnel { host: String, port: u16, tls: bool },
    /// An absolute-form request: the URL as the client wrote it.
    Forward { url: String },
}

pub(super) struct Proxied {
    pub how: ProxyUse,
    /// The frame of the CONNECT or absolute-form request.
    pub frame: u64,
    pub method: String,
    pub target: String,
}

/// The proxy use of a connection, read from its first request.
pub(super) fn proxied(c: &Conn) -> Option<Proxied> {
    let r = c.first_request()?;
    let method = r.msg.method.clone()?;
    let target = r.msg.target.clone()?;
    let how = if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = authority(&target)?;
        ProxyUse::Tunnel {
            host,
            port,
            tls: !c.tls.is_empty(),
        }
    } else {
        let lower = target.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return None;
        }
        ProxyUse::Forward {
            url: normalise(&target),
        }
    };
    Some(Proxied {
        how,
        frame: r.seg.frame,
        method,
        target,
    })
}

impl Proxied {
    /// The host the client asked the proxy for.
    pub fn host(&self) -> String {
        match &self.how {
            ProxyUse::Tunnel { host, .. } => host.clone(),
            ProxyUse::Forward { url } => crate::explain::url_host(url).unwrap_or_default(),
        }
    }

    /// The URL the client loaded: the forward request's own, or the
    /// tunnel's target with the scheme its contents show. A path sent
    /// inside TLS cannot be seen; "/" stands for it as for any https load.
    pub fn url(&self) -> String {
        match &self.how {
            ProxyUse::Forward { url } => url.clone(),
            ProxyUse::Tunnel { host, port, tls } => {
                let scheme = if *tls { "https" } else { "http" };
                let default = if *tls { 443 } else { 80 };
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                if *port == default {
                    format!("{scheme}://{host}/")
                } else {
                    format!("{scheme}://{host}:{port}/")
                }
            }
        }
    }

    /// The target's port and, when it can be seen, its path.
    pub fn target_port_path(&self) -> (u16, Option<String>) {
        match &self.how {
            ProxyUse::Tunnel { port, .. } => (*port, None),
            ProxyUse::Forward { url } => {
                let https = url.starts_with("https://");
                let rest = url.split_once("://").map_or("", |(_, r)| r);
                let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let authority = &rest[..cut];
                let port = authority
                    .rsplit_once(':')
                    .and_then(|(_, p)| p.parse().ok())
                    .unwrap_or(if https { 443 } else { 80 });
                let path = if cut == rest.len() { "/" } else { &rest[cut..] };
                (port, Some(path.to_string()))
            }
        }
    }

    /// One sentence: who the client talks to, and who resolves the name.
    pub fn told(&self, ctx: &Ctx, c: &Conn) -> String {
        let (proxy, pport) = (c.server.0, c.server.1);
        let host = self.host();
        let target = &self.target;
        let method = &self.method;
        match (&self.how, ctx.lang) {
            (ProxyUse::Tunnel { tls, .. }, Lang::En) => format!(
                "The client talks TCP to the proxy {proxy} port {pport}, not to the site: its first request (frame {}) is {method} {target}, \
                 asking the proxy to open a tunnel to {host} (RFC 9110 §9.3.6). The proxy, not the client, resolves {host} and connects to it{}.",
                self.frame,
                if *tls { "; the TLS handshake then runs inside the tunnel, end to end between the client and the site" } else { "" }
            ),
            (ProxyUse::Tunnel { tls, .. }, Lang::Zh) => format!(
                "客户端与代理 {proxy} 的 {pport} 端口建立 TCP 连接，而不是直接连接网站：它的第一个请求（帧 {}）是 {method} {target}，\
                 请代理建立一条到 {host} 的隧道（RFC 9110 §9.3.6）。由代理而不是客户端解析 {host} 并连接它{}。",
                self.frame,
                if *tls { "；随后 TLS 握手在隧道内进行，两端是客户端和网站" } else { "" }
            ),
            (ProxyUse::Forward { .. }, Lang::En) => format!(
                "The client talks TCP to the proxy {proxy} port {pport}, not to the site: its request (frame {}) names the whole URL, {method} {target} \
                 (absolute form, which a client sends only to a forward proxy, RFC 9112 §3.2.2). The proxy, not the client, resolves {host}, \
                 fetches the URL and relays the answer.",
                self.frame
            ),
            (ProxyUse::Forward { .. }, Lang::Zh) => format!(
                "客户端与代理 {proxy} 的 {pport} 端口建立 TCP 连接，而不是直接连接网站：它的请求（帧 {}）写出了完整的 URL：{method} {target}\
                 （绝对形式，只有发给正向代理时才这样写，RFC 9112 §3.2.2）。由代理而不是客户端解析 {host}、取回该 URL 并转发响应。",
                self.frame
            ),
        }
    }
}

/// host:port of a CONNECT target (RFC 9112 §3.2.3), brackets removed from
/// an IPv6 literal.
fn authority(target: &str) -> Option<(String, u16)> {
    let (host, port) = target.rsplit_once(':')?;
    let port = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), port))
}

/// Scheme and host are case-insensitive (RFC 3986 §6.2.2.1): written in
/// lower case, the path as sent.
fn normalise(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        rest[..cut].to_ascii_lowercase(),
        &rest[cut..]
    )
}
