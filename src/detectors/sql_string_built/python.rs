//! `sql-string-built` for Python: DB-API cursors, Django, SQLAlchemy, asyncpg, psycopg, pandas.

use super::{looks_like_sql, How, SqlText};
use crate::detectors::scope::python as scope;
use crate::detectors::syntax::{ancestor_of_kind, descendants, is_constant_name, named_children};
use crate::detectors::Match;
use crate::parse::ParsedFile;
use tree_sitter::Node;

/// How deep variable look-ups follow assignments (`a = b`, `b = f"…"`).
const MAX_DEPTH: usize = 4;

/// Methods that run SQL text given as their first argument (or one of `SQL_KEYWORDS`).
const EXECUTORS: &[&str] = &[
    "execute",
    "executemany",
    "executescript",
    "exec_driver_sql",
    "fetch",
    "fetchrow",
    "fetchval",
    "raw",
    "read_sql",
    "read_sql_query",
];
/// Keyword names under which executors accept the SQL text.
const SQL_KEYWORDS: &[&str] = &["sql", "query", "operation", "statement", "raw_query"];
/// Keyword arguments of Django's `QuerySet.extra()` that hold SQL fragments.
const EXTRA_KEYWORDS: &[&str] = &["where", "select", "tables", "order_by"];
/// Calls that make text safe to splice into SQL: numbers and quoted identifiers.
const SANITIZERS: &[&str] = &[
    "int",
    "float",
    "len",
    "bool",
    "quote_name",
    "qn",
    "quote_ident",
    "quote_identifier",
    "escape_identifier",
];

/// Report calls that execute SQL text assembled from non-constant values.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    for call in file.of_kinds(&["call"]) {
        let Some(sink) = Sink::of(file, call) else {
            continue;
        };
        if in_migration_operation(file, call) {
            continue;
        }
        let conn = sink
            .receiver
            .map_or_else(Vec::new, |r| connection_names(file, r));
        for argument in &sink.sql {
            let mut built = SqlText::default();
            collect(file, &conn, *argument, 0, &mut built);
            let Some(how) = built.how else { continue };
            if sink.needs_sql_evidence && !looks_like_sql(&built.literal) {
                continue;
            }
            let mut found = super::finding(sink.start..call.end_byte(), sink.name, how);
            if acknowledged(file, call, *argument) {
                found
                    .captures
                    .push((crate::detectors::CONFIDENCE, "lower".to_string()));
            }
            out.push(found);
            break;
        }
    }
}

/// The project's own linters were told about this SQL: a `# noqa: S608` (ruff, flake8-bandit)
/// or `# nosec` (bandit) comment on the lines of the call, or of the assignment of the SQL text
/// it executes. Someone looked at the string-built SQL and chose it (lnbits' dialect helpers,
/// indico's admin CLI): the finding is kept with low confidence.
fn acknowledged(file: &ParsedFile, call: Node, argument: Node) -> bool {
    let mut rows = vec![(call.start_position().row, call.end_position().row)];
    if argument.kind() == "identifier" {
        if let Some(value) = scope::assignments_before(file, argument, file.text(argument))
            .and_then(|assigned| assigned.value)
        {
            rows.push((value.start_position().row, value.end_position().row));
        }
    }
    file.of_kinds(&["comment"])
        .into_iter()
        .filter(|comment| {
            let row = comment.start_position().row;
            rows.iter()
                .any(|(first, last)| (*first..=*last).contains(&row))
        })
        .any(|comment| {
            let text = file.text(comment).to_ascii_lowercase();
            (text.contains("noqa") && (text.contains("s608") || text.contains("b608")))
                || text.contains("nosec")
        })
}

/// A call that executes SQL, and the arguments that hold the SQL text.
struct Sink<'t> {
    name: String,
    /// Where the finding starts: the method name of `a.b.execute(…)`, so that a chain spanning
    /// lines is reported on the line of the call.
    start: usize,
    sql: Vec<Node<'t>>,
    /// The object the SQL runs on: `(conn or db)` in `(conn or db).execute(…)`.
    receiver: Option<Node<'t>>,
    /// Generic method names (`execute`, `fetch`, `text`) only count when the text reads as SQL.
    needs_sql_evidence: bool,
}

impl<'t> Sink<'t> {
    fn of(file: &ParsedFile, call: Node<'t>) -> Option<Sink<'t>> {
        let function = call.child_by_field_name("function")?;
        let arguments = call.child_by_field_name("arguments")?;
        let (receiver, method_node) = match function.kind() {
            "identifier" => (None, function),
            "attribute" => (
                function.child_by_field_name("object"),
                function.child_by_field_name("attribute")?,
            ),
            _ => return None,
        };
        let method = file.text(method_node);
        let may_sink = matches!(method, "RawSQL" | "text" | "extra") || EXECUTORS.contains(&method);
        if !may_sink {
            return None;
        }
        let name = file.text(function).to_string();
        let args = named_children(arguments);
        let first_or_keyword = |keywords: &[&str]| -> Vec<Node<'t>> {
            args.iter()
                .copied()
                .find(|arg| !matches!(arg.kind(), "keyword_argument" | "comment"))
                .into_iter()
                .chain(
                    args.iter()
                        .filter_map(|arg| keyword_value(file, *arg, keywords)),
                )
                .collect()
        };
        let (sql, needs_sql_evidence) = match method {
            "RawSQL" => (first_or_keyword(&["sql"]), false),
            "text"
                if receiver.is_some_and(|r| {
                    matches!(file.text(r), "sqlalchemy" | "sa" | "sql" | "sqlalchemy.sql")
                }) =>
            {
                (first_or_keyword(&["text"]), false)
            }
            "text" if receiver.is_none() => (first_or_keyword(&["text"]), true),
            "extra" if receiver.is_some() => {
                let fragments = args
                    .iter()
                    .filter_map(|arg| keyword_value(file, *arg, EXTRA_KEYWORDS))
                    .flat_map(fragments)
                    .collect();
                (fragments, false)
            }
            _ if receiver.is_some() && EXECUTORS.contains(&method) => {
                (first_or_keyword(SQL_KEYWORDS), true)
            }
            _ => return None,
        };
        Some(Sink {
            name,
            start: method_node.start_byte(),
            sql,
            receiver,
            needs_sql_evidence,
        })
    }
}

/// The names the database object of a sink goes by: `conn` and `db` for `(conn or db).execute`,
/// also through one assignment (`database = conn or db; database.execute(…)`).
fn connection_names(file: &ParsedFile, receiver: Node) -> Vec<String> {
    let mut names: Vec<String> = descendants(receiver)
        .filter(|node| node.kind() == "identifier")
        .map(|node| file.text(node).to_string())
        .collect();
    if receiver.kind() == "identifier" {
        let assigned = scope::assignments_before(file, receiver, file.text(receiver))
            .and_then(|assigned| assigned.value);
        if let Some(value) = assigned.filter(|value| value.kind() == "boolean_operator") {
            names.extend(
                named_children(value)
                    .into_iter()
                    .filter(|node| node.kind() == "identifier")
                    .map(|node| file.text(node).to_string()),
            );
        }
    }
    names
}

/// `db.timestamp_now`, `db.timestamp_placeholder("now")`: a property of the database object the
/// SQL runs on, or one of its methods called with constant arguments only. Such a dialect helper
/// returns SQL syntax for that database; it has no way to carry request data.
fn is_dialect_helper(file: &ParsedFile, conn: &[String], node: Node, depth: usize) -> bool {
    let (attribute, arguments) = match node.kind() {
        "attribute" => (node, None),
        "call" => match node.child_by_field_name("function") {
            Some(function) if function.kind() == "attribute" => {
                (function, node.child_by_field_name("arguments"))
            }
            _ => return false,
        },
        _ => return false,
    };
    let on_connection = attribute
        .child_by_field_name("object")
        .is_some_and(|object| {
            object.kind() == "identifier" && conn.iter().any(|name| name == file.text(object))
        });
    on_connection
        && arguments.is_none_or(|arguments| {
            named_children(arguments)
                .into_iter()
                .all(|argument| is_safe(file, conn, argument, depth))
        })
}

/// The value of a keyword argument named one of `names`.
fn keyword_value<'t>(file: &ParsedFile, arg: Node<'t>, names: &[&str]) -> Option<Node<'t>> {
    if arg.kind() != "keyword_argument" {
        return None;
    }
    let name = arg.child_by_field_name("name")?;
    names
        .contains(&file.text(name))
        .then(|| arg.child_by_field_name("value"))?
}

/// The SQL fragments in an `extra()` argument: list items and dictionary values.
fn fragments(value: Node<'_>) -> Vec<Node<'_>> {
    match value.kind() {
        "list" | "tuple" => named_children(value),
        "dictionary" => named_children(value)
            .into_iter()
            .filter_map(|pair| pair.child_by_field_name("value"))
            .collect(),
        _ => vec![value],
    }
}

/// Gather the literal text of a SQL expression and the first way a non-constant value got in.
fn collect(file: &ParsedFile, conn: &[String], node: Node, depth: usize, built: &mut SqlText) {
    crate::budget::deep(|| collect_unguarded(file, conn, node, depth, built))
}

/// Guarded by [`collect`], which grows the stack for deep trees.
fn collect_unguarded(
    file: &ParsedFile,
    conn: &[String],
    node: Node,
    depth: usize,
    built: &mut SqlText,
) {
    match node.kind() {
        "string" => {
            for part in named_children(node) {
                match part.kind() {
                    "string_content" => built.literal.push_str(file.text(part)),
                    "interpolation" => {
                        let value = part.child_by_field_name("expression");
                        if value.is_some_and(|value| !is_safe(file, conn, value, depth)) {
                            built.set(How::Interpolation);
                        }
                    }
                    _ => {}
                }
            }
        }
        "concatenated_string" | "parenthesized_expression" => {
            for part in named_children(node) {
                collect(file, conn, part, depth, built);
            }
        }
        "binary_operator" => {
            let (Some(left), Some(right), Some(operator)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
                node.child_by_field_name("operator"),
            ) else {
                return;
            };
            match operator.kind() {
                "%" if is_stringish(file, left) => {
                    collect(file, conn, left, depth, built);
                    if !is_safe(file, conn, right, depth) {
                        built.set(How::Percent);
                    }
                }
                "+" if is_stringish(file, left) || is_stringish(file, right) => {
                    for side in [left, right] {
                        concatenated(file, conn, side, depth, built);
                    }
                }
                _ => {}
            }
        }
        "call" => {
            let Some((template, arguments)) = format_call(file, node) else {
                return;
            };
            collect(file, conn, template, depth, built);
            let unsafe_argument = named_children(arguments).into_iter().any(|arg| {
                let value = match arg.kind() {
                    "keyword_argument" => arg.child_by_field_name("value"),
                    _ => Some(arg),
                };
                value.is_some_and(|value| !is_safe(file, conn, value, depth))
            });
            if unsafe_argument {
                built.set(How::Format);
            }
        }
        "identifier" if depth < MAX_DEPTH => {
            let name = file.text(node);
            let Some(assigned) = scope::assignments_before(file, node, name) else {
                return;
            };
            if let Some(value) = assigned.value {
                collect(file, conn, value, depth + 1, built);
            }
            for appended in assigned.appended {
                concatenated(file, conn, appended, depth + 1, built);
            }
        }
        _ => {}
    }
}

/// One operand of `+` (or the right side of `+=`): text is gathered, other values checked.
fn concatenated(
    file: &ParsedFile,
    conn: &[String],
    operand: Node,
    depth: usize,
    built: &mut SqlText,
) {
    let (before, how) = (built.literal.len(), built.how);
    collect(file, conn, operand, depth, built);
    let contributed = built.literal.len() > before || built.how != how;
    if !contributed && !is_stringish(file, operand) && !is_safe(file, conn, operand, depth) {
        built.set(How::Concatenation);
    }
}

/// `"…".format(…)`: the template and the argument list.
fn format_call<'t>(file: &ParsedFile, call: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let function = call.child_by_field_name("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let template = function.child_by_field_name("object")?;
    let attribute = function.child_by_field_name("attribute")?;
    (file.text(attribute) == "format"
        && matches!(
            template.kind(),
            "string" | "concatenated_string" | "identifier"
        ))
    .then(|| call.child_by_field_name("arguments"))?
    .map(|arguments| (template, arguments))
}

/// Whether an expression evaluates to a string built from literals (possibly with holes).
fn is_stringish(file: &ParsedFile, node: Node) -> bool {
    crate::budget::deep(|| is_stringish_unguarded(file, node))
}

/// Guarded by [`is_stringish`], which grows the stack for deep trees.
fn is_stringish_unguarded(file: &ParsedFile, node: Node) -> bool {
    match node.kind() {
        "string" | "concatenated_string" => true,
        "parenthesized_expression" => named_children(node)
            .first()
            .is_some_and(|inner| is_stringish(file, *inner)),
        "binary_operator" => ["left", "right"].iter().any(|side| {
            node.child_by_field_name(side)
                .is_some_and(|operand| is_stringish(file, operand))
        }),
        "call" => format_call(file, node).is_some(),
        _ => false,
    }
}

/// Whether a value spliced into SQL cannot carry attacker-controlled SQL: literals, constants,
/// numbers, quoted identifiers, placeholders, and names assigned only from such values or checked
/// against a constant allowlist.
fn is_safe(file: &ParsedFile, conn: &[String], node: Node, depth: usize) -> bool {
    crate::budget::deep(|| is_safe_unguarded(file, conn, node, depth))
}

/// Guarded by [`is_safe`], which grows the stack for deep trees.
fn is_safe_unguarded(file: &ParsedFile, conn: &[String], node: Node, depth: usize) -> bool {
    match node.kind() {
        "string" => named_children(node)
            .into_iter()
            .filter(|part| part.kind() == "interpolation")
            .all(|part| {
                part.child_by_field_name("expression")
                    .is_some_and(|value| is_safe(file, conn, value, depth))
            }),
        "integer" | "float" | "true" | "false" | "none" => true,
        "concatenated_string"
        | "parenthesized_expression"
        | "tuple"
        | "list"
        | "set"
        | "expression_list" => named_children(node)
            .into_iter()
            .all(|part| is_safe(file, conn, part, depth)),
        "dictionary" => named_children(node).into_iter().all(|pair| {
            pair.child_by_field_name("value")
                .is_none_or(|value| is_safe(file, conn, value, depth))
        }),
        "conditional_expression" => {
            let parts = named_children(node);
            // `a if condition else b`: the condition does not end up in the text.
            parts
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != 1)
                .all(|(_, part)| is_safe(file, conn, *part, depth))
        }
        "binary_operator" => ["left", "right"].iter().all(|side| {
            node.child_by_field_name(side)
                .is_some_and(|operand| is_safe(file, conn, operand, depth))
        }),
        "identifier" => {
            let name = file.text(node);
            if is_constant_name(name) {
                return true;
            }
            if depth >= MAX_DEPTH {
                return false;
            }
            if scope::checked_against_allowlist(file, node, name)
                || scope::is_inert_parameter(file, node, name)
            {
                return true;
            }
            match scope::assignments_before(file, node, name) {
                Some(assigned) => {
                    assigned
                        .value
                        .is_some_and(|value| is_safe(file, conn, value, depth + 1))
                        && assigned
                            .appended
                            .iter()
                            .all(|part| is_safe(file, conn, *part, depth + 1))
                }
                // A fragment compiled elsewhere (`sql, params = query.as_sql()`) is composed, not
                // interpolated data.
                None => {
                    name == "sql"
                        || name.ends_with("_sql")
                        || unpacked_compiled_sql(file, node)
                        || loops_over_safe_values(file, conn, node, depth)
                }
            }
        }
        "attribute" => {
            let text = file.text(node);
            text.contains("_meta.")
                || scope::is_constant(file, node)
                || is_dialect_helper(file, conn, node, depth)
        }
        "subscript" => node
            .child_by_field_name("value")
            .is_some_and(|mapping| scope::is_constant(file, mapping)),
        "call" => is_safe_call(file, conn, node, depth),
        _ => false,
    }
}

/// `for plugin in {"audiovisual", "payment_cern"}: …`: the name is the variable of an enclosing
/// `for` loop over values that cannot carry SQL (directly or through a local name).
fn loops_over_safe_values(file: &ParsedFile, conn: &[String], name: Node, depth: usize) -> bool {
    let written = file.text(name);
    let mut current = name.parent();
    while let Some(node) = current {
        if node.kind() == "function_definition" {
            return false;
        }
        if node.kind() == "for_statement" {
            let binds = node
                .child_by_field_name("left")
                .is_some_and(|left| left.kind() == "identifier" && file.text(left) == written);
            if binds {
                return node
                    .child_by_field_name("right")
                    .is_some_and(|values| is_safe(file, conn, values, depth + 1));
            }
        }
        current = node.parent();
    }
    false
}

/// Django hands `schema_editor` to migration operations and `RunPython` functions only: SQL run
/// there is schema-migration code, left out like `migrations/` folders.
fn in_migration_operation(file: &ParsedFile, call: Node) -> bool {
    ancestor_of_kind(call, &["function_definition"])
        .and_then(|function| function.child_by_field_name("parameters"))
        .is_some_and(|parameters| {
            named_children(parameters).into_iter().any(|parameter| {
                let name = match parameter.kind() {
                    "identifier" => Some(parameter),
                    _ => parameter.named_child(0),
                };
                name.is_some_and(|name| file.text(name) == "schema_editor")
            })
        })
}

/// `sql, params = qs.query.sql_with_params()` (or `.as_sql(…)`): the name is one of the targets
/// of a tuple assignment, in the same function, from SQL the ORM compiled.
fn unpacked_compiled_sql(file: &ParsedFile, name: Node) -> bool {
    let Some(function) = ancestor_of_kind(name, &["function_definition"]) else {
        return false;
    };
    let written = file.text(name);
    descendants(function)
        .filter(|node| node.kind() == "assignment")
        .any(|assignment| {
            let targets = assignment
                .child_by_field_name("left")
                .filter(|left| matches!(left.kind(), "pattern_list" | "tuple_pattern"))
                .is_some_and(|left| {
                    named_children(left)
                        .into_iter()
                        .any(|target| file.text(target) == written)
                });
            let compiled = assignment
                .child_by_field_name("right")
                .is_some_and(|right| {
                    let text = file.text(right);
                    text.trim_end_matches([')', ' ', '\n'])
                        .ends_with(".sql_with_params(")
                        || text.contains(".as_sql(")
                });
            targets && compiled
        })
}

/// Sanitizing calls, `CONSTANT.get(key)` look-ups and placeholder lists such as
/// `", ".join(["%s"] * len(ids))`.
fn is_safe_call(file: &ParsedFile, conn: &[String], call: Node, depth: usize) -> bool {
    crate::budget::deep(|| is_safe_call_unguarded(file, conn, call, depth))
}

/// Guarded by [`is_safe_call`], which grows the stack for deep trees.
fn is_safe_call_unguarded(file: &ParsedFile, conn: &[String], call: Node, depth: usize) -> bool {
    let Some(function) = call.child_by_field_name("function") else {
        return false;
    };
    let (object, name) = match function.kind() {
        "identifier" => (None, file.text(function)),
        "attribute" => (
            function.child_by_field_name("object"),
            function
                .child_by_field_name("attribute")
                .map_or("", |attribute| file.text(attribute)),
        ),
        _ => return false,
    };
    if SANITIZERS.contains(&name)
        || name.starts_with("quote_name")
        || is_dialect_helper(file, conn, call, depth)
    {
        return true;
    }
    match (name, object) {
        ("get", Some(mapping)) => scope::is_constant(file, mapping),
        // SQL the ORM compiled, values kept apart as parameters: `qs.query.sql_with_params()`.
        ("sql_with_params" | "as_sql", Some(_)) => true,
        // `str(x)` of a value that cannot carry SQL.
        ("str", None) => call
            .child_by_field_name("arguments")
            .is_some_and(|arguments| {
                let arguments = named_children(arguments);
                arguments.len() == 1 && is_safe(file, conn, arguments[0], depth)
            }),
        ("join", Some(separator)) if separator.kind() == "string" => {
            let Some(arguments) = call.child_by_field_name("arguments") else {
                return false;
            };
            descendants(arguments).any(|part| {
                (part.kind() == "string" && is_placeholder(file.text(part)))
                    || (part.kind() == "call"
                        && part != call
                        && is_safe_call(file, conn, part, depth)
                        && !file.text(part).starts_with("str("))
            })
        }
        ("format", Some(template)) if template.kind() == "string" => {
            is_safe(file, conn, template, depth)
                && call.child_by_field_name("arguments").is_some_and(|args| {
                    named_children(args)
                        .into_iter()
                        .all(|arg| is_safe(file, conn, arg, depth))
                })
        }
        _ => false,
    }
}

/// A bound-parameter placeholder literal: `"%s"`, `"?"`, `"%(name)s"`, `"$1"`, `":name"`.
fn is_placeholder(literal: &str) -> bool {
    let inner = literal.trim_matches(|c| c == '"' || c == '\'').trim();
    let inner = inner.trim_matches(|c: char| c == '(' || c == ')' || c == ',' || c == ' ');
    inner == "%s"
        || inner == "?"
        || (inner.starts_with("%(") && inner.ends_with(")s"))
        || (inner.starts_with('$') && inner[1..].chars().all(|c| c.is_ascii_digit()))
        || (inner.starts_with(':') && inner.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::super::PYTHON_NEEDS;
    use super::EXECUTORS;

    #[test]
    fn the_prefilter_admits_every_sink() {
        for sink in EXECUTORS.iter().chain(&["RawSQL", "text", "extra"]) {
            assert!(
                PYTHON_NEEDS.iter().any(|needle| sink.contains(needle)),
                "{sink}"
            );
        }
    }
}
