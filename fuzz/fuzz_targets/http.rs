//! Both directions of an HTTP/1.x connection, fed in interleaved pieces:
//! requests, responses, bodies, and the WebSocket frames after a 101.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::decode::http::{HttpConn, HttpOutput, HttpStream};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    // The low bits split the input between the two directions, the high
    // bits choose the piece size.
    let split = bytes.len() * usize::from(pick & 0x7) / 8;
    let (from_client, from_server) = bytes.split_at(split);
    let mut client = HttpStream::new(true);
    let mut server = HttpStream::new(false);
    let mut conn = HttpConn::default();
    let (mut out, mut errors) = (HttpOutput::default(), Vec::new());
    let step = usize::from(pick >> 3) + 1;
    let mut c = from_client.chunks(step);
    let mut s = from_server.chunks(step);
    let mut frame = 0u64;
    loop {
        let (a, b) = (c.next(), s.next());
        if a.is_none() && b.is_none() {
            break;
        }
        if let Some(chunk) = a {
            frame += 1;
            client.feed(chunk, frame, &mut conn, &mut out, &mut errors);
        }
        if let Some(chunk) = b {
            frame += 1;
            server.feed(chunk, frame, &mut conn, &mut out, &mut errors);
        }
    }
});
