//! SL513 haproxy-maxconn-inconsistent. Docs: rules/haproxy-maxconn-inconsistent.toml

use crate::extract::haproxy::{self, global};
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Seen;

pub struct HaproxyMaxconnInconsistent {
    proxy: String,
    maxconn: u64,
    global: u64,
    global_line: u32,
}

impl Violation for HaproxyMaxconnInconsistent {
    const RULE: Rule = Rule::HaproxyMaxconnInconsistent;

    fn message(&self) -> String {
        let Self {
            proxy,
            maxconn,
            global,
            global_line,
        } = self;
        format!(
            "{proxy} has maxconn {maxconn}, above the global maxconn {global} (line {global_line}): the process stops accepting at {global} connections, so this limit is never reached"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "lower the frontend maxconn to at most {} or raise the global maxconn (and the file descriptor limit with it)",
            self.global
        ))
    }

    fn subject(&self) -> String {
        self.proxy.clone()
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    for file in &proxies.haproxy {
        let Some(g) = global(file, "maxconn") else {
            continue;
        };
        let Some(limit) = g.arg(0).and_then(|w| w.text.parse::<u64>().ok()) else {
            continue;
        };
        let mut seen = Seen::default();
        for proxy in haproxy::proxies(file).iter().filter(|p| p.is_frontend()) {
            let Some(line) = proxy.last("maxconn", None) else {
                continue;
            };
            let Some(value) = line.arg(0) else { continue };
            let Ok(maxconn) = value.text.parse::<u64>() else {
                continue;
            };
            // The `maxconn` keyword, in the frontend or the defaults it
            // inherits from (reported once for all who inherit it).
            let Some(word) = line.span() else { continue };
            if maxconn <= limit || !seen.first(word) {
                continue;
            }
            let own = proxy.section.lines.iter().any(|l| std::ptr::eq(l, line));
            let v = HaproxyMaxconnInconsistent {
                proxy: if own {
                    proxy.display()
                } else {
                    format!("{} (through its defaults section)", proxy.display())
                },
                maxconn,
                global: limit,
                global_line: g.span().map_or(0, |s| s.start.line),
            };
            let f = out.report(v, word);
            if let Some(s) = g.span() {
                f.related(s, format!("global maxconn {limit}"));
            }
        }
    }
}
