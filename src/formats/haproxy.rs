//! HAProxy configuration files as sections of spanned keyword lines.
//!
//! The grammar is line-based: a section keyword (`global`, `defaults`,
//! `frontend`, `backend`, `listen`, …) at the start of a line opens a
//! section, and every other line is a keyword with arguments belonging to the
//! current one. Words are split on spaces and tabs; `"…"` quotes with `\`
//! escapes (and keeps `${VAR}` for HAProxy to expand at start-up), `'…'`
//! quotes without escapes, and a `\` outside quotes escapes the next
//! character; quoted parts may be glued to plain ones (`a"b c"d` is one word),
//! as HAProxy reads them. `#` outside quotes starts a comment.
//!
//! Measured before writing this: the `haproxy-config` crate (0.4.1) reads all
//! 73 corpus files that `haproxy -c` accepts, but its lines carry no
//! positions, and every finding here must point at a word.

use crate::extract::Text;
use crate::formats::nginx::{Comment, SyntaxError, Word};
use crate::source::{FileId, Pos, Span};

/// Keywords that open a section.
pub const SECTION_KEYWORDS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "resolvers",
    "peers",
    "userlist",
    "program",
    "http-errors",
    "ring",
    "cache",
    "mailers",
    "crt-store",
    "log-forward",
    "fcgi-app",
    "traces",
    "acme",
];

/// A keyword line: the keyword and its arguments.
#[derive(Clone, Debug)]
pub struct Line {
    pub words: Vec<Word>,
}

impl Line {
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }

    pub fn arg(&self, i: usize) -> Option<&Word> {
        self.words.get(i + 1)
    }

    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or_default()
    }

    /// The keyword's span: where line findings point.
    pub fn span(&self) -> Option<Span> {
        self.words.first().map(|w| w.span)
    }

    /// `option httpchk` and the like: the keyword followed by `word`.
    pub fn is(&self, keyword: &str, first_arg: Option<&str>) -> bool {
        self.keyword() == keyword
            && first_arg.is_none_or(|a| self.arg(0).is_some_and(|w| w.text == a))
    }
}

#[derive(Clone, Debug)]
pub struct Section {
    /// The section keyword line (`backend app from tcp-defaults`).
    pub header: Line,
    pub lines: Vec<Line>,
}

impl Section {
    pub fn kind(&self) -> &str {
        self.header.keyword()
    }

    /// The section's name, if it has one (`defaults` may not).
    pub fn name(&self) -> Option<&str> {
        match self.header.arg(0) {
            Some(w) if !(w.text == "from" && self.header.words.len() > 2) => Some(w.text.as_str()),
            _ => None,
        }
    }

    /// The `from <defaults>` of the header.
    pub fn from(&self) -> Option<&Word> {
        let words = &self.header.words;
        let i = words.iter().position(|w| w.text == "from" && !w.quoted)?;
        (i > 0).then(|| words.get(i + 1)).flatten()
    }

    pub fn span(&self) -> Span {
        self.header.span().unwrap_or(Span::file_start(FileId(0)))
    }
}

#[derive(Clone, Debug)]
pub struct HaproxyFile {
    pub file: FileId,
    /// Lines before any section (HAProxy refuses keywords there).
    pub sections: Vec<Section>,
    pub comments: Vec<Comment>,
    pub error: Option<SyntaxError>,
}

impl HaproxyFile {
    /// Gives back the spare capacity of every list of the file, which is
    /// kept until the rules run.
    pub fn shrink_to_fit(&mut self) {
        self.sections.shrink_to_fit();
        for s in &mut self.sections {
            s.header.words.shrink_to_fit();
            s.lines.shrink_to_fit();
            for l in &mut s.lines {
                l.words.shrink_to_fit();
            }
        }
        self.comments.shrink_to_fit();
    }
}

/// Parses one file. Never fails: the first syntax error is reported, and
/// every line that could be read is kept.
pub fn parse(text: &str, file: FileId) -> HaproxyFile {
    let mut out = HaproxyFile {
        file,
        sections: Vec::new(),
        comments: Vec::new(),
        error: None,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = crate::source::to_u32(i + 1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (words, comment, err) = split_line(raw, line_no, file);
        if let Some(c) = comment {
            out.comments.push(c);
        }
        if let Some(e) = err
            && out.error.is_none()
        {
            out.error = Some(e);
        }
        let Some(first) = words.first() else { continue };
        let opens_section = !first.quoted && SECTION_KEYWORDS.contains(&first.text.as_str());
        let (first_text, first_pos) = (first.text.clone(), first.span.start);
        let line = Line { words };
        if opens_section {
            out.sections.push(Section {
                header: line,
                lines: Vec::new(),
            });
        } else if let Some(section) = out.sections.last_mut() {
            section.lines.push(line);
        } else if out.error.is_none() && !first_text.starts_with('.') {
            out.error = Some(SyntaxError {
                pos: first_pos,
                message: format!(
                    "`{first_text}` appears before any section (`global`, `defaults`, `frontend`, `backend`, `listen`, …)"
                ),
            });
        }
    }
    out
}

/// Splits one line into words, its comment, and an error for an unmatched
/// quote.
fn split_line(
    raw: &str,
    line: u32,
    file: FileId,
) -> (Vec<Word>, Option<Comment>, Option<SyntaxError>) {
    let mut words = Vec::new();
    let mut comment = None;
    let mut error = None;
    let mut chars = raw.chars().peekable();
    let mut col: u32 = 1;
    let pos = |c: u32| Pos::new(line, c);
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
            col += 1;
        }
        let Some(&c) = chars.peek() else { break };
        if c == '#' {
            let rest: String = chars.by_ref().skip(1).collect();
            let len = crate::source::to_u32(rest.chars().count() + 1);
            comment = Some(Comment {
                text: rest,
                span: Span::new(file, pos(col), pos(col + len)),
            });
            break;
        }
        let start = col;
        let mut text = Text::default();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\t' || c == '#' {
                break;
            }
            chars.next();
            col += 1;
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        col += 1;
                        text.push(n);
                    }
                }
                '"' | '\'' => {
                    quoted = true;
                    let quote = c;
                    let mut closed = false;
                    while let Some(n) = chars.next() {
                        col += 1;
                        if n == quote {
                            closed = true;
                            break;
                        }
                        if n == '\\' && quote == '"' {
                            if let Some(e) = chars.next() {
                                col += 1;
                                text.push(e);
                            }
                            continue;
                        }
                        // `"${NAME}"`: HAProxy expands it at start-up and
                        // refuses a name it cannot read.
                        if n == '$' && quote == '"' && chars.peek() == Some(&'{') {
                            let at = col - 1;
                            text.push(n);
                            let name: String = std::iter::from_fn(|| {
                                chars.next_if(|c| {
                                    *c == '{' || c.is_ascii_alphanumeric() || *c == '_'
                                })
                            })
                            .collect();
                            col += crate::source::to_u32(name.chars().count());
                            text.push_str(&name);
                            if chars.peek() != Some(&'}') && error.is_none() {
                                error = Some(SyntaxError {
                                    pos: pos(at),
                                    message: "unmatched brace in environment variable name: HAProxy reads letters, digits and `_` up to `}`".into(),
                                });
                            }
                            continue;
                        }
                        text.push(n);
                    }
                    if !closed && error.is_none() {
                        error = Some(SyntaxError {
                            pos: pos(start),
                            message: "unmatched quote: the quoted text runs to the end of the line"
                                .into(),
                        });
                    }
                }
                _ => text.push(c),
            }
        }
        words.push(Word {
            text,
            span: Span::new(file, pos(start), pos(col)),
            quoted,
        });
    }
    (words, comment, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_lines_words_and_positions() {
        let f = parse(
            "global\n  maxconn 100 # cap\ndefaults web from base\nbackend app\n\tserver s1 \"10.0.0.1:80\" check\n",
            FileId(0),
        );
        assert!(f.error.is_none());
        assert_eq!(f.sections.len(), 3);
        let defaults = f.sections.get(1).unwrap();
        assert_eq!(defaults.name(), Some("web"));
        assert_eq!(defaults.from().unwrap().text, "base");
        let server = f.sections.get(2).unwrap().lines.first().unwrap();
        assert_eq!(server.keyword(), "server");
        let addr = server.arg(1).unwrap();
        assert_eq!((addr.text.as_str(), addr.quoted), ("10.0.0.1:80", true));
        assert_eq!(addr.span.start, Pos::new(5, 12));
        assert_eq!(f.comments.first().unwrap().text, " cap");
    }

    #[test]
    fn escapes_and_glued_quotes() {
        let f = parse(
            "frontend fe\n  http-request set-header X \"a b\\\"c\"d'e f'\\ g\n  bind \"${ADDR}\":80\n",
            FileId(0),
        );
        let line = f.sections.first().unwrap().lines.first().unwrap();
        assert_eq!(line.arg(2).unwrap().text, "a b\"cde f g");
        let bind = f.sections.first().unwrap().lines.get(1).unwrap();
        assert_eq!(bind.arg(0).unwrap().text, "${ADDR}:80");
    }

    #[test]
    fn defaults_without_name_and_errors() {
        let f = parse("defaults\n  mode http\n", FileId(0));
        assert_eq!(f.sections.first().unwrap().name(), None);
        let f = parse("defaults from base\n", FileId(0));
        assert_eq!(f.sections.first().unwrap().name(), None);
        assert_eq!(f.sections.first().unwrap().from().unwrap().text, "base");
        let env = parse("frontend f\n  bind \"${ADDR:-0.0.0.0}\":80\n", FileId(0));
        assert_eq!(env.error.unwrap().pos, Pos::new(2, 9));
        let bad = parse("backend b\n  server a \"1.2.3.4\n", FileId(0));
        assert_eq!(bad.error.unwrap().pos, Pos::new(2, 12));
        let stray = parse("\n  maxconn 10\n", FileId(0));
        assert_eq!(stray.error.unwrap().pos, Pos::new(2, 3));
    }

    #[test]
    fn crlf_bom_and_many_lines() {
        let f = parse("\u{feff}global\r\n  maxconn 5\r\n", FileId(0));
        assert_eq!(
            f.sections
                .first()
                .unwrap()
                .lines
                .first()
                .unwrap()
                .arg(0)
                .unwrap()
                .text,
            "5"
        );
        let big = "backend b\n".to_string() + &"  server s 1.2.3.4:80 check\n".repeat(100_000);
        assert_eq!(
            parse(&big, FileId(0)).sections.first().unwrap().lines.len(),
            100_000
        );
    }
}
