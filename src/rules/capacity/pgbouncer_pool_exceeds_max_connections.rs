//! SL403 pgbouncer-pool-exceeds-max-connections. Docs: rules/pgbouncer-pool-exceeds-max-connections.toml

use crate::extract::capacity::Setting;
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub enum PgbouncerPoolExceedsMaxConnections {
    /// The pooler's server connections exceed what the server accepts.
    ServerSide {
        pooler: String,
        arithmetic: String,
        total: i64,
        usable: i64,
        limit: String,
        server: String,
    },
    /// The applications' pools exceed the pooler's client slots.
    ClientSide {
        pooler: String,
        clients: Vec<String>,
        total: i64,
        slots: String,
        capacity: i64,
    },
}

impl Violation for PgbouncerPoolExceedsMaxConnections {
    const RULE: Rule = Rule::PgbouncerPoolExceedsMaxConnections;

    fn message(&self) -> String {
        match self {
            Self::ServerSide {
                pooler,
                arithmetic,
                total,
                usable,
                limit,
                server,
            } => format!(
                "{pooler} opens up to {arithmetic} = {total} server connections > {usable} usable of {limit} on {server}: under load PgBouncer's connections are refused by PostgreSQL and clients wait or fail"
            ),
            Self::ClientSide {
                pooler,
                clients,
                total,
                slots,
                capacity,
            } => {
                let sum = if clients.len() > 1 {
                    format!(" = {total}")
                } else {
                    String::new()
                };
                format!(
                    "the applications behind {pooler} open {}{sum} client connections > {capacity} client slots ({slots}): PgBouncer refuses the connections beyond max_client_conn",
                    clients.join(" + ")
                )
            }
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::ServerSide { usable, .. } => format!(
                "keep (default_pool_size + reserve_pool_size) × user/database pairs × instances at or below {usable}, or cap it with max_db_connections"
            ),
            Self::ClientSide { total, .. } => format!(
                "raise max_client_conn so that max_client_conn × instances is at least {total}, or lower the applications' pools"
            ),
        })
    }

    fn subject(&self) -> String {
        match self {
            Self::ServerSide { pooler, .. } => format!("{pooler}/server"),
            Self::ClientSide { pooler, .. } => format!("{pooler}/clients"),
        }
    }

    fn severity(&self) -> Option<Severity> {
        match self {
            Self::ServerSide { .. } => None,
            Self::ClientSide { .. } => Some(Severity::Warning),
        }
    }
}

fn shown(name: &str, s: &Setting) -> String {
    if s.span.is_some() {
        format!("{name} {}", s.value)
    } else {
        format!("{name} {} (default)", s.value)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    let cap = &model.capacity;
    for (pi, (p, server)) in cap.poolers.iter().enumerate() {
        let (Some(instances), Some(dps), Some(rps), Some(mdc), Some(mcc)) = (
            p.instances,
            p.default_pool_size,
            p.reserve_pool_size,
            p.max_db_connections,
            p.max_client_conn,
        ) else {
            continue;
        };
        if instances.value == 0 {
            continue;
        }
        let pooler = p.meta.display(&p.namespace);
        if let Some(server) = server.and_then(|s| cap.servers.get(s)) {
            let per_pair = dps.value.saturating_add(rps.value);
            let (per_pair, capped) = if mdc.value > 0 && mdc.value < per_pair {
                (mdc.value, true)
            } else {
                (per_pair, false)
            };
            let total = per_pair.saturating_mul(instances.value);
            let usable = server.usable();
            if total > usable {
                let pool = if capped {
                    shown("max_db_connections", &mdc)
                } else {
                    format!(
                        "({} + {})",
                        shown("default_pool_size", &dps),
                        shown("reserve_pool_size", &rps)
                    )
                };
                let arithmetic = format!(
                    "{pool} × 1 user/database pair (the pairs are not in the tree; at least 1) × {}",
                    shown("instances", &instances)
                );
                let mut limit = format!(
                    "max_connections {} ({})",
                    server.max_connections.value, server.max_connections.source
                );
                if server.superuser_reserved.value > 0 {
                    limit.push_str(&format!(
                        " − superuser_reserved_connections {} ({})",
                        server.superuser_reserved.value, server.superuser_reserved.source
                    ));
                }
                let at = if capped { mdc.span } else { dps.span }.unwrap_or(p.meta.kind_span);
                let f = out.report(
                    PgbouncerPoolExceedsMaxConnections::ServerSide {
                        pooler: pooler.clone(),
                        arithmetic,
                        total,
                        usable,
                        limit,
                        server: server.display.clone(),
                    },
                    at,
                );
                f.related_edit(
                    server.max_connections.span.unwrap_or(server.kind_span),
                    format!(
                        "max_connections {} of {}",
                        server.max_connections.value, server.display
                    ),
                );
            }
        }
        // Clients of this pooler, at their max replicas.
        let mut clients = Vec::new();
        let mut total = 0i64;
        for c in cap.pooler_clients.iter().filter(|c| c.server == pi) {
            let Some((owner, max, _)) = model.client_scale(c) else {
                continue;
            };
            let n = c.per_pod().saturating_mul(max);
            total = total.saturating_add(n);
            clients.push((
                c,
                format!(
                    "{owner} `{}`: pool {} ({}) × {max} max replicas = {n}",
                    c.container,
                    c.per_pod(),
                    c.pool.source,
                ),
            ));
        }
        let capacity = mcc.value.saturating_mul(instances.value);
        if clients.is_empty() || total <= capacity {
            continue;
        }
        let f = out.report(
            PgbouncerPoolExceedsMaxConnections::ClientSide {
                pooler: pooler.clone(),
                clients: clients.iter().map(|(_, t)| t.clone()).collect(),
                total,
                slots: format!(
                    "{} × {}",
                    shown("max_client_conn", &mcc),
                    shown("instances", &instances)
                ),
                capacity,
            },
            mcc.span.unwrap_or(p.meta.kind_span),
        );
        for (c, _) in &clients {
            f.related(
                c.pool.span.unwrap_or(c.host.1),
                format!("pool of `{}`", c.container),
            );
        }
    }
}
