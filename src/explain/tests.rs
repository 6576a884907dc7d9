//! Unit tests of the host a URL names and of matching names against `--host`.

use super::loads::{name_matches, site};
use super::*;

#[test]
fn hosts_and_sites() {
    assert_eq!(
        url_host("https://www.google.com/").as_deref(),
        Some("www.google.com")
    );
    assert_eq!(
        url_host("http://u@[2001:db8::1]:8080/x").as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(url_host("/relative"), None);
    assert_eq!(strip_port("google.com:80"), "google.com");
    assert_eq!(strip_port("[2001:db8::1]:443"), "2001:db8::1");
    assert_eq!(strip_port("2001:db8::1"), "2001:db8::1");
    assert_eq!(site("static.google.com"), "google.com");
    assert_eq!(site("localhost"), "localhost");
    assert!(name_matches("www.google.com", "google.com"));
    assert!(name_matches("Google.com.", "google.com"));
    assert!(!name_matches("notgoogle.com", "google.com"));
}
