//! UDP datagrams that no other story tells (RFC 768): the header's four
//! fields.

use super::{new_step, Ctx};
use crate::explain::{Status, Step};
use crate::notes::Lang;
use serde_json::json;

/// Datagrams told one by one; the rest are counted.
const MAX_TOLD: usize = 8;

pub(super) fn udp(ctx: &Ctx) -> Step {
    let mut s = new_step("udp", ctx.lang, Status::Observed);
    let recs = &ctx.ev.udp;
    for r in recs {
        s.frames.push(r.frame);
        s.timing([r.ts].into_iter());
    }
    s.fact("datagrams", recs.len());
    s.fact(
        "first",
        recs.iter()
            .take(MAX_TOLD)
            .map(|r| {
                json!({
                    "frame": r.frame,
                    "src": r.src.to_string(),
                    "dst": r.dst.to_string(),
                    "src_port": r.src_port,
                    "dst_port": r.dst_port,
                    "length": r.length,
                    "ttl": r.ttl,
                })
            })
            .collect::<Vec<_>>(),
    );
    s.line(
        ctx.t(
            "A UDP header has four 16-bit fields: source port, destination port, length (header and data, so at least 8) and checksum; there is no connection, no sequence number and no acknowledgement.",
            "UDP 首部只有四个 16 位字段：源端口、目的端口、长度（首部加数据，至少 8）和校验和；没有连接、序号和确认。",
        )
        .to_string(),
    );
    for r in recs.iter().take(MAX_TOLD) {
        let data = r.length.saturating_sub(8);
        s.line(match ctx.lang {
            Lang::En => format!(
                "Frame {}: {}:{} → {}:{}, length {} (8-byte header + {data} B of data), IP TTL {}.",
                r.frame, r.src, r.src_port, r.dst, r.dst_port, r.length, r.ttl
            ),
            Lang::Zh => format!(
                "帧 {}：{}:{} → {}:{}，长度 {}（8 字节首部 + {data} 字节数据），IP TTL 为 {}。",
                r.frame, r.src, r.src_port, r.dst, r.dst_port, r.length, r.ttl
            ),
        });
    }
    if recs.len() > MAX_TOLD {
        s.line(match ctx.lang {
            Lang::En => format!(
                "{} more datagrams are not told one by one.",
                recs.len() - MAX_TOLD
            ),
            Lang::Zh => format!("另有 {} 个数据报未逐一讲述。", recs.len() - MAX_TOLD),
        });
    }
    s
}
