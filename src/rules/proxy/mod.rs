//! SL5xx: proxies (nginx upstreams and locations, HAProxy backends).
//!
//! nginx rules read every configuration of `Proxies::nginx`; a file
//! included by several configurations is seen once per configuration, so each
//! rule reports a location only the first time it meets it.

pub(crate) mod backends;
pub mod grpc_through_clusterip;
pub mod haproxy_httpchk_without_check;
pub mod haproxy_maxconn_inconsistent;
pub mod haproxy_server_without_check;
pub mod haproxy_timeouts_missing;
pub mod nginx_worker_connections_low;
pub mod nonstandard_directive;
pub mod proxy_pinned_to_single_backend;
pub mod upstream_failover_disabled;
pub mod upstream_hostname_resolved_once;
pub mod upstream_keepalive_ineffective;
pub mod upstream_single_server;
pub mod websocket_upgrade_missing;

use std::collections::HashSet;

use crate::source::Span;

/// Locations already reported by a rule.
#[derive(Default)]
pub(crate) struct Seen(HashSet<Span>);

impl Seen {
    /// True the first time a span is offered.
    pub fn first(&mut self, span: Span) -> bool {
        self.0.insert(span)
    }
}

/// Splits `host:port` (`[v6]:port` too); the port is `None` when not written.
pub(crate) fn host_port(address: &str) -> (&str, Option<&str>) {
    if let Some(rest) = address.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => (address, None),
        };
    }
    match address.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (address, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(host_port("10.0.0.1:8080"), ("10.0.0.1", Some("8080")));
        assert_eq!(host_port("app"), ("app", None));
        assert_eq!(host_port("[::1]:80"), ("::1", Some("80")));
        assert_eq!(host_port("::1"), ("::1", None));
    }
}
