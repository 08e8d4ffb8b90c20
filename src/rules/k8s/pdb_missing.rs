//! SL107 pdb-missing. Docs: rules/pdb-missing.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::describe_envelope;

pub struct PdbMissing {
    workload: String,
    replicas: String,
    served_by: String,
    labels: String,
}

impl Violation for PdbMissing {
    const RULE: Rule = Rule::PdbMissing;

    fn message(&self) -> String {
        format!(
            "{} runs {} and serves traffic ({}), but no PodDisruptionBudget selects its pods: a node drain or cluster upgrade may evict all of them at once",
            self.workload, self.replicas, self.served_by
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "add a PodDisruptionBudget with `maxUnavailable: 1` and a selector matching {}",
            self.labels
        ))
    }

    fn subject(&self) -> String {
        self.workload.clone()
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        if !w.kind.rolls_out() || !model.links(wi).pdbs.is_empty() || !model.is_served(wi) {
            continue;
        }
        let Some(envelope) = model.envelope(wi) else {
            continue;
        };
        if envelope.max.value < 2 {
            continue;
        }
        let served_by = match model
            .links(wi)
            .services
            .first()
            .and_then(|&s| model.services.get(s))
        {
            Some(s) => format!("Service {}/{}", s.namespace, s.meta.name),
            None => "a port named http, https, grpc or web".to_string(),
        };
        let labels = match w.selector.as_ref().map(|s| &s.match_labels) {
            Some(labels) if !labels.is_empty() => labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
            _ => "its pod labels".to_string(),
        };
        out.report(
            PdbMissing {
                workload: w.display(),
                replicas: describe_envelope(&envelope),
                served_by,
                labels,
            },
            w.meta.kind_span,
        );
    }
}
