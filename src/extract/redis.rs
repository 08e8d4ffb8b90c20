//! redis.conf and sentinel.conf read into facts: the masters a sentinel
//! monitors with their quorum, the peers Sentinel recorded, failover timing,
//! and the server settings later rules need (`maxclients`, `replicaof`).

use std::path::PathBuf;

use crate::extract::Val;
use crate::formats::conf::{Comment, ConfFile, Line};
use crate::source::{FileId, Span};

/// `sentinel monitor <name> <host> <port> <quorum>`.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub master: String,
    pub host: String,
    /// The whole line.
    pub span: Span,
    /// The quorum word; `Invalid` when it is not a number.
    pub quorum: Val<i64>,
    /// The quorum word as written.
    pub quorum_text: String,
}

/// A per-master sentinel setting (`down-after-milliseconds` and the like).
#[derive(Clone, Debug)]
pub struct MasterSetting {
    pub master: String,
    /// The whole line.
    pub span: Span,
    pub value: Val<i64>,
}

/// One redis.conf or sentinel.conf.
#[derive(Clone, Debug)]
pub struct RedisConf {
    pub file: FileId,
    pub path: PathBuf,
    /// Has a `sentinel monitor` line (or is named like a sentinel config).
    pub sentinel: bool,
    pub monitors: Vec<Monitor>,
    /// `sentinel known-sentinel <master> …` lines, by master.
    pub known_sentinels: Vec<(String, Span)>,
    pub down_after: Vec<MasterSetting>,
    pub failover_timeout: Vec<MasterSetting>,
    pub parallel_syncs: Vec<MasterSetting>,
    pub maxclients: Val<i64>,
    /// `replicaof`/`slaveof` host and port, and the line.
    pub replicaof: Option<(String, String, Span)>,
    /// The ConfigMap (namespace as written, name) that holds the file.
    pub config_map: Option<(Option<String>, String)>,
    /// The file's `#` comments, for inline suppressions.
    pub comments: Vec<Comment>,
}

impl RedisConf {
    /// Sentinels recorded as peers of `master` by Sentinel itself.
    pub fn known_sentinels_of(&self, master: &str) -> Vec<Span> {
        self.known_sentinels
            .iter()
            .filter(|(m, _)| m == master)
            .map(|(_, s)| *s)
            .collect()
    }
}

pub fn extract(conf: ConfFile, file: FileId, path: PathBuf, named_sentinel: bool) -> RedisConf {
    let mut out = RedisConf {
        file,
        path,
        sentinel: named_sentinel,
        monitors: Vec::new(),
        known_sentinels: Vec::new(),
        down_after: Vec::new(),
        failover_timeout: Vec::new(),
        parallel_syncs: Vec::new(),
        maxclients: Val::Absent,
        replicaof: None,
        config_map: None,
        comments: Vec::new(),
    };
    for line in &conf.lines {
        if line.is(&["sentinel", "monitor"]) {
            out.sentinel = true;
            if let (Some(master), Some(host)) = (line.text(2), line.text(3)) {
                out.monitors.push(Monitor {
                    master: master.to_string(),
                    host: host.to_string(),
                    span: line.span,
                    quorum: number(line, 5),
                    quorum_text: line.text(5).unwrap_or("").to_string(),
                });
            }
        } else if line.is(&["sentinel", "known-sentinel"]) {
            if let Some(master) = line.text(2) {
                out.known_sentinels.push((master.to_string(), line.span));
            }
        } else if let Some(list) = [
            ("down-after-milliseconds", &mut out.down_after),
            ("failover-timeout", &mut out.failover_timeout),
            ("parallel-syncs", &mut out.parallel_syncs),
        ]
        .into_iter()
        .find_map(|(name, list)| line.is(&["sentinel", name]).then_some(list))
        {
            if let Some(master) = line.text(2) {
                list.push(MasterSetting {
                    master: master.to_string(),
                    span: line.span,
                    value: number(line, 3),
                });
            }
        } else if line.is(&["maxclients"]) {
            out.maxclients = number(line, 1);
        } else if (line.is(&["replicaof"]) || line.is(&["slaveof"]))
            && let (Some(host), Some(port)) = (line.text(1), line.text(2))
        {
            out.replicaof = Some((host.to_string(), port.to_string(), line.span));
        }
    }
    out.comments = conf.comments;
    out
}

/// A non-negative integer word, spanned at the word.
fn number(line: &Line, i: usize) -> Val<i64> {
    match line.word(i) {
        None => Val::Absent,
        Some(w) => match w.text.parse::<i64>() {
            Ok(n) if n >= 0 => Val::Set(n, w.span),
            _ => Val::Invalid(w.span),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::conf;

    #[test]
    fn monitors_peers_and_settings() {
        let text = "sentinel monitor mymaster 10.0.0.1 6379 two\nsentinel down-after-milliseconds mymaster 3000\nsentinel known-sentinel mymaster 10.0.0.2 26379 abc\nmaxclients 500\nreplicaof 10.0.0.1 6379\n";
        let c = extract(
            conf::parse(text, FileId(0)),
            FileId(0),
            "s.conf".into(),
            false,
        );
        assert!(c.sentinel);
        assert!(matches!(c.monitors[0].quorum, Val::Invalid(s) if s.start.col == 41));
        assert_eq!(c.down_after[0].value.get(), Some(3000));
        assert_eq!(c.known_sentinels_of("mymaster").len(), 1);
        assert_eq!(c.maxclients.get(), Some(500));
        assert_eq!(c.replicaof.as_ref().map(|r| r.0.as_str()), Some("10.0.0.1"));
    }
}
