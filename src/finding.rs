//! What a rule reports: one finding with its numbers, location and evidence.

use serde::{Deserialize, Serialize};

use crate::rules::{Rule, RuleSet};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Another place that contributed to a finding, with its own figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
    /// The place a user would change instead of the primary location (the
    /// server's `max_connections`, the topic's partitions): a suppression
    /// there covers the finding too.
    pub edit: bool,
}

/// How a finding was suppressed, in SARIF's terms (`suppression.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A comment or annotation in the scanned files.
    InSource,
    /// The config (`[per-file-ignores]`) or a baseline file.
    External,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason the suppression gives, or what suppressed it.
    pub justification: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// What the finding is about, independent of line numbers
    /// (`Deployment/shop/api/container/api`): the stable part of fingerprints.
    pub subject: String,
    /// Set by the suppress stage.
    pub suppression: Option<Suppression>,
}

impl Finding {
    pub fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related {
            span,
            message: message.into(),
            edit: false,
        });
        self
    }

    /// A related location that is where a user would fix the finding; a
    /// suppression there covers the finding (say so in the rule's doc).
    pub fn related_edit(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related {
            span,
            message: message.into(),
            edit: true,
        });
        self
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

/// 64-bit FNV-1a of `rule \0 path \0 subject`, as 16 hex digits: what
/// identifies a finding across runs, however lines move (SARIF
/// `partialFingerprints` and baseline files).
pub fn fingerprint(rule: &str, path: &str, subject: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in [
        rule.as_bytes(),
        b"\0",
        path.as_bytes(),
        b"\0",
        subject.as_bytes(),
    ] {
        for &b in part {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

/// A rule's violation: its fields carry the numbers, the message is a
/// function of them.
pub trait Violation {
    const RULE: Rule;
    fn message(&self) -> String;
    fn help(&self) -> Option<String>;
    /// The logical subject (see `Finding::subject`).
    fn subject(&self) -> String;
    /// The severity when it differs from the rule's default.
    fn severity(&self) -> Option<Severity> {
        None
    }
}

/// Collects the findings of enabled rules.
pub struct Findings {
    enabled: RuleSet,
    items: Vec<Finding>,
}

impl Findings {
    pub fn new(enabled: RuleSet) -> Self {
        Findings {
            enabled,
            items: Vec::new(),
        }
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(rule)
    }

    /// Records a violation at `span`; returns it so related locations can be added.
    pub fn report<V: Violation>(&mut self, v: V, span: Span) -> &mut Finding {
        // Without the spare room `format!` leaves: a large tree's findings
        // are all held until they are sorted and reported.
        let exact = |mut s: String| {
            s.shrink_to_fit();
            s
        };
        let finding = Finding {
            rule: V::RULE,
            severity: v.severity().unwrap_or(V::RULE.info().severity),
            span,
            message: exact(v.message()),
            help: v.help().map(exact),
            related: Vec::new(),
            subject: exact(v.subject()),
            suppression: None,
        };
        self.push(finding)
    }

    pub fn push(&mut self, finding: Finding) -> &mut Finding {
        self.items.push(finding);
        match self.items.last_mut() {
            Some(f) => f,
            None => unreachable!("a finding was just pushed"),
        }
    }

    pub fn extend(&mut self, other: Vec<Finding>) {
        self.items.extend(other);
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
}
