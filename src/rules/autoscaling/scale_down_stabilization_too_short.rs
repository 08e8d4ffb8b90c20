//! SL206 scale-down-stabilization-too-short. Docs: rules/scale-down-stabilization-too-short.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
