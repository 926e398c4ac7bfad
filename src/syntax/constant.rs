//! The literal a name stands for when it is a constant of its own file.

use super::named_children;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::FieldChild;
use tree_sitter::Node;

/// Python node kinds that are literals.
const PYTHON_LITERALS: &[&str] = &["string", "integer", "float", "true", "false", "none"];

/// Rust node kinds that are literals.
const RUST_LITERALS: &[&str] = &[
    "string_literal",
    "raw_string_literal",
    "integer_literal",
    "float_literal",
    "boolean_literal",
    "char_literal",
    "negative_literal",
];

/// The literal `node` stands for when it is a name of a constant defined in its own file: in
/// Python, a name assigned exactly once at the top of the module, to a literal
/// (`VERIFY_SIGNATURE = False`, also in parentheses), that no `global` statement rebinds and
/// that the functions around `node` do not bind themselves; in Rust, a `const` or `static` item at the top of the file with
/// a literal value. `None` for anything else (a literal itself included).
pub fn constant_literal<'t>(file: &ParsedFile<'t>, node: Node<'_>) -> Option<Node<'t>> {
    if node.kind() != "identifier" {
        return None;
    }
    let name = file.text(node);
    match file.language() {
        Language::Python => python_constant(file, node, name),
        Language::Rust => rust_constant(file, name),
    }
}

fn python_constant<'t>(file: &ParsedFile<'t>, node: Node<'_>, name: &str) -> Option<Node<'t>> {
    let mut value = (*file.assigned_once().get(name)?)?;
    // `URL = ("https://…")`, written in parentheses to wrap a long line.
    while value.kind() == "parenthesized_expression" {
        let [inner] = named_children(value)[..] else {
            return None;
        };
        value = inner;
    }
    if !PYTHON_LITERALS.contains(&value.kind()) {
        return None;
    }
    // Strings with interpolations are built, not constant.
    if value.kind() == "string"
        && named_children(value)
            .iter()
            .any(|part| part.kind() == "interpolation")
    {
        return None;
    }
    let rebound = file
        .of_kinds(&["global_statement"])
        .into_iter()
        .any(|statement| {
            named_children(statement)
                .iter()
                .any(|global| file.text(*global) == name)
        });
    if rebound || bound_locally(file, node, name) {
        return None;
    }
    Some(value)
}

/// Whether a function around `node` binds `name` itself: a parameter, or the target of an
/// assignment, `for` loop, `with … as` or augmented assignment.
fn bound_locally(file: &ParsedFile<'_>, node: Node<'_>, name: &str) -> bool {
    let mut current = node.parent();
    while let Some(scope) = current {
        crate::budget::checkpoint();
        if matches!(scope.kind(), "function_definition" | "lambda") {
            let binds = file
                .of_kinds_within(&["identifier"], scope)
                .into_iter()
                .filter(|identifier| file.text(*identifier) == name)
                .any(|identifier| {
                    identifier.parent().is_some_and(|parent| {
                        let left = |field: &str| {
                            parent
                                .field_child(field)
                                .is_some_and(|side| side.id() == identifier.id())
                        };
                        match parent.kind() {
                            "assignment" | "augmented_assignment" | "for_statement" => left("left"),
                            "named_expression" => left("name"),
                            "parameters" | "lambda_parameters" | "pattern_list"
                            | "tuple_pattern" | "list_pattern" | "as_pattern_target" => true,
                            "default_parameter" | "typed_default_parameter" => left("name"),
                            "typed_parameter" => true,
                            _ => false,
                        }
                    })
                });
            if binds {
                return true;
            }
        }
        current = scope.parent();
    }
    false
}

fn rust_constant<'t>(file: &ParsedFile<'t>, name: &str) -> Option<Node<'t>> {
    let root = file.tree.root_node();
    let mut values = named_children(root)
        .into_iter()
        .filter(|item| matches!(item.kind(), "const_item" | "static_item"))
        .filter(|item| {
            item.field_child("name")
                .is_some_and(|found| file.text(found) == name)
        });
    let value = values.next()?.field_child("value")?;
    if values.next().is_some() || !RUST_LITERALS.contains(&value.kind()) {
        return None;
    }
    Some(value)
}
