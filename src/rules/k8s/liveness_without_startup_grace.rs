//! SL103 liveness-without-startup-grace. Docs: rules/liveness-without-startup-grace.toml

use crate::finding::Findings;
use crate::model::Model;

pub fn check(_model: &Model, _out: &mut Findings) {}
