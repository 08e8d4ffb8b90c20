//! SL102 liveness-equals-readiness. Docs: rules/liveness-equals-readiness.toml

use crate::extract::k8s::{Container, Handler, Probe};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::value_or_default;

/// Kubernetes' defaults for probes.
const FAILURE_THRESHOLD: i64 = 3;
const PERIOD_SECONDS: i64 = 10;

pub struct LivenessEqualsReadiness {
    container: String,
    workload: String,
    handler: String,
    liveness: Window,
    readiness: Window,
}

/// How long a probe takes to give up: failureThreshold × periodSeconds.
struct Window {
    threshold: (i64, &'static str),
    period: (i64, &'static str),
}

impl Window {
    fn of(p: &Probe) -> Option<Window> {
        Some(Window {
            threshold: value_or_default(&p.failure_threshold, FAILURE_THRESHOLD)?,
            period: value_or_default(&p.period_seconds, PERIOD_SECONDS)?,
        })
    }

    fn seconds(&self) -> i64 {
        self.threshold.0.saturating_mul(self.period.0)
    }

    fn describe(&self) -> String {
        format!(
            "failureThreshold {}{} × periodSeconds {}{} = {} s",
            self.threshold.0,
            self.threshold.1,
            self.period.0,
            self.period.1,
            self.seconds()
        )
    }
}

impl Violation for LivenessEqualsReadiness {
    const RULE: Rule = Rule::LivenessEqualsReadiness;

    fn message(&self) -> String {
        format!(
            "livenessProbe and readinessProbe of container `{}` of {} both {}, and liveness gives up after {}, no later than readiness ({}): when the check fails under load, pods are restarted instead of being taken out of rotation, and the restarts cascade",
            self.container,
            self.workload,
            self.handler,
            self.liveness.describe(),
            self.readiness.describe()
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "point liveness at a check of the process alone (such as /livez), or let it fail well after readiness: failureThreshold × periodSeconds above {} s",
            self.readiness.seconds()
        ))
    }

    fn subject(&self) -> String {
        format!("{}/container/{}", self.workload, self.container)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for w in model.workloads() {
        for c in w.pod.running_containers() {
            let (Some(live), Some(ready)) = (&c.liveness_probe, &c.readiness_probe) else {
                continue;
            };
            let (Some(lh), Some(rh)) = (&live.handler, &ready.handler) else {
                continue;
            };
            if !same_handler(c, lh, rh) {
                continue;
            }
            let (Some(lw), Some(rw)) = (Window::of(live), Window::of(ready)) else {
                continue;
            };
            if lw.seconds() > rw.seconds() {
                continue;
            }
            out.report(
                LivenessEqualsReadiness {
                    container: c.name.to_string(),
                    workload: w.display(),
                    handler: describe(c, lh),
                    liveness: lw,
                    readiness: rw,
                },
                live.key,
            )
            .related(ready.key, "the readinessProbe with the same check");
        }
    }
}

fn same_handler(c: &Container, a: &Handler, b: &Handler) -> bool {
    let path = |p: &str| {
        if p.is_empty() {
            "/".to_string()
        } else {
            p.to_string()
        }
    };
    match (a, b) {
        (Handler::Http { path: pa, port: qa }, Handler::Http { path: pb, port: qb }) => {
            path(pa) == path(pb) && c.port_number(qa) == c.port_number(qb)
        }
        (Handler::Exec(x), Handler::Exec(y)) => !x.is_empty() && x == y,
        (Handler::Tcp { port: x }, Handler::Tcp { port: y }) => {
            c.port_number(x) == c.port_number(y)
        }
        (
            Handler::Grpc {
                port: pa,
                service: sa,
            },
            Handler::Grpc {
                port: pb,
                service: sb,
            },
        ) => c.port_number(pa) == c.port_number(pb) && sa == sb,
        _ => false,
    }
}

fn describe(c: &Container, h: &Handler) -> String {
    match h {
        Handler::Http { path, port } => format!(
            "GET {} on port {}",
            if path.is_empty() { "/" } else { path },
            c.port_number(port)
        ),
        Handler::Exec(cmd) => format!(
            "run `{}`",
            cmd.iter()
                .map(|a| if a.contains(' ') {
                    format!("'{a}'")
                } else {
                    a.to_string()
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Handler::Tcp { port } => format!("open TCP port {}", c.port_number(port)),
        Handler::Grpc { port, .. } => {
            format!("call the gRPC health check on port {}", c.port_number(port))
        }
    }
}
