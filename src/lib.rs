//! scalelint finds scaling mistakes in deployment configuration before deploy.
//!
//! The pipeline, one module per stage: `discover` → `formats` (spanned
//! parse) → `extract` (facts) → `model` (joined) → `rules` → `suppress`
//! → `report`.

pub mod cli;
pub mod comments;
pub mod config;
pub mod discover;
pub mod extract;
pub mod finding;
pub mod formats;
pub mod lint;
pub mod model;
pub mod panics;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
