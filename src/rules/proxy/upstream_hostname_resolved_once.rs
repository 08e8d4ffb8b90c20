//! SL507 upstream-hostname-resolved-once. Docs: rules/upstream-hostname-resolved-once.toml

use crate::extract::proxy::NginxVersion;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

use super::Seen;
use super::backends::{Backend, Backends};

pub struct UpstreamHostnameResolvedOnce {
    upstream: String,
    server: String,
    /// What the tree says the name stands for.
    instances: String,
    version: Option<NginxVersion>,
}

impl Violation for UpstreamHostnameResolvedOnce {
    const RULE: Rule = Rule::UpstreamHostnameResolvedOnce;

    fn message(&self) -> String {
        let Self {
            upstream,
            server,
            instances,
            ..
        } = self;
        format!(
            "server `{server}` of upstream `{upstream}` has no `resolve` parameter, but names {instances}: nginx resolves the name once at start (and reload), so instances added later never get traffic and replaced ones keep being tried at their old addresses"
        )
    }

    fn help(&self) -> Option<String> {
        let resolve = "add `resolve` to the server line, with a `zone` in the upstream and a `resolver` (kube-dns, or 127.0.0.11 under compose) in the http block or the upstream";
        let variable = "use `resolver` with `valid=10s` and a variable in `proxy_pass` (`set $backend http://name:port; proxy_pass $backend;`), which resolves per request";
        Some(match self.version {
            Some(v) if v >= NginxVersion::UPSTREAM_RESOLVE => format!("{resolve} (nginx {v})"),
            Some(v) => format!(
                "nginx {v} (`[nginx] version`) has no `resolve` parameter (open-source nginx 1.27.3 or later): {variable}"
            ),
            None => {
                format!("{resolve} (open-source nginx 1.27.3 or later); on older nginx, {variable}")
            }
        })
    }

    fn subject(&self) -> String {
        format!("upstream {} server {}", self.upstream, self.server)
    }
}

pub fn check(model: &Model, proxies: &Proxies, out: &mut Findings) {
    let backends = Backends::new(model);
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for u in &config.upstreams {
            for s in &u.servers {
                // `resolve` re-resolves at run time; nginx -t itself refuses
                // it without a resolver or a zone, so that is not judged here.
                if s.resolve {
                    continue;
                }
                let Some(backend) = backends.lookup(&s.address.text) else {
                    continue;
                };
                let Some((instances, related)) = many_instances(model, &backend) else {
                    continue;
                };
                if !seen.first(s.span) {
                    continue;
                }
                let v = UpstreamHostnameResolvedOnce {
                    upstream: u.name.to_string(),
                    server: s.address.text.to_string(),
                    instances,
                    version: proxies.nginx_version,
                };
                let f = out.report(v, s.span);
                for (span, message) in related {
                    f.related(span, message);
                }
            }
        }
    }
}

/// What the backend is when the tree shows it has several or changing
/// instances, with the locations that say so.
fn many_instances(model: &Model, backend: &Backend) -> Option<(String, Vec<(Span, String)>)> {
    match backend {
        Backend::Compose(i) => {
            let s = model.compose_services.get(*i)?;
            let (n, at) = s.instances()?;
            if n < 2 {
                return None;
            }
            let field = if s.replicas.is_absent() {
                "scale"
            } else {
                "deploy.replicas"
            };
            let related = at
                .map(|span| (span, format!("{field} {n} of compose service `{}`", s.name)))
                .into_iter()
                .collect();
            Some((
                format!(
                    "compose service `{}`, which runs {n} containers ({field}) and which Docker's DNS answers with one address per container",
                    s.name
                ),
                related,
            ))
        }
        Backend::K8s {
            namespace,
            name,
            service,
            statefulsets,
        } => {
            let sts: Vec<_> = statefulsets
                .iter()
                .filter_map(|&wi| model.workloads.get(wi))
                .collect();
            let governs = match sts.as_slice() {
                [] => String::new(),
                [one] => format!(", the governing Service of {}", one.display()),
                [first, ..] => format!(
                    ", the governing Service of {} and {} more",
                    first.display(),
                    sts.len() - 1
                ),
            };
            match service.and_then(|si| model.services.get(si)) {
                Some(svc) if svc.headless => Some((
                    format!(
                        "the headless Service {namespace}/{name} (clusterIP: None{governs}), whose DNS answer is one address per ready pod"
                    ),
                    vec![(
                        svc.meta.kind_span,
                        format!("Service {namespace}/{name} is headless"),
                    )],
                )),
                // A ClusterIP Service keeps one stable address.
                Some(_) => None,
                None => {
                    let first = sts.first()?;
                    Some((
                        format!(
                            "the Service {namespace}/{name}{governs} (a StatefulSet's governing Service is headless, so its DNS answer is one address per ready pod)"
                        ),
                        vec![(
                            first.meta.kind_span,
                            format!("{} has serviceName {name}", first.display()),
                        )],
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(version: Option<NginxVersion>) -> String {
        UpstreamHostnameResolvedOnce {
            upstream: "api".into(),
            server: "api:8000".into(),
            instances: "x".into(),
            version,
        }
        .help()
        .unwrap_or_default()
    }

    #[test]
    fn the_fix_follows_the_target_nginx() {
        let old = help(NginxVersion::parse("1.26"));
        assert!(old.contains("has no `resolve` parameter") && old.contains("variable"));
        let new = help(NginxVersion::parse("1.27.3"));
        assert!(new.starts_with("add `resolve`") && !new.contains("variable"));
        let unknown = help(None);
        assert!(unknown.contains("1.27.3 or later") && unknown.contains("variable"));
    }
}
