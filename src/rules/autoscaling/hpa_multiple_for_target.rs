//! SL209 hpa-multiple-for-target. Docs: rules/hpa-multiple-for-target.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
