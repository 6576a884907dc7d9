//! `conversations`: one row per TCP connection and UDP flow.

use super::shown;
use crate::{tools, Format, LimitArgs, SortKey};
use anyhow::{Context, Result};
use netexplain::capture::CaptureReader;
use netexplain::flow::conversations::Conversations;
use netexplain::pipeline::{self, RunError};
use netexplain::render::{json, text};
use std::io::{self, Write};
use std::process::ExitCode;

/// How the table is made and shown.
pub(crate) struct Table {
    pub sort: SortKey,
    pub format: Format,
    pub wide: bool,
    /// Rows kept; later conversations are counted only.
    pub max_rows: usize,
}

pub(crate) fn conversations(
    path: &std::path::Path,
    Table {
        sort,
        format,
        wide,
        max_rows,
    }: Table,
    limits: LimitArgs,
    mut select: tools::Selector,
    keys: super::keylog::KeylogArgs,
) -> Result<ExitCode> {
    let mut reader = CaptureReader::open(path).with_context(|| shown(path))?;
    let mut tracker = limits.tracker();
    keys.attach(&mut tracker, path)?;
    let mut table = Conversations::with_max_rows(max_rows);
    let mut bad_filter = None;
    let (summary, failure) = pipeline::run_frames(&mut reader, &mut tracker, None, |f, p| {
        match select.keep(f, p) {
            Ok(true) => table.observe(p),
            Ok(false) => {}
            Err(e) => {
                bad_filter = Some(e);
                return Err(io::Error::other("filter"));
            }
        }
        Ok(())
    });
    keys.report(&summary.flow);
    if let Some(e) = bad_filter {
        return Err(e);
    }
    let mut rows: Vec<&netexplain::flow::conversations::Conversation> =
        table.rows().iter().collect();
    match sort {
        SortKey::Start => {}
        SortKey::Bytes => rows.sort_by_key(|r| std::cmp::Reverse(r.client_bytes + r.server_bytes)),
        SortKey::Packets => {
            rows.sort_by_key(|r| std::cmp::Reverse(r.client_packets + r.server_packets))
        }
        SortKey::Duration => rows.sort_by(|a, b| b.duration.total_cmp(&a.duration)),
    }
    let mut out = String::new();
    match format {
        Format::Json => {
            for r in &rows {
                out.push_str(&json::to_string(r, false)?);
                out.push('\n');
            }
        }
        Format::Text if wide => {
            text::conversations(&rows, summary.first_ts.unwrap_or(0.0), &mut out)
        }
        Format::Text => {
            text::conversations_narrow(&rows, summary.first_ts.unwrap_or(0.0), &mut out)
        }
    }
    let mut not_listed = String::new();
    text::conversations_not_listed(&table.not_listed, table.max_rows(), &mut not_listed);
    if !not_listed.is_empty() {
        eprint!("netexplain: {not_listed}");
    }
    match io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        r => r.context("writing output")?,
    }
    if let Some(RunError::Capture(e)) = failure {
        eprintln!(
            "netexplain: {}: {e}; the table covers the {} frame(s) before it",
            shown(path),
            summary.frames
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
