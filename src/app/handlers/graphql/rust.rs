//! GraphQL resolvers in Rust: the methods of async-graphql `#[Object]` and juniper
//! `#[graphql_object]` impls of root types (`QueryRoot`, `MutationRoot`), with
//! `#[graphql(guard = …)]` and `ctx.data::<T>()` checks.

use super::{camel, root_kind, Operation};
use crate::app::handlers::{looks_like_auth, Framework, Handler};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::Resolved;
use crate::syntax::{descendants, named_children, FieldChild};
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
        let Some(type_node) = item.field_child("type") else {
            continue;
        };
        let type_name = file.text(type_node).split('<').next().unwrap_or("").trim();
        let (Some(library), Some(kind), Some(body)) =
            (library, root_kind(type_name), item.field_child("body"))
        else {
            continue;
        };
        for function in named_children(body)
            .into_iter()
            .filter(|n| n.kind() == "function_item")
        {
            let Some(name_node) = function.field_child("name") else {
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
                .field_child("body")
                .map(|b| file.text(b))
                .unwrap_or("");
            guards.extend(context_check(file, function));
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
                typed_params: Vec::new(),
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
    let Some(list) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(list)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
        .filter(|p| {
            p.field_child("type")
                .is_none_or(|t| !file.text(t).contains("Context"))
        })
        .filter_map(|p| p.field_child("pattern"))
        .flat_map(|pattern| {
            descendants(pattern)
                .filter(|n| n.kind() == "identifier")
                .map(|n| file.text(n).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Wrappers around the schema a handler takes (`State<Arc<AppSchema>>`,
/// `web::Data<AppSchema>`, `Extension<AppSchema>`).
const SCHEMA_WRAPPERS: &[&str] = &[
    "State",
    "Extension",
    "Data",
    "web",
    "Arc",
    "Rc",
    "Box",
    "axum",
    "extract",
    "actix_web",
    "std",
    "sync",
];

/// The library whose schema type `head` names, through the file's `use`s
/// (`Schema` → async-graphql's, `RootNode` → juniper's).
fn schema_library(file: &ParsedFile, head: &str) -> Option<Framework> {
    [
        (
            "async_graphql",
            "async_graphql::Schema",
            Framework::AsyncGraphql,
        ),
        ("juniper", "juniper::RootNode", Framework::Juniper),
    ]
    .into_iter()
    .find(|(krate, name, _)| resolve(file, head, krate) == *name)
    .map(|(_, _, library)| library)
}

/// The roots of a schema type as written: `Schema<QueryRoot, MutationRoot, EmptySubscription>`
/// (async-graphql) or `RootNode<'static, Query, Mutation, EmptySubscription<Context>>`
/// (juniper), qualified through the file's `use`s.
fn schema_type(file: &ParsedFile, type_text: &str) -> Option<(Framework, Vec<String>)> {
    let (head, rest) = type_text.split_once('<')?;
    let head = head.trim();
    let library = schema_library(file, head)?;
    let inner = rest.rsplit_once('>').map_or(rest, |(inner, _)| inner);
    let mut args = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(inner[start..].trim());
    let roots = args
        .into_iter()
        .filter(|a| !a.starts_with('\'') && !a.is_empty())
        .take(2)
        .map(|a| qualify(file, a.split('<').next().unwrap_or(a).trim()))
        .collect();
    Some((library, roots))
}

/// A type name as the file's `use`s qualify it (`QueryRoot` → `crate::graphql::QueryRoot`).
fn qualify(file: &ParsedFile, written: &str) -> String {
    file.symbols()
        .resolve(Language::Rust, written)
        .name()
        .to_string()
}

/// The schemas the file builds (`type AppSchema = Schema<QueryRoot, MutationRoot,
/// EmptySubscription>;`, `Schema::build(QueryRoot, MutationRoot, EmptySubscription)`,
/// `RootNode::new(Query, Mutation, …)`) and the objects it merges
/// (`#[derive(MergedObject)] struct QueryRoot(UserQuery, OrderQuery);`).
pub(crate) fn schema_facts(file: &ParsedFile) -> (Vec<super::Schema>, Vec<(String, Vec<String>)>) {
    let text = &file.source.text;
    let (mut schemas, mut merged) = (Vec::new(), Vec::new());
    if !text.contains("async_graphql") && !text.contains("juniper") {
        return (schemas, merged);
    }
    for node in descendants(file.tree.root_node()) {
        match node.kind() {
            "type_item" => {
                let (Some(name), Some(value)) =
                    (node.field_child("name"), node.field_child("type"))
                else {
                    continue;
                };
                if let Some((library, roots)) = schema_type(file, file.text(value)) {
                    schemas.push(schema(file.text(name).to_string(), library, roots));
                }
            }
            "call_expression" => {
                let Some(function) = node.field_child("function") else {
                    continue;
                };
                let callee = file.text(function);
                let Some((head, "build" | "new")) = callee.rsplit_once("::") else {
                    continue;
                };
                let Some(library) = schema_library(file, head) else {
                    continue;
                };
                let roots = node
                    .field_child("arguments")
                    .map(named_children)
                    .unwrap_or_default()
                    .into_iter()
                    .take(2)
                    .filter_map(|arg| value_type(file, arg))
                    .map(|t| qualify(file, &t))
                    .collect();
                let bound = node
                    .parent()
                    .filter(|p| p.kind() == "let_declaration")
                    .and_then(|p| p.field_child("pattern"))
                    .map(|p| file.text(p).to_string());
                let name = bound.unwrap_or_else(|| format!("@{}", node.start_byte()));
                schemas.push(schema(name, library, roots));
            }
            "struct_item" => {
                let merges = attributes(node)
                    .into_iter()
                    .any(|a| file.text(a).contains("MergedObject"));
                let (true, Some(name), Some(body)) =
                    (merges, node.field_child("name"), node.field_child("body"))
                else {
                    continue;
                };
                let parts = named_children(body)
                    .into_iter()
                    .filter(|n| !n.kind().ends_with("comment") && n.kind() != "visibility_modifier")
                    .map(|n| qualify(file, file.text(n).split('<').next().unwrap_or("").trim()))
                    .collect();
                merged.push((file.text(name).to_string(), parts));
            }
            _ => {}
        }
    }
    (schemas, merged)
}

fn schema(name: String, library: Framework, roots: Vec<String>) -> super::Schema {
    let kinds = [super::OperationKind::Query, super::OperationKind::Mutation];
    super::Schema {
        name,
        library,
        roots: kinds
            .into_iter()
            .zip(roots)
            .filter(|(_, root)| !root.rsplit("::").next().unwrap_or("").starts_with("Empty"))
            .map(|(kind, root)| (Some(kind), root))
            .collect(),
        snake_case: false,
    }
}

/// The type a root value is built from: `QueryRoot`, `QueryRoot::default()`, `Query {}`,
/// `Query::new(db)`.
fn value_type(file: &ParsedFile, value: Node) -> Option<String> {
    let text = match value.kind() {
        "identifier" | "scoped_identifier" => file.text(value),
        "struct_expression" => file.text(value.field_child("name")?),
        "call_expression" => {
            let function = file.text(value.field_child("function")?);
            match function.rsplit_once("::") {
                Some((head, _)) => head,
                None => function,
            }
        }
        _ => return None,
    };
    Some(text.to_string())
}

/// The schema a GraphQL endpoint handler takes among its parameters' types
/// (`State<AppSchema>`, `web::Data<Schema<Query, Mutation, EmptySubscription>>`): the alias
/// qualified through the file's `use`s, or `@TYPE` for a schema type written in place (with
/// the schema it names).
pub(crate) fn handler_schema(
    file: &ParsedFile,
    types: &[String],
) -> Option<(String, Option<super::Schema>)> {
    for type_text in types {
        let mut rest = type_text.as_str();
        // Peel the wrappers off: `State<Arc<AppSchema>>` → `AppSchema`.
        loop {
            let head = rest.split(['<', ':']).next().unwrap_or(rest).trim();
            if SCHEMA_WRAPPERS.contains(&head) {
                let Some((_, inner)) = rest.split_once(['<', ':']) else {
                    break;
                };
                rest = inner.trim_start_matches(':').trim();
                rest = rest.strip_suffix('>').unwrap_or(rest);
                continue;
            }
            break;
        }
        let rest = rest.trim().trim_end_matches('>');
        if let Some((library, roots)) = schema_type(file, &format!("{rest}>")) {
            let name = format!("@{rest}");
            return Some((name.clone(), Some(schema(name, library, roots))));
        }
        let ident = rest.split('<').next().unwrap_or(rest).trim();
        let last = ident.rsplit("::").next().unwrap_or(ident);
        let plain = !ident.is_empty()
            && ident
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && last.starts_with(|c: char| c.is_ascii_uppercase())
            && !last.ends_with("Request")
            && !last.ends_with("Response");
        if plain {
            return Some((qualify(file, ident), None));
        }
    }
    None
}

/// Statements at the top of a resolver a check of the context may be among.
const CHECKED_STATEMENTS: usize = 4;

/// A refusal at the top of a resolver conditioned on the caller's identity in its context:
/// `let user = context.user.as_ref().ok_or("unauthorized")?;`, `context.require_admin()?;`,
/// `if context.user.is_none() { return Err(…) }`, `let Some(user) = &ctx.user else { return
/// Err(…) };`, also through juniper's `executor.context()` or a helper handed the context
/// (`require_user(context)?`). What is read must be about identity (a user, claims, a
/// session, a role) and not depend on the operation's arguments (a look-up of a user by a
/// client-given id is no check of the caller).
fn context_check(file: &ParsedFile, function: Node) -> Option<String> {
    let (Some(params), Some(body)) = (
        function.field_child("parameters"),
        function.field_child("body"),
    ) else {
        return None;
    };
    let mut contexts = Vec::new();
    let mut arguments = Vec::new();
    for param in named_children(params)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
    {
        let (Some(pattern), Some(kind)) = (param.field_child("pattern"), param.field_child("type"))
        else {
            continue;
        };
        let name = file.text(pattern).trim_start_matches("mut ").to_string();
        let type_text = file.text(kind);
        if type_text.contains("Context")
            || type_text.contains("Ctx")
            || type_text.contains("Executor")
        {
            contexts.push(name);
        } else {
            arguments.push(name);
        }
    }
    if contexts.is_empty() {
        return None;
    }
    let mentions = |text: &str, name: &str| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    for statement in named_children(body).into_iter().take(CHECKED_STATEMENTS) {
        let expression = match statement.kind() {
            "expression_statement" => match statement.named_child(0) {
                Some(inner) => inner,
                None => continue,
            },
            _ => statement,
        };
        // `let ctx = executor.context();` brings another name for the context.
        if expression.kind() == "let_declaration" {
            if let (Some(pattern), Some(value)) = (
                expression.field_child("pattern"),
                expression.field_child("value"),
            ) {
                let value_text = file.text(value);
                if value_text.ends_with(".context()")
                    && contexts.iter().any(|c| mentions(value_text, c))
                {
                    contexts.push(file.text(pattern).to_string());
                    continue;
                }
            }
        }
        let checks: Vec<Node> = match expression.kind() {
            "if_expression" => {
                let refuses = expression
                    .field_child("consequence")
                    .is_some_and(|c| refuses(file, c));
                expression
                    .field_child("condition")
                    .filter(|_| refuses)
                    .into_iter()
                    .collect()
            }
            "let_declaration" if expression.field_child("alternative").is_some() => {
                let refuses = expression
                    .field_child("alternative")
                    .is_some_and(|a| refuses(file, a));
                expression
                    .field_child("value")
                    .filter(|_| refuses)
                    .into_iter()
                    .collect()
            }
            _ => descendants(expression)
                .filter(|n| n.kind() == "try_expression")
                .filter_map(|n| n.named_child(0))
                .collect(),
        };
        for check in checks {
            let text = file.text(check);
            let Some(context) = contexts.iter().find(|c| mentions(text, c)) else {
                continue;
            };
            // `ctx.data::<T>()` is judged by its type, above.
            if arguments.iter().any(|a| mentions(text, a))
                || text.contains(".data::<")
                || text.contains(".data_unchecked::<")
            {
                continue;
            }
            let read = text.replace(context.as_str(), "");
            if looks_like_auth(&read) {
                let shown: String = text.lines().next().unwrap_or("").chars().take(80).collect();
                return Some(format!(
                    "inline check: `{shown}` refuses callers without it"
                ));
            }
        }
    }
    None
}

/// Whether a block leaves the resolver with an error (`return Err(…)`, an error value, a
/// panic is not a refusal).
fn refuses(file: &ParsedFile, block: Node) -> bool {
    let text = file.text(block);
    descendants(block).any(|n| n.kind() == "return_expression")
        && (text.contains("Err(") || text.contains("Error") || text.contains("error"))
}
