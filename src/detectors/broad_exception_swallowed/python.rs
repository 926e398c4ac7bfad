//! `broad-exception-swallowed` for Python.

use crate::detectors::Match;
use crate::parse::ParsedFile;
use crate::syntax::{ancestor_of_kind, descendants, named_children, FieldChild};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// Exception types that catch (nearly) everything.
const BROAD: &[&str] = &["Exception", "BaseException", "builtins.Exception"];
/// Calls that build an HTTP response.
const RESPONSES: &[&str] = &[
    "Response",
    "JsonResponse",
    "HttpResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "jsonify",
    "make_response",
    "render",
    "redirect",
    "HttpResponseRedirect",
];
/// Logging methods: calling one reports the error but does not handle it.
const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "log",
    "print_exc",
    "capture_exception",
    "capture_message",
];
/// Methods whose failure is routinely ignored during cleanup.
const CLEANUP: &[&str] = &[
    "close",
    "remove",
    "unlink",
    "rmtree",
    "kill",
    "terminate",
    "shutdown",
    "disconnect",
    "cancel",
    "release",
    "cleanup",
    "rmdir",
];

/// What a handler statement does with the error.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Nothing,
    Continues,
    Logs,
    ReturnsNone,
    ReturnsSuccess,
    /// `return e`: the exception object handed back as the function's result.
    ReturnsException,
    /// Anything else: re-raises, returns an error, or does work we cannot judge.
    Handles,
}

/// Report broad `except` clauses whose handler drops the error.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    for clause in file.of_kinds(&["except_clause"]) {
        let Some(caught) = broad_type(file, clause) else {
            continue;
        };
        let Some(block) = named_children(clause)
            .into_iter()
            .find(|child| child.kind() == "block")
        else {
            continue;
        };
        if guards_cleanup_only(file, clause) || has_else(clause) {
            continue;
        }
        let name = caught_name(file, clause);
        let mut worst = Step::Nothing;
        for statement in named_children(block) {
            if statement.kind() == "comment" {
                continue;
            }
            worst = worst.max(step(file, statement, name));
        }
        let sensitive = guards_money_or_auth(file, clause);
        // A comment saying why is a documented decision, except where money or access is at stake.
        if worst == Step::Nothing && !sensitive && explains_itself(file, clause) {
            continue;
        }
        // Best-effort work (notifications, telemetry, caches) whose failure is logged, or other
        // work outside payments and authentication that logs the traceback, is seen: reported
        // with less confidence, not called silent.
        let best_effort = worst == Step::Logs
            && (guards_best_effort_work(file, clause)
                || (!sensitive && logs_traceback(file, block)));
        // What stays confident: a success answered for a failed call, or a failed payment or
        // authentication step (a refund, a commit, a verification) that the code carries on past.
        // Lookups, parsing and display fallbacks outside that are reported with low confidence.
        // A helper that returns its result from the `try` and `None` (or the fallback after it)
        // when that fails answers "no result" (a signature that does not verify gives no
        // ticket; a status that cannot be fetched stays pending): the caller decides.
        let fails_closed = matches!(worst, Step::Nothing | Step::Logs | Step::ReturnsNone)
            && try_returns_a_value(file, clause);
        // A caller takes the exception object for the result (a token, an amount): where
        // money or access is at stake that is decided; elsewhere it may be a "result or
        // error" convention the callers check.
        let decided = worst == Step::ReturnsSuccess
            || (worst == Step::ReturnsException && sensitive)
            || (sensitive && !best_effort && !fails_closed && guards_an_effect(file, clause));
        let outcome = match worst {
            Step::Handles => continue,
            Step::Nothing => "does nothing",
            Step::Continues => "moves on to the next iteration",
            Step::Logs if best_effort => "logs it and carries on, as best-effort work",
            Step::Logs => "only logs it and carries on",
            Step::ReturnsNone => "returns None",
            Step::ReturnsSuccess => "returns a success response",
            Step::ReturnsException => "returns the exception object as the function's result",
        };
        let mut captures = vec![("CAUGHT", caught), ("OUTCOME", outcome.to_string())];
        if !decided {
            captures.push((crate::detectors::CONFIDENCE, "lower".to_string()));
        }
        out.push(Match {
            bytes: clause.start_byte()..block.start_byte(),
            captures,
            related: Vec::new(),
            link_checks: Vec::new(),
        });
    }
}

/// The name `except … as e` binds.
fn caught_name<'f>(file: &'f ParsedFile, clause: Node) -> Option<&'f str> {
    let mut cursor = clause.walk();
    let alias = clause
        .children_by_field_name("value", &mut cursor)
        .find(|value| value.kind() == "as_pattern")?
        .field_child("alias")?;
    Some(file.text(alias))
}

/// `except:`, `except Exception`, `except (ValueError, Exception) as e`: how it reads in a message.
fn broad_type(file: &ParsedFile, clause: Node) -> Option<String> {
    let mut cursor = clause.walk();
    let values: Vec<Node> = clause
        .children_by_field_name("value", &mut cursor)
        .collect();
    if values.is_empty() {
        return Some("a bare `except:`".to_string());
    }
    let mut types = Vec::new();
    for mut value in values {
        if value.kind() == "as_pattern" {
            let Some(caught) = value.named_child(0) else {
                continue;
            };
            value = caught;
        }
        match value.kind() {
            "tuple" | "parenthesized_expression" => types.extend(named_children(value)),
            _ => types.push(value),
        }
    }
    types
        .into_iter()
        .map(|ty| file.text(ty))
        .find(|ty| BROAD.contains(ty))
        .map(|ty| format!("`except {ty}`"))
}

/// Words that put a `try` in payment or authentication code, in the enclosing function's name or
/// the guarded code.
static MONEY_OR_AUTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)auth|login|password|passwd|token|jwt|session|permission|credential|secret|signature|verify|payment|charge|refund|payout|transfer|billing|invoice|ledger|balance|capture|checkout|settle|withdraw|deposit|stripe|paypal|webhook|wallet",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Keyword arguments of HTTP clients that configure the transport, not what the call does.
const TRANSPORT_OPTIONS: &[&str] = &[
    "verify",
    "cert",
    "timeout",
    "proxies",
    "allow_redirects",
    "follow_redirects",
    "headers",
    "stream",
];

/// Calls whose failure a service routinely tolerates: notifications, telemetry, caches, avatars.
static BEST_EFFORT_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\w*(notif|notify|send_mail|mail_|email|sms|push_notification|websocket|ws_|broadcast|metric|telemetry|analytics|track_|statsd|thumbnail|gravatar|avatar)\w*\(",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether every statement the `try` guards is a best-effort call.
fn guards_best_effort_work(file: &ParsedFile, clause: Node) -> bool {
    let Some(body) = clause
        .parent()
        .and_then(|statement| statement.field_child("body"))
    else {
        return false;
    };
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|statement| statement.kind() != "comment")
        .collect();
    !statements.is_empty()
        && statements
            .iter()
            .all(|statement| BEST_EFFORT_CALL.is_match(file.text(*statement)))
}

/// Calls that move money, change stored state or decide access: `gateway.refund(…)`,
/// `stripe.Refund.create(…)`, `tx.commit()`, `send_payment(…)`, `verify(…)`.
static EFFECT_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^_*(refund|charge|capture|payout|pay|transfer|withdraw|deposit|settle|debit|credit|commit|save|create|delete|insert|execute|publish|send|post|put|patch|sync|confirm|approve|void|redeem|process|verify|authenticate|authorize|login|validate)(_|$)",
    )
    .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether the guarded `try` body calls something that moves money, changes state or decides
/// access (by the called function's or method's name).
fn guards_an_effect(file: &ParsedFile, clause: Node) -> bool {
    let Some(body) = clause
        .parent()
        .and_then(|statement| statement.field_child("body"))
    else {
        return false;
    };
    descendants(body)
        .filter(|node| node.kind() == "call")
        .filter_map(|call| call.field_child("function"))
        .filter_map(|function| match function.kind() {
            "identifier" => Some(function),
            "attribute" => function.field_child("attribute"),
            _ => None,
        })
        .map(|name| file.text(name))
        .any(|name| EFFECT_CALL.is_match(name) && !DESCRIBES.is_match(name))
}

/// Names that describe rather than do: `refund_control_render_short`, `payment_status`.
static DESCRIBES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)render|display|format|matching|status|info|detail|_id$|_context$")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether the guarded `try` body returns a value (`return ticket`).
fn try_returns_a_value(file: &ParsedFile, clause: Node) -> bool {
    let Some(statement) = clause.parent() else {
        return false;
    };
    let Some(body) = statement.field_child("body") else {
        return false;
    };
    let returns = descendants(body).any(|node| {
        node.kind() == "return_statement"
            && named_children(node)
                .first()
                .is_some_and(|value| value.kind() != "none")
    });
    // `r = False; try: …; r = True; except Exception: log…; return r`: the result the `try`
    // sets, returned after it.
    let sets_the_result = || {
        let returned = statement
            .next_named_sibling()
            .filter(|next| next.kind() == "return_statement")
            .and_then(|next| named_children(next).into_iter().next())
            .filter(|value| value.kind() == "identifier")
            .map(|value| file.text(value));
        returned.is_some_and(|name| {
            descendants(body).any(|node| {
                node.kind() == "assignment"
                    && node
                        .field_child("left")
                        .is_some_and(|left| file.text(left) == name)
            })
        })
    };
    returns || sets_the_result()
}

/// Whether the handler guards payment or authentication code.
fn guards_money_or_auth(file: &ParsedFile, clause: Node) -> bool {
    let function_name = ancestor_of_kind(clause, &["function_definition"])
        .and_then(|function| function.field_child("name"))
        .map_or("", |name| file.text(name));
    let Some(body) = clause
        .parent()
        .and_then(|statement| statement.field_child("body"))
    else {
        return MONEY_OR_AUTH.is_match(function_name);
    };
    // The names and texts the guarded code uses, not the keywords of the calls it makes nor
    // the transport options it passes (`requests.post(url, verify=verify)` names TLS
    // verification, not a check of the caller).
    let keyword = |node: &Node| {
        ancestor_of_kind(*node, &["keyword_argument"]).is_some_and(|argument| {
            argument.field_child("name").is_some_and(|name| {
                name.id() == node.id() || TRANSPORT_OPTIONS.contains(&file.text(name))
            })
        })
    };
    MONEY_OR_AUTH.is_match(function_name)
        || descendants(body)
            .filter(|node| matches!(node.kind(), "identifier" | "string_content"))
            .filter(|node| !keyword(node) && !database_session(file, *node))
            .any(|node| {
                let text = file.text(node);
                MONEY_OR_AUTH.is_match(text) && !NOT_MONEY_OR_AUTH.is_match(text)
            })
}

/// Names that hold a money or authentication word in another sense: `_capture_context`,
/// `capture_exception` (error reporting, not capturing a charge).
static NOT_MONEY_OR_AUTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^_*capture_(context|exception|message|output|stdout|stderr|logs?|warnings?)$")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Methods of an ORM session (SQLAlchemy, Flask-SQLAlchemy).
const SESSION_METHODS: &[&str] = &[
    "add", "add_all", "commit", "rollback", "flush", "query", "execute", "scalar", "scalars",
    "delete", "merge", "refresh", "begin", "close", "expire", "get",
];

/// Whether `node` is the `session` of a database, not a login session: `db.session`, or a
/// `session` whose method is an ORM session's (`session.commit()`).
fn database_session(file: &ParsedFile, node: Node) -> bool {
    if node.kind() != "identifier" || !file.text(node).ends_with("session") {
        return false;
    }
    let Some(parent) = node.parent().filter(|parent| parent.kind() == "attribute") else {
        return false;
    };
    let object = parent.field_child("object");
    let attribute = parent.field_child("attribute");
    let of_database = attribute.is_some_and(|attribute| attribute.id() == node.id())
        && object.is_some_and(|object| matches!(file.text(object), "db" | "self.db" | "database"));
    let orm_method = object.is_some_and(|object| object.id() == node.id())
        && attribute.is_some_and(|attribute| SESSION_METHODS.contains(&file.text(attribute)));
    of_database || orm_method
}

/// Whether a logging call of the handler records the traceback: `logger.exception(…)`,
/// `exc_info=…`, `traceback.print_exc()`, `capture_exception(…)`.
fn logs_traceback(file: &ParsedFile, block: Node) -> bool {
    named_children(block)
        .into_iter()
        .filter(|statement| is_logging(file, *statement))
        .any(|statement| {
            let text = file.text(statement);
            text.contains(".exception(")
                || text.contains("print_exc(")
                || text.contains("capture_exception(")
                || (text.contains("exc_info") && !text.contains("exc_info=False"))
        })
}

/// `try: … except …: … else: …`: the `except` branch is a deliberate alternative path.
fn has_else(clause: Node) -> bool {
    clause.parent().is_some_and(|statement| {
        named_children(statement)
            .iter()
            .any(|child| child.kind() == "else_clause")
    })
}

/// A handler that only passes but says why in a comment of its own lines (not a `TODO`): a
/// documented decision.
fn explains_itself(file: &ParsedFile, clause: Node) -> bool {
    let header_row = clause.start_position().row;
    descendants(clause)
        .filter(|node| node.kind() == "comment" && node.start_position().row > header_row)
        .any(|comment| {
            let text = file.text(comment).to_ascii_uppercase();
            !["TODO", "FIXME", "XXX", "HACK"]
                .iter()
                .any(|marker| text.contains(marker))
        })
}

/// A `try` whose body only closes or removes things (or that sits in a function that does):
/// ignoring failures there is routine.
fn guards_cleanup_only(file: &ParsedFile, clause: Node) -> bool {
    let is_cleanup = |name: &str| CLEANUP.iter().any(|word| name.contains(word));
    let in_cleanup_function = ancestor_of_kind(clause, &["function_definition"])
        .and_then(|function| function.field_child("name"))
        .is_some_and(|name| {
            let name = file.text(name);
            is_cleanup(name) || matches!(name, "__del__" | "__exit__" | "__aexit__")
        });
    if in_cleanup_function {
        return true;
    }
    let Some(body) = clause
        .parent()
        .and_then(|statement| statement.field_child("body"))
    else {
        return false;
    };
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|statement| statement.kind() != "comment")
        .collect();
    !statements.is_empty()
        && statements
            .iter()
            .all(|statement| called_method(file, *statement).is_some_and(is_cleanup))
}

/// For `expression_statement` holding a call (possibly awaited): the method or function name.
fn called_method<'a>(file: &'a ParsedFile, statement: Node) -> Option<&'a str> {
    let call = statement_call(statement)?;
    let function = call.field_child("function")?;
    match function.kind() {
        "identifier" => Some(file.text(function)),
        "attribute" => Some(file.text(function.field_child("attribute")?)),
        _ => None,
    }
}

/// The call an expression statement consists of, looking through `await`.
fn statement_call(statement: Node<'_>) -> Option<Node<'_>> {
    if statement.kind() != "expression_statement" {
        return None;
    }
    let mut expression = named_children(statement).into_iter().next()?;
    if expression.kind() == "await" {
        expression = named_children(expression).into_iter().next()?;
    }
    (expression.kind() == "call").then_some(expression)
}

/// What one statement of a handler does with the error.
fn step(file: &ParsedFile, statement: Node, caught: Option<&str>) -> Step {
    match statement.kind() {
        "pass_statement" => Step::Nothing,
        "continue_statement" | "break_statement" => Step::Continues,
        "return_statement" => returns(file, statement, caught),
        "expression_statement" => {
            let Some(expression) = named_children(statement).into_iter().next() else {
                return Step::Nothing;
            };
            match expression.kind() {
                "ellipsis" | "string" => Step::Nothing,
                _ if is_logging(file, statement) => Step::Logs,
                _ => Step::Handles,
            }
        }
        _ => Step::Handles,
    }
}

/// `logger.exception(…)`, `logging.warning(…)`, `print(…)`, `traceback.print_exc()`,
/// `sentry_sdk.capture_exception(e)`.
fn is_logging(file: &ParsedFile, statement: Node) -> bool {
    let Some(call) = statement_call(statement) else {
        return false;
    };
    let Some(function) = call.field_child("function") else {
        return false;
    };
    match function.kind() {
        "identifier" => matches!(
            file.text(function),
            "print" | "capture_exception" | "capture_message"
        ),
        "attribute" => {
            let method = function
                .field_child("attribute")
                .map_or("", |attribute| file.text(attribute));
            let receiver = function
                .field_child("object")
                .map_or("", |object| file.text(object))
                .to_ascii_lowercase();
            LOG_METHODS.contains(&method)
                && (receiver.contains("log")
                    || matches!(receiver.as_str(), "traceback" | "sentry_sdk" | "warnings"))
        }
        _ => false,
    }
}

/// `return`, `return None`, a success response, the caught exception itself (`return e`), or
/// something else (an error or a value).
fn returns(file: &ParsedFile, statement: Node, caught: Option<&str>) -> Step {
    let Some(value) = named_children(statement).into_iter().next() else {
        return Step::ReturnsNone;
    };
    if caught.is_some_and(|name| file.text(value) == name) {
        return Step::ReturnsException;
    }
    match value.kind() {
        "none" => Step::ReturnsNone,
        "call" if is_success_response(file, value) => Step::ReturnsSuccess,
        // `return {}`: an empty value, like `None`.
        "dictionary" if value.named_child_count() == 0 => Step::ReturnsNone,
        "dictionary" => {
            let text = file.text(value).to_ascii_lowercase();
            // `{"sent": False}`, `{"error": …}`: the failure is answered.
            if text.contains("error")
                || text.contains("fail")
                || descendants(value).any(|node| node.kind() == "false")
            {
                Step::Handles
            } else {
                Step::ReturnsSuccess
            }
        }
        // `return body, 500` (Flask): an error status makes it an error response.
        "expression_list" | "tuple" => {
            let parts = named_children(value);
            let error_status = parts
                .iter()
                .any(|part| part.kind() == "integer" && is_error_status(file.text(*part)));
            let response = parts
                .first()
                .is_some_and(|first| first.kind() == "call" && is_success_response(file, *first));
            if !error_status && response {
                Step::ReturnsSuccess
            } else {
                Step::Handles
            }
        }
        _ => Step::Handles,
    }
}

/// A response constructor with no error status in its arguments or name.
fn is_success_response(file: &ParsedFile, call: Node) -> bool {
    let Some(function) = call.field_child("function") else {
        return false;
    };
    let name = match function.kind() {
        "identifier" => file.text(function),
        "attribute" => function
            .field_child("attribute")
            .map_or("", |attribute| file.text(attribute)),
        _ => return false,
    };
    if !RESPONSES.contains(&name) {
        return false;
    }
    let Some(arguments) = call.field_child("arguments") else {
        return true;
    };
    !named_children(arguments).into_iter().any(|argument| {
        let value = match argument.kind() {
            "keyword_argument" => {
                let is_status = argument
                    .field_child("name")
                    .is_some_and(|name| matches!(file.text(name), "status" | "status_code"));
                if !is_status {
                    return false;
                }
                argument.field_child("value")
            }
            _ => Some(argument),
        };
        value.is_some_and(|value| is_error_status(file.text(value)))
    })
}

/// `400`…`599`, `status.HTTP_500_INTERNAL_SERVER_ERROR`, `HTTPStatus.BAD_REQUEST`.
fn is_error_status(text: &str) -> bool {
    if let Ok(code) = text.parse::<u16>() {
        return (400..600).contains(&code);
    }
    text.contains("HTTP_4")
        || text.contains("HTTP_5")
        || [
            "BAD_REQUEST",
            "INTERNAL_SERVER_ERROR",
            "SERVICE_UNAVAILABLE",
            "BAD_GATEWAY",
            "CONFLICT",
        ]
        .iter()
        .any(|name| text.ends_with(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Language, SourceFile};
    use std::path::PathBuf;

    fn outcomes(text: &str) -> Vec<(String, bool)> {
        let source = SourceFile::new(
            PathBuf::from("a.py"),
            "a.py".into(),
            Language::Python,
            text.into(),
        );
        let tree = crate::parse::tree(&source).unwrap();
        let parsed = ParsedFile::new(&source, &tree);
        let mut out = Vec::new();
        check(&parsed, &mut out);
        out.into_iter()
            .map(|found| {
                let outcome = found.captures[1].1.clone();
                let lowered = found
                    .captures
                    .iter()
                    .any(|(name, _)| *name == crate::detectors::CONFIDENCE);
                (outcome, lowered)
            })
            .collect()
    }

    #[test]
    fn best_effort_logging_with_the_traceback_is_less_confident() {
        let text = "def notify(user):\n    try:\n        mailer.send(user)\n    except Exception:\n        logger.exception(\"failed\")\n";
        assert_eq!(
            outcomes(text),
            vec![("logs it and carries on, as best-effort work".into(), true)]
        );
        let payment = "def notify(user):\n    try:\n        stripe.Refund.create(payment_intent=user.pi)\n    except Exception:\n        logger.exception(\"failed\")\n";
        assert_eq!(
            outcomes(payment),
            vec![("only logs it and carries on".into(), false)]
        );
        let notification = "def settle(payment):\n    try:\n        send_payment_notification(payment)\n    except Exception as e:\n        logger.error(f\"notification failed {e}\")\n";
        assert_eq!(
            outcomes(notification),
            vec![("logs it and carries on, as best-effort work".into(), true)]
        );
        // A transport option (`verify=` for TLS) says nothing about what the call does.
        let feedback = "def submit_feedback(url, verify):\n    try:\n        requests.post(url, data={}, verify=verify).raise_for_status()\n    except Exception:\n        logger.exception(\"failed\")\n";
        assert_eq!(
            outcomes(feedback),
            vec![("logs it and carries on, as best-effort work".into(), true)]
        );
        let verifying = "def submit_feedback(url, signature):\n    try:\n        verify_signature(signature)\n        requests.post(url)\n    except Exception:\n        logger.exception(\"failed\")\n";
        assert_eq!(
            outcomes(verifying),
            vec![("only logs it and carries on".into(), false)]
        );
        let plain = "def notify(user):\n    try:\n        mailer.send(user)\n    except Exception:\n        logger.warning(\"failed\")\n";
        assert_eq!(
            outcomes(plain),
            vec![("only logs it and carries on".into(), true)]
        );
    }

    #[test]
    fn only_a_failed_payment_or_auth_effect_or_a_success_answer_stays_confident() {
        // A lookup in payment code that falls back: low confidence.
        let lookup = "def get_payment_status(p):\n    try:\n        status = client.get(p.id)\n    except Exception as e:\n        logger.warning(e)\n";
        assert_eq!(
            outcomes(lookup),
            vec![("only logs it and carries on".into(), true)]
        );
        // Display formatting: low confidence.
        let display =
            "def label(v):\n    try:\n        name = lookup(v).name\n    except:\n        pass\n";
        assert_eq!(outcomes(display), vec![("does nothing".into(), true)]);
        // A payout that fails silently: confident.
        let payout = "def run(p):\n    try:\n        gateway.payout(p)\n    except Exception as e:\n        logger.warning(e)\n";
        assert_eq!(
            outcomes(payout),
            vec![("only logs it and carries on".into(), false)]
        );
        // A success response for a failed call: confident wherever it is.
        let answered = "def ping(r):\n    try:\n        hub.send(r)\n    except Exception:\n        return JsonResponse({\"sent\": True})\n";
        assert_eq!(
            outcomes(answered),
            vec![("returns a success response".into(), false)]
        );
        // A verifier that gives no result when the signature is bad fails closed.
        let verifier = "def parse_token(raw):\n    try:\n        key.verify(raw)\n        return decode(raw)\n    except:\n        return None\n";
        assert_eq!(outcomes(verifier), vec![("returns None".into(), true)]);
        // `{"sent": False}` answers the failure.
        let failed = "def ping(r):\n    try:\n        hub.send(r)\n    except Exception:\n        return {\"sent\": False}\n";
        assert!(outcomes(failed).is_empty());
    }

    #[test]
    fn a_comment_does_not_excuse_a_swallowed_payment_error() {
        let refund = "def refund(p):\n    try:\n        gateway.refund(p)\n    except Exception:\n        pass  # retried nightly\n";
        assert_eq!(outcomes(refund), vec![("does nothing".into(), false)]);
        let parse = "def parse(v):\n    try:\n        return int(v)\n    except Exception:\n        pass  # not a number: no value\n";
        assert!(outcomes(parse).is_empty());
    }
}
