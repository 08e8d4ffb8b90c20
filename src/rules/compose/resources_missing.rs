//! SL604 compose-resources-missing. Docs: rules/compose-resources-missing.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::scaled;

pub struct ResourcesMissing {
    service: String,
    replicas: i64,
    field: &'static str,
}

impl Violation for ResourcesMissing {
    const RULE: Rule = Rule::ComposeResourcesMissing;

    fn message(&self) -> String {
        format!(
            "service `{}` runs {} replicas ({}) without deploy.resources.limits: every replica may take all the host's CPU and memory, so under load they starve each other and the other services",
            self.service, self.replicas, self.field
        )
    }

    fn help(&self) -> Option<String> {
        Some("set deploy.resources.limits (cpus and memory) for each replica".to_string())
    }

    fn subject(&self) -> String {
        format!("compose service {}/resources", self.service)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for s in &model.compose_services {
        if s.limits {
            continue;
        }
        let Some((n, span, field)) = scaled(s).filter(|(n, _, _)| *n > 1) else {
            continue;
        };
        out.report(
            ResourcesMissing {
                service: s.name.clone(),
                replicas: n,
                field,
            },
            s.deploy_key.unwrap_or(span),
        );
    }
}
