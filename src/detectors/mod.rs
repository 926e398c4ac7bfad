//! Built-in detectors: the Rust code behind rules whose logic a pattern cannot express.
//!
//! A rule file names its detector; [`DetectorKind`] is the registry. Most detectors walk one
//! parsed file per language ([`FileWalk`]) and report [`Match`]es; the rule supplies the id,
//! severity, message and help. `missing-authorization` is judged on the linked project, and the
//! two meta rules on a file's suppressions.

mod broad_exception_swallowed;
mod idor_unscoped_lookup;

pub use idor_unscoped_lookup::{
    summaries as unscoped_lookups, LookupSummary, RULE_ID as IDOR_RULE_ID,
};

use crate::parse::ParsedFile;
use crate::source::Language;
use std::fmt;
use std::ops::Range;

/// A capture a detector adds to a match (with the value `lower`) to report it one step less
/// confident than its rule.
pub const CONFIDENCE: &str = "CONFIDENCE";

/// A place a detector flags, with named values for the rule's message (`$NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub bytes: Range<usize>,
    pub captures: Vec<(&'static str, String)>,
    /// Other places that explain the match (the look-up inside a function the flagged call
    /// reaches).
    pub related: Vec<crate::finding::Related>,
    /// What the linked project must decide about the match (see [`crate::finding::LinkCheck`]).
    pub link_checks: Vec<crate::finding::LinkCheck>,
}

/// The built-in detectors. A rule names one (`detector: idor-unscoped-lookup`); the name is read
/// into this once, when the rule is loaded, and every stage dispatches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetectorKind {
    BroadExceptionSwallowed,
    IdorUnscopedLookup,
    /// Judged on the linked project ([`crate::app::missing_authorization`]).
    MissingAuthorization,
    /// Judged on a file's suppression comments ([`crate::suppress`]), as is the next.
    SuppressionWithoutReason,
    UnusedSuppression,
}

impl DetectorKind {
    pub const ALL: [DetectorKind; 5] = [
        DetectorKind::BroadExceptionSwallowed,
        DetectorKind::IdorUnscopedLookup,
        DetectorKind::MissingAuthorization,
        DetectorKind::SuppressionWithoutReason,
        DetectorKind::UnusedSuppression,
    ];

    /// The name rule files give it.
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::BroadExceptionSwallowed => "broad-exception-swallowed",
            DetectorKind::IdorUnscopedLookup => "idor-unscoped-lookup",
            DetectorKind::MissingAuthorization => "missing-authorization",
            DetectorKind::SuppressionWithoutReason => "suppression-without-reason",
            DetectorKind::UnusedSuppression => "unused-suppression",
        }
    }

    /// The detector a rule file names as `name`.
    pub fn from_name(name: &str) -> Option<DetectorKind> {
        DetectorKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The names it fills in for messages, without `$`.
    pub fn captures(self) -> &'static [&'static str] {
        match self {
            DetectorKind::BroadExceptionSwallowed => broad_exception_swallowed::CAPTURES,
            DetectorKind::IdorUnscopedLookup => idor_unscoped_lookup::CAPTURES,
            DetectorKind::MissingAuthorization => crate::app::missing_authorization::CAPTURES,
            DetectorKind::SuppressionWithoutReason | DetectorKind::UnusedSuppression => {
                crate::suppress::CAPTURES
            }
        }
    }

    /// Whether it walks the files one by one (else it is judged on the linked project or on
    /// suppressions).
    pub fn walks_files(self) -> bool {
        !matches!(
            self,
            DetectorKind::MissingAuthorization
                | DetectorKind::SuppressionWithoutReason
                | DetectorKind::UnusedSuppression
        )
    }

    /// Its walk of one file in `language`; `None` for the detectors judged on the linked project
    /// or on suppressions.
    pub fn file_walk(self, language: Language) -> Option<FileWalk> {
        use Language::{Python, Rust};
        let (needs_any, check): (&'static [&'static str], Check) = match (self, language) {
            (DetectorKind::BroadExceptionSwallowed, Python) => (
                broad_exception_swallowed::PYTHON_NEEDS,
                broad_exception_swallowed::python::check,
            ),
            (DetectorKind::BroadExceptionSwallowed, Rust) => (
                broad_exception_swallowed::RUST_NEEDS,
                broad_exception_swallowed::rust::check,
            ),
            (DetectorKind::IdorUnscopedLookup, Python) => (
                idor_unscoped_lookup::PYTHON_NEEDS,
                idor_unscoped_lookup::python::check,
            ),
            (DetectorKind::IdorUnscopedLookup, Rust) => (
                idor_unscoped_lookup::RUST_NEEDS,
                idor_unscoped_lookup::rust::check,
            ),
            (
                DetectorKind::MissingAuthorization
                | DetectorKind::SuppressionWithoutReason
                | DetectorKind::UnusedSuppression,
                _,
            ) => return None,
        };
        Some(FileWalk { needs_any, check })
    }
}

impl fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A detector's walk of one parsed file.
type Check = fn(&ParsedFile, &mut Vec<Match>);

/// How a detector walks one file of one language.
#[derive(Clone, Copy)]
pub struct FileWalk {
    /// Text one of which must occur in a file for the detector to find anything there; files
    /// without any are not walked.
    pub needs_any: &'static [&'static str],
    pub check: Check,
}

impl FileWalk {
    /// Whether the detector can find anything in `text` (a cheap substring test).
    pub fn may_match(&self, text: &str) -> bool {
        self.needs_any.iter().any(|needle| text.contains(needle))
    }
}

#[cfg(test)]
mod tests {
    use super::DetectorKind;

    #[test]
    fn every_name_reads_back_as_its_detector() {
        for kind in DetectorKind::ALL {
            assert_eq!(DetectorKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(DetectorKind::from_name("sql-string-built"), None);
    }
}
