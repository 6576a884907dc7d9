//! The story of keylog-tls13-h2.pcapng (curl, TLS 1.3 and HTTP/2 to nginx,
//! recorded by samples/lab/keylog.sh) decrypted with its key log: the HTTP
//! step tells the real HTTP/2 request and response — method, authority,
//! path, stream, status, content type, DATA bytes and the time between
//! the request's and the response's HEADERS frames — as tshark decrypts
//! them (keylog_h2_tshark.rs), with status `observed`, in both languages,
//! and none of the record-size estimates told without the keys.

mod common;

use common::*;
use serde_json::json;

const NAME: &str = "keylog-tls13-h2.pcapng";

fn keyed(lang: &str) -> serde_json::Value {
    let keys = sample("keylog-tls13-h2.keys");
    story(NAME, &["--keylog", keys.to_str().unwrap(), "--lang", lang])
}

/// The frames' times, from the JSON `packets` gives.
fn ts(frame: u64) -> f64 {
    let packets = packets_json(&sample(NAME));
    common::frame(&packets, frame)["ts"].as_f64().unwrap()
}

#[test]
fn the_http_step_tells_the_decrypted_http2_exchange() {
    let ttfb = (ts(19) - ts(18)) * 1000.0;
    for lang in ["en", "zh"] {
        let s = keyed(lang);
        let http = step(&s["page_loads"][0], "http");
        assert_eq!(http["status"], "observed", "{lang}");
        assert_eq!(http["frames"], json!([18, 19]), "{lang}");
        let f = &http["facts"]["http2"][0];
        assert_eq!(f["method"], "GET");
        assert_eq!(f["authority"], "www.google.com");
        assert_eq!(f["path"], "/");
        assert_eq!(f["h2_stream"], 1);
        assert_eq!(f["request_frame"], 18);
        assert_eq!(f["response_frame"], 19);
        assert_eq!(f["status"], 200);
        assert_eq!(f["content_type"], "text/html");
        assert_eq!(f["content_length"], "292");
        assert_eq!(f["response_body_bytes"], 292);
        assert_eq!(f["request_body_bytes"], 0);
        assert!((f["ttfb_ms"].as_f64().unwrap() - ttfb).abs() < 0.001);
        assert_eq!(http["facts"]["http2"].as_array().unwrap().len(), 1);
        let lines = step_lines(&s, "http");
        let (request, response, estimate) = match lang {
            "en" => (
                "Frame 18: GET / for www.google.com on HTTP/2 stream 1",
                format!(
                    "Frame 19: status 200 on stream 1, {ttfb:.3} ms after the request's HEADERS"
                ),
                ["estimated", "Rule —"],
            ),
            _ => (
                "帧 18：在 HTTP/2 流 1 上向 www.google.com 发出 GET /",
                format!("帧 19：流 1 上的状态码 200，距请求的 HEADERS {ttfb:.3} 毫秒"),
                ["估计", "规则——"],
            ),
        };
        assert!(lines.contains(request), "{lines}");
        assert!(lines.contains(&response), "{lines}");
        assert!(lines.contains("text/html"), "{lines}");
        assert!(lines.contains("292"), "{lines}");
        for old in estimate {
            assert!(!lines.contains(old), "{lang}: {lines}");
        }
        // curl fetched one URL: the render step says nothing followed.
        let render = step(&s["page_loads"][0], "render");
        assert_eq!(render["status"], "not_visible", "{lang}");
        assert!(render["facts"].get("http2_multiplexed").is_none());
    }
}

#[test]
fn without_the_key_log_the_exchange_is_estimated() {
    let plain = story(NAME, &[]);
    let http = step(&plain["page_loads"][0], "http");
    assert_eq!(http["status"], "inferred");
    assert!(http["facts"].get("http2").is_none());
    assert!(step_lines(&plain, "http").contains("estimated"));
}
