//! A QUIC flow (RFC 9000) as a connection: its Initial packets, the TLS
//! hellos they carry (RFC 9001), and its handshake packets.

use super::conn::story_view;
use super::*;
use crate::decode::quic::QuicFrame;
use crate::decode::stream::Side;

impl Evidence {
    pub(super) fn quic(&mut self, p: &Packet, src: (IpAddr, u16), dst: (IpAddr, u16), room: bool) {
        // The side the flow layer decided for the packet's connection;
        // for a datagram of no connection it knows, port 443 names the
        // server, and on any other port the side that sent a flow's first
        // packet is its client (RFC 9000 §7: the client's Initial opens
        // the connection).
        let decided = p.quic.as_ref().and_then(|q| q.sender);
        let from_client = if let Some(side) = decided {
            side == Side::Client
        } else if dst.1 == 443 {
            true
        } else if src.1 == 443 {
            false
        } else {
            !self.quic_flows.contains_key(&(dst, src))
        };
        let (client, server) = if from_client { (src, dst) } else { (dst, src) };
        let seg = Seg {
            frame: p.frame,
            ts: p.ts,
            from_client,
        };
        let next = QUIC_BASE + self.quic_flows.len() as u64;
        let id = match self.quic_flows.get(&(client, server)) {
            Some(id) => *id,
            None if room => {
                self.quic_flows.insert((client, server), next);
                self.conns
                    .insert(next, Conn::new(next, true, client, server, seg));
                next
            }
            None => {
                self.items_dropped += 1;
                return;
            }
        };
        if let Some(c) = self.conns.get_mut(&id) {
            let dir = usize::from(!from_client);
            c.last_ts = c.last_ts.max(p.ts);
            c.packets[dir] += 1;
            c.payload_bytes[dir] +=
                u64::from(p.udp.as_ref().map_or(0, |u| u.length)).saturating_sub(8);
            if c.frames.len() < MAX_PER_CONN {
                c.frames.push(p.frame);
            }
            if from_client {
                if let Some(e) = &p.eth {
                    c.client_mac.get_or_insert(e.src);
                    c.next_hop_mac.get_or_insert(e.dst);
                }
                if c.encap.is_empty() && !p.encap.is_empty() {
                    c.encap = p.encap.clone();
                }
            }
            if c.first_data[dir].is_none() {
                c.first_data[dir] = Some(seg);
            }
            if c.quic_datagrams.len() < 64 {
                let bytes = u64::from(p.udp.as_ref().map_or(0, |u| u.length)).saturating_sub(8);
                let handshake = from_client
                    && p.quic
                        .as_deref()
                        .into_iter()
                        .chain(&p.quic_more)
                        .any(|q| q.long_type == Some(LongType::Handshake));
                c.quic_datagrams.push((seg, bytes, handshake));
            }
            for q in p.quic.as_deref().into_iter().chain(&p.quic_more) {
                if from_client && q.long_type == Some(LongType::Initial) && c.quic_version.is_none()
                {
                    c.quic_version = q.version.clone();
                    c.quic_dcid = q.dcid.clone();
                }
                // RFC 9001 §4: the hellos travel in CRYPTO frames of
                // Initial packets; the rest of the handshake in Handshake
                // packets, encrypted, the way TLS 1.3 over TCP sends it in
                // encrypted records.
                for h in &q.handshakes {
                    if c.tls.len() < MAX_PER_CONN {
                        c.tls.push(TlsRec {
                            seg,
                            hs: story_view(h),
                        });
                    }
                }
                // A Handshake packet the key log opened lists its own
                // messages above; one not opened is one opaque record.
                if q.long_type == Some(LongType::Handshake)
                    && !q.decrypted
                    && c.tls.len() < MAX_PER_CONN
                {
                    c.tls.push(TlsRec {
                        seg,
                        hs: HandshakeSummary {
                            kind: HandshakeKind::EncryptedHandshakeMessage,
                            length: u32::try_from(q.length.unwrap_or(0)).unwrap_or(u32::MAX),
                            frames: vec![p.frame],
                            ..HandshakeSummary::default()
                        },
                    });
                }
                // RFC 9000 §17.3: 1-RTT packets carry the application's
                // data, and acknowledgements; they are not counted as
                // application-data records, which would pass every ACK off
                // as a request or response.
                if q.header == HeaderForm::Short {
                    c.quic_short[dir] += 1;
                }
                if from_client
                    && q.long_type == Some(LongType::Initial)
                    && c.quic_initials.len() < MAX_PER_CONN
                    && c.quic_initials.last().is_none_or(|l| l.frame != p.frame)
                {
                    c.quic_initials.push(seg);
                }
                // RFC 9000 §10.2: a CONNECTION_CLOSE ends the connection;
                // in an Initial it is readable without keys.
                if c.quic_close.is_none() {
                    for f in &q.frames {
                        if let QuicFrame::ConnectionClose {
                            error_code,
                            error,
                            application,
                            ..
                        } = f
                        {
                            c.quic_close = Some((seg, *error_code, error.clone(), *application));
                            break;
                        }
                    }
                }
            }
        }
    }
}
