#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Counts of Kubernetes and autoscaling findings on real repositories of
//! `../shared/corpus`, per repository and rule: any change of what the rules
//! report on real manifests shows up in review as a snapshot diff.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

const REPOSITORIES: &[&str] = &[
    "kubernetes__examples",
    "stackrox__kube-linter",
    "zegl__kube-score",
    "FairwindsOps__polaris",
    "kedacore__keda",
    "kedacore__http-add-on",
    "kedacore__external-scaler-samples",
    "kedacore__sample-dotnet-worker-servicebus-queue",
    "kedacore__sample-go-rabbitmq",
    "kedacore__sample-python-kafka-azure-function",
    "kedacore__sample-typescript-kafka-azure-function",
    "GoogleCloudPlatform__microservices-demo",
    "open-telemetry__opentelemetry-demo",
    "prometheus-operator__kube-prometheus",
];

#[test]
fn workload_and_autoscaling_findings_on_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        println!("skipped: {} is not there", corpus.display());
        return;
    }
    let mut out = String::new();
    for repo in REPOSITORIES {
        let dir = corpus.join(repo);
        if !dir.is_dir() {
            out.push_str(&format!("{repo}: missing\n"));
            continue;
        }
        let output = Command::cargo_bin("scalelint")
            .unwrap()
            .current_dir(&corpus)
            .args(["check", "--no-config", "--select", "SL1,SL2"])
            .args(["--format", "json", "--fail-on", "never", repo])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{repo}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for f in json["findings"].as_array().unwrap() {
            let key = format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            );
            *counts.entry(key).or_default() += 1;
        }
        out.push_str(&format!("{repo}:\n"));
        for (rule, n) in counts {
            out.push_str(&format!("  {n:>4}  {rule}\n"));
        }
    }
    insta::assert_snapshot!(out);
}
