//! rst-after-fin.pcapng: nginx answers an HTTP/1.0 request and closes
//! (FIN); the client closes without reading, and its TCP answers with RST
//! instead of a FIN. The story says who reset, why a TCP does that, and
//! that nobody waits in TIME_WAIT — frames compared with tshark.

mod common;

use common::*;

#[test]
fn a_rst_answering_the_fin_leaves_no_time_wait() {
    let name = "rst-after-fin.pcapng";
    let s = story(name, &[]);
    let t = &step(&s["page_loads"][0], "tcp_teardown")["facts"]["connections"][0];
    assert_eq!(t["closed_by"], "server");
    assert!(t["time_wait"].is_null(), "{t}");
    assert!(t["second_fin_frame"].is_null(), "{t}");
    if have_tshark() {
        let rows = tshark_fields(
            &sample(name),
            &["-Y", "tcp.flags.fin == 1 || tcp.flags.reset == 1"],
            &[
                "frame.number",
                "tcp.srcport",
                "tcp.flags.fin",
                "tcp.flags.reset",
            ],
        );
        // One FIN, from the server (port 8000), then one RST from the client.
        let fin: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[2] == "1" || r[2] == "True")
            .collect();
        let rst: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[3] == "1" || r[3] == "True")
            .collect();
        assert_eq!(fin.len(), 1);
        assert_eq!(fin[0][1], "8000");
        assert_eq!(rst.len(), 1);
        assert_ne!(rst[0][1], "8000");
        assert_eq!(t["first_fin_frame"].to_string(), fin[0][0]);
        assert_eq!(t["reset_frame"].to_string(), rst[0][0]);
    }
    let en = step_lines(&s, "tcp_teardown");
    assert!(en.contains("the client answered the FIN (acknowledged in frame 12) with RST instead of its own FIN"), "{en}");
    assert!(en.contains("RFC 1122 §4.2.2.13"), "{en}");
    assert!(en.contains("no TIME_WAIT follows"), "{en}");
    assert!(!en.contains("waits in TIME_WAIT"), "{en}");
    let zh = step_lines(&story(name, &["--lang", "zh"]), "tcp_teardown");
    assert!(
        zh.contains("客户端对这个 FIN（已在帧 12 确认）回的是 RST"),
        "{zh}"
    );
    assert!(zh.contains("不会进入 TIME_WAIT"), "{zh}");
    assert!(!zh.contains("进入 TIME_WAIT，等待"), "{zh}");
}
