//! SL3xx: quorum and high availability.
//!
//! `groups` finds the consensus groups of the tree once for every rule,
//! `sentinels` counts the sentinels behind each sentinel.conf; the quorum
//! arithmetic and the signs of ClickHouse replication live here.

pub mod clickhouse_internal_replication_missing;
pub mod clickhouse_shard_single_replica;
pub mod even_quorum_members;
mod groups;
pub mod pdb_allows_quorum_loss;
pub mod sentinel_config_shared;
pub mod sentinel_down_after_too_low;
pub mod sentinel_quorum_below_majority;
pub mod sentinel_quorum_unreachable;
mod sentinels;
pub mod single_quorum_member;

pub use groups::{Group, Origin, System, container_system, groups, recognise, service_system};
pub use sentinels::{
    MountUse, SentinelCount, config_maps_of, mount_use, sentinel_config_path, sentinel_count,
    sentinels,
};

use groups::workload_system;

use crate::model::Model;
use crate::source::Span;

/// ZooKeeper or Keeper configured for ClickHouse somewhere in the tree:
/// what it is and where.
pub fn coordination_configured(model: &Model) -> Option<(String, Option<Span>)> {
    model.clickhouse.iter().find_map(|c| {
        if !c.zookeeper.is_empty() {
            let n = c.zookeeper.len();
            return Some((
                format!("ZooKeeper/Keeper is configured (<zookeeper> with {n} node(s))"),
                c.zookeeper_span,
            ));
        }
        (!c.keeper.is_empty()).then(|| {
            (
                format!(
                    "ClickHouse Keeper is configured (raft group of {} server(s))",
                    c.keeper.len()
                ),
                c.keeper_span,
            )
        })
    })
}

/// Replicated* tables visible in the tree: a ClickHouse config that names a
/// Replicated engine or sets `default_replica_path`.
pub fn replicated_tables_visible(model: &Model) -> Option<(String, Option<Span>)> {
    if let Some(at) = model.replicated_tables.first() {
        return Some((
            "SQL in the tree creates Replicated* tables".to_string(),
            Some(*at),
        ));
    }
    model
        .clickhouse
        .iter()
        .any(|c| c.mentions_replicated)
        .then(|| {
            (
                "a ClickHouse config names a Replicated* table engine".to_string(),
                None,
            )
        })
}

/// Signs that ReplicatedMergeTree is in use.
pub fn replication_in_play(model: &Model) -> Option<(String, Option<Span>)> {
    coordination_configured(model).or_else(|| replicated_tables_visible(model))
}

/// Failures a group of `n` voters survives.
pub fn tolerated(n: i64) -> i64 {
    (n.max(1) - 1) / 2
}

pub fn failures(n: i64) -> String {
    if n == 1 {
        "1 failure".into()
    } else {
        format!("{n} failures")
    }
}

/// Votes a majority of `n` needs.
pub fn majority(n: i64) -> i64 {
    n / 2 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        assert_eq!(
            (tolerated(2), tolerated(3), tolerated(4), tolerated(5)),
            (0, 1, 1, 2)
        );
        assert_eq!(
            (majority(2), majority(3), majority(4), majority(5)),
            (2, 2, 3, 3)
        );
    }
}
