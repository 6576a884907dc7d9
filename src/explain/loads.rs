//! Which connections, lookups and neighbour messages make up each page
//! load: a load begins with the lookup (or, with none, the connection)
//! that starts it and is over when its connections are closed (RFC 9293
//! §3.6) or idle past the gap.

use super::evidence::{Conn, Evidence};
use super::{
    CLOSE_GRACE_SECS, DNS_LEAD_SECS, IDLE_GAP_SECS, MAX_DHCP_PER_LOAD, MAX_DNS_PER_LOAD, MAX_LOADS,
};
use crate::decode::Mac;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// A page load while it is being assembled.
pub(crate) struct Load {
    /// The client's address on the first connection.
    pub client: IpAddr,
    /// Its MAC address: the same host may use IPv4 for DNS and IPv6 for
    /// the connection.
    pub client_mac: Option<Mac>,
    /// Connections in order of their first packet, except that one
    /// answered after refused attempts to other addresses goes first.
    pub conns: Vec<u64>,
    pub names: BTreeSet<String>,
    /// Hosts named by redirects (Location) from this page load.
    pub redirects: BTreeSet<String>,
    pub sites: BTreeSet<String>,
    pub servers: BTreeSet<IpAddr>,
    /// Indices into `Evidence::dns` of this page load's DNS messages.
    pub dns: Vec<usize>,
    /// Indices into `Evidence::arp`.
    pub arp: Vec<usize>,
    /// Indices into `Evidence::dhcp`: how the client got its address.
    pub dhcp: Vec<usize>,
    pub start: f64,
    pub end: f64,
    pub first_request_ts: f64,
    pub host: String,
    /// Indices into `Evidence::dns` of the responses that resolved its
    /// connections, and the names they answered.
    pub lookups: BTreeSet<usize>,
    pub asked: BTreeSet<String>,
    /// Per connection: its last packet, and whether it was closed.
    pub spans: Vec<(f64, bool)>,
    /// The end of the same client's page load before this one: its DNS and
    /// ARP are not this one's.
    pub not_before: f64,
    /// Its first connection opened with a WebSocket upgrade (RFC 6455
    /// §4.1): an application's session, not a page visit.
    pub websocket: bool,
}

impl Load {
    /// A story's frame with nothing in it yet.
    pub(crate) fn empty(client: IpAddr, client_mac: Option<Mac>, start: f64, host: String) -> Load {
        Load {
            client,
            client_mac,
            conns: Vec::new(),
            names: BTreeSet::new(),
            redirects: BTreeSet::new(),
            sites: BTreeSet::new(),
            servers: BTreeSet::new(),
            dns: Vec::new(),
            arp: Vec::new(),
            dhcp: Vec::new(),
            start,
            end: start,
            first_request_ts: f64::INFINITY,
            host,
            lookups: BTreeSet::new(),
            asked: BTreeSet::new(),
            spans: Vec::new(),
            not_before: f64::NEG_INFINITY,
            websocket: false,
        }
    }
}

/// `name` is `wanted` or a name under it (www.google.com under google.com).
pub(crate) fn name_matches(name: &str, wanted: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let wanted = wanted.trim_end_matches('.').to_ascii_lowercase();
    name == wanted || name.ends_with(&format!(".{wanted}"))
}

/// The last two labels of a name: a rough "site" that groups
/// www.google.com with static.google.com.
pub(crate) fn site(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').rsplitn(3, '.').collect();
    match labels.as_slice() {
        [tld, second, ..] => format!("{second}.{tld}"),
        _ => name.to_string(),
    }
}

/// Host of an absolute URL (`https://www.google.com:443/x` → www.google.com).
pub(crate) fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The DNS response that gave the client this connection's server address
/// most recently before the connection opened (RFC 1034 §5: the stub asks,
/// the resolver answers).
pub(crate) fn resolving_response(ev: &Evidence, c: &Conn) -> Option<usize> {
    let candidates = ev.dns_by_answer.get(&c.server.0)?;
    // Answers are kept in capture order. When that is time order, start
    // from the last one before the connection instead of from the end, so
    // that thousands of connections to one server do not each scan them
    // all.
    let before = if !ev.dns_out_of_time_order {
        candidates.partition_point(|&i| ev.dns[i].ts <= c.first.ts)
    } else {
        candidates.len()
    };
    candidates[..before].iter().rev().copied().find(|&i| {
        let d = &ev.dns[i];
        (d.dst == c.client.0 || (c.client_mac.is_some() && d.dst_mac == c.client_mac))
            && d.ts <= c.first.ts
    })
}

/// Names a connection is known by, the most telling first.
fn conn_names(ev: &Evidence, c: &Conn) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(i) = resolving_response(ev, c) {
        let m = &ev.dns[i].msg;
        names.extend(m.questions.iter().map(|q| q.name.to_ascii_lowercase()));
        for a in &m.answers {
            names.push(a.name.to_ascii_lowercase());
            if let Some(target) = a.target() {
                names.push(target.to_ascii_lowercase());
            }
        }
    }
    if let Some(s) = c.sni() {
        names.push(s.to_ascii_lowercase());
    }
    if let Some(h) = c.first_request().and_then(|r| r.msg.host.as_deref()) {
        names.push(strip_port(h).to_ascii_lowercase());
    }
    let mut seen = BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

pub(crate) fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Whether a connection can be the start of a page load (RFC 9110 §4.2:
/// http and https default to ports 80 and 443; RFC 9114: HTTP/3 on UDP).
///
/// A connection refused at once (a SYN answered by RST, RFC 9293 §3.10.7.1)
/// is a page load that failed: no data ever flows, so nothing says which
/// application tried, and the attempt is told as one.
///
/// TLS alone does not make a page load on the ports of mail and file
/// transfer (SMTP 25 and 587, POP3 110, IMAP 143, FTP 21), where it starts
/// by STARTTLS or AUTH TLS inside the plain protocol (RFC 3207, RFC 2595,
/// RFC 4217): there only HTTP on the wire would.
pub(crate) fn is_web(c: &Conn) -> bool {
    let upgraded_port = matches!(c.server.1, 21 | 25 | 110 | 143 | 587);
    // A connection to a SOCKS proxy (RFC 1928, port 1080) carries the
    // proxy's handshake first: its address and port are the proxy's, not
    // the site's, so it is not told as a page load of its own.
    if c.server.1 == 1080 {
        return false;
    }
    matches!(c.server.1, 80 | 443)
        || (!c.tls.is_empty() && !upgraded_port)
        || !c.http.is_empty()
        || (refused(c) && !upgraded_port)
}

/// A connection refused at once: its SYN answered by the server's RST
/// (RFC 9293 §3.10.7.1), no data either way.
pub(crate) fn refused(c: &Conn) -> bool {
    !c.quic
        && !c.syns.is_empty()
        && c.syn_ack.is_none()
        && c.rsts.iter().any(|r| !r.from_client)
        && c.payload_bytes == [0, 0]
}

/// A TCP connection that completed its handshake and carried no payload
/// either way.
pub(crate) fn unused(c: &Conn) -> bool {
    !c.quic && c.syn_ack.is_some() && c.payload_bytes == [0, 0]
}

/// Whether a connection's first request asks to switch to WebSocket
/// (RFC 6455 §4.1: a GET with `Upgrade: websocket`). A page visit begins
/// by fetching a document; a session that begins with the upgrade was
/// opened by an application (or a page already loaded), so it is told as
/// a WebSocket session, not as a page load.
fn opens_websocket(c: &Conn) -> bool {
    c.first_request()
        .and_then(|r| r.msg.upgrade.as_deref())
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
}

/// When a connection is over (RFC 9293 §3.6): both FINs or a RST were
/// seen. The time is its last packet.
pub(crate) fn closed_at(c: &Conn) -> Option<f64> {
    let both_fins = c.fins.iter().any(|f| f.from_client) && c.fins.iter().any(|f| !f.from_client);
    (both_fins || !c.rsts.is_empty()).then_some(c.last_ts)
}

/// Whether a page load is still open at time `t`: one of its connections
/// has not closed by then and has not been idle past [`IDLE_GAP_SECS`], or
/// closed less than [`CLOSE_GRACE_SECS`] before.
fn open_at(l: &Load, t: f64) -> bool {
    l.spans.iter().any(|&(last, closed)| {
        if closed {
            t <= last + CLOSE_GRACE_SECS
        } else {
            t <= last + IDLE_GAP_SECS
        }
    })
}

/// Whether one of a page load's connections is still open at `t` (not
/// closed by then, and not idle past the gap).
fn live_at(l: &Load, t: f64) -> bool {
    l.spans.iter().any(|&(last, closed)| {
        if closed {
            t <= last
        } else {
            t <= last + IDLE_GAP_SECS
        }
    })
}

/// The DNS response that resolved a connection: the latest one before it
/// that no page load has claimed yet (two visits at the same moment each
/// make their own lookup), else the latest.
fn lookup_of(ev: &Evidence, c: &Conn, claimed: &HashMap<usize, usize>) -> Option<usize> {
    let candidates = ev.dns_by_answer.get(&c.server.0)?;
    let before = if !ev.dns_out_of_time_order {
        candidates.partition_point(|&i| ev.dns[i].ts <= c.first.ts)
    } else {
        candidates.len()
    };
    let mine = |i: &usize| {
        let d = &ev.dns[*i];
        (d.dst == c.client.0 || (c.client_mac.is_some() && d.dst_mac == c.client_mac))
            && d.ts <= c.first.ts
            && d.ts >= c.first.ts - DNS_LEAD_SECS
    };
    let recent = candidates[..before].iter().rev().take(64);
    recent
        .clone()
        .copied()
        .find(|i| mine(i) && !claimed.contains_key(i))
        .or_else(|| recent.copied().find(mine))
}

/// The question name of a DNS message.
fn asked(ev: &Evidence, i: usize) -> Option<String> {
    ev.dns[i]
        .msg
        .questions
        .first()
        .map(|q| q.name.trim_end_matches('.').to_ascii_lowercase())
}

/// Groups connections into page loads. A page load begins with the lookup
/// that resolves its first connection (or, with none, that connection) and
/// is over when all its connections are closed or idle past the gap; a
/// connection opened after that is a new page load, even to the same
/// server. While a page load is open, a connection joins it when it goes
/// to the same server, site or redirect target and:
/// - it was resolved by a lookup of this page load, or by a new lookup of
///   a name the page load has not asked for (a subresource, a redirect);
/// - with no lookup, it opened after the page load's first request (a
///   connection opened before it, beside the first, is a parallel visit).
///
/// A lookup of a name the page load already asked for begins another
/// visit.
///
/// `prior` holds, per client, the end of its last page load already told
/// and forgotten: this client's later loads look for DNS and ARP no
/// earlier than that.
pub(crate) fn group(ev: &Evidence, prior: &HashMap<IpAddr, f64>) -> Vec<Load> {
    // A connection that opened and carried nothing, from a client to the
    // very server and port of a web connection, is one a browser opened
    // beside it (a spare, or a preconnect it never used): it joins the
    // page load it opened in, by the rules below, instead of being told
    // as a transfer of another application.
    let web_ends: HashSet<(IpAddr, (IpAddr, u16))> = ev
        .conns
        .values()
        .filter(|c| is_web(c) && !unused(c))
        .map(|c| (c.client.0, c.server))
        .collect();
    let mut conns: Vec<&Conn> = ev
        .conns
        .values()
        .filter(|c| is_web(c) || (unused(c) && web_ends.contains(&(c.client.0, c.server))))
        .collect();
    conns.sort_by(|a, b| {
        a.first
            .ts
            .total_cmp(&b.first.ts)
            .then(a.first.frame.cmp(&b.first.frame))
    });
    let mut loads: Vec<Load> = Vec::new();
    // Lookups claimed, by the page load that claimed them.
    let mut claimed: HashMap<usize, usize> = HashMap::new();
    // The page loads of each client, by address and by MAC, so that a
    // capture of many clients is grouped in linear time.
    let mut by_ip: HashMap<IpAddr, Vec<usize>> = HashMap::new();
    let mut by_mac: HashMap<Mac, Vec<usize>> = HashMap::new();
    for c in conns {
        let names = conn_names(ev, c);
        let lookup = lookup_of(ev, c, &claimed);
        // Only the latest few page loads of a client can still be open.
        let latest = |v: Option<&Vec<usize>>| -> Vec<usize> {
            v.map_or_else(Vec::new, |v| v[v.len().saturating_sub(16)..].to_vec())
        };
        let mut mine = latest(by_ip.get(&c.client.0));
        mine.extend(latest(c.client_mac.and_then(|m| by_mac.get(&m))));
        mine.sort_unstable();
        mine.dedup();
        let joined = mine.into_iter().rev().find(|&i| {
            let l = &loads[i];
            if !open_at(l, c.first.ts) {
                return false;
            }
            let redirect = names.iter().any(|n| l.redirects.contains(n));
            // Every connection so far refused, and this one to the same
            // port under the same name: the client trying the next
            // address of its lookup (RFC 8305 §5), the same visit.
            let fallback = l
                .conns
                .iter()
                .filter_map(|s| ev.conns.get(s))
                .all(|p| refused(p) && p.server.1 == c.server.1)
                && names.iter().any(|n| l.names.contains(n));
            if fallback {
                return true;
            }
            // In the grace after its last connection closed, only the
            // target of a redirect still joins a page load.
            if !live_at(l, c.first.ts) && !redirect {
                return false;
            }
            let related = redirect
                || l.servers.contains(&c.server.0)
                || names.iter().any(|n| l.sites.contains(&site(n)));
            if !related {
                return false;
            }
            match lookup {
                Some(k) if l.lookups.contains(&k) => true,
                Some(k) if claimed.contains_key(&k) => false,
                // A name asked again is another visit, even a redirect's.
                Some(k) => asked(ev, k).is_none_or(|q| !l.asked.contains(&q)),
                None => redirect || c.first.ts >= l.first_request_ts,
            }
        });
        let i = match joined {
            Some(i) => i,
            None if loads.len() >= MAX_LOADS => continue,
            // An unused connection that joins no page load begins none.
            None if unused(c) && !is_web(c) => continue,
            None => {
                by_ip.entry(c.client.0).or_default().push(loads.len());
                if let Some(m) = c.client_mac {
                    by_mac.entry(m).or_default().push(loads.len());
                }
                let host = names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| c.server.0.to_string());
                let mut l = Load::empty(c.client.0, c.client_mac, c.first.ts, host);
                l.end = c.last_ts;
                loads.push(l);
                loads.len() - 1
            }
        };
        let load = &mut loads[i];
        let after_refusals = !load.conns.is_empty()
            && !refused(c)
            && load
                .conns
                .iter()
                .filter_map(|s| ev.conns.get(s))
                .all(refused);
        if after_refusals {
            // The visit is told by the connection that was answered: it
            // goes first, the refused attempts after it.
            load.websocket = opens_websocket(c);
            load.client = c.client.0;
            load.client_mac = c.client_mac.or(load.client_mac);
            by_ip.entry(c.client.0).or_default().push(i);
        }
        if let Some(k) = lookup {
            claimed.entry(k).or_insert(i);
            load.lookups.insert(k);
            if let Some(q) = asked(ev, k) {
                load.asked.insert(q);
            }
        }
        load.spans.push((c.last_ts, closed_at(c).is_some()));
        if after_refusals {
            load.conns.insert(0, c.stream);
        } else {
            load.conns.push(c.stream);
        }
        load.servers.insert(c.server.0);
        load.end = load.end.max(c.last_ts);
        for n in &names {
            load.sites.insert(site(n));
        }
        load.names.extend(names);
        // The first thing sent on the connection is the request (or the
        // ClientHello that carries it).
        if let Some(d) = c.first_data[0] {
            load.first_request_ts = load.first_request_ts.min(d.ts);
        }
        for h in &c.http {
            if let Some(host) = h.msg.location.as_deref().and_then(url_host) {
                load.redirects.insert(host);
            }
        }
    }
    // A page load's DNS and ARP are looked for no earlier than the end of
    // the same client's page load before it.
    // (A page load still open when this one began does not bound it.)
    let mut ends: HashMap<IpAddr, Vec<f64>> = HashMap::new();
    let mut order: Vec<usize> = (0..loads.len()).collect();
    order.sort_by(|&a, &b| loads[a].start.total_cmp(&loads[b].start));
    for i in order {
        let l = &mut loads[i];
        let mine = ends.entry(l.client).or_default();
        // Only the latest few can matter.
        if let Some(e) = mine
            .iter()
            .rev()
            .take(16)
            .copied()
            .filter(|e| *e <= l.start)
            .reduce(f64::max)
        {
            l.not_before = e;
        }
        mine.push(l.end);
        if let Some(&e) = prior.get(&l.client).filter(|e| **e <= l.start) {
            l.not_before = l.not_before.max(e);
        }
    }
    for l in &mut loads {
        attach_dns(ev, l, &claimed);
        attach_arp(ev, l);
        attach_dhcp(ev, l);
    }
    loads
}

/// The DNS exchanges of a page load: the client's queries for its names
/// in the lead-up to and during the load, and the answers to them.
fn attach_dns(ev: &Evidence, l: &mut Load, claimed: &HashMap<usize, usize>) {
    let me = claimed
        .iter()
        .find(|(k, _)| l.lookups.contains(k))
        .map(|(_, v)| *v);
    // The queries whose answers resolved another page load's connections.
    let others_queries: BTreeSet<u64> = claimed
        .iter()
        .filter(|(_, v)| Some(**v) != me)
        .filter_map(|(k, _)| ev.dns[*k].msg.query_frame)
        .collect();
    let last_conn = l.end;
    let mut names = l.names.clone();
    let mut query_ids = BTreeSet::new();
    for i in ev.dns_of(l.client, l.client_mac) {
        if l.dns.len() >= MAX_DNS_PER_LOAD {
            break;
        }
        let d = &ev.dns[i];
        let Some(q) = d.msg.questions.first() else {
            continue;
        };
        let name = q.name.to_ascii_lowercase();
        let in_window = d.ts >= (l.start - DNS_LEAD_SECS).max(l.not_before)
            && d.ts > l.not_before
            && d.ts <= last_conn;
        let from_client =
            d.src == l.client || (l.client_mac.is_some() && d.src_mac == l.client_mac);
        let to_client = d.dst == l.client || (l.client_mac.is_some() && d.dst_mac == l.client_mac);
        if !d.msg.response
            && from_client
            && in_window
            && names.contains(&name)
            && !others_queries.contains(&d.frame)
        {
            query_ids.insert((d.msg.id, d.dst, name));
            l.dns.push(i);
        } else if d.msg.response
            && to_client
            && query_ids.contains(&(d.msg.id, d.src, name))
            && claimed.get(&i).is_none_or(|o| Some(*o) == me)
        {
            l.dns.push(i);
            // A CNAME answer names the next link of the chain.
            for a in &d.msg.answers {
                if let Some(target) = a.target() {
                    names.insert(target.to_ascii_lowercase());
                }
            }
        }
    }
    if let Some(first) = l.dns.first() {
        l.start = l.start.min(ev.dns[*first].ts);
    }
    l.names = names;
}

/// The DHCP exchanges of the page load's client — by its hardware address,
/// or by the address it was given — up to the end of the load, and the
/// release that may follow it. The step they make comes before the story:
/// the page load does not move its start for them.
fn attach_dhcp(ev: &Evidence, l: &mut Load) {
    let mut macs: BTreeSet<Mac> = l.client_mac.into_iter().collect();
    if let IpAddr::V4(a) = l.client {
        // A capture without Ethernet headers: the client's hardware address
        // is in the messages that carry its IPv4 address.
        for &i in ev.dhcp_by_ip.get(&a).into_iter().flatten() {
            macs.insert(ev.dhcp[i].msg.client_mac);
        }
    }
    let mut mine: Vec<usize> = macs
        .iter()
        .filter_map(|m| ev.dhcp_by_mac.get(m))
        .flatten()
        .copied()
        .collect();
    mine.sort_unstable();
    mine.dedup();
    mine.truncate(MAX_DHCP_PER_LOAD);
    l.dhcp = mine;
}

/// ARP and neighbour discovery by the client, and the answers to it, from
/// shortly before the page load until its first connection opened.
fn attach_arp(ev: &Evidence, l: &mut Load) {
    let first_conn = l
        .conns
        .first()
        .and_then(|s| ev.conns.get(s))
        .map_or(l.end, |c| c.first.ts);
    // Requests the client sent (by its address or its MAC), then the
    // replies from the addresses it asked for.
    let mut requests: Vec<usize> = ev.arp_by_ip.get(&l.client).cloned().unwrap_or_default();
    if let Some(m) = l.client_mac.and_then(|m| ev.arp_by_mac.get(&m)) {
        requests.extend(m);
    }
    requests.retain(|&i| !ev.arp[i].reply && !ev.arp[i].claimed);
    let asked: BTreeSet<IpAddr> = requests.iter().map(|&i| ev.arp[i].target_ip).collect();
    let mut mine: Vec<usize> = requests;
    for ip in &asked {
        if let Some(list) = ev.arp_by_ip.get(ip) {
            mine.extend(list.iter().copied().filter(|&i| ev.arp[i].reply));
        }
    }
    mine.sort_unstable();
    mine.dedup();
    l.arp = mine
        .into_iter()
        .filter(|&i| {
            ev.arp[i].ts >= (l.start - 1.0).max(l.not_before) && ev.arp[i].ts <= first_conn
        })
        .collect();
    if let Some(first) = l.arp.first() {
        l.start = l.start.min(ev.arp[*first].ts);
    }
}
