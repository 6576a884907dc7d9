//! The conversation table's bound of rows (`conversations --max-rows`):
//! past it, the conversations without a row are counted with their
//! packets and bytes in one closing line that names the option raising
//! the bound. The counts are checked against the table of the same capture
//! made without a bound (samples/chromium-pageload.pcapng, recorded from
//! Chromium: 30 conversations, DNS over UDP and three TCP connections).

mod common;

use common::*;
use serde_json::Value;

const SAMPLE: &str = "chromium-pageload.pcapng";

fn table(extra: &[&str]) -> (Vec<Value>, String) {
    let path = sample(SAMPLE);
    let mut args = vec!["conversations", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = netexplain(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (rows, String::from_utf8(out.stderr).unwrap())
}

fn n(row: &Value, key: &str) -> u64 {
    row[key].as_u64().unwrap()
}

#[test]
fn rows_beyond_the_bound_are_counted_with_their_packets_and_bytes() {
    let (all, quiet) = table(&[]);
    assert_eq!(all.len(), 30, "every conversation has a row by default");
    assert!(!quiet.contains("not listed"), "{quiet}");

    // 26 rows: the 26th is a TCP row, so the rest mixes UDP and TCP.
    let bound = 26;
    let (kept, said) = table(&["--max-rows", &bound.to_string()]);
    assert_eq!(kept.len(), bound);
    assert_eq!(
        kept[..],
        all[..bound],
        "the first conversations keep their rows whole"
    );

    let rest = &all[bound..];
    let tcp = rest.iter().filter(|r| r["proto"] == "tcp").count();
    let udp_datagrams: u64 = rest
        .iter()
        .filter(|r| r["proto"] == "udp")
        .map(|r| n(r, "client_packets") + n(r, "server_packets"))
        .sum();
    let packets: u64 = rest
        .iter()
        .map(|r| n(r, "client_packets") + n(r, "server_packets"))
        .sum();
    let bytes: u64 = rest
        .iter()
        .map(|r| n(r, "client_bytes") + n(r, "server_bytes"))
        .sum();
    assert!(tcp > 0 && udp_datagrams > 0, "the rest holds both kinds");
    let expected = format!(
        "netexplain: not listed: {tcp} TCP conversation(s) and {udp_datagrams} UDP datagram(s) \
         of flows without a row beyond the table's {bound} rows ({packets} packets, {bytes} bytes); \
         --max-rows N raises the bound\n"
    );
    assert_eq!(said, expected);
}

#[test]
fn a_bound_the_capture_does_not_reach_says_nothing() {
    let (rows, said) = table(&["--max-rows", "30"]);
    assert_eq!(rows.len(), 30);
    assert!(said.is_empty(), "{said}");
}

#[test]
fn the_text_table_written_to_a_file_ends_with_the_line() {
    let dir = fresh_dir("conversations-bound");
    let out = dir.join("table.txt");
    let path = sample(SAMPLE);
    let run = netexplain(&[
        "conversations",
        path.to_str().unwrap(),
        "--max-rows",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("not listed: 3 TCP conversation(s) and ")
            && last.contains("beyond the table's 1 rows")
            && last.ends_with("--max-rows N raises the bound"),
        "{last}"
    );
    // The header and the one row kept.
    let rows = text
        .lines()
        .filter(|l| l.contains(" udp ") || l.contains(" tcp "))
        .count();
    assert_eq!(rows, 1, "{text}");
}
