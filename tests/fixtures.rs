//! Every rule against its fixtures: `fixtures/<rule-name>/` is linted with only
//! that rule enabled (rules about suppressions also get the rules their
//! cases name); the findings must match the `# expect:` annotations both
//! ways, suppressed findings the `# expect-suppressed:` ones, `good*` files
//! must report nothing, and the human output is snapshotted. Also checks that each rule has a doc, fixtures and a doc
//! example that fires, and that no doc or fixture folder lacks a rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scalelint::lint::{Outcome, Settings, lint};
use scalelint::report::{Format, Report};
use scalelint::rules::{Check, RULES, RuleSet, resolve_selector};
use scalelint::suppress::date::Date;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `SCALELINT_TEST_RULES=SL2,SL104` narrows the fixture and doc-example tests
/// to those rules (ids, names or id prefixes) while working on them.
fn selected(rule: &scalelint::rules::RuleInfo) -> bool {
    match std::env::var("SCALELINT_TEST_RULES") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|s| {
            scalelint::rules::resolve_selector(s).is_some_and(|set| set.contains(rule.rule))
        }),
        _ => true,
    }
}

/// The day fixtures are linted on, so that `until` dates expire or not
/// whenever the tests run.
const TODAY: &str = "2026-06-01";

fn run(paths: Vec<PathBuf>, only: RuleSet) -> Outcome {
    // A case directory may carry a `.scalelint.toml` for the settings
    // rules read from it (`[nginx] version`).
    let config = paths
        .iter()
        .map(|p| p.join(".scalelint.toml"))
        .find(|p| p.is_file())
        .map(|p| scalelint::config::parse(&std::fs::read_to_string(&p).unwrap(), &p).unwrap());
    let mut settings = Settings::new(paths);
    settings.nginx_version = config.and_then(|c| c.nginx_version);
    settings.enabled = only;
    settings.show_skipped = true;
    settings.today = Some(Date::parse(TODAY).unwrap());
    lint(&settings)
}

/// The rules a case runs with: its folder's rule, and for the rules about
/// suppressions also every rule id (`SL` and three digits) the case's text
/// mentions, since an unused or expired suppression needs its rule to run.
fn rules_for(rule: &scalelint::rules::RuleInfo, texts: &[String]) -> RuleSet {
    let mut set = RuleSet::empty().with(rule.rule);
    if !matches!(rule.check, Check::Suppression) {
        return set;
    }
    for text in texts {
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let is_id = word.len() == 5
                && word.starts_with("SL")
                && word[2..].bytes().all(|b| b.is_ascii_digit());
            if let Some(r) = is_id.then(|| resolve_selector(word)).flatten() {
                set = set.union(r);
            }
        }
    }
    set
}

fn texts(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).to_string())
        .collect()
}

/// What a file's annotations expect: (line, code) pairs, and codes expected
/// somewhere in the file.
fn expectations(text: &str) -> (BTreeSet<(u32, String)>, BTreeSet<String>) {
    annotations(text, false)
}

/// The (line, code) pairs of `expect-suppressed:` annotations: findings
/// that fire there and are suppressed.
fn suppressed_expectations(text: &str) -> BTreeSet<(u32, String)> {
    annotations(text, true).0
}

fn annotations(text: &str, suppressed: bool) -> (BTreeSet<(u32, String)>, BTreeSet<String>) {
    let mut at = BTreeSet::new();
    let mut anywhere = BTreeSet::new();
    let markers: &[(&str, Option<u32>)] = if suppressed {
        &[("expect-suppressed:", Some(0))]
    } else {
        &[
            ("expect-next:", Some(1)),
            ("expect-file:", None),
            ("expect:", Some(0)),
        ]
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        for &(marker, target) in markers {
            let target = target.map(|d| line_no + d);
            let Some(pos) = line.find(marker) else {
                continue;
            };
            let before = &line[..pos];
            if !(before.trim_end().ends_with('#') || before.trim_end().ends_with("<!--")) {
                continue;
            }
            let codes = line[pos + marker.len()..].trim().trim_end_matches("-->");
            for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let code = code.split_whitespace().next().unwrap_or("").to_string();
                match target {
                    Some(l) => {
                        at.insert((l, code));
                    }
                    None => {
                        anywhere.insert(code);
                    }
                }
            }
            break;
        }
    }
    (at, anywhere)
}

fn rendered(outcome: &Outcome, format: Format) -> String {
    let report = Report {
        files: &outcome.files,
        findings: &outcome.findings,
        stats: &outcome.stats,
        color: false,
        quiet: true,
        statistics: false,
    };
    let mut out = Vec::new();
    report.render(format, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

fn human(outcome: &Outcome) -> String {
    rendered(outcome, Format::Human)
}

/// The cases of a rule folder: each file directly in it alone, and each
/// subdirectory as one tree.
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn each_rule_matches_its_fixture_annotations() {
    std::env::set_current_dir(root()).unwrap();
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| selected(r)) {
        let dir = Path::new("fixtures").join(rule.name);
        let mut snapshot = String::new();
        let mut json = String::new();
        if matches!(rule.check, Check::Config) {
            config_cases(&dir, &mut snapshot, &mut failures);
            insta::assert_snapshot!(rule.name, snapshot);
            continue;
        }
        for case in cases(&dir) {
            let files = if case.is_dir() {
                files_below(&case)
            } else {
                vec![case.clone()]
            };
            let outcome = run(vec![case.clone()], rules_for(rule, &texts(&files)));
            // Every finding carries a fix hint.
            for f in outcome
                .findings
                .iter()
                .filter(|f| f.help.as_deref().is_none_or(str::is_empty))
            {
                failures.push(format!(
                    "{}: {} has no help: {}",
                    case.display(),
                    f.rule.code(),
                    f.message
                ));
            }
            let display =
                |id: scalelint::source::FileId| outcome.files[id.0 as usize].display.clone();
            for file in files {
                check_file(&file, &outcome, &display, &mut failures);
            }
            snapshot.push_str(&format!("## {}\n", case.display()));
            snapshot.push_str(&human(&outcome));
            snapshot.push('\n');
            json.push_str(&format!("## {}\n", case.display()));
            json.push_str(&rendered(&outcome, Format::Json));
        }
        insta::assert_snapshot!(rule.name, snapshot);
        insta::assert_snapshot!(format!("{}.json", rule.name), json);
    }
    assert!(
        failures.is_empty(),
        "fixture mismatches:\n{}",
        failures.join("\n")
    );
}

/// SL905 fixtures are config files: each is read as a config, and the error's
/// line must be the annotated one (good files must read cleanly).
fn config_cases(dir: &Path, snapshot: &mut String, failures: &mut Vec<String>) {
    for file in cases(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        let (expected, _) = expectations(&text);
        let shown = file.display().to_string();
        let got = match scalelint::config::parse(&text, &file) {
            Ok(_) => BTreeSet::new(),
            Err(e) => {
                snapshot.push_str(&format!(
                    "{shown}:{}:{}: SL905 [error] {}\n",
                    e.pos.line, e.pos.col, e.message
                ));
                BTreeSet::from([(e.pos.line, "SL905".to_string())])
            }
        };
        if got != expected {
            failures.push(format!("{shown}: expected {expected:?}, got {got:?}"));
        }
    }
}

fn check_file(
    file: &Path,
    outcome: &Outcome,
    display: &dyn Fn(scalelint::source::FileId) -> String,
    failures: &mut Vec<String>,
) {
    let shown = file.to_string_lossy().replace('\\', "/");
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_string();
    let (expected_at, expected_anywhere) = expectations(&text);
    let in_file = || {
        outcome
            .findings
            .iter()
            .filter(|f| display(f.span.file) == shown)
    };
    let actual: Vec<(u32, String)> = in_file()
        .filter(|f| !f.is_suppressed())
        .map(|f| (f.span.start.line, f.rule.code().to_string()))
        .collect();
    // Each suppressed finding is annotated, and each annotation matched: a
    // suppression fixture proves the finding fires and is suppressed.
    let suppressed: BTreeSet<(u32, String)> = in_file()
        .filter(|f| f.is_suppressed())
        .map(|f| (f.span.start.line, f.rule.code().to_string()))
        .collect();
    let expected_suppressed = suppressed_expectations(&text);
    for missing in expected_suppressed.difference(&suppressed) {
        failures.push(format!(
            "{shown}:{}: expected a suppressed {} but none was",
            missing.0, missing.1
        ));
    }
    for extra in suppressed.difference(&expected_suppressed) {
        failures.push(format!(
            "{shown}:{}: {} was suppressed without an `expect-suppressed` annotation",
            extra.0, extra.1
        ));
    }
    if name.starts_with("good") && !actual.is_empty() {
        failures.push(format!("{shown}: good file has findings {actual:?}"));
    }
    let actual_at: BTreeSet<(u32, String)> = actual
        .iter()
        .filter(|(_, code)| !expected_anywhere.contains(code))
        .cloned()
        .collect();
    for missing in expected_at.difference(&actual_at) {
        failures.push(format!(
            "{shown}:{}: expected {} but it did not fire",
            missing.0, missing.1
        ));
    }
    for extra in actual_at.difference(&expected_at) {
        failures.push(format!(
            "{shown}:{}: {} fired without an `expect` annotation",
            extra.0, extra.1
        ));
    }
    for code in &expected_anywhere {
        if !actual.iter().any(|(_, c)| c == code) {
            failures.push(format!("{shown}: expected {code} somewhere in the file"));
        }
    }
}

#[test]
fn every_rule_has_doc_and_fixtures_and_nothing_is_orphaned() {
    let root = root();
    for rule in RULES {
        let dir = root.join("fixtures").join(rule.name);
        let names: Vec<String> = files_below(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad")),
            "{}: no fixtures/{}/bad*",
            rule.code,
            rule.name
        );
        assert!(
            names.iter().any(|n| n.starts_with("good")),
            "{}: no fixtures/{}/good*",
            rule.code,
            rule.name
        );
        assert!(
            root.join("rules")
                .join(format!("{}.toml", rule.name))
                .is_file()
        );
    }
    let known: BTreeSet<&str> = RULES.iter().map(|r| r.name).collect();
    for entry in std::fs::read_dir(root.join("rules")).unwrap() {
        let p = entry.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            known.contains(stem.as_str()),
            "rules/{stem}.toml documents no registered rule"
        );
    }
    for entry in std::fs::read_dir(root.join("fixtures")).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() && name != "demo" {
            assert!(
                known.contains(name.as_str()),
                "fixtures/{name}/ belongs to no registered rule"
            );
        }
    }
}

#[test]
fn doc_examples_fire_and_their_fixes_do_not() {
    for rule in RULES.iter().filter(|r| selected(r)) {
        let doc = rule.rule.doc().unwrap();
        if matches!(rule.check, Check::Config) {
            let path = Path::new(".scalelint.toml");
            assert!(
                scalelint::config::parse(&doc.example_bad, path).is_err(),
                "{}: example_bad",
                rule.code
            );
            assert!(
                scalelint::config::parse(&doc.example_good, path).is_ok(),
                "{}: example_good",
                rule.code
            );
            continue;
        }
        for (example, should_fire) in [(&doc.example_bad, true), (&doc.example_good, false)] {
            let dir = tempfile::tempdir().unwrap();
            let mut paths = Vec::new();
            for (name, text) in example_files(rule.code, example) {
                let path = dir.path().join(name);
                std::fs::write(&path, text).unwrap();
                paths.push(path);
            }
            let outcome = run(paths, rules_for(rule, &[example.to_string()]));
            let fired = outcome
                .findings
                .iter()
                .any(|f| f.rule == rule.rule && !f.is_suppressed());
            assert_eq!(
                fired,
                should_fire,
                "{}: example_{} {}",
                rule.code,
                if should_fire { "bad" } else { "good" },
                if should_fire {
                    "does not fire"
                } else {
                    "fires"
                }
            );
        }
    }
}

/// The files a doc example is written to. An example of several files
/// starts each with a `# file: NAME` line; a single one is named by
/// `example_file_name`.
fn example_files(code: &str, example: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in example.lines() {
        if let Some(name) = line.strip_prefix("# file: ") {
            files.push((name.trim().to_string(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    if files.is_empty() {
        files.push((example_file_name(code).to_string(), example.to_string()));
    }
    files
}

/// The file a doc example is written to, so it is read as the format it is in.
fn example_file_name(code: &str) -> &'static str {
    if code.starts_with("SL50") {
        "nginx.conf"
    } else if code.starts_with("SL51") {
        "haproxy.cfg"
    } else {
        "example.yaml"
    }
}

#[test]
fn readme_rule_table_is_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| SL")).collect();
    let expected: Vec<String> = RULES
        .iter()
        .map(|r| {
            let doc = r.rule.doc().unwrap();
            format!(
                "| {} | {} | {} | {} |",
                r.code,
                r.name,
                r.severity.as_str(),
                doc.summary.trim()
            )
        })
        .collect();
    assert_eq!(
        rows, expected,
        "README.md's rule table must list every rule with its summary"
    );
}
