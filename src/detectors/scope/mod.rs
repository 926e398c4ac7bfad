//! Look-ups within one function: where a local name was last assigned before a use, and whether
//! it was checked against an allowlist. Deliberately flow-insensitive and local: enough to follow
//! "a variable assigned just before", cheap enough to run at every sink.

pub mod python;
pub mod rust;

use tree_sitter::Node;

/// The assignments a local name received before one of its uses.
pub struct Assigned<'t> {
    /// The value of the last plain assignment (`x = …`, `let x = …`), if any.
    pub value: Option<Node<'t>>,
    /// Values appended after it (`x += …`, `x.push_str(…)`), in order.
    pub appended: Vec<Node<'t>>,
}

/// Whether `inner` lies within `outer`.
fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}
