//! A small owned XML tree with spans, read with `quick-xml`.
//!
//! Every element keeps the span of its start tag, its attributes and its
//! text; comments are kept with their spans. The parser never loads a DTD and
//! never expands an entity other than XML's five predefined ones and
//! character references: a reference to any other entity (a billion-laughs
//! bomb, an external entity) is reported and kept as literal text. Depth and
//! element count are capped, so hostile input ends in an error, not a crash.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::source::{FileId, LineIndex, Pos, Span};

/// Elements nested deeper than this stop the parse.
pub const MAX_DEPTH: usize = 128;
/// Files with more elements than this stop the parse.
pub const MAX_ELEMENTS: usize = 500_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// Text directly inside the element, trimmed.
    pub text: String,
    /// The start tag, `<` to `>`.
    pub span: Span,
    /// The span of the first text inside the element, when there is some.
    pub text_span: Option<Span>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a child element.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The element a path of child names leads to.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }
}

/// An XML comment: its text without `<!--`/`-->`, and its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not well-formed: the rest of the file was not read.
    Syntax,
    /// A reference to an entity that is not predefined; kept as text.
    Entity,
    /// Too deep or too many elements.
    Limit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub kind: ErrorKind,
    pub pos: Pos,
    pub message: String,
}

/// A parsed XML file: its root element (absent when none was read), its
/// comments and its problems.
#[derive(Clone, Debug, Default)]
pub struct XmlFile {
    pub root: Option<Element>,
    pub comments: Vec<Comment>,
    pub errors: Vec<XmlError>,
    /// Whether the file has a DOCTYPE (never loaded).
    pub doctype: Option<Pos>,
}

/// Parses `text`. Never panics; problems land in `errors`.
pub fn parse(text: &str, file: FileId) -> XmlFile {
    let index = LineIndex::new(text);
    let at = |offset: u64| index.pos_of_offset(usize::try_from(offset).unwrap_or(usize::MAX));
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut out = XmlFile::default();
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(XmlError {
                    kind: ErrorKind::Syntax,
                    pos: at(reader.error_position()),
                    message: e.to_string(),
                });
                break;
            }
        };
        let after = reader.buffer_position();
        let span = Span::new(file, at(before), at(after));
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    out.errors.push(XmlError {
                        kind: ErrorKind::Limit,
                        pos: span.start,
                        message: if count > MAX_ELEMENTS {
                            format!("more than {MAX_ELEMENTS} elements")
                        } else {
                            format!("elements nested deeper than {MAX_DEPTH}")
                        },
                    });
                    break;
                }
                let element = start_element(tag, span, text, (before, after), &index, file);
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    close(&mut stack, &mut out, element);
                }
            }
            Event::End(_) => {
                if let Some(element) = stack.pop() {
                    close(&mut stack, &mut out, element);
                }
            }
            Event::Text(t) => {
                let raw = t.decode().unwrap_or_default();
                push_text(&mut stack, &raw, span);
            }
            Event::CData(t) => {
                let raw = t.decode().unwrap_or_default();
                push_text(&mut stack, &raw, span);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or_default().into_owned();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => predefined(&name).map(str::to_string),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => push_text(&mut stack, &s, span),
                    None => {
                        out.errors.push(XmlError {
                            kind: ErrorKind::Entity,
                            pos: span.start,
                            message: format!(
                                "reference to entity `&{name};`, which is not one of XML's predefined entities; DTD entities are never expanded"
                            ),
                        });
                        push_text(&mut stack, &format!("&{name};"), span);
                    }
                }
            }
            Event::Comment(c) => out.comments.push(Comment {
                text: c.decode().unwrap_or_default().into_owned(),
                span,
            }),
            Event::DocType(_) => out.doctype = Some(span.start),
            Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    out.errors.push(XmlError {
                        kind: ErrorKind::Syntax,
                        pos: at(after),
                        message: format!(
                            "end of file while `<{}>` (line {}) is still open",
                            open.name, open.span.start.line
                        ),
                    });
                }
                break;
            }
        }
    }
    // Keep what was read of an unfinished tree, closing it as it stands.
    while let Some(element) = stack.pop() {
        close(&mut stack, &mut out, element);
    }
    out
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

fn start_element(
    tag: &BytesStart<'_>,
    span: Span,
    text: &str,
    (tag_offset, tag_end): (u64, u64),
    index: &LineIndex<'_>,
    file: FileId,
) -> Element {
    let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
    let tag_start = usize::try_from(tag_offset).unwrap_or(0);
    let tag_end = usize::try_from(tag_end).unwrap_or(tag_start);
    // Only the tag itself is searched, so many attributes stay linear.
    let tag_text = text.get(tag_start..tag_end).unwrap_or("");
    let mut attrs = Vec::new();
    for a in tag.attributes().with_checks(false).flatten() {
        let name = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        // Unknown entities in attribute values stay as written.
        let value = a
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
        // The attribute's position: its name after the tag's start.
        let offset = tag_text
            .find(&format!(" {name}="))
            .or_else(|| tag_text.find(&format!("{name}=")))
            .map_or(tag_start, |i| tag_start + i + 1);
        let start = index.pos_of_offset(offset);
        attrs.push(Attr {
            span: Span::new(file, start, start),
            name,
            value,
        });
    }
    Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        span,
        text_span: None,
    }
}

fn push_text(stack: &mut [Element], s: &str, span: Span) {
    if let Some(top) = stack.last_mut() {
        if top.text_span.is_none() && !s.trim().is_empty() {
            top.text_span = Some(span);
        }
        top.text.push_str(s);
    }
}

fn close(stack: &mut [Element], out: &mut XmlFile, mut element: Element) {
    let trimmed = element.text.trim();
    if trimmed.len() != element.text.len() {
        element.text = trimmed.to_string();
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if out.root.is_none() => out.root = Some(element),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> XmlFile {
        parse(text, FileId(0))
    }

    #[test]
    fn elements_attributes_text_and_spans() {
        let f = p(
            "<?xml version=\"1.0\"?>\n<clickhouse>\n  <!-- shards -->\n  <remote_servers incl=\"rs\" replace=\"1\">\n    <shard><weight>2</weight></shard>\n  </remote_servers>\n</clickhouse>\n",
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let root = f.root.unwrap();
        assert_eq!(root.name, "clickhouse");
        assert_eq!(root.span.start, Pos::new(2, 1));
        let rs = root.child("remote_servers").unwrap();
        assert_eq!(rs.attr("incl"), Some("rs"));
        assert_eq!(rs.attrs[1].span.start, Pos::new(4, 29));
        let shard = rs.child("shard").unwrap();
        assert_eq!(shard.span.start, Pos::new(5, 5));
        assert_eq!(shard.child_text("weight"), Some("2"));
        assert_eq!(f.comments.len(), 1);
        assert_eq!(f.comments[0].text.trim(), "shards");
        assert_eq!(f.comments[0].span.start, Pos::new(3, 3));
    }

    #[test]
    fn entities_are_resolved_only_when_predefined() {
        let f = p("<a>x &lt; y &#65; &amp;</a>");
        assert!(f.errors.is_empty());
        assert_eq!(f.root.unwrap().text, "x < y A &");
    }

    #[test]
    fn billion_laughs_is_never_expanded() {
        let mut bomb =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            bomb.push_str(&format!(
                " <!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        bomb.push_str("]>\n<lolz>&lol9;</lolz>\n");
        let f = p(&bomb);
        assert!(f.doctype.is_some());
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::Entity);
        assert_eq!(f.errors[0].pos.line, 14);
        assert_eq!(f.root.unwrap().text, "&lol9;");
    }

    #[test]
    fn external_entities_are_not_loaded() {
        let f = p("<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<x>&xxe;</x>\n");
        assert_eq!(f.errors[0].kind, ErrorKind::Entity);
        assert_eq!(f.root.unwrap().text, "&xxe;");
    }

    #[test]
    fn malformed_input_is_an_error_at_its_place() {
        let f = p("<a>\n  <b>\n</a>\n");
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].kind, ErrorKind::Syntax);
        assert_eq!(f.errors[0].pos.line, 3);
        let f = p("<a>\n  <b>text\n");
        assert_eq!(f.errors[0].kind, ErrorKind::Syntax);
        assert!(f.errors[0].message.contains("`<b>`"), "{:?}", f.errors);
        let f = p("<a><b x=\"1></b></a>");
        assert!(!f.errors.is_empty());
    }

    #[test]
    fn depth_is_capped() {
        let deep = "<a>".repeat(MAX_DEPTH + 5);
        let f = p(&deep);
        assert_eq!(f.errors[0].kind, ErrorKind::Limit);
    }

    #[test]
    fn unicode_columns_count_characters() {
        let f = p("<a>é<b/></a>");
        let b = f.root.unwrap().children.remove(0);
        assert_eq!(b.span.start, Pos::new(1, 5));
    }
}
