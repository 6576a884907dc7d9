//! A TCP transfer told the way a textbook TCP lab asks about it: the
//! segment that carries the request and its relative sequence number, the
//! first segments with their send and ACK times, RTT samples and the
//! smoothed RTT of RFC 6298, segment sizes, the smallest advertised
//! window, bytes per ACK, segments per round trip (slow start, RFC 5681
//! §3.1) and throughput.

use super::{ms, new_step, round3, Ctx};
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;

/// First data segments told with their ACKs.
const SEGMENTS_TOLD: usize = 6;
/// Round trips counted for slow start.
const ROUNDS: usize = 6;

pub(super) fn transfer(ctx: &Ctx) -> Step {
    let mut s = new_step("tcp_transfer", ctx.lang, Status::Observed);
    s.cite(&[12]);
    let Some(c) = ctx.first_conn() else {
        return s;
    };
    let en = ctx.lang == Lang::En;
    let tr = &c.transfer;
    let side = |d: usize| ctx.side(d == 0);
    // The side that sent more is the sender of the transfer.
    let bulk = usize::from(c.payload_bytes[1] > c.payload_bytes[0]);
    s.fact("client", super::endpoint(c.client.0, c.client.1));
    s.fact("server", super::endpoint(c.server.0, c.server.1));
    s.fact("bytes_client", c.payload_bytes[0]);
    s.fact("bytes_server", c.payload_bytes[1]);
    s.fact("sender", if bulk == 0 { "client" } else { "server" });
    if c.payload_bytes == [0, 0] {
        s.status = Status::Observed;
        s.line(
            ctx.t(
                "No data was sent on this connection.",
                "这个连接上没有发送任何数据。",
            )
            .to_string(),
        );
        return s;
    }
    // The request: the client's first data segment.
    if let Some(d) = tr.data[0].first() {
        s.segs(&[d.seg]);
        s.fact("request_frame", d.seg.frame);
        s.fact("request_rel_seq", d.rel_seq);
        s.fact("request_len", d.len);
        s.line(if en {
            format!(
                "Frame {}: the client's first data segment (the request), relative sequence number {} (the SYN took number 0), {} B.",
                d.seg.frame, d.rel_seq, d.len
            )
        } else {
            format!(
                "帧 {}：客户端的第一个数据报文段（请求），相对序号 {}（SYN 占用了序号 0），{} 字节。",
                d.seg.frame, d.rel_seq, d.len
            )
        });
    }
    s.line(if en {
        format!(
            "The client sent {} B and the server {} B of data; the {} sends most, in {} segments of at most {} B.",
            c.payload_bytes[0],
            c.payload_bytes[1],
            side(bulk),
            tr.data_segments[bulk],
            tr.max_len[bulk]
        )
    } else {
        format!(
            "客户端发送了 {} 字节数据，服务器发送了 {} 字节；主要由{}发送，共 {} 个报文段，最大 {} 字节。",
            c.payload_bytes[0],
            c.payload_bytes[1],
            side(bulk),
            tr.data_segments[bulk],
            tr.max_len[bulk]
        )
    });
    s.fact("segments", tr.data_segments[bulk]);
    s.fact("max_segment", tr.max_len[bulk]);
    if let Some(mss) = if bulk == 0 {
        &c.syn_ack_options
    } else {
        &c.syn_options
    }
    .as_ref()
    .and_then(|o| o.mss)
    {
        s.fact("peer_mss", mss);
    }
    // Send and ACK times of the first segments, and the RTT estimate of
    // RFC 6298 §2: the first sample R sets SRTT = R, RTTVAR = R/2; each
    // later one RTTVAR = 3/4 RTTVAR + 1/4 |SRTT − R|, SRTT = 7/8 SRTT +
    // 1/8 R. A segment sent again gives no sample (§3, Karn's rule).
    let mut srtt: Option<f64> = None;
    let mut rttvar = 0.0;
    let mut rows = Vec::new();
    let at_sender = bulk == 0;
    for d in tr.data[bulk].iter().take(SEGMENTS_TOLD) {
        s.segs(&[d.seg]);
        let sample = d
            .acked
            .filter(|_| !d.retransmitted)
            .map(|a| (a.ts - d.seg.ts) * 1000.0);
        if let (Some(r), true) = (sample, at_sender) {
            srtt = Some(match srtt {
                None => {
                    rttvar = r / 2.0;
                    r
                }
                Some(sr) => {
                    rttvar = 0.75 * rttvar + 0.25 * (sr - r).abs();
                    0.875 * sr + 0.125 * r
                }
            });
        }
        if let Some(a) = d.acked {
            s.segs(&[a]);
        }
        rows.push(json!({
            "frame": d.seg.frame,
            "rel_seq": d.rel_seq,
            "len": d.len,
            "sent": round3(d.seg.ts - ctx.t0),
            "ack_frame": d.acked.map(|a| a.frame),
            "acked": d.acked.map(|a| round3(a.ts - ctx.t0)),
            "sample_ms": sample.map(round3),
            "srtt_ms": if at_sender { srtt.map(round3) } else { None },
        }));
        let ack = match (d.acked, en) {
            (Some(a), true) => format!(
                "acknowledged by frame {} at {:+.6} s",
                a.frame,
                a.ts - ctx.t0
            ),
            (Some(a), false) => format!("由帧 {} 在 {:+.6} 秒确认", a.frame, a.ts - ctx.t0),
            (None, true) => "no ACK for it was captured".to_string(),
            (None, false) => "抓包中没有它的确认".to_string(),
        };
        let est = match (sample, at_sender, srtt, en) {
            (Some(r), true, Some(sr), true) => {
                format!("; RTT sample {r:.3} ms, smoothed RTT {sr:.3} ms")
            }
            (Some(r), true, Some(sr), false) => {
                format!("；RTT 样本 {r:.3} 毫秒，平滑 RTT {sr:.3} 毫秒")
            }
            (Some(r), false, _, true) => format!("; {r:.3} ms from arrival to ACK here"),
            (Some(r), false, _, false) => format!("；在此处从到达到确认 {r:.3} 毫秒"),
            (None, _, _, true) if d.retransmitted => "; sent again, so no RTT sample".into(),
            (None, _, _, false) if d.retransmitted => "；被重传，不作 RTT 样本".into(),
            _ => String::new(),
        };
        s.line(if en {
            format!(
                "Frame {}: {} B at relative sequence {}, sent at {:+.6} s, {ack}{est}.",
                d.seg.frame,
                d.len,
                d.rel_seq,
                d.seg.ts - ctx.t0
            )
        } else {
            format!(
                "帧 {}：{} 字节，相对序号 {}，于 {:+.6} 秒发出，{ack}{est}。",
                d.seg.frame,
                d.len,
                d.rel_seq,
                d.seg.ts - ctx.t0
            )
        });
    }
    s.fact("first_segments", rows);
    if let Some(sr) = srtt {
        s.fact("srtt_ms", round3(sr));
        s.fact("rttvar_ms", round3(rttvar));
    }
    if !at_sender {
        s.line(
            ctx.t(
                "The capture was taken at the receiving side, so the time from a segment to its ACK is the receiver's ACK delay, not a round trip; the handshake gives the round trip instead.",
                "抓包点在接收方一侧，因此报文段到其确认的时间只是接收方的确认延迟，而不是往返时间；往返时间改由握手给出。",
            )
            .to_string(),
        );
    }
    // The round trip seen from the client: SYN to SYN-ACK.
    let handshake_rtt = match (c.syns.first(), c.syn_ack) {
        (Some(a), Some(b)) if b.ts >= a.ts => Some(b.ts - a.ts),
        _ => None,
    };
    if let Some(r) = handshake_rtt {
        s.fact("handshake_rtt_ms", ms(0.0, r));
    }
    // Windows.
    for d in 0..2 {
        if let Some((w, frame)) = tr.min_window[d] {
            s.fact(
                if d == 0 {
                    "min_window_client"
                } else {
                    "min_window_server"
                },
                w,
            );
            s.frames.push(frame);
            s.line(if en {
                format!(
                    "The smallest window the {} advertised: {w} B (frame {frame}){}.",
                    side(d),
                    if w == 0 {
                        ": zero — it had no room, and the sender had to wait"
                    } else {
                        ""
                    }
                )
            } else {
                format!(
                    "{}通告的最小窗口：{w} 字节（帧 {frame}）{}。",
                    side(d),
                    if w == 0 {
                        "：零窗口——接收缓存已满，发送方只能等待"
                    } else {
                        ""
                    }
                )
            });
        }
    }
    // Bytes per ACK, from the receiving side's ACKs of new data.
    let recv = 1 - bulk;
    if tr.new_acks[recv] > 0 {
        let per = tr.bytes_acked[recv] as f64 / tr.new_acks[recv] as f64;
        s.fact("acks", tr.new_acks[recv]);
        s.fact("bytes_per_ack", (per * 10.0).round() / 10.0);
        s.line(if en {
            format!(
                "The {} sent {} ACKs that acknowledged new data, {per:.0} B each on average ({:.1} segments of {} B).",
                side(recv),
                tr.new_acks[recv],
                per / f64::from(tr.max_len[bulk].max(1)),
                tr.max_len[bulk]
            )
        } else {
            format!(
                "{}发送了 {} 个确认新数据的 ACK，平均每个确认 {per:.0} 字节（{:.1} 个 {} 字节的报文段）。",
                side(recv),
                tr.new_acks[recv],
                per / f64::from(tr.max_len[bulk].max(1)),
                tr.max_len[bulk]
            )
        });
    }
    // Segments per round trip, counted in intervals of one handshake RTT
    // from the first data segment.
    let times = &tr.times[bulk];
    if let (Some(r), Some(&t0)) = (handshake_rtt.filter(|r| *r > 0.0), times.first()) {
        let mut rounds = [0u64; ROUNDS];
        for t in times {
            let k = ((t - t0) / r) as usize;
            if k < ROUNDS {
                rounds[k] += 1;
            }
        }
        let used: Vec<u64> = rounds.to_vec();
        s.fact("segments_per_rtt", used.clone());
        let grows = used.windows(2).take(3).all(|w| w[1] > w[0]) && used[0] > 0;
        let list = used
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(if en { ", " } else { "、" });
        s.line(if en {
            format!(
                "Data segments of the {} per round trip (intervals of {:.3} ms from the first): {list}{}.",
                side(bulk),
                r * 1000.0,
                if grows {
                    " — growing each round trip, as slow start does (RFC 5681 §3.1: the window grows by about one segment per ACK)"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "{}每个往返时间内发送的数据报文段（从第一个起每 {:.3} 毫秒一段）：{list}{}。",
                side(bulk),
                r * 1000.0,
                if grows {
                    "——逐轮增长，符合慢启动（RFC 5681 §3.1：每收到一个 ACK 窗口约增加一个报文段）"
                } else {
                    ""
                }
            )
        });
        if grows {
            s.fact("slow_start", true);
        }
    }
    // Throughput: the sender's bytes over the time from its first to its
    // last data segment.
    if let Some((a, b)) = tr.data_span[bulk].filter(|(a, b)| b > a) {
        let bps = c.payload_bytes[bulk] as f64 * 8.0 / (b - a);
        s.fact("throughput_bps", bps.round());
        s.line(if en {
            format!(
                "Throughput of the {}: {} B in {:.3} s, {}.",
                side(bulk),
                c.payload_bytes[bulk],
                b - a,
                rate(bps, Lang::En)
            )
        } else {
            format!(
                "{}的吞吐量：{:.3} 秒内 {} 字节，{}。",
                side(bulk),
                b - a,
                c.payload_bytes[bulk],
                rate(bps, Lang::Zh)
            )
        });
    }
    s
}

fn rate(bps: f64, lang: Lang) -> String {
    let (v, u) = if bps >= 1e6 {
        (bps / 1e6, "Mbit/s")
    } else {
        (bps / 1e3, "kbit/s")
    };
    match lang {
        Lang::En => format!("{v:.2} {u}"),
        Lang::Zh => format!("{v:.2} {u}"),
    }
}
