//! Taint tracking: does a value come from client input, and along which path?
//!
//! Demand-driven and intra-procedural: starting from a value at a sink (a bound metavariable),
//! the tracer walks backwards through the expression (f-strings, `%`, `.format`, `format!`,
//! concatenation, containers, attribute and field access, subscripts, string methods, `.get()`),
//! through the assignments that bound each local variable earlier in the function (tuple
//! unpacking, `for` targets, augmented assignment, `append`/`extend`/`push_str` mutations), and
//! through calls: into functions defined in the same file by their summary (which parameters
//! reach a `return`), through unknown calls by assuming that arguments flow to the result
//! (marked, so rules can lower their confidence). It stops at sanitizers: numeric, UUID and
//! boolean conversions, comparisons, lengths, typed parameters and `let`s (`id: int`,
//! `Path<i64>`, `let n: u64 = …`), allowlist checks that guard the use
//! (`if x not in ALLOWED: raise`), and whatever the rule declares.
//!
//! Sources are the request accessors and handler parameters of the application model
//! ([`crate::app::handlers`]) plus what the rule declares. The result is the path: source first.
//!
//! The same walk answers a second [`Question`]: is a value anything but a constant? Then every
//! value not known to be fixed is a source; [`built`] asks it of the values spliced into a text
//! (`sql-string-built`).

pub mod across;
pub mod built;
pub mod callees;
pub mod debug_fields;
pub mod objects;
pub mod plugins;
mod python;
pub mod request_class;
mod rust;
pub mod validate;

use crate::app::handlers::FileModel;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{is_constant_name, named_children, scope, FieldChild};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::Node;

/// How many bindings and calls deep a value is followed.
const MAX_DEPTH: usize = 12;
/// How many nodes one trace may visit before it gives up (no flow): a bound on pathological
/// functions, far above what real sinks need.
const MAX_VISITS: usize = 4000;

/// Whether a step's label is a call's result (`returned by f()`, `f() returns request input`):
/// each call of the function makes a value of its own.
pub fn is_call_result(label: &str) -> bool {
    label.starts_with("returned by `") || label.contains("()` returns request input")
}

/// One place a tainted value passes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub bytes: Range<usize>,
    pub label: String,
}

/// Trace results by node id.
pub type Memo = HashMap<usize, Option<Flow>>;

/// How a value reaches a sink from a source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    /// The source first, then every binding and call the value passed through.
    pub steps: Vec<Step>,
    /// The value passed through a call tollgate knows nothing about (assumed to propagate).
    pub through_unknown_call: bool,
    /// When traced from a function's parameters ([`Tracer::from_parameters`]): the parameter the
    /// flow starts at, by position (receivers not counted) and name.
    pub parameter: Option<(usize, String)>,
    /// Calls into other files the value passed before its use that may reject it: if one of
    /// them does, the value is clean (decided when the project is linked).
    pub validators: Vec<CallRef>,
    /// Calls into other files whose truth guards the use (`if allowed(x): use(x)`): if one
    /// of them tests the value, it is clean (decided when the project is linked).
    pub tests: Vec<CallRef>,
    /// Calls of functions in other files the value passed through, each assumed to pass its
    /// argument on to its result: if one does not, the flow is broken (decided when the project
    /// is linked, [`returns`]).
    pub through: Vec<CallRef>,
    /// The line of the Django function view whose parameter the flow starts at: only a
    /// registration makes that function a view, and the link confirms one reaches it (for a
    /// flow reported in the view's own file).
    pub entry: Option<usize>,
    /// The line of the handler and the URL parameter the flow starts at, when the handler's
    /// file does not show the route and the rule takes a conversion for a sanitizer: if every
    /// linked route converts the parameter to a number or UUID (`<int:user_pk>`), the flow is
    /// clean (decided when the project is linked).
    pub url_parameter: Option<(usize, String)>,
    /// The imported name annotating the FastAPI handler parameter the flow starts at
    /// (`session: SessionDep`): if the project declares it as an alias that carries a
    /// dependency, FastAPI fills the parameter and the flow has no source (decided when the
    /// project is linked).
    pub dependency_alias: Option<String>,
    /// The type a Rust handler's extractor parses the parameter the flow starts at into
    /// (`OriginalName` of `Path(name): Path<OriginalName>`): if the project declares it with a
    /// deserialization that checks the value, the flow is less sure (decided when the project
    /// is linked).
    pub parsed_into: Option<String>,
}

/// A call of a function (or class) by its qualified name, and the argument a traced value is
/// passed as, by position: `shop.checks.reject_internal_host` with 0, `crate::util::safe_join`
/// with 1.
///
/// A Python method called on an object whose type the file does not show
/// (`client.allow_redirect_uri(uri)`) is named [`ANY_RECEIVER`] and the method's name
/// (`*.allow_redirect_uri`): the link resolves it to the one project class that defines a method
/// of that name, if only one does.
///
/// A traced value that is the object a method runs on (`wrapped.get_param("q")`, the `table` of
/// `str(table)`, which runs `Table.__str__`) is passed as [`RECEIVER`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallRef {
    pub callee: String,
    pub index: usize,
}

/// The receiver of a [`CallRef`] to a method of an object of unknown type.
pub const ANY_RECEIVER: &str = "*.";

/// The [`CallRef::index`] of a value passed as the object the method runs on (`self`).
pub const RECEIVER: usize = usize::MAX;

/// The [`CallRef::index`] asking about a function's result itself, whatever it is handed: for
/// [`Question::NotConstant`], whether everything it returns is fixed text.
pub const RESULT: usize = usize::MAX - 1;

/// What a rule's own `taint:` declarations say about a node.
pub enum Custom {
    /// The node is a source, described by the label.
    Source(String),
    /// The node's value is clean.
    Sanitizer,
}

/// A hook for the rule's own sources and sanitizers.
pub type CustomHook<'a> = &'a dyn Fn(Node) -> Option<Custom>;

/// What a language says about one node during a trace.
enum Shape<'t> {
    /// A request accessor or other built-in source.
    Source(String),
    /// A value that carries no taint (literals, comparisons, conversions, functions).
    Clean,
    /// Rows read from the database (`Invoice.objects.filter(…).values_list(…)`): never the keys
    /// they were found by, even when only origins are asked.
    Stored,
    /// A variable read.
    Name(String),
    /// Variables read by name inside a format string (`format!("{id}")`).
    Captures(Vec<String>),
    /// A call: same-file function, receiver and arguments.
    Call(Call<'t>),
    /// Anything else: tainted when a part is.
    Composite,
    /// Tainted when one of these parts is (a comprehension: its element, whose loop variables
    /// are bindings of their own).
    Parts(Vec<Node<'t>>),
}

struct Call<'t> {
    /// The function called, when it is defined in this file.
    local: Option<Node<'t>>,
    /// `x` in `x.strip()`.
    receiver: Option<Node<'t>>,
    args: Vec<Node<'t>>,
    /// A method known to return (part of) its receiver or arguments: no confidence lost.
    known: bool,
}

impl Call<'_> {
    /// Whether the call is known to return (part of) its receiver or arguments, and is not a
    /// function of this file (whose result is what its body makes of them).
    fn passes_on(&self) -> bool {
        self.known && self.local.is_none()
    }
}

/// A variable's binding before a use.
struct Binding<'t> {
    /// The statement that binds it, for the step's location.
    at: Node<'t>,
    /// The value bound (right-hand side, iterable, or a mutation's argument).
    value: Node<'t>,
    /// The binding converts to a number or id type (`let id: i64 = …`, `n: int = …`).
    typed: bool,
}

/// By function node and tuple element (see [`Tracer::summary`]): per parameter, whether it
/// reaches what the function returns, and on what conditions.
type Summaries = HashMap<(usize, Option<usize>), Vec<Option<Passage>>>;

/// What a parameter's way to a function's result depends on, decided when the project is
/// linked: the calls into other files it passes through (each must pass it on), and those that
/// may reject or test it on the way (one that does cleans it). Confidence is the argument's: a
/// same-file function's result is read as sure as what it is handed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Passage {
    through: Vec<CallRef>,
    validators: Vec<CallRef>,
    tests: Vec<CallRef>,
}

impl Passage {
    fn of(flow: Flow) -> Self {
        Passage {
            through: flow.through,
            validators: flow.validators,
            tests: flow.tests,
        }
    }

    /// `flow`, an argument's, carried on to the call's result on these conditions.
    fn onto(&self, mut flow: Flow) -> Flow {
        flow.through.extend(self.through.iter().cloned());
        flow.validators.extend(self.validators.iter().cloned());
        flow.tests.extend(self.tests.iter().cloned());
        flow
    }
}

/// What a trace asks of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Question {
    /// Does it come from a source: request input, a parameter, the rule's own?
    Source,
    /// Is it anything but a constant? Every value not known to be fixed is a source: request
    /// input, parameters, names nothing binds, the results of calls that are not known to
    /// pass on their arguments ([`built`]).
    NotConstant,
}

/// Traces values in one file.
pub struct Tracer<'a, 'f> {
    file: &'a ParsedFile<'f>,
    model: &'a FileModel,
    custom: CustomHook<'a>,
    question: Question,
    /// Per function (node id): which parameters reach a `return`.
    summaries: RefCell<Summaries>,
    /// Per function (node id): which parameters it rejects ([`validate`]).
    rejections: RefCell<HashMap<usize, Vec<usize>>>,
    /// While summarising a function: its node id and parameter names, taken as sources (asked
    /// [`Question::NotConstant`]: as fixed, the call's arguments being asked instead).
    params: Option<(usize, Vec<String>)>,
    /// Request accessors and handler parameters are sources.
    request: bool,
    /// Numeric, UUID and boolean conversions and typed parameters make a value clean (for
    /// injection); off when the question is only where a value comes from (an object id).
    conversions_sanitize: bool,
    /// Route parameters that match one URL path segment are not sources
    /// ([`Tracer::without_path_segments`]).
    segments_clean: bool,
    /// Results by node id: a variable read in many places is traced once.
    memo: RefCell<Memo>,
    /// Nodes visited so far.
    visits: std::cell::Cell<usize>,
}

impl<'a, 'f> Tracer<'a, 'f> {
    /// A tracer with `custom` sources and sanitizers; `request`: request input is a source.
    pub fn new(
        file: &'a ParsedFile<'f>,
        model: &'a FileModel,
        custom: CustomHook<'a>,
        request: bool,
    ) -> Self {
        Tracer {
            file,
            model,
            custom,
            question: Question::Source,
            summaries: RefCell::new(HashMap::new()),
            rejections: RefCell::new(HashMap::new()),
            params: None,
            request,
            conversions_sanitize: true,
            segments_clean: false,
            memo: RefCell::new(HashMap::new()),
            visits: std::cell::Cell::new(0),
        }
    }

    /// A tracer whose sources are the parameters of `function` (request input is not), but
    /// those at the positions in `found` (receivers not counted): which parameter a value at a
    /// sink inside it comes from, and which other one too. Callers across the project then say
    /// whether that parameter carries request input ([`across`]).
    pub fn from_parameters(
        file: &'a ParsedFile<'f>,
        model: &'a FileModel,
        custom: CustomHook<'a>,
        function: Node,
        found: &[usize],
    ) -> Self {
        // The names of `found` are left empty (no identifier matches them), so that the others
        // keep their positions.
        let names = parameter_names(file, function)
            .into_iter()
            .enumerate()
            .map(|(at, name)| {
                if found.contains(&at) {
                    String::new()
                } else {
                    name
                }
            })
            .collect();
        Tracer {
            params: Some((function.id(), names)),
            request: false,
            ..Tracer::new(file, model, custom, false)
        }
    }

    /// A tracer whose one source is the parameter `name` of `function`: whether a value
    /// derives from it.
    pub fn from_parameter(
        file: &'a ParsedFile<'f>,
        model: &'a FileModel,
        custom: CustomHook<'a>,
        function: Node,
        name: &str,
    ) -> Self {
        Tracer {
            params: Some((function.id(), vec![name.to_string()])),
            request: false,
            ..Tracer::new(file, model, custom, false)
        }
    }

    /// A tracer whose sources are request input and the parameters of the function around
    /// `node` (receivers not counted): whether a client or a caller chooses a value.
    pub fn from_input(file: &'a ParsedFile<'f>, model: &'a FileModel, node: Node) -> Self {
        let function = match file.language() {
            Language::Python => python::enclosing_function(node),
            Language::Rust => rust::enclosing_function(node),
        };
        Tracer {
            params: function.map(|function| (function.id(), parameter_names(file, function))),
            ..Tracer::new(file, model, &|_| None, true)
        }
        .origins_only()
    }

    /// A tracer that asks `question` of the values it traces.
    pub(crate) fn asking(mut self, question: Question) -> Self {
        self.question = question;
        self
    }

    /// Where values come from, regardless of conversions: `int(request.GET["id"])` and a
    /// `Path<i64>` parameter still count as request input.
    pub fn origins_only(mut self) -> Self {
        self.conversions_sanitize = false;
        self
    }

    /// Route parameters of Python handlers that match one URL path segment (`{name}`,
    /// `<name>`, not `{name:path}`) are not sources: the frameworks route on the decoded path, so
    /// such a value never holds a `/`.
    pub fn without_path_segments(mut self) -> Self {
        self.segments_clean = true;
        self
    }

    /// The tracer, knowing what an earlier tracer of the same sources and sanitizers found.
    pub fn with_memo(self, memo: Memo) -> Self {
        self.memo.replace(memo);
        self
    }

    /// What this tracer found, for the next one of the same sources and sanitizers.
    pub fn into_memo(self) -> Memo {
        self.memo.into_inner()
    }

    /// The flow from a source to `node`, if its value derives from one.
    pub fn trace(&self, node: Node) -> Option<Flow> {
        self.value(node, 0)
    }

    /// Element `index` of what `value` holds, for a target unpacked from it (`url, key =
    /// connection(idx)`): the element of a tuple written out, of the tuples a function of the
    /// file returns, else the whole value.
    fn element(&self, value: Node, index: usize, depth: usize) -> Option<Flow> {
        let value = match value.kind() {
            "await" => value.named_child(0).unwrap_or(value),
            _ => value,
        };
        if let Some(part) = tuple_element(value, index) {
            return self.value(part, depth);
        }
        match self.shape(value) {
            Shape::Call(call) if call.local.is_some() => match self.question {
                Question::Source => self.local_call(value, call, Some(index), depth),
                Question::NotConstant => self.local_result(value, call, Some(index), depth),
            },
            _ => self.value(value, depth),
        }
    }

    fn value(&self, node: Node, depth: usize) -> Option<Flow> {
        if depth > MAX_DEPTH || self.visits.get() > MAX_VISITS {
            return None;
        }
        self.visits.set(self.visits.get() + 1);
        if let Some(known) = self.memo.borrow().get(&node.id()) {
            return known.clone();
        }
        let flow = crate::budget::deep(|| self.value_uncached(node, depth));
        self.memo.borrow_mut().insert(node.id(), flow.clone());
        flow
    }

    fn value_uncached(&self, node: Node, depth: usize) -> Option<Flow> {
        match (self.custom)(node) {
            Some(Custom::Sanitizer) => return None,
            Some(Custom::Source(label)) => return Some(self.start(node, label)),
            None => {}
        }
        match self.shape(node) {
            Shape::Source(label) => (self.request || self.question == Question::NotConstant)
                .then(|| self.start(node, label)),
            Shape::Clean if !self.conversions_sanitize && is_call(node) => named_children(node)
                .into_iter()
                .find_map(|child| self.value(child, depth + 1)),
            Shape::Clean | Shape::Stored => None,
            Shape::Name(name) => self.name(node, &name, depth),
            Shape::Captures(names) => names.iter().find_map(|name| self.name(node, name, depth)),
            Shape::Call(call) if self.question == Question::NotConstant && call.local.is_some() => {
                self.local_result(node, call, None, depth)
            }
            Shape::Call(call) if self.question == Question::NotConstant && !call.passes_on() => {
                let function = node.field_child("function").unwrap_or(node);
                let callee = self.file.text(function).lines().next().unwrap_or("");
                let mut flow = self.start(node, format!("the result of `{callee}(…)`"));
                // A function of another file of the project: fixed when all it returns is
                // (`identifier(name)` quoting its argument; decided when the project is linked).
                if let crate::symbols::Resolved::Qualified(callee) =
                    self.file.symbols().resolve(self.file.language(), callee)
                {
                    flow.through.push(CallRef {
                        callee,
                        index: RESULT,
                    });
                }
                Some(flow)
            }
            Shape::Call(call) => self.call(node, call, depth),
            Shape::Composite => {
                let children = named_children(node);
                let last = children.len().saturating_sub(1);
                children
                    .into_iter()
                    .enumerate()
                    .filter(|(index, child)| !self.outside_value(node, *child, *index, last))
                    .find_map(|(_, child)| self.value(child, depth))
            }
            Shape::Parts(parts) => parts.into_iter().find_map(|part| self.value(part, depth)),
        }
    }

    /// Whether the child `index` of `node` (of `last + 1`) is no part of `node`'s value: a
    /// Python condition, and for [`Question::NotConstant`] the Rust parts of
    /// [`chooses_or_runs`].
    fn outside_value(&self, node: Node, child: Node, index: usize, last: usize) -> bool {
        is_condition(node, index)
            || (self.question == Question::NotConstant
                && self.file.language() == Language::Rust
                && chooses_or_runs(node, child, index == last))
    }

    fn shape<'t>(&self, node: Node<'t>) -> Shape<'t>
    where
        'a: 't,
    {
        match self.file.language() {
            Language::Python => python::shape(self.file, node),
            Language::Rust => rust::shape(self.file, node),
        }
    }

    fn start(&self, node: Node, label: String) -> Flow {
        Flow {
            steps: vec![Step {
                bytes: node.byte_range(),
                label,
            }],
            through_unknown_call: false,
            parameter: None,
            validators: Vec::new(),
            tests: Vec::new(),
            through: Vec::new(),
            entry: None,
            url_parameter: None,
            dependency_alias: None,
            parsed_into: None,
        }
    }

    /// A variable: a handler parameter filled from the request, a parameter of the function
    /// being summarised, or whatever its latest binding holds.
    fn name(&self, node: Node, name: &str, depth: usize) -> Option<Flow> {
        let language = self.file.language();
        // The latest assignment (or the `for` loop around the use), then the mutations after it
        // (`items.append(x)`).
        let bindings = match language {
            Language::Python => python::bindings(self.file, node, name),
            Language::Rust => rust::bindings(self.file, node, name),
        };
        let guarded = match language {
            Language::Python => scope::python::checked_against_allowlist(self.file, node, name),
            Language::Rust => scope::rust::checked_against_allowlist(self.file, node, name),
        };
        if guarded {
            return None;
        }
        // `if token != settings.VERIFICATION: raise Http404()`: past it, the value is the
        // server's.
        if language == Language::Python
            && self.conversions_sanitize
            && self.question == Question::Source
            && scope::python::equal_to(self.file, node, name)
                .into_iter()
                .any(|other| self.value(other, depth + 1).is_none())
        {
            return None;
        }
        // Calls before the use that may reject the value: a same-file validator, an enum or a
        // conversion cleans it; one in another file is decided when linking.
        let mut pending = Vec::new();
        let mut tests = Vec::new();
        if self.conversions_sanitize && self.question == Question::Source {
            for (call, index) in validate::calls_before(self.file, node, name) {
                match self.validator(call, index) {
                    validate::Verdict::Clean => return None,
                    validate::Verdict::Pending(validator) => pending.push(validator),
                    validate::Verdict::No => {}
                }
            }
            for (call, index) in validate::tests_guarding(self.file, node, name) {
                match self.test(call, index) {
                    validate::Verdict::Clean => return None,
                    validate::Verdict::Pending(test) => tests.push(test),
                    validate::Verdict::No => {}
                }
            }
        }
        if self.question == Question::NotConstant && is_constant_name(name) {
            return None;
        }
        let flow = self.bound_value(node, name, bindings, depth);
        flow.map(|mut flow| {
            flow.validators.extend(pending);
            flow.tests.extend(tests);
            flow
        })
    }

    /// What a variable's bindings (or, without any, the parameter it names) bring to a use.
    fn bound_value(
        &self,
        node: Node,
        name: &str,
        bindings: Vec<Binding>,
        depth: usize,
    ) -> Option<Flow> {
        if bindings.is_empty() {
            return self.parameter(node, name);
        }
        bindings.into_iter().find_map(|binding| {
            if binding.typed && self.conversions_sanitize {
                return None;
            }
            let mut flow = match unpacked_index(self.file, &binding, name) {
                Some(index) => self.element(binding.value, index, depth + 1),
                None => self.value(binding.value, depth + 1),
            }?;
            flow.steps.push(binding_step(self.file, &binding, name));
            Some(flow)
        })
    }

    fn parameter(&self, node: Node, name: &str) -> Option<Flow> {
        if let Some((function, params)) = &self.params {
            let in_function = self.file.ancestors(node).any(|a| a.id() == *function);
            if let Some(index) = params
                .iter()
                .position(|p| p == name)
                .filter(|_| in_function)
            {
                if self.question == Question::NotConstant {
                    // What the call passes for it is asked at the call ([`Tracer::local_result`]).
                    return None;
                }
                let mut flow = self.start(node, format!("parameter `{name}`"));
                flow.parameter = Some((index, name.to_string()));
                return Some(flow);
            }
        }
        if self.question == Question::NotConstant {
            let inert = match self.file.language() {
                Language::Python => scope::python::is_inert_parameter(self.file, node, name),
                Language::Rust => scope::rust::is_inert_parameter(self.file, node, name),
            };
            return (!inert).then(|| self.start(node, format!("`{name}` is not a constant")));
        }
        if !self.request {
            return None;
        }
        let handler = self.model.handler_at(node.start_byte())?;
        if !handler.request_params.iter().any(|p| p == name) {
            return None;
        }
        let inert = match self.file.language() {
            Language::Python => {
                scope::python::is_inert_parameter(self.file, node, name)
                    || (url_strings(handler.framework)
                        && python::read_as_object(self.file, handler.bytes.clone(), name))
            }
            Language::Rust => scope::rust::is_inert_parameter(self.file, node, name),
        };
        let route = handler.route.as_deref().unwrap_or("");
        let typed =
            inert || typed_in_route(route, name) || handler.typed_params.iter().any(|p| p == name);
        if typed && self.conversions_sanitize {
            return None;
        }
        if self.segments_clean
            && self.file.language() == Language::Python
            && one_segment_in_route(route, name)
        {
            return None;
        }
        let declared = self
            .file
            .tree
            .root_node()
            .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)
            .and_then(|name_node| name_node.parent())
            .and_then(|function| function.field_child("parameters"))
            .and_then(|params| {
                crate::syntax::descendants(params)
                    .find(|n| n.kind() == "identifier" && self.file.text(*n) == name)
            })
            .unwrap_or(node);
        let mut flow = self.start(
            declared,
            format!(
                "`{name}` comes from the request (a parameter of handler `{}`)",
                handler.name
            ),
        );
        if handler.framework == crate::app::handlers::Framework::Fastapi {
            flow.dependency_alias = self.imported_annotation(declared);
        }
        if self.file.language() == Language::Rust {
            flow.parsed_into = rust::enclosing_function(declared)
                .and_then(|function| rust::extracted_type(self.file, function, name));
        }
        let line = self.file.source.position(handler.name_bytes.start).line;
        if self.conversions_sanitize && !typed && handler.route.is_none() {
            flow.url_parameter = Some((line, name.to_string()));
        }
        let function_view = handler.framework == crate::app::handlers::Framework::Django
            && handler.owner.is_none()
            && !handler.declared_route;
        if function_view {
            flow.entry = Some(line);
        }
        Some(flow)
    }

    /// The qualified name of an imported name annotating the handler parameter `declared`
    /// (`session: SessionDep` after `from .deps import SessionDep`): perhaps an alias that
    /// carries a FastAPI dependency, decided when the project is linked. (One of this file is
    /// read with the handler: such a parameter is no request input.)
    fn imported_annotation(&self, declared: Node) -> Option<String> {
        let parameter = self
            .file
            .parent(declared)
            .filter(|p| matches!(p.kind(), "typed_parameter" | "typed_default_parameter"))?;
        let written = self.file.text(parameter.field_child("type")?);
        let base = written.split('|').next().unwrap_or(written).trim();
        if base.is_empty()
            || !base
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return None;
        }
        let symbols = self.file.symbols();
        if symbols.alias(base).is_some() {
            return None;
        }
        match symbols.resolve(Language::Python, base) {
            crate::symbols::Resolved::Qualified(qualified) if qualified.contains('.') => {
                Some(qualified)
            }
            _ => None,
        }
    }

    /// A call of a function of this file (`call.local`): the arguments its summary says reach
    /// what it returns (element `element` of the tuples it returns, when given), or a source
    /// it returns on its own.
    fn local_call(
        &self,
        node: Node,
        call: Call,
        element: Option<usize>,
        depth: usize,
    ) -> Option<Flow> {
        let function = call.local?;
        let flow = self
            .reaching_argument(&call, function, element, depth)
            .or_else(|| self.returned_source(function, element));
        flow.map(|flow| self.returned_by(flow, node, function))
    }

    /// A call of a function of this file, asked [`Question::NotConstant`]: an argument that
    /// reaches what it returns (element `element`, when given) and is not a constant, or a part
    /// of what it returns that is not a constant whatever the arguments are
    /// (`clause, params = _where(filter)` is fixed text when `_where` only splices keys it
    /// checked against an identifier pattern). A recursive call adds nothing of its own; the
    /// depth bounds a cycle through several functions.
    fn local_result(
        &self,
        node: Node,
        call: Call,
        element: Option<usize>,
        depth: usize,
    ) -> Option<Flow> {
        let function = call.local?;
        if self
            .params
            .as_ref()
            .is_some_and(|(id, _)| *id == function.id())
        {
            return None;
        }
        let flow = self
            .reaching_argument(&call, function, element, depth)
            .or_else(|| {
                let inner = Tracer {
                    params: Some((function.id(), parameter_names(self.file, function))),
                    question: Question::NotConstant,
                    conversions_sanitize: self.conversions_sanitize,
                    ..Tracer::new(self.file, self.model, self.custom, false)
                };
                inner.visits.set(self.visits.get());
                let flow = returned_parts(self.file, function, element)
                    .into_iter()
                    .find_map(|value| inner.value(value, depth + 1));
                self.visits.set(inner.visits.get());
                flow
            });
        flow.map(|flow| self.returned_by(flow, node, function))
    }

    /// The flow of the first argument of `call` that the summary of `function` says reaches
    /// what it returns (element `element`, when given).
    fn reaching_argument(
        &self,
        call: &Call,
        function: Node,
        element: Option<usize>,
        depth: usize,
    ) -> Option<Flow> {
        let reaching = self.summary(function, element);
        call.args.iter().enumerate().find_map(|(index, arg)| {
            let passage = reaching.get(index)?.as_ref()?;
            Some(passage.onto(self.value(*arg, depth + 1)?))
        })
    }

    /// `flow` with the step of the call `node` of the same-file `function` that returned it.
    fn returned_by(&self, mut flow: Flow, node: Node, function: Node) -> Flow {
        let name = function
            .field_child("name")
            .map(|n| self.file.text(n))
            .unwrap_or("?");
        flow.steps.push(Step {
            bytes: node.byte_range(),
            label: format!("returned by `{name}()`, defined in this file"),
        });
        flow
    }

    fn call(&self, node: Node, call: Call, depth: usize) -> Option<Flow> {
        if call.local.is_some() {
            return self.local_call(node, call, None, depth);
        }
        if self.request {
            if let Some((label, helper)) = self
                .file
                .project
                .as_ref()
                .and_then(|project| project.source_at(self.file, node))
            {
                let mut flow = self.start(node, label);
                // Handed the request, the helper is asked at the link whether what it returns
                // passes the rule's own checks (`get_next_url(request)` returning `next` only
                // when `url_has_allowed_host_and_scheme` accepts it).
                let handed = call.args.iter().position(|arg| {
                    arg.kind() == "identifier" && self.file.text(*arg).ends_with("request")
                });
                if let Some(index) = handed.filter(|_| !helper.name.contains('.')) {
                    flow.through.push(CallRef {
                        callee: format!("{}.{}", helper.module, helper.name),
                        index,
                    });
                }
                return Some(flow);
            }
        }
        let from_receiver = call.receiver.and_then(|r| self.value(r, depth + 1));
        let (mut flow, argument) = match from_receiver {
            Some(flow) => (flow, None),
            None => call.args.iter().enumerate().find_map(|(index, arg)| {
                Some((self.value(*arg, depth + 1)?, Some((index, *arg))))
            })?,
        };
        if !call.known {
            flow.through_unknown_call = true;
            let through = match argument {
                Some((index, arg)) => self.call_ref(node, index, arg),
                None => call.receiver.and_then(|r| self.receiver_ref(node, r)),
            };
            flow.through.extend(through);
        } else if let Some(printed) = self.printed_ref(node, argument) {
            flow.through.push(printed);
        }
        Some(flow)
    }

    /// The method call `node` on the traced object `receiver` (Python), by the method's
    /// qualified name when the file shows the object's class (`wrapped = RequestWrapper(…)`,
    /// a parameter `wrapped: RequestWrapper`), else as a method of any project class
    /// ([`ANY_RECEIVER`]) when the object was built by a call handed the traced value
    /// (`form = form_class(formdata=request.form)`): a method of the request or of a value read
    /// from it is the library's, not the project's.
    fn receiver_ref(&self, node: Node, receiver: Node) -> Option<CallRef> {
        if self.file.language() != Language::Python || receiver.kind() != "identifier" {
            return None;
        }
        let method = node
            .field_child("function")
            .filter(|function| function.kind() == "attribute")?
            .field_child("attribute")?;
        let method = self.file.text(method);
        if let Some(known) = self.class_ref(receiver, method) {
            return Some(known);
        }
        let built = python::bindings(self.file, receiver, self.file.text(receiver))
            .first()
            .map(|binding| binding.value)
            .filter(|value| value.kind() == "call")
            .and_then(|value| value.field_child("function"))
            .is_some_and(|constructor| self.value(constructor, 0).is_none());
        built.then(|| CallRef {
            callee: format!("{ANY_RECEIVER}{method}"),
            index: RECEIVER,
        })
    }

    /// `str(x)` and `repr(x)` (Python) of the traced `x`, an object of a class the file shows:
    /// its `__str__` or `__repr__`, which makes the text.
    fn printed_ref(&self, node: Node, argument: Option<(usize, Node)>) -> Option<CallRef> {
        let (0, arg) = argument? else {
            return None;
        };
        let method = match self.file.text(node.field_child("function")?) {
            "str" => "__str__",
            "repr" => "__repr__",
            _ => return None,
        };
        self.class_ref(arg, method)
    }

    /// The method `method` of the class of the object `value` names, when the file shows it.
    pub(crate) fn class_ref(&self, value: Node, method: &str) -> Option<CallRef> {
        if self.file.language() != Language::Python || value.kind() != "identifier" {
            return None;
        }
        let class = across::constructed_class(self.file, value, self.file.text(value))?;
        Some(CallRef {
            callee: format!("{class}.{method}"),
            index: RECEIVER,
        })
    }

    /// A source that `function` returns on its own: request input (`return request.GET["q"]`)
    /// when request input is a source, and then not the rule's own sources, which are reported
    /// where they are made; else the rule's own sources (`return random.choice(…)` for a rule
    /// whose sources are a predictable generator's values).
    fn returned_source(&self, function: Node, element: Option<usize>) -> Option<Flow> {
        let sanitizers_only = |node: Node| match (self.custom)(node) {
            Some(Custom::Source(_)) => None,
            other => other,
        };
        let custom: CustomHook = match (self.request, self.question) {
            (true, _) => &sanitizers_only,
            // Not while summarising a function by its parameters.
            (false, Question::Source) if self.params.is_none() => self.custom,
            (false, _) => return None,
        };
        let inner = Tracer {
            conversions_sanitize: self.conversions_sanitize,
            segments_clean: self.segments_clean,
            ..Tracer::new(self.file, self.model, custom, self.request)
        };
        inner.visits.set(self.visits.get());
        let flow = returned_parts(self.file, function, element)
            .into_iter()
            .find_map(|value| inner.trace(value));
        self.visits.set(inner.visits.get());
        flow
    }

    /// The call `node`, passing `arg` as its argument `index`, by the callee's qualified name:
    /// for positional arguments of a function named through the file's imports or definitions.
    fn call_ref(&self, node: Node, index: usize, arg: Node) -> Option<CallRef> {
        let positional = self
            .file
            .parent(arg)
            .is_none_or(|parent| matches!(parent.kind(), "argument_list" | "arguments"));
        if !positional {
            return None;
        }
        let callee = self.file.text(node.field_child("function")?);
        match self.file.symbols().resolve(self.file.language(), callee) {
            crate::symbols::Resolved::Qualified(callee) => Some(CallRef { callee, index }),
            crate::symbols::Resolved::Unresolved(_) => None,
        }
    }

    /// Which parameters of `function` reach one of its `return` values (element `element` of
    /// the tuples it returns, when given), each with the conditions of its way there.
    fn summary(&self, function: Node, element: Option<usize>) -> Vec<Option<Passage>> {
        let key = (function.id(), element);
        if let Some(known) = self.summaries.borrow().get(&key) {
            return known.clone();
        }
        // A recursive call sees no propagation while its own summary is computed.
        self.summaries.borrow_mut().insert(key, Vec::new());
        let names = parameter_names(self.file, function);
        let returns = returned_parts(self.file, function, element);
        let reaching: Vec<Option<Passage>> = names
            .iter()
            .map(|name| {
                let inner = Tracer {
                    file: self.file,
                    model: self.model,
                    custom: self.custom,
                    question: Question::Source,
                    summaries: RefCell::new(self.summaries.borrow().clone()),
                    rejections: RefCell::new(HashMap::new()),
                    params: Some((function.id(), vec![name.clone()])),
                    request: false,
                    conversions_sanitize: self.conversions_sanitize,
                    segments_clean: false,
                    memo: RefCell::new(HashMap::new()),
                    visits: std::cell::Cell::new(0),
                };
                returns
                    .iter()
                    .find_map(|value| inner.value(*value, 0))
                    .map(Passage::of)
            })
            .collect();
        self.summaries.borrow_mut().insert(key, reaching.clone());
        reaching
    }
}

/// Whether the framework fills a handler's extra parameters from URL segments, as strings
/// (or numbers and UUIDs, with a converter): Django and DRF views, Flask routes and resources.
fn url_strings(framework: crate::app::handlers::Framework) -> bool {
    use crate::app::handlers::Framework;
    matches!(
        framework,
        Framework::Django | Framework::Drf | Framework::Flask | Framework::FlaskRestful
    )
}

/// Whether the route converts the path parameter `name` to a number or UUID
/// (`<int:order_id>`, `<uuid:id>`, `{id:int}`).
pub(crate) fn typed_in_route(route: &str, name: &str) -> bool {
    ["int", "float", "uuid", "path_int"]
        .iter()
        .any(|converter| {
            route.contains(&format!("<{converter}:{name}>"))
                || route.contains(&format!("{{{name}:{converter}}}"))
        })
}

/// Whether the route declares `name` as a parameter that matches one path segment:
/// Starlette's `{name}`/`{name:str}`, Flask's and Django's `<name>`/`<string:name>`/
/// `<str:name>`/`<slug:name>` (not a `path` converter).
fn one_segment_in_route(route: &str, name: &str) -> bool {
    [
        format!("{{{name}}}"),
        format!("{{{name}:str}}"),
        format!("<{name}>"),
        format!("<string:{name}>"),
        format!("<str:{name}>"),
        format!("<slug:{name}>"),
    ]
    .iter()
    .any(|form| route.contains(form.as_str()))
}

/// Whether `node`'s value derives from request input, conversions included (`int(x)` of
/// request input still comes from the request).
pub fn from_request(file: &ParsedFile, model: &FileModel, node: Node) -> bool {
    Tracer::new(file, model, &|_| None, true)
        .origins_only()
        .trace(node)
        .is_some()
}

/// Whether the Python call `node` reads stored rows (`Invoice.objects.filter(…).values_list(…)`,
/// `session.query(Book).get(…)`): its result is not the key it was given.
pub fn reads_stored_rows(file: &ParsedFile, node: Node) -> bool {
    file.language() == Language::Python && python::reads_stored_rows(file, node)
}

/// The value a Python variable read at `name` was last assigned in its function.
pub fn latest_value<'t>(file: &'t ParsedFile, name: Node<'t>) -> Option<Node<'t>> {
    python::bindings(file, name, file.text(name))
        .into_iter()
        .next()
        .map(|binding| binding.value)
}

/// The names of a function's parameters, receivers not counted.
pub(crate) fn parameter_names(file: &ParsedFile, function: Node) -> Vec<String> {
    match file.language() {
        Language::Python => python::parameter_names(file, function),
        Language::Rust => rust::parameter_names(file, function),
    }
}

/// The name of the object a method runs on (`self`), for a Python method.
pub(crate) fn receiver_name(file: &ParsedFile, function: Node) -> Option<String> {
    match file.language() {
        Language::Python => python::receiver_name(file, function),
        Language::Rust => None,
    }
}

/// The values a function returns (`return x`, and a Rust body's tail expression).
pub(crate) fn returned_values<'t>(file: &ParsedFile, function: Node<'t>) -> Vec<Node<'t>> {
    match file.language() {
        Language::Python => python::returned_values(function),
        Language::Rust => rust::returned_values(function),
    }
}

/// What `function` returns, or element `element` of it where a return is a tuple written out
/// (`return url, key`).
fn returned_parts<'t>(
    file: &ParsedFile,
    function: Node<'t>,
    element: Option<usize>,
) -> Vec<Node<'t>> {
    let returns = returned_values(file, function);
    match element {
        Some(index) => returns
            .into_iter()
            .map(|value| tuple_element(value, index).unwrap_or(value))
            .collect(),
        None => returns,
    }
}

/// Element `index` of a tuple written out (`a, b` or `(a, b)`), without starred parts.
fn tuple_element(value: Node, index: usize) -> Option<Node> {
    if !matches!(value.kind(), "expression_list" | "tuple") {
        return None;
    }
    let parts = named_children(value);
    if parts.iter().any(|part| part.kind() == "list_splat") {
        return None;
    }
    parts.get(index).copied()
}

/// The position of `name` in the flat tuple target the binding unpacks into (`url, key = …`,
/// Python).
fn unpacked_index(file: &ParsedFile, binding: &Binding, name: &str) -> Option<usize> {
    if binding.at.kind() != "assignment" {
        return None;
    }
    let target = binding.at.field_child("left")?;
    if !matches!(target.kind(), "pattern_list" | "tuple_pattern") {
        return None;
    }
    let parts = named_children(target);
    if parts.iter().any(|part| part.kind() != "identifier") {
        return None;
    }
    parts.iter().position(|part| file.text(*part) == name)
}

fn is_call(node: Node) -> bool {
    matches!(node.kind(), "call" | "call_expression")
}

/// A variable's bindings in the order they are tried: the latest assignment (if any), then the
/// mutations after it (Rust).
fn latest_then<'t>(latest: Option<Binding<'t>>, mutations: Vec<Binding<'t>>) -> Vec<Binding<'t>> {
    latest.into_iter().chain(mutations).collect()
}

/// The step of a flow through `binding`, which gives `name` its value.
fn binding_step(file: &ParsedFile, binding: &Binding, name: &str) -> Step {
    let line = file.text(binding.at).lines().next().unwrap_or("").trim();
    Step {
        bytes: binding.at.byte_range(),
        label: format!("flows into `{name}`: {}", shorten(line)),
    }
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= 60 {
        return line.to_string();
    }
    let cut: String = line.chars().take(59).collect();
    format!("{cut}…")
}

/// Python `a if condition else b`: the condition chooses a branch, it is not part of the value.
fn is_condition(node: Node, index: usize) -> bool {
    node.kind() == "conditional_expression" && index == 1
}

/// Rust parts that choose a value or run before it without being part of it: what a `match`
/// looks at, the patterns of its arms, an `if`'s condition, the statements of a block before its
/// value. A constant chosen by a client's input is still a constant.
fn chooses_or_runs(node: Node, child: Node, last: bool) -> bool {
    let is_field = |field: &str| {
        node.field_child(field)
            .is_some_and(|found| found.id() == child.id())
    };
    match node.kind() {
        "match_expression" => is_field("value"),
        "match_arm" => is_field("pattern"),
        "if_expression" => is_field("condition"),
        "block" => !last,
        _ => false,
    }
}
