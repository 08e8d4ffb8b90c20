//! SL502 upstream-single-server. Docs: rules/upstream-single-server.toml

use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::{Seen, host_port};

pub struct UpstreamSingleServer {
    upstream: String,
    server: String,
    what: &'static str,
}

impl Violation for UpstreamSingleServer {
    const RULE: Rule = Rule::UpstreamSingleServer;

    fn message(&self) -> String {
        let Self {
            upstream,
            server,
            what,
        } = self;
        format!(
            "upstream `{upstream}` has 1 server (`{server}`, {what}) and no backup: when it fails or restarts, every request through this upstream fails"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "list every backend instance (or a Service name that spreads over them), or add a `backup` server"
                .into(),
        )
    }

    fn subject(&self) -> String {
        format!("upstream {}", self.upstream)
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for u in &config.upstreams {
            let [server] = u.servers.as_slice() else {
                continue;
            };
            if server.backup || server.resolve || !seen.first(u.span) {
                continue;
            }
            let Some(what) = single_instance(&server.address.text) else {
                continue;
            };
            let v = UpstreamSingleServer {
                upstream: u.name.to_string(),
                server: server.address.text.to_string(),
                what,
            };
            out.report(v, u.span)
                .related(server.span, format!("the only server of `{}`", u.name));
        }
    }
}

/// What the address is when it certainly names one instance: an IP address
/// other than loopback, or the DNS name of one pod (`pod.svc.ns.svc…`).
/// Loopback and Unix sockets (an app beside nginx in the same pod or host)
/// and other names (which may resolve to several addresses, each a server
/// to nginx) are not judged.
fn single_instance(address: &str) -> Option<&'static str> {
    if address.starts_with("unix:") || address.contains('$') {
        return None;
    }
    let (host, _) = host_port(address);
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return (!ip.is_loopback()).then_some("an IP address");
    }
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let svc = labels.iter().position(|l| *l == "svc")?;
    // `name.ns.svc[.cluster.local]` is a Service; one more label in front is
    // a pod of a headless Service (a StatefulSet member).
    (svc >= 3).then_some("the DNS name of one pod")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_counts_as_one_instance() {
        assert!(single_instance("10.0.0.5:8080").is_some());
        assert!(single_instance("api-0.api.shop.svc.cluster.local:80").is_some());
        assert!(single_instance("api.shop.svc.cluster.local:80").is_none());
        assert!(single_instance("api.shop.svc").is_none());
        assert!(single_instance("127.0.0.1:3000").is_none());
        assert!(single_instance("unix:/run/app.sock").is_none());
        assert!(single_instance("backend:8000").is_none());
        assert!(single_instance("app.example.com").is_none());
    }
}
