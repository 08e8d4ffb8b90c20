//! SL103 liveness-without-startup-grace. Docs: rules/liveness-without-startup-grace.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::value_or_default;

/// Below this initial delay a liveness probe gives a slow start no grace.
const MIN_DELAY_SECONDS: i64 = 10;

pub struct LivenessWithoutStartupGrace {
    container: String,
    workload: String,
    delay: (i64, &'static str),
    threshold: (i64, &'static str),
    period: (i64, &'static str),
}

impl LivenessWithoutStartupGrace {
    fn kill_after(&self) -> i64 {
        self.delay
            .0
            .saturating_add(self.threshold.0.saturating_mul(self.period.0))
    }
}

impl Violation for LivenessWithoutStartupGrace {
    const RULE: Rule = Rule::LivenessWithoutStartupGrace;

    fn message(&self) -> String {
        format!(
            "container `{}` of {} has a livenessProbe but no startupProbe: it restarts the container {} + {} × {} = {} s after start (initialDelaySeconds {}{}, failureThreshold {}{}, periodSeconds {}{}), so a start slower than that (cold caches, migrations, a busy node during scale-out) is killed in a loop",
            self.container,
            self.workload,
            self.delay.0,
            self.threshold.0,
            self.period.0,
            self.kill_after(),
            self.delay.0,
            self.delay.1,
            self.threshold.0,
            self.threshold.1,
            self.period.0,
            self.period.1,
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "add a startupProbe with the same check and a failureThreshold × periodSeconds above the slowest start (for example failureThreshold: 30, periodSeconds: 10); liveness waits until it succeeds"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/container/{}", self.workload, self.container)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for w in model.workloads() {
        for c in w.pod.running_containers() {
            let Some(live) = &c.liveness_probe else {
                continue;
            };
            if c.startup_probe.is_some() {
                continue;
            }
            // A readiness delay shows the start was thought about.
            let ready_delay = match &c.readiness_probe {
                None => Some(0),
                Some(r) => r.initial_delay_seconds.or(0),
            };
            if ready_delay != Some(0) {
                continue;
            }
            let (Some(delay), Some(threshold), Some(period)) = (
                value_or_default(&live.initial_delay_seconds, 0),
                value_or_default(&live.failure_threshold, 3),
                value_or_default(&live.period_seconds, 10),
            ) else {
                continue;
            };
            if delay.0 >= MIN_DELAY_SECONDS {
                continue;
            }
            out.report(
                LivenessWithoutStartupGrace {
                    container: c.name.to_string(),
                    workload: w.display(),
                    delay,
                    threshold,
                    period,
                },
                live.key,
            );
        }
    }
}
