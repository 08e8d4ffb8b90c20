//! SL402 consumers-exceed-partitions. Docs: rules/consumers-exceed-partitions.toml

use std::collections::{BTreeMap, HashMap};

use crate::extract::Val;
use crate::extract::autoscaling::ScalerKind;
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::model::capacity::{Term, container_env, parse_count};
use crate::rules::Rule;
use crate::source::Span;

/// KEDA's `maxReplicaCount` default.
const KEDA_MAX: i64 = 100;

/// The annotation that names what a workload consumes: `topic[/group]`
/// (the group defaults to the workload's name).
pub const CONSUMES_ANNOTATION: &str = "scalelint.io/consumes";

/// Listener concurrency variables (consumers per process).
const CONCURRENCY_VARS: [&str; 4] = [
    "SPRING_KAFKA_LISTENER_CONCURRENCY",
    "KAFKA_LISTENER_CONCURRENCY",
    "KAFKA_CONSUMER_CONCURRENCY",
    "KAFKA_CONCURRENCY",
];

pub enum ConsumersExceedPartitions {
    /// KEDA caps replicas at the partition count: the maximum is never reached.
    Unreachable {
        scaler: String,
        max: Term,
        topic: String,
        partitions: i64,
    },
    /// More consumers than partitions can run.
    Idle {
        group: String,
        topic: String,
        consumers: Vec<String>,
        total: i64,
        partitions: i64,
        subject: String,
    },
}

impl Violation for ConsumersExceedPartitions {
    const RULE: Rule = Rule::ConsumersExceedPartitions;

    fn message(&self) -> String {
        match self {
            ConsumersExceedPartitions::Unreachable {
                scaler,
                max,
                topic,
                partitions,
            } => format!(
                "{scaler}: maxReplicaCount {} ({}) is above the {partitions} partitions of topic `{topic}`: KEDA's kafka scaler holds the lag metric at the partition count unless allowIdleConsumers is set, so it scales to {partitions} replicas (up to {} by rounding, the extra one idle) and the headroom planned above {partitions} does not exist",
                max.value,
                max.source,
                partitions.saturating_add(1)
            ),
            ConsumersExceedPartitions::Idle {
                group,
                topic,
                consumers,
                total,
                partitions,
                ..
            } => format!(
                "consumer group `{group}` on topic `{topic}`: {} = {total} consumers > {partitions} partitions: {} of them get no partition and sit idle, pods that cost capacity but cannot reduce the lag",
                consumers.join(" + "),
                total.saturating_sub(*partitions)
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            ConsumersExceedPartitions::Unreachable { partitions, .. } => format!(
                "set maxReplicaCount to at most {partitions} (the partitions), or add partitions to the topic if more consumers are needed"
            ),
            ConsumersExceedPartitions::Idle { partitions, .. } => format!(
                "cap the consumers at {partitions} (max replicas × listener concurrency), or raise the topic's partitions"
            ),
        })
    }

    fn subject(&self) -> String {
        match self {
            ConsumersExceedPartitions::Unreachable { scaler, topic, .. } => {
                format!("{scaler}/topic/{topic}")
            }
            ConsumersExceedPartitions::Idle { subject, .. } => subject.clone(),
        }
    }

    fn severity(&self) -> Option<Severity> {
        match self {
            ConsumersExceedPartitions::Unreachable { .. } => Some(Severity::Note),
            ConsumersExceedPartitions::Idle { .. } => None,
        }
    }
}

/// One consumer of a group: its instances and where to report it.
struct Consumer {
    text: String,
    instances: i64,
    span: Span,
    /// KEDA's partition cap holds and is the only driver: the scaler's
    /// display and max, with concurrency 1.
    capped: Option<(String, Term)>,
}

pub fn check(model: &Model, out: &mut Findings) {
    // Topic name → partitions and their key; names declared with different
    // partition counts are ambiguous and left out.
    let mut topics: HashMap<&str, Option<(i64, Span)>> = HashMap::new();
    for t in &model.capacity.topics {
        let Some(p) = t.partitions else { continue };
        topics
            .entry(t.topic.as_str())
            .and_modify(|e| {
                if e.is_some_and(|(n, _)| n != p.0) {
                    *e = None;
                }
            })
            .or_insert(Some(p));
    }
    if topics.is_empty() {
        return;
    }
    let cm_index = model
        .capacity_config_maps()
        .map(|c| ((c.namespace.clone(), c.meta.name.clone()), c))
        .collect();
    let concurrency = |wi: usize| -> Option<Term> {
        let w = model.workloads.get(wi)?;
        w.pod.running_containers().find_map(|c| {
            let env = container_env(c, &w.namespace, &cm_index);
            CONCURRENCY_VARS.iter().find_map(|var| {
                let (v, span) = env.get(*var)?.as_ref()?;
                Some(Term {
                    value: parse_count(v)?,
                    source: (*var).to_string(),
                    span: Some(*span),
                })
            })
        })
    };

    // (topic, group) → consumers, in path order.
    let mut groups: BTreeMap<(String, String), Vec<Consumer>> = BTreeMap::new();
    for (ai, a) in model.autoscalers.iter().enumerate() {
        if a.kind != ScalerKind::ScaledObject {
            continue;
        }
        let only_kafka = a.metrics.iter().all(|m| m.source == "kafka");
        let workload = model.autoscaler_targets.get(ai).copied().flatten();
        let other_scalers = workload.is_some_and(|wi| model.autoscalers_of(wi).count() > 1);
        let (max, max_span) = match a.max {
            Val::Set(n, span) => (
                Term {
                    value: n,
                    source: "maxReplicaCount".into(),
                    span: Some(span),
                },
                span,
            ),
            Val::Absent => (
                Term {
                    value: KEDA_MAX,
                    source: "maxReplicaCount, KEDA default".into(),
                    span: None,
                },
                a.spec_key,
            ),
            Val::Invalid(_) => continue,
        };
        let conc = workload.and_then(concurrency);
        for m in a.metrics.iter().filter(|m| m.source == "kafka") {
            let meta = |k: &str| {
                m.metadata
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .map(|(_, v, _)| v.as_str())
            };
            // Without a topic the cap spans every topic of the group: not judged.
            let (Some(topic), Some(group)) = (meta("topic"), meta("consumerGroup")) else {
                continue;
            };
            if topic.contains('$') || group.contains('$') {
                continue;
            }
            let allow_idle = meta("allowIdleConsumers").is_some_and(|v| v.trim() == "true");
            let average = m.metric_type.as_deref().is_none_or(|t| t == "AverageValue");
            let capped = !allow_idle && average && only_kafka && !other_scalers;
            let c = conc.as_ref().map_or(1, |t| t.value);
            let mut text = format!(
                "{} max replicas ({} of {})",
                max.value,
                max.source,
                a.display()
            );
            if let Some(t) = &conc {
                text = format!("{text} × {} ({})", t.value, t.source);
            }
            groups
                .entry((topic.to_string(), group.to_string()))
                .or_default()
                .push(Consumer {
                    text,
                    instances: max.value.saturating_mul(c),
                    span: max_span,
                    capped: (capped && c == 1).then(|| (a.display(), max.clone())),
                });
        }
    }

    // Consumers that no KEDA kafka trigger describes: the annotation
    // `scalelint.io/consumes: topic[/group]`, else `KAFKA_TOPIC(S)` with a
    // group variable, at the workload's max replicas.
    let keda_targets: std::collections::HashSet<usize> = model
        .autoscalers
        .iter()
        .enumerate()
        .filter(|(_, a)| a.metrics.iter().any(|m| m.source == "kafka"))
        .filter_map(|(ai, _)| model.autoscaler_targets.get(ai).copied().flatten())
        .collect();
    for (wi, w) in model.indexed_workloads() {
        if keda_targets.contains(&wi) {
            continue;
        }
        let Some(envelope) = model.envelope(wi) else {
            continue;
        };
        let declared = w
            .meta
            .annotations
            .iter()
            .find(|(k, _)| k == CONSUMES_ANNOTATION)
            .map(|(_, v)| {
                let (topic, group) = v
                    .split_once('/')
                    .unwrap_or((v.as_str(), w.meta.name.as_str()));
                (
                    vec![topic.trim().to_string()],
                    group.trim().to_string(),
                    w.meta.kind_span,
                )
            });
        let from_env = || {
            w.pod.running_containers().find_map(|c| {
                let env = container_env(c, &w.namespace, &cm_index);
                let value = |names: &[&str]| {
                    names
                        .iter()
                        .find_map(|n| env.get(*n)?.as_ref().map(|(v, s)| (v.clone(), *s)))
                };
                let (topics, span) = value(&["KAFKA_TOPIC", "KAFKA_TOPICS"])?;
                let group = value(&[
                    "KAFKA_GROUP_ID",
                    "KAFKA_CONSUMER_GROUP",
                    "SPRING_KAFKA_CONSUMER_GROUP_ID",
                ])
                .map(|(g, _)| g)
                .or_else(|| {
                    let mut names: Vec<&String> = env
                        .keys()
                        .filter(|k| k.ends_with("_CONSUMER_GROUP"))
                        .collect();
                    names.sort();
                    names
                        .first()
                        .and_then(|n| env.get(*n)?.as_ref().map(|(v, _)| v.clone()))
                })?;
                let topics = topics
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
                Some((topics, group.trim().to_string(), span))
            })
        };
        let Some((topic_names, group, span)) = declared.or_else(from_env) else {
            continue;
        };
        if group.is_empty() || group.contains('$') {
            continue;
        }
        let conc = concurrency(wi);
        let c = conc.as_ref().map_or(1, |t| t.value);
        let max = envelope.max.value;
        let mut text = format!("{max} max replicas ({})", envelope.max.source.describe());
        if let Some(t) = &conc {
            text = format!("{text} × {} ({})", t.value, t.source);
        }
        for topic in topic_names.into_iter().filter(|t| !t.contains('$')) {
            groups
                .entry((topic, group.clone()))
                .or_default()
                .push(Consumer {
                    text: text.clone(),
                    instances: max.saturating_mul(c),
                    span,
                    capped: None,
                });
        }
    }

    for ((topic, group), consumers) in &groups {
        let Some(Some((partitions, partitions_span))) = topics.get(topic.as_str()).copied() else {
            continue;
        };
        // A capped consumer never runs more replicas than partitions.
        let total = consumers.iter().fold(0i64, |sum, c| {
            let n = if c.capped.is_some() {
                c.instances.min(partitions)
            } else {
                c.instances
            };
            sum.saturating_add(n)
        });
        if total > partitions {
            for c in consumers {
                out.report(
                    ConsumersExceedPartitions::Idle {
                        group: group.clone(),
                        topic: topic.clone(),
                        consumers: consumers.iter().map(|c| c.text.clone()).collect(),
                        total,
                        partitions,
                        subject: format!("topic/{topic}/group/{group}"),
                    },
                    c.span,
                )
                .related_edit(
                    partitions_span,
                    format!("{partitions} partitions of `{topic}`"),
                );
            }
            continue;
        }
        for c in consumers {
            let Some((scaler, max)) = &c.capped else {
                continue;
            };
            if max.value > partitions {
                out.report(
                    ConsumersExceedPartitions::Unreachable {
                        scaler: scaler.clone(),
                        max: max.clone(),
                        topic: topic.clone(),
                        partitions,
                    },
                    c.span,
                )
                .related_edit(
                    partitions_span,
                    format!("{partitions} partitions of `{topic}`"),
                );
            }
        }
    }
}
