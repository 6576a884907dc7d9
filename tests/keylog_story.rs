//! The story of a capture decrypted with its key log: the HTTP step tells
//! the real request and response frames (the ones tshark decrypts to GET
//! and 200, see keylog_tshark.rs) instead of estimating them from record
//! sizes, in both languages, and the certificate check says the TLS 1.3
//! certificate travelled encrypted.

mod common;

use common::*;

fn keyed_story(name: &str, lang: &str) -> serde_json::Value {
    let keys = sample(&name.replace(".pcapng", ".keys"));
    story(name, &["--keylog", keys.to_str().unwrap(), "--lang", lang])
}

#[test]
fn the_http_step_names_the_decrypted_frames() {
    for (name, get, ok) in [
        ("keylog-tls13-http1.pcapng", 15, 16),
        ("keylog-tls12-gcm.pcapng", 14, 15),
        ("keylog-tls12-cbc.pcapng", 16, 17),
    ] {
        for lang in ["en", "zh"] {
            let s = keyed_story(name, lang);
            let load = &s["page_loads"][0];
            let http = step(load, "http");
            assert_eq!(http["status"], "observed", "{name}");
            assert_eq!(
                http["frames"],
                serde_json::json!([get, ok]),
                "{name} {lang}"
            );
            let text = http.to_string();
            assert!(!text.contains("estimated"), "{name}: {text}");
            assert!(!text.contains("估计"), "{name}: {text}");
        }
        // Without the key log the same exchange is only inferred.
        let plain = story(name, &[]);
        assert_eq!(
            step(&plain["page_loads"][0], "http")["status"],
            "inferred",
            "{name}"
        );
    }
}

#[test]
fn the_tls13_certificate_is_said_to_travel_encrypted() {
    let en = keyed_story("keylog-tls13-http1.pcapng", "en").to_string();
    assert!(en.contains("travels encrypted, and was read here by decrypting it with the key log"));
    assert!(!en.contains("crosses the network in the clear"));
    let zh = keyed_story("keylog-tls13-http1.pcapng", "zh").to_string();
    assert!(zh.contains("这里用密钥日志解密后读出"));
}
