//! Server config files that are not YAML — ClickHouse XML, redis.conf,
//! sentinel.conf, zoo.cfg — parsed and read into facts; and the facts YAML
//! files hold besides Kubernetes objects (compose services, ClickHouse
//! YAML configs).

use crate::formats::yaml::YamlFile;
use crate::formats::{conf, xml};
use crate::source::{FileKind, SourceFile, Span};

use super::{Facts, clickhouse, compose, redis, zookeeper};

/// A file that could not be read as its format requires (SL901).
#[derive(Clone, Debug)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: String,
    pub subject: String,
}

/// Parses one non-YAML config file and adds its facts. Returns its parse
/// problems.
pub fn read(file: &SourceFile, text: &str, facts: &mut Facts) -> Vec<Problem> {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match file.kind {
        FileKind::ClickhouseXml => read_xml(file, &name, text, facts),
        FileKind::RedisConf | FileKind::SentinelConf => {
            let parsed = conf::parse(text, file.id);
            let problems = parsed
                .errors
                .iter()
                .map(|e| Problem {
                    span: Span::new(file.id, e.pos, e.pos),
                    message: format!("invalid config line: {}", e.message),
                    help: "close the quote: Redis refuses to start on this line".into(),
                    subject: "syntax".into(),
                })
                .collect();
            facts.redis.push(redis::extract(
                &parsed,
                file.id,
                file.path.clone(),
                file.kind == FileKind::SentinelConf,
            ));
            problems
        }
        FileKind::ZooCfg => {
            facts
                .zoo_cfgs
                .push(zookeeper::parse_zoo_cfg(text, file.id, file.path.clone()));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn read_xml(file: &SourceFile, name: &str, text: &str, facts: &mut Facts) -> Vec<Problem> {
    let parsed = xml::parse(text, file.id);
    let mut problems: Vec<Problem> = parsed
        .errors
        .iter()
        .map(|e| {
            let (message, help, subject) = match e.kind {
                xml::ErrorKind::Syntax => (
                    format!("invalid XML: {}", e.message),
                    "fix the syntax: ClickHouse refuses to load a config that is not well-formed",
                    "syntax",
                ),
                xml::ErrorKind::Entity => (
                    e.message.clone(),
                    "write the text out: scalelint never expands DTD entities, and ClickHouse configs do not need them",
                    "entity",
                ),
                xml::ErrorKind::Limit => (
                    format!("{}; the rest of the file was not read", e.message),
                    "simplify the file; real configs never need this",
                    "limit",
                ),
            };
            Problem {
                span: Span::new(file.id, e.pos, e.pos),
                message,
                help: help.into(),
                subject: subject.into(),
            }
        })
        .collect();
    match parsed.root {
        Some(root) => facts.clickhouse.push(clickhouse::ConfigFile {
            file: file.id,
            path: file.path.clone(),
            root,
        }),
        // A hidden placeholder (`.gitkeep.xml`) is not loaded by ClickHouse.
        None if parsed.errors.is_empty() && !name.starts_with('.') => problems.push(Problem {
            span: Span::file_start(file.id),
            message: "no root element: the file holds no XML element".into(),
            help: "add the `<clickhouse>` root element, or remove the file".into(),
            subject: "empty".into(),
        }),
        None => {}
    }
    problems
}

/// Facts of a YAML file beyond Kubernetes objects: compose services and a
/// ClickHouse config written as YAML.
pub fn read_yaml(file: &SourceFile, parsed: &YamlFile<'_>, facts: &mut Facts) {
    compose::extract(parsed, file.id, &file.path, &mut facts.compose_services);
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let in_config_d = file
        .path
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|d| matches!(d.to_string_lossy().as_ref(), "config.d" | "conf.d"));
    if !(name.starts_with("config.") || in_config_d) {
        return;
    }
    for doc in &parsed.docs {
        let root = parsed.root(doc);
        if root.get("apiVersion").is_some() || root.get("services").is_some() {
            continue;
        }
        if let Some(root) = clickhouse::from_yaml(root, file.id) {
            facts.clickhouse.push(clickhouse::ConfigFile {
                file: file.id,
                path: file.path.clone(),
                root,
            });
        }
    }
}
