//! Functions in other files that findings' values went through, summarised once the project
//! is linked.
//!
//! In the per-file stage a call into another file is assumed to pass its arguments on (and the
//! finding is less sure), and a call that may reject a value before its use is only noted; the
//! flow records both ([`Flow::through`](super::Flow), [`Flow::validators`](super::Flow)). At
//! link time, [`Callees`] finds each such function by its qualified name (its file by its
//! module, read and parsed once) and answers:
//! - [`Callees::blocking`]: does it pass the argument on to its result, past the rule's sources
//!   and sanitizers, and past the validators it calls on the way? Its own calls into other
//!   files are followed a few calls deep. A function
//!   that returns `clean_html(markdown(value))`, with `clean_html` returning `nh3.clean(html)`,
//!   does not, for a rule that counts `nh3.clean` as a sanitizer.
//! - [`Callees::rejecting`]: does it reject the argument ([`super::validate`])?
//!
//! Only functions that findings went through are read, so the cost follows the findings, not
//! the project.

use super::{CallRef, Tracer};
use crate::discover::{self, Candidate};
use crate::matcher::FileMatches;
use crate::parse::{self, ParsedFile};
use crate::rules::RuleSet;
use crate::source::{Language, SourceFile};
use crate::symbols::{is_module, same_module};
use crate::syntax::FieldChild;
use crate::testcode::TestCode;
use std::collections::{BTreeMap, BTreeSet};
use tree_sitter::Tree;

/// How many files the link keeps parsed at once; the others are parsed again when asked about.
const KEPT: usize = 16;

/// How many calls deep a function's own calls into other files are followed.
const MAX_DEPTH: usize = 3;

/// The texts and trees of the files the link reads, kept while it runs.
pub type Sources = typed_arena::Arena<(SourceFile, Tree)>;

/// The project's files by module, and the files read so far.
pub struct Callees<'a> {
    /// Every scanned file with its module and the path it is shown as.
    modules: Vec<(String, String, &'a Candidate)>,
    /// Where the files read are kept.
    sources: &'a Sources,
    /// Files read and parsed so far, by path (`None`: unreadable or unparsable now), with what
    /// was worked out about them (symbols, nodes by kind).
    parsed: BTreeMap<std::path::PathBuf, Option<ParsedFile<'a>>>,
    rules: &'a RuleSet,
}

impl<'a> Callees<'a> {
    pub fn new(files: &'a [Candidate], rules: &'a RuleSet, sources: &'a Sources) -> Self {
        let modules = files
            .iter()
            .map(|candidate| {
                let display = discover::display_path(&candidate.path);
                let module = match candidate.language {
                    Language::Python => crate::symbols::python::module_path(&display).0,
                    Language::Rust => crate::symbols::rust::module_path(&display),
                };
                (module, display, candidate)
            })
            .collect();
        Callees {
            modules,
            sources,
            parsed: BTreeMap::new(),
            rules,
        }
    }

    /// The (rule, call) pairs among `asked` whose function does not pass the argument on to its
    /// result for that rule.
    pub fn blocking(&mut self, asked: BTreeSet<(String, CallRef)>) -> BTreeSet<(String, CallRef)> {
        asked
            .into_iter()
            .filter(|(rule, call)| !self.passes(rule, call, 0))
            .collect()
    }

    /// The calls among `asked` whose function rejects the argument.
    pub fn rejecting(&mut self, asked: BTreeSet<CallRef>) -> BTreeSet<CallRef> {
        self.checking(asked, super::validate::rejected_parameters)
    }

    /// The calls among `asked` whose function is a predicate that tests the argument.
    pub fn testing(&mut self, asked: BTreeSet<CallRef>) -> BTreeSet<CallRef> {
        self.checking(asked, super::validate::tested_parameters)
    }

    /// The calls among `asked` whose argument is among the parameters `summary` says the
    /// function checks.
    fn checking(
        &mut self,
        asked: BTreeSet<CallRef>,
        summary: fn(&ParsedFile, tree_sitter::Node) -> Vec<usize>,
    ) -> BTreeSet<CallRef> {
        asked
            .into_iter()
            .filter(|call| self.checks(call, summary))
            .collect()
    }

    /// Whether `call`'s function passes its argument on for `rule`; yes when unknown.
    fn passes(&mut self, rule: &str, call: &CallRef, depth: usize) -> bool {
        let rules = self.rules;
        let Some(Some(flows)) = self.with_function(&call.callee, |file, function| {
            returned_flows(file, function, rule, call.index, rules)
        }) else {
            return true;
        };
        // Passed on by a flow whose further calls into other files all pass it on too, and
        // that none of them rejects or tests on the way.
        flows.iter().any(|flow| {
            let passed_on = depth >= MAX_DEPTH
                || flow
                    .through
                    .iter()
                    .all(|inner| self.passes(rule, inner, depth + 1));
            passed_on
                && !flow
                    .validators
                    .iter()
                    .any(|call| self.checks(call, super::validate::rejected_parameters))
                && !flow
                    .tests
                    .iter()
                    .any(|call| self.checks(call, super::validate::tested_parameters))
        })
    }

    /// Whether `call`'s argument is among the parameters `summary` says its function checks.
    fn checks(
        &mut self,
        call: &CallRef,
        summary: fn(&ParsedFile, tree_sitter::Node) -> Vec<usize>,
    ) -> bool {
        self.with_function(&call.callee, |file, function| {
            summary(file, function).contains(&call.index)
        })
        .unwrap_or(false)
    }

    /// `answer` about the function whose name starts at byte `at` of the scanned file shown as
    /// `path` (a handler, by its fact's position).
    pub(crate) fn with_function_at<T>(
        &mut self,
        path: &str,
        at: usize,
        answer: impl Fn(&ParsedFile, tree_sitter::Node) -> T,
    ) -> Option<T> {
        let candidate = self
            .modules
            .iter()
            .find(|(_, display, _)| display == path)
            .map(|(_, _, candidate)| *candidate)?;
        self.with_parsed(candidate, |file| {
            // The function is the nearest ancestor of its name's first byte.
            let root = file.tree.root_node();
            let name = root.descendant_for_byte_range(at, at)?;
            let function = crate::syntax::ancestors_from(root, name)
                .into_iter()
                .find(|node| matches!(node.kind(), "function_definition" | "function_item"))
                .filter(|function| {
                    function
                        .field_child("name")
                        .is_some_and(|name| name.start_byte() == at)
                })?;
            Some(answer(file, function))
        })
        .flatten()
    }

    /// `answer` about `candidate`, read and parsed: once for the first [`KEPT`] files, each
    /// time for the others (so that memory does not grow with the project).
    fn with_parsed<T>(
        &mut self,
        candidate: &Candidate,
        answer: impl FnOnce(&ParsedFile) -> T,
    ) -> Option<T> {
        if let Some(kept) = self.parsed.get(&candidate.path) {
            return kept.as_ref().map(answer);
        }
        let read = super::across::load(candidate, |_| true)
            .and_then(|source| parse::tree(&source).map(|tree| (source, tree)));
        let Some((source, tree)) = read else {
            self.parsed.insert(candidate.path.clone(), None);
            return None;
        };
        if self.parsed.len() >= KEPT {
            return Some(answer(&ParsedFile::new(&source, &tree)));
        }
        let (source, tree) = self.sources.alloc((source, tree));
        let file = self
            .parsed
            .entry(candidate.path.clone())
            .or_insert(Some(ParsedFile::new(source, tree)));
        file.as_ref().map(answer)
    }

    /// `answer` about the function with the qualified name `callee` (`pkg.mod.helper`,
    /// `pkg.mod.Class.method`, `crate::util::join`), if a scanned file defines it; a method the
    /// class inherits is found in the project base class that defines it.
    pub(crate) fn with_function<T>(
        &mut self,
        callee: &str,
        answer: impl Fn(&ParsedFile, tree_sitter::Node) -> T,
    ) -> Option<T> {
        self.find_function(callee, &answer, 0)
    }

    fn find_function<T>(
        &mut self,
        callee: &str,
        answer: &dyn Fn(&ParsedFile, tree_sitter::Node) -> T,
        depth: usize,
    ) -> Option<T> {
        let sep = if callee.contains("::") { "::" } else { "." };
        let parts: Vec<&str> = callee.split(sep).collect();
        for split in 1..parts.len().min(3) {
            let (module, name) = parts.split_at(parts.len() - split);
            let (module, name) = (module.join(sep), name.join(sep));
            let matching: Vec<&(String, String, &Candidate)> = self
                .modules
                .iter()
                .filter(|(found, _, _)| same_module(found, &module))
                .collect();
            // The module itself when a file is it (`django` is `django/__init__.py`), not every
            // module of the package below it.
            let tight: Vec<&Candidate> = matching
                .iter()
                .filter(|(found, _, _)| is_module(found, &module))
                .map(|(_, _, candidate)| *candidate)
                .collect();
            // Only the module itself re-exports a name; a file of the package below it may
            // define it.
            let is_the_module = !tight.is_empty();
            let candidates = if is_the_module {
                tight
            } else {
                matching
                    .iter()
                    .map(|(_, _, candidate)| *candidate)
                    .collect()
            };
            for candidate in candidates {
                let found = self.with_parsed(candidate, |file| {
                    // `settings.method` of a module-level `settings = Settings(…)`.
                    let instance = instance_method(file, &name);
                    let local = instance.as_ref().and_then(|method| defined(file, method));
                    match defined(file, &name).or(local) {
                        Some(function) => Ok(answer(file, function)),
                        None => Err(inherited(file, &name)
                            .into_iter()
                            .chain(instance.and_then(|method| qualified_method(file, &method)))
                            .chain(reexported(file, &name).filter(|_| is_the_module))
                            .collect::<Vec<_>>()),
                    }
                });
                match found {
                    Some(Ok(answer)) => return Some(answer),
                    Some(Err(bases)) if depth < MAX_DEPTH => {
                        for base in bases {
                            if let Some(found) = self.find_function(&base, answer, depth + 1) {
                                return Some(found);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }
}

/// For a name the file imports rather than defines (a package's `__init__` re-exporting
/// `from .impl import is_known`, Rust's `pub use`): the name where it comes from.
fn reexported(file: &ParsedFile, name: &str) -> Option<String> {
    let sep = match file.language() {
        Language::Python => ".",
        Language::Rust => "::",
    };
    let (head, rest) = match name.split_once(sep) {
        Some((head, rest)) => (head, Some(rest)),
        None => (name, None),
    };
    let crate::symbols::Resolved::Qualified(origin) = file.symbols().resolve(file.language(), head)
    else {
        return None;
    };
    // Defined here (and not found above), or bound by nothing but its own text.
    if origin == format!("{}{sep}{head}", file.symbols().module) || origin == head {
        return None;
    }
    Some(match rest {
        Some(rest) => format!("{origin}{sep}{rest}"),
        None => origin,
    })
}

/// For `Class.method` of a Python class this file defines without that method: the method as
/// each of the class's bases would define it, by the bases' qualified names
/// (`class DatasetDAO(BaseDAO[SqlaTable])` → `superset.daos.base.BaseDAO.find_by_id`).
fn inherited(file: &ParsedFile, name: &str) -> Vec<String> {
    let Some((class, method)) = name.split_once('.') else {
        return Vec::new();
    };
    if file.language() != Language::Python || method.contains('.') {
        return Vec::new();
    }
    let Some(bases) = crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .find(|node| {
            node.kind() == "class_definition"
                && node
                    .field_child("name")
                    .is_some_and(|found| file.text(found) == class)
        })
        .and_then(|class| class.field_child("superclasses"))
    else {
        return Vec::new();
    };
    crate::syntax::named_children(bases)
        .into_iter()
        .filter(|base| base.kind() != "keyword_argument")
        .filter_map(|base| {
            let written = file.text(base);
            let written = written.split('[').next().unwrap_or(written);
            file.symbols()
                .resolve(Language::Python, written)
                .qualified()
        })
        .map(|base| format!("{base}.{method}"))
        .collect()
}

/// `object.method` where the file binds `object = Class(…)` at module level: `Class.method`,
/// the class as written (`store.Catalogue.book_by_id` for `store.Catalogue(session)`).
fn instance_method(file: &ParsedFile, name: &str) -> Option<String> {
    let (object, method) = name.split_once('.')?;
    if file.language() != Language::Python || method.contains('.') {
        return None;
    }
    let class = crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .filter(|statement| statement.kind() == "expression_statement")
        .filter_map(|statement| statement.named_child(0))
        .filter(|assignment| assignment.kind() == "assignment")
        .find(|assignment| {
            assignment
                .field_child("left")
                .is_some_and(|left| file.text(left) == object)
        })
        .and_then(|assignment| assignment.field_child("right"))
        .filter(|right| right.kind() == "call")
        .and_then(|call| call.field_child("function"))
        .map(|class| file.text(class))?;
    Some(format!("{class}.{method}"))
}

/// `Class.method` written in `file` for a class another module defines: the method by the
/// class's qualified name (`pkg.store.Catalogue.book_by_id`).
fn qualified_method(file: &ParsedFile, written: &str) -> Option<String> {
    let (class, method) = written.rsplit_once('.')?;
    let class = file
        .symbols()
        .resolve(Language::Python, class)
        .qualified()?;
    Some(format!("{class}.{method}"))
}

/// The function `name` (`helper`, `Class.method`, `Type::method`) the file defines (in Python
/// its last definition).
pub(crate) fn defined<'t>(file: &'t ParsedFile, name: &str) -> Option<tree_sitter::Node<'t>> {
    let kind = match file.language() {
        Language::Python => "function_definition",
        Language::Rust => "function_item",
    };
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    let mut found = file
        .of_kinds(&[kind])
        .into_iter()
        .filter(|function| {
            function
                .field_child("name")
                .is_some_and(|found| file.text(found) == last)
        })
        .filter(|function| {
            function
                .field_child("body")
                .and_then(|body| super::across::function_at(file, body))
                .is_some_and(|(_, id)| id.name == name)
        });
    match file.language() {
        // The last definition is the one that runs (after `@overload` stubs, say).
        Language::Python => found.last(),
        Language::Rust => found.next(),
    }
}

/// The flows from the parameter `index` of `function` to its return values, with the rule's
/// sources and sanitizers, each with the calls into other files it went through or was checked
/// by (none: the argument does not reach a return); `None` when the rule has no taint.
fn returned_flows(
    file: &ParsedFile,
    function: tree_sitter::Node,
    rule: &str,
    index: usize,
    rules: &RuleSet,
) -> Option<Vec<super::Flow>> {
    let spec = &rules.get(rule)?.logic.matcher(file.language())?.taint;
    let tests = TestCode::none();
    let matches = FileMatches::new(file, &tests);
    if index == super::RESULT {
        // Anything it returns that is not fixed text, its parameters included.
        let hook = |node: tree_sitter::Node| {
            super::built::fixed(file, node).or_else(|| matches.custom(spec, node))
        };
        let tracer =
            Tracer::new(file, file.model(), &hook, false).asking(super::Question::NotConstant);
        return Some(
            super::returned_values(file, function)
                .into_iter()
                .filter_map(|value| tracer.trace(value))
                .collect(),
        );
    }
    let parameter = match index {
        super::RECEIVER => super::receiver_name(file, function)?,
        _ => super::parameter_names(file, function).get(index)?.clone(),
    };
    let hook = |node: tree_sitter::Node| matches.custom(spec, node);
    // Request input the function reads itself (`request.GET` of the request it is handed)
    // is passed on too.
    let tracer = Tracer {
        request: true,
        ..Tracer::from_parameter(file, file.model(), &hook, function, &parameter)
    };
    Some(
        super::returned_values(file, function)
            .into_iter()
            .filter_map(|value| tracer.trace(value))
            .collect(),
    )
}
