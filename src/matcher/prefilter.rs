//! Cheap pre-filters: sets of literals, one of each of which must occur in a file before a rule
//! can match there.
//! They are derived from the rule's code patterns, so rule authors never write them.

use super::{Condition, Constraint, ConstraintTest};
use std::collections::BTreeSet;

/// Literals shorter than this are too common to rule a file out.
const MIN_LITERAL: usize = 3;
/// At most this many literal sets are derived from one `any` (they multiply per branch).
const MAX_SETS: usize = 16;

/// For every set in `all_of`, at least one of its literals must occur in the file text, or the
/// rule cannot match (no sets: always run the rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefilter {
    pub all_of: Vec<Vec<String>>,
}

impl Prefilter {
    /// What a file must contain for `condition` and every `constraints` test to hold: the literal
    /// sets each of them requires.
    pub fn of(condition: &Condition, constraints: &[Constraint]) -> Prefilter {
        // A constraint only binds the file when every match binds its metavariable.
        let always = always_bound(condition);
        let constraints = constraints
            .iter()
            .filter(|constraint| always.contains(constraint.var.as_str()));
        let mut all_of = required(condition);
        all_of.extend(constraints.filter_map(constraint_literals));
        for set in &mut all_of {
            set.sort();
            set.dedup();
        }
        all_of.sort();
        all_of.dedup();
        Prefilter { all_of }
    }
}

/// Literals one of which a constraint's bound text must contain.
fn constraint_literals(constraint: &Constraint) -> Option<Vec<String>> {
    match &constraint.test {
        ConstraintTest::Regex(regex) => regex.literals(),
        ConstraintTest::OneOf(values) => (!values.is_empty()
            && values.iter().all(|value| value.trim().len() >= MIN_LITERAL))
        .then(|| values.clone()),
        ConstraintTest::ResolvesTo(names) => names
            .last_parts
            .clone()
            .filter(|parts| !parts.is_empty() && parts.iter().all(|p| p.len() >= MIN_LITERAL)),
        _ => None,
    }
}

/// The literal sets a file must contain for `condition` to hold somewhere in it: one literal of
/// each set.
fn required(condition: &Condition) -> Vec<Vec<String>> {
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
        Condition::All(all) => all.iter().flat_map(required).collect(),
        // One branch holds: for each way of taking one set of each branch, one literal of
        // their union (a bounded number of ways; past it, each branch's most selective set).
        Condition::Any(any) => {
            let mut ways: Vec<Vec<String>> = vec![Vec::new()];
            for branch in any {
                let mut sets = required(branch);
                if sets.is_empty() {
                    return Vec::new();
                }
                // Most selective first; of equals, the one written last.
                sets.sort_by_key(|set| shortest(set));
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
        | Condition::Precedes(rel) => required(&rel.condition),
        Condition::Query(query) => query.required_literals().to_vec(),
        Condition::Regex(regex) => regex.literals().into_iter().collect(),
        // A route filter only matches routes declared in the file, so their text is in it.
        Condition::InHandler(filter) => filter
            .route
            .as_ref()
            .and_then(|route| regex_literals(route.as_str()))
            .into_iter()
            .collect(),
        // A nested `where:` tests text bound in this file, and fails on an unbound name.
        Condition::Where(constraints) => {
            constraints.iter().filter_map(constraint_literals).collect()
        }
        Condition::Kind(_)
        | Condition::Not(_)
        | Condition::InTestCode
        | Condition::UsedAsObject
        | Condition::Lower(..) => Vec::new(),
    }
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

/// The length of a set's shortest literal: the longer, the fewer files the set lets through.
fn shortest(set: &[String]) -> usize {
    set.iter().map(String::len).min().unwrap_or(0)
}

/// Literals one of which every match of `pattern` contains: the alternatives a regex such as
/// `^(password|token|secret)$` starts with, else those it ends with (`\.(jwt|jws)$`). `None` when
/// they are unknown, too many or too short.
pub(super) fn regex_literals(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::ExtractKind;
    let hir = regex_syntax::parse(pattern).ok()?;
    [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .find_map(|kind| extracted_literals(&hir, kind))
}

/// The prefixes or suffixes every match of `hir` has, when all are known and long enough.
fn extracted_literals(
    hir: &regex_syntax::hir::Hir,
    kind: regex_syntax::hir::literal::ExtractKind,
) -> Option<Vec<String>> {
    let mut extractor = regex_syntax::hir::literal::Extractor::new();
    extractor.kind(kind).limit_total(64);
    let seq = extractor.extract(hir);
    let texts: Option<Vec<String>> = seq
        .literals()?
        .iter()
        .map(|literal| String::from_utf8(literal.as_bytes().to_vec()).ok())
        .collect();
    let texts = texts?;
    (!texts.is_empty() && texts.iter().all(|text| text.trim().len() >= MIN_LITERAL))
        .then_some(texts)
}

#[cfg(test)]
mod tests {
    use super::regex_literals;

    #[test]
    fn regexes_contribute_their_required_literals() {
        let mut found = regex_literals("^(password|token|secret)$").unwrap();
        found.sort();
        assert_eq!(found, ["password", "secret", "token"]);
        assert_eq!(
            regex_literals(r"^except( Exception)?:").unwrap(),
            ["except Exception:", "except:"]
        );
        assert_eq!(regex_literals(r"\w+_id").unwrap(), ["_id"]);
        let suffixes = regex_literals(r"^(\w+\.)*(jwt|jose)$").unwrap();
        assert!(suffixes
            .iter()
            .all(|s| s.ends_with("jwt") || s.ends_with("jose")));
        assert_eq!(regex_literals(r"\w+_\d"), None);
        assert_eq!(regex_literals("^(a|bc)"), None);
    }
}
