//! VXLAN (RFC 7348 §5) and Geneve (RFC 8926 §3.4): a 24-bit network
//! identifier over UDP, then an Ethernet frame (VXLAN) or a payload of the
//! EtherType Geneve names; Geneve's options are skipped by their length.

use super::{by_protocol, enter, failed, short, Inner, TunnelError};
use crate::decode::cursor::Cursor;
use crate::decode::layer::Layer;
use crate::decode::packet::{Encap, UdpInfo};
pub use crate::decode::tunnel_info::{GeneveInfo, VxlanInfo};
use crate::decode::walk::{Next, Walk};

/// The IANA port of VXLAN.
pub const VXLAN_PORT: u16 = 4789;
/// The IANA port of Geneve.
pub const GENEVE_PORT: u16 = 6081;

/// Reads a VXLAN header: flags (the I bit says the VNI is valid), 24
/// reserved bits, the VNI, 8 reserved bits.
pub fn parse_vxlan(b: &[u8]) -> Result<(VxlanInfo, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::Vxlan);
    let flags = c.u8("VXLAN flags").map_err(&e)?;
    c.take(3, "VXLAN reserved").map_err(&e)?;
    let vni = c.u24("VXLAN network identifier").map_err(&e)?;
    c.u8("VXLAN reserved").map_err(&e)?;
    if flags & 0x08 == 0 {
        // RFC 7348 §5: the I flag must be set for a valid VNI.
        return Err(TunnelError::Invalid {
            layer: Layer::Vxlan,
            what: "the I flag is clear: no valid network identifier",
        });
    }
    Ok((VxlanInfo { vni }, c.rest()))
}

/// Reads a Geneve header (version 0): version and options length, flags,
/// protocol type, VNI, reserved, then the options.
pub fn parse_geneve(b: &[u8]) -> Result<(GeneveInfo, &[u8]), TunnelError> {
    let mut c = Cursor::new(b);
    let e = short(Layer::Geneve);
    let first = c.u8("Geneve version").map_err(&e)?;
    let flags = c.u8("Geneve flags").map_err(&e)?;
    let protocol = c.u16("Geneve protocol type").map_err(&e)?;
    let vni = c.u24("Geneve VNI").map_err(&e)?;
    c.u8("Geneve reserved").map_err(&e)?;
    if first >> 6 != 0 {
        return Err(TunnelError::Version {
            layer: Layer::Geneve,
            version: first >> 6,
        });
    }
    let options_len = usize::from(first & 0x3f) * 4;
    c.take(options_len, "Geneve options").map_err(&e)?;
    let info = GeneveInfo {
        vni,
        protocol,
        options_len,
        oam: flags & 0x80 != 0,
    };
    Ok((info, c.rest()))
}

/// The UDP step of port 4789.
pub fn vxlan_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, b: &'a [u8]) -> Next<'a> {
    match parse_vxlan(b) {
        Ok((info, inner)) => enter(w, Layer::Vxlan, Encap::Vxlan(info), Inner::Ethernet, inner),
        Err(error) => failed(w, b, error),
    }
}

/// The UDP step of port 6081.
pub fn geneve_step<'a>(w: &mut Walk<'a, '_>, _: &UdpInfo, _: u16, b: &'a [u8]) -> Next<'a> {
    match parse_geneve(b) {
        Ok((info, inner)) => {
            let kind = by_protocol(info.protocol);
            enter(w, Layer::Geneve, Encap::Geneve(info), kind, inner)
        }
        Err(error) => failed(w, b, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vxlan_reads_its_vni_and_wants_the_i_flag() {
        let b = [0x08, 0, 0, 0, 0x00, 0x00, 0x2a, 0, 0xaa];
        let (v, rest) = parse_vxlan(&b).unwrap();
        assert_eq!(v.vni, 42);
        assert_eq!(rest, &[0xaa]);
        assert!(parse_vxlan(&[0, 0, 0, 0, 0, 0, 1, 0]).is_err());
        assert!(matches!(
            parse_vxlan(&b[..7]),
            Err(TunnelError::Short { .. })
        ));
    }

    #[test]
    fn geneve_skips_its_options() {
        // One 8-byte option (length 2 words), protocol 0x6558, VNI 0x0a0b0c.
        let mut b = vec![0x02, 0x00, 0x65, 0x58, 0x0a, 0x0b, 0x0c, 0x00];
        b.extend([0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x99]);
        let (g, rest) = parse_geneve(&b).unwrap();
        assert_eq!(g.vni, 0x0a0b0c);
        assert_eq!(g.protocol, 0x6558);
        assert_eq!(g.options_len, 8);
        assert_eq!(rest, &[0x99]);
        assert!(parse_geneve(&b[..12]).is_err());
    }
}
