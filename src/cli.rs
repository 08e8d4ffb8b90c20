//! Command line: flags become resolved `Settings` before any work starts.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, ConfigError, FailOn};
use crate::discover::GlobList;
use crate::lint::{self, Progress, Settings};
use crate::report::{Format, Report};
use crate::rules::{RULES, Rule, RuleSet, resolve_selector};

const EXAMPLES: &str = "\
Examples:
  scalelint                          lint the current directory
  scalelint k8s/ deploy/prod.yaml    lint some paths
  scalelint --select SL1 --ignore SL104 .
  scalelint --format sarif -o scalelint.sarif .
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
    Check(CheckArgs),
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
    /// Files or directories to lint [default: .]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
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
    /// Threads to use [default: the number of CPUs]
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Print the number of findings per rule and what was read, instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Also report files that were recognised but not linted (SL902).
    #[arg(long)]
    show_skipped: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print findings only: no summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Usage(String),
    #[error("{}:{}:{}: SL905 [error] {}", .0.path.display(), .0.pos.line, .0.pos.col, .0.message)]
    Config(ConfigError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl RunError {
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, RunError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, RunError> {
    match cli.command {
        Some(Command::Check(args)) => check(args),
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
    for p in &paths {
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
        match paths.first().and_then(|p| config::find(p)) {
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
            .unwrap_or_else(RuleSet::all)
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
    let settings = Settings {
        paths,
        enabled,
        show_skipped: args.show_skipped || asked_for_skipped,
        excludes,
        no_ignore: args.no_ignore,
        severity: config
            .as_ref()
            .map(|c| c.severity.clone())
            .unwrap_or_default(),
        per_file_ignores: config
            .as_ref()
            .map(|c| c.per_file_ignores.clone())
            .unwrap_or_default(),
        nginx_version: config.as_ref().and_then(|c| c.nginx_version),
        ..Settings::new(Vec::new())
    };
    let fail_on = args
        .fail_on
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Warning);

    let progress =
        (!args.quiet && io::stderr().is_terminal()).then(|| Arc::new(Progress::default()));
    let settings = Settings {
        progress: progress.clone(),
        ..settings
    };
    let display = progress.map(ProgressDisplay::start);
    let outcome = match args.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| RunError::Usage(format!("--jobs: {e}")))?
            .install(|| lint::lint(&settings)),
        None => lint::lint(&settings),
    };
    drop(display);

    let to_file = args.output.is_some();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            !to_file
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let report = Report {
        files: &outcome.files,
        findings: &outcome.findings,
        stats: &outcome.stats,
        color,
        quiet: args.quiet,
        statistics: args.statistics,
    };
    let format = args.format;
    match &args.output {
        Some(path) => {
            let mut w = io::BufWriter::new(std::fs::File::create(path)?);
            report.render(format, &mut w)?;
            w.flush()?;
        }
        None => {
            let mut w = io::BufWriter::new(io::stdout().lock());
            report.render(format, &mut w)?;
            w.flush()?;
        }
    }
    let failed = outcome
        .findings
        .iter()
        .any(|f| !f.suppressed && f.rule != Rule::FileSkipped && fail_on.fails(f.severity));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A one-line file counter on stderr, shown only on a terminal and only once
/// a run has taken longer than `PROGRESS_AFTER`; erased when the run ends.
struct ProgressDisplay {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const PROGRESS_AFTER: Duration = Duration::from_millis(700);

impl ProgressDisplay {
    fn start(progress: Arc<Progress>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_in_thread = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut shown = false;
            while !stop_in_thread.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if started.elapsed() < PROGRESS_AFTER {
                    continue;
                }
                let done = progress.done.load(Ordering::Relaxed);
                let total = progress.total.load(Ordering::Relaxed);
                eprint!("\rscalelint: {done}/{total} files read");
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[K");
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
