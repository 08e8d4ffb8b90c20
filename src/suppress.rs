//! What the configuration says about findings once rules have run: rules
//! not selected, `[per-file-ignores]`, `[severity]` overrides, and SL902
//! notes unless asked for. Inline suppressions and baselines belong here too.

use std::path::PathBuf;

use crate::discover;
use crate::finding::Finding;
use crate::lint::Settings;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile};

pub fn apply(findings: &mut Vec<Finding>, files: &[SourceFile], settings: &Settings) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs_path = |id: FileId| -> Option<PathBuf> {
        let f = files.get(id.0 as usize)?;
        Some(discover::absolute(&f.path, &cwd))
    };
    findings.retain(|f| {
        let wanted = settings.enabled.contains(f.rule)
            && (f.rule != Rule::FileSkipped || settings.show_skipped);
        wanted
            && !settings.per_file_ignores.iter().any(|(glob, rules)| {
                rules.contains(f.rule) && abs_path(f.span.file).is_some_and(|p| glob.matches(&p))
            })
    });
    for f in findings.iter_mut() {
        if let Some((_, s)) = settings.severity.iter().find(|(r, _)| *r == f.rule) {
            f.severity = *s;
        }
    }
}
