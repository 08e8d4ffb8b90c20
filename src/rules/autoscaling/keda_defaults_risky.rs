//! SL208 keda-defaults-risky. Docs: rules/keda-defaults-risky.toml

use crate::extract::Val;
use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Count;

/// KEDA's `maxReplicaCount` when unset.
const KEDA_DEFAULT_MAX: i64 = 100;

/// Below this many seconds scale-to-zero follows every pause in the events.
const MIN_COOLDOWN_SECONDS: i64 = 60;

pub struct KedaDefaultsRisky {
    scaled_object: String,
    risk: Risk,
}

enum Risk {
    /// No `maxReplicaCount`: KEDA's default applies.
    DefaultMax { workload: Option<String> },
    /// A short `cooldownPeriod` while KEDA scales to zero or to the idle count.
    ShortCooldown {
        seconds: i64,
        floor: String,
        to: i64,
    },
}

impl Violation for KedaDefaultsRisky {
    const RULE: Rule = Rule::KedaDefaultsRisky;

    fn message(&self) -> String {
        let so = &self.scaled_object;
        match &self.risk {
            Risk::DefaultMax { workload } => {
                let target = workload.as_deref().unwrap_or("its target");
                format!(
                    "{so} sets no maxReplicaCount, so KEDA's default {KEDA_DEFAULT_MAX} applies and {target} can grow to {KEDA_DEFAULT_MAX} pods: a burst of events or a stuck metric can open more connections and consumers than the databases, brokers and quotas downstream take"
                )
            }
            Risk::ShortCooldown { seconds, floor, to } => format!(
                "{so} has cooldownPeriod {seconds} (below {MIN_COOLDOWN_SECONDS}; the default is 300) while {floor}: KEDA scales it down to {to} pods {seconds} s after the last active trigger, so every pause in the events costs a cold start and the pods flap"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self.risk {
            Risk::DefaultMax { .. } => {
                "set maxReplicaCount to the most pods the workload and everything it connects to can take".to_string()
            }
            Risk::ShortCooldown { .. } => format!(
                "set cooldownPeriod to at least {MIN_COOLDOWN_SECONDS} (300 is KEDA's default), or keep a warm pod with minReplicaCount 1"
            ),
        })
    }

    fn subject(&self) -> String {
        match self.risk {
            Risk::DefaultMax { .. } => format!("{}/maxReplicaCount", self.scaled_object),
            Risk::ShortCooldown { .. } => format!("{}/cooldownPeriod", self.scaled_object),
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (ai, a) in model.autoscalers.iter().enumerate() {
        if a.kind != ScalerKind::ScaledObject {
            continue;
        }
        if a.max.is_absent() {
            let workload = model
                .autoscaler_targets
                .get(ai)
                .copied()
                .flatten()
                .and_then(|wi| model.workloads.get(wi))
                .map(|w| w.display());
            let v = KedaDefaultsRisky {
                scaled_object: a.display(),
                risk: Risk::DefaultMax { workload },
            };
            out.report(v, a.spec_key);
        }
        if let Val::Set(seconds, at) = a.cooldown
            && seconds < MIN_COOLDOWN_SECONDS
            && let Some((to, floor)) = scale_to_floor(a)
        {
            let v = KedaDefaultsRisky {
                scaled_object: a.display(),
                risk: Risk::ShortCooldown { seconds, floor, to },
            };
            out.report(v, at);
        }
    }
}

/// When the cooldown governs anything: KEDA scales to zero (minReplicaCount
/// 0, the default) or to `idleReplicaCount`. With a minimum of 1 or more and
/// no idle count, scale-down is the HPA's behavior and the cooldown is unused.
fn scale_to_floor(a: &Autoscaler) -> Option<(i64, String)> {
    if let Val::Set(idle, _) = a.idle_replicas {
        return Some((idle, format!("idleReplicaCount is {idle}")));
    }
    let min = Count::of(&a.min, Some(a.default_min()))?;
    let default = if min.default { " (default)" } else { "" };
    (min.value == 0).then(|| (0, format!("{} is 0{default}", a.min_field())))
}
