//! The discover stage: find the Python and Rust files to scan, in parallel, honouring ignore files.

use crate::finding::{Notice, NoticeKind};
use crate::source::Language;
use ignore::overrides::{Override, OverrideBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directories never worth scanning: virtualenvs, dependencies, build output and tool caches.
pub const DEFAULT_EXCLUDED_DIRS: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tollgate-cache",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "node_modules",
    "site-packages",
    "target",
    "venv",
];

/// How to walk the given paths.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// Extra gitignore-style globs to leave out (relative to each scanned directory).
    pub excludes: Vec<String>,
    /// Files larger than this many bytes are skipped with a notice.
    pub max_file_size: u64,
    /// Threads for the directory walk.
    pub threads: usize,
    /// Honour ignore files: `.gitignore` and `.ignore` in the tree, `.git/info/exclude` and the
    /// user's global excludes (`--no-ignore-files` turns them all off).
    pub ignore_files: bool,
}

/// A file to scan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub language: Language,
}

/// What the walk found: files to scan, notices for what it left out, and counts of the Python and
/// Rust files it left out without a notice.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Candidate>,
    /// Files that may be templates (by extension), read only when a view renders them.
    pub templates: Vec<PathBuf>,
    /// Files that may be OpenAPI specifications (`.yaml`, `.yml`, `.json`), read only when a
    /// Python file serves one with connexion's `add_api` and it is not where connexion looks.
    pub specs: Vec<PathBuf>,
    pub notices: Vec<Notice>,
    pub left_out: LeftOut,
}

/// Source files the walk left out silently, by reason (the rest have a notice each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// Matched by a `.gitignore`/`.ignore` file and not tracked by git.
    pub ignored: usize,
    /// Matched by `--exclude` or the configuration's `exclude`.
    pub excluded: usize,
    /// Symbolic links to a file inside the scanned directory, which is scanned under its own name.
    pub symlinks: usize,
}

/// The user asked for something that cannot be walked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    #[error("path `{0}` does not exist")]
    #[diagnostic(code(tollgate::missing_path))]
    MissingPath(String),
    #[error("invalid --exclude glob `{glob}`: {reason}")]
    #[diagnostic(code(tollgate::bad_exclude))]
    BadExclude { glob: String, reason: String },
}

/// Walk `roots` and return the files to scan, sorted by path.
///
/// Files named explicitly are always scanned (if tollgate reads their language); directories are
/// walked honouring `.gitignore`/`.ignore` (except for files git tracks), [`DEFAULT_EXCLUDED_DIRS`]
/// and `--exclude` globs. Symbolic links are not followed out of the directory.
pub fn discover(roots: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    for root in roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(DiscoverError::MissingPath(
                crate::report::sanitize(&root.to_string_lossy()).into_owned(),
            ));
        }
    }
    let found = Mutex::new(Discovery::default());
    for root in roots {
        if root.is_dir() {
            walk_directory(root, options, &found)?;
        } else {
            let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
            match Language::from_path(root) {
                Some(language) => consider_file(root, language, size_of(root), options, &mut found),
                None => found.notices.push(Notice {
                    path: display_path(root),
                    kind: NoticeKind::UnsupportedLanguage,
                    message: "not a .py, .pyi or .rs file; skipped".into(),
                    line: None,
                }),
            }
        }
    }
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.files.sort();
    found.files.dedup();
    found.templates.sort();
    found.templates.dedup();
    found.specs.sort();
    found.specs.dedup();
    found.notices.sort();
    found.notices.dedup();
    Ok(found)
}

fn walk_directory(
    root: &Path,
    options: &DiscoverOptions,
    found: &Mutex<Discovery>,
) -> Result<(), DiscoverError> {
    // A root that is itself a link is walked where it points; links inside it stay inside.
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let walk_root = if root.is_symlink() { &real_root } else { root };
    let overrides = exclude_overrides(walk_root, &options.excludes)?;
    let walker = builder(walk_root, options.threads, &overrides)
        .git_ignore(options.ignore_files)
        .ignore(options.ignore_files)
        .git_exclude(options.ignore_files)
        .git_global(options.ignore_files)
        .build_parallel();
    // Every source file the walk reached, scanned or skipped with a notice.
    let walked = Mutex::new(HashSet::new());
    walker.run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    if is_file && Language::from_path(entry.path()).is_some() {
                        let mut walked = walked.lock().unwrap_or_else(|e| e.into_inner());
                        walked.insert(entry.path().to_path_buf());
                    }
                    visit(&entry, &real_root, options, found)
                }
                Err(err) => {
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    found.notices.push(walk_notice(&err, root));
                }
            }
            WalkState::Continue
        })
    });
    // Without ignore files and excludes the walk saw every file there is to count.
    if options.ignore_files || !options.excludes.is_empty() {
        let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
        let walked = walked.into_inner().unwrap_or_else(|e| e.into_inner());
        account_for_unwalked(walk_root, &overrides, &walked, options, &mut found);
    }
    Ok(())
}

/// A walker over `root` skipping [`DEFAULT_EXCLUDED_DIRS`] and `overrides`, never following links.
fn builder(root: &Path, threads: usize, overrides: &Override) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .overrides(overrides.clone())
        .threads(threads)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
            !(is_dir
                && entry.depth() > 0
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| DEFAULT_EXCLUDED_DIRS.contains(&name)))
        });
    builder
}

fn exclude_overrides(root: &Path, excludes: &[String]) -> Result<Override, DiscoverError> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in excludes {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|err| DiscoverError::BadExclude {
                glob: glob.clone(),
                reason: err.to_string(),
            })?;
    }
    overrides.build().map_err(|err| DiscoverError::BadExclude {
        glob: excludes.join(", "),
        reason: err.to_string(),
    })
}

/// One entry of the walk: a source file is considered; a link is followed only to a file inside
/// the scanned directory, and then only counted (the file itself is walked under its own name).
fn visit(entry: &DirEntry, real_root: &Path, options: &DiscoverOptions, found: &Mutex<Discovery>) {
    let Some(kind) = entry.file_type() else {
        return;
    };
    if kind.is_symlink() {
        let notice = match std::fs::canonicalize(entry.path()) {
            Err(err) => Some(format!(
                "symbolic link that cannot be resolved ({err}); not followed"
            )),
            Ok(target) if !target.starts_with(real_root) => Some(format!(
                "symbolic link to `{}`, outside the scanned directory; not followed",
                target.display()
            )),
            Ok(target) if target.is_file() && Language::from_path(&target).is_some() => {
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .left_out
                    .symlinks += 1;
                None
            }
            Ok(_) => None,
        };
        if let Some(message) = notice {
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .notices
                .push(Notice {
                    path: display_path(entry.path()),
                    kind: NoticeKind::Symlink,
                    message,
                    line: None,
                });
        }
    } else if let (true, Some(language)) = (kind.is_file(), Language::from_path(entry.path())) {
        let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
        let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
        consider_file(entry.path(), language, size, options, &mut found);
    } else if kind.is_file() && crate::app::templates::has_template_extension(entry.path()) {
        let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
        if size <= options.max_file_size {
            let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
            found.templates.push(entry.path().to_path_buf());
        }
    } else if kind.is_file() && crate::app::connexion::is_spec_file(entry.path()) {
        let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
        if size <= options.max_file_size {
            let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
            found.specs.push(entry.path().to_path_buf());
        }
    }
}

/// Count the source files under `root` that the walk did not reach, by reason; files that ignore
/// files hid but git tracks (force-added) are scanned all the same.
fn account_for_unwalked(
    root: &Path,
    overrides: &Override,
    walked: &HashSet<PathBuf>,
    options: &DiscoverOptions,
    found: &mut Discovery,
) {
    let everything = Mutex::new(Vec::new());
    builder(root, options.threads, &Override::empty())
        .standard_filters(false)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                if let Ok(entry) = entry {
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    if is_file && !walked.contains(entry.path()) {
                        if let Some(language) = Language::from_path(entry.path()) {
                            let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                            let file = (entry.into_path(), language, size);
                            everything
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(file);
                        }
                    }
                }
                WalkState::Continue
            })
        });
    let unwalked = everything.into_inner().unwrap_or_else(|e| e.into_inner());
    if unwalked.is_empty() {
        return;
    }
    let tracked = tracked_files(root);
    for (path, language, size) in unwalked {
        if is_excluded(overrides, root, &path) {
            found.left_out.excluded += 1;
        } else if tracked.contains(&path) {
            consider_file(&path, language, size, options, found);
        } else {
            found.left_out.ignored += 1;
        }
    }
}

/// Whether `path` or a directory above it (below `root`) matches an `--exclude` glob.
fn is_excluded(overrides: &Override, root: &Path, path: &Path) -> bool {
    path.ancestors()
        .take_while(|dir| dir.starts_with(root) && *dir != root)
        .any(|dir| overrides.matched(dir, dir != path).is_ignore())
}

/// The files git tracks under `dir` (empty outside a repository or without git).
fn tracked_files(dir: &Path) -> HashSet<PathBuf> {
    crate::diff::git(dir, &["ls-files", "-z", "--cached"])
        .map(|listing| {
            listing
                .split(|&byte| byte == 0)
                .filter(|name| !name.is_empty())
                .map(|name| dir.join(crate::diff::path_from_bytes(name)))
                .collect()
        })
        .unwrap_or_default()
}

fn consider_file(
    path: &Path,
    language: Language,
    size: u64,
    options: &DiscoverOptions,
    found: &mut Discovery,
) {
    if size > options.max_file_size {
        found.notices.push(Notice {
            path: display_path(path),
            kind: NoticeKind::TooLarge,
            message: format!(
                "{size} bytes is over the {} byte limit (--max-file-size); skipped",
                options.max_file_size
            ),
            line: None,
        });
    } else {
        found.files.push(Candidate {
            path: path.to_path_buf(),
            language,
        });
    }
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)
}

fn walk_notice(err: &ignore::Error, root: &Path) -> Notice {
    let path = error_path(err).unwrap_or(root);
    Notice {
        path: display_path(path),
        kind: NoticeKind::WalkError,
        message: match err_without_path(err) {
            ignore::Error::Loop { ancestor, .. } => format!(
                "symlink loop back to `{}`; not followed",
                display_path(ancestor)
            ),
            other => format!("{other}; skipped"),
        },
        line: None,
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn err_without_path(err: &ignore::Error) -> &ignore::Error {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => err_without_path(err),
        other => other,
    }
}

/// The path as reports show it: relative to the working directory when under it, `/`-separated.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./");
    if text.is_empty() {
        ".".into()
    } else {
        text.to_string()
    }
}
