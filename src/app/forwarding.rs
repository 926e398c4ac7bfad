//! How an HTTP middleware hands requests on: one that forwards a request to the application
//! (`call_next(request)`, `self.app(scope, receive, send)`, `self.get_response(request)`) and
//! returns, before its refusal, when the credential is missing (`if not tokens: await
//! self.app(…); return`) or when the path is not one of its areas (`if not
//! _is_metrics_route(scope): …`) checks only some callers or some routes: it guards none of the
//! app's routes as a whole. Forwarding a public path (`if is_unprotected_route(path): return
//! await call_next(request)`) or another protocol (`scope["type"] != "http"`) leaves the rest
//! guarded.

use super::guards::names_the_caller;
use crate::parse::ParsedFile;
use crate::syntax::{named_children, or_operands, FieldChild};
use tree_sitter::Node;

/// Calls that hand the request on to the application.
const FORWARDS: &[&str] = &["call_next", "self.app", "self.get_response", "get_response"];
/// Words of a test that selects routes by their path.
const ROUTE_WORDS: &[&str] = &["path", "route", "url", "endpoint"];

/// The condition under which `function` forwards a request unchecked, as written, if it does
/// (see the module documentation).
pub fn passes_unchecked(file: &ParsedFile, function: Node) -> Option<String> {
    let body = function.field_child("body")?;
    let text = file.text(body);
    if !FORWARDS.iter().any(|forward| text.contains(forward)) {
        return None;
    }
    file.of_kinds_within(&["if_statement"], body)
        .into_iter()
        .filter(|statement| super::installers::belongs_to(*statement, function))
        .find_map(|statement| {
            let condition = statement.field_child("condition")?;
            let consequence = statement.field_child("consequence")?;
            if !forwards_and_returns(file, consequence) {
                return None;
            }
            or_operands(condition)
                .into_iter()
                .any(|test| unchecked_by(file, test, body))
                .then(|| file.text(condition).to_string())
        })
}

/// Whether a block hands the request on and then leaves: its last statement returns, and it
/// (or that `return`) calls a forward.
fn forwards_and_returns(file: &ParsedFile, block: Node) -> bool {
    let statements = named_children(block);
    let Some(last) = statements.last() else {
        return false;
    };
    if last.kind() != "return_statement" {
        return false;
    }
    statements.iter().any(|statement| {
        let text = file.text(*statement);
        FORWARDS
            .iter()
            .any(|forward| text.contains(&format!("{forward}(")))
    })
}

/// Whether requests pass unchecked when `test` holds: it tests that a credential is missing
/// (`not token`, `key is None`, a name read from the headers or cookies), or that the path is
/// not in some area (`not is_metrics_route(scope)`, `not path.startswith("/admin")`, `path !=
/// "/metrics"`).
fn unchecked_by(file: &ParsedFile, test: Node, body: Node) -> bool {
    let text = file.text(test);
    let negated = test.kind() == "not_operator"
        || text.contains("!=")
        || text.contains(" is None")
        || text.contains(" not in ");
    if !negated {
        return false;
    }
    let lowered = text.to_ascii_lowercase();
    if ROUTE_WORDS.iter().any(|word| lowered.contains(word)) {
        return true;
    }
    if names_the_caller(text) {
        return true;
    }
    // `not tokens`, where `tokens = Headers(scope=scope).getlist("x-internal")`.
    let names: Vec<&str> = crate::syntax::descendants(test)
        .filter(|n| n.kind() == "identifier")
        .map(|n| file.text(n))
        .collect();
    file.of_kinds_within(&["assignment"], body)
        .into_iter()
        .filter(|assignment| {
            assignment
                .field_child("left")
                .is_some_and(|left| names.contains(&file.text(left)))
        })
        .filter_map(|assignment| assignment.field_child("right"))
        .any(|value| {
            let value = file.text(value).to_ascii_lowercase();
            value.contains("headers") || value.contains("cookies") || names_the_caller(&value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Language;

    fn unchecked(text: &str) -> Option<String> {
        crate::parse::with_first_function("a.py", Language::Python, text, passes_unchecked)
    }

    #[test]
    fn forwarding_without_the_credential_or_outside_an_area_is_unchecked() {
        let optional = "async def __call__(self, scope, receive, send):\n    tokens = Headers(scope=scope).getlist(\"x-key\")\n    if not tokens:\n        await self.app(scope, receive, send)\n        return\n    if tokens[0] not in KEYS:\n        return await deny(scope, receive, send)\n    await self.app(scope, receive, send)\n";
        assert_eq!(unchecked(optional).as_deref(), Some("not tokens"));
        let scoped = "async def check(request, call_next):\n    if scope[\"type\"] != \"http\" or not is_metrics_route(request):\n        return await call_next(request)\n    return JSONResponse({}, status_code=401)\n";
        assert!(unchecked(scoped).is_some());
    }

    #[test]
    fn forwarding_public_paths_or_other_protocols_is_not() {
        let public = "async def check(request, call_next):\n    if is_unprotected_route(request.url.path):\n        return await call_next(request)\n    validator = find_validator(request.url.path)\n    if validator is None:\n        return await call_next(request)\n    return JSONResponse({}, status_code=401)\n";
        assert_eq!(unchecked(public), None);
        let protocol = "async def __call__(self, scope, receive, send):\n    if scope[\"type\"] != \"http\":\n        await self.app(scope, receive, send)\n        return\n    await deny(scope, receive, send)\n";
        assert_eq!(unchecked(protocol), None);
        // Forwarding that does not return first is the middleware's normal end.
        let last = "async def check(request, call_next):\n    if not request.headers.get(\"x-key\"):\n        log(request)\n    return await call_next(request)\n";
        assert_eq!(unchecked(last), None);
    }
}
