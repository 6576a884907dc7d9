//! The closing summary of a run: frames, bytes, link types, what was
//! skipped or dropped, and why reading stopped.

use super::*;

/// The closing summary, in English.
pub fn summary(s: &Summary, out: &mut String) {
    summary_in(s, Lang::En, out);
}

/// The closing summary in `lang`: the figures, link type names and the
/// file format are the same in both languages, only the words change.
pub fn summary_in(s: &Summary, lang: Lang, out: &mut String) {
    let zh = lang == Lang::Zh;
    let _ = writeln!(out, "{}", lang.t("Summary", "汇总").bold());
    match s.stopped {
        Some(Stopped::Signal) => {
            let _ = writeln!(
                out,
                "  {}",
                lang.t(
                    "reading stopped by a signal (SIGINT or SIGTERM)",
                    "收到信号（SIGINT 或 SIGTERM），读取中止"
                )
            );
        }
        Some(Stopped::Count) if s.frames == 0 => {
            let _ = writeln!(
                out,
                "  {}",
                lang.t(
                    "no frames read: the frame count asked for (-c) is 0",
                    "未读取任何帧：-c 指定的帧数为 0"
                )
            );
        }
        Some(Stopped::Count) => {}
        None if s.frames == 0 => {
            let _ = writeln!(
                out,
                "  {}",
                lang.t("the capture holds no frames", "抓包文件里没有帧")
            );
        }
        None => {}
    }
    if zh {
        let _ = writeln!(
            out,
            "  共 {} 帧，{} 字节，历时 {:.3} 秒，格式 {}",
            s.frames,
            s.bytes,
            s.duration(),
            escape(&s.format)
        );
    } else {
        let _ = writeln!(
            out,
            "  {} frames, {} bytes, {:.3} s, {}",
            s.frames,
            s.bytes,
            s.duration(),
            escape(&s.format)
        );
    }
    let lt: Vec<String> = s
        .linktypes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !lt.is_empty() {
        let sep = lang.t(", ", "，");
        let _ = writeln!(
            out,
            "  {}{}",
            lang.t("link types: ", "链路类型："),
            lt.join(sep)
        );
    }
    for (k, v) in &s.unsupported_linktypes {
        if zh {
            let _ = writeln!(out, "  链路类型 {k} 的 {v} 帧未解码");
        } else {
            let _ = writeln!(out, "  {v} frames of link type {k} were not decoded");
        }
    }
    if s.frames_with_errors > 0 || s.truncated_frames > 0 {
        if zh {
            let _ = writeln!(
                out,
                "  有问题的帧：{}，被抓包长度上限（snap length）截短的帧：{}",
                s.frames_with_errors, s.truncated_frames
            );
        } else {
            let _ = writeln!(
                out,
                "  frames with problems: {}, cut short by the snap length: {}",
                s.frames_with_errors, s.truncated_frames
            );
        }
    }
    let f = &s.flow;
    if zh {
        let _ = writeln!(
            out,
            "  TCP 会话：{}，DNS 查询：{}（{} 个有应答）",
            f.tcp_conversations, f.dns_queries, f.dns_responses_matched
        );
    } else {
        let _ = writeln!(
            out,
            "  TCP conversations: {}, DNS queries: {} ({} answered)",
            f.tcp_conversations, f.dns_queries, f.dns_responses_matched
        );
    }
    if !f.fragments.is_empty() {
        let g = &f.fragments;
        if zh {
            let _ = writeln!(
                out,
                "  由分片重组的 IP 数据报：{}；忽略的重复分片：{}；因重叠而丢弃的数据报：{}；损坏的分片：{}；未等齐就放弃的：{}",
                g.reassembled,
                g.duplicates,
                g.discarded,
                g.bad_fragments,
                g.timed_out + g.evicted
            );
        } else {
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
    }
    if f.bytes_dropped_at_bounds > 0 || f.conversations_evicted > 0 || f.dns_pending_dropped > 0 {
        if zh {
            let _ = writeln!(
                out,
                "  {} 达到内存上限：{} 字节未重组，{} 个会话被移出，{} 个 DNS 查询未记住",
                "!".yellow(),
                f.bytes_dropped_at_bounds,
                f.conversations_evicted,
                f.dns_pending_dropped
            );
        } else {
            let _ = writeln!(
                out,
                "  {} bounds reached: {} bytes not reassembled, {} conversations evicted, {} DNS queries not remembered",
                "!".yellow(),
                f.bytes_dropped_at_bounds,
                f.conversations_evicted,
                f.dns_pending_dropped
            );
        }
    }
    if f.stream_gaps > 0 {
        if zh {
            let _ = writeln!(out, "  {} 条数据流有字节未被抓到", f.stream_gaps);
        } else {
            let _ = writeln!(
                out,
                "  {} stream(s) with bytes the capture does not hold",
                f.stream_gaps
            );
        }
    }
    if s.skipped_blocks > 0 {
        if zh {
            let _ = writeln!(
                out,
                "  跳过了 {} 个不含数据包的 pcapng 块",
                s.skipped_blocks
            );
        } else {
            let _ = writeln!(
                out,
                "  {} pcapng blocks without packets skipped",
                s.skipped_blocks
            );
        }
    }
}
