//! Sentences a teacher found false on the lab samples, fixed at their
//! cause: each test asserts the true sentence in both languages, the
//! absence of the false one, and the frames against tshark.
//!
//! chromium-preconnect.pcapng: Chromium loads a page over http :8000 that
//! holds <link rel="preconnect" href="https://static.google.com/">; it
//! opens TCP and TLS to static.google.com and never sends a request. Its
//! IPv6 attempts to :8000 are refused (nginx listens there on IPv4 only).
//! post-upload.pcapng: curl POSTs 64 KiB with Expect: 100-continue to a
//! Python HTTP/1.0 server that sends no 100 Continue; curl sends the body
//! after its one-second wait.

mod common;

use common::*;

fn lines_of(load: &serde_json::Value, id: &str) -> String {
    step(load, id)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string() + "\n")
        .collect()
}

/// tshark's frames matching a display filter.
fn frames(name: &str, filter: &str) -> Vec<u64> {
    tshark_fields(&sample(name), &["-Y", filter], &["frame.number"])
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect()
}

#[test]
fn a_preconnect_is_not_told_as_a_fetch() {
    let name = "chromium-preconnect.pcapng";
    let en = story(name, &[]);
    let zh = story(name, &["--lang", "zh"]);
    let load = &en["page_loads"][0];
    let render = step(load, "render");
    assert_eq!(render["facts"]["requests_after_document"], 0, "{render}");
    assert_eq!(
        render["facts"]["unused_connections_after_document"], 1,
        "{render}"
    );
    let timeline = render["facts"]["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1, "{render}");
    assert_eq!(timeline[0]["unused"], true);
    let syn = timeline[0]["frame"].as_u64().unwrap();
    if have_tshark() {
        // The SYN to 443 is the preconnect; no TLS record after the client's
        // Finished goes from the client (only the Finished: CCS + one record).
        assert_eq!(
            frames(
                name,
                "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==443"
            ),
            vec![syn]
        );
        let client_app = frames(name, "tls.app_data && tcp.dstport==443");
        assert_eq!(
            client_app.len(),
            1,
            "only the client's Finished: {client_app:?}"
        );
    }
    let text = lines_of(load, "render");
    assert!(text.contains("After the first response the client fetched nothing more: it opened 1 connection(s) to static.google.com that carried no request before closing."), "{text}");
    assert!(text.contains("preconnect"), "{text}");
    assert!(text.contains("which carried no request"), "{text}");
    assert!(!text.contains("fetched more"), "{text}");
    assert!(!text.contains("loading subresources"), "{text}");
    let text = lines_of(&zh["page_loads"][0], "render");
    assert!(
        text.contains(
            "第一个响应之后客户端没有再请求任何东西：它打开了 1 个到 static.google.com 的连接"
        ),
        "{text}"
    );
    assert!(text.contains("没有承载任何请求"), "{text}");
    assert!(!text.contains("继续请求"), "{text}");
    // The http step says so of the connection too.
    let http = lines_of(load, "http");
    assert!(http.contains("opened and never used"), "{http}");
}

#[test]
fn a_refused_attempt_is_not_an_abort() {
    for (name, syn, rst, next) in [
        ("chromium-preconnect.pcapng", 75, 76, 77),
        ("websocket.pcapng", 13, 14, 15),
    ] {
        if have_tshark() {
            // The SYN answered by RST,ACK: the connection was refused.
            let syns = frames(name, "tcp.flags.syn==1 && tcp.flags.ack==0");
            let rsts = frames(name, "tcp.flags.reset==1");
            assert_eq!(syns[0], syn, "{name}");
            assert_eq!(rsts[0], rst, "{name}");
            assert_eq!(syns[1], next, "{name}");
        }
        let en = story(name, &[]);
        let load = &en["page_loads"][0];
        let down = lines_of(load, "tcp_teardown");
        assert!(
            down.contains(&format!(
                "refused — the SYN (frame {syn}) was answered with RST (frame {rst})"
            )),
            "{name}: {down}"
        );
        assert!(
            down.contains(&format!("(SYN, frame {next})")),
            "{name}: {down}"
        );
        assert!(down.contains("Happy Eyeballs"), "{name}: {down}");
        assert!(
            !down.contains(&format!("aborted the connection with RST (frame {rst})")),
            "{name}: {down}"
        );
        let conns = step(load, "tcp_teardown")["facts"]["connections"]
            .as_array()
            .unwrap()
            .clone();
        let refused = conns.iter().find(|c| c["refused"] == true).unwrap();
        assert_eq!(refused["syn_frame"], syn);
        assert_eq!(refused["reset_frame"], rst);
        let url = lines_of(load, "url");
        assert!(
            url.contains(&format!(
                "Before it, the client tried once (frame {syn} to [2001:db8:2::100]:"
            )),
            "{name}: {url}"
        );
        assert!(
            url.contains(&format!("refused by RST in frame {rst}")),
            "{name}: {url}"
        );
        let zh = story(name, &["--lang", "zh"]);
        let load = &zh["page_loads"][0];
        let down = lines_of(load, "tcp_teardown");
        assert!(
            down.contains(&format!(
                "被拒绝——SYN（帧 {syn}）得到的回答是 RST（帧 {rst}）"
            )),
            "{name}: {down}"
        );
        assert!(
            !down.contains(&format!("用 RST（帧 {rst}）而不是 FIN 中止了连接")),
            "{name}: {down}"
        );
        let url = lines_of(load, "url");
        assert!(
            url.contains(&format!("帧 {syn} 发往 [2001:db8:2::100]:")),
            "{name}: {url}"
        );
    }
}

#[test]
fn an_upload_body_is_placed_where_it_travelled() {
    let name = "post-upload.pcapng";
    let en = story(name, &[]);
    let load = &en["page_loads"][0];
    let http = lines_of(load, "http");
    if have_tshark() {
        // tshark lists the request and the response where they complete.
        assert_eq!(frames(name, "http.request.method==\"POST\""), vec![78]);
        assert_eq!(frames(name, "http.response.code==201"), vec![82]);
        assert!(frames(name, "http.response.code==100").is_empty());
        // The body's first segment: the first client segment with data
        // after the head (frame 8).
        let data = frames(name, "tcp.dstport==8080 && tcp.len>0");
        assert_eq!(data[0], 8);
        assert_eq!(data[1], 10);
        assert_eq!(*data.last().unwrap(), 78);
    }
    assert!(http.contains("Frame 8: POST /upload HTTP/1.1"), "{http}");
    assert!(http.contains("Its head is in frame 8; its 65536-byte body (Content-Length) follows in frames 10–78, so the message is complete only with frame 78"), "{http}");
    assert!(http.contains("Expect: 100-continue"), "{http}");
    assert!(http.contains("None came, and the body's first segment left 1.002 s after the head: curl stops waiting after 1 s"), "{http}");
    assert!(
        http.contains(
            "Its head is in frame 80; its 19-byte body (Content-Length) follows in frame 82"
        ),
        "{http}"
    );
    assert!(
        http.contains("201 Created — created: the request made a new resource"),
        "{http}"
    );
    assert!(!http.contains("see RFC 9110 §15."), "{http}");
    assert!(
        !http.contains("the body is the requested resource"),
        "{http}"
    );
    let f = &step(load, "http")["facts"]["expect_continue"];
    assert_eq!(f["head_frame"], 8);
    assert_eq!(f["body_first_frame"], 10);
    assert!(f["interim_frame"].is_null());
    let zh = story(name, &["--lang", "zh"]);
    let http = lines_of(&zh["page_loads"][0], "http");
    assert!(
        http.contains("它的首部在帧 8；65536 字节的消息体（Content-Length）随后在帧 10–78 中传送"),
        "{http}"
    );
    assert!(
        http.contains("服务器没有发送它，消息体的第一个报文段在首部之后 1.002 秒才发出"),
        "{http}"
    );
    assert!(http.contains("已创建"), "{http}");
    assert!(!http.contains("见 RFC 9110 §15。"), "{http}");
}

#[test]
fn quic_without_h3_is_not_called_http3() {
    let name = "quic-refused.pcapng";
    if have_tshark() {
        let alpn = tshark_fields(
            &sample(name),
            &["-Y", "tls.handshake.type==1"],
            &["tls.handshake.extensions_alpn_str"],
        );
        assert_eq!(alpn[0][0], "hq-interop");
    }
    let url = lines_of(&story(name, &[])["page_loads"][0], "url");
    assert!(
        url.contains("offers ALPN hq-interop, not h3: not HTTP/3"),
        "{url}"
    );
    assert!(!url.contains("HTTP/3 over QUIC"), "{url}");
    let url = lines_of(&story(name, &["--lang", "zh"])["page_loads"][0], "url");
    assert!(
        url.contains("提供的是 hq-interop 而不是 h3：不是 HTTP/3"),
        "{url}"
    );
    assert!(!url.contains("基于 QUIC 的 HTTP/3"), "{url}");
}

#[test]
fn an_early_renewal_is_told_against_its_timers() {
    let name = "dhcp-renewal.pcapng";
    if have_tshark() {
        let acks = tshark_fields(
            &sample(name),
            &["-Y", "dhcp.option.dhcp==5"],
            &["frame.number", "dhcp.option.renewal_time_value"],
        );
        assert_eq!(acks[0], vec!["9".to_string(), "10".to_string()]);
    }
    let text = story_text(name, &[]);
    assert!(
        text.contains(
            "Frame 13: DHCPREQUEST with ciaddr 198.51.100.123, 8.881 s after the ACK of frame 9"
        ),
        "{text}"
    );
    assert!(
        text.contains("That is before T1 (10 s in that ACK): an early renewal."),
        "{text}"
    );
    // No page load in this capture: nothing comes "from the page load".
    assert!(!text.contains("page load comes from"), "{text}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(
        zh.contains("这比 T1（该 ACK 中为 10 秒）要早：是提前续租。"),
        "{zh}"
    );
    assert!(!zh.contains("这次页面加载使用的源地址"), "{zh}");
}

#[test]
fn a_proxy_is_not_called_the_server() {
    for name in ["proxy-forward.pcapng", "proxy-connect.pcapng"] {
        let en = story_text(name, &[]);
        assert!(
            en.contains("client 198.51.100.10 → proxy 198.51.100.1"),
            "{name}: {en}"
        );
        assert!(!en.contains("→ server 198.51.100.1"), "{name}: {en}");
        assert!(en.contains("SYN-ACK, the proxy's ISN is"), "{name}: {en}");
        assert!(!en.contains("the server's ISN"), "{name}: {en}");
        assert!(!en.contains("between client and server"), "{name}: {en}");
        assert!(!en.contains("the server closes first"), "{name}: {en}");
        let zh = story_text(name, &["--lang", "zh"]);
        assert!(
            zh.contains("客户端 198.51.100.10 → 代理 198.51.100.1"),
            "{name}: {zh}"
        );
        assert!(zh.contains("SYN-ACK，代理 ISN 为"), "{name}: {zh}");
        assert!(!zh.contains("服务器 ISN"), "{name}: {zh}");
    }
}

/// dns-types.pcapng: dig's answers from dnsmasq are authoritative (AA),
/// dig's queries offer EDNS with 1232 bytes, and the TXT query sent
/// without EDNS gets a truncated empty answer (frame 22) that is retried
/// over TCP: not NODATA.
#[test]
fn dns_flags_are_told_as_the_wire_sets_them() {
    let name = "dns-types.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &[
                "-Y",
                "frame.number==3 || frame.number==4 || frame.number==22",
            ],
            &[
                "frame.number",
                "dns.rr.udp_payload_size",
                "dns.flags.authoritative",
                "dns.flags.truncated",
                "dns.count.answers",
            ],
        );
        let yes = |v: &str| v == "1" || v == "True";
        assert_eq!(rows[0][1], "1232");
        assert!(yes(&rows[1][2]), "{rows:?}");
        assert!(yes(&rows[2][3]) && rows[2][4] == "0", "{rows:?}");
    }
    let en = story_text(name, &[]);
    assert!(en.contains("Frame 3: the client asks 203.0.113.53 for A google.com over UDP with RD set: a recursive query, it wants the final answer rather than a referral; with EDNS (an OPT record, RFC 6891) it accepts UDP answers up to 1232 bytes instead of 512."), "{en}");
    assert!(en.contains("Frame 4: 203.0.113.53 answers NOERROR with RA (it offers recursion), AA set (an authoritative answer"), "{en}");
    assert!(en.contains("0 answer record(s), with TC set: the answer did not fit in the UDP message and is incomplete"), "{en}");
    let frame22 = en
        .lines()
        .find(|l| l.contains("Frame 22: 203.0.113.53 answers"))
        .unwrap();
    assert!(!frame22.contains("NODATA: the name exists"), "{frame22}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(
        zh.contains("它带有 EDNS（OPT 记录，RFC 6891），可接受最长 1232 字节"),
        "{zh}"
    );
    assert!(zh.contains("设置了 AA（权威应答"), "{zh}");
    let frame22 = zh
        .lines()
        .find(|l| l.contains("帧 22：203.0.113.53 回答"))
        .unwrap();
    assert!(frame22.contains("设置了 TC"), "{frame22}");
    assert!(!frame22.contains("NODATA：该名字存在"), "{frame22}");
}

/// curl-tls12.pcapng: the self-signed lab certificate, read in the clear
/// (frame 10), is signed with ecdsa-with-SHA256 (tshark agrees). The check
/// quotes the notes only when the loaded notes make the claim.
#[test]
fn an_ecdsa_signature_refutes_signing_as_encryption() {
    let name = "curl-tls12.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "tls.handshake.type==11"],
            &["frame.number", "x509af.algorithm.id"],
        );
        assert_eq!(rows[0][0], "10");
        assert!(rows[0][1].contains("1.2.840.10045.4.3.2"), "{rows:?}");
    }
    let built_in = story_text(name, &[]);
    assert!(built_in.contains("The server's certificate (frame 10) is signed with ecdsa-with-SHA256. ECDSA is a signature algorithm only"), "{built_in}");
    assert!(built_in.contains("a common claim is: A digital signature is the hash of the certificate encrypted with the CA's private key."), "{built_in}");
    assert!(
        !built_in.contains("the notes (§09) say: “A digital signature"),
        "{built_in}"
    );
    // The course notes make the claim: they are quoted, word for word.
    let notes = "/work/shared/notes/computer-networks.zh.md";
    if std::path::Path::new(notes).exists() {
        let zh = story_text(name, &["--lang", "zh", "--notes", notes]);
        assert!(zh.contains("笔记（§09）写道：“数字签名就是"), "{zh}");
        assert!(zh.contains("再⽤CA的私钥加密"), "{zh}");
    }
    // Notes of our own saying the opposite are not quoted as the claim.
    let dir = fresh_dir("story_teacher_notes");
    let opposite = dir.join("opposite.md");
    std::fs::write(
        &opposite,
        "## 09 - Signatures\nA signature is not the hash encrypted with the private key: it is computed with the private key and verified with the public key.\n",
    )
    .unwrap();
    let en = story_text(name, &["--notes", opposite.to_str().unwrap()]);
    assert!(
        en.contains("a common claim is: A digital signature is the hash"),
        "{en}"
    );
    assert!(
        !en.contains("the notes (§09) say: “A signature is not"),
        "{en}"
    );
    let making = dir.join("making.md");
    std::fs::write(
        &making,
        "## 09 - Signatures\nThe CA's signature is the certificate's hash, encrypted with the CA's private key.\n",
    )
    .unwrap();
    let en = story_text(name, &["--notes", making.to_str().unwrap()]);
    assert!(
        en.contains(
            "“The CA's signature is the certificate's hash, encrypted with the CA's private key.”"
        ),
        "{en}"
    );
}

/// refused.pcapng: dig asks 203.0.113.100, which runs no DNS server: the
/// query (frame 8) is answered by ICMP port unreachable (frame 9). The
/// story says no resolver answered, and nothing of what "the resolver" did.
#[test]
fn a_query_nobody_answered_has_no_resolver() {
    let name = "refused.pcapng";
    if have_tshark() {
        assert_eq!(frames(name, "dns"), vec![8, 9]);
        assert!(frames(name, "dns.flags.response==1 && !icmp").is_empty());
        assert_eq!(frames(name, "icmp.type==3 && icmp.code==3"), vec![9]);
    }
    let en = story_text(name, &[]);
    assert!(en.contains("No DNS answer was captured: nothing here shows that 203.0.113.100 runs a resolver at all."), "{en}");
    assert!(!en.contains("What the resolver did next"), "{en}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(
        zh.contains("抓包中没有任何 DNS 回答：这里没有什么能表明 203.0.113.100 上运行着解析器。"),
        "{zh}"
    );
    assert!(!zh.contains("解析器之后做了什么"), "{zh}");
}

/// zero-window.pcapng: both segments the server sent again (frames 23 and
/// 31) had arrived the first time; the client's next ACKs (24, 32) carry a
/// SACK block below their cumulative ACK (D-SACK, RFC 2883). The story
/// does not say that segments were lost.
#[test]
fn a_dsack_shows_nothing_was_lost() {
    let name = "zero-window.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "frame.number==24 || frame.number==32"],
            &["tcp.ack", "tcp.options.sack_le", "tcp.options.sack_re"],
        );
        for r in &rows {
            let ack: u64 = r[0].parse().unwrap();
            let right: u64 = r[2].parse().unwrap();
            assert!(right <= ack, "a D-SACK lies below the ACK: {rows:?}");
        }
    }
    let s = story(name, &[]);
    let loss = s["other_stories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["steps"].as_array().unwrap())
        .find(|st| st["id"] == "tcp_loss")
        .expect("a loss step")
        .clone();
    assert_eq!(loss["facts"]["nothing_lost"], true, "{loss}");
    let en = story_text(name, &[]);
    assert!(en.contains("The receiver's ACK in frame 24 reports these bytes in a SACK block below its cumulative ACK — a D-SACK (RFC 2883)"), "{en}");
    assert!(
        en.contains("The receiver's ACK in frame 32 reports"),
        "{en}"
    );
    assert!(
        en.contains("Borne out, though nothing was lost here"),
        "{en}"
    );
    assert!(!en.contains("segments were lost on the way"), "{en}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(
        zh.contains("接收方在帧 24 的 ACK 中用一个低于累计确认号的 SACK 块报告了这些字节"),
        "{zh}"
    );
    assert!(!zh.contains("报文段在途中丢失"), "{zh}");
    // Where a segment really was lost, the story still says so.
    let lossy = story_text("lossy.pcapng", &[]);
    assert!(lossy.contains("segments were lost on the way"), "{lossy}");
}

/// chromium-preconnect.pcapng: besides the connection that carried the
/// request (stream 1, port 34272, GET in frame 85), Chromium opened a
/// second IPv4 connection to the same :8000 (stream 3, port 34284, SYN in
/// frame 82) and closed it unused (FIN, frame 115). It is a spare of the
/// page load, not a story of its own; the two IPv6 attempts (frames 75
/// and 80, answered by RST) did not "open the same way".
#[test]
fn a_spare_connection_belongs_to_the_page_load() {
    let name = "chromium-preconnect.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &[
                "-Y",
                "tcp.srcport==34284 && (tcp.flags.syn==1 || tcp.flags.fin==1 || tcp.len>0)",
            ],
            &["frame.number", "tcp.stream", "tcp.len"],
        );
        let spare: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(spare, ["82", "115"], "{rows:?}");
        assert!(rows.iter().all(|r| r[1] == "3" && r[2] == "0"), "{rows:?}");
        assert_eq!(frames(name, "http.request && tcp.stream==1"), vec![85]);
        assert_eq!(
            frames(name, "tcp.flags.reset==1 && tcp.srcport==8000"),
            vec![76, 81]
        );
    }
    let en = story(name, &[]);
    let zh = story(name, &["--lang", "zh"]);
    for doc in [&en, &zh] {
        assert!(
            doc["other_stories"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["kind"] != "tcp_transfer"),
            "{doc}"
        );
    }
    let en_text = story_text(name, &[]);
    let zh_text = story_text(name, &["--lang", "zh"]);
    assert!(!en_text.contains("TCP connection 1:"), "{en_text}");
    assert!(!zh_text.contains("TCP 连接 1"), "{zh_text}");
    let load = &en["page_loads"][0];
    let http = lines_of(load, "http");
    assert!(http.contains("198.51.100.10:34284 (stream 3, SYN and SYN-ACK in frames 82, 83): another connection to the same server and port, opened before the request went out on stream 1 (frame 85); it carried no byte either way and was closed unused (FIN from the client, frame 115)."), "{http}");
    assert!(http.contains("the wire shows it unused, not why"), "{http}");
    let zh_http = lines_of(&zh["page_loads"][0], "http");
    assert!(zh_http.contains("198.51.100.10:34284（流 3，SYN 和 SYN-ACK 在帧 82、83）：到同一服务器同一端口的另一个连接，在流 1 发出请求（帧 85）之前打开；双方都没有发送任何数据，最后未被使用就关闭了（客户端一方发出 FIN，帧 115）。"), "{zh_http}");
    let hs = lines_of(load, "tcp_handshake");
    assert!(
        hs.contains("2 more connection(s) in this page load open the same way."),
        "{hs}"
    );
    assert!(
        hs.contains("2 attempts never opened: their SYNs (frames 75, 80) were answered by RST"),
        "{hs}"
    );
    assert!(!hs.contains("4 more connection(s)"), "{hs}");
    let zh_hs = lines_of(&zh["page_loads"][0], "tcp_handshake");
    assert!(
        zh_hs.contains("另有 2 次尝试没有建立连接：SYN（帧 75、80）"),
        "{zh_hs}"
    );
}

/// chromium-preconnect.pcapng: the ARP exchange (frames 4, 5) comes before
/// the client's first DNS query of the capture (frame 6, clients2.google.com),
/// not merely before this page load's own lookup (frame 68): the check names
/// both, and Chinese frame lists are separated by 、.
#[test]
fn the_arp_check_names_the_first_query_of_the_capture() {
    let name = "chromium-preconnect.pcapng";
    if have_tshark() {
        assert_eq!(frames(name, "arp")[..2], [4, 5]);
        let first_query = frames(name, "dns.flags.response==0")[0];
        assert_eq!(first_query, 6);
        assert!(frames(
            name,
            "dns.flags.response==0 && dns.qry.name==\"www.google.com\""
        )
        .contains(&68));
    }
    let en = story_text(name, &[]);
    assert!(en.contains("The ARP exchange (frame 4) comes before the client's first DNS query of the capture (frame 6, for clients2.google.com; this page load's own lookup is frame 68)"), "{en}");
    assert!(
        !en.contains("comes before the first DNS query (frame 68)"),
        "{en}"
    );
    assert!(en.contains("(frames 4, 6, 68)"), "{en}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(zh.contains("ARP 交换（帧 4）出现在客户端在这份抓包里的第一个 DNS 查询（帧 6，查询 clients2.google.com；这次页面加载自己的查询是帧 68）之前"), "{zh}");
    assert!(zh.contains("（帧 4、6、68）"), "{zh}");
    assert!(zh.contains("帧 4、5、73、74"), "{zh}");
    assert!(!zh.contains("（帧 4, 6, 68）"), "{zh}");
    assert!(!zh.contains("帧 4, 5"), "{zh}");
}

/// ip-literal.pcapng: curl fetches http://203.0.113.100/, answered 301 to
/// https://www.google.com/ (frame 8). HSTS is never kept for an address
/// (RFC 6797 §8.1.1): the story must not promise that a browser would skip
/// the redirect, and a URL with no name has no DNS step to tell
/// (not_applicable, not inferred). curl-redirect.pcapng: google.com is
/// redirected to another host, www.google.com, whose HSTS would not cover
/// google.com.
#[test]
fn hsts_is_told_for_the_host_it_can_cover() {
    let name = "ip-literal.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "http.response.code==301"],
            &["frame.number", "http.location"],
        );
        assert_eq!(rows, [["8", "https://www.google.com/"]]);
        assert!(frames(name, "dns").is_empty());
    }
    let en = story(name, &[]);
    let load = &en["page_loads"][0];
    assert_eq!(step(load, "dns")["status"], "not_applicable");
    let url = lines_of(load, "url");
    assert!(url.contains("the page lives on https, at www.google.com. The URL names an address, and HSTS never covers one (a browser must not note an IP-literal host as an HSTS host, RFC 6797 §8.1.1), so every visit to this URL takes this redirect"), "{url}");
    assert!(
        !url.contains("goes straight to https without this extra round trip"),
        "{url}"
    );
    let zh = story(name, &["--lang", "zh"]);
    let zurl = lines_of(&zh["page_loads"][0], "url");
    assert!(
        zurl.contains(
            "而 HSTS 从不覆盖地址（浏览器不得把 IP 字面量主机记为 HSTS 主机，RFC 6797 §8.1.1）"
        ),
        "{zurl}"
    );
    assert!(!zurl.contains("之后就直接使用 https"), "{zurl}");

    let name = "curl-redirect.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "http.response.code==301"],
            &["frame.number", "http.location"],
        );
        assert_eq!(rows, [["12", "https://www.google.com/"]]);
    }
    let en = story(name, &[]);
    let url = lines_of(&en["page_loads"][0], "url");
    assert!(url.contains("a browser that has received it for google.com, or finds google.com on its preload list, then goes straight to https"), "{url}");
    assert!(url.contains("a header from www.google.com alone covers www.google.com and, with includeSubDomains, the names under it, not google.com"), "{url}");
    let zh = story(name, &["--lang", "zh"]);
    let zurl = lines_of(&zh["page_loads"][0], "url");
    assert!(
        zurl.contains("浏览器为 google.com 收到过它，或在预加载列表中找到 google.com"),
        "{zurl}"
    );
    assert!(zurl.contains("不覆盖 google.com"), "{zurl}");
}

/// dig-only.pcapng: dnsmasq answers www.google.com with AA set (frame 4):
/// it holds that zone itself, so the story does not say the answer may
/// have come from a cache or from asking the root.
#[test]
fn an_authoritative_answer_came_from_no_cache() {
    let name = "dig-only.pcapng";
    if have_tshark() {
        assert_eq!(
            frames(name, "dns.flags.response==1 && dns.flags.authoritative==1"),
            vec![4]
        );
    }
    let en = story_text(name, &[]);
    assert!(en.contains("The answer with AA set (frame 4) came from 203.0.113.53, which holds the zone itself: not from a cache, and not by asking the root"), "{en}");
    assert!(
        !en.contains("answer from its cache, or ask the root"),
        "{en}"
    );
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(
        zh.contains("带 AA 标志的回答（帧 4）来自 203.0.113.53，它自己持有这个区的数据"),
        "{zh}"
    );
    assert!(!zh.contains("从缓存作答，还是依次询问根"), "{zh}");
}

/// keylog-tls13-http1.pcapng: 19.286 ms pass from the ClientHello (frame 8)
/// to the client's Finished (frame 12), but 18.004 ms of them between the
/// ClientHello and the ServerHello (frame 10), on a path whose round trip
/// the TCP handshake measured at 0.027 ms: the §08 check says the time was
/// spent at the server, not that a round trip took 19 ms.
#[test]
fn handshake_time_is_split_into_round_trip_and_server_work() {
    let name = "keylog-tls13-http1.pcapng";
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "tls.handshake.type==1 || tls.handshake.type==2"],
            &["frame.number", "frame.time_relative"],
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("8", "10"));
        let gap = rows[1][1].parse::<f64>().unwrap() - rows[0][1].parse::<f64>().unwrap();
        assert!((gap * 1000.0 - 18.004).abs() < 0.001, "{gap}");
    }
    let en = story_text(name, &[]);
    assert!(en.contains("Of that time, 18.004 ms passed between the ClientHello (frame 8) and the ServerHello (frame 10), while the TCP handshake measured the network's round trip at 0.027 ms: the delay was spent at the server"), "{en}");
    let zh = story_text(name, &["--lang", "zh"]);
    assert!(zh.contains("其中从 ClientHello（帧 8）到 ServerHello（帧 10）就用了 18.004 毫秒，而 TCP 握手测得的网络往返只有 0.027 毫秒"), "{zh}");
    // curl-tls12 is TLS 1.2 (no such check), and a fast server gets no such
    // sentence: curl-redirect's ServerHello came 0.65 ms after its hello.
    let fast = story_text("curl-redirect.pcapng", &[]);
    assert!(!fast.contains("Of that time"), "{fast}");
}
