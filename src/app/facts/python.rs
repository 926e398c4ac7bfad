//! Project facts from Python: Django `urlpatterns` and DRF routers, FastAPI routers and
//! `include_router`, Flask blueprints and `register_blueprint`, settings defaults, imports.

use super::{Container, Edge, FileFacts, HandlerFact, Hook, Target};
use crate::app::guards;
use crate::app::guards::GuardCall;
use crate::app::handlers::graphql::python as graphql;
use crate::app::handlers::python::{
    callee_attribute, class_guards, class_markers, first_string_arg, keyword_argument, keyword_text,
};
use crate::app::handlers::{looks_like_auth, Framework, Handler};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::source::Position;
use crate::suppress;
use crate::syntax::{descendants, named_children, positional_arguments, FieldChild};
use tree_sitter::Node;

/// Words without which a Python file contributes nothing to the project model.
const NEEDS_ANY: &[&str] = &[
    "request",
    "urlpatterns",
    "Router",
    "FastAPI",
    "Blueprint",
    "Flask",
    "REST_FRAMEWORK",
    "MIDDLEWARE",
    "include_router",
    "add_middleware",
    "add_router",
    "register_blueprint",
    "add_url_rule",
    "add_resource",
    "flask_restful",
    "flask_restx",
    "add_namespace",
    "View",
    "route",
    "graphene",
    "strawberry",
    "ariadne",
    "GraphQL",
];
/// Constructors of FastAPI/Starlette/Flask apps and routers.
const CONTAINER_TYPES: &[&str] = &["APIRouter", "FastAPI", "Blueprint", "Flask", "Starlette"];
/// DRF router classes.
const DRF_ROUTERS: &[&str] = &["DefaultRouter", "SimpleRouter", "ExtendedSimpleRouter"];

pub(super) fn facts(file: &ParsedFile) -> FileFacts {
    let text = &file.source.text;
    let (functions, classes) = guards::python_functions(file);
    let alias_guards = guards::python_alias_guards(file);
    let mut summaries = FileFacts {
        symbols: Some(file.symbols().clone()),
        functions,
        classes,
        tasks: guards::python_tasks(file),
        alias_guards,
        ..FileFacts::default()
    };
    crate::app::models::python(file, &mut summaries);
    summaries.returns_request = crate::taint::across::returning_request(file);
    summaries.request_properties = crate::taint::request_class::input_properties(file);
    summaries.returns_object = crate::taint::across::returning_object(file);
    summaries.unscoped_lookups = crate::detectors::unscoped_lookups(file);
    let schemas = graphql::schema_facts(file);
    summaries.graphql_schemas = schemas.schemas;
    summaries.graphql_mounts = schemas.mounts;
    summaries.classes.extend(
        schemas
            .merged
            .into_iter()
            .map(|(name, bases)| guards::ClassFact {
                name,
                bases,
                ..Default::default()
            }),
    );
    summaries.apis = crate::app::connexion::apis(file);
    summaries.helper_calls = crate::app::registrars::helper_calls(file);
    summaries.app_calls = crate::app::installers::app_calls(file);
    let bindings = crate::app::connexion::bindings_of(file);
    if bindings.is_empty() && !NEEDS_ANY.iter().any(|needle| text.contains(needle)) {
        return summaries;
    }
    let model = file.model();
    let public = suppress::public_markers(file);
    let imports_django = file.symbols().imports.iter().any(|(_, qualified)| {
        ["django", "rest_framework"]
            .iter()
            .any(|root| qualified.split('.').next() == Some(root))
    });
    let mut facts = FileFacts {
        handlers: model
            .handlers
            .iter()
            .map(|handler| {
                let mut fact = HandlerFact::of(file, handler, &public);
                fact.action = drf_action(&text[handler.bytes.clone()]);
                fact.serves = runs_schema(file, handler);
                fact.serves_schema = handler_schema(file, handler);
                // `def client_ip(request)` in a module that imports nothing of Django: a view
                // only if a URL list routes it.
                fact.candidate = handler.framework == Framework::Django
                    && handler.owner.is_none()
                    && !imports_django;
                if handler.framework == Framework::Connexion {
                    // The operations' security guards the routes the specification's edges
                    // give, each its own.
                    fact.guards
                        .retain(|g| !bindings.iter().any(|b| b.operation.guards().contains(g)));
                }
                fact
            })
            .collect(),
        ..summaries
    };
    for &node in file.statement_level() {
        match node.kind() {
            "class_definition" => {
                inherited_handlers(file, node, &public, &mut facts);
                candidate_view(file, node, &public, &mut facts);
            }
            "import_statement" | "import_from_statement" => imports(file, node, &mut facts),
            "assignment" | "augmented_assignment" => assignment(file, node, &mut facts),
            "call" => method_call(file, node, &mut facts),
            "decorator" => {
                resource_route(file, node, &mut facts);
                foreign_hook(file, node, &mut facts);
            }
            _ => {}
        }
    }
    facts
}

/// `@bp.before_request` on a function: before every route of `bp` (a blueprint of this module
/// or another), also those of the blueprints registered on it (`@app.before_request` runs for
/// the whole application); `@bp.before_app_request` on any blueprint: a hook of the whole
/// application that registers it. FastAPI's and Starlette's `@app.middleware("http")` runs
/// before every route of `app` alike.
fn foreign_hook(file: &ParsedFile, decorator: Node, facts: &mut FileFacts) {
    let text = file.text(decorator).trim_start_matches('@').trim();
    let Some((object, registration)) = crate::app::handlers::python::hook_decorator(text) else {
        return;
    };
    let app_wide = registration == "before_app_request";
    let Some(hook) = decorator
        .parent()
        .and_then(|decorated| decorated.field_child("definition"))
        .and_then(|function| function.field_child("name"))
    else {
        return;
    };
    let guard = crate::app::handlers::python::before_request(object, registration, file.text(hook));
    add_hook(file, decorator, object, guard, app_wide, facts);
}

/// `guard` runs before the routes of `object` (written at `node`): a guard of a container this
/// file declares, else a hook resolved when linking, through the callers of the function when
/// `object` is one of its parameters.
fn add_hook(
    file: &ParsedFile,
    node: Node,
    object: &str,
    guard: GuardCall,
    app_wide: bool,
    facts: &mut FileFacts,
) {
    let installed = crate::app::installers::parameter_of(file, node, object);
    match facts.containers.iter_mut().find(|c| c.name == object) {
        Some(container) if !app_wide && installed.is_none() => container.guard_calls.push(guard),
        _ => facts.hooks.push(Hook {
            container: dotted(object),
            guard,
            app_wide,
            on_parameter: installed.is_some(),
            installed: installed.flatten(),
        }),
    }
}

/// Flask-RESTX: `@ns.route("/todos/<int:id>")` on a `Resource` class mounts it on the namespace
/// (or the `Api`) under that rule.
fn resource_route(file: &ParsedFile, decorator: Node, facts: &mut FileFacts) {
    let Some(class) = decorator
        .parent()
        .and_then(|decorated| decorated.field_child("definition"))
        .filter(|definition| definition.kind() == "class_definition")
    else {
        return;
    };
    let Some(call) = named_children(decorator)
        .into_iter()
        .find(|n| n.kind() == "call")
    else {
        return;
    };
    let Some((object, "route")) = callee_attribute(file, call) else {
        return;
    };
    let resource = crate::app::handlers::python::flask_view_class(file, class)
        == Some(Framework::FlaskRestful);
    let (Some(rule), Some(name), true) = (
        first_string_arg(file, call),
        class.field_child("name"),
        resource,
    ) else {
        return;
    };
    let target = Target::Class {
        path: vec![file.text(name).to_string()],
        viewset: false,
    };
    let at = file.source.position(call.start_byte());
    facts.edges.push(edge(at, object, &rule, target, &[]));
}

/// DRF generic views and viewsets: the actions they inherit, as (method name, HTTP method).
const DRF_GENERICS: &[(&str, &[(&str, &str)])] = &[
    (
        "ModelViewSet",
        &[
            ("list", "GET"),
            ("create", "POST"),
            ("retrieve", "GET"),
            ("update", "PUT"),
            ("partial_update", "PATCH"),
            ("destroy", "DELETE"),
        ],
    ),
    (
        "ReadOnlyModelViewSet",
        &[("list", "GET"), ("retrieve", "GET")],
    ),
    ("ListModelMixin", &[("list", "GET")]),
    ("CreateModelMixin", &[("create", "POST")]),
    ("RetrieveModelMixin", &[("retrieve", "GET")]),
    (
        "UpdateModelMixin",
        &[("update", "PUT"), ("partial_update", "PATCH")],
    ),
    ("DestroyModelMixin", &[("destroy", "DELETE")]),
    ("ListCreateAPIView", &[("get", "GET"), ("post", "POST")]),
    (
        "RetrieveUpdateDestroyAPIView",
        &[
            ("get", "GET"),
            ("put", "PUT"),
            ("patch", "PATCH"),
            ("delete", "DELETE"),
        ],
    ),
    (
        "RetrieveUpdateAPIView",
        &[("get", "GET"), ("put", "PUT"), ("patch", "PATCH")],
    ),
    (
        "RetrieveDestroyAPIView",
        &[("get", "GET"), ("delete", "DELETE")],
    ),
    ("CreateAPIView", &[("post", "POST")]),
    ("ListAPIView", &[("get", "GET")]),
    ("RetrieveAPIView", &[("get", "GET")]),
    ("UpdateAPIView", &[("put", "PUT"), ("patch", "PATCH")]),
    ("DestroyAPIView", &[("delete", "DELETE")]),
];

/// Handlers a DRF generic view or viewset inherits without defining them
/// (`class PaymentViewSet(ModelViewSet)` serves create/update/destroy with no `def`).
fn inherited_handlers(
    file: &ParsedFile,
    class: Node,
    public: &[(usize, Option<String>)],
    facts: &mut FileFacts,
) {
    let (Some(name_node), Some(bases)) =
        (class.field_child("name"), class.field_child("superclasses"))
    else {
        return;
    };
    let class_name = file.text(name_node);
    let mut actions: Vec<(&str, &str)> = Vec::new();
    for base in named_children(bases) {
        let base = file.text(base);
        let base = base.rsplit('.').next().unwrap_or(base);
        if let Some((_, implied)) = DRF_GENERICS.iter().find(|(generic, _)| *generic == base) {
            actions.extend(implied.iter().copied());
        }
    }
    let outer = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(class);
    for (action, method) in actions {
        let defined = facts
            .handlers
            .iter()
            .any(|h| h.owner.as_deref() == Some(class_name) && h.name == action);
        if defined {
            continue;
        }
        let handler = Handler {
            name: action.to_string(),
            framework: Framework::Drf,
            methods: vec![method.to_string()],
            route: None,
            guards: class_guards(file, class),
            owner: Some(class_name.to_string()),
            declared_route: false,
            markers: class_markers(file, class),
            bytes: outer.byte_range(),
            name_bytes: name_node.byte_range(),
            request_params: Vec::new(),
            guard_calls: Vec::new(),
            typed_params: Vec::new(),
            operation: None,
        };
        facts.handlers.push(HandlerFact::of(file, &handler, public));
    }
}

/// HTTP methods a class-based view defines as methods of the same name.
const VIEW_METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// A class whose bases do not name a view (`class RefundEndpoint(LedgerBase)`) but whose
/// `post(self, request, …)`-style methods look like one: its methods are candidate handlers,
/// kept only if a registration mounts the class (`RefundEndpoint.as_view()`); its bases,
/// followed across files when linking, then tell Django from DRF and what guards it.
fn candidate_view(
    file: &ParsedFile,
    class: Node,
    public: &[(usize, Option<String>)],
    facts: &mut FileFacts,
) {
    let (Some(name_node), Some(bases), Some(body)) = (
        class.field_child("name"),
        class.field_child("superclasses"),
        class.field_child("body"),
    ) else {
        return;
    };
    if file.text(bases).contains("View") || named_children(bases).is_empty() {
        return;
    }
    let class_name = file.text(name_node);
    for statement in named_children(body) {
        let function = match statement.kind() {
            "decorated_definition" => statement.field_child("definition"),
            "function_definition" => Some(statement),
            _ => None,
        };
        let Some(function) = function else { continue };
        let Some(method_name) = function.field_child("name") else {
            continue;
        };
        let method = file.text(method_name);
        let takes_request = function
            .field_child("parameters")
            .and_then(|p| named_children(p).into_iter().nth(1))
            .is_some_and(|second| file.text(second).starts_with("request"));
        if !VIEW_METHODS.contains(&method) || !takes_request {
            continue;
        }
        let handler = Handler {
            name: method.to_string(),
            framework: Framework::Django,
            methods: vec![method.to_ascii_uppercase()],
            route: None,
            guards: class_guards(file, class),
            owner: Some(class_name.to_string()),
            declared_route: false,
            markers: class_markers(file, class),
            bytes: statement.byte_range(),
            name_bytes: method_name.byte_range(),
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

/// `@action(detail=True, url_path="refund")` on a viewset method → `(true, "refund")`.
fn drf_action(handler_text: &str) -> Option<(bool, String)> {
    let header = handler_text.split("def ").next()?;
    let start = header.find("action(")?;
    let args = &header[start..];
    let args = &args[..args.find(")\n").unwrap_or(args.len())];
    let detail = args.contains("detail=True");
    let url_path = args.split("url_path=").nth(1).and_then(|rest| {
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        rest[1..].split(quote).next().map(str::to_string)
    });
    let name = handler_text
        .split("def ")
        .nth(1)?
        .split('(')
        .next()?
        .trim()
        .to_string();
    Some((detail, url_path.unwrap_or(name)))
}

fn imports(file: &ParsedFile, node: Node, facts: &mut FileFacts) {
    let module = node
        .field_child("module_name")
        .map(|m| file.text(m).to_string());
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        let (original, local) = match name.kind() {
            "aliased_import" => (
                name.field_child("name").map(|n| file.text(n)),
                name.field_child("alias").map(|n| file.text(n)),
            ),
            _ => (Some(file.text(name)), None),
        };
        let Some(original) = original else { continue };
        let full = match &module {
            Some(module) if module.ends_with('.') => format!("{module}{original}"),
            Some(module) => format!("{module}.{original}"),
            None => original.to_string(),
        };
        let local = local.unwrap_or_else(|| original.split('.').next().unwrap_or(original));
        let bound = if module.is_none() && local == original.split('.').next().unwrap_or("") {
            local.to_string()
        } else {
            full
        };
        facts.imports.push((local.into(), bound.into()));
    }
}

fn assignment(file: &ParsedFile, node: Node, facts: &mut FileFacts) {
    let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right")) else {
        return;
    };
    let name = file.text(left);
    match name {
        "urlpatterns" => url_list(file, right, "urlpatterns", "", &[], facts),
        // `frame_wrapped_urls = [path(…), …]`, included by name (`include(frame_wrapped_urls)`).
        _ if is_url_list(file, right) => url_list(file, right, name, "", &[], facts),
        "REST_FRAMEWORK" => {
            let text = file.text(right);
            if let Some(classes) = setting_list(text, "DEFAULT_PERMISSION_CLASSES") {
                if classes.iter().any(|c| !c.ends_with("AllowAny")) {
                    let guard = format!("DEFAULT_PERMISSION_CLASSES = {}", classes.join(", "));
                    facts.defaults.push((Framework::Drf, guard));
                }
                facts.drf_default_permissions = classes;
            }
        }
        "app_name" if right.kind() == "string" => {
            facts.app_name = Some(string_value(file, right));
        }
        "MIDDLEWARE" => {
            if file.text(right).contains("LoginRequiredMiddleware") {
                let guard = "LoginRequiredMiddleware".to_string();
                facts.defaults.push((Framework::Django, guard.clone()));
                facts.defaults.push((Framework::Drf, guard));
            }
            facts.middleware = descendants(right)
                .filter(|n| n.kind() == "string_content")
                .map(|n| file.text(n).to_string())
                .filter(|entry| !entry.starts_with("django."))
                .collect();
        }
        _ if right.kind() == "call" => {
            let callee = right
                .field_child("function")
                .map(|f| file.text(f))
                .unwrap_or("");
            let type_name = callee.rsplit('.').next().unwrap_or(callee);
            if let Some(target) = graphql_endpoint(file, right) {
                // graphql_app = GraphQLRouter(schema); app.include_router(graphql_app, …)
                facts.containers.push(Container {
                    name: name.to_string(),
                    prefix: keyword_string(file, right, "path").unwrap_or_default(),
                    guards: Vec::new(),
                    guard_calls: Vec::new(),
                    markers: Vec::new(),
                });
                let at = file.source.position(right.start_byte());
                let mut edge = edge(at, name, "", target, &[]);
                edge.schema = graphql::schema_argument(file, right);
                facts.edges.push(edge);
            } else if is_ninja_container(file, callee) {
                // router = Router(auth=BearerAuth()), api = NinjaAPI(…) (django-ninja)
                facts.containers.push(Container {
                    name: name.to_string(),
                    prefix: String::new(),
                    guards: Vec::new(),
                    guard_calls: crate::app::handlers::python::ninja_auth(file, right),
                    markers: keyword_text(file, right, "auth").into_iter().collect(),
                });
            } else if CONTAINER_TYPES.contains(&type_name) || DRF_ROUTERS.contains(&type_name) {
                let prefix = keyword_string(file, right, "prefix")
                    .or_else(|| keyword_string(file, right, "url_prefix"))
                    .unwrap_or_default();
                let dependencies = keyword_text(file, right, "dependencies");
                facts.containers.push(Container {
                    name: name.to_string(),
                    prefix,
                    guards: Vec::new(),
                    guard_calls: dependency_guards(file, right),
                    markers: dependencies.into_iter().collect(),
                });
            } else if restx_namespace(file, callee) {
                // ns = Namespace("todos", path="/todos"): mounted by `api.add_namespace(ns)`.
                let prefix = keyword_string(file, right, "path").unwrap_or_else(|| {
                    format!("/{}", first_string_arg(file, right).unwrap_or_default())
                });
                facts.containers.push(Container {
                    name: name.to_string(),
                    prefix,
                    guards: Vec::new(),
                    guard_calls: Vec::new(),
                    markers: Vec::new(),
                });
            } else if restful_api(file, callee) {
                // api = Api(bp, prefix="/v1"): its resources hang under the app or blueprint.
                facts.containers.push(Container {
                    name: name.to_string(),
                    prefix: keyword_string(file, right, "prefix").unwrap_or_default(),
                    guards: Vec::new(),
                    guard_calls: Vec::new(),
                    markers: Vec::new(),
                });
                let parent = positional_arguments(right)
                    .into_iter()
                    .next()
                    .filter(|p| p.kind() == "identifier");
                if let Some(parent) = parent {
                    let at = file.source.position(right.start_byte());
                    let target = Target::Container(vec![name.to_string()]);
                    facts
                        .edges
                        .push(edge(at, file.text(parent), "", target, &[]));
                }
            }
        }
        _ => {}
    }
}

/// Whether a constructor is django-ninja's `Router` or `NinjaAPI`.
fn is_ninja_container(file: &ParsedFile, callee: &str) -> bool {
    let qualified = file.symbols().resolve(Language::Python, callee);
    let qualified = qualified.name();
    qualified.starts_with("ninja.")
        && matches!(qualified.rsplit('.').next(), Some("Router" | "NinjaAPI"))
}

/// Whether a constructor is Flask-RESTX's `Namespace`.
fn restx_namespace(file: &ParsedFile, callee: &str) -> bool {
    let resolved = file.symbols().resolve(Language::Python, callee);
    ["flask_restx.Namespace", "flask_restplus.Namespace"].contains(&resolved.name())
}

/// Whether a constructor is Flask-RESTful's or Flask-RESTX's `Api`.
fn restful_api(file: &ParsedFile, callee: &str) -> bool {
    let resolved = file.symbols().resolve(Language::Python, callee);
    ["flask_restful.Api", "flask_restx.Api", "flask_restplus.Api"].contains(&resolved.name())
}

/// The names in `"KEY": [...]` or `"KEY": (...)` inside a settings dict's text.
fn setting_list(text: &str, key: &str) -> Option<Vec<String>> {
    let after = text.split(key).nth(1)?;
    let open = after.find(['[', '('])?;
    let close = after[open..].find([']', ')'])? + open;
    Some(
        after[open + 1..close]
            .split(',')
            .map(|item| item.trim().trim_matches(['"', '\'']).to_string())
            .filter(|item| !item.is_empty())
            .collect(),
    )
}

/// Whether `value` is a list of URL patterns: a list (or a sum of lists) with a `path(…)`,
/// `re_path(…)` or `url(…)` item.
fn is_url_list(file: &ParsedFile, value: Node) -> bool {
    match value.kind() {
        "binary_operator" => named_children(value)
            .into_iter()
            .any(|side| is_url_list(file, side)),
        "list" | "tuple" => named_children(value).into_iter().any(|item| {
            item.kind() == "call"
                && item.field_child("function").is_some_and(|f| {
                    matches!(
                        file.text(f).rsplit('.').next(),
                        Some("path" | "re_path" | "url")
                    )
                })
        }),
        _ => false,
    }
}

/// The items of a `urlpatterns` list (or a list inside `include([...])`).
fn url_list(
    file: &ParsedFile,
    list: Node,
    from: &str,
    prefix: &str,
    guards: &[String],
    facts: &mut FileFacts,
) {
    crate::budget::deep(|| url_list_unguarded(file, list, from, prefix, guards, facts))
}

/// Guarded by [`url_list`], which grows the stack for deep trees.
fn url_list_unguarded(
    file: &ParsedFile,
    list: Node,
    from: &str,
    prefix: &str,
    guards: &[String],
    facts: &mut FileFacts,
) {
    if list.kind() == "binary_operator" {
        for side in named_children(list) {
            url_list(file, side, from, prefix, guards, facts);
        }
        return;
    }
    // urlpatterns = common_patterns + event_patterns; not `urlpatterns = [debug] + urlpatterns`,
    // whose own items are already recorded
    if list.kind() == "identifier" {
        if file.text(list) != from {
            url_view_include(file, list, from, prefix, guards, facts);
        }
        return;
    }
    // urlpatterns += router.urls
    if list.kind() == "attribute" && file.text(list).ends_with(".urls") {
        if let Some(object) = list.field_child("object") {
            facts.edges.push(edge(
                file.source.position(list.start_byte()),
                from,
                prefix,
                target_container(file, object),
                guards,
            ));
        }
        return;
    }
    if !matches!(list.kind(), "list" | "tuple") {
        return;
    }
    for item in named_children(list) {
        if item.kind() != "call" {
            continue;
        }
        let callee = item
            .field_child("function")
            .map(|f| file.text(f))
            .unwrap_or("");
        if !matches!(
            callee.rsplit('.').next(),
            Some("path" | "re_path" | "url" | "register")
        ) {
            continue;
        }
        let Some(args) = item.field_child("arguments") else {
            continue;
        };
        let args = named_children(args);
        let route = first_string_arg(file, item).unwrap_or_default();
        let Some(view) = args.get(1) else { continue };
        url_view(file, *view, from, &route, prefix, guards, facts);
    }
}

/// The view argument of `path(route, view)`.
fn url_view(
    file: &ParsedFile,
    view: Node,
    from: &str,
    route: &str,
    prefix: &str,
    guards: &[String],
    facts: &mut FileFacts,
) {
    crate::budget::deep(|| url_view_unguarded(file, view, from, route, prefix, guards, facts))
}

/// Guarded by [`url_view`], which grows the stack for deep trees.
fn url_view_unguarded(
    file: &ParsedFile,
    view: Node,
    from: &str,
    route: &str,
    prefix: &str,
    guards: &[String],
    facts: &mut FileFacts,
) {
    let full = super::join_path(prefix, route);
    match view.kind() {
        "call" => {
            let function = view.field_child("function");
            let callee = function.map(|f| file.text(f)).unwrap_or("");
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let first = view
                .field_child("arguments")
                .and_then(|a| named_children(a).into_iter().next());
            if last == "include" {
                let Some(first) = first else { return };
                match first.kind() {
                    "string" => {
                        let module = string_value(file, first);
                        let mut edge = edge(
                            file.source.position(view.start_byte()),
                            from,
                            &full,
                            Target::Module(module),
                            guards,
                        );
                        edge.namespace = keyword_string(file, view, "namespace");
                        facts.edges.push(edge);
                    }
                    "tuple" => {
                        if let Some(inner) = named_children(first).into_iter().next() {
                            url_view_include(file, inner, from, &full, guards, facts);
                        }
                    }
                    _ => url_view_include(file, first, from, &full, guards, facts),
                }
            } else if last == "as_view" {
                let Some(class) = function.and_then(|f| f.field_child("object")) else {
                    return;
                };
                let path = dotted(file.text(class));
                let target = match graphql_endpoint(file, view) {
                    Some(target) => target,
                    None if keyword_argument(file, view, "schema").is_some() => {
                        Target::GraphqlView(path)
                    }
                    None => Target::Class {
                        path,
                        viewset: false,
                    },
                };
                let mut edge = edge(
                    file.source.position(view.start_byte()),
                    from,
                    &full,
                    target,
                    guards,
                );
                edge.schema = keyword_argument(file, view, "schema")
                    .and_then(|_| graphql::schema_argument(file, view));
                facts.edges.push(edge);
            } else if let Some(inner) = first {
                // login_required(views.detail), staff_member_required(...)
                let mut guards = guards.to_vec();
                if looks_like_auth(last) {
                    guards.push(callee.to_string());
                }
                url_view(file, inner, from, route, prefix, &guards, facts);
            }
        }
        "identifier" | "attribute" => {
            let target = Target::Handler(dotted(file.text(view)));
            facts.edges.push(edge(
                file.source.position(view.start_byte()),
                from,
                &full,
                target,
                guards,
            ));
        }
        _ => {}
    }
}

/// `include(router.urls)`, `include([path(...), ...])`, `include(a_patterns + [path(...)])`.
fn url_view_include(
    file: &ParsedFile,
    node: Node,
    from: &str,
    prefix: &str,
    guards: &[String],
    facts: &mut FileFacts,
) {
    match node.kind() {
        "list" | "binary_operator" => url_list(file, node, from, prefix, guards, facts),
        "identifier" => {
            facts.edges.push(edge(
                file.source.position(node.start_byte()),
                from,
                prefix,
                Target::Container(vec![file.text(node).to_string()]),
                guards,
            ));
        }
        "attribute" if file.text(node).ends_with(".urls") => {
            if let Some(object) = node.field_child("object") {
                facts.edges.push(edge(
                    file.source.position(node.start_byte()),
                    from,
                    prefix,
                    target_container(file, object),
                    guards,
                ));
            }
        }
        "string" => {
            let module = string_value(file, node);
            facts.edges.push(edge(
                file.source.position(node.start_byte()),
                from,
                prefix,
                Target::Module(module),
                guards,
            ));
        }
        _ => {}
    }
}

/// `router.register(r"payments", PaymentViewSet)`, `app.include_router(r, prefix=...)`,
/// `app.register_blueprint(bp, url_prefix=...)`, `app.mount("/x", sub)`, and Flask
/// `bp.before_request(check)` and `bp.before_app_request(check)`.
fn method_call(file: &ParsedFile, call: Node, facts: &mut FileFacts) {
    let Some((object, method)) = callee_attribute(file, call) else {
        return;
    };
    let positional = positional_arguments(call);
    match method {
        "register" if positional.len() >= 2 && positional[0].kind() == "string" => {
            let prefix = string_value(file, positional[0]);
            let target = Target::Class {
                path: dotted(file.text(positional[1])),
                viewset: true,
            };
            facts.edges.push(edge(
                file.source.position(call.start_byte()),
                object,
                &prefix,
                target,
                &[],
            ));
        }
        "include_router" | "register_blueprint" => {
            let Some(first) = positional.first() else {
                return;
            };
            let prefix = keyword_string(file, call, "prefix")
                .or_else(|| keyword_string(file, call, "url_prefix"))
                .unwrap_or_default();
            let dependencies = keyword_text(file, call, "dependencies");
            let mut edge = edge(
                file.source.position(call.start_byte()),
                object,
                &prefix,
                target_container(file, *first),
                &[],
            );
            edge.guard_calls = dependency_guards(file, call);
            edge.markers.extend(dependencies);
            facts.edges.push(edge);
        }
        "mount" | "add_route" | "add_url_rule"
            if positional.first().is_some_and(|p| p.kind() == "string") =>
        {
            let prefix = string_value(file, positional[0]);
            let view = keyword_argument(file, call, "view_func").or_else(|| {
                positional
                    .get(if method == "add_url_rule" { 2 } else { 1 })
                    .copied()
            });
            let Some(view) = view else { return };
            let (target, schema) = match graphql_endpoint(file, view) {
                Some(target) => (target, graphql::schema_argument(file, view)),
                None if method == "mount" => (target_container(file, view), None),
                // Flask: `bp.add_url_rule("/x", view_func=Edit.as_view("edit"))`.
                None if method == "add_url_rule" => {
                    match crate::app::registrars::as_view(file, view) {
                        Some(target) => (target, None),
                        None => return,
                    }
                }
                None => return,
            };
            let mut edge = edge(
                file.source.position(call.start_byte()),
                object,
                &prefix,
                target,
                &[],
            );
            edge.schema = schema;
            facts.edges.push(edge);
        }
        // django-ninja: `api.add_router("/pages/", pages_router)`.
        "add_router" if positional.len() == 2 && positional[0].kind() == "string" => {
            facts.edges.push(edge(
                file.source.position(call.start_byte()),
                object,
                &string_value(file, positional[0]),
                target_container(file, positional[1]),
                &[],
            ));
        }
        // Flask-RESTX: `api.add_namespace(ns)` (a `path=` given there is not read).
        "add_namespace" if !positional.is_empty() => {
            facts.edges.push(edge(
                file.source.position(call.start_byte()),
                object,
                "",
                target_container(file, positional[0]),
                &[],
            ));
        }
        // Flask-RESTful/RESTX: `api.add_resource(Todo, "/todos/<id>", "/todo/<id>")`.
        "add_resource" if positional.len() >= 2 => {
            let class = dotted(file.text(positional[0]));
            for rule in positional[1..].iter().filter(|p| p.kind() == "string") {
                facts.edges.push(edge(
                    file.source.position(call.start_byte()),
                    object,
                    &string_value(file, *rule),
                    Target::Class {
                        path: class.clone(),
                        viewset: false,
                    },
                    &[],
                ));
            }
        }
        // bp.before_request(check): before every route of `bp`; bp.before_app_request(check):
        // before every route of the application that registers `bp`.
        "before_request" | "before_app_request" => {
            let Some(hook) = call
                .field_child("arguments")
                .and_then(|args| named_children(args).into_iter().next())
            else {
                return;
            };
            let app_wide = method == "before_app_request";
            let guard =
                crate::app::handlers::python::before_request(object, method, file.text(hook));
            add_hook(file, call, object, guard, app_wide, facts);
        }
        // Starlette/FastAPI `app.add_middleware(RequireKey, …)`: the class's `dispatch` or
        // `__call__` runs before every route of `app`.
        "add_middleware" => {
            let Some(class) = positional
                .first()
                .filter(|c| matches!(c.kind(), "identifier" | "attribute"))
            else {
                return;
            };
            let guard = GuardCall {
                text: file.text(call).to_string(),
                callee: file.text(*class).to_string(),
                how: crate::app::guards::Via::AppMiddleware,
                unless_caught: Vec::new(),
            };
            add_hook(file, call, object, guard, false, facts);
        }
        _ => {}
    }
}

/// The GraphQL endpoint a view, router or app expression builds (`GraphQLView.as_view(…)`,
/// `GraphQLRouter(schema)`, `GraphQL(schema)`), by the qualified name of its class.
fn graphql_endpoint(file: &ParsedFile, node: Node) -> Option<Target> {
    if node.kind() != "call" {
        return None;
    }
    let function = node.field_child("function")?;
    let class = match function.kind() {
        "attribute"
            if function
                .field_child("attribute")
                .is_some_and(|a| file.text(a) == "as_view") =>
        {
            function.field_child("object")?
        }
        _ => function,
    };
    let qualified = file.symbols().resolve(Language::Python, file.text(class));
    graphql::endpoint_library(qualified.name()).map(Target::Graphql)
}

/// The library whose schema a handler runs itself (a Flask or Django view calling Ariadne's
/// `graphql_sync(schema, data)`).
fn runs_schema(file: &ParsedFile, handler: &Handler) -> Option<Framework> {
    if !file.source.text[handler.bytes.clone()].contains("graphql") {
        return None;
    }
    let function = file
        .tree
        .root_node()
        .descendant_for_byte_range(handler.bytes.start, handler.bytes.end)?;
    descendants(function)
        .filter(|n| n.kind() == "call")
        .filter_map(|call| call.field_child("function"))
        .find_map(|callee| {
            let qualified = file.symbols().resolve(Language::Python, file.text(callee));
            graphql::endpoint_library(qualified.name())
        })
}

/// The schema a handler runs itself (`schema.execute(…)`), as written.
fn handler_schema(file: &ParsedFile, handler: &Handler) -> Option<String> {
    let body = &file.source.text[handler.bytes.clone()];
    if handler.operation.is_some() || !(body.contains("graphql") || body.contains(".execute")) {
        return None;
    }
    let function = file
        .tree
        .root_node()
        .descendant_for_byte_range(handler.bytes.start, handler.bytes.end)?;
    graphql::executed_schema(file, function)
}

fn target_container(file: &ParsedFile, node: Node) -> Target {
    Target::Container(dotted(file.text(node)))
}

fn edge(at: Position, from: &str, prefix: &str, target: Target, guards: &[String]) -> Edge {
    Edge {
        at,
        from: from.to_string(),
        prefix: prefix.to_string(),
        methods: Vec::new(),
        target,
        guards: guards.to_vec(),
        guard_calls: Vec::new(),
        markers: guards.to_vec(),
        schema: None,
        public: None,
        namespace: None,
    }
}

/// The `dependencies=[Depends(f), …]` of a router, app or registration, to be judged by what
/// `f` does.
fn dependency_guards(file: &ParsedFile, call: Node) -> Vec<GuardCall> {
    keyword_argument(file, call, "dependencies")
        .map(|list| guards::dependency_calls(file, list, None))
        .unwrap_or_default()
}

fn dotted(text: &str) -> Vec<String> {
    text.split('.').map(|s| s.trim().to_string()).collect()
}

fn string_value(file: &ParsedFile, node: Node) -> String {
    crate::budget::deep(|| string_value_unguarded(file, node))
}

/// Guarded by [`string_value`], which grows the stack for deep trees.
fn string_value_unguarded(file: &ParsedFile, node: Node) -> String {
    descendants(node)
        .filter(|n| n.kind() == "string_content")
        .map(|n| file.text(n))
        .collect()
}

fn keyword_string(file: &ParsedFile, call: Node, name: &str) -> Option<String> {
    keyword_argument(file, call, name)
        .filter(|value| value.kind() == "string")
        .map(|value| string_value(file, value))
}

#[cfg(test)]
mod tests {
    use super::drf_action;

    #[test]
    fn drf_actions_give_detail_and_url_segment() {
        let text = "@action(detail=True, methods=[\"post\"], url_path=\"refund-all\")\n    def refund(self, request, pk=None):\n";
        assert_eq!(drf_action(text), Some((true, "refund-all".into())));
        let text = "@action(detail=False)\n    def recent(self, request):\n";
        assert_eq!(drf_action(text), Some((false, "recent".into())));
        assert_eq!(drf_action("def get(self, request):\n"), None);
    }
}
