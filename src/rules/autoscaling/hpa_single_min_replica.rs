//! SL205 hpa-single-min-replica. Docs: rules/hpa-single-min-replica.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
