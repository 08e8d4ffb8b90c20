//! SL6xx: docker compose.

pub mod container_name_prevents_scaling;
pub mod depends_on_not_ready;
pub mod fixed_host_port_scaled;
pub mod resources_missing;

use crate::extract::compose::Service;

/// Containers a service runs when it is scaled: `deploy.replicas`, else
/// `scale`; `None` when unset (one container) or unreadable.
pub(crate) fn scaled(s: &Service) -> Option<(i64, crate::source::Span, &'static str)> {
    match (s.replicas, s.scale) {
        (crate::extract::Val::Set(n, span), _) => Some((n, span, "deploy.replicas")),
        (crate::extract::Val::Absent, crate::extract::Val::Set(n, span)) => {
            Some((n, span, "scale"))
        }
        _ => None,
    }
}
