//! Predicates of the project that test the caller's credentials, and the checks of a handler
//! that call them.
//!
//! A project function whose every `return` gives a truth value, and whose result depends on a
//! read of the caller's credentials, is a *credential predicate*:
//!
//! ```python
//! def isAuthenticated(request):
//!     if RANDOM_SESSION_ID == request.COOKIES.get(SESSION_COOKIE_NAME):
//!         return True
//!     return False
//! ```
//!
//! Its summary ([`Tests`]) says what its result depends on: the credentials it reads (the
//! request's session, cookies, `Authorization` or API-key header, `request.user`'s login or
//! rights, Flask's `session` or `current_user`, a token it verifies), the client address it
//! reads (which is no credential, see [`super::address`]), and the calls its result depends on,
//! composed when linking (`return get_user(request) is not None`).
//!
//! A handler that refuses the caller when such a predicate fails, before it changes any state,
//! is guarded: `if not isAuthenticated(request): return redirect("/login")` (or a 401/403
//! response, `abort(401)`, `raise PermissionDenied`), or `if isAuthenticated(request): … else:
//! return redirect(…)`. Each such check is a guard call ([`Via::Predicate`]) judged when
//! linking by what the predicate does, never by its name: `is_valid(form)` reads no credential
//! and guards nothing, and a predicate named `is_authorized` that only reads the form does not
//! either.

use super::guards::{is_name, names_refusal, names_the_caller, GuardCall, Names, Via};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::Resolved;
use crate::syntax::{descendants, named_children, FieldChild};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

/// At most this many calls a predicate's result depends on are kept.
const MAX_CALLS: usize = 8;

/// What a function's result tests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tests {
    /// Every `return` gives a truth value: a predicate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub boolean: bool,
    /// The read of the caller's credentials its result depends on, as written
    /// (`request.COOKIES.get(SESSION_COOKIE_NAME)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// The read of the client's network address its result depends on
    /// (`request.remote_addr`): no credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The calls its result depends on, as written (a predicate's only): a credential read
    /// through another function of the project (`return get_user(request) is not None`).
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub calls: Names,
}

/// Attributes of a request object that hold the caller's credentials.
const CREDENTIAL_ATTRIBUTES: &[&str] = &["COOKIES", "cookies", "auth", "authorization"];
/// Attributes of a request object that hold request headers or the environment, read by key.
const HEADER_ATTRIBUTES: &[&str] = &["headers", "META", "environ"];
/// What may follow `session` on a request: its values read (not `db.session.query(…)`).
const SESSION_READS: &[&str] = &["get", "keys", "items", "values", "session_key", "has_key"];

/// Framework globals that hold the caller's credentials.
static GLOBAL_CREDENTIALS: LazyLock<crate::symbols::NamePatterns> = LazyLock::new(|| {
    crate::symbols::NamePatterns::new(&[
        "{flask,quart}.session".into(),
        "{flask,quart}.session.*".into(),
        "{flask,quart}.request.{cookies,authorization}".into(),
        "{flask,quart}.request.{cookies,authorization}.*".into(),
        "{flask,quart}.g.{user,current_user,identity}".into(),
        "{flask,quart}.g.{user,current_user,identity}.*".into(),
        "flask_login.current_user".into(),
        "flask_login.current_user.*".into(),
        "flask_login.utils.current_user".into(),
        "flask_login.utils.current_user.*".into(),
    ])
    .expect("valid patterns")
});

/// Calls that send the caller elsewhere: in a branch taken when a credential test fails, a
/// refusal.
const REDIRECTS: &[&str] = &[
    "redirect",
    "HttpResponseRedirect",
    "RedirectResponse",
    "redirect_to_login",
];

/// The summary of what a Python function's result tests, when it is a predicate or depends on
/// a credential or the client's address; `None` otherwise.
pub fn python_tests(file: &ParsedFile, function: Node) -> Option<Tests> {
    let body = function.field_child("body")?;
    let own = OwnNodes::of(file, body);
    let every_return = file.of_kinds_within(&["return_statement"], body);
    let returns: Vec<Node> = every_return
        .iter()
        .copied()
        .filter(|node| own.holds(*node))
        .collect();
    if returns.is_empty() {
        return None;
    }
    let assignments: Vec<Node> = file
        .of_kinds_within(&["assignment"], body)
        .into_iter()
        .filter(|node| own.holds(*node))
        .collect();
    let mut deciding: Vec<Node> = returns.iter().filter_map(|r| r.named_child(0)).collect();
    for statement in file.of_kinds_within(&["if_statement", "elif_clause"], body) {
        // Returns are in document order: the first one starting after the statement does.
        let range = statement.byte_range();
        let first = every_return.partition_point(|r| r.start_byte() < range.start);
        let returns_inside = every_return
            .get(first)
            .is_some_and(|r| r.end_byte() <= range.end);
        if own.holds(statement) && returns_inside {
            deciding.extend(statement.field_child("condition"));
        }
    }
    // The values of the names they use (`token = request.headers.get(…)`), two steps back.
    for _ in 0..2 {
        let used: Vec<&str> = deciding
            .iter()
            .flat_map(|d| file.descendants(*d).filter(|n| n.kind() == "identifier"))
            .map(|n| file.text(n))
            .collect();
        for assignment in &assignments {
            let (Some(left), Some(right)) = (
                assignment.field_child("left"),
                assignment.field_child("right"),
            ) else {
                continue;
            };
            let new = !deciding.iter().any(|d| d.id() == right.id());
            if new && left.kind() == "identifier" && used.contains(&file.text(left)) {
                deciding.push(right);
            }
        }
    }
    let parameters = parameters(file, function);
    // Every value a truth value, and one at least that can be nothing else (not only calls:
    // `return render(…)` is no predicate).
    let boolean = returns.iter().all(|r| {
        r.named_child(0)
            .is_some_and(|value| boolean_shaped(file, value, &assignments))
    }) && returns.iter().any(|r| {
        r.named_child(0)
            .is_some_and(|value| only_yes_or_no(file, value))
    });
    // A result that holds without the credentials on some branch (`return other_team_exists()
    // or user.is_staff_session(…)`) tests no credential.
    let reads = |node: Node| {
        credential_read(file, node, &parameters).is_some()
            || file
                .descendants(node)
                .filter(|n| n.kind() == "identifier")
                .any(|name| {
                    assignments.iter().any(|assignment| {
                        assignment
                            .field_child("left")
                            .is_some_and(|left| file.text(left) == file.text(name))
                            && assignment.field_child("right").is_some_and(|right| {
                                credential_read(file, right, &parameters).is_some()
                            })
                    })
                })
    };
    let bypassed = boolean
        && returns
            .iter()
            .filter_map(|r| r.named_child(0))
            .any(|value| !requires_credential(file, value, &reads));
    let credential = match bypassed {
        true => None,
        false => deciding
            .iter()
            .find_map(|d| credential_read(file, *d, &parameters)),
    };
    let names = super::address::address_names(file, function);
    let address = deciding
        .iter()
        .find(|d| super::address::reads_address(file, **d, &names))
        .map(|d| shorten(file.text(*d)));
    let mut calls: Vec<&str> = Vec::new();
    if boolean && credential.is_none() {
        for call in deciding
            .iter()
            .flat_map(|d| file.descendants(*d).filter(|n| n.kind() == "call"))
        {
            let Some(callee) = call.field_child("function") else {
                continue;
            };
            let text = file.text(callee);
            if is_name(text) && !calls.contains(&text) && calls.len() < MAX_CALLS {
                calls.push(text);
            }
        }
    }
    if !boolean && credential.is_none() && address.is_none() {
        return None;
    }
    Some(Tests {
        boolean,
        credential,
        address,
        calls: Names::new(&calls),
    })
}

/// Whether every result of a Python function is a truth value (see [`python_tests`]).
pub fn is_predicate(file: &ParsedFile, function: Node) -> bool {
    python_tests(file, function).is_some_and(|tests| tests.boolean)
}

/// The nodes of a function's body that belong to the function itself, not to a function,
/// lambda or class nested in it: decided by the byte ranges of those nested scopes, found once
/// from the file's node index (walking up with `parent()` costs a descent from the root).
struct OwnNodes {
    nested: Vec<std::ops::Range<usize>>,
}

impl OwnNodes {
    fn of(file: &ParsedFile, body: Node) -> OwnNodes {
        let nested = file
            .of_kinds_within(&["function_definition", "lambda", "class_definition"], body)
            .into_iter()
            .map(|scope| scope.byte_range())
            .collect();
        OwnNodes { nested }
    }

    fn holds(&self, node: Node) -> bool {
        let start = node.start_byte();
        !self
            .nested
            .iter()
            .any(|scope| scope.start < start && start < scope.end)
    }
}

/// The names of a function's parameters, `self` and `cls` included.
fn parameters(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(list) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(list)
        .into_iter()
        .filter_map(|parameter| {
            let name = match parameter.kind() {
                "identifier" => parameter,
                "typed_parameter" => parameter.named_child(0)?,
                "default_parameter" | "typed_default_parameter" => parameter.field_child("name")?,
                _ => return None,
            };
            Some(file.text(name).to_string())
        })
        .collect()
}

/// Whether a returned value is a truth value: `True`/`False`, a comparison, `not`, `and`/`or`,
/// a call (a predicate's result), an `is_…`/`has_…` attribute, or a name bound to one of these.
fn boolean_shaped(file: &ParsedFile, value: Node, assignments: &[Node]) -> bool {
    match value.kind() {
        "true" | "false" | "comparison_operator" | "not_operator" | "call" => true,
        // `a or b` is one of its operands: a truth value when both are (`x.get(k) or 0` is not).
        "boolean_operator" => ["left", "right"].iter().all(|side| {
            value
                .field_child(side)
                .is_some_and(|operand| boolean_shaped(file, operand, assignments))
        }),
        "parenthesized_expression" => value
            .named_child(0)
            .is_some_and(|inner| boolean_shaped(file, inner, &[])),
        "attribute" => value.field_child("attribute").is_some_and(|a| {
            let name = file.text(a);
            name.starts_with("is_") || name.starts_with("has_") || name.starts_with("can_")
        }),
        "identifier" => assignments.iter().any(|assignment| {
            assignment
                .field_child("left")
                .is_some_and(|left| file.text(left) == file.text(value))
                && assignment
                    .field_child("right")
                    .is_some_and(|right| boolean_shaped(file, right, &[]))
        }),
        _ => false,
    }
}

/// Whether a returned value is false unless credentials are read: a literal, or a value whose
/// every `or` operand reads them (an `and` needs one operand that does). A value that reads no
/// credential at all is left to the other returns and conditions.
fn requires_credential(file: &ParsedFile, value: Node, reads: &dyn Fn(Node) -> bool) -> bool {
    match value.kind() {
        "true" | "false" => true,
        "parenthesized_expression" | "not_operator" => match value.named_child(0) {
            Some(inner) if value.kind() == "parenthesized_expression" => {
                requires_credential(file, inner, reads)
            }
            _ => true,
        },
        "boolean_operator" => {
            let operator = value
                .field_child("operator")
                .map(|o| file.text(o))
                .unwrap_or("");
            let operands = ["left", "right"]
                .iter()
                .filter_map(|side| value.field_child(side));
            match operator {
                "or" => operands
                    .into_iter()
                    .all(|operand| reads(operand) && requires_credential(file, operand, reads)),
                _ => true,
            }
        }
        _ => true,
    }
}

/// Whether a returned value can be nothing but a truth value: `True`/`False`, a comparison,
/// `not`, a call that only answers yes or no, an `is_…` attribute, or `and`/`or` of such values
/// with one of them at least that is one (`a() or b()` may be anything its calls return).
fn only_yes_or_no(file: &ParsedFile, value: Node) -> bool {
    match value.kind() {
        "call" => answers_yes_or_no(file, value),
        "parenthesized_expression" => value
            .named_child(0)
            .is_some_and(|inner| only_yes_or_no(file, inner)),
        "boolean_operator" => ["left", "right"].iter().any(|side| {
            value
                .field_child(side)
                .is_some_and(|operand| only_yes_or_no(file, operand))
        }),
        _ => boolean_shaped(file, value, &[]),
    }
}

/// Whether a call can only answer yes or no: `bool(…)`, `isinstance(…)`, `….exists()`,
/// `compare_digest(…)`, a method named `is_…`, `has_…` or `can_…`.
fn answers_yes_or_no(file: &ParsedFile, call: Node) -> bool {
    let Some(callee) = call.field_child("function") else {
        return false;
    };
    let written = file.text(callee);
    let name = written.rsplit('.').next().unwrap_or(written);
    matches!(
        name,
        "bool" | "isinstance" | "hasattr" | "exists" | "compare_digest" | "check_password"
    ) || name.starts_with("is_")
        || name.starts_with("has_")
        || name.starts_with("can_")
}

/// The first read of the caller's credentials under `node`, shortened: an attribute of a
/// parameter that holds them (`request.session.get(…)`, `request.COOKIES[…]`,
/// `request.user.is_authenticated`), a header or environment key that names them
/// (`request.headers.get("Authorization")`, `request.META["HTTP_X_API_KEY"]`), a framework
/// global (`session`, `current_user`), or a credential verified (`jwt.decode(…)`).
fn credential_read(file: &ParsedFile, node: Node, parameters: &[String]) -> Option<String> {
    let symbols = file.symbols();
    for n in file.descendants(node) {
        let shown = || {
            let outer = file
                .parent(n)
                .filter(|p| {
                    matches!(p.kind(), "call" | "subscript")
                        && p.named_child(0).is_some_and(|first| first.id() == n.id())
                })
                .unwrap_or(n);
            shorten(file.text(outer))
        };
        match n.kind() {
            "identifier" | "attribute" => {
                let text = file.text(n);
                if !is_name(text) {
                    continue;
                }
                if file.parent(n).is_some_and(|p| p.kind() == "attribute") {
                    // The longest chain is judged (`request.session.get`, not `request.session`).
                    continue;
                }
                let parts: Vec<&str> = text.split('.').collect();
                if parameters.iter().any(|p| p == parts[0]) {
                    for (index, part) in parts.iter().enumerate().skip(1) {
                        let next = parts.get(index + 1).copied();
                        let reads = CREDENTIAL_ATTRIBUTES.contains(part)
                            || (*part == "session"
                                && next.is_none_or(|next| SESSION_READS.contains(&next)))
                            || (*part == "user"
                                && next.is_some_and(|next| {
                                    next.starts_with("is_")
                                        || next.starts_with("has_")
                                        || next == "get_all_permissions"
                                }));
                        if reads {
                            return Some(shown());
                        }
                        if HEADER_ATTRIBUTES.contains(part)
                            && next == Some("get")
                            && keyed_by_credential(file, file.parent(n))
                        {
                            return Some(shown());
                        }
                    }
                }
                if let Resolved::Qualified(name) = symbols.resolve(Language::Python, text) {
                    if GLOBAL_CREDENTIALS.matches(&name) {
                        return Some(shown());
                    }
                }
            }
            "subscript" => {
                let (Some(value), Some(key)) = (n.field_child("value"), n.field_child("subscript"))
                else {
                    continue;
                };
                let value = file.text(value);
                let parts: Vec<&str> = value.split('.').collect();
                let on_request = parts.len() >= 2
                    && parameters.iter().any(|p| p == parts[0])
                    && HEADER_ATTRIBUTES.contains(parts.last().unwrap_or(&""));
                let on_global = matches!(
                    symbols.resolve(Language::Python, value),
                    Resolved::Qualified(name)
                        if name.ends_with("request.headers") || name.ends_with("request.environ")
                );
                if (on_request || on_global) && names_credential(file.text(key)) {
                    return Some(shown());
                }
            }
            "call" => {
                let Some(callee) = n.field_child("function") else {
                    continue;
                };
                let written = file.text(callee);
                if let Resolved::Qualified(name) = symbols.resolve(Language::Python, written) {
                    if super::guards::is_verifier(&name)
                        && !super::guards::skips_verification(file.text(n))
                    {
                        return Some(shorten(file.text(n)));
                    }
                    let on_global = name.ends_with("request.headers.get")
                        || name.ends_with("request.environ.get");
                    if on_global && keyed_by_credential(file, Some(n)) {
                        return Some(shorten(file.text(n)));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the first argument of `call` (`headers.get(KEY)`) names a credential.
fn keyed_by_credential(file: &ParsedFile, call: Option<Node>) -> bool {
    call.filter(|c| c.kind() == "call")
        .and_then(|c| c.field_child("arguments"))
        .and_then(|args| named_children(args).into_iter().next())
        .is_some_and(|key| names_credential(file.text(key)))
}

/// Whether a header or environment key names a credential (`"Authorization"`, `"X-API-Key"`,
/// `"HTTP_COOKIE"`, `TOKEN_HEADER`): not the address, the host or the content type.
fn names_credential(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    names_the_caller(key)
        || ["key", "cookie", "secret", "signature"]
            .iter()
            .any(|word| lower.contains(word))
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text).trim();
    let mut out: String = line.chars().take(80).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

/// A handler's check through a predicate: the call, and the guard call to judge.
pub struct Check<'t> {
    pub call: Node<'t>,
    pub guard: GuardCall,
}

/// The checks of a handler's body that refuse the caller when a predicate called with the
/// request (or with no argument: Flask's globals) fails, before any state changes:
/// `if not PRED(request…): <refusal>`, `if PRED(request…): … else: <refusal>`. A refusal is a
/// redirect, a 401/403 response, `abort(401)`/`abort(403)`, or a raised 401/403,
/// `PermissionDenied`, `NotAuthenticated`. The check guards the handler only if no call outside
/// the part it protects changes state (by the words of the call's name), and only if, when
/// linking, the predicate turns out to test the caller's credentials.
pub fn python_checks<'t>(
    file: &ParsedFile<'t>,
    function: Node<'t>,
    requests: &[String],
    class: Option<&str>,
) -> Vec<Check<'t>> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    if !file.text(body).contains("if") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let own = OwnNodes::of(file, body);
    for statement in file.of_kinds_within(&["if_statement"], body) {
        if !own.holds(statement) {
            continue;
        }
        let Some(condition) = statement.field_child("condition") else {
            continue;
        };
        let Some((call, negated)) = predicate_in(file, condition) else {
            continue;
        };
        let Some(callee) = call.field_child("function") else {
            continue;
        };
        let written = file.text(callee);
        if !names_a_function(file, callee) || !passes_the_request(file, call, requests) {
            continue;
        }
        let protected: Range<usize>;
        let refusal = if negated {
            let Some(consequence) = statement.field_child("consequence") else {
                continue;
            };
            let Some(block) = statement.parent() else {
                continue;
            };
            protected = statement.end_byte()..block.end_byte();
            refusal_in(file, consequence)
        } else {
            let alternatives: Vec<Node> = named_children(statement)
                .into_iter()
                .filter(|n| matches!(n.kind(), "elif_clause" | "else_clause"))
                .collect();
            let [otherwise] = alternatives.as_slice() else {
                continue;
            };
            let Some(consequence) = statement.field_child("consequence") else {
                continue;
            };
            protected = consequence.byte_range();
            if otherwise.kind() != "else_clause" {
                continue;
            }
            refusal_in(file, *otherwise)
        };
        let Some(refusal) = refusal else { continue };
        if writes_outside(file, body, statement, &protected) {
            continue;
        }
        let callee = match (class, written.strip_prefix("self.")) {
            (Some(class), Some(method)) if !method.contains('.') => format!("{class}.{method}"),
            _ => written.to_string(),
        };
        let head = file.text(statement).lines().next().unwrap_or("").trim();
        let head = head.trim_end_matches(':');
        let text = if negated {
            format!("{head}: {}", shorten(file.text(refusal)))
        } else {
            format!("{head}: … else: {}", shorten(file.text(refusal)))
        };
        out.push(Check {
            call,
            guard: GuardCall {
                text: shorten(&text),
                callee,
                how: Via::Predicate,
                unless_caught: Vec::new(),
            },
        });
    }
    out
}

/// Whether a callee names a function the project may define: a name (`is_authenticated`), a
/// method of the handler's own class (`self.is_allowed`), or a function of a module the file
/// imports (`auth.is_signed_in`); not a method of a value (`request.user.has_perm`,
/// `account.verify_password`), whose object's type is not known here.
fn names_a_function(file: &ParsedFile, callee: Node) -> bool {
    let written = file.text(callee);
    if !is_name(written) {
        return false;
    }
    match written.split_once('.') {
        None => true,
        Some(("self" | "cls", method)) => !method.contains('.'),
        Some((head, _)) => matches!(
            file.symbols().resolve(Language::Python, head),
            Resolved::Qualified(name) if !name.starts_with("builtins.")
        ),
    }
}

/// The predicate call a condition refuses on: `not f(…)` (also an operand of `or`), negated; or
/// `f(…)` (also an operand of `and`), not negated.
fn predicate_in<'t>(file: &ParsedFile, condition: Node<'t>) -> Option<(Node<'t>, bool)> {
    match condition.kind() {
        "call" => Some((condition, false)),
        "not_operator" => condition
            .field_child("argument")
            .filter(|a| a.kind() == "call")
            .map(|call| (call, true)),
        "parenthesized_expression" => predicate_in(file, condition.named_child(0)?),
        "boolean_operator" => {
            let operator = condition.field_child("operator")?;
            let negated = match file.text(operator) {
                "or" => true,
                "and" => false,
                _ => return None,
            };
            ["left", "right"]
                .iter()
                .filter_map(|side| condition.field_child(side))
                .filter_map(|operand| predicate_in(file, operand))
                .find(|(_, n)| *n == negated)
        }
        _ => None,
    }
}

/// Whether a call is handed the request (an argument that is, or is read from, one of
/// `requests`), or nothing (a predicate on the framework's globals).
fn passes_the_request(file: &ParsedFile, call: Node, requests: &[String]) -> bool {
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    let arguments: Vec<Node> = named_children(arguments)
        .into_iter()
        .filter(|a| a.kind() != "comment")
        .collect();
    arguments.is_empty()
        || arguments.iter().any(|argument| {
            let value = match argument.kind() {
                "keyword_argument" => argument.field_child("value"),
                _ => Some(*argument),
            };
            value.is_some_and(|value| {
                let text = file.text(value);
                requests.iter().any(|request| {
                    text == request
                        || text
                            .strip_prefix(request.as_str())
                            .is_some_and(|rest| rest.starts_with(['.', '[']))
                })
            })
        })
}

/// The refusal in a branch: a redirect or a 401/403 returned, a 401/403 or an authentication
/// error raised, `abort(401)`/`abort(403)`.
fn refusal_in<'t>(file: &ParsedFile, branch: Node<'t>) -> Option<Node<'t>> {
    descendants(branch).find(|node| match node.kind() {
        "return_statement" => {
            let text = file.text(*node);
            names_refusal(text)
                || descendants(*node).any(|call| {
                    call.kind() == "call"
                        && call.field_child("function").is_some_and(|f| {
                            let name = file.text(f);
                            REDIRECTS.contains(&name.rsplit('.').next().unwrap_or(name))
                        })
                })
        }
        "raise_statement" => {
            let text = file.text(*node);
            names_refusal(text)
        }
        "call" => {
            node.field_child("function")
                .is_some_and(|f| file.text(f).rsplit('.').next() == Some("abort"))
                && node.field_child("arguments").is_some_and(|args| {
                    let text = file.text(args);
                    text.contains("401") || text.contains("403") || text.contains("redirect")
                })
        }
        _ => false,
    })
}

/// Whether a call of the function's body outside the check and the part it protects changes
/// state, by the words of its name (`save`, `create`, `delete`, `system`, …).
fn writes_outside(file: &ParsedFile, body: Node, check: Node, protected: &Range<usize>) -> bool {
    file.of_kinds_within(&["call"], body)
        .into_iter()
        .any(|call| {
            let at = call.start_byte();
            if protected.contains(&at) || check.byte_range().contains(&at) {
                return false;
            }
            call.field_child("function").is_some_and(|callee| {
                // The name called, also on a chain (`Note.objects.all().delete`).
                let name = match callee.kind() {
                    "attribute" => callee.field_child("attribute"),
                    "identifier" => Some(callee),
                    _ => None,
                };
                name.is_some_and(|name| super::effects::writes_by_name(file.text(name)))
            })
        })
}

/// The names a handler's request object goes by: a parameter typed as a request, or named
/// `request`/`req`, the first parameter of a Django or DRF view (after `self`), `self.request`,
/// and Flask's global `request`.
pub fn request_objects(file: &ParsedFile, function: Node, django: bool) -> Vec<String> {
    let mut out: Vec<String> = vec!["request".into(), "self.request".into()];
    let Some(list) = function.field_child("parameters") else {
        return out;
    };
    let mut first = true;
    for parameter in named_children(list) {
        let name = match parameter.kind() {
            "identifier" => Some(parameter),
            "typed_parameter" => parameter.named_child(0),
            "default_parameter" | "typed_default_parameter" => parameter.field_child("name"),
            _ => None,
        };
        let Some(name) = name.map(|n| file.text(n)) else {
            continue;
        };
        if name == "self" || name == "cls" {
            continue;
        }
        let typed = parameter.field_child("type").is_some_and(|t| {
            let t = file.text(t);
            t.contains("Request") || t.contains("HTTPConnection") || t.contains("WebSocket")
        });
        if typed || name == "req" || (django && first) {
            out.push(name.to_string());
        }
        first = false;
    }
    out
}

/// The byte ranges of the predicates' names in `checks`: left out when the handler's own inline
/// check reads its conditions for words about the caller, the predicate being judged by its code.
pub fn callee_ranges(checks: &[Check]) -> Vec<Range<usize>> {
    checks
        .iter()
        .filter_map(|check| check.call.field_child("function"))
        .map(|callee| callee.byte_range())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file<T>(text: &str, f: impl Fn(&ParsedFile, Node) -> T) -> T {
        crate::parse::with_first_function("a.py", Language::Python, text, f)
    }

    fn tests_of(text: &str) -> Option<Tests> {
        with_file(text, python_tests)
    }

    #[test]
    fn predicates_that_read_credentials() {
        let cookie = tests_of("def isAuthenticated(request):\n    if RANDOM_SESSION_ID == request.COOKIES.get(SESSION_COOKIE_NAME):\n        return True\n    return False\n").unwrap();
        assert!(cookie.boolean);
        assert_eq!(
            cookie.credential.as_deref(),
            Some("request.COOKIES.get(SESSION_COOKIE_NAME)")
        );
        let session = tests_of(
            "def logged_in(request):\n    return request.session.get(\"user_id\") is not None\n",
        )
        .unwrap();
        assert!(session.boolean && session.credential.is_some());
        let user =
            tests_of("def ok(request):\n    return request.user.is_authenticated\n").unwrap();
        assert!(user.boolean && user.credential.is_some());
        // a token looked up from a header, through a local name
        let token = tests_of("def valid(request):\n    token = request.headers.get(\"Authorization\")\n    return Token.objects.filter(key=token).exists()\n").unwrap();
        assert!(token.boolean);
        assert_eq!(
            token.credential.as_deref(),
            Some("request.headers.get(\"Authorization\")")
        );
        // Flask's session
        let flask = tests_of(
            "from flask import session\n\ndef signed_in():\n    return \"user_id\" in session\n",
        )
        .unwrap();
        assert!(flask.boolean && flask.credential.is_some());
        // through another function: composed when linking
        let composed =
            tests_of("def is_logged_in(request):\n    return get_user(request) is not None\n")
                .unwrap();
        assert!(composed.boolean && composed.credential.is_none());
        assert_eq!(composed.calls.iter().collect::<Vec<_>>(), vec!["get_user"]);
    }

    #[test]
    fn predicates_that_read_no_credential() {
        let form = tests_of("def is_valid(form):\n    return form.is_bound and not form.errors\n");
        assert!(form.is_none_or(|t| t.credential.is_none()));
        // `or` of values, not of truth values
        assert!(
            tests_of("def auth_time(request):\n    return request.session.get(\"t\") or 0\n")
                .is_some_and(|t| !t.boolean)
        );
        assert!(tests_of(
            "def lang(request):\n    return from_cookie(request) or from_browser(request)\n"
        )
        .is_none_or(|t| !t.boolean));
        // true without credentials on one branch
        let bypass = tests_of("def is_allowed(self):\n    return self.other_teams().exists() or self.request.user.has_staff_session(self.request.session.session_key)\n").unwrap();
        assert!(bypass.credential.is_none());
        let both = tests_of("def ok(request):\n    return request.user.is_authenticated or request.session.get(\"guest\") is not None\n").unwrap();
        assert!(both.credential.is_some());
        // a database session is no login session
        let db = tests_of(
            "def exists(db, pk):\n    return db.session.query(Order).get(pk) is not None\n",
        );
        assert!(db.is_none_or(|t| t.credential.is_none()));
        // the content type is no credential
        let json = tests_of("def is_json(request):\n    return request.headers.get(\"Content-Type\") == \"application/json\"\n");
        assert!(json.is_none_or(|t| t.credential.is_none()));
        // the address is read, and kept apart
        let local = tests_of(
            "def is_local(request):\n    return request.remote_addr in (\"127.0.0.1\", \"::1\")\n",
        )
        .unwrap();
        assert!(local.credential.is_none());
        assert_eq!(
            local.address.as_deref(),
            Some("request.remote_addr in (\"127.0.0.1\", \"::1\")")
        );
        // not a predicate: returns a user
        let user = tests_of(
            "def current(request):\n    return User.objects.get(pk=request.session[\"uid\"])\n",
        )
        .unwrap();
        assert!(!user.boolean && user.credential.is_some());
    }

    fn checks_of(text: &str) -> Vec<String> {
        crate::parse::with_parsed("a.py", Language::Python, text, |file| {
            // The file's own node, for the checks that borrow from it.
            let function = file.of_kinds(&["function_definition"])[0];
            let requests = request_objects(file, function, true);
            python_checks(file, function, &requests, None)
                .into_iter()
                .map(|check| check.guard.callee)
                .collect()
        })
    }

    #[test]
    fn handler_checks_through_predicates() {
        assert_eq!(
            checks_of("def view(request):\n    if not isAuthenticated(request):\n        return redirect(\"/login\")\n    do_save()\n"),
            vec!["isAuthenticated"]
        );
        // nested in the branch of a method, nothing written elsewhere
        assert_eq!(
            checks_of("def run(request):\n    if request.method == \"OPTIONS\":\n        return HttpResponse()\n    if request.method == \"POST\":\n        if not isAuthenticated(request):\n            return redirect(\"/x\")\n        os.system(cmd)\n    else:\n        return HttpResponse(\"no\")\n"),
            vec!["isAuthenticated"]
        );
        // the positive form
        assert_eq!(
            checks_of("def view(request):\n    if is_signed_in(request):\n        Order.objects.create()\n        return HttpResponse()\n    else:\n        return HttpResponse(status=401)\n"),
            vec!["is_signed_in"]
        );
        assert_eq!(
            checks_of(
                "def view(request):\n    if not check(request):\n        raise PermissionDenied\n"
            ),
            vec!["check"]
        );
        // a write before the check
        assert!(checks_of("def view(request):\n    Order.objects.create()\n    if not isAuthenticated(request):\n        return redirect(\"/login\")\n").is_empty());
        // no refusal: a 400
        assert!(checks_of("def view(request):\n    if not is_valid(request):\n        return HttpResponse(status=400)\n").is_empty());
        // a method of a value: not a function of the project known here
        assert!(checks_of("def view(request):\n    if not request.user.has_perm(\"x\"):\n        raise PermissionDenied\n").is_empty());
        // not handed the request
        assert!(checks_of("def view(request):\n    if not is_valid(form):\n        return HttpResponse(status=403)\n").is_empty());
    }
}
