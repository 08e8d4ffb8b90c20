//! Kafka topics that `kafka-topics --create` and `rpk topic create`
//! commands create in containers and compose services, with the
//! replication factor they ask for, where that flag is written, and the
//! brokers of the cluster they target when the tree tells.

use std::collections::HashMap;

use crate::extract::compose::Service as ComposeService;
use crate::extract::k8s::Workload;
use crate::formats::yaml::ScalarLoc;
use crate::source::{FileId, Span};

use super::capacity::{command_words, service_of, topics_created};

/// A topic created by a command with an explicit replication factor.
#[derive(Clone, Debug)]
pub struct CreatedTopic {
    /// Who runs the command: `Job kafka/topics container `init``,
    /// `compose service kafka-init`.
    pub who: String,
    pub topic: String,
    pub factor: i64,
    /// The flag as written: `--replication-factor`, `-r`, `--replicas`.
    pub flag: String,
    /// The flag and its value, else the scalar that holds them.
    pub span: Span,
    /// The brokers the command targets, with what they are, when the tree
    /// tells (compose services of the same file, a workload behind the
    /// bootstrap Service).
    pub brokers: Option<(i64, String)>,
    /// The Strimzi cluster and namespace a `<cluster>-kafka-bootstrap`
    /// address names, for the rule to count its brokers.
    pub strimzi: Option<(String, String)>,
}

/// Whether an image runs a Kafka (or Kafka-compatible) broker.
pub fn is_kafka_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    matches!(
        repo,
        "kafka" | "cp-kafka" | "cp-server" | "kafka-native" | "confluent-local" | "redpanda"
    )
}

/// Whether a command runs a Kafka command-line tool (`kafka-topics`,
/// `kafka-configs`, `rpk topic`) rather than a broker: containers of a
/// broker image that only create topics are not brokers.
fn runs_a_tool<'a>(words: impl IntoIterator<Item = &'a str>) -> bool {
    let mut prev_rpk = false;
    words.into_iter().any(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        let tool = (base.starts_with("kafka-") && !base.starts_with("kafka-server-start"))
            || (prev_rpk && w == "topic");
        prev_rpk = base == "rpk";
        tool
    })
}

pub fn created_topics(
    workloads: &[Workload],
    services_of: &impl Fn(usize) -> Vec<String>,
    compose: &[ComposeService],
) -> Vec<CreatedTopic> {
    let mut out = Vec::new();
    // (namespace, Service) → the broker workload behind it.
    let mut k8s_brokers: HashMap<(String, String), (i64, String)> = HashMap::new();
    for (wi, w) in workloads.iter().enumerate() {
        let broker = w
            .pod
            .running_containers()
            .any(|c| c.image_name().is_some_and(is_kafka_image) && !runs_a_tool(command_words(c)));
        if !broker {
            continue;
        }
        let Some(replicas) = w.replicas.or(1) else {
            continue;
        };
        for svc in services_of(wi) {
            k8s_brokers.insert((w.namespace.to_string(), svc), (replicas, w.display()));
        }
    }
    for w in workloads {
        for c in w.pod.running_containers() {
            let words = command_words(c);
            let created = topics_created(&words);
            if created.is_empty() {
                continue;
            }
            let scalars: Vec<(&str, Option<ScalarLoc>)> = c
                .command
                .iter()
                .chain(&c.args)
                .enumerate()
                .map(|(i, t)| (t.as_str(), c.argv_locs.get(i).copied()))
                .collect();
            for t in created {
                let Some((factor, at)) = t.replication else {
                    continue;
                };
                let (brokers, strimzi) = match t.bootstrap.as_deref() {
                    Some(host) => match strimzi_cluster(host, &w.namespace) {
                        Some(cluster) => (None, Some(cluster)),
                        None => (
                            service_of(host, &w.namespace)
                                .and_then(|key| k8s_brokers.get(&key).cloned()),
                            None,
                        ),
                    },
                    None => (None, None),
                };
                out.push(CreatedTopic {
                    who: format!("{} container `{}`", w.display(), c.name),
                    topic: t.topic,
                    factor,
                    flag: flag_name(words.get(at).copied().unwrap_or("")),
                    span: word_span(&scalars, &words, at, w.meta.file, c.name_span),
                    brokers,
                    strimzi,
                });
            }
        }
    }
    // Per compose file: its broker services and their containers in all.
    let mut compose_brokers: HashMap<FileId, (Vec<&str>, Option<i64>)> = HashMap::new();
    for s in compose {
        let image = s.image.as_ref().is_some_and(|i| is_kafka_image(&i.text));
        if !image || runs_a_tool(s.argv().flat_map(str::split_whitespace)) {
            continue;
        }
        let entry = compose_brokers
            .entry(s.file)
            .or_insert((Vec::new(), Some(0)));
        entry.0.push(s.name.as_str());
        entry.1 = entry
            .1
            .zip(s.instances())
            .map(|(sum, (n, _))| sum.saturating_add(n));
    }
    for s in compose {
        let words: Vec<&str> = s.argv().flat_map(str::split_whitespace).collect();
        let created = topics_created(&words);
        if created.is_empty() {
            continue;
        }
        let scalars: Vec<(&str, Option<ScalarLoc>)> = s
            .raw
            .argv_scalars
            .iter()
            .map(|(t, loc)| (t.as_str(), Some(*loc)))
            .collect();
        for t in created {
            let Some((factor, at)) = t.replication else {
                continue;
            };
            // The brokers of the file, when the command targets one of them
            // (or names no address, or one the tree cannot resolve).
            let brokers = compose_brokers.get(&s.file).and_then(|(names, sum)| {
                let targeted = t.bootstrap.as_deref().is_none_or(|h| names.contains(&h));
                let sum = (*sum).filter(|_| targeted)?;
                let noun = if names.len() > 1 {
                    "services"
                } else {
                    "service"
                };
                Some((sum, format!("compose {noun} {}", names.join(", "))))
            });
            out.push(CreatedTopic {
                who: format!("compose service {}", s.name),
                topic: t.topic,
                factor,
                flag: flag_name(words.get(at).copied().unwrap_or("")),
                span: word_span(&scalars, &words, at, s.file, s.name_span),
                brokers,
                strimzi: None,
            });
        }
    }
    out
}

/// `--replication-factor=1` → `--replication-factor`.
fn flag_name(word: &str) -> String {
    word.split('=').next().unwrap_or(word).to_string()
}

/// `events-kafka-bootstrap`, `events-kafka-bootstrap.kafka.svc` → the
/// Strimzi cluster `events` and its namespace.
fn strimzi_cluster(host: &str, default_ns: &str) -> Option<(String, String)> {
    let (svc, ns) = service_of(host, default_ns)?;
    let cluster = svc.strip_suffix("-kafka-bootstrap")?;
    Some((cluster.to_string(), ns))
}

/// Where `words[at]` (a flag, with its value when that follows in the same
/// written value) is in the YAML: found in the written values by counting
/// the same word before it, then located inside the value where that is
/// exact, else the value itself, else `fallback`.
fn word_span(
    scalars: &[(&str, Option<ScalarLoc>)],
    words: &[&str],
    at: usize,
    file: FileId,
    fallback: Span,
) -> Span {
    let Some(&flag) = words.get(at) else {
        return fallback;
    };
    let value = (!flag.contains('='))
        .then(|| words.get(at + 1).copied())
        .flatten();
    let mut skip = words
        .get(..at)
        .unwrap_or(&[])
        .iter()
        .filter(|w| **w == flag)
        .count();
    for (text, loc) in scalars {
        for offset in token_offsets(text, flag) {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let Some(loc) = loc else { return fallback };
            let after = text.get(offset + flag.len()..).unwrap_or("");
            let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
            let len = match value {
                Some(v) if gap > 0 && after.get(gap..).is_some_and(|a| a.starts_with(v)) => {
                    flag.len() + gap + v.len()
                }
                _ => flag.len(),
            };
            return match loc.locate(text, offset, len) {
                Some((start, end)) => Span::new(file, start, end),
                None if loc.start.line == loc.end.line => Span::new(file, loc.start, loc.end),
                None => Span::new(file, loc.start, loc.start),
            };
        }
    }
    fallback
}

/// Byte offsets of `token` in `text` where it stands as a word of its own.
fn token_offsets<'a>(text: &'a str, token: &'a str) -> impl Iterator<Item = usize> + 'a {
    let boundary = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "\"';".contains(c));
    text.match_indices(token).filter_map(move |(i, _)| {
        let before = text.get(..i).and_then(|b| b.chars().next_back());
        let after = text.get(i + token.len()..).and_then(|a| a.chars().next());
        (boundary(before) && boundary(after)).then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_stand_alone() {
        let t =
            "kafka-topics --replication-factor 1 --replication-factor-x 2 '--replication-factor'";
        let found: Vec<usize> = token_offsets(t, "--replication-factor").collect();
        assert_eq!(found, [13, 62]);
    }

    #[test]
    fn kafka_images() {
        assert!(is_kafka_image("bitnami/kafka:3.7"));
        assert!(is_kafka_image("confluentinc/cp-kafka:7.6.0"));
        assert!(is_kafka_image(
            "docker.redpanda.com/redpandadata/redpanda:v24.1.1"
        ));
        assert!(!is_kafka_image("provectuslabs/kafka-ui"));
    }
}
