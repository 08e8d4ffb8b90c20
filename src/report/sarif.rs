//! `--format sarif`: SARIF 2.1.0.

use std::io::{self, Write};

use super::Report;

pub fn render(_r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{{}}")
}
