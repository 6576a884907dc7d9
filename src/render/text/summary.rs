//! The closing summary of a run: frames, bytes, link types, what was
//! skipped or dropped, and why reading stopped.

use super::*;

/// The closing summary.
pub fn summary(s: &Summary, out: &mut String) {
    let _ = writeln!(out, "{}", "Summary".bold());
    match s.stopped {
        Some(Stopped::Signal) => {
            let _ = writeln!(out, "  reading stopped by a signal (SIGINT or SIGTERM)");
        }
        Some(Stopped::Count) if s.frames == 0 => {
            let _ = writeln!(out, "  no frames read: the frame count asked for (-c) is 0");
        }
        Some(Stopped::Count) => {}
        None if s.frames == 0 => {
            let _ = writeln!(out, "  the capture holds no frames");
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "  {} frames, {} bytes, {:.3} s, {}",
        s.frames,
        s.bytes,
        s.duration(),
        escape(&s.format)
    );
    let lt: Vec<String> = s
        .linktypes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !lt.is_empty() {
        let _ = writeln!(out, "  link types: {}", lt.join(", "));
    }
    for (k, v) in &s.unsupported_linktypes {
        let _ = writeln!(out, "  {v} frames of link type {k} were not decoded");
    }
    if s.frames_with_errors > 0 || s.truncated_frames > 0 {
        let _ = writeln!(
            out,
            "  frames with problems: {}, cut short by the snap length: {}",
            s.frames_with_errors, s.truncated_frames
        );
    }
    let f = &s.flow;
    let _ = writeln!(
        out,
        "  TCP conversations: {}, DNS queries: {} ({} answered)",
        f.tcp_conversations, f.dns_queries, f.dns_responses_matched
    );
    if !f.fragments.is_empty() {
        let g = &f.fragments;
        let _ = writeln!(
            out,
            "  IP datagrams reassembled from fragments: {}; duplicate fragments ignored: {}; datagrams discarded for overlaps: {}; bad fragments: {}; given up unfinished: {}",
            g.reassembled,
            g.duplicates,
            g.discarded,
            g.bad_fragments,
            g.timed_out + g.evicted
        );
    }
    if f.bytes_dropped_at_bounds > 0 || f.conversations_evicted > 0 || f.dns_pending_dropped > 0 {
        let _ = writeln!(
            out,
            "  {} bounds reached: {} bytes not reassembled, {} conversations evicted, {} DNS queries not remembered",
            "!".yellow(),
            f.bytes_dropped_at_bounds,
            f.conversations_evicted,
            f.dns_pending_dropped
        );
    }
    if f.stream_gaps > 0 {
        let _ = writeln!(
            out,
            "  {} stream(s) with bytes the capture does not hold",
            f.stream_gaps
        );
    }
    if s.skipped_blocks > 0 {
        let _ = writeln!(
            out,
            "  {} pcapng blocks without packets skipped",
            s.skipped_blocks
        );
    }
}
