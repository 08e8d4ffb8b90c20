//! SL105 memory-limit-missing. Docs: rules/memory-limit-missing.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
