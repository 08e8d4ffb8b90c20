//! SL102 liveness-equals-readiness. Docs: rules/liveness-equals-readiness.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
