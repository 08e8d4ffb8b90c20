//! Command line: flags become resolved `Settings` before any work starts.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::{self, ConfigError, FailOn};
use crate::discover::GlobList;
use crate::lint::{self, Progress, STDIN_NAME, Settings, Stdin};
use crate::report::{Format, Report};
use crate::rules::{Check, RULES, Rule, RuleSet, resolve_selector};
use crate::suppress::baseline::{Baseline, BaselineError};
use crate::suppress::date::Date;

const EXAMPLES: &str = "\
Examples:
  scalelint                          lint the current directory
  scalelint k8s/ deploy/prod.yaml    lint some paths
  scalelint --select SL1 --ignore SL104 .
  scalelint --format sarif -o scalelint.sarif .
  scalelint --format github -o sarif=scalelint.sarif .
  helm template charts/web | scalelint check --stdin-filename web.yaml -
  scalelint --format json --fail-on never . | jq '.summary'
  scalelint rules                    list every rule
  scalelint explain SL101            a rule's documentation (by id or name)

Exit status: 0 no finding at or above --fail-on, 1 findings at or above it,
2 the run failed (bad arguments or config, a path that does not exist).";

#[derive(Parser, Debug)]
#[command(
    name = "scalelint",
    version,
    about = "Finds scaling mistakes in Kubernetes, compose, proxy and database configs before deploy.",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint paths (the default command).
    Check(Box<CheckArgs>),
    /// List every rule: id, name, default severity, summary.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Show a rule's full documentation.
    Explain {
        /// A rule id (SL101) or name (readiness-probe-missing).
        rule: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Default)]
struct CheckArgs {
    /// Files or directories to lint; `-` reads a YAML stream from standard input [default: .]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of standard output. FORMAT=FILE (repeatable) writes one
    /// more report in that format, from the same run.
    #[arg(short = 'o', long, value_name = "[FORMAT=]FILE", value_parser = OsStringValueParser::new().try_map(parse_output))]
    output: Vec<Output>,
    /// The path that findings on standard input (`-`) carry, also used to find the config
    /// and to match `per-file-ignores` [default: <stdin>]
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Rules to run: ids, names or id prefixes (SL1), comma-separated. Replaces the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Rules not to run, comma-separated. Added to the config's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// The lowest severity that makes the exit status 1 [default: warning]
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Use this config file instead of looking for .scalelint.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long)]
    no_config: bool,
    /// Skip paths matching GLOB (repeatable; relative to the working directory).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Also follow symlinks that lead outside the scanned paths (by default
    /// they are reported as skipped and not read).
    #[arg(long)]
    follow_symlinks: bool,
    /// Threads to use [default: the number of CPUs]
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Skip files larger than this many MiB, with a note [default: 10]
    #[arg(long, value_name = "MIB")]
    max_file_size: Option<u64>,
    /// Report at most N findings per file, the most severe first; the rest
    /// are counted in one line. 0 reports all [default: 1000]
    #[arg(long, value_name = "N")]
    max_findings_per_file: Option<usize>,
    /// Print the number of findings per rule and what was read, instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Also report files that were recognised but not linted (SL902).
    #[arg(long)]
    show_skipped: bool,
    /// Print what the model read and linked (workloads with their Services,
    /// budgets, autoscalers and replica envelopes; databases with their
    /// clients; topics) instead of the findings; JSON with `--format json`.
    #[arg(long)]
    explain_facts: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print findings only: no summary.
    #[arg(short, long)]
    quiet: bool,
    // Suppressions and baselines.
    /// Report only findings that the baseline FILE (from --write-baseline) does not list.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every finding not otherwise suppressed in FILE as the new baseline, and report none of them.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Keep suppressed findings in json and sarif output, marked as suppressed.
    #[arg(long)]
    include_suppressed: bool,
}

/// Sets the day `until` dates are compared with (YYYY-MM-DD), for tests and
/// reproducible runs.
const TODAY_VAR: &str = "SCALELINT_TODAY";

/// Where a report goes: `-o FILE` takes `--format`, `-o FORMAT=FILE` its own.
#[derive(Clone, Debug)]
struct Output {
    format: Option<Format>,
    path: PathBuf,
}

/// `FORMAT=FILE` when the text before the first `=` names a format, a plain
/// file name otherwise (`./json=x` is the file `json=x`).
fn parse_output(s: OsString) -> Result<Output, String> {
    let split = s
        .to_str()
        .and_then(|s| s.split_once('='))
        .and_then(|(format, path)| Some((Format::from_str(format, false).ok()?, path)));
    match split {
        Some((_, "")) => Err("FORMAT=FILE needs a file name after `=`".into()),
        Some((format, path)) => Ok(Output {
            format: Some(format),
            path: PathBuf::from(path),
        }),
        None if s.is_empty() => Err("an empty file name".into()),
        None => Ok(Output {
            format: None,
            path: PathBuf::from(s),
        }),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Usage(String),
    #[error("{}:{}:{}: SL905 [error] {}", .0.path.display(), .0.pos.line, .0.pos.col, .0.message)]
    Config(ConfigError),
    #[error("{0}")]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl RunError {
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, RunError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs one command line. The process is expected to end after it: a
/// `check` leaves its model's memory to the system rather than free it.
pub fn run(cli: Cli) -> Result<ExitCode, RunError> {
    match cli.command {
        Some(Command::Check(args)) => check(*args),
        Some(Command::Rules { format }) => rules(format),
        Some(Command::Explain { rule }) => explain(&rule),
        None => check(cli.check),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, RunError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let is_stdin = |p: &PathBuf| p.as_os_str() == "-";
    let stdin_count = paths.iter().filter(|p| is_stdin(p)).count();
    if stdin_count > 1 {
        return Err(RunError::Usage(
            "`-` (standard input) is given more than once".into(),
        ));
    }
    if stdin_count == 0 && args.stdin_filename.is_some() {
        return Err(RunError::Usage(
            "--stdin-filename names standard input: add `-` to the paths".into(),
        ));
    }
    let stdin_name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| STDIN_NAME.to_string());
    let mut plain_outputs = args.output.iter().filter(|o| o.format.is_none());
    let report_file = plain_outputs.next().map(|o| o.path.clone());
    if plain_outputs.next().is_some() {
        return Err(RunError::Usage(
            "-o FILE is given more than once: the other reports need a format (-o json=FILE)"
                .into(),
        ));
    }
    for p in paths.iter().filter(|p| !is_stdin(p)) {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(RunError::Usage(format!(
                "path `{}` does not exist",
                p.display()
            )));
        }
    }
    let config = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        if !path.is_file() {
            return Err(RunError::Usage(format!(
                "config file `{}` does not exist",
                path.display()
            )));
        }
        Some(config::load(path).map_err(RunError::Config)?)
    } else {
        // Standard input's config is found from its name, as a file's is.
        let first = paths.first().map(|p| {
            if is_stdin(p) {
                Path::new(&stdin_name)
            } else {
                p.as_path()
            }
        });
        match first.and_then(config::find) {
            Some(path) => Some(config::load(&path).map_err(RunError::Config)?),
            None => None,
        }
    };

    let selectors = |list: &[String], flag: &str| -> Result<RuleSet, RunError> {
        list.iter()
            .filter(|s| !s.trim().is_empty())
            .try_fold(RuleSet::empty(), |set, s| {
                resolve_selector(s).map(|r| set.union(r)).ok_or_else(|| {
                    RunError::Usage(format!(
                        "{flag}: unknown rule `{s}` (see `scalelint rules`)"
                    ))
                })
            })
    };
    let mut enabled = if !args.select.is_empty() {
        selectors(&args.select, "--select")?
    } else {
        config
            .as_ref()
            .and_then(|c| c.select)
            .unwrap_or_else(RuleSet::default_set)
    };
    let ignored = selectors(&args.ignore, "--ignore")?
        .union(config.as_ref().map(|c| c.ignore).unwrap_or_default());
    for rule in ignored.iter() {
        enabled = enabled.without(rule);
    }
    // Asking for SL902 by its own name is asking to see skipped files.
    let asked_for_skipped = args
        .select
        .iter()
        .any(|s| Rule::lookup(s) == Some(Rule::FileSkipped));

    let cwd = std::env::current_dir()?;
    let mut excludes = Vec::new();
    if !args.exclude.is_empty() {
        excludes.push(GlobList::new(&args.exclude, &cwd).map_err(|(i, why)| {
            RunError::Usage(format!(
                "--exclude `{}`: invalid glob: {why}",
                args.exclude.get(i).map_or("", String::as_str)
            ))
        })?);
    }
    if let Some(g) = config.as_ref().and_then(|c| c.exclude.clone()) {
        excludes.push(g);
    }
    let stdin = if stdin_count > 0 {
        let mut contents = Vec::new();
        io::stdin().lock().read_to_end(&mut contents)?;
        Some(Stdin {
            name: stdin_name,
            contents: contents.into(),
        })
    } else {
        None
    };
    let settings = Settings {
        paths: paths.into_iter().filter(|p| !is_stdin(p)).collect(),
        stdin,
        enabled,
        show_skipped: args.show_skipped || asked_for_skipped,
        excludes,
        no_ignore: args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        severity: config
            .as_ref()
            .map(|c| c.severity.clone())
            .unwrap_or_default(),
        per_file_ignores: config
            .as_ref()
            .map(|c| c.per_file_ignores.clone())
            .unwrap_or_default(),
        declared: config.as_ref().map(|c| (c.path.clone(), c.facts.clone())),
        explain_facts: args.explain_facts,
        nginx_version: config.as_ref().and_then(|c| c.nginx_version),
        max_file_size: args.max_file_size.map_or(lint::DEFAULT_MAX_FILE_SIZE, |m| {
            m.saturating_mul(1024 * 1024)
        }),
        // A new baseline must list every finding, however many a file has.
        max_findings_per_file: if args.write_baseline.is_some() {
            0
        } else {
            args.max_findings_per_file
                .unwrap_or(lint::DEFAULT_MAX_FINDINGS_PER_FILE)
        },
        ..Settings::new(Vec::new())
    };
    let fail_on = args
        .fail_on
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Warning);

    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let progress = shows_progress(args.quiet, io::stderr().is_terminal(), ci)
        .then(|| Arc::new(Progress::default()));
    let (today, baseline) = suppression_settings(&args)?;
    let settings = Settings {
        progress: progress.clone(),
        today,
        baseline,
        ..settings
    };
    let display = progress.map(ProgressDisplay::start);
    // The whole run happens on a thread of its pool, not on the main thread:
    // the allocator reuses freed memory within the thread that allocated it,
    // so the model and the findings, built by the run's own thread, take
    // part of the room its parse trees left instead of new pages.
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.jobs {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool
        .build()
        .map_err(|e| RunError::Usage(format!("--jobs: {e}")))?;
    let mut outcome = pool.install(|| lint::lint(&settings));
    drop(display);
    // The process ends once the reports are written, and the system takes
    // back its memory at once: freeing a large tree's model piece by piece
    // (60-80 ms at 10,000 services) would only delay the exit. Compilers do
    // the same (clang runs its front end with -disable-free).
    std::mem::forget(outcome.model.take());
    pool.install(|| report(&args, outcome, report_file.as_deref(), fail_on))
}

/// Writes the reports of a run and says how it ends.
fn report(
    args: &CheckArgs,
    mut outcome: lint::Outcome,
    report_file: Option<&Path>,
    fail_on: FailOn,
) -> Result<ExitCode, RunError> {
    if let Some(path) = &args.write_baseline {
        let text = Baseline::render(&outcome.findings, &outcome.files, path);
        std::fs::write(path, &text)?;
        let written = Baseline::parse(&text, path)?;
        let n = written.apply(&mut outcome.findings, &outcome.files);
        outcome.count_suppressed();
        if !args.quiet {
            eprintln!(
                "scalelint: wrote {n} finding(s) to the baseline {}",
                path.display()
            );
        }
    }
    let outcome = if args.include_suppressed {
        outcome
    } else {
        lint::Outcome {
            findings: outcome
                .findings
                .into_iter()
                .filter(|f| !f.is_suppressed())
                .collect(),
            ..outcome
        }
    };

    let to_file = report_file.is_some();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            !to_file
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    if let Some(facts) = &outcome.facts {
        let text = match args.format {
            Format::Json => serde_json::to_string_pretty(facts).unwrap_or_default() + "\n",
            _ => crate::model::explain::render_text(facts),
        };
        let mut w = io::BufWriter::new(io::stdout().lock());
        w.write_all(text.as_bytes())?;
        w.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let report = Report {
        files: &outcome.files,
        findings: &outcome.findings,
        stats: &outcome.stats,
        color,
        quiet: args.quiet,
        statistics: args.statistics,
    };
    // Extra reports first: a closed standard output then loses only its own.
    for extra in &args.output {
        if let Some(format) = extra.format {
            let report = Report {
                color: false,
                ..report
            };
            write_report(&report, format, &extra.path)?;
        }
    }
    let format = args.format;
    match &report_file {
        Some(path) => write_report(&report, format, path)?,
        None => {
            let mut w = io::BufWriter::new(io::stdout().lock());
            report.render(format, &mut w)?;
            w.flush()?;
        }
    }
    crate::panics::inject("report", "");
    if !outcome.internal_errors.is_empty() {
        for e in &outcome.internal_errors {
            eprintln!("scalelint: internal error in {e}");
        }
        eprintln!(
            "scalelint: every other finding was reported; please report this bug to the scalelint maintainers"
        );
        return Ok(ExitCode::from(2));
    }
    let failed = outcome
        .findings
        .iter()
        .any(|f| !f.is_suppressed() && f.rule != Rule::FileSkipped && fail_on.fails(f.severity));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The day to compare `until` dates with, and the baseline to apply, from
/// the flags and `SCALELINT_TODAY`.
fn suppression_settings(args: &CheckArgs) -> Result<(Option<Date>, Option<Baseline>), RunError> {
    let today = match std::env::var(TODAY_VAR) {
        Ok(v) if !v.is_empty() => {
            Some(Date::parse(&v).map_err(|e| RunError::Usage(format!("{TODAY_VAR}: {e}")))?)
        }
        _ => None,
    };
    let same_file =
        |a: &PathBuf, b: &PathBuf| std::path::absolute(a).ok() == std::path::absolute(b).ok();
    let baseline = match (&args.baseline, &args.write_baseline) {
        (Some(b), Some(w)) if !same_file(b, w) => {
            return Err(RunError::Usage(format!(
                "--baseline `{}` and --write-baseline `{}` name different files: give one, or the same file to create or refresh it",
                b.display(),
                w.display()
            )));
        }
        // Written from scratch after the run.
        (_, Some(_)) => None,
        (Some(b), None) if !b.is_file() => {
            return Err(RunError::Usage(format!(
                "baseline file `{}` does not exist (create it with --write-baseline {})",
                b.display(),
                b.display()
            )));
        }
        (Some(b), None) => Some(Baseline::load(b)?),
        (None, None) => None,
    };
    Ok((today, baseline))
}

fn write_report(report: &Report<'_>, format: Format, path: &Path) -> Result<(), RunError> {
    let file = std::fs::File::create(path).map_err(|e| {
        RunError::Usage(format!(
            "cannot write the report to `{}`: {e}",
            path.display()
        ))
    })?;
    let mut w = io::BufWriter::new(file);
    report.render(format, &mut w)?;
    w.flush()?;
    Ok(())
}

/// Whether a run may show a progress bar: only to a person watching a
/// terminal, never in a CI log (`CI` set, as every CI service does) and
/// never with `-q`.
fn shows_progress(quiet: bool, stderr_is_terminal: bool, ci: bool) -> bool {
    !quiet && stderr_is_terminal && !ci
}

/// A progress bar of files read on stderr (indicatif), shown only once a
/// run has taken longer than `PROGRESS_AFTER`, and erased when it ends.
struct ProgressDisplay {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const PROGRESS_AFTER: Duration = Duration::from_secs(1);

impl ProgressDisplay {
    fn start(progress: Arc<Progress>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_in_thread = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !stop_in_thread.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                if started.elapsed() < PROGRESS_AFTER {
                    continue;
                }
                let bar = bar.get_or_insert_with(|| {
                    let style = ProgressStyle::with_template(
                        "scalelint: {pos}/{len} files read [{bar:30}]",
                    )
                    .map(|s| s.progress_chars("=> "))
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                        .with_style(style)
                });
                bar.set_length(progress.total.load(Ordering::Relaxed) as u64);
                bar.set_position(progress.done.load(Ordering::Relaxed) as u64);
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        ProgressDisplay {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ProgressDisplay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn rules(format: RulesFormat) -> Result<ExitCode, RunError> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match format {
        RulesFormat::Table => {
            writeln!(out, "{:<6} {:<28} {:<8} summary", "id", "name", "severity")?;
            for r in RULES {
                let summary = r.rule.doc().map(|d| d.summary).unwrap_or_default();
                writeln!(
                    out,
                    "{:<6} {:<28} {:<8} {}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    summary.trim()
                )?;
            }
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    let doc = r.rule.doc().ok();
                    serde_json::json!({
                        "id": r.code,
                        "name": r.name,
                        "severity": r.severity.as_str(),
                        "summary": doc.as_ref().map(|d| d.summary.trim().to_string()),
                        "tags": doc.as_ref().map(|d| d.tags.clone()),
                        "sources": doc.as_ref().map(|d| d.sources.clone()),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list).map_err(io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn explain(name: &str) -> Result<ExitCode, RunError> {
    let rule = Rule::lookup(name)
        .ok_or_else(|| RunError::Usage(format!("unknown rule `{name}` (see `scalelint rules`)")))?;
    let doc = rule.doc().map_err(RunError::Usage)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "{} {} ({})", doc.id, doc.name, doc.severity.as_str())?;
    writeln!(out)?;
    writeln!(out, "{}", doc.summary.trim())?;
    writeln!(out)?;
    writeln!(out, "Why this matters:\n{}\n", wrap(&doc.rationale))?;
    writeln!(out, "How to fix:\n{}\n", wrap(&doc.fix))?;
    writeln!(out, "Example that fires:\n{}\n", indent(&doc.example_bad))?;
    writeln!(out, "Fixed:\n{}\n", indent(&doc.example_good))?;
    writeln!(out, "Sources:")?;
    for s in &doc.sources {
        writeln!(out, "    {s}")?;
    }
    writeln!(
        out,
        "\nLeave it out with `--ignore {id}`, `ignore = [\"{id}\"]` or `[per-file-ignores]` in .scalelint.toml.",
        id = doc.id
    )?;
    match rule.info().check {
        Check::Model(_) | Check::Proxies(_) | Check::Pipeline => writeln!(
            out,
            "Suppress one finding with `# scalelint-ignore: {id} -- reason` on its line or above the block it is in\n\
             (or `scalelint.io/ignore: \"{id}\"` on a Kubernetes object); see docs/suppressions.md.",
            id = doc.id
        )?,
        Check::Config | Check::Suppression => {}
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Width of `explain`'s prose, indent included.
const EXPLAIN_WIDTH: usize = 100;

/// Code examples, indented and otherwise as written.
fn indent(s: &str) -> String {
    s.trim_matches('\n')
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prose, indented and wrapped at word boundaries, paragraphs kept.
fn wrap(s: &str) -> String {
    let mut out = Vec::new();
    for paragraph in s.trim().split("\n\n") {
        let mut line = String::from("   ");
        for word in paragraph.split_whitespace() {
            if line.chars().count() + 1 + word.chars().count() > EXPLAIN_WIDTH
                && !line.trim().is_empty()
            {
                out.push(line);
                line = String::from("   ");
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push(line);
        out.push(String::new());
    }
    out.pop();
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_for_a_person_at_a_terminal() {
        assert!(shows_progress(false, true, false));
        assert!(!shows_progress(true, true, false), "-q");
        assert!(
            !shows_progress(false, false, false),
            "stderr is a file or pipe"
        );
        assert!(!shows_progress(false, true, true), "CI");
    }
}
