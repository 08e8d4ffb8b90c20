//! SL104 resource-requests-missing. Docs: rules/resource-requests-missing.toml

use crate::extract::autoscaling::ResourceName;
use crate::extract::k8s::{Container, Workload};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct ResourceRequestsMissing {
    container: String,
    workload: String,
    subject: String,
    missing: &'static str,
}

impl Violation for ResourceRequestsMissing {
    const RULE: Rule = Rule::ResourceRequestsMissing;

    fn message(&self) -> String {
        let Self {
            container,
            workload,
            missing,
            ..
        } = self;
        let consequence = match *missing {
            "cpu" => {
                "the scheduler reserves no CPU for it, and CPU-utilisation autoscaling cannot be computed"
            }
            "memory" => {
                "the scheduler reserves no memory for it, so nodes overcommit and evict under memory pressure"
            }
            _ => {
                "the scheduler reserves nothing for it, so nodes overcommit under load, and utilisation autoscaling cannot be computed"
            }
        };
        format!("container `{container}` of {workload} has no {missing} request: {consequence}")
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set resources.requests.{} to what the container uses at steady state (a limit alone also counts, as Kubernetes copies it to the request)",
            match self.missing {
                "cpu" => "cpu",
                "memory" => "memory",
                _ => "cpu and .memory",
            }
        ))
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    // SL203 reports, as an error, a missing request that an autoscaler's
    // utilisation metric needs; this rule then leaves that resource to it.
    let sl203 = out.is_enabled(Rule::HpaMissingResourceRequests);
    for (wi, w) in model.indexed_workloads() {
        // Plain init containers finish before the app starts; sidecars
        // (`restartPolicy: Always`) run beside it and count.
        for c in w.pod.running_containers() {
            let owned = |r: ResourceName| {
                sl203
                    && model
                        .utilization_metrics(wi, c)
                        .any(|(_, m)| m.resource == Some(r))
            };
            let cpu = model.has_request(w, c, ResourceName::Cpu) || owned(ResourceName::Cpu);
            let memory =
                model.has_request(w, c, ResourceName::Memory) || owned(ResourceName::Memory);
            let missing = match (cpu, memory) {
                (true, true) => continue,
                (false, true) => "cpu",
                (true, false) => "memory",
                (false, false) => "cpu or memory",
            };
            out.report(violation(w, c, missing), c.name_span);
        }
    }
}

fn violation(w: &Workload, c: &Container, missing: &'static str) -> ResourceRequestsMissing {
    ResourceRequestsMissing {
        container: c.name.to_string(),
        workload: w.display(),
        subject: format!("{}/container/{}", w.display(), c.name),
        missing,
    }
}
