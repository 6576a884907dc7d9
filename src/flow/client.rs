//! Who is the client of a conversation, decided once, by the flow layer,
//! from the first segment it sees of it; everything after (the packet's
//! `tcp.from`, the conversation table, the story's evidence) reads that
//! decision instead of guessing again.
//!
//! RFC 9293 §3.5: the client is the end that performs the active open,
//! sending the first SYN; the server answers it with a SYN-ACK. So the
//! sender of a SYN without ACK is the client, and the receiver of a
//! SYN-ACK. A capture that begins mid-connection shows no SYN: then the
//! end on a system port (below 1024, RFC 6335 §6) talking to one that is
//! not is the server, and otherwise the sender of the first segment seen
//! is taken for the client. QUIC's datagrams of no known connection have
//! their own port rule here too ([`quic_sent_by_client`]).

use super::Endpoint;
use crate::decode::stream::Side;
use crate::decode::tcp::{ACK, SYN};

/// The two ends of a conversation, as the flow layer decided them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peers {
    pub client: Endpoint,
    pub server: Endpoint,
}

impl Peers {
    /// Decides from the first segment seen of a TCP conversation, sent
    /// from `src` to `dst` with the flag byte `flags` (the rule in the
    /// module's documentation).
    pub fn decide(src: Endpoint, dst: Endpoint, flags: u8) -> Peers {
        let has = |b: u8| flags & b == b;
        let client = if has(SYN) && !has(ACK) {
            src
        } else if has(SYN) && has(ACK) {
            dst
        } else {
            client_without_handshake(src, dst)
        };
        Peers::with_client(client, src, dst)
    }

    /// The ends of a segment from `src` to `dst` that the flow layer
    /// marked as sent by `from` (`tcp.from`); a segment it did not mark is
    /// taken as the client's.
    pub fn of_segment(src: Endpoint, dst: Endpoint, from: Option<Side>) -> (Peers, Side) {
        let side = from.unwrap_or(Side::Client);
        let peers = match side {
            Side::Client => Peers {
                client: src,
                server: dst,
            },
            Side::Server => Peers {
                client: dst,
                server: src,
            },
        };
        (peers, side)
    }

    /// Which end sent a segment from `src`.
    pub fn side_of(&self, src: Endpoint) -> Side {
        if src == self.client {
            Side::Client
        } else {
            Side::Server
        }
    }

    fn with_client(client: Endpoint, a: Endpoint, b: Endpoint) -> Peers {
        let server = if client == a { b } else { a };
        Peers { client, server }
    }
}

/// The client of a conversation whose opening was not seen, from a packet
/// sent from `src` to `dst`: the end on a system port (below 1024) is the
/// server when the other end's port is not one, else `src` is the client.
/// The rule any transport without a visible handshake may share.
pub fn client_without_handshake(src: Endpoint, dst: Endpoint) -> Endpoint {
    if src.1 < 1024 && dst.1 >= 1024 {
        dst
    } else {
        src
    }
}

/// Whether a QUIC datagram of no known connection was sent by the client,
/// decided by its ports alone (a connection's later datagrams follow the
/// client Initial that opened it, RFC 9000 §7.2): it was, unless it comes
/// from port 443 to another port. Off port 443 neither side is known to be
/// the server, and the sender is taken for the client.
pub fn quic_sent_by_client(src_port: u16, dst_port: u16) -> bool {
    dst_port == 443 || src_port != 443
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tcp::FIN;

    fn ep(last: u8, port: u16) -> Endpoint {
        (std::net::IpAddr::from([192, 0, 2, last]), port)
    }

    #[test]
    fn the_syn_names_the_client() {
        let (c, s) = (ep(1, 50000), ep(2, 80));
        assert_eq!(Peers::decide(c, s, SYN).client, c);
        assert_eq!(Peers::decide(s, c, SYN | ACK).client, c);
        // A SYN from the low port still names its sender.
        assert_eq!(Peers::decide(s, c, SYN).client, s);
    }

    #[test]
    fn mid_stream_the_system_port_is_the_server() {
        let (c, s) = (ep(1, 50000), ep(2, 443));
        assert_eq!(Peers::decide(s, c, ACK).client, c);
        assert_eq!(Peers::decide(c, s, ACK | FIN).server, s);
        // Both ephemeral: the first sender.
        let other = ep(3, 40000);
        assert_eq!(Peers::decide(other, c, ACK).client, other);
        let p = Peers::decide(c, s, ACK);
        assert_eq!(p.side_of(s), Side::Server);
        assert_eq!(
            Peers::of_segment(s, c, Some(Side::Server)),
            (p, Side::Server)
        );
    }
}
