//! Parsed trees read into typed facts, one `Facts` per file.

pub mod k8s;

use std::path::PathBuf;

/// Everything one file contributed to the model.
#[derive(Debug, Default)]
pub struct Facts {
    pub workloads: Vec<k8s::Workload>,
    pub services: Vec<k8s::Service>,
    pub limit_ranges: Vec<k8s::LimitRange>,
    /// Directory and namespace of a `kustomization.yaml`.
    pub kustomizations: Vec<(PathBuf, String)>,
    /// Number of Kubernetes objects read.
    pub k8s_objects: usize,
}

impl Facts {
    pub fn append(&mut self, mut other: Facts) {
        self.workloads.append(&mut other.workloads);
        self.services.append(&mut other.services);
        self.limit_ranges.append(&mut other.limit_ranges);
        self.kustomizations.append(&mut other.kustomizations);
        self.k8s_objects += other.k8s_objects;
    }
}

/// Whether a file name is a kustomization.
pub fn is_kustomization(name: &str) -> bool {
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}
