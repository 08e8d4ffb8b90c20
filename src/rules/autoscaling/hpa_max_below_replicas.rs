//! SL210 hpa-max-below-replicas. Docs: rules/hpa-max-below-replicas.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct HpaMaxBelowReplicas {
    autoscaler: String,
    max_field: &'static str,
    max: i64,
    workload: String,
    replicas: i64,
}

impl Violation for HpaMaxBelowReplicas {
    const RULE: Rule = Rule::HpaMaxBelowReplicas;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            max_field,
            max,
            workload,
            replicas,
        } = self;
        format!(
            "{autoscaler} has {max_field} {max}, below spec.replicas {replicas} of {workload}: on its next reconcile the autoscaler cuts the workload to {max} pods, and every apply raises it to {replicas} again"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "raise {} to at least the capacity the workload was sized for ({}), and remove spec.replicas from the workload so the autoscaler owns the count",
            self.max_field, self.replicas
        ))
    }

    fn subject(&self) -> String {
        format!("{}/max", self.autoscaler)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (ai, a) in model.autoscalers.iter().enumerate() {
        let Some(&Some(wi)) = model.autoscaler_targets.get(ai) else {
            continue;
        };
        let Some(w) = model.workloads.get(wi) else {
            continue;
        };
        // Only a written maximum: KEDA's default 100 is SL208's concern.
        if let (Val::Set(max, at), Val::Set(replicas, replicas_at)) = (a.max, w.replicas)
            && max < replicas
        {
            let v = HpaMaxBelowReplicas {
                autoscaler: a.display(),
                max_field: a.max_field(),
                max,
                workload: w.display(),
                replicas,
            };
            out.report(v, at).related(
                replicas_at,
                format!("spec.replicas {replicas} of {}", w.display()),
            );
        }
    }
}
