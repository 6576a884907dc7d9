//! Networking notes that the story cites: the built-in ones (English and
//! Chinese, numbered 01–13) and a loader for a user's own Markdown notes
//! with `## NN - title` headings.

pub mod claims;

use serde::Serialize;
use std::path::Path;

/// Language of the story's prose and of the built-in notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Picks the text in this language.
    pub fn t<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The language a locale string such as `zh_CN.UTF-8` asks for;
    /// English for anything that is not Chinese.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// From LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map_or(Lang::En, |v| Lang::from_locale(&v))
    }
}

/// One `## NN - title` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub number: u8,
    pub title: String,
    /// The section's text up to the next section heading.
    #[serde(skip)]
    pub body: String,
}

/// A set of notes the story cites by section number.
#[derive(Debug, Clone, Serialize)]
pub struct Notes {
    /// "built-in (en)", "built-in (zh)" or the file it was read from.
    pub source: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    /// The I/O error is not a `#[source]`: the message already says it.
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: no `## NN - title` section headings found")]
    NoSections { path: String },
    #[error("{path}: line {line}: section {number:02} appears twice")]
    Duplicate {
        path: String,
        line: usize,
        number: u8,
    },
}

const BUILTIN_EN: &str = include_str!("en.md");
const BUILTIN_ZH: &str = include_str!("zh.md");

impl Notes {
    /// The notes shipped with netexplain, in the given language.
    pub fn builtin(lang: Lang) -> Notes {
        let (text, source) = match lang {
            Lang::En => (BUILTIN_EN, "built-in (en)"),
            Lang::Zh => (BUILTIN_ZH, "built-in (zh)"),
        };
        Notes::parse(text, source).expect("the built-in notes have sections")
    }

    /// Reads a user's notes file.
    pub fn load(path: &Path) -> Result<Notes, NotesError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| NotesError::Io {
            path: shown.clone(),
            error,
        })?;
        Notes::parse(&text, &shown)
    }

    /// Parses Markdown whose level-2 headings are `## NN - title` (a dash,
    /// en dash, colon or full stop may separate number and title). Other
    /// headings belong to the section above them.
    pub fn parse(text: &str, source: &str) -> Result<Notes, NotesError> {
        // Editors on Windows often save UTF-8 with a byte-order mark and
        // CRLF line ends; `lines` already drops the CR before each LF.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut sections: Vec<Section> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if let Some((number, title)) = section_heading(line) {
                if sections.iter().any(|s| s.number == number) {
                    return Err(NotesError::Duplicate {
                        path: source.to_string(),
                        line: i + 1,
                        number,
                    });
                }
                sections.push(Section {
                    number,
                    title,
                    body: String::new(),
                });
            } else if let Some(s) = sections.last_mut() {
                s.body.push_str(line);
                s.body.push('\n');
            }
        }
        if sections.is_empty() {
            return Err(NotesError::NoSections {
                path: source.to_string(),
            });
        }
        for s in &mut sections {
            s.body = s.body.trim().to_string();
        }
        Ok(Notes {
            source: source.to_string(),
            sections,
        })
    }

    pub fn section(&self, number: u8) -> Option<&Section> {
        self.sections.iter().find(|s| s.number == number)
    }

    /// The sentence of the claim's section that makes the claim, cleaned
    /// for quoting; None when the section is missing or does not make it.
    pub fn quote(&self, claim: &claims::Claim) -> Option<String> {
        claims::find(claim, &self.section(claim.section)?.body)
    }
}

fn section_heading(line: &str) -> Option<(u8, String)> {
    let rest = line.strip_prefix("## ")?.trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let number: u8 = digits.parse().ok()?;
    let title = rest[digits.len()..]
        .trim_start()
        .trim_start_matches(['-', '–', '—', ':', '.', '：', '、'])
        .trim();
    Some((number, title.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_notes_have_thirteen_numbered_sections_in_both_languages() {
        for lang in [Lang::En, Lang::Zh] {
            let n = Notes::builtin(lang);
            let numbers: Vec<u8> = n.sections.iter().map(|s| s.number).collect();
            assert_eq!(numbers, (1..=13).collect::<Vec<u8>>());
            assert!(n.sections.iter().all(|s| !s.title.is_empty()));
        }
        assert_eq!(
            Notes::builtin(Lang::En).section(12).unwrap().title,
            "TCP three-way handshake and connection teardown"
        );
        assert_eq!(
            Notes::builtin(Lang::Zh).section(11).unwrap().title,
            "DNS 解析过程"
        );
    }

    #[test]
    fn headings_in_the_notes_format_are_recognised() {
        let text =
            "# Title\n\n## 04 - 当在浏览器中输入 Google.com 并且按下回车之后发生了什么？\n\n\
                    1. step\n#### sub\n## 12 - TCP的三次握手和四次挥手\nbody\n## not a section\n";
        let n = Notes::parse(text, "x.md").unwrap();
        assert_eq!(n.sections.len(), 2);
        assert_eq!(n.sections[0].number, 4);
        assert_eq!(
            n.sections[0].title,
            "当在浏览器中输入 Google.com 并且按下回车之后发生了什么？"
        );
        assert_eq!(n.sections[0].body, "1. step\n#### sub");
        assert_eq!(n.sections[1].title, "TCP的三次握手和四次挥手");
        assert_eq!(n.sections[1].body, "body\n## not a section");
    }

    #[test]
    fn a_file_without_sections_or_with_a_repeated_number_is_refused() {
        let e = Notes::parse("# only a title\n", "a.md").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.md: no `## NN - title` section headings found"
        );
        let e = Notes::parse("## 01 - a\n## 01 - b\n", "b.md").unwrap_err();
        assert_eq!(e.to_string(), "b.md: line 2: section 01 appears twice");
    }

    #[test]
    fn locale_picks_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
