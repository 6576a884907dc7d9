//! The transport steps of the IP protocol table: TCP (RFC 9293 §3.1), UDP
//! (RFC 768) and IGMP (RFC 3376), sliced by etherparse; UDP payloads go on
//! to the UDP routes of [`super::dispatch`] (through [`Next::Udp`]).

use super::error::DecodeError;
use super::layer::Layer;
use super::packet::UdpInfo;
use super::tcp;
use super::walk::{IpPayload, Next, Walk};
use etherparse::err::packet::SliceError;
use etherparse::err::LenError;
use etherparse::{IgmpSlice, LenSource, TcpSlice, UdpSlice};

/// The header etherparse sliced, or `None` with the error recorded: a
/// header cut short is worded as etherparse's packet slicing words it, the
/// offset counted from the IP header, the length's source from the IP
/// header when it gave one.
pub(crate) fn sliced<T>(
    w: &mut Walk<'_, '_>,
    result: Result<T, LenError>,
    layer: Layer,
    stage: etherparse::err::Layer,
    pl: &IpPayload<'_>,
) -> Option<T> {
    let mut e = match result {
        Ok(t) => return Some(t),
        Err(e) => e,
    };
    e.layer_start_offset += pl.ip_offset;
    if e.len_source == LenSource::Slice {
        e.len_source = pl.len_source;
    }
    let offset = w.offset_of(pl.bytes);
    w.fail(DecodeError::Slice {
        layer,
        stage,
        error: SliceError::Len(e),
        offset,
    });
    None
}

/// IP protocol 6.
pub fn tcp<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let t = match TcpSlice::from_slice(pl.bytes) {
        Ok(t) => t,
        Err(etherparse::err::tcp::HeaderSliceError::Len(e))
            if options_cut(pl.bytes, pl.wire_len) =>
        {
            return tcp_options_cut(w, pl, e);
        }
        Err(etherparse::err::tcp::HeaderSliceError::Len(e)) => {
            sliced::<()>(
                w,
                Err(e),
                Layer::Tcp,
                etherparse::err::Layer::TcpHeader,
                &pl,
            );
            return Next::Done;
        }
        Err(etherparse::err::tcp::HeaderSliceError::Content(c)) => {
            let offset = w.offset_of(pl.bytes);
            w.fail(DecodeError::Slice {
                layer: Layer::Tcp,
                stage: etherparse::err::Layer::TcpHeader,
                error: SliceError::Tcp(c),
                offset,
            });
            return Next::Done;
        }
    };
    let header_len = usize::from(t.data_offset()) * 4;
    let (options, opt_err) = tcp::parse_options(t.options());
    if let Some(e) = opt_err {
        w.packet.errors.push(e);
    }
    let captured = t.payload().len();
    let on_wire = pl
        .wire_len
        .and_then(|n| n.checked_sub(header_len))
        .unwrap_or(captured)
        .max(captured);
    let bits = t.header_slice().get(13).copied().unwrap_or(0);
    w.packet.tcp = Some(tcp::TcpInfo {
        src_port: t.source_port(),
        dst_port: t.destination_port(),
        flags: tcp::TcpFlags(bits),
        flag_bits: bits,
        seq: t.sequence_number(),
        ack: t.acknowledgment_number(),
        window: t.window_size(),
        payload_len: on_wire as u32,
        options,
        ..tcp::TcpInfo::default()
    });
    if captured < on_wire {
        w.packet.truncated = true;
    }
    w.payload = t.payload();
    Next::Done
}

/// The fixed 20 bytes of a TCP header were captured but not all of its
/// options, and the IP header says the rest was on the wire: a snap length
/// cut, not a header that lies about its size.
fn options_cut(b: &[u8], wire_len: Option<usize>) -> bool {
    let Some(&offset) = b.get(12) else {
        return false;
    };
    let header_len = usize::from(offset >> 4) * 4;
    b.len() >= 20 && header_len > b.len() && wire_len.is_none_or(|n| n >= header_len)
}

/// A TCP header whose options the snap length cut (RFC 9293 §3.1): the
/// fixed fields are kept, the options captured whole are read, and the
/// options are marked truncated; the cut is said as a header cut short.
fn tcp_options_cut<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>, e: LenError) -> Next<'a> {
    let b = pl.bytes;
    let word = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    let long = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let header_len = usize::from(b[12] >> 4) * 4;
    let (options, _) = tcp::parse_options(&b[20..]);
    let on_wire = pl.wire_len.map_or(0, |n| n - header_len);
    w.packet.tcp = Some(tcp::TcpInfo {
        src_port: word(0),
        dst_port: word(2),
        flags: tcp::TcpFlags(b[13]),
        flag_bits: b[13],
        seq: long(4),
        ack: long(8),
        window: word(14),
        payload_len: on_wire as u32,
        options,
        options_truncated: true,
        ..tcp::TcpInfo::default()
    });
    sliced::<()>(
        w,
        Err(e),
        Layer::Tcp,
        etherparse::err::Layer::TcpHeader,
        &pl,
    );
    w.payload = &[];
    Next::Done
}

/// IP protocol 17.
pub fn udp<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let stage = etherparse::err::Layer::UdpHeader;
    let Some(u) = sliced(
        w,
        UdpSlice::from_slice_lax(pl.bytes),
        Layer::Udp,
        stage,
        &pl,
    ) else {
        return Next::Done;
    };
    let info = UdpInfo {
        src_port: u.source_port(),
        dst_port: u.destination_port(),
        length: u.length(),
    };
    let payload = u.payload();
    w.packet.udp = Some(info.clone());
    w.payload = payload;
    Next::Udp(info, payload)
}

/// IP protocol 2: checked for length, not summarised.
pub fn igmp<'a>(w: &mut Walk<'a, '_>, pl: IpPayload<'a>) -> Next<'a> {
    let stage = etherparse::err::Layer::Igmp;
    sliced(w, IgmpSlice::from_slice(pl.bytes), Layer::Igmp, stage, &pl);
    Next::Done
}
