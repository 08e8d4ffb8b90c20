//! SL401 pool-exceeds-max-connections. Docs: rules/pool-exceeds-max-connections.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::model::capacity::{DbClient, Term};
use crate::rules::Rule;

pub struct PoolExceedsMaxConnections {
    own: String,
    others: Vec<String>,
    total: i64,
    server: String,
    limit: String,
    usable: i64,
    subject: String,
}

impl Violation for PoolExceedsMaxConnections {
    const RULE: Rule = Rule::PoolExceedsMaxConnections;

    fn message(&self) -> String {
        let others = if self.others.is_empty() {
            String::new()
        } else {
            format!(", plus {}", self.others.join(", plus "))
        };
        // With one client its own product is the total.
        let sum = if self.others.is_empty() {
            String::new()
        } else {
            format!(": {}", self.total)
        };
        format!(
            "{}{others}{sum} > {} usable of {} on {}: at full scale-out PostgreSQL refuses new connections (\"sorry, too many clients already\")",
            self.own, self.usable, self.limit, self.server
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "bring the sum under {}: smaller pools, fewer max replicas or processes, a connection pooler (PgBouncer) in front of the server, or a higher max_connections",
            self.usable
        ))
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

fn term(t: &Term) -> String {
    format!("{} ({})", t.value, t.source)
}

pub fn check(model: &Model, out: &mut Findings) {
    let cap = &model.capacity;
    // Each client with its connections at the workload's max replicas.
    let mut per_server: Vec<Vec<(&DbClient, i64, String)>> = vec![Vec::new(); cap.servers.len()];
    for c in &cap.clients {
        let Some((owner, max, max_from)) = model.client_scale(c) else {
            continue;
        };
        let total = c.per_pod().saturating_mul(max);
        let mut text = format!("pool {}", term(&c.pool));
        if let Some(o) = &c.overflow {
            text = format!("({text} + overflow {})", term(o));
        }
        if let Some(p) = &c.processes {
            text = format!("{text} × {} processes ({})", p.value, p.source);
        }
        let who = if c.compose.is_some() {
            owner
        } else {
            format!("{owner} `{}`", c.container)
        };
        let text = format!("{who}: {text} × {max} max replicas ({max_from}) = {total}");
        if let Some(list) = per_server.get_mut(c.server) {
            list.push((c, total, text));
        }
    }
    for (server, clients) in cap.servers.iter().zip(&per_server) {
        let total = clients
            .iter()
            .fold(0i64, |sum, (_, n, _)| sum.saturating_add(*n));
        let usable = server.usable();
        if clients.is_empty() || total <= usable {
            continue;
        }
        let mut limit = format!("max_connections {}", term(&server.max_connections));
        for (name, reserve) in [
            ("superuser_reserved_connections", &server.superuser_reserved),
            ("reserved_connections", &server.reserved),
        ] {
            if reserve.value > 0 {
                limit.push_str(&format!(" − {name} {}", term(reserve)));
            }
        }
        for (i, (c, _, text)) in clients.iter().enumerate() {
            let Some((owner, _, _)) = model.client_scale(c) else {
                continue;
            };
            let others: Vec<String> = clients
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, _, t))| t.clone())
                .collect();
            let at = c.pool.span.unwrap_or(c.host.1);
            let f = out.report(
                PoolExceedsMaxConnections {
                    own: text.clone(),
                    others,
                    total,
                    server: server.display.clone(),
                    limit: limit.clone(),
                    usable,
                    subject: format!(
                        "{owner}/container/{}/database/{}",
                        c.container, server.display
                    ),
                },
                at,
            );
            f.related_edit(
                server.max_connections.span.unwrap_or(server.kind_span),
                format!(
                    "max_connections {} of {}",
                    term(&server.max_connections),
                    server.display
                ),
            );
            for (j, (other, _, _)) in clients.iter().enumerate() {
                if j != i
                    && let Some(span) = other.pool.span.or(Some(other.host.1))
                {
                    f.related(span, format!("pool of `{}`", other.container));
                }
            }
        }
    }
}
