//! SL601 compose-container-name-prevents-scaling. Docs: rules/compose-container-name-prevents-scaling.toml

use std::collections::HashMap;

use crate::extract::compose::Service;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

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

/// The warning branch: a served service without a replica count that a
/// command in the tree scales (`docker compose up --scale web=3`).
pub struct ContainerNameBlocksScaleOut {
    service: String,
    container_name: String,
    /// How it serves: `publishes ports (`8080`)`, `is an nginx upstream`.
    served: String,
    /// `--scale web=3`, and where it is written.
    command: String,
    count: i64,
    place: String,
}

impl Violation for ContainerNameBlocksScaleOut {
    const RULE: Rule = Rule::ComposeContainerNamePreventsScaling;

    fn message(&self) -> String {
        let Self {
            service,
            container_name,
            served,
            command,
            count,
            place,
        } = self;
        format!(
            "service `{service}` {served} and sets container_name `{container_name}`, and `{command}` ({place}) runs it as {count} containers: every container after the first fails to start because the name is taken (the compose file itself sets no replica count)"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove container_name so the service can scale (other services still reach it by the service name on the network), or stop scaling it"
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

pub fn check(model: &Model, proxies: &Proxies, out: &mut Findings) {
    // Hosts nginx proxies to (upstream servers, proxy_pass URLs), with the
    // first place each is named.
    let mut proxied: HashMap<&str, Span> = HashMap::new();
    for c in &proxies.nginx {
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
    // Services that a command of the tree scales to two containers or more.
    let mut scaled_by_command: HashMap<&str, &crate::extract::compose::ScaleCommand> =
        HashMap::new();
    for c in model.compose_scale_commands.iter().filter(|c| c.count >= 2) {
        scaled_by_command.entry(c.service.as_str()).or_insert(c);
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
        if let Some(command) = scale_out_candidate(s, upstream, &scaled_by_command) {
            let served = match s.ports.first() {
                Some(p) => format!("publishes ports (`{}`)", p.text),
                None => "is a backend nginx proxies to".to_string(),
            };
            let place = command.place.clone();
            let f = out.report(
                ContainerNameBlocksScaleOut {
                    service: s.name.clone(),
                    container_name: name.text.clone(),
                    served,
                    command: format!("--scale {}={}", command.service, command.count),
                    count: command.count,
                    place,
                },
                key,
            );
            f.related(
                command.span,
                format!("--scale {}={}", command.service, command.count),
            );
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

/// The command that scales `s`, when `s` is a service it would break: no
/// replica count written (not even 1), serves traffic (publishes ports, or
/// nginx in the tree proxies to its name), and not a database or broker.
fn scale_out_candidate<'m>(
    s: &Service,
    upstream: Option<Span>,
    scaled_by_command: &HashMap<&str, &'m crate::extract::compose::ScaleCommand>,
) -> Option<&'m crate::extract::compose::ScaleCommand> {
    let served = !s.ports.is_empty() || upstream.is_some();
    if !s.replicas.is_absent() || !s.scale.is_absent() || !served {
        return None;
    }
    if s.image.as_ref().is_some_and(|i| is_stateful(&i.text)) {
        return None;
    }
    scaled_by_command.get(s.name.as_str()).copied()
}
