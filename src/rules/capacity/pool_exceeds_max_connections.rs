//! SL401 pool-exceeds-max-connections. Docs: rules/pool-exceeds-max-connections.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::model::capacity::{Engine, Term};
use crate::rules::Rule;

pub struct PoolExceedsMaxConnections {
    engine: Engine,
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
        let shares = super::shares(&self.own, &self.others, self.total);
        format!(
            "{shares} > {} usable of {} on {}: at full scale-out {}",
            self.usable,
            self.limit,
            self.server,
            self.engine.refusal()
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "bring the sum under {}: smaller pools, fewer max replicas or processes, a connection pooler ({}) in front of the server, or a higher max_connections",
            self.usable,
            self.engine.pooler()
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
    for sum in super::over_limit(model, &cap.servers, &cap.clients) {
        let server = sum.server;
        let mut limit = format!("max_connections {}", term(&server.max_connections));
        for (name, reserve) in [
            ("superuser_reserved_connections", &server.superuser_reserved),
            ("reserved_connections", &server.reserved),
        ] {
            if reserve.value > 0 {
                limit.push_str(&format!(" − {name} {}", term(reserve)));
            }
        }
        for (i, part) in sum.parts.iter().enumerate() {
            let f = out.report(
                PoolExceedsMaxConnections {
                    engine: server.engine,
                    own: part.text.clone(),
                    others: sum.others(i),
                    total: sum.total,
                    server: server.display.clone(),
                    limit: limit.clone(),
                    usable: sum.limit,
                    subject: format!(
                        "{}/container/{}/database/{}",
                        part.owner, part.client.container, server.display
                    ),
                },
                part.client.pool.span.unwrap_or(part.client.host.1),
            );
            f.related_edit(
                server.max_connections.span.unwrap_or(server.kind_span),
                format!(
                    "max_connections {} of {}",
                    term(&server.max_connections),
                    server.display
                ),
            );
            sum.relate_others(f, i);
        }
    }
}
