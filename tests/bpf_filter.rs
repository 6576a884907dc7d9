//! A capture filter after the file (`packets FILE 'port 53'`): with the
//! `live` feature it is compiled by libpcap and selects the frames tcpdump
//! selects with the same expression; without it, the message says how to
//! rebuild.

mod common;

use common::*;

#[cfg(feature = "live")]
#[test]
fn capture_filters_select_what_tcpdump_selects() {
    if std::process::Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_TSHARK").is_none(),
            "tcpdump is required"
        );
        return;
    }
    let exprs = [
        "port 53",
        "tcp and port 443",
        "udp",
        "arp or icmp6",
        "host 198.51.100.10 and not port 80",
        "tcp[tcpflags] & tcp-syn != 0",
        "ip6",
    ];
    let mut compared = 0;
    let mut refused = 0;
    for path in all_samples() {
        let f = path.to_str().unwrap();
        for e in exprs {
            let out = std::process::Command::new("tcpdump")
                .args(["--count", "-nn", "-r", f, e])
                .output()
                .unwrap();
            let ours = netexplain(&["packets", f, e, "--no-summary"]);
            if !out.status.success() {
                // libpcap cannot filter some link types (NFLOG): tcpdump
                // refuses, and so must we, with libpcap's reason.
                let why = String::from_utf8_lossy(&out.stderr);
                let err = String::from_utf8_lossy(&ours.stderr);
                assert_eq!(ours.status.code(), Some(1), "{f} {e}: {why}");
                assert!(
                    err.contains(&format!("bad capture filter \"{e}\"")),
                    "{f} {e}: {err}"
                );
                refused += 1;
                continue;
            }
            // tcpdump prints a tunnelled packet on two lines: count packets.
            let theirs: usize = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{f} {e}: tcpdump --count printed no count"));
            assert!(
                ours.status.success(),
                "{f} {e}: {}",
                String::from_utf8_lossy(&ours.stderr)
            );
            let ours = String::from_utf8_lossy(&ours.stdout).lines().count();
            assert_eq!(ours, theirs, "{f} {e:?}");
            compared += ours;
        }
    }
    assert!(compared > 500, "{compared}");
    assert!(refused < 20, "libpcap refused {refused} filters");
    // Also after -r, in several words, and with -Y.
    let f = sample("curl-redirect.pcapng");
    let out = netexplain(&[
        "packets",
        "-r",
        f.to_str().unwrap(),
        "udp",
        "port",
        "53",
        "-q",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("frames that passed the filters: 4 of 37"),
        "{text}"
    );
    let out = netexplain(&["packets", f.to_str().unwrap(), "port 5x3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad capture filter \"port 5x3\""));
}

#[cfg(not(feature = "live"))]
#[test]
fn capture_filters_say_how_to_rebuild() {
    let f = sample("curl-redirect.pcapng");
    let out = netexplain(&["packets", f.to_str().unwrap(), "port 53"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features live"), "{err}");
    assert!(err.contains("-Y"), "{err}");
}
