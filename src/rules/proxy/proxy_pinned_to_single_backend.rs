//! SL505 proxy-pinned-to-single-backend. Docs: rules/proxy-pinned-to-single-backend.toml

use std::collections::HashMap;

use crate::extract::nginx::{Upstream, UpstreamServer};
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{Seen, host_port};

pub struct ProxyPinnedToSingleBackend {
    target: String,
    upstream: String,
    servers: usize,
}

impl Violation for ProxyPinnedToSingleBackend {
    const RULE: Rule = Rule::ProxyPinnedToSingleBackend;

    fn message(&self) -> String {
        let Self {
            target,
            upstream,
            servers,
        } = self;
        format!(
            "proxy_pass goes straight to `{target}`, one of the {servers} servers of upstream `{upstream}`: this traffic bypasses the balancer and fails when that server does"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "proxy_pass to the upstream instead (`proxy_pass http://{};`)",
            self.upstream
        ))
    }

    fn subject(&self) -> String {
        format!("proxy_pass {} upstream {}", self.target, self.upstream)
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        // Endpoint → the first upstream server at it, built for the first
        // `proxy_pass` that names no upstream.
        let mut members: Option<Members<'_>> = None;
        for p in &config.proxy_passes {
            let Some(host) = p.host() else { continue };
            if config.upstream_of(p).is_some() {
                continue;
            }
            let default_port = if p.scheme() == Some("https") {
                "443"
            } else {
                "80"
            };
            let target = endpoint(host, default_port);
            let members = members.get_or_insert_with(|| {
                let mut index = HashMap::new();
                for u in &config.upstreams {
                    for s in &u.servers {
                        index
                            .entry(endpoint(&s.address.text, "80"))
                            .or_insert((u, s));
                    }
                }
                index
            });
            let Some(&(u, s)) = members.get(&target) else {
                continue;
            };
            if !seen.first(p.url.span) {
                continue;
            }
            let v = ProxyPinnedToSingleBackend {
                target: host.to_string(),
                upstream: u.name.to_string(),
                servers: u.servers.len(),
            };
            out.report(v, p.url.span).related(
                s.span,
                format!("server `{}` of upstream `{}`", s.address.text, u.name),
            );
        }
    }
}

/// (host, port) → an upstream and its server at that endpoint.
type Members<'c> = HashMap<(String, String), (&'c Upstream, &'c UpstreamServer)>;

/// `host:port` with the port filled in and the host lower-cased.
fn endpoint(address: &str, default_port: &str) -> (String, String) {
    let (host, port) = host_port(address);
    (
        host.to_ascii_lowercase(),
        port.unwrap_or(default_port).to_string(),
    )
}
