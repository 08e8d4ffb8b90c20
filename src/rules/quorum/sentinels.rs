//! How many sentinels run with a sentinel.conf: compose services and pods
//! that mount it, else the sentinel plus the peers it recorded.

use crate::extract::compose;
use crate::extract::redis::{Monitor, RedisConf};
use crate::model::Model;
use crate::source::Span;

use super::{System, service_system, workload_system};

/// How many sentinels use a sentinel.conf, and the evidence.
#[derive(Clone, Debug)]
pub struct SentinelCount {
    pub count: i64,
    /// `3 compose service instances that mount it` or `1 + 2 known-sentinel lines`.
    pub source: String,
    /// Deployed (compose services) rather than recorded by Sentinel.
    pub deployed: bool,
    pub related: Vec<(Span, String)>,
}

/// Sentinels that run with `conf` for `monitor`: compose services running
/// sentinel that bind-mount the file (or its directory), else 1 + the
/// `known-sentinel` lines Sentinel wrote; `None` when neither is there.
pub fn sentinel_count(model: &Model, conf: &RedisConf, monitor: &Monitor) -> Option<SentinelCount> {
    let conf_path = compose::normalize(&conf.path);
    let mut count = 0i64;
    let mut related = Vec::new();
    // Compose services that bind-mount the file or a directory above it,
    // each once, in file order.
    let index = model.mounts();
    let mut mounting: Vec<(usize, usize)> = conf_path
        .ancestors()
        .filter_map(|a| index.compose_binds.get(a))
        .flatten()
        .copied()
        .collect();
    mounting.sort_unstable();
    mounting.dedup_by_key(|(si, _)| *si);
    for (si, vi) in mounting {
        let (Some(s), Some(mount)) = (
            model.compose_services.get(si),
            model
                .compose_services
                .get(si)
                .and_then(|s| s.volumes.get(vi)),
        ) else {
            continue;
        };
        if service_system(s) != Some(System::Sentinel) {
            continue;
        }
        let (n, _) = s.instances()?;
        count = count.saturating_add(n);
        related.push((
            mount.span,
            format!("service `{}` runs {n} sentinel(s) with this file", s.name),
        ));
    }
    let mut pods = 0i64;
    for (ns, cm) in &config_maps_of(model, conf) {
        // Pods of the ConfigMap's namespace (or of any namespace when the
        // ConfigMap's is not known) that mount it.
        let mut candidates: Vec<usize> = match ns {
            Some(ns) => index
                .config_map_volumes
                .get(&(ns.clone(), cm.clone()))
                .cloned()
                .unwrap_or_default(),
            None => index
                .config_map_volumes
                .iter()
                .filter(|((_, name), _)| name == cm)
                .flat_map(|(_, ws)| ws.iter().copied())
                .collect(),
        };
        candidates.sort_unstable();
        candidates.dedup();
        for wi in candidates {
            let Some(w) = model.workloads.get(wi) else {
                continue;
            };
            if workload_system(w) != Some(System::Sentinel) {
                continue;
            }
            let e = model.envelope(wi)?;
            if e.min.value != e.max.value {
                return None;
            }
            pods = pods.saturating_add(e.max.value);
            let at = e.max.source.span().unwrap_or(w.meta.kind_span);
            related.push((
                at,
                format!(
                    "{} runs {} sentinel pod(s) with ConfigMap `{cm}`",
                    w.display(),
                    e.max.value
                ),
            ));
        }
    }
    if count > 0 || pods > 0 {
        let source = match (count, pods) {
            (0, p) => format!("{p} pod(s) that mount a ConfigMap holding this file"),
            (c, 0) => format!("{c} compose service instance(s) that mount this file"),
            (c, p) => format!("{c} compose instance(s) and {p} pod(s) with this file"),
        };
        let count = count.saturating_add(pods);
        return Some(SentinelCount {
            count,
            source,
            deployed: true,
            related,
        });
    }
    let known = conf.known_sentinels_of(&monitor.master);
    if known.is_empty() {
        return None;
    }
    Some(SentinelCount {
        count: 1 + i64::try_from(known.len()).unwrap_or(i64::MAX),
        source: format!("this sentinel + {} known-sentinel line(s)", known.len()),
        deployed: false,
        related: known
            .iter()
            .map(|s| (*s, "a peer Sentinel recorded".to_string()))
            .collect(),
    })
}

/// The ConfigMaps that hold a config file: the one it is written in, or
/// the ones a kustomization's `configMapGenerator` builds from it.
pub fn config_maps_of(model: &Model, conf: &RedisConf) -> Vec<(Option<String>, String)> {
    let path = compose::normalize(&conf.path);
    conf.config_map
        .iter()
        .cloned()
        .chain(
            model
                .generated_config_maps
                .iter()
                .filter(|g| g.files.iter().any(|f| compose::normalize(f) == path))
                .map(|g| (g.namespace.clone(), g.name.clone())),
        )
        .collect()
}

/// Sentinel monitors of the tree with their counts.
pub fn sentinels(model: &Model) -> impl Iterator<Item = (&RedisConf, &Monitor)> {
    model
        .redis
        .iter()
        .filter(|c| c.sentinel)
        .flat_map(|c| c.monitors.iter().map(move |m| (c, m)))
}
