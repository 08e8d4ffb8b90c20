//! SL106 rolling-update-stalled. Docs: rules/rolling-update-stalled.toml

use crate::extract::k8s::WorkloadKind;
use crate::extract::{IntOrPercent, Val};
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::replicas_text;

/// Unset maxSurge and maxUnavailable default to 25 %.
const DEFAULT: IntOrPercent = IntOrPercent::Percent(25);

pub enum RollingUpdateStalled {
    /// Both written as 0: the API server rejects the Deployment.
    Rejected { workload: String },
    /// Both resolve to 0 against the replicas: the controller forces
    /// maxUnavailable to 1.
    ResolvesToZero {
        workload: String,
        surge: String,
        unavailable: String,
        replicas: i64,
        replicas_from: String,
    },
}

impl Violation for RollingUpdateStalled {
    const RULE: Rule = Rule::RollingUpdateStalled;

    fn message(&self) -> String {
        match self {
            RollingUpdateStalled::Rejected { workload } => format!(
                "maxSurge and maxUnavailable of {workload} are both 0: the API server rejects the Deployment, because a rollout could neither add a new pod nor remove an old one"
            ),
            RollingUpdateStalled::ResolvesToZero {
                workload,
                surge,
                unavailable,
                replicas,
                replicas_from,
            } => {
                let effect = if *replicas <= 1 {
                    format!(
                        "so every rollout of {workload} first stops its only pod: a full outage until the new pod is ready"
                    )
                } else {
                    format!(
                        "so every rollout of {workload} runs one pod short of its {replicas} and adds none"
                    )
                };
                format!(
                    "maxSurge {surge} rounds up to 0 and maxUnavailable {unavailable} rounds down to 0 against {replicas_from}: the controller then takes 1 pod down before it starts a replacement, {effect}"
                )
            }
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            RollingUpdateStalled::Rejected { .. } => {
                "set maxSurge: 1 (start a new pod before an old one stops), or maxUnavailable: 1 if there is no room for an extra pod".to_string()
            }
            RollingUpdateStalled::ResolvesToZero { .. } => {
                "set maxSurge: 1 (or a percentage that rounds up to at least 1) so a new pod is ready before an old one stops".to_string()
            }
        })
    }

    fn subject(&self) -> String {
        match self {
            RollingUpdateStalled::Rejected { workload }
            | RollingUpdateStalled::ResolvesToZero { workload, .. } => workload.clone(),
        }
    }

    fn severity(&self) -> Option<Severity> {
        match self {
            RollingUpdateStalled::Rejected { .. } => None,
            RollingUpdateStalled::ResolvesToZero { .. } => Some(Severity::Warning),
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        // DaemonSets round maxUnavailable differently; Recreate has no surge.
        if w.kind != WorkloadKind::Deployment || !w.rolling {
            continue;
        }
        let Some(ru) = &w.rolling_update else {
            continue;
        };
        if let (Val::Set(s, _), Val::Set(u, _)) = (ru.max_surge, ru.max_unavailable)
            && s.is_zero()
            && u.is_zero()
        {
            out.report(
                RollingUpdateStalled::Rejected {
                    workload: w.display(),
                },
                ru.key,
            );
            continue;
        }
        let (Some(surge), Some(unavailable)) =
            (ru.max_surge.or(DEFAULT), ru.max_unavailable.or(DEFAULT))
        else {
            continue;
        };
        let Some(envelope) = model.envelope(wi) else {
            continue;
        };
        let replicas = envelope.min.value;
        if replicas < 1 {
            continue;
        }
        if surge.resolve(replicas, true) >= 1 || unavailable.resolve(replicas, false) >= 1 {
            continue;
        }
        let shown = |v: &Val<IntOrPercent>, x: IntOrPercent| {
            if v.is_absent() {
                format!("{x} (default)")
            } else {
                x.to_string()
            }
        };
        out.report(
            RollingUpdateStalled::ResolvesToZero {
                workload: w.display(),
                surge: shown(&ru.max_surge, surge),
                unavailable: shown(&ru.max_unavailable, unavailable),
                replicas,
                replicas_from: replicas_text(replicas, &envelope.min.source),
            },
            ru.key,
        );
    }
}
