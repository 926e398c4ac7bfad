//! Calls configured with sanitizing plugins: `markdown.markdown(text, extensions=[CleanExt()])`
//! returns what the plugin makes of the text, and a plugin class of the project whose code
//! runs a sanitizer (`bleach.clean`), itself or through a class it builds, cleans it.
//!
//! Decided from what the classes do, not from their names: the rule's own sanitizers are
//! looked for in the class bodies, once per file and rule ([`sanitizing_classes`]).

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::scope::python::{enclosing_scope, SCOPES};
use crate::syntax::{descendants, named_children, FieldChild};
use std::collections::BTreeSet;
use tree_sitter::Node;

/// How many classes deep a plugin's sanitizer is looked for: the plugin, and the classes it
/// builds (a markdown extension registering its post-processor).
const DEPTH: usize = 2;

/// The names of this file's module-level classes whose code holds a call for which `sanitizes`
/// holds, or builds a class of this file that does.
pub fn sanitizing_classes(file: &ParsedFile, sanitizes: &dyn Fn(Node) -> bool) -> BTreeSet<String> {
    if file.language() != Language::Python {
        return BTreeSet::new();
    }
    module_classes(file)
        .into_iter()
        .filter(|class| class_sanitizes(file, *class, sanitizes, DEPTH))
        .filter_map(|class| class.field_child("name"))
        .map(|name| file.text(name).to_string())
        .collect()
}

/// Whether the Python `call` is handed an instance of a class of this file for which
/// `sanitizing` holds: as an argument, inside a list or tuple argument, or in a local list built
/// before the call (`exts = [..., CleanExt()]; exts.append(...)`). `classes` are the file's
/// module-level class names; `sanitizing` is asked only about those the call is handed.
pub fn handed_plugin(
    file: &ParsedFile,
    call: Node,
    classes: &BTreeSet<String>,
    sanitizing: &dyn Fn(&str) -> bool,
) -> bool {
    if classes.is_empty() || call.kind() != "call" {
        return false;
    }
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    let mut values: Vec<Node> = named_children(arguments)
        .into_iter()
        .map(|argument| match argument.kind() {
            "keyword_argument" => argument.field_child("value").unwrap_or(argument),
            _ => argument,
        })
        .collect();
    // A local list given by name: what it was built from, and what was appended to it.
    let names: Vec<&str> = values
        .iter()
        .filter(|value| value.kind() == "identifier")
        .map(|name| file.text(*name))
        .collect();
    if !names.is_empty() {
        let scope = enclosing_scope(file, call);
        for name in names {
            values.extend(
                file.mentioning(scope, name, call.start_byte(), SCOPES)
                    .into_iter()
                    .filter_map(|node| built_into(file, node, name)),
            );
        }
    }
    values
        .into_iter()
        .flat_map(|value| match value.kind() {
            "list" | "tuple" => named_children(value),
            _ => vec![value],
        })
        .filter_map(|value| constructed_class(file, value))
        .filter(|class| classes.contains(*class))
        .any(sanitizing)
}

/// The names of the file's module-level classes.
pub fn module_class_names(file: &ParsedFile) -> BTreeSet<String> {
    if file.language() != Language::Python {
        return BTreeSet::new();
    }
    module_classes(file)
        .into_iter()
        .filter_map(|class| class.field_child("name"))
        .map(|name| file.text(name).to_string())
        .collect()
}

/// Whether a class's body holds a call for which `sanitizes` holds, or builds a class of this
/// file that does (up to `depth` classes).
fn class_sanitizes(
    file: &ParsedFile,
    class: Node,
    sanitizes: &dyn Fn(Node) -> bool,
    depth: usize,
) -> bool {
    let Some(body) = class.field_child("body") else {
        return false;
    };
    let calls: Vec<Node> = descendants(body).filter(|n| n.kind() == "call").collect();
    calls.iter().any(|call| sanitizes(*call))
        || (depth > 1
            && calls
                .iter()
                .filter_map(|call| constructed_class(file, *call))
                .filter_map(|name| module_class(file, name))
                .filter(|built| built.id() != class.id())
                .any(|built| class_sanitizes(file, built, sanitizes, depth - 1)))
}

/// The class name a call constructs, when it calls a bare name (`CleanExt(...)`).
fn constructed_class<'f>(file: &'f ParsedFile, call: Node) -> Option<&'f str> {
    let callee = call.field_child("function")?;
    (call.kind() == "call" && callee.kind() == "identifier").then(|| file.text(callee))
}

/// The module-level classes of the file.
fn module_classes<'t>(file: &'t ParsedFile) -> Vec<Node<'t>> {
    named_children(file.tree.root_node())
        .into_iter()
        .filter_map(|statement| match statement.kind() {
            "decorated_definition" => statement.field_child("definition"),
            _ => Some(statement),
        })
        .filter(|definition| definition.kind() == "class_definition")
        .collect()
}

/// The module-level class of this file named `name`.
fn module_class<'t>(file: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    module_classes(file).into_iter().find(|class| {
        class
            .field_child("name")
            .is_some_and(|n| file.text(n) == name)
    })
}

/// What `node` puts into the local `name`: the value of `name = …`, or the argument of
/// `name.append(…)`.
fn built_into<'t>(file: &ParsedFile, node: Node<'t>, name: &str) -> Option<Node<'t>> {
    match node.kind() {
        "assignment" => {
            let left = node.field_child("left")?;
            (left.kind() == "identifier" && file.text(left) == name)
                .then(|| node.field_child("right"))?
        }
        "call" => {
            let callee = node.field_child("function")?;
            let receiver = callee.field_child("object")?;
            let method = callee.field_child("attribute")?;
            (callee.kind() == "attribute"
                && file.text(receiver) == name
                && file.text(method) == "append")
                .then(|| {
                    named_children(node.field_child("arguments")?)
                        .first()
                        .copied()
                })?
        }
        _ => None,
    }
}
