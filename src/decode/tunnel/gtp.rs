//! GTP-U (3GPP TS 29.281 §5): the user-plane tunnel of mobile cores, over
//! UDP 2152. A G-PDU (message type 255) carries an IP packet after the
//! header, its optional sequence number, N-PDU number and chain of
//! extension headers (§5.2); other messages (echo, error indication, end
//! marker) are named and carry no packet.

use super::{enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::packet::{Encap, UdpInfo};
pub use crate::decode::tunnel_info::GtpInfo;
use crate::decode::walk::{Next, Walk};

/// The IANA port of GTP-U.
pub const GTP_U_PORT: u16 = 2152;
/// The message type of a packet carrying user data.
pub const G_PDU: u8 = 255;
/// How many extension headers are followed.
const MAX_EXTENSIONS: usize = 16;

/// Reads a GTP-U header (version 1, protocol type GTP) and returns the
/// bytes after it and its extension headers.
pub fn parse(b: &[u8]) -> Result<(GtpInfo, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::GtpU);
    let flags = c.u8("GTP-U flags").map_err(&e)?;
    let message_type = c.u8("GTP-U message type").map_err(&e)?;
    let length = usize::from(c.u16("GTP-U length").map_err(&e)?);
    let teid = c.u32("GTP-U TEID").map_err(&e)?;
    let version = flags >> 5;
    if version != 1 {
        return Err(TunnelError::Version {
            layer: Layer::GtpU,
            version,
        });
    }
    if flags & 0x10 == 0 {
        return Err(TunnelError::Invalid {
            layer: Layer::GtpU,
            what: "protocol type 0 is GTP' (charging), not decoded",
        });
    }
    let mut info = GtpInfo {
        teid,
        message_type,
        seq: None,
        extensions: Vec::new(),
    };
    // E, S or PN: the four optional bytes are all present (§5.1).
    if flags & 0x07 != 0 {
        let seq = c.u16("GTP-U sequence number").map_err(&e)?;
        c.u8("GTP-U N-PDU number").map_err(&e)?;
        let mut next = c.u8("GTP-U next extension type").map_err(&e)?;
        if flags & 0x02 != 0 {
            info.seq = Some(seq);
        }
        if flags & 0x04 == 0 {
            next = 0;
        }
        while next != 0 {
            if info.extensions.len() == MAX_EXTENSIONS {
                return Err(TunnelError::Invalid {
                    layer: Layer::GtpU,
                    what: "more than 16 extension headers",
                });
            }
            info.extensions.push(next);
            let units = usize::from(c.u8("GTP-U extension length").map_err(&e)?);
            if units == 0 {
                return Err(TunnelError::Invalid {
                    layer: Layer::GtpU,
                    what: "extension header of length 0",
                });
            }
            c.take(units * 4 - 2, "GTP-U extension content")
                .map_err(&e)?;
            next = c.u8("GTP-U next extension type").map_err(&e)?;
        }
    }
    // The length counts the bytes after the first 8; a frame padded
    // beyond it keeps only what the header claims.
    let rest = c.rest();
    let after = length.saturating_sub(c.pos() - 8);
    Ok((info, &rest[..after.min(rest.len())]))
}

/// The UDP step of port 2152.
pub fn step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, b: &'a [u8]) -> Next<'a> {
    match parse(b) {
        Ok((info, inner)) if info.message_type == G_PDU => {
            enter(w, Layer::GtpU, Encap::GtpU(info), Inner::Ip, inner)
        }
        Ok(_) => Next::Done,
        Err(error) => failed(w, b, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_headers_are_walked() {
        // E and S set, G-PDU, length 4 + 4 + 1, TEID 0x01020304, seq 5,
        // one PDU session container (0x85, 1 unit), then IPv4's first byte.
        let b = [
            0x36, 0xff, 0x00, 0x09, 1, 2, 3, 4, 0, 5, 0, 0x85, 1, 0x10, 0, 0, 0x45, 0xff,
        ];
        let (g, rest) = parse(&b).unwrap();
        assert_eq!(g.teid, 0x0102_0304);
        assert_eq!(g.seq, Some(5));
        assert_eq!(g.extensions, vec![0x85]);
        // The trailing byte is beyond the header's length.
        assert_eq!(rest, &[0x45]);
        assert!(parse(&b[..13]).is_err());
        assert!(matches!(
            parse(&[0x50, 0xff, 0, 0, 0, 0, 0, 0]),
            Err(TunnelError::Version { version: 2, .. })
        ));
    }
}
