//! Cheap pre-filters: literals one of which must occur in a file before a rule can match there.
//! They are derived from the rule's code patterns, so rule authors never write them.

use super::Condition;

/// Literals shorter than this are too common to rule a file out.
const MIN_LITERAL: usize = 3;

/// At least one of `any_of` must occur in the file text, or the rule cannot match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefilter {
    pub any_of: Option<Vec<String>>,
}

impl Prefilter {
    /// The pre-filter implied by a condition (`None` literals: always run the rule).
    pub fn of(condition: &Condition) -> Prefilter {
        Prefilter {
            any_of: required(condition),
        }
    }
}

fn required(condition: &Condition) -> Option<Vec<String>> {
    match condition {
        Condition::Pattern(pattern) => {
            let literal = pattern.fixed_string();
            (literal.trim().len() >= MIN_LITERAL).then(|| vec![literal.into_owned()])
        }
        // Any one positive part of a conjunction is a valid requirement: take the most selective.
        Condition::All(all) => all
            .iter()
            .filter_map(required)
            .max_by_key(|literals| literals.iter().map(String::len).min().unwrap_or(0)),
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
        Condition::Kind(_) | Condition::Regex(_) | Condition::Not(_) | Condition::InHandler(_) => {
            None
        }
    }
}
