//! Property tests: the XML and conf readers, the ClickHouse merge and the
//! quorum rules never panic, on arbitrary text and on text built from the
//! tokens that break such parsers (tags, entities, DOCTYPEs, quotes,
//! `incl`/`replace`/`remove` attributes).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use proptest::prelude::*;
use scalelint::extract::clickhouse::{ConfigFile, build};
use scalelint::formats::{conf, xml};
use scalelint::source::FileId;

const XML_TOKENS: &[&str] = &[
    "<clickhouse>",
    "</clickhouse>",
    "<remote_servers>",
    "</remote_servers>",
    "<c>",
    "</c>",
    "<shard>",
    "</shard>",
    "<replica/>",
    "<internal_replication>true</internal_replication>",
    "<zookeeper><node><host>z</host></node></zookeeper>",
    "<x incl=\"x\"/>",
    "<c replace=\"1\">",
    "<c remove=\"1\"/>",
    "<include_from>m.xml</include_from>",
    "&amp;",
    "&lol;",
    "&#0;",
    "&#x41;",
    "<!DOCTYPE a [<!ENTITY lol \"&lol;&lol;\">]>",
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<?pi x?>",
    "\"",
    "'",
    "<",
    ">",
    "=",
    " ",
    "\n",
    "é",
];

const CONF_TOKENS: &[&str] = &[
    "sentinel",
    "monitor",
    "known-sentinel",
    "down-after-milliseconds",
    "m",
    "10.0.0.1",
    "6379",
    "2",
    "-1",
    "two",
    "\"",
    "'",
    "\\",
    "\\x4",
    "#",
    " ",
    "\t",
    "\n",
    "\r\n",
    "server.1=a:2888:3888",
    ":observer",
];

fn joined(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..80).prop_map(|v| v.concat())
}

proptest! {
    // PROPTEST_CASES=100000 for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300),
        ..ProptestConfig::default()
    })]

    #[test]
    fn xml_never_panics(text in "\\PC{0,300}") {
        let _ = xml::parse(&text, FileId(0));
    }

    #[test]
    fn xml_shaped_text_never_panics_and_merges(a in joined(XML_TOKENS), b in joined(XML_TOKENS)) {
        let files: Vec<ConfigFile> = [("ch/config.xml", &a), ("ch/config.d/o.xml", &b), ("ch/m.xml", &a)]
            .iter()
            .enumerate()
            .filter_map(|(i, (path, text))| {
                let parsed = xml::parse(text, FileId(i as u32));
                Some(ConfigFile {
                    file: FileId(i as u32),
                    path: PathBuf::from(path),
                    root: parsed.root?,
                    comments: parsed.comments,
                })
            })
            .collect();
        let _ = build(&files);
    }

    #[test]
    fn conf_never_panics(text in "\\PC{0,300}", shaped in joined(CONF_TOKENS)) {
        let _ = conf::parse(&text, FileId(0));
        let _ = conf::parse(&shaped, FileId(0));
    }

    #[test]
    fn the_pipeline_never_panics_on_server_configs(xml_text in joined(XML_TOKENS), conf_text in joined(CONF_TOKENS)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("clickhouse/config.d")).unwrap();
        std::fs::write(dir.path().join("clickhouse/config.xml"), &xml_text).unwrap();
        std::fs::write(dir.path().join("clickhouse/config.d/x.xml"), &xml_text).unwrap();
        std::fs::write(dir.path().join("sentinel.conf"), &conf_text).unwrap();
        std::fs::write(dir.path().join("zoo.cfg"), &conf_text).unwrap();
        let settings = scalelint::lint::Settings::new(vec![dir.path().to_path_buf()]);
        let outcome = scalelint::lint::lint(&settings);
        prop_assert_eq!(outcome.stats.linted + outcome.stats.skipped, 4);
        // A panic inside a parser would surface as an internal-error finding.
        prop_assert!(!outcome.findings.iter().any(|f| f.message.contains("internal error")));
        prop_assert!(outcome.internal_errors.is_empty(), "{:?}", outcome.internal_errors);
    }
}
