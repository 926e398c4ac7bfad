//! The scan cache end to end: a warm run reports exactly what a cold run does, cached results are
//! used until their file changes, and a broken cache is never an error.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;
use tollgate::rules::RuleSet;
use tollgate::scan::{scan, ScanOptions, ScanOutcome};

const VULNERABLE_PY: &str = r#"import logging

def report(cursor, user_id):
    cursor.execute(f"SELECT * FROM payments WHERE user_id = {user_id}")

def refund(gateway, payment):
    try:
        gateway.refund(payment)
    except Exception:
        pass
"#;

const VULNERABLE_RS: &str = r#"async fn report(pool: &PgPool, id: &str) {
    let _ = sqlx::query(&format!("SELECT * FROM payments WHERE id = {id}")).execute(pool).await;
}
"#;

/// The binary, run in `dir` with the user's cache directory at `dir/.cache-home`.
fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", dir.join(".cache-home"));
    command
}

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("the binary runs")
}

/// The default cache directory of scans run in `dir` (after a first run created it).
fn default_cache(dir: &Path) -> PathBuf {
    let base = dir.join(".cache-home/tollgate");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&base)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(
        entries.len() <= 1,
        "one cache per working directory: {entries:?}"
    );
    entries.pop().unwrap_or_else(|| base.join("none"))
}

fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// A project with findings, a syntax error, files that are skipped, in both languages.
fn mixed_project() -> TempDir {
    project(&[
        ("app/views.py", VULNERABLE_PY.as_bytes()),
        ("app/copy.py", VULNERABLE_PY.as_bytes()),
        (
            "app/syntax.py",
            format!("def broken(:\n    pass\n\n{VULNERABLE_PY}").as_bytes(),
        ),
        ("app/latin1.py", b"name = '\xe9t\xe9'\n"),
        ("app/blob.py", b"\x7fELF\x00\x00\x00binary"),
        ("app/empty.py", b""),
        ("src/lib.rs", VULNERABLE_RS.as_bytes()),
        ("src/broken.rs", b"fn main() { let x = ; }\n"),
    ])
}

/// Status, stdout and stderr of a scan, with the timing in the summary blanked out.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    let output = tollgate(dir, &all);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stdout = match serde_json::from_str::<Value>(&stdout) {
        Ok(mut json) if json["summary"].is_object() => {
            json["summary"]["duration_ms"] = Value::Null;
            json.to_string()
        }
        _ => blank_timing(&stdout),
    };
    (
        output.status.code(),
        stdout,
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// "Scanned 3 files in 0.01s: …" → "Scanned 3 files in _: …".
fn blank_timing(text: &str) -> String {
    text.lines()
        .map(|line| match (line.find(" in "), line.find("s: ")) {
            (Some(start), Some(end)) if line.starts_with("Scanned ") && start < end => {
                format!("{} in _{}", &line[..start], &line[end + 1..])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cache_file(dir: &Path) -> Value {
    let text = std::fs::read_to_string(default_cache(dir).join("scan.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cached_paths(dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = cache_file(dir)["files"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    paths.sort();
    paths
}

#[test]
fn warm_runs_report_exactly_what_cold_runs_do() {
    let dir = mixed_project();
    for format in ["json", "text", "sarif"] {
        let cold = run(dir.path(), &["--no-cache", "--format", format]);
        let _ = std::fs::remove_dir_all(dir.path().join(".cache-home"));
        let first = run(dir.path(), &["--format", format]);
        let warm = run(dir.path(), &["--format", format]);
        assert_eq!(cold, first, "{format}: a run that fills the cache");
        assert_eq!(cold, warm, "{format}: a run served from the cache");
        assert!(cold.2.is_empty(), "stderr: {}", cold.2);
    }
    let (_, report, _) = run(dir.path(), &["--format", "json"]);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert!(report["notices"].as_array().unwrap().len() >= 4, "{report}");
    assert_eq!(
        cached_paths(dir.path()),
        [
            "app/blob.py",
            "app/copy.py",
            "app/empty.py",
            "app/latin1.py",
            "app/syntax.py",
            "app/views.py",
            "src/broken.rs",
            "src/lib.rs"
        ]
    );
}

#[test]
fn a_cached_result_is_used_until_its_file_changes() {
    let dir = project(&[
        ("broken.py", b"def f(:\n    pass\n"),
        ("views.py", VULNERABLE_PY.as_bytes()),
    ]);
    let notice_message = |dir: &Path| {
        let (_, report, _) = run(dir, &["--format", "json"]);
        let report: Value = serde_json::from_str(&report).unwrap();
        report["notices"][0]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let fresh = notice_message(dir.path());
    assert!(fresh.contains("syntax error"), "{fresh}");

    // Plant a marker in the cached result: a run that prints it did not parse the file again.
    let mut cache = cache_file(dir.path());
    cache["files"]["broken.py"]["result"]["notices"][0]["message"] = "served from the cache".into();
    std::fs::write(
        default_cache(dir.path()).join("scan.json"),
        cache.to_string(),
    )
    .unwrap();
    assert_eq!(notice_message(dir.path()), "served from the cache");
    assert_eq!(
        notice_message(dir.path()),
        "served from the cache",
        "an unchanged run keeps the cache"
    );

    std::fs::write(dir.path().join("broken.py"), "def f(:\n    return 1\n").unwrap();
    assert_eq!(
        notice_message(dir.path()),
        fresh,
        "a changed file is scanned again"
    );
}

#[test]
fn cache_dir_and_no_cache() {
    let dir = project(&[("views.py", VULNERABLE_PY.as_bytes())]);
    let (code, _, _) = run(dir.path(), &["--no-cache"]);
    assert!(code.is_some_and(|code| code < 2));
    assert!(
        !dir.path().join(".cache-home").exists(),
        "--no-cache writes nothing"
    );

    run(dir.path(), &[]);
    let default = default_cache(dir.path());
    assert!(
        !dir.path().join(".tollgate-cache").exists(),
        "nothing in the tree"
    );
    assert_eq!(
        std::fs::read_to_string(default.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    assert!(std::fs::read_to_string(default.join("CACHEDIR.TAG"))
        .unwrap()
        .starts_with("Signature: 8a477f597d28d172789f06886806bc55"));

    run(dir.path(), &["--cache-dir", "build/lint-cache"]);
    assert!(dir.path().join("build/lint-cache/scan.json").is_file());
    assert!(dir.path().join("build/lint-cache/.gitignore").is_file());

    let output = tollgate(dir.path(), &["scan", "--no-cache", "--cache-dir", "x"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "the two options contradict each other"
    );
}

#[test]
fn a_broken_cache_is_ignored_and_rebuilt() {
    let dir = mixed_project();
    let expected = run(dir.path(), &["--no-cache", "--format", "json"]);
    run(dir.path(), &[]);
    let cache = default_cache(dir.path());
    for garbage in [
        &b""[..],
        b"{\"settings\":",
        b"\x00\xff",
        b"null",
        b"{\"settings\":{},\"files\":{}}",
    ] {
        std::fs::write(cache.join("scan.json"), garbage).unwrap();
        let (code, stdout, stderr) = run(dir.path(), &["--format", "json"]);
        assert_eq!((code, stdout), (expected.0, expected.1.clone()));
        assert!(stderr.contains("ignored because it is corrupt"), "{stderr}");
        assert_eq!(cached_paths(dir.path()).len(), 8, "rebuilt");
    }
    // A cache directory that cannot be created or read is no error either.
    std::fs::write(dir.path().join("not-a-dir"), "").unwrap();
    assert_eq!(
        run(
            dir.path(),
            &["--format", "json", "--cache-dir", "not-a-dir"]
        ),
        expected
    );
    assert_eq!(
        run(
            dir.path(),
            &["--format", "json", "--cache-dir", "not-a-dir/sub"]
        ),
        expected
    );
}

#[test]
fn deleted_files_leave_the_cache() {
    let dir = project(&[
        ("a.py", b"x = 1\n"),
        ("b.py", b"y = 2\n"),
        ("c.py", b"z = 3\n"),
    ]);
    run(dir.path(), &[]);
    assert_eq!(cached_paths(dir.path()), ["a.py", "b.py", "c.py"]);
    std::fs::remove_file(dir.path().join("b.py")).unwrap();
    run(dir.path(), &["a.py"]);
    assert_eq!(
        cached_paths(dir.path()),
        ["a.py", "c.py"],
        "c.py was not scanned but still exists"
    );
}

#[test]
fn concurrent_runs_leave_a_valid_cache() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..60 {
        files.push((
            format!("pkg{}/mod{i}.py", i % 4),
            format!("{VULNERABLE_PY}\nx = {i}\n").into_bytes(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = project(&refs);
    let expected = run(dir.path(), &["--no-cache", "--format", "json"]);
    let children: Vec<_> = (0..6)
        .map(|i| {
            let mut command = command(dir.path());
            command.args(["scan", "--format", "json", "--jobs", "2"]);
            if i % 2 == 1 {
                command.arg(format!("pkg{}", i % 4));
            }
            command.stdout(std::process::Stdio::null()).spawn().unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().code().is_some_and(|code| code < 2));
    }
    assert!(cached_paths(dir.path()).len() >= 15, "the cache parses");
    assert_eq!(run(dir.path(), &["--format", "json"]), expected);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(default_cache(dir.path()))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with(".tmp"))
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn nothing_is_drawn_on_a_piped_stderr() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..300 {
        files.push((
            format!("pkg/mod{i}.py"),
            VULNERABLE_PY.repeat(20).into_bytes(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = project(&refs);
    let (_, _, stderr) = run(dir.path(), &["--no-cache", "--jobs", "1"]);
    assert_eq!(stderr, "");
}

fn library_scan(root: &Path, cache: &Path) -> ScanOutcome {
    let options = ScanOptions {
        paths: vec![root.to_path_buf()],
        cache_dir: Some(cache.to_path_buf()),
        ..ScanOptions::default()
    };
    scan(&options, &RuleSet::builtin().unwrap()).unwrap()
}

#[test]
fn the_library_counts_cache_hits() {
    let dir = mixed_project();
    let cache = tempfile::tempdir().unwrap();
    let rules = RuleSet::builtin().unwrap();
    let uncached = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        ..ScanOptions::default()
    };
    let cold = scan(&uncached, &rules).unwrap();
    let first = library_scan(dir.path(), cache.path());
    assert_eq!(first.stats.files_cached, 0);
    let warm = library_scan(dir.path(), cache.path());
    assert_eq!(warm.stats.files_cached, 8);
    for outcome in [&first, &warm] {
        assert_eq!(outcome.findings, cold.findings);
        assert_eq!(outcome.notices, cold.notices);
        assert_eq!(outcome.stats.files_scanned, cold.stats.files_scanned);
        assert_eq!(outcome.stats.files_skipped, cold.stats.files_skipped);
        assert_eq!(outcome.stats.bytes_scanned, cold.stats.bytes_scanned);
    }
    std::fs::write(
        dir.path().join("app/views.py"),
        format!("\n{VULNERABLE_PY}"),
    )
    .unwrap();
    assert_eq!(library_scan(dir.path(), cache.path()).stats.files_cached, 7);
}

/// A repository as `git clone` leaves it, with a committed `.tollgate-cache/` claiming that the
/// vulnerable file is clean, and a committed cache file that is a link to `/dev/zero`.
#[cfg(unix)]
#[test]
fn a_cache_in_the_tree_is_never_trusted() {
    let dir = project(&[("views.py", VULNERABLE_PY.as_bytes())]);
    let expected = run(dir.path(), &["--no-cache", "--format", "json"]);
    assert!(expected.1.contains("sql-string-built"), "{}", expected.1);
    // Forge a cache the old default place would have read: the same file, no findings.
    run(dir.path(), &["--cache-dir", ".tollgate-cache"]);
    let forged = dir.path().join(".tollgate-cache/scan.json");
    let mut cache: Value =
        serde_json::from_str(&std::fs::read_to_string(&forged).unwrap()).unwrap();
    cache["files"]["views.py"]["result"]["findings"] = Value::Array(Vec::new());
    std::fs::write(&forged, cache.to_string()).unwrap();
    assert_eq!(
        run(dir.path(), &["--format", "json"]),
        expected,
        "the default cache is elsewhere"
    );

    // A cache file that is a link (here to an endless device) is refused, not read.
    let cache = default_cache(dir.path());
    std::fs::remove_file(cache.join("scan.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", cache.join("scan.json")).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["--format", "json"]);
    assert_eq!((code, stdout), (expected.0, expected.1.clone()));
    assert!(
        stderr.contains("ignored because it is not a regular file"),
        "{stderr}"
    );
    assert!(
        cache.join("scan.json").is_file(),
        "replaced by a real cache"
    );
}
