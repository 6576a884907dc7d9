//! The crate's architecture, checked on its sources: imports point down the
//! stack (capture → decode → flow → explain → render), no source file is
//! over 1,000 lines, the modules of `src/decode/` import one another
//! without a circle, and explain, render, filter and export compare typed
//! fields with their types, not with quoted labels. docs/ARCHITECTURE.md
//! explains the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The largest source file allowed, in lines.
const MAX_LINES: usize = 1000;

/// One source file: its path from the crate root, its module path and its
/// lines.
struct Source {
    path: String,
    module: Vec<String>,
    lines: Vec<String>,
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `src/**/*.rs`, with the module path each one is (`src/decode/tls/mod.rs`
/// is `decode::tls`, `src/lib.rs` and `src/main.rs` are the root).
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).expect("under src");
            let mut module: Vec<String> = rel
                .iter()
                .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            Source {
                path: format!("src/{}", rel.display()),
                module,
                lines: text.lines().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// The code of a line, without a trailing `//` comment (a doc comment or
/// a comment line is no code at all).
fn code(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    match line.find("//") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

/// The absolute paths (from the crate root) a line of `module` names:
/// `crate::a::b` and `super::…::a::b`, the items of a `{…}` group each
/// on its own.
fn paths(module: &[String], line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let (base, skip): (Vec<String>, usize) = if rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if rest.starts_with("super::") {
            let mut n = 0;
            let mut s = rest;
            while let Some(r) = s.strip_prefix("super::") {
                n += 1;
                s = r;
            }
            let keep = module.len().saturating_sub(n);
            (module[..keep].to_vec(), rest.len() - s.len())
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        // Only where a path starts (not inside `foo_crate::`).
        let starts = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        at += skip;
        if !starts {
            continue;
        }
        for tail in tails(&line[at..]) {
            let mut p = base.clone();
            p.extend(tail);
            found.push(p);
        }
    }
    found
}

/// The path segments after a `crate::` or `super::`: one path, or one per
/// item of a `{…}` group (only the group's first level).
fn tails(s: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> (String, usize) {
        let n = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (s[..n].to_string(), n)
    };
    let mut segs = Vec::new();
    let mut s = s;
    loop {
        if let Some(group) = s.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            return group[..end]
                .split(',')
                .map(|item| {
                    let (first, _) = ident(item.trim());
                    let mut p = segs.clone();
                    if !first.is_empty() {
                        p.push(first);
                    }
                    p
                })
                .collect();
        }
        let (id, n) = ident(s);
        if id.is_empty() {
            break;
        }
        segs.push(id);
        s = &s[n..];
        match s.strip_prefix("::") {
            Some(r) => s = r,
            None => break,
        }
    }
    vec![segs]
}

/// Which top modules a layer must not import.
fn forbidden_below(top: &str) -> &'static [&'static str] {
    match top {
        "decode" => &["flow", "explain", "render"],
        "flow" => &["explain", "render"],
        "explain" => &["render"],
        _ => &[],
    }
}

#[test]
fn imports_point_down_the_stack() {
    let mut bad = Vec::new();
    for s in sources() {
        let Some(top) = s.module.first() else {
            continue;
        };
        let forbidden = forbidden_below(top);
        for (i, line) in s.lines.iter().enumerate() {
            for p in paths(&s.module, code(line)) {
                if p.first().is_some_and(|m| forbidden.contains(&m.as_str())) {
                    bad.push(format!("{}:{}: {}", s.path, i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports that point up the stack (decode → flow → explain → render):\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_source_file_is_over_1000_lines() {
    let bad: Vec<String> = sources()
        .into_iter()
        .filter(|s| s.lines.len() > MAX_LINES)
        .map(|s| format!("{}: {} lines", s.path, s.lines.len()))
        .collect();
    assert!(
        bad.is_empty(),
        "source files over {MAX_LINES} lines (split them into a folder of modules):\n{}",
        bad.join("\n")
    );
}

/// A circle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn decode_modules_import_one_another_without_a_circle() {
    let all = sources();
    // The modules directly under decode (decode/mod.rs itself, which
    // declares them all, is not one of them).
    let modules: BTreeSet<String> = all
        .iter()
        .filter(|s| s.module.len() >= 2 && s.module[0] == "decode")
        .map(|s| s.module[1].clone())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
    for s in all
        .iter()
        .filter(|s| s.module.len() >= 2 && s.module[0] == "decode")
    {
        let from = &s.module[1];
        graph.entry(from.clone()).or_default();
        for (i, line) in s.lines.iter().enumerate() {
            for p in paths(&s.module, code(line)) {
                if p.len() >= 2 && p[0] == "decode" && modules.contains(&p[1]) && &p[1] != from {
                    graph.entry(from.clone()).or_default().insert(p[1].clone());
                    seen.entry((from.clone(), p[1].clone()))
                        .or_insert_with(|| format!("{}:{}", s.path, i + 1));
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                format!(
                    "decode::{} → decode::{} ({})",
                    w[0],
                    w[1],
                    seen[&(w[0].clone(), w[1].clone())]
                )
            })
            .collect();
        panic!("an import circle in src/decode/:\n{}", steps.join("\n"));
    }
}

/// Comparisons of a quoted label against a field that has a type of its
/// own: compare with the enum's variant instead.
const LABEL_COMPARISONS: &[&str] = &[
    ".kind == \"",
    ".kind != \"",
    "role == \"",
    "role != \"",
    "analysis.contains(&\"",
    "rtype == \"",
    "rcode == \"",
    "from == Some(\"",
    "from != Some(\"",
    ".op == \"",
    "message_type == Some(\"",
];

#[test]
fn typed_fields_are_not_compared_with_quoted_labels() {
    let mut bad = Vec::new();
    for s in sources() {
        let Some(top) = s.module.first() else {
            continue;
        };
        if !matches!(top.as_str(), "explain" | "render" | "filter" | "export") {
            continue;
        }
        for (i, line) in s.lines.iter().enumerate() {
            let c = code(line);
            if let Some(p) = LABEL_COMPARISONS.iter().find(|p| c.contains(**p)) {
                bad.push(format!("{}:{}: `{p}…`: {}", s.path, i + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} comparisons of a typed field with a quoted label:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_path_reader_resolves_crate_and_super() {
    let m: Vec<String> = ["decode", "tls", "hello"].map(String::from).to_vec();
    assert_eq!(
        paths(&m, "use super::super::dns::DnsMessage;"),
        vec![["decode", "dns", "DnsMessage"].map(String::from).to_vec()]
    );
    assert_eq!(
        paths(&m, "use super::super::super::flow::Tracker;")[0][0],
        "flow"
    );
    assert_eq!(
        paths(&m, "use crate::decode::{http, tls::TlsHandshake};"),
        vec![
            ["decode", "http"].map(String::from).to_vec(),
            ["decode", "tls"].map(String::from).to_vec()
        ]
    );
    assert!(paths(&m, "let x = my_crate::flow;").is_empty());
    assert_eq!(code("    // use crate::flow;"), "");
}
