//! Comments that carry scalelint directives, found in the text of each
//! format, with the lines each one speaks for.
//!
//! Every scanner follows one placement rule, whatever the syntax:
//! - a comment after code on its line speaks for that line;
//! - a comment alone on its line speaks for the next line of code (blank
//!   lines and other comments in between are skipped);
//! - and when that line opens something — a YAML mapping entry or list item,
//!   an nginx block (`upstream x {`), an HAProxy section, an XML element —
//!   the comment speaks for all of it, down to its last line.
//!
//! The scanners know nothing about rules: they hand the comment's text to
//! `suppress::directive`. Only comments whose text holds `scalelint-ignore`
//! are returned, so files without directives cost one substring search.

pub mod hash;
pub mod xml;
pub mod yaml;

use crate::source::Pos;

/// The text every directive starts with.
pub const MARK: &str = "scalelint-ignore";

/// A comment that may hold a directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment<'t> {
    /// The comment without its markers (`#`, `<!--`, `-->`).
    pub body: &'t str,
    /// Where `body` starts.
    pub body_start: Pos,
    /// The first and last line the comment speaks for.
    pub covers: (u32, u32),
}

impl Comment<'_> {
    /// The position of a byte offset within `body` (bodies of XML comments
    /// may span lines).
    pub fn pos_at(&self, offset: usize) -> Pos {
        let mut pos = self.body_start;
        for (i, c) in self.body.char_indices() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                pos = Pos::new(pos.line.saturating_add(1), 1);
            } else if c != '\r' {
                pos.col = pos.col.saturating_add(1);
            }
        }
        pos
    }
}

/// Lines of a text with their 1-based numbers and byte offsets, line breaks
/// (LF or CR LF) removed.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (u32, usize, &str)> {
    text.split_inclusive('\n')
        .scan(0usize, |offset, raw| {
            let at = *offset;
            *offset += raw.len();
            Some((at, raw))
        })
        .enumerate()
        .map(|(i, (at, raw))| {
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            (crate::source::to_u32(i + 1), at, line)
        })
}

/// The 1-based character column of byte `offset` within `line`.
pub(crate) fn col_of(line: &str, offset: usize) -> u32 {
    let chars = line.get(..offset).map_or(0, |s| s.chars().count());
    crate::source::to_u32(chars + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_inside_a_body() {
        let c = Comment {
            body: " é scalelint\r\n  x",
            body_start: Pos::new(3, 5),
            covers: (3, 3),
        };
        assert_eq!(c.pos_at(0), Pos::new(3, 5));
        assert_eq!(c.pos_at(4), Pos::new(3, 8));
        assert_eq!(c.pos_at(c.body.len() - 1), Pos::new(4, 3));
    }

    #[test]
    fn lines_strip_crlf() {
        let l: Vec<_> = lines("a\r\nbé\nc").collect();
        assert_eq!(l, [(1, 0, "a"), (2, 3, "bé"), (3, 7, "c")]);
        assert_eq!(col_of("bé x", 4), 4);
    }
}
