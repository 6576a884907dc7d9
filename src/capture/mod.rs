//! Capture sources: classic pcap and pcapng files or streams (stdin), read
//! with the pure-Rust `pcap-parser` crate, streaming, so memory stays flat
//! whatever the size of the capture.
//!
//! The format is recognised by its magic number, never by the file name.
//! Live capture lives in `live.rs` behind the `live` feature.

pub mod input;
pub mod linktype;
#[cfg(feature = "live")]
pub mod live;
pub mod secrets;

use input::{read_up_to, Guarded, InputState, Source};
use std::sync::Arc;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// First buffer size; grown on demand for larger blocks.
const INITIAL_BUFFER: usize = 1 << 20;
/// The largest block accepted. Real frames are at most 256 KiB (Linux's
/// maximum snap length); a length beyond this is a corrupt or hostile file.
pub const MAX_BLOCK: usize = 16 << 20;
/// The largest captured length of a pcap record: Linux's and tshark's
/// maximum snap length. A record claiming more has a corrupt length.
pub const MAX_FRAME: usize = 256 << 10;

/// One captured frame, borrowed from the reader until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based frame number, counted across all sections and interfaces.
    pub index: u64,
    /// Seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Nanoseconds within the second.
    pub ts_nsec: u32,
    /// pcapng interface id within its section (0 for classic pcap).
    pub interface: u32,
    /// LINKTYPE_* value of the interface.
    pub linktype: u32,
    /// Bytes captured.
    pub caplen: u32,
    /// Bytes on the wire.
    pub len: u32,
    pub data: &'a [u8],
}

impl Frame<'_> {
    /// Epoch seconds as a float (microsecond precision at today's dates).
    pub fn ts(&self) -> f64 {
        self.ts_sec as f64 + f64::from(self.ts_nsec) / 1e9
    }
}

/// What a [`FrameSource`] has when asked for the next frame.
#[derive(Debug)]
pub enum Next<'a> {
    /// A captured frame.
    Frame(Frame<'a>),
    /// No frame yet (a live capture's wait ran out); ask again.
    Idle,
    /// The input is over.
    End,
}

/// Anything that hands out captured frames one at a time: a file or
/// stream ([`CaptureReader`]), a live capture, or one of them bounded
/// ([`Bounded`]). The pipeline runs on this trait.
pub trait FrameSource {
    /// Why reading failed.
    type Error: std::error::Error;

    /// The next frame, [`Next::Idle`] when none is there yet, or
    /// [`Next::End`] when the input is over.
    fn poll_frame(&mut self) -> Result<Next<'_>, Self::Error>;

    /// True when the input ended because SIGINT or SIGTERM arrived.
    fn interrupted(&self) -> bool {
        false
    }

    /// What is being read, as the summary's first line names it.
    fn format_name(&self) -> String;

    /// The number of interfaces the capture described.
    fn interface_count(&self) -> usize;

    /// Blocks that carried no packet and were skipped.
    fn skipped_blocks(&self) -> u64 {
        0
    }
}

impl FrameSource for CaptureReader {
    type Error = CaptureError;

    fn poll_frame(&mut self) -> Result<Next<'_>, CaptureError> {
        Ok(match self.next_frame()? {
            Some(f) => Next::Frame(f),
            None => Next::End,
        })
    }

    fn interrupted(&self) -> bool {
        CaptureReader::interrupted(self)
    }

    fn format_name(&self) -> String {
        match self.format() {
            Format::PcapNg => "pcapng".to_string(),
            f => f.to_string(),
        }
    }

    fn interface_count(&self) -> usize {
        self.interfaces().len()
    }

    fn skipped_blocks(&self) -> u64 {
        let ReaderStats { skipped_blocks, .. } = self.stats().clone();
        skipped_blocks
    }
}

/// A source that ends after `count` frames or once `seconds` have passed
/// since it was made (live capture's `-c` and `--duration`), checked in
/// that order before each wait for a frame.
pub struct Bounded<S> {
    source: S,
    count: Option<u64>,
    seconds: Option<f64>,
    started: std::time::Instant,
    given: u64,
}

impl<S: FrameSource> Bounded<S> {
    pub fn new(source: S, count: Option<u64>, seconds: Option<f64>) -> Bounded<S> {
        Bounded {
            source,
            count,
            seconds,
            started: std::time::Instant::now(),
            given: 0,
        }
    }

    /// The source inside.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.source
    }
}

impl<S: FrameSource> FrameSource for Bounded<S> {
    type Error = S::Error;

    fn poll_frame(&mut self) -> Result<Next<'_>, S::Error> {
        if self.count.is_some_and(|c| self.given >= c) {
            return Ok(Next::End);
        }
        if self.seconds.is_some_and(|d| {
            self.started.elapsed() >= std::time::Duration::from_secs_f64(d.max(0.0))
        }) {
            return Ok(Next::End);
        }
        let next = self.source.poll_frame()?;
        if matches!(next, Next::Frame(_)) {
            self.given += 1;
        }
        Ok(next)
    }

    fn interrupted(&self) -> bool {
        self.source.interrupted()
    }

    fn format_name(&self) -> String {
        self.source.format_name()
    }

    fn interface_count(&self) -> usize {
        self.source.interface_count()
    }

    fn skipped_blocks(&self) -> u64 {
        self.source.skipped_blocks()
    }
}

/// What kind of capture is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pcap { nanosecond: bool, big_endian: bool },
    PcapNg,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Pcap {
                nanosecond,
                big_endian,
            } => write!(
                f,
                "pcap ({}-endian, {}second timestamps)",
                if *big_endian { "big" } else { "little" },
                if *nanosecond { "nano" } else { "micro" }
            ),
            Format::PcapNg => f.write_str("pcapng"),
        }
    }
}

/// An interface described by a pcapng IDB (or the single one of a pcap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub section: u32,
    pub linktype: u32,
    pub snaplen: u32,
    pub name: Option<String>,
    /// Timestamp units per second.
    pub ts_resolution: u64,
    /// Seconds added to every timestamp (if_tsoffset).
    pub ts_offset: i64,
}

/// Failures while reading a capture. Each names the byte offset in the
/// input where the problem starts; the caller adds the file name.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Not a `#[source]`: the message already says it, and a chain of
    /// causes would say it twice.
    #[error("cannot read: {0}")]
    Io(io::Error),
    #[error("reading failed after byte offset {offset}: {message}")]
    ReadFailed { offset: u64, message: String },
    #[error("the gzip stream is damaged or cut short ({message}); the decompressed capture ends at byte offset {offset}")]
    Gzip { offset: u64, message: String },
    #[error("the capture ends at byte offset {offset}, inside its {what} of {need} bytes (the file is truncated)")]
    TruncatedHeader {
        offset: u64,
        what: &'static str,
        need: usize,
    },
    #[error("corrupt record length at byte offset {offset}: the {what} claims {length} bytes, more than the {limit} any real frame needs")]
    CorruptLength {
        offset: u64,
        what: &'static str,
        length: u64,
        limit: usize,
    },
    #[error("interrupted before any capture data arrived")]
    Interrupted,
    #[error("the input is empty (0 bytes)")]
    Empty,
    #[error("{what}-compressed data; decompress it first (for example `{hint}`)")]
    Compressed {
        what: &'static str,
        hint: &'static str,
    },
    #[error("not a pcap or pcapng capture: the first bytes are {magic} ({guess})")]
    NotACapture { magic: String, guess: &'static str },
    #[error(
        "the capture ends in the middle of a block at byte offset {offset} (the file is truncated)"
    )]
    Truncated { offset: u64 },
    #[error("corrupt block at byte offset {offset}: {reason}")]
    Corrupt { offset: u64, reason: String },
}

impl From<io::Error> for CaptureError {
    fn from(e: io::Error) -> CaptureError {
        CaptureError::Io(e)
    }
}

fn read_failure(e: io::Error, offset: u64, compressed: bool) -> CaptureError {
    if compressed {
        CaptureError::Gzip {
            offset,
            message: e.to_string(),
        }
    } else {
        CaptureError::ReadFailed {
            offset,
            message: e.to_string(),
        }
    }
}

fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Counters for what the reader skipped rather than failed on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// pcapng blocks that carry no packet (name resolution, statistics,
    /// custom, unknown types), skipped.
    pub skipped_blocks: u64,
    /// Packets naming an interface that no IDB described; skipped.
    pub orphan_packets: u64,
    /// Sections (pcapng SHBs) seen.
    pub sections: u32,
}

/// A streaming reader of pcap or pcapng data.
pub struct CaptureReader {
    inner: Box<dyn PcapReaderIterator + Send>,
    buffer_size: usize,
    state: ReaderState,
    input: Arc<InputState>,
    /// The input is gzip-compressed.
    compressed: bool,
    piped: bool,
}

struct ReaderState {
    format: Format,
    /// All interfaces seen, across sections.
    interfaces: Vec<Interface>,
    /// Index in `interfaces` where the current section's IDBs start.
    section_start: usize,
    /// The pcap header's link type and timestamp scale.
    legacy: Option<(u32, u32)>,
    /// The byte order of the current pcapng section.
    ng_big_endian: bool,
    frames: u64,
    buf: Vec<u8>,
    stats: ReaderStats,
    /// Metadata of the frame now in `buf`.
    pending: Option<PendingFrame>,
}

#[derive(Clone, Copy)]
struct PendingFrame {
    ts_sec: i64,
    ts_nsec: u32,
    interface: u32,
    linktype: u32,
    caplen: u32,
    len: u32,
}

impl CaptureReader {
    /// Opens a file, or standard input when `path` is `-`. Pipes (and
    /// anything else that is not a regular file) are read on a thread of
    /// their own, so that each record is decoded when it is complete and
    /// reading can stop on SIGINT or SIGTERM.
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        let input = Arc::new(InputState::default());
        let source = if path.as_os_str() == "-" {
            if is_regular("/dev/stdin".as_ref()) {
                Source::direct(Box::new(io::stdin()), input.clone())
            } else {
                Source::piped(io::stdin(), input.clone())
            }
        } else {
            if path.is_dir() {
                return Err(CaptureError::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "it is a directory, not a capture file",
                )));
            }
            let file = File::open(path)?;
            if file.metadata().is_ok_and(|m| m.is_file()) {
                Source::direct(Box::new(file), input.clone())
            } else {
                Source::piped(file, input.clone())
            }
        };
        let piped = source.is_piped();
        let mut reader = CaptureReader::from_source(source, input)?;
        reader.piped = piped;
        Ok(reader)
    }

    /// Reads a capture from any byte stream, directly.
    pub fn new<R: Read + Send + 'static>(reader: R) -> Result<CaptureReader, CaptureError> {
        let input = Arc::new(InputState::default());
        CaptureReader::from_source(Source::direct(Box::new(reader), input.clone()), input)
    }

    fn from_source(
        mut source: Source,
        input: Arc<InputState>,
    ) -> Result<CaptureReader, CaptureError> {
        let mut magic = [0u8; 2];
        let n = read_up_to(&mut source, &mut magic)?;
        let front = Cursor::new(magic[..n].to_vec()).chain(source);
        // A gzip-compressed capture (tcpdump -w - | gzip) is decompressed
        // as a stream; offsets in errors are then offsets in the
        // decompressed capture.
        if magic[..n] == [0x1f, 0x8b] {
            let inflated = flate2::read::MultiGzDecoder::new(front);
            let stream = Box::new(Guarded::new(inflated, input.clone()));
            return CaptureReader::from_stream(stream, input, true);
        }
        let stream = Box::new(Guarded::new(front, input.clone()));
        CaptureReader::from_stream(stream, input, false)
    }

    /// Reads the file header (the pcap header, or the whole pcapng section
    /// header block) and no more before the first frame is asked for.
    fn from_stream(
        mut stream: Box<dyn Read + Send>,
        input: Arc<InputState>,
        compressed: bool,
    ) -> Result<CaptureReader, CaptureError> {
        let fill = |stream: &mut Box<dyn Read + Send>, head: &mut Vec<u8>, to: usize| {
            let at = head.len();
            if to > at {
                head.resize(to, 0);
                let n = read_up_to(stream, &mut head[at..]).unwrap_or(0);
                head.truncate(at + n);
            }
        };
        let ended = |input: &InputState, offset: u64| match input.take_failure() {
            Some(e) => Some(read_failure(e, offset, compressed)),
            None if input.interrupted() => Some(CaptureError::Interrupted),
            None => None,
        };
        let mut head = Vec::with_capacity(64);
        fill(&mut stream, &mut head, 4);
        if head.is_empty() {
            return Err(ended(&input, 0).unwrap_or(CaptureError::Empty));
        }
        let (what, need) = if head.starts_with(&PCAPNG_MAGIC) {
            fill(&mut stream, &mut head, 12);
            pcapng_header_len(&head)?
        } else if PCAP_MAGICS.iter().any(|m| head.starts_with(m)) {
            ("pcap file header", 24)
        } else {
            fill(&mut stream, &mut head, 256);
            if let Some(e) = ended(&input, head.len() as u64) {
                return Err(e);
            }
            return Err(sniff(&head));
        };
        fill(&mut stream, &mut head, need);
        if head.len() < need {
            let offset = head.len() as u64;
            return Err(
                ended(&input, offset).unwrap_or(CaptureError::TruncatedHeader {
                    offset,
                    what,
                    need,
                }),
            );
        }
        let stream = Cursor::new(head).chain(stream);
        let inner = match pcap_parser::create_reader(INITIAL_BUFFER, stream) {
            Ok(r) => r,
            Err(e) => {
                return Err(CaptureError::Corrupt {
                    offset: 0,
                    reason: format!("the {what} cannot be parsed ({})", describe_parse_error(&e)),
                })
            }
        };
        Ok(CaptureReader {
            inner,
            buffer_size: INITIAL_BUFFER,
            input,
            compressed,
            piped: false,
            state: ReaderState {
                format: Format::PcapNg,
                interfaces: Vec::new(),
                section_start: 0,
                legacy: None,
                ng_big_endian: false,
                frames: 0,
                buf: Vec::new(),
                stats: ReaderStats::default(),
                pending: None,
            },
        })
    }

    /// True when the input is a pipe or another stream that is not a
    /// regular file (output should then be flushed per frame).
    pub fn is_piped(&self) -> bool {
        self.piped
    }

    /// True when reading ended because SIGINT or SIGTERM arrived.
    pub fn interrupted(&self) -> bool {
        self.input.interrupted()
    }

    /// What the input says of itself: bytes read from the file or pipe
    /// (for gzip, the compressed bytes), and why it ended.
    pub fn input_state(&self) -> Arc<InputState> {
        self.input.clone()
    }

    /// Why the input ended before its data did, if it did.
    fn ended_early(&self, offset: u64) -> Option<CaptureError> {
        self.input
            .take_failure()
            .map(|e| read_failure(e, offset, self.compressed))
    }

    /// A record or block header whose length no real frame has, caught
    /// before waiting for (or failing to find) that many bytes.
    fn check_length(&self, offset: u64) -> Result<(), CaptureError> {
        let data = self.inner.data();
        let word = |at: usize, big: bool| -> Option<u32> {
            let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
            Some(if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        };
        match self.state.format {
            Format::Pcap { big_endian, .. } => {
                if let Some(caplen) = word(8, big_endian) {
                    if caplen as usize > MAX_FRAME {
                        return Err(CaptureError::CorruptLength {
                            offset,
                            what: "pcap record",
                            length: caplen.into(),
                            limit: MAX_FRAME,
                        });
                    }
                }
            }
            Format::PcapNg => {
                let big = self.state.ng_big_endian;
                if let (Some(kind), Some(len)) = (word(0, big), word(4, big)) {
                    let bad = len < 12 || len % 4 != 0 || len as usize > MAX_BLOCK;
                    if kind != 0x0A0D_0D0A && bad {
                        return Err(CaptureError::CorruptLength {
                            offset,
                            what: "pcapng block",
                            length: len.into(),
                            limit: MAX_BLOCK,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    pub fn format(&self) -> Format {
        self.state.format
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.state.interfaces
    }

    pub fn stats(&self) -> &ReaderStats {
        &self.state.stats
    }

    /// Bytes of input consumed so far.
    pub fn offset(&self) -> u64 {
        self.inner.consumed() as u64
    }

    /// The next frame, `None` at the end of the input.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        loop {
            let offset = self.inner.consumed() as u64;
            match self.inner.next() {
                Ok((size, block)) => {
                    let got = self.state.take_block(block, offset)?;
                    // The buffer is compacted only when a block runs past
                    // its end (refill), which moves a part of one block,
                    // rather than whenever half of it has been read.
                    self.inner.consume_noshift(size);
                    if got {
                        break;
                    }
                }
                Err(PcapError::Eof) => {
                    return match self.ended_early(offset) {
                        Some(e) => Err(e),
                        None => Ok(None),
                    }
                }
                Err(PcapError::Incomplete(_)) => {
                    self.check_length(offset)?;
                    self.refill(offset)?;
                }
                Err(PcapError::BufferTooSmall) => {
                    self.check_length(offset)?;
                    let grown = self.buffer_size * 2;
                    if grown > MAX_BLOCK * 2 || !self.inner.grow(grown) {
                        return Err(CaptureError::Corrupt {
                            offset,
                            reason: format!(
                                "the block claims more than {} MiB, more than any real frame",
                                MAX_BLOCK >> 20
                            ),
                        });
                    }
                    self.buffer_size = grown;
                    self.refill(offset)?;
                }
                Err(PcapError::UnexpectedEof) => {
                    self.check_length(offset)?;
                    return match self.ended_early(offset) {
                        Some(e) => Err(e),
                        None if self.input.interrupted() => Ok(None),
                        None => Err(CaptureError::Truncated { offset }),
                    };
                }
                Err(PcapError::ReadError) => {
                    return Err(CaptureError::Io(io::Error::other(format!(
                        "read error at byte offset {offset}"
                    ))))
                }
                Err(e) => {
                    return Err(CaptureError::Corrupt {
                        offset,
                        reason: describe_parse_error(&e),
                    })
                }
            }
        }
        let p = self.state.pending.expect("a frame was just stored");
        self.state.frames += 1;
        Ok(Some(Frame {
            index: self.state.frames,
            ts_sec: p.ts_sec,
            ts_nsec: p.ts_nsec,
            interface: p.interface,
            linktype: p.linktype,
            caplen: p.caplen,
            len: p.len,
            data: &self.state.buf,
        }))
    }

    fn refill(&mut self, offset: u64) -> Result<(), CaptureError> {
        self.inner.refill().map_err(|e| match e {
            PcapError::ReadError => CaptureError::Io(io::Error::other(format!(
                "read error after byte offset {offset}"
            ))),
            other => CaptureError::Corrupt {
                offset,
                reason: describe_parse_error(&other),
            },
        })
    }
}

fn describe_parse_error(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("malformed block ({kind:?})")
        }
        PcapError::HeaderNotRecognized => "unrecognised block header".to_string(),
        other => other.to_string(),
    }
}

impl ReaderState {
    /// Takes one block; returns true when it held a frame, now in `buf`.
    fn take_block(&mut self, block: PcapBlockOwned<'_>, offset: u64) -> Result<bool, CaptureError> {
        match block {
            PcapBlockOwned::LegacyHeader(h) => {
                let nanosecond = h.is_nanosecond_precision();
                self.format = Format::Pcap {
                    nanosecond,
                    big_endian: h.is_bigendian(),
                };
                // The upper bits carry the FCS length and its flag (the
                // pcap file format, "LinkType and additional information"):
                // the link type is the rest, as libpcap's LT_LINKTYPE.
                let linktype = h.network.0 as u32 & 0x03ff_ffff;
                self.legacy = Some((linktype, if nanosecond { 1 } else { 1000 }));
                self.interfaces.push(Interface {
                    section: 0,
                    linktype,
                    snaplen: h.snaplen,
                    name: None,
                    ts_resolution: if nanosecond { 1_000_000_000 } else { 1_000_000 },
                    ts_offset: 0,
                });
                Ok(false)
            }
            PcapBlockOwned::Legacy(b) => {
                let (linktype, scale) = self.legacy.unwrap_or((1, 1000));
                // The fraction field counts micro- or nanoseconds; a value
                // beyond one second is carried into the seconds.
                let frac_ns = u64::from(b.ts_usec) * u64::from(scale);
                self.store(
                    PendingFrame {
                        ts_sec: i64::from(b.ts_sec) + (frac_ns / 1_000_000_000) as i64,
                        ts_nsec: (frac_ns % 1_000_000_000) as u32,
                        interface: 0,
                        linktype,
                        caplen: b.caplen,
                        len: b.origlen,
                    },
                    b.data,
                );
                Ok(true)
            }
            PcapBlockOwned::NG(block) => self.take_ng_block(block, offset),
        }
    }

    fn take_ng_block(&mut self, block: Block<'_>, offset: u64) -> Result<bool, CaptureError> {
        match block {
            Block::SectionHeader(shb) => {
                self.format = Format::PcapNg;
                self.ng_big_endian = shb.big_endian();
                self.stats.sections += 1;
                self.section_start = self.interfaces.len();
                Ok(false)
            }
            Block::InterfaceDescription(idb) => {
                let ts_resolution = idb.ts_resolution().ok_or(CaptureError::Corrupt {
                    offset,
                    reason: format!(
                        "interface timestamp resolution {:#x} is invalid",
                        idb.if_tsresol
                    ),
                })?;
                self.interfaces.push(Interface {
                    section: self.stats.sections.saturating_sub(1),
                    linktype: idb.linktype.0 as u32,
                    snaplen: idb.snaplen,
                    name: idb.if_name().and_then(|r| r.ok()).map(str::to_owned),
                    ts_resolution,
                    ts_offset: idb.ts_offset(),
                });
                Ok(false)
            }
            Block::EnhancedPacket(epb) => {
                let Some(iface) = self.interfaces[self.section_start..].get(epb.if_id as usize)
                else {
                    self.stats.orphan_packets += 1;
                    return Err(CaptureError::Corrupt {
                        offset,
                        reason: format!(
                            "packet block names interface {} but the section describes {}",
                            epb.if_id,
                            self.interfaces.len() - self.section_start
                        ),
                    });
                };
                let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let res = iface.ts_resolution.max(1);
                let secs = (units / res) as i64 + iface.ts_offset;
                let frac_ns = ((u128::from(units % res) * 1_000_000_000) / u128::from(res)) as u32;
                let pending = PendingFrame {
                    ts_sec: secs,
                    ts_nsec: frac_ns,
                    interface: epb.if_id,
                    linktype: iface.linktype,
                    caplen: epb.caplen,
                    len: epb.origlen,
                };
                self.store(pending, epb.data);
                Ok(true)
            }
            Block::SimplePacket(spb) => {
                // An SPB belongs to the section's first interface and has
                // no timestamp (pcapng §4.4).
                let Some(iface) = self.interfaces.get(self.section_start) else {
                    self.stats.orphan_packets += 1;
                    return Err(CaptureError::Corrupt {
                        offset,
                        reason: "simple packet block before any interface description".into(),
                    });
                };
                let caplen = (spb.data.len() as u32).min(spb.origlen);
                let pending = PendingFrame {
                    ts_sec: 0,
                    ts_nsec: 0,
                    interface: 0,
                    linktype: iface.linktype,
                    caplen,
                    len: spb.origlen,
                };
                let data = &spb.data[..caplen as usize];
                self.store(pending, data);
                Ok(true)
            }
            _ => {
                self.stats.skipped_blocks += 1;
                Ok(false)
            }
        }
    }

    fn store(&mut self, meta: PendingFrame, data: &[u8]) {
        // pcapng pads packet data to 32 bits; keep only what caplen says.
        let keep = data.len().min(meta.caplen as usize);
        self.buf.clear();
        self.buf.extend_from_slice(&data[..keep]);
        self.pending = Some(PendingFrame {
            caplen: keep as u32,
            ..meta
        });
    }
}

/// Classic pcap magics (pcap-savefile §3, and the variant of Alexey
/// Kuznetzov's patched libpcap).
const PCAP_MAGICS: [[u8; 4]; 5] = [
    [0xd4, 0xc3, 0xb2, 0xa1], // microsecond, little-endian
    [0xa1, 0xb2, 0xc3, 0xd4], // microsecond, big-endian
    [0x4d, 0x3c, 0xb2, 0xa1], // nanosecond, little-endian
    [0xa1, 0xb2, 0x3c, 0x4d], // nanosecond, big-endian
    [0x34, 0xcd, 0xb2, 0xa1], // Kuznetzov's modified pcap
];
/// The block type of a pcapng section header block.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// The length of the pcapng section header block starting `head` (its
/// first 12 bytes, or fewer when the input ends sooner): the
/// byte-order magic says how to read the length.
fn pcapng_header_len(head: &[u8]) -> Result<(&'static str, usize), CaptureError> {
    const WHAT: &str = "pcapng section header block";
    if head.len() < 12 {
        // Too short to know its length: the minimum one is reported.
        return Ok((WHAT, 28));
    }
    let len: [u8; 4] = head[4..8].try_into().expect("4 bytes");
    let len = match head[8..12] {
        [0x4d, 0x3c, 0x2b, 0x1a] => u32::from_le_bytes(len),
        [0x1a, 0x2b, 0x3c, 0x4d] => u32::from_be_bytes(len),
        _ => {
            return Err(CaptureError::Corrupt {
                offset: 8,
                reason: format!(
                    "the {WHAT}'s byte-order magic is {}, not 1a2b3c4d in either order",
                    hex(&head[8..12])
                ),
            })
        }
    };
    if len < 28 || len % 4 != 0 || len as usize > MAX_BLOCK {
        return Err(CaptureError::CorruptLength {
            offset: 0,
            what: WHAT,
            length: len.into(),
            limit: MAX_BLOCK,
        });
    }
    Ok((WHAT, len as usize))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Says what the first bytes of something that is not a capture look like.
fn sniff(head: &[u8]) -> CaptureError {
    if head.len() < 4 {
        return CaptureError::TruncatedHeader {
            offset: head.len() as u64,
            what: "file header",
            need: 4,
        };
    }
    let compressed = [
        (&[0x28, 0xb5, 0x2f, 0xfd][..], "zstd", "zstd -d FILE"),
        (&[0xfd, b'7', b'z', b'X', b'Z'][..], "xz", "xz -dk FILE"),
        (&[b'B', b'Z', b'h'][..], "bzip2", "bunzip2 -k FILE"),
        (&[0x04, 0x22, 0x4d, 0x18][..], "lz4", "lz4 -d FILE"),
    ];
    for (magic, what, hint) in compressed {
        if head.starts_with(magic) {
            return CaptureError::Compressed { what, hint };
        }
    }
    let guess = if head.starts_with(b"PK\x03\x04") {
        "a zip archive"
    } else if head.starts_with(b"\x7fELF") {
        "an executable"
    } else if head.starts_with(b"%PDF") {
        "a PDF document"
    } else if head.starts_with(b"\x89PNG") {
        "a PNG image"
    } else if looks_like_text(head) {
        "text, not a capture (perhaps tcpdump or tshark output rather than a file written with -w)"
    } else {
        "unknown binary data"
    };
    CaptureError::NotACapture {
        magic: hex(&head[..4]),
        guess,
    }
}

/// UTF-8 (a character cut at the end allowed, a BOM allowed) without
/// control characters other than tab, CR, LF and form feed.
fn looks_like_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > head.len() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_header(magic: [u8; 4], linktype: u32) -> Vec<u8> {
        let mut h = magic.to_vec();
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(&65535u32.to_le_bytes());
        h.extend_from_slice(&linktype.to_le_bytes());
        h
    }

    #[test]
    fn empty_input_is_an_error() {
        assert!(matches!(
            CaptureReader::new(Cursor::new(Vec::new())),
            Err(CaptureError::Empty)
        ));
    }

    #[test]
    fn gzip_is_named() {
        let e = CaptureReader::new(Cursor::new(vec![0x1f, 0x8b, 8, 0, 0, 0]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("gzip"), "{e}");
    }

    #[test]
    fn text_is_named() {
        let e = CaptureReader::new(Cursor::new(
            b"12:00:01.000 IP 192.0.2.1 > 192.0.2.2".to_vec(),
        ))
        .err()
        .unwrap();
        let s = e.to_string();
        assert!(s.contains("31 32 3a 30") && s.contains("text"), "{s}");
    }

    #[test]
    fn header_only_pcap_has_no_frames() {
        let h = pcap_header([0xd4, 0xc3, 0xb2, 0xa1], 1);
        let mut r = CaptureReader::new(Cursor::new(h)).unwrap();
        assert!(r.next_frame().unwrap().is_none());
        assert_eq!(
            r.format(),
            Format::Pcap {
                nanosecond: false,
                big_endian: false
            }
        );
    }

    #[test]
    fn frame_length_beyond_any_real_frame_is_corrupt_not_an_allocation() {
        let mut f = pcap_header([0xd4, 0xc3, 0xb2, 0xa1], 1);
        f.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        f.extend_from_slice(&u32::MAX.to_le_bytes());
        f.extend_from_slice(&u32::MAX.to_le_bytes());
        f.extend_from_slice(&[0u8; 64]);
        let mut r = CaptureReader::new(Cursor::new(f)).unwrap();
        let e = r.next_frame().expect_err("an error");
        assert!(
            matches!(
                e,
                CaptureError::CorruptLength {
                    offset: 24,
                    length: 0xffff_ffff,
                    ..
                }
            ),
            "{e}"
        );
    }
}
