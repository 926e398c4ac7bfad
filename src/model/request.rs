//! `from-request`: does a value derive from request input?
//!
//! A lexical, intra-procedural approximation: a value derives from the request when it contains a
//! request accessor (`request.GET`, `request.json`, `req.match_info()`…), a handler parameter
//! filled from the request (`<int:order_id>`, FastAPI query/body parameters, axum `Path(id)`,
//! `Json(body)`, actix `web::Path`), or a local variable assigned from such a value earlier in the
//! same function (followed through a few assignments).

use super::FileModel;
use crate::detectors::syntax::{ancestor_of_kind, descendants};
use crate::parse::ParsedFile;
use crate::source::Language;
use tree_sitter::Node;

/// Attributes of Django, DRF, Flask and Starlette request objects that carry client input.
const PY_SOURCES: &[&str] = &[
    "GET",
    "POST",
    "data",
    "body",
    "FILES",
    "COOKIES",
    "META",
    "headers",
    "query_params",
    "args",
    "form",
    "values",
    "json",
    "get_json",
    "files",
    "cookies",
    "path_params",
    "stream",
    "get_data",
    "view_args",
];
/// Methods of actix's `HttpRequest` (and similar) that return client input.
const RS_SOURCES: &[&str] = &[
    "match_info",
    "query_string",
    "headers",
    "cookie",
    "cookies",
    "uri",
    "path",
];
/// How many assignments deep a value is followed.
const MAX_DEPTH: usize = 6;

pub(super) fn derives_from_request(model: &FileModel, file: &ParsedFile, node: Node) -> bool {
    derives(model, file, node, 0)
}

fn derives(model: &FileModel, file: &ParsedFile, node: Node, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    descendants(node).any(|part| match file.language() {
        Language::Python => python_source(file, part) || python_variable(model, file, part, depth),
        Language::Rust => {
            rust_source(file, part)
                || rust_variable(model, file, part, depth)
                || format_capture(model, file, part, depth)
        }
    })
}

/// `request.GET`, `self.request.data`, `request.get_json()`.
fn python_source(file: &ParsedFile, node: Node) -> bool {
    if node.kind() != "attribute" {
        return false;
    }
    let (Some(object), Some(attribute)) = (
        node.child_by_field_name("object"),
        node.child_by_field_name("attribute"),
    ) else {
        return false;
    };
    let object = file.text(object);
    (object == "request" || object.ends_with(".request") || object == "req")
        && PY_SOURCES.contains(&file.text(attribute))
}

/// `req.match_info()`, `req.query_string()`.
fn rust_source(file: &ParsedFile, node: Node) -> bool {
    node.kind() == "field_identifier"
        && RS_SOURCES.contains(&file.text(node))
        && node.parent().is_some_and(|field| {
            field
                .parent()
                .is_some_and(|call| call.kind() == "call_expression")
                && field.child_by_field_name("value").is_some_and(|receiver| {
                    matches!(
                        file.text(receiver),
                        "req" | "request" | "http_req" | "http_request"
                    )
                })
        })
}

fn python_variable(model: &FileModel, file: &ParsedFile, node: Node, depth: usize) -> bool {
    if node.kind() != "identifier" || is_name_position(node) {
        return false;
    }
    let name = file.text(node);
    if model
        .handler_at(node.start_byte())
        .is_some_and(|h| h.request_params.iter().any(|p| p == name))
    {
        return true;
    }
    let Some(scope) = ancestor_of_kind(node, &["function_definition"]) else {
        return false;
    };
    latest_binding(
        file,
        scope,
        name,
        node.start_byte(),
        &["assignment", "augmented_assignment", "for_statement"],
    )
    .is_some_and(|value| derives(model, file, value, depth + 1))
}

fn rust_variable(model: &FileModel, file: &ParsedFile, node: Node, depth: usize) -> bool {
    if node.kind() != "identifier" || is_name_position(node) {
        return false;
    }
    rust_name_derives(model, file, file.text(node), node, depth)
}

/// `{id}` and `{id:?}` captured inline by `format!`-style macros.
fn format_capture(model: &FileModel, file: &ParsedFile, node: Node, depth: usize) -> bool {
    if node.kind() != "string_literal" || node.parent().is_none_or(|p| p.kind() != "token_tree") {
        return false;
    }
    file.text(node)
        .split('{')
        .skip(1)
        .filter_map(|part| part.split(['}', ':']).next())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .any(|name| rust_name_derives(model, file, name, node, depth))
}

fn rust_name_derives(
    model: &FileModel,
    file: &ParsedFile,
    name: &str,
    node: Node,
    depth: usize,
) -> bool {
    if model
        .handler_at(node.start_byte())
        .is_some_and(|h| h.request_params.iter().any(|p| p == name))
    {
        return true;
    }
    let Some(scope) = ancestor_of_kind(node, &["function_item", "closure_expression"]) else {
        return false;
    };
    latest_binding(
        file,
        scope,
        name,
        node.start_byte(),
        &["let_declaration", "for_expression"],
    )
    .is_some_and(|value| derives(model, file, value, depth + 1))
}

/// The value most recently bound to `name` in `scope` before byte `before`: the right-hand side of
/// an assignment or `let`, or the iterable of a `for` loop.
fn latest_binding<'t>(
    file: &ParsedFile,
    scope: Node<'t>,
    name: &str,
    before: usize,
    kinds: &[&str],
) -> Option<Node<'t>> {
    descendants(scope)
        .take_while(|n| n.start_byte() < before)
        .filter(|n| kinds.contains(&n.kind()) && n.end_byte() <= before)
        .filter_map(|binding| {
            let (target, value) = match binding.kind() {
                "assignment" | "augmented_assignment" => (
                    binding.child_by_field_name("left")?,
                    binding.child_by_field_name("right")?,
                ),
                "for_statement" => (
                    binding.child_by_field_name("left")?,
                    binding.child_by_field_name("right")?,
                ),
                "let_declaration" => (
                    binding.child_by_field_name("pattern")?,
                    binding.child_by_field_name("value")?,
                ),
                "for_expression" => (
                    binding.child_by_field_name("pattern")?,
                    binding.child_by_field_name("value")?,
                ),
                _ => return None,
            };
            descendants(target)
                .any(|n| n.kind() == "identifier" && file.text(n) == name)
                .then_some(value)
        })
        .last()
}

/// Identifiers that name something rather than read a value: attribute and field names,
/// keyword-argument names, called functions.
fn is_name_position(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let is_field = |field: &str| {
        parent
            .child_by_field_name(field)
            .is_some_and(|child| child.id() == node.id())
    };
    match parent.kind() {
        "attribute" => is_field("attribute"),
        "keyword_argument" => is_field("name"),
        "call" | "call_expression" => is_field("function"),
        "scoped_identifier" => true,
        _ => false,
    }
}
