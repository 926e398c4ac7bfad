//! The report stage: every output format renders the same [`ScanOutcome`].

mod escape;
mod github;
mod html;
mod json;
mod markdown;
pub mod routes;
mod sarif;
pub mod starter;
#[cfg(test)]
mod test_support;
mod text;

pub use escape::{blank_controls, sanitize};
pub use json::JSON_SCHEMA_VERSION;
pub use text::code_frame;

use crate::rules::{RuleSet, Severity};
use crate::scan::ScanOutcome;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// An output format for `tollgate scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames for people, with a summary line.
    Text,
    /// A versioned JSON document (docs/json-output.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding (docs/github-action.md).
    Github,
    /// A Markdown summary for GitHub's job summary or a pull-request comment.
    Markdown,
    /// One self-contained HTML page: summary, filters, findings with code and flows, routes.
    Html,
}

/// Options that change how a report is drawn.
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub color: bool,
    /// The `--fail-on` threshold, for reports that state a verdict.
    pub fail_on: Severity,
    /// Columns the text report wraps at (never inside a word or a URL).
    pub width: usize,
}

impl TextStyle {
    /// How many findings are at or above the `--fail-on` threshold.
    pub fn failing(&self, findings: &[crate::finding::Finding]) -> usize {
        findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count()
    }
}

/// Columns of the text report when it does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 120;

/// Write `outcome` in `format` to `out`.
pub fn render(
    format: Format,
    outcome: &ScanOutcome,
    rules: &RuleSet,
    style: TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(outcome, rules, style, out),
        Format::Json => json::render(outcome, rules, out),
        Format::Sarif => sarif::render(outcome, rules, out),
        Format::Github => github::render(outcome, rules, out),
        Format::Markdown => markdown::render(outcome, rules, style, out),
        Format::Html => html::render(outcome, rules, style, out),
    }
}

/// How many files the scan left out, by reason: `ignored` (ignore files), `excluded`
/// (`--exclude`), `linked` (links to files scanned under their own name), then each notice kind
/// that skips a file (`too-large`, `binary`, `symlink`, …). Reasons with no file are left out.
pub fn left_out(outcome: &ScanOutcome) -> BTreeMap<String, usize> {
    let counts = outcome.stats.left_out;
    let mut reasons: BTreeMap<String, usize> = [
        ("ignored", counts.ignored),
        ("excluded", counts.excluded),
        ("linked", counts.symlinks),
    ]
    .into_iter()
    .map(|(reason, n)| (reason.to_string(), n))
    .collect();
    for notice in outcome
        .notices
        .iter()
        .filter(|notice| notice.kind.skipped())
    {
        let kind = serde_json::to_value(notice.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_string))
            .unwrap_or_default();
        *reasons.entry(kind).or_default() += 1;
    }
    reasons.retain(|_, n| *n > 0);
    reasons
}
