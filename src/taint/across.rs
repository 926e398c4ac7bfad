//! Taint across functions and files: a sink inside a function that one of the function's
//! parameters reaches is reported when a caller, anywhere in the project, passes request input
//! to that parameter.
//!
//! In the per-file stage, a `tainted` constraint that finds no source in the sink's function
//! traces the value back to the function's parameters instead ([`Tracer::from_parameters`](super::Tracer::from_parameters));
//! the match becomes a finding that waits for its callers ([`Finding::via_parameter`], cached
//! with the file). Once every file is checked, [`link`] reads the files that call such a
//! function (by name first, then by resolving each call with the caller's symbols), traces the
//! argument in the caller with the same rule's sources and sanitizers, and reports the finding
//! with the whole path: the caller's source, the call, the callee's steps to the sink. An
//! argument that is itself a parameter of the caller makes the caller wait for its own callers,
//! up to [`MAX_ROUNDS`] calls deep.

use super::Tracer;
use crate::budget;
use crate::check::flow_locations;
use crate::check::{check_file, Plan};
use crate::discover::{self, Candidate};
use crate::finding::{Finding, LinkCheck, Related};
use crate::matcher::{Condition, FileMatches, Lowering};
use crate::parse::{self, ParsedFile};
use crate::rules::{Confidence, RuleSet, TestCodePolicy};
use crate::source::{Language, SourceFile};
use crate::symbols::{same_module, Resolved};
use crate::syntax::{descendants, named_children, FieldChild};
use crate::testcode::TestCode;
use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tree_sitter::Node;
use xxhash_rust::xxh3::xxh3_64;

/// How many calls deep a parameter is followed to the callers that fill it.
const MAX_ROUNDS: usize = 3;

/// A function as its callers name it: its module (from the file's path) and its name in the
/// module (`payments.db` and `run_query` or `Ledger.post`; `crate::db` and `run` or
/// `Store::get`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FunctionId {
    pub module: String,
    pub name: String,
}

impl FunctionId {
    /// A word every file that can call the function contains: the class of a method (calls
    /// name it, or are made on `self` inside it, or on an object built or typed with it), else
    /// the function's name.
    fn gate(&self) -> &str {
        self.name.split(['.', ':']).next().unwrap_or(&self.name)
    }

    /// The name a call is written with: the last part (`post` of `Ledger.post`).
    fn short(&self) -> &str {
        self.name.rsplit(['.', ':']).next().unwrap_or(&self.name)
    }
}

/// A parameter of a function that reaches a sink inside it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ParamSink {
    pub function: FunctionId,
    /// By position, receivers (`self`, `&self`) not counted.
    pub index: usize,
    pub parameter: String,
    /// A flag parameter, off by default, that the sink runs only under (`if allow_html:
    /// message = Markup(message)` with `allow_html=False`), by position and name: a call that
    /// does not pass it does not reach the sink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_when: Option<(usize, String)>,
}

/// The flag parameter of `function` that `node` runs only under: the condition of an `if`
/// around it is the bare parameter, whose default is `False` or `None` (`def flash(message,
/// allow_html=False): if allow_html: …`). By position, receivers not counted, and name.
pub fn flag_around(file: &ParsedFile, function: Node, node: Node) -> Option<(usize, String)> {
    if file.language() != Language::Python {
        return None;
    }
    let parameters = crate::syntax::named_children(function.field_child("parameters")?);
    let off_by_default = |name: &str| {
        parameters.iter().any(|parameter| {
            parameter.kind().ends_with("default_parameter")
                && parameter
                    .field_child("name")
                    .is_some_and(|found| file.text(found) == name)
                && parameter
                    .field_child("value")
                    .is_some_and(|value| matches!(file.text(value), "False" | "None"))
        })
    };
    let names = super::parameter_names(file, function);
    file.ancestors(node)
        .take_while(|ancestor| ancestor.id() != function.id())
        .filter(|ancestor| ancestor.kind() == "if_statement")
        .filter(|statement| {
            statement
                .field_child("consequence")
                .is_some_and(|body| body.byte_range().contains(&node.start_byte()))
        })
        .filter_map(|statement| statement.field_child("condition"))
        .filter(|condition| condition.kind() == "identifier")
        .map(|condition| file.text(condition))
        .find(|flag| off_by_default(flag))
        .and_then(|flag| {
            let index = names.iter().position(|name| name == flag)?;
            Some((index, flag.to_string()))
        })
}

/// The function around `node` that callers outside it can name (module-level functions,
/// methods of module-level classes and impl blocks), with its identity.
pub fn function_at<'t>(file: &'t ParsedFile, node: Node<'t>) -> Option<(Node<'t>, FunctionId)> {
    match file.language() {
        Language::Python => python_function(file, node),
        Language::Rust => rust_function(file, node),
    }
}

fn python_function<'t>(file: &'t ParsedFile, node: Node<'t>) -> Option<(Node<'t>, FunctionId)> {
    let function = innermost(file, node, "function_definition")?;
    let name = file.text(function.field_child("name")?);
    let module = file.symbols().module.clone();
    let outer = undecorated_parent(file, function)?;
    let name = match outer.kind() {
        "module" => name.to_string(),
        "block" => {
            let class = file
                .parent(outer)
                .filter(|c| c.kind() == "class_definition")?;
            if undecorated_parent(file, class)?.kind() != "module" {
                return None;
            }
            format!("{}.{name}", file.text(class.field_child("name")?))
        }
        _ => return None,
    };
    Some((function, FunctionId { module, name }))
}

/// The parent of a definition, above its decorators.
fn undecorated_parent<'t>(file: &'t ParsedFile, definition: Node) -> Option<Node<'t>> {
    let parent = file.parent(definition)?;
    if parent.kind() == "decorated_definition" {
        file.parent(parent)
    } else {
        Some(parent)
    }
}

/// The nearest ancestor of `node` of `kind`.
fn innermost<'t>(file: &'t ParsedFile, node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    file.ancestors(node)
        .find(|ancestor| ancestor.kind() == kind)
}

fn rust_function<'t>(file: &'t ParsedFile, node: Node<'t>) -> Option<(Node<'t>, FunctionId)> {
    let function = innermost(file, node, "function_item")?;
    let name = file.text(function.field_child("name")?);
    let mut owner = None;
    let mut modules = Vec::new();
    for outer in file.ancestors(function) {
        match outer.kind() {
            "function_item" => return None,
            "impl_item" if owner.is_none() => {
                owner = Some(type_name(file.text(outer.field_child("type")?)));
            }
            "mod_item" => modules.push(file.text(outer.field_child("name")?)),
            _ => {}
        }
    }
    let mut module = file.symbols().module.clone();
    for inner in modules.iter().rev() {
        module.push_str("::");
        module.push_str(inner);
    }
    let name = match owner {
        Some(owner) => format!("{owner}::{name}"),
        None => name.to_string(),
    };
    Some((function, FunctionId { module, name }))
}

/// `Store` of `crate::store::Store<T>`.
fn type_name(written: &str) -> String {
    let bare = written.split('<').next().unwrap_or(written).trim();
    bare.rsplit("::").next().unwrap_or(bare).to_string()
}

/// What a call may refer to.
struct Callee<'t> {
    /// Functions the call resolves to.
    functions: Vec<FunctionId>,
    /// Positional arguments in order, and keyword arguments by name.
    positional: Vec<Node<'t>>,
    keywords: Vec<(String, Node<'t>)>,
}

impl<'t> Callee<'t> {
    /// The argument the call passes for the sink's parameter, when the call reaches the sink.
    fn argument(&self, sink: &ParamSink) -> Option<Node<'t>> {
        if let Some((index, name)) = &sink.only_when {
            self.passed(*index, name)?;
        }
        self.passed(sink.index, &sink.parameter)
    }

    fn passed(&self, index: usize, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(keyword, _)| keyword == name)
            .map(|(_, value)| *value)
            .or_else(|| self.positional.get(index).copied())
    }
}

/// The functions of the project a method call runs, as far as the file knows its receiver
/// (`self`, a local, parameter or field whose class it knows): `None` when this file defines
/// one of them, else the qualified names of those another file may define (none: a method of
/// an object of unknown type, or of a class that is not the project's).
pub(crate) fn project_functions(file: &ParsedFile, call: Node) -> Option<Vec<String>> {
    let Some(callee) = callee(file, call) else {
        return Some(Vec::new());
    };
    let separator = match file.language() {
        Language::Python => ".",
        Language::Rust => "::",
    };
    let here = &file.symbols().module;
    let mut elsewhere = Vec::new();
    for function in &callee.functions {
        if &function.module == here && super::callees::defined(file, &function.name).is_some() {
            return None;
        }
        if &function.module != here {
            elsewhere.push(format!("{}{separator}{}", function.module, function.name));
        }
    }
    Some(elsewhere)
}

fn callee<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Callee<'t>> {
    let function = call.field_child("function")?;
    let (separator, receiver_kind) = match file.language() {
        Language::Python => (".", "attribute"),
        Language::Rust => ("::", "field_expression"),
    };
    let mut callee = Callee {
        functions: Vec::new(),
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    let arguments = call.field_child("arguments");
    // `f(x for x in xs)`: the generator is the one argument.
    let listed = match arguments {
        Some(generator) if generator.kind() == "generator_expression" => vec![generator],
        Some(arguments) => named_children(arguments),
        None => Vec::new(),
    };
    for argument in listed {
        match argument.kind() {
            "keyword_argument" => {
                if let (Some(name), Some(value)) =
                    (argument.field_child("name"), argument.field_child("value"))
                {
                    callee.keywords.push((file.text(name).to_string(), value));
                }
            }
            "list_splat" | "dictionary_splat" | "comment" => {}
            _ => callee.positional.push(argument),
        }
    }
    if function.kind() == receiver_kind {
        let (object, method) = match file.language() {
            Language::Python => ("object", "attribute"),
            Language::Rust => ("value", "field"),
        };
        let receiver = file.text(function.field_child(object)?);
        let method = file.text(function.field_child(method)?);
        if matches!(receiver, "self" | "cls") {
            let (_, caller) = function_at(file, call)?;
            let (owner, _) = caller.name.rsplit_once(separator)?;
            callee.functions.push(FunctionId {
                module: caller.module,
                name: format!("{owner}{separator}{method}"),
            });
            return Some(callee);
        }
        // `Reports(pool).execute(…)`, `Store::new(pool).get(…)`: a method of the class built.
        let built = function
            .field_child(object)
            .filter(|receiver| matches!(receiver.kind(), "call" | "call_expression"))
            .and_then(|receiver| receiver.field_child("function"))
            .and_then(|constructor| resolved(file, file.text(constructor)))
            .and_then(|qualified| match file.language() {
                Language::Python => Some(qualified),
                Language::Rust => Some(qualified.rsplit_once("::")?.0.to_string()),
            })
            .and_then(|class| capitalised(class, separator));
        // `printer = Printer()` earlier in the function: a method of that class.
        if let Some(class) = built.or_else(|| constructed_class(file, function, receiver)) {
            if let Some((module, owner)) = class.rsplit_once(separator) {
                callee.functions.push(FunctionId {
                    module: module.to_string(),
                    name: format!("{owner}{separator}{method}"),
                });
                return Some(callee);
            }
        }
        // `st.runner.run(…)`, `self.fetcher.fetch(…)`: a method of a field's declared class.
        if let Some(class) = field_class(file, function, receiver, separator) {
            if let Some((module, owner)) = class.rsplit_once(separator) {
                callee.functions.push(FunctionId {
                    module: module.to_string(),
                    name: format!("{owner}{separator}{method}"),
                });
                return Some(callee);
            }
        }
        // A method of an object whose type is not known here: no call to resolve.
        if file.language() == Language::Rust {
            return Some(callee);
        }
    }
    let written = match function.kind() {
        "generic_function" => file.text(function.field_child("function")?),
        _ => file.text(function),
    };
    match file.symbols().resolve(file.language(), written) {
        Resolved::Qualified(name) => {
            // `ledger.post` with `ledger = Ledger(…)` resolves to `….Ledger().post`.
            let name = name.replace("()", "");
            let Some((module, last)) = name.rsplit_once(separator) else {
                return Some(callee);
            };
            callee.functions.push(FunctionId {
                module: module.to_string(),
                name: last.to_string(),
            });
            // `Ledger.post(…)`, `Store::get(…)`: a method named through its type.
            if let Some((outer, owner)) = module.rsplit_once(separator) {
                callee.functions.push(FunctionId {
                    module: outer.to_string(),
                    name: format!("{owner}{separator}{last}"),
                });
            }
        }
        Resolved::Unresolved(_) => {}
    }
    Some(callee)
}

/// The class a local variable holds: built with a constructor earlier in the function
/// (`printer = Printer()`, `let store = Store::new(pool);`) or declared by the parameter's type
/// (`ledger: Ledger`, `State(store): State<Store>`), by qualified name.
pub(crate) fn constructed_class(file: &ParsedFile, at: Node, receiver: &str) -> Option<String> {
    let bindings = match file.language() {
        Language::Python => super::python::bindings(file, at, receiver),
        Language::Rust => super::rust::bindings(file, at, receiver),
    };
    let separator = match file.language() {
        Language::Python => ".",
        Language::Rust => "::",
    };
    let class = match bindings.first() {
        Some(binding) => {
            let value = binding.value;
            let value = match value.kind() {
                "await" | "await_expression" | "try_expression" => value.named_child(0)?,
                _ => value,
            };
            let function = value.field_child("function")?;
            let qualified = resolved(file, file.text(function))?;
            match file.language() {
                Language::Python => qualified,
                // `Store::new`: the type is the path without its constructor.
                Language::Rust => qualified.rsplit_once("::")?.0.to_string(),
            }
        }
        None => resolved(file, &innermost_type(parameter_type(file, at, receiver)?))?,
    };
    capitalised(class, separator)
}

/// The class of a field of an object whose class is known, when this file declares the
/// field: `st.runner` with `State(st): State<AppState>` and `struct AppState { runner: Runner }`,
/// `self.fetcher` with `self.fetcher = Fetcher(…)` in the class, by qualified name.
fn field_class(file: &ParsedFile, at: Node, receiver: &str, separator: &str) -> Option<String> {
    let (base, field) = receiver.rsplit_once('.')?;
    if !field.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let owner = if base == "self" {
        let (_, caller) = function_at(file, at)?;
        let (owner, _) = caller.name.rsplit_once(separator)?;
        owner.rsplit(separator).next()?.to_string()
    } else {
        let class = constructed_class(file, at, base)?;
        class.rsplit(separator).next()?.to_string()
    };
    let written = match file.language() {
        Language::Rust => rust_field_type(file, &owner, field)?,
        Language::Python => python_field_class(file, &owner, field)?,
    };
    capitalised(resolved(file, &innermost_type(written))?, separator)
}

/// The qualified name when its last part is capitalised, as a class's is.
fn capitalised(class: String, separator: &str) -> Option<String> {
    let last = class.rsplit(separator).next()?;
    last.starts_with(|c: char| c.is_ascii_uppercase())
        .then_some(class)
}

/// The struct item named `name` this file declares.
fn rust_struct<'t>(file: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    file.of_kinds(&["struct_item"]).into_iter().find(|item| {
        item.field_child("name")
            .is_some_and(|written| file.text(written) == name)
    })
}

/// The written type of the field `field` of the struct `owner` this file declares.
fn rust_field_type<'f>(file: &ParsedFile<'f>, owner: &str, field: &str) -> Option<&'f str> {
    let body = rust_struct(file, owner)?.field_child("body")?;
    named_children(body)
        .into_iter()
        .filter(|declaration| declaration.kind() == "field_declaration")
        .find(|declaration| {
            declaration
                .field_child("name")
                .is_some_and(|name| file.text(name) == field)
        })
        .and_then(|declaration| declaration.field_child("type"))
        .map(|written| file.text(written))
}

/// The class the Python class `owner` of this file gives its attribute `field`: a class-level
/// annotation (`fetcher: Fetcher`) or a constructor assigned in a method
/// (`self.fetcher = Fetcher(…)`).
fn python_field_class<'f>(file: &ParsedFile<'f>, owner: &str, field: &str) -> Option<&'f str> {
    let class = file
        .of_kinds(&["class_definition"])
        .into_iter()
        .find(|class| {
            class
                .field_child("name")
                .is_some_and(|name| file.text(name) == owner)
        })?;
    let attribute = format!("self.{field}");
    file.of_kinds_within(&["assignment"], class.field_child("body")?)
        .into_iter()
        .find_map(|assignment| {
            let left = file.text(assignment.field_child("left")?);
            if let Some(annotation) = assignment.field_child("type") {
                return (left == field || left == attribute).then(|| file.text(annotation));
            }
            let right = assignment.field_child("right")?;
            (left == attribute && right.kind() == "call")
                .then(|| right.field_child("function"))
                .flatten()
                .map(|constructor| file.text(constructor))
        })
}

fn resolved(file: &ParsedFile, written: &str) -> Option<String> {
    file.symbols().resolve(file.language(), written).qualified()
}

/// The type annotation of the parameter `name` of the function around `at`.
pub(crate) fn parameter_type<'f>(file: &ParsedFile<'f>, at: Node, name: &str) -> Option<&'f str> {
    let kinds = ["function_definition", "function_item"];
    let function = file
        .ancestors(at)
        .find(|node| kinds.contains(&node.kind()))?;
    let parameters = function.field_child("parameters")?;
    named_children(parameters)
        .into_iter()
        .find_map(|parameter| {
            let pattern = match file.language() {
                Language::Python => parameter.named_child(0)?,
                Language::Rust => parameter.field_child("pattern")?,
            };
            let binds = std::iter::once(pattern)
                .chain(descendants(pattern))
                .any(|n| n.kind() == "identifier" && file.text(n) == name);
            binds
                .then(|| parameter.field_child("type"))
                .flatten()
                .map(|annotation| file.text(annotation))
        })
}

/// The type a wrapper holds: `Store` of `State<Arc<Store>>`, `&Store` or `Optional[Store]`.
fn innermost_type(annotation: &str) -> String {
    let mut inner = annotation.trim();
    while let Some(open) = inner.find(['[', '<']) {
        inner = &inner[open + 1..];
    }
    let first = inner
        .split([',', ']', '>', '|', ' '])
        .find(|part| !part.is_empty() && !matches!(*part, "&" | "mut" | "dyn"))
        .unwrap_or_default();
    first.trim_start_matches('&').to_string()
}

/// What a file's calls are, hashed: the names they are written with (the last part: `post` of
/// `ledger.post(…)`) and the functions they resolve to (`Ledger.post`, see [`callee`]), once
/// with each part of the function's module (`payments`, `db` of `payments.db`). Recorded when
/// the file is checked (and cached with it), so that the cross-file stages read and parse again
/// only the files with a call that can reach a function they look for. Kept for every file until
/// the link: 32-bit hashes, whose rare collisions only make a file read again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallNames {
    written: Vec<u32>,
    /// Per function a call resolves to, a hash of each part of its module with its name. None
    /// when resolving the calls ran out of time: they may resolve to anything.
    resolved: Option<Vec<u32>>,
}

impl CallNames {
    /// The names of every call in the file. Resolving a call may walk its function, so it is
    /// bounded by `timeout` like a rule.
    pub fn of(file: &ParsedFile, timeout: Option<Duration>) -> CallNames {
        let calls = file.of_kinds(&[call_kind(file.language())]);
        let sorted = |mut hashes: Vec<u32>| {
            hashes.sort_unstable();
            hashes.dedup();
            hashes.shrink_to_fit();
            hashes
        };
        let mut written: Vec<u32> = calls
            .iter()
            .map(|&call| hash(call_name(file, call)))
            .collect();
        let resolved = budget::bounded(timeout, || {
            let callees = calls.iter().filter_map(|&call| callee(file, call));
            let functions: Vec<FunctionId> = callees.flat_map(|callee| callee.functions).collect();
            // A call written with an alias (`fu` of `from db import find_user as fu`) is also
            // a call written with the function's own name.
            let names = functions.iter().map(|id| hash(id.short())).collect();
            let parts = functions
                .iter()
                .flat_map(|id| {
                    module_parts(&id.module)
                        .map(|part| in_module(part, &id.name))
                        .collect::<Vec<_>>()
                })
                .collect();
            (names, parts)
        });
        let resolved = resolved.ok().map(|(names, parts): (Vec<u32>, _)| {
            written.extend(names);
            sorted(parts)
        });
        CallNames {
            written: sorted(written),
            resolved,
        }
    }

    /// Whether a call is written with `name` (or, rarely, a name of the same hash).
    fn may_contain(&self, name: &str) -> bool {
        self.written.binary_search(&hash(name)).is_ok()
    }

    /// Whether a call may resolve to the function `name` (`Ledger.post`) of `module`, as
    /// [`same_module`] compares modules: then the last part of `module`, or of the package
    /// above it (which may re-export its names: `from .queries import *`), is a part of the
    /// module the call resolves to.
    fn may_resolve_to(&self, module: &str, name: &str) -> bool {
        let mut parts = module.rsplit(['.', ':']).filter(|part| !part.is_empty());
        let (last, package) = (parts.next().unwrap_or(module), parts.next());
        self.resolved.as_ref().is_none_or(|hashes| {
            [Some(last), package, Some(ANY_MODULE)]
                .into_iter()
                .flatten()
                .any(|part| hashes.binary_search(&in_module(part, name)).is_ok())
        })
    }
}

fn hash(name: &str) -> u32 {
    xxh3_64(name.as_bytes()) as u32
}

/// The hash of a function's name with one part of its module.
fn in_module(part: &str, name: &str) -> u32 {
    hash(&format!("{part}\0{name}"))
}

/// The parts of a module a call resolves to; for a Rust module under `crate`, which the link
/// names by the crate's package, also [`ANY_MODULE`].
fn module_parts(module: &str) -> impl Iterator<Item = &str> {
    let under_crate = module.split("::").next() == Some("crate");
    module
        .split(['.', ':'])
        .chain(under_crate.then_some(ANY_MODULE))
}

/// The module part that stands for any module.
const ANY_MODULE: &str = "\0";

/// The kind of a call node.
fn call_kind(language: Language) -> &'static str {
    match language {
        Language::Python => "call",
        Language::Rust => "call_expression",
    }
}

/// The name a call is written with: `post` of `ledger.post(…)`, `get` of `Store::<T>::get(…)`.
fn call_name<'f>(file: &ParsedFile<'f>, call: Node) -> &'f str {
    let written = call
        .field_child("function")
        .map(|function| file.text(function))
        .unwrap_or_default();
    let last = written.split('<').next().unwrap_or(written);
    last.rsplit(['.', ':']).next().unwrap_or(last)
}

/// The functions of one file whose return value is request input: wrappers of the request
/// object (`def arg(request, name): return request.GET[name]`, a class whose `get_param`
/// reads `self.request.GET`). Callers in other files see them as sources once the project is
/// linked ([`RequestReturns`]).
pub fn returning_request(file: &ParsedFile) -> Vec<FunctionId> {
    let text = &file.source.text;
    if !text.contains("request") {
        return Vec::new();
    }
    let tracer = Tracer::new(file, file.model(), &|_| None, true);
    file.of_kinds(&["function_definition"])
        .into_iter()
        .filter(|function| text[function.byte_range()].contains("request"))
        .filter_map(|function| {
            let body = function.field_child("body")?;
            let (_, id) = function_at(file, body)?;
            // Request input as such, not a response or object built from it by a call.
            super::python::returned_values(function)
                .into_iter()
                .any(|value| {
                    tracer
                        .trace(value)
                        .is_some_and(|flow| !flow.through_unknown_call)
                })
                .then_some(id)
        })
        .collect()
}

/// The module-level functions of one Python file (not handlers) that return an object they
/// construct (not a response), with the object's qualified class followed by `()`: `return ldap3.Connection(…)`, or a local assigned from such
/// a call and returned. Callers in other files then resolve the variable they assign the
/// result to (`conn = get_connection()`) to that class ([`RequestReturns::object_at`]).
pub fn returning_object(file: &ParsedFile) -> Vec<(FunctionId, String)> {
    if file.language() != Language::Python || !file.source.text.contains("return") {
        return Vec::new();
    }
    let model = file.model();
    file.of_kinds(&["function_definition"])
        .into_iter()
        .filter(|function| model.handler_at(function.start_byte()).is_none())
        .filter_map(|function| {
            let body = function.field_child("body")?;
            let (_, id) = function_at(file, body)?;
            // Module-level helpers (`get_connection()`), not methods; and not views' responses.
            if id.name.contains('.') {
                return None;
            }
            let class = super::python::returned_values(function)
                .into_iter()
                .find_map(|value| constructed(file, value))
                .filter(|class| !class.to_ascii_lowercase().contains("response"))?;
            Some((id, class))
        })
        .collect()
}

/// The class, followed by `()`, of the object `value` holds when it is a constructor call of a
/// qualified class (its last part capitalised), directly or through the variable's latest
/// binding.
pub fn constructed(file: &ParsedFile, value: Node) -> Option<String> {
    let call = match value.kind() {
        "call" => value,
        "identifier" => {
            let binding = super::python::bindings(file, value, file.text(value))
                .into_iter()
                .next()?;
            (binding.value.kind() == "call").then_some(binding.value)?
        }
        _ => return None,
    };
    let function = call.field_child("function")?;
    let class = file
        .symbols()
        .resolve(Language::Python, file.text(function))
        .qualified()?;
    capitalised(class, ".").map(|class| format!("{class}()"))
}

/// The project's functions that return request input, and those that return an object they
/// construct, as callers see them.
#[derive(Debug, Default)]
pub struct RequestReturns {
    /// With the display path of the file that defines each.
    functions: Vec<(FunctionId, String)>,
    /// With the qualified class of the object each returns.
    objects: Vec<(FunctionId, String)>,
    /// Functions that load a row by one parameter alone (`idor-unscoped-lookup`).
    lookups: Vec<crate::detectors::LookupSummary>,
    /// The OpenAPI operations bound to functions of each file (by display path): those
    /// functions are connexion handlers.
    operations: std::collections::HashMap<String, Vec<crate::app::connexion::Binding>>,
    /// Properties of the project's request classes that return client input
    /// ([`super::request_class`]).
    properties: BTreeSet<String>,
}

impl RequestReturns {
    /// What the scan's files say: (display path, their request-returning functions), and the
    /// functions that return constructed objects.
    pub fn new(functions: Vec<(FunctionId, String)>, objects: Vec<(FunctionId, String)>) -> Self {
        RequestReturns {
            functions,
            objects,
            lookups: Vec::new(),
            operations: std::collections::HashMap::new(),
            properties: BTreeSet::new(),
        }
    }

    /// With the properties of the project's request classes that return client input.
    pub fn with_properties(mut self, properties: BTreeSet<String>) -> Self {
        self.properties = properties;
        self
    }

    /// Whether `request.<attribute>` is a property of the project's request class that
    /// returns client input.
    pub fn is_request_property(&self, attribute: &str) -> bool {
        self.properties.contains(attribute)
    }

    /// Whether a file's text reads one of those properties (`request.bearer_token`).
    fn reads_property(&self, text: &str) -> bool {
        self.properties
            .iter()
            .any(|property| text.contains(&format!("request.{property}")))
    }

    /// With the OpenAPI operations bound to functions of the scan's files, by display path.
    pub fn with_operations(
        mut self,
        operations: std::collections::HashMap<String, Vec<crate::app::connexion::Binding>>,
    ) -> Self {
        self.operations = operations;
        self
    }

    /// The OpenAPI operations bound to functions of the file at `path`.
    pub fn operations_in(&self, path: &str) -> &[crate::app::connexion::Binding] {
        self.operations.get(path).map_or(&[], Vec::as_slice)
    }

    /// With the functions that load a row by one of their parameters alone.
    pub fn with_lookups(mut self, lookups: Vec<crate::detectors::LookupSummary>) -> Self {
        self.lookups = lookups;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
            && self.objects.is_empty()
            && self.lookups.is_empty()
            && self.properties.is_empty()
    }

    /// When `call` calls one of the project's functions that load a row by a parameter
    /// alone: that function's summary, and the argument the call passes to the parameter.
    pub fn lookup_at<'t>(
        &self,
        file: &ParsedFile,
        call: Node<'t>,
    ) -> Option<(&crate::detectors::LookupSummary, Node<'t>)> {
        if self.lookups.is_empty() {
            return None;
        }
        let callee = callee(file, call)?;
        self.lookups.iter().find_map(|summary| {
            let id = &summary.sink.function;
            let named = callee
                .functions
                .iter()
                .any(|called| called.name == id.name && same_module(&id.module, &called.module));
            named
                .then(|| callee.argument(&summary.sink))
                .flatten()
                .map(|argument| (summary, argument))
        })
    }

    /// The class (followed by `()`) of the object `call` returns when it calls one of the
    /// project's functions that return a constructed object.
    pub fn object_at(&self, file: &ParsedFile, call: Node) -> Option<String> {
        let callee = callee(file, call)?;
        self.objects.iter().find_map(|(id, class)| {
            callee
                .functions
                .iter()
                .any(|called| called.name == id.name && same_module(&id.module, &called.module))
                .then(|| class.clone())
        })
    }

    /// The label of the source when `call` calls one of the functions.
    pub fn source_at(&self, file: &ParsedFile, call: Node) -> Option<(String, &FunctionId)> {
        let callee = callee(file, call)?;
        self.functions.iter().find_map(|(id, path)| {
            callee
                .functions
                .iter()
                .any(|called| called.name == id.name && same_module(&id.module, &called.module))
                .then(|| {
                    let label =
                        format!("`{}()` returns request input (defined in {path})", id.name);
                    (label, id)
                })
        })
    }

    /// Whether a call of the file may resolve to one of the functions returning request input
    /// or objects (every rule may see the file differently).
    fn called_by(&self, calls: &CallNames) -> bool {
        self.functions
            .iter()
            .chain(&self.objects)
            .any(|(id, _)| calls.may_resolve_to(&id.module, &id.name))
    }

    /// Whether a call of the file may resolve to one of the row look-up helpers (only
    /// `idor-unscoped-lookup` sees the file differently).
    fn looks_up_by(&self, calls: &CallNames) -> bool {
        self.lookups.iter().any(|summary| {
            calls.may_resolve_to(&summary.sink.function.module, &summary.sink.function.name)
        })
    }

    fn gates(&self) -> BTreeSet<&str> {
        self.functions
            .iter()
            .chain(&self.objects)
            .map(|(id, _)| id)
            .chain(self.lookups.iter().map(|summary| &summary.sink.function))
            .map(FunctionId::gate)
            .collect()
    }
}

/// The files that call a function returning request input or a constructed object (`calls`,
/// the calls of each file), checked again with that knowledge: the findings the first check
/// could not see (not in `known`, by path, rule and start), or sees more surely than `known`
/// says (the value compared with a secret is request input after all).
pub fn recheck(
    returns: &Arc<RequestReturns>,
    files: &[(Candidate, bool)],
    calls: &[&CallNames],
    plan: &Plan,
    known: &BTreeMap<Site, Confidence>,
    timeout: Option<Duration>,
) -> Vec<Finding> {
    if returns.is_empty() {
        return Vec::new();
    }
    let Ok(names) = AhoCorasick::new(returns.gates()) else {
        return Vec::new();
    };
    // A file that calls a look-up helper only is read again for `idor-unscoped-lookup` alone.
    let lookups_only = plan.only_detector(crate::detectors::IDOR_RULE_ID);
    files
        .par_iter()
        .zip(calls)
        .filter_map(|((candidate, test_path), calls)| {
            let python = candidate.language == Language::Python;
            // A file that only reads a property of the project's request class is read again
            // when its text shows it.
            let (plan, by_property) = if python && returns.called_by(calls) {
                (plan, false)
            } else if returns.looks_up_by(calls) {
                (&lookups_only, false)
            } else if python && !returns.properties.is_empty() {
                (plan, true)
            } else {
                return None;
            };
            let source = load(candidate, |text| {
                (!by_property && names.is_match(text)) || (python && returns.reads_property(text))
            })?;
            budget::bounded(timeout, || {
                let tree = parse::tree(&source)?;
                let mut file = ParsedFile::new(&source, &tree);
                file.project = Some(Arc::clone(returns));
                let checked = check_file(&file, plan, *test_path, timeout, None);
                Some(checked.findings)
            })
            .ok()
            .flatten()
        })
        .flatten()
        .filter(|finding| {
            finding.via_parameter.is_none()
                && known
                    .get(&site(finding))
                    .is_none_or(|confidence| finding.confidence > *confidence)
        })
        .collect()
}

/// A file read again after linking, when `wanted` accepts its text and it is still safe to
/// parse (it may have changed since the per-file stage checked it).
pub(crate) fn load(candidate: &Candidate, wanted: impl Fn(&str) -> bool) -> Option<SourceFile> {
    let text = std::fs::read_to_string(&candidate.path).ok()?;
    if !wanted(&text) || text.bytes().take(8192).any(|byte| byte == 0) {
        return None;
    }
    let display = discover::display_path(&candidate.path);
    let source = SourceFile::new(candidate.path.clone(), display, candidate.language, text);
    parse::unparsable(&source).is_none().then_some(source)
}

/// Where a finding is, as the cross-file stages compare findings: path, rule and first byte.
pub type Site = (String, String, usize);

/// The [`Site`] of a finding.
pub fn site(finding: &Finding) -> Site {
    (
        finding.path.clone(),
        finding.rule_id.clone(),
        finding.bytes.start,
    )
}

/// A finding waiting for callers, as the link knows it.
#[derive(Clone)]
struct Waiting {
    finding: Finding,
    sink: ParamSink,
    /// The sink's module, with the crate's name for `crate::…` in Rust.
    module: String,
}

/// What the callers in one file did with the waiting findings.
#[derive(Default)]
struct Joined {
    /// Findings a caller fills with request input.
    reported: Vec<Finding>,
    /// Findings that now wait for the callers of a caller.
    waiting: Vec<Finding>,
}

/// The findings that wait for callers (`pending`), decided across the files of the scan
/// (`files`, with whether each is test code, and `calls`, the names of each one's calls): the
/// ones some caller passes request input to, with their whole path. Only the files with a call
/// written with the name of a waiting function, and resolving to a function of its name, are
/// read again.
pub fn link(
    pending: Vec<Finding>,
    files: &[(Candidate, bool)],
    calls: &[&CallNames],
    returns: &Arc<RequestReturns>,
    rules: &RuleSet,
    include_tests: bool,
    timeout: Option<Duration>,
) -> Vec<Finding> {
    let crates = Crates::default();
    let mut reported: BTreeMap<Site, Finding> = BTreeMap::new();
    let mut seen: BTreeSet<(ParamSink, Site)> = BTreeSet::new();
    // A finding waits once per sink and parameter it waits on.
    let mut admit = |finding: Finding| -> Option<Waiting> {
        let sink = finding.via_parameter.clone()?;
        if !seen.insert((sink.clone(), site(&finding))) {
            return None;
        }
        let module = crates.canonical(&sink.function.module, &finding.path);
        Some(Waiting {
            finding,
            sink,
            module,
        })
    };
    let mut frontier: Vec<Waiting> = pending.into_iter().filter_map(&mut admit).collect();
    for _ in 0..MAX_ROUNDS {
        if frontier.is_empty() {
            break;
        }
        let Some(callers) = Callers::new(&frontier) else {
            break;
        };
        let joined: Vec<Joined> = files
            .par_iter()
            .zip(calls)
            .filter_map(|((candidate, test_path), calls)| {
                if (*test_path && !include_tests) || !callers.calls_any(calls) {
                    return None;
                }
                // Read in each round that needs it and dropped after, like its tree: texts
                // kept for every file the link reads grew the peak memory with the size of the
                // repository.
                let source = load(candidate, |text| callers.may_call(text))?;
                budget::bounded(timeout, || {
                    join_file(&source, &frontier, returns, rules, &crates, include_tests)
                })
                .ok()
            })
            .collect();
        let mut next = Vec::new();
        for found in joined {
            for finding in found.reported {
                reported.entry(site(&finding)).or_insert(finding);
            }
            next.extend(found.waiting.into_iter().filter_map(&mut admit));
        }
        frontier = next;
    }
    reported.into_values().collect()
}

/// The calls in one file to the functions the `waiting` findings wait on, traced.
fn join_file(
    source: &SourceFile,
    waiting: &[Waiting],
    returns: &Arc<RequestReturns>,
    rules: &RuleSet,
    crates: &Crates,
    include_tests: bool,
) -> Joined {
    let mut joined = Joined::default();
    // Only the functions this file can name: their class or name, and the name a call is
    // written with, occur in it.
    let waiting: Vec<&Waiting> = waiting
        .iter()
        .filter(|w| {
            source.text.contains(w.sink.function.gate())
                && source.text.contains(w.sink.function.short())
        })
        .collect();
    let names: BTreeSet<&str> = waiting.iter().map(|w| w.sink.function.short()).collect();
    if names.is_empty() {
        return joined;
    }
    let Some(tree) = parse::tree(source) else {
        return joined;
    };
    let mut file = ParsedFile::new(source, &tree);
    file.project = Some(Arc::clone(returns));
    let tests = std::cell::OnceCell::new();
    let tests = || {
        tests.get_or_init(|| {
            if include_tests {
                TestCode::none()
            } else {
                TestCode::of(&file, false)
            }
        })
    };
    let matches = std::cell::OnceCell::new();
    let matches = || matches.get_or_init(|| FileMatches::new(&file, tests()));
    let call_kind = call_kind(source.language);
    for call in file.of_kinds(&[call_kind]) {
        // Only calls written with one of the names, or with an alias the file binds to one
        // (`from db import find_user as fu`), are resolved.
        let written = call_name(&file, call);
        if !names.contains(written) && !aliases_one_of(&file, written, &names) {
            continue;
        }
        let Some(callee) = callee(&file, call) else {
            continue;
        };
        let resolved: Vec<String> = callee
            .functions
            .iter()
            .map(|id| crates.canonical(&id.module, &source.display_path))
            .collect();
        for waiting in &waiting {
            let target = &waiting.sink.function;
            // The function's own module is found by its file; the call names the module it
            // imports from, which may be a package re-exporting it.
            let named =
                callee.functions.iter().zip(&resolved).any(|(id, module)| {
                    id.name == target.name && same_module(&waiting.module, module)
                });
            if !named {
                continue;
            }
            let rule = rules.get(&waiting.finding.rule_id);
            if rule.is_some_and(|rule| rule.test_code == TestCodePolicy::Skip)
                && tests().contains(call.start_byte())
            {
                continue;
            }
            let Some(matcher) = rule.and_then(|rule| rule.logic.matcher(source.language)) else {
                continue;
            };
            let spec = &matcher.taint;
            let Some(argument) = callee.argument(&waiting.sink) else {
                continue;
            };
            let step = Related {
                path: source.display_path.clone(),
                start: source.position(call.start_byte()),
                message: format!(
                    "passed to `{}()` as `{}`",
                    target.name, waiting.sink.parameter
                ),
            };
            if let Some(mut flow) = matches().trace(spec, argument) {
                let mut finding = waiting.finding.clone();
                if flow.through_unknown_call {
                    finding.confidence = finding.confidence.lower();
                }
                finding.add_flow_checks(&mut flow);
                finding.via_parameter = None;
                finding.flow = prefixed(source, flow, step, &waiting.finding.flow);
                lower_for_handler(&file, call, &matcher.condition, &mut finding);
                joined.reported.push(finding);
            } else {
                for (sink, mut flow) in matches().parameter_traces(spec, argument) {
                    let mut finding = waiting.finding.clone();
                    if flow.through_unknown_call {
                        finding.confidence = finding.confidence.lower();
                    }
                    finding.add_flow_checks(&mut flow);
                    finding.via_parameter = Some(sink);
                    finding.flow = prefixed(source, flow, step.clone(), &waiting.finding.flow);
                    joined.waiting.push(finding);
                }
            }
        }
    }
    joined
}

/// What the rule's handler-level `lower-*` conditions say about the handler making `call`,
/// where the flow to a sink in another function starts (an administrator-only handler makes
/// an injection one step less severe there too).
fn lower_for_handler(file: &ParsedFile, call: Node, condition: &Condition, finding: &mut Finding) {
    let Some(handler) = file.model().handler_at(call.start_byte()) else {
        return;
    };
    let lowerings = condition.handler_lowerings();
    let held = |wanted: Lowering| {
        lowerings
            .iter()
            .any(|(lowering, filter)| *lowering == wanted && filter.accepts(handler))
    };
    if held(Lowering::Severity) {
        finding.severity = finding.severity.lower();
    } else if lowerings
        .iter()
        .any(|(lowering, filter)| *lowering == Lowering::Severity && filter.staff == Some(true))
    {
        // Staff-only by what its guards do is for the linked routes to say.
        let line = file.source.position(handler.name_bytes.start).line;
        finding.link_checks.push(LinkCheck::EntersAtStaffHandler(
            file.source.display_path.clone(),
            line,
        ));
    }
    if held(Lowering::Confidence) {
        finding.confidence = finding.confidence.lower();
    }
}

/// Whether `written` is a name the file imports as an alias of one of `names`.
fn aliases_one_of(file: &ParsedFile, written: &str, names: &BTreeSet<&str>) -> bool {
    let symbols = file.symbols();
    let target = symbols
        .imports
        .iter()
        .rev()
        .find(|(local, _)| local == written)
        .map(|(_, target)| target.as_str())
        .or_else(|| symbols.alias(written));
    target.is_some_and(|target| {
        let last = target.rsplit(['.', ':']).next().unwrap_or(target);
        last != written && names.contains(last)
    })
}

/// What a file must hold to call one of the functions some findings wait on: the function's
/// gate (see [`FunctionId::gate`]) and the name its calls are written with.
struct Callers {
    /// Every gate and call name, searched in one pass.
    words: AhoCorasick,
    /// Per function, the ids of its gate and its call name in `words`.
    functions: Vec<(usize, usize)>,
    /// The functions' modules, names and the names their calls are written with.
    names: BTreeSet<(String, String, String)>,
}

impl Callers {
    fn new(waiting: &[Waiting]) -> Option<Callers> {
        let mut words: Vec<&str> = Vec::new();
        let mut id = |word| match words.iter().position(|known| *known == word) {
            Some(id) => id,
            None => {
                words.push(word);
                words.len() - 1
            }
        };
        let mut functions: Vec<(usize, usize)> = waiting
            .iter()
            .map(|w| (id(w.sink.function.gate()), id(w.sink.function.short())))
            .collect();
        functions.sort_unstable();
        functions.dedup();
        let names = waiting
            .iter()
            .map(|w| {
                let function = &w.sink.function;
                let short = function.short().to_string();
                (w.module.clone(), function.name.clone(), short)
            })
            .collect();
        Some(Callers {
            words: AhoCorasick::new(&words).ok()?,
            functions,
            names,
        })
    }

    /// Whether the text names the gate and the call name of one function.
    fn may_call(&self, text: &str) -> bool {
        let mut present = bit_set::BitSet::new();
        for found in self.words.find_overlapping_iter(text) {
            present.insert(found.pattern().as_usize());
        }
        self.functions
            .iter()
            .any(|(gate, name)| present.contains(*gate) && present.contains(*name))
    }

    /// Whether a call of the file may be written with the name of one of the functions and
    /// resolve to it.
    fn calls_any(&self, calls: &CallNames) -> bool {
        self.names.iter().any(|(module, name, short)| {
            calls.may_contain(short) && calls.may_resolve_to(module, name)
        })
    }
}

/// The caller's steps, the call, then the callee's steps.
fn prefixed(
    source: &SourceFile,
    caller: super::Flow,
    call: Related,
    callee: &[Related],
) -> Vec<Related> {
    let mut steps = flow_locations(source, caller);
    steps.push(call);
    steps.extend(callee.iter().cloned());
    steps
}

/// The names of the Cargo packages files belong to, read once per directory: `crate::db` in
/// package `kellnr-db` is `kellnr_db::db` to the other crates of a workspace.
#[derive(Default)]
struct Crates {
    by_dir: Mutex<HashMap<std::path::PathBuf, Option<String>>>,
}

impl Crates {
    /// `module` written in the file at `path`, with `crate` replaced by the package's name.
    fn canonical(&self, module: &str, path: &str) -> String {
        let Some(rest) = module
            .strip_prefix("crate")
            .filter(|rest| rest.is_empty() || rest.starts_with("::"))
        else {
            return module.to_string();
        };
        match Path::new(path).parent().and_then(|dir| self.package(dir)) {
            Some(name) => format!("{name}{rest}"),
            None => module.to_string(),
        }
    }

    /// The package name of the nearest `Cargo.toml` at or above `dir`.
    fn package(&self, dir: &Path) -> Option<String> {
        if let Some(known) = self.by_dir.lock().ok()?.get(dir) {
            return known.clone();
        }
        let found = std::fs::read_to_string(dir.join("Cargo.toml"))
            .ok()
            .and_then(|manifest| package_name(&manifest))
            .or_else(|| self.package(dir.parent()?));
        if let Ok(mut known) = self.by_dir.lock() {
            known.insert(dir.to_path_buf(), found.clone());
        }
        found
    }
}

/// `[package] name = "kellnr-db"` → `kellnr_db`.
fn package_name(manifest: &str) -> Option<String> {
    let table: toml::Table = manifest.parse().ok()?;
    let name = table.get("package")?.get("name")?.as_str()?;
    Some(name.replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file<T>(path: &str, language: Language, text: &str, f: impl Fn(&ParsedFile) -> T) -> T {
        crate::parse::with_parsed(path, language, text, f)
    }

    fn ids(path: &str, language: Language, text: &str, kind: &str) -> Vec<Option<FunctionId>> {
        with_file(path, language, text, |file| {
            descendants(file.tree.root_node())
                .filter(|n| n.kind() == kind)
                .map(|call| function_at(file, call).map(|(_, id)| id))
                .collect()
        })
    }

    fn id(module: &str, name: &str) -> Option<FunctionId> {
        Some(FunctionId {
            module: module.into(),
            name: name.into(),
        })
    }

    #[test]
    fn functions_are_named_as_callers_name_them() {
        let python = "def run(sql):\n    go(sql)\n\nclass Ledger:\n    @staticmethod\n    def post(x):\n        go(x)\n\ndef outer():\n    def inner(y):\n        go(y)\n";
        assert_eq!(
            ids("shop/db.py", Language::Python, python, "call"),
            vec![id("shop.db", "run"), id("shop.db", "Ledger.post"), None]
        );
        let rust = "fn run(sql: &str) { go(sql) }\nimpl<T> Store<T> { fn purge(&self, t: &str) { go(t) } }\nmod inner { fn helper(x: u8) { go(x) } }\n";
        assert_eq!(
            ids("db/src/lib.rs", Language::Rust, rust, "call_expression"),
            vec![
                id("crate", "run"),
                id("crate", "Store::purge"),
                id("crate::inner", "helper")
            ]
        );
    }

    #[test]
    fn calls_resolve_through_imports_self_constructors_and_parameter_types() {
        let text = "from shop.db import run\nfrom shop import models\nfrom shop.ledger import Ledger\n\nclass View:\n    def get(self, ledger: Ledger):\n        run(1)\n        models.Order.lookup(2)\n        self.helper(3)\n        printer = models.Printer()\n        printer.send(4)\n        ledger.post(5)\n        unknown.thing(6)\n";
        let callees: Vec<Vec<FunctionId>> =
            with_file("shop/views.py", Language::Python, text, |file| {
                descendants(file.tree.root_node())
                    .filter(|n| n.kind() == "call")
                    .filter_map(|call| callee(file, call))
                    .filter(|callee| !callee.positional.is_empty())
                    .map(|callee| callee.functions)
                    .collect()
            });
        let first = |index: usize| callees[index].first().cloned();
        assert_eq!(first(0), id("shop.db", "run"));
        assert!(callees[1].contains(&FunctionId {
            module: "shop.models".into(),
            name: "Order.lookup".into()
        }));
        assert_eq!(first(2), id("shop.views", "View.helper"));
        assert_eq!(first(3), id("shop.models", "Printer.send"));
        assert_eq!(first(4), id("shop.ledger", "Ledger.post"));
        // A method on an object of unknown type is not matched by its name.
        assert!(callees[5].is_empty());
    }

    #[test]
    fn methods_of_fields_resolve_through_the_declared_field_type() {
        let first_callee = |path: &str, language: Language, text: &str| {
            with_file(path, language, text, |file| {
                descendants(file.tree.root_node())
                    .filter(|n| n.kind() == call_kind(language))
                    .filter_map(|call| callee(file, call))
                    .find(|callee| !callee.positional.is_empty())
                    .map(|callee| callee.functions)
                    .unwrap_or_default()
            })
        };
        let rust = "struct Runner;\nstruct AppState { runner: Runner }\nasync fn h(State(st): State<AppState>, Json(b): Json<B>) { st.runner.run(&b.name); }\n";
        let found = first_callee("src/main.rs", Language::Rust, rust);
        assert!(found.iter().any(|id| id.name == "Runner::run"), "{found:?}");
        let python = "class Previewer:\n    def fetch(self, url): pass\n\nclass Links:\n    def __init__(self):\n        self.previews = Previewer()\n    def preview(self, url):\n        return self.previews.fetch(url)\n";
        let found = first_callee("shop/links.py", Language::Python, python);
        assert_eq!(found.first(), id("shop.links", "Previewer.fetch").as_ref());
        // A field the file does not declare stays unresolved.
        let unknown =
            "async fn h(State(st): State<Other>, Json(b): Json<B>) { st.runner.run(&b.name); }\n";
        assert!(first_callee("src/main.rs", Language::Rust, unknown).is_empty());
    }

    #[test]
    fn wrapper_types_unwrap_to_the_type_they_hold() {
        assert_eq!(innermost_type("State<Store>"), "Store");
        assert_eq!(innermost_type("web::Data<Arc<Store>>"), "Store");
        assert_eq!(innermost_type("&Store"), "Store");
        assert_eq!(innermost_type("Optional[Ledger]"), "Ledger");
        assert_eq!(innermost_type("Annotated[Ledger, Depends(get)]"), "Ledger");
    }

    #[test]
    fn package_names_become_crate_names() {
        let manifest = "[package]\nname = \"ledger-db\"\nversion = \"0.1.0\"\n";
        assert_eq!(package_name(manifest), Some("ledger_db".to_string()));
        assert_eq!(package_name("[workspace]\nmembers = []\n"), None);
        assert_eq!(package_name("not toml ["), None);
    }
}
