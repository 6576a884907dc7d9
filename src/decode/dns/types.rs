//! The registry values a DNS message carries, as numbers that display and
//! serialise under their registry names: record types (IANA "Resource
//! Record (RR) TYPEs", RFC 3597 §5 for unknown ones), classes (RFC 1035
//! §3.2.4), opcodes (RFC 1035 §4.1.1), response codes (IANA "DNS RCODEs")
//! and the header flags (RFC 1035 §4.1.1, RFC 4035 §3.2).

use hickory_proto::rr::RecordType;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// Implements `Display` through `name()` and `Serialize` as that text.
macro_rules! named {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.name())
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.name())
            }
        }
    };
}

/// A registry of numbers with names: `name()` gives the name, else the
/// prefix and the number (RFC 3597 §5 writes unknown classes so); plus
/// `Display` and `Serialize` as that text.
macro_rules! registry {
    ($t:ty, $prefix:literal, { $($n:literal => $name:literal,)* }) => {
        impl $t {
            pub fn name(self) -> Cow<'static, str> {
                Cow::Borrowed(match self.0 {
                    $($n => $name,)*
                    n => return Cow::Owned(format!(concat!($prefix, "{}"), n)),
                })
            }
        }

        named!($t);
    };
}

/// A record or query type: "A", "AAAA", "HTTPS", … or "TYPE65280" for a
/// type without a mnemonic (RFC 3597 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RType(pub u16);

impl RType {
    pub const A: RType = RType(1);
    pub const NS: RType = RType(2);
    pub const CNAME: RType = RType(5);
    pub const SOA: RType = RType(6);
    pub const PTR: RType = RType(12);
    pub const MX: RType = RType(15);
    pub const TXT: RType = RType(16);
    pub const AAAA: RType = RType(28);
    pub const SRV: RType = RType(33);
    pub const DNAME: RType = RType(39);
    /// The EDNS pseudo-record (RFC 6891 §6.1.2).
    pub const OPT: RType = RType(41);
    pub const SPF: RType = RType(99);
    pub const SVCB: RType = RType(64);
    pub const HTTPS: RType = RType(65);
    pub const CAA: RType = RType(257);

    /// hickory's view of this type.
    pub fn record_type(self) -> RecordType {
        RecordType::from(self.0)
    }

    /// The mnemonic (hickory's names, plus assigned types hickory does not
    /// know), else "TYPE<n>" (RFC 3597 §5).
    pub fn name(self) -> Cow<'static, str> {
        let name = match self.0 {
            // hickory calls these ZERO and ANAME; neither is an assigned type.
            0 | 65305 => None,
            code => match RecordType::from(code) {
                RecordType::Unknown(_) => other_type_name(code),
                rt => Some(<&'static str>::from(rt)),
            },
        };
        name.map_or_else(|| Cow::Owned(format!("TYPE{}", self.0)), Cow::Borrowed)
    }

    /// An address record: A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.1).
    pub fn is_address(self) -> bool {
        self == RType::A || self == RType::AAAA
    }
}

named!(RType);

/// Assigned types (IANA "Resource Record (RR) TYPEs") hickory has no name for.
fn other_type_name(code: u16) -> Option<&'static str> {
    Some(match code {
        3 => "MD",
        4 => "MF",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        11 => "WKS",
        14 => "MINFO",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        26 => "PX",
        27 => "GPOS",
        29 => "LOC",
        30 => "NXT",
        36 => "KX",
        38 => "A6",
        42 => "APL",
        45 => "IPSECKEY",
        49 => "DHCID",
        55 => "HIP",
        63 => "ZONEMD",
        99 => "SPF",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        253 => "MAILB",
        254 => "MAILA",
        256 => "URI",
        32768 => "TA",
        32769 => "DLV",
        _ => return None,
    })
}

/// A class: "IN", "CH", … else "CLASS<n>" (RFC 1035 §3.2.4, RFC 2136 §1.3
/// for NONE, RFC 3597 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Class(pub u16);

impl Class {
    pub const IN: Class = Class(1);
}

registry!(Class, "CLASS", {
    1 => "IN",
    3 => "CH",
    4 => "HS",
    254 => "NONE",
    255 => "ANY",
});

/// An opcode (RFC 1035 §4.1.1 and the IANA "DNS OpCodes" registry):
/// "QUERY", "NOTIFY", "UPDATE", … else "OPCODE<n>".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Opcode(pub u8);

impl Opcode {
    pub const QUERY: Opcode = Opcode(0);
    pub const NOTIFY: Opcode = Opcode(4);
    pub const UPDATE: Opcode = Opcode(5);
}

registry!(Opcode, "OPCODE", {
    0 => "QUERY",
    1 => "IQUERY",
    2 => "STATUS",
    4 => "NOTIFY",
    5 => "UPDATE",
    6 => "DSO",
});

/// A response code, with the extended bits of the OPT record (RFC 6891
/// §6.1.3): "NOERROR", "NXDOMAIN", "SERVFAIL", … else "RCODE<n>" (IANA
/// "DNS RCODEs"). 17–22 only appear in TSIG and TKEY records, but are
/// named all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rcode(pub u16);

impl Rcode {
    pub const NOERROR: Rcode = Rcode(0);
    pub const FORMERR: Rcode = Rcode(1);
    pub const SERVFAIL: Rcode = Rcode(2);
    pub const NXDOMAIN: Rcode = Rcode(3);
    pub const REFUSED: Rcode = Rcode(5);
    pub const BADVERS: Rcode = Rcode(16);
}

registry!(Rcode, "RCODE", {
    0 => "NOERROR",
    1 => "FORMERR",
    2 => "SERVFAIL",
    3 => "NXDOMAIN",
    4 => "NOTIMP",
    5 => "REFUSED",
    6 => "YXDOMAIN",
    7 => "YXRRSET",
    8 => "NXRRSET",
    9 => "NOTAUTH",
    10 => "NOTZONE",
    11 => "DSOTYPENI",
    16 => "BADVERS",
    17 => "BADKEY",
    18 => "BADTIME",
    19 => "BADMODE",
    20 => "BADNAME",
    21 => "BADALG",
    22 => "BADTRUNC",
    23 => "BADCOOKIE",
});

/// A header flag (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Authoritative answer.
    Aa,
    /// Truncated.
    Tc,
    /// Recursion desired.
    Rd,
    /// Recursion available.
    Ra,
    /// Authentic data.
    Ad,
    /// Checking disabled.
    Cd,
}

impl Flag {
    /// Every flag, in header order.
    pub const ALL: [Flag; 6] = [Flag::Aa, Flag::Tc, Flag::Rd, Flag::Ra, Flag::Ad, Flag::Cd];

    /// The flag's bit in the header's second 16-bit word.
    pub fn mask(self) -> u16 {
        match self {
            Flag::Aa => 0x0400,
            Flag::Tc => 0x0200,
            Flag::Rd => 0x0100,
            Flag::Ra => 0x0080,
            Flag::Ad => 0x0020,
            Flag::Cd => 0x0010,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Flag::Aa => "AA",
            Flag::Tc => "TC",
            Flag::Rd => "RD",
            Flag::Ra => "RA",
            Flag::Ad => "AD",
            Flag::Cd => "CD",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The header flags that are set, serialised as the list of their names
/// in header order: a subset of "AA", "TC", "RD", "RA", "AD", "CD".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// The flags set in the header's second 16-bit word.
    pub fn from_header(bits: u16) -> Self {
        Flag::ALL
            .into_iter()
            .filter(|f| bits & f.mask() != 0)
            .collect()
    }

    pub fn has(self, flag: Flag) -> bool {
        self.0 & flag.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// These flags and `flag`.
    pub fn with(self, flag: Flag) -> Self {
        Flags(self.0 | flag.bit())
    }

    /// The flags set, in header order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |&f| self.has(f))
    }

    /// The names of the flags set, in header order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Flag::name).collect()
    }
}

impl FromIterator<Flag> for Flags {
    fn from_iter<I: IntoIterator<Item = Flag>>(flags: I) -> Self {
        flags.into_iter().fold(Flags::default(), Flags::with)
    }
}

impl Serialize for Flags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Flag::name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names() {
        assert_eq!(Rcode(9).to_string(), "NOTAUTH");
        assert_eq!(Rcode(23).to_string(), "BADCOOKIE");
        assert_eq!(Rcode(15).to_string(), "RCODE15");
        assert_eq!(RType(29).to_string(), "LOC");
        assert_eq!(RType(65305).to_string(), "TYPE65305");
        assert_eq!(RType(0).to_string(), "TYPE0");
        assert_eq!(RType::HTTPS.to_string(), "HTTPS");
        assert_eq!(Class(3).to_string(), "CH");
        assert_eq!(Class(7).to_string(), "CLASS7");
        assert_eq!(Opcode(3).to_string(), "OPCODE3");
    }

    #[test]
    fn flags_serialise_as_names_in_header_order() {
        let f = Flags::from_header(0x0120 | 0x0010);
        assert!(f.has(Flag::Rd) && f.has(Flag::Cd) && !f.has(Flag::Tc));
        assert_eq!(f.names(), ["RD", "AD", "CD"]);
        assert_eq!(serde_json::to_string(&f).unwrap(), r#"["RD","AD","CD"]"#);
        assert_eq!(
            serde_json::to_string(&RType(65280)).unwrap(),
            r#""TYPE65280""#
        );
        assert!(Flags::default().is_empty());
    }
}
