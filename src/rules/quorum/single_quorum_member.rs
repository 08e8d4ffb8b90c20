//! SL302 single-quorum-member. Docs: rules/single-quorum-member.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::{FileId, Span};

use super::{Origin, groups};

pub struct SingleQuorumMember {
    group: String,
    source: String,
    loss: &'static str,
    scaled: String,
    scaled_count: i64,
}

impl Violation for SingleQuorumMember {
    const RULE: Rule = Rule::SingleQuorumMember;

    fn message(&self) -> String {
        let Self {
            group,
            source,
            loss,
            scaled,
            scaled_count,
        } = self;
        format!(
            "{group} has a single voting member ({source}) while {scaled} runs {scaled_count}: when that member restarts or fails, {loss}"
        )
    }

    fn help(&self) -> Option<String> {
        Some("run 3 members (a majority of 2 survives one failure), or keep the whole setup single-instance".into())
    }

    fn subject(&self) -> String {
        format!("{}/single", self.group)
    }
}

/// Something in the same file (or the same ClickHouse config) that runs
/// two or more instances: the setup is meant to survive a failure.
fn scaled_beside(
    model: &Model,
    file: FileId,
    origin: &Origin,
) -> Option<(String, i64, Option<Span>)> {
    for (wi, w) in model.indexed_workloads() {
        if w.meta.file != file || matches!(origin, Origin::Workload(x) if *x == wi) {
            continue;
        }
        // Another copy of the member's own workload (a variant of it) is not "elsewhere".
        if let Origin::Workload(x) = origin
            && let Some(m) = model.workloads.get(*x)
            && (m.kind, &m.namespace, &m.meta.name) == (w.kind, &w.namespace, &w.meta.name)
        {
            continue;
        }
        if let Some(e) = model.envelope(wi)
            && e.max.value >= 2
        {
            return Some((w.display(), e.max.value, e.max.source.span()));
        }
    }
    for s in model.compose_services.iter().filter(|s| s.file == file) {
        if let Some((n, at)) = s.instances()
            && n >= 2
        {
            return Some((format!("compose service `{}`", s.name), n, at));
        }
    }
    for cfg in &model.clickhouse {
        if !cfg.files.contains(&file) {
            continue;
        }
        for c in &cfg.clusters {
            if let Some(s) = c.shards.iter().find(|s| s.replicas.len() >= 2) {
                let n = i64::try_from(s.replicas.len()).unwrap_or(i64::MAX);
                return Some((format!("a shard of cluster `{}`", c.name), n, Some(s.span)));
            }
        }
    }
    None
}

pub fn check(model: &Model, out: &mut Findings) {
    for g in groups(model).iter() {
        if g.voters != 1 {
            continue;
        }
        let Some((scaled, scaled_count, at)) = scaled_beside(model, g.file(), &g.origin) else {
            continue;
        };
        let v = SingleQuorumMember {
            group: g.name.clone(),
            source: g.source.clone(),
            loss: g.system.loss(),
            scaled: scaled.clone(),
            scaled_count,
        };
        let f = out.report(v, g.span);
        if let Some(at) = at {
            f.related(at, format!("{scaled} runs {scaled_count}"));
        }
        for (span, msg) in &g.related {
            f.related(*span, msg.as_str());
        }
    }
}
