//! What a Rust value prints with `{:?}`: the struct of the file its type names, when that
//! struct derives `Debug`, prints every field, so a value of a configuration struct holding a
//! `secret_token` (itself or in a nested struct) logs the token.

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{descendants, named_children};
use tree_sitter::Node;

/// How many structs deep fields are followed (`AppConfig.post_process.secret_token`).
const MAX_DEPTH: usize = 3;

/// Whether the Rust value `name`, used at `at`, has a type that is a struct of this file which
/// derives `Debug` and has a field whose name `field` accepts, itself or through fields whose
/// types are such structs. The type is the one a parameter declares (`State(cfg):
/// State<Arc<AppConfig>>`), a `let` annotates, or a `let` builds (`AppConfig { … }`,
/// `AppConfig::load()`).
pub fn debug_shows_field(
    file: &ParsedFile,
    at: Node,
    name: &str,
    field: &dyn Fn(&str) -> bool,
) -> bool {
    if file.language() != Language::Rust || is_field_of_path(file, at) {
        return false;
    }
    let Some(type_text) = value_type(file, at, name) else {
        return false;
    };
    let mut types = type_names(&type_text);
    // `?state.config`: the type of the field printed, through the structs of the path.
    for field_name in path_after(file, at) {
        types = types
            .iter()
            .find_map(|struct_name| super::across::rust_field_type(file, struct_name, &field_name))
            .map(type_names)
            .unwrap_or_default();
    }
    types
        .iter()
        .any(|struct_name| shows(file, struct_name, field, MAX_DEPTH))
}

/// Whether `at` follows a `.` among macro tokens: a field of a path whose head is judged.
fn is_field_of_path(file: &ParsedFile, at: Node) -> bool {
    at.prev_sibling().is_some_and(|dot| file.text(dot) == ".")
}

/// The field names that follow `at` among macro tokens (`config` of `state.config`).
fn path_after(file: &ParsedFile, at: Node) -> Vec<String> {
    let mut path = Vec::new();
    let mut current = at;
    while let (Some(dot), Some(next)) = (
        current.next_sibling(),
        current.next_sibling().and_then(|dot| dot.next_sibling()),
    ) {
        if file.text(dot) != "." || next.kind() != "identifier" {
            break;
        }
        path.push(file.text(next).to_string());
        current = next;
    }
    path
}

/// The type written for `name`: its `let`'s annotation or what the `let` builds, else its
/// parameter's type.
fn value_type(file: &ParsedFile, at: Node, name: &str) -> Option<String> {
    if let Some(binding) = super::rust::bindings(file, at, name).into_iter().next() {
        if let Some(annotated) = binding.at.child_by_field_name("type") {
            return Some(file.text(annotated).to_string());
        }
        let value = match binding.value.kind() {
            "try_expression" | "await_expression" => binding.value.named_child(0)?,
            _ => binding.value,
        };
        let built = match value.kind() {
            "struct_expression" => value.child_by_field_name("name"),
            // `AppConfig::load()`: the path's type.
            "call_expression" => value
                .child_by_field_name("function")
                .filter(|f| f.kind() == "scoped_identifier")
                .and_then(|f| f.child_by_field_name("path")),
            _ => None,
        };
        return built.map(|node| file.text(node).to_string());
    }
    super::across::parameter_type(file, at, name).map(str::to_string)
}

/// The capitalised type names a type is written with (`Arc<AppConfig>` → `Arc`, `AppConfig`).
fn type_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|part| part.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(str::to_string)
        .collect()
}

/// Whether the struct `name` of the file derives `Debug` and prints a field `field` accepts.
fn shows(file: &ParsedFile, name: &str, field: &dyn Fn(&str) -> bool, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    let Some(item) = super::across::rust_struct(file, name) else {
        return false;
    };
    if !derives_debug(file, item) {
        return false;
    }
    let Some(body) = item.child_by_field_name("body") else {
        return false;
    };
    named_children(body)
        .into_iter()
        .filter(|declaration| declaration.kind() == "field_declaration")
        .any(|declaration| {
            let named = declaration
                .child_by_field_name("name")
                .is_some_and(|n| field(file.text(n)));
            named
                || declaration.child_by_field_name("type").is_some_and(|ty| {
                    type_names(file.text(ty))
                        .iter()
                        .filter(|inner| inner.as_str() != name)
                        .any(|inner| shows(file, inner, field, depth - 1))
                })
        })
}

/// Whether the attributes above `item` derive `Debug`.
fn derives_debug(file: &ParsedFile, item: Node) -> bool {
    let mut previous = item.prev_sibling();
    while let Some(node) = previous {
        match node.kind() {
            "attribute_item" => {
                let derives = descendants(node)
                    .any(|n| n.kind() == "identifier" && file.text(n) == "derive")
                    && file.text(node).contains("Debug");
                if derives {
                    return true;
                }
            }
            "line_comment" | "block_comment" => {}
            _ => return false,
        }
        previous = node.prev_sibling();
    }
    false
}
