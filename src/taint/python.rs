//! Python specifics of taint tracking: sources, sanitizers, bindings, calls.

use super::{Binding, Call, Shape};
use crate::parse::ParsedFile;
use crate::syntax::{
    ancestor_of_kind, ancestors_from, descendants, is_constant_name, named_children, FieldChild,
};
use std::ops::Range;
use tree_sitter::Node;

/// Attributes of Django, DRF, Flask and Starlette request objects that carry client input.
const SOURCES: &[&str] = &[
    "GET",
    "POST",
    "data",
    "body",
    "FILES",
    "COOKIES",
    "META",
    "headers",
    "query_params",
    "args",
    "form",
    "values",
    "json",
    "get_json",
    "files",
    "cookies",
    "path_params",
    "stream",
    "get_data",
    "view_args",
    "path",
    "full_path",
    "url",
];
/// Calls whose result carries no taint: numeric, UUID, boolean and date conversions, lengths,
/// hashes.
const SANITIZERS: &[&str] = &[
    "int",
    "float",
    "bool",
    "Decimal",
    "UUID",
    "len",
    "abs",
    "round",
    "isinstance",
    "callable",
    "hash",
    "id",
    "fromisoformat",
    "strptime",
    "isdigit",
    "isnumeric",
    "isalnum",
    "startswith",
    "endswith",
    "exists",
    "is_valid",
    "count",
    "index",
    "find",
];
/// Query methods of a Django manager (`Page.objects.get(…)`) or a SQLAlchemy query
/// (`User.query.filter_by(…).first()`, Flask-SQLAlchemy's `User.query.get_or_404(…)`).
const ROW_LOOKUPS: &[&str] = &[
    "get",
    "get_or_404",
    "first_or_404",
    "one_or_404",
    "filter",
    "filter_by",
    "exclude",
    "first",
    "last",
    "one",
    "one_or_none",
    "all",
    "get_or_create",
    "select_related",
    "prefetch_related",
    "order_by",
    "only",
    "defer",
    "values",
    "values_list",
    "distinct",
    "annotate",
    "iterator",
    "latest",
    "earliest",
    "in_bulk",
    "select_for_update",
];

/// A database look-up (`get_object_or_404(Page, url=url)`, `Page.objects.get(slug=slug)`,
/// `User.query.filter_by(name=name).first()`): it returns stored rows, not the key it was
/// given, so request input used as the key does not flow into the result.
fn is_row_lookup(callee: &str, last: &str) -> bool {
    matches!(last, "get_object_or_404" | "get_list_or_404")
        || ((callee.contains(".objects.")
            || callee.starts_with("objects.")
            || callee.contains(".query."))
            && ROW_LOOKUPS.contains(&last))
        || ends_query(callee, last)
}

/// `Process.for_user(pid=pid).first()`, `repo.scoped(owner).one_or_none()`: a method only
/// query objects have (Django's and SQLAlchemy's, Flask-SQLAlchemy's `…_or_404`), called on
/// what another call returned: whichever method of the project built the query, the row it
/// returns is stored.
fn ends_query(callee: &str, last: &str) -> bool {
    matches!(
        last,
        "first"
            | "one"
            | "one_or_none"
            | "first_or_404"
            | "one_or_404"
            | "scalar_one"
            | "scalar_one_or_none"
    ) && callee
        .strip_suffix(last)
        .is_some_and(|chain| chain.ends_with(")."))
}

/// A SQLAlchemy look-up: `session.get(File, file_id)` (a mapped class, then its key), a
/// legacy `session.query(File)…first()`, or the rows of a `select(…)` run by
/// `execute`/`scalars` (`(await db.execute(select(File).where(File.id == id))).scalars()
/// .first()`, `.scalar_one_or_none()`): stored rows, not the key.
fn is_session_lookup(file: &ParsedFile, callee: &str, last: &str, args: &[Node]) -> bool {
    let mapped_class = |node: &Node| {
        matches!(node.kind(), "identifier" | "attribute") && {
            let name = file.text(*node).rsplit('.').next().unwrap_or("");
            name.starts_with(|c: char| c.is_ascii_uppercase()) && !is_constant_name(name)
        }
    };
    let by_key = last == "get" && args.len() >= 2 && mapped_class(&args[0]);
    // The legacy query API: `session.query(Book).filter(Book.id == book_id).first()`.
    let queried = callee
        .split_once(".query(")
        .is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        && (ROW_LOOKUPS.contains(&last) || last == "scalar");
    let selected = matches!(
        last,
        "first" | "one" | "one_or_none" | "all" | "scalar" | "scalar_one" | "scalar_one_or_none"
    ) && callee.contains("select(")
        && (callee.contains(".execute(") || callee.contains(".scalars("));
    by_key || queried || selected
}

/// A Django query filter on any queryset or related manager (`entries.filter(Q(message__icontains
/// =q))`, `qs.exclude(owner__email=e)`): it is known by its lookups (a `Q(…)` argument, or a
/// keyword with a `__` lookup), and returns rows, not the values it was handed.
fn filters_rows(file: &ParsedFile, call: Node, last: &str) -> bool {
    if !matches!(last, "filter" | "exclude") {
        return false;
    }
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    let arguments = named_children(arguments);
    !arguments.is_empty()
        && arguments.iter().all(|argument| match argument.kind() {
            "keyword_argument" => argument
                .field_child("name")
                .is_some_and(|name| file.text(name).contains("__")),
            "call" | "binary_operator" | "unary_operator" | "parenthesized_expression" => {
                let text = file.text(*argument).trim_start_matches(['~', '(', ' ']);
                text.starts_with("Q(") || text.starts_with("models.Q(")
            }
            _ => false,
        })
}

/// Methods that return (part of) their receiver or arguments.
const PROPAGATING_METHODS: &[&str] = &[
    "get",
    "getlist",
    "pop",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "casefold",
    "title",
    "replace",
    "split",
    "rsplit",
    "splitlines",
    "join",
    "format",
    "format_map",
    "encode",
    "decode",
    "read",
    "readline",
    "items",
    "values",
    "keys",
    "copy",
    "dict",
    "model_dump",
    "to_dict",
    "removeprefix",
    "removesuffix",
    "zfill",
    "ljust",
    "rjust",
    "center",
    "partition",
    "rpartition",
    "hexdigest",
    "digest",
    "hex",
    "b64encode",
    "urlsafe_b64encode",
    "loads",
];
/// Reads of a mapping or a sequence by key or index (`MODELS.get(model_id)`,
/// `form.getlist("ids")`, `queue.pop(0)`): the result is what the receiver holds (or the
/// default), so a client-chosen key picks a server value, like a subscript (see [`shape`]).
const KEYED_READS: &[&str] = &["get", "getlist", "pop"];
/// Methods that put their arguments into the object they are called on.
const MUTATORS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "update",
    "add",
    "setdefault",
    "write",
    "appendleft",
];

pub(super) fn shape<'t>(file: &'t ParsedFile, node: Node<'t>) -> Shape<'t> {
    match node.kind() {
        "attribute" => match request_attribute(file, node) {
            Some(label) => Shape::Source(label),
            None => Shape::Composite,
        },
        "identifier" if !is_name_position(file, node) => Shape::Name(file.text(node).to_string()),
        "call" => call(file, node),
        // `[int(pk) for pk in ids]` holds what its element holds; the loop variables are bound
        // by the `for` clauses (see [`bindings`]), filters add nothing.
        "list_comprehension" | "set_comprehension" | "generator_expression" => {
            match node.field_child("body") {
                // `[f for f in names if f in ALLOWED]`: only allowed values.
                Some(body) if allowlisted_by_filter(file, node, body) => Shape::Clean,
                body => Shape::Parts(body.into_iter().collect()),
            }
        }
        // `TABLE[key]` is what the table holds: a client-chosen key picks a server value
        // (`ICONS[request.GET["dir"]]`); a client-filled container taints what it yields.
        "subscript" => Shape::Parts(node.field_child("value").into_iter().collect()),
        "dictionary_comprehension" => Shape::Parts(
            node.field_child("body")
                .map(named_children)
                .unwrap_or_default(),
        ),
        // Comparisons, boolean tests, literals and definitions carry no client text.
        "comparison_operator"
        | "not_operator"
        | "integer"
        | "float"
        | "true"
        | "false"
        | "none"
        | "lambda"
        | "function_definition"
        | "class_definition"
        | "identifier"
        | "keyword_separator"
        | "ellipsis" => Shape::Clean,
        "string" if !descendants(node).any(|n| n.kind() == "interpolation") => Shape::Clean,
        // `f(x=value)`: only the value.
        "keyword_argument" => Shape::Composite,
        _ => Shape::Composite,
    }
}

/// `request.GET`, `self.request.data`, `request.get_json` (the call is handled by [`call`]).
fn request_attribute(file: &ParsedFile, node: Node) -> Option<String> {
    let object = file.text(node.field_child("object")?);
    let attribute = file.text(node.field_child("attribute")?);
    let named_request = object == "request"
        || object.ends_with(".request")
        || (object == "req" && in_handler(file, node));
    let url_kwargs = object == "self" && attribute == "kwargs" && in_view_class(file, node);
    let input = SOURCES.contains(&attribute)
        || file
            .project
            .as_ref()
            .is_some_and(|project| project.is_request_property(attribute));
    // A `request` typed as another class, or the `request` of one: `raw_response.request` with
    // `raw_response: httpx.Response` is the call the server sent itself.
    let typed_otherwise = || {
        typed_as_other_object(file, node, object)
            || object
                .strip_suffix(".request")
                .is_some_and(|owner| owner != "self" && typed_as_other_object(file, node, owner))
    };
    ((named_request && input && !typed_otherwise()) || url_kwargs)
        .then(|| format!("`{object}.{attribute}` is request input"))
}

/// Whether `attribute` of a request object carries client input (`request.headers`).
pub(super) fn is_source_attribute(attribute: &str) -> bool {
    SOURCES.contains(&attribute)
}

/// Whether the qualified name is one of a web framework's (`flask.wrappers.Request`).
pub(super) fn is_request_library(qualified: &str) -> bool {
    REQUEST_LIBRARIES
        .iter()
        .any(|library| qualified.starts_with(library))
}

/// Whether `node` is inside a class one of whose methods the file's model knows as a handler: a
/// class-based view, whose `self.kwargs` holds the URL's parameters.
fn in_view_class(file: &ParsedFile, node: Node) -> bool {
    let Some(class) = ancestor_of_kind(node, &["class_definition"]) else {
        return false;
    };
    file.model().handlers.iter().any(|handler| {
        class.start_byte() <= handler.name_bytes.start && handler.name_bytes.end <= class.end_byte()
    })
}

/// Whether `node` is inside a function the file's model knows as a handler: `req` is only
/// taken for the request there (elsewhere it is as often a `Request` row of the project).
fn in_handler(file: &ParsedFile, node: Node) -> bool {
    std::iter::successors(enclosing_function(node), |f| enclosing_function(*f)).any(|function| {
        let name = function.field_child("name").map(|n| n.byte_range());
        file.model()
            .handlers
            .iter()
            .any(|handler| Some(&handler.name_bytes) == name.as_ref())
    })
}

/// Libraries whose request classes carry client input.
const REQUEST_LIBRARIES: &[&str] = &[
    "django.",
    "rest_framework.",
    "starlette.",
    "fastapi.",
    "flask.",
    "werkzeug.",
    "quart.",
    "aiohttp.",
    "sanic.",
    "litestar.",
    "falcon.",
    "tornado.",
    "pyramid.",
    "ninja.",
];

/// Whether `name` (read at `node`) is a parameter of its function annotated with a class that
/// no web framework defines (`request: HttpRequest` imported from the project's own models):
/// its attributes are that object's, not client input. The annotation is resolved through the
/// file's imports; a name nothing binds keeps the benefit of the doubt (it stays a source).
fn typed_as_other_object(file: &ParsedFile, node: Node, name: &str) -> bool {
    let Some(annotation) =
        std::iter::successors(enclosing_function(node), |f| enclosing_function(*f))
            .find_map(|function| {
                let parameters = function.field_child("parameters")?;
                named_children(parameters).into_iter().find_map(|param| {
                    let declared = match param.kind() {
                        "typed_parameter" => param.named_child(0)?,
                        "typed_default_parameter" => param.field_child("name")?,
                        "identifier" | "default_parameter"
                            if file.text(param).split('=').next()?.trim() == name =>
                        {
                            return Some(None)
                        }
                        _ => return None,
                    };
                    (file.text(declared) == name).then(|| param.field_child("type"))
                })
            })
            .flatten()
    else {
        return false;
    };
    let written = file.text(annotation).trim_matches(['"', '\'']);
    let class = written.split(['[', '|', ' ']).next().unwrap_or(written);
    match file.symbols().resolve(file.language(), class) {
        // `Any`, `object` and the like say nothing.
        crate::symbols::Resolved::Qualified(qualified) => {
            !is_request_library(&qualified)
                && !["typing.", "typing_extensions.", "builtins."]
                    .iter()
                    .any(|library| qualified.starts_with(library))
        }
        crate::symbols::Resolved::Unresolved(_) => false,
    }
}

/// The values a call hands over: keyword arguments by their value, splats by what they spread.
fn call_arguments<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    node.field_child("arguments")
        .map(|a| {
            // `f(x for x in xs)`: the generator is the one argument.
            if a.kind() == "generator_expression" {
                return vec![a];
            }
            named_children(a)
                .into_iter()
                .map(|arg| match arg.kind() {
                    "keyword_argument" => arg.field_child("value").unwrap_or(arg),
                    "list_splat" | "dictionary_splat" => arg.named_child(0).unwrap_or(arg),
                    _ => arg,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the call `node` reads stored rows (a database look-up or query filter): what it
/// returns is not the key it was given.
pub(crate) fn reads_stored_rows(file: &ParsedFile, node: Node) -> bool {
    stored_rows(file, node, &call_arguments(node))
}

/// [`reads_stored_rows`], with the call's arguments already read.
fn stored_rows(file: &ParsedFile, node: Node, args: &[Node]) -> bool {
    let Some(function) = node.field_child("function") else {
        return false;
    };
    // A chain split over several lines (`(LastView` / `.objects` / `.filter(…))`) read as one.
    let written = file.text(function);
    let joined: String;
    let callee = if written.contains(char::is_whitespace) {
        joined = written
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\\')
            .collect();
        joined.as_str()
    } else {
        written
    };
    let last = callee.rsplit('.').next().unwrap_or(callee);
    is_row_lookup(callee, last)
        || is_session_lookup(file, callee, last, args)
        || filters_rows(file, node, last)
}

fn call<'t>(file: &'t ParsedFile, node: Node<'t>) -> Shape<'t> {
    let Some(function) = node.field_child("function") else {
        return Shape::Composite;
    };
    let args = call_arguments(node);
    let callee = file.text(function);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    if stored_rows(file, node, &args) {
        return Shape::Stored;
    }
    if SANITIZERS.contains(&last) {
        return Shape::Clean;
    }
    match function.kind() {
        "attribute" => {
            if let Some(label) = request_attribute(file, function) {
                return Shape::Source(label);
            }
            let receiver = function.field_child("object");
            let local = receiver
                .filter(|r| matches!(file.text(*r), "self" | "cls"))
                .and_then(|_| local_function(file, node, last, true));
            let mut args = args;
            if local.is_none() && KEYED_READS.contains(&last) && !args.is_empty() {
                args.remove(0);
            }
            Shape::Call(Call {
                local,
                receiver: if local.is_some() { None } else { receiver },
                args,
                known: PROPAGATING_METHODS.contains(&last),
            })
        }
        "identifier" => Shape::Call(Call {
            local: local_function(file, node, last, false),
            receiver: None,
            known: matches!(
                last,
                "str"
                    | "repr"
                    | "dict"
                    | "list"
                    | "tuple"
                    | "set"
                    | "sorted"
                    | "reversed"
                    | "urljoin"
            ),
            args,
        }),
        _ => Shape::Call(Call {
            local: None,
            receiver: Some(function),
            args,
            known: false,
        }),
    }
}

/// The function named `name` defined in this file: in an enclosing function or at module level,
/// or in the enclosing class for `self.name(...)`.
pub(super) fn local_function<'t>(
    file: &'t ParsedFile,
    call: Node<'t>,
    name: &str,
    method: bool,
) -> Option<Node<'t>> {
    let container = if method {
        file.ancestors(call)
            .find(|node| node.kind() == "class_definition")?
            .field_child("body")?
    } else {
        // A function nested in an enclosing one (`def author(path): …` inside the caller) first.
        let mut root = call;
        for parent in file.ancestors(call) {
            root = parent;
            if root.kind() == "function_definition" {
                if let Some(nested) = nested_definition(file, root, name, call.start_byte()) {
                    return Some(nested);
                }
            }
        }
        root
    };
    file.definition_in(container, "function_definition", name)
}

/// The function named `name` that `function` defines in its own body (in any block, not in a
/// nested function or class), the last one before byte `before`.
fn nested_definition<'t>(
    file: &ParsedFile,
    function: Node<'t>,
    name: &str,
    before: usize,
) -> Option<Node<'t>> {
    let body = function.field_child("body")?;
    let named = |node: &Node| {
        node.field_child("name")
            .is_some_and(|n| file.text(n) == name)
    };
    // Asked for every call the tracer meets: the file's index of definitions answers first.
    let defined = file
        .of_kinds_within(&["function_definition"], body)
        .iter()
        .any(|node| node.start_byte() < before && named(node));
    if !defined {
        return None;
    }
    descendants(body)
        .filter(|node| node.kind() == "function_definition" && node.start_byte() < before)
        .filter(named)
        .filter(|node| {
            ancestors_from(body, *node)
                .into_iter()
                .all(|a| !matches!(a.kind(), "function_definition" | "class_definition"))
        })
        .last()
}

/// The latest assignment to `name` before `use_site` in its function, then the mutations after
/// it (`name.append(value)`, `name += value` is an assignment).
pub(super) fn bindings<'t>(
    file: &'t ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Vec<Binding<'t>> {
    let ancestors = file.ancestors_from(file.tree.root_node(), use_site);
    if let Some(binding) = comprehension_binding(file, &ancestors, name) {
        return vec![binding];
    }
    let Some(scope) = ancestors
        .iter()
        .copied()
        .find(|node| FUNCTIONS.contains(&node.kind()))
    else {
        return Vec::new();
    };
    let before = use_site.start_byte();
    // `m["key"]`: only what was stored under that key (or under a key not written as a literal).
    let key = read_key(file, use_site, ancestors.first().copied());
    // The assignments that may hold the value at the use: the latest one that always runs
    // before it, then later ones in branches the use is not inside (`if not x: x = ""`).
    let mut latest: Vec<Binding<'t>> = Vec::new();
    let mut mutations = Vec::new();
    // A binding names the variable: only the parts of the function that mention it are walked.
    for node in file.mentioning(scope, name, before, &[]) {
        // A binding made before the use, or the `for` loop whose body holds it.
        if node.end_byte() > before && !loops_around(node, use_site) {
            continue;
        }
        let bound = match node.kind() {
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                let target = node.field_child("left");
                let value = node.field_child("right");
                target.zip(value)
            }
            "named_expression" => node.field_child("name").zip(node.field_child("value")),
            "as_pattern" => node.field_child("alias").zip(node.named_child(0)),
            "call" => {
                let function = node.field_child("function");
                let is_mutation = function.is_some_and(|f| {
                    f.kind() == "attribute"
                        && f.field_child("object")
                            .is_some_and(|o| file.text(o) == name)
                        && f.field_child("attribute")
                            .is_some_and(|m| MUTATORS.contains(&file.text(m)))
                });
                if is_mutation {
                    if let Some(args) = node.field_child("arguments") {
                        mutations.push(Binding {
                            at: node,
                            value: args,
                            typed: false,
                        });
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some((target, value)) = bound else {
            continue;
        };
        // `m["key"] = value` stores into `m`, under a key.
        if target.kind() == "subscript"
            && target
                .field_child("value")
                .is_some_and(|m| m.kind() == "identifier" && file.text(m) == name)
        {
            let stored = target
                .field_child("subscript")
                .and_then(|k| literal_key(file, k));
            if key.is_none() || stored.is_none() || stored == key {
                mutations.push(Binding {
                    at: node,
                    value,
                    typed: false,
                });
            }
            continue;
        }
        // `obj.field = value` sets one field: it is what reads of that field see, and part of
        // the whole object, but nothing about the object's other fields.
        if target.kind() == "attribute" {
            let written = file.text(target);
            if !written.starts_with(&format!("{name}.")) {
                continue;
            }
            let read = attribute_read(file, use_site);
            let binding = Binding {
                at: node,
                value,
                typed: false,
            };
            if read == written || read.starts_with(&format!("{written}.")) {
                latest = vec![binding];
                mutations.clear();
            } else if written.starts_with(&format!("{read}.")) {
                mutations.push(binding);
            }
            continue;
        }
        let binds = descendants(target).any(|n| n.kind() == "identifier" && file.text(n) == name)
            || (target.kind() == "identifier" && file.text(target) == name);
        if binds {
            let clean = (node.kind() == "assignment"
                && node
                    .field_child("type")
                    .is_some_and(|t| crate::syntax::scope::is_inert_type(file.text(t))))
                || loop_counter(file, target, value, name);
            // `x += …` keeps what x held before: the earlier assignment stays the latest, and
            // the addition is traced after it, like a mutation.
            if node.kind() == "augmented_assignment" {
                mutations.push(Binding {
                    at: node,
                    value,
                    typed: false,
                });
            } else {
                let binding = Binding {
                    at: node,
                    value,
                    typed: clean,
                };
                if in_branch_without(file, node, use_site, scope, name) {
                    latest.insert(0, binding);
                } else {
                    latest = vec![binding];
                    mutations.clear();
                }
            }
        }
    }
    // `m = {"a": x, "b": y}` read as `m["a"]` holds `x`.
    if let Some(key) = &key {
        latest = latest
            .into_iter()
            .filter_map(|binding| match binding.value.kind() {
                "dictionary" => named_children(binding.value)
                    .into_iter()
                    .filter(|pair| pair.kind() == "pair")
                    .find(|pair| {
                        pair.field_child("key")
                            .and_then(|k| literal_key(file, k))
                            .is_none_or(|k| &k == key)
                    })
                    .and_then(|pair| pair.field_child("value"))
                    .map(|value| Binding { value, ..binding }),
                _ => Some(binding),
            })
            .collect();
    }
    latest.extend(mutations);
    latest
}

/// The field path a use reads: `self.request.POST` for the `self` of
/// `self.request.POST.get(…)`, or the name alone.
fn attribute_read<'f>(file: &ParsedFile<'f>, use_site: Node) -> &'f str {
    let mut node = use_site;
    while let Some(parent) = file.parent(node) {
        let is_object = parent.kind() == "attribute"
            && parent
                .field_child("object")
                .is_some_and(|o| o.id() == node.id());
        if !is_object {
            break;
        }
        node = parent;
    }
    file.text(node)
}

/// Whether `node` is a `for` loop whose body holds `use_site`: its target holds each value
/// the loop goes over there.
fn loops_around(node: Node, use_site: Node) -> bool {
    node.kind() == "for_statement"
        && node
            .field_child("body")
            .is_some_and(|body| body.byte_range().contains(&use_site.start_byte()))
}

/// The literal key `use_site` (under `parent`) is read with, when it is the object of a
/// subscript (`m["key"]`, `m[0]`).
fn read_key(file: &ParsedFile, use_site: Node, parent: Option<Node>) -> Option<String> {
    let parent = parent.filter(|p| p.kind() == "subscript")?;
    if parent.field_child("value")?.id() != use_site.id() {
        return None;
    }
    literal_key(file, parent.field_child("subscript")?)
}

/// A subscript key written as a plain string or integer literal.
fn literal_key(file: &ParsedFile, key: Node) -> Option<String> {
    match key.kind() {
        "integer" => Some(file.text(key).to_string()),
        "string" if !descendants(key).any(|n| n.kind() == "interpolation") => {
            Some(file.text(key).trim_matches(['"', '\'']).to_string())
        }
        _ => None,
    }
}

/// Whether `node` sits in a branch (`if`/`elif`/`else`, a loop body, an `except` or `case`)
/// that does not also hold `use_site`: it may not have run when the use is reached. A branch of
/// an `if` whose condition passes `name` to a call is the other half of a check
/// (`if is_safe(url): … else: url = default`): the value that reaches the use was checked or
/// replaced, so the assignment counts as the latest.
fn in_branch_without(
    file: &ParsedFile,
    node: Node,
    use_site: Node,
    scope: Node,
    name: &str,
) -> bool {
    file.ancestors_from(scope, node).windows(2).any(|pair| {
        let (block, parent) = (pair[0], pair[1]);
        block.kind() == "block"
            && matches!(
                parent.kind(),
                "if_statement"
                    | "elif_clause"
                    | "else_clause"
                    | "for_statement"
                    | "while_statement"
                    | "except_clause"
                    | "case_clause"
            )
            && !(block.start_byte() <= use_site.start_byte()
                && use_site.end_byte() <= block.end_byte())
            && !checked_by_call(file, parent, name)
    })
}

/// Whether the condition of the `if` that `branch` (an `if`, `elif` or `else` part) belongs to
/// passes `name` to a call (other than a type or emptiness test).
fn checked_by_call(file: &ParsedFile, branch: Node, name: &str) -> bool {
    let statement = match branch.kind() {
        "if_statement" => Some(branch),
        "elif_clause" | "else_clause" => branch.parent(),
        _ => None,
    };
    statement
        .and_then(|s| s.field_child("condition"))
        .is_some_and(|condition| {
            descendants(condition).any(|call| {
                call.kind() == "call"
                    // a type or emptiness test checks nothing about the text
                    && call.field_child("function").is_some_and(|f| {
                        !matches!(file.text(f), "isinstance" | "len" | "hasattr" | "bool" | "type")
                    })
                    && call.field_child("arguments").is_some_and(|args| {
                        named_children(args)
                            .iter()
                            .any(|arg| arg.kind() == "identifier" && file.text(*arg) == name)
                    })
            })
        })
}

/// Whether the element `body` of `comprehension` is a name that an `if` clause tests for
/// membership (`f in self.rename_fields`, `f.lower() in db.columns`, also under `and`).
fn allowlisted_by_filter(file: &ParsedFile, comprehension: Node, body: Node) -> bool {
    fn tests(file: &ParsedFile, condition: Node, name: &str) -> bool {
        match condition.kind() {
            "comparison_operator" => {
                let operands = named_children(condition);
                operands.len() == 2
                    && crate::syntax::scope::python::names_up_to_case(file, operands[0], name)
                    && condition.child(1).is_some_and(|op| file.text(op) == "in")
            }
            "boolean_operator" => {
                condition
                    .field_child("operator")
                    .is_some_and(|op| file.text(op) == "and")
                    && named_children(condition)
                        .into_iter()
                        .any(|side| tests(file, side, name))
            }
            "parenthesized_expression" => named_children(condition)
                .into_iter()
                .any(|inner| tests(file, inner, name)),
            _ => false,
        }
    }
    body.kind() == "identifier"
        && named_children(comprehension)
            .into_iter()
            .filter(|clause| clause.kind() == "if_clause")
            .flat_map(named_children)
            .any(|condition| tests(file, condition, file.text(body)))
}

/// The `for` clause of a comprehension around `use_site` that binds `name` (the clause comes
/// after the element that uses it).
fn comprehension_binding<'t>(
    file: &ParsedFile,
    ancestors: &[Node<'t>],
    name: &str,
) -> Option<Binding<'t>> {
    for &node in ancestors {
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => return None,
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                let clause = named_children(node).into_iter().find(|clause| {
                    clause.kind() == "for_in_clause"
                        && clause.field_child("left").is_some_and(|target| {
                            std::iter::once(target)
                                .chain(descendants(target))
                                .any(|n| n.kind() == "identifier" && file.text(n) == name)
                        })
                });
                if let Some(clause) = clause {
                    let value = clause.field_child("right")?;
                    let target = clause.field_child("left")?;
                    return Some(Binding {
                        at: clause,
                        value,
                        typed: loop_counter(file, target, value, name),
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// The kinds of Python functions.
const FUNCTIONS: &[&str] = &["function_definition", "lambda"];

pub(super) fn enclosing_function(node: Node) -> Option<Node> {
    ancestor_of_kind(node, FUNCTIONS)
}

/// Whether the function defined over `function` reads an attribute of its parameter `name`
/// (`page.title`, not a method call such as `slug.upper()`): a URL segment is a string, so such
/// a parameter is an object a caller passes (`def render_page(request, page)` called by a view),
/// not request input.
pub(super) fn read_as_object(file: &ParsedFile, function: Range<usize>, name: &str) -> bool {
    let root = file.tree.root_node();
    let Some(outer) = root.descendant_for_byte_range(function.start, function.end) else {
        return false;
    };
    descendants(outer).any(|node| {
        node.kind() == "attribute"
            && node
                .field_child("object")
                .is_some_and(|object| object.kind() == "identifier" && file.text(object) == name)
            && !node.parent().is_some_and(|parent| {
                parent.kind() == "call"
                    && parent
                        .field_child("function")
                        .is_some_and(|f| f.id() == node.id())
            })
    })
}

pub(super) fn parameter_names(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(parameters) = function.field_child("parameters") else {
        return Vec::new();
    };
    named_children(parameters)
        .into_iter()
        .filter_map(|param| {
            let name = match param.kind() {
                "identifier" => param,
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    param.named_child(0)?
                }
                _ => param.field_child("name")?,
            };
            Some(file.text(name).to_string())
        })
        .filter(|name| name != "self" && name != "cls")
        .collect()
}

/// The first parameter of a method defined in a class (`self`).
pub(super) fn receiver_name(file: &ParsedFile, function: Node) -> Option<String> {
    let in_class = function
        .parent()
        .and_then(|parent| match parent.kind() {
            "decorated_definition" => parent.parent(),
            _ => Some(parent),
        })
        .and_then(|block| block.parent())
        .is_some_and(|owner| owner.kind() == "class_definition");
    let first = function.field_child("parameters")?.named_child(0)?;
    (in_class && first.kind() == "identifier").then(|| file.text(first).to_string())
}

pub(super) fn returned_values(function: Node) -> Vec<Node> {
    descendants(function)
        .filter(|n| n.kind() == "return_statement")
        // The function's own returns, not those of functions nested in it.
        .filter(|ret| {
            let ancestors = ancestors_from(function, *ret);
            FUNCTIONS.contains(&function.kind())
                && ancestors
                    .iter()
                    .rev()
                    .skip(1)
                    .all(|n| !FUNCTIONS.contains(&n.kind()))
        })
        .filter_map(|ret| ret.named_child(0))
        .collect()
}

/// Identifiers that name something rather than read a value.
fn is_name_position(file: &ParsedFile, node: Node) -> bool {
    let Some(parent) = file.parent(node) else {
        return false;
    };
    let is_field = |field: &str| {
        parent
            .field_child(field)
            .is_some_and(|child| child.id() == node.id())
    };
    match parent.kind() {
        "attribute" => is_field("attribute"),
        "keyword_argument" => is_field("name"),
        _ => false,
    }
}

/// Whether `name` is a loop counter, a number: `for i in range(n)`, or the index of
/// `for i, item in enumerate(items)`.
fn loop_counter(file: &ParsedFile, target: Node, value: Node, name: &str) -> bool {
    let Some(function) = value
        .field_child("function")
        .filter(|_| value.kind() == "call")
    else {
        return false;
    };
    match file.text(function) {
        "range" => target.kind() == "identifier",
        "enumerate" => {
            matches!(target.kind(), "pattern_list" | "tuple_pattern")
                && target
                    .named_child(0)
                    .is_some_and(|first| first.kind() == "identifier" && file.text(first) == name)
        }
        _ => false,
    }
}
