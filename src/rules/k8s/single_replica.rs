//! SL110 single-replica. Docs: rules/single-replica.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
