//! Files as the pipeline sees them, and positions inside them.
//!
//! Positions are 1-based lines and 1-based columns counted in characters, the
//! way editors and SARIF viewers show them. Byte offsets are only needed when a
//! snippet is rendered, and `LineIndex` finds them there.

use std::borrow::Cow;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Index of a file in the run's file table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A 1-based line and 1-based character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, col: 1 };

    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// A range in one file: `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(file: FileId, start: Pos, end: Pos) -> Self {
        Span { file, start, end }
    }

    /// Where the span ends, or its start when it has no width (a parse
    /// error's position): the end that reports show.
    pub fn end_or_start(&self) -> Pos {
        if self.end > self.start {
            self.end
        } else {
            self.start
        }
    }

    /// The first character of a file: where whole-file findings point.
    pub fn file_start(file: FileId) -> Self {
        Span::new(file, Pos::START, Pos::START)
    }
}

/// What kind of configuration a file holds, decided by name, extension and a
/// cheap look at its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// Any `.yaml`/`.yml` file; whether it is Kubernetes, compose or neither is
    /// decided after parsing.
    Yaml,
    Nginx,
    Haproxy,
    ClickhouseXml,
    RedisConf,
    SentinelConf,
    PostgresConf,
    PgbouncerIni,
    ZooCfg,
    /// SQL DDL: read only for the table engines it creates.
    Sql,
    /// A docker compose environment file (`.env`, `*.env`): variables for
    /// interpolation and `env_file:`.
    EnvFile,
    /// A path that could not be walked or read; only notes point at it.
    Other,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Yaml => "yaml",
            FileKind::Nginx => "nginx",
            FileKind::Haproxy => "haproxy",
            FileKind::ClickhouseXml => "clickhouse-xml",
            FileKind::RedisConf => "redis-conf",
            FileKind::SentinelConf => "sentinel-conf",
            FileKind::PostgresConf => "postgresql-conf",
            FileKind::PgbouncerIni => "pgbouncer-ini",
            FileKind::ZooCfg => "zoo-cfg",
            FileKind::Sql => "sql",
            FileKind::EnvFile => "env-file",
            FileKind::Other => "other",
        }
    }

    /// Whether this build has a parser for the kind. Files of other kinds are
    /// counted and skipped quietly.
    pub fn is_linted(self) -> bool {
        matches!(
            self,
            FileKind::Yaml
                | FileKind::ClickhouseXml
                | FileKind::RedisConf
                | FileKind::SentinelConf
                | FileKind::PgbouncerIni
                | FileKind::PostgresConf
                | FileKind::ZooCfg
                | FileKind::Sql
                | FileKind::EnvFile
                | FileKind::Nginx
                | FileKind::Haproxy
        )
    }
}

/// A file found by `discover`, before it is read.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path to open.
    pub path: PathBuf,
    /// The path shown to users: relative to the working directory where
    /// possible, always with `/` separators.
    pub display: String,
    pub kind: FileKind,
    /// The bytes of a file that is not on disk (standard input, read once
    /// before the run); `None` for a file read from `path`.
    pub contents: Option<Arc<[u8]>>,
}

impl SourceFile {
    /// The file's size in bytes, without reading it.
    pub fn size(&self) -> io::Result<u64> {
        match &self.contents {
            Some(bytes) => Ok(u64::try_from(bytes.len()).unwrap_or(u64::MAX)),
            None => std::fs::metadata(&self.path).map(|m| m.len()),
        }
    }

    /// The file's bytes: from memory for standard input, else from disk.
    pub fn read(&self) -> io::Result<Cow<'_, [u8]>> {
        match &self.contents {
            Some(bytes) => Ok(Cow::Borrowed(bytes)),
            None => std::fs::read(&self.path).map(Cow::Owned),
        }
    }
}

/// Line starts of a text, for turning positions into byte offsets and back.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text of a 1-based line without its line break (CR LF aware).
    pub fn line(&self, line: u32) -> Option<&'a str> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        let raw = self.text.get(start..end)?;
        Some(raw.trim_end_matches('\n').trim_end_matches('\r'))
    }

    /// The position of a byte offset (clamped to the text).
    pub fn pos_of_offset(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line_idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line_idx).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Pos::new(to_u32(line_idx + 1), to_u32(col + 1))
    }
}

/// Saturating conversion for positions: no file we read has 4 billion lines.
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_handles_crlf_and_unicode() {
        let idx = LineIndex::new("a: 1\r\nné: 2\r\n");
        assert_eq!(idx.line(1), Some("a: 1"));
        assert_eq!(idx.line(2), Some("né: 2"));
        assert_eq!(idx.pos_of_offset(6 + 4), Pos::new(2, 4));
        assert_eq!(idx.line(9), None);
    }
}
