//! One direction of an HTTP/1.x stream, fed in pieces, as a client (with
//! the methods it sent) or as a server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::decode::http::HttpStream;
use std::collections::VecDeque;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let mut s = HttpStream::new();
    let mut methods: VecDeque<String> = ["GET", "HEAD", "POST", "CONNECT"]
        .iter()
        .take(usize::from(pick % 5))
        .map(|m| m.to_string())
        .collect();
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let step = usize::from(pick >> 3) + 1;
    for (i, chunk) in bytes.chunks(step).enumerate() {
        s.feed(chunk, i as u64, &mut methods, &mut out, &mut errors);
    }
});
