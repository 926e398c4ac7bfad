//! SARIF 2.1.0 output for GitHub code scanning (and any other SARIF consumer).
//!
//! GitHub reads `properties.security-severity` and `properties.precision` on rules,
//! `partialFingerprints` on results, and shows `toolExecutionNotifications` for skipped files.
//! Paths are relative to `%SRCROOT%`, the working directory of the scan.

use crate::finding::{Finding, Notice, NoticeKind, Related};
use crate::rules::{Confidence, Rule, RuleSet, Severity};
use crate::scan::ScanOutcome;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, CodeFlow, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, ThreadFlow,
    ThreadFlowLocation, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// The `partialFingerprints` key; GitHub reserves `primaryLocationLineHash` for its own hash.
const FINGERPRINT_KEY: &str = "tollgate/v1";

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    out: &mut dyn Write,
) -> io::Result<()> {
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let results = outcome
        .findings
        .iter()
        .map(|finding| result(finding, index.get(finding.rule_id.as_str()).copied()))
        .collect::<Vec<_>>();
    let notifications = outcome.notices.iter().map(notification).collect::<Vec<_>>();
    let mut base_ids = BTreeMap::new();
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = file_uri(&cwd.to_string_lossy());
        if !uri.ends_with('/') {
            uri.push('/');
        }
        base_ids.insert(
            SRCROOT.to_string(),
            ArtifactLocation {
                uri: Some(uri),
                ..Default::default()
            },
        );
    }
    let driver = ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_HOMEPAGE"))
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let left_out = super::left_out(outcome);
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications)
        .properties(PropertyBag {
            additional_properties: BTreeMap::from([("leftOut".to_string(), json!(left_out))]),
            ..Default::default()
        })
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .original_uri_base_ids(base_ids)
        .column_kind(json!("utf16CodeUnits"))
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string()];
    tags.extend(rule.cwe.iter().map(|n| format!("external/cwe/cwe-{n}")));
    tags.extend(rule.owasp.iter().map(|id| {
        format!(
            "external/owasp/{}",
            id.to_string().to_lowercase().replace(':', "-")
        )
    }));
    tags.extend(rule.tags.iter().cloned());
    let mut properties = BTreeMap::new();
    properties.insert("precision".to_string(), json!(precision(rule.confidence)));
    properties.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    properties.insert(
        "problem.severity".to_string(),
        json!(problem_severity(rule.severity)),
    );
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(pascal_case(&rule.id))
        .short_description(text(&rule.name))
        .full_description(text(&rule.message.replace('$', "")))
        .help(
            MultiformatMessageString::builder()
                .text(rule.help.clone())
                .markdown(rule.help.clone())
                .build(),
        )
        .help_uri(rule.help_uri())
        .default_configuration(ReportingConfiguration {
            level: Some(json!(level(rule.severity))),
            ..Default::default()
        })
        .properties(PropertyBag {
            tags: Some(tags),
            additional_properties: properties,
        })
        .build()
}

fn result(finding: &Finding, rule_index: Option<usize>) -> SarifResult {
    let mut result = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(level(finding.severity))
        .message(text_message(&finding.message))
        .locations(vec![finding_location(finding, None)])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            finding.fingerprint.clone(),
        )]))
        .properties(PropertyBag {
            additional_properties: BTreeMap::from([(
                "confidence".to_string(),
                json!(finding.confidence.name()),
            )]),
            ..Default::default()
        })
        .build();
    result.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());
    let related: Vec<Location> = finding
        .related
        .iter()
        .enumerate()
        .map(|(id, related)| Location {
            id: i64::try_from(id).ok(),
            ..related_location(related)
        })
        .collect();
    result.related_locations = (!related.is_empty()).then_some(related);
    if !finding.flow.is_empty() {
        result.code_flows = Some(vec![code_flow(finding)]);
    }
    result
}

/// A taint flow as a SARIF code flow: one thread, source first, the sink last.
fn code_flow(finding: &Finding) -> CodeFlow {
    let thread_location = |location: Location| ThreadFlowLocation {
        location: Some(location),
        ..Default::default()
    };
    let locations: Vec<ThreadFlowLocation> = finding
        .flow
        .iter()
        .map(|step| thread_location(related_location(step)))
        .chain(std::iter::once(thread_location(finding_location(
            finding,
            Some("reaches the sink here"),
        ))))
        .collect();
    CodeFlow::builder()
        .thread_flows(vec![ThreadFlow::builder().locations(locations).build()])
        .build()
}

/// The finding's whole region, with an optional message.
fn finding_location(finding: &Finding, message: Option<&str>) -> Location {
    let region = Region {
        start_line: Some(to_i64(finding.start.line)),
        start_column: Some(to_i64(finding.start.column)),
        end_line: Some(to_i64(finding.end.line)),
        end_column: Some(to_i64(finding.end.column)),
        ..Default::default()
    };
    location(&finding.path, region, message)
}

/// A related place or flow step: its start and what it has to do with the finding.
fn related_location(related: &Related) -> Location {
    let region = Region {
        start_line: Some(to_i64(related.start.line)),
        start_column: Some(to_i64(related.start.column)),
        ..Default::default()
    };
    location(&related.path, region, Some(&related.message))
}

fn location(path: &str, region: Region, message: Option<&str>) -> Location {
    Location {
        message: message.map(text_message),
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(artifact(path)),
            region: Some(region),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn notification(notice: &Notice) -> Notification {
    let level = if notice.kind == NoticeKind::SyntaxError {
        "note"
    } else {
        "warning"
    };
    let region = notice.line.map(|line| Region {
        start_line: Some(to_i64(line)),
        ..Default::default()
    });
    Notification::builder()
        .level(json!(level))
        .message(text_message(&format!(
            "{}: {}",
            notice.path, notice.message
        )))
        .locations(vec![Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(artifact(&notice.path)),
                region,
                ..Default::default()
            }),
            ..Default::default()
        }])
        .build()
}

fn artifact(path: &str) -> ArtifactLocation {
    if path.starts_with('/') {
        ArtifactLocation {
            uri: Some(file_uri(path)),
            ..Default::default()
        }
    } else {
        ArtifactLocation {
            uri: Some(encode_path(path)),
            uri_base_id: Some(SRCROOT.into()),
            ..Default::default()
        }
    }
}

fn file_uri(absolute: &str) -> String {
    format!("file://{}", encode_path(&absolute.replace('\\', "/")))
}

/// Percent-encode a `/`-separated path for use in a URI.
fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "recommendation",
    }
}

/// GitHub's scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, under 4.0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn text(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn text_message(text: &str) -> Message {
    Message {
        text: Some(text.to_string()),
        ..Default::default()
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
