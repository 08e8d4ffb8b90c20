//! `.scalelint.toml` / `scalelint.toml`: found from the first PATH upwards,
//! read strictly. An unknown key, a wrong type, an unknown rule or a bad glob
//! is SL905 invalid-config with the key's location, and the run exits 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::discover::GlobList;
use crate::extract::proxy::NginxVersion;
use crate::finding::Severity;
use crate::rules::{Rule, RuleSet, resolve_selector};
use crate::source::{LineIndex, Pos};

pub const CONFIG_NAMES: &[&str] = &[".scalelint.toml", "scalelint.toml"];

type SpannedList = Spanned<Vec<Spanned<String>>>;

/// The file as written. Each field names the rules it affects.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    /// Rules to run (codes, names, prefixes, `ALL`); default: all.
    select: Option<SpannedList>,
    /// Rules never to run.
    ignore: Option<SpannedList>,
    /// Globs of paths not to walk, relative to the config file.
    exclude: Option<SpannedList>,
    /// `error`, `warning`, `note` or `never`: the lowest severity that fails the run.
    fail_on: Option<Spanned<String>>,
    /// Rule → severity, overriding the default of each rule named.
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// Glob → rules not reported for the matching files.
    per_file_ignores: Option<BTreeMap<Spanned<String>, SpannedList>>,
    /// Facts about things outside the tree (managed databases, topics).
    facts: Option<RawFacts>,
    /// `[nginx]`: facts about the nginx the configs run on (SL501).
    nginx: Option<RawNginx>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacts {
    #[serde(default)]
    database: Vec<RawDatabase>,
    #[serde(default)]
    topic: Vec<RawTopic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    host: Spanned<String>,
    max_connections: Spanned<i64>,
    superuser_reserved_connections: Option<Spanned<i64>>,
    reserved_connections: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: Spanned<String>,
    partitions: Spanned<i64>,
}

/// A number of the config file and where it is written (start, end).
pub type Declared = (i64, Pos, Pos);

/// `[[facts.database]]`: a PostgreSQL server the tree does not describe.
#[derive(Debug, Clone)]
pub struct DeclaredDatabase {
    pub host: String,
    pub host_at: (Pos, Pos),
    pub max_connections: Declared,
    pub superuser_reserved: Option<Declared>,
    pub reserved: Option<Declared>,
}

/// `[[facts.topic]]`: a Kafka topic the tree does not describe.
#[derive(Debug, Clone)]
pub struct DeclaredTopic {
    pub name: String,
    pub partitions: Declared,
}

#[derive(Debug, Clone, Default)]
pub struct DeclaredFacts {
    pub databases: Vec<DeclaredDatabase>,
    pub topics: Vec<DeclaredTopic>,
}

impl DeclaredFacts {
    pub fn is_empty(&self) -> bool {
        self.databases.is_empty() && self.topics.is_empty()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNginx {
    /// The nginx release the configs target (`"1.30"`); decides whether an
    /// unset `proxy_http_version` means HTTP/1.0 (SL501).
    version: Option<Spanned<String>>,
}

/// A config file, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub select: Option<RuleSet>,
    pub ignore: RuleSet,
    pub exclude: Option<GlobList>,
    pub fail_on: Option<FailOn>,
    pub severity: Vec<(Rule, Severity)>,
    pub per_file_ignores: Vec<(GlobList, RuleSet)>,
    pub facts: DeclaredFacts,
    pub nginx_version: Option<NginxVersion>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "note" => Some(FailOn::Note),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// Whether a finding of this severity fails the run.
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Note => true,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Error => s >= Severity::Error,
        }
    }
}

/// SL905: what is wrong, and where.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub pos: Pos,
    pub message: String,
}

/// Looks for a config file in `start` and its parents, stopping after the
/// directory that holds `.git` (the repository root).
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    loop {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if dir.join(".git").exists() {
            return None;
        }
        dir = dir.parent()?.to_path_buf();
    }
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        pos: Pos::START,
        message: format!("cannot read the config file: {e}"),
    })?;
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let index = LineIndex::new(text);
    let err = |offset: usize, message: String| ConfigError {
        path: path.to_path_buf(),
        pos: index.pos_of_offset(offset),
        message,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        err(offset, e.message().trim().to_string())
    })?;
    let base = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let rules = |list: &SpannedList| -> Result<RuleSet, ConfigError> {
        list.get_ref().iter().try_fold(RuleSet::empty(), |set, s| {
            resolve_selector(s.get_ref())
                .map(|r| set.union(r))
                .ok_or_else(|| err(s.span().start, format!("unknown rule `{}`", s.get_ref())))
        })
    };
    let globs = |list: &SpannedList| -> Result<GlobList, ConfigError> {
        let patterns: Vec<String> = list.get_ref().iter().map(|s| s.get_ref().clone()).collect();
        GlobList::new(&patterns, &base).map_err(|(i, why)| {
            let at = list
                .get_ref()
                .get(i)
                .map_or(list.span().start, |s| s.span().start);
            err(at, format!("invalid glob: {why}"))
        })
    };
    let select = raw.select.as_ref().map(rules).transpose()?;
    let ignore = raw
        .ignore
        .as_ref()
        .map(rules)
        .transpose()?
        .unwrap_or_default();
    let exclude = raw.exclude.as_ref().map(globs).transpose()?;
    let fail_on = raw
        .fail_on
        .as_ref()
        .map(|f| {
            FailOn::parse(f.get_ref()).ok_or_else(|| {
                err(
                    f.span().start,
                    format!(
                        "fail-on must be error, warning, note or never, not `{}`",
                        f.get_ref()
                    ),
                )
            })
        })
        .transpose()?;
    let mut severity = Vec::new();
    for (rule, sev) in raw.severity.iter().flatten() {
        let r = Rule::lookup(rule.get_ref()).ok_or_else(|| {
            err(
                rule.span().start,
                format!("unknown rule `{}`", rule.get_ref()),
            )
        })?;
        let s = Severity::parse(sev.get_ref()).ok_or_else(|| {
            err(
                sev.span().start,
                format!(
                    "severity must be error, warning or note, not `{}`",
                    sev.get_ref()
                ),
            )
        })?;
        severity.push((r, s));
    }
    let mut per_file_ignores = Vec::new();
    for (glob, list) in raw.per_file_ignores.iter().flatten() {
        let g = GlobList::new(std::slice::from_ref(glob.get_ref()), &base)
            .map_err(|(_, why)| err(glob.span().start, format!("invalid glob: {why}")))?;
        per_file_ignores.push((g, rules(list)?));
    }
    let number = |v: &Spanned<i64>, min: i64, what: &str| -> Result<Declared, ConfigError> {
        let n = *v.get_ref();
        if n < min || n > crate::model::capacity::MAX_COUNT {
            return Err(err(
                v.span().start,
                format!(
                    "{what} must be between {min} and {}, not {n}",
                    crate::model::capacity::MAX_COUNT
                ),
            ));
        }
        Ok((
            n,
            index.pos_of_offset(v.span().start),
            index.pos_of_offset(v.span().end),
        ))
    };
    let mut facts = DeclaredFacts::default();
    for d in raw.facts.iter().flat_map(|f| &f.database) {
        let host = d.host.get_ref().trim().to_ascii_lowercase();
        if host.is_empty() {
            return Err(err(d.host.span().start, "host must not be empty".into()));
        }
        facts.databases.push(DeclaredDatabase {
            host,
            host_at: (
                index.pos_of_offset(d.host.span().start),
                index.pos_of_offset(d.host.span().end),
            ),
            max_connections: number(&d.max_connections, 1, "max_connections")?,
            superuser_reserved: d
                .superuser_reserved_connections
                .as_ref()
                .map(|v| number(v, 0, "superuser_reserved_connections"))
                .transpose()?,
            reserved: d
                .reserved_connections
                .as_ref()
                .map(|v| number(v, 0, "reserved_connections"))
                .transpose()?,
        });
    }
    for t in raw.facts.iter().flat_map(|f| &f.topic) {
        if t.name.get_ref().trim().is_empty() {
            return Err(err(t.name.span().start, "name must not be empty".into()));
        }
        facts.topics.push(DeclaredTopic {
            name: t.name.get_ref().trim().to_string(),
            partitions: number(&t.partitions, 1, "partitions")?,
        });
    }
    let nginx_version = raw
        .nginx
        .as_ref()
        .and_then(|n| n.version.as_ref())
        .map(|v| {
            NginxVersion::parse(v.get_ref()).ok_or_else(|| {
                err(
                    v.span().start,
                    format!(
                        "nginx version must look like \"1.30\" or \"1.29.7\", not `{}`",
                        v.get_ref()
                    ),
                )
            })
        })
        .transpose()?;
    Ok(Config {
        path: path.to_path_buf(),
        select,
        ignore,
        exclude,
        fail_on,
        severity,
        per_file_ignores,
        facts,
        nginx_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Config, ConfigError> {
        parse(s, Path::new("/repo/.scalelint.toml"))
    }

    #[test]
    fn full_config() {
        let c = parse_str(
            "select = [\"SL1\"]\nignore = [\"readiness-probe-missing\"]\nexclude = [\"legacy/**\"]\nfail-on = \"error\"\n[severity]\nSL104 = \"error\"\n[per-file-ignores]\n\"jobs/*.yaml\" = [\"SL104\"]\n",
        )
        .unwrap();
        assert!(c.select.unwrap().contains(Rule::ResourceRequestsMissing));
        assert!(c.ignore.contains(Rule::ReadinessProbeMissing));
        assert_eq!(c.fail_on, Some(FailOn::Error));
        assert_eq!(
            c.severity,
            vec![(Rule::ResourceRequestsMissing, Severity::Error)]
        );
        assert!(
            c.per_file_ignores[0]
                .0
                .matches(Path::new("/repo/jobs/a.yaml"))
        );
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let e = parse_str("select = [\"SL1\"]\n\nselcet = []\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(3, 1));
        assert!(e.message.contains("selcet"), "{}", e.message);
    }

    #[test]
    fn wrong_type_and_unknown_rule_and_bad_glob() {
        let e = parse_str("fail-on = 3\n").unwrap_err();
        assert_eq!(e.pos.line, 1);
        let e = parse_str("\nignore = [\"SL101\", \"SL777\"]\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 20));
        assert_eq!(e.message, "unknown rule `SL777`");
        let e = parse_str("exclude = [\"a/[\"]\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(1, 12));
        let e = parse_str("[severity]\nSL101 = \"fatal\"\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 9));
    }
}
