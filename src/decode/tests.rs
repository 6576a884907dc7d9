//! The layer walk end to end: recursion through IP in IP, its depth bound,
//! and the reassembly seam, on a DNS query taken from a sample capture.

use super::defrag::{Datagram, Defragmenter, Fragment, Reassembly};
use super::*;
use crate::capture::{linktype, CaptureReader, Frame};
use std::path::Path;

/// The IP packet of the first DNS query over IPv4 in `dig-only.pcapng`.
fn sample_ip_packet() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dig-only.pcapng");
    let mut reader = CaptureReader::open(&path).unwrap();
    while let Some(frame) = reader.next_frame().unwrap() {
        let d = decode_frame(&frame);
        let p = &d.packet;
        if p.dns.is_some() && p.ip.as_ref().is_some_and(|ip| ip.version == 4) {
            let link = link::split(frame.linktype, frame.data);
            return link.payload.to_vec();
        }
    }
    panic!("no DNS over IPv4 in the sample");
}

/// An IPv4 header (no options) from 192.0.2.1 to 192.0.2.2 in front of
/// `inner`, protocol 4 (IP in IP, RFC 2003 §3).
fn ip_in_ip(inner: &[u8]) -> Vec<u8> {
    let total = (20 + inner.len()) as u16;
    let mut b = vec![
        0x45, 0, 0, 0, 0, 1, 0, 0, 64, 4, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    b[2..4].copy_from_slice(&total.to_be_bytes());
    b.extend_from_slice(inner);
    b
}

fn raw_frame(data: &[u8]) -> Frame<'_> {
    Frame {
        index: 1,
        ts_sec: 0,
        ts_nsec: 0,
        interface: 0,
        linktype: linktype::RAW,
        caplen: data.len() as u32,
        len: data.len() as u32,
        data,
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn ip_in_ip_decodes_the_inner_packet_and_keeps_the_outer() {
    let inner = sample_ip_packet();
    let plain = decode_frame(&raw_frame(&inner)).packet;
    let wrapped = ip_in_ip(&inner);
    let d = decode_frame(&raw_frame(&wrapped));
    let p = &d.packet;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    // The inner packet is what the summary describes, as if unwrapped.
    assert_eq!(json(&p.ip), json(&plain.ip));
    assert_eq!(json(&p.udp), json(&plain.udp));
    assert_eq!(json(&p.dns), json(&plain.dns));
    assert_eq!(d.payload, &inner[28..]);
    // The outer header is kept, and serialised.
    assert_eq!(p.encap.len(), 1);
    let Encap::Ipv4(outer) = &p.encap[0] else {
        panic!("{:?}", p.encap);
    };
    assert_eq!(
        (outer.proto, outer.src.to_string()),
        (4, "192.0.2.1".into())
    );
    assert!(json(p).contains(r#""encap":[{"layer":"ipv4","version":4,"src":"192.0.2.1""#));
    // Without a tunnel there is no `encap` at all.
    assert!(!json(&plain).contains("encap"));
}

#[test]
fn nested_tunnels_stop_at_the_bound() {
    let inner = sample_ip_packet();
    let mut deepest_allowed = inner.clone();
    for _ in 0..dispatch::MAX_TUNNELS {
        deepest_allowed = ip_in_ip(&deepest_allowed);
    }
    let p = decode_frame(&raw_frame(&deepest_allowed)).packet;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.encap.len(), dispatch::MAX_TUNNELS);
    assert!(p.dns.is_some());

    let too_deep = ip_in_ip(&deepest_allowed);
    let p = decode_frame(&raw_frame(&too_deep)).packet;
    assert_eq!(
        p.errors,
        vec!["IP-in-IP: more than 8 nested tunnels, not decoded further".to_string()]
    );
    assert_eq!(p.encap.len(), dispatch::MAX_TUNNELS);
    assert_eq!(p.ip.as_ref().map(|ip| ip.proto), Some(4));
    assert!(p.udp.is_none() && p.dns.is_none());
}

/// Hands back the fragment's own bytes as the whole datagram.
struct OneFragmentDatagrams(Vec<u8>, Vec<u64>);

impl Defragmenter for OneFragmentDatagrams {
    fn offer<'s>(&'s mut self, f: &Fragment<'_>) -> Reassembly<'s> {
        assert!(f.more && f.offset == 0);
        self.0 = f.bytes.to_vec();
        self.1 = vec![f.frame];
        Reassembly::Complete(Datagram {
            payload: &self.0,
            frames: &self.1,
        })
    }
}

#[test]
fn fragments_pass_through_or_go_to_the_reassembler() {
    let mut first_fragment = sample_ip_packet();
    // More fragments: the first of a train (RFC 791 §3.1, flags).
    first_fragment[6] |= 0x20;
    let frame = raw_frame(&first_fragment);

    let p = decode_frame(&frame).packet;
    assert!(p.ip.as_ref().is_some_and(|ip| ip.fragment));
    assert_eq!(p.errors, vec!["IP fragment: fragments are not reassembled"]);
    assert!(p.udp.is_none());

    let mut defrag = OneFragmentDatagrams(Vec::new(), Vec::new());
    let d = decode_frame_with(&frame, &mut defrag);
    assert!(d.packet.ip.as_ref().is_some_and(|ip| ip.fragment));
    assert!(d.packet.errors.is_empty(), "{:?}", d.packet.errors);
    assert!(d.packet.dns.is_some());
    assert_eq!(d.payload, &first_fragment[28..]);
}

#[test]
fn decode_errors_carry_layer_and_offset() {
    // An IPv4 header claiming a TCP header the capture did not keep (the
    // frame was 17 bytes longer on the wire than its snap length).
    let mut b = vec![
        0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    b.extend([0, 80, 0x1f]);
    let mut eth = vec![0xff; 6];
    eth.extend([2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    eth.extend(&b);
    let frame = Frame {
        linktype: linktype::ETHERNET,
        len: eth.len() as u32 + 17,
        ..raw_frame(&eth)
    };
    let p = decode_frame(&frame).packet;
    assert!(p.truncated);
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].starts_with("TCP header: "), "{}", p.errors[0]);

    let mut packet = Packet::default();
    let mut walk = Walk::new(&mut packet, &eth, None);
    let tcp = &eth[34..];
    walk.run(Next::Ip(IpPayload {
        proto: 6,
        bytes: tcp,
        wire_len: Some(20),
        ip_offset: 20,
        len_source: etherparse::LenSource::Slice,
    }));
    assert_eq!(packet.errors, p.errors);
    let e = DecodeError::Slice {
        layer: Layer::Tcp,
        stage: etherparse::err::Layer::TcpHeader,
        error: etherparse::err::packet::SliceError::Len(etherparse::err::LenError {
            required_len: 20,
            len: 3,
            len_source: etherparse::LenSource::Slice,
            layer: etherparse::err::Layer::TcpHeader,
            layer_start_offset: 20,
        }),
        offset: 34,
    };
    assert_eq!((e.layer(), e.offset()), (Layer::Tcp, 34));
    assert!(e.is_cut_short());
}
