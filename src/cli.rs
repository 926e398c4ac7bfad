//! The command-line interface: argument parsing and the `scan`, `rules` and `explain` commands.

use crate::app::AuthConfig;
use crate::baseline::Baseline;
use crate::budget;
use crate::cache;
use crate::config::{self, RuleSources};
use crate::diff::ChangedLines;
use crate::filter;
use crate::profile;
use crate::report::{self, Format, TextStyle};
use crate::rules::{load_rule_paths, Confidence, RuleSet, Severity, CUSTOM_PACK};
use crate::scan::{self, ScanOptions};
use crate::testing;
use clap::{Parser, Subcommand, ValueEnum};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit status when no finding reaches `--fail-on`.
const EXIT_CLEAN: u8 = 0;
/// Exit status when findings reach `--fail-on`.
const EXIT_FINDINGS: u8 = 1;
/// Exit status for usage, configuration, rule and internal errors.
const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "tollgate", version, about = "Security review for Python and Rust backends", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan files and directories for security problems.
    Scan(ScanArgs),
    /// Record the current findings in a baseline file (`--output FILE`), so that
    /// `scan --baseline FILE` reports only new ones. Takes the same options as `scan`.
    Baseline(ScanArgs),
    /// List the rules, or validate rule files.
    Rules {
        #[command(subcommand)]
        action: Option<RulesAction>,
        /// Output format of the list.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        sources: RuleArgs,
    },
    /// Show a rule's documentation.
    Explain {
        /// The rule id, e.g. `sql-string-built`.
        rule_id: String,
        #[command(flatten)]
        sources: RuleArgs,
    },
    /// List the application's routes: method, path, handler, framework and guards.
    Routes(RoutesArgs),
    /// Survey a service (frameworks, guards, routes tollgate could not place) and write a
    /// commented starter `tollgate.toml` with `[auth]` prepared for review.
    Init(InitArgs),
    /// Check rules against example files annotated `# expect: RULE-ID` / `# ok: RULE-ID`.
    ///
    /// Annotate the line where a finding starts (`//` instead of `#` in Rust; several ids may be
    /// separated by commas). `# expect: RULE-ID`: the rule reports a finding there that users see
    /// by default (confidence medium or high, what `--min-confidence medium` shows).
    /// `# expect-low: RULE-ID`: it reports one there at low confidence only (hidden by default).
    /// `# ok: RULE-ID`: a safe look-alike; the rule reports nothing there, at any confidence. Any
    /// other finding of a rule under test at medium or high confidence fails the rule.
    Test {
        /// Example files and directories (default: the `--rules` paths).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        sources: RuleArgs,
    },
}

#[derive(Subcommand, Debug)]
enum RulesAction {
    /// Check rule files without scanning; reports every error with its line.
    Validate {
        /// Rule files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// Where rules come from.
#[derive(clap::Args, Debug, Clone)]
struct RuleArgs {
    /// Load rule files from PATH (a file, or a directory searched for *.yaml; repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Run only the `--rules` rules: no built-in or configured rules.
    #[arg(long, requires = "rules")]
    rules_only: bool,
    /// Configuration file (default: the nearest tollgate.toml, .tollgate.toml or pyproject.toml with [tool.tollgate]).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl RuleArgs {
    fn sources(&self) -> RuleSources {
        RuleSources {
            rule_paths: self.rules.clone(),
            rules_only: self.rules_only,
            config: self.config.clone(),
        }
    }
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// Files and directories to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write a SARIF report to FILE.
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Also write a Markdown summary to FILE (e.g. for `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Also write an HTML report to FILE (one self-contained page).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Exit with status 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Low, value_name = "SEVERITY")]
    fail_on: Severity,
    /// Hide findings whose confidence is below this (`low` shows every finding).
    #[arg(long, value_enum, default_value_t = filter::DEFAULT_MIN_CONFIDENCE, value_name = "CONFIDENCE")]
    min_confidence: Confidence,
    /// Leave out paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = scan::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Worker threads (default: one per core; at most 4 per core and 256).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// When to color text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    sources: RuleArgs,
    /// Keep per-file results in DIR, so unchanged files are not parsed again (default: a
    /// directory for the working directory under the user's cache directory, ~/.cache/tollgate).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Scan every file afresh; neither read nor write the cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// Report findings that `tollgate: ignore[…]` comments suppress, too.
    #[arg(long)]
    no_suppress: bool,
    /// Read no ignore file (`.gitignore`, `.ignore`, `.git/info/exclude`, global excludes); files
    /// git tracks are scanned either way.
    #[arg(long)]
    no_ignore_files: bool,
    /// Succeed when there is no Python or Rust file to scan (otherwise exit status 2).
    #[arg(long)]
    allow_empty: bool,
    /// Report only findings that the baseline FILE (from `tollgate baseline`) does not know.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report only findings on lines added or changed since the merge base of REF and HEAD.
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,
    /// Report only findings in these files, while the scanned paths (default: the directory)
    /// still give cross-file context: what a pre-commit hook passes for the staged files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    report_only: Vec<PathBuf>,
    /// Measure where the time goes: per phase, per rule and the slowest files (on standard
    /// error; in the document with `--format json`).
    #[arg(long)]
    profile: bool,
    /// Stop a rule that spends more than SECONDS on one file, with a notice (0: no limit;
    /// default 5, or `timeout-per-file` in the configuration).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout_per_file: Option<f64>,
    /// Exit with status 2 when a rule failed or ran out of time on some file.
    #[arg(long)]
    strict: bool,
}

/// A time limit in seconds: a finite number, not negative.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && (0.0..=1e9).contains(&seconds) => Ok(seconds),
        _ => Err("expected a number of seconds, 0 or more (0: no limit)".into()),
    }
}

/// The per-file time limit: 0 means none.
fn timeout(seconds: f64) -> Option<Duration> {
    (seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[derive(clap::Args, Debug)]
struct RoutesArgs {
    /// Files and directories to read.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Write the list to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Leave out paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Configuration file (default: the nearest tollgate.toml, .tollgate.toml or pyproject.toml with [tool.tollgate]).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct InitArgs {
    /// The service's directory; the configuration is written there.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Replace an existing `tollgate.toml`.
    #[arg(long)]
    force: bool,
    /// Print the configuration on standard output (the survey goes to standard error) instead
    /// of writing the file.
    #[arg(long)]
    stdout: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Run the command line and return the process exit code.
pub fn main() -> ExitCode {
    profile::process_start();
    // Panics are turned into notices or exit code 2; print one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("tollgate: internal error: {info}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            print_error(err.as_ref());
            ExitCode::from(EXIT_ERROR)
        }
    }
}

type CliResult = Result<u8, Box<dyn Diagnostic + Send + Sync>>;

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Baseline(args) => write_baseline(args),
        Command::Rules {
            action: Some(RulesAction::Validate { paths }),
            ..
        } => validate(&paths),
        Command::Rules {
            action: None,
            format,
            sources,
        } => list_rules(&config::assemble(&sources.sources())?.0, format),
        Command::Explain { rule_id, sources } => {
            explain(&config::assemble(&sources.sources())?.0, &rule_id)
        }
        Command::Routes(args) => list_routes(&args),
        Command::Init(args) => init(&args),
        Command::Test { paths, sources } => run_tests(paths, &sources),
    }
}

/// Run the scan `args` describe: rules and options from the arguments and configuration.
fn scan_with(
    args: &ScanArgs,
) -> Result<(RuleSet, scan::ScanOutcome), Box<dyn Diagnostic + Send + Sync>> {
    let (rules, loaded) = config::assemble(&args.sources.sources())?;
    let mut excludes = args.exclude.clone();
    let auth = auth_config(loaded.as_ref())?;
    let include_tests = loaded
        .as_ref()
        .is_some_and(|loaded| loaded.config.scan.include_tests);
    let mut timeout_per_file = args.timeout_per_file;
    if let Some(loaded) = loaded {
        excludes.extend(loaded.config.exclude);
        if let Some(seconds) = loaded.config.timeout_per_file {
            if parse_seconds(&seconds.to_string()).is_err() {
                return Err(boxed(CliError::Usage(format!(
                    "{}: `timeout-per-file` must be a number of seconds, 0 or more (0: no limit)",
                    loaded.path.display()
                ))));
            }
        }
        timeout_per_file = timeout_per_file.or(loaded.config.timeout_per_file);
    }
    let options = ScanOptions {
        paths: args.paths.clone(),
        excludes,
        max_file_size: args.max_file_size,
        jobs: args.jobs.map(clamp_jobs),
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.clone().or_else(cache::default_dir)
        },
        progress: true,
        no_suppress: args.no_suppress,
        auth,
        ignore_files: !args.no_ignore_files,
        profile: args.profile,
        include_tests,
        timeout: timeout_per_file.map_or(Some(budget::DEFAULT_TIMEOUT), timeout),
    };
    let startup = profile::process_start().elapsed();
    let mut outcome = scan::scan(&options, &rules).map_err(boxed)?;
    if let Some(profile) = &mut outcome.profile {
        profile.phases.startup = startup;
    }
    // The summary states the whole process time, rule loading included.
    outcome.stats.duration = profile::process_start().elapsed();
    if outcome.stats.files_scanned == 0 && !args.allow_empty {
        let left_out = report::left_out(&outcome);
        let why = if left_out.is_empty() {
            String::new()
        } else {
            let reasons: Vec<String> = left_out
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect();
            format!(" (left out: {})", reasons.join(", "))
        };
        for notice in &outcome.notices {
            eprintln!(
                "tollgate: {}: {}",
                report::sanitize(&notice.path),
                report::sanitize(&notice.message)
            );
        }
        return Err(boxed(CliError::Usage(format!(
            "no Python or Rust file was scanned{why}; pass --allow-empty if that is expected"
        ))));
    }
    filter::at_least(&mut outcome.findings, args.min_confidence);
    Ok((rules, outcome))
}

/// `--jobs N` within [`scan::max_jobs`], with a warning when it was over.
fn clamp_jobs(jobs: usize) -> usize {
    let max = scan::max_jobs();
    if jobs > max {
        eprintln!("tollgate: --jobs {jobs} is more than this machine can use (4 per core, at most 256); using {max}");
        max
    } else {
        jobs
    }
}

/// The `[auth]` settings of a loaded configuration, compiled.
fn auth_config(
    loaded: Option<&config::LoadedConfig>,
) -> Result<AuthConfig, Box<dyn Diagnostic + Send + Sync>> {
    let Some(loaded) = loaded else {
        return Ok(AuthConfig::default());
    };
    AuthConfig::new(&loaded.config.auth).map_err(|message| {
        boxed(CliError::Usage(format!(
            "{}: [auth] {message}",
            loaded.path.display()
        )))
    })
}

fn list_routes(args: &RoutesArgs) -> CliResult {
    let config_path = args.config.clone().or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| config::find(&cwd))
    });
    let loaded = config_path
        .as_deref()
        .map(config::load)
        .transpose()
        .map_err(boxed)?;
    let mut excludes = args.exclude.clone();
    if let Some(loaded) = &loaded {
        excludes.extend(loaded.config.exclude.iter().cloned());
    }
    let options = ScanOptions {
        paths: args.paths.clone(),
        excludes,
        auth: auth_config(loaded.as_ref())?,
        ..ScanOptions::default()
    };
    let outcome = scan::scan(&options, &RuleSet::default()).map_err(boxed)?;
    for notice in &outcome.notices {
        let (path, message) = (
            report::sanitize(&notice.path),
            report::sanitize(&notice.message),
        );
        eprintln!("tollgate: {path}: {message}");
    }
    let mut buffer = Vec::new();
    match args.format {
        ListFormat::Text => report::routes::text(&outcome.project, &mut buffer),
        ListFormat::Json => report::routes::json(&outcome.project, &mut buffer),
    }
    .map_err(|err| boxed(CliError::Write(err.to_string())))?;
    match &args.output {
        Some(path) => std::fs::write(path, buffer).map_err(|err| {
            boxed(CliError::Write(format!(
                "cannot write `{}`: {err}",
                path.display()
            )))
        })?,
        None => unless_pipe_closed(std::io::stdout().write_all(&buffer))
            .map_err(|err| boxed(CliError::Write(err.to_string())))?,
    }
    Ok(EXIT_CLEAN)
}

/// `tollgate init`: survey the service with the project model and write the starter configuration.
fn init(args: &InitArgs) -> CliResult {
    let shown = report::sanitize(&args.path.to_string_lossy()).into_owned();
    if !args.path.exists() {
        return Err(boxed(CliError::Usage(format!(
            "path `{shown}` does not exist"
        ))));
    }
    if !args.path.is_dir() {
        return Err(boxed(CliError::Usage(format!(
            "`{shown}` is not a directory: name the service's directory"
        ))));
    }
    let target = args.path.join("tollgate.toml");
    if !args.stdout && !args.force && target.exists() {
        return Err(boxed(CliError::Usage(format!(
            "`{}` exists; pass --force to replace it, or --stdout to print the starter",
            target.display()
        ))));
    }
    let options = ScanOptions {
        paths: vec![args.path.clone()],
        ..ScanOptions::default()
    };
    let outcome = scan::scan(&options, &RuleSet::default()).map_err(boxed)?;
    if outcome.stats.files_scanned == 0 {
        return Err(boxed(CliError::Usage(format!(
            "no Python or Rust file under `{shown}`"
        ))));
    }
    let survey = report::starter::Survey::of(&outcome.project);
    let mut summary = Vec::new();
    survey
        .render_summary(&mut summary)
        .map_err(|err| boxed(CliError::Write(err.to_string())))?;
    let config = survey.config();
    let written = if args.stdout {
        std::io::stderr()
            .write_all(&summary)
            .and_then(|()| std::io::stdout().write_all(config.as_bytes()))
    } else {
        std::fs::write(&target, &config).map_err(|err| {
            boxed(CliError::Write(format!(
                "cannot write `{}`: {err}",
                target.display()
            )))
        })?;
        let mut out = std::io::stdout().lock();
        out.write_all(&summary).and_then(|()| {
            writeln!(
                out,
                "\nWrote {}: review [auth], then run `tollgate scan {shown}`.",
                target.display()
            )
        })
    };
    unless_pipe_closed(written).map_err(|err| boxed(CliError::Write(err.to_string())))?;
    if survey.is_empty() {
        eprintln!("tollgate: no route found; the starter configuration has an empty [auth]");
    }
    Ok(EXIT_CLEAN)
}

fn write_baseline(args: ScanArgs) -> CliResult {
    let Some(path) = args.output.clone() else {
        return Err(boxed(CliError::Usage(
            "`tollgate baseline` needs `--output FILE`".into(),
        )));
    };
    let (_, outcome) = scan_with(&args)?;
    let baseline = Baseline::of(&outcome.findings);
    let text = serde_json::to_string_pretty(&baseline)
        .map_err(|err| boxed(CliError::Write(err.to_string())))?;
    std::fs::write(&path, text + "\n").map_err(|err| {
        boxed(CliError::Write(format!(
            "cannot write `{}`: {err}",
            path.display()
        )))
    })?;
    eprintln!(
        "tollgate: {} findings recorded in {}",
        baseline.findings.len(),
        path.display()
    );
    Ok(EXIT_CLEAN)
}

fn run_scan(args: ScanArgs) -> CliResult {
    // Read the baseline and the diff first: a bad file or ref fails before the scan.
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::load(path).map_err(|err| boxed(CliError::Usage(err)))?),
        None => None,
    };
    let changed = match &args.diff_base {
        Some(base) => Some(ChangedLines::since(base).map_err(|err| boxed(CliError::Usage(err)))?),
        None => None,
    };
    let reported_files = report_only(&args.report_only)?;
    let (rules, mut outcome) = scan_with(&args)?;
    let rules = &rules;
    if let Some(changed) = &changed {
        outcome.findings.retain(|finding| changed.touches(finding));
    }
    if let Some(files) = &reported_files {
        outcome
            .findings
            .retain(|finding| files.contains(&identity(Path::new(&finding.path))));
    }
    if let Some(baseline) = &baseline {
        let before = outcome.findings.len();
        let compared = baseline.compare(std::mem::take(&mut outcome.findings));
        outcome.findings = compared.new;
        outcome.stats.baselined = before - outcome.findings.len();
        if !compared.stale.is_empty() {
            eprintln!(
                "tollgate: {} baseline entries no longer found (fixed or changed); refresh the baseline with `tollgate baseline --output FILE`",
                compared.stale.len()
            );
        }
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let style = TextStyle {
        color,
        fail_on: args.fail_on,
        width: text_width(to_terminal),
    };
    let reporting = std::time::Instant::now();
    write_report(args.format, args.output.as_ref(), &outcome, rules, style)?;
    if let Some(path) = &args.sarif {
        write_report(Format::Sarif, Some(path), &outcome, rules, style)?;
    }
    if let Some(path) = &args.markdown {
        write_report(Format::Markdown, Some(path), &outcome, rules, style)?;
    }
    if let Some(path) = &args.html {
        write_report(Format::Html, Some(path), &outcome, rules, style)?;
    }
    if let Some(profile) = &mut outcome.profile {
        profile.phases.report = reporting.elapsed();
        if args.format != Format::Json {
            eprint!("{}", profile.render_text());
        }
    }
    if args.strict {
        if let Some(notice) = outcome.notices.iter().find(|n| n.kind.internal()) {
            eprintln!(
                "tollgate: --strict: {}: {} (exit status {EXIT_ERROR})",
                notice.path, notice.message
            );
            return Ok(EXIT_ERROR);
        }
    }
    Ok(if filter::fails(&outcome.findings, args.fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// The `--report-only` files by [`identity`], or `None` without the option; a file that does not
/// exist is an error.
fn report_only(
    files: &[PathBuf],
) -> Result<Option<HashSet<PathBuf>>, Box<dyn Diagnostic + Send + Sync>> {
    if files.is_empty() {
        return Ok(None);
    }
    files
        .iter()
        .map(|file| {
            if file.exists() {
                Ok(identity(file))
            } else {
                Err(boxed(CliError::Usage(format!(
                    "--report-only: path `{}` does not exist",
                    report::sanitize(&file.to_string_lossy())
                ))))
            }
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// A file's real path, so `./app/x.py`, `app/x.py` and an absolute name compare equal.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The columns of the text report: the terminal's width when it goes to one (at least 60),
/// otherwise `$COLUMNS` or [`report::DEFAULT_WIDTH`].
fn text_width(to_terminal: bool) -> usize {
    let terminal = to_terminal
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(width, _)| usize::from(width.0));
    let columns = || std::env::var("COLUMNS").ok()?.trim().parse::<usize>().ok();
    terminal
        .or_else(columns)
        .map_or(report::DEFAULT_WIDTH, |width| width.max(60))
}

fn write_report(
    format: Format,
    path: Option<&PathBuf>,
    outcome: &scan::ScanOutcome,
    rules: &RuleSet,
    style: TextStyle,
) -> Result<(), Box<dyn Diagnostic + Send + Sync>> {
    let written = match path {
        Some(path) => std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            report::render(format, outcome, rules, style, &mut out)?;
            out.flush()
        }),
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            unless_pipe_closed(
                report::render(format, outcome, rules, style, &mut out).and_then(|()| out.flush()),
            )
        }
    };
    written.map_err(|err| {
        let target = path.map_or("standard output".to_string(), |p| {
            format!("`{}`", p.display())
        });
        boxed(CliError::Write(format!(
            "could not write the report to {target}: {err}"
        )))
    })
}

fn list_rules(rules: &RuleSet, format: ListFormat) -> CliResult {
    let mut out = std::io::stdout().lock();
    let written = match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rules.iter().collect::<Vec<_>>())
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        ListFormat::Text => {
            let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
            rules.iter().try_for_each(|rule| {
                let languages: Vec<_> = rule.languages.iter().map(|l| l.name()).collect();
                writeln!(
                    out,
                    "{:width$}  {:8}  {:6}  {:12}  {}",
                    rule.id,
                    rule.severity.name(),
                    rule.confidence.name(),
                    languages.join(","),
                    rule.name
                )
            })
        }
    };
    unless_pipe_closed(written).map_err(|err| boxed(CliError::Write(err.to_string())))?;
    Ok(EXIT_CLEAN)
}

fn validate(paths: &[PathBuf]) -> CliResult {
    let rules = load_rule_paths(paths, &RuleSet::default()).map_err(boxed)?;
    unless_pipe_closed(writeln!(
        std::io::stdout(),
        "{} valid",
        plural(rules.len(), "rule")
    ))
    .map_err(|err| boxed(CliError::Write(err.to_string())))?;
    Ok(EXIT_CLEAN)
}

fn run_tests(paths: Vec<PathBuf>, sources: &RuleArgs) -> CliResult {
    let (rules, _) = config::assemble(&sources.sources())?;
    let custom: Vec<String> = rules
        .iter()
        .filter(|rule| rule.pack == CUSTOM_PACK)
        .map(|rule| rule.id.clone())
        .collect();
    let options = ScanOptions {
        paths: if paths.is_empty() {
            sources.rules.clone()
        } else {
            paths
        },
        ..ScanOptions::default()
    };
    if options.paths.is_empty() {
        return Err(boxed(CliError::Write(
            "name example files or directories, or --rules to test".into(),
        )));
    }
    let report = testing::run(&options, &rules, &custom).map_err(boxed)?;
    let mut out = std::io::stdout().lock();
    unless_pipe_closed(testing::render(&report, &rules, &mut out))
        .map_err(|err| boxed(CliError::Write(err.to_string())))?;
    Ok(if report.failed() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Success when standard output was closed by its reader (`tollgate scan | head -3`): the reader
/// chose to stop, so the command ends quietly with its usual status.
fn unless_pipe_closed(written: std::io::Result<()>) -> std::io::Result<()> {
    match written {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn explain(rules: &RuleSet, rule_id: &str) -> CliResult {
    let Some(rule) = rules.get(rule_id) else {
        let help = rules
            .suggest(rule_id)
            .map(|id| format!("did you mean `{id}`?"));
        return Err(boxed(CliError::UnknownRule {
            id: rule_id.to_string(),
            help: help.or_else(|| Some("`tollgate rules` lists every rule".into())),
        }));
    };
    let languages: Vec<_> = rule.languages.iter().map(|l| l.name()).collect();
    let cwe: Vec<_> = rule.cwe.iter().map(|n| format!("CWE-{n}")).collect();
    let owasp: Vec<_> = rule
        .owasp
        .iter()
        .map(|id| format!("{id} {}", id.title().unwrap_or_default()))
        .collect();
    let mut out = std::io::stdout().lock();
    let written = writeln!(
        out,
        "# {} — {}\n\nseverity: {} · confidence: {} · languages: {} · pack: {}\nCWE: {}\nOWASP: {}\n\nFix: {}\n\n{}",
        rule.id,
        rule.name,
        rule.severity,
        rule.confidence,
        languages.join(", "),
        rule.pack,
        cwe.join(", "),
        owasp.join("; "),
        rule.fix,
        rule.help.trim_end()
    );
    unless_pipe_closed(written).map_err(|err| boxed(CliError::Write(err.to_string())))?;
    Ok(EXIT_CLEAN)
}

/// Errors of the command line itself.
#[derive(Debug, thiserror::Error, Diagnostic)]
enum CliError {
    #[error("no rule `{id}`")]
    #[diagnostic(code(tollgate::unknown_rule))]
    UnknownRule {
        id: String,
        #[help]
        help: Option<String>,
    },
    #[error("{0}")]
    #[diagnostic(code(tollgate::write))]
    Write(String),
    #[error("{0}")]
    #[diagnostic(code(tollgate::usage))]
    Usage(String),
}

fn boxed<E: Diagnostic + Send + Sync + 'static>(err: E) -> Box<dyn Diagnostic + Send + Sync> {
    Box::new(err)
}

fn print_error(err: &(dyn Diagnostic + Send + Sync)) {
    let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut rendered = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .render_report(&mut rendered, err)
        .is_err()
    {
        rendered = format!("error: {err}");
    }
    eprintln!("{rendered}");
}
