//! The rule registry: one flat table of codes, names, default severities and
//! docs, and the `RuleSet` that selection is resolved into before a run.
//!
//! A rule is one file under its family's folder with a `check` function, plus
//! `rules/<name>.toml` (embedded here) and `fixtures/<name>/`. A test fails if
//! a registered rule lacks its doc or fixtures, or a doc has no rule.

pub mod autoscaling;
pub mod capacity;
pub mod compose;
pub mod k8s;
pub mod proxy;
pub mod quorum;
pub mod replication;

use serde::Deserialize;

use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Severity};
use crate::model::Model;

/// Every rule this build knows. The order is the registry's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    ReadinessProbeMissing,
    LivenessEqualsReadiness,
    LivenessWithoutStartupGrace,
    ResourceRequestsMissing,
    MemoryLimitMissing,
    RollingUpdateStalled,
    PdbMissing,
    PdbBlocksEviction,
    ReplicasNotSpread,
    SingleReplica,
    TerminationGraceTooShort,
    VpaAndHpaSameMetric,
    HpaTargetMissing,
    ReplicasManagedByHpa,
    HpaMissingResourceRequests,
    HpaMinMaxInvalid,
    HpaSingleMinReplica,
    ScaleDownStabilizationTooShort,
    StabilizationWindowMissing,
    KedaDefaultsRisky,
    HpaMultipleForTarget,
    HpaMaxBelowReplicas,
    HpaDisabledByZeroReplicas,
    KedaScaleToZeroOnResourceOnly,
    AutoscaledConsensusMember,
    EvenQuorumMembers,
    SingleQuorumMember,
    SentinelQuorumUnreachable,
    SentinelQuorumBelowMajority,
    SentinelDownAfterTooLow,
    ClickhouseInternalReplicationMissing,
    ClickhouseShardSingleReplica,
    ReplicationFactorOne,
    MinInsyncReplicasUnsatisfiable,
    SentinelConfigShared,
    PdbAllowsQuorumLoss,
    PoolExceedsMaxConnections,
    ConsumersExceedPartitions,
    PgbouncerPoolExceedsMaxConnections,
    RedisClientsExceedMaxclients,
    UpstreamCapacityBelowReplicas,
    StandbyMaxConnectionsBelowPrimary,
    UpstreamKeepaliveIneffective,
    UpstreamSingleServer,
    UpstreamFailoverDisabled,
    NonstandardDirective,
    ProxyPinnedToSingleBackend,
    WebsocketUpgradeMissing,
    UpstreamHostnameResolvedOnce,
    GrpcThroughClusterip,
    NginxWorkerConnectionsLow,
    HaproxyServerWithoutCheck,
    HaproxyHttpchkWithoutCheck,
    HaproxyTimeoutsMissing,
    HaproxyMaxconnInconsistent,
    ComposeContainerNamePreventsScaling,
    ComposeFixedHostPortScaled,
    ComposeDependsOnNotReady,
    ComposeResourcesMissing,
    ParseError,
    FileSkipped,
    InvalidConfig,
    UnknownRuleInSuppression,
    UnusedSuppression,
    SuppressionExpired,
}

/// Rules that run only when selected by name, id or prefix (as ruff's
/// RUF100): not part of the default selection.
pub const OFF_BY_DEFAULT: &[Rule] = &[Rule::UnusedSuppression];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Stable,
    /// Retired: the code stays reserved and is never reused.
    #[allow(dead_code)]
    Removed,
}

/// How a rule runs.
#[derive(Clone, Copy)]
pub enum Check {
    /// Sees the whole model of the tree.
    Model(fn(&Model, &mut Findings)),
    /// Also reads the nginx configurations and HAProxy files. These rules run
    /// first; the proxy trees are then freed, before the other rules run.
    Proxies(fn(&Model, &Proxies, &mut Findings)),
    /// Reported by the pipeline itself (parse errors, skipped files).
    Pipeline,
    /// Reported while reading the config, before the run: it stops the run.
    Config,
    /// Reported by the suppress stage about suppressions themselves.
    Suppression,
}

pub struct RuleInfo {
    pub rule: Rule,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub status: Status,
    pub check: Check,
    /// The rule's `rules/<name>.toml`.
    pub doc_source: &'static str,
}

macro_rules! doc {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/",
            $name,
            ".toml"
        ))
    };
}

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        rule: Rule::ReadinessProbeMissing,
        code: "SL101",
        name: "readiness-probe-missing",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(k8s::readiness_probe_missing::check),
        doc_source: doc!("readiness-probe-missing"),
    },
    RuleInfo {
        rule: Rule::LivenessEqualsReadiness,
        code: "SL102",
        name: "liveness-equals-readiness",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(k8s::liveness_equals_readiness::check),
        doc_source: doc!("liveness-equals-readiness"),
    },
    RuleInfo {
        rule: Rule::LivenessWithoutStartupGrace,
        code: "SL103",
        name: "liveness-without-startup-grace",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::liveness_without_startup_grace::check),
        doc_source: doc!("liveness-without-startup-grace"),
    },
    RuleInfo {
        rule: Rule::ResourceRequestsMissing,
        code: "SL104",
        name: "resource-requests-missing",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(k8s::resource_requests_missing::check),
        doc_source: doc!("resource-requests-missing"),
    },
    RuleInfo {
        rule: Rule::MemoryLimitMissing,
        code: "SL105",
        name: "memory-limit-missing",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::memory_limit_missing::check),
        doc_source: doc!("memory-limit-missing"),
    },
    RuleInfo {
        rule: Rule::RollingUpdateStalled,
        code: "SL106",
        name: "rolling-update-stalled",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(k8s::rolling_update_stalled::check),
        doc_source: doc!("rolling-update-stalled"),
    },
    RuleInfo {
        rule: Rule::PdbMissing,
        code: "SL107",
        name: "pdb-missing",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::pdb_missing::check),
        doc_source: doc!("pdb-missing"),
    },
    RuleInfo {
        rule: Rule::PdbBlocksEviction,
        code: "SL108",
        name: "pdb-blocks-eviction",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(k8s::pdb_blocks_eviction::check),
        doc_source: doc!("pdb-blocks-eviction"),
    },
    RuleInfo {
        rule: Rule::ReplicasNotSpread,
        code: "SL109",
        name: "replicas-not-spread",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::replicas_not_spread::check),
        doc_source: doc!("replicas-not-spread"),
    },
    RuleInfo {
        rule: Rule::SingleReplica,
        code: "SL110",
        name: "single-replica",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::single_replica::check),
        doc_source: doc!("single-replica"),
    },
    RuleInfo {
        rule: Rule::TerminationGraceTooShort,
        code: "SL111",
        name: "termination-grace-too-short",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(k8s::termination_grace_too_short::check),
        doc_source: doc!("termination-grace-too-short"),
    },
    RuleInfo {
        rule: Rule::VpaAndHpaSameMetric,
        code: "SL112",
        name: "vpa-and-hpa-same-metric",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(k8s::vpa_and_hpa_same_metric::check),
        doc_source: doc!("vpa-and-hpa-same-metric"),
    },
    RuleInfo {
        rule: Rule::HpaTargetMissing,
        code: "SL201",
        name: "hpa-target-missing",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_target_missing::check),
        doc_source: doc!("hpa-target-missing"),
    },
    RuleInfo {
        rule: Rule::ReplicasManagedByHpa,
        code: "SL202",
        name: "replicas-managed-by-hpa",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::replicas_managed_by_hpa::check),
        doc_source: doc!("replicas-managed-by-hpa"),
    },
    RuleInfo {
        rule: Rule::HpaMissingResourceRequests,
        code: "SL203",
        name: "hpa-missing-resource-requests",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_missing_resource_requests::check),
        doc_source: doc!("hpa-missing-resource-requests"),
    },
    RuleInfo {
        rule: Rule::HpaMinMaxInvalid,
        code: "SL204",
        name: "hpa-min-max-invalid",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_min_max_invalid::check),
        doc_source: doc!("hpa-min-max-invalid"),
    },
    RuleInfo {
        rule: Rule::HpaSingleMinReplica,
        code: "SL205",
        name: "hpa-single-min-replica",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_single_min_replica::check),
        doc_source: doc!("hpa-single-min-replica"),
    },
    RuleInfo {
        rule: Rule::ScaleDownStabilizationTooShort,
        code: "SL206",
        name: "scale-down-stabilization-too-short",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::scale_down_stabilization_too_short::check),
        doc_source: doc!("scale-down-stabilization-too-short"),
    },
    RuleInfo {
        rule: Rule::StabilizationWindowMissing,
        code: "SL207",
        name: "stabilization-window-missing",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::stabilization_window_missing::check),
        doc_source: doc!("stabilization-window-missing"),
    },
    RuleInfo {
        rule: Rule::KedaDefaultsRisky,
        code: "SL208",
        name: "keda-defaults-risky",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::keda_defaults_risky::check),
        doc_source: doc!("keda-defaults-risky"),
    },
    RuleInfo {
        rule: Rule::HpaMultipleForTarget,
        code: "SL209",
        name: "hpa-multiple-for-target",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_multiple_for_target::check),
        doc_source: doc!("hpa-multiple-for-target"),
    },
    RuleInfo {
        rule: Rule::HpaMaxBelowReplicas,
        code: "SL210",
        name: "hpa-max-below-replicas",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_max_below_replicas::check),
        doc_source: doc!("hpa-max-below-replicas"),
    },
    RuleInfo {
        rule: Rule::HpaDisabledByZeroReplicas,
        code: "SL211",
        name: "hpa-disabled-by-zero-replicas",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(autoscaling::hpa_disabled_by_zero_replicas::check),
        doc_source: doc!("hpa-disabled-by-zero-replicas"),
    },
    RuleInfo {
        rule: Rule::KedaScaleToZeroOnResourceOnly,
        code: "SL212",
        name: "keda-scale-to-zero-on-resource-only",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::keda_scale_to_zero_on_resource_only::check),
        doc_source: doc!("keda-scale-to-zero-on-resource-only"),
    },
    RuleInfo {
        rule: Rule::AutoscaledConsensusMember,
        code: "SL213",
        name: "autoscaled-consensus-member",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(autoscaling::autoscaled_consensus_member::check),
        doc_source: doc!("autoscaled-consensus-member"),
    },
    RuleInfo {
        rule: Rule::EvenQuorumMembers,
        code: "SL301",
        name: "even-quorum-members",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(quorum::even_quorum_members::check),
        doc_source: doc!("even-quorum-members"),
    },
    RuleInfo {
        rule: Rule::SingleQuorumMember,
        code: "SL302",
        name: "single-quorum-member",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(quorum::single_quorum_member::check),
        doc_source: doc!("single-quorum-member"),
    },
    RuleInfo {
        rule: Rule::SentinelQuorumUnreachable,
        code: "SL303",
        name: "sentinel-quorum-unreachable",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(quorum::sentinel_quorum_unreachable::check),
        doc_source: doc!("sentinel-quorum-unreachable"),
    },
    RuleInfo {
        rule: Rule::SentinelQuorumBelowMajority,
        code: "SL304",
        name: "sentinel-quorum-below-majority",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(quorum::sentinel_quorum_below_majority::check),
        doc_source: doc!("sentinel-quorum-below-majority"),
    },
    RuleInfo {
        rule: Rule::SentinelDownAfterTooLow,
        code: "SL305",
        name: "sentinel-down-after-too-low",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(quorum::sentinel_down_after_too_low::check),
        doc_source: doc!("sentinel-down-after-too-low"),
    },
    RuleInfo {
        rule: Rule::ClickhouseInternalReplicationMissing,
        code: "SL306",
        name: "clickhouse-internal-replication-missing",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(quorum::clickhouse_internal_replication_missing::check),
        doc_source: doc!("clickhouse-internal-replication-missing"),
    },
    RuleInfo {
        rule: Rule::ClickhouseShardSingleReplica,
        code: "SL307",
        name: "clickhouse-shard-single-replica",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(quorum::clickhouse_shard_single_replica::check),
        doc_source: doc!("clickhouse-shard-single-replica"),
    },
    RuleInfo {
        rule: Rule::ReplicationFactorOne,
        code: "SL308",
        name: "replication-factor-one",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(replication::replication_factor_one::check),
        doc_source: doc!("replication-factor-one"),
    },
    RuleInfo {
        rule: Rule::MinInsyncReplicasUnsatisfiable,
        code: "SL309",
        name: "min-insync-replicas-unsatisfiable",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(replication::min_insync_replicas_unsatisfiable::check),
        doc_source: doc!("min-insync-replicas-unsatisfiable"),
    },
    RuleInfo {
        rule: Rule::SentinelConfigShared,
        code: "SL310",
        name: "sentinel-config-shared",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(quorum::sentinel_config_shared::check),
        doc_source: doc!("sentinel-config-shared"),
    },
    RuleInfo {
        rule: Rule::PdbAllowsQuorumLoss,
        code: "SL311",
        name: "pdb-allows-quorum-loss",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(quorum::pdb_allows_quorum_loss::check),
        doc_source: doc!("pdb-allows-quorum-loss"),
    },
    RuleInfo {
        rule: Rule::PoolExceedsMaxConnections,
        code: "SL401",
        name: "pool-exceeds-max-connections",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(capacity::pool_exceeds_max_connections::check),
        doc_source: doc!("pool-exceeds-max-connections"),
    },
    RuleInfo {
        rule: Rule::ConsumersExceedPartitions,
        code: "SL402",
        name: "consumers-exceed-partitions",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(capacity::consumers_exceed_partitions::check),
        doc_source: doc!("consumers-exceed-partitions"),
    },
    RuleInfo {
        rule: Rule::PgbouncerPoolExceedsMaxConnections,
        code: "SL403",
        name: "pgbouncer-pool-exceeds-max-connections",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(capacity::pgbouncer_pool_exceeds_max_connections::check),
        doc_source: doc!("pgbouncer-pool-exceeds-max-connections"),
    },
    RuleInfo {
        rule: Rule::RedisClientsExceedMaxclients,
        code: "SL404",
        name: "redis-clients-exceed-maxclients",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Model(capacity::redis_clients_exceed_maxclients::check),
        doc_source: doc!("redis-clients-exceed-maxclients"),
    },
    RuleInfo {
        rule: Rule::UpstreamCapacityBelowReplicas,
        code: "SL405",
        name: "upstream-capacity-below-replicas",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Proxies(capacity::upstream_capacity_below_replicas::check),
        doc_source: doc!("upstream-capacity-below-replicas"),
    },
    RuleInfo {
        rule: Rule::StandbyMaxConnectionsBelowPrimary,
        code: "SL406",
        name: "standby-max-connections-below-primary",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(capacity::standby_max_connections_below_primary::check),
        doc_source: doc!("standby-max-connections-below-primary"),
    },
    RuleInfo {
        rule: Rule::UpstreamKeepaliveIneffective,
        code: "SL501",
        name: "upstream-keepalive-ineffective",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::upstream_keepalive_ineffective::check),
        doc_source: doc!("upstream-keepalive-ineffective"),
    },
    RuleInfo {
        rule: Rule::UpstreamSingleServer,
        code: "SL502",
        name: "upstream-single-server",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::upstream_single_server::check),
        doc_source: doc!("upstream-single-server"),
    },
    RuleInfo {
        rule: Rule::UpstreamFailoverDisabled,
        code: "SL503",
        name: "upstream-failover-disabled",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::upstream_failover_disabled::check),
        doc_source: doc!("upstream-failover-disabled"),
    },
    RuleInfo {
        rule: Rule::NonstandardDirective,
        code: "SL504",
        name: "nonstandard-directive",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::nonstandard_directive::check),
        doc_source: doc!("nonstandard-directive"),
    },
    RuleInfo {
        rule: Rule::ProxyPinnedToSingleBackend,
        code: "SL505",
        name: "proxy-pinned-to-single-backend",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::proxy_pinned_to_single_backend::check),
        doc_source: doc!("proxy-pinned-to-single-backend"),
    },
    RuleInfo {
        rule: Rule::WebsocketUpgradeMissing,
        code: "SL506",
        name: "websocket-upgrade-missing",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Proxies(proxy::websocket_upgrade_missing::check),
        doc_source: doc!("websocket-upgrade-missing"),
    },
    RuleInfo {
        rule: Rule::UpstreamHostnameResolvedOnce,
        code: "SL507",
        name: "upstream-hostname-resolved-once",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Proxies(proxy::upstream_hostname_resolved_once::check),
        doc_source: doc!("upstream-hostname-resolved-once"),
    },
    RuleInfo {
        rule: Rule::GrpcThroughClusterip,
        code: "SL508",
        name: "grpc-through-clusterip",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(proxy::grpc_through_clusterip::check),
        doc_source: doc!("grpc-through-clusterip"),
    },
    RuleInfo {
        rule: Rule::NginxWorkerConnectionsLow,
        code: "SL509",
        name: "nginx-worker-connections-low",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Proxies(proxy::nginx_worker_connections_low::check),
        doc_source: doc!("nginx-worker-connections-low"),
    },
    RuleInfo {
        rule: Rule::HaproxyServerWithoutCheck,
        code: "SL510",
        name: "haproxy-server-without-check",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::haproxy_server_without_check::check),
        doc_source: doc!("haproxy-server-without-check"),
    },
    RuleInfo {
        rule: Rule::HaproxyHttpchkWithoutCheck,
        code: "SL511",
        name: "haproxy-httpchk-without-check",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::haproxy_httpchk_without_check::check),
        doc_source: doc!("haproxy-httpchk-without-check"),
    },
    RuleInfo {
        rule: Rule::HaproxyTimeoutsMissing,
        code: "SL512",
        name: "haproxy-timeouts-missing",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Proxies(proxy::haproxy_timeouts_missing::check),
        doc_source: doc!("haproxy-timeouts-missing"),
    },
    RuleInfo {
        rule: Rule::HaproxyMaxconnInconsistent,
        code: "SL513",
        name: "haproxy-maxconn-inconsistent",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Proxies(proxy::haproxy_maxconn_inconsistent::check),
        doc_source: doc!("haproxy-maxconn-inconsistent"),
    },
    RuleInfo {
        rule: Rule::ComposeContainerNamePreventsScaling,
        code: "SL601",
        name: "compose-container-name-prevents-scaling",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Proxies(compose::container_name_prevents_scaling::check),
        doc_source: doc!("compose-container-name-prevents-scaling"),
    },
    RuleInfo {
        rule: Rule::ComposeFixedHostPortScaled,
        code: "SL602",
        name: "compose-fixed-host-port-scaled",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Model(compose::fixed_host_port_scaled::check),
        doc_source: doc!("compose-fixed-host-port-scaled"),
    },
    RuleInfo {
        rule: Rule::ComposeDependsOnNotReady,
        code: "SL603",
        name: "compose-depends-on-not-ready",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(compose::depends_on_not_ready::check),
        doc_source: doc!("compose-depends-on-not-ready"),
    },
    RuleInfo {
        rule: Rule::ComposeResourcesMissing,
        code: "SL604",
        name: "compose-resources-missing",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Model(compose::resources_missing::check),
        doc_source: doc!("compose-resources-missing"),
    },
    RuleInfo {
        rule: Rule::ParseError,
        code: "SL901",
        name: "parse-error",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Pipeline,
        doc_source: doc!("parse-error"),
    },
    RuleInfo {
        rule: Rule::FileSkipped,
        code: "SL902",
        name: "file-skipped",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Pipeline,
        doc_source: doc!("file-skipped"),
    },
    RuleInfo {
        rule: Rule::InvalidConfig,
        code: "SL905",
        name: "invalid-config",
        severity: Severity::Error,
        status: Status::Stable,
        check: Check::Config,
        doc_source: doc!("invalid-config"),
    },
    RuleInfo {
        rule: Rule::UnknownRuleInSuppression,
        code: "SL903",
        name: "unknown-rule-in-suppression",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Suppression,
        doc_source: doc!("unknown-rule-in-suppression"),
    },
    RuleInfo {
        rule: Rule::UnusedSuppression,
        code: "SL904",
        name: "unused-suppression",
        severity: Severity::Note,
        status: Status::Stable,
        check: Check::Suppression,
        doc_source: doc!("unused-suppression"),
    },
    RuleInfo {
        rule: Rule::SuppressionExpired,
        code: "SL906",
        name: "suppression-expired",
        severity: Severity::Warning,
        status: Status::Stable,
        check: Check::Suppression,
        doc_source: doc!("suppression-expired"),
    },
];

impl Rule {
    pub fn info(self) -> &'static RuleInfo {
        let i = self as usize;
        match RULES.get(i) {
            Some(info) if info.rule == self => info,
            _ => RULES
                .iter()
                .find(|r| r.rule == self)
                .unwrap_or_else(|| unreachable!("every Rule has a registry entry")),
        }
    }

    pub fn code(self) -> &'static str {
        self.info().code
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a rule up by code (`SL101`) or name (`readiness-probe-missing`),
    /// case-insensitively.
    pub fn lookup(s: &str) -> Option<Rule> {
        let s = s.trim();
        RULES
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(s) || r.name.eq_ignore_ascii_case(s))
            .map(|r| r.rule)
    }

    pub fn doc(self) -> Result<RuleDoc, String> {
        toml::from_str(self.info().doc_source)
            .map_err(|e| format!("rules/{}.toml: {e}", self.name()))
    }
}

/// The fields of `rules/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub rationale: String,
    pub fix: String,
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    pub example_bad: String,
    pub example_good: String,
}

/// A set of rules, as a bitset over the registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleSet(u128);

impl RuleSet {
    pub fn all() -> Self {
        RULES.iter().fold(RuleSet(0), |s, r| s.with(r.rule))
    }

    pub fn empty() -> Self {
        RuleSet(0)
    }

    /// What runs when nothing is selected: every rule but those off by default.
    pub fn default_set() -> Self {
        OFF_BY_DEFAULT
            .iter()
            .fold(RuleSet::all(), |s, r| s.without(*r))
    }

    pub fn with(self, rule: Rule) -> Self {
        RuleSet(self.0 | 1u128 << (rule as u32 % 128))
    }

    pub fn without(self, rule: Rule) -> Self {
        RuleSet(self.0 & !(1u128 << (rule as u32 % 128)))
    }

    pub fn contains(self, rule: Rule) -> bool {
        self.0 & (1u128 << (rule as u32 % 128)) != 0
    }

    pub fn union(self, other: RuleSet) -> Self {
        RuleSet(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Rule> {
        RULES
            .iter()
            .map(|r| r.rule)
            .filter(move |r| self.contains(*r))
    }
}

/// Resolves one selector: a code (`SL101`), a name, a code prefix (`SL1`,
/// `SL10`) or `ALL`. `None` when it names nothing.
pub fn resolve_selector(selector: &str) -> Option<RuleSet> {
    let s = selector.trim();
    if s.eq_ignore_ascii_case("all") {
        return Some(RuleSet::all());
    }
    if let Some(rule) = Rule::lookup(s) {
        return Some(RuleSet::empty().with(rule));
    }
    let upper = s.to_ascii_uppercase();
    let is_prefix = upper.len() >= 2
        && upper.starts_with("SL")
        && upper.len() < 5
        && upper.bytes().skip(2).all(|b| b.is_ascii_digit());
    if !is_prefix {
        return None;
    }
    let set = RULES
        .iter()
        .filter(|r| r.code.starts_with(&upper))
        .fold(RuleSet::empty(), |s, r| s.with(r.rule));
    // A well-formed prefix of a family with no rules yet selects nothing, and says so.
    (set != RuleSet::empty()).then_some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_order_matches_enum() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.rule as usize, i, "{} is out of order", r.code);
        }
        assert!(RULES.len() <= 128);
    }

    #[test]
    fn every_doc_parses_and_matches_its_entry() {
        for r in RULES {
            let doc = r.rule.doc().unwrap();
            assert_eq!(doc.id, r.code);
            assert_eq!(doc.name, r.name);
            assert_eq!(doc.severity, r.severity, "{}", r.code);
            for (field, text) in [
                ("summary", &doc.summary),
                ("rationale", &doc.rationale),
                ("fix", &doc.fix),
                ("example_bad", &doc.example_bad),
                ("example_good", &doc.example_good),
            ] {
                assert!(!text.trim().is_empty(), "{}: empty {field}", r.code);
            }
            assert!(
                doc.fix.trim_end().ends_with('.'),
                "{}: fix must end with a period",
                r.code
            );
            assert!(!doc.sources.is_empty(), "{}: no source", r.code);
            assert!(
                doc.sources.iter().all(|s| s.starts_with("https://")),
                "{}",
                r.code
            );
            assert!(
                doc.rationale.contains("Known problems"),
                "{}: rationale lacks Known problems",
                r.code
            );
            assert!(doc.tags.len() <= 20);
        }
    }

    #[test]
    fn selectors() {
        assert_eq!(
            resolve_selector("SL101"),
            Some(RuleSet::empty().with(Rule::ReadinessProbeMissing))
        );
        assert_eq!(
            resolve_selector("readiness-probe-missing"),
            resolve_selector("sl101")
        );
        let sl1 = resolve_selector("SL1").unwrap();
        assert!(
            sl1.contains(Rule::ReadinessProbeMissing)
                && sl1.contains(Rule::ResourceRequestsMissing)
        );
        assert!(!sl1.contains(Rule::ParseError));
        assert_eq!(resolve_selector("SL7"), None);
        assert_eq!(resolve_selector("nonsense"), None);
        assert_eq!(resolve_selector("ALL"), Some(RuleSet::all()));
    }

    #[test]
    fn unused_suppression_is_off_by_default_but_selectable() {
        assert!(!RuleSet::default_set().contains(Rule::UnusedSuppression));
        assert!(RuleSet::default_set().contains(Rule::UnknownRuleInSuppression));
        assert!(
            resolve_selector("SL9")
                .unwrap()
                .contains(Rule::UnusedSuppression)
        );
        assert!(
            resolve_selector("SL904")
                .unwrap()
                .contains(Rule::UnusedSuppression)
        );
    }
}
