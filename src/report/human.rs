//! `--format human`: ruff-style findings with the source line underlined.
//!
//! ```text
//! k8s/api.yaml:12:11: SL101 [warning] container `api` of Deployment shop/api has no readinessProbe…
//!    |
//! 11 |       containers:
//! 12 |         - name: api
//!    |           ^^^^ SL101
//!    |
//!    = help: add a readinessProbe …
//! ```
//!
//! Texts are dropped after parsing to keep memory flat, so the lines shown are
//! read again here, only for files that have findings.

use std::io::{self, Write};

use crate::finding::Finding;
use crate::source::{FileId, LineIndex};

use super::{Paint, Report, headline, summary_counts, summary_files};

const TAB_WIDTH: usize = 4;

pub fn render(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(r.color);
    let mut cache: Option<(FileId, Option<String>)> = None;
    for f in r.findings.iter().filter(|f| !f.is_suppressed()) {
        let text = match &cache {
            Some((id, text)) if *id == f.span.file => text.as_deref(),
            _ => {
                let text = r
                    .files
                    .get(f.span.file.0 as usize)
                    .and_then(|file| file.read().ok())
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                cache = Some((f.span.file, text));
                cache.as_ref().and_then(|(_, t)| t.as_deref())
            }
        };
        finding(r, &paint, f, text, out)?;
    }
    for (path, text) in super::hidden_lines(r) {
        writeln!(out, "{path}: {text}")?;
    }
    if !r.quiet {
        summary(r, &paint, out)?;
    }
    Ok(())
}

fn finding(
    r: &Report<'_>,
    paint: &Paint,
    f: &Finding,
    text: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{}", headline(r, paint, f))?;
    let index = text.map(LineIndex::new);
    let line_no = f.span.start.line;
    let gutter = (line_no.saturating_add(1)).to_string().len();
    let bar = paint.blue(&format!("{:gutter$} |", ""));
    if let Some(line) = index.as_ref().and_then(|i| i.line(line_no)) {
        let start = f.span.start.col.saturating_sub(1) as usize;
        let width = if f.span.end.line == f.span.start.line && f.span.end.col > f.span.start.col {
            (f.span.end.col - f.span.start.col) as usize
        } else {
            1
        };
        let (shown, start) = window(line, start);
        writeln!(out, "{bar}")?;
        if let Some(prev) = index
            .as_ref()
            .and_then(|i| i.line(line_no.saturating_sub(1)))
            .filter(|_| line_no > 1)
        {
            let (prev, _) = window(prev, 0);
            writeln!(
                out,
                "{} {}",
                paint.blue(&format!("{:>gutter$} |", line_no - 1)),
                expand(&prev)
            )?;
        }
        writeln!(
            out,
            "{} {}",
            paint.blue(&format!("{line_no:>gutter$} |")),
            expand(&shown)
        )?;
        let pad = display_width(&shown, start);
        let carets = display_width(&shown, start + width)
            .saturating_sub(pad)
            .max(1);
        writeln!(
            out,
            "{bar} {}{}",
            " ".repeat(pad),
            paint.severity(
                f.severity,
                &format!("{} {}", "^".repeat(carets), f.rule.name())
            )
        )?;
    }
    if let Some(help) = &f.help {
        writeln!(out, "{bar}")?;
        writeln!(out, "{:gutter$} {} {help}", "", paint.bold("= help:"))?;
    }
    for rel in &f.related {
        writeln!(
            out,
            "{:gutter$} {} {}:{}:{}: {}",
            "",
            paint.bold("= related:"),
            r.path(rel.span.file),
            rel.span.start.line,
            rel.span.start.col,
            rel.message
        )?;
    }
    writeln!(out)
}

/// Longest source line shown whole; longer ones are cut around the column.
const MAX_LINE: usize = 120;

/// The part of a line to show and the column within it: long lines (minified
/// JSON, generated files) are cut to a window around `col`.
fn window(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= MAX_LINE {
        return (line.to_string(), col);
    }
    let from = col
        .saturating_sub(MAX_LINE / 2)
        .min(len.saturating_sub(MAX_LINE));
    let mut shown: String = line.chars().skip(from).take(MAX_LINE).collect();
    let mut col = col - from;
    if from > 0 {
        shown.insert(0, '…');
        col += 1;
    }
    if from + MAX_LINE < len {
        shown.push('…');
    }
    (shown, col)
}

/// The display width of the first `chars` characters of a line, with tabs
/// expanded.
fn display_width(line: &str, chars: usize) -> usize {
    line.chars().take(chars).fold(0, |w, c| {
        if c == '\t' {
            w + TAB_WIDTH - w % TAB_WIDTH
        } else {
            w + 1
        }
    })
}

fn expand(line: &str) -> String {
    let mut s = String::with_capacity(line.len());
    for c in line.chars() {
        if c == '\t' {
            let w = display_width(&s, s.chars().count());
            s.push_str(&" ".repeat(TAB_WIDTH - w % TAB_WIDTH));
        } else {
            s.push(c);
        }
    }
    s
}

fn summary(r: &Report<'_>, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let total = r.findings.iter().filter(|f| !f.is_suppressed()).count();
    let suppressed = super::summary_suppressed(r.stats);
    if total == 0 {
        writeln!(
            out,
            "{} No findings in {}{suppressed}.",
            paint.wrap("1;32", "✓"),
            summary_files(r.stats)
        )?;
    } else {
        writeln!(
            out,
            "Found {} in {}{suppressed}.",
            paint.bold(&summary_counts(r)),
            summary_files(r.stats)
        )?;
    }
    if r.stats.skipped > 0
        && !r
            .findings
            .iter()
            .any(|f| f.rule == crate::rules::Rule::FileSkipped)
    {
        writeln!(
            out,
            "{} file(s) were not linted (templates, binary, too large or unreadable); see them with --show-skipped.",
            r.stats.skipped
        )?;
    }
    Ok(())
}

/// `--statistics`: findings per rule, then what was read.
pub fn statistics(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(r.color);
    for (rule, n) in r.by_rule() {
        let info = rule.info();
        writeln!(
            out,
            "{n:>6}  {}  {:<40} [{}]",
            paint.severity(info.severity, info.code),
            info.name,
            info.severity.as_str()
        )?;
    }
    let s = r.stats;
    writeln!(out)?;
    let kinds: Vec<String> = s
        .files_by_kind
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(
        out,
        "files:   {} found ({})",
        s.files_by_kind.values().sum::<usize>(),
        kinds.join(", ")
    )?;
    writeln!(
        out,
        "         {} linted, {} skipped (SL902 file-skipped), {} of kinds not parsed yet",
        s.linted, s.skipped, s.not_parsed
    )?;
    let yaml: Vec<String> = s
        .yaml_kinds
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    if !yaml.is_empty() {
        writeln!(out, "yaml:    {}", yaml.join(", "))?;
    }
    writeln!(out, "objects: {} Kubernetes objects", s.k8s_objects)?;
    if s.suppressed > 0 {
        writeln!(
            out,
            "suppressed: {} finding(s): {} by comments or annotations, {} by config or baseline",
            s.suppressed,
            s.suppressed_in_source,
            s.suppressed - s.suppressed_in_source
        )?;
    }
    writeln!(out, "time:    {:.0} ms", s.elapsed.as_secs_f64() * 1000.0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Related, Severity};
    use crate::lint::Stats;
    use crate::rules::Rule;
    use crate::source::{FileKind, Pos, SourceFile, Span};

    #[test]
    fn related_locations_and_help_are_listed_under_the_finding() {
        let dir = std::env::temp_dir().join(format!("scalelint-human-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let api = dir.join("api.yaml");
        std::fs::write(&api, "spec:\n  containers:\n    - name: api\n").unwrap();
        let file = |id: u32, path: std::path::PathBuf, display: &str| SourceFile {
            id: FileId(id),
            path,
            display: display.into(),
            kind: FileKind::Yaml,
            contents: None,
        };
        let files = [
            file(0, api, "k8s/api.yaml"),
            file(1, dir.join("absent.yaml"), "k8s/hpa.yaml"),
        ];
        let at =
            |id, line, col, end| Span::new(FileId(id), Pos::new(line, col), Pos::new(line, end));
        let findings = [Finding {
            rule: Rule::ReadinessProbeMissing,
            severity: Severity::Warning,
            span: at(0, 3, 7, 11),
            message: "the message".into(),
            help: Some("the help".into()),
            related: vec![Related {
                span: at(1, 9, 3, 3),
                message: "maxReplicas 10".into(),
                edit: false,
            }],
            subject: String::new(),
            suppression: None,
        }];
        let stats = Stats::default();
        let report = Report {
            files: &files,
            findings: &findings,
            stats: &stats,
            color: false,
            quiet: true,
            statistics: false,
        };
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            text,
            "k8s/api.yaml:3:7: SL101 [warning] the message\n  |\n2 |   containers:\n3 |     - name: api\n  |       ^^^^ readiness-probe-missing\n  |\n  = help: the help\n  = related: k8s/hpa.yaml:9:3: maxReplicas 10\n\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(1000);
        let (shown, col) = window(&line, 500);
        assert!(shown.chars().count() <= MAX_LINE + 2);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(col, MAX_LINE / 2 + 1);
        assert_eq!(window("short", 2), ("short".to_string(), 2));
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(expand("\ta"), "    a");
        assert_eq!(display_width("ab\tc", 3), 4);
    }
}
