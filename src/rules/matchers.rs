//! A declarative rule's matchers, one per language it names. Rule files from disk are compiled
//! while loading, so that errors point at their line; the built-in rules, which the test suite
//! compiles and checks, are compiled per language when a file of that language first needs them,
//! so that a scan of Python files never compiles the Rust patterns.

use super::compile::{self, Checked};
use super::schema::{RawCondition, RawConstraint, RawTaint};
use crate::matcher::Matcher;
use crate::source::Language;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A rule's `match`, `where`, `focus` and `taint` as written.
pub(super) struct MatchSource {
    pub matching: Spanned<RawCondition>,
    pub constraints: BTreeMap<String, Spanned<RawConstraint>>,
    pub focus: Option<Spanned<String>>,
    pub taint: Option<Spanned<RawTaint>>,
}

/// The matchers of one rule, by language.
pub struct Matchers {
    /// What the matchers not compiled yet are compiled from.
    source: Option<MatchSource>,
    by_language: Vec<(Language, OnceLock<Matcher>)>,
}

impl Matchers {
    /// Matchers compiled while loading.
    pub(super) fn compiled(matchers: Vec<(Language, Matcher)>) -> Matchers {
        let by_language = matchers
            .into_iter()
            .map(|(language, matcher)| (language, OnceLock::from(matcher)))
            .collect();
        Matchers {
            source: None,
            by_language,
        }
    }

    /// Matchers for `languages`, compiled from `source` on first use.
    pub(super) fn deferred(languages: &[Language], source: MatchSource) -> Matchers {
        Matchers {
            source: Some(source),
            by_language: languages.iter().map(|&l| (l, OnceLock::new())).collect(),
        }
    }

    /// The matcher for `language`, if the rule names the language.
    pub fn get(&self, language: Language) -> Option<&Matcher> {
        let (_, matcher) = self.by_language.iter().find(|(l, _)| *l == language)?;
        Some(matcher.get_or_init(|| self.compile(language)))
    }

    /// A deferred matcher: only built-in rules are deferred, and the test suite compiles every
    /// one of them, so a failure here is a build defect.
    fn compile(&self, language: Language) -> Matcher {
        let source = self
            .source
            .as_ref()
            .expect("deferred matchers keep their source");
        let compiled = compile::compile(
            &source.matching,
            language,
            &source.constraints,
            source.focus.as_ref(),
            source.taint.as_ref(),
            Checked::ByTests,
        );
        match compiled {
            Ok(compiled) => compiled.matcher,
            Err(problem) => panic!("a built-in rule does not compile: {}", problem.message),
        }
    }
}
