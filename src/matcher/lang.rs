//! The glue that lets ast-grep-core match code patterns with tollgate's own grammars.

use crate::source::Language;
use ast_grep_core::matcher::PatternBuilder;
use ast_grep_core::tree_sitter::{LanguageExt, StrDoc, TSLanguage};
use ast_grep_core::{Pattern, PatternError};
use std::borrow::Cow;

/// Metavariables (`$X`) are rewritten to this identifier character before a pattern is parsed,
/// because `$` is not valid in Python or Rust identifiers (ast-grep's "expando" trick).
const EXPANDO: char = 'µ';

/// A [`Language`] as ast-grep-core sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SgLang(pub Language);

/// A parsed file in ast-grep-core's representation.
pub type SgDoc = StrDoc<SgLang>;
/// A node of an [`SgDoc`].
pub type SgNode<'t> = ast_grep_core::Node<'t, SgDoc>;

impl ast_grep_core::Language for SgLang {
    fn pre_process_pattern<'q>(&self, query: &'q str) -> Cow<'q, str> {
        expand_metavariables(query)
    }

    fn expando_char(&self) -> char {
        EXPANDO
    }

    fn kind_to_id(&self, kind: &str) -> u16 {
        self.get_ts_language().id_for_node_kind(kind, true)
    }

    fn field_to_id(&self, field: &str) -> Option<u16> {
        self.get_ts_language()
            .field_id_for_name(field)
            .map(|id| id.get())
    }

    fn build_pattern(&self, builder: &PatternBuilder) -> Result<Pattern, PatternError> {
        builder.build(|src| StrDoc::try_new(src, *self))
    }
}

impl LanguageExt for SgLang {
    fn get_ts_language(&self) -> TSLanguage {
        self.0.grammar()
    }
}

/// Rewrite `$X`, `$$$ARGS`, `$_` and the anonymous `$$$` to expando identifiers; other `$` stay.
pub fn expand_metavariables(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains('$') {
        return Cow::Borrowed(pattern);
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == '$').count();
        let next = chars.get(i + run).copied();
        let named = next.is_some_and(|c| c.is_ascii_uppercase() || c == '_');
        let metavariable = run <= 3 && (named || run == 3);
        let replacement = if metavariable { EXPANDO } else { '$' };
        out.extend(std::iter::repeat_n(replacement, run));
        i += run;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_only_metavariables() {
        assert_eq!(
            expand_metavariables("f($X, $$$ARGS, $_)"),
            "f(µX, µµµARGS, µ_)"
        );
        assert_eq!(expand_metavariables("f($$$)"), "f(µµµ)");
        assert_eq!(expand_metavariables("cost = '$5'"), "cost = '$5'");
        assert_eq!(expand_metavariables("plain"), "plain");
    }
}
