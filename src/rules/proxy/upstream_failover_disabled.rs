//! SL503 upstream-failover-disabled. Docs: rules/upstream-failover-disabled.toml

use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Seen;

pub enum UpstreamFailoverDisabled {
    /// `max_fails=0` on one server.
    NeverMarkedDown {
        server: String,
        upstream: String,
        servers: usize,
    },
    /// `proxy_next_upstream off` for a location.
    NoRetry {
        location: String,
        upstream: String,
        servers: usize,
    },
}

impl Violation for UpstreamFailoverDisabled {
    const RULE: Rule = Rule::UpstreamFailoverDisabled;

    fn message(&self) -> String {
        match self {
            Self::NeverMarkedDown {
                server,
                upstream,
                servers,
            } => format!(
                "server `{server}` of upstream `{upstream}` ({servers} servers that take requests) has max_fails=0: nginx never marks it unavailable, so while it is down every request the balancer picks it for tries it first and pays a connection error or timeout before failing over to the next server"
            ),
            Self::NoRetry {
                location,
                upstream,
                servers,
            } => format!(
                "proxy_next_upstream off for location `{location}`, which proxies to upstream `{upstream}` ({servers} servers that take requests): a failed attempt is never retried on another server"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::NeverMarkedDown { .. } => {
                "remove max_fails=0 (the default is 1) or set e.g. `max_fails=3 fail_timeout=10s`"
                    .into()
            }
            Self::NoRetry { .. } => {
                "remove `proxy_next_upstream off` (the default retries on `error timeout`), or list the conditions that are safe to retry"
                    .into()
            }
        })
    }

    fn subject(&self) -> String {
        match self {
            Self::NeverMarkedDown {
                server, upstream, ..
            } => format!("upstream {upstream} server {server}"),
            Self::NoRetry {
                location, upstream, ..
            } => format!("location {location} upstream {upstream}"),
        }
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for u in config.upstreams.iter() {
            // `down` servers take no requests: nothing fails over to them.
            let servers = live_servers(u);
            if servers < 2 {
                continue;
            }
            for s in u.servers.iter().filter(|s| !s.down) {
                let Some(word) = s.max_fails_zero else {
                    continue;
                };
                if !seen.first(word) {
                    continue;
                }
                let v = UpstreamFailoverDisabled::NeverMarkedDown {
                    server: s.address.text.to_string(),
                    upstream: u.name.to_string(),
                    servers,
                };
                out.report(v, word);
            }
        }
        for p in &config.proxy_passes {
            let Some(next) = &p.next_upstream else {
                continue;
            };
            let Some(u) = config.upstream_of(p) else {
                continue;
            };
            let servers = live_servers(u);
            if next.value != ["off"] || servers < 2 || !seen.first(next.span) {
                continue;
            }
            let v = UpstreamFailoverDisabled::NoRetry {
                location: p
                    .location
                    .as_ref()
                    .map_or("(none)".into(), |w| w.text.to_string()),
                upstream: u.name.to_string(),
                servers,
            };
            out.report(v, next.span)
                .related(p.span, format!("proxy_pass to `{}`", u.name));
        }
    }
}

/// Servers of an upstream that can take requests (backups included).
fn live_servers(u: &crate::extract::nginx::Upstream) -> usize {
    u.servers.iter().filter(|s| !s.down).count()
}
