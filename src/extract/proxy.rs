//! nginx and HAProxy files: parsed per file in the parallel stage, joined
//! into whole configurations (includes followed, inheritance applied) when
//! the model is built.

use crate::extract::Facts;
use crate::extract::nginx::{IncludeNote, NginxConfig};
use crate::finding::Finding;
use crate::formats::{haproxy, nginx};
use crate::rules::Rule;
use crate::source::{FileKind, SourceFile, Span};

/// A syntax error of one file, for the pipeline to report as SL901.
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// Parses an nginx or HAProxy file into `facts`; returns its syntax error.
pub fn read(file: &SourceFile, text: &str, facts: &mut Facts) -> Option<Problem> {
    match file.kind {
        FileKind::Nginx => {
            let mut parsed = nginx::parse(text, file.id);
            // Suppression comments are read from the text; the tree waits
            // for the model without them.
            parsed.comments = Vec::new();
            let problem = parsed.error.as_ref().map(|e| Problem {
                span: Span::new(file.id, e.pos, e.pos),
                message: format!("invalid nginx configuration: {}", e.message),
                help: "fix the syntax: `nginx -t` refuses this file; scalelint read the directives around the error as best it could".into(),
            });
            facts.nginx.push(parsed);
            problem
        }
        FileKind::Haproxy => {
            let mut parsed = haproxy::parse(text, file.id);
            parsed.comments = Vec::new();
            let problem = parsed.error.as_ref().map(|e| Problem {
                span: Span::new(file.id, e.pos, e.pos),
                message: format!("invalid HAProxy configuration: {}", e.message),
                help: "fix the syntax: `haproxy -c` refuses this file".into(),
            });
            facts.haproxy.push(parsed);
            problem
        }
        _ => None,
    }
}

/// Which nginx release the configuration targets (`[nginx] version`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct NginxVersion(pub u32, pub u32, pub u32);

impl NginxVersion {
    /// nginx 1.29.7 (mainline, inherited by 1.30 stable) made HTTP/1.1 to
    /// upstreams, no `Connection` header and upstream keepalive the defaults.
    pub const KEEPALIVE_DEFAULTS: NginxVersion = NginxVersion(1, 29, 7);

    /// nginx 1.27.3 brought the upstream `server … resolve` parameter
    /// (re-resolving names at run time) to open-source nginx.
    pub const UPSTREAM_RESOLVE: NginxVersion = NginxVersion(1, 27, 3);

    /// `1.30`, `1.29.7`.
    pub fn parse(s: &str) -> Option<NginxVersion> {
        let mut parts = s.trim().split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().unwrap_or(Some(0))?;
        parts
            .next()
            .is_none()
            .then_some(NginxVersion(major, minor, patch))
    }
}

impl std::fmt::Display for NginxVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The proxies of the tree, ready for the SL5xx rules.
#[derive(Debug, Default)]
pub struct Proxies {
    /// One per nginx entry file (a file no other file includes), includes
    /// expanded.
    pub nginx: Vec<NginxConfig>,
    pub haproxy: Vec<haproxy::HaproxyFile>,
    /// Includes that could not be followed.
    pub include_notes: Vec<IncludeNote>,
    /// `[nginx] version`; `None` assumes a release before 1.29.7.
    pub nginx_version: Option<NginxVersion>,
}

impl Proxies {
    pub fn build(
        files: &[SourceFile],
        nginx_files: Vec<nginx::NginxFile>,
        mut haproxy_files: Vec<haproxy::HaproxyFile>,
    ) -> Proxies {
        haproxy_files.sort_by_key(|f| f.file);
        let (nginx, include_notes) = crate::extract::nginx::build(files, nginx_files);
        Proxies {
            nginx,
            haproxy: haproxy_files,
            include_notes,
            nginx_version: None,
        }
    }

    /// Includes that could not be followed, as SL902 notes (shown with
    /// `--show-skipped`).
    pub fn include_findings(&self) -> Vec<Finding> {
        self.include_notes
            .iter()
            .map(|n| Finding {
                rule: Rule::FileSkipped,
                severity: Rule::FileSkipped.info().severity,
                span: n.span,
                message: n.message.clone(),
                help: Some(n.help.to_string()),
                related: Vec::new(),
                subject: format!("include {}", n.pattern),
                suppression: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(NginxVersion::parse("1.30"), Some(NginxVersion(1, 30, 0)));
        assert_eq!(NginxVersion::parse("1.29.7"), Some(NginxVersion(1, 29, 7)));
        assert!(NginxVersion::parse("1.29.7") >= Some(NginxVersion::KEEPALIVE_DEFAULTS));
        assert!(NginxVersion(1, 28, 0) < NginxVersion::KEEPALIVE_DEFAULTS);
        assert_eq!(NginxVersion::parse("1"), None);
        assert_eq!(NginxVersion::parse("1.x"), None);
        assert_eq!(NginxVersion::parse("1.2.3.4"), None);
    }
}
