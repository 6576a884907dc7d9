//! Terminal rendering: every sample's story at 80 columns has no line
//! wider than 80 (display width: CJK characters count two), in English and
//! Chinese, in full and brief; `--brief` is one line per step; piped
//! output is not wrapped; `conversations` fits 100 columns; the man page
//! and the completions are generated.

mod common;

use common::*;

fn display_width(s: &str) -> usize {
    textwrap::core::display_width(s)
}

#[test]
fn every_story_fits_80_columns_in_both_languages() {
    let mut checked = 0;
    for path in all_samples() {
        for lang in ["en", "zh"] {
            for brief in [false, true] {
                let mut args = vec![
                    "explain",
                    path.to_str().unwrap(),
                    "--lang",
                    lang,
                    "--width",
                    "80",
                ];
                if brief {
                    args.push("--brief");
                }
                let out = netexplain(&args);
                assert!(out.status.success(), "{args:?}");
                let text = String::from_utf8(out.stdout).unwrap();
                for l in text.lines() {
                    assert!(
                        display_width(l) <= 80,
                        "{} {lang} brief={brief}: {} columns: {l}",
                        path.display(),
                        display_width(l)
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 2000, "{checked} lines");
}

#[test]
fn brief_is_one_line_per_step_and_pipes_are_not_wrapped() {
    let path = sample("curl-redirect.pcapng");
    let f = path.to_str().unwrap();
    let story = story("curl-redirect.pcapng", &["--lang", "en"]);
    let steps: usize = story["page_loads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["steps"].as_array().unwrap().len())
        .sum();
    let out = netexplain(&["explain", f, "--lang", "en", "--brief", "--width", "80"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let step_lines = text
        .lines()
        .filter(|l| l.len() > 4 && l[..4].trim().trim_end_matches('.').parse::<u32>().is_ok())
        .count();
    assert_eq!(step_lines, steps, "{text}");
    assert!(
        text.contains("\n 3. Resolve the name (DNS)  [observed] — Frame 5: the client asks"),
        "{text}"
    );
    // Piped without --width: one line per fact, however long.
    let out = netexplain(&["explain", f, "--lang", "en"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| display_width(l) > 100),
        "nothing long enough to wrap"
    );
    let wrapped = netexplain(&["explain", f, "--lang", "en", "--width", "100"]);
    let wrapped = String::from_utf8(wrapped.stdout).unwrap();
    assert!(wrapped.lines().all(|l| display_width(l) <= 100));
    // The same text either way, but for where lines break (a URL may break
    // after a slash).
    let words = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(words(&text), words(&wrapped));
}

#[test]
fn conversations_fit_100_columns_and_wide_shows_states() {
    for path in all_samples() {
        let f = path.to_str().unwrap();
        let out = netexplain(&["conversations", f]);
        let text = String::from_utf8(out.stdout).unwrap();
        for l in text.lines() {
            assert!(display_width(l) <= 100, "{}: {l}", path.display());
        }
    }
    let f = sample("curl-redirect.pcapng");
    let out = netexplain(&["conversations", f.to_str().unwrap(), "--wide"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("state (client/server)"));
    assert!(
        text.contains("TIME_WAIT") || text.contains("CLOSED"),
        "{text}"
    );
}

#[test]
fn man_page_and_completions_are_generated() {
    let out = netexplain(&["man"]);
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq \\(aq") || man.contains(".TH netexplain"),
        "{man}"
    );
    assert!(man.contains(".TH netexplain"));
    for sub in ["packets", "explain", "follow", "stats", "conversations"] {
        assert!(man.contains(sub), "{sub} missing from the man page");
    }
    for (shell, marker) in [
        ("bash", "complete -F _netexplain"),
        ("zsh", "#compdef netexplain"),
        ("fish", "complete -c netexplain"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = netexplain(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{shell}: {marker}");
        assert!(text.contains("display-filter"), "{shell}: -Y missing");
    }
}
