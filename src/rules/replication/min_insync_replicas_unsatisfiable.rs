//! SL309 min-insync-replicas-unsatisfiable. Docs: rules/min-insync-replicas-unsatisfiable.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{KAFKA_DEFAULT, cluster_of};

pub struct MinInsyncReplicasUnsatisfiable {
    subject: String,
    owner: String,
    min_insync: i64,
    rf: i64,
    rf_from: String,
}

impl Violation for MinInsyncReplicasUnsatisfiable {
    const RULE: Rule = Rule::MinInsyncReplicasUnsatisfiable;

    fn message(&self) -> String {
        let (m, rf) = (self.min_insync, self.rf);
        let state = if m > rf {
            "can never be met: producers with acks=all fail on every write".to_string()
        } else {
            "needs every replica in sync: producers with acks=all fail as soon as one broker is down (a restart, a drain, a rolling upgrade)".to_string()
        };
        format!(
            "{} requires min.insync.replicas {m} with a replication factor of {rf} ({}): that {state}",
            self.owner, self.rf_from
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "keep min.insync.replicas at most replication factor − 1 (for example 2 with 3 replicas); here at most {}",
            (self.rf - 1).max(1)
        ))
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    // Cluster-wide settings, which topics without their own inherit.
    for (c, _) in &model.capacity.kafka_clusters {
        let Val::Set(m, span) = c.min_insync else {
            continue;
        };
        let (rf, rf_from) = match c.default_replication_factor {
            Val::Set(n, _) => (n, "default.replication.factor".to_string()),
            Val::Absent => (
                KAFKA_DEFAULT,
                "default.replication.factor, Kafka's default".to_string(),
            ),
            Val::Invalid(_) => continue,
        };
        // With one copy, min.insync.replicas 1 adds nothing: SL308 reports the factor.
        if m >= rf && m > 1 {
            let owner = c.meta.display(&c.namespace);
            out.report(
                MinInsyncReplicasUnsatisfiable {
                    subject: format!("{owner}/min.insync.replicas"),
                    owner,
                    min_insync: m,
                    rf,
                    rf_from,
                },
                span,
            );
        }
    }
    // Topics that set their own replicas or min.insync.replicas.
    for t in &model.capacity.topics {
        let cluster = cluster_of(model, t).map(|(c, _)| c);
        // Where to point, and the inherited setting when it is the cluster's.
        let (m, span, inherited) = match t.min_insync {
            Val::Set(m, span) => (m, span, None),
            Val::Absent => match (cluster.map(|c| c.min_insync), t.replicas) {
                // The cluster's min.insync.replicas against the topic's own factor.
                (Some(Val::Set(m, cluster_span)), Val::Set(_, replicas_span)) => {
                    (m, replicas_span, Some(cluster_span))
                }
                _ => continue,
            },
            Val::Invalid(_) => continue,
        };
        let (rf, rf_from) = match t.replicas {
            Val::Set(n, _) => (n, "spec.replicas".to_string()),
            Val::Absent => match cluster.map(|c| c.default_replication_factor) {
                Some(Val::Set(n, _)) => (n, "the cluster's default.replication.factor".to_string()),
                Some(Val::Absent) => (
                    KAFKA_DEFAULT,
                    "Kafka's default replication factor".to_string(),
                ),
                _ => continue,
            },
            Val::Invalid(_) => continue,
        };
        // With one copy, min.insync.replicas 1 adds nothing: SL308 reports the factor.
        if m >= rf && m > 1 {
            let owner = format!("KafkaTopic {} (topic `{}`)", t.meta.name, t.topic);
            let f = out.report(
                MinInsyncReplicasUnsatisfiable {
                    subject: format!("KafkaTopic {}/min.insync.replicas", t.meta.name),
                    owner,
                    min_insync: m,
                    rf,
                    rf_from,
                },
                span,
            );
            match inherited {
                Some(c) => {
                    f.related_edit(c, format!("min.insync.replicas: {m} of the cluster"));
                }
                None => {
                    if let Some(r) = t.replicas.span() {
                        f.related_edit(r, format!("replicas: {rf}"));
                    }
                }
            }
        }
    }
}
