//! `packets`: every frame as a line (or NDJSON), `-v` for every field,
//! the closing summary.

use super::shown;
use crate::{tools, Format, LimitArgs};
use anyhow::{Context, Result};
use netexplain::capture::CaptureReader;
use netexplain::pipeline::{self, RunError};
use netexplain::render::{json, text};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// What `-Y`, a capture filter, `-l`, `-q` and `-t` change in `packets`.
pub(crate) struct PacketsExtra {
    pub(crate) select: tools::Selector,
    pub(crate) line_buffered: bool,
    pub(crate) quiet: bool,
    pub(crate) time: text::TimeFormat,
    /// The language of the meanings (`--lang`).
    pub(crate) lang: netexplain::notes::Lang,
    pub(crate) keys: super::keylog::KeylogArgs,
}

pub(crate) fn packets(
    path: &std::path::Path,
    verbose: bool,
    format: Format,
    count: Option<u64>,
    no_summary: bool,
    limits: LimitArgs,
    extra: PacketsExtra,
) -> Result<ExitCode> {
    let mut reader = CaptureReader::open(path).with_context(|| shown(path))?;
    // As tcpdump: each frame is shown as soon as it is read from a pipe,
    // or written to a terminal.
    let flush_each = crate::cli_io::flush_each_frame(extra.line_buffered, reader.is_piped());
    let mut tracker = limits.tracker();
    extra.keys.attach(&mut tracker, path)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::with_capacity(512);
    let mut json_out = json::PacketWriter::default();
    let mut t0: Option<f64> = None;
    let PacketsExtra {
        mut select,
        line_buffered: _,
        quiet,
        time,
        lang,
        keys,
    } = extra;
    let mut style = text::LineStyle {
        time,
        frame_width: netexplain::batch::frame_width_of(std::slice::from_ref(&path.to_path_buf())),
        lang,
    };
    let mut bad_filter = None;
    let mut prev: Option<f64> = None;
    let mut passed = 0u64;
    let (summary, failure) = pipeline::run_frames(&mut reader, &mut tracker, count, |f, p| {
        let start = *t0.get_or_insert(p.ts);
        match select.keep(f, p) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                bad_filter = Some(e);
                return Err(io::Error::other("filter"));
            }
        }
        passed += 1;
        if quiet {
            return Ok(());
        }
        match format {
            Format::Json => json_out.write(p, &mut out)?,
            Format::Text => {
                line.clear();
                let from = match time {
                    text::TimeFormat::Delta => prev.unwrap_or(p.ts),
                    _ => start,
                };
                prev = Some(p.ts);
                // A file that outgrows its bound (it grew while read)
                // widens the column rather than break it.
                style.frame_width = style.frame_width.max(text::digits(p.frame));
                text::packet_line_styled(p, &style, from, &mut line);
                if verbose {
                    text::packet_verbose(p, lang, &mut line);
                }
                out.write_all(line.as_bytes())?;
            }
        }
        if flush_each {
            out.flush()?;
        }
        Ok(())
    });
    keys.report(&summary.flow);
    if let Some(e) = bad_filter {
        return Err(e);
    }
    let mut code = ExitCode::SUCCESS;
    match failure {
        Some(RunError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS)
        }
        Some(RunError::Output(e)) => return Err(e).context("writing output"),
        Some(RunError::Capture(e)) => {
            out.flush().ok();
            eprintln!(
                "netexplain: {}: {e}; the {} frame(s) before it were decoded",
                shown(path),
                summary.frames
            );
            code = ExitCode::FAILURE;
        }
        None => {}
    }
    if !no_summary {
        let mut s = String::new();
        text::summary_in(&summary, lang, &mut s);
        if select.active() {
            s.push_str(&match lang {
                netexplain::notes::Lang::En => format!(
                    "  frames that passed the filters: {passed} of {}\n",
                    summary.frames
                ),
                netexplain::notes::Lang::Zh => {
                    format!("  通过过滤的帧：{passed}（共 {} 帧）\n", summary.frames)
                }
            });
        }
        if format == Format::Json {
            out.flush().ok();
            eprint!("{s}");
        } else {
            out.write_all(b"\n").ok();
            out.write_all(s.as_bytes()).ok();
        }
    }
    out.flush().ok();
    Ok(code)
}
