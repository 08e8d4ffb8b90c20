//! SL105 memory-limit-missing. Docs: rules/memory-limit-missing.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct MemoryLimitMissing {
    container: String,
    workload: String,
    requests: &'static str,
}

impl Violation for MemoryLimitMissing {
    const RULE: Rule = Rule::MemoryLimitMissing;

    fn message(&self) -> String {
        format!(
            "container `{}` of {} requests {} but sets no resources.limits.memory: it can grow past its request until the node runs out of memory, and then the kubelet evicts it or its neighbours",
            self.container, self.workload, self.requests
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "set resources.limits.memory to the most the container may use (often equal to its memory request), so a leak ends in a restart of this container only"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/container/{}", self.workload, self.container)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for w in model.workloads() {
        // A pod-level memory limit or a namespace default limit bounds it too.
        let bounded = w.pod.resources.limits.memory
            || model
                .limit_ranges_in(&w.namespace)
                .any(|l| l.default_memory_limit);
        if bounded {
            continue;
        }
        for c in w.pod.running_containers() {
            let r = &c.resources;
            if r.limits.memory {
                continue;
            }
            let requests = match (r.requests.cpu, r.requests.memory) {
                (false, false) => continue,
                (true, false) => "cpu",
                (false, true) => "memory",
                (true, true) => "cpu and memory",
            };
            out.report(
                MemoryLimitMissing {
                    container: c.name.to_string(),
                    workload: w.display(),
                    requests,
                },
                c.name_span,
            );
        }
    }
}
