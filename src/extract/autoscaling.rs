//! PodDisruptionBudgets and autoscalers (HPAs of every API version, KEDA
//! ScaledObjects) read into facts with spans.

use crate::formats::yaml::Y;
use crate::source::{FileId, Span};

use super::k8s::{ObjectMeta, count, int_or_percent, span};
use super::{Facts, IntOrPercent, LabelSelector, Text, Val};

#[derive(Clone, Debug)]
pub struct Pdb {
    pub meta: ObjectMeta,
    pub namespace: Text,
    /// `None` when unset: a PDB without a selector selects no pods.
    pub selector: Option<LabelSelector>,
    /// `policy/v1beta1`, where an empty selector selects nothing (in
    /// `policy/v1` it selects every pod of the namespace).
    pub beta: bool,
    pub min_available: Val<IntOrPercent>,
    pub max_unavailable: Val<IntOrPercent>,
}

impl Pdb {
    pub fn display(&self) -> String {
        self.meta.display(&self.namespace)
    }

    pub fn selects(&self, labels: &[(Text, Text)]) -> bool {
        match &self.selector {
            None => false,
            Some(s) if s.is_empty() && self.beta => false,
            Some(s) => s.matches(labels),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalerKind {
    /// `autoscaling/v1`, `v2`, `v2beta1`, `v2beta2` HorizontalPodAutoscaler.
    Hpa,
    /// KEDA `ScaledObject`, which creates an HPA of its own.
    ScaledObject,
}

/// `scaleTargetRef`.
#[derive(Clone, Debug)]
pub struct TargetRef {
    /// API group of `apiVersion`, when written.
    pub group: Option<Text>,
    pub kind: Text,
    pub name: Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceName {
    Cpu,
    Memory,
}

impl ResourceName {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceName::Cpu => "cpu",
            ResourceName::Memory => "memory",
        }
    }
}

/// One metric an autoscaler scales on.
#[derive(Clone, Debug)]
pub struct Metric {
    /// `Resource`, `ContainerResource`, `Pods`, `Object`, `External`, or the
    /// KEDA trigger type (`cpu`, `kafka`, `prometheus`, …).
    pub source: Text,
    /// cpu or memory for resource metrics (HPA `Resource` and
    /// `ContainerResource`, KEDA `cpu`/`memory` triggers).
    pub resource: Option<ResourceName>,
    /// The container a `ContainerResource` metric (or a KEDA trigger's
    /// `containerName`) is about.
    pub container: Option<Text>,
    /// The target is a utilisation of the request, which needs requests.
    pub utilization: bool,
    /// Where the metric is named: the `name: cpu` key, the v1
    /// `targetCPUUtilizationPercentage` key, the trigger's `type:` key; for
    /// the implicit default metric, the HPA's `spec:` key.
    pub span: Span,
    /// Not written: the default 80 % CPU of an HPA without metrics.
    pub implicit: bool,
    /// A KEDA trigger's `metadata`, with each value's span.
    pub metadata: Vec<(Text, Text, Span)>,
    /// A KEDA trigger's `metricType`.
    pub metric_type: Option<Text>,
}

impl Metric {
    /// A cpu or memory `Resource` metric (or KEDA cpu/memory trigger).
    pub fn is_resource(&self) -> bool {
        self.resource.is_some()
    }
}

#[derive(Clone, Debug)]
pub struct Autoscaler {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub kind: ScalerKind,
    pub target: Option<TargetRef>,
    /// The `scaleTargetRef:` key, else the object's `kind:` key.
    pub target_span: Span,
    /// `minReplicas` / `minReplicaCount`.
    pub min: Val<i64>,
    /// `maxReplicas` / `maxReplicaCount`.
    pub max: Val<i64>,
    pub metrics: Vec<Metric>,
    /// The `metrics:` key of an HPA, the `triggers:` key of a ScaledObject.
    pub metrics_key: Option<Span>,
    /// The `behavior:` key (for a ScaledObject, inside
    /// `advanced.horizontalPodAutoscalerConfig`).
    pub behavior_key: Option<Span>,
    pub scale_down_window: Val<i64>,
    /// The `spec:` key.
    pub spec_key: Span,
    /// ScaledObject `cooldownPeriod`.
    pub cooldown: Val<i64>,
    /// ScaledObject `idleReplicaCount`.
    pub idle_replicas: Val<i64>,
    /// A trigger served by the KEDA HTTP add-on, which holds requests while
    /// it scales from zero.
    pub http_addon: bool,
}

impl Autoscaler {
    pub fn display(&self) -> String {
        self.meta.display(&self.namespace)
    }

    /// The documented default minimum: 1 for an HPA, 0 for KEDA.
    pub fn default_min(&self) -> i64 {
        match self.kind {
            ScalerKind::Hpa => 1,
            ScalerKind::ScaledObject => 0,
        }
    }

    /// The documented default maximum: none for an HPA (required), 100 for KEDA.
    pub fn default_max(&self) -> Option<i64> {
        match self.kind {
            ScalerKind::Hpa => None,
            ScalerKind::ScaledObject => Some(100),
        }
    }

    /// Field names as the object spells them.
    pub fn min_field(&self) -> &'static str {
        match self.kind {
            ScalerKind::Hpa => "minReplicas",
            ScalerKind::ScaledObject => "minReplicaCount",
        }
    }

    pub fn max_field(&self) -> &'static str {
        match self.kind {
            ScalerKind::Hpa => "maxReplicas",
            ScalerKind::ScaledObject => "maxReplicaCount",
        }
    }
}

/// `updatePolicy.updateMode` of a VerticalPodAutoscaler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VpaMode {
    /// Recommends only.
    Off,
    /// Sets requests when a pod is created.
    Initial,
    /// Sets requests on new pods and evicts running ones to update them.
    Recreate,
    /// Deprecated alias of `Recreate`.
    Auto,
    /// Resizes running pods in place where it can, else evicts them.
    InPlaceOrRecreate,
}

impl VpaMode {
    fn read(text: &str) -> Option<Self> {
        Some(match text {
            "Off" => VpaMode::Off,
            "Initial" => VpaMode::Initial,
            "Recreate" => VpaMode::Recreate,
            "Auto" => VpaMode::Auto,
            "InPlaceOrRecreate" => VpaMode::InPlaceOrRecreate,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VpaMode::Off => "Off",
            VpaMode::Initial => "Initial",
            VpaMode::Recreate => "Recreate",
            VpaMode::Auto => "Auto",
            VpaMode::InPlaceOrRecreate => "InPlaceOrRecreate",
        }
    }
}

/// One entry of `resourcePolicy.containerPolicies`.
#[derive(Clone, Debug)]
pub struct VpaContainerPolicy {
    /// A container name, or `*` for every container without a policy of its own.
    pub container: Text,
    /// `mode: Off` leaves the container alone.
    pub off: bool,
    /// `controlledResources`; `None` when unset (cpu and memory). A list
    /// that cannot be read holds no resource, so nothing is assumed.
    pub controlled: Option<Vec<ResourceName>>,
}

/// A VerticalPodAutoscaler (`autoscaling.k8s.io` v1, v1beta2).
#[derive(Clone, Debug)]
pub struct Vpa {
    pub meta: ObjectMeta,
    pub namespace: Text,
    pub target: Option<TargetRef>,
    /// The `targetRef:` key, else the object's `kind:` key.
    pub target_span: Span,
    /// `updatePolicy.updateMode`; `Invalid` for a value that is no mode.
    pub mode: Val<VpaMode>,
    pub policies: Vec<VpaContainerPolicy>,
}

impl Vpa {
    pub fn display(&self) -> String {
        self.meta.display(&self.namespace)
    }

    /// Whether the VPA sets `resource` on a container: not when its policy
    /// (its own, else `*`) is `mode: Off` or leaves the resource out of
    /// `controlledResources`.
    pub fn controls(&self, container: &str, resource: ResourceName) -> bool {
        let policy = self
            .policies
            .iter()
            .find(|p| p.container == container)
            .or_else(|| self.policies.iter().find(|p| p.container == "*"));
        match policy {
            None => true,
            Some(p) if p.off => false,
            Some(p) => p
                .controlled
                .as_ref()
                .is_none_or(|list| list.contains(&resource)),
        }
    }
}

/// Reads a PDB, HPA, ScaledObject or VPA; `false` for any other kind.
pub fn extract(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId, facts: &mut Facts) -> bool {
    let group = super::group_of(&meta.api_version);
    match (group, meta.kind.as_str()) {
        ("policy", "PodDisruptionBudget") => {
            let spec = obj.get("spec");
            facts.pdbs.push(Pdb {
                meta: meta.clone(),
                namespace: Text::default(),
                selector: spec
                    .and_then(|s| s.get("selector"))
                    .filter(|s| !s.is_null())
                    .map(LabelSelector::read),
                beta: meta.api_version.ends_with("v1beta1"),
                min_available: spec.map_or(Val::Absent, |s| {
                    at_most_100(int_or_percent(s, "minAvailable", file))
                }),
                max_unavailable: spec.map_or(Val::Absent, |s| {
                    at_most_100(int_or_percent(s, "maxUnavailable", file))
                }),
            });
            true
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            facts.autoscalers.push(hpa(obj, meta, file));
            true
        }
        ("keda.sh", "ScaledObject") => {
            facts.autoscalers.push(scaled_object(obj, meta, file));
            true
        }
        ("autoscaling.k8s.io", "VerticalPodAutoscaler") => {
            facts.vpas.push(vpa(obj, meta, file));
            true
        }
        _ => false,
    }
}

/// The API rejects PDB percentages above 100.
fn at_most_100(v: Val<IntOrPercent>) -> Val<IntOrPercent> {
    match v {
        Val::Set(IntOrPercent::Percent(p), span) if p > 100 => Val::Invalid(span),
        other => other,
    }
}

fn target(spec: Option<Y<'_, '_>>, default_kind: Option<&str>) -> Option<TargetRef> {
    let t = spec?.get("scaleTargetRef")?;
    Some(TargetRef {
        group: t
            .get_str("apiVersion")
            .map(|a| Text::from(super::group_of(a))),
        kind: t.get_str("kind").or(default_kind)?.into(),
        name: t.get_str("name")?.into(),
    })
}

fn spec_key(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId) -> Span {
    obj.entry("spec")
        .map_or(meta.kind_span, |(k, _)| span(file, k))
}

fn target_span(spec: Option<Y<'_, '_>>, meta: &ObjectMeta, file: FileId) -> Span {
    spec.and_then(|s| s.entry("scaleTargetRef"))
        .map_or(meta.kind_span, |(k, _)| span(file, k))
}

fn behavior(b: Option<(Y<'_, '_>, Y<'_, '_>)>, file: FileId) -> (Option<Span>, Val<i64>) {
    match b.filter(|(_, v)| !v.is_null()) {
        None => (None, Val::Absent),
        Some((k, v)) => (
            Some(span(file, k)),
            v.get("scaleDown").map_or(Val::Absent, |d| {
                count(d, "stabilizationWindowSeconds", file)
            }),
        ),
    }
}

fn resource_name(name: Option<&str>) -> Option<ResourceName> {
    match name? {
        "cpu" => Some(ResourceName::Cpu),
        "memory" => Some(ResourceName::Memory),
        _ => None,
    }
}

fn hpa(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId) -> Autoscaler {
    let spec = obj.get("spec");
    let mut metrics = Vec::new();
    let v1 = meta.api_version == "autoscaling/v1";
    if let Some(s) = spec {
        if v1 && let Some((k, _)) = s.entry("targetCPUUtilizationPercentage") {
            metrics.push(Metric {
                source: "Resource".into(),
                resource: Some(ResourceName::Cpu),
                container: None,
                utilization: true,
                span: span(file, k),
                implicit: false,
                metadata: Vec::new(),
                metric_type: None,
            });
        }
        for m in s.get("metrics").into_iter().flat_map(|m| m.items()) {
            let source = Text::from(m.get_str("type").unwrap_or(""));
            let body = match source.as_str() {
                "Resource" => m.get("resource"),
                "ContainerResource" => m.get("containerResource"),
                _ => None,
            };
            let name_entry = body.and_then(|b| b.entry("name"));
            // v2: target.type; v2beta1: targetAverageUtilization.
            let utilization = body.is_some_and(|b| {
                b.path(&["target", "type"]).and_then(|t| t.as_text()) == Some("Utilization")
                    || b.get("targetAverageUtilization").is_some()
            });
            metrics.push(Metric {
                resource: resource_name(name_entry.and_then(|(_, v)| v.as_text())),
                container: body
                    .filter(|_| source == "ContainerResource")
                    .and_then(|b| b.get_str("container"))
                    .map(Text::from),
                utilization,
                span: name_entry.map_or_else(|| span(file, m), |(k, _)| span(file, k)),
                implicit: false,
                metadata: Vec::new(),
                metric_type: None,
                source,
            });
        }
    }
    // Without metrics, v2 HPAs (and v1 without a target) default to 80 % CPU.
    let written = spec.is_some_and(|s| {
        s.get("metrics").is_some_and(|m| m.items().next().is_some())
            || (v1 && s.get("targetCPUUtilizationPercentage").is_some())
    });
    if !written && spec.is_some() {
        metrics.push(Metric {
            source: "Resource".into(),
            resource: Some(ResourceName::Cpu),
            container: None,
            utilization: true,
            span: spec_key(obj, meta, file),
            implicit: true,
            metadata: Vec::new(),
            metric_type: None,
        });
    }
    let (behavior_key, scale_down_window) = behavior(spec.and_then(|s| s.entry("behavior")), file);
    Autoscaler {
        meta: meta.clone(),
        namespace: Text::default(),
        kind: ScalerKind::Hpa,
        target: target(spec, None),
        target_span: target_span(spec, meta, file),
        min: spec.map_or(Val::Absent, |s| count(s, "minReplicas", file)),
        max: spec.map_or(Val::Absent, |s| count(s, "maxReplicas", file)),
        metrics,
        metrics_key: spec
            .and_then(|s| s.entry("metrics"))
            .map(|(k, _)| span(file, k)),
        behavior_key,
        scale_down_window,
        spec_key: spec_key(obj, meta, file),
        cooldown: Val::Absent,
        idle_replicas: Val::Absent,
        http_addon: false,
    }
}

fn scaled_object(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId) -> Autoscaler {
    let spec = obj.get("spec");
    let mut metrics = Vec::new();
    let mut http_addon = false;
    for t in spec
        .and_then(|s| s.get("triggers"))
        .into_iter()
        .flat_map(|t| t.items())
    {
        let (type_key, kind) = match t.entry("type") {
            Some((k, v)) => (span(file, k), v.as_text().unwrap_or("").into()),
            None => (span(file, t), String::new()),
        };
        let metadata = t.get("metadata");
        let resource = resource_name(Some(kind.as_str()));
        // `metricType` replaced the deprecated `metadata.type`.
        let metric_type = t
            .get_str("metricType")
            .or_else(|| metadata.and_then(|m| m.get_str("type")));
        if kind.starts_with("external") {
            http_addon |= metadata
                .and_then(|m| m.get_str("scalerAddress"))
                .is_some_and(|a| a.contains("keda-add-ons-http") || a.contains("http-add-on"));
        }
        metrics.push(Metric {
            resource,
            container: metadata
                .and_then(|m| m.get_str("containerName"))
                .filter(|c| !c.is_empty())
                .map(Text::from),
            utilization: resource.is_some() && metric_type == Some("Utilization"),
            span: type_key,
            implicit: false,
            metadata: metadata
                .map(|m| {
                    m.entries()
                        .into_iter()
                        .filter_map(|(k, v)| {
                            Some((k.as_str()?.into(), v.as_str()?.into(), span(file, v)))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            metric_type: t.get_str("metricType").map(Text::from),
            source: kind.into(),
        });
    }
    let (behavior_key, scale_down_window) = behavior(
        spec.and_then(|s| s.path(&["advanced", "horizontalPodAutoscalerConfig"]))
            .and_then(|c| c.entry("behavior")),
        file,
    );
    Autoscaler {
        meta: meta.clone(),
        namespace: Text::default(),
        kind: ScalerKind::ScaledObject,
        target: target(spec, Some("Deployment")),
        target_span: target_span(spec, meta, file),
        min: spec.map_or(Val::Absent, |s| count(s, "minReplicaCount", file)),
        max: spec.map_or(Val::Absent, |s| count(s, "maxReplicaCount", file)),
        metrics,
        metrics_key: spec
            .and_then(|s| s.entry("triggers"))
            .map(|(k, _)| span(file, k)),
        behavior_key,
        scale_down_window,
        spec_key: spec_key(obj, meta, file),
        cooldown: spec.map_or(Val::Absent, |s| count(s, "cooldownPeriod", file)),
        idle_replicas: spec.map_or(Val::Absent, |s| count(s, "idleReplicaCount", file)),
        http_addon,
    }
}

fn vpa(obj: Y<'_, '_>, meta: &ObjectMeta, file: FileId) -> Vpa {
    let spec = obj.get("spec");
    let target_ref = spec.and_then(|s| s.entry("targetRef"));
    let target = target_ref.and_then(|(_, t)| {
        Some(TargetRef {
            group: t
                .get_str("apiVersion")
                .map(|a| Text::from(super::group_of(a))),
            kind: t.get_str("kind")?.into(),
            name: t.get_str("name")?.into(),
        })
    });
    let mode = match spec
        .and_then(|s| s.get("updatePolicy"))
        .and_then(|p| p.entry("updateMode"))
    {
        None => Val::Absent,
        Some((_, v)) if v.is_null() => Val::Absent,
        Some((k, v)) => match v.as_str().and_then(VpaMode::read) {
            // A collection or a number is no mode.
            Some(m) if !v.is_map() && !v.is_seq() => Val::Set(m, span(file, k)),
            _ => Val::Invalid(span(file, k)),
        },
    };
    let policies = spec
        .and_then(|s| s.path(&["resourcePolicy", "containerPolicies"]))
        .into_iter()
        .flat_map(|p| p.items())
        .filter_map(|p| {
            Some(VpaContainerPolicy {
                container: p.get_str("containerName")?.into(),
                off: p.get_str("mode") == Some("Off"),
                controlled: p.get("controlledResources").map(|list| {
                    list.items()
                        .filter_map(|r| resource_name(r.as_text()))
                        .collect()
                }),
            })
        })
        .collect();
    Vpa {
        meta: meta.clone(),
        namespace: Text::default(),
        target,
        target_span: target_ref.map_or(meta.kind_span, |(k, _)| span(file, k)),
        mode,
        policies,
    }
}
