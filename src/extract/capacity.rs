//! Facts for capacity arithmetic: ConfigMaps (to resolve env references),
//! PostgreSQL servers declared by operators (CloudNativePG `Cluster`,
//! Zalando `postgresql`), and Strimzi `KafkaTopic`s.

use crate::formats::yaml::Y;
use crate::source::{FileId, Span};

use super::k8s::{ObjectMeta, count, span};
use super::{Facts, Text};

#[derive(Clone, Debug)]
pub struct ConfigMap {
    pub meta: ObjectMeta,
    pub namespace: Text,
    /// Key, value and the value's span.
    pub data: Vec<(Text, Text, Span)>,
}

/// A server setting: its value, and where it was written (`None`: the
/// documented default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: i64,
    pub span: Option<Span>,
}

impl Setting {
    pub fn default_of(value: i64) -> Self {
        Setting { value, span: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    /// CloudNativePG `Cluster`: clients of the primary use `<name>-rw`.
    Cnpg,
    /// Zalando postgres-operator `postgresql`: the primary's Service is `<name>`.
    Zalando,
    /// `[[facts.database]]` of the config: a server outside the tree,
    /// reached by the host named there.
    Declared,
}

/// A PostgreSQL server an operator runs, with its connection limits.
#[derive(Clone, Debug)]
pub struct Database {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub kind: DatabaseKind,
    /// `None` when written but unreadable: the rules stay silent.
    pub max_connections: Option<Setting>,
    pub superuser_reserved: Option<Setting>,
    pub reserved: Option<Setting>,
    /// CloudNativePG `spec.instances` (default 1).
    pub instances: super::Val<i64>,
}

impl Database {
    /// The Service name clients of the primary connect to.
    pub fn primary_service(&self) -> String {
        match self.kind {
            DatabaseKind::Cnpg => format!("{}-rw", self.meta.name),
            DatabaseKind::Zalando | DatabaseKind::Declared => self.meta.name.to_string(),
        }
    }
}

/// A CloudNativePG `Pooler`: PgBouncer instances in front of a Cluster.
#[derive(Clone, Debug)]
pub struct Pooler {
    pub meta: ObjectMeta,
    pub namespace: Text,
    /// `spec.cluster.name`.
    pub cluster: Text,
    /// `spec.type`: `rw` (default), `ro` or `r`.
    pub target: Text,
    /// `spec.instances` (default 1); `None` when unreadable.
    pub instances: Option<Setting>,
    /// PgBouncer parameters (`default_pool_size` 20, `reserve_pool_size` 0,
    /// `max_db_connections` 0 = no cap, `max_client_conn` 100); `None` when
    /// written but unreadable.
    pub default_pool_size: Option<Setting>,
    pub reserve_pool_size: Option<Setting>,
    pub max_db_connections: Option<Setting>,
    pub max_client_conn: Option<Setting>,
}

/// PgBouncer's documented defaults.
pub const PGBOUNCER_DEFAULT_POOL_SIZE: i64 = 20;
pub const PGBOUNCER_MAX_CLIENT_CONN: i64 = 100;

/// A Strimzi `KafkaTopic`.
#[derive(Clone, Debug)]
pub struct KafkaTopic {
    pub meta: ObjectMeta,
    /// `spec.topicName`, else `metadata.name`.
    pub topic: Text,
    /// `spec.partitions` and its key.
    pub partitions: Option<(i64, Span)>,
    /// The `strimzi.io/cluster` label: the Kafka cluster it belongs to.
    pub cluster: Option<Text>,
    /// `spec.replicas` (the replication factor): absent, set, or unreadable.
    pub replicas: super::Val<i64>,
    /// `spec.config["min.insync.replicas"]`.
    pub min_insync: super::Val<i64>,
    /// The `spec:` key (or `kind:`), where a topic-wide finding points.
    pub spec_key: Span,
}

/// A Strimzi `Kafka` cluster and the broker settings the replication rules read.
#[derive(Clone, Debug)]
pub struct KafkaCluster {
    pub meta: ObjectMeta,
    pub namespace: Text,
    /// `spec.kafka.replicas` (ZooKeeper-based or without node pools).
    pub replicas: super::Val<i64>,
    pub default_replication_factor: super::Val<i64>,
    pub offsets_replication_factor: super::Val<i64>,
    pub min_insync: super::Val<i64>,
}

/// A Strimzi `KafkaNodePool`: replicas of a cluster with roles.
#[derive(Clone, Debug)]
pub struct KafkaNodePool {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub cluster: Option<Text>,
    pub replicas: super::Val<i64>,
    pub broker: bool,
}

/// PostgreSQL's documented defaults.
pub const PG_MAX_CONNECTIONS: i64 = 100;
pub const PG_SUPERUSER_RESERVED: i64 = 3;
pub const PG_RESERVED: i64 = 0;

/// The `[[facts.database]]` and `[[facts.topic]]` of the config file, as
/// facts of that file.
pub fn declared(d: &crate::config::DeclaredFacts, file: FileId, facts: &mut Facts) {
    let at = |(start, end): (crate::source::Pos, crate::source::Pos)| Span::new(file, start, end);
    let setting = |v: Option<crate::config::Declared>, default: i64| -> Setting {
        v.map_or(Setting::default_of(default), |(value, start, end)| {
            Setting {
                value,
                span: Some(at((start, end))),
            }
        })
    };
    for db in &d.databases {
        facts.databases.push(Database {
            meta: ObjectMeta {
                file,
                api_version: String::new().into(),
                kind: "[[facts.database]]".into(),
                name: db.host.clone().into(),
                namespace: None,
                kind_span: at(db.host_at),
                annotations: Vec::new(),
            },
            namespace: Text::default(),
            kind: DatabaseKind::Declared,
            max_connections: Some(setting(Some(db.max_connections), PG_MAX_CONNECTIONS)),
            superuser_reserved: Some(setting(db.superuser_reserved, PG_SUPERUSER_RESERVED)),
            reserved: Some(setting(db.reserved, PG_RESERVED)),
            instances: super::Val::Absent,
        });
    }
    for t in &d.topics {
        let (value, start, end) = t.partitions;
        facts.topics.push(KafkaTopic {
            meta: ObjectMeta {
                file,
                api_version: String::new().into(),
                kind: "[[facts.topic]]".into(),
                name: t.name.clone().into(),
                namespace: None,
                kind_span: at((start, end)),
                annotations: Vec::new(),
            },
            topic: t.name.clone().into(),
            partitions: Some((value, at((start, end)))),
            cluster: None,
            replicas: super::Val::Absent,
            min_insync: super::Val::Absent,
            spec_key: at((start, end)),
        });
    }
}

/// A numeric server parameter of an operator resource: the default when
/// absent, `None` when written but not a non-negative number. Parameters
/// are strings in these CRDs; plain numbers are accepted too.
fn parameter(params: Option<Y<'_, '_>>, name: &str, default: i64, file: FileId) -> Option<Setting> {
    match params.and_then(|p| p.entry(name)) {
        None => Some(Setting::default_of(default)),
        Some((_, v)) => {
            let value: i64 = v.as_str()?.trim().parse().ok()?;
            (value >= 0).then_some(Setting {
                value,
                span: Some(span(file, v)),
            })
        }
    }
}

/// A count in a Kafka config map, where values may be numbers or strings.
fn config_count(config: Y<'_, '_>, key: &str, file: FileId) -> super::Val<i64> {
    match config.entry(key) {
        None => super::Val::Absent,
        Some((k, v)) => {
            let n = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()));
            match n {
                Some(n) if n >= 1 => super::Val::Set(n, span(file, k)),
                _ => super::Val::Invalid(span(file, k)),
            }
        }
    }
}

fn cluster_label(obj: Y<'_, '_>) -> Option<String> {
    obj.path(&["metadata", "labels", "strimzi.io/cluster"])
        .and_then(|v| v.as_text())
        .map(str::to_string)
}

/// Reads a ConfigMap, CNPG Cluster, Zalando postgresql or KafkaTopic;
/// `false` for any other kind.
pub fn extract(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId, facts: &mut Facts) -> bool {
    let group = super::group_of(&meta.api_version);
    match (group, meta.kind.as_str()) {
        ("", "ConfigMap") => {
            let data = obj
                .get("data")
                .map(|d| {
                    d.entries()
                        .into_iter()
                        .filter_map(|(k, v)| {
                            Some((
                                Text::from(k.as_str()?),
                                Text::from(v.as_str()?),
                                span(file, v),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            facts.config_maps.push(ConfigMap {
                meta: meta.clone(),
                namespace: Text::default(),
                data,
            });
            true
        }
        ("postgresql.cnpg.io", "Cluster") | ("acid.zalan.do", "postgresql") => {
            let params = obj.path(&["spec", "postgresql", "parameters"]);
            let setting = |name: &str, default: i64| parameter(params, name, default, file);
            facts.databases.push(Database {
                meta: meta.clone(),
                namespace: Text::default(),
                kind: if group == "acid.zalan.do" {
                    DatabaseKind::Zalando
                } else {
                    DatabaseKind::Cnpg
                },
                max_connections: setting("max_connections", PG_MAX_CONNECTIONS),
                superuser_reserved: setting(
                    "superuser_reserved_connections",
                    PG_SUPERUSER_RESERVED,
                ),
                reserved: setting("reserved_connections", PG_RESERVED),
                instances: if group == "postgresql.cnpg.io" {
                    obj.get("spec")
                        .map_or(super::Val::Absent, |s| count(s, "instances", file))
                } else {
                    super::Val::Absent
                },
            });
            true
        }
        ("postgresql.cnpg.io", "Pooler") => {
            let spec = obj.get("spec");
            let params = spec.and_then(|s| s.path(&["pgbouncer", "parameters"]));
            // Findings point at the parameter's key.
            let setting = |name: &str, default: i64| {
                let key = params
                    .and_then(|p| p.entry(name))
                    .map(|(k, _)| span(file, k));
                parameter(params, name, default, file).map(|s| Setting {
                    span: s.span.and(key),
                    ..s
                })
            };
            let instances = match spec.and_then(|s| s.entry("instances")) {
                None => Some(Setting::default_of(1)),
                Some((k, v)) => v.as_i64().filter(|n| *n >= 0).map(|value| Setting {
                    value,
                    span: Some(span(file, k)),
                }),
            };
            facts.poolers.push(Pooler {
                meta: meta.clone(),
                namespace: Text::default(),
                cluster: spec
                    .and_then(|s| s.path(&["cluster", "name"]))
                    .and_then(|n| n.as_text())
                    .unwrap_or("")
                    .into(),
                target: spec.and_then(|s| s.get_str("type")).unwrap_or("rw").into(),
                instances,
                default_pool_size: setting("default_pool_size", PGBOUNCER_DEFAULT_POOL_SIZE),
                reserve_pool_size: setting("reserve_pool_size", 0),
                max_db_connections: setting("max_db_connections", 0),
                max_client_conn: setting("max_client_conn", PGBOUNCER_MAX_CLIENT_CONN),
            });
            true
        }
        ("kafka.strimzi.io", "Kafka") => {
            let config = obj.path(&["spec", "kafka", "config"]);
            let conf =
                |key: &str| config.map_or(super::Val::Absent, |c| config_count(c, key, file));
            facts.kafka_clusters.push(KafkaCluster {
                meta: meta.clone(),
                namespace: Text::default(),
                replicas: obj
                    .path(&["spec", "kafka"])
                    .map_or(super::Val::Absent, |k| count(k, "replicas", file)),
                default_replication_factor: conf("default.replication.factor"),
                offsets_replication_factor: conf("offsets.topic.replication.factor"),
                min_insync: conf("min.insync.replicas"),
            });
            true
        }
        ("kafka.strimzi.io", "KafkaNodePool") => {
            let spec = obj.get("spec");
            facts.kafka_node_pools.push(KafkaNodePool {
                meta: meta.clone(),
                namespace: Text::default(),
                cluster: cluster_label(obj).map(Text::from),
                replicas: spec.map_or(super::Val::Absent, |s| count(s, "replicas", file)),
                broker: spec
                    .and_then(|s| s.get("roles"))
                    .is_some_and(|r| r.items().any(|i| i.as_str() == Some("broker"))),
            });
            true
        }
        ("kafka.strimzi.io", "KafkaTopic") => {
            let spec = obj.get("spec");
            facts.topics.push(KafkaTopic {
                cluster: cluster_label(obj).map(Text::from),
                replicas: spec.map_or(super::Val::Absent, |s| count(s, "replicas", file)),
                min_insync: spec
                    .and_then(|s| s.get("config"))
                    .map_or(super::Val::Absent, |c| {
                        config_count(c, "min.insync.replicas", file)
                    }),
                spec_key: obj
                    .entry("spec")
                    .map_or(meta.kind_span, |(k, _)| span(file, k)),
                meta: meta.clone(),
                topic: spec
                    .and_then(|s| s.get_str("topicName"))
                    .unwrap_or(&meta.name)
                    .into(),
                partitions: spec
                    .and_then(|s| s.entry("partitions"))
                    .and_then(|(k, v)| Some((v.as_i64().filter(|n| *n > 0)?, span(file, k)))),
            });
            true
        }
        _ => false,
    }
}
