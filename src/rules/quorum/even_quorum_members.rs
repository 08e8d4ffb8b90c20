//! SL301 even-quorum-members. Docs: rules/even-quorum-members.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{System, failures, groups, sentinel_count, sentinels, tolerated};

pub struct EvenQuorumMembers {
    group: String,
    noun: &'static str,
    voters: i64,
    source: String,
}

impl Violation for EvenQuorumMembers {
    const RULE: Rule = Rule::EvenQuorumMembers;

    fn message(&self) -> String {
        let Self {
            group,
            noun,
            voters: n,
            source,
        } = self;
        format!(
            "{group} has {n} voting members ({source}): {n} members tolerate {}, as {} would; {} tolerate {}",
            failures(tolerated(*n)),
            n - 1,
            n + 1,
            failures(tolerated(n + 1)),
        )
        .replace("members", noun)
    }

    fn help(&self) -> Option<String> {
        let sizes = if self.voters == 2 {
            "3".to_string()
        } else {
            format!("{} or {}", self.voters - 1, self.voters + 1)
        };
        Some(format!(
            "run {sizes} {}: an odd count adds fault tolerance, an even one only adds a member every majority must wait for",
            self.noun
        ))
    }

    fn subject(&self) -> String {
        format!("{}/even", self.group)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for g in groups(model).iter() {
        if g.voters < 2 || g.voters % 2 != 0 {
            continue;
        }
        let v = EvenQuorumMembers {
            group: g.name.clone(),
            noun: if g.system == System::Sentinel {
                "sentinels"
            } else {
                "members"
            },
            voters: g.voters,
            source: g.source.clone(),
        };
        let f = out.report(v, g.span);
        for (span, msg) in &g.related {
            f.related(*span, msg.as_str());
        }
    }
    for (conf, monitor) in sentinels(model) {
        let Some(c) = sentinel_count(model, conf, monitor) else {
            continue;
        };
        if c.count < 2 || c.count % 2 != 0 {
            continue;
        }
        let v = EvenQuorumMembers {
            group: format!("the Sentinel group monitoring `{}`", monitor.master),
            noun: "sentinels",
            voters: c.count,
            source: c.source.clone(),
        };
        let f = out.report(v, monitor.span);
        for (span, msg) in c.related {
            f.related(span, msg);
        }
    }
}
