//! SL107 pdb-missing. Docs: rules/pdb-missing.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
