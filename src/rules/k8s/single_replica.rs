//! SL110 single-replica. Docs: rules/single-replica.toml

use crate::extract::Val;
use crate::extract::k8s::WorkloadKind;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct SingleReplica {
    workload: String,
    written: bool,
}

impl Violation for SingleReplica {
    const RULE: Rule = Rule::SingleReplica;

    fn message(&self) -> String {
        format!(
            "{} serves traffic from a single pod ({}) and no autoscaler scales it: every rollout, node drain or crash is an outage",
            self.workload,
            if self.written {
                "replicas: 1"
            } else {
                "replicas unset, default 1"
            }
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "set replicas: 2 or more (or add an HPA with minReplicas: 2), so one pod keeps serving while another is replaced"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        self.workload.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
            continue;
        }
        if !model.links(wi).autoscalers.is_empty() || !model.is_served(wi) {
            continue;
        }
        let (at, written) = match w.replicas {
            Val::Set(1, span) => (span, true),
            Val::Absent => (w.meta.kind_span, false),
            _ => continue,
        };
        out.report(
            SingleReplica {
                workload: w.display(),
                written,
            },
            at,
        );
    }
}
