//! `netexplain follow tcp|http|tls N FILE`: one stream's bytes put back in
//! order per direction (retransmitted bytes once, out-of-order bytes where
//! they belong), each chunk headed by its frame and direction.

use anyhow::{bail, Context, Result};
use netexplain::capture::CaptureReader;
use netexplain::decode::decode_frame;
use netexplain::flow::Tracker;
use netexplain::pipeline;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The stream's bytes.
    Tcp,
    /// The same bytes, for a stream that carries HTTP/1.x.
    Http,
    /// The TLS records of the stream (their contents are encrypted).
    Tls,
}

/// One piece of a direction's bytes, as delivered in order.
#[derive(Serialize)]
pub struct Chunk {
    pub frame: u64,
    /// 0: the side that opened the connection; 1: the other.
    pub node: u8,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// The bytes, escaped as in the text output.
    pub text: String,
    /// Bytes of the stream here that the capture does not hold (cut by
    /// the snap length, or never captured); `bytes` is then empty.
    #[serde(skip_serializing_if = "is_zero")]
    pub missing: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Sequence-space reassembly of one direction.
#[derive(Default)]
struct Direction {
    next: Option<u32>,
    /// Segments ahead of a hole, by sequence number: frame, captured
    /// bytes, length on the wire.
    held: BTreeMap<u32, (u64, Vec<u8>, usize)>,
}

impl Direction {
    /// A segment of `wire` bytes at `seq`, of which `data` were captured.
    fn push(
        &mut self,
        frame: u64,
        seq: u32,
        data: &[u8],
        wire: usize,
        node: u8,
        out: &mut Vec<Chunk>,
    ) {
        let next = *self.next.get_or_insert(seq);
        let off = seq.wrapping_sub(next) as i32;
        if off > 0 {
            self.held.entry(seq).or_insert((frame, data.to_vec(), wire));
            return;
        }
        let skip = off.unsigned_abs() as usize;
        if skip >= wire {
            return;
        }
        self.next = Some(next.wrapping_add((wire - skip) as u32));
        if skip < data.len() {
            out.push(chunk(frame, node, data[skip..].to_vec()));
        }
        let missing = wire - skip.max(data.len());
        if missing > 0 {
            out.push(Chunk {
                frame,
                node,
                bytes: Vec::new(),
                text: String::new(),
                missing,
            });
        }
        self.release(node, out);
    }

    /// Held segments the hole was waiting for.
    fn release(&mut self, node: u8, out: &mut Vec<Chunk>) {
        while let Some((&s, _)) = self.held.iter().next() {
            let next = self.next.unwrap_or(s);
            if (s.wrapping_sub(next) as i32) > 0 {
                break;
            }
            let Some((f, d, w)) = self.held.remove(&s) else {
                break;
            };
            self.push(f, s, &d, w, node, out);
        }
    }

    /// At the end: what is still held lies after bytes never captured;
    /// it is given after a note of the gap.
    fn finish(&mut self, node: u8, out: &mut Vec<Chunk>) {
        while let Some((&s, (f, _, _))) = self.held.iter().next() {
            let next = self.next.unwrap_or(s);
            out.push(Chunk {
                frame: *f,
                node,
                bytes: Vec::new(),
                text: String::new(),
                missing: s.wrapping_sub(next) as usize,
            });
            self.next = Some(s);
            self.release(node, out);
        }
    }
}

fn chunk(frame: u64, node: u8, bytes: Vec<u8>) -> Chunk {
    let text = escape_bytes(&bytes);
    Chunk {
        frame,
        node,
        bytes,
        text,
        missing: 0,
    }
}

/// Printable text as is; `\n` written as the two characters `\n` and then
/// a line break; `\r`, `\t`, the backslash and every other control
/// character, invalid UTF-8 and bidirectional controls as escapes. Remove
/// the line breaks and undo the escapes to get the bytes back.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 16);
    for piece in b.utf8_chunks() {
        for c in piece.valid().chars() {
            match c {
                '\n' => out.push_str("\\n\n"),
                c => {
                    let mut buf = [0; 4];
                    let e = netexplain::render::escape(c.encode_utf8(&mut buf));
                    if (c as u32) >= 0x80 && e.len() > c.len_utf8() {
                        // A C1 control is a character, not the byte \xNN.
                        let _ = write!(out, "\\u{{{:04x}}}", c as u32);
                    } else {
                        out.push_str(&e);
                    }
                }
            }
        }
        for x in piece.invalid() {
            let _ = write!(out, "\\x{x:02x}");
        }
    }
    out
}

pub fn run(
    path: &std::path::Path,
    kind: Kind,
    stream: u64,
    display_filter: Option<String>,
    json: bool,
    mut tracker: Tracker,
) -> Result<ExitCode> {
    let filter = super::display_filter(display_filter.as_deref())?;
    // The capture's own Decryption Secrets Blocks, as in `packets`.
    crate::cli::keylog::KeylogArgs::default().attach(&mut tracker, path)?;
    let mut reader = CaptureReader::open(path).with_context(|| path.display().to_string())?;
    let mut nodes: Option<(String, String)> = None;
    let mut dirs = [Direction::default(), Direction::default()];
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut records: Vec<String> = Vec::new();
    let mut saw_http = false;
    let (_summary, failure) = pipeline::run_frames(&mut reader, &mut tracker, None, |f, p| {
        let Some(t) = p.tcp.as_ref().filter(|t| t.stream == Some(stream)) else {
            return Ok(());
        };
        if filter.as_ref().is_some_and(|fl| !fl.matches(p)) {
            return Ok(());
        }
        let Some(ip) = &p.ip else { return Ok(()) };
        let src = sock(ip.src, t.src_port);
        let dst = sock(ip.dst, t.dst_port);
        let (a, _) = nodes.get_or_insert_with(|| {
            // The SYN's sender is the client; without a SYN, the first sender.
            if t.flag_bits & 0x12 == 0x12 {
                (dst.clone(), src.clone())
            } else {
                (src.clone(), dst.clone())
            }
        });
        let node = u8::from(*a != src);
        saw_http |= !p.http.is_empty();
        if let Some(tls) = &p.tls {
            for r in &tls.records {
                records.push(format!(
                    "frame {} {} {} {} bytes",
                    p.frame,
                    if node == 0 { "→" } else { "←" },
                    r.content_type,
                    r.length
                ));
            }
        }
        let d = &mut dirs[usize::from(node)];
        if t.flag_bits & 0x02 != 0 && d.next.is_none() {
            d.next = Some(t.seq.wrapping_add(1));
        }
        if t.payload_len > 0 {
            let payload = decode_frame(f).payload;
            let wire = t.payload_len as usize;
            let n = payload.len().min(wire);
            d.push(p.frame, t.seq, &payload[..n], wire, node, &mut chunks);
        }
        Ok(())
    });
    for (n, d) in dirs.iter_mut().enumerate() {
        d.finish(n as u8, &mut chunks);
    }
    let Some((client, server)) = nodes else {
        bail!(
            "{}: no TCP stream {stream} (streams are numbered from 0, as tcp.stream)",
            path.display()
        );
    };
    if kind == Kind::Http && !saw_http {
        bail!(
            "{}: TCP stream {stream} carries no HTTP/1.x message this tool decoded",
            path.display()
        );
    }
    let mut out = String::new();
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            stream: u64,
            client: &'a str,
            server: &'a str,
            chunks: &'a [Chunk],
            #[serde(skip_serializing_if = "Vec::is_empty")]
            tls_records: Vec<String>,
        }
        let o = Out {
            stream,
            client: &client,
            server: &server,
            chunks: &chunks,
            tls_records: if kind == Kind::Tls {
                records
            } else {
                Vec::new()
            },
        };
        out = serde_json::to_string_pretty(&o)?;
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "Follow {} stream {stream}: node 0 {} (opened the connection) ↔ node 1 {}",
            match kind {
                Kind::Tcp => "tcp",
                Kind::Http => "http",
                Kind::Tls => "tls",
            },
            client,
            server
        );
        if kind == Kind::Tls {
            out.push_str("The records' contents are encrypted; their types and lengths:\n");
            for r in &records {
                let _ = writeln!(out, "  {r}");
            }
        } else {
            for c in &chunks {
                if c.missing > 0 {
                    let _ = writeln!(
                        out,
                        "── frame {} {} {} bytes missing in the capture",
                        c.frame,
                        if c.node == 0 {
                            "node 0 → node 1"
                        } else {
                            "node 1 → node 0"
                        },
                        c.missing
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "── frame {} {} {} bytes",
                    c.frame,
                    if c.node == 0 {
                        "node 0 → node 1"
                    } else {
                        "node 1 → node 0"
                    },
                    c.bytes.len()
                );
                out.push_str(&c.text);
                if !c.text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        let total = |n: u8| -> usize {
            chunks
                .iter()
                .filter(|c| c.node == n)
                .map(|c| c.bytes.len())
                .sum()
        };
        let _ = writeln!(
            out,
            "node 0 sent {} bytes, node 1 sent {} bytes",
            total(0),
            total(1)
        );
    }
    super::write_stdout(&out)?;
    if let Some(e) = failure {
        eprintln!("netexplain: {}: {e}", path.display());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn sock(ip: std::net::IpAddr, port: u16) -> String {
    match ip {
        std::net::IpAddr::V4(a) => format!("{a}:{port}"),
        std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}
