//! SL207 stabilization-window-missing. Docs: rules/stabilization-window-missing.toml

use crate::extract::Val;
use crate::extract::autoscaling::{Autoscaler, ScalerKind};
use crate::finding::{Findings, Severity, Violation};
use crate::model::Model;
use crate::rules::Rule;

pub struct StabilizationWindowMissing {
    autoscaler: String,
    /// The metrics that are not cpu/memory resource metrics (`External`,
    /// `kafka`, …); empty when only resource metrics drive it.
    noisy: Vec<String>,
    keda: bool,
    /// `autoscaling/v1`, which has no `behavior` field.
    v1: bool,
}

impl Violation for StabilizationWindowMissing {
    const RULE: Rule = Rule::StabilizationWindowMissing;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            noisy,
            keda,
            ..
        } = self;
        let what = if *keda {
            "sets no advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds"
        } else {
            "sets no behavior.scaleDown.stabilizationWindowSeconds"
        };
        if noisy.is_empty() && !keda {
            return format!(
                "{autoscaler} {what}: the default 300 s window applies, which suits its cpu/memory metrics, but the choice is not written down"
            );
        }
        let kind = if *keda { "triggers" } else { "metrics" };
        let metrics = if noisy.is_empty() {
            format!("its {kind}")
        } else {
            format!("its {} {kind}", noisy.join(", "))
        };
        format!(
            "{autoscaler} {what}, so {metrics} drive it with the defaults: scale-up is immediate (no window, up to 4 pods or double every 15 s) and scale-down waits 300 s, so every burst overshoots and the extra pods stay for 5 minutes"
        )
    }

    fn help(&self) -> Option<String> {
        Some(if self.v1 {
            "move to autoscaling/v2 and set behavior.scaleDown.stabilizationWindowSeconds (and scaleUp if the metric is spiky)".to_string()
        } else if self.keda {
            "set advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds (300 is the HPA default) and, for spiky triggers, a scaleUp window or policy".to_string()
        } else {
            "set behavior.scaleDown.stabilizationWindowSeconds explicitly (300 is the default) and, for spiky metrics, a scaleUp window or policy".to_string()
        })
    }

    fn subject(&self) -> String {
        format!("{}/scaleDown.stabilizationWindowSeconds", self.autoscaler)
    }

    fn severity(&self) -> Option<Severity> {
        (self.noisy.is_empty() && !self.keda).then_some(Severity::Note)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for a in &model.autoscalers {
        // Set (SL206 judges it) or unreadable: nothing to say.
        if !matches!(a.scale_down_window, Val::Absent) {
            continue;
        }
        let keda = a.kind == ScalerKind::ScaledObject;
        let v = StabilizationWindowMissing {
            autoscaler: a.display(),
            noisy: noisy_metrics(a),
            keda,
            v1: a.meta.api_version == "autoscaling/v1",
        };
        out.report(v, location(a));
    }
}

/// Metrics other than cpu/memory resource metrics, named as written (the
/// implicit default metric is 80 % cpu, a resource metric).
fn noisy_metrics(a: &Autoscaler) -> Vec<String> {
    let mut names: Vec<String> = a
        .metrics
        .iter()
        .filter(|m| !m.is_resource())
        .map(|m| {
            if m.source.is_empty() {
                "untyped".to_string()
            } else {
                m.source.to_string()
            }
        })
        .collect();
    names.dedup();
    names
}

fn location(a: &Autoscaler) -> crate::source::Span {
    match a.kind {
        ScalerKind::Hpa => a.behavior_key.or(a.metrics_key).unwrap_or(a.meta.kind_span),
        ScalerKind::ScaledObject => a.metrics_key.unwrap_or(a.spec_key),
    }
}
