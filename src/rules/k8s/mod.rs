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
