//! SL601 compose-container-name-prevents-scaling. Docs: rules/compose-container-name-prevents-scaling.toml

use std::collections::HashMap;

use crate::extract::compose::Service;
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::{FileId, Span};

use super::depends_on_not_ready::is_stateful;
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

/// The warning branch: a served service without a replica count, in a
/// file whose other services are scaled.
pub struct ContainerNameBlocksScaleOut {
    service: String,
    container_name: String,
    port: String,
    scaled_service: String,
    replicas: i64,
    field: &'static str,
    line: u32,
}

impl Violation for ContainerNameBlocksScaleOut {
    const RULE: Rule = Rule::ComposeContainerNamePreventsScaling;

    fn message(&self) -> String {
        let Self {
            service,
            container_name,
            port,
            scaled_service,
            replicas,
            field,
            line,
        } = self;
        format!(
            "service `{service}` publishes ports (`{port}`) and sets container_name `{container_name}` but no replica count, in a file where service `{scaled_service}` runs {replicas} replicas ({field}, line {line}): scaled the same way (`docker compose up --scale {service}=2`, or deploy.replicas added later), its second container fails because the name is taken"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove container_name so the service can scale like the others (the service name still resolves on the network), or set deploy.replicas: 1 to state that it runs one container"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("compose service {}/container_name/unscaled", self.service)
    }

    fn severity(&self) -> Option<Severity> {
        Some(Severity::Warning)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    // The first service of each file that runs two containers or more.
    let mut scaled_in_file: HashMap<FileId, (&Service, i64, Span, &'static str)> = HashMap::new();
    for s in &model.compose_services {
        if let Some((n, span, field)) = scaled(s).filter(|(n, _, _)| *n >= 2) {
            scaled_in_file.entry(s.file).or_insert((s, n, span, field));
        }
    }
    for s in &model.compose_services {
        let (Some(name), Some(key)) = (&s.container_name, s.container_name_key) else {
            continue;
        };
        if let Some((n, span, field)) = scaled(s).filter(|(n, _, _)| *n > 1) {
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
            continue;
        }
        if let Some((other, n, span, field)) = scale_out_candidate(s, &scaled_in_file) {
            let port = s.ports.first().map_or(String::new(), |p| p.text.clone());
            out.report(
                ContainerNameBlocksScaleOut {
                    service: s.name.clone(),
                    container_name: name.text.clone(),
                    port,
                    scaled_service: other.name.clone(),
                    replicas: n,
                    field,
                    line: span.start.line,
                },
                key,
            )
            .related(span, format!("{field}: {n} of service {}", other.name));
        }
    }
}

/// The scaled service of `s`'s file, when `s` is one a team would scale
/// the same way: no replica count written (not even 1), publishes ports,
/// and is not a database or broker (those are not scaled by adding
/// containers).
fn scale_out_candidate<'m>(
    s: &Service,
    scaled_in_file: &HashMap<FileId, (&'m Service, i64, Span, &'static str)>,
) -> Option<(&'m Service, i64, Span, &'static str)> {
    if !s.replicas.is_absent() || !s.scale.is_absent() || s.ports.is_empty() {
        return None;
    }
    if s.image.as_ref().is_some_and(|i| is_stateful(&i.text)) {
        return None;
    }
    let found = *scaled_in_file.get(&s.file)?;
    (found.0.name != s.name).then_some(found)
}
