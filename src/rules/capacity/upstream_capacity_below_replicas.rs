//! SL405 upstream-capacity-below-replicas. Docs: rules/upstream-capacity-below-replicas.toml

use std::collections::HashMap;

use crate::extract::Text;
use crate::extract::haproxy::{self, Proxy, global};
use crate::extract::k8s::Container;
use crate::extract::nginx::{NginxConfig, Upstream};
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::formats::haproxy::HaproxyFile;
use crate::model::Model;
use crate::model::capacity::{Env, Term, compose_env, container_env, parse_count, processes_of};
use crate::rules::Rule;
use crate::rules::proxy::Seen;
use crate::rules::proxy::backends::{Backend, Backends};
use crate::source::Span;

pub struct UpstreamCapacityBelowReplicas {
    proxy: String,
    capacity: i64,
    /// How the capacity adds up: `max_conns=20 × 2 servers`.
    capacity_text: String,
    target: String,
    replicas: i64,
    replicas_source: String,
    per_pod: i64,
    per_pod_text: String,
    demand: i64,
    haproxy: bool,
}

impl Violation for UpstreamCapacityBelowReplicas {
    const RULE: Rule = Rule::UpstreamCapacityBelowReplicas;

    fn message(&self) -> String {
        let Self {
            proxy,
            capacity,
            capacity_text,
            target,
            replicas,
            replicas_source,
            per_pod,
            per_pod_text,
            demand,
            haproxy,
        } = self;
        let beyond = if *haproxy {
            "requests beyond it wait in HAProxy's queue"
        } else {
            "requests beyond it fail with 502 once every server is at its limit (open-source nginx has no queue)"
        };
        format!(
            "{proxy} lets at most {capacity} concurrent connections reach {target} ({capacity_text}), fewer than the {demand} requests its pods serve at once: {} at minimum ({replicas_source}) × {per_pod} concurrent requests per pod ({per_pod_text}); the pods' extra capacity is never used, and {beyond}",
            plural(*replicas, "replica")
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "raise the limit to at least {} in total (or drop it and let the pods' own concurrency bound the load), or lower the replicas or the per-pod concurrency to what the proxy admits",
            self.demand
        ))
    }

    fn subject(&self) -> String {
        format!("{} {}", self.proxy, self.target)
    }
}

pub fn check(model: &Model, proxies: &Proxies, out: &mut Findings) {
    let backends = Backends::new(model);
    let config_maps: HashMap<(Text, Text), &crate::extract::capacity::ConfigMap> = model
        .capacity_config_maps()
        .map(|c| ((c.namespace.clone(), c.meta.name.clone()), c))
        .collect();
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for u in &config.upstreams {
            let Some(limit) = nginx_limit(config, u, &backends) else {
                continue;
            };
            report(model, &config_maps, limit, false, &mut seen, out);
        }
    }
    for file in &proxies.haproxy {
        for proxy in haproxy::proxies(file).iter().filter(|p| p.is_backend()) {
            let Some(limit) = haproxy_limit(file, proxy, &backends) else {
                continue;
            };
            report(model, &config_maps, limit, true, &mut seen, out);
        }
    }
}

/// A proxy's connection limit towards one backend workload.
struct Limit {
    proxy: String,
    backend: Backend,
    /// Per-server limit, its word, and how many addresses the server line
    /// stands for (`None`: one per instance of the backend).
    servers: Vec<(u64, Span, Option<u64>)>,
    /// Worker processes that each enforce the limit on their own.
    workers: Option<(u64, String)>,
}

fn report(
    model: &Model,
    config_maps: &HashMap<(Text, Text), &crate::extract::capacity::ConfigMap>,
    limit: Limit,
    haproxy: bool,
    seen: &mut Seen,
    out: &mut Findings,
) {
    let Some(target) = target(model, config_maps, &limit.backend) else {
        return;
    };
    let Some(&(first_limit, word, _)) = limit.servers.first() else {
        return;
    };
    if target.replicas.value < 1 {
        return;
    }
    let replicas = u64::try_from(target.replicas.value).unwrap_or(0);
    let mut capacity: u64 = 0;
    let mut addresses: u64 = 0;
    for (n, _, count) in &limit.servers {
        let count = count.unwrap_or(replicas);
        addresses = addresses.saturating_add(count);
        capacity = capacity.saturating_add(n.saturating_mul(count));
    }
    let workers = limit.workers.as_ref().map_or(1, |(n, _)| *n);
    capacity = capacity.saturating_mul(workers);
    let per_pod = target.processes.value.saturating_mul(target.threads.value);
    let demand = target.replicas.value.saturating_mul(per_pod);
    let capacity = i64::try_from(capacity).unwrap_or(i64::MAX);
    if capacity >= demand || !seen.first(word) {
        return;
    }
    let keyword = if haproxy { "maxconn" } else { "max_conns" };
    let same = limit.servers.iter().all(|(n, _, _)| *n == first_limit);
    let mut capacity_text = if same {
        format!(
            "{keyword} {first_limit} × {addresses} server{}",
            if addresses == 1 { "" } else { "s" }
        )
    } else {
        let sum: u64 = limit
            .servers
            .iter()
            .map(|(n, _, c)| n.saturating_mul(c.unwrap_or(replicas)))
            .fold(0, u64::saturating_add);
        format!("{keyword} {sum} over {addresses} servers")
    };
    if limit.servers.iter().any(|(_, _, c)| c.is_none()) {
        capacity_text.push_str(", one per instance the name resolves to");
    }
    if let Some((n, why)) = &limit.workers {
        capacity_text.push_str(&format!(" × {n} worker processes ({why})"));
    }
    let per_pod_text = format!(
        "{} ({}) × {} ({})",
        plural(target.processes.value, "process"),
        target.processes.source,
        plural(target.threads.value, "thread"),
        target.threads.source
    );
    let v = UpstreamCapacityBelowReplicas {
        proxy: limit.proxy,
        capacity,
        capacity_text,
        target: target.display.clone(),
        replicas: target.replicas.value,
        replicas_source: target.replicas.source.clone(),
        per_pod,
        per_pod_text,
        demand,
        haproxy,
    };
    let f = out.report(v, word);
    for (_, other, _) in limit.servers.iter().skip(1) {
        if *other != word {
            f.related(*other, format!("{keyword} of another server"));
        }
    }
    f.related(
        target.replicas.span.unwrap_or(target.anchor),
        format!(
            "{} at minimum ({})",
            plural(target.replicas.value, "replica"),
            target.replicas.source
        ),
    );
    for t in [&target.processes, &target.threads] {
        if let Some(span) = t.span {
            f.related(span, format!("{} ({})", t.value, t.source));
        }
    }
}

/// The limit of an nginx upstream whose primary servers all set
/// `max_conns` and all name one workload of the tree.
fn nginx_limit(config: &NginxConfig, u: &Upstream, backends: &Backends<'_>) -> Option<Limit> {
    let primary: Vec<_> = u.servers.iter().filter(|s| !s.backup).collect();
    let mut servers = Vec::new();
    let mut backend: Option<Backend> = None;
    for s in &primary {
        // A server without max_conns is unlimited (0 means the same).
        let m = s.max_conns.as_ref().filter(|m| m.value > 0)?;
        let b = backends.lookup(&s.address.text)?;
        if backend.as_ref().is_some_and(|prev| !same(prev, &b)) {
            return None;
        }
        // A name nginx resolves to one address per instance is as many
        // servers, each with the limit.
        let count = (!per_instance(backends, &b)).then_some(1);
        servers.push((m.value, m.span, count));
        backend = Some(b);
    }
    // Without a shared-memory zone every worker counts on its own.
    let workers = if u.zone {
        None
    } else {
        match &config.worker_processes {
            Some(w) => {
                let n = u64::try_from(parse_count(&w.value)?).ok()?;
                (n > 1).then(|| (n, format!("worker_processes, line {}", w.span.start.line)))
            }
            // nginx's default is 1, when this is the main configuration.
            None if config.events.is_some() => None,
            None => return None,
        }
    };
    Some(Limit {
        proxy: format!("upstream `{}`", u.name),
        backend: backend?,
        servers,
        workers,
    })
}

/// The limit of an HAProxy backend whose servers all have a `maxconn`
/// (their own or a `default-server` one) and all name one workload.
/// HAProxy resolves a server's name to one address.
fn haproxy_limit(file: &HaproxyFile, proxy: &Proxy<'_>, backends: &Backends<'_>) -> Option<Limit> {
    // Several processes each enforce the limit; not judged.
    if global(file, "nbproc").is_some() {
        return None;
    }
    let mut default: Option<(u64, Span)> = None;
    for d in &proxy.defaults {
        for l in d.lines.iter().filter(|l| l.keyword() == "default-server") {
            default = maxconn_of(l.args()).or(default);
        }
    }
    let mut servers = Vec::new();
    let mut backend: Option<Backend> = None;
    for l in &proxy.section.lines {
        match l.keyword() {
            "default-server" => default = maxconn_of(l.args()).or(default),
            // n slots filled from DNS records: how many are filled is not
            // known here.
            "server-template" => return None,
            "server" => {
                let words = l.args();
                if words
                    .iter()
                    .any(|w| w.text == "backup" || w.text == "disabled")
                {
                    continue;
                }
                let (n, span) = maxconn_of(words).or(default)?;
                if n == 0 {
                    return None;
                }
                let b = backends.lookup(&words.get(1)?.text)?;
                if backend.as_ref().is_some_and(|prev| !same(prev, &b)) {
                    return None;
                }
                servers.push((n, span, Some(1)));
                backend = Some(b);
            }
            _ => {}
        }
    }
    Some(Limit {
        proxy: proxy.display(),
        backend: backend?,
        servers,
        workers: None,
    })
}

/// `maxconn N` among a server line's words: the value and the word's span.
fn maxconn_of(words: &[crate::formats::nginx::Word]) -> Option<(u64, Span)> {
    let i = words.iter().position(|w| w.text == "maxconn")?;
    let n = words.get(i + 1)?.text.parse().ok()?;
    Some((n, words.get(i)?.span))
}

fn same(a: &Backend, b: &Backend) -> bool {
    match (a, b) {
        (Backend::Compose(x), Backend::Compose(y)) => x == y,
        (
            Backend::K8s {
                namespace: n1,
                name: s1,
                ..
            },
            Backend::K8s {
                namespace: n2,
                name: s2,
                ..
            },
        ) => n1 == n2 && s1 == s2,
        _ => false,
    }
}

/// Whether DNS answers the name with one address per instance: a scaled
/// compose service, a headless Service, a StatefulSet's governing Service.
fn per_instance(backends: &Backends<'_>, b: &Backend) -> bool {
    let model = backends.model();
    match b {
        Backend::Compose(i) => model
            .compose_services
            .get(*i)
            .and_then(|s| s.instances())
            .is_some_and(|(n, _)| n > 1),
        Backend::K8s {
            service,
            statefulsets,
            ..
        } => match service.and_then(|si| model.services.get(si)) {
            Some(s) => s.headless,
            None => !statefulsets.is_empty(),
        },
    }
}

/// The proxied workload: its minimum replicas and per-pod concurrency.
struct Target {
    display: String,
    replicas: Term,
    processes: Term,
    threads: Term,
    /// Where to point when the replicas are a default.
    anchor: Span,
}

fn target(
    model: &Model,
    config_maps: &HashMap<(Text, Text), &crate::extract::capacity::ConfigMap>,
    b: &Backend,
) -> Option<Target> {
    match b {
        Backend::Compose(i) => {
            let s = model.compose_services.get(*i)?;
            let (n, at) = s.instances()?;
            let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
            let (processes, threads) = concurrency(&words, &compose_env(s))?;
            let source = match at {
                None => "one container, no replicas set",
                Some(_) if s.replicas.is_absent() => "scale",
                Some(_) => "deploy.replicas",
            };
            Some(Target {
                display: format!("compose service `{}`", s.name),
                replicas: Term {
                    value: n,
                    source: source.into(),
                    span: at,
                },
                processes: with_span(processes, s.name_span),
                threads: with_span(threads, s.name_span),
                anchor: s.name_span,
            })
        }
        Backend::K8s {
            service,
            statefulsets,
            ..
        } => {
            let selected: &[usize] = match service {
                Some(si) => model.service_workloads.get(*si)?,
                None => statefulsets,
            };
            let [wi] = selected else { return None };
            let w = model.workloads.get(*wi)?;
            let e = model.envelope(*wi)?;
            let env_of = |c: &Container| container_env(c, &w.namespace, config_maps);
            // The one container whose concurrency is known.
            let mut known = w.pod.running_containers().filter_map(|c| {
                let words = crate::model::capacity::command_words(c);
                let (p, t) = concurrency(&words, &env_of(c))?;
                Some((with_span(p, c.name_span), with_span(t, c.name_span)))
            });
            let (processes, threads) = known.next()?;
            if known.next().is_some() {
                return None;
            }
            Some(Target {
                display: w.display(),
                replicas: Term {
                    value: e.min.value,
                    source: e.min.source.describe(),
                    span: e.min.source.span(),
                },
                processes,
                threads,
                anchor: w.meta.kind_span,
            })
        }
    }
}

/// A term read from a command line has no span of its own: point at the
/// container (or compose service) that runs it. A default stays without.
fn with_span(t: Term, fallback: Span) -> Term {
    let span = match t.span {
        None if t.source.ends_with("default") => None,
        other => other.or(Some(fallback)),
    };
    Term { span, ..t }
}

/// `1 replica`, `3 replicas`; `1 process`, `4 processes`.
fn plural(n: i64, word: &str) -> String {
    match (n, word.ends_with('s')) {
        (1, _) => format!("1 {word}"),
        (_, true) => format!("{n} {word}es"),
        _ => format!("{n} {word}s"),
    }
}

/// Requests one container serves at once: processes × threads, when both
/// are known. Known means: gunicorn with sync or gthread workers and an
/// explicit worker count (`--workers`, `WEB_CONCURRENCY`,
/// `GUNICORN_WORKERS`), threads from `--threads` or `GUNICORN_THREADS`
/// (default 1); puma with workers from `-w`/`--workers` or
/// `WEB_CONCURRENCY` and threads from `-t`/`--threads` (the maximum) or
/// `RAILS_MAX_THREADS`/`PUMA_MAX_THREADS`; or, when no command is written,
/// a process count and a thread count both in the environment. Async
/// servers (uvicorn, gevent or eventlet workers) have no fixed
/// concurrency, and a gunicorn config file or `GUNICORN_CMD_ARGS` may set
/// what the command does not show: all unknown.
fn concurrency(words: &[&str], env: &Env) -> Option<(Term, Term)> {
    let server = words.iter().enumerate().find_map(|(i, w)| {
        let base = w.rsplit('/').next().unwrap_or(w);
        matches!(
            base,
            "gunicorn" | "puma" | "uvicorn" | "celery" | "hypercorn" | "daphne"
        )
        .then_some((i, base))
    });
    let env_term = |vars: &[&str]| {
        vars.iter().find_map(|var| {
            let (v, span) = env.get(*var)?.as_ref()?;
            Some(Term {
                value: parse_count(v)?,
                source: (*var).to_string(),
                span: Some(*span),
            })
        })
    };
    let flag = |names: &[&str], after: usize| -> Option<(String, &str)> {
        let rest = words.get(after..)?;
        rest.iter().enumerate().find_map(|(i, w)| {
            names.iter().find_map(|n| {
                if *w == *n {
                    Some(((*n).to_string(), *rest.get(i + 1)?))
                } else {
                    w.strip_prefix(&format!("{n}="))
                        .map(|v| ((*n).to_string(), v))
                }
            })
        })
    };
    match server {
        Some((i, "gunicorn")) => {
            if flag(&["-c", "--config"], i).is_some() || env.contains_key("GUNICORN_CMD_ARGS") {
                return None;
            }
            if let Some((_, class)) = flag(&["-k", "--worker-class"], i)
                && !matches!(class, "sync" | "gthread")
            {
                return None;
            }
            let processes = processes_of(words, env)?;
            let threads = match flag(&["--threads"], i) {
                Some((name, v)) => Term {
                    value: parse_count(v)?,
                    source: format!("gunicorn {name}"),
                    span: None,
                },
                None => env_term(&["GUNICORN_THREADS"]).unwrap_or(Term {
                    value: 1,
                    source: "gunicorn --threads default".into(),
                    span: None,
                }),
            };
            Some((processes, threads))
        }
        Some((i, "puma")) => {
            let processes = match flag(&["-w", "--workers"], i) {
                Some((name, v)) => Term {
                    value: parse_count(v)?,
                    source: format!("puma {name}"),
                    span: None,
                },
                None => env_term(&["WEB_CONCURRENCY"])?,
            };
            let threads = match flag(&["-t", "--threads"], i) {
                Some((name, v)) => Term {
                    value: parse_count(v.rsplit(':').next().unwrap_or(v))?,
                    source: format!("puma {name} maximum"),
                    span: None,
                },
                None => env_term(&["RAILS_MAX_THREADS", "PUMA_MAX_THREADS"])?,
            };
            Some((processes, threads))
        }
        Some(_) => None,
        // A command that is not a known server: unknown.
        None if !words.is_empty() => None,
        None => Some((
            env_term(&["WEB_CONCURRENCY", "GUNICORN_WORKERS"])?,
            env_term(&["RAILS_MAX_THREADS", "PUMA_MAX_THREADS", "GUNICORN_THREADS"])?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        vars.iter()
            .map(|(k, v)| {
                let span = Span::file_start(crate::source::FileId(0));
                (Text::from(*k), Some((Text::from(*v), span)))
            })
            .collect()
    }

    fn per_pod(cmd: &str, vars: &[(&str, &str)]) -> Option<i64> {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        concurrency(&words, &env(vars)).map(|(p, t)| p.value * t.value)
    }

    #[test]
    fn what_counts_as_known_concurrency() {
        assert_eq!(
            per_pod("gunicorn app:app --workers 4 --threads 2", &[]),
            Some(8)
        );
        assert_eq!(per_pod("gunicorn -w 3 app:app", &[]), Some(3));
        assert_eq!(
            per_pod("gunicorn app:app", &[("WEB_CONCURRENCY", "5")]),
            Some(5)
        );
        assert_eq!(
            per_pod("gunicorn app:app -w 2", &[("GUNICORN_THREADS", "4")]),
            Some(8)
        );
        // No explicit worker count, async workers, a config file: unknown.
        assert_eq!(per_pod("gunicorn app:app", &[]), None);
        assert_eq!(per_pod("gunicorn -k gevent -w 4 app:app", &[]), None);
        assert_eq!(per_pod("gunicorn -c conf.py -w 4 app:app", &[]), None);
        assert_eq!(per_pod("uvicorn app:app --workers 4", &[]), None);
        assert_eq!(per_pod("bundle exec puma -w 2 -t 5:16", &[]), Some(32));
        assert_eq!(
            per_pod(
                "bundle exec puma",
                &[("WEB_CONCURRENCY", "2"), ("RAILS_MAX_THREADS", "5")]
            ),
            Some(10)
        );
        assert_eq!(per_pod("bundle exec puma -w 2", &[]), None);
        assert_eq!(
            per_pod("", &[("WEB_CONCURRENCY", "3"), ("RAILS_MAX_THREADS", "5")]),
            Some(15)
        );
        assert_eq!(per_pod("", &[("WEB_CONCURRENCY", "3")]), None);
        assert_eq!(
            per_pod(
                "node server.js",
                &[("WEB_CONCURRENCY", "3"), ("RAILS_MAX_THREADS", "5")]
            ),
            None
        );
        assert_eq!(per_pod("gunicorn -w many app:app", &[]), None);
    }
}
