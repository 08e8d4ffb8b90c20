//! SL210 hpa-max-below-replicas. Docs: rules/hpa-max-below-replicas.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
