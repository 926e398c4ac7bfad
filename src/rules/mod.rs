//! Rules: the metadata every check carries (id, severity, CWE, OWASP, help) and the set of
//! rules a scan runs. Built-in rules are YAML files under `rules/`, embedded in the binary.

mod builtin;
mod compile;
mod load;
mod matchers;
mod owasp;
mod paths;
mod schema;
mod sources;

pub use load::{did_you_mean, parse_rule_file, RuleFileError};
pub use matchers::Matchers;
pub use owasp::OwaspId;
pub use paths::PathFilter;
pub use sources::{load_rule_paths, RuleLoadErrors};

use crate::detectors::DetectorKind;
use crate::matcher::Matcher;
use crate::source::Language;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// How bad a finding is if it is real.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// One step less severe.
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
        }
    }

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
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
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

    /// One step less sure.
    pub fn lower(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            Confidence::Medium | Confidence::Low => Confidence::Low,
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
    /// Rules whose findings on the same lines this rule's findings replace (a taint rule
    /// supersedes the pattern rule for the same sink).
    pub supersedes: Vec<String>,
    /// Codes of the equivalent checks in Ruff and Bandit (`S301`, `B301`); see [`crate::peers`].
    pub peer_codes: Vec<String>,
    /// One line telling how to fix a finding, shown under every finding.
    pub fix: String,
    /// Markdown: why it matters, a vulnerable and a fixed example, what the check cannot see.
    pub help: String,
    /// How the rule finds matches.
    pub logic: Logic,
    /// Which files the rule applies to.
    #[serde(skip)]
    pub paths: PathFilter,
    /// Whether the rule reports findings in test code.
    pub test_code: TestCodePolicy,
    /// The pack the rule belongs to: its folder under `rules/`, or `custom`.
    pub pack: String,
    /// A hash of the rule file that defined the rule, so caches notice any edit to it
    /// (compiled matchers cannot be compared).
    #[serde(skip)]
    pub source_hash: u64,
}

/// Whether a rule runs on test code (see [`crate::testcode`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestCodePolicy {
    /// Report in test code like anywhere else (the default).
    #[default]
    Scan,
    /// Report nothing in test files, test functions and test modules, unless the scan includes tests.
    Skip,
}

/// How a rule finds matches.
#[derive(Clone)]
pub enum Logic {
    /// A built-in detector written in Rust.
    Detector(DetectorKind),
    /// Declarative matching, compiled once per language the rule names.
    Matchers(Arc<Matchers>),
}

impl Logic {
    /// The compiled matcher for `language`, for declarative rules.
    pub fn matcher(&self, language: Language) -> Option<&Matcher> {
        match self {
            Logic::Matchers(matchers) => matchers.get(language),
            Logic::Detector(_) => None,
        }
    }
}

impl fmt::Debug for Logic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Logic::Detector(name) => write!(f, "detector:{name}"),
            Logic::Matchers(_) => f.write_str("declarative"),
        }
    }
}

impl Serialize for Logic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:?}"))
    }
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

    /// Where the rule's documentation lives on the web (custom rules: the rule list page).
    pub fn help_uri(&self) -> String {
        if self.pack == CUSTOM_PACK {
            return format!("{}/blob/main/docs/rules.md", env!("CARGO_PKG_REPOSITORY"));
        }
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

/// The pack name of rules loaded from `--rules` paths and configured rule directories.
pub const CUSTOM_PACK: &str = "custom";

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

    /// The ids of the built-in rules, without compiling them.
    pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
        builtin::ids()
    }

    /// Whether a Python rule's `resolves-to` names the instance `class` (`ldap3.Connection()`):
    /// only Python files resolve a variable to the object a project function returns (see
    /// [`crate::taint::across::RequestReturns::object_at`]).
    pub fn names_instance(&self, class: &str) -> bool {
        self.rules.iter().any(|rule| {
            rule.logic
                .matcher(Language::Python)
                .is_some_and(|matcher| matcher.names_instance(class))
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The rule that runs the built-in detector `kind`, if the set has one.
    pub fn with_detector(&self, kind: DetectorKind) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| matches!(rule.logic, Logic::Detector(found) if found == kind))
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

    /// A rule set of these rules, sorted by id (ids must already be unique).
    pub fn from_rules(mut rules: Vec<Rule>) -> RuleSet {
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        RuleSet { rules }
    }

    /// Keep only the rules for which `keep` holds.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
    }

    /// Mutable access, for configuration overrides such as severities.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Rule> {
        self.rules.iter_mut()
    }

    /// All rules of both sets; fails on an id present in both.
    pub fn merge(self, other: RuleSet) -> Result<RuleSet, String> {
        let mut rules = self.rules;
        for rule in other.rules {
            if rules.iter().any(|r| r.id == rule.id) {
                return Err(rule.id);
            }
            rules.push(rule);
        }
        Ok(RuleSet::from_rules(rules))
    }
}
