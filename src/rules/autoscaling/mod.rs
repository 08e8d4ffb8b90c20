//! SL2xx: autoscaling (HPA, KEDA).

pub mod autoscaled_consensus_member;
pub mod hpa_disabled_by_zero_replicas;
pub mod hpa_max_below_replicas;
pub mod hpa_min_max_invalid;
pub mod hpa_missing_resource_requests;
pub mod hpa_multiple_for_target;
pub mod hpa_single_min_replica;
pub mod hpa_target_missing;
pub mod keda_defaults_risky;
pub mod keda_scale_to_zero_on_resource_only;
pub mod replicas_managed_by_hpa;
pub mod scale_down_stabilization_too_short;
pub mod stabilization_window_missing;

use crate::extract::Val;
use crate::extract::autoscaling::Autoscaler;

/// A replica bound as a message states it: its value and whether it was
/// written or is the documented default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count {
    pub value: i64,
    pub default: bool,
}

impl Count {
    /// The field's value, or `default` when it is absent; `None` when it is
    /// invalid or absent without a default (the rule then stays silent).
    pub fn of(val: &Val<i64>, default: Option<i64>) -> Option<Count> {
        match *val {
            Val::Set(value, _) => Some(Count {
                value,
                default: false,
            }),
            Val::Absent => default.map(|value| Count {
                value,
                default: true,
            }),
            Val::Invalid(_) => None,
        }
    }

    /// `minReplicas 3` or `minReplicas 1 (default)`.
    pub fn describe(self, field: &str) -> String {
        if self.default {
            format!("{field} {} (default)", self.value)
        } else {
            format!("{field} {}", self.value)
        }
    }
}

/// `between minReplicas 2 and maxReplicas 10`, defaults marked.
pub(crate) fn range(a: &Autoscaler) -> String {
    let min = Count::of(&a.min, Some(a.default_min()));
    let max = Count::of(&a.max, a.default_max());
    match (min, max) {
        (Some(min), Some(max)) => format!(
            "between {} and {}",
            min.describe(a.min_field()),
            max.describe(a.max_field())
        ),
        (Some(min), None) => format!("from {}", min.describe(a.min_field())),
        (None, Some(max)) => format!("up to {}", max.describe(a.max_field())),
        (None, None) => "within bounds that cannot be read".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Pos, Span};

    #[test]
    fn counts_say_where_they_come_from() {
        let at = Span::new(FileId(0), Pos::START, Pos::START);
        assert_eq!(
            Count::of(&Val::Set(3, at), Some(1)).map(|c| c.describe("minReplicas")),
            Some("minReplicas 3".to_string())
        );
        assert_eq!(
            Count::of(&Val::Absent, Some(100)).map(|c| c.describe("maxReplicaCount")),
            Some("maxReplicaCount 100 (default)".to_string())
        );
        assert_eq!(Count::of(&Val::Absent, None), None);
        assert_eq!(Count::of(&Val::Invalid(at), Some(1)), None);
    }
}
