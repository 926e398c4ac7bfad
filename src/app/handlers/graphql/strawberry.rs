//! Strawberry resolvers: `@strawberry.field`/`@strawberry.mutation` methods of root
//! `@strawberry.type`s, `name: T = strawberry.field(resolver=f)` fields, and fields the library
//! resolves itself (`strawberry_django.field()`), with their permission classes.

use super::python::{
    decorator_callee, module_function, patterns, resolved, resolver, resolves_to, unwrap_decorated,
};
use super::{camel, root_kind, Operation, OperationKind};
use crate::app::handlers::python::keyword_argument;
use crate::app::handlers::{Framework, Handler};
use crate::parse::ParsedFile;
use crate::symbols::NamePatterns;
use crate::syntax::{named_children, FieldChild};
use std::sync::LazyLock;
use tree_sitter::Node;

static STRAWBERRY_TYPES: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "strawberry.{type,object_type}",
        "strawberry_django.type",
        "strawberry.django.type",
    ])
});
static STRAWBERRY_FIELDS: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "strawberry.field",
        "strawberry_django.field",
        "strawberry.django.field",
    ])
});
static STRAWBERRY_MUTATIONS: LazyLock<NamePatterns> = LazyLock::new(|| {
    patterns(&[
        "strawberry.mutation",
        "strawberry_django.mutation",
        "strawberry_django.mutations.**",
        "strawberry.django.mutation",
    ])
});
/// Whether a class's decorators make it a Strawberry type (`@strawberry.type`).
pub(super) fn is_type(file: &ParsedFile, decorators: &[Node]) -> bool {
    decorators.iter().any(|d| {
        decorator_callee(file, *d).is_some_and(|c| resolves_to(file, c, &STRAWBERRY_TYPES))
    })
}

/// A Strawberry type's resolvers: decorated methods, and `name: T = strawberry.field(resolver=f)`
/// fields whose resolver is a function of the file.
pub(super) fn resolvers(file: &ParsedFile, class: Node, out: &mut Vec<Handler>) {
    let (Some(name_node), Some(body)) = (class.field_child("name"), class.field_child("body"))
    else {
        return;
    };
    let class_name = file.text(name_node);
    let root = root_kind(class_name);
    let items: Vec<(Vec<Node>, Node)> = named_children(file.tree.root_node())
        .into_iter()
        .map(unwrap_decorated)
        .collect();
    for statement in named_children(body) {
        let (decorators, definition) = unwrap_decorated(statement);
        if definition.kind() == "function_definition" {
            for decorator in decorators {
                let Some(callee) = decorator_callee(file, decorator) else {
                    continue;
                };
                let Some(kind) = kind(file, callee, root) else {
                    continue;
                };
                let call = named_children(decorator)
                    .into_iter()
                    .find(|n| n.kind() == "call");
                let field = call
                    .and_then(|c| keyword_argument(file, c, "name"))
                    .map(|n| file.text(n).trim_matches(['"', '\'']).to_string());
                let Some(name) = definition.field_child("name") else {
                    continue;
                };
                let operation =
                    Operation::new(kind, field.unwrap_or_else(|| camel(file.text(name))))
                        .of_type(class_name);
                let guards = call.map(|c| permissions(file, c)).unwrap_or_default();
                out.extend(resolver(
                    file,
                    definition,
                    Framework::Strawberry,
                    operation,
                    Some(class_name),
                    guards,
                ));
            }
            continue;
        }
        // refund: Order = strawberry.mutation(resolver=refund_order)
        let Some((left, right)) = crate::syntax::assignment_sides(statement) else {
            continue;
        };
        let Some(callee) = Some(right)
            .filter(|r| r.kind() == "call")
            .and_then(|r| r.field_child("function"))
        else {
            continue;
        };
        let Some(kind) = kind(file, file.text(callee), root) else {
            continue;
        };
        let operation = Operation::new(kind, camel(file.text(left))).of_type(class_name);
        let guards = permissions(file, right);
        match keyword_argument(file, right, "resolver") {
            Some(name) => {
                if let Some(function) = module_function(file, &items, file.text(name)) {
                    out.extend(resolver(
                        file,
                        function,
                        Framework::Strawberry,
                        operation,
                        None,
                        guards,
                    ));
                }
            }
            // `cable: CableType = strawberry_django.field()`: the library resolves it (a
            // look-up by id, or a list), and the field is still an operation.
            None => out.push(Handler {
                name: file.text(left).to_string(),
                framework: Framework::Strawberry,
                methods: operation.methods(),
                route: None,
                guards,
                owner: Some(class_name.to_string()),
                declared_route: false,
                markers: Vec::new(),
                bytes: statement.byte_range(),
                name_bytes: left.byte_range(),
                request_params: Vec::new(),
                guard_calls: Vec::new(),
                typed_params: Vec::new(),
                operation: Some(operation),
            }),
        }
    }
}

/// The operation kind a Strawberry field decorator or call gives in a type that is `root`.
fn kind(file: &ParsedFile, callee: &str, root: Option<OperationKind>) -> Option<OperationKind> {
    let qualified = resolved(file, callee)?;
    if STRAWBERRY_MUTATIONS.matches(&qualified) {
        Some(OperationKind::Mutation)
    } else if STRAWBERRY_FIELDS.matches(&qualified) {
        root
    } else {
        None
    }
}

/// `permission_classes=[IsAuthenticated]` or `extensions=[PermissionExtension(…)]` on a
/// Strawberry field, as a guard.
fn permissions(file: &ParsedFile, call: Node) -> Vec<String> {
    let mut guards = Vec::new();
    if let Some(list) = keyword_argument(file, call, "permission_classes") {
        if !named_children(list).is_empty() {
            guards.push(format!("permission_classes={}", file.text(list)));
        }
    }
    if let Some(list) = keyword_argument(file, call, "extensions") {
        let permission = named_children(list).into_iter().any(|extension| {
            extension
                .field_child("function")
                .and_then(|f| resolved(file, file.text(f)))
                .is_some_and(|q| q.ends_with("PermissionExtension"))
        });
        if permission {
            guards.push(format!("extensions={}", file.text(list)));
        }
    }
    guards
}
