//! The YAML shape of rule files, as written by people. Every value that can be wrong keeps its
//! location so errors point at the line. See docs/rules.md for the language.

use super::{Confidence, Severity, TestCodePolicy};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRule {
    pub id: Spanned<String>,
    pub name: String,
    pub message: Spanned<String>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub languages: Vec<Spanned<String>>,
    pub cwe: Vec<u32>,
    pub owasp: Vec<Spanned<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Rule ids whose findings on the same lines this rule's findings replace.
    #[serde(default)]
    pub supersedes: Vec<String>,
    /// Codes of the equivalent checks in Ruff (`S301`) and Bandit (`B301`): a `noqa`/`nosec`
    /// naming one on the finding's line lowers its confidence.
    #[serde(default)]
    pub peer_codes: Vec<Spanned<String>>,
    pub fix: String,
    pub help: String,
    /// A built-in detector (Rust code) …
    pub detector: Option<Spanned<String>>,
    /// … or declarative matching logic.
    #[serde(rename = "match")]
    pub matching: Option<Spanned<RawCondition>>,
    /// Constraints on metavariables, by name (with or without `$`).
    #[serde(default, rename = "where")]
    pub constraints: BTreeMap<String, Spanned<RawConstraint>>,
    /// Report this metavariable's node instead of the whole match.
    pub focus: Option<Spanned<String>>,
    /// The rule's own taint sources and sanitizers, for `tainted:` constraints.
    pub taint: Option<Spanned<RawTaint>>,
    #[serde(default)]
    pub paths: RawPaths,
    /// Whether the rule runs on test code.
    #[serde(default)]
    pub test_code: TestCodePolicy,
}

/// One condition; several keys in one mapping must all hold.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawCondition {
    pub pattern: Option<Spanned<String>>,
    pub kind: Option<Spanned<OneOrMany>>,
    pub regex: Option<Spanned<String>>,
    pub query: Option<Spanned<String>>,
    pub all: Option<Vec<Spanned<RawCondition>>>,
    pub any: Option<Vec<Spanned<RawCondition>>>,
    pub not: Option<Box<Spanned<RawCondition>>>,
    pub inside: Option<Box<Spanned<RawCondition>>>,
    pub not_inside: Option<Box<Spanned<RawCondition>>>,
    pub has: Option<Box<Spanned<RawCondition>>>,
    pub not_has: Option<Box<Spanned<RawCondition>>>,
    pub follows: Option<Box<Spanned<RawCondition>>>,
    pub precedes: Option<Box<Spanned<RawCondition>>>,
    pub in_handler: Option<Spanned<RawHandler>>,
    /// The node is (true) or is not (false) test code.
    pub in_test_code: Option<bool>,
    /// The value named at the node is (true) or is not (false) used as an object.
    pub used_as_object: Option<bool>,
    /// When this condition holds too, the finding is one step less confident.
    pub lower_confidence: Option<Box<Spanned<RawCondition>>>,
    /// When this condition holds too, the finding is one step less severe.
    pub lower_severity: Option<Box<Spanned<RawCondition>>>,
    /// Constraints on the metavariables bound so far, tested after this mapping's other keys
    /// (so one branch of an `any` can constrain what only it binds).
    #[serde(default, rename = "where")]
    pub constraints: Option<BTreeMap<String, Spanned<RawConstraint>>>,
    /// For the target of `inside`/`has`/`follows`/`precedes`: `end` (default) or `neighbor`.
    pub stop_by: Option<Spanned<String>>,
    /// For the target of `has`: only children in this grammar field.
    pub field: Option<Spanned<String>>,
    /// Per-language conditions, only at the top of `match`.
    pub python: Option<Box<Spanned<RawCondition>>>,
    pub rust: Option<Box<Spanned<RawCondition>>>,
}

impl RawCondition {
    /// Whether any key other than the `python:`/`rust:` branches is set.
    pub fn has_condition_keys(&self) -> bool {
        [
            self.pattern.is_some(),
            self.kind.is_some(),
            self.regex.is_some(),
            self.query.is_some(),
            self.all.is_some(),
            self.any.is_some(),
            self.not.is_some(),
            self.inside.is_some(),
            self.not_inside.is_some(),
            self.has.is_some(),
            self.not_has.is_some(),
            self.follows.is_some(),
            self.precedes.is_some(),
            self.in_handler.is_some(),
            self.in_test_code.is_some(),
            self.used_as_object.is_some(),
            self.lower_confidence.is_some(),
            self.lower_severity.is_some(),
            self.constraints.is_some(),
            self.stop_by.is_some(),
            self.field.is_some(),
        ]
        .contains(&true)
    }
}

/// `in-handler: true` or a filter on the handler.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawHandler {
    Any(bool),
    Filter(RawHandlerFilter),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawHandlerFilter {
    pub authenticated: Option<bool>,
    pub staff: Option<bool>,
    pub route: Option<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub frameworks: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConstraint {
    pub regex: Option<String>,
    pub not_regex: Option<String>,
    pub kind: Option<OneOrMany>,
    pub one_of: Option<Vec<String>>,
    pub not_one_of: Option<Vec<String>>,
    /// The bound value, read through a constant of the same file, is one of these.
    pub value_one_of: Option<Vec<String>>,
    /// The bound value's text, read through a constant of the same file (quotes included),
    /// matches this regex.
    pub value_regex: Option<String>,
    pub from_request: Option<bool>,
    pub from_input: Option<bool>,
    pub tainted: Option<bool>,
    pub from_path_segment: Option<bool>,
    /// The bound Rust value's type is a struct of the project deriving `Debug` with a field whose
    /// name matches this regex (itself or through nested structs).
    pub debug_shows_field: Option<String>,
    /// The bound text is built from values that are not constants: `true`, or `sql` when its
    /// literal parts must also read as SQL.
    pub built: Option<RawBuilt>,
    /// Some value spliced into the bound text that is not a constant derives from request
    /// input or a parameter of its function.
    pub spliced_from_input: Option<bool>,
    /// Qualified names (or patterns of them) the bound name must refer to.
    pub resolves_to: Option<OneOrMany>,
    /// … or must not refer to (a name nothing in the file binds never does).
    pub not_resolves_to: Option<OneOrMany>,
    /// The bound name is a class that some handler takes from the client (decided when the
    /// project is linked).
    pub request_model: Option<RawRequestModel>,
    /// `false`: the bound name is not a Celery task whose base class defers publishing to
    /// `transaction.on_commit` (decided when the project is linked).
    pub defers_to_commit: Option<bool>,
    /// `false`: the bound name is the method of a call that runs no function of the project
    /// (decided for other files when the project is linked).
    pub defined_in_project: Option<bool>,
    /// `false`: the bound name is an attribute no class of the project assigns through a
    /// property setter or validator (decided when the project is linked).
    pub property_setter: Option<bool>,
    /// `false`: the bound name is not a class the project declares as a validated data schema
    /// (a subclass of pydantic's `BaseModel`, through bases in any file; decided when the
    /// project is linked).
    pub schema_class: Option<bool>,
    /// `false`: the bound name is not assigned again by every module of the project that
    /// star-imports this one (a base settings module whose value each real settings module
    /// replaces; decided when the project is linked).
    pub rebound_by_importers: Option<bool>,
    /// The bound string names a template that prints the variable held by this metavariable
    /// without escaping (decided when the project is linked).
    pub prints_unescaped: Option<String>,
}

/// `request-model: true`, or `request-model: { field: NAME }` to also require that no handler
/// that takes the class bounds the field held by metavariable `NAME` itself, or
/// `request-model: { required: false }` to keep classes no handler takes (only the lowering for
/// read-only models applies, and with `staff-lowers: true` the one for staff-only models).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawRequestModel {
    Flag(bool),
    Field(RawModelField),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawModelField {
    pub field: Option<String>,
    pub required: Option<bool>,
    pub staff_lowers: Option<bool>,
}

/// `built: true` or `built: sql`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawBuilt {
    Flag(bool),
    Reads(String),
}

/// `taint:` — what a rule adds to (or takes from) the built-in taint tracking.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTaint {
    /// More sources: a node matching one of these is client input.
    #[serde(default)]
    pub sources: Vec<Spanned<RawCondition>>,
    /// A node matching one of these carries no taint (`shlex.quote(...)`).
    #[serde(default)]
    pub sanitizers: Vec<Spanned<RawCondition>>,
    /// Whether request input (accessors and handler parameters) is a source; default true.
    pub request: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPaths {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A string or a list of strings.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}
