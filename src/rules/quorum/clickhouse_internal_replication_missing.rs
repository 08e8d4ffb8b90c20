//! SL306 clickhouse-internal-replication-missing. Docs: rules/clickhouse-internal-replication-missing.toml

use crate::extract::Val;
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

use super::replication_in_play;

pub struct ClickhouseInternalReplicationMissing {
    cluster: String,
    shard: usize,
    replicas: usize,
    /// `absent` or `false`.
    setting: &'static str,
    /// What shows replication is in play, when something does.
    replication: Option<String>,
}

impl Violation for ClickhouseInternalReplicationMissing {
    const RULE: Rule = Rule::ClickhouseInternalReplicationMissing;

    fn message(&self) -> String {
        let Self {
            cluster,
            shard,
            replicas,
            setting,
            replication,
        } = self;
        let head = format!(
            "shard {shard} of cluster `{cluster}` has {replicas} replicas and internal_replication {setting}: a Distributed table writes every row to all {replicas} replicas itself"
        );
        match replication {
            Some(why) => format!(
                "{head}, while {why}: ReplicatedMergeTree tables replicate the same rows again, so writes are doubled and duplicates possible"
            ),
            None => format!(
                "{head}; with plain MergeTree that is the only replication, and a replica that misses a write is never repaired, so replicas can drift"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self.replication {
            Some(_) => "set <internal_replication>true</internal_replication> in the shard: the Distributed table then writes to one healthy replica and ReplicatedMergeTree copies the data".into(),
            None => "use ReplicatedMergeTree tables with <internal_replication>true</internal_replication>, or keep one replica per shard".into(),
        })
    }

    fn subject(&self) -> String {
        format!("clickhouse/{}/shard{}", self.cluster, self.shard)
    }

    fn severity(&self) -> Option<Severity> {
        self.replication.is_none().then_some(Severity::Note)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    let replication: Option<(String, Option<Span>)> = replication_in_play(model);
    for cfg in &model.clickhouse {
        for cluster in &cfg.clusters {
            for (i, shard) in cluster.shards.iter().enumerate() {
                if shard.replicas.len() < 2 {
                    continue;
                }
                let setting = match shard.internal_replication {
                    Val::Absent => "absent (default false)",
                    Val::Set(false, _) => "false",
                    _ => continue,
                };
                let v = ClickhouseInternalReplicationMissing {
                    cluster: cluster.name.clone(),
                    shard: i + 1,
                    replicas: shard.replicas.len(),
                    setting,
                    replication: replication.as_ref().map(|r| r.0.clone()),
                };
                let f = out.report(v, shard.span);
                if let Val::Set(false, at) = shard.internal_replication {
                    f.related(at, "internal_replication false");
                }
                if let Some((why, Some(at))) = &replication {
                    f.related(*at, why.clone());
                }
            }
        }
    }
}
