//! Rust texts: `format!`, `+`, `push_str`/`+=`, and the values known to be fixed.

use super::{fixed_if, is_append, How, Walk, MAX_DEPTH};
use crate::parse::ParsedFile;
use crate::syntax::{is_constant_name, named_children, FieldChild};
use crate::taint::{rust::bindings, Custom};
use tree_sitter::Node;

/// Methods that turn a value into text without changing what it says.
const PASS_THROUGH: &[&str] = &["as_str", "as_ref", "to_string", "to_owned", "into", "clone"];

/// Walk the text at `node`: gather its literal parts and look at each value spliced in.
pub(super) fn text(walk: &mut Walk, node: Node, depth: usize) {
    crate::budget::deep(|| text_unguarded(walk, node, depth))
}

/// Guarded by [`text`], which grows the stack for deep trees.
fn text_unguarded(walk: &mut Walk, node: Node, depth: usize) {
    let file = walk.file;
    match node.kind() {
        "string_literal" | "raw_string_literal" => {
            walk.built.literal.push_str(&literal_text(file, node))
        }
        "reference_expression" | "parenthesized_expression" | "await_expression" => {
            if let Some(inner) = node
                .field_child("value")
                .or_else(|| named_children(node).into_iter().next())
            {
                text(walk, inner, depth);
            }
        }
        "macro_invocation" if is_format(file, node) => format(walk, node),
        "binary_expression" => {
            let is_plus = node
                .field_child("operator")
                .is_some_and(|operator| operator.kind() == "+");
            if is_plus {
                for side in ["left", "right"] {
                    if let Some(operand) = node.field_child(side) {
                        concatenated(walk, node, operand, depth);
                    }
                }
            }
        }
        "call_expression" => {
            if let Some(inner) = pass_through(file, node) {
                text(walk, inner, depth);
            }
        }
        "identifier" if depth < MAX_DEPTH => {
            let name = file.text(node);
            for binding in bindings(file, node, name) {
                match binding.at.kind() {
                    "let_declaration" | "assignment_expression" => {
                        walk.through(&binding, name, |walk| text(walk, binding.value, depth + 1))
                    }
                    "compound_assignment_expr" if is_append(binding.at) => {
                        walk.through(&binding, name, |walk| {
                            concatenated(walk, binding.at, binding.value, depth + 1)
                        })
                    }
                    // `sql.push_str(…)`: the bound value is the argument list.
                    "call_expression" => {
                        if let Some(pushed) = named_children(binding.value).into_iter().next() {
                            walk.through(&binding, name, |walk| {
                                concatenated(walk, binding.at, pushed, depth + 1)
                            })
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// One operand of `+` or a `push_str`/`+=` argument (at `at`): text is gathered, other values
/// spliced in.
fn concatenated(walk: &mut Walk, at: Node, operand: Node, depth: usize) {
    let before = walk.progress();
    text(walk, operand, depth);
    if walk.progress() == before {
        walk.splice(How::Concatenation, at, operand);
    }
}

/// `format!(TEMPLATE, ARGS…)`: the template's text, then each value spliced in (inline
/// `{name}` captures are traced by the engine as the template's).
fn format(walk: &mut Walk, invocation: Node) {
    let file = walk.file;
    let Some(tree) = named_children(invocation)
        .into_iter()
        .find(|child| child.kind() == "token_tree")
    else {
        return;
    };
    let mut cursor = tree.walk();
    let tokens: Vec<Node> = tree
        .children(&mut cursor)
        .filter(|token| !matches!(token.kind(), "(" | ")" | "[" | "]" | "{" | "}"))
        .collect();
    let Some((template, rest)) = tokens.split_first() else {
        return;
    };
    if !matches!(template.kind(), "string_literal" | "raw_string_literal") {
        return;
    }
    walk.built.literal.push_str(&literal_text(file, *template));
    if walk.splice(How::Interpolation, invocation, *template) {
        return;
    }
    let mut values: Vec<Vec<Node>> = Vec::new();
    for token in rest {
        if token.kind() == "," {
            values.push(Vec::new());
        } else if let Some(current) = values.last_mut() {
            current.push(*token);
        }
    }
    for mut value in values.into_iter().filter(|value| !value.is_empty()) {
        // `name = value`: only the value is spliced in.
        if value.len() > 2 && value[1].kind() == "=" {
            value.drain(..2);
        }
        if !is_fixed_tokens(file, &value) && walk.splice(How::Interpolation, invocation, value[0]) {
            return;
        }
    }
}

/// Token sequences of a `format!` value that are fixed whatever their first token holds:
/// `ids.len()`, `Self::TABLE`, `schema::TABLE`.
fn is_fixed_tokens(file: &ParsedFile, tokens: &[Node]) -> bool {
    match tokens {
        [_, .., method, tree] if tree.kind() == "token_tree" => {
            matches!(file.text(*method), "len" | "count")
        }
        [_, .., separator, last] if separator.kind() == "::" => is_constant_name(file.text(*last)),
        _ => false,
    }
}

fn is_format(file: &ParsedFile, invocation: Node) -> bool {
    let Some(name) = invocation.field_child("macro") else {
        return false;
    };
    let name = match name.kind() {
        "scoped_identifier" => name.field_child("name").unwrap_or(name),
        _ => name,
    };
    file.text(name) == "format"
}

/// `x.as_str()`, `x.to_string()`, `String::from(x)`: the `x`.
fn pass_through<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Node<'t>> {
    let function = call.field_child("function")?;
    match function.kind() {
        "field_expression" => {
            let method = function.field_child("field")?;
            PASS_THROUGH
                .contains(&file.text(method))
                .then(|| function.field_child("value"))?
        }
        "scoped_identifier" if file.text(function) == "String::from" => call
            .field_child("arguments")
            .and_then(|arguments| named_children(arguments).into_iter().next()),
        _ => None,
    }
}

/// The text of a string literal without quotes.
fn literal_text(file: &ParsedFile, literal: Node) -> String {
    named_children(literal)
        .into_iter()
        .filter(|part| part.kind() == "string_content")
        .map(|part| file.text(part))
        .collect()
}

/// What Rust code holds fixed, for [`super::Question::NotConstant`]: `UPPER_CASE` names and
/// paths that end in one (`Self::TABLE`), and ranges (of numbers: `(1..=n).map(|i|
/// format!("${i}"))` numbers placeholders). Another path (`config::table`) is not known.
pub(super) fn fixed(file: &ParsedFile, node: Node) -> Option<Custom> {
    match node.kind() {
        "identifier" => fixed_if(is_constant_name(file.text(node))),
        "range_expression" => fixed_if(true),
        "scoped_identifier" => {
            let last = node.field_child("name").map_or("", |name| file.text(name));
            Some(match is_constant_name(last) {
                true => Custom::Sanitizer,
                false => Custom::Source(format!("`{}` is not a constant", file.text(node))),
            })
        }
        _ => None,
    }
}
