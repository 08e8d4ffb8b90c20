//! SL109 replicas-not-spread. Docs: rules/replicas-not-spread.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{describe_envelope, replicas_text};

/// Topology keys that spread replicas over failure domains when used for
/// pod anti-affinity.
const SPREADING_KEYS: [&str; 4] = [
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];

pub struct ReplicasNotSpread {
    workload: String,
    replicas: String,
}

impl Violation for ReplicasNotSpread {
    const RULE: Rule = Rule::ReplicasNotSpread;

    fn message(&self) -> String {
        format!(
            "{} runs {} with neither topologySpreadConstraints nor pod anti-affinity on kubernetes.io/hostname or a zone: the scheduler may place them all on one node, and losing that node takes every replica down",
            self.workload, self.replicas
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "add topologySpreadConstraints with topologyKey: kubernetes.io/hostname (and one for topology.kubernetes.io/zone), maxSkew: 1, and a labelSelector matching the pod labels"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        self.workload.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        if !w.kind.rolls_out() {
            continue;
        }
        let spread = w.pod.spread_constraints
            || w.pod
                .anti_affinity_keys
                .iter()
                .any(|k| SPREADING_KEYS.contains(&k.as_str()));
        if spread {
            continue;
        }
        let Some(envelope) = model.envelope(wi) else {
            continue;
        };
        let min = envelope.min.value;
        if min < 2 {
            continue;
        }
        let at = w.replicas.span().unwrap_or(w.meta.kind_span);
        out.report(
            ReplicasNotSpread {
                workload: w.display(),
                replicas: if envelope.autoscaler.is_some() {
                    format!("at least {}", replicas_text(min, &envelope.min.source))
                } else {
                    describe_envelope(&envelope)
                },
            },
            at,
        );
    }
}
