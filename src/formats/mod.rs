//! One parser per input format, each producing a tree whose nodes carry spans.

pub mod haproxy;
pub mod nginx;
pub mod yaml;
