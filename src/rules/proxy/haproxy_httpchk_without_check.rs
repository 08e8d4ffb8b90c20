//! SL511 haproxy-httpchk-without-check. Docs: rules/haproxy-httpchk-without-check.toml

use std::collections::BTreeMap;

use crate::extract::haproxy;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

pub struct HaproxyHttpchkWithoutCheck {
    what: String,
    proxies: Vec<String>,
}

impl Violation for HaproxyHttpchkWithoutCheck {
    const RULE: Rule = Rule::HaproxyHttpchkWithoutCheck;

    fn message(&self) -> String {
        let Self { what, proxies } = self;
        format!(
            "`{what}` configures an HTTP health check, but none of the servers of {} has `check`: the check never runs and dead servers keep receiving traffic",
            proxies.join(", ")
        )
    }

    fn help(&self) -> Option<String> {
        Some("add `check` to the servers, or `default-server check` above them".into())
    }

    fn subject(&self) -> String {
        // Names only: the server counts may change without a new finding.
        let names: Vec<&str> = self
            .proxies
            .iter()
            .map(|p| p.split(" (").next().unwrap_or(p))
            .collect();
        format!("{} {}", self.what, names.join(","))
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 server".into()
    } else {
        format!("{n} servers")
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    for file in &proxies.haproxy {
        // One finding per health-check line, naming every backend it misses.
        let mut by_line: BTreeMap<Span, (String, Vec<String>)> = BTreeMap::new();
        for proxy in haproxy::proxies(file).iter().filter(|p| p.is_backend()) {
            let servers = proxy.servers();
            if servers.is_empty() || servers.iter().any(|s| s.checked) {
                continue;
            }
            let line = proxy
                .option("httpchk")
                .or_else(|| proxy.lines().find(|l| l.keyword() == "http-check"));
            let Some(line) = line else { continue };
            let Some(span) = line.span() else { continue };
            let what = line
                .words
                .iter()
                .take(2)
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            by_line
                .entry(span)
                .or_insert_with(|| (what, Vec::new()))
                .1
                .push(format!("{} ({})", proxy.display(), plural(servers.len())));
        }
        for (span, (what, proxies)) in by_line {
            out.report(HaproxyHttpchkWithoutCheck { what, proxies }, span);
        }
    }
}
