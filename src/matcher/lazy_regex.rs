//! Regexes of rule files, compiled on first use and shared by text.
//!
//! The built-in packs hold hundreds of regexes and building their automata was most of the
//! start-up time; a scan of one file needs few of them. Loading a rule from disk only parses the
//! regex (`regex-syntax`, which reports every error but an oversized automaton); the built-in
//! ones, which the test suite checks, are not even parsed until the pre-filter asks for their
//! literals. Every rule that writes the same regex shares one compiled automaton.
//!
//! Most texts are ASCII, and Unicode classes (`\w`, case folding) make an automaton costly to
//! build: an ASCII text is matched by the regex compiled without Unicode, which finds the same
//! matches there, and the Unicode automaton is built only for a text that needs it.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// A regex whose automaton is built the first time it is matched.
#[derive(Clone)]
pub struct LazyRegex(Arc<Inner>);

struct Inner {
    source: String,
    /// Literal sets every match contains one literal of each of, most selective first
    /// ([`super::prefilter::regex_literals`]), found once.
    literals: OnceLock<Vec<Vec<String>>>,
    /// An automaton that finds the first set's, built when the regex is first matched.
    finder: OnceLock<Option<AhoCorasick>>,
    /// `None` when the regex passed the syntax check but exceeds the automaton size limit:
    /// it then matches nothing.
    compiled: OnceLock<Option<Regex>>,
    /// The regex without Unicode, for ASCII texts; `None` when it could differ there.
    ascii: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Check the syntax of `source`; the automaton is built later. The error explains what is wrong.
    pub fn new(source: &str) -> Result<LazyRegex, String> {
        if let Some(known) = interned().get(source) {
            return Ok(known.clone());
        }
        regex_syntax::parse(source).map_err(|err| err.to_string())?;
        Ok(LazyRegex::unchecked(source))
    }

    /// A regex whose syntax is known to be valid (a built-in rule's): not parsed now. Were it
    /// invalid after all, it would match nothing.
    pub fn unchecked(source: &str) -> LazyRegex {
        interned()
            .entry(source.to_string())
            .or_insert_with(|| {
                LazyRegex(Arc::new(Inner {
                    source: source.to_string(),
                    literals: OnceLock::new(),
                    finder: OnceLock::new(),
                    compiled: OnceLock::new(),
                    ascii: OnceLock::new(),
                }))
            })
            .clone()
    }

    /// Literal sets every match contains one literal of each of, most selective first (for the
    /// pre-filter).
    pub fn literals(&self) -> Vec<Vec<String>> {
        self.known_literals().to_vec()
    }

    fn known_literals(&self) -> &[Vec<String>] {
        self.0
            .literals
            .get_or_init(|| super::prefilter::regex_literals(&self.0.source))
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        &self.0.source
    }

    /// Whether the regex matches somewhere in `text`. Until the automaton is needed, a text that
    /// holds none of the literals every match contains is answered without building it.
    pub fn is_match(&self, text: &str) -> bool {
        let inner = &*self.0;
        let finder = || {
            let literals = self.known_literals().first()?;
            // The quickest to build: most regexes are asked about a few texts only.
            super::prefilter::finder(literals, Some(AhoCorasickKind::NoncontiguousNFA))
        };
        let built =
            inner.compiled.get().is_some() || inner.ascii.get().is_some_and(Option::is_some);
        if !built
            && inner
                .finder
                .get_or_init(finder)
                .as_ref()
                .is_some_and(|finder| !finder.is_match(text))
            && !super::prefilter::folds_outside_ascii(text)
        {
            return false;
        }
        if text.is_ascii() {
            if let Some(ascii) = inner.ascii.get_or_init(|| ascii_regex(&inner.source)) {
                return ascii.is_match(text);
            }
        }
        inner
            .compiled
            .get_or_init(|| automaton(&inner.source, true))
            .as_ref()
            .is_some_and(|regex| regex.is_match(text))
    }
}

/// The most each ASCII regex's lazy DFA caches per thread (the default, 2 MiB, lets the caches
/// of a few hundred regexes grow with the length of a scan; these automata are small).
const ASCII_DFA_CACHE: usize = 256 * 1024;

/// `source` compiled without Unicode, when that matches exactly what the Unicode regex matches
/// in any ASCII text: the pattern is ASCII and names no character by its code (`\x`, `\u`,
/// `\p`), so its classes and case folding differ only outside ASCII. (A regex whose Unicode
/// automaton exceeds the size limit, which matches nothing, may match ASCII texts this way.)
fn ascii_regex(source: &str) -> Option<Regex> {
    let by_code = ["\\x", "\\u", "\\U", "\\p", "\\P"];
    if !source.is_ascii() || by_code.iter().any(|escape| source.contains(escape)) {
        return None;
    }
    automaton(source, false)
}

/// `source` compiled for [`LazyRegex::is_match`]: without the states of its own capture
/// groups, which a match test never reads and whose slots every search cache of the regex
/// (one per thread) would otherwise hold for each state, and without the one-pass DFA, an
/// engine for reporting where groups matched (a match test the lazy DFA cannot finish falls
/// back to the bounded backtracker or the PikeVM, as for any regex that is not one-pass).
fn automaton(source: &str, unicode: bool) -> Option<Regex> {
    let mut config = meta::Config::new()
        .which_captures(WhichCaptures::Implicit)
        .onepass(false);
    if !unicode {
        config = config.hybrid_cache_capacity(ASCII_DFA_CACHE);
    }
    meta::Builder::new()
        .configure(config)
        .syntax(syntax::Config::new().unicode(unicode).utf8(unicode))
        .build(source)
        .ok()
}

/// Every regex made so far, by text.
fn interned() -> std::sync::MutexGuard<'static, HashMap<String, LazyRegex>> {
    static INTERNED: LazyLock<Mutex<HashMap<String, LazyRegex>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    INTERNED.lock().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.source)
    }
}

#[cfg(test)]
mod tests {
    use super::LazyRegex;
    use std::sync::Arc;

    #[test]
    fn checks_syntax_at_once_and_shares_the_automaton() {
        assert!(LazyRegex::new("(unclosed").is_err());
        let first = LazyRegex::new(r"^(password|token)$").unwrap();
        let second = LazyRegex::new(r"^(password|token)$").unwrap();
        assert!(Arc::ptr_eq(&first.0, &second.0));
        assert!(first.is_match("token"));
        assert!(!second.is_match("tokens"));
    }
}
