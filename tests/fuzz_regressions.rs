//! Inputs that fuzzing (fuzz/run.sh) found to crash a decoder, kept as
//! regression tests. The file name says which target found it; the input
//! is replayed the way that target feeds it.

use netexplain::capture::Frame;
use netexplain::decode::decode_frame;
use std::path::Path;

const LINKTYPES: [u32; 8] = [1, 113, 276, 101, 228, 229, 0, 108];

fn replay_decode_frame(data: &[u8]) -> netexplain::decode::Packet {
    let (&pick, bytes) = data.split_first().expect("non-empty input");
    let frame = Frame {
        index: 1,
        ts_sec: 0,
        ts_nsec: 0,
        interface: 0,
        linktype: LINKTYPES[usize::from(pick) % LINKTYPES.len()],
        caplen: bytes.len() as u32,
        len: bytes.len() as u32 + u32::from(pick & 0x80),
        data: bytes,
    };
    decode_frame(&frame).packet
}

#[test]
fn every_saved_input_decodes_without_a_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        if name.starts_with("decode_frame-") {
            replay_decode_frame(&data);
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

/// Ethernet → IPv6 whose extension-header chain runs past the captured
/// bytes: etherparse's iterator over the chain read beyond its slice
/// (AddressSanitizer: heap-buffer-overflow). The chain is now walked over
/// the delimited bytes only.
#[test]
fn ipv6_extension_chain_past_the_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let p =
        replay_decode_frame(&std::fs::read(dir.join("decode_frame-ipv6-ext-chain.bin")).unwrap());
    let ip = p.ip.expect("the IPv6 header is decoded");
    assert_eq!(ip.version, 6);
    assert!(ip.ext_headers.len() <= 2, "{:?}", ip.ext_headers);
}
