//! Whether a text is built from values that are not constants: SQL assembled with f-strings,
//! `%`, `.format()`, `format!` or `+` (`built:` in rules). A question for the taint engine: the
//! text is followed back through the bindings the engine finds to the places where values are
//! spliced into it, and each spliced value is traced with [`Question::NotConstant`], whose
//! sources are all values not known to be constant (literals, `UPPER_CASE` names, numbers, the
//! rule's sanitizers, and what the language module here knows to be fixed: quoted identifiers,
//! placeholder lists, dialect helpers of the database object).

mod python;
mod rust;

use super::{binding_step, Binding, Custom, CustomHook, Flow, Question, Step, Tracer};
use crate::app::handlers::FileModel;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::FieldChild;
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// How many bindings deep the text is followed (`sql = base + …`, `base = f"…"`).
const MAX_DEPTH: usize = 4;

/// How a value that is not a constant got into the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Interpolation,
    Percent,
    Format,
    Concatenation,
}

impl How {
    pub fn describe(self) -> &'static str {
        match self {
            How::Interpolation => "string interpolation",
            How::Percent => "`%` formatting",
            How::Format => "`.format()`",
            How::Concatenation => "string concatenation",
        }
    }
}

/// What the walk of a text found.
#[derive(Default)]
pub struct Built {
    /// The literal parts, to tell SQL from other text.
    pub literal: String,
    /// The first value spliced in that is not a constant: how, and its flow into the text.
    pub spliced: Option<(How, Flow)>,
    /// How many times `spliced` was set: once, or again by a value that holds outright.
    found: usize,
    /// Some value spliced in that is not a constant derives from request input or a parameter
    /// of its function (asked only by [`spliced_from_input`]).
    pub from_input: bool,
}

impl Built {
    /// Whether the literal parts read as SQL: a statement keyword followed by the clause it
    /// needs.
    pub fn reads_as_sql(&self) -> bool {
        static SQL: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?is)\b(select\b.+\bfrom|insert\s+into|update\b.+\bset\b|delete\s+from|where\b|order\s+by|group\s+by|(create|drop|alter|truncate)\s+(table|index|view)|values\s*\(|join\b.+\bon\b)",
            )
            .expect("the SQL regex is valid")
        });
        SQL.is_match(&self.literal)
    }
}

/// The text at `node` (an argument of the call that runs it): its literal parts and the first
/// value spliced into it that is not a constant, past the rule's `sanitizers`.
pub fn built(file: &ParsedFile, model: &FileModel, sanitizers: CustomHook, node: Node) -> Built {
    walk_text(file, model, sanitizers, node, false)
}

/// Whether a value spliced into the text at `node` that is not a constant derives from request
/// input or a parameter of its function: what the text is built from, not what it passes
/// through (`sql, binds = plugin.process(sql, identifier)` hands the text to code that may
/// replace it, but splices nothing into it here).
pub fn spliced_from_input(
    file: &ParsedFile,
    model: &FileModel,
    sanitizers: CustomHook,
    node: Node,
) -> bool {
    walk_text(file, model, sanitizers, node, true).from_input
}

fn walk_text(
    file: &ParsedFile,
    model: &FileModel,
    sanitizers: CustomHook,
    node: Node,
    origins: bool,
) -> Built {
    let connection = match file.language() {
        Language::Python => python::connection_names(file, node),
        Language::Rust => Vec::new(),
    };
    let hook = |candidate: Node| {
        let fixed = match file.language() {
            Language::Python => python::fixed(file, &connection, candidate),
            Language::Rust => rust::fixed(file, candidate),
        };
        fixed.or_else(|| sanitizers(candidate))
    };
    let mut walk = Walk {
        file,
        model: origins.then_some(model),
        values: Tracer::new(file, model, &hook, false).asking(Question::NotConstant),
        built: Built::default(),
    };
    match file.language() {
        Language::Python => python::text(&mut walk, node, 0),
        Language::Rust => rust::text(&mut walk, node, 0),
    }
    walk.built
}

/// Whether `node` is text known to be fixed wherever it stands (a quoted identifier, a
/// placeholder list): the language module's answer without a database object at hand.
pub fn fixed(file: &ParsedFile, node: Node) -> Option<Custom> {
    match file.language() {
        Language::Python => python::fixed(file, &[], node),
        Language::Rust => rust::fixed(file, node),
    }
}

/// A walk back through one text.
struct Walk<'a, 'f> {
    file: &'a ParsedFile<'f>,
    /// Present when the walk also asks where each spliced value comes from.
    model: Option<&'a FileModel>,
    /// Traces the values spliced in: is one anything but a constant?
    values: Tracer<'a, 'f>,
    built: Built,
}

impl Walk<'_, '_> {
    /// Whether `value`, spliced into the text at `at` by `how`, is not a constant; the first
    /// such value is the walk's finding.
    fn splice(&mut self, how: How, at: Node, value: Node) -> bool {
        let Some(mut flow) = self.values.trace(value) else {
            return false;
        };
        if let Some(model) = self.model {
            self.built.from_input |= Tracer::from_input(self.file, model, value)
                .trace(value)
                .is_some();
        }
        // An object of a project class is spliced in as its `__str__` makes it.
        if how != How::Concatenation {
            flow.through.extend(self.values.class_ref(value, "__str__"));
        }
        // A value that holds outright is preferred to one the link must still confirm (an
        // object spliced in through its class's `__str__`).
        let waits = |flow: &Flow| {
            !(flow.through.is_empty() && flow.validators.is_empty() && flow.tests.is_empty())
        };
        let better = match &self.built.spliced {
            None => true,
            Some((_, held)) => waits(held) && !waits(&flow),
        };
        if better {
            // Where the peer linters' `# noqa: S608` goes: at the end of a string that spans
            // lines, at the first line of strings concatenated over several lines.
            let line = self.file.text(at).lines().next().unwrap_or("").trim();
            let bytes = match at.parent() {
                Some(whole) if whole.kind() == "concatenated_string" => {
                    whole.start_byte()..whole.start_byte() + 1
                }
                _ => at.end_byte().saturating_sub(1)..at.end_byte(),
            };
            flow.steps.push(Step {
                bytes,
                label: format!(
                    "spliced into the text by {}: {}",
                    how.describe(),
                    super::shorten(line)
                ),
            });
            self.built.spliced = Some((how, flow));
            self.built.found += 1;
        }
        true
    }

    /// Walk the value `binding` gives `name` with `walk`, and name the binding on the flow if
    /// the spliced value was found there.
    fn through(&mut self, binding: &Binding, name: &str, walk: impl FnOnce(&mut Self)) {
        let found = self.built.found;
        walk(self);
        if self.built.found != found {
            if let Some((_, flow)) = &mut self.built.spliced {
                flow.steps.push(binding_step(self.file, binding, name));
            }
        }
    }

    /// What the walk has found so far, to tell whether a part added anything.
    fn progress(&self) -> (usize, usize) {
        (self.built.literal.len(), self.built.found)
    }
}

/// The value is fixed: what [`Custom::Sanitizer`] means for [`Question::NotConstant`].
fn fixed_if(condition: bool) -> Option<Custom> {
    condition.then_some(Custom::Sanitizer)
}

/// `x += …`.
pub(super) fn is_append(assignment: Node) -> bool {
    assignment
        .field_child("operator")
        .is_some_and(|operator| operator.kind() == "+=")
}

#[cfg(test)]
mod tests {
    use super::Built;

    #[test]
    fn sql_is_told_from_other_text() {
        let reads = |literal: &str| {
            Built {
                literal: literal.to_string(),
                ..Built::default()
            }
            .reads_as_sql()
        };
        assert!(reads("SELECT id FROM payments WHERE user_id = "));
        assert!(reads("update accounts set balance = "));
        assert!(reads("DELETE FROM sessions WHERE id = "));
        assert!(!reads("Hello, "));
        assert!(!reads("select a payment method"));
        assert!(!reads("https://api.example.com/v1/charges/"));
    }
}
