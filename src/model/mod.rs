//! All facts of the tree joined into one model: namespaces resolved, objects
//! indexed by key, and the links rules need (which Services route to a
//! workload, which PDBs guard it, which autoscalers scale it) computed once
//! with hash joins, so no rule scans all objects per object.

pub mod capacity;
pub mod explain;
pub mod topic_commands;

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::extract::Facts;
use crate::extract::autoscaling::{Autoscaler, Metric, Pdb, ResourceName, Vpa};
use crate::extract::k8s::{Container, LimitRange, Resources, Service, Workload, WorkloadKind};
use crate::extract::proxy::Proxies;
use crate::extract::{Text, Val};
use crate::source::{FileId, SourceFile, Span};

/// Namespace of objects that set none and have no kustomization.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Container port names that mark a workload as serving traffic.
pub const SERVING_PORT_NAMES: [&str; 4] = ["http", "https", "grpc", "web"];

/// What links to one workload (indexes into the model's tables).
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// Services whose selector picks the workload's pods.
    pub services: Vec<usize>,
    /// PodDisruptionBudgets whose selector picks its pods.
    pub pdbs: Vec<usize>,
    /// Autoscalers whose `scaleTargetRef` names it, in path order.
    pub autoscalers: Vec<usize>,
    /// VerticalPodAutoscalers whose `targetRef` names it.
    pub vpas: Vec<usize>,
}

/// Where a bound of the replica envelope comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A field in the tree, e.g. `maxReplicas` of `HorizontalPodAutoscaler shop/api`.
    Field {
        field: &'static str,
        object: String,
        span: Span,
    },
    /// A documented default, e.g. `spec.replicas` of a Deployment (1).
    Default { field: &'static str, object: String },
}

impl Source {
    pub fn span(&self) -> Option<Span> {
        match self {
            Source::Field { span, .. } => Some(*span),
            Source::Default { .. } => None,
        }
    }

    /// `maxReplicas of HorizontalPodAutoscaler shop/api` or
    /// `spec.replicas of Deployment shop/api, default`.
    pub fn describe(&self) -> String {
        match self {
            Source::Field { field, object, .. } => format!("{field} of {object}"),
            Source::Default { field, object } => format!("{field} of {object}, default"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub value: i64,
    pub source: Source,
}

/// The replica envelope `[min, max]` of a workload (DESIGN §5): what an
/// autoscaler may scale it between, or its fixed `spec.replicas`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub min: Bound,
    pub max: Bound,
    /// The autoscaler it comes from, when one scales the workload.
    pub autoscaler: Option<usize>,
}

/// Who mounts what, for rules that start from a config file and look for
/// the containers that run with it (built on first use).
#[derive(Debug, Default)]
pub struct Mounts {
    /// Normalised host path of a compose bind mount → (service, volume).
    pub compose_binds: HashMap<PathBuf, Vec<(usize, usize)>>,
    /// (namespace, ConfigMap) → workloads whose pods mount it as a volume.
    pub config_map_volumes: HashMap<(Text, Text), Vec<usize>>,
}

impl Mounts {
    /// The compose services that bind-mount `path` (normalised) or a
    /// directory above it, each once with its first such volume, in
    /// service order.
    pub fn compose_services_mounting(&self, path: &Path) -> Vec<(usize, usize)> {
        let mut binds: Vec<(usize, usize)> = path
            .ancestors()
            .filter_map(|a| self.compose_binds.get(a))
            .flatten()
            .copied()
            .collect();
        binds.sort_unstable();
        binds.dedup_by_key(|(si, _)| *si);
        binds
    }

    /// The workloads whose pods mount the ConfigMap `name` of namespace
    /// `ns`, or of any namespace when `ns` is not known.
    pub fn workloads_mounting_config_map(&self, ns: Option<&str>, name: &str) -> Vec<usize> {
        match ns {
            Some(ns) => self
                .config_map_volumes
                .get(&(ns.into(), name.into()))
                .cloned()
                .unwrap_or_default(),
            None => self
                .config_map_volumes
                .iter()
                .filter(|((_, n), _)| n == name)
                .flat_map(|(_, ws)| ws.iter().copied())
                .collect(),
        }
    }
}

/// Results that several rules derive from the model (the consensus groups,
/// say): the first rule that asks computes one, the others share it. One
/// value per type.
#[derive(Default)]
pub struct Derived {
    slots: Mutex<HashMap<TypeId, Arc<Slot>>>,
}

/// One derived value, set once.
type Slot = OnceLock<Arc<dyn Any + Send + Sync>>;

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

pub struct Model {
    /// See `Model::derived`.
    derived: Derived,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub limit_ranges: Vec<LimitRange>,
    pub pdbs: Vec<Pdb>,
    /// In path order (file, then line).
    pub autoscalers: Vec<Autoscaler>,
    /// Parallel to `workloads`.
    pub links: Vec<Links>,
    /// The workload each autoscaler's `scaleTargetRef` resolves to.
    pub autoscaler_targets: Vec<Option<usize>>,
    pub vpas: Vec<Vpa>,
    /// The workload each VPA's `targetRef` resolves to.
    pub vpa_targets: Vec<Option<usize>>,
    /// ClickHouse server configs, each merged from its files.
    pub clickhouse: Vec<crate::extract::clickhouse::ServerConfig>,
    /// Problems met while merging them (substitution cycles).
    pub clickhouse_problems: Vec<crate::extract::clickhouse::MergeProblem>,
    pub redis: Vec<crate::extract::redis::RedisConf>,
    pub pgbouncer: Vec<crate::extract::pgbouncer::PgbouncerIni>,
    pub compose_services: Vec<crate::extract::compose::Service>,
    /// `--scale SERVICE=N` written in the tree (CI steps, comments).
    pub compose_scale_commands: Vec<crate::extract::compose::ScaleCommand>,
    pub zoo_cfgs: Vec<crate::extract::zookeeper::ZooCfg>,
    /// SQL that creates Replicated* tables.
    pub replicated_tables: Vec<Span>,
    pub consensus_objects: Vec<crate::extract::operators::ConsensusObject>,
    pub generated_config_maps: Vec<crate::extract::config_files::GeneratedConfigMap>,
    /// Database servers and clients, Kafka topics.
    pub capacity: capacity::Capacity,
    /// `Namespace` objects of the tree by name.
    pub namespaces: HashMap<Text, crate::extract::k8s::Namespace>,
    /// Parallel to `services`: the workloads each one selects.
    pub service_workloads: Vec<Vec<usize>>,
    /// (namespace, name) → Services.
    services_by_name: HashMap<(Text, Text), Vec<usize>>,
    /// Indexes into `limit_ranges` by namespace.
    limit_ranges_by_ns: HashMap<Text, Vec<usize>>,
    /// Every object of the tree, namespaces resolved, sorted by kind,
    /// namespace, name and API group.
    objects: Vec<crate::extract::ObjectRef>,
    /// Namespaces that hold at least one workload.
    workload_namespaces: HashSet<Text>,
    /// (namespace, label key, label value) → workloads whose pods carry it.
    by_label: HashMap<(Text, Text, Text), Vec<usize>>,
    /// namespace → workloads.
    by_namespace: HashMap<Text, Vec<usize>>,
}

impl Model {
    /// Builds the model, and apart from it the proxies (nginx configurations
    /// with includes expanded, HAProxy files): only the rules that read them
    /// see them, and they are freed once those rules have run.
    pub fn build(files: &[SourceFile], facts: Facts) -> (Model, Proxies) {
        // First, so that the nginx trees are freed (once their includes are
        // expanded) before the rest of the model is allocated.
        let proxies = Proxies::build(files, facts.nginx, facts.haproxy);
        let kustomized: HashMap<PathBuf, Text> = facts.kustomizations.into_iter().collect();
        let namespace_of = |file: FileId, written: &Option<Text>| -> Text {
            if let Some(ns) = written.as_deref().filter(|ns| !ns.is_empty()) {
                return ns.into();
            }
            files
                .get(file.0 as usize)
                .and_then(|f| f.path.parent())
                .and_then(|dir| kustomized.get(dir))
                .cloned()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.into())
        };
        let display = |file: FileId| files.get(file.0 as usize).map(|f| f.display.as_str());

        let mut workloads = facts.workloads;
        let mut by_label: HashMap<(Text, Text, Text), Vec<usize>> = HashMap::new();
        let mut by_namespace: HashMap<Text, Vec<usize>> = HashMap::new();
        let mut by_key: HashMap<(&'static str, Text, Text), Vec<usize>> = HashMap::new();
        for w in &mut workloads {
            w.namespace = namespace_of(w.meta.file, &w.meta.namespace);
        }
        for (i, w) in workloads.iter().enumerate() {
            for (k, v) in &w.pod_labels {
                by_label
                    .entry((w.namespace.clone(), k.clone(), v.clone()))
                    .or_default()
                    .push(i);
            }
            by_namespace.entry(w.namespace.clone()).or_default().push(i);
            by_key
                .entry((w.kind.as_str(), w.namespace.clone(), w.meta.name.clone()))
                .or_default()
                .push(i);
        }
        let workload_namespaces = by_namespace.keys().cloned().collect();
        let mut links = vec![Links::default(); workloads.len()];

        // Candidates for a selector: workloads carrying its first label, else
        // every workload of the namespace.
        let candidates = |ns: &str, first: Option<&(Text, Text)>| -> &[usize] {
            let found = match first {
                Some((k, v)) => by_label.get(&(ns.into(), k.clone(), v.clone())),
                None => by_namespace.get(ns),
            };
            found.map_or(&[], Vec::as_slice)
        };

        let mut services = facts.services;
        let mut service_workloads = vec![Vec::new(); services.len()];
        let mut services_by_name: HashMap<(Text, Text), Vec<usize>> = HashMap::new();
        for (si, s) in services.iter_mut().enumerate() {
            s.namespace = namespace_of(s.meta.file, &s.meta.namespace);
            services_by_name
                .entry((s.namespace.clone(), s.meta.name.clone()))
                .or_default()
                .push(si);
            // A Service without a selector routes to no pods of the tree.
            let Some(first) = s.selector.first() else {
                continue;
            };
            for &wi in candidates(&s.namespace, Some(first)) {
                let Some(w) = workloads.get(wi) else { continue };
                let all = s
                    .selector
                    .iter()
                    .all(|(k, v)| w.pod_labels.iter().any(|(pk, pv)| pk == k && pv == v));
                if all && let Some(l) = links.get_mut(wi) {
                    l.services.push(si);
                    if let Some(ws) = service_workloads.get_mut(si) {
                        ws.push(wi);
                    }
                }
            }
        }

        let mut pdbs = facts.pdbs;
        for (pi, p) in pdbs.iter_mut().enumerate() {
            p.namespace = namespace_of(p.meta.file, &p.meta.namespace);
            let first = p.selector.as_ref().and_then(|s| s.first_label());
            for &wi in candidates(&p.namespace, first) {
                let Some(w) = workloads.get(wi) else { continue };
                if w.kind != WorkloadKind::Pod
                    && p.selects(&w.pod_labels)
                    && let Some(l) = links.get_mut(wi)
                {
                    l.pdbs.push(pi);
                }
            }
        }

        let mut autoscalers = facts.autoscalers;
        for a in &mut autoscalers {
            a.namespace = namespace_of(a.meta.file, &a.meta.namespace);
        }
        autoscalers.sort_by(|a, b| {
            (display(a.meta.file), a.target_span.start)
                .cmp(&(display(b.meta.file), b.target_span.start))
        });
        let mut autoscaler_targets = Vec::with_capacity(autoscalers.len());
        for (ai, a) in autoscalers.iter().enumerate() {
            // Of several copies of the target (test cases, per-environment
            // trees), the one in the autoscaler's file wins, then one in its
            // directory, then the first.
            let dir = |f: FileId| files.get(f.0 as usize).and_then(|f| f.path.parent());
            let target = a.target.as_ref().and_then(|t| {
                let kind = WorkloadKind::scalable(&t.kind)?;
                let matching: Vec<usize> = by_key
                    .get(&(kind.as_str(), a.namespace.clone(), t.name.clone()))?
                    .iter()
                    .copied()
                    .filter(|&wi| {
                        workloads.get(wi).is_some_and(|w| {
                            t.group
                                .as_deref()
                                .is_none_or(|g| g == crate::extract::group_of(&w.meta.api_version))
                        })
                    })
                    .collect();
                let file_of = |wi: usize| workloads.get(wi).map(|w| w.meta.file);
                matching
                    .iter()
                    .copied()
                    .find(|&wi| file_of(wi) == Some(a.meta.file))
                    .or_else(|| {
                        matching
                            .iter()
                            .copied()
                            .find(|&wi| file_of(wi).and_then(dir) == dir(a.meta.file))
                    })
                    .or_else(|| matching.first().copied())
            });
            if let Some(wi) = target
                && let Some(l) = links.get_mut(wi)
            {
                l.autoscalers.push(ai);
            }
            autoscaler_targets.push(target);
        }

        // VPAs link like autoscalers: by kind, namespace and name, the copy
        // in the VPA's own file first.
        let mut vpas = facts.vpas;
        let mut vpa_targets = Vec::with_capacity(vpas.len());
        for (vi, v) in vpas.iter_mut().enumerate() {
            v.namespace = namespace_of(v.meta.file, &v.meta.namespace);
            let target = v.target.as_ref().and_then(|t| {
                let kind = WorkloadKind::scalable(&t.kind)?;
                let matching = by_key.get(&(kind.as_str(), v.namespace.clone(), t.name.clone()))?;
                let fits = |wi: &usize| {
                    workloads.get(*wi).is_some_and(|w| {
                        t.group
                            .as_deref()
                            .is_none_or(|g| g == crate::extract::group_of(&w.meta.api_version))
                    })
                };
                matching
                    .iter()
                    .filter(|wi| fits(wi))
                    .find(|&&wi| {
                        workloads
                            .get(wi)
                            .is_some_and(|w| w.meta.file == v.meta.file)
                    })
                    .or_else(|| matching.iter().find(|wi| fits(wi)))
                    .copied()
            });
            if let Some(wi) = target
                && let Some(l) = links.get_mut(wi)
            {
                l.vpas.push(vi);
            }
            vpa_targets.push(target);
        }

        let mut limit_ranges = facts.limit_ranges;
        let mut limit_ranges_by_ns: HashMap<Text, Vec<usize>> = HashMap::new();
        for (i, l) in limit_ranges.iter_mut().enumerate() {
            l.namespace = namespace_of(l.meta.file, &l.meta.namespace);
            limit_ranges_by_ns
                .entry(l.namespace.clone())
                .or_default()
                .push(i);
        }

        // Sorted in place rather than indexed: a large tree has tens of
        // thousands of objects, and a hash map of them would copy every key.
        let mut objects = facts.objects;
        for o in &mut objects {
            o.namespace = Some(namespace_of(o.file, &o.namespace));
        }
        objects.sort_unstable_by(|a, b| {
            (&a.kind, &a.namespace, &a.name, &a.group).cmp(&(
                &b.kind,
                &b.namespace,
                &b.name,
                &b.group,
            ))
        });

        let mut compose_services = facts.compose_services;
        crate::extract::compose::resolve(&mut compose_services, &facts.env_files, &|f| {
            display(f).unwrap_or_default().to_string()
        });
        let (clickhouse, clickhouse_problems) =
            crate::extract::clickhouse::build(&facts.clickhouse);
        let mut config_maps = facts.config_maps;
        for c in &mut config_maps {
            c.namespace = namespace_of(c.meta.file, &c.meta.namespace);
        }
        let mut databases = facts.databases;
        for d in &mut databases {
            d.namespace = namespace_of(d.meta.file, &d.meta.namespace);
        }
        let mut poolers = facts.poolers;
        for p in &mut poolers {
            p.namespace = namespace_of(p.meta.file, &p.meta.namespace);
        }
        let mut capacity = capacity::Capacity::build(
            &workloads,
            |wi| {
                links
                    .get(wi)
                    .into_iter()
                    .flat_map(|l| &l.services)
                    .filter_map(|&s| services.get(s))
                    .map(|s| s.meta.name.to_string())
                    .collect()
            },
            &config_maps,
            &databases,
            poolers,
            facts.topics,
            &compose_services,
            &facts.redis,
            &facts.generated_config_maps,
            &facts.postgres_confs,
        );
        capacity.config_maps = config_maps;
        capacity.databases = databases;
        let mut kafka_clusters = facts.kafka_clusters;
        for c in &mut kafka_clusters {
            c.namespace = namespace_of(c.meta.file, &c.meta.namespace);
        }
        let mut pools = facts.kafka_node_pools;
        for p in &mut pools {
            p.namespace = namespace_of(p.meta.file, &p.meta.namespace);
        }
        let dir_of = |f: FileId| {
            files
                .get(f.0 as usize)
                .and_then(|x| x.path.parent())
                .map(std::path::Path::to_path_buf)
        };
        capacity.kafka_clusters = capacity::kafka_brokers(kafka_clusters, &pools, &dir_of);

        let model = Model {
            derived: Derived::default(),
            capacity,
            workloads,
            services,
            limit_ranges,
            pdbs,
            autoscalers,
            links,
            autoscaler_targets,
            vpas,
            vpa_targets,
            clickhouse,
            clickhouse_problems,
            redis: facts.redis,
            pgbouncer: facts.pgbouncer,
            compose_services,
            compose_scale_commands: facts.compose_scale_commands,
            zoo_cfgs: facts.zoo_cfgs,
            replicated_tables: facts.replicated_tables,
            consensus_objects: facts.consensus_objects,
            generated_config_maps: facts.generated_config_maps,
            service_workloads,
            services_by_name,
            namespaces: facts
                .namespaces
                .into_iter()
                .map(|n| (n.name.clone(), n))
                .collect(),
            limit_ranges_by_ns,
            objects,
            workload_namespaces,
            by_label,
            by_namespace,
        };
        (model, proxies)
    }

    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter()
    }

    /// Workloads with their index, for looking up `links`.
    pub fn indexed_workloads(&self) -> impl Iterator<Item = (usize, &Workload)> {
        self.workloads.iter().enumerate()
    }

    pub fn links(&self, workload: usize) -> &Links {
        static EMPTY: Links = Links {
            services: Vec::new(),
            pdbs: Vec::new(),
            autoscalers: Vec::new(),
            vpas: Vec::new(),
        };
        self.links.get(workload).unwrap_or(&EMPTY)
    }

    /// LimitRanges of one namespace.
    pub fn limit_ranges_in<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = &'a LimitRange> + 'a {
        self.limit_ranges_by_ns
            .get(namespace)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.limit_ranges.get(i))
    }

    /// ConfigMaps of the tree, namespaces resolved.
    pub fn capacity_config_maps(
        &self,
    ) -> impl Iterator<Item = &crate::extract::capacity::ConfigMap> {
        self.capacity.config_maps.iter()
    }

    /// The value `build` derives from the model, built by the first caller
    /// and shared with the rest: rules run in parallel, and a caller that
    /// asks while another builds it waits for that one.
    pub fn derived<T: Any + Send + Sync>(&self, build: fn(&Model) -> T) -> Arc<T> {
        let slot = {
            let mut slots = self
                .derived
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(TypeId::of::<T>()).or_default())
        };
        let value = Arc::clone(slot.get_or_init(|| Arc::new(build(self))));
        // The slot of T only ever holds a T.
        value
            .downcast::<T>()
            .unwrap_or_else(|_| Arc::new(build(self)))
    }

    /// The mount index, built once (see `Model::derived`).
    pub fn mounts(&self) -> Arc<Mounts> {
        self.derived(|model| {
            let mut m = Mounts::default();
            for (si, s) in model.compose_services.iter().enumerate() {
                for (vi, v) in s.volumes.iter().enumerate() {
                    if let Some(src) = s.bind_source(v) {
                        m.compose_binds.entry(src).or_default().push((si, vi));
                    }
                }
            }
            for (wi, w) in model.workloads.iter().enumerate() {
                for cm in w.pod.config_map_volumes() {
                    m.config_map_volumes
                        .entry((w.namespace.clone(), cm.clone()))
                        .or_default()
                        .push(wi);
                }
            }
            m
        })
    }

    /// Who a database client is and how far it scales: the workload's or
    /// compose service's name, its max replicas, and where that number
    /// comes from.
    pub fn client_scale(&self, c: &capacity::DbClient) -> Option<(String, i64, String)> {
        if let Some((display, t)) = &c.compose {
            return Some((display.clone(), t.value, t.source.clone()));
        }
        let w = self.workloads.get(c.workload)?;
        let e = self.envelope(c.workload)?;
        Some((w.display(), e.max.value, e.max.source.describe()))
    }

    /// Whether a container of the workload has an effective request for a
    /// resource: its own request, a limit (copied into the request), a
    /// pod-level `spec.resources`, or a LimitRange default of its namespace.
    pub fn has_request(&self, w: &Workload, c: &Container, r: ResourceName) -> bool {
        let set = |res: &Resources| match r {
            ResourceName::Cpu => res.requests.cpu || res.limits.cpu,
            ResourceName::Memory => res.requests.memory || res.limits.memory,
        };
        set(&c.resources)
            || set(&w.pod.resources)
            || self.limit_ranges_in(&w.namespace).any(|l| match r {
                ResourceName::Cpu => l.default_cpu,
                ResourceName::Memory => l.default_memory,
            })
    }

    /// The utilisation metrics (cpu or memory, relative to the request) of
    /// the autoscalers of a workload that cover a container: resource
    /// metrics cover every container, container metrics only the named one.
    pub fn utilization_metrics<'a>(
        &'a self,
        workload: usize,
        container: &'a Container,
    ) -> impl Iterator<Item = (&'a Autoscaler, &'a Metric)> + 'a {
        self.autoscalers_of(workload).flat_map(move |a| {
            a.metrics
                .iter()
                .filter(move |m| {
                    m.utilization
                        && m.resource.is_some()
                        && m.container.as_deref().is_none_or(|n| n == container.name)
                })
                .map(move |m| (a, m))
        })
    }

    /// Workloads selected together, minus the alternatives a tree may hold
    /// of one object: when two of them share kind, namespace and name (test
    /// cases, per-environment copies), only those in `file` are kept, and
    /// none when the file has none — which copy applies is not a guess to
    /// make.
    pub fn prefer_alternatives_in(&self, file: FileId, workloads: &[usize]) -> Vec<usize> {
        let key = |wi: usize| {
            self.workloads
                .get(wi)
                .map(|w| (w.kind, w.namespace.as_str(), w.meta.name.as_str()))
        };
        let mut seen = HashSet::new();
        let duplicated = workloads.iter().any(|&wi| !seen.insert(key(wi)));
        if !duplicated {
            return workloads.to_vec();
        }
        workloads
            .iter()
            .copied()
            .filter(|&wi| self.workloads.get(wi).is_some_and(|w| w.meta.file == file))
            .collect()
    }

    /// The ConfigMaps that hold a config file: `written_in`, the one it is
    /// written in (if it is), and those a kustomization's
    /// `configMapGenerator` builds from it. `path` is normalized.
    pub fn config_maps_holding(
        &self,
        path: &Path,
        written_in: Option<&(Option<String>, String)>,
    ) -> Vec<(Option<String>, String)> {
        written_in
            .cloned()
            .into_iter()
            .chain(
                self.generated_config_maps
                    .iter()
                    .filter(|g| {
                        g.files
                            .iter()
                            .any(|f| crate::extract::compose::normalize(f) == path)
                    })
                    .map(|g| {
                        (
                            g.namespace.as_deref().map(str::to_string),
                            g.name.to_string(),
                        )
                    }),
            )
            .collect()
    }

    /// Whether some object of the tree has this kind, namespace and name
    /// (and, when given, API group).
    pub fn has_object(&self, group: Option<&str>, kind: &str, ns: &str, name: &str) -> bool {
        fn key(o: &crate::extract::ObjectRef) -> (&str, &str, &str) {
            (
                o.kind.as_str(),
                o.namespace.as_deref().unwrap_or_default(),
                o.name.as_str(),
            )
        }
        let start = self.objects.partition_point(|o| key(o) < (kind, ns, name));
        self.objects
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|o| key(o) == (kind, ns, name))
            .any(|o| group.is_none_or(|g| o.group == g))
    }

    /// Whether the tree holds any workload of the namespace: otherwise it is
    /// a partial view and missing targets are not reported.
    pub fn has_workloads_in(&self, ns: &str) -> bool {
        self.workload_namespaces.contains(ns)
    }

    /// Workloads of a namespace whose pod labels carry `key=value`.
    pub fn workloads_labelled(&self, ns: &str, key: &str, value: &str) -> &[usize] {
        self.by_label
            .get(&(ns.into(), key.into(), value.into()))
            .map_or(&[], Vec::as_slice)
    }

    /// Services of a namespace with this name (several when the tree holds
    /// alternatives of one object).
    pub fn services_named(&self, ns: &str, name: &str) -> &[usize] {
        self.services_by_name
            .get(&(ns.into(), name.into()))
            .map_or(&[], Vec::as_slice)
    }

    /// Workloads of a namespace.
    pub fn workloads_in(&self, ns: &str) -> &[usize] {
        self.by_namespace.get(ns).map_or(&[], Vec::as_slice)
    }

    /// The autoscalers that scale a workload, in path order.
    pub fn autoscalers_of(&self, workload: usize) -> impl Iterator<Item = &Autoscaler> {
        self.links(workload)
            .autoscalers
            .iter()
            .filter_map(|&a| self.autoscalers.get(a))
    }

    /// The VerticalPodAutoscalers whose `targetRef` names a workload.
    pub fn vpas_of(&self, workload: usize) -> impl Iterator<Item = &Vpa> {
        self.links(workload)
            .vpas
            .iter()
            .filter_map(|&v| self.vpas.get(v))
    }

    /// A workload is served when a Service of its namespace selects its pods
    /// or a container declares a port named http, https, grpc or web.
    pub fn is_served(&self, workload: usize) -> bool {
        if !self.links(workload).services.is_empty() {
            return true;
        }
        self.workloads.get(workload).is_some_and(|w| {
            w.pod.running_containers().any(|c| {
                c.ports.iter().any(|p| {
                    p.name
                        .as_deref()
                        .is_some_and(|n| SERVING_PORT_NAMES.contains(&n))
                })
            })
        })
    }

    /// The replica envelope of a workload: the first autoscaler (in path
    /// order) that scales it, else `spec.replicas` (default 1). `None` for
    /// DaemonSets, Jobs and CronJobs (their pod counts follow nodes and
    /// parallelism, not replicas) and when a field it needs is invalid.
    pub fn envelope(&self, workload: usize) -> Option<Envelope> {
        let w = self.workloads.get(workload)?;
        match w.kind {
            WorkloadKind::DaemonSet | WorkloadKind::Job | WorkloadKind::CronJob => return None,
            WorkloadKind::Pod => {
                let fixed = Bound {
                    value: 1,
                    source: Source::Default {
                        field: "a bare Pod",
                        object: w.display(),
                    },
                };
                return Some(Envelope {
                    min: fixed.clone(),
                    max: fixed,
                    autoscaler: None,
                });
            }
            _ => {}
        }
        if let Some(&ai) = self.links(workload).autoscalers.first() {
            let a = self.autoscalers.get(ai)?;
            let bound = |val: &Val<i64>, field: &'static str, default: Option<i64>| match *val {
                Val::Set(value, span) => Some(Bound {
                    value,
                    source: Source::Field {
                        field,
                        object: a.display(),
                        span,
                    },
                }),
                Val::Absent => Some(Bound {
                    value: default?,
                    source: Source::Default {
                        field,
                        object: a.display(),
                    },
                }),
                Val::Invalid(_) => None,
            };
            return Some(Envelope {
                min: bound(&a.min, a.min_field(), Some(a.default_min()))?,
                max: bound(&a.max, a.max_field(), a.default_max())?,
                autoscaler: Some(ai),
            });
        }
        let fixed = match w.replicas {
            Val::Set(value, span) => Bound {
                value,
                source: Source::Field {
                    field: "spec.replicas",
                    object: w.display(),
                    span,
                },
            },
            Val::Absent => Bound {
                value: 1,
                source: Source::Default {
                    field: "spec.replicas",
                    object: w.display(),
                },
            },
            Val::Invalid(_) => return None,
        };
        Some(Envelope {
            min: fixed.clone(),
            max: fixed,
            autoscaler: None,
        })
    }
}

/// Builds a model from in-memory YAML files, for unit tests of the model and
/// of rules.
#[cfg(test)]
pub(crate) fn from_yaml(inputs: &[(&str, &str)]) -> Model {
    use crate::source::FileKind;
    let mut facts = Facts::default();
    let mut files = Vec::new();
    for (i, (path, text)) in inputs.iter().enumerate() {
        let id = FileId(i as u32);
        files.push(SourceFile {
            id,
            path: PathBuf::from(path),
            display: path.to_string(),
            kind: FileKind::Yaml,
            contents: None,
        });
        crate::formats::yaml::parse_with(text, |y| crate::extract::k8s::extract(y, id, &mut facts));
    }
    Model::build(&files, facts).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_value_is_built_once_and_shared() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static BUILDS: AtomicUsize = AtomicUsize::new(0);
        struct Count(usize);
        struct Names(Vec<String>);
        let model = from_yaml(&[("a.yaml", DEPLOY)]);
        let count = |m: &Model| {
            BUILDS.fetch_add(1, Ordering::SeqCst);
            Count(m.workloads.len())
        };
        let values: Vec<Arc<Count>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| model.derived(count))).collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        assert_eq!(values.len(), 8);
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
        assert!(values.iter().all(|v| v.0 == 1));
        assert!(values.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])));
        // Another type has a slot of its own.
        let names =
            model.derived(|m| Names(m.workloads().map(|w| w.meta.name.to_string()).collect()));
        assert_eq!(names.0, ["api"]);
        assert_eq!(model.derived(count).0, 1);
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
    }

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, tier: web}}
    spec:
      containers: [{name: api, image: api:1}]
";

    fn bounds(m: &Model, name: &str) -> Option<(i64, i64)> {
        let wi = m.workloads.iter().position(|w| w.meta.name == name)?;
        m.envelope(wi).map(|e| (e.min.value, e.max.value))
    }

    #[test]
    fn envelope_without_autoscaler_is_spec_replicas() {
        let m = from_yaml(&[("d.yaml", DEPLOY)]);
        let e = m.envelope(0).unwrap();
        assert_eq!((e.min.value, e.max.value), (3, 3));
        assert_eq!(
            e.max.source.describe(),
            "spec.replicas of Deployment shop/api"
        );
        assert!(e.max.source.span().is_some());

        let unset = DEPLOY.replace("  replicas: 3\n", "");
        let m = from_yaml(&[("d.yaml", &unset)]);
        let e = m.envelope(0).unwrap();
        assert_eq!((e.min.value, e.max.value), (1, 1));
        assert_eq!(
            e.min.source.describe(),
            "spec.replicas of Deployment shop/api, default"
        );
    }

    #[test]
    fn envelope_from_hpa_and_keda_with_documented_defaults() {
        let hpa = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 12
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("h.yaml", hpa)]);
        let e = m.envelope(0).unwrap();
        assert_eq!((e.min.value, e.max.value), (1, 12));
        assert_eq!(
            e.min.source.describe(),
            "minReplicas of HorizontalPodAutoscaler shop/api, default"
        );
        assert_eq!(e.autoscaler, Some(0));

        let so = "apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {name: api}
  triggers: [{type: kafka, metadata: {topic: orders}}]
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("s.yaml", so)]);
        assert_eq!(bounds(&m, "api"), Some((0, 100)));
    }

    #[test]
    fn autoscaler_links_need_namespace_kind_and_group_to_match() {
        let other_ns = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: other}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 4
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("h.yaml", other_ns)]);
        assert_eq!(bounds(&m, "api"), Some((3, 3)));
        assert_eq!(m.autoscaler_targets, vec![None]);

        let rollout_group = other_ns
            .replace("namespace: other", "namespace: shop")
            .replace(
                "apiVersion: apps/v1, kind: Deployment",
                "apiVersion: argoproj.io/v1alpha1, kind: Deployment",
            );
        let m = from_yaml(&[("d.yaml", DEPLOY), ("h.yaml", &rollout_group)]);
        assert_eq!(bounds(&m, "api"), Some((3, 3)));

        let v1 = other_ns
            .replace("namespace: other", "namespace: shop")
            .replace("autoscaling/v2", "autoscaling/v1")
            .replace("apiVersion: apps/v1, ", "");
        let m = from_yaml(&[("d.yaml", DEPLOY), ("h.yaml", &v1)]);
        assert_eq!(bounds(&m, "api"), Some((2, 4)));
    }

    #[test]
    fn first_autoscaler_in_path_order_gives_the_envelope() {
        let hpa = |min: u32| {
            format!(
                "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h{min}, namespace: shop}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: api}}\n  minReplicas: {min}\n  maxReplicas: 9\n"
            )
        };
        let (b, a) = (hpa(5), hpa(2));
        let m = from_yaml(&[("z.yaml", &b), ("d.yaml", DEPLOY), ("a.yaml", &a)]);
        assert_eq!(bounds(&m, "api"), Some((2, 9)));
        assert_eq!(m.autoscalers_of(0).count(), 2);
    }

    #[test]
    fn no_envelope_on_bad_or_per_node_counts() {
        let bad = DEPLOY.replace("replicas: 3", "replicas: \"three\"");
        let m = from_yaml(&[("d.yaml", &bad)]);
        assert_eq!(m.envelope(0), None);
        let negative = DEPLOY.replace("replicas: 3", "replicas: -2");
        assert_eq!(from_yaml(&[("d.yaml", &negative)]).envelope(0), None);
        let ds = DEPLOY.replace("kind: Deployment", "kind: DaemonSet");
        assert_eq!(from_yaml(&[("d.yaml", &ds)]).envelope(0), None);
        let hpa_bad_max = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment, name: api}
  maxReplicas: 1.5
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("h.yaml", hpa_bad_max)]);
        assert_eq!(m.envelope(0), None);
    }

    #[test]
    fn services_and_pdbs_link_by_selector() {
        let svc = "apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: wide, namespace: shop}
spec: {selector: {app: api, tier: db}}
---
apiVersion: v1
kind: Service
metadata: {name: external, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  maxUnavailable: 1
  selector:
    matchExpressions: [{key: tier, operator: In, values: [web]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: everything, namespace: shop}
spec: {minAvailable: 1, selector: {}}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: nothing, namespace: shop}
spec: {minAvailable: 1, selector: {}}
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("s.yaml", svc)]);
        assert_eq!(m.links(0).services, vec![0]);
        assert!(m.is_served(0));
        let names: Vec<&str> = m
            .links(0)
            .pdbs
            .iter()
            .map(|&p| m.pdbs[p].meta.name.as_str())
            .collect();
        assert_eq!(names, ["api", "everything"]);
    }

    #[test]
    fn served_by_port_name_without_service() {
        let named = DEPLOY.replace(
            "[{name: api, image: api:1}]",
            "[{name: api, image: api:1, ports: [{name: grpc, containerPort: 9090}]}]",
        );
        assert!(from_yaml(&[("d.yaml", &named)]).is_served(0));
        assert!(!from_yaml(&[("d.yaml", DEPLOY)]).is_served(0));
    }

    #[test]
    fn vpas_link_by_target_kind_namespace_and_name() {
        let vpa = "apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  updatePolicy: {updateMode: Initial}
  resourcePolicy:
    containerPolicies:
      - {containerName: '*', controlledResources: [memory]}
      - {containerName: sidecar, mode: 'Off'}
";
        let m = from_yaml(&[("d.yaml", DEPLOY), ("v.yaml", vpa)]);
        assert_eq!(m.vpa_targets, vec![Some(0)]);
        let v = m.vpas_of(0).next().unwrap();
        assert_eq!(
            v.mode.get(),
            Some(crate::extract::autoscaling::VpaMode::Initial)
        );
        assert!(v.controls("api", ResourceName::Memory));
        assert!(!v.controls("api", ResourceName::Cpu));
        assert!(!v.controls("sidecar", ResourceName::Memory));

        let elsewhere = vpa.replace("namespace: shop", "namespace: other");
        let m = from_yaml(&[("d.yaml", DEPLOY), ("v.yaml", &elsewhere)]);
        assert_eq!(m.vpa_targets, vec![None]);
        let stateful = vpa.replace("kind: Deployment", "kind: StatefulSet");
        let m = from_yaml(&[("d.yaml", DEPLOY), ("v.yaml", &stateful)]);
        assert_eq!(m.vpa_targets, vec![None]);
        let number = vpa.replace("updateMode: Initial", "updateMode: 7");
        let m = from_yaml(&[("d.yaml", DEPLOY), ("v.yaml", &number)]);
        assert!(matches!(m.vpas[0].mode, Val::Invalid(_)));
    }

    #[test]
    fn missing_targets_are_known_per_namespace() {
        let m = from_yaml(&[("d.yaml", DEPLOY)]);
        assert!(m.has_object(Some("apps"), "Deployment", "shop", "api"));
        assert!(!m.has_object(Some("apps"), "Deployment", "default", "api"));
        assert!(m.has_workloads_in("shop"));
        assert!(!m.has_workloads_in("default"));
    }
}
