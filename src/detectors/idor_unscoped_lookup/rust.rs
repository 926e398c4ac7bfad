//! `idor-unscoped-lookup` for Rust: sqlx (`query!`, `query_as!`, `query(...).bind(...)`),
//! tokio-postgres (`client.query_one(sql, &[&id])`) and diesel (`table.find(id)`,
//! `.filter(id.eq(...))`) in axum and actix-web handlers.

use super::{
    finding, helper_finding, is_authz_call, is_barrier_call, is_id_name, is_oauth_client,
    is_public_condition, is_reference_model, is_reporting_call, sql_lookup, ties_to_caller,
    LookupSummary,
};
use crate::app::handlers::admin::{is_admin_area, is_admin_marker};
use crate::app::handlers::{looks_like_auth, FileModel};
use crate::detectors::Match;
use crate::parse::ParsedFile;
use crate::syntax::scope::rust as scope;
use crate::syntax::{descendants, is_constant_name, named_children, FieldChild};
use crate::taint::across::{function_at, ParamSink};
use tree_sitter::Node;

/// sqlx macros that take the SQL text and then the bound values.
const SQLX_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
];
/// sqlx functions whose first argument is the SQL text; values follow in `.bind(...)`.
const SQLX_FUNCTIONS: &[&str] = &["query", "query_as", "query_scalar"];
/// tokio-postgres / postgres client methods taking `(sql, &[&values])`.
const CLIENT_METHODS: &[&str] = &["query", "query_one", "query_opt", "query_raw", "execute"];
/// diesel comparison methods: `column.eq(value)`.
const COMPARATORS: &[&str] = &[
    "eq", "ne", "eq_any", "ne_all", "gt", "ge", "lt", "le", "like", "ilike",
];
/// Macros that assert a condition and leave the handler when it fails.
const ASSERTIONS: &[&str] = &["ensure", "assert", "assert_eq", "assert_ne", "ensure_eq"];

/// Report handlers that fetch rows by a request id alone.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    if is_admin_area(&file.source.display_path) {
        return;
    }
    let model = file.model();
    if model.handlers.is_empty() || !shows_authentication(file, model) {
        return;
    }
    let keyed = Keyed::Request(model);
    for node in descendants(file.tree.root_node()) {
        let found = own_lookup(file, &keyed, node).or_else(|| helper_call(file, model, node));
        let Some(lookup) = found else { continue };
        if let Some(found) = judge(file, model, lookup) {
            out.push(found);
        }
    }
}

/// What a look-up is keyed by.
enum Keyed<'a> {
    /// Request input, in a handler.
    Request(&'a FileModel),
    /// One of these parameters of the function around the look-up, by name.
    Parameter(&'a [String]),
}

impl Keyed<'_> {
    /// Whether `value` is the id this look-up is keyed by.
    fn is_id(&self, file: &ParsedFile, value: &[Node]) -> bool {
        match self {
            Keyed::Request(model) => requested_id(file, model, value),
            Keyed::Parameter(parameters) => parameter_of(file, value, parameters).is_some(),
        }
    }

    /// For a value of another condition: `Some(true)` when it is request input too,
    /// `Some(false)` when it is not input, `None` when it makes the look-up one not keyed by
    /// one parameter alone (a second parameter).
    fn other_input(&self, file: &ParsedFile, value: &[Node]) -> Option<bool> {
        match self {
            Keyed::Request(model) => Some(from_request(file, model, value)),
            Keyed::Parameter(parameters) => {
                let mentions = value
                    .iter()
                    .flat_map(|node| value_identifiers(*node))
                    .any(|n| parameters.iter().any(|p| p == file.text(n)));
                (!mentions).then_some(false)
            }
        }
    }
}

/// The parameter a bound value is: `id`, `&id`, `id.to_string()` is not.
fn parameter_of(file: &ParsedFile, value: &[Node], parameters: &[String]) -> Option<String> {
    let nodes: Vec<Node> = value.iter().copied().filter(|n| n.kind() != "&").collect();
    let [mut node] = nodes[..] else {
        return None;
    };
    while node.kind() == "reference_expression" {
        node = node.field_child("value")?;
    }
    let name = file.text(node);
    (node.kind() == "identifier" && parameters.iter().any(|p| p == name)).then(|| name.to_string())
}

/// The look-up a node makes itself.
fn own_lookup<'t>(file: &ParsedFile, keyed: &Keyed, node: Node<'t>) -> Option<Lookup<'t>> {
    match node.kind() {
        "macro_invocation" => sqlx_macro(file, keyed, node),
        "call_expression" => sqlx_call(file, keyed, node)
            .or_else(|| client_call(file, keyed, node))
            .or_else(|| diesel(file, keyed, node)),
        _ => None,
    }
}

/// A call of a project function that loads a row by the parameter this call fills with a
/// request id (known once the project is linked).
fn helper_call<'t>(file: &'t ParsedFile, model: &FileModel, call: Node<'t>) -> Option<Lookup<'t>> {
    if call.kind() != "call_expression" {
        return None;
    }
    let project = file.project.as_ref()?;
    let (summary, argument) = project.lookup_at(file, call)?;
    if !requested_id(file, model, &[argument]) {
        return None;
    }
    Some(Lookup {
        node: call,
        start: call.start_byte(),
        table: summary.model.clone(),
        id: vec![argument],
        requested: vec![argument],
        via: Some(summary.clone()),
    })
}

/// The functions of this file (not handlers) that load a row by one of their parameters alone
/// and return it or write it: `async fn load_card(pool: &PgPool, id: i64) -> Result<Card>`
/// whose body is `sqlx::query_as!(Card, "SELECT … WHERE id = $1", id).fetch_one(pool).await`.
pub fn summaries(file: &ParsedFile, out: &mut Vec<LookupSummary>) {
    if is_admin_area(&file.source.display_path) {
        return;
    }
    let model = file.model();
    for node in file.of_kinds(&["macro_invocation", "call_expression"]) {
        if model.handler_at(node.start_byte()).is_some() || scope::in_test_code(file, node) {
            continue;
        }
        let Some((function, id)) = function_at(file, node) else {
            continue;
        };
        // Not inside a closure of the function.
        if crate::syntax::ancestor_of_kind(node, &["function_item", "closure_expression"])
            .is_none_or(|ancestor| ancestor.id() != function.id())
        {
            continue;
        }
        let parameters = parameter_names(file, function);
        let keyed = Keyed::Parameter(&parameters);
        let Some(lookup) = own_lookup(file, &keyed, node) else {
            continue;
        };
        let Some(parameter) = parameter_of(file, &lookup.id, &parameters) else {
            continue;
        };
        // One parameter alone: a second one (`owner_id.eq(owner)`) may be the caller.
        let mut keys: Vec<&str> = lookup
            .requested
            .iter()
            .flat_map(|node| value_identifiers(*node))
            .map(|n| file.text(n))
            .filter(|n| parameters.iter().any(|p| p == n))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != 1 {
            continue;
        }
        if is_reference_model(&lookup.table) || is_oauth_client(&lookup.table, &parameter) {
            continue;
        }
        let mut names = bound_names(file, function, node);
        if !writes(file, node) && !returned(file, function, node, &names) {
            continue;
        }
        names.push(parameter.clone());
        if checks_admin(file, function) || object_checked(file, function, node, &names) {
            continue;
        }
        let Some(index) = parameters.iter().position(|p| *p == parameter) else {
            continue;
        };
        out.push(LookupSummary {
            sink: ParamSink {
                function: id,
                index,
                parameter,
                only_when: None,
            },
            model: lookup.table,
            model_class: None,
            key: "id".to_string(),
            path: file.source.display_path.clone(),
            start: file.source.position(lookup.start),
        });
    }
}

/// The names of a function's parameters by position, `self` not counted (a pattern that binds
/// several names counts once, by its first).
fn parameter_names(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(parameters) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(parameters)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
        .map(|parameter| {
            parameter
                .field_child("pattern")
                .and_then(|pattern| {
                    std::iter::once(pattern)
                        .chain(descendants(pattern))
                        .find(|n| n.kind() == "identifier")
                })
                .map(|n| file.text(n).to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// Whether the SQL of a look-up changes the rows it finds.
fn writes(file: &ParsedFile, lookup: Node) -> bool {
    let text = file.text(lookup).to_ascii_uppercase();
    text.contains("UPDATE ") || text.contains("DELETE FROM")
}

/// Whether the function returns what the look-up finds: the look-up's chain is the function's
/// tail expression or a `return`'s value (possibly in `Ok(…)`/`Some(…)`), or the tail or a
/// `return` mentions a name it is bound to.
fn returned(file: &ParsedFile, function: Node, lookup: Node, names: &[String]) -> bool {
    let mut current = lookup;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "call_expression"
            | "field_expression"
            | "await_expression"
            | "try_expression"
            | "generic_function"
            | "parenthesized_expression"
            | "arguments" => current = parent,
            "return_expression" => return true,
            "block" => {
                let tail = named_children(parent)
                    .into_iter()
                    .rfind(|n| !n.kind().ends_with("comment"));
                return tail.is_some_and(|tail| tail.id() == current.id())
                    && parent.parent().is_some_and(|p| p.id() == function.id());
            }
            _ => break,
        }
    }
    if names.is_empty() {
        return false;
    }
    let Some(body) = function.field_child("body") else {
        return false;
    };
    let tail = named_children(body)
        .into_iter()
        .rfind(|n| !n.kind().ends_with("comment"))
        .filter(|n| n.kind() != "expression_statement" && n.kind() != "let_declaration");
    // `order`, `Ok(order)`, `Some(card)`: the row itself, not a test of it.
    let hands_back = |node: Node| {
        let mut node = node;
        loop {
            match node.kind() {
                "identifier" => return names.iter().any(|name| name == file.text(node)),
                "return_expression" | "parenthesized_expression" => match node.named_child(0) {
                    Some(inner) => node = inner,
                    None => return false,
                },
                "call_expression" => {
                    let wraps = node
                        .field_child("function")
                        .is_some_and(|f| matches!(file.text(f), "Ok" | "Some" | "Json"));
                    match arguments_of(node)[..] {
                        [only] if wraps => node = only,
                        _ => return false,
                    }
                }
                _ => return false,
            }
        }
    };
    tail.is_some_and(hands_back)
        || descendants(body).any(|n| {
            n.kind() == "return_expression" && n.start_byte() > lookup.end_byte() && hands_back(n)
        })
}

/// Whether the file shows any authentication: a handler with a guard (an auth extractor, an
/// auth layer), or an auth-looking import (`use crate::auth::CurrentUser`). A Rust handler gets
/// its caller from an extractor; in a file with no sign of one, a public endpoint cannot be told
/// from one authenticated elsewhere, and there is no caller to scope to.
fn shows_authentication(file: &ParsedFile, model: &FileModel) -> bool {
    model
        .handlers
        .iter()
        .any(|handler| !handler.guards.is_empty())
        || named_children(file.tree.root_node())
            .into_iter()
            .filter(|item| item.kind() == "use_declaration")
            .any(|item| looks_like_auth(file.text(item)))
}

/// A look-up by one request id, before the handler is examined.
struct Lookup<'t> {
    /// The whole look-up expression.
    node: Node<'t>,
    start: usize,
    table: String,
    /// The tokens or expression of the id.
    id: Vec<Node<'t>>,
    /// Every request value the conditions use, the id included.
    requested: Vec<Node<'t>>,
    /// The project function that makes the look-up, when the node is a call of it.
    via: Option<LookupSummary>,
}

fn judge(file: &ParsedFile, model: &FileModel, lookup: Lookup) -> Option<Match> {
    let handler = model.handler_at(lookup.node.start_byte())?;
    if handler.guards.iter().any(|guard| is_admin_marker(guard))
        || handler.route.as_deref().is_some_and(is_admin_area)
        || is_reference_model(&lookup.table)
    {
        return None;
    }
    let function = scope::enclosing_function(lookup.node);
    if scope::in_test_code(file, lookup.node) || checks_admin(file, function) {
        return None;
    }
    let mut names = bound_names(file, function, lookup.node);
    names.extend(
        lookup
            .requested
            .iter()
            .flat_map(|node| value_identifiers(*node))
            .map(|n| file.text(n).to_string())
            .filter(|n| n != "self"),
    );
    if object_checked(file, function, lookup.node, &names) {
        return None;
    }
    let id_text = lookup
        .id
        .iter()
        .map(|n| file.text(*n))
        .collect::<Vec<_>>()
        .join("");
    if is_oauth_client(&lookup.table, &id_text) {
        return None;
    }
    let bytes = lookup.start..lookup.node.end_byte();
    Some(match &lookup.via {
        Some(summary) => helper_finding(bytes, &handler.name, summary, &id_text),
        None => finding(bytes, &handler.name, &lookup.table, &id_text),
    })
}

/// `sqlx::query_as!(Invoice, "SELECT … WHERE id = $1", id)`.
fn sqlx_macro<'t>(file: &ParsedFile, keyed: &Keyed, invocation: Node<'t>) -> Option<Lookup<'t>> {
    let name = invocation.field_child("macro")?;
    let last = file.text(name).rsplit("::").next()?;
    if !SQLX_MACROS.contains(&last) {
        return None;
    }
    let tree = named_children(invocation)
        .into_iter()
        .find(|child| child.kind() == "token_tree")?;
    let groups = token_groups(tree);
    let sql_at = groups.iter().position(|group| {
        matches!(group.as_slice(), [only] if matches!(only.kind(), "string_literal" | "raw_string_literal"))
    })?;
    let sql = literal_text(file, groups[sql_at][0]);
    let values = &groups[sql_at + 1..];
    let found = sql_id(file, keyed, &sql, values)?;
    Some(Lookup {
        node: invocation,
        start: invocation.start_byte(),
        table: found.table,
        id: found.id,
        requested: found.requested,
        via: None,
    })
}

/// `sqlx::query("SELECT … WHERE id = $1").bind(id)`, `query_as::<_, T>(…)`.
fn sqlx_call<'t>(file: &ParsedFile, keyed: &Keyed, call: Node<'t>) -> Option<Lookup<'t>> {
    let mut function = call.field_child("function")?;
    if function.kind() == "generic_function" {
        function = function.field_child("function")?;
    }
    if !matches!(function.kind(), "identifier" | "scoped_identifier") {
        return None;
    }
    if !SQLX_FUNCTIONS.contains(&file.text(function).rsplit("::").next()?) {
        return None;
    }
    let sql_argument = arguments_of(call).into_iter().next()?;
    let sql = sql_text(file, sql_argument, 0)?;
    let values: Vec<Vec<Node>> = binds(file, call).into_iter().map(|v| vec![v]).collect();
    let found = sql_id(file, keyed, &sql, &values)?;
    Some(Lookup {
        node: call,
        start: call.start_byte(),
        table: found.table,
        id: found.id,
        requested: found.requested,
        via: None,
    })
}

/// `client.query_one("SELECT … WHERE id = $1", &[&id])` (tokio-postgres, postgres).
fn client_call<'t>(file: &ParsedFile, keyed: &Keyed, call: Node<'t>) -> Option<Lookup<'t>> {
    let function = call.field_child("function")?;
    if function.kind() != "field_expression" {
        return None;
    }
    let method = function.field_child("field")?;
    if !CLIENT_METHODS.contains(&file.text(method)) {
        return None;
    }
    let arguments = arguments_of(call);
    let [sql, values] = arguments.as_slice() else {
        return None;
    };
    let sql = sql_text(file, *sql, 0)?;
    let mut array = *values;
    while array.kind() == "reference_expression" {
        array = array.field_child("value")?;
    }
    if array.kind() != "array_expression" {
        return None;
    }
    let values: Vec<Vec<Node>> = named_children(array)
        .into_iter()
        .filter(|n| !n.kind().ends_with("comment"))
        .map(|v| vec![v])
        .collect();
    let found = sql_id(file, keyed, &sql, &values)?;
    Some(Lookup {
        node: call,
        start: method.start_byte(),
        table: found.table,
        id: found.id,
        requested: found.requested,
        via: None,
    })
}

/// The table and the id of SQL that finds rows by one request id, given the bound values in
/// order; `None` when another condition binds something that is neither a literal nor request
/// input (the caller's id, most likely).
fn sql_id<'t>(
    file: &ParsedFile,
    keyed: &Keyed,
    sql: &str,
    values: &[Vec<Node<'t>>],
) -> Option<SqlId<'t>> {
    let lookup = sql_lookup(sql)?;
    let id = values.get(lookup.id_value)?;
    if !keyed.is_id(file, id) {
        return None;
    }
    let mut requested = id.clone();
    for other in &lookup.other_conditions {
        let value = values.get(*other)?;
        if keyed.other_input(file, value)? {
            requested.extend(value.iter().copied());
        } else if !is_literal(file, value) {
            return None;
        }
    }
    Some(SqlId {
        table: lookup.table,
        id: id.clone(),
        requested,
    })
}

/// What [`sql_id`] finds.
struct SqlId<'t> {
    table: String,
    id: Vec<Node<'t>>,
    requested: Vec<Node<'t>>,
}

/// diesel: `invoices::table.find(id)`, `invoices::table.filter(invoices::id.eq(id))`, with no
/// other condition on a value that is neither a literal nor request input.
fn diesel<'t>(file: &ParsedFile, keyed: &Keyed, call: Node<'t>) -> Option<Lookup<'t>> {
    if continues_chain(call) {
        return None;
    }
    let (root, calls) = chain(file, call);
    let table = table_name(file, root)?;
    let mut id = None;
    let mut requested_values = Vec::new();
    let mut saw_condition = false;
    for (method, call) in &calls {
        let arguments = arguments_of(*call);
        match method.as_str() {
            "find" => {
                let value = arguments.into_iter().next()?;
                if value.kind() == "closure_expression" {
                    return None;
                }
                saw_condition = true;
                if !keyed.is_id(file, &[value]) {
                    return None;
                }
                requested_values.push(value);
                id = id.or(Some(value));
            }
            "filter" => {
                saw_condition = true;
                let argument = arguments.into_iter().next()?;
                let comparisons = comparisons(file, argument);
                if comparisons.is_empty() {
                    return None;
                }
                for (method, column, value) in comparisons {
                    if is_public_condition(&column) {
                        return None;
                    }
                    let by_id = method == "eq" && is_id_name(&column);
                    let requested = if by_id {
                        keyed.other_input(file, &[value]).unwrap_or(true)
                    } else {
                        keyed.other_input(file, &[value])?
                    };
                    if requested {
                        requested_values.push(value);
                    }
                    if requested && by_id {
                        if !keyed.is_id(file, &[value]) {
                            return None;
                        }
                        id = id.or(Some(value));
                    } else if !requested && !is_literal(file, &[value]) {
                        return None;
                    }
                }
            }
            "or_filter" => return None,
            _ => {}
        }
    }
    let id = id.filter(|_| saw_condition)?;
    Some(Lookup {
        node: call,
        start: root.start_byte(),
        table,
        id: vec![id],
        requested: requested_values,
        via: None,
    })
}

/// `invoices::table`, `schema::invoices::table`, or a bare `invoices` in a file that imports a
/// diesel `dsl` → `invoices`.
fn table_name(file: &ParsedFile, root: Node) -> Option<String> {
    let text = file.text(root);
    if let Some(path) = text.strip_suffix("::table") {
        return path.rsplit("::").next().map(str::to_string);
    }
    let dsl = file.source.text.contains("diesel") && file.source.text.contains("dsl::");
    (root.kind() == "identifier" && dsl && !is_constant_name(text)).then(|| text.to_string())
}

/// `column.eq(value)` calls in a diesel filter expression: `(method, column, value)`.
fn comparisons<'t>(file: &ParsedFile, expression: Node<'t>) -> Vec<(String, String, Node<'t>)> {
    descendants(expression)
        .filter(|n| n.kind() == "call_expression")
        .filter_map(|call| {
            let function = call.field_child("function")?;
            if function.kind() != "field_expression" {
                return None;
            }
            let method = file.text(function.field_child("field")?);
            if !COMPARATORS.contains(&method) {
                return None;
            }
            let column = file.text(function.field_child("value")?);
            let column = column.rsplit("::").next()?.rsplit('.').next()?.to_string();
            let value = arguments_of(call).into_iter().next()?;
            Some((method.to_string(), column, value))
        })
        .collect()
}

/// Whether `call` is the receiver of a further method call: only the outermost call of a chain
/// is judged.
fn continues_chain(call: Node) -> bool {
    let mut current = call;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "try_expression" | "await_expression" => current = parent,
            "field_expression" => {
                return parent
                    .field_child("value")
                    .is_some_and(|value| value.id() == current.id())
                    && parent.parent().is_some_and(|grand| {
                        matches!(grand.kind(), "call_expression" | "generic_function")
                    })
            }
            _ => return false,
        }
    }
    false
}

/// A method chain: its root and the method calls on it, innermost first.
fn chain<'t>(file: &ParsedFile, expression: Node<'t>) -> (Node<'t>, Vec<(String, Node<'t>)>) {
    let mut calls = Vec::new();
    let mut current = expression;
    loop {
        match current.kind() {
            "call_expression" => {
                let Some(mut function) = current.field_child("function") else {
                    break;
                };
                if function.kind() == "generic_function" {
                    match function.field_child("function") {
                        Some(inner) => function = inner,
                        None => break,
                    }
                }
                if function.kind() != "field_expression" {
                    break;
                }
                let (Some(value), Some(field)) =
                    (function.field_child("value"), function.field_child("field"))
                else {
                    break;
                };
                calls.push((file.text(field).to_string(), current));
                current = value;
            }
            "try_expression" | "await_expression" | "parenthesized_expression" => {
                let Some(inner) = named_children(current).into_iter().next() else {
                    break;
                };
                current = inner;
            }
            _ => break,
        }
    }
    calls.reverse();
    (current, calls)
}

/// The values bound to a sqlx query in `.bind(...)` calls after it, in order.
fn binds<'t>(file: &ParsedFile, call: Node<'t>) -> Vec<Node<'t>> {
    let mut values = Vec::new();
    let mut current = call;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "try_expression" | "await_expression" => current = parent,
            "field_expression" => {
                let Some(outer) = parent
                    .parent()
                    .filter(|grand| grand.kind() == "call_expression")
                else {
                    break;
                };
                let is_bind = parent
                    .field_child("field")
                    .is_some_and(|field| file.text(field) == "bind");
                if is_bind {
                    if let Some(value) = arguments_of(outer).into_iter().next() {
                        values.push(value);
                    }
                }
                current = outer;
            }
            _ => break,
        }
    }
    values
}

/// The text of SQL given as a literal, a reference to one, a local bound to one, or a constant.
fn sql_text(file: &ParsedFile, node: Node, depth: usize) -> Option<String> {
    crate::budget::deep(|| sql_text_unguarded(file, node, depth))
}

/// Guarded by [`sql_text`], which grows the stack for deep trees.
fn sql_text_unguarded(file: &ParsedFile, node: Node, depth: usize) -> Option<String> {
    match node.kind() {
        "string_literal" | "raw_string_literal" => Some(literal_text(file, node)),
        "reference_expression" => sql_text(file, node.field_child("value")?, depth),
        "identifier" if depth < 2 => {
            let name = file.text(node);
            if is_constant_name(name) {
                let value = descendants(file.tree.root_node())
                    .filter(|n| matches!(n.kind(), "const_item" | "static_item"))
                    .find(|n| n.field_child("name").is_some_and(|n| file.text(n) == name))?
                    .field_child("value")?;
                return sql_text(file, value, depth + 1);
            }
            let assigned = scope::assignments_before(file, node, name)?;
            if !assigned.appended.is_empty() {
                return None;
            }
            sql_text(file, assigned.value?, depth + 1)
        }
        _ => None,
    }
}

fn literal_text(file: &ParsedFile, literal: Node) -> String {
    let text = file.text(literal);
    if literal.kind() == "raw_string_literal" {
        return text
            .trim_start_matches('r')
            .trim_matches('#')
            .trim_matches('"')
            .to_string();
    }
    text.trim_matches('"').replace("\\\n", " ")
}

/// The arguments of a call, without comments.
fn arguments_of(call: Node) -> Vec<Node> {
    call.field_child("arguments")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.kind().ends_with("comment"))
        .collect()
}

/// Split a macro's token tree at its top-level commas.
fn token_groups(tree: Node) -> Vec<Vec<Node>> {
    let mut groups = vec![Vec::new()];
    let mut cursor = tree.walk();
    let children: Vec<Node> = tree.children(&mut cursor).collect();
    let inner = children
        .get(1..children.len().saturating_sub(1))
        .unwrap_or_default();
    for child in inner {
        if child.kind() == "," {
            groups.push(Vec::new());
        } else if child.kind().ends_with("comment") {
            continue;
        } else if let Some(group) = groups.last_mut() {
            group.push(*child);
        }
    }
    groups.retain(|group| !group.is_empty());
    groups
}

/// Identifiers that read a value: not a field after `.` nor a path segment after `::`, as
/// written in expressions and in macro token trees.
fn value_identifiers(node: Node) -> impl Iterator<Item = Node> {
    descendants(node).filter(|n| {
        n.kind() == "identifier"
            && n.prev_sibling()
                .is_none_or(|p| !matches!(p.kind(), "." | "::"))
            && n.parent().is_none_or(|p| {
                p.kind() != "scoped_identifier"
                    || p.field_child("path")
                        .is_some_and(|path| path.id() == n.id())
            })
    })
}

/// An id the client chose: from the request, not through a look-up or a token check.
fn requested_id(file: &ParsedFile, model: &FileModel, value: &[Node]) -> bool {
    from_request(file, model, value) && !through_barrier(file, value, 0)
}

/// Whether a value went through an `.await` or a call that resolves it (a token, a signature, a
/// database look-up) on its way from the request.
fn through_barrier(file: &ParsedFile, value: &[Node], depth: usize) -> bool {
    crate::budget::deep(|| through_barrier_unguarded(file, value, depth))
}

/// Guarded by [`through_barrier`], which grows the stack for deep trees.
fn through_barrier_unguarded(file: &ParsedFile, value: &[Node], depth: usize) -> bool {
    value.iter().any(|node| {
        descendants(*node).any(|part| match part.kind() {
            "await_expression" => true,
            "call_expression" => part.field_child("function").is_some_and(|f| {
                // The method name, or the whole path of a function (`token::verify`).
                let name = match f.kind() {
                    "field_expression" => {
                        f.field_child("field").map_or("", |field| file.text(field))
                    }
                    _ => file.text(f),
                };
                is_barrier_call(name)
            }),
            "identifier" if depth < 3 && value_identifiers(part).next().is_some() => {
                scope::assignments_before(file, part, file.text(part))
                    .and_then(|assigned| assigned.value)
                    .is_some_and(|v| through_barrier(file, &[v], depth + 1))
            }
            _ => false,
        })
    })
}

fn from_request(file: &ParsedFile, model: &FileModel, value: &[Node]) -> bool {
    value
        .iter()
        .flat_map(|node| value_identifiers(*node))
        .any(|identifier| crate::taint::from_request(file, model, identifier))
}

/// Literals and `UPPER_CASE` constants, possibly borrowed (`&"settled"`, `1`, `LIMIT`).
fn is_literal(file: &ParsedFile, value: &[Node]) -> bool {
    let mut any = false;
    for node in value {
        if node.kind() == "&" {
            continue;
        }
        let mut node = *node;
        while node.kind() == "reference_expression" {
            match node.field_child("value") {
                Some(inner) => node = inner,
                None => return false,
            }
        }
        let literal = match node.kind() {
            "string_literal" | "raw_string_literal" | "integer_literal" | "float_literal"
            | "boolean_literal" | "char_literal" => true,
            "identifier" => is_constant_name(file.text(node)),
            _ => false,
        };
        if !literal {
            return false;
        }
        any = true;
    }
    any
}

/// Whether the handler tests for an administrator: `if !user.is_admin { … }`.
fn checks_admin(file: &ParsedFile, function: Node) -> bool {
    descendants(function).any(|node| {
        node.kind() == "if_expression"
            && node
                .field_child("condition")
                .is_some_and(|condition| is_admin_marker(file.text(condition)))
    })
}

/// Names the result of the look-up is bound to: `let invoice = …`, `Ok(invoice) =>` arms of a
/// `match` on it, `if let Some(invoice) = …`, and `let`s later assigned from those.
fn bound_names(file: &ParsedFile, function: Node, lookup: Node) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = lookup;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "let_declaration" | "let_condition" => {
                if let Some(pattern) = parent.field_child("pattern") {
                    names.extend(pattern_names(file, pattern));
                }
                break;
            }
            "match_expression" => {
                if let Some(body) = parent.field_child("body") {
                    for arm in named_children(body)
                        .into_iter()
                        .filter(|n| n.kind() == "match_arm")
                    {
                        if let Some(pattern) = arm.field_child("pattern") {
                            names.extend(pattern_names(file, pattern));
                        }
                    }
                }
                current = parent;
            }
            "expression_statement" | "function_item" | "closure_expression" => break,
            "block" if current.kind() != "match_block" => break,
            _ => current = parent,
        }
    }
    for node in descendants(function) {
        if node.kind() != "let_declaration" || node.start_byte() < lookup.end_byte() {
            continue;
        }
        let (Some(pattern), Some(value)) = (node.field_child("pattern"), node.field_child("value"))
        else {
            continue;
        };
        let mentions =
            value_identifiers(value).any(|n| names.iter().any(|name| name == file.text(n)));
        if mentions {
            let new: Vec<String> = pattern_names(file, pattern)
                .into_iter()
                .filter(|n| !names.contains(n))
                .collect();
            names.extend(new);
        }
    }
    names
}

fn pattern_names(file: &ParsedFile, pattern: Node) -> Vec<String> {
    crate::budget::deep(|| pattern_names_unguarded(file, pattern))
}

/// Guarded by [`pattern_names`], which grows the stack for deep trees.
fn pattern_names_unguarded(file: &ParsedFile, pattern: Node) -> Vec<String> {
    descendants(pattern)
        .filter(|n| n.kind() == "identifier")
        .map(|n| file.text(n).to_string())
        .filter(|n| !matches!(n.as_str(), "Ok" | "Some" | "Err" | "None" | "mut" | "_"))
        .collect()
}

/// The identifiers and field names in a condition.
fn tokens<'f, 's>(
    file: &'f ParsedFile<'s>,
    node: Node<'f>,
) -> impl Iterator<Item = &'f str> + use<'f, 's> {
    descendants(node)
        .filter(|n| {
            matches!(
                n.kind(),
                "identifier" | "field_identifier" | "shorthand_field_identifier"
            )
        })
        .map(|n| file.text(n))
}

/// Whether the object is checked against the caller in the handler: an `if`, `ensure!` or
/// comparison mentioning it and the caller (`if card.user_id != user.id`), or an authorization
/// call given it (`authorize(&user, &invoice)`).
fn object_checked(file: &ParsedFile, function: Node, lookup: Node, names: &[String]) -> bool {
    // The look-up itself and the expressions around it (`.bind(…)`, `session.execute(stmt)`).
    let inside = |node: Node| {
        let within =
            lookup.start_byte() <= node.start_byte() && node.end_byte() <= lookup.end_byte();
        let around =
            node.start_byte() <= lookup.start_byte() && lookup.end_byte() <= node.end_byte();
        within || around
    };
    descendants(function).any(|node| {
        if inside(node) {
            return false;
        }
        match node.kind() {
            "if_expression" => node
                .field_child("condition")
                .is_some_and(|condition| ties_to_caller(tokens(file, condition), names)),
            "binary_expression" => {
                let comparison = node
                    .field_child("operator")
                    .is_some_and(|operator| matches!(operator.kind(), "==" | "!="));
                if !comparison {
                    return false;
                }
                // Closure parameters stand for the object: `.filter(|c| c.user_id == user.id)`.
                let mut local = names.to_vec();
                let mut ancestor = node.parent();
                while let Some(parent) = ancestor {
                    if parent.kind() == "closure_expression" {
                        if let Some(parameters) = parent.field_child("parameters") {
                            local.extend(pattern_names(file, parameters));
                        }
                    }
                    ancestor = parent.parent();
                }
                ties_to_caller(tokens(file, node), &local)
            }
            "macro_invocation" => {
                let is_assertion = node
                    .field_child("macro")
                    .and_then(|m| file.text(m).rsplit("::").next())
                    .is_some_and(|name| ASSERTIONS.contains(&name));
                is_assertion && ties_to_caller(tokens(file, node), names)
            }
            "call_expression" => {
                let Some(function) = node.field_child("function") else {
                    return false;
                };
                let name = match function.kind() {
                    "field_expression" => function
                        .field_child("field")
                        .map_or("", |field| file.text(field)),
                    _ => file.text(function).rsplit("::").next().unwrap_or_default(),
                };
                let Some(arguments) = node.field_child("arguments") else {
                    return false;
                };
                let mentions = tokens(file, arguments).any(|n| names.iter().any(|name| name == n));
                // `authorize(&user, &invoice)`, or a helper handed the object and the caller:
                // `load_owned_card(&pool, card_id, user.id)`.
                (is_authz_call(name) && mentions)
                    || (!is_reporting_call(name) && ties_to_caller(tokens(file, arguments), names))
            }
            _ => false,
        }
    })
}
