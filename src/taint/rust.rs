//! Rust specifics of taint tracking: sources, sanitizers, bindings, calls.

use super::{Binding, Call, Shape};
use crate::app::handlers::rust::type_head;
use crate::parse::ParsedFile;
use crate::syntax::{ancestor_of_kind, ancestors_from, descendants, named_children, FieldChild};
use tree_sitter::Node;

/// Methods of actix's `HttpRequest` (and similar) that return client input.
const SOURCES: &[&str] = &[
    "match_info",
    "query_string",
    "headers",
    "cookie",
    "cookies",
    "uri",
    "path",
    "body",
];
/// Receivers that are request objects.
const REQUEST_NAMES: &[&str] = &["req", "request", "http_req", "http_request"];
/// Calls whose result carries no taint.
const SANITIZERS: &[&str] = &[
    "len",
    "is_empty",
    "contains",
    "starts_with",
    "ends_with",
    "eq",
    "cmp",
    "parse_str",
    "from_str_radix",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "count",
    "hash",
];
/// Methods that return (part of) their receiver or arguments.
const PROPAGATING_METHODS: &[&str] = &[
    "to_string",
    "to_owned",
    "clone",
    "as_str",
    "as_ref",
    "into",
    "into_inner",
    "to_lowercase",
    "to_uppercase",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "get",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "expect",
    "ok",
    "split",
    "join",
    "concat",
    "to_str",
    "as_bytes",
    "iter",
    "collect",
    "map",
    "and_then",
    "cloned",
    "from",
    "deref",
    // iterator adapters and accessors that hand on the receiver's items
    "into_iter",
    "filter",
    "filter_map",
    "take",
    "skip",
    "chain",
    "rev",
    "flatten",
    "copied",
    "peekable",
    "enumerate",
    "to_vec",
    "first",
    "last",
    "next",
    "find",
    "unwrap_or_else",
    "into_owned",
];
/// Integer, float, boolean and id types: a value parsed into one is clean.
const INERT: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64", "bool", "Uuid",
];

pub(super) fn shape<'t>(file: &ParsedFile, node: Node<'t>) -> Shape<'t> {
    match node.kind() {
        "identifier" if !is_name_position(node) => Shape::Name(file.text(node).to_string()),
        "call_expression" => call(file, node),
        "string_literal" => match format_captures(file, node) {
            Some(names) => Shape::Captures(names),
            None => Shape::Clean,
        },
        "binary_expression" => {
            let operator = node
                .field_child("operator")
                .map(|o| file.text(o))
                .unwrap_or("");
            if matches!(
                operator,
                "==" | "!=" | "<" | ">" | "<=" | ">=" | "&&" | "||"
            ) {
                Shape::Clean
            } else {
                Shape::Composite
            }
        }
        // `TABLE[key]` is what the table holds, whoever chose the key.
        "index_expression" => Shape::Parts(
            crate::syntax::named_children(node)
                .into_iter()
                .take(1)
                .collect(),
        ),
        // `match format { "pdf" => "--pdf", other => other }`: the arms' values, not the
        // scrutinee (an arm's pattern binds what it takes from it).
        "match_expression" => Shape::Parts(
            node.field_child("body")
                .map(|body| {
                    crate::syntax::named_children(body)
                        .into_iter()
                        .filter(|arm| arm.kind() == "match_arm")
                        .filter_map(|arm| arm.field_child("value"))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "integer_literal" | "float_literal" | "boolean_literal" | "char_literal"
        | "closure_expression" | "function_item" | "identifier" | "type_identifier"
        | "primitive_type" | "field_identifier" | "type_arguments" => Shape::Clean,
        _ => Shape::Composite,
    }
}

fn call<'t>(file: &ParsedFile, node: Node<'t>) -> Shape<'t> {
    let Some(mut function) = node.field_child("function") else {
        return Shape::Composite;
    };
    let mut turbofish = None;
    if function.kind() == "generic_function" {
        turbofish = function.field_child("type_arguments");
        match function.field_child("function") {
            Some(inner) => function = inner,
            None => return Shape::Composite,
        }
    }
    let args = node
        .field_child("arguments")
        .map(named_children)
        .unwrap_or_default();
    match function.kind() {
        "field_expression" => {
            let method = function
                .field_child("field")
                .map(|f| file.text(f))
                .unwrap_or("");
            let receiver = function.field_child("value");
            if SANITIZERS.contains(&method) {
                return Shape::Clean;
            }
            // `id.parse::<i64>()`
            if method == "parse" && turbofish.is_some_and(|t| is_inert(file.text(t))) {
                return Shape::Clean;
            }
            if SOURCES.contains(&method)
                && receiver.is_some_and(|r| REQUEST_NAMES.contains(&file.text(r)))
            {
                return Shape::Source(format!(
                    "`{}` is request input",
                    file.text(node).lines().next().unwrap_or("")
                ));
            }
            // `map.get(&key)`, `items.get(index)`: what the receiver holds, not the key.
            let args = if method == "get" { Vec::new() } else { args };
            Shape::Call(Call {
                local: None,
                receiver,
                args,
                known: PROPAGATING_METHODS.contains(&method),
            })
        }
        "identifier" | "scoped_identifier" => {
            let callee = file.text(function);
            let (owner, last) = match callee.rsplit_once("::") {
                Some((owner, last)) => (Some(owner), last),
                None => (None, callee),
            };
            if SANITIZERS.contains(&last) {
                return Shape::Clean;
            }
            Shape::Call(Call {
                local: local_function(file, node, owner, last),
                receiver: None,
                known: matches!(last, "from" | "new" | "Some" | "Ok" | "format"),
                args,
            })
        }
        _ => Shape::Call(Call {
            local: None,
            receiver: Some(function),
            args,
            known: false,
        }),
    }
}

fn is_inert(type_text: &str) -> bool {
    let inner = type_text
        .trim_start_matches(['<', ':'])
        .trim_end_matches('>');
    INERT.contains(&inner.rsplit("::").next().unwrap_or(inner))
}

/// `format!("{id}")`: the names captured inline.
fn format_captures(file: &ParsedFile, node: Node) -> Option<Vec<String>> {
    if node.parent().is_none_or(|p| p.kind() != "token_tree") {
        return None;
    }
    let names: Vec<String> = file
        .text(node)
        .split('{')
        .skip(1)
        .filter_map(|part| part.split(['}', ':']).next())
        .filter(|name| {
            name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .map(str::to_string)
        .collect();
    (!names.is_empty()).then_some(names)
}

/// The function `name` of this file that the call `call` runs, in the tree of `call`: a free
/// function for `name(…)` and `self::name(…)`, a function of an `impl` of the type this file
/// names for `Type::name(…)` (of the enclosing `impl` for `Self::name(…)`). `Vec::new(…)` is
/// not the file's own `new`.
pub(super) fn local_function<'t>(
    file: &ParsedFile,
    call: Node<'t>,
    owner: Option<&str>,
    name: &str,
) -> Option<Node<'t>> {
    // The type an `impl` item is for (`Store` of `impl<T> Store<T>`).
    let impl_type = |item: Node| {
        item.field_child("type")
            .map(|written| type_head(file.text(written)).to_string())
    };
    let wanted = match owner {
        None | Some("self" | "crate") => None,
        Some("Self") => Some(
            ancestors_from(file.tree.root_node(), call)
                .into_iter()
                .find(|node| node.kind() == "impl_item")
                .and_then(impl_type)?,
        ),
        Some(owner) => Some(type_head(owner).to_string()),
    };
    // From the file's index of nodes by kind, not a walk of the whole tree per call.
    let found = file.of_kinds(&["function_item"]).into_iter().find(|n| {
        n.field_child("name").is_some_and(|f| file.text(f) == name)
            && match &wanted {
                None => true,
                Some(wanted) => {
                    let item = n.parent().and_then(|list| list.parent());
                    item.filter(|item| item.kind() == "impl_item")
                        .and_then(impl_type)
                        .as_ref()
                        == Some(wanted)
                }
            }
    })?;
    let mut root = call;
    while let Some(parent) = root.parent() {
        root = parent;
    }
    root.descendant_for_byte_range(found.start_byte(), found.end_byte())
        .filter(|n| n.kind() == "function_item")
}

/// Whether `node` is a `for` loop or a `match` arm whose body holds `use_site`: its pattern
/// binds the values the use sees.
fn binds_around(node: Node, use_site: Node) -> bool {
    let body = match node.kind() {
        "for_expression" => node.field_child("body"),
        "match_arm" => node.field_child("value"),
        _ => None,
    };
    body.is_some_and(|body| body.byte_range().contains(&use_site.start_byte()))
}

/// The latest `let` of `name` before `use_site` in its function, then the mutations after it
/// (`name.push_str(value)`, `name.push(value)`, `name += value`, `write!(name, …)`).
pub(super) fn bindings<'t>(
    file: &'t ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Vec<Binding<'t>> {
    // From the root: walking up with `parent()` costs a descent from the root per step.
    let Some(scope) = ancestors_from(file.tree.root_node(), use_site)
        .into_iter()
        .find(|node| FUNCTIONS.contains(&node.kind()))
    else {
        return Vec::new();
    };
    let before = use_site.start_byte();
    let mut latest: Option<Binding<'t>> = None;
    let mut mutations = Vec::new();
    // A binding names the variable: only the parts of the function that mention it are walked.
    for node in file.mentioning(scope, name, before, &[]) {
        // A binding made before the use, or the loop or `match` arm whose body holds it (their
        // bindings live only there).
        let scoped = matches!(node.kind(), "for_expression" | "match_arm");
        if (scoped || node.end_byte() > before) && !binds_around(node, use_site) {
            continue;
        }
        match node.kind() {
            "let_declaration" | "for_expression" | "let_condition" | "match_arm" => {
                let Some(pattern) = node.field_child("pattern") else {
                    continue;
                };
                let value = if node.kind() == "match_arm" {
                    ancestor_of_kind(node, &["match_expression"])
                        .and_then(|m| m.field_child("value"))
                } else {
                    node.field_child("value")
                };
                let Some((pattern, value)) =
                    value.map(|value| same_place(pattern, value, name, file))
                else {
                    continue;
                };
                // Not the names an arm's guard reads (`"readonly" if ARGS.enabled =>`).
                let guard = pattern.field_child("condition");
                let binds = descendants(pattern)
                    .chain(std::iter::once(pattern))
                    .filter(|n| {
                        guard.is_none_or(|guard| !guard.byte_range().contains(&n.start_byte()))
                    })
                    .any(|n| n.kind() == "identifier" && file.text(n) == name);
                if binds {
                    let clean = node
                        .field_child("type")
                        .is_some_and(|t| is_inert(file.text(t)));
                    latest = Some(Binding {
                        at: node,
                        value,
                        typed: clean,
                    });
                    mutations.clear();
                }
            }
            "compound_assignment_expr" | "assignment_expression" => {
                let (Some(left), Some(right)) =
                    (node.field_child("left"), node.field_child("right"))
                else {
                    continue;
                };
                if file.text(left) == name {
                    mutations.push(Binding {
                        at: node,
                        value: right,
                        typed: false,
                    });
                }
            }
            "call_expression" => {
                let Some(function) = node.field_child("function") else {
                    continue;
                };
                let mutation = function.kind() == "field_expression"
                    && function
                        .field_child("value")
                        .is_some_and(|v| file.text(v).trim_start_matches("&mut ") == name)
                    && function.field_child("field").is_some_and(|f| {
                        matches!(
                            file.text(f),
                            "push_str" | "push" | "extend" | "insert" | "write_str"
                        )
                    });
                if mutation {
                    if let Some(args) = node.field_child("arguments") {
                        mutations.push(Binding {
                            at: node,
                            value: args,
                            typed: false,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    super::latest_then(latest, mutations)
}

/// The part of a destructuring `let (a, b) = (x, y)` that binds `name`, with the value in the same
/// place (`a` and `x`); anything else whole.
fn same_place<'t>(
    pattern: Node<'t>,
    value: Node<'t>,
    name: &str,
    file: &ParsedFile,
) -> (Node<'t>, Node<'t>) {
    if pattern.kind() != "tuple_pattern" || value.kind() != "tuple_expression" {
        return (pattern, value);
    }
    let patterns = named_children(pattern);
    let values = named_children(value);
    if patterns.len() != values.len() {
        return (pattern, value);
    }
    patterns
        .into_iter()
        .zip(values)
        .find(|(part, _)| {
            descendants(*part)
                .chain(std::iter::once(*part))
                .any(|n| n.kind() == "identifier" && file.text(n) == name)
        })
        .unwrap_or((pattern, value))
}

/// The kinds of Rust functions.
const FUNCTIONS: &[&str] = &["function_item", "closure_expression"];

pub(super) fn enclosing_function(node: Node) -> Option<Node> {
    ancestor_of_kind(node, FUNCTIONS)
}

pub(super) fn parameter_names(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(parameters) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(parameters)
        .into_iter()
        .filter(|p| p.kind() == "parameter")
        .filter_map(|p| p.field_child("pattern"))
        .map(|pattern| {
            descendants(pattern)
                .chain(std::iter::once(pattern))
                .find(|n| n.kind() == "identifier")
                .map(|n| file.text(n).to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// `return x` values and the function body's tail expression.
pub(super) fn returned_values(function: Node) -> Vec<Node> {
    let mut values: Vec<Node> = descendants(function)
        .filter(|n| n.kind() == "return_expression")
        .filter(|ret| enclosing_function(*ret).is_some_and(|f| f.id() == function.id()))
        .filter_map(|ret| ret.named_child(0))
        .collect();
    if let Some(body) = function.field_child("body") {
        let children = named_children(body);
        if let Some(last) = children.last() {
            if !last.kind().ends_with("statement") && last.kind() != "let_declaration" {
                values.push(*last);
            }
        }
    }
    values
}

/// Identifiers that name something rather than read a value.
fn is_name_position(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let is_field = |field: &str| {
        parent
            .field_child(field)
            .is_some_and(|child| child.id() == node.id())
    };
    match parent.kind() {
        "call_expression" => is_field("function"),
        "scoped_identifier" | "macro_invocation" => true,
        _ => false,
    }
}

/// The type a handler's extractor parses the parameter `name` into, where the extractor's type
/// says it: `OriginalName` for `name` of `Path((name, version)): Path<(OriginalName, Version)>`,
/// `Slug` of `Path(slug): Path<Slug>` (references dropped, the last segment of a path).
pub(super) fn extracted_type(file: &ParsedFile, function: Node, name: &str) -> Option<String> {
    let parameters = function.field_child("parameters")?;
    named_children(parameters)
        .into_iter()
        .find_map(|parameter| {
            let pattern = parameter.field_child("pattern")?;
            let ty = parameter.field_child("type")?;
            type_of_binding(file, pattern, ty, name)
        })
}

/// The part of the type `ty` that the binding `name` in `pattern` receives, matched by
/// position through tuple structs (`Path(…)` with `Path<…>`) and tuples.
fn type_of_binding(file: &ParsedFile, pattern: Node, ty: Node, name: &str) -> Option<String> {
    let ty = match ty.kind() {
        "reference_type" => ty.field_child("type")?,
        _ => ty,
    };
    match pattern.kind() {
        "identifier" if file.text(pattern) == name => {
            let written = file.text(ty);
            (ty.kind() == "type_identifier" || ty.kind() == "scoped_type_identifier")
                .then(|| written.rsplit("::").next().unwrap_or(written).to_string())
        }
        "tuple_struct_pattern" if ty.kind() == "generic_type" => {
            let inner: Vec<Node> = named_children(pattern).into_iter().skip(1).collect();
            let arguments: Vec<Node> = named_children(ty.field_child("type_arguments")?);
            let [inner] = inner.as_slice() else {
                return None;
            };
            let [argument] = arguments.as_slice() else {
                return None;
            };
            type_of_binding(file, *inner, *argument, name)
        }
        "tuple_pattern" if ty.kind() == "tuple_type" => named_children(pattern)
            .into_iter()
            .zip(named_children(ty))
            .find_map(|(part, part_type)| type_of_binding(file, part, part_type, name)),
        _ => None,
    }
}
