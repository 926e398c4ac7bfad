//! The whole pipeline for one run: discover → read → parse → check → filter.

use crate::app::checks::LinkChecks;
use crate::app::connexion::Binding;
use crate::app::effects::Effects;
use crate::app::{self, missing_authorization, AuthConfig, FileFacts, Project};
use crate::budget::{self, Stopped};
use crate::cache::{self, Cache};
use crate::check::{self, check_file, rule_notice, Checked, Plan};
use crate::detectors::DetectorKind;
use crate::discover::{self, Candidate, DiscoverError, DiscoverOptions};
use crate::filter;
use crate::finding::{Finding, Notice, NoticeKind};
use crate::fingerprint;
use crate::parse::{self, ParsedFile};
use crate::profile::{FileProfile, Profile, RuleTimes};
use crate::progress::Progress;
use crate::rules::{Confidence, RuleSet};
use crate::rules::{Logic, TestCodePolicy};
use crate::source::SourceFile;
use crate::suppress::{self, Suppression};
use crate::taint::across::{self, CallNames, RequestReturns};
use crate::taint::callees::Callees;
use crate::testcode;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Files above this size are skipped unless `--max-file-size` says otherwise (2 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// Parsing gets at least this long, however short `--timeout-per-file` is: without a tree, no
/// rule can run on the file.
const MIN_PARSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    pub max_file_size: u64,
    /// Worker threads; `None` uses every core.
    pub jobs: Option<usize>,
    /// Where to keep per-file results between runs (see [`crate::cache`]); `None` turns the cache off.
    pub cache_dir: Option<PathBuf>,
    /// Show a progress bar on stderr when it is a terminal and the scan takes more than a moment.
    pub progress: bool,
    /// Ignore `tollgate: ignore[…]` comments and report everything.
    pub no_suppress: bool,
    /// The team's own guards and public paths (`[auth]` in the configuration).
    pub auth: AuthConfig,
    /// Honour `.gitignore`/`.ignore` files in the scanned tree (see [`DiscoverOptions`]).
    pub ignore_files: bool,
    /// Measure time per phase, rule and file (`--profile`).
    pub profile: bool,
    /// Run `test-code: skip` rules on test code too (`[scan] include-tests`).
    pub include_tests: bool,
    /// What one rule may spend on one file (`--timeout-per-file`); `None`: no limit.
    pub timeout: Option<Duration>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: vec![PathBuf::from(".")],
            excludes: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            jobs: None,
            cache_dir: None,
            progress: false,
            no_suppress: false,
            auth: AuthConfig::default(),
            ignore_files: true,
            profile: false,
            include_tests: false,
            timeout: Some(budget::DEFAULT_TIMEOUT),
        }
    }
}

/// Everything a scan produced, in deterministic order.
#[derive(Debug)]
pub struct ScanOutcome {
    /// Sorted by path, line, column and rule id.
    pub findings: Vec<Finding>,
    /// Sorted by path.
    pub notices: Vec<Notice>,
    pub stats: ScanStats,
    /// The application's routes and guards across the scanned files.
    pub project: Project,
    /// Where the time went, with `--profile`.
    pub profile: Option<Profile>,
}

/// Counts and timing for the summary line.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanStats {
    /// Files read and checked (files with syntax errors included).
    pub files_scanned: usize,
    /// Files left out because of a notice.
    pub files_skipped: usize,
    /// Source files left out without a notice (ignore files, `--exclude`, links), by reason.
    pub left_out: discover::LeftOut,
    pub bytes_scanned: u64,
    /// Files whose result came from the cache instead of being parsed and checked.
    pub files_cached: usize,
    /// Findings removed by inline suppressions.
    pub suppressed: usize,
    /// Findings left out because the `--baseline` file knows them.
    pub baselined: usize,
    pub duration: Duration,
}

/// Why a scan could not run at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ScanError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Discover(#[from] DiscoverError),
    #[error("could not start {jobs} worker threads: {reason}")]
    #[diagnostic(code(tollgate::threads))]
    Threads { jobs: usize, reason: String },
}

/// Run a scan of `options.paths` with `rules`.
pub fn scan(options: &ScanOptions, rules: &RuleSet) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let jobs = options
        .jobs
        .filter(|&jobs| jobs > 0)
        .unwrap_or_else(cores)
        .min(max_jobs());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(budget::WORKER_STACK)
        .build()
        .map_err(|err| ScanError::Threads {
            jobs,
            reason: err.to_string(),
        })?;
    let discover_options = DiscoverOptions {
        excludes: options.excludes.clone(),
        max_file_size: options.max_file_size,
        threads: jobs,
        ignore_files: options.ignore_files,
    };
    let discovery = discover::discover(&options.paths, &discover_options)?;
    let discovered = started.elapsed();
    let languages = discovery.files.iter().map(|file| file.language).collect();
    let plan = Plan::new(rules, &languages).including_tests(options.include_tests);
    let settings = cache::Settings::new(rules).including_tests(options.include_tests);
    let cache = options
        .cache_dir
        .as_deref()
        .map(|dir| pool.install(|| Cache::open(dir, settings, &discovery.files)));
    if let Some(warning) = cache.as_ref().and_then(|cache| cache.warning.as_ref()) {
        eprintln!("tollgate: {warning}");
    }
    let progress = Progress::start(discovery.files.len(), options.progress, started);
    let scanned: Vec<Scanned> = pool.install(|| {
        discovery
            .files
            .par_iter()
            .map(|candidate| {
                let test_path = is_test_candidate(candidate, &options.paths);
                let scanned = scan_file(
                    candidate,
                    test_path,
                    &plan,
                    cache.as_ref(),
                    options.profile,
                    options.timeout,
                );
                progress.inc();
                scanned
            })
            .collect()
    });
    progress.finish();
    if let Some(cache) = &cache {
        // A cache that cannot be written only makes the next run slower; the scan has its results.
        // Timeouts depend on the machine's load and failures on this build: not kept.
        let _ = cache.save(
            scanned
                .iter()
                .filter(|file| !file.result.notices.iter().any(|n| n.kind.internal()))
                .filter_map(|file| Some((file.key.as_ref()?, &file.result))),
        );
    }

    let mut profile = options.profile.then(Profile::default);
    let linking = Instant::now();
    let mut scanned = scanned;
    let (operations, specs) = pool.install(|| openapi(&mut scanned, &discovery, options, &plan));
    let mut across_findings = pool.install(|| {
        across_files(
            &mut scanned,
            &discovery.files,
            options,
            rules,
            &plan,
            operations,
        )
    });
    // The names of each file's calls served the cross-file stage only.
    for file in &mut scanned {
        file.result.calls = CallNames::default();
    }
    let templates = templates(
        &mut scanned,
        &mut across_findings,
        &discovery.templates,
        rules,
    );
    scanned.extend(specs);
    let linked: Vec<(String, &FileFacts)> = scanned
        .iter()
        .filter(|file| !file.result.facts.is_empty())
        .map(|file| (file.result.path.clone(), &file.result.facts))
        .collect();
    let project = Project::link(&linked, &options.auth);
    let sources = crate::taint::callees::Sources::new();
    let mut callees = Callees::new(&discovery.files, rules, &sources);
    let mut effects = Effects::default();
    let link_checks = LinkChecks::new(
        &linked,
        &project,
        scanned
            .iter()
            .chain(&templates)
            .flat_map(|file| &file.result.findings)
            .chain(across_findings.values().flatten()),
        &mut callees,
        &mut effects,
    );
    drop(linked);
    let test_files: BTreeSet<String> = if options.include_tests {
        BTreeSet::new()
    } else {
        discovery
            .files
            .iter()
            .filter(|candidate| is_test_candidate(candidate, &options.paths))
            .map(|candidate| discover::display_path(&candidate.path))
            .collect()
    };
    let mut project_findings =
        project_findings(&project, rules, &test_files, &mut callees, &mut effects);
    // Rules that skip test code report nothing in what only tests import either.
    let support_files = testcode::support_files(
        scanned.iter().filter_map(|file| {
            let symbols = file.result.facts.symbols.as_ref()?;
            Some((file.result.path.as_str(), symbols))
        }),
        &test_files,
    );
    recheck_as_tests(
        &mut scanned,
        &discovery.files,
        &support_files,
        &plan,
        options,
    );
    if let Some(profile) = &mut profile {
        profile.phases.discover = discovered;
        profile.phases.link = linking.elapsed();
    }

    let mut findings = Vec::new();
    let mut notices = discovery.notices;
    let mut stats = ScanStats {
        left_out: discovery.left_out,
        ..ScanStats::default()
    };
    let all_ids = suppress_ids(rules);
    scanned.extend(templates);
    for Scanned {
        mut result,
        cached,
        profile: file_profile,
        ..
    } in scanned
    {
        if let (Some(profile), Some(file_profile)) = (&mut profile, file_profile) {
            profile.add_file(&result.path, file_profile);
        }
        if let Some(more) = project_findings.remove(&result.path) {
            result.findings.extend(more);
        }
        if let Some(more) = across_findings.remove(&result.path) {
            result.findings.extend(more);
            check::settle(&mut result.findings, |id| rules.get(id));
        }
        link_checks.apply(&mut result.findings);
        if support_files.contains(&result.path) {
            result.findings.retain(|finding| {
                rules
                    .get(&finding.rule_id)
                    .is_none_or(|rule| rule.test_code != TestCodePolicy::Skip)
            });
        }
        stats.files_cached += usize::from(cached);
        if result.scanned {
            stats.files_scanned += 1;
            stats.bytes_scanned += result.bytes;
        }
        let suppressing = !options.no_suppress && !result.suppressions.is_empty();
        let mut kept = if suppressing {
            let applied = suppress::apply(result.findings, &result.suppressions, rules, &all_ids);
            stats.suppressed += applied.suppressed;
            applied.kept
        } else {
            result.findings
        };
        // Fingerprints count repeats, so they are given again when findings were taken out.
        if check::merge_same_value(&mut kept, |id| rules.get(id)) || suppressing {
            fingerprint::assign(&mut kept);
        }
        findings.extend(kept);
        notices.extend(result.notices);
    }
    stats.files_skipped = notices
        .iter()
        .filter(|notice| notice.kind.skipped())
        .count();
    filter::order(&mut findings);
    notices.sort();
    stats.duration = started.elapsed();
    if let Some(profile) = &mut profile {
        profile.finish();
    }
    Ok(ScanOutcome {
        findings,
        notices,
        stats,
        project,
        profile,
    })
}

/// The findings decided across files (see [`across`]), by path: the findings that waited for
/// their function's callers are taken out of `scanned` and joined with the calls that reach them,
/// and the files that call a function returning request input are checked again.
fn across_files(
    scanned: &mut [Scanned],
    candidates: &[Candidate],
    options: &ScanOptions,
    rules: &RuleSet,
    plan: &Plan,
    operations: HashMap<String, Vec<Binding>>,
) -> BTreeMap<String, Vec<Finding>> {
    let pending: Vec<Finding> = scanned
        .iter_mut()
        .flat_map(|file| {
            let (waiting, kept) = std::mem::take(&mut file.result.findings)
                .into_iter()
                .partition(|finding: &Finding| finding.via_parameter.is_some());
            file.result.findings = kept;
            waiting
        })
        .collect();
    let returns = std::sync::Arc::new(
        RequestReturns::new(
            scanned
                .iter()
                .flat_map(|file| {
                    let path = &file.result.path;
                    file.result
                        .facts
                        .returns_request
                        .iter()
                        .map(move |id| (id.clone(), path.clone()))
                })
                .collect(),
            // Only objects some rule asks about: each one makes its callers' files checked again.
            scanned
                .iter()
                .flat_map(|file| file.result.facts.returns_object.iter().cloned())
                .filter(|(_, class)| rules.names_instance(class))
                .collect(),
        )
        .with_lookups(if rules.get(crate::detectors::IDOR_RULE_ID).is_some() {
            scanned
                .iter()
                .flat_map(|file| file.result.facts.unscoped_lookups.iter().cloned())
                .collect()
        } else {
            Vec::new()
        })
        .with_operations(operations)
        .with_properties(
            scanned
                .iter()
                .flat_map(|file| file.result.facts.request_properties.iter().cloned())
                .collect(),
        ),
    );
    let mut by_path: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    if pending.is_empty() && returns.is_empty() {
        return by_path;
    }
    // Only files the per-file stage could read and parse are read again.
    let (files, calls): (Vec<(Candidate, bool)>, Vec<&CallNames>) = candidates
        .iter()
        .zip(scanned.iter())
        .filter(|(_, file)| file.result.scanned)
        .map(|(candidate, file)| {
            let test = is_test_candidate(candidate, &options.paths);
            ((candidate.clone(), test), &file.result.calls)
        })
        .unzip();
    let known: BTreeMap<across::Site, Confidence> = scanned
        .iter()
        .flat_map(|file| &file.result.findings)
        .map(|finding| (across::site(finding), finding.confidence))
        .collect();
    let linked = across::link(
        pending,
        &files,
        &calls,
        &returns,
        rules,
        options.include_tests,
        options.timeout,
    );
    let rechecked = across::recheck(&returns, &files, &calls, plan, &known, options.timeout);
    // A recheck that sees a finding more surely than the first check replaces it.
    let replaced: BTreeSet<across::Site> = rechecked
        .iter()
        .map(across::site)
        .filter(|site| known.contains_key(site))
        .collect();
    if !replaced.is_empty() {
        for file in scanned.iter_mut() {
            file.result
                .findings
                .retain(|finding| !replaced.contains(&across::site(finding)));
        }
    }
    for finding in linked.into_iter().chain(rechecked) {
        by_path
            .entry(finding.path.clone())
            .or_default()
            .push(finding);
    }
    by_path
}

/// connexion's OpenAPI specifications, read when some file serves one (`add_api`, see
/// [`app::connexion`]): the files that define the functions their operations name are checked
/// again knowing them (their results replace the first ones, and are not cached). Returns the
/// operations bound to each file's functions, for the files read again later, and one result
/// per specification, with its facts for the link and its notices.
fn openapi(
    scanned: &mut [Scanned],
    discovery: &discover::Discovery,
    options: &ScanOptions,
    plan: &Plan,
) -> (HashMap<String, Vec<Binding>>, Vec<Scanned>) {
    if scanned.iter().all(|file| file.result.facts.apis.is_empty()) {
        return (HashMap::new(), Vec::new());
    }
    let sources: Vec<app::connexion::Source> = discovery
        .files
        .iter()
        .zip(scanned.iter())
        .map(|(candidate, file)| app::connexion::Source {
            path: &candidate.path,
            display: &file.result.path,
            language: candidate.language,
            facts: &file.result.facts,
        })
        .collect();
    let bound = app::connexion::bind(
        &sources,
        &discovery.specs,
        options.max_file_size,
        options.timeout,
    );
    drop(sources);
    let project = Arc::new(RequestReturns::default().with_operations(bound.files.clone()));
    let again: Vec<(usize, FileResult)> = discovery
        .files
        .par_iter()
        .zip(scanned.par_iter())
        .enumerate()
        .filter(|(_, (_, file))| file.result.scanned && bound.files.contains_key(&file.result.path))
        .filter_map(|(index, (candidate, _))| {
            let test_path = is_test_candidate(candidate, &options.paths);
            let result = budget::bounded(None, || {
                let bytes = std::fs::read(&candidate.path).ok()?;
                let display = discover::display_path(&candidate.path);
                let context = Context {
                    test_path,
                    project: Some(Arc::clone(&project)),
                };
                let result = check_bytes(
                    candidate,
                    display,
                    bytes,
                    context,
                    plan,
                    None,
                    options.timeout,
                );
                Some(result)
            });
            Some((index, result.ok().flatten()?))
        })
        .collect();
    for (index, result) in again {
        scanned[index].result = result;
        scanned[index].cached = false;
    }
    let mut specs: Vec<Scanned> = Vec::new();
    let result = |path: String| Scanned {
        result: FileResult {
            path,
            scanned: false,
            bytes: 0,
            findings: Vec::new(),
            notices: Vec::new(),
            suppressions: Vec::new(),
            facts: FileFacts::default(),
            calls: CallNames::default(),
        },
        key: None,
        cached: false,
        profile: None,
    };
    for (path, facts) in bound.specs {
        let mut spec = result(path);
        spec.result.facts = facts;
        specs.push(spec);
    }
    for notice in bound.notices {
        let mut spec = result(notice.path.clone());
        spec.result.notices.push(notice);
        specs.push(spec);
    }
    (bound.files, specs)
}

/// The results of the templates that views pass request input to: the findings waiting for a
/// template (see [`app::templates`]) are taken out of `scanned` and `across` and reported
/// where the templates print the value unescaped.
fn templates(
    scanned: &mut [Scanned],
    across: &mut BTreeMap<String, Vec<Finding>>,
    files: &[PathBuf],
    rules: &RuleSet,
) -> Vec<Scanned> {
    let mut pending = Vec::new();
    let waiting = |findings: &mut Vec<Finding>, pending: &mut Vec<Finding>| {
        let (waiting, kept) = std::mem::take(findings)
            .into_iter()
            .partition(|finding: &Finding| finding.via_template.is_some());
        *findings = kept;
        pending.extend(waiting);
    };
    for file in scanned.iter_mut() {
        waiting(&mut file.result.findings, &mut pending);
    }
    for findings in across.values_mut() {
        waiting(findings, &mut pending);
    }
    if pending.is_empty() {
        return Vec::new();
    }
    let dirs: BTreeSet<String> = scanned
        .iter()
        .flat_map(|file| file.result.facts.template_dirs.iter().cloned())
        .collect();
    app::templates::link(pending, files, &dirs, rules)
        .into_iter()
        .map(|template| Scanned {
            result: FileResult {
                path: template.path,
                scanned: true,
                bytes: template.bytes,
                findings: template.findings,
                notices: Vec::new(),
                suppressions: template.suppressions,
                facts: FileFacts::default(),
                calls: CallNames::default(),
            },
            key: None,
            cached: false,
            profile: None,
        })
        .collect()
}

/// The processor count (1 when unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most worker threads a scan starts: 4 per core, at most 256; more only cost memory and time.
pub fn max_jobs() -> usize {
    (4 * cores()).min(256)
}

/// Whether a file is test code by its path below the scanned directory it was found in (a file
/// named on the command line: by its name).
fn is_test_candidate(candidate: &Candidate, roots: &[PathBuf]) -> bool {
    let relative = roots
        .iter()
        .filter_map(|root| candidate.path.strip_prefix(root).ok())
        .find(|relative| !relative.as_os_str().is_empty())
        .or_else(|| candidate.path.file_name().map(std::path::Path::new))
        .unwrap_or(&candidate.path);
    testcode::is_test_path(&relative.to_string_lossy().replace('\\', "/"))
}

/// Findings of the rules that run on the linked project, by file; rules that skip test code
/// report nothing in `test_files`.
fn project_findings(
    project: &Project,
    rules: &RuleSet,
    test_files: &BTreeSet<String>,
    callees: &mut Callees,
    effects: &mut Effects,
) -> BTreeMap<String, Vec<Finding>> {
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for rule in rules.iter() {
        if !matches!(
            rule.logic,
            Logic::Detector(DetectorKind::MissingAuthorization)
        ) {
            continue;
        }
        for (path, found) in missing_authorization::findings(project, rule, effects, callees) {
            if rule.test_code == TestCodePolicy::Skip && test_files.contains(&path) {
                continue;
            }
            out.entry(path).or_default().extend(found);
        }
    }
    for found in out.values_mut() {
        fingerprint::assign(found);
    }
    out
}

/// Every rule id a suppression may name: the rules of this run and all built-in ones.
fn suppress_ids(rules: &RuleSet) -> BTreeSet<String> {
    rules
        .iter()
        .map(|rule| rule.id.clone())
        .chain(RuleSet::builtin_ids().map(str::to_string))
        .collect()
}

/// One file's part of the outcome: what the cache stores per file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileResult {
    /// The file's display path.
    pub(crate) path: String,
    pub(crate) scanned: bool,
    pub(crate) bytes: u64,
    /// Every finding, before suppressions are applied.
    pub(crate) findings: Vec<Finding>,
    /// Why the file was skipped or only partly checked.
    pub(crate) notices: Vec<Notice>,
    /// The file's `tollgate: ignore` comments.
    pub(crate) suppressions: Vec<Suppression>,
    /// What the file tells the project model.
    pub(crate) facts: FileFacts,
    /// The names its calls are written with, for the cross-file stage.
    #[serde(default)]
    pub(crate) calls: CallNames,
}

impl FileResult {
    fn skipped(path: String, kind: NoticeKind, message: String) -> FileResult {
        FileResult {
            path: path.clone(),
            scanned: false,
            bytes: 0,
            findings: Vec::new(),
            suppressions: Vec::new(),
            facts: FileFacts::default(),
            calls: CallNames::default(),
            notices: vec![Notice {
                path,
                kind,
                message,
                line: None,
            }],
        }
    }
}

/// A file's result, its cache key when the cache is on, whether the result came from the
/// cache, and its timings when profiling.
struct Scanned {
    result: FileResult,
    key: Option<cache::Key>,
    cached: bool,
    profile: Option<FileProfile>,
}

/// The per-file stage on text in memory, as a scan runs it on a file at `path` (the file is not
/// read): findings before suppressions, and notices. For the fuzzer (`examples/fuzz.rs`).
pub fn check_contents(
    path: &std::path::Path,
    language: crate::source::Language,
    bytes: Vec<u8>,
    plan: &Plan,
    timeout: Option<Duration>,
) -> (Vec<Finding>, Vec<Notice>) {
    let candidate = Candidate {
        path: path.to_path_buf(),
        language,
    };
    let display_path = discover::display_path(path);
    let result = budget::bounded(None, || {
        check_bytes(
            &candidate,
            display_path,
            bytes,
            Context::default(),
            plan,
            None,
            timeout,
        )
    })
    .unwrap_or_else(|stopped| {
        let path = discover::display_path(path);
        FileResult::skipped(path, NoticeKind::InternalError, failure(&stopped))
    });
    (result.findings, result.notices)
}

/// The message for a file whose check failed as a whole.
fn failure(stopped: &Stopped) -> String {
    match stopped {
        Stopped::TimedOut => "ran out of time; skipped".to_string(),
        Stopped::Panicked(reason) => format!(
            "internal error while checking this file ({}; please report it); its findings are missing",
            reason.lines().next().unwrap_or_default()
        ),
    }
}

/// Read, parse and check one file. Nothing in it can take the scan down: a failure anywhere
/// becomes a notice on the file.
fn scan_file(
    candidate: &Candidate,
    test_path: bool,
    plan: &Plan,
    cache: Option<&Cache>,
    profile: bool,
    timeout: Option<Duration>,
) -> Scanned {
    budget::bounded(None, || {
        scan_file_unguarded(candidate, test_path, plan, cache, profile, timeout)
    })
    .unwrap_or_else(|stopped| {
        let path = discover::display_path(&candidate.path);
        Scanned {
            result: FileResult::skipped(path, NoticeKind::InternalError, failure(&stopped)),
            key: None,
            cached: false,
            profile: None,
        }
    })
}

fn scan_file_unguarded(
    candidate: &Candidate,
    test_path: bool,
    plan: &Plan,
    cache: Option<&Cache>,
    profile: bool,
    timeout: Option<Duration>,
) -> Scanned {
    let display_path = discover::display_path(&candidate.path);
    let mut profile = profile.then(FileProfile::default);
    let reading = Instant::now();
    let read = std::fs::read(&candidate.path);
    if let Some(profile) = &mut profile {
        profile.read = reading.elapsed();
    }
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) => {
            let message = format!("could not read: {err}; skipped");
            let result = FileResult::skipped(display_path, NoticeKind::Unreadable, message);
            return Scanned {
                result,
                key: None,
                cached: false,
                profile,
            };
        }
    };
    let Some(cache) = cache else {
        let result = check_bytes(
            candidate,
            display_path,
            bytes,
            Context::test(test_path),
            plan,
            profile.as_mut(),
            timeout,
        );
        return Scanned {
            result,
            key: None,
            cached: false,
            profile,
        };
    };
    let key = cache.key(display_path, &bytes).for_test_path(test_path);
    let (result, cached) = match cache.get(&key) {
        Some(result) => (result, true),
        None => {
            let result = check_bytes(
                candidate,
                key.path.clone(),
                bytes,
                Context::test(test_path),
                plan,
                profile.as_mut(),
                timeout,
            );
            (result, false)
        }
    };
    Scanned {
        result,
        key: Some(key),
        cached,
        profile,
    }
}

/// Check the files in `support` again as test code (see [`testcode::support_files`]), keeping
/// the findings of that check: rules that skip test code report nothing there, and conditions
/// asking `in-test-code` hold throughout. `scanned` starts with one entry per file of `files`.
fn recheck_as_tests(
    scanned: &mut [Scanned],
    files: &[Candidate],
    support: &BTreeSet<String>,
    plan: &Plan,
    options: &ScanOptions,
) {
    if support.is_empty() {
        return;
    }
    let again: Vec<(usize, Vec<Finding>)> = files
        .par_iter()
        .zip(scanned.par_iter())
        .enumerate()
        .filter(|(_, (_, file))| file.result.scanned && support.contains(&file.result.path))
        .filter_map(|(index, (candidate, file))| {
            let result = budget::bounded(None, || {
                let bytes = std::fs::read(&candidate.path).ok()?;
                let context = Context::test(true);
                let path = file.result.path.clone();
                Some(check_bytes(
                    candidate,
                    path,
                    bytes,
                    context,
                    plan,
                    None,
                    options.timeout,
                ))
            });
            Some((index, result.ok().flatten()?.findings))
        })
        .collect();
    for (index, findings) in again {
        scanned[index].result.findings = findings;
        scanned[index].cached = false;
    }
}

/// What a file is checked as besides its text: test code or not, and what the rest of the
/// project says about it (when it is checked again after the per-file stage).
#[derive(Default)]
struct Context {
    test_path: bool,
    project: Option<Arc<RequestReturns>>,
}

impl Context {
    fn test(test_path: bool) -> Context {
        Context {
            test_path,
            project: None,
        }
    }
}

/// Parse and check a file's bytes; binary and non-UTF-8 files are skipped with a notice.
fn check_bytes(
    candidate: &Candidate,
    display_path: String,
    bytes: Vec<u8>,
    context: Context,
    plan: &Plan,
    mut profile: Option<&mut FileProfile>,
    timeout: Option<Duration>,
) -> FileResult {
    let Context { test_path, project } = context;
    let skipped =
        |kind, message| FileResult::skipped(discover::display_path(&candidate.path), kind, message);
    if bytes.iter().take(8192).any(|&byte| byte == 0) {
        return skipped(
            NoticeKind::Binary,
            "looks binary (contains NUL bytes); skipped".into(),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            return skipped(
                NoticeKind::NotUtf8,
                format!("not valid UTF-8 (first bad byte at offset {at}); skipped"),
            );
        }
    };
    let size = text.len() as u64;
    let source = SourceFile::new(
        candidate.path.clone(),
        display_path,
        candidate.language,
        text,
    );
    if let Some(message) = parse::unparsable(&source) {
        return skipped(NoticeKind::TooDeep, message);
    }
    let parse_timeout = timeout.map(|timeout| timeout.max(MIN_PARSE_TIMEOUT));
    let parsing = Instant::now();
    let parsed = budget::bounded(parse_timeout, || parse::tree(&source));
    if let Some(profile) = profile.as_deref_mut() {
        profile.parse = parsing.elapsed();
    }
    let tree = match parsed {
        Ok(Some(tree)) => tree,
        Ok(None) => {
            return skipped(
                NoticeKind::SyntaxError,
                "tree-sitter could not parse this file; skipped".into(),
            )
        }
        Err(Stopped::TimedOut) => {
            let limit = parse_timeout.unwrap_or_default().as_secs_f64();
            let message =
                format!("parsing ran out of time (limit {limit} s, `--timeout-per-file`); skipped");
            return skipped(NoticeKind::Timeout, message);
        }
        Err(stopped) => return skipped(NoticeKind::InternalError, failure(&stopped)),
    };
    let mut parsed = ParsedFile::new(&source, &tree);
    parsed.project = project;
    let syntax = parsed.first_syntax_error().map(|node| {
        let line = node.start_position().row + 1;
        Notice {
            path: source.display_path.clone(),
            kind: NoticeKind::SyntaxError,
            message: format!("syntax error at line {line}; scanned what could be parsed, findings may be incomplete"),
            line: Some(line),
        }
    });
    let mut times = profile.is_some().then(RuleTimes::default);
    let checking = Instant::now();
    let Checked {
        findings,
        mut notices,
    } = check_file(&parsed, plan, test_path, timeout, times.as_mut());
    let checked = checking.elapsed();
    let model_in_check = parsed.model_time();
    notices.extend(syntax);
    // The project facts and the suppressions are bounded like a rule.
    let facts = budget::bounded(timeout, || app::facts::build(&parsed)).unwrap_or_else(|stopped| {
        notices.push(rule_notice(&source, "routes and guards", &stopped, timeout));
        FileFacts::default()
    });
    if let (Some(profile), Some(times)) = (profile, times) {
        // The model is built on first use, by a rule or by the project facts.
        profile.rules = checked.saturating_sub(model_in_check);
        profile.model = checking.elapsed().saturating_sub(profile.rules);
        profile.rule_times = times;
    }
    let suppressions =
        budget::bounded(timeout, || suppress::collect(&parsed)).unwrap_or_else(|stopped| {
            notices.push(rule_notice(&source, "suppressions", &stopped, timeout));
            Vec::new()
        });
    FileResult {
        path: source.display_path.clone(),
        scanned: true,
        bytes: size,
        findings,
        notices,
        suppressions,
        facts,
        calls: CallNames::of(&parsed, timeout),
    }
}
