//! SL512 haproxy-timeouts-missing. Docs: rules/haproxy-timeouts-missing.toml

use crate::extract::haproxy;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct HaproxyTimeoutsMissing {
    proxy: String,
    /// `timeout client`, or `timeout server` with the line that sets it to 0.
    missing: Vec<(&'static str, Option<u32>)>,
}

impl Violation for HaproxyTimeoutsMissing {
    const RULE: Rule = Rule::HaproxyTimeoutsMissing;

    fn message(&self) -> String {
        let Self { proxy, missing } = self;
        let unset: Vec<String> = missing
            .iter()
            .filter(|(_, zero)| zero.is_none())
            .map(|(m, _)| format!("`{m}`"))
            .collect();
        let mut parts = Vec::new();
        if !unset.is_empty() {
            parts.push(format!("no {} (nor in its defaults)", unset.join(", ")));
        }
        for (m, zero) in missing {
            if let Some(line) = zero {
                parts.push(format!(
                    "`{m}` 0 (line {line}), which HAProxy counts as unset"
                ));
            }
        }
        format!(
            "{proxy} has {}: HAProxy warns \"missing timeouts\" at start-up, and stalled connections are never closed, so they pile up until maxconn is reached",
            parts.join(" and ")
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

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    for file in &proxies.haproxy {
        for proxy in haproxy::proxies(file) {
            let mode = proxy.mode();
            // HAProxy checks timeouts of TCP and HTTP proxies only.
            if !matches!(mode, "tcp" | "http") {
                continue;
            }
            // A timeout set to 0 is no timeout: HAProxy asks for "a
            // non-zero value".
            let lacks = |name: &str| -> Option<Option<u32>> {
                match proxy.timeout(name) {
                    None => Some(None),
                    Some(l) if l.arg(1).is_some_and(|w| is_zero(&w.text)) => {
                        Some(Some(l.span().map_or(0, |s| s.start.line)))
                    }
                    Some(_) => None,
                }
            };
            let mut missing = Vec::new();
            if proxy.is_frontend()
                && let Some(zero) = lacks("client")
            {
                missing.push(("timeout client", zero));
            }
            if proxy.is_backend() && !proxy.servers().is_empty() {
                if let Some(zero) = lacks("connect") {
                    missing.push(("timeout connect", zero));
                }
                // In TCP mode `timeout tunnel` stands in for `timeout server`.
                let tunnel = mode == "tcp" && lacks("tunnel").is_none();
                if let Some(zero) = lacks("server")
                    && !tunnel
                {
                    missing.push(("timeout server", zero));
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

/// `0`, `0s`, `0ms`…: a time of zero in any of HAProxy's units.
fn is_zero(value: &str) -> bool {
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty() && digits.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_in_any_unit() {
        assert!(is_zero("0") && is_zero("0ms") && is_zero("00s"));
        assert!(!is_zero("10s") && !is_zero("5") && !is_zero("s") && !is_zero("0.5s"));
    }
}
