//! Several captures from the command line: a batch into a directory, a
//! merged read, or `export`.

use crate::{ManyArgs, StoryFormat};
use anyhow::{bail, Context, Result};
use netexplain::batch::{self, BatchProgress, Job};
use netexplain::export::{self, Settings};
use netexplain::flow::Limits;
use netexplain::render::escape;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Whether the arguments ask for more than the one-file run.
pub fn wanted(many: &ManyArgs, output: Option<&Path>) -> bool {
    !many.more.is_empty() || many.merge || output.is_some_and(batch::is_dir_target)
}

pub fn story_format(f: StoryFormat) -> batch::StoryFormat {
    match f {
        StoryFormat::Text => batch::StoryFormat::Text,
        StoryFormat::Json => batch::StoryFormat::Json,
        StoryFormat::Md => batch::StoryFormat::Md,
        StoryFormat::Html => batch::StoryFormat::Html,
    }
}

fn shown(p: &Path) -> String {
    escape(&p.display().to_string()).into_owned()
}

/// Runs `job` on `first` and `more`: merged into one output, or one
/// output each in the directory `-o` names.
pub fn run(
    first: PathBuf,
    ManyArgs { more, merge }: ManyArgs,
    output: Option<PathBuf>,
    job: Job,
    limits: Limits,
    count: Option<u64>,
) -> Result<ExitCode> {
    let mut inputs = vec![first];
    inputs.extend(more);
    let dir = output.as_deref().filter(|o| batch::is_dir_target(o));
    if let Some(o) = output.as_deref().filter(|_| dir.is_none()) {
        let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        if let Some(input) = crate::cli_io::overwrites_input(o, &refs) {
            eprintln!(
                "netexplain: refusing to write to {}: it is the input {}; choose another -o file",
                o.display(),
                input.display()
            );
            return Ok(ExitCode::from(2));
        }
    }
    if merge || (inputs.len() == 1 && dir.is_none()) {
        let mut out: Box<dyn Write> = match &output {
            Some(o) if dir.is_none() => Box::new(BufWriter::new(
                std::fs::File::create(o).with_context(|| shown(o))?,
            )),
            Some(o) => bail!(
                "{}: --merge writes one output; name a file, not a directory",
                shown(o)
            ),
            None => Box::new(BufWriter::new(io::stdout().lock())),
        };
        let (summary, failure) = match batch::merged(&inputs, &job, &limits, count, &mut out) {
            Err(batch::BatchError::Io { source, .. })
                if source.kind() == io::ErrorKind::BrokenPipe =>
            {
                return Ok(ExitCode::SUCCESS)
            }
            r => r?,
        };
        out.flush().context("writing output")?;
        if let Some(e) = failure {
            eprintln!(
                "netexplain: {}; the output covers the {} frame(s) before it",
                escape(&e.to_string()),
                summary.frames
            );
            return Ok(ExitCode::FAILURE);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(dir) = dir else {
        bail!("several captures need -o DIR/ (one output each) or --merge (one merged capture)");
    };
    let outcomes = batch::run(&inputs, dir, &job, &limits, batch::workers(inputs.len()))?;
    let mut failed = 0;
    for o in &outcomes {
        if let Some(e) = &o.error {
            failed += 1;
            eprintln!("netexplain: {}: {}", shown(&o.input), escape(e));
        }
    }
    eprintln!(
        "netexplain: {} of {} capture(s) written to {}{}",
        outcomes.iter().filter(|o| o.output.is_some()).count(),
        outcomes.len(),
        shown(dir),
        if matches!(job, Job::Explain { .. }) {
            ", with an index"
        } else {
            ""
        }
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `export`: every file into the dataset at `to`, one worker per core.
pub fn export(files: &[PathBuf], to: &Path, settings: &Settings) -> Result<ExitCode> {
    batch::check_names(files)?;
    let progress = BatchProgress::new(files, true);
    let results = batch::pool(files, batch::workers(files.len()), |p| {
        let mut local = 0u64;
        let r = export::export(p, to, settings, |pk| progress.frame(pk, &mut local));
        progress.file_done(local);
        r
    });
    progress.finish();
    let mut code = ExitCode::SUCCESS;
    for (p, r) in files.iter().zip(results) {
        match r {
            Ok(e) => {
                if let Some(d) = &e.damaged {
                    eprintln!(
                        "netexplain: {}: {}; the tables cover the {} frame(s) before it",
                        shown(p),
                        escape(d),
                        e.summary.frames
                    );
                    code = ExitCode::FAILURE;
                }
            }
            Err(e) => {
                eprintln!("netexplain: {}", escape(&e.to_string()));
                code = ExitCode::FAILURE;
            }
        }
    }
    Ok(code)
}
