//! The discover stage: find the Python and Rust files to scan, in parallel, honouring ignore files.

use crate::finding::{Notice, NoticeKind};
use crate::source::Language;
use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
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
}

/// A file to scan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub language: Language,
}

/// What the walk found: files to scan, and notices for what it left out.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Candidate>,
    pub notices: Vec<Notice>,
}

/// The user asked for something that cannot be walked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    #[error("path `{0}` does not exist")]
    #[diagnostic(code(tollgate::missing_path))]
    MissingPath(PathBuf),
    #[error("invalid --exclude glob `{glob}`: {reason}")]
    #[diagnostic(code(tollgate::bad_exclude))]
    BadExclude { glob: String, reason: String },
}

/// Walk `roots` and return the files to scan, sorted by path.
///
/// Files named explicitly are always scanned (if tollgate reads their language); directories are
/// walked honouring `.gitignore`/`.ignore`, [`DEFAULT_EXCLUDED_DIRS`] and `--exclude` globs.
pub fn discover(roots: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    for root in roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(DiscoverError::MissingPath(root.clone()));
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
    found.notices.sort();
    found.notices.dedup();
    Ok(found)
}

fn walk_directory(
    root: &Path,
    options: &DiscoverOptions,
    found: &Mutex<Discovery>,
) -> Result<(), DiscoverError> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in &options.excludes {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|err| DiscoverError::BadExclude {
                glob: glob.clone(),
                reason: err.to_string(),
            })?;
    }
    let overrides = overrides.build().map_err(|err| DiscoverError::BadExclude {
        glob: options.excludes.join(", "),
        reason: err.to_string(),
    })?;
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .follow_links(true)
        .require_git(false)
        .overrides(overrides)
        .threads(options.threads)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
            !(is_dir
                && entry.depth() > 0
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| DEFAULT_EXCLUDED_DIRS.contains(&name)))
        })
        .build_parallel();
    walker.run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    if let (true, Some(language)) = (is_file, Language::from_path(entry.path())) {
                        let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                        let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                        consider_file(entry.path(), language, size, options, &mut found);
                    }
                }
                Err(err) => {
                    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                    found.notices.push(walk_notice(&err, root));
                }
            }
            WalkState::Continue
        })
    });
    Ok(())
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
