//! Terminal output: a code frame per finding (drawn by miette), notices, then a summary line.

use super::escape::{blank_controls, sanitize};
use super::TextStyle;
use crate::finding::Finding;
use crate::rules::{Rule, RuleSet, Severity};
use crate::scan::ScanOutcome;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    style: TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut current: Option<(&str, String)> = None;
    for finding in &outcome.findings {
        if current
            .as_ref()
            .is_none_or(|(path, _)| *path != finding.path)
        {
            // Re-read the file for context lines; without it the frame shows no code.
            let text = std::fs::read_to_string(&finding.path).unwrap_or_default();
            current = Some((&finding.path, text));
        }
        let text = current
            .as_ref()
            .map(|(_, text)| text.as_str())
            .unwrap_or_default();
        writeln!(out, "{}", frame(finding, rules, style, text)?)?;
    }
    for notice in &outcome.notices {
        let (path, message) = (sanitize(&notice.path), sanitize(&notice.message));
        writeln!(out, "note: {path}: {message}")?;
    }
    if !outcome.notices.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(outcome))
}

/// A finding drawn as a code frame, reading its file for the source lines.
pub fn code_frame(finding: &Finding, rules: &RuleSet, style: TextStyle) -> io::Result<String> {
    let text = std::fs::read_to_string(&finding.path).unwrap_or_default();
    frame(finding, rules, style, &text)
}

fn frame(finding: &Finding, rules: &RuleSet, style: TextStyle, text: &str) -> io::Result<String> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1)
        .with_width(style.width)
        // Wrap between words only: a URL or a rule id stays whole, even past the width.
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let diagnostic = FindingDiagnostic::new(finding, rules.get(&finding.rule_id), text);
    let mut rendered = String::new();
    handler
        .render_report(&mut rendered, &diagnostic)
        .map_err(io::Error::other)?;
    Ok(rendered)
}

/// Rules named in the summary line; the rest are counted.
const MAX_SUMMARY_RULES: usize = 5;

/// "Scanned 12 files in 0.05s: 3 findings (1 high, 2 medium) by rule: sql-injection 2, xss 1;
/// 4 suppressed; 2 in the baseline; 3 files left out (2 ignored, 1 too-large)."
pub(super) fn summary(outcome: &ScanOutcome) -> String {
    let stats = &outcome.stats;
    let mut line = format!(
        "Scanned {} in {:.2}s: ",
        plural(stats.files_scanned, "file"),
        stats.duration.as_secs_f64()
    );
    if outcome.findings.is_empty() {
        line.push_str("no findings");
    } else {
        let counts: Vec<String> = Severity::ALL_DESCENDING
            .iter()
            .filter_map(|&severity| {
                let n = outcome
                    .findings
                    .iter()
                    .filter(|f| f.severity == severity)
                    .count();
                (n > 0).then(|| format!("{n} {severity}"))
            })
            .collect();
        line.push_str(&format!(
            "{} ({}) by rule: {}",
            plural(outcome.findings.len(), "finding"),
            counts.join(", "),
            by_rule(&outcome.findings)
        ));
    }
    if stats.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", stats.suppressed));
    }
    if stats.baselined > 0 {
        line.push_str(&format!("; {} in the baseline", stats.baselined));
    }
    let left_out = super::left_out(outcome);
    if !left_out.is_empty() {
        let reasons: Vec<String> = left_out
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        line.push_str(&format!(
            "; {} left out ({})",
            plural(left_out.values().sum(), "file"),
            reasons.join(", ")
        ));
    }
    line.push('.');
    line
}

/// "sql-injection 2, xss 1": findings per rule, most first, the first few named.
fn by_rule(findings: &[Finding]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.rule_id.as_str()).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
    let mut named: Vec<String> = counts
        .iter()
        .take(MAX_SUMMARY_RULES)
        .map(|(id, n)| format!("{} {n}", sanitize(id)))
        .collect();
    if counts.len() > MAX_SUMMARY_RULES {
        named.push(plural(counts.len() - MAX_SUMMARY_RULES, "more rule"));
    }
    named.join(", ")
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A finding dressed as a miette diagnostic, so miette draws the code frame.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    rule: Option<&'a Rule>,
    source: NamedSource<String>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, rule: Option<&'a Rule>, text: &str) -> Self {
        // The code comes from the scanned file: no control character reaches the terminal.
        let text = if text.get(finding.bytes.clone()).is_some() {
            blank_controls(text).into_owned()
        } else {
            String::new()
        };
        FindingDiagnostic {
            finding,
            rule,
            source: NamedSource::new(sanitize(&finding.path), text).with_language(
                if finding.path.ends_with(".rs") {
                    "Rust"
                } else {
                    "Python"
                },
            ),
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanitize(&self.finding.message))
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanitize(&self.finding.message))
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} ({} severity, {} confidence)",
            self.finding.rule_id, self.finding.severity, self.finding.confidence
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Critical | Severity::High => miette::Severity::Error,
            Severity::Medium => miette::Severity::Warning,
            Severity::Low => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let rule = self.rule?;
        let flow: String = self
            .finding
            .flow
            .iter()
            .map(|r| {
                let (path, message) = (sanitize(&r.path), sanitize(&r.message));
                format!("\nflow: {path}:{}: {message}", r.start.line)
            })
            .collect();
        let related: String = self
            .finding
            .related
            .iter()
            .map(|r| {
                let (path, message) = (sanitize(&r.path), sanitize(&r.message));
                format!("\n{path}:{}: {message}", r.start.line)
            })
            .collect();
        let related = flow + &related;
        Some(Box::new(format!(
            "{}{related}\nmore: tollgate explain {} | {}",
            sanitize(&rule.fix),
            rule.id,
            sanitize(&rule.help_uri())
        )))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.source.inner().is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.inner().is_empty() {
            return None;
        }
        let label = self.rule.map(|rule| sanitize(&rule.name).into_owned());
        let span = LabeledSpan::new_primary_with_span(label, self.finding.bytes.clone());
        Some(Box::new(std::iter::once(span)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Notice, NoticeKind};
    use crate::report::test_support::{finding, outcome, rules};

    #[test]
    fn code_names_and_messages_reach_the_terminal_inert() {
        let style = TextStyle {
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            fail_on: Severity::Low,
        };
        let text = "x = 1\nbad_high(\"\u{1b}]0;owned\u{7}\u{1b}[2J\")\n";
        let mut hostile = finding(
            "demo-high",
            Severity::High,
            "app/a\n::error::forged\u{1b}[31m.py",
            (2, 1),
            (2, 10),
        );
        hostile.bytes = 6..15;
        hostile.message = "message\r\n::warning::forged \u{202e}txt".into();
        let drawn = frame(&hostile, &rules(), style, text).unwrap();
        assert!(
            !drawn
                .chars()
                .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'),
            "{drawn}"
        );
        assert!(drawn.contains("bad_high(\"?]0;owned??[2J\")"), "{drawn}");
        assert!(
            drawn
                .lines()
                .all(|line| !line.trim_start().starts_with("::")),
            "{drawn}"
        );

        let notice = Notice {
            path: "n\n::stop-commands::t.py".into(),
            kind: NoticeKind::Binary,
            message: "looks binary".into(),
            line: None,
        };
        let mut out = Vec::new();
        render(
            &outcome(Vec::new(), vec![notice]),
            &rules(),
            style,
            &mut out,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("note: n\\n::stop-commands::t.py: looks binary\n"),
            "{out}"
        );
    }
}
