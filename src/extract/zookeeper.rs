//! ZooKeeper ensembles as written down: `server.N=` lines of `zoo.cfg` and
//! the `ZOO_SERVERS` environment form of the official image, and etcd's
//! `--initial-cluster` / `ETCD_INITIAL_CLUSTER` member lists.

use std::path::PathBuf;

use crate::source::{FileId, Pos, Span, to_u32};

/// One `server.N=host:peer:election[:observer][;client]` line.
#[derive(Clone, Debug)]
pub struct Server {
    pub id: String,
    pub host: String,
    pub observer: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ZooCfg {
    pub file: FileId,
    pub path: PathBuf,
    pub servers: Vec<Server>,
    /// `#` comments: text and span.
    pub comments: Vec<(String, Span)>,
}

impl ZooCfg {
    pub fn voters(&self) -> impl Iterator<Item = &Server> {
        self.servers.iter().filter(|s| !s.observer)
    }
}

/// Reads a zoo.cfg (Java properties: `key=value`, `#`/`!` comments).
pub fn parse_zoo_cfg(text: &str, file: FileId, path: PathBuf) -> ZooCfg {
    let mut out = ZooCfg {
        file,
        path,
        servers: Vec::new(),
        comments: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        let start = Pos::new(
            to_u32(i + 1),
            to_u32(raw.get(..indent).map_or(0, |s| s.chars().count()) + 1),
        );
        let span = Span::new(
            file,
            start,
            Pos::new(start.line, to_u32(raw.chars().count() + 1)),
        );
        if line.starts_with('#') || line.starts_with('!') {
            out.comments
                .push((line.get(1..).unwrap_or("").to_string(), span));
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let Some(id) = key.trim().strip_prefix("server.") else {
            continue;
        };
        if let Some(s) = server(id, value.trim(), span) {
            out.servers.push(s);
        }
    }
    out
}

/// `host:2888:3888[:participant|:observer][;[addr:]2181]`.
fn server(id: &str, value: &str, span: Span) -> Option<Server> {
    let address = value.split(';').next().unwrap_or(value);
    // Several addresses may be given, separated by `|` (3.6+).
    let first = address.split('|').next().unwrap_or(address);
    let host = first.split(':').next().unwrap_or("").trim().to_string();
    if host.is_empty() {
        return None;
    }
    Some(Server {
        id: id.trim().to_string(),
        host,
        observer: address.split(':').any(|p| p.trim() == "observer"),
        span,
    })
}

/// The voting members of a `ZOO_SERVERS` value
/// (`server.1=zoo1:2888:3888;2181 server.2=…`).
pub fn zoo_servers_env(value: &str) -> (usize, usize) {
    let mut voters = 0;
    let mut observers = 0;
    for part in value.split_whitespace() {
        let Some((key, v)) = part.split_once('=') else {
            continue;
        };
        if !key.starts_with("server.") {
            continue;
        }
        if v.split(';')
            .next()
            .unwrap_or("")
            .split(':')
            .any(|p| p == "observer")
        {
            observers += 1;
        } else {
            voters += 1;
        }
    }
    (voters, observers)
}

/// Members of an etcd `--initial-cluster` value (`a=http://a:2380,b=…`).
pub fn etcd_initial_cluster(value: &str) -> usize {
    value
        .split(',')
        .filter(|m| {
            m.split_once('=')
                .is_some_and(|(n, u)| !n.trim().is_empty() && !u.trim().is_empty())
        })
        .count()
}

/// The value of `--flag=value` or `--flag value` among command words.
pub fn flag_value<'a>(argv: &[&'a str], flag: &str) -> Option<&'a str> {
    let mut it = argv.iter();
    while let Some(w) = it.next() {
        if let Some(v) = w.strip_prefix(flag) {
            if let Some(v) = v.strip_prefix('=') {
                return Some(v);
            }
            if v.is_empty() {
                return it.next().copied();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_observers_and_comments() {
        let c = parse_zoo_cfg(
            "# ensemble\ntickTime=2000\nserver.1=zoo1:2888:3888\nserver.2=zoo2:2888:3888;2181\n  server.3 = zoo3:2888:3888:observer\n",
            FileId(0),
            "zoo.cfg".into(),
        );
        assert_eq!(c.servers.len(), 3);
        assert_eq!(c.voters().count(), 2);
        assert_eq!(c.servers[2].span.start, Pos::new(5, 3));
        assert_eq!(c.comments.len(), 1);
    }

    #[test]
    fn env_and_flag_forms() {
        assert_eq!(
            zoo_servers_env(
                "server.1=a:2888:3888;2181 server.2=b:2888:3888;2181 server.3=c:2888:3888:observer;2181"
            ),
            (2, 1)
        );
        assert_eq!(etcd_initial_cluster("a=http://a:2380,b=http://b:2380"), 2);
        assert_eq!(
            flag_value(&["etcd", "--initial-cluster", "x=y"], "--initial-cluster"),
            Some("x=y")
        );
        assert_eq!(
            flag_value(&["--initial-cluster=x=y"], "--initial-cluster"),
            Some("x=y")
        );
        assert_eq!(
            flag_value(&["--initial-cluster-state=new"], "--initial-cluster"),
            None
        );
    }
}
