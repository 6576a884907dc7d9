//! Connections whose TLS starts inside another protocol: curl to SMTP 25,
//! IMAP 143, POP3 110 and FTP 21 with STARTTLS / AUTH TLS. None of them is
//! a page load, so the story gives none of them a URL or an https scheme,
//! in either language; the upgrade commands are on the wire where the
//! packet JSON says.

mod common;

use common::*;

#[test]
fn starttls_connections_are_not_page_loads() {
    let packets = packets_json(&sample("starttls.pcapng"));
    // The SMTP upgrade command, as decoded from the wire (frame 9).
    let f9 = frame(&packets, 9);
    assert_eq!(f9["tcp"]["dst_port"], 25);
    assert_eq!(f9["lines"][0]["protocol"], "smtp");
    assert_eq!(f9["lines"][0]["text"], "STARTTLS");
    // The IMAP one (frame 42).
    let f42 = frame(&packets, 42);
    assert_eq!(f42["tcp"]["dst_port"], 143);
    assert_eq!(f42["lines"][0]["text"], "A002 STARTTLS");

    for lang in ["en", "zh"] {
        let s = story("starttls.pcapng", &["--lang", lang]);
        let loads = s["page_loads"].as_array().expect("page_loads").len();
        assert_eq!(loads, 0, "{lang}: no page load on mail/file ports");
        let text = story_text("starttls.pcapng", &["--lang", lang]);
        for port in ["25", "143", "110", "21"] {
            assert!(
                !text.contains(&format!("https://203.0.113.100:{port}/")),
                "{lang}: no https URL on port {port}"
            );
            assert!(
                text.contains(&format!("203.0.113.100:{port}")),
                "{lang}: the connection to port {port} is still told"
            );
        }
        assert!(!text.contains("https"), "{lang}: never https");
    }
}
