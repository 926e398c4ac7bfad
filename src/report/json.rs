//! JSON output; the schema is documented in docs/json-output.md. Bump [`JSON_SCHEMA_VERSION`]
//! on any change that could break a consumer.

use crate::finding::{Finding, Notice, Related};
use crate::profile::Profile;
use crate::rules::{Confidence, RuleSet, Severity};
use crate::scan::ScanOutcome;
use crate::source::Position;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The version of the JSON document's schema.
pub const JSON_SCHEMA_VERSION: &str = "1.3";

#[derive(Serialize)]
struct Document<'a> {
    schema_version: &'static str,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    notices: &'a [Notice],
    summary: Summary,
    /// With `--profile`: time per phase, rule and file.
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a Profile>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: Severity,
    confidence: Confidence,
    message: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    snippet: &'a str,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "<[Related]>::is_empty")]
    related: &'a [Related],
    #[serde(skip_serializing_if = "<[Related]>::is_empty")]
    flow: &'a [Related],
    cwe: Vec<String>,
    owasp: Vec<String>,
    help_uri: String,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    files_skipped: usize,
    /// Files left out, by reason (see [`super::left_out`]).
    left_out: BTreeMap<String, usize>,
    bytes_scanned: u64,
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    /// Findings removed by `tollgate: ignore[…]` comments.
    suppressed: usize,
    duration_ms: u64,
}

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    out: &mut dyn Write,
) -> io::Result<()> {
    let findings = outcome
        .findings
        .iter()
        .map(|finding| json_finding(finding, rules))
        .collect();
    let by_severity = Severity::ALL_DESCENDING
        .iter()
        .map(|&severity| {
            let count = outcome
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .count();
            (severity.name(), count)
        })
        .collect();
    let document = Document {
        schema_version: JSON_SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        notices: &outcome.notices,
        summary: Summary {
            files_scanned: outcome.stats.files_scanned,
            files_skipped: outcome.stats.files_skipped,
            left_out: super::left_out(outcome),
            bytes_scanned: outcome.stats.bytes_scanned,
            findings: outcome.findings.len(),
            by_severity,
            suppressed: outcome.stats.suppressed,
            duration_ms: u64::try_from(outcome.stats.duration.as_millis()).unwrap_or(u64::MAX),
        },
        profile: outcome.profile.as_ref(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn json_finding<'a>(finding: &'a Finding, rules: &'a RuleSet) -> JsonFinding<'a> {
    let rule = rules.get(&finding.rule_id);
    JsonFinding {
        rule_id: &finding.rule_id,
        rule_name: rule.map_or("", |rule| rule.name.as_str()),
        severity: finding.severity,
        confidence: finding.confidence,
        message: &finding.message,
        path: &finding.path,
        start: finding.start,
        end: finding.end,
        snippet: &finding.snippet,
        fingerprint: &finding.fingerprint,
        related: &finding.related,
        flow: &finding.flow,
        cwe: rule.map_or_else(Vec::new, |rule| {
            rule.cwe.iter().map(|n| format!("CWE-{n}")).collect()
        }),
        owasp: rule.map_or_else(Vec::new, |rule| {
            rule.owasp.iter().map(ToString::to_string).collect()
        }),
        help_uri: rule.map_or_else(String::new, |rule| rule.help_uri()),
    }
}
