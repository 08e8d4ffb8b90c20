//! Line-based configuration files: redis.conf, sentinel.conf and the like.
//!
//! A line is a directive: words separated by blanks, where a word may be
//! quoted with `"…"` (backslash escapes, as Redis' `sdssplitargs` reads them)
//! or `'…'`. `#` at the start of a line begins a comment. Every word keeps its
//! span; comments are kept with theirs.

use crate::source::{FileId, Pos, Span, to_u32};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The words; the first is the directive name.
    pub words: Vec<Word>,
    /// The whole line.
    pub span: Span,
}

impl Line {
    pub fn word(&self, i: usize) -> Option<&Word> {
        self.words.get(i)
    }

    pub fn text(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(|w| w.text.as_str())
    }

    /// Whether the first words are `names`, case-insensitively (Redis reads
    /// directive names that way).
    pub fn is(&self, names: &[&str]) -> bool {
        names.len() <= self.words.len()
            && names
                .iter()
                .zip(&self.words)
                .all(|(n, w)| w.text.eq_ignore_ascii_case(n))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// After the `#`.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    pub pos: Pos,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct ConfFile {
    pub lines: Vec<Line>,
    pub comments: Vec<Comment>,
    pub errors: Vec<ConfError>,
}

/// Parses a whole file. Never panics; a line with an unbalanced quote is an
/// error and is left out, as Redis refuses it.
pub fn parse(text: &str, file: FileId) -> ConfFile {
    let mut out = ConfFile::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = to_u32(i + 1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let chars: Vec<char> = raw.chars().collect();
        let pos = |col: usize| Pos::new(line_no, to_u32(col + 1));
        let first = chars.iter().position(|c| !c.is_whitespace());
        let Some(first) = first else { continue };
        if chars.get(first) == Some(&'#') {
            out.comments.push(Comment {
                text: chars.get(first + 1..).unwrap_or_default().iter().collect(),
                span: Span::new(file, pos(first), pos(chars.len())),
            });
            continue;
        }
        match split_words(&chars) {
            Ok(words) => {
                let words = words
                    .into_iter()
                    .map(|(text, start, end, quoted)| Word {
                        text,
                        span: Span::new(file, pos(start), pos(end)),
                        quoted,
                    })
                    .collect();
                out.lines.push(Line {
                    words,
                    span: Span::new(file, pos(first), pos(chars.len())),
                });
            }
            Err((col, message)) => out.errors.push(ConfError {
                pos: pos(col),
                message,
            }),
        }
    }
    out
}

type RawWord = (String, usize, usize, bool);

/// Splits a line into words with their character columns (start, end).
fn split_words(chars: &[char]) -> Result<Vec<RawWord>, (usize, String)> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(&c) = chars.get(i) else { break };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut word = String::new();
        let quoted = c == '"' || c == '\'';
        if quoted {
            let quote = c;
            i += 1;
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err((start, format!("unbalanced quote {quote} in this line")));
                };
                i += 1;
                if c == quote {
                    break;
                }
                if c == '\\' {
                    let Some(&e) = chars.get(i) else { continue };
                    i += 1;
                    match (quote, e) {
                        ('"', 'n') => word.push('\n'),
                        ('"', 't') => word.push('\t'),
                        ('"', 'r') => word.push('\r'),
                        ('"', 'x') => {
                            let hex: String =
                                chars.get(i..i + 2).unwrap_or_default().iter().collect();
                            match u8::from_str_radix(&hex, 16) {
                                Ok(b) => {
                                    word.push(char::from(b));
                                    i += 2;
                                }
                                Err(_) => word.push('x'),
                            }
                        }
                        (_, e) => word.push(e),
                    }
                    continue;
                }
                word.push(c);
            }
            // Redis requires a blank after a closing quote.
            if chars.get(i).is_some_and(|c| !c.is_whitespace()) {
                return Err((i, "closing quote must be followed by a space".into()));
            }
        } else {
            while let Some(&c) = chars.get(i) {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                i += 1;
            }
        }
        words.push((word, start, i, quoted));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_comments_and_spans() {
        let f = parse(
            "# Sentinel\nport 26379\n  sentinel monitor \"my master\" 10.0.0.1 6379 2\r\n\nrequirepass 'a b'\n",
            FileId(0),
        );
        assert!(f.errors.is_empty());
        assert_eq!(f.comments.len(), 1);
        assert_eq!(f.comments[0].text, " Sentinel");
        assert_eq!(f.lines.len(), 3);
        let mon = &f.lines[1];
        assert!(mon.is(&["sentinel", "monitor"]));
        assert_eq!(mon.text(2), Some("my master"));
        assert!(mon.words[2].quoted);
        assert_eq!(mon.words[5].span.start, Pos::new(3, 46));
        assert_eq!(mon.words[5].text, "2");
        assert_eq!(f.lines[2].text(1), Some("a b"));
    }

    #[test]
    fn escapes_and_unbalanced_quotes() {
        let f = parse("a \"x\\ty\\x41\"\nb \"open\nc d\n", FileId(0));
        assert_eq!(f.lines[0].text(1), Some("x\tyA"));
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].pos, Pos::new(2, 3));
        assert_eq!(f.lines.len(), 2);
    }
}
