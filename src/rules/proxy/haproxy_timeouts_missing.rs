//! SL512 haproxy-timeouts-missing. Docs: rules/haproxy-timeouts-missing.toml

use crate::extract::haproxy::proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct HaproxyTimeoutsMissing {
    proxy: String,
    missing: Vec<&'static str>,
}

impl Violation for HaproxyTimeoutsMissing {
    const RULE: Rule = Rule::HaproxyTimeoutsMissing;

    fn message(&self) -> String {
        let Self { proxy, missing } = self;
        format!(
            "{proxy} has no {} (nor in its defaults): HAProxy warns \"missing timeouts\" at start-up, and stalled connections are never closed, so they pile up until maxconn is reached",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "set them in a `defaults` section (e.g. `timeout connect 5s`, `timeout client 30s`, `timeout server 30s`)"
                .into(),
        )
    }

    fn subject(&self) -> String {
        self.proxy.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for file in &model.proxies.haproxy {
        for proxy in proxies(file) {
            let mode = proxy.mode();
            // HAProxy checks timeouts of TCP and HTTP proxies only.
            if !matches!(mode, "tcp" | "http") {
                continue;
            }
            let mut missing = Vec::new();
            if proxy.is_frontend() && proxy.timeout("client").is_none() {
                missing.push("timeout client");
            }
            if proxy.is_backend() && !proxy.servers().is_empty() {
                if proxy.timeout("connect").is_none() {
                    missing.push("timeout connect");
                }
                // In TCP mode `timeout tunnel` stands in for `timeout server`.
                let tunnel = mode == "tcp" && proxy.timeout("tunnel").is_some();
                if proxy.timeout("server").is_none() && !tunnel {
                    missing.push("timeout server");
                }
            }
            if missing.is_empty() {
                continue;
            }
            let v = HaproxyTimeoutsMissing {
                proxy: proxy.display(),
                missing,
            };
            out.report(v, proxy.span());
        }
    }
}
