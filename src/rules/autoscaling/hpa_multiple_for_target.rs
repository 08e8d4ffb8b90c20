//! SL209 hpa-multiple-for-target. Docs: rules/hpa-multiple-for-target.toml

use std::collections::HashSet;

use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::extract::k8s::ObjectMeta;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct HpaMultipleForTarget {
    /// The autoscaler reported (second in path order).
    second: String,
    first: String,
    overlap: Overlap,
    /// Both are ScaledObjects, or one is and the other an HPA: KEDA's webhook
    /// rejects the newer one.
    keda: Keda,
}

enum Overlap {
    /// Both name the same workload.
    SameTarget { workload: String },
    /// They scale different workloads whose pod selectors overlap: the
    /// selector of `selector_of` (scaled by `selector_scaler`) picks the pods
    /// of `pods_of` (scaled by `pods_scaler`).
    Selectors {
        selector_of: String,
        selector_scaler: String,
        pods_of: String,
        pods_scaler: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keda {
    None,
    /// A ScaledObject and an HPA.
    Mixed,
    /// Two ScaledObjects.
    Both,
}

impl Violation for HpaMultipleForTarget {
    const RULE: Rule = Rule::HpaMultipleForTarget;

    fn message(&self) -> String {
        let Self {
            second,
            first,
            overlap,
            keda,
        } = self;
        let what = match overlap {
            Overlap::SameTarget { workload } => {
                format!("{second} scales {workload}, which {first} already scales")
            }
            Overlap::Selectors {
                selector_of,
                selector_scaler,
                pods_of,
                pods_scaler,
            } => format!(
                "the selector of {selector_of}, which {selector_scaler} scales, also picks the pods of {pods_of}, which {pods_scaler} scales"
            ),
        };
        let effect = "since Kubernetes 1.26 every HPA on those pods reports AmbiguousSelector and none of them scales (before, they overwrote each other)";
        let webhook = match (keda, overlap) {
            (Keda::Both, Overlap::SameTarget { .. }) => {
                "; KEDA's admission webhook rejects a second ScaledObject for one workload"
            }
            (Keda::Mixed, Overlap::SameTarget { .. }) => {
                "; KEDA's admission webhook rejects a ScaledObject for a workload an HPA already scales"
            }
            _ => "",
        };
        format!("{what}: {effect}{webhook}")
    }

    fn help(&self) -> Option<String> {
        Some(match self.overlap {
            Overlap::SameTarget { .. } => "keep one autoscaler per workload and put all its metrics (or triggers) in it: it scales to the largest recommendation".to_string(),
            Overlap::Selectors { .. } => "give each workload a selector label the other's pods do not carry (for example a distinct app or component label)".to_string(),
        })
    }

    fn subject(&self) -> String {
        match &self.overlap {
            Overlap::SameTarget { .. } => format!("{}/same-target/{}", self.second, self.first),
            Overlap::Selectors { .. } => format!("{}/overlap/{}", self.second, self.first),
        }
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    same_target(model, out);
    overlapping_selectors(model, out);
}

/// Same kind, namespace and name: one object written twice in the tree.
fn same_object(a: &ObjectMeta, b: &ObjectMeta, a_ns: &str, b_ns: &str) -> bool {
    a.kind == b.kind && a.name == b.name && a_ns == b_ns
}

/// Two autoscalers naming one workload: the second in path order is reported.
fn same_target(model: &Model, out: &mut Findings) {
    for (wi, w) in model.indexed_workloads() {
        let mut autoscalers = model.autoscalers_of(wi);
        let Some(first) = autoscalers.next() else {
            continue;
        };
        for second in autoscalers {
            // Copies of one object (test cases, per-environment trees) are
            // not two autoscalers.
            if same_object(
                &first.meta,
                &second.meta,
                &first.namespace,
                &second.namespace,
            ) {
                continue;
            }
            let v = HpaMultipleForTarget {
                second: second.display(),
                first: first.display(),
                overlap: Overlap::SameTarget {
                    workload: w.display(),
                },
                keda: keda(first, second),
            };
            out.report(v, second.target_span).related(
                first.target_span,
                format!("{} scales it too", first.display()),
            );
        }
    }
}

/// HPAs of different workloads whose pod sets overlap: workload A's selector
/// picks pods of workload B (same namespace), and both are autoscaled. Each
/// pair is reported once, at the autoscaler that comes later in path order.
fn overlapping_selectors(model: &Model, out: &mut Findings) {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for (a_wi, a_w) in model.indexed_workloads() {
        let Some(&a_ai) = model.links(a_wi).autoscalers.first() else {
            continue;
        };
        // An empty selector is rejected for workloads; an invalid one picks nothing.
        let Some(selector) = a_w
            .selector
            .as_ref()
            .filter(|s| !s.is_empty() && !s.invalid)
        else {
            continue;
        };
        let candidates = match selector.first_label() {
            Some((k, v)) => model.workloads_labelled(&a_w.namespace, k, v),
            None => model.workloads_in(&a_w.namespace),
        };
        for &b_wi in candidates {
            let Some(b_w) = model.workloads.get(b_wi) else {
                continue;
            };
            let Some(&b_ai) = model.links(b_wi).autoscalers.first() else {
                continue;
            };
            let pair = (a_wi.min(b_wi), a_wi.max(b_wi));
            if b_wi == a_wi || !selector.matches(&b_w.pod_labels) || !seen.insert(pair) {
                continue;
            }
            // Two copies of one workload (alternative trees of one app) are
            // one set of pods, not two.
            if same_object(&a_w.meta, &b_w.meta, &a_w.namespace, &b_w.namespace) {
                continue;
            }
            let (Some(a_scaler), Some(b_scaler)) =
                (model.autoscalers.get(a_ai), model.autoscalers.get(b_ai))
            else {
                continue;
            };
            // Report the later autoscaler in path order.
            let ((first, first_w), second) = if a_ai < b_ai {
                ((a_scaler, a_w), b_scaler)
            } else {
                ((b_scaler, b_w), a_scaler)
            };
            let v = HpaMultipleForTarget {
                second: second.display(),
                first: first.display(),
                overlap: Overlap::Selectors {
                    selector_of: a_w.display(),
                    selector_scaler: a_scaler.display(),
                    pods_of: b_w.display(),
                    pods_scaler: b_scaler.display(),
                },
                keda: keda(first, second),
            };
            out.report(v, second.target_span).related(
                first.target_span,
                format!("{} scales {}", first.display(), first_w.display()),
            );
        }
    }
}

fn keda(a: &Autoscaler, b: &Autoscaler) -> Keda {
    match (a.kind, b.kind) {
        (ScalerKind::ScaledObject, ScalerKind::ScaledObject) => Keda::Both,
        (ScalerKind::Hpa, ScalerKind::Hpa) => Keda::None,
        _ => Keda::Mixed,
    }
}
