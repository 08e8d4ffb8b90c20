//! SL406 standby-max-connections-below-primary. Docs: rules/standby-max-connections-below-primary.toml

use crate::finding::{Findings, Violation};
use crate::model::Model;
use crate::model::capacity::{DbServer, Engine, Term};
use crate::rules::Rule;

pub struct StandbyMaxConnectionsBelowPrimary {
    standby: String,
    own: String,
    primary: String,
    theirs: String,
    via: String,
    needed: i64,
}

impl Violation for StandbyMaxConnectionsBelowPrimary {
    const RULE: Rule = Rule::StandbyMaxConnectionsBelowPrimary;

    fn message(&self) -> String {
        let Self {
            standby,
            own,
            primary,
            theirs,
            via,
            ..
        } = self;
        format!(
            "standby {standby} has max_connections {own} < {theirs} on its primary {primary} (named by {via}): PostgreSQL aborts recovery on a hot standby whose max_connections is below the primary's (\"recovery aborted because of insufficient parameter settings\"), so the standby does not start"
        )
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "set max_connections on the standby to at least {} (raise standbys before the primary, lower the primary before its standbys)",
            self.needed
        ))
    }

    fn subject(&self) -> String {
        format!("{}/primary/{}", self.standby, self.primary)
    }
}

fn term(t: &Term) -> String {
    format!("{} ({})", t.value, t.source)
}

/// A server's max_connections, unless it is a default of a server that
/// may read its settings from a file scalelint does not read.
fn known(model: &Model, index: usize) -> Option<&DbServer> {
    let cap = &model.capacity;
    let s = cap.servers.get(index)?;
    let defaulted = s.max_connections.span.is_none() && s.max_connections.source == "default";
    (s.engine == Engine::Postgres && !(defaulted && cap.config_hinted.contains(&index)))
        .then_some(s)
}

pub fn check(model: &Model, out: &mut Findings) {
    for st in &model.capacity.standbys {
        let (Some(standby), Some(primary)) = (known(model, st.server), known(model, st.primary))
        else {
            continue;
        };
        let (own, theirs) = (&standby.max_connections, &primary.max_connections);
        if own.value >= theirs.value {
            continue;
        }
        let via = format!("{}: {}", st.link.via, st.link.host);
        let f = out.report(
            StandbyMaxConnectionsBelowPrimary {
                standby: standby.display.clone(),
                own: term(own),
                primary: primary.display.clone(),
                theirs: term(theirs),
                via: via.clone(),
                needed: theirs.value,
            },
            own.span.unwrap_or(standby.kind_span),
        );
        f.related(
            theirs.span.unwrap_or(primary.kind_span),
            format!(
                "max_connections {} of the primary {}",
                term(theirs),
                primary.display
            ),
        );
        if let Some(span) = st.link.span {
            f.related(span, format!("the standby's primary ({via})"));
        }
    }
}
