//! What runs inside other protocols: both directions of a SOCKS or an
//! SMTP/IMAP/POP3/FTP connection fed in interleaved pieces through the
//! stream-decoder seam (so the hand-off to TLS or HTTP after the handshake
//! or the STARTTLS go-ahead is reached), a TLS stream that may open with
//! the SSL 2.0-compatible ClientHello, and one DTLS or SSDP datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::decode::starttls::TextProto;
use netexplain::decode::stream::{
    FrameRef, Next, Shared, SocksDecoder, StreamDecoder, StreamOutput, TextDecoder,
};
use netexplain::decode::{ssdp, tls};

const PROTOS: [TextProto; 4] = [TextProto::Smtp, TextProto::Imap, TextProto::Pop3, TextProto::Ftp];

fn decoders(kind: usize) -> [Box<dyn StreamDecoder>; 2] {
    match kind {
        0 => [
            Box::new(SocksDecoder::new(true, 1 << 16)),
            Box::new(SocksDecoder::new(false, 1 << 16)),
        ],
        1 => [
            Box::new(tls::TlsStream::new(1 << 16)),
            Box::new(tls::TlsStream::new(1 << 16)),
        ],
        k => [
            Box::new(TextDecoder::new(PROTOS[k % 4], true, 1 << 16)),
            Box::new(TextDecoder::new(PROTOS[k % 4], false, 1 << 16)),
        ],
    }
}

/// Feeds one piece, following hand-offs as the flow stage does.
fn feed(d: &mut Option<Box<dyn StreamDecoder>>, mut bytes: &[u8], frame: u64, shared: &mut Shared) {
    let mut out = StreamOutput::default();
    while let Some(dec) = d {
        match dec.feed(bytes, FrameRef { frame }, shared, &mut out) {
            Next::Continue => break,
            Next::Handoff { to, consumed } => {
                bytes = &bytes[consumed..];
                *d = Some(to);
            }
            Next::Stop => *d = None,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    match pick >> 6 {
        0 => {
            let _ = tls::dtls::parse(bytes);
            let _ = tls::dtls::looks_like_dtls(bytes);
        }
        1 => {
            let _ = ssdp::parse(bytes, 1);
        }
        _ => {
            // The low bits split the input between the directions, the
            // next pick the decoders and the piece size.
            let split = bytes.len() * usize::from(pick & 0x7) / 8;
            let (a, b) = bytes.split_at(split);
            let [c, s] = decoders(usize::from(pick >> 3 & 0x7) % 6);
            let (mut c, mut s) = (Some(c), Some(s));
            let mut shared = Shared::default();
            let step = usize::from(pick >> 5 & 1) * 7 + 1;
            let (mut ca, mut sb) = (a.chunks(step), b.chunks(step));
            let mut frame = 0;
            loop {
                let (x, y) = (ca.next(), sb.next());
                if x.is_none() && y.is_none() {
                    break;
                }
                if let Some(x) = x {
                    frame += 1;
                    feed(&mut c, x, frame, &mut shared);
                }
                if let Some(y) = y {
                    frame += 1;
                    feed(&mut s, y, frame, &mut shared);
                }
            }
        }
    }
});
