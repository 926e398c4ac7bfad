//! Code patterns with a text test before the tree match.

use ast_grep_core::matcher::PatternNode;
use ast_grep_core::Pattern;
use std::ops::Deref;

/// Nodes with more text than this are matched without the text test: searching it could cost
/// more than the match it saves.
const TESTED_TEXT: usize = 1024;

/// An ast-grep pattern and the longest text of its named leaves (`mark_safe` of
/// `mark_safe($HTML)`). Each named leaf matches a node of the same text, so a node whose text
/// does not contain it cannot match: most candidates are ruled out without a walk.
pub struct AnchoredPattern {
    pattern: Pattern,
    anchor: String,
}

impl AnchoredPattern {
    /// Whether a node with source text `text` may match (`false`: it does not).
    pub fn may_match(&self, text: &str) -> bool {
        text.len() > TESTED_TEXT || text.contains(self.anchor.as_str())
    }
}

impl From<Pattern> for AnchoredPattern {
    fn from(pattern: Pattern) -> Self {
        let anchor = longest_named_leaf(&pattern.node).to_string();
        AnchoredPattern { pattern, anchor }
    }
}

impl Deref for AnchoredPattern {
    type Target = Pattern;

    fn deref(&self) -> &Pattern {
        &self.pattern
    }
}

/// The longest text of a named leaf of the pattern (empty if it has none).
fn longest_named_leaf(node: &PatternNode) -> &str {
    match node {
        PatternNode::Terminal {
            text,
            is_named: true,
            ..
        } => text,
        PatternNode::Terminal { .. } | PatternNode::MetaVar { .. } => "",
        PatternNode::Internal { children, .. } => children
            .iter()
            .map(longest_named_leaf)
            .max_by_key(|text| text.len())
            .unwrap_or(""),
    }
}
