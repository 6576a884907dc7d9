//! `export`: Parquet tables of the samples, read back with DuckDB (the
//! Python package) and with the parquet crate, against the tool's own JSON.

mod common;

use common::{all_samples, damaged_inputs, fresh_dir, netexplain, packets_json, sample};
use netexplain::export::{capture_name, tables};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};
use std::process::Command;

fn export(dir: &Path, files: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["export".to_string(), "--lang".into(), "en".into()];
    args.push("--to".into());
    args.push(dir.display().to_string());
    args.extend(files.iter().map(|p| p.display().to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    netexplain(&a)
}

/// Whether DuckDB's Python package can be imported; without it the tests
/// that need it say so and pass, except where NETEXPLAIN_REQUIRE_DUCKDB=1.
fn have_duckdb() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("NETEXPLAIN_REQUIRE_DUCKDB").as_deref() != Ok("1"),
            "the duckdb Python package is required (NETEXPLAIN_REQUIRE_DUCKDB=1) but python3 cannot import it"
        );
        eprintln!("skipped: python3 cannot import duckdb (pip install duckdb)");
    }
    ok
}

/// The tool's own JSON for a capture, written where the check script reads it.
fn write_json(dir: &Path, path: &Path) {
    let cap = capture_name(path);
    let p = path.to_str().unwrap();
    for (suffix, args) in [
        (
            "packets.ndjson",
            vec!["packets", p, "--format", "json", "--no-summary"],
        ),
        (
            "conversations.ndjson",
            vec!["conversations", p, "--format", "json"],
        ),
        (
            "explain.json",
            vec!["explain", p, "--format", "json", "--lang", "en"],
        ),
    ] {
        let out = netexplain(&args);
        assert!(out.status.success(), "{args:?}");
        std::fs::write(dir.join(format!("{cap}.{suffix}")), out.stdout).unwrap();
    }
}

#[test]
fn duckdb_reads_every_table_of_every_sample_equal_to_the_json() {
    if !have_duckdb() {
        return;
    }
    let dir = fresh_dir("export-all");
    let data = dir.join("dataset");
    let samples = all_samples();
    let out = export(&data, &samples);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for s in &samples {
        write_json(&dir, s);
    }
    let mut cmd = Command::new("python3");
    cmd.arg(sample("../tests/duckdb_check.py"))
        .arg(&data)
        .arg(&dir)
        .args(samples.iter().map(|s| capture_name(s)));
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One line per sample, each saying its tables equal the JSON.
    for s in &samples {
        let cap = capture_name(s);
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("{cap}: ")) && l.ends_with("equal")),
            "{cap} not checked:\n{stdout}"
        );
    }
    assert!(stdout.contains("checked "), "{stdout}");
}

fn file_reader(path: &Path) -> SerializedFileReader<std::fs::File> {
    SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap()
}

#[test]
fn parquet_files_carry_the_schema_and_version_and_one_row_per_frame() {
    let dir = fresh_dir("export-one");
    let cap = sample("curl-tls12.pcapng");
    let out = export(&dir, std::slice::from_ref(&cap));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frames = packets_json(&cap);
    for (table, cols) in tables::ALL {
        let path = dir.join(table).join("curl-tls12.parquet");
        let r = file_reader(&path);
        let meta = r.metadata().file_metadata();
        let kv: Vec<(String, Option<String>)> = meta
            .key_value_metadata()
            .unwrap()
            .iter()
            .map(|k| (k.key.clone(), k.value.clone()))
            .collect();
        assert!(kv.contains(&("netexplain.schema_version".into(), Some("1".into()))));
        assert!(kv.contains(&("netexplain.table".into(), Some(table.to_string()))));
        assert!(kv.contains(&("netexplain.capture".into(), Some("curl-tls12".into()))));
        let names: Vec<String> = meta
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        let mut want = vec!["capture".to_string(), "capture_id".to_string()];
        want.extend(cols.iter().map(|c| c.name.to_string()));
        assert_eq!(names, want, "{table}");
        if *table == "packets" {
            assert_eq!(meta.num_rows() as usize, frames.len());
        }
    }
}

#[test]
fn a_damaged_capture_exports_the_frames_before_the_damage_and_fails() {
    let dir = fresh_dir("export-damaged");
    let (cut, junk) = damaged_inputs(&dir);
    let good = sample("curl-ipv6.pcapng");
    let data = dir.join("dataset");
    let out = export(&data, &[cut.clone(), junk.clone(), good.clone()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut.pcapng") && err.contains("offset 2868"),
        "{err}"
    );
    assert!(
        err.contains("junk.pcap") && err.contains("not a pcap or pcapng"),
        "{err}"
    );
    // The frames before the damage, as `packets` decodes them.
    let before = netexplain(&[
        "packets",
        cut.to_str().unwrap(),
        "--format",
        "json",
        "--no-summary",
    ]);
    let n = String::from_utf8_lossy(&before.stdout).lines().count();
    assert!(n > 0);
    let r = file_reader(&data.join("packets/cut.parquet"));
    assert_eq!(r.metadata().file_metadata().num_rows() as usize, n);
    // The good file after them is complete.
    let r = file_reader(&data.join("packets/curl-ipv6.parquet"));
    assert_eq!(
        r.metadata().file_metadata().num_rows() as usize,
        packets_json(&good).len()
    );
    assert!(!data.join("packets/junk.parquet").exists());
}

#[test]
fn two_inputs_of_one_name_are_refused() {
    let dir = fresh_dir("export-names");
    let a = dir.join("a");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::copy(sample("curl-ipv6.pcapng"), a.join("curl-ipv6.pcapng")).unwrap();
    let out = export(
        &dir.join("d"),
        &[sample("curl-ipv6.pcapng"), a.join("curl-ipv6.pcapng")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("both named curl-ipv6"));
}

/// The SQL blocks of the README's export section, in order.
fn readme_queries() -> Vec<String> {
    let readme = std::fs::read_to_string(sample("../README.md")).unwrap();
    let start = readme
        .find("## Exporting to Parquet")
        .expect("README export section");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    let mut out = Vec::new();
    let mut rest = &section[..end];
    while let Some(a) = rest.find("```sql\n") {
        let body = &rest[a + 7..];
        let b = body.find("```").unwrap();
        out.push(body[..b].trim().to_string());
        rest = &body[b..];
    }
    out
}

#[test]
fn the_readme_example_queries_run_on_the_samples() {
    let queries = readme_queries();
    assert!(queries.len() >= 4, "{queries:?}");
    if !have_duckdb() {
        return;
    }
    let dir = fresh_dir("export-readme");
    let out = export(&dir.join("dataset"), &all_samples());
    assert!(out.status.success());
    // Each query runs from the directory that holds `dataset/` and returns rows.
    let script = "import duckdb,sys,json\nfor q in json.load(sys.stdin):\n    r = duckdb.sql(q).fetchall()\n    print(json.dumps([[str(c) for c in row] for row in r]))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&queries).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Vec<Vec<String>>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), queries.len());
    for (q, r) in queries.iter().zip(&results) {
        assert!(!r.is_empty(), "no rows from {q}");
    }
    readme_results_agree(&results);
}

/// What the README's queries return, checked against the JSON: the first
/// query counts packets per capture, the second lists TLS ClientHellos.
fn readme_results_agree(results: &[Vec<Vec<String>>]) {
    let counts = &results[0];
    for s in all_samples() {
        let cap = capture_name(&s);
        let row = counts
            .iter()
            .find(|r| r[0] == cap)
            .expect("every capture counted");
        assert_eq!(row[1], packets_json(&s).len().to_string(), "{cap}");
    }
    let hellos = &results[1];
    let tls12 = hellos
        .iter()
        .find(|r| r[0] == "curl-tls12")
        .expect("curl-tls12 has a ClientHello");
    let frames = packets_json(&sample("curl-tls12.pcapng"));
    let ch = frames
        .iter()
        .flat_map(|p| {
            p["tls"]["handshakes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|h| h["type"] == "client_hello")
        .unwrap();
    assert_eq!(tls12[1], ch["sni"].as_str().unwrap());
    assert_eq!(tls12[2], ch["ja4"].as_str().unwrap());
}

#[test]
fn the_readme_schema_table_is_the_one_the_tool_writes() {
    let readme = std::fs::read_to_string(sample("../README.md")).unwrap();
    let out = netexplain(&["export", "--schema"]);
    assert!(out.status.success());
    let schema = String::from_utf8(out.stdout).unwrap();
    assert!(schema
        .contains("| answers | list<struct<name string, type string, ttl int64, data string>> |"));
    assert!(
        readme.contains(&schema),
        "README's schema differs from `export --schema`"
    );
}
