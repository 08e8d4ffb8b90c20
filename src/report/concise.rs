//! `--format concise`: one line per finding.

use std::io::{self, Write};

use super::{Paint, Report, headline, summary_counts, summary_files};

pub fn render(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(r.color);
    for f in r.findings.iter().filter(|f| !f.is_suppressed()) {
        writeln!(out, "{}", headline(r, &paint, f))?;
    }
    for (path, text) in super::hidden_lines(r) {
        writeln!(out, "{path}: {text}")?;
    }
    if !r.quiet {
        writeln!(
            out,
            "Found {} in {}{}.",
            summary_counts(r),
            summary_files(r.stats),
            super::summary_suppressed(r.stats)
        )?;
    }
    Ok(())
}
