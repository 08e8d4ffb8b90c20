//! `<!-- … -->` comments of XML files (ClickHouse configs).
//!
//! A comment before an element covers the element and its children; one
//! after other markup on its line covers that line, or the element that
//! starts the line. Comments are recognised outside tags, CDATA sections,
//! processing instructions and the DOCTYPE, and nothing is expanded.

use super::{Comment, MARK};
use crate::source::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `<name …>`
    Open,
    /// `</name>`
    Close,
    /// `<name …/>`
    Empty,
    /// Text, CDATA, processing instructions, DOCTYPE.
    Other,
}

struct Tok {
    line: u32,
    end_line: u32,
    kind: Kind,
}

struct Raw<'t> {
    line: u32,
    body: &'t str,
    body_start: Pos,
    trailing: bool,
}

/// The directive comments of `text`, each with the lines it covers.
pub fn scan(text: &str) -> Vec<Comment<'_>> {
    if !text.contains(MARK) {
        return Vec::new();
    }
    let (toks, raws) = lex(text);
    let ends = element_ends(&toks);
    let mut out = Vec::new();
    let mut next = 0usize;
    for raw in raws {
        while toks.get(next).is_some_and(|t| t.line < raw.line) {
            next += 1;
        }
        let anchor = if raw.trailing {
            Some(next)
        } else {
            toks.iter()
                .skip(next)
                .position(|t| t.line > raw.line || (t.line == raw.line && t.kind != Kind::Other))
                .map(|p| next + p)
        };
        let covers = match anchor.and_then(|a| Some((toks.get(a)?, ends.get(a)?))) {
            Some((t, &end)) => (t.line, end.max(t.line)),
            None => (raw.line, raw.line),
        };
        out.push(Comment {
            body: raw.body,
            body_start: raw.body_start,
            covers,
        });
    }
    out
}

fn lex(text: &str) -> (Vec<Tok>, Vec<Raw<'_>>) {
    let mut toks = Vec::new();
    let mut raws = Vec::new();
    let mut line = 1u32;
    let mut line_start = 0usize;
    let mut line_has_code = false;
    let mut i = 0usize;
    // Advances over `len` bytes from `i`, counting lines.
    let advance = |from: usize, to: usize, line: &mut u32, line_start: &mut usize| {
        for (k, c) in text.get(from..to).unwrap_or("").bytes().enumerate() {
            if c == b'\n' {
                *line = line.saturating_add(1);
                *line_start = from + k + 1;
            }
        }
    };
    while i < text.len() {
        let rest = text.get(i..).unwrap_or("");
        let start_line = line;
        if rest.starts_with("<!--") {
            let close = rest.get(4..).and_then(|r| r.find("-->")).map(|p| p + 4);
            let end = close.map_or(text.len(), |p| i + p + 3);
            let body = text
                .get(i + 4..close.map_or(text.len(), |p| i + p))
                .unwrap_or("");
            if body.contains(MARK) {
                let before = text.get(line_start..i + 4).unwrap_or("");
                raws.push(Raw {
                    line,
                    body,
                    body_start: Pos::new(line, super::col_of(before, before.len())),
                    trailing: line_has_code,
                });
            }
            advance(i, end, &mut line, &mut line_start);
            if line != start_line {
                line_has_code = false;
            }
            i = end;
            continue;
        }
        let (end, kind) = if let Some(r) = rest.strip_prefix("<![CDATA[") {
            (
                r.find("]]>").map_or(text.len(), |p| i + 9 + p + 3),
                Kind::Other,
            )
        } else if rest.starts_with("<?") {
            (
                rest.find("?>").map_or(text.len(), |p| i + p + 2),
                Kind::Other,
            )
        } else if rest.starts_with("<!") {
            (i + markup_end(rest, true), Kind::Other)
        } else if rest.starts_with("</") {
            (i + markup_end(rest, false), Kind::Close)
        } else if rest.starts_with('<') {
            let end = i + markup_end(rest, false);
            let tag = text.get(i..end).unwrap_or("");
            let kind = if tag.ends_with("/>") {
                Kind::Empty
            } else {
                Kind::Open
            };
            (end, kind)
        } else {
            let end = rest.find('<').map_or(text.len(), |p| i + p);
            let chunk = text.get(i..end).unwrap_or("");
            // Whitespace between tags is layout, not code.
            for (k, piece) in chunk.split('\n').enumerate() {
                if k > 0 {
                    line = line.saturating_add(1);
                    line_has_code = false;
                }
                if !piece.trim().is_empty() {
                    line_has_code = true;
                    toks.push(Tok {
                        line,
                        end_line: line,
                        kind: Kind::Other,
                    });
                }
            }
            if let Some(p) = chunk.rfind('\n') {
                line_start = i + p + 1;
            }
            i = end;
            continue;
        };
        advance(i, end, &mut line, &mut line_start);
        toks.push(Tok {
            line: start_line,
            end_line: line,
            kind,
        });
        line_has_code = true;
        i = end;
    }
    (toks, raws)
}

/// The length of a tag or declaration at the start of `s`, up to its `>`
/// outside quotes (and, for a DOCTYPE, outside its `[ … ]` subset).
fn markup_end(s: &str, declaration: bool) -> usize {
    let mut quote: Option<u8> = None;
    let mut depth = 0u32;
    for (i, c) in s.bytes().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') if declaration => depth += 1,
            (None, b']') if declaration => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// For each token, its last line: an element's reaches its end tag.
fn element_ends(toks: &[Tok]) -> Vec<u32> {
    let mut ends: Vec<u32> = toks.iter().map(|t| t.end_line).collect();
    let last_line = toks.last().map_or(1, |t| t.end_line);
    let mut open = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => open.push(i),
            Kind::Close => {
                if let Some(s) = open.pop()
                    && let Some(e) = ends.get_mut(s)
                {
                    *e = t.end_line;
                }
            }
            Kind::Empty | Kind::Other => {}
        }
    }
    for s in open {
        if let Some(e) = ends.get_mut(s) {
            *e = last_line;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLICKHOUSE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY e "<!-- scalelint-ignore: SL1 -->"> ]>
<clickhouse>
    <!-- scalelint-ignore: SL301 -- three replicas on purpose -->
    <remote_servers>
        <main>
            <shard>
                <replica><host>a</host></replica>
            </shard>
        </main>
    </remote_servers>
    <max_connections>100</max_connections> <!-- scalelint-ignore: SL401 -->
    <zookeeper attr="<!-- scalelint-ignore: SL2 -->">
        <!-- scalelint-ignore: SL302 -->
        <node><host>zk1</host></node>
        <node/>
    </zookeeper>
    <![CDATA[ <!-- scalelint-ignore: SL3 --> ]]>
    <!--
      scalelint-ignore-file: SL3
    -->
</clickhouse>
"#;

    #[test]
    fn elements_trailing_comments_and_file_comments() {
        let found = scan(CLICKHOUSE);
        let got: Vec<(&str, (u32, u32))> =
            found.iter().map(|c| (c.body.trim(), c.covers)).collect();
        assert_eq!(
            got,
            [
                (
                    "scalelint-ignore: SL301 -- three replicas on purpose",
                    (5, 11)
                ),
                ("scalelint-ignore: SL401", (12, 12)),
                ("scalelint-ignore: SL302", (15, 15)),
                ("scalelint-ignore-file: SL3", (22, 22)),
            ]
        );
        assert_eq!(found[0].body_start, Pos::new(4, 9));
        assert_eq!(
            found[3].pos_at(found[3].body.find("scalelint").unwrap()),
            Pos::new(20, 7)
        );
    }

    #[test]
    fn self_closing_and_multi_line_tags() {
        let text = "<a>\n<!-- scalelint-ignore: SL1 -->\n<b\n  x=\"1\"\n/>\n<c/>\n</a>\n";
        assert_eq!(scan(text)[0].covers, (3, 5));
        let text = "<a>\r\n  <!-- scalelint-ignore: SL1 -->\r\n  <b>\r\n  </b>\r\n</a>\r\n";
        assert_eq!(scan(text)[0].covers, (3, 4));
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for text in [
            "<!-- scalelint-ignore: SL1",
            "<a <!-- scalelint-ignore",
            "<![CDATA[ scalelint-ignore",
            "<!DOCTYPE [ scalelint-ignore",
        ] {
            let _ = scan(text);
        }
        assert_eq!(scan("<!-- scalelint-ignore: SL1")[0].covers, (1, 1));
    }
}
