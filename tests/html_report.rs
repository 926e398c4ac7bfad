//! `tollgate scan --format html` and `--html FILE`, through the binary (the page itself is
//! checked in a browser by dist/html-check.sh).

use std::process::Command;

#[test]
fn html_page_is_written_next_to_another_format() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args([
            "scan",
            "--no-cache",
            "fixtures/sql-injection/django",
            "--format",
            "json",
        ])
        .arg("--html")
        .arg(&page)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = document["findings"].as_array().unwrap().len();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<article class=\"finding").count(), findings);
    assert!(html.contains(&format!("{findings} of {findings} findings shown")));
    assert!(html.contains("<section id=\"routes\">"));
}
