//! INI files as PgBouncer reads them (`pgbouncer.ini`).
//!
//! A line is blank, a comment (`;` or `#` as its first non-blank
//! character; later in a line they are ordinary characters), a section
//! header `[name]`, an `%include file` directive, or `key = value`, where
//! the value runs to the end of the line with blanks trimmed. A key may be
//! written in double quotes (database names with blanks). Every key and
//! value keeps its span; the `key=value` words of a connection string
//! (`[databases]` and `[users]` values) are split with theirs.

use crate::source::{FileId, Pos, Span, to_u32};

use super::conf::{Comment, ConfError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The section it belongs to, lowercase (empty before any header).
    pub section: String,
    pub key: String,
    pub key_span: Span,
    pub value: String,
    pub value_span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Lowercase.
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct IniFile {
    pub sections: Vec<Section>,
    pub entries: Vec<Entry>,
    pub comments: Vec<Comment>,
    pub errors: Vec<ConfError>,
}

impl IniFile {
    /// The entries of one section (lowercase name), in file order.
    pub fn section<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.section == name)
    }

    /// The last entry of `key` in a section (PgBouncer keeps the last).
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rfind(|e| e.section == section && e.key.eq_ignore_ascii_case(key))
    }
}

/// Parses a whole file. Never panics; a line PgBouncer would refuse (a
/// header without `]`, a line without `=`) is an error and left out.
pub fn parse(text: &str, file: FileId) -> IniFile {
    let mut out = IniFile::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut section = String::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = to_u32(i + 1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let chars: Vec<char> = raw.chars().collect();
        let pos = |col: usize| Pos::new(line_no, to_u32(col + 1));
        let Some(first) = chars.iter().position(|c| !c.is_whitespace()) else {
            continue;
        };
        let last = chars
            .iter()
            .rposition(|c| !c.is_whitespace())
            .unwrap_or(first);
        let slice =
            |a: usize, b: usize| -> String { chars.get(a..b).unwrap_or_default().iter().collect() };
        match chars.get(first) {
            Some(';' | '#') => {
                out.comments.push(Comment {
                    text: slice(first + 1, chars.len()),
                    span: Span::new(file, pos(first), pos(chars.len())),
                });
                continue;
            }
            Some('[') => {
                let close = chars
                    .iter()
                    .skip(first)
                    .position(|&c| c == ']')
                    .map(|p| p + first);
                match close {
                    Some(close) => {
                        section = slice(first + 1, close).trim().to_ascii_lowercase();
                        out.sections.push(Section {
                            name: section.clone(),
                            span: Span::new(file, pos(first), pos(close + 1)),
                        });
                    }
                    None => out.errors.push(ConfError {
                        pos: pos(first),
                        message: "section header without closing `]`".into(),
                    }),
                }
                continue;
            }
            Some('%') => continue,
            _ => {}
        }
        // The key: quoted, or up to a blank or `=`.
        let (key, key_end, after_key) = if chars.get(first) == Some(&'"') {
            match chars
                .iter()
                .skip(first + 1)
                .position(|&c| c == '"')
                .map(|p| p + first + 1)
            {
                Some(close) => (slice(first + 1, close), close + 1, close + 1),
                None => {
                    out.errors.push(ConfError {
                        pos: pos(first),
                        message: "unbalanced quote \" in this key".into(),
                    });
                    continue;
                }
            }
        } else {
            let end = chars
                .iter()
                .skip(first)
                .position(|&c| c == '=' || c.is_whitespace())
                .map_or(chars.len(), |p| p + first);
            (slice(first, end), end, end)
        };
        let eq = chars
            .iter()
            .skip(after_key)
            .position(|c| !c.is_whitespace())
            .map(|p| p + after_key);
        let Some(eq) = eq.filter(|&e| chars.get(e) == Some(&'=')) else {
            out.errors.push(ConfError {
                pos: pos(eq.unwrap_or(chars.len())),
                message: format!("expected `=` after `{key}`"),
            });
            continue;
        };
        let value_start = chars
            .iter()
            .skip(eq + 1)
            .position(|c| !c.is_whitespace())
            .map_or(last + 1, |p| p + eq + 1)
            .min(last + 1);
        let value_end = if value_start > last {
            value_start
        } else {
            last + 1
        };
        out.entries.push(Entry {
            section: section.clone(),
            key,
            key_span: Span::new(file, pos(first), pos(key_end)),
            value: slice(value_start, value_end),
            value_span: Span::new(file, pos(value_start), pos(value_end)),
        });
    }
    out
}

/// One `key=value` word of a connection string, with the span of the word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub key: String,
    pub value: String,
    pub span: Span,
}

/// The `key=value` words of a connection string value (blanks around `=`
/// allowed, values in single quotes with `\'` and `''` escapes, as libpq
/// and PgBouncer read them). `None` when a quote is left open.
pub fn conn_params(e: &Entry) -> Option<Vec<Param>> {
    let chars: Vec<char> = e.value.chars().collect();
    let start = e.value_span.start;
    let at = |i: usize| Pos::new(start.line, start.col.saturating_add(to_u32(i)));
    let mut out = Vec::new();
    let mut i = 0;
    let skip_blanks = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    loop {
        skip_blanks(&mut i);
        if i >= chars.len() {
            break;
        }
        let begin = i;
        let mut key = String::new();
        while let Some(&c) = chars.get(i) {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            i += 1;
        }
        skip_blanks(&mut i);
        if chars.get(i) != Some(&'=') {
            // A word without a value: PgBouncer refuses it; keep the rest.
            continue;
        }
        i += 1;
        skip_blanks(&mut i);
        let mut value = String::new();
        if chars.get(i) == Some(&'\'') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('\\') => {
                        if let Some(&n) = chars.get(i + 1) {
                            value.push(n);
                        }
                        i += 2;
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        value.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(&c) = chars.get(i) {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                i += 1;
            }
        }
        out.push(Param {
            key: key.to_ascii_lowercase(),
            value,
            span: Span::new(e.value_span.file, at(begin), at(i)),
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_entries_comments_and_spans() {
        let text = "; top\n[databases]\nshop = host=db port=5432 pool_size=30\n\"my db\" = host=other\n* = host=fallback\n\n[pgbouncer]\n  default_pool_size=25  \n# note ; still a comment\nlisten_port = 6432 ; not a comment\n[users]\napp = pool_mode=session\n";
        let f = parse(text, FileId(0));
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.comments.len(), 2);
        assert_eq!(f.sections.len(), 3);
        let dbs: Vec<&str> = f.section("databases").map(|e| e.key.as_str()).collect();
        assert_eq!(dbs, ["shop", "my db", "*"]);
        let dps = f.get("pgbouncer", "DEFAULT_POOL_SIZE").unwrap();
        assert_eq!(dps.value, "25");
        assert_eq!(dps.key_span.start, Pos::new(8, 3));
        assert_eq!(dps.value_span.start, Pos::new(8, 21));
        assert_eq!(
            f.get("pgbouncer", "listen_port").unwrap().value,
            "6432 ; not a comment"
        );
        let shop = f.section("databases").next().unwrap();
        let params = conn_params(shop).unwrap();
        assert_eq!(params.len(), 3);
        assert_eq!(params[2].key, "pool_size");
        assert_eq!(params[2].value, "30");
        assert_eq!(params[2].span.start, Pos::new(3, 26));
        assert_eq!(f.section("users").count(), 1);
    }

    #[test]
    fn quoted_values_empty_values_and_errors() {
        let f = parse(
            "[databases]\na = host='x y' password='it''s' user = bob\nb =\n[pgbouncer\nc\n",
            FileId(0),
        );
        let a = conn_params(&f.entries[0]).unwrap();
        assert_eq!(a[0].value, "x y");
        assert_eq!(a[1].value, "it's");
        assert_eq!((a[2].key.as_str(), a[2].value.as_str()), ("user", "bob"));
        assert_eq!(f.entries[1].value, "");
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[0].pos, Pos::new(4, 1));
        let open = parse("[databases]\na = host='x\n", FileId(0));
        assert_eq!(conn_params(&open.entries[0]), None);
    }
}
