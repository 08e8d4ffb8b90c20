//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
//!
//! A small typed model of the part of SARIF we write, serialized with
//! serde_json. What GitHub reads and limits is documented at
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>
//! and
//! <https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit>;
//! the choices below follow them:
//!
//! - every rule of the registry is listed, in registry order, so `ruleIndex`
//!   is stable from run to run and rules that did not fire still have docs;
//! - `shortDescription`/`fullDescription` are cut to GitHub's 1,024
//!   characters (the full rationale is in `help`), `name` to 255, tags to 20;
//! - a result points at a repo-relative URI under `%SRCROOT%`; no
//!   `originalUriBaseIds`, which would leak the machine's path;
//! - `region` always has all four fields (GitHub requires them); a span
//!   without width becomes one character wide (`endColumn = startColumn + 1`)
//!   because an absent `endColumn` means "to the end of the line" in SARIF;
//! - `columnKind` is `unicodeCodePoints`: our columns count characters;
//! - `partialFingerprints` holds our own `scalelint/v1` hash of rule, path and
//!   the finding's subject. `primaryLocationLineHash` is left to GitHub's
//!   upload action, which computes it from the checkout, and
//!   `automationDetails` to the upload's `category`;
//! - at most 25,000 results a run (GitHub rejects more): the most severe are
//!   kept, in their original order, and a notification says how many were
//!   left out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Severity, SuppressionKind, fingerprint};
use crate::rules::{RULES, RuleDoc, RuleInfo};
use crate::source::Span;

use super::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/scalelint/scalelint";
const HELP_URI_BASE: &str = "https://github.com/scalelint/scalelint/blob/main/rules/";
const SRCROOT: &str = "%SRCROOT%";
/// The key under `partialFingerprints`; bump the version if the hash changes.
const FINGERPRINT_KEY: &str = "scalelint/v1";

/// GitHub rejects a run with more results.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub rejects a rule with more tags.
const MAX_TAGS: usize = 20;
/// GitHub rejects a result with more locations (it shows the first 100).
const MAX_RELATED: usize = 1_000;
/// GitHub's length limits for rule descriptions and names, in characters.
const MAX_DESCRIPTION: usize = 1_024;
const MAX_NAME: usize = 255;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    help_uri: String,
    default_configuration: ReportingConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct ReportingConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
}

/// Renders the findings it is given. Suppressed ones (given only with
/// `--include-suppressed`) carry `suppressions`.
pub fn render(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let log = build(r);
    // `io::Error::from` hands back the writer's own error (a closed pipe stays
    // `BrokenPipe`, which the CLI treats as a quiet exit).
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    writeln!(out)
}

fn build(r: &Report<'_>) -> Log {
    let candidates: Vec<&Finding> = r.findings.iter().collect();
    let (kept, left_out) = most_severe(&candidates, MAX_RESULTS);
    let results = kept.into_iter().map(|f| result(r, f)).collect();

    let mut notifications = Vec::new();
    if left_out > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Message {
                text: format!(
                    "{left_out} of {} results were left out: GitHub code scanning accepts at most \
                     {MAX_RESULTS} results per run, so only the most severe {MAX_RESULTS} are \
                     included (errors, then warnings, then notes, each in report order). Run \
                     scalelint with another format to see them all.",
                    candidates.len()
                ),
            },
        });
    }

    for (path, text) in super::hidden_lines(r) {
        notifications.push(Notification {
            level: "note",
            message: Message {
                text: format!("{path}: {text}"),
            },
        });
    }

    let version = env!("CARGO_PKG_VERSION");
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "scalelint",
                    version,
                    semantic_version: version,
                    information_uri: INFORMATION_URI,
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// At most `max` findings, the most severe first chosen, returned in their
/// original order; and how many were left out.
fn most_severe<'f>(findings: &[&'f Finding], max: usize) -> (Vec<&'f Finding>, usize) {
    if findings.len() <= max {
        return (findings.to_vec(), 0);
    }
    let mut order: Vec<(usize, &'f Finding)> = findings.iter().copied().enumerate().collect();
    // Stable: equal severities keep report order.
    order.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    order.truncate(max);
    order.sort_by_key(|(i, _)| *i);
    (
        order.into_iter().map(|(_, f)| f).collect(),
        findings.len().saturating_sub(max),
    )
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(info: &RuleInfo) -> ReportingDescriptor {
    // A doc that does not parse is caught by the registry's tests; here it
    // still gives a valid descriptor (GitHub rejects empty required texts).
    let doc = info.rule.doc().unwrap_or_else(|_| RuleDoc {
        id: info.code.to_string(),
        name: info.name.to_string(),
        severity: info.severity,
        summary: info.name.replace('-', " "),
        rationale: info.name.replace('-', " "),
        fix: format!("See `scalelint explain {}`.", info.code),
        sources: Vec::new(),
        tags: Vec::new(),
        example_bad: String::new(),
        example_good: String::new(),
    });
    let mut tags: Vec<String> = Vec::new();
    for tag in std::iter::once(family(info.code))
        .chain(doc.tags.iter().map(|s| s.as_str()))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tags.len() < MAX_TAGS && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    ReportingDescriptor {
        id: info.code,
        name: clip(info.name, MAX_NAME),
        short_description: Message {
            text: clip(doc.summary.trim(), MAX_DESCRIPTION),
        },
        full_description: Message {
            text: clip(first_paragraph(&doc.rationale), MAX_DESCRIPTION),
        },
        help: MultiformatMessage {
            text: help_text(&doc),
            markdown: Some(help_markdown(&doc)),
        },
        help_uri: format!("{HELP_URI_BASE}{}.toml", info.name),
        default_configuration: ReportingConfiguration {
            level: level(info.severity),
        },
        properties: RuleProperties { tags },
    }
}

/// The rule family of a code, by its hundreds (DESIGN.md §4), named as the
/// folders under `src/rules/`.
fn family(code: &str) -> &'static str {
    match code.strip_prefix("SL").and_then(|d| d.chars().next()) {
        Some('1') => "k8s",
        Some('2') => "autoscaling",
        Some('3') => "quorum",
        Some('4') => "capacity",
        Some('5') => "proxy",
        Some('6') => "compose",
        Some('9') => "tool",
        _ => "",
    }
}

fn first_paragraph(text: &str) -> &str {
    let text = text.trim();
    text.split("\n\n").next().unwrap_or(text).trim()
}

/// `s` cut to at most `max` characters, at a word boundary when there is
/// one, ending with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match keep.rfind(char::is_whitespace) {
        Some(i) if i > keep.len() / 2 => keep.get(..i).unwrap_or(&keep),
        _ => keep.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// Plain-text help, as `scalelint explain` words it: fix, why, sources.
fn help_text(doc: &RuleDoc) -> String {
    let mut s = doc.fix.trim().to_string();
    s.push_str("\n\nWhy this matters:\n");
    s.push_str(doc.rationale.trim());
    if !doc.sources.is_empty() {
        s.push_str("\n\nSources:");
        for src in &doc.sources {
            s.push_str("\n- ");
            s.push_str(src.trim());
        }
    }
    s
}

/// Markdown help: fix, why, the two examples in YAML fences, sources as links.
fn help_markdown(doc: &RuleDoc) -> String {
    let mut s = doc.fix.trim().to_string();
    s.push_str("\n\n### Why this matters\n\n");
    s.push_str(doc.rationale.trim());
    for (title, example) in [
        ("Example that fires", &doc.example_bad),
        ("Fixed", &doc.example_good),
    ] {
        let example = example.trim_matches('\n');
        if example.trim().is_empty() {
            continue;
        }
        let fence = "`".repeat(longest_backtick_run(example).max(2) + 1);
        let lang = fence_language(example);
        s.push_str(&format!(
            "\n\n### {title}\n\n{fence}{lang}\n{example}\n{fence}"
        ));
    }
    if !doc.sources.is_empty() {
        s.push_str("\n\n### Sources\n");
        for src in &doc.sources {
            s.push_str(&format!("\n- <{}>", src.trim()));
        }
    }
    s
}

/// The highlighting of an example, by a look at its first meaningful line:
/// `yaml` for `key:` lines, `toml` for `key = …` and `[table]` (the config),
/// `xml` for markup, none for other config syntaxes (nginx, conf files).
fn fence_language(example: &str) -> &'static str {
    // An example of several files (`# file: NAME` lines) mixes syntaxes.
    if example
        .lines()
        .filter(|l| l.starts_with("# file: "))
        .count()
        > 1
    {
        return "";
    }
    let Some(first) = example
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return "";
    };
    let key_end = first
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"')))
        .unwrap_or(first.len());
    let after_key = first.get(key_end..).unwrap_or("");
    if first.starts_with('<') {
        "xml"
    } else if (first.starts_with('[') && first.ends_with(']'))
        || (key_end > 0 && after_key.trim_start().starts_with('='))
    {
        "toml"
    } else if first.starts_with("- ") || (key_end > 0 && after_key.starts_with(':')) {
        "yaml"
    } else {
        ""
    }
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn result(r: &Report<'_>, f: &Finding) -> SarifResult {
    let mut text = f.message.clone();
    if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
        text.push_str("\n\nhelp: ");
        text.push_str(help);
    }
    let path = r.path(f.span.file);
    let related_locations = f
        .related
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, rel)| Location {
            id: Some(i + 1),
            physical_location: physical(r, rel.span),
            message: Some(Message {
                text: rel.message.clone(),
            }),
        })
        .collect();
    SarifResult {
        rule_id: f.rule.code(),
        rule_index: RULES
            .iter()
            .position(|info| info.rule == f.rule)
            .unwrap_or(f.rule as usize),
        level: level(f.severity),
        message: Message { text },
        locations: vec![Location {
            id: None,
            physical_location: physical(r, f.span),
            message: None,
        }],
        related_locations,
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY,
            fingerprint(f.rule.code(), path, &f.subject),
        )]),
        suppressions: f
            .suppression
            .iter()
            .map(|s| Suppression {
                kind: match s.kind {
                    SuppressionKind::InSource => "inSource",
                    SuppressionKind::External => "external",
                },
                justification: s.justification.clone(),
            })
            .collect(),
    }
}

fn physical(r: &Report<'_>, span: Span) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact(r.path(span.file)),
        region: region(span),
    }
}

/// A repo-relative path becomes a relative URI under `%SRCROOT%`; a path
/// outside the working directory (absolute) becomes a `file:` URI.
fn artifact(path: &str) -> ArtifactLocation {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
        && matches!(bytes.get(2), None | Some(b'/'));
    if drive {
        let (letter, rest) = path.split_at(1);
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        ArtifactLocation {
            uri: format!("file:///{letter}:{}", percent_encode(rest)),
            uri_base_id: None,
        }
    } else if path.starts_with("//") {
        ArtifactLocation {
            uri: format!("file:{}", percent_encode(path)),
            uri_base_id: None,
        }
    } else if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode(path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// Percent-encodes every byte that may not stand for itself in a URI path
/// (RFC 3986 `pchar` and `/`), and `:` as well, so that a first segment such
/// as `a:b.yaml` cannot read as a scheme.
fn percent_encode(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        let plain = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if plain {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// 1-based region with all four fields. A span without width is made one
/// character wide; an absent `endColumn` would mean the rest of the line.
fn region(span: Span) -> Region {
    let start_line = span.start.line.max(1);
    let start_column = span.start.col.max(1);
    if span.end > span.start && span.end.line >= start_line {
        Region {
            start_line,
            start_column,
            end_line: span.end.line,
            end_column: span.end.col.max(1),
        }
    } else {
        Region {
            start_line,
            start_column,
            end_line: start_line,
            end_column: start_column.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Stats;
    use crate::rules::Rule;
    use crate::source::{FileId, FileKind, Pos, SourceFile};

    fn file(id: u32, display: &str) -> SourceFile {
        SourceFile {
            id: FileId(id),
            path: display.into(),
            display: display.to_string(),
            kind: FileKind::Yaml,
            contents: None,
        }
    }

    fn finding(rule: Rule, severity: Severity, line: u32, subject: &str) -> Finding {
        Finding {
            rule,
            severity,
            span: Span::new(FileId(0), Pos::new(line, 3), Pos::new(line, 9)),
            message: format!("finding at {line}"),
            help: None,
            related: Vec::new(),
            subject: subject.to_string(),
            suppression: None,
        }
    }

    fn render_value(files: &[SourceFile], findings: &[Finding]) -> serde_json::Value {
        let stats = Stats::default();
        let report = Report {
            files,
            findings,
            stats: &stats,
            color: false,
            quiet: false,
            statistics: false,
        };
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn fnv1a_known_values() {
        // FNV-1a 64 test vectors: "" and "a".
        let fnv = |s: &str| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in s.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            h
        };
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            fingerprint("SL101", "k8s/a.yaml", "x"),
            format!("{:016x}", fnv("SL101\0k8s/a.yaml\0x"))
        );
        assert_ne!(
            fingerprint("SL101", "a", "bc"),
            fingerprint("SL101", "ab", "c")
        );
    }

    #[test]
    fn uris() {
        let rel = artifact("k8s/my app/ünï.yaml");
        assert_eq!(rel.uri, "k8s/my%20app/%C3%BCn%C3%AF.yaml");
        assert_eq!(rel.uri_base_id, Some(SRCROOT));
        assert_eq!(artifact("a:b#c?d%e.yaml").uri, "a%3Ab%23c%3Fd%25e.yaml");
        assert_eq!(artifact("../up/x.yaml").uri, "../up/x.yaml");
        let abs = artifact("/elsewhere/a b.yaml");
        assert_eq!(abs.uri, "file:///elsewhere/a%20b.yaml");
        assert_eq!(abs.uri_base_id, None);
        assert_eq!(artifact("C:/x/y.yaml").uri, "file:///C:/x/y.yaml");
        assert_eq!(
            artifact("//srv/share/y.yaml").uri,
            "file://srv/share/y.yaml"
        );
    }

    #[test]
    fn regions() {
        let f = FileId(0);
        assert_eq!(
            region(Span::new(f, Pos::new(3, 5), Pos::new(3, 9))),
            Region {
                start_line: 3,
                start_column: 5,
                end_line: 3,
                end_column: 9
            }
        );
        assert_eq!(
            region(Span::new(f, Pos::new(3, 5), Pos::new(3, 5))),
            Region {
                start_line: 3,
                start_column: 5,
                end_line: 3,
                end_column: 6
            }
        );
        assert_eq!(
            region(Span::new(f, Pos::new(3, 5), Pos::new(7, 1))),
            Region {
                start_line: 3,
                start_column: 5,
                end_line: 7,
                end_column: 1
            }
        );
        assert_eq!(
            region(Span::new(f, Pos::new(0, 0), Pos::new(0, 0))),
            Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 2
            }
        );
    }

    /// A writer whose reader has gone, as with `scalelint … | head -1`.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe() {
        let stats = Stats::default();
        let report = Report {
            files: &[],
            findings: &[],
            stats: &stats,
            color: false,
            quiet: false,
            statistics: false,
        };
        let err = render(&report, &mut ClosedPipe).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn example_fences() {
        assert_eq!(fence_language("\n# Source: x\napiVersion: v1\n"), "yaml");
        assert_eq!(fence_language("- name: a\n"), "yaml");
        assert_eq!(fence_language("select = [\"SL1\"]\n"), "toml");
        assert_eq!(fence_language("[per-file-ignores]\n"), "toml");
        assert_eq!(fence_language("<clickhouse>\n"), "xml");
        assert_eq!(fence_language("upstream api {\n  server a:80;\n}\n"), "");
        assert_eq!(fence_language("maxclients 10000\n"), "");
        let md = help_markdown(&Rule::InvalidConfig.doc().unwrap());
        assert!(md.contains("```toml\n"), "{md}");
        let md = help_markdown(&Rule::ReadinessProbeMissing.doc().unwrap());
        assert!(md.contains("```yaml\n"), "{md}");
    }

    #[test]
    fn clip_cuts_at_a_word() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("one two three four", 12), "one two…");
        assert!(clip(&"é".repeat(2000), MAX_DESCRIPTION).chars().count() <= MAX_DESCRIPTION);
    }

    #[test]
    fn rules_fit_github_limits() {
        let v = render_value(&[], &[]);
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (i, rule) in rules.iter().enumerate() {
            assert_eq!(rule["id"], RULES[i].code);
            for key in ["shortDescription", "fullDescription"] {
                let text = rule[key]["text"].as_str().unwrap();
                assert!(!text.is_empty() && text.chars().count() <= MAX_DESCRIPTION);
            }
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            let tags = rule["properties"]["tags"].as_array().unwrap();
            assert!(!tags.is_empty() && tags.len() <= MAX_TAGS);
            assert!(rule["properties"].get("security-severity").is_none());
        }
    }

    #[test]
    fn suppressed_findings_carry_their_kind_and_reason() {
        use crate::finding::Suppression;
        let files = [file(0, "a.yaml")];
        let mut inline = finding(Rule::ReadinessProbeMissing, Severity::Warning, 2, "s");
        inline.suppression = Some(Suppression {
            kind: SuppressionKind::InSource,
            justification: Some("batch worker".into()),
        });
        let mut baselined = finding(Rule::ResourceRequestsMissing, Severity::Warning, 3, "u");
        baselined.suppression = Some(Suppression {
            kind: SuppressionKind::External,
            justification: None,
        });
        let mut loud = finding(Rule::ResourceRequestsMissing, Severity::Warning, 4, "t");
        loud.related(Span::new(FileId(0), Pos::new(1, 1), Pos::new(1, 4)), "here");
        let v = render_value(&files, &[inline, baselined, loud]);
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(
            results[0]["suppressions"],
            serde_json::json!([{"kind": "inSource", "justification": "batch worker"}])
        );
        assert_eq!(
            results[1]["suppressions"],
            serde_json::json!([{"kind": "external"}])
        );
        assert!(results[2].get("suppressions").is_none());
        assert_eq!(results[2]["relatedLocations"][0]["id"], 1);
    }

    #[test]
    fn over_the_limit_keeps_the_most_severe_in_order() {
        let files = [file(0, "a.yaml")];
        let mut findings: Vec<Finding> = (0..MAX_RESULTS as u32)
            .map(|i| finding(Rule::FileSkipped, Severity::Note, i + 1, "n"))
            .collect();
        findings.insert(
            10,
            finding(Rule::ReadinessProbeMissing, Severity::Warning, 7, "w"),
        );
        findings.push(finding(Rule::ParseError, Severity::Error, 9, "e"));
        let v = render_value(&files, &findings);
        let run = &v["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        assert_eq!(results[10]["ruleId"], "SL101");
        assert_eq!(results[MAX_RESULTS - 1]["ruleId"], "SL901");
        // Two notes went: the last two.
        let line = &results[MAX_RESULTS - 2]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(line["startLine"], MAX_RESULTS - 2);
        let note = &run["invocations"][0]["toolExecutionNotifications"][0];
        assert!(
            note["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("2 of 25002 results")
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);

        let v = render_value(&files, &findings[..3]);
        assert!(
            v["runs"][0]["invocations"][0]
                .get("toolExecutionNotifications")
                .is_none()
        );
    }
}
