//! Project facts from Rust: axum `Router` chains (`route`, `nest`, `merge`, `layer`,
//! `route_layer`) and actix-web app set-up (`service`, `web::scope`, `web::resource`, `route`,
//! `configure`, `wrap`), attributed to the function (or `let` binding) that builds them.

use super::{join_path, Edge, FileFacts, HandlerFact, Target};
use crate::app::handlers::graphql::rust as graphql;
use crate::app::handlers::{FileModel, Framework, Handler};
use crate::parse::ParsedFile;
use crate::source::Position;
use crate::suppress;
use crate::syntax::{descendants, named_children, FieldChild};
use tree_sitter::Node;

/// Words without which a Rust file contributes nothing to the project model.
const NEEDS_ANY: &[&str] = &[
    "Router",
    "App::new",
    "web::",
    "actix",
    "axum",
    "ServiceConfig",
    "async_graphql",
    "juniper",
];
/// Builder methods that register routes or mount other routers.
const MOUNTS: &[&str] = &[
    "route",
    "nest",
    "nest_service",
    "merge",
    "service",
    "configure",
    "to",
];
/// Builder methods a router chain may consist of.
const CHAIN_METHODS: &[&str] = &[
    "route",
    "nest",
    "nest_service",
    "merge",
    "service",
    "configure",
    "to",
    "layer",
    "route_layer",
    "wrap",
    "wrap_fn",
    "with_state",
    "fallback",
    "default_service",
    "app_data",
    "guard",
];
const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

pub(super) fn facts(file: &ParsedFile) -> FileFacts {
    let text = &file.source.text;
    let framework = if text.contains("actix_web") {
        Some(Framework::Actix)
    } else if text.contains("axum") {
        Some(Framework::Axum)
    } else if text.contains("hyper") {
        Some(Framework::Hyper)
    } else if text.contains("Request") && takes_request_anywhere(file) {
        // Functions of a service that routes by hand over its own request type, mounted by a
        // dispatcher in another file (`"/search" => features::search::handle(self, req)`).
        Some(Framework::Std)
    } else {
        None
    };
    let hand_routed = crate::app::handlers::dispatch::may_dispatch(text);
    // Every file's functions, for judging the calls that guard handlers in other files.
    let summaries = FileFacts {
        symbols: Some(file.symbols().clone()),
        functions: crate::app::rust_guards::rust_functions(file),
        unscoped_lookups: crate::detectors::unscoped_lookups(file),
        structs: file.structs().to_vec(),
        ..FileFacts::default()
    };
    if framework.is_none() && !hand_routed && !NEEDS_ANY.iter().any(|needle| text.contains(needle))
    {
        return summaries;
    }
    let model = file.model();
    let public = suppress::public_markers(file);
    let mut inline_schemas = Vec::new();
    let mut facts = FileFacts {
        handlers: model
            .handlers
            .iter()
            .map(|handler| {
                let mut fact = HandlerFact::of(file, handler, &public);
                fact.serves = handler
                    .markers
                    .iter()
                    .find_map(|t| graphql::serves_schema(file, t));
                if fact.serves.is_some() {
                    if let Some((name, inline)) = graphql::handler_schema(file, &handler.markers) {
                        fact.serves_schema = Some(name);
                        inline_schemas.extend(inline);
                    }
                }
                fact.candidate = model.dispatchers.iter().any(|d| d.bytes == handler.bytes);
                fact
            })
            .collect(),
        ..summaries
    };
    if let Some(framework) = framework {
        candidates(file, framework, &public, &mut facts);
    }
    hand_routes(file, model, &mut facts);
    crate::app::models::rust(file, &mut facts);
    let (schemas, merged) = graphql::schema_facts(file);
    facts.graphql_schemas = schemas;
    facts.graphql_schemas.extend(inline_schemas);
    facts.classes.extend(
        merged
            .into_iter()
            .map(|(name, bases)| crate::app::guards::ClassFact {
                name,
                bases,
                ..Default::default()
            }),
    );
    for node in descendants(file.tree.root_node()) {
        if is_chain_end(file, node) {
            let container = container_name(file, node);
            let walker = Walker { file, container };
            walker.chain(node, "", &[], &mut facts.edges);
        }
    }
    facts
}

/// Async functions of a file that uses a web framework but registers nothing itself: handlers
/// if a router in another file mounts them (`use crate::handlers::{create}` … `.to(create)`).
fn candidates(
    file: &ParsedFile,
    framework: Framework,
    public: &[(usize, Option<String>)],
    facts: &mut FileFacts,
) {
    for item in named_children(file.tree.root_node()) {
        if item.kind() != "function_item" {
            continue;
        }
        let Some(name_node) = item.field_child("name") else {
            continue;
        };
        let name = file.text(name_node);
        // `pub(crate) async fn`: the words before the name.
        let head = &file.source.text[item.start_byte()..name_node.start_byte()];
        let is_async = head.split_whitespace().any(|word| word == "async");
        // Standard-library dispatchers call plain functions; only those handed the request.
        let callable = match framework {
            Framework::Std => takes_request(file, item),
            _ => is_async,
        };
        if !callable || name == "main" || facts.handlers.iter().any(|h| h.name == name) {
            continue;
        }
        let handler = Handler {
            name: name.to_string(),
            framework,
            methods: Vec::new(),
            route: None,
            guards: Vec::new(),
            owner: None,
            declared_route: false,
            markers: Vec::new(),
            bytes: item.byte_range(),
            name_bytes: name_node.byte_range(),
            request_params: Vec::new(),
            guard_calls: Vec::new(),
            typed_params: Vec::new(),
            operation: None,
        };
        let mut fact = HandlerFact::of(file, &handler, public);
        fact.candidate = true;
        facts.handlers.push(fact);
    }
}

/// Whether some top-level function of the file takes a request (see [`takes_request`]).
fn takes_request_anywhere(file: &ParsedFile) -> bool {
    named_children(file.tree.root_node())
        .into_iter()
        .any(|item| item.kind() == "function_item" && takes_request(file, item))
}

/// Whether `function` has a parameter of a type named `Request` (`&Request`,
/// `http::Request<Body>`, `&mut crate::Request`).
fn takes_request(file: &ParsedFile, function: Node) -> bool {
    let Some(list) = function.field_child("parameters") else {
        return false;
    };
    named_children(list)
        .into_iter()
        .filter_map(|param| param.field_child("type"))
        .any(|ty| {
            let bare = file
                .text(ty)
                .trim_start_matches('&')
                .trim_start_matches("mut ");
            crate::app::handlers::rust::type_head(bare) == "Request"
        })
}

/// A function that routes by hand mounts the function each arm calls under the arm's path;
/// the function itself is a route only if something mounts it.
fn hand_routes(file: &ParsedFile, model: &FileModel, facts: &mut FileFacts) {
    for dispatcher in &model.dispatchers {
        for call in &dispatcher.calls {
            facts.edges.push(Edge {
                at: file.source.position(call.at),
                from: dispatcher.name.clone(),
                prefix: join_path("", &call.path),
                methods: call.methods.clone(),
                target: Target::Handler(segments(&call.target)),
                guards: call.guards.clone(),
                guard_calls: call.guard_calls.clone(),
                markers: call.guards.clone(),
                schema: None,
                public: None,
                namespace: None,
            });
        }
    }
}

/// The last call of a builder chain that is not itself an argument of another chain's mount.
fn is_chain_end(file: &ParsedFile, node: Node) -> bool {
    if node.kind() != "call_expression" || method_name(file, node).is_none() {
        return false;
    }
    if node
        .parent()
        .is_some_and(|p| p.kind() == "field_expression")
    {
        return false;
    }
    let mut ancestor = node.parent();
    while let Some(current) = ancestor {
        if current.kind() == "function_item" {
            break;
        }
        if current.kind() == "arguments"
            && current
                .parent()
                .and_then(|call| method_name(file, call))
                .is_some_and(|m| MOUNTS.contains(&m))
        {
            return false;
        }
        ancestor = current.parent();
    }
    true
}

/// `x.method(...)` → `method` when it is a router builder method.
fn method_name(file: &ParsedFile, call: Node) -> Option<&'static str> {
    let function = call.field_child("function")?;
    if function.kind() != "field_expression" {
        return None;
    }
    let name = file.text(function.field_child("field")?);
    CHAIN_METHODS.iter().find(|m| **m == name).copied()
}

/// The function that builds a chain, or `function::var` when it is bound with `let var = …`.
fn container_name(file: &ParsedFile, node: Node) -> String {
    let mut function = None;
    let mut binding = None;
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "let_declaration" if binding.is_none() => {
                binding = ancestor
                    .field_child("pattern")
                    .map(|p| file.text(p).trim_start_matches("mut ").to_string());
            }
            "function_item" => {
                function = ancestor
                    .field_child("name")
                    .map(|n| file.text(n).to_string());
                break;
            }
            _ => {}
        }
        current = ancestor.parent();
    }
    let function = function.unwrap_or_default();
    match binding {
        Some(var) => format!("{function}::{var}"),
        None => function,
    }
}

struct Walker<'a, 'f> {
    file: &'a ParsedFile<'f>,
    container: String,
}

/// One call of a builder chain.
struct Link<'t> {
    method: &'static str,
    call: Node<'t>,
    args: Vec<Node<'t>>,
}

impl<'f> Walker<'_, 'f> {
    /// Record the edges of the chain ending at `end`, under `prefix` and `guards` from outer
    /// chains.
    fn chain(&self, end: Node, prefix: &str, inherited: &[String], edges: &mut Vec<Edge>) {
        let (base, links) = self.flatten(end);
        let base_text = base.map(|b| self.file.text(b)).unwrap_or("");
        let prefix = match base.and_then(|b| self.scope_path(b)) {
            Some(path) => join_path(prefix, &path),
            None => prefix.to_string(),
        };
        for (index, link) in links.iter().enumerate() {
            if !MOUNTS.contains(&link.method) {
                continue;
            }
            let (guards, markers) = self.guards(&links, index, inherited);
            let at = self.at(link.call);
            let mut add = |path: &str, methods: Vec<String>, target: Target| {
                edges.push(Edge {
                    at,
                    from: self.container.clone(),
                    prefix: join_path(&prefix, path),
                    methods,
                    target,
                    guards: guards.clone(),
                    guard_calls: Vec::new(),
                    markers: markers.clone(),
                    schema: None,
                    public: None,
                    namespace: None,
                });
            };
            match (link.method, link.args.as_slice()) {
                ("route", [path, handlers]) if path.kind() == "string_literal" => {
                    let path = unquote(self.file.text(*path));
                    for (handler, method) in self.routed(*handlers) {
                        add(
                            &path,
                            method.into_iter().collect(),
                            Target::Handler(handler),
                        );
                    }
                }
                // web::resource("/p").route(web::post().to(h))
                ("route", [handlers]) => {
                    for (handler, method) in self.routed(*handlers) {
                        add("", method.into_iter().collect(), Target::Handler(handler));
                    }
                }
                ("to", [handler]) if base_text.contains("resource") => {
                    if let Some(path) = self.path_of(*handler) {
                        add("", Vec::new(), Target::Handler(path));
                    }
                }
                ("nest" | "nest_service", [path, inner]) if path.kind() == "string_literal" => {
                    let path = unquote(self.file.text(*path));
                    self.mount(*inner, &join_path(&prefix, &path), &guards, edges);
                }
                ("merge" | "service" | "configure", [inner]) => {
                    self.mount(*inner, &prefix, &guards, edges);
                }
                _ => {}
            }
        }
    }

    /// What `nest`/`merge`/`service`/`configure` mounts: an inline chain (recursed into), a
    /// handler or a router-building function, also when it is passed in a closure or through a
    /// parameter ([`configurators`]).
    fn mount(&self, inner: Node, prefix: &str, guards: &[String], edges: &mut Vec<Edge>) {
        for inner in configurators(self.file, inner, 0) {
            self.mount_one(inner, prefix, guards, edges);
        }
    }

    fn mount_one(&self, inner: Node, prefix: &str, guards: &[String], edges: &mut Vec<Edge>) {
        if inner.kind() == "call_expression" && method_name(self.file, inner).is_some() {
            self.chain(inner, prefix, guards, edges);
            return;
        }
        if inner.kind() == "call_expression" && self.scope_path(inner).is_some() {
            return;
        }
        // `service(create_payment)` may name a handler with its own attribute route or a
        // function returning a scope: the link stage tries both.
        let target = match inner.kind() {
            "identifier" => Target::Container(vec![self.file.text(inner).to_string()]),
            "scoped_identifier" => Target::Handler(segments(self.file.text(inner))),
            "call_expression" => match inner.field_child("function") {
                Some(function) => Target::Container(segments(self.file.text(function))),
                None => return,
            },
            _ => return,
        };
        edges.push(Edge {
            at: self.at(inner),
            from: self.container.clone(),
            prefix: prefix.to_string(),
            methods: Vec::new(),
            target,
            guards: guards.to_vec(),
            guard_calls: Vec::new(),
            markers: guards.to_vec(),
            schema: None,
            public: None,
            namespace: None,
        });
    }

    fn at(&self, node: Node) -> Position {
        self.file.source.position(node.start_byte())
    }

    /// The chain's base expression and its calls, innermost first.
    fn flatten<'t>(&self, end: Node<'t>) -> (Option<Node<'t>>, Vec<Link<'t>>) {
        let mut links = Vec::new();
        let mut node = end;
        loop {
            match node.kind() {
                "call_expression" => {
                    let Some(method) = method_name(self.file, node) else {
                        break;
                    };
                    let Some(receiver) = node
                        .field_child("function")
                        .and_then(|f| f.field_child("value"))
                    else {
                        break;
                    };
                    let args = node
                        .field_child("arguments")
                        .map(named_children)
                        .unwrap_or_default();
                    links.push(Link {
                        method,
                        call: node,
                        args,
                    });
                    node = receiver;
                }
                "try_expression" | "await_expression" | "parenthesized_expression" => {
                    match node.named_child(0) {
                        Some(inner) => node = inner,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        links.reverse();
        (Some(node), links)
    }

    /// `web::scope("/p")` / `web::resource("/p")` → `/p`.
    fn scope_path(&self, base: Node) -> Option<String> {
        if base.kind() != "call_expression" {
            return None;
        }
        let function = self.file.text(base.field_child("function")?);
        let last = function.rsplit("::").next().unwrap_or(function);
        if !matches!(last, "scope" | "resource") {
            return None;
        }
        let args = base.field_child("arguments")?;
        let first = named_children(args).into_iter().next()?;
        (first.kind() == "string_literal").then(|| unquote(self.file.text(first)))
    }

    /// Guards (and every middleware, for configured guards) that apply to the call at `index`:
    /// axum `layer`/`route_layer` calls after it, actix `wrap` calls anywhere in the chain.
    fn guards(
        &self,
        links: &[Link],
        index: usize,
        inherited: &[String],
    ) -> (Vec<String>, Vec<String>) {
        let mut guards = inherited.to_vec();
        let mut markers = inherited.to_vec();
        for (position, link) in links.iter().enumerate() {
            let applies = match link.method {
                "layer" | "route_layer" => position > index,
                "wrap" | "wrap_fn" => true,
                _ => false,
            };
            if !applies {
                continue;
            }
            let args: Vec<&str> = link.args.iter().map(|a| self.file.text(*a)).collect();
            let text = format!(".{}({})", link.method, args.join(", "));
            if link
                .args
                .iter()
                .any(|arg| crate::app::handlers::code_looks_like_auth(self.file, *arg))
            {
                guards.push(text.clone());
            }
            markers.push(text);
        }
        (guards, markers)
    }

    /// `get(h).post(h2)` → `[(h, GET), (h2, POST)]`; `web::post().to(h)` → `[(h, POST)]`;
    /// `any(h)` → `[(h, any)]`.
    fn routed(&self, expr: Node) -> Vec<(Vec<String>, Option<String>)> {
        let mut out = Vec::new();
        for call in std::iter::once(expr)
            .chain(descendants(expr))
            .filter(|n| n.kind() == "call_expression")
        {
            let Some(function) = call.field_child("function") else {
                continue;
            };
            let callee = match function.kind() {
                "field_expression" => function
                    .field_child("field")
                    .map(|f| self.file.text(f))
                    .unwrap_or(""),
                _ => self.file.text(function).rsplit("::").next().unwrap_or(""),
            };
            let args = call
                .field_child("arguments")
                .map(named_children)
                .unwrap_or_default();
            let Some(handler) = args.first().and_then(|a| self.path_of(*a)) else {
                continue;
            };
            if callee == "to" {
                let verb = function.field_child("value").map(|v| {
                    let text = self.file.text(v).trim_end_matches("()");
                    text.rsplit("::")
                        .next()
                        .unwrap_or(text)
                        .to_ascii_lowercase()
                });
                let verb = verb.filter(|v| VERBS.contains(&v.as_str()));
                out.push((handler, verb.map(|v| v.to_ascii_uppercase())));
            } else if VERBS.contains(&callee) {
                out.push((handler, Some(callee.to_ascii_uppercase())));
            } else if callee == "any" {
                out.push((handler, None));
            }
        }
        out
    }

    /// A handler named by path (`create`, `handlers::create`, `upload::<S>`); closures and
    /// calls are not.
    fn path_of(&self, node: Node) -> Option<Vec<String>> {
        match node.kind() {
            "identifier" | "scoped_identifier" => Some(segments(self.file.text(node))),
            "generic_function" => self.path_of(node.field_child("function")?),
            _ => None,
        }
    }
}

/// What a mounted expression stands for: `move |sc| configure(sc, state)` → `configure`; a
/// parameter of the enclosing function → the arguments its callers in this file pass for it
/// (followed through their own parameters a few calls up); anything else itself.
fn configurators<'t>(file: &'t ParsedFile, inner: Node<'t>, depth: usize) -> Vec<Node<'t>> {
    const MAX_DEPTH: usize = 3;
    match inner.kind() {
        "closure_expression" => closure_callee(file, inner).into_iter().collect(),
        "identifier" if depth < MAX_DEPTH => {
            let Some((function, index)) = parameter_of(file, inner, file.text(inner)) else {
                return vec![inner];
            };
            calls_of(file, &function)
                .into_iter()
                .filter_map(|arguments| arguments.get(index).copied())
                .flat_map(|argument| configurators(file, argument, depth + 1))
                .collect()
        }
        _ => vec![inner],
    }
}

/// The function a closure hands its first parameter to: `|sc| routes(sc, repo)` → `routes`.
fn closure_callee<'t>(file: &ParsedFile, closure: Node<'t>) -> Option<Node<'t>> {
    let parameter = closure
        .field_child("parameters")
        .and_then(|parameters| named_children(parameters).into_iter().next())
        .map(|parameter| file.text(parameter))?;
    let body = closure.field_child("body")?;
    std::iter::once(body)
        .chain(descendants(body))
        .filter(|node| node.kind() == "call_expression")
        .find(|call| {
            call.field_child("arguments")
                .and_then(|arguments| named_children(arguments).into_iter().next())
                .is_some_and(|first| file.text(first) == parameter)
        })
        .and_then(|call| call.field_child("function"))
        .filter(|function| matches!(function.kind(), "identifier" | "scoped_identifier"))
}

/// The enclosing function of `node` and the index of its parameter `name`, if it has one.
fn parameter_of(file: &ParsedFile, node: Node, name: &str) -> Option<(String, usize)> {
    let function = crate::syntax::ancestor_of_kind(node, &["function_item"])?;
    let index = crate::taint::parameter_names(file, function)
        .iter()
        .position(|parameter| parameter == name)?;
    let function = file.text(function.field_child("name")?).to_string();
    Some((function, index))
}

/// The argument lists of the calls of the free function `name` in the file.
fn calls_of<'t>(file: &'t ParsedFile, name: &str) -> Vec<Vec<Node<'t>>> {
    descendants(file.tree.root_node())
        .filter(|node| node.kind() == "call_expression")
        .filter(|call| {
            call.field_child("function").is_some_and(|function| {
                let text = file.text(function);
                text.rsplit("::").next() == Some(name) && function.kind() != "field_expression"
            })
        })
        .filter_map(|call| call.field_child("arguments").map(named_children))
        .collect()
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !matches!(s.as_str(), "crate" | "self" | "super"))
        .collect()
}

fn unquote(text: &str) -> String {
    text.trim_matches('"').to_string()
}
