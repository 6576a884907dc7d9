//! The tools a tcpdump or tshark user reaches for: display and capture
//! filters on files, following a stream, statistics, the man page and
//! shell completions.

pub mod follow;
pub mod stats;

use anyhow::Result;
use netexplain::capture::Frame;
use netexplain::decode::Packet;
use netexplain::filter::Filter;
use netexplain::render::text::TimeFormat;

/// Which frames a command looks at: a display filter (`-Y`) and a
/// tcpdump-style capture filter given after the file.
#[derive(clap::Args, Clone, Default)]
pub struct FilterArgs {
    /// Display filter in Wireshark's syntax, e.g. 'tcp.port == 443 && tls.handshake.type == 1'.
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    pub display_filter: Option<String>,
    /// Capture filter in tcpdump's syntax after the file, e.g. 'port 53' (compiled by
    /// libpcap: needs the `live` feature).
    #[arg(value_name = "EXPRESSION")]
    pub expression: Vec<String>,
    /// Do not resolve addresses or ports (accepted for tcpdump's -n / -nn: nothing is
    /// ever resolved).
    #[arg(short = 'n', action = clap::ArgAction::Count)]
    pub no_resolve: u8,
}

/// The compiled filters.
pub struct Selector {
    display: Option<Filter>,
    #[cfg(feature = "live")]
    bpf: Option<bpf::Bpf>,
}

impl FilterArgs {
    /// With `-r FILE`, clap puts the first word of the expression where
    /// the file argument goes: put it back.
    pub fn take_file(
        &mut self,
        file: Option<std::path::PathBuf>,
        read: Option<std::path::PathBuf>,
    ) -> Option<std::path::PathBuf> {
        match (file, read) {
            (Some(f), Some(r)) => {
                self.expression.insert(0, f.to_string_lossy().into_owned());
                Some(r)
            }
            (f, r) => f.or(r),
        }
    }

    /// The words after the first file that name existing files are more
    /// captures (a batch); the words after those are the capture filter,
    /// as tcpdump reads them.
    pub fn take_files(&mut self) -> Vec<std::path::PathBuf> {
        let n = self
            .expression
            .iter()
            .take_while(|w| std::path::Path::new(w).is_file())
            .count();
        self.expression
            .drain(..n)
            .map(std::path::PathBuf::from)
            .collect()
    }

    /// Whether a display or capture filter was given.
    pub fn is_set(&self) -> bool {
        self.display_filter.is_some() || !self.expression.is_empty()
    }

    pub fn compile(&self) -> Result<Selector> {
        let display = display_filter(self.display_filter.as_deref())?;
        let expr = self.expression.join(" ");
        if expr.trim().is_empty() {
            return Ok(Selector {
                display,
                #[cfg(feature = "live")]
                bpf: None,
            });
        }
        #[cfg(feature = "live")]
        {
            Ok(Selector {
                display,
                bpf: Some(bpf::Bpf::new(expr)?),
            })
        }
        #[cfg(not(feature = "live"))]
        {
            anyhow::bail!(
                "the capture filter {:?} needs libpcap's compiler, which this build does not have: \
                 rebuild with `cargo build --release --features live`, or use a display filter \
                 (-Y, e.g. -Y 'udp.port == 53')",
                expr
            )
        }
    }
}

impl Selector {
    /// Whether any filter was given.
    pub fn active(&self) -> bool {
        #[cfg(feature = "live")]
        if self.bpf.is_some() {
            return true;
        }
        self.display.is_some()
    }

    /// Whether the frame passes every filter given.
    pub fn keep(&mut self, frame: &Frame, p: &Packet) -> Result<bool> {
        #[cfg(feature = "live")]
        if let Some(b) = &mut self.bpf {
            if !b.keep(frame)? {
                return Ok(false);
            }
        }
        let _ = frame;
        Ok(self.display.as_ref().is_none_or(|f| f.matches(p)))
    }
}

#[cfg(feature = "live")]
mod bpf {
    //! Capture filters compiled by libpcap for each link type met, and run
    //! over the captured bytes as a kernel would.
    use anyhow::{anyhow, Result};
    use netexplain::capture::Frame;

    pub struct Bpf {
        expr: String,
        programs: Vec<(u32, pcap::BpfProgram)>,
    }

    impl Bpf {
        pub fn new(expr: String) -> Result<Bpf> {
            let mut b = Bpf {
                expr,
                programs: Vec::new(),
            };
            // Ethernet first, so a bad expression is reported before any frame.
            b.program(1)?;
            Ok(b)
        }

        fn program(&mut self, linktype: u32) -> Result<&pcap::BpfProgram> {
            if let Some(i) = self.programs.iter().position(|(l, _)| *l == linktype) {
                return Ok(&self.programs[i].1);
            }
            let dead = pcap::Capture::dead(pcap::Linktype(linktype as i32))
                .map_err(|e| anyhow!("libpcap: {e}"))?;
            let prog = dead
                .compile(&self.expr, true)
                .map_err(|e| anyhow!("bad capture filter {:?}: {e}", self.expr))?;
            self.programs.push((linktype, prog));
            Ok(&self.programs[self.programs.len() - 1].1)
        }

        pub fn keep(&mut self, frame: &Frame) -> Result<bool> {
            let data = frame.data;
            Ok(self.program(frame.linktype)?.filter(data))
        }
    }
}

/// A display filter, parsed; a mistake is shown with a caret under it.
pub fn display_filter(src: Option<&str>) -> Result<Option<Filter>> {
    src.map(|src| {
        Filter::parse(src)
            .map_err(|e| anyhow::anyhow!("bad display filter (-Y):\n{}", e.pointed(src)))
    })
    .transpose()
}

/// Writes the output; a reader that went away (a closed pipe) is not an
/// error.
pub fn write_stdout(out: &str) -> Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing output"),
    }
}

/// tcpdump's `-t` options, counted: none → relative, 1 → no time,
/// 2 → epoch, 3 → delta, 4 → date.
pub fn time_format(t: u8) -> TimeFormat {
    match t {
        0 => TimeFormat::Relative,
        1 => TimeFormat::None,
        2 => TimeFormat::Epoch,
        3 => TimeFormat::Delta,
        _ => TimeFormat::Date,
    }
}

/// Width for wrapping text: `--width N`, else the terminal's (at least
/// 40), else none when standard output is not a terminal.
pub fn width(requested: Option<usize>) -> Option<usize> {
    if let Some(w) = requested {
        return Some(w.max(20));
    }
    let term = console::Term::stdout();
    if !term.is_term() {
        return None;
    }
    term.size_checked()
        .map(|(_, cols)| usize::from(cols).max(40))
}
