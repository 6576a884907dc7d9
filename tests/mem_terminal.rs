//! `packets` on a terminal writes each frame as it is decoded, as
//! tcpdump's line-buffered standard output does; into a pipe, a capture
//! file is written in blocks. The write calls are counted by the kernel
//! (`syscw` of `/proc/PID/io`, read before the child is reaped), under a
//! pseudo-terminal made by Python's `pty` module.

mod common;

use common::*;
use std::process::Command;

/// Runs `netexplain packets -v FILE` with standard output on a
/// pseudo-terminal (`pty`) or a pipe (`pipe`), draining it, and returns
/// the number of write system calls the child made and the bytes it wrote.
const COUNT_WRITES: &str = r#"
import os, pty, subprocess, sys, threading
exe, path, how = sys.argv[1:4]
if how == "pty":
    master, slave = pty.openpty()
else:
    master, slave = os.pipe()
child = subprocess.Popen([exe, "packets", "-v", path], stdout=slave,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         env={"NO_COLOR": "1", "PATH": os.environ.get("PATH", "")})
os.close(slave)
def drain():
    try:
        while os.read(master, 65536):
            pass
    except OSError:
        pass
threading.Thread(target=drain, daemon=True).start()
# Wait for the exit without reaping, so that /proc still holds the counts.
os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
io = dict(l.split(": ") for l in open("/proc/%d/io" % child.pid).read().split("\n") if l)
child.wait()
print(io["syscw"], io["wchar"])
"#;

fn writes(how: &str, path: &std::path::Path) -> Option<(u64, u64)> {
    let out = Command::new("python3")
        .args(["-c", COUNT_WRITES, env!("CARGO_BIN_EXE_netexplain")])
        .arg(path)
        .arg(how)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut it = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    Some((it.next()?, it.next()?))
}

#[test]
fn a_file_to_a_terminal_is_written_frame_by_frame_and_to_a_pipe_in_blocks() {
    if !std::path::Path::new("/proc/self/io").exists() {
        eprintln!("skipped: no /proc/PID/io");
        return;
    }
    // lossy.pcapng: recorded by samples/record.sh (curl through a lossy link).
    let path = sample("lossy.pcapng");
    let frames = Command::new(env!("CARGO_BIN_EXE_netexplain"))
        .args(["packets", "--no-summary"])
        .arg(&path)
        .output()
        .unwrap()
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert!(frames > 100, "{frames} frames");
    let Some((tty_writes, tty_bytes)) = writes("pty", &path) else {
        eprintln!("skipped: python3 with pty and os.waitid is not available");
        return;
    };
    let (pipe_writes, pipe_bytes) = writes("pipe", &path).unwrap();
    // Both wrote the same report (the terminal adds nothing but may see
    // the same bytes); it is well over one 64 KiB block.
    assert_eq!(tty_bytes, pipe_bytes);
    assert!(pipe_bytes > 3 * 65536, "{pipe_bytes} bytes");
    // At least one write per frame on the terminal.
    assert!(
        tty_writes >= frames,
        "{tty_writes} writes for {frames} frames"
    );
    // Blocks into the pipe: the report's 64 KiB blocks, the summary and
    // what the runtime writes, far fewer than one per frame.
    assert!(
        pipe_writes <= pipe_bytes / 65536 + 8,
        "{pipe_writes} writes of {pipe_bytes} bytes into a pipe"
    );
}
