//! SL206 scale-down-stabilization-too-short. Docs: rules/scale-down-stabilization-too-short.toml

use crate::extract::Val;
use crate::extract::autoscaling::ScalerKind;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

/// Below this many seconds a scale-down window does not ride out ordinary
/// metric noise.
const MIN_WINDOW_SECONDS: i64 = 60;

/// The HPA's default scale-down window.
const DEFAULT_WINDOW_SECONDS: i64 = 300;

pub struct ScaleDownStabilizationTooShort {
    autoscaler: String,
    seconds: i64,
    keda: bool,
}

impl Violation for ScaleDownStabilizationTooShort {
    const RULE: Rule = Rule::ScaleDownStabilizationTooShort;

    fn message(&self) -> String {
        let Self {
            autoscaler,
            seconds,
            keda,
        } = self;
        let field = if *keda {
            "advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds"
        } else {
            "behavior.scaleDown.stabilizationWindowSeconds"
        };
        format!(
            "{autoscaler} sets {field} {seconds}, below {MIN_WINDOW_SECONDS} (the default is {DEFAULT_WINDOW_SECONDS}): every short dip in the metric removes pods that the next spike has to start again, so the replica count flaps"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set scaleDown.stabilizationWindowSeconds to at least {MIN_WINDOW_SECONDS} (or remove it for the {DEFAULT_WINDOW_SECONDS} s default), and limit the pace with scaleDown.policies if it must react faster"
        ))
    }

    fn subject(&self) -> String {
        format!("{}/scaleDown.stabilizationWindowSeconds", self.autoscaler)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for a in &model.autoscalers {
        if let Val::Set(seconds, at) = a.scale_down_window
            && seconds < MIN_WINDOW_SECONDS
        {
            let v = ScaleDownStabilizationTooShort {
                autoscaler: a.display(),
                seconds,
                keda: a.kind == ScalerKind::ScaledObject,
            };
            out.report(v, at);
        }
    }
}
