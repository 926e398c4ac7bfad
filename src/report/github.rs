//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, which
//! the runner turns into annotations on the pull request's changed files.
//!
//! Syntax and escaping follow the runner (`actions/toolkit` `command.ts`): in the message `%`, CR
//! and LF are percent-encoded; in property values `:` and `,` are as well.

use super::escape::sanitize;
use super::text;
use crate::finding::{Finding, Notice, NoticeKind};
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanOutcome;
use std::io::{self, Write};

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    out: &mut dyn Write,
) -> io::Result<()> {
    // The runner shows only the first few annotations of each level per step: most severe first.
    let mut findings: Vec<&Finding> = outcome.findings.iter().collect();
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    for finding in findings {
        writeln!(out, "{}", finding_command(finding, rules))?;
    }
    for notice in &outcome.notices {
        writeln!(out, "{}", notice_command(notice))?;
    }
    writeln!(out, "{}", text::summary(outcome))
}

/// The workflow command for one finding.
fn finding_command(finding: &Finding, rules: &RuleSet) -> String {
    let rule = rules.get(&finding.rule_id);
    let title = match rule {
        Some(rule) => format!("{}: {}", finding.rule_id, sanitize(&rule.name)),
        None => finding.rule_id.clone(),
    };
    let mut properties = vec![
        ("file", sanitize(&finding.path).into_owned()),
        ("line", finding.start.line.to_string()),
        ("endLine", finding.end.line.to_string()),
    ];
    // GitHub draws columns only for a single-line range.
    if finding.start.line == finding.end.line {
        properties.push(("col", finding.start.column.to_string()));
        properties.push(("endColumn", finding.end.column.to_string()));
    }
    properties.push(("title", title));
    let mut message = sanitize(&finding.message).into_owned();
    if let Some(rule) = rule {
        if !rule.fix.trim().is_empty() {
            message.push_str(&format!("\n\nFix: {}", sanitize(rule.fix.trim())));
        }
        message.push_str(&format!(
            "\nMore: `tollgate explain {}` or {}",
            rule.id,
            rule.help_uri()
        ));
    }
    command(level(finding.severity), &properties, &message)
}

/// The workflow command for a file tollgate skipped or could not fully parse.
fn notice_command(notice: &Notice) -> String {
    let title = if notice.kind == NoticeKind::SyntaxError {
        "tollgate: syntax error, findings may be incomplete"
    } else if notice.kind == NoticeKind::InternalError {
        "tollgate: a rule failed on this file"
    } else if notice.kind == NoticeKind::Timeout {
        "tollgate: a rule ran out of time on this file"
    } else {
        "tollgate: file not scanned"
    };
    let mut properties = vec![("file", sanitize(&notice.path).into_owned())];
    if let Some(line) = notice.line {
        properties.push(("line", line.to_string()));
    }
    properties.push(("title", title.to_string()));
    command("warning", &properties, &sanitize(&notice.message))
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// `::NAME key=value,key=value::MESSAGE`, escaped.
fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{name} {}::{}",
        properties.join(","),
        escape_data(message)
    )
}

/// Escape a command's message: `%`, CR and LF.
fn escape_data(data: &str) -> String {
    data.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: as [`escape_data`], plus `:` and `,`.
fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::{finding, outcome, rules};

    #[test]
    fn data_escapes_percent_first_then_line_breaks() {
        assert_eq!(escape_data("100%\r\nok"), "100%25%0D%0Aok");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_command_per_finding_most_severe_first() {
        let rules = rules();
        let low = finding("demo-low", Severity::Low, "app/a,b.py", (3, 5), (3, 9));
        let high = finding("demo-high", Severity::High, "app/z.py", (10, 1), (12, 4));
        let outcome = outcome(vec![low, high], Vec::new());
        let mut out = Vec::new();
        render(&outcome, &rules, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with(
                "::error file=app/z.py,line=10,endLine=12,title=demo-high%3A High thing::"
            ),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with(
                "::notice file=app/a%2Cb.py,line=3,endLine=3,col=5,endColumn=9,title=demo-low%3A Low thing::"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains("%0A%0AFix: Do the safe thing.%0AMore: `tollgate explain demo-low`")
        );
        assert!(lines[2].starts_with("Scanned "), "{}", lines[2]);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn notices_become_warnings_with_a_line_when_known() {
        let notices = vec![
            Notice {
                path: "bad.py".into(),
                kind: NoticeKind::SyntaxError,
                message: "syntax error at line 4".into(),
                line: Some(4),
            },
            Notice {
                path: "blob.py".into(),
                kind: NoticeKind::Binary,
                message: "binary file, not scanned".into(),
                line: None,
            },
        ];
        let outcome = outcome(Vec::new(), notices);
        let mut out = Vec::new();
        render(&outcome, &rules(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::warning file=bad.py,line=4,title=tollgate%3A syntax error%2C findings may be incomplete::syntax error at line 4"
        );
        assert_eq!(
            lines[1],
            "::warning file=blob.py,title=tollgate%3A file not scanned::binary file, not scanned"
        );
    }

    #[test]
    fn names_and_messages_cannot_start_a_workflow_command() {
        let mut hostile = finding(
            "demo-high",
            Severity::High,
            "x\n::stop-commands::t\n::error file=a.py::fake\u{1b}[2J.py",
            (1, 1),
            (1, 2),
        );
        hostile.message = "eval(\"\r\n::warning::forged\")".into();
        let notice = Notice {
            path: "n\n::error::forged.py".into(),
            kind: NoticeKind::Binary,
            message: "m\n::add-mask::x".into(),
            line: None,
        };
        let mut out = Vec::new();
        render(&outcome(vec![hostile], vec![notice]), &rules(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].starts_with("::error file=x\\n%3A%3Astop-commands%3A%3At"));
        assert!(lines[0].contains("eval(\"\\r\\n::warning::forged\")"));
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(lines[1].starts_with("::warning file=n\\n%3A%3Aerror%3A%3Aforged.py,"));
        assert!(lines[1].ends_with("::m\\n::add-mask::x"), "{}", lines[1]);
    }
}
