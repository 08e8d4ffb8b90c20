//! SL303 sentinel-quorum-unreachable. Docs: rules/sentinel-quorum-unreachable.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{sentinel_count, sentinels};

pub enum SentinelQuorumUnreachable {
    /// The quorum word is not a number, or is below 1.
    Invalid { master: String, written: String },
    /// More votes than there are sentinels.
    AboveCount {
        master: String,
        quorum: i64,
        count: i64,
        source: String,
        /// Instances that share one file and count as one.
        sharing: i64,
    },
}

impl Violation for SentinelQuorumUnreachable {
    const RULE: Rule = Rule::SentinelQuorumUnreachable;

    fn message(&self) -> String {
        match self {
            Self::Invalid { master, written } => format!(
                "quorum `{written}` for master `{master}` is not a number of 1 or more: Sentinel refuses this line (\"Quorum must be 1 or greater\") and does not start"
            ),
            Self::AboveCount {
                master,
                quorum,
                count,
                source,
                ..
            } => format!(
                "quorum {quorum} for master `{master}` needs {quorum} sentinels to agree, but only {count} run ({source}): the master is never marked objectively down and no failover ever starts"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::Invalid { .. } => {
                "write the quorum as a number: usually a majority of the sentinels (2 of 3)".into()
            }
            Self::AboveCount { count, sharing, .. } if *sharing > 1 => format!(
                "give each of the {sharing} sentinels that run this very file a copy of its own (see SL310): then {} sentinels run",
                count.saturating_sub(1).saturating_add(*sharing)
            ),
            Self::AboveCount { count, .. } => format!(
                "lower the quorum to at most {count} (a majority, {}, is usual) or run more sentinels",
                count / 2 + 1
            ),
        })
    }

    fn subject(&self) -> String {
        match self {
            Self::Invalid { master, .. } | Self::AboveCount { master, .. } => {
                format!("sentinel/{master}/quorum")
            }
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (conf, monitor) in sentinels(model) {
        match monitor.quorum {
            Val::Invalid(at) | Val::Set(0, at) => {
                let v = SentinelQuorumUnreachable::Invalid {
                    master: monitor.master.clone(),
                    written: monitor.quorum_text.clone(),
                };
                out.report(v, at);
            }
            Val::Set(quorum, at) => {
                let Some(c) = sentinel_count(model, conf, monitor) else {
                    continue;
                };
                if quorum <= c.count {
                    continue;
                }
                let v = SentinelQuorumUnreachable::AboveCount {
                    master: monitor.master.clone(),
                    quorum,
                    count: c.count,
                    source: c.source.clone(),
                    sharing: c.sharing,
                };
                let f = out.report(v, at);
                for (span, msg) in c.related {
                    f.related(span, msg);
                }
            }
            // A monitor line without a quorum word: Sentinel rejects it as a
            // wrong number of arguments; that is a syntax matter.
            Val::Absent => {}
        }
    }
}
