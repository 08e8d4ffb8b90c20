//! SL506 websocket-upgrade-missing. Docs: rules/websocket-upgrade-missing.toml

use crate::extract::nginx::ProxyPass;
use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Seen;

pub struct WebsocketUpgradeMissing {
    location: String,
    named: String,
    missing: Vec<&'static str>,
    hidden: bool,
}

impl Violation for WebsocketUpgradeMissing {
    const RULE: Rule = Rule::WebsocketUpgradeMissing;

    fn message(&self) -> String {
        let Self {
            location,
            named,
            missing,
            hidden,
        } = self;
        format!(
            "location `{location}` looks like a WebSocket endpoint ({named}) but sends no {} header upstream{}: the upgrade handshake never reaches the backend",
            missing.join(" or "),
            if *hidden {
                " (the server's proxy_set_header lines do not apply: this location sets its own)"
            } else {
                ""
            }
        )
    }

    fn help(&self) -> Option<String> {
        Some(
            "add `proxy_http_version 1.1;`, `proxy_set_header Upgrade $http_upgrade;` and `proxy_set_header Connection $connection_upgrade;` (with the usual map), or ignore this if it is not a WebSocket endpoint"
                .into(),
        )
    }

    fn subject(&self) -> String {
        format!("location {}", self.location)
    }
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for p in &config.proxy_passes {
            if !matches!(p.scheme(), Some("http" | "https")) {
                continue;
            }
            let upstream = config.upstream_of(p).map(|u| u.name.as_str());
            let Some(named) = websocket_name(p, upstream) else {
                continue;
            };
            let missing: Vec<&'static str> = [("upgrade", "Upgrade"), ("connection", "Connection")]
                .into_iter()
                .filter(|(h, _)| p.header(h).is_none())
                .map(|(_, shown)| shown)
                .collect();
            if missing.is_empty() || !seen.first(p.span) {
                continue;
            }
            let v = WebsocketUpgradeMissing {
                location: p
                    .location
                    .as_ref()
                    .map_or("(none)".into(), |w| w.text.to_string()),
                named,
                missing,
                hidden: p.hidden_connection.is_some(),
            };
            out.report(v, p.span);
        }
    }
}

/// What names the endpoint like a WebSocket one: the location, the URL or
/// the upstream.
fn websocket_name(p: &ProxyPass, upstream: Option<&str>) -> Option<String> {
    let candidates = [
        p.location.as_ref().map(|w| ("location", w.text.as_str())),
        Some(("proxy_pass", p.url.text.as_str())),
        upstream.map(|u| ("upstream", u)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|(what, text)| looks_like_websocket(text).then(|| format!("{what} `{text}`")))
}

fn looks_like_websocket(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("websocket")
        || lower.contains("socket.io")
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| part == "ws" || part == "wss")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_names() {
        assert!(looks_like_websocket("/ws/"));
        assert!(looks_like_websocket("/socket.io/"));
        assert!(looks_like_websocket("chat_websocket_backend"));
        assert!(looks_like_websocket("http://ws-gateway:8080"));
        assert!(!looks_like_websocket("/news/"));
        assert!(!looks_like_websocket("/api/ws2"));
    }
}
