//! GraphQL resolvers in Python: graphene and graphene-django (`ObjectType` root `resolve_*`
//! methods, `Mutation` classes' `mutate`), Strawberry (`@strawberry.type` roots with
//! `@strawberry.field`/`@strawberry.mutation` methods or `resolver=` functions) and Ariadne
//! (`QueryType()`/`MutationType()` bindings with `@x.field("name")` or `x.set_field`).

use super::strawberry;
use super::{camel, root_kind, Operation, OperationKind};
use crate::app::guards::{
    python_decorator_guards, top_level_calls, top_level_guard_call, GuardCall, Via,
};
use crate::app::handlers::python::{
    callee_attribute, decorator_guard, first_string_arg, keyword_argument,
};
use crate::app::handlers::{Framework, Handler};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::{NamePatterns, Resolved};
use crate::syntax::{descendants, named_children, positional_arguments, FieldChild};
use std::collections::HashMap;
use std::sync::LazyLock;
use tree_sitter::Node;

/// Words without which a file defines no resolver of these libraries.
const LIBRARIES: &[&str] = &["graphene", "strawberry", "ariadne"];
/// Methods of a graphene mutation class that run it.
const MUTATE_METHODS: &[&str] = &["mutate", "mutate_and_get_payload", "perform_mutation"];
/// Parameter annotations of the resolve info (not client input).
const INFO_TYPES: &[&str] = &["Info", "ResolveInfo", "GraphQLResolveInfo"];
/// Names a resolver's first parameter (the parent object) goes by.
const ROOT_NAMES: &[&str] = &[
    "self", "cls", "root", "_root", "parent", "_parent", "obj", "_obj", "_",
];

pub(super) fn patterns(list: &[&str]) -> NamePatterns {
    let list: Vec<String> = list.iter().map(|p| (*p).to_string()).collect();
    NamePatterns::new(&list).expect("valid GraphQL name patterns")
}

static GRAPHENE_MUTATIONS: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "graphene.{Mutation,ClientIDMutation,relay.ClientIDMutation,types.mutation.Mutation}",
        "graphene_django.**Mutation",
        "graphql_jwt.{JSONWebTokenMutation,ObtainJSONWebToken,Verify,Refresh,Revoke}",
        "graphql_jwt.{mutations,relay}.**",
    ])
});
/// graphene-django mutations that bring their own `mutate` (a form or serializer saved).
static GRAPHENE_SAVING_MUTATIONS: LazyLock<NamePatterns> =
    LazyLock::new(|| patterns(&["graphene_django.**Mutation"]));
static GRAPHENE_OBJECTS: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "graphene.{ObjectType,types.objecttype.ObjectType}",
        "graphene_django.{DjangoObjectType,types.DjangoObjectType}",
    ])
});
/// Ariadne bindables of root types.
static ARIADNE_ROOTS: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "ariadne.{QueryType,MutationType,ObjectType}",
        "ariadne.objects.{QueryType,MutationType,ObjectType}",
    ])
});
/// What serves a schema over HTTP: a view, router or ASGI/WSGI app, and the library whose
/// operations it serves.
static ENDPOINTS: LazyLock<Vec<(NamePatterns, Framework)>> = LazyLock::new(|| {
    vec![
        (
            patterns(&[
                "graphene_django.views.GraphQLView",
                "graphene_django.GraphQLView",
                "flask_graphql.GraphQLView",
                "graphql_server.flask.GraphQLView",
                "graphql_server.flask.graphqlview.GraphQLView",
                "starlette_graphene3.GraphQLApp",
            ]),
            Framework::Graphene,
        ),
        (
            patterns(&[
                "strawberry.django.views.{GraphQLView,AsyncGraphQLView}",
                "strawberry.flask.views.{GraphQLView,AsyncGraphQLView}",
                "strawberry.fastapi.GraphQLRouter",
                "strawberry.fastapi.router.GraphQLRouter",
                "strawberry.asgi.GraphQL",
                "strawberry_django.views.{GraphQLView,AsyncGraphQLView}",
            ]),
            Framework::Strawberry,
        ),
        (
            patterns(&[
                "ariadne.asgi.GraphQL",
                "ariadne.wsgi.GraphQL",
                "ariadne_django.views.GraphQLView",
                "ariadne.contrib.django.views.GraphQLView",
                "ariadne.{graphql,graphql_sync}",
            ]),
            Framework::Ariadne,
        ),
    ]
});

/// The library whose schema the class or function with this qualified name serves.
pub(crate) fn endpoint_library(qualified: &str) -> Option<Framework> {
    ENDPOINTS
        .iter()
        .find(|(names, _)| names.matches(qualified))
        .map(|(_, library)| *library)
}

/// Whether a qualified class name is one of graphene's mutation or object type bases.
pub(crate) fn is_graphene_type(qualified: &str) -> bool {
    GRAPHENE_MUTATIONS.matches(qualified) || GRAPHENE_OBJECTS.matches(qualified)
}

/// The qualified name of a name written in `file`, when an import or definition binds it.
pub(super) fn resolved(file: &ParsedFile, written: &str) -> Option<String> {
    match file.symbols().resolve(Language::Python, written) {
        Resolved::Qualified(name) => Some(name),
        Resolved::Unresolved(_) => None,
    }
}

pub(super) fn resolves_to(file: &ParsedFile, written: &str, names: &NamePatterns) -> bool {
    resolved(file, written).is_some_and(|name| names.matches(&name))
}

/// The resolvers of the file's GraphQL operations.
pub(crate) fn handlers(file: &ParsedFile) -> Vec<Handler> {
    let text = &file.source.text;
    if !LIBRARIES.iter().any(|library| text.contains(library)) {
        return Vec::new();
    }
    let items: Vec<(Vec<Node>, Node)> = named_children(file.tree.root_node())
        .into_iter()
        .map(unwrap_decorated)
        .collect();
    let ariadne = ariadne_bindings(file, &items);
    let fields = mounted_fields(file, &items);
    let mut out = Vec::new();
    let mut graphene: HashMap<String, GrapheneClass> = HashMap::new();
    for (decorators, item) in &items {
        match item.kind() {
            "class_definition" => {
                if let Some((kind, base, derived)) = graphene_class(file, *item, &graphene) {
                    let start = out.len();
                    graphene_resolvers(file, *item, kind, derived, &fields, &mut out);
                    for handler in &mut out[start..] {
                        if let Some(operation) = &mut handler.operation {
                            operation.unconfirmed_base.clone_from(&base);
                        }
                    }
                    if let Some(name) = item.field_child("name") {
                        graphene.insert(file.text(name).to_string(), kind);
                    }
                } else if strawberry::is_type(file, decorators) {
                    strawberry::resolvers(file, *item, &mut out);
                }
            }
            "function_definition" if !ariadne.is_empty() => {
                for decorator in decorators {
                    let Some(call) = named_children(*decorator)
                        .into_iter()
                        .find(|n| n.kind() == "call")
                    else {
                        continue;
                    };
                    if let Some(operation) = ariadne_field(file, call, &ariadne) {
                        out.extend(resolver(
                            file,
                            *item,
                            Framework::Ariadne,
                            operation,
                            None,
                            Vec::new(),
                        ));
                    }
                }
            }
            "expression_statement" if !ariadne.is_empty() => {
                let Some(call) = named_children(*item)
                    .into_iter()
                    .find(|n| n.kind() == "call")
                else {
                    continue;
                };
                let Some((object, "set_field")) = callee_attribute(file, call) else {
                    continue;
                };
                let Some(kind) = ariadne.get(object) else {
                    continue;
                };
                let object = object.to_string();
                let args = call
                    .field_child("arguments")
                    .map(named_children)
                    .unwrap_or_default();
                let (Some(field), Some(function)) = (
                    first_string_arg(file, call),
                    args.get(1)
                        .and_then(|f| module_function(file, &items, file.text(*f))),
                ) else {
                    continue;
                };
                let operation = Operation::new(*kind, field).of_type(&object);
                out.extend(resolver(
                    file,
                    function,
                    Framework::Ariadne,
                    operation,
                    None,
                    Vec::new(),
                ));
            }
            _ => {}
        }
    }
    out
}

/// The fields a graphene root type of the file mounts mutations under: `refund_order =
/// RefundOrder.Field()` → `RefundOrder` → `refundOrder`.
fn mounted_fields(file: &ParsedFile, items: &[(Vec<Node>, Node)]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    if !file.source.text.contains(".Field(") {
        return fields;
    }
    for (_, item) in items
        .iter()
        .filter(|(_, item)| item.kind() == "class_definition")
    {
        let Some(body) = item.field_child("body") else {
            continue;
        };
        for (left, class) in field_mounts(file, body) {
            fields.insert(class.to_string(), camel(file.text(left)));
        }
    }
    fields
}

/// `(decorators, definition)` of a module-level item.
pub(super) fn unwrap_decorated(node: Node) -> (Vec<Node>, Node) {
    if node.kind() != "decorated_definition" {
        return (Vec::new(), node);
    }
    let decorators = named_children(node)
        .into_iter()
        .filter(|n| n.kind() == "decorator")
        .collect();
    (decorators, node.field_child("definition").unwrap_or(node))
}

/// The callable a decorator names (`strawberry.type` for `@strawberry.type(name="X")`).
pub(super) fn decorator_callee<'f>(file: &ParsedFile<'f>, decorator: Node) -> Option<&'f str> {
    let expression = named_children(decorator).into_iter().next()?;
    let callee = match expression.kind() {
        "call" => expression.field_child("function")?,
        _ => expression,
    };
    Some(file.text(callee))
}

/// A module-level function of the file by name.
pub(super) fn module_function<'t>(
    file: &ParsedFile,
    items: &[(Vec<Node<'t>>, Node<'t>)],
    name: &str,
) -> Option<Node<'t>> {
    items.iter().map(|(_, item)| *item).find(|item| {
        item.kind() == "function_definition"
            && item
                .field_child("name")
                .is_some_and(|n| file.text(n) == name)
    })
}

/// Module-level Ariadne root bindables: `mutation = MutationType()`, `query =
/// ObjectType("Query")`.
fn ariadne_bindings(
    file: &ParsedFile,
    items: &[(Vec<Node>, Node)],
) -> HashMap<String, OperationKind> {
    let mut bindings = HashMap::new();
    if !file.source.text.contains("ariadne") {
        return bindings;
    }
    for (_, item) in items {
        let Some((left, right)) = crate::syntax::assignment_sides(*item) else {
            continue;
        };
        let Some(callee) = Some(right)
            .filter(|r| r.kind() == "call")
            .and_then(|r| r.field_child("function"))
        else {
            continue;
        };
        let Some(qualified) =
            resolved(file, file.text(callee)).filter(|q| ARIADNE_ROOTS.matches(q))
        else {
            continue;
        };
        let kind = if qualified.ends_with("QueryType") {
            Some(OperationKind::Query)
        } else if qualified.ends_with("MutationType") {
            Some(OperationKind::Mutation)
        } else {
            first_string_arg(file, right).and_then(|name| root_kind(&name))
        };
        if let Some(kind) = kind {
            bindings.insert(file.text(left).to_string(), kind);
        }
    }
    bindings
}

/// `@mutation.field("orderRefund")` on a resolver.
fn ariadne_field(
    file: &ParsedFile,
    call: Node,
    bindings: &HashMap<String, OperationKind>,
) -> Option<Operation> {
    let (object, "field") = callee_attribute(file, call)? else {
        return None;
    };
    let kind = *bindings.get(object)?;
    Some(Operation::new(kind, first_string_arg(file, call)?).of_type(object))
}

/// What a graphene class is: a mutation (its `mutate` runs one operation) or an object type
/// (its `resolve_*` methods resolve fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GrapheneClass {
    Mutation,
    Object,
}

/// Whether a class is a graphene mutation or object type: its bases resolve to graphene's, or
/// to a class of this file that does. A class based on a class of another module is one whose
/// base the link confirms (returned with that base as written) when it looks like one: it
/// defines a `mutate`-style method taking the resolve info, or declares a mutation's
/// `class Arguments`/`Input`/`Meta` (inheriting `mutate` from a base of the project, an
/// operation only if a root type mounts it), or is a root type (`class Query(BaseQuery)`)
/// with `resolve_*` methods. The flag tells a class derived from one of the project's (which
/// may inherit its `mutate`) from one derived from graphene's own.
fn graphene_class(
    file: &ParsedFile,
    class: Node,
    local: &HashMap<String, GrapheneClass>,
) -> Option<(GrapheneClass, Option<String>, bool)> {
    let bases = class.field_child("superclasses")?;
    let mut elsewhere = None;
    for base in named_children(bases) {
        let written = file.text(base);
        if let Some(kind) = local.get(written) {
            return Some((*kind, None, true));
        }
        let Some(qualified) = resolved(file, written) else {
            continue;
        };
        // A mixin before graphene's base may bring the `mutate` (`class Register(MutationMixin,
        // graphene.Mutation)`).
        if GRAPHENE_MUTATIONS.matches(&qualified) {
            return Some((GrapheneClass::Mutation, None, elsewhere.is_some()));
        }
        if GRAPHENE_OBJECTS.matches(&qualified) {
            return Some((GrapheneClass::Object, None, elsewhere.is_some()));
        }
        if !qualified.starts_with("builtins.") && !qualified.starts_with("graphene") {
            elsewhere.get_or_insert_with(|| written.to_string());
        }
    }
    let elsewhere = elsewhere.filter(|_| file.source.text.contains("graphene"))?;
    let methods = methods(class);
    let named = |names: &[&str], method: &Node| {
        method
            .field_child("name")
            .is_some_and(|n| names.contains(&file.text(n)))
    };
    let mutates = methods.iter().any(|method| {
        named(MUTATE_METHODS, method) && parameters(file, *method, Framework::Graphene).1.is_some()
    });
    if mutates {
        return Some((GrapheneClass::Mutation, Some(elsewhere), true));
    }
    let resolves = methods.iter().any(|method| {
        method
            .field_child("name")
            .is_some_and(|n| file.text(n).starts_with("resolve_"))
    });
    if resolves && root_kind(file.text(class.field_child("name")?)).is_some() {
        return Some((GrapheneClass::Object, Some(elsewhere), true));
    }
    let declares = class
        .field_child("body")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .any(|n| {
            n.kind() == "class_definition"
                && n.field_child("name")
                    .is_some_and(|name| matches!(file.text(name), "Arguments" | "Input" | "Meta"))
        });
    declares.then_some((GrapheneClass::Mutation, Some(elsewhere), true))
}

/// The methods of a graphene class in `class`'s body.
fn methods<'t>(class: Node<'t>) -> Vec<Node<'t>> {
    let Some(body) = class.field_child("body") else {
        return Vec::new();
    };
    named_children(body)
        .into_iter()
        .map(|statement| unwrap_decorated(statement).1)
        .filter(|n| n.kind() == "function_definition")
        .collect()
}

/// A graphene mutation's `mutate` (one operation named for the class), or a root query type's
/// `resolve_*` methods.
fn graphene_resolvers(
    file: &ParsedFile,
    class: Node,
    kind: GrapheneClass,
    derived: bool,
    fields: &HashMap<String, String>,
    out: &mut Vec<Handler>,
) {
    let Some(name_node) = class.field_child("name") else {
        return;
    };
    let class_name = file.text(name_node);
    if meta_value(file, class, "abstract").is_some_and(|v| file.text(v) == "True") {
        // A base for other mutations, not in the schema itself.
        return;
    }
    let guards = meta_permissions(file, class);
    let methods = methods(class);
    if kind == GrapheneClass::Mutation {
        let field = fields
            .get(class_name)
            .cloned()
            .unwrap_or_else(|| camel(class_name));
        let operation =
            || Operation::new(OperationKind::Mutation, field.clone()).of_type(class_name);
        let mutate: Vec<Node> = methods
            .iter()
            .copied()
            .filter(|m| {
                m.field_child("name")
                    .is_some_and(|n| MUTATE_METHODS.contains(&file.text(n)))
            })
            .collect();
        for method in &mutate {
            out.extend(resolver(
                file,
                *method,
                Framework::Graphene,
                operation(),
                Some(class_name),
                guards.clone(),
            ));
        }
        let saving = class
            .field_child("superclasses")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .any(|base| resolves_to(file, file.text(base), &GRAPHENE_SAVING_MUTATIONS));
        if mutate.is_empty() && (saving || derived) {
            // A form or serializer mutation: the library's `mutate` saves it; or one that
            // inherits `mutate` from a base of the project (`class PageCreate(ModelMutation)`).
            let mut operation = operation();
            operation.inherited = !saving;
            let outer = class
                .parent()
                .filter(|p| p.kind() == "decorated_definition")
                .unwrap_or(class);
            out.push(Handler {
                name: class_name.to_string(),
                framework: Framework::Graphene,
                methods: operation.methods(),
                route: None,
                guards,
                owner: Some(class_name.to_string()),
                declared_route: false,
                markers: Vec::new(),
                bytes: outer.byte_range(),
                name_bytes: name_node.byte_range(),
                request_params: Vec::new(),
                guard_calls: Vec::new(),
                typed_params: Vec::new(),
                operation: Some(operation),
            });
        }
        return;
    }
    // An object type: a root's `resolve_*` methods are its fields (a `Mutation` object type
    // whose fields resolve themselves serves mutations).
    let Some(kind) = root_kind(class_name) else {
        return;
    };
    for method in methods {
        let Some(name) = method.field_child("name").map(|n| file.text(n)) else {
            continue;
        };
        if !name.starts_with("resolve_") {
            continue;
        }
        let operation = Operation::new(kind, camel(name)).of_type(class_name);
        out.extend(resolver(
            file,
            method,
            Framework::Graphene,
            operation,
            Some(class_name),
            guards.clone(),
        ));
    }
}

/// `class Meta: permissions = (…)` on a graphene mutation (a base mutation that checks the
/// permissions it declares), as a guard.
fn meta_permissions(file: &ParsedFile, class: Node) -> Vec<String> {
    let Some(value) = meta_value(file, class, "permissions") else {
        return Vec::new();
    };
    let listed = named_children(value).into_iter().next().is_some() || value.kind() == "attribute";
    if listed {
        vec![format!("Meta.permissions = {}", file.text(value))]
    } else {
        Vec::new()
    }
}

/// The value of `name = …` in a class's nested `class Meta:`.
fn meta_value<'t>(file: &ParsedFile, class: Node<'t>, name: &str) -> Option<Node<'t>> {
    let body = class.field_child("body")?;
    let meta = named_children(body).into_iter().find(|n| {
        n.kind() == "class_definition"
            && n.field_child("name")
                .is_some_and(|meta| file.text(meta) == "Meta")
    })?;
    crate::app::handlers::python::class_attribute(file, meta, name)
}

/// The handler for one resolver function.
pub(super) fn resolver(
    file: &ParsedFile,
    function: Node,
    framework: Framework,
    operation: Operation,
    owner: Option<&str>,
    mut guards: Vec<String>,
) -> Option<Handler> {
    let name_node = function.field_child("name")?;
    let outer = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .unwrap_or(function);
    let decorators: Vec<Node> = named_children(outer)
        .into_iter()
        .filter(|n| n.kind() == "decorator")
        .collect();
    guards.extend(decorators.iter().filter_map(|d| decorator_guard(file, *d)));
    let markers = decorators
        .iter()
        .map(|d| file.text(*d).trim_start_matches('@').trim().to_string())
        .collect();
    let (params, info) = parameters(file, function, framework);
    let mut guard_calls = python_decorator_guards(file, function);
    if let Some(info) = &info {
        guard_calls.extend(helper_checks(file, function, info));
    }
    Some(Handler {
        name: file.text(name_node).to_string(),
        framework,
        methods: operation.methods(),
        route: None,
        guards,
        owner: owner.map(str::to_string),
        declared_route: false,
        markers,
        bytes: outer.byte_range(),
        name_bytes: name_node.byte_range(),
        request_params: params,
        guard_calls,
        typed_params: Vec::new(),
        operation: Some(operation),
    })
}

/// The resolver's arguments (client input) and the name of its resolve-info parameter: the
/// parent object and the info come first (graphene and Ariadne by position, Strawberry by
/// name or `Info` annotation), everything after is an argument of the operation.
fn parameters(
    file: &ParsedFile,
    function: Node,
    framework: Framework,
) -> (Vec<String>, Option<String>) {
    let Some(list) = function.field_child("parameters") else {
        return (Vec::new(), None);
    };
    let params: Vec<(String, &str)> = named_children(list)
        .into_iter()
        .filter_map(|param| {
            let name = match param.kind() {
                "identifier" => param,
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    named_children(param)
                        .into_iter()
                        .find(|n| n.kind() == "identifier")?
                }
                _ => param.field_child("name")?,
            };
            let annotation = param
                .field_child("type")
                .map(|t| file.text(t))
                .unwrap_or("");
            Some((file.text(name).to_string(), annotation))
        })
        .collect();
    let is_info = |(name, annotation): &(String, &str)| {
        name.contains("info")
            || INFO_TYPES
                .iter()
                .any(|t| annotation.split(['[', ']', '.', ' ', '|']).any(|p| p == *t))
    };
    let info_at = params.iter().take(3).position(is_info);
    let skip = match (info_at, framework) {
        (Some(at), _) => at + 1,
        (None, Framework::Strawberry) => usize::from(
            params
                .first()
                .is_some_and(|(name, _)| ROOT_NAMES.contains(&name.as_str())),
        ),
        (None, _) => 2,
    };
    let info = info_at.map(|at| params[at].0.clone());
    let arguments = params
        .iter()
        .skip(skip)
        .filter(|p| !is_info(p))
        .map(|(name, _)| name.clone())
        .collect();
    (arguments, info)
}

/// Calls at the top level of the resolver's body handed the resolve info (`user =
/// require_user(info)`, `check_permission(info.context, "refund")`, `return
/// delete_run(info, run_id)`): helpers that may refuse a caller, judged by what their code (and
/// the code it calls) does when linking.
fn helper_checks(file: &ParsedFile, function: Node, info: &str) -> Vec<GuardCall> {
    top_level_calls(file, function)
        .into_iter()
        .filter(|top| {
            top.call.field_child("arguments").is_some_and(|args| {
                descendants(args).any(|n| n.kind() == "identifier" && file.text(n) == info)
            })
        })
        .filter_map(|top| {
            let guard = top_level_guard_call(file, top.call, Via::Call)?;
            Some(GuardCall {
                unless_caught: top.unless_caught,
                ..guard
            })
        })
        .collect()
}

/// What builds a schema from root types, per library: (qualified names, library).
static SCHEMA_BUILDERS: LazyLock<Vec<(NamePatterns, Framework)>> = LazyLock::new(|| {
    vec![
        (
            patterns(&[
                "graphene.{Schema,types.schema.Schema}",
                "graphene_federation.{build_schema,schema.build_schema}",
            ]),
            Framework::Graphene,
        ),
        (
            patterns(&[
                "strawberry.{Schema,schema.Schema,schema.schema.Schema}",
                "strawberry.federation.{Schema,schema.Schema}",
            ]),
            Framework::Strawberry,
        ),
        (
            patterns(&[
                "ariadne.{make_executable_schema,executable_schema.make_executable_schema}",
                "ariadne.contrib.federation.{make_federated_schema,schema.make_federated_schema}",
            ]),
            Framework::Ariadne,
        ),
    ]
});
/// Strawberry's `merge_types("Query", (UserQuery, OrderQuery))`.
static MERGE_TYPES: LazyLock<NamePatterns> =
    LazyLock::new(|| patterns(&["strawberry.tools.{merge_types,merge.merge_types}"]));

/// What a file says about how its schemas are put together.
#[derive(Default)]
pub(crate) struct SchemaFacts {
    pub schemas: Vec<super::Schema>,
    pub mounts: Vec<super::Mount>,
    /// Types made by merging others (`Query = merge_types("Query", (A, B))`): (name, the
    /// merged types as written), a class with those bases as far as the schema is concerned.
    pub merged: Vec<(String, Vec<String>)>,
}

/// The schemas the file builds, the mutation classes its object types mount, and the types it
/// merges.
pub(crate) fn schema_facts(file: &ParsedFile) -> SchemaFacts {
    let mut facts = SchemaFacts::default();
    let text = &file.source.text;
    if !LIBRARIES.iter().any(|library| text.contains(library)) {
        return facts;
    }
    for call in descendants(file.tree.root_node()).filter(|n| n.kind() == "call") {
        let Some(callee) = call.field_child("function") else {
            continue;
        };
        let Some(qualified) = resolved(file, file.text(callee)) else {
            continue;
        };
        let bound = call
            .parent()
            .filter(|p| p.kind() == "assignment")
            .and_then(|p| p.field_child("left"))
            .map(|left| file.text(left).to_string());
        if MERGE_TYPES.matches(&qualified) {
            let Some(name) = bound else { continue };
            let merged = call
                .field_child("arguments")
                .and_then(|a| named_children(a).into_iter().nth(1))
                .map(names_in)
                .unwrap_or_default()
                .into_iter()
                .map(|n| file.text(n).to_string())
                .collect();
            facts.merged.push((name, merged));
            continue;
        }
        let Some(library) = SCHEMA_BUILDERS
            .iter()
            .find(|(names, _)| names.matches(&qualified))
            .map(|(_, library)| *library)
        else {
            continue;
        };
        let positional = positional_arguments(call);
        let mut roots = Vec::new();
        if library == Framework::Ariadne {
            // make_executable_schema(type_defs, query, mutation) or (type_defs, [query, …])
            for bindable in positional.iter().skip(1).flat_map(|a| names_in(*a)) {
                roots.push((None, file.text(bindable).to_string()));
            }
        } else {
            let query = keyword_argument(file, call, "query").or(positional.first().copied());
            let mutation = keyword_argument(file, call, "mutation").or(positional.get(1).copied());
            for (kind, root) in [
                (OperationKind::Query, query),
                (OperationKind::Mutation, mutation),
            ] {
                if let Some(root) = root.filter(|r| matches!(r.kind(), "identifier" | "attribute"))
                {
                    roots.push((Some(kind), file.text(root).to_string()));
                }
            }
        }
        let snake_case = keyword_argument(file, call, "auto_camelcase")
            .is_some_and(|v| file.text(v) == "False")
            || keyword_argument(file, call, "config").is_some_and(|v| {
                file.text(v)
                    .split_whitespace()
                    .collect::<String>()
                    .contains("auto_camel_case=False")
            });
        facts.schemas.push(super::Schema {
            name: bound.unwrap_or_else(|| format!("@{}", call.start_byte())),
            library,
            roots,
            snake_case,
        });
    }
    if text.contains(".Field(") {
        for (_, item) in named_children(file.tree.root_node())
            .into_iter()
            .map(unwrap_decorated)
        {
            if item.kind() != "class_definition" {
                continue;
            }
            let (Some(owner), Some(body)) = (item.field_child("name"), item.field_child("body"))
            else {
                continue;
            };
            for (left, class) in field_mounts(file, body) {
                if resolved(file, class).is_some_and(|q| q.starts_with("graphene")) {
                    continue;
                }
                facts.mounts.push(super::Mount {
                    owner: file.text(owner).to_string(),
                    field: camel(file.text(left)),
                    class_name: class.to_string(),
                });
            }
        }
    }
    facts
}

/// The `name = Class.Field()` statements of a class body: the attribute and the mounted class.
fn field_mounts<'f, 't>(file: &ParsedFile<'f>, body: Node<'t>) -> Vec<(Node<'t>, &'f str)> {
    named_children(body)
        .into_iter()
        .filter_map(|statement| {
            let (left, right) = crate::syntax::assignment_sides(statement)?;
            match Some(right)
                .filter(|r| r.kind() == "call")
                .and_then(|r| callee_attribute(file, r))
            {
                Some((class, "Field")) => Some((left, class)),
                _ => None,
            }
        })
        .collect()
}

/// The names an argument lists: itself, or the items of a list or tuple.
fn names_in(node: Node) -> Vec<Node> {
    match node.kind() {
        "identifier" | "attribute" => vec![node],
        "list" | "tuple" | "parenthesized_expression" => named_children(node)
            .into_iter()
            .filter(|n| matches!(n.kind(), "identifier" | "attribute"))
            .collect(),
        _ => Vec::new(),
    }
}

/// The schema an endpoint serves, as written where it is built or mounted:
/// `GraphQLView.as_view(schema=schema)`, `GraphQLRouter(schema)`, `GraphQL(api.schema)`,
/// `graphql_sync(schema, data)`; `@OFFSET` for a schema built right there.
pub(crate) fn schema_argument(file: &ParsedFile, call: Node) -> Option<String> {
    let value = keyword_argument(file, call, "schema").or_else(|| {
        call.field_child("arguments")
            .and_then(|a| named_children(a).into_iter().next())
            .filter(|a| a.kind() != "keyword_argument")
    })?;
    match value.kind() {
        "identifier" | "attribute" => Some(file.text(value).to_string()),
        "call" => Some(format!("@{}", value.start_byte())),
        _ => None,
    }
}

/// The schema a view runs itself: `schema.execute(query, context_value=request)` (graphene,
/// Strawberry's `execute_sync`), Ariadne's `graphql_sync(schema, data)`; the name as written,
/// which the link confirms is a schema.
pub(crate) fn executed_schema(file: &ParsedFile, function: Node) -> Option<String> {
    descendants(function)
        .filter(|n| n.kind() == "call")
        .find_map(|call| {
            if let Some((object, method)) = callee_attribute(file, call) {
                if matches!(method, "execute" | "execute_sync" | "execute_async")
                    && object
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return Some(object.to_string());
                }
            }
            let callee = call.field_child("function")?;
            let library = endpoint_library(&resolved(file, file.text(callee))?)?;
            (library == Framework::Ariadne)
                .then(|| schema_argument(file, call))
                .flatten()
        })
}
