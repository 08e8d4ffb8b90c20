//! Capacity facts linked across files: which database server each client
//! container connects to, with how many connections per process, processes
//! per pod and replicas; which Kafka topic and consumer group each consumer
//! reads. Every link is a hash lookup; a fact that cannot be read is left
//! out, so the rules built on it stay silent instead of guessing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::extract::capacity::{
    ConfigMap, Database, DatabaseKind, KafkaCluster, KafkaNodePool, KafkaTopic, PG_MAX_CONNECTIONS,
    PG_RESERVED, PG_SUPERUSER_RESERVED, Pooler, Setting,
};
use crate::extract::compose::{Service as ComposeService, normalize};
use crate::extract::config_files::GeneratedConfigMap;
use crate::extract::k8s::{Container, EnvSource, Workload};
use crate::extract::postgres::PostgresConf;
use crate::extract::redis::RedisConf;
use crate::extract::{Text, Val};
use crate::source::{FileId, Span};

/// Values above this are not believed (a typo or a unit mix-up): the fact
/// is left out instead of producing absurd sums.
pub const MAX_COUNT: i64 = 1_000_000;

/// A number read from the tree, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub value: i64,
    /// What set it: `DB_POOL_SIZE`, `gunicorn --workers`, `maximumPoolSize default`.
    pub source: String,
    /// Where it is written; `None` for a documented default.
    pub span: Option<Span>,
}

/// A PostgreSQL server and the limits clients share.
#[derive(Clone, Debug)]
pub struct DbServer {
    pub engine: Engine,
    /// `Cluster shop/orders-db`, `StatefulSet shop/postgres`.
    pub display: String,
    pub namespace: String,
    pub max_connections: Term,
    pub superuser_reserved: Term,
    pub reserved: Term,
    /// The server object's `kind:` key, for findings when every limit is a default.
    pub kind_span: Span,
}

/// What kind of server a `DbServer` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
    Redis,
}

impl Engine {
    /// The connection pooler usually put in front of it.
    pub fn pooler(self) -> &'static str {
        match self {
            Engine::Postgres => "PgBouncer",
            Engine::Mysql => "ProxySQL",
            Engine::Redis => "a proxy such as Envoy or twemproxy",
        }
    }

    /// What the server answers when it is full.
    pub fn refusal(self) -> &'static str {
        match self {
            Engine::Postgres => {
                "PostgreSQL refuses new connections (\"sorry, too many clients already\")"
            }
            Engine::Mysql => "MySQL refuses new connections (\"Too many connections\")",
            Engine::Redis => "Redis refuses new clients (\"ERR max number of clients reached\")",
        }
    }
}

/// MySQL's documented default `max_connections`.
pub const MYSQL_MAX_CONNECTIONS: i64 = 151;

/// Whether an image runs MySQL or MariaDB.
fn is_mysql_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    matches!(
        repo,
        "mysql" | "mariadb" | "percona-server" | "mysql-server"
    )
}

/// `max_connections` of a MySQL server from `--max-connections=N` or
/// `--max_connections N` on its command line, else MySQL's default;
/// `None` when written but unreadable.
fn mysql_max_connections(words: &[&str]) -> Option<Term> {
    for (i, w) in words.iter().enumerate() {
        let Some(rest) = w
            .strip_prefix("--max-connections")
            .or_else(|| w.strip_prefix("--max_connections"))
        else {
            continue;
        };
        let value = match rest.strip_prefix('=') {
            Some(v) => Some(v),
            None if rest.is_empty() => words.get(i + 1).copied(),
            None => continue,
        };
        return value.and_then(parse_count).map(|n| Term {
            value: n,
            source: "--max-connections".into(),
            span: None,
        });
    }
    Some(Term {
        value: MYSQL_MAX_CONNECTIONS,
        source: "default".into(),
        span: None,
    })
}

impl DbServer {
    /// Connections left for applications.
    pub fn usable(&self) -> i64 {
        self.max_connections
            .value
            .saturating_sub(self.superuser_reserved.value)
            .saturating_sub(self.reserved.value)
    }
}

/// One container of one workload that connects to a database server.
#[derive(Clone, Debug)]
pub struct DbClient {
    /// The Kubernetes workload (unused for a compose service).
    pub workload: usize,
    /// A compose service instead: its name and its replicas.
    pub compose: Option<(String, Term)>,
    pub container: String,
    pub server: usize,
    /// The host as written and where (the URL or `*_HOST` value).
    pub host: (String, Span),
    pub pool: Term,
    pub overflow: Option<Term>,
    pub processes: Option<Term>,
}

impl DbClient {
    /// Connections one pod of it may open.
    pub fn per_pod(&self) -> i64 {
        let pool = self
            .pool
            .value
            .saturating_add(self.overflow.as_ref().map_or(0, |o| o.value));
        pool.saturating_mul(self.processes.as_ref().map_or(1, |p| p.value))
    }
}

/// Environment of a container after `envFrom` and `env` (later wins),
/// ConfigMap references resolved; `None` for a variable whose value is not
/// in the tree.
pub type Env = HashMap<Text, Option<(Text, Span)>>;

pub fn container_env(
    c: &Container,
    namespace: &str,
    config_maps: &HashMap<(Text, Text), &ConfigMap>,
) -> Env {
    let mut env = Env::new();
    let lookup = |name: &str| config_maps.get(&(namespace.into(), name.into()));
    for (name, prefix) in &c.env_from {
        if let Some(cm) = lookup(name) {
            for (k, v, span) in &cm.data {
                env.insert(
                    compact_str::format_compact!("{prefix}{k}"),
                    Some((v.clone(), *span)),
                );
            }
        }
    }
    for e in &c.env {
        let value = match &e.source {
            EnvSource::Value(v, span) => Some((v.clone(), *span)),
            EnvSource::ConfigMap(r) => lookup(&r.name).and_then(|cm| {
                cm.data
                    .iter()
                    .find(|(k, _, _)| *k == r.key)
                    .map(|(_, v, span)| (v.clone(), *span))
            }),
            EnvSource::Unknown => None,
        };
        env.insert(e.name.clone(), value);
    }
    env
}

/// A count written as a plain decimal integer in (0, MAX_COUNT].
pub fn parse_count(text: &str) -> Option<i64> {
    let t = text.trim().trim_matches(|c| c == '"' || c == '\'');
    let n: i64 = t.parse().ok()?;
    (1..=MAX_COUNT).contains(&n).then_some(n)
}

/// The host of a database connection URL (`postgres://`, `postgresql://`,
/// `postgresql+asyncpg://`, `mysql://`, `mysql+pymysql://`, `mariadb://`,
/// `jdbc:postgresql://`, `jdbc:mysql://`), its `pool_max_conns`, and whether
/// it is JDBC.
pub fn pg_url(value: &str) -> Option<(String, Option<i64>, bool)> {
    let v = value.trim();
    let (rest, jdbc) = if let Some(r) = v
        .strip_prefix("jdbc:postgresql://")
        .or_else(|| v.strip_prefix("jdbc:mysql://"))
        .or_else(|| v.strip_prefix("jdbc:mariadb://"))
    {
        (r, true)
    } else {
        let (scheme, r) = v.split_once("://")?;
        let base = scheme.split('+').next().unwrap_or(scheme);
        if !matches!(base, "postgres" | "postgresql" | "mysql" | "mariadb") {
            return None;
        }
        (r, false)
    };
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, q),
        None => (rest, ""),
    };
    let authority = authority.split('/').next().unwrap_or(authority);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // The first host of a multi-host URL.
    let first = hostport.split(',').next().unwrap_or(hostport);
    let host = first.split(':').next().unwrap_or(first).trim();
    if host.is_empty() || host.contains('$') {
        return None;
    }
    let pool = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("pool_max_conns="))
        .and_then(parse_count);
    Some((host.to_string(), pool, jdbc))
}

/// Splits a host into (service, namespace): `svc`, `svc.ns`, `svc.ns.svc`,
/// `svc.ns.svc.cluster.local`. `None` for other names (external hosts).
pub fn service_of(host: &str, default_ns: &str) -> Option<(String, String)> {
    let host = host.trim().trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [svc] => Some((svc.to_string(), default_ns.to_string())),
        [svc, ns] => Some((svc.to_string(), ns.to_string())),
        [svc, ns, "svc", ..] => Some((svc.to_string(), ns.to_string())),
        _ => None,
    }
}

/// Pool-size variables, most specific first.
const POOL_VARS: [&str; 7] = [
    "DB_POOL_SIZE",
    "DATABASE_POOL_SIZE",
    "SQLALCHEMY_POOL_SIZE",
    "POOL_SIZE",
    "DB_MAX_CONNECTIONS",
    "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE",
    "SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE",
];

/// HikariCP's `maximumPoolSize` default.
pub const HIKARI_DEFAULT_POOL: i64 = 10;

/// The annotation that names a workload's database host explicitly.
pub const DATABASE_ANNOTATION: &str = "scalelint.io/database";

/// The annotation that states a workload's pool size explicitly.
pub const POOL_ANNOTATION: &str = "scalelint.io/db-pool-size";

/// Processes per pod from the command line (gunicorn/uvicorn `--workers`,
/// celery `--concurrency`), else from `WEB_CONCURRENCY`, `GUNICORN_WORKERS`,
/// `UVICORN_WORKERS`.
pub fn processes(c: &Container, env: &Env) -> Option<Term> {
    processes_of(&command_words(c), env)
}

/// A container's command and args, split at blanks (`sh -c "…"` included).
pub(crate) fn command_words(c: &Container) -> Vec<&str> {
    c.command
        .iter()
        .chain(&c.args)
        .flat_map(|a| a.split_whitespace())
        .collect()
}

/// Processes per pod from a command line's words and the environment.
pub fn processes_of(words: &[&str], env: &Env) -> Option<Term> {
    let mut server: Option<&str> = None;
    for (i, w) in words.iter().enumerate() {
        let base = w.rsplit('/').next().unwrap_or(w);
        if matches!(base, "gunicorn" | "uvicorn" | "celery") {
            server = Some(base);
            continue;
        }
        let Some(srv) = server else { continue };
        let flags: &[&str] = match srv {
            "celery" => &["--concurrency", "-c"],
            _ => &["--workers", "-w"],
        };
        for flag in flags {
            let value = if *w == *flag {
                words.get(i + 1).copied()
            } else if let Some(v) = w.strip_prefix(&format!("{flag}=")) {
                Some(v)
            } else if flag.len() == 2 && w.starts_with(flag) && w.len() > 2 {
                w.get(2..)
            } else {
                None
            };
            if let Some(n) = value.and_then(parse_count) {
                return Some(Term {
                    value: n,
                    source: format!("{srv} {flag}"),
                    span: None,
                });
            }
        }
    }
    for var in ["WEB_CONCURRENCY", "GUNICORN_WORKERS", "UVICORN_WORKERS"] {
        if let Some(Some((v, span))) = env.get(var)
            && let Some(n) = parse_count(v)
        {
            return Some(Term {
                value: n,
                source: var.to_string(),
                span: Some(*span),
            });
        }
    }
    None
}

/// The pool size of a client: the annotation, a pool variable, the URL's
/// `pool_max_conns`, or HikariCP's default for a JDBC URL.
fn pool_size(
    w: &Workload,
    env: &Env,
    url_pool: Option<(i64, Span)>,
    jdbc: bool,
) -> Option<(Term, Option<Term>)> {
    if let Some((_, v)) = w
        .meta
        .annotations
        .iter()
        .find(|(k, _)| k == POOL_ANNOTATION)
    {
        let n = parse_count(v)?;
        return Some((
            Term {
                value: n,
                source: POOL_ANNOTATION.to_string(),
                span: Some(w.meta.kind_span),
            },
            None,
        ));
    }
    pool_from_env(env, url_pool, jdbc)
}

/// The pool size from the environment, the URL, or HikariCP's default.
fn pool_from_env(
    env: &Env,
    url_pool: Option<(i64, Span)>,
    jdbc: bool,
) -> Option<(Term, Option<Term>)> {
    for var in POOL_VARS {
        match env.get(var) {
            None => continue,
            // Set from a Secret or an unreadable value: unknown, not a default.
            Some(None) => return None,
            Some(Some((v, span))) => {
                let n = parse_count(v)?;
                let overflow = (var == "SQLALCHEMY_POOL_SIZE")
                    .then(|| env.get("SQLALCHEMY_MAX_OVERFLOW"))
                    .flatten()
                    .and_then(|o| o.as_ref())
                    .and_then(|(v, span)| {
                        Some(Term {
                            value: parse_count(v)?,
                            source: "SQLALCHEMY_MAX_OVERFLOW".into(),
                            span: Some(*span),
                        })
                    });
                return Some((
                    Term {
                        value: n,
                        source: var.to_string(),
                        span: Some(*span),
                    },
                    overflow,
                ));
            }
        }
    }
    if let Some((n, span)) = url_pool {
        return Some((
            Term {
                value: n,
                source: "pool_max_conns".into(),
                span: Some(span),
            },
            None,
        ));
    }
    jdbc.then(|| {
        (
            Term {
                value: HIKARI_DEFAULT_POOL,
                source: "HikariCP maximumPoolSize, default".into(),
                span: None,
            },
            None,
        )
    })
}

/// A host a container names as its database, where, the URL's
/// `pool_max_conns` and whether the URL is JDBC.
type HostRef = (String, Span, Option<(i64, Span)>, bool);

/// A database host a container connects to: from a connection URL, else a
/// `*_HOST`/`PGHOST` value. Also the URL's pool size and whether it is JDBC.
fn db_host(w: &Workload, env: &Env) -> Vec<HostRef> {
    let mut out = Vec::new();
    // The explicit annotation wins over anything found in the environment.
    if let Some((_, host)) = w
        .meta
        .annotations
        .iter()
        .find(|(k, _)| k == DATABASE_ANNOTATION)
    {
        let host = pg_url(host).map_or_else(|| host.trim().to_string(), |(h, _, _)| h);
        out.push((host, w.meta.kind_span, None, false));
        return out;
    }
    let mut names: Vec<&Text> = env.keys().collect();
    names.sort();
    for name in names {
        let Some(Some((value, span))) = env.get(name) else {
            continue;
        };
        if let Some((host, pool, jdbc)) = pg_url(value) {
            out.push((host, *span, pool.map(|p| (p, *span)), jdbc));
        } else if (name.ends_with("_HOST") || name == "PGHOST") && !value.contains("://") {
            out.push((value.trim().to_string(), *span, None, false));
        }
    }
    out
}

/// Where a database client's host leads: hosts declared in the config,
/// (namespace, Service) of servers, of CloudNativePG Poolers and of
/// PgBouncer workloads.
struct DbHosts<'a> {
    external: &'a HashMap<String, usize>,
    servers: &'a HashMap<(String, String), usize>,
    poolers: &'a HashMap<(String, String), usize>,
    bouncers: &'a HashMap<(String, String), usize>,
}

/// A client container linked to a server.
enum ClientLink {
    Db(Via, DbClient),
    Redis(DbClient),
}

/// The database server a container connects to (through what) and its
/// pool, from its environment.
fn db_client(
    wi: usize,
    w: &Workload,
    c: &Container,
    env: &Env,
    to: &DbHosts<'_>,
) -> Option<(Via, DbClient)> {
    let (host, span, url_pool, jdbc, (via, server)) =
        db_host(w, env)
            .into_iter()
            .find_map(|(host, span, pool, jdbc)| {
                let server = match to.external.get(&host.to_ascii_lowercase()) {
                    Some(&s) => (Via::Direct, s),
                    None => {
                        let (svc, ns) = service_of(&host, &w.namespace)?;
                        let key = (ns, svc);
                        match to.servers.get(&key) {
                            Some(&s) => (Via::Direct, s),
                            None => match to.poolers.get(&key) {
                                Some(&p) => (Via::Pooler, p),
                                None => (Via::Bouncer, *to.bouncers.get(&key)?),
                            },
                        }
                    }
                };
                Some((host, span, pool, jdbc, server))
            })?;
    let (pool, overflow) = pool_size(w, env, url_pool, jdbc)?;
    Some((
        via,
        DbClient {
            compose: None,
            workload: wi,
            container: c.name.to_string(),
            server,
            host: (host, span),
            pool,
            overflow,
            processes: processes(c, env),
        },
    ))
}

/// A setting of a server, as a term.
fn setting_term(s: Setting, written_in: &str) -> Term {
    Term {
        value: s.value,
        source: if s.span.is_some() {
            written_in.to_string()
        } else {
            "default".to_string()
        },
        span: s.span,
    }
}

/// Database servers and their clients.
#[derive(Default)]
pub struct Capacity {
    pub config_maps: Vec<ConfigMap>,
    pub servers: Vec<DbServer>,
    pub clients: Vec<DbClient>,
    /// CloudNativePG Poolers, each with the server it fronts (for `rw`
    /// poolers whose Cluster is in the tree).
    pub poolers: Vec<(Pooler, Option<usize>)>,
    /// Clients that connect through a pooler: `server` is the pooler's index.
    pub pooler_clients: Vec<DbClient>,
    /// CloudNativePG Clusters and Zalando postgresqls, namespaces resolved.
    pub databases: Vec<Database>,
    /// Strimzi Kafka clusters with their broker count (KafkaNodePools with
    /// the broker role, else `spec.kafka.replicas`; `None` when unknown).
    pub kafka_clusters: Vec<(KafkaCluster, Option<i64>)>,
    pub topics: Vec<KafkaTopic>,
    /// Topics that `kafka-topics --create` and `rpk topic create` commands
    /// create with a replication factor.
    pub created_topics: Vec<super::topic_commands::CreatedTopic>,
    /// Redis servers (`max_connections` holds `maxclients`) and their clients.
    pub redis_servers: Vec<DbServer>,
    pub redis_clients: Vec<DbClient>,
    /// How clients reach `servers`: (namespace, Service) of Kubernetes
    /// servers, (compose file, service name) of compose servers, and hosts
    /// declared in the config (lowercase).
    pub pg_hosts: HashMap<(String, String), usize>,
    pub compose_pg_hosts: HashMap<(FileId, String), usize>,
    pub external_hosts: HashMap<String, usize>,
    /// Clients that connect to a PgBouncer workload or compose service
    /// (one configured by a pgbouncer.ini rather than a CNPG Pooler).
    pub pgbouncer_clients: Vec<(PoolerHost, DbClient)>,
    /// PostgreSQL servers that replicate from another server of the tree.
    pub standbys: Vec<Standby>,
    /// PostgreSQL servers that may read their settings from a config file
    /// scalelint does not read (`config_file=` on the command line, a
    /// mounted `postgresql.conf` or `conf` directory): a default there is
    /// not known.
    pub config_hinted: HashSet<usize>,
}

/// How a standby names its primary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandbyLink {
    /// The primary's host as written.
    pub host: String,
    /// `POSTGRESQL_MASTER_HOST`, `REPMGR_PRIMARY_HOST`, `primary_conninfo`.
    pub via: String,
    /// Where it is written (`None` inside a command line).
    pub span: Option<Span>,
}

/// A PostgreSQL hot standby and its primary (indexes into `servers`).
#[derive(Clone, Debug)]
pub struct Standby {
    pub server: usize,
    pub primary: usize,
    pub link: StandbyLink,
}

/// Where a host is looked up.
enum Scope {
    /// Service names of one namespace.
    Namespace(String),
    /// Service names of one compose file.
    Compose(FileId),
}

/// The primary a PostgreSQL server replicates from, when it is a standby:
/// `primary_conninfo` with a `host=` on its command line (`-c
/// primary_conninfo=…`) or in its postgresql.conf; and for Bitnami images
/// (only they read these variables), `POSTGRESQL_REPLICATION_MODE=slave`
/// with `POSTGRESQL_MASTER_HOST` (or `POSTGRESQL_PRIMARY_HOST`, and the
/// `POSTGRES_` aliases), or repmgr's `REPMGR_PRIMARY_HOST` when it names
/// another node than this one (`REPMGR_NODE_NETWORK_NAME`, else the
/// server's own names).
fn standby_link(
    words: &[&str],
    (env, bitnami): (&Env, bool),
    names: &[String],
    own: &str,
    conf: Option<&(&PostgresConf, String)>,
) -> Option<StandbyLink> {
    if let Some(i) = words.iter().position(|w| w.contains("primary_conninfo=")) {
        let first = words
            .get(i)
            .and_then(|w| w.split_once("primary_conninfo="))
            .map_or("", |(_, v)| v);
        let rest = words.get(i + 1..).unwrap_or(&[]);
        let host = std::iter::once(first)
            .chain(rest.iter().copied().take_while(|w| !w.starts_with('-')))
            .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
            .find_map(|w| w.strip_prefix("host="))
            .map(|h| h.split(',').next().unwrap_or(h).to_string());
        if let Some(host) = host.filter(|h| !h.is_empty() && !h.contains('$')) {
            return Some(StandbyLink {
                host,
                via: "primary_conninfo".into(),
                span: None,
            });
        }
    }
    if let Some((c, label)) = conf
        && let Some((host, span)) = &c.primary_host
    {
        return Some(StandbyLink {
            host: host.clone(),
            via: format!("primary_conninfo in {label}"),
            span: Some(*span),
        });
    }
    if !bitnami {
        return None;
    }
    let value = |name: &str| -> Option<(&str, Span)> {
        env.get(name)?
            .as_ref()
            .map(|(v, s)| (v.trim(), *s))
            .filter(|(v, _)| !v.is_empty() && !v.contains('$'))
    };
    let mode = value("POSTGRESQL_REPLICATION_MODE")
        .or_else(|| value("POSTGRES_REPLICATION_MODE"))
        .map(|(m, _)| m.to_ascii_lowercase());
    if matches!(mode.as_deref(), Some("slave" | "replica" | "standby")) {
        for var in [
            "POSTGRESQL_MASTER_HOST",
            "POSTGRESQL_PRIMARY_HOST",
            "POSTGRES_MASTER_HOST",
            "POSTGRES_PRIMARY_HOST",
        ] {
            if let Some((host, span)) = value(var) {
                return Some(StandbyLink {
                    host: host.to_string(),
                    via: var.to_string(),
                    span: Some(span),
                });
            }
        }
    }
    let (primary, span) = value("REPMGR_PRIMARY_HOST")?;
    let is_me = match value("REPMGR_NODE_NETWORK_NAME") {
        Some((me, _)) => me.eq_ignore_ascii_case(primary),
        None => {
            let first = primary.split('.').next().unwrap_or(primary);
            own.eq_ignore_ascii_case(first) || names.iter().any(|n| n.eq_ignore_ascii_case(first))
        }
    };
    (!is_me).then(|| StandbyLink {
        host: primary.to_string(),
        via: "REPMGR_PRIMARY_HOST".into(),
        span: Some(span),
    })
}

/// Whether a PostgreSQL server may take settings from a file: a
/// `config_file=` on its command line, or a mount of a `postgresql.conf`,
/// a `conf`/`conf.d` directory (Bitnami reads `…/conf/postgresql.conf`).
fn config_file_hint<'a>(words: &[&str], mounts: impl Iterator<Item = &'a str>) -> bool {
    words
        .iter()
        .any(|w| w.contains("config_file=") || w.contains("include_dir"))
        || mounts.into_iter().any(|m| {
            let m = m.trim_end_matches('/');
            m.ends_with(".conf") || m.ends_with("/conf") || m.ends_with("conf.d")
        })
}

/// A workload or compose service running PgBouncer, which clients name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolerHost {
    /// Index into the model's workloads.
    Workload(usize),
    /// Index into the model's compose services.
    Compose(usize),
}

/// Whether an image runs PgBouncer (`bitnami/pgbouncer`,
/// `edoburu/pgbouncer`, `cloudnative-pg/pgbouncer`, …).
pub fn is_pgbouncer_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    repo.contains("pgbouncer") && !repo.contains("exporter")
}

/// `max_connections` of a PostgreSQL server: `-c max_connections=N` on
/// its command line (which overrides the file, as in PostgreSQL), else the
/// postgresql.conf it runs with, else `POSTGRESQL_MAX_CONNECTIONS`
/// (Bitnami images); `Some(None)` when written but unreadable.
fn pg_max_connections(
    words: &[&str],
    env: &Env,
    conf: Option<&(&PostgresConf, String)>,
) -> Option<Option<Term>> {
    if let Some(found) = max_connections_of(words, &Env::new()) {
        return Some(found);
    }
    if let Some((c, label)) = conf {
        match c.max_connections {
            Val::Set(n, span) => {
                return Some((n <= MAX_COUNT).then(|| Term {
                    value: n,
                    source: label.clone(),
                    span: Some(span),
                }));
            }
            Val::Invalid(_) => return Some(None),
            Val::Absent => {}
        }
    }
    max_connections_of(&[], env)
}

/// The (namespace, Service) of a StatefulSet pod's DNS name
/// `<name>-<ordinal>.<service>[.<namespace>[.svc…]]`.
fn pod_dns_service(host: &str, default_ns: &str) -> Option<(String, String)> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let (pod, svc) = (labels.first()?, labels.get(1)?);
    let (_, ordinal) = pod.rsplit_once('-')?;
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ns = match labels.get(2) {
        Some(&"svc") | None => default_ns,
        Some(ns) => ns,
    };
    Some((ns.to_string(), svc.to_string()))
}

/// Whether an image is one of Bitnami's (which read `POSTGRESQL_*` and
/// `REPMGR_*` variables).
fn is_bitnami_image(image: &str) -> bool {
    image.contains("bitnami/") || image.contains("bitnamilegacy/")
}

/// Where a PostgreSQL server reads its postgresql.conf from: a
/// `config_file=` on its command line, else, for Bitnami images, the
/// custom configuration paths their documentation names.
fn pg_config_paths(words: &[&str], image: &str) -> Vec<String> {
    let written: Vec<String> = words
        .iter()
        .filter_map(|w| {
            let w = w.trim_matches(|c| c == '"' || c == '\'');
            let w = w.strip_prefix("--").unwrap_or(w);
            w.strip_prefix("config_file=")
                .or_else(|| w.strip_prefix("config-file="))
        })
        .filter(|p| !p.is_empty() && !p.contains('$'))
        .map(str::to_string)
        .collect();
    if !written.is_empty() || !is_bitnami_image(image) {
        return written;
    }
    vec![
        "/bitnami/postgresql/conf/postgresql.conf".into(),
        "/opt/bitnami/postgresql/conf/postgresql.conf".into(),
    ]
}

/// A written `max_connections`, PostgreSQL's default when none is written,
/// `None` when it is written but unreadable.
fn or_default_max(found: Option<Option<Term>>) -> Option<Term> {
    match found {
        Some(t) => t,
        None => Some(Term {
            value: PG_MAX_CONNECTIONS,
            source: "default".into(),
            span: None,
        }),
    }
}

/// `max_connections` from `-c max_connections=N` in a command line, else
/// `POSTGRESQL_MAX_CONNECTIONS`; `Some(None)` when written but unreadable.
fn max_connections_of(words: &[&str], env: &Env) -> Option<Option<Term>> {
    for (i, w) in words.iter().enumerate() {
        let setting = if *w == "-c" || *w == "--config" {
            words.get(i + 1).copied()
        } else {
            w.strip_prefix("--")
                .filter(|s| s.starts_with("max_connections"))
        };
        if let Some(v) = setting.and_then(|s| s.strip_prefix("max_connections=")) {
            // Written but unreadable: unknown.
            return Some(parse_count(v).map(|n| Term {
                value: n,
                source: "-c max_connections".into(),
                span: None,
            }));
        }
    }
    match env.get("POSTGRESQL_MAX_CONNECTIONS") {
        Some(Some((v, span))) => Some(parse_count(v).map(|n| Term {
            value: n,
            source: "POSTGRESQL_MAX_CONNECTIONS".into(),
            span: Some(*span),
        })),
        Some(None) => Some(None),
        None => None,
    }
}

/// Whether an image runs PostgreSQL.
fn is_postgres_image(image: &str) -> bool {
    let name = image.split(['@']).next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    matches!(
        repo,
        "postgres" | "postgresql" | "postgis" | "timescaledb" | "timescaledb-ha"
    ) || repo.starts_with("postgresql-")
}

impl Capacity {
    /// Links clients to servers. `services_of(wi)` lists the Service names
    /// that route to a workload; `workload_display(wi)` names it.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        workloads: &[Workload],
        services_of: impl Fn(usize) -> Vec<String> + Sync,
        config_maps: &[ConfigMap],
        databases: &[Database],
        poolers: Vec<Pooler>,
        topics: Vec<KafkaTopic>,
        compose: &[ComposeService],
        redis_confs: &[RedisConf],
        generated: &[GeneratedConfigMap],
        postgres_confs: &[PostgresConf],
    ) -> Capacity {
        let pg_confs = Mounted::new(
            postgres_confs.iter().map(|c| (c, &c.path, &c.config_map)),
            generated,
        );
        let cm_index: HashMap<(Text, Text), &ConfigMap> = config_maps
            .iter()
            .map(|c| ((c.namespace.clone(), c.meta.name.clone()), c))
            .collect();
        let mut servers = Vec::new();
        // (namespace, service name) → server.
        let mut hosts: HashMap<(String, String), usize> = HashMap::new();
        // Hosts declared in the config, matched as written (lowercase).
        let mut external: HashMap<String, usize> = HashMap::new();
        for d in databases {
            let (Some(mc), Some(sr), Some(r)) =
                (d.max_connections, d.superuser_reserved, d.reserved)
            else {
                continue;
            };
            let (written_in, display) = match d.kind {
                DatabaseKind::Declared => {
                    external.insert(d.meta.name.to_string(), servers.len());
                    ("[[facts.database]]", format!("database {}", d.meta.name))
                }
                _ => {
                    hosts.insert(
                        (d.namespace.to_string(), d.primary_service()),
                        servers.len(),
                    );
                    ("postgresql.parameters", d.meta.display(&d.namespace))
                }
            };
            servers.push(DbServer {
                engine: Engine::Postgres,
                display,
                namespace: d.namespace.to_string(),
                max_connections: setting_term(mc, written_in),
                superuser_reserved: setting_term(sr, written_in),
                reserved: setting_term(r, written_in),
                kind_span: d.meta.kind_span,
            });
        }
        let mut pooler_hosts: HashMap<(String, String), usize> = HashMap::new();
        // PostgreSQL servers that name a primary, to resolve once every
        // server is known; servers that may read a config file.
        let mut pending: Vec<(usize, StandbyLink, Scope)> = Vec::new();
        let mut config_hinted: HashSet<usize> = HashSet::new();
        let poolers: Vec<(Pooler, Option<usize>)> = poolers
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                pooler_hosts.insert((p.namespace.to_string(), p.meta.name.to_string()), i);
                let server = (p.target == "rw")
                    .then(|| hosts.get(&(p.namespace.to_string(), format!("{}-rw", p.cluster))))
                    .flatten()
                    .copied();
                (p, server)
            })
            .collect();
        // Each container's environment is computed where a loop needs it:
        // holding every container's at once was an eighth of the peak memory
        // of a large tree.
        let env_of = |w: &Workload, c: &Container| container_env(c, &w.namespace, &cm_index);
        for (wi, w) in workloads.iter().enumerate() {
            for c in w.pod.running_containers() {
                let image = c.image_name().unwrap_or("");
                if !is_postgres_image(image) && !is_mysql_image(image) {
                    continue;
                }
                let env = &env_of(w, c);
                let words = command_words(c);
                let pg_conf = if is_postgres_image(image) {
                    pg_config_paths(&words, image)
                        .iter()
                        .find_map(|p| pg_confs.of_container(w, c, p))
                } else {
                    None
                };
                let (engine, max_connections, reserve) = if is_postgres_image(image) {
                    let found = pg_max_connections(&words, env, pg_conf.as_ref());
                    let Some(m) = or_default_max(found) else {
                        continue;
                    };
                    (Engine::Postgres, m, PG_SUPERUSER_RESERVED)
                } else if is_mysql_image(image) {
                    let Some(m) = mysql_max_connections(&command_words(c)) else {
                        continue;
                    };
                    (Engine::Mysql, m, 0)
                } else {
                    continue;
                };
                let index = servers.len();
                let names = services_of(wi);
                if engine == Engine::Postgres {
                    let link = standby_link(
                        &words,
                        (env, is_bitnami_image(image)),
                        &names,
                        &w.meta.name,
                        pg_conf.as_ref(),
                    );
                    if let Some(link) = link {
                        pending.push((index, link, Scope::Namespace(w.namespace.to_string())));
                    }
                    let mounts = c.mounts.iter().map(|m| m.mount_path.as_str());
                    if pg_conf.is_none() && config_file_hint(&words, mounts) {
                        config_hinted.insert(index);
                    }
                }
                for svc in names {
                    hosts.entry((w.namespace.to_string(), svc)).or_insert(index);
                }
                servers.push(DbServer {
                    engine,
                    display: w.display(),
                    namespace: w.namespace.to_string(),
                    max_connections,
                    superuser_reserved: setting_term(Setting::default_of(reserve), ""),
                    reserved: setting_term(Setting::default_of(PG_RESERVED), ""),
                    kind_span: w.meta.kind_span,
                });
                break;
            }
        }
        // (namespace, Service) → PgBouncer workload.
        let mut bouncer_hosts: HashMap<(String, String), usize> = HashMap::new();
        for (wi, w) in workloads.iter().enumerate() {
            if w.pod
                .running_containers()
                .any(|c| c.image_name().is_some_and(is_pgbouncer_image))
            {
                for svc in services_of(wi) {
                    bouncer_hosts
                        .entry((w.namespace.to_string(), svc))
                        .or_insert(wi);
                }
            }
        }
        // Redis servers first: the pass below links each container to a
        // database and to a Redis server with one environment.
        let redis_confs = mounted_redis_confs(redis_confs, generated);
        let redis = redis_servers(workloads, &services_of, compose, &redis_confs);
        let db_hosts = DbHosts {
            external: &external,
            servers: &hosts,
            poolers: &pooler_hosts,
            bouncers: &bouncer_hosts,
        };
        // Each container's environment is built once, on the rayon pool;
        // the links come back in workload and container order. Beside them,
        // on the other thread, the compose services and the commands that
        // create topics, which read nothing the links pass writes.
        let mut compose_clients = Vec::new();
        let mut compose_pgbouncer_clients = Vec::new();
        let mut topics = topics;
        let links_pass = || -> Vec<ClientLink> {
            workloads
                .par_iter()
                .enumerate()
                .flat_map_iter(|(wi, w)| {
                    let mut out = Vec::new();
                    for c in w.pod.running_containers() {
                        // A database's own container is not its client, nor a
                        // Redis server's.
                        let db = !c
                            .image_name()
                            .is_some_and(|i| is_postgres_image(i) || is_mysql_image(i));
                        let cache =
                            !redis.hosts.is_empty() && !c.image_name().is_some_and(is_redis_image);
                        if !db && !cache {
                            continue;
                        }
                        let env = env_of(w, c);
                        if db && let Some((via, client)) = db_client(wi, w, c, &env, &db_hosts) {
                            out.push(ClientLink::Db(via, client));
                        }
                        if cache && let Some(client) = redis_client_of(wi, w, c, &env, &redis.hosts)
                        {
                            out.push(ClientLink::Redis(client));
                        }
                    }
                    out
                })
                .collect()
        };
        let compose_pass = || {
            let hosts = compose_capacity(
                compose,
                &external,
                &mut servers,
                &mut compose_clients,
                &mut compose_pgbouncer_clients,
                (&mut pending, &mut config_hinted),
                &pg_confs,
            );
            command_topics(workloads, compose, &mut topics);
            let created = super::topic_commands::created_topics(workloads, &services_of, compose);
            (hosts, created)
        };
        let (links, (compose_pg_hosts, created_topics)) = rayon::join(links_pass, compose_pass);
        let mut clients = Vec::new();
        let mut pooler_clients = Vec::new();
        let mut pgbouncer_clients = Vec::new();
        let mut redis_clients = Vec::new();
        for link in links {
            match link {
                ClientLink::Db(Via::Direct, client) => clients.push(client),
                ClientLink::Db(Via::Pooler, client) => pooler_clients.push(client),
                ClientLink::Db(Via::Bouncer, client) => {
                    pgbouncer_clients.push((PoolerHost::Workload(client.server), client));
                }
                ClientLink::Redis(client) => redis_clients.push(client),
            }
        }
        clients.append(&mut compose_clients);
        pgbouncer_clients.append(&mut compose_pgbouncer_clients);
        let standbys = pending
            .into_iter()
            .filter_map(|(server, link, scope)| {
                let primary = match external.get(&link.host.to_ascii_lowercase()) {
                    Some(&p) => p,
                    None => match &scope {
                        Scope::Namespace(ns) => {
                            let direct = service_of(&link.host, ns)
                                .and_then(|(svc, ns)| hosts.get(&(ns, svc)).copied());
                            match direct {
                                Some(p) => p,
                                None => *hosts.get(&pod_dns_service(&link.host, ns)?)?,
                            }
                        }
                        Scope::Compose(file) => {
                            *compose_pg_hosts.get(&(*file, link.host.clone()))?
                        }
                    },
                };
                (primary != server).then_some(Standby {
                    server,
                    primary,
                    link,
                })
            })
            .collect();
        redis_compose_clients(compose, &redis.compose_hosts, &mut redis_clients);
        let mut redis_servers = redis.servers;
        // These lists grew by doubling, and they stay through the rules.
        for list in [&mut servers, &mut redis_servers] {
            list.shrink_to_fit();
        }
        for list in [&mut clients, &mut pooler_clients, &mut redis_clients] {
            list.shrink_to_fit();
        }
        pgbouncer_clients.shrink_to_fit();
        topics.shrink_to_fit();
        Capacity {
            standbys,
            config_hinted,
            pg_hosts: hosts,
            compose_pg_hosts,
            external_hosts: external,
            pgbouncer_clients,
            redis_servers,
            redis_clients,
            databases: Vec::new(),
            kafka_clusters: Vec::new(),
            config_maps: Vec::new(),
            servers,
            clients,
            poolers,
            pooler_clients,
            topics,
            created_topics,
        }
    }
}

/// Topics created by the commands of containers and compose services (a
/// `kafka-topics --create` in an init container, say), after those
/// declared as objects.
fn command_topics(
    workloads: &[Workload],
    compose: &[ComposeService],
    topics: &mut Vec<KafkaTopic>,
) {
    for w in workloads {
        for c in w.pod.running_containers() {
            for t in topics_created(&command_words(c)) {
                let Some(partitions) = t.partitions else {
                    continue;
                };
                topics.push(command_topic(&w.meta, t.topic, partitions, c.name_span));
            }
        }
    }
    for s in compose {
        let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
        for t in topics_created(&words) {
            let Some(partitions) = t.partitions else {
                continue;
            };
            let topic = t.topic;
            let meta = crate::extract::k8s::ObjectMeta {
                file: s.file,
                api_version: String::new().into(),
                kind: "compose service".into(),
                name: s.name.clone().into(),
                namespace: None,
                kind_span: s.name_span,
                annotations: Vec::new(),
            };
            topics.push(command_topic(&meta, topic, partitions, s.name_span));
        }
    }
}

/// A compose service's environment, interpolated; a value that needs a
/// variable the tree does not set is unknown.
pub fn compose_env(s: &ComposeService) -> Env {
    s.environment
        .iter()
        .map(|(k, v)| {
            let value = (!s.unknown_env.contains(k)).then(|| (Text::from(v.text.as_str()), v.span));
            (Text::from(k.as_str()), value)
        })
        .collect()
}

/// A compose service as a client of `server`, at its `deploy.replicas`
/// (else `scale`, else one container); `None` when the count is unreadable.
fn compose_client(
    s: &ComposeService,
    env: &Env,
    server: usize,
    host: (String, Span),
    pool: Term,
    overflow: Option<Term>,
) -> Option<DbClient> {
    let (n, at) = s.instances()?;
    let source = match at {
        None => "one container, no replicas set",
        Some(_) if s.replicas.is_absent() => "scale",
        Some(_) => "deploy.replicas",
    };
    // Interpolated values say which variables they took.
    let with_origin = |source: &str| match s.origin(source) {
        Some(o) => format!("{source}, {o}"),
        None => source.to_string(),
    };
    let replicas = Term {
        value: n,
        source: with_origin(source),
        span: at,
    };
    let pool = Term {
        source: with_origin(&pool.source),
        ..pool
    };
    let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
    Some(DbClient {
        workload: usize::MAX,
        compose: Some((format!("compose service {}", s.name), replicas)),
        container: s.name.clone(),
        server,
        host,
        pool,
        overflow,
        processes: processes_of(&words, env),
    })
}

/// Compose services as servers (PostgreSQL images, reached by service
/// name within their compose file) and as clients (the same environment
/// variables as Kubernetes containers), at `deploy.replicas`/`scale`.
fn compose_capacity(
    compose: &[ComposeService],
    external: &HashMap<String, usize>,
    servers: &mut Vec<DbServer>,
    clients: &mut Vec<DbClient>,
    pgbouncer_clients: &mut Vec<(PoolerHost, DbClient)>,
    (pending, config_hinted): (&mut Vec<(usize, StandbyLink, Scope)>, &mut HashSet<usize>),
    pg_confs: &Mounted<'_, PostgresConf>,
) -> HashMap<(FileId, String), usize> {
    // (compose file, service name) → server.
    let mut hosts: HashMap<(crate::source::FileId, &str), usize> = HashMap::new();
    // (compose file, service name) → PgBouncer service.
    let bouncers: HashMap<(FileId, &str), usize> = compose
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.image
                .as_ref()
                .is_some_and(|i| is_pgbouncer_image(&i.text))
        })
        .map(|(si, s)| ((s.file, s.name.as_str()), si))
        .collect();
    for s in compose {
        let image = s.image.as_ref().map_or("", |i| i.text.as_str());
        let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
        let pg_conf = if is_postgres_image(image) {
            pg_config_paths(&words, image)
                .iter()
                .find_map(|p| pg_confs.of_compose(s, p))
        } else {
            None
        };
        let (engine, max_connections, reserve) = if is_postgres_image(image) {
            let found = pg_max_connections(&words, &compose_env(s), pg_conf.as_ref());
            let Some(m) = or_default_max(found) else {
                continue;
            };
            (Engine::Postgres, m, PG_SUPERUSER_RESERVED)
        } else if is_mysql_image(image) {
            let Some(m) = mysql_max_connections(&words) else {
                continue;
            };
            (Engine::Mysql, m, 0)
        } else {
            continue;
        };
        if engine == Engine::Postgres {
            let index = servers.len();
            let env = compose_env(s);
            let bitnami = (&env, is_bitnami_image(image));
            let link = standby_link(&words, bitnami, &[], &s.name, pg_conf.as_ref());
            if let Some(link) = link {
                pending.push((index, link, Scope::Compose(s.file)));
            }
            let mounts = s.volumes.iter().map(|v| v.target.as_str());
            if pg_conf.is_none() && config_file_hint(&words, mounts) {
                config_hinted.insert(index);
            }
        }
        hosts.insert((s.file, s.name.as_str()), servers.len());
        servers.push(DbServer {
            engine,
            display: format!("compose service {}", s.name),
            namespace: String::new(),
            max_connections,
            superuser_reserved: setting_term(Setting::default_of(reserve), ""),
            reserved: setting_term(Setting::default_of(PG_RESERVED), ""),
            kind_span: s.name_span,
        });
    }
    for s in compose {
        if s.image
            .as_ref()
            .is_some_and(|i| is_postgres_image(&i.text) || is_mysql_image(&i.text))
        {
            continue;
        }
        let env = compose_env(s);
        let mut names: Vec<&Text> = env.keys().collect();
        names.sort();
        let found = names.into_iter().find_map(|name| {
            let (value, span) = env.get(name)?.as_ref()?;
            let (host, pool, jdbc) = match pg_url(value) {
                Some((h, p, j)) => (h, p.map(|p| (p, *span)), j),
                None if (name.ends_with("_HOST") || name == "PGHOST") && !value.contains("://") => {
                    (value.trim().to_string(), None, false)
                }
                None => return None,
            };
            let server = match external.get(&host.to_ascii_lowercase()) {
                Some(&i) => (None, i),
                None => match hosts.get(&(s.file, host.as_str())) {
                    Some(&i) => (None, i),
                    None => {
                        let b = *bouncers.get(&(s.file, host.as_str()))?;
                        (Some(PoolerHost::Compose(b)), b)
                    }
                },
            };
            Some((host, *span, pool, jdbc, server))
        });
        let Some((host, span, url_pool, jdbc, (bouncer, server))) = found else {
            continue;
        };
        let Some((pool, overflow)) = pool_from_env(&env, url_pool, jdbc) else {
            continue;
        };
        let Some(client) = compose_client(s, &env, server, (host, span), pool, overflow) else {
            continue;
        };
        match bouncer {
            Some(b) => pgbouncer_clients.push((b, client)),
            None => clients.push(client),
        }
    }
    hosts
        .into_iter()
        .map(|((f, name), i)| ((f, name.to_string()), i))
        .collect()
}

/// Where a client's host leads.
#[derive(Clone, Copy)]
enum Via {
    /// A database server.
    Direct,
    /// A CloudNativePG Pooler.
    Pooler,
    /// A workload running PgBouncer.
    Bouncer,
}

/// Redis's default `maxclients`.
pub const REDIS_MAXCLIENTS: i64 = 10_000;

/// Pool-size variables of Redis clients.
const REDIS_POOL_VARS: [&str; 4] = [
    "REDIS_POOL_SIZE",
    "REDIS_MAX_CONNECTIONS",
    "REDIS_POOL_MAX_SIZE",
    "REDIS_MAX_POOL_SIZE",
];

/// Whether an image runs a Redis (or Valkey) server.
fn is_redis_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    matches!(repo, "redis" | "valkey" | "redis-stack-server" | "keydb")
}

/// `maxclients` from `--maxclients N` in a server's command line (which
/// overrides the config file, as in Redis), else from the redis.conf it
/// runs with, else the default; `None` when written but unreadable;
/// `Some(None)` for a Sentinel (not a data server).
fn redis_maxclients(words: &[&str], conf: Option<(&RedisConf, String)>) -> Option<Option<Term>> {
    if words
        .iter()
        .any(|w| *w == "--sentinel" || w.ends_with("redis-sentinel"))
    {
        return Some(None);
    }
    if let Some(i) = words.iter().position(|w| *w == "--maxclients") {
        let n = words.get(i + 1).and_then(|v| parse_count(v))?;
        return Some(Some(Term {
            value: n,
            source: "--maxclients".into(),
            span: None,
        }));
    }
    match conf.map(|(c, label)| (c.maxclients, label)) {
        Some((Val::Set(n, span), label)) => {
            let n = (1..=MAX_COUNT).contains(&n).then_some(n)?;
            Some(Some(Term {
                value: n,
                source: label,
                span: Some(span),
            }))
        }
        Some((Val::Invalid(_), _)) => None,
        Some((Val::Absent, _)) | None => Some(Some(Term {
            value: REDIS_MAXCLIENTS,
            source: "default".into(),
            span: None,
        })),
    }
}

/// The config file a `redis-server` command line names: the first
/// argument after `redis-server` (or `valkey-server`, `keydb-server`) when
/// it is not an option, or a first word ending in `.conf` (the official
/// images' entrypoint then runs `redis-server` with it).
fn redis_config_arg<'w>(words: &[&'w str]) -> Option<&'w str> {
    let clean = |w: &'w str| w.trim_matches(|c| c == '"' || c == '\'' || c == ';');
    let server = words.iter().position(|w| {
        let base = clean(w).rsplit('/').next().unwrap_or(w);
        matches!(base, "redis-server" | "valkey-server" | "keydb-server")
    });
    let arg = match server {
        Some(i) => words.get(i + 1).map(|w| clean(w))?,
        None => words
            .first()
            .map(|w| clean(w))
            .filter(|w| w.ends_with(".conf"))?,
    };
    (!arg.starts_with('-') && !arg.contains('$') && !arg.is_empty()).then_some(arg)
}

/// Config files of the tree by where a container can find them: on the
/// host (compose bind mounts) or as a ConfigMap key.
struct Mounted<'a, T> {
    /// Normalised path → the file.
    by_path: HashMap<PathBuf, &'a T>,
    /// (ConfigMap, key) → the namespace as written and the file.
    by_key: ByKey<'a, T>,
}

/// (ConfigMap, key) → the namespace as written and the file.
type ByKey<'a, T> = HashMap<(String, String), Vec<(Option<String>, &'a T)>>;

impl<'a, T> Mounted<'a, T> {
    /// `files`: each file with its path and the ConfigMap that holds it.
    fn new(
        files: impl Iterator<Item = (&'a T, &'a PathBuf, &'a Option<(Option<String>, String)>)>,
        generated: &[GeneratedConfigMap],
    ) -> Self {
        let mut by_path = HashMap::new();
        let mut by_key: ByKey<'a, T> = HashMap::new();
        for (c, path, config_map) in files {
            let key = path.file_name().map(|n| n.to_string_lossy().to_string());
            match (config_map, key) {
                (Some((ns, cm)), Some(key)) => {
                    by_key
                        .entry((cm.clone(), key))
                        .or_default()
                        .push((ns.clone(), c));
                }
                _ => {
                    by_path.insert(normalize(path), c);
                }
            }
        }
        for g in generated {
            for f in &g.files {
                let (Some(c), Some(key)) = (by_path.get(&normalize(f)), f.file_name()) else {
                    continue;
                };
                by_key
                    .entry((g.name.to_string(), key.to_string_lossy().to_string()))
                    .or_default()
                    .push((g.namespace.as_deref().map(str::to_string), *c));
            }
        }
        Mounted { by_path, by_key }
    }

    /// The file a compose service finds at `arg`, through its bind mounts
    /// of the file or a directory above it; with its file name.
    fn of_compose(&self, s: &ComposeService, arg: &str) -> Option<(&'a T, String)> {
        s.volumes.iter().find_map(|v| {
            let target = v.target.trim_end_matches('/');
            let host = s.bind_source(v)?;
            let file = if arg == target {
                host
            } else {
                host.join(arg.strip_prefix(target)?.strip_prefix('/')?)
            };
            let file = normalize(&file);
            let c = self.by_path.get(&file)?;
            let name = file.file_name()?.to_string_lossy().to_string();
            Some((*c, name))
        })
    }

    /// The file a container finds at `arg`, in a ConfigMap volume it
    /// mounts (the directory, or the key itself with `subPath`); with
    /// `key of ConfigMap name`.
    fn of_container(&self, w: &Workload, c: &Container, arg: &str) -> Option<(&'a T, String)> {
        c.mounts.iter().find_map(|m| {
            let mount = m.mount_path.trim_end_matches('/');
            let cm = w.pod.config_map_volume(&m.volume)?;
            let key = if arg == mount {
                arg.rsplit('/').next()?
            } else {
                arg.strip_prefix(mount)?.strip_prefix('/')?
            };
            let found = self.by_key.get(&(cm.to_string(), key.to_string()))?;
            let conf = found
                .iter()
                .find(|(ns, _)| ns.as_deref().is_none_or(|ns| ns == w.namespace))?
                .1;
            Some((conf, format!("{key} of ConfigMap {cm}")))
        })
    }
}

/// redis.conf files (not sentinel.conf).
type RedisConfs<'a> = Mounted<'a, RedisConf>;

fn mounted_redis_confs<'a>(
    confs: &'a [RedisConf],
    generated: &[GeneratedConfigMap],
) -> RedisConfs<'a> {
    Mounted::new(
        confs
            .iter()
            .filter(|c| !c.sentinel)
            .map(|c| (c, &c.path, &c.config_map)),
        generated,
    )
}

/// The host of a `redis://` or `rediss://` URL.
fn redis_url_host(value: &str) -> Option<String> {
    let rest = value
        .trim()
        .strip_prefix("redis://")
        .or_else(|| value.trim().strip_prefix("rediss://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = hostport.split(':').next().unwrap_or(hostport).trim();
    (!host.is_empty() && !host.contains('$')).then(|| host.to_string())
}

/// A Redis host and pool size from an environment.
fn redis_client(env: &Env) -> Option<(String, Span, Term)> {
    let mut names: Vec<&Text> = env.keys().collect();
    names.sort();
    let (host, span) = names.into_iter().find_map(|name| {
        let (value, span) = env.get(name)?.as_ref()?;
        match redis_url_host(value) {
            Some(h) => Some((h, *span)),
            None if name.ends_with("REDIS_HOST")
                && !value.contains("://")
                && !value.contains('$') =>
            {
                Some((value.trim().to_string(), *span))
            }
            None => None,
        }
    })?;
    let pool = REDIS_POOL_VARS.iter().find_map(|var| {
        let (v, span) = env.get(*var)?.as_ref()?;
        Some(Term {
            value: parse_count(v)?,
            source: (*var).to_string(),
            span: Some(*span),
        })
    })?;
    Some((host, span, pool))
}

/// Redis servers (workloads behind Services, compose services) and how
/// clients reach them.
struct RedisServers<'c> {
    servers: Vec<DbServer>,
    /// (namespace, Service) → server.
    hosts: HashMap<(String, String), usize>,
    /// (compose file, service name) → server.
    compose_hosts: HashMap<(FileId, &'c str), usize>,
}

fn redis_servers<'c>(
    workloads: &[Workload],
    services_of: &impl Fn(usize) -> Vec<String>,
    compose: &'c [ComposeService],
    confs: &RedisConfs<'_>,
) -> RedisServers<'c> {
    let mut servers = Vec::new();
    let mut hosts: HashMap<(String, String), usize> = HashMap::new();
    let mut compose_hosts: HashMap<(FileId, &str), usize> = HashMap::new();
    let server = |display: String, maxclients: Term, kind_span: Span| DbServer {
        engine: Engine::Redis,
        display,
        namespace: String::new(),
        max_connections: maxclients,
        superuser_reserved: setting_term(Setting::default_of(0), ""),
        reserved: setting_term(Setting::default_of(0), ""),
        kind_span,
    };
    for (wi, w) in workloads.iter().enumerate() {
        let Some(c) = w
            .pod
            .running_containers()
            .find(|c| c.image_name().is_some_and(is_redis_image))
        else {
            continue;
        };
        let words = command_words(c);
        let conf = redis_config_arg(&words).and_then(|arg| confs.of_container(w, c, arg));
        let Some(Some(maxclients)) = redis_maxclients(&words, conf) else {
            continue;
        };
        for svc in services_of(wi) {
            hosts
                .entry((w.namespace.to_string(), svc))
                .or_insert(servers.len());
        }
        servers.push(server(w.display(), maxclients, w.meta.kind_span));
    }
    for s in compose {
        if !s.image.as_ref().is_some_and(|i| is_redis_image(&i.text)) {
            continue;
        }
        let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
        let conf = redis_config_arg(&words).and_then(|arg| confs.of_compose(s, arg));
        let Some(Some(maxclients)) = redis_maxclients(&words, conf) else {
            continue;
        };
        compose_hosts.insert((s.file, s.name.as_str()), servers.len());
        servers.push(server(
            format!("compose service {}", s.name),
            maxclients,
            s.name_span,
        ));
    }
    RedisServers {
        servers,
        hosts,
        compose_hosts,
    }
}

/// The Redis server behind a Service that a container names, with its
/// pool size, from its environment.
fn redis_client_of(
    wi: usize,
    w: &Workload,
    c: &Container,
    env: &Env,
    hosts: &HashMap<(String, String), usize>,
) -> Option<DbClient> {
    let (host, span, pool) = redis_client(env)?;
    let (svc, ns) = service_of(&host, &w.namespace)?;
    let server = *hosts.get(&(ns, svc))?;
    Some(DbClient {
        workload: wi,
        compose: None,
        container: c.name.to_string(),
        server,
        host: (host, span),
        pool,
        overflow: None,
        processes: processes(c, env),
    })
}

/// Compose services that name a Redis service of their file, with a pool
/// size.
fn redis_compose_clients(
    compose: &[ComposeService],
    compose_hosts: &HashMap<(FileId, &str), usize>,
    clients: &mut Vec<DbClient>,
) {
    for s in compose {
        if s.image.as_ref().is_some_and(|i| is_redis_image(&i.text)) {
            continue;
        }
        let env = compose_env(s);
        let Some((host, span, pool)) = redis_client(&env) else {
            continue;
        };
        let Some(&server) = compose_hosts.get(&(s.file, host.as_str())) else {
            continue;
        };
        let Some(client) = compose_client(s, &env, server, (host, span), pool, None) else {
            continue;
        };
        clients.push(client);
    }
}

/// A topic a command line creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub topic: String,
    pub partitions: Option<i64>,
    /// The replication factor, and the index in the words of the flag
    /// that sets it.
    pub replication: Option<(i64, usize)>,
    /// The first host of `--bootstrap-server` / `--brokers`, without port.
    pub bootstrap: Option<String>,
}

/// Topics a command line creates with their partitions and replication
/// factor: `kafka-topics[.sh] --create --topic T --partitions N
/// --replication-factor R` and `rpk topic create T [T…] -p N -r R` (also
/// `--flag=value` forms). Commands are split at blanks, so
/// `sh -c "…; kafka-topics …"` works too.
pub fn topics_created(words: &[&str]) -> Vec<Created> {
    let mut out = Vec::new();
    // Each command starts at its program's word; the flags after it, up to
    // the next command separator, belong to it. The value of a flag and
    // the index (in `args`) of the flag's word.
    let value = |args: &[&str], long: &str, short: Option<&str>| -> Option<(String, usize)> {
        args.iter().enumerate().find_map(|(i, a)| {
            if let Some(v) = a.strip_prefix(&format!("{long}=")) {
                return Some((v.to_string(), i));
            }
            if *a == long || short.is_some_and(|s| *a == s) {
                return args.get(i + 1).map(|v| (v.to_string(), i));
            }
            None
        })
    };
    for (i, w) in words.iter().enumerate() {
        let base = w.rsplit('/').next().unwrap_or(w);
        let rest = words.get(i + 1..).unwrap_or(&[]);
        // A separator word ends the command before it; a word ending in `;`
        // ends it after itself.
        let end = rest
            .iter()
            .position(|a| matches!(*a, ";" | "&&" | "||" | "|"))
            .into_iter()
            .chain(rest.iter().position(|a| a.ends_with(';')).map(|p| p + 1))
            .min()
            .unwrap_or(rest.len());
        let args = rest.get(..end).unwrap_or(&[]);
        let clean = |v: String| {
            v.trim_matches(|c| c == '"' || c == '\'' || c == ';')
                .to_string()
        };
        let count = |found: Option<(String, usize)>| {
            found.and_then(|(v, at)| Some((parse_count(&clean(v))?, at)))
        };
        let host = |found: Option<(String, usize)>| {
            let (v, _) = found?;
            let first = clean(v);
            let first = first.split(',').next().unwrap_or("");
            let host = first.rsplit_once(':').map_or(first, |(h, _)| h);
            (!host.is_empty() && !host.contains('$')).then(|| host.to_string())
        };
        // Flag positions are counted in `words`.
        let in_words = |r: Option<(i64, usize)>| r.map(|(n, at)| (n, at + i + 1));
        if matches!(base, "kafka-topics" | "kafka-topics.sh") && args.contains(&"--create") {
            let Some(topic) = value(args, "--topic", None).map(|(t, _)| clean(t)) else {
                continue;
            };
            let partitions = count(value(args, "--partitions", None)).map(|(n, _)| n);
            let replication = in_words(count(value(args, "--replication-factor", None)));
            if !topic.contains('$') && (partitions.is_some() || replication.is_some()) {
                out.push(Created {
                    topic,
                    partitions,
                    replication,
                    bootstrap: host(value(args, "--bootstrap-server", None)),
                });
            }
        } else if base == "rpk" && args.first() == Some(&"topic") && args.get(1) == Some(&"create")
        {
            let partitions = count(value(args, "--partitions", Some("-p"))).map(|(n, _)| n);
            let replication = in_words(count(value(args, "--replicas", Some("-r"))));
            if partitions.is_none() && replication.is_none() {
                continue;
            }
            let bootstrap = host(value(args, "--brokers", None)).or_else(|| {
                let (v, _) = value(args, "-X", None)?;
                host(Some((v.strip_prefix("brokers=")?.to_string(), 0)))
            });
            // The topic names come right after `create`, before any flag.
            for t in args.iter().skip(2).take_while(|a| !a.starts_with('-')) {
                let t = clean(t.to_string());
                if !t.is_empty() && !t.contains('$') {
                    out.push(Created {
                        topic: t,
                        partitions,
                        replication,
                        bootstrap: bootstrap.clone(),
                    });
                }
            }
        }
    }
    out
}

fn command_topic(
    meta: &crate::extract::k8s::ObjectMeta,
    topic: String,
    partitions: i64,
    at: Span,
) -> KafkaTopic {
    KafkaTopic {
        meta: meta.clone(),
        topic: topic.into(),
        partitions: Some((partitions, at)),
        cluster: None,
        replicas: crate::extract::Val::Absent,
        min_insync: crate::extract::Val::Absent,
        spec_key: at,
    }
}

/// Each Kafka cluster with its brokers: the replicas of its node pools
/// with the broker role when it has node pools, else `spec.kafka.replicas`.
/// Each Strimzi Kafka cluster with its broker count: the replicas of its
/// KafkaNodePools with the broker role, else `spec.kafka.replicas`.
///
/// Pools join their cluster by name and namespace. When the tree holds
/// several clusters of one name (examples, per-environment copies), a
/// cluster takes the pools of its own file, else of its own directory, and
/// only when neither has any, all pools of that name: unrelated examples
/// named `my-cluster` must not add up.
pub fn kafka_brokers(
    clusters: Vec<KafkaCluster>,
    pools: &[KafkaNodePool],
    dir_of: &dyn Fn(FileId) -> Option<std::path::PathBuf>,
) -> Vec<(KafkaCluster, Option<i64>)> {
    let mut by_cluster: HashMap<(&str, &str), Vec<&KafkaNodePool>> = HashMap::new();
    for p in pools {
        if let Some(c) = p.cluster.as_deref() {
            by_cluster
                .entry((c, p.namespace.as_str()))
                .or_default()
                .push(p);
        }
    }
    let brokers = |c: &KafkaCluster| {
        let all = by_cluster
            .get(&(c.meta.name.as_str(), c.namespace.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let same_file: Vec<&KafkaNodePool> = all
            .iter()
            .copied()
            .filter(|p| p.meta.file == c.meta.file)
            .collect();
        let mine = if !same_file.is_empty() {
            same_file
        } else {
            let dir = dir_of(c.meta.file);
            let same_dir: Vec<&KafkaNodePool> = all
                .iter()
                .copied()
                .filter(|p| dir.is_some() && dir_of(p.meta.file) == dir)
                .collect();
            if same_dir.is_empty() {
                all.to_vec()
            } else {
                same_dir
            }
        };
        if mine.is_empty() {
            c.replicas.get()
        } else {
            mine.iter()
                .filter(|p| p.broker)
                .try_fold(0i64, |sum, p| Some(sum.saturating_add(p.replicas.get()?)))
        }
    };
    clusters
        .into_iter()
        .map(|c| {
            let n = brokers(&c);
            (c, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            pg_url(
                "postgresql://app:secret@orders-db-rw.shop.svc:5432/orders?sslmode=require&pool_max_conns=12"
            ),
            Some(("orders-db-rw.shop.svc".into(), Some(12), false))
        );
        assert_eq!(
            pg_url("postgresql+asyncpg://orders-db-rw/orders"),
            Some(("orders-db-rw".into(), None, false))
        );
        assert_eq!(
            pg_url("jdbc:postgresql://pg:5432/app"),
            Some(("pg".into(), None, true))
        );
        assert_eq!(
            pg_url("mysql+pymysql://app:pw@orders-mysql:3306/app"),
            Some(("orders-mysql".into(), None, false))
        );
        assert_eq!(
            pg_url("jdbc:mysql://db:3306/app"),
            Some(("db".into(), None, true))
        );
        assert_eq!(pg_url("mongodb://db/app"), None);
        assert_eq!(pg_url("postgres://$(DB_HOST):5432/app"), None);
        assert_eq!(pg_url("https://example.com"), None);
    }

    #[test]
    fn service_names() {
        let s = |h: &str| service_of(h, "shop");
        assert_eq!(s("db"), Some(("db".into(), "shop".into())));
        assert_eq!(s("db.data"), Some(("db".into(), "data".into())));
        assert_eq!(s("db.data.svc"), Some(("db".into(), "data".into())));
        assert_eq!(
            s("db.data.svc.cluster.local"),
            Some(("db".into(), "data".into()))
        );
        assert_eq!(s("db.example.com"), None);
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("20"), Some(20));
        assert_eq!(parse_count(" \"5\" "), Some(5));
        assert_eq!(parse_count("ten"), None);
        assert_eq!(parse_count("0"), None);
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("${POOL}"), None);
        assert_eq!(parse_count("100000000000000000000"), None);
    }

    #[test]
    fn postgres_images() {
        assert!(is_postgres_image("postgres:16"));
        assert!(is_postgres_image("docker.io/bitnami/postgresql:16.4.0"));
        assert!(is_postgres_image("postgis/postgis:16-3.4"));
        assert!(!is_postgres_image("ghcr.io/acme/postgres-exporter:1"));
        assert!(!is_postgres_image("pgbouncer/pgbouncer"));
        assert!(is_mysql_image("mysql:8.4"));
        let created = topics_created(&[
            "sh",
            "-c",
            "kafka-topics.sh",
            "--bootstrap-server",
            "k:9092,k2:9092",
            "--create",
            "--topic",
            "orders",
            "--partitions",
            "12;",
            "rpk",
            "topic",
            "create",
            "a",
            "b",
            "-p",
            "6",
            "-r",
            "3",
            "&&",
            "kafka-topics",
            "--create",
            "--topic=audit",
            "--replication-factor=1",
        ]);
        let brief: Vec<_> = created
            .iter()
            .map(|c| {
                (
                    c.topic.as_str(),
                    c.partitions,
                    c.replication,
                    c.bootstrap.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                ("orders", Some(12), None, Some("k")),
                ("a", Some(6), Some((3, 17)), None),
                ("b", Some(6), Some((3, 17)), None),
                ("audit", None, Some((1, 23)), None),
            ]
        );
        assert!(topics_created(&["kafka-topics", "--list"]).is_empty());
        assert!(
            topics_created(&[
                "kafka-topics",
                "--create",
                "--topic",
                "$T",
                "--partitions",
                "3"
            ])
            .is_empty()
        );
        // rpk's -r -1 means the broker's default: not a factor of its own.
        assert!(topics_created(&["rpk", "topic", "create", "x", "-r", "-1"]).is_empty());
        assert!(is_mysql_image("docker.io/library/mariadb:11"));
        assert!(!is_mysql_image("prom/mysqld-exporter"));
    }

    #[test]
    fn redis_config_arguments() {
        assert_eq!(
            redis_config_arg(&["redis-server", "/etc/redis/redis.conf", "--port", "6380"]),
            Some("/etc/redis/redis.conf")
        );
        assert_eq!(
            redis_config_arg(&[
                "sh",
                "-c",
                "\"exec",
                "/usr/bin/valkey-server",
                "/c/v.conf\""
            ]),
            Some("/c/v.conf")
        );
        assert_eq!(
            redis_config_arg(&["/data/redis.conf"]),
            Some("/data/redis.conf")
        );
        assert_eq!(
            redis_config_arg(&["redis-server", "--maxclients", "5"]),
            None
        );
        assert_eq!(redis_config_arg(&["redis-server", "$CONF"]), None);
        assert_eq!(redis_config_arg(&[]), None);
    }

    #[test]
    fn standby_links() {
        let span = Span::file_start(FileId(0));
        let env = |pairs: &[(&str, &str)]| -> Env {
            pairs
                .iter()
                .map(|(k, v)| (Text::from(*k), Some((Text::from(*v), span))))
                .collect()
        };
        let host = |words: &[&str], e: &Env, own: &str| {
            standby_link(words, (e, true), &[], own, None).map(|l| (l.host, l.via))
        };
        let none = Env::new();
        assert_eq!(
            host(
                &[
                    "postgres",
                    "-c",
                    "\"primary_conninfo=host=pg-a,pg-b",
                    "user=r\""
                ],
                &none,
                "x"
            ),
            Some(("pg-a".into(), "primary_conninfo".into()))
        );
        let slave = env(&[
            ("POSTGRESQL_REPLICATION_MODE", "Slave"),
            ("POSTGRESQL_MASTER_HOST", "pg"),
        ]);
        assert_eq!(
            host(&[], &slave, "r"),
            Some(("pg".into(), "POSTGRESQL_MASTER_HOST".into()))
        );
        let master = env(&[("POSTGRESQL_MASTER_HOST", "pg")]);
        assert_eq!(host(&[], &master, "r"), None);
        let repmgr = env(&[("REPMGR_PRIMARY_HOST", "pg-0.pg-headless")]);
        assert_eq!(host(&[], &repmgr, "pg-0"), None);
        assert!(host(&[], &repmgr, "pg-1").is_some());
        assert_eq!(
            standby_link(&[], (&slave, false), &[], "r", None),
            None,
            "the official image ignores Bitnami's variables"
        );
        let named = env(&[
            ("REPMGR_PRIMARY_HOST", "pg-0"),
            ("REPMGR_NODE_NETWORK_NAME", "pg-0"),
        ]);
        assert_eq!(host(&[], &named, "other"), None);
        assert_eq!(
            pg_config_paths(
                &["postgres", "-c", "'config_file=/etc/pg.conf'"],
                "postgres:16"
            ),
            ["/etc/pg.conf"]
        );
        assert_eq!(
            pg_config_paths(&["postgres"], "bitnami/postgresql:16").len(),
            2
        );
        assert!(pg_config_paths(&["postgres"], "postgres:16").is_empty());
        assert!(config_file_hint(
            &["postgres", "-c", "config_file=/etc/pg.conf"],
            [].into_iter()
        ));
        assert!(config_file_hint(
            &[],
            ["/bitnami/postgresql/conf/"].into_iter()
        ));
        assert!(!config_file_hint(
            &[],
            ["/var/lib/postgresql/data"].into_iter()
        ));
    }

    #[test]
    fn statefulset_pod_names() {
        assert_eq!(
            pod_dns_service("pg-0.pg-headless", "db"),
            Some(("db".into(), "pg-headless".into()))
        );
        assert_eq!(
            pod_dns_service("pg-12.pg.data.svc.cluster.local", "db"),
            Some(("data".into(), "pg".into()))
        );
        assert_eq!(pod_dns_service("pg.db", "db"), None);
        assert_eq!(pod_dns_service("pg-x.db", "db"), None);
    }

    #[test]
    fn mysql_limits() {
        let t = |w: &[&str]| mysql_max_connections(w).map(|t| t.value);
        assert_eq!(t(&["mysqld", "--max-connections=500"]), Some(500));
        assert_eq!(t(&["--max_connections", "300"]), Some(300));
        assert_eq!(t(&["mysqld"]), Some(MYSQL_MAX_CONNECTIONS));
        assert_eq!(t(&["--max-connections=lots"]), None);
    }
}
