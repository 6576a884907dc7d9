//! DNS messages (RFC 1034/1035) over UDP and TCP, decoded with hickory-proto
//! and shown in presentation form (RFC 1035 §5.1; RFC 3597 §5 for types
//! without a known form; RFC 9460 §2.1 for SVCB and HTTPS).
//!
//! The message is walked section by section: hickory-proto reads every
//! domain name (with compression, RFC 1035 §4.1.4) and every record's data,
//! while the fixed-size fields (header, type, class, TTL, length) are read
//! here so that each problem can be placed at a byte offset. This also
//! lets a message survive one record hickory cannot decode:
//!
//! - A record whose data hickory rejects (a TXT string running past the
//!   record, an SVCB ALPN that is not UTF-8, …) keeps its name, type and
//!   TTL; its data is given in the generic form `\# <len> <hex>` followed
//!   by a master-file comment saying why, e.g.
//!   `\# 19 0b62… ; malformed TXT data: decoding stopped at byte 13 of 19`.
//!   The rest of the message is decoded as usual. (`Message::from_vec`
//!   would reject the whole message instead.)
//! - A broken name, or a message that ends inside a question or a record,
//!   makes the whole message an error: the record boundaries after it are
//!   unknown.
//! - The OPT pseudo-record (RFC 6891) is read here rather than through
//!   hickory, whose decoder drops every option when one is malformed and
//!   moves the record out of the additional section.
//!
//! Names are shown without the trailing dot, with bytes outside printable
//! ASCII as `\DDD` and the characters `. \ " ( ) ; @ $` escaped with a
//! backslash, as BIND does. An owner or question name that is the root is
//! shown as `<root>`; a root name inside record data (an SVCB target, a
//! null MX) as `.`.
//!
//! The modules:
//!
//! - [`message`]: the header, the sections and the message (RFC 1035 §4.1).
//! - [`types`]: the registry values — record types, classes, opcodes,
//!   response codes and header flags — typed, named as the registries do.
//! - [`ports`]: which DNS flavour a port speaks, and the transport.
//! - [`names`]: domain names, their compression and their escaping.
//! - [`rdata`]: each record type's data in presentation form.
//! - [`edns`]: the OPT pseudo-record and its options (RFC 6891).
//! - [`tcp`]: DNS over TCP, two-byte length framing (RFC 1035 §4.2.2).
//! - [`error`]: what can be wrong with a message, and where.

/// The bytes of a fixture under `src/decode/testdata/dns/`.
#[cfg(test)]
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/decode/testdata/dns/",
            $name,
            ".bin"
        ))
        .as_slice()
    };
}

pub mod edns;
pub mod error;
pub mod message;
pub mod names;
pub mod ports;
pub mod rdata;
pub mod tcp;
pub mod types;

#[cfg(test)]
mod fixtures;

pub use error::{DnsError, NameProblem, Place, Problem, Section};
pub use message::{parse_message, parse_message_partial, DnsMessage, DnsQuestion, DnsRecord};
pub use ports::{is_dns_port, is_dns_tcp_port, DnsProtocol, Transport};
pub use tcp::DnsTcpStream;
pub use types::{Class, Flag, Flags, Opcode, RType, Rcode};
