//! Which classes the client fills: request models.
//!
//! A pydantic model, serializer, form or schema only carries client input when a handler takes it
//! from the request: as a FastAPI body or query parameter, by validating request data with it
//! (`Payment(**request.json)`, `Payment.model_validate(data)`, `PaymentForm(request.POST)` in a
//! handler or in any method of a class-based view), as a view's `form_class`/`serializer_class`,
//! through a request-parsing decorator (`@use_kwargs(PaymentSchema)`), or as a field of such a
//! model. Per file, [`python`] lists the classes handlers take, each use with the fields the
//! handler bounds from below itself (`if body.amount <= 0: raise …`), and the class-typed fields
//! of every class, and the fields any function bounds for a parameter of a class (a ledger's
//! `_verify_amount(p.amount)` for each proof); [`RequestModels`] closes them over fields once
//! the project is linked.

use super::effects::Effects;
use super::facts::FileFacts;
use super::guards::Judge;
use crate::app::handlers::admin::is_admin_marker;
use crate::app::handlers::{Framework, Handler};
use crate::parse::ParsedFile;
use crate::syntax::{descendants, named_children, FieldChild};
use crate::taint::callees::Callees;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use tree_sitter::Node;

/// Calls that validate data into a model (`Model.model_validate(data)`).
const VALIDATORS: &[&str] = &[
    "model_validate",
    "model_validate_json",
    "parse_obj",
    "parse_raw",
    "validate",
    "load",
];

/// Class attributes of a class-based view that name the class it fills from the request.
const VIEW_CLASS_ATTRIBUTES: &[&str] = &["form_class", "form", "serializer_class"];
/// Methods of a class-based view that return the class it fills from the request.
const VIEW_CLASS_GETTERS: &[&str] = &["get_form_class", "get_serializer_class"];
/// Decorators that parse the request into the class they name (webargs, flask-smorest,
/// flask-pydantic).
static PARSING_DECORATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|\.)(use_args|use_kwargs|use_\w*args|arguments|validate|expect)$")
        .expect("the decorator regex is valid")
});
/// A comparison that bounds a value from below (`amount <= 0`, `0 < amount`, `x < MIN_AMOUNT`).
static LOWER_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([<>]=?\s*-?(\d|Decimal\(|[\w.]*\bmin\w*|[\w.]*zero\b))|((\d|\)|\bmin\w*|ZERO)\s*[<>]=?)",
    )
    .expect("the bound regex is valid")
});

/// The classes a file's handlers take from the client, and its classes' class-typed fields,
/// as qualified names.
pub fn python(file: &ParsedFile, facts: &mut FileFacts) {
    let symbols = file.symbols();
    let language = file.language();
    let qualify = |written: &str| symbols.resolve(language, written).name().to_string();
    let root = file.tree.root_node();
    let mut uses = Uses::default();
    for handler in &file.model().handlers {
        // Staff-only handlers (`Depends(check_admin)`, `IsAdminUser`) take their models too,
        // but negative amounts there are usually the point (corrections, adjustments).
        let staff = handler.staff();
        let at = handler.name_bytes.start;
        let Some(function) = root
            .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)
            .and_then(|name| name.parent())
        else {
            continue;
        };
        if let Some(params) = function.field_child("parameters") {
            for param in named_children(params) {
                let Some(name) = param
                    .field_child("name")
                    .or_else(|| named_children(param).into_iter().next())
                else {
                    continue;
                };
                let name = file.text(name);
                if !handler.request_params.iter().any(|p| p == name) {
                    continue;
                }
                if let Some(annotation) = param.field_child("type") {
                    let bounded = bounded_fields(file, function, name);
                    for class in type_names(file, annotation) {
                        uses.add(qualify(class), staff, bounded.clone(), at);
                    }
                }
            }
        }
        let mut other_uses: Vec<&str> = decorator_models(file, function);
        other_uses.extend(built_from_request(file, function));
        for class in other_uses {
            match &handler.owner {
                Some(view) if matches!(handler.framework, Framework::Django | Framework::Drf) => {
                    uses.add_by_view(view, qualify(class), staff)
                }
                _ => uses.add(qualify(class), staff, Vec::new(), at),
            }
        }
    }
    for class in file
        .statement_level()
        .iter()
        .copied()
        .filter(|n| n.kind() == "class_definition")
    {
        let (Some(name), Some(body)) = (class.field_child("name"), class.field_child("body"))
        else {
            continue;
        };
        view_class_uses(file, class, &qualify, &mut uses);
        let mut fields = Vec::new();
        for statement in named_children(body) {
            for assignment in named_children(statement)
                .into_iter()
                .filter(|n| n.kind() == "assignment")
            {
                if let Some(annotation) = assignment.field_child("type") {
                    fields.extend(type_names(file, annotation).iter().map(|t| qualify(t)));
                }
                // DRF nested serializers: `items = ItemSerializer(many=True)`.
                if let Some(value) = assignment
                    .field_child("right")
                    .filter(|v| v.kind() == "call")
                    .and_then(|v| v.field_child("function"))
                {
                    fields.push(qualify(file.text(value)));
                }
            }
        }
        if !fields.is_empty() {
            facts.model_fields.push((qualify(file.text(name)), fields));
        }
    }
    facts.bounded_in_code = bounded_in_code(file, &qualify);
    uses.store(facts);
}

/// The fields of class-typed parameters that the file's functions bound from below, themselves
/// or through a function of this file that refuses them (see [`FileFacts::bounded_in_code`]).
fn bounded_in_code(
    file: &ParsedFile,
    qualify: &dyn Fn(&str) -> String,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for function in file.of_kinds(&["function_definition"]) {
        let Some(params) = function.field_child("parameters") else {
            continue;
        };
        for param in named_children(params) {
            let (Some(name), Some(annotation)) = (
                named_children(param).into_iter().next(),
                param.field_child("type"),
            ) else {
                continue;
            };
            let classes = type_names(file, annotation);
            if classes.is_empty() || name.kind() != "identifier" {
                continue;
            }
            let name = file.text(name);
            let mut names = vec![name.to_string()];
            names.extend(element_names(file, function, name));
            for (field, check) in names.iter().flat_map(|name| bounds(file, function, name)) {
                for class in &classes {
                    out.push((qualify(class), field.clone(), check.clone()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The names a function's loops bind to each element of `name` (`for p in proofs`, `[… for p
/// in proofs]`).
fn element_names(file: &ParsedFile, function: Node, name: &str) -> Vec<String> {
    descendants(function)
        .filter(|node| matches!(node.kind(), "for_statement" | "for_in_clause"))
        .filter(|node| {
            node.field_child("right")
                .is_some_and(|right| right.kind() == "identifier" && file.text(right) == name)
        })
        .filter_map(|node| node.field_child("left"))
        .filter(|left| left.kind() == "identifier")
        .map(|left| file.text(left).to_string())
        .collect()
}

/// The fields of `param` that `function` bounds from below, each with its check as written:
/// compared with a lower bound, handed to a check named so (`ensure_positive(x.amount)`), or
/// handed to a function of this file that refuses under a lower bound (`self._verify_amount(
/// p.amount)` with `if not amount > 0: raise …`).
fn bounds(file: &ParsedFile, function: Node, param: &str) -> Vec<(String, String)> {
    let prefix = format!("{param}.");
    let mut fields = Vec::new();
    for node in descendants(function) {
        let comparison = match node.kind() {
            "comparison_operator" => true,
            "call" => false,
            _ => continue,
        };
        // The fields of `param` it reads; a comparison bounds its own operands (`p.amount >
        // 0`), not a sum of them.
        let read: Vec<&str> = descendants(node)
            .filter(|n| n.kind() == "attribute")
            .filter(|n| !comparison || n.parent().is_some_and(|parent| parent.id() == node.id()))
            .filter_map(|n| file.text(n).strip_prefix(&prefix))
            .filter(|field| field.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect();
        if read.is_empty() {
            continue;
        }
        let checked = if comparison {
            LOWER_BOUND.is_match(file.text(node))
        } else {
            node.field_child("function").is_some_and(|f| {
                let name = file.text(f).rsplit('.').next().unwrap_or("");
                let lower = name.to_lowercase();
                ["valid", "check", "ensure", "positive", "bound", "clamp"]
                    .iter()
                    .any(|word| lower.contains(word))
                    || refuses_below_a_bound(file, name)
            })
        };
        if checked {
            let check = super::first_line_within(file.text(node), 80);
            fields.extend(
                read.into_iter()
                    .map(|field| (field.to_string(), check.clone())),
            );
        }
    }
    fields
}

/// Whether a function of this file named `name` raises and compares one of its parameters
/// with a lower bound (`valid = amount > 0 and …` then `if not valid: raise …`).
fn refuses_below_a_bound(file: &ParsedFile, name: &str) -> bool {
    file.of_kinds(&["function_definition"])
        .into_iter()
        .filter(|function| {
            function
                .field_child("name")
                .is_some_and(|found| file.text(found) == name)
        })
        .any(|function| {
            let parameters = crate::taint::parameter_names(file, function);
            descendants(function).any(|node| node.kind() == "raise_statement")
                && descendants(function)
                    .filter(|node| node.kind() == "comparison_operator")
                    .filter(|node| LOWER_BOUND.is_match(file.text(*node)))
                    .any(|node| {
                        descendants(node).any(|part| {
                            part.kind() == "identifier"
                                && parameters.iter().any(|p| p == file.text(part))
                        })
                    })
        })
}

/// The key of a qualified name: its last part (`pkg.models.Pay` → `Pay`), kept apart for Rust
/// paths (`crate::user::NewUser` → `::NewUser`), so a struct and a class of one name differ.
fn last_part(qualified: &str) -> String {
    match qualified.rsplit_once("::") {
        Some((_, last)) => format!("::{last}"),
        None => qualified
            .rsplit('.')
            .next()
            .unwrap_or(qualified)
            .to_string(),
    }
}

/// A Rust path as the project model keys it: with `::` even when nothing qualified it.
pub fn rust_path(resolved: &str) -> String {
    if resolved.contains("::") {
        resolved.to_string()
    } else {
        format!("::{resolved}")
    }
}

/// Extractors whose type parameter the client fills (`Json<NewUser>`, `web::Form<T>`, also
/// wrapped: `Option<Json<T>>`).
static BODY_EXTRACTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:Json|Form|Query|JsonBody|ValidatedJson|ValidatedForm|ValidatedQuery)\s*<\s*((?:\w+::)*\w+)\s*>")
        .expect("the extractor regex is valid")
});

/// The structs a Rust file's functions take through an extractor (only handlers take
/// extractors) and the input objects its GraphQL resolvers take as arguments, as qualified
/// names, staff-only when another parameter's type (`AdminUser`) or the resolver's guard says
/// so; and its structs' struct-typed fields.
pub fn rust(file: &ParsedFile, facts: &mut FileFacts) {
    let symbols = file.symbols();
    let mut uses = Uses::default();
    let root = file.tree.root_node();
    for handler in file
        .model()
        .handlers
        .iter()
        .filter(|h| h.operation.is_some())
    {
        let Some(parameters) = root
            .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)
            .and_then(|name| name.parent())
            .and_then(|function| function.field_child("parameters"))
        else {
            continue;
        };
        for kind in named_children(parameters)
            .into_iter()
            .filter_map(|parameter| parameter.field_child("type"))
            .flat_map(|kind| std::iter::once(kind).chain(descendants(kind)))
            .filter(|kind| kind.kind() == "type_identifier")
        {
            let class = rust_path(symbols.resolve(file.language(), file.text(kind)).name());
            uses.add(class, handler.staff(), Vec::new(), handler.name_bytes.start);
        }
    }
    for function in descendants(file.tree.root_node()).filter(|n| n.kind() == "function_item") {
        let (Some(name), Some(parameters)) = (
            function.field_child("name"),
            function.field_child("parameters"),
        ) else {
            continue;
        };
        let types: Vec<&str> = named_children(parameters)
            .into_iter()
            .filter_map(|parameter| parameter.field_child("type"))
            .map(|kind| file.text(kind))
            .collect();
        let staff = types.iter().any(|kind| is_admin_marker(kind));
        for model in types
            .iter()
            .flat_map(|kind| BODY_EXTRACTOR.captures_iter(kind))
            .filter_map(|captures| captures.get(1))
        {
            let class = symbols.resolve(file.language(), model.as_str());
            uses.add(
                rust_path(class.name()),
                staff,
                Vec::new(),
                name.start_byte(),
            );
        }
    }
    // Struct fields typed with other structs (`lines: Vec<OrderLine>`): nested request models.
    for item in descendants(file.tree.root_node()).filter(|n| n.kind() == "struct_item") {
        let (Some(name), Some(body)) = (item.field_child("name"), item.field_child("body")) else {
            continue;
        };
        let fields: Vec<String> = descendants(body)
            .filter(|node| node.kind() == "type_identifier")
            .map(|kind| rust_path(symbols.resolve(file.language(), file.text(kind)).name()))
            .filter(|kind| is_class_name(kind))
            .collect();
        if !fields.is_empty() {
            let class = symbols.resolve(file.language(), file.text(name));
            facts.model_fields.push((rust_path(class.name()), fields));
        }
    }
    uses.store(facts);
}

/// The uses of request models found in one file.
#[derive(Default)]
struct Uses {
    /// (class, by staff only, fields the use bounds, where the handler's name starts).
    found: Vec<(String, bool, Vec<String>, usize)>,
    /// (view class, class) for views not known here to be staff-only.
    by_views: Vec<(String, String)>,
}

impl Uses {
    fn add(&mut self, class: String, staff: bool, bounded: Vec<String>, at: usize) {
        if is_class_name(&class) {
            self.found.push((class, staff, bounded, at));
        }
    }

    /// A use by the class-based view `view`: staff-only if this file says so, else decided by
    /// the view's bases when linking.
    fn add_by_view(&mut self, view: &str, class: String, staff: bool) {
        if staff {
            self.add(class, true, Vec::new(), 0);
        } else if is_class_name(&class) {
            self.by_views.push((view.to_string(), class));
        }
    }

    fn store(self, facts: &mut FileFacts) {
        for (class, staff, bounded, at) in self.found {
            if staff {
                facts.staff_request_models.push(class);
            } else {
                facts.request_models.push(class.clone());
                facts.model_checks.push((class, bounded, at));
            }
        }
        facts.view_models = self.by_views;
        facts.view_models.sort();
        facts.view_models.dedup();
        for list in [&mut facts.request_models, &mut facts.staff_request_models] {
            list.sort();
            list.dedup();
        }
        facts.model_checks.sort();
        facts.model_checks.dedup();
    }
}

/// Methods that validate a bound form or serializer (`form.validate_on_submit()`).
const FORM_VALIDATORS: &[&str] = &["validate_on_submit", "is_valid", "validate"];

fn is_class_name(qualified: &str) -> bool {
    let last = last_part(qualified);
    last.trim_start_matches(':')
        .starts_with(|c: char| c.is_ascii_uppercase())
}

/// Classes a function fills with request data: `Model.model_validate(data)`, `Model(**body)`,
/// `Form(request.POST)`, `Serializer(data=self.request.data)`, and a form it builds and then
/// validates (Flask-WTF's `form = PayForm()` binds the request itself); not a model built as
/// the function's return value (its response) or from data that is not request input.
fn built_from_request<'f>(file: &ParsedFile<'f>, function: Node) -> Vec<&'f str> {
    let mut classes = Vec::new();
    let mut validated: Vec<&str> = Vec::new();
    let mut built: Vec<(&str, &str)> = Vec::new();
    for node in descendants(function) {
        if node.kind() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right"))
        else {
            continue;
        };
        if let Some(class) = right
            .field_child("function")
            .filter(|_| right.kind() == "call" && left.kind() == "identifier")
        {
            built.push((file.text(left), file.text(class)));
        }
    }
    for call in descendants(function).filter(|n| n.kind() == "call") {
        let Some(callee) = call.field_child("function") else {
            continue;
        };
        let written = file.text(callee);
        if let Some((object, method)) = written.rsplit_once('.') {
            if FORM_VALIDATORS.contains(&method) {
                validated.push(object);
            }
        }
        let args = call
            .field_child("arguments")
            .map(|a| file.text(a))
            .unwrap_or("");
        let class = match written.rsplit_once('.') {
            // `Schema().load(data)` as well as `Model.model_validate(data)`.
            Some((class, method)) if VALIDATORS.contains(&method) => {
                class.strip_suffix("()").unwrap_or(class)
            }
            _ if args.contains("**") || args.contains("request") => written,
            _ => continue,
        };
        let returned = call
            .parent()
            .is_some_and(|parent| parent.kind() == "return_statement")
            || only_returned(file, function, call);
        let requested = !returned
            && call.field_child("arguments").is_some_and(|arguments| {
                named_children(arguments).into_iter().any(|argument| {
                    let value = argument.field_child("value").unwrap_or(argument);
                    file.text(value).contains("request.")
                        || crate::taint::from_request(file, file.model(), value)
                })
            });
        if requested {
            classes.push(class);
        }
    }
    for (variable, class) in built {
        if validated.contains(&variable) {
            classes.push(class);
        }
    }
    classes
}

/// Whether `call` is assigned to a name the function only returns or logs (`resp =
/// Response(quote=q.quote, …)`, `logger.trace(resp)`, `return resp`): the response built for
/// the client, not data taken from it.
fn only_returned(file: &ParsedFile, function: Node, call: Node) -> bool {
    let Some(assignment) = call.parent().filter(|p| p.kind() == "assignment") else {
        return false;
    };
    let Some(name) = assignment
        .field_child("left")
        .filter(|left| left.kind() == "identifier")
        .map(|left| file.text(left))
    else {
        return false;
    };
    let mut returned = false;
    for use_ in descendants(function).filter(|n| n.kind() == "identifier" && file.text(*n) == name)
    {
        let Some(parent) = use_.parent() else {
            return false;
        };
        match parent.kind() {
            "return_statement" => returned = true,
            "assignment" if parent.id() == assignment.id() => {}
            _ if logged(file, parent) => {}
            _ => return false,
        }
    }
    returned
}

/// Whether `node` is in the arguments of a logging call (`logger.info(…)`, `log.debug(…)`,
/// `print(…)`), directly or inside an f-string.
fn logged(file: &ParsedFile, node: Node) -> bool {
    let mut at = Some(node);
    while let Some(current) = at {
        match current.kind() {
            "argument_list" => {
                return current
                    .parent()
                    .and_then(|call| call.field_child("function"))
                    .is_some_and(|function| {
                        let written = file.text(function);
                        written == "print"
                            || written.rsplit_once('.').is_some_and(|(logger, method)| {
                                logger.to_ascii_lowercase().contains("log")
                                    && matches!(
                                        method,
                                        "trace" | "debug" | "info" | "warning" | "warn" | "error"
                                    )
                            })
                    });
            }
            "interpolation" | "string" | "string_content" | "binary_operator" => {
                at = current.parent();
            }
            _ => return false,
        }
    }
    false
}

/// The classes named by a function's request-parsing decorators (`@use_kwargs(PaymentSchema)`,
/// `@blp.arguments(PaymentSchema)`).
fn decorator_models<'f>(file: &ParsedFile<'f>, function: Node) -> Vec<&'f str> {
    let Some(decorated) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return Vec::new();
    };
    named_children(decorated)
        .into_iter()
        .filter(|n| n.kind() == "decorator")
        .filter_map(|decorator| named_children(decorator).into_iter().next())
        .filter(|call| call.kind() == "call")
        .filter(|call| {
            call.field_child("function")
                .is_some_and(|f| PARSING_DECORATOR.is_match(file.text(f)))
        })
        .filter_map(|call| {
            let first = named_children(call.field_child("arguments")?)
                .into_iter()
                .next()?;
            // `Schema` or `Schema()`.
            let class = match first.kind() {
                "call" => first.field_child("function")?,
                _ => first,
            };
            matches!(class.kind(), "identifier" | "attribute").then(|| file.text(class))
        })
        .collect()
}

/// What a class-based view fills from the request: its `form_class`/`serializer_class`, what
/// `get_form_class()` returns, and models its methods build from request data. Staff-only when
/// the view's handlers, bases or decorators restrict it to staff.
fn view_class_uses(
    file: &ParsedFile,
    class: Node,
    qualify: &dyn Fn(&str) -> String,
    uses: &mut Uses,
) {
    let (Some(name), Some(body)) = (class.field_child("name"), class.field_child("body")) else {
        return;
    };
    let name = file.text(name);
    let handlers: Vec<&Handler> = file
        .model()
        .handlers
        .iter()
        .filter(|h| h.owner.as_deref() == Some(name))
        .collect();
    let bases = class
        .field_child("superclasses")
        .map(|b| file.text(b))
        .unwrap_or("");
    if handlers.is_empty() && !bases.contains("View") {
        return;
    }
    let staff = handlers.iter().any(|h| h.staff())
        || lineage_markers(file, class)
            .iter()
            .any(|marker| crate::app::handlers::admin::is_admin_marker(marker));
    let handler_bytes: Vec<_> = handlers.iter().map(|h| h.name_bytes.clone()).collect();
    for statement in named_children(body) {
        let definition = match statement.kind() {
            "decorated_definition" => statement.field_child("definition"),
            "function_definition" => Some(statement),
            _ => None,
        };
        if let Some(method) = definition {
            // Handlers were read with their own guards above.
            let is_handler = method
                .field_child("name")
                .is_some_and(|n| handler_bytes.contains(&n.byte_range()));
            let method_name = method
                .field_child("name")
                .map(|n| file.text(n))
                .unwrap_or("");
            if VIEW_CLASS_GETTERS.contains(&method_name) {
                for returned in descendants(method).filter(|n| n.kind() == "return_statement") {
                    if let Some(value) = named_children(returned).into_iter().next() {
                        if matches!(value.kind(), "identifier" | "attribute") {
                            uses.add_by_view(name, qualify(file.text(value)), staff);
                        }
                    }
                }
            } else if !is_handler {
                for built in built_from_request(file, method) {
                    uses.add_by_view(name, qualify(built), staff);
                }
            }
            continue;
        }
        for assignment in named_children(statement)
            .into_iter()
            .filter(|n| n.kind() == "assignment")
        {
            let (Some(left), Some(right)) = (
                assignment.field_child("left"),
                assignment.field_child("right"),
            ) else {
                continue;
            };
            if VIEW_CLASS_ATTRIBUTES.contains(&file.text(left))
                && matches!(right.kind(), "identifier" | "attribute")
                && !serves_reads_only(file, class, bases)
            {
                uses.add_by_view(name, qualify(file.text(right)), staff);
            }
        }
    }
}

/// DRF generic views that only read: their serializer writes its model out, it is never
/// filled from the request.
const READ_ONLY_VIEWS: &[&str] = &["RetrieveAPIView", "ListAPIView", "ReadOnlyModelViewSet"];
/// Bases a read-only view may add without serving a write.
const READING_BASES: &[&str] = &[
    "RetrieveAPIView",
    "ListAPIView",
    "ReadOnlyModelViewSet",
    "RetrieveModelMixin",
    "ListModelMixin",
    "GenericAPIView",
    "GenericViewSet",
];
/// Methods through which a DRF view writes with its serializer.
const WRITING_METHODS: &[&str] = &[
    "post",
    "put",
    "patch",
    "delete",
    "create",
    "update",
    "partial_update",
    "destroy",
    "perform_create",
    "perform_update",
];

/// Whether a view is a DRF read-only generic (`RetrieveAPIView`, `ListAPIView`,
/// `ReadOnlyModelViewSet`, with only reading mixins besides) that defines no method that
/// writes: its `serializer_class` only writes rows out.
fn serves_reads_only(file: &ParsedFile, class: Node, bases: &str) -> bool {
    let names: Vec<&str> = bases
        .trim_matches(['(', ')'])
        .split(',')
        .map(|base| base.trim().rsplit('.').next().unwrap_or(""))
        .filter(|base| !base.is_empty())
        .collect();
    names.iter().any(|base| READ_ONLY_VIEWS.contains(base))
        && names.iter().all(|base| READING_BASES.contains(base))
        && !crate::app::handlers::python::class_methods(file, class)
            .iter()
            .any(|(method, _)| WRITING_METHODS.contains(&method.as_str()))
}

/// The markers (bases, decorators, permission attributes) of a class and of its bases defined
/// in the same file (`class OrderChange(OrderView)` with `class OrderView(EventPermissionRequiredMixin, …)`).
fn lineage_markers(file: &ParsedFile, class: Node) -> Vec<String> {
    let local: Vec<Node> = file
        .statement_level()
        .iter()
        .copied()
        .filter(|n| n.kind() == "class_definition")
        .collect();
    let mut markers = Vec::new();
    let mut todo = vec![class];
    let mut seen = Vec::new();
    while let Some(current) = todo.pop() {
        if seen.contains(&current.id()) || seen.len() > 6 {
            continue;
        }
        seen.push(current.id());
        markers.extend(crate::app::handlers::python::class_markers(file, current));
        let Some(bases) = current.field_child("superclasses") else {
            continue;
        };
        for base in named_children(bases)
            .into_iter()
            .filter(|b| b.kind() == "identifier")
        {
            let name = file.text(base);
            todo.extend(
                local
                    .iter()
                    .copied()
                    .filter(|n| n.field_child("name").is_some_and(|n| file.text(n) == name)),
            );
        }
    }
    markers
}

/// The fields of parameter `param` that `function` bounds from below itself: compared with a
/// lower bound (`param.amount <= 0`) or handed to a check (`ensure_positive(param.amount)`).
fn bounded_fields(file: &ParsedFile, function: Node, param: &str) -> Vec<String> {
    let mut fields: Vec<String> = bounds(file, function, param)
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

/// The class names in a type annotation (`Optional[list[Item]]` → `Item`), builtins aside.
fn type_names<'f>(file: &ParsedFile<'f>, annotation: tree_sitter::Node) -> Vec<&'f str> {
    descendants(annotation)
        .filter(|n| matches!(n.kind(), "identifier" | "attribute"))
        .filter(|n| n.parent().is_none_or(|p| p.kind() != "attribute"))
        .map(|n| file.text(n))
        .filter(|t| {
            let last = t.rsplit('.').next().unwrap_or(t);
            last.starts_with(|c: char| c.is_ascii_uppercase())
                && !matches!(
                    last,
                    "Optional" | "Annotated" | "List" | "Dict" | "Union" | "Decimal"
                )
        })
        .collect()
}

/// Every class some handler takes from the client, fields of such classes included.
pub struct RequestModels {
    /// By the last part of the qualified name: a class is often imported through a package
    /// that re-exports it, so its module path differs between files.
    names: BTreeSet<String>,
    /// Classes only staff-only handlers take (and their fields), not in `names`.
    staff: BTreeSet<String>,
    /// For classes handlers take as typed parameters: per use by a handler open to non-staff,
    /// the fields it bounds from below itself.
    checks: BTreeMap<String, Vec<Vec<String>>>,
    /// Per class, its uses by handlers open to non-staff: the handler's file and where its
    /// name starts (`None`: a class-based view, its handler not known here).
    uses: BTreeMap<String, Vec<Option<(String, usize)>>>,
    /// Per class, the classes that have a field of it.
    holders: BTreeMap<String, Vec<String>>,
    /// Per (class, field), a check of the project's code that bounds it from below.
    bounded_in_code: BTreeMap<(String, String), (String, String)>,
}

impl RequestModels {
    pub fn new(files: &[(String, &FileFacts)]) -> Self {
        let last = |name: &str| last_part(name);
        let mut names: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, facts)| facts.request_models.iter().map(|m| last(m)))
            .collect();
        let mut staff: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, facts)| facts.staff_request_models.iter().map(|m| last(m)))
            .collect();
        let mut checks: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        let mut uses: BTreeMap<String, Vec<Option<(String, usize)>>> = BTreeMap::new();
        // Views whose bases live in other files: staff-only when an ancestor says so
        // (`ObjectPermissionRequiredMixin`, `PermissionRequiredMixin`).
        let judge = Judge::new(files);
        for (index, (_, facts)) in files.iter().enumerate() {
            for (view, class) in &facts.view_models {
                let lineage = judge.lineage(index, view);
                if lineage.ancestors.iter().any(|a| is_admin_marker(a)) {
                    staff.insert(last(class));
                } else {
                    names.insert(last(class));
                    checks.entry(last(class)).or_default().push(Vec::new());
                    uses.entry(last(class)).or_default().push(None);
                }
            }
        }
        let fields: Vec<(String, Vec<String>)> = files
            .iter()
            .flat_map(|(_, facts)| {
                facts
                    .model_fields
                    .iter()
                    .map(|(class, fields)| (last(class), fields.iter().map(|f| last(f)).collect()))
            })
            .collect();
        // Fields of request models are request models: close over them.
        let close = |mut names: BTreeSet<String>| loop {
            let before = names.len();
            for (class, types) in &fields {
                if names.contains(class) {
                    names.extend(types.iter().cloned());
                }
            }
            if names.len() == before {
                break names;
            }
        };
        let names = close(names);
        let staff = close(staff).difference(&names).cloned().collect();
        for (path, facts) in files {
            for (class, bounded, at) in &facts.model_checks {
                checks.entry(last(class)).or_default().push(bounded.clone());
                uses.entry(last(class))
                    .or_default()
                    .push(Some((path.clone(), *at)));
            }
        }
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (class, types) in fields {
            for field in types {
                holders.entry(field).or_default().push(class.clone());
            }
        }
        let mut bounded_in_code = BTreeMap::new();
        for (path, facts) in files {
            for (class, field, check) in &facts.bounded_in_code {
                bounded_in_code
                    .entry((last(class), field.clone()))
                    .or_insert_with(|| (path.clone(), check.clone()));
            }
        }
        RequestModels {
            names,
            staff,
            checks,
            uses,
            holders,
            bounded_in_code,
        }
    }

    /// Whether every handler that takes the class from the client (directly or as a field of
    /// another class) changes no state, as `effects` reads them: its amounts move nothing.
    pub fn read_only(&self, class: &str, effects: &mut Effects, callees: &mut Callees) -> bool {
        let last = last_part(class);
        self.names.contains(&last)
            && !self.taken_by_writer(&last, effects, callees, &mut BTreeSet::new())
    }

    fn taken_by_writer(
        &self,
        class: &str,
        effects: &mut Effects,
        callees: &mut Callees,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        if !seen.insert(class.to_string()) {
            return false;
        }
        let direct = self.uses.get(class).into_iter().flatten().any(|handler| {
            handler
                .as_ref()
                .is_none_or(|(path, at)| effects.handler_writes(callees, path, *at))
        });
        direct
            || self
                .holders
                .get(class)
                .into_iter()
                .flatten()
                .filter(|holder| self.names.contains(*holder))
                .any(|holder| self.taken_by_writer(holder, effects, callees, seen))
    }

    /// Whether every handler open to non-staff that takes the class bounds its field from below
    /// itself (so the model needs no bound of its own). A class reached only as a field of
    /// another model, or built from request data, is never covered this way.
    pub fn field_bounded(&self, class: &str, field: &str) -> bool {
        let last = last_part(class);
        self.checks.get(&last).is_some_and(|uses| {
            uses.iter()
                .all(|bounded| bounded.iter().any(|f| f == field))
        })
    }

    /// A check of the project's code that bounds the class's field from below, as (file, the
    /// check as written), wherever it runs: the handlers may reach it.
    pub fn bounded_in_code(&self, class: &str, field: &str) -> Option<&(String, String)> {
        self.bounded_in_code
            .get(&(last_part(class), field.to_string()))
    }

    /// Whether a handler takes the class (a qualified name) from the client.
    pub fn contains(&self, class: &str) -> bool {
        let last = last_part(class);
        self.names.contains(&last) || self.staff.contains(&last)
    }

    /// Whether only handlers restricted to staff take the class from the client.
    pub fn staff_only(&self, class: &str) -> bool {
        self.staff.contains(&last_part(class))
    }
}
