//! Regexes of rule files, compiled on first use and shared by text.
//!
//! The built-in packs hold hundreds of regexes and building their automata was most of the
//! start-up time; a scan of one file needs few of them. Loading a rule only parses the regex
//! (`regex-syntax`, which reports every error but an oversized automaton), and every rule that writes the same regex shares one compiled automaton.

use regex::Regex;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// A regex whose automaton is built the first time it is matched.
#[derive(Clone)]
pub struct LazyRegex(Arc<Inner>);

struct Inner {
    source: String,
    /// `None` when the regex passed the syntax check but exceeds the automaton size limit:
    /// it then matches nothing.
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Check the syntax of `source`; the automaton is built later. The error explains what is wrong.
    pub fn new(source: &str) -> Result<LazyRegex, String> {
        type Interned = Mutex<HashMap<String, LazyRegex>>;
        static INTERNED: LazyLock<Interned> = LazyLock::new(|| Mutex::new(HashMap::new()));
        if let Some(known) = INTERNED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(source)
        {
            return Ok(known.clone());
        }
        regex_syntax::parse(source).map_err(|err| err.to_string())?;
        let regex = LazyRegex(Arc::new(Inner {
            source: source.to_string(),
            compiled: OnceLock::new(),
        }));
        INTERNED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(source.to_string(), regex.clone());
        Ok(regex)
    }

    /// The regex as written.
    pub fn as_str(&self) -> &str {
        &self.0.source
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.0
            .compiled
            .get_or_init(|| Regex::new(&self.0.source).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(text))
    }
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
