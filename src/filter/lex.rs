//! Tokens of a display filter, each with the column it starts at.

use super::FilterError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A field name, a protocol name or an unquoted literal: they share a
    /// spelling, so the parser decides which by position.
    Word(String),
    /// A double-quoted string with its escapes resolved.
    Str(String),
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Not,
    LParen,
    RParen,
}

/// A token and its 1-based column (in characters).
#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub col: usize,
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '/' | '+')
}

pub fn lex(src: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let (tok, len) = match (c, two.as_str()) {
            (_, "==") => (Tok::Eq, 2),
            (_, "!=") => (Tok::Ne, 2),
            (_, "<=") => (Tok::Le, 2),
            (_, ">=") => (Tok::Ge, 2),
            (_, "&&") => (Tok::And, 2),
            (_, "||") => (Tok::Or, 2),
            ('<', _) => (Tok::Lt, 1),
            ('>', _) => (Tok::Gt, 1),
            ('!', _) => (Tok::Not, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('"', _) => {
                let (s, len) = string(&chars[i..], col)?;
                (Tok::Str(s), len)
            }
            (c, _) if word_char(c) => {
                let mut j = i;
                while j < chars.len() && word_char(chars[j]) {
                    j += 1;
                }
                let w: String = chars[i..j].iter().collect();
                let tok = match w.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "eq" => Tok::Eq,
                    "ne" => Tok::Ne,
                    "lt" => Tok::Lt,
                    "le" => Tok::Le,
                    "gt" => Tok::Gt,
                    "ge" => Tok::Ge,
                    _ => Tok::Word(w),
                };
                (tok, j - i)
            }
            (c, _) => {
                return Err(FilterError::at(
                    col,
                    format!("unexpected character {:?}", c.to_string()),
                ))
            }
        };
        out.push(Token { tok, col });
        i += len;
    }
    Ok(out)
}

/// A double-quoted string starting at `chars[0]`; returns it and the
/// number of characters it spans.
fn string(chars: &[char], col: usize) -> Result<(String, usize), FilterError> {
    let mut s = String::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((s, i + 1)),
            '\\' => {
                let Some(&e) = chars.get(i + 1) else { break };
                match e {
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'x' => {
                        let hex: String = chars.get(i + 2..i + 4).unwrap_or(&[]).iter().collect();
                        let v = u8::from_str_radix(&hex, 16).map_err(|_| {
                            FilterError::at(col + i, "\\x must be followed by two hex digits")
                        })?;
                        s.push(char::from(v));
                        i += 2;
                    }
                    other => s.push(other),
                }
                i += 2;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    Err(FilterError::at(
        col,
        "string is not closed by a double quote",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_columns() {
        let t = lex("ip.addr==198.51.100.1 && !tcp").unwrap();
        let cols: Vec<usize> = t.iter().map(|t| t.col).collect();
        assert_eq!(cols, vec![1, 8, 10, 23, 26, 27]);
        assert_eq!(t[1].tok, Tok::Eq);
        assert_eq!(t[4].tok, Tok::Not);
        assert_eq!(lex(r#""a\"b""#).unwrap()[0].tok, Tok::Str("a\"b".into()));
        assert_eq!(lex("tcp # x").unwrap_err().column, 5);
        assert_eq!(lex("dns.qry.name == \"open").unwrap_err().column, 17);
    }
}
