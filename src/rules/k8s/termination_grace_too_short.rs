//! SL111 termination-grace-too-short. Docs: rules/termination-grace-too-short.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
