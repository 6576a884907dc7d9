//! HTTP over UDP: SSDP (UPnP Device Architecture 2.0 §1, on UDP 1900),
//! whose datagrams are each one HTTP/1.1 message head — M-SEARCH and
//! NOTIFY requests to `*`, and `HTTP/1.1 200 OK` answers — with no body.
//! The head is parsed as HTTP/1.x's is ([`super::http::parse_head`]).

use super::http::{self, HttpMessage};

/// The SSDP port (IANA "ssdp").
pub const SSDP_PORT: u16 = 1900;

/// One datagram's HTTP message head, from frame `frame`.
pub fn parse(payload: &[u8], frame: u64) -> Result<HttpMessage, String> {
    http::parse_head(payload, frame).map_err(|e| format!("SSDP: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m_search_notify_and_answers() {
        let m = parse(
            b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n",
            3,
        )
        .unwrap();
        assert_eq!(m.method.as_deref(), Some("M-SEARCH"));
        assert_eq!(m.target.as_deref(), Some("*"));
        assert_eq!(m.host.as_deref(), Some("239.255.255.250:1900"));
        assert_eq!(m.frames, [3]);
        let r = parse(
            b"HTTP/1.1 200 OK\r\nLOCATION: http://192.0.2.1/d.xml\r\n\r\n",
            4,
        )
        .unwrap();
        assert_eq!((r.status, r.reason.as_deref()), (Some(200), Some("OK")));
        assert_eq!(r.location.as_deref(), Some("http://192.0.2.1/d.xml"));
        // A head without its blank line (some senders stop after the last
        // header) is still read; bytes that are not HTTP are an error.
        assert!(parse(b"NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n", 5).is_ok());
        assert!(parse(b"\x00\x01garbage", 6).is_err());
    }
}
