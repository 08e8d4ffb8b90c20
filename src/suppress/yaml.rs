//! The suppressions of a YAML file: `# scalelint-ignore…` comments, and the
//! `scalelint.io/ignore` annotation of Kubernetes objects, which covers the
//! whole object whether it sits on the object or on its pod template.

use crate::comments;
use crate::finding::Finding;
use crate::formats::yaml::{RawKind, RawNode, YamlFile};
use crate::rules::Rule;
use crate::source::{FileId, LineIndex, Pos, Span};

use super::{Inline, Origin, directive, from_comments, meta_finding, read};

pub const ANNOTATION: &str = "scalelint.io/ignore";

/// Where pod templates keep their metadata, by workload kind.
const TEMPLATE_PATHS: [&[&str]; 2] = [
    &["spec", "template", "metadata", "annotations"],
    &[
        "spec",
        "jobTemplate",
        "spec",
        "template",
        "metadata",
        "annotations",
    ],
];

/// Every suppression of a parsed YAML file; problems with them (SL903) go
/// to `problems`.
pub fn scan(
    file: FileId,
    text: &str,
    yaml: &YamlFile<'_>,
    problems: &mut Vec<Finding>,
) -> Vec<Inline> {
    if !text.contains("scalelint") {
        return Vec::new();
    }
    let mut out = from_comments(file, &comments::yaml::scan(text, yaml), problems);
    if text.contains(ANNOTATION) {
        let index = LineIndex::new(text);
        for doc in &yaml.docs {
            let root = yaml.raw_root(doc);
            let kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            if kind.ends_with("List") {
                for item in root.get("items").into_iter().flat_map(|i| i.items()) {
                    object(file, item, &index, &mut out, problems);
                }
            } else {
                object(file, root, &index, &mut out, problems);
            }
        }
    }
    out
}

fn object(
    file: FileId,
    obj: RawNode<'_, '_>,
    index: &LineIndex<'_>,
    out: &mut Vec<Inline>,
    problems: &mut Vec<Finding>,
) {
    if obj.get("apiVersion").is_none() || obj.get("kind").is_none() {
        return;
    }
    let path_get = |keys: &[&str]| keys.iter().try_fold(obj, |n, k| n.get(k));
    let lines = comments::yaml::lines_of(obj, index);
    let annotation_maps = std::iter::once(path_get(&["metadata", "annotations"]))
        .chain(TEMPLATE_PATHS.iter().map(|p| path_get(p)))
        .flatten();
    for map in annotation_maps {
        let Some(value) = map.get(ANNOTATION) else {
            continue;
        };
        let at = Span::new(file, value.start(), value.end());
        let text = match (value.kind(), value.as_str()) {
            (RawKind::Scalar { .. }, Some(t)) => t,
            _ => {
                problems.push(meta_finding(
                    Rule::UnknownRuleInSuppression,
                    Span::new(file, at.start, at.start),
                    format!("the `{ANNOTATION}` annotation must be a string of rules; this one is ignored"),
                    format!("write the rules comma-separated in one string: `{ANNOTATION}: \"SL101,SL104\"`"),
                    format!("invalid annotation at {}", at.start.line),
                ));
                continue;
            }
        };
        // The value is read as the text after `scalelint-ignore:`.
        let prefix = directive::KEYWORD.len() + 2;
        let body = format!("{}: {text}", directive::KEYWORD);
        let first_col = value_column(index, at, text);
        let pos_at = |offset: usize| match first_col {
            // Written as read (one line, no escapes): columns are exact.
            Some(col) => {
                let chars = body.get(prefix..offset).map_or(0, |s| s.chars().count());
                Pos::new(
                    at.start.line,
                    col.saturating_add(crate::source::to_u32(chars)),
                )
            }
            None if offset >= body.len() => at.end,
            None => at.start,
        };
        if let Some(s) = read(file, &body, &pos_at, lines, Origin::Annotation, problems) {
            out.push(Inline {
                // An annotation never covers more than its object.
                lines: Some(lines),
                span: at,
                ..s
            });
        }
    }
}

/// The column of the first character of an annotation's text, when the
/// value is written on one line exactly as it reads (plain, or quoted
/// without escapes).
fn value_column(index: &LineIndex<'_>, at: Span, text: &str) -> Option<u32> {
    let line = index.line(at.start.line)?;
    let from: String = line
        .chars()
        .skip(at.start.col.saturating_sub(1) as usize)
        .collect();
    let quoted = from.starts_with(['"', '\'']);
    let rest = if quoted {
        from.get(1..)?
    } else {
        from.as_str()
    };
    let exact = rest.starts_with(text) && !(quoted && text.contains(['\\', '\'']));
    exact.then(|| at.start.col + u32::from(quoted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::yaml::parse;

    fn scan_text(text: &str) -> (Vec<Inline>, Vec<Finding>) {
        let yaml = parse(text);
        let mut problems = Vec::new();
        let found = scan(FileId(0), text, &yaml, &mut problems);
        (found, problems)
    }

    #[test]
    fn annotations_on_objects_and_pod_templates() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
  annotations:
    scalelint.io/ignore: \"SL101, resource-requests-missing -- batch\"
spec:
  template:
    spec:
      containers:
        - name: a
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: b
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {scalelint.io/ignore: SL104}
        spec:
          containers:
            - name: b
";
        let (found, problems) = scan_text(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].lines, Some((1, 11)));
        assert_eq!(found[0].origin, Origin::Annotation);
        assert_eq!(found[0].selectors.len(), 2);
        assert_eq!(found[0].reason.as_deref(), Some("batch"));
        assert_eq!(found[0].span.start, Pos::new(6, 26));
        // Rules inside a quoted value are placed exactly.
        let sel = &found[0].selectors[1];
        assert_eq!(sel.text, "resource-requests-missing");
        assert_eq!(
            (sel.span.start, sel.span.end),
            (Pos::new(6, 34), Pos::new(6, 59))
        );
        assert_eq!(found[1].lines, Some((13, 25)));
    }

    #[test]
    fn bad_annotations_are_sl903_at_the_value() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      annotations:\n        scalelint.io/ignore: [SL101]\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      annotations:\n        scalelint.io/ignore: \"SL777\"\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      annotations:\n        scalelint.io/ignore: \"\"\n";
        let (found, problems) = scan_text(text);
        let at: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.span.start.line, p.message.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (
                    8,
                    "the `scalelint.io/ignore` annotation must be a string of rules; this one is ignored"
                ),
                (
                    13,
                    "`SL777` is not a rule of this scalelint: the suppression does nothing for it"
                ),
                (
                    18,
                    "`scalelint-ignore:` names no rule; this suppression is ignored"
                ),
            ]
        );
        // The annotation naming only an unknown rule is kept, with nothing in it.
        assert_eq!(found.len(), 1);
        assert!(found[0].selectors.is_empty());
    }
}
