//! Capture → decode → flow, frame by frame, into a sink; and the counts
//! that make the closing summary. One loop, [`run_source`], serves every
//! [`FrameSource`]: a file, standard input, a live capture.

use crate::capture::{linktype, CaptureError, CaptureReader, Frame, FrameSource, Next};
use crate::decode::{decode_frame_with, Packet};
use crate::flow::{FlowStats, Tracker};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a run read, for the closing summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// "pcap (…)" or "pcapng".
    pub format: String,
    pub frames: u64,
    /// Bytes on the wire, summed.
    pub bytes: u64,
    pub first_ts: Option<f64>,
    pub last_ts: Option<f64>,
    /// Frames per link type name.
    pub linktypes: BTreeMap<String, u64>,
    /// Frames of link types that are not decoded, per link type name.
    pub unsupported_linktypes: BTreeMap<String, u64>,
    pub frames_with_errors: u64,
    pub truncated_frames: u64,
    pub interfaces: usize,
    pub skipped_blocks: u64,
    pub flow: FlowStats,
    /// Set when reading stopped before the end of the input: at the
    /// frame count asked for, or on SIGINT or SIGTERM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// Set when reading stopped at damaged input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Names of the link types seen so far, so that counting a frame
    /// allocates nothing.
    #[serde(skip)]
    names: Vec<(u32, String)>,
}

/// Why reading stopped before the input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// `-c N` frames were read.
    Count,
    /// SIGINT or SIGTERM arrived.
    Signal,
}

/// Adds one to `map[key]`, allocating the key only the first time.
fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

/// Decodes one frame, its IP fragments reassembled by the tracker's
/// reassembler, and runs it through the conversation tracker.
pub fn decode_and_track(frame: &Frame, tracker: &mut Tracker) -> Packet {
    let mut defrag = tracker.take_defragmenter();
    let decoded = decode_frame_with(frame, &mut defrag);
    let mut packet = decoded.packet;
    let ts_ns = frame
        .ts_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(frame.ts_nsec));
    tracker.process_at(&mut packet, decoded.payload, ts_ns);
    tracker.restore_defragmenter(defrag);
    packet
}

impl Summary {
    /// Counts one decoded frame.
    pub(crate) fn account(&mut self, packet: &Packet) {
        self.frames += 1;
        self.bytes += u64::from(packet.len);
        if packet.ts != 0.0 {
            self.first_ts.get_or_insert(packet.ts);
            self.last_ts = Some(self.last_ts.map_or(packet.ts, |t: f64| t.max(packet.ts)));
        }
        let lt = packet.linktype;
        let at = match self.names.iter().position(|(t, _)| *t == lt) {
            Some(i) => i,
            None => {
                self.names.push((lt, linktype::name(lt)));
                self.names.len() - 1
            }
        };
        let name = &self.names[at].1;
        if !linktype::is_supported(lt) {
            count(&mut self.unsupported_linktypes, name);
        }
        count(&mut self.linktypes, name);
        if !packet.errors.is_empty() {
            self.frames_with_errors += 1;
        }
        if packet.truncated {
            self.truncated_frames += 1;
        }
    }

    pub fn duration(&self) -> f64 {
        match (self.first_ts, self.last_ts) {
            (Some(a), Some(b)) => (b - a).max(0.0),
            _ => 0.0,
        }
    }
}

/// What stopped a run early.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E = CaptureError> {
    /// The input is damaged (or the source failed); frames before the
    /// damage were delivered.
    #[error("{0}")]
    Capture(E),
    /// The sink refused a packet (for example, a closed pipe).
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<CaptureError> for RunError {
    fn from(e: CaptureError) -> RunError {
        RunError::Capture(e)
    }
}

/// Where the pipeline hands each decoded frame.
pub trait Sink {
    /// Takes one frame and its decoding; an error stops the run.
    fn frame(&mut self, frame: &Frame, packet: &Packet) -> std::io::Result<()>;

    /// Called after every wait for a frame, whether one came or not (a
    /// live capture's idle timer runs here).
    fn tick(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A closure as a [`Sink`].
struct EachFrame<F>(F);

impl<F> Sink for EachFrame<F>
where
    F: FnMut(&Frame, &Packet) -> std::io::Result<()>,
{
    fn frame(&mut self, frame: &Frame, packet: &Packet) -> std::io::Result<()> {
        (self.0)(frame, packet)
    }
}

/// Reads every frame (or the first `count`), decodes it, runs it through
/// the tracker and hands it to `sink`. The summary is returned even when
/// reading stopped at damaged input; the error says where.
pub fn run<F>(
    reader: &mut CaptureReader,
    tracker: &mut Tracker,
    count: Option<u64>,
    mut sink: F,
) -> (Summary, Option<RunError>)
where
    F: FnMut(&Packet) -> std::io::Result<()>,
{
    run_frames(reader, tracker, count, |_, p| sink(p))
}

/// As [`run`], with the captured frame beside its decoding (for filters
/// that read the raw bytes, such as BPF).
pub fn run_frames<F>(
    reader: &mut CaptureReader,
    tracker: &mut Tracker,
    count: Option<u64>,
    sink: F,
) -> (Summary, Option<RunError>)
where
    F: FnMut(&Frame, &Packet) -> std::io::Result<()>,
{
    run_source(reader, tracker, count, &mut EachFrame(sink))
}

/// The pipeline on any frame source: until the source ends, `count`
/// frames were read, or SIGINT or SIGTERM arrived, each frame is decoded,
/// tracked, counted and handed to `sink`.
pub fn run_source<S, K>(
    source: &mut S,
    tracker: &mut Tracker,
    count: Option<u64>,
    sink: &mut K,
) -> (Summary, Option<RunError<S::Error>>)
where
    S: FrameSource + ?Sized,
    K: Sink + ?Sized,
{
    let mut s = Summary::default();
    let mut failure = None;
    loop {
        if count.is_some_and(|c| s.frames >= c) {
            s.stopped = Some(Stopped::Count);
            break;
        }
        if crate::capture::input::stop_requested() {
            s.stopped = Some(Stopped::Signal);
            break;
        }
        match source.poll_frame() {
            Ok(Next::Frame(frame)) => {
                let packet = decode_and_track(&frame, tracker);
                s.account(&packet);
                if let Err(e) = sink.frame(&frame, &packet) {
                    failure = Some(RunError::Output(e));
                    break;
                }
            }
            Ok(Next::Idle) => {}
            Ok(Next::End) => {
                if source.interrupted() {
                    s.stopped = Some(Stopped::Signal);
                }
                break;
            }
            Err(e) => {
                s.error = Some(e.to_string());
                failure = Some(RunError::Capture(e));
                break;
            }
        }
        if let Err(e) = sink.tick() {
            failure = Some(RunError::Output(e));
            break;
        }
    }
    s.format = source.format_name();
    s.skipped_blocks = source.skipped_blocks();
    s.interfaces = source.interface_count();
    s.flow = tracker.stats().clone();
    (s, failure)
}
