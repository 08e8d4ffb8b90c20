//! All facts of the tree joined into one model: namespaces resolved, objects
//! indexed by key, and the links rules need (which Services route to a
//! workload, which PDBs guard it, which autoscalers scale it) computed once
//! with hash joins, so no rule scans all objects per object.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::extract::Facts;
use crate::extract::autoscaling::{Autoscaler, Pdb};
use crate::extract::k8s::{LimitRange, Service, Workload, WorkloadKind};
use crate::extract::Val;
use crate::source::{FileId, SourceFile, Span};

/// Namespace of objects that set none and have no kustomization.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Container port names that mark a workload as serving traffic.
const SERVING_PORT_NAMES: [&str; 4] = ["http", "https", "grpc", "web"];

/// What links to one workload (indexes into the model's tables).
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// Services whose selector picks the workload's pods.
    pub services: Vec<usize>,
    /// PodDisruptionBudgets whose selector picks its pods.
    pub pdbs: Vec<usize>,
    /// Autoscalers whose `scaleTargetRef` names it, in path order.
    pub autoscalers: Vec<usize>,
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

pub struct Model {
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
    /// Indexes into `limit_ranges` by namespace.
    limit_ranges_by_ns: HashMap<String, Vec<usize>>,
    /// (kind, namespace, name) → API groups of every object in the tree.
    objects: HashMap<(String, String, String), Vec<String>>,
    /// Namespaces that hold at least one workload.
    workload_namespaces: HashSet<String>,
    /// (namespace, label key, label value) → workloads whose pods carry it.
    by_label: HashMap<(String, String, String), Vec<usize>>,
    /// namespace → workloads.
    by_namespace: HashMap<String, Vec<usize>>,
}

impl Model {
    pub fn build(files: &[SourceFile], facts: Facts) -> Model {
        let kustomized: HashMap<PathBuf, String> = facts.kustomizations.into_iter().collect();
        let namespace_of = |file: FileId, written: &Option<String>| -> String {
            if let Some(ns) = written.as_deref().filter(|ns| !ns.is_empty()) {
                return ns.to_string();
            }
            files
                .get(file.0 as usize)
                .and_then(|f| f.path.parent())
                .and_then(|dir| kustomized.get(dir))
                .cloned()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
        };
        let display = |file: FileId| files.get(file.0 as usize).map(|f| f.display.as_str());

        let mut workloads = facts.workloads;
        let mut by_label: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        let mut by_namespace: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_key: HashMap<(&'static str, String, String), Vec<usize>> = HashMap::new();
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
        let candidates = |ns: &str, first: Option<&(String, String)>| -> &[usize] {
            let found = match first {
                Some((k, v)) => by_label.get(&(ns.to_string(), k.clone(), v.clone())),
                None => by_namespace.get(ns),
            };
            found.map_or(&[], Vec::as_slice)
        };

        let mut services = facts.services;
        for (si, s) in services.iter_mut().enumerate() {
            s.namespace = namespace_of(s.meta.file, &s.meta.namespace);
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
                }
            }
        }

        let mut pdbs = facts.pdbs;
        for (pi, p) in pdbs.iter_mut().enumerate() {
            p.namespace = namespace_of(p.meta.file, &p.meta.namespace);
            let first = p.selector.as_ref().and_then(|s| s.first_label());
            for &wi in candidates(&p.namespace, first) {
                let Some(w) = workloads.get(wi) else { continue };
                if w.kind != WorkloadKind::Pod && p.selects(&w.pod_labels) {
                    if let Some(l) = links.get_mut(wi) {
                        l.pdbs.push(pi);
                    }
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
            let target = a.target.as_ref().and_then(|t| {
                let kind = WorkloadKind::scalable(&t.kind)?;
                by_key
                    .get(&(kind.as_str(), a.namespace.clone(), t.name.clone()))?
                    .iter()
                    .copied()
                    .find(|&wi| {
                        workloads.get(wi).is_some_and(|w| {
                            t.group
                                .as_deref()
                                .is_none_or(|g| g == crate::extract::group_of(&w.meta.api_version))
                        })
                    })
            });
            if let Some(wi) = target
                && let Some(l) = links.get_mut(wi)
            {
                l.autoscalers.push(ai);
            }
            autoscaler_targets.push(target);
        }

        let mut limit_ranges = facts.limit_ranges;
        let mut limit_ranges_by_ns: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, l) in limit_ranges.iter_mut().enumerate() {
            l.namespace = namespace_of(l.meta.file, &l.meta.namespace);
            limit_ranges_by_ns
                .entry(l.namespace.clone())
                .or_default()
                .push(i);
        }

        let mut objects: HashMap<(String, String, String), Vec<String>> = HashMap::new();
        for o in facts.objects {
            let ns = namespace_of(o.file, &o.namespace);
            objects.entry((o.kind, ns, o.name)).or_default().push(o.group);
        }

        Model {
            workloads,
            services,
            limit_ranges,
            pdbs,
            autoscalers,
            links,
            autoscaler_targets,
            limit_ranges_by_ns,
            objects,
            workload_namespaces,
            by_label,
            by_namespace,
        }
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

    /// Whether some object of the tree has this kind, namespace and name
    /// (and, when given, API group).
    pub fn has_object(&self, group: Option<&str>, kind: &str, ns: &str, name: &str) -> bool {
        self.objects
            .get(&(kind.to_string(), ns.to_string(), name.to_string()))
            .is_some_and(|groups| group.is_none_or(|g| groups.iter().any(|x| x == g)))
    }

    /// Whether the tree holds any workload of the namespace: otherwise it is
    /// a partial view and missing targets are not reported.
    pub fn has_workloads_in(&self, ns: &str) -> bool {
        self.workload_namespaces.contains(ns)
    }

    /// Workloads of a namespace whose pod labels carry `key=value`.
    pub fn workloads_labelled(&self, ns: &str, key: &str, value: &str) -> &[usize] {
        self.by_label
            .get(&(ns.to_string(), key.to_string(), value.to_string()))
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
            let bound = |val: &Val<i64>, field: &'static str, default: Option<i64>| {
                match *val {
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
                }
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
