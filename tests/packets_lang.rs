//! `packets --lang zh`: only the explanatory words change. On every
//! sample, each line in Chinese has the same frame, time, endpoints,
//! protocol and summary as in English; where English explains a frame
//! ("— …"), Chinese explains the same frame in Chinese words. And the
//! frame-number column's width follows the file's size, never shifting
//! inside one capture.

mod common;
use common::*;

/// The lines of `packets` (no summary), in `lang`.
fn lines(path: &std::path::Path, lang: &str, verbose: bool) -> Vec<String> {
    let p = path.to_str().unwrap();
    let mut args = vec!["packets", p, "--no-summary", "--lang", lang];
    if verbose {
        args.push("-v");
    }
    let out = netexplain(&args);
    assert!(out.status.success(), "{p} {lang}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn chinese_changes_only_the_meanings_on_every_sample() {
    let mut explained = 0;
    for path in all_samples() {
        let en = lines(&path, "en", false);
        let zh = lines(&path, "zh", false);
        assert_eq!(en.len(), zh.len(), "{}", path.display());
        for (e, z) in en.iter().zip(&zh) {
            let (ef, zf) = (
                e.split(" — ").next().unwrap(),
                z.split(" — ").next().unwrap(),
            );
            // Markers after the summary are translated, the rest is equal.
            let strip = |s: &str| {
                s.replace(" [truncated]", "")
                    .replace(" [已截断]", "")
                    .split(" [")
                    .filter(|part| !part.ends_with("problem(s)]") && !part.ends_with("个问题]"))
                    .collect::<Vec<_>>()
                    .join(" [")
            };
            assert_eq!(strip(ef), strip(zf), "{}", path.display());
            assert_eq!(e.contains(" — "), z.contains(" — "), "{e}\n{z}");
            if let Some((_, meaning)) = z.split_once(" — ") {
                assert!(has_han(meaning), "{}: {z}", path.display());
                assert!(!e.split_once(" — ").unwrap().1.is_empty());
                explained += 1;
            }
        }
    }
    assert!(explained > 200, "{explained} explained frames");
}

#[test]
fn chinese_verbose_keeps_field_names_and_values() {
    let path = sample("http3.pcapng");
    let en = lines(&path, "en", true);
    let zh = lines(&path, "zh", true);
    assert_eq!(en.len(), zh.len());
    let mut titles = 0;
    for (e, z) in en.iter().zip(&zh) {
        if e.starts_with("    ") && !e.starts_with("      ") {
            // A layer title: the protocol names stay, the words change.
            titles += usize::from(e != z);
        } else if !e.contains(" — ") {
            assert_eq!(e, z);
        }
    }
    // http3 has coalesced QUIC packets: their layer title is Chinese.
    assert!(zh
        .iter()
        .any(|l| l.trim() == "更多 QUIC 包（合并在同一个数据报里）"));
    assert!(titles > 0);
}

#[test]
fn the_tcp_handshake_reads_in_chinese() {
    let zh = lines(&sample("curl-tls12.pcapng"), "zh", false);
    // tshark numbers this capture's frames the same way; frame 5 is the SYN.
    assert!(
        zh[4].ends_with("— 握手 1/3：客户端发起连接，初始序号 3882769205"),
        "{}",
        zh[4]
    );
    assert!(zh[6].ends_with("— 握手 3/3：连接建立"), "{}", zh[6]);
}

/// The width of the frame-number column of every line.
fn frame_column(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.len() - l.trim_start().len() + l.trim_start().find(' ').unwrap())
        .collect()
}

#[test]
fn the_frame_column_is_as_wide_as_the_file_can_need() {
    // A small capture: six columns (frames up to 999,999).
    let small = lines(&sample("curl-tls12.pcapng"), "en", false);
    assert!(frame_column(&small).iter().all(|&w| w == 6));
    // The same capture padded past 12 MB (pcapng blocks are at least
    // 12 bytes, so it could hold a million frames): seven columns on every
    // line, from the first frame on. The padding is a pcapng block of an
    // unknown type after the frames, which readers skip (RFC draft
    // pcapng §3.1: blocks of unknown types are ignored).
    let dir = std::env::temp_dir().join(format!("netexplain-width-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("padded.pcapng");
    let mut bytes = std::fs::read(sample("curl-tls12.pcapng")).unwrap();
    let body = 12_000_000u32;
    let total = body + 12;
    bytes.extend_from_slice(&0x0bad_0000u32.to_le_bytes());
    bytes.extend_from_slice(&total.to_le_bytes());
    bytes.resize(bytes.len() + body as usize, 0);
    bytes.extend_from_slice(&total.to_le_bytes());
    std::fs::write(&big, &bytes).unwrap();
    let padded = lines(&big, "en", false);
    let widths = frame_column(&padded);
    assert_eq!(widths.len(), small.len());
    assert!(widths.iter().all(|&w| w == 7), "{widths:?}");
    // Only the padding before each line differs.
    for (s, p) in small.iter().zip(&padded) {
        assert_eq!(format!(" {s}"), *p);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The closing summary of `packets` after its frames, in `lang`.
fn closing(path: &std::path::Path, lang: &str, extra: &[&str]) -> Vec<String> {
    let p = path.to_str().unwrap();
    let mut args = vec!["packets", p, "-q", "--lang", lang];
    args.extend_from_slice(extra);
    let out = netexplain(&args);
    assert!(out.status.success(), "{p} {lang}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip_while(|l| l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The runs of digits of a line, in order.
fn numbers(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_closing_summary_is_in_chinese_with_the_same_figures() {
    let mut runs: Vec<(std::path::PathBuf, Vec<&str>)> =
        all_samples().into_iter().map(|p| (p, vec![])).collect();
    // The filter's line, and a run stopped by -c 0.
    runs.push((sample("curl-redirect.pcapng"), vec!["-Y", "tcp.port == 80"]));
    runs.push((sample("curl-redirect.pcapng"), vec!["-c", "0"]));
    let mut lines_checked = 0;
    for (path, extra) in &runs {
        let en = closing(path, "en", extra);
        let zh = closing(path, "zh", extra);
        let at = format!("{} {extra:?}", path.display());
        assert_eq!(en[0], "Summary", "{at}");
        assert_eq!(zh[0], "汇总", "{at}");
        assert_eq!(en.len(), zh.len(), "{at}\n{en:?}\n{zh:?}");
        for (e, z) in en.iter().zip(&zh).skip(1) {
            // The same figures, in the same order, in Chinese words.
            assert_eq!(numbers(e), numbers(z), "{at}\n{e}\n{z}");
            assert!(has_han(z), "{at}: {z}");
            // No English sentence is left: what is Latin in the Chinese
            // line is a protocol, option or format name, a link type as
            // libpcap names it, or the file format.
            let latin: Vec<&str> = z
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1)
                .collect();
            for w in latin {
                assert!(
                    e.contains(w) && !["frames", "bytes", "of", "the", "queries"].contains(&w),
                    "{at}: {w:?} in {z}"
                );
            }
            lines_checked += 1;
        }
    }
    assert!(lines_checked > 150, "{lines_checked} lines");
    let zh = closing(
        &sample("curl-redirect.pcapng"),
        "zh",
        &["-Y", "tcp.port == 80"],
    );
    // tshark -Y "tcp.port == 80" shows 10 of the capture's 37 frames.
    assert_eq!(zh.last().unwrap(), "  通过过滤的帧：10（共 37 帧）");
}
