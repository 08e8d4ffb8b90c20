//! SL205 hpa-single-min-replica. Docs: rules/hpa-single-min-replica.toml

use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::finding::{Findings, Violation};
use crate::model::{Model, SERVING_PORT_NAMES};
use crate::rules::Rule;

use super::Count;

pub struct HpaSingleMinReplica {
    autoscaler: String,
    workload: String,
    min: String,
    served_by: String,
    zero: bool,
}

impl Violation for HpaSingleMinReplica {
    const RULE: Rule = Rule::HpaSingleMinReplica;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            workload,
            min,
            served_by,
            zero,
        } = self;
        let effect = if *zero {
            "with no pod running, the first requests fail or wait for a cold start (no KEDA HTTP add-on holds them)"
        } else {
            "one pod takes the first burst alone, and a crash, eviction or node drain leaves no pod serving"
        };
        format!("{workload} is served ({served_by}) but {autoscaler} keeps {min}: {effect}")
    }

    fn help(&self) -> Option<String> {
        Some(if self.zero {
            "set minReplicaCount to 2 or more, or put the KEDA HTTP add-on in front so requests wait while it scales from zero".to_string()
        } else {
            "set the autoscaler's minimum to 2 or more so a served workload survives the loss of one pod".to_string()
        })
    }

    fn subject(&self) -> String {
        format!("{}/min", self.autoscaler)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (ai, a) in model.autoscalers.iter().enumerate() {
        let Some(&Some(wi)) = model.autoscaler_targets.get(ai) else {
            continue;
        };
        let (Some(w), Some(min)) = (
            model.workloads.get(wi),
            Count::of(&a.min, Some(a.default_min())),
        ) else {
            continue;
        };
        let zero = min.value == 0;
        let reported = match a.kind {
            ScalerKind::Hpa => min.value <= 1,
            // The HTTP add-on holds requests while KEDA scales from zero.
            ScalerKind::ScaledObject => min.value == 1 || (zero && !a.http_addon),
        };
        if !reported || !model.is_served(wi) {
            continue;
        }
        let (served_by, service) = served_by(model, wi);
        let v = HpaSingleMinReplica {
            autoscaler: a.display(),
            workload: w.display(),
            min: min.describe(a.min_field()),
            served_by,
            zero,
        };
        let finding = out.report(v, location(a));
        if let Some((span, name)) = service {
            finding.related(span, format!("Service {name} selects its pods"));
        }
    }
}

/// Why the workload counts as served, and the Service's location if one.
fn served_by(model: &Model, wi: usize) -> (String, Option<(crate::source::Span, String)>) {
    let services = &model.links(wi).services;
    if let Some(s) = services.first().and_then(|&si| model.services.get(si)) {
        let more = match services.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        let name = format!("{}/{}", s.namespace, s.meta.name);
        return (
            format!("Service {name}{more} selects its pods"),
            Some((s.meta.kind_span, name)),
        );
    }
    let port = model.workloads.get(wi).and_then(|w| {
        w.pod.running_containers().find_map(|c| {
            c.ports
                .iter()
                .find_map(|p| p.name.as_deref().filter(|n| SERVING_PORT_NAMES.contains(n)))
                .map(|p| format!("container `{}` has a port named {p}", c.name))
        })
    });
    (
        port.unwrap_or_else(|| "a container port is named for traffic".to_string()),
        None,
    )
}

fn location(a: &Autoscaler) -> crate::source::Span {
    a.min.span().unwrap_or(a.meta.kind_span)
}
