//! Validators and predicates: calls that reject or test a value before it is used.
//!
//! A function validates a parameter when it rejects the call (raises, aborts, returns `Err`)
//! under a condition that reads the parameter or a value derived from it
//! (`if not urlparse(url).hostname: raise …`, `if !path.starts_with(base) { return Err(…) }`),
//! or in a `try` whose every `except` raises (`try: Path(real).relative_to(base)` / `except
//! ValueError: raise PermissionError(…)`).
//! A variable passed to such a function before a use, where a rejection stops the use (Python:
//! a call not caught by a `try` that goes on; Rust: its result propagated with `?`), is clean at
//! the use. So is one passed to an enum class (`Method(value)` raises for a non-member) or to a
//! number or UUID conversion. A Python predicate (a function returning a comparison or
//! membership test of a parameter) guards a use inside `if check(x):`, or after
//! `if not check(x):` whose body leaves.
//!
//! Functions of the same file are summarised on the spot ([`rejected_parameters`],
//! [`tested_parameters`]); a call into another file is recorded on the flow (a [`CallRef`]) and
//! decided once the project is linked ([`super::callees`]).

use super::{CallRef, Tracer};
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{descendants, named_children, FieldChild};
use tree_sitter::Node;

/// Python conversions that raise on anything but a number or UUID.
const CONVERSIONS: &[&str] = &["int", "float", "Decimal", "UUID"];

/// Python functions that run the function they are handed, with the arguments after it, on a
/// worker thread and wait for it (its exception is raised in the caller): by qualified name,
/// with the position of the function handed.
const THREAD_RUNNERS: &[(&str, usize)] = &[
    ("asyncio.to_thread", 0),
    ("starlette.concurrency.run_in_threadpool", 0),
    ("fastapi.concurrency.run_in_threadpool", 0),
    ("anyio.to_thread.run_sync", 0),
];

/// The parameters (by position, receivers not counted) that `function` rejects under a
/// condition that reads them, or a value derived from them.
pub fn rejected_parameters(file: &ParsedFile, function: Node) -> Vec<usize> {
    let text = file.text(function);
    let language = file.language();
    let may_reject = match language {
        Language::Python => {
            text.contains("raise")
                || text.contains("abort(")
                || CONVERSIONS.iter().any(|c| text.contains(c))
        }
        Language::Rust => text.contains("Err") || text.contains("bail!"),
    };
    if !may_reject {
        return Vec::new();
    }
    let mut checked: Vec<Node> = descendants(function)
        .filter(|node| is_rejecting_branch(file, *node))
        .filter_map(|node| node.field_child("condition"))
        .collect();
    if language == Language::Python {
        checked.extend(raising_conversions(file, function));
        checked.extend(refusing_tries(function));
    }
    parameters_read_by(file, function, &checked)
}

/// Python: the bodies of the `try` statements of `function` whose every `except` raises
/// (`try: Path(resolved).relative_to(base)` / `except ValueError: raise PermissionError(…)`):
/// what fails in them rejects the call.
fn refusing_tries(function: Node) -> Vec<Node> {
    descendants(function)
        .filter(|node| node.kind() == "try_statement")
        .filter(|statement| {
            named_children(*statement)
                .iter()
                .any(|clause| clause.kind() == "except_clause")
                && handlers_raise(*statement)
        })
        .filter_map(|statement| statement.field_child("body"))
        .collect()
}

/// Python: the variables converted in `function` (`uuid.UUID(session_id)`) where the
/// conversion's error leaves it: not caught, or caught by a `try` whose every handler raises
/// again.
fn raising_conversions<'t>(file: &ParsedFile, function: Node<'t>) -> Vec<Node<'t>> {
    descendants(function)
        .filter(|node| node.kind() == "call")
        .filter(|call| {
            call.field_child("function").is_some_and(|callee| {
                let written = file.text(callee);
                CONVERSIONS.contains(&written.rsplit('.').next().unwrap_or(written))
            })
        })
        .filter(|call| escapes(file, function, *call))
        .filter_map(|call| call.field_child("arguments")?.named_child(0))
        // a variable: `int(order.quantity)` checks one field, not the object it is passed
        .filter(|argument| argument.kind() == "identifier")
        .collect()
}

/// Whether `call` runs on every call of `function` (under no condition, loop or nested
/// function) and an exception it raises leaves `function`: each `try` around it (in its body)
/// has only handlers that raise again.
fn escapes(file: &ParsedFile, function: Node, call: Node) -> bool {
    let mut child = call;
    while let Some(parent) = file.parent(child) {
        if parent.id() == function.id() {
            return true;
        }
        if CONDITIONAL.contains(&parent.kind()) {
            return false;
        }
        let in_body = parent.kind() == "try_statement"
            && parent
                .field_child("body")
                .is_some_and(|body| body.id() == child.id());
        if in_body && !handlers_raise(parent) {
            return false;
        }
        child = parent;
    }
    false
}

/// Python nodes whose parts may not run, or run later.
const CONDITIONAL: &[&str] = &[
    "if_statement",
    "elif_clause",
    "else_clause",
    "for_statement",
    "while_statement",
    "match_statement",
    "except_clause",
    "finally_clause",
    "conditional_expression",
    "boolean_operator",
    "lambda",
    "function_definition",
    "class_definition",
    "list_comprehension",
    "dictionary_comprehension",
    "set_comprehension",
    "generator_expression",
];

/// Every `except` clause of a `try` ends by raising.
fn handlers_raise(try_statement: Node) -> bool {
    every_handler_ends(try_statement, |last| last.kind() == "raise_statement")
}

/// Every `except` clause of a `try` ends with a statement that passes `ends`.
fn every_handler_ends(try_statement: Node, ends: impl Fn(Node) -> bool) -> bool {
    named_children(try_statement)
        .into_iter()
        .filter(|clause| clause.kind() == "except_clause")
        .all(|clause| {
            named_children(clause)
                .last()
                .and_then(|block| named_children(*block).last().copied())
                .is_some_and(&ends)
        })
}

/// The parameters (by position, receivers not counted) that the Python predicate `function`
/// tests: it returns a comparison or membership test that reads them, or a value derived from
/// them (`return ext_id in self.known_ids`).
pub fn tested_parameters(file: &ParsedFile, function: Node) -> Vec<usize> {
    if file.language() != Language::Python {
        return Vec::new();
    }
    let comparisons: Vec<Node> = super::python::returned_values(function)
        .into_iter()
        .flat_map(|value| {
            descendants(value)
                .chain(std::iter::once(value))
                .collect::<Vec<_>>()
        })
        .filter(|node| node.kind() == "comparison_operator")
        .collect();
    parameters_read_by(file, function, &comparisons)
}

/// The parameters of `function` (by position, receivers not counted) that an identifier in one
/// of `expressions` reads, directly or through a value derived from them.
fn parameters_read_by(file: &ParsedFile, function: Node, expressions: &[Node]) -> Vec<usize> {
    if expressions.is_empty() {
        return Vec::new();
    }
    let names = super::parameter_names(file, function);
    let model = file.model();
    let hook = |_: Node| None;
    (0..names.len())
        .filter(|index| {
            let tracer = Tracer::from_parameter(file, model, &hook, function, &names[*index]);
            expressions.iter().any(|expression| {
                descendants(*expression)
                    .chain(std::iter::once(*expression))
                    .filter(|n| n.kind() == "identifier")
                    .any(|identifier| tracer.trace(identifier).is_some())
            })
        })
        .collect()
}

/// Python: the calls in `if` conditions that guard `use_site` with a test of the variable
/// `name`: the use sits in the consequence of `if check(name):` (or `if a and check(name):`),
/// or follows `if not check(name):` whose block leaves or replaces `name` (`next_url =
/// reverse("home")`). With the argument's position (`None`: passed by keyword).
pub(super) fn tests_guarding<'t>(
    file: &'t ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Vec<(Node<'t>, Option<usize>)> {
    if file.language() != Language::Python {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut child = use_site;
    for parent in file.ancestors(use_site) {
        if matches!(parent.kind(), "function_definition" | "lambda") {
            break;
        }
        if parent.kind() == "if_statement"
            && parent
                .field_child("consequence")
                .is_some_and(|c| c.id() == child.id())
        {
            if let Some(condition) = parent.field_child("condition") {
                positive_calls(condition, &mut |call| {
                    if let Some(index) = guard_argument(file, call, name) {
                        found.push((call, index));
                    }
                });
            }
        }
        if parent.kind() == "block" {
            for statement in file.named_children(parent) {
                if statement.start_byte() >= child.start_byte() {
                    break;
                }
                for negated in leaving_negations(file, statement, name) {
                    positive_calls(negated, &mut |call| {
                        if let Some(index) = guard_argument(file, call, name) {
                            found.push((call, index));
                        }
                    });
                }
            }
        }
        child = parent;
    }
    found
}

/// The calls a condition requires to be true: the condition itself, an awaited call, either
/// side of `and`.
fn positive_calls<'t>(condition: Node<'t>, found: &mut impl FnMut(Node<'t>)) {
    match condition.kind() {
        "call" => found(condition),
        "await" | "parenthesized_expression" => {
            if let Some(inner) = condition.named_child(0) {
                positive_calls(inner, found);
            }
        }
        "boolean_operator" if condition.child(1).is_some_and(|op| op.kind() == "and") => {
            for side in named_children(condition) {
                positive_calls(side, found);
            }
        }
        _ => {}
    }
}

/// What holds for `name` after `if <condition>: <leaves or replaces name>` without
/// `elif`/`else`: `X` of `if not X:`, and each `X` of `if not a or not X:` (every side of an `or`
/// is false past it).
fn leaving_negations<'t>(file: &ParsedFile, statement: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let Some(condition) = leaving_condition(file, statement, name) else {
        return Vec::new();
    };
    // Right to left, as they were always looked at.
    crate::syntax::or_operands(condition)
        .into_iter()
        .rev()
        .filter(|side| side.kind() == "not_operator")
        .filter_map(|side| side.field_child("argument"))
        .collect()
}

/// The condition of `if <condition>: <leaves>` without `elif`/`else`, or of one whose block
/// gives `name` another value on every path.
fn leaving_condition<'t>(file: &ParsedFile, statement: Node<'t>, name: &str) -> Option<Node<'t>> {
    if statement.kind() != "if_statement" || statement.field_child("alternative").is_some() {
        return None;
    }
    let condition = statement.field_child("condition")?;
    let consequence = statement.field_child("consequence")?;
    let leaves = named_children(consequence).last().is_some_and(|last| {
        matches!(
            last.kind(),
            "raise_statement" | "return_statement" | "continue_statement"
        ) || (last.kind() == "expression_statement" && file.text(*last).starts_with("abort("))
    });
    (leaves || replaces(file, consequence, name)).then_some(condition)
}

/// Whether every path through `block` assigns `name` (`name = …` among its statements, or an
/// `if`/`elif`/`else` each of whose branches does).
fn replaces(file: &ParsedFile, block: Node, name: &str) -> bool {
    named_children(block)
        .into_iter()
        .any(|statement| match statement.kind() {
            "expression_statement" => statement.named_child(0).is_some_and(|assignment| {
                assignment.kind() == "assignment"
                    && assignment
                        .field_child("left")
                        .is_some_and(|left| left.kind() == "identifier" && file.text(left) == name)
            }),
            "if_statement" => {
                let mut branches = vec![statement.field_child("consequence")];
                let mut has_else = false;
                for alternative in named_children(statement) {
                    match alternative.kind() {
                        "elif_clause" => branches.push(alternative.field_child("consequence")),
                        "else_clause" => {
                            has_else = true;
                            branches.push(alternative.field_child("body"));
                        }
                        _ => {}
                    }
                }
                has_else
                    && branches
                        .into_iter()
                        .all(|branch| branch.is_some_and(|b| replaces(file, b, name)))
            }
            _ => false,
        })
}

/// An `if` whose consequence rejects: `raise`, `abort(…)`; `return Err(…)`, `bail!(…)`.
fn is_rejecting_branch(file: &ParsedFile, node: Node) -> bool {
    let consequence = match node.kind() {
        "if_statement" | "elif_clause" | "if_expression" => node.field_child("consequence"),
        _ => None,
    };
    let Some(consequence) = consequence else {
        return false;
    };
    match node.kind() {
        "if_expression" => descendants(consequence).any(|n| match n.kind() {
            "return_expression" => file
                .text(n)
                .trim_start_matches("return")
                .trim()
                .starts_with("Err"),
            "macro_invocation" => file.text(n).starts_with("bail!"),
            _ => false,
        }),
        _ => named_children(consequence).iter().any(|statement| {
            statement.kind() == "raise_statement"
                || (statement.kind() == "expression_statement"
                    && file.text(*statement).starts_with("abort("))
        }),
    }
}

/// The calls before `use_site`, in its function, that receive the variable `name` and whose
/// rejection would stop the use, with the argument's position.
pub(super) fn calls_before<'t>(
    file: &'t ParsedFile,
    use_site: Node<'t>,
    name: &str,
) -> Vec<(Node<'t>, usize)> {
    let (call_kind, function_kinds): (&str, &'static [&str]) = match file.language() {
        Language::Python => ("call", &["function_definition", "lambda"]),
        Language::Rust => ("call_expression", &["function_item", "closure_expression"]),
    };
    let Some(function) = file
        .ancestors(use_site)
        .find(|node| function_kinds.contains(&node.kind()))
    else {
        return Vec::new();
    };
    let before = use_site.start_byte();
    if !maybe_argument(&file.source.text[function.start_byte()..before], name) {
        return Vec::new();
    }
    // The function's own calls (not those of functions nested in it); cheapest tests first:
    // most calls do not receive the variable.
    file.mentioning(function, name, before, function_kinds)
        .into_iter()
        .filter(|n| n.kind() == call_kind && n.end_byte() <= before)
        .filter_map(|call| Some((call, argument_index(file, call, name)?)))
        .filter(|(call, _)| stops_the_use(file, *call, use_site))
        .collect()
}

/// Whether `name` occurs in `text` where an argument starts: after `(`, `,`, `&`, `*` or an
/// f-string's `{` (a quick test before walking the function's calls).
fn maybe_argument(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let after = text[at + name.len()..].chars().next();
        let before = text[..at].trim_end().chars().next_back();
        !after.is_some_and(is_word)
            && !text[..at].chars().next_back().is_some_and(is_word)
            && matches!(before, Some('(' | ',' | '&' | '*' | '{'))
    })
}

/// Where `call` receives `name`: its position, or `Some(None)` as a keyword argument's value
/// (`url_has_allowed_host_and_scheme(url=next_url, …)`).
fn guard_argument(file: &ParsedFile, call: Node, name: &str) -> Option<Option<usize>> {
    if let Some(index) = argument_index(file, call, name) {
        return Some(Some(index));
    }
    let arguments = call.field_child("arguments")?;
    named_children(arguments)
        .into_iter()
        .filter(|arg| arg.kind() == "keyword_argument")
        .filter_map(|arg| arg.field_child("value"))
        .any(|value| carries(file, value, name))
        .then_some(None)
}

/// The position of the argument that carries `name` itself: the variable, a reference to it,
/// a string built from it, or a borrowing conversion of it.
fn argument_index(file: &ParsedFile, call: Node, name: &str) -> Option<usize> {
    let arguments = call.field_child("arguments")?;
    named_children(arguments)
        .into_iter()
        .filter(|arg| !matches!(arg.kind(), "keyword_argument" | "comment"))
        .position(|arg| carries(file, arg, name))
}

fn carries(file: &ParsedFile, arg: Node, name: &str) -> bool {
    match arg.kind() {
        "identifier" => file.text(arg) == name,
        "reference_expression" | "unary_expression" | "parenthesized_expression" => arg
            .named_child(0)
            .is_some_and(|inner| carries(file, inner, name)),
        // `f"{name}-auth"`: a value built around it
        "string" => descendants(arg)
            .filter(|n| n.kind() == "interpolation")
            .any(|i| {
                i.named_child(0)
                    .is_some_and(|inner| carries(file, inner, name))
            }),
        // `name.as_str()`, `name.strip()`
        "call" | "call_expression" => arg
            .field_child("function")
            .filter(|f| matches!(f.kind(), "attribute" | "field_expression"))
            .and_then(|f| f.named_child(0))
            .is_some_and(|receiver| carries(file, receiver, name)),
        _ => false,
    }
}

/// Whether a rejection by `call` keeps the code from reaching `use_site`.
fn stops_the_use(file: &ParsedFile, call: Node, use_site: Node) -> bool {
    match file.language() {
        Language::Python => python_dominates(file, call, use_site),
        Language::Rust => propagated(call) && rust_dominates(call, use_site),
    }
}

/// Python: the call runs on every path to the use (its statement sits in a block that holds
/// the use, and not inside a nested block of that statement), or it sits directly in the body
/// of a `try` whose handlers all leave, and the use comes after the `try`.
fn python_dominates(file: &ParsedFile, call: Node, use_site: Node) -> bool {
    let mut child = call;
    let mut nested = false;
    while let Some(parent) = file.parent(child) {
        if matches!(parent.kind(), "block" | "module") {
            if contains(parent, use_site) {
                return !nested;
            }
            let holder = file.parent(parent);
            let in_try_body = holder.is_some_and(|h| {
                h.kind() == "try_statement"
                    && h.field_child("body").is_some_and(|b| b.id() == parent.id())
            });
            match holder {
                Some(try_statement) if in_try_body && !nested => {
                    // a use in a handler runs exactly when the call failed
                    if contains(try_statement, use_site) || !handlers_leave(file, try_statement) {
                        return false;
                    }
                    child = try_statement;
                    continue;
                }
                _ => nested = true,
            }
        }
        child = parent;
    }
    false
}

/// Every `except` clause of a `try` ends by leaving (`raise`, `return`, `abort(…)`).
fn handlers_leave(file: &ParsedFile, try_statement: Node) -> bool {
    every_handler_ends(try_statement, |last| {
        matches!(last.kind(), "raise_statement" | "return_statement")
            || (last.kind() == "expression_statement" && file.text(last).starts_with("abort("))
    })
}

/// Rust: the call's `Err` is propagated with `?` (directly, or after `map_err`/`context`).
fn propagated(call: Node) -> bool {
    let Some(parent) = call.parent() else {
        return false;
    };
    match parent.kind() {
        "try_expression" => true,
        "field_expression" => parent
            .parent()
            .filter(|p| p.kind() == "call_expression")
            .and_then(|p| p.parent())
            .is_some_and(|p| p.kind() == "try_expression"),
        _ => false,
    }
}

/// Rust: the call's statement sits in a block that holds the use.
fn rust_dominates(call: Node, use_site: Node) -> bool {
    let mut child = call;
    while let Some(parent) = child.parent() {
        if parent.kind() == "block" {
            return contains(parent, use_site);
        }
        if matches!(parent.kind(), "closure_expression" | "function_item") {
            return false;
        }
        child = parent;
    }
    false
}

fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// What one call before a use says about the value it receives.
pub(super) enum Verdict {
    /// It rejects invalid values: the value is clean after it.
    Clean,
    /// Defined in another file: decided when the project is linked.
    Pending(CallRef),
    /// It validates nothing that tollgate can see.
    No,
}

impl<'a> Tracer<'a, '_> {
    /// What the test `call` in a condition guarding a use, receiving the traced value as
    /// argument `index`, says about it. The position is `None` when the value is passed by
    /// keyword: only the rule's own sanitizers decide then.
    pub(super) fn test(&self, call: Node, index: Option<usize>) -> Verdict {
        let Some(callee) = call.field_child("function") else {
            return Verdict::No;
        };
        // A check the rule names among its sanitizers (`url_has_allowed_host_and_scheme(…)`).
        if matches!((self.custom)(call), Some(super::Custom::Sanitizer)) {
            return Verdict::Clean;
        }
        let Some(index) = index else {
            return Verdict::No;
        };
        if let Some(function) = self.local_definition(call, callee) {
            return if function.kind() == "function_definition"
                && tested_parameters(self.file, function).contains(&index)
            {
                Verdict::Clean
            } else {
                Verdict::No
            };
        }
        self.pending(callee, index)
    }

    fn pending(&self, callee: Node, index: usize) -> Verdict {
        match self
            .file
            .symbols()
            .resolve(self.file.language(), self.file.text(callee))
        {
            crate::symbols::Resolved::Qualified(callee) => {
                Verdict::Pending(CallRef { callee, index })
            }
            // `client.allow_redirect_uri(uri)` on an object of unknown type: the link looks
            // for the one project class that defines the method.
            crate::symbols::Resolved::Unresolved(_)
                if self.file.language() == Language::Python && callee.kind() == "attribute" =>
            {
                match callee.field_child("attribute") {
                    Some(method) => Verdict::Pending(CallRef {
                        callee: format!("{}{}", super::ANY_RECEIVER, self.file.text(method)),
                        index,
                    }),
                    None => Verdict::No,
                }
            }
            crate::symbols::Resolved::Unresolved(_) => Verdict::No,
        }
    }

    /// What the call `call`, receiving the traced value as argument `index`, says about it.
    /// A call that runs another function on a worker thread
    /// (`await asyncio.to_thread(validate_url, url)`, `loop.run_in_executor(None, check, url)`)
    /// is read as a call of that function.
    pub(super) fn validator(&self, call: Node, index: usize) -> Verdict {
        let Some(callee) = call.field_child("function") else {
            return Verdict::No;
        };
        let (callee, index) = match self.thread_runner(callee) {
            Some(handed) if index > handed => {
                let arguments = call.field_child("arguments");
                let function = arguments
                    .map(named_children)
                    .and_then(|arguments| arguments.get(handed).copied());
                match function {
                    Some(function) => (function, index - handed - 1),
                    None => return Verdict::No,
                }
            }
            Some(_) => return Verdict::No,
            None => (callee, index),
        };
        let written = self.file.text(callee);
        let last = written.rsplit(['.', ':']).next().unwrap_or(written);
        if self.file.language() == Language::Python && CONVERSIONS.contains(&last) {
            return Verdict::Clean;
        }
        if let Some(function) = self.local_definition(call, callee) {
            return match function.kind() {
                "class_definition" if is_enum_class(self.file, function) => Verdict::Clean,
                "class_definition" => Verdict::No,
                _ if self.rejects(function, index) => Verdict::Clean,
                _ => Verdict::No,
            };
        }
        self.pending(callee, index)
    }

    /// The position of the function argument when a call of `callee` runs it on a worker thread.
    fn thread_runner(&self, callee: Node) -> Option<usize> {
        if self.file.language() != Language::Python {
            return None;
        }
        // `loop.run_in_executor(executor, function, *args)`, on a loop of any name
        if callee.kind() == "attribute"
            && callee
                .field_child("attribute")
                .is_some_and(|method| self.file.text(method) == "run_in_executor")
        {
            return Some(1);
        }
        let crate::symbols::Resolved::Qualified(name) = self
            .file
            .symbols()
            .resolve(self.file.language(), self.file.text(callee))
        else {
            return None;
        };
        THREAD_RUNNERS
            .iter()
            .find(|(runner, _)| *runner == name)
            .map(|(_, handed)| *handed)
    }

    /// Whether the same-file `function` rejects its parameter `index` (memoised).
    fn rejects(&self, function: Node, index: usize) -> bool {
        if let Some(known) = self.rejections.borrow().get(&function.id()) {
            return known.contains(&index);
        }
        let rejected = rejected_parameters(self.file, function);
        let answer = rejected.contains(&index);
        self.rejections.borrow_mut().insert(function.id(), rejected);
        answer
    }

    /// The function or class of this file a call names.
    fn local_definition<'t>(&self, call: Node<'t>, callee: Node<'t>) -> Option<Node<'t>>
    where
        'a: 't,
    {
        let written = self.file.text(callee);
        match self.file.language() {
            Language::Python => {
                let (method, name) = match written.strip_prefix("self.") {
                    Some(name) => (true, name),
                    None => (false, written),
                };
                if name.contains('.') {
                    return None;
                }
                super::python::local_function(self.file, call, name, method)
                    .or_else(|| (!method).then(|| module_class(self.file, name)).flatten())
            }
            Language::Rust => {
                let (owner, name) = match written.strip_prefix("Self::") {
                    Some(name) => (Some("Self"), name),
                    None => (None, written),
                };
                if name.contains("::") {
                    return None;
                }
                super::rust::local_function(self.file, call, owner, name)
            }
        }
    }
}

/// A class defined at the module level of the file.
fn module_class<'t>(file: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    file.definition_in(file.tree.root_node(), "class_definition", name)
}

/// A class whose bases, as written, are an enum or Django choices.
fn is_enum_class(file: &ParsedFile, class: Node) -> bool {
    class.field_child("superclasses").is_some_and(|bases| {
        named_children(bases).iter().any(|base| {
            let written = file.text(*base);
            let last = written.rsplit('.').next().unwrap_or(written);
            ENUM_BASES.contains(&last)
        })
    })
}

/// Base classes that make a class an enumeration (a constructor call rejects non-members).
pub const ENUM_BASES: &[&str] = &[
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "IntFlag",
    "TextChoices",
    "IntegerChoices",
    "Choices",
];

#[cfg(test)]
mod tests {
    use super::rejected_parameters;
    use crate::parse::{tree, ParsedFile};
    use crate::source::{Language, SourceFile};
    use crate::syntax::{descendants, FieldChild};

    /// Each function of the file that rejects a parameter, with the parameters.
    fn rejected(path: &str, language: Language, text: &str) -> Vec<(String, Vec<usize>)> {
        let source = SourceFile::new(path.into(), path.to_string(), language, text.to_string());
        let tree = tree(&source).expect("parses");
        let parsed = ParsedFile::new(&source, &tree);
        descendants(parsed.tree.root_node())
            .filter(|n| matches!(n.kind(), "function_definition" | "function_item"))
            .filter_map(|function| {
                let body = function.field_child("body")?;
                let (_, id) = crate::taint::across::function_at(&parsed, body)?;
                let params = rejected_parameters(&parsed, function);
                (!params.is_empty()).then_some((id.name, params))
            })
            .collect()
    }

    #[test]
    fn python_functions_that_raise_on_a_derived_value() {
        let found = rejected(
            "shop/checks.py",
            Language::Python,
            "def host_ok(url, strict):\n    host = urlparse(url).hostname\n    if not host:\n        raise ValueError()\n\n\
             def note(url):\n    log(url)\n\n\
             def gate(flag, url):\n    if DEBUG:\n        raise RuntimeError()\n\n\
             class Checks:\n    def name(self, value):\n        if '/' in value:\n            abort(400)\n",
        );
        assert_eq!(
            found,
            vec![
                ("host_ok".to_string(), vec![0]),
                ("Checks.name".to_string(), vec![0]),
            ]
        );
    }

    #[test]
    fn python_conversions_whose_error_leaves_the_function() {
        let found = rejected(
            "shop/ids.py",
            Language::Python,
            "def checked(session_id):\n    try:\n        uuid.UUID(session_id)\n    except ValueError as e:\n        raise BadId() from e\n\n\
             def bare(page, size):\n    n = int(page)\n    return n * size\n\n\
             def swallowed(session_id):\n    try:\n        uuid.UUID(session_id)\n    except ValueError:\n        pass\n\n\
             def sometimes(flag, value):\n    if flag:\n        int(value)\n\n\
             def later(value):\n    return lambda: int(value)\n\n\
             def field(order):\n    n = int(order.quantity)\n",
        );
        assert_eq!(
            found,
            vec![
                ("checked".to_string(), vec![0]),
                ("bare".to_string(), vec![0])
            ]
        );
    }

    #[test]
    fn python_predicates_that_compare_a_parameter() {
        let text = "def known(name, strict):\n    return name.strip() in KNOWN\n\n\
                    def enabled(name):\n    return bool(FLAGS)\n";
        let source = SourceFile::new(
            "shop/checks.py".into(),
            "shop/checks.py".to_string(),
            Language::Python,
            text.to_string(),
        );
        let tree = tree(&source).expect("parses");
        let parsed = ParsedFile::new(&source, &tree);
        let tested: Vec<Vec<usize>> = descendants(parsed.tree.root_node())
            .filter(|n| n.kind() == "function_definition")
            .map(|function| super::tested_parameters(&parsed, function))
            .collect();
        assert_eq!(tested, vec![vec![0], vec![]]);
    }

    #[test]
    fn rust_functions_that_return_err_on_a_derived_value() {
        let found = rejected(
            "src/util.rs",
            Language::Rust,
            "pub fn join(base: &Path, part: &str) -> Result<PathBuf> {\n    let p = base.join(part);\n    \
             if !p.starts_with(base) { return Err(bad()); }\n    Ok(p)\n}\n\
             pub fn show(part: &str) -> Result<String> {\n    if part.is_empty() { return Ok(String::new()); }\n    Ok(part.into())\n}\n",
        );
        assert_eq!(found, vec![("join".to_string(), vec![0, 1])]);
    }
}
