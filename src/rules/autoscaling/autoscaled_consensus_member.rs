//! SL213 autoscaled-consensus-member. Docs: rules/autoscaled-consensus-member.toml

use crate::extract::k8s::Container;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::rules::quorum::{System, container_system, recognise};
use crate::source::Span;

use super::{Count, range};

pub struct AutoscaledConsensusMember {
    autoscaler: String,
    workload: String,
    range: String,
    system: System,
    container: String,
    /// `image zookeeper:3.9`, `image redis:7 run as redis-server … --sentinel`, ….
    evidence: String,
}

impl Violation for AutoscaledConsensusMember {
    const RULE: Rule = Rule::AutoscaledConsensusMember;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            workload,
            range,
            system,
            container,
            evidence,
        } = self;
        format!(
            "{autoscaler} scales {workload} {range}, but its pods are members of a {} (container `{container}`, {evidence}): pods removed by a scale-in usually stay configured as voters that are down and pods added may never join, so each scale event moves the group away from the majority it needs, and once a majority is unreachable {}",
            system.group_noun(),
            system.loss()
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "remove the autoscaler and set a fixed, odd spec.replicas; change the member count deliberately, with the system's own reconfiguration procedure"
                .to_string(),
        )
    }

    fn subject(&self) -> String {
        format!("{}/scaleTargetRef", self.autoscaler)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (ai, a) in model.autoscalers.iter().enumerate() {
        let Some(w) = model
            .autoscaler_targets
            .get(ai)
            .copied()
            .flatten()
            .and_then(|wi| model.workloads.get(wi))
        else {
            continue;
        };
        // Bounds that are equal pin the count: no scale event ever happens.
        let min = Count::of(&a.min, Some(a.default_min()));
        let max = Count::of(&a.max, a.default_max());
        if let (Some(min), Some(max)) = (min, max)
            && min.value == max.value
            && a.idle_replicas.is_absent()
        {
            continue;
        }
        let Some((c, system, evidence, evidence_at)) = w
            .pod
            .running_containers()
            .find_map(|c| member(c).map(|(s, e, at)| (c, s, e, at)))
        else {
            continue;
        };
        let v = AutoscaledConsensusMember {
            autoscaler: a.display(),
            workload: w.display(),
            range: range(a),
            system,
            container: c.name.to_string(),
            evidence: evidence.clone(),
        };
        let finding = out.report(v, a.target_span);
        finding.related(
            evidence_at.unwrap_or(c.name_span),
            format!(
                "container `{}` of {} runs a {} member: {evidence}",
                c.name,
                w.display(),
                system.group_noun()
            ),
        );
    }
}

/// The consensus system a container runs, as the quorum rules recognise it,
/// with what gave it away and where.
fn member(c: &Container) -> Option<(System, String, Option<Span>)> {
    let system = container_system(c)?;
    let image = c.image_name().unwrap_or("");
    let image_at = c.image.as_ref().map(|(_, s)| *s);
    let by_image = recognise(image, &[], &|_| None) == Some(system);
    let shown_image = if image.is_empty() {
        "no image".to_string()
    } else {
        format!("image `{image}`")
    };
    let evidence = match system {
        _ if by_image => shown_image,
        System::KafkaController => {
            let (name, roles, at) = ["KAFKA_PROCESS_ROLES", "KAFKA_CFG_PROCESS_ROLES"]
                .iter()
                .find_map(|k| c.literal_env(k).map(|(v, at)| (*k, v, at)))?;
            return Some((
                system,
                format!("{shown_image} with {name}={roles}"),
                Some(at),
            ));
        }
        System::Patroni => format!("{shown_image} with Patroni's raft configured (PATRONI_RAFT_*)"),
        _ => format!("{shown_image} started with `{}`", c.argv().join(" ")),
    };
    Some((system, evidence, image_at))
}
