//! The pipeline: discover → read and parse in parallel → extract facts →
//! join the model → run rules → filter → sort. Each file is read once and
//! parsed once; its text is dropped as soon as its facts are extracted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discover::{self, GlobList, WalkOptions};
use crate::extract::{self, Facts};
use crate::finding::{Finding, Findings, Severity};
use crate::formats::yaml::{self, ErrorKind, YamlFile};
use crate::model::Model;
use crate::rules::{Check, RULES, Rule, RuleInfo, RuleSet};
use crate::source::{FileId, FileKind, Pos, SourceFile, Span, to_u32};
use crate::suppress::{self, Inline, baseline::Baseline, date::Date};

/// Files over this size are skipped with a note.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Files parsed in parallel before their facts are merged (see `lint`).
/// Large enough that the threads rarely wait for each other at the end of
/// a batch, small enough that the lists of the two batches in flight (one
/// parsed, one merged) stay a small part of the memory: at 10,000 services
/// 512 files a batch peaked 4-6 MiB higher than 256.
const MERGE_BATCH: usize = 256;

/// Findings reported for one file; the rest are counted in a summary line.
/// The most severe are kept, so a run that fails still shows why.
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 1_000;

/// Everything a run needs, resolved from flags and config before it starts.
#[derive(Clone, Debug)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub enabled: RuleSet,
    /// Report SL902 file-skipped findings (otherwise only counted).
    pub show_skipped: bool,
    pub excludes: Vec<GlobList>,
    pub no_ignore: bool,
    /// Follow symlinks that lead outside the scanned paths.
    pub follow_symlinks: bool,
    pub severity: Vec<(Rule, Severity)>,
    pub per_file_ignores: Vec<(GlobList, RuleSet)>,
    pub max_file_size: u64,
    /// Findings reported per file, 0 for no limit.
    pub max_findings_per_file: usize,
    /// `[nginx] version` (SL501); `None` assumes a release before 1.29.7.
    pub nginx_version: Option<crate::extract::proxy::NginxVersion>,
    /// Counts files as they are parsed, for a progress display.
    pub progress: Option<Arc<Progress>>,
    /// The day `until` dates of suppressions are compared with; the clock's
    /// (UTC) when `None`.
    pub today: Option<Date>,
    /// Findings to report as suppressed because a baseline lists them.
    pub baseline: Option<Baseline>,
    /// A YAML stream read from standard input (`scalelint check -`), linted
    /// as one more file.
    pub stdin: Option<Stdin>,
    /// `[[facts.*]]` of the config file, and the file's path.
    pub declared: Option<(PathBuf, crate::config::DeclaredFacts)>,
    /// Keep what the model linked (`--explain-facts`).
    pub explain_facts: bool,
}

/// Standard input, read before the run, and the name its findings carry.
#[derive(Clone, Debug)]
pub struct Stdin {
    /// `--stdin-filename` (default `<stdin>`).
    pub name: String,
    pub contents: Arc<[u8]>,
}

/// The name of standard input's findings without `--stdin-filename`.
pub const STDIN_NAME: &str = "<stdin>";

/// Files parsed so far, out of how many.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
}

impl Settings {
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Settings {
            paths,
            enabled: RuleSet::default_set(),
            show_skipped: false,
            excludes: Vec::new(),
            no_ignore: false,
            follow_symlinks: false,
            severity: Vec::new(),
            per_file_ignores: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_findings_per_file: DEFAULT_MAX_FINDINGS_PER_FILE,
            nginx_version: None,
            progress: None,
            today: None,
            baseline: None,
            stdin: None,
            declared: None,
            explain_facts: false,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files found, by kind.
    pub files_by_kind: BTreeMap<&'static str, usize>,
    /// Files parsed and linted.
    pub linted: usize,
    /// Files recognised but not linted (templates, binary, too large, unreadable).
    pub skipped: usize,
    /// Files of kinds this build does not parse yet.
    pub not_parsed: usize,
    pub k8s_objects: usize,
    /// Linted YAML files by what they turned out to hold: `kubernetes`,
    /// `compose`, `kustomization` or `other` (CI configs, values files…).
    pub yaml_kinds: BTreeMap<&'static str, usize>,
    pub elapsed: Duration,
    /// Findings suppressed, by any means.
    pub suppressed: usize,
    /// Of those, by comments and annotations (the rest by config or baseline).
    pub suppressed_in_source: usize,
    /// Files with more findings than `--max-findings-per-file`, in report
    /// order, with how many of their findings were left out.
    pub hidden: Vec<Hidden>,
}

/// Findings of one file left out of the report by the per-file limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub file: FileId,
    /// Findings reported for the file: the limit.
    pub kept: usize,
    /// Left out, by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Hidden {
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.notes
    }
}

/// Keeps at most `max` unsuppressed findings per file: the most severe,
/// each severity in report order. Suppressed findings are not counted and
/// stay. Returns what was left out, per file, in report order.
fn cap_per_file(findings: &mut Vec<Finding>, max: usize) -> Vec<Hidden> {
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if !f.is_suppressed() {
            by_file.entry(f.span.file).or_default().push(i);
        }
    }
    let mut drop = vec![false; findings.len()];
    let mut hidden = Vec::new();
    for (file, mut idx) in by_file {
        if idx.len() <= max {
            continue;
        }
        // Stable: equal severities keep report order.
        idx.sort_by_key(|&i| std::cmp::Reverse(findings.get(i).map(|f| f.severity)));
        let mut h = Hidden {
            file,
            kept: max,
            errors: 0,
            warnings: 0,
            notes: 0,
        };
        for &i in idx.iter().skip(max) {
            if let (Some(d), Some(f)) = (drop.get_mut(i), findings.get(i)) {
                *d = true;
                match f.severity {
                    Severity::Error => h.errors += 1,
                    Severity::Warning => h.warnings += 1,
                    Severity::Note => h.notes += 1,
                }
            }
        }
        hidden.push((idx.iter().copied().min().unwrap_or(0), h));
    }
    let mut i = 0;
    findings.retain(|_| {
        let keep = !drop.get(i).copied().unwrap_or(false);
        i += 1;
        keep
    });
    hidden.sort_by_key(|(first, _)| *first);
    hidden.into_iter().map(|(_, h)| h).collect()
}

pub struct Outcome {
    pub files: Vec<SourceFile>,
    /// Sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// What the model linked, when asked for (`--explain-facts`).
    pub facts: Option<serde_json::Value>,
    /// Bugs of scalelint met during the run: a file or a rule that panicked.
    /// The rest of the run went on; the exit code is 2.
    pub internal_errors: Vec<String>,
    /// The model the rules read. It is kept so that the caller frees it
    /// where that costs least: `scalelint check` leaves it to the system at
    /// exit.
    pub model: Option<Model>,
}

/// The subject of the SL901 finding that stands for a file whose reading
/// panicked.
const INTERNAL: &str = "internal";
const INTERNAL_PREFIX: &str = "internal error while reading this file: ";

impl Outcome {
    /// Counts suppressed findings into the stats.
    pub fn count_suppressed(&mut self) {
        let suppressed = self.findings.iter().filter_map(|f| f.suppression.as_ref());
        let (mut all, mut in_source) = (0, 0);
        for s in suppressed {
            all += 1;
            if s.kind == crate::finding::SuppressionKind::InSource {
                in_source += 1;
            }
        }
        self.stats.suppressed = all;
        self.stats.suppressed_in_source = in_source;
    }
}

struct FileResult {
    /// Boxed: every file's result waits for the merge, and most files fill
    /// one or two of the many lists.
    facts: Box<Facts>,
    findings: Vec<Finding>,
    /// Inline suppressions found in the file.
    suppressions: Vec<Inline>,
    status: FileStatus,
    yaml_kind: Option<&'static str>,
}

#[derive(PartialEq, Eq)]
enum FileStatus {
    Linted,
    Skipped,
    NotParsed,
}

pub fn lint(settings: &Settings) -> Outcome {
    let started = Instant::now();
    let walk = WalkOptions {
        excludes: settings.excludes.clone(),
        no_ignore: settings.no_ignore,
        follow_symlinks: settings.follow_symlinks,
    };
    let discovered = discover::discover(&settings.paths, &walk);
    let mut files = discovered.files;
    if let Some(stdin) = &settings.stdin {
        let cwd = std::env::current_dir().unwrap_or_default();
        // Always YAML: `helm template` and `kustomize build` write YAML
        // streams, whatever name the user gives them.
        let display = discover::display_path(Path::new(&stdin.name), &cwd);
        // In path order among the files found, as every report lists them.
        let at = files.partition_point(|f| f.display <= display);
        files.insert(
            at,
            SourceFile {
                id: FileId(0),
                path: PathBuf::from(&stdin.name),
                display,
                kind: FileKind::Yaml,
                contents: Some(stdin.contents.clone()),
            },
        );
        discover::number(&mut files);
    }
    let mut stats = Stats::default();
    for f in &files {
        *stats.files_by_kind.entry(f.kind.label()).or_default() += 1;
    }

    if let Some(p) = &settings.progress {
        p.total.store(files.len(), Ordering::Relaxed);
    }
    // Files are parsed in parallel a batch at a time. Each batch's facts are
    // merged while the next batch is parsed: the per-file lists of two
    // batches, not of the whole tree, wait for the merge, and later batches
    // reuse their memory.
    let mut facts = Facts::default();
    let mut pipeline_findings = Vec::new();
    let mut inline = Vec::new();
    let mut file_errors = Vec::new();
    let mut merge = |results: Vec<FileResult>| {
        for r in results {
            inline.extend(r.suppressions);
            match r.status {
                FileStatus::Linted => stats.linted += 1,
                FileStatus::Skipped => stats.skipped += 1,
                FileStatus::NotParsed => stats.not_parsed += 1,
            }
            if let Some(kind) = r.yaml_kind {
                *stats.yaml_kinds.entry(kind).or_default() += 1;
            }
            facts.append(*r.facts);
            for f in r.findings.iter().filter(|f| f.subject == INTERNAL) {
                let path = files
                    .get(f.span.file.0 as usize)
                    .map_or("", |x| x.display.as_str());
                let what = f
                    .message
                    .strip_prefix(INTERNAL_PREFIX)
                    .unwrap_or(&f.message);
                file_errors.push(format!("{path}: {what}"));
            }
            pipeline_findings.extend(r.findings);
        }
    };
    let parse = |batch: &[SourceFile]| -> Vec<FileResult> {
        batch
            .par_iter()
            .map(|f| {
                let r = process_guarded(f, settings.max_file_size);
                if let Some(p) = &settings.progress {
                    p.done.fetch_add(1, Ordering::Relaxed);
                }
                r
            })
            .collect()
    };
    let mut parsed = Vec::new();
    for batch in files.chunks(MERGE_BATCH) {
        let previous = std::mem::take(&mut parsed);
        (parsed, ()) = rayon::join(|| parse(batch), || merge(previous));
    }
    merge(parsed);
    // The merged lists grew by doubling; their spare room would otherwise
    // stay allocated through the model and the rules.
    facts.shrink_lists();
    for note in discovered.notes {
        let id = FileId(to_u32(files.len()));
        files.push(SourceFile {
            id,
            path: PathBuf::from(&note.display),
            display: note.display,
            kind: FileKind::Other,
            contents: None,
        });
        stats.skipped += 1;
        pipeline_findings.push(Skip::Walk.finding(id, note.message));
    }
    stats.k8s_objects = facts.k8s_objects;
    if let Some((path, declared)) = settings.declared.as_ref().filter(|(_, d)| !d.is_empty()) {
        let id = FileId(to_u32(files.len()));
        files.push(SourceFile {
            id,
            path: path.clone(),
            display: discover::display_path(path, &std::env::current_dir().unwrap_or_default()),
            kind: FileKind::Other,
            contents: None,
        });
        crate::extract::capacity::declared(declared, id, &mut facts);
    }

    let (model, mut proxies) = Model::build(&files, facts);
    proxies.nginx_version = settings.nginx_version;
    pipeline_findings.extend(proxies.include_findings());
    let run = |r: &RuleInfo, check: &dyn Fn(&mut Findings)| {
        crate::panics::guarded(|| {
            crate::panics::inject("rule", r.code);
            let mut out = Findings::new(settings.enabled);
            check(&mut out);
            out.into_vec()
        })
        .map_err(|what| {
            format!(
                "rule {} {}: {what}; its findings are missing from this run",
                r.code, r.name,
            )
        })
    };
    let enabled = || {
        RULES
            .par_iter()
            .filter(|r| settings.enabled.contains(r.rule))
    };
    // The rules that read the proxies run first, and the proxy trees are
    // freed before the others run: the findings of a large tree then take
    // the place of the trees rather than adding to them.
    let mut per_rule: Vec<Result<Vec<Finding>, String>> = enabled()
        .filter_map(|r| match r.check {
            Check::Proxies(check) => Some(run(r, &|out| check(&model, &proxies, out))),
            _ => None,
        })
        .collect();
    drop(proxies);
    per_rule.par_extend(enabled().filter_map(|r| match r.check {
        Check::Model(check) => Some(run(r, &|out| check(&model, out))),
        _ => None,
    }));
    let mut findings = Vec::with_capacity(
        per_rule
            .iter()
            .map(|r| r.as_ref().map_or(0, Vec::len))
            .sum::<usize>()
            + pipeline_findings.len()
            + model.clickhouse_problems.len(),
    );
    let mut internal_errors = file_errors;
    for r in per_rule {
        match r {
            Ok(f) => findings.extend(f),
            Err(e) => internal_errors.push(e),
        }
    }
    findings.extend(pipeline_findings);
    for p in &model.clickhouse_problems {
        let subject = format!("include/{}", p.message);
        let help = "break the cycle: a substitution must not include itself".to_string();
        findings.push(pipeline_finding(
            Rule::ParseError,
            p.span,
            p.message.clone(),
            Some(help),
            subject,
        ));
    }

    let facts = settings
        .explain_facts
        .then(|| crate::model::explain::facts(&model, &files));
    suppress::apply(&mut findings, &files, settings, &inline);
    // In place: a stable sort's scratch space is as large as the list, at
    // the end of the run where memory peaks. The key goes down to every
    // field a report shows, so findings that still compare equal are one
    // finding reported twice, and their order cannot show.
    fn display_of(files: &[SourceFile], id: FileId) -> &str {
        files.get(id.0 as usize).map_or("", |f| f.display.as_str())
    }
    fn related<'a>(
        files: &'a [SourceFile],
        r: &'a crate::finding::Related,
    ) -> (&'a str, Pos, Pos, &'a str, bool) {
        let s = r.span;
        (
            display_of(files, s.file),
            s.start,
            s.end,
            &r.message,
            r.edit,
        )
    }
    let display = |id: FileId| display_of(&files, id);
    findings.sort_unstable_by(|a, b| {
        (
            display(a.span.file),
            a.span.start,
            a.rule.code(),
            &a.message,
        )
            .cmp(&(
                display(b.span.file),
                b.span.start,
                b.rule.code(),
                &b.message,
            ))
            .then_with(|| (a.span.end, &a.help, &a.subject).cmp(&(b.span.end, &b.help, &b.subject)))
            .then_with(|| {
                let key = |r| related(&files, r);
                a.related.iter().map(key).cmp(b.related.iter().map(key))
            })
    });
    if let Some(b) = &settings.baseline {
        b.apply(&mut findings, &files);
    }
    if settings.max_findings_per_file > 0 {
        stats.hidden = cap_per_file(&mut findings, settings.max_findings_per_file);
    }
    stats.elapsed = started.elapsed();
    let mut outcome = Outcome {
        files,
        findings,
        stats,
        facts,
        internal_errors,
        model: Some(model),
    };
    outcome.count_suppressed();
    outcome
}

fn pipeline_finding(
    rule: Rule,
    span: Span,
    message: String,
    help: Option<String>,
    subject: String,
) -> Finding {
    Finding {
        rule,
        severity: rule.info().severity,
        span,
        message,
        help,
        related: Vec::new(),
        subject,
        suppression: None,
    }
}

/// `process`, with a panic in a parser or extractor turned into a finding on
/// that file: one bad file never stops the run.
fn process_guarded(file: &SourceFile, max_size: u64) -> FileResult {
    let _reading = crate::panics::reading(&file.path);
    let run = || {
        if let Some(name) = file.path.file_name().and_then(|n| n.to_str()) {
            crate::panics::inject("file", name);
        }
        process(file, max_size)
    };
    match crate::panics::guarded(run) {
        Ok(mut r) => {
            // Every file's facts wait in memory for the merge: without
            // their spare capacity.
            r.facts.shrink_to_fit();
            r
        }
        Err(what) => FileResult {
            facts: Box::default(),
            suppressions: Vec::new(),
            findings: vec![pipeline_finding(
                Rule::ParseError,
                Span::file_start(file.id),
                format!("{INTERNAL_PREFIX}{what}; it was not linted"),
                Some("please report this file to the scalelint maintainers".into()),
                INTERNAL.into(),
            )],
            status: FileStatus::Linted,
            yaml_kind: None,
        },
    }
}

/// Why a file was not linted (SL902).
#[derive(Clone, Copy)]
enum Skip {
    Size,
    Unreadable,
    Binary,
    Template,
    /// A path the walk could not use: a symlink loop or one leaving the roots.
    Walk,
}

impl Skip {
    /// The SL902 finding at the start of `file`.
    fn finding(self, file: FileId, message: String) -> Finding {
        let (subject, help) = match self {
            Skip::Size => (
                "size",
                "split the file, or leave it out with --exclude if it is generated",
            ),
            Skip::Unreadable => (
                "unreadable",
                "check the file's permissions, or fix or remove the symlink that leads to it",
            ),
            Skip::Binary => (
                "binary",
                "leave it out with --exclude or .gitignore if it is not configuration",
            ),
            Skip::Template => (
                "template",
                "render it (`helm template`, envsubst) and lint the output",
            ),
            Skip::Walk => (
                "walk",
                "symlinks are followed only inside the scanned paths: fix or remove the link, or name its target on the command line",
            ),
        };
        pipeline_finding(
            Rule::FileSkipped,
            Span::file_start(file),
            message,
            Some(help.into()),
            subject.into(),
        )
    }
}

/// Reads, parses and extracts one file.
fn process(file: &SourceFile, max_size: u64) -> FileResult {
    let mut result = FileResult {
        facts: Box::default(),
        findings: Vec::new(),
        suppressions: Vec::new(),
        status: FileStatus::Skipped,
        yaml_kind: None,
    };
    let skip = |result: &mut FileResult, why: Skip, message: String| {
        result.findings.push(why.finding(file.id, message));
    };
    if !file.kind.is_linted() {
        result.status = FileStatus::NotParsed;
        return result;
    }
    match file.size() {
        Ok(len) if len > max_size => {
            let msg = format!(
                "file is {:.1} MiB, over the {} MiB size cap; not linted",
                len as f64 / 1_048_576.0,
                max_size / 1_048_576
            );
            skip(&mut result, Skip::Size, msg);
            return result;
        }
        Ok(_) => {}
        Err(e) => {
            skip(&mut result, Skip::Unreadable, format!("cannot read: {e}"));
            return result;
        }
    }
    let bytes = match file.read() {
        Ok(b) => b,
        Err(e) => {
            skip(&mut result, Skip::Unreadable, format!("cannot read: {e}"));
            return result;
        }
    };
    if let Some(at) = bytes.iter().take(8192).position(|&b| b == 0) {
        skip(
            &mut result,
            Skip::Binary,
            format!("binary content (NUL byte at offset {at}); not linted"),
        );
        return result;
    }
    let lossy;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(_) if matches!(file.kind, FileKind::Nginx | FileKind::Haproxy) => {
            // nginx and HAProxy read bytes, not UTF-8: a Latin-1 comment is valid.
            lint_proxy(file, &String::from_utf8_lossy(&bytes), &mut result);
            return result;
        }
        // Redis and ZooKeeper read their configs as bytes: a Latin-1
        // comment or password is not an error there, nor in an SQL dump.
        Err(_)
            if matches!(
                file.kind,
                FileKind::RedisConf
                    | FileKind::SentinelConf
                    | FileKind::PgbouncerIni
                    | FileKind::PostgresConf
                    | FileKind::ZooCfg
                    | FileKind::Sql
                    | FileKind::EnvFile
            ) =>
        {
            lossy = String::from_utf8_lossy(&bytes);
            lossy.as_ref()
        }
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            // A byte order mark is not a column, as the YAML parser counts.
            let valid = valid.strip_prefix(b"\xef\xbb\xbf").unwrap_or(valid);
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let pos = Pos::new(to_u32(line), to_u32(col));
            result.findings.push(pipeline_finding(
                Rule::ParseError,
                Span::new(file.id, pos, pos),
                format!(
                    "invalid UTF-8 at byte {}: {} files must be UTF-8",
                    e.valid_up_to(),
                    if file.kind == FileKind::ClickhouseXml {
                        "XML"
                    } else {
                        "YAML"
                    }
                ),
                Some("re-save the file as UTF-8".into()),
                "encoding".into(),
            ));
            // Read and reported on, like any other file with a parse error.
            result.status = FileStatus::Linted;
            return result;
        }
    };
    if let Some(reason) = template_reason(&file.path, text) {
        skip(&mut result, Skip::Template, reason);
        return result;
    }
    match file.kind {
        FileKind::Nginx | FileKind::Haproxy => lint_proxy(file, text, &mut result),
        FileKind::Yaml => lint_yaml(file, text, &mut result),
        _ => {
            result.status = FileStatus::Linted;
            for p in extract::config_files::read(file, text, &mut result.facts) {
                let finding =
                    pipeline_finding(Rule::ParseError, p.span, p.message, Some(p.help), p.subject);
                result.findings.push(finding);
            }
            inline_suppressions(file, text, &mut result);
        }
    }
    result
}

fn lint_proxy(file: &SourceFile, text: &str, result: &mut FileResult) {
    result.status = FileStatus::Linted;
    if let Some(p) = extract::proxy::read(file, text, &mut result.facts) {
        let subject = format!("syntax {}", file.kind.label());
        let finding = pipeline_finding(Rule::ParseError, p.span, p.message, Some(p.help), subject);
        result.findings.push(finding);
    }
    inline_suppressions(file, text, result);
}

/// `# scalelint-ignore` comments of the formats other than YAML (whose
/// comments are placed with the help of the parsed tree).
fn inline_suppressions(file: &SourceFile, text: &str, result: &mut FileResult) {
    use crate::comments::hash::{HAPROXY_SECTIONS, Syntax};
    // Cheap test first: almost no file mentions scalelint at all.
    if !text.contains("scalelint") {
        return;
    }
    let comments = match file.kind {
        FileKind::Nginx => crate::comments::hash::scan(text, Syntax::Braces),
        FileKind::Haproxy => crate::comments::hash::scan(text, Syntax::Sections(HAPROXY_SECTIONS)),
        FileKind::RedisConf
        | FileKind::SentinelConf
        | FileKind::ZooCfg
        | FileKind::PgbouncerIni
        | FileKind::PostgresConf => crate::comments::hash::scan(text, Syntax::Lines),
        FileKind::ClickhouseXml => crate::comments::xml::scan(text),
        _ => return,
    };
    result.suppressions = suppress::from_comments(file.id, &comments, &mut result.findings);
}

fn lint_yaml(file: &SourceFile, text: &str, result: &mut FileResult) {
    yaml::parse_with(text, |parsed| read_yaml(file, text, parsed, result));
}

fn read_yaml(file: &SourceFile, text: &str, parsed: &YamlFile<'_>, result: &mut FileResult) {
    let syntax_failed = parsed.errors.iter().any(|e| e.kind == ErrorKind::Syntax);
    if (syntax_failed || parsed.complex_key.is_some()) && has_template_marks(text) {
        result.findings.push(Skip::Template.finding(
            file.id,
            "Go/Helm template placeholders (`{{ … }}`): not plain YAML until rendered; not linted"
                .into(),
        ));
        return;
    }
    result.status = FileStatus::Linted;
    result.suppressions = suppress::yaml::scan(file.id, text, parsed, &mut result.findings);
    for e in &parsed.errors {
        let (message, help) = match e.kind {
            ErrorKind::Syntax => (
                format!("invalid YAML: {}", e.message),
                "fix the syntax: documents from this point on were not read".to_string(),
            ),
            ErrorKind::DuplicateKey => (
                format!(
                    "{}: YAML requires unique keys, and kubectl's strict field validation rejects the object",
                    e.message
                ),
                "remove one of the two keys (scalelint read the last value, as lenient loaders do)"
                    .to_string(),
            ),
            ErrorKind::AliasBudget | ErrorKind::TooDeep | ErrorKind::TooManyDocuments => (
                format!("{}; the rest of the file was not read", e.message),
                "simplify the file; real manifests never need this".to_string(),
            ),
        };
        let subject = match e.kind {
            ErrorKind::DuplicateKey => e.message.split(" (first").next().unwrap_or("").to_string(),
            _ => format!("{:?}", e.kind),
        };
        result.findings.push(pipeline_finding(
            Rule::ParseError,
            Span::new(file.id, e.pos, e.pos),
            message,
            Some(help),
            subject,
        ));
    }
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if extract::is_kustomization(&name) {
        if let (Some(ns), Some(dir)) = (
            extract::k8s::kustomization_namespace(parsed),
            file.path.parent(),
        ) {
            result.facts.kustomizations.push((dir.to_path_buf(), ns));
        }
        extract::config_files::read_kustomization(file, parsed, &mut result.facts);
        result.yaml_kind = Some("kustomization");
        return;
    }
    extract::k8s::extract(parsed, file.id, &mut result.facts);
    extract::config_files::read_yaml(file, text, parsed, &mut result.facts);
    extract::compose::scale_commands(
        text,
        file.id,
        &file.display,
        &mut result.facts.compose_scale_commands,
    );
    let compose = || {
        parsed
            .docs
            .iter()
            .any(|d| parsed.root(d).get("services").is_some_and(|s| s.is_map()))
    };
    result.yaml_kind = Some(if result.facts.k8s_objects > 0 {
        "kubernetes"
    } else if compose() {
        "compose"
    } else {
        "other"
    });
}

/// Whether `{{` appears outside comments: a file that only mentions
/// templates in a comment is YAML, and its syntax errors are real.
fn has_template_marks(text: &str) -> bool {
    text.contains("{{")
        && text.lines().any(|line| {
            let before = line.find('#').and_then(|i| line.get(..i));
            let code = match before {
                Some(b) if b.is_empty() || b.ends_with([' ', '\t']) => b,
                _ => line,
            };
            code.contains("{{")
        })
}

/// Why a file is a template rather than YAML, if it is one by where it
/// stands: a file under a Helm chart's `templates/`. Other templates are
/// recognised after parsing, by what `{{ … }}` does to the tree.
fn template_reason(path: &Path, text: &str) -> Option<String> {
    if !text.contains("{{") {
        return None;
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "templates")
            && d.parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
        {
            return Some(
                "Helm chart template (rendered by Helm, not plain YAML); not linted".into(),
            );
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_detection() {
        let dir = tempfile_dir();
        let chart = dir.join("chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: x\n").unwrap();
        let t = chart.join("templates/deploy.yaml");
        assert!(template_reason(&t, "replicas: {{ .Values.n }}\n").is_some());
        assert!(template_reason(&t, "replicas: 1\n").is_none());
        assert!(template_reason(&dir.join("x.yaml"), "replicas: {{ .Values.n }}\n").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn template_marks_in_comments_do_not_count() {
        assert!(has_template_marks("replicas: {{ .Values.n }}\n"));
        assert!(has_template_marks("a: 1 # note\nb: {{ x }}\n"));
        assert!(!has_template_marks(
            "# rendered by {{ tooling }}\na: b: c\n"
        ));
        assert!(!has_template_marks("a: 1  # {{ x }}\n"));
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("scalelint-lint-test-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
