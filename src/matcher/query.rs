//! Raw tree-sitter queries as an escape hatch in rule files.
//!
//! The node captured as `@match` is the match; every other capture `@NAME` binds the
//! metavariable `$NAME`. A query runs once per file; its hits are then looked up per node.

use super::{SgDoc, SgNode};
use crate::parse::ParsedFile;
use ast_grep_core::meta_var::MetaVarEnv;
use ast_grep_core::AstGrep as Root;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use tree_sitter::{Query, QueryCursor, QueryCursorOptions, QueryCursorState, StreamingIterator};

/// Identifies a node by what tree-sitter knows of it: byte range and kind.
type NodeKey = (usize, usize, u16);

/// A tree-sitter query, compiled when first run (see [`QueryAtom::deferred`]), and what its text
/// says about its matches.
pub struct QueryAtom {
    source: String,
    language: tree_sitter::Language,
    /// The compiled query and the index of `@match`; `None` if it does not compile.
    query: OnceLock<Option<(Arc<Query>, u32)>>,
    /// Capture names other than `match`: the metavariables the query binds.
    bound: Vec<String>,
    /// Node types the `@match` capture can have, when the source says so.
    match_kinds: Option<Vec<String>>,
    /// Literal sets every match needs one literal of each of (from the `#eq?` and `#match?`
    /// predicates of a one-pattern query).
    literals: Vec<Vec<String>>,
    /// For a query that is one node with captures on it and on children in its fields, like
    /// `(identifier) @V @match` or `(pair key: (string) @K value: (_) @V) @match`: its shape.
    /// Such a query is answered by looking at the node, without compiling or running it.
    shape: Option<NodeShape>,
    /// The node types the query's patterns start with, when each starts with one (see
    /// [`pattern_roots`]): the query runs only on the outermost nodes of those types.
    roots: Option<Vec<String>>,
}

/// The captures of one query match: `(name, node)` for every capture but `@match`.
type Captures = Vec<(String, NodeKey)>;

/// Every hit of one query in one file, by `@match` node.
pub(super) type QueryHits = HashMap<NodeKey, Vec<Captures>>;

impl QueryAtom {
    /// Compile `source` for `language`; the error text explains what is wrong.
    pub fn new(source: &str, language: &tree_sitter::Language) -> Result<QueryAtom, String> {
        let query = compiled(source, language)?;
        let match_capture = query
            .capture_index_for_name("match")
            .ok_or_else(|| "the query has no `@match` capture to report".to_string())?;
        let atom = QueryAtom {
            bound: query
                .capture_names()
                .iter()
                .filter(|name| **name != "match")
                .map(|name| name.to_string())
                .collect(),
            literals: if query.pattern_count() == 1 {
                predicate_literals(source)
            } else {
                Vec::new()
            },
            ..QueryAtom::deferred(source, language)
        };
        let _ = atom.query.set(Some((query, match_capture)));
        Ok(atom)
    }

    /// A query of a built-in rule (which the test suite compiles): its captures and patterns are
    /// read from the text, and tree-sitter's query analysis, which takes milliseconds per query,
    /// waits until a file needs it.
    pub fn deferred(source: &str, language: &tree_sitter::Language) -> QueryAtom {
        let (captures, patterns) = outline(source);
        QueryAtom {
            source: source.to_string(),
            language: language.clone(),
            query: OnceLock::new(),
            bound: captures
                .into_iter()
                .filter(|name| name != "match")
                .collect(),
            match_kinds: match_kinds(source),
            literals: if patterns == 1 {
                predicate_literals(source)
            } else {
                Vec::new()
            },
            shape: NodeShape::read(source),
            roots: pattern_roots(source, language),
        }
    }

    /// The shape of a one-node query (see [`QueryAtom::shape`]).
    pub(super) fn shape(&self) -> Option<&NodeShape> {
        self.shape.as_ref()
    }

    /// The compiled query and the index of its `@match` capture.
    fn compiled(&self) -> Option<&(Arc<Query>, u32)> {
        self.query
            .get_or_init(|| {
                let query = compiled(&self.source, &self.language).ok()?;
                let index = query.capture_index_for_name("match")?;
                Some((query, index))
            })
            .as_ref()
    }

    /// Node types the `@match` capture can have, if known.
    pub fn match_kinds(&self) -> Option<&[String]> {
        self.match_kinds.as_deref()
    }

    /// Literal sets one literal of each of which must occur in a file for the query to match.
    pub fn required_literals(&self) -> &[Vec<String>] {
        &self.literals
    }

    /// The node types the query's patterns start with, when each starts with one.
    pub fn roots(&self) -> Option<&[String]> {
        self.roots.as_deref()
    }

    /// Capture names other than `match`, i.e. the metavariables the query binds.
    pub fn bound_names(&self) -> impl Iterator<Item = &str> {
        self.bound.iter().map(String::as_str)
    }

    /// Run the query over a whole file: `@match` node → the captures of each match there. A
    /// query whose patterns start with known node types runs on the outermost nodes of those
    /// types (every match lies in one) instead of on the whole tree.
    pub(super) fn run(&self, file: &ParsedFile) -> QueryHits {
        let mut hits = QueryHits::new();
        let Some((query, match_capture)) = self.compiled() else {
            return hits;
        };
        let starts = match &self.roots {
            Some(roots) => {
                file.outermost_of_kinds(&roots.iter().map(String::as_str).collect::<Vec<_>>())
            }
            None => vec![file.tree.root_node()],
        };
        let mut cursor = QueryCursor::new();
        let names = query.capture_names();
        // A query can take long on a pathological tree: it stops at the rule's deadline.
        let mut progress = |_: &QueryCursorState| {
            if crate::budget::expired() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        for start in starts {
            let mut matches = cursor.matches_with_options(
                query,
                start,
                file.source.text.as_bytes(),
                QueryCursorOptions::new().progress_callback(&mut progress),
            );
            while let Some(found) = matches.next() {
                let mut target = None;
                let mut captures = Vec::new();
                for capture in found.captures() {
                    let key = key_of(capture.node);
                    if capture.index == *match_capture {
                        target = Some(key);
                    } else {
                        captures.push((names[capture.index as usize].to_string(), key));
                    }
                }
                if let Some(target) = target {
                    hits.entry(target).or_default().push(captures);
                }
            }
        }
        crate::budget::check_clock();
        hits
    }
}

/// The compiled query for `source`: tree-sitter's query analysis takes milliseconds, and rules
/// repeat the same query (a taint sanitizer binding `(identifier) @V @match`), so each text is
/// compiled once per grammar and shared.
fn compiled(source: &str, language: &tree_sitter::Language) -> Result<Arc<Query>, String> {
    type Cache = Mutex<HashMap<(String, usize, String), Arc<Query>>>;
    static CACHE: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = (
        language.name().unwrap_or_default().to_string(),
        language.node_kind_count(),
        source.to_string(),
    );
    if let Some(query) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(query));
    }
    let query = Arc::new(Query::new(language, source).map_err(|err| err.to_string())?);
    CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, Arc::clone(&query));
    Ok(query)
}

/// Bind the captures of the first hit on `node` into `env`; false when the query has no hit there.
pub(super) fn bind_hit<'t>(
    hits: &QueryHits,
    root: &'t Root<SgDoc>,
    node: &SgNode<'t>,
    env: &mut Cow<MetaVarEnv<'t, SgDoc>>,
) -> bool {
    let Some(all) = hits.get(&key_of(node.get_inner_node())) else {
        return false;
    };
    all.iter().any(|captures| {
        let mut trial = Cow::Borrowed(env.as_ref());
        let bound = captures.iter().all(|(name, key)| {
            resolve(root, *key)
                .is_some_and(|captured| trial.to_mut().insert(name, captured).is_some())
        });
        if bound {
            if let Cow::Owned(owned) = trial {
                *env = Cow::Owned(owned);
            }
        }
        bound
    })
}

/// The node type written just before each `@match`, e.g. `(call ...) @match` → `call`;
/// `None` when any is a wildcard or an alternation.
fn match_kinds(source: &str) -> Option<Vec<String>> {
    let bytes = source.as_bytes();
    let mut kinds = Vec::new();
    for (at, _) in source.match_indices("@match") {
        let mut end = at;
        while end > 0 && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        if end == 0 || bytes[end - 1] != b')' {
            return None;
        }
        let mut depth = 0usize;
        let mut open = None;
        for i in (0..end).rev() {
            match bytes[i] {
                b')' => depth += 1,
                b'(' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let name: String = source[open? + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name == "_" {
            return None;
        }
        kinds.push(name);
    }
    (!kinds.is_empty()).then_some(kinds)
}

/// Literal sets every match of a one-pattern query needs one literal of each of: the longest
/// `#eq?` string, and what each `#match?` regex on a capture that every match has requires (see
/// [`certain_captures`]).
fn predicate_literals(source: &str) -> Vec<Vec<String>> {
    let certain = certain_captures(source);
    let matched = source.split("#match?").skip(1).filter_map(|rest| {
        let rest = rest.trim_start().strip_prefix('@')?;
        let capture: String = rest.chars().take_while(|&c| is_capture_char(c)).collect();
        if !certain.contains(&capture) {
            return None;
        }
        let (_, string) = rest.split_once('"')?;
        Some(super::prefilter::regex_literals(&unescape(string)?))
    });
    eq_literals(source)
        .into_iter()
        .chain(matched.flatten())
        .collect()
}

/// A query string's value up to its closing quote, with tree-sitter's escapes (`\n`, `\t`,
/// `\r`, `\0`; any other escaped character stands for itself).
fn unescape(string: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = string.chars();
    loop {
        match chars.next()? {
            '"' => return Some(value),
            '\\' => value.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                other => other,
            }),
            c => value.push(c),
        }
    }
}

fn is_capture_char(c: char) -> bool {
    c.is_alphanumeric() || "_-.?!".contains(c)
}

/// The captures that every match of a query binds: written outside predicates, never inside an
/// alternation (`[…]`) or a group or node quantified with `?` or `*`, nor quantified themselves.
fn certain_captures(source: &str) -> BTreeSet<String> {
    #[derive(PartialEq)]
    enum Open {
        Node,
        Alternation,
        Predicate,
    }
    let chars: Vec<char> = source.chars().collect();
    // Open groups, with their index in order of opening.
    let mut open: Vec<(usize, Open)> = Vec::new();
    let mut groups = 0;
    let mut optional = BTreeSet::new();
    // Each capture written outside predicates: its name, the groups around it, and whether it
    // sits in an alternation or on a quantified node.
    let mut written: Vec<(String, Vec<usize>, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += usize::from(chars[i] == '\\') + 1;
                }
            }
            ';' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '(' if chars.get(i + 1) == Some(&'#') => {
                open.push((groups, Open::Predicate));
                groups += 1;
            }
            c @ ('(' | '[') => {
                let kind = if c == '[' {
                    Open::Alternation
                } else {
                    Open::Node
                };
                open.push((groups, kind));
                groups += 1;
            }
            ')' | ']' => {
                if let Some((group, _)) = open.pop() {
                    if quantified_after(&chars, i + 1) {
                        optional.insert(group);
                    }
                }
            }
            '@' => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|&&c| is_capture_char(c))
                    .collect();
                if !open.iter().any(|(_, kind)| *kind == Open::Predicate) {
                    let doubtful = open.iter().any(|(_, kind)| *kind == Open::Alternation)
                        || quantified_before(&chars, i);
                    let within = open.iter().map(|(group, _)| *group).collect();
                    written.push((name.clone(), within, doubtful));
                }
                i += name.chars().count();
            }
            _ => {}
        }
        i += 1;
    }
    let mut certain = BTreeSet::new();
    let mut doubtful = BTreeSet::new();
    for (name, within, uncertain) in written {
        if uncertain || within.iter().any(|group| optional.contains(group)) {
            doubtful.insert(name);
        } else {
            certain.insert(name);
        }
    }
    &certain - &doubtful
}

/// Whether a quantifier (`?`, `*`) follows position `at`, past whitespace.
fn quantified_after(chars: &[char], at: usize) -> bool {
    chars[at.min(chars.len())..]
        .iter()
        .find(|c| !c.is_whitespace())
        .is_some_and(|&c| c == '?' || c == '*')
}

/// Whether the node a capture at position `at` is written on is quantified (`(x)? @c`), past
/// whitespace and other captures of the same node.
fn quantified_before(chars: &[char], at: usize) -> bool {
    let mut end = at;
    loop {
        while end > 0 && chars[end - 1].is_whitespace() {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && is_capture_char(chars[start - 1]) {
            start -= 1;
        }
        if start > 0 && start < end && chars[start - 1] == '@' {
            end = start - 1;
            continue;
        }
        return end > 0 && matches!(chars[end - 1], '?' | '*');
    }
}

/// The string literals of `#eq?` predicates: `(#eq? @fn "exec")` → `exec`.
fn eq_literals(source: &str) -> Option<Vec<String>> {
    let literals: Vec<String> = source
        .split("#eq?")
        .skip(1)
        .filter_map(|rest| rest.split('"').nth(1))
        .filter(|literal| literal.len() >= 3)
        .map(str::to_string)
        .collect();
    literals
        .into_iter()
        .max_by_key(String::len)
        .map(|longest| vec![longest])
}

/// A query of one named node, with captures on it and on one named child in each of some of
/// its fields: `(identifier) @V @match`, `(pair key: (string) @K value: (_) @V) @match`. No
/// anchors, predicates, alternations, quantifiers or deeper children.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct NodeShape {
    kind: String,
    /// The captures on the node itself, `match` included.
    captures: Vec<String>,
    /// Per field: the child's type (`None` for `(_)`, any named node) and its captures.
    fields: Vec<(String, Option<String>, Vec<String>)>,
}

impl NodeShape {
    /// The shape of `source`, when it is such a query with a `@match` on the node.
    fn read(source: &str) -> Option<NodeShape> {
        let tokens = shape_tokens(source)?;
        let mut at = 0;
        let kind = named_node(&tokens, &mut at)?;
        let mut fields = Vec::new();
        while let Some(field) = tokens.get(at).and_then(|t| t.strip_suffix(':')) {
            at += 1;
            let child = named_node(&tokens, &mut at)?;
            if tokens.get(at).map(String::as_str) != Some(")") {
                return None;
            }
            at += 1;
            let captures = shape_captures(&tokens, &mut at);
            fields.push((field.to_string(), (child != "_").then_some(child), captures));
        }
        if tokens.get(at).map(String::as_str) != Some(")") || kind == "_" {
            return None;
        }
        at += 1;
        let captures = shape_captures(&tokens, &mut at);
        (at == tokens.len() && captures.iter().any(|c| c == "match")).then_some(NodeShape {
            kind,
            captures,
            fields,
        })
    }

    /// The node's type.
    pub(super) fn kind(&self) -> &str {
        &self.kind
    }

    /// What the query binds on `node` (of the shape's type), every capture but `match`; `None`
    /// when a field has no child of the type asked.
    pub(super) fn bindings<'t>(&self, node: &SgNode<'t>) -> Option<Vec<(&str, SgNode<'t>)>> {
        let mut bound: Vec<(&str, SgNode<'t>)> = self
            .captures
            .iter()
            .filter(|name| *name != "match")
            .map(|name| (name.as_str(), node.clone()))
            .collect();
        for (field, kind, captures) in &self.fields {
            let child = node.field_children(field).find(|child| {
                child.is_named() && kind.as_deref().is_none_or(|kind| child.kind() == kind)
            })?;
            bound.extend(captures.iter().map(|name| (name.as_str(), child.clone())));
        }
        Some(bound)
    }
}

/// The tokens of a query in [`NodeShape`]'s subset: `(`, `)`, `field:`, `@capture` and type
/// names; `None` at anything else (anchors, predicates, strings, comments, brackets).
fn shape_tokens(source: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in source.chars() {
        match c {
            '(' | ')' => {
                if !word.is_empty() {
                    tokens.push(std::mem::take(&mut word));
                }
                tokens.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    tokens.push(std::mem::take(&mut word));
                }
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | ':') => word.push(c),
            _ => return None,
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    let plain = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    tokens
        .iter()
        .all(|t| {
            matches!(t.as_str(), "(" | ")")
                || plain(
                    t.strip_prefix('@')
                        .or_else(|| t.strip_suffix(':'))
                        .unwrap_or(t),
                )
        })
        .then_some(tokens)
}

/// `(type` at `at`: the type, with `at` moved past it.
fn named_node(tokens: &[String], at: &mut usize) -> Option<String> {
    if tokens.get(*at).map(String::as_str) != Some("(") {
        return None;
    }
    let kind = tokens.get(*at + 1)?;
    if kind.starts_with('@') || kind.ends_with(':') || kind == "(" || kind == ")" {
        return None;
    }
    *at += 2;
    Some(kind.clone())
}

/// The `@capture`s at `at`, with `at` moved past them.
fn shape_captures(tokens: &[String], at: &mut usize) -> Vec<String> {
    let mut names = Vec::new();
    while let Some(name) = tokens.get(*at).and_then(|t| t.strip_prefix('@')) {
        names.push(name.to_string());
        *at += 1;
    }
    names
}

/// The node type each top-level pattern of a query starts with (`(call …) @match` → `call`),
/// read from its text; `None` when a pattern starts otherwise (a wildcard, an alternation, a
/// group, a string), is quantified, or starts with a type no node has (a supertype) or that
/// `language` does not know.
fn pattern_roots(source: &str, language: &tree_sitter::Language) -> Option<Vec<String>> {
    let mut roots: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                if depth == 0 {
                    return None;
                }
                skip_string(&mut chars);
            }
            ';' => skip_comment(&mut chars),
            '(' | '[' => {
                if depth == 0 {
                    let mut name = String::new();
                    while let Some(&c) = chars
                        .peek()
                        .filter(|c| c.is_ascii_alphanumeric() || **c == '_')
                    {
                        name.push(c);
                        chars.next();
                    }
                    let id = language.id_for_node_kind(&name, true);
                    let plain = c == '(' && !matches!(name.as_str(), "" | "_") && id != 0;
                    if !plain
                        || !language.node_kind_is_visible(id)
                        || language.node_kind_is_supertype(id)
                    {
                        return None;
                    }
                    if !roots.contains(&name) {
                        roots.push(name);
                    }
                }
                depth += 1;
            }
            ')' | ']' => depth = depth.checked_sub(1)?,
            '@' => {
                while chars.peek().is_some_and(|&c| is_capture_char(c)) {
                    chars.next();
                }
            }
            c if depth == 0 && !c.is_whitespace() => return None,
            _ => {}
        }
    }
    (!roots.is_empty()).then_some(roots)
}

/// The capture names (in order of first appearance) and the number of top-level patterns of a
/// query, read from its text: strings and `;` comments are skipped, and every parenthesis or
/// bracket opened at the top level (other than a predicate) starts a pattern.
fn outline(source: &str) -> (Vec<String>, usize) {
    let mut captures: Vec<String> = Vec::new();
    let mut patterns = 0;
    let mut depth = 0usize;
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                if depth == 0 {
                    patterns += 1;
                }
                skip_string(&mut chars);
            }
            ';' => skip_comment(&mut chars),
            '(' | '[' => {
                if depth == 0 && chars.peek() != Some(&'#') {
                    patterns += 1;
                }
                depth += 1;
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '@' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if !(c.is_alphanumeric() || "_-.?!".contains(c)) {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                if !name.is_empty() && !captures.contains(&name) {
                    captures.push(name);
                }
            }
            _ => {}
        }
    }
    (captures, patterns)
}

fn key_of(node: tree_sitter::Node) -> NodeKey {
    (node.start_byte(), node.end_byte(), node.kind_id())
}

/// Find the node with this range and kind in `root`.
fn resolve(root: &Root<SgDoc>, (start, end, kind): NodeKey) -> Option<SgNode<'_>> {
    let mut inner = root
        .root()
        .get_inner_node()
        .descendant_for_byte_range(start, end)?;
    while inner.kind_id() != kind || inner.start_byte() != start || inner.end_byte() != end {
        inner = inner.parent()?;
        if inner.end_byte() - inner.start_byte() > end - start {
            return None;
        }
    }
    Some(root.adopt(inner))
}

/// Skip the rest of a query string after its opening quote (escapes included).
fn skip_string(chars: &mut impl Iterator<Item = char>) {
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => break,
            _ => {}
        }
    }
}

/// Skip the rest of a `;` comment's line.
fn skip_comment(chars: &mut impl Iterator<Item = char>) {
    for c in chars.by_ref() {
        if c == '\n' {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{certain_captures, predicate_literals, NodeShape, QueryAtom};
    use std::sync::Arc;

    #[test]
    fn match_predicates_on_captures_every_match_has_give_literals() {
        let query = r#"(call
              function: (attribute object: (_) @JWT attribute: (identifier) @M)
              arguments: (argument_list [(identifier) @ID (string)] @HOW (comment)? @C)
              (#match? @JWT "^([A-Za-z_]\\w*\\.)*(jwt|jws)$")
              (#match? @ID "^secret_key$")) @match"#;
        let certain = certain_captures(query);
        for name in ["JWT", "M", "HOW", "match"] {
            assert!(certain.contains(name), "{name}");
        }
        assert!(!certain.contains("ID") && !certain.contains("C"));
        let literals = predicate_literals(query);
        assert_eq!(literals.len(), 1);
        assert!(["jwt", "jws"]
            .iter()
            .all(|l| literals[0].contains(&l.to_string())));
        let optional = r#"(call (attribute object: (_) @JWT)? (#match? @JWT "jwt$")) @match"#;
        assert!(predicate_literals(optional).is_empty());
        let repeated = r#"((identifier)* @ID (#match? @ID "^secret")) @match"#;
        assert!(predicate_literals(repeated).is_empty());
    }

    #[test]
    fn queries_start_at_the_node_types_their_patterns_start_with() {
        let python = crate::source::Language::Python.grammar();
        let roots = |text| super::pattern_roots(text, &python);
        let two = "(pair key: (string) @K) @match ; (x\n(call) @match\n(pair) @match";
        assert_eq!(
            roots(two),
            Some(vec!["pair".to_string(), "call".to_string()])
        );
        for other in [
            "(_) @match",
            "[(call) (pair)] @match",
            "((call) @match (#eq? @match \"x\"))",
            "(comment)+ @match",
            "(expression) @match",
            "(no_such_kind) @match",
        ] {
            assert_eq!(roots(other), None, "{other}");
        }
    }

    #[test]
    fn the_same_query_is_compiled_once_per_grammar() {
        let python = crate::source::Language::Python.grammar();
        let rust = crate::source::Language::Rust.grammar();
        let text = "(identifier) @V @match";
        let first = QueryAtom::new(text, &python).unwrap();
        let second = QueryAtom::new(text, &python).unwrap();
        let other = QueryAtom::new(text, &rust).unwrap();
        let query = |atom: &QueryAtom| Arc::clone(&atom.compiled().unwrap().0);
        assert!(Arc::ptr_eq(&query(&first), &query(&second)));
        assert!(!Arc::ptr_eq(&query(&first), &query(&other)));
        assert!(QueryAtom::new("(no_such_kind) @match", &python).is_err());
    }

    #[test]
    fn deferred_queries_read_captures_and_patterns_from_the_text() {
        let python = crate::source::Language::Python.grammar();
        let text = r#"
            ; a comment with @not_a_capture and (parens
            ((call function: (identifier) @F) @match (#eq? @F "exec"))
        "#;
        let deferred = QueryAtom::deferred(text, &python);
        let compiled = QueryAtom::new(text, &python).unwrap();
        assert_eq!(deferred.bound, compiled.bound);
        assert_eq!(deferred.literals, compiled.literals);
        assert_eq!(deferred.literals, [["exec".to_string()]]);
        assert_eq!(deferred.shape(), None);
        let single = QueryAtom::deferred("(identifier) @V @match", &python);
        assert_eq!(single.shape().map(NodeShape::kind), Some("identifier"));
        assert_eq!(single.bound_names().collect::<Vec<_>>(), ["V"]);
        let read = NodeShape::read;
        assert_eq!(read("(call (identifier)) @match"), None);
        assert_eq!(read("(call) @match (#eq? @match \"x\")"), None);
        assert_eq!(read("(assert_statement . (_) @C) @match"), None);
        assert_eq!(read("(pair key: (string) @K)"), None);
        assert_eq!(
            read("(pair key: (string) @K value: (_) @V) @match"),
            Some(NodeShape {
                kind: "pair".into(),
                captures: vec!["match".into()],
                fields: vec![
                    ("key".into(), Some("string".into()), vec!["K".into()]),
                    ("value".into(), None, vec!["V".into()]),
                ],
            })
        );
        let two = "(call) @match (identifier) @match";
        assert_eq!(super::outline(two).1, 2);
        assert!(QueryAtom::deferred(two, &python).literals.is_empty());
    }
}
