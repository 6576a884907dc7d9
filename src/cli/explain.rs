//! `explain`: the story of each page load, as text, Markdown, JSON or
//! HTML, with a progress bar for long reads.

use super::shown;
use crate::{cli_io, tools, LimitArgs, StoryFormat};
use anyhow::{Context, Result};
use netexplain::capture::CaptureReader;
use netexplain::explain::{Explainer, Options};
use netexplain::notes::Notes;
use netexplain::pipeline::{self, RunError};
use netexplain::render::{html, json, story};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `-Y`, a capture filter and `--width` change in `explain`.
pub(crate) struct ExplainExtra {
    pub(crate) select: tools::Selector,
    pub(crate) width: Option<usize>,
    pub(crate) keys: super::keylog::KeylogArgs,
}

pub(crate) fn story_format_of(path: &std::path::Path) -> Option<StoryFormat> {
    match cli_io::format_of(path)? {
        "html" => Some(StoryFormat::Html),
        "md" => Some(StoryFormat::Md),
        "json" => Some(StoryFormat::Json),
        _ => Some(StoryFormat::Text),
    }
}
/// A progress bar on standard error while a large file is read: only when
/// standard error is a terminal, the output is not JSON, and reading has
/// taken more than a second. The position is the bytes read from the
/// file (compressed ones for a .gz), so it is comparable to its size.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// Bytes read from the file itself (compressed ones for gzip), set
    /// against the file's size.
    input: std::sync::Arc<netexplain::capture::input::InputState>,
    started: std::time::Instant,
    shown: bool,
    frames: u64,
}

impl Progress {
    fn new(
        path: &std::path::Path,
        allowed: bool,
        input: std::sync::Arc<netexplain::capture::input::InputState>,
    ) -> Progress {
        let size = std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let bar = match size {
            Some(size) if allowed && io::stderr().is_terminal() && path.as_os_str() != "-" => {
                let bar = indicatif::ProgressBar::with_draw_target(
                    Some(size),
                    indicatif::ProgressDrawTarget::hidden(),
                );
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}",
                ) {
                    bar.set_style(style);
                }
                Some(bar)
            }
            _ => None,
        };
        Progress {
            bar,
            input,
            started: std::time::Instant::now(),
            shown: false,
            frames: 0,
        }
    }

    fn frame(&mut self) {
        self.frames += 1;
        let Some(bar) = &self.bar else { return };
        if self.frames % 4096 != 0 {
            return;
        }
        if !self.shown && self.started.elapsed() > std::time::Duration::from_secs(1) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
        bar.set_position(self.input.raw_bytes());
        bar.set_message(format!("{} frames", self.frames));
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn explain(
    path: &std::path::Path,
    options: Options,
    notes: Notes,
    format: StoryFormat,
    brief: bool,
    output: Option<PathBuf>,
    limits: LimitArgs,
    extra: ExplainExtra,
) -> Result<ExitCode> {
    let mut reader = CaptureReader::open(path).with_context(|| shown(path))?;
    let mut tracker = limits.tracker();
    extra.keys.attach(&mut tracker, path)?;
    let explainer_host = options.host.clone();
    let mut explainer = Explainer::new(options, notes);
    let mut progress = Progress::new(path, format != StoryFormat::Json, reader.input_state());
    let ExplainExtra {
        mut select,
        width,
        keys,
    } = extra;
    let mut bad_filter = None;
    let (summary, failure) = pipeline::run_frames(&mut reader, &mut tracker, None, |f, p| {
        match select.keep(f, p) {
            Ok(true) => explainer.observe(p),
            Ok(false) => {}
            Err(e) => {
                bad_filter = Some(e);
                return Err(io::Error::other("filter"));
            }
        }
        progress.frame();
        Ok(())
    });
    keys.report(&summary.flow);
    if let Some(e) = bad_filter {
        return Err(e);
    }
    progress.finish();
    // The conversation state is no longer needed: free it before the
    // story is built.
    drop(tracker);
    drop(reader);
    let mut story = explainer.story();
    story.flow = Some(summary.flow.clone());
    if story.page_loads.is_empty() {
        if let Some(host) = explainer_host.as_deref() {
            cli_io::say_other_hosts(host, &explainer.hosts());
        }
    }
    let mut text = String::new();
    match format {
        StoryFormat::Text => story::text_width(&story, brief, width, &mut text),
        StoryFormat::Md => story::markdown(&story, &mut text),
        StoryFormat::Json => {
            text = json::to_string(&story, true).context("serialising the story")?;
            text.push('\n');
        }
        StoryFormat::Html => {
            let title = format!("netexplain — {}", shown(path));
            html::report(&story, &title, &mut text);
        }
    }
    if let (Some(_), Some(RunError::Capture(e))) = (&output, &failure) {
        let message = format!(
            "The capture {} is damaged: {e}; this report covers the {} frame(s) before it.",
            shown(path),
            summary.frames
        );
        let kind = match format {
            StoryFormat::Text => "text",
            StoryFormat::Md => "md",
            StoryFormat::Json => "json",
            StoryFormat::Html => "html",
        };
        cli_io::mark_damaged(&mut text, kind, &message);
    }
    match &output {
        Some(o) => std::fs::write(o, text.as_bytes()).with_context(|| o.display().to_string())?,
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(text.as_bytes()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                r => r.context("writing output")?,
            }
        }
    }
    if let Some(RunError::Capture(e)) = failure {
        eprintln!(
            "netexplain: {}: {e}; the story covers the {} frame(s) before it",
            shown(path),
            summary.frames
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
