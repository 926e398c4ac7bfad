//! What Rust functions do about the caller's identity, and the calls a handler's body makes
//! that may guard it.
//!
//! A function authenticates when it refuses a caller: it returns `Err(…)` of an unauthorized or
//! forbidden status or error (`Err(StatusCode::UNAUTHORIZED)`, `Err(ApiError::Forbidden)`,
//! `.ok_or(AuthError::Unauthorized)?`), returns such a response, or verifies a token
//! (`jsonwebtoken::decode`). A handler is guarded by a call at the top level of its body whose
//! failure leaves the handler: `let user = require_user(&state, &headers).await?;`, or
//! `let Some(user) = session(&req) else { return … };`. Both are judged when linking, through the
//! same [`super::guards::Judge`] as Python guards: the call resolves through the file's `use`
//! declarations to a project function, whose summary (composed through its own calls) decides.

use super::guards::{names_the_caller, FunctionFact, FunctionMore, GuardCall, Names, Via};
use crate::parse::ParsedFile;
use crate::syntax::{named_children, FieldChild};
use tree_sitter::Node;

/// At most this many callees are kept per function.
const MAX_CALLS: usize = 32;
/// Text of a refusal in an `Err(…)`, a returned response or an `ok_or` fallback.
const REFUSALS: &[&str] = &[
    "UNAUTHORIZED",
    "FORBIDDEN",
    "Unauthorized",
    "Unauthorised",
    "Forbidden",
    "Unauthenticated",
    "NotAuthenticated",
    "InvalidToken",
    "InvalidCredentials",
    "401",
    "403",
];
/// Refusals that can only mean the caller has no valid credentials; the others (a 403)
/// count only under a test of the caller, as a feature switch may answer 403 too.
const UNAUTHENTICATED: &[&str] = &[
    "UNAUTHORIZED",
    "Unauthorized",
    "Unauthorised",
    "Unauthenticated",
    "NotAuthenticated",
    "InvalidToken",
    "InvalidCredentials",
    "401",
];
/// Methods that turn a missing value or another error into the caller's refusal.
const FALLBACKS: &[&str] = &["ok_or", "ok_or_else", "map_err", "or", "or_else"];
/// Calls that verify a credential.
const VERIFIERS: &[&str] = &["jsonwebtoken::decode", "jsonwebtoken::decode_header"];

/// The summaries of a Rust file's functions: free functions by name, methods of `impl` blocks
/// as `Type.method` (so `self.method()` and `Self::method()` resolve within the type).
pub fn rust_functions(file: &ParsedFile) -> Vec<FunctionFact> {
    let mut out = Vec::new();
    for function in file.of_kinds(&["function_item"]) {
        let (Some(name), Some(body)) = (function.field_child("name"), function.field_child("body"))
        else {
            continue;
        };
        let name = match impl_type(file, function) {
            Some(owner) => format!("{owner}.{}", file.text(name)),
            None => file.text(name).to_string(),
        };
        // Rust functions are only judged as helpers of a handler's body.
        let refusal = refuses(file, function, body);
        let calls = callees(file, body);
        let more = FunctionMore {
            authenticates: refusal.clone(),
            checks_caller: refusal,
            tests: tests(file, function, body, &calls),
            refuses_by_address: refuses_by_address(file, function),
            ..FunctionMore::default()
        };
        out.push(FunctionFact::new(name, Vec::new(), calls, more));
    }
    out
}

/// Reads of the caller's credentials in Rust: the `Authorization`, `Cookie` or an API-key
/// header, a cookie, an identity or a session value.
static CREDENTIAL_READ: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r#"(?i)\.(get|get_all|contains_key)\(\s*&?((\w+::)*(AUTHORIZATION|COOKIE|PROXY_AUTHORIZATION)\b|"(authorization|cookie|x-api-key|api-key|x-auth-token)")|\.cookie\(|\bidentity\b|\bsession\.get\("#,
    )
    .expect("valid regex")
});

/// What a Rust function's result tests: a predicate when it returns `bool`, with the read of
/// the caller's credentials in its body and the project calls it makes (see
/// [`super::predicates`]).
fn tests(
    file: &ParsedFile,
    function: Node,
    body: Node,
    calls: &Names,
) -> Option<super::predicates::Tests> {
    let boolean = function
        .field_child("return_type")
        .is_some_and(|returns| file.text(returns) == "bool");
    if !boolean {
        return None;
    }
    let credential = file
        .of_kinds_within(&["call_expression", "field_expression"], body)
        .into_iter()
        .map(|node| file.text(node))
        .find(|text| CREDENTIAL_READ.is_match(text))
        .map(first_line);
    Some(super::predicates::Tests {
        boolean,
        credential,
        address: None,
        calls: calls.clone(),
    })
}

/// The type an `impl` block holding `function` is for, without generics or path
/// (`impl<S> FromRequestParts<S> for CurrentUser` → `CurrentUser`).
fn impl_type<'f>(file: &ParsedFile<'f>, function: Node) -> Option<&'f str> {
    let list = function
        .parent()
        .filter(|p| p.kind() == "declaration_list")?;
    let item = list.parent().filter(|p| p.kind() == "impl_item")?;
    let written = file.text(item.field_child("type")?);
    let head = written.split('<').next().unwrap_or(written);
    Some(head.rsplit("::").next().unwrap_or(head).trim())
}

/// How the body refuses a caller, if it does: the first `Err(…)`, `return`, or fallback
/// (`ok_or(…)`) that answers 401, or 403 under a test of the caller; or a token check. A
/// refusal decided by a test of the client's network address alone is none (see
/// [`super::address`]).
fn refuses(file: &ParsedFile, function: Node, body: Node) -> Option<String> {
    let symbols = file.symbols();
    let names = super::address::address_names(file, function);
    let counts = |node: Node, text: &str| {
        REFUSALS.iter().any(|r| text.contains(r))
            && (UNAUTHENTICATED.iter().any(|r| text.contains(r))
                || tests_the_caller(file, node, body))
            && !super::address::refused_by_address(file, node, body, &names)
    };
    for node in file.of_kinds_within(&["call_expression", "return_expression"], body) {
        let text = file.text(node);
        if node.kind() == "return_expression" {
            if counts(node, text) {
                return Some(first_line(text));
            }
            continue;
        }
        let Some(function) = node.field_child("function") else {
            continue;
        };
        let callee = file.text(function);
        let method = match function.kind() {
            "field_expression" => function
                .field_child("field")
                .map(|f| file.text(f))
                .unwrap_or(""),
            _ => callee,
        };
        if (callee == "Err" || FALLBACKS.contains(&method)) && counts(node, text) {
            return Some(first_line(text));
        }
        let resolved = symbols.resolve(file.language(), callee);
        if VERIFIERS.contains(&resolved.name()) {
            return Some(format!("verifies a credential with `{}`", resolved.name()));
        }
    }
    None
}

/// How the function refuses callers by their network address alone, if it does: an `Err(…)`
/// or a `return` of a 401/403 under a test of the client's address.
fn refuses_by_address(file: &ParsedFile, function: Node) -> Option<String> {
    let refuses = |node: Node| {
        let text = file.text(node);
        let exits = node.kind() == "return_expression"
            || node
                .field_child("function")
                .is_some_and(|f| file.text(f) == "Err");
        exits && REFUSALS.iter().any(|r| text.contains(r))
    };
    super::address::refusal(
        file,
        function,
        &["return_expression", "call_expression"],
        &refuses,
    )
}

/// Whether a refusal is decided by a test of the caller: the condition of an `if`, the value
/// of a `match` or `let … else`, or the receiver of an `ok_or` around it names the caller's
/// identity or rights (`headers.get(AUTHORIZATION)`, `if !user.is_admin`).
fn tests_the_caller(file: &ParsedFile, refusal: Node, body: Node) -> bool {
    let receiver = refusal
        .field_child("function")
        .and_then(|f| f.field_child("value"));
    if receiver.is_some_and(|r| names_the_caller(file.text(r))) {
        return true;
    }
    let mut node = refusal;
    while let Some(parent) = node.parent() {
        if parent.id() == body.id() {
            return false;
        }
        let tested = match parent.kind() {
            "if_expression" => parent.field_child("condition"),
            "match_expression" | "let_declaration" => parent.field_child("value"),
            "call_expression" if node.kind() == "arguments" => parent
                .field_child("function")
                .and_then(|f| f.field_child("value")),
            _ => None,
        };
        if tested.is_some_and(|t| names_the_caller(file.text(t))) {
            return true;
        }
        node = parent;
    }
    false
}

/// The project calls a body makes, as written: paths (`auth::load`, `Session::get`) and
/// methods of `self` (`Self::check` as `self.check`).
fn callees(file: &ParsedFile, body: Node) -> Names {
    let mut out: Vec<String> = Vec::new();
    for call in file.of_kinds_within(&["call_expression"], body) {
        let Some(callee) = call.field_child("function").and_then(|f| written(file, f)) else {
            continue;
        };
        if !out.contains(&callee) {
            out.push(callee);
            if out.len() == MAX_CALLS {
                break;
            }
        }
    }
    Names::new(&out.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A callee as the judge resolves it: `path::to::f` (turbofish dropped), or `self.f` for a
/// method of `self` or `Self`; `None` for other method calls and closures.
fn written(file: &ParsedFile, function: Node) -> Option<String> {
    match function.kind() {
        "identifier" => Some(file.text(function).to_string()),
        "scoped_identifier" => {
            let text = file.text(function);
            Some(match text.strip_prefix("Self::") {
                Some(method) => format!("self.{method}"),
                None => text.to_string(),
            })
        }
        "generic_function" => written(file, function.field_child("function")?),
        "field_expression" => {
            let receiver = function.field_child("value")?;
            let field = function.field_child("field")?;
            (file.text(receiver) == "self").then(|| format!("self.{}", file.text(field)))
        }
        _ => None,
    }
}

/// The calls at the top level of a function body that leave the function when they fail:
/// `f(…)?`, `f(…).await?`, `f(…).ok_or(…)?`, and `let Some(x) = f(…) else { … }`. With
/// `before`, only statements that start before that byte (the checks ahead of a `match`).
pub fn body_guard_calls(
    file: &ParsedFile,
    function: Node,
    before: Option<usize>,
) -> Vec<GuardCall> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for statement in named_children(body) {
        if before.is_some_and(|end| statement.start_byte() >= end) {
            break;
        }
        let (value, let_else) = match statement.kind() {
            "let_declaration" => (
                statement.field_child("value"),
                statement.field_child("alternative").is_some(),
            ),
            "expression_statement" => (named_children(statement).into_iter().next(), false),
            _ => (None, false),
        };
        let Some(value) = value else { continue };
        if let Some(check) = refused_predicate(file, value) {
            out.push(check);
            continue;
        }
        let Some(call) = propagated_call(value, let_else) else {
            continue;
        };
        let Some(callee) = call.field_child("function").and_then(|f| written(file, f)) else {
            continue;
        };
        out.push(GuardCall {
            text: first_line(file.text(statement)),
            callee,
            how: Via::Body,
            unless_caught: Vec::new(),
        });
    }
    out
}

/// `if !is_logged_in(&req) { return HttpResponse::Unauthorized().finish(); }`: a predicate of
/// the project the handler refuses the caller on, judged when linking by what it reads
/// ([`Via::Predicate`]).
fn refused_predicate(file: &ParsedFile, statement: Node) -> Option<GuardCall> {
    if statement.kind() != "if_expression" {
        return None;
    }
    let condition = statement.field_child("condition")?;
    let negated = condition.kind() == "unary_expression" && file.text(condition).starts_with('!');
    let call = named_children(condition)
        .into_iter()
        .next()
        .filter(|_| negated)?;
    let call = match call.kind() {
        "await_expression" => named_children(call).into_iter().next()?,
        _ => call,
    };
    if call.kind() != "call_expression" {
        return None;
    }
    let callee = written(file, call.field_child("function")?)?;
    let consequence = statement.field_child("consequence")?;
    let refusal = named_children(consequence).into_iter().last()?;
    let text = file.text(refusal);
    let refuses = (refusal.kind() == "return_expression"
        || refusal.kind() == "expression_statement" && text.trim_start().starts_with("return"))
        && REFUSALS.iter().any(|r| text.contains(r));
    refuses.then(|| GuardCall {
        text: first_line(file.text(statement)),
        callee,
        how: Via::Predicate,
        unless_caught: Vec::new(),
    })
}

/// The call whose failure `value` propagates: under a `?` (through `.await` and fallbacks such
/// as `.map_err(…)`), or any call when the statement is a `let … else`.
fn propagated_call(value: Node, let_else: bool) -> Option<Node> {
    let mut node = value;
    let mut tried = let_else;
    loop {
        node = match node.kind() {
            "try_expression" => {
                tried = true;
                named_children(node).into_iter().next()?
            }
            "await_expression" => named_children(node).into_iter().next()?,
            "call_expression" => {
                let function = node.field_child("function")?;
                if function.kind() != "field_expression" {
                    return tried.then_some(node);
                }
                // A method call: `self.check(…)` is the call; `x.map_err(…)` wraps `x`.
                let receiver = function.field_child("value")?;
                if receiver.kind() == "self" {
                    return tried.then_some(node);
                }
                receiver
            }
            _ => return None,
        };
    }
}

/// The first line of `text`, trimmed, at most 80 characters: how a refusal is shown.
pub(super) fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or(text)
        .trim()
        .chars()
        .take(80)
        .collect()
}
