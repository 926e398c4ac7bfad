//! The project's own request class: a subclass of a framework's request
//! (`class IndicoRequest(flask.Request)`, set as the app's `request_class`) whose properties
//! derive values from the client's request (`@cached_property def bearer_token(self):` parsing
//! the `Authorization` header). Wherever the project then reads `request.bearer_token`, that
//! is request input like `request.headers` itself.

use super::{Custom, Tracer};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{named_children, FieldChild};
use tree_sitter::Node;

/// The names of the properties of this file's request classes that return client input.
pub fn input_properties(file: &ParsedFile) -> Vec<String> {
    if file.language() != Language::Python || !file.source.text.contains("Request") {
        return Vec::new();
    }
    // Inside the class, the request is `self` (or the framework's global `request`).
    let own_input = |node: Node| {
        let object = node.field_child("object")?;
        let attribute = node.field_child("attribute")?;
        (node.kind() == "attribute"
            && file.text(object) == "self"
            && super::python::is_source_attribute(file.text(attribute)))
        .then(|| Custom::Source(format!("`{}` is request input", file.text(node))))
    };
    let tracer = Tracer::new(file, file.model(), &own_input, true);
    file.of_kinds(&["class_definition"])
        .into_iter()
        .filter(|class| extends_request(file, *class))
        .filter_map(|class| class.field_child("body"))
        .flat_map(named_children)
        .filter_map(|member| property(file, member))
        .filter(|function| {
            super::python::returned_values(*function)
                .into_iter()
                .any(|value| tracer.trace(value).is_some())
        })
        .filter_map(|function| function.field_child("name"))
        .map(|name| file.text(name).to_string())
        .collect()
}

/// Whether `class` names a framework's request class among its bases (`flask.Request`,
/// `werkzeug.wrappers.Request`, `django.http.HttpRequest`, `starlette.requests.Request`).
fn extends_request(file: &ParsedFile, class: Node) -> bool {
    let Some(bases) = class.field_child("superclasses") else {
        return false;
    };
    named_children(bases).into_iter().any(|base| {
        file.symbols()
            .resolve(Language::Python, file.text(base))
            .qualified()
            .is_some_and(|qualified| {
                super::python::is_request_library(&qualified) && qualified.ends_with("Request")
            })
    })
}

/// The method `member` defines when it is a property (`@property`, `@cached_property`,
/// `@functools.cached_property`, `@werkzeug.utils.cached_property`).
fn property<'t>(file: &ParsedFile, member: Node<'t>) -> Option<Node<'t>> {
    if member.kind() != "decorated_definition" {
        return None;
    }
    let is_property = named_children(member)
        .into_iter()
        .filter(|child| child.kind() == "decorator")
        .any(|decorator| {
            let name = file.text(decorator).trim_start_matches('@').trim();
            matches!(
                name.rsplit('.').next(),
                Some("property" | "cached_property")
            )
        });
    is_property
        .then(|| member.field_child("definition"))
        .flatten()
        .filter(|definition| definition.kind() == "function_definition")
}
