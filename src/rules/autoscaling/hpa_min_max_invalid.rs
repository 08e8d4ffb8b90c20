//! SL204 hpa-min-max-invalid. Docs: rules/hpa-min-max-invalid.toml

use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Count;

pub struct HpaMinMaxInvalid {
    autoscaler: String,
    min: String,
    max: String,
    problem: Problem,
    keda: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// The maximum is below 1.
    MaxBelowOne,
    /// The minimum is above the maximum.
    MinAboveMax,
    /// Valid, but the autoscaler cannot change anything.
    Equal,
}

impl Violation for HpaMinMaxInvalid {
    const RULE: Rule = Rule::HpaMinMaxInvalid;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            min,
            max,
            problem,
            keda,
        } = self;
        let rejected = if *keda {
            "KEDA's admission webhook rejects the ScaledObject (without the webhook it stays not ready and scales nothing)"
        } else {
            "the API server rejects the HorizontalPodAutoscaler"
        };
        match problem {
            Problem::MaxBelowOne => {
                format!("{autoscaler} has {max}, but the maximum must be at least 1: {rejected}")
            }
            Problem::MinAboveMax => {
                format!("{autoscaler} has {min} above {max}: {rejected}")
            }
            Problem::Equal => format!(
                "{autoscaler} has {min} equal to {max}: it keeps a fixed count and autoscales nothing"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self.problem {
            Problem::MaxBelowOne | Problem::MinAboveMax => {
                "set the maximum to at least the minimum and at least 1".to_string()
            }
            Problem::Equal => {
                "raise the maximum to what the workload may need at peak, or drop the autoscaler and set spec.replicas".to_string()
            }
        })
    }

    fn subject(&self) -> String {
        format!("{}/replica-bounds", self.autoscaler)
    }

    fn severity(&self) -> Option<Severity> {
        (self.problem == Problem::Equal).then_some(Severity::Note)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for a in &model.autoscalers {
        // An invalid bound, or an HPA without maxReplicas: nothing to compare.
        let (Some(min), Some(max)) = (
            Count::of(&a.min, Some(a.default_min())),
            Count::of(&a.max, a.default_max()),
        ) else {
            continue;
        };
        let problem = if max.value < 1 {
            Problem::MaxBelowOne
        } else if min.value > max.value {
            Problem::MinAboveMax
        } else if min.value == max.value && a.idle_replicas.is_absent() {
            // With idleReplicaCount, KEDA still moves between idle and min.
            Problem::Equal
        } else {
            continue;
        };
        let v = HpaMinMaxInvalid {
            autoscaler: a.display(),
            min: min.describe(a.min_field()),
            max: max.describe(a.max_field()),
            problem,
            keda: a.kind == ScalerKind::ScaledObject,
        };
        let finding = out.report(v, location(a));
        if problem != Problem::MaxBelowOne
            && let Some(at) = a.min.span()
            && a.max.span().is_some()
        {
            finding.related(at, min.describe(a.min_field()));
        }
    }
}

/// The maximum's key; for KEDA's default maximum, the minimum's key or `spec:`.
fn location(a: &Autoscaler) -> crate::source::Span {
    a.max.span().or(a.min.span()).unwrap_or(a.spec_key)
}
