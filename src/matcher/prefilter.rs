//! Cheap pre-filters: sets of literals, one of each of which must occur in a file before a rule
//! can match there.
//! They are derived from the rule's code patterns, so rule authors never write them.

use super::regex_literals::{self as literals, MIN_LITERAL};
use super::{Condition, Constraint, ConstraintTest, TaintSpec};
use crate::source::Language;
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::collections::BTreeSet;

/// At most this many literal sets are derived from one `any` (they multiply per branch).
const MAX_SETS: usize = 16;

/// For every set in `all_of`, at least one of its literals must occur in the file text, or the
/// rule cannot match (no sets: always run the rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefilter {
    pub all_of: Vec<Vec<String>>,
}

impl Prefilter {
    /// What a file must contain for `condition` and every `constraints` test of a rule for
    /// `language` with `taint` sources to hold: the literal sets each of them requires.
    pub fn of(
        condition: &Condition,
        constraints: &[Constraint],
        taint: &TaintSpec,
        language: Language,
    ) -> Prefilter {
        let cx = Cx {
            language,
            sources: own_sources(taint, language),
        };
        // A constraint only binds the file when every match binds its metavariable.
        let always = always_bound(condition);
        let mut all_of = cx.required(condition);
        all_of.extend(
            constraints
                .iter()
                .filter(|constraint| always.contains(constraint.var.as_str()))
                .flat_map(|constraint| cx.constraint_literals(constraint)),
        );
        for set in &mut all_of {
            set.sort();
            set.dedup();
        }
        all_of.sort();
        all_of.dedup();
        Prefilter { all_of }
    }
}

/// What deriving a rule's literal sets needs beside its condition.
struct Cx {
    language: Language,
    /// With sources of the rule's own (not request input), the literals one of which a value
    /// they taint needs in the file: the tracer follows them within the file (one literal set of
    /// each source, joined).
    sources: Option<Vec<String>>,
}

/// The joined literal set of `taint`'s own sources (see [`Cx::sources`]).
fn own_sources(taint: &TaintSpec, language: Language) -> Option<Vec<String>> {
    if taint.request || taint.sources.is_empty() {
        return None;
    }
    let cx = Cx {
        language,
        sources: None,
    };
    let mut joined = Vec::new();
    for source in &taint.sources {
        joined.extend(
            cx.required(source)
                .into_iter()
                .max_by_key(|set| literals::selectivity(set))?,
        );
    }
    Some(joined)
}

impl Cx {
    /// Literals one of which a constraint's bound text must contain.
    fn constraint_literals(&self, constraint: &Constraint) -> Vec<Vec<String>> {
        let one = match &constraint.test {
            ConstraintTest::Tainted(true) => self.sources.clone(),
            ConstraintTest::Regex(regex) => return regex.literals(),
            ConstraintTest::OneOf(values) => (!values.is_empty()
                && values.iter().all(|value| value.trim().len() >= MIN_LITERAL))
            .then(|| values.clone()),
            ConstraintTest::ResolvesTo(names) => names
                .last_parts
                .clone()
                .filter(|parts| !parts.is_empty() && parts.iter().all(|p| p.len() >= MIN_LITERAL)),
            _ => None,
        };
        one.into_iter().collect()
    }

    /// The literal sets a file must contain for `condition` to hold somewhere in it: one literal of
    /// each set.
    fn required(&self, condition: &Condition) -> Vec<Vec<String>> {
        match condition {
            Condition::Pattern(pattern) => {
                let literal = pattern.fixed_string();
                if literal.trim().len() >= MIN_LITERAL {
                    vec![vec![literal.into_owned()]]
                } else {
                    Vec::new()
                }
            }
            // Every part of a conjunction holds.
            Condition::All(all) => all.iter().flat_map(|part| self.required(part)).collect(),
            // One branch holds: for each way of taking one set of each branch, one literal of
            // their union (a bounded number of ways; past it, each branch's most selective set).
            Condition::Any(any) => {
                let mut ways: Vec<Vec<String>> = vec![Vec::new()];
                for branch in any {
                    let mut sets = self.required(branch);
                    if sets.is_empty() {
                        return Vec::new();
                    }
                    // Most selective first; of equals, the one written last.
                    sets.sort_by_cached_key(|set| literals::selectivity(set));
                    sets.reverse();
                    let keep = if ways.len() * sets.len() > MAX_SETS {
                        1
                    } else {
                        sets.len()
                    };
                    ways = ways
                        .iter()
                        .flat_map(|way| {
                            sets[..keep]
                                .iter()
                                .map(move |set| way.iter().chain(set).cloned().collect())
                        })
                        .collect();
                }
                ways
            }
            Condition::Inside(rel)
            | Condition::Has(rel)
            | Condition::Follows(rel)
            | Condition::Precedes(rel) => self.required(&rel.condition),
            Condition::Query(query) => {
                let mut sets = query.required_literals().to_vec();
                sets.extend(query.roots().and_then(|roots| self.keywords(roots)));
                sets
            }
            Condition::Regex(regex) => regex.literals(),
            // A nested `where:` tests text bound in this file, and fails on an unbound name.
            Condition::Where(constraints) => constraints
                .iter()
                .flat_map(|c| self.constraint_literals(c))
                .collect(),
            Condition::Kind(kinds) => self.keywords(&kinds.names).into_iter().collect(),
            // A route filter is asked of whole paths: the prefixes that mount a handler, and
            // routes registered in other files, are not in its file's text.
            Condition::Not(_)
            | Condition::InHandler(_)
            | Condition::InTestCode
            | Condition::UsedAsObject
            | Condition::Lower(..) => Vec::new(),
        }
    }

    /// The keywords one of which a node of one of `kinds` holds, when each kind has one.
    fn keywords(&self, kinds: &[String]) -> Option<Vec<String>> {
        kinds
            .iter()
            .map(|kind| keyword(kind, self.language).map(str::to_string))
            .collect()
    }
}

/// The keyword every node of `kind` holds, for the kinds that have one of at least
/// [`MIN_LITERAL`] letters.
fn keyword(kind: &str, language: Language) -> Option<&'static str> {
    let keyword = match (language, kind) {
        (Language::Python, "assert_statement") => "assert",
        (Language::Python, "class_definition") => "class",
        (Language::Python, "delete_statement") => "del",
        (Language::Python, "except_clause" | "except_group_clause") => "except",
        (Language::Python, "finally_clause") => "finally",
        (Language::Python, "for_statement") => "for",
        (Language::Python, "function_definition") => "def",
        (Language::Python, "global_statement") => "global",
        (Language::Python, "import_statement" | "import_from_statement") => "import",
        (Language::Python, "lambda") => "lambda",
        (Language::Python, "raise_statement") => "raise",
        (Language::Python, "return_statement") => "return",
        (Language::Python, "try_statement") => "try",
        (Language::Python, "while_statement") => "while",
        (Language::Python, "with_statement") => "with",
        (Language::Rust, "impl_item") => "impl",
        (Language::Rust, "let_declaration") => "let",
        (Language::Rust, "match_expression") => "match",
        (Language::Rust, "return_expression") => "return",
        (Language::Rust, "struct_item") => "struct",
        (Language::Rust, "unsafe_block") => "unsafe",
        (Language::Rust, "use_declaration") => "use",
        _ => return None,
    };
    Some(keyword)
}

/// The metavariables every match of `condition` binds (conservatively: relations and queries
/// count as binding nothing).
fn always_bound(condition: &Condition) -> BTreeSet<String> {
    match condition {
        Condition::Pattern(pattern) => pattern
            .defined_vars()
            .into_iter()
            .map(str::to_string)
            .collect(),
        Condition::All(all) => all.iter().flat_map(always_bound).collect(),
        Condition::Any(any) => {
            let mut branches = any.iter().map(always_bound);
            let first = branches.next().unwrap_or_default();
            branches.fold(first, |common, branch| {
                common.intersection(&branch).cloned().collect()
            })
        }
        _ => BTreeSet::new(),
    }
}

/// An automaton that finds `literals` as the pre-filters look for them: without regard to
/// ASCII case (regex literals are folded, see [`super::regex_literals`]).
pub(crate) fn finder(literals: &[String], kind: Option<AhoCorasickKind>) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .kind(kind)
        .ascii_case_insensitive(true)
        .build(literals)
        .ok()
}

/// Whether `text` holds a character that folds onto an ASCII letter (`ſ`, the Kelvin sign),
/// which a folded literal's automaton does not see: such a text passes every pre-filter.
pub(crate) fn folds_outside_ascii(text: &str) -> bool {
    !text.is_ascii() && text.contains(['ſ', '\u{212A}'])
}

/// The literal sets of the built-in rules' regexes, found by `build.rs`: `(regex, sets)`,
/// sorted by regex.
const BUILT: &[(&str, &[&[&str]])] = include!(concat!(env!("OUT_DIR"), "/regex_literals.rs"));

/// [`literals::regex_literals`], looked up in [`BUILT`] for a built-in rule's regex.
pub(super) fn regex_literals(pattern: &str) -> Vec<Vec<String>> {
    match BUILT.binary_search_by_key(&pattern, |(regex, _)| regex) {
        Ok(at) => BUILT[at]
            .1
            .iter()
            .map(|set| set.iter().map(|l| l.to_string()).collect())
            .collect(),
        Err(_) => literals::regex_literals(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::{literals, regex_literals, BUILT};

    #[test]
    fn regexes_contribute_their_required_literals() {
        let one = |regex| {
            let sets = regex_literals(regex);
            assert!(sets.len() <= 1, "{regex}: {sets:?}");
            sets.into_iter().next()
        };
        assert_eq!(
            one("^(password|token|secret)$").unwrap(),
            ["password", "secret", "token"]
        );
        assert_eq!(
            one(r"^except( Exception)?:").unwrap(),
            ["except exception:", "except:"]
        );
        assert_eq!(one(r"\w+_id").unwrap(), ["_id"]);
        let suffixes = one(r"^(\w+\.)*(jwt|jose)$").unwrap();
        assert!(suffixes
            .iter()
            .all(|s| s.ends_with("jwt") || s.ends_with("jose")));
        assert_eq!(one(r"\w+_\d"), None);
        assert_eq!(one("^(a|bc)"), None);
    }

    #[test]
    fn required_factors_are_found_wherever_they_stand_and_folded() {
        // After a prefix of unknown length.
        assert_eq!(
            regex_literals(r"^@\s*(\w+\.)*csrf_exempt(\s|$)"),
            [["csrf_exempt"]]
        );
        // Every required factor, most selective first.
        assert_eq!(
            regex_literals(r"^verify\s*=\s*False$"),
            [vec!["verify"], vec!["false"]]
        );
        // Case-insensitive letters, `ſ` and the Kelvin sign among them, fold to one literal.
        assert_eq!(regex_literals("(?i)^secret_key$"), [["secret_key"]]);
        // One literal of each alternative, or nothing when one has none.
        assert_eq!(
            regex_literals(r"(?i)\b(api_?key|token)\b"),
            [["api_key", "apikey", "token"]]
        );
        assert!(regex_literals(r"(?i)(token|\w+_\d)$").is_empty());
        // A repeated part is required once; an optional one is not.
        assert_eq!(regex_literals(r"(\.json)+"), [[".json"]]);
        assert!(regex_literals(r"^(hashlib\.)?md").is_empty());
    }

    #[test]
    fn folded_literals_are_found_in_any_ascii_case() {
        let sets = regex_literals("(?i)secret");
        let finder = super::finder(&sets[0], None).unwrap();
        assert!(finder.is_match("SECRET = 1"));
        assert!(!finder.is_match("password"));
        assert!(super::folds_outside_ascii("ſecret"));
        assert!(!super::folds_outside_ascii("secret é"));
    }

    #[test]
    fn literals_found_at_build_time_are_those_found_now() {
        assert!(BUILT.len() > 100);
        assert!(BUILT.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (regex, built) in BUILT {
            let built: Vec<Vec<String>> = built
                .iter()
                .map(|set| set.iter().map(|l| l.to_string()).collect())
                .collect();
            assert_eq!(built, literals::regex_literals(regex), "{regex}");
        }
    }
}
