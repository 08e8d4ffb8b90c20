//! SL402 consumers-exceed-partitions. Docs: rules/consumers-exceed-partitions.toml

use std::collections::{BTreeMap, HashMap};

use crate::extract::autoscaling::ScalerKind;
use crate::extract::{Text, Val};
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
        /// The topic, or the group's topics joined with `+`.
        topic: String,
        /// The replicas the metric is held at.
        cap: i64,
        /// What the cap counts: `the 12 partitions of topic `orders``.
        counted: String,
        /// `limitToPartitionsWithLag` lowers the cap further at run time.
        with_lag: bool,
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
                cap,
                counted,
                with_lag,
                ..
            } => {
                let lag = if *with_lag {
                    ", and limitToPartitionsWithLag lowers it to the partitions with lag"
                } else {
                    ""
                };
                if max.value > cap.saturating_add(1) {
                    format!(
                        "{scaler}: maxReplicaCount {} ({}) can never be reached: unless allowIdleConsumers is set, KEDA's kafka scaler holds the lag metric at {counted}, so the HPA scales to {cap} replicas, up to {} (partitions + 1) by integer rounding, the extra one idle{lag}; the headroom planned above that does not exist",
                        max.value,
                        max.source,
                        cap.saturating_add(1),
                    )
                } else {
                    format!(
                        "{scaler}: maxReplicaCount {} ({}) is one more than the partitions: KEDA's kafka scaler holds the lag metric at {counted}{lag}, and the HPA reaches {} (partitions + 1) only by integer rounding; that consumer gets no partition and sits idle",
                        max.value, max.source, max.value,
                    )
                }
            }
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
            ConsumersExceedPartitions::Unreachable { cap, .. } => format!(
                "set maxReplicaCount to at most {cap} (the partitions the scaler counts), or add partitions if more consumers are needed"
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
    /// The cap's limits: `partitionLimitation`, `limitToPartitionsWithLag`.
    limits: CapLimits,
    /// `minReplicaCount`: the cap never takes the replicas below it.
    floor: i64,
}

/// What lowers KEDA's partition cap.
#[derive(Clone, Debug, Default)]
struct CapLimits {
    /// `partitionLimitation` as ranges of partition ids; `Some(None)` when
    /// it cannot be read (the cap is then unknown).
    partitions: Option<Option<Vec<(i64, i64)>>>,
    with_lag: bool,
}

impl CapLimits {
    /// The replicas the metric is held at for a topic of `partitions`, and
    /// what that counts; `None` when unknown.
    fn cap(&self, partitions: i64, topic: &str) -> Option<(i64, String)> {
        match &self.partitions {
            None => Some((
                partitions,
                format!("the {partitions} partitions of topic `{topic}`"),
            )),
            Some(None) => None,
            Some(Some(ranges)) => {
                let n = (0..partitions)
                    .filter(|p| ranges.iter().any(|(a, b)| a <= p && p <= b))
                    .count();
                let n = i64::try_from(n).ok()?;
                Some((
                    n,
                    format!(
                        "the {n} of {partitions} partitions of topic `{topic}` that partitionLimitation selects"
                    ),
                ))
            }
        }
    }
}

/// `1,2,10-20,31` → partition id ranges; `None` when unreadable.
fn partition_limitation(text: &str) -> Option<Vec<(i64, i64)>> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                (0 <= a && a <= b).then_some((a, b))
            }
            None => {
                let n: i64 = p.parse().ok()?;
                (n >= 0).then_some((n, n))
            }
        })
        .collect()
}

/// A KEDA kafka trigger type: the Sarama-based `kafka` and the
/// experimental `apache-kafka` share the partition cap.
fn is_kafka_trigger(source: &str) -> bool {
    matches!(source, "kafka" | "apache-kafka")
}

/// What a workload consumes, as it says itself: the annotation
/// `scalelint.io/consumes: topic[/group]`, else `KAFKA_TOPIC(S)` with a
/// group variable. `None` for members of a Kafka share group (KIP-932),
/// which partitions do not limit.
fn consumption(
    w: &crate::extract::k8s::Workload,
    cm_index: &HashMap<(Text, Text), &crate::extract::capacity::ConfigMap>,
) -> Option<(Vec<String>, String, Span)> {
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
    // Each container's environment, built once for both questions.
    let envs: Vec<_> = w
        .pod
        .running_containers()
        .map(|c| (c, container_env(c, &w.namespace, cm_index)))
        .collect();
    let share_group = envs.iter().any(|(c, env)| {
        let share_var = env.iter().any(|(k, v)| {
            k.contains("SHARE_GROUP")
                || (k.ends_with("GROUP_TYPE")
                    && v.as_ref()
                        .is_some_and(|(v, _)| v.trim().eq_ignore_ascii_case("share")))
        });
        share_var
            || c.command
                .iter()
                .chain(&c.args)
                .any(|a| a.contains("kafka-console-share-consumer"))
    });
    if share_group {
        return None;
    }
    let from_env = || {
        envs.iter().find_map(|(_, env)| {
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
                let mut names: Vec<&Text> = env
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
    declared.or_else(from_env)
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
    // Kafka triggers without a topic: scaler, max, where, group, target.
    let mut topicless: Vec<(String, Term, Span, String, Option<usize>)> = Vec::new();
    for (ai, a) in model.autoscalers.iter().enumerate() {
        if a.kind != ScalerKind::ScaledObject {
            continue;
        }
        // Several triggers (even two kafka ones on different topics) take
        // the highest replica count: one trigger's cap does not hold.
        let only_kafka =
            a.metrics.len() == 1 && a.metrics.iter().all(|m| is_kafka_trigger(&m.source));
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
        for m in a.metrics.iter().filter(|m| is_kafka_trigger(&m.source)) {
            let meta = |k: &str| {
                m.metadata
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .map(|(_, v, _)| v.as_str())
            };
            let Some(group) = meta("consumerGroup").filter(|g| !g.contains('$')) else {
                continue;
            };
            let flag = |k: &str| meta(k).is_some_and(|v| v.trim() == "true");
            let allow_idle = flag("allowIdleConsumers");
            let limits = CapLimits {
                partitions: meta("partitionLimitation").map(partition_limitation),
                with_lag: flag("limitToPartitionsWithLag"),
            };
            // KEDA refuses this combination: nothing to judge.
            if allow_idle && limits.with_lag {
                continue;
            }
            // The cap is on the metric: it holds only with AverageValue.
            let average = m.metric_type.as_deref().is_none_or(|t| t == "AverageValue");
            let capped = !allow_idle && average && only_kafka && !other_scalers;
            let Some(topic) = meta("topic") else {
                // Without a topic the cap is the partitions of all the
                // group's topics: judged when the target says which.
                if capped
                    && conc.as_ref().is_none_or(|t| t.value == 1)
                    && limits.partitions.is_none()
                {
                    topicless.push((
                        a.display(),
                        max.clone(),
                        max_span,
                        group.to_string(),
                        workload,
                    ));
                }
                continue;
            };
            if topic.contains('$') {
                continue;
            }
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
                    limits,
                    floor: a.min.get().unwrap_or(0),
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
        .filter(|(_, a)| a.metrics.iter().any(|m| is_kafka_trigger(&m.source)))
        .filter_map(|(ai, _)| model.autoscaler_targets.get(ai).copied().flatten())
        .collect();
    for (wi, w) in model.indexed_workloads() {
        if keda_targets.contains(&wi) {
            continue;
        }
        let Some(envelope) = model.envelope(wi) else {
            continue;
        };
        let Some((topic_names, group, span)) = consumption(w, &cm_index) else {
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
                    limits: CapLimits::default(),
                    floor: 0,
                });
        }
    }

    for ((topic, group), consumers) in &groups {
        let Some(Some((partitions, partitions_span))) = topics.get(topic.as_str()).copied() else {
            continue;
        };
        // A capped consumer never runs more replicas than its cap (the
        // rounding's extra replica aside).
        // What each consumer adds, and how that reads.
        let shares: Vec<(i64, String)> = consumers
            .iter()
            .map(|c| {
                let Some((scaler, _)) = &c.capped else {
                    return (c.instances, c.text.clone());
                };
                let cap = c.limits.cap(partitions, topic).map_or(partitions, |(n, _)| n);
                let n = c.instances.min(cap.max(c.floor));
                if n == c.instances {
                    (n, c.text.clone())
                } else if c.floor > cap {
                    let text = format!(
                        "{n} replicas at least (minReplicaCount of {scaler}, above the {cap} KEDA's kafka cap holds the metric at)"
                    );
                    (n, text)
                } else {
                    (n, format!("{n} replicas ({scaler}, held at the partitions by KEDA's kafka cap)"))
                }
            })
            .collect();
        let total = shares
            .iter()
            .fold(0i64, |sum, (n, _)| sum.saturating_add(*n));
        if total > partitions {
            for c in consumers {
                out.report(
                    ConsumersExceedPartitions::Idle {
                        group: group.clone(),
                        topic: topic.clone(),
                        consumers: shares.iter().map(|(_, t)| t.clone()).collect(),
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
            let Some((cap, counted)) = c.limits.cap(partitions, topic) else {
                continue;
            };
            // Integer rounding lets the HPA reach one more than the cap: a
            // maximum of cap + 1 is reached, with one consumer idle.
            if max.value > cap {
                out.report(
                    ConsumersExceedPartitions::Unreachable {
                        scaler: scaler.clone(),
                        max: max.clone(),
                        topic: topic.clone(),
                        cap,
                        counted,
                        with_lag: c.limits.with_lag,
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
    for (scaler, max, span, group, workload) in topicless {
        // The group's topics are the ones its target says it consumes.
        let Some((names, g, _)) = workload
            .and_then(|wi| model.workloads.get(wi))
            .and_then(|w| consumption(w, &cm_index))
        else {
            continue;
        };
        if g != group || names.is_empty() {
            continue;
        }
        let Some(parts) = names
            .iter()
            .map(|t| topics.get(t.as_str()).copied().flatten())
            .collect::<Option<Vec<(i64, Span)>>>()
        else {
            continue;
        };
        let cap = parts
            .iter()
            .fold(0i64, |sum, (n, _)| sum.saturating_add(*n));
        if max.value <= cap {
            continue;
        }
        let listed: Vec<String> = names
            .iter()
            .zip(&parts)
            .map(|(t, (n, _))| format!("`{t}` ({n})"))
            .collect();
        let f = out.report(
            ConsumersExceedPartitions::Unreachable {
                scaler,
                max,
                topic: names.join("+"),
                cap,
                counted: format!(
                    "the {cap} partitions of all topics of group `{group}` ({}), as the trigger names no topic",
                    listed.join(", ")
                ),
                with_lag: false,
            },
            span,
        );
        for (t, (n, at)) in names.iter().zip(&parts) {
            f.related_edit(*at, format!("{n} partitions of `{t}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_limitations() {
        assert_eq!(
            partition_limitation("1,2,10-20,31"),
            Some(vec![(1, 1), (2, 2), (10, 20), (31, 31)])
        );
        assert_eq!(partition_limitation("20-10"), None);
        assert_eq!(partition_limitation("x"), None);
        let limits = CapLimits {
            partitions: Some(partition_limitation("0-3,40")),
            with_lag: false,
        };
        assert_eq!(limits.cap(12, "t").map(|c| c.0), Some(4));
        assert_eq!(CapLimits::default().cap(12, "t").map(|c| c.0), Some(12));
    }
}
