//! SL308–SL309: replication of Kafka topics and PostgreSQL clusters.

pub mod min_insync_replicas_unsatisfiable;
pub mod replication_factor_one;

use crate::extract::capacity::{KafkaCluster, KafkaTopic};
use crate::model::Model;

/// Kafka's default for `default.replication.factor` and `min.insync.replicas`.
pub const KAFKA_DEFAULT: i64 = 1;

/// The Strimzi cluster a topic belongs to (by its `strimzi.io/cluster`
/// label), with its broker count; `None` when it is not in the tree or the
/// name is ambiguous.
pub fn cluster_of<'m>(
    model: &'m Model,
    topic: &KafkaTopic,
) -> Option<&'m (KafkaCluster, Option<i64>)> {
    let name = topic.cluster.as_deref()?;
    let mut found = model
        .capacity
        .kafka_clusters
        .iter()
        .filter(|(c, _)| c.meta.name == name)
        .filter(|(c, _)| {
            topic
                .meta
                .namespace
                .as_deref()
                .is_none_or(|ns| ns == c.namespace)
        });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}
