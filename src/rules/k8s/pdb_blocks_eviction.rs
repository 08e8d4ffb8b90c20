//! SL108 pdb-blocks-eviction. Docs: rules/pdb-blocks-eviction.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
