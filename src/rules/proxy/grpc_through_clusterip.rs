//! SL508 grpc-through-clusterip. Docs: rules/grpc-through-clusterip.toml

use crate::extract::Text;
use crate::extract::k8s::{ServicePort, Workload};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct GrpcThroughClusterip {
    service: String,
    port: String,
    why_grpc: String,
    workload: String,
    autoscaler: String,
    namespace_note: String,
}

impl Violation for GrpcThroughClusterip {
    const RULE: Rule = Rule::GrpcThroughClusterip;

    fn message(&self) -> String {
        let Self {
            service,
            port,
            why_grpc,
            workload,
            autoscaler,
            namespace_note,
        } = self;
        format!(
            "{service} port {port} carries gRPC ({why_grpc}) through its cluster IP, which balances per connection, and selects {workload}, scaled by {autoscaler}, whose pods have no service-mesh sidecar{namespace_note}: gRPC clients keep their HTTP/2 connections open, so pods added by scale-out get no traffic from clients already connected"
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "balance per request: put the pods in a mesh (Istio, Linkerd) or behind an L7 proxy, or use a headless Service (`clusterIP: None`) with the client's `round_robin` policy on a `dns:///` target; a server-side max connection age makes clients reconnect and spread too"
                .into(),
        )
    }

    fn subject(&self) -> String {
        format!("{} port {}", self.service, self.port)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (si, svc) in model.services.iter().enumerate() {
        if svc.headless || svc.service_type != "ClusterIP" {
            continue;
        }
        let grpc_ports: Vec<(&ServicePort, String)> = svc
            .ports
            .iter()
            .filter_map(|p| Some((p, why_grpc(p)?)))
            .collect();
        if grpc_ports.is_empty() {
            continue;
        }
        let workloads = model
            .service_workloads
            .get(si)
            .map_or(&[][..], Vec::as_slice);
        // The first selected workload that an autoscaler scales and that no
        // mesh covers.
        let found = workloads.iter().find_map(|&wi| {
            let w = model.workloads.get(wi)?;
            let a = model.autoscalers_of(wi).next()?;
            let (meshed, namespace_note) = mesh(model, w);
            (!meshed).then_some((w, a, namespace_note))
        });
        let Some((w, a, namespace_note)) = found else {
            continue;
        };
        for (port, why) in grpc_ports {
            let v = GrpcThroughClusterip {
                service: format!("Service {}/{}", svc.namespace, svc.meta.name),
                port: port
                    .name
                    .clone()
                    .or_else(|| port.port.map(|n| n.to_string()).map(Text::from))
                    .map_or_else(|| "(unnamed)".into(), |n| format!("`{n}`")),
                why_grpc: why,
                workload: w.display(),
                autoscaler: a.display(),
                namespace_note: namespace_note.clone(),
            };
            out.report(v, port.span)
                .related(
                    w.meta.kind_span,
                    format!("{} has no mesh sidecar", w.display()),
                )
                .related(a.target_span, format!("{} scales it", a.display()));
        }
    }
}

/// Why a Service port is gRPC: its `appProtocol`, else its name.
fn why_grpc(p: &ServicePort) -> Option<String> {
    if let Some(proto) = &p.app_protocol {
        let lower = proto.to_ascii_lowercase();
        return matches!(lower.as_str(), "grpc" | "kubernetes.io/h2c")
            .then(|| format!("appProtocol {proto}"));
    }
    let name = p.name.as_deref()?;
    name.to_ascii_lowercase()
        .starts_with("grpc")
        .then(|| format!("port name `{name}`"))
}

/// Whether Istio or Linkerd injects a sidecar into the workload's pods:
/// the pod template's own label or annotation decides, else its
/// Namespace's (when the Namespace object is in the tree). The second
/// value says what could not be seen, for the message.
fn mesh(model: &Model, w: &Workload) -> (bool, String) {
    let label = |k: &str| {
        w.pod_labels
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let annotation = |k: &str| {
        w.pod_annotations
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    // Istio: the pod label (or the older annotation) wins over the namespace.
    let istio_pod =
        label("sidecar.istio.io/inject").or_else(|| annotation("sidecar.istio.io/inject"));
    let linkerd_pod = annotation("linkerd.io/inject");
    if istio_pod == Some("true") || label("istio.io/rev").is_some() {
        return (true, String::new());
    }
    if matches!(linkerd_pod, Some("enabled" | "ingress")) {
        return (true, String::new());
    }
    let Some(ns) = model.namespaces.get(&w.namespace) else {
        return (
            false,
            format!(
                " (Namespace {} is not in the tree; if it enables injection, suppress this)",
                w.namespace
            ),
        );
    };
    let ns_label = |k: &str| {
        ns.labels
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let ns_annotation = |k: &str| {
        ns.annotations
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let istio_ns =
        ns_label("istio-injection") == Some("enabled") || ns_label("istio.io/rev").is_some();
    if istio_ns && istio_pod != Some("false") {
        return (true, String::new());
    }
    let linkerd_ns = matches!(
        ns_annotation("linkerd.io/inject"),
        Some("enabled" | "ingress")
    );
    if linkerd_ns && linkerd_pod != Some("disabled") {
        return (true, String::new());
    }
    (false, String::new())
}
