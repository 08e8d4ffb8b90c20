//! What a bug in scalelint costs: a panic while reading one file loses that
//! file only, a panic in one rule loses that rule only, and any panic ends the
//! run with exit code 2 and a one-line "internal error" naming where — never
//! Rust's default message and exit 101, never an abort.
//!
//! The panics are injected with `SCALELINT_INJECT_PANIC`, which only debug
//! builds (the ones `cargo test` runs) read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// Runs `check --format json .` in the demo with the given injection.
fn run(inject: Option<&str>) -> (i32, Vec<(String, String, u64)>, String) {
    let mut cmd = Command::cargo_bin("scalelint").unwrap();
    cmd.current_dir(demo())
        .args(["check", "--format", "json", "."])
        .env("SCALELINT_TODAY", "2026-01-01")
        .env_remove("SCALELINT_INJECT_PANIC");
    if let Some(spec) = inject {
        cmd.env("SCALELINT_INJECT_PANIC", spec);
    }
    let out = cmd.output().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let findings = json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["path"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        findings,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_panic_the_demo_exits_1_with_its_six_findings() {
    let (code, findings, stderr) = run(None);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings.len(), 6, "{findings:?}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

/// A Deployment whose container has no readinessProbe: SL101 at 9:11.
fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: {name}:1\n"
    )
}

#[test]
fn a_panic_in_one_file_loses_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["api", "web", "worker"] {
        std::fs::write(dir.path().join(format!("{name}.yaml")), deployment(name)).unwrap();
    }
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--select",
            "SL101,SL901",
            "--format",
            "concise",
            ".",
        ])
        .env("SCALELINT_INJECT_PANIC", "file:web.yaml")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("api.yaml:9:11: SL101"), "{stdout}");
    assert!(stdout.contains("worker.yaml:9:11: SL101"), "{stdout}");
    assert!(!stdout.contains("web.yaml:9:11"), "{stdout}");
    assert!(stdout.contains("web.yaml:1:1: SL901"), "{stdout}");
    assert!(
        stderr.contains("scalelint: internal error in web.yaml: "),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked at"), "{stderr}");
}

#[test]
fn a_panic_in_one_rule_loses_that_rule_only() {
    let (_, all, _) = run(None);
    assert!(all.iter().any(|f| f.0 == "SL401"), "{all:?}");
    let (code, findings, stderr) = run(Some("rule:SL401"));
    assert_eq!(code, 2, "{stderr}");
    let without: Vec<_> = all.iter().filter(|f| f.0 != "SL401").cloned().collect();
    assert_eq!(findings, without);
    assert!(
        stderr.contains("scalelint: internal error in rule SL401 pool-exceeds-max-connections: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("its findings are missing from this run"),
        "{stderr}"
    );
}

#[test]
fn a_panic_outside_every_guard_is_exit_2_with_one_line() {
    let (code, _, stderr) = run(Some("report"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("scalelint: internal error: "), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}
