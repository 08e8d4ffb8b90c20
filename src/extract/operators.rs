//! Custom resources of operators that declare consensus groups or ClickHouse
//! clusters: Strimzi `KafkaNodePool` (controller role) and `Kafka`
//! (`spec.zookeeper.replicas`), Altinity `ClickHouseKeeperInstallation`
//! (layout `replicasCount`) and `ClickHouseInstallation`
//! (cluster layout and ZooKeeper nodes, read as the config the operator
//! generates from it).

use std::path::Path;

use crate::formats::xml::Element;
use crate::formats::yaml::Y;
use crate::source::{FileId, Span};

use super::Facts;
use super::clickhouse::ConfigFile;

/// A group size an operator resource sets.
#[derive(Clone, Debug)]
pub struct ConsensusObject {
    /// `zookeeper`, `keeper` or `kafka-controller`.
    pub system: &'static str,
    /// `KafkaNodePool kafka/controllers`.
    pub name: String,
    pub voters: i64,
    /// The replicas key.
    pub span: Span,
}

fn key_span(file: FileId, k: Y<'_, '_>) -> Span {
    Span::new(file, k.start(), k.start())
}

/// Reads one Kubernetes object if it is one of these kinds.
pub fn extract(obj: Y<'_, '_>, file: FileId, path: &Path, facts: &mut Facts) {
    let (Some(api), Some(kind)) = (obj.get_str("apiVersion"), obj.get_str("kind")) else {
        return;
    };
    let name = obj
        .path(&["metadata", "name"])
        .and_then(|n| n.as_text())
        .unwrap_or("");
    let ns = obj
        .path(&["metadata", "namespace"])
        .and_then(|n| n.as_text())
        .unwrap_or("default");
    let spec = obj.get("spec");
    match kind {
        "KafkaNodePool" if api.starts_with("kafka.strimzi.io/") => {
            let Some(spec) = spec else { return };
            let controller = spec
                .get("roles")
                .into_iter()
                .flat_map(|r| r.items())
                .any(|r| r.as_str() == Some("controller"));
            if let (true, Some((k, v))) = (controller, spec.entry("replicas"))
                && let Some(n) = v.as_i64()
            {
                facts.consensus_objects.push(ConsensusObject {
                    system: "kafka-controller",
                    name: format!("KafkaNodePool {ns}/{name}"),
                    voters: n,
                    span: key_span(file, k),
                });
            }
        }
        "Kafka" if api.starts_with("kafka.strimzi.io/") => {
            if let Some((k, v)) = spec
                .and_then(|s| s.get("zookeeper"))
                .and_then(|z| z.entry("replicas"))
                && let Some(n) = v.as_i64()
            {
                facts.consensus_objects.push(ConsensusObject {
                    system: "zookeeper",
                    name: format!("Kafka {ns}/{name} (spec.zookeeper)"),
                    voters: n,
                    span: key_span(file, k),
                });
            }
        }
        "ClickHouseKeeperInstallation" if api.starts_with("clickhouse-keeper.altinity.com/") => {
            for cluster in spec
                .and_then(|s| s.path(&["configuration", "clusters"]))
                .into_iter()
                .flat_map(|c| c.items())
            {
                let cname = cluster.get_str("name").unwrap_or("keeper");
                // The operator runs one Keeper unless the layout says more.
                let (voters, span) =
                    match cluster.get("layout").and_then(|l| l.entry("replicasCount")) {
                        Some((k, v)) => match v.as_i64().or_else(|| v.as_text()?.parse().ok()) {
                            Some(n) => (n, key_span(file, k)),
                            None => continue,
                        },
                        None => (1, key_span(file, cluster)),
                    };
                facts.consensus_objects.push(ConsensusObject {
                    system: "keeper",
                    name: format!("ClickHouseKeeperInstallation {ns}/{name} cluster `{cname}`"),
                    voters,
                    span,
                });
            }
        }
        "ClickHouseInstallation" | "ClickHouseInstallationTemplate"
            if api.starts_with("clickhouse.altinity.com/") =>
        {
            if let Some(conf) = spec.and_then(|s| s.get("configuration"))
                && let Some(root) = chi_config(conf, file, obj)
            {
                let dir = path.parent().unwrap_or(Path::new(""));
                facts.clickhouse.push(ConfigFile {
                    file,
                    path: dir.join(format!("{name}.chi.xml")),
                    root,
                    comments: Vec::new(),
                });
            }
        }
        _ => {}
    }
}

fn element(name: &str, span: Span) -> Element {
    Element {
        name: name.to_string(),
        attrs: Vec::new(),
        children: Vec::new(),
        text: String::new(),
        span,
        text_span: None,
    }
}

fn text_element(name: &str, text: &str, span: Span) -> Element {
    let mut e = element(name, span);
    e.text = text.to_string();
    e
}

/// The part of the server config the operator generates from
/// `spec.configuration`: `remote_servers` from each cluster's layout (the
/// operator writes `internal_replication` true unless a shard says
/// otherwise) and `zookeeper` from `zookeeper.nodes`.
fn chi_config(conf: Y<'_, '_>, file: FileId, obj: Y<'_, '_>) -> Option<Element> {
    let at = |y: Y<'_, '_>| Span::new(file, y.start(), y.start());
    let mut root = element("clickhouse", at(obj));
    let mut remote = element("remote_servers", at(conf));
    for cluster in conf.get("clusters").into_iter().flat_map(|c| c.items()) {
        let name = cluster.get_str("name").unwrap_or("cluster");
        let mut c = element(name, at(cluster));
        let Some((layout_key, layout)) = cluster.entry("layout") else {
            continue;
        };
        let count = |key: &str| {
            layout
                .get(key)
                .and_then(|v| v.as_i64().or_else(|| v.as_text()?.parse().ok()))
        };
        let written_shards: Vec<Y<'_, '_>> = layout
            .get("shards")
            .into_iter()
            .flat_map(|s| s.items())
            .collect();
        let shards = count("shardsCount")
            .unwrap_or(1)
            .max(i64::try_from(written_shards.len()).unwrap_or(0))
            .clamp(0, 1000);
        let replicas = count("replicasCount").unwrap_or(1).clamp(0, 1000);
        for i in 0..shards {
            let written = usize::try_from(i).ok().and_then(|i| written_shards.get(i));
            let span = written.map_or(at(layout_key), |w| at(*w));
            let mut shard = element("shard", span);
            let ir = written
                .and_then(|w| w.get_str("internalReplication"))
                .unwrap_or("true");
            let ir = if matches!(ir, "false" | "no" | "0") {
                "false"
            } else {
                "true"
            };
            shard
                .children
                .push(text_element("internal_replication", ir, span));
            let n = written
                .and_then(|w| w.get("replicasCount").and_then(|v| v.as_i64()))
                .unwrap_or(replicas);
            for _ in 0..n.clamp(0, 1000) {
                shard.children.push(element("replica", span));
            }
            c.children.push(shard);
        }
        remote.children.push(c);
    }
    root.children.push(remote);
    if let Some((zk_key, zk)) = conf.entry("zookeeper") {
        let mut z = element("zookeeper", at(zk_key));
        for node in zk.get("nodes").into_iter().flat_map(|n| n.items()) {
            let mut n = element("node", at(node));
            n.children.push(text_element(
                "host",
                node.get_str("host").unwrap_or(""),
                at(node),
            ));
            z.children.push(n);
        }
        if !z.children.is_empty() {
            root.children.push(z);
        }
    }
    Some(root)
}
