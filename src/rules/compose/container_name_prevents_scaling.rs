//! SL601 compose-container-name-prevents-scaling. Docs: rules/compose-container-name-prevents-scaling.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::scaled;

pub struct ContainerNamePreventsScaling {
    service: String,
    container_name: String,
    replicas: i64,
    field: &'static str,
}

impl Violation for ContainerNamePreventsScaling {
    const RULE: Rule = Rule::ComposeContainerNamePreventsScaling;

    fn message(&self) -> String {
        format!(
            "service `{}` sets container_name `{}` and {} {}: container names are unique, so Compose cannot create the second container and the service never runs {} replicas",
            self.service, self.container_name, self.field, self.replicas, self.replicas
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove container_name (Compose names the replicas itself, and the service name still resolves on the network)"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("compose service {}/container_name", self.service)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for s in &model.compose_services {
        let (Some(name), Some(key)) = (&s.container_name, s.container_name_key) else {
            continue;
        };
        let Some((n, span, field)) = scaled(s).filter(|(n, _, _)| *n > 1) else {
            continue;
        };
        out.report(
            ContainerNamePreventsScaling {
                service: s.name.clone(),
                container_name: name.text.clone(),
                replicas: n,
                field,
            },
            key,
        )
        .related(span, format!("{field}: {n}"));
    }
}
