//! SL305 sentinel-down-after-too-low. Docs: rules/sentinel-down-after-too-low.toml

use crate::extract::Val;
use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::rules::Rule;

/// Below this, a pause or blip is taken for a dead master.
const MIN_DOWN_AFTER_MS: i64 = 5000;

pub struct SentinelDownAfterTooLow {
    master: String,
    millis: i64,
}

impl Violation for SentinelDownAfterTooLow {
    const RULE: Rule = Rule::SentinelDownAfterTooLow;

    fn message(&self) -> String {
        let Self { master, millis } = self;
        format!(
            "down-after-milliseconds {millis} for master `{master}` is under {MIN_DOWN_AFTER_MS}: a garbage-collection pause, a slow fork or a network blip of {millis} ms marks the master down and can start a failover (the default is 30000)"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "raise down-after-milliseconds to {MIN_DOWN_AFTER_MS} or more (the default 30000 suits most setups)"
        ))
    }

    fn subject(&self) -> String {
        format!("sentinel/{}/down-after", self.master)
    }
}

pub fn check(model: &Model, out: &mut Findings) {
    for conf in model.redis.iter().filter(|c| c.sentinel) {
        for s in &conf.down_after {
            if let Val::Set(millis, _) = s.value
                && millis < MIN_DOWN_AFTER_MS
            {
                let v = SentinelDownAfterTooLow {
                    master: s.master.clone(),
                    millis,
                };
                out.report(v, s.span);
            }
        }
    }
}
