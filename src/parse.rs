//! Parsing with tree-sitter: one parser per language per worker thread.

use crate::model::FileModel;
use crate::source::{Language, SourceFile};
use crate::symbols::FileSymbols;
use std::cell::{Cell, OnceCell, RefCell};
use std::time::{Duration, Instant};
use tree_sitter::{Node, Parser, Tree};

/// A source file with its syntax tree and, built on first use, its handler model (shared by
/// the rules, the detectors and the project facts of the file).
pub struct ParsedFile<'a> {
    pub source: &'a SourceFile,
    pub tree: Tree,
    model: OnceCell<FileModel>,
    symbols: OnceCell<FileSymbols>,
    /// How long building the model took (for `--profile`).
    model_time: Cell<Duration>,
}

impl<'a> ParsedFile<'a> {
    /// The source text a node spans.
    pub fn text(&self, node: Node) -> &'a str {
        &self.source.text[node.byte_range()]
    }

    pub fn language(&self) -> Language {
        self.source.language
    }

    /// The file's handlers and their guards, built once.
    pub fn model(&self) -> &FileModel {
        self.model.get_or_init(|| {
            let started = Instant::now();
            let model = FileModel::build(self);
            self.model_time.set(started.elapsed());
            model
        })
    }

    /// How long building the model took, zero if it was not needed.
    pub fn model_time(&self) -> Duration {
        self.model_time.get()
    }

    /// What the file's names refer to (imports, aliases, definitions), built once.
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

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// Parse a file with this thread's parser for its language. `None` only if tree-sitter gives up
/// (it recovers from syntax errors, so in practice on cancellation or an incompatible grammar).
pub fn parse(source: &SourceFile) -> Option<ParsedFile<'_>> {
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
        parser.parse(&source.text, None)
    })?;
    Some(ParsedFile {
        source,
        tree,
        model: OnceCell::new(),
        symbols: OnceCell::new(),
        model_time: Cell::new(Duration::ZERO),
    })
}
