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
    /// How it serves: `publishes ports (`8080`)`, `is an nginx upstream`.
    served: String,
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
            served,
            scaled_service,
            replicas,
            field,
            line,
        } = self;
        format!(
            "service `{service}` {served} and sets container_name `{container_name}` but no replica count, in a file where service `{scaled_service}` runs {replicas} replicas ({field}, line {line}): scaled the same way (`docker compose up --scale {service}=2`, or deploy.replicas added later), its second container fails because the name is taken"
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
    // Hosts nginx proxies to (upstream servers, proxy_pass URLs), with the
    // first place each is named.
    let mut proxied: HashMap<&str, Span> = HashMap::new();
    for c in &model.proxies.nginx {
        let servers = c.upstreams.iter().flat_map(|u| &u.servers);
        for (text, span) in servers
            .map(|s| (s.address.text.as_str(), s.address.span))
            .chain(
                c.proxy_passes
                    .iter()
                    .map(|p| (p.url.text.as_str(), p.url.span)),
            )
        {
            proxied.entry(host_of(text)).or_insert(span);
        }
    }
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
        let upstream = proxied.get(s.name.as_str()).copied();
        if let Some((other, n, span, field)) = scale_out_candidate(s, upstream, &scaled_in_file) {
            let served = match s.ports.first() {
                Some(p) => format!("publishes ports (`{}`)", p.text),
                None => "is a backend nginx proxies to".to_string(),
            };
            let f = out.report(
                ContainerNameBlocksScaleOut {
                    service: s.name.clone(),
                    container_name: name.text.clone(),
                    served,
                    scaled_service: other.name.clone(),
                    replicas: n,
                    field,
                    line: span.start.line,
                },
                key,
            );
            f.related(span, format!("{field}: {n} of service {}", other.name));
            if let (true, Some(at)) = (s.ports.is_empty(), upstream) {
                f.related(at, format!("nginx proxies to `{}` here", s.name));
            }
        }
    }
}

/// `web:8080`, `http://web:8080/api`, `unix:/x` → `web`, `web`, `unix`.
fn host_of(address: &str) -> &str {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest)
}

/// The scaled service of `s`'s file, when `s` is one a team would scale
/// the same way: no replica count written (not even 1), serves traffic
/// (publishes ports, or nginx in the tree proxies to its name), and is not
/// a database or broker (those are not scaled by adding containers).
fn scale_out_candidate<'m>(
    s: &Service,
    upstream: Option<Span>,
    scaled_in_file: &HashMap<FileId, (&'m Service, i64, Span, &'static str)>,
) -> Option<(&'m Service, i64, Span, &'static str)> {
    let served = !s.ports.is_empty() || upstream.is_some();
    if !s.replicas.is_absent() || !s.scale.is_absent() || !served {
        return None;
    }
    if s.image.as_ref().is_some_and(|i| is_stateful(&i.text)) {
        return None;
    }
    let found = *scaled_in_file.get(&s.file)?;
    (found.0.name != s.name).then_some(found)
}
