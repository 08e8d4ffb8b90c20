//! SL208 keda-defaults-risky. Docs: rules/keda-defaults-risky.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
