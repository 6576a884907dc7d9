//! `export`: a capture as Apache Parquet tables, one file per table and
//! capture (`DIR/<table>/<capture>.parquet`), so that a directory of
//! exports is one dataset for DuckDB, Spark or Trino.
//!
//! Every row is read from the same JSON value the tool prints
//! (`packets`, `conversations`, `explain --format json`), so a row equals
//! the tool's own output. Rows are written in batches as frames arrive;
//! each file holds at most [`ROW_GROUP`] rows (or [`ROW_GROUP_BYTES`]
//! encoded bytes) in memory before a row group is written.

pub mod columns;
pub mod tables;

use crate::capture::{CaptureError, CaptureReader};
use crate::explain::{Explainer, Options, PageLoad, Story};
use crate::flow::conversations::Conversations;

/// Conversations exported as rows; later ones are not exported.
const EXPORT_ROWS: usize = 1_000_000;
use crate::flow::{Limits, Tracker};
use crate::notes::Notes;
use crate::pipeline::{self, RunError, Summary};
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{Field, Schema, SchemaRef};
use columns::{get, Builder, Col};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The version of the tables' schema, stored in each file's metadata as
/// `netexplain.schema_version`.
pub const SCHEMA_VERSION: &str = "1";
/// Rows gathered before they are handed to the Parquet writer.
pub const BATCH: usize = 8192;
/// Rows per Parquet row group: the most a file holds in memory.
pub const ROW_GROUP: usize = 65_536;
/// Encoded bytes at which a row group is written even if it has fewer rows.
pub const ROW_GROUP_BYTES: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {source}", path.display())]
    Open { path: PathBuf, source: CaptureError },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("{table}: {source}")]
    Arrow {
        table: &'static str,
        source: arrow_schema::ArrowError,
    },
    #[error("two captures are both named {0}: their files would overwrite each other")]
    SameName(String),
}

/// The name a capture's rows carry and its files are named after: the
/// file name without `.gz`, `.pcapng`, `.pcap` or `.cap`.
pub fn capture_name(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".into());
    for ext in [".gz", ".pcapng", ".pcap", ".cap"] {
        if name.len() > ext.len() && name.to_ascii_lowercase().ends_with(ext) {
            name.truncate(name.len() - ext.len());
        }
    }
    name
}

/// A stable id for a capture: the first 16 hex digits of the SHA-256 of
/// its size and its first MiB, so the same file has the same id wherever
/// it is exported, without reading it twice.
pub fn capture_id(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut head = Vec::with_capacity(1 << 20);
    (&mut f).take(1 << 20).read_to_end(&mut head)?;
    let mut h = Sha256::new();
    h.update(size.to_be_bytes());
    h.update(&head);
    let digest = h.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// One table of one capture, written as rows arrive.
struct Table {
    name: &'static str,
    cols: &'static [Col],
    builders: Vec<Builder>,
    rows: usize,
    written: u64,
    schema: SchemaRef,
    writer: ArrowWriter<File>,
    path: PathBuf,
    capture: String,
    id: String,
}

impl Table {
    fn create(
        dir: &Path,
        name: &'static str,
        cols: &'static [Col],
        capture: &str,
        id: &str,
    ) -> Result<Table, ExportError> {
        let mut fields = vec![
            Field::new("capture", arrow_schema::DataType::Utf8, false),
            Field::new("capture_id", arrow_schema::DataType::Utf8, false),
        ];
        fields.extend(columns::fields(cols).iter().map(|f| f.as_ref().clone()));
        let schema = Arc::new(Schema::new(fields));
        let folder = dir.join(name);
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ExportError::Io { path, source }
        };
        std::fs::create_dir_all(&folder).map_err(io_err(&folder))?;
        let path = folder.join(format!("{capture}.parquet"));
        let file = File::create(&path).map_err(io_err(&path))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .set_key_value_metadata(Some(vec![
                KeyValue::new(
                    "netexplain.schema_version".into(),
                    SCHEMA_VERSION.to_string(),
                ),
                KeyValue::new("netexplain.table".into(), name.to_string()),
                KeyValue::new("netexplain.capture".into(), capture.to_string()),
                KeyValue::new("netexplain.capture_id".into(), id.to_string()),
            ]))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|source| {
            ExportError::Parquet {
                path: path.clone(),
                source,
            }
        })?;
        Ok(Table {
            name,
            cols,
            builders: cols.iter().map(|c| Builder::new(&c.kind)).collect(),
            rows: 0,
            written: 0,
            schema,
            writer,
            path,
            capture: capture.to_string(),
            id: id.to_string(),
        })
    }

    fn push(&mut self, row: &Value) -> Result<(), ExportError> {
        for (c, b) in self.cols.iter().zip(self.builders.iter_mut()) {
            b.append(get(row, c.path));
        }
        self.rows += 1;
        if self.rows >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if self.rows == 0 {
            return Ok(());
        }
        let n = self.rows;
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                &self.capture,
                n,
            ))),
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
                &self.id, n,
            ))),
        ];
        arrays.extend(self.builders.iter_mut().map(Builder::finish));
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|source| {
            ExportError::Arrow {
                table: self.name,
                source,
            }
        })?;
        self.writer
            .write(&batch)
            .map_err(|source| ExportError::Parquet {
                path: self.path.clone(),
                source,
            })?;
        self.rows = 0;
        self.written += n as u64;
        Ok(())
    }

    fn close(mut self) -> Result<(&'static str, u64), ExportError> {
        self.flush()?;
        self.writer.close().map_err(|source| ExportError::Parquet {
            path: self.path.clone(),
            source,
        })?;
        Ok((self.name, self.written))
    }
}

/// The time from a page load's first request to its first response, in
/// milliseconds: HTTPS from the story's `https` facts; cleartext HTTP
/// from the frames of the first request and the first response after it
/// on the same connection, timed by `frame_ts`.
pub fn ttfb_ms(pl: &PageLoad, frame_ts: impl Fn(u64) -> Option<f64>) -> Option<f64> {
    let http = pl.step("http")?;
    let reqs = http.facts.get("requests").and_then(Value::as_array);
    let resps = http.facts.get("responses").and_then(Value::as_array);
    if let (Some(reqs), Some(resps)) = (reqs, resps) {
        for q in reqs {
            let (Some(qf), qs) = (q["frame"].as_u64(), &q["stream"]) else {
                continue;
            };
            let answer = resps
                .iter()
                .filter(|r| &r["stream"] == qs)
                .filter_map(|r| r["frame"].as_u64())
                .filter(|f| *f > qf)
                .min();
            if let (Some(a), Some(b)) = (frame_ts(qf), answer.and_then(&frame_ts)) {
                return Some(((b - a) * 1e6).round() / 1e3);
            }
        }
    }
    http.facts
        .get("https")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|h| h["ttfb_ms"].as_f64())
}

/// Timestamps of the frames that carry an HTTP message head, for
/// [`ttfb_ms`]; at most [`HttpTimes::MAX`] are kept.
#[derive(Default)]
pub struct HttpTimes(Vec<(u64, f64)>);

impl HttpTimes {
    pub const MAX: usize = 1 << 20;

    pub fn observe(&mut self, p: &crate::decode::Packet) {
        if !p.http.is_empty() && self.0.len() < Self::MAX {
            self.0.push((p.frame, p.ts));
        }
    }

    pub fn ts(&self, frame: u64) -> Option<f64> {
        // Frames arrive in order, so the list is sorted by frame.
        self.0
            .binary_search_by_key(&frame, |e| e.0)
            .ok()
            .map(|i| self.0[i].1)
    }
}

/// What one export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub capture: String,
    pub capture_id: String,
    /// Rows per table, in [`tables::ALL`] order.
    pub rows: Vec<(&'static str, u64)>,
    pub summary: Summary,
    /// Set when reading stopped at damaged input; the tables hold the
    /// frames before it.
    pub damaged: Option<String>,
}

/// What an export needs besides the file.
#[derive(Clone)]
pub struct Settings {
    pub limits: Limits,
    pub options: Options,
    pub notes: Notes,
}

/// Exports one capture into `dir`, streaming: each frame's JSON value is
/// made once and its rows go to `packets`, `dns`, `tls` and `http`;
/// `conversations`, `page_loads` and `steps` are written at the end.
/// `on_frame` sees each packet (for a progress bar).
pub fn export(
    path: &Path,
    dir: &Path,
    settings: &Settings,
    mut on_frame: impl FnMut(&crate::decode::Packet),
) -> Result<Exported, ExportError> {
    let mut reader = CaptureReader::open(path).map_err(|source| ExportError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let capture = capture_name(path);
    let id = capture_id(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut open = |t: &'static str, cols| Table::create(dir, t, cols, &capture, &id);
    let mut packets = open("packets", tables::PACKETS)?;
    let mut dns = open("dns", tables::DNS)?;
    let mut tls = open("tls", tables::TLS)?;
    let mut http = open("http", tables::HTTP)?;
    let mut tracker = Tracker::new(settings.limits.clone());
    // The capture's own Decryption Secrets Blocks, as `packets` uses them.
    crate::flow::decrypt::attach_embedded(&mut tracker, path).map_err(|e| ExportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    // The exported table keeps up to a million rows, as before the
    // conversation table had a default bound.
    let mut convs = Conversations::with_max_rows(EXPORT_ROWS);
    let mut explainer = Explainer::new(settings.options.clone(), settings.notes.clone());
    let mut times = HttpTimes::default();
    let mut failed: Option<ExportError> = None;
    let (summary, failure) = pipeline::run(&mut reader, &mut tracker, None, |p| {
        convs.observe(p);
        explainer.observe(p);
        times.observe(p);
        on_frame(p);
        let v = serde_json::to_value(p).map_err(io::Error::other)?;
        let rows = packets
            .push(&v)
            .and_then(|()| frame_rows(&v, &mut dns, &mut tls, &mut http));
        rows.map_err(|e| {
            let shown = io::Error::other(e.to_string());
            failed = Some(e);
            shown
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    drop(tracker);
    drop(reader);
    let damaged = match failure {
        Some(RunError::Capture(e)) => Some(e.to_string()),
        Some(RunError::Output(e)) => {
            return Err(ExportError::Io {
                path: dir.to_path_buf(),
                source: e,
            })
        }
        None => None,
    };
    let mut rows = vec![packets.close()?];
    let mut conversations = open("conversations", tables::CONVERSATIONS)?;
    for r in convs.rows() {
        conversations.push(&serde_json::to_value(r).unwrap_or(Value::Null))?;
    }
    rows.push(conversations.close()?);
    rows.push(dns.close()?);
    rows.push(tls.close()?);
    rows.push(http.close()?);
    let story = explainer.story();
    drop(explainer);
    let (pl, st) = story_rows(&story, &times, &mut open)?;
    rows.push(pl);
    rows.push(st);
    Ok(Exported {
        capture,
        capture_id: id,
        rows,
        summary,
        damaged,
    })
}

/// The `dns`, `tls` and `http` rows of one frame's JSON value.
fn frame_rows(
    v: &Value,
    dns: &mut Table,
    tls: &mut Table,
    http: &mut Table,
) -> Result<(), ExportError> {
    let frame = &v["frame"];
    let ts = &v["ts"];
    let src = &v["ip"]["src"];
    let dst = &v["ip"]["dst"];
    let stream = &v["tcp"]["stream"];
    if let Some(m) = get(v, &["dns"]) {
        dns.push(&json!({"frame": frame, "ts": ts, "src": src, "dst": dst, "msg": m}))?;
    }
    for m in v["dns_more"].as_array().into_iter().flatten() {
        dns.push(&json!({"frame": frame, "ts": ts, "src": src, "dst": dst, "msg": m}))?;
    }
    for hs in v["tls"]["handshakes"].as_array().into_iter().flatten() {
        tls.push(
            &json!({"frame": frame, "ts": ts, "transport": "tcp", "stream": stream,
            "src": src, "dst": dst, "hs": hs}),
        )?;
    }
    let quic = std::iter::once(&v["quic"]).chain(v["quic_more"].as_array().into_iter().flatten());
    for q in quic {
        for hs in q["handshakes"].as_array().into_iter().flatten() {
            tls.push(&json!({"frame": frame, "ts": ts, "transport": "quic",
                "src": src, "dst": dst, "hs": hs}))?;
        }
    }
    for m in v["http"].as_array().into_iter().flatten() {
        http.push(&json!({"frame": frame, "ts": ts, "stream": stream,
            "src": src, "dst": dst, "msg": m}))?;
    }
    Ok(())
}

type Row = (&'static str, u64);

/// The `page_loads` and `steps` tables of a story.
fn story_rows(
    story: &Story,
    times: &HttpTimes,
    open: &mut impl FnMut(&'static str, &'static [Col]) -> Result<Table, ExportError>,
) -> Result<(Row, Row), ExportError> {
    let mut page_loads = open("page_loads", tables::PAGE_LOADS)?;
    let mut steps = open("steps", tables::STEPS)?;
    for (i, pl) in story.page_loads.iter().enumerate() {
        let mut v = serde_json::to_value(pl).unwrap_or(Value::Null);
        let step_values = v.get_mut("steps").map(Value::take).unwrap_or(Value::Null);
        let ttfb = ttfb_ms(pl, |f| times.ts(f));
        page_loads
            .push(&json!({"page_load": i, "pl": v, "steps": pl.steps.len(), "ttfb_ms": ttfb}))?;
        for (j, s) in step_values.as_array().into_iter().flatten().enumerate() {
            steps.push(&json!({"page_load": i, "step": j, "s": s}))?;
        }
    }
    Ok((page_loads.close()?, steps.close()?))
}

/// The schema of every table as a Markdown table (for the README).
pub fn schema_markdown() -> String {
    let mut out = String::new();
    for (name, cols) in tables::ALL {
        out.push_str(&format!(
            "#### `{name}`\n\n| column | type | meaning |\n| --- | --- | --- |\n| capture | string | the capture's file name without extension |\n| capture_id | string | 16 hex digits of SHA-256 over its size and first MiB |\n"
        ));
        for c in *cols {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                c.name,
                c.kind.type_name(),
                c.doc
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_names_drop_the_capture_extensions_only() {
        assert_eq!(capture_name(Path::new("/x/lab1.pcapng")), "lab1");
        assert_eq!(capture_name(Path::new("a.b.pcap.gz")), "a.b");
        assert_eq!(capture_name(Path::new("trace.CAP")), "trace");
        assert_eq!(capture_name(Path::new("notes.txt")), "notes.txt");
        assert_eq!(capture_name(Path::new(".pcap")), ".pcap");
    }

    #[test]
    fn absent_lists_flags_and_counts_are_empty_and_the_rest_null() {
        use arrow_array::{Array, BooleanArray, Int64Array, ListArray, StructArray};
        static L: columns::Kind = columns::Kind::List(&columns::Kind::Int);
        static F: columns::Kind = columns::Kind::Flag;
        static I: columns::Kind = columns::Kind::Int;
        static C: columns::Kind = columns::Kind::Count;
        static S: columns::Kind = columns::Kind::Struct(tables::CONVERSATIONS);
        let rows = [
            json!({"l": [1, 2], "f": true, "i": 5, "c": 3, "s": {"proto": "tcp"}}),
            json!({}),
        ];
        let mut b: Vec<Builder> = [&L, &F, &I, &C, &S].into_iter().map(Builder::new).collect();
        for r in &rows {
            for (k, b) in ["l", "f", "i", "c", "s"].iter().zip(b.iter_mut()) {
                b.append(get(r, &[k]));
            }
        }
        let a: Vec<ArrayRef> = b.iter_mut().map(Builder::finish).collect();
        let l = a[0].as_any().downcast_ref::<ListArray>().unwrap();
        assert_eq!(l.value_length(0), 2);
        assert_eq!(l.value_length(1), 0);
        assert!(!l.is_null(1));
        let f = a[1].as_any().downcast_ref::<BooleanArray>().unwrap();
        assert!(f.value(0) && !f.value(1) && !f.is_null(1));
        let i = a[2].as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(i.value(0), 5);
        assert!(i.is_null(1));
        let c = a[3].as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!((c.value(0), c.value(1), c.is_null(1)), (3, 0, false));
        let s = a[4].as_any().downcast_ref::<StructArray>().unwrap();
        assert!(!s.is_null(0) && s.is_null(1));
    }
}
