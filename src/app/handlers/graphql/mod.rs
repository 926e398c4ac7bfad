//! GraphQL operations as handlers: each query field and mutation a schema serves is a
//! [`Handler`](super::Handler) of the file that resolves it, with an [`Operation`] naming it.
//!
//! Libraries are recognised by the qualified names their classes, decorators and attributes
//! resolve to (`graphene.Mutation`, `strawberry.mutation`, `ariadne.MutationType`,
//! `async_graphql::Object`), after a cheap text pre-filter on the library's name. Which object
//! types are roots (`Query`, `Mutation`) follows the libraries' naming convention: a type whose
//! name holds `Query` serves query fields, one whose name holds `Mutation` mutations.

pub(crate) mod python;
pub(crate) mod rust;
mod strawberry;

use serde::{Deserialize, Serialize};

/// Whether an operation reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationKind {
    Query,
    Mutation,
}

/// A query field or mutation of a GraphQL schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub kind: OperationKind,
    /// The field's name in the schema (`orderRefund`).
    pub field: String,
    /// A base class of another file, as written, that must turn out to be a graphene mutation
    /// when the project is linked (`class OrderRefund(BaseMutation)` with `perform_mutation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed_base: Option<String>,
    /// The type whose field it is, as its file names it: the root object type (`Query`,
    /// `AccountQueries`, an Ariadne bindable such as `mutation`, an async-graphql `QueryRoot`),
    /// or, for a graphene mutation class, the class a root type mounts (`RefundOrder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// A graphene mutation class that inherits its `mutate` from a base of the project: an
    /// operation only when a root type mounts it (`order_refund = RefundOrder.Field()`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
}

/// A schema the file builds (`schema = graphene.Schema(query=Query, mutation=Mutation)`,
/// `strawberry.Schema(Query)`, `make_executable_schema(type_defs, query, mutation)`,
/// `Schema::build(QueryRoot, MutationRoot, EmptySubscription)`): its root types as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The name it is bound to (`schema`, `AppSchema`), or `@OFFSET` for a schema built inline
    /// where an endpoint takes it.
    pub name: String,
    pub library: crate::app::handlers::Framework,
    /// (the operations the root serves, the type or bindable as written); `None` for Ariadne
    /// bindables, whose kind their own type tells.
    pub roots: Vec<(Option<OperationKind>, String)>,
    /// Field names are not camel-cased (graphene `auto_camelcase=False`, Strawberry
    /// `StrawberryConfig(auto_camel_case=False)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub snake_case: bool,
}

/// `order_refund = RefundOrder.Field()` in the object type `owner`: the mutation class
/// `class_name` (as written) is the field `field` of `owner`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub owner: String,
    pub field: String,
    pub class_name: String,
}

impl Operation {
    /// `mutation orderRefund`.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
        };
        format!("{kind} {}", self.field)
    }

    /// A query field or mutation named `field`, of a type known to be a root.
    pub fn new(kind: OperationKind, field: String) -> Self {
        Operation {
            kind,
            field,
            unconfirmed_base: None,
            type_name: None,
            inherited: false,
        }
    }

    /// The same operation as a field of `type_name`.
    pub fn of_type(mut self, type_name: &str) -> Self {
        self.type_name = Some(type_name.to_string());
        self
    }

    /// The methods the operation is reachable with: queries may come by GET, mutations only
    /// by POST (what rules filtering on methods see: a mutation changes state).
    pub fn methods(&self) -> Vec<String> {
        match self.kind {
            OperationKind::Query => vec!["GET".into()],
            OperationKind::Mutation => vec!["POST".into()],
        }
    }
}

/// The kind a root type's name gives its fields, if it is a root.
fn root_kind(type_name: &str) -> Option<OperationKind> {
    if type_name.contains("Mutation") {
        Some(OperationKind::Mutation)
    } else if type_name.contains("Query") || type_name.contains("Queries") {
        Some(OperationKind::Query)
    } else {
        None
    }
}

/// `resolve_my_orders` / `my_orders` → `myOrders`; `RefundOrder` → `refundOrder` (the names the
/// libraries give fields by default).
pub fn camel(name: &str) -> String {
    let name = name.strip_prefix("resolve_").unwrap_or(name);
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in name.trim_start_matches('_').chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `myOrders` → `my_orders`: the name a field keeps when the schema does not camel-case.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{camel, snake};

    #[test]
    fn snake_case_undoes_camel_case() {
        assert_eq!(snake("myOrders"), "my_orders");
        assert_eq!(snake(&camel("resolve_device_list")), "device_list");
    }

    #[test]
    fn field_names_are_camel_cased() {
        assert_eq!(camel("resolve_my_orders"), "myOrders");
        assert_eq!(camel("RefundOrder"), "refundOrder");
        assert_eq!(camel("orders"), "orders");
    }
}
