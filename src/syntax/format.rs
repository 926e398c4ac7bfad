//! Format checks: a regular expression that admits only identifier-like text (letters, digits,
//! `_`, `-`, `.`), so a value that passed it cannot carry a quote, a space, a slash or markup
//! into SQL, a path, a URL or HTML.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// How much of the value a regex test must match.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Anchoring {
    /// The whole value (`re.fullmatch`, Rust `is_match` of a `^…$` pattern is given as `None`).
    Whole,
    /// From its start (`re.match`): the pattern must end with `$` or `\Z`.
    Start,
    /// Anywhere (`re.search`, Rust `is_match`): the pattern must start with `^` and end with `$`.
    Anywhere,
}

/// Whether every value that `pattern` matches, tested as `anchoring` says, is made only of
/// letters, digits and `_-.`. Python's `\Z` is read as end of text; a pattern that does not
/// parse is not restrictive.
pub fn admits_only_identifiers(pattern: &str, anchoring: Anchoring) -> bool {
    let pattern = pattern.replace(r"\Z", r"\z");
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(&pattern) else {
        return false;
    };
    let parts = top_level(&hir);
    let starts =
        matches!(parts.first().map(Hir::kind), Some(HirKind::Look(look)) if is_start(*look));
    let ends = matches!(parts.last().map(Hir::kind), Some(HirKind::Look(look)) if is_end(*look));
    let anchored = match anchoring {
        Anchoring::Whole => true,
        Anchoring::Start => ends,
        Anchoring::Anywhere => starts && ends,
    };
    anchored && restrictive(&hir)
}

/// The parts of the pattern's top-level concatenation (through groups), or the pattern itself.
fn top_level(hir: &Hir) -> &[Hir] {
    match hir.kind() {
        HirKind::Concat(parts) => parts,
        HirKind::Capture(capture) => top_level(&capture.sub),
        _ => std::slice::from_ref(hir),
    }
}

fn is_start(look: Look) -> bool {
    matches!(look, Look::Start | Look::StartLF)
}

fn is_end(look: Look) -> bool {
    matches!(look, Look::End | Look::EndLF)
}

/// Whether no literal or class of `hir` admits a character outside the allowed set.
fn restrictive(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => literal.0.iter().all(|byte| allowed(char::from(*byte))),
        HirKind::Class(Class::Unicode(class)) => class.ranges().iter().all(|range| {
            !FORBIDDEN
                .iter()
                .any(|c| range.start() <= *c && *c <= range.end())
        }),
        HirKind::Class(Class::Bytes(class)) => class.ranges().iter().all(|range| {
            !FORBIDDEN
                .iter()
                .any(|c| range.start() as char <= *c && *c <= range.end() as char)
        }),
        HirKind::Repetition(repetition) => restrictive(&repetition.sub),
        HirKind::Capture(capture) => restrictive(&capture.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().all(restrictive),
    }
}

/// ASCII characters outside letters, digits and `_-.`: quotes, spaces, slashes, operators,
/// markup. Characters beyond ASCII (the letters `\w` admits) are allowed.
const FORBIDDEN: &[char] = &[
    '\0', '\t', '\n', '\r', ' ', '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '/',
    ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '^', '`', '{', '|', '}', '~', '\u{7f}',
    '\u{b}', '\u{c}',
];

fn allowed(c: char) -> bool {
    !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

#[cfg(test)]
mod tests {
    use super::{admits_only_identifiers, Anchoring};

    #[test]
    fn identifier_patterns_are_restrictive() {
        for pattern in [
            r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
            r"[\w-]+",
            r"^[a-z0-9.]+\Z",
            r"^(asc|desc)$",
        ] {
            assert!(
                admits_only_identifiers(pattern, Anchoring::Whole),
                "{pattern}"
            );
        }
        assert!(admits_only_identifiers(r"[a-z]+$", Anchoring::Start));
        assert!(admits_only_identifiers(r"^\d+$", Anchoring::Anywhere));
    }

    #[test]
    fn open_or_unanchored_patterns_are_not() {
        for (pattern, anchoring) in [
            (r"^.+$", Anchoring::Whole),
            (r"^[^']+$", Anchoring::Whole),
            (r"^[\w ]+$", Anchoring::Whole),
            (r"\S+", Anchoring::Whole),
            (r"^[a-z]+", Anchoring::Start),
            (r"[a-z]+$", Anchoring::Anywhere),
            (r"^[a-z/]+$", Anchoring::Whole),
            (r"(", Anchoring::Whole),
        ] {
            assert!(!admits_only_identifiers(pattern, anchoring), "{pattern}");
        }
    }
}
