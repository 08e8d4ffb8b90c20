//! nginx and HAProxy trees through the real binary: includes (cycles,
//! missing files, paths outside the tree), conf.d files read in their main
//! config without duplicate findings, `[nginx] version`, and bad input
//! (unterminated quotes and blocks, deep nesting, binary data, 100,000
//! directives) that must end in a located finding, never a crash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Runs `scalelint check --format json` in `root`; returns the exit code and
/// the findings as (path, line, rule, message).
fn check(root: &Path, extra: &[&str]) -> (i32, Vec<(String, u64, String, String)>) {
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(root)
        .args(["check", "--format", "json", "--show-skipped"])
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, findings)
}

fn of<'a>(
    findings: &'a [(String, u64, String, String)],
    rule: &str,
) -> Vec<&'a (String, u64, String, String)> {
    findings.iter().filter(|f| f.2 == rule).collect()
}

const MAIN: &str = "events {}\nhttp {\n    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";\n    include conf.d/*.conf;\n}\n";

const SITE: &str = "upstream api {\n    server 10.0.1.10:8080;\n    server 10.0.1.11:8080;\n    keepalive 16;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://api;\n        more_set_headers \"X-Edge: 1\";\n    }\n}\n";

#[test]
fn conf_d_files_are_read_in_their_main_config_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nginx/nginx.conf", MAIN);
    write(dir.path(), "nginx/conf.d/site.conf", SITE);
    write(
        dir.path(),
        "nginx/conf.d/other.conf",
        SITE.replace("api", "other"),
    );
    let (_, findings) = check(dir.path(), &[]);
    // HTTP/1.1 and Connection "" come from nginx.conf: no SL501.
    assert!(of(&findings, "SL501").is_empty(), "{findings:?}");
    // The third-party directive is reported once per file, not once per
    // reading (standalone and through the include).
    let sl504 = of(&findings, "SL504");
    assert_eq!(sl504.len(), 2, "{findings:?}");
    assert!(
        sl504
            .iter()
            .any(|f| f.0 == "nginx/conf.d/site.conf" && f.1 == 10)
    );

    // Linted alone, the same file has no http block around it.
    let (_, alone) = check(dir.path(), &["nginx/conf.d/site.conf"]);
    let sl501 = of(&alone, "SL501");
    assert_eq!(sl501.len(), 1, "{alone:?}");
    assert!(
        sl501[0].3.contains("assumes an older nginx"),
        "{}",
        sl501[0].3
    );
}

#[test]
fn nginx_version_decides_what_an_unset_http_version_means() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nginx/site.conf", SITE);
    let (_, before) = check(dir.path(), &[]);
    assert_eq!(of(&before, "SL501").len(), 1);
    write(
        dir.path(),
        ".scalelint.toml",
        "[nginx]\nversion = \"1.30\"\n",
    );
    let (_, after) = check(dir.path(), &[]);
    assert!(of(&after, "SL501").is_empty(), "{after:?}");

    write(
        dir.path(),
        ".scalelint.toml",
        "[nginx]\nversion = \"latest\"\n",
    );
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nginx version"), "{stderr}");
}

#[test]
fn includes_that_cannot_be_followed_are_notes_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include conf.d/*.conf;\n    include missing.conf;\n    include /root/secrets.conf;\n    include ../../../etc/passwd;\n}\n",
    );
    write(
        dir.path(),
        "nginx/conf.d/a.conf",
        "include conf.d/b.conf;\n",
    );
    write(
        dir.path(),
        "nginx/conf.d/b.conf",
        "include conf.d/a.conf;\nupstream solo { server 10.0.0.9:80; }\n",
    );
    let (_, findings) = check(dir.path(), &[]);
    let notes: Vec<&str> = of(&findings, "SL902")
        .iter()
        .map(|f| f.3.as_str())
        .collect();
    assert!(notes.iter().any(|m| m.contains("cycle")), "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|m| m.contains("`missing.conf` names no nginx file")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|m| m.contains("`/root/secrets.conf` is an absolute path outside"))
    );
    assert!(
        notes
            .iter()
            .any(|m| m.contains("`../../../etc/passwd` names no nginx file"))
    );
    // The rest of the configuration is still judged.
    assert_eq!(of(&findings, "SL502").len(), 1, "{findings:?}");
    // Nothing from outside the tree reaches the output.
    assert!(!findings.iter().any(|f| f.3.contains("root:x:0")));
}

#[test]
fn bad_input_is_a_located_finding_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx/quote.conf",
        "http {\n  add_header X \"open;\n}\n",
    );
    write(dir.path(), "nginx/block.conf", "http {\n  server {\n");
    write(
        dir.path(),
        "nginx/deep.conf",
        "a {".repeat(10_000) + &"}".repeat(10_000),
    );
    let mut binary = b"worker_processes 1;\n".to_vec();
    binary.extend([0u8, 159, 146, 150, 0, 1, 2]);
    write(dir.path(), "nginx/binary.conf", binary);
    write(
        dir.path(),
        "haproxy/haproxy.cfg",
        "backend b\n  server a \"10.0.0.1\n",
    );
    let (_, findings) = check(dir.path(), &[]);
    let at = |path: &str, rule: &str| -> Vec<u64> {
        findings
            .iter()
            .filter(|f| f.0 == path && f.2 == rule)
            .map(|f| f.1)
            .collect()
    };
    assert_eq!(at("nginx/quote.conf", "SL901"), [2]);
    assert_eq!(at("nginx/block.conf", "SL901"), [3]);
    assert_eq!(at("nginx/deep.conf", "SL901"), [1]);
    assert_eq!(at("nginx/binary.conf", "SL902"), [1]);
    assert_eq!(at("haproxy/haproxy.cfg", "SL901"), [2]);
}

#[test]
fn a_hundred_thousand_directives_take_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let line = "    location /x { proxy_pass http://api; }\n";
    let body = |n: usize| {
        format!(
            "http {{\nupstream api {{ server 10.0.1.10:80; server 10.0.1.11:80; }}\nserver {{\n{}}}\n}}\n",
            line.repeat(n)
        )
    };
    let time = |n: usize| {
        write(dir.path(), "nginx/nginx.conf", body(n));
        let started = Instant::now();
        let (_, findings) = check(dir.path(), &["--select", "SL5"]);
        assert!(of(&findings, "SL901").is_empty());
        started.elapsed()
    };
    let small = time(10_000);
    let large = time(100_000);
    // Ten times the input may cost ten times the time, with room for noise
    // on a busy machine, but not a hundred.
    assert!(
        large < small * 30 + Duration::from_secs(2),
        "10k directives: {small:?}, 100k: {large:?}"
    );
}
