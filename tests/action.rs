//! `action/run.sh`, the GitHub Action's logic, run as the runner runs it:
//! `bash action/run.sh <step>` in a scratch workspace with a fake `GITHUB_*`
//! and `RUNNER_*` environment, scalelint being the binary under test
//! (`SCALELINT_BIN`). Checks the step outputs written to `$GITHUB_OUTPUT`,
//! the exit status of each step (findings never fail the check step, only
//! the finish step after the upload), the SARIF file, and the install step's
//! download and checksum verification against a release laid out on disk.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_scalelint");

/// SL101 and SL104 (two warnings) at 8:11.
const NO_PROBE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A runner: a workspace (the checked-out repository), a temp directory,
/// and the files GitHub reads back after a step.
struct Runner {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    temp: PathBuf,
    output: PathBuf,
    summary: PathBuf,
    env: Vec<(String, String)>,
}

struct Step {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let workspace = root.join("workspace");
        let temp = root.join("runner-temp");
        fs::create_dir_all(workspace.join(".git")).unwrap();
        fs::create_dir_all(&temp).unwrap();
        Runner {
            output: root.join("github_output"),
            summary: root.join("step_summary"),
            _dir: dir,
            workspace,
            temp,
            env: Vec::new(),
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.workspace.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn env(&mut self, key: &str, value: &str) -> &mut Runner {
        self.env.push((key.into(), value.into()));
        self
    }

    /// `bash action/run.sh STEP` with a clean environment, as GitHub runs it
    /// (from the workspace), and the outputs that step wrote.
    fn step(&self, step: &str) -> Step {
        let _ = fs::remove_file(&self.output);
        let mut c = Command::new("bash");
        c.arg(repo().join("action/run.sh"))
            .arg(step)
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.temp)
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env(
                "GITHUB_PATH",
                self.temp.parent().unwrap().join("github_path"),
            )
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_ACTION_PATH", repo())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", &self.temp);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        let mut outputs = BTreeMap::new();
        for line in fs::read_to_string(&self.output).unwrap_or_default().lines() {
            let (k, v) = line.split_once('=').expect("name=value");
            assert!(
                outputs.insert(k.to_string(), v.to_string()).is_none(),
                "output {k} written twice"
            );
        }
        Step {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            outputs,
        }
    }

    /// The check step with the binary under test.
    fn check(&mut self) -> Step {
        self.env("SCALELINT_BIN", BIN);
        self.step("check")
    }

    fn sarif(&self, rel: &str) -> Value {
        serde_json::from_str(&fs::read_to_string(self.workspace.join(rel)).unwrap()).unwrap()
    }
}

impl Step {
    fn out(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name}: {:?}\n{}", self.outputs, self.stdout))
    }
}

/// The finish step, given the check step's outputs as action.yml passes them.
fn finish(runner: &Runner, check: &Step, fail_on: &str) -> Step {
    let mut r = Runner {
        env: runner.env.clone(),
        ..Runner::new()
    };
    r.env("SCALELINT_EXIT_CODE", check.out("exit-code"))
        .env("SCALELINT_FINDINGS", check.out("findings"))
        .env("INPUT_FAIL_ON", fail_on);
    r.step("finish")
}

#[test]
fn findings_are_annotated_written_to_sarif_and_fail_only_the_finish_step() {
    let mut r = Runner::new();
    r.write("k8s/api.yaml", NO_PROBE);
    let check = r.check();
    assert_eq!(check.code, Some(0), "{}\n{}", check.stdout, check.stderr);
    assert_eq!(check.out("exit-code"), "1");
    assert_eq!(check.out("findings"), "2");
    assert_eq!(check.out("version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(check.out("sarif-file"), "scalelint.sarif");
    assert_eq!(check.outputs.len(), 4, "{:?}", check.outputs);

    // The annotations are on the step's log, as workflow commands.
    let annotations: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .collect();
    assert_eq!(annotations.len(), 2, "{}", check.stdout);
    assert!(
        annotations[0].starts_with(
            "::warning file=k8s/api.yaml,line=8,col=11,endLine=8,endColumn=15,title=SL101 readiness-probe-missing::"
        ),
        "{}",
        annotations[0]
    );
    assert!(
        check
            .stdout
            .contains("scalelint: found 2 findings (2 warnings) in 1 file linted.")
    );

    // The SARIF holds the same findings, with repo-relative URIs.
    let sarif = r.sarif("scalelint.sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["SL101", "SL104"]);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/api.yaml"
    );

    let summary = fs::read_to_string(&r.summary).unwrap();
    assert_eq!(
        summary,
        "### scalelint\n\nfound 2 findings (2 warnings) in 1 file linted.\n"
    );

    // Only now does the job fail.
    let done = finish(&r, &check, "");
    assert_eq!(done.code, Some(1));
    assert!(
        done.stdout.starts_with(
            "::error title=scalelint::2 finding(s), some at or above fail-on (the config, else warning)"
        ),
        "{}",
        done.stdout
    );
}

#[test]
fn fail_on_decides_the_exit_code_and_the_finish_step() {
    for (fail_on, code) in [
        ("warning", "1"),
        ("note", "1"),
        ("error", "0"),
        ("never", "0"),
    ] {
        let mut r = Runner::new();
        r.write("k8s/api.yaml", NO_PROBE);
        r.env("INPUT_FAIL_ON", fail_on);
        let check = r.check();
        assert_eq!(check.code, Some(0), "{fail_on}: {}", check.stderr);
        assert_eq!(check.out("exit-code"), code, "{fail_on}");
        assert_eq!(check.out("findings"), "2", "{fail_on}");
        let done = finish(&r, &check, fail_on);
        assert_eq!(
            done.code,
            Some(code.parse().unwrap()),
            "{fail_on}: {}",
            done.stdout
        );
    }
    // The config's fail-on applies when the input is empty.
    let mut r = Runner::new();
    r.write("k8s/api.yaml", NO_PROBE);
    r.write(".scalelint.toml", "fail-on = \"error\"\n");
    let check = r.check();
    assert_eq!(check.out("exit-code"), "0");
    assert_eq!(finish(&r, &check, "").code, Some(0));
}

#[test]
fn a_clean_tree_passes_with_zero_findings() {
    let mut r = Runner::new();
    r.write("README.md", "nothing to lint\n");
    let check = r.check();
    assert_eq!(check.code, Some(0));
    assert_eq!(check.out("exit-code"), "0");
    assert_eq!(check.out("findings"), "0");
    let sarif = r.sarif("scalelint.sarif");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let done = finish(&r, &check, "");
    assert_eq!(done.code, Some(0));
}

#[test]
fn paths_args_and_sarif_file_inputs() {
    let mut r = Runner::new();
    r.write("k8s/api.yaml", NO_PROBE);
    r.write("other/api.yaml", NO_PROBE);
    r.write("ignored/api.yaml", NO_PROBE);
    // Spaces and newlines separate paths; arguments are words, not shell code.
    r.env("INPUT_PATHS", "k8s\n  other ")
        .env("INPUT_ARGS", "--select SL104 --exclude $(touch${IFS}pwned)")
        .env("INPUT_SARIF_FILE", "reports/scan/out.sarif");
    let check = r.check();
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert_eq!(check.out("findings"), "2");
    assert_eq!(check.out("sarif-file"), "reports/scan/out.sarif");
    let sarif = r.sarif("reports/scan/out.sarif");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["k8s/api.yaml", "other/api.yaml"]);
    assert!(check.stdout.contains("title=SL104"));
    assert!(!check.stdout.contains("title=SL101"));
    assert!(!r.workspace.join("pwned").exists());

    // A `*` is not expanded by the shell.
    r.env("INPUT_PATHS", "k8s/*").env("INPUT_ARGS", "");
    let check = r.check();
    assert_eq!(check.out("exit-code"), "2");
    assert!(
        check.stderr.contains("path `k8s/*` does not exist"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_failed_run_has_no_sarif_and_fails_the_finish_step_with_2() {
    let mut r = Runner::new();
    // A stale report from an earlier run is not uploaded again.
    r.write("scalelint.sarif", "{}");
    r.env("INPUT_PATHS", "does-not-exist");
    let check = r.check();
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert_eq!(check.out("exit-code"), "2");
    assert_eq!(check.out("sarif-file"), "");
    assert!(!r.workspace.join("scalelint.sarif").exists());
    assert!(
        check
            .stderr
            .contains("scalelint: path `does-not-exist` does not exist"),
        "{}",
        check.stderr
    );
    let summary = fs::read_to_string(&r.summary).unwrap();
    assert!(summary.contains("scalelint could not run (exit status 2)"));
    let done = finish(&r, &check, "");
    assert_eq!(done.code, Some(2));
    assert!(
        done.stdout
            .contains("scalelint could not run (exit status 2)")
    );

    // No check step output at all: finish fails rather than passing.
    let mut lost = Runner::new();
    lost.env("SCALELINT_EXIT_CODE", "");
    assert_eq!(lost.step("finish").code, Some(1));
}

/// A release laid out as GitHub serves it, at `file://…/download/v<version>/`.
/// Its `scalelint` is a stand-in that prints its version (compressing the
/// debug binary would cost seconds and test nothing more).
fn release(r: &Runner, version: &str, target: &str, checksum: Option<&str>) -> String {
    let base = r.temp.parent().unwrap().join("download");
    let dir = base.join(format!("v{version}"));
    let stage = r.temp.parent().unwrap().join("stage");
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(&stage).unwrap();
    fs::write(
        stage.join("scalelint"),
        format!("#!/bin/sh\necho 'scalelint {version}'\n"),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(stage.join("scalelint"))
        .status()
        .unwrap();
    let asset = dir.join(format!("scalelint-v{version}-{target}.tar.gz"));
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&asset)
        .arg("-C")
        .arg(&stage)
        .arg("scalelint")
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum").arg(&asset).output().unwrap();
    let real = String::from_utf8(sum.stdout).unwrap();
    let real = real.split_whitespace().next().unwrap().to_string();
    if let Some(sum) = checksum {
        let sum = if sum == "real" { real.as_str() } else { sum };
        fs::write(
            dir.join(format!("scalelint-v{version}-{target}.tar.gz.sha256")),
            format!("{sum}  scalelint-v{version}-{target}.tar.gz\n"),
        )
        .unwrap();
    }
    format!("file://{}", base.display())
}

#[test]
fn install_downloads_the_release_for_the_runner_and_verifies_it() {
    let version = env!("CARGO_PKG_VERSION");
    let mut r = Runner::new();
    let url = release(&r, version, "x86_64-unknown-linux-musl", Some("real"));
    r.env("SCALELINT_RELEASE_URL", &url);
    let install = r.step("install");
    assert_eq!(
        install.code,
        Some(0),
        "{}\n{}",
        install.stdout,
        install.stderr
    );
    assert_eq!(install.out("installed"), "true");
    assert_eq!(install.out("version"), version);
    assert!(
        install.stdout.contains("verified (sha256 "),
        "{}",
        install.stdout
    );
    let bin = install.out("bin");
    assert!(bin.starts_with(r.temp.to_str().unwrap()), "{bin}");
    let o = Command::new(bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        format!("scalelint {version}\n")
    );
    // Later steps of the job find it on PATH.
    let path = fs::read_to_string(r.temp.parent().unwrap().join("github_path")).unwrap();
    assert_eq!(
        path,
        format!(
            "{}\n",
            std::path::Path::new(bin).parent().unwrap().display()
        )
    );

    // The `version` input picks the release; a leading v is allowed.
    let mut r = Runner::new();
    let url = release(&r, "9.8.7", "aarch64-apple-darwin", Some("real"));
    r.env("SCALELINT_RELEASE_URL", &url)
        .env("INPUT_VERSION", "v9.8.7")
        .env("RUNNER_OS", "macOS")
        .env("RUNNER_ARCH", "ARM64");
    let install = r.step("install");
    assert_eq!(install.code, Some(0), "{}", install.stdout);
    assert!(install.out("bin").contains("v9.8.7-aarch64-apple-darwin"));
    assert_eq!(install.out("version"), "9.8.7");
}

#[test]
fn install_refuses_a_checksum_mismatch_and_warns_without_one() {
    let version = env!("CARGO_PKG_VERSION");
    let mut r = Runner::new();
    let url = release(
        &r,
        version,
        "x86_64-unknown-linux-musl",
        Some(&"0".repeat(64)),
    );
    r.env("SCALELINT_RELEASE_URL", &url);
    let install = r.step("install");
    assert_eq!(install.code, Some(1));
    assert!(
        install.stdout.contains(
            "::error title=scalelint::checksum mismatch for scalelint-v0.1.0-x86_64-unknown-linux-musl.tar.gz: expected 0000"
        ),
        "{}",
        install.stdout
    );
    assert!(!install.outputs.contains_key("bin"));

    let mut r = Runner::new();
    let url = release(&r, version, "x86_64-unknown-linux-musl", None);
    r.env("SCALELINT_RELEASE_URL", &url);
    let install = r.step("install");
    assert_eq!(install.code, Some(0), "{}", install.stdout);
    assert_eq!(install.out("installed"), "true");
    assert!(install.stdout.contains(
        "::warning title=scalelint::no scalelint-v0.1.0-x86_64-unknown-linux-musl.tar.gz.sha256 published"
    ));
}

#[test]
fn without_a_release_the_source_is_built_once_and_cached() {
    let version = env!("CARGO_PKG_VERSION");
    let mut r = Runner::new();
    // No asset for this version, and a runner with no published binary.
    let url = release(&r, "0.0.0-other", "x86_64-unknown-linux-musl", Some("real"));
    r.env("SCALELINT_RELEASE_URL", &url);
    for (os, arch) in [("Linux", "X64"), ("Windows", "ARM64")] {
        r.env("RUNNER_OS", os).env("RUNNER_ARCH", arch);
        let install = r.step("install");
        assert_eq!(install.code, Some(0), "{os}: {}", install.stderr);
        assert_eq!(install.out("installed"), "false", "{os}");
        assert!(!install.outputs.contains_key("bin"));
        let key = install.out("cache-key");
        assert!(
            key.starts_with(&format!("scalelint-{os}-{arch}-{version}-")),
            "{key}"
        );
        assert_eq!(
            key.len(),
            format!("scalelint-{os}-{arch}-{version}-").len() + 16
        );
        assert_eq!(
            install.out("cargo-root"),
            r.temp.join("scalelint/cargo").to_str().unwrap()
        );
    }

    // The build step runs `cargo install` on the action's source; a fake
    // cargo records its arguments and "installs" the binary under test.
    let fake = r.temp.join("fake-bin");
    fs::create_dir_all(&fake).unwrap();
    let log = r.temp.join("cargo.log");
    fs::write(
        fake.join("cargo"),
        format!(
            "#!/bin/sh\necho \"$@\" >>'{log}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\" && cp '{BIN}' \"$2/bin/scalelint\"\n",
            log = log.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(fake.join("cargo"))
        .status()
        .unwrap();
    let root = r.temp.join("scalelint/cargo");
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    r.env("PATH", &path)
        .env("RUNNER_OS", "Linux")
        .env("SCALELINT_CARGO_ROOT", root.to_str().unwrap());
    for _ in 0..2 {
        let build = r.step("build");
        assert_eq!(build.code, Some(0), "{}\n{}", build.stdout, build.stderr);
        assert_eq!(
            build.out("bin"),
            root.join("bin/scalelint").to_str().unwrap()
        );
        assert_eq!(build.out("version"), version);
    }
    // Built once; the second time the (cached) binary was there.
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!(
            "install --locked --path {} --root {}\n",
            repo().display(),
            root.display()
        )
    );
}

#[test]
fn an_unknown_step_is_a_usage_error() {
    let r = Runner::new();
    let s = r.step("deploy");
    assert_eq!(s.code, Some(2));
    assert!(s.stderr.contains("usage:"), "{}", s.stderr);
}

/// Every input of action.yml reaches the script by an `INPUT_*` variable
/// the script reads, and every output the action declares is written.
#[test]
fn action_yml_and_the_script_agree() {
    let action = fs::read_to_string(repo().join("action.yml")).unwrap();
    let script = fs::read_to_string(repo().join("action/run.sh")).unwrap();
    for input in ["version", "paths", "args", "fail-on", "sarif-file"] {
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(
            action.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "action.yml passes {input} as {var}"
        );
        assert!(script.contains(&var), "run.sh reads {var}");
    }
    for output in ["sarif-file", "exit-code", "findings", "version"] {
        assert!(
            action.contains(&format!("${{{{ steps.check.outputs.{output} }}}}")),
            "{output}"
        );
        assert!(script.contains(&format!("output {output} ")), "{output}");
    }
}
