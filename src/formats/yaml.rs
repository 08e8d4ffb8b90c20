//! YAML files as spanned trees.
//!
//! The tree is built from saphyr-parser's event stream into one flat arena per
//! file rather than through `saphyr::MarkedYaml`, for four reasons that all
//! come from linting untrusted input:
//! - an alias is a reference to its anchor, never a copy, so an alias bomb
//!   costs nothing to hold and is refused by counting, not by expanding;
//! - nesting depth is bounded while parsing, and dropping a flat arena cannot
//!   overflow the stack the way dropping a 10,000-deep tree of boxes can;
//! - a duplicate key is reported with both locations and the file is still
//!   read, last value winning as in lenient loaders;
//! - every key keeps its own span, so findings can point at `name:`.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use crate::source::{Pos, to_u32};

/// Collections nested deeper than this make the file a parse error.
pub const MAX_DEPTH: usize = 256;
/// How many nodes aliases may stand for in one file, counted as if expanded.
pub const ALIAS_BUDGET: u64 = 100_000;
/// Documents read from one stream; the rest of a longer file is a parse
/// error. `helm template` of a large chart writes a few thousand.
pub const MAX_DOCUMENTS: usize = 10_000;
/// Above this many entries a mapping checks duplicate keys with a hash map.
const LINEAR_KEY_CHECK: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

#[derive(Debug)]
pub enum Value<'s> {
    /// A scalar as written; `plain` is false for quoted and block scalars.
    Scalar {
        text: Cow<'s, str>,
        plain: bool,
        style: Style,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
    /// An alias, pointing at the anchored node.
    Alias(NodeId),
}

#[derive(Debug)]
pub struct Node<'s> {
    pub value: Value<'s>,
    pub start: Pos,
    pub end: Pos,
    /// Number of nodes this one stands for when aliases are expanded.
    size: u64,
    closed: bool,
}

/// One document of a YAML stream.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    pub root: NodeId,
    pub start: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    DuplicateKey,
    AliasBudget,
    TooDeep,
    TooManyDocuments,
}

#[derive(Debug, Clone)]
pub struct YamlError {
    pub kind: ErrorKind,
    pub pos: Pos,
    pub message: String,
}

/// A parsed YAML stream: the documents that were read completely, and every
/// problem found. A syntax error stops the parse; documents before it remain.
#[derive(Debug, Default)]
pub struct YamlFile<'s> {
    nodes: Vec<Node<'s>>,
    pub docs: Vec<Doc>,
    pub errors: Vec<YamlError>,
    /// The first mapping key that is itself a mapping or sequence. Real
    /// manifests never have one; an unquoted `{{ .Values.x }}` parses as one.
    pub complex_key: Option<Pos>,
}

struct Frame<'s> {
    id: NodeId,
    is_map: bool,
    items: Vec<NodeId>,
    entries: Vec<(NodeId, NodeId)>,
    pending_key: Option<NodeId>,
    key_index: Option<HashMap<Cow<'s, str>, usize>>,
}

fn pos(m: &Marker) -> Pos {
    Pos::new(to_u32(m.line()), to_u32(m.col().saturating_add(1)))
}

/// Parses a whole YAML stream. Never panics; problems land in `errors`.
pub fn parse(text: &str) -> YamlFile<'_> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let mut doc_start = Pos::START;
    let mut root: Option<NodeId> = None;
    let mut documents = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                b.file.errors.push(YamlError {
                    kind: ErrorKind::Syntax,
                    pos: pos(e.marker()),
                    message: e.info().to_string(),
                });
                break;
            }
        };
        let (start, end) = (pos(&span.start), pos(&span.end));
        let step = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(None),
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > MAX_DOCUMENTS {
                    b.file.errors.push(YamlError {
                        kind: ErrorKind::TooManyDocuments,
                        pos: start,
                        message: format!("more than {MAX_DOCUMENTS} documents in one file"),
                    });
                    break;
                }
                doc_start = start;
                root = None;
                Ok(None)
            }
            Event::DocumentEnd => {
                if let Some(r) = root.take() {
                    b.file.docs.push(Doc {
                        root: r,
                        start: doc_start,
                    });
                }
                Ok(None)
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = matches!(style, ScalarStyle::Plain);
                let style = match style {
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                    _ => Style::Plain,
                };
                let id = b.push(Value::Scalar { text, plain, style }, start, end, 1, true);
                b.anchor(anchor, id);
                Ok(Some(id))
            }
            Event::Alias(anchor) => b.alias(anchor, start, end),
            Event::SequenceStart(anchor, _) => b.open(false, anchor, start).map(|()| None),
            Event::MappingStart(anchor, _) => b.open(true, anchor, start).map(|()| None),
            Event::SequenceEnd | Event::MappingEnd => Ok(b.close(end)),
        };
        match step {
            Ok(Some(id)) => {
                if b.stack.is_empty() {
                    root = Some(id);
                } else {
                    b.attach(id);
                }
            }
            Ok(None) => {}
            Err(e) => {
                b.file.errors.push(e);
                break;
            }
        }
    }
    b.file
}

/// How many lines `parse_with` re-indents before it gives up.
const MAX_REPAIRS: usize = 32;

/// Parses `text` and hands the tree to `f`, accepting one thing that libyaml,
/// PyYAML and Go's yaml (kubectl, docker compose) accept and saphyr refuses:
/// lines of a flow collection indented no deeper than its parent key, as in
///
/// ```yaml
///     command: [
///       "start"
///     ]
/// ```
///
/// Such a line is re-indented and the text parsed again, at most
/// `MAX_REPAIRS` times; positions on a re-indented line move right.
pub fn parse_with<R>(text: &str, f: impl FnOnce(&YamlFile<'_>) -> R) -> R {
    let first = parse(text);
    let Some(mut repaired) = repair_flow_indent(text, &first) else {
        return f(&first);
    };
    drop(first);
    for _ in 1..MAX_REPAIRS {
        let next = {
            let attempt = parse(&repaired);
            repair_flow_indent(&repaired, &attempt)
        };
        match next {
            Some(t) => repaired = t,
            None => break,
        }
    }
    let parsed = parse(&repaired);
    // Still broken: report the error against the text as written.
    if parsed.errors.iter().any(|e| e.kind == ErrorKind::Syntax) {
        drop(parsed);
        return f(&parse(text));
    }
    f(&parsed)
}

/// The text with the offending line re-indented, when the parse failed on
/// indentation inside a flow collection.
fn repair_flow_indent(text: &str, parsed: &YamlFile<'_>) -> Option<String> {
    let err = parsed
        .errors
        .iter()
        .find(|e| e.kind == ErrorKind::Syntax && e.message.starts_with("invalid indentation"))?;
    let line_no = usize::try_from(err.pos.line).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line = *lines.get(line_no)?;
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let prev = lines
        .get(..line_no)?
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let prev_content = prev.trim_end();
    let opens = prev_content.ends_with('[') || prev_content.ends_with('{');
    let continues = opens || prev_content.ends_with(',');
    let closes = line.trim_start().starts_with(']') || line.trim_start().starts_with('}');
    if !(continues || closes) {
        return None;
    }
    let current = indent_of(line);
    let wanted = if opens {
        indent_of(prev) + 2
    } else {
        indent_of(prev).max(current + 1)
    };
    if wanted <= current {
        return None;
    }
    let mut out = String::with_capacity(text.len() + wanted);
    for (i, l) in lines.iter().enumerate() {
        if i == line_no {
            out.push_str(&" ".repeat(wanted - current));
        }
        out.push_str(l);
    }
    Some(out)
}

#[derive(Default)]
struct Builder<'s> {
    file: YamlFile<'s>,
    stack: Vec<Frame<'s>>,
    anchors: HashMap<usize, NodeId>,
    alias_total: u64,
}

impl<'s> Builder<'s> {
    fn push(&mut self, value: Value<'s>, start: Pos, end: Pos, size: u64, closed: bool) -> NodeId {
        let id = NodeId(to_u32(self.file.nodes.len()));
        self.file.nodes.push(Node {
            value,
            start,
            end,
            size,
            closed,
        });
        id
    }

    fn anchor(&mut self, anchor: usize, id: NodeId) {
        // Anchor ids start at 1; 0 means "no anchor".
        if anchor > 0 {
            self.anchors.insert(anchor, id);
        }
    }

    fn alias(&mut self, anchor: usize, start: Pos, end: Pos) -> Result<Option<NodeId>, YamlError> {
        let Some(&target) = self.anchors.get(&anchor) else {
            return Err(YamlError {
                kind: ErrorKind::Syntax,
                pos: start,
                message: "alias to an unknown anchor".into(),
            });
        };
        let (size, closed) = self
            .file
            .nodes
            .get(target.0 as usize)
            .map_or((1, true), |n| (n.size, n.closed));
        if !closed {
            return Err(YamlError {
                kind: ErrorKind::Syntax,
                pos: start,
                message: "alias refers to an anchor that contains it (recursive alias)".into(),
            });
        }
        self.alias_total = self.alias_total.saturating_add(size);
        if self.alias_total > ALIAS_BUDGET {
            return Err(YamlError {
                kind: ErrorKind::AliasBudget,
                pos: start,
                message: format!(
                    "aliases expand to more than {ALIAS_BUDGET} nodes (an alias bomb, \"billion laughs\")"
                ),
            });
        }
        Ok(Some(self.push(
            Value::Alias(target),
            start,
            end,
            size,
            true,
        )))
    }

    fn open(&mut self, is_map: bool, anchor: usize, start: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                kind: ErrorKind::TooDeep,
                pos: start,
                message: format!("collections nested deeper than {MAX_DEPTH} levels"),
            });
        }
        let placeholder = if is_map {
            Value::Map(Vec::new())
        } else {
            Value::Seq(Vec::new())
        };
        let id = self.push(placeholder, start, start, 1, false);
        self.anchor(anchor, id);
        self.stack.push(Frame {
            id,
            is_map,
            items: Vec::new(),
            entries: Vec::new(),
            pending_key: None,
            key_index: None,
        });
        Ok(())
    }

    fn close(&mut self, end: Pos) -> Option<NodeId> {
        let frame = self.stack.pop()?;
        let size = if frame.is_map {
            frame.entries.iter().fold(1u64, |acc, (k, v)| {
                acc.saturating_add(self.size(*k))
                    .saturating_add(self.size(*v))
            })
        } else {
            frame
                .items
                .iter()
                .fold(1u64, |acc, i| acc.saturating_add(self.size(*i)))
        };
        let node = self.file.nodes.get_mut(frame.id.0 as usize)?;
        node.value = if frame.is_map {
            Value::Map(frame.entries)
        } else {
            Value::Seq(frame.items)
        };
        node.end = end;
        node.size = size;
        node.closed = true;
        Some(frame.id)
    }

    fn size(&self, id: NodeId) -> u64 {
        self.file.nodes.get(id.0 as usize).map_or(1, |n| n.size)
    }

    /// Scalar text of a key, following an alias; `None` for complex keys.
    fn key_text(&self, id: NodeId) -> Option<Cow<'s, str>> {
        let mut node = self.file.nodes.get(id.0 as usize)?;
        if let Value::Alias(t) = node.value {
            node = self.file.nodes.get(t.0 as usize)?;
        }
        match &node.value {
            Value::Scalar { text, .. } => Some(text.clone()),
            _ => None,
        }
    }

    fn attach(&mut self, id: NodeId) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if !top.is_map {
            top.items.push(id);
            return;
        }
        let Some(key) = top.pending_key.take() else {
            top.pending_key = Some(id);
            return;
        };
        let text = self.key_text(key);
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if text.is_none() && self.file.complex_key.is_none() {
            self.file.complex_key = self.file.nodes.get(key.0 as usize).map(|n| n.start);
        }
        // Merge keys may repeat; complex keys are not compared.
        let Some(text) = text.filter(|t| t != "<<") else {
            top.entries.push((key, id));
            return;
        };
        let earlier = if let Some(index) = &top.key_index {
            index.get(&text).copied()
        } else {
            let nodes = &self.file.nodes;
            top.entries.iter().position(|(k, _)| {
                nodes.get(k.0 as usize).is_some_and(|n| match &n.value {
                    Value::Scalar { text: t, .. } => *t == text,
                    Value::Alias(a) => nodes.get(a.0 as usize).is_some_and(
                        |an| matches!(&an.value, Value::Scalar { text: t, .. } if *t == text),
                    ),
                    _ => false,
                })
            })
        };
        match earlier {
            Some(i) => {
                let first = top
                    .entries
                    .get(i)
                    .and_then(|(k, _)| self.file.nodes.get(k.0 as usize))
                    .map_or(Pos::START, |n| n.start);
                let at = self
                    .file
                    .nodes
                    .get(key.0 as usize)
                    .map_or(Pos::START, |n| n.start);
                self.file.errors.push(YamlError {
                    kind: ErrorKind::DuplicateKey,
                    pos: at,
                    message: format!(
                        "duplicate key `{text}` in a mapping (first at line {}:{})",
                        first.line, first.col
                    ),
                });
                if let Some(slot) = top.entries.get_mut(i) {
                    *slot = (key, id);
                }
            }
            None => {
                top.entries.push((key, id));
                let n = top.entries.len();
                if let Some(index) = &mut top.key_index {
                    index.insert(text, n - 1);
                } else if n > LINEAR_KEY_CHECK {
                    let nodes = &self.file.nodes;
                    let mut index = HashMap::with_capacity(n * 2);
                    for (i, (k, _)) in top.entries.iter().enumerate() {
                        let mut node = nodes.get(k.0 as usize);
                        if let Some(Node {
                            value: Value::Alias(a),
                            ..
                        }) = node
                        {
                            node = nodes.get(a.0 as usize);
                        }
                        if let Some(Node {
                            value: Value::Scalar { text: t, .. },
                            ..
                        }) = node
                            && t != "<<"
                        {
                            index.insert(t.clone(), i);
                        }
                    }
                    top.key_index = Some(index);
                }
            }
        }
    }
}

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`: content lines map one to one to the value's lines.
    Literal,
    /// `>`: lines are folded into one.
    Folded,
}

/// Where a scalar is written and how, to find the position of a part of
/// its value after the tree is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalarLoc {
    pub start: Pos,
    pub end: Pos,
    pub style: Style,
}

impl ScalarLoc {
    /// The source positions of `value[offset..offset + len]`, where `value`
    /// is the scalar's text: exact for a single-line plain scalar, a
    /// single-line quoted scalar without escapes, and a literal block
    /// (whose lines keep their indentation); `None` otherwise.
    pub fn locate(&self, value: &str, offset: usize, len: usize) -> Option<(Pos, Pos)> {
        let before = value.get(..offset)?;
        let part = value.get(offset..offset.checked_add(len)?)?;
        if part.contains('\n') {
            return None;
        }
        let chars = |s: &str| to_u32(s.chars().count());
        let single_line = self.start.line == self.end.line;
        let at = |first_col: u32| {
            let col = first_col.saturating_add(chars(before));
            Some((
                Pos::new(self.start.line, col),
                Pos::new(self.start.line, col.saturating_add(chars(part))),
            ))
        };
        match self.style {
            Style::Plain if single_line && !value.contains('\n') => at(self.start.col),
            Style::SingleQuoted | Style::DoubleQuoted if single_line => {
                // An escape is longer than what it stands for: the same length
                // inside the quotes means none was used.
                let inside = self.end.col.saturating_sub(self.start.col).checked_sub(2)?;
                (inside == chars(value)).then_some(())?;
                at(self.start.col.saturating_add(1))
            }
            Style::Literal => {
                let line = self
                    .start
                    .line
                    .saturating_add(to_u32(before.matches('\n').count()));
                let line_start = before.rsplit('\n').next().unwrap_or(before);
                let col = self.start.col.saturating_add(chars(line_start));
                Some((
                    Pos::new(line, col),
                    Pos::new(line, col.saturating_add(chars(part))),
                ))
            }
            _ => None,
        }
    }
}

impl<'s> YamlFile<'s> {
    /// A cursor on a document's root.
    pub fn root(&self, doc: &Doc) -> Y<'_, 's> {
        Y::new(self, doc.root)
    }

    fn node(&self, id: NodeId) -> Option<&Node<'s>> {
        self.nodes.get(id.0 as usize)
    }

    /// A document's root as written, aliases and merge keys not followed.
    pub fn raw_root(&self, doc: &Doc) -> RawNode<'_, 's> {
        RawNode {
            file: self,
            id: doc.root,
        }
    }
}

/// A node as written: aliases stay aliases and merge keys stay keys. For
/// work on the text's layout (which lines a comment speaks for), not on
/// what the document means; that is `Y`.
#[derive(Clone, Copy)]
pub struct RawNode<'a, 's> {
    file: &'a YamlFile<'s>,
    id: NodeId,
}

/// What a `RawNode` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawKind {
    /// `plain` is false for quoted and block scalars.
    Scalar {
        plain: bool,
        empty: bool,
    },
    Alias,
    Seq,
    Map,
}

impl<'a, 's> RawNode<'a, 's> {
    fn node(&self) -> Option<&'a Node<'s>> {
        self.file.node(self.id)
    }

    /// Where the node starts: for a block scalar, its first content line.
    pub fn start(&self) -> Pos {
        self.node().map_or(Pos::START, |n| n.start)
    }

    /// Where the parser ended the node. Block collections and block scalars
    /// end where the next token starts, which may be lines further down.
    pub fn end(&self) -> Pos {
        self.node().map_or(Pos::START, |n| n.end)
    }

    pub fn kind(&self) -> RawKind {
        match self.node().map(|n| &n.value) {
            Some(Value::Scalar { text, plain, .. }) => RawKind::Scalar {
                plain: *plain,
                empty: text.is_empty(),
            },
            Some(Value::Seq(_)) => RawKind::Seq,
            Some(Value::Map(_)) => RawKind::Map,
            Some(Value::Alias(_)) | None => RawKind::Alias,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&'a str> {
        match &self.node()?.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn items(self) -> impl Iterator<Item = RawNode<'a, 's>> + 'a {
        let file = self.file;
        let items: &'a [NodeId] = match self.node().map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            _ => &[],
        };
        items.iter().map(move |&id| RawNode { file, id })
    }

    /// The key/value pairs of a mapping, merge keys included as keys.
    pub fn pairs(self) -> impl Iterator<Item = (RawNode<'a, 's>, RawNode<'a, 's>)> + 'a {
        let file = self.file;
        let entries: &'a [(NodeId, NodeId)] = match self.node().map(|n| &n.value) {
            Some(Value::Map(entries)) => entries,
            _ => &[],
        };
        entries
            .iter()
            .map(move |&(k, v)| (RawNode { file, id: k }, RawNode { file, id: v }))
    }

    /// The value of `key` in a mapping, as written.
    pub fn get(self, key: &str) -> Option<RawNode<'a, 's>> {
        self.pairs()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// A cursor on one node, with aliases already followed.
#[derive(Clone, Copy)]
pub struct Y<'a, 's> {
    file: &'a YamlFile<'s>,
    id: NodeId,
}

/// How deep merge keys (`<<`) are followed.
const MAX_MERGE_DEPTH: u32 = 8;

impl<'a, 's> Y<'a, 's> {
    fn new(file: &'a YamlFile<'s>, id: NodeId) -> Self {
        let id = match file.node(id).map(|n| &n.value) {
            Some(Value::Alias(target)) => *target,
            _ => id,
        };
        Y { file, id }
    }

    fn value(&self) -> Option<&'a Value<'s>> {
        self.file.node(self.id).map(|n| &n.value)
    }

    pub fn start(&self) -> Pos {
        self.file.node(self.id).map_or(Pos::START, |n| n.start)
    }

    pub fn end(&self) -> Pos {
        self.file.node(self.id).map_or(Pos::START, |n| n.end)
    }

    /// The text of a scalar (quoted or not); `None` for collections.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.value()? {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Where and how a scalar is written; `None` for collections.
    pub fn scalar_loc(&self) -> Option<ScalarLoc> {
        match self.value()? {
            Value::Scalar { style, .. } => Some(ScalarLoc {
                start: self.start(),
                end: self.end(),
                style: *style,
            }),
            _ => None,
        }
    }

    /// A non-empty scalar that is not a YAML null.
    pub fn as_text(&self) -> Option<&'a str> {
        self.as_str().filter(|_| !self.is_null())
    }

    /// An integer written as a plain scalar (`3`, not `"3"`).
    pub fn as_i64(&self) -> Option<i64> {
        match self.value()? {
            Value::Scalar {
                text, plain: true, ..
            } => text.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value()? {
            Value::Scalar {
                text, plain: true, ..
            } => match text.as_ref() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(
            self.value(),
            Some(Value::Scalar { text, plain: true, .. }) if matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
        )
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value(), Some(Value::Map(_)))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value(), Some(Value::Seq(_)))
    }

    /// The elements of a sequence; empty for anything else.
    pub fn items(self) -> impl Iterator<Item = Y<'a, 's>> + 'a {
        let items: &'a [NodeId] = match self.value() {
            Some(Value::Seq(items)) => items,
            _ => &[],
        };
        let file = self.file;
        items.iter().map(move |&id| Y::new(file, id))
    }

    /// Key/value pairs of a mapping, with merge keys (`<<`) resolved: explicit
    /// keys first, then merged keys that are not overridden.
    pub fn entries(&self) -> Vec<(Y<'a, 's>, Y<'a, 's>)> {
        let mut out = Vec::new();
        self.collect_entries(&mut out, 0);
        out
    }

    fn raw_entries(&self) -> &'a [(NodeId, NodeId)] {
        match self.value() {
            Some(Value::Map(entries)) => entries,
            _ => &[],
        }
    }

    fn collect_entries(&self, out: &mut Vec<(Y<'a, 's>, Y<'a, 's>)>, depth: u32) {
        let mut merges = Vec::new();
        for &(k, v) in self.raw_entries() {
            let (k, v) = (Y::new(self.file, k), Y::new(self.file, v));
            match k.as_str() {
                Some("<<") => merges.push(v),
                Some(key) if depth > 0 && out.iter().any(|(ek, _)| ek.as_str() == Some(key)) => {}
                _ => out.push((k, v)),
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return;
        }
        for m in merges {
            if m.is_seq() {
                for src in m.items() {
                    src.collect_entries(out, depth + 1);
                }
            } else {
                m.collect_entries(out, depth + 1);
            }
        }
    }

    /// The key node and value of `key` in a mapping, following merge keys.
    pub fn entry(&self, key: &str) -> Option<(Y<'a, 's>, Y<'a, 's>)> {
        self.entry_at(key, 0)
    }

    fn entry_at(&self, key: &str, depth: u32) -> Option<(Y<'a, 's>, Y<'a, 's>)> {
        let mut merges = Vec::new();
        for &(k, v) in self.raw_entries() {
            let k = Y::new(self.file, k);
            match k.as_str() {
                Some(t) if t == key => return Some((k, Y::new(self.file, v))),
                Some("<<") => merges.push(Y::new(self.file, v)),
                _ => {}
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return None;
        }
        merges.into_iter().find_map(|m| {
            if m.is_seq() {
                m.items().find_map(|src| src.entry_at(key, depth + 1))
            } else {
                m.entry_at(key, depth + 1)
            }
        })
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<Y<'a, 's>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<Y<'a, 's>> {
        keys.iter().try_fold(*self, |node, k| node.get(k))
    }

    /// The string value of `key`, if it is a non-null scalar.
    pub fn get_str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|v| v.as_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> YamlFile<'_> {
        parse(text)
    }

    #[test]
    fn spans_of_keys_and_values_are_one_based() {
        let f = one("a:\n  name: api\n");
        assert!(f.errors.is_empty());
        let root = f.root(&f.docs[0]);
        let (k, v) = root.get("a").unwrap().entry("name").unwrap();
        assert_eq!(k.start(), Pos::new(2, 3));
        assert_eq!(v.start(), Pos::new(2, 9));
        assert_eq!(v.as_str(), Some("api"));
    }

    #[test]
    fn multi_document_and_empty_documents() {
        let f = one("---\n---\na: 1\n---\n# only a comment\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.docs.len(), 3);
        assert_eq!(f.root(&f.docs[1]).get("a").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn duplicate_key_is_reported_and_last_value_wins() {
        let f = one("a: 1\nb: 2\na: 3\n");
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::DuplicateKey);
        assert_eq!(f.errors[0].pos, Pos::new(3, 1));
        assert!(f.errors[0].message.contains("first at line 1:1"));
        assert_eq!(f.root(&f.docs[0]).get("a").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn duplicate_keys_in_large_mappings_are_found() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: again\n");
        let f = one(&text);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].pos.line, 41);
    }

    #[test]
    fn merge_keys_resolve_with_explicit_keys_winning() {
        let f = one("base: &b\n  x: 1\n  y: 2\nsvc:\n  <<: *b\n  y: 3\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let svc = f.root(&f.docs[0]).get("svc").unwrap();
        assert_eq!(svc.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(svc.get("y").unwrap().as_i64(), Some(3));
        let keys: Vec<_> = svc
            .entries()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["y", "x"]);
    }

    #[test]
    fn two_merge_keys_in_one_mapping_both_merge() {
        let f = one("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n  z: 3\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let c = f.root(&f.docs[0]).get("c").unwrap();
        assert_eq!(c.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(c.get("y").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn alias_bomb_is_refused_without_expanding() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 9].join(", ")));
        }
        let f = one(&text);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::AliasBudget);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        let f = one(&text);
        assert_eq!(f.errors.len(), 1);
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        let f = one(&block);
        assert_eq!(f.errors[0].kind, ErrorKind::TooDeep);
    }

    #[test]
    fn documents_up_to_the_limit_are_read_and_one_more_is_an_error() {
        let at_limit = format!("a: 1\n{}", "---\na: 1\n".repeat(MAX_DOCUMENTS - 1));
        let f = one(&at_limit);
        assert!(f.errors.is_empty(), "{:?}", f.errors.first());
        assert_eq!(f.docs.len(), MAX_DOCUMENTS);
        let past = format!("{at_limit}---\nb: 2\n");
        let f = one(&past);
        assert_eq!(f.docs.len(), MAX_DOCUMENTS);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::TooManyDocuments);
        // At the start of the first document that was not read.
        assert_eq!(f.errors[0].pos, Pos::new(2 * MAX_DOCUMENTS as u32, 1));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let f = one("a: 1\n---\nb: [1, 2\n");
        assert_eq!(f.docs.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::Syntax);
    }

    #[test]
    fn crlf_and_bom() {
        let f = one("\u{feff}a: 1\r\nb:\r\n  c: x\r\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let root = f.root(&f.docs[0]);
        let (k, _) = root.get("b").unwrap().entry("c").unwrap();
        assert_eq!(k.start(), Pos::new(3, 3));
        assert_eq!(root.entry("a").unwrap().0.start().line, 1);
    }

    #[test]
    fn flow_collections_closed_at_the_parent_indentation_are_accepted() {
        let text = "svc:\n    command: [\n      \"start\",\n      \"--uri\"\n    ]\n    ports:\n      - \"80\"\n";
        assert!(
            !parse(text).errors.is_empty(),
            "saphyr refuses this on its own"
        );
        let n = parse_with(text, |f| {
            assert!(f.errors.is_empty(), "{:?}", f.errors);
            f.root(&f.docs[0])
                .path(&["svc", "command"])
                .unwrap()
                .items()
                .count()
        });
        assert_eq!(n, 2);
        let bad = "a: [1, 2\nb: 3\n";
        assert!(parse_with(bad, |f| f
            .errors
            .iter()
            .any(|e| e.kind == ErrorKind::Syntax)));
    }

    #[test]
    fn unquoted_template_braces_show_as_complex_keys() {
        let f = parse("spec:\n  replicas: {{ .Values.replicas }}\n");
        assert!(f.complex_key.is_some());
        let f = parse("summary: \"{{ $labels.pod }}\"\n");
        assert!(f.complex_key.is_none());
    }

    #[test]
    fn quoted_numbers_are_not_integers() {
        let f = one("a: \"3\"\nb: 3\n");
        let root = f.root(&f.docs[0]);
        assert_eq!(root.get("a").unwrap().as_i64(), None);
        assert_eq!(root.get("b").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn parts_of_scalars_are_located_where_that_is_exact() {
        let t = "a: kafka-topics --create --replication-factor 1\nb: 'sh -c x -r 1'\nc: \"esc\\\"aped -r 1\"\nd: |\n  set -e\n    kafka-topics --replication-factor 1\ne: >\n  folded -r 1\nf: \"plain -r 1\"\n";
        let f = parse(t);
        let r = f.root(&f.docs[0]);
        let find = |k: &str, word: &str| {
            let v = r.get(k).unwrap();
            let text = v.as_str().unwrap();
            let off = text.find(word).unwrap();
            v.scalar_loc().unwrap().locate(text, off, word.len())
        };
        assert_eq!(
            find("a", "--replication-factor"),
            Some((Pos::new(1, 26), Pos::new(1, 46)))
        );
        assert_eq!(find("b", "-r"), Some((Pos::new(2, 13), Pos::new(2, 15))));
        assert_eq!(find("c", "-r"), None);
        assert_eq!(
            find("d", "--replication-factor"),
            Some((Pos::new(6, 18), Pos::new(6, 38)))
        );
        assert_eq!(find("e", "-r"), None);
        assert_eq!(find("f", "-r"), Some((Pos::new(9, 11), Pos::new(9, 13))));
    }
}
