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

const CHROMIUM: &str = "keylog-chromium-h2.pcapng";

fn chromium(lang: &str) -> serde_json::Value {
    let keys = sample("keylog-chromium-h2.keys");
    story(
        CHROMIUM,
        &["--keylog", keys.to_str().unwrap(), "--lang", lang],
    )
}

#[test]
fn chromium_subresources_are_told_by_path_and_stream() {
    // What tshark decrypts (keylog_h2_tshark.rs): per request, its
    // authority, path, HTTP/2 stream and frame.
    let want = [
        ("www.google.com", "/", 1, 107),
        ("www.google.com", "/style.css", 3, 119),
        ("www.google.com", "/logo.svg", 5, 128),
        ("www.google.com", "/app.js", 7, 129),
        ("www.google.com", "/favicon.ico", 9, 146),
        ("static.google.com", "/img/banner.svg", 1, 142),
    ];
    for lang in ["en", "zh"] {
        let s = chromium(lang);
        let load = &s["page_loads"][0];
        let http = step(load, "http");
        assert_eq!(http["status"], "observed", "{lang}");
        let told = http["facts"]["http2"].as_array().unwrap();
        assert_eq!(told.len(), want.len(), "{lang}");
        for (authority, path, stream, frame) in want {
            let f = told
                .iter()
                .find(|f| f["path"] == path)
                .unwrap_or_else(|| panic!("{path} is told"));
            assert_eq!(f["authority"], authority);
            assert_eq!(f["h2_stream"], stream, "{path}");
            assert_eq!(f["request_frame"], frame, "{path}");
            assert_eq!(f["method"], "GET");
            assert_eq!(f["status"], 200, "{path}");
            assert_eq!(
                f["response_body_bytes"].to_string(),
                f["content_length"].as_str().unwrap(),
                "{path}: DATA bytes are the content-length"
            );
        }
        let reuse = match lang {
            "en" => "5 requests travelled on one HTTP/2 connection to www.google.com, as its streams 1, 3, 5, 7, 9",
            _ => "5 个请求走在到 www.google.com 的同一个 HTTP/2 连接上，分别是它的流 1、3、5、7、9",
        };
        assert!(http.to_string().contains(reuse), "{lang}: {http}");
        assert!(!http.to_string().contains("encrypted requests"), "{lang}");
        let render = step(load, "render");
        assert_eq!(render["status"], "observed", "{lang}");
        let timeline = render["facts"]["timeline"].as_array().unwrap();
        for (_, path, stream, frame) in &want[1..] {
            let t = timeline
                .iter()
                .find(|t| t["frame"] == *frame)
                .unwrap_or_else(|| panic!("{path} is in the timeline"));
            assert_eq!(t["h2_stream"], *stream, "{path}");
            assert!(t["what"].as_str().unwrap().contains(path), "{path}");
        }
        // Stream 7's request (frame 129) was sent before stream 5's
        // response (frame 135) arrived.
        assert_eq!(
            render["facts"]["http2_multiplexed"],
            json!({"stream": 0, "h2_streams": [5, 7], "frame": 129})
        );
        let lines = step_lines(&s, "render");
        let (mux, old) = match lang {
            "en" => (
                "HTTP/2 multiplexing on the connection to www.google.com (TCP stream 0): a frame of HTTP/2 stream 7 (frame 129) travels between the first and last frames of stream 5 (frames 128–135)",
                ["encrypted request", "estimated"],
            ),
            _ => (
                "到 www.google.com 的连接（TCP 流 0）上的 HTTP/2 多路复用：HTTP/2 流 7 的一个帧（帧 129）夹在流 5 的首尾帧（帧 128–135）之间",
                ["加密请求", "估计"],
            ),
        };
        assert!(lines.contains(mux), "{lines}");
        for o in old {
            assert!(!lines.contains(o), "{lang}: {lines}");
        }
    }
    // Without the key log the subresources are only estimated.
    let plain = story(CHROMIUM, &[]);
    let render = step(&plain["page_loads"][0], "render");
    assert!(render["facts"].get("http2_multiplexed").is_none());
    assert!(step_lines(&plain, "render").contains("estimated"));
}
