//! scalelint runs on untrusted pull requests: nothing a scanned tree says can
//! make it read, or print, a file outside the scanned paths.
//!
//! The tree below asks for outside files in every way the formats allow —
//! nginx `include` of an absolute path and of `../`, a ClickHouse
//! `include_from`, an XML external entity, a symlink to a file and one to a
//! directory — and the outside files are written so that reading them would
//! produce findings that quote them. No output format may contain a byte of
//! them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::Path;

use assert_cmd::Command;

/// In every outside file: a finding that quotes it would carry this.
const MARKER: &str = "leaked_outside_marker";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// The outside directory: an nginx upstream with one server (SL502 would name
/// it), a Deployment without probes (SL101 would name it) and ClickHouse
/// substitutions.
fn outside(dir: &Path) {
    write(
        dir,
        "secret.conf",
        &format!("upstream {MARKER} {{\n    server 10.9.9.9:80;\n}}\n"),
    );
    write(
        dir,
        "secret.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {MARKER}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: {MARKER}\n          image: {MARKER}:1\n"
        ),
    );
    write(
        dir,
        "substitutions.xml",
        &format!(
            "<clickhouse>\n  <clusters>\n    <{MARKER}>\n      <shard>\n        <replica><host>{MARKER}-1</host><port>9000</port></replica>\n        <replica><host>{MARKER}-2</host><port>9000</port></replica>\n      </shard>\n    </{MARKER}>\n  </clusters>\n</clickhouse>\n"
        ),
    );
    write(
        dir,
        "secret.env",
        &format!("DB_POOL_SIZE=500\nLEAK={MARKER}\n"),
    );
    write(
        dir,
        "sub/inner.conf",
        &format!("upstream {MARKER}_dir {{\n    server 10.9.9.8:80;\n}}\n"),
    );
}

fn inside(root: &Path, outside: &Path) {
    let o = outside.display();
    write(
        root,
        "nginx/nginx.conf",
        &format!(
            "events {{}}\nhttp {{\n    include /etc/passwd;\n    include {o}/secret.conf;\n    include ../../../outside/secret.conf;\n    include {o}/sub/*.conf;\n    server {{\n        listen 80;\n        location / {{\n            proxy_pass http://{MARKER};\n        }}\n    }}\n}}\n"
        ),
    );
    write(
        root,
        "clickhouse/config.xml",
        &format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE clickhouse [\n  <!ENTITY xxe SYSTEM \"file://{o}/secret.conf\">\n  <!ENTITY pw SYSTEM \"file:///etc/passwd\">\n]>\n<clickhouse>\n  <include_from>{o}/substitutions.xml</include_from>\n  <remote_servers incl=\"clusters\" />\n  <display_name>&xxe;&pw;</display_name>\n</clickhouse>\n"
        ),
    );
    // A compose service whose env files are outside: were they read, SL401
    // would report a pool of 500 against `db`'s 40 connections.
    write(
        root,
        "compose/compose.yaml",
        &format!(
            "services:\n  db:\n    image: postgres:16\n    command: [\"postgres\", \"-c\", \"max_connections=40\"]\n  api:\n    image: api:1\n    env_file:\n      - {o}/secret.env\n      - ../../../outside/secret.env\n    environment:\n      DATABASE_URL: postgresql://app@db:5432/app\n"
        ),
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.yaml"), root.join("k8s-link.yaml"))
            .unwrap();
        std::os::unix::fs::symlink(outside, root.join("linked-dir")).unwrap();
    }
}

/// A temporary directory holding `repo/scan` (the tree to lint) and
/// `outside` beside it; the directory lives as long as the returned guard.
fn planted() -> (tempfile::TempDir, std::path::PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("repo/scan");
    let out_dir = base.path().join("outside");
    outside(&out_dir);
    inside(&root, &out_dir);
    (base, root)
}

/// Every output format, and the facts listing, of one run over `root`.
fn outputs(root: &Path) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for format in ["human", "concise", "json", "sarif", "github"] {
        let out = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(root)
            .args([
                "check",
                "--show-skipped",
                "--statistics",
                "--format",
                format,
                ".",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{format}: {out:?}"
        );
        all.push((
            format.to_string(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }
    for format in ["human", "json"] {
        let out = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(root)
            .args(["check", "--explain-facts", "--format", format, "."])
            .output()
            .unwrap();
        all.push((
            format!("explain-facts {format}"),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }
    all
}

#[test]
fn nothing_outside_the_scanned_tree_is_read_or_printed() {
    let (_base, root) = planted();
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let passwd_lines: Vec<&str> = passwd.lines().filter(|l| l.len() > 8).collect();
    for (format, text) in outputs(&root) {
        assert!(
            !text.contains(MARKER),
            "{format} shows an outside file:\n{text}"
        );
        assert!(
            !text.contains("10.9.9."),
            "{format} shows an outside file:\n{text}"
        );
        for line in &passwd_lines {
            assert!(!text.contains(line), "{format} shows /etc/passwd:\n{text}");
        }
        assert!(
            !text.contains("pool 500"),
            "{format} used an outside env file:\n{text}"
        );
    }
}

#[test]
fn the_refusals_are_told_where_they_happen() {
    let (_base, root) = planted();
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(&root)
        .args(["check", "--show-skipped", "--format", "concise", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The absolute include and the symlinks get a note at their place, so a
    // reviewer sees what was not read.
    assert!(text.contains("nginx/nginx.conf:3:"), "{text}");
    assert!(text.contains("k8s-link.yaml"), "{text}");
    assert!(text.contains("linked-dir"), "{text}");
    // The entities are reported, never expanded.
    assert!(text.contains("clickhouse/config.xml:"), "{text}");
}

#[test]
fn a_symlink_out_of_the_tree_is_followed_only_when_named_on_the_command_line() {
    let (_base, root) = planted();
    // Naming the link itself is the user's explicit choice: it is linted.
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(&root)
        .args(["check", "--format", "concise", "k8s-link.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("k8s-link.yaml:10:11: SL101"), "{text}");
    // And its findings quote it, so the checks above would see a leak.
    assert!(text.contains(MARKER), "{text}");
}

#[test]
fn follow_symlinks_is_the_explicit_way_to_read_links_out_of_the_tree() {
    let (_base, root) = planted();
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(&root)
            .args([
                "check",
                "--select",
                "SL101,SL902",
                "--show-skipped",
                "--format",
                "concise",
            ])
            .args(extra)
            .arg(".")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let default = run(&[]);
    assert!(default.contains("k8s-link.yaml:1:1: SL902"), "{default}");
    assert!(!default.contains("SL101"), "{default}");
    let followed = run(&["--follow-symlinks"]);
    assert!(
        followed.contains("k8s-link.yaml:10:11: SL101"),
        "{followed}"
    );
    assert!(
        followed.contains("linked-dir/secret.yaml:10:11: SL101"),
        "{followed}"
    );
    assert!(!followed.contains("symlink leads outside"), "{followed}");
}
