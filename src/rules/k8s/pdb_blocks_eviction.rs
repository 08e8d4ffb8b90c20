//! SL108 pdb-blocks-eviction. Docs: rules/pdb-blocks-eviction.toml

use crate::extract::{IntOrPercent, Val};
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;

use super::describe_envelope;

pub enum PdbBlocksEviction {
    /// `maxUnavailable: 0` or `0%`.
    ZeroUnavailable { pdb: String, written: String },
    /// `minAvailable` at least the pods there are.
    MinAvailable {
        pdb: String,
        required: String,
        pods: i64,
        of: String,
        /// Only while an autoscaler keeps the workload at its minimum.
        at_minimum: bool,
    },
}

impl Violation for PdbBlocksEviction {
    const RULE: Rule = Rule::PdbBlocksEviction;

    fn message(&self) -> String {
        match self {
            PdbBlocksEviction::ZeroUnavailable { pdb, written } => format!(
                "{pdb} sets maxUnavailable {written}: no pod may ever be evicted voluntarily, so node drains and cluster upgrades hang until someone deletes the budget"
            ),
            PdbBlocksEviction::MinAvailable {
                pdb,
                required,
                pods,
                of,
                at_minimum,
            } => {
                if *at_minimum {
                    let noun = if *pods == 1 { "pod" } else { "pods" };
                    format!(
                        "{pdb} requires minAvailable {required} of {of}: while the autoscaler keeps it at its minimum of {pods} {}, no pod may be evicted, so node drains and cluster upgrades hang",
                        noun
                    )
                } else {
                    format!(
                        "{pdb} requires minAvailable {required} of the {pods} pods of {of}: no pod may ever be evicted voluntarily, so node drains and cluster upgrades hang"
                    )
                }
            }
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            PdbBlocksEviction::ZeroUnavailable { .. } => {
                "set maxUnavailable: 1 (or a percentage above 0), so one pod at a time can move to another node".to_string()
            }
            PdbBlocksEviction::MinAvailable { pods, .. } if *pods <= 1 => {
                "run at least 2 replicas so one can move while the other serves, or use maxUnavailable: 1 and accept a short outage on drains".to_string()
            }
            PdbBlocksEviction::MinAvailable { pods, .. } => format!(
                "use maxUnavailable: 1 instead, or keep minAvailable below the {pods} pods it counts"
            ),
        })
    }

    fn subject(&self) -> String {
        match self {
            PdbBlocksEviction::ZeroUnavailable { pdb, .. }
            | PdbBlocksEviction::MinAvailable { pdb, .. } => pdb.clone(),
        }
    }

    fn severity(&self) -> Option<Severity> {
        match self {
            PdbBlocksEviction::MinAvailable {
                at_minimum: true, ..
            } => Some(Severity::Warning),
            _ => None,
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    // PDB index → the workloads it selects.
    let mut selected: Vec<Vec<usize>> = vec![Vec::new(); model.pdbs.len()];
    for (wi, _) in model.indexed_workloads() {
        for &p in &model.links(wi).pdbs {
            if let Some(list) = selected.get_mut(p) {
                list.push(wi);
            }
        }
    }
    for (pdb, workloads) in model.pdbs.iter().zip(&selected) {
        let workloads = model.prefer_alternatives_in(pdb.meta.file, workloads);
        if workloads.is_empty() {
            continue;
        }
        if let Val::Set(x, span) = pdb.max_unavailable
            && x.is_zero()
        {
            out.report(
                PdbBlocksEviction::ZeroUnavailable {
                    pdb: pdb.display(),
                    written: x.to_string(),
                },
                span,
            );
            continue;
        }
        let Val::Set(min_available, span) = pdb.min_available else {
            continue;
        };
        // The disruption controller expects the pods of every workload the
        // budget selects.
        let mut envelopes = Vec::new();
        for &wi in &workloads {
            match (model.envelope(wi), model.workloads.get(wi)) {
                (Some(e), Some(w)) => envelopes.push((w, e)),
                _ => break,
            }
        }
        if envelopes.len() != workloads.len() {
            continue;
        }
        let min: i64 = envelopes.iter().map(|(_, e)| e.min.value).sum();
        let max: i64 = envelopes.iter().map(|(_, e)| e.max.value).sum();
        let of = envelopes
            .iter()
            .map(|(w, e)| format!("{} with {}", w.display(), describe_envelope(e)))
            .collect::<Vec<_>>()
            .join(" and ");
        let required_text = |pods: i64| match min_available {
            IntOrPercent::Int(n) => n.to_string(),
            IntOrPercent::Percent(p) => {
                format!(
                    "{} ({p}% of {pods}, rounded up)",
                    min_available.resolve(pods, true)
                )
            }
        };
        let pdb_name = pdb.display();
        let finding = if min_available.resolve(max, true) >= max && max > 0 {
            PdbBlocksEviction::MinAvailable {
                pdb: pdb_name,
                required: required_text(max),
                pods: max,
                of,
                at_minimum: false,
            }
        } else if min > 0 && min_available.resolve(min, true) >= min {
            PdbBlocksEviction::MinAvailable {
                pdb: pdb_name,
                required: required_text(min),
                pods: min,
                of,
                at_minimum: true,
            }
        } else {
            continue;
        };
        let f = out.report(finding, span);
        for (w, e) in &envelopes {
            if let Some(s) = e.min.source.span() {
                f.related(s, e.min.source.describe());
            } else {
                f.related(
                    w.meta.kind_span,
                    format!("{} selected by this budget", w.display()),
                );
            }
        }
    }
}
