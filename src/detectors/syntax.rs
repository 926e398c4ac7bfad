//! Small helpers for walking tree-sitter trees, shared by the detectors.

use tree_sitter::{Node, TreeCursor};

/// Every node under `node` (itself included), in document order.
pub fn descendants(node: Node<'_>) -> Descendants<'_> {
    Descendants {
        cursor: node.walk(),
        depth: 0,
        done: false,
    }
}

/// Iterator returned by [`descendants`].
pub struct Descendants<'tree> {
    cursor: TreeCursor<'tree>,
    /// Depth below the start node, tracked here because asking the cursor is not O(1).
    depth: usize,
    done: bool,
}

impl<'tree> Iterator for Descendants<'tree> {
    type Item = Node<'tree>;

    fn next(&mut self) -> Option<Node<'tree>> {
        if self.done {
            return None;
        }
        let node = self.cursor.node();
        if self.cursor.goto_first_child() {
            self.depth += 1;
            return Some(node);
        }
        loop {
            if self.depth == 0 {
                self.done = true;
                return Some(node);
            }
            if self.cursor.goto_next_sibling() {
                return Some(node);
            }
            self.cursor.goto_parent();
            self.depth -= 1;
        }
    }
}

/// The named children of a node, collected.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The nearest ancestor (not `node` itself) whose kind is one of `kinds`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if kinds.contains(&parent.kind()) {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

/// `UPPER_CASE` names are constants by convention.
pub fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
