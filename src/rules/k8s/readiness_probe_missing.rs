//! SL101 readiness-probe-missing. Docs: rules/readiness-probe-missing.toml

use crate::extract::k8s::{Container, Workload};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct ReadinessProbeMissing {
    container: String,
    workload: String,
    subject: String,
    port: Option<i64>,
}

impl Violation for ReadinessProbeMissing {
    const RULE: Rule = Rule::ReadinessProbeMissing;

    fn message(&self) -> String {
        let Self {
            container,
            workload,
            ..
        } = self;
        format!(
            "container `{container}` of {workload} has no readinessProbe: it gets traffic as soon as it starts, and keeps getting it while it cannot serve"
        )
    }

    fn help(&self) -> Option<String> {
        Some(match self.port {
            Some(port) => format!(
                "add a readinessProbe (an httpGet on a health endpoint, or tcpSocket on port {port}) so Services send traffic only to ready pods"
            ),
            None => "add a readinessProbe (httpGet, tcpSocket, grpc or exec) so Services send traffic only to ready pods".to_string(),
        })
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for w in model.workloads().filter(|w| w.kind.rolls_out()) {
        let only_one = w.pod.containers.len() == 1;
        for c in &w.pod.containers {
            // A sidecar without ports is not asked for a probe: its readiness
            // would gate the whole pod.
            let serves = !c.ports.is_empty() || only_one;
            if serves && c.readiness_probe.is_none() {
                out.report(violation(w, c), c.name_span);
            }
        }
    }
}

fn violation(w: &Workload, c: &Container) -> ReadinessProbeMissing {
    ReadinessProbeMissing {
        container: c.name.to_string(),
        workload: w.display(),
        subject: format!("{}/container/{}", w.display(), c.name),
        port: c.ports.iter().find_map(|p| p.number),
    }
}
