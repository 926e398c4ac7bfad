//! The literals every match of a regex contains, for the pre-filters. `build.rs` includes this
//! file too, to find those of the built-in rules' regexes when the binary is built.

/// Literals shorter than this are too common to rule a file out.
pub const MIN_LITERAL: usize = 3;

/// Literals one of which every match of `pattern` contains: the alternatives a regex such as
/// `^(password|token|secret)$` starts with, else those it ends with (`\.(jwt|jws)$`). `None` when
/// they are unknown, too many or too short.
pub fn regex_literals(pattern: &str) -> Option<Vec<String>> {
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
