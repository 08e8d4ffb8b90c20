//! SL311 pdb-allows-quorum-loss. Docs: rules/pdb-allows-quorum-loss.toml

use crate::extract::autoscaling::Pdb;
use crate::extract::{IntOrPercent, Val};
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;
use crate::source::Span;

use super::{Group, Origin, System, config_maps_of, groups, majority, tolerated, workload_system};

pub struct PdbAllowsQuorumLoss {
    pdb: String,
    /// `maxUnavailable 2`, `minAvailable 50% (2 of 3 pods, rounded up)`.
    budget: String,
    disruptions: i64,
    group: String,
    voters: i64,
    source: String,
    /// Pods the budget counts besides the voters, when it selects more.
    others: Option<String>,
    loss: &'static str,
}

impl Violation for PdbAllowsQuorumLoss {
    const RULE: Rule = Rule::PdbAllowsQuorumLoss;

    fn message(&self) -> String {
        let Self {
            pdb,
            budget,
            disruptions: d,
            group,
            voters: n,
            source,
            others,
            loss,
        } = self;
        let left = n.saturating_sub(*d).max(0);
        let others = others
            .as_ref()
            .map(|o| format!("; it also counts {o}, and the evictions may all land on voters"))
            .unwrap_or_default();
        format!(
            "{pdb} allows {d} voluntary disruption(s) ({budget}) of {group} with {n} voting members ({source}){others}: a drain that evicts {d} leaves {left}, below the majority of {}, so {loss}",
            majority(*n)
        )
    }

    fn help(&self) -> Option<String> {
        let n = self.voters;
        let t = tolerated(n);
        Some(if t < 1 {
            format!(
                "{n} members survive no eviction: run {} members and set maxUnavailable: 1",
                n + 1
            )
        } else {
            format!(
                "set maxUnavailable: 1 (at most {t} for {n} members) or minAvailable: {} (the majority), so a drain waits until evicted members are back",
                majority(n)
            )
        })
    }

    fn subject(&self) -> String {
        format!("{}/quorum", self.pdb)
    }
}

/// A consensus group made of Kubernetes workloads, as this rule needs it.
struct Quorum {
    /// The workloads whose pods are the voters.
    members: Vec<usize>,
    voters: i64,
    name: String,
    source: String,
    /// Where its size is set.
    span: Span,
    loss: &'static str,
}

pub fn check(model: &Model, out: &mut Findings) {
    // PDB index → the workloads it selects, from the model's links.
    let mut selected: Vec<Vec<usize>> = vec![Vec::new(); model.pdbs.len()];
    for (wi, _) in model.indexed_workloads() {
        for &p in &model.links(wi).pdbs {
            if let Some(list) = selected.get_mut(p) {
                list.push(wi);
            }
        }
    }
    let mut quorums: Vec<Quorum> = groups(model)
        .iter()
        .filter_map(|g| {
            // Groups sized by workloads' replicas or their shared member list.
            let Origin::Workload(first) = g.origin else {
                return None;
            };
            Some(Quorum {
                members: members(model, first, g),
                voters: g.voters,
                loss: g.system.loss(),
                name: g.name.clone(),
                source: g.source.clone(),
                span: g.span,
            })
        })
        .collect();
    sentinel_quorums(model, &mut quorums);
    for q in quorums {
        // A single member has no quorum a budget could keep (SL302 reports
        // its size).
        if q.voters < 2 {
            continue;
        }
        let mut budgets: Vec<usize> = q
            .members
            .iter()
            .flat_map(|&wi| model.links(wi).pdbs.iter().copied())
            .collect();
        budgets.sort_unstable();
        budgets.dedup();
        for pi in budgets {
            let (Some(pdb), Some(sel)) = (model.pdbs.get(pi), selected.get(pi)) else {
                continue;
            };
            judge(model, &q, pdb, sel, out);
        }
    }
}

fn judge(model: &Model, q: &Quorum, pdb: &Pdb, selected: &[usize], out: &mut Findings) {
    let ws = model.prefer_alternatives_in(pdb.meta.file, selected);
    // The pods the budget counts: every workload it selects, each at a
    // fixed size; how many of them are voters.
    let mut total = 0i64;
    let mut voter_pods = 0i64;
    let mut others = Vec::new();
    for &o in &ws {
        let (Some(e), Some(w)) = (model.envelope(o), model.workloads.get(o)) else {
            return;
        };
        if e.min.value != e.max.value {
            return;
        }
        let n = e.max.value.max(0);
        total = total.saturating_add(n);
        if q.members.contains(&o) {
            voter_pods = voter_pods.saturating_add(n);
        } else {
            let at = e.max.source.span().unwrap_or(w.meta.kind_span);
            others.push((at, format!("{n} pod(s) of {}", w.display())));
        }
    }
    if total < 1 || voter_pods < 1 {
        return;
    }
    let (disruptions, span, budget) = match (pdb.max_unavailable, pdb.min_available) {
        (Val::Set(m, at), Val::Absent) => {
            let d = m.resolve(total, true);
            (d, at, describe("maxUnavailable", m, d, total))
        }
        (Val::Absent, Val::Set(k, at)) => {
            let keep = k.resolve(total, true);
            let d = total.saturating_sub(keep).max(0);
            (d, at, describe("minAvailable", k, keep, total))
        }
        // Both (rejected by the API server), neither, or unreadable.
        _ => return,
    };
    // Evictions can only take the voters the budget covers.
    let d = disruptions.min(q.voters).min(voter_pods);
    if d <= tolerated(q.voters) {
        return;
    }
    let v = PdbAllowsQuorumLoss {
        pdb: pdb.display(),
        budget,
        disruptions: d,
        group: q.name.clone(),
        voters: q.voters,
        source: q.source.clone(),
        others: (!others.is_empty()).then(|| {
            others
                .iter()
                .map(|(_, o)| o.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        }),
        loss: q.loss,
    };
    let f = out.report(v, span);
    f.related(q.span, format!("{}: the voting members", q.source));
    for (at, o) in others {
        f.related(at, format!("{o}, also counted by this budget"));
    }
}

/// Sentinel pods that run with a sentinel.conf of the tree held in a
/// ConfigMap (the groups leave them to the file): the workloads that mount
/// the ConfigMap are one Sentinel group.
fn sentinel_quorums(model: &Model, out: &mut Vec<Quorum>) {
    let index = model.mounts();
    let mut seen: Vec<Vec<usize>> = Vec::new();
    for conf in model
        .redis
        .iter()
        .filter(|c| c.sentinel && !c.monitors.is_empty())
    {
        let mut members: Vec<usize> = Vec::new();
        for (ns, cm) in config_maps_of(model, conf) {
            // As `sentinel_count` reads it: a ConfigMap without a written
            // namespace is matched by name.
            members.extend(index.workloads_mounting_config_map(ns.as_deref(), &cm));
        }
        members.retain(|&wi| {
            model
                .workloads
                .get(wi)
                .is_some_and(|w| workload_system(w) == Some(System::Sentinel))
        });
        members.sort_unstable();
        members.dedup();
        if members.is_empty() || seen.contains(&members) {
            continue;
        }
        let mut voters = 0i64;
        let mut parts = Vec::new();
        for &wi in &members {
            let (Some(e), Some(w)) = (model.envelope(wi), model.workloads.get(wi)) else {
                voters = -1;
                break;
            };
            if e.min.value != e.max.value {
                voters = -1;
                break;
            }
            voters = voters.saturating_add(e.max.value.max(0));
            parts.push(format!("{} × {}", w.display(), e.max.value));
        }
        let Some(first) = members.first().and_then(|&wi| {
            let w = model.workloads.get(wi)?;
            let e = model.envelope(wi)?;
            Some(e.max.source.span().unwrap_or(w.meta.kind_span))
        }) else {
            continue;
        };
        if voters < 0 {
            continue;
        }
        seen.push(members.clone());
        out.push(Quorum {
            members,
            voters,
            name: format!(
                "the {} monitoring `{}`",
                System::Sentinel.group_noun(),
                conf.monitors.first().map_or("", |m| m.master.as_str())
            ),
            source: format!("{} run sentinel with its ConfigMap", parts.join(" + ")),
            span: first,
            loss: System::Sentinel.loss(),
        });
    }
}

/// The workloads of a group: its one workload, or the workloads of its
/// namespace named in its host list that run the same system (one
/// Deployment per etcd member, say).
fn members(model: &Model, first: usize, g: &Group) -> Vec<usize> {
    let Some(w) = model.workloads.get(first) else {
        return Vec::new();
    };
    if g.hosts.len() < 2 {
        return vec![first];
    }
    model
        .workloads_in(&w.namespace)
        .iter()
        .copied()
        .filter(|&o| {
            model.workloads.get(o).is_some_and(|m| {
                g.hosts.iter().any(|h| h == m.meta.name) && workload_system(m) == Some(g.system)
            })
        })
        .collect()
}

/// `maxUnavailable 2`, or `minAvailable 50% (2 of 3 pods, rounded up)`.
fn describe(field: &str, written: IntOrPercent, resolved: i64, total: i64) -> String {
    match written {
        IntOrPercent::Int(_) => format!("{field} {written}"),
        IntOrPercent::Percent(_) => {
            format!("{field} {written} = {resolved} of {total} pods, rounded up")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Findings;
    use crate::model::from_yaml;

    fn zk(replicas: &str, budget: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: zk, namespace: data}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: zk}}}}
  template:
    metadata: {{labels: {{app: zk}}}}
    spec:
      containers: [{{name: zk, image: zookeeper:3.9}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: zk, namespace: data}}
spec:
  selector: {{matchLabels: {{app: zk}}}}
  {budget}
"
        )
    }

    fn fires(replicas: &str, budget: &str) -> bool {
        let m = from_yaml(&[("zk.yaml", &zk(replicas, budget))]);
        let mut out = Findings::new(crate::rules::RuleSet::all());
        check(&m, &mut out);
        !out.into_vec().is_empty()
    }

    #[test]
    fn arithmetic_of_majorities_and_rounding() {
        // 3 voters survive 1 eviction, not 2.
        assert!(!fires("3", "maxUnavailable: 1"));
        assert!(fires("3", "maxUnavailable: 2"));
        // 4 voters: majority 3, so 2 evictions already lose it.
        assert!(fires("4", "maxUnavailable: 2"));
        assert!(!fires("4", "minAvailable: 3"));
        assert!(fires("4", "minAvailable: 2"));
        // 5 voters: 34% of 5 rounds up to 2 (fine), 50% to 3 (lost).
        assert!(!fires("5", "maxUnavailable: 34%"));
        assert!(fires("5", "maxUnavailable: 50%"));
        // minAvailable 50% of 3 rounds up to 2: a majority.
        assert!(!fires("3", "minAvailable: 50%"));
        assert!(fires("3", "minAvailable: 1"));
        // 2 voters survive no eviction.
        assert!(fires("2", "maxUnavailable: 1"));
        // A single member, an unreadable or blocking budget: silent.
        assert!(!fires("1", "maxUnavailable: 1"));
        assert!(!fires("3", "maxUnavailable: lots"));
        assert!(!fires("3", "maxUnavailable: 0"));
        assert!(!fires("three", "maxUnavailable: 2"));
    }
}
