//! The pre-push and pull-request workflow: `--diff-base`, baselines, suppressions with the cache,
//! and the git hook, on temporary git repositories.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const RULE: &str = r#"rules:
  - id: no-eval
    name: eval call
    message: "eval($X)"
    severity: high
    confidence: high
    languages: [python]
    cwe: [95]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do not eval.
    help: |
      ```python
      eval(x)
      ```
      ```python
      ast.literal_eval(x)
      ```
    match:
      pattern: eval($X)
"#;

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let output = run(dir, "git", args);
    assert!(output.status.success(), "git {args:?}: {output:?}");
}

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    run(dir, env!("CARGO_BIN_EXE_tollgate"), args)
}

/// Scan with only the `no-eval` rule; the exit code and (path, line) of each finding.
fn scan(dir: &Path, extra: &[&str]) -> (i32, Vec<(String, u64)>, String) {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--no-cache",
        "--rules-only",
        "--rules",
        "rule.yaml",
    ];
    args.extend_from_slice(extra);
    let output = tollgate(dir, &args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap();
    if code == 2 {
        return (code, Vec::new(), stderr);
    }
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (code, found, stderr)
}

/// A repository whose `main` has 20 findings in two files, then a branch adding 2 more (one in a
/// changed file, one in a new file) and moving the old ones down.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    git(path, &["init", "-q", "-b", "main"]);
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    let old: String = (0..10)
        .map(|i| format!("def f{i}(x):\n    return eval(x + {i})\n"))
        .collect();
    std::fs::write(path.join("a.py"), &old).unwrap();
    std::fs::write(path.join("b.py"), &old).unwrap();
    git(path, &["add", "."]);
    git(path, &["commit", "-q", "-m", "old code"]);
    git(path, &["checkout", "-q", "-b", "feature"]);
    let changed = format!("import ast\n\n\ndef new(x):\n    return eval(x)\n\n\n{old}");
    std::fs::write(path.join("a.py"), changed).unwrap();
    git(path, &["add", "a.py"]);
    git(path, &["commit", "-q", "-m", "a change"]);
    std::fs::write(path.join("c.py"), "def g(y):\n    return eval(y)\n").unwrap();
    dir
}

#[test]
fn diff_base_reports_only_findings_on_changed_lines() {
    let dir = repository();
    let (code, all, _) = scan(dir.path(), &[]);
    assert_eq!((code, all.len()), (1, 22));
    let (code, found, _) = scan(dir.path(), &["--diff-base", "main"]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        vec![("a.py".to_string(), 5), ("c.py".to_string(), 2)]
    );
}

#[test]
fn diff_base_errors_are_clear() {
    let dir = repository();
    let (code, _, stderr) = scan(dir.path(), &["--diff-base", "no-such-ref"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no merge base with `no-such-ref`"),
        "{stderr}"
    );
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("rule.yaml"), RULE).unwrap();
    let (code, _, stderr) = scan(plain.path(), &["--diff-base", "main"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs a git repository"), "{stderr}");
}

#[test]
fn a_baseline_hides_known_findings_and_reports_stale_ones() {
    let dir = repository();
    let path = dir.path();
    git(path, &["stash", "-q", "--include-untracked"]);
    git(path, &["checkout", "-q", "main"]);
    let output = tollgate(
        path,
        &[
            "baseline",
            "--no-cache",
            "--rules-only",
            "--rules",
            "rule.yaml",
            "--output",
            "tollgate-baseline.json",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    git(path, &["checkout", "-q", "feature"]);
    git(path, &["stash", "pop", "-q"]);

    let (code, found, stderr) = scan(path, &["--baseline", "tollgate-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        vec![("a.py".to_string(), 5), ("c.py".to_string(), 2)]
    );
    assert!(!stderr.contains("no longer found"), "{stderr}");

    // Fixing an old finding leaves one stale entry.
    let b = std::fs::read_to_string(path.join("b.py")).unwrap();
    std::fs::write(
        path.join("b.py"),
        b.replacen("return eval(x + 3)", "return x", 1),
    )
    .unwrap();
    let (_, found, stderr) = scan(path, &["--baseline", "tollgate-baseline.json"]);
    assert_eq!(found.len(), 2);
    assert!(
        stderr.contains("1 baseline entries no longer found"),
        "{stderr}"
    );

    std::fs::write(path.join("broken.json"), "{").unwrap();
    let (code, _, stderr) = scan(path, &["--baseline", "broken.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a tollgate baseline"), "{stderr}");
}

#[test]
fn suppressions_agree_between_cold_and_warm_scans_and_no_suppress_shows_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    std::fs::write(
        path.join("app.py"),
        "def f(x):\n    return eval(x)  # tollgate: ignore[no-eval] -- x is a constant\n\n\ndef g(x):\n    # tollgate: ignore[no-eval]\n    return eval(x)\n\n\ndef h(x):\n    return eval(x)\n",
    )
    .unwrap();
    let args = [
        "scan",
        "--format",
        "json",
        "--rules-only",
        "--rules",
        "rule.yaml",
        "--cache-dir",
        "cache",
    ];
    let summarize = |output: Output| {
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let ids: Vec<(String, u64)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        (ids, report["summary"]["suppressed"].as_u64().unwrap())
    };
    let cold = summarize(tollgate(path, &args));
    let warm = summarize(tollgate(path, &args));
    assert_eq!(cold, warm);
    // `--rules-only` leaves out the meta rules, so the missing reason on line 6 is not reported.
    assert_eq!(cold, (vec![("no-eval".into(), 11)], 2));
    let (_, all, _) = scan(path, &["--no-suppress"]);
    assert_eq!(all.len(), 3);
}

#[test]
fn the_pre_push_hook_blocks_new_findings_only() {
    let dir = repository();
    let path = dir.path();
    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-push");
    let bin = Path::new(env!("CARGO_BIN_EXE_tollgate")).parent().unwrap();
    let path_var = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let main = String::from_utf8(run(path, "git", &["rev-parse", "main"]).stdout).unwrap();
    let head = String::from_utf8(run(path, "git", &["rev-parse", "HEAD"]).stdout).unwrap();
    let push = |remote_sha: &str| {
        let mut child = Command::new(&hook)
            .args(["origin", "git@example.com:shop.git"])
            .current_dir(path)
            .env("PATH", &path_var)
            .env("TOLLGATE_ARGS", "--rules-only --rules rule.yaml --no-cache")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        writeln!(
            child.stdin.take().unwrap(),
            "refs/heads/feature {} refs/heads/feature {}",
            head.trim(),
            remote_sha
        )
        .unwrap();
        child.wait_with_output().unwrap()
    };
    // The branch adds findings on top of main: the push is blocked.
    let output = push(main.trim());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    // Nothing new since the remote's commit: the push goes through.
    std::fs::remove_file(path.join("c.py")).unwrap();
    let output = push(head.trim());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

const EVAL: &str = "def f(x):\n    return eval(x)\n";

/// An executable script at `path` that creates `marker` when run.
#[cfg(unix)]
fn marker_script(path: &Path, marker: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn diff_base_sees_every_name_and_ignores_the_repository_settings() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let path = dir.path();
    git(path, &["init", "-q", "-b", "main"]);
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    let padding: String = (0..20).map(|i| format!("X{i} = {i}\n")).collect();
    std::fs::write(path.join("keep.py"), EVAL).unwrap();
    std::fs::write(path.join("old.py"), format!("{EVAL}{padding}")).unwrap();
    std::fs::write(
        path.join("gone.py"),
        "def gone(y):\n    return eval(y) + 1\n",
    )
    .unwrap();
    git(path, &["add", "."]);
    git(path, &["commit", "-q", "-m", "old code"]);
    git(path, &["checkout", "-q", "-b", "feature"]);

    let committed = [
        "with space.py",
        "été.py",
        "q\"uote.py",
        "new\nline.py",
        "tab\there.py",
    ];
    let untracked = ["un space.py", "ünï.py", "un\"q.py", "un\nnl.py"];
    for name in committed.iter().chain(&untracked) {
        std::fs::write(path.join(name), EVAL).unwrap();
    }
    std::fs::write(
        path.join("keep.py"),
        format!("{EVAL}\n\ndef g(y):\n    return eval(y)\n"),
    )
    .unwrap();
    git(path, &["mv", "old.py", "renamed.py"]);
    std::fs::write(
        path.join("renamed.py"),
        format!("{EVAL}{padding}\n\ndef g(y):\n    return eval(y)\n"),
    )
    .unwrap();
    git(path, &["rm", "-q", "gone.py"]);
    for name in committed.iter().chain(["keep.py", "renamed.py"].iter()) {
        git(path, &["add", "--", name]);
    }
    git(path, &["commit", "-q", "-m", "new code"]);

    // Settings that made every file look unchanged, and commands git must not start.
    let fsmonitor = outside.path().join("fsmonitor-ran");
    let external = outside.path().join("external-diff-ran");
    marker_script(&outside.path().join("fsmonitor.sh"), &fsmonitor);
    marker_script(&outside.path().join("external.sh"), &external);
    for (key, value) in [
        ("diff.noprefix", "true".to_string()),
        ("diff.mnemonicPrefix", "true".to_string()),
        ("diff.relative", "true".to_string()),
        ("core.quotePath", "true".to_string()),
        ("diff.interHunkContext", "5".to_string()),
        (
            "core.fsmonitor",
            outside.path().join("fsmonitor.sh").display().to_string(),
        ),
        (
            "diff.external",
            outside.path().join("external.sh").display().to_string(),
        ),
    ] {
        git(path, &["config", key, &value]);
    }

    let (code, mut found, stderr) = scan(path, &["--diff-base", "main"]);
    assert_eq!(code, 1, "{stderr}");
    found.sort();
    let mut expected: Vec<(String, u64)> = committed
        .iter()
        .chain(&untracked)
        .map(|name| (name.to_string(), 2))
        .chain([("keep.py".to_string(), 6), ("renamed.py".to_string(), 26)])
        .collect();
    expected.sort();
    assert_eq!(found, expected);
    assert!(!fsmonitor.exists(), "core.fsmonitor ran");
    assert!(!external.exists(), "diff.external ran");
    // The same settings do run the commands for a plain git call: the check above means something.
    run(path, "git", &["status", "--short"]);
    run(path, "git", &["diff", "main"]);
    assert!(fsmonitor.exists() && external.exists());
}

#[test]
fn a_diff_base_that_looks_like_an_option_is_refused() {
    let dir = repository();
    let (code, _, stderr) = scan(dir.path(), &["--diff-base=--output=x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a git revision"), "{stderr}");
    assert!(!dir.path().join("x").exists());
}

/// Scan `dir` with the `no-eval` rule and `extra` options; the exit code, the JSON report (when
/// there is one) and stderr.
fn scan_report(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--no-cache",
        "--rules-only",
        "--rules",
        "rule.yaml",
    ];
    args.extend_from_slice(extra);
    let output = tollgate(dir, &args);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap(), report, stderr)
}

fn paths(report: &Value) -> Vec<&str> {
    let mut paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    paths
}

#[test]
fn ignore_files_cannot_hide_tracked_files_and_say_what_they_hid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    git(path, &["init", "-q", "-b", "main"]);
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    std::fs::write(path.join("views.py"), EVAL).unwrap();
    std::fs::write(path.join("forced.py"), EVAL).unwrap();
    std::fs::write(path.join("scratch.py"), EVAL).unwrap();
    std::fs::write(path.join(".gitignore"), "forced.py\nscratch.py\n").unwrap();
    git(path, &["add", "views.py", ".gitignore"]);
    git(path, &["add", "-f", "forced.py"]);
    git(path, &["commit", "-q", "-m", "code"]);

    // A force-added file is scanned; an untracked ignored one is counted.
    let (code, report, _) = scan_report(path, &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), ["forced.py", "views.py"]);
    assert_eq!(
        report["summary"]["left_out"],
        serde_json::json!({"ignored": 1})
    );
    // A file skipped with a notice is counted by its notice, not as ignored.
    std::fs::write(path.join("big.py"), format!("{EVAL}{}", "#".repeat(100))).unwrap();
    let (_, report, _) = scan_report(path, &["--max-file-size", "64"]);
    assert_eq!(
        report["summary"]["left_out"],
        serde_json::json!({"ignored": 1, "too-large": 1})
    );
    std::fs::remove_file(path.join("big.py")).unwrap();

    // A committed `.ignore` hiding everything still scans what git tracks.
    std::fs::write(path.join(".ignore"), "*\n").unwrap();
    let (code, report, _) = scan_report(path, &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), ["forced.py", "views.py"]);
    // `--no-ignore-files` reads neither `.ignore` nor `.gitignore`.
    let (_, report, _) = scan_report(path, &["--no-ignore-files"]);
    assert_eq!(paths(&report), ["forced.py", "scratch.py", "views.py"]);
    assert_eq!(report["summary"]["left_out"], serde_json::json!({}));
    // `--exclude` is counted apart.
    let (_, report, _) = scan_report(path, &["--no-ignore-files", "--exclude", "scratch.py"]);
    assert_eq!(
        report["summary"]["left_out"],
        serde_json::json!({"excluded": 1})
    );

    // The text summary says it too.
    let output = tollgate(
        path,
        &["scan", "--no-cache", "--rules-only", "--rules", "rule.yaml"],
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("2 findings (2 high) by rule: no-eval 2; 1 file left out (1 ignored)."),
        "{text}"
    );
}

#[test]
fn scanning_no_source_file_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    std::fs::write(path.join("app.py"), EVAL).unwrap();
    std::fs::write(path.join(".ignore"), "*.py\n").unwrap();
    let (code, _, stderr) = scan_report(path, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "no Python or Rust file was scanned (left out: 1 ignored); pass --allow-empty"
        ),
        "{stderr}"
    );
    let (code, report, _) = scan_report(path, &["--allow-empty"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["files_scanned"], 0);
}

#[cfg(unix)]
#[test]
fn links_out_of_the_tree_are_not_followed_and_loops_are_reported() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.py"),
        "TOKEN = 1\ndef f(x):\n    return eval(x)\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("rule.yaml"), RULE).unwrap();
    std::fs::create_dir(path.join("app")).unwrap();
    std::fs::write(path.join("app/views.py"), EVAL).unwrap();
    let link =
        |target: &Path, name: &str| std::os::unix::fs::symlink(target, path.join(name)).unwrap();
    link(&outside.path().join("secret.py"), "app/secret.py");
    link(outside.path(), "app/outside");
    link(Path::new("views.py"), "app/alias.py");
    link(Path::new(".."), "app/parent");
    link(Path::new("loop"), "app/loop");

    let (code, report, _) = scan_report(path, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        paths(&report),
        ["app/views.py"],
        "the outside file is not read"
    );
    let text = report.to_string();
    assert!(!text.contains("TOKEN"), "{text}");
    let notices: Vec<(&str, &str)> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        notices,
        [
            ("app/loop", "symlink"),
            ("app/outside", "symlink"),
            ("app/secret.py", "symlink")
        ]
    );
    let loop_notice = &report["notices"][0]["message"];
    assert!(
        loop_notice.as_str().unwrap().contains("cannot be resolved"),
        "{loop_notice}"
    );
    assert_eq!(
        report["summary"]["left_out"],
        serde_json::json!({"linked": 1, "symlink": 3})
    );
}

#[cfg(unix)]
#[test]
fn rule_directories_with_link_loops_load_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(rules.join("team")).unwrap();
    std::fs::write(rules.join("team/eval.yaml"), RULE).unwrap();
    std::os::unix::fs::symlink("..", rules.join("team/up")).unwrap();
    std::os::unix::fs::symlink("../team", rules.join("team/again")).unwrap();
    std::os::unix::fs::symlink("eval.yaml", rules.join("team/alias.yaml")).unwrap();
    let output = tollgate(dir.path(), &["rules", "validate", "rules"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout.trim(), "1 rule valid");
}

#[test]
fn jobs_are_clamped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rule.yaml"), RULE).unwrap();
    std::fs::write(dir.path().join("app.py"), EVAL).unwrap();
    let (code, report, stderr) = scan_report(dir.path(), &["--jobs", "100000"]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), ["app.py"]);
    assert!(stderr.contains("--jobs 100000 is more than"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn rule_file_errors_escape_names_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let name = "bad\n::stop-commands::tok\n::error file=a.py::forged\u{1b}[2J.yaml";
    std::fs::write(rules.join(name), "rules:\n  - id: Bad\u{1b}[31m\n").unwrap();
    let output = tollgate(dir.path(), &["rules", "validate", "rules"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|line| !line.trim_start().starts_with("::")),
        "{stderr}"
    );
    assert!(stderr.contains("bad\\n::stop-commands::tok"), "{stderr}");
}
