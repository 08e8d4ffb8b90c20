//! SL308 replication-factor-one. Docs: rules/replication-factor-one.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{KAFKA_DEFAULT, cluster_of};

pub struct ReplicationFactorOne {
    subject: String,
    what: String,
    consequence: &'static str,
    fix: String,
}

const KAFKA_LOSS: &str = "one broker restart, drain or disk loss makes it unavailable, and losing that broker loses the data";

impl Violation for ReplicationFactorOne {
    const RULE: Rule = Rule::ReplicationFactorOne;

    fn message(&self) -> String {
        format!("{}: {}", self.what, self.consequence)
    }

    fn help(&self) -> Option<String> {
        Some(self.fix.clone())
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (c, brokers) in &model.capacity.kafka_clusters {
        // With one broker, one copy is all there can be.
        let Some(brokers) = brokers.filter(|b| *b >= 2) else {
            continue;
        };
        let cluster = c.meta.display(&c.namespace);
        for (key, val) in [
            ("default.replication.factor", c.default_replication_factor),
            (
                "offsets.topic.replication.factor",
                c.offsets_replication_factor,
            ),
        ] {
            if let Val::Set(1, span) = val {
                out.report(
                    ReplicationFactorOne {
                        subject: format!("{cluster}/{key}"),
                        what: format!("{cluster} sets {key}: 1 on {brokers} brokers"),
                        consequence: if key.starts_with("offsets") {
                            "the consumer offsets live on one broker, so losing it stops every consumer group"
                        } else {
                            "topics created without a replication factor get one copy; one broker restart, drain or disk loss makes them unavailable"
                        },
                        fix: format!("set {key}: 3 (at most the {brokers} brokers)"),
                    },
                    span,
                );
            }
        }
    }
    for t in &model.capacity.topics {
        let cluster = cluster_of(model, t);
        let brokers = cluster.and_then(|(_, b)| *b);
        if brokers.is_some_and(|b| b < 2) {
            continue;
        }
        let topic = format!("KafkaTopic {}", t.meta.name);
        match t.replicas {
            Val::Set(1, span) => {
                out.report(
                    ReplicationFactorOne {
                        subject: format!("{topic}/replicas"),
                        what: format!("{topic} (topic `{}`) has replicas: 1", t.topic),
                        consequence: KAFKA_LOSS,
                        fix: "set spec.replicas: 3 (and min.insync.replicas: 2)".to_string(),
                    },
                    span,
                );
            }
            Val::Absent => {
                // The cluster's default applies; only judged when the cluster is known.
                let Some((c, _)) = cluster else { continue };
                let (rf, from) = match c.default_replication_factor {
                    Val::Set(n, _) => (n, "its default.replication.factor"),
                    Val::Absent => (
                        KAFKA_DEFAULT,
                        "Kafka's default.replication.factor, 1, as the cluster sets none",
                    ),
                    Val::Invalid(_) => continue,
                };
                if rf != 1 {
                    continue;
                }
                let f = out.report(
                    ReplicationFactorOne {
                        subject: format!("{topic}/replicas"),
                        what: format!(
                            "{topic} (topic `{}`) sets no replicas, so it gets {from} of {}",
                            t.topic,
                            c.meta.display(&c.namespace)
                        ),
                        consequence: KAFKA_LOSS,
                        fix: "set spec.replicas: 3 on the topic, or default.replication.factor: 3 on the cluster".to_string(),
                    },
                    t.spec_key,
                );
                if let Some(span) = c.default_replication_factor.span() {
                    f.related_edit(span, "default.replication.factor: 1");
                } else {
                    f.related(
                        c.meta.kind_span,
                        "the Kafka cluster, without default.replication.factor",
                    );
                }
            }
            _ => {}
        }
    }
    for t in &model.capacity.created_topics {
        if t.factor != 1 {
            continue;
        }
        // A cluster of one broker can hold one copy only.
        let brokers = t.brokers.clone().or_else(|| {
            let (name, ns) = t.strimzi.as_ref()?;
            let (c, b) = model
                .capacity
                .kafka_clusters
                .iter()
                .find(|(c, _)| c.meta.name == *name && c.namespace == *ns)?;
            Some(((*b)?, c.meta.display(&c.namespace)))
        });
        if brokers.as_ref().is_some_and(|(b, _)| *b < 2) {
            continue;
        }
        let on = brokers.map_or(String::new(), |(b, what)| {
            format!(" on a cluster of {b} brokers ({what})")
        });
        out.report(
            ReplicationFactorOne {
                subject: format!("{}/topic/{}/replication-factor", t.who, t.topic),
                what: format!(
                    "{} creates topic `{}` with `{} 1`{on}",
                    t.who, t.topic, t.flag
                ),
                consequence: KAFKA_LOSS,
                fix: format!(
                    "create the topic with `{} 3` (and min.insync.replicas=2); a topic that exists already keeps its factor until its partitions are reassigned",
                    t.flag
                ),
            },
            t.span,
        );
    }
    for d in &model.capacity.databases {
        if d.kind != crate::extract::capacity::DatabaseKind::Cnpg {
            continue;
        }
        let cluster = d.meta.display(&d.namespace);
        let (at, written) = match d.instances {
            Val::Set(1, span) => (span, "instances: 1"),
            Val::Absent => (d.meta.kind_span, "no instances (default 1)"),
            _ => continue,
        };
        out.report(
            ReplicationFactorOne {
                subject: format!("{cluster}/instances"),
                what: format!("{cluster} has {written}"),
                consequence: "a single PostgreSQL instance has no standby: a node drain, an upgrade or a crash is downtime, and a lost volume loses the data",
                fix: "set instances: 3 (a primary and two standbys), or 2 at least".to_string(),
            },
            at,
        );
    }
}
