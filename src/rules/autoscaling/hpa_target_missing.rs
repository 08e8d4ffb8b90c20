//! SL201 hpa-target-missing. Docs: rules/hpa-target-missing.toml

use crate::extract::autoscaling::{Autoscaler, ScalerKind, TargetRef};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

/// Kinds a `scaleTargetRef` is most often meant to name, for the hint.
const SCALABLE_KINDS: [&str; 4] = ["Deployment", "StatefulSet", "ReplicaSet", "Rollout"];

pub struct HpaTargetMissing {
    autoscaler: String,
    kind: String,
    name: String,
    namespace: String,
    group: Option<String>,
    hint: Option<Hint>,
    keda: bool,
}

/// Something of that name the tree does hold.
enum Hint {
    /// The same name under another kind (`StatefulSet` instead of `Deployment`).
    OtherKind(&'static str),
    /// The same kind and name in another API group.
    OtherGroup,
}

impl Violation for HpaTargetMissing {
    const RULE: Rule = Rule::HpaTargetMissing;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            kind,
            name,
            namespace,
            group,
            hint,
            keda,
        } = self;
        let found = match hint {
            Some(Hint::OtherKind(other)) => {
                format!("; the tree has a {other} {namespace}/{name}")
            }
            Some(Hint::OtherGroup) => format!(
                "; the tree has a {kind} {namespace}/{name}, but not in API group `{}`",
                group.as_deref().unwrap_or("")
            ),
            None => String::new(),
        };
        let effect = if *keda {
            "KEDA reports the ScaledObject as not ready and scales nothing"
        } else {
            "the HPA reports FailedGetScale and scales nothing"
        };
        format!(
            "{autoscaler} scales {kind} {namespace}/{name}, which no object in the tree provides{found}: {effect}"
        )
    }

    fn help(&self) -> Option<String> {
        Some(match &self.hint {
            Some(Hint::OtherKind(other)) => format!(
                "set scaleTargetRef.kind to {other} (and its apiVersion), or add the {} {} to namespace {}",
                self.kind, self.name, self.namespace
            ),
            Some(Hint::OtherGroup) => {
                "make scaleTargetRef.apiVersion match the workload's apiVersion".to_string()
            }
            None => format!(
                "point scaleTargetRef at the kind and metadata.name of a workload in namespace {}, or delete the autoscaler",
                self.namespace
            ),
        })
    }

    fn subject(&self) -> String {
        format!("{}/scaleTargetRef", self.autoscaler)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (ai, a) in model.autoscalers.iter().enumerate() {
        // A scaleTargetRef without a name is a fact we do not have: silent.
        let Some(t) = &a.target else { continue };
        let resolved = model
            .autoscaler_targets
            .get(ai)
            .is_some_and(Option::is_some);
        if resolved
            || model.has_object(t.group.as_deref(), &t.kind, &a.namespace, &t.name)
            // Only part of the namespace may be in the tree.
            || !model.has_workloads_in(&a.namespace)
        {
            continue;
        }
        out.report(violation(model, a, t), a.target_span);
    }
}

fn violation(model: &Model, a: &Autoscaler, t: &TargetRef) -> HpaTargetMissing {
    let ns = a.namespace.as_str();
    let hint = if model.has_object(None, &t.kind, ns, &t.name) {
        Some(Hint::OtherGroup)
    } else {
        SCALABLE_KINDS
            .into_iter()
            .find(|k| *k != t.kind && model.has_object(None, k, ns, &t.name))
            .map(Hint::OtherKind)
    };
    HpaTargetMissing {
        autoscaler: a.display(),
        kind: t.kind.to_string(),
        name: t.name.to_string(),
        namespace: a.namespace.to_string(),
        group: t.group.as_deref().map(str::to_string),
        hint,
        keda: a.kind == ScalerKind::ScaledObject,
    }
}
