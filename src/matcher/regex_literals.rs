//! The literals every match of a regex contains, for the pre-filters. `build.rs` includes this
//! file too, to find those of the built-in rules' regexes when the binary is built.
//!
//! Literals are folded: ASCII letters lower-cased, `ſ` read as `s` and the Kelvin sign as `k`,
//! so `(?i)secret` gives one literal, `secret`. They are looked for without regard to ASCII case
//! (see [`super::prefilter::finder`]), and a text holding `ſ` or the Kelvin sign passes every
//! set: the only two characters outside ASCII that fold onto an ASCII letter.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Literals shorter than this are too common to rule a file out.
pub const MIN_LITERAL: usize = 3;

/// At most this many literals stand for one part of a regex (alternatives multiply).
const MAX_LITERALS: usize = 64;

/// At most this many characters of a class are spelled out.
const MAX_CLASS: usize = 4;

/// Sets of folded literals every match of `pattern` contains one literal of each of, most
/// selective first: factors the regex requires wherever they stand (`^@\s*(\w+\.)*csrf_exempt\b`
/// gives `csrf_exempt`, `^(password|token)$` both words, `^verify\s*=\s*False$` both `verify` and
/// `false`). Empty when no usable factor is known: each literal of a set has at least
/// [`MIN_LITERAL`] characters.
pub fn regex_literals(pattern: &str) -> Vec<Vec<String>> {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Vec::new();
    };
    let factors = Factors::of(&hir);
    let mut sets: Vec<Vec<String>> = factors.exact.into_iter().chain(factors.required).collect();
    sets.retain(|set| selectivity(set) > 0);
    for set in &mut sets {
        set.sort();
        set.dedup();
    }
    sets.sort_by_cached_key(|set| std::cmp::Reverse(rank(set)));
    sets.dedup();
    sets.truncate(MAX_SETS);
    sets
}

/// At most this many sets are kept of one regex.
const MAX_SETS: usize = 3;

/// What is known of the texts one part of a regex matches.
#[derive(Default)]
struct Factors {
    /// Every text it matches, when they are few.
    exact: Option<Vec<String>>,
    /// Sets of literals every text it matches contains one literal of each of.
    required: Vec<Vec<String>>,
}

impl Factors {
    fn of(hir: &Hir) -> Factors {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Factors::exactly(vec![String::new()]),
            HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
                Ok(text) => Factors::exactly(vec![text.chars().map(fold).collect()]),
                Err(_) => Factors::default(),
            },
            HirKind::Class(class) => class_chars(class)
                .map(|chars| Factors::exactly(chars.into_iter().map(String::from).collect()))
                .unwrap_or_default(),
            HirKind::Capture(capture) => Factors::of(&capture.sub),
            HirKind::Repetition(repetition) => {
                let inner = Factors::of(&repetition.sub);
                match (repetition.min, repetition.max) {
                    (0, Some(0)) => Factors::exactly(vec![String::new()]),
                    (0, Some(1)) => Factors {
                        exact: inner.exact.and_then(|mut texts| {
                            texts.push(String::new());
                            small(texts)
                        }),
                        required: Vec::new(),
                    },
                    (0, _) => Factors::default(),
                    (1, Some(1)) => inner,
                    _ => Factors {
                        exact: None,
                        required: inner.exact.into_iter().chain(inner.required).collect(),
                    },
                }
            }
            HirKind::Concat(parts) => concat(parts),
            HirKind::Alternation(branches) => {
                let each: Vec<Factors> = branches.iter().map(Factors::of).collect();
                let exact = each
                    .iter()
                    .map(|branch| branch.exact.clone())
                    .collect::<Option<Vec<_>>>()
                    .and_then(|texts| small(texts.concat()));
                let required = each
                    .iter()
                    .map(Factors::best)
                    .collect::<Option<Vec<_>>>()
                    .and_then(|texts| small(texts.concat()));
                Factors {
                    exact,
                    required: required.into_iter().collect(),
                }
            }
        }
    }

    fn exactly(texts: Vec<String>) -> Factors {
        Factors {
            exact: Some(texts),
            required: Vec::new(),
        }
    }

    /// The most selective usable set it has.
    fn best(&self) -> Option<Vec<String>> {
        self.exact
            .iter()
            .chain(&self.required)
            .filter(|set| selectivity(set) > 0)
            .max_by_key(|set| rank(set))
            .cloned()
    }
}

/// A sequence: its exact texts when every part's are known, and as required every part's sets
/// and the products of consecutive exactly known parts.
fn concat(parts: &[Hir]) -> Factors {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    let mut whole = Some(vec![String::new()]);
    let mut run = vec![String::new()];
    for part in parts.iter().map(Factors::of) {
        whole = whole
            .zip(part.exact.as_ref())
            .and_then(|(texts, next)| product(&texts, next));
        candidates.extend(part.required);
        match part.exact {
            Some(next) => match product(&run, &next) {
                Some(longer) => run = longer,
                None => {
                    candidates.push(std::mem::replace(&mut run, next));
                }
            },
            None => candidates.push(std::mem::replace(&mut run, vec![String::new()])),
        }
    }
    candidates.push(run);
    let required = candidates
        .into_iter()
        .filter(|set| selectivity(set) > 0)
        .collect();
    Factors {
        exact: whole,
        required,
    }
}

/// Every text of `left` followed by every text of `right`, when they are few.
fn product(left: &[String], right: &[String]) -> Option<Vec<String>> {
    if left.len() * right.len() > MAX_LITERALS {
        return None;
    }
    small(
        left.iter()
            .flat_map(|head| right.iter().map(move |tail| format!("{head}{tail}")))
            .collect(),
    )
}

/// The texts, without repeats, when there are at most [`MAX_LITERALS`].
fn small(mut texts: Vec<String>) -> Option<Vec<String>> {
    texts.sort();
    texts.dedup();
    (texts.len() <= MAX_LITERALS).then_some(texts)
}

/// The folded characters of a class, when they are few.
fn class_chars(class: &Class) -> Option<Vec<char>> {
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(class) => class.iter().map(|r| (r.start(), r.end())).collect(),
        Class::Bytes(class) => class
            .iter()
            .map(|r| {
                r.end()
                    .is_ascii()
                    .then(|| (r.start() as char, r.end() as char))
            })
            .collect::<Option<_>>()?,
    };
    let mut chars = Vec::new();
    for (start, end) in ranges {
        let count = end as usize - start as usize + 1;
        if chars.len() + count > 3 * MAX_CLASS {
            return None;
        }
        chars.extend((start..=end).map(fold));
    }
    chars.sort();
    chars.dedup();
    (chars.len() <= MAX_CLASS).then_some(chars)
}

/// A character as the pre-filter looks for it.
fn fold(c: char) -> char {
    match c {
        'ſ' => 's',
        '\u{212A}' => 'k',
        _ => c.to_ascii_lowercase(),
    }
}

/// The order of preference among usable sets: the more selective, then the fewer literals.
fn rank(set: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    (selectivity(set), std::cmp::Reverse(set.len()))
}

/// How many files a set is likely to rule out: its shortest literal's length (trimmed), 1 when
/// one of its literals is a word most source files hold, 0 when one is shorter than
/// [`MIN_LITERAL`] or the set is empty (unusable).
pub fn selectivity(set: &[String]) -> usize {
    let shortest = set.iter().map(|text| text.trim().len()).min().unwrap_or(0);
    if shortest < MIN_LITERAL {
        0
    } else if set.iter().any(|text| is_common(text.trim())) {
        1
    } else {
        shortest
    }
}

/// Words found in most Python or Rust files (folded).
fn is_common(word: &str) -> bool {
    const COMMON: &[&str] = &[
        "and", "class", "config", "data", "def", "else", "except", "false", "for", "from", "get",
        "headers", "impl", "import", "let", "none", "not", "print", "request", "response",
        "return", "self", "str", "string", "true", "use", "value",
    ];
    COMMON
        .iter()
        .any(|common| common.eq_ignore_ascii_case(word))
}
