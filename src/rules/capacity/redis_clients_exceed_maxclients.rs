//! SL404 redis-clients-exceed-maxclients. Docs: rules/redis-clients-exceed-maxclients.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::model::capacity::Engine;
use crate::rules::Rule;

pub struct RedisClientsExceedMaxclients {
    own: String,
    others: Vec<String>,
    total: i64,
    maxclients: String,
    limit: i64,
    server: String,
    subject: String,
}

impl Violation for RedisClientsExceedMaxclients {
    const RULE: Rule = Rule::RedisClientsExceedMaxclients;

    fn message(&self) -> String {
        let shares = super::shares(&self.own, &self.others, self.total);
        format!(
            "{shares} > maxclients {} on {}: at full scale-out {}",
            self.maxclients,
            self.server,
            Engine::Redis.refusal()
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "bring the sum under {}: smaller pools or fewer max replicas, or a higher maxclients (with the file-descriptor limit to match)",
            self.limit
        ))
    }

    fn subject(&self) -> String {
        self.subject.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    let cap = &model.capacity;
    for sum in super::over_limit(model, &cap.redis_servers, &cap.redis_clients) {
        let server = sum.server;
        let maxclients = format!(
            "{} ({})",
            server.max_connections.value, server.max_connections.source
        );
        for (i, part) in sum.parts.iter().enumerate() {
            let f = out.report(
                RedisClientsExceedMaxclients {
                    own: part.text.clone(),
                    others: sum.others(i),
                    total: sum.total,
                    maxclients: maxclients.clone(),
                    limit: sum.limit,
                    server: server.display.clone(),
                    subject: format!(
                        "{}/container/{}/redis/{}",
                        part.owner, part.client.container, server.display
                    ),
                },
                part.client.pool.span.unwrap_or(part.client.host.1),
            );
            f.related_edit(
                server.max_connections.span.unwrap_or(server.kind_span),
                format!("maxclients {maxclients} of {}", server.display),
            );
            sum.relate_others(f, i);
        }
    }
}
