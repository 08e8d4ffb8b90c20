//! Property tests: the nginx and HAProxy readers, the include expansion and
//! the SL5xx rules never panic, on arbitrary text and on config-shaped text
//! built from the tokens that break such parsers; every position they report
//! lies inside the text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use proptest::prelude::*;
use scalelint::formats::{haproxy, nginx};
use scalelint::source::{FileId, FileKind, Pos, SourceFile};

const NGINX_TOKENS: &[&str] = &[
    "http",
    "server",
    "location",
    "upstream",
    "u",
    "proxy_pass",
    "http://u",
    "http://$v",
    "keepalive 4",
    "server 10.0.0.1:80",
    "max_fails=0",
    "include",
    "a.conf",
    "*.conf",
    "proxy_set_header",
    "Connection",
    "\"\"",
    "map",
    "$a",
    "$b",
    "default",
    "close",
    "''",
    "content_by_lua_block",
    "if",
    "($a)",
    "events",
    "worker_connections",
    "{",
    "}",
    ";",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\"",
    "'",
    "\\",
    "#",
    "${x}",
    "$",
    "é",
    "\u{feff}",
];

const HAPROXY_TOKENS: &[&str] = &[
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "from",
    "d",
    "f",
    "b",
    "server",
    "default-server",
    "check",
    "no-check",
    "option",
    "httpchk",
    "http-check",
    "timeout",
    "client",
    "server",
    "connect",
    "tunnel",
    "1s",
    "maxconn",
    "100",
    "mode",
    "tcp",
    "http",
    "server-template",
    "1-3",
    "no",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "\"",
    "'",
    "\\",
    "#",
    "\"${A}\"",
    "${",
    "é",
    "\u{feff}",
];

fn shaped(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..150).prop_map(|t| t.join(" "))
}

/// The position just past the end of `text`.
fn end_of(text: &str) -> Pos {
    let lines = text.matches('\n').count() as u32 + 1;
    let last = text.rsplit('\n').next().unwrap_or("");
    Pos::new(lines, last.chars().count() as u32 + 1)
}

fn check_nginx(text: &str) -> Result<(), TestCaseError> {
    let f = nginx::parse(text, FileId(0));
    if let Some(e) = &f.error {
        prop_assert!(e.pos >= Pos::START && e.pos <= end_of(text), "{e:?}");
    }
    // Two files including each other, run through the model and every rule.
    let files: Vec<SourceFile> = ["nginx.conf", "a.conf"]
        .iter()
        .enumerate()
        .map(|(i, name)| SourceFile {
            id: FileId(i as u32),
            path: PathBuf::from("/nonexistent/props").join(name),
            display: name.to_string(),
            kind: FileKind::Nginx,
            contents: None,
        })
        .collect();
    let facts = scalelint::extract::Facts {
        nginx: vec![nginx::parse(text, FileId(0)), nginx::parse(text, FileId(1))],
        ..Default::default()
    };
    run_rules(&files, facts);
    Ok(())
}

fn check_haproxy(text: &str) -> Result<(), TestCaseError> {
    let f = haproxy::parse(text, FileId(0));
    if let Some(e) = &f.error {
        prop_assert!(e.pos >= Pos::START && e.pos <= end_of(text), "{e:?}");
    }
    let files = vec![SourceFile {
        id: FileId(0),
        path: PathBuf::from("/nonexistent/props/haproxy.cfg"),
        display: "haproxy.cfg".into(),
        kind: FileKind::Haproxy,
        contents: None,
    }];
    let facts = scalelint::extract::Facts {
        haproxy: vec![f],
        ..Default::default()
    };
    run_rules(&files, facts);
    Ok(())
}

fn run_rules(files: &[SourceFile], facts: scalelint::extract::Facts) {
    let (model, proxies) = scalelint::model::Model::build(files, facts);
    let mut out = scalelint::finding::Findings::new(scalelint::rules::RuleSet::all());
    for rule in scalelint::rules::RULES {
        match rule.check {
            scalelint::rules::Check::Proxies(check) => check(&model, &proxies, &mut out),
            scalelint::rules::Check::Model(check) if rule.code.starts_with("SL5") => {
                check(&model, &mut out);
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn nginx_never_panics_on_arbitrary_text(text in any::<String>()) {
        check_nginx(&text)?;
    }

    #[test]
    fn nginx_never_panics_on_config_shaped_text(text in shaped(NGINX_TOKENS)) {
        check_nginx(&text)?;
    }

    #[test]
    fn haproxy_never_panics_on_arbitrary_text(text in any::<String>()) {
        check_haproxy(&text)?;
    }

    #[test]
    fn haproxy_never_panics_on_config_shaped_text(text in shaped(HAPROXY_TOKENS)) {
        check_haproxy(&text)?;
    }
}
