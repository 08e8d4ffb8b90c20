//! What the configuration and the scanned files say about findings once
//! rules have run: rules not selected, SL902 notes unless asked for, inline
//! suppressions (comments and Kubernetes annotations, with expiry),
//! `[per-file-ignores]`, `[severity]` overrides, and baselines.
//!
//! A suppressed finding stays in the list, marked with how it was
//! suppressed: it is counted in the summary and shown by
//! `--include-suppressed`. The suppress stage also reports on suppressions
//! themselves: SL903 (unreadable, or naming no known rule; found while
//! scanning), SL904 (matched nothing; off unless selected) and SL906
//! (expired). Those three are not themselves suppressed inline: a comment
//! does not silence a problem with comments.

pub mod baseline;
pub mod date;
pub mod directive;
pub mod yaml;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::comments::Comment;
use crate::discover;
use crate::finding::{Finding, Suppression, SuppressionKind};
use crate::lint::Settings;
use crate::rules::{Rule, RuleSet, resolve_selector};
use crate::source::{FileId, Pos, SourceFile, Span};

use date::Date;

/// Rules about suppressions, which inline suppressions do not cover.
pub const META: [Rule; 3] = [
    Rule::UnknownRuleInSuppression,
    Rule::UnusedSuppression,
    Rule::SuppressionExpired,
];

fn meta() -> RuleSet {
    META.iter().fold(RuleSet::empty(), |s, r| s.with(*r))
}

/// Where an inline suppression is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `# scalelint-ignore…`, `<!-- scalelint-ignore… -->`
    Comment,
    /// `scalelint.io/ignore` on a Kubernetes object or its pod template.
    Annotation,
}

/// One rule selector of a suppression, as written.
#[derive(Clone, Debug)]
pub struct Selector {
    pub text: String,
    pub span: Span,
    pub rules: RuleSet,
}

/// A suppression found in a file, read and resolved.
#[derive(Clone, Debug)]
pub struct Inline {
    pub origin: Origin,
    /// The whole directive (or annotation value).
    pub span: Span,
    /// The lines it covers; `None` for the whole file.
    pub lines: Option<(u32, u32)>,
    /// The selectors that name known rules.
    pub selectors: Vec<Selector>,
    pub until: Option<(Date, Span)>,
    pub reason: Option<String>,
}

impl Inline {
    fn covers(&self, at: Span) -> bool {
        at.file == self.span.file
            && self
                .lines
                .is_none_or(|(first, last)| (first..=last).contains(&at.start.line))
    }

    fn expired(&self, today: Option<Date>) -> bool {
        matches!((self.until, today), (Some((until, _)), Some(today)) if today > until)
    }
}

/// Reads one directive: the suppression, or why it cannot be used (SL903
/// findings, pushed to `problems`). `pos_at` places a byte offset of the
/// text; `lines` is what the directive covers unless it is file-wide.
pub fn read(
    file: FileId,
    text: &str,
    pos_at: &dyn Fn(usize) -> Pos,
    lines: (u32, u32),
    origin: Origin,
    problems: &mut Vec<Finding>,
) -> Option<Inline> {
    let span = |r: std::ops::Range<usize>| Span::new(file, pos_at(r.start), pos_at(r.end));
    let d = match directive::parse(text)? {
        Ok(d) => d,
        Err(p) => {
            problems.push(meta_finding(
                Rule::UnknownRuleInSuppression,
                span(p.range),
                format!("{}; this suppression is ignored", p.message),
                p.help,
                format!("invalid: {}", text.trim()),
            ));
            return None;
        }
    };
    let mut selectors = Vec::new();
    for piece in &d.rules {
        match resolve_selector(&piece.text) {
            Some(rules) => selectors.push(Selector {
                text: piece.text.clone(),
                span: span(piece.range.clone()),
                rules,
            }),
            None => problems.push(meta_finding(
                Rule::UnknownRuleInSuppression,
                span(piece.range.clone()),
                format!(
                    "`{}` is not a rule of this scalelint: the suppression does nothing for it",
                    piece.text
                ),
                "use a rule id (`SL101`), name (`readiness-probe-missing`), id prefix (`SL1`) or `all`; `scalelint rules` lists them".into(),
                format!("unknown rule {}", piece.text),
            )),
        }
    }
    Some(Inline {
        origin,
        span: span(d.range.clone()),
        lines: (!d.file_wide).then_some(lines),
        selectors,
        until: d.until.map(|(date, r)| (date, span(r))),
        reason: d.reason,
    })
}

/// Reads the directives of scanned comments.
pub fn from_comments(
    file: FileId,
    comments: &[Comment<'_>],
    problems: &mut Vec<Finding>,
) -> Vec<Inline> {
    comments
        .iter()
        .filter_map(|c| {
            read(
                file,
                c.body,
                &|offset| c.pos_at(offset),
                c.covers,
                Origin::Comment,
                problems,
            )
        })
        .collect()
}

fn meta_finding(rule: Rule, span: Span, message: String, help: String, subject: String) -> Finding {
    Finding {
        rule,
        severity: rule.info().severity,
        span,
        message,
        help: Some(help),
        related: Vec::new(),
        subject,
        suppression: None,
    }
}

pub fn apply(
    findings: &mut Vec<Finding>,
    files: &[SourceFile],
    settings: &Settings,
    inline: &[Inline],
) {
    let shown = |rule: Rule| {
        settings.enabled.contains(rule) && (rule != Rule::FileSkipped || settings.show_skipped)
    };
    findings.retain(|f| shown(f.rule));

    let today = settings.today.or_else(Date::today_utc);
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, s) in inline.iter().enumerate() {
        by_file.entry(s.span.file).or_default().push(i);
    }
    let mut used: Vec<Vec<bool>> = inline
        .iter()
        .map(|s| vec![false; s.selectors.len()])
        .collect();
    let meta = meta();
    for f in findings.iter_mut().filter(|f| !meta.contains(f.rule)) {
        let places =
            std::iter::once(f.span).chain(f.related.iter().filter(|r| r.edit).map(|r| r.span));
        for at in places {
            for &i in by_file.get(&at.file).into_iter().flatten() {
                let Some(s) = inline.get(i).filter(|s| s.covers(at) && !s.expired(today)) else {
                    continue;
                };
                for (k, sel) in s.selectors.iter().enumerate() {
                    if !sel.rules.contains(f.rule) {
                        continue;
                    }
                    if let Some(u) = used.get_mut(i).and_then(|u| u.get_mut(k)) {
                        *u = true;
                    }
                    if f.suppression.is_none() {
                        f.suppression = Some(Suppression {
                            kind: SuppressionKind::InSource,
                            justification: s.reason.clone(),
                        });
                    }
                }
            }
        }
    }

    // Rules whose findings were all seen: a selector naming only those and
    // matching nothing is unused for sure.
    let ran = settings
        .enabled
        .iter()
        .filter(|r| !meta.contains(*r) && (*r != Rule::FileSkipped || settings.show_skipped));
    let ran = ran.fold(RuleSet::empty(), |s, r| s.with(r));
    for (i, s) in inline.iter().enumerate() {
        if s.expired(today) {
            if let Some((until, at)) = s.until
                && shown(Rule::SuppressionExpired)
            {
                findings.push(expired(s, until, at));
            }
            continue;
        }
        if !shown(Rule::UnusedSuppression) {
            continue;
        }
        let unused: Vec<&Selector> = s
            .selectors
            .iter()
            .enumerate()
            .filter(|&(k, sel)| {
                let named = sel.rules.iter().filter(|r| !meta.contains(*r));
                let mut named = named.peekable();
                named.peek().is_some()
                    && named.all(|r| ran.contains(r))
                    && !used.get(i).and_then(|u| u.get(k)).copied().unwrap_or(true)
            })
            .map(|(_, sel)| sel)
            .collect();
        if let Some(f) = unused_finding(s, &unused) {
            findings.push(f);
        }
    }

    let cwd = std::env::current_dir().unwrap_or_default();
    let abs_path = |id: FileId| -> Option<PathBuf> {
        let f = files.get(id.0 as usize)?;
        Some(discover::absolute(&f.path, &cwd))
    };
    for f in findings.iter_mut().filter(|f| !f.is_suppressed()) {
        let ignored = settings.per_file_ignores.iter().any(|(glob, rules)| {
            rules.contains(f.rule) && abs_path(f.span.file).is_some_and(|p| glob.matches(&p))
        });
        if ignored {
            f.suppression = Some(Suppression {
                kind: SuppressionKind::External,
                justification: Some("[per-file-ignores] in the config".into()),
            });
        }
    }
    for f in findings.iter_mut() {
        if let Some((_, s)) = settings.severity.iter().find(|(r, _)| *r == f.rule) {
            f.severity = *s;
        }
    }
}

fn names(selectors: &[&Selector]) -> String {
    selectors
        .iter()
        .map(|s| format!("`{}`", s.text))
        .collect::<Vec<_>>()
        .join(", ")
}

fn expired(s: &Inline, until: Date, at: Span) -> Finding {
    let all: Vec<&Selector> = s.selectors.iter().collect();
    let what = match s.origin {
        Origin::Comment => "suppression",
        Origin::Annotation => "`scalelint.io/ignore` annotation",
    };
    meta_finding(
        Rule::SuppressionExpired,
        at,
        format!(
            "this {what} of {} expired on {until}: the findings it covered are reported again",
            names(&all)
        ),
        match &s.reason {
            Some(reason) => format!(
                "fix what it was for (\"{reason}\") and delete it, or, if the reason still holds, set a later `until` date"
            ),
            None => "fix what it was for and delete it, or, if the reason still holds, set a later `until` date".into(),
        },
        format!("expired {until}: {}", names(&all)),
    )
}

fn unused_finding(s: &Inline, unused: &[&Selector]) -> Option<Finding> {
    let first = unused.first()?;
    let last = unused.last()?;
    let span = Span::new(s.span.file, first.span.start, last.span.end);
    let place = if s.lines.is_none() {
        "in this file"
    } else {
        "where it applies"
    };
    let all_unused = unused.len() == s.selectors.len();
    let help = if all_unused {
        "delete the suppression: nothing it names is reported any more".to_string()
    } else {
        format!("remove {} from the suppression", names(unused))
    };
    Some(meta_finding(
        Rule::UnusedSuppression,
        span,
        format!(
            "unused suppression: no finding of {} {place}",
            names(unused)
        ),
        help,
        format!("unused: {}", names(unused)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn finding(file: u32, line: u32) -> Finding {
        Finding {
            rule: Rule::ReadinessProbeMissing,
            severity: Severity::Warning,
            span: Span::new(FileId(file), Pos::new(line, 1), Pos::new(line, 5)),
            message: "m".into(),
            help: Some("h".into()),
            related: Vec::new(),
            subject: "s".into(),
            suppression: None,
        }
    }

    fn comment_at(file: u32, line: u32) -> Vec<Inline> {
        let mut problems = Vec::new();
        let c = Comment {
            body: " scalelint-ignore: SL101 -- the server is sized by hand",
            body_start: Pos::new(line, 2),
            covers: (line, line),
        };
        let found = from_comments(FileId(file), &[c], &mut problems);
        assert!(problems.is_empty());
        found
    }

    #[test]
    fn a_cross_file_finding_is_suppressed_at_its_edit_location_only() {
        let settings = Settings::new(Vec::new());
        let inline = comment_at(1, 7);
        let mut evidence = finding(0, 3);
        evidence.related(
            Span::new(FileId(1), Pos::new(7, 1), Pos::new(7, 9)),
            "max_connections 100",
        );
        let mut editable = finding(0, 3);
        editable.related_edit(
            Span::new(FileId(1), Pos::new(7, 1), Pos::new(7, 9)),
            "max_connections 100",
        );
        let mut findings = vec![evidence, editable, finding(1, 7), finding(1, 8)];
        apply(&mut findings, &[], &settings, &inline);
        let suppressed: Vec<bool> = findings.iter().map(Finding::is_suppressed).collect();
        assert_eq!(suppressed, [false, true, true, false]);
        assert_eq!(
            findings[1]
                .suppression
                .as_ref()
                .and_then(|s| s.justification.as_deref()),
            Some("the server is sized by hand")
        );
    }
}
