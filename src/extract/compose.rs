//! docker compose services read into facts with spans: name, image,
//! command and entrypoint, environment, replica count and volumes.
//!
//! A compose file is a YAML document with a `services` mapping. Fields keep
//! their spans so rules can point at the line to change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::extract::Val;
use crate::extract::compose_env::{EnvFile, Var, Vars, interpolate, lookup, resolve_vars};
use crate::extract::k8s::count;
use crate::formats::yaml::{ScalarLoc, Y, YamlFile};
use crate::source::{FileId, Span};

/// A string value and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    pub text: String,
    pub span: Span,
}

/// A `volumes:` entry of a service.
#[derive(Clone, Debug)]
pub struct Volume {
    /// Host path or named volume (empty for anonymous volumes).
    pub source: String,
    pub target: String,
    /// A bind mount of a host path (`./x`, `/x`, `~/x`, or `type: bind`).
    pub bind: bool,
    pub span: Span,
    /// The short syntax as written, when it holds a variable: Compose
    /// interpolates it before splitting it at `:`. Empty for the long
    /// syntax with a variable in `source` or `target`.
    pub raw: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub file: FileId,
    /// The compose file, for resolving relative bind mounts.
    pub path: PathBuf,
    pub name: String,
    /// The service's key.
    pub name_span: Span,
    pub image: Option<Spanned>,
    /// `command`, split into words when written as a string.
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub environment: Vec<(String, Spanned)>,
    /// `deploy.replicas`.
    pub replicas: Val<i64>,
    /// `scale` (the older form).
    pub scale: Val<i64>,
    pub volumes: Vec<Volume>,
    pub container_name: Option<Spanned>,
    /// The `container_name:` key.
    pub container_name_key: Option<Span>,
    pub ports: Vec<Port>,
    pub depends_on: Vec<Dependency>,
    /// `healthcheck`: `Some(true)` when defined, `Some(false)` when
    /// `disable: true` or `test: ["NONE"]`, `None` when absent.
    pub healthcheck: Option<bool>,
    /// The `deploy:` key.
    pub deploy_key: Option<Span>,
    /// `deploy.resources.limits` with at least one entry.
    pub limits: bool,
    /// `env_file:` entries, in order.
    pub env_files: Vec<EnvFileRef>,
    /// Environment keys whose value is unknown: a variable the tree does
    /// not set, or a value passed through from the shell (`- DEBUG`).
    pub unknown_env: Vec<String>,
    /// Values as written, for interpolation by `resolve`.
    pub raw: RawValues,
    /// Interpolated environment keys (and `deploy.replicas`, `scale`) with
    /// the variables they took and where those are set.
    pub origins: Vec<(String, String)>,
}

/// An `env_file:` entry.
#[derive(Clone, Debug)]
pub struct EnvFileRef {
    /// As written, relative to the compose file's directory.
    pub path: String,
    /// `required:` of the long syntax (default true).
    pub required: bool,
    /// `format: raw`: values are read literally.
    pub raw_format: bool,
    pub span: Span,
}

/// How `command`/`entrypoint` are written.
#[derive(Clone, Debug)]
pub enum Words {
    /// A sequence: each item is one word.
    List(Vec<String>),
    /// A string, split like a shell.
    Line(String),
}

/// Values that interpolation may change, as written.
#[derive(Clone, Debug, Default)]
pub struct RawValues {
    /// `deploy.replicas` / `scale` written as a string with a `$`.
    pub replicas: Option<(String, Span)>,
    pub scale: Option<(String, Span)>,
    pub command: Option<Words>,
    pub entrypoint: Option<Words>,
    /// Each written value of `entrypoint` and then `command`, with where
    /// it is written.
    pub argv_scalars: Vec<(String, ScalarLoc)>,
}

/// A `ports:` entry.
#[derive(Clone, Debug)]
pub struct Port {
    /// As written (short syntax) or `published:target` (long syntax).
    pub text: String,
    /// The host ports it publishes: `None` when the host port is left to
    /// Docker (an ephemeral port), else the first and last of the range.
    pub published: Option<(u32, u32)>,
    pub span: Span,
}

/// A `depends_on` entry.
#[derive(Clone, Debug)]
pub struct Dependency {
    pub name: String,
    /// `condition:` of the long syntax; the short syntax means `service_started`.
    pub condition: Option<String>,
    pub span: Span,
}

impl Service {
    /// Containers this service runs: `deploy.replicas`, else `scale`, else 1.
    /// `None` when the written count is unreadable.
    pub fn instances(&self) -> Option<(i64, Option<Span>)> {
        match (self.replicas, self.scale) {
            (Val::Set(n, s), _) => Some((n, Some(s))),
            (Val::Invalid(_), _) => None,
            (Val::Absent, Val::Set(n, s)) => Some((n, Some(s))),
            (Val::Absent, Val::Invalid(_)) => None,
            (Val::Absent, Val::Absent) => Some((1, None)),
        }
    }

    pub fn env(&self, key: &str) -> Option<&Spanned> {
        self.environment
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Entrypoint and command, in the order the container runs them.
    pub fn argv(&self) -> impl Iterator<Item = &str> {
        self.entrypoint
            .iter()
            .chain(self.command.iter())
            .map(|s| s.as_str())
    }

    /// The host path a bind mount reads, resolved against the compose file.
    pub fn bind_source(&self, v: &Volume) -> Option<PathBuf> {
        if !v.bind {
            return None;
        }
        let dir = self.path.parent().unwrap_or(Path::new(""));
        Some(normalize(&dir.join(&v.source)))
    }
}

/// Interpolates the services' values with the variables of their project's
/// `.env` (the compose file's directory) and adds the variables of their
/// `env_file:`s, as Compose does before it creates containers. Only files
/// of the scanned tree are read; a variable nothing in the tree sets makes
/// the value unknown.
/// `display` names a file in messages (`deploy/.env`).
pub fn resolve(
    services: &mut [Service],
    env_files: &[EnvFile],
    display: &dyn Fn(FileId) -> String,
) {
    if services.is_empty() {
        return;
    }
    let by_path: HashMap<PathBuf, &EnvFile> =
        env_files.iter().map(|e| (normalize(&e.path), e)).collect();
    let mut projects: HashMap<PathBuf, Project> = HashMap::new();
    for s in services {
        let dir = normalize(s.path.parent().unwrap_or(Path::new("")));
        let project = projects.entry(dir.clone()).or_insert_with(|| {
            let Some(env) = by_path.get(&dir.join(".env")) else {
                return Project::default();
            };
            Project {
                vars: resolve_vars(env, None),
                set_at: env
                    .lines
                    .iter()
                    .map(|l| {
                        let at = format!("{}:{}", display(env.file), l.span.start.line);
                        (l.key.clone(), at)
                    })
                    .collect(),
            }
        });
        s.interpolate(project, &dir, &by_path);
    }
}

/// A project's variables, and where each is set (`deploy/.env:3`).
#[derive(Default)]
struct Project {
    vars: Vars,
    set_at: HashMap<String, String>,
}

impl Project {
    /// Which variables a value that needed interpolation took, and from
    /// where: `POOL=15 in deploy/.env:2`, `POOL not set, so its default`.
    fn origin(&self, text: &str) -> Option<String> {
        if !text.contains('$') {
            return None;
        }
        let seen = std::cell::RefCell::new(Vec::<String>::new());
        interpolate(text, &|n| {
            let mut s = seen.borrow_mut();
            if !s.iter().any(|x| x == n) {
                s.push(n.to_string());
            }
            lookup(&self.vars, n)
        })?;
        let parts: Vec<String> = seen
            .into_inner()
            .iter()
            .map(|n| match (lookup(&self.vars, n), self.set_at.get(n)) {
                (Var::Set(v), Some(at)) => format!("{n}={v} in {at}"),
                (Var::Set(v), None) => format!("{n}={v}"),
                _ => format!("{n} not set, so its default"),
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl Service {
    /// Where the variables of an interpolated environment value (or
    /// `deploy.replicas`, `scale`) came from, for messages.
    pub fn origin(&self, key: &str) -> Option<&str> {
        self.origins
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, o)| o.as_str())
    }

    fn interpolate(
        &mut self,
        project: &Project,
        dir: &Path,
        env_files: &HashMap<PathBuf, &EnvFile>,
    ) {
        let vars = &project.vars;
        let look = |name: &str| lookup(vars, name);
        let interp = |t: &str| interpolate(t, &look);
        let mut unknown = Vec::new();
        let mut passed_through = Vec::new();
        for (k, v) in &mut self.environment {
            if self.unknown_env.contains(k) {
                // `- KEY` or `KEY:` takes the project's value.
                match lookup(vars, k) {
                    Var::Set(x) => v.text = x.to_string(),
                    _ => {
                        unknown.push(k.clone());
                        passed_through.push(k.clone());
                    }
                }
                continue;
            }
            if let Some(o) = project.origin(&v.text) {
                self.origins.push((k.clone(), o));
            }
            match interp(&v.text) {
                Some(t) => v.text = t,
                None => unknown.push(k.clone()),
            }
        }
        // env_file: later files override earlier ones; `environment:` wins
        // over all of them, except a pass-through the project does not set.
        let mut from_files: Vec<(String, Spanned, bool)> = Vec::new();
        for r in &self.env_files {
            let Some(p) = interp(&r.path) else { continue };
            let Some(ef) = env_files.get(&normalize(&dir.join(p))) else {
                continue;
            };
            let values = if r.raw_format {
                ef.lines
                    .iter()
                    .map(|l| (l.key.clone(), Some(l.value.clone())))
                    .collect()
            } else {
                resolve_vars(ef, Some(vars))
            };
            for line in &ef.lines {
                let Some(value) = values.get(&line.key) else {
                    continue;
                };
                from_files.retain(|(k, _, _)| *k != line.key);
                let entry = Spanned {
                    text: value.clone().unwrap_or_else(|| line.value.clone()),
                    span: line.span,
                };
                from_files.push((line.key.clone(), entry, value.is_some()));
            }
        }
        for (k, v, known) in from_files {
            if let Some(i) = self.environment.iter().position(|(ek, _)| *ek == k) {
                if !passed_through.contains(&k) {
                    continue;
                }
                self.environment.remove(i);
                unknown.retain(|u| *u != k);
            }
            if !known {
                unknown.push(k.clone());
            }
            self.environment.push((k, v));
        }
        self.unknown_env = unknown;
        for (field, raw) in [
            ("deploy.replicas", &self.raw.replicas),
            ("scale", &self.raw.scale),
        ] {
            if let Some(o) = raw.as_ref().and_then(|(t, _)| project.origin(t)) {
                self.origins.push((field.to_string(), o));
            }
        }
        if let Some((t, span)) = &self.raw.replicas {
            self.replicas = interpolated_count(interp(t), *span);
        }
        if let Some((t, span)) = &self.raw.scale {
            self.scale = interpolated_count(interp(t), *span);
        }
        if let Some(w) = &self.raw.command {
            self.command = w.split(&interp);
        }
        if let Some(w) = &self.raw.entrypoint {
            self.entrypoint = w.split(&interp);
        }
        for field in [&mut self.image, &mut self.container_name]
            .into_iter()
            .flatten()
        {
            if let Some(t) = interp(&field.text) {
                field.text = t;
            }
        }
        for p in &mut self.ports {
            if p.text.contains('$') {
                p.published = interp(&p.text).and_then(|t| published_ports(&t));
            }
        }
        for v in &mut self.volumes {
            match v.raw.as_deref() {
                None => {}
                // The long syntax: each field on its own.
                Some("") => {
                    for part in [&mut v.source, &mut v.target] {
                        if let Some(t) = interp(part) {
                            *part = t;
                        }
                    }
                    v.bind = v.bind || is_host_path(&v.source);
                }
                Some(raw) => {
                    if let Some(t) = interp(raw) {
                        *v = short_volume(&t, v.span);
                    }
                }
            }
        }
    }
}

fn interpolated_count(text: Option<String>, span: Span) -> Val<i64> {
    match text.and_then(|t| t.trim().parse::<i64>().ok()) {
        Some(n) if n >= 0 => Val::Set(n, span),
        _ => Val::Invalid(span),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reads the services of every compose document of a file.
pub fn extract(yaml: &YamlFile<'_>, file: FileId, path: &Path, out: &mut Vec<Service>) {
    for doc in &yaml.docs {
        let root = yaml.root(doc);
        // A Kubernetes object is never a compose file.
        if root.get("apiVersion").is_some() || root.get("kind").is_some() {
            continue;
        }
        let Some(services) = root.get("services").filter(|s| s.is_map()) else {
            continue;
        };
        for (k, v) in services.entries() {
            let Some(name) = k.as_str() else { continue };
            if !v.is_map() {
                continue;
            }
            out.push(service(name, k, v, file, path));
        }
    }
}

fn spanned(node: Y<'_, '_>, file: FileId) -> Option<Spanned> {
    node.as_text().map(|t| Spanned {
        text: t.to_string(),
        span: Span::new(file, node.start(), node.start()),
    })
}

fn raw_words(node: Option<Y<'_, '_>>) -> Option<Words> {
    let node = node?;
    if node.is_seq() {
        return Some(Words::List(
            node.items()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ));
    }
    node.as_text().map(|t| Words::Line(t.to_string()))
}

impl Words {
    /// The words after interpolating each written value with `interp`;
    /// a value it cannot resolve stays as written.
    pub fn split(&self, interp: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        match self {
            Words::List(items) => items
                .iter()
                .map(|i| interp(i).unwrap_or_else(|| i.clone()))
                .collect(),
            Words::Line(line) => shell_words(&interp(line).unwrap_or_else(|| line.clone())),
        }
    }
}

/// A count written as a string with a variable (`replicas: ${N:-2}`).
fn raw_count(map: Option<Y<'_, '_>>, key: &str, file: FileId) -> Option<(String, Span)> {
    let (k, v) = map?.entry(key)?;
    let text = v.as_text().filter(|t| t.contains('$'))?;
    Some((text.to_string(), key_span(k, file)))
}

fn env_file_refs(node: Option<Y<'_, '_>>, file: FileId) -> Vec<EnvFileRef> {
    let Some(node) = node else { return Vec::new() };
    let one = |item: Y<'_, '_>| -> Option<EnvFileRef> {
        let span = Span::new(file, item.start(), item.start());
        if item.is_map() {
            return Some(EnvFileRef {
                path: item.get_str("path")?.to_string(),
                required: item.get("required").and_then(|r| r.as_bool()) != Some(false),
                raw_format: item.get_str("format") == Some("raw"),
                span,
            });
        }
        Some(EnvFileRef {
            path: item.as_text()?.to_string(),
            required: true,
            raw_format: false,
            span,
        })
    };
    if node.is_seq() {
        node.items().filter_map(one).collect()
    } else {
        one(node).into_iter().collect()
    }
}

/// A command string split as a shell would split plain words: blanks
/// separate, quotes group and are removed, a backslash escapes.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

fn service(name: &str, key: Y<'_, '_>, v: Y<'_, '_>, file: FileId, path: &Path) -> Service {
    let mut environment = Vec::new();
    let mut unknown_env = Vec::new();
    if let Some(env) = v.get("environment") {
        if env.is_map() {
            for (k, val) in env.entries() {
                if let Some(k) = k.as_str() {
                    if val.is_null() {
                        unknown_env.push(k.to_string());
                    }
                    let text = val.as_str().unwrap_or("").to_string();
                    environment.push((
                        k.to_string(),
                        Spanned {
                            text,
                            span: Span::new(file, val.start(), val.start()),
                        },
                    ));
                }
            }
        } else {
            for item in env.items() {
                if let Some(s) = item.as_str() {
                    if !s.contains('=') {
                        unknown_env.push(s.to_string());
                    }
                    let (k, val) = s.split_once('=').unwrap_or((s, ""));
                    environment.push((
                        k.to_string(),
                        Spanned {
                            text: val.to_string(),
                            span: Span::new(file, item.start(), item.start()),
                        },
                    ));
                }
            }
        }
    }
    let volumes = v
        .get("volumes")
        .into_iter()
        .flat_map(|vs| vs.items())
        .filter_map(|item| volume(item, file))
        .collect();
    Service {
        file,
        path: path.to_path_buf(),
        name: name.to_string(),
        name_span: Span::new(file, key.start(), key.start()),
        image: v.get("image").and_then(|i| spanned(i, file)),
        command: raw_words(v.get("command"))
            .map(|w| w.split(&|t| Some(t.to_string())))
            .unwrap_or_default(),
        entrypoint: raw_words(v.get("entrypoint"))
            .map(|w| w.split(&|t| Some(t.to_string())))
            .unwrap_or_default(),
        environment,
        replicas: v
            .get("deploy")
            .map_or(Val::Absent, |d| count(d, "replicas", file)),
        scale: count(v, "scale", file),
        volumes,
        container_name: v.get("container_name").and_then(|c| spanned(c, file)),
        container_name_key: v
            .entry("container_name")
            .filter(|(_, c)| !c.is_null())
            .map(|(k, _)| key_span(k, file)),
        ports: v
            .get("ports")
            .into_iter()
            .flat_map(|p| p.items())
            .filter_map(|p| port(p, file))
            .collect(),
        depends_on: dependencies(v.get("depends_on"), file),
        healthcheck: v.get("healthcheck").map(|h| {
            let disabled = h.get("disable").and_then(|d| d.as_bool()) == Some(true)
                || h.get("test")
                    .is_some_and(|t| t.items().next().and_then(|i| i.as_str()) == Some("NONE"));
            !disabled
        }),
        deploy_key: v.entry("deploy").map(|(k, _)| key_span(k, file)),
        limits: v
            .path(&["deploy", "resources", "limits"])
            .is_some_and(|l| !l.entries().is_empty()),
        env_files: env_file_refs(v.get("env_file"), file),
        unknown_env,
        origins: Vec::new(),
        raw: RawValues {
            replicas: raw_count(v.get("deploy"), "replicas", file),
            scale: raw_count(Some(v), "scale", file),
            command: raw_words(v.get("command")),
            entrypoint: raw_words(v.get("entrypoint")),
            argv_scalars: ["entrypoint", "command"]
                .into_iter()
                .filter_map(|k| v.get(k))
                .flat_map(|n| {
                    if n.is_seq() {
                        n.items().collect()
                    } else {
                        vec![n]
                    }
                })
                .filter_map(|i| Some((i.as_text()?.to_string(), i.scalar_loc()?)))
                .collect(),
        },
    }
}

fn key_span(k: Y<'_, '_>, file: FileId) -> Span {
    let (start, end) = (k.start(), k.end());
    Span::new(
        file,
        start,
        if end.line == start.line { end } else { start },
    )
}

/// `8080`, `8080-8085` → the host port range.
fn host_ports(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    match text.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => text.parse().ok().map(|p| (p, p)),
    }
}

fn port(p: Y<'_, '_>, file: FileId) -> Option<Port> {
    let span = Span::new(file, p.start(), p.start());
    if p.is_map() {
        let published = p
            .get("published")
            .and_then(|v| v.as_str())
            .and_then(host_ports);
        let target = p.get("target").and_then(|t| t.as_str()).unwrap_or("");
        return Some(Port {
            text: format!(
                "{}:{target}",
                p.get("published").and_then(|v| v.as_str()).unwrap_or("")
            ),
            published,
            span,
        });
    }
    let text = p.as_str()?.to_string();
    Some(Port {
        published: published_ports(&text),
        text,
        span,
    })
}

/// The host ports of a short-syntax entry, `[ip:]host:container[/proto]`;
/// a bare container port gets an ephemeral host port.
fn published_ports(text: &str) -> Option<(u32, u32)> {
    let no_proto = text.split('/').next().unwrap_or(text);
    let parts: Vec<&str> = no_proto.rsplitn(3, ':').collect();
    match parts.as_slice() {
        [_container, host] | [_container, host, _] if !host.is_empty() => host_ports(host),
        _ => None,
    }
}

fn dependencies(node: Option<Y<'_, '_>>, file: FileId) -> Vec<Dependency> {
    let Some(node) = node else { return Vec::new() };
    if node.is_map() {
        return node
            .entries()
            .into_iter()
            .filter_map(|(k, v)| {
                Some(Dependency {
                    name: k.as_str()?.to_string(),
                    condition: v.get_str("condition").map(str::to_string),
                    span: key_span(k, file),
                })
            })
            .collect();
    }
    node.items()
        .filter_map(|i| {
            Some(Dependency {
                name: i.as_text()?.to_string(),
                condition: None,
                span: key_span(i, file),
            })
        })
        .collect()
}

fn volume(item: Y<'_, '_>, file: FileId) -> Option<Volume> {
    let span = Span::new(file, item.start(), item.start());
    if item.is_map() {
        let source = item.get_str("source").unwrap_or("").to_string();
        let target = item.get_str("target").unwrap_or("").to_string();
        let bind = item.get_str("type") == Some("bind") || is_host_path(&source);
        return Some(Volume {
            raw: [&source, &target]
                .iter()
                .any(|p| p.contains('$'))
                .then(String::new),
            source,
            target,
            bind,
            span,
        });
    }
    let text = item.as_text()?;
    let mut v = short_volume(text, span);
    v.raw = text.contains('$').then(|| text.to_string());
    Some(v)
}

/// `source:target[:mode]` or a bare target (an anonymous volume).
fn short_volume(text: &str, span: Span) -> Volume {
    let mut parts = text.splitn(3, ':');
    let first = parts.next().unwrap_or("");
    let (source, target) = match parts.next() {
        Some(target) => (first.to_string(), target.to_string()),
        None => (String::new(), first.to_string()),
    };
    Volume {
        bind: is_host_path(&source),
        source,
        target,
        span,
        raw: None,
    }
}

fn is_host_path(s: &str) -> bool {
    s.starts_with('.') || s.starts_with('/') || s.starts_with('~')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(text: &str) -> Vec<Service> {
        let f = crate::formats::yaml::parse(text);
        let mut out = Vec::new();
        extract(&f, FileId(0), Path::new("deploy/compose.yaml"), &mut out);
        out
    }

    #[test]
    fn services_with_their_fields() {
        let s = services(
            "services:\n  sentinel:\n    image: redis:7\n    command: redis-server /etc/sentinel.conf --sentinel\n    environment:\n      - A=1\n    deploy:\n      replicas: 3\n    volumes:\n      - ./conf/sentinel.conf:/etc/sentinel.conf\n      - data:/data\n  zoo:\n    image: zookeeper\n    environment: {ZOO_MY_ID: 1}\n    scale: 2\n",
        );
        assert_eq!(s.len(), 2);
        let a = &s[0];
        assert_eq!(a.name, "sentinel");
        assert_eq!(a.name_span.start.line, 2);
        assert_eq!(a.command.last().map(|s| s.as_str()), Some("--sentinel"));
        assert_eq!(a.env("A").unwrap().text, "1");
        assert_eq!(a.instances().map(|i| i.0), Some(3));
        assert_eq!(
            a.bind_source(&a.volumes[0]),
            Some(PathBuf::from("deploy/conf/sentinel.conf"))
        );
        assert!(!a.volumes[1].bind);
        assert_eq!(s[1].instances().map(|i| i.0), Some(2));
        assert_eq!(s[1].env("ZOO_MY_ID").unwrap().text, "1");
    }

    #[test]
    fn command_strings_split_like_a_shell() {
        assert_eq!(
            shell_words(r#"sh -c "redis-server /etc/s.conf --sentinel" 'a b' c\ d"#),
            [
                "sh",
                "-c",
                "redis-server /etc/s.conf --sentinel",
                "a b",
                "c d"
            ]
        );
        assert!(shell_words("  ").is_empty());
        assert_eq!(shell_words("x \"\""), ["x", ""]);
    }

    #[test]
    fn values_are_interpolated_with_the_projects_env_file() {
        let mut s = services(
            "services:\n  cache:\n    image: redis:${TAG:-7}\n    command: redis-server /etc/redis.conf --maxclients ${MAX}\n    environment: [A=$A, 'B=${NOPE}', PASSED, 'C=${UNSET_C:-4}']\n    volumes: ['${CONF:-./conf}/redis.conf:/etc/redis.conf']\n    scale: ${N}\n    ports: ['${PORT}:6379']\n",
        );
        let env = crate::extract::compose_env::parse(
            "A=1\nMAX=500\nN=2\nPASSED=yes\nPORT=7000\n",
            FileId(1),
            PathBuf::from("deploy/.env"),
        );
        resolve(&mut s, &[env], &|_| "deploy/.env".to_string());
        assert_eq!(s[0].origin("A"), Some("A=1 in deploy/.env:1"));
        assert_eq!(s[0].origin("scale"), Some("N=2 in deploy/.env:3"));
        assert_eq!(s[0].origin("C"), Some("UNSET_C not set, so its default"));
        assert_eq!(s[0].env("C").unwrap().text, "4");
        let c = &s[0];
        assert_eq!(c.image.as_ref().unwrap().text, "redis:7");
        assert_eq!(c.command.last().map(|s| s.as_str()), Some("500"));
        assert_eq!(c.env("A").unwrap().text, "1");
        assert_eq!(c.env("PASSED").unwrap().text, "yes");
        assert_eq!(c.unknown_env, ["B"]);
        assert_eq!(
            c.bind_source(&c.volumes[0]),
            Some(PathBuf::from("deploy/conf/redis.conf"))
        );
        assert_eq!(c.instances().map(|i| i.0), Some(2));
        assert_eq!(c.ports[0].published, Some((7000, 7000)));
    }

    #[test]
    fn kubernetes_objects_are_not_compose() {
        assert!(services("apiVersion: v1\nkind: List\nservices: {a: {image: x}}\n").is_empty());
    }
}

/// `docker compose up --scale web=3` (also `--scale=web=3` and the old
/// `docker-compose scale web=3`) written in a file of the tree: a CI step,
/// a compose file's comment. Evidence that tooling outside the compose file
/// runs several containers of that service.
#[derive(Debug, Clone)]
pub struct ScaleCommand {
    pub service: String,
    pub count: i64,
    pub span: Span,
    /// `path:line`, for messages.
    pub place: String,
}

/// The `--scale SERVICE=N` arguments in `text`.
pub fn scale_commands(text: &str, file: FileId, display: &str, out: &mut Vec<ScaleCommand>) {
    // Most Kubernetes files say `scale` (`autoscaling/v2`, `scaleTargetRef`);
    // few hold a scale command, and both forms need one of these.
    if !text.contains("--scale") && !text.contains("compose") {
        return;
    }
    let mut index = None;
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|t| t.find("scale")) {
        let at = from + found;
        from = at + "scale".len();
        // `--scale`, or `compose scale` / `docker-compose scale`.
        let flag = at >= 2 && text.get(at - 2..at) == Some("--");
        let command = text
            .get(..at)
            .is_some_and(|b| b.trim_end().ends_with("compose") && b.ends_with(' '));
        if !flag && !command {
            continue;
        }
        let mut rest = at + "scale".len();
        match bytes.get(rest) {
            Some(b'=') if flag => rest += 1,
            Some(b' ') => {
                while bytes.get(rest) == Some(&b' ') {
                    rest += 1;
                }
            }
            _ => continue,
        }
        let word_end = text
            .get(rest..)
            .and_then(|t| {
                t.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ']'))
            })
            .map_or(text.len(), |e| rest + e);
        let Some((service, count)) = text.get(rest..word_end).and_then(|w| w.split_once('='))
        else {
            continue;
        };
        let valid = !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let Ok(count) = count.parse::<i64>() else {
            continue;
        };
        if valid {
            let index = index.get_or_insert_with(|| crate::source::LineIndex::new(text));
            let start = index.pos_of_offset(rest);
            out.push(ScaleCommand {
                service: service.to_string(),
                count,
                span: Span::new(file, start, index.pos_of_offset(word_end)),
                place: format!("{display}:{}", start.line),
            });
        }
    }
}

#[cfg(test)]
mod scale_tests {
    use super::*;

    #[test]
    fn scale_arguments_are_found_in_any_text() {
        let mut out = Vec::new();
        let text = "run: docker compose up -d --scale web=3 --scale worker=2\n# docker-compose scale api=4\nx: --scale=db=1\nnot: rescale web=9 --scale =2 --scale web=x\n";
        scale_commands(text, FileId(0), "ci.yml", &mut out);
        let got: Vec<(&str, i64, u32, u32)> = out
            .iter()
            .map(|c| {
                (
                    c.service.as_str(),
                    c.count,
                    c.span.start.line,
                    c.span.start.col,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("web", 3, 1, 35),
                ("worker", 2, 1, 49),
                ("api", 4, 2, 24),
                ("db", 1, 3, 12)
            ]
        );
    }
}
