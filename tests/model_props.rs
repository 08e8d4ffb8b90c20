//! Grammar-aware property test of the whole pipeline: trees of Kubernetes
//! objects and compose services that are valid YAML and nearly valid
//! manifests — the right kinds, keys and cross-references (names, labels,
//! hosts, topics) — with wrong, absurd or missing values in random places.
//! Every rule runs on every tree; none may panic, and every finding must
//! have a position and a message.
//!
//! `PROPTEST_CASES=20000 cargo test --release --test model_props` for a
//! longer hunt.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;

/// A YAML value, emitted in block style.
#[derive(Clone, Debug)]
enum V {
    S(String),
    L(Vec<V>),
    M(Vec<(String, V)>),
}

fn emit(v: &V, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        V::S(s) => {
            out.push(' ');
            out.push_str(&scalar(s));
            out.push('\n');
        }
        V::L(items) if items.is_empty() => out.push_str(" []\n"),
        V::M(items) if items.is_empty() => out.push_str(" {}\n"),
        V::L(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    V::M(entries) if !entries.is_empty() => {
                        // `- key: value` with the rest of the map aligned.
                        let mut first = true;
                        for (k, v) in entries {
                            if !first {
                                out.push_str(&pad);
                                out.push_str("  ");
                            }
                            out.push_str(if first { " " } else { "" });
                            out.push_str(&scalar(k));
                            out.push(':');
                            emit(v, indent + 4, out);
                            first = false;
                        }
                    }
                    _ => emit(item, indent + 2, out),
                }
            }
        }
        V::M(entries) => {
            out.push('\n');
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(&scalar(k));
                out.push(':');
                emit(v, indent + 2, out);
            }
        }
    }
}

/// Plain when that reads back as the same string, else double-quoted.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./%-=+".contains(c))
        && !s.starts_with(['-', '%', '.'])
        && !matches!(s, "null" | "true" | "false" | "~");
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap()
    }
}

const NAMES: &[&str] = &["api", "db", "worker", "kafka", "sentinel", "zookeeper"];

const SCALARS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "10",
    "24",
    "100",
    "-1",
    "100000000000000000000",
    "0%",
    "25%",
    "150%",
    "1.5",
    "ten",
    "",
    "null",
    "true",
    "Off",
    "Auto",
    "Initial",
    "None",
    "grpc",
    "${UNSET}",
    "${POOL:-20}",
    "$$",
    "8080:8080",
    "80",
    "http",
    "cpu",
    "memory",
    "Utilization",
    "AverageValue",
    "postgres://app:pw@db:5432/app",
    "postgresql://db.shop.svc.cluster.local/app",
    "jdbc:postgresql://db:5432/app",
    "mysql://db:3306/app",
    "redis://kafka:6379/0",
    "db.shop.svc.cluster.local",
    "kafka:9092",
    "orders",
    "orders-consumers",
    "kafka-topics --create --topic orders --partitions 3 --replication-factor 1",
    "rpk topic create orders -p 6 -r 1",
    "gunicorn -w 4 --threads 2 app:app",
    "redis-server /etc/redis/redis.conf --maxclients 10",
    "redis-sentinel /etc/sentinel.conf",
    "-c max_connections=50",
    "postgres:16",
    "bitnami/postgresql:16",
    "zookeeper:3.9",
    "bitnami/redis-sentinel:7",
    "confluentinc/cp-kafka:7",
    "istio",
    "enabled",
    "disabled",
];

const ENV: &[&str] = &[
    "DATABASE_URL",
    "DB_HOST",
    "PGHOST",
    "DB_POOL_SIZE",
    "POOL_SIZE",
    "SQLALCHEMY_POOL_SIZE",
    "SQLALCHEMY_MAX_OVERFLOW",
    "SPRING_DATASOURCE_URL",
    "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE",
    "WEB_CONCURRENCY",
    "GUNICORN_WORKERS",
    "KAFKA_TOPIC",
    "KAFKA_GROUP_ID",
    "REDIS_URL",
    "REDIS_POOL_SIZE",
    "POSTGRESQL_MAX_CONNECTIONS",
    "POSTGRESQL_MASTER_HOST",
    "POSTGRESQL_REPLICATION_MODE",
    "ZOO_SERVERS",
    "ETCD_INITIAL_CLUSTER",
];

const KEYS: &[&str] = &[
    "replicas",
    "minReplicas",
    "maxReplicas",
    "minReplicaCount",
    "maxReplicaCount",
    "minAvailable",
    "maxUnavailable",
    "maxSurge",
    "partitions",
    "instances",
    "max_connections",
    "superuser_reserved_connections",
    "stabilizationWindowSeconds",
    "cooldownPeriod",
    "updateMode",
    "topic",
    "consumerGroup",
    "allowIdleConsumers",
    "clusterIP",
    "appProtocol",
    "name",
    "port",
    "type",
    "selector",
    "matchLabels",
    "app",
    "kind",
    "config",
    "parameters",
    "default_pool_size",
    "min.insync.replicas",
    "default.replication.factor",
    "terminationGracePeriodSeconds",
    "command",
    "args",
    "image",
    "scale",
    "container_name",
];

fn s(x: &str) -> V {
    V::S(x.to_string())
}

fn m(entries: Vec<(&str, V)>) -> V {
    V::M(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn any_scalar() -> impl Strategy<Value = V> {
    prop::sample::select(SCALARS).prop_map(s)
}

/// Any value: mostly scalars, sometimes lists and maps of the known keys.
fn any_value() -> impl Strategy<Value = V> {
    any_scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(V::L),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4)
                .prop_map(|e| { V::M(e.into_iter().map(|(k, v)| (k.to_string(), v)).collect()) }),
        ]
    })
}

/// Either the value a manifest would hold there or anything at all.
fn or_any(good: V) -> impl Strategy<Value = V> {
    prop_oneof![4 => Just(good), 1 => any_value()]
}

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES)
}

fn container() -> impl Strategy<Value = V> {
    (
        name(),
        any_scalar(),
        prop::collection::vec((prop::sample::select(ENV), any_scalar()), 0..4),
        any_value(),
        any_value(),
        any_value(),
        prop::bool::ANY,
    )
        .prop_map(|(n, image, env, resources, probe, command, ports)| {
            let mut c = vec![("name", s(n)), ("image", image)];
            c.push((
                "env",
                V::L(
                    env.into_iter()
                        .map(|(k, v)| m(vec![("name", s(k)), ("value", v)]))
                        .collect(),
                ),
            ));
            c.push(("resources", resources));
            c.push(("readinessProbe", probe.clone()));
            c.push(("livenessProbe", probe));
            c.push(("command", command));
            if ports {
                c.push((
                    "ports",
                    V::L(vec![m(vec![
                        ("name", s("http")),
                        ("containerPort", s("8080")),
                    ])]),
                ));
            }
            m(c)
        })
}

fn workload() -> impl Strategy<Value = V> {
    (
        prop::sample::select(&["Deployment", "StatefulSet", "DaemonSet", "Job", "Rollout"][..]),
        name(),
        any_value(),
        any_value(),
        prop::collection::vec(container(), 1..3),
    )
        .prop_flat_map(|(kind, n, replicas, strategy, containers)| {
            let api = if kind == "Rollout" {
                "argoproj.io/v1alpha1"
            } else {
                "apps/v1"
            };
            let spec = m(vec![
                ("replicas", replicas),
                ("strategy", strategy),
                ("selector", m(vec![("matchLabels", m(vec![("app", s(n))]))])),
                (
                    "template",
                    m(vec![
                        ("metadata", m(vec![("labels", m(vec![("app", s(n))]))])),
                        ("spec", m(vec![("containers", V::L(containers))])),
                    ]),
                ),
            ]);
            (Just(api), Just(kind), Just(n), or_any(spec))
        })
        .prop_map(|(api, kind, n, spec)| object(api, kind, n, spec))
}

fn object(api: &str, kind: &str, name: &str, spec: V) -> V {
    m(vec![
        ("apiVersion", s(api)),
        ("kind", s(kind)),
        (
            "metadata",
            m(vec![
                ("name", s(name)),
                ("namespace", s("shop")),
                (
                    "labels",
                    m(vec![("app", s(name)), ("strimzi.io/cluster", s("kafka"))]),
                ),
            ]),
        ),
        ("spec", spec),
    ])
}

/// The objects that refer to workloads, databases and topics.
fn other() -> impl Strategy<Value = V> {
    let kinds: &[(&str, &str)] = &[
        ("v1", "Service"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("v1", "ConfigMap"),
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
        ("kafka.strimzi.io/v1beta2", "Kafka"),
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Pooler"),
        ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler"),
    ];
    (
        prop::sample::select(kinds),
        name(),
        name(),
        prop::collection::vec((prop::sample::select(KEYS), any_value()), 0..6),
        any_value(),
    )
        .prop_map(|((api, kind), n, target, fields, trigger)| {
            let mut spec: Vec<(String, V)> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let target_ref = m(vec![("kind", s("Deployment")), ("name", s(target))]);
            spec.push(("scaleTargetRef".into(), target_ref.clone()));
            spec.push(("targetRef".into(), target_ref));
            spec.push(("selector".into(), m(vec![("app", s(target))])));
            spec.push((
                "triggers".into(),
                V::L(vec![m(vec![("type", s("kafka")), ("metadata", trigger)])]),
            ));
            spec.push((
                "ports".into(),
                V::L(vec![m(vec![("name", s("grpc")), ("port", s("80"))])]),
            ));
            object(api, kind, n, V::M(spec))
        })
}

fn compose() -> impl Strategy<Value = V> {
    prop::collection::vec(
        (
            name(),
            any_scalar(),
            any_value(),
            prop::collection::vec((prop::sample::select(ENV), any_scalar()), 0..4),
            any_value(),
            any_value(),
        ),
        0..4,
    )
    .prop_map(|services| {
        let services = services
            .into_iter()
            .map(|(n, image, deploy, env, ports, extra)| {
                let env = V::L(
                    env.into_iter()
                        .map(|(k, v)| match v {
                            V::S(v) => V::S(format!("{k}={v}")),
                            other => other,
                        })
                        .collect(),
                );
                (
                    n.to_string(),
                    m(vec![
                        ("image", image),
                        ("deploy", deploy),
                        ("environment", env),
                        ("ports", ports),
                        ("container_name", s(n)),
                        ("command", extra),
                    ]),
                )
            })
            .collect();
        m(vec![("services", V::M(services))])
    })
}

fn documents(docs: &[V]) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str("---");
        emit(d, 0, &mut out);
    }
    out
}

fn run(k8s: &[V], compose: &V, env_file: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k8s.yaml"), documents(k8s)).unwrap();
    let mut c = String::new();
    emit(compose, 0, &mut c);
    std::fs::write(dir.path().join("docker-compose.yml"), c.trim_start()).unwrap();
    std::fs::write(dir.path().join(".env"), env_file).unwrap();
    let mut settings = scalelint::lint::Settings::new(vec![dir.path().to_path_buf()]);
    settings.enabled = scalelint::rules::RuleSet::all();
    let outcome = scalelint::lint::lint(&settings);
    prop_assert!(
        outcome.internal_errors.is_empty(),
        "{:?}",
        outcome.internal_errors
    );
    for f in &outcome.findings {
        prop_assert!(!f.message.contains("internal error"), "{}", f.message);
        prop_assert!(!f.message.is_empty());
        prop_assert!(
            f.span.start.line >= 1 && f.span.start.col >= 1,
            "{:?}",
            f.span
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_rule_survives_nearly_valid_manifests(
        workloads in prop::collection::vec(workload(), 0..4),
        others in prop::collection::vec(other(), 0..8),
        compose in compose(),
        env_file in prop::sample::select(&["", "POOL=7\n", "POOL=\n", "POOL=${POOL}\n", "=x\n"][..]),
    ) {
        let docs: Vec<V> = workloads.into_iter().chain(others).collect();
        run(&docs, &compose, env_file)?;
    }
}

#[test]
fn the_emitter_writes_yaml_that_reads_back() {
    let v = m(vec![
        ("a", s("1")),
        (
            "b",
            V::L(vec![
                m(vec![("x", s("two words")), ("y", V::L(vec![]))]),
                s("-1"),
            ]),
        ),
        ("c", m(vec![])),
    ]);
    let mut out = String::new();
    emit(&v, 0, &mut out);
    let f = scalelint::formats::yaml::parse(&out);
    assert!(f.errors.is_empty(), "{out}\n{:?}", f.errors);
    assert_eq!(f.docs.len(), 1, "{out}");
}
