//! SL202 replicas-managed-by-hpa. Docs: rules/replicas-managed-by-hpa.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::range;

pub struct ReplicasManagedByHpa {
    workload: String,
    replicas: i64,
    autoscaler: String,
    range: String,
    /// 0 replicas under an HPA that then stops acting (SL211's case).
    disables: bool,
}

impl Violation for ReplicasManagedByHpa {
    const RULE: Rule = Rule::ReplicasManagedByHpa;

    fn message(&self) -> String {
        let Self {
            workload,
            replicas,
            autoscaler,
            range,
            disables,
        } = self;
        if *disables {
            return format!(
                "{workload} sets spec.replicas {replicas} while {autoscaler} scales it {range}: every apply resets the count to 0, and an HPA whose minimum is above 0 does not act on a target at 0, so autoscaling stays off"
            );
        }
        format!(
            "{workload} sets spec.replicas {replicas} while {autoscaler} scales it {range}: every apply resets the count to {replicas} until the autoscaler scales it back"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove spec.replicas from the manifest and let the autoscaler own the count (on a live object, drop it from the last-applied configuration first so the removal does not scale to 1)"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/spec.replicas", self.workload)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    // With 0 replicas under an HPA that then stops acting, SL211 says what
    // actually happens; this rule's "until the autoscaler scales it back"
    // would be wrong there.
    let sl211 = out.is_enabled(Rule::HpaDisabledByZeroReplicas);
    for (wi, w) in model.indexed_workloads() {
        let Val::Set(replicas, at) = w.replicas else {
            continue;
        };
        let disables = super::hpa_disabled_by_zero_replicas::disabled_hpas(model, wi)
            .next()
            .is_some();
        if sl211 && disables {
            continue;
        }
        let mut autoscalers = model.autoscalers_of(wi).peekable();
        let Some(first) = autoscalers.peek() else {
            continue;
        };
        let v = ReplicasManagedByHpa {
            workload: w.display(),
            replicas,
            autoscaler: first.display(),
            range: range(first),
            disables,
        };
        let finding = out.report(v, at);
        for a in autoscalers {
            finding.related(
                a.target_span,
                format!("{} scales it {}", a.display(), range(a)),
            );
        }
    }
}
