//! postgresql.conf read into facts: `max_connections` and the primary a
//! standby's `primary_conninfo` names.
//!
//! A line is blank, a comment (`#` to the end of the line, also after a
//! setting), or `name [=] value` where the value is a single word or a
//! string in single quotes (`''` and `\'` escape a quote), as PostgreSQL's
//! configuration file lexer reads it.

use std::path::PathBuf;

use crate::extract::Val;
use crate::formats::conf::{Comment, ConfError};
use crate::source::{FileId, Pos, Span, to_u32};

/// One `name = value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Lowercase (parameter names are case-insensitive).
    pub name: String,
    pub value: String,
    pub name_span: Span,
    pub value_span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub settings: Vec<Setting>,
    pub comments: Vec<Comment>,
    pub errors: Vec<ConfError>,
}

/// Parses a whole file; a line PostgreSQL would refuse is an error and
/// left out. Never panics.
pub fn parse(text: &str, file: FileId) -> Parsed {
    let mut out = Parsed::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = to_u32(i + 1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let chars: Vec<char> = raw.chars().collect();
        let pos = |col: usize| Pos::new(line_no, to_u32(col + 1));
        let text_of =
            |a: usize, b: usize| -> String { chars.get(a..b).unwrap_or_default().iter().collect() };
        let mut i = 0;
        let skip = |i: &mut usize| {
            while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
                *i += 1;
            }
        };
        skip(&mut i);
        let comment = |at: usize, out: &mut Parsed| {
            out.comments.push(Comment {
                text: text_of(at + 1, chars.len()),
                span: Span::new(file, pos(at), pos(chars.len())),
            });
        };
        match chars.get(i) {
            None => continue,
            Some('#') => {
                comment(i, &mut out);
                continue;
            }
            _ => {}
        }
        let name_start = i;
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '-'))
        {
            i += 1;
        }
        let name_end = i;
        let error = |at: usize, message: &str, out: &mut Parsed| {
            out.errors.push(ConfError {
                pos: pos(at),
                message: message.to_string(),
            });
        };
        if name_end == name_start {
            error(i, "expected a parameter name", &mut out);
            continue;
        }
        skip(&mut i);
        if chars.get(i) == Some(&'=') {
            i += 1;
            skip(&mut i);
        }
        let value_start = i;
        let mut value = String::new();
        match chars.get(i) {
            Some('\'') => {
                i += 1;
                let mut closed = false;
                while let Some(&c) = chars.get(i) {
                    match c {
                        '\\' => {
                            if let Some(&n) = chars.get(i + 1) {
                                value.push(n);
                            }
                            i += 2;
                        }
                        '\'' if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        '\'' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    error(value_start, "unterminated quoted string", &mut out);
                    continue;
                }
            }
            None | Some('#') => {
                error(i, "expected a value after the parameter name", &mut out);
                continue;
            }
            Some(_) => {
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace() || c == '#' {
                        break;
                    }
                    value.push(c);
                    i += 1;
                }
            }
        }
        let value_end = i;
        skip(&mut i);
        match chars.get(i) {
            None => {}
            Some('#') => comment(i, &mut out),
            Some(_) => {
                error(i, "unexpected text after the value", &mut out);
                continue;
            }
        }
        out.settings.push(Setting {
            name: text_of(name_start, name_end).to_ascii_lowercase(),
            value,
            name_span: Span::new(file, pos(name_start), pos(name_end)),
            value_span: Span::new(file, pos(value_start), pos(value_end)),
        });
    }
    out
}

/// One postgresql.conf.
#[derive(Clone, Debug)]
pub struct PostgresConf {
    pub file: FileId,
    pub path: PathBuf,
    /// The ConfigMap (namespace as written, name) that holds the file.
    pub config_map: Option<(Option<String>, String)>,
    /// The last `max_connections` (PostgreSQL keeps the last).
    pub max_connections: Val<i64>,
    /// The `host=` of `primary_conninfo` and where the setting is.
    pub primary_host: Option<(String, Span)>,
    pub comments: Vec<Comment>,
}

pub fn extract(parsed: Parsed, file: FileId, path: PathBuf) -> PostgresConf {
    let mut out = PostgresConf {
        file,
        path,
        config_map: None,
        max_connections: Val::Absent,
        primary_host: None,
        comments: parsed.comments,
    };
    for s in &parsed.settings {
        match s.name.as_str() {
            "max_connections" => {
                out.max_connections = match s.value.trim().parse::<i64>() {
                    Ok(n) if n >= 1 => Val::Set(n, s.value_span),
                    _ => Val::Invalid(s.value_span),
                };
            }
            "primary_conninfo" => {
                let host = s
                    .value
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix("host="))
                    .map(|h| h.trim_matches('\'').to_string())
                    .or_else(|| crate::model::capacity::pg_url(&s.value).map(|(h, _, _)| h))
                    .map(|h| h.split(',').next().unwrap_or("").to_string())
                    .filter(|h| !h.is_empty() && !h.starts_with('/'));
                out.primary_host = host.map(|h| (h, s.value_span));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_comments_and_errors() {
        let text = "# PostgreSQL\nmax_connections = 200\t# was 100\nshared_buffers 128MB\nprimary_conninfo = 'host=pg-primary port=5432 application_name=''s1'''\nbad line here\nwork_mem =\ncluster_name = 'open\n";
        let p = parse(text, FileId(0));
        assert_eq!(p.settings.len(), 3, "{:?}", p.settings);
        assert_eq!(p.comments.len(), 2);
        assert_eq!(p.errors.len(), 3);
        assert_eq!(p.errors[0].pos, Pos::new(5, 10));
        let c = extract(p, FileId(0), "postgresql.conf".into());
        assert!(matches!(c.max_connections, Val::Set(200, s) if s.start == Pos::new(2, 19)));
        assert_eq!(
            c.primary_host.map(|(h, _)| h),
            Some("pg-primary".to_string())
        );
    }
}
