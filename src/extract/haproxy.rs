//! HAProxy proxies as the SL51x rules see them: each `frontend`, `backend`
//! and `listen` with the `defaults` sections it inherits from (the last one
//! before it, or the one its `from` names, followed through their own
//! `from`), and its servers with whether each is health-checked.

use crate::formats::haproxy::{HaproxyFile, Line, Section};
use crate::source::Span;

/// Named `defaults` chains longer than this are cut (HAProxy refuses loops).
const MAX_DEFAULTS_CHAIN: usize = 8;

/// A `frontend`, `backend` or `listen` with what it inherits.
pub struct Proxy<'a> {
    pub section: &'a Section,
    /// Its defaults, outermost first.
    pub defaults: Vec<&'a Section>,
}

/// A `server` (or `server-template`) line and whether it is checked.
pub struct Server<'a> {
    pub line: &'a Line,
    pub checked: bool,
    /// How many servers the line declares (`server-template` declares n).
    pub count: u64,
}

impl<'a> Proxy<'a> {
    pub fn kind(&self) -> &str {
        self.section.kind()
    }

    pub fn display(&self) -> String {
        format!("{} `{}`", self.kind(), self.section.name().unwrap_or(""))
    }

    pub fn is_frontend(&self) -> bool {
        matches!(self.kind(), "frontend" | "listen")
    }

    pub fn is_backend(&self) -> bool {
        matches!(self.kind(), "backend" | "listen")
    }

    /// Every line in effect, inherited ones first.
    pub fn lines(&self) -> impl Iterator<Item = &'a Line> + '_ {
        self.defaults
            .iter()
            .flat_map(|d| d.lines.iter())
            .chain(self.section.lines.iter())
    }

    /// The last line in effect with this keyword (and first argument).
    pub fn last(&self, keyword: &str, first_arg: Option<&str>) -> Option<&'a Line> {
        self.lines().filter(|l| l.is(keyword, first_arg)).last()
    }

    /// `option <name>` in effect, unless a later `no option <name>` cancels it.
    pub fn option(&self, name: &str) -> Option<&'a Line> {
        let mut found = None;
        for l in self.lines() {
            if l.is("option", Some(name)) {
                found = Some(l);
            } else if l.keyword() == "no"
                && l.arg(0).is_some_and(|w| w.text == "option")
                && l.arg(1).is_some_and(|w| w.text == name)
            {
                found = None;
            }
        }
        found
    }

    /// `timeout <name> <value>` in effect. (The pre-1.5 `clitimeout`,
    /// `contimeout` and `srvtimeout` are refused since HAProxy 2.1.)
    pub fn timeout(&self, name: &str) -> Option<&'a Line> {
        self.lines().filter(|l| l.is("timeout", Some(name))).last()
    }

    /// `mode` in effect; HAProxy's default is tcp.
    pub fn mode(&self) -> &str {
        self.last("mode", None)
            .and_then(|l| l.arg(0))
            .map_or("tcp", |w| w.text.as_str())
    }

    /// The servers of the section, each with whether `check` applies to it
    /// (its own words, else the `default-server` lines before it, inherited
    /// ones included).
    pub fn servers(&self) -> Vec<Server<'a>> {
        let mut default_check = false;
        for d in &self.defaults {
            for l in d.lines.iter().filter(|l| l.keyword() == "default-server") {
                default_check = check_words(l).unwrap_or(default_check);
            }
        }
        let mut out = Vec::new();
        for l in &self.section.lines {
            match l.keyword() {
                "default-server" => default_check = check_words(l).unwrap_or(default_check),
                "server" => out.push(Server {
                    line: l,
                    checked: check_words(l).unwrap_or(default_check),
                    count: 1,
                }),
                "server-template" => out.push(Server {
                    line: l,
                    checked: check_words(l).unwrap_or(default_check),
                    count: l.arg(1).and_then(|w| template_count(&w.text)).unwrap_or(1),
                }),
                _ => {}
            }
        }
        out
    }

    pub fn span(&self) -> Span {
        self.section.span()
    }
}

/// `Some(true)` for `check`, `Some(false)` for `no-check`, the last one
/// winning; `None` when the line says neither.
fn check_words(l: &Line) -> Option<bool> {
    l.args()
        .iter()
        .filter_map(|w| match w.text.as_str() {
            "check" => Some(true),
            "no-check" => Some(false),
            _ => None,
        })
        .next_back()
}

/// `server-template srv 1-10 …` or `srv 5 …`: how many servers.
fn template_count(range: &str) -> Option<u64> {
    match range.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            b.checked_sub(a)?.checked_add(1)
        }
        None => range.parse().ok(),
    }
}

/// The proxies of a file, in order.
pub fn proxies(file: &HaproxyFile) -> Vec<Proxy<'_>> {
    let mut out = Vec::new();
    for (i, s) in file.sections.iter().enumerate() {
        if matches!(s.kind(), "frontend" | "backend" | "listen") {
            out.push(Proxy {
                section: s,
                defaults: defaults_chain(file, i),
            });
        }
    }
    out
}

/// The `global` section's line with this keyword, if any.
pub fn global<'a>(file: &'a HaproxyFile, keyword: &str) -> Option<&'a Line> {
    file.sections
        .iter()
        .filter(|s| s.kind() == "global")
        .flat_map(|s| s.lines.iter())
        .rfind(|l| l.keyword() == keyword)
}

/// The defaults a section at index `at` inherits, outermost first.
fn defaults_chain(file: &HaproxyFile, at: usize) -> Vec<&Section> {
    let mut chain = Vec::new();
    let mut current = at;
    while chain.len() < MAX_DEFAULTS_CHAIN {
        let Some(section) = file.sections.get(current) else {
            break;
        };
        let before = file.sections.get(..current).unwrap_or_default();
        let found = match section.from() {
            Some(name) => before
                .iter()
                .rposition(|s| s.kind() == "defaults" && s.name() == Some(name.text.as_str())),
            // A defaults section without `from` inherits nothing.
            None if section.kind() == "defaults" => None,
            None => before.iter().rposition(|s| s.kind() == "defaults"),
        };
        let Some(i) = found else { break };
        let Some(d) = file.sections.get(i) else { break };
        if chain.iter().any(|c: &&Section| std::ptr::eq(*c, d)) {
            break;
        }
        chain.push(d);
        current = i;
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::haproxy::parse;
    use crate::source::FileId;

    #[test]
    fn defaults_by_position_and_by_name() {
        let f = parse(
            "defaults base\n  timeout connect 5s\ndefaults web from base\n  mode http\n  timeout client 30s\ndefaults\n  mode tcp\nfrontend a\n  bind :80\nbackend b from web\n  server s 1.2.3.4:80\n",
            FileId(0),
        );
        let ps = proxies(&f);
        let a = ps.first().unwrap();
        assert_eq!(a.mode(), "tcp");
        assert!(a.timeout("client").is_none());
        let b = ps.get(1).unwrap();
        assert_eq!(b.mode(), "http");
        assert!(b.timeout("connect").is_some() && b.timeout("client").is_some());
    }

    #[test]
    fn server_checks_follow_default_server() {
        let f = parse(
            "defaults\n  default-server check\nbackend b\n  server a 1.1.1.1:80\n  server b 1.1.1.2:80 no-check\n  default-server no-check\n  server c 1.1.1.3:80\n  server-template d 1-3 x:80 check\n",
            FileId(0),
        );
        let ps = proxies(&f);
        let servers = ps.first().unwrap().servers();
        let checked: Vec<bool> = servers.iter().map(|s| s.checked).collect();
        assert_eq!(checked, [true, false, false, true]);
        assert_eq!(servers.get(3).unwrap().count, 3);
    }
}
