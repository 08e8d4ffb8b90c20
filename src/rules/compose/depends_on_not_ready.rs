//! SL603 compose-depends-on-not-ready. Docs: rules/compose-depends-on-not-ready.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

/// Images of databases and brokers that take a while to accept connections.
const STATEFUL_IMAGES: [&str; 14] = [
    "postgres",
    "postgresql",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "kafka",
    "rabbitmq",
    "zookeeper",
    "elasticsearch",
    "opensearch",
    "cassandra",
];

pub struct DependsOnNotReady {
    service: String,
    dependency: String,
    image: String,
    why: &'static str,
}

impl Violation for DependsOnNotReady {
    const RULE: Rule = Rule::ComposeDependsOnNotReady;

    fn message(&self) -> String {
        format!(
            "service `{}` depends on `{}` ({}) {}: Compose starts it as soon as the container runs, before the server accepts connections, and its first requests fail",
            self.service, self.dependency, self.image, self.why
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "give `{}` a healthcheck and depend on it with `condition: service_healthy`",
            self.dependency
        ))
    }

    fn subject(&self) -> String {
        format!(
            "compose service {}/depends_on/{}",
            self.service, self.dependency
        )
    }
}

pub(crate) fn is_stateful(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    STATEFUL_IMAGES.iter().any(|s| {
        repo == *s || repo.starts_with(&format!("{s}-")) || repo.ends_with(&format!("-{s}"))
    })
}

pub fn check(model: &Model, out: &mut Findings) {
    for s in &model.compose_services {
        for d in &s.depends_on {
            // The dependency in the same compose file.
            let Some(dep) = model
                .compose_services
                .iter()
                .find(|o| o.file == s.file && o.name == d.name)
            else {
                continue;
            };
            let Some(image) = dep.image.as_ref().map(|i| i.text.as_str()) else {
                continue;
            };
            if !is_stateful(image) {
                continue;
            }
            let why = match (d.condition.as_deref(), dep.healthcheck) {
                (Some("service_healthy"), Some(true)) => continue,
                (Some("service_healthy"), _) => {
                    "with condition service_healthy, but it has no healthcheck"
                }
                (Some("service_completed_successfully"), _) => continue,
                _ => "without condition: service_healthy",
            };
            out.report(
                DependsOnNotReady {
                    service: s.name.clone(),
                    dependency: d.name.clone(),
                    image: image.to_string(),
                    why,
                },
                d.span,
            );
        }
    }
}
