//! Rules: the metadata every check carries (id, severity, CWE, OWASP, help) and the set of
//! rules a scan runs. Built-in rules are YAML files under `rules/`, embedded in the binary.

mod builtin;
mod load;
mod owasp;

pub use load::{parse_rule_file, RuleFileError};
pub use owasp::OwaspId;

use crate::source::Language;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is if it is real.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL_DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How likely a finding is to be a true positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule: what it looks for, how it is reported and how to fix what it finds.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    /// Kebab-case concept shared across languages, e.g. `sql-string-built`.
    pub id: String,
    /// A short title.
    pub name: String,
    /// The finding message; `$NAME` placeholders are filled from what the detector captured.
    pub message: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub languages: Vec<Language>,
    /// CWE numbers, e.g. `89`.
    pub cwe: Vec<u32>,
    /// OWASP Top 10 categories, at least one from 2021 and one from 2025.
    pub owasp: Vec<OwaspId>,
    pub tags: Vec<String>,
    /// One line telling how to fix a finding, shown under every finding.
    pub fix: String,
    /// Markdown: why it matters, a vulnerable and a fixed example, what the check cannot see.
    pub help: String,
    /// The built-in detector that finds matches.
    pub detector: String,
    /// The pack (folder under `rules/`) the rule belongs to.
    pub pack: String,
}

impl Rule {
    pub fn applies_to(&self, language: Language) -> bool {
        self.languages.contains(&language)
    }

    /// Whether the rule reads the project model (facts merged from all files: routes, settings…),
    /// so that its findings in one file can change when another file changes. The scan cache then
    /// keys every file on the content of all files. False for every rule until the index phase
    /// exists; a rule that reads the model must return true.
    pub fn uses_project_model(&self) -> bool {
        false
    }

    /// Where the rule's documentation lives on the web.
    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/rules/{}/{}.yaml",
            env!("CARGO_PKG_REPOSITORY"),
            self.pack,
            self.id
        )
    }

    /// The message with `$NAME` placeholders replaced by captured values.
    pub fn render_message(&self, captures: &[(&str, String)]) -> String {
        let mut message = self.message.clone();
        // Longest names first, so `$SINK_ARG` is not clobbered by `$SINK`.
        let mut sorted: Vec<_> = captures.iter().collect();
        sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in sorted {
            message = message.replace(&format!("${name}"), value);
        }
        message
    }
}

/// The rules a scan runs, sorted by id.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn builtin() -> Result<RuleSet, RuleFileError> {
        builtin::rules()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The closest rule id to a mistyped one, for "did you mean" hints.
    pub fn suggest(&self, id: &str) -> Option<&str> {
        self.rules
            .iter()
            .map(|rule| (strsim::jaro_winkler(id, &rule.id), rule.id.as_str()))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id)
    }

    fn from_rules(mut rules: Vec<Rule>) -> RuleSet {
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        RuleSet { rules }
    }
}
