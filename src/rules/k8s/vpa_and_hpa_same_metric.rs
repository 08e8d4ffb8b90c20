//! SL112 vpa-and-hpa-same-metric. Docs: rules/vpa-and-hpa-same-metric.toml

use crate::extract::Val;
use crate::extract::autoscaling::{Autoscaler, Metric, ResourceName, ScalerKind, Vpa, VpaMode};
use crate::extract::k8s::Workload;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct VpaAndHpaSameMetric {
    vpa: String,
    workload: String,
    /// `updateMode Recreate` or `updateMode unset (default Recreate)`.
    mode: String,
    initial: bool,
    autoscaler: String,
    resource: &'static str,
    /// The metric as written: `cpu utilisation (Resource metric)`, ….
    metric: String,
    utilization: bool,
}

impl Violation for VpaAndHpaSameMetric {
    const RULE: Rule = Rule::VpaAndHpaSameMetric;

    fn message(&self) -> String {
        let Self {
            vpa,
            workload,
            mode,
            initial,
            autoscaler,
            resource: r,
            metric,
            utilization,
        } = self;
        let when = if *initial {
            " on every pod the autoscaler or a rollout creates"
        } else {
            ""
        };
        let fight = if *utilization {
            format!(
                "when the VPA raises the {r} request, the utilisation the autoscaler divides by it drops and it scales in; the fewer pods then use more, and the VPA raises again"
            )
        } else {
            format!(
                "both react to the same per-pod {r} usage: the autoscaler adds pods when it rises, the VPA shrinks the requests when the added pods lower it, and each undoes the other's input"
            )
        };
        format!(
            "{vpa} sets the {r} requests of {workload} ({mode}){when} while {autoscaler} scales it on {metric}: {fight}"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set updatePolicy.updateMode: \"Off\" to keep only the recommendations, leave {} out of resourcePolicy.containerPolicies[].controlledResources, or scale horizontally on a custom or external metric",
            self.resource
        ))
    }

    fn subject(&self) -> String {
        format!("{}/updateMode", self.vpa)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (vi, vpa) in model.vpas.iter().enumerate() {
        let Some(wi) = model.vpa_targets.get(vi).copied().flatten() else {
            continue;
        };
        let Some(w) = model.workloads.get(wi) else {
            continue;
        };
        // `Off` only recommends; an unreadable mode is not a guess to make.
        let mode = match vpa.mode {
            Val::Set(VpaMode::Off, _) | Val::Invalid(_) => continue,
            Val::Set(m, _) => Some(m),
            Val::Absent => None,
        };
        let conflicts: Vec<(&Autoscaler, &Metric, ResourceName)> = model
            .autoscalers_of(wi)
            .flat_map(|a| a.metrics.iter().map(move |m| (a, m)))
            .filter_map(|(a, m)| Some((a, m, m.resource?)))
            .filter(|(_, m, r)| controlled(vpa, w, m, *r))
            .collect();
        let Some(&(a, m, r)) = conflicts.first() else {
            continue;
        };
        let v = VpaAndHpaSameMetric {
            vpa: vpa.display(),
            workload: w.display(),
            mode: match mode {
                Some(m) => format!("updateMode {}", m.as_str()),
                None => {
                    "updateMode unset: the default, Recreate, or Auto in older releases".to_string()
                }
            },
            initial: mode == Some(VpaMode::Initial),
            autoscaler: a.display(),
            resource: r.as_str(),
            metric: describe(a, m, r),
            utilization: m.utilization,
        };
        let at = vpa.mode.span().unwrap_or(vpa.target_span);
        let finding = out.report(v, at);
        for &(a, m, r) in &conflicts {
            finding.related(
                m.span,
                format!("{} scales on {}", a.display(), describe(a, m, r)),
            );
        }
    }
}

/// Whether the VPA sets the resource on a container the metric covers.
fn controlled(vpa: &Vpa, w: &Workload, m: &Metric, r: ResourceName) -> bool {
    w.pod
        .running_containers()
        .filter(|c| m.container.as_deref().is_none_or(|n| n == c.name))
        .any(|c| vpa.controls(&c.name, r))
}

/// `cpu utilisation (Resource metric)`, `memory (cpu trigger)`, ….
fn describe(a: &Autoscaler, m: &Metric, r: ResourceName) -> String {
    let r = r.as_str();
    if m.implicit {
        return "the default metric (80 % average cpu utilisation, as it lists no metrics)"
            .to_string();
    }
    let what = if m.utilization {
        format!("{r} utilisation")
    } else {
        format!("{r} usage")
    };
    let source = match a.kind {
        ScalerKind::ScaledObject => format!("{r} trigger"),
        ScalerKind::Hpa if a.meta.api_version == "autoscaling/v1" => {
            "targetCPUUtilizationPercentage".to_string()
        }
        ScalerKind::Hpa if m.container.is_some() => "ContainerResource metric".to_string(),
        ScalerKind::Hpa => "Resource metric".to_string(),
    };
    match &m.container {
        Some(c) => format!("{what} of container `{c}` ({source})"),
        None => format!("{what} ({source})"),
    }
}
