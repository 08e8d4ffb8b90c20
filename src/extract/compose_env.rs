//! docker compose variables: environment files (`.env` in the project
//! directory, `env_file:` of a service) and interpolation of `${VAR}` in
//! compose values.
//!
//! Variables come only from environment files of the scanned tree, never
//! from the environment scalelint runs in: a value that needs a variable
//! the tree does not set is unknown, and rules stay silent on it.
//!
//! Syntax as documented at
//! <https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/>
//! and <https://docs.docker.com/reference/compose-file/interpolation/>.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::source::{FileId, Pos, Span, to_u32};

/// Nested `${…}` deeper than this make a value unknown.
const MAX_NESTING: u32 = 16;

/// One `KEY=VALUE` line of an environment file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvLine {
    pub key: String,
    /// The value with quotes and escapes removed.
    pub value: String,
    /// Unquoted and double-quoted values are interpolated; single-quoted
    /// values are literal.
    pub interpolate: bool,
    /// From the key to the end of the value.
    pub span: Span,
}

/// An environment file of the tree (`.env`, `*.env`, `.env.*`).
#[derive(Clone, Debug)]
pub struct EnvFile {
    pub file: FileId,
    pub path: PathBuf,
    pub lines: Vec<EnvLine>,
}

/// What a variable is known to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var<'a> {
    Unset,
    Set(&'a str),
    /// Set, to a value the tree does not tell.
    Unknown,
}

/// Variables by name: `None` for one that is set to an unknown value.
pub type Vars = HashMap<String, Option<String>>;

/// Looks a name up in `vars`.
pub fn lookup<'a>(vars: &'a Vars, name: &str) -> Var<'a> {
    match vars.get(name) {
        None => Var::Unset,
        Some(Some(v)) => Var::Set(v),
        Some(None) => Var::Unknown,
    }
}

/// Whether a file name is an environment file: `.env`, `app.env`,
/// `.env.production`.
pub fn is_env_file_name(name: &str) -> bool {
    name == ".env" || name.ends_with(".env") || name.starts_with(".env.")
}

/// Reads an environment file. Lines that are not `KEY=VALUE` (or
/// `export KEY=VALUE`) are left out; an unterminated quote ends the file.
pub fn parse(text: &str, file: FileId, path: PathBuf) -> EnvFile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&raw) = lines.get(i) {
        let line_no = i;
        i += 1;
        let line = raw.trim_end_matches('\r');
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        let body_start = body;
        let body = body
            .strip_prefix("export ")
            .map_or(body, |b| b.trim_start_matches([' ', '\t']));
        let Some((key, rest)) = body.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let key_offset = indent + (body_start.len() - body.len());
        let rest = rest.trim_start_matches([' ', '\t']);
        let (value, interpolate, end_line, end_text) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let Some((value, end_line, end_text)) = quoted(&lines, line_no, rest, q) else {
                    // An unterminated quote: nothing after it can be trusted.
                    break;
                };
                i = end_line + 1;
                (value, q == '"', end_line, end_text)
            }
            _ => {
                let value = unquoted_value(rest);
                let upto = line.len() - rest.len() + value.len();
                let shown = line.get(..upto).unwrap_or(line);
                (value.to_string(), true, line_no, shown)
            }
        };
        let start = Pos::new(
            to_u32(line_no + 1),
            to_u32(line.get(..key_offset).map_or(0, |p| p.chars().count()) + 1),
        );
        let end = Pos::new(
            to_u32(end_line + 1),
            to_u32(end_text.trim_end().chars().count() + 1),
        );
        out.push(EnvLine {
            key: key.to_string(),
            value,
            interpolate,
            span: Span::new(file, start, end),
        });
    }
    EnvFile {
        file,
        path,
        lines: out,
    }
}

/// An unquoted value: up to an inline comment, which needs a blank before
/// its `#` (`VAR=VAL# not a comment` keeps the `#`).
fn unquoted_value(rest: &str) -> &str {
    let mut prev_blank = false;
    for (i, c) in rest.char_indices() {
        if c == '#' && prev_blank {
            return rest.get(..i).unwrap_or(rest).trim_end();
        }
        prev_blank = c == ' ' || c == '\t';
    }
    rest.trim_end()
}

/// A quoted value starting at `rest` (its first character is the quote),
/// possibly running over several lines: the value, the line it ends on and
/// that line's text up to the closing quote.
fn quoted<'a>(
    lines: &[&'a str],
    first: usize,
    rest: &'a str,
    q: char,
) -> Option<(String, usize, &'a str)> {
    let mut value = String::new();
    let mut line_no = first;
    let mut text: &str = rest.get(1..)?;
    loop {
        let mut chars = text.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let Some((_, n)) = chars.next() else {
                        value.push('\\');
                        continue;
                    };
                    match (q, n) {
                        (_, n) if n == q => value.push(n),
                        ('"', 'n') => value.push('\n'),
                        ('"', 'r') => value.push('\r'),
                        ('"', 't') => value.push('\t'),
                        ('"', '\\') => value.push('\\'),
                        (_, n) => {
                            value.push('\\');
                            value.push(n);
                        }
                    }
                }
                c if c == q => {
                    let line = lines.get(line_no).map_or("", |l| l.trim_end_matches('\r'));
                    // The text of the line up to and including the quote.
                    let upto = line.len() - text.len() + i + 1;
                    return Some((value, line_no, line.get(..upto).unwrap_or(line)));
                }
                c => value.push(c),
            }
        }
        line_no += 1;
        text = lines.get(line_no)?.trim_end_matches('\r');
        value.push('\n');
    }
}

/// The variables of an environment file, each interpolated with the ones
/// before it (and `outer`, for an `env_file:` read in a project with a
/// `.env`).
pub fn resolve_vars(env: &EnvFile, outer: Option<&Vars>) -> Vars {
    let mut vars = Vars::new();
    for l in &env.lines {
        let value = if l.interpolate {
            let earlier = &vars;
            interpolate(&l.value, &|name| match lookup(earlier, name) {
                Var::Unset => outer.map_or(Var::Unset, |o| lookup(o, name)),
                known => known,
            })
        } else {
            Some(l.value.clone())
        };
        vars.insert(l.key.clone(), value);
    }
    vars
}

/// `text` with `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}` replaced and
/// `$$` turned into `$`. `None` when the result depends on a variable that
/// is unset (without a default) or unknown, or the syntax is invalid
/// (Compose refuses such a file).
pub fn interpolate<'v>(text: &str, vars: &dyn Fn(&str) -> Var<'v>) -> Option<String> {
    if !text.contains('$') {
        return Some(text.to_string());
    }
    expand(text, vars, 0)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand<'v>(text: &str, vars: &dyn Fn(&str) -> Var<'v>, depth: u32) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at)?);
        let after = rest.get(at + 1..)?;
        match after.chars().next() {
            Some('$') => {
                out.push('$');
                rest = after.get(1..)?;
            }
            Some('{') => {
                let inner_start = 1;
                let close = matching_brace(after)?;
                let inner = after.get(inner_start..close)?;
                out.push_str(&braced(inner, vars, depth)?);
                rest = after.get(close + 1..)?;
            }
            Some(c) if is_name_start(c) => {
                let len = after
                    .find(|c: char| !is_name_char(c))
                    .unwrap_or(after.len());
                let name = after.get(..len)?;
                match vars(name) {
                    Var::Set(v) => out.push_str(v),
                    Var::Unset | Var::Unknown => return None,
                }
                rest = after.get(len..)?;
            }
            // Not a variable: the `$` stays as written.
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// The index of the `}` closing the `{` at the start of `s`, counting
/// nested `${`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0u32;
    let mut prev_dollar = false;
    for (i, c) in s.char_indices() {
        match c {
            '{' if i == 0 || prev_dollar => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        prev_dollar = c == '$' && !prev_dollar;
    }
    None
}

/// The inside of `${…}`.
fn braced<'v>(inner: &str, vars: &dyn Fn(&str) -> Var<'v>, depth: u32) -> Option<String> {
    let len = inner
        .find(|c: char| !is_name_char(c))
        .unwrap_or(inner.len());
    let name = inner.get(..len)?;
    if !name.starts_with(is_name_start) {
        return None;
    }
    let op = inner.get(len..)?;
    let var = vars(name);
    let nested = |s: &str| expand(s, vars, depth + 1);
    let empty = |v: &Var<'_>| matches!(v, Var::Unset | Var::Set(""));
    if op.is_empty() {
        return match var {
            Var::Set(v) => Some(v.to_string()),
            _ => None,
        };
    }
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    let mut chars = op.chars();
    let kind = chars.next()?;
    let arg = chars.as_str();
    match (kind, var) {
        (_, Var::Unknown) if kind == '+' && !colon => nested(arg),
        (_, Var::Unknown) => None,
        ('-', v) => {
            let use_default = if colon { empty(&v) } else { v == Var::Unset };
            match v {
                _ if use_default => nested(arg),
                Var::Set(s) => Some(s.to_string()),
                _ => None,
            }
        }
        ('?', v) => {
            let missing = if colon { empty(&v) } else { v == Var::Unset };
            match v {
                // Compose stops with the error message: nothing to read.
                _ if missing => None,
                Var::Set(s) => Some(s.to_string()),
                _ => None,
            }
        }
        ('+', v) => {
            let missing = if colon { empty(&v) } else { v == Var::Unset };
            if missing {
                Some(String::new())
            } else {
                nested(arg)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    fn interp(text: &str, v: &Vars) -> Option<String> {
        interpolate(text, &|n| lookup(v, n))
    }

    #[test]
    fn interpolation_forms() {
        let v = vars(&[("POOL", Some("30")), ("EMPTY", Some("")), ("SECRET", None)]);
        assert_eq!(interp("${POOL}", &v).as_deref(), Some("30"));
        assert_eq!(interp("$POOL", &v).as_deref(), Some("30"));
        assert_eq!(interp("x-$POOL-y", &v).as_deref(), Some("x-30-y"));
        assert_eq!(interp("${POOL:-20}", &v).as_deref(), Some("30"));
        assert_eq!(interp("${NOPE:-20}", &v).as_deref(), Some("20"));
        assert_eq!(interp("${EMPTY:-20}", &v).as_deref(), Some("20"));
        assert_eq!(interp("${EMPTY-20}", &v).as_deref(), Some(""));
        assert_eq!(interp("${NOPE-20}", &v).as_deref(), Some("20"));
        assert_eq!(interp("${POOL:?set it}", &v).as_deref(), Some("30"));
        assert_eq!(interp("${NOPE:?set it}", &v), None);
        assert_eq!(interp("${EMPTY:?set it}", &v), None);
        assert_eq!(interp("${EMPTY?set it}", &v).as_deref(), Some(""));
        assert_eq!(interp("${POOL:+alt}", &v).as_deref(), Some("alt"));
        assert_eq!(interp("${EMPTY:+alt}", &v).as_deref(), Some(""));
        assert_eq!(interp("${EMPTY+alt}", &v).as_deref(), Some("alt"));
        assert_eq!(interp("${NOPE+alt}", &v).as_deref(), Some(""));
        assert_eq!(interp("$$POOL", &v).as_deref(), Some("$POOL"));
        assert_eq!(interp("a $ b $1", &v).as_deref(), Some("a $ b $1"));
        assert_eq!(
            interp("${NOPE:-${ALSO:-${POOL}}}", &v).as_deref(),
            Some("30")
        );
        assert_eq!(interp("${NOPE:-$POOL}", &v).as_deref(), Some("30"));
        // Unknown or unset without a default: the value is unknown.
        assert_eq!(interp("${NOPE}", &v), None);
        assert_eq!(interp("$NOPE", &v), None);
        assert_eq!(interp("${SECRET:-20}", &v), None);
        assert_eq!(interp("${SECRET+x}", &v).as_deref(), Some("x"));
    }

    #[test]
    fn bad_syntax_is_unknown_not_a_panic() {
        let v = vars(&[("A", Some("1"))]);
        for bad in [
            "${", "${A", "${A:-", "${}", "${1A}", "${A/x/y}", "${A:}", "$", "}${",
        ] {
            let r = interp(bad, &v);
            assert!(
                bad == "$" && r.as_deref() == Some("$") || r.is_none(),
                "{bad}: {r:?}"
            );
        }
        let deep = "${A:-".repeat(10_000) + &"}".repeat(10_000);
        assert_eq!(interp(&deep, &v), Some("1".into()));
        let deeper = "${X:-".repeat(10_000) + "1" + &"}".repeat(10_000);
        assert_eq!(interp(&deeper, &v), None);
    }

    #[test]
    fn env_file_syntax() {
        let f = parse(
            "# comment\n\nPOOL=20\nexport WORKERS=4\nA=VAL # comment\nB=VAL# not a comment\nC=\"VAL # not a comment\" # comment\nD='$OTHER'\nE=\"a\\tb\"\nF='Let\\'s go'\nG=\"line1\nline2\"\nH = spaced\nnot a var\n",
            FileId(3),
            PathBuf::from(".env"),
        );
        let get = |k: &str| {
            f.lines
                .iter()
                .find(|l| l.key == k)
                .map(|l| l.value.as_str())
        };
        assert_eq!(get("POOL"), Some("20"));
        assert_eq!(get("WORKERS"), Some("4"));
        assert_eq!(get("A"), Some("VAL"));
        assert_eq!(get("B"), Some("VAL# not a comment"));
        assert_eq!(get("C"), Some("VAL # not a comment"));
        assert_eq!(get("D"), Some("$OTHER"));
        assert_eq!(get("E"), Some("a\tb"));
        assert_eq!(get("F"), Some("Let's go"));
        assert_eq!(get("G"), Some("line1\nline2"));
        assert_eq!(get("H"), Some("spaced"));
        let pool = f.lines.iter().find(|l| l.key == "POOL").unwrap();
        assert_eq!(pool.span.start, Pos::new(3, 1));
        assert_eq!(pool.span.end, Pos::new(3, 8));
        let workers = f.lines.iter().find(|l| l.key == "WORKERS").unwrap();
        assert_eq!(workers.span.start, Pos::new(4, 8));
        let resolved = resolve_vars(&f, None);
        assert_eq!(resolved.get("D"), Some(&Some("$OTHER".to_string())));
    }

    #[test]
    fn env_values_refer_to_earlier_ones_and_cycles_stay_unknown() {
        let f = parse(
            "A=${B}\nB=${A}\nC=5\nD=${C:-1}0\n",
            FileId(0),
            PathBuf::from(".env"),
        );
        let v = resolve_vars(&f, None);
        assert_eq!(v.get("A"), Some(&None));
        assert_eq!(v.get("B"), Some(&None));
        assert_eq!(v.get("D"), Some(&Some("50".to_string())));
        let unterminated = parse("A=1\nB=\"open\nC=2\n", FileId(0), PathBuf::from(".env"));
        assert_eq!(unterminated.lines.len(), 1);
    }
}
