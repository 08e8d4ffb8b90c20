//! One renderer per `--format`. Renderers decide nothing: they print the
//! findings they are given, in the order given.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::lint::Stats;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub files: &'a [SourceFile],
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// Colours for terminals (human and concise only).
    pub color: bool,
    /// `-q`: findings only, no summary.
    pub quiet: bool,
    /// `--statistics`: counts per rule instead of the findings.
    pub statistics: bool,
}

impl Report<'_> {
    pub fn path(&self, id: FileId) -> &str {
        self.files
            .get(id.0 as usize)
            .map_or("", |f| f.display.as_str())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && !f.is_suppressed())
            .count()
    }

    /// Findings per rule, in registry order.
    pub fn by_rule(&self) -> Vec<(Rule, usize)> {
        let mut counts: Vec<(Rule, usize)> = Vec::new();
        for f in self.findings.iter().filter(|f| !f.is_suppressed()) {
            match counts.iter_mut().find(|(r, _)| *r == f.rule) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.rule, 1)),
            }
        }
        counts.sort();
        counts
    }

    pub fn render(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Human if self.statistics => human::statistics(self, out),
            Format::Concise if self.statistics => human::statistics(self, out),
            Format::Human => human::render(self, out),
            Format::Concise => concise::render(self, out),
            Format::Json => json::render(self, out),
            Format::Sarif => sarif::render(self, out),
            Format::Github => github::render(self, out),
        }
    }
}

/// ANSI styling, a no-op without colour.
pub(crate) struct Paint(pub bool);

impl Paint {
    pub fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }

    pub fn blue(&self, t: &str) -> String {
        self.wrap("1;34", t)
    }

    pub fn severity(&self, s: Severity, t: &str) -> String {
        match s {
            Severity::Error => self.wrap("1;31", t),
            Severity::Warning => self.wrap("1;33", t),
            Severity::Note => self.wrap("1;36", t),
        }
    }
}

/// `path:line:col: SL101 [warning] message`: the first line of a finding in
/// human output and the whole of it in concise output.
pub(crate) fn headline(r: &Report<'_>, paint: &Paint, f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} {} {}",
        paint.bold(r.path(f.span.file)),
        f.span.start.line,
        f.span.start.col,
        paint.severity(f.severity, f.rule.code()),
        paint.severity(f.severity, &format!("[{}]", f.severity.as_str())),
        paint.bold(&f.message)
    )
}

/// "3 findings (1 error, 2 warnings)".
pub(crate) fn summary_counts(r: &Report<'_>) -> String {
    let total = r.findings.iter().filter(|f| !f.is_suppressed()).count();
    let mut parts = Vec::new();
    for (s, one, many) in [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Note, "note", "notes"),
    ] {
        let n = r.count(s);
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    let noun = if total == 1 { "finding" } else { "findings" };
    if parts.is_empty() {
        format!("{total} {noun}")
    } else {
        format!("{total} {noun} ({})", parts.join(", "))
    }
}

/// "in 12 files (2 skipped)".
pub(crate) fn summary_files(stats: &Stats) -> String {
    let noun = if stats.linted == 1 { "file" } else { "files" };
    let mut s = format!("{} {noun} linted", stats.linted);
    if stats.skipped > 0 {
        s.push_str(&format!(", {} skipped", stats.skipped));
    }
    s
}

/// "; 3 suppressed", or nothing when none was.
pub(crate) fn summary_suppressed(stats: &Stats) -> String {
    if stats.suppressed == 0 {
        String::new()
    } else {
        format!("; {} suppressed", stats.suppressed)
    }
}

/// One line per file whose findings were cut by `--max-findings-per-file`.
pub(crate) fn hidden_lines(r: &Report<'_>) -> Vec<(String, String)> {
    r.stats
        .hidden
        .iter()
        .map(|h| {
            let mut parts = Vec::new();
            for (n, what) in [(h.errors, "error"), (h.warnings, "warning"), (h.notes, "note")] {
                if n > 0 {
                    parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
                }
            }
            (
                r.path(h.file).to_string(),
                format!(
                    "{} more finding(s) in this file not shown ({}): at most {} per file are reported, the most severe first; `--max-findings-per-file 0` shows all",
                    h.total(),
                    parts.join(", "),
                    h.kept
                ),
            )
        })
        .collect()
}
