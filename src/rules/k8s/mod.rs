//! SL1xx: Kubernetes workloads.

pub mod liveness_equals_readiness;
pub mod liveness_without_startup_grace;
pub mod memory_limit_missing;
pub mod pdb_blocks_eviction;
pub mod pdb_missing;
pub mod readiness_probe_missing;
pub mod replicas_not_spread;
pub mod resource_requests_missing;
pub mod rolling_update_stalled;
pub mod single_replica;
pub mod termination_grace_too_short;
pub mod vpa_and_hpa_same_metric;

use crate::extract::Val;
use crate::model::{Envelope, Source};

/// `3 replicas (spec.replicas)`, `1 replica (spec.replicas, default)` or
/// `2 to 10 replicas (minReplicas and maxReplicas of HorizontalPodAutoscaler shop/api)`.
pub(crate) fn describe_envelope(e: &Envelope) -> String {
    let (min, max) = (e.min.value, e.max.value);
    let short = |s: &Source| match s {
        Source::Field { field, .. } => field.to_string(),
        Source::Default { field, .. } => format!("{field}, default"),
    };
    let owner = |s: &Source| match s {
        Source::Field { object, .. } | Source::Default { object, .. } => object.clone(),
    };
    if min == max && e.autoscaler.is_none() {
        let noun = if min == 1 { "replica" } else { "replicas" };
        return format!("{min} {noun} ({})", short(&e.min.source));
    }
    format!(
        "{min} to {max} replicas ({} and {} of {})",
        short(&e.min.source),
        short(&e.max.source),
        owner(&e.max.source)
    )
}

/// `1 replica (spec.replicas of Deployment shop/api, default)`.
pub(crate) fn replicas_text(n: i64, source: &Source) -> String {
    let noun = if n == 1 { "replica" } else { "replicas" };
    format!("{n} {noun} ({})", source.describe())
}

/// `30 (default)` or `45`: a number and whether it was written.
pub(crate) fn value_or_default(v: &Val<i64>, default: i64) -> Option<(i64, &'static str)> {
    match v {
        Val::Absent => Some((default, " (default)")),
        Val::Set(n, _) => Some((*n, "")),
        Val::Invalid(_) => None,
    }
}
