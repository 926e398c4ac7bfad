//! The command line's manners: a closed pipe, errors that name their source, the text report's
//! wrapping, and what the summary line counts.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const VULNERABLE_PY: &str = r#"def report(cursor, user_id):
    cursor.execute(f"SELECT * FROM payments WHERE user_id = {user_id}")

def refund(gateway, payment):
    try:
        gateway.refund(payment)
    except Exception:
        pass
"#;

const SUPPRESSED_PY: &str = r#"def void(gateway, payment):
    try:
        gateway.void(payment)
    # tollgate: ignore[broad-exception-swallowed] -- voids are reconciled nightly
    except Exception:
        pass
"#;

fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

fn tollgate(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Run `args` with standard output a pipe whose reader reads `keep` bytes, then closes it.
fn closed_pipe(dir: &Path, args: &[&str], keep: usize) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut kept = vec![0; keep];
    stdout.read_exact(&mut kept).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_usual_status() {
    // A report larger than a pipe's buffer (64 KiB), so the writer is still writing when the
    // reader goes: `tollgate scan | head -c 10`.
    let many: String = (0..300)
        .map(|n| format!("def report_{n}(cursor, user_id):\n    cursor.execute(f\"SELECT {n} FROM t WHERE id = {{user_id}}\")\n\n"))
        .collect();
    let dir = project(&[("app/views.py", &many)]);
    // No time budget: on a loaded machine a debug build could run out of it and drop findings.
    let scan = closed_pipe(
        dir.path(),
        &["scan", "--no-cache", "--timeout-per-file", "0", "."],
        10,
    );
    assert_eq!(scan.status.code(), Some(1), "{}", text(&scan.stderr));
    assert_eq!(text(&scan.stderr), "", "no error for a closed pipe");

    let clean = project(&[("app/ok.py", "x = 1\n")]);
    let scan = closed_pipe(clean.path(), &["scan", "--no-cache", "--format", "json"], 1);
    assert_eq!(scan.status.code(), Some(0), "{}", text(&scan.stderr));
    assert_eq!(text(&scan.stderr), "");
    let scan = closed_pipe(
        dir.path(),
        &[
            "scan",
            "--no-cache",
            "--timeout-per-file",
            "0",
            "--format",
            "sarif",
        ],
        1,
    );
    assert_eq!(scan.status.code(), Some(1), "{}", text(&scan.stderr));
    assert_eq!(text(&scan.stderr), "");

    let rules = closed_pipe(dir.path(), &["rules"], 1);
    assert_eq!(rules.status.code(), Some(0), "{}", text(&rules.stderr));
    assert_eq!(text(&rules.stderr), "");

    // A file that cannot be written is still an error.
    let dir = project(&[("app/views.py", VULNERABLE_PY)]);
    let scan = tollgate(
        dir.path(),
        &["scan", "--no-cache", "--output", "no/such/dir/report.txt"],
        &[],
    );
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        text(&scan.stderr).contains("could not write the report"),
        "{}",
        text(&scan.stderr)
    );
}

#[test]
fn a_missing_rule_path_names_the_path_and_the_configuration_file() {
    let dir = project(&[
        ("app/views.py", VULNERABLE_PY),
        ("tollgate.toml", "rules = [\"security/rules\"]\n"),
    ]);
    let scan = tollgate(dir.path(), &["scan", "--no-cache", "."], &[]);
    assert_eq!(scan.status.code(), Some(2));
    let stderr = text(&scan.stderr);
    assert!(
        stderr.contains("security/rules` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("tollgate.toml"), "{stderr}");
    assert!(
        stderr.contains("rules = [\"security/rules\"]"),
        "the entry is shown: {stderr}"
    );

    // In pyproject.toml too.
    let dir = project(&[
        ("app/views.py", VULNERABLE_PY),
        (
            "pyproject.toml",
            "[tool.tollgate]\nrules = ['lint/rules']\n",
        ),
    ]);
    let scan = tollgate(dir.path(), &["scan", "--no-cache", "."], &[]);
    assert_eq!(scan.status.code(), Some(2));
    let stderr = text(&scan.stderr);
    assert!(stderr.contains("lint/rules` does not exist"), "{stderr}");
    assert!(stderr.contains("pyproject.toml"), "{stderr}");

    // A configured path that exists loads; `--rules` paths are named as given.
    std::fs::create_dir_all(dir.path().join("lint/rules")).unwrap();
    let scan = tollgate(dir.path(), &["scan", "--no-cache", "."], &[]);
    assert_eq!(scan.status.code(), Some(1), "{}", text(&scan.stderr));
    let scan = tollgate(
        dir.path(),
        &["scan", "--no-cache", "--rules", "mine.yaml", "."],
        &[],
    );
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        text(&scan.stderr).contains("rule path `mine.yaml` does not exist"),
        "{}",
        text(&scan.stderr)
    );
}

#[test]
fn the_text_report_wraps_at_the_width_but_never_inside_a_url() {
    let dir = project(&[("app/views.py", VULNERABLE_PY)]);
    let url = "https://github.com/tollgate-dev/tollgate/blob/main/rules/errors/broad-exception-swallowed.yaml";
    let wide = tollgate(
        dir.path(),
        &["scan", "--no-cache", "."],
        &[("COLUMNS", "200")],
    );
    let out = text(&wide.stdout);
    assert!(
        out.lines().any(|line| line
            .contains("more: tollgate explain broad-exception-swallowed | ")
            && line.ends_with(url)),
        "{out}"
    );
    let narrow = tollgate(
        dir.path(),
        &["scan", "--no-cache", "."],
        &[("COLUMNS", "60")],
    );
    let out = text(&narrow.stdout);
    let more = out
        .lines()
        .position(|line| line.contains("more: tollgate explain broad-exception-swallowed"))
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[more + 1].trim(), url, "{out}");
    // Prose wraps at the width; a word is never split.
    assert!(lines[more - 1].chars().count() <= 60, "{}", lines[more - 1]);
    assert!(!out.contains("broad-\n"), "{out}");
}

#[test]
fn the_summary_line_counts_by_rule_suppressed_and_baselined_findings() {
    let dir = project(&[
        ("app/views.py", VULNERABLE_PY),
        ("app/void.py", SUPPRESSED_PY),
    ]);
    let scan = tollgate(dir.path(), &["scan", "--no-cache", "."], &[]);
    assert_eq!(scan.status.code(), Some(1));
    let out = text(&scan.stdout);
    let summary = out.lines().last().unwrap();
    assert!(
        summary.contains(
            ": 2 findings (1 high, 1 medium) by rule: broad-exception-swallowed 1, sql-string-built 1; 1 suppressed."
        ),
        "{summary}"
    );

    let baseline = tollgate(
        dir.path(),
        &["baseline", "--no-cache", "--output", "baseline.json", "."],
        &[],
    );
    assert_eq!(
        baseline.status.code(),
        Some(0),
        "{}",
        text(&baseline.stderr)
    );
    let scan = tollgate(
        dir.path(),
        &["scan", "--no-cache", "--baseline", "baseline.json", "."],
        &[],
    );
    assert_eq!(scan.status.code(), Some(0), "{}", text(&scan.stderr));
    let out = text(&scan.stdout);
    assert!(
        out.trim_end()
            .ends_with(": no findings; 1 suppressed; 2 in the baseline."),
        "{out}"
    );
}

#[test]
fn an_unregistered_handler_reads_naturally() {
    let dir = project(&[(
        "app/views.py",
        r#"from rest_framework.views import APIView
from rest_framework.response import Response

class Transfer(APIView):
    permission_classes = []

    def post(self, request):
        Account.objects.create(owner=request.data["x"])
        return Response({})
"#,
    )]);
    let scan = tollgate(
        dir.path(),
        &["scan", "--no-cache", "--format", "json", "."],
        &[],
    );
    let out = text(&scan.stdout);
    assert!(
        out.contains("`Transfer.post` (POST, at a URL not found in the scan) changes state"),
        "{out}"
    );
    assert!(!out.contains("route not found"), "{out}");
}

const GUARDED_VIEWS: &str = r#"from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def transfer(request):
    Payment.objects.create(note=request.POST["note"])
    return JsonResponse({"ok": True})
"#;

const GUARDING_URLS: &str = r#"from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views

urlpatterns = [path("transfer/", login_required(views.transfer))]
"#;

/// The rule ids of a JSON report, by file.
fn findings(output: &Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", text(&output.stdout)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn report_only_keeps_the_projects_context_and_reports_the_named_files() {
    let dir = project(&[
        ("app/views.py", GUARDED_VIEWS),
        ("app/urls.py", GUARDING_URLS),
        ("app/tasks.py", VULNERABLE_PY),
    ]);
    let json = ["scan", "--no-cache", "--format", "json"];
    // Scanned alone, the view has no guard in sight: a false missing-authorization.
    let alone = tollgate(dir.path(), &[&json[..], &["app/views.py"]].concat(), &[]);
    assert!(
        findings(&alone).contains(&("app/views.py".into(), "missing-authorization".into())),
        "{}",
        text(&alone.stdout)
    );
    // With the project as context, urls.py's login_required guards it; tasks.py is not reported.
    for named in ["app/views.py", "./app/views.py"] {
        let staged = tollgate(
            dir.path(),
            &[&json[..], &["--report-only", named]].concat(),
            &[],
        );
        assert_eq!(staged.status.code(), Some(0), "{}", text(&staged.stderr));
        assert_eq!(findings(&staged), Vec::new(), "{}", text(&staged.stdout));
    }
    let absolute = dir.path().join("app/tasks.py").display().to_string();
    let both = tollgate(
        dir.path(),
        &[&json[..], &["--report-only", "app/views.py", &absolute]].concat(),
        &[],
    );
    assert_eq!(both.status.code(), Some(1));
    let reported = findings(&both);
    assert!(!reported.is_empty());
    assert!(
        reported.iter().all(|(path, _)| path == "app/tasks.py"),
        "{reported:?}"
    );

    let missing = tollgate(dir.path(), &["scan", "--report-only", "app/gone.py"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("--report-only: path `app/gone.py` does not exist"),
        "{}",
        text(&missing.stderr)
    );
}

const TWO_SINKS: &str = r#"import os
from flask import Flask, request, send_file

app = Flask(__name__)


@app.post("/exports/rebuild")
def rebuild():
    name = request.form["name"]
    os.remove(f"/srv/exports/{name}.zip")
    return send_file(f"/srv/exports/{name}.zip")


@app.post("/exports/drop")
def drop():
    name = request.form["name"]
    os.remove(f"/srv/exports/{name}.zip")
    # tollgate: ignore[path-traversal] -- the name was checked by the caller
    return send_file(f"/srv/exports/{name}.zip")
"#;

#[test]
fn one_input_reaching_several_sinks_is_one_finding_with_the_others_related() {
    let dir = project(&[("app.py", TWO_SINKS)]);
    let scan = tollgate(
        dir.path(),
        &["scan", "--no-cache", "--format", "json", "."],
        &[],
    );
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let traversals: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "path-traversal")
        .collect();
    let lines: Vec<u64> = traversals
        .iter()
        .map(|f| f["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [10, 17], "{traversals:#?}");
    // The second sink of the first handler is a related place of the first.
    let related = traversals[0]["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{related:#?}");
    assert_eq!(related[0]["start"]["line"], 11);
    assert!(related[0]["message"]
        .as_str()
        .unwrap()
        .contains("send_file"));
    // A suppressed later sink is silenced alone, and its suppression counts as used.
    assert!(traversals[1]
        .get("related")
        .is_none_or(|r| r.as_array().unwrap().is_empty()));
    assert!(!text(&scan.stdout).contains("unused-suppression"));
}
