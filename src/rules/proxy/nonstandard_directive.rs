//! SL504 nonstandard-directive. Docs: rules/nonstandard-directive.toml

use crate::extract::proxy::Proxies;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::Seen;

pub struct NonstandardDirective {
    directive: String,
    module: Option<&'static str>,
}

impl Violation for NonstandardDirective {
    const RULE: Rule = Rule::NonstandardDirective;

    fn message(&self) -> String {
        let Self { directive, module } = self;
        match module {
            Some(module) => format!(
                "`{directive}` is not a directive of open-source nginx; it needs {module}: stock nginx refuses to start (`unknown directive \"{directive}\"`)"
            ),
            None => format!(
                "`{directive}` is not a directive of open-source nginx nor of a third-party module scalelint knows: nginx refuses to start (`unknown directive \"{directive}\"`); a typo?"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self.module {
            Some(_) => "build or install nginx with that module (or use the distribution that bundles it), or replace the directive with a stock one".into(),
            None => "check the spelling against nginx.org's directive index, or remove the directive".into(),
        })
    }

    fn subject(&self) -> String {
        format!("directive {}", self.directive)
    }
}

/// Third-party directives by prefix or name, with the module they need.
pub const KNOWN_MODULES: &[(&str, &str)] = &[
    ("*_by_lua", "ngx_http_lua_module (OpenResty)"),
    ("lua_", "ngx_http_lua_module (OpenResty)"),
    ("more_", "headers-more-nginx-module"),
    ("vhost_traffic_status", "nginx-module-vts"),
    ("vhost_traffic_status_", "nginx-module-vts"),
    ("check", "nginx_upstream_check_module (Tengine)"),
    ("check_", "nginx_upstream_check_module (Tengine)"),
    ("health_check", "NGINX Plus (commercial)"),
    ("zone_sync", "NGINX Plus (commercial)"),
    ("api", "NGINX Plus (commercial)"),
    ("sticky", "NGINX Plus (commercial)"),
    ("keyval", "NGINX Plus (commercial)"),
    ("keyval_zone", "NGINX Plus (commercial)"),
    ("js_", "njs (ngx_http_js_module, a separate package)"),
    ("brotli", "ngx_brotli"),
    ("brotli_", "ngx_brotli"),
    ("geoip2", "ngx_http_geoip2_module"),
    ("modsecurity", "ModSecurity-nginx"),
    ("modsecurity_", "ModSecurity-nginx"),
    ("echo", "echo-nginx-module"),
    ("echo_", "echo-nginx-module"),
    ("set_by_lua", "ngx_http_lua_module (OpenResty)"),
    ("srcache_", "srcache-nginx-module"),
    ("redis2_", "redis2-nginx-module"),
    ("passenger_", "Phusion Passenger"),
    ("pagespeed", "ngx_pagespeed"),
    ("upstream_fair", "nginx-upstream-fair"),
    ("fair", "nginx-upstream-fair"),
    ("vts_", "nginx-module-vts"),
    ("ssl_certificate_by_lua", "ngx_http_lua_module (OpenResty)"),
];

/// The module a directive needs, when scalelint knows it.
pub fn module_of(name: &str) -> Option<&'static str> {
    KNOWN_MODULES.iter().find_map(|&(pattern, module)| {
        let hit = if let Some(suffix) = pattern.strip_prefix('*') {
            name.contains(suffix)
        } else if pattern.ends_with('_') {
            name.starts_with(pattern)
        } else {
            name == pattern
        };
        hit.then_some(module)
    })
}

pub fn check(_model: &Model, proxies: &Proxies, out: &mut Findings) {
    let mut seen = Seen::default();
    for config in &proxies.nginx {
        for name in &config.unknown_directives {
            let text = name.text.as_str();
            // `unknown_directives` holds only names that stock nginx lacks.
            if text.is_empty() || !seen.first(name.span) {
                continue;
            }
            let v = NonstandardDirective {
                directive: text.to_string(),
                module: module_of(text),
            };
            out.report(v, name.span);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_by_name_and_prefix() {
        assert_eq!(
            module_of("content_by_lua_block"),
            Some("ngx_http_lua_module (OpenResty)")
        );
        assert_eq!(
            module_of("lua_shared_dict"),
            Some("ngx_http_lua_module (OpenResty)")
        );
        assert_eq!(
            module_of("check_http_send"),
            Some("nginx_upstream_check_module (Tengine)")
        );
        assert_eq!(module_of("health_check"), Some("NGINX Plus (commercial)"));
        assert_eq!(
            module_of("more_set_headers"),
            Some("headers-more-nginx-module")
        );
        assert_eq!(
            module_of("vhost_traffic_status_zone"),
            Some("nginx-module-vts")
        );
        assert_eq!(module_of("proxy_passs"), None);
    }
}
