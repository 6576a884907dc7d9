//! tls-rsa.pcapng: curl limited to TLS 1.2 and AES128-SHA256 against an
//! nginx with an RSA certificate, so TLS_RSA_WITH_AES_128_CBC_SHA256 is
//! really used. The notes check says the key-transport description fits
//! this handshake, that it has no forward secrecy and that TLS 1.3 removed
//! it; frames and the suite compared with tshark.

mod common;

use common::*;
use serde_json::Value;

fn checks(s: &Value) -> Vec<Value> {
    step(&s["page_loads"][0], "tls_handshake")["notes_check"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn rsa_key_transport_is_told_as_used_without_forward_secrecy() {
    let name = "tls-rsa.pcapng";
    let s = story(name, &[]);
    let tls = step(&s["page_loads"][0], "tls_handshake");
    assert_eq!(
        tls["facts"]["cipher_suite"],
        "TLS_RSA_WITH_AES_128_CBC_SHA256"
    );
    let c = checks(&s);
    let kt = c
        .iter()
        .find(|k| k["id"] == "rsa_key_transport")
        .expect("the key-transport check");
    let observed = kt["observed"].as_str().unwrap();
    assert!(observed.contains("uses RSA key transport"), "{observed}");
    assert!(observed.contains("no forward secrecy"), "{observed}");
    assert!(
        observed.contains("TLS 1.3 removed RSA key transport"),
        "{observed}"
    );
    assert_eq!(kt["frames"], serde_json::json!([10, 12]));
    let both = c
        .iter()
        .find(|k| k["id"] == "both_send_public_keys")
        .map(|k| k["observed"].as_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(!both.contains("ephemeral"), "{both}");
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &[
                "-Y",
                "tls.handshake.type == 2 || tls.handshake.type == 12 || tls.handshake.type == 16",
            ],
            &[
                "frame.number",
                "tls.handshake.type",
                "tls.handshake.ciphersuite",
            ],
        );
        assert_eq!(
            rows.len(),
            2,
            "ServerHello and ClientKeyExchange, no ServerKeyExchange: {rows:?}"
        );
        assert_eq!(rows[0][0], "10");
        assert_eq!(rows[0][2], "0x003c");
        assert_eq!(rows[1][0], "12");
        assert_eq!(rows[1][1], "16");
    }
    let zh = checks(&story(name, &["--lang", "zh"]));
    let kt = zh.iter().find(|k| k["id"] == "rsa_key_transport").unwrap();
    let observed = kt["observed"].as_str().unwrap();
    assert!(observed.contains("它没有前向安全性"), "{observed}");
    assert!(
        observed.contains("TLS 1.3 已经去掉了 RSA 密钥传输"),
        "{observed}"
    );
}
