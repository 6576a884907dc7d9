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
    assert!(packets[0].dns.is_none() && !packets[0].errors.is_empty());
    assert!(packets[1].dns.is_none() && !packets[1].errors.is_empty());
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
