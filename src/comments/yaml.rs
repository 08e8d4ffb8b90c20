//! `#` comments of YAML files. They are not part of the parser's events, so
//! they are found in the text, and the parsed tree says two things about it:
//! where quoted and block scalars are (a `#` inside them is text), and where
//! each mapping entry, list item and document starts and ends (what a
//! comment above them covers).
//!
//! A comment covers the line it ends, or the next line of code when it
//! stands alone; if a mapping entry, list item or document starts on that
//! line, down to its last line. So a comment above `- name: shipper` covers
//! that container, one above `containers:` every container, and one above
//! `apiVersion:` the whole object. A bare `---` between a comment and its
//! document is skipped.

use crate::formats::yaml::{RawKind, RawNode, YamlFile};
use crate::source::{LineIndex, Pos, to_u32};

use super::{Comment, MARK, col_of, lines};

/// The directive comments of `text`, parsed as `yaml`, with the lines each
/// one covers.
pub fn scan<'t>(text: &'t str, yaml: &YamlFile<'_>) -> Vec<Comment<'t>> {
    if !text.contains(MARK) {
        return Vec::new();
    }
    let index = LineIndex::new(text);
    let layout = Layout::of(yaml, &index);
    let all: Vec<(u32, usize, &str)> = lines(text).collect();
    let mut out = Vec::new();
    for (i, &(line_no, _, line)) in all.iter().enumerate() {
        if !line.contains(MARK) {
            continue;
        }
        let Some(hash) = comment_start(line, line_no, &layout) else {
            continue;
        };
        let body = line.get(hash + 1..).unwrap_or("");
        if !body.contains(MARK) {
            continue;
        }
        let trailing = !line.get(..hash).unwrap_or("").trim().is_empty();
        let anchor = if trailing {
            Some((line_no, line))
        } else {
            all.iter()
                .skip(i + 1)
                .find(|(_, _, l)| {
                    let t = l.trim();
                    !(t.is_empty() || t.starts_with('#') || t == "---")
                })
                .map(|&(n, _, l)| (n, l))
        };
        let covers = match anchor {
            Some((n, l)) => {
                let first_col = col_of(l, l.len() - l.trim_start().len());
                (n, layout.last_line_of_unit_at(n, first_col).max(n))
            }
            None => (line_no, line_no),
        };
        out.push(Comment {
            body,
            body_start: Pos::new(line_no, col_of(line, hash + 1)),
            covers,
        });
    }
    out
}

/// The first and last line of a node's content (a Kubernetes object that an
/// annotation covers); `index` is the file's.
pub fn lines_of(node: RawNode<'_, '_>, index: &LineIndex<'_>) -> (u32, u32) {
    let start = node.start().line;
    let last = Layout::default().walk(node, index).unwrap_or(start);
    (start, last.max(start))
}

/// The byte offset of the `#` that opens a comment on this line, if any: at
/// the start of the line or after a space or tab, and not inside a quoted
/// or block scalar.
fn comment_start(line: &str, line_no: u32, layout: &Layout) -> Option<usize> {
    let bytes = line.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &c)| {
        let at_word_start = i == 0 || matches!(bytes.get(i - 1), Some(b' ' | b'\t'));
        (c == b'#' && at_word_start && !layout.in_scalar(Pos::new(line_no, col_of(line, i))))
            .then_some(i)
    })
}

/// What the tree says about the text's layout.
#[derive(Default)]
struct Layout {
    /// Quoted scalars, start to end, sorted and disjoint.
    quoted: Vec<(Pos, Pos)>,
    /// Block scalars: first and last content line and the content's
    /// indentation in characters, sorted and disjoint.
    blocks: Vec<(u32, u32, u32)>,
    /// Documents, mapping entries and list items: start, and last line.
    units: Vec<(Pos, u32)>,
}

impl Layout {
    fn of(yaml: &YamlFile<'_>, index: &LineIndex<'_>) -> Layout {
        let mut layout = Layout::default();
        for doc in &yaml.docs {
            let root = yaml.raw_root(doc);
            if let Some(end) = layout.walk(root, index) {
                layout.units.push((root.start(), end));
            }
        }
        layout.quoted.sort();
        layout.blocks.sort();
        layout.units.sort();
        layout
    }

    /// Records the scalars and units below `root`; returns the last line of
    /// `root`'s content. Iterative: nesting is bounded by the parser, but
    /// a stack of our own costs nothing.
    fn walk(&mut self, root: RawNode<'_, '_>, index: &LineIndex<'_>) -> Option<u32> {
        // Pre-order with parent links; content ends are then folded in reverse.
        let mut order: Vec<(RawNode<'_, '_>, Option<usize>)> = vec![(root, None)];
        let mut i = 0;
        while let Some(&(node, _)) = order.get(i) {
            match node.kind() {
                RawKind::Seq => order.extend(node.items().map(|c| (c, Some(i)))),
                RawKind::Map => {
                    for (k, v) in node.pairs() {
                        order.push((k, Some(i)));
                        order.push((v, Some(i)));
                    }
                }
                RawKind::Scalar { .. } | RawKind::Alias => {}
            }
            i += 1;
        }
        let mut last: Vec<Option<u32>> = vec![None; order.len()];
        for (i, &(node, parent)) in order.iter().enumerate().rev() {
            let own = self.own_last_line(node, index);
            let end = match (own, last.get(i).copied().flatten()) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(slot) = last.get_mut(i) {
                *slot = end;
            }
            if let (Some(p), Some(e)) = (parent, end)
                && let Some(slot) = last.get_mut(p)
            {
                *slot = Some(slot.map_or(e, |s| s.max(e)));
            }
        }
        // Units: each list item, and each entry from its key to its value.
        let last_of = |i: usize| last.get(i).copied().flatten();
        let mut children_of: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
        for (i, &(_, parent)) in order.iter().enumerate() {
            if let Some(p) = parent
                && let Some(c) = children_of.get_mut(p)
            {
                c.push(i);
            }
        }
        for (i, &(node, _)) in order.iter().enumerate() {
            let children = children_of.get(i).map_or(&[][..], Vec::as_slice);
            match node.kind() {
                RawKind::Seq => {
                    for &c in children {
                        if let (Some((item, _)), Some(end)) = (order.get(c), last_of(c)) {
                            self.units.push((item.start(), end));
                        }
                    }
                }
                RawKind::Map => {
                    for pair in children.chunks(2) {
                        let (Some(&k), v) = (pair.first(), pair.get(1).copied()) else {
                            continue;
                        };
                        let end = [Some(k), v].into_iter().flatten().filter_map(last_of).max();
                        if let (Some((key, _)), Some(end)) = (order.get(k), end) {
                            self.units.push((key.start(), end));
                        }
                    }
                }
                RawKind::Scalar { .. } | RawKind::Alias => {}
            }
        }
        last_of(0)
    }

    /// The last line of a node's own text, recording quoted and block
    /// scalars on the way. `None` for block collections (their children
    /// decide) and for empty plain scalars (they have no text).
    fn own_last_line(&mut self, node: RawNode<'_, '_>, index: &LineIndex<'_>) -> Option<u32> {
        let (start, end) = (node.start(), node.end());
        let first_char = index
            .line(start.line)
            .and_then(|l| l.chars().nth(start.col.saturating_sub(1) as usize));
        match node.kind() {
            RawKind::Scalar {
                plain: true,
                empty: true,
            } => None,
            RawKind::Scalar { plain: true, .. } | RawKind::Alias => Some(last_line(start, end)),
            RawKind::Scalar { plain: false, .. } if matches!(first_char, Some('"' | '\'')) => {
                self.quoted.push((start, end));
                Some(last_line(start, end))
            }
            RawKind::Scalar { plain: false, .. } => {
                // A block scalar starts at its first content line and ends
                // where the next token starts: its content is the lines
                // indented at least as deep as its first.
                let indent = start.col.saturating_sub(1);
                let mut last = start.line;
                for n in start.line..=end.line {
                    let Some(l) = index.line(n) else { break };
                    let depth = to_u32(l.len() - l.trim_start_matches(' ').len());
                    if !l.trim().is_empty() {
                        if depth < indent {
                            break;
                        }
                        last = n;
                    }
                }
                self.blocks.push((start.line, last, indent));
                Some(last)
            }
            RawKind::Seq | RawKind::Map if matches!(first_char, Some('[' | '{')) => {
                Some(last_line(start, end))
            }
            RawKind::Seq | RawKind::Map => None,
        }
    }

    fn in_scalar(&self, at: Pos) -> bool {
        let i = self.quoted.partition_point(|(s, _)| *s <= at);
        let quoted = i
            .checked_sub(1)
            .and_then(|j| self.quoted.get(j))
            .is_some_and(|(_, e)| at < *e);
        let j = self
            .blocks
            .partition_point(|(first, _, _)| *first <= at.line);
        let block = j
            .checked_sub(1)
            .and_then(|k| self.blocks.get(k))
            .is_some_and(|&(_, last, indent)| at.line <= last && at.col > indent);
        quoted || block
    }

    /// The last line of the outermost unit that starts on `line` at or after
    /// `col` (the line's first character of code); `line` when none does.
    fn last_line_of_unit_at(&self, line: u32, col: u32) -> u32 {
        let from = self
            .units
            .partition_point(|(s, _)| *s < Pos::new(line, col));
        let mut best: Option<(u32, u32)> = None;
        for &(start, end) in self.units.iter().skip(from) {
            if start.line != line {
                break;
            }
            best = match best {
                Some((c, e)) if c < start.col => Some((c, e)),
                Some((c, e)) if c == start.col => Some((c, e.max(end))),
                _ => Some((start.col, end)),
            };
        }
        best.map_or(line, |(_, e)| e)
    }
}

/// The last line a span touches, when its end is exclusive: an end at the
/// start of a line belongs to the line before.
fn last_line(start: Pos, end: Pos) -> u32 {
    if end.col <= 1 && end.line > start.line {
        end.line - 1
    } else {
        end.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::yaml::parse;

    fn covers(text: &str) -> Vec<(String, (u32, u32))> {
        let yaml = parse(text);
        assert!(yaml.errors.is_empty(), "{:?}", yaml.errors);
        scan(text, &yaml)
            .iter()
            .map(|c| (c.body.trim().to_string(), c.covers))
            .collect()
    }

    fn spans(text: &str) -> Vec<(u32, u32)> {
        covers(text).into_iter().map(|(_, c)| c).collect()
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api   # scalelint-ignore: SL101
          image: api:1
        # scalelint-ignore: SL104 -- the shipper is tiny
        - name: shipper
          image: fluent-bit:3
          args:
            - --quiet

          resources: {}
        # scalelint-ignore: SL102
        - name: last
          command: [\"sh\",
            \"-c\"]
";

    #[test]
    fn trailing_above_an_item_and_between_items() {
        assert_eq!(spans(DEPLOYMENT), [(9, 10), (12, 17), (19, 21)]);
    }

    #[test]
    fn above_a_key_covers_its_value_and_above_the_document_covers_it() {
        let text = "---\n# scalelint-ignore: SL1\n---\napiVersion: v1\nkind: Pod\nspec:\n  # scalelint-ignore: SL104\n  containers:\n    - name: a\n\n# trailing comment after the document\n";
        assert_eq!(spans(text), [(4, 9), (8, 9)]);
    }

    #[test]
    fn hashes_in_quoted_and_block_scalars_are_text() {
        let text = "\
a: \"x # scalelint-ignore: SL1\"
b: 'y # scalelint-ignore: SL1'
c: |
  z # scalelint-ignore: SL1
  # scalelint-ignore: SL1
# scalelint-ignore: SL2
d: \"multi
  line # scalelint-ignore: SL1\"
e: f#scalelint-ignore-file
g: plain # scalelint-ignore: SL3
";
        assert_eq!(
            covers(text),
            [
                ("scalelint-ignore: SL2".to_string(), (7, 8)),
                ("scalelint-ignore: SL3".to_string(), (10, 10)),
            ]
        );
    }

    #[test]
    fn comment_inside_a_flow_mapping() {
        let text = "\
containers: [{name: api,
  # scalelint-ignore: SL101
  image: x}, {name: b}]
resources: {requests: {cpu: 1}, # scalelint-ignore: SL104
  limits: {}}
";
        assert_eq!(spans(text), [(3, 3), (4, 5)]);
    }

    #[test]
    fn crlf_positions() {
        let text = "a: 1\r\n# scalelint-ignore: SL1\r\nb:\r\n  c: 2\r\n";
        let yaml = parse(text);
        let found = scan(text, &yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].covers, (3, 4));
        assert_eq!(found[0].body, " scalelint-ignore: SL1");
        assert_eq!(found[0].body_start, Pos::new(2, 2));
    }

    #[test]
    fn after_a_syntax_error_comments_are_still_found() {
        let text = "a: 1\nb: [\n# scalelint-ignore-file: SL901\n";
        let yaml = parse(text);
        assert!(!yaml.errors.is_empty());
        assert_eq!(scan(text, &yaml).len(), 1);
    }
}
