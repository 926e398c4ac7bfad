//! `sql-string-built` for Rust: sqlx, diesel, tokio-postgres and postgres.

use super::{looks_like_sql, How, SqlText};
use crate::detectors::scope::rust as scope;
use crate::detectors::syntax::{descendants, is_constant_name, named_children};
use crate::detectors::Match;
use crate::parse::ParsedFile;
use tree_sitter::Node;

/// How deep variable look-ups follow `let` bindings.
const MAX_DEPTH: usize = 4;

/// Functions (`sqlx::query(…)`) and methods (`client.query(…)`) whose first argument is SQL.
const EXECUTORS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "raw_sql",
    "sql_query",
    "query_one",
    "query_opt",
    "query_raw",
    "execute",
    "batch_execute",
    "simple_query",
    "prepare",
    "prepare_cached",
];
/// Methods that turn a value into text without changing what it says.
const PASS_THROUGH: &[&str] = &["as_str", "as_ref", "to_string", "to_owned", "into", "clone"];

/// Report executor calls whose SQL text is assembled from non-constant values.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    for call in file.of_kinds(&["call_expression"]) {
        let Some((name, start)) = executor_name(file, call) else {
            continue;
        };
        let Some(sql) = call
            .child_by_field_name("arguments")
            .and_then(|arguments| named_children(arguments).into_iter().next())
        else {
            continue;
        };
        let mut built = SqlText::default();
        collect(file, sql, 0, &mut built);
        if let Some(how) = built.how.filter(|_| looks_like_sql(&built.literal)) {
            out.push(super::finding(start..call.end_byte(), name, how));
        }
    }
}

/// `sqlx::query`, `query_as::<_, T>`, `client.execute`: the callee as written, if it executes SQL,
/// and where the finding starts (the method name, for a chain that spans lines).
fn executor_name(file: &ParsedFile, call: Node) -> Option<(String, usize)> {
    let mut function = call.child_by_field_name("function")?;
    if function.kind() == "generic_function" {
        function = function.child_by_field_name("function")?;
    }
    let last = match function.kind() {
        "identifier" => function,
        "scoped_identifier" => function.child_by_field_name("name")?,
        "field_expression" => function.child_by_field_name("field")?,
        _ => return None,
    };
    let start = match function.kind() {
        "field_expression" => last.start_byte(),
        _ => call.start_byte(),
    };
    EXECUTORS
        .contains(&file.text(last))
        .then(|| (file.text(function).split_whitespace().collect(), start))
}

/// Gather the literal text of an expression producing SQL and how non-constant values got in.
fn collect(file: &ParsedFile, node: Node, depth: usize, built: &mut SqlText) {
    crate::budget::deep(|| collect_unguarded(file, node, depth, built))
}

/// Guarded by [`collect`], which grows the stack for deep trees.
fn collect_unguarded(file: &ParsedFile, node: Node, depth: usize, built: &mut SqlText) {
    match node.kind() {
        "string_literal" | "raw_string_literal" => {
            built.literal.push_str(&literal_text(file, node))
        }
        "reference_expression" | "parenthesized_expression" | "await_expression" => {
            if let Some(inner) = node
                .child_by_field_name("value")
                .or_else(|| named_children(node).into_iter().next())
            {
                collect(file, inner, depth, built);
            }
        }
        "macro_invocation" if macro_name(file, node) == Some("format") => {
            let Some(arguments) = format_arguments(file, node) else {
                return;
            };
            built.literal.push_str(&arguments.template);
            let safe = arguments
                .values
                .iter()
                .all(|value| is_safe_tokens(file, node, value, depth));
            if !safe {
                built.set(How::Interpolation);
            }
        }
        "binary_expression" => {
            let is_plus = node
                .child_by_field_name("operator")
                .is_some_and(|operator| operator.kind() == "+");
            if !is_plus {
                return;
            }
            for side in ["left", "right"] {
                let Some(operand) = node.child_by_field_name(side) else {
                    continue;
                };
                concatenated(file, operand, depth, built);
            }
        }
        "call_expression" => {
            if let Some(inner) = pass_through(file, node) {
                collect(file, inner, depth, built);
            }
        }
        "identifier" if depth < MAX_DEPTH => {
            let Some(assigned) = scope::assignments_before(file, node, file.text(node)) else {
                return;
            };
            if let Some(value) = assigned.value {
                collect(file, value, depth + 1, built);
            }
            for appended in assigned.appended {
                concatenated(file, appended, depth + 1, built);
            }
        }
        _ => {}
    }
}

/// One operand of `+` or a `push_str`/`+=` argument.
fn concatenated(file: &ParsedFile, operand: Node, depth: usize, built: &mut SqlText) {
    let before = built.literal.len();
    let how = built.how;
    collect(file, operand, depth, built);
    let contributed = built.literal.len() > before || built.how != how;
    if !contributed && !is_safe(file, operand, depth) {
        built.set(How::Concatenation);
    }
}

/// `x.as_str()`, `x.to_string()`, `String::from(x)`: the `x`.
fn pass_through<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Node<'t>> {
    let function = call.child_by_field_name("function")?;
    match function.kind() {
        "field_expression" => {
            let method = function.child_by_field_name("field")?;
            PASS_THROUGH
                .contains(&file.text(method))
                .then(|| function.child_by_field_name("value"))?
        }
        "scoped_identifier" if file.text(function) == "String::from" => call
            .child_by_field_name("arguments")
            .and_then(|arguments| named_children(arguments).into_iter().next()),
        _ => None,
    }
}

/// The text of a string literal without quotes.
fn literal_text(file: &ParsedFile, literal: Node) -> String {
    named_children(literal)
        .into_iter()
        .filter(|part| part.kind() == "string_content")
        .map(|part| file.text(part))
        .collect()
}

fn macro_name<'a>(file: &'a ParsedFile, invocation: Node) -> Option<&'a str> {
    let name = invocation.child_by_field_name("macro")?;
    let name = match name.kind() {
        "scoped_identifier" => name.child_by_field_name("name")?,
        _ => name,
    };
    Some(file.text(name))
}

/// The parts of `format!(TEMPLATE, ARGS…)` that matter here.
struct FormatArguments<'t> {
    template: String,
    /// Each value spliced in: the argument's tokens, or an inline `{name}` capture.
    values: Vec<Vec<Node<'t>>>,
}

/// Split a `format!` token tree into its template and the tokens of each value.
fn format_arguments<'t>(file: &ParsedFile, invocation: Node<'t>) -> Option<FormatArguments<'t>> {
    let tree = named_children(invocation)
        .into_iter()
        .find(|child| child.kind() == "token_tree")?;
    let mut cursor = tree.walk();
    let tokens: Vec<Node<'t>> = tree
        .children(&mut cursor)
        .filter(|token| !matches!(token.kind(), "(" | ")" | "[" | "]" | "{" | "}"))
        .collect();
    let (template, rest) = tokens.split_first()?;
    if !matches!(template.kind(), "string_literal" | "raw_string_literal") {
        return None;
    }
    let text = literal_text(file, *template);
    let mut values: Vec<Vec<Node<'t>>> = Vec::new();
    for token in rest {
        if token.kind() == "," {
            values.push(Vec::new());
        } else if let Some(current) = values.last_mut() {
            current.push(*token);
        }
    }
    values.retain(|value| !value.is_empty());
    // `name = value`: only the value is spliced in.
    for value in &mut values {
        if value.len() > 2 && value[1].kind() == "=" {
            value.drain(..2);
        }
    }
    // Inline captures, `{name}` / `{name:?}`, refer to locals by name; represent them by the
    // template token itself and resolve the names in `is_safe_tokens`.
    if !inline_captures(&text).is_empty() {
        values.push(vec![*template]);
    }
    Some(FormatArguments {
        template: text,
        values,
    })
}

/// The names captured inline by a format template: `{id}`, `{user_id:?}`; not `{}`, `{0}`, `{{`.
fn inline_captures(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(escaped) = rest.strip_prefix('{') {
            rest = escaped;
            continue;
        }
        let Some(close) = rest.find('}') else { break };
        let name = rest[..close].split(':').next().unwrap_or_default().trim();
        if name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            names.push(name);
        }
        rest = &rest[close + 1..];
    }
    names
}

/// Whether one `format!` value cannot carry SQL: a literal, a constant, a length, or a local
/// bound only to such values (a `match` over an allowlist, for instance).
fn is_safe_tokens(file: &ParsedFile, invocation: Node, tokens: &[Node], depth: usize) -> bool {
    match tokens {
        [single] if matches!(single.kind(), "string_literal" | "raw_string_literal") => {
            let template = literal_text(file, *single);
            inline_captures(&template)
                .iter()
                .all(|name| is_safe_name(file, invocation, name, depth))
        }
        [single] if single.kind() == "identifier" => {
            is_safe_name(file, invocation, file.text(*single), depth)
        }
        [single] => matches!(
            single.kind(),
            "integer_literal" | "float_literal" | "boolean_literal" | "char_literal"
        ),
        // `ids.len()`, `Self::TABLE`, `schema::TABLE`.
        [.., method, tree] if tree.kind() == "token_tree" => {
            matches!(file.text(*method), "len" | "count")
        }
        [.., separator, last] if separator.kind() == "::" => is_constant_name(file.text(*last)),
        _ => false,
    }
}

fn is_safe_name(file: &ParsedFile, at: Node, name: &str, depth: usize) -> bool {
    crate::budget::deep(|| is_safe_name_unguarded(file, at, name, depth))
}

/// Guarded by [`is_safe_name`], which grows the stack for deep trees.
fn is_safe_name_unguarded(file: &ParsedFile, at: Node, name: &str, depth: usize) -> bool {
    if is_constant_name(name) {
        return true;
    }
    if depth >= MAX_DEPTH {
        return false;
    }
    if scope::is_inert_parameter(file, at, name) {
        return true;
    }
    scope::assignments_before(file, at, name).is_some_and(|assigned| {
        assigned
            .value
            .is_some_and(|value| is_safe(file, value, depth + 1))
            && assigned
                .appended
                .iter()
                .all(|part| is_safe(file, *part, depth + 1))
    })
}

/// Whether an expression cannot carry attacker-controlled SQL.
fn is_safe(file: &ParsedFile, node: Node, depth: usize) -> bool {
    crate::budget::deep(|| is_safe_unguarded(file, node, depth))
}

/// Guarded by [`is_safe`], which grows the stack for deep trees.
fn is_safe_unguarded(file: &ParsedFile, node: Node, depth: usize) -> bool {
    match node.kind() {
        "string_literal" | "raw_string_literal" => {
            // A literal used as a format template is checked through its captures elsewhere.
            true
        }
        "integer_literal" | "float_literal" | "boolean_literal" | "char_literal" => true,
        "identifier" => is_safe_name(file, node, file.text(node), depth),
        "scoped_identifier" => node
            .child_by_field_name("name")
            .is_some_and(|name| is_constant_name(file.text(name))),
        "reference_expression" | "parenthesized_expression" => named_children(node)
            .into_iter()
            .all(|inner| is_safe(file, inner, depth)),
        "match_expression" => node.child_by_field_name("body").is_some_and(|body| {
            named_children(body)
                .into_iter()
                .filter_map(|arm| arm.child_by_field_name("value"))
                .all(|value| is_safe(file, value, depth))
        }),
        "if_expression" => {
            let branches = [
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            ];
            branches
                .into_iter()
                .all(|branch| branch.is_some_and(|branch| is_safe_block(file, branch, depth)))
        }
        "block" | "else_clause" => is_safe_block(file, node, depth),
        "macro_invocation" if macro_name(file, node) == Some("format") => {
            format_arguments(file, node).is_some_and(|arguments| {
                arguments
                    .values
                    .iter()
                    .all(|value| is_safe_tokens(file, node, value, depth))
            })
        }
        "call_expression" => {
            pass_through(file, node).is_some_and(|inner| is_safe(file, inner, depth))
                || is_placeholder_list(file, node)
        }
        _ => false,
    }
}

/// A block (or `else` clause) whose value is safe.
fn is_safe_block(file: &ParsedFile, block: Node, depth: usize) -> bool {
    named_children(block)
        .last()
        .is_some_and(|last| is_safe(file, *last, depth))
}

/// `(1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")`: a list of bound-parameter
/// placeholders, recognised by a `join` over placeholder literals.
fn is_placeholder_list(file: &ParsedFile, call: Node) -> bool {
    let Some(function) = call.child_by_field_name("function") else {
        return false;
    };
    let is_join = function.kind() == "field_expression"
        && function
            .child_by_field_name("field")
            .is_some_and(|field| file.text(field) == "join");
    is_join
        && function.child_by_field_name("value").is_some_and(|items| {
            descendants(items).any(|token| {
                matches!(token.kind(), "string_literal" | "raw_string_literal")
                    && matches!(
                        literal_text(file, token).as_str(),
                        "?" | "${i}" | "${}" | "${n}" | "${index}" | "$" | "@p{}"
                    )
            })
        })
}

#[cfg(test)]
mod tests {
    use super::super::RUST_NEEDS;
    use super::EXECUTORS;

    #[test]
    fn the_prefilter_admits_every_sink() {
        for sink in EXECUTORS {
            assert!(
                RUST_NEEDS.iter().any(|needle| sink.contains(needle)),
                "{sink}"
            );
        }
    }
}
