//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded
//! by its length in two bytes, big-endian.

use super::error::DnsError;
use super::message::{parse_message_partial, DnsMessage};
use super::ports::DnsProtocol;

/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded
/// by its length in two bytes, big-endian. A segment may hold several
/// messages, or part of one — even half of a length prefix.
pub struct DnsTcpStream {
    /// An incomplete message, its length prefix included.
    buf: Vec<u8>,
    /// The most bytes `buf` may hold.
    max_buffer: usize,
    /// Bytes still to pass over of a message too large for `max_buffer`.
    skip: usize,
    /// Bytes went missing, so message boundaries are unknown; nothing
    /// more is decoded.
    lost: bool,
}

impl DnsTcpStream {
    /// `max_buffer` bounds the bytes held for an incomplete message
    /// (prefix included); 65537 fits any message. It is at least 2, so
    /// that a length prefix can always be read.
    pub fn new(max_buffer: usize) -> Self {
        DnsTcpStream {
            buf: Vec::new(),
            max_buffer: max_buffer.max(2),
            skip: 0,
            lost: false,
        }
    }

    /// Takes the next in-order bytes of one direction. Completed messages
    /// go to `out`; messages that do not decode, and messages larger than
    /// the bound (passed over, keeping the framing), go to `errors`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<DnsMessage>, errors: &mut Vec<String>) {
        if self.lost {
            return;
        }
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            // Whole messages straight from `data`, without copying.
            if self.buf.is_empty() && data.len() >= 2 {
                let total = 2 + usize::from(u16::from_be_bytes([data[0], data[1]]));
                if total <= data.len() && total <= self.max_buffer {
                    push_message(&data[2..total], out, errors);
                    data = &data[total..];
                    continue;
                }
            }
            // The length prefix, which may come a byte at a time.
            if self.buf.len() < 2 {
                let n = (2 - self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..n]);
                data = &data[n..];
                if self.buf.len() < 2 {
                    break;
                }
                let len = usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
                if 2 + len > self.max_buffer {
                    errors.push(
                        DnsError::TooLarge {
                            len,
                            max: self.max_buffer,
                        }
                        .to_string(),
                    );
                    self.buf.clear();
                    self.skip = len;
                    continue;
                }
            }
            let total = 2 + usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
            let n = (total - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == total {
                push_message(&self.buf[2..], out, errors);
                self.buf.clear();
            }
        }
    }

    /// Bytes of this direction were not captured. The length prefixes that
    /// delimit messages can no longer be found (a prefix is any two bytes),
    /// so the partial message is dropped and decoding stops; this is said
    /// once.
    pub fn gap(&mut self, errors: &mut Vec<String>) {
        if !self.lost {
            errors.push(DnsError::Gap.to_string());
            self.lost = true;
        }
        self.buf = Vec::new();
        self.skip = 0;
    }

    /// Bytes held for an incomplete message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

fn push_message(bytes: &[u8], out: &mut Vec<DnsMessage>, errors: &mut Vec<String>) {
    match parse_message_partial(bytes, DnsProtocol::Dns) {
        Ok((m, error)) => {
            out.push(m);
            errors.extend(error.map(|e| e.to_string()));
        }
        Err(e) => errors.push(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::rr;
    use super::super::{DnsProtocol, RType};
    use super::*;

    /// Fed in the given pieces: (messages, errors, bytes buffered after each).
    fn feed_pieces(
        s: &mut DnsTcpStream,
        pieces: &[&[u8]],
    ) -> (Vec<DnsMessage>, Vec<String>, Vec<usize>) {
        let (mut out, mut errors, mut held) = (Vec::new(), Vec::new(), Vec::new());
        for p in pieces {
            s.feed(p, &mut out, &mut errors);
            held.push(s.buffered());
        }
        (out, errors, held)
    }

    #[test]
    fn tcp_several_messages_in_one_feed() {
        // Frames 50 and 60 (dig +tcp): tshark Length 57, id 0x7cea; Length
        // 53, id 0xff35.
        let (q1, q2) = (fixture!("tcp-a-query"), fixture!("tcp-mx-query"));
        assert_eq!(q1[..2], [0, 57]);
        let both = [q1, q2].concat();
        let (out, errors, held) = feed_pieces(&mut DnsTcpStream::new(65537), &[&both]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(held, [0]);
        let got: Vec<_> = out.iter().map(|m| (m.id, m.questions[0].qtype)).collect();
        assert_eq!(got, [(0x7cea, RType::A), (0xff35, RType::MX)]);
        assert!(out
            .iter()
            .all(|m| m.protocol == DnsProtocol::Dns && !m.response));
    }

    #[test]
    fn tcp_message_split_across_feeds() {
        // Frame 62 (Length 74) in three pieces, the first inside the prefix,
        // then frame 52 with the next message's first byte.
        let a = fixture!("tcp-mx-response");
        let b = fixture!("tcp-a-response");
        let tail = [&a[30..], &b[..1]].concat();
        let mut s = DnsTcpStream::new(65537);
        let (out, errors, held) = feed_pieces(&mut s, &[&a[..1], &a[1..30], &tail, &b[1..]]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(held, [1, 30, 1, 0]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id, 0xff35);
        assert_eq!(
            out[0].answers,
            [rr("example.test", RType::MX, 300, "10 mail.example.test")]
        );
        assert_eq!(out[1].id, 0x7cea);
        assert_eq!(
            out[1].answers,
            [rr("www.example.test", RType::A, 300, "192.0.2.10")]
        );
        // One byte at a time.
        let mut s = DnsTcpStream::new(65537);
        let pieces: Vec<&[u8]> = a.chunks(1).collect();
        let (out, errors, _) = feed_pieces(&mut s, &pieces);
        assert_eq!((out.len(), errors.len(), s.buffered()), (1, 0, 0));
    }

    #[test]
    fn tcp_gap_stops_decoding() {
        let a = fixture!("tcp-a-response");
        let mut s = DnsTcpStream::new(65537);
        let (mut out, mut errors, _) = feed_pieces(&mut s, &[&a[..20]]);
        s.gap(&mut errors);
        assert_eq!(s.buffered(), 0);
        s.gap(&mut errors);
        s.feed(a, &mut out, &mut errors);
        assert!(out.is_empty());
        assert_eq!(s.buffered(), 0);
        assert_eq!(
            errors,
            ["DNS over TCP: bytes are missing from the capture, so the message boundaries are lost; \
              the rest of this stream is not decoded"]
        );
    }

    #[test]
    fn tcp_buffer_bound() {
        // A 61-byte message (63 with its prefix) does not fit 60 bytes: it
        // is passed over, arriving in pieces, and the 53-byte one after it
        // (55 with its prefix) is decoded.
        let big = fixture!("tcp-a-response");
        let small = fixture!("tcp-mx-query");
        let rest = [&big[40..], small].concat();
        let mut s = DnsTcpStream::new(60);
        let (out, errors, held) = feed_pieces(&mut s, &[&big[..1], &big[1..40], &rest]);
        assert_eq!(
            errors,
            ["DNS over TCP: a 61-byte message is larger than the 60-byte buffer and is passed over"]
        );
        assert_eq!(held, [1, 0, 0]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, 0xff35);
        // Held bytes never pass the bound.
        let mut s = DnsTcpStream::new(60);
        for c in small.chunks(7) {
            s.feed(c, &mut Vec::new(), &mut Vec::new());
            assert!(s.buffered() <= 60);
        }
        // An empty message (length 0) is an error; the next one is read.
        let framed = [&[0u8, 0][..], small].concat();
        let (out, errors, _) = feed_pieces(&mut DnsTcpStream::new(65537), &[&framed]);
        assert_eq!(out.len(), 1);
        assert_eq!(
            errors,
            ["DNS: message of 0 bytes is shorter than the 12-byte header"]
        );
    }
}
