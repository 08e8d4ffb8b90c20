//! Baseline files: the findings a team has accepted for now, so that only
//! new ones are reported.
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {"fingerprint": "1f0c…", "rule": "SL101", "path": "k8s/api.yaml",
//!      "subject": "Deployment shop/api/container/api", "count": 1}
//!   ]
//! }
//! ```
//!
//! A finding is known by the fingerprint of its rule, path and logical
//! subject (the SARIF `partialFingerprints` hash), never by its line, so
//! moving lines or adding a blank one changes nothing. `count` says how
//! many findings share a fingerprint: a second occurrence beyond it is new
//! and reported. Paths are relative to the baseline file's directory, so
//! the file works from any working directory. `rule`, `path` and `subject`
//! are there for people reading the file; only the fingerprint matches.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::discover;
use crate::finding::{Finding, Suppression, SuppressionKind, fingerprint};
use crate::source::{FileId, LineIndex, Pos, SourceFile};

/// The format this build reads and writes.
pub const VERSION: u64 = 1;

#[derive(Debug, Clone)]
pub struct Baseline {
    /// The directory paths are relative to.
    dir: PathBuf,
    counts: HashMap<String, usize>,
}

/// Why a baseline file cannot be used: the run stops with exit status 2.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{}:{}: {message}", path.display(), pos.line, pos.col)]
pub struct BaselineError {
    pub path: PathBuf,
    pub pos: Pos,
    pub message: String,
}

#[derive(Serialize)]
struct File<'a> {
    version: u64,
    findings: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    fingerprint: String,
    rule: &'static str,
    path: String,
    subject: &'a str,
    count: usize,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError {
            path: path.to_path_buf(),
            pos: Pos::START,
            message: format!("cannot read the baseline file: {e}"),
        })?;
        Baseline::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let index = LineIndex::new(text);
        let err = |pos: Pos, message: String| BaselineError {
            path: path.to_path_buf(),
            pos,
            message,
        };
        // Where a key first appears, for errors about its value.
        let at_key = |key: &str| {
            text.find(&format!("\"{key}\""))
                .map_or(Pos::START, |o| index.pos_of_offset(o))
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let pos = Pos::new(
                crate::source::to_u32(e.line().max(1)),
                crate::source::to_u32(e.column().max(1)),
            );
            err(pos, format!("not a scalelint baseline (invalid JSON: {e})"))
        })?;
        let regenerate = "write a new one with --write-baseline";
        let Some(obj) = value.as_object() else {
            return Err(err(
                Pos::START,
                format!(
                    "not a scalelint baseline: expected a JSON object with `version` and `findings`; {regenerate}"
                ),
            ));
        };
        match obj.get("version") {
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(err(
                    at_key("version"),
                    format!(
                        "baseline version {v} is not supported: this scalelint reads version {VERSION}; {regenerate}"
                    ),
                ));
            }
            None => {
                return Err(err(
                    Pos::START,
                    format!("not a scalelint baseline: no `version`; {regenerate}"),
                ));
            }
        }
        let Some(entries) = obj.get("findings").and_then(|f| f.as_array()) else {
            return Err(err(
                at_key("findings"),
                format!("not a scalelint baseline: `findings` must be a list; {regenerate}"),
            ));
        };
        let mut counts = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let fp = e.get("fingerprint").and_then(|f| f.as_str());
            let count = e.get("count").and_then(|c| c.as_u64());
            let (Some(fp), Some(count)) = (fp, count.filter(|&c| c > 0)) else {
                return Err(err(
                    at_key("findings"),
                    format!(
                        "entry {} of `findings` needs a `fingerprint` string and a positive `count`; {regenerate}",
                        i + 1
                    ),
                ));
            };
            let n = counts.entry(fp.to_string()).or_insert(0usize);
            *n = n.saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
        }
        Ok(Baseline {
            dir: base_dir(path),
            counts,
        })
    }

    /// The baseline of the findings no comment, annotation or config
    /// suppresses, as the file's text.
    pub fn render(findings: &[Finding], files: &[SourceFile], path: &Path) -> String {
        let dir = base_dir(path);
        let mut entries: BTreeMap<(String, &'static str, &str), Entry<'_>> = BTreeMap::new();
        for f in findings.iter().filter(|f| !f.is_suppressed()) {
            let p = relative_path(f.span.file, files, &dir);
            let fp = fingerprint(f.rule.code(), &p, &f.subject);
            entries
                .entry((p.clone(), f.rule.code(), f.subject.as_str()))
                .and_modify(|e| e.count += 1)
                .or_insert(Entry {
                    fingerprint: fp,
                    rule: f.rule.code(),
                    path: p,
                    subject: &f.subject,
                    count: 1,
                });
        }
        let file = File {
            version: VERSION,
            findings: entries.into_values().collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Marks the findings the baseline lists, at most `count` per
    /// fingerprint, in report order. Returns how many it marked.
    pub fn apply(&self, findings: &mut [Finding], files: &[SourceFile]) -> usize {
        let mut left = self.counts.clone();
        let mut marked = 0;
        for f in findings.iter_mut().filter(|f| !f.is_suppressed()) {
            let p = relative_path(f.span.file, files, &self.dir);
            let fp = fingerprint(f.rule.code(), &p, &f.subject);
            if let Some(n) = left.get_mut(&fp).filter(|n| **n > 0) {
                *n -= 1;
                marked += 1;
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::External,
                    justification: Some("listed in the baseline".into()),
                });
            }
        }
        marked
    }
}

/// The absolute directory of a baseline file.
fn base_dir(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = lexical(&discover::absolute(path, &cwd));
    abs.parent().map(Path::to_path_buf).unwrap_or(cwd)
}

/// `..` resolved against the component before it, without touching the file
/// system (`k8s/../baseline.json` is `baseline.json`).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            std::path::Component::CurDir => {}
            _ => out.push(c),
        }
    }
    out
}

/// A file's path relative to `dir` with `/` separators, or its display path
/// when it lies outside.
fn relative_path(id: FileId, files: &[SourceFile], dir: &Path) -> String {
    let Some(file) = files.get(id.0 as usize) else {
        return String::new();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = lexical(&discover::absolute(&file.path, &cwd));
    match abs.strip_prefix(dir) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => file.display.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Baseline, BaselineError> {
        Baseline::parse(text, Path::new("/repo/baseline.json"))
    }

    #[test]
    fn bad_files_are_errors_with_a_position() {
        let e = parse("{\n  \"version\": 1,\n  \"findings\": [\n").unwrap_err();
        assert_eq!(e.pos.line, 4);
        assert!(
            e.message
                .starts_with("not a scalelint baseline (invalid JSON"),
            "{}",
            e.message
        );
        let e = parse("{\n  \"version\": 2,\n  \"findings\": []\n}\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 3));
        assert_eq!(
            e.message,
            "baseline version 2 is not supported: this scalelint reads version 1; write a new one with --write-baseline"
        );
        let e = parse("[]").unwrap_err();
        assert!(e.message.contains("expected a JSON object"));
        let e = parse("{\"version\": 1, \"findings\": [{\"count\": 1}]}").unwrap_err();
        assert!(
            e.message.starts_with("entry 1 of `findings`"),
            "{}",
            e.message
        );
        let e = parse("{\"version\": 1, \"findings\": {}}").unwrap_err();
        assert!(e.message.contains("must be a list"));
        let e = parse("{\"findings\": []}").unwrap_err();
        assert!(e.message.contains("no `version`"));
    }

    #[test]
    fn parent_components_resolve_lexically() {
        assert_eq!(
            lexical(Path::new("/r/k8s/../b.json")),
            PathBuf::from("/r/b.json")
        );
        assert_eq!(lexical(Path::new("/r/./a/./b")), PathBuf::from("/r/a/b"));
    }

    #[test]
    fn counts_add_up() {
        let b = parse(
            "{\"version\": 1, \"findings\": [{\"fingerprint\": \"a\", \"count\": 2}, {\"fingerprint\": \"a\", \"count\": 1}]}",
        )
        .unwrap();
        assert_eq!(b.counts.get("a"), Some(&3));
    }
}
