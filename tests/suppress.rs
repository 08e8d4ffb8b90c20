//! Suppressions and baselines through the real binary: what is reported,
//! counted and written, and how bad baselines and dates end the run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Two Deployments: `api` (SL101 at 10:11) and `worker` (SL101 at 24:11).
const TWO: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          resources:
            limits: {cpu: 100m, memory: 64Mi}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: worker
          image: worker:1
          resources:
            limits: {cpu: 100m, memory: 64Mi}
";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let o = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir)
        .env_remove("SCALELINT_TODAY")
        .args(args)
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// `path:line RULE` of each finding, with `(suppressed)` when it is.
fn locs(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = if f["suppressed"] == true {
                " (suppressed)"
            } else {
                ""
            };
            format!(
                "{}:{} {}{s}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

fn with_comment_above_worker(text: &str) -> String {
    text.replace(
        "        - name: worker\n",
        "        # scalelint-ignore: SL101 -- drains a queue\n        - name: worker\n",
    )
}

#[test]
fn suppressed_findings_are_counted_and_shown_only_when_asked() {
    let t = tree();
    write(t.path(), "k8s/app.yaml", &with_comment_above_worker(TWO));
    let v = json(t.path(), &[]);
    assert_eq!(locs(&v), ["k8s/app.yaml:10 SL101"]);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["suppressed"], 1);

    let v = json(t.path(), &["--include-suppressed"]);
    assert_eq!(
        locs(&v),
        [
            "k8s/app.yaml:10 SL101",
            "k8s/app.yaml:25 SL101 (suppressed)"
        ]
    );
    assert_eq!(v["summary"]["findings"], 1);

    let human = run(t.path(), &[]);
    assert_eq!(human.code, Some(1));
    assert!(
        human
            .stdout
            .ends_with("Found 1 finding (1 warning) in 1 file linted; 1 suppressed.\n"),
        "{}",
        human.stdout
    );
    let stats = run(t.path(), &["--statistics"]).stdout;
    assert!(
        stats.contains(
            "suppressed: 1 finding(s): 1 by comments or annotations, 0 by config or baseline\n"
        ),
        "{stats}"
    );
}

#[test]
fn sarif_leaves_suppressed_results_out_unless_asked_and_says_how() {
    let t = tree();
    write(t.path(), "k8s/app.yaml", &with_comment_above_worker(TWO));
    write(
        t.path(),
        ".scalelint.toml",
        "[per-file-ignores]\n\"k8s/app.yaml\" = [\"SL101\"]\n",
    );
    let results = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["--format", "sarif"];
        all.extend_from_slice(args);
        let v: Value = serde_json::from_str(&run(t.path(), &all).stdout).unwrap();
        v["runs"][0]["results"].as_array().unwrap().clone()
    };
    assert!(results(&[]).is_empty());
    let all = results(&["--include-suppressed"]);
    let kinds: Vec<&Value> = all.iter().map(|r| &r["suppressions"]).collect();
    assert_eq!(
        kinds,
        [
            &serde_json::json!([{"kind": "external", "justification": "[per-file-ignores] in the config"}]),
            &serde_json::json!([{"kind": "inSource", "justification": "drains a queue"}]),
        ]
    );
    // Suppressed findings never fail the run.
    assert_eq!(run(t.path(), &["--fail-on", "note"]).code, Some(0));
}

#[test]
fn expiry_follows_scalelint_today() {
    let t = tree();
    write(
        t.path(),
        "app.yaml",
        &TWO.replace(
            "        - name: worker\n",
            "        - name: worker  # scalelint-ignore: SL101 -- until 2027-03-31: v2\n",
        ),
    );
    let at = |day: &str| {
        let o = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(t.path())
            .env("SCALELINT_TODAY", day)
            .args(["--format", "json"])
            .output()
            .unwrap();
        (
            o.status.code(),
            serde_json::from_slice::<Value>(&o.stdout).ok(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (_, v, _) = at("2027-03-31");
    assert_eq!(locs(&v.unwrap()), ["app.yaml:10 SL101"]);
    let (_, v, _) = at("2027-04-01");
    assert_eq!(
        locs(&v.unwrap()),
        [
            "app.yaml:10 SL101",
            "app.yaml:24 SL101",
            "app.yaml:24 SL906"
        ]
    );
    let (code, _, stderr) = at("2027-02-30");
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "scalelint: SCALELINT_TODAY: 2027-02-30 does not exist: month 2 has no day 30\n"
    );
}

#[test]
fn unused_suppressions_only_when_selected_and_only_for_rules_that_ran() {
    let t = tree();
    write(
        t.path(),
        "app.yaml",
        &TWO.replace(
            "        - name: api\n",
            "        - name: api  # scalelint-ignore: SL101, SL104\n",
        ),
    );
    assert_eq!(locs(&json(t.path(), &[])), ["app.yaml:24 SL101"]);
    let v = json(t.path(), &["--select", "SL1,SL904"]);
    assert_eq!(locs(&v), ["app.yaml:10 SL904", "app.yaml:24 SL101"]);
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`SL104`")
    );
    // SL104 did not run: its suppression cannot be judged.
    let v = json(t.path(), &["--select", "SL101,SL904"]);
    assert_eq!(locs(&v), ["app.yaml:24 SL101"]);
    // The config selects it too.
    write(
        t.path(),
        ".scalelint.toml",
        "select = [\"SL1\", \"unused-suppression\"]\n",
    );
    assert_eq!(
        locs(&json(t.path(), &[])),
        ["app.yaml:10 SL904", "app.yaml:24 SL101"]
    );
}

#[test]
fn baseline_round_trip() {
    let t = tree();
    write(t.path(), "k8s/app.yaml", TWO);
    let out = run(
        t.path(),
        &["--write-baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "scalelint: wrote 2 finding(s) to the baseline baseline.json\n"
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["summary"]["suppressed"], 2);
    let written: Value =
        serde_json::from_str(&fs::read_to_string(t.path().join("baseline.json")).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(
        written["findings"][0]["subject"],
        "Deployment shop/api/container/api"
    );
    assert_eq!(written["findings"][0]["path"], "k8s/app.yaml");
    assert_eq!(written["findings"][0]["count"], 1);
    // The fingerprint is SARIF's.
    let sarif: Value = serde_json::from_str(&run(t.path(), &["--format", "sarif"]).stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["partialFingerprints"]["scalelint/v1"],
        written["findings"][0]["fingerprint"]
    );

    // Move things around: the documents swap places, a blank line and a
    // comment go on top, lines are re-indented. Nothing is new.
    let (first, second) = TWO.split_once("---\n").unwrap();
    let moved = format!("\n# moved\n{second}---\n{first}").replace(
        "      containers:\n        - name",
        "      containers:\n      - name",
    );
    let moved = moved
        .replace("\n          image", "\n        image")
        .replace("\n          resources", "\n        resources")
        .replace("\n            limits", "\n          limits");
    write(t.path(), "k8s/app.yaml", &moved);
    let v = json(t.path(), &["--baseline", "baseline.json"]);
    assert_eq!(locs(&v), Vec::<String>::new(), "{moved}");
    assert_eq!(v["summary"]["suppressed"], 2);

    // The baseline works from another directory too.
    let v = json(
        &t.path().join("k8s"),
        &["--baseline", "../baseline.json", "."],
    );
    assert_eq!(locs(&v), Vec::<String>::new());

    // A real new problem: a third Deployment, and a second `api` container
    // with the same subject as the baselined one. Only they are reported.
    let extra = format!(
        "{moved}---\n{}",
        TWO.split_once("---\n")
            .unwrap()
            .0
            .replace("name: api\n  namespace", "name: cart\n  namespace")
    );
    let extra = extra.replacen(
        "      - name: api\n",
        "      - name: api\n        ports: [{containerPort: 8080}]\n        image: api:1\n        resources: {requests: {cpu: 1, memory: 1Gi}, limits: {memory: 1Gi}}\n      - name: api\n        ports: [{containerPort: 8081}]\n",
        1,
    );
    write(t.path(), "k8s/app.yaml", &extra);
    let v = json(t.path(), &["--baseline", "baseline.json"]);
    let found: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .split(" has ")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        found,
        [
            "container `api` of Deployment shop/api",
            "container `api` of Deployment shop/cart"
        ],
        "{extra}"
    );
}

#[test]
fn bad_baselines_stop_the_run_with_a_position() {
    let t = tree();
    write(t.path(), "app.yaml", TWO);
    let out = run(t.path(), &["--baseline", "missing.json"]);
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "scalelint: baseline file `missing.json` does not exist (create it with --write-baseline missing.json)\n"
    );
    // The same file for both creates it.
    let out = run(
        t.path(),
        &["--baseline", "new.json", "--write-baseline", "new.json"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(t.path().join("new.json").is_file());
    let out = run(
        t.path(),
        &["--baseline", "new.json", "--write-baseline", "other.json"],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("name different files"),
        "{}",
        out.stderr
    );

    write(
        t.path(),
        "broken.json",
        "{\n  \"version\": 1,\n  \"findings\": [\n    {\"fingerprint\": \"x\",\n",
    );
    let out = run(t.path(), &["--baseline", "broken.json"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.starts_with("scalelint: broken.json:5:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("not a scalelint baseline (invalid JSON"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    write(
        t.path(),
        "future.json",
        "{\n  \"version\": 2,\n  \"findings\": []\n}\n",
    );
    let out = run(t.path(), &["--baseline", "future.json"]);
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "scalelint: future.json:2:3: baseline version 2 is not supported: this scalelint reads version 1; write a new one with --write-baseline\n"
    );
}

#[test]
fn explain_names_the_inline_forms() {
    let t = tree();
    let out = run(t.path(), &["explain", "SL101"]);
    assert!(
        out.stdout.contains("# scalelint-ignore: SL101 -- reason"),
        "{}",
        out.stdout
    );
    let out = run(t.path(), &["explain", "unused-suppression"]);
    assert!(out.stdout.starts_with("SL904 unused-suppression (note)\n"));
    assert!(!out.stdout.contains("# scalelint-ignore: SL904"));
}
