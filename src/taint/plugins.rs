//! Calls configured with sanitizing plugins: `markdown.markdown(text, extensions=[CleanExt()])`
//! returns what the plugin makes of the text, and a plugin class of the project whose code
//! runs a sanitizer (`bleach.clean`), itself or through a class it builds, cleans it.
//!
//! Decided from what the classes do, not from their names: the rule's own sanitizers are
//! looked for in the class bodies.

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::scope::python::{enclosing_scope, SCOPES};
use crate::syntax::{descendants, named_children};
use tree_sitter::Node;

/// How many classes deep a plugin's sanitizer is looked for: the plugin, and the classes it
/// builds (a markdown extension registering its post-processor).
const DEPTH: usize = 2;

/// Whether the Python `call` is handed an instance of a class of this file whose code holds a
/// node for which `sanitizes` holds: as an argument, inside a list or tuple argument, or in a
/// local list built before the call (`exts = [..., CleanExt()]; exts.append(...)`).
pub fn handed_sanitizing_plugin(
    file: &ParsedFile,
    call: Node,
    sanitizes: &dyn Fn(Node) -> bool,
) -> bool {
    if file.language() != Language::Python || call.kind() != "call" {
        return false;
    }
    let Some(arguments) = call.child_by_field_name("arguments") else {
        return false;
    };
    let mut values: Vec<Node> = named_children(arguments)
        .into_iter()
        .map(|argument| match argument.kind() {
            "keyword_argument" => argument.child_by_field_name("value").unwrap_or(argument),
            _ => argument,
        })
        .collect();
    // A local list given by name: what it was built from, and what was appended to it.
    let scope = enclosing_scope(file, call);
    let locals: Vec<Node> = values
        .iter()
        .filter(|value| value.kind() == "identifier")
        .flat_map(|name| {
            let name = file.text(*name);
            file.mentioning(scope, name, call.start_byte(), SCOPES)
                .into_iter()
                .filter_map(move |node| built_into(file, node, name))
        })
        .collect();
    values.extend(locals);
    let constructed: Vec<Node> = values
        .into_iter()
        .flat_map(|value| match value.kind() {
            "list" | "tuple" => named_children(value),
            _ => vec![value],
        })
        .filter(|value| value.kind() == "call")
        .collect();
    constructed
        .into_iter()
        .filter_map(|construction| module_class_called(file, construction))
        .any(|class| class_sanitizes(file, class, sanitizes, DEPTH))
}

/// Whether a class's body holds a call for which `sanitizes` holds, or builds a class of this
/// file that does (up to `depth` classes).
fn class_sanitizes(
    file: &ParsedFile,
    class: Node,
    sanitizes: &dyn Fn(Node) -> bool,
    depth: usize,
) -> bool {
    let Some(body) = class.child_by_field_name("body") else {
        return false;
    };
    let calls: Vec<Node> = descendants(body).filter(|n| n.kind() == "call").collect();
    calls.iter().any(|call| sanitizes(*call))
        || (depth > 1
            && calls
                .iter()
                .filter_map(|call| module_class_called(file, *call))
                .filter(|built| built.id() != class.id())
                .any(|built| class_sanitizes(file, built, sanitizes, depth - 1)))
}

/// The module-level class of this file that `call` constructs (`CleanExt(...)`).
fn module_class_called<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Node<'t>> {
    let callee = call.child_by_field_name("function")?;
    if callee.kind() != "identifier" {
        return None;
    }
    let mut root = call;
    while let Some(parent) = root.parent() {
        root = parent;
    }
    super::python::definition_in(file, root, "class_definition", file.text(callee))
}

/// What `node` puts into the local `name`: the value of `name = …`, or the argument of
/// `name.append(…)`.
fn built_into<'t>(file: &ParsedFile, node: Node<'t>, name: &str) -> Option<Node<'t>> {
    match node.kind() {
        "assignment" => {
            let left = node.child_by_field_name("left")?;
            (left.kind() == "identifier" && file.text(left) == name)
                .then(|| node.child_by_field_name("right"))?
        }
        "call" => {
            let callee = node.child_by_field_name("function")?;
            let receiver = callee.child_by_field_name("object")?;
            let method = callee.child_by_field_name("attribute")?;
            (callee.kind() == "attribute"
                && file.text(receiver) == name
                && file.text(method) == "append")
                .then(|| {
                    named_children(node.child_by_field_name("arguments")?)
                        .first()
                        .copied()
                })?
        }
        _ => None,
    }
}
