//! The report stage: every output format renders the same [`ScanOutcome`].

mod json;
mod sarif;
mod text;

pub use json::JSON_SCHEMA_VERSION;
pub use text::code_frame;

use crate::rules::RuleSet;
use crate::scan::ScanOutcome;
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
}

/// Options that change how text is drawn.
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub color: bool,
}

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
    }
}
