//! The `live` and `interfaces` commands. Without the `live` feature they
//! exist and say how to enable them.

use netexplain::explain::Options;
use std::path::PathBuf;

/// The options of `live`; read only when the feature is built.
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub struct Args {
    pub tracker: netexplain::flow::Tracker,
    pub interface: Option<String>,
    pub filter: Option<String>,
    pub snaplen: i32,
    pub promiscuous: bool,
    pub count: Option<u64>,
    pub duration: Option<f64>,
    pub write: Option<PathBuf>,
    pub user: Option<String>,
    pub quiet: bool,
    /// Tell page loads as they complete (`--explain` or `--host`).
    pub tell: bool,
    pub options: Options,
}

#[cfg(not(feature = "live"))]
const NOT_BUILT: &str = "this netexplain was built without live capture. Rebuild it with the `live` feature, which needs libpcap:
    Debian/Ubuntu:  sudo apt-get install libpcap-dev
    Fedora:         sudo dnf install libpcap-devel
    macOS:          xcode-select --install   (libpcap comes with the command line tools)
then:               cargo build --release --features live
Meanwhile, a capture can be piped in:  sudo tcpdump -i any -w - | netexplain packets -";

#[cfg(not(feature = "live"))]
pub fn run(_args: Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!(NOT_BUILT)
}

#[cfg(not(feature = "live"))]
pub fn interfaces() -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!(NOT_BUILT)
}

#[cfg(feature = "live")]
pub use with_pcap::{interfaces, run};

#[cfg(feature = "live")]
mod with_pcap {
    use super::Args;
    use anyhow::Result;
    use netexplain::capture::input::install_stop_handler;
    use netexplain::capture::live::{self, LiveCapture, LiveOptions};
    use netexplain::capture::{Bounded, Frame};
    use netexplain::decode::Packet;
    use netexplain::explain::Explainer;
    use netexplain::notes::Notes;
    use netexplain::pipeline::{run_source, RunError, Sink};
    use netexplain::render::{escape, story, text};
    use std::io::{self, Write};
    use std::process::ExitCode;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    /// What `live` does with each frame: writes it to `-w`, prints its
    /// line, and every half second tells the page loads that are over.
    struct Teller {
        explainer: Explainer,
        writer: Option<live::PcapNgWriter>,
        /// The `-w` file failed; the run stops and says so.
        write_error: Option<live::LiveError>,
        quiet: bool,
        tell: bool,
        lang: netexplain::notes::Lang,
        width: Option<usize>,
        stdout: io::Stdout,
        last_check: Instant,
        t0: Option<f64>,
        line: String,
    }

    impl Sink for Teller {
        fn frame(&mut self, frame: &Frame, p: &Packet) -> io::Result<()> {
            if let Some(w) = self.writer.as_mut() {
                if let Err(e) = w.write(frame) {
                    self.write_error = Some(e);
                    return Err(io::Error::other("writing the capture file"));
                }
            }
            self.explainer.observe(p);
            if !self.quiet {
                self.line.clear();
                text::packet_line(p, *self.t0.get_or_insert(p.ts), &mut self.line);
                let mut out = self.stdout.lock();
                out.write_all(self.line.as_bytes())?;
                out.flush()?;
            }
            Ok(())
        }

        fn tick(&mut self) -> io::Result<()> {
            if !(self.tell && self.last_check.elapsed() >= Duration::from_millis(500)) {
                return Ok(());
            }
            self.last_check = Instant::now();
            let now = now();
            // Told once no frame of it has come for IDLE_SECS, even
            // when its connections are closed: a browser may still
            // open another one for the same page. Each is returned once,
            // numbered as the closing story numbers it.
            for p in self.explainer.completed(now, IDLE_SECS) {
                let mut s = String::new();
                story::page_load_width(&p, p.index, self.lang, false, self.width, &mut s);
                let mut out = self.stdout.lock();
                out.write_all(s.as_bytes())?;
                out.flush()?;
            }
            Ok(())
        }
    }

    /// A page load is told once it has had no frame for this long.
    const IDLE_SECS: f64 = 2.0;

    fn now() -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    pub fn interfaces() -> Result<ExitCode> {
        let mut out = String::new();
        for d in live::devices()? {
            let mut flags = Vec::new();
            for (on, name) in [
                (d.up, "up"),
                (d.running, "running"),
                (d.loopback, "loopback"),
                (d.wireless, "wireless"),
            ] {
                if on {
                    flags.push(name);
                }
            }
            out.push_str(&format!(
                "{}{}  [{}]{}\n",
                escape(&d.name),
                if d.default { "  (default route)" } else { "" },
                flags.join(", "),
                d.description
                    .as_deref()
                    .map(|s| format!("  {}", escape(s)))
                    .unwrap_or_default()
            ));
            for (addr, mask) in &d.addresses {
                out.push_str(&format!(
                    "    {addr}{}\n",
                    mask.map(|m| format!(" netmask {m}")).unwrap_or_default()
                ));
            }
        }
        io::stdout().write_all(out.as_bytes())?;
        Ok(ExitCode::SUCCESS)
    }

    pub fn run(args: Args) -> Result<ExitCode> {
        let lang = args.options.lang;
        // Wrapped as `explain` wraps: to the terminal, not at all when piped.
        let width = crate::tools::width(None);
        let cap = LiveCapture::open(&LiveOptions {
            device: args.interface.clone(),
            filter: args.filter.clone(),
            snaplen: args.snaplen,
            promiscuous: args.promiscuous,
        })?;
        // tcpdump -Z: the handle is open, root is no longer needed.
        let dropped = live::drop_privileges(args.user.as_deref())
            .map_err(|e| anyhow::anyhow!("dropping privileges: {e}"))?;
        install_stop_handler().map_err(anyhow::Error::msg)?;
        let writer = match &args.write {
            Some(p) => Some(cap.writer(p)?),
            None => None,
        };
        eprintln!(
            "netexplain: capturing on {} (link type {}){}{}",
            escape(cap.device()),
            cap.linktype(),
            args.filter
                .as_deref()
                .map(|f| format!(", filter {:?}", f))
                .unwrap_or_default(),
            dropped
                .map(|(u, g)| format!(", running as uid {u} gid {g}"))
                .unwrap_or_default()
        );
        let mut tracker = args.tracker;
        let mut sink = Teller {
            explainer: Explainer::new(args.options.clone(), Notes::builtin(lang)),
            writer,
            write_error: None,
            quiet: args.quiet,
            tell: args.tell,
            lang,
            width,
            stdout: io::stdout(),
            last_check: Instant::now(),
            t0: None,
            line: String::new(),
        };
        let mut source = Bounded::new(cap, args.count, args.duration);
        let (summary, failure) = run_source(&mut source, &mut tracker, None, &mut sink);
        if let Some(e) = sink.write_error.take() {
            return Err(e.into());
        }
        match failure {
            Some(RunError::Capture(e)) => return Err(e.into()),
            Some(RunError::Output(e)) => return Err(e.into()),
            None => {}
        }
        let Teller {
            explainer,
            mut writer,
            stdout,
            ..
        } = sink;
        let cap = source.get_mut();
        if let Some(w) = writer.as_mut() {
            w.flush()?;
        }
        if args.tell {
            let mut s = String::new();
            s.push('\n');
            story::text_width(&explainer.story(), false, width, &mut s);
            stdout.lock().write_all(s.as_bytes())?;
        }
        let mut s = String::new();
        text::summary(&summary, &mut s);
        eprint!("{s}");
        if let Some((received, kernel, iface)) = cap.stats() {
            eprintln!(
                "  {received} packets received by filter, {kernel} dropped by kernel, {iface} dropped by interface"
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
