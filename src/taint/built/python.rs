//! Python texts: f-strings, `%`, `.format()`, `+` and `+=`, and the values known to be fixed.

use super::{fixed_if, is_append, How, Walk, MAX_DEPTH};
use crate::parse::ParsedFile;
use crate::syntax::scope::python::is_constant;
use crate::syntax::{descendants, is_constant_name, named_children, FieldChild};
use crate::taint::{python::bindings, Custom};
use tree_sitter::Node;

/// Walk the text at `node`: gather its literal parts and look at each value spliced in.
pub(super) fn text(walk: &mut Walk, node: Node, depth: usize) {
    crate::budget::deep(|| text_unguarded(walk, node, depth))
}

/// Guarded by [`text`], which grows the stack for deep trees.
fn text_unguarded(walk: &mut Walk, node: Node, depth: usize) {
    let file = walk.file;
    match node.kind() {
        "string" => {
            for part in named_children(node) {
                match part.kind() {
                    "string_content" => walk.built.literal.push_str(file.text(part)),
                    "interpolation" => {
                        if let Some(value) = part.field_child("expression") {
                            walk.splice(How::Interpolation, node, value);
                        }
                    }
                    _ => {}
                }
            }
        }
        // `extra(where=[…], select={…})` holds fragments.
        "concatenated_string" | "parenthesized_expression" | "list" | "tuple" => {
            for part in named_children(node) {
                text(walk, part, depth);
            }
        }
        "dictionary" => {
            for value in named_children(node)
                .into_iter()
                .filter_map(|pair| pair.field_child("value"))
            {
                text(walk, value, depth);
            }
        }
        "keyword_argument" => {
            if let Some(value) = node.field_child("value") {
                text(walk, value, depth);
            }
        }
        "binary_operator" => {
            let (Some(left), Some(right), Some(operator)) = (
                node.field_child("left"),
                node.field_child("right"),
                node.field_child("operator"),
            ) else {
                return;
            };
            match operator.kind() {
                "%" if is_stringish(file, left) => {
                    text(walk, left, depth);
                    let numeric = string_literal(file, left).and_then(|t| numeric_conversions(&t));
                    let values = match right.kind() {
                        "tuple" | "parenthesized_expression" => named_children(right),
                        _ => vec![right],
                    };
                    match numeric {
                        // `"… LIMIT %d" % size`: a number, or the formatting raises.
                        Some(numeric) if numeric.len() == values.len() => {
                            for (value, numeric) in values.into_iter().zip(numeric) {
                                if !numeric {
                                    walk.splice(How::Percent, node, value);
                                }
                            }
                        }
                        _ => {
                            walk.splice(How::Percent, node, right);
                        }
                    }
                }
                "+" if is_stringish(file, left) || is_stringish(file, right) => {
                    for side in [left, right] {
                        concatenated(walk, node, side, depth);
                    }
                }
                _ => {}
            }
        }
        "call" => {
            let Some((template, arguments)) = format_call(file, node) else {
                return;
            };
            text(walk, template, depth);
            for argument in named_children(arguments) {
                let value = match argument.kind() {
                    "keyword_argument" => argument.field_child("value"),
                    _ => Some(argument),
                };
                if value.is_some_and(|value| walk.splice(How::Format, node, value)) {
                    break;
                }
            }
        }
        "identifier" if depth < MAX_DEPTH => {
            let name = file.text(node);
            for binding in bindings(file, node, name) {
                match binding.at.kind() {
                    "assignment" => {
                        walk.through(&binding, name, |walk| text(walk, binding.value, depth + 1))
                    }
                    "augmented_assignment" if is_append(binding.at) => {
                        walk.through(&binding, name, |walk| {
                            concatenated(walk, binding.at, binding.value, depth + 1)
                        })
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// One operand of `+` (or the right side of `+=`, at `at`): text is gathered, other values
/// spliced in.
fn concatenated(walk: &mut Walk, at: Node, operand: Node, depth: usize) {
    let before = walk.progress();
    text(walk, operand, depth);
    if walk.progress() == before && !is_stringish(walk.file, operand) {
        walk.splice(How::Concatenation, at, operand);
    }
}

/// `"…".format(…)`: the template and the argument list.
fn format_call<'t>(file: &ParsedFile, call: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let function = call.field_child("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let template = function.field_child("object")?;
    let attribute = function.field_child("attribute")?;
    (file.text(attribute) == "format"
        && matches!(
            template.kind(),
            "string" | "concatenated_string" | "identifier"
        ))
    .then(|| call.field_child("arguments"))?
    .map(|arguments| (template, arguments))
}

/// Whether an expression evaluates to a string built from literals (possibly with holes).
fn is_stringish(file: &ParsedFile, node: Node) -> bool {
    crate::budget::deep(|| match node.kind() {
        "string" | "concatenated_string" => true,
        "parenthesized_expression" => named_children(node)
            .first()
            .is_some_and(|inner| is_stringish(file, *inner)),
        "binary_operator" => ["left", "right"].iter().any(|side| {
            node.field_child(side)
                .is_some_and(|operand| is_stringish(file, operand))
        }),
        "call" => format_call(file, node).is_some(),
        _ => false,
    })
}

/// The names the database object that runs the text at `sql` goes by: `conn` and `db` for
/// `(conn or db).execute(sql)`, also through one assignment (`database = conn or db`), and the
/// object a connection or cursor was opened from (`ledger.db` of
/// `async with ledger.db.connect() as conn`).
pub(super) fn connection_names(file: &ParsedFile, sql: Node) -> Vec<String> {
    let call = std::iter::successors(sql.parent(), |node| node.parent())
        .take(3)
        .find(|node| node.kind() == "call");
    let Some(receiver) = call
        .and_then(|call| call.field_child("function"))
        .filter(|function| function.kind() == "attribute")
        .and_then(|function| function.field_child("object"))
    else {
        return Vec::new();
    };
    let identifiers = |node: Node| -> Vec<String> {
        descendants(node)
            .filter(|node| node.kind() == "identifier")
            .map(|node| file.text(node).to_string())
            .collect()
    };
    let mut names = identifiers(receiver);
    if receiver.kind() == "identifier" {
        for binding in bindings(file, receiver, file.text(receiver)) {
            let value = match binding.value.kind() {
                "await" => binding.value.named_child(0).unwrap_or(binding.value),
                _ => binding.value,
            };
            match value.kind() {
                "boolean_operator" => names.extend(
                    named_children(value)
                        .into_iter()
                        .filter(|node| node.kind() == "identifier")
                        .flat_map(identifiers),
                ),
                "call" => names.extend(opened_from(file, value)),
                _ => {}
            }
        }
    }
    names
}

/// `db` of `db.connect()`, `db.cursor()`, `pool.acquire()`: the database object a connection
/// or cursor is opened from.
fn opened_from(file: &ParsedFile, call: Node) -> Option<String> {
    const OPENERS: &[&str] = &[
        "connect",
        "connection",
        "get_connection",
        "cursor",
        "begin",
        "acquire",
        "transaction",
    ];
    let function = call
        .field_child("function")
        .filter(|function| function.kind() == "attribute")?;
    let method = file.text(function.field_child("attribute")?);
    let object = function.field_child("object")?;
    (OPENERS.contains(&method) && matches!(object.kind(), "identifier" | "attribute"))
        .then(|| file.text(object).to_string())
}

/// What Python code holds fixed, for [`super::Question::NotConstant`]: `UPPER_CASE` names and
/// attributes, a fragment composed elsewhere (a name `sql` or `…_sql` that nothing in the
/// function binds), Django's `_meta` (table and column names), look-ups in a constant table
/// (`COLUMNS.get(key)`), placeholder lists (`", ".join(["%s"] * len(ids))`), and the dialect
/// helpers of the database object that runs the text (`db.timestamp_now`,
/// `db.timestamp_placeholder("now")`: SQL syntax for that database).
pub(super) fn fixed(file: &ParsedFile, connection: &[String], node: Node) -> Option<Custom> {
    match node.kind() {
        "identifier" => {
            let name = file.text(node);
            let composed =
                (name == "sql" || name.ends_with("_sql")) && bindings(file, node, name).is_empty();
            fixed_if(is_constant_name(name) || composed)
        }
        "attribute" => fixed_if(
            file.text(node).contains("_meta.")
                || is_constant(file, node)
                || is_dialect_helper(file, connection, node),
        ),
        "call" => fixed_if(
            is_dialect_helper(file, connection, node)
                || is_table_lookup(file, node)
                || is_placeholder_list(file, node)
                || is_counted(file, node),
        ),
        "binary_operator" => fixed_if(is_quoted(file, node)),
        _ => None,
    }
}

/// `"'" + s.replace("'", "''") + "'"`, `'"' + name.replace('"', '""').replace("\0", "") + '"'`:
/// a value wrapped in a quote character whose own occurrences it doubles, a SQL literal or
/// quoted identifier it cannot end early.
fn is_quoted(file: &ParsedFile, node: Node) -> bool {
    let mut operands = Vec::new();
    let mut current = node;
    while current.kind() == "binary_operator" {
        let operator = current.field_child("operator").map(|o| file.text(o));
        let (Some("+"), Some(left), Some(right)) = (
            operator,
            current.field_child("left"),
            current.field_child("right"),
        ) else {
            return false;
        };
        operands.push(right);
        current = left;
    }
    operands.push(current);
    operands.reverse();
    let [first, middle, last] = operands.as_slice() else {
        return false;
    };
    let quote = match (string_literal(file, *first), string_literal(file, *last)) {
        (Some(open), Some(close)) if open == close && (open == "'" || open == "\"") => open,
        _ => return false,
    };
    let doubled = format!("{quote}{quote}");
    // The value's own quotes doubled, by one `.replace` of a chain of them.
    let mut call = *middle;
    while call.kind() == "call" {
        let Some(function) = call
            .field_child("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return false;
        };
        let method = function.field_child("attribute").map(|m| file.text(m));
        let arguments: Vec<Option<String>> = call
            .field_child("arguments")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .map(|argument| string_literal(file, argument))
            .collect();
        if method == Some("replace")
            && arguments.first() == Some(&Some(quote.clone()))
            && arguments.get(1) == Some(&Some(doubled.clone()))
        {
            return true;
        }
        let Some(object) = function.field_child("object") else {
            return false;
        };
        call = object;
    }
    false
}

/// For each `%` conversion of a format text in turn, whether it makes a number
/// (`%d`, `%05.2f`, `%x`: digits, or a `TypeError`); `None` when a conversion takes its values
/// by name (`%(id)d`) or its width from the arguments (`%*d`), or the text is malformed.
fn numeric_conversions(format: &str) -> Option<Vec<bool>> {
    let mut conversions = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        let conversion = chars.find(|c| {
            !matches!(
                c,
                '#' | '0' | '-' | ' ' | '+' | '.' | 'h' | 'l' | 'L' | '1'..='9'
            )
        })?;
        match conversion {
            '%' => {}
            '(' | '*' => return None,
            'd' | 'i' | 'o' | 'u' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                conversions.push(true)
            }
            _ => conversions.push(false),
        }
    }
    Some(conversions)
}

/// The text of a plain string literal (no interpolation, escapes kept as written).
fn string_literal(file: &ParsedFile, node: Node) -> Option<String> {
    if node.kind() != "string" || file.text(node).starts_with(['f', 'F']) {
        return None;
    }
    let parts = named_children(node);
    if parts.iter().any(|part| part.kind() == "interpolation") {
        return None;
    }
    Some(
        parts
            .into_iter()
            .filter(|part| part.kind() == "string_content")
            .map(|part| file.text(part))
            .collect(),
    )
}

/// `next(numbers)` where `numbers = itertools.count()` in the function: a number.
fn is_counted(file: &ParsedFile, call: Node) -> bool {
    let Some(function) = call.field_child("function") else {
        return false;
    };
    let arguments = call.field_child("arguments").map(named_children);
    let (true, Some([counter])) = (file.text(function) == "next", arguments.as_deref()) else {
        return false;
    };
    counter.kind() == "identifier"
        && bindings(file, *counter, file.text(*counter))
            .first()
            .and_then(|binding| binding.value.field_child("function"))
            .is_some_and(|constructor| {
                let written = file.text(constructor);
                let resolved = file.symbols().resolve(file.language(), written);
                resolved.name() == "itertools.count"
            })
}

/// `COLUMNS.get(key)`: a look-up in a constant table.
fn is_table_lookup(file: &ParsedFile, call: Node) -> bool {
    receiver_of(file, call, "get").is_some_and(|table| is_constant(file, table))
}

/// `", ".join(["%s"] * len(ids))`: a separator joining bound-parameter placeholders.
fn is_placeholder_list(file: &ParsedFile, call: Node) -> bool {
    receiver_of(file, call, "join").is_some_and(|separator| separator.kind() == "string")
        && call.field_child("arguments").is_some_and(|arguments| {
            descendants(arguments)
                .any(|part| part.kind() == "string" && is_placeholder(file.text(part)))
        })
}

/// The object `call` calls `method` on (`COLUMNS` in `COLUMNS.get(key)`).
fn receiver_of<'t>(file: &ParsedFile, call: Node<'t>, method: &str) -> Option<Node<'t>> {
    let function = call
        .field_child("function")
        .filter(|function| function.kind() == "attribute")?;
    let attribute = function.field_child("attribute")?;
    (file.text(attribute) == method)
        .then(|| function.field_child("object"))
        .flatten()
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

/// A property of the database object, or one of its methods called with literal or constant
/// arguments only.
fn is_dialect_helper(file: &ParsedFile, connection: &[String], node: Node) -> bool {
    let (attribute, arguments) = match node.kind() {
        "attribute" => (node, None),
        "call" => match node.field_child("function") {
            Some(function) if function.kind() == "attribute" => {
                (function, node.field_child("arguments"))
            }
            _ => return false,
        },
        _ => return false,
    };
    let on_connection = attribute.field_child("object").is_some_and(|object| {
        matches!(object.kind(), "identifier" | "attribute")
            && connection.iter().any(|name| name == file.text(object))
    });
    on_connection
        && arguments.is_none_or(|arguments| {
            named_children(arguments).into_iter().all(|argument| {
                matches!(
                    argument.kind(),
                    "string" | "integer" | "float" | "true" | "false"
                ) && !descendants(argument).any(|part| part.kind() == "interpolation")
                    || is_constant(file, argument)
            })
        })
}
