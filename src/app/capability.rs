//! Capabilities: handlers that are public by design because they check a secret the request
//! carries (a signed value, a token compared with the stored one, an object looked up by its
//! secret), so that whoever holds the secret may act: a password-reset link, a ticket's secret
//! URL, a webhook with a signature.

use crate::app::handlers::Handler;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::{NamePatterns, Resolved};
use crate::syntax::{ancestor_of_kind, descendants, named_children, FieldChild};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use tree_sitter::Node;

/// How a handler checks a secret the request carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    /// The check, as written (shortened).
    pub check: String,
    /// The check is a verifier resolved by its qualified name (`hmac.compare_digest`); otherwise
    /// it is judged by names (a field called `secret`, a method called `check_token`).
    pub resolved: bool,
}

/// Verifiers of a secret or a signature, by qualified name.
static VERIFIERS: LazyLock<NamePatterns> = LazyLock::new(|| {
    let names = [
        "hmac.compare_digest",
        "secrets.compare_digest",
        "django.utils.crypto.constant_time_compare",
        "django.core.signing.{loads,load}",
        "django.core.signing.**.{unsign,unsign_object}",
        "itsdangerous.**.{loads,unsign}",
        "stripe.Webhook.construct_event",
        "stripe.WebhookSignature.verify_header",
        "subtle::**",
        "constant_time_eq::**",
    ];
    // A token signed with the service's key: whoever holds it may act.
    let all: Vec<String> = names
        .iter()
        .chain(super::guards::TOKEN_DECODERS)
        .map(|name| name.to_string())
        .collect();
    NamePatterns::new(&all).expect("valid patterns")
});

/// Verifiers known by their name alone: methods of objects whose type is not resolved.
const VERIFIER_NAMES: &[&str] = &[
    "compare_digest",
    "constant_time_compare",
    "check_token",
    "unsign",
    "unsign_object",
    "construct_event",
    "verify_signature",
    "ct_eq",
    "constant_time_eq",
    "verify_slice",
];

/// Whether a function's name says it verifies a secret: one of [`VERIFIER_NAMES`], or a
/// decryption with it (`decrypt`, `decrypt_file`: only the secret's holder reads the result).
fn is_verifier_name(name: &str) -> bool {
    VERIFIER_NAMES.contains(&name) || name == "decrypt" || name.starts_with("decrypt_")
}

/// A stored secret a request value is compared with or looked up by (`order.secret`,
/// `secret__iexact=`, `link.token`, `api_key`).
static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[._])(\w+_)?(secret|token|api_?key|access_?key|signature|nonce)(_(hash|hex|digest))?(__(exact|iexact))?$",
    )
    .expect("valid regex")
});

/// A branch that refuses the request.
static REFUSAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\braise\b|\babort\(|Forbidden|Unauthorized|NOT_FOUND|FORBIDDEN|UNAUTHORIZED|\b40[134]\b|Http404|PermissionDenied")
        .expect("valid regex")
});

/// The capability check in `handler`'s own body, if it has one.
pub fn of(file: &ParsedFile, handler: &Handler) -> Option<Capability> {
    let function = file
        .tree
        .root_node()
        .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)?
        .parent()
        .filter(|node| matches!(node.kind(), "function_definition" | "function_item"))?;
    let body = function.field_child("body")?;
    let mut by_name = None;
    for node in descendants(body) {
        let found = match node.kind() {
            "call" | "call_expression" => verifier_call(file, node)
                .or_else(|| lookup_by_secret(file, node).map(|check| (check, false)))
                .or_else(|| checked_in_helper(file, node)),
            "comparison_operator" | "binary_expression" => {
                compared_with_secret(file, node).map(|check| (check, false))
            }
            _ => None,
        };
        match found {
            Some((check, true)) => {
                return Some(Capability {
                    check,
                    resolved: true,
                })
            }
            Some((check, false)) if by_name.is_none() => {
                by_name = Some(Capability {
                    check,
                    resolved: false,
                })
            }
            _ => {}
        }
    }
    by_name
}

/// A call of a verifier with request input among its arguments (`hmac.compare_digest(sig,
/// expected)`, `signer.unsign(request.GET["t"])`), and whether the verifier is resolved.
fn verifier_call(file: &ParsedFile, call: Node) -> Option<(String, bool)> {
    let callee = call.field_child("function")?;
    let resolved = verifier(file, callee)?;
    if super::guards::skips_verification(file.text(call)) {
        return None;
    }
    let mut inputs = named_children(call.field_child("arguments")?);
    // `provided.ct_eq(expected)`: the receiver is compared too.
    if callee.kind() == "field_expression" {
        inputs.extend(callee.field_child("value"));
    }
    inputs
        .into_iter()
        .any(|arg| from_request(file, arg))
        .then(|| (shorten(file.text(call)), resolved))
}

/// A function of this file that `call` hands request input to and that passes that parameter
/// to a verifier (`pastaresponse(data, id, password)` with `decrypt(&content, &password)`
/// inside): the check of the handler's secret, made one call down.
fn checked_in_helper(file: &ParsedFile, call: Node) -> Option<(String, bool)> {
    let callee = file.text(call.field_child("function")?);
    if callee.contains(['.', ':']) {
        return None;
    }
    let helper = crate::taint::callees::defined(file, callee)?;
    // The helper's verifier calls first: request input is traced only when there is one.
    let checks: Vec<(Node, bool)> = descendants(helper.field_child("body")?)
        .filter(|node| matches!(node.kind(), "call" | "call_expression"))
        .filter_map(|inner| Some((inner, verifier(file, inner.field_child("function")?)?)))
        .collect();
    if checks.is_empty() {
        return None;
    }
    let parameters = crate::taint::parameter_names(file, helper);
    // Positional arguments, in the order of the helper's parameters.
    let secrets: Vec<&str> = named_children(call.field_child("arguments")?)
        .into_iter()
        .take_while(|argument| argument.kind() != "keyword_argument")
        .zip(&parameters)
        .filter(|(argument, _)| from_request(file, *argument))
        .map(|(_, parameter)| parameter.as_str())
        .collect();
    checks.into_iter().find_map(|(inner, resolved)| {
        let passed = descendants(inner.field_child("arguments")?)
            .any(|node| node.kind() == "identifier" && secrets.contains(&file.text(node)));
        passed.then(|| (shorten(file.text(inner)), resolved))
    })
}

/// Whether the function `callee` names verifies a secret, and whether it is resolved by its
/// qualified name (`hmac.compare_digest`) rather than judged by its name alone.
fn verifier(file: &ParsedFile, callee: Node) -> Option<bool> {
    let written = file.text(callee);
    let last = written
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(written)
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
    let resolved = matches!(
        file.symbols().resolve(file.language(), written),
        Resolved::Qualified(name) if VERIFIERS.matches(&name)
    );
    (resolved || is_verifier_name(last)).then_some(resolved)
}

/// An ORM lookup by a secret-named field with request input (`Order.objects.get(code=c,
/// secret=kwargs["secret"])`, `get_object_or_404(Link, token=token)`).
fn lookup_by_secret(file: &ParsedFile, call: Node) -> Option<String> {
    if file.language() != Language::Python {
        return None;
    }
    let callee = file.text(call.field_child("function")?);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    if !matches!(
        last,
        "get" | "get_object_or_404" | "filter" | "filter_by" | "get_or_none" | "first"
    ) {
        return None;
    }
    named_children(call.field_child("arguments")?)
        .into_iter()
        .filter(|arg| arg.kind() == "keyword_argument")
        .any(|arg| {
            arg.field_child("name")
                .is_some_and(|name| SECRET.is_match(file.text(name)))
                && arg
                    .field_child("value")
                    .is_some_and(|value| from_request(file, value))
        })
        .then(|| shorten(file.text(call)))
}

/// A comparison of request input with a stored secret that decides a branch
/// (`if token != link.token: raise PermissionDenied`).
fn compared_with_secret(file: &ParsedFile, node: Node) -> Option<String> {
    let sides = named_children(node);
    if sides.len() != 2 {
        return None;
    }
    let mut cursor = node.walk();
    let operator = node
        .children(&mut cursor)
        .find(|child| !child.is_named() && matches!(child.kind(), "==" | "!="))?;
    let branch = ancestor_of_kind(node, &["if_statement", "if_expression"])?;
    let condition = branch.field_child("condition")?;
    if !condition.byte_range().contains(&node.start_byte()) {
        return None;
    }
    // A check lets the caller through when the values are equal and refuses when they are not
    // (`if token != link.token: raise …`), unlike a test that refuses reuse of the old value.
    let refuses = branch
        .field_child("consequence")
        .is_some_and(|body| REFUSAL.is_match(file.text(body)));
    if refuses != (operator.kind() == "!=") {
        return None;
    }
    let secret_and_input = |a: Node, b: Node| {
        SECRET.is_match(file.text(a).trim_start_matches(['&', '*']))
            && !file.text(a).trim_start().starts_with(['"', '\''])
            && from_request(file, b)
    };
    (secret_and_input(sides[0], sides[1]) || secret_and_input(sides[1], sides[0]))
        .then(|| shorten(file.text(node)))
}

fn from_request(file: &ParsedFile, node: Node) -> bool {
    crate::taint::from_request(file, file.model(), node)
}

fn shorten(text: &str) -> String {
    super::first_line_within(text, 80)
}
