//! Cheap pre-filters: literals one of which must occur in a file before a rule can match there.
//! They are derived from the rule's code patterns, so rule authors never write them.

use super::{Condition, Constraint, ConstraintTest};
use std::collections::BTreeSet;

/// Literals shorter than this are too common to rule a file out.
const MIN_LITERAL: usize = 3;

/// At least one of `any_of` must occur in the file text, or the rule cannot match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefilter {
    pub any_of: Option<Vec<String>>,
}

impl Prefilter {
    /// The pre-filter implied by a condition (`None` literals: always run the rule).
    /// What a file must contain for `condition` and every `constraints` test to hold: the most
    /// selective of the literal sets each of them requires.
    pub fn of(condition: &Condition, constraints: &[Constraint]) -> Prefilter {
        // A constraint only binds the file when every match binds its metavariable.
        let always = always_bound(condition);
        let constraints = constraints
            .iter()
            .filter(|constraint| always.contains(constraint.var.as_str()));
        let candidates =
            std::iter::once(required(condition)).chain(constraints.map(constraint_literals));
        Prefilter {
            any_of: most_selective(candidates),
        }
    }
}

/// Literals one of which a constraint's bound text must contain.
fn constraint_literals(constraint: &Constraint) -> Option<Vec<String>> {
    match &constraint.test {
        ConstraintTest::Regex(regex) => regex_literals(regex.as_str()),
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

fn required(condition: &Condition) -> Option<Vec<String>> {
    match condition {
        Condition::Pattern(pattern) => {
            let literal = pattern.fixed_string();
            (literal.trim().len() >= MIN_LITERAL).then(|| vec![literal.into_owned()])
        }
        // Any one positive part of a conjunction is a valid requirement: take the most selective.
        Condition::All(all) => most_selective(all.iter().map(required)),
        Condition::Any(any) => {
            let mut literals = Vec::new();
            for branch in any {
                literals.extend(required(branch)?);
            }
            Some(literals)
        }
        Condition::Inside(rel)
        | Condition::Has(rel)
        | Condition::Follows(rel)
        | Condition::Precedes(rel) => required(&rel.condition),
        Condition::Query(query) => query.required_literals().map(<[String]>::to_vec),
        Condition::Regex(regex) => regex_literals(regex.as_str()),
        // A route filter only matches routes declared in the file, so their text is in it.
        Condition::InHandler(filter) => filter
            .route
            .as_ref()
            .and_then(|route| regex_literals(route.as_str())),
        // A nested `where:` tests text bound in this file.
        Condition::Where(constraints) => {
            most_selective(constraints.iter().map(constraint_literals))
        }
        Condition::Kind(_)
        | Condition::Not(_)
        | Condition::InTestCode
        | Condition::LowerConfidence(_) => None,
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

/// Of several literal sets that are each required, the one whose shortest literal is longest.
fn most_selective(sets: impl Iterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    sets.flatten()
        .max_by_key(|literals| literals.iter().map(String::len).min().unwrap_or(0))
}

/// Literals one of which every match of `pattern` contains: the alternatives a regex such as
/// `^(password|token|secret)$` starts with. `None` when they are unknown, too many or too short.
fn regex_literals(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix).limit_total(64);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    let texts: Option<Vec<String>> = literals
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
        assert_eq!(regex_literals(r"\w+_id"), None);
        assert_eq!(regex_literals("^(a|bc)"), None);
    }
}
