//! QPACK field compression (RFC 9204): prefixed integers (§4.1.1), string
//! literals with the HPACK Huffman code (§4.1.2), the static table
//! (Appendix A), the dynamic table as the encoder stream's instructions
//! build it (§3.2, §4.3), and field sections (§4.5).

use loona_hpack::huffman::HuffmanDecoder;
use std::collections::VecDeque;
use thiserror::Error;

/// A field section, or an encoder instruction, that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QpackError {
    #[error("QPACK: {0} runs past its end")]
    Truncated(&'static str),
    #[error("QPACK: integer too large")]
    Integer,
    #[error("QPACK: Huffman string does not decode (RFC 9204 §4.1.2)")]
    Huffman,
    #[error("QPACK: static table has no entry {0} (RFC 9204 Appendix A)")]
    NoStatic(u64),
    #[error("QPACK: dynamic table has no entry {0} (RFC 9204 §3.2.4)")]
    NoDynamic(u64),
    #[error("QPACK: the field section needs {needed} dynamic table inserts, {seen} were seen on the encoder stream (RFC 9204 §2.1.2)")]
    Blocked { needed: u64, seen: u64 },
    #[error("QPACK: Required Insert Count does not decode (RFC 9204 §4.5.1.1)")]
    InsertCount,
    #[error("QPACK: entry of {0} bytes is larger than the table's capacity")]
    TooLarge(usize),
}

/// RFC 9204 Appendix A.
pub const STATIC: [(&str, &str); 99] = [
    (":authority", ""),
    (":path", "/"),
    ("age", "0"),
    ("content-disposition", ""),
    ("content-length", "0"),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("referer", ""),
    ("set-cookie", ""),
    (":method", "CONNECT"),
    (":method", "DELETE"),
    (":method", "GET"),
    (":method", "HEAD"),
    (":method", "OPTIONS"),
    (":method", "POST"),
    (":method", "PUT"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "103"),
    (":status", "200"),
    (":status", "304"),
    (":status", "404"),
    (":status", "503"),
    ("accept", "*/*"),
    ("accept", "application/dns-message"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-ranges", "bytes"),
    ("access-control-allow-headers", "cache-control"),
    ("access-control-allow-headers", "content-type"),
    ("access-control-allow-origin", "*"),
    ("cache-control", "max-age=0"),
    ("cache-control", "max-age=2592000"),
    ("cache-control", "max-age=604800"),
    ("cache-control", "no-cache"),
    ("cache-control", "no-store"),
    ("cache-control", "public, max-age=31536000"),
    ("content-encoding", "br"),
    ("content-encoding", "gzip"),
    ("content-type", "application/dns-message"),
    ("content-type", "application/javascript"),
    ("content-type", "application/json"),
    ("content-type", "application/x-www-form-urlencoded"),
    ("content-type", "image/gif"),
    ("content-type", "image/jpeg"),
    ("content-type", "image/png"),
    ("content-type", "text/css"),
    ("content-type", "text/html; charset=utf-8"),
    ("content-type", "text/plain"),
    ("content-type", "text/plain;charset=utf-8"),
    ("range", "bytes=0-"),
    ("strict-transport-security", "max-age=31536000"),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains; preload",
    ),
    ("vary", "accept-encoding"),
    ("vary", "origin"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    (":status", "100"),
    (":status", "204"),
    (":status", "206"),
    (":status", "302"),
    (":status", "400"),
    (":status", "403"),
    (":status", "421"),
    (":status", "425"),
    (":status", "500"),
    ("accept-language", ""),
    ("access-control-allow-credentials", "FALSE"),
    ("access-control-allow-credentials", "TRUE"),
    ("access-control-allow-headers", "*"),
    ("access-control-allow-methods", "get"),
    ("access-control-allow-methods", "get, post, options"),
    ("access-control-allow-methods", "options"),
    ("access-control-expose-headers", "content-length"),
    ("access-control-request-headers", "content-type"),
    ("access-control-request-method", "get"),
    ("access-control-request-method", "post"),
    ("alt-svc", "clear"),
    ("authorization", ""),
    (
        "content-security-policy",
        "script-src 'none'; object-src 'none'; base-uri 'none'",
    ),
    ("early-data", "1"),
    ("expect-ct", ""),
    ("forwarded", ""),
    ("if-range", ""),
    ("origin", ""),
    ("purpose", "prefetch"),
    ("server", ""),
    ("timing-allow-origin", "*"),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", ""),
    ("x-forwarded-for", ""),
    ("x-frame-options", "deny"),
    ("x-frame-options", "sameorigin"),
];

/// A byte reader for QPACK's bit-packed representations.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self, what: &'static str) -> Result<u8, QpackError> {
        self.b
            .get(self.at)
            .copied()
            .ok_or(QpackError::Truncated(what))
    }

    /// RFC 9204 §4.1.1 (RFC 7541 §5.1): an integer in the low `bits` bits
    /// of the current byte and the bytes after it.
    fn int(&mut self, bits: u32, what: &'static str) -> Result<u64, QpackError> {
        let max = (1u64 << bits) - 1;
        let mut v = u64::from(self.peek(what)?) & max;
        self.at += 1;
        if v < max {
            return Ok(v);
        }
        let mut shift = 0u32;
        loop {
            let b = self.peek(what)?;
            self.at += 1;
            if shift > 56 {
                return Err(QpackError::Integer);
            }
            v = v
                .checked_add(u64::from(b & 0x7f) << shift)
                .ok_or(QpackError::Integer)?;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
    }

    /// §4.1.2: a string literal whose H bit sits just above a `bits`-bit
    /// length prefix.
    fn string(
        &mut self,
        bits: u32,
        huffman: &mut HuffmanDecoder,
        what: &'static str,
    ) -> Result<String, QpackError> {
        let h = self.peek(what)? & (1 << bits) != 0;
        let n = usize::try_from(self.int(bits, what)?).map_err(|_| QpackError::Integer)?;
        let raw = self
            .b
            .get(self.at..self.at.saturating_add(n))
            .ok_or(QpackError::Truncated(what))?;
        self.at += n;
        let bytes = if h {
            huffman.decode(raw).map_err(|_| QpackError::Huffman)?
        } else {
            raw.to_vec()
        };
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn static_entry(i: u64) -> Result<(String, String), QpackError> {
    let (n, v) = usize::try_from(i)
        .ok()
        .and_then(|i| STATIC.get(i))
        .ok_or(QpackError::NoStatic(i))?;
    Ok(((*n).into(), (*v).into()))
}

/// One side's dynamic table (§3.2), built from the encoder stream that
/// side sends.
pub struct DynamicTable {
    /// Entries oldest first; the first has absolute index `dropped`.
    entries: VecDeque<(String, String)>,
    dropped: u64,
    size: usize,
    capacity: usize,
    /// Bytes of the encoder stream not yet formed into an instruction.
    pending: Vec<u8>,
    /// Built once (its table is a map); taken while a decode runs.
    huffman: Option<HuffmanDecoder>,
}

impl Default for DynamicTable {
    fn default() -> Self {
        DynamicTable {
            entries: VecDeque::new(),
            dropped: 0,
            size: 0,
            capacity: 0,
            pending: Vec::new(),
            huffman: Some(HuffmanDecoder::new()),
        }
    }
}

/// §3.2.1: an entry's size.
fn entry_size(n: &str, v: &str) -> usize {
    n.len() + v.len() + 32
}

/// The largest table capacity followed (a peer may allow more; memory
/// stays bounded).
pub const MAX_CAPACITY: usize = 64 << 10;

impl DynamicTable {
    /// Inserts made so far.
    pub fn insert_count(&self) -> u64 {
        self.dropped + self.entries.len() as u64
    }

    fn get(&self, absolute: u64) -> Result<(String, String), QpackError> {
        absolute
            .checked_sub(self.dropped)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.entries.get(i))
            .cloned()
            .ok_or(QpackError::NoDynamic(absolute))
    }

    fn insert(&mut self, n: String, v: String) -> Result<(), QpackError> {
        let size = entry_size(&n, &v);
        if size > self.capacity {
            return Err(QpackError::TooLarge(size));
        }
        while self.size + size > self.capacity {
            match self.entries.pop_front() {
                Some((a, b)) => {
                    self.size -= entry_size(&a, &b);
                    self.dropped += 1;
                }
                None => break,
            }
        }
        self.size += size;
        self.entries.push_back((n, v));
        Ok(())
    }

    fn set_capacity(&mut self, c: u64) {
        self.capacity = usize::try_from(c).unwrap_or(usize::MAX).min(MAX_CAPACITY);
        while self.size > self.capacity {
            let Some((a, b)) = self.entries.pop_front() else {
                break;
            };
            self.size -= entry_size(&a, &b);
            self.dropped += 1;
        }
    }

    /// Takes bytes of the encoder stream (§4.3) and applies every whole
    /// instruction; returns how many entries were inserted.
    pub fn feed_encoder(&mut self, data: &[u8]) -> Result<u64, QpackError> {
        self.pending.extend_from_slice(data);
        let before = self.insert_count();
        let buf = std::mem::take(&mut self.pending);
        let mut done = 0usize;
        loop {
            let mut r = Reader { b: &buf, at: done };
            if r.at >= buf.len() {
                break;
            }
            match self.instruction(&mut r) {
                Ok(()) => done = r.at,
                Err(QpackError::Truncated(_)) => break,
                Err(e) => return Err(e),
            }
        }
        self.pending = buf[done..].to_vec();
        if self.pending.len() > MAX_CAPACITY {
            self.pending.clear();
            return Err(QpackError::TooLarge(MAX_CAPACITY));
        }
        Ok(self.insert_count() - before)
    }

    fn instruction(&mut self, r: &mut Reader) -> Result<(), QpackError> {
        let first = r.peek("encoder instruction")?;
        let mut huffman = self.huffman.take().unwrap_or_else(HuffmanDecoder::new);
        let out = if first & 0x80 != 0 {
            // §4.3.2: Insert with Name Reference.
            let is_static = first & 0x40 != 0;
            let index = r.int(6, "name reference")?;
            let value = r.string(7, &mut huffman, "value")?;
            let name = if is_static {
                static_entry(index)?.0
            } else {
                let abs = self
                    .insert_count()
                    .checked_sub(index + 1)
                    .ok_or(QpackError::NoDynamic(index))?;
                self.get(abs)?.0
            };
            self.insert(name, value)
        } else if first & 0x40 != 0 {
            // §4.3.3: Insert with Literal Name.
            let name = r.string(5, &mut huffman, "name")?;
            let value = r.string(7, &mut huffman, "value")?;
            self.insert(name, value)
        } else if first & 0x20 != 0 {
            // §4.3.1: Set Dynamic Table Capacity.
            let c = r.int(5, "capacity")?;
            self.set_capacity(c);
            Ok(())
        } else {
            // §4.3.4: Duplicate.
            let index = r.int(5, "duplicate")?;
            let abs = self
                .insert_count()
                .checked_sub(index + 1)
                .ok_or(QpackError::NoDynamic(index))?;
            let (n, v) = self.get(abs)?;
            self.insert(n, v)
        };
        self.huffman = Some(huffman);
        out
    }

    /// Decodes a field section (§4.5) against this table. `max_capacity`
    /// is the SETTINGS_QPACK_MAX_TABLE_CAPACITY the decoder announced.
    pub fn field_section(
        &mut self,
        block: &[u8],
        max_capacity: u64,
    ) -> Result<Vec<[String; 2]>, QpackError> {
        let mut huffman = self.huffman.take().unwrap_or_else(HuffmanDecoder::new);
        let out = self.section(block, max_capacity, &mut huffman);
        self.huffman = Some(huffman);
        out
    }

    fn section(
        &self,
        block: &[u8],
        max_capacity: u64,
        huffman: &mut HuffmanDecoder,
    ) -> Result<Vec<[String; 2]>, QpackError> {
        let mut r = Reader { b: block, at: 0 };
        // §4.5.1.1: the Required Insert Count, encoded modulo 2 × MaxEntries.
        let encoded = r.int(8, "Required Insert Count")?;
        let ric = if encoded == 0 {
            0
        } else {
            let max_entries = max_capacity / 32;
            let full = 2 * max_entries;
            if full == 0 || encoded > full {
                return Err(QpackError::InsertCount);
            }
            let total = self.insert_count();
            let max_value = total + max_entries;
            let wrapped = max_value / full * full;
            let mut ric = wrapped + encoded - 1;
            if ric > max_value {
                if ric <= full {
                    return Err(QpackError::InsertCount);
                }
                ric -= full;
            }
            if ric == 0 {
                return Err(QpackError::InsertCount);
            }
            ric
        };
        if ric > self.insert_count() {
            return Err(QpackError::Blocked {
                needed: ric,
                seen: self.insert_count(),
            });
        }
        // §4.5.1.2: the Base, from the sign bit and Delta Base.
        let sign = r.peek("Delta Base")? & 0x80 != 0;
        let delta = r.int(7, "Delta Base")?;
        let base = if sign {
            ric.checked_sub(delta + 1).ok_or(QpackError::InsertCount)?
        } else {
            ric + delta
        };
        let relative = |i: u64| base.checked_sub(i + 1).ok_or(QpackError::NoDynamic(i));
        let mut fields = Vec::new();
        while r.at < block.len() {
            let b = r.peek("field line")?;
            let (name, value) = if b & 0x80 != 0 {
                // §4.5.2: Indexed Field Line.
                let is_static = b & 0x40 != 0;
                let i = r.int(6, "index")?;
                if is_static {
                    static_entry(i)?
                } else {
                    self.get(relative(i)?)?
                }
            } else if b & 0x40 != 0 {
                // §4.5.4: Literal Field Line with Name Reference.
                let is_static = b & 0x10 != 0;
                let i = r.int(4, "name index")?;
                let name = if is_static {
                    static_entry(i)?.0
                } else {
                    self.get(relative(i)?)?.0
                };
                (name, r.string(7, huffman, "value")?)
            } else if b & 0x20 != 0 {
                // §4.5.6: Literal Field Line with Literal Name.
                let name = r.string(3, huffman, "name")?;
                (name, r.string(7, huffman, "value")?)
            } else if b & 0x10 != 0 {
                // §4.5.3: Indexed Field Line with Post-Base Index.
                let i = r.int(4, "post-base index")?;
                self.get(base + i)?
            } else {
                // §4.5.5: Literal Field Line with Post-Base Name Reference.
                let i = r.int(3, "post-base name index")?;
                let name = self.get(base + i)?.0;
                (name, r.string(7, huffman, "value")?)
            };
            fields.push([name, value]);
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn pairs(v: &[[String; 2]]) -> Vec<(&str, &str)> {
        v.iter().map(|[a, b]| (a.as_str(), b.as_str())).collect()
    }

    /// RFC 9204 §B.1: a literal field line with a static name reference.
    #[test]
    fn rfc9204_b1_static_only() {
        let mut t = DynamicTable::default();
        let f = t
            .field_section(&hex("0000 510b 2f69 6e64 6578 2e68 746d 6c"), 0)
            .unwrap();
        assert_eq!(pairs(&f), [(":path", "/index.html")]);
    }

    /// RFC 9204 §B.2–B.4: the encoder stream fills the dynamic table, and
    /// field sections refer to it by relative and post-base index; then a
    /// Duplicate and an insert with a dynamic name reference.
    #[test]
    fn rfc9204_b2_to_b4_dynamic_table() {
        let mut t = DynamicTable::default();
        let n = t
            .feed_encoder(&hex(
                "3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468",
            ))
            .unwrap();
        assert_eq!(n, 2);
        let f = t.field_section(&hex("0381 10 11"), 220).unwrap();
        assert_eq!(
            pairs(&f),
            [(":authority", "www.example.com"), (":path", "/sample/path")]
        );
        // §B.3: Insert With Literal Name "custom-key: custom-value".
        let n = t
            .feed_encoder(&hex("4a637573746f6d2d6b65790c637573746f6d2d76616c7565"))
            .unwrap();
        assert_eq!(n, 1);
        // §B.4: Duplicate of relative index 2 (":authority").
        assert_eq!(t.feed_encoder(&hex("02")).unwrap(), 1);
        let f = t.field_section(&hex("0500 80 c1 81"), 220).unwrap();
        assert_eq!(
            pairs(&f),
            [
                (":authority", "www.example.com"),
                (":path", "/"),
                ("custom-key", "custom-value")
            ]
        );
        // A section that needs more inserts than were seen is blocked.
        assert!(matches!(
            t.field_section(&hex("0700 80"), 220),
            Err(QpackError::Blocked { .. })
        ));
    }

    #[test]
    fn huffman_and_bad_input() {
        let mut t = DynamicTable::default();
        // RFC 7541 §C.4.1's Huffman "www.example.com" as a literal-name
        // value under :authority (static index 0).
        let f = t
            .field_section(&hex("0000 50 8c f1e3c2e5f23a6ba0ab90f4ff"), 0)
            .unwrap();
        assert_eq!(pairs(&f), [(":authority", "www.example.com")]);
        assert!(t.field_section(&hex("0000 ff7f"), 0).is_err());
        assert!(t.field_section(&hex("0000 5f"), 0).is_err());
        assert!(t.field_section(&hex("0000 c0"), 0).is_ok());
        assert!(t
            .field_section(&hex("0000 ff ff ff ff ff ff ff ff ff ff ff 01"), 0)
            .is_err());
    }
}
