//! Display filters in Wireshark's syntax (`-Y`), over the fields this tool
//! decodes: a lexer ([`lex`]), a parser that points at the column of a
//! mistake ([`parse`]), and evaluation over a decoded [`Packet`].
//!
//! The semantics follow Wireshark 4: a field with several values in one
//! frame (`ip.addr`, `tcp.port`) matches `==`, `<`, `contains` and
//! `matches` when any value does, and `a != b` means `!(a == b)`; a
//! relation on a field the frame does not have is false; `matches` is a
//! case-insensitive regular expression; a protocol or field name alone
//! tests its presence.

mod eval;
mod lex;
mod parse;

use crate::decode::Packet;
use std::fmt;

pub use parse::Expr;

/// A filter that could not be parsed: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based column, in characters, of the token at fault.
    pub column: usize,
    pub message: String,
}

impl FilterError {
    fn at(column: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            column,
            message: message.into(),
        }
    }

    /// The filter, a caret under the column at fault, and the message, as
    /// three lines for a terminal.
    pub fn pointed(&self, src: &str) -> String {
        let shown = crate::render::escape(src);
        format!(
            "{shown}\n{}^\n{}",
            " ".repeat(self.column.saturating_sub(1)),
            self
        )
    }
}

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
}

impl Filter {
    pub fn parse(src: &str) -> Result<Filter, FilterError> {
        let tokens = lex::lex(src)?;
        let expr = parse::parse(&tokens, src.chars().count())?;
        Ok(Filter { expr })
    }

    /// Whether the frame passes the filter.
    pub fn matches(&self, p: &Packet) -> bool {
        eval::eval(&self.expr, p)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.expr)
    }
}

/// The field names a filter may use, for help text and completions.
pub fn field_names() -> Vec<&'static str> {
    parse::FIELDS.iter().map(|(n, _, _)| *n).collect()
}
