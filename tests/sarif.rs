//! `--format sarif` through the real binary: the log validates against the
//! official SARIF 2.1.0 schema (`../shared/schemas/`, offline), its results
//! agree with `--format json`, fingerprints survive moved lines, and a tiny
//! input is snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use scalelint::rules::RULES;
use serde_json::Value;

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: example/api:1.0
          ports:
            - containerPort: 8080
        - name: worker
          image: example/worker:1.0
          ports:
            - containerPort: 9090
";

/// An indented key where a sibling was meant: a parse error at 5:13.
const INVALID: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: checkout-config
   namespace: shop
";

/// A tree with a Deployment whose two containers lack probes and requests,
/// and an invalid YAML file whose name needs percent-encoding.
fn tree(deployment: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("k8s")).unwrap();
    std::fs::write(dir.path().join("k8s/api.yaml"), deployment).unwrap();
    std::fs::write(dir.path().join("k8s/bad file.yaml"), INVALID).unwrap();
    dir
}

/// Runs `scalelint --format FORMAT` in `dir` and parses its output.
fn run(dir: &Path, format: &str) -> (String, Value) {
    let out = Command::cargo_bin("scalelint")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().unwrap()
}

fn region(location: &Value) -> &Value {
    &location["physicalLocation"]["region"]
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json")
}

/// The official schema as validators for draft 4 (its own draft, formats
/// checked) and draft 7; `None` when the shared folder is absent.
fn validators() -> Option<(jsonschema::Validator, jsonschema::Validator)> {
    let path = schema_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipped: no SARIF schema at {} (the shared folder is absent)",
            path.display()
        );
        return None;
    };
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // Offline: no draft meta-schema or base URI to look up. All `$ref`s of
    // the schema are internal (`#/definitions/…`).
    let object = schema.as_object_mut().unwrap();
    object.remove("$schema");
    object.remove("id");

    // The schema's own draft, with formats checked (`uri`, `date-time`).
    let draft4 = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    // Draft 4 has no `uri-reference` format, which `artifactLocation.uri`
    // uses; the schema has no draft-4-only keyword, so check it as draft 7 too.
    let draft7 = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    Some((draft4, draft7))
}

fn schema_errors(
    (draft4, draft7): &(jsonschema::Validator, jsonschema::Validator),
    sarif: &Value,
) -> Vec<String> {
    [("draft 4", draft4), ("draft 7", draft7)]
        .into_iter()
        .flat_map(|(name, validator)| {
            validator
                .iter_errors(sarif)
                .map(move |e| format!("{name}: {e} at {}", e.instance_path()))
        })
        .collect()
}

#[test]
fn validates_against_the_sarif_schema() {
    let Some(validators) = validators() else {
        return;
    };
    let dir = tree(DEPLOYMENT);
    let (_, sarif) = run(dir.path(), "sarif");
    // SL101 and SL104 on both containers, SL109 on `replicas: 3`, SL901.
    assert_eq!(results(&sarif).len(), 6, "{sarif:#}");

    let errors = schema_errors(&validators, &sarif);
    assert!(errors.is_empty(), "{errors:#?}\n{sarif:#}");
    let (draft4, draft7) = &validators;

    // The validator does catch what GitHub would reject.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!draft4.is_valid(&broken));
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "k8s/bad file.yaml".into();
    assert!(draft4.is_valid(&broken), "draft 4 knows no uri-reference");
    assert!(!draft7.is_valid(&broken), "an unencoded space is not a URI");
}

#[test]
fn one_run_with_every_rule_and_indexes_that_match() {
    let dir = tree(DEPLOYMENT);
    let (text, sarif) = run(dir.path(), "sarif");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "scalelint");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let registry: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    assert_eq!(ids, registry, "every rule, in registry order");
    for (rule, info) in rules.iter().zip(RULES) {
        assert_eq!(rule["name"], info.name);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            info.severity.as_str()
        );
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/scalelint/scalelint/blob/main/rules/{}.toml",
                info.name
            )
        );
        let markdown = rule["help"]["markdown"].as_str().unwrap();
        assert!(
            markdown.contains("### Example that fires\n\n```"),
            "{markdown}"
        );
        let lang = if info.name == "invalid-config" {
            "toml"
        } else if info.code.starts_with("SL5") || several_files(info) {
            // nginx and HAProxy examples, and examples of several files
            // (`# file: NAME` lines), get a plain fence.
            ""
        } else {
            "yaml"
        };
        assert!(markdown.contains(&format!("```{lang}\n")), "{markdown}");
        assert!(markdown.contains("- <https://"), "{markdown}");
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(!tags.is_empty() && tags.len() <= 20);
    }

    for result in results(&sarif) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{result:#}");
        assert_eq!(result["locations"].as_array().unwrap().len(), 1);
        assert!(result["partialFingerprints"]["scalelint/v1"].is_string());
    }
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], true);
    for absent in [
        "primaryLocationLineHash",
        "automationDetails",
        "originalUriBaseIds",
        "security-severity",
        dir.path().to_str().unwrap(),
    ] {
        assert!(!text.contains(absent), "{absent} in the SARIF output");
    }
}

#[test]
fn locations_agree_with_the_json_report() {
    let dir = tree(DEPLOYMENT);
    let (_, sarif) = run(dir.path(), "sarif");
    let (_, json) = run(dir.path(), "json");
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    let results = results(&sarif);
    assert_eq!(results.len(), findings.len());
    let mut saw_encoded = false;
    let mut saw_point = false;
    for (result, finding) in results.iter().zip(&findings) {
        assert_eq!(result["ruleId"], finding["rule"]);
        assert_eq!(result["level"], finding["severity"]);
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().unwrap();
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert!(
            !uri.starts_with('/') && !uri.contains(':') && !uri.contains('\\'),
            "{uri}: not a relative URI with `/`"
        );
        assert!(!uri.contains(' '), "{uri}: a space is not encoded");
        assert_eq!(percent_decode(uri), finding["path"].as_str().unwrap());
        saw_encoded |= uri == "k8s/bad%20file.yaml";

        let r = region(&result["locations"][0]);
        assert_eq!(r["startLine"], finding["line"]);
        assert_eq!(r["startColumn"], finding["column"]);
        assert_eq!(r["endLine"], finding["end_line"]);
        assert!(r["startLine"].as_u64().unwrap() >= 1 && r["startColumn"].as_u64().unwrap() >= 1);
        // A span without width is one character wide in SARIF.
        let (json_end, sarif_end) = (
            finding["end_column"].as_u64().unwrap(),
            r["endColumn"].as_u64().unwrap(),
        );
        if finding["end_line"] == finding["line"] && finding["end_column"] == finding["column"] {
            assert_eq!(sarif_end, json_end + 1);
            saw_point = true;
        } else {
            assert_eq!(sarif_end, json_end);
        }

        let mut text = finding["message"].as_str().unwrap().to_string();
        if let Some(help) = finding["help"].as_str() {
            text = format!("{text}\n\nhelp: {help}");
        }
        assert_eq!(result["message"]["text"], text.as_str());
    }
    assert!(saw_encoded, "the parse error of `k8s/bad file.yaml`");
    assert!(saw_point, "the parse error is a point");
}

/// (ruleId, startLine, fingerprint) of each result.
fn fingerprints(sarif: &Value) -> Vec<(String, u64, String)> {
    results(sarif)
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                region(&r["locations"][0])["startLine"].as_u64().unwrap(),
                r["partialFingerprints"]["scalelint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_moved_lines_and_tell_containers_apart() {
    let before = fingerprints(&run(tree(DEPLOYMENT).path(), "sarif").1);
    let moved = DEPLOYMENT.replacen(
        "metadata:\n  name: api\n",
        "metadata:\n  labels: {team: shop}\n  name: api\n",
        1,
    );
    assert_ne!(moved, DEPLOYMENT);
    let after = fingerprints(&run(tree(&moved).path(), "sarif").1);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        if b.0 != "SL901" {
            assert_eq!(a.1, b.1 + 1, "the finding moved down a line");
        }
        assert_eq!(a.2, b.2, "{} lost its fingerprint when it moved", b.0);
        assert_eq!(a.2.len(), 16);
        assert!(a.2.bytes().all(|c| c.is_ascii_hexdigit()));
    }
    // The same rule on the two containers: two fingerprints.
    let sl101: Vec<&(String, u64, String)> = before.iter().filter(|f| f.0 == "SL101").collect();
    assert_eq!(sl101.len(), 2);
    assert_ne!(sl101[0].2, sl101[1].2);
    let mut all: Vec<&String> = before.iter().map(|f| &f.2).collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        before.len(),
        "fingerprints are unique in the run"
    );
}

#[test]
fn snapshot_of_a_tiny_tree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.yaml"),
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.0
          ports: [{containerPort: 8080}]
",
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "a: [1, 2\n").unwrap();
    let (text, _) = run(dir.path(), "sarif");
    insta::assert_snapshot!(text.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

/// What GitHub code scanning requires of a SARIF upload beyond the schema
/// (DESIGN.md §3 and GitHub's SARIF support page), as a list of problems.
fn github_limit_problems(sarif: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        if markdown.trim().is_empty() {
            problems.push(format!("{id}: no help.markdown"));
        }
        let uri = rule["helpUri"].as_str().unwrap_or_default();
        if !uri.starts_with("https://") {
            problems.push(format!("{id}: helpUri `{uri}`"));
        }
        for key in ["shortDescription", "fullDescription"] {
            let text = rule[key]["text"].as_str().unwrap_or_default();
            if text.is_empty() || text.chars().count() > 1024 {
                problems.push(format!("{id}: {key} empty or over 1,024 characters"));
            }
        }
        let properties = &rule["properties"];
        let tags = properties["tags"].as_array().map_or(0, Vec::len);
        if tags > 20 {
            problems.push(format!("{id}: {tags} tags"));
        }
        // Absent, or a number from 0.0 to 10.0 written as a string.
        if let Some(severity) = properties.get("security-severity") {
            let ok = severity
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .is_some_and(|n| (0.0..=10.0).contains(&n));
            if !ok {
                problems.push(format!("{id}: security-severity {severity}"));
            }
        }
    }
    let results = run["results"].as_array().unwrap();
    if results.len() > 25_000 {
        problems.push(format!("{} results", results.len()));
    }
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        if rules.get(index).map(|r| &r["id"]) != Some(&result["ruleId"]) {
            problems.push(format!("ruleIndex {index} is not {}", result["ruleId"]));
        }
        if result["relatedLocations"].as_array().map_or(0, Vec::len) > 1000 {
            problems.push("over 1,000 related locations".into());
        }
    }
    problems
}

#[test]
fn every_fixture_directory_gives_valid_sarif_within_githubs_limits() {
    let Some(validators) = validators() else {
        return;
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "{dirs:?}");
    let mut total = 0;
    for dir in &dirs {
        let out = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(dir)
            .args([
                "check",
                "--no-config",
                "--show-skipped",
                "--fail-on",
                "never",
                "--format",
                "sarif",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", dir.display());
        let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors = schema_errors(&validators, &sarif);
        assert!(errors.is_empty(), "{}: {errors:#?}", dir.display());
        let problems = github_limit_problems(&sarif);
        assert!(problems.is_empty(), "{}: {problems:#?}", dir.display());
        total += results(&sarif).len();
    }
    assert!(total > 20, "the fixtures have findings: {total}");

    // The limit checks do catch what GitHub rejects.
    let (_, mut sarif) = run(tree(DEPLOYMENT).path(), "sarif");
    assert!(github_limit_problems(&sarif).is_empty());
    let rule = &mut sarif["runs"][0]["tool"]["driver"]["rules"][0];
    rule["properties"]["security-severity"] = 7.5.into();
    rule["properties"]["tags"] = (0..21).map(|i| Value::from(format!("t{i}"))).collect();
    rule["help"].as_object_mut().unwrap().remove("markdown");
    assert_eq!(github_limit_problems(&sarif).len(), 3);
}

/// Whether a rule's failing example spans several files.
fn several_files(info: &scalelint::rules::RuleInfo) -> bool {
    info.rule.doc().is_ok_and(|d| {
        d.example_bad
            .lines()
            .filter(|l| l.starts_with("# file: "))
            .count()
            > 1
    })
}
