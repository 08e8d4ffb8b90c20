//! SL203 hpa-missing-resource-requests. Docs: rules/hpa-missing-resource-requests.toml

use crate::extract::autoscaling::{Autoscaler, Metric, ResourceName, ScalerKind};
use crate::extract::k8s::{Container, Workload, WorkloadKind};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

/// What the autoscaler's other metrics can still do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Others {
    /// It has no other metric.
    None,
    /// All its other metrics lack requests too.
    Blind,
    /// At least one other metric can be computed.
    Computable,
}

pub struct HpaMissingResourceRequests {
    autoscaler: String,
    workload: String,
    resource: &'static str,
    /// The metric as written: `Resource cpu`, `the default 80 % CPU`, ….
    metric: String,
    containers: Vec<String>,
    others: Others,
    keda: bool,
    subject: String,
}

impl Violation for HpaMissingResourceRequests {
    const RULE: Rule = Rule::HpaMissingResourceRequests;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            workload,
            resource,
            metric,
            containers,
            others,
            keda,
            ..
        } = self;
        let list = containers
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let whose = if containers.len() == 1 {
            format!("container {list} of {workload} has")
        } else {
            format!("containers {list} of {workload} have")
        };
        let effect = match others {
            Others::None => "with no other metric the autoscaler never scales",
            Others::Blind => "its other metrics cannot be computed either, so it never scales",
            Others::Computable => "it still scales up on its other metrics but never scales down",
        };
        let webhook = if *keda {
            "; KEDA's admission webhook also rejects the ScaledObject"
        } else {
            ""
        };
        format!(
            "{autoscaler} scales on {metric}, but {whose} no {resource} request: the utilisation cannot be computed, and {effect}{webhook}"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set resources.requests.{} on every listed container (a limit alone also counts), or scale on an AverageValue target instead of Utilization",
            self.resource
        ))
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        for a in model.autoscalers_of(wi) {
            for m in &a.metrics {
                let Some(resource) = utilization_resource(m) else {
                    continue;
                };
                let lacking: Vec<&Container> = lacking(model, w, m, resource).collect();
                if lacking.is_empty() {
                    continue;
                }
                let mut others = a.metrics.iter().filter(|o| !std::ptr::eq(*o, m)).peekable();
                let others = if others.peek().is_none() {
                    Others::None
                } else if others.any(|o| computable(model, w, o)) {
                    Others::Computable
                } else {
                    Others::Blind
                };
                let v = violation(a, w, m, resource, &lacking, others);
                let finding = out.report(v, m.span);
                for c in lacking {
                    finding.related(
                        c.name_span,
                        format!(
                            "container `{}` has no {} request",
                            c.name,
                            resource.as_str()
                        ),
                    );
                }
            }
        }
    }
}

/// The resource of a utilisation metric (cpu or memory relative to the request).
fn utilization_resource(m: &Metric) -> Option<ResourceName> {
    m.resource.filter(|_| m.utilization)
}

/// The running containers the metric covers that lack the request.
fn lacking<'a>(
    model: &'a Model,
    w: &'a Workload,
    m: &'a Metric,
    resource: ResourceName,
) -> impl Iterator<Item = &'a Container> + 'a {
    w.pod
        .running_containers()
        .filter(move |c| m.container.as_deref().is_none_or(|n| n == c.name))
        .filter(move |c| !model.has_request(w, c, resource))
}

/// Whether the HPA can turn a metric into a replica count as far as the tree
/// shows: anything but a utilisation metric that lacks requests.
fn computable(model: &Model, w: &Workload, m: &Metric) -> bool {
    utilization_resource(m).is_none_or(|r| lacking(model, w, m, r).next().is_none())
}

fn violation(
    a: &Autoscaler,
    w: &Workload,
    m: &Metric,
    resource: ResourceName,
    lacking: &[&Container],
    others: Others,
) -> HpaMissingResourceRequests {
    let r = resource.as_str();
    let source = match a.kind {
        ScalerKind::ScaledObject => format!("{r} trigger"),
        ScalerKind::Hpa if a.meta.api_version == "autoscaling/v1" => {
            "targetCPUUtilizationPercentage".to_string()
        }
        ScalerKind::Hpa if m.container.is_some() => "ContainerResource metric".to_string(),
        ScalerKind::Hpa => "Resource metric".to_string(),
    };
    let metric = match m.container.as_deref() {
        _ if m.implicit => {
            "the default metric (80 % average cpu utilisation, as it lists no metrics)".to_string()
        }
        Some(c) => format!("{r} utilisation of container `{c}` ({source})"),
        None => format!("{r} utilisation ({source})"),
    };
    let mut subject = format!("{}/metric/{r}", a.display());
    if let Some(c) = &m.container {
        subject.push_str(&format!("/container/{c}"));
    }
    HpaMissingResourceRequests {
        autoscaler: a.display(),
        workload: w.display(),
        resource: r,
        metric,
        containers: lacking.iter().map(|c| c.name.to_string()).collect(),
        others,
        // The webhook checks only these kinds.
        keda: a.kind == ScalerKind::ScaledObject
            && matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet),
        subject,
    }
}
