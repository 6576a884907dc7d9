//! Damaged and hostile input: every failure is a clear error naming the
//! file and the byte offset, everything before the damage is still decoded,
//! and nothing panics.

mod common;

use common::*;
use netexplain::capture::{CaptureError, CaptureReader};
use netexplain::decode::Packet;
use netexplain::flow::Tracker;
use netexplain::pipeline::{self, RunError};
use std::io::Cursor;

/// Runs the library pipeline over bytes; returns the packets and the error.
fn run_bytes(bytes: Vec<u8>) -> (Vec<Packet>, Option<String>) {
    let mut reader = match CaptureReader::new(Cursor::new(bytes)) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Some(e.to_string())),
    };
    let mut tracker = Tracker::default();
    let mut packets = Vec::new();
    let (_, err) = pipeline::run(&mut reader, &mut tracker, None, |p| {
        packets.push(p.clone());
        Ok(())
    });
    (
        packets,
        err.map(|e| match e {
            RunError::Capture(c) => c.to_string(),
            RunError::Output(o) => o.to_string(),
        }),
    )
}

/// Byte offsets where blocks (pcapng) or records (pcap) start.
fn block_starts(bytes: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let le = bytes[8..12] == [0x4d, 0x3c, 0x2b, 0x1a];
        let mut at = 0;
        while at + 12 <= bytes.len() {
            v.push(at);
            let raw = [bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]];
            let len = if le {
                u32::from_le_bytes(raw)
            } else {
                u32::from_be_bytes(raw)
            } as usize;
            if len < 12 {
                break;
            }
            at += len;
        }
    } else {
        let le = bytes[0] == 0xd4 || bytes[0] == 0x4d;
        let mut at = 24;
        while at + 16 <= bytes.len() {
            v.push(at);
            let raw = [bytes[at + 8], bytes[at + 9], bytes[at + 10], bytes[at + 11]];
            let caplen = if le {
                u32::from_le_bytes(raw)
            } else {
                u32::from_be_bytes(raw)
            } as usize;
            at += 16 + caplen;
        }
    }
    v
}

#[test]
fn every_prefix_decodes_what_it_holds() {
    for path in all_samples() {
        let bytes = std::fs::read(&path).unwrap();
        let (full, err) = run_bytes(bytes.clone());
        assert!(err.is_none(), "{}: {err:?}", path.display());
        let starts = block_starts(&bytes);
        let mut cuts: Vec<usize> = starts.iter().flat_map(|&s| [s, s + 1, s + 9]).collect();
        cuts.extend((0..bytes.len()).step_by(509));
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts.into_iter().filter(|&c| c < bytes.len()) {
            let (packets, err) = run_bytes(bytes[..cut].to_vec());
            // The frames decoded are exactly the complete ones before the cut.
            let complete = packets.len();
            assert!(complete <= full.len());
            for (a, b) in packets.iter().zip(&full) {
                assert_eq!(a.frame, b.frame);
                assert_eq!(a.caplen, b.caplen, "{} cut at {cut}", path.display());
            }
            if starts.contains(&cut) {
                // A cut on a block boundary is a shorter, valid capture.
                assert!(
                    err.is_none() || cut < 28,
                    "{} cut at {cut}: {err:?}",
                    path.display()
                );
            } else {
                let e = err.unwrap_or_else(|| panic!("{} cut at {cut}: no error", path.display()));
                assert!(
                    e.contains("byte offset") || e.contains("empty") || e.contains("file header"),
                    "{} cut at {cut}: {e}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn truncated_file_error_names_file_and_offset_and_keeps_frames() {
    let path = all_samples().into_iter().next().expect("a sample");
    let bytes = std::fs::read(&path).unwrap();
    let starts = block_starts(&bytes);
    let cut = starts[starts.len() / 2] + 7;
    let dir = std::env::temp_dir().join(format!("netexplain-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cut.pcapng");
    std::fs::write(&file, &bytes[..cut]).unwrap();
    let out = netexplain(&["packets", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cut.pcapng"), "{stderr}");
    assert!(
        stderr.contains(&format!("byte offset {}", starts[starts.len() / 2])),
        "{stderr}"
    );
    let frames = stdout.lines().filter(|l| l.starts_with(' ')).count();
    assert!(frames > 0, "frames before the damage are shown:\n{stdout}");
    assert!(stdout.contains("Summary"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_magic_zero_length_and_random_bytes() {
    let (p, e) = run_bytes(Vec::new());
    assert!(p.is_empty());
    assert!(e.unwrap().contains("empty"));
    let (_, e) = run_bytes(b"<!DOCTYPE html><html>".to_vec());
    let e = e.unwrap();
    assert!(e.contains("3c 21 44 4f") && e.contains("text"), "{e}");
    // A deterministic generator: xorshift.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [1usize, 3, 4, 24, 100, 4096] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let (_, e) = run_bytes(bytes);
        assert!(e.is_some());
    }
}

fn pcap_with(linktype: u32, snaplen: u32, frames: &[&[u8]]) -> Vec<u8> {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    f.extend_from_slice(&snaplen.to_le_bytes());
    f.extend_from_slice(&linktype.to_le_bytes());
    for (i, data) in frames.iter().enumerate() {
        f.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(data);
    }
    f
}

/// A raw-IPv4 UDP datagram carrying `payload`, checksum left zero.
fn udp4(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 8 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0,
        0,
        64,
        17,
        0,
        0,
    ];
    p.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 53]);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// A raw-IPv4 TCP segment (PSH|ACK) carrying `payload`.
fn tcp4(seq: u32, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 20 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0,
        0,
        64,
        6,
        0,
        0,
    ];
    p.extend_from_slice(&[192, 0, 2, 1, 203, 0, 113, 100]);
    p.extend_from_slice(&40000u16.to_be_bytes());
    p.extend_from_slice(&443u16.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&1u32.to_be_bytes());
    p.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    p.extend_from_slice(payload);
    p
}

#[test]
fn hostile_dns_and_tls_fields_are_errors_not_panics() {
    // DNS response whose answer name is a pointer to itself (offset 12).
    let mut dns = vec![0x12, 0x34, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0];
    dns.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    // Label longer than 63 bytes.
    let mut long = vec![0x00, 0x01, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 64];
    long.extend_from_slice(&[b'a'; 64]);
    long.extend_from_slice(&[0, 0, 1, 0, 1]);
    // TLS handshake record whose ClientHello claims more than the record.
    let tls = [
        0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x10, 0x00, 0x03, 0x03, 0, 0,
    ];
    // TLS record longer than the protocol allows.
    let huge = [0x16, 0x03, 0x03, 0xff, 0xff, 0x01];
    let frames = [
        udp4(5353, 53, &dns),
        udp4(40000, 53, &long),
        tcp4(1000, &tls),
        tcp4(1000 + tls.len() as u32, &huge),
    ];
    let refs: Vec<&[u8]> = frames.iter().map(|f| f.as_slice()).collect();
    let (packets, err) = run_bytes(pcap_with(101, 65535, &refs));
    assert!(err.is_none(), "{err:?}");
    assert_eq!(packets.len(), 4);
    // The header decoded is kept, as tshark keeps it; the record or
    // question that did not decode is the error.
    for (p, questions) in [(&packets[0], 0), (&packets[1], 0)] {
        let d = p.dns.as_ref().expect("the header is kept");
        assert!(d.incomplete && d.answers.is_empty());
        assert_eq!(d.questions.len(), questions);
        assert!(!p.errors.is_empty());
    }
    assert!(
        !packets[3].errors.is_empty(),
        "an impossible TLS record length is reported"
    );
}

#[test]
fn snaplen_zero_and_huge_are_read() {
    let frame = udp4(40000, 9, b"x");
    for snaplen in [0, u32::MAX] {
        let (packets, err) = run_bytes(pcap_with(101, snaplen, &[&frame]));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(packets.len(), 1);
        assert_eq!(packets[0].udp.as_ref().unwrap().dst_port, 9);
    }
}

#[test]
fn pcapng_block_lengths_that_lie() {
    let path = all_samples()
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "pcapng"))
        .expect("a pcapng sample");
    let bytes = std::fs::read(&path).unwrap();
    let starts = block_starts(&bytes);
    let victim = starts[starts.len() / 2];
    for lie in [0u32, 4, 13, 0x7fff_fff0, u32::MAX] {
        let mut b = bytes.clone();
        b[victim + 4..victim + 8].copy_from_slice(&lie.to_le_bytes());
        let (packets, err) = run_bytes(b);
        let e = err.unwrap_or_else(|| panic!("length {lie}: no error"));
        assert!(
            e.contains(&format!("byte offset {victim}")),
            "length {lie}: {e}"
        );
        assert!(!packets.is_empty());
    }
    // An enhanced packet block naming an interface that was never described.
    let epb = starts
        .iter()
        .copied()
        .find(|&s| bytes[s..s + 4] == [6, 0, 0, 0])
        .unwrap();
    let mut b = bytes.clone();
    b[epb + 8..epb + 12].copy_from_slice(&9u32.to_le_bytes());
    let (_, err) = run_bytes(b);
    assert!(matches!(err, Some(e) if e.contains("interface 9")));
}

#[test]
fn missing_file_and_directory_are_named() {
    let out = netexplain(&["packets", "/nonexistent/trace.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("/nonexistent/trace.pcap"), "{e}");
    let out = netexplain(&["packets", env!("CARGO_MANIFEST_DIR")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("directory"));
    let _ = CaptureError::Empty;
}

/// The classic pcap `any-sll2.pcap` with every header field byte-swapped:
/// the big-endian file must give the same frames.
#[test]
fn big_endian_pcap_reads_like_little_endian() {
    let le = std::fs::read(sample("any-sll2.pcap")).unwrap();
    let mut be = Vec::with_capacity(le.len());
    be.extend_from_slice(&[0xa1, 0xb2, 0xc3, 0xd4]);
    for (at, width) in [(4, 2), (6, 2), (8, 4), (12, 4), (16, 4), (20, 4)] {
        let mut f = le[at..at + width].to_vec();
        f.reverse();
        be.extend_from_slice(&f);
    }
    let mut at = 24;
    while at + 16 <= le.len() {
        for k in 0..4 {
            let mut f = le[at + 4 * k..at + 4 * k + 4].to_vec();
            f.reverse();
            be.extend_from_slice(&f);
        }
        let caplen = u32::from_le_bytes(le[at + 8..at + 12].try_into().unwrap()) as usize;
        be.extend_from_slice(&le[at + 16..at + 16 + caplen]);
        at += 16 + caplen;
    }
    let (a, ea) = run_bytes(le);
    let (b, eb) = run_bytes(be);
    assert_eq!((ea, eb), (None, None));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            serde_json::to_value(x).unwrap(),
            serde_json::to_value(y).unwrap()
        );
    }
}

/// An unknown pcapng block between the interface and the packets is
/// skipped and counted; the frames are unchanged.
#[test]
fn unknown_pcapng_block_is_skipped_and_counted() {
    let orig = std::fs::read(sample("curl-redirect.pcapng")).unwrap();
    let starts = block_starts(&orig);
    // After the SHB and the IDB.
    let at = starts[2];
    let mut bytes = orig[..at].to_vec();
    let custom_len = 16u32;
    bytes.extend_from_slice(&0x0000_0BADu32.to_le_bytes());
    bytes.extend_from_slice(&custom_len.to_le_bytes());
    bytes.extend_from_slice(b"junk");
    bytes.extend_from_slice(&custom_len.to_le_bytes());
    bytes.extend_from_slice(&orig[at..]);
    let (a, _) = run_bytes(orig);
    let (b, err) = run_bytes(bytes.clone());
    assert_eq!(err, None);
    assert_eq!(a.len(), b.len());
    let path = std::env::temp_dir().join(format!("netexplain-block-{}.pcapng", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let out = netexplain(&["packets", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2 pcapng blocks without packets skipped"),
        "{text}"
    );
    std::fs::remove_file(&path).ok();
}

/// A record whose captured length exceeds its length on the wire, an IPv6
/// chain of extension headers, TCP options of length 0 and 1, and ARP with
/// odd address sizes: decoded as far as they go, problems named, no panic.
#[test]
fn odd_frames_are_decoded_as_far_as_they_go() {
    // caplen 60 > wire length 40.
    let mut f = pcap_with(101, 65535, &[&tcp4(1, b"")]);
    let rec = 24;
    f[rec + 8..rec + 12].copy_from_slice(&60u32.to_le_bytes());
    f.extend_from_slice(&[0u8; 20]);
    f[rec + 12..rec + 16].copy_from_slice(&40u32.to_le_bytes());
    let (p, err) = run_bytes(f);
    assert_eq!(err, None);
    assert_eq!(p.len(), 1);
    assert!(p[0].tcp.is_some());

    // IPv6: hop-by-hop, routing, fragment (first fragment) and destination
    // options headers, then TCP.
    let mut v6 = vec![0x60, 0, 0, 0];
    let chain: Vec<u8> = [
        vec![43, 0, 1, 4, 0, 0, 0, 0], // hop-by-hop → routing (PadN)
        vec![44, 0, 0, 0, 0, 0, 0, 0], // routing type 0, 0 left → fragment
        vec![60, 0, 0, 0, 0, 0, 0, 1], // fragment, offset 0, more → dst opts
        vec![6, 0, 1, 4, 0, 0, 0, 0],  // destination options → TCP
    ]
    .concat();
    let tcp = &tcp4(7, b"x")[20..];
    v6.extend_from_slice(&((chain.len() + tcp.len()) as u16).to_be_bytes());
    v6.extend_from_slice(&[0, 64]);
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    v6.extend_from_slice(&chain);
    v6.extend_from_slice(tcp);
    let (p, err) = run_bytes(pcap_with(229, 65535, &[&v6]));
    assert_eq!(err, None);
    let ip = p[0].ip.as_ref().expect("IPv6 decoded");
    assert_eq!(ip.version, 6);
    assert_eq!(ip.proto, 6, "the transport after the chain");
    assert_eq!(ip.ext_headers, [0, 43, 44, 60]);

    // TCP options area: a kind with length 0, and one with length 1.
    for bad in [[2u8, 0, 0, 0], [3, 1, 0, 0]] {
        let mut seg = tcp4(1, b"");
        seg[32] = 0x60; // data offset 6: 4 bytes of options
        seg.splice(40..40, bad);
        seg[3] = 44;
        let (p, err) = run_bytes(pcap_with(228, 65535, &[&seg]));
        assert_eq!(err, None);
        assert!(
            p[0].errors.iter().any(|e| e.contains("TCP option")),
            "{:?}",
            p[0].errors
        );
    }

    // ARP for a 6-byte hardware type with 8-byte hardware and 16-byte
    // protocol addresses: not Ethernet/IPv4, so read generically (RFC 826
    // allows any sizes), as tshark does.
    let mut eth = vec![0xff; 6];
    eth.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
    eth.extend_from_slice(&[0, 1, 0x08, 0x00, 8, 16, 0, 1]);
    eth.extend_from_slice(&[0u8; 48]);
    let (p, err) = run_bytes(pcap_with(1, 65535, &[&eth]));
    assert_eq!(err, None);
    assert!(p[0].arp.is_none());
    assert!(p[0].arp_generic.is_some(), "{:?}", p[0].errors);
    assert!(p[0].errors.is_empty(), "{:?}", p[0].errors);
}

#[test]
fn gzip_compressed_capture_is_read() {
    use std::io::Write;
    let orig = std::fs::read(sample("curl-redirect.pcapng")).unwrap();
    let mut gz = gzip_program(&orig);
    gz.flush().unwrap();
    let (a, _) = run_bytes(orig);
    let (b, err) = run_bytes(gz.into_inner());
    assert_eq!(err, None);
    assert_eq!(a.len(), b.len());
    assert_eq!(
        b[18].tls.as_ref().unwrap().handshakes[0].sni.as_deref(),
        Some("www.google.com")
    );
}

/// The compressed copy is made by the gzip program itself.
fn gzip_program(data: &[u8]) -> Cursor<Vec<u8>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip runs");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    Cursor::new(out.stdout)
}

#[test]
fn unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::temp_dir().join(format!("netexplain-noperm-{}.pcap", std::process::id()));
    std::fs::write(&path, b"x").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("running as root: permission denied cannot be provoked; skipped");
        std::fs::remove_file(&path).ok();
        return;
    }
    let out = netexplain(&["packets", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(path.to_str().unwrap()) && err.to_lowercase().contains("permission denied"),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}
