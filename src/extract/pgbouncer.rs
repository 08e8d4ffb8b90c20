//! pgbouncer.ini read into facts: the pool settings of `[pgbouncer]`, the
//! databases of `[databases]` with the server each one connects to and its
//! own pool settings, and the users of `[users]`.

use std::path::PathBuf;

use crate::extract::Val;
use crate::extract::capacity::{PGBOUNCER_DEFAULT_POOL_SIZE, PGBOUNCER_MAX_CLIENT_CONN, Setting};
use crate::formats::conf::Comment;
use crate::formats::ini::{self, Entry, IniFile};
use crate::source::{FileId, Span};

/// One `[databases]` entry.
#[derive(Clone, Debug)]
pub struct IniDatabase {
    /// The database name clients ask for (`*` for the fallback entry).
    pub name: String,
    pub name_span: Span,
    /// `host=` (the first of a comma-separated list) and where it is written.
    pub host: Option<(String, Span)>,
    /// `user=`: every client of this database uses one server user.
    pub forced_user: bool,
    /// `pool_size=`, `reserve_pool=` (or `reserve_pool_size=`),
    /// `max_db_connections=`.
    pub pool_size: Val<i64>,
    pub reserve_pool: Val<i64>,
    pub max_db_connections: Val<i64>,
}

/// One pgbouncer.ini.
#[derive(Clone, Debug)]
pub struct PgbouncerIni {
    pub file: FileId,
    pub path: PathBuf,
    /// The ConfigMap (namespace as written, name) that holds the file.
    pub config_map: Option<(Option<String>, String)>,
    /// `[pgbouncer]` settings with PgBouncer's defaults (`None`: written
    /// but not a non-negative number).
    pub default_pool_size: Option<Setting>,
    pub reserve_pool_size: Option<Setting>,
    pub max_db_connections: Option<Setting>,
    pub max_client_conn: Option<Setting>,
    pub databases: Vec<IniDatabase>,
    /// `[users]` entries: user names and their keys.
    pub users: Vec<(String, Span)>,
    /// The `[pgbouncer]` header, else the start of the file.
    pub header: Span,
    pub comments: Vec<Comment>,
}

/// A non-negative integer value.
fn number(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|n| *n >= 0)
}

fn setting(f: &IniFile, key: &str, default: i64) -> Option<Setting> {
    match f.get("pgbouncer", key) {
        None => Some(Setting::default_of(default)),
        Some(e) => number(&e.value).map(|value| Setting {
            value,
            span: Some(e.key_span),
        }),
    }
}

fn database(e: &Entry) -> IniDatabase {
    let params = ini::conn_params(e).unwrap_or_default();
    let param = |names: &[&str]| {
        params
            .iter()
            .rev()
            .find(|p| names.contains(&p.key.as_str()))
    };
    let val = |names: &[&str]| match param(names) {
        None => Val::Absent,
        Some(p) => match number(&p.value) {
            Some(n) => Val::Set(n, p.span),
            None => Val::Invalid(p.span),
        },
    };
    IniDatabase {
        name: e.key.clone(),
        name_span: e.key_span,
        host: param(&["host"]).and_then(|p| {
            let first = p.value.split(',').next().unwrap_or("").trim();
            (!first.is_empty() && !first.starts_with('/') && !first.contains('$'))
                .then(|| (first.to_string(), p.span))
        }),
        forced_user: param(&["user"]).is_some(),
        pool_size: val(&["pool_size"]),
        reserve_pool: val(&["reserve_pool", "reserve_pool_size"]),
        max_db_connections: val(&["max_db_connections"]),
    }
}

pub fn extract(parsed: IniFile, file: FileId, path: PathBuf) -> PgbouncerIni {
    PgbouncerIni {
        file,
        path,
        config_map: None,
        default_pool_size: setting(&parsed, "default_pool_size", PGBOUNCER_DEFAULT_POOL_SIZE),
        reserve_pool_size: setting(&parsed, "reserve_pool_size", 0),
        max_db_connections: setting(&parsed, "max_db_connections", 0),
        max_client_conn: setting(&parsed, "max_client_conn", PGBOUNCER_MAX_CLIENT_CONN),
        databases: parsed.section("databases").map(database).collect(),
        users: parsed
            .section("users")
            .map(|e| (e.key.clone(), e.key_span))
            .collect(),
        header: parsed
            .sections
            .iter()
            .find(|s| s.name == "pgbouncer")
            .map_or(Span::file_start(file), |s| s.span),
        comments: parsed.comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_databases_and_users() {
        let text = "[databases]\nshop = host=pg,pg2 dbname=shop pool_size=30 reserve_pool=5\nlegacy = host=/var/run/postgresql\nreport = host=pg user=ro max_db_connections=many\n* = host=pg\n[pgbouncer]\ndefault_pool_size = 25\nmax_client_conn = lots\n[users]\napp = pool_mode=session\n";
        let f = extract(ini::parse(text, FileId(0)), FileId(0), "p.ini".into());
        assert_eq!(f.default_pool_size.map(|s| s.value), Some(25));
        assert_eq!(f.reserve_pool_size, Some(Setting::default_of(0)));
        assert_eq!(f.max_client_conn, None);
        assert_eq!(f.databases.len(), 4);
        let shop = &f.databases[0];
        assert_eq!(shop.host.as_ref().map(|h| h.0.as_str()), Some("pg"));
        assert_eq!(shop.pool_size.get(), Some(30));
        assert_eq!(shop.reserve_pool.get(), Some(5));
        assert!(f.databases[1].host.is_none());
        assert!(f.databases[2].forced_user);
        assert!(matches!(f.databases[2].max_db_connections, Val::Invalid(_)));
        assert_eq!(f.users.len(), 1);
        assert_eq!(f.header.start.line, 6);
    }
}
