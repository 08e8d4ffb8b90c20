//! SL201 hpa-target-missing. Docs: rules/hpa-target-missing.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
