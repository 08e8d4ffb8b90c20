//! SL207 stabilization-window-missing. Docs: rules/stabilization-window-missing.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
