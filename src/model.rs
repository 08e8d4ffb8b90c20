//! All facts of the tree joined into one model: namespaces resolved and
//! objects indexed by namespace, so rules look things up instead of scanning.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::extract::Facts;
use crate::extract::k8s::{LimitRange, Service, Workload};
use crate::source::SourceFile;

/// Namespace of objects that set none and have no kustomization.
pub const DEFAULT_NAMESPACE: &str = "default";

pub struct Model {
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub limit_ranges: Vec<LimitRange>,
    /// Indexes into `limit_ranges` by namespace.
    limit_ranges_by_ns: HashMap<String, Vec<usize>>,
}

impl Model {
    pub fn build(files: &[SourceFile], facts: Facts) -> Model {
        let kustomized: HashMap<PathBuf, String> = facts.kustomizations.into_iter().collect();
        let namespace_of = |file: crate::source::FileId, written: &Option<String>| -> String {
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
        let mut workloads = facts.workloads;
        for w in &mut workloads {
            w.namespace = namespace_of(w.meta.file, &w.meta.namespace);
        }
        let mut services = facts.services;
        for s in &mut services {
            s.namespace = namespace_of(s.meta.file, &s.meta.namespace);
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
        Model {
            workloads,
            services,
            limit_ranges,
            limit_ranges_by_ns,
        }
    }

    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter()
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
}
