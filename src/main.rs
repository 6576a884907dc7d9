//! The `netexplain` command line.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use cli::conversations::conversations;
use cli::explain::{explain, story_format_of, ExplainExtra};
use cli::packets::{packets, PacketsExtra};
use netexplain::batch;
use netexplain::explain::Options;
use netexplain::flow::{Limits, Tracker};
use netexplain::notes::{Lang, Notes};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "netexplain",
    version,
    about = "Reads packet captures and explains what happens when a page loads"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

/// Resource bounds; what a bound drops is counted in the summary.
#[derive(clap::Args, Clone, Copy)]
struct LimitArgs {
    /// TCP conversations tracked at once (the one idle longest is evicted).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_conversations)]
    max_conversations: usize,
    /// Out-of-order bytes held per stream direction.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_stream_buffer)]
    max_stream_buffer: usize,
    /// Bytes held for reassembly across all streams.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_total_buffer)]
    max_total_buffer: usize,
    /// DNS queries remembered while waiting for their answer.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_pending_dns)]
    max_pending_dns: usize,
    /// The largest TLS handshake message reassembled.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_tls_message)]
    max_tls_message: usize,
}

impl LimitArgs {
    fn tracker(self) -> Tracker {
        Tracker::new(Limits {
            max_conversations: self.max_conversations.max(1),
            max_stream_buffer: self.max_stream_buffer,
            max_total_buffer: self.max_total_buffer,
            max_pending_dns: self.max_pending_dns,
            max_tls_message: self.max_tls_message,
        })
    }

    /// The bounds, for runs that make one tracker per capture.
    fn limits(self) -> Limits {
        self.tracker().limits().clone()
    }
}

/// Several captures at once.
#[derive(clap::Args)]
struct ManyArgs {
    /// More capture files: each gets its own output in the directory `-o DIR/`
    /// (or, with --merge, all are read as one capture).
    /// (the words after the first file that name existing files; the words
    /// after those are a capture filter).
    #[arg(skip)]
    more: Vec<PathBuf>,
    /// Read all the files as one capture, merged by timestamp (like mergecap).
    #[arg(long)]
    merge: bool,
}

/// The first capture (FILE, or `-r FILE`), with the captures named after it
/// taken into `many`.
fn first_capture(
    select: &mut tools::FilterArgs,
    file: Option<PathBuf>,
    read: Option<PathBuf>,
    many: &mut ManyArgs,
) -> Result<PathBuf> {
    let path = select
        .take_file(file, read)
        .context("no capture file given")?;
    many.more = select.take_files();
    Ok(path)
}

/// Whether the output goes through the batch runner (several captures,
/// `--merge`, or `-o`), which takes no display or capture filter.
fn through_batch(
    many: &ManyArgs,
    output: Option<&std::path::Path>,
    select: &tools::FilterArgs,
) -> Result<bool> {
    if !(multi::wanted(many, output) || output.is_some()) {
        return Ok(false);
    }
    anyhow::ensure!(
        !select.is_set(),
        "-Y and capture filters apply to one capture written to standard output: leave out -o and --merge (redirect with >)"
    );
    Ok(true)
}

/// The arguments of `follow` and `stats`: one capture, an optional display
/// filter, the output format and the bounds.
#[derive(clap::Args)]
struct OneCapture {
    /// Capture file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only the frames that pass this display filter.
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    display_filter: Option<String>,
    /// Output format: text, or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum StoryFormat {
    Text,
    Json,
    Md,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SortKey {
    /// First frame first.
    Start,
    /// Most bytes (both ways) first.
    Bytes,
    /// Most packets first.
    Packets,
    /// Longest first.
    Duration,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LangChoice {
    En,
    Zh,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Show every packet with its meaning in the page-load story.
    Packets {
        /// Capture file (pcap or pcapng, recognised by content); `-` reads standard input.
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        /// Capture file, as with tcpdump -r.
        #[arg(short = 'r', long = "read", value_name = "FILE")]
        read: Option<PathBuf>,
        #[command(flatten)]
        many: ManyArgs,
        /// Write the output to this file, or with several inputs one file each
        /// into this directory (a path ending in `/`).
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
        /// Print every decoded field, layer by layer.
        #[arg(short, long)]
        verbose: bool,
        /// Output format: text lines, or NDJSON (one object per frame).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Colour: auto (when standard output is a terminal and NO_COLOR is unset), always, never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        /// Stop after this many frames.
        #[arg(short = 'c', long = "count", value_name = "COUNT")]
        count: Option<u64>,
        /// Leave out the closing summary.
        #[arg(long)]
        no_summary: bool,
        /// Flush the output after every frame, as tcpdump -l (always so when reading a pipe).
        #[arg(short = 'l', long = "line-buffered")]
        line_buffered: bool,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        keys: cli::keylog::KeylogArgs,
        #[command(flatten)]
        select: tools::FilterArgs,
        /// Print no packet lines, only the closing summary (tshark -q).
        #[arg(short = 'q')]
        quiet: bool,
        /// Time column: -t none, -tt epoch seconds, -ttt since the previous line, -tttt UTC date.
        #[arg(short = 't', action = clap::ArgAction::Count)]
        time: u8,
        /// Language of the meanings and markers (default: from LC_ALL / LANG); field
        /// values are never translated.
        #[arg(long, value_enum)]
        lang: Option<LangChoice>,
    },
    /// Tell the story of each page load, step by step, against the notes.
    Explain {
        /// Capture file (pcap or pcapng, recognised by content); `-` reads standard input.
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        /// Capture file, as with tcpdump -r.
        #[arg(short = 'r', long = "read", value_name = "FILE")]
        read: Option<PathBuf>,
        #[command(flatten)]
        many: ManyArgs,
        /// Only the page loads of this name (or a name under it, or this address).
        #[arg(long, value_name = "NAME")]
        host: Option<String>,
        /// Language of the story and the built-in notes (default: from LC_ALL / LANG).
        #[arg(long, value_enum)]
        lang: Option<LangChoice>,
        /// Cite your own Markdown notes (`## NN - title` sections) instead of the built-in ones.
        #[arg(long, value_name = "FILE")]
        notes: Option<PathBuf>,
        /// Output format (default: from the extension of -o (.html, .md, .json), else text).
        #[arg(long, value_enum)]
        format: Option<StoryFormat>,
        /// One line per step.
        #[arg(long)]
        brief: bool,
        /// Tell at most this many page loads in full (the most complete); every one is listed.
        #[arg(long, value_name = "N")]
        max_told: Option<usize>,
        /// Tell only page load K of the list (1-based, in time order).
        #[arg(long, value_name = "K")]
        load: Option<usize>,
        /// Write the output to this file instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Colour: auto (when standard output is a terminal and NO_COLOR is unset), always, never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        keys: cli::keylog::KeylogArgs,
        #[command(flatten)]
        select: tools::FilterArgs,
        /// Wrap text at this many columns (default: the terminal's width; none when piped).
        #[arg(long, value_name = "N")]
        width: Option<usize>,
    },
    /// Capture live traffic (needs the `live` feature and root or CAP_NET_RAW), print each
    /// packet, and tell each page load as soon as it is over.
    Live {
        /// Device to capture on (default: the one of the default route).
        #[arg(short = 'i', long = "interface", value_name = "DEVICE")]
        interface: Option<String>,
        /// Capture filter in tcpdump's syntax, compiled by libpcap.
        #[arg(short = 'f', long = "filter", value_name = "FILTER")]
        filter: Option<String>,
        /// Bytes captured per packet.
        #[arg(short = 's', long = "snaplen", default_value_t = 262_144)]
        snaplen: i32,
        /// Do not put the interface into promiscuous mode.
        #[arg(short = 'p', long = "no-promiscuous-mode")]
        no_promiscuous: bool,
        /// Stop after this many packets.
        #[arg(short = 'c', long = "count", value_name = "COUNT")]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// Also write every captured packet to this pcapng file.
        #[arg(short = 'w', long = "write", value_name = "FILE")]
        write: Option<PathBuf>,
        /// After opening the device, run as this user instead of the one that ran sudo.
        #[arg(short = 'Z', long = "user", value_name = "USER")]
        user: Option<String>,
        /// Print no per-packet lines.
        #[arg(long)]
        quiet: bool,
        /// Tell the page loads of this name as they complete.
        #[arg(long, value_name = "NAME")]
        host: Option<String>,
        /// Tell every page load as it completes.
        #[arg(long)]
        explain: bool,
        #[arg(long, value_enum)]
        lang: Option<LangChoice>,
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// List the devices live capture can use, marking the default-route one.
    Interfaces,
    /// One row per TCP connection and UDP flow: endpoints, application, TCP state at
    /// the end, history, packets and bytes each way, start and duration.
    Conversations {
        /// Capture file (pcap or pcapng, recognised by content); `-` reads standard input.
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        /// Capture file, as with tcpdump -r.
        #[arg(short = 'r', long = "read", value_name = "FILE")]
        read: Option<PathBuf>,
        #[command(flatten)]
        many: ManyArgs,
        /// Write the output to this file, or with several inputs one file each
        /// into this directory (a path ending in `/`).
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
        /// Order of the rows.
        #[arg(long, value_enum, default_value_t = SortKey::Start)]
        sort: SortKey,
        /// Output format: a table, or NDJSON (one object per conversation).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        keys: cli::keylog::KeylogArgs,
        #[command(flatten)]
        select: tools::FilterArgs,
        /// Every column in full (wider than 100 columns).
        #[arg(long)]
        wide: bool,
        /// Rows kept in the table (the first conversations seen); the rest
        /// are counted, with their packets and bytes, in a closing line.
        #[arg(long, value_name = "N", default_value_t = netexplain::flow::conversations::MAX_ROWS)]
        max_rows: usize,
    },
    /// The bytes of one stream put back in order, both directions marked, escaped for the
    /// terminal (like tshark -z follow,tcp,ascii,N).
    Follow {
        /// tcp (stream N's bytes), http (its HTTP messages) or tls (its TLS records).
        #[arg(value_enum)]
        kind: tools::follow::Kind,
        /// Stream index, as tcp.stream numbers it (from 0).
        #[arg(value_name = "N")]
        stream: u64,
        #[command(flatten)]
        input: OneCapture,
    },
    /// Statistics: protocol hierarchy, endpoints, conversations per protocol, I/O per second.
    Stats {
        #[command(flatten)]
        input: OneCapture,
    },
    /// Print the man page (roff) to standard output.
    Man,
    /// Print shell completions to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write each capture as Apache Parquet tables (packets, conversations, dns, tls,
    /// http, page_loads, steps) under DIR/<table>/<capture>.parquet, in parallel.
    Export {
        /// Capture files.
        #[arg(value_name = "FILE", required_unless_present = "schema")]
        files: Vec<PathBuf>,
        /// Directory of the dataset.
        #[arg(long = "to", value_name = "DIR", required_unless_present = "schema")]
        to: Option<PathBuf>,
        /// Language of the steps' titles and sentences.
        #[arg(long, value_enum)]
        lang: Option<LangChoice>,
        /// Print the tables' schema as Markdown and exit.
        #[arg(long)]
        schema: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print the built-in notes the story cites.
    Notes {
        #[arg(long, value_enum)]
        lang: Option<LangChoice>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("netexplain: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn set_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => cli_io::auto_color(),
    };
    colored::control::set_override(on);
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Packets {
            file,
            read,
            mut many,
            output,
            verbose,
            format,
            color,
            count,
            no_summary,
            line_buffered,
            limits,
            keys,
            mut select,
            quiet,
            time,
            lang,
        } => {
            let lang = pick_lang(lang);
            let path = first_capture(&mut select, file, read, &mut many)?;
            netexplain::capture::input::install_stop_handler().map_err(anyhow::Error::msg)?;
            if through_batch(&many, output.as_deref(), &select)? {
                set_color(ColorChoice::Never);
                keys.refuse_batch()?;
                let job = batch::Job::Packets {
                    verbose,
                    json: format == Format::Json,
                    lang,
                };
                return multi::run(path, many, output, job, limits.limits(), count);
            }
            set_color(if format == Format::Json {
                ColorChoice::Never
            } else {
                color
            });
            let extra = PacketsExtra {
                select: select.compile()?,
                line_buffered,
                quiet,
                time: tools::time_format(time),
                lang,
                keys,
            };
            packets(&path, verbose, format, count, no_summary, limits, extra)
        }
        Command::Explain {
            file,
            read,
            mut many,
            host,
            lang,
            notes,
            format,
            brief,
            max_told,
            load,
            output,
            color,
            limits,
            keys,
            mut select,
            width,
        } => {
            let path = first_capture(&mut select, file, read, &mut many)?;
            let selector = select.compile()?;
            let format = format
                .or_else(|| {
                    output
                        .as_deref()
                        .filter(|o| !batch::is_dir_target(o))
                        .and_then(story_format_of)
                })
                .unwrap_or(StoryFormat::Text);
            if let Some(o) = &output {
                let inputs: Vec<&std::path::Path> = [Some(path.as_path()), notes.as_deref()]
                    .into_iter()
                    .flatten()
                    .chain(many.more.iter().map(|p| p.as_path()))
                    .collect();
                if let Some(input) = cli_io::overwrites_input(o, &inputs) {
                    eprintln!(
                        "netexplain: refusing to write the report to {}: it is the input {}; choose another -o file",
                        o.display(),
                        input.display()
                    );
                    return Ok(ExitCode::from(2));
                }
            }
            netexplain::capture::input::install_stop_handler().map_err(anyhow::Error::msg)?;
            let lang = pick_lang(lang);
            let notes = match notes {
                Some(p) => Notes::load(&p)?,
                None => Notes::builtin(lang),
            };
            if multi::wanted(&many, output.as_deref()) {
                anyhow::ensure!(
                    !select.is_set(),
                    "-Y and capture filters apply to one capture written to standard output: leave out -o and --merge (redirect with >)"
                );
                keys.refuse_batch()?;
                set_color(ColorChoice::Never);
                let job = batch::Job::Explain {
                    format: multi::story_format(format),
                    brief,
                    options: Options {
                        host,
                        lang,
                        max_told,
                        load,
                    },
                    notes,
                };
                return multi::run(path, many, output, job, limits.limits(), None);
            }
            set_color(if format == StoryFormat::Text && output.is_none() {
                color
            } else {
                ColorChoice::Never
            });
            explain(
                &path,
                Options {
                    host,
                    lang,
                    max_told,
                    load,
                },
                notes,
                format,
                brief,
                output,
                limits,
                ExplainExtra {
                    select: selector,
                    width: if format == StoryFormat::Text {
                        tools::width(width)
                    } else {
                        None
                    },
                    keys,
                },
            )
        }
        Command::Live {
            interface,
            filter,
            snaplen,
            no_promiscuous,
            count,
            duration,
            write,
            user,
            quiet,
            host,
            explain,
            lang,
            color,
            limits,
        } => {
            set_color(color);
            let opts = live::Args {
                tracker: limits.tracker(),
                interface,
                filter,
                snaplen,
                promiscuous: !no_promiscuous,
                count,
                duration,
                write,
                user,
                quiet,
                tell: explain || host.is_some(),
                options: Options {
                    host,
                    lang: pick_lang(lang),
                    ..Options::default()
                },
            };
            live::run(opts)
        }
        Command::Interfaces => live::interfaces(),
        Command::Conversations {
            file,
            read,
            mut many,
            output,
            sort,
            format,
            limits,
            keys,
            mut select,
            wide,
            max_rows,
        } => {
            let path = first_capture(&mut select, file, read, &mut many)?;
            netexplain::capture::input::install_stop_handler().map_err(anyhow::Error::msg)?;
            if through_batch(&many, output.as_deref(), &select)? {
                keys.refuse_batch()?;
                let job = batch::Job::Conversations {
                    json: format == Format::Json,
                    max_rows,
                };
                return multi::run(path, many, output, job, limits.limits(), None);
            }
            let table = cli::conversations::Table {
                sort,
                format,
                wide,
                max_rows,
            };
            conversations(&path, table, limits, select.compile()?, keys)
        }
        Command::Follow {
            kind,
            stream,
            input: i,
        } => tools::follow::run(
            &i.file,
            kind,
            stream,
            i.display_filter,
            i.format == Format::Json,
            i.limits.tracker(),
        ),
        Command::Stats { input: i } => tools::stats::run(
            &i.file,
            i.display_filter,
            i.format == Format::Json,
            i.limits.tracker(),
        ),
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            io::stdout().write_all(&out).ok();
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "netexplain", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            files,
            to,
            lang,
            schema,
            limits,
        } => {
            if schema {
                print!("{}", netexplain::export::schema_markdown());
                return Ok(ExitCode::SUCCESS);
            }
            let to = to.context("no --to directory given")?;
            let lang = pick_lang(lang);
            let settings = netexplain::export::Settings {
                limits: limits.limits(),
                options: Options {
                    host: None,
                    lang,
                    ..Options::default()
                },
                notes: Notes::builtin(lang),
            };
            multi::export(&files, &to, &settings)
        }
        Command::Notes { lang } => {
            let notes = Notes::builtin(pick_lang(lang));
            let mut out = String::new();
            for s in &notes.sections {
                out.push_str(&format!("## {:02} - {}\n{}\n\n", s.number, s.title, s.body));
            }
            io::stdout().write_all(out.as_bytes()).ok();
            Ok(ExitCode::SUCCESS)
        }
    }
}

mod cli;
mod cli_io;
mod live;
mod multi;
mod tools;
fn pick_lang(choice: Option<LangChoice>) -> Lang {
    match choice {
        Some(LangChoice::En) => Lang::En,
        Some(LangChoice::Zh) => Lang::Zh,
        None => Lang::from_env(),
    }
}
