//! Walks the paths given on the command line and classifies every file.
//!
//! The walk honours `.gitignore` (unless `--no-ignore`), skips the usual
//! vendored and generated directories, never follows a symlink out of the
//! scanned roots, and turns every path it cannot walk into a note instead of
//! stopping.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use crate::source::{FileId, FileKind, SourceFile};

/// Directories never walked into.
pub const DEFAULT_EXCLUDES: &[&str] = &[".git", "node_modules", "target", "vendor"];

/// Compiled `exclude` globs with the directory they are relative to.
#[derive(Clone, Debug)]
pub struct GlobList {
    base: PathBuf,
    set: GlobSet,
}

impl GlobList {
    /// Compiles patterns relative to `base`. A pattern without `/` matches a
    /// file or directory name anywhere below it, as in `.gitignore`. On error,
    /// returns the index of the bad pattern and the reason.
    pub fn new(patterns: &[String], base: &Path) -> Result<GlobList, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.trim_start_matches("./");
            let forms = if p.contains('/') {
                let p = p.trim_start_matches('/').trim_end_matches('/');
                vec![p.to_string(), format!("{p}/**")]
            } else {
                vec![format!("**/{p}"), format!("**/{p}/**")]
            };
            for form in forms {
                let glob = globset::GlobBuilder::new(&form)
                    .literal_separator(true)
                    .build()
                    .or_else(|_| Glob::new(&form))
                    .map_err(|e| (i, e.kind().to_string()))?;
                builder.add(glob);
            }
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(GlobList {
            base: base.to_path_buf(),
            set,
        })
    }

    /// Whether an absolute path matches.
    pub fn matches(&self, abs: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let rel = abs.strip_prefix(&self.base).unwrap_or(abs);
        self.set.is_match(rel)
    }
}

pub struct WalkOptions {
    pub excludes: Vec<GlobList>,
    pub no_ignore: bool,
    /// Follow symlinks whose target is outside the scanned paths too
    /// (`--follow-symlinks`); by default they are noted and skipped.
    pub follow_symlinks: bool,
}

/// A path the walk could not use, to be reported as a note.
#[derive(Debug, Clone)]
pub struct WalkNote {
    pub display: String,
    pub message: String,
}

pub struct Discovered {
    pub files: Vec<SourceFile>,
    pub notes: Vec<WalkNote>,
}

/// Walks `roots` (files or directories; they must exist). Files come back
/// sorted by display path, numbered in that order.
pub fn discover(roots: &[PathBuf], opts: &WalkOptions) -> Discovered {
    let cwd = std::env::current_dir().unwrap_or_default();
    let canonical_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .map(|r| {
            if r.is_file() {
                r.parent().map(Path::to_path_buf).unwrap_or(r)
            } else {
                r
            }
        })
        .collect();
    let mut found: Vec<(PathBuf, FileKind)> = Vec::new();
    let mut notes = Vec::new();
    for root in roots {
        if root.is_file() {
            // A file named on the command line is linted whatever its name
            // and whatever the ignore files say.
            let kind = classify(root).unwrap_or(FileKind::Yaml);
            found.push((root.clone(), kind));
            // A compose file's variables come from the `.env` beside it.
            let env = root.with_file_name(".env");
            if kind == FileKind::Yaml && env.is_file() {
                found.push((env, FileKind::EnvFile));
            }
            continue;
        }
        walk(root, opts, &cwd, &canonical_roots, &mut found, &mut notes);
    }
    let mut files: Vec<SourceFile> = found
        .into_iter()
        .map(|(path, kind)| SourceFile {
            id: FileId(0),
            display: display_path(&path, &cwd),
            path,
            kind,
            contents: None,
        })
        .collect();
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);
    number(&mut files);
    notes.sort_by(|a: &WalkNote, b| (&a.display, &a.message).cmp(&(&b.display, &b.message)));
    Discovered { files, notes }
}

/// Numbers files in their order (ids are indexes into the file table).
pub fn number(files: &mut [SourceFile]) {
    for (i, f) in files.iter_mut().enumerate() {
        f.id = FileId(u32::try_from(i).unwrap_or(u32::MAX));
    }
}

fn walk(
    root: &Path,
    opts: &WalkOptions,
    cwd: &Path,
    canonical_roots: &[PathBuf],
    found: &mut Vec<(PathBuf, FileKind)>,
    notes: &mut Vec<WalkNote>,
) {
    let outside: std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>> = Default::default();
    let excludes = opts.excludes.clone();
    let roots = canonical_roots.to_vec();
    let follow_all = opts.follow_symlinks;
    let outside_in_filter = outside.clone();
    let cwd_in_filter = cwd.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(true)
        .require_git(false)
        .git_global(false)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .threads(rayon::current_num_threads())
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && entry.depth() > 0 && DEFAULT_EXCLUDES.contains(&name.as_ref()) {
                return false;
            }
            let abs = absolute(entry.path(), &cwd_in_filter);
            if entry.depth() > 0 && excludes.iter().any(|g| g.matches(&abs)) {
                return false;
            }
            if entry.path_is_symlink() && !follow_all {
                let inside = std::fs::canonicalize(entry.path())
                    .map(|target| roots.iter().any(|r| target.starts_with(r)))
                    // A dangling link: let the read report it.
                    .unwrap_or(true);
                if !inside {
                    if let Ok(mut v) = outside_in_filter.lock() {
                        v.push(entry.path().to_path_buf());
                    }
                    return false;
                }
            }
            true
        });
    // Found in whatever order the threads find them: they are sorted by
    // display path afterwards, and paths within one root are distinct.
    let files_here = std::sync::Mutex::new(Vec::new());
    let notes_here = std::sync::Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
                    if !is_file || e.depth() == 0 && !e.path().is_file() {
                        return ignore::WalkState::Continue;
                    }
                    if let Some(kind) = classify(e.path())
                        && let Ok(mut v) = files_here.lock()
                    {
                        v.push((e.into_path(), kind));
                    }
                }
                Err(err) => {
                    if let Ok(mut v) = notes_here.lock() {
                        v.push(walk_note(&err, cwd));
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    found.extend(files_here.into_inner().unwrap_or_default());
    notes.extend(notes_here.into_inner().unwrap_or_default());
    if let Ok(v) = outside.lock() {
        for p in v.iter() {
            notes.push(WalkNote {
                display: display_path(p, cwd),
                message: "symlink leads outside the scanned paths; not followed".into(),
            });
        }
    }
}

fn walk_note(err: &ignore::Error, cwd: &Path) -> WalkNote {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } => path_of(err),
            ignore::Error::WithLineNumber { err, .. } => path_of(err),
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    fn message(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => message(err),
            ignore::Error::Loop { ancestor, .. } => {
                format!("symlink loop back to {}; not followed", ancestor.display())
            }
            ignore::Error::Io(e) => format!("cannot read: {e}"),
            other => other.to_string(),
        }
    }
    WalkNote {
        display: path_of(err).map_or_else(|| ".".to_string(), |p| display_path(p, cwd)),
        message: message(err),
    }
}

/// `p` made absolute against `cwd`, without `.` components, so that globs
/// relative to a config file match however the walk was started
/// (`scalelint .` from a subdirectory yields `./jobs/a.yaml`).
pub fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    joined
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The path as users see it: relative to the working directory when below
/// it, with `/` separators and no leading `./`.
pub fn display_path(p: &Path, cwd: &Path) -> String {
    let rel = if p.is_absolute() {
        p.strip_prefix(cwd).unwrap_or(p)
    } else {
        p
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./");
    if s.is_empty() {
        ".".to_string()
    } else {
        s.to_string()
    }
}

/// The kind of a file by its name, for the files scalelint reads. `None`
/// for everything else (source code, docs, images).
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let in_dir = |d: &str| {
        path.components().any(|c| {
            c.as_os_str()
                .to_string_lossy()
                .to_ascii_lowercase()
                .contains(d)
        })
    };
    // `deploy.yaml.template` and the like: YAML with envsubst or Go template
    // placeholders; the latter are recognised after parsing and skipped.
    let templated_yaml = [".yaml.", ".yml."].iter().any(|m| name.contains(m))
        && matches!(ext, "template" | "tmpl" | "tpl" | "in");
    Some(match ext {
        "yaml" | "yml" => FileKind::Yaml,
        _ if templated_yaml => FileKind::Yaml,
        _ if crate::extract::compose_env::is_env_file_name(&name) => FileKind::EnvFile,
        "xml"
            if in_dir("clickhouse")
                || name.contains("clickhouse")
                || name.contains("keeper")
                || name.contains("remote_servers")
                || name.contains("zookeeper")
                || in_dir("config.d")
                || in_dir("users.d") =>
        {
            FileKind::ClickhouseXml
        }
        "cfg" if name.starts_with("zoo") => FileKind::ZooCfg,
        "sql" => FileKind::Sql,
        "cfg" if name.contains("haproxy") || in_dir("haproxy") => FileKind::Haproxy,
        "ini" if name.contains("pgbouncer") => FileKind::PgbouncerIni,
        "conf" | "sample" if name.starts_with("postgresql") => FileKind::PostgresConf,
        "conf" if name.contains("sentinel") => FileKind::SentinelConf,
        "conf" if name.starts_with("redis") || name.starts_with("valkey") => FileKind::RedisConf,
        "conf"
            if name.contains("nginx")
                || in_dir("nginx")
                || in_dir("conf.d")
                || in_dir("sites-") =>
        {
            FileKind::Nginx
        }
        _ if name == "nginx.conf" || NGINX_INCLUDES.contains(&name.as_str()) => FileKind::Nginx,
        "conf" | "cfg" | "xml" | "ini" => return sniff(path),
        _ => return None,
    })
}

/// Files nginx ships beside nginx.conf and configs `include` by name.
const NGINX_INCLUDES: &[&str] = &[
    "mime.types",
    "fastcgi_params",
    "scgi_params",
    "uwsgi_params",
    "proxy_params",
    "koi-utf",
    "koi-win",
    "win-utf",
];

/// How much of a file the content sniff reads.
const SNIFF_BYTES: u64 = 8192;

/// Classifies a `.conf`/`.cfg`/`.xml`/`.ini` file whose name says nothing,
/// by the first few kilobytes of its content.
fn sniff(path: &Path) -> Option<FileKind> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .ok()?;
    sniff_text(&String::from_utf8_lossy(&head))
}

fn sniff_text(head: &str) -> Option<FileKind> {
    let lines = || {
        head.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
    };
    let first_word = |l: &str| l.split_whitespace().next().unwrap_or("").to_string();
    if head.contains("<clickhouse") || head.contains("<yandex") {
        return Some(FileKind::ClickhouseXml);
    }
    if lines().any(|l| l.starts_with("sentinel monitor")) {
        return Some(FileKind::SentinelConf);
    }
    if lines().any(|l| l.starts_with("[databases]") || l.starts_with("[pgbouncer]")) {
        return Some(FileKind::PgbouncerIni);
    }
    if lines().any(|l| l.starts_with("tickTime=") || l.starts_with("server.1=")) {
        return Some(FileKind::ZooCfg);
    }
    let haproxy_section =
        |w: &str| matches!(w, "global" | "defaults" | "frontend" | "backend" | "listen");
    if lines().filter(|l| haproxy_section(&first_word(l))).count() >= 2 {
        return Some(FileKind::Haproxy);
    }
    if lines().any(|l| {
        let w = first_word(l);
        let block = matches!(
            w.as_str(),
            "http" | "server" | "upstream" | "location" | "events" | "stream"
        ) && (l.ends_with('{') || l.contains(" {"));
        let directive = matches!(
            w.as_str(),
            "worker_processes" | "proxy_pass" | "server_name"
        ) && l.ends_with(';');
        block || directive
    }) {
        return Some(FileKind::Nginx);
    }
    if lines().any(|l| l.starts_with("max_connections") && l.contains('=')) {
        return Some(FileKind::PostgresConf);
    }
    let redis_directive = |w: &str| {
        matches!(
            w,
            "maxclients"
                | "appendonly"
                | "appendfsync"
                | "maxmemory"
                | "daemonize"
                | "dbfilename"
                | "always-show-logo"
                | "protected-mode"
                | "replicaof"
                | "slaveof"
                | "requirepass"
                | "tcp-backlog"
        )
    };
    if lines().filter(|l| redis_directive(&first_word(l))).count() >= 2
        || lines().any(|l| first_word(l) == "maxclients")
    {
        return Some(FileKind::RedisConf);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_by_name() {
        let k = |p: &str| classify(Path::new(p));
        assert_eq!(k("k8s/api.yaml"), Some(FileKind::Yaml));
        assert_eq!(k("ops/redis/sentinel.conf"), Some(FileKind::SentinelConf));
        assert_eq!(k("redis.conf"), Some(FileKind::RedisConf));
        assert_eq!(k("db/postgresql.conf"), Some(FileKind::PostgresConf));
        assert_eq!(k("lb/haproxy.cfg"), Some(FileKind::Haproxy));
        assert_eq!(k("zk/zoo.cfg"), Some(FileKind::ZooCfg));
        assert_eq!(k("app/.env"), Some(FileKind::EnvFile));
        assert_eq!(k("app/worker.env"), Some(FileKind::EnvFile));
        assert_eq!(k("app/.env.production"), Some(FileKind::EnvFile));
        assert_eq!(k("app/environment.md"), None);
        assert_eq!(k("nginx/conf.d/shop.conf"), Some(FileKind::Nginx));
        assert_eq!(
            k("clickhouse/config.d/remote_servers.xml"),
            Some(FileKind::ClickhouseXml)
        );
        assert_eq!(k("pgbouncer/pgbouncer.ini"), Some(FileKind::PgbouncerIni));
        assert_eq!(k("conf/mime.types"), Some(FileKind::Nginx));
        assert_eq!(k("conf/fastcgi_params"), Some(FileKind::Nginx));
        assert_eq!(k("e2e/cluster.yaml.template"), Some(FileKind::Yaml));
        assert_eq!(k("chart/templates/_helpers.tpl"), None);
        assert_eq!(k("src/main.rs"), None);
        assert_eq!(k("README.md"), None);
    }

    #[test]
    fn classification_by_content() {
        assert_eq!(
            sniff_text("worker_processes 2;\nevents {}\n"),
            Some(FileKind::Nginx)
        );
        assert_eq!(
            sniff_text("server {\n  listen 80;\n}\n"),
            Some(FileKind::Nginx)
        );
        assert_eq!(
            sniff_text("global\n  maxconn 100\nbackend app\n"),
            Some(FileKind::Haproxy)
        );
        assert_eq!(
            sniff_text("<?xml version=\"1.0\"?>\n<clickhouse>\n"),
            Some(FileKind::ClickhouseXml)
        );
        assert_eq!(
            sniff_text("port 26379\nsentinel monitor m 10.0.0.1 6379 2\n"),
            Some(FileKind::SentinelConf)
        );
        assert_eq!(
            sniff_text("[databases]\napp = host=db\n"),
            Some(FileKind::PgbouncerIni)
        );
        assert_eq!(sniff_text("tickTime=2000\n"), Some(FileKind::ZooCfg));
        assert_eq!(
            sniff_text("max_connections = 200\n"),
            Some(FileKind::PostgresConf)
        );
        assert_eq!(sniff_text("maxclients 10000\n"), Some(FileKind::RedisConf));
        assert_eq!(
            sniff_text("always-show-logo yes\ndaemonize no\nloglevel verbose\n"),
            Some(FileKind::RedisConf)
        );
        assert_eq!(sniff_text("daemonize no\n"), None);
        assert_eq!(sniff_text("[section]\nkey = value\n"), None);
    }

    #[test]
    fn globs_without_slash_match_any_component() {
        let base = Path::new("/repo");
        let g = GlobList::new(&["generated".into(), "legacy/*.yaml".into()], base).unwrap();
        assert!(g.matches(Path::new("/repo/a/generated/x.yaml")));
        assert!(g.matches(Path::new("/repo/legacy/old.yaml")));
        assert!(!g.matches(Path::new("/repo/legacy/sub/old.yaml")));
        assert!(!g.matches(Path::new("/repo/k8s/api.yaml")));
        assert!(GlobList::new(&["a/[".into()], base).is_err());
    }

    #[test]
    fn absolute_paths_drop_dot_components() {
        let cwd = Path::new("/repo/k8s");
        assert_eq!(
            absolute(Path::new("./jobs/a.yaml"), cwd),
            Path::new("/repo/k8s/jobs/a.yaml")
        );
        assert_eq!(absolute(Path::new("/x/./y"), cwd), Path::new("/x/y"));
    }

    #[test]
    fn display_paths_are_relative_with_slashes() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            display_path(Path::new("/work/repo/k8s/a.yaml"), cwd),
            "k8s/a.yaml"
        );
        assert_eq!(display_path(Path::new("./k8s/a.yaml"), cwd), "k8s/a.yaml");
        assert_eq!(
            display_path(Path::new("/elsewhere/a.yaml"), cwd),
            "/elsewhere/a.yaml"
        );
    }
}
