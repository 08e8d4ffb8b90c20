//! SL202 replicas-managed-by-hpa. Docs: rules/replicas-managed-by-hpa.toml

use crate::extract::Val;
use crate::extract::autoscaling::Autoscaler;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Count;

pub struct ReplicasManagedByHpa {
    workload: String,
    replicas: i64,
    autoscaler: String,
    range: String,
}

impl Violation for ReplicasManagedByHpa {
    const RULE: Rule = Rule::ReplicasManagedByHpa;

    fn message(&self) -> String {
        let Self {
            workload,
            replicas,
            autoscaler,
            range,
        } = self;
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
    for (wi, w) in model.indexed_workloads() {
        let Val::Set(replicas, at) = w.replicas else {
            continue;
        };
        let mut autoscalers = model.autoscalers_of(wi).peekable();
        let Some(first) = autoscalers.peek() else {
            continue;
        };
        let v = ReplicasManagedByHpa {
            workload: w.display(),
            replicas,
            autoscaler: first.display(),
            range: range(first),
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

/// `between minReplicas 2 and maxReplicas 10`, defaults marked.
fn range(a: &Autoscaler) -> String {
    let min = Count::of(&a.min, Some(a.default_min()));
    let max = Count::of(&a.max, a.default_max());
    match (min, max) {
        (Some(min), Some(max)) => format!(
            "between {} and {}",
            min.describe(a.min_field()),
            max.describe(a.max_field())
        ),
        (Some(min), None) => format!("from {}", min.describe(a.min_field())),
        (None, Some(max)) => format!("up to {}", max.describe(a.max_field())),
        (None, None) => "within bounds that cannot be read".to_string(),
    }
}
