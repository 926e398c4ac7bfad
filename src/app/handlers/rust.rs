//! Handler discovery for axum and actix-web, and for services that route by hand
//! ([`super::dispatch`]), one file at a time.

use super::dispatch::{self, Dispatch, Dispatcher, RoutedCall};
use super::{looks_like_auth, Framework, Handler};
use crate::app::rust_guards::body_guard_calls;
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children, FieldChild};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
/// Parameter types that carry request input.
const INPUT_EXTRACTORS: &[&str] = &[
    "Path",
    "Query",
    "Json",
    "Form",
    "HeaderMap",
    "TypedHeader",
    "Multipart",
    "Bytes",
    "String",
    "Request",
];
/// Parameter types that carry the request in a service that routes by hand (besides
/// [`INPUT_EXTRACTORS`]): the body, the URI, the raw text.
const RAW_INPUTS: &[&str] = &["Body", "Incoming", "Uri", "str", "[u8]", "Vec"];
/// Parameter types that only appear in handlers.
const HANDLER_TYPES: &[&str] = &[
    "Path",
    "Query",
    "Json",
    "Form",
    "State",
    "Extension",
    "HeaderMap",
    "TypedHeader",
    "Multipart",
    "HttpRequest",
    "Data",
    "Payload",
];

/// Where a handler is registered: route, methods and router-level guards.
#[derive(Default, Clone)]
struct Registration {
    route: Option<String>,
    methods: Vec<String>,
    guards: Vec<String>,
    framework: Option<Framework>,
}

/// The file's handlers, and the functions among them that route by hand.
pub(super) fn handlers(file: &ParsedFile) -> (Vec<Handler>, Vec<Dispatcher>) {
    let functions = file.of_kinds(&["function_item"]);
    let calls = file.of_kinds(&["call_expression"]);
    let mut registrations = registrations(file, &calls);
    let mut handlers = Vec::new();
    let mut dispatchers = Vec::new();
    for (function, dispatch) in dispatches(file, &functions) {
        if let Some(dispatcher) =
            dispatched(file, function, &dispatch, &mut registrations, &mut handlers)
        {
            dispatchers.push(dispatcher);
        }
    }
    // `post(convert)` names the free function `convert`, not a method of that name.
    let free: HashSet<&str> = functions
        .iter()
        .filter(|f| !is_method(**f))
        .filter_map(|f| f.field_child("name"))
        .map(|name| file.text(name))
        .collect();
    handlers.extend(
        functions
            .iter()
            .filter(|f| !dispatchers.iter().any(|d| d.bytes == f.byte_range()))
            .filter(|f| {
                !is_method(**f)
                    || f.field_child("name")
                        .is_none_or(|name| !free.contains(file.text(name)))
            })
            .filter_map(|function| handler_for(file, &registrations, *function)),
    );
    (handlers, dispatchers)
}

/// Whether `function` is a method: declared in an `impl` or `trait` block.
fn is_method(function: Node) -> bool {
    function
        .parent()
        .filter(|parent| parent.kind() == "declaration_list")
        .and_then(|list| list.parent())
        .is_some_and(|block| matches!(block.kind(), "impl_item" | "trait_item"))
}

/// The functions among `functions` that route by hand.
fn dispatches<'t>(file: &ParsedFile, functions: &[Node<'t>]) -> Vec<(Node<'t>, Dispatch<'t>)> {
    if !dispatch::may_dispatch(&file.source.text) {
        return Vec::new();
    }
    functions
        .iter()
        .filter_map(|&function| {
            let params: Vec<String> = parameters(file, function)
                .into_iter()
                .filter(|p| p.raw_input)
                .flat_map(|p| p.bound)
                .collect();
            dispatch::of(file, function, &params).map(|dispatch| (function, dispatch))
        })
        .collect()
}

/// The handlers of a function that routes by hand, added to `handlers`: the function itself
/// (for the request input its body reads; a route only if something mounts it), and each arm
/// that handles its route inline. Arms that hand the request to a function of this file
/// register it; every arm that hands it to a function is kept on the returned dispatcher.
fn dispatched(
    file: &ParsedFile,
    function: Node,
    dispatch: &Dispatch,
    registrations: &mut HashMap<String, Registration>,
    handlers: &mut Vec<Handler>,
) -> Option<Dispatcher> {
    let name_node = function.field_child("name")?;
    let name = file.text(name_node).to_string();
    let framework = hand_routed_framework(file);
    let outer_guards: Vec<String> = dispatch.refusal.iter().cloned().collect();
    let checks = body_guard_calls(file, function, Some(dispatch.start));
    let base = Handler {
        name: name.clone(),
        framework,
        methods: Vec::new(),
        route: None,
        guards: outer_guards.clone(),
        owner: None,
        declared_route: false,
        markers: Vec::new(),
        bytes: function.byte_range(),
        name_bytes: name_node.byte_range(),
        request_params: dispatch.inputs.clone(),
        guard_calls: checks.clone(),
        typed_params: Vec::new(),
        operation: None,
    };
    handlers.push(base.clone());
    let mut calls = Vec::new();
    for arm in &dispatch.arms {
        let mut guards = outer_guards.clone();
        guards.extend(arm.refusal.iter().cloned());
        let Some(target) = arm.target else {
            handlers.push(Handler {
                methods: arm.methods.clone(),
                route: Some(arm.path.clone()),
                guards,
                declared_route: true,
                bytes: arm.bytes.clone(),
                name_bytes: arm.pattern.clone(),
                ..base.clone()
            });
            continue;
        };
        if target.kind() == "identifier" {
            let entry = registrations
                .entry(file.text(target).to_string())
                .or_default();
            entry.route = entry.route.take().or_else(|| Some(arm.path.clone()));
            entry.methods.extend(arm.methods.iter().cloned());
            entry.guards.extend(guards.iter().cloned());
            entry.framework = Some(framework);
        }
        calls.push(RoutedCall {
            at: arm.pattern.start,
            path: arm.path.clone(),
            methods: arm.methods.clone(),
            target: file.text(target).to_string(),
            guards,
            guard_calls: checks.clone(),
        });
    }
    Some(Dispatcher {
        name,
        bytes: function.byte_range(),
        calls,
    })
}

/// hyper (or the `http` crate) when the file uses it, else the standard library.
fn hand_routed_framework(file: &ParsedFile) -> Framework {
    let text = &file.source.text;
    if text.contains("hyper") || text.contains("http::") {
        Framework::Hyper
    } else {
        Framework::Std
    }
}

fn handler_for(
    file: &ParsedFile,
    registrations: &HashMap<String, Registration>,
    function: Node,
) -> Option<Handler> {
    let name_node = function.field_child("name")?;
    let name = file.text(name_node).to_string();
    let params = parameters(file, function);
    let attribute = attribute_route(file, function);
    let declared_route = attribute.is_some();
    let mut registration = attribute.or_else(|| registrations.get(&name).cloned());
    let extractor_handler = params.iter().any(|p| p.handler_type) && is_async(file, function);
    if registration.is_none() && !extractor_handler {
        return None;
    }
    let hand_routed = registration
        .as_ref()
        .and_then(|r| r.framework)
        .is_some_and(Framework::routes_by_hand);
    let actix_types = params.iter().any(|p| p.actix);
    let registration = registration.get_or_insert_with(Registration::default);
    let mut guards = registration.guards.clone();
    guards.extend(
        params
            .iter()
            .filter(|p| p.auth)
            .map(|p| p.type_text.clone()),
    );
    Some(Handler {
        name,
        framework: registration.framework.unwrap_or(if actix_types {
            Framework::Actix
        } else {
            Framework::Axum
        }),
        methods: registration.methods.clone(),
        route: registration.route.clone(),
        guards,
        owner: None,
        declared_route,
        markers: params.iter().map(|p| p.type_text.clone()).collect(),
        guard_calls: body_guard_calls(file, function, None),
        bytes: function.byte_range(),
        name_bytes: name_node.byte_range(),
        request_params: params
            .into_iter()
            .filter(|p| p.input || (hand_routed && p.raw_input))
            .flat_map(|p| p.bound)
            .collect(),
        typed_params: Vec::new(),
        operation: None,
    })
}

/// `#[get("/orders/{id}")]` or `#[route("/x", method = "POST")]` on an actix handler.
fn attribute_route(file: &ParsedFile, function: Node) -> Option<Registration> {
    let mut sibling = function.prev_named_sibling();
    while let Some(node) =
        sibling.filter(|n| n.kind() == "attribute_item" || n.kind().ends_with("comment"))
    {
        let text = file.text(node);
        let inner = text.trim_start_matches("#[").trim_end_matches(']');
        let macro_name = inner.split('(').next().unwrap_or("").trim();
        let macro_name = macro_name.rsplit("::").next().unwrap_or(macro_name);
        if VERBS.contains(&macro_name) || macro_name == "route" {
            let mut strings = quoted(inner).into_iter();
            let route = strings.next();
            let methods = if macro_name == "route" {
                strings
                    .map(|s| s.to_ascii_uppercase())
                    .filter(|s| VERBS.contains(&s.to_ascii_lowercase().as_str()))
                    .collect()
            } else {
                vec![macro_name.to_ascii_uppercase()]
            };
            return Some(Registration {
                route,
                methods,
                guards: Vec::new(),
                framework: Some(Framework::Actix),
            });
        }
        sibling = node.prev_named_sibling();
    }
    None
}

/// Handlers registered in this file: axum `.route("/p", get(h).post(h2))`, actix
/// `.route("/p", web::get().to(h))` and `web::resource("/p").route(web::post().to(h))`.
fn registrations(file: &ParsedFile, calls: &[Node]) -> HashMap<String, Registration> {
    let mut found: HashMap<String, Registration> = HashMap::new();
    for &call in calls {
        let Some(function) = call.field_child("function") else {
            continue;
        };
        if function.kind() != "field_expression" {
            continue;
        }
        let method = function
            .field_child("field")
            .map(|f| file.text(f))
            .unwrap_or("");
        if method != "route" && method != "to" {
            continue;
        }
        let Some(args) = call.field_child("arguments") else {
            continue;
        };
        let args = named_children(args);
        let chain = outermost_chain(call);
        let chain_text = file.text(chain);
        let guards = chain_guards(file, chain);
        let actix =
            chain_text.contains("web::") || chain_text.contains("App::new") || method == "to";
        let (route, handlers_expr) = match (method, args.as_slice()) {
            ("route", [path, handlers]) if path.kind() == "string_literal" => {
                (Some(unquote(file.text(*path))), *handlers)
            }
            // web::resource("/p").route(web::post().to(h)) — the path is on the resource.
            ("route", [handlers]) => (resource_path(file, function), *handlers),
            ("to", [handler]) if is_resource_level(file, function) => {
                (resource_path(file, function), *handler)
            }
            _ => continue,
        };
        for (handler, verb) in routed_handlers(file, handlers_expr, method == "to") {
            let entry = found.entry(handler).or_default();
            entry.route = entry.route.take().or_else(|| route.clone());
            if let Some(verb) = verb {
                entry.methods.push(verb);
            }
            entry.guards.extend(guards.iter().cloned());
            entry.framework = Some(if actix {
                Framework::Actix
            } else {
                Framework::Axum
            });
        }
    }
    found
}

/// `get(h).post(h2)` → `[(h, GET), (h2, POST)]`; `web::post().to(h)` → `[(h, POST)]`.
fn routed_handlers(
    file: &ParsedFile,
    expr: Node,
    bare_handler: bool,
) -> Vec<(String, Option<String>)> {
    if bare_handler {
        return vec![(last_segment(file.text(expr)), None)];
    }
    let mut out = Vec::new();
    for call in file.of_kinds_within(&["call_expression"], expr) {
        let Some(function) = call.field_child("function") else {
            continue;
        };
        let callee = match function.kind() {
            "field_expression" => function
                .field_child("field")
                .map(|f| file.text(f))
                .unwrap_or(""),
            _ => file.text(function).rsplit("::").next().unwrap_or(""),
        };
        let args = call
            .field_child("arguments")
            .map(named_children)
            .unwrap_or_default();
        if callee == "to" {
            let verb = function
                .field_child("value")
                .map(|v| last_segment(file.text(v).trim_end_matches("()")).to_ascii_uppercase());
            if let Some(handler) = args.first() {
                out.push((
                    last_segment(file.text(*handler)),
                    verb.filter(|v| VERBS.contains(&v.to_ascii_lowercase().as_str())),
                ));
            }
        } else if VERBS.contains(&callee) {
            if let Some(handler) = args.first() {
                out.push((
                    last_segment(file.text(*handler)),
                    Some(callee.to_ascii_uppercase()),
                ));
            }
        }
    }
    out
}

/// Guards applied to a router or app chain: `.route_layer(...)`, `.layer(...)`, `.wrap(...)`
/// with authentication middleware.
fn chain_guards(file: &ParsedFile, chain: Node) -> Vec<String> {
    file.of_kinds_within(&["call_expression"], chain)
        .into_iter()
        .filter_map(|call| {
            let function = call.field_child("function")?;
            let method = file.text(function.field_child("field")?);
            if !matches!(method, "layer" | "route_layer" | "wrap") {
                return None;
            }
            let arguments = call.field_child("arguments")?;
            super::code_looks_like_auth(file, arguments)
                .then(|| format!(".{method}{}", file.text(arguments)))
        })
        .collect()
}

/// The path of the `web::resource("/p")` or `web::scope` a `.route(...)`/`.to(...)` hangs off.
fn resource_path(file: &ParsedFile, function: Node) -> Option<String> {
    let receiver = function.field_child("value")?;
    descendants(receiver)
        .find(|n| n.kind() == "string_literal")
        .map(|s| unquote(file.text(s)))
}

fn is_resource_level(file: &ParsedFile, function: Node) -> bool {
    function
        .field_child("value")
        .is_some_and(|receiver| file.text(receiver).contains("resource("))
}

/// The whole method chain an expression belongs to (`Router::new().route(..).layer(..)`).
fn outermost_chain(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if matches!(
            parent.kind(),
            "field_expression" | "call_expression" | "arguments" | "await_expression"
        ) {
            current = parent;
        } else {
            break;
        }
    }
    current
}

struct Param {
    type_text: String,
    /// Names the pattern binds (`Path(id)` binds `id`; `body: Json<T>` binds `body`).
    bound: Vec<String>,
    input: bool,
    /// Whether it may hold the request in a service that routes by hand.
    raw_input: bool,
    auth: bool,
    handler_type: bool,
    actix: bool,
}

fn parameters(file: &ParsedFile, function: Node) -> Vec<Param> {
    let Some(list) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(list)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
        .filter_map(|param| {
            let pattern = param.field_child("pattern")?;
            let ty = param.field_child("type")?;
            let type_text = file.text(ty).to_string();
            // `&Path`, `std::path::PathBuf`: a file-system path argument, not the extractor.
            let fs_path = type_text.contains("std::path::")
                || (type_text.starts_with('&') && type_head(&type_text) == "Path");
            let head = if fs_path { "" } else { type_head(&type_text) };
            let bound = descendants(pattern)
                .filter(|n| n.kind() == "identifier")
                .map(|n| file.text(n).to_string())
                .filter(|n| {
                    !matches!(
                        n.as_str(),
                        "Path" | "Query" | "Json" | "Form" | "State" | "Extension"
                    )
                })
                .collect();
            let bare = type_text.trim_start_matches('&').trim_start_matches("mut ");
            let raw_head = type_head(bare);
            Some(Param {
                input: INPUT_EXTRACTORS.contains(&head),
                raw_input: !fs_path
                    && (INPUT_EXTRACTORS.contains(&raw_head) || RAW_INPUTS.contains(&raw_head)),
                // `Json<RoleChange>` carries the body, whatever its type is called.
                auth: looks_like_auth(&type_text)
                    && !matches!(
                        head,
                        "State" | "Data" | "Path" | "Query" | "Json" | "Form" | "Multipart"
                    ),
                handler_type: HANDLER_TYPES.contains(&head),
                actix: type_text.starts_with("web::") || head == "HttpRequest",
                bound,
                type_text,
            })
        })
        .collect()
}

/// `web::Json<Order>` → `Json`; `Path<(i64, String)>` → `Path`.
pub(crate) fn type_head(type_text: &str) -> &str {
    let before_generics = type_text.split('<').next().unwrap_or(type_text).trim();
    before_generics
        .rsplit("::")
        .next()
        .unwrap_or(before_generics)
}

/// Whether the function is `async` (`pub(crate) async fn`: the words before its name).
fn is_async(file: &ParsedFile, function: Node) -> bool {
    function.field_child("name").is_some_and(|name| {
        file.source.text[function.start_byte()..name.start_byte()]
            .split_whitespace()
            .any(|word| word == "async")
    })
}

fn last_segment(path: &str) -> String {
    path.rsplit("::").next().unwrap_or(path).trim().to_string()
}

fn unquote(text: &str) -> String {
    text.trim_matches('"').to_string()
}

fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}
