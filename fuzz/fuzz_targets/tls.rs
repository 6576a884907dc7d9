//! One direction of a TLS stream, fed in pieces of varying size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::decode::tls::{TlsInfo, TlsStream};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let mut s = TlsStream::new(if pick & 1 == 0 { 1 << 18 } else { 300 });
    if pick & 2 != 0 {
        s.set_encrypted();
    }
    let (mut out, mut errors) = (TlsInfo::default(), Vec::new());
    let step = usize::from(pick >> 2) + 1;
    for (i, chunk) in bytes.chunks(step).enumerate() {
        s.feed(chunk, i as u64 + 1, &mut out, &mut errors);
    }
});
