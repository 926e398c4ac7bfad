//! `broad-exception-swallowed` for Rust: discarded results of writes and sends, empty `Err` arms.

use crate::detectors::Match;
use crate::parse::ParsedFile;
use crate::syntax::scope::rust::in_test_code;
use crate::syntax::{descendants, named_children, FieldChild};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// Methods that write, send or move money: their errors must not be dropped.
const WRITES: &[&str] = &[
    "commit",
    "execute",
    "batch_execute",
    "save",
    "publish",
    "basic_publish",
    "produce",
    "upsert",
    "persist",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "delete_one",
    "delete_many",
    "transfer",
    "charge",
    "refund",
    "capture",
    "enqueue",
    "send_message",
    "send_email",
];
/// Generic names that only count on a receiver that looks like a client, broker or database
/// (`map.insert(k, v)` and channel sends are routinely discarded).
const WRITES_ON_CLIENTS: &[&str] = &["send", "insert", "update", "delete", "post", "put", "patch"];

/// Report results of writes and sends that are thrown away, and `Err` arms that do nothing.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    for node in descendants(file.tree.root_node()) {
        let found = match node.kind() {
            "let_declaration" => discarded_by_let(file, node),
            "expression_statement" => discarded_by_ok(file, node),
            "match_arm" => empty_err_arm(file, node),
            "if_expression" => empty_if_let_err(file, node),
            _ => None,
        };
        let Some((caught, outcome)) = found else {
            continue;
        };
        if in_test_code(file, node) {
            continue;
        }
        out.push(Match {
            bytes: node.byte_range(),
            captures: vec![("CAUGHT", caught), ("OUTCOME", outcome.to_string())],
            related: Vec::new(),
            link_checks: Vec::new(),
        });
    }
}

/// `let _ = producer.send(record).await;`
fn discarded_by_let(file: &ParsedFile, node: Node) -> Option<(String, &'static str)> {
    let pattern = node.field_child("pattern")?;
    if file.text(pattern) != "_" {
        return None;
    }
    let call = written_call(file, node.field_child("value")?)?;
    Some((
        format!("the result of `{}`", callee(file, call)),
        "is discarded with `let _ =`",
    ))
}

/// `tx.commit().await.ok();`
fn discarded_by_ok(file: &ParsedFile, node: Node) -> Option<(String, &'static str)> {
    let expression = named_children(node).into_iter().next()?;
    let (receiver, method) = method_call(file, expression)?;
    if method != "ok" {
        return None;
    }
    let call = written_call(file, receiver)?;
    Some((
        format!("the result of `{}`", callee(file, call)),
        "is discarded with `.ok()`",
    ))
}

/// `Err(_) => {}` or `Err(e) => ()`.
fn empty_err_arm(file: &ParsedFile, arm: Node) -> Option<(String, &'static str)> {
    let pattern = arm.field_child("pattern")?;
    let value = arm.field_child("value")?;
    let guarded = pattern.field_child("condition").is_some();
    (!guarded && catches_any_err(file, pattern) && is_empty(file, value))
        .then(|| ("an `Err`".to_string(), "is matched and ignored"))
}

/// `if let Err(_) = result {}`.
fn empty_if_let_err(file: &ParsedFile, node: Node) -> Option<(String, &'static str)> {
    let condition = node.field_child("condition")?;
    let consequence = node.field_child("consequence")?;
    (condition.kind() == "let_condition"
        && condition
            .field_child("pattern")
            .is_some_and(|pattern| catches_any_err(file, pattern))
        && is_empty(file, consequence))
    .then(|| ("an `Err`".to_string(), "is matched and ignored"))
}

/// `Err(_)`, `Err(e)`, `Err(ref e)`: every error, not one variant (`Err(Error::NotFound)`).
fn catches_any_err(file: &ParsedFile, pattern: Node) -> bool {
    let text: String = file.text(pattern).split_whitespace().collect();
    let Some(inner) = text
        .strip_prefix("Err(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return false;
    };
    let binding = inner.strip_prefix("ref").unwrap_or(inner);
    binding == "_"
        || binding
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `{}`, `()`, or a block holding only comments.
fn is_empty(file: &ParsedFile, value: Node) -> bool {
    match value.kind() {
        "unit_expression" => true,
        "block" => named_children(value)
            .iter()
            .all(|child| matches!(child.kind(), "line_comment" | "block_comment")),
        _ => file.text(value) == "()",
    }
}

/// The write call an expression evaluates, looking through `.await` and `.ok()`.
fn written_call<'t>(file: &ParsedFile, expression: Node<'t>) -> Option<Node<'t>> {
    let mut current = expression;
    loop {
        match current.kind() {
            "await_expression" => current = named_children(current).into_iter().next()?,
            "call_expression" => {
                let (receiver, method) = method_call(file, current)?;
                if method == "ok" {
                    current = receiver;
                    continue;
                }
                let awaited = expression.kind() == "await_expression"
                    || file.text(expression).contains(".await");
                let counts = WRITES.contains(&method)
                    || (WRITES_ON_CLIENTS.contains(&method)
                        && looks_like_client(file.text(receiver))
                        && (awaited || method != "send" || no_arguments(current)));
                return counts.then_some(current);
            }
            _ => return None,
        }
    }
}

/// `receiver.method(…)`: the receiver and the method name.
fn method_call<'t, 'a>(file: &'a ParsedFile, call: Node<'t>) -> Option<(Node<'t>, &'a str)> {
    if call.kind() != "call_expression" {
        return None;
    }
    let function = call.field_child("function")?;
    if function.kind() != "field_expression" {
        return None;
    }
    Some((
        function.field_child("value")?,
        file.text(function.field_child("field")?),
    ))
}

fn no_arguments(call: Node) -> bool {
    call.field_child("arguments")
        .is_some_and(|arguments| arguments.named_child_count() == 0)
}

/// A receiver that is a client, producer, repository or request, not a channel or a map.
fn looks_like_client(receiver: &str) -> bool {
    static CHANNEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(^|[._])(tx|sender|sink|chan|channel|map|cache|set|seen)s?$|_(tx|map|cache|set)$",
        )
        .expect("the channel regex is valid")
    });
    static CLIENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)client|producer|publisher|request|req\b|http|kafka|broker|queue|sqs|sns|mailer|email|db|database|repo|store|pool|conn|session|gateway|stripe|api|builder|\)$")
            .expect("the client regex is valid")
    });
    !CHANNEL.is_match(receiver) && CLIENT.is_match(receiver)
}

/// The callee as written, on one line and without the receiver's arguments.
fn callee(file: &ParsedFile, call: Node) -> String {
    call.field_child("function")
        .map(|function| {
            let text: String = file.text(function).split_whitespace().collect();
            match text.rsplit_once(").") {
                Some((_, method)) => format!("….{method}"),
                None => text,
            }
        })
        .unwrap_or_default()
}
