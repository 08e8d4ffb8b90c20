//! `--format github`: GitHub Actions workflow commands, one per finding.
//! Data is escaped (`%`, CR, LF) and properties also (`:`, `,`); column
//! fields are left out when a span covers several lines.
//!
//! GitHub shows only the first 10 annotations of each level per step
//! (<https://docs.github.com/en/rest/checks/runs#update-a-check-run>), so a
//! plain closing line (not a command) gives the total, unless `-q`.

use std::io::{self, Write};

use crate::finding::Severity;

use super::{Report, summary_counts, summary_files};

/// Annotations of one level that GitHub shows for a step.
const SHOWN_PER_LEVEL: usize = 10;

pub fn render(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in r.findings.iter().filter(|f| !f.is_suppressed()) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let s = f.span;
        let mut props = format!("file={},line={}", property(r.path(s.file)), s.start.line);
        if s.end.line > s.start.line {
            props.push_str(&format!(",endLine={}", s.end.line));
        } else {
            props.push_str(&format!(
                ",col={},endLine={},endColumn={}",
                s.start.col,
                s.start.line,
                s.end_or_start().col
            ));
        }
        props.push_str(&format!(
            ",title={}",
            property(&format!("{} {}", f.rule.code(), f.rule.name()))
        ));
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(out, "::{level} {props}::{}", data(&message))?;
    }
    for (path, text) in super::hidden_lines(r) {
        writeln!(out, "::notice file={}::{}", property(&path), data(&text))?;
    }
    if !r.quiet {
        write!(
            out,
            "scalelint: found {} in {}.",
            summary_counts(r),
            summary_files(r.stats)
        )?;
        let hidden = [Severity::Error, Severity::Warning, Severity::Note]
            .into_iter()
            .any(|s| r.count(s) > SHOWN_PER_LEVEL);
        if hidden {
            write!(
                out,
                " GitHub shows the first {SHOWN_PER_LEVEL} annotations of each level; \
                 this log lists them all."
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
