//! SL304 sentinel-quorum-below-majority. Docs: rules/sentinel-quorum-below-majority.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{majority, sentinel_count, sentinels};

pub struct SentinelQuorumBelowMajority {
    master: String,
    quorum: i64,
    count: i64,
    source: String,
}

impl Violation for SentinelQuorumBelowMajority {
    const RULE: Rule = Rule::SentinelQuorumBelowMajority;

    fn message(&self) -> String {
        let Self {
            master,
            quorum,
            count,
            source,
        } = self;
        format!(
            "quorum {quorum} for master `{master}` is below {}, the majority of {count} sentinels ({source}): a quorum of {quorum} can mark the master down, but a failover still needs {} to authorise it, so a partitioned minority flags failures it cannot act on",
            majority(*count),
            majority(*count),
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set the quorum to {} (a majority of {}) unless a faster, minority failure detection is wanted",
            majority(self.count),
            self.count
        ))
    }

    fn subject(&self) -> String {
        format!("sentinel/{}/majority", self.master)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (conf, monitor) in sentinels(model) {
        let Val::Set(quorum, at) = monitor.quorum else {
            continue;
        };
        let Some(c) = sentinel_count(model, conf, monitor) else {
            continue;
        };
        if quorum < 1 || quorum >= majority(c.count) {
            continue;
        }
        let v = SentinelQuorumBelowMajority {
            master: monitor.master.clone(),
            quorum,
            count: c.count,
            source: c.source.clone(),
        };
        let f = out.report(v, at);
        for (span, msg) in c.related {
            f.related(span, msg);
        }
    }
}
