//! SL202 replicas-managed-by-hpa. Docs: rules/replicas-managed-by-hpa.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
