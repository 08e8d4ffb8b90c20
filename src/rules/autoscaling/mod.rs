//! SL2xx: autoscaling (HPA, KEDA).

pub mod hpa_max_below_replicas;
pub mod hpa_min_max_invalid;
pub mod hpa_missing_resource_requests;
pub mod hpa_multiple_for_target;
pub mod hpa_single_min_replica;
pub mod hpa_target_missing;
pub mod keda_defaults_risky;
pub mod replicas_managed_by_hpa;
pub mod scale_down_stabilization_too_short;
pub mod stabilization_window_missing;
