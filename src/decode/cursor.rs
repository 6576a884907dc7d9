//! The one byte cursor the binary decoders share: bounded reads that fail
//! with a typed [`Short`] naming the field, where it began and how far the
//! bytes fell short. Each decoder words that failure in its own error type.

use std::fmt::Write;
use thiserror::Error;

/// A read ran past the end of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{what}: {needed} bytes needed at offset {at}, {left} left")]
pub struct Short {
    /// The field being read.
    pub what: &'static str,
    /// Offset of the read from the start of the cursor's bytes.
    pub at: usize,
    pub needed: usize,
    pub left: usize,
}

/// Big-endian reads over a byte slice.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    /// Offset of the next read.
    pub fn pos(&self) -> usize {
        self.at
    }

    /// Bytes not read yet.
    pub fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// The bytes not read yet, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }

    /// The next `n` bytes, which hold `what`.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Short> {
        if n > self.left() {
            return Err(Short {
                what,
                at: self.at,
                needed: n,
                left: self.left(),
            });
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, Short> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, Short> {
        let s = self.take(2, what)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }

    pub fn u24(&mut self, what: &'static str) -> Result<u32, Short> {
        let s = self.take(3, what)?;
        Ok(u32::from_be_bytes([0, s[0], s[1], s[2]]))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, Short> {
        let s = self.take(4, what)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// RFC 9000 §16: a variable-length integer, its length in the top two
    /// bits of the first byte.
    pub fn varint(&mut self, what: &'static str) -> Result<u64, Short> {
        let first = self.u8(what)?;
        let len = 1usize << (first >> 6);
        let mut v = u64::from(first & 0x3f);
        for &b in self.take(len - 1, what)? {
            v = (v << 8) | u64::from(b);
        }
        Ok(v)
    }

    /// A vector with a one-byte length prefix (RFC 8446 §3.4).
    pub fn vec8(&mut self, what: &'static str) -> Result<&'a [u8], Short> {
        let n = usize::from(self.u8(what)?);
        self.take(n, what)
    }

    /// A vector with a two-byte length prefix.
    pub fn vec16(&mut self, what: &'static str) -> Result<&'a [u8], Short> {
        let n = usize::from(self.u16(what)?);
        self.take(n, what)
    }

    /// A vector with a three-byte length prefix.
    pub fn vec24(&mut self, what: &'static str) -> Result<&'a [u8], Short> {
        let n = self.u24(what)? as usize;
        self.take(n, what)
    }
}

/// Lower-case hex of the bytes, two digits each.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_names_the_short_field() {
        let mut c = Cursor::new(&[0x01, 0x00, 0x02, 0xaa, 0xbb, 0x40, 0x25, 0x03]);
        assert_eq!(c.u8("type"), Ok(1));
        assert_eq!(c.vec16("body"), Ok(&[0xaa, 0xbb][..]));
        // RFC 9000 §A.1: 0x4025 is the two-byte encoding of 37.
        assert_eq!(c.varint("length"), Ok(37));
        assert_eq!(c.pos(), 7);
        assert_eq!(
            c.u16("port"),
            Err(Short {
                what: "port",
                at: 7,
                needed: 2,
                left: 1
            })
        );
        // A failed read consumes nothing.
        assert_eq!(c.rest(), &[0x03]);
        assert_eq!(
            c.vec8("name"),
            Err(Short {
                what: "name",
                at: 8,
                needed: 3,
                left: 0
            })
        );
    }

    #[test]
    fn hex_is_lower_case_pairs() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab]), "000fab");
    }
}
