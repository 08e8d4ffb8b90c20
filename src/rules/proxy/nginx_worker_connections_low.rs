//! SL509 nginx-worker-connections-low. Docs: rules/nginx-worker-connections-low.toml

use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Seen;

/// nginx's default `worker_connections`.
const DEFAULT_WORKER_CONNECTIONS: u64 = 512;
const LOW: u64 = 1024;

pub struct NginxWorkerConnectionsLow {
    connections: u64,
    written: bool,
    workers: Option<String>,
}

impl Violation for NginxWorkerConnectionsLow {
    const RULE: Rule = Rule::NginxWorkerConnectionsLow;

    fn message(&self) -> String {
        let Self {
            connections,
            written,
            workers,
        } = self;
        let source = if *written {
            format!("worker_connections {connections}")
        } else {
            format!("worker_connections unset, default {connections}")
        };
        let total = match workers.as_deref().map(str::parse::<u64>) {
            Some(Ok(n)) => format!(
                "; with worker_processes {n}, {} at once in all",
                (connections / 2).saturating_mul(n)
            ),
            _ => String::new(),
        };
        format!(
            "this proxying nginx allows {connections} connections per worker ({source}): each proxied request holds two (client and upstream), so a worker serves at most {} requests at once{total}, and refuses connections long before its CPU is busy",
            connections / 2
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "raise `worker_connections` in the events block (4096 is common; keep it below `worker_rlimit_nofile`)"
                .into(),
        )
    }

    fn subject(&self) -> String {
        "events worker_connections".into()
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        let Some(events) = &config.events else {
            continue;
        };
        if config.proxy_passes.is_empty() {
            continue;
        }
        let (connections, span, written) = match &events.worker_connections {
            Some(w) => (w.value, w.span, true),
            None => (DEFAULT_WORKER_CONNECTIONS, events.span, false),
        };
        if connections >= LOW || !seen.first(span) {
            continue;
        }
        let v = NginxWorkerConnectionsLow {
            connections,
            written,
            workers: config
                .worker_processes
                .as_ref()
                .map(|w| w.value.clone())
                .map(|t| t.to_string()),
        };
        out.report(v, span);
    }
}
