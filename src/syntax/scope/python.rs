//! Scope look-ups for Python.

use super::{contains, Assigned};
use crate::parse::ParsedFile;
use crate::syntax::format::{admits_only_identifiers, Anchoring};
use crate::syntax::{descendants, is_constant_name, named_children, FieldChild};
use tree_sitter::Node;

/// Nodes that open a new scope: their insides are not searched from outside.
pub const SCOPES: &[&str] = &["function_definition", "class_definition", "lambda"];

/// The function (or module) a node belongs to.
pub fn enclosing_scope<'t>(file: &'t ParsedFile, node: Node<'t>) -> Node<'t> {
    file.ancestors(node)
        .find(|ancestor| SCOPES.contains(&ancestor.kind()))
        .unwrap_or_else(|| file.tree.root_node())
}

/// The last `name = …` before `use_site` in its scope, and the `name += …` after it.
pub fn assignments_before<'t>(
    file: &'t ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Option<Assigned<'t>> {
    // An assignment to the name mentions it: only the parts of the scope that do.
    let scope = enclosing_scope(file, use_site);
    let nodes = file.mentioning(scope, name, use_site.start_byte(), SCOPES);
    let before = |node: &Node| node.end_byte() <= use_site.start_byte();
    let targets = |node: &Node| {
        node.field_child("left")
            .is_some_and(|left| left.kind() == "identifier" && file.text(left) == name)
    };
    let last = nodes
        .iter()
        .rfind(|node| node.kind() == "assignment" && before(node) && targets(node))?;
    let appended = nodes
        .iter()
        .filter(|node| {
            node.kind() == "augmented_assignment"
                && node.start_byte() > last.end_byte()
                && before(node)
                && targets(node)
                && node
                    .field_child("operator")
                    .is_some_and(|operator| operator.kind() == "+=")
        })
        .filter_map(|node| node.field_child("right"))
        .collect();
    Some(Assigned {
        value: last.field_child("right"),
        appended,
    })
}

/// Whether `name` was checked against a constant collection before `use_site`:
/// `if name not in ALLOWED: raise/return …` (or `name = "default"`), `assert name in ALLOWED`,
/// or the use sits inside `if name in ALLOWED:` or `elif name in ALLOWED:`.
pub fn checked_against_allowlist(file: &ParsedFile, use_site: Node, name: &str) -> bool {
    // The check names the variable: only the parts of the scope before the use that mention it.
    let scope = enclosing_scope(file, use_site);
    let nodes = file.mentioning(scope, name, use_site.start_byte(), SCOPES);
    nodes.iter().any(|node| match node.kind() {
        "if_statement" => {
            let Some(condition) = node.field_child("condition") else {
                return false;
            };
            let Some(consequence) = node.field_child("consequence") else {
                return false;
            };
            match admitted(file, condition, name) {
                Some(true) => contains(consequence, use_site),
                Some(false) => {
                    exits(file, consequence)
                        || (node.field_child("alternative").is_none()
                            && replaced_by_literal(file, consequence, name))
                }
                None => false,
            }
        }
        // `elif sort in ALLOWED:` around the use
        "elif_clause" => {
            let condition = node.field_child("condition");
            let consequence = node.field_child("consequence");
            condition
                .zip(consequence)
                .is_some_and(|(condition, consequence)| {
                    admitted(file, condition, name) == Some(true) && contains(consequence, use_site)
                })
        }
        "assert_statement" => named_children(*node)
            .first()
            .is_some_and(|test| admitted(file, *test, name) == Some(true)),
        "assignment" => found_by_search(file, *node, name)
            .is_some_and(|(found, raises)| raises || search_checked(file, scope, found, use_site)),
        _ => false,
    })
}

/// The values `name` is found equal to before `use_site`: `X` of an `if name != X:` whose body
/// leaves, or of an `if name == X:` (or `elif`) around the use. The caller decides whether `X`
/// is the server's: then so is `name` at the use.
pub fn equal_to<'t>(file: &'t ParsedFile, use_site: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let scope = enclosing_scope(file, use_site);
    let nodes = file.mentioning(scope, name, use_site.start_byte(), SCOPES);
    let mut out = Vec::new();
    for node in nodes {
        if !matches!(node.kind(), "if_statement" | "elif_clause") {
            continue;
        }
        let (Some(condition), Some(consequence)) = (
            node.field_child("condition"),
            node.field_child("consequence"),
        ) else {
            continue;
        };
        let operands = named_children(condition);
        let [left, right] = operands.as_slice() else {
            continue;
        };
        if condition.kind() != "comparison_operator" {
            continue;
        }
        let other = match (file.text(*left) == name, file.text(*right) == name) {
            (true, false) if left.kind() == "identifier" => *right,
            (false, true) if right.kind() == "identifier" => *left,
            _ => continue,
        };
        let holds = match comparison_operators(condition).as_slice() {
            ["=="] => contains(consequence, use_site),
            ["!="] => node.kind() == "if_statement" && exits(file, consequence),
            _ => false,
        };
        if holds {
            out.push(other);
        }
    }
    out
}

/// `found = next((r for r in releases if r.link == name), None)`: the element of a collection
/// the server holds whose field equals `name`. Returns the name bound to it, and whether
/// `next` raises when nothing matches (no default given).
fn found_by_search<'t>(
    file: &'t ParsedFile,
    assignment: Node<'t>,
    name: &str,
) -> Option<(&'t str, bool)> {
    let found = assignment.field_child("left")?;
    let value = assignment.field_child("right")?;
    let value = match value.kind() {
        "await" => named_children(value).first().copied()?,
        _ => value,
    };
    if found.kind() != "identifier"
        || value.kind() != "call"
        || value.field_child("function").map(|f| file.text(f)) != Some("next")
    {
        return None;
    }
    // `next(r for r in …)` (the generator is the argument list) raises when nothing matches;
    // `next((r for r in …), None)` returns the default.
    let arguments = value.field_child("arguments")?;
    let (generator, raises) = if arguments.kind() == "generator_expression" {
        (arguments, true)
    } else {
        let given = named_children(arguments);
        let first = given.first().copied()?;
        (first, given.len() == 1)
    };
    if generator.kind() != "generator_expression" {
        return None;
    }
    let clauses = named_children(generator);
    let for_in = clauses.iter().find(|c| c.kind() == "for_in_clause")?;
    let element = for_in.field_child("left")?;
    let collection = for_in.field_child("right")?;
    if element.kind() != "identifier" || !is_searched_collection(file, collection, assignment) {
        return None;
    }
    let element = file.text(element);
    let matches = clauses
        .iter()
        .filter(|c| c.kind() == "if_clause")
        .filter_map(|c| named_children(*c).first().copied())
        .any(|condition| equals_field_of(file, condition, name, element));
    matches.then_some((file.text(found), raises))
}

/// `element.field == name` (either side), or an `and` holding one.
fn equals_field_of(file: &ParsedFile, condition: Node, name: &str, element: &str) -> bool {
    match condition.kind() {
        "boolean_operator" => {
            let and = condition
                .field_child("operator")
                .is_some_and(|o| file.text(o) == "and");
            and && [
                condition.field_child("left"),
                condition.field_child("right"),
            ]
            .into_iter()
            .flatten()
            .any(|side| equals_field_of(file, side, name, element))
        }
        "comparison_operator" => {
            let operators = comparison_operators(condition);
            let operands = named_children(condition);
            let of_element = |n: &Node| {
                (n.kind() == "identifier" && file.text(*n) == element)
                    || (n.kind() == "attribute"
                        && n.field_child("object")
                            .is_some_and(|o| o.kind() == "identifier" && file.text(o) == element))
            };
            let is_name = |n: &Node| n.kind() == "identifier" && file.text(*n) == name;
            operators == ["=="]
                && matches!(operands.as_slice(), [a, b]
                    if (is_name(a) && of_element(b)) || (is_name(b) && of_element(a)))
        }
        _ => false,
    }
}

/// A collection searched for an allowed value: a constant, one the function builds from
/// constants ([`is_server_collection`]), or the result of a call that is not handed the request,
/// written in place or kept in a local assigned once (`releases = await get_releases(ext_id)`):
/// records the server holds, not a list the client sent.
fn is_searched_collection(file: &ParsedFile, node: Node, at: Node) -> bool {
    if is_constant_collection(file, node) || is_server_collection(file, node, at) {
        return true;
    }
    if matches!(node.kind(), "call" | "await") {
        return is_server_call(file, node);
    }
    single_value(file, node, at).is_some_and(|value| is_server_call(file, value))
}

/// A call (awaited or not) that is not handed the request or its body.
fn is_server_call(file: &ParsedFile, value: Node) -> bool {
    let call = match value.kind() {
        "await" => named_children(value).first().copied(),
        _ => Some(value),
    };
    call.is_some_and(|call| {
        call.kind() == "call"
            && !descendants(call).any(|n| {
                n.kind() == "identifier"
                    && matches!(file.text(n), "request" | "req" | "body" | "data")
            })
    })
}

/// Whether a use is reached only when the search found something: it sits in `if found:`, or
/// follows `if not found: raise/return …` (`if found is None: …`).
fn search_checked(file: &ParsedFile, scope: Node, found: &str, use_site: Node) -> bool {
    file.mentioning(scope, found, use_site.start_byte(), SCOPES)
        .iter()
        .filter(|n| n.kind() == "if_statement")
        .any(|statement| {
            let (Some(condition), Some(consequence)) = (
                statement.field_child("condition"),
                statement.field_child("consequence"),
            ) else {
                return false;
            };
            let text = file.text(condition);
            let missing = text == format!("not {found}") || text == format!("{found} is None");
            let present = text == found || text == format!("{found} is not None");
            (missing && exits(file, consequence)) || (present && contains(consequence, use_site))
        })
}

/// Whether `condition` decides that `name` holds an allowed value: `Some(true)` when the
/// condition holding means it does (`name in ALLOWED`, `PATTERN.fullmatch(name)`), `Some(false)`
/// when the condition failing means it does (`name not in ALLOWED`, `not name.isidentifier()`).
/// Allowed values are the members of a constant collection, of one the function builds itself
/// (see [`is_server_collection`]), or text of a format that admits only identifiers (see
/// [`format_tested`]). Through `not`, `and` and `or`: `not isinstance(key, str) or not
/// PATTERN.fullmatch(key)` failing means the key matched; `name not in C and name != "x"` leaves
/// only members and that literal.
fn admitted(file: &ParsedFile, condition: Node, name: &str) -> Option<bool> {
    match condition.kind() {
        "not_operator" => condition
            .field_child("argument")
            .and_then(|inner| admitted(file, inner, name))
            .map(|holds| !holds),
        "parenthesized_expression" => named_children(condition)
            .first()
            .and_then(|inner| admitted(file, *inner, name)),
        "boolean_operator" => {
            let operator = condition.field_child("operator").map(|o| file.text(o));
            let (Some(left), Some(right)) = (
                condition.field_child("left"),
                condition.field_child("right"),
            ) else {
                return None;
            };
            let sides = [admitted(file, left, name), admitted(file, right, name)];
            match operator {
                // `a and b` holds only when each does; it fails when either fails.
                Some("and") => {
                    if sides.contains(&Some(true)) {
                        return Some(true);
                    }
                    let excluded = |side: Node, decided: Option<bool>| {
                        decided == Some(false) || differs_from_literal(file, side, name)
                    };
                    (sides.contains(&Some(false))
                        && excluded(left, sides[0])
                        && excluded(right, sides[1]))
                    .then_some(false)
                }
                // `a or b` fails only when each fails; it holds when either holds.
                Some("or") => {
                    if sides.contains(&Some(false)) {
                        Some(false)
                    } else {
                        (sides == [Some(true), Some(true)]).then_some(true)
                    }
                }
                _ => None,
            }
        }
        "comparison_operator" => membership(file, condition, name),
        "call" => format_tested(file, condition, name).then_some(true),
        _ => None,
    }
}

/// `name in COLLECTION` → `Some(true)`, `name not in COLLECTION` → `Some(false)`, where the
/// collection is a constant name, a literal of literals, or a collection the function builds
/// itself (see [`is_server_collection`]).
fn membership(file: &ParsedFile, condition: Node, name: &str) -> Option<bool> {
    let operands = named_children(condition);
    let [left, right] = operands.as_slice() else {
        return None;
    };
    if !names_up_to_case(file, *left, name)
        || !(is_constant_collection(file, *right) || is_server_collection(file, *right, condition))
    {
        return None;
    }
    let operators = comparison_operators(condition);
    match operators.as_slice() {
        ["in"] => Some(true),
        ["not in"] | ["not", "in"] => Some(false),
        _ => None,
    }
}

/// Whether `node` is the name `name`, or its text up to case and surrounding blanks
/// (`name.lower()`, `name.strip()`): found in a collection of names, it is one of them but for
/// its case or blanks, neither of which breaks out of an identifier or a path.
pub(crate) fn names_up_to_case(file: &ParsedFile, node: Node, name: &str) -> bool {
    let is_name = |n: Node| n.kind() == "identifier" && file.text(n) == name;
    if is_name(node) {
        return true;
    }
    node.kind() == "call"
        && node
            .field_child("arguments")
            .is_some_and(|arguments| named_children(arguments).is_empty())
        && node
            .field_child("function")
            .filter(|function| function.kind() == "attribute")
            .is_some_and(|function| {
                function.field_child("object").is_some_and(is_name)
                    && function.field_child("attribute").is_some_and(|method| {
                        matches!(
                            file.text(method),
                            "lower" | "upper" | "casefold" | "strip" | "lstrip" | "rstrip"
                        )
                    })
            })
}

/// A call that holds only when `name` is identifier-like text: a regular expression that admits
/// only letters, digits and `_-.` matched against the whole of it (`re.fullmatch(r"[\w-]+",
/// name)`, `KEY_RE.fullmatch(name)` with `KEY_RE = re.compile(r"^[a-z_]+$")` in the module,
/// `re.match` of a pattern ending in `$`), or `name.isidentifier()`, `.isalnum()`, `.isdigit()`,
/// `.isdecimal()`.
fn format_tested(file: &ParsedFile, call: Node, name: &str) -> bool {
    let Some(function) = call
        .field_child("function")
        .filter(|f| f.kind() == "attribute")
    else {
        return false;
    };
    let (Some(object), Some(method)) = (
        function.field_child("object"),
        function.field_child("attribute"),
    ) else {
        return false;
    };
    let is_name = |node: Option<&Node>| {
        node.is_some_and(|n| n.kind() == "identifier" && file.text(*n) == name)
    };
    let arguments = call
        .field_child("arguments")
        .map(named_children)
        .unwrap_or_default();
    let method = file.text(method);
    if matches!(method, "isidentifier" | "isalnum" | "isdigit" | "isdecimal") {
        return arguments.is_empty() && is_name(Some(&object));
    }
    let anchoring = match method {
        "fullmatch" => Anchoring::Whole,
        "match" => Anchoring::Start,
        "search" => Anchoring::Anywhere,
        _ => return false,
    };
    // `re.fullmatch(PATTERN, name)`, or `compiled.fullmatch(name)`.
    let (pattern, subject) = if matches!(file.text(object), "re" | "regex") {
        (arguments.first().copied(), arguments.get(1))
    } else {
        (compiled_pattern(file, object), arguments.first())
    };
    is_name(subject)
        && pattern
            .and_then(|pattern| string_literal(file, pattern))
            .is_some_and(|pattern| admits_only_identifiers(&pattern, anchoring))
}

/// The pattern argument of the `re.compile(…)` that `node` is, or that the module-level name
/// `node` was assigned once.
fn compiled_pattern<'t>(file: &'t ParsedFile, node: Node<'t>) -> Option<Node<'t>> {
    let compile = match node.kind() {
        "call" => node,
        "identifier" => (*file.assigned_once().get(file.text(node))?)?,
        _ => return None,
    };
    let function = compile.field_child("function")?;
    if compile.kind() != "call" || !matches!(file.text(function), "re.compile" | "regex.compile") {
        return None;
    }
    compile
        .field_child("arguments")
        .and_then(|arguments| named_children(arguments).first().copied())
}

/// The text of a plain string literal (no interpolation), with `\\` read as one backslash
/// unless the literal is raw.
pub(crate) fn string_literal(file: &ParsedFile, node: Node) -> Option<String> {
    if node.kind() != "string"
        || named_children(node)
            .iter()
            .any(|c| c.kind() == "interpolation")
    {
        return None;
    }
    let text = file.text(node);
    let prefix = &text[..text.find(['\'', '"']).unwrap_or(0)];
    let content: String = named_children(node)
        .iter()
        .filter(|c| c.kind() == "string_content")
        .map(|c| file.text(*c))
        .collect();
    Some(if prefix.contains(['r', 'R']) {
        content
    } else {
        content.replace("\\\\", "\\")
    })
}

/// `name != "literal"`.
fn differs_from_literal(file: &ParsedFile, condition: Node, name: &str) -> bool {
    let operands = named_children(condition);
    let operators = comparison_operators(condition);
    condition.kind() == "comparison_operator"
        && operators == ["!="]
        && matches!(operands.as_slice(), [left, right]
            if left.kind() == "identifier" && file.text(*left) == name
                && matches!(right.kind(), "string" | "integer"))
}

/// The value of the one assignment to the local named by `node` before `at` in its function, if
/// it is assigned exactly once there.
fn single_value<'t>(file: &'t ParsedFile, node: Node<'t>, at: Node<'t>) -> Option<Node<'t>> {
    if node.kind() != "identifier" {
        return None;
    }
    let name = file.text(node);
    let scope = enclosing_scope(file, at);
    let assignments: Vec<Node> = file
        .mentioning(scope, name, at.start_byte(), SCOPES)
        .into_iter()
        .filter(|n| assigns(file, *n, name))
        .collect();
    match assignments.as_slice() {
        [only] => only.field_child("right"),
        [] if scope.kind() == "function_definition" => module_value(file, scope, name),
        _ => None,
    }
}

/// Whether `node` is an assignment to the plain name `name` (`name = …`).
fn assigns(file: &ParsedFile, node: Node, name: &str) -> bool {
    node.kind() == "assignment"
        && node
            .field_child("left")
            .is_some_and(|left| left.kind() == "identifier" && file.text(left) == name)
}

/// The value of a module-level name that a top-level function (or a method of a top-level
/// class) reads without binding it: its one assignment at module level (not in a function or
/// class body), when the file imports no such name and nothing in it rebinds it (`global
/// name`) or adds to it (`name.append(…)`, `name[key] = …`).
fn module_value<'t>(file: &'t ParsedFile, function: Node<'t>, name: &str) -> Option<Node<'t>> {
    let nested = file
        .ancestors(function)
        .any(|ancestor| matches!(ancestor.kind(), "function_definition" | "lambda"));
    let imported = || {
        file.symbols()
            .imports
            .iter()
            .any(|(local, _)| local == name)
    };
    if nested
        || imported()
        || crate::taint::parameter_names(file, function)
            .iter()
            .any(|parameter| parameter == name)
    {
        return None;
    }
    let text = &file.source.text;
    let changed = [
        format!("global {name}"),
        format!("{name}.append("),
        format!("{name}.add("),
        format!("{name}.extend("),
        format!("{name}.update("),
        format!("{name}.insert("),
        format!("{name}.setdefault("),
        format!("{name}["),
    ];
    if changed
        .iter()
        .any(|written| text.contains(written.as_str()))
    {
        return None;
    }
    let assignments: Vec<Node> = file
        .statement_level()
        .iter()
        .filter(|node| assigns(file, **node, name))
        .filter(|node| enclosing_scope(file, **node).kind() == "module")
        .copied()
        .collect();
    let [only] = assignments.as_slice() else {
        return None;
    };
    only.field_child("right")
}

/// A local the function fills itself before `at`, once, from a call given only constants
/// (`all_locales = get_all_locales()`) or a comprehension that reads no request: the server's
/// own values, not the client's.
fn is_server_collection(file: &ParsedFile, node: Node, at: Node) -> bool {
    single_value(file, node, at).is_some_and(|value| match value.kind() {
        "call" => {
            let literal_arguments = value.field_child("arguments").is_some_and(|args| {
                named_children(args)
                    .iter()
                    .all(|a| matches!(a.kind(), "string" | "integer" | "true" | "false" | "none"))
            });
            // `request.args.getlist("columns")` is the client's list, whatever its arguments.
            literal_arguments && !mentions_request(file, value)
        }
        // `{p.module: p for p in self.available_plugins(event)}`: built from what the server
        // holds, with no request input in sight.
        "dictionary_comprehension" | "list_comprehension" | "set_comprehension" => {
            !mentions_request(file, value)
        }
        _ => false,
    })
}

/// Whether an expression reads the `request` object.
fn mentions_request(file: &ParsedFile, value: Node) -> bool {
    descendants(value).any(|n| n.kind() == "identifier" && file.text(n) == "request")
}

fn is_constant_collection(file: &ParsedFile, node: Node) -> bool {
    match node.kind() {
        "identifier" | "attribute" => is_constant(file, node) || is_schema_columns(file, node),
        "set" | "list" | "tuple" => named_children(node)
            .iter()
            .all(|item| matches!(item.kind(), "string" | "integer")),
        "call" => is_schema_columns(file, node),
        _ => false,
    }
}

/// The column names of a model's table, fixed by its schema: SQLAlchemy's
/// `User.__table__.columns.keys()` (or `.c`), `inspect(User).columns.keys()`.
fn is_schema_columns(file: &ParsedFile, node: Node) -> bool {
    let text = file.text(node);
    let text = text.strip_suffix(".keys()").unwrap_or(text);
    (text.contains(".__table__.") || text.starts_with("inspect("))
        && (text.ends_with(".columns") || text.ends_with(".c"))
}

/// Whether a block ends by giving `name` a literal (`if sort not in COLUMNS: sort = "id"`): past
/// it, `name` holds an admitted value or that literal.
fn replaced_by_literal(file: &ParsedFile, block: Node, name: &str) -> bool {
    named_children(block).last().is_some_and(|last| {
        let Some((left, right)) = crate::syntax::assignment_sides(*last) else {
            return false;
        };
        left.kind() == "identifier"
            && file.text(left) == name
            && matches!(
                right.kind(),
                "string" | "integer" | "float" | "true" | "false"
            )
    })
}

/// Whether a block always leaves: it ends with `raise`, `return`, `continue`, `break` or
/// Flask's `abort(…)`.
fn exits(file: &ParsedFile, block: Node) -> bool {
    named_children(block)
        .last()
        .is_some_and(|last| match last.kind() {
            "raise_statement" | "return_statement" | "continue_statement" | "break_statement" => {
                true
            }
            "expression_statement" => named_children(*last).first().is_some_and(|call| {
                call.kind() == "call"
                    && call
                        .field_child("function")
                        .is_some_and(|function| file.text(function) == "abort")
            }),
            _ => false,
        })
}

/// A constant: an `UPPER_CASE` name, or an `UPPER_CASE` attribute (`settings.ALLOWED`) of
/// anything but a request (`request.GET` is user input).
pub fn is_constant(file: &ParsedFile, node: Node) -> bool {
    match node.kind() {
        "identifier" => is_constant_name(file.text(node)),
        "attribute" => {
            let is_request = node.field_child("object").is_some_and(|object| {
                let object = file.text(object);
                object.ends_with("request") || object.ends_with("req")
            });
            !is_request
                && node
                    .field_child("attribute")
                    .is_some_and(|attribute| is_constant_name(file.text(attribute)))
        }
        _ => false,
    }
}

/// Whether `name` is a parameter of the enclosing function annotated with an inert type
/// (`account_id: int`, `payment_id: UUID`).
pub fn is_inert_parameter(file: &ParsedFile, use_site: Node, name: &str) -> bool {
    let function = enclosing_scope(file, use_site);
    let Some(parameters) = function.field_child("parameters") else {
        return false;
    };
    named_children(parameters).into_iter().any(|parameter| {
        let named = named_children(parameter)
            .first()
            .is_some_and(|first| first.kind() == "identifier" && file.text(*first) == name);
        named
            && parameter
                .field_child("type")
                .is_some_and(|annotation| super::is_inert_type(file.text(annotation)))
    })
}

/// The operators of a comparison, as written (`==`, `not in` or `not` and `in`).
pub(crate) fn comparison_operators<'t>(condition: Node<'t>) -> Vec<&'t str> {
    let mut cursor = condition.walk();
    condition
        .children(&mut cursor)
        .filter(|child| !child.is_named())
        .map(|child| child.kind())
        .collect()
}
