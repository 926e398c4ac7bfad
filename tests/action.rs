//! The GitHub Action: its scripts run against the built binary in a simulated Actions environment,
//! and the structure of action.yml.
#![cfg(unix)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

const RULES: &str = r#"rules:
  - id: no-eval
    name: eval of dynamic code
    message: "eval() of `$X`: code injection"
    severity: high
    confidence: high
    languages: [python]
    cwe: [95]
    owasp: ["A03:2021", "A05:2025"]
    fix: Use ast.literal_eval, or a parser.
    help: |
      ```python
      eval(data)
      ```
      ```python
      ast.literal_eval(data)
      ```
    match:
      pattern: eval($X)
"#;

const VULNERABLE: &str = "def load(data):\n    return eval(data)\n";
const SAFE: &str = "import ast\n\ndef load(data):\n    return ast.literal_eval(data)\n";

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A simulated runner: a workspace with a project, the binary on PATH and the Actions files.
struct Runner {
    dir: TempDir,
}

impl Runner {
    fn new(app_code: &str) -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["workspace/app", "workspace/security", "bin", "runner-temp"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let workspace = dir.path().join("workspace");
        std::fs::write(workspace.join("app/views.py"), app_code).unwrap();
        std::fs::write(workspace.join("security/rules.yaml"), RULES).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_tollgate"),
            dir.path().join("bin/tollgate"),
        )
        .unwrap();
        std::fs::write(dir.path().join("output"), "").unwrap();
        std::fs::write(dir.path().join("summary"), "earlier step\n").unwrap();
        std::fs::write(dir.path().join("path"), "").unwrap();
        Runner { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// Run `action/SCRIPT` as the runner would, with only these variables set.
    fn run(&self, script: &str, env: &[(&str, &str)]) -> Output {
        self.run_with_path(
            script,
            env,
            &format!("{}:/usr/bin:/bin", self.path("bin").display()),
        )
    }

    fn run_with_path(&self, script: &str, env: &[(&str, &str)], path: &str) -> Output {
        let mut command = Command::new(repo_root().join("action").join(script));
        command
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.path("workspace"))
            .env("GITHUB_ACTION_PATH", repo_root())
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .env("GITHUB_PATH", self.path("path"))
            .env("RUNNER_TEMP", self.path("runner-temp"))
            .current_dir(self.path("workspace"));
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("the script runs")
    }

    /// The inputs the action passes to scan.sh with its defaults, overridden by `inputs`.
    fn scan(&self, inputs: &[(&str, &str)]) -> Output {
        let mut env = vec![
            ("INPUT_PATHS", "."),
            ("INPUT_ARGS", ""),
            ("INPUT_FAIL_ON", "low"),
            ("INPUT_RULES", "security/rules.yaml"),
            ("INPUT_CONFIG", ""),
            ("INPUT_SARIF_FILE", "tollgate.sarif"),
            ("INPUT_ANNOTATIONS", "true"),
        ];
        for (key, value) in inputs {
            env.retain(|(k, _)| k != key);
            env.push((key, value));
        }
        self.run("scan.sh", &env)
    }

    /// The step outputs as the runner reads `$GITHUB_OUTPUT`: `name=value` lines and
    /// `name<<DELIMITER` … `DELIMITER` blocks, in order.
    fn outputs(&self) -> Vec<(String, String)> {
        let text = self.read("output");
        let mut lines = text.lines();
        let mut outputs = Vec::new();
        while let Some(line) = lines.next() {
            if let Some((name, delimiter)) = line.split_once("<<") {
                let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
                outputs.push((name.to_string(), value.join("\n")));
            } else if let Some((name, value)) = line.split_once('=') {
                outputs.push((name.to_string(), value.to_string()));
            }
        }
        outputs
    }

    /// The last value of step output `name`, if the scan step set it.
    fn output(&self, name: &str) -> Option<String> {
        self.outputs()
            .into_iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Run the last step with the exit code the scan step saved.
    fn check(&self) -> Output {
        let code = self.output("exit-code").unwrap_or_default();
        self.run(
            "check.sh",
            &[("EXIT_CODE", &code), ("INPUT_FAIL_ON", "low")],
        )
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_finding_is_annotated_summarized_uploaded_and_fails_the_last_step() {
    let runner = Runner::new(VULNERABLE);
    let scan = runner.scan(&[]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    let out = stdout(&scan);
    assert!(
        out.lines().any(|line| line.starts_with(
            "::error file=app/views.py,line=2,endLine=2,col=12,endColumn=22,title=no-eval%3A eval of dynamic code::eval() of `data`: code injection%0A%0AFix: Use ast.literal_eval, or a parser."
        )),
        "{out}"
    );
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"));

    let sarif_path = runner.path("workspace/tollgate.sarif");
    assert_eq!(
        runner.output("sarif-file"),
        Some(sarif_path.display().to_string())
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "no-eval");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/views.py"
    );

    let summary = runner.read("summary");
    assert!(
        summary.starts_with("earlier step\n## ❌ tollgate: 1 finding at or above low\n"),
        "the summary is appended: {summary}"
    );
    assert!(summary.contains("| 🟠 high | 1 |"), "{summary}");
    assert!(
        summary.contains(
            r"| 🟠 high | no-eval | app/views.py:2 | eval() of \`data\`: code injection |"
        ),
        "{summary}"
    );
    // No cache directory is left in the workspace.
    assert!(!runner.path("workspace/.tollgate-cache").exists());
    // The summary's temporary file is removed.
    assert_eq!(
        std::fs::read_dir(runner.path("runner-temp"))
            .unwrap()
            .count(),
        0
    );

    let check = runner.check();
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    assert!(stdout(&check).starts_with("::error title=tollgate::findings at or above low"));
}

#[test]
fn a_clean_project_passes() {
    let runner = Runner::new(SAFE);
    let scan = runner.scan(&[]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert!(!stdout(&scan).contains("::error"), "{}", stdout(&scan));
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));
    assert!(runner.output("sarif-file").is_some());
    assert!(runner
        .read("summary")
        .contains("## ✅ tollgate: no findings"));
    let check = runner.check();
    assert!(check.status.success(), "{}", stdout(&check));
}

#[test]
fn inputs_change_the_run() {
    let runner = Runner::new(VULNERABLE);
    let scan = runner.scan(&[
        ("INPUT_ANNOTATIONS", "False"),
        ("INPUT_FAIL_ON", "critical"),
        ("INPUT_SARIF_FILE", ""),
        ("INPUT_PATHS", "app\n"),
        ("INPUT_ARGS", "--exclude nothing/ --jobs 1"),
    ]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    let out = stdout(&scan);
    assert!(
        !out.contains("::error"),
        "text report, not annotations: {out}"
    );
    assert!(out.contains("no-eval"), "{out}");
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));
    assert_eq!(runner.output("sarif-file"), None);
    assert!(!runner.path("workspace/tollgate.sarif").exists());
    assert!(runner
        .read("summary")
        .contains("## ✅ tollgate: passed, 1 finding below critical"));
    assert!(runner.check().status.success());
}

#[test]
fn a_scan_error_is_reported_and_fails_with_its_status() {
    let runner = Runner::new(VULNERABLE);
    let scan = runner.scan(&[("INPUT_PATHS", "missing/")]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert_eq!(runner.output("exit-code").as_deref(), Some("2"));
    assert!(runner
        .read("summary")
        .contains("tollgate could not complete the scan"));
    let check = runner.check();
    assert_eq!(check.status.code(), Some(2));
    assert!(stdout(&check).contains("exit status 2"));
}

#[test]
fn a_bad_boolean_input_is_an_error() {
    let runner = Runner::new(SAFE);
    let scan = runner.scan(&[("INPUT_ANNOTATIONS", "maybe")]);
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        stdout(&scan).contains("::error title=tollgate::input annotations must be true or false")
    );
    // The last step fails too when the scan step left no exit code.
    let check = runner.run("check.sh", &[("EXIT_CODE", "")]);
    assert_eq!(check.status.code(), Some(2));
}

#[test]
fn inputs_are_never_run_as_shell_code() {
    let runner = Runner::new(SAFE);
    let scan = runner.scan(&[
        ("INPUT_PATHS", "$(touch pwned-paths) `touch pwned-tick` *"),
        ("INPUT_ARGS", "; touch pwned-args"),
        ("INPUT_CONFIG", "$(touch pwned-config)"),
    ]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert_eq!(runner.output("exit-code").as_deref(), Some("2"));
    let workspace: Vec<_> = std::fs::read_dir(runner.path("workspace"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        workspace.iter().all(|name| !name.starts_with("pwned")),
        "{workspace:?}"
    );
    // Nor expanded as globs: `*` names a file called `*`, which does not exist.
    runner.scan(&[("INPUT_PATHS", "*")]);
    assert_eq!(runner.output("exit-code").as_deref(), Some("2"));
}

#[test]
fn outputs_use_random_delimiters_and_path_inputs_are_checked() {
    let runner = Runner::new(VULNERABLE);
    runner.scan(&[]);
    let text = runner.read("output");
    let first = text.lines().next().unwrap();
    let delimiter = first.strip_prefix("exit-code<<tollgate_").unwrap();
    assert_eq!(delimiter.len(), 32, "{text}");
    runner.scan(&[]);
    assert!(
        !runner.read("output")[text.len()..].contains(delimiter),
        "fresh each time"
    );

    // A newline in `sarif-file` would have written `exit-code=0` into the outputs.
    let runner = Runner::new(VULNERABLE);
    let scan = runner.scan(&[("INPUT_SARIF_FILE", "x.sarif\nexit-code=0")]);
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        stdout(&scan).contains("::error title=tollgate::input sarif-file must not contain"),
        "{}",
        stdout(&scan)
    );
    assert_eq!(runner.read("output"), "");
    assert_eq!(runner.check().status.code(), Some(2));
    let scan = runner.scan(&[("INPUT_CONFIG", "a\r::stop-commands::x")]);
    assert_eq!(scan.status.code(), Some(2));
    // Error messages quoting an input are escaped too.
    let scan = runner.scan(&[("INPUT_ANNOTATIONS", "no\n::add-mask::x")]);
    assert!(
        stdout(&scan).contains("not 'no%0A::add-mask::x'"),
        "{}",
        stdout(&scan)
    );
}

#[test]
fn ignore_files_in_the_tree_are_disregarded_unless_asked() {
    let runner = Runner::new(VULNERABLE);
    std::fs::write(runner.path("workspace/.ignore"), "*\n").unwrap();
    runner.scan(&[]);
    assert_eq!(runner.output("exit-code").as_deref(), Some("1"));
    // Honouring them, the tree hides everything: an error, not a pass.
    let scan = runner.scan(&[("INPUT_IGNORE_FILES", "true")]);
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert_eq!(runner.output("exit-code").as_deref(), Some("2"));
    assert!(
        stderr(&scan).contains("no Python or Rust file was scanned (left out: 1 ignored)"),
        "{}",
        stderr(&scan)
    );
}

#[test]
fn file_names_cannot_inject_workflow_commands_in_text_mode() {
    let runner = Runner::new(VULNERABLE);
    let name = "app/x\n::stop-commands::tok\n::error::forged\u{1b}[2J.py";
    std::fs::write(runner.path("workspace").join(name), VULNERABLE).unwrap();
    std::fs::write(runner.path("workspace/app/bin.py"), b"\0\0").unwrap();
    for annotations in ["true", "false"] {
        let scan = runner.scan(&[("INPUT_ANNOTATIONS", annotations)]);
        let out = stdout(&scan);
        for line in out.lines() {
            assert!(
                !line.starts_with("::stop-commands") && !line.starts_with("::error::forged"),
                "{out}"
            );
        }
        assert!(!out.contains('\u{1b}'), "{out}");
        // The name is still shown, with its line breaks made visible.
        assert!(out.contains("app/x\\n"), "{out}");
        assert_eq!(runner.output("exit-code").as_deref(), Some("1"));
    }
}

/// A Rust target triple for this machine, as install.sh names release archives.
fn release_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-gnu",
        ("linux", "aarch64") => "aarch64-unknown-linux-gnu",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        other => panic!("no release target for {other:?}"),
    }
}

/// A stand-in for a release binary (the debug build is too large to archive quickly).
const RELEASE_BINARY: &str = "#!/bin/sh\necho 'tollgate 0.1.0 (release)'\n";

/// A release `v0.1.0` of `tollgate-dev/tollgate` served from the file system, with a binary and a
/// checksum file (`corrupt`: a wrong checksum). Returns the server URL.
fn local_release(runner: &Runner, corrupt: bool) -> String {
    let server = runner.path("server");
    let release = server.join("tollgate-dev/tollgate/releases/download/v0.1.0");
    std::fs::create_dir_all(&release).unwrap();
    let staging = runner.path("staging/tollgate-0.1.0");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("tollgate"), RELEASE_BINARY).unwrap();
    std::fs::set_permissions(
        staging.join("tollgate"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let archive = format!("tollgate-{}.tar.gz", release_target());
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(release.join(&archive))
        .arg("-C")
        .arg(runner.path("staging"))
        .arg("tollgate-0.1.0")
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&release)
        .output()
        .unwrap();
    let mut sum = String::from_utf8(sum.stdout).unwrap();
    if corrupt {
        sum = format!("{}{}", "0".repeat(64), &sum[64..]);
    }
    std::fs::write(release.join(format!("{archive}.sha256")), sum).unwrap();
    format!("file://{}", server.display())
}

/// A `cargo` that records its arguments and "installs" a binary under `--root`.
fn fake_cargo(runner: &Runner) -> PathBuf {
    let dir = runner.path("fake-cargo");
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$@\" > '{log}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\nprintf '#!/bin/sh\\necho tollgate built\\n' > \"$2/bin/tollgate\"\nchmod +x \"$2/bin/tollgate\"\n",
        log = runner.path("cargo-args").display(),
    );
    std::fs::write(dir.join("cargo"), script).unwrap();
    std::fs::set_permissions(dir.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn install_path(runner: &Runner) -> String {
    format!("{}:/usr/bin:/bin", fake_cargo(runner).display())
}

#[test]
fn install_downloads_and_verifies_a_release() {
    let runner = Runner::new(SAFE);
    let server = local_release(&runner, false);
    let install = runner.run_with_path(
        "install.sh",
        &[("INPUT_VERSION", "0.1.0"), ("GITHUB_SERVER_URL", &server)],
        &install_path(&runner),
    );
    assert!(
        install.status.success(),
        "{}{}",
        stdout(&install),
        stderr(&install)
    );
    assert!(
        !runner.path("cargo-args").exists(),
        "no build when the release downloads"
    );
    let bin_dir = runner.read("path").trim().to_string();
    assert_eq!(
        bin_dir,
        runner
            .path("runner-temp/tollgate/bin")
            .display()
            .to_string()
    );
    let version = Command::new(Path::new(&bin_dir).join("tollgate"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(stdout(&version), "tollgate 0.1.0 (release)\n");
}

#[test]
fn install_refuses_a_release_whose_checksum_differs() {
    let runner = Runner::new(SAFE);
    let server = local_release(&runner, true);
    let install = runner.run_with_path(
        "install.sh",
        &[("INPUT_VERSION", "v0.1.0"), ("GITHUB_SERVER_URL", &server)],
        &install_path(&runner),
    );
    assert!(!install.status.success());
    assert!(stdout(&install).contains("::error title=tollgate install::checksum mismatch"));
    assert!(
        !runner.path("cargo-args").exists(),
        "a bad checksum is not papered over"
    );
    assert_eq!(runner.read("path"), "");
}

#[test]
fn install_builds_from_source_without_a_release() {
    let runner = Runner::new(SAFE);
    let server = local_release(&runner, false);
    for version in ["", "9.9.9"] {
        let install = runner.run_with_path(
            "install.sh",
            &[("INPUT_VERSION", version), ("GITHUB_SERVER_URL", &server)],
            &install_path(&runner),
        );
        assert!(
            install.status.success(),
            "{}{}",
            stdout(&install),
            stderr(&install)
        );
        assert_eq!(
            runner.read("cargo-args").trim(),
            format!(
                "install --locked --root {} --path {}",
                runner.path("runner-temp/tollgate").display(),
                repo_root().display()
            )
        );
        std::fs::remove_file(runner.path("cargo-args")).unwrap();
    }
}

#[test]
fn install_rejects_a_malformed_version() {
    let runner = Runner::new(SAFE);
    let install = runner.run_with_path(
        "install.sh",
        &[("INPUT_VERSION", "1.0/../../evil")],
        &install_path(&runner),
    );
    assert!(!install.status.success());
    assert!(stdout(&install).contains("version must be a release"));
    assert!(!runner.path("cargo-args").exists());
}

fn action() -> Value {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    serde_saphyr::from_str(&text).expect("action.yml is valid YAML")
}

/// Every string in `value`, recursively.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The `NAME` of every `PREFIX.NAME` in `text`.
fn references<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn action_yml_is_a_composite_action_with_declared_inputs() {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    for (name, default) in [
        ("paths", "."),
        ("args", ""),
        ("fail-on", "low"),
        ("rules", ""),
        ("config", ""),
        ("sarif-file", "tollgate.sarif"),
        ("upload-sarif", "true"),
        ("annotations", "true"),
        ("ignore-files", "false"),
        ("version", ""),
    ] {
        assert_eq!(inputs[name]["default"], default, "input {name}");
        assert!(inputs[name]["description"].is_string(), "input {name}");
    }

    let steps = action["runs"]["steps"].as_array().unwrap();
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let mut used = BTreeSet::new();
    for text in strings(&action["runs"])
        .into_iter()
        .chain(strings(&action["outputs"]))
    {
        used.extend(references(text, "inputs."));
        for id in references(text, "steps.") {
            assert!(
                ids.contains(id),
                "step `{id}` is referenced but not defined"
            );
        }
    }
    for name in &used {
        assert!(
            inputs.contains_key(*name),
            "input `{name}` is used but not declared"
        );
    }
    assert_eq!(used.len(), inputs.len(), "every input is used: {used:?}");

    let mut scripts = Vec::new();
    for step in steps {
        let Some(run) = step["run"].as_str() else {
            assert!(step["uses"].is_string(), "{step}");
            continue;
        };
        assert!(
            step["shell"].is_string(),
            "a `run` step needs `shell`: {step}"
        );
        assert!(
            !run.contains("${{"),
            "inputs go through `env:`, never into shell text: {run}"
        );
        for script in references(run, "$GITHUB_ACTION_PATH/action/") {
            scripts.push(script.to_string());
        }
    }
    assert_eq!(scripts, ["install", "scan", "check"].map(|s| s.to_string()));
    for script in &scripts {
        let path = repo_root().join("action").join(format!("{script}.sh"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{} is executable", path.display());
    }

    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("a SARIF upload step");
    assert!(upload["if"]
        .as_str()
        .unwrap()
        .contains("inputs.upload-sarif == 'true'"));
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.scan.outputs.sarif-file }}"
    );
    let last = steps.last().unwrap();
    assert!(last["run"].as_str().unwrap().contains("check.sh"));
    assert_eq!(
        last["env"]["EXIT_CODE"],
        "${{ steps.scan.outputs.exit-code }}"
    );
}

#[test]
fn github_and_markdown_formats_from_the_command_line() {
    let runner = Runner::new(VULNERABLE);
    let scan = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args([
                "scan",
                "--no-cache",
                "--rules",
                "security/rules.yaml",
                "--rules-only",
            ])
            .args(args)
            .current_dir(runner.path("workspace"))
            .output()
            .unwrap()
    };
    let github = scan(&["--format", "github", "app"]);
    assert_eq!(github.status.code(), Some(1));
    let out = stdout(&github);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::error ")).count(),
        1,
        "{out}"
    );
    assert!(
        out.lines().last().unwrap().starts_with("Scanned 1 file"),
        "{out}"
    );

    let markdown = scan(&["--format", "markdown", "--fail-on", "critical", "app"]);
    assert_eq!(markdown.status.code(), Some(0));
    assert!(stdout(&markdown).starts_with("## ✅ tollgate: passed, 1 finding below critical\n"));

    let unwritable = scan(&["--markdown", "no/such/dir/summary.md", "app"]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(
        stderr(&unwritable).contains("could not write the report"),
        "{}",
        stderr(&unwritable)
    );
}
