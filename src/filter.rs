//! The filter stage: ordering, the `--min-confidence` floor and the `--fail-on` threshold.

use crate::finding::Finding;
use crate::rules::{Confidence, Severity};

/// Sort findings by (path, line, column, rule id), the order every report uses.
/// (Duplicates within a file are already merged by the check stage.)
pub fn order(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.start, &a.rule_id, a.end).cmp(&(&b.path, b.start, &b.rule_id, b.end))
    });
}

/// Whether any finding is at or above `threshold`: the scan then exits with status 1.
pub fn fails(findings: &[Finding], threshold: Severity) -> bool {
    findings.iter().any(|finding| finding.severity >= threshold)
}

/// The default `--min-confidence`: what users see unless they ask for more.
pub const DEFAULT_MIN_CONFIDENCE: Confidence = Confidence::Medium;

/// Keep only the findings whose confidence is at least `floor` (`--min-confidence`).
pub fn at_least(findings: &mut Vec<Finding>, floor: Confidence) {
    findings.retain(|finding| finding.confidence >= floor);
}
