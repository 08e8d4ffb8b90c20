//! SL203 hpa-missing-resource-requests. Docs: rules/hpa-missing-resource-requests.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
