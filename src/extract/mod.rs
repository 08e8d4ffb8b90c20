//! Parsed trees read into typed facts, one `Facts` per file.

pub mod autoscaling;
pub mod capacity;
pub mod clickhouse;
pub mod compose;
pub mod compose_env;
pub mod config_files;
pub mod haproxy;
pub mod k8s;
pub mod nginx;
pub mod operators;
pub mod pgbouncer;
pub mod postgres;
pub mod proxy;
pub mod redis;
pub mod zookeeper;

use std::path::PathBuf;

/// The text of names, labels, annotations and other short values in facts.
/// Up to 24 bytes it is stored inline, without an allocation of its own:
/// that is almost every Kubernetes name, label and value. A large tree's
/// facts all wait in memory for the model, and the model's indexes copy
/// their keys, so a `String` per value was a large part of the peak.
pub type Text = compact_str::CompactString;

use crate::formats::yaml::Y;
use crate::source::{FileId, Span};

/// Everything one file contributed to the model.
#[derive(Debug, Default)]
pub struct Facts {
    pub workloads: Vec<k8s::Workload>,
    pub services: Vec<k8s::Service>,
    pub limit_ranges: Vec<k8s::LimitRange>,
    pub pdbs: Vec<autoscaling::Pdb>,
    pub autoscalers: Vec<autoscaling::Autoscaler>,
    pub vpas: Vec<autoscaling::Vpa>,
    pub config_maps: Vec<capacity::ConfigMap>,
    pub databases: Vec<capacity::Database>,
    pub poolers: Vec<capacity::Pooler>,
    pub kafka_clusters: Vec<capacity::KafkaCluster>,
    pub kafka_node_pools: Vec<capacity::KafkaNodePool>,
    pub topics: Vec<capacity::KafkaTopic>,
    /// Every Kubernetes object, whatever its kind.
    pub objects: Vec<ObjectRef>,
    /// Directory and namespace of a `kustomization.yaml`.
    pub kustomizations: Vec<(PathBuf, Text)>,
    /// Number of Kubernetes objects read.
    pub k8s_objects: usize,
    /// ClickHouse config files, merged by the model.
    pub clickhouse: Vec<clickhouse::ConfigFile>,
    pub redis: Vec<redis::RedisConf>,
    pub pgbouncer: Vec<pgbouncer::PgbouncerIni>,
    pub postgres_confs: Vec<postgres::PostgresConf>,
    pub compose_services: Vec<compose::Service>,
    /// `--scale SERVICE=N` written anywhere in the YAML of the tree.
    pub compose_scale_commands: Vec<compose::ScaleCommand>,
    /// Environment files (`.env`, `env_file:`), joined to compose services
    /// by the model.
    pub env_files: Vec<compose_env::EnvFile>,
    pub zoo_cfgs: Vec<zookeeper::ZooCfg>,
    /// SQL in the tree that creates Replicated* tables.
    pub replicated_tables: Vec<Span>,
    /// Consensus group sizes set by operator resources (Strimzi).
    pub consensus_objects: Vec<operators::ConsensusObject>,
    /// ConfigMaps that kustomizations generate from files.
    pub generated_config_maps: Vec<config_files::GeneratedConfigMap>,
    /// Parsed nginx files, joined into configurations by the model.
    pub nginx: Vec<crate::formats::nginx::NginxFile>,
    /// Parsed HAProxy files.
    pub haproxy: Vec<crate::formats::haproxy::HaproxyFile>,
    /// `Namespace` objects (labels and annotations).
    pub namespaces: Vec<k8s::Namespace>,
}

impl Facts {
    /// Gives back the spare capacity of every list. A file's lists hold a
    /// few items in room for four or eight (and a Workload is 700 bytes):
    /// across 10,000 files that slack was a tenth of the peak memory while
    /// all files' facts wait to be merged.
    pub fn shrink_to_fit(&mut self) {
        for w in &mut self.workloads {
            w.shrink_to_fit();
        }
        for s in &mut self.services {
            s.shrink_to_fit();
        }
        for p in &mut self.pdbs {
            p.meta.annotations.shrink_to_fit();
            if let Some(s) = &mut p.selector {
                s.shrink_to_fit();
            }
        }
        for a in &mut self.autoscalers {
            a.meta.annotations.shrink_to_fit();
            a.metrics.shrink_to_fit();
        }
        for f in &mut self.nginx {
            f.shrink_to_fit();
        }
        for f in &mut self.haproxy {
            f.shrink_to_fit();
        }
        self.shrink_lists();
    }

    /// Gives back the spare capacity of the lists themselves, not of their
    /// items: for the merged lists, whose items each file already shrank.
    pub fn shrink_lists(&mut self) {
        self.workloads.shrink_to_fit();
        self.services.shrink_to_fit();
        self.limit_ranges.shrink_to_fit();
        self.pdbs.shrink_to_fit();
        self.autoscalers.shrink_to_fit();
        self.vpas.shrink_to_fit();
        self.config_maps.shrink_to_fit();
        self.databases.shrink_to_fit();
        self.poolers.shrink_to_fit();
        self.kafka_clusters.shrink_to_fit();
        self.kafka_node_pools.shrink_to_fit();
        self.topics.shrink_to_fit();
        self.objects.shrink_to_fit();
        self.kustomizations.shrink_to_fit();
        self.clickhouse.shrink_to_fit();
        self.redis.shrink_to_fit();
        self.pgbouncer.shrink_to_fit();
        self.postgres_confs.shrink_to_fit();
        self.compose_services.shrink_to_fit();
        self.compose_scale_commands.shrink_to_fit();
        self.env_files.shrink_to_fit();
        self.zoo_cfgs.shrink_to_fit();
        self.replicated_tables.shrink_to_fit();
        self.consensus_objects.shrink_to_fit();
        self.generated_config_maps.shrink_to_fit();
        self.nginx.shrink_to_fit();
        self.haproxy.shrink_to_fit();
        self.namespaces.shrink_to_fit();
    }

    pub fn append(&mut self, mut other: Facts) {
        self.workloads.append(&mut other.workloads);
        self.services.append(&mut other.services);
        self.limit_ranges.append(&mut other.limit_ranges);
        self.pdbs.append(&mut other.pdbs);
        self.autoscalers.append(&mut other.autoscalers);
        self.vpas.append(&mut other.vpas);
        self.config_maps.append(&mut other.config_maps);
        self.databases.append(&mut other.databases);
        self.poolers.append(&mut other.poolers);
        self.kafka_clusters.append(&mut other.kafka_clusters);
        self.kafka_node_pools.append(&mut other.kafka_node_pools);
        self.topics.append(&mut other.topics);
        self.objects.append(&mut other.objects);
        self.kustomizations.append(&mut other.kustomizations);
        self.k8s_objects += other.k8s_objects;
        self.clickhouse.append(&mut other.clickhouse);
        self.redis.append(&mut other.redis);
        self.pgbouncer.append(&mut other.pgbouncer);
        self.postgres_confs.append(&mut other.postgres_confs);
        self.compose_services.append(&mut other.compose_services);
        self.compose_scale_commands
            .append(&mut other.compose_scale_commands);
        self.env_files.append(&mut other.env_files);
        self.zoo_cfgs.append(&mut other.zoo_cfgs);
        self.replicated_tables.append(&mut other.replicated_tables);
        self.consensus_objects.append(&mut other.consensus_objects);
        self.generated_config_maps
            .append(&mut other.generated_config_maps);
        self.nginx.append(&mut other.nginx);
        self.haproxy.append(&mut other.haproxy);
        self.namespaces.append(&mut other.namespaces);
    }
}

/// Whether a file name is a kustomization.
pub fn is_kustomization(name: &str) -> bool {
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Any Kubernetes object: enough to tell whether a reference resolves.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    pub file: FileId,
    /// API group (`apps`, `argoproj.io`; empty for the core group).
    pub group: Text,
    pub kind: Text,
    pub name: Text,
    /// As written; the model resolves the default.
    pub namespace: Option<Text>,
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
/// Deployments and friends moved from `extensions` to `apps`; both name
/// the same objects.
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some(("extensions", _)) => "apps",
        Some((group, _)) => group,
        None => "",
    }
}

/// A field that may be absent, set, or set to a value of the wrong type or
/// range. Rules treat `Invalid` as unknown and stay silent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Val<T> {
    #[default]
    Absent,
    Set(T, Span),
    Invalid(Span),
}

impl<T: Copy> Val<T> {
    /// The value when set.
    pub fn get(&self) -> Option<T> {
        match self {
            Val::Set(v, _) => Some(*v),
            _ => None,
        }
    }

    /// The value, or `default` when absent; `None` when invalid.
    pub fn or(&self, default: T) -> Option<T> {
        match self {
            Val::Absent => Some(default),
            Val::Set(v, _) => Some(*v),
            Val::Invalid(_) => None,
        }
    }

    /// The key's location when the field is written at all.
    pub fn span(&self) -> Option<Span> {
        match self {
            Val::Absent => None,
            Val::Set(_, s) | Val::Invalid(s) => Some(*s),
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Val::Absent)
    }
}

/// Kubernetes' IntOrString as used by maxSurge, maxUnavailable and
/// minAvailable: a count or a percentage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    Percent(i64),
}

impl IntOrPercent {
    pub fn read(v: Y<'_, '_>) -> Option<Self> {
        if let Some(n) = v.as_i64() {
            return (n >= 0).then_some(IntOrPercent::Int(n));
        }
        let text = v.as_text()?.trim();
        let pct: i64 = text.strip_suffix('%')?.parse().ok()?;
        (pct >= 0).then_some(IntOrPercent::Percent(pct))
    }

    /// The value against `total`, rounding percentages up or down the way
    /// the controller that reads the field does.
    pub fn resolve(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                // Exact in i128 (no overflow of i64 × i64), clamped back.
                let scaled = i128::from(p) * i128::from(total.max(0));
                let resolved = if round_up {
                    (scaled + 99) / 100
                } else {
                    scaled / 100
                };
                i64::try_from(resolved).unwrap_or(i64::MAX)
            }
        }
    }

    /// Literally zero (`0` or `0%`).
    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: Text,
    pub operator: Operator,
    pub values: Vec<Text>,
}

/// A `metav1.LabelSelector`: `matchLabels` and `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Vec<(Text, Text)>,
    pub expressions: Vec<Requirement>,
    /// Something in it could not be read (an unknown operator, a value of
    /// the wrong type): it is treated as matching nothing.
    pub invalid: bool,
}

impl LabelSelector {
    pub fn shrink_to_fit(&mut self) {
        self.match_labels.shrink_to_fit();
        self.expressions.shrink_to_fit();
    }

    pub fn read(node: Y<'_, '_>) -> Self {
        let mut sel = LabelSelector::default();
        if !node.is_map() {
            sel.invalid = !node.is_null();
            return sel;
        }
        if let Some(labels) = node.get("matchLabels") {
            for (k, v) in labels.entries() {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => sel.match_labels.push((k.into(), v.into())),
                    _ => sel.invalid = true,
                }
            }
        }
        for e in node
            .get("matchExpressions")
            .into_iter()
            .flat_map(|e| e.items())
        {
            let operator = match e.get_str("operator") {
                Some("In") => Operator::In,
                Some("NotIn") => Operator::NotIn,
                Some("Exists") => Operator::Exists,
                Some("DoesNotExist") => Operator::DoesNotExist,
                _ => {
                    sel.invalid = true;
                    continue;
                }
            };
            let Some(key) = e.get_str("key") else {
                sel.invalid = true;
                continue;
            };
            let values = e
                .get("values")
                .into_iter()
                .flat_map(|v| v.items())
                .filter_map(|v| v.as_str().map(Text::from))
                .collect();
            sel.expressions.push(Requirement {
                key: key.into(),
                operator,
                values,
            });
        }
        sel
    }

    /// Selects nothing in particular: every pod of the namespace.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether pods with `labels` are selected. An empty selector selects
    /// every pod; an unreadable one selects none.
    pub fn matches(&self, labels: &[(Text, Text)]) -> bool {
        if self.invalid {
            return false;
        }
        let get = |key: &str| labels.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        self.match_labels.iter().all(|(k, v)| get(k) == Some(v))
            && self.expressions.iter().all(|r| match r.operator {
                Operator::In => get(&r.key).is_some_and(|v| r.values.contains(v)),
                Operator::NotIn => get(&r.key).is_none_or(|v| !r.values.contains(v)),
                Operator::Exists => get(&r.key).is_some(),
                Operator::DoesNotExist => get(&r.key).is_none(),
            })
    }

    /// A `matchLabels` pair every selected pod must carry, to look pods up
    /// by label instead of scanning.
    pub fn first_label(&self) -> Option<&(Text, Text)> {
        self.match_labels.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(Text, Text)> {
        pairs
            .iter()
            .map(|(k, v)| (Text::from(*k), Text::from(*v)))
            .collect()
    }

    fn selector(text: &str) -> LabelSelector {
        let file = crate::formats::yaml::parse(text);
        let doc = file.docs.first().unwrap();
        LabelSelector::read(file.root(doc))
    }

    #[test]
    fn match_labels_and_expressions() {
        let sel = selector(
            "matchLabels: {app: api}\nmatchExpressions:\n- {key: tier, operator: In, values: [web, edge]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        assert!(sel.matches(&labels(&[("app", "api"), ("tier", "web")])));
        assert!(!sel.matches(&labels(&[("app", "api"), ("tier", "db")])));
        assert!(!sel.matches(&labels(&[("app", "api"), ("tier", "web"), ("canary", "1")])));
        assert!(!sel.matches(&labels(&[("tier", "web")])));
        let not_in = selector("matchExpressions: [{key: env, operator: NotIn, values: [dev]}]");
        assert!(not_in.matches(&labels(&[])));
        assert!(!not_in.matches(&labels(&[("env", "dev")])));
        let exists = selector("matchExpressions: [{key: app, operator: Exists}]");
        assert!(exists.matches(&labels(&[("app", "x")])));
        assert!(!exists.matches(&labels(&[])));
    }

    #[test]
    fn empty_selects_all_and_invalid_selects_none() {
        assert!(selector("{}").matches(&labels(&[("a", "b")])));
        let bad = selector("matchExpressions: [{key: a, operator: Near}]");
        assert!(bad.invalid);
        assert!(!bad.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn percentages_round_like_the_controllers() {
        let pct = IntOrPercent::Percent(25);
        assert_eq!(pct.resolve(1, true), 1);
        assert_eq!(pct.resolve(1, false), 0);
        assert_eq!(pct.resolve(4, false), 1);
        assert_eq!(IntOrPercent::Percent(67).resolve(3, true), 3);
        assert_eq!(IntOrPercent::Percent(50).resolve(3, true), 2);
        assert_eq!(IntOrPercent::Int(2).resolve(10, true), 2);
        assert!(IntOrPercent::Percent(0).is_zero());
        // Absurd sizes and percentages clamp instead of overflowing.
        assert_eq!(
            IntOrPercent::Percent(50).resolve(i64::MAX, true),
            i64::MAX / 2 + 1
        );
        assert_eq!(
            IntOrPercent::Percent(i64::MAX).resolve(i64::MAX, true),
            i64::MAX
        );
    }

    #[test]
    fn int_or_percent_rejects_what_the_api_rejects() {
        let read = |t: &str| {
            let f = crate::formats::yaml::parse(t);
            let doc = f.docs.first().unwrap();
            IntOrPercent::read(f.root(doc).get("v").unwrap())
        };
        assert_eq!(read("v: 3"), Some(IntOrPercent::Int(3)));
        assert_eq!(read("v: 25%"), Some(IntOrPercent::Percent(25)));
        assert_eq!(read("v: '0%'"), Some(IntOrPercent::Percent(0)));
        assert_eq!(read("v: 1.5"), None);
        assert_eq!(read("v: -1"), None);
        assert_eq!(read("v: lots"), None);
        assert_eq!(read("v: 150%"), Some(IntOrPercent::Percent(150)));
        assert_eq!(read("v: -5%"), None);
    }

    #[test]
    fn groups() {
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("extensions/v1beta1"), "apps");
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("argoproj.io/v1alpha1"), "argoproj.io");
    }
}
