//! Scope look-ups for Rust.

use super::Assigned;
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children, FieldChild};
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
                .field_child("pattern")
                .is_some_and(|pattern| file.text(pattern) == name)
    })?;
    let is_name = |node: Option<Node>| node.is_some_and(|node| file.text(node) == name);
    let appended = nodes
        .iter()
        .filter(|node| node.start_byte() > last.end_byte())
        .filter_map(|node| match node.kind() {
            "compound_assignment_expr"
                if is_name(node.field_child("left"))
                    && node
                        .field_child("operator")
                        .is_some_and(|operator| operator.kind() == "+=") =>
            {
                node.field_child("right")
            }
            "call_expression" => {
                let function = node.field_child("function")?;
                let is_push = function.kind() == "field_expression"
                    && is_name(function.field_child("value"))
                    && function
                        .field_child("field")
                        .is_some_and(|field| file.text(field) == "push_str");
                is_push
                    .then(|| node.field_child("arguments"))?
                    .and_then(|arguments| named_children(arguments).into_iter().next())
            }
            _ => None,
        })
        .collect();
    Some(Assigned {
        value: last.field_child("value"),
        appended,
    })
}

/// Whether `node` is in test code: a `#[test]` function or a `#[cfg(test)]` module.
/// Judged from the file's index of items by the byte ranges of the tested ones: walking up
/// with `parent()` costs a descent from the root per step, cubic on deeply nested code.
pub fn in_test_code(file: &ParsedFile, node: Node) -> bool {
    let at = node.start_byte();
    file.of_kinds(&["function_item", "mod_item"])
        .into_iter()
        .filter(|item| item.start_byte() < at && at < item.end_byte())
        .any(|item| {
            let mut sibling = item.prev_named_sibling();
            while let Some(attribute) = sibling.filter(|s| s.kind() == "attribute_item") {
                if file.text(attribute).contains("test") {
                    return true;
                }
                sibling = attribute.prev_named_sibling();
            }
            false
        })
}

/// Whether `name` is bound by a parameter of the enclosing function with an inert type
/// (`id: i64`, `Path(id): Path<Uuid>`).
pub fn is_inert_parameter(file: &ParsedFile, use_site: Node, name: &str) -> bool {
    let function = enclosing_function(use_site);
    let Some(parameters) = function.field_child("parameters") else {
        return false;
    };
    named_children(parameters).into_iter().any(|parameter| {
        let binds = parameter.field_child("pattern").is_some_and(|pattern| {
            let text = file.text(pattern);
            text == name || text.ends_with(&format!("({name})"))
        });
        binds
            && parameter
                .field_child("type")
                .is_some_and(|ty| super::is_inert_type(file.text(ty)))
    })
}

/// Whether the use of `name` at `use_site` only runs once `name` was checked against a fixed
/// set: inside `if ALLOWED.contains(&name) { … }` or `if name == "https://app.example" { … }`,
/// or after `if !ALLOWED.contains(&name) { return …; }` earlier in the same block.
pub fn checked_against_allowlist(file: &ParsedFile, use_site: Node, name: &str) -> bool {
    let function = enclosing_function(use_site);
    let mut current = use_site;
    while let Some(parent) = current.parent() {
        if parent.id() == function.id() {
            break;
        }
        if parent.kind() == "if_expression" {
            let inside = parent
                .field_child("consequence")
                .is_some_and(|consequence| consequence.id() == current.id());
            if inside
                && parent
                    .field_child("condition")
                    .is_some_and(|condition| membership(file, condition, name) == Some(true))
            {
                return true;
            }
        }
        if parent.kind() == "block" {
            let refused_before = named_children(parent)
                .into_iter()
                .take_while(|statement| statement.end_byte() <= current.start_byte())
                .filter_map(|statement| match statement.kind() {
                    "expression_statement" => statement.named_child(0),
                    _ => Some(statement),
                })
                .any(|statement| {
                    statement.kind() == "if_expression"
                        && statement.field_child("condition").is_some_and(|condition| {
                            membership(file, condition, name) == Some(false)
                        })
                        && statement
                            .field_child("consequence")
                            .is_some_and(|block| exits(block))
                });
            if refused_before {
                return true;
            }
        }
        current = parent;
    }
    false
}

/// `Some(true)` when `condition` holds only for a `name` in a fixed set
/// (`ALLOWED.contains(&name)`, `name == "literal"`, `name == CONSTANT`), `Some(false)` when it
/// holds only for one outside it (`!ALLOWED.contains(&name)`, `name != …`).
fn membership(file: &ParsedFile, condition: Node, name: &str) -> Option<bool> {
    let mentions =
        |node: Node| descendants(node).any(|n| n.kind() == "identifier" && file.text(n) == name);
    match condition.kind() {
        "parenthesized_expression" => membership(file, condition.named_child(0)?, name),
        "unary_expression" if file.text(condition).starts_with('!') => {
            membership(file, condition.named_child(0)?, name).map(|held| !held)
        }
        "call_expression" => {
            let function = condition.field_child("function")?;
            let receiver = function.field_child("value")?;
            let method = file.text(function.field_child("field")?);
            let arguments = condition.field_child("arguments")?;
            (matches!(method, "contains" | "contains_key")
                && !mentions(receiver)
                && is_fixed(file, receiver)
                && mentions(arguments))
            .then_some(true)
        }
        "binary_expression" => {
            let operator = file.text(condition.field_child("operator")?);
            let (left, right) = (
                condition.field_child("left")?,
                condition.field_child("right")?,
            );
            let fixed = |side: Node| {
                side.kind() == "string_literal" || is_fixed(file, side) && !mentions(side)
            };
            let compared = (mentions(left) && fixed(right)) || (mentions(right) && fixed(left));
            match operator {
                "==" if compared => Some(true),
                "!=" if compared => Some(false),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A set the code holds itself: an `UPPER_CASE` constant or static (`ALLOWED`,
/// `config::ORIGINS`), possibly borrowed or iterated.
fn is_fixed(file: &ParsedFile, node: Node) -> bool {
    let text = file.text(node);
    let last = text
        .trim_start_matches('&')
        .split(['.', '('])
        .next()
        .unwrap_or("")
        .rsplit("::")
        .next()
        .unwrap_or("");
    !last.is_empty()
        && last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        || node.kind() == "string_literal"
}

/// Whether a block ends by leaving the function or loop (`return`, `?`-less `Err` return,
/// `continue`, `break`).
fn exits(block: Node) -> bool {
    named_children(block).last().is_some_and(|last| {
        let last = match last.kind() {
            "expression_statement" => last.named_child(0).unwrap_or(*last),
            _ => *last,
        };
        matches!(
            last.kind(),
            "return_expression" | "continue_expression" | "break_expression"
        )
    })
}
