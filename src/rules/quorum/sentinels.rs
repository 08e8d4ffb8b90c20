//! How many sentinels run with a sentinel.conf: compose services and pods
//! that mount it, else the sentinel plus the peers it recorded.

use std::path::PathBuf;

use crate::extract::compose::{self, Service as ComposeService};
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
    /// Compose instances that run this very file and so count as one
    /// sentinel (0 or 1 when none share it).
    pub sharing: i64,
    pub related: Vec<(Span, String)>,
}

/// Sentinels that run with `conf` for `monitor`: compose services running
/// sentinel that bind-mount the file (or its directory), else 1 + the
/// `known-sentinel` lines Sentinel wrote; `None` when neither is there.
pub fn sentinel_count(model: &Model, conf: &RedisConf, monitor: &Monitor) -> Option<SentinelCount> {
    let conf_path = compose::normalize(&conf.path);
    let mut count = 0i64;
    let mut shared_by: Vec<(&str, i64)> = Vec::new();
    let mut related = Vec::new();
    // Compose services that bind-mount the file or a directory above it,
    // each once, in file order.
    let index = model.mounts();
    for (si, vi) in index.compose_services_mounting(&conf_path) {
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
        match mount_use(s, mount) {
            // Sentinels that run the mounted file itself share it, and with
            // it the `sentinel myid` Sentinel writes there: one identity.
            Some(MountUse::Runs(p)) if p == conf_path => shared_by.push((s.name.as_str(), n)),
            Some(MountUse::Unnamed) => shared_by.push((s.name.as_str(), n)),
            // It starts with another file of a mounted directory.
            Some(MountUse::Runs(_)) => continue,
            // It starts with a copy: a sentinel of its own per container.
            None => count = count.saturating_add(n),
        }
        related.push((
            mount.span,
            format!("service `{}` runs {n} sentinel(s) with this file", s.name),
        ));
    }
    let shared: i64 = shared_by
        .iter()
        .fold(0i64, |acc, (_, n)| acc.saturating_add(*n));
    let copies = count;
    if shared > 0 {
        count = count.saturating_add(1);
    }
    let mut pods = 0i64;
    for (ns, cm) in &config_maps_of(model, conf) {
        // Pods of the ConfigMap's namespace (or of any namespace when the
        // ConfigMap's is not known) that mount it.
        let mut candidates = index.workloads_mounting_config_map(ns.as_deref(), cm);
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
        let compose = if shared > 1 {
            let names: Vec<String> = shared_by
                .iter()
                .map(|(name, n)| format!("`{name}` × {n}"))
                .collect();
            let copied = if copies > 0 {
                format!(" + {copies} compose instance(s) that run a copy")
            } else {
                String::new()
            };
            format!(
                "{shared} compose instances run this very file ({}) and share its `sentinel myid`, so count as 1{copied}",
                names.join(", ")
            )
        } else {
            format!("{count} compose service instance(s) that mount this file")
        };
        let source = match (count, pods) {
            (0, p) => format!("{p} pod(s) that mount a ConfigMap holding this file"),
            (_, 0) => compose,
            (_, p) => format!("{compose} and {p} pod(s) with this file"),
        };
        let count = count.saturating_add(pods);
        return Some(SentinelCount {
            count,
            source,
            deployed: true,
            sharing: shared,
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
        sharing: 0,
        related: known
            .iter()
            .map(|s| (*s, "a peer Sentinel recorded".to_string()))
            .collect(),
    })
}

/// The ConfigMaps that hold a config file: the one it is written in, or
/// the ones a kustomization's `configMapGenerator` builds from it.
pub fn config_maps_of(model: &Model, conf: &RedisConf) -> Vec<(Option<String>, String)> {
    model.config_maps_holding(&compose::normalize(&conf.path), conf.config_map.as_ref())
}

/// Sentinel monitors of the tree with their counts.
pub fn sentinels(model: &Model) -> impl Iterator<Item = (&RedisConf, &Monitor)> {
    model
        .redis
        .iter()
        .filter(|c| c.sentinel)
        .flat_map(|c| c.monitors.iter().map(move |m| (c, m)))
}

/// The config file a sentinel command line starts with: the word after the
/// last `redis-sentinel`/`valkey-sentinel`, or after `redis-server`/
/// `valkey-server` when `--sentinel` is given. Words of `sh -c` scripts
/// count, so `cp /config/sentinel.conf /data/ && redis-sentinel
/// /data/sentinel.conf` gives `/data/sentinel.conf`.
pub fn sentinel_config_path<'a>(argv: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    config_word(argv).flatten()
}

/// `None` when the command line starts no sentinel; `Some(None)` when it
/// does but names no literal file (nothing, an option, a `$VARIABLE`).
fn config_word<'a>(argv: impl IntoIterator<Item = &'a str>) -> Option<Option<&'a str>> {
    let words: Vec<&str> = argv
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(|w| w.trim_matches(|c| matches!(c, '"' | '\'' | ';')))
        .collect();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let sentinel_flag = words.contains(&"--sentinel");
    let at = words.iter().rposition(|w| {
        let b = base(w);
        b == "redis-sentinel"
            || b == "valkey-sentinel"
            || (sentinel_flag && (b == "redis-server" || b == "valkey-server"))
    })?;
    Some(
        words
            .get(at + 1)
            .copied()
            .filter(|w| !w.is_empty() && !w.starts_with('-') && !w.contains('$')),
    )
}

/// How a compose sentinel service uses one of its bind mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountUse {
    /// The command line starts Sentinel with this host file, through the mount.
    Runs(PathBuf),
    /// The command line starts no sentinel itself (the image's default
    /// command): the mount may hold the file Sentinel runs with.
    Unnamed,
}

/// Whether a compose service that runs sentinel starts it with a file of
/// bind mount `v`; `None` when the mount is not where its config comes
/// from (not a bind mount, or the command names a file elsewhere, such as
/// a copy made by the entrypoint).
pub fn mount_use(s: &ComposeService, v: &compose::Volume) -> Option<MountUse> {
    let source = s.bind_source(v)?;
    let target = v.target.trim_end_matches('/');
    // bitnami images copy what is mounted at `…/mounted-etc` before starting.
    if target.is_empty() || target.ends_with("/mounted-etc") {
        return None;
    }
    let path = match config_word(s.argv()) {
        // The image's own command: it runs the config of its image.
        None => return Some(MountUse::Unnamed),
        // A file named through a variable, or none: not known.
        Some(None) => return None,
        Some(Some(path)) => path,
    };
    if path == target {
        return Some(MountUse::Runs(source));
    }
    let rest = path.strip_prefix(target)?.strip_prefix('/')?;
    Some(MountUse::Runs(compose::normalize(&source.join(rest))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_paths_of_sentinel_command_lines() {
        fn path<'a>(argv: &[&'a str]) -> Option<&'a str> {
            sentinel_config_path(argv.iter().copied())
        }
        assert_eq!(
            path(&["redis-sentinel", "/etc/s.conf"]),
            Some("/etc/s.conf")
        );
        assert_eq!(
            path(&["redis-server", "/etc/s.conf", "--sentinel"]),
            Some("/etc/s.conf")
        );
        assert_eq!(
            path(&[
                "sh",
                "-c",
                "cp /config/sentinel.conf /data/ && exec redis-sentinel /data/sentinel.conf;"
            ]),
            Some("/data/sentinel.conf")
        );
        assert_eq!(
            path(&["/usr/local/bin/valkey-sentinel", "'/v/s.conf'"]),
            Some("/v/s.conf")
        );
        assert_eq!(path(&["redis-sentinel", "$CONF"]), None);
        assert_eq!(path(&["redis-sentinel", "--port", "26379"]), None);
        // Without --sentinel, redis-server is a server.
        assert_eq!(path(&["redis-server", "/etc/redis.conf"]), None);
        assert_eq!(config_word(["redis-server", "/etc/redis.conf"]), None);
        assert_eq!(config_word(["redis-sentinel"]), Some(None));
    }
}
