//! Small helpers for walking tree-sitter trees, below every stage that reads syntax.

pub mod constant;
pub mod format;
pub mod scope;

use std::cell::RefCell;
use tree_sitter::{Language, Node, TreeCursor};

/// A node's child in a grammar field, found by the field's id: tree-sitter's
/// `child_by_field_name` finds the id by comparing the name with the grammar's field names one
/// by one on every call, which costs more than finding the child.
pub trait FieldChild<'t> {
    /// The child in grammar field `name`: what `child_by_field_name(name)` finds.
    fn field_child(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> FieldChild<'t> for Node<'t> {
    fn field_child(&self, name: &str) -> Option<Node<'t>> {
        self.child_by_field_id(field_id(&self.language(), name)?)
    }
}

/// How many field ids each thread remembers.
const FIELD_SLOTS: usize = 256;

/// A remembered field id: the name's address and text, the grammar and the id.
struct FieldSlot {
    address: usize,
    name: String,
    language: Option<Language>,
    id: u16,
}

thread_local! {
    /// Field ids found, each in a slot chosen by the name's address and length.
    static FIELD_IDS: RefCell<[FieldSlot; FIELD_SLOTS]> = const {
        RefCell::new(
            [const {
                FieldSlot {
                    address: 0,
                    name: String::new(),
                    language: None,
                    id: 0,
                }
            }; FIELD_SLOTS],
        )
    };
}

/// The id of field `name` in `language`. A remembered id is used only if it was found for the
/// same text and grammar (another text may have come to live at the address, or the node be of
/// another grammar).
fn field_id(language: &Language, name: &str) -> Option<u16> {
    let address = name.as_ptr() as usize;
    let mixed = (address ^ name.len()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let slot = (mixed >> (usize::BITS - 8)) % FIELD_SLOTS;
    FIELD_IDS.with_borrow_mut(|slots| {
        let slot = &mut slots[slot];
        if slot.address == address && slot.name == name && slot.language.as_ref() == Some(language)
        {
            return Some(slot.id);
        }
        let id = language.field_id_for_name(name)?.get();
        *slot = FieldSlot {
            address,
            name: name.to_string(),
            language: Some(language.clone()),
            id,
        };
        Some(id)
    })
}

/// Every node under `node` (itself included), in document order.
pub fn descendants(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    descendants_with_depth(node).map(|(node, _)| node)
}

/// Every node under `node` (itself included), in document order, with its depth below `node`.
/// The walk checks the rule's deadline as it goes (see [`crate::budget`]).
pub fn descendants_with_depth(node: Node<'_>) -> Descendants<'_> {
    Descendants {
        cursor: node.walk(),
        depth: 0,
        done: false,
    }
}

/// Iterator returned by [`descendants_with_depth`].
pub struct Descendants<'tree> {
    cursor: TreeCursor<'tree>,
    /// Depth below the start node, tracked here because asking the cursor is not O(1).
    depth: usize,
    done: bool,
}

impl<'tree> Iterator for Descendants<'tree> {
    type Item = (Node<'tree>, usize);

    fn next(&mut self) -> Option<(Node<'tree>, usize)> {
        if self.done {
            return None;
        }
        crate::budget::checkpoint();
        let node = self.cursor.node();
        let depth = self.depth;
        if self.cursor.goto_first_child() {
            self.depth += 1;
            return Some((node, depth));
        }
        loop {
            if self.depth == 0 {
                self.done = true;
                return Some((node, depth));
            }
            if self.cursor.goto_next_sibling() {
                return Some((node, depth));
            }
            self.cursor.goto_parent();
            self.depth -= 1;
        }
    }
}

/// The nodes under `node` (itself included), in document order, up to the first that starts at
/// or after `end`, leaving out every subtree whose text does not contain `word` and, below
/// `node`, every subtree of one of the kinds in `skip`. What a walk for the uses or bindings of
/// one name needs, without visiting the rest of a large function.
pub fn descendants_mentioning<'t>(
    node: Node<'t>,
    text: &str,
    word: &str,
    end: usize,
    skip: &[&str],
) -> Vec<Node<'t>> {
    let mentions = Mentions::of(node, text, word);
    let mut found = Vec::new();
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        crate::budget::checkpoint();
        let current = cursor.node();
        if current.start_byte() >= end {
            return found;
        }
        let entered = mentions.within(current) && !(depth > 0 && skip.contains(&current.kind()));
        if entered {
            found.push(current);
            if cursor.goto_first_child() {
                depth += 1;
                continue;
            }
        }
        loop {
            if depth == 0 {
                return found;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// Where a word occurs in the text of a node, to tell which nodes under it contain it.
pub struct Mentions<'w> {
    word: &'w str,
    /// The byte offsets of the word's occurrences, in order.
    occurrences: Vec<usize>,
}

impl<'w> Mentions<'w> {
    /// The occurrences of `word` in the part of `text` that `node` spans.
    pub fn of(node: Node<'_>, text: &str, word: &'w str) -> Mentions<'w> {
        let range = node.byte_range();
        let occurrences = text
            .get(range.clone())
            .map(|inside| {
                inside
                    .match_indices(word)
                    .map(|(at, _)| range.start + at)
                    .collect()
            })
            .unwrap_or_default();
        Mentions { word, occurrences }
    }

    /// Whether `node`'s text contains the word.
    pub fn within(&self, node: Node<'_>) -> bool {
        let first = self
            .occurrences
            .partition_point(|&at| at < node.start_byte());
        self.occurrences
            .get(first)
            .is_some_and(|&at| at + self.word.len() <= node.end_byte())
    }
}

/// The named children of a node, collected.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The operands of a Python condition's top-level `or`s, left to right, through parentheses:
/// `a`, `b` and `c` of `a or (b or c)`; the condition itself when it is no `or`.
pub fn or_operands(condition: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![condition];
    while let Some(node) = stack.pop() {
        let inner = match node.kind() {
            "parenthesized_expression" => named_children(node).into_iter().next(),
            _ => None,
        };
        if let Some(inner) = inner {
            stack.push(inner);
            continue;
        }
        let operator = node.field_child("operator").map(|o| o.kind());
        if node.kind() == "boolean_operator" && operator == Some("or") {
            stack.extend(node.field_child("right"));
            stack.extend(node.field_child("left"));
        } else {
            out.push(node);
        }
    }
    out
}

/// The positional arguments of a Python call, in order: its arguments but the `name=value` ones.
pub fn positional_arguments(call: Node<'_>) -> Vec<Node<'_>> {
    call.field_child("arguments")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|argument| argument.kind() != "keyword_argument")
        .collect()
}

/// The ancestors of `node` in the tree whose root is `root`, nearest first. Found going down from
/// the root once: tree-sitter's `parent()` searches from the root on every call, so walking up
/// with it is quadratic in the depth.
pub fn ancestors_from<'t>(root: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut chain = Vec::new();
    let mut current = root;
    while current.id() != node.id() {
        crate::budget::checkpoint();
        chain.push(current);
        match current.child_with_descendant(node) {
            Some(next) => current = next,
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// The nearest ancestor (not `node` itself) whose kind is one of `kinds`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(parent) = current {
        crate::budget::checkpoint();
        if kinds.contains(&parent.kind()) {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

/// The two sides of the assignment a Python statement holds (`x = f()` → (`x`, `f()`)).
pub fn assignment_sides(statement: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let assignment = named_children(statement)
        .into_iter()
        .find(|n| n.kind() == "assignment")?;
    Some((
        assignment.field_child("left")?,
        assignment.field_child("right")?,
    ))
}

/// `UPPER_CASE` names are constants by convention.
pub fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The lower-case words of a CamelCase or snake_case name.
pub fn name_words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if c == '_' || c == '.' || c == ':' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else if c.is_ascii_uppercase() && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            current.push(c.to_ascii_lowercase());
        } else {
            current.push(c.to_ascii_lowercase());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
