//! The real binary on hostile and broken server configs: XML bombs, external
//! entities, malformed XML, substitution cycles, a non-numeric Sentinel
//! quorum. Each gets a finding at its place, nothing panics, nothing is
//! expanded or read from outside the tree, and the rest of the tree is
//! still linted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// A finding as (rule, path, line, column, message).
type Found = (String, String, u64, u64, String);

/// Runs `scalelint check --format json` in `dir`; returns the exit code and
/// the findings.
fn check(dir: &Path) -> (i32, Vec<Found>) {
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-config", "--format", "json", "."])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap(), findings)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A sentinel.conf whose Sentinel group is even: proves the tree was linted.
const EVEN_SENTINELS: &str =
    "port 26379\nsentinel monitor m 10.0.0.1 6379 2\nsentinel known-sentinel m 10.0.0.2 26379 a\n";

#[test]
fn xml_bombs_and_external_entities_are_reported_not_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE b [\n <!ENTITY a0 \"aaaaaaaaaa\">\n");
    for i in 1..=30 {
        bomb.push_str(&format!(
            " <!ENTITY a{i} \"{}\">\n",
            format!("&a{};", i - 1).repeat(10)
        ));
    }
    bomb.push_str("]>\n<clickhouse><display_name>&a30;</display_name></clickhouse>\n");
    write(dir.path(), "clickhouse/config.d/bomb.xml", &bomb);
    // Would print the password file if external entities were loaded.
    write(
        dir.path(),
        "clickhouse/config.d/xxe.xml",
        "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<clickhouse>\n  <display_name>&x;</display_name>\n</clickhouse>\n",
    );
    write(dir.path(), "sentinel.conf", EVEN_SENTINELS);
    let started = Instant::now();
    let (code, findings) = check(dir.path());
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(code, 1);
    let at = |path: &str| {
        findings
            .iter()
            .find(|f| f.0 == "SL901" && f.1 == path)
            .map(|f| (f.2, f.3))
    };
    assert_eq!(at("clickhouse/config.d/bomb.xml"), Some((35, 27)));
    assert_eq!(at("clickhouse/config.d/xxe.xml"), Some((3, 17)));
    assert!(!findings.iter().any(|f| f.4.contains("root:")));
    assert!(
        findings
            .iter()
            .any(|f| f.0 == "SL301" && f.1 == "sentinel.conf")
    );
}

#[test]
fn malformed_and_deep_xml_and_cycles_end_in_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ch/config.d/unclosed.xml",
        "<clickhouse>\n  <remote_servers>\n    <c><shard>\n  </remote_servers>\n</clickhouse>\n",
    );
    write(
        dir.path(),
        "ch/config.d/deep.xml",
        &format!("<clickhouse>{}</clickhouse>", "<a>".repeat(100_000)),
    );
    write(dir.path(), "ch/config.d/garbage.xml", "<<<>>>&&&\u{0}");
    write(
        dir.path(),
        "ch/config.xml",
        "<clickhouse><include_from>/etc/subst.xml</include_from><remote_servers incl=\"rs\"/></clickhouse>\n",
    );
    write(
        dir.path(),
        "ch/subst.xml",
        "<clickhouse><rs><c incl=\"rs\"/></rs></clickhouse>\n",
    );
    write(dir.path(), "sentinel.conf", EVEN_SENTINELS);
    let (code, findings) = check(dir.path());
    assert_eq!(code, 1);
    let rules_at = |path: &str| -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f.1 == path)
            .map(|f| f.0.as_str())
            .collect()
    };
    assert_eq!(rules_at("ch/config.d/unclosed.xml"), ["SL901"]);
    assert_eq!(rules_at("ch/config.d/deep.xml"), ["SL901"]);
    assert!(
        findings
            .iter()
            .any(|f| f.1 == "ch/subst.xml" && f.0 == "SL901" && f.4.contains("includes itself"))
    );
    assert!(
        findings
            .iter()
            .any(|f| f.0 == "SL301" && f.1 == "sentinel.conf")
    );
}

#[test]
fn a_non_numeric_sentinel_quorum_is_an_error_at_the_word() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "redis/sentinel.conf",
        "port 26379\nsentinel monitor main 10.0.0.5 6379 majority\nsentinel down-after-milliseconds main lots\n",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!((f.0.as_str(), f.2, f.3), ("SL303", 2, 37));
    assert!(f.4.contains("`majority`"));
}

#[test]
fn latin1_bytes_are_read_in_redis_configs_and_reported_in_xml() {
    let dir = tempfile::tempdir().unwrap();
    let conf = b"port 26379\n# caf\xe9\nsentinel monitor m 10.0.0.1 6379 two\n";
    fs::write(dir.path().join("sentinel.conf"), conf).unwrap();
    fs::write(
        dir.path().join("clickhouse.xml"),
        b"<clickhouse><a>caf\xe9</a></clickhouse>\n",
    )
    .unwrap();
    let (code, findings) = check(dir.path());
    assert_eq!(code, 1);
    let got: Vec<(&str, &str, u64, u64)> = findings
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3))
        .collect();
    assert_eq!(
        got,
        [
            ("SL901", "clickhouse.xml", 1, 19),
            ("SL303", "sentinel.conf", 3, 34)
        ]
    );
    assert!(findings[0].4.contains("XML files must be UTF-8"));
}

#[test]
fn sentinels_sharing_one_bind_mounted_file_count_as_one() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  s1:\n    image: redis:7.4\n    command: redis-sentinel /etc/redis/sentinel.conf\n    volumes:\n      - ./sentinel.conf:/etc/redis/sentinel.conf\n  s2:\n    image: redis:7.4\n    command: redis-sentinel /etc/redis/sentinel.conf\n    volumes:\n      - ./sentinel.conf:/etc/redis/sentinel.conf\n",
    );
    write(
        dir.path(),
        "sentinel.conf",
        "port 26379\nsentinel monitor main redis 6379 2\n",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, 1);
    let got: Vec<(&str, &str, u64, u64)> = findings
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3))
        .collect();
    assert_eq!(
        got,
        [
            ("SL310", "compose.yaml", 11, 9),
            ("SL303", "sentinel.conf", 2, 34)
        ]
    );
    assert!(
        findings[0]
            .4
            .contains("2 sentinels run with one bind-mounted")
    );
    assert!(
        findings[1].4.contains("but only 1 run"),
        "{}",
        findings[1].4
    );
}

#[test]
fn absurd_replicas_and_budgets_neither_panic_nor_overflow() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "zk.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: zk}\nspec:\n  replicas: 9223372036854775807\n  selector: {matchLabels: {app: zk}}\n  template:\n    metadata: {labels: {app: zk}}\n    spec:\n      containers:\n        - {name: zk, image: zookeeper:3.9, volumeMounts: nope}\n        - name: s\n          image: redis:7.4\n          command: [redis-sentinel, /c/s.conf]\n          volumeMounts: [{name: c, mountPath: 7}, {name: c, mountPath: /}, {name: c}, 42]\n      volumes: {a: b}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: zk}\nspec:\n  maxUnavailable: 50%\n  selector: {matchLabels: {app: zk}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: zk-min}\nspec:\n  minAvailable: 99999999999999999%\n  selector: {matchLabels: {app: zk}}\n",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, 1);
    let sl311: Vec<&Found> = findings.iter().filter(|f| f.0 == "SL311").collect();
    assert_eq!(sl311.len(), 1, "{findings:?}");
    assert_eq!((sl311[0].2, sl311[0].3), (22, 3));
}
