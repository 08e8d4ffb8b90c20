//! One parser per input format, each producing a tree whose nodes carry spans.

pub mod conf;
pub mod haproxy;
pub mod ini;
pub mod nginx;
pub mod nginx_stock;
pub mod xml;
pub mod yaml;
