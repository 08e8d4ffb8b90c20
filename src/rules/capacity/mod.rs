//! SL4xx: capacity across files.

pub mod consumers_exceed_partitions;
pub mod pgbouncer_pool_exceeds_max_connections;
pub mod pool_exceeds_max_connections;
