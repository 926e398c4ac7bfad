//! A Markdown summary of a scan, for GitHub's job summary (`$GITHUB_STEP_SUMMARY`) or a
//! pull-request comment: the verdict, counts by severity and by rule, then the findings.

use super::{text, TextStyle};
use crate::finding::Finding;
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanOutcome;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Findings listed in the table; the rest are counted in a "… and N more" line.
const MAX_FINDING_ROWS: usize = 50;
/// Notices listed by file; the rest are counted.
const MAX_NOTICE_ROWS: usize = 20;

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    style: TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let findings = &outcome.findings;
    let failing = style.failing(findings);
    let threshold = style.fail_on;
    let heading = if failing > 0 {
        format!(
            "❌ tollgate: {} at or above {threshold}",
            plural(failing, "finding")
        )
    } else if findings.is_empty() {
        "✅ tollgate: no findings".to_string()
    } else {
        format!(
            "✅ tollgate: passed, {} below {threshold}",
            plural(findings.len(), "finding")
        )
    };
    writeln!(out, "## {heading}\n")?;
    writeln!(
        out,
        "{} (`--fail-on {threshold}`).\n",
        escape(text::summary(outcome).trim_end_matches('.'))
    )?;
    if !findings.is_empty() {
        severity_table(findings, out)?;
        rule_table(findings, rules, out)?;
        finding_table(findings, out)?;
    }
    notices(outcome, out)
}

fn severity_table(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| Severity | Findings |\n|---|---:|")?;
    for severity in Severity::ALL_DESCENDING {
        let count = findings.iter().filter(|f| f.severity == severity).count();
        writeln!(out, "| {} {severity} | {count} |", badge(severity))?;
    }
    writeln!(out)
}

/// A row per rule: its findings' own severities (a rule's findings may differ from its default
/// severity and from one another), most severe rule first.
fn rule_table(findings: &[Finding], rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, BTreeMap<Severity, usize>> = BTreeMap::new();
    for finding in findings {
        *by_rule
            .entry(finding.rule_id.as_str())
            .or_default()
            .entry(finding.severity)
            .or_default() += 1;
    }
    let mut rows: Vec<_> = by_rule
        .into_iter()
        .map(|(id, severities)| {
            let top = severities
                .keys()
                .next_back()
                .copied()
                .unwrap_or(Severity::Low);
            let count: usize = severities.values().sum();
            (id, top, count, severities)
        })
        .collect();
    rows.sort_by_key(|&(id, top, count, _)| (std::cmp::Reverse((top, count)), id));
    writeln!(
        out,
        "### By rule\n\n| Rule | Name | Severity | Findings |\n|---|---|---|---:|"
    )?;
    for (id, _, count, severities) in rows {
        let rule = rules.get(id);
        let linked = match rule {
            Some(rule) => format!("[{}]({})", escape(id), link_target(&rule.help_uri())),
            None => escape(id),
        };
        let name = rule.map_or(String::new(), |rule| escape(&rule.name));
        let shown: Vec<String> = severities
            .iter()
            .rev()
            .map(|(&severity, &n)| {
                if severities.len() == 1 {
                    format!("{} {severity}", badge(severity))
                } else {
                    format!("{} {severity} {n}", badge(severity))
                }
            })
            .collect();
        writeln!(
            out,
            "| {linked} | {name} | {} | {count} |",
            shown.join(", ")
        )?;
    }
    writeln!(out)
}

fn finding_table(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    writeln!(
        out,
        "### Findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|"
    )?;
    for finding in ordered.iter().take(MAX_FINDING_ROWS) {
        writeln!(
            out,
            "| {} {} | {} | {}:{} | {} |",
            badge(finding.severity),
            finding.severity,
            escape(&finding.rule_id),
            escape(&finding.path),
            finding.start.line,
            escape(&finding.message)
        )?;
    }
    if ordered.len() > MAX_FINDING_ROWS {
        writeln!(
            out,
            "\n… and {} more (the SARIF report lists every finding).",
            ordered.len() - MAX_FINDING_ROWS
        )?;
    }
    writeln!(out)
}

fn notices(outcome: &ScanOutcome, out: &mut dyn Write) -> io::Result<()> {
    let notices = &outcome.notices;
    if notices.is_empty() {
        return Ok(());
    }
    let skipped = notices.iter().filter(|n| n.kind.skipped()).count();
    let partial = notices.len() - skipped;
    let mut parts = Vec::new();
    if skipped > 0 {
        parts.push(format!("{} not scanned", plural(skipped, "file")));
    }
    if partial > 0 {
        parts.push(format!(
            "{} partly checked (syntax errors, or a rule failed or ran out of time; findings there may be incomplete)",
            plural(partial, "file")
        ));
    }
    writeln!(out, "### Notices\n\n{}.\n", parts.join(", "))?;
    for notice in notices.iter().take(MAX_NOTICE_ROWS) {
        let line = notice.line.map_or(String::new(), |line| format!(":{line}"));
        let marker = if notice.kind.skipped() {
            "not scanned"
        } else {
            "partly scanned"
        };
        writeln!(
            out,
            "- {}{line} ({marker}): {}",
            escape(&notice.path),
            escape(&notice.message)
        )?;
    }
    if notices.len() > MAX_NOTICE_ROWS {
        writeln!(out, "- … and {} more", notices.len() - MAX_NOTICE_ROWS)?;
    }
    writeln!(out)
}

fn badge(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
    }
}

/// Escape text for a Markdown table cell: no formatting, no HTML, no cell breaks, one line.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '\r' => {}
            '\n' => escaped.push(' '),
            c if super::escape::is_unsafe(c) => escaped.push('\u{fffd}'),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A URL safe inside `(…)` of a Markdown link.
fn link_target(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Notice, NoticeKind};
    use crate::report::test_support::{finding, outcome, rules};

    fn rendered(outcome: &ScanOutcome, fail_on: Severity) -> String {
        let style = TextStyle {
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            fail_on,
        };
        let mut out = Vec::new();
        render(outcome, &rules(), style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_table_breaking_and_formatting_characters() {
        assert_eq!(
            escape("a|b `c` <script> & *x* [l](u)\nnext\\"),
            r"a\|b \`c\` &lt;script&gt; &amp; \*x\* \[l\](u) next\\"
        );
        assert_eq!(escape("a\u{1b}[31mb\u{202e}"), "a\u{fffd}\\[31mb\u{fffd}");
    }

    #[test]
    fn empty_scan_says_no_findings() {
        let out = rendered(&outcome(Vec::new(), Vec::new()), Severity::Low);
        assert!(out.starts_with("## ✅ tollgate: no findings\n"), "{out}");
        assert!(out.contains("no findings"));
        assert!(!out.contains("| Severity"), "{out}");
        assert!(!out.contains("### Notices"), "{out}");
    }

    #[test]
    fn verdict_counts_and_tables() {
        let mut low = finding("demo-low", Severity::Low, "a|b.py", (3, 1), (3, 4));
        low.message = "uses `eval` on <input>".into();
        let findings = vec![
            low.clone(),
            finding("demo-high", Severity::High, "z.py", (7, 1), (7, 2)),
            low,
        ];
        let out = rendered(&outcome(findings, Vec::new()), Severity::High);
        assert!(
            out.starts_with("## ❌ tollgate: 1 finding at or above high\n"),
            "{out}"
        );
        assert!(out.contains("(`--fail-on high`)"), "{out}");
        assert!(out.contains("| 🟠 high | 1 |\n"), "{out}");
        assert!(out.contains("| 🔵 low | 2 |\n"), "{out}");
        assert!(out.contains("| 🔴 critical | 0 |\n"), "{out}");
        let uri = rules().get("demo-high").unwrap().help_uri();
        assert!(
            out.contains(&format!(
                "| [demo-high]({uri}) | High thing | 🟠 high | 1 |"
            )),
            "{out}"
        );
        // Most severe first, then in report order.
        let high_row = out.find("| 🟠 high | demo-high | z.py:7 |").unwrap();
        let low_row = out
            .find(r"| 🔵 low | demo-low | a\|b.py:3 | uses \`eval\` on &lt;input&gt; |")
            .unwrap();
        assert!(high_row < low_row, "{out}");
    }

    #[test]
    fn the_rule_table_shows_the_findings_own_severities() {
        // A configured severity or a detector may give a rule's findings other severities.
        let findings = vec![
            finding("demo-low", Severity::Medium, "a.py", (1, 1), (1, 2)),
            finding("demo-low", Severity::Low, "a.py", (2, 1), (2, 2)),
            finding("demo-low", Severity::Medium, "a.py", (3, 1), (3, 2)),
            finding("demo-high", Severity::Critical, "b.py", (1, 1), (1, 2)),
        ];
        let out = rendered(&outcome(findings, Vec::new()), Severity::Low);
        let low_uri = rules().get("demo-low").unwrap().help_uri();
        let high_uri = rules().get("demo-high").unwrap().help_uri();
        let high = out
            .find(&format!(
                "| [demo-high]({high_uri}) | High thing | 🔴 critical | 1 |"
            ))
            .expect(&out);
        let low = out
            .find(&format!(
                "| [demo-low]({low_uri}) | Low thing | 🟡 medium 2, 🔵 low 1 | 3 |"
            ))
            .expect(&out);
        assert!(high < low, "{out}");
    }

    #[test]
    fn below_the_threshold_passes() {
        let findings = vec![finding("demo-low", Severity::Low, "a.py", (1, 1), (1, 2))];
        let out = rendered(&outcome(findings, Vec::new()), Severity::Medium);
        assert!(
            out.starts_with("## ✅ tollgate: passed, 1 finding below medium\n"),
            "{out}"
        );
    }

    #[test]
    fn long_lists_are_capped() {
        let findings: Vec<_> = (1..=MAX_FINDING_ROWS + 7)
            .map(|line| finding("demo-low", Severity::Low, "a.py", (line, 1), (line, 2)))
            .collect();
        let out = rendered(&outcome(findings, Vec::new()), Severity::Low);
        let rows = out
            .lines()
            .filter(|l| l.starts_with("| 🔵 low | demo-low"))
            .count();
        assert_eq!(rows, MAX_FINDING_ROWS);
        assert!(out.contains("… and 7 more"), "{out}");
    }

    #[test]
    fn notices_are_summarized() {
        let notices = vec![
            Notice {
                path: "bad.py".into(),
                kind: NoticeKind::SyntaxError,
                message: "syntax error".into(),
                line: Some(2),
            },
            Notice {
                path: "big.py".into(),
                kind: NoticeKind::TooLarge,
                message: "larger than 2097152 bytes".into(),
                line: None,
            },
        ];
        let out = rendered(&outcome(Vec::new(), notices), Severity::Low);
        assert!(
            out.contains("1 file not scanned, 1 file partly checked"),
            "{out}"
        );
        assert!(
            out.contains("- bad.py:2 (partly scanned): syntax error\n"),
            "{out}"
        );
        assert!(out.contains("- big.py (not scanned): larger than"), "{out}");
    }
}
