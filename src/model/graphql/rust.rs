//! GraphQL resolvers in Rust: the methods of async-graphql `#[Object]` and juniper
//! `#[graphql_object]` impls of root types (`QueryRoot`, `MutationRoot`), with
//! `#[graphql(guard = …)]` and `ctx.data::<T>()` checks.

use super::{camel, root_kind, Operation};
use crate::model::{looks_like_auth, Framework, Handler};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::Resolved;
use crate::syntax::{descendants, named_children};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// `ctx.data::<AuthUser>()`, `ctx.data_unchecked::<Claims>()`: the type the resolver requires
/// the request to carry.
static CONTEXT_DATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\.data(?:_unchecked)?::<\s*([\w:]+)").expect("valid context-data regex")
});

/// Qualified names of the request type of async-graphql's server integrations: a handler
/// taking one serves the schema.
const REQUEST_TYPES: &[(&str, Framework)] = &[
    (
        "async_graphql_axum::GraphQLRequest",
        Framework::AsyncGraphql,
    ),
    (
        "async_graphql_axum::GraphQLBatchRequest",
        Framework::AsyncGraphql,
    ),
    (
        "async_graphql_actix_web::GraphQLRequest",
        Framework::AsyncGraphql,
    ),
    (
        "async_graphql_actix_web::GraphQLBatchRequest",
        Framework::AsyncGraphql,
    ),
    ("juniper_axum::extract::JuniperRequest", Framework::Juniper),
    ("juniper_axum::JuniperRequest", Framework::Juniper),
];
/// The attribute that makes an impl's methods resolvers, per library: (crate, attribute).
const OBJECT_ATTRIBUTES: &[(&str, &str, Framework)] = &[
    (
        "async_graphql",
        "async_graphql::Object",
        Framework::AsyncGraphql,
    ),
    ("juniper", "juniper::graphql_object", Framework::Juniper),
];

/// The qualified name of a name written in an async-graphql file; names a glob import of the
/// crate may bring (`use async_graphql::*;`) count as the crate's.
fn resolve(file: &ParsedFile, written: &str, krate: &str) -> String {
    let symbols = file.symbols();
    match symbols.resolve(Language::Rust, written) {
        Resolved::Qualified(name) => name,
        Resolved::Unresolved(name) if symbols.globs.iter().any(|g| g.starts_with(krate)) => {
            format!("{krate}::{name}")
        }
        Resolved::Unresolved(name) => name,
    }
}

/// The library whose schema a handler serves when it takes a parameter of this type (a request
/// type of async-graphql's or juniper's server integrations).
pub(crate) fn serves_schema(file: &ParsedFile, type_text: &str) -> Option<Framework> {
    let head = type_text.split('<').next().unwrap_or(type_text).trim();
    let text = &file.source.text;
    let krate = if text.contains("async_graphql_actix_web") {
        "async_graphql_actix_web"
    } else if text.contains("async_graphql_axum") {
        "async_graphql_axum"
    } else {
        "juniper_axum"
    };
    let qualified = resolve(file, head, krate);
    REQUEST_TYPES
        .iter()
        .find(|(name, _)| *name == qualified)
        .map(|(_, library)| *library)
}

/// The resolvers of the file's `#[Object]` root impls.
pub(crate) fn handlers(file: &ParsedFile) -> Vec<Handler> {
    let libraries: Vec<&(&str, &str, Framework)> = OBJECT_ATTRIBUTES
        .iter()
        .filter(|(krate, _, _)| file.source.text.contains(krate))
        .collect();
    if libraries.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in descendants(file.tree.root_node()).filter(|n| n.kind() == "impl_item") {
        let library = attributes(item).into_iter().find_map(|a| {
            let path = attribute_path(file, a)?;
            libraries
                .iter()
                .find(|(krate, name, _)| resolve(file, path, krate) == *name)
                .map(|(_, _, library)| *library)
        });
        let Some(type_node) = item.child_by_field_name("type") else {
            continue;
        };
        let type_name = file.text(type_node).split('<').next().unwrap_or("").trim();
        let (Some(library), Some(kind), Some(body)) = (
            library,
            root_kind(type_name),
            item.child_by_field_name("body"),
        ) else {
            continue;
        };
        for function in named_children(body)
            .into_iter()
            .filter(|n| n.kind() == "function_item")
        {
            let Some(name_node) = function.child_by_field_name("name") else {
                continue;
            };
            let options: Vec<&str> = attributes(function)
                .into_iter()
                .map(|a| file.text(a))
                .filter(|a| a.contains("graphql"))
                .collect();
            if options.iter().any(|a| a.contains("skip")) {
                continue;
            }
            let field = options
                .iter()
                .find_map(|a| a.split("name = \"").nth(1)?.split('"').next())
                .map_or_else(|| camel(file.text(name_node)), str::to_string);
            let mut guards: Vec<String> = options
                .iter()
                .filter(|a| a.contains("guard"))
                .map(|a| a.to_string())
                .collect();
            let body_text = function
                .child_by_field_name("body")
                .map(|b| file.text(b))
                .unwrap_or("");
            guards.extend(
                CONTEXT_DATA
                    .captures_iter(body_text)
                    .map(|c| c[1].to_string())
                    .filter(|t| looks_like_auth(t))
                    .map(|t| format!("ctx.data::<{t}>()")),
            );
            let operation = Operation::new(kind, field).of_type(type_name);
            out.push(Handler {
                name: file.text(name_node).to_string(),
                framework: library,
                methods: operation.methods(),
                route: None,
                guards,
                owner: Some(type_name.to_string()),
                declared_route: false,
                markers: options.iter().map(|a| a.to_string()).collect(),
                bytes: function.byte_range(),
                name_bytes: name_node.byte_range(),
                request_params: arguments(file, function),
                guard_calls: Vec::new(),
                operation: Some(operation),
            });
        }
    }
    out
}

/// The attribute items right above an item.
fn attributes(item: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut sibling = item.prev_named_sibling();
    while let Some(node) =
        sibling.filter(|n| n.kind() == "attribute_item" || n.kind().ends_with("comment"))
    {
        if node.kind() == "attribute_item" {
            out.push(node);
        }
        sibling = node.prev_named_sibling();
    }
    out
}

/// `#[async_graphql::Object(name = "Q")]` → `async_graphql::Object`.
fn attribute_path<'f>(file: &ParsedFile<'f>, attribute: Node) -> Option<&'f str> {
    let text = file.text(attribute);
    let inner = text.strip_prefix("#[")?.trim_end_matches(']');
    Some(inner.split('(').next().unwrap_or(inner).trim())
}

/// The operation's arguments: every parameter but the receiver and the context.
fn arguments(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(list) = function.child_by_field_name("parameters") else {
        return Vec::new();
    };
    named_children(list)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
        .filter(|p| {
            p.child_by_field_name("type")
                .is_none_or(|t| !file.text(t).contains("Context"))
        })
        .filter_map(|p| p.child_by_field_name("pattern"))
        .flat_map(|pattern| {
            descendants(pattern)
                .filter(|n| n.kind() == "identifier")
                .map(|n| file.text(n).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}
