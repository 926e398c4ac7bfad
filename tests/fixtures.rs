//! The built-in rules against `fixtures/`, through the same code as `tollgate test`: every
//! finding of a rule in its own `fixtures/<rule-id>/` directory must sit on a line annotated
//! `# expect: RULE-ID` (`// expect: RULE-ID` in Rust), and every such line must have its
//! finding. `# ok: RULE-ID` marks a safe look-alike.
//!
//! Layout: `fixtures/<rule-id>/<framework>/<file>`. Every rule must have, for each framework of
//! each language it claims, at least one vulnerable (`expect`) and one safe (`ok`) case.

use std::path::{Path, PathBuf};
use tollgate::rules::RuleSet;
use tollgate::scan::ScanOptions;
use tollgate::source::Language;
use tollgate::suppress;
use tollgate::testing::{self, annotations, Expectation};

const PYTHON_FRAMEWORKS: &[&str] = &["django", "fastapi", "flask"];
const RUST_FRAMEWORKS: &[&str] = &["axum", "actix"];

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixture_files(&path, out);
        } else if Language::from_path(&path).is_some() {
            out.push(path);
        }
    }
}

#[test]
fn fixtures_match_their_annotations() {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = String::new();
    let mut tested = 0;
    for rule in rules.iter() {
        let dir = Path::new("fixtures").join(&rule.id);
        if !dir.is_dir() {
            continue;
        }
        // Each rule is held to its own directory (the project model links the files of one
        // fixture service, as it would in a real scan) and runs alone, so that a rule that
        // supersedes another does not hide the other's cases. Meta rules about suppressions
        // need the rules the suppressions name.
        let options = ScanOptions {
            paths: vec![dir],
            ..ScanOptions::default()
        };
        let mut alone = RuleSet::builtin().unwrap();
        if !suppress::is_meta_rule(&rule.id) {
            alone.retain(|other| other.id == rule.id);
        }
        let report = testing::run(&options, &alone, std::slice::from_ref(&rule.id)).unwrap();
        let notices = &report.scan.as_ref().unwrap().notices;
        assert!(
            notices.is_empty(),
            "fixtures should parse cleanly: {notices:#?}"
        );
        if report.failed() > 0 {
            let mut out = Vec::new();
            testing::render(&report, &rules, &mut out).unwrap();
            failures.push_str(&String::from_utf8_lossy(&out));
        }
        tested += 1;
    }
    assert!(tested > 0, "no rule has fixtures");
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn taint_rules_replace_the_pattern_rule_on_the_same_line() {
    let rules = RuleSet::builtin().unwrap();
    let options = ScanOptions {
        paths: vec![PathBuf::from("fixtures/sql-injection")],
        ..ScanOptions::default()
    };
    let outcome = tollgate::scan::scan(&options, &rules).unwrap();
    let lines = |id: &str| -> Vec<(String, usize)> {
        outcome
            .findings
            .iter()
            .filter(|f| f.rule_id == id)
            .map(|f| (f.path.clone(), f.start.line))
            .collect()
    };
    let injection = lines("sql-injection");
    assert!(!injection.is_empty());
    let built = lines("sql-string-built");
    assert!(
        built.iter().all(|line| !injection.contains(line)),
        "sql-string-built repeats sql-injection at {built:?}"
    );
    // Without the taint rule, the pattern rule reports those lines.
    let mut pattern_only = RuleSet::builtin().unwrap();
    pattern_only.retain(|rule| rule.id == "sql-string-built");
    let alone = tollgate::scan::scan(&options, &pattern_only).unwrap();
    assert!(alone
        .findings
        .iter()
        .any(|f| injection.contains(&(f.path.clone(), f.start.line))));
}

#[test]
fn every_rule_has_vulnerable_and_safe_fixtures_per_framework() {
    let rules = RuleSet::builtin().unwrap();
    let mut missing = Vec::new();
    for rule in rules.iter() {
        for language in &rule.languages {
            let frameworks = match language {
                Language::Python => PYTHON_FRAMEWORKS,
                Language::Rust => RUST_FRAMEWORKS,
            };
            for framework in frameworks {
                let dir = Path::new("fixtures").join(&rule.id).join(framework);
                let mut files = Vec::new();
                if dir.is_dir() {
                    fixture_files(&dir, &mut files);
                }
                let (mut vulnerable, mut safe) = (0, 0);
                for file in &files {
                    let text = std::fs::read_to_string(file).unwrap();
                    for (_, expectation, id) in annotations(&text) {
                        match expectation {
                            Expectation::Finding if id == rule.id => vulnerable += 1,
                            Expectation::NoFinding if id == rule.id => safe += 1,
                            _ => {}
                        }
                    }
                }
                if vulnerable == 0 || safe == 0 {
                    missing.push(format!(
                        "{}/{framework}: {vulnerable} vulnerable and {safe} safe cases",
                        rule.id
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "rules without fixtures:\n{}",
        missing.join("\n")
    );
}
