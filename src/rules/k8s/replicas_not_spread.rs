//! SL109 replicas-not-spread. Docs: rules/replicas-not-spread.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
