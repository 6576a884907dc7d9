//! Text protocols that can turn into TLS in the middle of a connection:
//! SMTP's STARTTLS (RFC 3207), IMAP's STARTTLS (RFC 9051 §6.2.1, RFC 2595),
//! POP3's STLS (RFC 2595 §4) and FTP's AUTH TLS (RFC 4217 §4). Their
//! command and reply lines are read one by one; once the client asked to
//! start TLS and the server said go ahead (SMTP 220, IMAP's tagged OK,
//! POP3 +OK, FTP 234), each direction's next byte after that exchange is
//! the first byte of TLS and the stream is handed to the TLS decoder.
//!
//! Only the verb of a client's command is kept (and IMAP's tag): the
//! arguments of LOGIN, PASS, USER, AUTH and their continuation lines are
//! credentials. Server replies are kept as sent (lossy UTF-8, cut at
//! [`MAX_TEXT`] characters); renderers escape them.

use serde::Serialize;

/// The longest line read; a longer one stops the direction's decoding
/// (RFC 5321 §4.5.3.1.4 allows 512 octets, IMAP lines are longer).
const MAX_LINE: usize = 8192;
/// The characters of a reply line kept.
pub const MAX_TEXT: usize = 200;

/// Which protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TextProto {
    Smtp,
    Imap,
    Pop3,
    Ftp,
}

impl TextProto {
    /// By the well-known port of either end (SMTP 25 and 587, IMAP 143,
    /// POP3 110, FTP control 21).
    pub fn by_port(sport: u16, dport: u16) -> Option<(TextProto, u16)> {
        [dport, sport].into_iter().find_map(|p| {
            let proto = match p {
                25 | 587 => TextProto::Smtp,
                143 => TextProto::Imap,
                110 => TextProto::Pop3,
                21 => TextProto::Ftp,
                _ => return None,
            };
            Some((proto, p))
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TextProto::Smtp => "smtp",
            TextProto::Imap => "imap",
            TextProto::Pop3 => "pop3",
            TextProto::Ftp => "ftp",
        }
    }
}

/// One command or reply line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TextLine {
    pub protocol: TextProto,
    /// "command" (client) or "reply" (server).
    pub kind: &'static str,
    /// A command's verb, upper-cased (IMAP: the tag, then the command),
    /// or a reply line as sent.
    pub text: String,
    /// The reply accepts a request to start TLS: TLS starts at the next
    /// byte of each direction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub starts_tls: bool,
    pub frame: u64,
}

/// What the two directions share.
#[derive(Debug, Default)]
pub struct StarttlsConn {
    /// The client asked to start TLS: the IMAP tag of its command (empty
    /// for the other protocols).
    pub requested: Option<String>,
    /// The server said go ahead.
    pub accepted: bool,
}

/// What a feed found.
pub enum Switch {
    Continue,
    /// TLS starts at this offset of the bytes fed.
    Tls(usize),
    Stop,
}

/// One direction of a connection of one of the four protocols.
pub struct TextStream {
    proto: TextProto,
    from_client: bool,
    line: Vec<u8>,
    /// SMTP AUTH, or a command whose lines after it are data, not
    /// commands: reading stops (nothing after needs decoding here).
    stopped: bool,
}

impl TextStream {
    pub fn new(proto: TextProto, from_client: bool) -> Self {
        TextStream {
            proto,
            from_client,
            line: Vec::new(),
            stopped: false,
        }
    }

    pub fn buffered(&self) -> usize {
        self.line.len()
    }

    pub fn gap(&mut self, _errors: &mut Vec<String>) {
        self.stopped = true;
        self.line = Vec::new();
    }

    /// Takes the next in-order bytes, carried by `frame`.
    pub fn feed(
        &mut self,
        data: &[u8],
        frame: u64,
        conn: &mut StarttlsConn,
        out: &mut Vec<TextLine>,
        errors: &mut Vec<String>,
    ) -> Switch {
        let mut at = 0;
        while at < data.len() && !self.stopped {
            // The client's side switches once the server said go ahead
            // and no command is half-read.
            if self.from_client && conn.accepted && self.line.is_empty() {
                return Switch::Tls(at);
            }
            let Some(nl) = data[at..].iter().position(|&b| b == b'\n') else {
                self.line.extend_from_slice(&data[at..]);
                if self.line.len() > MAX_LINE {
                    errors.push(format!(
                        "{}: line longer than {MAX_LINE} bytes; stopped decoding this direction",
                        self.proto.as_str().to_uppercase()
                    ));
                    self.stopped = true;
                    self.line = Vec::new();
                }
                return Switch::Continue;
            };
            self.line.extend_from_slice(&data[at..at + nl]);
            at += nl + 1;
            let line = std::mem::take(&mut self.line);
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            let l = if self.from_client {
                self.command(line, conn)
            } else {
                self.reply(line, conn)
            };
            let go = l.starts_tls;
            out.push(TextLine { frame, ..l });
            if go {
                return Switch::Tls(at);
            }
        }
        if self.stopped {
            return Switch::Stop;
        }
        Switch::Continue
    }

    fn command(&mut self, line: &[u8], conn: &mut StarttlsConn) -> TextLine {
        let text = String::from_utf8_lossy(line);
        let mut words = text.split_ascii_whitespace();
        let (tag, verb) = if self.proto == TextProto::Imap {
            (words.next().unwrap_or(""), words.next().unwrap_or(""))
        } else {
            ("", words.next().unwrap_or(""))
        };
        let verb = verb.to_ascii_uppercase();
        let arg = words.next().unwrap_or("").to_ascii_uppercase();
        let starts_tls = match self.proto {
            TextProto::Smtp | TextProto::Imap => verb == "STARTTLS",
            TextProto::Pop3 => verb == "STLS",
            // RFC 4217 §4: AUTH TLS; "SSL" and "TLS-C" are older names.
            TextProto::Ftp => verb == "AUTH" && matches!(arg.as_str(), "TLS" | "SSL" | "TLS-C"),
        };
        if starts_tls {
            conn.requested = Some(tag.to_owned());
        }
        // After SMTP AUTH the next lines are credentials, and after DATA
        // the message: neither is read.
        if self.proto == TextProto::Smtp && matches!(verb.as_str(), "AUTH" | "DATA" | "BDAT") {
            self.stopped = true;
        }
        let mut shown = verb.clone();
        if self.proto == TextProto::Imap {
            shown = format!("{} {verb}", cut(tag, 40));
        } else if verb == "AUTH" && self.proto == TextProto::Ftp {
            shown = format!("AUTH {}", cut(&arg, 20));
        }
        TextLine {
            protocol: self.proto,
            kind: "command",
            text: cut(&shown, MAX_TEXT),
            starts_tls: false,
            frame: 0,
        }
    }

    fn reply(&mut self, line: &[u8], conn: &mut StarttlsConn) -> TextLine {
        let text = String::from_utf8_lossy(line);
        let mut starts_tls = false;
        if let Some(tag) = conn.requested.clone().filter(|_| !conn.accepted) {
            // A multi-line SMTP or FTP reply ends on "NNN " (RFC 5321
            // §4.2.1, RFC 959 §4.2); only that line decides.
            let final_code = |code: &str| {
                text.starts_with(code) && text.as_bytes().get(3).is_none_or(|&b| b == b' ')
            };
            let (ok, refused) = match self.proto {
                TextProto::Smtp => (
                    final_code("220"),
                    text.len() >= 4 && text.as_bytes()[3] == b' ' && !text.starts_with('2'),
                ),
                TextProto::Ftp => (
                    final_code("234"),
                    text.len() >= 4
                        && text.as_bytes()[3] == b' '
                        && (text.starts_with('4') || text.starts_with('5')),
                ),
                TextProto::Pop3 => (text.starts_with("+OK"), text.starts_with("-ERR")),
                TextProto::Imap => {
                    let mut w = text.split_ascii_whitespace();
                    let tagged = w.next() == Some(tag.as_str());
                    let status = w.next().unwrap_or("").to_ascii_uppercase();
                    (
                        tagged && status == "OK",
                        tagged && (status == "NO" || status == "BAD"),
                    )
                }
            };
            if ok {
                conn.accepted = true;
                starts_tls = true;
            } else if refused {
                conn.requested = None;
            }
        }
        TextLine {
            protocol: self.proto,
            kind: "reply",
            text: cut(&text, MAX_TEXT),
            starts_tls,
            frame: 0,
        }
    }
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds (from_client, bytes) in turn; returns the lines and, per
    /// feed, the offset TLS started at.
    fn run(proto: TextProto, parts: &[(bool, &[u8])]) -> (Vec<TextLine>, Vec<Option<usize>>) {
        let mut conn = StarttlsConn::default();
        let (mut c, mut s) = (TextStream::new(proto, true), TextStream::new(proto, false));
        let (mut out, mut errors, mut at) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (client, b)) in parts.iter().enumerate() {
            let d = if *client { &mut c } else { &mut s };
            at.push(
                match d.feed(b, i as u64 + 1, &mut conn, &mut out, &mut errors) {
                    Switch::Tls(n) => Some(n),
                    _ => None,
                },
            );
        }
        (out, at)
    }

    #[test]
    fn smtp_hands_over_after_the_220() {
        let (lines, at) = run(
            TextProto::Smtp,
            &[
                (false, b"220 mx ESMTP\r\n"),
                (true, b"EHLO client.example\r\n"),
                (false, b"250-mx\r\n250 STARTTLS\r\n"),
                (true, b"STARTTLS\r\n"),
                (false, b"220 2.0.0 Ready\r\n\x16\x03\x03"),
                (true, b"\x16\x03\x01\x02\x00"),
            ],
        );
        assert_eq!(at, [None, None, None, None, Some(17), Some(0)]);
        assert_eq!(lines[1].text, "EHLO");
        assert!(!lines[4].starts_tls && lines[5].starts_tls);
        assert_eq!(lines[5].text, "220 2.0.0 Ready");
        // The greeting's 220 is not a go-ahead: nothing was asked.
        assert!(!lines[0].starts_tls);
    }

    #[test]
    fn refusals_and_imap_tags() {
        let (_, at) = run(
            TextProto::Pop3,
            &[(true, b"STLS\r\n"), (false, b"-ERR no\r\n+OK\r\n")],
        );
        assert_eq!(at, [None, None]);
        let (lines, at) = run(
            TextProto::Imap,
            &[
                (true, b"A1 STARTTLS\r\n"),
                (false, b"* OK still here\r\nA1 OK go\r\n"),
                (true, b"\x16\x03\x01"),
            ],
        );
        assert_eq!(at, [None, Some(27), Some(0)]);
        assert_eq!(lines[0].text, "A1 STARTTLS");
        let (lines, _) = run(
            TextProto::Ftp,
            &[
                (true, b"USER anne\r\nPASS secret\r\n"),
                (true, b"AUTH TLS\r\n"),
            ],
        );
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["USER", "PASS", "AUTH TLS"]);
    }
}
