//! Rule loading from the command line and the configuration file, through the real binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const RULE: &str = r#"rules:
  - id: no-eval
    name: eval call
    message: "eval($X)"
    severity: medium
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

const CODE: &str =
    "def f(cursor, x):\n    eval(x)\n    cursor.execute(f\"SELECT * FROM t WHERE id = {x}\")\n";

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn findings(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let output = tollgate(dir, &all);
    let code = output.status.code().unwrap();
    let Ok(report) = serde_json::from_slice::<Value>(&output.stdout) else {
        return (code, Vec::new());
    };
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, found)
}

#[test]
fn rules_flag_adds_rules_and_rules_only_runs_just_them() {
    let dir = project(&[("rules/eval.yaml", RULE), ("app.py", CODE)]);
    let (_, found) = findings(dir.path(), &["--rules", "rules", "app.py"]);
    assert_eq!(
        found,
        vec![
            ("no-eval".into(), "medium".into()),
            ("sql-string-built".into(), "high".into())
        ]
    );
    let (_, found) = findings(
        dir.path(),
        &["--rules", "rules/eval.yaml", "--rules-only", "app.py"],
    );
    assert_eq!(found, vec![("no-eval".into(), "medium".into())]);
}

#[test]
fn a_broken_rule_file_stops_the_scan_with_exit_2() {
    let broken = RULE.replace("pattern: eval($X)", "pattern: eval($X");
    let dir = project(&[("rules/eval.yaml", &broken), ("app.py", CODE)]);
    let output = tollgate(dir.path(), &["scan", "--rules", "rules", "app.py"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("pattern does not parse as python"),
        "{stderr}"
    );
    assert!(stderr.contains("eval.yaml:19:"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing was scanned");

    let output = tollgate(dir.path(), &["rules", "validate", "rules"]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::write(dir.path().join("rules/eval.yaml"), RULE).unwrap();
    let output = tollgate(dir.path(), &["rules", "validate", "rules"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "1 rule valid"
    );
}

#[test]
fn a_custom_rule_may_not_reuse_a_builtin_id() {
    let dir = project(&[
        (
            "rules/dup.yaml",
            &RULE.replace("id: no-eval", "id: sql-string-built"),
        ),
        ("app.py", CODE),
    ]);
    let output = tollgate(dir.path(), &["scan", "--rules", "rules"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("duplicate rule id `sql-string-built`") && stderr.contains("built-in"),
        "{stderr}"
    );
}

#[test]
fn tollgate_toml_adds_rules_disables_overrides_and_excludes() {
    let config = r#"
rules = ["rules"]
disable = ["injection"]
exclude = ["legacy/"]
[severity]
no-eval = "critical"
"#;
    let dir = project(&[
        ("tollgate.toml", config),
        ("rules/eval.yaml", RULE),
        ("app.py", CODE),
        ("legacy/old.py", CODE),
    ]);
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(found, vec![("no-eval".into(), "critical".into())]);
    // The nearest configuration applies from a subdirectory too.
    let sub = dir.path().join("svc");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("x.py"), CODE).unwrap();
    let (_, found) = findings(&sub, &[]);
    assert_eq!(found, vec![("no-eval".into(), "critical".into())]);
}

#[test]
fn paths_table_replaces_a_rules_path_filter() {
    let rule = RULE.replace(
        "    match:",
        "    paths:\n      exclude: [\"legacy/**\"]\n    match:",
    );
    let dir = project(&[
        ("rules/eval.yaml", &rule),
        ("legacy/old.py", CODE),
        ("tests/t.py", CODE),
    ]);
    let (_, found) = findings(dir.path(), &["--rules", "rules", "--rules-only"]);
    assert_eq!(
        found,
        vec![("no-eval".into(), "medium".into())],
        "the rule skips legacy/ by itself"
    );
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[paths.no-eval]\nexclude = [\"tests/**\"]\n",
    )
    .unwrap();
    let (_, found) = findings(dir.path(), &["--rules", "rules", "--rules-only"]);
    assert_eq!(
        found,
        vec![("no-eval".into(), "medium".into())],
        "now legacy/ is scanned and tests/ is not"
    );
    let (_, found) = findings(dir.path(), &["--rules", "rules", "--rules-only", "legacy"]);
    assert_eq!(found.len(), 1);
}

#[test]
fn pyproject_tool_table_and_enable_list() {
    let pyproject =
        "[project]\nname = \"svc\"\n\n[tool.tollgate]\nenable = [\"sql-string-built\"]\n";
    let dir = project(&[("pyproject.toml", pyproject), ("app.py", CODE)]);
    let (_, found) = findings(dir.path(), &[]);
    assert_eq!(found, vec![("sql-string-built".into(), "high".into())]);
}

#[test]
fn configuration_errors_point_at_the_line() {
    let dir = project(&[
        ("tollgate.toml", "exclude = []\ndisabel = [\"x\"]\n"),
        ("app.py", CODE),
    ]);
    let output = tollgate(dir.path(), &["scan"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("disabel") && stderr.contains("did you mean `disable`"),
        "{stderr}"
    );
    assert!(stderr.contains("tollgate.toml:2:"), "{stderr}");

    let dir = project(&[
        ("tollgate.toml", "disable = [\"sql-string-bilt\"]\n"),
        ("app.py", CODE),
    ]);
    let output = tollgate(dir.path(), &["scan"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("no rule or pack `sql-string-bilt`")
            && stderr.contains("did you mean `sql-string-built`"),
        "{stderr}"
    );

    let dir = project(&[("app.py", CODE)]);
    let output = tollgate(dir.path(), &["scan", "--config", "missing.toml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn tollgate_test_reports_per_rule_and_exits_1_on_failure() {
    let examples = "eval(data)  # expect: no-eval\nprint(data)  # ok: no-eval\n";
    let dir = project(&[
        ("rules/eval.yaml", RULE),
        ("rules/examples/ex.py", examples),
    ]);
    let output = tollgate(dir.path(), &["test", "--rules", "rules"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS no-eval (2 expectations)") && stdout.contains("1 passed, 0 failed"),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join("rules/examples/ex.py"),
        "eval(data)\nprint(data)  # expect: no-eval\n",
    )
    .unwrap();
    let output = tollgate(dir.path(), &["test", "--rules", "rules"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL no-eval")
            && stdout.contains("missing finding at")
            && stdout.contains("unexpected finding at"),
        "{stdout}"
    );
    assert!(stdout.contains("eval(data)"), "code frame: {stdout}");
}

#[test]
fn test_code_is_skipped_unless_the_configuration_includes_it() {
    let code =
        "import random\n\ndef make_token():\n    token = random.random()\n    return token\n";
    let files = [
        ("app/tokens.py", code),
        ("app/tests/test_tokens.py", code),
        ("app/conftest.py", code),
    ];
    let dir = project(&files);
    let (_, found) = findings(dir.path(), &["--no-cache", "."]);
    assert_eq!(
        found,
        vec![("insecure-randomness".into(), "high".into())],
        "only app/tokens.py is application code"
    );
    let dir = project(&[
        files[0],
        files[1],
        files[2],
        ("tollgate.toml", "[scan]\ninclude-tests = true\n"),
    ]);
    let (_, found) = findings(dir.path(), &["--no-cache", "."]);
    assert_eq!(
        found.len(),
        3,
        "include-tests brings the tests back: {found:?}"
    );
}

#[test]
fn a_custom_rules_peer_codes_lower_an_acknowledged_line_and_bad_codes_point_at_the_line() {
    let rule = RULE.replace("    fix:", "    peer-codes: [S307, B307]\n    fix:");
    let code = "def f(x, y):\n    eval(x)  # noqa: S307\n    eval(y)  # noqa: E501\n";
    let dir = project(&[("rules/eval.yaml", &rule), ("app.py", code)]);
    let output = tollgate(
        dir.path(),
        &[
            "scan",
            "--rules",
            "rules",
            "--rules-only",
            "--min-confidence",
            "low",
            "--format",
            "json",
            "app.py",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(u64, &str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["confidence"].as_str().unwrap(),
                f["message"].as_str().unwrap().contains("`# noqa: S307`"),
            )
        })
        .collect();
    assert_eq!(found, [(2, "medium", true), (3, "high", false)]);

    let broken = RULE.replace("    fix:", "    peer-codes: [s307]\n    fix:");
    std::fs::write(dir.path().join("rules/eval.yaml"), broken).unwrap();
    let output = tollgate(dir.path(), &["rules", "validate", "rules"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not a Ruff or Bandit code"), "{stderr}");
    assert!(stderr.contains("eval.yaml:10:18"), "{stderr}");
}
