//! Findings, outcomes and rules for the report modules' unit tests.

use crate::finding::{Finding, Notice};
use crate::rules::{parse_rule_file, Confidence, RuleSet, Severity, CUSTOM_PACK};
use crate::scan::{ScanOutcome, ScanStats};
use crate::source::Position;

const RULES: &str = r#"
rules:
  - id: demo-high
    name: High thing
    message: high thing found
    severity: high
    confidence: high
    languages: [python]
    cwe: [89]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do the safe thing.
    help: |
      ```python
      bad()
      ```
      ```python
      good()
      ```
    match:
      pattern: bad_high()
  - id: demo-low
    name: Low thing
    message: low thing found
    severity: low
    confidence: medium
    languages: [python]
    cwe: [20]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do the safe thing.
    help: |
      ```python
      bad()
      ```
      ```python
      good()
      ```
    match:
      pattern: bad_low()
"#;

/// Two custom rules: `demo-high` (high) and `demo-low` (low).
pub fn rules() -> RuleSet {
    RuleSet::from_rules(parse_rule_file("demo.yaml", RULES, CUSTOM_PACK).expect("valid rules"))
}

/// A finding of `rule_id` spanning `start..end` (1-based line and column).
pub fn finding(
    rule_id: &str,
    severity: Severity,
    path: &str,
    start: (usize, usize),
    end: (usize, usize),
) -> Finding {
    Finding {
        rule_id: rule_id.into(),
        severity,
        confidence: Confidence::High,
        message: format!("{rule_id} found"),
        path: path.into(),
        start: Position {
            line: start.0,
            column: start.1,
        },
        end: Position {
            line: end.0,
            column: end.1,
        },
        bytes: 0..1,
        snippet: String::new(),
        fingerprint: "0".into(),
        related: Vec::new(),
        flow: Vec::new(),
        link_checks: Vec::new(),
        via_parameter: None,
        via_template: None,
    }
}

/// A scan outcome with these findings and notices.
pub fn outcome(findings: Vec<Finding>, notices: Vec<Notice>) -> ScanOutcome {
    ScanOutcome {
        findings,
        notices,
        stats: ScanStats {
            files_scanned: 2,
            ..ScanStats::default()
        },
        project: crate::app::Project::default(),
        profile: None,
    }
}
