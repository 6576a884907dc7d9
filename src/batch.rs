//! Many captures at once: one output per input in a directory (with an
//! index for `explain`), in parallel on a pool of workers, or several
//! files read as one capture merged by timestamp.
//!
//! Each worker handles one capture at a time with the same bounds as a
//! single run (the tracker's [`Limits`], the explainer's evidence bound),
//! so N workers hold at most N times what one run holds.

use crate::capture::{CaptureError, CaptureReader, Frame};
use crate::decode::Packet;
use crate::explain::{Explainer, Options, Status, Story};
use crate::export::{self, capture_name, HttpTimes};
use crate::flow::conversations::Conversations;
use crate::flow::{Limits, Tracker};
use crate::notes::{Lang, Notes};
use crate::pipeline::{self, decode_and_track, RunError, Summary};
use crate::render::{self, html, json, story, text};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Capture { path: PathBuf, source: CaptureError },
    #[error("two inputs are both named {0}: their outputs would overwrite each other")]
    SameName(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Output format of a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryFormat {
    Text,
    Json,
    Md,
    Html,
}

impl StoryFormat {
    pub fn extension(self) -> &'static str {
        match self {
            StoryFormat::Text => "txt",
            StoryFormat::Json => "json",
            StoryFormat::Md => "md",
            StoryFormat::Html => "html",
        }
    }
}

/// What is made of each capture.
#[derive(Clone)]
pub enum Job {
    Packets {
        verbose: bool,
        json: bool,
        /// The language of the meanings.
        lang: Lang,
    },
    Conversations {
        json: bool,
        /// Rows kept in each table.
        max_rows: usize,
    },
    Explain {
        format: StoryFormat,
        brief: bool,
        options: Options,
        notes: Notes,
    },
}

impl Job {
    pub fn extension(&self) -> &'static str {
        match self {
            Job::Packets { json: true, .. } | Job::Conversations { json: true, .. } => "json",
            Job::Packets { .. } | Job::Conversations { .. } => "txt",
            Job::Explain { format, .. } => format.extension(),
        }
    }
}

/// Whether `-o` names a directory: one that exists, or a path ending in `/`.
pub fn is_dir_target(o: &Path) -> bool {
    o.is_dir()
        || o.as_os_str()
            .to_string_lossy()
            .ends_with(std::path::MAIN_SEPARATOR)
        || o.as_os_str().to_string_lossy().ends_with('/')
}

/// The frame-number column's width for these captures read one after
/// the other: from their sizes (a gzip file's size times deflate's largest
/// ratio, 1,032), so the column never shifts mid-way; standard input and
/// anything else that is not a file keep the minimum.
pub fn frame_width_of(paths: &[PathBuf]) -> usize {
    let mut bytes = 0u64;
    for path in paths {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let mut magic = [0u8; 2];
        let gzip = File::open(path)
            .and_then(|mut f| io::Read::read_exact(&mut f, &mut magic))
            .is_ok()
            && magic == [0x1f, 0x8b];
        let size = if gzip {
            meta.len().saturating_mul(1032)
        } else {
            meta.len()
        };
        bytes = bytes.saturating_add(size);
    }
    text::frame_width(Some(bytes))
}

/// Consumes the packets of one run and renders what the job makes.
struct Sink {
    job: Job,
    style: text::LineStyle,
    explainer: Option<Explainer>,
    table: Conversations,
    times: HttpTimes,
    writer: json::PacketWriter,
    line: String,
    t0: Option<f64>,
}

impl Sink {
    fn new(job: &Job, inputs: &[PathBuf]) -> Sink {
        let explainer = match job {
            Job::Explain { options, notes, .. } => {
                Some(Explainer::new(options.clone(), notes.clone()))
            }
            _ => None,
        };
        let lang = match job {
            Job::Packets { lang, .. } => *lang,
            _ => Lang::En,
        };
        Sink {
            job: job.clone(),
            style: text::LineStyle {
                frame_width: frame_width_of(inputs),
                lang,
                ..text::LineStyle::default()
            },
            explainer,
            table: match job {
                Job::Conversations { max_rows, .. } => Conversations::with_max_rows(*max_rows),
                _ => Conversations::default(),
            },
            times: HttpTimes::default(),
            writer: json::PacketWriter::default(),
            line: String::new(),
            t0: None,
        }
    }

    fn packet(&mut self, p: &Packet, mut out: &mut dyn Write) -> io::Result<()> {
        match &self.job {
            Job::Packets { json: true, .. } => self.writer.write(p, &mut out),
            Job::Packets { verbose, .. } => {
                self.line.clear();
                let t0 = *self.t0.get_or_insert(p.ts);
                let style = &mut self.style;
                style.frame_width = style.frame_width.max(text::digits(p.frame));
                text::packet_line_styled(p, style, t0, &mut self.line);
                if *verbose {
                    text::packet_verbose(p, style.lang, &mut self.line);
                }
                out.write_all(self.line.as_bytes())
            }
            Job::Conversations { .. } => {
                self.table.observe(p);
                Ok(())
            }
            Job::Explain { .. } => {
                self.times.observe(p);
                if let Some(e) = &mut self.explainer {
                    e.observe(p);
                }
                Ok(())
            }
        }
    }

    /// Writes what is rendered at the end; returns the story of `explain`.
    fn finish(
        self,
        summary: &Summary,
        title: &str,
        out: &mut dyn Write,
    ) -> io::Result<Option<(Story, HttpTimes)>> {
        let mut s = String::new();
        match &self.job {
            Job::Packets { json: true, .. } => {}
            Job::Packets { .. } => {
                s.push('\n');
                text::summary(summary, &mut s);
            }
            Job::Conversations { json, .. } => {
                let rows: Vec<_> = self.table.rows().iter().collect();
                let mut not_listed = String::new();
                let max = self.table.max_rows();
                text::conversations_not_listed(&self.table.not_listed, max, &mut not_listed);
                if *json {
                    for r in &rows {
                        s.push_str(&json::to_string(r, false).map_err(io::Error::other)?);
                        s.push('\n');
                    }
                    // NDJSON holds rows only: the closing line goes to
                    // standard error, naming the capture.
                    if !not_listed.is_empty() {
                        eprint!("{title}: {not_listed}");
                    }
                } else {
                    text::conversations(&rows, summary.first_ts.unwrap_or(0.0), &mut s);
                    s.push_str(&not_listed);
                }
            }
            Job::Explain { format, brief, .. } => {
                let Some(e) = self.explainer else {
                    return Ok(None);
                };
                let mut st = e.story();
                drop(e);
                st.flow = Some(summary.flow.clone());
                match format {
                    StoryFormat::Text => story::text(&st, *brief, &mut s),
                    StoryFormat::Md => story::markdown(&st, &mut s),
                    StoryFormat::Json => {
                        s = json::to_string(&st, true).map_err(io::Error::other)?;
                        s.push('\n');
                    }
                    StoryFormat::Html => html::report(&st, title, &mut s),
                }
                out.write_all(s.as_bytes())?;
                return Ok(Some((st, self.times)));
            }
        }
        out.write_all(s.as_bytes())?;
        Ok(None)
    }
}

/// One page load of one capture, as the index shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IndexRow {
    pub host: String,
    pub start: f64,
    pub duration_ms: f64,
    pub ttfb_ms: Option<f64>,
    /// Each step's id and status.
    pub steps: Vec<(String, Status)>,
}

/// What became of one input.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub input: PathBuf,
    pub capture: String,
    /// The report, relative to the output directory, when one was written.
    pub output: Option<String>,
    pub frames: u64,
    /// Why the input could not be read, or where reading stopped.
    pub error: Option<String>,
    pub page_loads: Vec<IndexRow>,
}

fn index_rows(story: &Story, times: &HttpTimes) -> Vec<IndexRow> {
    story
        .page_loads
        .iter()
        .map(|pl| IndexRow {
            host: pl.host.clone(),
            start: pl.start,
            duration_ms: pl.duration_ms,
            ttfb_ms: export::ttfb_ms(pl, |f| times.ts(f)),
            steps: pl
                .steps
                .iter()
                .map(|s| (s.id.to_string(), s.status))
                .collect(),
        })
        .collect()
}

/// Shared progress over a whole batch: one bar on standard error (when it
/// is a terminal) over the bytes of every input.
pub struct BatchProgress {
    bar: Option<Bar>,
    files: usize,
    done: AtomicUsize,
}

/// The bar itself: indicatif's with the `cli` feature.
#[cfg(feature = "cli")]
struct Bar(indicatif::ProgressBar);

#[cfg(feature = "cli")]
impl Bar {
    fn new(total: u64) -> Bar {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}",
        ) {
            bar.set_style(style);
        }
        Bar(bar)
    }

    fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }

    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}

/// Without the `cli` feature the library draws nothing.
#[cfg(not(feature = "cli"))]
struct Bar;

#[cfg(not(feature = "cli"))]
impl Bar {
    fn new(_total: u64) -> Bar {
        Bar
    }

    fn inc(&self, _n: u64) {}

    fn set_message(&self, _message: String) {}

    fn finish_and_clear(&self) {}
}

impl BatchProgress {
    pub fn new(inputs: &[PathBuf], allowed: bool) -> BatchProgress {
        let total: u64 = inputs
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let bar = (allowed && io::stderr().is_terminal()).then(|| Bar::new(total));
        BatchProgress {
            bar,
            files: inputs.len(),
            done: AtomicUsize::new(0),
        }
    }

    /// Counts a frame's bytes (its record header approximated as 16).
    pub fn frame(&self, p: &Packet, local: &mut u64) {
        *local += u64::from(p.caplen) + 16;
        if p.frame % 4096 == 0 {
            if let Some(bar) = &self.bar {
                bar.inc(std::mem::take(local));
            }
        }
    }

    pub fn file_done(&self, local: u64) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(local);
            bar.set_message(format!("{n}/{} files", self.files));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The number of workers: one per core, at most one per input.
pub fn workers(inputs: usize) -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(inputs)
        .max(1)
}

/// Runs `job` on every input on `workers` threads, each taking the next
/// input when it is done with one; results in input order.
pub fn pool<T: Send>(
    inputs: &[PathBuf],
    workers: usize,
    job: impl Fn(&Path) -> T + Sync,
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..inputs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = inputs.get(i) else { break };
                let r = job(path);
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Refuses inputs whose outputs would share a name.
pub fn check_names(inputs: &[PathBuf]) -> Result<(), BatchError> {
    let mut seen = std::collections::BTreeSet::new();
    for p in inputs {
        let n = capture_name(p);
        if !seen.insert(n.clone()) {
            return Err(BatchError::SameName(n));
        }
    }
    Ok(())
}

/// One input of a batch, written to `dir/<capture>.<ext>`.
fn one(path: &Path, dir: &Path, job: &Job, limits: &Limits, progress: &BatchProgress) -> Outcome {
    let capture = capture_name(path);
    let mut outcome = Outcome {
        input: path.to_path_buf(),
        capture: capture.clone(),
        output: None,
        frames: 0,
        error: None,
        page_loads: Vec::new(),
    };
    let mut reader = match CaptureReader::open(path) {
        Ok(r) => r,
        Err(e) => {
            outcome.error = Some(e.to_string());
            progress.file_done(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
            return outcome;
        }
    };
    let name = format!("{capture}.{}", job.extension());
    let target = dir.join(&name);
    let result = (|| -> io::Result<Option<String>> {
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&target)?);
        let mut tracker = Tracker::new(limits.clone());
        crate::flow::decrypt::attach_embedded(&mut tracker, path).map_err(io::Error::other)?;
        let mut sink = Sink::new(job, &[path.to_path_buf()]);
        let mut local = 0u64;
        let (summary, failure) = pipeline::run(&mut reader, &mut tracker, None, |p| {
            progress.frame(p, &mut local);
            sink.packet(p, &mut out)
        });
        progress.file_done(local);
        drop(tracker);
        outcome.frames = summary.frames;
        let damaged = match failure {
            Some(RunError::Output(e)) => return Err(e),
            Some(RunError::Capture(e)) => Some(e.to_string()),
            None => None,
        };
        let title = format!("netexplain — {}", path.display());
        if let Some((st, times)) = sink.finish(&summary, &title, &mut out)? {
            outcome.page_loads = index_rows(&st, &times);
        }
        out.flush()?;
        Ok(damaged)
    })();
    match result {
        Ok(damaged) => {
            outcome.output = Some(name);
            outcome.error = damaged;
        }
        Err(e) => outcome.error = Some(format!("writing {}: {e}", target.display())),
    }
    outcome
}

/// Runs `job` on every input into `dir`, in parallel; for `explain`,
/// also writes the index. Returns what became of each input.
pub fn run(
    inputs: &[PathBuf],
    dir: &Path,
    job: &Job,
    limits: &Limits,
    workers: usize,
) -> Result<Vec<Outcome>, BatchError> {
    check_names(inputs)?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let progress = BatchProgress::new(
        inputs,
        !matches!(
            job,
            Job::Explain {
                format: StoryFormat::Json,
                ..
            }
        ),
    );
    let outcomes = pool(inputs, workers, |p| one(p, dir, job, limits, &progress));
    progress.finish();
    if let Job::Explain { format, .. } = job {
        write_index(dir, &outcomes, *format)?;
    }
    Ok(outcomes)
}

/// The steps shown as columns: every step id in order of first appearance.
fn step_columns(outcomes: &[Outcome]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in outcomes.iter().flat_map(|o| &o.page_loads) {
        for (id, _) in &r.steps {
            if !cols.contains(id) {
                cols.push(id.clone());
            }
        }
    }
    cols
}

fn status_name(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Observed) => "observed",
        Some(Status::Inferred) => "inferred",
        Some(Status::NotVisible) => "not_visible",
        // A step a load has no row for (DHCP, loss or WebSocket on a load
        // without them) does not apply to it, as TLS on plain http does not.
        Some(Status::NotApplicable) | None => "not_applicable",
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into())
}

/// Markdown table cell: terminal-safe, with `|` and brackets escaped.
fn md(s: &str) -> String {
    let mut out = String::new();
    for c in render::escape(s).chars() {
        if matches!(c, '|' | '[' | ']' | '<' | '>' | '`' | '*' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Writes `index.html`, `index.md` (text and Markdown) or `index.json`.
pub(crate) fn write_index(
    dir: &Path,
    outcomes: &[Outcome],
    format: StoryFormat,
) -> Result<PathBuf, BatchError> {
    let cols = step_columns(outcomes);
    let (name, body) = match format {
        StoryFormat::Json => {
            let v = serde_json::json!({ "steps": cols, "captures": outcomes });
            let mut s = json::to_string(&v, true).map_err(|e| BatchError::Io {
                path: dir.join("index.json"),
                source: io::Error::other(e),
            })?;
            s.push('\n');
            ("index.json", s)
        }
        StoryFormat::Html => ("index.html", index_html(outcomes, &cols)),
        StoryFormat::Text | StoryFormat::Md => ("index.md", index_md(outcomes, &cols)),
    };
    let path = dir.join(name);
    std::fs::write(&path, body).map_err(io_err(&path))?;
    Ok(path)
}

/// Rows of the index: a capture with no page load, or one that could not
/// be read, still has one row.
fn each_row(outcomes: &[Outcome]) -> impl Iterator<Item = (&Outcome, Option<&IndexRow>)> {
    outcomes.iter().flat_map(|o| {
        let rows: Vec<Option<&IndexRow>> = if o.page_loads.is_empty() {
            vec![None]
        } else {
            o.page_loads.iter().map(Some).collect()
        };
        rows.into_iter().map(move |r| (o, r))
    })
}

fn status_of(r: &IndexRow, id: &str) -> Option<Status> {
    r.steps.iter().find(|(s, _)| s == id).map(|(_, st)| *st)
}

fn note(o: &Outcome) -> String {
    match (&o.error, o.output.is_some()) {
        (Some(e), true) => format!(
            "damaged: {e}; the report covers the {} frame(s) before it",
            o.frames
        ),
        (Some(e), false) => format!("unreadable: {e}"),
        (None, _) => String::new(),
    }
}

fn index_md(outcomes: &[Outcome], cols: &[String]) -> String {
    let mut s =
        String::from("# netexplain — captures\n\n| capture | host | duration ms | TTFB ms |");
    for c in cols {
        s.push_str(&format!(" {} |", md(c)));
    }
    s.push_str(" note |\n|---|---|---|---|");
    s.push_str(&"---|".repeat(cols.len()));
    s.push_str("---|\n");
    for (o, r) in each_row(outcomes) {
        let cap = match &o.output {
            Some(f) => format!("[{}]({})", md(&o.capture), f.replace(' ', "%20")),
            None => md(&o.capture),
        };
        s.push_str(&format!("| {cap} |"));
        match r {
            Some(r) => {
                s.push_str(&format!(
                    " {} | {:.3} | {} |",
                    md(&r.host),
                    r.duration_ms,
                    ms(r.ttfb_ms)
                ));
                for c in cols {
                    s.push_str(&format!(" {} |", status_name(status_of(r, c))));
                }
            }
            None => {
                s.push_str(" no page load | — | — |");
                s.push_str(&" — |".repeat(cols.len()));
            }
        }
        s.push_str(&format!(" {} |\n", md(&note(o))));
    }
    s
}

fn index_html(outcomes: &[Outcome], cols: &[String]) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>netexplain — captures</title>\n<style>\
body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}\
.observed{background:#b7e1b0}.inferred{background:#fbe8a6}.not_visible{background:#d9d9d9}.not_applicable{background:#f0f0f0}\
.damaged,.unreadable{background:#f4b6b6}</style></head><body>\n\
<h1>netexplain — captures</h1>\n<table>\n<tr><th>capture</th><th>host</th><th>duration ms</th><th>TTFB ms</th>",
    );
    for c in cols {
        s.push_str(&format!("<th>{}</th>", html::html(c)));
    }
    s.push_str("<th>note</th></tr>\n");
    for (o, r) in each_row(outcomes) {
        let cap = match &o.output {
            Some(f) => format!(
                "<a href=\"{}\">{}</a>",
                html::html(f),
                html::html(&o.capture)
            ),
            None => html::html(&o.capture),
        };
        s.push_str(&format!("<tr><td>{cap}</td>"));
        match r {
            Some(r) => {
                s.push_str(&format!(
                    "<td>{}</td><td>{:.3}</td><td>{}</td>",
                    html::html(&r.host),
                    r.duration_ms,
                    ms(r.ttfb_ms)
                ));
                for c in cols {
                    let st = status_name(status_of(r, c));
                    s.push_str(&format!("<td class=\"{st}\">{st}</td>"));
                }
            }
            None => {
                s.push_str("<td>no page load</td><td>—</td><td>—</td>");
                s.push_str(&"<td>—</td>".repeat(cols.len()));
            }
        }
        let n = note(o);
        let class = if o.error.is_none() {
            ""
        } else if o.output.is_some() {
            " class=\"damaged\""
        } else {
            " class=\"unreadable\""
        };
        s.push_str(&format!("<td{class}>{}</td></tr>\n", html::html(&n)));
    }
    s.push_str("</table>\n</body></html>\n");
    s
}

/// A frame copied out of its reader, waiting for its turn in a merge.
struct Held {
    index: u64,
    ts_sec: i64,
    ts_nsec: u32,
    interface: u32,
    linktype: u32,
    caplen: u32,
    len: u32,
    data: Vec<u8>,
}

/// Several captures read as one, frame by frame in timestamp order (ties
/// in input order), like `mergecap`. Frames are numbered anew from 1; the
/// interfaces of each input follow those of the inputs before it.
pub(crate) struct Merged {
    paths: Vec<PathBuf>,
    readers: Vec<CaptureReader>,
    heads: Vec<Option<Held>>,
    base: Vec<u32>,
    next_index: u64,
}

impl Merged {
    pub fn open(paths: &[PathBuf]) -> Result<Merged, BatchError> {
        let mut m = Merged {
            paths: paths.to_vec(),
            readers: Vec::new(),
            heads: Vec::new(),
            base: Vec::new(),
            next_index: 1,
        };
        let mut base = 0u32;
        for (i, p) in paths.iter().enumerate() {
            let r = CaptureReader::open(p).map_err(|source| BatchError::Capture {
                path: p.clone(),
                source,
            })?;
            m.readers.push(r);
            m.heads.push(None);
            m.base.push(base);
            m.refill(i)?;
            base += m.readers[i].interfaces().len().max(1) as u32;
        }
        Ok(m)
    }

    fn refill(&mut self, i: usize) -> Result<(), BatchError> {
        let held = match self.readers[i].next_frame() {
            Ok(Some(f)) => Some(Held {
                index: f.index,
                ts_sec: f.ts_sec,
                ts_nsec: f.ts_nsec,
                interface: f.interface,
                linktype: f.linktype,
                caplen: f.caplen,
                len: f.len,
                data: f.data.to_vec(),
            }),
            Ok(None) => None,
            Err(source) => {
                return Err(BatchError::Capture {
                    path: self.paths[i].clone(),
                    source,
                })
            }
        };
        self.heads[i] = held;
        Ok(())
    }

    /// Runs every frame through the tracker into `sink`, as
    /// [`pipeline::run`] does for one file.
    pub fn run(
        &mut self,
        tracker: &mut Tracker,
        count: Option<u64>,
        mut sink: impl FnMut(&Packet) -> io::Result<()>,
    ) -> (Summary, Option<BatchError>) {
        let mut s = Summary::default();
        let mut failure = None;
        loop {
            if count.is_some_and(|c| s.frames >= c) {
                break;
            }
            let next = self
                .heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|h| (h.ts_sec, h.ts_nsec, i)))
                .min();
            let Some((_, _, i)) = next else { break };
            let Some(h) = self.heads[i].take() else { break };
            let _ = h.index;
            let frame = Frame {
                index: self.next_index,
                ts_sec: h.ts_sec,
                ts_nsec: h.ts_nsec,
                interface: self.base[i] + h.interface,
                linktype: h.linktype,
                caplen: h.caplen,
                len: h.len,
                data: &h.data,
            };
            self.next_index += 1;
            let packet = decode_and_track(&frame, tracker);
            s.account(&packet);
            if let Err(e) = sink(&packet) {
                failure = Some(BatchError::Io {
                    path: PathBuf::from("-"),
                    source: e,
                });
                break;
            }
            if let Err(e) = self.refill(i) {
                s.error = Some(e.to_string());
                failure = Some(e);
                break;
            }
        }
        s.format = match self.readers.as_slice() {
            [one] => match one.format() {
                crate::capture::Format::PcapNg => "pcapng".to_string(),
                f => f.to_string(),
            },
            _ => "merged".into(),
        };
        s.interfaces = self.readers.iter().map(|r| r.interfaces().len()).sum();
        s.skipped_blocks = self.readers.iter().map(|r| r.stats().skipped_blocks).sum();
        s.flow = tracker.stats().clone();
        (s, failure)
    }
}

/// Several captures as one merged capture, rendered by `job` to `out`.
/// Returns the summary and the error that stopped reading, if any.
pub fn merged(
    inputs: &[PathBuf],
    job: &Job,
    limits: &Limits,
    count: Option<u64>,
    out: &mut dyn Write,
) -> Result<(Summary, Option<BatchError>), BatchError> {
    let mut m = Merged::open(inputs)?;
    let mut tracker = Tracker::new(limits.clone());
    let mut sink = Sink::new(job, inputs);
    let (summary, failure) = m.run(&mut tracker, count, |p| sink.packet(p, out));
    if let Some(BatchError::Io { source, .. }) = failure {
        return Err(BatchError::Io {
            path: PathBuf::from("-"),
            source,
        });
    }
    drop(tracker);
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let title = format!("netexplain — {}", names.join(" + "));
    sink.finish(&summary, &title, out)
        .map_err(|source| BatchError::Io {
            path: PathBuf::from("-"),
            source,
        })?;
    Ok((summary, failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_target_exists_or_ends_in_a_slash() {
        assert!(is_dir_target(Path::new("reports/")));
        assert!(is_dir_target(&std::env::temp_dir()));
        assert!(!is_dir_target(Path::new("report.html")));
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_the_terminal() {
        assert_eq!(md("a|b [x](y)"), "a\\|b \\[x\\](y)");
        assert_eq!(md("\u{1b}[31m"), "\\x1b\\[31m");
    }
}
