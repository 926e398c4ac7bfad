//! The built-in rules against `fixtures/`, through the same code as `tollgate test fixtures`:
//! with every rule at once, every finding users see by default anywhere in `fixtures/` must sit
//! on a line annotated `# expect: RULE-ID` (`// expect: RULE-ID` in Rust), and every such line
//! must have its finding (or one of a rule that supersedes it). `# expect-low: RULE-ID` marks a
//! finding the rule deliberately reports at low confidence; `# ok: RULE-ID` a safe look-alike.
//!
//! Layout: `fixtures/<rule-id>/<framework>/<file>`. Every rule must have, for each framework of
//! each language it claims, at least one vulnerable (`expect` or `expect-low`) and one safe
//! (`ok`) case.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use tollgate::rules::RuleSet;
use tollgate::scan::ScanOptions;
use tollgate::source::Language;
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

/// The built-in rules, compiled once for every test of this file.
static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().unwrap());

#[test]
fn fixtures_match_their_annotations() {
    // Every rule at once over the whole suite, as `tollgate test fixtures` runs it: each finding
    // anywhere in `fixtures/` must be expected, superseded findings included.
    let options = ScanOptions {
        paths: vec![PathBuf::from("fixtures")],
        ..ScanOptions::default()
    };
    let report = testing::run(&options, &RULES, &[]).unwrap();
    let notices = &report.scan.as_ref().unwrap().notices;
    assert!(
        notices.is_empty(),
        "fixtures should parse cleanly: {notices:#?}"
    );
    let untested: Vec<&str> = RULES
        .iter()
        .map(|rule| rule.id.as_str())
        .filter(|id| Path::new("fixtures").join(id).is_dir() && !report.rules.contains_key(*id))
        .collect();
    assert!(untested.is_empty(), "rules not under test: {untested:?}");
    if report.failed() > 0 {
        let mut out = Vec::new();
        testing::render(&report, &RULES, &mut out).unwrap();
        panic!("{}", String::from_utf8_lossy(&out));
    }
}

#[test]
fn taint_rules_replace_the_pattern_rule_on_the_same_line() {
    let rules = &*RULES;
    let options = ScanOptions {
        paths: vec![PathBuf::from("fixtures/sql-injection")],
        ..ScanOptions::default()
    };
    let outcome = tollgate::scan::scan(&options, rules).unwrap();
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
    let mut pattern_only = rules.clone();
    pattern_only.retain(|rule| rule.id == "sql-string-built");
    let alone = tollgate::scan::scan(&options, &pattern_only).unwrap();
    assert!(alone
        .findings
        .iter()
        .any(|f| injection.contains(&(f.path.clone(), f.start.line))));
}

#[test]
fn every_rule_has_vulnerable_and_safe_fixtures_per_framework() {
    let rules = &*RULES;
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
                            Expectation::Finding | Expectation::LowFinding if id == rule.id => {
                                vulnerable += 1
                            }
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

/// The severity of `rule`'s finding on the line of `file` that contains `text`.
fn severity_at(file: &str, rule: &str, text: &str) -> Option<String> {
    let options = ScanOptions {
        paths: vec![PathBuf::from(file)],
        ..ScanOptions::default()
    };
    let outcome = tollgate::scan::scan(&options, &RULES).unwrap();
    let source = std::fs::read_to_string(file).unwrap();
    let line = source.lines().position(|l| l.contains(text)).unwrap() + 1;
    outcome
        .findings
        .iter()
        .find(|f| f.rule_id == rule && f.start.line == line)
        .map(|f| f.severity.to_string())
}

#[test]
fn a_whole_body_logged_at_debug_level_is_one_severity_lower() {
    let file = "fixtures/sensitive-data-logged/flask/app.py";
    let severity = |text: &str| severity_at(file, "sensitive-data-logged", text);
    assert_eq!(
        severity("app.logger.info(\"charge request: %s\", request.json)").as_deref(),
        Some("high")
    );
    assert_eq!(
        severity("app.logger.debug(\"charge request: %s\", request.json)").as_deref(),
        Some("medium")
    );
    // A named secret at DEBUG level keeps its severity.
    assert_eq!(
        severity("logging.debug(\"using stripe key %s\", api_key)").as_deref(),
        Some("high")
    );
}

#[test]
fn a_setting_that_a_later_star_import_may_replace_is_one_severity_lower() {
    let severity = |file: &str| {
        severity_at(
            file,
            "insecure-framework-config",
            "SESSION_COOKIE_SECURE = False",
        )
    };
    assert_eq!(
        severity("fixtures/insecure-framework-config/django/analytics/settings.py").as_deref(),
        Some("medium")
    );
    assert_eq!(
        severity("fixtures/insecure-framework-config/django/ledger/settings.py").as_deref(),
        Some("high")
    );
}
