//! One frame of any supported link type through every per-frame decoder
//! (link, VLAN, IP, IPv6 extension headers, TCP/UDP, ICMP, ARP, NDP, DNS).
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::capture::Frame;
use netexplain::decode::decode_frame;

const LINKTYPES: [u32; 8] = [1, 113, 276, 101, 228, 229, 0, 108];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let frame = Frame {
        index: 1,
        ts_sec: 0,
        ts_nsec: 0,
        interface: 0,
        linktype: LINKTYPES[usize::from(pick) % LINKTYPES.len()],
        caplen: bytes.len() as u32,
        // Sometimes claim more bytes on the wire than were captured.
        len: bytes.len() as u32 + u32::from(pick & 0x80),
        data: bytes,
    };
    let _ = decode_frame(&frame);
});
