//! SL212 keda-scale-to-zero-on-resource-only. Docs: rules/keda-scale-to-zero-on-resource-only.toml

use crate::extract::autoscaling::ScalerKind;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Count;

pub struct KedaScaleToZeroOnResourceOnly {
    scaled_object: String,
    /// `cpu and memory`, `cpu`.
    triggers: String,
    /// `minReplicaCount 0` or `minReplicaCount 0 (default)`.
    min: String,
    /// The target is a Deployment or StatefulSet, the kinds KEDA's
    /// admission webhook checks.
    webhook: bool,
}

impl Violation for KedaScaleToZeroOnResourceOnly {
    const RULE: Rule = Rule::KedaScaleToZeroOnResourceOnly;

    fn message(&self) -> String {
        let Self {
            scaled_object,
            triggers,
            min,
            webhook,
        } = self;
        let rejected = if *webhook {
            ", and KEDA's admission webhook rejects the ScaledObject (\"scale to zero doesn't work in this case\")"
        } else {
            ""
        };
        format!(
            "{scaled_object} scales only on {triggers} with {min}: cpu and memory are measured on running pods, so KEDA cannot scale the workload to or from zero on them{rejected}"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "set minReplicaCount: 1 or more, or add a trigger that reads the work from outside the pods (a queue, a Prometheus query, the HTTP add-on) so KEDA can scale from zero"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/triggers", self.scaled_object)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for a in &model.autoscalers {
        if a.kind != ScalerKind::ScaledObject || a.metrics.is_empty() {
            continue;
        }
        if !a.metrics.iter().all(|m| m.is_resource()) {
            continue;
        }
        // An unreadable minimum is unknown, not 0.
        let Some(min) = Count::of(&a.min, Some(a.default_min())) else {
            continue;
        };
        if min.value != 0 {
            continue;
        }
        let Some(at) = a.metrics_key else {
            continue;
        };
        let mut kinds: Vec<&str> = a
            .metrics
            .iter()
            .filter_map(|m| m.resource.map(|r| r.as_str()))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let triggers = if a.metrics.len() == 1 {
            format!("a {} trigger", kinds.join(" and "))
        } else {
            format!("{} triggers", kinds.join(" and "))
        };
        let v = KedaScaleToZeroOnResourceOnly {
            scaled_object: a.display(),
            triggers,
            min: min.describe(a.min_field()),
            // `scaleTargetRef.kind` defaults to Deployment.
            webhook: a
                .target
                .as_ref()
                .is_some_and(|t| matches!(t.kind.as_str(), "Deployment" | "StatefulSet")),
        };
        let finding = out.report(v, at);
        if let Some(span) = a.min.span() {
            finding.related(span, min.describe(a.min_field()));
        }
    }
}
