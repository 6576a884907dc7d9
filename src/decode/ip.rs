//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers with the extension-header
//! chain, through etherparse's lax slicing, which decodes as far as a
//! truncated frame's bytes go; fragments go to the reassembly seam
//! ([`super::defrag`]); IP inside IP (RFC 2003, RFC 4213 §3.5) starts the
//! walk again one tunnel deeper.

use super::defrag::{Defragmenter, Fragment, Reassembly};
use super::error::DecodeError;
use super::layer::Layer;
use super::link::ETHERTYPE_IPV4;
use super::packet::{FragInfo, IpInfo, Reassembled};
use super::walk::{IpPayload, Next, Walk};
use etherparse::err::ip::LaxHeaderSliceError;
use etherparse::err::ipv6_exts::{HeaderError, HeaderSliceError};
use etherparse::err::packet::SliceError;
use etherparse::LaxIpSlice;

/// What the IPv6 extension headers (RFC 8200 §4) hold, walked over the
/// bytes that carry them; stops at anything that does not fit.
#[derive(Debug, Default, PartialEq)]
struct ExtChain {
    /// Header types in wire order.
    types: Vec<u8>,
    /// The fragment header (§4.5): offset in bytes, M flag, identification.
    fragment: Option<(u32, bool, u32)>,
}

fn ipv6_ext_chain(mut next: u8, bytes: &[u8]) -> ExtChain {
    let mut out = ExtChain::default();
    let mut at = 0usize;
    while matches!(next, 0 | 43 | 44 | 60 | 51) && at + 2 <= bytes.len() {
        let len = match next {
            44 => 8,
            // RFC 4302 §2.2: AH length is in 4-octet units, minus 2.
            51 => (usize::from(bytes[at + 1]) + 2) * 4,
            _ => (usize::from(bytes[at + 1]) + 1) * 8,
        };
        if at + len > bytes.len() {
            break;
        }
        if next == 44 {
            let b = &bytes[at..at + 8];
            let off = u16::from_be_bytes([b[2], b[3]]);
            out.fragment = Some((
                u32::from(off & 0xfff8),
                off & 1 != 0,
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            ));
        }
        out.types.push(next);
        next = bytes[at];
        at += len;
    }
    out
}

/// The IP step (EtherType 0x0800 and 0x86dd): the header, then the
/// payload for the IP protocol table.
pub fn step<'a>(w: &mut Walk<'a, '_>, bytes: &'a [u8]) -> Next<'a> {
    let at = w.offset_of(bytes);
    let (ip, stop) = match LaxIpSlice::from_slice(bytes) {
        Ok(sliced) => sliced,
        Err(e) => {
            let error = match e {
                LaxHeaderSliceError::Len(l) => SliceError::Len(l),
                LaxHeaderSliceError::Content(c) => SliceError::Ip(c),
            };
            let v6 = bytes.first().is_some_and(|b| b >> 4 == 6);
            w.fail(DecodeError::Slice {
                layer: if v6 { Layer::Ipv6 } else { Layer::Ipv4 },
                stage: etherparse::err::Layer::IpHeader,
                error,
                offset: at,
            });
            return Next::Done;
        }
    };
    let v4 = matches!(ip, LaxIpSlice::Ipv4(_));
    let layer = if v4 { Layer::Ipv4 } else { Layer::Ipv6 };
    let stopped = stop.is_some();
    if let Some((e, stage)) = stop {
        let error = match e {
            HeaderSliceError::Len(l) => SliceError::Len(l),
            HeaderSliceError::Content(HeaderError::HopByHopNotAtStart) => {
                SliceError::Ipv6Exts(HeaderError::HopByHopNotAtStart)
            }
            HeaderSliceError::Content(HeaderError::IpAuth(auth)) if v4 => {
                SliceError::Ipv4Exts(auth)
            }
            HeaderSliceError::Content(HeaderError::IpAuth(auth)) => {
                SliceError::Ipv6Exts(HeaderError::IpAuth(auth))
            }
        };
        w.fail(DecodeError::Slice {
            layer,
            stage,
            error,
            offset: at,
        });
    }
    let pl = ip.payload().clone();
    if pl.incomplete {
        w.packet.truncated = true;
    }
    // Bytes of IP payload on the wire, from the IP header's own length;
    // and for a fragment, where it goes.
    let (info, wire_len, fragment) = match &ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let info = IpInfo {
                version: 4,
                src: h.source_addr().into(),
                dst: h.destination_addr().into(),
                ttl: h.ttl(),
                proto: pl.ip_number.0,
                id: Some(h.identification()),
                fragment: pl.fragmented,
                ext_headers: Vec::new(),
                frag: None,
                reassembled: None,
            };
            let frag = (
                u32::from(h.fragments_offset().value()) * 8,
                h.more_fragments(),
                u32::from(h.identification()),
            );
            let wire = usize::from(h.total_len()).checked_sub(h.slice().len());
            (info, wire, frag)
        }
        LaxIpSlice::Ipv6(v6) => {
            let h = v6.header();
            let exts = v6.extensions();
            // etherparse's own iterator over these headers reads past its
            // slice on some inputs (found by fuzzing), so the chain is
            // walked here over the bytes it delimits.
            let chain = ipv6_ext_chain(h.next_header().0, exts.slice());
            let info = IpInfo {
                version: 6,
                src: h.source_addr().into(),
                dst: h.destination_addr().into(),
                ttl: h.hop_limit(),
                proto: pl.ip_number.0,
                id: None,
                fragment: pl.fragmented,
                ext_headers: chain.types,
                frag: None,
                reassembled: None,
            };
            let wire = usize::from(h.payload_length()).checked_sub(exts.slice().len());
            (info, wire, chain.fragment.unwrap_or_default())
        }
    };
    // A length field claiming more than the frame held on the wire (the
    // frame's own length, not its snap length) is clamped to what was
    // there, and said: otherwise the missing bytes would count as stream
    // bytes that were never sent.
    let header_len = pl.payload.as_ptr() as usize - bytes.as_ptr() as usize;
    let wire_len = match (wire_len, w.on_wire_from(bytes)) {
        (Some(claimed), Some(frame)) if header_len + claimed > frame => {
            let held = frame.saturating_sub(header_len);
            w.fail(DecodeError::LengthPastFrame {
                layer,
                claimed,
                held,
                offset: at,
            });
            // The bytes past the frame were never there: not a capture cut.
            w.packet.truncated = w.packet.caplen < w.packet.len;
            Some(held)
        }
        (n, _) => n,
    };
    let fragment = pl.fragmented.then_some(Fragment {
        src: info.src,
        dst: info.dst,
        id: fragment.2,
        proto: pl.ip_number.0,
        offset: fragment.0,
        more: fragment.1,
        len: wire_len.map_or(pl.payload.len(), |n| n.max(pl.payload.len())) as u32,
        bytes: pl.payload,
        frame: w.packet.frame,
        ts: w.packet.ts,
    });
    let mut info = info;
    info.frag = fragment.map(|f| FragInfo {
        offset: f.offset,
        more: f.more,
        id: f.id,
    });
    w.packet.ip = Some(info);
    let payload = match fragment {
        Some(f) => match held_or(w.defragmenter(), &f) {
            (Reassembly::Held, reassembles) => {
                if !reassembles {
                    let offset = w.offset_of(pl.payload);
                    w.fail(DecodeError::NotReassembled { offset });
                }
                return Next::Done;
            }
            (Reassembly::Dropped(reason), _) => {
                let offset = w.offset_of(pl.payload);
                w.fail(DecodeError::FragmentDropped { reason, offset });
                return Next::Done;
            }
            (Reassembly::Complete(datagram), _) => {
                if let Some(ip) = w.packet.ip.as_mut() {
                    ip.reassembled = Some(Reassembled {
                        frames: datagram.frames.to_vec(),
                        length: datagram.payload.len(),
                    });
                }
                IpPayload::reassembled(f.proto, datagram.payload)
            }
        },
        None => IpPayload {
            proto: pl.ip_number.0,
            bytes: pl.payload,
            wire_len,
            ip_offset: pl.payload.as_ptr() as usize - bytes.as_ptr() as usize,
            len_source: pl.len_source,
        },
    };
    // Nothing above an IP layer that stopped short is decoded.
    if stopped {
        return Next::Done;
    }
    Next::Ip(payload)
}

/// Offers `f` to `d`; with whether `d` reassembles at all.
fn held_or<'a>(d: &'a mut dyn Defragmenter, f: &Fragment<'_>) -> (Reassembly<'a>, bool) {
    let reassembles = d.reassembles();
    (d.offer(f), reassembles)
}

/// IP protocols 4 and 41: an IPv4 or IPv6 packet is the payload (its own
/// version field says which).
pub fn ip_in_ip<'a>(w: &mut Walk<'a, '_>, payload: IpPayload<'a>) -> Next<'a> {
    // What is not an IP header is left as the outer packet's payload.
    if LaxIpSlice::from_slice(payload.bytes).is_err() {
        return Next::Done;
    }
    if !w.enter_tunnel(Layer::IpInIp, payload.bytes, false) {
        return Next::Done;
    }
    Next::EtherType(ETHERTYPE_IPV4, payload.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_chain_finds_the_fragment_header() {
        // Hop-by-hop (8 bytes, next: fragment), fragment header (next: UDP,
        // offset 185 × 8, M set, id 0x01020304).
        let mut b = vec![44, 0, 0, 0, 0, 0, 0, 0];
        b.extend([17, 0, 0x05, 0xc9, 1, 2, 3, 4]);
        let chain = ipv6_ext_chain(0, &b);
        assert_eq!(chain.types, vec![0, 44]);
        assert_eq!(chain.fragment, Some((1480, true, 0x0102_0304)));
        // Cut short: the fragment header does not fit, nothing is made up.
        let chain = ipv6_ext_chain(0, &b[..12]);
        assert_eq!(chain.types, vec![0]);
        assert_eq!(chain.fragment, None);
    }
}
