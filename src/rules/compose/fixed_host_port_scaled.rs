//! SL602 compose-fixed-host-port-scaled. Docs: rules/compose-fixed-host-port-scaled.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::scaled;

pub struct FixedHostPortScaled {
    service: String,
    port: String,
    host_ports: i64,
    replicas: i64,
    field: &'static str,
}

impl Violation for FixedHostPortScaled {
    const RULE: Rule = Rule::ComposeFixedHostPortScaled;

    fn message(&self) -> String {
        let ports = if self.host_ports == 1 {
            "1 host port".to_string()
        } else {
            format!("{} host ports", self.host_ports)
        };
        format!(
            "service `{}` publishes `{}` ({ports}) and runs {} replicas ({}): each replica binds its own host port, so the replicas beyond {} fail to start with \"port is already allocated\"",
            self.service, self.port, self.replicas, self.field, self.host_ports
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "publish only the container port (`- \"{}\"`) and put a load balancer in front, or give a host port range with at least {} ports",
            self.port.rsplit(':').next().unwrap_or(&self.port),
            self.replicas
        ))
    }

    fn subject(&self) -> String {
        format!("compose service {}/ports/{}", self.service, self.port)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for s in &model.compose_services {
        let Some((n, span, field)) = scaled(s).filter(|(n, _, _)| *n > 1) else {
            continue;
        };
        for p in &s.ports {
            let Some((first, last)) = p.published else {
                continue;
            };
            let count = i64::from(last.saturating_sub(first)) + 1;
            if count >= n {
                continue;
            }
            out.report(
                FixedHostPortScaled {
                    service: s.name.clone(),
                    port: p.text.clone(),
                    host_ports: count,
                    replicas: n,
                    field,
                },
                p.span,
            )
            .related(span, format!("{field}: {n}"));
        }
    }
}
