//! SL104 resource-requests-missing. Docs: rules/resource-requests-missing.toml

use crate::extract::k8s::{Container, Resources, Workload};
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
    for w in model.workloads() {
        let (mut ns_cpu, mut ns_memory) = (false, false);
        for l in model.limit_ranges_in(&w.namespace) {
            ns_cpu |= l.default_cpu;
            ns_memory |= l.default_memory;
        }
        let pod = &w.pod.resources;
        let pod_cpu = ns_cpu || has_cpu(pod);
        let pod_memory = ns_memory || has_memory(pod);
        // Plain init containers finish before the app starts; sidecars
        // (`restartPolicy: Always`) run beside it and count.
        let sidecars = w.pod.init_containers.iter().filter(|c| c.restart_always);
        for c in w.pod.containers.iter().chain(sidecars) {
            let cpu = pod_cpu || has_cpu(&c.resources);
            let memory = pod_memory || has_memory(&c.resources);
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

/// A request, or a limit that Kubernetes copies into the request.
fn has_cpu(r: &Resources) -> bool {
    r.requests.cpu.is_some() || r.limits.cpu.is_some()
}

fn has_memory(r: &Resources) -> bool {
    r.requests.memory.is_some() || r.limits.memory.is_some()
}

fn violation(w: &Workload, c: &Container, missing: &'static str) -> ResourceRequestsMissing {
    ResourceRequestsMissing {
        container: c.name.clone(),
        workload: w.display(),
        subject: format!("{}/container/{}", w.display(), c.name),
        missing,
    }
}
