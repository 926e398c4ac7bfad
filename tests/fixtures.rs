//! The fixture harness: scans `fixtures/` with the built-in rules and compares every finding
//! with the `# expect: RULE-ID` / `// expect: RULE-ID` annotations on the flagged lines.
//! Any missing or unexpected finding fails the test. `# ok: RULE-ID` marks a safe look-alike.
//!
//! Layout: `fixtures/<rule-id>/<framework>/<file>`. Every rule must have, for each framework of
//! each language it claims, at least one vulnerable (`expect`) and one safe (`ok`) case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tollgate::rules::RuleSet;
use tollgate::scan::{scan, ScanOptions};
use tollgate::source::Language;

const PYTHON_FRAMEWORKS: &[&str] = &["django", "fastapi", "flask"];
const RUST_FRAMEWORKS: &[&str] = &["axum", "actix"];

/// (path, line, rule id) → how many findings.
type Tally = BTreeMap<(String, usize, String), usize>;

#[derive(Default)]
struct Annotations {
    expected: Tally,
    ok: Tally,
}

fn annotations_in(path: &Path, display: &str) -> Annotations {
    let text = std::fs::read_to_string(path).unwrap();
    let marker = if path.extension().is_some_and(|e| e == "rs") { "//" } else { "#" };
    let mut found = Annotations::default();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find(marker) else { continue };
        let comment = &line[at + marker.len()..];
        for (keyword, tally) in [("expect:", &mut found.expected), ("ok:", &mut found.ok)] {
            let Some(start) = comment.find(keyword) else { continue };
            let ids = &comment[start + keyword.len()..];
            let ids = ids.split(['#', '/']).next().unwrap_or("");
            for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                let id = id.split_whitespace().next().unwrap_or(id);
                *tally.entry((display.to_string(), index + 1, id.to_string())).or_default() += 1;
            }
        }
    }
    found
}

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
    let options = ScanOptions {
        paths: vec![PathBuf::from("fixtures")],
        ..ScanOptions::default()
    };
    let outcome = scan(&options, &rules).unwrap();
    assert!(outcome.notices.is_empty(), "fixtures should parse cleanly: {:#?}", outcome.notices);

    let mut files = Vec::new();
    fixture_files(Path::new("fixtures"), &mut files);
    let mut annotations = Annotations::default();
    for file in &files {
        let display = file.to_string_lossy().replace('\\', "/");
        let found = annotations_in(file, &display);
        annotations.expected.extend(found.expected);
        annotations.ok.extend(found.ok);
    }

    let mut actual = Tally::new();
    for finding in &outcome.findings {
        *actual
            .entry((finding.path.clone(), finding.start.line, finding.rule_id.clone()))
            .or_default() += 1;
    }
    let mut problems = Vec::new();
    for (key, &want) in &annotations.expected {
        let got = actual.get(key).copied().unwrap_or(0);
        if got < want {
            problems.push(format!("missing:    {}:{} {} (expected {want}, got {got})", key.0, key.1, key.2));
        }
    }
    for (key, &got) in &actual {
        let want = annotations.expected.get(key).copied().unwrap_or(0);
        if got > want {
            let finding = outcome
                .findings
                .iter()
                .find(|f| (&f.path, f.start.line, &f.rule_id) == (&key.0, key.1, &key.2))
                .unwrap();
            problems.push(format!(
                "unexpected: {}:{} {} — {}",
                key.0, key.1, key.2, finding.message
            ));
        }
    }
    for key in annotations.ok.keys() {
        if annotations.expected.contains_key(key) {
            problems.push(format!("both expect and ok: {}:{} {}", key.0, key.1, key.2));
        }
    }
    assert!(problems.is_empty(), "fixture mismatches:\n{}", problems.join("\n"));
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
                let mut expects = 0;
                let mut oks = 0;
                for file in &files {
                    let found = annotations_in(file, "");
                    expects += found.expected.keys().filter(|k| k.2 == rule.id).count();
                    oks += found.ok.keys().filter(|k| k.2 == rule.id).count();
                }
                if expects == 0 || oks == 0 {
                    missing.push(format!(
                        "{}/{framework}: {expects} vulnerable and {oks} safe cases",
                        rule.id
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "rules without fixtures:\n{}", missing.join("\n"));
}

#[test]
fn annotations_name_existing_rules() {
    let rules = RuleSet::builtin().unwrap();
    let mut files = Vec::new();
    fixture_files(Path::new("fixtures"), &mut files);
    for file in files {
        let found = annotations_in(&file, &file.to_string_lossy());
        for key in found.expected.keys().chain(found.ok.keys()) {
            assert!(rules.get(&key.2).is_some(), "{}:{} names unknown rule `{}`", key.0, key.1, key.2);
        }
    }
}
