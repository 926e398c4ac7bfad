//! The release: archives packed by dist/package.sh, the release workflow, and the packaging
//! metadata (Cargo.toml for cargo-binstall, pyproject.toml for the wheels) agree with each other
//! and with what the action downloads.
#![cfg(unix)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

fn workflow() -> Value {
    serde_saphyr::from_str(&read(".github/workflows/release.yml")).expect("valid YAML")
}

fn package(target: &str, binary: &Path, out: &Path) -> Output {
    Command::new(repo_root().join("dist/package.sh"))
        .arg(target)
        .arg(binary)
        .arg(out)
        .output()
        .unwrap()
}

/// The entries of an archive, sorted.
fn listing(command: &str, args: &[&str], archive: &Path) -> Vec<String> {
    let out = Command::new(command)
        .args(args)
        .arg(archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut entries: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .collect();
    entries.sort();
    entries
}

#[test]
fn release_archives_hold_the_binary_and_readme_with_a_checksum_file() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("tollgate");
    std::fs::write(&binary, "#!/bin/sh\necho hi\n").unwrap();
    let out = dir.path().join("artifacts");

    let packed = package("x86_64-unknown-linux-musl", &binary, &out);
    assert!(packed.status.success(), "{}", text(&packed.stderr));
    let archive = out.join("tollgate-x86_64-unknown-linux-musl.tar.gz");
    assert_eq!(text(&packed.stdout).trim(), archive.display().to_string());
    assert_eq!(
        listing("tar", &["-tzf"], &archive),
        [
            "tollgate-x86_64-unknown-linux-musl",
            "tollgate-x86_64-unknown-linux-musl/README.md",
            "tollgate-x86_64-unknown-linux-musl/tollgate",
        ]
    );
    let check = Command::new("sha256sum")
        .args(["-c", "tollgate-x86_64-unknown-linux-musl.tar.gz.sha256"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stdout));

    let packed = package("x86_64-pc-windows-msvc", &binary, &out);
    assert!(packed.status.success(), "{}", text(&packed.stderr));
    let zip = out.join("tollgate-x86_64-pc-windows-msvc.zip");
    assert_eq!(
        listing("zipinfo", &["-1"], &zip),
        [
            "tollgate-x86_64-pc-windows-msvc",
            "tollgate-x86_64-pc-windows-msvc/README.md",
            "tollgate-x86_64-pc-windows-msvc/tollgate.exe",
        ]
    );
    assert!(out
        .join("tollgate-x86_64-pc-windows-msvc.zip.sha256")
        .exists());

    let missing = package("x86_64-apple-darwin", &dir.path().join("nothing"), &out);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no binary at"));
    let bad = package("../../etc", &binary, &out);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("is not a target triple"));
}

/// The targets resolve.sh maps runners to: the release must build each of them.
fn action_targets() -> BTreeSet<String> {
    read("action/resolve.sh")
        .lines()
        .filter_map(|line| line.split_once(") echo ").map(|(_, t)| t.trim()))
        .filter(|target| target.contains('-'))
        .map(|target| target.trim_end_matches(" ;;").to_string())
        .collect()
}

fn matrix_targets(workflow: &Value, job: &str) -> BTreeSet<String> {
    workflow["jobs"][job]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["target"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_release_builds_every_target_the_action_downloads() {
    let workflow = workflow();
    let binaries = matrix_targets(&workflow, "binaries");
    let expected: BTreeSet<String> = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ]
    .map(String::from)
    .into();
    assert_eq!(binaries, expected);
    assert_eq!(action_targets(), expected);
    let wheels = matrix_targets(&workflow, "wheels");
    for target in &expected {
        assert!(wheels.contains(target), "no wheel for {target}");
    }
    assert!(
        wheels.contains("x86_64-unknown-linux-gnu") && wheels.contains("aarch64-unknown-linux-gnu")
    );

    let tags = workflow["on"]["push"]["tags"][0].as_str().unwrap();
    assert!(tags.starts_with("v[0-9]"), "{tags}");
    for job in ["github-release", "pypi"] {
        assert_eq!(
            workflow["jobs"][job]["if"], "github.ref_type == 'tag'",
            "{job} publishes only for a tag"
        );
    }
    assert_eq!(workflow["permissions"]["contents"], "read");
    assert_eq!(
        workflow["jobs"]["github-release"]["permissions"]["contents"],
        "write"
    );
    assert_eq!(workflow["jobs"]["pypi"]["permissions"]["id-token"], "write");
    let packs = workflow["jobs"]["binaries"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .any(|run| run.contains("dist/package.sh \"$TARGET\""));
    assert!(packs, "archives come from dist/package.sh");
}

#[test]
fn every_action_in_the_release_workflow_is_pinned_to_a_commit_with_its_tag() {
    let text = read(".github/workflows/release.yml");
    let uses: Vec<&str> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("- ");
            line.strip_prefix("uses: ")
        })
        .collect();
    assert!(uses.len() >= 6, "{uses:?}");
    for used in uses {
        let (_, pin) = used.split_once('@').unwrap();
        let (sha, tag) = pin.split_once(" # v").expect("a `# vN` tag comment");
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{used}"
        );
        assert!(tag.starts_with(|c: char| c.is_ascii_digit()), "{used}");
    }
}

/// Run the version job's script as a tag push of `tag` would.
fn version_job(tag: Option<&str>) -> (Output, String) {
    let workflow = workflow();
    let script = workflow["jobs"]["version"]["steps"][1]["run"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("output");
    std::fs::write(&output_file, "").unwrap();
    let mut command = Command::new("bash");
    command
        .args(["-e", "-c", &script])
        .current_dir(repo_root())
        .env("GITHUB_OUTPUT", &output_file)
        .env(
            "GITHUB_REF_TYPE",
            if tag.is_some() { "tag" } else { "branch" },
        )
        .env("GITHUB_REF_NAME", tag.unwrap_or("main"));
    let out = command.output().unwrap();
    (out, std::fs::read_to_string(&output_file).unwrap())
}

#[test]
fn the_version_is_written_once_and_a_tag_must_match_it() {
    let (ok, outputs) = version_job(Some(&format!("v{VERSION}")));
    assert!(ok.status.success(), "{}", text(&ok.stdout));
    assert_eq!(outputs, format!("version={VERSION}\n"));
    let (manual, outputs) = version_job(None);
    assert!(manual.status.success());
    assert_eq!(outputs, format!("version={VERSION}\n"));
    let (wrong, _) = version_job(Some("v999.0.0"));
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stdout).contains(&format!(
            "::error title=release::tag v999.0.0 does not match Cargo.toml's version {VERSION}"
        )),
        "{}",
        text(&wrong.stdout)
    );

    // pyproject.toml takes the version from Cargo.toml and ships the binary.
    let pyproject: toml::Value = toml::from_str(&read("pyproject.toml")).unwrap();
    assert!(pyproject["project"].get("version").is_none());
    assert_eq!(
        pyproject["project"]["dynamic"].as_array().unwrap()[0].as_str(),
        Some("version")
    );
    assert_eq!(
        pyproject["tool"]["maturin"]["bindings"].as_str(),
        Some("bin")
    );
    assert_eq!(
        pyproject["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    // Not a tollgate configuration file: scans of this repository do not pick it up.
    assert!(!read("pyproject.toml").contains("[tool.tollgate"));
}

#[test]
fn cargo_binstall_finds_the_release_archives() {
    let cargo: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let binstall = &cargo["package"]["metadata"]["binstall"];
    assert_eq!(
        binstall["pkg-url"].as_str(),
        Some("{ repo }/releases/download/v{ version }/tollgate-{ target }{ archive-suffix }")
    );
    assert_eq!(
        binstall["bin-dir"].as_str(),
        Some("tollgate-{ target }/{ bin }{ binary-ext }")
    );
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("tgz"));
    assert_eq!(
        binstall["overrides"]["x86_64-pc-windows-msvc"]["pkg-fmt"].as_str(),
        Some("zip")
    );
}
