//! SL211 hpa-disabled-by-zero-replicas. Docs: rules/hpa-disabled-by-zero-replicas.toml

use crate::extract::Val;
use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{Count, range};

pub struct HpaDisabledByZeroReplicas {
    workload: String,
    autoscaler: String,
    range: String,
}

impl Violation for HpaDisabledByZeroReplicas {
    const RULE: Rule = Rule::HpaDisabledByZeroReplicas;

    fn message(&self) -> String {
        let Self {
            workload,
            autoscaler,
            range,
        } = self;
        format!(
            "{workload} sets spec.replicas 0 while {autoscaler} scales it {range}: an HPA whose minimum is above 0 does not act on a target scaled to 0 (it reports ScalingActive false), so every apply switches autoscaling off and the workload stays at 0 pods until someone scales it by hand"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove spec.replicas and let the HPA's minReplicas set the floor; to park the workload on purpose, delete or suspend the HPA instead of relying on 0 replicas"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/spec.replicas", self.workload)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        let Val::Set(0, at) = w.replicas else {
            continue;
        };
        let mut disabled = disabled_hpas(model, wi);
        let Some(first) = disabled.next() else {
            continue;
        };
        let v = HpaDisabledByZeroReplicas {
            workload: w.display(),
            autoscaler: first.display(),
            range: range(first),
        };
        let finding = out.report(v, at);
        finding.related(
            first.target_span,
            format!("{} scales it {}", first.display(), range(first)),
        );
        for a in disabled {
            finding.related(
                a.target_span,
                format!("{} scales it {}", a.display(), range(a)),
            );
        }
    }
}

/// The HPAs that stop acting on a workload written with `spec.replicas: 0`:
/// every HPA whose minimum is above 0. With `minReplicas: 0` (the
/// HPAScaleToZero feature) the HPA scales from zero itself; a KEDA
/// ScaledObject activates its target from zero itself.
pub(crate) fn disabled_hpas(model: &Model, workload: usize) -> impl Iterator<Item = &Autoscaler> {
    let zero = model
        .workloads
        .get(workload)
        .is_some_and(|w| matches!(w.replicas, Val::Set(0, _)));
    model
        .autoscalers_of(workload)
        .filter(move |_| zero)
        .filter(|a| a.kind == ScalerKind::Hpa)
        .filter(|a| Count::of(&a.min, Some(a.default_min())).is_some_and(|m| m.value > 0))
}
