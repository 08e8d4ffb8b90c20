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
    pub suppressed: bool,
}

impl Finding {
    pub fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }
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
        let finding = Finding {
            rule: V::RULE,
            severity: v.severity().unwrap_or(V::RULE.info().severity),
            span,
            message: v.message(),
            help: v.help(),
            related: Vec::new(),
            subject: v.subject(),
            suppressed: false,
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
