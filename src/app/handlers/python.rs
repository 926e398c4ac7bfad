//! Handler discovery for Django, Django REST Framework, FastAPI and Flask, one file at a time.

use super::{is_session_like, looks_like_auth, Framework, Handler};
use crate::app::connexion::Binding;
use crate::app::guards::{
    decorator_call_guard, dependency_calls, injected_dependencies, python_body_calls,
    python_decorator_guards, python_parameter_guards, GuardCall, Via,
};
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children, FieldChild};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

const ROUTE_METHODS: &[&str] = &[
    "route",
    "api_route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "websocket",
];
const CLASS_VIEW_METHODS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("list", "GET"),
    ("retrieve", "GET"),
    ("create", "POST"),
    ("update", "PUT"),
    ("partial_update", "PATCH"),
    ("destroy", "DELETE"),
];
/// Decorators that are never guards, though their names look like one.
const NOT_GUARDS: &[&str] = &[
    "require_POST",
    "require_GET",
    "require_safe",
    "require_http_methods",
    "csrf_exempt",
    "api_view",
    "action",
];
/// FastAPI parameter annotations that are not request input.
const FRAMEWORK_TYPES: &[&str] = &[
    "Request",
    "HttpRequest",
    "Response",
    "WebSocket",
    "BackgroundTasks",
    "Session",
    "AsyncSession",
    "HTTPConnection",
];

/// A Flask `add_url_rule` registration of a function of the file.
#[derive(Clone)]
struct UrlRule {
    object: String,
    rule: String,
    methods: Vec<String>,
}

/// The function of the file a Flask `add_url_rule` call registers, with its rule:
/// `bp.add_url_rule("/pin", "pin", pin_topic)` or `…, view_func=pin_topic)`.
fn url_rule_function<'f>(file: &ParsedFile<'f>, call: Node) -> Option<(&'f str, String)> {
    let positional = crate::syntax::positional_arguments(call);
    positional.first().filter(|r| r.kind() == "string")?;
    let view = keyword_argument(file, call, "view_func").or_else(|| positional.get(2).copied())?;
    let rule = first_string_arg(file, call)?;
    (view.kind() == "identifier").then(|| (file.text(view), rule))
}

/// Facts about the file that decide what guards a route.
#[derive(Default)]
struct FileFacts {
    imports_fastapi: bool,
    /// The file imports django-ninja: its routed functions are ninja operations.
    imports_ninja: bool,
    imports_drf: bool,
    imports_django: bool,
    /// Flask, Starlette, aiohttp, Quart: a `request` parameter there is no Django request.
    imports_other_framework: bool,
    /// Router or app variable → its `dependencies=[...]` (FastAPI), from its constructor or
    /// an `include_router` in this file, and its `before_request` hooks (Flask).
    object_dependencies: HashMap<String, Vec<GuardCall>>,
    /// Blueprint or app variable → its Flask `url_value_preprocessor` hooks, each with the
    /// URL variable it takes (`values.pop("project_id")`): it runs before the routes whose
    /// rule has that variable.
    url_hooks: HashMap<String, Vec<(GuardCall, String)>>,
    /// Functions of the file a Flask `add_url_rule` registers (`bp.add_url_rule("/pin", "pin",
    /// pin_topic, methods=["POST"])`): function name → its object, rule and methods.
    url_rules: HashMap<String, UrlRule>,
}

pub(super) fn handlers(file: &ParsedFile) -> Vec<Handler> {
    let mut functions = Vec::new();
    let facts = file_facts(file, &mut functions);
    let bindings = crate::app::connexion::bindings_of(file);
    functions
        .into_iter()
        .filter_map(|function| handler_for(file, &facts, function, bindings))
        .collect()
}

/// Compound statements whose blocks may hold handlers, imports or router set-up.
const CONTAINERS: &[&str] = &[
    "module",
    "block",
    "decorated_definition",
    "class_definition",
    "function_definition",
    "if_statement",
    "elif_clause",
    "else_clause",
    "for_statement",
    "while_statement",
    "try_statement",
    "except_clause",
    "finally_clause",
    "with_statement",
];

/// Statement-level nodes, the direct contents of expression statements (assignments, calls) and
/// decorators; expressions are not descended into, which keeps the walk small.
pub(crate) fn statement_level(root: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        out.push(node);
        if node.kind() == "expression_statement" {
            out.extend(named_children(node));
        } else if CONTAINERS.contains(&node.kind()) {
            let mut children = named_children(node);
            children.reverse();
            stack.extend(children);
        }
    }
    out
}

/// One walk over the file: the facts that decide guards, and every function definition.
fn file_facts<'t>(file: &'t ParsedFile, functions: &mut Vec<Node<'t>>) -> FileFacts {
    let mut facts = FileFacts::default();
    for &node in file.statement_level() {
        match node.kind() {
            "function_definition" => functions.push(node),
            "import_statement" | "import_from_statement" => {
                let text = file.text(node);
                facts.imports_fastapi |= text.contains("fastapi");
                facts.imports_ninja |= text.split_whitespace().any(|word| {
                    word == "ninja" || word.starts_with("ninja.") || word.starts_with("ninja,")
                });
                facts.imports_drf |= text.contains("rest_framework");
                facts.imports_django |= text.contains("django");
                facts.imports_other_framework |= [
                    "fastapi",
                    "flask",
                    "starlette",
                    "aiohttp",
                    "quart",
                    "fastmcp",
                    "mcp.server",
                ]
                .iter()
                .any(|framework| text.contains(framework));
            }
            // router = APIRouter(dependencies=[Depends(auth)])
            "assignment" => {
                let (Some(left), Some(right)) =
                    (node.field_child("left"), node.field_child("right"))
                else {
                    continue;
                };
                // router = Router(auth=BearerAuth()) (django-ninja)
                if facts.imports_ninja && right.kind() == "call" {
                    let auth = ninja_auth(file, right);
                    if !auth.is_empty() {
                        facts
                            .object_dependencies
                            .entry(file.text(left).to_string())
                            .or_default()
                            .extend(auth);
                    }
                }
                if let Some(list) = Some(right)
                    .filter(|r| r.kind() == "call")
                    .and_then(|r| keyword_argument(file, r, "dependencies"))
                {
                    facts
                        .object_dependencies
                        .entry(file.text(left).to_string())
                        .or_default()
                        .extend(
                            dependency_calls(file, list, None)
                                .into_iter()
                                .chain(injected_dependencies(file, list)),
                        );
                }
                // router = APIRouter(route_class=AuthRoute): every route's request goes through
                // `AuthRoute.get_route_handler`, judged by what the handler it returns does.
                if let Some(class) = Some(right)
                    .filter(|r| r.kind() == "call")
                    .and_then(|r| keyword_argument(file, r, "route_class"))
                    .filter(|class| matches!(class.kind(), "identifier" | "attribute"))
                {
                    let class = file.text(class);
                    facts
                        .object_dependencies
                        .entry(file.text(left).to_string())
                        .or_default()
                        .push(crate::app::guards::GuardCall {
                            text: format!("route_class={class}"),
                            callee: format!("{class}.get_route_handler"),
                            how: crate::app::guards::Via::Call,
                            unless_caught: Vec::new(),
                        });
                }
            }
            // app.include_router(router, dependencies=[...]); app.before_request(check)
            "call" => {
                let Some((object, method)) = callee_attribute(file, node) else {
                    continue;
                };
                if method == "add_url_rule" {
                    if let Some((view, rule)) = url_rule_function(file, node) {
                        let methods = keyword_strings(file, node, "methods");
                        let object = object.to_string();
                        let rule = UrlRule {
                            object,
                            rule,
                            methods,
                        };
                        facts.url_rules.insert(view.to_string(), rule);
                    }
                } else if method == "include_router" {
                    let args = node.field_child("arguments");
                    let first = args.and_then(|a| named_children(a).into_iter().next());
                    if let (Some(router), Some(list)) =
                        (first, keyword_argument(file, node, "dependencies"))
                    {
                        facts
                            .object_dependencies
                            .entry(file.text(router).to_string())
                            .or_default()
                            .extend(
                                dependency_calls(file, list, None)
                                    .into_iter()
                                    .chain(injected_dependencies(file, list)),
                            );
                    }
                } else if method == "before_request"
                    && node.parent().is_none_or(|p| p.kind() != "decorator")
                {
                    let hook = node
                        .field_child("arguments")
                        .and_then(|args| named_children(args).into_iter().next());
                    if let Some(hook) = hook {
                        facts
                            .object_dependencies
                            .entry(object.to_string())
                            .or_default()
                            .push(before_request(object, "before_request", file.text(hook)));
                    }
                }
            }
            "decorator" => {
                let text = file.text(node).trim_start_matches('@').trim();
                let function = node
                    .parent()
                    .and_then(|decorated| decorated.field_child("definition"));
                let hook = function.and_then(|function| function.field_child("name"));
                if let (Some(object), Some(function), Some(hook)) =
                    (text.strip_suffix(".url_value_preprocessor"), function, hook)
                {
                    if let Some(variable) = url_variable_taken(file, function) {
                        let call = GuardCall {
                            text: format!("{object}.url_value_preprocessor({})", file.text(hook)),
                            callee: file.text(hook).to_string(),
                            how: crate::app::guards::Via::Call,
                            unless_caught: Vec::new(),
                        };
                        facts
                            .url_hooks
                            .entry(object.to_string())
                            .or_default()
                            .push((call, variable));
                    }
                }
                // An application-wide hook is attached when the project is linked.
                let hooked = hook_decorator(text)
                    .filter(|(_, registration)| *registration != "before_app_request");
                if let (Some((object, registration)), Some(hook)) = (hooked, hook) {
                    facts
                        .object_dependencies
                        .entry(object.to_string())
                        .or_default()
                        .push(before_request(object, registration, file.text(hook)));
                }
            }
            _ => {}
        }
    }
    facts
}

/// The URL variable a Flask `url_value_preprocessor(endpoint, values)` takes out of `values`
/// (`values.pop("project_id", None)`, `values.get(…)`, `values[…]`), if it reads one.
fn url_variable_taken(file: &ParsedFile, function: Node) -> Option<String> {
    let parameters = named_children(function.field_child("parameters")?);
    let values = file.text(*parameters.get(1)?);
    let body = function.field_child("body")?;
    file.of_kinds_within(&["call", "subscript"], body)
        .into_iter()
        .find_map(|node| {
            let (object, key) = match node.kind() {
                "call" => {
                    let function = node.field_child("function")?;
                    let method = file.text(function.field_child("attribute")?);
                    if !matches!(method, "pop" | "get") {
                        return None;
                    }
                    let arguments = node.field_child("arguments")?;
                    (
                        function.field_child("object")?,
                        named_children(arguments).into_iter().next()?,
                    )
                }
                _ => (node.field_child("value")?, node.field_child("subscript")?),
            };
            (file.text(object) == values && key.kind() == "string")
                .then(|| file.text(key).trim_matches(['"', '\'']).to_string())
        })
}

/// Whether a django-ninja operation's route call sets `auth=` itself (`auth=None` included):
/// it then replaces the authentication of the router and the API that mount the operation.
pub(crate) fn sets_own_auth(file: &ParsedFile, call: Node) -> bool {
    keyword_argument(file, call, "auth").is_some()
}

/// The authentication of a django-ninja router, API or operation (`Router(auth=BearerAuth())`,
/// `@router.post("/x", auth=django_auth)`), as guard calls: ninja answers 401 unless it
/// authenticates the request. An instance runs its class's `__call__` (ninja's own classes
/// call the project's `authenticate`); a list lets a request in when any of its entries
/// does, so only a list of one entry is read.
pub(crate) fn ninja_auth(file: &ParsedFile, call: Node) -> Vec<GuardCall> {
    let Some(auth) = keyword_argument(file, call, "auth") else {
        return Vec::new();
    };
    let auth = match auth.kind() {
        "list" | "tuple" => match named_children(auth).as_slice() {
            [only] => *only,
            _ => return Vec::new(),
        },
        _ => auth,
    };
    let text = format!("auth={}", file.text(auth));
    match auth.kind() {
        "call" => auth
            .field_child("function")
            .filter(|class| matches!(class.kind(), "identifier" | "attribute"))
            .map(|class| GuardCall {
                text,
                callee: file.text(class).to_string(),
                how: Via::Instance,
                unless_caught: Vec::new(),
            })
            .into_iter()
            .collect(),
        "identifier" | "attribute" => vec![GuardCall {
            text,
            callee: file.text(auth).to_string(),
            how: Via::Call,
            unless_caught: Vec::new(),
        }],
        _ => Vec::new(),
    }
}

/// The object and the registration of a decorator that runs its function before the object's
/// routes (text without the `@`): Flask's `bp.before_request` and `bp.before_app_request`,
/// FastAPI's and Starlette's `app.middleware("http")` (registration `middleware`).
pub(crate) fn hook_decorator(decorator: &str) -> Option<(&str, &'static str)> {
    let middleware = ["(\"http\")", "('http')"]
        .iter()
        .find_map(|call| decorator.strip_suffix(call)?.strip_suffix(".middleware"));
    if let Some(object) = middleware {
        return Some((object, "middleware"));
    }
    ["before_app_request", "before_request"]
        .into_iter()
        .find_map(|registration| {
            let object = decorator.strip_suffix(registration)?.strip_suffix('.')?;
            Some((object, registration))
        })
}

/// A Flask `before_request` hook of `object` (`registration` names the method that registers
/// it): it runs before each of its routes, and guards them when its code refuses callers
/// without credentials.
pub(crate) fn before_request(object: &str, registration: &str, hook: &str) -> GuardCall {
    GuardCall {
        text: format!("{object}.{registration}({hook})"),
        callee: hook.to_string(),
        how: match registration {
            "middleware" => crate::app::guards::Via::HttpMiddleware,
            _ => crate::app::guards::Via::Call,
        },
        unless_caught: Vec::new(),
    }
}

fn handler_for(
    file: &ParsedFile,
    facts: &FileFacts,
    function: Node,
    bindings: &[Binding],
) -> Option<Handler> {
    let outer = match file.parent(function) {
        Some(parent) if parent.kind() == "decorated_definition" => parent,
        _ => function,
    };
    let decorators: Vec<Node> = if outer.kind() == "decorated_definition" {
        named_children(outer)
            .into_iter()
            .filter(|n| n.kind() == "decorator")
            .collect()
    } else {
        Vec::new()
    };
    // Decide cheaply whether this is a handler at all; most functions are not.
    let registered = function
        .field_child("name")
        .filter(|_| file.parent(outer).is_some_and(|p| p.kind() == "module"))
        .and_then(|name| facts.url_rules.get(file.text(name)));
    let kind = match bound_to(file, function, bindings) {
        bound if !bound.is_empty() => Kind::Connexion(bound),
        _ => match registered {
            Some(rule) => Kind::UrlRule(rule.clone()),
            None => classify(file, function, outer, &decorators)?,
        },
    };
    if matches!(kind, Kind::DjangoFunction)
        && !facts.imports_django
        && (facts.imports_other_framework || takes_a_message(file, function))
    {
        // A helper taking another framework's request (`async def load(request: Request)`), or
        // a message of the project's (`async def execute_sql(request: ExecuteSqlRequest)`).
        return None;
    }
    let name_node = function.field_child("name")?;
    let name = file.text(name_node).to_string();
    let params = parameters(file, function);
    let mut guards: Vec<String> = decorators
        .iter()
        .filter_map(|d| decorator_guard(file, *d))
        .collect();
    let mut markers: Vec<String> = decorators
        .iter()
        .map(|d| file.text(*d).trim_start_matches('@').trim().to_string())
        .chain(params.iter().filter_map(|p| p.dependency.clone()))
        .collect();
    let owner = match &kind {
        Kind::Routed { object, .. } => Some(object.to_string()),
        Kind::UrlRule(rule) => Some(rule.object.clone()),
        Kind::ClassView { class, .. } | Kind::Exposed { class, .. } => {
            markers.extend(class_markers(file, *class));
            class.field_child("name").map(|n| file.text(n).to_string())
        }
        _ => None,
    };
    let declared_route = matches!(
        kind,
        Kind::Routed { .. } | Kind::Exposed { .. } | Kind::UrlRule(_)
    );
    let mut guard_calls: Vec<GuardCall> = python_decorator_guards(file, function)
        .into_iter()
        .filter(|call| {
            let last = call.callee.rsplit('.').next().unwrap_or(&call.callee);
            !ROUTE_METHODS.contains(&last) && !NOT_GUARDS.contains(&last) && last != "api_view"
        })
        .collect();
    // A Flask view class's `decorators`/`method_decorators`: judged by their code when linking,
    // and by their names here.
    let class_decorators = match &kind {
        Kind::ClassView { class, .. } => view_decorators(file, *class, &name),
        _ => Vec::new(),
    };
    guard_calls.extend(
        class_decorators
            .iter()
            .filter_map(|expression| decorator_call_guard(file, *expression)),
    );
    // Dependencies of the route and of its router, judged by what they do when linking; their
    // names alone make this file's model count them (see `Handler::authenticated`).
    let mut dependency_guards: Vec<GuardCall> = Vec::new();
    if let Kind::Routed { call, object, .. } = &kind {
        if let Some(list) = keyword_argument(file, *call, "dependencies") {
            dependency_guards.extend(dependency_calls(file, list, None));
            dependency_guards.extend(injected_dependencies(file, list));
        }
        let own_auth = facts.imports_ninja && sets_own_auth(file, *call);
        if facts.imports_ninja {
            dependency_guards.extend(ninja_auth(file, *call));
        }
        if !own_auth {
            dependency_guards.extend(
                facts
                    .object_dependencies
                    .get(*object)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        let rule = first_string_arg(file, *call).unwrap_or_default();
        for (hook, variable) in facts.url_hooks.get(*object).into_iter().flatten() {
            let takes =
                rule.contains(&format!("<{variable}>")) || rule.contains(&format!(":{variable}>"));
            if takes {
                dependency_guards.push(hook.clone());
            }
        }
    }
    guard_calls.extend(dependency_guards.iter().cloned());
    let fastapi_route = matches!(&kind, Kind::Routed { method, .. }
        if facts.imports_fastapi || *method == "api_route");
    let dependencies = if fastapi_route {
        python_parameter_guards(file, function)
    } else {
        Vec::new()
    };
    guard_calls.extend(dependencies.iter().cloned());
    guard_calls.extend(python_body_calls(file, function));
    let handler = |framework, methods, route, guards, request_params| Handler {
        name: name.clone(),
        framework,
        methods,
        route,
        guards,
        owner: owner.clone(),
        declared_route,
        markers: markers.clone(),
        bytes: outer.byte_range(),
        name_bytes: name_node.byte_range(),
        request_params,
        guard_calls: guard_calls.clone(),
        typed_params: Vec::new(),
        operation: None,
    };
    Some(match kind {
        // A function an OpenAPI specification binds (connexion).
        Kind::Connexion(bound) => {
            let mut methods: Vec<String> =
                bound.iter().map(|b| b.operation.method.clone()).collect();
            methods.sort();
            methods.dedup();
            let mut paths: Vec<&String> = bound.iter().map(|b| &b.operation.path).collect();
            paths.sort();
            paths.dedup();
            let route = match paths.as_slice() {
                [path] => Some((*path).clone()),
                _ => None,
            };
            if bound.iter().all(|b| !b.operation.guards().is_empty()) {
                for binding in &bound {
                    guards.extend(binding.operation.guards().iter().cloned());
                }
                guards.sort();
                guards.dedup();
            }
            let (request_params, typed_params) = operation_arguments(file, function, &bound);
            let mut handler = handler(Framework::Connexion, methods, route, guards, request_params);
            handler.typed_params = typed_params;
            handler
        }
        // @app.get("/x"), @bp.route("/x", methods=[...]), @router.post(...)
        Kind::Routed {
            call,
            object: _,
            method,
        } => {
            let route = first_string_arg(file, call);
            let ninja = facts.imports_ninja && !facts.imports_fastapi;
            let fastapi = facts.imports_fastapi || ninja || method == "api_route";
            let methods = if method == "route" || method == "api_route" {
                let listed = keyword_strings(file, call, "methods");
                if listed.is_empty() && !fastapi {
                    vec!["GET".into()]
                } else {
                    listed
                }
            } else {
                vec![method.to_ascii_uppercase()]
            };
            guards.extend(
                dependency_guards
                    .iter()
                    .filter(|d| looks_like_auth(&d.callee) && !is_session_like(&d.callee))
                    .map(|d| d.text.clone()),
            );
            let request_params = if fastapi {
                guards.extend(
                    dependencies
                        .iter()
                        .filter(|call| {
                            call.how != Via::Annotation
                                && params.iter().any(|p| {
                                    p.auth_dependency
                                        && p.dependency.as_deref().is_some_and(|d| {
                                            d.contains(&format!("({}", call.callee))
                                                || d.contains(&format!("({}(", call.callee))
                                                || (d.contains("Depends()")
                                                    || d.contains("Security()"))
                                        })
                                })
                        })
                        .map(|call| call.text.clone()),
                );
                params
                    .iter()
                    // A ninja operation is handed the `HttpRequest` first.
                    .skip(usize::from(ninja))
                    .filter(|p| p.request_input)
                    .map(|p| p.name.clone())
                    .collect()
            } else {
                route_variables(route.as_deref().unwrap_or(""))
            };
            let framework = match (ninja, fastapi) {
                (true, _) => Framework::Ninja,
                (false, true) => Framework::Fastapi,
                (false, false) => Framework::Flask,
            };
            handler(framework, methods, route, guards, request_params)
        }
        // @api_view(["POST"]) function views
        Kind::ApiView(call) => {
            let mut methods = first_list_strings(file, call);
            if methods.is_empty() {
                methods.push("GET".into());
            }
            handler(Framework::Drf, methods, None, guards, names(&params, 1))
        }
        // Methods of class-based views and viewsets.
        Kind::ClassView { class, drf, flask } => {
            let action = decorators
                .iter()
                .filter_map(|d| decorator_call(*d))
                .find(|call| {
                    call.field_child("function")
                        .is_some_and(|f| file.text(f).ends_with("action"))
                });
            let methods = match action {
                Some(action) => {
                    let listed = keyword_strings(file, action, "methods");
                    if listed.is_empty() {
                        vec!["GET".into()]
                    } else {
                        listed
                    }
                }
                None => CLASS_VIEW_METHODS
                    .iter()
                    .find(|(m, _)| *m == name)
                    .map(|(_, method)| vec![(*method).to_string()])
                    .unwrap_or_default(),
            };
            guards.extend(class_guards(file, class));
            guards.extend(
                class_decorators
                    .iter()
                    .filter_map(|expression| expression_guard(file, *expression)),
            );
            let framework = if let Some(flask) = flask {
                flask
            } else if drf {
                Framework::Drf
            } else {
                Framework::Django
            };
            handler(framework, methods, None, guards, names(&params, 2))
        }
        // Flask-AppBuilder: the class's route base, then the exposed path.
        Kind::Exposed { call, class } => {
            let mut methods = keyword_strings(file, call, "methods");
            if methods.is_empty() {
                methods.push("GET".into());
            }
            let path = first_string_arg(file, call).unwrap_or_else(|| "/".into());
            let route = format!("{}{}", fab_route_base(file, class), path);
            let request_params = route_variables(&route);
            handler(
                Framework::Flask,
                methods,
                Some(route),
                guards,
                request_params,
            )
        }
        // bp.add_url_rule("/pin", "pin", pin_topic, methods=["POST"])
        Kind::UrlRule(rule) => {
            let mut methods = rule.methods.clone();
            if methods.is_empty() {
                methods.push("GET".into());
            }
            let request_params = route_variables(&rule.rule);
            handler(
                Framework::Flask,
                methods,
                Some(rule.rule.clone()),
                guards,
                request_params,
            )
        }
        // An MCP tool: every argument but the server's context comes from the client.
        Kind::McpTool => {
            let request_params = params
                .iter()
                .filter(|p| p.request_input && !matches!(p.name.as_str(), "ctx" | "context"))
                .map(|p| p.name.clone())
                .collect();
            handler(Framework::Mcp, Vec::new(), None, guards, request_params)
        }
        // Django function views: a module-level function taking `request` first.
        Kind::DjangoFunction => handler(
            Framework::Django,
            django_methods(file, &decorators),
            None,
            guards,
            names(&params, 1),
        ),
    })
}

/// The operations bound to `function` (by its name, or `Class.method` for a method).
fn bound_to<'b>(file: &ParsedFile, function: Node, bindings: &'b [Binding]) -> Vec<&'b Binding> {
    if bindings.is_empty() {
        return Vec::new();
    }
    let Some(name) = function.field_child("name").map(|n| file.text(n)) else {
        return Vec::new();
    };
    let qualname = match enclosing_class(file, function).and_then(|c| c.field_child("name")) {
        Some(class) => format!("{}.{name}", file.text(class)),
        None => name.to_string(),
    };
    bindings.iter().filter(|b| b.qualname == qualname).collect()
}

/// The parameters of a function bound to OpenAPI operations that connexion fills from the
/// request (by the names the operations give them, in any of the forms connexion passes them
/// under; a `**kwargs` takes them all), and those of them it converts or validates first (every
/// operation types them).
fn operation_arguments(
    file: &ParsedFile,
    function: Node,
    bound: &[&Binding],
) -> (Vec<String>, Vec<String>) {
    let Some(list) = function.field_child("parameters") else {
        return (Vec::new(), Vec::new());
    };
    let mut inputs = Vec::new();
    let mut typed = Vec::new();
    for param in named_children(list) {
        let name_node = match param.kind() {
            "identifier" => Some(param),
            "dictionary_splat_pattern" => named_children(param)
                .into_iter()
                .find(|n| n.kind() == "identifier"),
            "typed_parameter" => named_children(param)
                .into_iter()
                .find(|n| n.kind() == "identifier"),
            _ => param.field_child("name"),
        };
        let Some(name) = name_node.map(|n| file.text(n)) else {
            continue;
        };
        if param.kind() == "dictionary_splat_pattern" {
            inputs.push(name.to_string());
            continue;
        }
        let passed: Vec<bool> = bound
            .iter()
            .flat_map(|b| &b.operation.params)
            .filter(|p| {
                crate::app::openapi::argument_names(&p.name)
                    .iter()
                    .any(|n| n == name)
            })
            .map(|p| p.typed)
            .collect();
        if passed.is_empty() {
            continue;
        }
        inputs.push(name.to_string());
        if passed.iter().all(|t| *t) {
            typed.push(name.to_string());
        }
    }
    (inputs, typed)
}

/// How a function serves requests.
enum Kind<'t, 'f> {
    Routed {
        call: Node<'t>,
        object: &'f str,
        method: &'f str,
    },
    ApiView(Node<'t>),
    ClassView {
        class: Node<'t>,
        drf: bool,
        /// A Flask `View`/`MethodView`, or a Flask-RESTful/RESTX `Resource`.
        flask: Option<Framework>,
    },
    DjangoFunction,
    /// A function a Flask `add_url_rule` of the file registers.
    UrlRule(UrlRule),
    /// A Flask-AppBuilder view or API method: `@expose("/x", methods=["POST"])`.
    Exposed {
        call: Node<'t>,
        class: Node<'t>,
    },
    /// Bound to operations of an OpenAPI specification (connexion).
    Connexion(Vec<&'f Binding>),
    /// A tool of a Model Context Protocol server (`@mcp.tool()`).
    McpTool,
}

fn classify<'t, 'f>(
    file: &'t ParsedFile<'f>,
    function: Node<'t>,
    outer: Node<'t>,
    decorators: &[Node<'t>],
) -> Option<Kind<'t, 'f>> {
    if mcp_tool(file, decorators) {
        return Some(Kind::McpTool);
    }
    for call in decorators.iter().filter_map(|d| decorator_call(*d)) {
        if let Some((object, method)) = callee_attribute(file, call)
            .filter(|(_, m)| ROUTE_METHODS.contains(m))
            .filter(|_| !is_mock_patch(file, call))
        {
            return Some(Kind::Routed {
                call,
                object,
                method,
            });
        }
        if call
            .field_child("function")
            .is_some_and(|f| file.text(f).rsplit('.').next() == Some("api_view"))
        {
            return Some(Kind::ApiView(call));
        }
        if let Some(class) = enclosing_class(file, function).filter(|_| is_fab_expose(file, call)) {
            return Some(Kind::Exposed { call, class });
        }
    }
    if let Some(class) = enclosing_class(file, function) {
        let bases = class
            .field_child("superclasses")
            .map(|b| file.text(b))
            .unwrap_or("");
        let flask = flask_view_class(file, class);
        // Mixins alone (`class Client(ClientMixin, RequestFactory)`) do not make a view.
        if !bases.contains("View") && flask.is_none() {
            return None;
        }
        let name = file.text(function.field_child("name")?);
        let is_action = decorators.iter().any(|d| file.text(*d).contains("action"));
        if !is_action && !CLASS_VIEW_METHODS.iter().any(|(m, _)| *m == name) {
            return None;
        }
        let drf = flask.is_none() && ["APIView", "ViewSet"].iter().any(|s| bases.contains(s));
        return Some(Kind::ClassView { class, drf, flask });
    }
    let params = function.field_child("parameters")?;
    let first = named_children(params).into_iter().next()?;
    let first_name = match first.kind() {
        "identifier" => file.text(first),
        _ => first.child(0).map(|n| file.text(n)).unwrap_or(""),
    };
    // A predicate on the request (`def isAuthenticated(request): … return True`) answers yes
    // or no, where a view answers with a response.
    (first_name == "request"
        && outer.parent().is_some_and(|p| p.kind() == "module")
        && !crate::app::predicates::is_predicate(file, function))
    .then_some(Kind::DjangoFunction)
}

/// Whether a decorator registers the function as a tool of a Model Context Protocol server:
/// `@mcp.tool`, `@server.tool(name="…")` in a file that imports the `mcp` or `fastmcp` SDK, or
/// a `tool` decorator that resolves into a module of an `mcp` package (`from
/// superset_core.mcp.decorators import tool`).
fn mcp_tool(file: &ParsedFile, decorators: &[Node]) -> bool {
    let imports_sdk = || {
        file.symbols().imports.iter().any(|(_, qualified)| {
            let root = qualified.split('.').next().unwrap_or("");
            root == "fastmcp" || root == "mcp"
        })
    };
    decorators.iter().any(|decorator| {
        let callee = match decorator_call(*decorator) {
            Some(call) => call.field_child("function"),
            None => named_children(*decorator).into_iter().next(),
        };
        let Some(written) = callee.map(|callee| file.text(callee)) else {
            return false;
        };
        (written == "tool" || written.ends_with(".tool"))
            && (file
                .symbols()
                .resolve(file.language(), written)
                .name()
                .split('.')
                .any(|part| part == "mcp" || part == "fastmcp")
                || imports_sdk())
    })
}

/// Whether a decorator call is Flask-AppBuilder's `expose`, by what the name resolves to.
fn is_fab_expose(file: &ParsedFile, call: Node) -> bool {
    call.field_child("function").is_some_and(|f| {
        let written = file.text(f);
        written.rsplit('.').next() == Some("expose")
            && file
                .symbols()
                .resolve(crate::source::Language::Python, written)
                .name()
                .starts_with("flask_appbuilder.")
    })
}

/// Where Flask-AppBuilder mounts a view's exposed paths: its `route_base`, else for an API
/// (`BaseApi`, `ModelRestApi`) `/api/v1/` and its `resource_name`, else the class name in
/// lower case.
fn fab_route_base(file: &ParsedFile, class: Node) -> String {
    let attribute = |name| {
        class_attribute(file, class, name)
            .filter(|value| value.kind() == "string")
            .map(|value| file.text(value).trim_matches(['"', '\'']).to_string())
    };
    if let Some(base) = attribute("route_base") {
        return base.trim_end_matches('/').to_string();
    }
    let name = class
        .field_child("name")
        .map(|n| file.text(n).to_ascii_lowercase())
        .unwrap_or_default();
    let api = class
        .field_child("superclasses")
        .is_some_and(|bases| file.text(bases).contains("Api"));
    match (api, attribute("resource_name")) {
        (true, resource) => format!("/api/v1/{}", resource.unwrap_or(name)),
        (false, _) => format!("/{name}"),
    }
}

/// Whether the function's first parameter is annotated with a type that is no HTTP request:
/// `request: ExecuteSqlRequest` (a message class), not `request: HttpRequest` or `Request`.
fn takes_a_message(file: &ParsedFile, function: Node) -> bool {
    let first = function
        .field_child("parameters")
        .and_then(|params| named_children(params).into_iter().next());
    let Some(annotation) = first.and_then(|param| param.field_child("type")) else {
        return false;
    };
    let written = file.text(annotation);
    let last = written.rsplit('.').next().unwrap_or(written);
    !(last == "Request" || last.ends_with("HttpRequest") || last.ends_with("WSGIRequest"))
}

fn names(params: &[Param], skip: usize) -> Vec<String> {
    params.iter().skip(skip).map(|p| p.name.clone()).collect()
}

struct Param {
    name: String,
    /// The text of a `Depends(...)`/`Security(...)` default or annotation.
    dependency: Option<String>,
    /// `Depends(get_current_user)`-style dependency that authenticates.
    auth_dependency: bool,
    /// A FastAPI parameter filled from the request (path, query, body, header, cookie).
    request_input: bool,
}

fn parameters(file: &ParsedFile, function: Node) -> Vec<Param> {
    let Some(list) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(list)
        .into_iter()
        .filter_map(|param| {
            let name_node = match param.kind() {
                "identifier" => param,
                "typed_parameter" => named_children(param)
                    .into_iter()
                    .find(|n| n.kind() == "identifier")?,
                _ => param.field_child("name")?,
            };
            let name = file.text(name_node).to_string();
            let text = file.text(param);
            let dependency = text.contains("Depends(") || text.contains("Security(");
            let annotation = param
                .field_child("type")
                .map(|t| file.text(t))
                .unwrap_or("");
            let framework_type = FRAMEWORK_TYPES
                .iter()
                .any(|t| annotation.split(['[', ']', ',', ' ', '.']).any(|p| p == *t));
            // `session: SessionDep` after `SessionDep = Annotated[Session, Depends(get_session)]`
            // (an alias imported from another module is decided when the project is linked)
            let base = annotation.split('|').next().unwrap_or(annotation).trim();
            let aliased_dependency = file
                .symbols()
                .alias(base)
                .is_some_and(|value| value.contains("Depends(") || value.contains("Security("));
            Some(Param {
                dependency: dependency.then(|| text.to_string()),
                auth_dependency: dependency && dependency_authenticates(text, annotation),
                request_input: !dependency
                    && !aliased_dependency
                    && !framework_type
                    && name != "self"
                    && name != "cls",
                name,
            })
        })
        .collect()
}

/// Whether a `Depends(...)`/`Security(...)` parameter authenticates: judged by the dependency
/// it calls (`Depends(get_current_user)`, not `Depends(get_db)`), or by the annotation for a
/// class dependency (`user: User = Depends()`); database sessions never do.
fn dependency_authenticates(param_text: &str, annotation: &str) -> bool {
    let mut called = Vec::new();
    for marker in ["Depends(", "Security("] {
        for part in param_text.split(marker).skip(1) {
            let inner = part.split([')', ',']).next().unwrap_or("").trim();
            called.push(inner);
        }
    }
    if param_text.contains("Security(") {
        // FastAPI's marker for security dependencies.
        return true;
    }
    if called.iter().any(|inner| !inner.is_empty()) {
        return called.iter().any(|inner| looks_like_auth(inner));
    }
    let session_type = ["Session", "AsyncSession", "Connection"]
        .iter()
        .any(|t| annotation.split(['[', ']', ',', ' ', '.']).any(|p| p == *t));
    !session_type && looks_like_auth(annotation)
}

/// The guard a decorator stands for, if it is one.
pub(crate) fn decorator_guard(file: &ParsedFile, decorator: Node) -> Option<String> {
    expression_guard(file, named_children(decorator).into_iter().next()?)
}

/// The guard a decorator expression (`login_required`, `permission_required("x")`) stands for,
/// by its name, if it is one.
fn expression_guard(file: &ParsedFile, expression: Node) -> Option<String> {
    let callee = if expression.kind() == "call" {
        expression.field_child("function")?
    } else {
        expression
    };
    let callee_text = file.text(callee);
    let last = callee_text.rsplit('.').next().unwrap_or(callee_text);
    if NOT_GUARDS.contains(&last) || ROUTE_METHODS.contains(&last) {
        return None;
    }
    let whole = file.text(expression);
    match last {
        "permission_classes" | "method_decorator" => {
            let args = expression
                .field_child("arguments")
                .map(|a| file.text(a))
                .unwrap_or("");
            (looks_like_auth(args) || args.contains("Is")).then(|| whole.to_string())
        }
        _ => looks_like_auth(last).then(|| whole.to_string()),
    }
}

/// The framework of a Flask class-based view (`flask.views.View`/`MethodView`) or a
/// Flask-RESTful/RESTX `Resource`, by what its bases resolve to.
pub(crate) fn flask_view_class(file: &ParsedFile, class: Node) -> Option<Framework> {
    let bases = class.field_child("superclasses")?;
    named_children(bases).into_iter().find_map(|base| {
        let resolved = file
            .symbols()
            .resolve(crate::source::Language::Python, file.text(base));
        let name = resolved.name();
        if name.starts_with("flask.views.") {
            Some(Framework::Flask)
        } else {
            ["flask_restful.", "flask_restx.", "flask_restplus."]
                .iter()
                .any(|module| name.starts_with(module) && name.ends_with("Resource"))
                .then_some(Framework::FlaskRestful)
        }
    })
}

/// The decorators a Flask view class applies to `method`: `decorators = [login_required]`
/// (Flask's `View`, every method) and `method_decorators = [...]` or `{"post": [...]}`
/// (Flask-RESTful/RESTX), as the expressions written in the list.
fn view_decorators<'t>(file: &ParsedFile, class: Node<'t>, method: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    for attribute in ["decorators", "method_decorators"] {
        let Some(value) = class_attribute(file, class, attribute) else {
            continue;
        };
        let list = match value.kind() {
            "dictionary" => named_children(value).into_iter().find_map(|pair| {
                let key = pair.field_child("key")?;
                (file.text(key).trim_matches(['"', '\'']) == method)
                    .then(|| pair.field_child("value"))
                    .flatten()
            }),
            _ => Some(value),
        };
        if let Some(list) = list.filter(|l| matches!(l.kind(), "list" | "tuple")) {
            out.extend(named_children(list));
        }
    }
    out
}

/// Guards declared on a class-based view: auth mixins, `permission_classes`, `method_decorator`.
pub(crate) fn class_guards(file: &ParsedFile, class: Node) -> Vec<String> {
    let mut guards = Vec::new();
    if let Some(bases) = class.field_child("superclasses") {
        for base in named_children(bases) {
            let text = file.text(base);
            if text.ends_with("Mixin") && looks_like_auth(text) {
                guards.push(text.to_string());
            }
        }
    }
    if let Some(decorated) = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    {
        for decorator in named_children(decorated)
            .into_iter()
            .filter(|n| n.kind() == "decorator")
        {
            guards.extend(decorator_guard(file, decorator));
        }
    }
    let Some(body) = class.field_child("body") else {
        return guards;
    };
    for statement in named_children(body) {
        let Some((left, right)) = crate::syntax::assignment_sides(statement) else {
            continue;
        };
        if file.text(left) == "permission_classes" {
            let value = file.text(right);
            let names: Vec<&str> = value
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .filter(|s| !s.is_empty())
                .collect();
            if names.iter().any(|n| !n.ends_with("AllowAny")) {
                guards.push(format!("permission_classes = {value}"));
            }
        }
    }
    guards
}

/// The value of `name = …` in a class body.
pub(crate) fn class_attribute<'t>(
    file: &ParsedFile,
    class: Node<'t>,
    name: &str,
) -> Option<Node<'t>> {
    let body = class.field_child("body")?;
    named_children(body).into_iter().find_map(|statement| {
        let assignment = named_children(statement)
            .into_iter()
            .find(|n| n.kind() == "assignment")?;
        let left = assignment.field_child("left")?;
        (file.text(left) == name)
            .then(|| assignment.field_child("right"))
            .flatten()
    })
}

/// A class-based view's bases, class decorators and `permission_classes`/
/// `authentication_classes` assignments, and the named permission it requires, as written.
pub(crate) fn class_markers(file: &ParsedFile, class: Node) -> Vec<String> {
    let mut markers = Vec::new();
    if let Some(bases) = class.field_child("superclasses") {
        markers.extend(
            named_children(bases)
                .into_iter()
                .map(|b| file.text(b).to_string()),
        );
    }
    if let Some(decorated) = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    {
        markers.extend(
            named_children(decorated)
                .into_iter()
                .filter(|n| n.kind() == "decorator")
                .map(|d| file.text(d).trim_start_matches('@').trim().to_string()),
        );
    }
    if let Some(body) = class.field_child("body") {
        for statement in named_children(body) {
            let text = file.text(statement);
            if text.starts_with("permission_classes")
                || text.starts_with("authentication_classes")
                || super::admin::names_a_permission(text)
            {
                markers.push(text.to_string());
            }
        }
    }
    markers
}

fn django_methods(file: &ParsedFile, decorators: &[Node]) -> Vec<String> {
    for decorator in decorators {
        let text = file.text(*decorator);
        if text.contains("require_POST") {
            return vec!["POST".into()];
        }
        if text.contains("require_GET") {
            return vec!["GET".into()];
        }
        if text.contains("require_safe") {
            return vec!["GET".into(), "HEAD".into()];
        }
        if text.contains("require_http_methods") {
            if let Some(call) = decorator_call(*decorator) {
                return first_list_strings(file, call);
            }
        }
    }
    Vec::new()
}

fn decorator_call(decorator: Node) -> Option<Node> {
    named_children(decorator)
        .into_iter()
        .find(|n| n.kind() == "call")
}

/// `object.method(...)` → `(object, method)`.
/// `@mock.patch("billing.stripe.Refund")` in a test, not a `PATCH` route: a `mock` object, or a
/// first argument that is a dotted target rather than a URL path.
fn is_mock_patch(file: &ParsedFile, call: Node) -> bool {
    let Some((object, _)) = callee_attribute(file, call) else {
        return false;
    };
    let target = call
        .field_child("arguments")
        .and_then(|args| named_children(args).into_iter().next())
        .filter(|first| first.kind() == "string")
        .map(|first| {
            file.text(first)
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .trim_matches(|c| c == '"' || c == '\'')
        });
    object.rsplit('.').next() == Some("mock")
        || target.is_some_and(|t| !t.is_empty() && !t.starts_with('/') && !t.starts_with('<'))
}

pub(crate) fn callee_attribute<'f>(
    file: &ParsedFile<'f>,
    call: Node,
) -> Option<(&'f str, &'f str)> {
    let function = call.field_child("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let object = file.text(function.field_child("object")?);
    let method = file.text(function.field_child("attribute")?);
    Some((object, method))
}

pub(crate) fn keyword_argument<'t>(
    file: &ParsedFile,
    call: Node<'t>,
    name: &str,
) -> Option<Node<'t>> {
    let args = call.field_child("arguments")?;
    named_children(args).into_iter().find_map(|arg| {
        (arg.kind() == "keyword_argument"
            && arg
                .field_child("name")
                .is_some_and(|n| file.text(n) == name))
        .then(|| arg.field_child("value"))
        .flatten()
    })
}

pub(crate) fn keyword_text(file: &ParsedFile, call: Node, name: &str) -> Option<String> {
    keyword_argument(file, call, name).map(|v| file.text(v).to_string())
}

fn keyword_strings(file: &ParsedFile, call: Node, name: &str) -> Vec<String> {
    keyword_argument(file, call, name).map_or_else(Vec::new, |value| string_items(file, value))
}

fn first_list_strings(file: &ParsedFile, call: Node) -> Vec<String> {
    call.field_child("arguments")
        .and_then(|args| named_children(args).into_iter().next())
        .filter(|first| first.kind() != "keyword_argument")
        .map_or_else(Vec::new, |first| string_items(file, first))
}

/// Upper-cased string literals in a list or tuple.
pub(crate) fn string_items(file: &ParsedFile, node: Node) -> Vec<String> {
    descendants(node)
        .filter(|n| n.kind() == "string_content")
        .map(|n| file.text(n).to_ascii_uppercase())
        .collect()
}

pub(crate) fn first_string_arg(file: &ParsedFile, call: Node) -> Option<String> {
    let args = call.field_child("arguments")?;
    let first = named_children(args).into_iter().next()?;
    (first.kind() == "string").then(|| {
        descendants(first)
            .filter(|n| n.kind() == "string_content")
            .map(|n| file.text(n))
            .collect()
    })
}

/// `<int:order_id>` and `{order_id}` placeholders in a route path.
fn route_variables(route: &str) -> Vec<String> {
    let mut names = HashSet::new();
    for part in route.split(['<', '{']).skip(1) {
        let inner = part.split(['>', '}']).next().unwrap_or("");
        let name = inner.rsplit(':').next().unwrap_or(inner);
        if !name.is_empty() {
            names.insert(name.to_string());
        }
    }
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort();
    names
}

/// The methods a class body defines, by name.
pub(crate) fn class_methods<'t>(file: &ParsedFile, class: Node<'t>) -> Vec<(String, Node<'t>)> {
    let Some(body) = class.field_child("body") else {
        return Vec::new();
    };
    named_children(body)
        .into_iter()
        .filter_map(|statement| {
            let function = match statement.kind() {
                "function_definition" => statement,
                "decorated_definition" => statement.field_child("definition")?,
                _ => return None,
            };
            let name = function.field_child("name")?;
            Some((file.text(name).to_string(), function))
        })
        .collect()
}

fn enclosing_class<'t>(file: &'t ParsedFile, function: Node) -> Option<Node<'t>> {
    let mut node = file.parent(function)?;
    if node.kind() == "decorated_definition" {
        node = file.parent(node)?;
    }
    if node.kind() != "block" {
        return None;
    }
    file.parent(node).filter(|p| p.kind() == "class_definition")
}
