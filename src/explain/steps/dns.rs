//! Step 3: resolving the name (RFC 1034 §4.3.1 and §5.3: the stub sets
//! RD to ask for recursion, the resolver answers with RA; RFC 1035 §4.1.1
//! header flags; RFC 7766: a truncated UDP answer is retried over TCP).

use super::{ms, new_step, Ctx};
use crate::decode::dns::{Flag, RType, Rcode, Transport};
use crate::explain::evidence::DnsRec;
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;
use std::collections::BTreeSet;

pub(super) fn dns(ctx: &Ctx) -> Step {
    let mut s = new_step("dns", ctx.lang, Status::Observed);
    s.cite(&[4, 11]);
    let recs: Vec<&DnsRec> = ctx.load.dns.iter().map(|i| &ctx.ev.dns[*i]).collect();
    if recs.is_empty() && ctx.load.host.parse::<std::net::IpAddr>().is_ok() {
        s.status = Status::NotApplicable;
        s.fact("ip_literal", true);
        s.reason(ctx.t(
            "The URL names an address, not a host name: there is nothing to resolve, and no DNS is needed.",
            "URL 中直接写的是地址而不是主机名：没有需要解析的名字，也就不需要 DNS。",
        ));
        return s;
    }
    let proxied = ctx
        .first_conn()
        .and_then(|c| Some((c, super::proxy::proxied(c)?)));
    if let (true, Some((c, p))) = (recs.is_empty(), proxied) {
        let host = p.host();
        // A capture taken at the proxy shows its own lookups, from its address.
        let own: Vec<u64> = ctx
            .ev
            .dns
            .iter()
            .filter(|d| {
                d.src == c.server.0
                    && !d.msg.response
                    && d.msg
                        .questions
                        .iter()
                        .any(|q| q.name.trim_end_matches('.').eq_ignore_ascii_case(&host))
            })
            .map(|d| d.frame)
            .collect();
        s.fact("resolved_by_proxy", true);
        if own.is_empty() {
            s.status = Status::NotVisible;
            s.reason(&match ctx.lang {
                Lang::En => format!(
                    "The proxy {} resolves {host}, not the client; its query leaves from the proxy's own address and is not in this capture.",
                    c.server.0
                ),
                Lang::Zh => format!(
                    "解析 {host} 的是代理 {}，不是客户端；它的查询从代理自己的地址发出，不在这个抓包中。",
                    c.server.0
                ),
            });
        } else {
            s.frames.extend(own.iter().copied());
            s.fact("proxy_query_frames", own.clone());
            s.line(match ctx.lang {
                Lang::En => format!(
                    "The proxy {} resolves {host} itself: its queries leave from its own address (frames {}).",
                    c.server.0,
                    own.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                ),
                Lang::Zh => format!(
                    "代理 {} 自己解析 {host}：查询从它自己的地址发出（帧 {}）。",
                    c.server.0,
                    own.iter().map(u64::to_string).collect::<Vec<_>>().join("、")
                ),
            });
        }
        return s;
    }
    if recs.is_empty() {
        s.status = Status::Inferred;
        s.reason(ctx.t(
            "No DNS for this page load's names in the capture: the address came from a cache or the hosts file, or was resolved before the capture began.",
            "抓包中没有这次页面加载相关域名的 DNS：地址来自缓存或 hosts 文件，或在抓包开始前就已解析。",
        ));
        return s;
    }
    let queries: Vec<&DnsRec> = recs.iter().copied().filter(|d| !d.msg.response).collect();
    let responses: Vec<&DnsRec> = recs.iter().copied().filter(|d| d.msg.response).collect();
    for d in &recs {
        s.frames.push(d.frame);
        s.timing([d.ts].into_iter());
    }
    let resolvers: BTreeSet<String> = queries.iter().map(|q| q.dst.to_string()).collect();
    s.fact(
        "resolver",
        resolvers.iter().next().cloned().unwrap_or_default(),
    );
    s.fact("resolvers", resolvers.iter().cloned().collect::<Vec<_>>());
    s.fact(
        "queries",
        queries
            .iter()
            .map(|q| {
                let question = q.msg.questions.first();
                json!({
                    "frame": q.frame,
                    "name": question.map(|x| x.name.clone()),
                    "type": question.map(|x| x.qtype),
                    "transport": q.transport,
                    "rd": q.msg.flags.has(Flag::Rd),
                })
            })
            .collect::<Vec<_>>(),
    );
    s.fact(
        "responses",
        responses
            .iter()
            .map(|r| {
                json!({
                    "frame": r.frame,
                    "query_frame": r.msg.query_frame,
                    "rcode": r.msg.rcode,
                    "ra": r.msg.flags.has(Flag::Ra),
                    "tc": r.msg.flags.has(Flag::Tc),
                    "latency_ms": r.msg.latency_ms,
                    "answers": r.msg.answers.iter().map(|a| json!({
                        "name": a.name, "type": a.rtype, "ttl": a.ttl, "data": a.data
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>(),
    );
    for q in &queries {
        let question = q
            .msg
            .questions
            .first()
            .map(|x| format!("{} {}", x.qtype, x.name))
            .unwrap_or_default();
        let rd = q.msg.flags.has(Flag::Rd);
        // RFC 6891 §6.2.3: an OPT record's class is the largest UDP
        // answer the sender accepts; without one the limit is 512 bytes
        // (RFC 1035 §4.2.1).
        let edns = edns_size(&q.msg);
        let edns_text = match (edns, ctx.lang) {
            (Some(n), Lang::En) => format!("; with EDNS (an OPT record, RFC 6891) it accepts UDP answers up to {n} bytes instead of 512"),
            (Some(n), Lang::Zh) => format!("；它带有 EDNS（OPT 记录，RFC 6891），可接受最长 {n} 字节而不是 512 字节的 UDP 应答"),
            (None, _) => String::new(),
        };
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: the client asks {} for {question} over {}{}{edns_text}.",
                q.frame,
                q.dst,
                q.transport.as_str().to_uppercase(),
                if rd {
                    " with RD set: a recursive query, it wants the final answer rather than a referral"
                } else {
                    " without RD: an iterative query"
                }
            ),
            Lang::Zh => format!(
                "帧 {}：客户端通过 {} 向 {} 查询 {question}{}{edns_text}。",
                q.frame,
                q.transport.as_str().to_uppercase(),
                q.dst,
                if rd { "，设置了 RD：这是递归查询，要的是最终答案而不是转介" } else { "，未设置 RD：这是迭代查询" }
            ),
        });
    }
    for r in &responses {
        let answers: Vec<String> = r
            .msg
            .answers
            .iter()
            .map(|a| match ctx.lang {
                Lang::En => format!("{} {} {} (TTL {})", a.name, a.rtype, a.data, a.ttl),
                Lang::Zh => format!("{} {} {}（TTL {}）", a.name, a.rtype, a.data, a.ttl),
            })
            .collect();
        let latency = r
            .msg
            .latency_ms
            .map(|l| match ctx.lang {
                Lang::En => format!(" after {l:.1} ms"),
                Lang::Zh => format!("，耗时 {l:.1} 毫秒"),
            })
            .unwrap_or_default();
        let ra = r.msg.flags.has(Flag::Ra);
        // RFC 2308 §2.2: NOERROR with no answer is NODATA — the name
        // exists, but has no record of the asked type; NXDOMAIN says the
        // name itself does not exist.
        let qtype = r
            .msg
            .questions
            .first()
            .map(|q| q.qtype.to_string())
            .unwrap_or_default();
        let tc = r.msg.flags.has(Flag::Tc);
        let aa = r.msg.flags.has(Flag::Aa);
        let body = if tc {
            // RFC 2181 §9: a truncated answer is incomplete; an empty one
            // says nothing about the records the name has.
            match ctx.lang {
                Lang::En => format!("{} answer record(s), with TC set: the answer did not fit in the UDP message and is incomplete, so the client cannot use it (RFC 2181 §9) — it is not NODATA", answers.len()),
                Lang::Zh => format!("{} 条应答记录，设置了 TC：应答放不进这个 UDP 报文而被截断，内容不完整，客户端不能用它（RFC 2181 §9）——这不是 NODATA", answers.len()),
            }
        } else if answers.is_empty() && r.msg.rcode == Rcode::NOERROR {
            match ctx.lang {
                Lang::En => format!("no answer records — NODATA: the name exists but has no {qtype} record (RFC 2308 §2.2), which is not NXDOMAIN"),
                Lang::Zh => format!("没有应答记录——NODATA：该名字存在，但没有 {qtype} 记录（RFC 2308 §2.2），这与 NXDOMAIN（名字不存在）不同"),
            }
        } else if answers.is_empty() {
            ctx.t("no answer records", "没有应答记录").to_string()
        } else {
            answers.join(ctx.t("; ", "；"))
        };
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: {} answers {}{}{}{latency}: {body}.",
                r.frame,
                r.src,
                r.msg.rcode,
                if ra {
                    " with RA (it offers recursion)"
                } else {
                    ""
                },
                if aa {
                    ", AA set (an authoritative answer: the server holds this zone's data itself, RFC 1035 §4.1.1)"
                } else {
                    ""
                }
            ),
            Lang::Zh => format!(
                "帧 {}：{} 回答 {}{}{}{latency}：{body}。",
                r.frame,
                r.src,
                r.msg.rcode,
                if ra {
                    "，设置了 RA（它提供递归）"
                } else {
                    ""
                },
                if aa {
                    "，设置了 AA（权威应答：这个区的数据就在该服务器上，RFC 1035 §4.1.1）"
                } else {
                    ""
                }
            ),
        });
        if r.msg.rcode == Rcode::NXDOMAIN {
            let name = r
                .msg
                .questions
                .first()
                .map(|q| q.name.clone())
                .unwrap_or_default();
            s.fact("nxdomain", name.clone());
            s.line(match ctx.lang {
                Lang::En => format!("NXDOMAIN: the name {name} does not exist."),
                Lang::Zh => format!("NXDOMAIN：域名 {name} 不存在。"),
            });
        }
    }
    // The CNAME chain of each name asked, followed to its end (RFC 1034
    // §3.6.2: the resolver restarts the query at the canonical name).
    let mut chains: Vec<Vec<String>> = Vec::new();
    let mut addresses = BTreeSet::new();
    for q in queries.iter().filter_map(|q| q.msg.questions.first()) {
        if chains.iter().any(|c| c[0].eq_ignore_ascii_case(&q.name)) {
            continue;
        }
        let mut chain = vec![q.name.clone()];
        for _ in 0..16 {
            let here = chain.last().cloned().unwrap_or_default();
            let next = responses
                .iter()
                .flat_map(|r| &r.msg.answers)
                .filter(|a| a.name.eq_ignore_ascii_case(&here))
                .find_map(|a| a.target())
                .map(str::to_string);
            match next {
                Some(n) if !chain.contains(&n) => chain.push(n),
                _ => break,
            }
        }
        let end = chain.last().cloned().unwrap_or_default();
        for a in responses.iter().flat_map(|r| &r.msg.answers) {
            if a.rtype.is_address() && a.name.eq_ignore_ascii_case(&end) {
                addresses.insert(a.data.clone());
            }
        }
        if chain.len() > 1 {
            s.line(match ctx.lang {
                Lang::En => format!(
                    "CNAME chain: {} — the name is an alias, and the resolver followed it to the canonical name.",
                    chain.join(" → ")
                ),
                Lang::Zh => format!("CNAME 链：{}——该名字是别名，解析器顺着它找到规范名。", chain.join(" → ")),
            });
        }
        chains.push(chain);
    }
    let longest = chains
        .iter()
        .max_by_key(|c| c.len())
        .cloned()
        .unwrap_or_default();
    s.fact("cname_chain", longest);
    s.fact("addresses", addresses.into_iter().collect::<Vec<_>>());
    // A and AAAA asked side by side (RFC 8305 §3: Happy Eyeballs asks for
    // both before either answer arrives).
    let parallel = queries.iter().any(|a| {
        queries.iter().any(|b| {
            let (Some(qa), Some(qb)) = (a.msg.questions.first(), b.msg.questions.first()) else {
                return false;
            };
            let both_sent = a.ts.max(b.ts);
            qa.qtype == RType::A
                && qb.qtype == RType::AAAA
                && qa.name == qb.name
                && !responses.iter().any(|r| {
                    r.ts < both_sent
                        && (r.msg.query_frame == Some(a.frame)
                            || r.msg.query_frame == Some(b.frame))
                })
        })
    });
    s.fact("parallel_a_aaaa", parallel);
    if parallel {
        s.line(
            ctx.t(
                "A and AAAA are asked side by side, before either answer arrives, so IPv4 and IPv6 can race (Happy Eyeballs).",
                "A 和 AAAA 查询并行发出，不等第一个回答，以便 IPv4 和 IPv6 竞速（Happy Eyeballs）。",
            )
            .to_string(),
        );
    }
    let svcb: Vec<_> = responses
        .iter()
        .flat_map(|r| &r.msg.answers)
        .filter(|a| a.rtype == RType::HTTPS || a.rtype == RType::SVCB)
        .collect();
    if !svcb.is_empty() {
        s.fact(
            "https_records",
            svcb.iter().map(|a| a.data.clone()).collect::<Vec<_>>(),
        );
        s.line(match ctx.lang {
            Lang::En => format!(
                "HTTPS record: {} — it tells the browser before connecting which protocols (ALPN) the service offers.",
                svcb[0].data
            ),
            Lang::Zh => format!("HTTPS 记录：{}——它在连接之前就告诉浏览器该服务支持哪些协议（ALPN）。", svcb[0].data),
        });
    }
    // RFC 7766 §5 / RFC 1035 §4.2.1: TC over UDP, then the same question
    // over TCP.
    let retried = responses.iter().find(|r| {
        r.transport == Transport::Udp
            && r.msg.flags.has(Flag::Tc)
            && queries.iter().any(|q| {
                q.transport == Transport::Tcp
                    && q.ts >= r.ts
                    && q.msg.questions.first() == r.msg.questions.first()
            })
    });
    s.fact("truncated_retry_tcp", retried.is_some());
    if let Some(r) = retried {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: the UDP answer was truncated (TC set), so the client asked again over TCP.",
                r.frame
            ),
            Lang::Zh => format!("帧 {}：UDP 回答被截断（TC 置位），客户端改用 TCP 重新查询。", r.frame),
        });
    }
    if let (Some(q), Some(r)) = (queries.first(), responses.last()) {
        s.fact("duration_ms", ms(q.ts, r.ts));
    }
    // Queries from the resolver itself mean the capture saw its iterative
    // walk (RFC 1034 §4.3.2).
    let walk: Vec<&DnsRec> = ctx
        .ev
        .dns
        .iter()
        .filter(|d| {
            !d.msg.response && resolvers.contains(&d.src.to_string()) && !d.msg.flags.has(Flag::Rd)
        })
        .collect();
    if responses.is_empty() {
        // No answer: nothing shows a resolver there, so nothing is said of
        // what it did.
        let to: BTreeSet<String> = queries.iter().map(|q| q.dst.to_string()).collect();
        let to = to.into_iter().collect::<Vec<_>>();
        s.fact("no_answer", true);
        s.line(match ctx.lang {
            Lang::En => format!(
                "No DNS answer was captured: nothing here shows that {} runs a resolver at all.",
                to.join(", ")
            ),
            Lang::Zh => format!(
                "抓包中没有任何 DNS 回答：这里没有什么能表明 {} 上运行着解析器。",
                to.join("、")
            ),
        });
    } else if walk.is_empty() {
        // AA (RFC 1035 §4.1.1): the server that answered holds the zone
        // itself, so that answer came neither from a cache nor from other
        // servers it asked.
        let aa: Vec<u64> = responses
            .iter()
            .filter(|r| r.msg.flags.has(Flag::Aa))
            .map(|r| r.frame)
            .collect();
        let from: BTreeSet<String> = responses
            .iter()
            .filter(|r| r.msg.flags.has(Flag::Aa))
            .map(|r| r.src.to_string())
            .collect();
        let from = from.into_iter().collect::<Vec<_>>();
        if !aa.is_empty() {
            let list = crate::explain::frame_list_in(&aa, ctx.lang);
            s.line(match ctx.lang {
                Lang::En => format!(
                    "The answer{} with AA set (frame{} {list}) came from {}, which holds the zone itself: not from a cache, and not by asking the root, the top-level domain and other servers.",
                    if aa.len() == 1 { "" } else { "s" },
                    if aa.len() == 1 { "" } else { "s" },
                    from.join(", ")
                ),
                Lang::Zh => format!(
                    "带 AA 标志的回答（帧 {list}）来自 {}，它自己持有这个区的数据：既不是从缓存中取的，也不是去问根、顶级域和其他服务器得来的。",
                    from.join("、")
                ),
            });
        }
        if aa.len() < responses.len() {
            s.line(match (ctx.lang, aa.is_empty()) {
                (Lang::En, true) => "What the resolver did next — answer from its cache, or ask the root, the top-level domain and the authoritative servers in turn — is not in this capture, which was taken at the client.".to_string(),
                (Lang::En, false) => "For the answers without AA, what the resolver did — answer from its cache, or ask the root, the top-level domain and the authoritative servers in turn — is not in this capture, which was taken at the client.".to_string(),
                (Lang::Zh, true) => "解析器之后做了什么——从缓存作答，还是依次询问根、顶级域和权威服务器——不在本次抓包中，因为抓包是在客户端进行的。".to_string(),
                (Lang::Zh, false) => "对于不带 AA 的回答，解析器做了什么——从缓存作答，还是依次询问根、顶级域和权威服务器——不在本次抓包中，因为抓包是在客户端进行的。".to_string(),
            });
        }
    } else {
        s.fact(
            "iterative_queries",
            walk.iter().map(|d| d.frame).collect::<Vec<_>>(),
        );
        for d in walk.iter().take(8) {
            s.frames.push(d.frame);
            s.line(match ctx.lang {
                Lang::En => format!(
                    "Frame {}: the resolver {} asks {} without RD — one step of its iterative walk.",
                    d.frame, d.src, d.dst
                ),
                Lang::Zh => format!("帧 {}：解析器 {} 不带 RD 询问 {}——迭代查询中的一步。", d.frame, d.src, d.dst),
            });
        }
    }
    s
}

/// The UDP size an OPT record offers (RFC 6891 §6.2.3), if the message
/// carries one.
fn edns_size(m: &crate::decode::dns::DnsMessage) -> Option<u16> {
    m.additional
        .iter()
        .find(|a| a.rtype.to_string() == "OPT")
        .and_then(|a| a.data.strip_prefix("udp="))
        .and_then(|d| d.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
