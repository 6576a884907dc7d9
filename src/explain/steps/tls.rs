//! Step 6: the TLS handshake (RFC 8446 for TLS 1.3, RFC 5246 for 1.2;
//! SNI from RFC 6066 §3, ALPN from RFC 7301, GREASE from RFC 8701).

use super::{ms, new_step, Ctx};
use crate::decode::tls::{self, HandshakeKind, TlsVersion};
use crate::explain::evidence::{Conn, TlsRec};
use crate::explain::{Status, Step};
use crate::notes::claims;
use crate::notes::Lang;
use serde_json::json;
use std::collections::BTreeMap;

fn group(g: u16) -> String {
    tls::group_name(g).map_or_else(|| format!("0x{g:04x}"), str::to_string)
}

fn suite(cs: u16) -> String {
    tls::cipher_suite_name(cs).map_or_else(|| format!("0x{cs:04x}"), str::to_string)
}

/// The version a ServerHello chose: supported_versions when present
/// (RFC 8446 §4.2.1), else its legacy version field.
fn chosen_version(sh: &TlsRec) -> Option<TlsVersion> {
    sh.hs.supported_versions.first().cloned().or(sh.hs.version)
}

pub(super) fn handshake(ctx: &Ctx) -> Step {
    let mut s = new_step("tls_handshake", ctx.lang, Status::Observed);
    s.cite(&[5, 6, 7, 9]);
    let Some(c) = ctx
        .conns
        .iter()
        .copied()
        .find(|c| c.client_hello().is_some())
    else {
        s.status = if ctx.conns.iter().any(|c| c.is_tls()) {
            s.reason(ctx.t(
                "The connection is on port 443 but no ClientHello was captured (it began before the capture, or its bytes were lost).",
                "连接使用 443 端口，但没有抓到 ClientHello（连接在抓包前已开始，或其字节丢失）。",
            ));
            Status::Inferred
        } else {
            s.reason(ctx.t(
                "The page was loaded over plain http: there is no TLS handshake, and everything is sent in the clear.",
                "页面通过明文 http 加载：没有 TLS 握手，所有内容都以明文发送。",
            ));
            Status::NotApplicable
        };
        return s;
    };
    let ch = c.client_hello().expect("found above");
    let h = &ch.hs;
    s.frames.extend(h.frames.iter().copied());
    s.timing([ch.seg.ts].into_iter());
    s.fact("stream", c.stream);
    s.fact("client_hello_frames", h.frames.clone());
    s.fact("sni", h.sni.clone());
    s.fact("alpn_offered", h.alpn.clone());
    s.fact(
        "versions_offered",
        h.supported_versions
            .iter()
            .map(TlsVersion::to_string)
            .collect::<Vec<_>>(),
    );
    s.fact("cipher_suites_offered", h.cipher_suites.len());
    s.fact(
        "key_share_groups",
        h.key_share_groups
            .iter()
            .map(|g| group(*g))
            .collect::<Vec<_>>(),
    );
    let pq: Vec<String> = h
        .key_share_groups
        .iter()
        .filter(|g| tls::is_post_quantum_group(**g))
        .map(|g| group(*g))
        .collect();
    s.fact("post_quantum_key_share", pq.clone());
    s.fact(
        "grease",
        h.grease
            .iter()
            .map(|g| format!("0x{g:04x}"))
            .collect::<Vec<_>>(),
    );
    s.fact("encrypted_client_hello", h.encrypted_client_hello);
    let segments = h.frames.len();
    if c.quic {
        s.fact("transport", "quic");
        s.fact("quic_version", c.quic_version.clone());
        s.fact("quic_initial_dcid", c.quic_dcid.clone());
    }
    s.line(match ctx.lang {
        Lang::En => format!(
            "ClientHello in frame {}{}: SNI {} (sent in the clear), ALPN offers {}, versions {}, {} cipher suites, {}.",
            h.frames.last().copied().unwrap_or(ch.seg.frame),
            if segments > 1 && c.quic {
                format!(
                    " (reassembled from the CRYPTO frames of {segments} QUIC Initial packets, frames {}, because it is larger than one packet)",
                    h.frames.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                )
            } else if segments > 1 {
                format!(
                    " (reassembled from {segments} TCP segments, frames {}, because it is larger than one segment)",
                    h.frames.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                )
            } else {
                String::new()
            },
            h.sni.as_deref().unwrap_or("(none)"),
            if h.alpn.is_empty() { "nothing".to_string() } else { h.alpn.join(", ") },
            if h.supported_versions.is_empty() {
                h.version.map_or_else(String::new, |v| v.to_string())
            } else {
                tls::join_versions(&h.supported_versions, ", ")
            },
            h.cipher_suites.len(),
            if h.key_share_groups.is_empty() {
                "no key shares (a hello without TLS 1.3 key_share)".to_string()
            } else {
                format!("key shares for {}", h.key_share_groups.iter().map(|g| group(*g)).collect::<Vec<_>>().join(", "))
            }
        ),
        Lang::Zh => format!(
            "ClientHello 位于帧 {}{}：SNI {}（明文发送），ALPN 提供 {}，版本 {}，{} 个密码套件，{}。",
            h.frames.last().copied().unwrap_or(ch.seg.frame),
            if segments > 1 && c.quic {
                format!("（它比一个 QUIC 包大，由 {segments} 个 QUIC Initial 包中的 CRYPTO 帧重组而成，帧 {}）", h.frames.iter().map(u64::to_string).collect::<Vec<_>>().join("、"))
            } else if segments > 1 {
                format!("（它比一个 TCP 报文段大，由 {segments} 个报文段重组而成，帧 {}）", h.frames.iter().map(u64::to_string).collect::<Vec<_>>().join("、"))
            } else {
                String::new()
            },
            h.sni.as_deref().unwrap_or("（无）"),
            if h.alpn.is_empty() { "无".to_string() } else { h.alpn.join("、") },
            if h.supported_versions.is_empty() {
                h.version.map_or_else(String::new, |v| v.to_string())
            } else {
                tls::join_versions(&h.supported_versions, "、")
            },
            h.cipher_suites.len(),
            if h.key_share_groups.is_empty() {
                "没有密钥共享（不含 TLS 1.3 key_share 扩展）".to_string()
            } else {
                format!("密钥共享组 {}", h.key_share_groups.iter().map(|g| group(*g)).collect::<Vec<_>>().join("、"))
            }
        ),
    });
    if c.quic {
        s.line(match ctx.lang {
            Lang::En => format!(
                "Over QUIC{} the TLS messages travel in CRYPTO frames, not in TLS records (RFC 9001 §4). Initial packets are encrypted, but with keys anyone can derive from the client's Destination Connection ID{} (RFC 9001 §5.2), so the hellos are as readable as over TCP; everything after them uses keys from the key exchange. QUIC always uses TLS 1.3 (RFC 9001 §4.2).",
                c.quic_version.as_deref().map(|v| format!(" version {v}")).unwrap_or_default(),
                c.quic_dcid.as_deref().map(|d| format!(" {d}")).unwrap_or_default()
            ),
            Lang::Zh => format!(
                "在 QUIC{} 中，TLS 消息放在 CRYPTO 帧里传输，而不是 TLS 记录（RFC 9001 §4）。Initial 包虽然加密，但密钥可由客户端的目的连接 ID{} 推导出来（RFC 9001 §5.2），所以 Hello 消息与 TCP 上一样可读；之后的一切都使用密钥交换得到的密钥。QUIC 总是使用 TLS 1.3（RFC 9001 §4.2）。",
                c.quic_version.as_deref().map(|v| format!(" 版本 {v}")).unwrap_or_default(),
                c.quic_dcid.as_deref().map(|d| format!(" {d}")).unwrap_or_default()
            ),
        });
    }
    // The SNI is in the clear (RFC 6066 §3); with Encrypted Client Hello
    // the visible hello is the outer one, whose name is the provider's
    // public name, and the real ClientHello travels encrypted inside.
    if h.encrypted_client_hello {
        // RFC 9849 §6.2: without an ECH configuration (published in the
        // DNS HTTPS record's ech parameter) a client sends a GREASE ECH
        // extension of random bytes, and the visible SNI is the real name.
        let config = ctx
            .load
            .dns
            .iter()
            .any(|i| ctx.ev.dns[*i].msg.answers.iter().any(|a| a.publishes_ech()));
        s.line(match (ctx.lang, config) {
            (Lang::En, true) => format!(
                "This ClientHello carries encrypted_client_hello, and the DNS HTTPS answer published an ECH configuration: the SNI seen here ({}) is the outer, public name; the name the client really wants is in the encrypted inner ClientHello.",
                h.sni.as_deref().unwrap_or("none")
            ),
            (Lang::Zh, true) => format!(
                "这个 ClientHello 带有 encrypted_client_hello，而且 DNS 的 HTTPS 记录发布了 ECH 配置：这里看到的 SNI（{}）是外层的公开名字；客户端真正要访问的名字在加密的内层 ClientHello 里。",
                h.sni.as_deref().unwrap_or("无")
            ),
            (Lang::En, false) => format!(
                "This ClientHello carries an encrypted_client_hello extension, but no ECH configuration was published in the captured DNS answers: it is most likely GREASE ECH (random bytes sent so that real ECH does not stand out, RFC 9849 §6.2), and the SNI {} is the real name, in the clear.",
                h.sni.as_deref().unwrap_or("(none)")
            ),
            (Lang::Zh, false) => format!(
                "这个 ClientHello 带有 encrypted_client_hello 扩展，但抓到的 DNS 应答里没有发布 ECH 配置：它很可能是 GREASE ECH（发送随机字节，使真正的 ECH 不显眼，RFC 9849 §6.2），SNI {} 就是真实的名字，以明文传输。",
                h.sni.as_deref().unwrap_or("（无）")
            ),
        });
    } else if let Some(sni) = &h.sni {
        s.line(match ctx.lang {
            Lang::En => format!("The server name {sni} travels in the clear (SNI, RFC 6066 §3): anyone on the path sees which site is visited, even though everything after the handshake is encrypted."),
            Lang::Zh => format!("服务器名 {sni} 以明文传输（SNI，RFC 6066 §3）：即使握手之后的一切都已加密，路径上的任何人仍能看到访问的是哪个网站。"),
        });
    }
    if !h.grease.is_empty() {
        s.line(
            ctx.t(
                "GREASE values (reserved, meaningless numbers) are mixed into the lists so that servers which choke on unknown values are found early.",
                "列表中混入了 GREASE 值（保留的无意义数字），用来尽早发现遇到未知值就出错的服务器。",
            )
            .to_string(),
        );
    }
    let hrr = c
        .tls
        .iter()
        .find(|t| t.hs.kind == HandshakeKind::HelloRetryRequest);
    if let Some(r) = hrr {
        s.frames.push(r.seg.frame);
        s.fact("hello_retry_request_frame", r.seg.frame);
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: HelloRetryRequest — the server wants a key share for {}, costing one more round trip.",
                r.seg.frame,
                r.hs.key_share_groups.first().map_or_else(String::new, |g| group(*g))
            ),
            Lang::Zh => format!(
                "帧 {}：HelloRetryRequest——服务器要求 {} 的密钥共享，多花一个往返。",
                r.seg.frame,
                r.hs.key_share_groups.first().map_or_else(String::new, |g| group(*g))
            ),
        });
    }
    if let (Some(_), Some(second)) = (
        hrr,
        c.tls
            .iter()
            .filter(|t| t.hs.kind == HandshakeKind::ClientHello)
            .nth(1),
    ) {
        s.frames.extend(second.hs.frames.iter().copied());
        s.fact("second_client_hello_frame", second.seg.frame);
        let ccs = c.ccs[0].filter(|x| x.frame <= second.seg.frame);
        let shares = second
            .hs
            .key_share_groups
            .iter()
            .map(|g| group(*g))
            .collect::<Vec<_>>();
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: the second ClientHello, now with a key share for {}{}.",
                second.seg.frame,
                shares.join(", "),
                ccs.map(|x| format!("; the client's ChangeCipherSpec before it (frame {}) is only for middleboxes (RFC 8446 Appendix D.4) and starts no encryption", x.frame)).unwrap_or_default()
            ),
            Lang::Zh => format!(
                "帧 {}：第二个 ClientHello，这次带有 {} 的密钥共享{}。",
                second.seg.frame,
                shares.join("、"),
                ccs.map(|x| format!("；它之前客户端的 ChangeCipherSpec（帧 {}）只是为了兼容中间设备（RFC 8446 附录 D.4），并不开始加密", x.frame)).unwrap_or_default()
            ),
        });
    }
    let Some(sh) = c.server_hello() else {
        s.line(
            ctx.t("No ServerHello was captured.", "没有抓到 ServerHello。")
                .to_string(),
        );
        // A QUIC connection that ended before the server's hello: why.
        if let Some(f) = super::quic::failure(ctx, c) {
            s.frames.extend(f.frames.iter().copied());
            s.line(f.text(ctx.lang));
        }
        return s;
    };
    s.frames.extend(sh.hs.frames.iter().copied());
    s.timing([sh.seg.ts].into_iter());
    post_quantum(ctx, &mut s, &pq, sh);
    let version = chosen_version(sh).map_or_else(String::new, |v| v.to_string());
    let tls13 = chosen_version(sh).is_some_and(TlsVersion::is_tls13);
    let suite_name = sh.hs.cipher_suite.map(suite).unwrap_or_default();
    s.fact("server_hello_frame", sh.seg.frame);
    s.fact("version", version.clone());
    s.fact("cipher_suite", suite_name.clone());
    s.fact(
        "key_share_group",
        sh.hs.key_share_groups.first().map(|g| group(*g)),
    );
    if !sh.hs.alpn.is_empty() {
        s.fact("alpn", sh.hs.alpn[0].clone());
    }
    s.line(match ctx.lang {
        Lang::En => format!(
            "Frame {}: ServerHello chooses {version} with {suite_name}{}.",
            sh.seg.frame,
            sh.hs
                .key_share_groups
                .first()
                .map(|g| format!(" and key share {}", group(*g)))
                .unwrap_or_default()
        ),
        Lang::Zh => format!(
            "帧 {}：ServerHello 选择 {version} 和 {suite_name}{}。",
            sh.seg.frame,
            sh.hs
                .key_share_groups
                .first()
                .map(|g| format!("，密钥共享 {}", group(*g)))
                .unwrap_or_default()
        ),
    });
    // Resumption: a TLS 1.3 ServerHello that accepts a PSK (RFC 8446
    // §4.2.11), or a TLS 1.2 server echoing a non-empty session id (RFC
    // 5246 §7.4.1.3).
    let resumed = if tls13 {
        sh.hs.pre_shared_key
    } else {
        h.session_id.as_ref().is_some_and(|id| !id.is_empty())
            && h.session_id == sh.hs.session_id
            && !c
                .tls
                .iter()
                .any(|t| t.hs.kind == HandshakeKind::Certificate)
    };
    s.fact("resumed", resumed);
    let kinds: Vec<&TlsRec> = c.tls.iter().filter(|t| t.seg.ts >= sh.seg.ts).collect();
    let encrypted_from = if tls13 {
        // RFC 8446 §2: everything after the ServerHello is encrypted.
        kinds
            .iter()
            .find(|t| t.hs.kind == HandshakeKind::EncryptedHandshakeMessage)
            .map(|t| t.seg.frame)
            .or_else(|| c.app_data[1].first().map(|x| x.frame))
    } else {
        // RFC 5246 §7.1: each side encrypts from its ChangeCipherSpec on.
        c.ccs.iter().flatten().map(|x| x.frame).min()
    };
    s.fact("encrypted_from_frame", encrypted_from);
    let names: Vec<String> = c
        .tls
        .iter()
        .map(|t| match ctx.lang {
            Lang::En => format!("{} (frame {})", t.hs.kind, t.seg.frame),
            Lang::Zh => format!("{}（帧 {}）", t.hs.kind, t.seg.frame),
        })
        .collect();
    s.fact(
        "messages",
        c.tls
            .iter()
            .map(|t| json!({"type": t.hs.kind, "frame": t.seg.frame}))
            .collect::<Vec<_>>(),
    );
    let end = if c.quic {
        // RFC 9001 §4.1.1: the client's Finished travels in a Handshake
        // packet: the one decrypted with the key log, or else the first
        // Handshake packet after the ServerHello whose Length can hold it
        // (a CRYPTO frame of at least 3 header bytes, the 4-byte message
        // header and the transcript hash, a packet number byte and the
        // 16-byte AEAD tag, RFC 9001 §5.3); a smaller one holds only ACKs
        // while the server's flight is still arriving.
        let hash = if sh.hs.cipher_suite == Some(0x1302) {
            48
        } else {
            32
        };
        let room = 1 + 3 + 4 + hash + 16;
        c.tls
            .iter()
            .find(|t| t.seg.from_client && t.hs.kind == HandshakeKind::Finished)
            .or_else(|| {
                c.tls.iter().find(|t| {
                    t.seg.from_client
                        && t.seg.ts >= sh.seg.ts
                        && t.hs.kind == HandshakeKind::EncryptedHandshakeMessage
                        && t.hs.length >= room
                })
            })
            .map(|t| t.seg)
    } else if tls13 {
        // The client's Finished is the first application-data record it
        // sends after the ServerHello.
        c.app_data[0].iter().find(|x| x.ts >= sh.seg.ts).copied()
    } else {
        c.tls
            .iter()
            .filter(|t| !t.seg.from_client)
            .filter(|t| {
                t.hs.kind == HandshakeKind::EncryptedHandshakeMessage
                    || t.hs.kind == HandshakeKind::Finished
            })
            .map(|t| t.seg)
            .next_back()
    };
    if let Some(e) = end {
        s.frames.push(e.frame);
        s.timing([e.ts].into_iter());
        s.fact("duration_ms", ms(ch.seg.ts, e.ts));
    }
    // TLS 1.3 and resumed 1.2 sessions take one round trip, a full 1.2
    // handshake two (RFC 8446 §2, RFC 5246 §7.3); a HelloRetryRequest
    // adds one.
    let round_trips = if tls13 || resumed { 1 } else { 2 } + usize::from(hrr.is_some());
    s.fact("round_trips", round_trips);
    s.line(match (ctx.lang, tls13) {
        (Lang::En, true) => format!(
            "TLS 1.3: {}. Everything the server sends after the ServerHello — {} — is already encrypted{}. Messages: {}.",
            if round_trips == 1 { "one round trip".to_string() } else { format!("{round_trips} round trips, one more for the HelloRetryRequest") },
            if resumed {
                "its Finished; a resumed session sends no certificate"
            } else {
                "its certificate chain, CertificateVerify (a signature over the handshake transcript made with the private key that matches the certificate's public key, RFC 8446 §4.4.3) and Finished"
            },
            encrypted_from.map(|f| format!(" (from frame {f})")).unwrap_or_default(),
            names.join(", ")
        ),
        (Lang::Zh, true) => format!(
            "TLS 1.3：{}。ServerHello 之后服务器发送的一切——{}——都已加密{}。消息：{}。",
            if round_trips == 1 { "一个往返".to_string() } else { format!("{round_trips} 个往返，HelloRetryRequest 多用了一个") },
            if resumed {
                "它的 Finished；恢复的会话不发送证书"
            } else {
                "证书链、CertificateVerify（用与证书公钥配对的私钥对握手记录所做的签名，RFC 8446 §4.4.3）和 Finished"
            },
            encrypted_from.map(|f| format!("（从帧 {f} 开始）")).unwrap_or_default(),
            names.join("，")
        ),
        (Lang::En, false) => format!(
            "{version}: {}; the certificate and key exchange travel in the clear and encryption starts after ChangeCipherSpec{}. Messages: {}.",
            if round_trips == 1 { "one round trip".to_string() } else { format!("{round_trips} round trips") },
            encrypted_from.map(|f| format!(" (frame {f})")).unwrap_or_default(),
            names.join(", ")
        ),
        (Lang::Zh, false) => format!(
            "{version}：{} 个往返；证书和密钥交换以明文传输，ChangeCipherSpec 之后才开始加密{}。消息：{}。",
            round_trips,
            encrypted_from.map(|f| format!("（帧 {f}）")).unwrap_or_default(),
            names.join("，")
        ),
    });
    if c.quic {
        // RFC 9000 §7: the transport and cryptographic handshakes are one.
        s.line(match ctx.lang {
            Lang::En => format!(
                "QUIC sets up the connection and TLS in this same round trip{}: over TCP the TLS handshake would only start after the TCP handshake's own round trip.",
                end.map(|e| format!(" (the client's Finished goes out in frame {}, {:.3} ms after the first Initial)", e.frame, ms(c.first.ts, e.ts)))
                    .unwrap_or_default()
            ),
            Lang::Zh => format!(
                "QUIC 在同一个往返中同时建立连接和 TLS{}：若走 TCP，TLS 握手要等 TCP 握手的往返结束后才能开始。",
                end.map(|e| format!("（客户端的 Finished 在帧 {} 发出，距第一个 Initial {:.3} 毫秒）", e.frame, ms(c.first.ts, e.ts)))
                    .unwrap_or_default()
            ),
        });
    }
    if let Some(line) = super::quic::amplification(ctx, c) {
        s.line(line);
    }
    if resumed {
        s.line(
            ctx.t(
                "The session was resumed from an earlier one: no certificate is sent.",
                "会话由之前的会话恢复：没有发送证书。",
            )
            .to_string(),
        );
    }
    // After a HelloRetryRequest the key share that counts is the second
    // ClientHello's.
    let ch_used = c
        .tls
        .iter()
        .rfind(|t| t.hs.kind == HandshakeKind::ClientHello && t.seg.ts <= sh.seg.ts)
        .unwrap_or(ch);
    key_exchange_check(ctx, &mut s, c, ch_used, sh, tls13);
    certificate_check(ctx, &mut s, c);
    sni_check(ctx, &mut s);
    // Over QUIC the client's Finished cannot be placed without keys (its
    // first Handshake packet may carry only an ACK): no timing claim.
    if (tls13 || resumed) && !c.quic {
        if let Some(e) = end {
            // The time from ClientHello to Finished is a round trip plus
            // the work at both ends: where the server's answer took far
            // longer than the TCP handshake's round trip, say so.
            let rtt = c.syns.first().zip(c.syn_ack).map(|(a, b)| ms(a.ts, b.ts));
            let think = ms(ch_used.seg.ts, sh.seg.ts);
            let work = match rtt {
                Some(r) if think > 1.0 && think > 10.0 * r => match ctx.lang {
                    Lang::En => format!(" Of that time, {think:.3} ms passed between the ClientHello (frame {}) and the ServerHello (frame {}), while the TCP handshake measured the network's round trip at {r:.3} ms: the delay was spent at the server (computing its key share and signature, or waiting to run), not on the network.", ch_used.seg.frame, sh.seg.frame),
                    Lang::Zh => format!("其中从 ClientHello（帧 {}）到 ServerHello（帧 {}）就用了 {think:.3} 毫秒，而 TCP 握手测得的网络往返只有 {r:.3} 毫秒：这段延迟花在服务器上（计算密钥份额和签名，或等待调度），而不是网络上。", ch_used.seg.frame, sh.seg.frame),
                },
                _ => String::new(),
            };
            let mut frames = vec![ch.seg.frame, e.frame];
            if !work.is_empty() {
                frames.push(sh.seg.frame);
                frames.sort_unstable();
                frames.dedup();
            }
            s.check(
                ctx.lang,
                &claims::HTTPS_SLOW,
                match (ctx.lang, resumed) {
                    (Lang::En, true) => format!("This session was resumed from an earlier one (ServerHello, frame {}): no certificate, one round trip, {:.3} ms from ClientHello to the client's Finished.", sh.seg.frame, ms(ch.seg.ts, e.ts)),
                    (Lang::Zh, true) => format!("这个会话由之前的会话恢复（ServerHello，帧 {}）：没有证书，一个往返，从 ClientHello 到客户端 Finished 用了 {:.3} 毫秒。", sh.seg.frame, ms(ch.seg.ts, e.ts)),
                    (Lang::En, false) => format!("A full TLS 1.3 handshake costs one round trip{}: {:.3} ms here from ClientHello (frame {}) to the client's Finished (frame {}); a later visit can resume with a ticket and skip the certificate.", if hrr.is_some() { " (two after a HelloRetryRequest)" } else { "" }, ms(ch.seg.ts, e.ts), ch.seg.frame, e.frame),
                    (Lang::Zh, false) => format!("完整的 TLS 1.3 握手只需一个往返{}：这里从 ClientHello（帧 {}）到客户端 Finished（帧 {}）用了 {:.3} 毫秒；之后再访问可以用票据恢复会话，省去证书。", if hrr.is_some() { "（HelloRetryRequest 之后是两个）" } else { "" }, ch.seg.frame, e.frame, ms(ch.seg.ts, e.ts)),
                } + &work,
                frames,
            );
        }
    }
    s
}

/// A post-quantum hybrid protects the keys only when the ServerHello
/// chose it; a key share the client merely offered protects nothing.
fn post_quantum(ctx: &Ctx, s: &mut Step, offered: &[String], sh: &TlsRec) {
    let Some(&g) = sh.hs.key_share_groups.first() else {
        return;
    };
    if tls::is_post_quantum_group(g) {
        s.line(match ctx.lang {
            Lang::En => format!(
                "The ServerHello (frame {}) chose the key share {}, a post-quantum hybrid: classical X25519 combined with ML-KEM, so recovering the keys from a recording would need both broken, X25519 (by a future quantum computer) and ML-KEM.",
                sh.seg.frame, group(g)
            ),
            Lang::Zh => format!(
                "ServerHello（帧 {}）选择了密钥共享 {}，这是后量子混合方案：经典 X25519 与 ML-KEM 结合，要从录下的流量中恢复密钥，必须同时攻破 X25519（未来的量子计算机可能做到）和 ML-KEM。",
                sh.seg.frame, group(g)
            ),
        });
    } else if !offered.is_empty() {
        s.line(match ctx.lang {
            Lang::En => format!(
                "The client also offered the post-quantum hybrid {}, but the ServerHello (frame {}) chose {}: this connection's keys come from a classical exchange alone, which a future quantum computer could break from a recording.",
                offered.join(", "), sh.seg.frame, group(g)
            ),
            Lang::Zh => format!(
                "客户端还提供了后量子混合方案 {}，但 ServerHello（帧 {}）选择了 {}：这个连接的密钥只来自经典的密钥交换，未来的量子计算机有可能从录下的流量中破解。",
                offered.join("、"), sh.seg.frame, group(g)
            ),
        });
    }
}

/// The chosen suite is TLS_RSA_*: the premaster secret travels encrypted
/// with the certificate's RSA key (RFC 5246 §7.4.7.1), no key exchange of
/// ephemeral shares.
fn rsa_key_transport(c: &Conn) -> bool {
    c.server_hello()
        .and_then(|sh| sh.hs.cipher_suite)
        .is_some_and(|cs| suite(cs).starts_with("TLS_RSA_"))
}

/// The notes describe RSA key transport: the client encrypts a third
/// random with the certificate's public key. With (EC)DHE, and always in
/// TLS 1.3 (RFC 8446 §4.2.8), the keys come from ephemeral key shares.
fn key_exchange_check(ctx: &Ctx, s: &mut Step, c: &Conn, ch: &TlsRec, sh: &TlsRec, tls13: bool) {
    if tls13 {
        let g = sh
            .hs
            .key_share_groups
            .first()
            .map(|g| group(*g))
            .unwrap_or_default();
        s.check(
            ctx.lang,
            &claims::KEY_TRANSPORT,
            match ctx.lang {
                Lang::En => format!(
                    "TLS 1.3 (ServerHello, frame {}) has no RSA key transport: client and server each send an ephemeral {g} key share in their hellos (frames {} and {}) and derive the keys from that exchange. No ClientKeyExchange exists; the server proves it holds the private key of its certificate by signing the handshake transcript (CertificateVerify, RFC 8446 §4.4.3), and certificate and signature travel encrypted.",
                    sh.seg.frame, ch.seg.frame, sh.seg.frame
                ),
                Lang::Zh => format!(
                    "TLS 1.3（ServerHello，帧 {}）没有 RSA 密钥传输：双方在各自的 Hello（帧 {} 和 {}）中发送临时的 {g} 密钥共享，并由此导出密钥。没有 ClientKeyExchange；服务器用与证书配对的私钥对握手记录签名（CertificateVerify，RFC 8446 §4.4.3），以此证明自己持有该私钥，证书和签名都是加密传输的。",
                    sh.seg.frame, ch.seg.frame, sh.seg.frame
                ),
            },
            vec![ch.seg.frame, sh.seg.frame],
        );
        return;
    }
    let ske = c
        .tls
        .iter()
        .find(|t| t.hs.kind == HandshakeKind::ServerKeyExchange);
    let cke = c
        .tls
        .iter()
        .find(|t| t.hs.kind == HandshakeKind::ClientKeyExchange);
    // A TLS_RSA_* suite really used: the notes' description is this
    // handshake (RFC 5246 §7.4.7.1), without forward secrecy; TLS 1.3
    // removed it (RFC 8446 §1.2).
    if let (None, Some(cke), true) = (ske, cke, rsa_key_transport(c)) {
        let name = sh.hs.cipher_suite.map(suite).unwrap_or_default();
        s.check(
            ctx.lang,
            &claims::KEY_TRANSPORT,
            match ctx.lang {
                Lang::En => format!(
                    "Here that is what happens: the chosen suite {name} (ServerHello, frame {}) uses RSA key transport. There is no ServerKeyExchange, and the ClientKeyExchange (frame {}) carries the premaster secret encrypted with the RSA public key of the server's certificate (RFC 5246 §7.4.7.1). \
                     It has no forward secrecy: whoever later obtains the server's private key can decrypt this recorded session. TLS 1.3 removed RSA key transport (RFC 8446 §1.2).",
                    sh.seg.frame, cke.seg.frame
                ),
                Lang::Zh => format!(
                    "这里确实如此：所选套件 {name}（ServerHello，帧 {}）使用 RSA 密钥传输。没有 ServerKeyExchange，ClientKeyExchange（帧 {}）携带用服务器证书中 RSA 公钥加密的预主密钥（RFC 5246 §7.4.7.1）。\
                     它没有前向安全性：日后拿到服务器私钥的人，可以解密这次被记录下来的会话。TLS 1.3 已经去掉了 RSA 密钥传输（RFC 8446 §1.2）。",
                    sh.seg.frame, cke.seg.frame
                ),
            },
            vec![sh.seg.frame, cke.seg.frame],
        );
        return;
    }
    if let (Some(ske), Some(cke)) = (ske, cke) {
        s.check(
            ctx.lang,
            &claims::KEY_TRANSPORT,
            match ctx.lang {
                Lang::En => format!(
                    "The chosen suite {} uses ephemeral (EC)DHE: the server's key share comes in ServerKeyExchange (frame {}), signed with the certificate's key, and ClientKeyExchange (frame {}) carries the client's ephemeral public key, not a random encrypted with the certificate.",
                    sh.hs.cipher_suite.map(suite).unwrap_or_default(), ske.seg.frame, cke.seg.frame
                ),
                Lang::Zh => format!(
                    "所选套件 {} 使用临时 (EC)DHE：服务器的密钥共享在 ServerKeyExchange（帧 {}）中，并用证书的密钥签名；ClientKeyExchange（帧 {}）携带客户端的临时公钥，而不是用证书公钥加密的随机数。",
                    sh.hs.cipher_suite.map(suite).unwrap_or_default(), ske.seg.frame, cke.seg.frame
                ),
            },
            vec![ske.seg.frame, cke.seg.frame],
        );
    }
}

/// A Certificate sent in the clear (TLS 1.2) is readable by anyone on the
/// path, so it can only hold public material (RFC 5246 §7.4.2): a chain,
/// the sender's certificate first, each signed by the next one's key.
fn certificate_check(ctx: &Ctx, s: &mut Step, c: &Conn) {
    let Some(cert) = c
        .tls
        .iter()
        .find(|t| t.hs.kind == HandshakeKind::Certificate)
    else {
        return;
    };
    s.frames.push(cert.seg.frame);
    let n = cert.hs.chain.len();
    let first = cert.hs.chain.first().cloned().flatten();
    let self_signed = n == 1 && first.as_ref().is_some_and(|(sub, iss)| sub == iss);
    let who = first.as_ref().map(|(sub, iss)| match (ctx.lang, self_signed) {
        (Lang::En, true) => format!("; it is {sub}, self-signed (issuer = subject): signed with its own private key, vouched for by no CA"),
        (Lang::Zh, true) => format!("；它是 {sub}，自签名（签发者 = 使用者）：用它自己的私钥签名，没有 CA 为它担保"),
        (Lang::En, false) => format!("; the first is {sub}, issued by {iss}"),
        (Lang::Zh, false) => format!("；第一张是 {sub}，由 {iss} 签发"),
    });
    s.check(
        ctx.lang,
        &claims::CERT_PRIVATE_KEY,
        match ctx.lang {
            // RFC 8446 §2: a TLS 1.3 Certificate travels encrypted; the
            // key log let it be read here.
            Lang::En if cert.hs.decrypted => format!(
                "The server's Certificate message ({} bytes, frame {}) travels encrypted, and was read here by decrypting it with the key log. It is a chain of {n} certificate{}{}. Each carries a public key and its issuer's signature, never a private key — the private key stays on the server, which proves it holds it by signing the handshake (CertificateVerify).",
                cert.hs.length, cert.seg.frame, if n == 1 { "" } else { "s" }, who.clone().unwrap_or_default()
            ),
            Lang::Zh if cert.hs.decrypted => format!(
                "服务器的 Certificate 消息（{} 字节，帧 {}）是加密传输的，这里用密钥日志解密后读出。它是由 {n} 张证书组成的证书链{}。每张证书都只含公钥和签发者的签名，从不含私钥——私钥留在服务器上，服务器通过对握手签名（CertificateVerify）证明自己持有它。",
                cert.hs.length, cert.seg.frame, who.clone().unwrap_or_default()
            ),
            Lang::En => format!(
                "The server's Certificate message ({} bytes) crosses the network in the clear in frame {}, where anyone on the path can read it. It is a chain of {n} certificate{}{}. Each carries a public key and its issuer's signature, never a private key — one sent this way would let every observer impersonate the server.",
                cert.hs.length, cert.seg.frame, if n == 1 { "" } else { "s" }, who.unwrap_or_default()
            ),
            Lang::Zh => format!(
                "服务器的 Certificate 消息（{} 字节）在帧 {} 中以明文经过网络，路径上的任何人都能读到。它是由 {n} 张证书组成的证书链{}。每张证书都只含公钥和签发者的签名，从不含私钥——如果私钥这样发送，任何旁观者都能冒充服务器。",
                cert.hs.length, cert.seg.frame, who.unwrap_or_default()
            ),
        },
        vec![cert.seg.frame],
    );
    // FIPS 186-5 §6: ECDSA signs and verifies, and has no encryption at
    // all; so a certificate signed with it refutes "a signature is the
    // hash encrypted with the private key" (and for RSA, RFC 8017 §8 keeps
    // signature schemes apart from encryption schemes too).
    if let Some(alg) = cert.hs.chain_signatures.first().filter(|a| {
        let a = a.to_ascii_lowercase();
        a.starts_with("ecdsa") || a.starts_with("ed25519") || a.starts_with("ed448")
    }) {
        let family = if alg.starts_with("ecdsa") {
            "ECDSA"
        } else {
            "EdDSA"
        };
        s.check(
            ctx.lang,
            &claims::SIGNATURE_IS_ENCRYPTION,
            match ctx.lang {
                Lang::En => format!(
                    "The server's certificate (frame {}) is signed with {alg}. {family} is a signature algorithm only — it has no way to encrypt anything: the signer computes the signature from the hash and its private key, and a verifier checks it with the public key, without decrypting anything (FIPS 186-5). \"Encrypting the hash with the private key\" is a loose picture of RSA signing at best; even for RSA, signing and encryption are separate schemes (RFC 8017 §8).",
                    cert.seg.frame
                ),
                Lang::Zh => format!(
                    "服务器的证书（帧 {}）用 {alg} 签名。{family} 只是签名算法，根本不能加密：签名者用摘要和自己的私钥算出签名，验证者用公钥检验它，其间没有任何解密（FIPS 186-5）。“用私钥加密摘要”充其量只是对 RSA 签名的粗略比喻；即使是 RSA，签名和加密也是两套不同的方案（RFC 8017 §8）。",
                    cert.seg.frame
                ),
            },
            vec![cert.seg.frame],
        );
    }
    let client_cert = c
        .tls
        .iter()
        .any(|t| t.seg.from_client && t.hs.kind == HandshakeKind::Certificate);
    let asked = c
        .tls
        .iter()
        .any(|t| t.hs.kind == HandshakeKind::CertificateRequest);
    if !client_cert && !asked && !cert.seg.from_client {
        // RSA key transport: the client's ClientKeyExchange is a secret
        // encrypted to the server's key, not a key share of its own.
        let rsa = rsa_key_transport(c);
        s.check(
            ctx.lang,
            &claims::BOTH_PUBLIC_KEYS,
            match (ctx.lang, rsa) {
                (Lang::En, false) => format!(
                    "Only the server sent a Certificate (frame {}); it asked for none (no CertificateRequest) and the client sent none. The client's key-exchange share is ephemeral and unsigned: only the server is authenticated.",
                    cert.seg.frame
                ),
                (Lang::Zh, false) => format!(
                    "只有服务器发送了 Certificate（帧 {}）；它没有索要客户端证书（没有 CertificateRequest），客户端也没有发送。客户端的密钥交换参数是临时的、未签名的：只有服务器经过了身份验证。",
                    cert.seg.frame
                ),
                (Lang::En, true) => format!(
                    "Only the server sent a Certificate (frame {}); it asked for none (no CertificateRequest) and the client sent none. The client has no public key in this handshake at all: its ClientKeyExchange is a secret encrypted with the server's public key. Only the server is authenticated.",
                    cert.seg.frame
                ),
                (Lang::Zh, true) => format!(
                    "只有服务器发送了 Certificate（帧 {}）；它没有索要客户端证书（没有 CertificateRequest），客户端也没有发送。这次握手中客户端根本没有公钥：它的 ClientKeyExchange 是用服务器公钥加密的秘密。只有服务器经过了身份验证。",
                    cert.seg.frame
                ),
            },
            vec![cert.seg.frame],
        );
    }
    // RFC 5280 §6 / RFC 6125: the client verifies; nothing on the wire
    // shows it, but going on after a self-signed certificate shows the
    // check was skipped or the certificate trusted explicitly.
    let went_on = c.app_data[0].iter().any(|x| x.ts > cert.seg.ts);
    s.line(match (ctx.lang, self_signed && went_on) {
        (Lang::En, true) => "The client verifies the certificate itself, against its trust store: the name against the subjectAltName, the validity dates, the chain up to a trusted root. This one is self-signed, and the client still sent application data: it skipped the check (curl -k, --ignore-certificate-errors) or trusts this certificate explicitly.".to_string(),
        (Lang::Zh, true) => "证书由客户端自己根据信任库验证：域名与 subjectAltName 比对、有效期、一直到受信任根证书的证书链。这张证书是自签名的，而客户端仍然发送了应用数据：它跳过了验证（curl -k、--ignore-certificate-errors），或者明确信任这张证书。".to_string(),
        (Lang::En, false) => "The client verifies the certificate itself, against its trust store: the name against the subjectAltName, the validity dates, the chain up to a trusted root; the check happens inside the client and no packet shows it.".to_string(),
        (Lang::Zh, false) => "证书由客户端自己根据信任库验证：域名与 subjectAltName 比对、有效期、一直到受信任根证书的证书链；验证在客户端内部进行，没有哪个包能显示它。".to_string(),
    });
}

/// Several names served from one address, told apart by SNI (RFC 6066 §3).
fn sni_check(ctx: &Ctx, s: &mut Step) {
    let mut by_server: BTreeMap<std::net::IpAddr, BTreeMap<String, u64>> = BTreeMap::new();
    for c in ctx.ev.conns.values() {
        if let (Some(sni), Some(ch)) = (c.sni(), c.client_hello()) {
            by_server
                .entry(c.server.0)
                .or_default()
                .entry(sni.to_ascii_lowercase())
                .or_insert(ch.seg.frame);
        }
    }
    let Some((ip, names)) = by_server
        .iter()
        .find(|(ip, names)| names.len() > 1 && ctx.load.servers.contains(ip))
    else {
        return;
    };
    let list: Vec<String> = names
        .iter()
        .map(|(n, f)| match ctx.lang {
            Lang::En => format!("{n} (frame {f})"),
            Lang::Zh => format!("{n}（帧 {f}）"),
        })
        .collect();
    s.cite(&[8]);
    s.fact(
        "names_on_one_address",
        json!({"server": ip.to_string(), "sni": names.keys().collect::<Vec<_>>()}),
    );
    s.check(
        ctx.lang,
        &claims::CERT_BOUND_IP,
        match ctx.lang {
            Lang::En => format!(
                "One server address, {ip}, was asked for {} by name: each ClientHello carries the server name (SNI) in the clear, and the server picks the certificate for that name. Certificates are bound to names, not to addresses.",
                list.join(" and ")
            ),
            Lang::Zh => format!(
                "同一个服务器地址 {ip} 被按名字请求了 {}：每个 ClientHello 都以明文携带服务器名（SNI），服务器据此选择该名字的证书。证书绑定的是域名，而不是 IP 地址。",
                list.join(" 和 ")
            ),
        },
        names.values().copied().collect(),
    );
}
