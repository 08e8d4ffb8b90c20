//! ClickHouse server configuration: `config.xml`, `config.d/*.xml`, their
//! YAML forms, and `include_from` substitution files, merged the way
//! ClickHouse merges them; then clusters, shards, replicas, the
//! ZooKeeper node list and the Keeper raft group read from the result.
//!
//! Merging (ClickHouse's `ConfigProcessor::mergeRecursive`): the files of
//! `config.d/` are applied to the main config in name order; an element
//! merges into the first not yet merged element of the same name and
//! attributes, `replace="1"` replaces it, `remove="1"` deletes it, anything
//! else is appended. `incl="name"` then takes the children of `<name>` from
//! the substitutions file (`<include_from>`, looked up only among the files
//! of the scanned tree, by name, never at the path written).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::extract::Val;
use crate::formats::xml::{Attr, Comment, Element};
use crate::formats::yaml::Y;
use crate::source::{FileId, Span};

/// How deep `incl` substitutions may nest.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Which configuration a file belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavor {
    /// The server config (`config.xml` + `config.d`/`conf.d`).
    Server,
    /// `users.xml` + `users.d`: merged apart, never read for quorum.
    Users,
}

/// One parsed ClickHouse config file, before merging.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub file: FileId,
    pub path: PathBuf,
    pub root: Element,
    /// The file's XML comments, for inline suppressions.
    pub comments: Vec<Comment>,
}

/// A file name that ClickHouse loads as a main config.
fn is_main(name: &str) -> bool {
    matches!(
        name,
        "config.xml" | "config.yaml" | "config.yml" | "keeper_config.xml" | "keeper_config.yaml"
    )
}

/// The directory and flavour a file's config is merged under: a file of a
/// `config.d`-like directory belongs to the config of the directory above;
/// a main config to its own directory; anything else stands alone.
fn group_of(path: &Path) -> (PathBuf, Flavor, bool) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new(""));
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let above = dir.parent().unwrap_or(Path::new("")).to_path_buf();
    match dir_name.as_str() {
        "config.d" | "conf.d" | "keeper_config.d" => (above, Flavor::Server, false),
        "users.d" => (above, Flavor::Users, false),
        _ if is_main(&name) => (dir.to_path_buf(), Flavor::Server, true),
        _ if name == "users.xml" || name == "users.yaml" => {
            (dir.to_path_buf(), Flavor::Users, true)
        }
        _ => (path.to_path_buf(), Flavor::Server, true),
    }
}

/// A `<remote_servers>` cluster after merging.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub name: String,
    pub span: Span,
    pub shards: Vec<Shard>,
}

#[derive(Clone, Debug)]
pub struct Shard {
    /// The `<shard>` start tag.
    pub span: Span,
    pub replicas: Vec<Span>,
    /// `<internal_replication>`: the element's span when written.
    pub internal_replication: Val<bool>,
}

/// A member of a consensus group as a config lists it.
#[derive(Clone, Debug)]
pub struct Member {
    pub host: String,
    pub span: Span,
    /// Takes part in votes (Keeper `can_become_leader=false` does not).
    pub voter: bool,
}

/// One ClickHouse server config after merging.
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    /// The main file, or the first file of a group without one.
    pub file: Option<FileId>,
    pub files: Vec<FileId>,
    pub clusters: Vec<Cluster>,
    /// `<zookeeper><node>` entries (ZooKeeper or Keeper, as a client).
    pub zookeeper: Vec<Member>,
    /// The `<zookeeper>` element.
    pub zookeeper_span: Option<Span>,
    /// `<keeper_server><raft_configuration><server>` entries.
    pub keeper: Vec<Member>,
    pub keeper_span: Option<Span>,
    /// Some element's text names a Replicated* engine.
    pub mentions_replicated: bool,
}

/// A problem found while merging: a cycle of substitutions.
#[derive(Clone, Debug)]
pub struct MergeProblem {
    pub span: Span,
    pub message: String,
}

/// Merges the files of each config and reads the result.
pub fn build(files: &[ConfigFile]) -> (Vec<ServerConfig>, Vec<MergeProblem>) {
    let mut groups: BTreeMap<(PathBuf, Flavor), Vec<(bool, &ConfigFile)>> = BTreeMap::new();
    for f in files {
        let (dir, flavor, main) = group_of(&f.path);
        groups.entry((dir, flavor)).or_default().push((main, f));
    }
    // Main config first, then overrides in name order (ClickHouse sorts them).
    let mut groups: Vec<(PathBuf, Vec<(bool, &ConfigFile)>)> = groups
        .into_iter()
        .filter(|((_, flavor), _)| *flavor == Flavor::Server)
        .map(|((dir, _), mut members)| {
            members.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
            (dir, members)
        })
        .collect();
    // The substitutions file of each group: `<include_from>`, or ClickHouse's
    // default `metrika.xml` for a group with a main config.
    let substitutions: Vec<Option<&ConfigFile>> = groups
        .iter()
        .map(|(dir, members)| {
            let written = members.iter().find_map(|(_, f)| {
                let p = f.root.child_text("include_from")?;
                Path::new(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
            });
            let has_main = members.iter().any(|(main, f)| {
                *main
                    && f.path
                        .file_name()
                        .is_some_and(|n| is_main(&n.to_string_lossy()))
            });
            match written {
                Some(name) => find_include(files, dir, &name, true),
                None if has_main => find_include(files, dir, "metrika.xml", false),
                None => None,
            }
        })
        .collect();
    let used: Vec<FileId> = substitutions.iter().flatten().map(|f| f.file).collect();
    // A substitutions file is not a config of its own.
    let keep: Vec<bool> = groups
        .iter()
        .map(|(_, m)| !m.iter().all(|(_, f)| used.contains(&f.file)))
        .collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, (_, members)) in groups.iter_mut().enumerate() {
        if !keep.get(i).copied().unwrap_or(true) {
            continue;
        }
        let Some((_, first)) = members.first() else {
            continue;
        };
        let mut merged = first.root.clone();
        for (_, over) in members.iter().skip(1) {
            merge(&mut merged, &over.root);
        }
        if let Some(Some(subst)) = substitutions.get(i) {
            let mut stack = Vec::new();
            substitute(&mut merged, &subst.root, &mut stack, &mut problems);
        }
        let mut config = read(&merged);
        config.file = Some(first.file);
        config.files = members.iter().map(|(_, f)| f.file).collect();
        out.push(config);
    }
    (out, problems)
}

/// The substitutions file named `name`, nearest to the config's directory:
/// in it, then anywhere below it, then (when `anywhere`) anywhere in the
/// tree. Only files of the scanned tree are ever candidates.
fn find_include<'a>(
    files: &'a [ConfigFile],
    dir: &Path,
    name: &str,
    anywhere: bool,
) -> Option<&'a ConfigFile> {
    let named = || {
        files.iter().filter(move |f| {
            f.path
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == name)
        })
    };
    named()
        .find(|f| f.path.parent() == Some(dir))
        .or_else(|| named().find(|f| f.path.starts_with(dir)))
        .or_else(|| named().find(|_| anywhere))
}

/// Attributes that steer merging and are not part of an element's identity.
fn is_merge_attr(a: &Attr) -> bool {
    matches!(
        a.name.as_str(),
        "replace" | "remove" | "incl" | "from_zk" | "from_env" | "optional"
    )
}

fn identity(e: &Element) -> Vec<(&str, &str)> {
    let mut v: Vec<(&str, &str)> = e
        .attrs
        .iter()
        .filter(|a| !is_merge_attr(a))
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    v.sort_unstable();
    v
}

fn same_identity(a: &Element, b: &Element) -> bool {
    a.name == b.name && identity(a) == identity(b)
}

fn flag(e: &Element, name: &str) -> bool {
    e.attr(name)
        .is_some_and(|v| matches!(v.trim(), "1" | "true"))
}

/// Merges `over` into `base` as ClickHouse does.
pub fn merge(base: &mut Element, over: &Element) {
    if !over.text.is_empty() {
        // The value now comes from the override: point there.
        base.text = over.text.clone();
        base.text_span = over.text_span;
        base.span = over.span;
    }
    for a in over
        .attrs
        .iter()
        .filter(|a| !matches!(a.name.as_str(), "replace" | "remove"))
    {
        match base.attrs.iter_mut().find(|b| b.name == a.name) {
            Some(b) => *b = a.clone(),
            None => base.attrs.push(a.clone()),
        }
    }
    let mut merged = vec![false; base.children.len()];
    let mut removed = vec![false; base.children.len()];
    let mut appended = Vec::new();
    for child in &over.children {
        let found =
            base.children.iter().enumerate().position(|(i, b)| {
                !merged.get(i).copied().unwrap_or(true) && same_identity(b, child)
            });
        match found {
            Some(i) => {
                if let Some(m) = merged.get_mut(i) {
                    *m = true;
                }
                if flag(child, "remove") {
                    if let Some(r) = removed.get_mut(i) {
                        *r = true;
                    }
                } else if flag(child, "replace") {
                    if let Some(b) = base.children.get_mut(i) {
                        *b = child.clone();
                    }
                } else if let Some(b) = base.children.get_mut(i) {
                    merge(b, child);
                }
            }
            None if !flag(child, "remove") => appended.push(child.clone()),
            None => {}
        }
    }
    let mut i = 0;
    base.children.retain(|_| {
        let keep = !removed.get(i).copied().unwrap_or(false);
        i += 1;
        keep
    });
    base.children.extend(appended);
}

/// Replaces the content of elements with `incl="name"` by the children of
/// `<name>` in the substitutions file.
fn substitute(
    e: &mut Element,
    subst_root: &Element,
    stack: &mut Vec<String>,
    problems: &mut Vec<MergeProblem>,
) {
    if let Some(name) = e.attr("incl").map(str::to_string) {
        if stack.contains(&name) || stack.len() >= MAX_INCLUDE_DEPTH {
            let at = e
                .attrs
                .iter()
                .find(|a| a.name == "incl")
                .map_or(e.span, |a| a.span);
            problems.push(MergeProblem {
                span: at,
                message: format!(
                    "substitution `{name}` includes itself (through {}); ClickHouse refuses to load the config",
                    stack.join(" → ")
                ),
            });
            return;
        }
        if let Some(source) = subst_root.child(&name) {
            let mut replacement = source.clone();
            stack.push(name);
            substitute(&mut replacement, subst_root, stack, problems);
            stack.pop();
            // The element keeps its own place; its content comes from the substitution.
            if e.children.is_empty() {
                e.children = replacement.children;
            } else {
                merge(e, &replacement);
            }
            if e.text.is_empty() {
                e.text = replacement.text;
            }
            return;
        }
    }
    for c in &mut e.children {
        substitute(c, subst_root, stack, problems);
    }
}

/// Reads clusters, ZooKeeper nodes and the Keeper raft group of a merged config.
pub fn read(root: &Element) -> ServerConfig {
    let mut config = ServerConfig::default();
    for rs in root.children_named("remote_servers") {
        for cluster in &rs.children {
            let shards: Vec<Shard> = cluster
                .children_named("shard")
                .map(|s| Shard {
                    span: s.span,
                    replicas: s.children_named("replica").map(|r| r.span).collect(),
                    internal_replication: match s.child("internal_replication") {
                        None => Val::Absent,
                        Some(ir) => match ir.text.to_ascii_lowercase().as_str() {
                            "true" | "1" => Val::Set(true, ir.span),
                            "false" | "0" => Val::Set(false, ir.span),
                            _ => Val::Invalid(ir.span),
                        },
                    },
                })
                .collect();
            if !shards.is_empty() {
                config.clusters.push(Cluster {
                    name: cluster.name.clone(),
                    span: cluster.span,
                    shards,
                });
            }
        }
    }
    if let Some(zk) = root.child("zookeeper")
        && zk.attr("from_zk").is_none()
    {
        config.zookeeper_span = Some(zk.span);
        config.zookeeper = zk
            .children_named("node")
            .map(|n| Member {
                host: n.child_text("host").unwrap_or("").to_string(),
                span: n.span,
                voter: true,
            })
            .collect();
    }
    if let Some(raft) = root.path(&["keeper_server", "raft_configuration"]) {
        config.keeper_span = Some(raft.span);
        config.keeper = raft
            .children_named("server")
            .map(|s| Member {
                host: s.child_text("hostname").unwrap_or("").to_string(),
                span: s.span,
                voter: !s
                    .child_text("can_become_leader")
                    .is_some_and(|v| matches!(v, "false" | "0")),
            })
            .collect();
    }
    config.mentions_replicated = mentions_replicated(root, 0);
    config
}

fn mentions_replicated(e: &Element, depth: usize) -> bool {
    depth < 64
        && (e.text.contains("Replicated")
            || e.name == "default_replica_path"
            || e.children.iter().any(|c| mentions_replicated(c, depth + 1)))
}

/// A ClickHouse YAML config as the element tree its XML form would give:
/// keys are elements, sequences repeat their key, `"@name"` keys are
/// attributes, scalars are text. `None` when it has none of the sections
/// scalelint reads.
pub fn from_yaml(root: Y<'_, '_>, file: FileId) -> Option<Element> {
    if !root.is_map()
        || !["remote_servers", "zookeeper", "keeper_server"]
            .iter()
            .any(|k| root.get(k).is_some())
    {
        return None;
    }
    let span = Span::new(file, root.start(), root.start());
    let mut e = Element {
        name: "clickhouse".into(),
        attrs: Vec::new(),
        children: Vec::new(),
        text: String::new(),
        span,
        text_span: None,
    };
    yaml_children(root, &mut e, file, 0);
    Some(e)
}

fn yaml_children(map: Y<'_, '_>, parent: &mut Element, file: FileId, depth: usize) {
    if depth > 32 {
        return;
    }
    for (k, v) in map.entries() {
        let Some(name) = k.as_str() else { continue };
        let span = Span::new(file, k.start(), k.start());
        if let Some(attr) = name.strip_prefix('@') {
            parent.attrs.push(Attr {
                name: attr.to_string(),
                value: v.as_str().unwrap_or("").to_string(),
                span,
            });
            continue;
        }
        let values: Vec<Y<'_, '_>> = if v.is_seq() {
            v.items().collect()
        } else {
            vec![v]
        };
        for item in values {
            let item_span = if v.is_seq() {
                Span::new(file, item.start(), item.start())
            } else {
                span
            };
            let mut child = Element {
                name: name.to_string(),
                attrs: Vec::new(),
                children: Vec::new(),
                text: item.as_text().unwrap_or("").trim().to_string(),
                span: item_span,
                text_span: None,
            };
            if item.is_map() {
                yaml_children(item, &mut child, file, depth + 1);
            }
            parent.children.push(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::xml;

    fn cf(path: &str, id: u32, text: &str) -> ConfigFile {
        let parsed = xml::parse(text, FileId(id));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        ConfigFile {
            file: FileId(id),
            path: PathBuf::from(path),
            root: parsed.root.unwrap(),
            comments: parsed.comments,
        }
    }

    const MAIN: &str = "<clickhouse>\n<remote_servers>\n<c1>\n<shard>\n<replica><host>a</host></replica>\n<replica><host>b</host></replica>\n</shard>\n</c1>\n</remote_servers>\n</clickhouse>\n";

    #[test]
    fn config_d_overrides_merge_into_the_main_config() {
        let over = "<clickhouse><remote_servers><c1><shard><internal_replication>true</internal_replication></shard></c1></remote_servers></clickhouse>";
        let (configs, problems) = build(&[
            cf("ch/config.xml", 0, MAIN),
            cf("ch/config.d/ir.xml", 1, over),
        ]);
        assert!(problems.is_empty());
        assert_eq!(configs.len(), 1);
        let shard = &configs[0].clusters[0].shards[0];
        assert_eq!(shard.replicas.len(), 2);
        assert_eq!(shard.internal_replication.get(), Some(true));
        // The shard keeps the place it was defined at.
        assert_eq!(shard.span.file, FileId(0));
        assert_eq!(shard.span.start.line, 4);
    }

    #[test]
    fn replace_and_remove() {
        let over = "<clickhouse><remote_servers><c1 replace=\"replace\"><shard><replica><host>x</host></replica></shard></c1></remote_servers></clickhouse>";
        let (configs, _) = build(&[
            cf("ch/config.xml", 0, MAIN),
            cf("ch/config.d/r.xml", 1, over),
        ]);
        assert_eq!(
            configs[0].clusters[0].shards[0].replicas.len(),
            2,
            "replace needs 1/true"
        );
        let over = over.replace("replace=\"replace\"", "replace=\"1\"");
        let (configs, _) = build(&[
            cf("ch/config.xml", 0, MAIN),
            cf("ch/config.d/r.xml", 1, &over),
        ]);
        assert_eq!(configs[0].clusters[0].shards[0].replicas.len(), 1);
        let over = "<clickhouse><remote_servers><c1 remove=\"1\"/></remote_servers></clickhouse>";
        let (configs, _) = build(&[
            cf("ch/config.xml", 0, MAIN),
            cf("ch/config.d/r.xml", 1, over),
        ]);
        assert!(configs[0].clusters.is_empty());
    }

    #[test]
    fn incl_substitutes_from_the_include_file_and_cycles_are_reported() {
        let main = "<clickhouse><include_from>/etc/clickhouse-server/metrika.xml</include_from><remote_servers incl=\"clickhouse_remote_servers\"/><zookeeper incl=\"zookeeper-servers\" optional=\"true\"/></clickhouse>";
        let metrika = "<yandex><clickhouse_remote_servers><c><shard><replica/><replica/></shard></c></clickhouse_remote_servers><zookeeper-servers><node><host>z1</host></node><node><host>z2</host></node></zookeeper-servers><loop incl=\"loop\"/></yandex>";
        let (configs, problems) = build(&[
            cf("ch/config.xml", 0, main),
            cf("ch/metrika.xml", 1, metrika),
        ]);
        assert!(problems.is_empty());
        let c = configs.iter().find(|c| c.file == Some(FileId(0))).unwrap();
        assert_eq!(c.clusters[0].shards[0].replicas.len(), 2);
        assert_eq!(c.zookeeper.len(), 2);

        let main = "<clickhouse><include_from>m.xml</include_from><a incl=\"a\"/></clickhouse>";
        let m = "<x><a><b incl=\"a\"/></a></x>";
        let (_, problems) = build(&[cf("ch/config.xml", 0, main), cf("ch/m.xml", 1, m)]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("includes itself"));
    }

    #[test]
    fn keeper_voters_and_zookeeper_nodes() {
        let text = "<clickhouse><keeper_server><raft_configuration><server><id>1</id><hostname>k1</hostname></server><server><id>2</id><hostname>k2</hostname></server><server><id>3</id><hostname>k3</hostname><can_become_leader>false</can_become_leader></server></raft_configuration></keeper_server></clickhouse>";
        let (configs, _) = build(&[cf("k/keeper_config.xml", 0, text)]);
        let k = &configs[0].keeper;
        assert_eq!(k.len(), 3);
        assert_eq!(k.iter().filter(|m| m.voter).count(), 2);
    }
}
