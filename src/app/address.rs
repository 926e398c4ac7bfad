//! Checks of the client's network address, which are not authentication.
//!
//! `if request.client.host != "127.0.0.1": raise HTTPException(403)` (FastAPI, Starlette),
//! `request.META["REMOTE_ADDR"]` (Django), `request.remote_addr` (Flask), `req.peer_addr()` and
//! `req.connection_info().realip_remote_addr()` (actix-web), `ConnectInfo<SocketAddr>` (axum), the
//! forwarding headers (`X-Forwarded-For`, `X-Real-IP`): a test of where a request comes from says
//! nothing of who sends it. Behind a proxy the address is the proxy's, or whatever a forwarding
//! header claims, and a service that fetches URLs for its users (SSRF) reaches its own loopback
//! address. So a refusal decided by such a test alone is no guard, in a handler, a helper, a
//! decorator or a dependency, whatever its names say; `missing-authorization` reports a handler
//! whose only check is one, and says so.
//!
//! What is read is decided by the frameworks' request APIs (the attribute, method or header the
//! address comes from), and followed through the local names bound to it in the function
//! (`client_host = request.client.host`, `let ConnectInfo(addr) = …`, `addr: SocketAddr`).

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{descendants, named_children, FieldChild};
use std::sync::LazyLock;
use tree_sitter::Node;

/// Where the client's address is read: request attributes and methods of the frameworks, the
/// WSGI/ASGI environment keys and the forwarding headers.
static ADDRESS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r#"(?x)
        \.client\.host\b | \.client\[0\] | \bremote_addr\b | \baccess_route\b
        | \bREMOTE_ADDR\b | \bHTTP_X_FORWARDED_FOR\b | \bHTTP_X_REAL_IP\b | \bHTTP_CF_CONNECTING_IP\b
        | \bpeer_addr\s*\( | \brealip_remote_addr\s*\( | \bConnectInfo\b
        | (?i:["'](x-forwarded-for|x-real-ip|cf-connecting-ip|true-client-ip|x-client-ip)["'])
        "#,
    )
    .expect("the address regex is valid")
});

/// Rust types that hold an address (a parameter `addr: SocketAddr` is the client's, in a helper
/// handed it).
const ADDRESS_TYPES: &[&str] = &["SocketAddr", "IpAddr", "Ipv4Addr", "Ipv6Addr"];

/// The local names bound to the client's address in `function`: assigned from a read of it
/// (`client_host = request.client.host`, `let ip = req.peer_addr()…;`), and in Rust the
/// parameters that hold one (`ConnectInfo(addr): ConnectInfo<SocketAddr>`, `addr: SocketAddr`).
pub fn address_names(file: &ParsedFile, function: Node) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if file.language() == Language::Rust {
        if let Some(parameters) = function.field_child("parameters") {
            for parameter in named_children(parameters) {
                let Some(kind) = parameter.field_child("type") else {
                    continue;
                };
                let kind = file.text(kind);
                let holds = kind.contains("ConnectInfo")
                    || ADDRESS_TYPES
                        .iter()
                        .any(|t| kind.trim_start_matches('&').trim() == *t);
                if let (true, Some(pattern)) = (holds, parameter.field_child("pattern")) {
                    names.extend(identifiers(file, pattern));
                }
            }
        }
    }
    let Some(body) = function.field_child("body") else {
        return names;
    };
    if names.is_empty() && !ADDRESS.is_match(file.text(body)) {
        return names;
    }
    // Two rounds: `ip = request.META["REMOTE_ADDR"]; first = ip.split(",")[0]`.
    for _ in 0..2 {
        for node in file.of_kinds_within(&["assignment", "let_declaration"], body) {
            let (target, value) = match node.kind() {
                "assignment" => (node.field_child("left"), node.field_child("right")),
                _ => (node.field_child("pattern"), node.field_child("value")),
            };
            let (Some(target), Some(value)) = (target, value) else {
                continue;
            };
            if reads_address(file, value, &names) {
                for name in identifiers(file, target) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
    }
    names
}

fn identifiers(file: &ParsedFile, pattern: Node) -> Vec<String> {
    descendants(pattern)
        .filter(|n| n.kind() == "identifier")
        .map(|n| file.text(n).to_string())
        .filter(|name| name != "_")
        .collect()
}

/// Whether `node` reads the client's address: a framework's request attribute, method or
/// header, or a name bound to one of them (see [`address_names`]).
pub fn reads_address(file: &ParsedFile, node: Node, names: &[String]) -> bool {
    if ADDRESS.is_match(file.text(node)) {
        return true;
    }
    !names.is_empty()
        && descendants(node)
            .any(|n| n.kind() == "identifier" && names.iter().any(|name| name == file.text(n)))
}

/// The byte ranges, within `condition`, of the tests of the client's address: the comparison,
/// call or operand of a `not`/`and`/`or` (`!`, `&&`, `||`) that reads it
/// (`request.client.host != "127.0.0.1"`, `ip_address(request.remote_addr) in ALLOWED`,
/// `!addr.ip().is_loopback()`).
pub fn address_tests(
    file: &ParsedFile,
    condition: Node,
    names: &[String],
) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    if names.is_empty() && !ADDRESS.is_match(file.text(condition)) {
        return out;
    }
    for leaf in descendants(condition) {
        let read = match leaf.kind() {
            "identifier" => {
                names.iter().any(|name| name == file.text(leaf))
                    || ADDRESS.is_match(file.text(leaf))
            }
            "string" | "string_literal" => ADDRESS.is_match(file.text(leaf)),
            "attribute" | "subscript" | "call" | "field_expression" | "call_expression" => {
                ADDRESS.is_match(file.text(leaf))
                    && !named_children(leaf)
                        .iter()
                        .any(|child| ADDRESS.is_match(file.text(*child)))
            }
            _ => false,
        };
        if !read || out.iter().any(|range| range.contains(&leaf.start_byte())) {
            continue;
        }
        // Up to the operand of the nearest logical operator.
        let mut node = leaf;
        while node.id() != condition.id() {
            let Some(parent) = node.parent() else { break };
            if is_logical(file, parent) {
                break;
            }
            node = parent;
        }
        out.push(node.byte_range());
    }
    out
}

fn is_logical(file: &ParsedFile, node: Node) -> bool {
    match node.kind() {
        "boolean_operator" | "not_operator" | "parenthesized_expression" | "unary_expression" => {
            true
        }
        "binary_expression" => node
            .field_child("operator")
            .is_some_and(|op| matches!(file.text(op), "&&" | "||")),
        _ => false,
    }
}

/// `text` (the source text of the `range`) with the parts in `blanks` replaced by spaces.
pub fn blanked(text: &str, start: usize, blanks: &[std::ops::Range<usize>]) -> String {
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    for range in blanks {
        let from = range.start.saturating_sub(start).min(out.len());
        let to = range.end.saturating_sub(start).min(out.len());
        for byte in &mut out[from..to] {
            *byte = b' ';
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a condition tests the client's address and nothing else of the caller: once its
/// address tests are left out, no word of it names the caller's identity or rights.
pub fn tests_only_the_address(file: &ParsedFile, condition: Node, names: &[String]) -> bool {
    let tests = address_tests(file, condition, names);
    !tests.is_empty()
        && !crate::app::guards::names_the_caller(&blanked(
            file.text(condition),
            condition.start_byte(),
            &tests,
        ))
}

/// The conditions above `node`, up to `body`: of `if`/`elif` (Python), `if`, `match` and
/// `let … else` (Rust).
pub fn conditions_above<'t>(node: Node<'t>, body: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut child = node;
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.id() == body.id() {
            break;
        }
        let tested = match parent.kind() {
            "if_statement" | "elif_clause" | "if_expression" => parent.field_child("condition"),
            "match_expression" | "let_declaration" => parent.field_child("value"),
            _ => None,
        };
        // Not the condition itself (a refusal written inside it).
        if let Some(tested) = tested.filter(|t| t.id() != child.id()) {
            out.push(tested);
        }
        child = parent;
        current = parent.parent();
    }
    out
}

/// Whether the nearest condition above `node` (up to `body`) tests only the client's address:
/// a refusal there refuses by network location, not for want of credentials.
pub fn refused_by_address(file: &ParsedFile, node: Node, body: Node, names: &[String]) -> bool {
    conditions_above(node, body)
        .first()
        .is_some_and(|condition| tests_only_the_address(file, *condition, names))
}

/// The first refusal of `function` decided by a test of the client's address alone, as the
/// test is written (`if request.remote_addr not in ALLOWED:`): among the nodes of `kinds`,
/// those `refuses` takes for a refusal.
pub fn refusal(
    file: &ParsedFile,
    function: Node,
    kinds: &[&str],
    refuses: &dyn Fn(Node) -> bool,
) -> Option<String> {
    let body = function.field_child("body")?;
    let names = address_names(file, function);
    if names.is_empty() && !ADDRESS.is_match(file.text(body)) {
        return None;
    }
    file.of_kinds_within(kinds, body)
        .into_iter()
        .filter(|node| refuses(*node))
        .find_map(|node| {
            let condition = *conditions_above(node, body).first()?;
            tests_only_the_address(file, condition, &names).then(|| {
                let text = file.text(condition);
                let line = text.lines().next().unwrap_or(text).trim();
                let line: String = line.chars().take(80).collect();
                match condition.parent().map(|p| p.kind()) {
                    Some("match_expression") => format!("match {line}"),
                    Some("let_declaration") => format!("let … = {line}"),
                    _ => format!("if {line}"),
                }
            })
        })
}

/// The handler's own check of the client's address, as written (`if client_host !=
/// "127.0.0.1":`): an `if` of its body whose condition tests only the address and whose
/// branches leave the handler (a refusal, or the work done only for allowed addresses).
pub fn handler_check(file: &ParsedFile, function: Node) -> Option<String> {
    let body = function.field_child("body")?;
    let text = file.text(body);
    let names = address_names(file, function);
    if names.is_empty() && !ADDRESS.is_match(text) {
        return None;
    }
    let kinds = ["if_statement", "elif_clause", "if_expression"];
    file.of_kinds_within(&kinds, body)
        .into_iter()
        .find_map(|check| {
            let condition = check.field_child("condition")?;
            if !tests_only_the_address(file, condition, &names) {
                return None;
            }
            let exits = descendants(check).any(|n| {
                matches!(
                    n.kind(),
                    "return_statement" | "raise_statement" | "return_expression"
                ) || (n.kind() == "call"
                    && n.field_child("function")
                        .is_some_and(|f| file.text(f).rsplit('.').next() == Some("abort")))
            });
            exits.then(|| {
                let condition = file.text(condition);
                let line = condition.lines().next().unwrap_or(condition).trim();
                let mut shown: String = line.chars().take(80).collect();
                if shown.len() < condition.trim().len() {
                    shown.push('…');
                }
                format!("if {shown}")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_of(language: Language, path: &str, text: &str) -> Option<String> {
        crate::parse::with_first_function(path, language, text, |file, function| {
            handler_check(file, function)
        })
    }

    #[test]
    fn python_address_checks() {
        let py = |text: &str| check_of(Language::Python, "a.py", text);
        assert_eq!(
            py("def f(request):\n    if request.client.host != \"127.0.0.1\":\n        raise HTTPException(status_code=403)\n    reset()\n"),
            Some("if request.client.host != \"127.0.0.1\"".into())
        );
        // through a local name
        assert!(py("def f(request):\n    client_host = request.client.host\n    if client_host != \"127.0.0.1\":\n        raise HTTPException(403)\n").is_some());
        assert!(py("def f(request):\n    if \"127.0.0.1\" == request.META['REMOTE_ADDR']:\n        return JsonResponse({})\n    return JsonResponse({'response': 'Unauthorized access'})\n").is_some());
        // named like a credential, still the address
        assert!(py(
            "def f():\n    if request.remote_addr not in AUTHORIZED_IPS:\n        abort(403)\n"
        )
        .is_some());
        assert!(py("def f(request):\n    if request.headers.get('X-Forwarded-For') not in ALLOWED:\n        abort(403)\n").is_some());
        // a check of the caller beside the address is no address check alone
        assert_eq!(py("def f(request):\n    if not request.user.is_staff or request.META['REMOTE_ADDR'] not in ALLOWED:\n        raise PermissionDenied\n"), None);
        assert_eq!(py("def f(request):\n    if not request.user.is_authenticated:\n        raise PermissionDenied\n"), None);
    }

    fn refusal_of(language: Language, path: &str, text: &str) -> Option<String> {
        crate::parse::with_first_function(path, language, text, |file, function| {
            let refuses = |node: Node| {
                let text = file.text(node);
                text.contains("403") || text.contains("UNAUTHORIZED") || text.contains("Forbidden")
            };
            refusal(
                file,
                function,
                &[
                    "return_statement",
                    "call",
                    "return_expression",
                    "call_expression",
                ],
                &refuses,
            )
        })
    }

    #[test]
    fn refusals_by_the_address_alone() {
        let py = |text: &str| refusal_of(Language::Python, "a.py", text);
        // a decorator's wrapper
        assert_eq!(
            py("def local_only(view):\n    def wrapper(*a, **k):\n        if request.remote_addr != \"127.0.0.1\":\n            abort(403)\n        return view(*a, **k)\n    return wrapper\n"),
            Some("if request.remote_addr != \"127.0.0.1\"".into())
        );
        assert_eq!(py("def require_user(request):\n    if not request.user.is_authenticated:\n        abort(403)\n"), None);
        let rs = |text: &str| refusal_of(Language::Rust, "a.rs", text);
        assert_eq!(
            rs("fn local_only(addr: SocketAddr) -> Result<(), StatusCode> {\n    if addr.ip().is_loopback() { Ok(()) } else { Err(StatusCode::UNAUTHORIZED) }\n}\n"),
            Some("if addr.ip().is_loopback()".into())
        );
        assert_eq!(
            rs("fn check(req: &HttpRequest) -> Result<(), Error> {\n    match req.peer_addr() {\n        Some(a) if a.ip().is_loopback() => Ok(()),\n        _ => Err(ErrorForbidden(\"no\")),\n    }\n}\n"),
            Some("match req.peer_addr()".into())
        );
    }

    #[test]
    fn rust_address_checks() {
        let rs = |text: &str| check_of(Language::Rust, "a.rs", text);
        assert_eq!(
            rs("async fn f(req: HttpRequest) -> HttpResponse {\n    if req.peer_addr().map(|a| a.ip().is_loopback()) != Some(true) {\n        return HttpResponse::Forbidden().finish();\n    }\n    reset().await\n}\n"),
            Some("if req.peer_addr().map(|a| a.ip().is_loopback()) != Some(true)".into())
        );
        assert!(rs("async fn f(ConnectInfo(addr): ConnectInfo<SocketAddr>) -> StatusCode {\n    if !addr.ip().is_loopback() {\n        return StatusCode::FORBIDDEN;\n    }\n    StatusCode::OK\n}\n").is_some());
        assert!(rs("async fn f(req: HttpRequest) -> HttpResponse {\n    let info = req.connection_info();\n    let ip = info.realip_remote_addr().unwrap_or(\"\");\n    if ip != \"127.0.0.1\" {\n        return HttpResponse::Forbidden().finish();\n    }\n    HttpResponse::Ok().finish()\n}\n").is_some());
        assert_eq!(rs("async fn f(user: AuthUser) -> StatusCode {\n    if !user.is_admin {\n        return StatusCode::FORBIDDEN;\n    }\n    StatusCode::OK\n}\n"), None);
    }
}
