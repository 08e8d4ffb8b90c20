//! The consensus groups of a tree, found once for every rule: Kubernetes
//! workloads and compose services of recognised images, operator resources,
//! zoo.cfg `server.N` lines, ClickHouse Keeper raft groups and `<zookeeper>`
//! node lists. A group seen through several files is one group, reported
//! at the place that sets its size with the other places as related
//! locations.

use std::collections::HashSet;
use std::sync::Arc;

use crate::extract::Val;
use crate::extract::compose::{self, Service as ComposeService};
use crate::extract::k8s::{Container, Workload, WorkloadKind};
use crate::extract::zookeeper;
use crate::model::{Model, Source};
use crate::source::{FileId, Span};

use super::config_maps_of;

/// A kind of consensus system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum System {
    ZooKeeper,
    Etcd,
    Consul,
    Keeper,
    RabbitMq,
    Patroni,
    KafkaController,
    Sentinel,
}

impl System {
    /// What the group is called in messages.
    pub fn group_noun(self) -> &'static str {
        match self {
            System::ZooKeeper => "ZooKeeper ensemble",
            System::Etcd => "etcd cluster",
            System::Consul => "Consul server group",
            System::Keeper => "ClickHouse Keeper raft group",
            System::RabbitMq => "RabbitMQ cluster",
            System::Patroni => "Patroni raft group",
            System::KafkaController => "Kafka KRaft controller quorum",
            System::Sentinel => "Redis Sentinel group",
        }
    }

    /// What stops when the quorum is lost.
    pub fn loss(self) -> &'static str {
        match self {
            System::ZooKeeper => {
                "ZooKeeper stops serving, and every client (Kafka, ClickHouse replication) with it"
            }
            System::Etcd => "etcd stops accepting writes",
            System::Consul => "Consul cannot elect a leader or accept writes",
            System::Keeper => "Keeper stops, and with it replicated inserts and ON CLUSTER DDL",
            System::RabbitMq => "quorum queues become unavailable",
            System::Patroni => "Patroni cannot elect a leader",
            System::KafkaController => {
                "the Kafka cluster cannot change its metadata or elect partition leaders"
            }
            System::Sentinel => "no failover can be authorised",
        }
    }
}

/// Where a group's size comes from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A Kubernetes workload (index into the model's workloads).
    Workload(usize),
    /// Compose services of one file.
    Compose(FileId),
    ZooCfg(FileId),
    /// A ClickHouse config's `<zookeeper>` list.
    ZookeeperList(FileId),
    KeeperRaft(FileId),
    /// An operator resource (Strimzi).
    Operator,
}

/// One consensus group.
#[derive(Clone, Debug)]
pub struct Group {
    pub system: System,
    /// `ZooKeeper ensemble StatefulSet data/zk`, `the ZooKeeper ensemble of this zoo.cfg`, …
    pub name: String,
    pub voters: i64,
    /// Where the count comes from, for messages.
    pub source: String,
    /// Where findings point: the replicas key, the first member, the first service.
    pub span: Span,
    pub related: Vec<(Span, String)>,
    pub origin: Origin,
    /// Names by which clients reach the members.
    pub hosts: Vec<String>,
}

impl Group {
    pub fn file(&self) -> FileId {
        self.span.file
    }
}

/// The system a container runs, from its image and command words.
pub fn recognise(
    image: &str,
    argv: &[&str],
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<System> {
    let words: Vec<&str> = argv.iter().flat_map(|a| a.split_whitespace()).collect();
    let has = |w: &str| words.iter().any(|x| x.rsplit('/').next() == Some(w));
    let repo = image.split('@').next().unwrap_or(image);
    let repo = match repo.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repo,
    };
    let name = repo.rsplit('/').next().unwrap_or(repo).to_ascii_lowercase();
    if [
        "exporter",
        "operator",
        "navigator",
        "client",
        "-ui",
        "proxy",
        "-cli",
    ]
    .iter()
    .any(|x| name.contains(x))
    {
        return None;
    }
    let sentinel_command = has("redis-sentinel")
        || has("valkey-sentinel")
        || ((has("redis-server") || has("valkey-server")) && words.contains(&"--sentinel"));
    if sentinel_command || name.contains("redis-sentinel") || name.contains("valkey-sentinel") {
        return Some(System::Sentinel);
    }
    if name.contains("clickhouse-keeper") {
        return Some(System::Keeper);
    }
    if name.contains("zookeeper") {
        return Some(System::ZooKeeper);
    }
    if name == "etcd" || name.starts_with("etcd-") {
        return Some(System::Etcd);
    }
    if name.contains("consul") {
        // Only server agents vote; client agents do not.
        let server = words.iter().any(|w| {
            *w == "-server"
                || *w == "--server"
                || w.starts_with("-server=true")
                || w.starts_with("-bootstrap-expect")
        });
        return server.then_some(System::Consul);
    }
    if name.contains("rabbitmq") {
        return Some(System::RabbitMq);
    }
    if name.contains("spilo") || name.contains("patroni") {
        // Patroni nodes are database replicas; only Patroni's own raft votes.
        let raft =
            env("PATRONI_RAFT_SELF_ADDR").is_some() || env("PATRONI_RAFT_PARTNER_ADDRS").is_some();
        return raft.then_some(System::Patroni);
    }
    if name.contains("kafka") {
        let roles = env("KAFKA_PROCESS_ROLES").or_else(|| env("KAFKA_CFG_PROCESS_ROLES"))?;
        return roles
            .split(',')
            .any(|r| r.trim() == "controller")
            .then_some(System::KafkaController);
    }
    None
}

/// The system a Kubernetes container runs, from its image, its `command`
/// and `args`, and its literal `env` values.
pub fn container_system(c: &Container) -> Option<System> {
    let env = |k: &str| c.literal_env(k).map(|(v, _)| v.to_string());
    recognise(c.image_name().unwrap_or(""), &c.argv(), &env)
}

/// The system a Kubernetes workload runs, from its containers.
pub(super) fn workload_system(w: &Workload) -> Option<System> {
    w.pod.running_containers().find_map(container_system)
}

/// The member list a workload's containers are started with.
struct MemberList {
    /// The list as written, to tell whether workloads share it.
    text: String,
    voters: i64,
    /// `ETCD_INITIAL_CLUSTER lists 3 members`.
    describe: String,
    span: Span,
}

fn member_list(w: &Workload) -> Option<MemberList> {
    w.pod.running_containers().find_map(|c| {
        let env = |k: &str| c.literal_env(k).map(|(v, at)| ((), v.to_string(), at));
        if let Some((_, v, at)) = env("ZOO_SERVERS") {
            let (voters, observers) = zookeeper::zoo_servers_env(&v);
            let extra = if observers > 0 {
                format!(", {observers} observer(s)")
            } else {
                String::new()
            };
            return Some(MemberList {
                text: v.clone(),
                voters: i64::try_from(voters).ok()?,
                describe: format!("ZOO_SERVERS lists {voters} voter(s){extra}"),
                span: at,
            });
        }
        if let Some((_, v, at)) = env("ETCD_INITIAL_CLUSTER") {
            let n = zookeeper::etcd_initial_cluster(&v);
            return Some(MemberList {
                text: v.clone(),
                voters: i64::try_from(n).ok()?,
                describe: format!("ETCD_INITIAL_CLUSTER lists {n} member(s)"),
                span: at,
            });
        }
        for key in [
            "KAFKA_CONTROLLER_QUORUM_VOTERS",
            "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS",
        ] {
            if let Some((_, v, at)) = env(key) {
                let n = v.split(',').filter(|e| e.contains('@')).count();
                return Some(MemberList {
                    text: v.clone(),
                    voters: i64::try_from(n).ok()?,
                    describe: format!("{key} lists {n} voter(s)"),
                    span: at,
                });
            }
        }
        let argv = crate::model::capacity::command_words(c);
        let v = zookeeper::flag_value(&argv, "--initial-cluster")?;
        let n = zookeeper::etcd_initial_cluster(v);
        Some(MemberList {
            text: v.to_string(),
            voters: i64::try_from(n).ok()?,
            describe: format!("--initial-cluster lists {n} member(s)"),
            span: c.name_span,
        })
    })
}

/// The system a compose service runs.
pub fn service_system(s: &ComposeService) -> Option<System> {
    let argv: Vec<&str> = s.argv().collect();
    let env = |k: &str| s.env(k).map(|v| v.text.clone());
    recognise(
        s.image.as_ref().map_or("", |i| i.text.as_str()),
        &argv,
        &env,
    )
}

/// The consensus groups of a tree.
pub struct Groups(Vec<Group>);

impl std::ops::Deref for Groups {
    type Target = [Group];
    fn deref(&self) -> &[Group] {
        &self.0
    }
}

/// Every consensus group of the tree, found by the first rule that asks and
/// shared with the others. Sentinels that run with a sentinel.conf of the
/// tree are left out: they are judged with that file (see `sentinels`).
pub fn groups(model: &Model) -> Arc<Groups> {
    model.derived(|m| Groups(find(m)))
}

fn find(model: &Model) -> Vec<Group> {
    let mut out = Vec::new();
    // Workloads of one system that carry the same member list (one
    // Deployment per etcd member, say) are one group of that list's size.
    let mut shared: Vec<(System, String, String, Vec<usize>)> = Vec::new();
    let mut single = Vec::new();
    for (wi, w) in model.indexed_workloads() {
        if !matches!(
            w.kind,
            WorkloadKind::StatefulSet | WorkloadKind::Deployment | WorkloadKind::ReplicaSet
        ) {
            continue;
        }
        let Some(system) = workload_system(w) else {
            continue;
        };
        // Sentinels with a sentinel.conf of the tree are judged with it.
        if system == System::Sentinel
            && model.redis.iter().filter(|c| c.sentinel).any(|c| {
                config_maps_of(model, c)
                    .iter()
                    .any(|(_, cm)| w.pod.config_map_volumes().any(|v| v == cm.as_str()))
            })
        {
            continue;
        }
        match member_list(w) {
            Some(list) => match shared
                .iter_mut()
                .find(|(s, ns, l, _)| *s == system && *ns == w.namespace && *l == list.text)
            {
                Some((_, _, _, members)) => members.push(wi),
                None => shared.push((system, w.namespace.to_string(), list.text, vec![wi])),
            },
            None => single.push((wi, system)),
        }
    }
    for (system, _, _, members) in &shared {
        if let [wi] = members.as_slice() {
            single.push((*wi, *system));
            continue;
        }
        let mut ws = members
            .iter()
            .filter_map(|&wi| Some((wi, model.workloads.get(wi)?)));
        let Some((first_i, first)) = ws.next() else {
            continue;
        };
        let Some(list) = member_list(first) else {
            continue;
        };
        let names: Vec<String> = members
            .iter()
            .filter_map(|&wi| model.workloads.get(wi).map(|w| w.meta.name.to_string()))
            .collect();
        out.push(Group {
            system: *system,
            name: format!(
                "{} of {} workloads ({})",
                system.group_noun(),
                members.len(),
                names.join(", ")
            ),
            voters: list.voters,
            source: format!("{} in each of them", list.describe),
            span: list.span,
            related: ws
                .map(|(_, w)| {
                    (
                        w.meta.kind_span,
                        format!("{} carries the same member list", w.display()),
                    )
                })
                .collect(),
            origin: Origin::Workload(first_i),
            hosts: names,
        });
    }
    single.sort_by_key(|(wi, _)| *wi);
    for (wi, system) in single {
        let Some(w) = model.workloads.get(wi) else {
            continue;
        };
        // An autoscaled group has no fixed size (SL213's concern).
        let Some(e) = model.envelope(wi) else {
            continue;
        };
        if e.autoscaler.is_some() || e.min.value != e.max.value {
            continue;
        }
        let span = match (&e.max.source, w.replicas) {
            (Source::Field { span, .. }, _) => *span,
            (_, Val::Set(_, span)) => span,
            _ => w.meta.kind_span,
        };
        let source = match &e.max.source {
            Source::Field { field, .. } => format!("{field} {}", e.max.value),
            Source::Default { field, .. } => format!("{field} unset, default {}", e.max.value),
        };
        out.push(Group {
            system,
            name: format!("{} {}", system.group_noun(), w.display()),
            voters: e.max.value,
            source,
            span,
            related: Vec::new(),
            origin: Origin::Workload(wi),
            hosts: vec![w.meta.name.to_string()],
        });
    }
    compose_groups(model, &mut out);
    for o in &model.consensus_objects {
        let system = match o.system {
            "zookeeper" => System::ZooKeeper,
            "keeper" => System::Keeper,
            _ => System::KafkaController,
        };
        out.push(Group {
            system,
            name: format!("{} {}", system.group_noun(), o.name),
            voters: o.voters,
            source: format!("replicas {}", o.voters),
            span: o.span,
            related: Vec::new(),
            origin: Origin::Operator,
            hosts: Vec::new(),
        });
    }
    for cfg in &model.zoo_cfgs {
        let voters: Vec<&zookeeper::Server> = cfg.voters().collect();
        let Some(first) = voters.first() else {
            continue;
        };
        let observers = cfg.servers.len() - voters.len();
        let source = if observers > 0 {
            format!(
                "{} server.N lines, {observers} of them observers",
                cfg.servers.len()
            )
        } else {
            format!("{} server.N lines", cfg.servers.len())
        };
        // A zoo.cfg of servers that a workload or compose group runs is
        // that group's config: a related location of it, not a group.
        let stems: HashSet<String> = cfg.servers.iter().map(|s| host_stem(&s.host)).collect();
        if let Some(g) = out.iter_mut().find(|g| {
            g.system == System::ZooKeeper
                && g.hosts
                    .iter()
                    .any(|h| stems.contains(h) || stems.contains(&host_stem(h)))
        }) {
            g.related.push((
                first.span,
                format!("zoo.cfg lists {} voter(s)", voters.len()),
            ));
            continue;
        }
        out.push(Group {
            system: System::ZooKeeper,
            name: "the ZooKeeper ensemble of this zoo.cfg".into(),
            voters: i64::try_from(voters.len()).unwrap_or(i64::MAX),
            source,
            span: first.span,
            related: Vec::new(),
            origin: Origin::ZooCfg(cfg.file),
            hosts: cfg.servers.iter().map(|s| s.host.clone()).collect(),
        });
    }
    clickhouse_groups(model, &mut out);
    out
}

fn compose_groups(model: &Model, out: &mut Vec<Group>) {
    let mut seen: Vec<(FileId, System)> = Vec::new();
    for s in &model.compose_services {
        let Some(system) = service_system(s) else {
            continue;
        };
        if seen.contains(&(s.file, system)) {
            continue;
        }
        seen.push((s.file, system));
        let members: Vec<&ComposeService> = model
            .compose_services
            .iter()
            .filter(|o| o.file == s.file && service_system(o) == Some(system))
            .collect();
        let mut voters = 0i64;
        let mut parts = Vec::new();
        let mut related = Vec::new();
        let mut unknown = false;
        for (i, m) in members.iter().enumerate() {
            let Some((n, at)) = m.instances() else {
                unknown = true;
                break;
            };
            voters = voters.saturating_add(n);
            parts.push(format!("{} × {n}", m.name));
            if i > 0 {
                related.push((
                    m.name_span,
                    format!("service `{}`: {n} instance(s)", m.name),
                ));
            }
            if let Some(at) = at {
                related.push((at, format!("{} replicas of `{}`", n, m.name)));
            }
        }
        // Sentinels with a sentinel.conf of the tree are judged with it.
        let mounts_conf = |m: &&ComposeService| {
            m.volumes.iter().any(|v| {
                m.bind_source(v).is_some_and(|src| {
                    model.redis.iter().any(|c| {
                        let p = compose::normalize(&c.path);
                        p == src || p.starts_with(&src)
                    })
                })
            })
        };
        if unknown || (system == System::Sentinel && members.iter().any(mounts_conf)) {
            continue;
        }
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        out.push(Group {
            system,
            name: format!(
                "{} of compose services {}",
                system.group_noun(),
                names.join(", ")
            ),
            voters,
            source: if members.len() == 1 && parts.first().is_some_and(|p| p.ends_with("× 1")) {
                "1 service, 1 instance".into()
            } else {
                parts.join(" + ")
            },
            span: s.name_span,
            related,
            origin: Origin::Compose(s.file),
            hosts: names.iter().map(|n| n.to_string()).collect(),
        });
    }
}

/// `zk-0.zk-headless.ns.svc` → `zk`; `zoo1` → `zoo1`.
fn host_stem(host: &str) -> String {
    let label = host.split('.').next().unwrap_or(host);
    match label.rsplit_once('-') {
        Some((stem, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            stem.to_string()
        }
        _ => label.to_string(),
    }
}

fn clickhouse_groups(model: &Model, out: &mut Vec<Group>) {
    let mut keeper_sets: Vec<(Vec<String>, usize)> = Vec::new();
    for cfg in &model.clickhouse {
        let voters: Vec<_> = cfg.keeper.iter().filter(|m| m.voter).collect();
        let (Some(first), Some(raft)) = (voters.first(), cfg.keeper_span) else {
            continue;
        };
        let mut hosts: Vec<String> = cfg.keeper.iter().map(|m| m.host.clone()).collect();
        hosts.sort();
        // Every Keeper node carries the same raft list: one group.
        if let Some((_, gi)) = keeper_sets.iter().find(|(h, _)| *h == hosts) {
            if let Some(g) = out.get_mut(*gi) {
                g.related
                    .push((raft, "the same raft group in another Keeper config".into()));
            }
            continue;
        }
        let learners = cfg.keeper.len() - voters.len();
        keeper_sets.push((hosts.clone(), out.len()));
        out.push(Group {
            system: System::Keeper,
            name: "the ClickHouse Keeper raft group of this config".into(),
            voters: i64::try_from(voters.len()).unwrap_or(i64::MAX),
            source: if learners > 0 {
                format!(
                    "{} <server> entries, {learners} with can_become_leader=false",
                    cfg.keeper.len()
                )
            } else {
                format!(
                    "{} <server> entries in raft_configuration",
                    cfg.keeper.len()
                )
            },
            span: first.span,
            related: Vec::new(),
            origin: Origin::KeeperRaft(first.span.file),
            hosts,
        });
    }
    let mut list_sets: Vec<(Vec<String>, usize)> = Vec::new();
    for cfg in &model.clickhouse {
        let (Some(first), Some(zk)) = (cfg.zookeeper.first(), cfg.zookeeper_span) else {
            continue;
        };
        let n = cfg.zookeeper.len();
        let stems: HashSet<String> = cfg.zookeeper.iter().map(|m| host_stem(&m.host)).collect();
        let mut hosts: Vec<String> = cfg.zookeeper.iter().map(|m| m.host.clone()).collect();
        hosts.sort();
        // The list names a group found elsewhere: that group is the one to report.
        let known = out.iter_mut().find(|g| {
            g.hosts
                .iter()
                .any(|h| stems.contains(h) || stems.contains(&host_stem(h)))
        });
        if let Some(g) = known {
            g.related.push((
                zk,
                format!("ClickHouse <zookeeper> lists {n} node(s) of it"),
            ));
            continue;
        }
        if let Some((_, gi)) = list_sets.iter().find(|(h, _)| *h == hosts) {
            if let Some(g) = out.get_mut(*gi) {
                g.related
                    .push((zk, "the same node list in another ClickHouse config".into()));
            }
            continue;
        }
        // A single node in a client list may be a Service in front of many:
        // it says nothing about the ensemble's size.
        if n < 2 {
            continue;
        }
        list_sets.push((hosts.clone(), out.len()));
        out.push(Group {
            system: System::ZooKeeper,
            name: "the ZooKeeper/Keeper ensemble this ClickHouse config connects to".into(),
            voters: i64::try_from(n).unwrap_or(i64::MAX),
            source: format!("{n} <node> entries in <zookeeper>"),
            span: first.span,
            related: Vec::new(),
            origin: Origin::ZookeeperList(first.span.file),
            hosts,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_commands_are_recognised() {
        let none = |_: &str| None;
        assert_eq!(
            recognise("zookeeper:3.9", &[], &none),
            Some(System::ZooKeeper)
        );
        assert_eq!(
            recognise("docker.io/bitnami/zookeeper:3.9", &[], &none),
            Some(System::ZooKeeper)
        );
        assert_eq!(recognise("bitnami/zookeeper-exporter", &[], &none), None);
        assert_eq!(
            recognise("quay.io/coreos/etcd:v3.5", &[], &none),
            Some(System::Etcd)
        );
        assert_eq!(
            recognise(
                "redis:7",
                &["redis-server", "/c/sentinel.conf", "--sentinel"],
                &none
            ),
            Some(System::Sentinel)
        );
        assert_eq!(
            recognise("redis:7", &["sh", "-c", "redis-sentinel /c/s.conf"], &none),
            Some(System::Sentinel)
        );
        assert_eq!(recognise("redis:7", &["redis-server"], &none), None);
        assert_eq!(
            recognise("bitnami/redis-sentinel:7", &[], &none),
            Some(System::Sentinel)
        );
        assert_eq!(recognise("hashicorp/consul", &["agent"], &none), None);
        assert_eq!(
            recognise("hashicorp/consul", &["agent", "-server"], &none),
            Some(System::Consul)
        );
        assert_eq!(recognise("ghcr.io/zalando/spilo-15:3.0", &[], &none), None);
        let ctl = |k: &str| (k == "KAFKA_PROCESS_ROLES").then(|| "broker,controller".to_string());
        assert_eq!(
            recognise("apache/kafka:3.8", &[], &ctl),
            Some(System::KafkaController)
        );
        assert_eq!(recognise("apache/kafka:3.8", &[], &none), None);
        assert_eq!(
            recognise("localhost:5000/zookeeper", &[], &none),
            Some(System::ZooKeeper)
        );
    }

    #[test]
    fn host_stems() {
        assert_eq!(host_stem("zk-0.zk-hs.ns.svc.cluster.local"), "zk");
        assert_eq!(host_stem("zoo1"), "zoo1");
    }
}
