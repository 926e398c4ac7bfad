//! End-to-end tests of the `tollgate` binary: exit codes, formats and bad input.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

const VULNERABLE_PY: &str = r#"import logging

def report(cursor, user_id):
    cursor.execute(f"SELECT * FROM payments WHERE user_id = {user_id}")

def refund(gateway, payment):
    try:
        gateway.refund(payment)
    except Exception:
        pass
"#;

const SAFE_PY: &str = r#"def report(cursor, user_id):
    cursor.execute("SELECT * FROM payments WHERE user_id = %s", (user_id,))
"#;

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
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

fn json_scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let output = tollgate(dir, &args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let value = serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stdout}"));
    (output.status.code().unwrap(), value)
}

fn rule_ids(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn notice_kinds(report: &Value) -> Vec<(String, String)> {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn findings_exit_1_and_fail_on_raises_the_bar() {
    let dir = project(&[
        ("app/views.py", VULNERABLE_PY.as_bytes()),
        ("app/safe.py", SAFE_PY.as_bytes()),
    ]);
    let (code, report) = json_scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_ids(&report),
        vec![
            ("app/views.py".into(), "sql-string-built".into(), 4),
            ("app/views.py".into(), "broad-exception-swallowed".into(), 9),
        ]
    );
    assert_eq!(
        report["schema_version"],
        tollgate::report::JSON_SCHEMA_VERSION
    );
    assert_eq!(report["summary"]["files_scanned"], 2);
    let (code, _) = json_scan(dir.path(), &["--fail-on", "critical"]);
    assert_eq!(code, 0, "no critical finding, so --fail-on critical passes");
}

/// Two rules that differ only in confidence, both matching `eval(...)`.
const CONFIDENCE_RULES: &str = r#"rules:
  - id: sure-eval
    name: eval call
    message: eval is called
    severity: high
    confidence: high
    languages: [python]
    cwe: [95]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do not call eval.
    help: eval runs code.
    match:
      pattern: eval($X)
  - id: unsure-eval
    name: eval call, maybe
    message: eval may be called
    severity: critical
    confidence: low
    languages: [python]
    cwe: [95]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do not call eval.
    help: eval runs code.
    match:
      pattern: eval($X)
"#;

#[test]
fn min_confidence_hides_less_sure_findings_and_defaults_to_medium() {
    let dir = project(&[
        ("rules.yaml", CONFIDENCE_RULES.as_bytes()),
        ("app.py", b"def f(x):\n    return eval(x)\n"),
    ]);
    let only = ["--rules", "rules.yaml", "--rules-only", "app.py"];
    let ids = |extra: &[&str]| {
        let mut args = only.to_vec();
        args.extend_from_slice(extra);
        let (code, report) = json_scan(dir.path(), &args);
        let ids: Vec<String> = rule_ids(&report).into_iter().map(|(_, id, _)| id).collect();
        (code, ids, report["summary"]["findings"].as_u64().unwrap())
    };
    assert_eq!(ids(&[]), (1, vec!["sure-eval".to_string()], 1));
    assert_eq!(
        ids(&["--min-confidence", "low"]),
        (
            1,
            vec!["sure-eval".to_string(), "unsure-eval".to_string()],
            2
        )
    );
    // A hidden critical finding does not fail the run.
    assert_eq!(ids(&["--fail-on", "critical"]).0, 0);
    assert_eq!(ids(&["--min-confidence", "high"]).1, vec!["sure-eval"]);
    let output = tollgate(dir.path(), &["scan", "--min-confidence", "certain"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("certain"));
}

#[test]
fn clean_code_exits_0() {
    let dir = project(&[("safe.py", SAFE_PY.as_bytes())]);
    let output = tollgate(dir.path(), &["scan"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Scanned 1 file"), "{stdout}");
    assert!(stdout.contains("no findings"), "{stdout}");
}

#[test]
fn missing_path_exits_2_with_a_message() {
    let dir = project(&[]);
    let output = tollgate(dir.path(), &["scan", "does-not-exist"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("does-not-exist") && stderr.contains("does not exist"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = project(&[]);
    assert_eq!(
        tollgate(dir.path(), &["scan", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(tollgate(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let output = tollgate(dir.path(), &["explain", "sql-string-bulit"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("did you mean `sql-string-built`"));
    let output = tollgate(dir.path(), &["scan", "--exclude", "a{b"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn text_output_shows_code_frames_and_a_summary() {
    let dir = project(&[("views.py", VULNERABLE_PY.as_bytes())]);
    let output = tollgate(dir.path(), &["scan", "views.py"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("sql-string-built (high severity"),
        "{stdout}"
    );
    assert!(stdout.contains("[views.py:4:"), "{stdout}");
    assert!(
        stdout.contains("cursor.execute(f\"SELECT"),
        "code frame missing: {stdout}"
    );
    assert!(
        stdout.contains("tollgate explain sql-string-built"),
        "{stdout}"
    );
    assert!(stdout.contains("Scanned 1 file in"), "{stdout}");
    assert!(stdout.contains("2 findings (1 high, 1 medium)"), "{stdout}");
}

#[test]
fn output_file_and_extra_sarif_file() {
    let dir = project(&[("views.py", VULNERABLE_PY.as_bytes())]);
    let output = tollgate(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--output",
            "out.json",
            "--sarif",
            "out.sarif",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 2);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let unwritable = tollgate(dir.path(), &["scan", "--output", "no/such/dir/out.txt"]);
    assert_eq!(unwritable.status.code(), Some(2));
}

fn assert_valid_sarif(sarif: &Value) {
    let mut schema: Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    // The published schema's `language` patterns have a stray `]` that the validator's
    // meta-schema check rejects as a regex; use the pattern they mean (tollgate never sets them).
    for definition in ["run", "toolComponent"] {
        schema["definitions"][definition]["properties"]["language"]["pattern"] =
            Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_code_flows_and_related_locations_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = tollgate(
        root,
        &[
            "scan",
            "--no-cache",
            "--format",
            "sarif",
            "--rules",
            "tests/rule-language/python.yaml",
            "fixtures/missing-authorization/django",
            "tests/rule-language/examples/views.py",
        ],
    );
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let flow = results
        .iter()
        .find(|r| r["ruleId"] == "lang-py-taint")
        .unwrap();
    let steps = flow["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert!(steps.len() >= 3, "{steps:#?}");
    assert!(steps[0]["location"]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("request input"));
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "missing-authorization" && r["relatedLocations"].is_array()));
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let dir = project(&[
        ("src/views.py", VULNERABLE_PY.as_bytes()),
        ("src/broken.py", b"def f(:\n    pass\n"),
        ("src/binary.py", b"\x00\x01\x02"),
        ("dir with space/x.py", VULNERABLE_PY.as_bytes()),
    ]);
    let output = tollgate(dir.path(), &["scan", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid_sarif(&sarif);

    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "tollgate");
    assert!(driver["version"].is_string());
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let sql = rules
        .iter()
        .find(|r| r["id"] == "sql-string-built")
        .unwrap();
    let tags: Vec<&str> = sql["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"security") && tags.contains(&"external/cwe/cwe-89"),
        "{tags:?}"
    );
    assert!(sql["properties"]["security-severity"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .is_ok());
    assert!(sql["properties"]["precision"].is_string());
    assert!(sql["help"]["markdown"].as_str().unwrap().contains("```"));
    assert!(
        sql["shortDescription"]["text"].is_string() && sql["fullDescription"]["text"].is_string()
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let first = &results[0];
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "dir%20with%20space/x.py"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    for key in ["startLine", "startColumn", "endLine", "endColumn"] {
        assert!(location["region"][key].as_u64().unwrap() >= 1, "{key}");
    }
    assert!(first["partialFingerprints"]["tollgate/v1"].is_string());
    assert!(first["ruleIndex"].is_u64());
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file:///"));

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with("src/binary.py")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("src/broken.py") && n.contains("syntax error")),
        "{notes:?}"
    );
}

#[test]
fn fingerprints_survive_code_moving_down() {
    let dir = project(&[("views.py", VULNERABLE_PY.as_bytes())]);
    let fingerprints = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, before) = json_scan(dir.path(), &[]);
    let moved = format!(
        "\"\"\"Payments views.\"\"\"\nimport os\n\n\n{}",
        VULNERABLE_PY
            .replace("    cursor", "        cursor")
            .replace("def report", "if True:\n  def report")
    );
    std::fs::write(dir.path().join("views.py"), moved).unwrap();
    let (_, after) = json_scan(dir.path(), &[]);
    assert_eq!(rule_ids(&after).len(), 2);
    assert_ne!(
        rule_ids(&before)[0].2,
        rule_ids(&after)[0].2,
        "the code did move"
    );
    assert_eq!(fingerprints(&before), fingerprints(&after));
}

#[test]
fn bad_input_becomes_notices_and_other_findings_survive() {
    let big = "x = 1\n".repeat(100);
    let dir = project(&[
        ("app/views.py", VULNERABLE_PY.as_bytes()),
        (
            "app/syntax.py",
            format!("def broken(:\n    pass\n\n{VULNERABLE_PY}").as_bytes(),
        ),
        ("app/latin1.py", b"name = '\xe9t\xe9'\n"),
        ("app/blob.py", b"\x7fELF\x00\x00\x00binary"),
        ("app/empty.py", b""),
        ("app/huge.py", big.as_bytes()),
        ("src/lib.rs", b"fn main() { let x = ; }\n"),
    ]);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("app"), dir.path().join("app/loop")).unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("nowhere.py"),
            dir.path().join("app/dangling.py"),
        )
        .unwrap();
    }
    let (code, report) = json_scan(dir.path(), &["--max-file-size", "500"]);
    assert_eq!(code, 1);
    let found = rule_ids(&report);
    assert!(
        found.contains(&("app/views.py".into(), "sql-string-built".into(), 4)),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(path, rule, _)| path == "app/syntax.py" && rule == "sql-string-built"),
        "a file with a syntax error is still scanned: {found:?}"
    );
    let notices = notice_kinds(&report);
    for expected in [
        ("app/syntax.py", "syntax-error"),
        ("app/latin1.py", "not-utf8"),
        ("app/blob.py", "binary"),
        ("app/huge.py", "too-large"),
        ("src/lib.rs", "syntax-error"),
    ] {
        assert!(
            notices.contains(&(expected.0.to_string(), expected.1.to_string())),
            "missing notice {expected:?} in {notices:?}"
        );
    }
    #[cfg(unix)]
    {
        // A link back to a directory of the tree is not followed: that directory is walked anyway.
        assert!(
            !notices.iter().any(|(path, _)| path.starts_with("app/loop")),
            "{notices:?}"
        );
        assert!(
            notices
                .iter()
                .any(|(path, kind)| path == "app/dangling.py" && kind == "symlink"),
            "{notices:?}"
        );
    }
    assert!(
        !notices.iter().any(|(path, _)| path == "app/empty.py"),
        "an empty file is fine"
    );
}

#[test]
fn ignores_vendored_code_but_scans_explicit_files() {
    let dir = project(&[
        (".gitignore", b"generated/\n"),
        ("app/views.py", VULNERABLE_PY.as_bytes()),
        ("generated/models.py", VULNERABLE_PY.as_bytes()),
        (".venv/lib/site.py", VULNERABLE_PY.as_bytes()),
        ("venv/lib/site.py", VULNERABLE_PY.as_bytes()),
        ("node_modules/x/y.py", VULNERABLE_PY.as_bytes()),
        ("target/debug/build.rs", b"fn main() {}\n"),
        ("lib/site-packages/pkg.py", VULNERABLE_PY.as_bytes()),
        ("app/__pycache__/x.py", VULNERABLE_PY.as_bytes()),
        ("app/legacy/old.py", VULNERABLE_PY.as_bytes()),
        ("README.md", b"# readme\n"),
    ]);
    let (_, report) = json_scan(dir.path(), &["--exclude", "legacy/"]);
    let paths: std::collections::BTreeSet<String> =
        rule_ids(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        vec!["app/views.py".to_string()]
    );
    assert_eq!(report["summary"]["files_scanned"], 1);

    let (_, report) = json_scan(dir.path(), &["generated/models.py", "app/legacy/old.py"]);
    let paths: std::collections::BTreeSet<String> =
        rule_ids(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        vec![
            "app/legacy/old.py".to_string(),
            "generated/models.py".to_string()
        ],
        "explicit paths are scanned even when ignored"
    );
    let (_, report) = json_scan(dir.path(), &["--allow-empty", "README.md"]);
    assert_eq!(
        notice_kinds(&report),
        vec![("README.md".to_string(), "unsupported-language".to_string())]
    );
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..40 {
        files.push((
            format!("pkg{}/mod{i}.py", i % 5),
            VULNERABLE_PY.as_bytes().to_vec(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = project(&refs);
    let strip = |mut report: Value| {
        report["summary"]["duration_ms"] = Value::Null;
        report
    };
    let (_, one) = json_scan(dir.path(), &["--jobs", "1"]);
    let (_, many) = json_scan(dir.path(), &["--jobs", "8"]);
    assert_eq!(one["findings"].as_array().unwrap().len(), 80);
    assert_eq!(strip(one), strip(many));
}

#[test]
fn rules_and_explain_describe_every_rule() {
    let dir = project(&[]);
    let output = tollgate(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"sql-string-built") && ids.contains(&"broad-exception-swallowed"),
        "{ids:?}"
    );
    for id in ids {
        let output = tollgate(dir.path(), &["explain", id]);
        assert_eq!(output.status.code(), Some(0));
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains("CWE-") && text.contains(":2021") && text.contains(":2025"),
            "{text}"
        );
    }
    let listing = String::from_utf8(tollgate(dir.path(), &["rules"]).stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("sql-string-built ") && l.contains("high")),
        "{listing}"
    );
}
