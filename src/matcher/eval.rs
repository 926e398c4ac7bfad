//! Evaluating a compiled [`Matcher`] on the nodes of one file.

use super::query::{bind_hit, QueryHits};
use super::{
    Condition, ConstraintTest, Matcher, Relation, SgDoc, SgLang, SgNode, StopBy, TaintSpec,
};
use crate::model::FileModel;
use crate::parse::ParsedFile;
use crate::taint::{Custom, Flow, Tracer};
use ast_grep_core::meta_var::MetaVarEnv;
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep as Root, Matcher as _};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use tree_sitter::Node;

type Env<'t> = Cow<'t, MetaVarEnv<'t, SgDoc>>;

/// One file prepared for declarative matching: the ast-grep view of its tree; the file's model
/// (handlers, guards) comes from [`ParsedFile::model`].
pub struct FileMatches<'f> {
    file: &'f ParsedFile<'f>,
    root: Root<SgDoc>,
    /// Query hits by query address: each query runs once per file.
    query_hits: RefCell<HashMap<usize, Rc<QueryHits>>>,
    /// The taint flow found while matching the current node, for its finding.
    flow: RefCell<Option<Flow>>,
}

/// A match: the reported byte range, the metavariables' source texts, and the taint flow that
/// satisfied a `tainted`/`from-request` constraint.
pub struct Found {
    pub bytes: Range<usize>,
    pub bindings: Vec<(String, String)>,
    pub flow: Option<Flow>,
}

impl<'f> FileMatches<'f> {
    pub fn new(file: &'f ParsedFile<'f>) -> Self {
        let doc = StrDoc {
            src: file.source.text.clone(),
            lang: SgLang(file.language()),
            tree: file.tree.clone(),
        };
        FileMatches {
            file,
            root: Root::doc(doc),
            query_hits: RefCell::new(HashMap::new()),
            flow: RefCell::new(None),
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
        let mut env: Env<'t> = Cow::Owned(MetaVarEnv::new());
        self.flow.borrow_mut().take();
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
            if !self.satisfies(&matcher.taint, &constraint.test, bound) {
                return None;
            }
        }
        let reported = match &matcher.focus {
            Some(var) => env.get_match(var)?.range(),
            None => node.range(),
        };
        let bindings = env
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
        Some(Found {
            bytes: reported,
            bindings,
            flow: self.flow.borrow_mut().take(),
        })
    }

    /// Whether `condition` holds on `node`; `lineage` holds the node's ancestors when known.
    fn eval<'t>(
        &'t self,
        spec: &TaintSpec,
        condition: &Condition,
        node: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'t>,
    ) -> bool {
        crate::budget::deep(|| self.eval_here(spec, condition, node, lineage, env))
    }

    fn eval_here<'t>(
        &'t self,
        spec: &TaintSpec,
        condition: &Condition,
        node: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'t>,
    ) -> bool {
        match condition {
            Condition::Pattern(pattern) => attempt(env, |trial| {
                pattern.match_node_with_env(node.clone(), trial).is_some()
            }),
            Condition::Kind(kinds) => kinds.iter().any(|kind| node.kind() == kind.as_str()),
            Condition::Regex(regex) => regex.is_match(&node.text()),
            Condition::Query(query) => {
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
            Condition::Any(any) => any
                .iter()
                .any(|c| attempt(env, |trial| self.eval(spec, c, node, lineage, trial))),
            Condition::Not(inner) => {
                let mut scratch = env.clone();
                !self.eval(spec, inner, node, lineage, &mut scratch)
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
                    let candidates: Box<dyn Iterator<Item = SgNode<'t>>> = match rel.stop_by {
                        StopBy::Neighbor => Box::new(node.parent().into_iter()),
                        StopBy::End => Box::new(node.ancestors()),
                    };
                    self.any_related(spec, rel, candidates, env)
                }
            },
            Condition::Has(rel) => {
                let children: Vec<SgNode<'t>> = match &rel.field {
                    Some(field) => node.field_children(field).collect(),
                    None => node.children().filter(|c| c.is_named()).collect(),
                };
                match rel.stop_by {
                    StopBy::Neighbor => self.any_related(spec, rel, children.into_iter(), env),
                    StopBy::End => {
                        let descendants = children
                            .into_iter()
                            .flat_map(|child| child.dfs().collect::<Vec<_>>());
                        self.any_related(spec, rel, descendants, env)
                    }
                }
            }
            Condition::Follows(rel) => {
                let siblings = node.prev_all().filter(|n| n.is_named());
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
            Condition::InHandler(filter) => self
                .model()
                .handler_at(node.range().start)
                .is_some_and(|handler| filter.accepts(handler)),
            Condition::Where(constraints) => constraints.iter().all(|constraint| {
                env.get_match(&constraint.var)
                    .is_some_and(|bound| self.satisfies(spec, &constraint.test, bound))
            }),
        }
    }

    fn any_related<'t>(
        &'t self,
        spec: &TaintSpec,
        rel: &Relation,
        candidates: impl Iterator<Item = SgNode<'t>>,
        env: &mut Env<'t>,
    ) -> bool {
        candidates
            .filter(|candidate| {
                rel.kinds.as_ref().is_none_or(|kinds| {
                    kinds.contains(usize::from(candidate.get_inner_node().kind_id()))
                })
            })
            .any(|candidate| {
                attempt(env, |trial| {
                    self.eval(spec, &rel.condition, &candidate, None, trial)
                })
            })
    }

    /// Whether `candidate` (with its ancestors `lineage`) satisfies the relation's condition.
    fn related<'t>(
        &'t self,
        spec: &TaintSpec,
        rel: &Relation,
        candidate: &SgNode<'t>,
        lineage: Option<&[Node<'t>]>,
        env: &mut Env<'t>,
    ) -> bool {
        let kind = usize::from(candidate.get_inner_node().kind_id());
        rel.kinds.as_ref().is_none_or(|kinds| kinds.contains(kind))
            && attempt(env, |trial| {
                self.eval(spec, &rel.condition, candidate, lineage, trial)
            })
    }

    fn satisfies(&self, spec: &TaintSpec, test: &ConstraintTest, bound: &SgNode<'_>) -> bool {
        match test {
            ConstraintTest::Regex(regex) => regex.is_match(&bound.text()),
            ConstraintTest::NotRegex(regex) => !regex.is_match(&bound.text()),
            ConstraintTest::Kind(kinds) => kinds.iter().any(|kind| bound.kind() == kind.as_str()),
            ConstraintTest::OneOf(values) => {
                values.iter().any(|v| strip_quotes(&bound.text()) == v)
            }
            ConstraintTest::NotOneOf(values) => {
                !values.iter().any(|v| strip_quotes(&bound.text()) == v)
            }
            ConstraintTest::FromRequest(wanted) => {
                let flow = Tracer::new(self.file, self.model(), &|_| None, true)
                    .origins_only()
                    .trace(bound.get_inner_node());
                self.keep_flow(flow, *wanted)
            }
            ConstraintTest::Tainted(wanted) => {
                let flow = self.trace(spec, bound.get_inner_node());
                self.keep_flow(flow, *wanted)
            }
        }
    }
}

impl FileMatches<'_> {
    /// The flow from one of the rule's sources to `node`, past its sanitizers.
    fn trace(&self, spec: &TaintSpec, node: tree_sitter::Node) -> Option<Flow> {
        let hook = |candidate: tree_sitter::Node| -> Option<Custom> {
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
            spec.sources.iter().any(holds).then(|| {
                let text = candidate
                    .utf8_text(self.file.source.text.as_bytes())
                    .unwrap_or("");
                let first = text.lines().next().unwrap_or("");
                Custom::Source(format!("`{first}` is a source of this rule"))
            })
        };
        Tracer::new(self.file, self.model(), &hook, spec.request).trace(node)
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

/// Run `test` on a copy of the bindings and keep the copy only if it succeeds, so a failed
/// branch never leaves half-made bindings behind.
fn attempt<'t>(env: &mut Env<'t>, test: impl FnOnce(&mut Env<'t>) -> bool) -> bool {
    let mut trial = env.clone();
    if test(&mut trial) {
        *env = trial;
        true
    } else {
        false
    }
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

/// Whether the match bound `var` at all (as a single node or a sequence).
fn binds(env: &Env<'_>, var: &str) -> bool {
    env.get_matched_variables().any(|bound| match bound {
        ast_grep_core::meta_var::MetaVariable::Capture(name, _)
        | ast_grep_core::meta_var::MetaVariable::MultiCapture(name) => name == var,
        _ => false,
    })
}
