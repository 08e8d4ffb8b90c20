//! Which workload of the tree a proxy's `server` address names: a compose
//! service by its service name, or a Kubernetes Service by its DNS name
//! (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`) and through
//! it the workloads it selects, or a StatefulSet through its governing
//! Service. A proxy file belongs to no namespace, so a one-label name must
//! be unique in the tree: when a compose service and a Kubernetes Service
//! (or two namespaces) share it, nothing is linked.

use std::collections::HashMap;

use crate::model::Model;
use crate::model::capacity::service_of;

use super::host_port;

/// What a server address names.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    /// A compose service (index into `model.compose_services`).
    Compose(usize),
    /// A Kubernetes Service (index into `model.services`), when the tree
    /// holds it, and the StatefulSets that name it as their governing
    /// Service (`spec.serviceName`).
    K8s {
        namespace: String,
        name: String,
        service: Option<usize>,
        statefulsets: Vec<usize>,
    },
}

/// Name indexes built once per rule run.
pub(crate) struct Backends<'m> {
    model: &'m Model,
    /// Compose service name → services.
    compose: HashMap<&'m str, Vec<usize>>,
    /// Service name → namespaces holding a Service or a governing-service
    /// reference of that name.
    namespaces_of: HashMap<&'m str, Vec<&'m str>>,
    /// (namespace, serviceName) → StatefulSets.
    governed: HashMap<(&'m str, &'m str), Vec<usize>>,
}

impl<'m> Backends<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut compose: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, s) in model.compose_services.iter().enumerate() {
            compose.entry(s.name.as_str()).or_default().push(i);
        }
        let mut namespaces_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for s in &model.services {
            namespaces_of
                .entry(s.meta.name.as_str())
                .or_default()
                .push(s.namespace.as_str());
        }
        let mut governed: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (wi, w) in model.indexed_workloads() {
            if let Some(name) = &w.service_name {
                governed
                    .entry((w.namespace.as_str(), name.as_str()))
                    .or_default()
                    .push(wi);
                namespaces_of
                    .entry(name.as_str())
                    .or_default()
                    .push(w.namespace.as_str());
            }
        }
        for v in namespaces_of.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Backends {
            model,
            compose,
            namespaces_of,
            governed,
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// What a `server` address (`host[:port]`) names, if the tree says so
    /// unambiguously. IP addresses, Unix sockets and addresses built from
    /// variables name nothing.
    pub fn lookup(&self, address: &str) -> Option<Backend> {
        let host = host_name(address)?;
        let labels = host.split('.').count();
        if labels == 1 {
            let compose = self.compose.get(host).map_or(&[][..], Vec::as_slice);
            let k8s = self.namespaces_of.get(host).map_or(&[][..], Vec::as_slice);
            return match (compose, k8s) {
                ([one], []) => Some(Backend::Compose(*one)),
                ([], [ns]) => self.k8s(ns, host),
                _ => None,
            };
        }
        let (name, ns) = service_of(host, "")?;
        self.k8s(&ns, &name)
    }

    fn k8s(&self, ns: &str, name: &str) -> Option<Backend> {
        let services = self.model.services_named(ns, name);
        let statefulsets = self.governed.get(&(ns, name)).cloned().unwrap_or_default();
        // Several copies of one Service (per-environment trees): not a guess
        // to make.
        let service = match services {
            [] => None,
            [one] => Some(*one),
            _ => return None,
        };
        if service.is_none() && statefulsets.is_empty() {
            return None;
        }
        Some(Backend::K8s {
            namespace: ns.to_string(),
            name: name.to_string(),
            service,
            statefulsets,
        })
    }
}

/// The host of a server address, when it is a DNS name: not an IP address,
/// a Unix socket or a value built from variables.
pub(crate) fn host_name(address: &str) -> Option<&str> {
    if address.starts_with("unix:") || address.contains('$') || address.contains('@') {
        return None;
    }
    let (host, _) = host_port(address);
    let host = host.trim_end_matches('.');
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("api:8000"), Some("api"));
        assert_eq!(
            host_name("api.shop.svc.cluster.local."),
            Some("api.shop.svc.cluster.local")
        );
        assert_eq!(host_name("10.0.0.1:80"), None);
        assert_eq!(host_name("[::1]:80"), None);
        assert_eq!(host_name("unix:/run/app.sock"), None);
        assert_eq!(host_name("$backend"), None);
        assert_eq!(host_name("ipv4@api:80"), None);
    }
}
