//! Kubernetes objects read into typed facts with spans.
//!
//! An object is a YAML document (or an item of a `kind: List`) with
//! `apiVersion` and `kind`. Anything else, such as a CI config, is not a
//! Kubernetes object and yields nothing.

use crate::formats::yaml::{Y, YamlFile};
use crate::source::{FileId, Span};

use super::{Facts, IntOrPercent, LabelSelector, ObjectRef, Text, Val};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    ReplicaSet,
    DaemonSet,
    Job,
    CronJob,
    Pod,
    /// Argo Rollouts `Rollout`.
    Rollout,
}

impl WorkloadKind {
    fn from_kind(api_version: &str, kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "Job" => WorkloadKind::Job,
            "CronJob" => WorkloadKind::CronJob,
            "Pod" => WorkloadKind::Pod,
            "Rollout" if api_version.starts_with("argoproj.io/") => WorkloadKind::Rollout,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Rollout => "Rollout",
        }
    }

    /// The kinds an autoscaler's `scaleTargetRef` can name.
    pub fn scalable(kind: &str) -> Option<Self> {
        match kind {
            "Deployment" => Some(WorkloadKind::Deployment),
            "StatefulSet" => Some(WorkloadKind::StatefulSet),
            "ReplicaSet" => Some(WorkloadKind::ReplicaSet),
            "Rollout" => Some(WorkloadKind::Rollout),
            _ => None,
        }
    }

    /// Long-running workloads that replace pods by rolling out and receive
    /// traffic through Services.
    pub fn rolls_out(self) -> bool {
        matches!(
            self,
            WorkloadKind::Deployment
                | WorkloadKind::StatefulSet
                | WorkloadKind::ReplicaSet
                | WorkloadKind::Rollout
        )
    }
}

/// Where an object's `metadata` put it.
#[derive(Clone, Debug)]
pub struct ObjectMeta {
    pub file: FileId,
    pub api_version: Text,
    pub kind: Text,
    pub name: Text,
    /// As written; the model fills in the default.
    pub namespace: Option<Text>,
    /// The `kind:` key of the object.
    pub kind_span: Span,
    pub annotations: Vec<(Text, Text)>,
}

impl ObjectMeta {
    /// `Kind/namespace/name`, once the namespace is resolved.
    pub fn display(&self, namespace: &str) -> String {
        format!("{} {namespace}/{}", self.kind, self.name)
    }
}

/// Which resource quantities are set (to something other than null). Rules
/// only ask whether one is; a large tree holds one of these per container
/// and per pod, so positions are not kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceKeys {
    pub cpu: bool,
    pub memory: bool,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Resources {
    pub requests: ResourceKeys,
    pub limits: ResourceKeys,
}

#[derive(Clone, Debug)]
pub struct ContainerPort {
    pub name: Option<Text>,
    pub number: Option<i64>,
}

/// What a probe (or handler) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handler {
    /// `httpGet`: path (empty when unset) and port (number or name, as written).
    Http {
        path: Text,
        port: Text,
    },
    Exec(Vec<Text>),
    Tcp {
        port: Text,
    },
    Grpc {
        port: Text,
        service: Text,
    },
}

#[derive(Clone, Debug)]
pub struct Probe {
    /// The `livenessProbe:`/`readinessProbe:`/`startupProbe:` key.
    pub key: Span,
    pub handler: Option<Handler>,
    pub failure_threshold: Val<i64>,
    pub period_seconds: Val<i64>,
    pub initial_delay_seconds: Val<i64>,
}

/// A `lifecycle.preStop` hook.
#[derive(Clone, Debug)]
pub struct PreStop {
    pub key: Span,
    /// Seconds it sleeps: `sleep.seconds`, or `sleep N` in an exec command.
    pub sleep: Option<i64>,
}

/// Where an environment variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvSource {
    /// `value:`, with the value's span.
    Value(Text, Span),
    /// `valueFrom.configMapKeyRef`. Boxed: it is rare, and a large tree
    /// holds every container's environment at once.
    ConfigMap(Box<ConfigMapKeyRef>),
    /// `valueFrom.secretKeyRef`, `fieldRef` and anything else: not known.
    Unknown,
}

/// A `configMapKeyRef`: a ConfigMap and one of its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigMapKeyRef {
    pub name: Text,
    pub key: Text,
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: Text,
    pub source: EnvSource,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub name: Text,
    /// `image`, and where it is written.
    pub image: Option<(Text, Span)>,
    pub command: Vec<Text>,
    pub args: Vec<Text>,
    /// Where each item of `command` and then `args` is written.
    pub argv_locs: Vec<crate::formats::yaml::ScalarLoc>,
    pub env: Vec<EnvVar>,
    /// ConfigMaps of `envFrom`, with their prefixes.
    pub env_from: Vec<(Text, Text)>,
    /// The `name:` key, or the list item when the container has no name.
    pub name_span: Span,
    pub ports: Vec<ContainerPort>,
    // Boxed: most containers have one or two probes, and a model of a
    // large tree holds every container at once.
    pub readiness_probe: Option<Box<Probe>>,
    pub liveness_probe: Option<Box<Probe>>,
    pub startup_probe: Option<Box<Probe>>,
    pub pre_stop: Option<PreStop>,
    pub resources: Resources,
    /// `restartPolicy: Always` on an init container makes it a sidecar.
    pub restart_always: bool,
    /// `volumeMounts` with their details and positions.
    pub mounts: Vec<VolumeMount>,
}

/// A `volumeMounts` entry.
#[derive(Clone, Debug)]
pub struct VolumeMount {
    pub volume: Text,
    pub mount_path: Text,
    pub sub_path: Option<Text>,
    /// `readOnly: true`.
    pub read_only: bool,
    /// The list item.
    pub span: Span,
}

/// Where a pod volume's files come from, as far as rules need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeSource {
    /// `configMap` (with its `name`, when written).
    ConfigMap(Option<Text>),
    /// `secret` (with its `secretName`, when written).
    Secret(Option<Text>),
    /// `projected`, `downwardAPI`: read-only like ConfigMaps.
    Projected,
    /// Anything else (`emptyDir`, `persistentVolumeClaim`, `hostPath`, …).
    Other,
}

impl VolumeSource {
    /// Kubernetes mounts these read-only, whatever the volumeMount says.
    pub fn read_only(&self) -> bool {
        !matches!(self, VolumeSource::Other)
    }
}

/// A pod `volumes` entry.
#[derive(Clone, Debug)]
pub struct PodVolume {
    pub name: Text,
    pub source: VolumeSource,
    /// The list item.
    pub span: Span,
}

impl Container {
    /// `command` then `args`, each item as written.
    pub fn argv(&self) -> Vec<&str> {
        self.command
            .iter()
            .chain(&self.args)
            .map(Text::as_str)
            .collect()
    }

    /// The image name, without its span.
    pub fn image_name(&self) -> Option<&str> {
        self.image.as_ref().map(|(i, _)| i.as_str())
    }

    /// The literal `value` of an `env` entry, and the value's span (the
    /// last entry of that name wins, as in Kubernetes).
    pub fn literal_env(&self, name: &str) -> Option<(&str, Span)> {
        self.env
            .iter()
            .rev()
            .find(|e| e.name == name)
            .and_then(|e| match &e.source {
                EnvSource::Value(v, span) => Some((v.as_str(), *span)),
                _ => None,
            })
    }

    /// Resolves a named port (`http`) to its number, as written otherwise.
    pub fn port_number(&self, port: &str) -> String {
        self.ports
            .iter()
            .find(|p| p.name.as_deref() == Some(port))
            .and_then(|p| p.number)
            .map_or_else(|| port.to_string(), |n| n.to_string())
    }
}

#[derive(Clone, Debug, Default)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    /// Pod-level `spec.resources`.
    pub resources: Resources,
    /// `topologySpreadConstraints` with at least one entry.
    pub spread_constraints: bool,
    /// Topology keys of pod anti-affinity terms, required and preferred.
    pub anti_affinity_keys: Vec<Text>,
    pub termination_grace_seconds: Val<i64>,
    /// `volumes` with their sources and positions.
    pub pod_volumes: Vec<PodVolume>,
}

impl PodSpec {
    /// The ConfigMap that the volume `name` holds, if it is a ConfigMap
    /// volume that names one.
    pub fn config_map_volume(&self, name: &str) -> Option<&Text> {
        self.pod_volumes
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| match &v.source {
                VolumeSource::ConfigMap(cm) => cm.as_ref(),
                _ => None,
            })
    }

    /// The ConfigMaps that the pod's volumes hold, in order.
    pub fn config_map_volumes(&self) -> impl Iterator<Item = &Text> {
        self.pod_volumes.iter().filter_map(|v| match &v.source {
            VolumeSource::ConfigMap(cm) => cm.as_ref(),
            _ => None,
        })
    }

    /// The containers that run beside each other: regular ones and sidecar
    /// init containers (`restartPolicy: Always`).
    pub fn running_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers
            .iter()
            .chain(self.init_containers.iter().filter(|c| c.restart_always))
    }
}

/// A Deployment's `strategy.rollingUpdate`.
#[derive(Clone, Debug)]
pub struct RollingUpdate {
    /// The `rollingUpdate:` key.
    pub key: Span,
    pub max_surge: Val<IntOrPercent>,
    pub max_unavailable: Val<IntOrPercent>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub meta: ObjectMeta,
    pub kind: WorkloadKind,
    /// Resolved by the model.
    pub namespace: Text,
    pub replicas: Val<i64>,
    /// `spec.selector` (absent for bare Pods).
    pub selector: Option<LabelSelector>,
    pub pod_labels: Vec<(Text, Text)>,
    pub pod: PodSpec,
    /// `spec.strategy.type` is `RollingUpdate` or unset (Deployments).
    pub rolling: bool,
    pub rolling_update: Option<RollingUpdate>,
    /// `spec.serviceName` of a StatefulSet: its governing (headless) Service.
    pub service_name: Option<Text>,
    /// Annotations of the pod template (of a bare Pod, its own).
    pub pod_annotations: Vec<(Text, Text)>,
}

impl Container {
    /// Gives back the spare capacity of its lists (see `Facts::shrink_to_fit`).
    fn shrink_to_fit(&mut self) {
        self.command.shrink_to_fit();
        self.args.shrink_to_fit();
        self.argv_locs.shrink_to_fit();
        self.env.shrink_to_fit();
        self.env_from.shrink_to_fit();
        self.ports.shrink_to_fit();
        self.mounts.shrink_to_fit();
    }
}

impl Workload {
    /// Gives back the spare capacity of its lists, down to each container's
    /// environment (see `Facts::shrink_to_fit`).
    pub fn shrink_to_fit(&mut self) {
        self.meta.annotations.shrink_to_fit();
        if let Some(s) = &mut self.selector {
            s.shrink_to_fit();
        }
        self.pod_labels.shrink_to_fit();
        self.pod_annotations.shrink_to_fit();
        let pod = &mut self.pod;
        pod.containers.shrink_to_fit();
        pod.init_containers.shrink_to_fit();
        for c in pod
            .containers
            .iter_mut()
            .chain(pod.init_containers.iter_mut())
        {
            c.shrink_to_fit();
        }
        pod.anti_affinity_keys.shrink_to_fit();
        pod.pod_volumes.shrink_to_fit();
    }

    pub fn display(&self) -> String {
        self.meta.display(&self.namespace)
    }
}

#[derive(Clone, Debug)]
pub struct Service {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub selector: Vec<(Text, Text)>,
    /// `spec.clusterIP: None`: DNS answers with every ready pod's address.
    pub headless: bool,
    /// `spec.type`, `ClusterIP` when unset.
    pub service_type: Text,
    pub ports: Vec<ServicePort>,
}

impl Service {
    /// Gives back the spare capacity of its lists.
    pub fn shrink_to_fit(&mut self) {
        self.meta.annotations.shrink_to_fit();
        self.selector.shrink_to_fit();
        self.ports.shrink_to_fit();
    }
}

/// One `spec.ports` entry of a Service.
#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: Option<Text>,
    pub app_protocol: Option<Text>,
    pub port: Option<i64>,
    /// The list item (its first key).
    pub span: Span,
}

/// A `Namespace` object: its labels and annotations, for injection rules.
#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: Text,
    pub labels: Vec<(Text, Text)>,
    pub annotations: Vec<(Text, Text)>,
}

/// A `LimitRange` with `type: Container` items that give containers default
/// requests (through `defaultRequest`, `default`, `max` or `min`).
#[derive(Clone, Debug)]
pub struct LimitRange {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub default_cpu: bool,
    pub default_memory: bool,
    /// A default memory limit (`default`, or `max`, which `default`
    /// defaults to).
    pub default_memory_limit: bool,
}

/// Reads every Kubernetes object of a parsed YAML file.
pub fn extract(yaml: &YamlFile<'_>, file: FileId, facts: &mut Facts) {
    for doc in &yaml.docs {
        let root = yaml.root(doc);
        object(root, file, facts, 0);
    }
}

fn object(obj: Y<'_, '_>, file: FileId, facts: &mut Facts, depth: u32) {
    let (Some(api_version), Some((kind_key, kind))) = (
        obj.get_str("apiVersion"),
        obj.entry("kind").and_then(|(k, v)| Some((k, v.as_text()?))),
    ) else {
        return;
    };
    // `kind: List` (and `*List`) wraps objects in `items`.
    if kind == "List" || (kind.ends_with("List") && obj.get("items").is_some_and(|i| i.is_seq())) {
        if depth < 2 {
            for item in obj.get("items").into_iter().flat_map(|i| i.items()) {
                object(item, file, facts, depth + 1);
            }
        }
        return;
    }
    facts.k8s_objects += 1;
    let metadata = obj.get("metadata");
    let meta = ObjectMeta {
        file,
        api_version: api_version.into(),
        kind: kind.into(),
        name: metadata
            .and_then(|m| m.get_str("name").or_else(|| m.get_str("generateName")))
            .unwrap_or("")
            .into(),
        namespace: metadata
            .and_then(|m| m.get_str("namespace"))
            .map(Text::from),
        kind_span: span(file, kind_key),
        annotations: metadata
            .and_then(|m| m.get("annotations"))
            .map(string_map)
            .unwrap_or_default(),
    };
    facts.objects.push(ObjectRef {
        file,
        group: super::group_of(api_version).into(),
        kind: meta.kind.clone(),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
    });
    if let Some(wk) = WorkloadKind::from_kind(api_version, kind) {
        facts.workloads.push(workload(obj, meta, wk, file));
        return;
    }
    if super::autoscaling::extract(obj, &meta, file, facts) {
        return;
    }
    if super::capacity::extract(obj, &meta, file, facts) {
        return;
    }
    match kind {
        "Service" if api_version == "v1" => facts.services.push(Service {
            meta,
            namespace: Text::default(),
            selector: obj
                .path(&["spec", "selector"])
                .map(string_map)
                .unwrap_or_default(),
            headless: obj.path(&["spec", "clusterIP"]).and_then(|v| v.as_str()) == Some("None"),
            service_type: obj
                .path(&["spec", "type"])
                .and_then(|v| v.as_str())
                .unwrap_or("ClusterIP")
                .into(),
            ports: obj
                .path(&["spec", "ports"])
                .into_iter()
                .flat_map(|p| p.items())
                .filter(|p| p.is_map())
                .map(|p| ServicePort {
                    name: p.get_str("name").map(Text::from),
                    app_protocol: p.get_str("appProtocol").map(Text::from),
                    port: p.get("port").and_then(|v| v.as_i64()),
                    span: p
                        .entries()
                        .first()
                        .map_or_else(|| span(file, p), |(k, _)| span(file, *k)),
                })
                .collect(),
        }),
        "Namespace" if api_version == "v1" => facts.namespaces.push(Namespace {
            name: meta.name.clone(),
            labels: obj
                .path(&["metadata", "labels"])
                .map(string_map)
                .unwrap_or_default(),
            annotations: meta.annotations.clone(),
        }),
        "LimitRange" if api_version == "v1" => {
            let mut default_cpu = false;
            let mut default_memory = false;
            let mut default_memory_limit = false;
            for limit in obj
                .path(&["spec", "limits"])
                .into_iter()
                .flat_map(|l| l.items())
            {
                if limit.get_str("type") != Some("Container") {
                    continue;
                }
                // The API server defaults `default` to `max` and `defaultRequest`
                // to `min`, else to `default` (SetDefaults_LimitRangeItem), so
                // each of the four supplies a request.
                for section in ["default", "defaultRequest", "max", "min"] {
                    if let Some(s) = limit.get(section) {
                        default_cpu |= s.get("cpu").is_some_and(|v| !v.is_null());
                        let memory = s.get("memory").is_some_and(|v| !v.is_null());
                        default_memory |= memory;
                        default_memory_limit |= memory && matches!(section, "default" | "max");
                    }
                }
            }
            facts.limit_ranges.push(LimitRange {
                meta,
                namespace: Text::default(),
                default_cpu,
                default_memory,
                default_memory_limit,
            });
        }
        _ => {}
    }
}

fn workload(obj: Y<'_, '_>, meta: ObjectMeta, kind: WorkloadKind, file: FileId) -> Workload {
    let spec = obj.get("spec");
    let template = match kind {
        WorkloadKind::Pod => None,
        WorkloadKind::CronJob => spec.and_then(|s| s.path(&["jobTemplate", "spec", "template"])),
        _ => spec.and_then(|s| s.get("template")),
    };
    let pod_spec = match kind {
        WorkloadKind::Pod => spec,
        _ => template.and_then(|t| t.get("spec")),
    };
    let pod_labels = match kind {
        WorkloadKind::Pod => obj.path(&["metadata", "labels"]),
        _ => template.and_then(|t| t.path(&["metadata", "labels"])),
    }
    .map(string_map)
    .unwrap_or_default();
    let pod_annotations = match kind {
        WorkloadKind::Pod => obj.path(&["metadata", "annotations"]),
        _ => template.and_then(|t| t.path(&["metadata", "annotations"])),
    }
    .map(string_map)
    .unwrap_or_default();
    let service_name = match kind {
        WorkloadKind::StatefulSet => spec
            .and_then(|s| s.get_str("serviceName"))
            .filter(|n| !n.is_empty())
            .map(Text::from),
        _ => None,
    };
    let replicas = spec.map_or(Val::Absent, |s| count(s, "replicas", file));
    let pod = pod_spec.map(|p| pod(p, file)).unwrap_or_default();
    let selector = match kind {
        WorkloadKind::Pod => None,
        WorkloadKind::CronJob => spec
            .and_then(|s| s.path(&["jobTemplate", "spec", "selector"]))
            .map(LabelSelector::read),
        _ => spec
            .and_then(|s| s.get("selector"))
            .map(LabelSelector::read),
    };
    let strategy = spec.and_then(|s| s.get("strategy"));
    let rolling = strategy
        .and_then(|s| s.get_str("type"))
        .is_none_or(|t| t == "RollingUpdate");
    let rolling_update = strategy
        .and_then(|s| s.entry("rollingUpdate"))
        .filter(|(_, v)| v.is_map())
        .map(|(k, v)| RollingUpdate {
            key: span(file, k),
            max_surge: int_or_percent(v, "maxSurge", file),
            max_unavailable: int_or_percent(v, "maxUnavailable", file),
        });
    Workload {
        meta,
        kind,
        namespace: Text::default(),
        replicas,
        selector,
        pod_labels,
        pod,
        rolling,
        rolling_update,
        service_name,
        pod_annotations,
    }
}

fn pod(spec: Y<'_, '_>, file: FileId) -> PodSpec {
    let list = |key: &str| -> Vec<Container> {
        spec.get(key)
            .into_iter()
            .flat_map(|c| c.items())
            .filter(|c| c.is_map())
            .map(|c| container(c, file))
            .collect()
    };
    let mut anti_affinity_keys = Vec::new();
    if let Some(anti) = spec.path(&["affinity", "podAntiAffinity"]) {
        for term in anti
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .into_iter()
            .flat_map(|t| t.items())
        {
            anti_affinity_keys.extend(term.get_str("topologyKey").map(Text::from));
        }
        for weighted in anti
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .into_iter()
            .flat_map(|t| t.items())
        {
            anti_affinity_keys.extend(
                weighted
                    .path(&["podAffinityTerm", "topologyKey"])
                    .and_then(|k| k.as_text())
                    .map(Text::from),
            );
        }
    }
    PodSpec {
        containers: list("containers"),
        init_containers: list("initContainers"),
        resources: spec.get("resources").map(resources).unwrap_or_default(),
        spread_constraints: spec
            .get("topologySpreadConstraints")
            .is_some_and(|t| t.items().next().is_some()),
        anti_affinity_keys,
        termination_grace_seconds: count(spec, "terminationGracePeriodSeconds", file),
        pod_volumes: spec
            .get("volumes")
            .into_iter()
            .flat_map(|v| v.items())
            .filter_map(|v| pod_volume(v, file))
            .collect(),
    }
}

fn pod_volume(v: Y<'_, '_>, file: FileId) -> Option<PodVolume> {
    let name = Text::from(v.get_str("name")?);
    let named = |key: &str, field: &str| {
        v.get(key)
            .filter(|s| s.is_map())
            .map(|s| s.get_str(field).map(Text::from))
    };
    let source = if let Some(cm) = named("configMap", "name") {
        VolumeSource::ConfigMap(cm)
    } else if let Some(secret) = named("secret", "secretName") {
        VolumeSource::Secret(secret)
    } else if v.get("projected").is_some() || v.get("downwardAPI").is_some() {
        VolumeSource::Projected
    } else {
        VolumeSource::Other
    };
    Some(PodVolume {
        name,
        source,
        span: span(file, v),
    })
}

fn container(c: Y<'_, '_>, file: FileId) -> Container {
    let (name, name_span) = match c.entry("name") {
        Some((k, v)) => (v.as_text().unwrap_or("").into(), span(file, k)),
        None => (String::new(), span(file, c)),
    };
    let probe = |key: &str| {
        c.entry(key).filter(|(_, v)| !v.is_null()).map(|(k, v)| {
            Box::new(Probe {
                key: span(file, k),
                handler: handler(v),
                failure_threshold: count(v, "failureThreshold", file),
                period_seconds: count(v, "periodSeconds", file),
                initial_delay_seconds: count(v, "initialDelaySeconds", file),
            })
        })
    };
    Container {
        name: name.into(),
        name_span,
        image: c
            .get("image")
            .and_then(|i| Some((i.as_text()?.into(), span(file, i)))),
        command: strings(c.get("command")),
        args: strings(c.get("args")),
        argv_locs: ["command", "args"]
            .into_iter()
            .filter_map(|k| c.get(k))
            .flat_map(|n| n.items())
            .filter_map(|i| i.scalar_loc())
            .collect(),
        env: c
            .get("env")
            .into_iter()
            .flat_map(|e| e.items())
            .filter_map(|e| {
                let name = e.get("name")?.as_text()?.into();
                let source = if let Some(value) = e.get("value") {
                    match value.as_str() {
                        Some(text) => EnvSource::Value(text.into(), span(file, value)),
                        None => EnvSource::Unknown,
                    }
                } else if let Some(r) = e.path(&["valueFrom", "configMapKeyRef"]) {
                    match (r.get_str("name"), r.get_str("key")) {
                        (Some(name), Some(key)) => {
                            EnvSource::ConfigMap(Box::new(ConfigMapKeyRef {
                                name: name.into(),
                                key: key.into(),
                            }))
                        }
                        _ => EnvSource::Unknown,
                    }
                } else {
                    EnvSource::Unknown
                };
                Some(EnvVar { name, source })
            })
            .collect(),
        env_from: c
            .get("envFrom")
            .into_iter()
            .flat_map(|e| e.items())
            .filter_map(|e| {
                let name = e.path(&["configMapRef", "name"])?.as_text()?;
                Some((name.into(), e.get_str("prefix").unwrap_or("").into()))
            })
            .collect(),
        ports: c
            .get("ports")
            .into_iter()
            .flat_map(|p| p.items())
            .map(|p| ContainerPort {
                name: p.get_str("name").map(Text::from),
                number: p.get("containerPort").and_then(|n| n.as_i64()),
            })
            .collect(),
        readiness_probe: probe("readinessProbe"),
        liveness_probe: probe("livenessProbe"),
        startup_probe: probe("startupProbe"),
        pre_stop: c
            .get("lifecycle")
            .and_then(|l| l.entry("preStop"))
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| PreStop {
                key: span(file, k),
                sleep: pre_stop_sleep(v),
            }),
        resources: c.get("resources").map(resources).unwrap_or_default(),
        restart_always: c.get_str("restartPolicy") == Some("Always"),
        mounts: c
            .get("volumeMounts")
            .into_iter()
            .flat_map(|m| m.items())
            .filter_map(|m| {
                Some(VolumeMount {
                    volume: m.get_str("name")?.into(),
                    mount_path: m.get_str("mountPath")?.into(),
                    sub_path: m.get_str("subPath").map(Text::from),
                    read_only: m.get("readOnly").and_then(|r| r.as_bool()) == Some(true),
                    span: span(file, m),
                })
            })
            .collect(),
    }
}

fn resources(r: Y<'_, '_>) -> Resources {
    let keys = |section: &str| -> ResourceKeys {
        let Some(s) = r.get(section) else {
            return ResourceKeys::default();
        };
        let key = |name: &str| s.get(name).is_some_and(|v| !v.is_null());
        ResourceKeys {
            cpu: key("cpu"),
            memory: key("memory"),
        }
    };
    Resources {
        requests: keys("requests"),
        limits: keys("limits"),
    }
}

fn handler(probe: Y<'_, '_>) -> Option<Handler> {
    let port = |h: Y<'_, '_>| {
        h.get("port")
            .and_then(|p| p.as_text())
            .map(Text::from)
            .unwrap_or_default()
    };
    if let Some(h) = probe.get("httpGet") {
        return Some(Handler::Http {
            path: h.get_str("path").unwrap_or("").into(),
            port: port(h),
        });
    }
    if let Some(h) = probe.get("exec") {
        return Some(Handler::Exec(strings(h.get("command"))));
    }
    if let Some(h) = probe.get("tcpSocket") {
        return Some(Handler::Tcp { port: port(h) });
    }
    if let Some(h) = probe.get("grpc") {
        return Some(Handler::Grpc {
            port: port(h),
            service: h.get_str("service").unwrap_or("").into(),
        });
    }
    None
}

/// Seconds a preStop hook sleeps: `sleep.seconds`, or an exec command that
/// runs `sleep N` (directly or in a shell).
fn pre_stop_sleep(hook: Y<'_, '_>) -> Option<i64> {
    if let Some(s) = hook.path(&["sleep", "seconds"]) {
        return s.as_i64().filter(|n| *n >= 0);
    }
    let command = strings(hook.path(&["exec", "command"]));
    let words: Vec<&str> = command
        .iter()
        .flat_map(|part| part.split(|c: char| c.is_whitespace() || c == ';' || c == '&'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|pair| match pair {
        [cmd, n] if cmd.rsplit('/').next() == Some("sleep") => {
            n.trim_end_matches('s').parse::<i64>().ok()
        }
        _ => None,
    })
}

/// A sequence of scalars as strings; empty for anything else.
pub(crate) fn strings(node: Option<Y<'_, '_>>) -> Vec<Text> {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter_map(|i| i.as_str().map(Text::from))
        .collect()
}

/// A non-negative integer field: absent, set, or set to something that is
/// not one (which rules treat as unknown).
pub(crate) fn count(map: Y<'_, '_>, key: &str, file: FileId) -> Val<i64> {
    match map.entry(key) {
        None => Val::Absent,
        Some((_, v)) if v.is_null() => Val::Absent,
        Some((k, v)) => match v.as_i64() {
            Some(n) if n >= 0 => Val::Set(n, span(file, k)),
            _ => Val::Invalid(span(file, k)),
        },
    }
}

/// An int-or-string field such as `maxSurge: 25%`.
pub(crate) fn int_or_percent(map: Y<'_, '_>, key: &str, file: FileId) -> Val<IntOrPercent> {
    match map.entry(key) {
        None => Val::Absent,
        Some((_, v)) if v.is_null() => Val::Absent,
        Some((k, v)) => match IntOrPercent::read(v) {
            Some(x) => Val::Set(x, span(file, k)),
            None => Val::Invalid(span(file, k)),
        },
    }
}

/// A mapping of strings (labels, annotations, selectors), in file order.
pub(crate) fn string_map(m: Y<'_, '_>) -> Vec<(Text, Text)> {
    m.entries()
        .into_iter()
        .filter_map(|(k, v)| Some((k.as_str()?.into(), v.as_str()?.into())))
        .collect()
}

pub(crate) fn span(file: FileId, node: Y<'_, '_>) -> Span {
    let start = node.start();
    let end = node.end();
    // Keys end where their text ends; collections may end lines later.
    let end = if end.line == start.line && end.col > start.col {
        end
    } else {
        start
    };
    Span::new(file, start, end)
}

/// The `namespace:` of a kustomization file, which applies to the objects
/// of its directory that set none.
pub fn kustomization_namespace(yaml: &YamlFile<'_>) -> Option<Text> {
    let doc = yaml.docs.first()?;
    yaml.root(doc).get_str("namespace").map(Text::from)
}
