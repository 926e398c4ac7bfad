//! `tollgate init`: the survey and the starter configuration, through the binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const APP: &str = r#"from fastapi import FastAPI, Depends
from vendor_auth import require_token

app = FastAPI()


@app.post("/v1/pay")
def pay(user=Depends(require_token)):
    return {}


@app.get("/v1/rates")
def rates():
    return {}
"#;

fn service() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), APP).unwrap();
    dir
}

/// (path, guards) of each route `tollgate routes` lists in `dir`.
fn guards(dir: &Path) -> Vec<(String, String)> {
    let output = tollgate(dir, &["routes", "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|route| {
            let guards: Vec<&str> = route["guards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g.as_str().unwrap())
                .collect();
            let public = route["public"].as_str().map(|_| "public".to_string());
            (
                route["path"].as_str().unwrap().to_string(),
                public.unwrap_or_else(|| guards.join(";")),
            )
        })
        .collect()
}

#[test]
fn init_writes_a_starter_whose_entries_work_once_uncommented() {
    let dir = service();
    let output = tollgate(dir.path(), &["init"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let survey = String::from_utf8(output.stdout).unwrap();
    assert!(
        survey.contains("Frameworks: fastapi (2 routes)"),
        "{survey}"
    );
    assert!(
        survey.contains("require_token (dependencies, e.g. main.py:8)"),
        "{survey}"
    );
    assert!(
        survey.contains("GET     /v1/rates rates main.py:13"),
        "{survey}"
    );
    let config = std::fs::read_to_string(dir.path().join("tollgate.toml")).unwrap();
    assert!(config.contains("  # \"require_token\",  # guessed by name on 1 route"));
    assert!(config.contains("  # \"^/v1/rates$\",  # GET rates main.py:13"));
    // As written, nothing is trusted: the guess stays a guess, the route stays unguarded.
    assert_eq!(
        guards(dir.path()),
        [
            ("/v1/pay".into(), String::new()),
            ("/v1/rates".into(), String::new())
        ]
    );
    // Reviewed and uncommented, both entries take effect.
    let reviewed = config
        .replace("  # \"require_token\"", "  \"require_token\"")
        .replace("  # \"^/v1/rates$\"", "  \"^/v1/rates$\"");
    std::fs::write(dir.path().join("tollgate.toml"), reviewed).unwrap();
    assert_eq!(
        guards(dir.path()),
        [
            ("/v1/pay".into(), "require_token".into()),
            ("/v1/rates".into(), "public".into())
        ]
    );
}

#[test]
fn init_keeps_an_existing_file_unless_forced() {
    let dir = service();
    let target = dir.path().join("tollgate.toml");
    std::fs::write(&target, "# mine\n").unwrap();
    let output = tollgate(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass --force"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");

    let output = tollgate(dir.path(), &["init", "--stdout"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("# tollgate.toml"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Frameworks: fastapi"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");

    let output = tollgate(dir.path(), &["init", "--force"]);
    assert!(output.status.success());
    assert!(std::fs::read_to_string(&target).unwrap().contains("[auth]"));
}

#[test]
fn init_names_a_missing_path() {
    let dir = tempfile::tempdir().unwrap();
    let output = tollgate(dir.path(), &["init", "no/such/service"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/service"));
}
