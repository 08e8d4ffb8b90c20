//! Property tests: the comment scanners and the directive reader never
//! panic, and every comment they return covers lines that exist, on
//! arbitrary text and on text built from the tokens that matter to them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use scalelint::comments::{self, Comment};
use scalelint::formats::yaml;
use scalelint::suppress::directive;

const TOKENS: &[&str] = &[
    "# scalelint-ignore: SL101",
    "# scalelint-ignore-file: all -- r",
    "<!-- scalelint-ignore: SL1 -->",
    "scalelint-ignore",
    " -- until 2027-02-30: x",
    " until=2027-03-31",
    "<!--",
    "-->",
    "<a>",
    "</a>",
    "<b/>",
    "<![CDATA[",
    "]]>",
    "<?x ",
    "?>",
    "<!DOCTYPE [",
    "{",
    "}",
    ";",
    "${",
    "\"",
    "'",
    "\\",
    "#",
    "- a: ",
    "b: |\n  ",
    "\n",
    "\r\n",
    "  ",
    "é",
    "backend x",
];

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.concat())
}

fn check(text: &str, found: &[Comment<'_>]) {
    let lines = text.split('\n').count() as u32;
    for c in found {
        assert!(
            c.covers.0 >= 1 && c.covers.0 <= c.covers.1 && c.covers.1 <= lines,
            "{c:?}"
        );
        for i in 0..=c.body.len() {
            let _ = c.pos_at(i);
        }
        let _ = directive::parse(c.body);
    }
}

fn scan_all(text: &str) {
    check(
        text,
        &comments::hash::scan(text, comments::hash::Syntax::Braces),
    );
    check(
        text,
        &comments::hash::scan(
            text,
            comments::hash::Syntax::Sections(comments::hash::HAPROXY_SECTIONS),
        ),
    );
    check(
        text,
        &comments::hash::scan(text, comments::hash::Syntax::Lines),
    );
    check(text, &comments::xml::scan(text));
    let parsed = yaml::parse(text);
    check(text, &comments::yaml::scan(text, &parsed));
}

proptest! {
    #[test]
    fn scanners_never_panic_on_token_soup(text in tokens()) {
        scan_all(&text);
    }

    #[test]
    fn scanners_never_panic_on_any_text(text in "\\PC{0,200}") {
        scan_all(&text);
        let _ = directive::parse(&text);
    }
}
