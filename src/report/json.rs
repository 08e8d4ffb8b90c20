//! `--format json`: the schema of DESIGN.md §3.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Serialize, Serializer};

use super::Report;
use crate::finding::{Finding, Related};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'static str,
    findings: FindingList<'a>,
    summary: Summary<'a>,
}

/// The findings, each turned into its JSON form as it is written: a large
/// tree's report is streamed, not built first.
struct FindingList<'a>(&'a Report<'a>);

impl Serialize for FindingList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        s.collect_seq(r.findings.iter().map(|f| json_finding(r, f)))
    }
}

struct RelatedList<'a>(&'a Report<'a>, &'a [Related]);

impl Serialize for RelatedList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let RelatedList(r, related) = *self;
        s.collect_seq(related.iter().map(|rel| JsonRelated {
            path: r.path(rel.span.file),
            line: rel.span.start.line,
            column: rel.span.start.col,
            message: &rel.message,
        }))
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    help: Option<&'a str>,
    related: RelatedList<'a>,
    suppressed: bool,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    linted: usize,
    skipped: usize,
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    by_rule: BTreeMap<&'static str, usize>,
    suppressed: usize,
    /// Files whose findings were cut by `--max-findings-per-file`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hidden: Vec<JsonHidden<'a>>,
}

#[derive(Serialize)]
struct JsonHidden<'a> {
    path: &'a str,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

fn json_finding<'a>(r: &'a Report<'a>, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: f.rule.code(),
        name: f.rule.name(),
        severity: f.severity.as_str(),
        path: r.path(f.span.file),
        line: f.span.start.line,
        column: f.span.start.col,
        end_line: f.span.end_or_start().line,
        end_column: f.span.end_or_start().col,
        message: &f.message,
        help: f.help.as_deref(),
        related: RelatedList(r, &f.related),
        suppressed: f.is_suppressed(),
    }
}

pub fn render(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut by_severity = BTreeMap::new();
    for s in [
        crate::finding::Severity::Error,
        crate::finding::Severity::Warning,
        crate::finding::Severity::Note,
    ] {
        by_severity.insert(s.as_str(), r.count(s));
    }
    let report = JsonReport {
        version: env!("CARGO_PKG_VERSION"),
        findings: FindingList(r),
        summary: Summary {
            files: r.stats.files_by_kind.values().sum(),
            linted: r.stats.linted,
            skipped: r.stats.skipped,
            findings: r.findings.iter().filter(|f| !f.is_suppressed()).count(),
            by_severity,
            by_rule: r
                .by_rule()
                .into_iter()
                .map(|(rule, n)| (rule.code(), n))
                .collect(),
            suppressed: r.stats.suppressed,
            hidden: r
                .stats
                .hidden
                .iter()
                .map(|h| JsonHidden {
                    path: r.path(h.file),
                    findings: h.total(),
                    errors: h.errors,
                    warnings: h.warnings,
                    notes: h.notes,
                })
                .collect(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::from)?;
    writeln!(out)
}
