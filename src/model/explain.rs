//! `--explain-facts`: what the model read and linked, so a user can see why
//! a cross-file rule did or did not fire.

use serde_json::{Value, json};

use crate::source::{SourceFile, Span};

use super::Model;
use super::capacity::Term;

fn at(files: &[SourceFile], span: Option<Span>) -> Value {
    match span.and_then(|s| files.get(s.file.0 as usize).map(|f| (f, s))) {
        Some((f, s)) => json!({"path": f.display, "line": s.start.line, "column": s.start.col}),
        None => Value::Null,
    }
}

fn term(files: &[SourceFile], t: &Term) -> Value {
    json!({"value": t.value, "from": t.source, "at": at(files, t.span)})
}

/// The facts as JSON: workloads with their links and replica envelopes,
/// database servers with their clients, poolers, and Kafka topics.
pub fn facts(model: &Model, files: &[SourceFile]) -> Value {
    let workloads: Vec<Value> = model
        .indexed_workloads()
        .map(|(wi, w)| {
            let links = model.links(wi);
            let envelope = model.envelope(wi).map(|e| {
                let bound = |b: &super::Bound| {
                    json!({"value": b.value, "from": b.source.describe(), "at": at(files, b.source.span())})
                };
                json!({"min": bound(&e.min), "max": bound(&e.max)})
            });
            json!({
                "workload": w.display(),
                "at": at(files, Some(w.meta.kind_span)),
                "replicas": envelope,
                "served": model.is_served(wi),
                "services": links.services.iter().filter_map(|&s| model.services.get(s)).map(|s| s.meta.display(&s.namespace)).collect::<Vec<_>>(),
                "pdbs": links.pdbs.iter().filter_map(|&p| model.pdbs.get(p)).map(|p| p.display()).collect::<Vec<_>>(),
                "autoscalers": model.autoscalers_of(wi).map(|a| a.display()).collect::<Vec<_>>(),
                "vpas": model.vpas_of(wi).map(|v| v.display()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let cap = &model.capacity;
    let client = |c: &super::capacity::DbClient| {
        let scale = model.client_scale(c);
        json!({
            "workload": scale.as_ref().map(|s| s.0.clone()),
            "container": c.container,
            "host": c.host.0,
            "host_at": at(files, Some(c.host.1)),
            "pool": term(files, &c.pool),
            "overflow": c.overflow.as_ref().map(|t| term(files, t)),
            "processes": c.processes.as_ref().map(|t| term(files, t)),
            "max_replicas": scale.as_ref().map(|s| json!({"value": s.1, "from": s.2})),
            "connections": scale.map(|s| c.per_pod().saturating_mul(s.1)),
        })
    };
    let databases: Vec<Value> = cap
        .servers
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let mut v = json!({
                "server": s.display,
                "at": at(files, Some(s.kind_span)),
                "max_connections": term(files, &s.max_connections),
                "superuser_reserved_connections": term(files, &s.superuser_reserved),
                "reserved_connections": term(files, &s.reserved),
                "usable": s.usable(),
                "clients": cap.clients.iter().filter(|c| c.server == si).map(client).collect::<Vec<_>>(),
            });
            // A hot standby: the primary it replicates from.
            if let Some(st) = cap.standbys.iter().find(|st| st.server == si)
                && let Some(primary) = cap.servers.get(st.primary)
                && let Some(obj) = v.as_object_mut()
            {
                obj.insert(
                    "standby_of".into(),
                    json!({"server": primary.display, "via": st.link.via, "at": at(files, st.link.span)}),
                );
            }
            v
        })
        .collect();
    let poolers: Vec<Value> = cap
        .poolers
        .iter()
        .enumerate()
        .map(|(pi, (p, server))| {
            json!({
                "pooler": p.meta.display(&p.namespace),
                "at": at(files, Some(p.meta.kind_span)),
                "server": server.and_then(|s| cap.servers.get(s)).map(|s| s.display.clone()),
                "clients": cap.pooler_clients.iter().filter(|c| c.server == pi).map(client).collect::<Vec<_>>(),
            })
        })
        .collect();
    let topics: Vec<Value> = cap
        .topics
        .iter()
        .map(|t| {
            json!({
                "topic": t.topic,
                "object": t.meta.name,
                "at": at(files, Some(t.meta.kind_span)),
                "partitions": t.partitions.map(|(n, s)| json!({"value": n, "at": at(files, Some(s))})),
                "cluster": t.cluster,
            })
        })
        .collect();
    json!({
        "workloads": workloads,
        "databases": databases,
        "poolers": poolers,
        "topics": topics,
    })
}

/// The same facts as indented text.
// `Value[&str]` yields `Null` for a missing key or a non-object and never
// panics, so indexing is the plain way to read the JSON built above.
#[allow(clippy::indexing_slicing)]
pub fn render_text(facts: &Value) -> String {
    let mut out = String::new();
    let loc = |v: &Value| match (v["path"].as_str(), v["line"].as_u64()) {
        (Some(p), Some(l)) => format!(" ({p}:{l})"),
        _ => String::new(),
    };
    let term = |v: &Value| {
        format!(
            "{} ({}){}",
            v["value"],
            v["from"].as_str().unwrap_or(""),
            loc(&v["at"])
        )
    };
    let empty = Vec::new();
    let list = |v: &Value| v.as_array().unwrap_or(&empty).clone();
    out.push_str("Workloads:\n");
    for w in list(&facts["workloads"]) {
        out.push_str(&format!(
            "  {}{}\n",
            w["workload"].as_str().unwrap_or(""),
            loc(&w["at"])
        ));
        let (min, max) = (&w["replicas"]["min"], &w["replicas"]["max"]);
        if min["from"] == max["from"] && !min.is_null() {
            out.push_str(&format!(
                "    replicas: {} ({})\n",
                min["value"],
                min["from"].as_str().unwrap_or("")
            ));
        } else if !min.is_null() {
            out.push_str(&format!(
                "    replicas: {} to {} ({}; {})\n",
                min["value"],
                max["value"],
                min["from"].as_str().unwrap_or(""),
                max["from"].as_str().unwrap_or("")
            ));
        }
        for (key, label) in [
            ("services", "served by"),
            ("pdbs", "guarded by"),
            ("autoscalers", "scaled by"),
            ("vpas", "resized by"),
        ] {
            let names: Vec<String> = list(&w[key])
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if !names.is_empty() {
                out.push_str(&format!("    {label}: {}\n", names.join(", ")));
            }
        }
    }
    out.push_str("Databases:\n");
    for d in list(&facts["databases"]) {
        out.push_str(&format!(
            "  {}{}: max_connections {}, usable {}\n",
            d["server"].as_str().unwrap_or(""),
            loc(&d["at"]),
            term(&d["max_connections"]),
            d["usable"]
        ));
        if let Some(primary) = d["standby_of"]["server"].as_str() {
            out.push_str(&format!(
                "    standby of {primary} (by {}){}\n",
                d["standby_of"]["via"].as_str().unwrap_or(""),
                loc(&d["standby_of"]["at"])
            ));
        }
        for c in list(&d["clients"]) {
            out.push_str(&format!(
                "    client {} `{}` via {}: pool {}, processes {}, max replicas {} = {} connections\n",
                c["workload"].as_str().unwrap_or(""),
                c["container"].as_str().unwrap_or(""),
                c["host"].as_str().unwrap_or(""),
                term(&c["pool"]),
                if c["processes"].is_null() { "1".to_string() } else { term(&c["processes"]) },
                c["max_replicas"]["value"],
                c["connections"]
            ));
        }
    }
    out.push_str("Poolers:\n");
    for p in list(&facts["poolers"]) {
        out.push_str(&format!(
            "  {}{} in front of {}\n",
            p["pooler"].as_str().unwrap_or(""),
            loc(&p["at"]),
            p["server"].as_str().unwrap_or("a server outside the tree")
        ));
    }
    out.push_str("Kafka topics:\n");
    for t in list(&facts["topics"]) {
        out.push_str(&format!(
            "  {}{}: {} partitions\n",
            t["topic"].as_str().unwrap_or(""),
            loc(&t["at"]),
            t["partitions"]["value"]
        ));
    }
    out
}
