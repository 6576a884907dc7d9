//! What can be wrong with a DNS message, and at which byte offset. The
//! text of each error is what the packet listing shows.

use crate::decode::cursor::Short;
use std::fmt;
use thiserror::Error;

/// A DNS message, or a DNS-over-TCP stream, that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsError {
    /// Fewer bytes than the fixed header (RFC 1035 §4.1.1).
    #[error("DNS: message of {len} bytes is shorter than the 12-byte header")]
    ShortHeader { len: usize },
    /// A question or record that cannot be read; the records after it
    /// cannot be found.
    #[error("DNS: {problem} (in {place} of {} 0x{id:04x})", kind(*.response))]
    Malformed {
        problem: Problem,
        place: Place,
        response: bool,
        id: u16,
    },
    /// A TCP message longer than the bytes that may be held for it.
    #[error("DNS over TCP: a {len}-byte message is larger than the {max}-byte buffer and is passed over")]
    TooLarge { len: usize, max: usize },
    /// Bytes of a TCP stream were not captured.
    #[error("DNS over TCP: bytes are missing from the capture, so the message boundaries are lost; the rest of this stream is not decoded")]
    Gap,
}

fn kind(response: bool) -> &'static str {
    if response {
        "response"
    } else {
        "query"
    }
}

impl DnsError {
    /// The offset in the message of the byte the problem was found at.
    pub fn offset(&self) -> Option<usize> {
        match self {
            DnsError::ShortHeader { .. } => Some(0),
            DnsError::Malformed { problem, .. } => Some(problem.offset()),
            DnsError::TooLarge { .. } | DnsError::Gap => None,
        }
    }
}

/// Why a question or record cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    /// The message ends inside a field.
    #[error("message ends at offset {} inside the {what} at offset {at} ({needed} bytes needed, {left} left)", .at + .left)]
    Truncated {
        what: String,
        at: usize,
        needed: usize,
        left: usize,
    },
    #[error(transparent)]
    Name(#[from] NameProblem),
}

impl Problem {
    /// A short read of `what`.
    pub fn truncated(short: Short, what: impl Into<String>) -> Self {
        Problem::Truncated {
            what: what.into(),
            at: short.at,
            needed: short.needed,
            left: short.left,
        }
    }

    pub fn offset(&self) -> usize {
        match self {
            Problem::Truncated { at, .. } => *at,
            Problem::Name(n) => n.offset(),
        }
    }
}

impl From<Short> for Problem {
    fn from(short: Short) -> Self {
        Problem::truncated(short, short.what)
    }
}

/// Why a domain name cannot be read (RFC 1035 §2.3.4, §4.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameProblem {
    /// After a pointer, the labels read on into the run that held it.
    #[error(
        "name compression loop at offset {at}: the labels its pointer leads to run on into it"
    )]
    RunsOn { at: usize },
    #[error("the name at offset {start} runs past the end of the message at offset {end}")]
    PastEnd { start: usize, end: usize },
    #[error(
        "the {len}-byte label at offset {at} runs past the end of the message at offset {end}"
    )]
    LabelPastEnd { len: u8, at: usize, end: usize },
    #[error("the name at offset {start} is longer than 255 bytes")]
    TooLong { start: usize },
    #[error("the compression pointer at offset {at} is cut off by the end of the message")]
    PointerCut { at: usize },
    #[error("name compression loop at offset {at}: the pointer there leads back to offset {to}, within the same name")]
    Loop { at: usize, to: usize },
    #[error("the compression pointer at offset {at} leads forward to offset {to}; pointers must lead to earlier data (RFC 1035 §4.1.4)")]
    Forward { at: usize, to: usize },
    #[error("label length byte 0x{byte:02x} at offset {at}: a label holds at most 63 bytes and the 0x40 and 0x80 label types are not defined (RFC 1035 §4.1.4, RFC 6891 §5)")]
    BadLabel { byte: u8, at: usize },
    /// hickory rejected the name for a reason not found here.
    #[error("bad name at offset {at}: {why}")]
    Unreadable { at: usize, why: String },
}

impl NameProblem {
    pub fn offset(&self) -> usize {
        match *self {
            NameProblem::RunsOn { at }
            | NameProblem::LabelPastEnd { at, .. }
            | NameProblem::PointerCut { at }
            | NameProblem::Loop { at, .. }
            | NameProblem::Forward { at, .. }
            | NameProblem::BadLabel { at, .. }
            | NameProblem::Unreadable { at, .. } => at,
            NameProblem::PastEnd { start, .. } | NameProblem::TooLong { start } => start,
        }
    }
}

/// A section of the message (RFC 1035 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Answer, Section::Authority, Section::Additional];
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Answer => "answer",
            Section::Authority => "authority",
            Section::Additional => "additional",
        })
    }
}

/// Which entry of a message a problem is in, counting from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Question(u16),
    Record(Section, u16),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Question(i) => write!(f, "question {i}"),
            Place::Record(s, i) => write!(f, "{s} record {i}"),
        }
    }
}
