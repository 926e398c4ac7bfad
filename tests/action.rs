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

/// The release target triple for this machine, as resolve.sh names release archives.
fn release_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        other => panic!("no release target for {other:?}"),
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A release archive served from the file system.
struct Release<'a> {
    /// OWNER/REPO.
    repository: &'a str,
    /// The directory under `releases/`: `download/vX.Y.Z` or `latest/download`.
    tag: String,
    target: &'a str,
    /// What the archived binary says to `--version`.
    says: String,
    corrupt: bool,
}

impl<'a> Release<'a> {
    fn new(repository: &'a str) -> Release<'a> {
        Release {
            repository,
            tag: format!("download/v{VERSION}"),
            target: release_target(),
            says: format!("tollgate {VERSION}"),
            corrupt: false,
        }
    }

    /// Publish the archive and its `.sha256` file under `runner/server`, packed by
    /// dist/package.sh as the release workflow does; a stand-in script replaces the binary (a
    /// real one is too large to archive quickly).
    fn publish(&self, runner: &Runner) {
        let dir = runner
            .path("server")
            .join(self.repository)
            .join("releases")
            .join(&self.tag);
        let binary = runner.path("stand-in");
        std::fs::write(&binary, format!("#!/bin/sh\necho '{}'\n", self.says)).unwrap();
        let packed = Command::new(repo_root().join("dist/package.sh"))
            .arg(self.target)
            .arg(&binary)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(packed.status.success(), "{}", stderr(&packed));
        let archive = PathBuf::from(stdout(&packed).trim());
        let sums = archive.with_file_name(format!(
            "{}.sha256",
            archive.file_name().unwrap().to_string_lossy()
        ));
        if self.corrupt {
            let sum = std::fs::read_to_string(&sums).unwrap();
            std::fs::write(&sums, format!("{}{}", "0".repeat(64), &sum[64..])).unwrap();
        }
    }
}

/// The action checked out as the runner does for `uses: OWNER/REPO@REF`:
/// `runner/_actions/OWNER/REPO/REF`, a link to this repository.
fn action_checkout(runner: &Runner, repository: &str, reference: &str) -> PathBuf {
    let path = runner.path("_actions").join(repository).join(reference);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(repo_root(), &path).unwrap();
    path
}

/// A `cargo` that records its arguments and CARGO_TARGET_DIR and "installs" a binary under
/// `--root`, and, when `os` is given, a `uname` that claims that system.
fn fake_tools(runner: &Runner, os: Option<&str>) -> String {
    let dir = runner.path("fake-tools");
    std::fs::create_dir_all(&dir).unwrap();
    let cargo = format!(
        "#!/bin/sh\necho \"$@\" > '{log}'\necho \"$CARGO_TARGET_DIR\" >> '{log}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\nprintf '#!/bin/sh\\necho tollgate built\\n' > \"$2/bin/tollgate\"\nchmod +x \"$2/bin/tollgate\"\n",
        log = runner.path("cargo-args").display(),
    );
    let mut tools = vec![("cargo", cargo)];
    if let Some(os) = os {
        tools.push((
            "uname",
            format!("#!/bin/sh\ncase \"$1\" in -s) echo '{os}' ;; *) echo x86_64 ;; esac\n"),
        ));
    }
    for (name, script) in tools {
        std::fs::write(dir.join(name), script).unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:/usr/bin:/bin", dir.display())
}

/// The action's install steps: resolve.sh, then (when it succeeded) install.sh with its outputs.
struct Install {
    resolve: Output,
    install: Option<Output>,
}

impl Install {
    fn succeeded(&self) -> bool {
        self.install
            .as_ref()
            .is_some_and(|out| out.status.success())
    }

    /// Everything both steps printed.
    fn log(&self) -> String {
        let mut log = stdout(&self.resolve) + &stderr(&self.resolve);
        if let Some(install) = &self.install {
            log += &(stdout(install) + &stderr(install));
        }
        log
    }
}

fn install(runner: &Runner, action_path: &Path, env: &[(&str, &str)], path: &str) -> Install {
    let server = format!("file://{}", runner.path("server").display());
    let action_path = action_path.display().to_string();
    let tool_cache = runner.path("tool-cache").display().to_string();
    let mut base = vec![
        ("GITHUB_ACTION_PATH", action_path.as_str()),
        ("GITHUB_SERVER_URL", server.as_str()),
        ("RUNNER_TOOL_CACHE", tool_cache.as_str()),
        ("RUNNER_ARCH", "X64"),
    ];
    for (key, value) in env {
        base.retain(|(k, _)| k != key);
        base.push((key, value));
    }
    std::fs::write(runner.path("output"), "").unwrap();
    let resolve = runner.run_with_path("resolve.sh", &base, path);
    if !resolve.status.success() {
        return Install {
            resolve,
            install: None,
        };
    }
    let outputs: Vec<(String, String)> = runner.outputs();
    let get = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| key == name)
            .map_or(String::new(), |(_, value)| value.clone())
    };
    let resolved = [
        ("TOLLGATE_MODE", get("mode")),
        ("TOLLGATE_REPOSITORY", get("repository")),
        ("TOLLGATE_VERSION", get("version")),
        ("TOLLGATE_TARGET", get("target")),
    ];
    let mut env = base.clone();
    env.extend(resolved.iter().map(|(key, value)| (*key, value.as_str())));
    let install = runner.run_with_path("install.sh", &env, path);
    Install {
        resolve,
        install: Some(install),
    }
}

/// The `tollgate --version` of the binary install.sh put on the runner's PATH.
fn installed_version(runner: &Runner) -> String {
    let bin_dir = runner.read("path").trim().to_string();
    let version = Command::new(Path::new(&bin_dir).join("tollgate"))
        .arg("--version")
        .output()
        .unwrap();
    stdout(&version)
}

#[test]
fn install_downloads_the_actions_own_release_verifies_it_and_keeps_it_in_the_tool_cache() {
    let runner = Runner::new(SAFE);
    Release::new("tollgate-dev/tollgate").publish(&runner);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", &format!("v{VERSION}"));
    let tools = fake_tools(&runner, None);
    let first = install(&runner, &action, &[("INPUT_VERSION", "")], &tools);
    assert!(first.succeeded(), "{}", first.log());
    assert!(
        !runner.path("cargo-args").exists(),
        "no build when the release downloads"
    );
    let cached = runner.path(&format!("tool-cache/tollgate/{VERSION}/x64"));
    assert_eq!(runner.read("path").trim(), cached.display().to_string());
    assert!(runner
        .path(&format!("tool-cache/tollgate/{VERSION}/x64.complete"))
        .exists());
    assert_eq!(installed_version(&runner), format!("tollgate {VERSION}\n"));

    // The next job on this runner finds it in the tool cache: no download.
    std::fs::remove_dir_all(runner.path("server")).unwrap();
    std::fs::write(runner.path("path"), "").unwrap();
    let second = install(&runner, &action, &[("INPUT_VERSION", VERSION)], &tools);
    assert!(second.succeeded(), "{}", second.log());
    assert!(
        second.log().contains("found in the tool cache"),
        "{}",
        second.log()
    );
    assert_eq!(runner.read("path").trim(), cached.display().to_string());
}

#[test]
fn a_fork_downloads_its_own_releases() {
    let runner = Runner::new(SAFE);
    Release::new("tollgate-dev/tollgate").publish(&runner);
    let fork = action_checkout(&runner, "someone/tollgate", "main");
    let tools = fake_tools(&runner, None);
    let missing = install(&runner, &fork, &[], &tools);
    assert!(!missing.succeeded());
    assert!(
        missing.log().contains(&format!(
            "::error title=tollgate install::release {VERSION} of someone/tollgate has no tollgate-{}.tar.gz",
            release_target()
        )),
        "{}",
        missing.log()
    );
    Release::new("someone/tollgate").publish(&runner);
    let found = install(&runner, &fork, &[], &tools);
    assert!(found.succeeded(), "{}", found.log());
    assert!(
        found.log().contains(&format!(
            "file://{}/someone/tollgate/releases/download/v{VERSION}/",
            runner.path("server").display()
        )),
        "{}",
        found.log()
    );
}

#[test]
fn install_refuses_a_release_whose_checksum_or_version_differs() {
    let runner = Runner::new(SAFE);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "v1");
    let tools = fake_tools(&runner, None);
    let mut release = Release::new("tollgate-dev/tollgate");
    release.corrupt = true;
    release.publish(&runner);
    let bad = install(&runner, &action, &[], &tools);
    assert!(!bad.succeeded());
    assert!(
        bad.log()
            .contains("::error title=tollgate install::checksum mismatch"),
        "{}",
        bad.log()
    );
    assert!(!runner.path("cargo-args").exists(), "no build instead");
    assert_eq!(runner.read("path"), "");

    release.corrupt = false;
    release.says = "tollgate 0.0.1".into();
    release.publish(&runner);
    let wrong = install(&runner, &action, &[], &tools);
    assert!(!wrong.succeeded());
    assert!(
        wrong.log().contains(&format!(
            "the release archive for {VERSION} holds 'tollgate 0.0.1'"
        )),
        "{}",
        wrong.log()
    );
    assert_eq!(runner.read("path"), "");
}

#[test]
fn an_unknown_version_is_an_error_not_a_build() {
    let runner = Runner::new(SAFE);
    Release::new("tollgate-dev/tollgate").publish(&runner);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "v1");
    let tools = fake_tools(&runner, None);
    let unknown = install(&runner, &action, &[("INPUT_VERSION", "v9.9.9")], &tools);
    assert!(!unknown.succeeded());
    assert!(
        unknown.log().contains(
            "::error title=tollgate install::release 9.9.9 of tollgate-dev/tollgate has no"
        ),
        "{}",
        unknown.log()
    );
    assert!(
        unknown.log().contains("latest, or source"),
        "{}",
        unknown.log()
    );
    assert!(!runner.path("cargo-args").exists());
    assert_eq!(runner.read("path"), "");

    for bad in ["1.0/../../evil", "main", "1.0", "v1.2.3\n::add-mask::x"] {
        let rejected = install(&runner, &action, &[("INPUT_VERSION", bad)], &tools);
        assert!(rejected.install.is_none(), "{bad:?}: {}", rejected.log());
        assert!(
            stdout(&rejected.resolve).contains("version must be a release"),
            "{}",
            rejected.log()
        );
        assert_eq!(
            stdout(&rejected.resolve).lines().count(),
            1,
            "no forged command: {}",
            rejected.log()
        );
    }
    assert!(!runner.path("cargo-args").exists());
}

#[test]
fn latest_downloads_the_newest_release() {
    let runner = Runner::new(SAFE);
    let mut release = Release::new("tollgate-dev/tollgate");
    release.tag = "latest/download".into();
    release.says = "tollgate 7.0.0".into();
    release.publish(&runner);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "v1");
    let tools = fake_tools(&runner, None);
    let latest = install(&runner, &action, &[("INPUT_VERSION", "latest")], &tools);
    assert!(latest.succeeded(), "{}", latest.log());
    assert_eq!(installed_version(&runner), "tollgate 7.0.0\n");
    assert!(
        !runner.path("tool-cache/tollgate").exists(),
        "`latest` is not cached"
    );
}

#[test]
fn version_source_builds_the_checkout_with_a_cached_target_directory() {
    let runner = Runner::new(SAFE);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "main");
    let tools = fake_tools(&runner, None);
    let built = install(&runner, &action, &[("INPUT_VERSION", "source")], &tools);
    assert!(built.succeeded(), "{}", built.log());
    let key = runner.output("cache-key").unwrap();
    assert!(key.starts_with("tollgate-source-"), "{key}");
    assert_eq!(
        runner.read("cargo-args"),
        format!(
            "install --locked --root {} --path {}\n{}\n",
            runner.path("runner-temp/tollgate").display(),
            action.display(),
            runner.path("runner-temp/tollgate-target").display()
        )
    );
    assert_eq!(
        runner.read("path").trim(),
        runner
            .path("runner-temp/tollgate/bin")
            .display()
            .to_string()
    );

    // Without cargo, a clear error.
    std::fs::remove_file(runner.path("fake-tools/cargo")).unwrap();
    let no_cargo = install(&runner, &action, &[("INPUT_VERSION", "source")], &tools);
    assert!(!no_cargo.succeeded());
    assert!(
        no_cargo.log().contains("version: source needs cargo"),
        "{}",
        no_cargo.log()
    );
}

#[test]
fn windows_runners_get_the_windows_binary_and_others_are_refused_at_once() {
    let runner = Runner::new(SAFE);
    let mut release = Release::new("tollgate-dev/tollgate");
    release.target = "x86_64-pc-windows-msvc";
    release.publish(&runner);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "v1");
    let windows = fake_tools(&runner, Some("MINGW64_NT-10.0-20348"));
    let installed = install(&runner, &action, &[], &windows);
    assert!(installed.succeeded(), "{}", installed.log());
    assert!(
        installed
            .log()
            .contains("tollgate-x86_64-pc-windows-msvc.zip"),
        "{}",
        installed.log()
    );
    let bin_dir = runner.read("path").trim().to_string();
    assert!(
        Path::new(&bin_dir).join("tollgate.exe").exists(),
        "{bin_dir}"
    );

    let runner = Runner::new(SAFE);
    let action = action_checkout(&runner, "tollgate-dev/tollgate", "v1");
    let freebsd = fake_tools(&runner, Some("FreeBSD"));
    let refused = install(&runner, &action, &[], &freebsd);
    assert!(refused.install.is_none());
    assert!(
        stdout(&refused.resolve).contains(
            "::error title=tollgate install::no tollgate release binary for FreeBSD x86_64; set version: source"
        ),
        "{}",
        refused.log()
    );
    // Building works anywhere cargo does.
    let built = install(&runner, &action, &[("INPUT_VERSION", "source")], &freebsd);
    assert!(built.succeeded(), "{}", built.log());
}

#[test]
fn the_repository_of_a_local_action_is_the_workflows() {
    let runner = Runner::new(SAFE);
    let tools = fake_tools(&runner, None);
    let root = repo_root().display().to_string();
    // `uses: ./` with the action in the workspace.
    let local = install(
        &runner,
        repo_root(),
        &[
            ("GITHUB_WORKSPACE", root.as_str()),
            ("GITHUB_REPOSITORY", "acme/payments"),
        ],
        &tools,
    );
    assert!(local.resolve.status.success(), "{}", local.log());
    assert_eq!(
        runner.output("repository").as_deref(),
        Some("acme/payments")
    );
    // Anywhere else, the repository is unknown: an error, not a guess.
    let unknown = install(&runner, repo_root(), &[], &tools);
    assert!(unknown.install.is_none());
    assert!(
        stdout(&unknown.resolve).contains("cannot tell which repository this action comes from"),
        "{}",
        unknown.log()
    );
}

#[test]
fn a_failed_sarif_upload_fails_the_last_step() {
    let runner = Runner::new(SAFE);
    let check = runner.run(
        "check.sh",
        &[("EXIT_CODE", "0"), ("UPLOAD_OUTCOME", "failure")],
    );
    assert_eq!(check.status.code(), Some(1));
    let out = stdout(&check);
    assert!(
        out.starts_with("tollgate: no finding at or above low."),
        "{out}"
    );
    assert!(
        out.contains("::error title=tollgate SARIF upload::the upload to code scanning failed")
            && out.contains("actions: read"),
        "{out}"
    );
    let check = runner.run(
        "check.sh",
        &[("EXIT_CODE", "0"), ("UPLOAD_OUTCOME", "success")],
    );
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let check = runner.run(
        "check.sh",
        &[("EXIT_CODE", "2"), ("UPLOAD_OUTCOME", "failure")],
    );
    assert_eq!(check.status.code(), Some(2), "the scan's status stands");
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
    assert_eq!(
        scripts,
        ["resolve", "install", "scan", "check"].map(|s| s.to_string())
    );
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
    assert_eq!(upload["id"], "upload");
    assert_eq!(last["env"]["UPLOAD_OUTCOME"], "${{ steps.upload.outcome }}");

    // The cargo cache runs only for `version: source` and holds install.sh's target directory.
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cargo cache step");
    assert_eq!(cache["if"], "${{ steps.resolve.outputs.mode == 'source' }}");
    assert!(cache["with"]["path"]
        .as_str()
        .unwrap()
        .contains("${{ runner.temp }}/tollgate-target"));
    let install = std::fs::read_to_string(repo_root().join("action/install.sh")).unwrap();
    assert!(install.contains("CARGO_TARGET_DIR=\"$temp/tollgate-target\""));
}

#[test]
fn every_action_the_action_uses_is_pinned_to_a_commit_with_its_tag() {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let uses: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("uses: "))
        .collect();
    assert_eq!(uses.len(), 2, "{uses:?}");
    for used in uses {
        let (_, pin) = used.split_once('@').unwrap();
        let (sha, comment) = pin.split_once(" # v").expect("a `# vN` tag comment");
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{used}"
        );
        assert!(comment.starts_with(|c: char| c.is_ascii_digit()), "{used}");
    }
    assert!(text.contains("github/codeql-action/upload-sarif@") && text.contains(" # v4."));
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
