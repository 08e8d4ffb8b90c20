//! nginx configurations as the SL5xx rules see them: every entry file with
//! its includes expanded in place, and every `proxy_pass` with the
//! `proxy_http_version`, `proxy_set_header` and `proxy_next_upstream` it
//! inherits from http → server → location (→ nested location / `if`).
//!
//! Includes resolve only to files of the scanned tree, never to anything
//! outside it: a relative pattern is tried against the configuration prefix
//! (the directory holding the tree's `nginx.conf`, as nginx resolves against
//! its prefix such as `/etc/nginx/`) and then against the including file's
//! directory; an absolute one under a usual prefix (`/etc/nginx/…`) maps onto
//! that directory, any other absolute path is refused with a note. A file
//! that some other file includes is read in that context only; one that
//! nothing includes is read on its own.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::extract::Text;
use crate::formats::nginx::{Directive, NginxFile, Word};
use crate::source::{FileId, SourceFile, Span};

/// Includes nested deeper than this are not followed.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Files included into one configuration, counting every time a file is
/// included again: without a cap, a few files that each include the next
/// twice would expand exponentially.
pub const MAX_INCLUSIONS: usize = 4_096;

/// Directives whose blocks hold data (keys and values), not directives.
pub const DATA_BLOCKS: &[&str] = &[
    "map",
    "geo",
    "types",
    "split_clients",
    "charset_map",
    "match",
];

/// Install prefixes that absolute includes are mapped from.
const PREFIXES: &[&str] = &[
    "/etc/nginx/",
    "/usr/local/etc/nginx/",
    "/usr/local/nginx/conf/",
    "/usr/local/openresty/nginx/conf/",
    "/opt/homebrew/etc/nginx/",
    "/etc/openresty/",
];

/// An include that was not followed.
#[derive(Clone, Debug)]
pub struct IncludeNote {
    pub span: Span,
    pub pattern: String,
    pub message: String,
    pub help: &'static str,
}

/// A directive's value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    /// The directive's name.
    pub span: Span,
}

/// One `proxy_set_header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Lower-cased.
    pub name: Text,
    pub value: Word,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct UpstreamServer {
    pub address: Word,
    /// The `server` word.
    pub span: Span,
    pub backup: bool,
    /// `down`: permanently unavailable, never sent a request.
    pub down: bool,
    pub resolve: bool,
    /// The `max_fails=0` word.
    pub max_fails_zero: Option<Span>,
    pub max_conns: Option<Setting<u64>>,
}

#[derive(Clone, Debug)]
pub struct Upstream {
    pub name: Text,
    /// The `upstream` word.
    pub span: Span,
    pub stream: bool,
    pub servers: Vec<UpstreamServer>,
    pub keepalive: Option<Setting<u64>>,
    /// A `zone` directive: the group's state (and `max_conns` counts) is
    /// shared by all worker processes.
    pub zone: bool,
}

/// A `map` block: what its result variable is for an empty source value.
#[derive(Clone, Debug)]
pub struct MapBlock {
    /// `$connection_upgrade`.
    pub variable: Text,
    /// The value for an empty source: its `''` entry, else `default`, else
    /// the empty string; and where that entry is.
    pub empty: Setting<Text>,
}

#[derive(Clone, Debug)]
pub struct ProxyPass {
    /// The `proxy_pass` word.
    pub span: Span,
    pub url: Word,
    /// The enclosing `location`'s path.
    pub location: Option<Word>,
    pub stream: bool,
    pub http_version: Option<Setting<Text>>,
    /// The `proxy_set_header` set in effect (`None`: nginx's defaults).
    pub headers: Option<Vec<Header>>,
    /// A `Connection` header of an outer level that this level's own
    /// `proxy_set_header` lines hide (they replace the whole inherited set).
    pub hidden_connection: Option<Header>,
    pub next_upstream: Option<Setting<Vec<Text>>>,
}

impl ProxyPass {
    /// `http`/`https`, or `None` for stream `proxy_pass name;`.
    pub fn scheme(&self) -> Option<&str> {
        self.url.text.split_once("://").map(|(s, _)| s)
    }

    /// The host (with port, if written) of the URL; `None` when it is built
    /// from variables, so unknown until a request comes.
    pub fn host(&self) -> Option<&str> {
        let rest = self
            .url
            .text
            .split_once("://")
            .map_or(self.url.text.as_str(), |(_, r)| r);
        let host = rest.split('/').next().unwrap_or_default();
        (!host.is_empty() && !host.contains('$')).then_some(host)
    }

    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers.as_ref()?.iter().rev().find(|h| h.name == name)
    }
}

/// One entry file with everything it includes.
#[derive(Clone, Debug)]
pub struct NginxConfig {
    pub entry: FileId,
    pub upstreams: Vec<Upstream>,
    pub proxy_passes: Vec<ProxyPass>,
    pub maps: Vec<MapBlock>,
    /// Directive names outside data and Lua blocks that open-source nginx
    /// does not know, for SL504 (the others are not kept).
    pub unknown_directives: Vec<Word>,
    /// The main-level `events` block, when the entry file is a main config.
    pub events: Option<Events>,
    /// Main-level `worker_processes`.
    pub worker_processes: Option<Setting<Text>>,
    /// (name, `stream`) → the first `upstream` of that name in `http` or in
    /// `stream`: a configuration that includes a large `conf.d/` has
    /// thousands of upstreams and of `proxy_pass`es.
    upstream_index: HashMap<(Text, bool), usize>,
}

/// The `events` block and its `worker_connections`.
#[derive(Clone, Debug)]
pub struct Events {
    /// The `events` word.
    pub span: Span,
    pub worker_connections: Option<Setting<u64>>,
}

impl NginxConfig {
    /// The upstream a `proxy_pass` names, if any.
    pub fn upstream_of(&self, p: &ProxyPass) -> Option<&Upstream> {
        let host = p.host()?;
        let at = self.upstream_index.get(&(Text::from(host), p.stream))?;
        self.upstreams.get(*at)
    }

    pub fn map_of(&self, variable: &str) -> Option<&MapBlock> {
        self.maps.iter().rev().find(|m| m.variable == variable)
    }
}

/// Joins the parsed files into configurations.
pub fn build(
    files: &[SourceFile],
    mut parsed: Vec<NginxFile>,
) -> (Vec<NginxConfig>, Vec<IncludeNote>) {
    parsed.sort_by_key(|f| f.file);
    let paths: Vec<PathBuf> = parsed
        .iter()
        .map(|f| {
            files
                .get(f.file.0 as usize)
                .map(|s| normalize(&s.path))
                .unwrap_or_default()
        })
        .collect();
    let by_path: HashMap<&Path, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_path(), i))
        .collect();
    let prefix_of = |i: usize| -> PathBuf {
        let mut dir = paths.get(i).and_then(|p| p.parent());
        while let Some(d) = dir {
            if by_path.contains_key(d.join("nginx.conf").as_path()) {
                return d.to_path_buf();
            }
            dir = d.parent();
        }
        paths
            .get(i)
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };

    let mut notes = Vec::new();
    let mut includes: HashMap<Span, Vec<usize>> = HashMap::new();
    let mut included = vec![false; parsed.len()];
    for (i, f) in parsed.iter().enumerate() {
        let prefix = prefix_of(i);
        let own_dir = paths
            .get(i)
            .and_then(|p| p.parent())
            .unwrap_or(Path::new(""));
        let mut stack: Vec<&[Directive]> = vec![&f.directives];
        while let Some(level) = stack.pop() {
            for d in level {
                if d.block.is_some() {
                    if !d.lua && !DATA_BLOCKS.contains(&d.name.text.as_str()) {
                        stack.push(d.children());
                    }
                    continue;
                }
                if !d.is("include") {
                    continue;
                }
                let Some(pattern) = d.args.first() else {
                    continue;
                };
                match resolve(&pattern.text, &prefix, own_dir, &paths) {
                    Ok(targets) => {
                        for &t in &targets {
                            if t != i
                                && let Some(flag) = included.get_mut(t)
                            {
                                *flag = true;
                            }
                        }
                        includes.insert(d.span, targets);
                    }
                    Err((message, help)) => notes.push(IncludeNote {
                        span: d.name.span,
                        pattern: pattern.text.to_string(),
                        message,
                        help,
                    }),
                }
            }
        }
    }

    let mut reached = vec![false; parsed.len()];
    let mut configs = Vec::new();
    let mut walker = Walker {
        files: &parsed,
        includes: &includes,
        reached: &mut reached,
        notes: &mut notes,
        noted: HashSet::new(),
        inclusions: 0,
    };
    let mut entries: Vec<usize> = (0..parsed.len())
        .filter(|&i| !included.get(i).copied().unwrap_or(false))
        .collect();
    let mut next = 0;
    // Files only reachable through a cycle become entries in path order.
    loop {
        while let Some(&i) = entries.get(next) {
            next += 1;
            if let Some(config) = walker.config(i) {
                configs.push(config);
            }
        }
        match (0..parsed.len()).find(|&i| !walker.reached.get(i).copied().unwrap_or(true)) {
            Some(i) => entries.push(i),
            None => break,
        }
    }
    (configs, notes)
}

/// Files of the tree an include names: indexes into `paths`, sorted.
fn resolve(
    pattern: &str,
    prefix: &Path,
    own_dir: &Path,
    paths: &[PathBuf],
) -> Result<Vec<usize>, (String, &'static str)> {
    let bases: Vec<PathBuf> = if pattern.starts_with('/') {
        match PREFIXES.iter().find_map(|p| pattern.strip_prefix(p)) {
            Some(rest) => vec![prefix.join(rest)],
            None => {
                return Err((
                    format!(
                        "include `{pattern}` is an absolute path outside the scanned tree; not followed"
                    ),
                    "scalelint maps only nginx's install prefixes (/etc/nginx/ and the like) onto the directory holding nginx.conf; use a path relative to it",
                ));
            }
        }
    } else {
        let mut v = vec![prefix.join(pattern)];
        if own_dir != prefix {
            v.push(own_dir.join(pattern));
        }
        v
    };
    let is_glob = pattern.contains(['*', '?', '[']);
    for base in &bases {
        let full = normalize(base);
        let found: Vec<usize> = if is_glob {
            let Ok(glob) = globset::GlobBuilder::new(&full.to_string_lossy())
                .literal_separator(true)
                .build()
            else {
                continue;
            };
            let m = glob.compile_matcher();
            // The directory part before the first wildcard: a cheap filter
            // before the glob, so many includes over many files stay fast.
            let text = full.to_string_lossy();
            let literal = text.split(['*', '?', '[']).next().unwrap_or_default();
            let dir = Path::new(literal.rsplit_once('/').map_or("", |(d, _)| d));
            let mut v: Vec<usize> = (0..paths.len())
                .filter(|&i| {
                    paths
                        .get(i)
                        .is_some_and(|p| p.starts_with(dir) && m.is_match(p))
                })
                .collect();
            v.sort_by(|a, b| paths.get(*a).cmp(&paths.get(*b)));
            v
        } else {
            paths.iter().position(|p| *p == full).into_iter().collect()
        };
        if !found.is_empty() {
            return Ok(found);
        }
    }
    if is_glob {
        // nginx accepts a pattern that matches nothing.
        return Ok(Vec::new());
    }
    Err((
        format!(
            "include `{pattern}` names no nginx file of the scanned tree; its directives were not read"
        ),
        "scan the directory that holds the included file too, or ignore this note if the file is generated at deploy time",
    ))
}

/// An absolute path with `.` and `..` resolved by text, not by the file
/// system.
fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[derive(Clone, Default)]
struct Inherited {
    http_version: Option<Setting<Text>>,
    headers: Option<Vec<Header>>,
    hidden_connection: Option<Header>,
    next_upstream: Option<Setting<Vec<Text>>>,
    location: Option<Word>,
    stream: bool,
}

/// A directive of an expanded level, with the files included on the way to
/// it (to stop include cycles).
type Item<'a> = (&'a Directive, Rc<Vec<usize>>);

struct Walker<'a, 'n> {
    files: &'a [NginxFile],
    includes: &'a HashMap<Span, Vec<usize>>,
    reached: &'n mut Vec<bool>,
    notes: &'n mut Vec<IncludeNote>,
    noted: HashSet<Span>,
    /// Files included so far into the configuration being expanded.
    inclusions: usize,
}

impl<'a> Walker<'a, '_> {
    fn config(&mut self, entry: usize) -> Option<NginxConfig> {
        let file = self.files.get(entry)?;
        if let Some(r) = self.reached.get_mut(entry) {
            *r = true;
        }
        let mut config = NginxConfig {
            entry: file.file,
            upstreams: Vec::new(),
            proxy_passes: Vec::new(),
            maps: Vec::new(),
            unknown_directives: Vec::new(),
            events: None,
            worker_processes: None,
            upstream_index: HashMap::new(),
        };
        self.inclusions = 0;
        let items = self.expand(&file.directives, &Rc::new(vec![entry]));
        self.walk(&items, &Inherited::default(), &mut config, 0);
        for (i, u) in config.upstreams.iter().enumerate() {
            config
                .upstream_index
                .entry((u.name.clone(), u.stream))
                .or_insert(i);
        }
        Some(config)
    }

    /// A block's directives with every `include` replaced by the included
    /// files' directives.
    fn expand(&mut self, level: &'a [Directive], chain: &Rc<Vec<usize>>) -> Vec<Item<'a>> {
        let mut out = Vec::with_capacity(level.len());
        self.expand_into(level, chain, &mut out);
        out
    }

    fn expand_into(
        &mut self,
        level: &'a [Directive],
        chain: &Rc<Vec<usize>>,
        out: &mut Vec<Item<'a>>,
    ) {
        for d in level {
            if !(d.is("include") && d.block.is_none()) {
                out.push((d, chain.clone()));
                continue;
            }
            let Some(targets) = self.includes.get(&d.span) else {
                continue;
            };
            for &t in targets {
                let Some(target) = self.files.get(t) else {
                    continue;
                };
                if chain.contains(&t) || chain.len() > MAX_INCLUDE_DEPTH {
                    if self.noted.insert(d.span) {
                        let cycle = chain.contains(&t);
                        self.notes.push(IncludeNote {
                            span: d.name.span,
                            pattern: d.arg(0).unwrap_or_default().to_string(),
                            message: if cycle {
                                format!("include `{}` leads back to a file that includes it (an include cycle); not followed again", d.arg(0).unwrap_or_default())
                            } else {
                                format!("include `{}` is nested more than {MAX_INCLUDE_DEPTH} includes deep; not followed", d.arg(0).unwrap_or_default())
                            },
                            help: "remove the include that closes the cycle: nginx refuses such a configuration",
                        });
                    }
                    continue;
                }
                if self.inclusions >= MAX_INCLUSIONS {
                    // One note per configuration: at the first include refused.
                    if self.inclusions == MAX_INCLUSIONS && self.noted.insert(d.span) {
                        self.inclusions += 1;
                        self.notes.push(IncludeNote {
                            span: d.name.span,
                            pattern: d.arg(0).unwrap_or_default().to_string(),
                            message: format!(
                                "include `{}` would take this configuration past {MAX_INCLUSIONS} included files; not followed",
                                d.arg(0).unwrap_or_default()
                            ),
                            help: "include each file once: the same snippets included again and again multiply the configuration",
                        });
                    }
                    continue;
                }
                self.inclusions += 1;
                if let Some(r) = self.reached.get_mut(t) {
                    *r = true;
                }
                let mut next = chain.as_ref().clone();
                next.push(t);
                let next = Rc::new(next);
                self.expand_into(&target.directives, &next, out);
            }
        }
    }

    fn walk(
        &mut self,
        items: &[Item<'a>],
        outer: &Inherited,
        config: &mut NginxConfig,
        depth: usize,
    ) {
        if depth > crate::formats::nginx::MAX_DEPTH * 2 {
            return;
        }
        let mut ctx = outer.clone();
        let own_headers: Vec<Header> = items
            .iter()
            .filter(|(d, _)| d.is("proxy_set_header") && d.block.is_none())
            .filter_map(|(d, _)| {
                Some(Header {
                    name: d.arg(0)?.to_ascii_lowercase().into(),
                    value: d.args.get(1)?.clone(),
                    span: d.name.span,
                })
            })
            .collect();
        if !own_headers.is_empty() {
            let has_connection = own_headers.iter().any(|h| h.name == "connection");
            ctx.hidden_connection = if has_connection {
                None
            } else {
                outer
                    .headers
                    .as_ref()
                    .and_then(|hs| hs.iter().rev().find(|h| h.name == "connection").cloned())
                    .or_else(|| outer.hidden_connection.clone())
            };
            ctx.headers = Some(own_headers);
        }
        for (d, _) in items.iter().filter(|(d, _)| d.block.is_none()) {
            let span = d.name.span;
            match d.name.text.as_str() {
                "proxy_http_version" => {
                    if let Some(v) = d.arg(0) {
                        let value = v.to_string();
                        ctx.http_version = Some(Setting {
                            value: value.into(),
                            span,
                        });
                    }
                }
                "proxy_next_upstream" => {
                    let value = d.args.iter().map(|w| w.text.clone()).collect();
                    ctx.next_upstream = Some(Setting { value, span });
                }
                _ => {}
            }
        }
        for (d, chain) in items {
            let name = d.name.text.as_str();
            if !crate::formats::nginx_stock::is_stock(name) {
                config.unknown_directives.push(d.name.clone());
            }
            if depth == 0 {
                main_level(d, config);
            }
            if d.lua || DATA_BLOCKS.contains(&name) {
                if name == "map" && d.block.is_some() {
                    let children = self.expand(d.children(), chain);
                    if let Some(m) = map_block(d, &children) {
                        config.maps.push(m);
                    }
                }
                continue;
            }
            if name == "proxy_pass" && d.block.is_none() {
                if let Some(url) = d.args.first() {
                    config.proxy_passes.push(ProxyPass {
                        span: d.name.span,
                        url: url.clone(),
                        location: ctx.location.clone(),
                        stream: ctx.stream,
                        http_version: ctx.http_version.clone(),
                        headers: ctx.headers.clone(),
                        hidden_connection: ctx.hidden_connection.clone(),
                        next_upstream: ctx.next_upstream.clone(),
                    });
                }
                continue;
            }
            if d.block.is_none() {
                continue;
            }
            let children = self.expand(d.children(), chain);
            let mut inner = ctx.clone();
            match name {
                "location" => inner.location = d.args.last().cloned(),
                "stream" => inner.stream = true,
                "upstream" => config.upstreams.push(upstream(d, &children, ctx.stream)),
                _ => {}
            }
            self.walk(&children, &inner, config, depth + 1);
        }
    }
}

/// `events { worker_connections }` and `worker_processes` of a main config.
fn main_level(d: &Directive, config: &mut NginxConfig) {
    if d.is("worker_processes")
        && let Some(v) = d.arg(0)
    {
        config.worker_processes = Some(Setting {
            value: v.into(),
            span: d.name.span,
        });
    }
    if d.is("events") && d.block.is_some() {
        let worker_connections = d
            .children()
            .iter()
            .filter(|c| c.is("worker_connections"))
            .filter_map(|c| {
                let value = c.arg(0)?.parse().ok()?;
                Some(Setting {
                    value,
                    span: c.name.span,
                })
            })
            .next_back();
        config.events = Some(Events {
            span: d.name.span,
            worker_connections,
        });
    }
}

fn upstream(d: &Directive, children: &[Item<'_>], stream: bool) -> Upstream {
    let mut up = Upstream {
        name: d.arg(0).unwrap_or_default().into(),
        span: d.name.span,
        stream,
        servers: Vec::new(),
        keepalive: None,
        zone: false,
    };
    for (c, _) in children {
        match c.name.text.as_str() {
            "server" if c.block.is_none() => {
                let Some(address) = c.args.first() else {
                    continue;
                };
                let params = c.args.get(1..).unwrap_or_default();
                let has = |p: &str| params.iter().any(|w| w.text == p);
                up.servers.push(UpstreamServer {
                    address: address.clone(),
                    span: c.name.span,
                    backup: has("backup"),
                    down: has("down"),
                    resolve: has("resolve"),
                    max_fails_zero: params
                        .iter()
                        .find(|w| w.text == "max_fails=0")
                        .map(|w| w.span),
                    max_conns: params.iter().find_map(|w| {
                        let n = w.text.strip_prefix("max_conns=")?.parse().ok()?;
                        Some(Setting {
                            value: n,
                            span: w.span,
                        })
                    }),
                });
            }
            "zone" => up.zone = true,
            "keepalive" => {
                if let Some(n) = c.arg(0).and_then(|a| a.parse().ok()) {
                    up.keepalive = Some(Setting {
                        value: n,
                        span: c.name.span,
                    });
                }
            }
            _ => {}
        }
    }
    up
}

fn map_block(d: &Directive, entries: &[Item<'_>]) -> Option<MapBlock> {
    let variable = d.arg(1)?.to_string();
    let value = |c: &Directive| Setting {
        value: Text::from(c.arg(0).unwrap_or_default()),
        span: c.name.span,
    };
    let empty = entries
        .iter()
        .find(|(c, _)| c.name.text.is_empty() && c.name.quoted)
        .or_else(|| {
            entries
                .iter()
                .find(|(c, _)| c.is("default") && !c.name.quoted)
        })
        .map(|(c, _)| value(c))
        .unwrap_or(Setting {
            value: Text::default(),
            span: d.name.span,
        });
    Some(MapBlock {
        variable: variable.into(),
        empty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::nginx::parse;
    use crate::source::FileKind;

    fn tree(files: &[(&str, &str)]) -> (Vec<NginxConfig>, Vec<IncludeNote>) {
        let sources: Vec<SourceFile> = files
            .iter()
            .enumerate()
            .map(|(i, (path, _))| SourceFile {
                id: FileId(i as u32),
                path: PathBuf::from("/srv/conf").join(path),
                display: path.to_string(),
                kind: FileKind::Nginx,
                contents: None,
            })
            .collect();
        let parsed = files
            .iter()
            .enumerate()
            .map(|(i, (_, text))| parse(text, FileId(i as u32)))
            .collect();
        build(&sources, parsed)
    }

    #[test]
    fn includes_expand_in_place_and_included_files_are_not_entries() {
        let (configs, notes) = tree(&[
            (
                "nginx.conf",
                "http {\n  proxy_http_version 1.1;\n  include conf.d/*.conf;\n  include /etc/nginx/snippets/up.conf;\n}\n",
            ),
            (
                "conf.d/a.conf",
                "server { location / { proxy_pass http://app; } }\n",
            ),
            (
                "snippets/up.conf",
                "upstream app { server 10.0.0.1; keepalive 8; }\n",
            ),
        ]);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(configs.len(), 1);
        let c = configs.first().unwrap();
        let p = c.proxy_passes.first().unwrap();
        assert_eq!(p.http_version.as_ref().unwrap().value, "1.1");
        assert_eq!(
            c.upstream_of(p).unwrap().keepalive.as_ref().unwrap().value,
            8
        );
    }

    #[test]
    fn proxy_set_header_is_all_or_nothing() {
        let (configs, _) = tree(&[(
            "nginx.conf",
            "http { server {\n proxy_set_header Connection \"\";\n location /a { proxy_set_header Host $host; proxy_pass http://u; }\n location /b { proxy_pass http://u; }\n} }\n",
        )]);
        let c = configs.first().unwrap();
        let a = c.proxy_passes.first().unwrap();
        assert!(a.header("connection").is_none());
        assert_eq!(a.hidden_connection.as_ref().unwrap().value.text, "");
        let b = c.proxy_passes.get(1).unwrap();
        assert!(b.header("connection").is_some());
    }

    #[test]
    fn include_cycles_missing_files_and_outside_paths_are_notes() {
        let (configs, notes) = tree(&[
            (
                "a.conf",
                "include b.conf;\ninclude missing.conf;\ninclude /root/x.conf;\n",
            ),
            ("b.conf", "http { include a.conf; }\n"),
        ]);
        assert_eq!(configs.len(), 1);
        let messages: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("cycle")));
        assert!(messages.iter().any(|m| m.contains("names no nginx file")));
        assert!(messages.iter().any(|m| m.contains("absolute path outside")));
    }

    /// `levels` files that each include the next one `fan` times, the last
    /// holding one upstream: `fan^levels` inclusions if nothing stopped it.
    fn doubling(levels: usize, fan: usize) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for l in 0..levels {
            let body = format!("include l{}.conf;\n", l + 1).repeat(fan);
            let body = if l == 0 {
                format!("http {{\n{body}}}\n")
            } else {
                body
            };
            files.push((format!("l{l}.conf"), body));
        }
        files.push((
            format!("l{levels}.conf"),
            "upstream u { server 10.0.0.1; }\n".into(),
        ));
        files
    }

    fn tree_owned(files: &[(String, String)]) -> (Vec<NginxConfig>, Vec<IncludeNote>) {
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        tree(&borrowed)
    }

    #[test]
    fn includes_nested_to_the_limit_are_followed_and_one_deeper_is_a_note() {
        // l0 includes l1 … includes l{levels}: `levels` includes deep.
        let (configs, notes) = tree_owned(&doubling(MAX_INCLUDE_DEPTH, 1));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(configs.first().unwrap().upstreams.len(), 1);
        let (configs, notes) = tree_owned(&doubling(MAX_INCLUDE_DEPTH + 1, 1));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0]
                .message
                .contains("nested more than 16 includes deep"),
            "{}",
            notes[0].message
        );
        assert!(configs.first().unwrap().upstreams.is_empty());
    }

    #[test]
    fn inclusions_up_to_the_limit_are_expanded_and_past_it_are_a_note() {
        // 2^12 = 4096 inclusions of the last file, plus the 2 + 4 + … on the way.
        let (configs, notes) = tree_owned(&doubling(12, 2));
        let upstreams = configs.first().unwrap().upstreams.len();
        assert!(upstreams < MAX_INCLUSIONS, "{upstreams}");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].message.contains("past 4096 included files"),
            "{}",
            notes[0].message
        );
        // Exactly at the limit: one file included 4096 times, all expanded;
        // once more is a note, and the 4097th copy is not read.
        let (configs, notes) = tree_owned(&doubling(1, MAX_INCLUSIONS));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(configs.first().unwrap().upstreams.len(), MAX_INCLUSIONS);
        let (configs, notes) = tree_owned(&doubling(1, MAX_INCLUSIONS + 1));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].span.start.line, MAX_INCLUSIONS as u32 + 2);
        assert_eq!(configs.first().unwrap().upstreams.len(), MAX_INCLUSIONS);
        // An include bomb that would be 10^16 inclusions ends fast, with one note.
        let (_, notes) = tree_owned(&doubling(16, 10));
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn maps_give_the_value_for_an_empty_source() {
        let (configs, _) = tree(&[(
            "nginx.conf",
            "http { map $http_upgrade $connection_upgrade { default upgrade; '' close; }\nmap $x $y { default keep-alive; } }\n",
        )]);
        let c = configs.first().unwrap();
        assert_eq!(
            c.map_of("$connection_upgrade").unwrap().empty.value,
            "close"
        );
        assert_eq!(c.map_of("$y").unwrap().empty.value, "keep-alive");
    }
}
