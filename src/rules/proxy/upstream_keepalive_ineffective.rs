//! SL501 upstream-keepalive-ineffective. Docs: rules/upstream-keepalive-ineffective.toml

use crate::extract::nginx::{NginxConfig, ProxyPass};
use crate::extract::proxy::NginxVersion;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

use super::Seen;

/// nginx 1.29.7 keeps `keepalive 32 local` for an explicit upstream that
/// sets no `keepalive` of its own.
const DEFAULT_KEEPALIVE: u64 = 32;

pub struct UpstreamKeepaliveIneffective {
    upstream: String,
    keepalive: u64,
    /// The pool is nginx 1.29.7's default, not written in the upstream.
    default: bool,
    location: String,
    reasons: Vec<String>,
}

impl Violation for UpstreamKeepaliveIneffective {
    const RULE: Rule = Rule::UpstreamKeepaliveIneffective;

    fn message(&self) -> String {
        let Self {
            upstream,
            keepalive,
            default,
            location,
            reasons,
        } = self;
        let pool = if *default {
            format!("keepalive {keepalive}, nginx's default since 1.29.7")
        } else {
            format!("keepalive {keepalive}")
        };
        format!(
            "location `{location}` proxies to upstream `{upstream}` ({pool}) but no connection is ever reused: {}",
            reasons.join("; ")
        )
    }

    fn help(&self) -> Option<String> {
        let fix = "set `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` in this location (a location with its own proxy_set_header lines inherits none from the server)";
        Some(if self.default {
            format!(
                "{fix}; if the backend needs a new connection per request, say so with `keepalive 0;` in the upstream"
            )
        } else {
            fix.into()
        })
    }

    fn subject(&self) -> String {
        format!("location {} upstream {}", self.location, self.upstream)
    }
}

/// Why a request cannot keep its upstream connection, with the location
/// that says so.
struct Reason {
    text: String,
    related: Option<(Span, String)>,
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let version = proxies.nginx_version;
    let new_defaults = version.is_some_and(|v| v >= NginxVersion::KEEPALIVE_DEFAULTS);
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for p in &config.proxy_passes {
            if !matches!(p.scheme(), Some("http" | "https")) {
                continue;
            }
            let Some(upstream) = config.upstream_of(p) else {
                continue;
            };
            // `keepalive 0` turns the pool off (and older nginx refuses it).
            let (keepalive, keepalive_span) = match &upstream.keepalive {
                Some(k) if k.value == 0 => continue,
                Some(k) => (k.value, Some(k.span)),
                None if new_defaults => (DEFAULT_KEEPALIVE, None),
                None => continue,
            };
            let mut reasons = Vec::new();
            // HTTP/1.0 keeps the connection when asked to with
            // `Connection: keep-alive` (nginx's keepalive documentation).
            let asks_keep_alive = p
                .header("connection")
                .is_some_and(|h| h.value.text.eq_ignore_ascii_case("keep-alive"));
            if !asks_keep_alive {
                reasons.extend(http_version_reason(p, version, new_defaults));
            }
            reasons.extend(connection_reason(config, p, new_defaults));
            if reasons.is_empty() || !seen.first(p.span) {
                continue;
            }
            let v = UpstreamKeepaliveIneffective {
                upstream: upstream.name.to_string(),
                keepalive,
                default: keepalive_span.is_none(),
                location: p
                    .location
                    .as_ref()
                    .map_or("(none)".into(), |w| w.text.to_string()),
                reasons: reasons.iter().map(|r| r.text.clone()).collect(),
            };
            let f = out.report(v, p.span);
            match keepalive_span {
                Some(span) => f.related(
                    span,
                    format!("keepalive {keepalive} of upstream `{}`", upstream.name),
                ),
                None => f.related(
                    upstream.span,
                    format!(
                        "upstream `{}` keeps {keepalive} idle connections by default",
                        upstream.name
                    ),
                ),
            };
            for (span, message) in reasons.into_iter().filter_map(|r| r.related) {
                f.related(span, message);
            }
        }
    }
}

fn http_version_reason(
    p: &ProxyPass,
    version: Option<NginxVersion>,
    new_defaults: bool,
) -> Option<Reason> {
    match &p.http_version {
        Some(v) if v.value == "1.0" => Some(Reason {
            text: format!(
                "proxy_http_version 1.0 (line {}) closes every upstream connection after one request",
                v.span.start.line
            ),
            related: Some((v.span, "proxy_http_version 1.0".into())),
        }),
        Some(_) => None,
        None if new_defaults => None,
        None => Some(Reason {
            text: match version {
                Some(v) => format!(
                    "proxy_http_version is unset, so nginx {v} (`[nginx] version`) sends HTTP/1.0, which closes the connection after each request"
                ),
                None => "proxy_http_version is unset, so nginx before 1.29.7 sends HTTP/1.0, which closes the connection after each request (scalelint assumes an older nginx; set `[nginx] version` in .scalelint.toml if you run 1.29.7 or later)".into(),
            },
            related: None,
        }),
    }
}

fn connection_reason(config: &NginxConfig, p: &ProxyPass, new_defaults: bool) -> Option<Reason> {
    let Some(h) = p.header("connection") else {
        if new_defaults {
            return None;
        }
        return Some(match &p.hidden_connection {
            Some(hidden) => Reason {
                text: format!(
                    "`proxy_set_header Connection \"{}\"` (line {}) does not apply here: this level's own proxy_set_header lines replace the whole inherited set, so nginx sends its default `Connection: close`",
                    hidden.value.text, hidden.span.start.line
                ),
                related: Some((hidden.span, "Connection header hidden by the location's own proxy_set_header".into())),
            },
            None => Reason {
                text: "no `proxy_set_header Connection \"\"` is in effect, so nginx sends its default `Connection: close`".into(),
                related: None,
            },
        });
    };
    let value = h.value.text.as_str();
    if keeps_alive(value) {
        return None;
    }
    if value.starts_with('$') {
        // Only a variable set by a map of the configuration can be judged.
        let map = config.map_of(value)?;
        if keeps_alive(&map.empty.value) {
            return None;
        }
        return Some(Reason {
            text: format!(
                "`proxy_set_header Connection {value}` (line {}) sends `{}` on every request without an Upgrade header (the map's entry at line {})",
                h.span.start.line, map.empty.value, map.empty.span.start.line
            ),
            related: Some((
                map.empty.span,
                format!("{value} is `{}` for an empty value", map.empty.value),
            )),
        });
    }
    Some(Reason {
        text: format!(
            "`proxy_set_header Connection \"{value}\"` (line {}) is not empty",
            h.span.start.line
        ),
        related: Some((h.span, format!("Connection \"{value}\""))),
    })
}

fn keeps_alive(value: &str) -> bool {
    value.is_empty() || value.eq_ignore_ascii_case("keep-alive")
}
