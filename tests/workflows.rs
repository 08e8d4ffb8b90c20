//! The CI integration files. action.yml validates against SchemaStore's action
//! metadata schema (`../shared/schemas/github-action.json`, offline), and
//! action.yml, `.github/workflows/*.yml` and the workflow that
//! docs/github-action.md tells users to copy keep the rules that keep them
//! safe: no `${{ … }}` inside a `run:` script (script injection), every
//! step a `run` or a versioned `uses`, permissions spelled out.
//!
//! The YAML is read with scalelint's own reader and turned into JSON with
//! YAML 1.2 core-schema scalars. `.ci/run` also checks these files with
//! action-validator, which knows the workflow schema.
//!
//! The pre-commit hook's entry is run, as pre-commit would run it, on the
//! demo tree and on a clean one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use scalelint::formats::yaml::{self, Y};
use serde_json::{Map, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A YAML node as JSON: plain scalars typed as YAML 1.2's core schema does
/// (null, booleans, integers, floats), quoted and block scalars as strings.
fn to_json(node: Y<'_, '_>) -> Value {
    if node.is_map() {
        let mut map = Map::new();
        for (k, v) in node.entries() {
            map.insert(k.as_str().unwrap_or_default().to_string(), to_json(v));
        }
        Value::Object(map)
    } else if node.is_seq() {
        Value::Array(node.items().map(to_json).collect())
    } else if node.is_null() {
        Value::Null
    } else if let Some(b) = node.as_bool() {
        Value::Bool(b)
    } else if let Some(i) = node.as_i64() {
        Value::from(i)
    } else {
        Value::String(node.as_str().unwrap_or_default().to_string())
    }
}

/// The one document of a YAML text, as JSON; panics on any YAML error.
fn parse(text: &str, what: &str) -> Value {
    yaml::parse_with(text, |f| {
        assert!(f.errors.is_empty(), "{what}: {:?}", f.errors);
        assert_eq!(f.docs.len(), 1, "{what}: one document");
        to_json(f.root(&f.docs[0]))
    })
}

fn read(path: &Path) -> Value {
    parse(
        &std::fs::read_to_string(path).unwrap(),
        &path.display().to_string(),
    )
}

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "yml"))
    );
    files
}

#[test]
fn the_yaml_conversion_types_scalars_as_yaml_1_2() {
    let v = parse(
        "on: push\nn: 3\nq: \"3\"\nb: true\nqb: 'true'\nnil: ~\nl: [a, 1]\nbody: |\n  x\n",
        "sample",
    );
    assert_eq!(
        v,
        serde_json::json!({"on": "push", "n": 3, "q": "3", "b": true, "qb": "true",
            "nil": null, "l": ["a", 1], "body": "x\n"})
    );
}

#[test]
fn action_yml_validates_against_the_action_metadata_schema() {
    let path = repo().join("../shared/schemas/github-action.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipped: no action schema at {} (the shared folder is absent)",
            path.display()
        );
        return;
    };
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // Offline: every `$ref` of the schema is internal.
    schema.as_object_mut().unwrap().remove("$id");
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let action = read(&repo().join("action.yml"));
    let errors: Vec<String> = validator
        .iter_errors(&action)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The schema does catch a broken action: a composite step without shell.
    let mut broken = action.clone();
    broken["runs"]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("shell");
    assert!(!validator.is_valid(&broken));
    let mut broken = action;
    broken["runs"]["using"] = "bash".into();
    assert!(!validator.is_valid(&broken));
}

/// Every `run:` script and `uses:` of a list of steps, with where it is.
fn check_steps(steps: &Value, at: &str, problems: &mut Vec<String>) {
    let steps = steps.as_array().unwrap_or_else(|| panic!("{at}: steps"));
    assert!(!steps.is_empty(), "{at}: no steps");
    for (i, step) in steps.iter().enumerate() {
        let at = format!("{at} step {i}");
        match (step.get("run"), step.get("uses")) {
            (Some(run), None) => {
                let run = run.as_str().unwrap();
                // Values from inputs, events or steps go through `env:`.
                if run.contains("${{") {
                    problems.push(format!("{at}: `${{{{` inside run: {run}"));
                }
            }
            (None, Some(uses)) => {
                let uses = uses.as_str().unwrap();
                let pinned = uses.starts_with("./")
                    || uses
                        .rsplit_once('@')
                        .is_some_and(|(_, v)| v.starts_with('v') || v.len() == 40);
                if !pinned {
                    problems.push(format!("{at}: `{uses}` has no version"));
                }
            }
            _ => problems.push(format!("{at}: needs exactly one of run and uses")),
        }
    }
}

#[test]
fn scripts_take_values_from_env_and_actions_are_versioned() {
    let mut problems = Vec::new();
    let action = read(&repo().join("action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
    check_steps(&action["runs"]["steps"], "action.yml", &mut problems);
    for step in action["runs"]["steps"].as_array().unwrap() {
        if step.get("run").is_some() {
            assert_eq!(step["shell"], "bash", "{step}");
        }
    }

    for path in workflows() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let w = read(&path);
        assert!(w["on"].is_object(), "{name}: triggers");
        assert!(
            w["permissions"].is_object(),
            "{name}: the token's permissions are spelled out"
        );
        let jobs = w["jobs"].as_object().unwrap();
        assert!(!jobs.is_empty(), "{name}");
        for (id, job) in jobs {
            assert!(job["runs-on"].is_string(), "{name} {id}: runs-on");
            assert!(
                job["timeout-minutes"].is_i64(),
                "{name} {id}: a timeout, not GitHub's six hours"
            );
            check_steps(&job["steps"], &format!("{name} job {id}"), &mut problems);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn ci_runs_ci_run_and_release_builds_every_target_the_action_downloads() {
    let ci = std::fs::read_to_string(repo().join(".github/workflows/ci.yml")).unwrap();
    assert!(ci.contains("run: bash .ci/run"));
    let release = read(&repo().join(".github/workflows/release.yml"));
    assert_eq!(release["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    let script = std::fs::read_to_string(repo().join("action/run.sh")).unwrap();
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&target), "release builds {target}");
        assert!(
            script.contains(&format!("echo {target}")),
            "run.sh maps {target}"
        );
    }
    // Both name the archive alike.
    let release_text =
        std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    assert!(release_text.contains("archive=\"scalelint-$GITHUB_REF_NAME-$TARGET.tar.gz\""));
    assert!(script.contains("local asset=\"scalelint-v$version-$target.tar.gz\""));
}

/// The first ```yaml block after `heading` in a Markdown text.
fn yaml_block<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let after = &markdown[markdown.find(heading).unwrap()..];
    let start = after.find("```yaml\n").unwrap() + "```yaml\n".len();
    let len = after[start..].find("```").unwrap();
    &after[start..start + len]
}

#[test]
fn the_documented_workflow_is_complete() {
    let doc = std::fs::read_to_string(repo().join("docs/github-action.md")).unwrap();
    let w = parse(
        yaml_block(&doc, "## Copy this workflow"),
        "the documented workflow",
    );
    assert_eq!(
        w["permissions"],
        serde_json::json!({"contents": "read", "security-events": "write"})
    );
    assert!(w["on"]["pull_request"].is_null() && w["on"].get("pull_request").is_some());
    assert_eq!(w["on"]["push"]["branches"], serde_json::json!(["main"]));
    let steps = &w["jobs"]["scalelint"]["steps"];
    let mut problems = Vec::new();
    check_steps(steps, "documented workflow", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let uses = steps[1]["uses"].as_str().unwrap();
    assert_eq!(
        uses,
        format!("scalelint/scalelint@v{}", env!("CARGO_PKG_VERSION")),
        "the documented tag is this version"
    );

    // Every input in the doc's table is an input of action.yml, and back.
    let action = read(&repo().join("action.yml"));
    let inputs: Vec<&String> = action["inputs"].as_object().unwrap().keys().collect();
    let mut table: Vec<&str> = doc
        .lines()
        .skip_while(|l| *l != "## Inputs")
        .skip(4)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('`').nth(1).unwrap())
        .collect();
    table.sort_unstable();
    assert_eq!(
        inputs, table,
        "docs/github-action.md lists action.yml's inputs"
    );
}

#[test]
fn the_pre_commit_hook_entry_lints_the_tree() {
    let hooks = read(&repo().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook["id"], "scalelint");
    assert_eq!(hook["language"], "rust");
    assert_eq!(
        hook["pass_filenames"], false,
        "cross-file rules need the whole tree"
    );
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(entry, ["scalelint", "check"]);

    // pre-commit installs the crate's binary (`cargo install --path .`) and
    // runs the entry from the repository root.
    let run = |dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scalelint"))
            .args(&entry[1..])
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let demo = run(&repo().join("fixtures/demo"));
    let stdout = String::from_utf8_lossy(&demo.stdout);
    assert_eq!(demo.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Found 6 findings (2 errors, 4 warnings) in 16 files linted, 1 skipped."),
        "{stdout}"
    );

    let clean = tempfile::tempdir().unwrap();
    std::fs::create_dir(clean.path().join(".git")).unwrap();
    std::fs::write(
        clean.path().join("web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          readinessProbe: {httpGet: {path: /, port: 80}}\n          resources: {requests: {cpu: 10m, memory: 16Mi}}\n",
    )
    .unwrap();
    let out = run(clean.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
