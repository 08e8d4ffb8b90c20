//! SL403 pgbouncer-pool-exceeds-max-connections. Docs: rules/pgbouncer-pool-exceeds-max-connections.toml

use std::collections::HashMap;
use std::path::Path;

use crate::extract::Val;
use crate::extract::capacity::Setting;
use crate::extract::compose;
use crate::extract::pgbouncer::{IniDatabase, PgbouncerIni};
use crate::finding::{Finding, Findings, Severity, Violation};
use crate::model::Model;
use crate::model::capacity::{DbClient, DbServer, Engine, PoolerHost, Term, service_of};
use crate::rules::Rule;
use crate::source::{FileId, Span};

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
                "keep (default_pool_size + reserve_pool_size) × user/database pairs × instances at or below {usable}, or cap each database with max_db_connections"
            ),
            Self::ClientSide { total, .. } => format!(
                "raise max_client_conn so that max_client_conn × instances is at least {total}, or lower the applications' pools"
            ),
        })
    }

    fn subject(&self) -> String {
        match self {
            Self::ServerSide { pooler, server, .. } => format!("{pooler}/server/{server}"),
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

/// `max_connections 60 (…) − superuser_reserved_connections 3 (default)`.
fn limit_text(server: &DbServer) -> String {
    let term = |t: &Term| format!("{} ({})", t.value, t.source);
    let mut limit = format!("max_connections {}", term(&server.max_connections));
    for (name, reserve) in [
        ("superuser_reserved_connections", &server.superuser_reserved),
        ("reserved_connections", &server.reserved),
    ] {
        if reserve.value > 0 {
            limit.push_str(&format!(" − {name} {}", term(reserve)));
        }
    }
    limit
}

fn relate_server(f: &mut Finding, server: &DbServer) {
    f.related_edit(
        server.max_connections.span.unwrap_or(server.kind_span),
        format!(
            "max_connections {} of {}",
            server.max_connections.value, server.display
        ),
    );
}

/// The applications' side: their pools at max replicas against the
/// pooler's client slots (`max_client_conn` × instances).
#[allow(clippy::too_many_arguments)]
fn client_side<'m>(
    model: &'m Model,
    clients: impl Iterator<Item = &'m DbClient>,
    pooler: &str,
    mcc: &Setting,
    instances: i64,
    instances_text: String,
    at: Span,
    out: &mut Findings,
) {
    let mut parts = Vec::new();
    let mut total = 0i64;
    for c in clients {
        let Some((owner, max, _)) = model.client_scale(c) else {
            continue;
        };
        let n = c.per_pod().saturating_mul(max);
        total = total.saturating_add(n);
        let who = if c.compose.is_some() {
            owner
        } else {
            format!("{owner} `{}`", c.container)
        };
        parts.push((
            c,
            format!(
                "{who}: pool {} ({}) × {max} max replicas = {n}",
                c.per_pod(),
                c.pool.source,
            ),
        ));
    }
    let capacity = mcc.value.saturating_mul(instances);
    if parts.is_empty() || total <= capacity {
        return;
    }
    let f = out.report(
        PgbouncerPoolExceedsMaxConnections::ClientSide {
            pooler: pooler.to_string(),
            clients: parts.iter().map(|(_, t)| t.clone()).collect(),
            total,
            slots: format!("{} × {instances_text}", shown("max_client_conn", mcc)),
            capacity,
        },
        mcc.span.unwrap_or(at),
    );
    for (c, _) in &parts {
        f.related(
            c.pool.span.unwrap_or(c.host.1),
            format!("pool of `{}`", c.container),
        );
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    check_poolers(model, out);
    for ini in &model.pgbouncer {
        check_ini(model, ini, out);
    }
}

/// CloudNativePG Poolers.
fn check_poolers(model: &Model, out: &mut Findings) {
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
            // One user/database pair: a Pooler does not say which pairs
            // its clients use.
            let per_pair = dps.value.saturating_add(rps.value);
            let (per_db, capped) = if mdc.value > 0 && mdc.value < per_pair {
                (mdc.value, true)
            } else {
                (per_pair, false)
            };
            let total = per_db.saturating_mul(instances.value);
            let usable = server.usable();
            if total > usable {
                let pool = if capped {
                    shown("max_db_connections", &mdc)
                } else {
                    format!(
                        "({} + {}) × 1 user/database pair (the pairs are not in the tree; at least 1)",
                        shown("default_pool_size", &dps),
                        shown("reserve_pool_size", &rps)
                    )
                };
                let arithmetic = format!("{pool} × {}", shown("instances", &instances));
                let at = if capped { mdc.span } else { dps.span }.unwrap_or(p.meta.kind_span);
                let f = out.report(
                    PgbouncerPoolExceedsMaxConnections::ServerSide {
                        pooler: pooler.clone(),
                        arithmetic,
                        total,
                        usable,
                        limit: limit_text(server),
                        server: server.display.clone(),
                    },
                    at,
                );
                relate_server(f, server);
            }
        }
        client_side(
            model,
            cap.pooler_clients.iter().filter(|c| c.server == pi),
            &pooler,
            &mcc,
            instances.value,
            shown("instances", &instances),
            p.meta.kind_span,
            out,
        );
    }
}

/// Where a mounter of a pgbouncer.ini looks its database hosts up.
#[derive(Clone, Debug)]
enum Scope {
    /// Service names of one compose file.
    Compose(FileId),
    /// Service names of one namespace.
    Namespace(String),
}

/// A compose service or workload that runs PgBouncer with an ini file.
struct Mounter {
    host: PoolerHost,
    scope: Scope,
    instances: i64,
    /// `compose service pgbouncer`, `Deployment shop/pgbouncer`.
    label: String,
    /// `deploy.replicas of compose service pgbouncer`.
    source: String,
    span: Option<Span>,
}

fn instances_word(n: i64) -> &'static str {
    if n == 1 { "instance" } else { "instances" }
}

/// The compose services and workloads that mount `ini`: compose services
/// that bind-mount it or a directory above it, and workloads whose pods
/// mount a ConfigMap holding it. `None` when one of them has an
/// unreadable replica count.
fn mounters(model: &Model, ini: &PgbouncerIni) -> Option<Vec<Mounter>> {
    let path = compose::normalize(&ini.path);
    let index = model.mounts();
    let mut out = Vec::new();
    for (si, vi) in index.compose_services_mounting(&path) {
        let Some(s) = model.compose_services.get(si) else {
            continue;
        };
        let (n, at) = s.instances()?;
        let label = format!("compose service {}", s.name);
        let source = match at {
            None => format!("{label}, no replicas set"),
            Some(_) if s.replicas.is_absent() => format!("scale of {label}"),
            Some(_) => format!("deploy.replicas of {label}"),
        };
        out.push(Mounter {
            host: PoolerHost::Compose(si),
            scope: Scope::Compose(s.file),
            instances: n,
            label,
            source,
            span: at.or_else(|| s.volumes.get(vi).map(|v| v.span)),
        });
    }
    for (ns, cm) in model.config_maps_holding(&path, ini.config_map.as_ref()) {
        let mut workloads = index.workloads_mounting_config_map(ns.as_deref(), &cm);
        workloads.sort_unstable();
        workloads.dedup();
        for wi in workloads {
            let Some(w) = model.workloads.get(wi) else {
                continue;
            };
            let e = model.envelope(wi)?;
            out.push(Mounter {
                host: PoolerHost::Workload(wi),
                scope: Scope::Namespace(w.namespace.to_string()),
                instances: e.max.value,
                label: format!("{} (ConfigMap `{cm}`)", w.display()),
                source: e.max.source.describe(),
                span: e.max.source.span().or(Some(w.meta.kind_span)),
            });
        }
    }
    Some(out)
}

/// The PostgreSQL server a `[databases]` host names, looked up the way
/// the mounters' clients would: hosts declared in the config, then compose
/// service names of the mounting compose files, Services of the mounting
/// pods' namespaces; for a file nobody mounts, compose files in its
/// directory or above.
fn server_of(model: &Model, host: &str, scopes: &[Scope]) -> Option<usize> {
    let cap = &model.capacity;
    let found = cap
        .external_hosts
        .get(&host.to_ascii_lowercase())
        .copied()
        .or_else(|| {
            scopes.iter().find_map(|scope| match scope {
                Scope::Compose(file) => cap
                    .compose_pg_hosts
                    .get(&(*file, host.to_string()))
                    .copied(),
                Scope::Namespace(ns) => {
                    let (svc, ns) = service_of(host, ns)?;
                    cap.pg_hosts.get(&(ns, svc)).copied()
                }
            })
        })?;
    cap.servers
        .get(found)
        .is_some_and(|s| s.engine == Engine::Postgres)
        .then_some(found)
}

/// Compose files in the directory of `path` or above, nearest first.
fn compose_scopes_above(model: &Model, path: &Path) -> Vec<Scope> {
    let mut by_dir: HashMap<&Path, Vec<FileId>> = HashMap::new();
    for s in &model.compose_services {
        let dir = s.path.parent().unwrap_or(Path::new(""));
        let files = by_dir.entry(dir).or_default();
        if !files.contains(&s.file) {
            files.push(s.file);
        }
    }
    path.ancestors()
        .skip(1)
        .filter_map(|d| by_dir.get(d))
        .flatten()
        .map(|f| Scope::Compose(*f))
        .collect()
}

/// One database's share of a server's connections.
struct DbShare<'a> {
    db: &'a IniDatabase,
    total: i64,
    text: String,
    /// The key to change: the pool size, or the cap when it applies.
    at: Span,
}

/// `(pool_size 30 + reserve_pool_size 0 (default)) × 2 user/database
/// pairs (…)`, capped by max_db_connections; `None` when a value is
/// unreadable.
fn share<'a>(ini: &PgbouncerIni, db: &'a IniDatabase) -> Option<DbShare<'a>> {
    let (Some(dps), Some(rps), Some(mdc)) = (
        ini.default_pool_size,
        ini.reserve_pool_size,
        ini.max_db_connections,
    ) else {
        return None;
    };
    // A per-database value, else the `[pgbouncer]` one.
    let pick = |v: &Val<i64>,
                own: &str,
                global: &Setting,
                name: &str|
     -> Option<(i64, String, Option<Span>)> {
        match *v {
            Val::Set(n, span) => Some((n, format!("{own} {n}"), Some(span))),
            Val::Invalid(_) => None,
            Val::Absent => Some((global.value, shown(name, global), global.span)),
        }
    };
    let (pool, pool_text, pool_at) = pick(&db.pool_size, "pool_size", &dps, "default_pool_size")?;
    let (reserve, reserve_text, _) =
        pick(&db.reserve_pool, "reserve_pool", &rps, "reserve_pool_size")?;
    let (cap, cap_text, cap_at) = pick(
        &db.max_db_connections,
        "max_db_connections",
        &mdc,
        "max_db_connections",
    )?;
    let users = i64::try_from(ini.users.len()).unwrap_or(i64::MAX);
    let (pairs, pairs_text) = if db.forced_user {
        (
            1,
            "1 user/database pair (user= forces one server user)".to_string(),
        )
    } else if users > 0 {
        let plural = if users == 1 { "" } else { "s" };
        (
            users,
            format!("{users} user/database pair{plural} ({users} user{plural} in [users])"),
        )
    } else {
        (
            1,
            "1 user/database pair (the users are not in the tree; at least 1)".to_string(),
        )
    };
    let uncapped = pool.saturating_add(reserve).saturating_mul(pairs);
    let name = if db.name == "*" {
        "`*` (any other database, counted once)".to_string()
    } else {
        format!("`{}`", db.name)
    };
    if cap > 0 && cap < uncapped {
        return Some(DbShare {
            db,
            total: cap,
            text: format!("database {name}: {cap_text} = {cap}"),
            at: cap_at.unwrap_or(db.name_span),
        });
    }
    Some(DbShare {
        db,
        total: uncapped,
        text: format!(
            "database {name}: ({pool_text} + {reserve_text}) × {pairs_text} = {uncapped}"
        ),
        at: pool_at.unwrap_or(db.name_span),
    })
}

/// A pgbouncer.ini, with the compose services or pods that run it.
fn check_ini(model: &Model, ini: &PgbouncerIni, out: &mut Findings) {
    let (Some(mcc), Some(mounters)) = (ini.max_client_conn, mounters(model, ini)) else {
        return;
    };
    let file_name = ini.path.file_name().map_or_else(
        || "pgbouncer.ini".to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let (instances, instances_text, scopes, pooler) = if mounters.is_empty() {
        (
            1,
            "1 instance (no compose service or pod of the tree mounts the file; at least 1)"
                .to_string(),
            compose_scopes_above(model, &ini.path),
            format!("PgBouncer ({file_name})"),
        )
    } else {
        let n = mounters
            .iter()
            .fold(0i64, |sum, m| sum.saturating_add(m.instances));
        let sources: Vec<String> = match mounters.as_slice() {
            [one] => vec![one.source.clone()],
            many => many
                .iter()
                .map(|m| format!("{}: {}", m.instances, m.source))
                .collect(),
        };
        let labels: Vec<&str> = mounters.iter().map(|m| m.label.as_str()).collect();
        (
            n,
            format!("{n} {} ({})", instances_word(n), sources.join(", ")),
            mounters.iter().map(|m| m.scope.clone()).collect(),
            format!("PgBouncer ({file_name}) of {}", labels.join(" and ")),
        )
    };
    if instances == 0 {
        return;
    }
    // Databases by the server they connect to, in file order.
    let mut per_server: Vec<(usize, Vec<DbShare<'_>>)> = Vec::new();
    for db in &ini.databases {
        let Some((host, _)) = &db.host else { continue };
        let Some(server) = server_of(model, host, &scopes) else {
            continue;
        };
        let Some(s) = share(ini, db) else { continue };
        match per_server.iter_mut().find(|(i, _)| *i == server) {
            Some((_, list)) => list.push(s),
            None => per_server.push((server, vec![s])),
        }
    }
    for (si, shares) in &per_server {
        let Some(server) = model.capacity.servers.get(*si) else {
            continue;
        };
        let per_instance = shares
            .iter()
            .fold(0i64, |sum, s| sum.saturating_add(s.total));
        let total = per_instance.saturating_mul(instances);
        let usable = server.usable();
        if total <= usable {
            continue;
        }
        let texts: Vec<&str> = shares.iter().map(|s| s.text.as_str()).collect();
        let sum = if shares.len() > 1 {
            format!(
                "{}, together {per_instance} per instance,",
                texts.join(", plus ")
            )
        } else {
            format!("{} per instance,", texts.join(""))
        };
        let Some(first) = shares.first() else {
            continue;
        };
        let f = out.report(
            PgbouncerPoolExceedsMaxConnections::ServerSide {
                pooler: pooler.clone(),
                arithmetic: format!("{sum} × {instances_text}"),
                total,
                usable,
                limit: limit_text(server),
                server: server.display.clone(),
            },
            first.at,
        );
        relate_server(f, server);
        for s in shares.iter().skip(1) {
            f.related(s.at, format!("pool of database `{}`", s.db.name));
        }
        for m in &mounters {
            if let Some(span) = m.span {
                f.related(
                    span,
                    format!(
                        "{} PgBouncer {} ({})",
                        m.instances,
                        instances_word(m.instances),
                        m.source
                    ),
                );
            }
        }
    }
    let hosts: Vec<PoolerHost> = mounters.iter().map(|m| m.host).collect();
    client_side(
        model,
        model
            .capacity
            .pgbouncer_clients
            .iter()
            .filter(|(h, _)| hosts.contains(h))
            .map(|(_, c)| c),
        &pooler,
        &mcc,
        instances,
        instances_text,
        ini.header,
        out,
    );
}
