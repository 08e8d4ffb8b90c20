//! SL510 haproxy-server-without-check. Docs: rules/haproxy-server-without-check.toml

use crate::extract::haproxy;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct HaproxyServerWithoutCheck {
    /// `server` or `server-template`.
    keyword: String,
    server: String,
    proxy: String,
    servers: u64,
}

impl Violation for HaproxyServerWithoutCheck {
    const RULE: Rule = Rule::HaproxyServerWithoutCheck;

    fn message(&self) -> String {
        let Self {
            keyword,
            server,
            proxy,
            servers,
        } = self;
        format!(
            "{keyword} `{server}` of {proxy} ({servers} servers) has no `check` (nor a `default-server check` before it): HAProxy never notices when it is down and keeps sending it its share of requests"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "add `check` to the server line, or `default-server check` (with `inter`/`fall`/`rise` as needed) above the servers"
                .into(),
        )
    }

    fn subject(&self) -> String {
        format!("{} server {}", self.proxy, self.server)
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    for file in &proxies.haproxy {
        for proxy in haproxy::proxies(file).iter().filter(|p| p.is_backend()) {
            let servers = proxy.servers();
            let total: u64 = servers.iter().map(|s| s.count).sum();
            if total < 2 {
                continue;
            }
            for s in servers.iter().filter(|s| !s.checked) {
                // `track` takes the health of another server's check.
                if s.line.args().iter().any(|w| w.text == "track") {
                    continue;
                }
                let Some(span) = s.line.span() else { continue };
                let v = HaproxyServerWithoutCheck {
                    keyword: s.line.keyword().to_string(),
                    server: s.line.arg(0).map_or(String::new(), |w| w.text.to_string()),
                    proxy: proxy.display(),
                    servers: total,
                };
                out.report(v, span);
            }
        }
    }
}
