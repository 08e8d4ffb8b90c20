//! SL310 sentinel-config-shared. Docs: rules/sentinel-config-shared.toml

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::extract::compose;
use crate::extract::k8s::{Container, VolumeSource, Workload};
use crate::extract::redis::RedisConf;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

use super::groups::container_system;
use super::{MountUse, System, mount_use, sentinel_config_path, service_system};

pub enum SentinelConfigShared {
    /// Several compose sentinels run one host file.
    Compose {
        file: String,
        sentinels: i64,
        /// `` `sentinel-a` × 1, `sentinel-b` × 2 ``.
        services: String,
    },
    /// A pod's sentinel runs a file of a read-only volume.
    ReadOnly {
        container: String,
        workload: String,
        path: String,
        /// `ConfigMap \`sentinel\``, `a readOnly mount of volume \`data\``.
        from: String,
        pods: Option<i64>,
    },
}

impl Violation for SentinelConfigShared {
    const RULE: Rule = Rule::SentinelConfigShared;

    fn message(&self) -> String {
        match self {
            Self::Compose {
                file,
                sentinels,
                services,
            } => format!(
                "{sentinels} sentinels run with one bind-mounted {file} ({services}): Sentinel rewrites its config file and keeps its `sentinel myid` there, so they overwrite each other's state and end up with one ID, which the other sentinels count as a single sentinel"
            ),
            Self::ReadOnly {
                container,
                workload,
                path,
                from,
                pods,
            } => {
                let pods = match pods {
                    Some(1) => "its pod crash-loops".to_string(),
                    Some(n) => format!("all {n} pods crash-loop"),
                    None => "its pods crash-loop".to_string(),
                };
                format!(
                    "container `{container}` of {workload} starts Sentinel with {path}, a read-only file ({from}): Sentinel must rewrite its config file and refuses to start when it is not writable, so {pods}"
                )
            }
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::Compose { .. } => "give each sentinel its own file (one host file per service, or copy the mounted template to a writable path in the entrypoint and start Sentinel with the copy); a service with replicas needs the copy".into(),
            Self::ReadOnly { .. } => "copy the file to a writable volume first (an initContainer running `cp /config/sentinel.conf /data/`, with an emptyDir at /data) and start Sentinel with the copy".into(),
        })
    }

    fn subject(&self) -> String {
        match self {
            Self::Compose { file, .. } => format!("sentinel-config/{file}"),
            Self::ReadOnly {
                workload,
                container,
                ..
            } => format!("sentinel-config/{workload}/{container}"),
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    compose_shared(model, out);
    // Sentinel configs held in ConfigMaps, by ConfigMap name.
    let mut in_config_maps: HashMap<&str, Vec<&RedisConf>> = HashMap::new();
    for r in model.redis.iter().filter(|r| r.sentinel) {
        if let Some((_, name)) = &r.config_map {
            in_config_maps.entry(name.as_str()).or_default().push(r);
        }
    }
    for (wi, w) in model.indexed_workloads() {
        for c in w.pod.running_containers() {
            read_only_config(model, &in_config_maps, wi, w, c, out);
        }
    }
}

/// One host file, the compose sentinels that run it.
struct Users<'a> {
    mounts: Vec<(&'a compose::Service, Span, i64)>,
}

fn compose_shared(model: &Model, out: &mut Findings) {
    // Sentinel configs of the tree, for commands that name no file and to
    // point at the file.
    let confs: HashMap<PathBuf, &RedisConf> = model
        .redis
        .iter()
        .filter(|c| c.sentinel && c.config_map.is_none())
        .map(|c| (compose::normalize(&c.path), c))
        .collect();
    let mut files: Vec<(PathBuf, Users)> = Vec::new();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    for s in &model.compose_services {
        if service_system(s) != Some(System::Sentinel) {
            continue;
        }
        let Some((n, _)) = s.instances() else {
            continue;
        };
        let mut seen = HashSet::new();
        for v in &s.volumes {
            let file = match mount_use(s, v) {
                Some(MountUse::Runs(p)) => p,
                // The image's default path: the mounted file of the tree, or
                // the sentinel.conf of a mounted directory.
                Some(MountUse::Unnamed) => {
                    let Some(src) = s.bind_source(v) else {
                        continue;
                    };
                    let in_dir = src.join("sentinel.conf");
                    if confs.contains_key(&src) {
                        src
                    } else if confs.contains_key(&in_dir) {
                        in_dir
                    } else {
                        continue;
                    }
                }
                None => continue,
            };
            if !seen.insert(file.clone()) {
                continue;
            }
            let at = *index.entry(file.clone()).or_insert_with(|| {
                files.push((file.clone(), Users { mounts: Vec::new() }));
                files.len() - 1
            });
            if let Some((_, users)) = files.get_mut(at) {
                // The same service in an override file is one service.
                if users.mounts.iter().any(|(o, _, _)| o.name == s.name) {
                    continue;
                }
                users.mounts.push((s, v.span, n));
            }
        }
    }
    for (file, users) in files {
        let total = users
            .mounts
            .iter()
            .fold(0i64, |acc, (_, _, n)| acc.saturating_add((*n).max(0)));
        if total < 2 {
            continue;
        }
        // The mount of the second sentinel: the first service's own when it
        // runs several.
        let second = users
            .mounts
            .iter()
            .scan(0i64, |acc, m| {
                *acc = acc.saturating_add(m.2.max(0));
                Some((*acc, m))
            })
            .find(|(acc, _)| *acc >= 2)
            .map(|(_, m)| m);
        let Some(&(second_service, at, _)) = second else {
            continue;
        };
        let services: Vec<String> = users
            .mounts
            .iter()
            .map(|(s, _, n)| format!("`{}` × {n}", s.name))
            .collect();
        let v = SentinelConfigShared::Compose {
            file: file.display().to_string(),
            sentinels: total,
            services: services.join(", "),
        };
        let f = out.report(v, at);
        for (s, span, n) in &users.mounts {
            if *span == at && s.name == second_service.name {
                continue;
            }
            f.related(
                *span,
                format!("service `{}` runs {n} sentinel(s) with this file", s.name),
            );
        }
        for (s, _, n) in &users.mounts {
            if let Some((_, Some(at))) = s.instances() {
                f.related(at, format!("{n} replicas of `{}`", s.name));
            }
        }
        if let Some(conf) = confs.get(&file) {
            f.related(
                Span::file_start(conf.file),
                "the sentinel.conf they all rewrite",
            );
        }
    }
}

fn read_only_config(
    model: &Model,
    in_config_maps: &HashMap<&str, Vec<&RedisConf>>,
    wi: usize,
    w: &Workload,
    c: &Container,
    out: &mut Findings,
) {
    if container_system(c) != Some(System::Sentinel) {
        return;
    }
    let argv = c.argv();
    let Some(path) = sentinel_config_path(argv.iter().copied()) else {
        return;
    };
    // The mount the file comes from: the deepest one that holds the path.
    let Some(mount) = c
        .mounts
        .iter()
        .filter(|m| {
            let target = m.mount_path.trim_end_matches('/');
            !target.is_empty()
                && (path == target
                    || path
                        .strip_prefix(target)
                        .is_some_and(|rest| rest.starts_with('/')))
        })
        .max_by_key(|m| m.mount_path.trim_end_matches('/').len())
    else {
        return;
    };
    let volume = w.pod.pod_volumes.iter().find(|v| v.name == mount.volume);
    let from = match volume.map(|v| &v.source) {
        Some(VolumeSource::ConfigMap(name)) => format!(
            "volume `{}` from ConfigMap `{}`{}",
            mount.volume,
            name.as_deref().unwrap_or("?"),
            if mount.sub_path.is_some() {
                ", mounted with subPath"
            } else {
                ""
            }
        ),
        Some(VolumeSource::Secret(name)) => format!(
            "volume `{}` from Secret `{}`",
            mount.volume,
            name.as_deref().unwrap_or("?"),
        ),
        Some(VolumeSource::Projected) => format!("projected volume `{}`", mount.volume),
        _ if mount.read_only => format!("volume `{}` mounted readOnly: true", mount.volume),
        // A writable volume, or one the pod does not define.
        _ => return,
    };
    let envelope = model.envelope(wi);
    let v = SentinelConfigShared::ReadOnly {
        container: c.name.to_string(),
        workload: w.display(),
        path: path.to_string(),
        from: from.clone(),
        pods: envelope.as_ref().map(|e| e.max.value),
    };
    let f = out.report(v, mount.span);
    if let Some(vol) = volume {
        f.related(vol.span, from);
    }
    if let Some(e) = &envelope
        && let Some(at) = e.max.source.span()
    {
        f.related(at, format!("{} sentinel pod(s)", e.max.value));
    }
    // The sentinel.conf in the ConfigMap, when the tree holds it.
    if let Some(VolumeSource::ConfigMap(Some(cm))) = volume.map(|v| &v.source)
        && let Some(conf) = in_config_maps.get(cm.as_str()).and_then(|confs| {
            confs.iter().find(|r| {
                r.config_map
                    .as_ref()
                    .is_some_and(|(ns, _)| ns.as_deref().is_none_or(|ns| ns == w.namespace))
            })
        })
        && let Some(m) = conf.monitors.first()
    {
        f.related(m.span, format!("the sentinel.conf of ConfigMap `{cm}`"));
    }
}
