//! DNS messages as UDP payloads (all three flavours) and as a TCP stream
//! cut into pieces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::decode::dns::{parse_message, DnsTcpStream};

fuzz_target!(|data: &[u8]| {
    for p in ["dns", "mdns", "llmnr"] {
        let _ = parse_message(data, p);
    }
    let mut s = DnsTcpStream::new(65537);
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let step = data.first().map_or(1, |b| usize::from(*b % 64) + 1);
    for chunk in data.chunks(step) {
        s.feed(chunk, &mut out, &mut errors);
    }
});
