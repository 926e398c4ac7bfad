//! Hook installers and app factories: project functions that install a before-request hook or
//! an HTTP middleware on the app they are handed (`def add_auth(app): @app.middleware("http")
//! …`), and functions that return the app they build (`def create_app(): app = FastAPI(); …;
//! return app`).
//!
//! Per file, a hook written on a parameter names its function and parameter ([`parameter_of`]),
//! and the calls that hand a name to a function are kept with the calls each such name was
//! assigned from ([`AppCalls`]). When linking, a call whose callee installs hooks attaches them
//! to the container its argument holds: a container of the calling file, an imported one, or
//! the one a factory returns (see `Linker::attach_installed_hooks`).

use super::registrars::{Argument, HelperCall, Parameter};
use crate::parse::ParsedFile;
use crate::syntax::{named_children, FieldChild};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tree_sitter::Node;

/// The function, a top-level one of its file, whose parameter a hook is written on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    pub function: String,
    pub parameter: Parameter,
}

/// Where a hook on `object` (as written at `node`) is installed, when the object is a parameter
/// of a function around it: `Some(None)` when that function is not a top-level one (a method,
/// a nested function), whose callers are not followed.
pub fn parameter_of(file: &ParsedFile, node: Node, object: &str) -> Option<Option<Installed>> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "function_definition" {
            let parameters = crate::taint::parameter_names(file, ancestor);
            let index = parameters.iter().position(|p| p == object)?;
            let top_level = top_level(file, ancestor);
            let name = ancestor.field_child("name").map(|n| file.text(n));
            return Some(name.filter(|_| top_level).map(|name| Installed {
                function: name.to_string(),
                parameter: Parameter {
                    index,
                    name: object.to_string(),
                },
            }));
        }
        current = ancestor.parent();
    }
    None
}

/// Whether `function` is defined at module level, decorated or not.
fn top_level(file: &ParsedFile, function: Node) -> bool {
    file.parent(function).is_some_and(|parent| {
        parent.kind() == "module"
            || (parent.kind() == "decorated_definition"
                && file.parent(parent).is_some_and(|p| p.kind() == "module"))
    })
}

/// The calls of a file that may hand an app to an installer, and what their arguments were
/// assigned from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCalls {
    /// Statement calls of a function by name (`add_auth(app)`) with a name among their
    /// arguments.
    pub calls: Vec<HelperCall>,
    /// Names assigned the result of a call (`app = create_app()`): (name, callee as written).
    pub results: Vec<(String, String)>,
}

impl AppCalls {
    /// The callee whose result `name` was assigned, if it was.
    pub fn result_of(&self, name: &str) -> Option<&str> {
        self.results
            .iter()
            .find(|(bound, _)| bound == name)
            .map(|(_, callee)| callee.as_str())
    }
}

/// The file's statement calls of a function it defines or imports, by an identifier or a dotted
/// name, with an argument that is imported or assigned from a call; and those assignments.
pub fn app_calls(file: &ParsedFile) -> AppCalls {
    let mut calls = Vec::new();
    let mut results = Vec::new();
    let mut defined = HashSet::new();
    for &node in file.statement_level() {
        match node.kind() {
            "call" => calls.extend(named_call(file, node)),
            "function_definition" if top_level(file, node) => {
                defined.extend(node.field_child("name").map(|n| file.text(n)));
            }
            "assignment" => {
                let (Some(left), Some(right)) =
                    (node.field_child("left"), node.field_child("right"))
                else {
                    continue;
                };
                let callee = right
                    .field_child("function")
                    .filter(|_| left.kind() == "identifier" && right.kind() == "call")
                    .filter(|f| matches!(f.kind(), "identifier" | "attribute"));
                if let Some(callee) = callee {
                    results.push((file.text(left).to_string(), file.text(callee).to_string()));
                }
            }
            _ => {}
        }
    }
    let imported: HashSet<&str> = file
        .symbols()
        .imports
        .iter()
        .map(|(local, _)| local.as_str())
        .collect();
    let known = |name: &str| imported.contains(name) || results.iter().any(|(r, _)| r == name);
    calls.retain(|call: &HelperCall| {
        let head = call.callee.split('.').next().unwrap_or_default();
        (defined.contains(head) || imported.contains(head)) && call.names().any(&known)
    });
    let passed: HashSet<&str> = calls.iter().flat_map(HelperCall::names).collect();
    results.retain(|(name, _)| passed.contains(name.as_str()));
    AppCalls { calls, results }
}

/// `add_auth(app)`, `setup.install(app, strict=True)`: the call with its name arguments.
fn named_call(file: &ParsedFile, call: Node) -> Option<HelperCall> {
    let call = HelperCall::of(file, call, |value| match value.kind() {
        "identifier" => Argument::Name(file.text(value).to_string()),
        _ => Argument::Other,
    })?;
    let any_name = call.names().next().is_some();
    any_name.then_some(call)
}

/// The name every `return` of `function` (not of a function nested in it) returns, when they
/// all return the same one (`return app`): what a factory hands its caller.
pub fn returned_name(file: &ParsedFile, function: Node) -> Option<String> {
    let body = function.field_child("body")?;
    let mut returned = None;
    for statement in file.of_kinds_within(&["return_statement"], body) {
        if !belongs_to(statement, function) {
            continue;
        }
        let value = named_children(statement).into_iter().next()?;
        let name = (value.kind() == "identifier").then(|| file.text(value))?;
        if returned.is_some_and(|r| r != name) {
            return None;
        }
        returned = Some(name);
    }
    returned.map(str::to_string)
}

/// Whether `node` belongs to `function` itself, not to a function or lambda nested in it.
pub(super) fn belongs_to(node: Node, function: Node) -> bool {
    crate::syntax::ancestor_of_kind(node, &["function_definition", "lambda"])
        .is_some_and(|owner| owner.id() == function.id())
}
