//! A client behind an HTTP proxy (tinyproxy in the lab, curl -x): the
//! story names the proxy as the client's TCP peer, the target's URL, the
//! proxy as the resolver, and the TLS handshake inside a CONNECT tunnel —
//! compared with tshark's reading of the same frames, in both languages.

mod common;

use common::*;
use serde_json::Value;

/// Every line and reason of every step of the first page load.
fn all_text(s: &Value) -> String {
    let mut out = String::new();
    for st in s["page_loads"][0]["steps"].as_array().unwrap() {
        for l in st["lines"].as_array().unwrap() {
            out.push_str(l.as_str().unwrap());
            out.push('\n');
        }
        if let Some(r) = st["reason"].as_str() {
            out.push_str(r);
            out.push('\n');
        }
    }
    out
}

/// (frame, method, uri) of the requests, (frame, code) of the responses,
/// and (frame, SNI) of ClientHellos, from one tshark run.
type Wire = (
    Vec<(u64, String, String)>,
    Vec<(u64, String)>,
    Vec<(u64, String)>,
);

fn wire(name: &str) -> Wire {
    let rows = tshark_fields(
        &sample(name),
        &[
            "-Y",
            "http.request || http.response || tls.handshake.type == 1",
        ],
        &[
            "frame.number",
            "http.request.method",
            "http.request.uri",
            "http.response.code",
            "tls.handshake.extensions_server_name",
        ],
    );
    let (mut req, mut resp, mut hello) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let f: u64 = r[0].parse().unwrap();
        if !r[1].is_empty() {
            req.push((f, r[1].clone(), r[2].clone()));
        }
        if !r[3].is_empty() {
            resp.push((f, r[3].clone()));
        }
        if !r[4].is_empty() {
            hello.push((f, r[4].clone()));
        }
    }
    (req, resp, hello)
}

#[test]
fn connect_tunnel_is_https_to_the_target_through_the_proxy() {
    let name = "proxy-connect.pcapng";
    let s = story(name, &[]);
    let l = &s["page_loads"][0];
    let url = &step(l, "url")["facts"];
    assert_eq!(url["url"], "https://google.com/");
    assert_eq!(url["scheme"], "https");
    assert_eq!(url["port"], 443);
    assert_eq!(url["proxy"]["address"], "198.51.100.1");
    assert_eq!(url["proxy"]["port"], 8888);
    assert!(url.get("path").is_none(), "the path is encrypted: {url}");
    assert_eq!(step(l, "cache")["status"], "not_applicable");
    assert_eq!(step(l, "cache")["facts"]["resolved_by_proxy"], true);
    assert_eq!(step(l, "dns")["status"], "not_visible");
    let tls = step(l, "tls_handshake");
    assert_eq!(tls["status"], "observed");
    assert_eq!(tls["facts"]["sni"], "google.com");
    if have_tshark() {
        let (req, resp, hello) = wire(name);
        assert_eq!(
            req,
            vec![(10, "CONNECT".to_string(), "google.com:443".to_string())]
        );
        assert_eq!(url["proxy"]["request_frame"], req[0].0);
        assert_eq!(resp, vec![(12, "200".to_string())]);
        assert_eq!(hello, vec![(14, "google.com".to_string())]);
        assert_eq!(tls["facts"]["client_hello_frames"][0], hello[0].0);
    }
    let en = all_text(&s);
    assert!(
        en.contains("The client talks TCP to the proxy 198.51.100.1 port 8888"),
        "{en}"
    );
    assert!(
        en.contains("the TLS handshake then runs inside the tunnel"),
        "{en}"
    );
    assert!(
        en.contains("the proxy 198.51.100.1 itself: the proxy is on the local link"),
        "{en}"
    );
    assert!(
        en.contains("198.51.100.10:49292 → the proxy 198.51.100.1:8888"),
        "{en}"
    );
    for false_one in [
        "google.com:8888",
        "8888google.com",
        "a cache answered",
        "plain http",
        "the server 198.51.100.1 itself",
    ] {
        assert!(!en.contains(false_one), "{false_one:?} in {en}");
    }
    let zh = all_text(&story(name, &["--lang", "zh"]));
    assert!(
        zh.contains("客户端与代理 198.51.100.1 的 8888 端口建立 TCP 连接"),
        "{zh}"
    );
    assert!(zh.contains("由代理而不是客户端解析 google.com"), "{zh}");
    assert!(zh.contains("URL 是 https://google.com/。"), "{zh}");
    for false_one in ["google.com:8888", "缓存给出了答案", "明文 http 加载"] {
        assert!(!zh.contains(false_one), "{false_one:?} in {zh}");
    }
}

#[test]
fn absolute_form_request_names_the_target_not_the_proxy() {
    let name = "proxy-forward.pcapng";
    let s = story(name, &[]);
    let l = &s["page_loads"][0];
    let url = &step(l, "url")["facts"];
    assert_eq!(url["url"], "http://google.com/");
    assert_eq!(url["port"], 80);
    assert_eq!(url["path"], "/");
    assert_eq!(url["proxy"]["address"], "198.51.100.1");
    assert_eq!(step(l, "tls_handshake")["status"], "not_applicable");
    assert_eq!(step(l, "dns")["status"], "not_visible");
    if have_tshark() {
        let (req, _, hello) = wire(name);
        assert_eq!(
            req,
            vec![(6, "HEAD".to_string(), "http://google.com/".to_string())]
        );
        assert_eq!(url["proxy"]["request_frame"], req[0].0);
        assert!(hello.is_empty());
    }
    let en = all_text(&s);
    assert!(
        en.contains("names the whole URL, HEAD http://google.com/ (absolute form"),
        "{en}"
    );
    assert!(
        en.contains("The proxy, not the client, resolves google.com"),
        "{en}"
    );
    for false_one in [
        "google.com:8888",
        "google.comhttp",
        "8888http",
        "a cache answered",
    ] {
        assert!(!en.contains(false_one), "{false_one:?} in {en}");
    }
    let zh = all_text(&story(name, &["--lang", "zh"]));
    assert!(zh.contains("绝对形式，只有发给正向代理时才这样写"), "{zh}");
    assert!(zh.contains("URL 是 http://google.com/。"), "{zh}");
    assert!(!zh.contains("缓存给出了答案"), "{zh}");
}
