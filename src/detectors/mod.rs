//! Built-in detectors: the Rust code behind rules whose logic a pattern cannot express.
//!
//! A detector walks one parsed file and reports [`Match`]es; the rule file that names it
//! supplies the id, severity, message and help. Each detector exists per language.

mod broad_exception_swallowed;
mod idor_unscoped_lookup;
mod sql_string_built;

use crate::parse::ParsedFile;
use crate::source::Language;
use std::ops::Range;

/// A capture a detector adds to a match (with the value `lower`) to report it one step less
/// confident than its rule.
pub const CONFIDENCE: &str = "CONFIDENCE";

/// A place a detector flags, with named values for the rule's message (`$NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub bytes: Range<usize>,
    pub captures: Vec<(&'static str, String)>,
}

/// One detector for one language.
pub struct Detector {
    pub name: &'static str,
    pub language: Language,
    /// The names a detector fills in for messages, without `$`.
    pub captures: &'static [&'static str],
    /// Text one of which must occur in a file for the detector to find anything there; files
    /// without any are not walked.
    pub needs_any: &'static [&'static str],
    pub check: fn(&ParsedFile, &mut Vec<Match>),
}

const DETECTORS: &[Detector] = &[
    Detector {
        name: "sql-string-built",
        language: Language::Python,
        captures: sql_string_built::CAPTURES,
        needs_any: sql_string_built::PYTHON_NEEDS,
        check: sql_string_built::python::check,
    },
    Detector {
        name: "sql-string-built",
        language: Language::Rust,
        captures: sql_string_built::CAPTURES,
        needs_any: sql_string_built::RUST_NEEDS,
        check: sql_string_built::rust::check,
    },
    Detector {
        name: "broad-exception-swallowed",
        language: Language::Python,
        captures: broad_exception_swallowed::CAPTURES,
        needs_any: broad_exception_swallowed::PYTHON_NEEDS,
        check: broad_exception_swallowed::python::check,
    },
    Detector {
        name: "broad-exception-swallowed",
        language: Language::Rust,
        captures: broad_exception_swallowed::CAPTURES,
        needs_any: broad_exception_swallowed::RUST_NEEDS,
        check: broad_exception_swallowed::rust::check,
    },
    Detector {
        name: "idor-unscoped-lookup",
        language: Language::Python,
        captures: idor_unscoped_lookup::CAPTURES,
        needs_any: idor_unscoped_lookup::PYTHON_NEEDS,
        check: idor_unscoped_lookup::python::check,
    },
    Detector {
        name: "idor-unscoped-lookup",
        language: Language::Rust,
        captures: idor_unscoped_lookup::CAPTURES,
        needs_any: idor_unscoped_lookup::RUST_NEEDS,
        check: idor_unscoped_lookup::rust::check,
    },
];

impl Detector {
    /// Whether the detector can find anything in `text` (a cheap substring test).
    pub fn may_match(&self, text: &str) -> bool {
        self.needs_any.iter().any(|needle| text.contains(needle))
    }
}

/// The detector called `name` for `language`.
pub fn find(name: &str, language: Language) -> Option<&'static Detector> {
    DETECTORS
        .iter()
        .find(|detector| detector.name == name && detector.language == language)
}
