//! NDJSON: one object per frame (schema in the README). serde_json
//! escapes strings per RFC 8259, control characters included.

use crate::decode::Packet;
use std::io::{self, Write};

pub fn packet<W: Write>(p: &Packet, w: &mut W) -> io::Result<()> {
    serde_json::to_writer(&mut *w, p)?;
    w.write_all(b"\n")
}
