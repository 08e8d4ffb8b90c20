//! SL307 clickhouse-shard-single-replica. Docs: rules/clickhouse-shard-single-replica.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{coordination_configured, replicated_tables_visible};

pub struct ClickhouseShardSingleReplica {
    cluster: String,
    shards: usize,
    coordination: String,
    replicated: String,
}

impl Violation for ClickhouseShardSingleReplica {
    const RULE: Rule = Rule::ClickhouseShardSingleReplica;

    fn message(&self) -> String {
        let Self {
            cluster,
            shards,
            coordination,
            replicated,
        } = self;
        format!(
            "cluster `{cluster}` has {shards} shards of one replica each, while {coordination} and {replicated}: replicated tables have no second copy, so a lost server takes its shard's data with it"
        )
    }

    fn help(&self) -> Option<String> {
        Some("add a second <replica> to each shard (with internal_replication true), or use plain MergeTree if replication is not wanted".into())
    }

    fn subject(&self) -> String {
        format!("clickhouse/{}/single-replica", self.cluster)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    let (Some(coordination), Some(replicated)) = (
        coordination_configured(model),
        replicated_tables_visible(model),
    ) else {
        return;
    };
    for cfg in &model.clickhouse {
        for cluster in &cfg.clusters {
            let Some(first) = cluster.shards.first() else {
                continue;
            };
            if cluster.shards.len() < 2 || cluster.shards.iter().any(|s| s.replicas.len() != 1) {
                continue;
            }
            let v = ClickhouseShardSingleReplica {
                cluster: cluster.name.clone(),
                shards: cluster.shards.len(),
                coordination: coordination.0.clone(),
                replicated: replicated.0.clone(),
            };
            let f = out.report(v, first.span);
            if let Some(at) = coordination.1 {
                f.related(at, coordination.0.clone());
            }
            if let Some(at) = replicated.1 {
                f.related(at, replicated.0.clone());
            }
        }
    }
}
