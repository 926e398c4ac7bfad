//! Evaluating a compiled [`Matcher`] on the nodes of one file.

use super::query::{bind_hit, QueryHits};
use super::{
    Condition, ConstraintTest, LazyRegex, Lowered, Lowering, Matcher, Relation, SgDoc, SgLang,
    SgNode, StopBy, TaintSpec, BUILT_HOW,
};
use crate::app::handlers::{FileModel, RouteWanted};
use crate::finding::{DebugShown, ModelRef, TemplateUse};
use crate::parse::ParsedFile;
use crate::syntax::{descendants, FieldChild};
use crate::taint::across::{self, ParamSink};
use crate::taint::built::{built, spliced_from_input, How};
use crate::taint::{plugins, Custom, Flow, Tracer};
use crate::testcode::TestCode;
use ast_grep_core::meta_var::MetaVarEnv;
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep as Root, Matcher as _};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::rc::Rc;
use tree_sitter::Node;

/// Nodes with more text than this have their regex tests remembered.
const REMEMBERED_TEXT: usize = 512;

/// Metavariable bindings: borrowed from the caller until a condition binds something, so that
/// a failed attempt costs no copy.
type Env<'c, 't> = Cow<'c, MetaVarEnv<'t, SgDoc>>;

/// One file prepared for declarative matching: the ast-grep view of its tree; the file's model
/// (handlers, guards) comes from [`ParsedFile::model`].
pub struct FileMatches<'f, 's> {
    file: &'f ParsedFile<'s>,
    /// The file's test code, for `in-test-code`.
    tests: &'f TestCode,
    root: Root<SgDoc>,
    /// Query hits by query address: each query runs once per file.
    query_hits: RefCell<HashMap<usize, Rc<QueryHits>>>,
    /// Regex tests of large nodes, by (regex address, node id): an `inside` a function asks the
    /// same question of the function for every candidate in it.
    regex_hits: RefCell<HashMap<(usize, usize), bool>>,
    /// What the taint traces of each rule's spec (by address) found so far, by node: values
    /// read at many candidate sinks (a context dict's entries) are traced once per file.
    traced: RefCell<HashMap<usize, crate::taint::Memo>>,
    /// The taint flow found while matching the current node, for its finding.
    flow: RefCell<Option<Flow>>,
    /// A name the current match accepted by its text alone, since nothing in the file binds it.
    by_text: RefCell<Option<String>>,
    /// The class the current match requires to be a request model (decided after linking), its
    /// `field` still the metavariable's name.
    request_model: RefCell<Option<ModelRef>>,
    /// The task the current match requires not to defer to `on_commit`.
    task: RefCell<Option<String>>,
    /// The class (as written) the current match requires not to be a data schema.
    schema: RefCell<Option<String>>,
    /// The `{:?}` of a value of another file's struct the current match requires to print a
    /// field.
    debug_shown: RefCell<Option<DebugShown>>,
    /// The module-level name the current match requires its star-importers not to rebind.
    rebound: RefCell<Option<String>>,
    /// Functions of other files the current match's call must not run.
    project_calls: RefCell<Vec<String>>,
    /// An attribute no class of the project may set through its own code, with the classes
    /// the function names (qualified).
    setter: RefCell<Option<(String, Vec<String>)>>,
    /// The parameter the current match's tainted value comes from, when no source in this
    /// function reaches it (decided across the project's callers).
    via_parameter: RefCell<Option<ParamSink>>,
    /// The other parameters that reach the same sink, with their flows, and the wait they go
    /// with (kept only while that wait stands).
    also_via: RefCell<Option<AlsoVia>>,
    /// The template the current match passes a value to, and the metavariable holding the
    /// variable's name (`prints-unescaped`, decided after linking).
    template: RefCell<Option<(String, String)>>,
    /// The line of the handler whose lack of authentication the current match relies on
    /// (`in-handler: { authenticated: false }`), for the linked routes to confirm.
    unauthenticated: std::cell::Cell<Option<usize>>,
    /// The lines of the handlers `in-handler` conditions accepted on the file alone, with the
    /// route and methods the linked routes must confirm.
    routed: RefCell<Vec<(usize, RouteWanted)>>,
    /// How a value that is not a constant got into the text a `built` constraint accepted.
    how: std::cell::Cell<Option<How>>,
    /// Which `lower-confidence`/`lower-severity` conditions of the current match held.
    lowered: std::cell::Cell<Lowered>,
    /// How many `not`s the condition being evaluated is under: a negated `tainted` never waits
    /// for callers.
    negated: std::cell::Cell<usize>,
    /// The line of the handler a `lower-severity: { in-handler: { staff: true } }` did not find
    /// staff-only by its guards' names: the linked routes may, by their guards' code.
    staff_handler: std::cell::Cell<Option<usize>>,
    /// The file's module-level class names (candidates for sanitizing plugins).
    module_classes: std::cell::OnceCell<BTreeSet<String>>,
    /// Per taint declaration (by address): the file's classes that run one of its sanitizers.
    sanitizing_classes: RefCell<HashMap<usize, Rc<BTreeSet<String>>>>,
}

/// The parameters that reach a sink besides the one a match waits on, with their flows, and
/// that wait.
type AlsoVia = (ParamSink, Vec<(ParamSink, Flow)>);

/// A match: the reported byte range, the metavariables' source texts, the taint flow that
/// satisfied a `tainted`/`from-request` constraint, and a name `resolves-to` accepted by its text
/// alone (the finding is then less certain).
pub struct Found {
    pub bytes: Range<usize>,
    pub bindings: Vec<(String, String)>,
    pub flow: Option<Flow>,
    pub unresolved: Option<String>,
    /// The qualified class name a `request-model` constraint deferred to linking.
    pub request_model: Option<ModelRef>,
    /// The qualified task a `defers-to-commit: false` constraint deferred to linking.
    pub task: Option<String>,
    /// The class (as written) a `schema-class: false` constraint deferred to linking.
    pub schema: Option<String>,
    /// The printed value a `debug-shows-field` constraint deferred to linking.
    pub debug_shown: Option<DebugShown>,
    /// The module-level name a `rebound-by-importers: false` constraint deferred to linking.
    pub rebound: Option<String>,
    /// The functions of other files a `defined-in-project: false` constraint deferred to
    /// linking.
    pub project_calls: Vec<String>,
    /// The attribute a `property-setter: false` constraint deferred to linking, with the
    /// classes its function names.
    pub setter: Option<(String, Vec<String>)>,
    /// The parameter a `tainted` constraint deferred to the function's callers.
    pub via_parameter: Option<ParamSink>,
    /// The other parameters that reach the same sink, each with its flow: the finding waits
    /// on each of them too.
    pub also_via: Vec<(ParamSink, Flow)>,
    /// The template variable a `prints-unescaped` constraint deferred to linking.
    pub template: Option<TemplateUse>,
    /// The line of the handler an `in-handler: { authenticated: false }` took for
    /// unauthenticated, for the linked routes to confirm.
    pub unauthenticated: Option<usize>,
    /// The lines of handlers whose route or methods the linked routes must confirm.
    pub routed: Vec<(usize, RouteWanted)>,
    /// Which `lower-*` conditions held: the finding is one step less confident or severe.
    pub lowered: Lowered,
    /// The line of a handler that a staff `lower-severity` leaves to the linked routes.
    pub staff_handler: Option<usize>,
}

impl<'f, 's> FileMatches<'f, 's> {
    pub fn new(file: &'f ParsedFile<'s>, tests: &'f TestCode) -> Self {
        let doc = StrDoc {
            src: file.source.text.clone(),
            lang: SgLang(file.language()),
            tree: file.tree.clone(),
        };
        FileMatches {
            file,
            tests,
            root: Root::doc(doc),
            query_hits: RefCell::new(HashMap::new()),
            regex_hits: RefCell::new(HashMap::new()),
            traced: RefCell::new(HashMap::new()),
            flow: RefCell::new(None),
            by_text: RefCell::new(None),
            request_model: RefCell::new(None),
            task: RefCell::new(None),
            schema: RefCell::new(None),
            debug_shown: RefCell::new(None),
            rebound: RefCell::new(None),
            project_calls: RefCell::new(Vec::new()),
            setter: RefCell::new(None),
            via_parameter: RefCell::new(None),
            also_via: RefCell::new(None),
            template: RefCell::new(None),
            unauthenticated: std::cell::Cell::new(None),
            routed: RefCell::new(Vec::new()),
            how: std::cell::Cell::new(None),
            lowered: std::cell::Cell::new(Lowered::default()),
            negated: std::cell::Cell::new(0),
            staff_handler: std::cell::Cell::new(None),
            module_classes: std::cell::OnceCell::new(),
            sanitizing_classes: RefCell::new(HashMap::new()),
        }
    }

    /// The ast-grep root of the file, for walking.
    pub fn root(&self) -> &Root<SgDoc> {
        &self.root
    }

    fn model(&self) -> &FileModel {
        self.file.model()
    }

    /// Match `matcher` against `node`, whose ancestors are `lineage` (root first, parent last: the
    /// walk keeps them, so that `inside` never searches the tree for them); on success, what to
    /// report.
    pub fn match_node<'t>(
        &'t self,
        matcher: &Matcher,
        node: &SgNode<'t>,
        lineage: &[Node<'t>],
    ) -> Option<Found> {
        let mut env: Env<'_, 't> = Cow::Owned(MetaVarEnv::new());
        self.flow.borrow_mut().take();
        self.by_text.borrow_mut().take();
        self.request_model.borrow_mut().take();
        self.task.borrow_mut().take();
        self.schema.borrow_mut().take();
        self.debug_shown.borrow_mut().take();
        self.rebound.borrow_mut().take();
        self.project_calls.borrow_mut().clear();
        self.setter.borrow_mut().take();
        self.via_parameter.borrow_mut().take();
        self.also_via.borrow_mut().take();
        self.template.borrow_mut().take();
        self.how.set(None);
        self.unauthenticated.set(None);
        self.routed.borrow_mut().clear();
        self.lowered.set(Lowered::default());
        self.staff_handler.set(None);
        if !self.eval(
            &matcher.taint,
            &matcher.condition,
            node,
            Some(lineage),
            &mut env,
        ) {
            return None;
        }
        for constraint in &matcher.constraints {
            let Some(bound) = env.get_match(&constraint.var) else {
                // A branch of an `any` that does not bind the metavariable is not held to it.
                if binds(&env, &constraint.var) {
                    return None;
                }
                continue;
            };
            let deferred = |test: &ConstraintTest| {
                matches!(test, ConstraintTest::Tainted(true))
                    && self.defer_to_callers(&matcher.taint, bound)
            };
            if !(self.satisfies(&matcher.taint, &constraint.test, bound)
                || deferred(&constraint.test))
            {
                return None;
            }
        }
        let reported = match &matcher.focus {
            Some(var) => env.get_match(var)?.range(),
            None => node.range(),
        };
        let mut bindings: Vec<(String, String)> = env
            .get_matched_variables()
            .filter_map(|var| {
                let name = match var {
                    ast_grep_core::meta_var::MetaVariable::Capture(name, _)
                    | ast_grep_core::meta_var::MetaVariable::MultiCapture(name) => name,
                    _ => return None,
                };
                let text = match env.get_match(&name) {
                    Some(single) => single.text().into_owned(),
                    None => {
                        let nodes = env.get_multiple_matches(&name);
                        let first = nodes.first()?.range().start;
                        let last = nodes.last()?.range().end;
                        self.file.source.text[first..last].to_string()
                    }
                };
                Some((name, text))
            })
            .collect();
        if let Some(how) = self.how.take() {
            bindings.push((BUILT_HOW.to_string(), how.describe().to_string()));
        }
        let request_model = self
            .request_model
            .borrow_mut()
            .take()
            .map(|model| ModelRef {
                field: model.field.as_ref().and_then(|name| {
                    bindings
                        .iter()
                        .find(|(bound, _)| bound == name)
                        .map(|(_, text)| text.clone())
                }),
                ..model
            });
        let template = self.template.borrow_mut().take().and_then(|(name, var)| {
            let (_, text) = bindings.iter().find(|(bound, _)| *bound == var)?;
            Some(TemplateUse {
                template: name,
                variable: strip_quotes(text).to_string(),
            })
        });
        let via_parameter = self.via_parameter.borrow_mut().take();
        let also_via = match self.also_via.borrow_mut().take() {
            Some((with, also)) if via_parameter.as_ref() == Some(&with) => also,
            _ => Vec::new(),
        };
        Some(Found {
            bytes: reported,
            bindings,
            flow: self.flow.borrow_mut().take(),
            unresolved: self.by_text.borrow_mut().take(),
            request_model,
            task: self.task.borrow_mut().take(),
            schema: self.schema.borrow_mut().take(),
            debug_shown: self.debug_shown.borrow_mut().take(),
            rebound: self.rebound.borrow_mut().take(),
            project_calls: self.project_calls.take(),
            setter: self.setter.borrow_mut().take(),
            via_parameter,
            also_via,
            template,
            unauthenticated: self.unauthenticated.take(),
            routed: self.routed.take(),
            lowered: self.lowered.get(),
            staff_handler: self.staff_handler.take(),
        })
    }

    /// Whether `condition` holds on `node`; `lineage` holds the node's ancestors when known.
    fn eval<'t>(
        &'t self,
        spec: &TaintSpec,
        condition: &Condition,
        node: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'_, 't>,
    ) -> bool {
        crate::budget::deep(|| self.eval_here(spec, condition, node, lineage, env))
    }

    fn eval_here<'t>(
        &'t self,
        spec: &TaintSpec,
        condition: &Condition,
        node: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'_, 't>,
    ) -> bool {
        match condition {
            // ast-grep leaves the bindings alone unless the pattern matches.
            Condition::Pattern(pattern) => {
                pattern.may_match(self.text(node))
                    && pattern.match_node_with_env(node.clone(), env).is_some()
            }
            Condition::Kind(kinds) => kinds.contains(node.get_inner_node()),
            Condition::Regex(regex) => self.regex_match(regex, node),
            Condition::Query(query) => {
                if let Some(shape) = query.shape() {
                    if !node.is_named() || node.kind() != shape.kind() {
                        return false;
                    }
                    let Some(bound) = shape.bindings(node) else {
                        return false;
                    };
                    return attempt(env, |trial| {
                        bound
                            .into_iter()
                            .all(|(name, found)| trial.to_mut().insert(name, found).is_some())
                    });
                }
                let key = std::ptr::from_ref::<super::QueryAtom>(query) as usize;
                let hits = Rc::clone(
                    self.query_hits
                        .borrow_mut()
                        .entry(key)
                        .or_insert_with(|| Rc::new(query.run(self.file))),
                );
                bind_hit(&hits, &self.root, node, env)
            }
            Condition::All(all) => attempt(env, |trial| {
                all.iter().all(|c| self.eval(spec, c, node, lineage, trial))
            }),
            // A branch that fails takes back what its `lower-*` and `in-handler` conditions said,
            // and a wait for callers its `tainted` asked for. A branch that holds only by a check
            // left to the link is kept in reserve while a later one may hold outright.
            Condition::Any(any) => {
                let deferred = self.debug_shown.borrow().is_some();
                let mut reserve = None;
                for c in any {
                    let said = (
                        self.lowered.get(),
                        self.unauthenticated.get(),
                        self.staff_handler.get(),
                    );
                    let routed = self.routed.borrow().len();
                    let waiting = self.via_parameter.borrow().is_some();
                    let take_back = || {
                        self.routed.borrow_mut().truncate(routed);
                        self.lowered.set(said.0);
                        self.unauthenticated.set(said.1);
                        self.staff_handler.set(said.2);
                        if !waiting && self.via_parameter.borrow_mut().take().is_some() {
                            self.flow.borrow_mut().take();
                        }
                    };
                    let mut trial: Env<'_, 't> = Cow::Borrowed(env.as_ref());
                    if !self.eval(spec, c, node, lineage, &mut trial) {
                        take_back();
                        if !deferred {
                            self.debug_shown.borrow_mut().take();
                        }
                        continue;
                    }
                    let waits = !waiting && self.via_parameter.borrow().is_some();
                    if !deferred && !waits && reserve.is_none() {
                        if let Some(shown) = self.debug_shown.borrow_mut().take() {
                            let said_here = (
                                self.lowered.get(),
                                self.unauthenticated.get(),
                                self.staff_handler.get(),
                                self.routed.borrow()[routed..].to_vec(),
                            );
                            take_back();
                            reserve = Some((trial.into_owned(), shown, said_here));
                            continue;
                        }
                    }
                    if let Cow::Owned(bound) = trial {
                        *env = Cow::Owned(bound);
                    }
                    return true;
                }
                let Some((bound, shown, (lowered, unauthenticated, staff, routed))) = reserve
                else {
                    return false;
                };
                *env = Cow::Owned(bound);
                self.debug_shown.replace(Some(shown));
                self.lowered.set(lowered);
                self.unauthenticated.set(unauthenticated);
                self.staff_handler.set(staff);
                self.routed.borrow_mut().extend(routed);
                true
            }
            // What a negated condition says about the handler does not hold for the match.
            Condition::Not(inner) => {
                let mut scratch: Env = Cow::Borrowed(env.as_ref());
                let said = self.unauthenticated.get();
                let routed = self.routed.borrow().len();
                self.negated.set(self.negated.get() + 1);
                let held = self.eval(spec, inner, node, lineage, &mut scratch);
                self.negated.set(self.negated.get() - 1);
                self.unauthenticated.set(said);
                self.routed.borrow_mut().truncate(routed);
                !held
            }
            Condition::Inside(rel) => match lineage {
                // Each ancestor's own ancestors are the part of the lineage above it.
                Some(lineage) => {
                    let take = match rel.stop_by {
                        StopBy::Neighbor => 1,
                        StopBy::End => lineage.len(),
                    };
                    (0..lineage.len()).rev().take(take).any(|at| {
                        let candidate = self.root.adopt(lineage[at]);
                        self.related(spec, rel, &candidate, Some(&lineage[..at]), env)
                    })
                }
                None => {
                    let ancestors = self
                        .file
                        .ancestors(node.get_inner_node())
                        .map(|ancestor| self.root.adopt(ancestor));
                    let candidates: Box<dyn Iterator<Item = SgNode<'t>>> = match rel.stop_by {
                        StopBy::Neighbor => Box::new(ancestors.take(1)),
                        StopBy::End => Box::new(ancestors),
                    };
                    self.any_related(spec, rel, candidates, env)
                }
            },
            Condition::Has(rel) => {
                let root = &self.root;
                let children = children_of(self.file, node.get_inner_node(), rel.field);
                match rel.stop_by {
                    StopBy::Neighbor => {
                        let children = children.map(|inner| root.adopt(inner));
                        self.any_related(spec, rel, children, env)
                    }
                    // Only the nodes of the kinds the condition can match, from the file's index
                    // when they are named kinds.
                    StopBy::End => match &rel.kind_names {
                        Some(names) => {
                            let names: Vec<&str> = names.iter().map(String::as_str).collect();
                            let below = children
                                .flat_map(|child| self.file.of_kinds_within(&names, child))
                                .map(|inner| root.adopt(inner));
                            self.any_related(spec, rel, below, env)
                        }
                        None => {
                            let below = children
                                .flat_map(descendants)
                                .map(|inner| root.adopt(inner));
                            self.any_related(spec, rel, below, env)
                        }
                    },
                }
            }
            Condition::Follows(rel) => {
                let siblings = earlier_named_siblings(self.file, node).into_iter();
                match rel.stop_by {
                    StopBy::Neighbor => self.any_related(spec, rel, siblings.take(1), env),
                    StopBy::End => self.any_related(spec, rel, siblings, env),
                }
            }
            Condition::Precedes(rel) => {
                let siblings = node.next_all().filter(|n| n.is_named());
                match rel.stop_by {
                    StopBy::Neighbor => self.any_related(spec, rel, siblings.take(1), env),
                    StopBy::End => self.any_related(spec, rel, siblings, env),
                }
            }
            Condition::InHandler(filter) => {
                let Some(handler) = self.model().handler_at(node.range().start) else {
                    return false;
                };
                let Some(wanted) = filter.accepts_pending(handler) else {
                    return false;
                };
                let line = self.file.source.position(handler.name_bytes.start).line;
                if filter.authenticated == Some(false) {
                    self.unauthenticated.set(Some(line));
                }
                if wanted.route.is_some() && self.negated.get() > 0 {
                    // Under a `not`, a route the file does not show does not match.
                    return false;
                }
                if (wanted.route.is_some() || !wanted.methods.is_empty() || wanted.registered)
                    && self.negated.get() == 0
                {
                    self.routed.borrow_mut().push((line, wanted));
                }
                true
            }
            Condition::InTestCode => self.tests.contains(node.range().start),
            Condition::UsedAsObject => {
                crate::taint::objects::used_as_object(self.file, node.get_inner_node())
            }
            Condition::Lower(lowering, inner) => {
                let mut scratch: Env = Cow::Borrowed(env.as_ref());
                let routed = self.routed.borrow().len();
                if self.eval(spec, inner, node, lineage, &mut scratch) {
                    // A route the linked table must confirm lowers the finding there.
                    let mut pending = self.routed.borrow_mut();
                    if pending.len() > routed {
                        for (_, wanted) in &mut pending[routed..] {
                            wanted.lowers = Some(*lowering);
                        }
                        return true;
                    }
                    drop(pending);
                    let mut lowered = self.lowered.get();
                    match lowering {
                        Lowering::Confidence => lowered.confidence = true,
                        Lowering::Severity => lowered.severity = true,
                    }
                    self.lowered.set(lowered);
                } else if let (Lowering::Severity, Condition::InHandler(filter)) =
                    (lowering, inner.as_ref())
                {
                    // Not staff-only by its guards' names: perhaps by what they do.
                    if filter.staff == Some(true) {
                        if let Some(handler) = self.model().handler_at(node.range().start) {
                            let line = self.file.source.position(handler.name_bytes.start).line;
                            self.staff_handler.set(Some(line));
                        }
                    }
                }
                true
            }
            // A `tainted` value that comes from a parameter waits for the function's callers,
            // as in the rule's top-level `where`.
            Condition::Where(constraints) => constraints.iter().all(|constraint| {
                env.get_match(&constraint.var).is_some_and(|bound| {
                    self.satisfies(spec, &constraint.test, bound)
                        || (matches!(constraint.test, ConstraintTest::Tainted(true))
                            && self.negated.get() == 0
                            && self.defer_to_callers(spec, bound))
                })
            }),
        }
    }

    /// Whether one of `candidates` meets the relation's condition. One that holds only by
    /// waiting for the function's callers (a `tainted` value that comes from a parameter) is
    /// kept in reserve while a later one may hold here: `print(amount, password)` is a finding
    /// at `password`, not a wait for the callers of `amount`. The wait stays recorded while the
    /// later ones are tried, so that none of them waits again (or traces its parameters again).
    fn any_related<'t>(
        &'t self,
        spec: &TaintSpec,
        rel: &Relation,
        candidates: impl Iterator<Item = SgNode<'t>>,
        env: &mut Env<'_, 't>,
    ) -> bool {
        let deferred = self.debug_shown.borrow().is_some();
        let lowered = self.lowered.get();
        let mut reserve = None;
        let candidates = candidates.filter(|candidate| {
            rel.kinds.as_ref().is_none_or(|kinds| {
                kinds.contains(usize::from(candidate.get_inner_node().kind_id()))
            })
        });
        for candidate in candidates {
            // With a wait in place (the caller's, or the reserve's as a blocker), a candidate
            // holds outright or not at all.
            let blocked = self.via_parameter.borrow().is_some();
            let mut trial: Env<'_, 't> = Cow::Borrowed(env.as_ref());
            if !self.eval(spec, &rel.condition, &candidate, None, &mut trial) {
                continue;
            }
            // A check this candidate left to the link: it holds only if nothing holds outright.
            let left_to_link = if deferred {
                None
            } else {
                self.debug_shown.borrow_mut().take()
            };
            let waits = !blocked && self.via_parameter.borrow().is_some();
            if !waits && left_to_link.is_none() {
                if reserve.as_ref().is_some_and(|(_, _, _, _, waited)| *waited) {
                    // A later one held outright: the reserve's wait is dropped.
                    self.via_parameter.take();
                }
                if let Cow::Owned(bound) = trial {
                    *env = Cow::Owned(bound);
                }
                return true;
            }
            if reserve.is_none() {
                // The first candidate that waits: kept, its wait left in place as a blocker.
                reserve = Some((
                    trial.into_owned(),
                    self.flow.take(),
                    self.lowered.replace(lowered),
                    left_to_link,
                    waits,
                ));
            } else if waits {
                self.via_parameter.take();
            }
        }
        let Some((bound, flow, said, left_to_link, _)) = reserve else {
            return false;
        };
        *env = Cow::Owned(bound);
        self.flow.replace(flow);
        self.lowered.set(said);
        if left_to_link.is_some() {
            self.debug_shown.replace(left_to_link);
        }
        true
    }

    /// Whether `candidate` (with its ancestors `lineage`) satisfies the relation's condition.
    fn related<'t>(
        &'t self,
        spec: &TaintSpec,
        rel: &Relation,
        candidate: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'_, 't>,
    ) -> bool {
        let kind = usize::from(candidate.get_inner_node().kind_id());
        rel.kinds.as_ref().is_none_or(|kinds| kinds.contains(kind))
            && attempt(env, |trial| {
                self.eval(spec, &rel.condition, candidate, lineage, trial)
            })
    }

    /// The qualified name the bound text refers to, through the file's imports and aliases.
    /// A node's text, sliced from the file (ast-grep's `text()` checks the UTF-8 again).
    /// `regex` tested on the node's text; remembered for nodes of more than [`REMEMBERED_TEXT`]
    /// bytes.
    fn regex_match(&self, regex: &LazyRegex, node: &SgNode<'_>) -> bool {
        let text = self.text(node);
        if text.len() <= REMEMBERED_TEXT {
            return regex.is_match(text);
        }
        let key = (
            std::ptr::from_ref(regex) as usize,
            node.get_inner_node().id(),
        );
        if let Some(hit) = self.regex_hits.borrow().get(&key) {
            return *hit;
        }
        let hit = regex.is_match(text);
        self.regex_hits.borrow_mut().insert(key, hit);
        hit
    }

    fn text(&self, node: &SgNode<'_>) -> &'s str {
        self.file.text(node.get_inner_node())
    }

    /// The bound node's value: the literal a name of a constant of the file stands for, or else
    /// the node's own text.
    fn value(&self, bound: &SgNode<'_>) -> &'s str {
        let node = bound.get_inner_node();
        crate::syntax::constant::constant_literal(self.file, node)
            .map_or_else(|| self.text(bound), |literal| self.file.text(literal))
    }

    fn qualified(&self, bound: &SgNode<'_>) -> String {
        let written = self.text(bound);
        self.file
            .symbols()
            .resolve(self.file.language(), written)
            .name()
            .to_string()
    }

    fn satisfies(&self, spec: &TaintSpec, test: &ConstraintTest, bound: &SgNode<'_>) -> bool {
        match test {
            ConstraintTest::Regex(regex) => regex.is_match(self.text(bound)),
            ConstraintTest::NotRegex(regex) => !regex.is_match(self.text(bound)),
            ConstraintTest::Kind(kinds) => kinds.iter().any(|kind| bound.kind() == kind.as_str()),
            ConstraintTest::OneOf(values) => {
                values.iter().any(|v| strip_quotes(self.text(bound)) == v)
            }
            ConstraintTest::NotOneOf(values) => {
                !values.iter().any(|v| strip_quotes(self.text(bound)) == v)
            }
            ConstraintTest::ValueOneOf(values) => {
                let value = self.value(bound);
                values.iter().any(|v| strip_quotes(value) == v)
            }
            ConstraintTest::ValueRegex(regex) => regex.is_match(self.value(bound)),
            ConstraintTest::DebugShowsField(regex) => {
                use crate::taint::debug_fields::{debug_shows_field, Shown};
                let node = bound.get_inner_node();
                match debug_shows_field(
                    self.file,
                    node,
                    bound.text().as_ref(),
                    &|name| regex.is_match(name),
                    regex.as_str(),
                ) {
                    Shown::Yes => true,
                    Shown::No => false,
                    Shown::Elsewhere(check) => {
                        self.debug_shown.borrow_mut().get_or_insert(check);
                        true
                    }
                }
            }
            ConstraintTest::FromRequest(wanted) => {
                let flow = Tracer::new(self.file, self.model(), &|_| None, true)
                    .origins_only()
                    .trace(bound.get_inner_node());
                self.keep_flow(flow, *wanted)
            }
            ConstraintTest::FromInput(wanted) => {
                let node = bound.get_inner_node();
                let flow = Tracer::from_input(self.file, self.model(), node).trace(node);
                self.keep_flow(flow, *wanted)
            }
            ConstraintTest::Tainted(wanted) => {
                let flow = self.trace(spec, bound.get_inner_node());
                self.keep_flow(flow, *wanted)
            }
            ConstraintTest::FromPathSegment(wanted) => {
                let node = bound.get_inner_node();
                let hook = |candidate: tree_sitter::Node| self.custom(spec, candidate);
                let beyond = Tracer::new(self.file, self.model(), &hook, spec.request)
                    .without_path_segments()
                    .trace(node);
                (self.trace(spec, node).is_some() && beyond.is_none()) == *wanted
            }
            ConstraintTest::Built { reads_as_sql } => {
                let hook = |candidate: tree_sitter::Node| self.custom(spec, candidate);
                let text = built(self.file, self.model(), &hook, bound.get_inner_node());
                match text.spliced {
                    Some((how, flow)) if !reads_as_sql || text.reads_as_sql() => {
                        self.how.set(Some(how));
                        self.flow.borrow_mut().get_or_insert(flow);
                        true
                    }
                    _ => false,
                }
            }
            ConstraintTest::SplicedFromInput(wanted) => {
                let hook = |candidate: tree_sitter::Node| self.custom(spec, candidate);
                spliced_from_input(self.file, self.model(), &hook, bound.get_inner_node())
                    == *wanted
            }
            ConstraintTest::ResolvesTo(names) => self.resolves_to(names, bound.get_inner_node()),
            ConstraintTest::NotDeferredTask => {
                let qualified = self.qualified(bound);
                self.task.borrow_mut().get_or_insert(qualified);
                true
            }
            ConstraintTest::NotSchemaClass => {
                let name = self.text(bound).to_string();
                self.schema.borrow_mut().get_or_insert(name);
                true
            }
            ConstraintTest::NotReboundByImporters => {
                let name = self.text(bound).to_string();
                self.rebound.borrow_mut().get_or_insert(name);
                true
            }
            ConstraintTest::NoPropertySetter => {
                let node = bound.get_inner_node();
                let text = self.text(bound);
                let attribute = text.rsplit('.').next().unwrap_or(text).to_string();
                let classes = crate::syntax::ancestor_of_kind(node, &["function_definition"])
                    .map(|function| self.classes_named_in(function))
                    .unwrap_or_default();
                self.setter.borrow_mut().get_or_insert((attribute, classes));
                true
            }
            ConstraintTest::NotProjectFunction => {
                // The method's callee (`db.fetch`), and the call it is the function of.
                let Some(callee) = self.file.parent(bound.get_inner_node()) else {
                    return true;
                };
                let Some(call) = self.file.parent(callee).filter(|call| {
                    call.field_child("function")
                        .is_some_and(|function| function.id() == callee.id())
                }) else {
                    return true;
                };
                match crate::taint::across::project_functions(self.file, call) {
                    None => false,
                    Some(elsewhere) => {
                        self.project_calls.borrow_mut().extend(elsewhere);
                        true
                    }
                }
            }
            ConstraintTest::RequestModel {
                field,
                required,
                staff_lowers,
            } => {
                let mut qualified = self.qualified(bound);
                if self.file.language() == crate::source::Language::Rust {
                    qualified = crate::app::models::rust_path(&qualified);
                }
                self.request_model.borrow_mut().get_or_insert(ModelRef {
                    class: qualified,
                    field: field.clone(),
                    required: *required,
                    staff_lowers: *staff_lowers,
                });
                true
            }
            ConstraintTest::PrintsUnescaped(var) => {
                let literal = matches!(bound.kind().as_ref(), "string" | "string_literal");
                let name = strip_quotes(self.text(bound));
                if !literal || name.is_empty() || name.contains(['{', '%']) {
                    return false;
                }
                self.template
                    .borrow_mut()
                    .get_or_insert((name.to_string(), var.clone()));
                true
            }
            ConstraintTest::NotResolvesTo(names) => {
                let written = &self.file.source.text[bound.get_inner_node().byte_range()];
                match self.file.symbols().resolve(self.file.language(), written) {
                    crate::symbols::Resolved::Qualified(name) => !names.matches(&name),
                    crate::symbols::Resolved::Unresolved(_) => true,
                }
            }
        }
    }

    /// The capitalised names `function` mentions, as qualified names: the classes whose
    /// objects it may handle.
    fn classes_named_in(&self, function: tree_sitter::Node) -> Vec<String> {
        let symbols = self.file.symbols();
        let mut classes: Vec<String> = crate::syntax::descendants(function)
            .filter(|node| node.kind() == "identifier")
            .map(|node| self.file.text(node))
            .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
            .filter_map(|name| match symbols.resolve(self.file.language(), name) {
                crate::symbols::Resolved::Qualified(qualified) => Some(qualified),
                crate::symbols::Resolved::Unresolved(_) => None,
            })
            .collect();
        classes.sort();
        classes.dedup();
        classes
    }

    /// Whether a name (or a call's callee) refers to one of `names`. A name the file does not
    /// bind is accepted by its text alone, and the match remembers that.
    fn resolves_to(&self, names: &crate::symbols::NamePatterns, node: tree_sitter::Node) -> bool {
        use crate::symbols::Resolved;
        let callee = match node.kind() {
            "call" | "call_expression" => node.field_child("function").unwrap_or(node),
            _ => node,
        };
        let written = &self.file.source.text[callee.byte_range()];
        // Only patterns that name an instance look at what a local variable holds.
        if let Some(instance) = names
            .instances
            .then(|| self.local_instance(callee, written))
            .flatten()
        {
            return names.matches(&instance);
        }
        match self.file.symbols().resolve(self.file.language(), written) {
            Resolved::Qualified(name) => names.matches(&name),
            Resolved::Unresolved(name) => {
                // A name from a glob import (`from x import *`, `use sqlx::*`).
                let symbols = self.file.symbols();
                let sep = match self.file.language() {
                    crate::source::Language::Python => ".",
                    crate::source::Language::Rust => "::",
                };
                if symbols
                    .globs
                    .iter()
                    .any(|glob| names.matches(&format!("{glob}{sep}{name}")))
                {
                    return true;
                }
                let matched = names.matches(&name);
                if matched {
                    self.by_text.borrow_mut().get_or_insert(name);
                }
                matched
            }
        }
    }
}

impl FileMatches<'_, '_> {
    /// The qualified name of `written` (at `node`) when its first part is a Python local
    /// variable holding a constructed object: `conn = ldap3.Connection(…)` or `conn =
    /// get_connection()` of a project function that returns one make `conn.search` a method of
    /// `ldap3.Connection()`.
    fn local_instance(&self, node: tree_sitter::Node, written: &str) -> Option<String> {
        if self.file.language() != crate::source::Language::Python {
            return None;
        }
        let (head, rest) = match written.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (written, None),
        };
        let name = crate::syntax::descendants(node)
            .find(|n| n.kind() == "identifier" && self.file.text(*n) == head)?;
        let class = across::constructed(self.file, name).or_else(|| {
            let value = crate::taint::latest_value(self.file, name)?;
            let project = self.file.project.as_ref()?;
            (value.kind() == "call")
                .then(|| project.object_at(self.file, value))
                .flatten()
        })?;
        Some(match rest {
            Some(rest) => format!("{class}.{rest}"),
            None => class,
        })
    }

    /// The flow from one of the rule's sources to `node`, past its sanitizers.
    pub(crate) fn trace(&self, spec: &TaintSpec, node: tree_sitter::Node) -> Option<Flow> {
        let hook = |candidate: tree_sitter::Node| self.custom(spec, candidate);
        let key = std::ptr::from_ref::<TaintSpec>(spec) as usize;
        let memo = self.traced.borrow_mut().remove(&key).unwrap_or_default();
        let tracer = Tracer::new(self.file, self.model(), &hook, spec.request).with_memo(memo);
        let flow = tracer.trace(node);
        self.traced.borrow_mut().insert(key, tracer.into_memo());
        flow
    }

    /// The flows from the parameters of the function around `node` to it, past the rule's
    /// sanitizers, one per parameter that reaches it, and the sink each makes of its parameter
    /// for the function's callers: `rmtree(root + str(job_id) + "/" + name)` waits on callers
    /// of either, and a caller that passes a constant `job_id` still passes `name`.
    pub(crate) fn parameter_traces(
        &self,
        spec: &TaintSpec,
        node: tree_sitter::Node,
    ) -> Vec<(ParamSink, Flow)> {
        let Some((function, id)) = across::function_at(self.file, node) else {
            return Vec::new();
        };
        let hook = |candidate: tree_sitter::Node| self.custom(spec, candidate);
        // Each trace leaves out the parameters found before it: one more trace than there are
        // parameters reaching the sink, none once every parameter is found.
        let count = crate::taint::parameter_names(self.file, function).len();
        // What no parameter reaches, no fewer parameters reach: a trace starts knowing the
        // values the traces before it found clean.
        let mut found: Vec<usize> = Vec::new();
        let mut flows = Vec::new();
        let mut clean = crate::taint::Memo::new();
        while found.len() < count {
            let tracer = Tracer::from_parameters(self.file, self.model(), &hook, function, &found)
                .with_memo(clean);
            let flow = tracer.trace(node);
            clean = tracer.into_memo();
            clean.retain(|_, flow| flow.is_none());
            let Some(flow) = flow else {
                break;
            };
            match &flow.parameter {
                Some((index, _)) if !found.contains(index) => found.push(*index),
                _ => break,
            }
            flows.push(flow);
        }
        let only_when = across::flag_around(self.file, function, node);
        flows
            .into_iter()
            .filter_map(|flow| {
                let (index, parameter) = flow.parameter.clone()?;
                let sink = ParamSink {
                    function: id.clone(),
                    index,
                    parameter,
                    only_when: only_when.clone(),
                };
                Some((sink, flow))
            })
            .collect()
    }

    /// A `tainted` value with no source in its function that comes from one of the function's
    /// parameters: the match stands if a caller passes request input there (see [`across`]).
    fn defer_to_callers(&self, spec: &TaintSpec, bound: &SgNode<'_>) -> bool {
        if self.via_parameter.borrow().is_some() {
            return false;
        }
        let mut traces = self
            .parameter_traces(spec, bound.get_inner_node())
            .into_iter();
        let Some((sink, flow)) = traces.next() else {
            return false;
        };
        *self.also_via.borrow_mut() = Some((sink.clone(), traces.collect()));
        *self.via_parameter.borrow_mut() = Some(sink);
        *self.flow.borrow_mut() = Some(flow);
        true
    }

    /// What the rule's own `taint:` declarations say about `candidate`.
    pub(crate) fn custom(&self, spec: &TaintSpec, candidate: tree_sitter::Node) -> Option<Custom> {
        if spec.sanitizers.is_empty() && spec.sources.is_empty() {
            return None;
        }
        let adopted = self.root.adopt(candidate);
        let holds = |condition: &Condition| {
            let mut env: Env = Cow::Owned(MetaVarEnv::new());
            self.eval(spec, condition, &adopted, None, &mut env)
        };
        if spec.sanitizers.iter().any(holds) {
            return Some(Custom::Sanitizer);
        }
        // `markdown.markdown(text, extensions=[CleanExt()])`: a plugin of the project that
        // runs one of the sanitizers.
        let classes = self
            .module_classes
            .get_or_init(|| plugins::module_class_names(self.file));
        let sanitizing = |class: &str| self.sanitizing_classes(spec).contains(class);
        if !spec.sanitizers.is_empty()
            && candidate.kind() == "call"
            && plugins::handed_plugin(self.file, candidate, classes, &sanitizing)
        {
            return Some(Custom::Sanitizer);
        }
        spec.sources.iter().any(holds).then(|| {
            let text = candidate
                .utf8_text(self.file.source.text.as_bytes())
                .unwrap_or("");
            let first = text.lines().next().unwrap_or("");
            Custom::Source(format!("`{first}` is a source of this rule"))
        })
    }

    /// This file's classes whose code runs one of the rule's sanitizers, found once per rule.
    fn sanitizing_classes(&self, spec: &TaintSpec) -> Rc<BTreeSet<String>> {
        let key = std::ptr::from_ref(spec) as usize;
        if let Some(known) = self.sanitizing_classes.borrow().get(&key) {
            return Rc::clone(known);
        }
        let runs_sanitizer = |node: tree_sitter::Node| {
            let adopted = self.root.adopt(node);
            spec.sanitizers.iter().any(|condition| {
                let mut env: Env = Cow::Owned(MetaVarEnv::new());
                self.eval(spec, condition, &adopted, None, &mut env)
            })
        };
        let found = Rc::new(plugins::sanitizing_classes(self.file, &runs_sanitizer));
        self.sanitizing_classes
            .borrow_mut()
            .insert(key, Rc::clone(&found));
        found
    }

    /// Whether a traced flow satisfies `wanted`; a flow that does is kept for the finding.
    fn keep_flow(&self, flow: Option<Flow>, wanted: bool) -> bool {
        let found = flow.is_some();
        if wanted {
            if let Some(flow) = flow {
                self.flow.borrow_mut().get_or_insert(flow);
            }
        }
        found == wanted
    }
}

/// Run `test` on a view of the bindings (copied on its first write) and keep what it bound
/// only if it succeeds, so a failed branch never leaves half-made bindings behind.
fn attempt<'t>(env: &mut Env<'_, 't>, test: impl FnOnce(&mut Env<'_, 't>) -> bool) -> bool {
    let mut trial: Env<'_, 't> = Cow::Borrowed(env.as_ref());
    if !test(&mut trial) {
        return false;
    }
    if let Cow::Owned(bound) = trial {
        *env = Cow::Owned(bound);
    }
    true
}

/// The text of a string literal without its quotes (and prefixes like `f`/`b`/`r`), for `one-of`.
fn strip_quotes(text: &str) -> &str {
    let trimmed = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = trimmed
            .strip_prefix(quote)
            .and_then(|t| t.strip_suffix(quote))
        {
            return inner;
        }
    }
    text
}

/// The children of `node` in grammar field `field`, or all its named children.
fn children_of<'t, 's: 't>(
    file: &'t ParsedFile<'s>,
    node: tree_sitter::Node<'_>,
    field: Option<std::num::NonZeroU16>,
) -> impl Iterator<Item = tree_sitter::Node<'t>> + use<'t, 's> {
    file.children_with_fields(node)
        .filter(move |(child, in_field)| match field {
            Some(field) => *in_field == Some(field),
            None => child.is_named(),
        })
        .map(|(child, _)| child)
}

/// The named siblings before `node`, nearest first. (A tree-sitter cursor steps back in time
/// linear in the number of siblings, so they are collected walking forward.)
fn earlier_named_siblings<'t>(file: &'t ParsedFile, node: &SgNode<'t>) -> Vec<SgNode<'t>> {
    let inner = node.get_inner_node();
    let Some(parent) = file.parent(inner) else {
        return Vec::new();
    };
    let mut cursor = parent.walk();
    let mut before = Vec::new();
    let mut found = false;
    if cursor.goto_first_child() {
        loop {
            let child = cursor.node();
            if child == inner {
                found = true;
                break;
            }
            if child.is_named() {
                before.push(child);
            }
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    if !found {
        return Vec::new();
    }
    before
        .into_iter()
        .rev()
        .map(|sibling| node.root().adopt(sibling))
        .collect()
}

/// Whether the match bound `var` at all (as a single node or a sequence).
fn binds(env: &Env<'_, '_>, var: &str) -> bool {
    env.get_matched_variables().any(|bound| match bound {
        ast_grep_core::meta_var::MetaVariable::Capture(name, _)
        | ast_grep_core::meta_var::MetaVariable::MultiCapture(name) => name == var,
        _ => false,
    })
}
