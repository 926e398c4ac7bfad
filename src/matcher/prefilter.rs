//! Cheap pre-filters: sets of literals, one of each of which must occur in a file before a rule
//! can match there.
//! They are derived from the rule's code patterns, so rule authors never write them.

use super::regex_literals::{self as literals, MIN_LITERAL};
use super::{Condition, Constraint, ConstraintTest};
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

impl Prefilter {
    /// With one more set when every match needs a value tainted by the rule's own sources (not
    /// request input): the tracer follows those within the file, so one of them must occur in
    /// it (one literal set of each source, joined).
    pub fn with_sources(
        mut self,
        condition: &Condition,
        constraints: &[Constraint],
        taint: &super::TaintSpec,
    ) -> Prefilter {
        let always = always_bound(condition);
        let needs_taint = constraints.iter().any(|constraint| {
            always.contains(constraint.var.as_str())
                && matches!(constraint.test, ConstraintTest::Tainted(true))
        });
        if taint.request || !needs_taint || taint.sources.is_empty() {
            return self;
        }
        let mut joined = Vec::new();
        for source in &taint.sources {
            let Some(set) = required(source).into_iter().max_by_key(|set| shortest(set)) else {
                return self;
            };
            joined.extend(set);
        }
        joined.sort();
        joined.dedup();
        self.all_of.push(joined);
        self
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

/// The literals of the built-in rules' regexes, found by `build.rs`: `(regex, literals)`,
/// sorted by regex.
const BUILT: &[(&str, Option<&[&str]>)] = include!(concat!(env!("OUT_DIR"), "/regex_literals.rs"));

/// [`literals::regex_literals`], looked up in [`BUILT`] for a built-in rule's regex.
pub(super) fn regex_literals(pattern: &str) -> Option<Vec<String>> {
    match BUILT.binary_search_by_key(&pattern, |(regex, _)| regex) {
        Ok(at) => BUILT[at]
            .1
            .map(|found| found.iter().map(|l| l.to_string()).collect()),
        Err(_) => literals::regex_literals(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::{literals, regex_literals, BUILT};

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

    #[test]
    fn literals_found_at_build_time_are_those_found_now() {
        assert!(BUILT.len() > 100);
        assert!(BUILT.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (regex, built) in BUILT {
            let built = built.map(|found| found.iter().map(|l| l.to_string()).collect());
            assert_eq!(built, literals::regex_literals(regex), "{regex}");
        }
    }
}
