//! SL1xx: Kubernetes workloads.

pub mod readiness_probe_missing;
pub mod resource_requests_missing;
