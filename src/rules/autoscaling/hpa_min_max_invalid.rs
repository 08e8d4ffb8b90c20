//! SL204 hpa-min-max-invalid. Docs: rules/hpa-min-max-invalid.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
