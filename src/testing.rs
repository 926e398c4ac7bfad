//! `tollgate test`: check rules against example files annotated on the flagged lines.
//!
//! `# expect: RULE-ID` (`// expect: RULE-ID` in Rust) says the rule must report a finding that
//! starts on that line; `# ok: RULE-ID` marks a safe look-alike where it must not. Several ids
//! may be listed, separated by commas. Where a rule's finding is replaced by one of a rule that
//! supersedes it, the superseding finding must be expected too, and the line usually names both
//! (`# expect: sql-injection, sql-string-built`). A rule is under test when an annotation names it, or when
//! it is listed in `also` (e.g. every rule of a `--rules` file); its findings anywhere in the
//! example files must be exactly the expected ones.

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::scan::{scan, ScanError, ScanOptions, ScanOutcome};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

static ANNOTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:#|//)\s*(expect|ok)\s*:\s*([a-z0-9][a-z0-9-]*(?:\s*,\s*[a-z0-9][a-z0-9-]*)*)")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// What an annotation asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expectation {
    /// A finding must start on this line.
    Finding,
    /// No finding of the rule may start on this line.
    NoFinding,
}

/// One annotation: `(line, expectation, rule id)`.
pub type Annotation = (usize, Expectation, String);

/// The annotations in a file's text.
pub fn annotations(text: &str) -> Vec<Annotation> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for capture in ANNOTATION.captures_iter(line) {
            let expectation = if &capture[1] == "expect" {
                Expectation::Finding
            } else {
                Expectation::NoFinding
            };
            for id in capture[2].split(',') {
                found.push((index + 1, expectation, id.trim().to_string()));
            }
        }
    }
    found
}

/// Why an expectation failed.
#[derive(Debug)]
pub enum Failure {
    /// `expect` without a finding.
    Missing { path: String, line: usize },
    /// A finding on a line without `expect` (on an `ok` line, or anywhere else).
    Unexpected(Box<Finding>),
    /// An annotation names a rule that is not loaded.
    UnknownRule {
        path: String,
        line: usize,
        rule: String,
    },
}

/// Results per rule under test.
#[derive(Debug, Default)]
pub struct TestReport {
    /// Rule id → (expectations that held, failures).
    pub rules: BTreeMap<String, (usize, Vec<Failure>)>,
    /// Annotations naming rules that are not loaded.
    pub unknown: Vec<Failure>,
    pub scan: Option<ScanOutcome>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.rules
            .values()
            .filter(|(_, failures)| failures.is_empty())
            .count()
    }

    pub fn failed(&self) -> usize {
        self.rules
            .values()
            .filter(|(_, failures)| !failures.is_empty())
            .count()
            + usize::from(!self.unknown.is_empty())
    }
}

/// Scan the example files and compare findings with their annotations.
pub fn run(
    options: &ScanOptions,
    rules: &RuleSet,
    also: &[String],
) -> Result<TestReport, ScanError> {
    let outcome = scan(options, rules)?;
    let mut expected: BTreeMap<(String, usize, String), Expectation> = BTreeMap::new();
    let mut report = TestReport::default();
    let mut under_test: BTreeSet<String> = also.iter().cloned().collect();
    for path in scanned_paths(&outcome, options)? {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let display = crate::discover::display_path(&path);
        for (line, expectation, rule) in annotations(&text) {
            if rules.get(&rule).is_none() {
                report.unknown.push(Failure::UnknownRule {
                    path: display.clone(),
                    line,
                    rule,
                });
                continue;
            }
            under_test.insert(rule.clone());
            expected.insert((display.clone(), line, rule), expectation);
        }
    }
    for rule in &under_test {
        report.rules.insert(rule.clone(), (0, Vec::new()));
    }
    let mut reported: BTreeSet<(String, usize, String)> = BTreeSet::new();
    for finding in &outcome.findings {
        if !under_test.contains(&finding.rule_id) {
            continue;
        }
        let key = (
            finding.path.clone(),
            finding.start.line,
            finding.rule_id.clone(),
        );
        let entry = report.rules.entry(finding.rule_id.clone()).or_default();
        if expected.get(&key) == Some(&Expectation::Finding) {
            if reported.insert(key) {
                entry.0 += 1;
            }
        } else if finding.confidence != crate::rules::Confidence::Low {
            // Low-confidence findings are hidden by the default `--min-confidence medium`:
            // an `expect` still matches one, but nobody need annotate them.
            entry.1.push(Failure::Unexpected(Box::new(finding.clone())));
        }
    }
    for ((path, line, rule), expectation) in &expected {
        let key = (path.clone(), *line, rule.clone());
        let held = match expectation {
            Expectation::NoFinding => true,
            Expectation::Finding => {
                reported.contains(&key)
                    || superseded_here(&outcome.findings, &expected, rules, path, *line, rule)
            }
        };
        let entry = report.rules.entry(rule.clone()).or_default();
        match (expectation, held) {
            (Expectation::Finding, false) => entry.1.push(Failure::Missing {
                path: path.clone(),
                line: *line,
            }),
            (Expectation::Finding, true) if !reported.contains(&key) => entry.0 += 1,
            (Expectation::NoFinding, _) => entry.0 += 1,
            _ => {}
        }
    }
    report.scan = Some(outcome);
    Ok(report)
}

/// Whether an expected finding of `rule` at `path:line` was replaced by an expected finding of a
/// rule that supersedes it, on lines that include this one (annotated where it starts:
/// `# expect: sql-injection, sql-string-built`).
fn superseded_here(
    findings: &[Finding],
    expected: &BTreeMap<(String, usize, String), Expectation>,
    rules: &RuleSet,
    path: &str,
    line: usize,
    rule: &str,
) -> bool {
    findings.iter().any(|finding| {
        finding.path == path
            && finding.start.line <= line
            && line <= finding.end.line
            && rules
                .get(&finding.rule_id)
                .is_some_and(|by| by.supersedes.iter().any(|id| id == rule))
            && expected.get(&(
                path.to_string(),
                finding.start.line,
                finding.rule_id.clone(),
            )) == Some(&Expectation::Finding)
    })
}

/// The files the scan read, again (the outcome keeps findings and notices, not the file list).
fn scanned_paths(
    _outcome: &ScanOutcome,
    options: &ScanOptions,
) -> Result<Vec<std::path::PathBuf>, ScanError> {
    let discovery = crate::discover::discover(
        &options.paths,
        &crate::discover::DiscoverOptions {
            excludes: options.excludes.clone(),
            max_file_size: options.max_file_size,
            threads: 1,
            ignore_files: options.ignore_files,
        },
    )?;
    Ok(discovery
        .files
        .into_iter()
        .map(|c| c.path)
        .chain(discovery.templates)
        .collect())
}

/// Write the report: a line per rule, each failure with its code, then `N passed, M failed`.
pub fn render(
    report: &TestReport,
    rules: &RuleSet,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let style = crate::report::TextStyle {
        color: false,
        fail_on: crate::rules::Severity::Low,
        width: crate::report::DEFAULT_WIDTH,
    };
    for (rule, (held, failures)) in &report.rules {
        if failures.is_empty() {
            writeln!(out, "PASS {rule} ({held} expectations)")?;
            continue;
        }
        writeln!(
            out,
            "FAIL {rule} ({held} expectations held, {} failed)",
            failures.len()
        )?;
        for failure in failures {
            match failure {
                Failure::Missing { path, line } => {
                    let source = std::fs::read_to_string(path).unwrap_or_default();
                    let code = source
                        .lines()
                        .nth(line.saturating_sub(1))
                        .unwrap_or("")
                        .trim();
                    writeln!(
                        out,
                        "  missing finding at {path}:{line}: expected `{rule}` here:\n      {code}"
                    )?;
                }
                Failure::Unexpected(finding) => {
                    writeln!(
                        out,
                        "  unexpected finding at {}:{}:",
                        finding.path, finding.start.line
                    )?;
                    writeln!(out, "{}", crate::report::code_frame(finding, rules, style)?)?;
                }
                Failure::UnknownRule { .. } => {}
            }
        }
    }
    for failure in &report.unknown {
        if let Failure::UnknownRule { path, line, rule } = failure {
            let hint = rules
                .suggest(rule)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            writeln!(
                out,
                "FAIL {path}:{line}: annotation names unknown rule `{rule}`{hint}"
            )?;
        }
    }
    writeln!(
        out,
        "{} passed, {} failed",
        report.passed(),
        report.failed()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_annotations_in_python_and_rust_comments() {
        let text = "a = 1  # expect: sql-string-built\nb = 2 # ok: x, y-z\n// expect:rust-rule\nno annotation: here\n";
        assert_eq!(
            annotations(text),
            vec![
                (1, Expectation::Finding, "sql-string-built".to_string()),
                (2, Expectation::NoFinding, "x".to_string()),
                (2, Expectation::NoFinding, "y-z".to_string()),
                (3, Expectation::Finding, "rust-rule".to_string()),
            ]
        );
    }
}
