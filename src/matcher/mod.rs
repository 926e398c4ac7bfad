//! The declarative matcher: code patterns (matched by ast-grep-core), node kinds, regexes, raw
//! tree-sitter queries, combinators, relational conditions and predicates over the file's model.
//!
//! A [`Matcher`] is compiled once from a rule file (see [`crate::rules`]) and evaluated on every
//! node of a file whose kind it can match, in one walk per file (see [`crate::check`]).

mod eval;
mod lang;
mod lazy_regex;
mod pattern;
mod prefilter;
mod query;
mod regex_literals;

pub use eval::{FileMatches, Found};
pub use lang::{expand_metavariables, SgDoc, SgLang, SgNode};
pub use lazy_regex::LazyRegex;
pub use pattern::AnchoredPattern;
pub use prefilter::Prefilter;
pub(crate) use prefilter::{finder, folds_outside_ascii};
pub use query::QueryAtom;

use crate::app::handlers::HandlerFilter;

/// One condition on a node. Several conditions in one YAML mapping are combined with [`Condition::All`].
pub enum Condition {
    /// A code pattern with metavariables.
    Pattern(Box<AnchoredPattern>),
    /// The node's kind (grammar type) is one of these names.
    Kind(KindSet),
    /// The node's source text matches.
    Regex(LazyRegex),
    /// A raw tree-sitter query whose `@match` capture is this node.
    Query(Box<QueryAtom>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// Some ancestor satisfies the condition.
    Inside(Relation),
    /// Some descendant satisfies the condition.
    Has(Relation),
    /// Some earlier sibling satisfies the condition.
    Follows(Relation),
    /// Some later sibling satisfies the condition.
    Precedes(Relation),
    /// The node is inside an HTTP handler accepted by the filter.
    InHandler(HandlerFilter),
    /// The node is test code (see [`crate::testcode`]).
    InTestCode,
    /// The value named at the node is used as an object in its function (see
    /// [`crate::taint::objects`]).
    UsedAsObject,
    /// The metavariables bound so far satisfy every constraint (a nested `where:`).
    Where(Vec<Constraint>),
    /// Always holds; when the inner condition holds too, the finding is one step less
    /// confident (`lower-confidence:`) or severe (`lower-severity:`).
    Lower(Lowering, Box<Condition>),
}

/// What a [`Condition::Lower`] lowers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Lowering {
    Confidence,
    Severity,
}

/// Which `lower-*` conditions of a match held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lowered {
    pub confidence: bool,
    pub severity: bool,
}

/// How far a relational condition looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopBy {
    /// Only the parent, direct children, or the adjacent sibling.
    Neighbor,
    /// All ancestors, descendants or siblings in that direction.
    End,
}

/// The node kinds of a [`Condition::Kind`]: their names, and every kind id of the language with
/// one of them (named or anonymous, aliases and `ERROR` included), so that a node's kind is
/// tested by its id without reading its name.
pub struct KindSet {
    pub names: Vec<String>,
    ids: bit_set::BitSet,
}

impl KindSet {
    /// The kinds of `language` named `names`.
    pub fn new(names: Vec<String>, language: crate::source::Language) -> KindSet {
        let grammar = language.grammar();
        let count = grammar.node_kind_count() as u16;
        let ids = (0..count)
            .chain([u16::MAX])
            .filter(|&id| {
                grammar
                    .node_kind_for_id(id)
                    .is_some_and(|kind| names.iter().any(|name| name == kind))
            })
            .map(usize::from)
            .collect();
        KindSet { names, ids }
    }

    /// Whether `node`'s kind is one of the set's: what comparing its name with each would say.
    pub fn contains(&self, node: tree_sitter::Node) -> bool {
        self.ids.contains(usize::from(node.kind_id()))
    }
}

/// The target of a relational condition.
pub struct Relation {
    pub condition: Box<Condition>,
    pub stop_by: StopBy,
    /// Only look at children in this grammar field (e.g. `arguments`), for `has`.
    pub field: Option<std::num::NonZeroU16>,
    /// The node kinds the condition can match (`None`: any), so that a relation over many
    /// candidates (every descendant, every ancestor) skips the others without evaluating.
    pub kinds: Option<bit_set::BitSet>,
    /// The names of `kinds` when they are all named kinds: a `has` that looks at every
    /// descendant takes the candidates from the file's index of nodes by kind instead.
    pub kind_names: Option<Vec<String>>,
}

/// The names of the node `kinds` of `language`, when every one is a named kind (the file's index
/// of nodes by kind holds named nodes only).
pub fn named_kinds(
    kinds: Option<&bit_set::BitSet>,
    language: crate::source::Language,
) -> Option<Vec<String>> {
    let grammar = language.grammar();
    let mut names = kinds?
        .iter()
        .map(|id| {
            let id = u16::try_from(id).ok()?;
            let name = grammar.node_kind_for_id(id)?;
            grammar.node_kind_is_named(id).then(|| name.to_string())
        })
        .collect::<Option<Vec<String>>>()?;
    names.sort_unstable();
    names.dedup();
    Some(names)
}

/// A test on what a metavariable is bound to.
pub struct Constraint {
    /// The metavariable name, without `$`.
    pub var: String,
    pub test: ConstraintTest,
}

/// The metavariable a `built` constraint binds: how a value that is not a constant got into the
/// text (`string interpolation`, `` `%` formatting ``, …).
pub const BUILT_HOW: &str = "HOW";

/// What a [`Constraint`] checks.
pub enum ConstraintTest {
    Regex(LazyRegex),
    NotRegex(LazyRegex),
    Kind(Vec<String>),
    OneOf(Vec<String>),
    NotOneOf(Vec<String>),
    /// The bound node's value is one of these: its text (string literals without their quotes),
    /// or, for a name of a constant of its own file, the text of the literal it stands for.
    ValueOneOf(Vec<String>),
    /// The bound node's value, as [`ConstraintTest::ValueOneOf`] reads it but with its quotes,
    /// matches this regex.
    ValueRegex(LazyRegex),
    /// The bound value derives (or does not derive) from request input.
    FromRequest(bool),
    /// The bound value derives (or does not derive) from request input or a parameter of its
    /// function.
    FromInput(bool),
    /// The bound value is (or is not) tainted by the rule's sources, past its sanitizers.
    Tainted(bool),
    /// The bound text is built from values that are not constants (spliced in by interpolation,
    /// formatting or concatenation, followed back through assignments), and with `reads_as_sql`
    /// its literal parts read as SQL. Binds `$HOW`, the way the value got in.
    Built {
        reads_as_sql: bool,
    },
    /// Some value spliced into the bound text (as [`ConstraintTest::Built`] finds them) that is
    /// not a constant derives (or, `false`, none derives) from request input or a parameter of
    /// its function.
    SplicedFromInput(bool),
    /// The bound value is tainted, and only through route parameters that match one URL path
    /// segment (so it holds no `/`), or (`false`) is tainted some other way too.
    FromPathSegment(bool),
    /// The bound Rust value's type is a struct (of this file, or of another decided at the link)
    /// that derives `Debug` and has a field whose name matches, itself or through nested
    /// structs: its `{:?}` prints that field.
    DebugShowsField(LazyRegex),
    /// The bound name (or a call's callee) refers to one of these qualified names, through the
    /// file's imports and aliases.
    ResolvesTo(crate::symbols::NamePatterns),
    /// The bound name does not refer to any of these (judged on resolved names only).
    NotResolvesTo(crate::symbols::NamePatterns),
    /// The bound class name is one a handler takes from the client: recorded on the finding
    /// and decided after linking; with a metavariable, the field it holds must also be left
    /// unbounded by some handler that takes the class.
    RequestModel {
        field: Option<String>,
        /// `false`: a class no handler takes is kept; only the read-only lowering applies.
        required: bool,
        /// A class only staff-only handlers take makes the finding one step less confident.
        staff_lowers: bool,
    },
    /// The bound name is not a task whose base class defers publishing to `on_commit`:
    /// recorded on the finding and decided after linking.
    NotDeferredTask,
    /// The bound class name (as written) is not a validated data schema: no base, in any file,
    /// is pydantic's `BaseModel` (decided when the project is linked).
    NotSchemaClass,
    /// The bound name is not assigned again by every module that star-imports this one
    /// (decided when the project is linked).
    NotReboundByImporters,
    /// The bound name is the method of a call that runs no function the project defines (a
    /// method of `self`, or of a local, parameter or field whose class the file knows): this
    /// file's are decided here, other files' when linking.
    NotProjectFunction,
    /// The bound name is an attribute no class of the project sets through its own code (a
    /// property setter, a validator): decided when linking.
    NoPropertySetter,
    /// The bound string literal names a template that prints the variable held by this
    /// metavariable without escaping: recorded on the finding and decided after linking.
    PrintsUnescaped(String),
}

impl ConstraintTest {
    /// Whether the test runs the taint tracker (the expensive kind).
    pub fn traces(&self) -> bool {
        matches!(
            self,
            ConstraintTest::FromRequest(_)
                | ConstraintTest::FromInput(_)
                | ConstraintTest::Tainted(_)
                | ConstraintTest::FromPathSegment(_)
                | ConstraintTest::Built { .. }
                | ConstraintTest::SplicedFromInput(_)
        )
    }
}

/// A rule's own taint sources and sanitizers (`taint:` in the rule file).
#[derive(Default)]
pub struct TaintSpec {
    pub sources: Vec<Condition>,
    pub sanitizers: Vec<Condition>,
    /// Request input counts as a source.
    pub request: bool,
}

/// A rule's compiled matching logic.
pub struct Matcher {
    pub condition: Condition,
    pub constraints: Vec<Constraint>,
    /// Report the node bound to this metavariable instead of the whole match.
    pub focus: Option<String>,
    pub prefilter: Prefilter,
    /// Used by `tainted:` constraints.
    pub taint: TaintSpec,
}

impl Matcher {
    /// Whether the matcher needs the file's handler model or request-flow analysis.
    pub fn uses_model(&self) -> bool {
        self.condition.uses_model() || self.constraints.iter().any(|c| c.test.traces())
    }

    /// Whether a `resolves-to` of the matcher names the instance `class` (`ldap3.Connection()`):
    /// only such objects returned by project helpers are worth resolving across files.
    pub fn names_instance(&self, class: &str) -> bool {
        let names = |c: &Constraint| match &c.test {
            ConstraintTest::ResolvesTo(names) => names.instances && names.matches(class),
            _ => false,
        };
        self.constraints.iter().any(names) || self.condition.names_instance(&names)
    }
}

impl Condition {
    /// The `lower-confidence`/`lower-severity` conditions that ask only about the handler
    /// around the match (`lower-severity: { in-handler: { staff: true } }`), outside any `not`:
    /// for a finding reached from a handler in another function, the caller's handler answers.
    pub fn handler_lowerings(&self) -> Vec<(Lowering, &HandlerFilter)> {
        match self {
            Condition::Lower(lowering, inner) => match inner.as_ref() {
                Condition::InHandler(filter) => vec![(*lowering, filter)],
                _ => Vec::new(),
            },
            Condition::All(all) | Condition::Any(all) => {
                all.iter().flat_map(Condition::handler_lowerings).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether a `where:` inside the condition has a constraint `names` accepts.
    fn names_instance(&self, names: &dyn Fn(&Constraint) -> bool) -> bool {
        match self {
            Condition::Where(constraints) => constraints.iter().any(names),
            Condition::All(all) | Condition::Any(all) => {
                all.iter().any(|c| c.names_instance(names))
            }
            Condition::Not(inner) | Condition::Lower(_, inner) => inner.names_instance(names),
            Condition::Inside(rel)
            | Condition::Has(rel)
            | Condition::Follows(rel)
            | Condition::Precedes(rel) => rel.condition.names_instance(names),
            Condition::Pattern(_)
            | Condition::Kind(_)
            | Condition::Regex(_)
            | Condition::Query(_)
            | Condition::InHandler(_)
            | Condition::InTestCode
            | Condition::UsedAsObject => false,
        }
    }

    fn uses_model(&self) -> bool {
        match self {
            Condition::InHandler(_) => true,
            Condition::Where(constraints) => constraints.iter().any(|c| c.test.traces()),
            Condition::All(all) | Condition::Any(all) => all.iter().any(Condition::uses_model),
            Condition::Not(inner) | Condition::Lower(_, inner) => inner.uses_model(),
            Condition::Inside(rel)
            | Condition::Has(rel)
            | Condition::Follows(rel)
            | Condition::Precedes(rel) => rel.condition.uses_model(),
            Condition::Pattern(_)
            | Condition::Kind(_)
            | Condition::Regex(_)
            | Condition::Query(_)
            | Condition::InTestCode
            | Condition::UsedAsObject => false,
        }
    }
}

impl Condition {
    /// The node kinds this condition can match, or `None` when any kind may match. Lets the
    /// check stage skip a rule on every node of another kind.
    pub fn potential_kinds(&self, language: crate::source::Language) -> Option<bit_set::BitSet> {
        use ast_grep_core::Matcher as _;
        match self {
            Condition::Pattern(pattern) => pattern.potential_kinds(),
            Condition::Query(query) => {
                let names = query.match_kinds()?.to_vec();
                Condition::Kind(KindSet::new(names, language)).potential_kinds(language)
            }
            Condition::Kind(KindSet { names, .. }) => {
                let grammar = language.grammar();
                let mut set = bit_set::BitSet::new();
                for id in 0..grammar.node_kind_count() as u16 {
                    if grammar.node_kind_is_named(id)
                        && grammar
                            .node_kind_for_id(id)
                            .is_some_and(|kind| names.iter().any(|n| n == kind))
                    {
                        set.insert(usize::from(id));
                    }
                }
                Some(set)
            }
            Condition::All(all) => all
                .iter()
                .filter_map(|c| c.potential_kinds(language))
                .reduce(|mut a, b| {
                    a.intersect_with(&b);
                    a
                }),
            Condition::Any(any) => {
                let mut union = bit_set::BitSet::new();
                for branch in any {
                    union.union_with(&branch.potential_kinds(language)?);
                }
                Some(union)
            }
            _ => None,
        }
    }
}
