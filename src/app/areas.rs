//! Areas of a site that a middleware's refusal is limited to: the path prefixes and URL
//! namespaces its conditions name (`if request.path.startswith("/partners/") and not
//! request.user.is_authenticated: return HttpResponseForbidden()`, `if "orga" in
//! resolve(request.path_info).namespaces: …`). A refusal under such a condition guards the routes
//! of those areas only, never the whole site; a route is matched to an area by its full path and
//! by the namespaces of the `include()`s it is mounted through.

use super::guards::{names_the_caller, Names};
use crate::parse::ParsedFile;
use crate::syntax::{ancestors_from, named_children, FieldChild};
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

/// A part of the site a condition selects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Area {
    /// Request paths starting with this (`/orga`).
    Prefix(String),
    /// Routes mounted under this URL namespace (`include(…, namespace="orga")`, `app_name`).
    Namespace(String),
}

impl Area {
    fn covers(&self, path: &str, namespaces: &[String]) -> bool {
        match self {
            Area::Prefix(prefix) => {
                let path = format!("/{}", path.trim_start_matches('/'));
                let prefix = format!("/{}", prefix.trim_start_matches('/'));
                path.starts_with(&prefix)
            }
            Area::Namespace(name) => namespaces.iter().any(|n| n == name),
        }
    }

    fn shown(&self) -> String {
        match self {
            Area::Prefix(prefix) => format!("paths under `{prefix}`"),
            Area::Namespace(name) => format!("URL namespace `{name}`"),
        }
    }
}

/// The areas a branch is taken for, as alternatives of conjunctions (`"orga" in ns or
/// ("plugins" in ns and path.startswith("/orga"))`); empty when no alternative can be named.
pub type Areas = Vec<Vec<Area>>;

/// What `areas` say about a route at `path` mounted through `namespaces`: the alternative that
/// covers it, as shown in `routes`.
pub fn covering(areas: &Areas, path: &str, namespaces: &[String]) -> Option<String> {
    areas
        .iter()
        .find(|all| all.iter().all(|area| area.covers(path, namespaces)))
        .map(|all| {
            let shown: Vec<String> = all.iter().map(Area::shown).collect();
            shown.join(" and ")
        })
}

/// A refusal, or calls that may refuse, that run only for some areas of the site.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopedGuard {
    pub areas: Areas,
    /// A refusal written in the branch (`return HttpResponseForbidden()`), when its own
    /// condition tests the caller.
    pub refusal: Option<String>,
    /// What the branch calls, as written: judged by their code when linking.
    pub calls: Names,
}

/// One test of a condition, read for what it selects.
#[derive(Clone, Debug)]
enum Atom {
    Area(Area),
    /// An exception to an area (`not request.path.startswith("/login")`): it narrows a
    /// refusal that applies elsewhere, so it is read as always true.
    Exempt,
    /// A test of the caller (`request.user.is_anonymous`).
    Caller,
    /// Anything else (`request.method == "DELETE"`): the branch may not be taken.
    Other,
}

/// Most alternatives a condition is expanded into.
const MAX_ALTERNATIVES: usize = 16;

/// Whether some text of `function`'s body could name an area (a cheap test before reading).
pub fn may_name_areas(file: &ParsedFile, body: Node) -> bool {
    let text = file.text(body);
    text.contains("startswith") || text.contains("namespace") || text.contains("app_name")
}

/// The areas `node` (inside `body`) runs for, when a condition above it names one: `None` when
/// none does (the node runs for every route as far as areas go), `Some` of the alternatives
/// otherwise, empty when they cannot be named (an unknown test beside the area).
pub fn scope_of(file: &ParsedFile, node: Node, body: Node) -> Option<Areas> {
    let chain = ancestors_from(body, node);
    let mut alternatives: Vec<Vec<Atom>> = vec![Vec::new()];
    let mut named = false;
    let mut child = node;
    for parent in chain {
        if parent.id() == body.id() {
            break;
        }
        // The `else` or an `elif` of an area test runs outside the area: an exception, read
        // as always true; an `elif` adds its own condition.
        if matches!(parent.kind(), "if_statement" | "elif_clause") {
            let in_body = parent
                .field_child("consequence")
                .is_some_and(|c| c.id() == child.id());
            if let (true, Some(condition)) = (in_body, parent.field_child("condition")) {
                let read = disjunction(file, condition);
                named |= read.iter().flatten().any(|a| matches!(a, Atom::Area(_)));
                alternatives = conjoin(alternatives, read);
            }
        }
        child = parent;
    }
    if !named {
        return None;
    }
    Some(
        alternatives
            .into_iter()
            .filter(|all| !all.iter().any(|a| matches!(a, Atom::Other)))
            .map(|all| {
                all.into_iter()
                    .filter_map(|a| match a {
                        Atom::Area(area) => Some(area),
                        _ => None,
                    })
                    .collect::<Vec<Area>>()
            })
            .filter(|all| !all.is_empty())
            .collect(),
    )
}

fn conjoin(left: Vec<Vec<Atom>>, right: Vec<Vec<Atom>>) -> Vec<Vec<Atom>> {
    let mut out = Vec::new();
    for l in &left {
        for r in &right {
            if out.len() == MAX_ALTERNATIVES {
                return out;
            }
            let mut all = l.clone();
            all.extend(r.iter().cloned());
            out.push(all);
        }
    }
    out
}

/// `condition` as alternatives of conjunctions of atoms.
fn disjunction(file: &ParsedFile, condition: Node) -> Vec<Vec<Atom>> {
    crate::budget::deep(|| disjunction_unguarded(file, condition))
}

fn disjunction_unguarded(file: &ParsedFile, condition: Node) -> Vec<Vec<Atom>> {
    match condition.kind() {
        "parenthesized_expression" => match named_children(condition).first() {
            Some(inner) => disjunction(file, *inner),
            None => vec![vec![Atom::Other]],
        },
        "boolean_operator" => {
            let (Some(left), Some(right)) = (
                condition.field_child("left"),
                condition.field_child("right"),
            ) else {
                return vec![vec![Atom::Other]];
            };
            let operator = condition
                .field_child("operator")
                .map(|o| file.text(o))
                .unwrap_or("");
            let (left, right) = (disjunction(file, left), disjunction(file, right));
            if operator == "or" {
                let mut all = left;
                all.extend(right);
                all.truncate(MAX_ALTERNATIVES);
                all
            } else {
                conjoin(left, right)
            }
        }
        _ => vec![vec![atom(file, condition)]],
    }
}

/// What one test selects.
fn atom(file: &ParsedFile, test: Node) -> Atom {
    if test.kind() == "not_operator" {
        return match test.field_child("argument").map(|a| atom(file, a)) {
            Some(Atom::Area(_)) => Atom::Exempt,
            Some(Atom::Caller) => Atom::Caller,
            _ => Atom::Other,
        };
    }
    if let Some(area) = area(file, test) {
        return area;
    }
    if names_the_caller(file.text(test)) {
        Atom::Caller
    } else {
        Atom::Other
    }
}

/// An area test: `X.path.startswith("/p")` (a tuple of prefixes reads as the first… of each),
/// `"ns" in X.namespaces`, `X.namespace == "ns"`, `X.app_name == "ns"`, `X.namespaces[0] ==
/// "ns"`; their negations (`not in`, `!=`) are exceptions.
fn area(file: &ParsedFile, test: Node) -> Option<Atom> {
    match test.kind() {
        "call" => {
            let function = test.field_child("function")?;
            let object = function.field_child("object")?;
            let method = function.field_child("attribute")?;
            let subject = file.text(object);
            if file.text(method) != "startswith"
                || !(subject.ends_with(".path") || subject.ends_with(".path_info"))
            {
                return None;
            }
            let argument = named_children(test.field_child("arguments")?)
                .into_iter()
                .next()?;
            let prefix = literal(file, argument)?;
            Some(Atom::Area(Area::Prefix(prefix)))
        }
        "comparison_operator" => {
            let operands = named_children(test);
            let [left, right] = operands.as_slice() else {
                return None;
            };
            let operator: String = {
                let mut cursor = test.walk();
                test.children(&mut cursor)
                    .filter(|c| !c.is_named())
                    .map(|c| file.text(c))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let namespaced = |node: Node| {
                let text = file.text(node);
                text.ends_with(".namespaces")
                    || text.ends_with(".namespace")
                    || text.ends_with(".app_name")
                    || text.ends_with(".namespaces[0]")
                    || text.ends_with(".app_names")
            };
            let (value, subject) = match operator.as_str() {
                "in" | "not in" => (*left, *right),
                "==" | "!=" if namespaced(*left) => (*right, *left),
                "==" | "!=" => (*left, *right),
                _ => return None,
            };
            if !namespaced(subject) {
                // `request.path not in PUBLIC`: an exception; `request.path in (…)`: unknown.
                let is_path = |node: Node| {
                    let text = file.text(node);
                    text.ends_with(".path") || text.ends_with(".path_info")
                };
                if !(is_path(*left) || is_path(*right)) {
                    return None;
                }
                let exempt = matches!(operator.as_str(), "not in" | "!=");
                return Some(if exempt { Atom::Exempt } else { Atom::Other });
            }
            let name = literal(file, value)?;
            Some(match operator.as_str() {
                "not in" | "!=" => Atom::Exempt,
                _ => Atom::Area(Area::Namespace(name)),
            })
        }
        _ => None,
    }
}

/// The text of a plain string literal.
fn literal(file: &ParsedFile, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let parts: Vec<Node> = named_children(node)
        .into_iter()
        .filter(|c| c.kind() != "string_start" && c.kind() != "string_end")
        .collect();
    match parts.as_slice() {
        [content] if content.kind() == "string_content" => Some(file.text(*content).to_string()),
        _ => None,
    }
}

/// The refusals and calls of `function` that run only for some areas of the site.
pub fn scoped_guards(
    file: &ParsedFile,
    function: Node,
    refusal_of: &dyn Fn(Node) -> Option<String>,
) -> Vec<ScopedGuard> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    if !may_name_areas(file, body) {
        return Vec::new();
    }
    let mut out: Vec<ScopedGuard> = Vec::new();
    let mut add = |areas: Areas, refusal: Option<String>, call: Option<&str>| {
        if areas.is_empty() {
            return;
        }
        let at = match out.iter().position(|g| g.areas == areas) {
            Some(at) => at,
            None => {
                out.push(ScopedGuard {
                    areas,
                    ..ScopedGuard::default()
                });
                out.len() - 1
            }
        };
        let guard = &mut out[at];
        if guard.refusal.is_none() {
            guard.refusal = refusal;
        }
        if let Some(call) = call {
            if !guard.calls.iter().any(|c| c == call) {
                let mut all: Vec<&str> = guard.calls.iter().collect();
                all.push(call);
                guard.calls = Names::new(&all);
            }
        }
    };
    for node in file.of_kinds_within(&["raise_statement", "return_statement", "call"], body) {
        if let Some(refusal) = refusal_of(node) {
            if let Some(areas) = scope_of(file, node, body) {
                add(areas, Some(refusal), None);
            }
            continue;
        }
        if node.kind() == "call" {
            let Some(callee) = node.field_child("function") else {
                continue;
            };
            let text = file.text(callee);
            if !super::guards::is_name(text) {
                continue;
            }
            if let Some(areas) = scope_of(file, node, body) {
                add(areas, None, Some(text));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Language;

    fn scopes(code: &str) -> Vec<Option<Areas>> {
        crate::parse::with_first_function("m.py", Language::Python, code, |file, function| {
            let body = function.field_child("body").unwrap();
            file.of_kinds_within(&["return_statement"], body)
                .into_iter()
                .map(|r| scope_of(file, r, body))
                .collect()
        })
    }

    #[test]
    fn reads_prefixes_namespaces_and_exceptions() {
        let code = r#"
def __call__(self, request):
    match = resolve(request.path_info)
    if "orga" in match.namespaces or ("plugins" in match.namespaces and request.path.startswith("/orga")):
        return deny()
    if request.path.startswith("/shop/") and request.method == "POST":
        return deny()
    if not request.user.is_authenticated and not request.path.startswith("/login"):
        return deny()
    if request.path.startswith("/p/"):
        pass
    else:
        return deny()
    if request.user.is_anonymous and request.path not in PUBLIC_PATHS:
        return deny()
    return self.get_response(request)
"#;
        let found = scopes(code);
        assert_eq!(
            found[0],
            Some(vec![
                vec![Area::Namespace("orga".into())],
                vec![
                    Area::Namespace("plugins".into()),
                    Area::Prefix("/orga".into())
                ],
            ])
        );
        // an unknown test beside the area: no alternative can be named
        assert_eq!(found[1], Some(vec![]));
        // an exception only: the refusal applies everywhere else, as before
        assert_eq!(found[2], None);
        // the `else` of an area test: everywhere but the area
        assert_eq!(found[3], None);
        // a list of exceptions beside a test of the caller
        assert_eq!(found[4], None);
        assert_eq!(found[5], None);
    }

    #[test]
    fn covers_by_path_and_namespace() {
        let areas = vec![
            vec![Area::Namespace("orga".into())],
            vec![Area::Prefix("/partners/".into())],
        ];
        assert!(covering(&areas, "/orga/me", &["orga".into()]).is_some());
        assert!(covering(&areas, "partners/payouts/1/", &[]).is_some());
        assert!(covering(&areas, "/shop/carts/", &[]).is_none());
    }
}
