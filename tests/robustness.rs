//! No input aborts, hangs or blinds a scan: the pathological shapes of
//! `tests/support/pathological.rs` and the fuzzer's finds in `tests/data/fuzz/` (which once
//! crashed or stalled tollgate), rule timeouts that keep the other findings, and the
//! `--timeout-per-file` and `--strict` flags.

#[path = "support/pathological.rs"]
mod pathological;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

const VULNERABLE_PY: &str = r#"def report(cursor, user_id):
    cursor.execute(f"SELECT * FROM payments WHERE user_id = {user_id}")
"#;

const VULNERABLE_RS: &str = r#"pub async fn list(State(pool): State<PgPool>, Path(user_id): Path<String>) {
    let sql = format!("SELECT id FROM payments WHERE user_id = '{}'", user_id);
    sqlx::query(&sql).execute(&pool).await.unwrap();
}
"#;

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn project(files: &[(&str, String)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        std::fs::write(dir.path().join(path), contents).unwrap();
    }
    dir
}

/// Exit status and JSON report of a scan with `extra` arguments.
fn json_scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", "--format", "json", "--no-cache"];
    args.extend_from_slice(extra);
    let output = tollgate(dir, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("{err}\nstdout: {stdout}\nstderr: {stderr}"));
    (output.status.code().expect("exited, not killed"), report)
}

fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            (path, f["rule_id"].as_str().unwrap().to_string())
        })
        .collect()
}

fn notices(report: &Value) -> Vec<(String, String, String)> {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let field = |name: &str| n[name].as_str().unwrap().to_string();
            (field("path"), field("kind"), field("message"))
        })
        .collect()
}

#[test]
fn pathological_files_beside_vulnerable_ones_keep_their_findings() {
    let mut files: Vec<(String, String)> = pathological::cases(1)
        .into_iter()
        .map(|case| (format!("{}.{}", case.name, case.extension), case.text))
        .collect();
    // Inputs the fuzzer found (`bench/fuzz.sh`).
    let found = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    for entry in std::fs::read_dir(found).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((
            name,
            String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into(),
        ));
    }
    files.push(("vulnerable.py".into(), VULNERABLE_PY.into()));
    files.push(("vulnerable.rs".into(), VULNERABLE_RS.into()));
    let named: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let dir = project(&named);
    let (code, report) = json_scan(dir.path(), &["--timeout-per-file", "0.2"]);
    assert_eq!(code, 1, "{report}");
    let found = findings(&report);
    for (path, rule) in [
        ("vulnerable.py", "sql-string-built"),
        ("vulnerable.rs", "sql-injection"),
    ] {
        assert!(
            found.contains(&(path.to_string(), rule.to_string())),
            "{path}: {found:?}"
        );
    }
    let notices = notices(&report);
    assert!(
        notices
            .iter()
            .any(|(path, kind, _)| path == "py_deep_indent_open_string.py" && kind == "too-deep"),
        "{notices:?}"
    );
    // Timeouts are expected on some shapes; a panic never is.
    assert!(
        !notices.iter().any(|(_, kind, _)| kind == "internal-error"),
        "{notices:?}"
    );
}

/// A handler with a 3,000-call chain (quick to parse, slow for several rules), which also
/// deserializes a cookie with pickle.
fn slow_and_vulnerable() -> String {
    format!(
        "import pickle\n\ndef view(request):\n    cart = pickle.loads(request.COOKIES[\"cart\"])\n    x = a{}\n",
        ".get()".repeat(3_000)
    )
}

#[test]
fn a_rule_out_of_time_leaves_a_notice_and_the_other_findings() {
    // The slowest rules take seconds on this file in a debug build, the one that finds the
    // pickle tens of milliseconds: a tenth of a second keeps them apart on a busy machine.
    let dir = project(&[("views.py", slow_and_vulnerable())]);
    let (code, report) = json_scan(dir.path(), &["--timeout-per-file", "0.1"]);
    assert_eq!(code, 1, "{report}");
    assert!(
        findings(&report).contains(&("views.py".into(), "unsafe-deserialization".into())),
        "{report}"
    );
    let notices = notices(&report);
    assert!(
        notices
            .iter()
            .any(|(path, kind, message)| path == "views.py"
                && kind == "timeout"
                && message.starts_with('`')
                && message.contains("` ran out of time")),
        "{notices:?}"
    );

    // --strict fails the run on it, after writing the report (with the notice in SARIF too).
    let output = tollgate(
        dir.path(),
        &[
            "scan",
            "--no-cache",
            "--format",
            "sarif",
            "--timeout-per-file",
            "0.1",
            "--strict",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notifications.iter().any(|n| n["message"]["text"]
            .as_str()
            .is_some_and(|text| text.contains("ran out of time"))),
        "{notifications:?}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("--strict"));
}

#[test]
fn without_a_timeout_the_slow_rule_finishes() {
    let dir = project(&[("views.py", slow_and_vulnerable())]);
    let (code, report) = json_scan(dir.path(), &["--timeout-per-file", "0", "--strict"]);
    assert_eq!(code, 1, "{report}");
    assert!(notices(&report).is_empty(), "{report}");
}

#[test]
fn bad_timeouts_are_usage_errors() {
    let dir = project(&[("app.py", "x = 1\n".into())]);
    for bad in ["-1", "soon", "NaN", "inf"] {
        let flag = format!("--timeout-per-file={bad}");
        let output = tollgate(dir.path(), &["scan", &flag]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("seconds"),
            "{bad}"
        );
    }
    std::fs::write(dir.path().join("tollgate.toml"), "timeout-per-file = -2\n").unwrap();
    let output = tollgate(dir.path(), &["scan", "--no-cache"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("timeout-per-file"));
    std::fs::write(dir.path().join("tollgate.toml"), "timeout-per-file = 0\n").unwrap();
    let output = tollgate(dir.path(), &["scan", "--no-cache"]);
    assert_eq!(output.status.code(), Some(0));
}
