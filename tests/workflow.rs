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
