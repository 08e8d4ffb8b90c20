//! SL106 rolling-update-stalled. Docs: rules/rolling-update-stalled.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
