//! Rust services that route by hand: a `match` on the request's method and path, as hyper,
//! `http` and standard-library servers write it.
//!
//! ```text
//! match (req.method(), req.uri().path()) {
//!     (&Method::GET, "/health") => Ok(Response::new(Body::from("ok"))),
//!     (&Method::POST, "/transfers") => create_transfer(req, ledger).await,
//!     _ => not_found(),
//! }
//! ```
//!
//! Each arm whose pattern names a path is a route: an arm that hands the request to a function
//! routes to that function, any other arm is a handler of its own. A refusal of the caller
//! before the `match` (an early return with 401/403) guards every arm.

use crate::app::guards::GuardCall;
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children, FieldChild};
use std::ops::Range;
use tree_sitter::Node;

const VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// Text of a refusal: an unauthorized or forbidden status.
const REFUSALS: &[&str] = &["UNAUTHORIZED", "FORBIDDEN", "401", "403"];

/// A function that routes requests by hand.
pub(super) struct Dispatch<'t> {
    pub arms: Vec<Arm<'t>>,
    /// The names holding the request: the parameters given, and the values the `match` reads.
    pub inputs: Vec<String>,
    /// The check before the `match` that refuses callers, as written.
    pub refusal: Option<String>,
    /// Where the `match` starts: calls before it may guard every arm.
    pub start: usize,
}

/// One routed arm of the `match`.
pub(super) struct Arm<'t> {
    pub methods: Vec<String>,
    pub path: String,
    /// The function the arm hands the request to (`create_transfer`, `api::refund`).
    pub target: Option<Node<'t>>,
    /// The whole arm, and its pattern (where findings about an inline arm point).
    pub bytes: Range<usize>,
    pub pattern: Range<usize>,
    /// The arm's own refusal of callers, when it handles the request inline.
    pub refusal: Option<String>,
}

/// A function that routes by hand, as the model keeps it for the project stage.
#[derive(Debug)]
pub struct Dispatcher {
    pub name: String,
    /// The whole function (its handler in the per-file model).
    pub bytes: Range<usize>,
    /// The arms that hand the request to another function.
    pub calls: Vec<RoutedCall>,
}

/// An arm that hands the request to a function: the project stage mounts the function there.
#[derive(Debug)]
pub struct RoutedCall {
    /// Where the arm's pattern starts.
    pub at: usize,
    pub path: String,
    pub methods: Vec<String>,
    /// The function as written (`create_transfer`, `api::refund`).
    pub target: String,
    /// The refusals that guard it.
    pub guards: Vec<String>,
    /// The calls before the `match` that may guard it, judged when linking.
    pub guard_calls: Vec<GuardCall>,
}

/// Whether the file may route by hand (a cheap text test before any walk).
pub(crate) fn may_dispatch(text: &str) -> bool {
    text.contains("match")
        && text.contains("\"/")
        && (text.contains("method") || text.contains("uri") || text.contains(".path"))
}

/// The routes `function` dispatches by hand, if its body matches on the request's method or
/// path with literal paths in the arms. `params` are the parameters that may hold the request.
pub(super) fn of<'t>(
    file: &ParsedFile,
    function: Node<'t>,
    params: &[String],
) -> Option<Dispatch<'t>> {
    let body = function.field_child("body")?;
    let matches = descendants(body).filter(|n| n.kind() == "match_expression");
    for expression in matches {
        let Some(value) = expression.field_child("value") else {
            continue;
        };
        // `req.method()`, `req.uri().path()`, `(method, path)`: a request's method or URI, not a
        // file path alone (`match path { "/" => … }`), nor `uri_path` or `path_buf`; or the path
        // of the request parameter itself (`req.path.as_str()`, `req.path()`, a service's own
        // request type).
        let on_request = descendants(value).any(|n| {
            matches!(n.kind(), "identifier" | "field_identifier")
                && matches!(file.text(n), "method" | "uri")
        }) || descendants(value).any(|n| request_path(file, n, params));
        if !on_request {
            continue;
        }
        let mut inputs: Vec<String> = params.to_vec();
        for node in descendants(value).filter(|n| n.kind() == "identifier") {
            let name = file.text(node).to_string();
            if !inputs.contains(&name) {
                inputs.push(name);
            }
        }
        let arms: Vec<Arm> = expression
            .field_child("body")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .filter(|arm| arm.kind() == "match_arm")
            .flat_map(|arm| arms_of(file, arm))
            .collect();
        if arms.is_empty() {
            continue;
        }
        return Some(Dispatch {
            arms,
            inputs,
            refusal: refusal_before(file, body, expression)
                .or_else(|| refusal_around(file, body, expression)),
            start: expression.start_byte(),
        });
    }
    None
}

/// Whether `node` reads the path of a parameter holding the request: `req.path`, `req.path()`.
fn request_path(file: &ParsedFile, node: Node, params: &[String]) -> bool {
    node.kind() == "field_expression"
        && node
            .field_child("field")
            .is_some_and(|field| file.text(field) == "path")
        && node.field_child("value").is_some_and(|value| {
            value.kind() == "identifier" && params.iter().any(|p| p == file.text(value))
        })
}

/// The routes of one arm: one per literal path in its pattern.
fn arms_of<'t>(file: &ParsedFile, arm: Node<'t>) -> Vec<Arm<'t>> {
    let (Some(pattern), Some(value)) = (arm.field_child("pattern"), arm.field_child("value"))
    else {
        return Vec::new();
    };
    let mut methods = Vec::new();
    let mut paths = Vec::new();
    for node in descendants(pattern) {
        let text = file.text(node);
        match node.kind() {
            "string_literal" => {
                let literal = text.trim_matches('"');
                if literal.starts_with('/') {
                    if !paths.iter().any(|p| p == literal) {
                        paths.push(literal.to_string());
                    }
                } else if VERBS.contains(&literal) {
                    methods.push(literal.to_string());
                }
            }
            "scoped_identifier" | "identifier" => {
                let last = text.rsplit("::").next().unwrap_or(text);
                if VERBS.contains(&last) && !methods.iter().any(|m| m == last) {
                    methods.push(last.to_string());
                }
            }
            _ => {}
        }
    }
    let target = target(value, file);
    let refusal = match target {
        Some(_) => None,
        None => refusal_in(file, value),
    };
    paths
        .into_iter()
        .map(|path| Arm {
            methods: methods.clone(),
            path,
            target,
            bytes: arm.byte_range(),
            pattern: pattern.byte_range(),
            refusal: refusal.clone(),
        })
        .collect()
}

/// The function of the project an arm's value calls: `f(req, …)` or `api::refund(…)`, awaited,
/// with `?`, or wrapped in `Ok(…)`/`Box::pin(…)`; not a constructor such as `Response::new`.
fn target<'t>(value: Node<'t>, file: &ParsedFile) -> Option<Node<'t>> {
    let mut current = value;
    loop {
        match current.kind() {
            "await_expression" | "try_expression" | "parenthesized_expression" => {
                current = current.named_child(0)?;
            }
            "block" => {
                let children = named_children(current);
                let [only] = children.as_slice() else {
                    return None;
                };
                current = *only;
            }
            "expression_statement" => current = current.named_child(0)?,
            "call_expression" => {
                let function = current.field_child("function")?;
                let args = current.field_child("arguments")?;
                let project_function =
                    matches!(function.kind(), "identifier" | "scoped_identifier")
                        && file.text(function).split("::").all(|segment| {
                            segment.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                        });
                if project_function {
                    return Some(function);
                }
                // `Ok(handle(req).await)`: look inside a wrapper with one argument.
                let inner = named_children(args);
                let [only] = inner.as_slice() else {
                    return None;
                };
                current = *only;
            }
            _ => return None,
        }
    }
}

/// A refusal among the statements of `body` before the one holding `expression`.
fn refusal_before(file: &ParsedFile, body: Node, expression: Node) -> Option<String> {
    named_children(body)
        .into_iter()
        .take_while(|statement| statement.end_byte() <= expression.start_byte())
        .find_map(|statement| refusal_of(file, statement))
}

/// `if allowed(&req) { match … } else { … FORBIDDEN … }`: the condition the `match` runs under.
fn refusal_around(file: &ParsedFile, body: Node, expression: Node) -> Option<String> {
    let mut current = expression;
    while let Some(parent) = current.parent() {
        if parent.id() == body.id() {
            return None;
        }
        if parent.kind() == "if_expression" {
            let inside = parent
                .field_child("consequence")
                .is_some_and(|c| c.byte_range().contains(&expression.start_byte()));
            let refuses = parent
                .field_child("alternative")
                .is_some_and(|alternative| {
                    REFUSALS
                        .iter()
                        .any(|status| file.text(alternative).contains(status))
                });
            let condition = parent.field_child("condition")?;
            if inside && refuses && !tests_only_the_address(file, parent, condition) {
                return Some(format!(
                    "refuses with 401/403 unless `{}`",
                    file.text(condition)
                ));
            }
        }
        current = parent;
    }
    None
}

/// A refusal at the start of an inline arm's block.
fn refusal_in(file: &ParsedFile, value: Node) -> Option<String> {
    if value.kind() != "block" {
        return None;
    }
    named_children(value)
        .into_iter()
        .take(3)
        .find_map(|statement| refusal_of(file, statement))
}

/// `if !authorized(&req) { return Ok(… StatusCode::UNAUTHORIZED …) }` (the condition), or
/// `let Some(user) = session(&req) else { return … 401 … };` (the binding).
pub(super) fn refusal_of(file: &ParsedFile, statement: Node) -> Option<String> {
    let expression = match statement.kind() {
        "expression_statement" => statement.named_child(0)?,
        _ => statement,
    };
    let (check, refusal) = match expression.kind() {
        "if_expression" => (
            expression.field_child("condition")?,
            expression.field_child("consequence")?,
        ),
        "let_declaration" => (
            expression.field_child("value")?,
            expression.field_child("alternative")?,
        ),
        _ => return None,
    };
    let refuses = descendants(refusal).any(|n| n.kind() == "return_expression")
        && REFUSALS
            .iter()
            .any(|status| file.text(refusal).contains(status));
    (refuses && !tests_only_the_address(file, statement, check))
        .then(|| format!("refuses with 401/403: `{}`", file.text(check)))
}

/// Whether `check`, of a statement of a function, tests only the client's network address:
/// a refusal it decides is no guard (see [`crate::app::address`]).
fn tests_only_the_address(file: &ParsedFile, statement: Node, check: Node) -> bool {
    let function = std::iter::successors(statement.parent(), |n| n.parent())
        .find(|n| n.kind() == "function_item");
    let names = function
        .map(|f| crate::app::address::address_names(file, f))
        .unwrap_or_default();
    crate::app::address::tests_only_the_address(file, check, &names)
}
