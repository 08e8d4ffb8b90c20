//! SL4xx: capacity across files.

pub mod consumers_exceed_partitions;
pub mod pgbouncer_pool_exceeds_max_connections;
pub mod pool_exceeds_max_connections;
pub mod redis_clients_exceed_maxclients;
pub mod standby_max_connections_below_primary;
pub mod upstream_capacity_below_replicas;

use crate::finding::Finding;
use crate::model::Model;
use crate::model::capacity::{DbClient, DbServer, Term};

/// One client's share of a server's connections.
pub(crate) struct Part<'m> {
    pub client: &'m DbClient,
    /// The workload or compose service.
    pub owner: String,
    /// `Deployment shop/api `api`: pool 5 (DB_POOL_SIZE) × 4 processes (…) × 8 max replicas (…) = 160`.
    pub text: String,
}

/// The clients of one server whose connections, at their max replicas,
/// add up to more than it accepts.
pub(crate) struct OverLimit<'m> {
    pub server: &'m DbServer,
    /// What the server accepts (`DbServer::usable`).
    pub limit: i64,
    pub total: i64,
    pub parts: Vec<Part<'m>>,
}

impl OverLimit<'_> {
    /// The other parts' texts, for the message of part `i`.
    pub fn others(&self, i: usize) -> Vec<String> {
        self.parts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p.text.clone())
            .collect()
    }

    /// Adds the other parts' pool sizes as related locations.
    pub fn relate_others(&self, f: &mut Finding, i: usize) {
        for (j, p) in self.parts.iter().enumerate() {
            if j != i {
                f.related(
                    p.client.pool.span.unwrap_or(p.client.host.1),
                    format!("pool of `{}`", p.client.container),
                );
            }
        }
    }
}

/// `own, plus other, plus other: total` — a client's share, the others'
/// and the sum; with one client its own product already is the total.
pub(crate) fn shares(own: &str, others: &[String], total: i64) -> String {
    if others.is_empty() {
        own.to_string()
    } else {
        format!("{own}, plus {}: {total}", others.join(", plus "))
    }
}

fn term(t: &Term) -> String {
    format!("{} ({})", t.value, t.source)
}

/// Sums each server's clients (pool [+ overflow] × processes × max
/// replicas) and returns the servers whose sum exceeds what they accept.
pub(crate) fn over_limit<'m>(
    model: &'m Model,
    servers: &'m [DbServer],
    clients: &'m [DbClient],
) -> Vec<OverLimit<'m>> {
    let mut per_server: Vec<Vec<(Part<'m>, i64)>> = servers.iter().map(|_| Vec::new()).collect();
    for c in clients {
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
            owner.clone()
        } else {
            format!("{owner} `{}`", c.container)
        };
        let text = format!("{who}: {text} × {max} max replicas ({max_from}) = {total}");
        if let Some(list) = per_server.get_mut(c.server) {
            list.push((
                Part {
                    client: c,
                    owner,
                    text,
                },
                total,
            ));
        }
    }
    servers
        .iter()
        .zip(per_server)
        .filter_map(|(server, parts)| {
            let total = parts
                .iter()
                .fold(0i64, |sum, (_, n)| sum.saturating_add(*n));
            let limit = server.usable();
            (!parts.is_empty() && total > limit).then(|| OverLimit {
                server,
                limit,
                total,
                parts: parts.into_iter().map(|(p, _)| p).collect(),
            })
        })
        .collect()
}
