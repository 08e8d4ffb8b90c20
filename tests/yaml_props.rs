//! Property tests: the YAML reader and the whole pipeline never panic, on
//! arbitrary text and on YAML-shaped text built from the tokens that break
//! parsers (indentation, flow brackets, anchors, aliases, tags, tabs, BOMs).

use proptest::prelude::*;
use scalelint::formats::yaml;

const TOKENS: &[&str] = &[
    "a",
    "b",
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&x ",
    "*x",
    "&y ",
    "*y",
    "<<: ",
    "!tag ",
    "!!str ",
    "\"",
    "'",
    "|",
    ">",
    "#",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "\r\n",
    "---\n",
    "...\n",
    "?",
    "\u{feff}",
    "é",
    "{{ .Values.x }}",
    "%YAML 1.2\n",
    "\\",
    "0x1F",
    "~",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.concat())
}

/// Visits every node reachable from every document, as extraction might.
fn walk(f: &yaml::YamlFile<'_>) -> usize {
    fn visit(y: yaml::Y<'_, '_>, depth: usize) -> usize {
        if depth > 64 {
            return 0;
        }
        let mut n = 1;
        let _ = (
            y.as_str(),
            y.as_i64(),
            y.as_bool(),
            y.is_null(),
            y.start(),
            y.end(),
        );
        for item in y.items() {
            n += visit(item, depth + 1);
        }
        for (k, v) in y.entries() {
            n += visit(k, depth + 1) + visit(v, depth + 1);
        }
        n
    }
    f.docs.iter().map(|d| visit(f.root(d), 0)).sum()
}

proptest! {
    // PROPTEST_CASES=300000 for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        let f = yaml::parse(&text);
        walk(&f);
    }

    #[test]
    fn parse_never_panics_on_yaml_shaped_text(text in yamlish()) {
        yaml::parse_with(&text, |f| {
            walk(f);
            for e in &f.errors {
                prop_assert!(e.pos.line >= 1 && e.pos.col >= 1, "{:?}", e);
            }
            Ok(())
        })?;
    }

    #[test]
    fn extraction_never_panics_on_manifest_shaped_text(body in yamlish()) {
        let text = format!("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n{body}");
        let f = yaml::parse(&text);
        let mut facts = scalelint::extract::Facts::default();
        scalelint::extract::k8s::extract(&f, scalelint::source::FileId(0), &mut facts);
    }
}
