//! SL111 termination-grace-too-short. Docs: rules/termination-grace-too-short.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::value_or_default;

/// `terminationGracePeriodSeconds` when unset.
const DEFAULT_GRACE_SECONDS: i64 = 30;

pub struct TerminationGraceTooShort {
    container: String,
    workload: String,
    sleep: i64,
    grace: (i64, &'static str),
}

impl Violation for TerminationGraceTooShort {
    const RULE: Rule = Rule::TerminationGraceTooShort;

    fn message(&self) -> String {
        format!(
            "the preStop hook of container `{}` of {} sleeps {} s, but terminationGracePeriodSeconds is {}{}: the grace period covers the hook too, so the container is killed when it ends, before it has finished its in-flight requests",
            self.container, self.workload, self.sleep, self.grace.0, self.grace.1
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set terminationGracePeriodSeconds above the preStop sleep plus the time the app needs to shut down (for example {})",
            self.sleep.saturating_add(15)
        ))
    }

    fn subject(&self) -> String {
        format!("{}/container/{}", self.workload, self.container)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        if !model.is_served(wi) {
            continue;
        }
        let Some(grace) = value_or_default(&w.pod.termination_grace_seconds, DEFAULT_GRACE_SECONDS)
        else {
            continue;
        };
        for c in w.pod.running_containers() {
            let Some(pre_stop) = &c.pre_stop else {
                continue;
            };
            let Some(sleep) = pre_stop.sleep else {
                continue;
            };
            if sleep < grace.0 {
                continue;
            }
            let f = out.report(
                TerminationGraceTooShort {
                    container: c.name.to_string(),
                    workload: w.display(),
                    sleep,
                    grace,
                },
                pre_stop.key,
            );
            if let Some(span) = w.pod.termination_grace_seconds.span() {
                f.related(span, format!("terminationGracePeriodSeconds: {}", grace.0));
            }
        }
    }
}
