//! The check stage: run every applicable rule's detector over one parsed file.

use crate::detectors;
use crate::finding::Finding;
use crate::fingerprint;
use crate::parse::ParsedFile;
use crate::rules::RuleSet;

/// At most this many source lines are kept as a finding's snippet.
const SNIPPET_LINES: usize = 6;

/// Findings of all rules in `rules` that apply to the file's language, in source order.
pub fn check_file(file: &ParsedFile, rules: &RuleSet) -> Vec<Finding> {
    let source = file.source;
    let mut findings = Vec::new();
    let mut matches = Vec::new();
    for rule in rules.iter().filter(|rule| rule.applies_to(source.language)) {
        let Some(detector) = detectors::find(&rule.detector, source.language) else {
            continue;
        };
        matches.clear();
        (detector.check)(file, &mut matches);
        for found in matches.drain(..) {
            let start = source.position(found.bytes.start);
            let end = source.position(found.bytes.end);
            let last_line = end.line.min(start.line + SNIPPET_LINES - 1);
            let snippet = (start.line..=last_line)
                .map(|line| source.line_text(line))
                .collect::<Vec<_>>()
                .join("\n");
            findings.push(Finding {
                rule_id: rule.id.clone(),
                severity: rule.severity,
                confidence: rule.confidence,
                message: rule.render_message(&found.captures),
                path: source.display_path.clone(),
                start,
                end,
                bytes: found.bytes,
                snippet,
                fingerprint: String::new(),
            });
        }
    }
    findings.sort_by(|a, b| (a.start, &a.rule_id, a.end).cmp(&(b.start, &b.rule_id, b.end)));
    findings.dedup_by(|a, b| a.rule_id == b.rule_id && a.bytes == b.bytes);
    fingerprint::assign(&mut findings);
    findings
}
