//! GRE (RFC 2784, with RFC 2890's key and sequence number; version 1 is
//! PPTP's enhanced GRE, RFC 2637 §4.1) and the ERSPAN mirroring headers it
//! carries: type I (no header, protocol 0x88be without a sequence number),
//! type II (0x88be, an 8-byte header) and type III (0x22eb, 12 bytes and an
//! optional 8-byte platform subheader), each followed by the mirrored
//! Ethernet frame.

use super::{by_protocol, enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::packet::Encap;
pub use crate::decode::tunnel_info::{ErspanInfo, GreInfo};
use crate::decode::walk::{IpPayload, Next, Walk};

/// The protocol types of ERSPAN type I/II and type III.
pub const ERSPAN_II: u16 = 0x88be;
pub const ERSPAN_III: u16 = 0x22eb;
/// PPP, as PPTP carries it in enhanced GRE.
pub const PPP: u16 = 0x880b;

/// Reads a GRE header: flags and version, protocol type, then the
/// optional checksum (and reserved), key and sequence number.
pub fn parse_gre(b: &[u8]) -> Result<(GreInfo, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::Gre);
    let flags = c.u16("GRE flags").map_err(&e)?;
    let protocol = c.u16("GRE protocol type").map_err(&e)?;
    let version = (flags & 0x7) as u8;
    if version > 1 {
        return Err(TunnelError::Version {
            layer: Layer::Gre,
            version,
        });
    }
    // RFC 1701's routing bit: RFC 2784 receivers discard such packets.
    if flags & 0x4000 != 0 {
        return Err(TunnelError::Invalid {
            layer: Layer::Gre,
            what: "source routing (RFC 1701) is not decoded",
        });
    }
    let mut info = GreInfo {
        version,
        protocol,
        checksum: None,
        key: None,
        seq: None,
        ack: None,
    };
    if flags & 0x8000 != 0 {
        info.checksum = Some(c.u16("GRE checksum").map_err(&e)?);
        c.u16("GRE reserved").map_err(&e)?;
    }
    if flags & 0x2000 != 0 {
        info.key = Some(c.u32("GRE key").map_err(&e)?);
    }
    if flags & 0x1000 != 0 {
        info.seq = Some(c.u32("GRE sequence number").map_err(&e)?);
    }
    if version == 1 && flags & 0x0080 != 0 {
        info.ack = Some(c.u32("GRE acknowledgment number").map_err(&e)?);
    }
    Ok((info, c.rest()))
}

/// Reads the ERSPAN header GRE's protocol type names; `seq` says whether
/// GRE carried a sequence number (type I has neither it nor a header).
pub fn parse_erspan(
    protocol: u16,
    seq: bool,
    b: &[u8],
) -> Result<(ErspanInfo, &[u8]), TunnelError> {
    if protocol == ERSPAN_II && !seq {
        let info = ErspanInfo {
            kind: 1,
            session_id: None,
            vlan: None,
        };
        return Ok((info, b));
    }
    let mut c = Cursor::new(b);
    let e = short(Layer::Erspan);
    let first = c.u16("ERSPAN version and VLAN").map_err(&e)?;
    let second = c.u16("ERSPAN session id").map_err(&e)?;
    let version = (first >> 12) as u8;
    let want = if protocol == ERSPAN_II { 1 } else { 2 };
    if version != want {
        return Err(TunnelError::Version {
            layer: Layer::Erspan,
            version,
        });
    }
    if version == 1 {
        c.u32("ERSPAN index").map_err(&e)?;
    } else {
        c.u32("ERSPAN timestamp").map_err(&e)?;
        c.u16("ERSPAN security group tag").map_err(&e)?;
        let last = c.u16("ERSPAN flags").map_err(&e)?;
        // The O flag: an 8-byte platform-specific subheader follows.
        if last & 1 != 0 {
            c.take(8, "ERSPAN platform subheader").map_err(&e)?;
        }
    }
    let info = ErspanInfo {
        kind: version + 1,
        session_id: Some(second & 0x03ff),
        vlan: Some(first & 0x0fff),
    };
    Ok((info, c.rest()))
}

/// IP protocol 47.
pub fn step<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let (info, inner) = match parse_gre(pl.bytes) {
        Ok(ok) => ok,
        Err(error) => return failed(w, pl.bytes, error),
    };
    let protocol = info.protocol;
    let seq = info.seq.is_some();
    if !matches!(protocol, ERSPAN_II | ERSPAN_III) {
        let kind = match protocol {
            PPP => return ppp_in_gre(w, info, inner),
            p => by_protocol(p),
        };
        return enter(w, Layer::Gre, Encap::Gre(info), kind, inner);
    }
    match parse_erspan(protocol, seq, inner) {
        Ok((erspan, frame)) => {
            if !w.enter_tunnel(Layer::Gre, frame, true) {
                return Next::Done;
            }
            w.packet.encap.push(Encap::Gre(info));
            enter(
                w,
                Layer::Erspan,
                Encap::Erspan(erspan),
                Inner::Ethernet,
                frame,
            )
        }
        Err(error) => failed(w, inner, error),
    }
}

/// PPTP's PPP frames: the PPP protocol field says what is inside.
fn ppp_in_gre<'a>(w: &mut Walk<'a, '_>, info: GreInfo, inner: &'a [u8]) -> Next<'a> {
    let (ppp, rest) = crate::decode::ppp::parse_ppp(inner, true);
    match ppp.ether_type() {
        Some(t) => enter(w, Layer::Gre, Encap::Gre(info), Inner::EtherType(t), rest),
        None => {
            if w.enter_tunnel(Layer::Gre, inner, false) {
                w.packet.encap.push(Encap::Gre(info));
                w.packet.ppp = Some(ppp);
            }
            Next::Done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gre_reads_checksum_key_and_sequence() {
        // C, K and S set; IPv4.
        let b = [
            0xb0, 0x00, 0x08, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9, 0x45,
        ];
        let (g, rest) = parse_gre(&b).unwrap();
        assert_eq!(g.checksum, Some(0x1234));
        assert_eq!(g.key, Some(7));
        assert_eq!(g.seq, Some(9));
        assert_eq!(g.protocol, 0x0800);
        assert_eq!(rest, &[0x45]);
        assert!(parse_gre(&b[..13]).is_err());
        assert!(matches!(
            parse_gre(&[0, 2, 8, 0]),
            Err(TunnelError::Version { version: 2, .. })
        ));
    }

    #[test]
    fn erspan_types_are_told_apart() {
        // Type II: version 1, VLAN 10, session 0x155, index.
        let b = [0x10, 0x0a, 0x01, 0x55, 0, 0, 0, 0, 0xee];
        let (e, rest) = parse_erspan(ERSPAN_II, true, &b).unwrap();
        assert_eq!((e.kind, e.session_id, e.vlan), (2, Some(0x155), Some(10)));
        assert_eq!(rest, &[0xee]);
        // Type I: no header at all.
        let (e, rest) = parse_erspan(ERSPAN_II, false, &b).unwrap();
        assert_eq!(e.kind, 1);
        assert_eq!(rest.len(), b.len());
        // Type III with the platform subheader.
        let mut b = vec![0x20, 0x00, 0x00, 0x07, 1, 2, 3, 4, 0, 0, 0, 1];
        b.extend([0; 8]);
        b.push(0xee);
        let (e, rest) = parse_erspan(ERSPAN_III, true, &b).unwrap();
        assert_eq!((e.kind, e.session_id), (3, Some(7)));
        assert_eq!(rest, &[0xee]);
        assert!(parse_erspan(ERSPAN_III, true, &b[..15]).is_err());
    }
}
