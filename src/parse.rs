//! Parsing with tree-sitter: one parser per language per worker thread.

use crate::app::handlers::FileModel;
use crate::budget::{self, Stopped};
use crate::source::{Language, SourceFile};
use crate::symbols::FileSymbols;
use crate::syntax::{descendants, descendants_mentioning, FieldChild, Mentions};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::num::NonZeroU16;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tree_sitter::{Node, ParseOptions, ParseState, Parser, Tree};

/// Python files with this many different indentation widths are not parsed: tree-sitter-python's
/// scanner keeps one entry per open indentation level and aborts the process (a C assertion,
/// after a one-byte buffer overrun) when they no longer fit its 1,024-byte state buffer at two
/// bytes each, from about 511 levels.
pub const MAX_PYTHON_INDENT_WIDTHS: usize = 500;

/// A source file with its syntax tree and, built on first use, its handler model and the walks
/// for one name (shared by the rules, the detectors and the project facts of the file).
pub struct ParsedFile<'a> {
    pub source: &'a SourceFile,
    pub tree: &'a Tree,
    /// Built on first use; a build that failed or ran out of time stops every later user too.
    model: OnceCell<Result<FileModel, Stopped>>,
    symbols: OnceCell<FileSymbols>,
    /// How long building the model took (for `--profile`).
    model_time: Cell<Duration>,
    /// What the rest of the project says about functions this file calls (set when the file is
    /// checked again after linking; see [`crate::taint::across`]).
    pub project: Option<std::sync::Arc<crate::taint::across::RequestReturns>>,
    /// [`ParsedFile::mentioning`]'s walks, by scope (node id), name and kinds skipped.
    mentions: RefCell<HashMap<Mention, Rc<[Node<'a>]>>>,
    /// Every node in document order, by kind, and every node's parent, for
    /// [`ParsedFile::walk`], [`ParsedFile::of_kinds`] and [`ParsedFile::parent`]; built on first
    /// use.
    kinds: OnceCell<Kinds<'a>>,
    /// Python: the module-level names assigned exactly once, with the value (see
    /// [`crate::syntax::constant`]); built on first use.
    assigned_once: OnceCell<HashMap<&'a str, Option<Node<'a>>>>,
    /// Rust: the structs the file declares, for its facts and for `debug-shows-field`.
    structs: OnceCell<Vec<crate::taint::debug_fields::StructFact>>,
    /// Python: the statement-level nodes of the file; built on first use.
    statements: OnceCell<Vec<Node<'a>>>,
    /// [`ParsedFile::definition_in`]'s tables, by container (node id).
    definitions: RefCell<HashMap<usize, Rc<Definitions<'a>>>>,
}

/// The functions and classes among a block's statements, by kind and name (the first of each).
type Definitions<'a> = HashMap<(&'a str, &'a str), Node<'a>>;

/// Every node of a tree in document order with its depth, parent, subtree's end and grammar
/// field, and every named node by kind with its place in that order.
struct Kinds<'a> {
    /// The list of each kind's nodes (their places in `order`), by kind name.
    lists: HashMap<&'a str, usize>,
    nodes: Vec<Vec<u32>>,
    /// Every node in document order, with its depth below the root.
    order: Vec<(Node<'a>, usize)>,
    /// Each node's parent, by place in `order` ([`NO_PARENT`] for the root).
    parents: Vec<u32>,
    /// Where each node's subtree ends in `order`, by place: the place after its last descendant
    /// (its next sibling's, if it has one).
    ends: Vec<u32>,
    /// The grammar field each node is in, by place.
    fields: Vec<Option<NonZeroU16>>,
    /// Each node's place in `order`, by node id.
    places: HashMap<usize, usize, BuildHasherDefault<IdHasher>>,
}

/// Hashes a node id (an address: distinct, aligned) with one multiplication, folding the high
/// bits of the product into the low bits that pick the bucket.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(self.0 << 8 | u64::from(byte));
        }
    }

    fn write_u64(&mut self, id: u64) {
        let product = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = product ^ (product >> 32);
    }

    fn write_usize(&mut self, id: usize) {
        self.write_u64(id as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The parent of the root, in [`Kinds::parents`].
const NO_PARENT: u32 = u32::MAX;

/// A place in [`Kinds::order`], kept in four bytes: tree-sitter counts a tree's nodes in a
/// `u32` (`Node::descendant_count`), and a place is at most that count.
fn place(order: usize) -> u32 {
    u32::try_from(order).expect("tree-sitter counts a tree's nodes in u32")
}

impl<'a> Kinds<'a> {
    /// One walk of the tree under `root`.
    fn of(root: Node<'a>) -> Kinds<'a> {
        // Sized for the nodes the walk visits: tree-sitter keeps their count.
        let count = root.descendant_count();
        let mut kinds = Kinds {
            lists: HashMap::new(),
            nodes: Vec::new(),
            order: Vec::with_capacity(count),
            parents: Vec::with_capacity(count),
            ends: Vec::with_capacity(count),
            fields: Vec::with_capacity(count),
            places: HashMap::with_capacity_and_hasher(count, BuildHasherDefault::default()),
        };
        // The list by kind id (several ids may share a name).
        let mut by_id: Vec<Option<usize>> = Vec::new();
        // The places of the nodes from the root down to the current one's parent.
        let mut lineage: Vec<usize> = Vec::new();
        let mut cursor = root.walk();
        loop {
            budget::checkpoint();
            let node = cursor.node();
            let order = kinds.order.len();
            kinds.order.push((node, lineage.len()));
            kinds
                .parents
                .push(lineage.last().map_or(NO_PARENT, |&p| place(p)));
            kinds.ends.push(place(order + 1));
            kinds.fields.push(cursor.field_id());
            kinds.places.insert(node.id(), order);
            if node.is_named() {
                let id = usize::from(node.kind_id());
                if by_id.len() <= id {
                    by_id.resize(id + 1, None);
                }
                let list = *by_id[id].get_or_insert_with(|| {
                    *kinds.lists.entry(node.kind()).or_insert_with(|| {
                        kinds.nodes.push(Vec::new());
                        kinds.nodes.len() - 1
                    })
                });
                kinds.nodes[list].push(place(order));
            }
            if cursor.goto_first_child() {
                lineage.push(order);
                continue;
            }
            // Up to the nearest ancestor with a next sibling, closing the subtrees left.
            while !cursor.goto_next_sibling() {
                let Some(closed) = lineage.pop() else {
                    return kinds;
                };
                cursor.goto_parent();
                kinds.ends[closed] = place(kinds.order.len());
            }
        }
    }

    /// What [`descendants_mentioning`] finds under the node at `place` for `word`, from the
    /// index: a subtree that does not contain the word is stepped over, not walked.
    fn mentioning(&self, place: usize, text: &str, word: &str, skip: &[&str]) -> Vec<Node<'a>> {
        let mentions = Mentions::of(self.order[place].0, text, word);
        let mut found = Vec::new();
        let mut at = place;
        while at < self.end(place) {
            budget::checkpoint();
            let node = self.order[at].0;
            if mentions.within(node) && !(at > place && skip.contains(&node.kind())) {
                found.push(node);
                at += 1;
            } else {
                at = self.end(at);
            }
        }
        found
    }

    /// The place after the last node of the subtree at `place`.
    fn end(&self, place: usize) -> usize {
        self.ends[place] as usize
    }

    /// The node at a place of [`Kinds::nodes`].
    fn node(&self, place: u32) -> Node<'a> {
        self.order[place as usize].0
    }

    /// The places of the nodes of `kind`.
    fn get(&self, kind: &str) -> Option<&[u32]> {
        self.lists
            .get(kind)
            .map(|&list| self.nodes[list].as_slice())
    }
}

/// Whether `inside`, which lies within `node`'s bytes, is `node` or one of its descendants. Only
/// a node spanning the same bytes (an ancestor, or a descendant) or an empty one (on an edge)
/// needs a walk to tell.
fn under(node: Node<'_>, inside: Node<'_>) -> bool {
    let ambiguous = inside.byte_range() == node.byte_range() || inside.byte_range().is_empty();
    !ambiguous || descendants(node).any(|n| n.id() == inside.id())
}

/// A walk of [`ParsedFile::mentioning`]: the scope's node id, the name, the kinds skipped.
type Mention = (usize, String, &'static [&'static str]);

impl<'a> ParsedFile<'a> {
    /// The file `source` parsed into `tree` (see [`tree`]).
    pub fn new(source: &'a SourceFile, tree: &'a Tree) -> ParsedFile<'a> {
        ParsedFile {
            source,
            tree,
            model: OnceCell::new(),
            symbols: OnceCell::new(),
            model_time: Cell::new(Duration::ZERO),
            project: None,
            mentions: RefCell::new(HashMap::new()),
            kinds: OnceCell::new(),
            assigned_once: OnceCell::new(),
            structs: OnceCell::new(),
            statements: OnceCell::new(),
            definitions: RefCell::new(HashMap::new()),
        }
    }

    /// The nodes of the file of any of the named `kinds`, in document order: what a walk of the
    /// whole tree filtered by kind finds, from one walk the detectors, facts and link share.
    pub fn of_kinds(&self, kinds: &[&str]) -> Vec<Node<'a>> {
        self.of_kinds_within(kinds, self.tree.root_node())
    }

    /// The nodes of any of the named `kinds` under `node` (itself included), in document order:
    /// what `descendants(node)` filtered by kind finds, from the file's index.
    pub fn of_kinds_within(&self, kinds: &[&str], node: Node<'_>) -> Vec<Node<'a>> {
        let index = self.index();
        let range = node.byte_range();
        let mut found: Vec<(usize, Node<'a>)> = Vec::new();
        for list in kinds.iter().filter_map(|kind| index.get(kind)) {
            // Each list is in document order, so by start.
            let first = list.partition_point(|&p| index.node(p).start_byte() < range.start);
            let inside = list[first..]
                .iter()
                .map(|&p| (p as usize, index.node(p)))
                .take_while(|(_, n)| n.start_byte() <= range.end)
                .filter(|(_, n)| n.end_byte() <= range.end && under(node, *n));
            found.extend(inside);
        }
        if kinds.len() > 1 {
            found.sort_unstable_by_key(|(order, _)| *order);
        }
        found.into_iter().map(|(_, node)| node).collect()
    }

    /// The nodes of the file of any of the named `kinds` that are not under another of them, in
    /// document order.
    pub fn outermost_of_kinds(&self, kinds: &[&str]) -> Vec<Node<'a>> {
        let index = self.index();
        let mut found: Vec<(usize, Node<'a>)> = kinds
            .iter()
            .filter_map(|kind| index.get(kind))
            .flatten()
            .map(|&p| (p as usize, index.node(p)))
            .collect();
        found.sort_unstable_by_key(|(place, _)| *place);
        let mut end = 0;
        found
            .into_iter()
            .filter(|&(place, _)| {
                let outermost = place >= end;
                if outermost {
                    end = index.end(place);
                }
                outermost
            })
            .map(|(_, node)| node)
            .collect()
    }

    /// The file's index of nodes by kind and of parents, walked on first use.
    fn index(&self) -> &Kinds<'a> {
        self.kinds.get_or_init(|| Kinds::of(self.tree.root_node()))
    }

    /// The parent of `node`, a node of this file's tree: what `node.parent()` finds, from the
    /// file's index instead of a search from the root on every call.
    pub fn parent<'t>(&'t self, node: Node<'_>) -> Option<Node<'t>> {
        let index = self.index();
        let parent = index.parents[self.place(node)?];
        (parent != NO_PARENT).then(|| index.order[parent as usize].0)
    }

    /// The children of `node`, a node of this file's tree or of a copy of it, in order, each with
    /// the grammar field it is in: what a cursor's walk of them finds, from the file's index.
    pub fn children_with_fields<'t>(
        &'t self,
        node: Node<'_>,
    ) -> impl Iterator<Item = (Node<'a>, Option<NonZeroU16>)> + use<'t, 'a> {
        let index = self.index();
        let (first, end) = match self.place(node) {
            Some(place) => (place + 1, index.end(place)),
            None => (0, 0),
        };
        let inside = move |child: usize| (child < end).then_some(child);
        std::iter::successors(inside(first), move |&child| inside(index.end(child)))
            .map(|child| (index.order[child].0, index.fields[child]))
    }

    /// The named children of `node`, a node of this file's tree or of a copy of it, in order: what
    /// [`crate::syntax::named_children`] finds, from the file's index.
    pub fn named_children<'t>(
        &'t self,
        node: Node<'_>,
    ) -> impl Iterator<Item = Node<'a>> + use<'t, 'a> {
        self.children_with_fields(node)
            .map(|(child, _)| child)
            .filter(|child| child.is_named())
    }

    /// Every node under `node` (itself included), a node of this file's tree or of a copy of it,
    /// in document order: what [`crate::syntax::descendants`] finds, from the file's index.
    pub fn descendants<'t>(
        &'t self,
        node: Node<'_>,
    ) -> impl Iterator<Item = Node<'a>> + use<'t, 'a> {
        let index = self.index();
        let places = match self.place(node) {
            Some(place) => place..index.end(place),
            None => 0..0,
        };
        index.order[places].iter().map(|&(node, _)| {
            budget::checkpoint();
            node
        })
    }

    /// Every node of the file (the root included) with its depth below the root, in document
    /// order: what a walk of the root's descendants finds, from the file's index.
    pub fn walk(&self) -> &[(Node<'a>, usize)] {
        &self.index().order
    }

    /// The ancestors of `node`, a node of this file's tree, nearest first.
    pub fn ancestors<'t>(&'t self, node: Node<'_>) -> impl Iterator<Item = Node<'t>> + use<'t, 'a> {
        std::iter::successors(self.parent(node), |&parent| self.parent(parent))
    }

    /// What [`crate::syntax::ancestors_from`] finds, from the file's index: the ancestors of
    /// `node` up to `root` (included), nearest first; only `root` when `node` is not under it.
    pub fn ancestors_from<'t>(&'t self, root: Node<'t>, node: Node<'_>) -> Vec<Node<'t>> {
        if root.id() == node.id() {
            return Vec::new();
        }
        let mut chain = Vec::new();
        for ancestor in self.ancestors(node) {
            chain.push(ancestor);
            if ancestor.id() == root.id() {
                return chain;
            }
        }
        vec![root]
    }

    /// The nodes under `scope` (itself included) that [`descendants_mentioning`] finds for
    /// `word`, up to `end`. Each scope is walked once per name: the taint tracer of every rule,
    /// the allowlist checks and the validators ask about the same variables.
    pub fn mentioning<'t>(
        &'t self,
        scope: Node<'t>,
        word: &str,
        end: usize,
        skip: &'static [&'static str],
    ) -> Vec<Node<'t>> {
        let key = (scope.id(), word.to_string(), skip);
        let cached = self.mentions.borrow().get(&key).cloned();
        let walked = match cached {
            Some(walked) => walked,
            None => {
                let text = &self.source.text;
                let Some(place) = self.place(scope) else {
                    return descendants_mentioning(scope, text, word, end, skip);
                };
                let walked: Rc<[Node<'a>]> =
                    self.index().mentioning(place, text, word, skip).into();
                self.mentions.borrow_mut().insert(key, Rc::clone(&walked));
                walked
            }
        };
        // In document order, so the nodes before `end` come first.
        let before = walked.partition_point(|node| node.start_byte() < end);
        walked[..before].to_vec()
    }

    /// The place in the file's index of `node`, a node of this file's tree or of a copy of it
    /// (whose nodes share their ids, but for the root's).
    fn place(&self, node: Node<'_>) -> Option<usize> {
        match self.index().places.get(&node.id()) {
            Some(&place) => Some(place),
            None => node.parent().is_none().then_some(0),
        }
    }

    /// The source text a node spans.
    pub fn text(&self, node: Node) -> &'a str {
        &self.source.text[node.byte_range()]
    }

    pub fn language(&self) -> Language {
        self.source.language
    }

    /// The file's handlers and their guards, built once, within the deadline of the rule that
    /// asks first.
    pub fn model(&self) -> &FileModel {
        let built = self.model.get_or_init(|| {
            let started = Instant::now();
            let model = budget::bounded(None, || FileModel::build(self));
            self.model_time.set(started.elapsed());
            model
        });
        match built {
            Ok(model) => model,
            Err(stopped) => budget::resume(stopped),
        }
    }

    /// Rust: the structs the file declares, read once (see
    /// [`crate::taint::debug_fields::struct_facts`]).
    pub fn structs(&self) -> &[crate::taint::debug_fields::StructFact] {
        self.structs
            .get_or_init(|| crate::taint::debug_fields::struct_facts(self))
    }

    /// Python: the file's statement-level nodes
    /// ([`crate::app::handlers::python::statement_level`]), walked once for the symbols, the
    /// model, the facts and the detectors.
    pub fn statement_level(&self) -> &[Node<'a>] {
        self.statements
            .get_or_init(|| crate::app::handlers::python::statement_level(self.tree.root_node()))
    }

    /// Python: the definition of `kind` (`function_definition`, `class_definition`) named `name`
    /// among the statements of `container`, decorated or not; the first one. Asked for every
    /// call the tracer meets, so each container's definitions are listed once.
    pub fn definition_in<'t>(
        &'t self,
        container: Node<'t>,
        kind: &str,
        name: &str,
    ) -> Option<Node<'t>> {
        let Some(own) = self
            .place(container)
            .map(|place| self.index().order[place].0)
        else {
            return definitions(&self.source.text, container)
                .get(&(kind, name))
                .copied();
        };
        let cached = self.definitions.borrow().get(&own.id()).cloned();
        let table = match cached {
            Some(table) => table,
            None => {
                let table = Rc::new(definitions(&self.source.text, own));
                self.definitions
                    .borrow_mut()
                    .insert(own.id(), Rc::clone(&table));
                table
            }
        };
        table.get(&(kind, name)).copied()
    }

    /// How long building the model took, zero if it was not needed.
    pub fn model_time(&self) -> Duration {
        self.model_time.get()
    }

    /// What the file's names refer to (imports, aliases, definitions), built once.
    /// Python: each name assigned at the top of the module, with its value when it is assigned
    /// there exactly once (`None` when more than once).
    pub fn assigned_once(&self) -> &HashMap<&'a str, Option<Node<'a>>> {
        self.assigned_once.get_or_init(|| {
            let mut assigned: HashMap<&'a str, Option<Node<'a>>> = HashMap::new();
            for statement in crate::syntax::named_children(self.tree.root_node()) {
                let Some(assignment) = statement
                    .named_child(0)
                    .filter(|_| statement.kind() == "expression_statement")
                    .filter(|assignment| assignment.kind() == "assignment")
                else {
                    continue;
                };
                let (Some(left), Some(right)) = (
                    assignment.field_child("left"),
                    assignment.field_child("right"),
                ) else {
                    continue;
                };
                assigned
                    .entry(self.text(left))
                    .and_modify(|value| *value = None)
                    .or_insert(Some(right));
            }
            assigned
        })
    }

    pub fn symbols(&self) -> &FileSymbols {
        self.symbols.get_or_init(|| FileSymbols::build(self))
    }

    /// The first node tree-sitter had to recover from, if the file has syntax errors.
    pub fn first_syntax_error(&self) -> Option<Node<'_>> {
        let root = self.tree.root_node();
        if !root.has_error() {
            return None;
        }
        let mut node = root;
        'descend: loop {
            if node.is_error() || node.is_missing() {
                return Some(node);
            }
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.has_error() {
                    node = child;
                    continue 'descend;
                }
            }
            return Some(node);
        }
    }
}

/// Why a file is not parsed at all, when its shape would crash the parser.
pub fn unparsable(source: &SourceFile) -> Option<String> {
    if source.language != Language::Python {
        return None;
    }
    let widths = indentation_widths(&source.text);
    (widths >= MAX_PYTHON_INDENT_WIDTHS).then(|| {
        format!(
            "indented more than the Python parser can handle ({widths} different indentation widths, limit {MAX_PYTHON_INDENT_WIDTHS}); skipped"
        )
    })
}

/// How many different indentation widths the lines of `text` have, counted as tree-sitter-python's
/// scanner counts them (a space 1, a tab 8, `\r` and `\f` start again, a backslash-newline
/// continues the run), up to [`MAX_PYTHON_INDENT_WIDTHS`]. Its indentation stack holds increasing
/// widths, so it never grows deeper than this.
fn indentation_widths(text: &str) -> usize {
    let mut seen = vec![false; usize::from(u16::MAX) + 1];
    let mut count = 0;
    let mut width: u16 = 0;
    let mut at_line_start = true;
    let mut bytes = text.bytes().peekable();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\n' | b'\r' | b'\x0c' => {
                width = 0;
                at_line_start = true;
            }
            b' ' if at_line_start => width = width.wrapping_add(1),
            b'\t' if at_line_start => width = width.wrapping_add(8),
            b'\\' if at_line_start && matches!(bytes.peek(), Some(b'\n' | b'\r')) => {
                bytes.next_if_eq(&b'\r');
                bytes.next_if_eq(&b'\n');
            }
            _ if at_line_start => {
                at_line_start = false;
                if !std::mem::replace(&mut seen[usize::from(width)], true) {
                    count += 1;
                    if count >= MAX_PYTHON_INDENT_WIDTHS {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    count
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// Parse a file with this thread's parser for its language, within the current deadline (see
/// [`budget`]; past it the work stops as timed out). `None` only if tree-sitter gives up (it
/// recovers from syntax errors, so in practice only with an incompatible grammar).
pub fn tree(source: &SourceFile) -> Option<Tree> {
    let slot = match source.language {
        Language::Python => 0,
        Language::Rust => 1,
    };
    let tree = PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = match &mut parsers[slot] {
            Some(parser) => parser,
            empty => {
                let mut parser = Parser::new();
                parser.set_language(&source.language.grammar()).ok()?;
                empty.insert(parser)
            }
        };
        // Error recovery can take long on a hostile file: parsing stops at the deadline.
        let mut progress = |_: &ParseState| {
            if budget::expired() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let bytes = source.text.as_bytes();
        let tree = parser.parse_with_options(
            &mut |offset, _| &bytes[offset.min(bytes.len())..],
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        if tree.is_none() {
            // A stopped parse would resume on the next file otherwise.
            parser.reset();
        }
        tree
    });
    if tree.is_none() {
        budget::check_clock();
    }
    tree
}

/// For unit tests: `f` of `text` parsed as a file at `path`.
#[cfg(test)]
pub(crate) fn with_parsed<T>(
    path: &str,
    language: Language,
    text: &str,
    f: impl FnOnce(&ParsedFile) -> T,
) -> T {
    let source = SourceFile::new(path.into(), path.into(), language, text.into());
    let tree = tree(&source).expect("the test text parses");
    f(&ParsedFile::new(&source, &tree))
}

/// For unit tests: `f` of `text` parsed as a file at `path` and its first function.
#[cfg(test)]
pub(crate) fn with_first_function<T>(
    path: &str,
    language: Language,
    text: &str,
    f: impl FnOnce(&ParsedFile, Node) -> T,
) -> T {
    with_parsed(path, language, text, |file| {
        let function = crate::syntax::descendants(file.tree.root_node())
            .find(|n| matches!(n.kind(), "function_definition" | "function_item"))
            .expect("the test text has a function");
        f(file, function)
    })
}

/// The functions and classes among the statements of `container`, decorated or not.
fn definitions<'n>(text: &'n str, container: Node<'n>) -> Definitions<'n> {
    let mut table: Definitions<'n> = HashMap::new();
    for statement in crate::syntax::named_children(container) {
        let definition = match statement.kind() {
            "decorated_definition" => match statement.field_child("definition") {
                Some(definition) => definition,
                None => continue,
            },
            _ => statement,
        };
        let kind = definition.kind();
        if kind != "function_definition" && kind != "class_definition" {
            continue;
        }
        if let Some(name) = definition.field_child("name") {
            // The last definition is the one that runs (after `@overload` stubs, say).
            table.insert((kind, &text[name.byte_range()]), definition);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(language: Language, text: String) -> SourceFile {
        SourceFile::new("t".into(), "t".into(), language, text)
    }

    /// `depth` nested `if` blocks, `step` columns apart, and an open string at the bottom.
    fn nested(depth: usize, step: &str) -> String {
        let mut text = String::new();
        for level in 0..depth {
            text.push_str(&format!("{}if x:\n", step.repeat(level)));
        }
        text + &step.repeat(depth) + "s = '''open\n"
    }

    #[test]
    fn python_nested_past_the_scanner_is_not_parsed() {
        let deep = source(Language::Python, nested(520, " "));
        assert!(unparsable(&deep).is_some_and(|why| why.contains("indent")));
        // Tabs count 8 columns, as in the scanner; still one width per level.
        assert!(unparsable(&source(Language::Python, nested(520, "\t"))).is_some());
        // Backslash-newline continues the indentation run instead of starting a new line.
        let continued = (0..520)
            .map(|level| format!("{}\\\n{}x = 1\n", " ".repeat(level), " ".repeat(level)))
            .collect::<String>();
        assert!(unparsable(&source(Language::Python, continued)).is_some());
    }

    #[test]
    fn ordinary_and_rust_files_are_parsed() {
        // Deep but within the limit, with many lines at few widths.
        let text = nested(100, "    ") + &"x = 1\n".repeat(10_000);
        assert!(unparsable(&source(Language::Python, text)).is_none());
        assert!(unparsable(&source(Language::Rust, nested(600, " "))).is_none());
        // A file at the limit's edge parses without aborting the process.
        let edge = source(Language::Python, nested(MAX_PYTHON_INDENT_WIDTHS - 2, " "));
        assert!(unparsable(&edge).is_none());
        assert!(tree(&edge).is_some());
    }
}
