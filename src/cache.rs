//! The scan cache: every file's result (findings and notice) on disk, so that a re-scan of
//! unchanged files skips parsing and checking. docs/cache.md describes it for users.
//!
//! One JSON file in the cache directory holds the settings its results were computed with (cache
//! format, tollgate version and build, rule set) and, per display path, the xxh3 hash of the
//! file's bytes and the file's result. A result is reused only for the same bytes at the same
//! path, scanned by the same build with the same rules.
//! When a rule reads the project model, every file's hash also covers the paths and content of
//! all scanned files, so a change anywhere invalidates every file.
//!
//! By default the cache lives outside the scanned tree, in the user's cache directory, one per
//! working directory ([`default_dir`]), so a cache committed to a repository is never read. The
//! cache file is read only if it is a regular file (never through a link) of at most
//! [`MAX_CACHE_BYTES`].
//!
//! Writes go to a temporary file that is renamed over the cache, so concurrent runs never leave a
//! torn file (the last writer wins). A cache that is missing, unreadable, corrupt or written with
//! other settings is treated as empty and rewritten (with a warning, unless it was missing or
//! from another version); a cache that cannot be written is skipped.

use crate::discover::{self, Candidate};
use crate::rules::{Rule, RuleSet};
use crate::scan::FileResult;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// The largest cache file read; a larger one is ignored (and replaced).
pub const MAX_CACHE_BYTES: u64 = 256 * 1024 * 1024;
/// The cache file inside the cache directory.
const FILE_NAME: &str = "scan.json";
/// Bump when what an entry stores changes shape or meaning.
const FORMAT: u32 = 4;
/// Marks the directory as a cache for backup and archiving tools (<https://bford.info/cachedir/>).
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by tollgate.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";
const GITIGNORE: &str = "# Created by tollgate: this directory is a cache.\n*\n";

/// What every entry of a cache file was computed with; entries are used only when all of it matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Settings {
    format: u32,
    /// The tollgate version and a hash of the sources it was built from.
    tool: String,
    /// A hash of every rule's full definition.
    rules: u64,
    /// Whether a rule reads the project model, so that every key covers every file.
    project_model: bool,
    /// Whether `test-code: skip` rules ran on test code (`[scan] include-tests`).
    #[serde(default)]
    include_tests: bool,
}

impl Settings {
    pub(crate) fn new(rules: &RuleSet) -> Settings {
        Settings {
            format: FORMAT,
            tool: concat!(env!("CARGO_PKG_VERSION"), "+", env!("TOLLGATE_BUILD_HASH")).to_string(),
            rules: rules_hash(rules.iter()),
            project_model: rules.iter().any(Rule::uses_project_model),
            include_tests: false,
        }
    }

    /// The same settings for a scan that does (or does not) include test code.
    pub(crate) fn including_tests(self, include_tests: bool) -> Settings {
        Settings {
            include_tests,
            ..self
        }
    }
}

/// A hash of the rules' full definitions (every field, and the hash of the file that defined
/// each rule, so an edited pattern counts).
fn rules_hash<'a>(rules: impl Iterator<Item = &'a Rule>) -> u64 {
    let rules: Vec<&Rule> = rules.collect();
    xxh3_64(format!("{rules:?}").as_bytes())
}

/// A hash over every scanned file's display path and content, for rules that read the project model.
fn project_hash(files: &[Candidate]) -> u64 {
    let hashes: Vec<(String, Option<u64>)> = files
        .par_iter()
        .map(|file| {
            let content = std::fs::read(&file.path).ok().map(|bytes| xxh3_64(&bytes));
            (discover::display_path(&file.path), content)
        })
        .collect();
    let mut hasher = Xxh3::new();
    for (path, content) in &hashes {
        hasher.update(path.as_bytes());
        hasher.update(&[0, u8::from(content.is_some())]);
        hasher.update(&content.unwrap_or(0).to_le_bytes());
    }
    hasher.digest()
}

/// Where a file's result goes in the cache: its display path and the hash it is valid for.
#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) path: String,
    hash: u64,
}

impl Key {
    /// The same key, distinct for a file that is test code by its path (which depends on the
    /// directory scanned, not only on the file).
    pub(crate) fn for_test_path(self, test_path: bool) -> Key {
        if !test_path {
            return self;
        }
        let hash = xxh3_64(&[self.hash.to_le_bytes(), *b"testpath"].concat());
        Key { hash, ..self }
    }
}

/// The cache file as stored.
#[derive(Serialize, Deserialize)]
struct CacheFile<'a> {
    settings: Cow<'a, Settings>,
    files: BTreeMap<Cow<'a, str>, Entry<'a>>,
}

/// One file's cached result.
#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    hash: u64,
    result: Cow<'a, FileResult>,
}

/// The cache for one scan: what an earlier run with the same settings left, and how to key files.
pub(crate) struct Cache {
    dir: PathBuf,
    settings: Settings,
    /// Mixed into every key when a rule reads the project model.
    project: Option<u64>,
    previous: BTreeMap<Cow<'static, str>, Entry<'static>>,
    /// Why an existing cache file was not used, for a warning.
    pub(crate) warning: Option<String>,
}

/// The cache directory unless `--cache-dir` says otherwise: `tollgate/<hash of the working
/// directory>` in the user's cache directory (`$XDG_CACHE_HOME`, else `~/.cache`; on Windows
/// `%LOCALAPPDATA%`). `None` when there is no such directory.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let base = if cfg!(windows) {
        absolute("LOCALAPPDATA")?
    } else {
        absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|home| home.join(".cache")))?
    };
    let cwd = std::env::current_dir().ok()?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let hash = xxh3_64(cwd.as_os_str().as_encoded_bytes());
    Some(base.join("tollgate").join(format!("{hash:016x}")))
}

/// The bytes of the cache file at `path`: `Ok(None)` when there is none, an error when it is not
/// a regular file (a link, a device, a directory), is over [`MAX_CACHE_BYTES`] or cannot be read.
fn read_cache_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(link) => link,
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None)
        }
        Err(err) => return Err(err.to_string()),
    };
    if !link.file_type().is_file() {
        return Err("it is not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
    let opened = file.metadata().map_err(|err| err.to_string())?;
    if !opened.is_file() || !same_file(&link, &opened) {
        return Err("it changed while being opened".into());
    }
    if opened.len() > MAX_CACHE_BYTES {
        return Err(format!("it is over {MAX_CACHE_BYTES} bytes"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CACHE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| err.to_string())?;
    if bytes.len() as u64 > MAX_CACHE_BYTES {
        return Err(format!("it is over {MAX_CACHE_BYTES} bytes"));
    }
    Ok(Some(bytes))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

impl Cache {
    /// Open the cache in `dir` for a scan of `files`. Never fails: a cache that cannot be used is empty.
    pub(crate) fn open(dir: &Path, settings: Settings, files: &[Candidate]) -> Cache {
        let project = settings.project_model.then(|| project_hash(files));
        let path = dir.join(FILE_NAME);
        let parsed = read_cache_file(&path).and_then(|bytes| {
            bytes
                .map(|bytes| serde_json::from_slice::<CacheFile<'static>>(&bytes))
                .transpose()
                .map_err(|err| format!("it is corrupt ({err})"))
        });
        let (previous, warning) = match parsed {
            Ok(file) => (
                file.filter(|file| *file.settings == settings)
                    .map(|file| file.files)
                    .unwrap_or_default(),
                None,
            ),
            Err(reason) => (
                BTreeMap::new(),
                Some(format!(
                    "cache `{}` ignored because {reason}; every file is scanned afresh",
                    crate::report::sanitize(&path.to_string_lossy())
                )),
            ),
        };
        Cache {
            dir: dir.to_path_buf(),
            settings,
            project,
            previous,
            warning,
        }
    }

    /// The key of the file shown as `path` whose bytes are `content`.
    pub(crate) fn key(&self, path: String, content: &[u8]) -> Key {
        let mut hash = xxh3_64(content);
        if let Some(project) = self.project {
            hash = xxh3_64(&[hash.to_le_bytes(), project.to_le_bytes()].concat());
        }
        Key { path, hash }
    }

    /// The cached result for `key`, if an earlier run stored one for the same path and hash.
    pub(crate) fn get(&self, key: &Key) -> Option<FileResult> {
        self.previous
            .get(key.path.as_str())
            .filter(|entry| entry.hash == key.hash)
            .map(|entry| FileResult::clone(&entry.result))
    }

    /// Store this run's results, plus earlier entries of files outside this run that still exist;
    /// entries of deleted files are dropped. Writes nothing when nothing changed.
    pub(crate) fn save<'a>(
        &'a self,
        fresh: impl IntoIterator<Item = (&'a Key, &'a FileResult)>,
    ) -> io::Result<()> {
        let mut files: BTreeMap<Cow<'a, str>, Entry<'a>> = fresh
            .into_iter()
            .map(|(key, result)| {
                let entry = Entry {
                    hash: key.hash,
                    result: Cow::Borrowed(result),
                };
                (Cow::Borrowed(key.path.as_str()), entry)
            })
            .collect();
        for (path, entry) in &self.previous {
            if !files.contains_key(path) && Path::new(path.as_ref()).exists() {
                let entry = Entry {
                    hash: entry.hash,
                    result: Cow::Borrowed(entry.result.as_ref()),
                };
                files.insert(Cow::Borrowed(path.as_ref()), entry);
            }
        }
        let unchanged = files.len() == self.previous.len()
            && files.iter().all(|(path, entry)| {
                self.previous
                    .get(path)
                    .is_some_and(|old| old.hash == entry.hash)
            });
        if unchanged {
            return Ok(());
        }
        let json = serde_json::to_vec(&CacheFile {
            settings: Cow::Borrowed(&self.settings),
            files,
        })?;
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)?;
            write_atomically(&self.dir, ".gitignore", GITIGNORE.as_bytes())?;
            write_atomically(&self.dir, "CACHEDIR.TAG", CACHEDIR_TAG.as_bytes())?;
        }
        write_atomically(&self.dir, FILE_NAME, &json)
    }
}

/// Write `dir/name` through a temporary file renamed into place, so readers see old or new, never half.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    // Readable like any file the user creates (temporary files default to owner-only).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(dir.join(name)).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Notice, NoticeKind};
    use crate::rules::{Confidence, Severity};
    use crate::source::{Language, Position};

    fn settings() -> Settings {
        Settings::new(&RuleSet::builtin().unwrap())
    }

    fn candidates(dir: &Path, names: &[&str]) -> Vec<Candidate> {
        names
            .iter()
            .map(|name| Candidate {
                path: dir.join(name),
                language: Language::Python,
            })
            .collect()
    }

    /// A result with every field set, a finding's byte range included.
    fn result() -> FileResult {
        let finding = Finding {
            rule_id: "sql-string-built".into(),
            severity: Severity::High,
            confidence: Confidence::Medium,
            message: "SQL built from `user_id`".into(),
            path: "app/views.py".into(),
            start: Position { line: 4, column: 5 },
            end: Position {
                line: 4,
                column: 71,
            },
            bytes: 52..118,
            snippet: "    cursor.execute(f\"SELECT * FROM t WHERE id = {user_id}\")".into(),
            fingerprint: "0123456789abcdef".into(),
            related: Vec::new(),
            flow: Vec::new(),
            link_checks: Vec::new(),
            via_parameter: None,
            via_template: None,
        };
        let notice = Notice {
            path: "app/views.py".into(),
            kind: NoticeKind::SyntaxError,
            message: "syntax error at line 9".into(),
            line: Some(9),
        };
        FileResult {
            path: "app/views.py".into(),
            scanned: true,
            bytes: 120,
            findings: vec![finding],
            notices: vec![notice],
            suppressions: Vec::new(),
            facts: crate::app::FileFacts::default(),
            calls: crate::taint::across::CallNames::default(),
        }
    }

    /// Store `result` for every file in `names` (content read from disk), as a scan would.
    fn store(cache: &Cache, dir: &Path, names: &[&str], result: &FileResult) {
        let keys: Vec<Key> = names
            .iter()
            .map(|name| {
                let path = dir.join(name);
                cache.key(
                    path.to_string_lossy().into_owned(),
                    &std::fs::read(path).unwrap(),
                )
            })
            .collect();
        cache.save(keys.iter().map(|key| (key, result))).unwrap();
    }

    fn lookup(cache: &Cache, dir: &Path, name: &str) -> Option<FileResult> {
        let path = dir.join(name);
        cache.get(&cache.key(
            path.to_string_lossy().into_owned(),
            &std::fs::read(path).unwrap(),
        ))
    }

    #[test]
    fn round_trip_keeps_every_field_and_marks_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
        let files = candidates(root.path(), &["a.py"]);
        store(
            &Cache::open(&dir, settings(), &files),
            root.path(),
            &["a.py"],
            &result(),
        );

        let cache = Cache::open(&dir, settings(), &files);
        assert_eq!(lookup(&cache, root.path(), "a.py"), Some(result()));
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            GITIGNORE
        );
        assert!(std::fs::read_to_string(dir.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55"));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn changed_content_misses() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
        let files = candidates(root.path(), &["a.py"]);
        store(
            &Cache::open(&dir, settings(), &files),
            root.path(),
            &["a.py"],
            &result(),
        );
        std::fs::write(root.path().join("a.py"), "x = 2\n").unwrap();
        assert_eq!(
            lookup(&Cache::open(&dir, settings(), &files), root.path(), "a.py"),
            None
        );
    }

    #[test]
    fn other_settings_ignore_the_cache() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
        let files = candidates(root.path(), &["a.py"]);
        store(
            &Cache::open(&dir, settings(), &files),
            root.path(),
            &["a.py"],
            &result(),
        );
        let changes: [fn(&mut Settings); 3] = [
            |s| s.tool.push_str("-next"),
            |s| s.rules ^= 1,
            |s| s.format += 1,
        ];
        for change in changes {
            let mut other = settings();
            change(&mut other);
            assert_eq!(
                lookup(&Cache::open(&dir, other, &files), root.path(), "a.py"),
                None
            );
        }
        assert!(lookup(&Cache::open(&dir, settings(), &files), root.path(), "a.py").is_some());
    }

    #[test]
    fn editing_a_rule_changes_the_rules_hash() {
        let rules: Vec<Rule> = RuleSet::builtin().unwrap().iter().cloned().collect();
        let base = rules_hash(rules.iter());
        assert_eq!(base, rules_hash(rules.iter()), "stable");
        let edits: [fn(&mut Rule); 4] = [
            |r| r.severity = Severity::Critical,
            |r| r.message.push('!'),
            |r| r.source_hash ^= 1,
            |r| r.languages.clear(),
        ];
        for edit in edits {
            let mut edited = rules.clone();
            edit(&mut edited[0]);
            assert_ne!(base, rules_hash(edited.iter()));
        }
        assert_ne!(
            base,
            rules_hash(rules.iter().skip(1)),
            "a removed rule counts"
        );
    }

    #[test]
    fn corrupt_or_unreadable_caches_are_empty_and_rewritten() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
        let files = candidates(root.path(), &["a.py"]);
        std::fs::create_dir(&dir).unwrap();
        for garbage in [&b""[..], b"{", b"\xff\xfe", b"{\"settings\": 3}", b"[]"] {
            std::fs::write(dir.join(FILE_NAME), garbage).unwrap();
            let cache = Cache::open(&dir, settings(), &files);
            assert_eq!(lookup(&cache, root.path(), "a.py"), None);
            store(&cache, root.path(), &["a.py"], &result());
            assert!(lookup(&Cache::open(&dir, settings(), &files), root.path(), "a.py").is_some());
        }
        // A cache "directory" that is a file cannot be read or written; that is not an error to open.
        let not_a_dir = root.path().join("a.py");
        let cache = Cache::open(&not_a_dir, settings(), &files);
        assert_eq!(lookup(&cache, root.path(), "a.py"), None);
        let key = cache.key("a.py".into(), b"x = 1\n");
        assert!(cache.save([(&key, &result())]).is_err());
    }

    #[test]
    fn only_regular_files_within_the_size_limit_are_read() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join(FILE_NAME);
        assert_eq!(read_cache_file(&path), Ok(None));
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(
            read_cache_file(&path.join("x")),
            Ok(None),
            "not a directory"
        );
        assert_eq!(read_cache_file(&path), Ok(Some(b"{}".to_vec())));
        // A sparse file just over the limit is refused before anything is read.
        let big = std::fs::File::create(&path).unwrap();
        big.set_len(MAX_CACHE_BYTES + 1).unwrap();
        assert!(read_cache_file(&path).unwrap_err().contains("over"));
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(read_cache_file(&path)
            .unwrap_err()
            .contains("not a regular file"));
    }

    #[test]
    fn default_dir_is_outside_the_working_directory() {
        let dir = default_dir().expect("a home or cache directory");
        let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        assert!(!dir.starts_with(&cwd), "{}", dir.display());
        assert_eq!(dir.parent().unwrap().file_name().unwrap(), "tollgate");
    }

    #[test]
    fn deleted_files_are_dropped_and_files_outside_the_run_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        for name in ["a.py", "b.py", "c.py"] {
            std::fs::write(root.path().join(name), name).unwrap();
        }
        let all = candidates(root.path(), &["a.py", "b.py", "c.py"]);
        store(
            &Cache::open(&dir, settings(), &all),
            root.path(),
            &["a.py", "b.py", "c.py"],
            &result(),
        );
        std::fs::remove_file(root.path().join("c.py")).unwrap();
        // A later run scans a.py only: b.py still exists and stays, c.py is gone and goes.
        let only_a = candidates(root.path(), &["a.py"]);
        std::fs::write(root.path().join("a.py"), "changed").unwrap();
        store(
            &Cache::open(&dir, settings(), &only_a),
            root.path(),
            &["a.py"],
            &result(),
        );
        let cache = Cache::open(&dir, settings(), &all);
        let mut paths: Vec<String> = cache.previous.keys().map(|path| path.to_string()).collect();
        paths.sort();
        let expected: Vec<String> = ["a.py", "b.py"]
            .iter()
            .map(|name| root.path().join(name).to_string_lossy().into_owned())
            .collect();
        assert_eq!(paths, expected);
        assert!(lookup(&cache, root.path(), "b.py").is_some());
    }

    #[test]
    fn unchanged_runs_do_not_rewrite_the_cache() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
        let files = candidates(root.path(), &["a.py"]);
        store(
            &Cache::open(&dir, settings(), &files),
            root.path(),
            &["a.py"],
            &result(),
        );
        // Replace the file with an equivalent one carrying a marker; an unchanged run must keep it.
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        std::fs::write(dir.join(FILE_NAME), format!("{text}\n")).unwrap();
        store(
            &Cache::open(&dir, settings(), &files),
            root.path(),
            &["a.py"],
            &result(),
        );
        assert!(std::fs::read_to_string(dir.join(FILE_NAME))
            .unwrap()
            .ends_with('\n'));
    }

    #[test]
    fn a_rule_reading_the_project_model_makes_every_file_depend_on_all_files() {
        for project_model in [false, true] {
            let root = tempfile::tempdir().unwrap();
            let dir = root.path().join("cache");
            std::fs::write(root.path().join("views.py"), "def view(): pass\n").unwrap();
            std::fs::write(root.path().join("settings.py"), "DEBUG = False\n").unwrap();
            let files = candidates(root.path(), &["settings.py", "views.py"]);
            let mut settings = settings();
            settings.project_model = project_model;
            let names = ["settings.py", "views.py"];
            store(
                &Cache::open(&dir, settings.clone(), &files),
                root.path(),
                &names,
                &result(),
            );
            assert!(lookup(
                &Cache::open(&dir, settings.clone(), &files),
                root.path(),
                "views.py"
            )
            .is_some());

            // Another file changes: a file-local result stays valid, a model-based one does not.
            std::fs::write(root.path().join("settings.py"), "DEBUG = True\n").unwrap();
            let cache = Cache::open(&dir, settings.clone(), &files);
            assert_eq!(
                lookup(&cache, root.path(), "views.py").is_some(),
                !project_model
            );
            store(&cache, root.path(), &names, &result());

            // A file is added to the scan: the project changed too.
            std::fs::write(root.path().join("urls.py"), "urlpatterns = []\n").unwrap();
            let more = candidates(root.path(), &["settings.py", "urls.py", "views.py"]);
            let cache = Cache::open(&dir, settings, &more);
            assert_eq!(
                lookup(&cache, root.path(), "views.py").is_some(),
                !project_model
            );
        }
        assert!(RuleSet::builtin()
            .unwrap()
            .iter()
            .all(|rule| !rule.uses_project_model()));
    }
}
