//! The edges of the command line that touch files and the terminal: where
//! output may go, which format a file name asks for, and colour.

use std::io::{self, IsTerminal};
use std::path::Path;

/// Colour is on when standard output is a terminal and `NO_COLOR` is not
/// set to a non-empty value (no-color.org: "when present and not an empty
/// string").
pub fn auto_color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether `packets` writes out each frame as soon as it is decoded
/// rather than in 64 KiB blocks. As tcpdump, whose standard output is
/// line buffered by the C library when it is a terminal and with `-l`:
/// a terminal, `-l`, or input from a pipe (which may deliver slowly) each
/// ask for it; a file written to a file or a pipe is written in blocks.
pub fn flush_each_frame(line_buffered: bool, piped_input: bool) -> bool {
    line_buffered || piped_input || io::stdout().is_terminal()
}

/// The report format a file name's extension asks for.
pub fn format_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => Some("html"),
        "md" | "markdown" => Some("md"),
        "json" => Some("json"),
        "txt" | "text" => Some("text"),
        _ => None,
    }
}

/// Refuses an output path that names one of the inputs: the same file by
/// device and inode (a hard link, `./x` against `x`), or the same path.
/// Returns the input it would overwrite.
pub fn overwrites_input<'a>(output: &Path, inputs: &[&'a Path]) -> Option<&'a Path> {
    let out_meta = std::fs::metadata(output).ok()?;
    inputs.iter().copied().find(|input| {
        if input.as_os_str() == "-" {
            return false;
        }
        match std::fs::metadata(input) {
            Ok(m) => same_file(&m, &out_meta),
            Err(_) => false,
        }
    })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    false
}

/// When `--host` matched no page load, says which names and addresses
/// the page loads of the capture do have (on standard error).
pub fn say_other_hosts(host: &str, hosts: &[String]) {
    const SHOWN: usize = 20;
    let host = netexplain::render::escape(host);
    if hosts.is_empty() {
        eprintln!(
            "netexplain: no page load matches --host {host}; the capture holds no page load at all"
        );
        return;
    }
    let mut list: Vec<String> = hosts
        .iter()
        .take(SHOWN)
        .map(|h| netexplain::render::escape(h).into_owned())
        .collect();
    if hosts.len() > SHOWN {
        list.push(format!("… and {} more", hosts.len() - SHOWN));
    }
    eprintln!(
        "netexplain: no page load matches --host {host}; the page loads here are of: {}",
        list.join(", ")
    );
}

/// Writes into a report (text, md, json or html) that the capture it was
/// made from is damaged, so the file says so without the terminal.
pub fn mark_damaged(report: &mut String, format: &str, message: &str) {
    match format {
        "json" => {
            if let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(report) {
                map.insert("capture_error".into(), message.into());
                if let Ok(mut s) = serde_json::to_string_pretty(&map) {
                    s.push('\n');
                    *report = s;
                }
            }
        }
        "html" => {
            let escaped = message
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            let note = format!("<p class=\"capture-error\"><strong>{escaped}</strong></p>\n");
            match report.rfind("</body>") {
                Some(at) => report.insert_str(at, &note),
                None => report.push_str(&note),
            }
        }
        _ => {
            report.push('\n');
            report.push_str(&netexplain::render::escape(message));
            report.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_name_formats() {
        assert_eq!(format_of(Path::new("r.HTML")), Some("html"));
        assert_eq!(format_of(Path::new("r.md")), Some("md"));
        assert_eq!(format_of(Path::new("r.json")), Some("json"));
        assert_eq!(format_of(Path::new("r.pcapng")), None);
        assert_eq!(format_of(Path::new("report")), None);
    }
}
