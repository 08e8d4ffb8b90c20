//! `#` comments of nginx, HAProxy and the line-based conf formats (Redis,
//! Sentinel, postgresql.conf, zoo.cfg).
//!
//! A `#` opens a comment where a word could start: at the start of a line or
//! after whitespace, `;`, `{` or `}`, and never inside quotes (nginx and
//! HAProxy quote with `"` and `'`, `\` escapes). `a#b` is one word, as in
//! nginx's own lexer.

use super::{Comment, MARK};
use crate::source::Pos;

/// How statements of a format are delimited.
#[derive(Clone, Copy, Debug)]
pub enum Syntax {
    /// nginx: a statement ends at `;`, or is a block `{ … }` that ends at
    /// its matching `}`; statements may span lines.
    Braces,
    /// HAProxy: one statement a line; a line whose first word is one of these
    /// opens a section that lasts until the next one.
    Sections(&'static [&'static str]),
    /// One statement a line, nothing nested.
    Lines,
}

/// HAProxy's section keywords: the parser's list, so both agree on where
/// a section starts.
pub use crate::formats::haproxy::SECTION_KEYWORDS as HAPROXY_SECTIONS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Semi,
    Open,
    Close,
}

struct Tok {
    line: u32,
    kind: Kind,
    /// Byte range of a word, for section keywords.
    start: usize,
    end: usize,
}

struct Raw<'t> {
    line: u32,
    body: &'t str,
    body_start: Pos,
    trailing: bool,
}

/// The directive comments of `text`, each with the lines it covers.
pub fn scan(text: &str, syntax: Syntax) -> Vec<Comment<'_>> {
    if !text.contains(MARK) {
        return Vec::new();
    }
    let braces = matches!(syntax, Syntax::Braces);
    let (toks, raws) = lex(text, braces);
    let ends = match syntax {
        Syntax::Braces => statement_ends(&toks),
        Syntax::Sections(keywords) => section_ends(text, &toks, keywords),
        Syntax::Lines => toks.iter().map(|t| t.line).collect(),
    };
    let mut out = Vec::new();
    let mut next = 0usize;
    for raw in raws {
        // Tokens are in text order, and so are comments.
        while toks.get(next).is_some_and(|t| t.line < raw.line) {
            next += 1;
        }
        let anchor = if raw.trailing {
            next
        } else {
            toks.iter()
                .skip(next)
                .position(|t| t.line > raw.line)
                .map_or(toks.len(), |p| next + p)
        };
        let covers = match (toks.get(anchor), ends.get(anchor)) {
            (Some(t), Some(&end)) if !raw.trailing || t.line == raw.line => {
                (t.line, end.max(t.line))
            }
            _ => (raw.line, raw.line),
        };
        out.push(Comment {
            body: raw.body,
            body_start: raw.body_start,
            covers,
        });
    }
    out
}

/// Words, `;`, `{`, `}` and the comments that mention a directive.
fn lex(text: &str, braces: bool) -> (Vec<Tok>, Vec<Raw<'_>>) {
    let b = text.as_bytes();
    let mut toks: Vec<Tok> = Vec::new();
    let mut raws = Vec::new();
    let mut line = 1u32;
    let mut line_start = 0usize;
    let mut line_has_code = false;
    let mut in_word = false;
    let mut quote: Option<u8> = None;
    let mut i = 0usize;
    let push = |toks: &mut Vec<Tok>, line, kind, start| {
        toks.push(Tok {
            line,
            kind,
            start,
            end: start + 1,
        })
    };
    while let Some(&c) = b.get(i) {
        if c == b'\n' {
            line = line.saturating_add(1);
            line_start = i + 1;
            line_has_code = quote.is_some();
            in_word = quote.is_some();
            i += 1;
            continue;
        }
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            if let Some(t) = toks.last_mut() {
                t.end = i;
            }
            continue;
        }
        match c {
            b' ' | b'\t' | b'\r' => in_word = false,
            b'#' if !in_word => {
                let eol = text
                    .get(i..)
                    .and_then(|r| r.find('\n'))
                    .map_or(text.len(), |p| i + p);
                let body = text.get(i + 1..eol).unwrap_or("");
                let body = body.strip_suffix('\r').unwrap_or(body);
                if body.contains(MARK) {
                    let before = text.get(line_start..i + 1).unwrap_or("");
                    raws.push(Raw {
                        line,
                        body,
                        body_start: Pos::new(line, super::col_of(before, before.len())),
                        trailing: line_has_code,
                    });
                }
                i = eol;
                continue;
            }
            b';' if braces => {
                push(&mut toks, line, Kind::Semi, i);
                in_word = false;
                line_has_code = true;
            }
            b'{' if braces && !(in_word && i > 0 && b.get(i - 1) == Some(&b'$')) => {
                push(&mut toks, line, Kind::Open, i);
                in_word = false;
                line_has_code = true;
            }
            b'}' if braces && !in_word => {
                push(&mut toks, line, Kind::Close, i);
                line_has_code = true;
            }
            _ => {
                if !in_word {
                    push(&mut toks, line, Kind::Word, i);
                    in_word = true;
                    if c == b'"' || c == b'\'' {
                        quote = Some(c);
                    }
                }
                line_has_code = true;
                if c == b'\\' {
                    i += 1;
                }
                if braces && c == b'{' {
                    // `${name}` inside a word: up to its `}` on this line.
                    let close = text
                        .get(i..)
                        .and_then(|r| r.split('\n').next())
                        .and_then(|l| l.find('}'));
                    i += close.unwrap_or(0);
                }
                if let Some(t) = toks.last_mut() {
                    t.end = i + 1;
                }
            }
        }
        i += 1;
    }
    (toks, raws)
}

/// For each token, the last line of the statement it starts (its own line
/// for tokens that start none): up to `;`, or to the `}` closing its block.
fn statement_ends(toks: &[Tok]) -> Vec<u32> {
    let mut ends: Vec<u32> = toks.iter().map(|t| t.line).collect();
    let last_line = toks.last().map_or(1, |t| t.line);
    // Per nesting level: the statement being read, if any.
    let mut current: Option<usize> = None;
    let mut open: Vec<Option<usize>> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Word => {
                if current.is_none() {
                    current = Some(i);
                }
            }
            Kind::Semi => {
                if let Some(s) = current.take()
                    && let Some(e) = ends.get_mut(s)
                {
                    *e = t.line;
                }
            }
            Kind::Open => open.push(current.take()),
            Kind::Close => {
                current = None;
                if let Some(Some(s)) = open.pop()
                    && let Some(e) = ends.get_mut(s)
                {
                    *e = t.line;
                }
            }
        }
    }
    // Unclosed at the end of the file: to the last line.
    for s in open.into_iter().flatten().chain(current) {
        if let Some(e) = ends.get_mut(s) {
            *e = last_line;
        }
    }
    ends
}

/// For each token, its own line, except the first word of a section line,
/// which reaches the last token before the next section.
fn section_ends(text: &str, toks: &[Tok], keywords: &[&str]) -> Vec<u32> {
    let mut ends: Vec<u32> = toks.iter().map(|t| t.line).collect();
    let is_section = |i: usize| {
        let line_of = |k: usize| toks.get(k).map(|t| t.line);
        let first_on_line = i == 0 || line_of(i - 1) != line_of(i);
        first_on_line
            && toks.get(i).is_some_and(|t| {
                t.kind == Kind::Word
                    && text
                        .get(t.start..t.end)
                        .is_some_and(|w| keywords.contains(&w))
            })
    };
    let mut section: Option<usize> = None;
    for i in 0..toks.len() {
        if is_section(i) {
            section = Some(i);
        }
        if let (Some(s), Some(t)) = (section, toks.get(i))
            && let Some(e) = ends.get_mut(s)
        {
            *e = t.line;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(text: &str, syntax: Syntax) -> Vec<(u32, u32)> {
        scan(text, syntax).iter().map(|c| c.covers).collect()
    }

    const NGINX: &str = "\
http {
    # scalelint-ignore: SL501 -- legacy pool
    upstream api {
        server 10.0.0.1:8080;   # scalelint-ignore: SL503
        server 10.0.0.2:8080
            max_fails=0;
    }

    # scalelint-ignore: SL504

    # another comment
    upstream web { server a:80; }
    location / {  # scalelint-ignore: SL505
        proxy_pass http://api;
    }
    set $x \"a # not a comment\";  # scalelint-ignore: SL506
    # scalelint-ignore: SL507
    server 10.0.0.3:8080
        weight=5;
}
# scalelint-ignore-file: SL5
";

    #[test]
    fn nginx_blocks_lines_and_trailing_comments() {
        let found = scan(NGINX, Syntax::Braces);
        let got: Vec<(&str, (u32, u32))> =
            found.iter().map(|c| (c.body.trim(), c.covers)).collect();
        assert_eq!(
            got,
            [
                ("scalelint-ignore: SL501 -- legacy pool", (3, 7)),
                ("scalelint-ignore: SL503", (4, 4)),
                ("scalelint-ignore: SL504", (12, 12)),
                ("scalelint-ignore: SL505", (13, 15)),
                ("scalelint-ignore: SL506", (16, 16)),
                ("scalelint-ignore: SL507", (18, 19)),
                ("scalelint-ignore-file: SL5", (21, 21)),
            ]
        );
        assert_eq!(found[1].body_start, Pos::new(4, 34));
    }

    #[test]
    fn hashes_inside_words_and_quotes_are_not_comments() {
        let text = "a \"x # scalelint-ignore: SL1\" b;\nc d#scalelint-ignore: SL1;\ne 'x # scalelint-ignore: SL1';\n";
        assert!(scan(text, Syntax::Braces).is_empty());
        let text = "set $v ${host}# scalelint-ignore: SL1\n";
        assert!(scan(text, Syntax::Braces).is_empty());
    }

    #[test]
    fn crlf_and_unclosed_blocks() {
        let text = "# scalelint-ignore: SL501\r\nupstream a {\r\n  server x;\r\n";
        assert_eq!(covers(text, Syntax::Braces), [(2, 3)]);
        assert_eq!(
            scan(text, Syntax::Braces)[0].body,
            " scalelint-ignore: SL501"
        );
    }

    #[test]
    fn haproxy_sections() {
        let text = "\
global
    maxconn 1000
# scalelint-ignore: SL511
backend api
    server a 10.0.0.1:80   # scalelint-ignore: SL512
    server b 10.0.0.2:80 check

# scalelint-ignore: SL513
    timeout client 5s
frontend www
    bind :80
";
        assert_eq!(
            covers(text, Syntax::Sections(HAPROXY_SECTIONS)),
            [(4, 9), (5, 5), (9, 9)]
        );
    }

    #[test]
    fn conf_lines() {
        let text = "# scalelint-ignore: SL301\nmaxclients 10000\n\nsave 900 1 # scalelint-ignore: SL302\n# scalelint-ignore: SL303\n";
        assert_eq!(covers(text, Syntax::Lines), [(2, 2), (4, 4), (5, 5)]);
    }
}
