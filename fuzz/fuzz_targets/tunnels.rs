//! The tunnel and link-type decoders: the first byte picks where the
//! fuzzed bytes enter the walk — as the frame of a PPP, PPP-HDLC or NFLOG
//! link, after an Ethernet header with the EtherType of MPLS, PPPoE
//! (discovery or session), RARP or ARP, inside an IPv4 header as GRE or
//! IP-in-IP, or as the UDP payload of VXLAN, Geneve or GTP-U — so each
//! decoder, and the tunnels nested inside it, is reached directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::capture::Frame;
use netexplain::decode::decode_frame;

const LINKS: [u32; 3] = [9, 50, 239];
const ETHER_TYPES: [u16; 6] = [0x8847, 0x8848, 0x8863, 0x8864, 0x8035, 0x0806];
const IP_PROTOCOLS: [u8; 3] = [47, 4, 41];
const UDP_PORTS: [u16; 3] = [4789, 6081, 2152];

fn ethernet(ether_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    f.extend(ether_type.to_be_bytes());
    f.extend(payload);
    f
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let len = (20 + payload.len()).min(usize::from(u16::MAX)) as u16;
    let mut h = vec![0x45, 0];
    h.extend(len.to_be_bytes());
    h.extend([0, 1, 0x40, 0, 64, proto, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2]);
    h.extend(payload);
    ethernet(0x0800, &h)
}

fn udp(port: u16, payload: &[u8]) -> Vec<u8> {
    let len = (8 + payload.len()).min(usize::from(u16::MAX)) as u16;
    let mut u = 40000u16.to_be_bytes().to_vec();
    u.extend(port.to_be_bytes());
    u.extend(len.to_be_bytes());
    u.extend([0, 0]);
    u.extend(payload);
    ipv4(17, &u)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let i = usize::from(pick);
    let (linktype, frame) = match i % 4 {
        0 => (LINKS[i / 4 % LINKS.len()], bytes.to_vec()),
        1 => (1, ethernet(ETHER_TYPES[i / 4 % ETHER_TYPES.len()], bytes)),
        2 => (1, ipv4(IP_PROTOCOLS[i / 4 % IP_PROTOCOLS.len()], bytes)),
        _ => (1, udp(UDP_PORTS[i / 4 % UDP_PORTS.len()], bytes)),
    };
    let f = Frame {
        index: 1,
        ts_sec: 0,
        ts_nsec: 0,
        interface: 0,
        linktype,
        caplen: frame.len() as u32,
        len: frame.len() as u32,
        data: &frame,
    };
    let _ = decode_frame(&f);
});
