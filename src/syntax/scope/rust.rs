//! Scope look-ups for Rust.

use super::Assigned;
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children};
use tree_sitter::Node;

/// The function (or closure, or file) a node belongs to.
pub fn enclosing_function(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if matches!(parent.kind(), "function_item" | "closure_expression") {
            return parent;
        }
        current = parent;
    }
    current
}

/// The last `let name = …` before `use_site` in its function, and the text appended to `name`
/// after it (`name.push_str(…)`, `name += …`).
pub fn assignments_before<'t>(
    file: &ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Option<Assigned<'t>> {
    let function = enclosing_function(use_site);
    let before = |node: &Node| node.end_byte() <= use_site.start_byte();
    let nodes: Vec<Node<'t>> = descendants(function).filter(|node| before(node)).collect();
    let last = nodes.iter().rfind(|node| {
        node.kind() == "let_declaration"
            && node
                .child_by_field_name("pattern")
                .is_some_and(|pattern| file.text(pattern) == name)
    })?;
    let is_name = |node: Option<Node>| node.is_some_and(|node| file.text(node) == name);
    let appended = nodes
        .iter()
        .filter(|node| node.start_byte() > last.end_byte())
        .filter_map(|node| match node.kind() {
            "compound_assignment_expr"
                if is_name(node.child_by_field_name("left"))
                    && node
                        .child_by_field_name("operator")
                        .is_some_and(|operator| operator.kind() == "+=") =>
            {
                node.child_by_field_name("right")
            }
            "call_expression" => {
                let function = node.child_by_field_name("function")?;
                let is_push = function.kind() == "field_expression"
                    && is_name(function.child_by_field_name("value"))
                    && function
                        .child_by_field_name("field")
                        .is_some_and(|field| file.text(field) == "push_str");
                is_push
                    .then(|| node.child_by_field_name("arguments"))?
                    .and_then(|arguments| named_children(arguments).into_iter().next())
            }
            _ => None,
        })
        .collect();
    Some(Assigned {
        value: last.child_by_field_name("value"),
        appended,
    })
}

/// Whether `node` is in test code: a `#[test]` function or a `#[cfg(test)]` module.
pub fn in_test_code(file: &ParsedFile, node: Node) -> bool {
    let mut current = node.parent();
    while let Some(item) = current {
        if matches!(item.kind(), "function_item" | "mod_item") {
            let mut sibling = item.prev_named_sibling();
            while let Some(attribute) = sibling.filter(|s| s.kind() == "attribute_item") {
                let text = file.text(attribute);
                if text.contains("test") {
                    return true;
                }
                sibling = attribute.prev_named_sibling();
            }
        }
        current = item.parent();
    }
    false
}

/// Whether `name` is bound by a parameter of the enclosing function with an inert type
/// (`id: i64`, `Path(id): Path<Uuid>`).
pub fn is_inert_parameter(file: &ParsedFile, use_site: Node, name: &str) -> bool {
    let function = enclosing_function(use_site);
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return false;
    };
    named_children(parameters).into_iter().any(|parameter| {
        let binds = parameter
            .child_by_field_name("pattern")
            .is_some_and(|pattern| {
                let text = file.text(pattern);
                text == name || text.ends_with(&format!("({name})"))
            });
        binds
            && parameter
                .child_by_field_name("type")
                .is_some_and(|ty| super::is_inert_type(file.text(ty)))
    })
}
