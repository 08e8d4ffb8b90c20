//! Server config files that are not YAML — ClickHouse XML, redis.conf,
//! sentinel.conf, zoo.cfg — parsed and read into facts; and the facts YAML
//! files hold besides Kubernetes objects (compose services, ClickHouse
//! YAML configs).

use std::path::{Path, PathBuf};

use crate::formats::yaml::{Y, YamlFile};
use crate::formats::{conf, ini, xml};
use crate::source::{FileKind, SourceFile, Span};

use super::{Facts, Text, clickhouse, compose, pgbouncer, postgres, redis, zookeeper};

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
            let problems: Vec<Problem> = parsed
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
                parsed,
                file.id,
                file.path.clone(),
                file.kind == FileKind::SentinelConf,
            ));
            problems
        }
        FileKind::EnvFile => {
            facts.env_files.push(crate::extract::compose_env::parse(
                text,
                file.id,
                file.path.clone(),
            ));
            Vec::new()
        }
        FileKind::PgbouncerIni => {
            let parsed = ini::parse(text, file.id);
            let problems = parsed
                .errors
                .iter()
                .map(|e| Problem {
                    span: Span::new(file.id, e.pos, e.pos),
                    message: format!("invalid pgbouncer.ini line: {}", e.message),
                    help: "fix the line: PgBouncer refuses to load a config it cannot parse".into(),
                    subject: "syntax".into(),
                })
                .collect();
            facts
                .pgbouncer
                .push(pgbouncer::extract(parsed, file.id, file.path.clone()));
            problems
        }
        FileKind::PostgresConf => {
            let parsed = postgres::parse(text, file.id);
            // Only a file named like PostgreSQL's own is surely one: a
            // `.conf` recognised by a `max_connections =` line may belong
            // to another program.
            let problems = if name.to_ascii_lowercase().contains("postgres") {
                parsed
                    .errors
                    .iter()
                    .map(|e| Problem {
                        span: Span::new(file.id, e.pos, e.pos),
                        message: format!("invalid postgresql.conf line: {}", e.message),
                        help: "fix the line: PostgreSQL refuses to start with a syntax error in its configuration file".into(),
                        subject: "syntax".into(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            facts
                .postgres_confs
                .push(postgres::extract(parsed, file.id, file.path.clone()));
            problems
        }
        FileKind::Sql => {
            if let Some(offset) = replicated_engine(text) {
                let pos = crate::source::LineIndex::new(text).pos_of_offset(offset);
                facts.replicated_tables.push(Span::new(file.id, pos, pos));
            }
            Vec::new()
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
            comments: parsed.comments,
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

/// Facts of a YAML file beyond Kubernetes objects: compose services,
/// server configs embedded in ConfigMaps, and a ClickHouse config written
/// as YAML.
pub fn read_yaml(file: &SourceFile, text: &str, parsed: &YamlFile<'_>, facts: &mut Facts) {
    compose::extract(parsed, file.id, &file.path, &mut facts.compose_services);
    for doc in &parsed.docs {
        let root = parsed.root(doc);
        if root.get_str("kind") == Some("ConfigMap") && root.get_str("apiVersion") == Some("v1") {
            config_map(file, text, root, facts);
        }
        super::operators::extract(root, file.id, &file.path, facts);
    }
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
    for doc in &parsed.docs {
        let root = parsed.root(doc);
        if root.get("apiVersion").is_some() || root.get("services").is_some() {
            continue;
        }
        let clickhouse_only =
            root.get("remote_servers").is_some() || root.get("keeper_server").is_some();
        if !(clickhouse_only || name.starts_with("config.") || in_config_d) {
            continue;
        }
        if let Some(root) = clickhouse::from_yaml(root, file.id) {
            facts.clickhouse.push(clickhouse::ConfigFile {
                file: file.id,
                path: file.path.clone(),
                root,
                comments: Vec::new(),
            });
        }
    }
}

/// A ConfigMap that a kustomization's `configMapGenerator` builds from files.
#[derive(Clone, Debug)]
pub struct GeneratedConfigMap {
    pub name: Text,
    /// The kustomization's `namespace:` (or the generator's own).
    pub namespace: Option<Text>,
    /// The files it reads, relative to the working directory like every path.
    pub files: Vec<PathBuf>,
}

/// The `configMapGenerator` entries of a kustomization: which files end up
/// in which ConfigMap, so a pod mounting the ConfigMap runs with the file.
pub fn read_kustomization(file: &SourceFile, parsed: &YamlFile<'_>, facts: &mut Facts) {
    let dir = file.path.parent().unwrap_or(Path::new(""));
    for doc in &parsed.docs {
        let root = parsed.root(doc);
        let namespace = root.get_str("namespace");
        for g in root
            .get("configMapGenerator")
            .into_iter()
            .flat_map(|g| g.items())
        {
            let Some(name) = g.get_str("name") else {
                continue;
            };
            let files = g
                .get("files")
                .into_iter()
                .flat_map(|f| f.items())
                .filter_map(|f| f.as_text())
                .map(|f| dir.join(f.split_once('=').map_or(f, |(_, path)| path)))
                .collect();
            facts.generated_config_maps.push(GeneratedConfigMap {
                name: name.into(),
                namespace: g.get_str("namespace").or(namespace).map(Text::from),
                files,
            });
        }
    }
}

/// The byte offset of the first `Replicated…MergeTree` engine name in SQL.
pub fn replicated_engine(sql: &str) -> Option<usize> {
    sql.match_indices("Replicated").find_map(|(i, _)| {
        let before = sql.get(..i)?.chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let word: String = sql
            .get(i..)?
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        word.ends_with("MergeTree").then_some(i)
    })
}

/// Server configs held in a ConfigMap's `data`: `sentinel.conf`,
/// `redis.conf`, `zoo.cfg`, `pgbouncer.ini`, `postgresql.conf`, ClickHouse
/// `*.xml`. Each is parsed where it
/// stands in the YAML file, so findings point into the ConfigMap.
fn config_map(file: &SourceFile, text: &str, cm: Y<'_, '_>, facts: &mut Facts) {
    let Some(name) = cm.path(&["metadata", "name"]).and_then(|n| n.as_text()) else {
        return;
    };
    let namespace = cm
        .path(&["metadata", "namespace"])
        .and_then(|n| n.as_text())
        .map(str::to_string);
    let dir = file.path.parent().unwrap_or(Path::new(""));
    for (k, v) in cm.get("data").map(|d| d.entries()).unwrap_or_default() {
        let (Some(key), Some(value)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        let lower = key.to_ascii_lowercase();
        let kind = if lower.ends_with(".conf") && lower.contains("sentinel") {
            FileKind::SentinelConf
        } else if lower.ends_with(".conf")
            && (lower.starts_with("redis") || lower.starts_with("valkey"))
        {
            FileKind::RedisConf
        } else if lower.ends_with(".ini")
            && (lower.contains("pgbouncer")
                || value.lines().any(|l| {
                    let l = l.trim();
                    l.starts_with("[pgbouncer]") || l.starts_with("[databases]")
                }))
        {
            FileKind::PgbouncerIni
        } else if lower.starts_with("postgresql") && lower.ends_with(".conf") {
            FileKind::PostgresConf
        } else if lower.starts_with("zoo") && lower.ends_with(".cfg") {
            FileKind::ZooCfg
        } else if lower.ends_with(".xml") && value.trim_start().starts_with('<') {
            FileKind::ClickhouseXml
        } else {
            if lower.ends_with(".sql") && replicated_engine(value).is_some() {
                facts
                    .replicated_tables
                    .push(Span::new(file.id, k.start(), k.start()));
            }
            continue;
        };
        let placed = in_place(text, k.start().line, value);
        // One ConfigMap is one config: its XML keys merge like a config.d.
        let path: PathBuf = match kind {
            FileKind::ClickhouseXml => dir
                .join(format!("{name}.configmap"))
                .join("config.d")
                .join(key),
            _ => dir.join(format!("{name}.configmap")).join(key),
        };
        let embedded = SourceFile {
            id: file.id,
            path,
            display: file.display.clone(),
            kind,
            contents: None,
        };
        let before = facts.redis.len();
        let before_ini = facts.pgbouncer.len();
        let before_pg = facts.postgres_confs.len();
        // Problems of embedded text are the ConfigMap's consumers' concern;
        // the facts that could be read are kept.
        let _ = read(&embedded, &placed, facts);
        for r in facts.redis.iter_mut().skip(before) {
            r.config_map = Some((namespace.clone(), name.to_string()));
        }
        for p in facts.pgbouncer.iter_mut().skip(before_ini) {
            p.config_map = Some((namespace.clone(), name.to_string()));
        }
        for p in facts.postgres_confs.iter_mut().skip(before_pg) {
            p.config_map = Some((namespace.clone(), name.to_string()));
        }
    }
}

/// `value` laid out at the lines and columns it occupies in `text`, when it
/// is a literal block scalar starting after line `key_line`: blank lines
/// before it and its indentation in front of each line. Otherwise the value
/// starts on the line after the key.
fn in_place(text: &str, key_line: u32, value: &str) -> String {
    let raw: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let lines: Vec<&str> = value.split('\n').collect();
    let key_idx = usize::try_from(key_line).unwrap_or(1).saturating_sub(1);
    let fallback = || format!("{}{value}", "\n".repeat(key_idx + 1));
    let Some((fi, first)) = lines.iter().enumerate().find(|(_, l)| !l.trim().is_empty()) else {
        return fallback();
    };
    let found = raw
        .iter()
        .enumerate()
        .skip(key_idx + 1)
        .take(fi + 4)
        .find_map(|(i, r)| {
            let indent = r.strip_suffix(first)?;
            indent
                .chars()
                .all(char::is_whitespace)
                .then_some((i, indent.len()))
        });
    let Some((at, indent)) = found else {
        return fallback();
    };
    let Some(start) = at.checked_sub(fi) else {
        return fallback();
    };
    let pad = " ".repeat(indent);
    let matches = lines.iter().enumerate().all(|(k, l)| {
        let r = raw.get(start + k).copied().unwrap_or("");
        if l.is_empty() {
            r.trim().is_empty() || k + 1 == lines.len()
        } else {
            r.get(indent..) == Some(*l) && r.get(..indent).is_some_and(|p| p.trim().is_empty())
        }
    });
    if !matches {
        return fallback();
    }
    let mut out = "\n".repeat(start);
    for (k, l) in lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if !l.is_empty() {
            out.push_str(&pad);
            out.push_str(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicated_engines_in_sql() {
        let sql =
            "CREATE TABLE t (x UInt8)\nENGINE = ReplicatedReplacingMergeTree('/t', '{replica}')";
        assert_eq!(replicated_engine(sql), sql.find("Replicated"));
        assert_eq!(
            replicated_engine("ENGINE = MergeTree -- NotReplicatedMergeTree"),
            None
        );
        assert_eq!(replicated_engine("SELECT 'Replicated'"), None);
    }

    #[test]
    fn block_scalars_are_laid_out_in_place() {
        let text = "data:\n  sentinel.conf: |\n    port 26379\n\n    sentinel monitor m h 6379 2\n";
        let placed = in_place(text, 2, "port 26379\n\nsentinel monitor m h 6379 2\n");
        let c = conf::parse(&placed, crate::source::FileId(0));
        assert_eq!(c.lines[0].span.start, crate::source::Pos::new(3, 5));
        assert_eq!(
            c.lines[1].words[5].span.start,
            crate::source::Pos::new(5, 31)
        );
        // A folded or quoted value cannot be placed: it starts after the key.
        let placed = in_place("a: \"x\\ny\"\n", 1, "x\ny");
        assert_eq!(placed, "\nx\ny");
    }
}
