//! The limits a run sets itself, each at the limit and one past it: the file
//! size cap (`--max-file-size`) and the findings reported per file
//! (`--max-findings-per-file`). The parser limits (nesting, aliases,
//! documents, includes) are tested next to their parsers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use scalelint::lint::{DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_FINDINGS_PER_FILE};

/// A Deployment without readinessProbe: one SL101 (warning) at its
/// container's `name:` key.
fn deployment(name: &str) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: {name}:1\n"
    )
}

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json", "--no-config"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_default_reports_1000_findings_of_a_file_and_counts_the_rest() {
    assert_eq!(DEFAULT_MAX_FINDINGS_PER_FILE, 1_000);
    let dir = tempfile::tempdir().unwrap();
    let many = |n: usize| {
        (0..n)
            .map(|i| deployment(&format!("d{i}")))
            .collect::<String>()
    };
    std::fs::write(
        dir.path().join("at.yaml"),
        many(DEFAULT_MAX_FINDINGS_PER_FILE),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("past.yaml"),
        many(DEFAULT_MAX_FINDINGS_PER_FILE + 1),
    )
    .unwrap();
    let (code, json, stderr) = check(dir.path(), &["--select", "SL101"]);
    assert_eq!(code, Some(1), "{stderr}");
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.iter().filter(|p| **p == "at.yaml").count(), 1_000);
    assert_eq!(paths.iter().filter(|p| **p == "past.yaml").count(), 1_000);
    let hidden = json["summary"]["hidden"].as_array().unwrap();
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!(hidden[0]["path"], "past.yaml");
    assert_eq!(hidden[0]["findings"], 1);
    assert_eq!(hidden[0]["warnings"], 1);
    // The last one in the file is the one left out.
    let last_line = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "past.yaml")
        .map(|f| f["line"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(last_line, 10 + 11 * 999);
}

#[test]
fn the_most_severe_findings_are_kept_and_every_format_says_what_was_left_out() {
    let dir = tempfile::tempdir().unwrap();
    // Two warnings (SL101), then an error (SL106: surge and unavailable 0).
    let stalled = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: c\nspec:\n  strategy:\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 0\n  template:\n    spec:\n      containers:\n        - name: c\n          image: c:1\n          readinessProbe:\n            tcpSocket:\n              port: 80\n";
    let text = format!("{}{}{stalled}", deployment("a"), deployment("b"));
    std::fs::write(dir.path().join("app.yaml"), text).unwrap();
    let select = ["--select", "SL101,SL106", "--max-findings-per-file"];
    let (_, json, _) = check(dir.path(), &[&select[..], &["3"]].concat());
    assert_eq!(rules(&json), ["SL101", "SL101", "SL106"]);
    assert!(
        json["summary"].get("hidden").is_none(),
        "{}",
        json["summary"]
    );

    let (code, json, _) = check(dir.path(), &[&select[..], &["1"]].concat());
    assert_eq!(rules(&json), ["SL106"]);
    assert_eq!(code, Some(1));
    assert_eq!(json["summary"]["hidden"][0]["warnings"], 2);

    let (_, json, _) = check(dir.path(), &[&select[..], &["0"]].concat());
    assert_eq!(rules(&json), ["SL101", "SL101", "SL106"]);

    let text_of = |format: &str| {
        let out = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--no-config", "--format", format])
            .args([&select[..], &["1", "."]].concat())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let line =
        "2 more finding(s) in this file not shown (2 warnings): at most 1 per file are reported";
    assert!(text_of("human").contains(&format!("app.yaml: {line}")));
    assert!(text_of("concise").contains(&format!("app.yaml: {line}")));
    assert!(text_of("github").contains(&format!("::notice file=app.yaml::{line}")));
    let sarif: Value = serde_json::from_str(&text_of("sarif")).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"]["text"].as_str().unwrap().contains(line)),
        "{notes}"
    );
}

#[test]
fn a_new_baseline_lists_every_finding_whatever_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..5).map(|i| deployment(&format!("d{i}"))).collect();
    std::fs::write(dir.path().join("app.yaml"), text).unwrap();
    let base = dir.path().join("baseline.json");
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--no-config",
            "--select",
            "SL101",
            "--max-findings-per-file",
            "2",
        ])
        .arg("--write-baseline")
        .arg(&base)
        .arg("app.yaml")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (code, json, _) = check(
        dir.path(),
        &[
            "--select",
            "SL101",
            "--max-findings-per-file",
            "2",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(code, Some(0), "{json}");
    assert!(rules(&json).is_empty(), "{json}");
}

#[test]
fn the_size_cap_takes_a_file_of_exactly_the_cap_and_skips_one_byte_more() {
    assert_eq!(DEFAULT_MAX_FILE_SIZE, 10 * 1024 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let mib = 1024 * 1024;
    let pad = |body: String, size: usize| {
        let mut t = body;
        t.push('#');
        while t.len() < size - 1 {
            t.push('x');
        }
        t.push('\n');
        assert_eq!(t.len(), size);
        t
    };
    std::fs::write(dir.path().join("at.yaml"), pad(deployment("a"), mib)).unwrap();
    std::fs::write(dir.path().join("past.yaml"), pad(deployment("b"), mib + 1)).unwrap();
    let (_, json, stderr) = check(
        dir.path(),
        &[
            "--select",
            "SL101,SL902",
            "--show-skipped",
            "--max-file-size",
            "1",
        ],
    );
    let found: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{stderr}"))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("at.yaml".to_string(), "SL101".to_string()),
            ("past.yaml".to_string(), "SL902".to_string())
        ]
    );
}
