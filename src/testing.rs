//! `tollgate test`: check rules against example files annotated on the flagged lines.
//!
//! `# expect: RULE-ID` (`// expect: RULE-ID` in Rust) says the rule must report a finding that
//! starts on that line and that users see by default (at [`DEFAULT_MIN_CONFIDENCE`] or above);
//! `# expect-low: RULE-ID` says it must report one there at a lower confidence only (the rule
//! deliberately doubts that case); `# ok: RULE-ID` marks a safe look-alike where it must report
//! nothing, at any confidence. Several ids may be listed, separated by commas. Where a rule's
//! finding is replaced by one of a rule that supersedes it, the superseding finding must be
//! expected too, and the line usually names both (`# expect: sql-injection, sql-string-built`).
//! A rule is under test when an annotation names it, or when it is listed in `also` (e.g. every
//! rule of a `--rules` file); its default-visible findings anywhere in the example files must be
//! exactly the expected ones.

use crate::filter::DEFAULT_MIN_CONFIDENCE;
use crate::finding::Finding;
use crate::rules::{Confidence, RuleSet};
use crate::scan::{scan, ScanError, ScanOptions, ScanOutcome};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

static ANNOTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:#|//)\s*(expect-low|expect|ok)\s*:\s*([a-z0-9][a-z0-9-]*(?:\s*,\s*[a-z0-9][a-z0-9-]*)*)",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// What an annotation asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expectation {
    /// A finding users see by default must start on this line (`expect`).
    Finding,
    /// A finding must start on this line, below the default confidence floor (`expect-low`).
    LowFinding,
    /// No finding of the rule, of any confidence, may start on this line (`ok`).
    NoFinding,
}

impl Expectation {
    /// The expectation a finding of this confidence meets.
    fn met_by(confidence: Confidence) -> Expectation {
        if confidence >= DEFAULT_MIN_CONFIDENCE {
            Expectation::Finding
        } else {
            Expectation::LowFinding
        }
    }
}

/// One annotation: `(line, expectation, rule id)`.
pub type Annotation = (usize, Expectation, String);

/// The annotations in a file's text.
pub fn annotations(text: &str) -> Vec<Annotation> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for capture in ANNOTATION.captures_iter(line) {
            let expectation = match &capture[1] {
                "expect" => Expectation::Finding,
                "expect-low" => Expectation::LowFinding,
                _ => Expectation::NoFinding,
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
    /// `expect` or `expect-low` without any finding.
    Missing { path: String, line: usize },
    /// A finding on an `ok` line, or a default-visible one on a line without `expect`.
    Unexpected(Box<Finding>),
    /// The finding is there, but hidden by default where `expect` asks for a visible one, or
    /// visible where `expect-low` asks for a hidden one.
    Confidence(Box<Finding>),
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

/// A finding's place: (path, line, rule id).
type Key = (String, usize, String);

/// Scan the example files and compare findings with their annotations.
pub fn run(
    options: &ScanOptions,
    rules: &RuleSet,
    also: &[String],
) -> Result<TestReport, ScanError> {
    let outcome = scan(options, rules)?;
    let mut expected: BTreeMap<Key, Expectation> = BTreeMap::new();
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
    // The most confident finding of each rule under test at each line.
    let mut found: BTreeMap<Key, &Finding> = BTreeMap::new();
    for finding in &outcome.findings {
        if !under_test.contains(&finding.rule_id) {
            continue;
        }
        let key = (
            finding.path.clone(),
            finding.start.line,
            finding.rule_id.clone(),
        );
        let unexpected = match expected.get(&key) {
            Some(Expectation::NoFinding) => true,
            Some(_) => false,
            // Findings hidden by default need no annotation.
            None => Expectation::met_by(finding.confidence) == Expectation::Finding,
        };
        if unexpected {
            let entry = report.rules.entry(finding.rule_id.clone()).or_default();
            entry.1.push(Failure::Unexpected(Box::new(finding.clone())));
        }
        let best = found.entry(key).or_insert(finding);
        if finding.confidence > best.confidence {
            *best = finding;
        }
    }
    for ((path, line, rule), expectation) in &expected {
        let key = (path.clone(), *line, rule.clone());
        let outcome = match (expectation, found.get(&key)) {
            // Reported as unexpected above.
            (Expectation::NoFinding, Some(_)) => continue,
            (Expectation::NoFinding, None) => Ok(()),
            (_, Some(finding)) if Expectation::met_by(finding.confidence) == *expectation => Ok(()),
            (_, Some(finding)) => Err(Failure::Confidence(Box::new((*finding).clone()))),
            (_, None)
                if superseded_here(
                    &outcome.findings,
                    &expected,
                    rules,
                    (path, *line, rule),
                    *expectation,
                ) =>
            {
                Ok(())
            }
            (_, None) => Err(Failure::Missing {
                path: path.clone(),
                line: *line,
            }),
        };
        let entry = report.rules.entry(rule.clone()).or_default();
        match outcome {
            Ok(()) => entry.0 += 1,
            Err(failure) => entry.1.push(failure),
        }
    }
    report.scan = Some(outcome);
    Ok(report)
}

/// Whether an expected finding of `rule` at `path:line` was replaced by a finding of a rule that
/// supersedes it, on lines that include this one, expected where it starts
/// (`# expect: sql-injection, sql-string-built`) and meeting the same expectation.
fn superseded_here(
    findings: &[Finding],
    expected: &BTreeMap<Key, Expectation>,
    rules: &RuleSet,
    (path, line, rule): (&str, usize, &str),
    expectation: Expectation,
) -> bool {
    findings.iter().any(|finding| {
        finding.path == path
            && finding.start.line <= line
            && line <= finding.end.line
            && Expectation::met_by(finding.confidence) == expectation
            && rules
                .get(&finding.rule_id)
                .is_some_and(|by| by.supersedes.iter().any(|id| id == rule))
            && expected.get(&(
                path.to_string(),
                finding.start.line,
                finding.rule_id.clone(),
            )) == Some(&expectation)
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
                    let hidden = if Expectation::met_by(finding.confidence) == Expectation::Finding
                    {
                        ""
                    } else {
                        " (low confidence, on an `ok` line)"
                    };
                    writeln!(
                        out,
                        "  unexpected finding at {}:{}{hidden}:",
                        finding.path, finding.start.line
                    )?;
                    writeln!(out, "{}", crate::report::code_frame(finding, rules, style)?)?;
                }
                Failure::Confidence(finding) => {
                    let why = if Expectation::met_by(finding.confidence) == Expectation::Finding {
                        "`expect-low` asks for one below the default confidence floor"
                    } else {
                        "hidden by default; `expect` asks for one users see (or mark it `expect-low`)"
                    };
                    writeln!(
                        out,
                        "  {}-confidence finding at {}:{}: {why}:",
                        finding.confidence, finding.path, finding.start.line
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
        let text = "a = 1  # expect: sql-string-built\nb = 2 # ok: x, y-z\n// expect:rust-rule\nno annotation: here\nc = 3  # expect-low: x\n";
        assert_eq!(
            annotations(text),
            vec![
                (1, Expectation::Finding, "sql-string-built".to_string()),
                (2, Expectation::NoFinding, "x".to_string()),
                (2, Expectation::NoFinding, "y-z".to_string()),
                (3, Expectation::Finding, "rust-rule".to_string()),
                (5, Expectation::LowFinding, "x".to_string()),
            ]
        );
    }

    /// `spend(...)` is reported at medium confidence, or at low confidence when its argument
    /// says `maybe`.
    const RULE: &str = r#"rules:
  - id: spend-call
    name: spend called
    message: "spend called"
    severity: high
    confidence: medium
    languages: [python]
    cwe: [20]
    owasp: ["A04:2021", "A06:2025"]
    fix: Do not.
    help: "`spend()`"
    match:
      all:
        - pattern: spend($X)
        - lower-confidence: { regex: maybe }
"#;

    /// A rule that supersedes `spend-call`, equally sure.
    const SUPERSEDING: &str = r#"
  - id: spend-checked
    name: spend checked
    message: "spend checked"
    severity: high
    confidence: medium
    languages: [python]
    cwe: [20]
    owasp: ["A04:2021", "A06:2025"]
    fix: Do not.
    help: "`spend()`"
    supersedes: [spend-call]
    match:
      all:
        - pattern: spend($X)
        - lower-confidence: { regex: maybe }
"#;

    /// The failures of `spend-call` on an example file, by kind and line.
    fn failures(example: &str) -> Vec<(&'static str, usize)> {
        failures_with(RULE, example)
    }

    fn failures_with(rules: &str, example: &str) -> Vec<(&'static str, usize)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), example).unwrap();
        let rules = RuleSet::from_rules(
            crate::rules::parse_rule_file("rules.yaml", rules, crate::rules::CUSTOM_PACK).unwrap(),
        );
        let options = ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            ..ScanOptions::default()
        };
        let report = run(&options, &rules, &[]).unwrap();
        let (_, failed) = &report.rules["spend-call"];
        failed
            .iter()
            .map(|failure| match failure {
                Failure::Missing { line, .. } => ("missing", *line),
                Failure::Unexpected(finding) => ("unexpected", finding.start.line),
                Failure::Confidence(finding) => ("confidence", finding.start.line),
                Failure::UnknownRule { line, .. } => ("unknown", *line),
            })
            .collect()
    }

    #[test]
    fn expect_holds_only_for_a_finding_users_see_by_default() {
        let example = "spend(amount)  # expect: spend-call\nspend(maybe)  # expect: spend-call\nother()  # expect: spend-call\n";
        assert_eq!(failures(example), vec![("confidence", 2), ("missing", 3)]);
    }

    #[test]
    fn expect_low_holds_only_for_a_low_confidence_finding() {
        let example = "spend(maybe)  # expect-low: spend-call\nspend(amount)  # expect-low: spend-call\nother()  # expect-low: spend-call\n";
        assert_eq!(failures(example), vec![("confidence", 2), ("missing", 3)]);
    }

    #[test]
    fn ok_fails_on_a_finding_of_any_confidence() {
        let example = "spend(maybe)  # ok: spend-call\nspend(amount)  # ok: spend-call\nother()  # ok: spend-call\n";
        assert_eq!(
            failures(example),
            vec![("unexpected", 1), ("unexpected", 2)]
        );
    }

    #[test]
    fn a_superseded_expectation_holds_only_as_sure_as_the_superseding_finding() {
        let rules = format!("{RULE}{SUPERSEDING}");
        let example = "spend(amount)  # expect: spend-call, spend-checked\nspend(maybe)  # expect-low: spend-call, spend-checked\nspend(maybe)  # expect: spend-call  # expect-low: spend-checked\n";
        assert_eq!(failures_with(&rules, example), vec![("missing", 3)]);
    }

    #[test]
    fn only_default_visible_findings_need_an_annotation() {
        let example = "spend(maybe)\nspend(amount)\nspend(x)  # expect: spend-call\n";
        assert_eq!(failures(example), vec![("unexpected", 2)]);
    }
}
